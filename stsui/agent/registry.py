"""The agent file: how other programs (an IDE, a container's launcher) find the user's agent, and one agent
per user; and the port files, which name the stsui process that serves on a port (`stsui imds`).

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
from stsui.domain.printable import printable
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


class PortTaken(StsuiError):
    """Another stsui process serves on the port."""


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
        return _held(fd)
    finally:
        os.close(fd)


def _held(fd: int) -> bool:
    """Whether another process holds the lock file open as `fd` exclusively."""
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    fcntl.flock(fd, fcntl.LOCK_UN)
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


PORT_FILE = "port-{port}.lock"
"""Beside the agent file: held (locked exclusively) by the stsui process serving on the port, and holding its
pid, URL and what it serves. Never removed (removing a lock file races with the next process to take it)."""


def port_holder(port: int) -> str | None:
    """Which stsui process serves on `port`, in words ("process 123 (stsui imds prod at http://…)", "the
    stsui agent (process 123 at http://…)"); None when no stsui process says so."""
    try:
        fd = os.open(_directory() / PORT_FILE.format(port=port), os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        fd = -1
    if fd >= 0:
        try:
            claim = _read_claim(fd) if _held(fd) else None
        finally:
            os.close(fd)
        if claim is not None:
            return claim
    agent = find_agent()
    if agent is not None and agent.url.rsplit(":", 1)[-1] == str(port):
        return f"the stsui agent (process {agent.pid} at {agent.url})"
    return None


def _read_claim(fd: int) -> str:
    import stat

    fallback = "another stsui process"
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_uid != os.getuid() or info.st_size > 4096:
        return fallback
    try:
        data = json.loads(os.pread(fd, 4096, 0))
    except (OSError, ValueError):
        return fallback
    if not isinstance(data, dict) or not isinstance(data.get("pid"), int):
        return fallback
    what, url = data.get("what"), data.get("url")
    if not (isinstance(what, str) and isinstance(url, str)):
        return fallback
    return f"process {data['pid']} ({printable(what)} at {printable(url)})"


class PortClaim:
    """Held by a stsui process while it serves on `port` (`PORT_FILE`), so that another one asked to serve
    there says which process does."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.path = _directory() / PORT_FILE.format(port=port)
        self._fd: int | None = None

    def acquire(self, url: str, what: str) -> None:
        """Claim the port for `what` served at `url`, or raise PortTaken naming the process that has it."""
        private_dir(self.path.parent)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        if not _take(fd):
            holder = _read_claim(fd)
            os.close(fd)
            raise PortTaken(
                f"Port {self.port} is already served by {holder}; stop it or choose another --port."
            )
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({"pid": os.getpid(), "url": url, "what": what}).encode(), 0)
        self._fd = fd

    def release(self) -> None:
        """Let go of the port (idempotent)."""
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(self._fd, 0)
        os.close(self._fd)
        self._fd = None
