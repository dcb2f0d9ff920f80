"""Long-term keys in the OS keyring: adding one (checked with GetCallerIdentity first) and what the roles
file says about each (which roles use it, which MFA device its IAM user has)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from stsui.domain.access_keys import KeyInfo, StoredKey, key_id_problem, secret_problem, user_name_of
from stsui.domain.errors import UsageError
from stsui.domain.model import AccessKey, Config
from stsui.domain.rules import NAME, NAME_RULE

if TYPE_CHECKING:
    from stsui.engine.engine import Engine


class KeyStore(Protocol):
    """Where keys are kept: the OS keyring (`stsui.store.os_keyring.OsKeyring`)."""

    def get(self, name: str) -> StoredKey: ...

    def find(self, name: str) -> StoredKey | None: ...

    def put(self, stored: StoredKey) -> None: ...

    def remove(self, name: str) -> KeyInfo | None: ...

    def infos(self) -> list[KeyInfo]: ...


def checked_name(name: str) -> str:
    """A key's NAME as `stsui keys` takes it: the alphabet of role names."""
    if NAME.fullmatch(name) is None:
        raise UsageError(f"The key name {name[:80]!r} must be {NAME_RULE}.")
    return name


def checked_key(name: str, key_id: str, secret: str) -> AccessKey:
    """The keys as typed or read, checked before any call; the sentence never quotes the secret."""
    problem = key_id_problem(key_id)
    if problem:
        raise UsageError(f"The access key id {key_id[:40]!r} {problem}; nothing was stored.")
    problem = secret_problem(secret)
    if problem:
        raise UsageError(f"The secret access key {problem}; nothing was stored.")
    return AccessKey(name, key_id, secret)


@dataclass(frozen=True)
class Added:
    """A key now in the keyring, and what the user should be told about it."""

    stored: StoredKey
    warnings: tuple[str, ...] = ()


def add_key(engine: Engine, store: KeyStore, key: AccessKey) -> Added:
    """Check `key` with GetCallerIdentity, then store it with the IAM user's ARN and the time; the key is
    never stored unless STS accepted it."""
    identity = engine.gateway.caller_identity(credentials=key, region=engine.config.region)
    warnings = []
    if user_name_of(identity.arn) is None:
        if not identity.arn.endswith(":root"):
            raise UsageError(
                f"The keys for '{key.name}' act as {identity.arn}, which is no IAM user; only an IAM user's "
                "long-term keys go into the OS keyring. Nothing was stored."
            )
        warnings.append(
            f"Key '{key.name}' is the root user's of account {identity.account}; AWS advises an IAM user's "
            "keys instead."
        )
    info = KeyInfo(key.name, key.access_key_id, identity.arn, engine.clock())
    stored = StoredKey(info, key.secret_access_key)
    store.put(stored)
    return Added(stored, tuple(warnings))


def roles_using(config: Config, name: str) -> list[str]:
    """The roles whose chain is rooted in the keyring's key `name`."""
    return [role.name for role in config.roles.values() if role.source_keys == name]


def roles_using_profile(config: Config, profile: str) -> list[str]:
    """The roles assumed from `profile` (its name set as source_profile), for the note after its keys
    moved to the keyring."""
    return [role.name for role in config.roles.values() if role.source_profile == profile]
