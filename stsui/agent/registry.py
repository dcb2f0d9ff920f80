"""The agent file: how other programs (an IDE, a container's launcher) find the user's agent, and one agent
per user.

`agent.json` (0600, in a 0700 directory: `$XDG_RUNTIME_DIR/stsui`, else the cache directory) holds the
server's `url`, its `token` and the agent's `pid`. The agent holds an exclusive lock on `agent.lock` beside it
for as long as it runs, so a second agent knows at once that one is serving, and a stale file (a killed agent)
is told apart from a live one. Callers probe that lock with a shared lock held for a moment, which an agent
starting then waits out: it is refused only by another agent's exclusive lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from stsui.domain.errors import StsuiError
from stsui.domain.paths import runtime_dir
from stsui.store.atomic import private_dir, write_private

AGENT_FILE = "agent.json"
LOCK_FILE = "agent.lock"
PROBES_WAIT = 1.0
"""The longest an agent starting waits out callers probing the lock (each holds it for microseconds)."""
PROBE_POLL = 0.0005
"""Seconds between its tries meanwhile."""


class AgentRunning(StsuiError):
    """Another agent already serves this user."""


@dataclass(frozen=True)
class AgentAddress:
    """What the agent file says: where the agent serves and the token it wants. `repr` hides the token."""

    url: str
    token: str
    pid: int

    def __repr__(self) -> str:
        return f"AgentAddress(url={self.url!r}, pid={self.pid})"


def _directory() -> Path:
    return runtime_dir()


def _read(path: Path) -> AgentAddress | None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        import stat

        if not stat.S_ISREG(info.st_mode) or info.st_uid != os.getuid() or info.st_size > 4096:
            return None
        data = json.loads(os.read(fd, 4096))
    except (OSError, ValueError):
        return None
    finally:
        os.close(fd)
    if not isinstance(data, dict):
        return None
    url, token, pid = data.get("url"), data.get("token"), data.get("pid")
    if not (isinstance(url, str) and isinstance(token, str) and isinstance(pid, int)):
        return None
    return AgentAddress(url, token, pid)


def _lock_held(directory: Path) -> bool:
    """Whether some process holds the agent lock (a live agent)."""
    try:
        fd = os.open(directory / LOCK_FILE, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def _take(fd: int) -> bool:
    """Take the agent lock for good; False when an agent holds it. A caller probing for the agent holds it
    shared for a moment (`_lock_held`, or another program that follows the README): the exclusive lock then
    fails although no agent serves, so a shared lock decides: it fails only against an agent's exclusive
    one. A probe is waited out, for at most `PROBES_WAIT`."""
    deadline = time.monotonic() + PROBES_WAIT
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            pass
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return False  # held exclusively: an agent
        fcntl.flock(fd, fcntl.LOCK_UN)
        if time.monotonic() > deadline:
            return False
        time.sleep(PROBE_POLL)


def find_agent() -> AgentAddress | None:
    """The running agent's address, or None when no agent runs (a stale file is ignored)."""
    directory = _directory()
    address = _read(directory / AGENT_FILE)
    if address is None or not _lock_held(directory):
        return None
    try:
        os.kill(address.pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    return address


class AgentRegistration:
    """Held by the running agent: the lock, and the agent file while it serves."""

    def __init__(self) -> None:
        self.directory = _directory()
        self.path = self.directory / AGENT_FILE
        self._lock_fd: int | None = None

    def acquire(self) -> None:
        """Become the user's agent, or raise AgentRunning naming the one that is."""
        private_dir(self.directory)
        fd = os.open(self.directory / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        if not _take(fd):
            os.close(fd)
            running = _read(self.path)
            who = f"process {running.pid} at {running.url}" if running else "another process"
            raise AgentRunning(f"An stsui agent already serves this user ({who}); use it or stop it first.")
        self._lock_fd = fd

    def publish(self, url: str, token: str) -> None:
        """Write the agent file (0600) for callers to find this agent."""
        data = {"url": url, "token": token, "pid": os.getpid()}
        write_private(self.path, json.dumps(data).encode())

    def release(self) -> None:
        """Remove the agent file and let go of the lock."""
        if self._lock_fd is None:
            return
        with contextlib.suppress(FileNotFoundError):
            mine = _read(self.path)
            if mine is not None and mine.pid == os.getpid():
                self.path.unlink()
        os.close(self._lock_fd)
        self._lock_fd = None
