"""When a file's stat can stand for its content: the identity stsui's caches of the roles file are keyed on,
and the window in which a same-size edit may leave that identity unchanged (stdlib only, cheap to import)."""

from __future__ import annotations

import os
import time

RACY_NS = 2_000_000_000
"""A file changed less than this long before it was read may change again with the same size, mtime and
ctime (file times move in clock ticks): its stat alone cannot vouch for what was read."""

Identity = list[int]


def identity(info: os.stat_result) -> Identity:
    """Device, inode, size, mtime and ctime: what changes whenever the file does, outside the racy window."""
    return [info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns]


def is_racy(info: os.stat_result, read_at_ns: int) -> bool:
    """Whether the file changed so shortly before `read_at_ns` that its stat alone cannot vouch for it."""
    return max(info.st_mtime_ns, info.st_ctime_ns) > read_at_ns - RACY_NS


def now_ns() -> int:
    """The wall clock, for `is_racy` (tests move it)."""
    return time.time_ns()
