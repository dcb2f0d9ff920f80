"""A running program's threads and the signals each holds, from Linux's /proc (tests skip them elsewhere)."""

from __future__ import annotations

import os


def helper_threads(pid: int) -> list[int]:
    """The thread ids of process `pid` other than its main thread."""
    return [int(tid) for tid in os.listdir(f"/proc/{pid}/task") if int(tid) != pid]


def held_signals(pid: int, tid: int) -> set[int]:
    """The signals thread `tid` of process `pid` holds (blocks)."""
    with open(f"/proc/{pid}/task/{tid}/status", encoding="ascii") as status:
        mask = next(int(line.split()[1], 16) for line in status if line.startswith("SigBlk:"))
    return {number for number in range(1, 65) if mask >> (number - 1) & 1}
