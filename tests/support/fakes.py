"""A deterministic fake STS gateway and a frozen clock, for the engine's and the TUI's tests."""

from __future__ import annotations

import threading
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from stsui.config.load import load_config
from stsui.domain.console import SigninRequest
from stsui.domain.errors import StsError
from stsui.domain.model import AccessKey, Caller, Credentials, Identity, Role, Session
from stsui.domain.sts_calls import FederationTokenRequest, SessionTokenRequest
from stsui.engine.engine import Engine
from stsui.store.credentials_file import CredentialsFile
from tests.support.clock import START, Clock

__all__ = ["BASE_ARN", "SECRET_MARK", "START", "Clock", "FakeGateway", "make_engine"]

SECRET_MARK = "SECRETVALUE"
"""Every secret and token the fake hands out contains this, so tests can prove it is never shown."""

BASE_ARN = "arn:aws:iam::999999999999:user/tester"


@dataclass
class FakeGateway:
    """Implements the `Gateway` protocol from a table of answers; records every call it gets."""

    clock: Clock
    calls: list[tuple[str, str]] = field(default_factory=list)
    failures: dict[str, StsError] = field(default_factory=dict)
    """Role name (or "identity" / "base") -> the error the next calls raise, until removed."""
    console_durations: list[int | None] = field(default_factory=list)
    """The SessionDuration of every console sign-in asked for."""
    keys_used: list[tuple[str, str]] = field(default_factory=list)
    """(call, key name) for every call made with long-term keys from the keyring."""
    _issued: dict[str, Session] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _next_key(self) -> int:
        with self._lock:
            return len(self._issued) + 1

    def assume_role(self, role: Role, *, duration: int, source: Credentials | AccessKey | None) -> Session:
        self.calls.append(("assume_role", role.name))
        if isinstance(source, AccessKey):
            self.keys_used.append(("assume_role", source.name))
        if role.name in self.failures:
            raise self.failures[role.name]
        number = self._next_key()
        credentials = Credentials(
            access_key_id=f"ASIAFAKE{number:012d}",
            secret_access_key=f"{SECRET_MARK}-secret-{number}",
            session_token=f"{SECRET_MARK}-token-{number}",
            expiration=self.clock() + timedelta(seconds=duration),
        )
        arn = f"arn:aws:sts::{role.account}:assumed-role/{role.role_short_name}/{role.session_name}"
        session = Session(role.name, credentials, arn, role.region)
        with self._lock:
            self._issued[credentials.access_key_id] = session
        return session

    def get_session_token(self, request: SessionTokenRequest) -> Credentials:
        self.calls.append(("get_session_token", request.code))
        if request.keys is not None:
            self.keys_used.append(("get_session_token", request.keys.name))
        if "mfa" in self.failures:
            raise self.failures["mfa"]
        return Credentials(
            "ASIAFAKEMFA000000001",
            f"{SECRET_MARK}-mfa-secret",
            f"{SECRET_MARK}-mfa-token",
            self.clock() + timedelta(seconds=request.duration),
        )

    def caller_identity(
        self, *, profile: str | None = None, credentials: Caller | None = None, region: str | None = None
    ) -> Identity:
        if isinstance(credentials, AccessKey):
            self.keys_used.append(("caller_identity", credentials.name))
            return Identity("999999999999", BASE_ARN, "AIDAFAKEUSER")
        if credentials is None:
            self.calls.append(("caller_identity", f"profile:{profile}"))
            if "base" in self.failures:
                raise self.failures["base"]
            return Identity("999999999999", BASE_ARN, "AIDAFAKEUSER")
        self.calls.append(("caller_identity", credentials.access_key_id))
        if "identity" in self.failures:
            raise self.failures["identity"]
        session = self._issued[credentials.access_key_id]
        account = session.assumed_role_arn.split(":")[4]
        return Identity(account, session.assumed_role_arn, f"AROAFAKE:{session.role_name}")

    def has_long_term_keys(self, profile: str | None) -> bool:
        return True  # the rig's [default] has long-term keys

    def get_federation_token(self, request: FederationTokenRequest) -> Session:
        raise AssertionError("the TUI never signs in as the base identity")

    def console_login_url(self, request: SigninRequest) -> str:
        """A login link whose token carries SECRET_MARK, so tests can prove it is never shown."""
        self.calls.append(("console_login_url", request.credentials.access_key_id))
        if "console" in self.failures:
            raise self.failures["console"]
        self.console_durations.append(request.session_duration)
        fields = {"Destination": request.destination, "SigninToken": f"{SECRET_MARK}-signin"}
        return f"{request.partition.federation_endpoint}?Action=login&{urllib.parse.urlencode(fields)}"

    def count(self, call: str, subject: str | None = None) -> int:
        return sum(1 for name, what in self.calls if name == call and (subject is None or what == subject))


@dataclass
class KeysInMemory:
    """Long-term keys by name for engine tests (`KeySource`); the OS keyring itself is tested for real
    (`os_keyring` fixture). Counts how often each name is asked for."""

    keys: dict[str, AccessKey] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)

    def key(self, name: str) -> AccessKey:
        from stsui.domain.errors import KeyringError

        self.asked.append(name)
        if name not in self.keys:
            raise KeyringError(f"No key named '{name}' in the OS keyring.")
        return self.keys[name]


def make_engine(home: Path, roles: str, clock: Clock | None = None) -> tuple[Engine, FakeGateway, Clock]:
    """An engine on `roles` (TOML) in `home`, with base keys in the credentials file, the fake gateway and
    a frozen clock: (engine, gateway, clock)."""
    roles_file = home / ".config" / "stsui" / "roles.toml"
    roles_file.parent.mkdir(parents=True, exist_ok=True)
    roles_file.write_text(roles, encoding="utf-8")
    credentials = home / ".aws" / "credentials"
    credentials.parent.mkdir(parents=True, exist_ok=True)
    credentials.write_text("[default]\naws_access_key_id = AKIDBASE\naws_secret_access_key = basesecret\n")
    clock = clock or Clock()
    gateway = FakeGateway(clock)
    gateway_factory: Callable[[], FakeGateway] = lambda: gateway  # noqa: E731
    engine = Engine(
        load_config(roles_file),
        CredentialsFile(credentials),
        gateway_factory,
        cache_dir=home / ".cache" / "stsui",
        clock=clock,
    )
    return engine, gateway, clock
