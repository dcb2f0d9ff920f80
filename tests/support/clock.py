"""The tests' clocks: frozen ones, built from `moment()`, and the real one, read only through `real_now()`.

A fake that stamps the real time beside a frozen test clock passes on the day it was written and fails
later (test_sso_login failed from 2026-12-06 on: the SSO fake stamped registrations with the real time).
So every frozen instant comes from `moment()`, which moves by `CLOCK_SHIFT_VARIABLE` days:
tests/reliability/test_any_day.py runs the frozen-clock modules again with the test clock a year behind and
a year ahead of the real one. And a test that makes a frozen `Clock` and then reads the real clock (itself
or through a fake) fails at once (`clock_guard`, used by tests/conftest.py).

This file is the only one in tests/ that reads the wall clock (test_any_day.py checks that).
`time.monotonic()` elsewhere only bounds or measures real waiting (a deadline for a subprocess, a
terminal, a socket, the program's own timeouts): it is never compared with a time of day, frozen or real.
"""

from __future__ import annotations

import os
import threading
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

CLOCK_SHIFT_VARIABLE = "TESTS_CLOCK_SHIFT_DAYS"
SHIFT = timedelta(days=int(os.environ.get(CLOCK_SHIFT_VARIABLE) or 0))
"""How far every frozen instant is moved (whole days: times of day, which snapshots show, stay)."""


def moment(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    """A fixed instant for a frozen clock (UTC), moved by SHIFT. Expected values a test compares with are
    computed from it, never written out as dates."""
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC) + SHIFT


START = moment(2026, 1, 15, 12)
"""Where the engine's and the TUI's frozen clock starts."""


class _Guard:
    """Per test: where a frozen clock was made, and where the real clock was read after that."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.frozen_at: str | None = None
        self.mixed: list[str] = []

    def reset(self) -> None:
        with self.lock:
            self.frozen_at, self.mixed = None, []


_guard = _Guard()


def _caller() -> str:
    frame = traceback.extract_stack(limit=3)[0]
    return f"{frame.filename}:{frame.lineno}"


class Clock:
    """A frozen clock: it moves only by `step()` or `sleep()` (which records the pause), so code under test
    that sleeps through it takes no time."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now
        self.sleeps: list[float] = []
        with _guard.lock:
            _guard.frozen_at = _guard.frozen_at or _caller()

    def __call__(self) -> datetime:
        return self.now

    def step(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.step(seconds)


def real_now() -> datetime:
    """The wall clock, for a test that runs wholly on it: the real program in a subprocess (which reads the
    real time) or a fake serving such a test. In a test that made a frozen `Clock`, reading it is an error
    (reported when the test ends): give the fake or the helper the test's clock instead."""
    with _guard.lock:
        if _guard.frozen_at is not None:
            _guard.mixed.append(_caller())
    return datetime.now(UTC)


def real_ns() -> int:
    """The wall clock in nanoseconds, to compare with file times (which the file system stamps on it)."""
    return time.time_ns()


@contextmanager
def clock_guard() -> Iterator[None]:
    """Around one test: fail it when it read the real clock after making a frozen one."""
    _guard.reset()
    try:
        yield
        with _guard.lock:
            frozen_at, mixed = _guard.frozen_at, list(_guard.mixed)
        if mixed:
            where = ", ".join(sorted(set(mixed)))
            raise AssertionError(
                f"this test froze a clock ({frozen_at}) and read the real one ({where}): a fake or helper "
                "must take the test's clock"
            )
    finally:
        _guard.reset()
