"""`mfa_process` in the engine, and the one-code-per-step rule, with a frozen clock and real TOTP codes
(pyotp): the fake STS refuses a code it already took, as AWS does (aws-vault#1110)."""

from __future__ import annotations

import threading
from pathlib import Path

import pyotp
import pytest

from stsui.domain.errors import StsError
from stsui.domain.model import AccessKey, Credentials
from stsui.domain.sts_calls import SessionTokenRequest
from stsui.engine.mfa_codes import STEP, step_of
from tests.support.fakes import Clock, FakeGateway, KeysInMemory, make_engine

SERIAL = "arn:aws:iam::999999999999:mfa/tester"
TOTP = pyotp.TOTP(pyotp.random_base32())
ROLES = f"""\
[defaults]
region = "eu-west-1"
mfa_serial = "{SERIAL}"
mfa_process = "ykman oath accounts code --single aws"

[roles.by-profile]
role_arn = "arn:aws:iam::111111111111:role/A"
source_profile = "default"

[roles.by-keys]
role_arn = "arn:aws:iam::222222222222:role/B"
source_keys = "work"

[roles.also-by-profile]
role_arn = "arn:aws:iam::333333333333:role/C"
source_profile = "default"

[roles.typed]
role_arn = "arn:aws:iam::444444444444:role/D"
source_profile = "other"
mfa_process = "false"
"""


class StrictSts(FakeGateway):
    """Refuses a TOTP code it took before, and one that is not the device's code at the clock's time."""

    def get_session_token(self, request: SessionTokenRequest) -> Credentials:
        code = request.code
        if any(name == "get_session_token" and what == code for name, what in self.calls):
            raise StsError(
                "GetSessionToken failed: AccessDenied: MultiFactorAuthentication failed", "AccessDenied"
            )
        if request.serial == SERIAL and not TOTP.verify(code, for_time=self.clock()):
            raise StsError(
                "GetSessionToken failed: AccessDenied: invalid MFA one time pass code", "AccessDenied"
            )
        return super().get_session_token(request)


class Rig:
    def __init__(self, home: Path) -> None:
        clock = Clock(Clock().now.replace(second=5))  # 5 s into a step
        self.engine, _, self.clock = make_engine(home, ROLES, clock)
        self.sts = StrictSts(self.clock)
        self.engine._gateway = self.sts
        self.engine.keys = KeysInMemory({"work": AccessKey("work", "AKIAWORK000000000001", "s" * 40)})
        (home / ".aws" / "credentials").write_text(
            "[default]\naws_access_key_id = AKIDBASE\naws_secret_access_key = basesecret\n"
            "[other]\naws_access_key_id = AKIDOTHER\naws_secret_access_key = othersecret\n"
        )
        self.runs: list[tuple[str, str, bool]] = []
        self.sleeps: list[float] = []
        self.told: list[str] = []
        codes = self.engine.codes
        codes.run = self.run
        codes.sleep = self.sleep
        codes.tell = self.told.append

    def run(self, command: str, who: str, terminal: bool) -> str:
        self.runs.append((command, who, terminal))
        return TOTP.at(self.clock())

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.clock.step(seconds)

    def role(self, name: str):  # type: ignore[no-untyped-def]
        return self.engine.config.roles[name]


@pytest.fixture
def rig(isolated_home: Path) -> Rig:
    return Rig(isolated_home)


def test_mfa_process_gives_the_code_so_nothing_needs_the_user(rig: Rig) -> None:
    role = rig.role("by-profile")
    assert not rig.engine.needs_mfa_code(role) and rig.engine.code_from_process(role)
    rig.engine.assume(role)
    assert rig.runs == [("ykman oath accounts code --single aws", "role 'by-profile'", False)]
    assert rig.sleeps == [] and rig.told == []


def test_a_second_code_for_the_device_in_the_same_step_waits_for_the_next_step(rig: Rig) -> None:
    rig.engine.assume(rig.role("by-profile"))
    first_step = step_of(rig.clock())
    rig.clock.step(3)
    rig.engine.assume(rig.role("by-keys"))  # another base identity: its own MFA session, the same device
    assert len(rig.runs) == 2
    assert rig.sleeps == [pytest.approx(STEP - 8)]  # 8 s into the step: 22 s to the next one
    assert step_of(rig.clock()) == first_step + 1
    assert len(rig.told) == 1 and "Waiting 22 s for the next MFA code of " + SERIAL in rig.told[0]
    codes = [what for name, what in rig.sts.calls if name == "get_session_token"]
    assert len(codes) == 2 and codes[0] != codes[1]  # AWS took both


def test_the_next_step_needs_no_wait(rig: Rig) -> None:
    rig.engine.assume(rig.role("by-profile"))
    rig.clock.step(STEP)
    rig.engine.assume(rig.role("by-keys"))
    assert rig.sleeps == [] and len(rig.runs) == 2


def test_a_typed_code_takes_its_step_too(rig: Rig) -> None:
    rig.engine.assume(rig.role("by-keys"), mfa_code=TOTP.at(rig.clock()))
    rig.engine.assume(rig.role("by-profile"))
    assert len(rig.sleeps) == 1 and len(rig.runs) == 1


def test_callers_for_one_device_share_one_code(rig: Rig) -> None:
    roles = [rig.role("by-profile"), rig.role("also-by-profile")]
    threads = [threading.Thread(target=rig.engine.assume, args=(role,)) for role in roles for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(rig.runs) == 1 and rig.sleeps == []
    assert rig.sts.count("get_session_token") == 1 and rig.sts.count("assume_role") >= 2


def test_the_step_is_remembered_across_processes(rig: Rig, isolated_home: Path) -> None:
    rig.engine.assume(rig.role("by-profile"))
    later = Rig(isolated_home)  # a second process: a new engine on the same cache, the same clock time
    later.clock.now = rig.clock.now
    later.engine.assume(later.role("by-keys"))
    assert len(later.sleeps) == 1
