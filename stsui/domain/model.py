"""Plain values shared by every layer: roles, credentials, identities and session status."""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from stsui.domain.sso import DiscoveredRole, SsoInstance

from stsui.domain.groups import group_defaults
from stsui.domain.limits import (
    DEFAULT_CONSOLE_DURATION,
    DEFAULT_DURATION,
    DEFAULT_MFA_SESSION_DURATION,
    DEFAULT_REFRESH_BEFORE,
)
from stsui.domain.reuse import may_reuse, renewal_due_in


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
class AccessKey:
    """An IAM user's long-term keys, from the OS keyring (`source_keys = "NAME"`). `repr` never shows the
    secret."""

    name: str
    """The keyring entry's name: how every message names these keys."""
    access_key_id: str
    secret_access_key: str = field(repr=False)


Caller = Credentials | AccessKey
"""What an AWS call can be signed with instead of a profile: a session, or the keyring's long-term keys."""


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
    source_keys: str | None = None
    """The OS keyring entry whose long-term keys assume the role (instead of `source_profile`)."""
    region: str | None = None
    duration: int = DEFAULT_DURATION
    session_name: str = "stsui"
    refresh_before: int = DEFAULT_REFRESH_BEFORE
    auto_refresh: bool = True
    description: str = ""
    group: str = ""
    mfa_serial: str | None = None
    mfa_session_duration: int = DEFAULT_MFA_SESSION_DURATION
    mfa_process: str | None = None
    """A command (run with /bin/sh -c) that prints the MFA code, instead of asking the user."""
    notify: bool = True
    """Whether a background caller that needs an MFA code nobody can give posts a desktop notification."""
    external_id: str | None = None
    source_identity: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    transitive_tag_keys: tuple[str, ...] = ()
    policy_arns: tuple[str, ...] = ()
    policy: str | None = None
    console_duration: int = DEFAULT_CONSOLE_DURATION
    console_open: str = "default"
    """How the console opens (`stsui.domain.console_open`): the browser, a Firefox container, a Chromium
    profile of the role's own, or a command template."""
    sso: DiscoveredRole | None = None
    """Set for a role discovered through IAM Identity Center: its session comes from GetRoleCredentials."""
    color: str | None = None
    """The role's colour (`stsui.domain.colors`: a name or `#rrggbb`): its name in the TUI, the prompt."""
    confirm: bool = False
    """Ask before the user takes the role (assume, use in a shell, exec, console); renewals never ask."""

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

    @property
    def base(self) -> str | None:
        """The base identity a role at the root of a chain is assumed with, as one name: `source_profile`,
        `[keyring] NAME` for `source_keys` (no profile name has brackets), None for the default chain. MFA
        sessions are kept per base and device."""
        return keyring_base(self.source_keys) if self.source_keys is not None else self.source_profile


def keyring_base(name: str) -> str:
    """`Role.base` for the keyring's keys `name`."""
    return f"[keyring] {name}"


@dataclass(frozen=True)
class Config:
    """The loaded roles file: roles in file order."""

    path: Path
    roles: Mapping[str, Role]
    source_profile: str | None = None
    source_keys: str | None = None
    """`[defaults]`'s keyring keys: the base identity for `whoami`, `console --base` and the roles."""
    mfa_serial: str | None = None
    """`[defaults]`'s MFA device (the base identity's, for `stsui keys rotate`)."""
    mfa_process: str | None = None
    region: str | None = None
    session_name: str = "stsui"
    console_duration: int = DEFAULT_CONSOLE_DURATION
    console_policy: str | None = None
    console_open: str = "default"
    """`[defaults]`' console_open: for `stsui console --base`, and every role that sets none."""
    sso: Mapping[str, SsoInstance] = field(default_factory=dict)
    """The `[sso.NAME]` Identity Center instances, by name."""
    color: str | None = None
    """`[defaults]`' colour, for roles found later (IAM Identity Center) that set none of their own."""
    confirm: bool = False
    groups: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """The `[groups.NAME]` tables, checked: `color` and `confirm` for every role of group NAME."""

    def group_settings(self, group: str) -> dict[str, Any]:
        """What a role of `group` gets unless it sets its own (`group_defaults` over `[defaults]`)."""
        return group_defaults({"color": self.color, "confirm": self.confirm}, self.groups, group)

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
    NEEDS_LOGIN = "needs login"
    ERROR = "error"
    # sessions other tools made (stsui list --all, the TUI's other sessions)
    UNKNOWN_EXPIRY = "unknown expiry"
    LONG_TERM = "long-term keys"
    UNREADABLE = "unreadable"


DUE_WITHIN = 900
"""A session of another tool with this little left is due (botocore's advisory refresh window)."""


@dataclass(frozen=True, slots=True)
class ProfileEntry:
    """What the credentials file says about one profile section (one per section: 50,000 in a large file,
    so without a per-instance dict)."""

    profile: str
    owner_role: str | None
    expires_at: datetime | None
    principal_arn: str | None
    region: str | None = None

    @property
    def owned(self) -> bool:
        return self.owner_role is not None


def renewal_due(role: Role, seconds_left: float) -> bool:
    """True when a session of `role` with `seconds_left` is no longer handed out as it is but renewed:
    the one boundary for reuse (engine, agent) and for the "due" status (`renewal_due_in`)."""
    return renewal_due_in(seconds_left, role.refresh_before)


def reusable(role: Role, session: Session | None, now: datetime) -> Session | None:
    """`session` when `may_reuse` (the one reuse rule) says so for `role` at `now`; else None."""
    if session is None:
        return None
    left = session.credentials.seconds_left(now)
    return session if may_reuse(role.role_arn, role.refresh_before, session.assumed_role_arn, left) else None


def owned_entry(role: Role, entry: ProfileEntry | None) -> ProfileEntry | None:
    """`entry` when it holds a session stsui wrote for `role` (its `x_stsui_role` marker names the role, and
    it has an expiry); else None: another program's section, another role's, or none. THE ownership rule for
    a role's profile, for every command and screen."""
    if entry is None or entry.owner_role != role.name or entry.expires_at is None:
        return None
    return entry


def owned_expiry(role: Role, entry: ProfileEntry | None) -> datetime | None:
    """The expiry of the session in `entry` when stsui wrote it for `role` (`owned_entry`), else None."""
    owned = owned_entry(role, entry)
    return None if owned is None else owned.expires_at


def status_of(
    role: Role,
    entry: ProfileEntry | None,
    now: datetime,
    renewal_needs_mfa: Callable[[], bool] = lambda: False,
    needs_login: Callable[[], bool] = lambda: False,
) -> Status:
    """THE status of a role, for every command and screen (`stsui list`, the TUI's rows, the agent).

    - `entry`: the role's profile section; only a session stsui wrote for this role counts (its
      `x_stsui_role` marker names the role), anything else is inactive.
    - `renewal_needs_mfa`: whether renewing now would need a new MFA code, i.e.
      `Engine.needs_mfa_code(role, fresh=True)`; asked only when the session is due or expired (it reads
      the caches). A due or expired session that cannot be renewed without a code is "needs MFA", whatever
      `auto_refresh` says.
    - `needs_login`: whether the role's IAM Identity Center login is gone (`Engine.needs_login`); asked only
      when the session is not active. Such a role is "needs login".
    - due means `renewal_due`: the boundary at which the engine stops reusing the session.
    Work in progress and the last error are the screen's own (it shows them instead).
    """
    expires_at = owned_expiry(role, entry)
    if expires_at is None:
        status = Status.INACTIVE
    else:
        status = status_at(expires_at, now, role.refresh_before)
        if status is Status.ACTIVE:
            return status
        if renewal_needs_mfa():
            return Status.NEEDS_MFA
    return Status.NEEDS_LOGIN if needs_login() else status


def status_at(expires_at: datetime, now: datetime, refresh_before: int = DUE_WITHIN) -> Status:
    """active / due / expired for a session that ends at `expires_at` and is renewed `refresh_before`
    seconds ahead (the `renewal_due` boundary); stsui's roles and other tools' sessions alike."""
    left = (expires_at - now).total_seconds()
    if left <= 0:
        return Status.EXPIRED
    return Status.DUE if renewal_due_in(left, refresh_before) else Status.ACTIVE
