"""What the engine needs from STS. `stsui.aws` implements it with boto3; tests and the TUI use fakes."""

from __future__ import annotations

from typing import Protocol

from stsui.domain.model import Credentials, Identity, Role, Session


class Gateway(Protocol):
    """The three STS calls stsui makes. Implementations raise `StsError` (or `ConfigError`) only."""

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
