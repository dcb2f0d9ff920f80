"""The TUI's test rig: a deterministic fake STS, a frozen clock you can step, and roles in tmp_path.

The root conftest already isolates HOME, XDG and AWS variables; everything here is built inside it.
The fake gateway and the clock live in `tests.support.fakes` (the engine's tests use them too).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from stsui.domain.model import Role, Session
from stsui.engine.engine import Engine
from stsui.store.credentials_file import CredentialsFile
from stsui.tui.app import StsuiApp
from tests.support.fakes import BASE_ARN, SECRET_MARK, START, Clock, FakeGateway, make_engine

__all__ = ["BASE_ARN", "ROLES", "SECRET_MARK", "START", "Clock", "FakeGateway", "Rig", "build_rig"]

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
        return outcome.session

    def app(self) -> StsuiApp:
        return StsuiApp(self.engine, tick_every=None)


def build_rig(home: Path, roles: str = ROLES) -> Rig:
    engine, gateway, clock = make_engine(home, roles)
    return Rig(engine, gateway, clock, home)


@pytest.fixture
def rig(isolated_home: Path) -> Rig:
    return build_rig(isolated_home)


async def workers_done(app) -> None:  # type: ignore[no-untyped-def]
    """Wait until no worker runs. A worker cancelled meanwhile (an exclusive worker, such as the identity
    panel's, replaced by a newer one) counts as done: Textual's own wait raises for it."""
    from textual.worker import WorkerCancelled, WorkerState

    for _ in range(20):
        try:
            await app.workers.wait_for_complete(
                [worker for worker in app.workers if worker.state is not WorkerState.CANCELLED]
            )
            return
        except WorkerCancelled:
            continue
    raise AssertionError("workers kept being cancelled")


async def wait_until(pilot, condition: Callable[[], bool], *, rounds: int = 200) -> None:  # type: ignore[no-untyped-def]
    """Let the app run (workers, messages) until `condition` holds; no sleeping on a wall clock."""
    for _ in range(rounds):
        if condition():
            return
        await workers_done(pilot.app)
        await pilot.pause()
    raise AssertionError("condition not reached")


async def wait_while_held(pilot, condition: Callable[[], bool], *, seconds: float = 30) -> None:  # type: ignore[no-untyped-def]
    """`wait_until` for a test that holds a worker back on purpose (waiting for every worker would wait for
    it forever): let the app run until `condition` holds. `seconds` bounds a wait that never ends; it is
    never what the test waits for (50 bare pauses were: under load a thread worker had not run by then)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        await pilot.pause(0.01)


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


def count_decodes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the roles decoded from the roles cache from now on, in order."""
    from stsui.store import roles_cache

    decoded: list[str] = []
    real_decode = roles_cache.from_record

    def counting(data, base):  # type: ignore[no-untyped-def]
        decoded.append(data["name"])
        return real_decode(data, base)

    monkeypatch.setattr(roles_cache, "from_record", counting)
    return decoded


def hold_decoding_every_role(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Make `Roster.load` (decoding every role: the filter's index) wait until the returned event is set, so
    a test sees what the screen does without it (set the event before the test ends)."""
    from stsui.domain.roster import Roster

    may_go = threading.Event()
    real_load = Roster.load

    def held_load(self) -> None:  # type: ignore[no-untyped-def]
        assert may_go.wait(10), "every role was decoded before the test let it"
        real_load(self)

    monkeypatch.setattr(Roster, "load", held_load)
    return may_go
