"""Where an MFA code comes from when the user typed none: `mfa_process`, under the one-code-per-step rule.

A TOTP device shows one code per 30-second step, and AWS takes each code once: a second GetSessionToken with
the same device inside one step fails (aws-vault#1110). So every code stsui sends is recorded with its step
(`stsui.store.cache.UsedCodes`, shared by every stsui process), and before `mfa_process` runs for a device
whose code was used in the current step, stsui waits for the next step, saying so once. Codes for one device
are got one at a time, across processes: whoever waited then finds the MFA session the other one made.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

from stsui.domain.errors import MfaProcessError
from stsui.engine.mfa_process import TIMEOUT, run_mfa_process
from stsui.store.atomic import LockTimeout
from stsui.store.cache import UsedCodes

STEP = 30
"""Seconds of one TOTP step (RFC 6238's default, what AWS's virtual and hardware devices use)."""
DEVICE_WAIT = TIMEOUT + 60
"""How long a caller waits for another process that is getting a code for the same device."""

Run = Callable[[str, str, bool], str]
"""(command, who, use the terminal) -> the code: `run_mfa_process`."""


def step_of(moment: datetime) -> int:
    return int(moment.timestamp()) // STEP


class MfaCodes:
    """MFA codes for the engine: from `mfa_process`, never two per device in one step. Thread-safe."""

    def __init__(
        self,
        used: UsedCodes,
        *,
        clock: Callable[[], datetime],
        sleep: Callable[[float], None] = time.sleep,
        run: Run | None = None,
    ) -> None:
        self.used = used
        self.clock = clock
        self.sleep = sleep
        self.run: Run = run or (lambda command, who, tty: run_mfa_process(command, who, use_terminal=tty))
        """Runs the command (`run_mfa_process`; tests give a fake that makes real TOTP codes)."""
        self.terminal = False
        """Whether `mfa_process` may use the terminal: set by a command run on one (never by the TUI, whose
        screen it is, nor by the agent)."""
        self.tell: Callable[[str], None] = lambda text: None
        """Where a sentence for the user goes (stderr, a TUI notification, the agent's log)."""
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    @contextmanager
    def device(self, serial: str) -> Iterator[None]:
        """One code at a time for `serial`: in this process and across stsui's processes."""
        with self._guard:
            lock = self._locks.setdefault(serial, threading.Lock())
        with lock:
            try:
                with self.used.device(serial, timeout=DEVICE_WAIT):
                    yield
            except LockTimeout:
                raise MfaProcessError(
                    f"Another stsui process has been getting an MFA code for {serial} for over "
                    f"{int(DEVICE_WAIT)} s; try again when it is done."
                ) from None

    def from_process(self, command: str, serial: str, who: str) -> str:
        """A code from `command` for device `serial` (call inside `device(serial)`), recorded as used."""
        self._fresh_step(serial)
        code = self.run(command, who, self.terminal)
        self.sent(serial)
        return code

    def sent(self, serial: str) -> None:
        """A code of `serial` is being sent now (typed or from `mfa_process`): its step is taken."""
        self.used.record(serial, step_of(self.clock()))

    def _fresh_step(self, serial: str) -> None:
        """Wait, saying so once, until a step in which no code of `serial` was used has begun."""
        last = self.used.last_step(serial)
        now = self.clock()
        if last is None or last < step_of(now):
            return
        wait = (last + 1) * STEP - now.timestamp()
        self.tell(
            f"Waiting {max(1, round(wait))} s for the next MFA code of {serial}: its last code was used in "
            "this 30-second step, and AWS takes each code once."
        )
        self.sleep(wait)
