"""Helper threads that leave signals to the main thread, so Ctrl-C and `kill` act at once.

Linux hands a signal sent to the process to any one of its threads that does not hold (block) it, and
Python runs its handlers in the main thread only. A Ctrl-C taken by a helper thread therefore waits until
the main thread next runs Python code: while it waits on a socket that is a whole read timeout later, while
it waits for that helper (a call under a deadline) the whole call, and while it waits on an event that only
the handler would set (`stsui serve`, `stsui imds`), forever. Threads started inside `leaving_signals_to_main`
hold the signals a user sends to stop stsui (a thread inherits its creator's mask, so do the threads they
start), and only the main thread takes them.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator

STOPPING = frozenset({signal.SIGINT, signal.SIGTERM, signal.SIGHUP})
"""The signals stsui (or Python, for SIGINT) handles in Python code to stop."""


@contextlib.contextmanager
def leaving_signals_to_main() -> Iterator[None]:
    """Threads started meanwhile hold `STOPPING`; the caller's own mask is as it was afterwards (a signal
    that came meanwhile is taken then)."""
    if not hasattr(signal, "pthread_sigmask"):  # Windows: signals reach the main thread only anyway
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, STOPPING)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def start_helper(thread: threading.Thread) -> None:
    """Start `thread` holding `STOPPING`."""
    with leaving_signals_to_main():
        thread.start()
