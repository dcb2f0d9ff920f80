"""What the engine needs from STS. `stsui.aws` implements it with boto3; tests and the TUI use fakes."""

from __future__ import annotations

from typing import Protocol

from stsui.domain.console import SigninRequest
from stsui.domain.model import Credentials, Identity, Role, Session


class Gateway(Protocol):
    """The STS calls stsui makes, and the console sign-in. Implementations raise `StsError` (or
    `ConfigError`) only."""

    def assume_role(self, role: Role, *, duration: int, source: Credentials | None) -> Session:
        """AssumeRole with every parameter of `role`, calling with `source` or else `role.source_profile`."""
        ...

    def get_session_token(
        self, *, source_profile: str | None, region: str | None, serial: str, code: str, duration: int
    ) -> Credentials:
        """GetSessionToken with an MFA code, for the MFA session that later AssumeRole calls use."""
        ...

    def caller_identity(
        self,
        *,
        profile: str | None = None,
        credentials: Credentials | None = None,
        region: str | None = None,
    ) -> Identity:
        """GetCallerIdentity for explicit credentials, a profile, or the standard chain."""
        ...

    def has_long_term_keys(self, profile: str | None) -> bool:
        """Whether `profile` (None: the standard chain) gives long-term IAM keys, not a temporary session
        (SSO, a role profile, a session token); no call is made for static keys."""
        ...

    def get_federation_token(
        self, *, profile: str | None, region: str | None, name: str, policy: str, duration: int
    ) -> Session:
        """GetFederationToken with `profile`'s long-term keys (for `stsui console --base`)."""
        ...

    def console_login_url(self, request: SigninRequest) -> str:
        """A sign-in token from the federation endpoint, as the login link to `request.destination`
        (a bearer secret: never shown unless asked for)."""
        ...
