"""The TUI ends with its terminal: closing the terminal (tmux kill-server) or SIGTERM, in every state,
leaves no stsui process behind."""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reliability.conftest import HANG, FaultServer
from tests.support.home import Home
from tests.support.tmux import Terminal

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

GONE_WITHIN = 5.0
"""Generous for a loaded 2-core CI machine; the TUI itself gives up after one second."""


def alive(pid: int) -> bool:
    """True while the process exists and is not a zombie waiting to be reaped."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def wait_gone(pid: int) -> None:
    deadline = time.monotonic() + GONE_WITHIN
    while alive(pid):
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            raise AssertionError(f"stsui (pid {pid}) was still running {GONE_WITHIN} s after its end")
        time.sleep(0.05)


class Tui:
    """The real TUI in tmux, with its process id."""

    def __init__(self, home: Home, *args: str, env: dict[str, str] | None = None) -> None:
        self.terminal = Terminal(home.root)
        self.pidfile = home.root / f"{self.terminal.socket}.pid"
        program = shlex.join([sys.executable, "-m", "stsui", *args])
        command = ["sh", "-c", f"echo $$ > {shlex.quote(str(self.pidfile))}; exec {program}"]
        self.terminal.start(command, {**home.env, **(env or {})})

    @property
    def pid(self) -> int:
        return int(self.pidfile.read_text())


@pytest.fixture
def hung_sts() -> Iterator[FaultServer]:
    server = FaultServer(script=[HANG], hang_limit=120)
    server.start()
    yield server
    server.stop()


def test_closing_the_terminal_right_after_the_first_paint_ends_the_tui(home: Home) -> None:
    tui = Tui(home)
    tui.terminal.wait_for_text("prod-admin")
    tui.terminal.close()
    wait_gone(tui.pid)


def assuming_against(home: Home, hung_sts: FaultServer) -> Tui:
    """The TUI with identity lookups and an assume stuck in calls to an endpoint that never answers."""
    tui = Tui(home, env={"AWS_ENDPOINT_URL_STS": hung_sts.url})
    tui.terminal.wait_for_text("prod-admin")
    tui.terminal.send("Enter")
    tui.terminal.wait_for(lambda _: hung_sts.count >= 2, "the assume to reach STS")
    return tui


def test_closing_the_terminal_while_sts_hangs_ends_the_tui(home: Home, hung_sts: FaultServer) -> None:
    tui = assuming_against(home, hung_sts)
    tui.terminal.close()
    wait_gone(tui.pid)


def test_sigterm_while_sts_hangs_ends_the_tui(home: Home, hung_sts: FaultServer) -> None:
    tui = assuming_against(home, hung_sts)
    os.kill(tui.pid, signal.SIGTERM)
    wait_gone(tui.pid)
    tui.terminal.close()


def test_closing_the_terminal_of_the_demo_ends_it_and_its_sts(home: Home) -> None:
    tui = Tui(home, "demo")
    tui.terminal.wait_for_text("inactive")
    tui.terminal.close()
    wait_gone(tui.pid)


def test_closing_the_terminal_while_starting_ends_the_tui(home: Home) -> None:
    tui = Tui(home)
    tui.terminal.wait_for(lambda _: tui.pidfile.exists() and tui.pidfile.read_text().strip() != "", "start")
    tui.terminal.close()
    wait_gone(tui.pid)
