"""The pins and the history of roles and regions taken (`stsui.domain.frecency.Recents`), in one private file:
`$XDG_STATE_HOME/stsui/recents.json` (`~/.local/state/stsui/`).

Every change is a read-modify-write under the directory's lock (`stsui.store.atomic.locked_file`), so
two stsui processes recording at once lose nothing; the file is replaced atomically, 0600 in a 0700
directory, never through a link. It is bounded (`MAX_TAKES` takes, `MAX_PINS` pins, `MAX_REGIONS` regions;
a file larger than `SIZE_LIMIT` is not read). A file that is corrupt, of another format, not a regular file
or not the user's is ignored with one warning and rebuilt, never a crash; so is a failure to save (history
is a convenience: it never fails the command that took the role).

Layout: `{"format": 1, "pins": [NAME, ...], "takes": [[NAME, EPOCH], ...], "regions": [[REGION, EPOCH],
...], "order": "recent" | "file"}`, oldest first.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from stsui.domain.errors import UnsafeFileError
from stsui.domain.frecency import MAX_PINS, MAX_REGIONS, MAX_TAKES, Recents, Take
from stsui.store.atomic import LockTimeout, locked_file, read_regular

FORMAT = 1
FILE_NAME = "recents.json"
ORDERS = ("recent", "file")
"""The TUI's orders, as the file names them (the first is the default)."""
SIZE_LIMIT = 4 * 1024 * 1024
MAX_NAME = 256
LOCK_TIMEOUT = 5.0

Loaded = tuple[Recents, str | None]
"""The recents, and a warning to show once (None when all was well)."""


class NotRecents(ValueError):
    """The file's content is not a recents file stsui wrote."""


def _names(data: Any, limit: int) -> tuple[str, ...]:
    if not isinstance(data, list) or len(data) > limit:
        raise NotRecents("pins")
    try:
        distinct = set(data) if len(data) > 64 else data  # a history names the same roles again and again
    except TypeError:  # a list or an object among them
        raise NotRecents("a name") from None
    for name in distinct:
        if name.__class__ is not str or not 0 < len(name) <= MAX_NAME or not name.isprintable():
            raise NotRecents("a name")
    return tuple(data)


def _takes(data: Any, limit: int) -> tuple[Take, ...]:
    """[[NAME, EPOCH], ...] as (name, epoch) pairs (10,000 of them at every start of the TUI: one tight
    loop, the names checked together)."""
    if not isinstance(data, list) or len(data) > limit:
        raise NotRecents("takes")
    try:
        takes = tuple((name, when) for name, when in data)
    except (TypeError, ValueError):
        raise NotRecents("a take") from None
    _names([name for name, _ in takes], limit)
    for _, when in takes:
        if when.__class__ is not int or not 0 <= when < 2**40:
            raise NotRecents("a time")
    return takes


def decode(raw: bytes) -> Recents:
    """The recents in `raw` (NotRecents when it is anything else)."""
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        raise NotRecents("not JSON") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise NotRecents("another format")
    order = data.get("order", ORDERS[0])
    if order not in ORDERS:
        raise NotRecents("an order")
    return Recents(
        _names(data.get("pins", []), MAX_PINS),
        _takes(data.get("takes", []), MAX_TAKES),
        _takes(data.get("regions", []), MAX_REGIONS),
        file_order=order == ORDERS[1],
    )


def encode(recents: Recents) -> bytes:
    data = {
        "format": FORMAT,
        "pins": list(recents.pins),
        "takes": [list(take) for take in recents.takes],
        "regions": [list(entry) for entry in recents.regions],
        "order": ORDERS[1] if recents.file_order else ORDERS[0],
    }
    return json.dumps(data, separators=(",", ":")).encode() + b"\n"


class RecentsFile:
    """The recents file at `path` (default: `recents.json` in stsui's state directory)."""

    def __init__(self, path: Path, *, lock_timeout: float = LOCK_TIMEOUT) -> None:
        self.path = path
        self.lock_timeout = lock_timeout

    def _problem(self, what: str) -> str:
        return f"The history of roles in {self.path} {what}; it was set aside and starts again empty."

    def read(self) -> Loaded:
        """The recents as the file has them; a file that is not a recents file is rebuilt (said once)."""
        try:
            found = read_regular(self.path, private=True, limit=SIZE_LIMIT)
        except UnsafeFileError:
            return self.update(lambda recents: recents)  # the update rebuilds it, and says why
        except OSError as error:
            return Recents(), f"Cannot read the history of roles in {self.path}: {error.strerror or error}."
        if found is None:
            return Recents(), None
        try:
            return decode(found[0]), None
        except NotRecents:
            return self.update(lambda recents: recents)

    def update(self, change: Callable[[Recents], Recents]) -> Loaded:
        """Apply `change` to the recents under the lock and save the result; what it saved (or, when it
        could not save, what it would have), and a warning when the file had to be rebuilt or was not
        saved. Never raises: a failure is the warning."""
        warning = None
        raw: bytes | None = None
        try:
            with locked_file(self.path, timeout=self.lock_timeout, private=True) as file:
                try:
                    raw = file.read_bytes()
                    if raw is not None and len(raw) > SIZE_LIMIT:
                        raise NotRecents("too large")
                    current = Recents() if raw is None else decode(raw)
                except UnsafeFileError as error:
                    current, warning = Recents(), self._problem(f"is unusable ({_short(error)})")
                    file.take_over()
                except NotRecents:
                    current, warning = Recents(), self._problem("is not a recents file stsui wrote")
                recents = change(current)
                if recents != current or warning is not None or raw is None:
                    file.write_bytes(encode(recents))
        except (OSError, UnsafeFileError, LockTimeout) as error:
            detail = _short(error) if isinstance(error, UnsafeFileError) else getattr(error, "strerror", "")
            return change(
                self._peek()
            ), f"Could not save the history of roles in {self.path}: {detail or error}."
        return recents, warning

    def _peek(self) -> Recents:
        """What the file holds, read without the lock (a change that could not be saved still applies to
        it, for this process); empty when it cannot be read."""
        try:
            found = read_regular(self.path, private=True, limit=SIZE_LIMIT)
            return Recents() if found is None else decode(found[0])
        except (OSError, UnsafeFileError, NotRecents):
            return Recents()


def _short(error: UnsafeFileError) -> str:
    """The error's sentence without its final full stop (it is quoted inside another)."""
    return str(error).rstrip(".")


def recents_file() -> RecentsFile:
    """The recents file in stsui's state directory."""
    from stsui.domain.paths import state_dir

    return RecentsFile(state_dir() / FILE_NAME)
