"""Running the user's command for `stsui exec`: on the user's terminal, signals passed on, its exit status.

The command runs in stsui's process group, so what the terminal sends to its foreground group (Ctrl-C's
SIGINT, Ctrl-\\'s SIGQUIT, a hang-up's SIGHUP) reaches the command directly; stsui passes on what was sent
to stsui alone (`kill -INT PID`, `timeout -s INT`, a CI runner cancelling), and not the terminal's signals,
which the command has already had.

Telling the two apart takes the signal's origin, which only `sigwaitinfo` gives (Linux: `si_code` is
SI_KERNEL for the terminal's): the relayed signals are held (blocked) in every thread of stsui from before
its server's threads start (`signals_held`), the command is spawned with none held, and stsui waits for them
and for SIGCHLD in one loop. Without `sigwaitinfo` (macOS), a SIGINT or SIGQUIT is passed on only when stsui
is not in its terminal's foreground group (it cannot have come from the terminal then).
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Iterator, Mapping, Sequence

from stsui.domain.errors import StsuiError

RELAYED = (signal.SIGINT, signal.SIGQUIT, signal.SIGTERM, signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2)
"""Signals sent to stsui that the command gets too."""
TERMINAL_KEYS = (signal.SIGINT, signal.SIGQUIT)
SI_KERNEL = 0x80
"""`si_code` of a signal the kernel sent: on Linux, the terminal's to its foreground process group."""
CAN_TELL_ORIGIN = hasattr(signal, "sigwaitinfo")
RESTORED = (signal.SIGPIPE, signal.SIGXFSZ)
"""Signals Python ignores for itself; the command gets their default action back (as subprocess does)."""
WAITED = {*RELAYED, signal.SIGCHLD}


class CommandNotStarted(StsuiError):
    """The command given to `exec` could not be started (exit 127, as a shell does)."""

    exit_code = 127


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Hold the relayed signals (and SIGCHLD) in this thread and every thread started meanwhile, for
    `run_child` to wait for; on the way out, those that came meanwhile are consumed, then let go."""
    if not CAN_TELL_ORIGIN:
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, WAITED)
    try:
        yield
    finally:
        while signal.sigpending() & WAITED:
            signal.sigtimedwait(WAITED, 0)
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def run_child(command: Sequence[str], env: Mapping[str, str]) -> int:
    """Run `command` on the user's terminal with `env` until it ends; its exit status (128+N for signal N)."""
    if not CAN_TELL_ORIGIN:
        return _run_without_origin(command, env)
    with signals_held():
        pending = signal.sigpending() & set(RELAYED)
        if pending:  # sent before the command started (Ctrl-C while the session was fetched)
            return 128 + int(min(pending))
        pid = _spawn(command, env)
        return _relay(pid)


def _spawn(command: Sequence[str], env: Mapping[str, str]) -> int:
    try:
        return os.posix_spawnp(command[0], list(command), dict(env), setsigmask=(), setsigdef=RESTORED)
    except OSError as error:
        reason = "not found" if isinstance(error, FileNotFoundError) else (error.strerror or str(error))
        raise CommandNotStarted(
            f"Cannot run {command[0]!r}: {reason}; check the command's name and PATH."
        ) from None


def _relay(pid: int) -> int:
    """Pass signals on to the command until it ends (signals held)."""
    while True:
        info = signal.sigwaitinfo(WAITED)
        if info.si_signo == signal.SIGCHLD:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                return _exit_status(status)
        elif info.si_code != SI_KERNEL:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, info.si_signo)


def _exit_status(status: int) -> int:
    code = os.waitstatus_to_exitcode(status)
    return 128 - code if code < 0 else code


def _run_without_origin(command: Sequence[str], env: Mapping[str, str]) -> int:
    """Where a signal's origin is unknown: the terminal's keys are passed on only when stsui is not in its
    terminal's foreground group; the others always."""
    pid = _spawn(command, env)

    def relay(number: int, frame: object) -> None:
        if number not in TERMINAL_KEYS or not _in_the_foreground():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, number)

    previous = {sig: signal.signal(sig, relay) for sig in RELAYED}
    try:
        _, status = os.waitpid(pid, 0)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return _exit_status(status)


def _in_the_foreground() -> bool:
    try:
        fd = os.open("/dev/tty", os.O_RDONLY | os.O_NOCTTY)
    except OSError:
        return False  # no controlling terminal: nothing but a process can have sent it
    try:
        return os.tcgetpgrp(fd) == os.getpgrp()
    except OSError:
        return False
    finally:
        os.close(fd)
