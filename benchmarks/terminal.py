"""A real terminal for the TUI measurements: a private tmux server, its screen, its keys, its processes."""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

WIDTH, HEIGHT = 160, 50
POLL_INTERVAL = 0.01
"""Between two looks at the screen. Each look forks a tmux client (~2 ms of CPU on one core)."""


class NeverShown(Exception):
    """The screen did not reach the awaited state in time; carries the last screen for the report."""

    def __init__(self, what: str, seconds: float, screen: str) -> None:
        super().__init__(f"{what}: not on screen after {seconds:.0f} s")
        self.screen = screen


@dataclass(frozen=True)
class Seen:
    """When (seconds after the clock's start) the screen first matched, and that screen."""

    seconds: float
    screen: str


class Tmux:
    """A tmux server on its own socket (`tmux -L`), so it never meets the user's or the tests' sessions."""

    def __init__(self, socket: str, env: Mapping[str, str]) -> None:
        self.socket = socket
        self._env = dict(env)
        # A placeholder session keeps the server up between runs, so no run pays for the server's start.
        self._tmux("new-session", "-d", "-s", "keepalive", "-x", "20", "-y", "5", "sleep", "86400")
        self._socket_path = Path(self._tmux("display-message", "-p", "#{socket_path}").strip())

    def _tmux(self, *args: str, check: bool = True) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.socket, "-f", "/dev/null", *args],
            env=self._env,
            capture_output=True,
            text=True,
            check=False,
        )
        if check and done.returncode != 0:
            raise RuntimeError(f"tmux {' '.join(args[:2])} failed: {done.stderr.strip()}")
        return done.stdout

    def spawn(self, name: str, argv: Sequence[str], env: Mapping[str, str]) -> None:
        """Start `argv` (no shell in between) in a new WIDTH x HEIGHT window with exactly `env` on top."""
        settings = [arg for key, value in env.items() for arg in ("-e", f"{key}={value}")]
        self._tmux(
            "new-session", "-d", "-s", name, "-x", str(WIDTH), "-y", str(HEIGHT), *settings, "--", *argv
        )

    def screen(self, name: str) -> str:
        return self._tmux("capture-pane", "-p", "-t", name, check=False)

    def send_keys(self, name: str, keys: str, *, literal: bool = True) -> None:
        self._tmux("send-keys", "-t", name, *(["-l"] if literal else []), keys)

    def pane_pid(self, name: str) -> int:
        return int(self._tmux("display-message", "-p", "-t", name, "#{pane_pid}").strip())

    def kill(self, name: str) -> None:
        self._tmux("kill-session", "-t", name, check=False)

    def close(self) -> None:
        self._tmux("kill-server", check=False)
        self._socket_path.unlink(missing_ok=True)

    def wait_for(
        self, name: str, shown: Callable[[str], bool], *, since: float, timeout: float, what: str
    ) -> Seen:
        """Poll the screen until `shown(screen)`; the time is counted from `since` (a perf_counter)."""
        deadline = time.perf_counter() + timeout
        screen = ""
        while True:
            screen = self.screen(name)
            now = time.perf_counter()
            if shown(screen):
                return Seen(now - since, screen)
            if now > deadline:
                raise NeverShown(what, timeout, screen)
            time.sleep(POLL_INTERVAL)


def contains(pattern: str) -> Callable[[str], bool]:
    compiled = re.compile(pattern)
    return lambda screen: compiled.search(screen) is not None


def only_role(name: str, any_role: str) -> Callable[[str], bool]:
    """The screen shows `name` and no other string matching `any_role` (a filter has done its work)."""
    compiled = re.compile(any_role)
    return lambda screen: set(compiled.findall(screen)) == {name}


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads), from /proc/<pid>/stat."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    utime, stime = int(fields[11]), int(fields[12])  # fields 14 and 15 of stat(5)
    return (utime + stime) / os.sysconf("SC_CLK_TCK")


def idle_cpu_percent(pid: int, seconds: float) -> float:
    """CPU the process used over `seconds` of wall time, as % of one core."""
    before, start = cpu_seconds(pid), time.perf_counter()
    time.sleep(seconds)
    after, wall = cpu_seconds(pid), time.perf_counter() - start
    return 100.0 * (after - before) / wall


def peak_memory_mb(pid: int) -> float | None:
    """The process's peak resident memory so far (VmHWM), in MB; None when it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return None
