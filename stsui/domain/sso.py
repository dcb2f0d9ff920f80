"""IAM Identity Center (SSO) values: instances from the roles file, tokens, and the roles discovered."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from stsui.domain.limits import PORTAL_RATE as PORTAL_RATE

DEFAULT_SCOPES = ("sso:account:access",)
DEFAULT_PROFILE_TEMPLATE = "{account_name}.{role_name}"
TEMPLATE_FIELDS = ("sso", "account_id", "account_name", "role_name")
"""The placeholders a `profile_template` may use."""


_NAME_CHARS = re.compile(r"[^A-Za-z0-9_.@+=,-]+", re.ASCII)


@dataclass(frozen=True)
class SsoInstance:
    """One `[sso.NAME]` table: an Identity Center instance the user logs in to."""

    name: str
    start_url: str
    region: str
    scopes: tuple[str, ...] = DEFAULT_SCOPES
    profile_template: str = DEFAULT_PROFILE_TEMPLATE
    refresh_before: int | None = None
    auto_refresh: bool | None = None
    """From `[defaults]` when set there: how the discovered roles' sessions are renewed."""


@dataclass(frozen=True)
class SsoToken:
    """A login: the OIDC access token, its refresh token and the client registration that issued them.
    `repr` never shows a token or the client secret."""

    start_url: str
    region: str
    access_token: str = field(repr=False)
    expires_at: datetime
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    registration_expires_at: datetime | None = None
    refresh_token: str | None = field(default=None, repr=False)

    def valid(self, now: datetime, margin: float = 0) -> bool:
        """The access token has more than `margin` seconds left."""
        return (self.expires_at - now).total_seconds() > margin

    def refreshable(self, now: datetime) -> bool:
        """A refresh token and a client registration that is still valid."""
        return bool(
            self.refresh_token
            and self.client_id
            and self.client_secret
            and self.registration_expires_at is not None
            and self.registration_expires_at > now
        )


@dataclass(frozen=True)
class DeviceAuthorization:
    """What the user must do to log in: open `verification_uri_complete` (or `verification_uri` and type
    `user_code`). The URL carries the code, so it is opened in the browser but never printed."""

    device_code: str = field(repr=False)
    user_code: str
    verification_uri: str = field(repr=False)
    verification_uri_complete: str = field(repr=False)
    expires_in: int
    interval: int


@dataclass(frozen=True)
class Grant:
    """CreateToken's answer."""

    access_token: str = field(repr=False)
    expires_in: int
    refresh_token: str | None = field(default=None, repr=False)


PENDING = "AuthorizationPendingException"
SLOW_DOWN = "SlowDownException"
EXPIRED = "ExpiredTokenException"
THROTTLED = "TooManyRequestsException"
UNAUTHORIZED = "UnauthorizedException"
"""The AWS error codes (kept on `StsError.code`) that the login and discovery loops act on."""


@dataclass(frozen=True)
class ClientRegistration:
    client_id: str
    client_secret: str = field(repr=False)
    expires_at: datetime


@dataclass(frozen=True)
class DiscoveredRole:
    """One (account, permission set) the user may use through an instance. `gone`: missing from the latest
    sync (kept, marked, until the next one)."""

    sso: str
    account_id: str
    account_name: str
    role_name: str
    gone: bool = False
    configured: bool = False
    """Named in the roles file (`source_sso`), not found by discovery."""

    def profile_name(self, template: str) -> str:
        """The role's name (and profile) from the instance's template, in the role-name alphabet."""
        text = template.format(
            sso=self.sso, account_id=self.account_id, account_name=self.account_name, role_name=self.role_name
        )
        return _NAME_CHARS.sub("-", text).strip("-.")[:128] or self.account_id

    @property
    def role_arn(self) -> str:
        """The IAM role's ARN as stsui names it (Identity Center's real role is AWSReservedSSO_…)."""
        return f"arn:aws:iam::{self.account_id}:role/{self.role_name}"

    @property
    def principal_arn(self) -> str:
        """The session's principal, as written to the profile: GetRoleCredentials does not say it."""
        return f"arn:aws:sts::{self.account_id}:assumed-role/{self.role_name}/{self.sso}"
