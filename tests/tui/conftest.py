"""The TUI's test rig: a deterministic fake STS, a frozen clock you can step, and roles in tmp_path.

The root conftest already isolates HOME, XDG and AWS variables; everything here is built inside it.
"""

from __future__ import annotations

import threading
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from stsui.config.load import load_config
from stsui.domain.console import SigninRequest
from stsui.domain.errors import StsError
from stsui.domain.model import Credentials, Identity, Role, Session
from stsui.engine.engine import Engine
from stsui.store.credentials_file import CredentialsFile
from stsui.tui.app import StsuiApp

START = datetime(2026, 1, 15, 12, 0, 0, tzinfo=UTC)
SECRET_MARK = "SECRETVALUE"
"""Every secret and token the fake hands out contains this, so tests can prove it is never shown."""

BASE_ARN = "arn:aws:iam::999999999999:user/tester"

ROLES = """\
[defaults]
source_profile = "default"
region = "eu-west-1"
session_name = "tester"

[roles.prod-admin]
role_arn = "arn:aws:iam::111111111111:role/Admin"
group = "prod"
description = "Production administrator"

[roles.prod-readonly]
role_arn = "arn:aws:iam::111111111111:role/ReadOnly"
group = "prod"

[roles.staging-deploy]
role_arn = "arn:aws:iam::222222222222:role/Deploy"
group = "staging"

[roles.dev-admin]
role_arn = "arn:aws:iam::333333333333:role/Admin"
group = "dev"

[roles.mfa-ops]
role_arn = "arn:aws:iam::444444444444:role/Ops"
mfa_serial = "arn:aws:iam::999999999999:mfa/tester"
group = "prod"

[roles.chained]
role_arn = "arn:aws:iam::555555555555:role/Deep"
source_role = "prod-admin"
group = "prod"

[roles.manual]
role_arn = "arn:aws:iam::666666666666:role/Manual"
auto_refresh = false
group = "dev"
"""


class Clock:
    """A frozen clock; `step()` moves it forward."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def step(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


@dataclass
class FakeGateway:
    """Implements the `Gateway` protocol from a table of answers; records every call it gets."""

    clock: Clock
    calls: list[tuple[str, str]] = field(default_factory=list)
    failures: dict[str, StsError] = field(default_factory=dict)
    """Role name (or "identity" / "base") -> the error the next calls raise, until removed."""
    console_durations: list[int | None] = field(default_factory=list)
    """The SessionDuration of every console sign-in asked for."""
    _issued: dict[str, Session] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _next_key(self) -> int:
        with self._lock:
            return len(self._issued) + 1

    def assume_role(self, role: Role, *, duration: int, source: Credentials | None) -> Session:
        self.calls.append(("assume_role", role.name))
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

    def get_session_token(
        self, *, source_profile: str | None, region: str | None, serial: str, code: str, duration: int
    ) -> Credentials:
        self.calls.append(("get_session_token", code))
        if "mfa" in self.failures:
            raise self.failures["mfa"]
        return Credentials(
            "ASIAFAKEMFA000000001",
            f"{SECRET_MARK}-mfa-secret",
            f"{SECRET_MARK}-mfa-token",
            self.clock() + timedelta(seconds=duration),
        )

    def caller_identity(
        self,
        *,
        profile: str | None = None,
        credentials: Credentials | None = None,
        region: str | None = None,
    ) -> Identity:
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

    def get_federation_token(
        self, *, profile: str | None, region: str | None, name: str, policy: str, duration: int
    ) -> Session:
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
class Rig:
    """Everything a TUI test needs: the engine and its fakes, and the files they use."""

    engine: Engine
    gateway: FakeGateway
    clock: Clock
    home: Path

    @property
    def credentials(self) -> CredentialsFile:
        """A second handle on the credentials file, like another program would have."""
        return CredentialsFile(self.engine.store.path)

    def role(self, name: str) -> Role:
        return self.engine.config.roles[name]

    def start_session(self, name: str, *, duration: int | None = None) -> Session:
        """Give a role a live session before the app starts (as `stsui assume` would); forgets the calls."""
        outcome = self.engine.assume(self.role(name), duration=duration)
        self.gateway.calls.clear()
        assert outcome.session is not None
        return outcome.session

    def app(self) -> StsuiApp:
        return StsuiApp(self.engine, tick_every=None)


def build_rig(home: Path, roles: str = ROLES) -> Rig:
    roles_file = home / ".config" / "stsui" / "roles.toml"
    roles_file.parent.mkdir(parents=True, exist_ok=True)
    roles_file.write_text(roles, encoding="utf-8")
    credentials = home / ".aws" / "credentials"
    credentials.parent.mkdir(parents=True, exist_ok=True)
    credentials.write_text("[default]\naws_access_key_id = AKIDBASE\naws_secret_access_key = basesecret\n")
    clock = Clock()
    gateway = FakeGateway(clock)
    engine = Engine(
        load_config(roles_file),
        CredentialsFile(credentials),
        lambda: gateway,
        cache_dir=home / ".cache" / "stsui",
        clock=clock,
    )
    return Rig(engine, gateway, clock, home)


@pytest.fixture
def rig(isolated_home: Path) -> Rig:
    return build_rig(isolated_home)


async def wait_until(pilot, condition: Callable[[], bool], *, rounds: int = 200) -> None:  # type: ignore[no-untyped-def]
    """Let the app run (workers, messages) until `condition` holds; no sleeping on a wall clock."""
    for _ in range(rounds):
        if condition():
            return
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
    raise AssertionError("condition not reached")


class Recorder:
    """A `message_hook` for `run_test`: keeps every message, so tests can read notifications and facts."""

    def __init__(self) -> None:
        self.messages: list[object] = []

    def __call__(self, message: object) -> None:
        self.messages.append(message)

    def of(self, kind: type) -> list:  # type: ignore[type-arg]
        return [m for m in self.messages if isinstance(m, kind)]

    @property
    def notifications(self) -> list:  # type: ignore[type-arg]
        from textual.notifications import Notify

        return [m.notification for m in self.of(Notify)]

    def notified(self, text: str) -> bool:
        return any(text in n.message or text in n.title for n in self.notifications)
