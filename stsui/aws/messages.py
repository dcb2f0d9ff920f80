"""One-sentence errors for STS failures, shared by the boto3 gateway and the direct (standard-library) one."""

from __future__ import annotations

from stsui.aws.limits import MAX_ANSWER_BYTES
from stsui.domain.errors import StsError
from stsui.domain.printable import printable

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
    code, message = printable(code, 100), printable(message, 300)
    hint = NEXT_STEP.get(code, "check the role's settings and your base identity ('stsui whoami')")
    if code not in NEXT_STEP and status is not None and status >= 500:
        hint = "STS had an internal error; try again shortly"
    detail = message.rstrip(".") or "no message"
    return StsError(f"{action} failed: {code}: {detail}; {hint}.", code)


def answer_too_large(action: str, endpoint: str) -> StsError:
    return StsError(
        f"{action} failed: the answer from {endpoint} is larger than {MAX_ANSWER_BYTES // 1024} KiB, "
        f"which no STS answer is; {CHECK_NETWORK}.",
        "AnswerTooLarge",
    )


def expired_answer(action: str, expiration: str) -> StsError:
    return StsError(
        f"{action} failed: STS answered with credentials that expire at {printable(expiration, 60)}, "
        "which is not in the future; nothing was written. Check the machine's clock and "
        "AWS_ENDPOINT_URL_STS.",
        "ExpiredAnswer",
    )


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


# -- how each call is named in errors ("<action> failed: …"), the same on the direct path and through boto3


def assume_role_action(role_name: str) -> str:
    return f"AssumeRole for role '{role_name}'"


def session_token_action(serial: str) -> str:
    return f"GetSessionToken with MFA device {serial}"


def federation_token_action(profile: str | None, keys: str | None = None) -> str:
    return f"GetFederationToken for {base_label(profile, keys)}"


def reading_credentials_action(profile: str | None) -> str:
    return f"Reading the credentials of {base_label(profile)}"


def identity_action(profile: str | None, with_credentials: bool, keys: str | None = None) -> str:
    """How a GetCallerIdentity call is named in errors (`keys`: the name of the keyring's keys used)."""
    if keys is not None:
        return f"GetCallerIdentity for {base_label(None, keys)}"
    if with_credentials:
        return "GetCallerIdentity for a role session"
    return f"GetCallerIdentity for {base_label(profile)}"


def base_label(profile: str | None, keys: str | None = None) -> str:
    """The base identity in errors: `profile 'name'`, `key 'name' of the OS keyring`, or the default
    credentials."""
    if keys is not None:
        return f"key '{keys}' of the OS keyring"
    return f"profile '{profile}'" if profile else "the default credentials"
