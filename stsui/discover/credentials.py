"""Sections of the shared credentials file that other tools wrote (saml2aws, okta-aws-cli, awsume, Leapp…)."""

from __future__ import annotations

from pathlib import Path

from stsui.discover.found import Found, Kind, Source
from stsui.domain.errors import CredentialsFileError
from stsui.domain.times import parse_expiry
from stsui.store.credentials_file import CredentialsFile
from stsui.store.keys import ACCESS_KEY, LEGACY_TOKEN, PRINCIPAL, SESSION_TOKEN

EXPIRY_KEYS = (
    "x_security_token_expires",  # saml2aws, okta-aws-cli (RFC 3339)
    "expiration",  # awsume, aws-mfa (no zone: local time)
    "aws_expiration",
    "aws_credential_expiration",
    "expires_time",  # unix seconds
)
"""Where other tools keep a session's expiry, first match wins. None of these keys holds a secret."""


def from_credentials_file(store: CredentialsFile) -> list[Found]:
    """Every section stsui did not write that holds a session token or long-term keys, in file order."""
    try:
        sections = store.others((*EXPIRY_KEYS, PRINCIPAL))
    except CredentialsFileError as error:
        path = store.path
        return [Found(Source.CREDENTIALS_FILE, str(path), Kind.UNREADABLE, note=str(error), path=path)]
    found = []
    for name, (keys, values) in sections.items():
        if SESSION_TOKEN in keys or LEGACY_TOKEN in keys:
            found.append(_session(name, values, store.path))
        elif ACCESS_KEY in keys:
            arn = values.get(PRINCIPAL) or None
            found.append(
                Found(Source.CREDENTIALS_FILE, name, Kind.LONG_TERM, profile=name, arn=arn, path=store.path)
            )
    return found


def _session(name: str, values: dict[str, str], path: Path) -> Found:
    key = next((key for key in EXPIRY_KEYS if values.get(key)), None)
    expires_at = None if key is None else parse_expiry(values[key])
    if key is None:
        note = "no expiry recorded"
    else:
        note = f"{key} is not a time stsui can read" if expires_at is None else ""
    arn = values.get(PRINCIPAL) or None
    return Found(
        Source.CREDENTIALS_FILE, name, profile=name, arn=arn, expires_at=expires_at, note=note, path=path
    )
