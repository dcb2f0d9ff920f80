"""The bulk runner (the TUI's marked rows, `stsui assume NAME…`, `--group`): at most four at a time,
backoff on throttling, one MFA code per device, chained roles after their source, one summary."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from stsui.domain.errors import NeedsMfa, StsError
from stsui.domain.model import AccessKey, Credentials, Role, Session
from stsui.engine.bulk import BACKOFF, Bulk, Progress
from stsui.engine.engine import Engine
from tests.support.fakes import FakeGateway, make_engine

SERIAL = "arn:aws:iam::999999999999:mfa/tester"
OTHER = "arn:aws:iam::999999999999:mfa/other"


def roles_toml(count: int) -> str:
    head = '[defaults]\nsource_profile = "default"\nregion = "eu-west-1"\n'
    body = "".join(
        f'\n[roles.r{i:02d}]\nrole_arn = "arn:aws:iam::{100000000000 + i}:role/R{i}"\n' for i in range(count)
    )
    mfa = "".join(
        f'\n[roles.{name}]\nrole_arn = "arn:aws:iam::{account}:role/M"\nmfa_serial = "{serial}"\n'
        for name, account, serial in (
            ("m1", 311111111111, SERIAL),
            ("m2", 322222222222, SERIAL),
            ("m3", 333333333333, SERIAL),
            ("o1", 344444444444, OTHER),
        )
    )
    chain = '\n[roles.child]\nrole_arn = "arn:aws:iam::355555555555:role/C"\nsource_role = "r00"\n'
    return head + body + mfa + chain


@pytest.fixture
def rig(isolated_home: Path) -> tuple[Engine, FakeGateway]:
    engine, gateway, _ = make_engine(isolated_home, roles_toml(12))
    return engine, gateway


def roles(engine: Engine, *names: str) -> list[Role]:
    return [engine.config.roles[name] for name in names]


class Together(FakeGateway):
    """AssumeRole waits until four calls are in flight at once, and notes the most ever in flight."""

    def __init__(self, base: FakeGateway) -> None:
        super().__init__(base.clock)
        self.barrier = threading.Barrier(4, timeout=30)
        self.active = 0
        self.most = 0

    def assume_role(self, role: Role, *, duration: int, source: Credentials | AccessKey | None) -> Session:
        with self._lock:
            self.active += 1
            self.most = max(self.most, self.active)
        try:
            self.barrier.wait()  # broken (raising) unless four arrive: fewer in parallel fails the test
            return super().assume_role(role, duration=duration, source=source)
        finally:
            with self._lock:
                self.active -= 1


def test_at_most_four_roles_at_a_time(rig: tuple[Engine, FakeGateway]) -> None:
    engine, gateway = rig
    together = Together(gateway)
    engine._gateway = together
    names = [f"r{i:02d}" for i in range(12)]
    summary = Bulk(engine).run(roles(engine, *names), engine.assume, verb="Assuming")
    assert [outcome.role.name for outcome in summary.outcomes] == names
    assert all(outcome.ok for outcome in summary.outcomes)
    assert together.most == 4
    assert together.count("assume_role") == 12


class Sleeps:
    """An injected clock: `sleep` moves `monotonic` on and is recorded."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    def monotonic(self) -> float:
        return self.now


def test_throttling_backs_off_and_tries_again(rig: tuple[Engine, FakeGateway]) -> None:
    engine, gateway = rig
    throttled = StsError("AssumeRole for role 'r01' failed: Throttling: Rate exceeded", "Throttling")
    answers = iter([throttled, throttled])

    class Flaky(FakeGateway):
        def assume_role(
            self, role: Role, *, duration: int, source: Credentials | AccessKey | None
        ) -> Session:
            if role.name == "r01":
                error = next(answers, None)
                if error is not None:
                    self.calls.append(("assume_role", role.name))
                    raise error
            return super().assume_role(role, duration=duration, source=source)

    engine._gateway = Flaky(gateway.clock)
    clock = Sleeps()
    bulk = Bulk(engine, workers=1, sleep=clock.sleep, monotonic=clock.monotonic)
    summary = bulk.run(roles(engine, "r00", "r01", "r02"), engine.assume, verb="Assuming")
    assert all(outcome.ok for outcome in summary.outcomes)
    assert clock.slept == [BACKOFF[0], BACKOFF[1]]
    assert engine.gateway.count("assume_role", "r01") == 3  # type: ignore[attr-defined]


def test_throttling_that_lasts_fails_the_role_with_its_code(rig: tuple[Engine, FakeGateway]) -> None:
    engine, gateway = rig
    gateway.failures["r01"] = StsError("AssumeRole for role 'r01' failed: Throttling", "Throttling")
    clock = Sleeps()
    bulk = Bulk(engine, workers=1, sleep=clock.sleep, monotonic=clock.monotonic)
    summary = bulk.run(roles(engine, "r00", "r01"), engine.assume, verb="Assuming")
    failed = summary.failed
    assert [outcome.role.name for outcome in failed] == ["r01"]
    assert isinstance(failed[0].error, StsError) and failed[0].error.code == "Throttling"
    assert clock.slept == list(BACKOFF)
    assert gateway.count("assume_role", "r01") == len(BACKOFF) + 1


def test_other_errors_are_not_retried_and_the_summary_names_them(rig: tuple[Engine, FakeGateway]) -> None:
    engine, gateway = rig
    gateway.failures["r02"] = StsError("AssumeRole for role 'r02' failed: AccessDenied: no", "AccessDenied")
    seen: list[Progress] = []
    summary = Bulk(engine).run(
        roles(engine, "r00", "r01", "r02", "r03"), engine.assume, verb="Assuming", on_progress=seen.append
    )
    assert gateway.count("assume_role", "r02") == 1
    assert (
        summary.text()
        == "Assumed 3 of 4 roles; 1 failed: r02: AssumeRole for role 'r02' failed: AccessDenied: no"
    )
    assert summary.text(why=False) == "Assumed 3 of 4 roles; 1 failed: r02."
    assert seen[0].text == "Assuming 4 roles: 0 done, 4 to go"
    assert seen[-1].text == "Assuming 4 roles: 3 done, 1 failed, 0 to go"
    assert len(seen) == 5


def test_roles_sharing_a_device_need_one_code_and_one_get_session_token(
    rig: tuple[Engine, FakeGateway],
) -> None:
    engine, gateway = rig
    bulk = Bulk(engine)
    marked = roles(engine, "m1", "r00", "m2", "m3", "o1")
    needs = bulk.mfa_needs(marked)
    assert [(need.serial, [role.name for role in need.roles]) for need in needs] == [
        (SERIAL, ["m1", "m2", "m3"]),
        (OTHER, ["o1"]),
    ]
    codes = {needs[0].device: "123456", needs[1].device: "654321"}
    summary = bulk.run(marked, engine.assume, verb="Assuming", codes=codes)
    assert all(outcome.ok for outcome in summary.outcomes)
    assert gateway.count("get_session_token") == 2
    assert gateway.count("get_session_token", "123456") == 1
    assert gateway.count("assume_role") == 5
    assert bulk.mfa_needs(marked) == []  # the MFA sessions are cached now


def test_a_device_without_a_code_fails_its_roles_only(rig: tuple[Engine, FakeGateway]) -> None:
    engine, gateway = rig
    summary = Bulk(engine).run(roles(engine, "m1", "r00"), engine.assume, verb="Assuming")
    assert [outcome.ok for outcome in summary.outcomes] == [False, True]
    assert isinstance(summary.outcomes[0].error, NeedsMfa)
    assert gateway.count("get_session_token") == 0


def test_a_refused_code_fails_every_role_of_its_device_without_assuming_them(
    rig: tuple[Engine, FakeGateway],
) -> None:
    engine, gateway = rig
    gateway.failures["mfa"] = StsError("GetSessionToken failed: AccessDenied: invalid code", "AccessDenied")
    bulk = Bulk(engine)
    marked = roles(engine, "m1", "m2", "r00")
    codes = {need.device: "123456" for need in bulk.mfa_needs(marked)}
    summary = bulk.run(marked, engine.assume, verb="Assuming", codes=codes)
    assert [outcome.ok for outcome in summary.outcomes] == [False, False, True]
    assert gateway.count("get_session_token") == 1
    assert gateway.count("assume_role") == 1


def test_a_chained_role_runs_after_its_source_and_reuses_it(rig: tuple[Engine, FakeGateway]) -> None:
    engine, gateway = rig
    summary = Bulk(engine).run(roles(engine, "child", "r00"), engine.assume, verb="Assuming")
    assert [outcome.role.name for outcome in summary.outcomes] == ["child", "r00"]  # the order asked
    assert all(outcome.ok for outcome in summary.outcomes)
    assert gateway.count("assume_role", "r00") == 1  # not once for itself and again for the chain
    assert gateway.calls.index(("assume_role", "r00")) < gateway.calls.index(("assume_role", "child"))
