"""The TUI as a daily driver, the real program in a real terminal (tmux) against moto through a proxy that
counts the STS calls: pins and order survive a restart, a `confirm` role asks in the TUI and in `sts`, and
three marked rows are assumed with one MFA prompt."""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Iterator

import pytest

from stsui.store.credentials_file import CredentialsFile
from tests.e2e.test_shell_tmux import start_shell
from tests.support.counting_proxy import CountingProxy, counting_proxy
from tests.support.home import Home
from tests.support.tmux import Terminal

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is missing")]

ROLES = """\
[defaults]
source_profile = "default"
region = "eu-west-1"
session_name = "tester"

[groups.prod]
color = "red"
confirm = true

[roles.prod-admin]
role_arn = "arn:aws:iam::111111111111:role/Admin"
group = "prod"

[roles.staging-ro]
role_arn = "arn:aws:iam::222222222222:role/ReadOnly"
group = "staging"

[roles.mfa-ops]
role_arn = "arn:aws:iam::333333333333:role/Ops"
mfa_serial = "arn:aws:iam::999999999999:mfa/tester"

[roles.mfa-audit]
role_arn = "arn:aws:iam::444444444444:role/Audit"
mfa_serial = "arn:aws:iam::999999999999:mfa/tester"

[roles.mfa-deploy]
role_arn = "arn:aws:iam::555555555555:role/Deploy"
mfa_serial = "arn:aws:iam::999999999999:mfa/tester"
"""


@pytest.fixture
def proxy(home: Home) -> Iterator[CountingProxy]:
    home.roles.write_text(ROLES)
    with counting_proxy(home.env["AWS_ENDPOINT_URL_STS"]) as started:
        home.env["AWS_ENDPOINT_URL_STS"] = started.url
        yield started


@pytest.fixture
def tui(home: Home, proxy: CountingProxy) -> Iterator[Terminal]:
    term = Terminal(home.root)
    term.start([sys.executable, "-m", "stsui", "--no-serve"], home.env)
    term.wait_for_text("prod-admin")
    yield term
    term.close()


def table_rows(screen: str) -> list[str]:
    """The role names of the table, top to bottom."""
    names = ("prod-admin", "staging-ro", "mfa-ops", "mfa-audit", "mfa-deploy")
    found = []
    for line in screen.splitlines():
        match = re.match(r"^\S?\s*[✓⚑ ]{0,2}\s*(\S+)\s+\d{12}\s", line)
        if match and match.group(1) in names:
            found.append(match.group(1))
    return found


def test_pins_and_the_order_survive_a_restart(home: Home, tui: Terminal) -> None:
    screen = tui.wait_for_text("recent first")
    assert table_rows(screen)[:2] == ["prod-admin", "staging-ro"]
    tui.send("Down", "Down", "Down")  # mfa-audit
    tui.send("p")
    tui.wait_for(lambda s: table_rows(s)[:1] == ["mfa-audit"], "mfa-audit pinned to the top")
    assert "⚑" in tui.screen()
    tui.send("q")
    tui.wait_until_closed()
    again = Terminal(home.root)
    try:
        again.start([sys.executable, "-m", "stsui", "--no-serve"], home.env)
        screen = again.wait_for(lambda s: bool(table_rows(s)), "the table")
        assert table_rows(screen)[0] == "mfa-audit"
        again.send("t")
        screen = again.wait_for_text("file order")
        assert table_rows(screen)[:2] == ["prod-admin", "staging-ro"]
        again.send("q")
        again.wait_until_closed()
    finally:
        again.close()
    final = Terminal(home.root)
    try:
        final.start([sys.executable, "-m", "stsui", "--no-serve"], home.env)
        screen = final.wait_for_text("file order")  # the order chosen is kept too
        assert table_rows(screen)[0] == "prod-admin"
    finally:
        final.close()


def test_a_confirm_role_asks_in_the_tui(home: Home, tui: Terminal, proxy: CountingProxy) -> None:
    tui.send("Enter")  # prod-admin, the top row
    tui.wait_for_text("Assume role 'prod-admin' (account 111111111111)?")
    tui.send("n")
    tui.wait_for(lambda s: "Assume role 'prod-admin'" not in s, "the dialog to close")
    assert proxy.count("AssumeRole") == 0
    tui.send("Enter")
    tui.wait_for_text("Assume role 'prod-admin'")
    tui.send("y")
    tui.wait_for(lambda s: re.search(r"prod-admin\s.*\sactive\s", s) is not None, "prod-admin to be active")
    assert proxy.count("AssumeRole") == 1


def test_space_on_three_rows_then_enter_assumes_all_three_with_one_mfa_prompt(
    home: Home, tui: Terminal, proxy: CountingProxy
) -> None:
    tui.send("Down", "Down")  # mfa-ops
    for _ in range(3):
        tui.send("Space", "Down")
    tui.wait_for(lambda s: s.count("✓") == 3, "three marks")
    tui.send("Enter")
    tui.wait_for_text("MFA code to assume 3 marked roles")
    tui.send("-l", "123456")
    tui.send("Enter")
    tui.wait_for_text("Assumed 3 of 3 roles.")
    assert proxy.count("GetSessionToken") == 1
    assert proxy.count("AssumeRole") == 3
    entries = CredentialsFile(home.credentials).read()
    assert {entries[name].owner_role for name in ("mfa-ops", "mfa-audit", "mfa-deploy")} == {
        "mfa-ops",
        "mfa-audit",
        "mfa-deploy",
    }
    assert "MFA code" not in tui.screen()


def test_a_confirm_role_asks_in_sts(home: Home, proxy: CountingProxy) -> None:
    with start_shell(home, "bash") as shell:
        shell.run("sts prod-admin")
        shell.term.wait_for_text("Use in this shell role 'prod-admin' (account 111111111111)? [y/N]")
        shell.term.send("-l", "n")
        shell.term.send("Enter")
        shell.term.wait_for_text("not confirmed")
        assert shell.state() == "profile=- role=- keys=no region=-"
        assert proxy.count("AssumeRole") == 0
        shell.run("sts prod-admin")
        shell.term.wait_for(lambda s: s.count("[y/N]") == 2, "the question again")
        shell.term.send("-l", "y")
        shell.term.send("Enter")
        assert shell.state() == "profile=prod-admin role=prod-admin keys=no region=eu-west-1"
        assert proxy.count("AssumeRole") == 1
        shell.run("sts --region us-west-2 staging-ro")  # no confirm: no question
        assert shell.state() == "profile=staging-ro role=staging-ro keys=no region=us-west-2"
