"""`exec`'s private copy of the user's AWS config file, with one empty profile added for the child.

The copy (`exec-PID-RANDOM.config`, 0600, in stsui's runtime directory) lives as long as its exec: exec
holds an exclusive lock on it from before its name appears until exec ends, then removes it. An exec killed
with SIGKILL cannot remove it; the next exec removes every copy nobody holds a lock on any more (the lock,
not the pid in the name, tells: a pid is reused, a lock dies with its process).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import stat
from pathlib import Path

from stsui.store.atomic import private_dir

EXEC_PROFILE = "stsui-exec"
PREFIX = "exec-"
SUFFIX = ".config"


class ConfigCopy:
    """A copy made by `make_config_copy`, held (locked) until `close`, which removes it."""

    def __init__(self, path: Path, profile: str, fd: int) -> None:
        self.path = path
        self.profile = profile
        """The empty profile the child's AWS_PROFILE names."""
        self._fd: int | None = fd

    def close(self) -> None:
        """Remove the copy and let go of its lock (idempotent)."""
        if self._fd is None:
            return
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> ConfigCopy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def make_config_copy(directory: Path, user_config: Path, region: str | None) -> ConfigCopy:
    """A private copy of the user's config file with one empty profile added (and the region, if any),
    locked until closed; copies left by execs that are gone are removed first."""
    private_dir(directory)
    remove_abandoned(directory)
    try:
        text = user_config.read_bytes() if user_config.is_file() else b""
    except OSError:
        text = b""
    suffix = secrets.token_hex(4)
    profile = f"{EXEC_PROFILE}-{suffix}"
    lines = [b"", f"[profile {profile}]".encode()]
    if region:
        lines.append(f"region = {region}".encode())
    newline = b"" if not text or text.endswith(b"\n") else b"\n"
    path = directory / f"{PREFIX}{os.getpid()}-{suffix}{SUFFIX}"
    temp = directory / f".{path.name}.tmp"  # not a copy's name: no exec removes it while it is written
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    fd = os.open(temp, flags, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        data = memoryview(text + newline + b"\n".join(lines) + b"\n")
        while data:
            data = data[os.write(fd, data) :]
        os.rename(temp, path)
    except BaseException:
        os.close(fd)
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    return ConfigCopy(path, profile, fd)


def remove_abandoned(directory: Path) -> int:
    """Remove every copy in `directory` whose exec is gone (no lock held on it); how many were removed."""
    removed = 0
    for path in directory.glob(f"{PREFIX}*{SUFFIX}"):
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError:
            continue
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid():
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # its exec is running
            if os.lstat(path).st_ino == info.st_ino:
                path.unlink()
                removed += 1
        except OSError:
            continue
        finally:
            os.close(fd)
    return removed
