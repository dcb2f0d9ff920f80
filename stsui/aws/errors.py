"""Turn botocore exceptions into one-sentence `StsError`s that keep the AWS error code."""

from __future__ import annotations

import botocore.exceptions as bce
from botocore.parsers import ResponseParserError

from stsui.aws.messages import not_sts, service_error, timed_out, unreachable
from stsui.domain.errors import ConfigError, StsError, StsuiError


class MalformedResponse(Exception):
    """STS (or something posing as it: a proxy, a captive portal) answered with something that is not the
    expected STS response."""


def translate(error: Exception, action: str, endpoint: str) -> StsuiError:
    """`action` names what was tried, e.g. "AssumeRole for role 'prod-admin'"."""
    if isinstance(error, bce.ClientError):
        details = error.response.get("Error", {})
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return service_error(
            action,
            str(details.get("Code", "Unknown")),
            str(details.get("Message", "")),
            status if isinstance(status, int) else None,
        )
    if isinstance(error, bce.ProfileNotFound):
        return ConfigError(f"{action} failed: {error}; add it to ~/.aws/config or fix source_profile.")
    if isinstance(error, bce.NoCredentialsError | bce.PartialCredentialsError):
        return StsError(
            f"{action} failed: no base credentials were found; set source_profile in the roles file "
            f"or configure the default profile.",
            "NoCredentials",
        )
    if isinstance(error, bce.ConnectTimeoutError | bce.ReadTimeoutError):
        return timed_out(action, endpoint)
    if isinstance(error, bce.EndpointConnectionError | bce.ConnectionClosedError | bce.ProxyConnectionError):
        return unreachable(action, endpoint)
    if isinstance(error, ResponseParserError | MalformedResponse):
        # not a BotoCoreError; its message quotes the whole body, which is not shown
        return not_sts(action, endpoint)
    if isinstance(error, bce.ParamValidationError):
        return ConfigError(f"{action} failed: {error}; fix the role in the roles file.")
    if isinstance(error, bce.TokenRetrievalError | bce.SSOTokenLoadError | bce.UnauthorizedSSOTokenError):
        return StsError(f"{action} failed: {error}; run 'aws sso login' and try again.", "SSOTokenError")
    if isinstance(error, bce.BotoCoreError):
        return StsError(f"{action} failed: {error}.", type(error).__name__)
    return StsError(f"{action} failed: {type(error).__name__}: {error}.", type(error).__name__)
