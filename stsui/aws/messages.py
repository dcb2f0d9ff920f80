"""One-sentence errors for STS failures, shared by the boto3 gateway and the direct (standard-library) one."""

from __future__ import annotations

from stsui.domain.errors import StsError

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

CHECK_NETWORK = "check the network, proxy or AWS_ENDPOINT_URL_STS"


def service_error(action: str, code: str, message: str, status: int | None) -> StsError:
    """STS answered with an error: keep its code, add what to do next."""
    hint = NEXT_STEP.get(code, "see the AWS message above")
    if code not in NEXT_STEP and status is not None and status >= 500:
        hint = "STS had an internal error; try again shortly"
    return StsError(f"{action} failed: {code}: {message.rstrip('.') or 'no message'}; {hint}.", code)


def timed_out(action: str, endpoint: str) -> StsError:
    return StsError(f"{action} failed: STS at {endpoint} did not answer in time; {CHECK_NETWORK}.", "Timeout")


def unreachable(action: str, endpoint: str) -> StsError:
    return StsError(
        f"{action} failed: could not connect to STS at {endpoint}; {CHECK_NETWORK}.", "ConnectionError"
    )


def not_sts(action: str, endpoint: str) -> StsError:
    """The answer was not an STS response; its body is never quoted (it may be anything)."""
    return StsError(
        f"{action} failed: the answer from {endpoint} is not an STS response (a proxy or captive "
        f"portal?); {CHECK_NETWORK}.",
        "MalformedResponse",
    )


def identity_action(profile: str | None, with_credentials: bool) -> str:
    """How a GetCallerIdentity call is named in errors."""
    if with_credentials:
        return "GetCallerIdentity for a role session"
    who = f"profile '{profile}'" if profile else "the default credentials"
    return f"GetCallerIdentity for {who}"
