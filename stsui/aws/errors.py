"""Turn botocore exceptions into one-sentence `StsError`s that keep the AWS error code."""

from __future__ import annotations

import botocore.exceptions as bce
from botocore.parsers import ResponseParserError

from stsui.core.errors import ConfigError, StsError, StsuiError

NEXT_STEP = {
    "AccessDenied": "check that the role's trust policy allows your base identity ('stsui whoami') "
    "and that MFA or the external id match",
    "InvalidClientTokenId": "the base credentials are not valid; renew or replace them",
    "ExpiredToken": "the base credentials have expired; renew them (for SSO: aws sso login) and try again",
    "ExpiredTokenException": "the base credentials have expired; renew them and try again",
    "SignatureDoesNotMatch": "the base secret key is wrong; check the source profile",
    "Throttling": "STS is throttling requests; wait a minute and try again",
    "ThrottlingException": "STS is throttling requests; wait a minute and try again",
    "RegionDisabledException": "STS is not activated in this region; pick another region",
    "ValidationError": "fix the role's settings in the roles file",
    "MalformedPolicyDocument": "fix the role's policy in the roles file",
    "PackedPolicyTooLarge": "use fewer or shorter session tags or policies",
}


class MalformedResponse(Exception):
    """STS (or something posing as it: a proxy, a captive portal) answered with something that is not the
    expected STS response."""


def translate(error: Exception, action: str, endpoint: str) -> StsuiError:
    """`action` names what was tried, e.g. "AssumeRole for role 'prod-admin'"."""
    if isinstance(error, bce.ClientError):
        details = error.response.get("Error", {})
        code = str(details.get("Code", "Unknown"))
        message = str(details.get("Message", "")).rstrip(".")
        hint = NEXT_STEP.get(code, "see the AWS message above")
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code not in NEXT_STEP and isinstance(status, int) and status >= 500:
            hint = "STS had an internal error; try again shortly"
        return StsError(f"{action} failed: {code}: {message or 'no message'}; {hint}.", code)
    if isinstance(error, bce.ProfileNotFound):
        return ConfigError(f"{action} failed: {error}; add it to ~/.aws/config or fix source_profile.")
    if isinstance(error, bce.NoCredentialsError | bce.PartialCredentialsError):
        return StsError(
            f"{action} failed: no base credentials were found; set source_profile in the roles file "
            f"or configure the default profile.",
            "NoCredentials",
        )
    if isinstance(error, bce.ConnectTimeoutError | bce.ReadTimeoutError):
        return StsError(
            f"{action} failed: STS at {endpoint} did not answer in time; check the network, proxy "
            f"or AWS_ENDPOINT_URL_STS.",
            "Timeout",
        )
    if isinstance(error, bce.EndpointConnectionError | bce.ConnectionClosedError | bce.ProxyConnectionError):
        return StsError(
            f"{action} failed: could not connect to STS at {endpoint}; check the network, proxy "
            f"or AWS_ENDPOINT_URL_STS.",
            "ConnectionError",
        )
    if isinstance(error, ResponseParserError | MalformedResponse):
        # not a BotoCoreError; its message quotes the whole body, which is not shown
        return StsError(
            f"{action} failed: the answer from {endpoint} is not an STS response (a proxy or captive "
            f"portal?); check the network, proxy or AWS_ENDPOINT_URL_STS.",
            "MalformedResponse",
        )
    if isinstance(error, bce.ParamValidationError):
        return ConfigError(f"{action} failed: {error}; fix the role in the roles file.")
    if isinstance(error, bce.TokenRetrievalError | bce.SSOTokenLoadError | bce.UnauthorizedSSOTokenError):
        return StsError(f"{action} failed: {error}; run 'aws sso login' and try again.", "SSOTokenError")
    if isinstance(error, bce.BotoCoreError):
        return StsError(f"{action} failed: {error}.", type(error).__name__)
    return StsError(f"{action} failed: {type(error).__name__}: {error}.", type(error).__name__)
