"""A test that passed on the day it was written passes on any later day: the frozen-clock modules run again
with the test clock 400 days behind the real one (as if run next year) and 400 days ahead, and nothing in
tests/ reads the wall clock except tests/support/clock.py (whose `real_now()` refuses in a test with a
frozen clock). test_sso_login failed from 2026-12-06 on because its fake stamped the real time."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.clock import CLOCK_SHIFT_VARIABLE

TESTS = Path(__file__).resolve().parents[1]
ROOT = TESTS.parent

FROZEN_CLOCK_MODULES = (
    "tests/integration/test_sso_login.py",
    "tests/integration/test_sso_fake.py",
    "tests/unit/test_engine.py",
    "tests/tui/test_sso.py",
    "tests/tui/test_other_sessions.py",
    "tests/tui/test_renewals.py",
    "tests/tui/test_status_agreement.py",
)
"""Where a frozen clock meets a fake server, files with times in them, or stsui's own clock defaults: the
SSO fake over HTTP, the engine and the TUI with the fake STS, other tools' sessions. (The rest of the TUI
tests use the same rig; they are left out to keep this run short.)"""
NOT_CLOCK_SENSITIVE = "not test_discovers_500_accounts_with_throttled_pages"
"""2,500 portal requests that no clock takes part in: the slowest test of those modules."""

WALL_CLOCK = re.compile(r"\b(?:time\.time(?:_ns)?|datetime\.(?:now|utcnow|today)|date\.today)\(")


def test_only_the_clock_module_reads_the_wall_clock() -> None:
    readers = sorted(
        f"{path.relative_to(ROOT)}:{number}"
        for path in TESTS.rglob("*.py")
        if path != TESTS / "support" / "clock.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if WALL_CLOCK.search(line)
    )
    assert readers == [], (
        "read the wall clock through tests.support.clock.real_now() (or give it the test's clock)"
    )


@pytest.mark.parametrize("days", [-400, 400], ids=["a-year-later", "a-year-earlier"])
def test_the_frozen_clock_modules_pass_a_year_away_from_today(days: int) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_"))}
    env[CLOCK_SHIFT_VARIABLE] = str(days)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-q",
            "-n",
            "0",
            "-x",
            "-k",
            NOT_CLOCK_SENSITIVE,
            *FROZEN_CLOCK_MODULES,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"with the test clock {days:+} days away:\n{result.stdout[-6000:]}"
