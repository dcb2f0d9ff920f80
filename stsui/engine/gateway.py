"""What the engine needs from STS. `stsui.aws` implements it with boto3; tests and the TUI use fakes."""

from __future__ import annotations

from typing import Protocol

from stsui.domain.console import SigninRequest
from stsui.domain.model import AccessKey, Caller, Credentials, Identity, Role, Session
from stsui.domain.sso import ClientRegistration, DeviceAuthorization, Grant
from stsui.domain.sts_calls import FederationTokenRequest, SessionTokenRequest


class Gateway(Protocol):
    """The STS calls stsui makes, and the console sign-in. Implementations raise `StsError` (or
    `ConfigError`) only."""

    def assume_role(self, role: Role, *, duration: int, source: Caller | None) -> Session:
        """AssumeRole with every parameter of `role`, calling with `source` (a session, or the keyring's
        long-term keys) or else `role.source_profile`."""
        ...

    def get_session_token(self, request: SessionTokenRequest) -> Credentials:
        """GetSessionToken with an MFA code, for the MFA session that later AssumeRole calls use."""
        ...

    def caller_identity(
        self, *, profile: str | None = None, credentials: Caller | None = None, region: str | None = None
    ) -> Identity:
        """GetCallerIdentity for explicit credentials (a session, the keyring's keys), a profile, or the
        standard chain."""
        ...

    def has_long_term_keys(self, profile: str | None) -> bool:
        """Whether `profile` (None: the standard chain) gives long-term IAM keys, not a temporary session
        (SSO, a role profile, a session token); no call is made for static keys."""
        ...

    def get_federation_token(self, request: FederationTokenRequest) -> Session:
        """GetFederationToken with long-term keys (for `stsui console --base`)."""
        ...

    def console_login_url(self, request: SigninRequest) -> str:
        """A sign-in token from the federation endpoint, as the login link to `request.destination`
        (a bearer secret: never shown unless asked for)."""

    def eks_token_url(self, credentials: Credentials, *, cluster: str, region: str | None) -> str:
        """The presigned GetCallerIdentity URL an EKS token for `cluster` carries, signed now with
        `credentials` (a role's session) for the STS endpoint of `region` (a bearer secret too)."""
        ...


class KeySource(Protocol):
    """Long-term keys by name (`source_keys`): the OS keyring (`stsui.store.os_keyring.OsKeyring`)."""

    def key(self, name: str) -> AccessKey:
        """The keys named `name`; raises `KeyringError` (one sentence) when they cannot be had."""
        ...


class IamGateway(Protocol):
    """The IAM calls of a key rotation (`stsui.aws.iam.BotoIam`), made with `caller`: the key itself or an
    MFA session of it. `user_name` None acts on the caller's own user (root keys). Raise `StsError`."""

    def create_access_key(
        self, *, caller: Caller, user_name: str | None, partition: str, name: str
    ) -> AccessKey: ...

    def delete_access_key(
        self, *, caller: Caller, user_name: str | None, partition: str, access_key_id: str
    ) -> None: ...

    def list_access_keys(self, *, caller: Caller, user_name: str | None, partition: str) -> list[str]: ...


class SsoGateway(Protocol):
    """The IAM Identity Center calls (OIDC and portal). Implementations raise `StsError` (keeping the AWS
    error code: `stsui.domain.sso.PENDING`, `THROTTLED`, …) only, and never put a token in a message."""

    def register_client(self, *, region: str, scopes: tuple[str, ...]) -> ClientRegistration: ...

    def start_device_authorization(
        self, *, region: str, client: ClientRegistration, start_url: str
    ) -> DeviceAuthorization: ...

    def create_token(self, *, region: str, client: ClientRegistration, device_code: str) -> Grant:
        """The device-code grant: the login the user approved in the browser (`PENDING` until then)."""
        ...

    def renew_token(self, *, region: str, client: ClientRegistration, refresh_token: str) -> Grant:
        """The refresh-token grant: a fresh access token for a login without asking the user."""
        ...

    def list_accounts(
        self, *, region: str, access_token: str, next_token: str | None
    ) -> tuple[list[tuple[str, str]], str | None]:
        """One page of (account id, account name), and the next page's token."""
        ...

    def list_account_roles(
        self, *, region: str, access_token: str, account_id: str, next_token: str | None
    ) -> tuple[list[str], str | None]:
        """One page of role names, and the next page's token."""
        ...

    def role_credentials(
        self, *, region: str, access_token: str, account_id: str, role_name: str
    ) -> Credentials: ...

    def logout(self, *, region: str, access_token: str) -> None:
        """Portal Logout: the access token stops working everywhere (as `aws sso logout` does)."""
        ...
