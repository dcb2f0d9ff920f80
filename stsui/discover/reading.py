"""Reading other tools' files: never blocking, never writing, never following a file that is not a regular
file of this user's, always bounded. A problem becomes a short reason, never an exception."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

from stsui.discover.found import Found, Kind, Source
from stsui.domain.errors import UnsafeFileError
from stsui.store.atomic import read_regular, what_it_is

FILE_LIMIT = 256 * 1024
"""A cache entry or token file is a few KiB; anything larger is not one."""

DIRECTORY_LIMIT = 2000
"""At most this many entries of one cache directory are looked at."""


class Unreadable(Exception):
    """A file that is skipped; the message says why in a few words (never a value from it)."""


def read_foreign(path: Path, limit: int = FILE_LIMIT) -> bytes | None:
    """`path`'s bytes; None when it does not exist. Raises Unreadable for a link, a FIFO or other
    non-regular file, another user's file, a file over `limit`, or an OS error."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as error:
        raise Unreadable(error.strerror or type(error).__name__) from None
    reason = _refusal(info, limit)
    if reason:
        raise Unreadable(reason)
    try:  # the checks again on the open file: it may have been swapped since lstat
        found = read_regular(path, private=True, limit=limit)
    except UnsafeFileError:
        raise Unreadable("it changed while being read") from None
    except OSError as error:
        raise Unreadable(error.strerror or type(error).__name__) from None
    return None if found is None else found[0]


def _refusal(info: os.stat_result, limit: int) -> str | None:
    if not stat.S_ISREG(info.st_mode):
        return f"{what_it_is(info.st_mode)}, not a regular file"
    if info.st_uid != os.geteuid():
        return f"owned by another user (uid {info.st_uid})"
    if info.st_size > limit:
        return f"larger than {limit // 1024} KiB"
    return None


def read_json(path: Path) -> dict[str, object] | None:
    """A JSON object from `path`; None when missing; Unreadable when it is not one."""
    raw = read_foreign(path)
    if raw is None:
        return None
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        raise Unreadable("not valid JSON") from None
    if not isinstance(data, dict):
        raise Unreadable("not a JSON object")
    return data


def json_files(directory: Path) -> Iterator[Path]:
    """The `*.json` entries of `directory` (none when it is missing or not a directory), in name order."""
    try:
        with os.scandir(directory) as entries:
            names = sorted(e.name for e in entries if e.name.endswith(".json"))
    except OSError:
        return
    for name in names[:DIRECTORY_LIMIT]:
        yield directory / name


def from_json_files(
    directory: Path, source: Source, entry: Callable[[Path, dict[str, object]], Found | None]
) -> list[Found]:
    """`entry(path, data)` for each JSON object in `directory` (None: not one of those looked for); a
    file that cannot be read is one unreadable line of `source` saying why."""
    found = []
    for path in json_files(directory):
        try:
            data = read_json(path)
        except Unreadable as error:
            found.append(Found(source, path.name, Kind.UNREADABLE, note=str(error), path=path))
            continue
        made = None if data is None else entry(path, data)
        if made is not None:
            found.append(made)
    return found
