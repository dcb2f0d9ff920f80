"""Locked, atomic replacement of small private files (the credentials file, cache files).

A writer resolves symlinks, takes an exclusive `flock` on the directory that holds the file (no lock file
is left behind), re-reads the file under the lock, and replaces it with `os.replace` from a temp file in the
same directory that is 0600 from its creation. On Linux the temp file starts anonymous (`O_TMPFILE`) and
gets its name only just before the rename, so a writer killed mid-write leaves no named file with secrets;
named temp files that a killed writer did leave behind are deleted by the next writer.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700
_O_TMPFILE = getattr(os, "O_TMPFILE", 0)
_anonymous_temp_works = True  # cleared when this system cannot name an O_TMPFILE file


class LockTimeout(TimeoutError):
    """Another process held the directory lock for longer than the timeout."""


def resolve(path: Path) -> Path:
    """`path` with symlinks resolved, so that replacing it replaces the link's target, not the link."""
    return Path(os.path.realpath(path))


def ensure_private_dir(directory: Path) -> None:
    """Create `directory` (mode 0700) when it does not exist; an existing one is left as it is."""
    if directory.is_dir():
        return
    directory.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.mkdir(directory, PRIVATE_DIR)
    except FileExistsError:
        return
    os.chmod(directory, PRIVATE_DIR)


def temp_prefix(target: Path) -> str:
    """Temp files for `target` are named `.<name>.stsui-<random>.tmp` next to it."""
    return f".{target.name}.stsui-"


def _flock(fd: int, timeout: float) -> None:
    """Take an exclusive flock on `fd`, retrying with short waits until `timeout` seconds have passed."""
    deadline = time.monotonic() + timeout
    wait = 0.002
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            left = deadline - time.monotonic()
            if left <= 0:
                raise LockTimeout(errno.EWOULDBLOCK, "directory is locked by another process") from None
            time.sleep(min(wait, left))
            wait = min(wait * 2, 0.05)


def _remove_stale_temps(target: Path) -> None:
    """Delete temp files a killed writer left next to `target` (only called under the lock)."""
    prefix = temp_prefix(target)
    with contextlib.suppress(OSError), os.scandir(target.parent) as entries:
        for entry in entries:
            if entry.name.startswith(prefix) and entry.name.endswith(".tmp"):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.path)


class LockedFile:
    """A resolved file whose directory this process holds locked: read it, then replace it."""

    def __init__(self, path: Path, dir_fd: int) -> None:
        self.path = path
        self._dir_fd = dir_fd

    def read_bytes(self) -> bytes | None:
        """The file's bytes, or None when it does not exist."""
        try:
            return self.path.read_bytes()
        except FileNotFoundError:
            return None

    def write_bytes(self, data: bytes) -> None:
        """Replace the file atomically with `data`, mode 0600, keeping its owner; then sync the directory."""
        _install(self.path, data, _owner(self.path), self._dir_fd)
        os.fsync(self._dir_fd)


@contextlib.contextmanager
def locked_file(path: Path, *, timeout: float) -> Iterator[LockedFile]:
    """Resolve `path`, create its directory (0700) if missing, lock the directory, clear stale temps."""
    target = resolve(path)
    ensure_private_dir(target.parent)
    dir_fd = os.open(target.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        _flock(dir_fd, timeout)
        _remove_stale_temps(target)
        yield LockedFile(target, dir_fd)
    finally:
        os.close(dir_fd)  # releases the lock


def write_private(path: Path, data: bytes, *, timeout: float = 10.0) -> None:
    """Replace `path` atomically and under the directory lock with `data`, mode 0600."""
    with locked_file(path, timeout=timeout) as file:
        file.write_bytes(data)


def _owner(path: Path) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return None
    return info.st_uid, info.st_gid


def _fill(fd: int, data: bytes, owner: tuple[int, int] | None) -> None:
    """Write all of `data`, make the file 0600 with `owner`'s ids where allowed, and fsync it."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
    os.fchmod(fd, PRIVATE_FILE)
    if owner is not None and owner != (os.getuid(), os.getgid()):
        with contextlib.suppress(PermissionError):
            os.fchown(fd, *owner)
    os.fsync(fd)


def _temp_name(target: Path) -> str:
    return str(target.parent / f"{temp_prefix(target)}{os.urandom(8).hex()}.tmp")


def _install(target: Path, data: bytes, owner: tuple[int, int] | None, dir_fd: int) -> None:
    """Put `data` at `target` with one rename from a complete, synced temp file."""
    global _anonymous_temp_works
    if _O_TMPFILE and _anonymous_temp_works:
        try:
            _install_anonymous(target, data, owner, dir_fd)
            return
        except _NoAnonymousTemp:
            _anonymous_temp_works = False
    _rename_into_place(_write_named_temp(target, data, owner), target)


def _rename_into_place(temp: str, target: Path) -> None:
    try:
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


class _NoAnonymousTemp(Exception):
    """This kernel or file system cannot create or name an O_TMPFILE file."""


def _install_anonymous(target: Path, data: bytes, owner: tuple[int, int] | None, dir_fd: int) -> None:
    """Write an O_TMPFILE file, then name it and rename it at once: the name exists only between those
    two calls, so a killed writer leaves no temp file but in that one step."""
    try:
        fd = os.open(target.parent, _O_TMPFILE | os.O_WRONLY | os.O_CLOEXEC, PRIVATE_FILE)
    except OSError as error:
        if error.errno in (errno.EACCES, errno.EPERM, errno.ENOSPC, errno.EROFS, errno.EDQUOT):
            raise
        raise _NoAnonymousTemp from error
    try:
        _fill(fd, data, owner)
        name = _temp_name(target)
        try:
            # linkat(AT_SYMLINK_FOLLOW): a dir fd makes os.link call linkat rather than link(2), which
            # would try to hard-link the /proc magic link itself and fail with EXDEV.
            os.link(f"/proc/self/fd/{fd}", name, src_dir_fd=dir_fd, follow_symlinks=True)
        except OSError as error:
            raise _NoAnonymousTemp from error
        _rename_into_place(name, target)
    finally:
        os.close(fd)


def _write_named_temp(target: Path, data: bytes, owner: tuple[int, int] | None) -> str:
    name = _temp_name(target)
    fd = os.open(name, os.O_CREAT | os.O_EXCL | os.O_WRONLY | os.O_CLOEXEC, PRIVATE_FILE)
    try:
        _fill(fd, data, owner)
    except BaseException:
        os.close(fd)
        os.unlink(name)
        raise
    os.close(fd)
    return name
