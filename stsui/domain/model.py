"""Plain values shared by every layer: roles, credentials, identities and session status."""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

DEFAULT_CONSOLE_DURATION = 43200
"""How long a console session lasts when the role does not say (`console_duration`): 12 h."""


@dataclass(frozen=True)
class Credentials:
    """Temporary credentials. `repr` never shows the secret or the token."""

    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str = field(repr=False)
    expiration: datetime

    def seconds_left(self, now: datetime) -> float:
        return (self.expiration - now).total_seconds()


@dataclass(frozen=True)
class Session:
    """A role's live session: its credentials and the assumed-role ARN STS reported."""

    role_name: str
    credentials: Credentials
    assumed_role_arn: str
    region: str | None = None

    @property
    def expiration(self) -> datetime:
        return self.credentials.expiration


@dataclass(frozen=True)
class Identity:
    """GetCallerIdentity's answer."""

    account: str
    arn: str
    user_id: str


@dataclass(frozen=True)
class Role:
    """One `[roles.NAME]` entry of the roles file, with defaults applied."""

    name: str
    role_arn: str
    profile: str
    source_profile: str | None = None
    source_role: str | None = None
    region: str | None = None
    duration: int = 3600
    session_name: str = "stsui"
    refresh_before: int = 900
    auto_refresh: bool = True
    description: str = ""
    group: str = ""
    mfa_serial: str | None = None
    mfa_session_duration: int = 43200
    external_id: str | None = None
    source_identity: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    transitive_tag_keys: tuple[str, ...] = ()
    policy_arns: tuple[str, ...] = ()
    policy: str | None = None
    console_duration: int = DEFAULT_CONSOLE_DURATION

    @property
    def account(self) -> str:
        """The 12-digit account of `role_arn`."""
        parts = self.role_arn.split(":", 5)
        return parts[4] if len(parts) == 6 else ""

    @property
    def role_short_name(self) -> str:
        """The role's IAM name: the last path segment of `role_arn`."""
        return self.role_arn.rsplit("/", 1)[-1]

    @property
    def chained(self) -> bool:
        return self.source_role is not None


@dataclass(frozen=True)
class Config:
    """The loaded roles file: roles in file order."""

    path: Path
    roles: Mapping[str, Role]
    source_profile: str | None = None
    region: str | None = None
    session_name: str = "stsui"
    console_duration: int = DEFAULT_CONSOLE_DURATION
    console_policy: str | None = None

    def role(self, name: str) -> Role:
        from stsui.domain.errors import ConfigError
        from stsui.domain.suggest import did_you_mean

        try:
            return self.roles[name]
        except KeyError:
            hint = did_you_mean(name, self.roles)
            raise ConfigError(f"No role named {name!r} in {self.path}{hint}.") from None


class Status(enum.StrEnum):
    """What a role's session is doing, in the words the user sees."""

    ACTIVE = "active"
    DUE = "due"
    EXPIRED = "expired"
    INACTIVE = "inactive"
    NEEDS_MFA = "needs MFA"
    ERROR = "error"


@dataclass(frozen=True)
class ProfileEntry:
    """What the credentials file says about one profile section."""

    profile: str
    owner_role: str | None
    expires_at: datetime | None
    principal_arn: str | None
    has_long_term_keys: bool = False

    @property
    def owned(self) -> bool:
        return self.owner_role is not None


def status_of(
    role: Role,
    entry: ProfileEntry | None,
    now: datetime,
    renewal_needs_mfa: Callable[[], bool] = lambda: False,
) -> Status:
    """active / due / expired / inactive for a role, from its profile section; needs MFA when the session
    is due or expired and renewing it would need a new MFA code (`renewal_needs_mfa`, asked only then)."""
    if entry is None or not entry.owned or entry.expires_at is None:
        return Status.INACTIVE
    left = (entry.expires_at - now).total_seconds()
    if left <= 0:
        status = Status.EXPIRED
    elif left < role.refresh_before:
        status = Status.DUE
    else:
        return Status.ACTIVE
    return Status.NEEDS_MFA if renewal_needs_mfa() else status
