"""Locked, atomic replacement of small private files (the credentials file, cache files).

A writer resolves symlinks, takes an exclusive `flock` on the directory that holds the file (no lock file
is left behind), re-reads the file under the lock, and replaces it with `os.replace` from a temp file in the
same directory that is 0600 from its creation. On Linux the temp file starts anonymous (`O_TMPFILE`) and
gets its name only just before the rename, so a writer killed mid-write leaves no named file with secrets;
named temp files that a killed writer did leave behind are deleted by the next writer.
"""

from __future__ import annotations

import errno
import fcntl
import os
import stat
import time

from stsui.domain.errors import UnsafeFileError

# `read_regular` runs on the fast paths (prompt, credential-process): no pathlib, typing or contextlib here
# (their imports cost the prompt a third of its time), hence try/except where `suppress` would read better.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700
_O_TMPFILE = getattr(os, "O_TMPFILE", 0)
_anonymous_temp_works = True  # cleared when this system cannot name an O_TMPFILE file


class LockTimeout(TimeoutError):
    """Another process held the directory lock for longer than the timeout."""


def resolve(path: Path) -> Path:
    """`path` with symlinks resolved, so that replacing it replaces the link's target, not the link."""
    from pathlib import Path

    return Path(os.path.realpath(path))


def ensure_dir(directory: Path) -> None:
    """Create `directory` (mode 0700) when it does not exist; an existing one is the user's and is left as
    it is (`~/.aws` may well be 0755)."""
    if directory.is_dir():
        return
    directory.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.mkdir(directory, PRIVATE_DIR)
    except FileExistsError:
        return
    os.chmod(directory, PRIVATE_DIR)


def private_dir(directory: Path) -> None:
    """Make sure `directory` is one of stsui's own: created 0700 when missing; an existing one must be a real
    directory (not a link) owned by this user, and is tightened to 0700. Raises UnsafeFileError otherwise."""
    not_a_directory = UnsafeFileError(
        f"Cannot use {directory}: a part of that path is a file, not a directory; "
        "remove it or point XDG_CACHE_HOME / XDG_RUNTIME_DIR elsewhere."
    )
    try:
        if not os.path.lexists(directory):
            try:
                os.makedirs(os.path.dirname(directory), mode=PRIVATE_DIR, exist_ok=True)
                os.mkdir(directory, PRIVATE_DIR)
            except FileExistsError:
                pass
        info = os.lstat(directory)
    except (NotADirectoryError, FileExistsError):
        raise not_a_directory from None
    except OSError as error:
        raise UnsafeFileError(f"Cannot create {directory}: {error.strerror or error}.") from None
    if stat.S_ISLNK(info.st_mode):
        raise UnsafeFileError(
            f"{directory} is a symbolic link; stsui keeps secrets only in a real directory "
            "of its own: remove the link."
        )
    if not stat.S_ISDIR(info.st_mode):
        raise UnsafeFileError(f"{directory} is not a directory; remove it or point XDG_CACHE_HOME elsewhere.")
    if info.st_uid != os.geteuid():
        raise UnsafeFileError(
            f"{directory} belongs to another user (uid {info.st_uid}), who could read the secrets stsui "
            "keeps there; remove it, or point XDG_CACHE_HOME / XDG_RUNTIME_DIR at a directory of your own."
        )
    if stat.S_IMODE(info.st_mode) != PRIVATE_DIR:
        os.chmod(directory, PRIVATE_DIR)


def _open_dir(directory: Path, *, private: bool) -> int:
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC | (os.O_NOFOLLOW if private else 0)
    fd = os.open(directory, flags)
    if private and os.fstat(fd).st_uid != os.geteuid():
        os.close(fd)
        raise UnsafeFileError(f"{directory} belongs to another user; stsui will not use it.")
    return fd


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


def _remove_stale_temps(target: Path, dir_fd: int) -> None:
    """Delete temp files a killed writer left next to `target` (only called under the lock)."""
    prefix = temp_prefix(target)
    try:
        with os.scandir(dir_fd) as entries:
            for entry in entries:
                if entry.name.startswith(prefix) and entry.name.endswith(".tmp"):
                    try:  # noqa: SIM105 (no contextlib: see the imports)
                        os.unlink(entry.name, dir_fd=dir_fd)
                    except FileNotFoundError:
                        pass
    except OSError:
        pass


def what_it_is(mode: int) -> str:
    """A few words for a file type that is not a regular file."""
    kinds = (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISLNK, "a symbolic link"),
    )
    return next((words for test, words in kinds if test(mode)), "not a regular file")


def read_regular(
    path: str | Path, *, dir_fd: int | None = None, private: bool = False, limit: int | None = None
) -> tuple[bytes, os.stat_result] | None:
    """A regular file's bytes and its stat, never blocking on a FIFO or device; None when it does not exist.

    `private`: the file is one of stsui's own, so a link is not followed and another owner is refused.
    Raises UnsafeFileError for anything that is not a regular file (or larger than `limit`)."""
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | (os.O_NOFOLLOW if private else 0)
    name = os.path.basename(path) if dir_fd is not None else path
    try:
        fd = os.open(name, flags, dir_fd=dir_fd)
    except FileNotFoundError:
        return None
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise UnsafeFileError(
                f"{path} is a symbolic link; stsui does not follow links in its own directories: remove it."
            ) from None
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnsafeFileError(
                f"{path} is {what_it_is(info.st_mode)}, not a regular file; stsui reads and "
                "writes only regular files there."
            )
        if private and info.st_uid != os.geteuid():
            raise UnsafeFileError(
                f"{path} belongs to another user (uid {info.st_uid}); stsui will not use it."
            )
        if limit is not None and info.st_size > limit:
            raise UnsafeFileError(f"{path} is larger ({info.st_size} bytes) than stsui expects; remove it.")
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks), info
    finally:
        os.close(fd)


def _identity(info: os.stat_result | None) -> tuple[int, int, int, int] | None:
    return None if info is None else (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)


class FileChanged(Exception):
    """Another program replaced or changed the file after it was read under the lock."""


class LockedFile:
    """A file whose directory this process holds locked: read it, then replace it."""

    def __init__(self, path: Path, dir_fd: int, *, private: bool) -> None:
        self.path = path
        self._dir_fd = dir_fd
        self._private = private
        self._read: tuple[int, int, int, int] | None = None
        self.info: os.stat_result | None = None

    def read_bytes(self) -> bytes | None:
        """The file's bytes, or None when it does not exist; remembers which file was read."""
        found = read_regular(self.path, dir_fd=self._dir_fd, private=self._private)
        self.info = None if found is None else found[1]
        self._read = _identity(self.info)
        return None if found is None else found[0]

    def take_over(self) -> None:
        """The file is not one to read (a link, a FIFO, another user's): the next `write_bytes` replaces it
        with its rename, never following or opening it."""
        self._read = self._current()

    def _current(self) -> tuple[int, int, int, int] | None:
        try:
            return _identity(os.stat(self.path.name, dir_fd=self._dir_fd, follow_symlinks=False))
        except FileNotFoundError:
            return None

    def write_bytes(self, data: bytes) -> None:
        """Replace the file atomically with `data`, mode 0600; raise FileChanged, writing nothing, when
        another program changed it since `read_bytes`. Then sync the directory."""
        owner = None if self._private or self.info is None else (self.info.st_uid, self.info.st_gid)
        _install(self.path, data, owner, self._dir_fd, check=lambda: self._current() == self._read)
        os.fsync(self._dir_fd)


def locked_file(path: Path, *, timeout: float, private: bool = False) -> DirectoryLock:
    """Lock the directory of `path` and clear stale temps (`with locked_file(path) as file:`). A `private`
    file is one of stsui's own: its directory is checked (`private_dir`) and no link is followed; otherwise
    links are resolved first and a missing directory is created 0700."""
    return DirectoryLock(path, timeout=timeout, private=private)


class DirectoryLock:
    """`locked_file`'s context manager (a class, not `contextlib.contextmanager`: the readers of this module
    run on the fast paths, which do not import contextlib)."""

    def __init__(self, path: Path, *, timeout: float, private: bool = False) -> None:
        self._path = path
        self._timeout = timeout
        self._private = private
        self._dir_fd: int | None = None

    def __enter__(self) -> LockedFile:
        private = self._private
        target = self._path if private else resolve(self._path)
        if private:
            private_dir(target.parent)
        else:
            ensure_dir(target.parent)
        dir_fd = _open_dir(target.parent, private=private)
        try:
            _flock(dir_fd, self._timeout)
            _remove_stale_temps(target, dir_fd)
        except BaseException:
            os.close(dir_fd)
            raise
        self._dir_fd = dir_fd
        return LockedFile(target, dir_fd, private=private)

    def __exit__(self, *exc: object) -> None:
        if self._dir_fd is not None:
            os.close(self._dir_fd)  # releases the lock
            self._dir_fd = None


def write_private(path: Path, data: bytes, *, timeout: float = 10.0) -> None:
    """Replace one of stsui's own files atomically, under the directory lock, with `data`, mode 0600."""
    with locked_file(path, timeout=timeout, private=True) as file:
        try:
            file.read_bytes()
        except UnsafeFileError:
            file.take_over()  # a planted link or FIFO is replaced by the rename, never followed
        file.write_bytes(data)


def _fill(fd: int, data: bytes, owner: tuple[int, int] | None) -> None:
    """Write all of `data`, make the file 0600 with `owner`'s ids where allowed, and fsync it."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
    os.fchmod(fd, PRIVATE_FILE)
    if owner is not None and owner != (os.getuid(), os.getgid()):
        try:  # noqa: SIM105
            os.fchown(fd, *owner)
        except PermissionError:
            pass
    os.fsync(fd)


def _temp_name(target: Path) -> str:
    return f"{temp_prefix(target)}{os.urandom(8).hex()}.tmp"


def _install(
    target: Path, data: bytes, owner: tuple[int, int] | None, dir_fd: int, *, check: Callable[[], bool]
) -> None:
    """Put `data` at `target` with one rename (names relative to the locked directory) from a complete,
    synced temp file; `check()` is asked just before the rename."""
    global _anonymous_temp_works
    if _O_TMPFILE and _anonymous_temp_works:
        try:
            _install_anonymous(target, data, owner, dir_fd, check)
            return
        except _NoAnonymousTemp:
            _anonymous_temp_works = False
    _rename_into_place(_write_named_temp(target, data, owner, dir_fd), target, dir_fd, check)


def _rename_into_place(temp: str, target: Path, dir_fd: int, check: Callable[[], bool]) -> None:
    try:
        if not check():
            raise FileChanged(str(target))
        os.replace(temp, target.name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except BaseException:
        try:  # noqa: SIM105
            os.unlink(temp, dir_fd=dir_fd)
        except OSError:
            pass
        raise


class _NoAnonymousTemp(Exception):
    """This kernel or file system cannot create or name an O_TMPFILE file."""


def _install_anonymous(
    target: Path, data: bytes, owner: tuple[int, int] | None, dir_fd: int, check: Callable[[], bool]
) -> None:
    """Write an O_TMPFILE file, then name it and rename it at once: the name exists only between those
    two calls, so a killed writer leaves no temp file but in that one step."""
    try:
        fd = os.open(".", _O_TMPFILE | os.O_WRONLY | os.O_CLOEXEC, PRIVATE_FILE, dir_fd=dir_fd)
    except OSError as error:
        if error.errno in (errno.EACCES, errno.EPERM, errno.ENOSPC, errno.EROFS, errno.EDQUOT):
            raise
        raise _NoAnonymousTemp from error
    try:
        _fill(fd, data, owner)
        name = _temp_name(target)
        try:
            # linkat(AT_SYMLINK_FOLLOW): naming the /proc magic link of the open file gives it a name
            os.link(f"/proc/self/fd/{fd}", name, dst_dir_fd=dir_fd, follow_symlinks=True)
        except OSError as error:
            raise _NoAnonymousTemp from error
        _rename_into_place(name, target, dir_fd, check)
    finally:
        os.close(fd)


def _write_named_temp(target: Path, data: bytes, owner: tuple[int, int] | None, dir_fd: int) -> str:
    name = _temp_name(target)
    fd = os.open(
        name, os.O_CREAT | os.O_EXCL | os.O_WRONLY | os.O_CLOEXEC | os.O_NOFOLLOW, PRIVATE_FILE, dir_fd=dir_fd
    )
    try:
        _fill(fd, data, owner)
    except BaseException:
        os.close(fd)
        os.unlink(name, dir_fd=dir_fd)
        raise
    os.close(fd)
    return name


def exclusive(path: Path, *, timeout: float) -> ExclusiveLock:
    """Hold an exclusive `flock` on the lock file `path` (one of stsui's own, created 0600 in a private
    directory, never through a link) while the block runs (`with exclusive(path, timeout=T):`); LockTimeout
    after `timeout` seconds."""
    return ExclusiveLock(path, timeout=timeout)


class ExclusiveLock:
    """`exclusive`'s context manager (a class, as `DirectoryLock` is: no contextlib on the fast paths)."""

    def __init__(self, path: Path, *, timeout: float) -> None:
        self._path = path
        self._timeout = timeout
        self._fd: int | None = None

    def __enter__(self) -> None:
        private_dir(self._path.parent)
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, PRIVATE_FILE)
        try:
            _flock(fd, self._timeout)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            os.close(self._fd)  # releases the lock
            self._fd = None
