"""The parameters of the STS calls that take more than a role: one value per call, so the gateway protocol,
its implementations and the fakes spell each signature once."""

from __future__ import annotations

from dataclasses import dataclass, field

from stsui.domain.model import AccessKey


@dataclass(frozen=True)
class SessionTokenRequest:
    """A GetSessionToken call: an MFA code for the device `serial`, made with `source_profile`'s keys, or
    the keyring's `keys` when given, for the MFA session later AssumeRole calls use."""

    source_profile: str | None
    region: str | None
    serial: str
    code: str = field(repr=False)
    duration: int
    keys: AccessKey | None = None


@dataclass(frozen=True)
class FederationTokenRequest:
    """A GetFederationToken call with `profile`'s (or the keyring's `keys`) long-term keys, for
    `stsui console --base`: a federated user `name` limited by `policy`."""

    profile: str | None
    region: str | None
    name: str
    policy: str
    duration: int
    keys: AccessKey | None = None
