"""Run the real program with some of its standard streams on a pseudo-terminal (a real tty, as in `sts`, whose
stdout is a pipe while stdin and stderr are the user's terminal), answering once when it asks."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence

STREAMS = ("stdin", "stdout", "stderr")


def on_a_terminal(
    args: Sequence[str],
    env: Mapping[str, str],
    *,
    streams: Sequence[str] = ("stdin", "stderr"),
    answer: bytes | None = None,
    asked: bytes = b"[y/N]",
    timeout: float = 60,
) -> tuple[int, str]:
    """`python -m stsui ARGS` with `streams` on one pseudo-terminal (the others are pipes); types `answer`
    once the terminal shows `asked`. Returns the exit code and what the terminal showed."""
    master, slave = pty.openpty()
    kinds = {name: (slave if name in streams else subprocess.PIPE) for name in STREAMS}
    process = subprocess.Popen([sys.executable, "-m", "stsui", *args], env=dict(env), **kinds)  # type: ignore[call-overload]
    os.close(slave)
    shown = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        if not ready:
            if process.poll() is not None:
                break
            continue
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the program closed its end
            break
        if not chunk:
            break
        shown += chunk
        if answer is not None and asked in shown:
            os.write(master, answer)
            answer = None
    code = process.wait(timeout=timeout)
    for pipe in (process.stdin, process.stdout, process.stderr):
        if pipe is not None:
            pipe.close()
    os.close(master)
    return code, shown.decode(errors="replace")
