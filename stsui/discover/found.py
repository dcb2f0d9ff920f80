"""What discovery found: one value per session, login, key pair or unreadable file, with its status."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from stsui.domain.durations import format_time_left
from stsui.domain.model import Status, status_at
from stsui.domain.printable import printable
from stsui.domain.times import rfc3339


class Source(enum.StrEnum):
    """Where a session was found, in the words `stsui list --all` prints."""

    STSUI = "stsui"
    CREDENTIALS_FILE = "credentials-file"
    CLI_CACHE = "cli-cache"
    SSO_LOGIN = "sso-login"
    ENVIRONMENT = "environment"
    AWS_CONFIG = "aws-config"


class Kind(enum.StrEnum):
    """What the thing found is."""

    SESSION = "session"  # temporary credentials (or an Identity Center login) with an expiry, maybe unknown
    LONG_TERM = "long-term keys"  # an access key without a session token: no countdown
    ROLE_PROFILE = "role profile"  # a role profile of ~/.aws/config that stsui does not manage
    UNREADABLE = "unreadable"


@dataclass(frozen=True)
class Found:
    """One line of the other sessions. Holds no secret: keys and tokens are never read into it."""

    source: Source
    name: str
    kind: Kind = Kind.SESSION
    profile: str | None = None
    arn: str | None = None
    expires_at: datetime | None = None
    note: str = ""
    path: Path | None = None
    in_use: bool = False  # the shell that started stsui uses it (AWS_PROFILE or its own keys)

    def status(self, now: datetime) -> Status:
        if self.kind is Kind.UNREADABLE:
            return Status.UNREADABLE
        if self.kind is Kind.LONG_TERM:
            return Status.LONG_TERM
        if self.kind is Kind.ROLE_PROFILE and self.expires_at is None:
            return Status.INACTIVE
        if self.expires_at is None:
            return Status.UNKNOWN_EXPIRY
        return status_at(self.expires_at, now)

    def seconds_left(self, now: datetime) -> float | None:
        if self.expires_at is None or self.kind in (Kind.UNREADABLE, Kind.LONG_TERM):
            return None
        return (self.expires_at - now).total_seconds()


def describe(found: Found, now: datetime) -> dict[str, object]:
    """`found` as the fields `stsui list --all --json` prints and the TUI shows (terminal-safe text)."""
    left = found.seconds_left(now)
    return {
        "source": str(found.source),
        "name": printable(found.name),
        "profile": None if found.profile is None else printable(found.profile),
        "arn": None if found.arn is None else printable(found.arn),
        "status": str(found.status(now)),
        "expires_at": None if left is None or found.expires_at is None else rfc3339(found.expires_at),
        "seconds_left": None if left is None else max(0, int(left)),
        "time_left": "" if left is None else format_time_left(left),
        "in_use": found.in_use,
        "note": printable(found.note),
        "path": None if found.path is None else printable(str(found.path)),
    }
