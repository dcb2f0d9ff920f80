"""IAM Identity Center (SSO) values: instances from the roles file, tokens, and the roles discovered."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from stsui.domain.limits import PORTAL_RATE as PORTAL_RATE
from stsui.domain.printable import printable
from stsui.domain.urls import https_url_problem

DEFAULT_SCOPES = ("sso:account:access",)
DEFAULT_PROFILE_TEMPLATE = "{account_name}.{role_name}"
TEMPLATE_FIELDS = ("sso", "account_id", "account_name", "role_name")
"""The placeholders a `profile_template` may use."""


PORTAL_DOMAINS = {
    "aws": ("awsapps.com", "aws"),
    "aws-us-gov": ("awsapps.com", "aws"),
    "aws-cn": ("awsapps.cn",),
}
"""Where IAM Identity Center's access portal lives besides a partition's service domains:
`<id>.awsapps.com/start`, `ssoins-<id>.portal.<region>.app.aws` (the `.aws` top-level domain is Amazon's
own), `<id>.awsapps.cn`. A host is AWS's in the partition when it is one of these or of the partition's
`dns_suffixes`, or a subdomain of one."""


ACCOUNT_ID = re.compile(r"\d{12}", re.ASCII)
"""An AWS account id: exactly 12 digits (anything else from the portal is dropped, never used)."""
ACCOUNT_ID_RULE = "a 12-digit AWS account id"
PERMISSION_SET_NAME = re.compile(r"[\w+=,.@-]{1,64}", re.ASCII)
"""A role Identity Center hands out: its permission set's name, in IAM's role-name alphabet."""
PERMISSION_SET_RULE = "a permission set name of 1-64 letters, digits and _+=,.@-"

_NAME_CHARS = re.compile(r"[^A-Za-z0-9_.@+=,-]+", re.ASCII)
"""What a discovered role's name (and profile) may not contain: the profile alphabet's complement."""
MAX_NAME = 128


def in_name_alphabet(text: str, suffix: str = "") -> str:
    """`text`, then `suffix`, as a discovered role's name and profile: each run of characters outside
    A-Za-z0-9_.@+=,- becomes '-', no '-' or '.' at either end, at most MAX_NAME characters with the suffix
    kept whole; '' when nothing is left. The one rule for every name made from Identity Center's answers."""
    tail = _NAME_CHARS.sub("-", suffix).strip("-.")
    room = MAX_NAME - len(tail) - 1 if tail else MAX_NAME
    head = _NAME_CHARS.sub("-", text).strip("-.")[: max(room, 0)].rstrip("-.")
    return ".".join(part for part in (head, tail) if part)[:MAX_NAME]


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
    `user_code`). The URL carries the code, so it is opened in the browser but never printed; when the
    pages are `untrusted`, that sentence says why nothing is opened and names the page for the user to
    check."""

    device_code: str = field(repr=False)
    user_code: str
    verification_uri: str = field(repr=False)
    verification_uri_complete: str = field(repr=False)
    expires_in: int
    interval: int
    untrusted: str | None = None


def untrusted_sign_in_page(instance: SsoInstance, device: DeviceAuthorization) -> str | None:
    """Why the sign-in pages the device authorization names must not be opened, as a sentence naming the
    page (up to its query, where the code is) for the user to check, or None: they must be https pages of
    AWS in the partition of the instance's region (`device.sso.<region>.amazonaws.com/?user_code=…`,
    `<id>.awsapps.com/start/#/device?user_code=…`)."""
    from stsui.domain.regions import partition_for  # botocore's data, read when a login starts

    partition = partition_for(instance.region)
    hosts = (*partition.dns_suffixes, *PORTAL_DOMAINS.get(partition.name, ()))
    for page in (device.verification_uri_complete, device.verification_uri):
        problem = https_url_problem(page, hosts)
        if problem:
            return (
                f"IAM Identity Center '{instance.name}' named a sign-in page that is not AWS's (it "
                f"{problem}), so stsui did not open it: {printable(page.split('?', 1)[0], 300)} - open it "
                "yourself only if you trust it."
            )
    return None


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

    def profile_name(self, template: str, *, with_account: bool = False) -> str:
        """The role's name (and profile) from the instance's template, in the name alphabet; the account id
        when nothing of it is left; `with_account`: followed by '.' and the account id (names that clash)."""
        text = template.format(
            sso=self.sso, account_id=self.account_id, account_name=self.account_name, role_name=self.role_name
        )
        suffix = self.account_id if with_account else ""
        return in_name_alphabet(text, suffix) or in_name_alphabet(self.account_id)

    def problem(self) -> str | None:
        """Why this (account, role) from Identity Center cannot be used, or None: what ends up in ARNs,
        profile names and file names must be what AWS itself allows."""
        if ACCOUNT_ID.fullmatch(self.account_id) is None:
            return f"the account id is not {ACCOUNT_ID_RULE}"
        if PERMISSION_SET_NAME.fullmatch(self.role_name) is None:
            return f"the role name is not {PERMISSION_SET_RULE}"
        return None

    @property
    def role_arn(self) -> str:
        """The IAM role's ARN as stsui names it (Identity Center's real role is AWSReservedSSO_…)."""
        return f"arn:aws:iam::{self.account_id}:role/{self.role_name}"

    @property
    def principal_arn(self) -> str:
        """The session's principal, as written to the profile: GetRoleCredentials does not say it."""
        return f"arn:aws:sts::{self.account_id}:assumed-role/{self.role_name}/{self.sso}"
