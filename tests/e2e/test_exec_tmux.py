"""`stsui exec` in a real terminal (tmux) against moto: the terminal's signals reach the command once."""

from __future__ import annotations

import shutil
import sys

import pytest

from tests.support.home import Home
from tests.support.tmux import Terminal

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

COUNTING = """
import signal, sys
count = 0
def on_int(number, frame):
    global count
    count += 1
    print(f"INT {count}", flush=True)
signal.signal(signal.SIGINT, on_int)
print("ready", flush=True)
sys.stdin.readline()
print(f"total {count}", flush=True)
sys.stdin.readline()  # the screen stays until the test has read it
"""


def test_ctrl_c_reaches_the_command_exactly_once(home: Home) -> None:
    """The terminal sends Ctrl-C's SIGINT to its whole foreground group, the command included: stsui,
    which gets it too, must not pass it on a second time (terraform stops at once on a second one)."""
    term = Terminal(home.root)
    term.start(
        [sys.executable, "-m", "stsui", "exec", "prod-admin", "--", sys.executable, "-c", COUNTING], home.env
    )
    try:
        term.wait_for_text("ready")
        term.send("C-c")
        term.wait_for_text("INT 1")
        term.send("done", "Enter")
        screen = term.wait_for_text("total")
        assert "total 1" in screen and "INT 2" not in screen
        term.send("Enter")
        term.wait_until_closed()
    finally:
        term.close()
