"""Helper threads that leave signals to the main thread, so Ctrl-C interrupts at once.

Linux hands a signal sent to the process to any one of its threads that does not hold (block) it, and
Python runs its handlers in the main thread only. A Ctrl-C taken by a helper thread therefore waits until
the main thread next runs Python code: while it waits on a socket that is a whole read timeout later, and
while it waits for that helper (a call under a deadline), the whole call. A thread started here holds the
signals a user sends to stop stsui (a thread inherits its creator's mask), so only the main thread takes them.
"""

from __future__ import annotations

import signal
import threading

STOPPING = frozenset({signal.SIGINT, signal.SIGTERM, signal.SIGHUP})
"""The signals stsui (or Python, for SIGINT) handles in Python code to stop."""


def start_helper(thread: threading.Thread) -> None:
    """Start `thread` holding `STOPPING`; the caller's own mask is as it was afterwards (a signal that came
    meanwhile is taken then)."""
    if not hasattr(signal, "pthread_sigmask"):  # Windows: signals reach the main thread only anyway
        thread.start()
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, STOPPING)
    try:
        thread.start()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
