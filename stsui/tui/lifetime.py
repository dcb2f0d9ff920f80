"""The TUI lives exactly as long as its terminal: SIGTERM, SIGHUP or a hung-up terminal end it within a
second, in every state, whatever its worker threads are stuck in.

Textual exits cleanly when asked, but a worker blocked in a network call keeps the interpreter alive after
the App returns, and a terminal that is gone never delivers the key that would quit. So: a signal or a
hang-up asks the App to exit and arms a deadline; when the App has returned, the process gets the same
deadline to finish. Past it, the terminal's modes are restored (if it is still there) and the process
ends with `os._exit`.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import sys
import termios
import threading
from collections.abc import Callable, Iterator
from types import FrameType

GRACE = 1.0
"""Seconds between being asked to end (or the App returning) and ending regardless."""

RESET_TERMINAL = "\x1b[?1049l\x1b[?1000l\x1b[?1003l\x1b[?1006l\x1b[?2004l\x1b[?25h"
"""Leave the alternate screen, stop mouse and bracketed-paste reporting, show the cursor."""

SIGNALS = (signal.SIGTERM, signal.SIGHUP)


class Lifetime:
    """Ends the process `GRACE` seconds after it was asked to, if it has not ended by itself."""

    def __init__(self, request_exit: Callable[[], None]) -> None:
        self._request_exit = request_exit
        self._armed = threading.Event()
        self._terminal = sys.__stdin__.fileno() if sys.__stdin__ and sys.__stdin__.isatty() else None
        self._modes = self._saved_modes()
        self.ended_by: int | None = None
        """The signal that ended the TUI (SIGHUP for a terminal that went away), if one did."""

    def _saved_modes(self) -> list | None:  # type: ignore[type-arg]
        if self._terminal is None:
            return None
        try:
            return termios.tcgetattr(self._terminal)
        except termios.error:
            return None

    def install(self) -> None:
        """Take SIGTERM and SIGHUP, and watch the terminal for a hang-up. Call from the main thread."""
        for signum in SIGNALS:
            signal.signal(signum, self._on_signal)
        if self._terminal is not None:
            threading.Thread(target=self._watch_terminal, name="stsui-terminal-watch", daemon=True).start()

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.end(signum)

    def _watch_terminal(self) -> None:
        assert self._terminal is not None
        poller = select.poll()
        poller.register(self._terminal, 0)  # no events asked: only hang-up, error and invalid are reported
        with contextlib.suppress(OSError):
            while not poller.poll(None):
                pass
        self.end(signal.SIGHUP)

    def end(self, signum: int) -> None:
        """Ask the App to exit and end the process `GRACE` seconds later at the latest (any thread)."""
        if self.ended_by is None:
            self.ended_by = signum
        self.finish_within(128 + signum)  # first: asking the App may block on a stuck event loop
        with contextlib.suppress(Exception):  # the App may not be running yet, or already gone
            self._request_exit()

    def finish_within(self, code: int) -> None:
        """End the process with `code` in `GRACE` seconds unless it has ended by then."""
        if self._armed.is_set():
            return
        self._armed.set()
        timer = threading.Timer(GRACE, self._end_now, args=(code,))
        timer.daemon = True
        timer.start()

    def _end_now(self, code: int) -> None:
        terminal = self._terminal
        if terminal is not None and self._modes is not None and self.ended_by != signal.SIGHUP:
            with contextlib.suppress(OSError, termios.error):
                termios.tcsetattr(terminal, termios.TCSANOW, self._modes)
                os.write(terminal, RESET_TERMINAL.encode())
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


@contextlib.contextmanager
def terminal_on_stdout() -> Iterator[None]:
    """While the TUI runs from `sts` (stdout is the pipe the shell function reads, the terminal is on
    stderr), make fd 1 the terminal too: Textual sizes the screen, and follows resizes, by stdout. The pipe
    is put back afterwards, for what is printed then."""
    if os.isatty(1) or not os.isatty(2):
        yield
        return
    sys.stdout.flush()
    pipe = os.dup(1)
    os.dup2(2, 1)
    try:
        yield
    finally:
        with contextlib.suppress(ValueError, OSError):
            sys.stdout.flush()
        os.dup2(pipe, 1)
        os.close(pipe)
