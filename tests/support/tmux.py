"""Drive the real program in a real terminal: tmux send-keys in, capture-pane out."""

from __future__ import annotations

import shlex
import subprocess
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path


class Terminal:
    """One tmux server (its own socket) running one command in a fixed-size window."""

    def __init__(self, workdir: Path, *, width: int = 140, height: int = 40) -> None:
        self.socket = f"stsui-test-{uuid.uuid4().hex[:8]}"
        self.workdir = workdir
        self.width, self.height = width, height

    def _tmux(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=False, timeout=10
        )

    def start(self, command: Sequence[str], env: Mapping[str, str]) -> None:
        """Run `command` with exactly `env`, through a script so no variable leaks in from tmux."""
        script = self.workdir / f"{self.socket}.sh"
        exports = "".join(f"export {key}={shlex.quote(value)}\n" for key, value in env.items())
        script.write_text(f"{exports}exec {shlex.join(command)}\n")
        started = self._tmux(
            "new-session", "-d", "-s", "t", "-x", str(self.width), "-y", str(self.height),
            f"env -i bash {shlex.quote(str(script))}",
        )  # fmt: skip
        assert started.returncode == 0, started.stderr

    def _capture(self) -> str | None:
        """The screen, or None once the program has ended (its session, and so its pane, is gone)."""
        captured = self._tmux("capture-pane", "-p", "-t", "t")
        return captured.stdout if captured.returncode == 0 else None

    def screen(self) -> str:
        return self._capture() or ""

    def send(self, *keys: str) -> None:
        self._tmux("send-keys", "-t", "t", *keys)

    def running(self) -> bool:
        return self._tmux("has-session", "-t", "t").returncode == 0

    def wait_for(self, condition: Callable[[str], bool], what: str, timeout: float = 30) -> str:
        """Poll the screen until `condition` holds; fail showing the last screen (it never shows secrets)."""
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            captured = self._capture()  # one tmux call per poll: a failed capture is the program's end
            if captured is None:  # its screen is gone with it: waiting on cannot help
                raise AssertionError(f"the program ended while waiting for {what}")
            screen = captured
            if condition(screen):
                return screen
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}; the screen was:\n{screen}")

    def wait_for_text(self, text: str, timeout: float = 30) -> str:
        return self.wait_for(lambda screen: text in screen, repr(text), timeout)

    def wait_until_closed(self, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while self.running():
            assert time.monotonic() < deadline, f"the program did not exit; the screen was:\n{self.screen()}"
            time.sleep(0.1)

    def close(self) -> None:
        self._tmux("kill-server")
