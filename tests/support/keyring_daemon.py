"""A real GNOME Keyring (Secret Service) in a private D-Bus session, for the tests of keys in the OS keyring.

`dbus-run-session` starts a bus of its own; `gnome-keyring-daemon` runs on it with a throwaway HOME and
XDG_DATA_HOME (its keyrings live there), no display (so a locked collection can never open a prompt that
waits), and either an unlocked login keyring or a locked one. Closing the session's stdin ends the bus, and
the daemon with it; `stop` also ends the daemon by its pid should it outlive the bus.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

BINARIES = ("dbus-run-session", "gnome-keyring-daemon", "gdbus", "secret-tool")
PASSWORD = "pw"


def missing() -> str | None:
    """Why the daemon cannot run here (the reason a test is skipped with), or None."""
    absent = [name for name in BINARIES if shutil.which(name) is None]
    if absent:
        return f"needs {', '.join(absent)} (Debian: apt-get install gnome-keyring dbus libsecret-tools)"
    return None


class KeyringDaemon:
    """One private bus with one gnome-keyring-daemon; `address` is its DBUS_SESSION_BUS_ADDRESS."""

    def __init__(self, root: Path, *, unlocked: bool = True) -> None:
        self.root = root
        self.unlocked = unlocked
        self.address = ""
        self.pid: int | None = None
        self._session: subprocess.Popen[bytes] | None = None

    def env(self) -> dict[str, str]:
        run = self.root / "run"
        run.mkdir(mode=0o700, parents=True, exist_ok=True)
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.root),
            "XDG_DATA_HOME": str(self.root / "data"),
            "XDG_RUNTIME_DIR": str(run),
            "LANG": "C.UTF-8",
        }

    def _prepare_locked(self) -> None:
        """A login keyring with a password, made by an unlocked daemon that is then stopped."""
        KeyringDaemon(self.root, unlocked=True).start().stop()
        assert (self.root / "data" / "keyrings" / "login.keyring").exists()

    def start(self) -> KeyringDaemon:
        if not self.unlocked:
            self._prepare_locked()
        daemon = f"printf {PASSWORD} | {_UNLOCK}" if self.unlocked else _START
        script = f'{daemon}; echo "$DBUS_SESSION_BUS_ADDRESS"; exec cat >/dev/null'
        self._session = subprocess.Popen(
            ["dbus-run-session", "--", "sh", "-c", script],
            env=self.env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        assert self._session.stdout is not None
        self.address = self._session.stdout.readline().decode().strip()
        assert self.address.startswith("unix:"), "dbus-run-session gave no bus address"
        self.pid = self._daemon_pid()
        return self

    def _daemon_pid(self) -> int | None:
        """The pid owning org.freedesktop.secrets on the bus (it may take a moment to claim the name)."""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            asked = subprocess.run(
                [
                    "gdbus", "call", "--session", "--dest", "org.freedesktop.DBus",
                    "--object-path", "/org/freedesktop/DBus",
                    "--method", "org.freedesktop.DBus.GetConnectionUnixProcessID", "org.freedesktop.secrets",
                ],
                env={**self.env(), "DBUS_SESSION_BUS_ADDRESS": self.address},
                capture_output=True,
                text=True,
                timeout=10,
                check=False,
            )  # fmt: skip
            found = re.search(r"uint32 (\d+)", asked.stdout)
            if found:
                return int(found.group(1))
            time.sleep(0.05)
        return None

    def client_env(self) -> dict[str, str]:
        """What a program needs to use this keyring (and no other): the bus, no backend override."""
        return {"DBUS_SESSION_BUS_ADDRESS": self.address}

    def entries(self) -> str:
        """`secret-tool search --all service stsui`: what a user sees of stsui's entries (secrets too)."""
        found = subprocess.run(
            ["secret-tool", "search", "--all", "--unlock", "service", "stsui"],
            env={**self.env(), **self.client_env()},
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        return found.stdout + found.stderr

    def clear(self) -> None:
        """Delete every stsui entry (between tests)."""
        subprocess.run(
            ["secret-tool", "clear", "service", "stsui"],
            env={**self.env(), **self.client_env()},
            capture_output=True,
            timeout=10,
            check=False,
        )

    def stop(self) -> KeyringDaemon:
        if self._session is not None:
            with contextlib.suppress(OSError):
                assert self._session.stdin is not None
                self._session.stdin.close()
            try:
                self._session.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._session.kill()
                self._session.wait(timeout=10)
            self._session = None
        if self.pid is not None and _command(self.pid).startswith("gnome-keyring"):  # ours, outliving the bus
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(self.pid, signal.SIGTERM)
        self.pid = None
        return self


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


_UNLOCK = "gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1"
_START = "gnome-keyring-daemon --start --components=secrets >/dev/null 2>&1"
