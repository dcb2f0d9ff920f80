"""A new user and IAM Identity Center, in a real terminal: the real `stsui` against the fake Identity Center
and moto. Nothing is discovered before the first login; `l` shows the code, the first login discovers the
roles, and one is found with the filter and assumed with Enter."""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Iterator

import pytest

from tests.support.home import Home
from tests.support.sso_fake import SsoFake
from tests.support.tmux import Terminal

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

SSO = '\n[sso.work]\nstart_url = "https://my-org.awsapps.com/start"\nregion = "eu-west-1"\n'


@pytest.fixture
def terminal(home: Home, sso_fake: SsoFake) -> Iterator[Terminal]:
    home.roles.write_text(home.roles.read_text() + SSO)
    browser = home.root / "browser"
    browser.write_text(f'#!/bin/sh\nprintf "%s\\n" "$1" >> {home.root / "opened"}\n')
    browser.chmod(0o755)
    sso_fake.add_accounts(2)
    sso_fake.state.interval = 1
    sso_fake.state.device_script = ["pending"]
    env = {
        **home.env,
        "AWS_ENDPOINT_URL_SSO": sso_fake.url,
        "AWS_ENDPOINT_URL_SSO_OIDC": sso_fake.url,
        "BROWSER": str(browser),
    }
    term = Terminal(home.root, width=150)
    term.start([sys.executable, "-m", "stsui"], env)
    yield term
    term.close()


def test_log_in_sync_and_assume_in_the_tui(home: Home, sso_fake: SsoFake, terminal: Terminal) -> None:
    terminal.wait_for_text("prod-admin")
    terminal.send("l")  # the only instance: no role of it needs highlighting
    screen = terminal.wait_for(
        lambda s: re.search(r"Code: [0-9A-F]{4}-[0-9A-F]{4}", s) is not None, "the code"
    )
    code = re.search(r"Code: ([0-9A-F]{4}-[0-9A-F]{4})", screen).group(1)  # type: ignore[union-attr]
    terminal.wait_for_text("work: 6 roles")  # approved: the first login discovers the roles
    assert (home.root / "opened").read_text().strip().endswith(f"user_code={code}")
    terminal.send("/")
    terminal.send("acct-001.ReadOnly")
    terminal.send("Enter")
    screen = terminal.wait_for(
        lambda s: re.search(r"acct-001\.ReadOnly\s.*\sactive\s", s) is not None,
        "the discovered role to be active",
    )
    assert "work/acct-001" in screen or "acct-001" in screen
    assert sso_fake.count("GetRoleCredentials") == 1
    for secret in sso_fake.state.secrets:
        assert secret not in screen
    assert "x_stsui_role = acct-001.ReadOnly" in home.credentials.read_text()
    terminal.send("q")
    terminal.wait_until_closed()
