"""Building many lasting objects at once without the garbage collector walking them over and over.

Decoding 100,000 roles (or validating a roles file of that size) makes a few hundred thousand dicts, strings
and `Role` values, none of them in a reference cycle. Python's cyclic collector runs every few hundred
allocations and, as the heap grows, walks the whole young-and-growing heap again: about a quarter of the
time of such a build. `building()` pauses it for the build and restores it after.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def building() -> Iterator[None]:
    """Pause the cyclic collector while the block runs (it was enabled: it is enabled again after). The
    collector is the process's: a build in one thread pauses it for all, for that long."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
