"""What `env` and `credential-process` print: the only places secrets reach stdout, because the user asked."""

from __future__ import annotations

import json

from stsui.domain.times import rfc3339

TYPE_CHECKING = False
if TYPE_CHECKING:  # the credential-process fast path imports this module: standard library only, no typing
    from collections.abc import Sequence
    from datetime import datetime

    from stsui.domain.model import Session

IDENTITY_VARIABLES = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_CREDENTIAL_FILE",
)
"""Variables that choose the caller's identity for the AWS SDKs and CLI: a process given a session (`exec`,
the demo) must not inherit them."""

SHELLS = ("sh", "fish", "powershell")
"""The shells `env` writes for (`--shell`); the first is the default."""


def session_variables(session: Session) -> list[tuple[str, str]]:
    """The environment variables that carry `session` (keys, token, expiry, region)."""
    credentials = session.credentials
    variables = [
        ("AWS_ACCESS_KEY_ID", credentials.access_key_id),
        ("AWS_SECRET_ACCESS_KEY", credentials.secret_access_key),
        ("AWS_SESSION_TOKEN", credentials.session_token),
        ("AWS_CREDENTIAL_EXPIRATION", rfc3339(credentials.expiration)),
    ]
    if session.region:
        variables += [("AWS_REGION", session.region), ("AWS_DEFAULT_REGION", session.region)]
    return variables


def _fish_quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


POWERSHELL_QUOTES = "'\u2018\u2019\u201a\u201b"
"""Every character that ends a PowerShell single-quoted string: the ASCII quote and U+2018-U+201B. Inside
such a string each is written twice."""


def _powershell_quote(value: str) -> str:
    return "'" + "".join(char * 2 if char in POWERSHELL_QUOTES else char for char in value) + "'"


def quote(value: str, shell: str = "sh") -> str:
    """`value` as one literal word of `shell` (sh, fish or powershell): nothing in it is expanded."""
    if shell == "fish":
        return _fish_quote(value)
    if shell == "powershell":
        return _powershell_quote(value)
    import shlex

    return shlex.quote(value)


def variable_lines(
    exported: Sequence[tuple[str, str]], removed: Sequence[str] = (), shell: str = "sh"
) -> list[str]:
    """Lines that remove the `removed` environment variables, then export each (name, value)."""
    if shell == "fish":
        lines = [f"set -e {name}" for name in removed]
        return lines + [f"set -gx {name} {quote(value, shell)}" for name, value in exported]
    if shell == "powershell":
        lines = [f"Remove-Item Env:{name} -ErrorAction SilentlyContinue" for name in removed]
        return lines + [f"$Env:{name} = {quote(value, shell)}" for name, value in exported]
    lines = [f"unset {' '.join(removed)}"] if removed else []
    return lines + [f"export {name}={quote(value, shell)}" for name, value in exported]


def shell_variable_line(name: str, value: str, shell: str = "sh") -> str:
    """A line that sets the shell's own (global, not exported) variable `name` to `value`."""
    if shell == "fish":
        return f"set -g {name} {quote(value, shell)}"
    if shell == "powershell":
        return f"$global:{name} = {quote(value, shell)}"
    return f"{name}={quote(value, shell)}"


def env_lines(session: Session, shell: str = "sh") -> str:
    """Export lines for `eval`, safely quoted; they also clear a stale AWS_SECURITY_TOKEN."""
    return "\n".join(variable_lines(session_variables(session), ["AWS_SECURITY_TOKEN"], shell)) + "\n"


def credential_process_json(session: Session) -> str:
    """The JSON botocore's credential_process provider expects (Version 1, Expiration with a zone)."""
    credentials = session.credentials
    return credential_process_document(
        credentials.access_key_id,
        credentials.secret_access_key,
        credentials.session_token,
        credentials.expiration,
    )


def credential_process_document(
    access_key_id: str, secret_access_key: str, session_token: str, expiration: datetime
) -> str:
    """`credential_process_json` of these keys (the fast path has them without a `Session`)."""
    return json.dumps(
        {
            "Version": 1,
            "AccessKeyId": access_key_id,
            "SecretAccessKey": secret_access_key,
            "SessionToken": session_token,
            "Expiration": rfc3339(expiration),
        }
    )
