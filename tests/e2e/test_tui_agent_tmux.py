"""The real TUI as the user's agent, in tmux against moto: a background `credential-process` for an MFA role
is asked in the TUI, an SDK is served from the TUI's route, and every way out removes the agent file."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys

import pytest

from tests.e2e.test_terminal_lifetime import Tui, hung_sts, wait_gone
from tests.e2e.test_tui_tmux import terminal
from tests.reliability.conftest import FaultServer
from tests.support.home import Home
from tests.support.tmux import Terminal

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

__all__ = ["hung_sts", "terminal"]  # fixtures shared with the other tmux tests

SERVING = re.compile(r"serving (http://127\.0\.0\.1:\d+)")


def background(home: Home, *args: str) -> subprocess.Popen[str]:
    """A program started by something else (an SDK, an IDE): no terminal of its own."""
    return subprocess.Popen(
        [sys.executable, "-m", "stsui", *args],
        env=home.env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_the_tui_serves_asks_mfa_for_a_background_caller_and_cleans_up(
    home: Home, terminal: Terminal
) -> None:
    screen = terminal.wait_for(lambda s: SERVING.search(s) is not None, "the TUI to serve")
    match = SERVING.search(screen)
    assert match is not None
    url = match.group(1)
    agent_file = home.cache / "agent.json"
    assert json.loads(agent_file.read_text())["url"] == url

    # an MFA role with no MFA session, asked for by botocore's credential_process: the TUI asks the user
    caller = background(home, "credential-process", "mfa-ops")
    try:
        screen = terminal.wait_for_text("Asked by stsui credential-process")
        assert "MFA code to assume mfa-ops" in screen
        assert caller.poll() is None  # it waits for the user
        terminal.send("123456", "Enter")
        out, err = caller.communicate(timeout=60)
    finally:
        if caller.poll() is None:
            caller.kill()
    assert caller.returncode == 0, err
    answer = json.loads(out)
    assert answer["Version"] == 1 and answer["AccessKeyId"]
    terminal.wait_for_text("MFA session started for mfa-ops")

    # an SDK pointed at the TUI's route with the agent file's token (an IDE, a container)
    from botocore.credentials import ContainerProvider

    token = json.loads(agent_file.read_text())["token"]
    environ = {
        "AWS_CONTAINER_CREDENTIALS_FULL_URI": f"{url}/roles/prod-admin/credentials",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN": token,
    }
    assert ContainerProvider(environ=environ).load().get_frozen_credentials().access_key  # type: ignore[union-attr]
    served = re.compile(r"prod-admin .*\b(now|\ds ago)")
    terminal.wait_for(lambda s: served.search(s) is not None, "prod-admin to show as served")

    terminal.send("q")
    terminal.wait_until_closed()
    assert not agent_file.exists()
    assert not (home.cache / "mfa.sock").exists()


SDK_CALLER = (
    "import boto3; print(boto3.Session().client('sts', region_name='eu-west-1').get_caller_identity()['Arn'])"
)
"""A background program on the container provider: botocore GETs the route with the token, then asks STS."""


def test_a_background_caller_served_the_highlighted_role_and_the_tui_shows_it(
    home: Home, terminal: Terminal
) -> None:
    """As a new user tries it: the cursor stays on prod-admin (the first row) while another program fetches
    that role from the TUI's server with the token from agent.json; the TUI keeps running and shows it."""
    terminal.wait_for(lambda s: SERVING.search(s) is not None, "the TUI to serve")
    agent = json.loads((home.cache / "agent.json").read_text())
    env = {key: value for key, value in home.env.items() if key != "AWS_SHARED_CREDENTIALS_FILE"}
    env.update(
        AWS_SHARED_CREDENTIALS_FILE=str(home.root / "none"),  # only the container provider can answer
        AWS_CONTAINER_CREDENTIALS_FULL_URI=f"{agent['url']}/roles/prod-admin/credentials",
        AWS_CONTAINER_AUTHORIZATION_TOKEN=agent["token"],
    )
    caller = subprocess.run(
        [sys.executable, "-c", SDK_CALLER],
        env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert caller.returncode == 0, caller.stderr
    assert caller.stdout.strip() == "arn:aws:sts::111111111111:assumed-role/Admin/tester"
    served = re.compile(r"prod-admin .*\b(now|\ds ago)")
    detail = "served to background callers, last at"  # the panel may wrap it: compared word by word

    screen = terminal.wait_for(
        lambda s: served.search(s) is not None and detail in " ".join(s.split()),
        "the highlighted prod-admin to show as served, in its row and its details",
    )
    assert agent["token"] not in screen
    terminal.wait_for(lambda s: re.search(r"prod-admin .*\b[1-9]s ago", s) is not None, "later ticks")
    assert terminal.running() and "Traceback" not in terminal.screen()
    terminal.send("q")
    terminal.wait_until_closed()


@pytest.mark.parametrize("end", ["SIGTERM", "terminal closed"])
def test_the_agent_file_goes_when_the_tui_is_ended(home: Home, hung_sts: FaultServer, end: str) -> None:
    """Even with a worker stuck in a call to an STS that never answers."""
    tui = Tui(home, env={"AWS_ENDPOINT_URL_STS": hung_sts.url})
    agent_file = home.cache / "agent.json"
    tui.terminal.wait_for(lambda s: SERVING.search(s) is not None and agent_file.exists(), "the TUI to serve")
    tui.terminal.send("Enter")
    tui.terminal.wait_for(lambda _: hung_sts.count >= 2, "the assume to reach STS")
    if end == "SIGTERM":
        os.kill(tui.pid, signal.SIGTERM)
    else:
        tui.terminal.close()
    wait_gone(tui.pid)
    tui.terminal.close()
    assert not agent_file.exists()


def test_no_serve_opens_the_tui_without_an_agent(home: Home) -> None:
    term = Terminal(home.root)
    term.start([sys.executable, "-m", "stsui", "--no-serve"], home.env)
    try:
        term.wait_for_text("arn:aws:sts::")  # the first STS answer is in: well after serving would start
        assert "serving" not in term.screen()
        assert not (home.cache / "agent.json").exists()
        term.send("q")
        term.wait_until_closed()
    finally:
        term.close()
