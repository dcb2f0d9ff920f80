"""The real `stsui` in a real terminal (tmux) against moto: what a user sees and what lands on disk."""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Callable, Iterator

import pytest

from stsui.store.credentials_file import CredentialsFile
from tests.support.home import USER_CREDENTIALS, Home
from tests.support.tmux import Terminal

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

COUNTDOWN = re.compile(r"prod-admin .*\sactive\s+(\d\d:\d\d)")


@pytest.fixture
def terminal(home: Home) -> Iterator[Terminal]:
    term = Terminal(home.root)
    term.start([sys.executable, "-m", "stsui"], home.env)
    yield term
    term.close()


def is_active(role: str) -> Callable[[str], bool]:
    """The role's row says active (not inactive)."""
    pattern = re.compile(rf"{re.escape(role)}\s.*\sactive\s")
    return lambda screen: pattern.search(screen) is not None


def countdown(screen: str) -> str | None:
    match = COUNTDOWN.search(screen)
    return match.group(1) if match else None


def test_assume_with_enter_then_watch_and_quit(home: Home, terminal: Terminal) -> None:
    screen = terminal.wait_for_text("prod-admin")
    assert "staging-ro" in screen and "inactive" in screen

    terminal.send("Enter")  # the first row, prod-admin, is highlighted
    screen = terminal.wait_for(lambda s: countdown(s) is not None, "prod-admin to become active")
    entry = CredentialsFile(home.credentials).read()["prod-admin"]
    assert entry.owner_role == "prod-admin"
    assert entry.principal_arn == "arn:aws:sts::111111111111:assumed-role/Admin/tester"
    assert home.credentials.read_text().startswith(USER_CREDENTIALS)

    first = countdown(screen)
    terminal.wait_for(lambda s: countdown(s) not in (None, first), "the countdown to move")
    terminal.wait_for_text("assumed-role/Admin/tester")

    terminal.send("q")
    terminal.wait_until_closed()


def test_mfa_modal_assumes_with_a_typed_code(home: Home, terminal: Terminal) -> None:
    terminal.wait_for_text("mfa-ops")
    terminal.send("Down", "Down", "Enter")
    terminal.wait_for_text("MFA code")
    terminal.send("123456", "Enter")
    terminal.wait_for(is_active("mfa-ops"), "mfa-ops to become active")
    assert CredentialsFile(home.credentials).read()["mfa-ops"].owner_role == "mfa-ops"
    # the second role of the same device needs no code: the MFA session is cached
    terminal.send("Down", "Enter")
    terminal.wait_for(is_active("mfa-audit"), "mfa-audit to become active")
    assert "MFA code" not in terminal.screen()


def test_filter_then_enter_assumes_the_top_match(home: Home, terminal: Terminal) -> None:
    terminal.wait_for_text("prod-admin")
    terminal.send("/")
    terminal.send("-l", "stgro")  # typed at once, as a fast typist would: no key may be lost
    terminal.wait_for(lambda s: "staging-ro" in s and "prod-admin" not in s.split("\n", 3)[-1], "the filter")
    terminal.send("Enter")
    terminal.wait_for(is_active("staging-ro"), "staging-ro to become active")
    assert CredentialsFile(home.credentials).read()["staging-ro"].owner_role == "staging-ro"


def test_a_due_session_is_renewed_by_the_running_tui(home: Home) -> None:
    """A session found in the file falls due (a 1 s window here) and the TUI renews it without a keypress."""
    home.roles.write_text(
        '[defaults]\nsource_profile = "default"\nsession_name = "tester"\n\n'
        '[roles.short]\nrole_arn = "arn:aws:iam::111111111111:role/Short"\n'
        'duration = 900\nrefresh_before = "899s"\n'
    )
    assert home.run("assume", "short").returncode == 0
    store = CredentialsFile(home.credentials)
    first = store.read_session("short", "short")
    assert first is not None
    first_key = first.credentials.access_key_id
    term = Terminal(home.root)
    term.start([sys.executable, "-m", "stsui"], home.env)
    try:
        term.wait_for_text("short")

        def renewed(_: str) -> bool:
            session = store.read_session("short", "short")
            return session is not None and session.credentials.access_key_id != first_key

        term.wait_for(renewed, "the TUI to renew the due session")
        assert store.read()["short"].owner_role == "short"
    finally:
        term.close()


def test_an_exec_child_owns_the_terminal(home: Home) -> None:
    """`stsui exec` hands the child the terminal: it reads what the user types."""
    term = Terminal(home.root)
    child = "import os; print('tty', os.isatty(0)); print('got', input('name? ')); input()"  # then waits
    term.start(
        [sys.executable, "-m", "stsui", "exec", "prod-admin", "--", sys.executable, "-c", child], home.env
    )
    try:
        term.wait_for_text("name?")
        assert "tty True" in term.screen()
        term.send("alice", "Enter")
        term.wait_for_text("got alice")
        term.send("Enter")
        term.wait_until_closed()
    finally:
        term.close()


def test_twenty_thousand_roles_from_the_cache_in_a_real_terminal(home: Home) -> None:
    """The real program with a large roles file: `assume` validates and caches it; the TUI then paints from
    the cache, knows the session of a role far down the list, and the filter finds that role."""
    count = 20_000
    home.roles.write_text(
        '[defaults]\nsource_profile = "default"\nregion = "eu-west-1"\nsession_name = "tester"\n'
        + "".join(
            f'[roles.role-{i:05d}]\nrole_arn = "arn:aws:iam::{100000000000 + i}:role/R{i}"\n'
            for i in range(count)
        ),
        encoding="utf-8",
    )
    done = home.run("assume", "role-19999")
    assert done.returncode == 0, done.stderr
    assert list((home.cache / "roles").glob("*.validated")), "the validated roles were not cached"
    term = Terminal(home.root)
    try:
        term.start([sys.executable, "-m", "stsui", "--no-serve"], home.env)
        term.wait_for_text("role-00000")
        term.send("/")
        term.send("-l", "19999")
        first_row = re.compile(r"role-00000\s+100000000000")  # its row, not the details panel naming it
        term.wait_for(
            lambda screen: is_active("role-19999")(screen) and first_row.search(screen) is None,
            "role-19999, active, alone in the filtered table",
        )
        term.send("Escape")  # clears the filter: every role again, role-19999 first (taken lately)
        term.wait_for(
            lambda screen: re.search(r"role-19999 .*\n.*role-00000 ", screen) is not None, "the roles"
        )
        term.send("t")  # file order: still at role-19999, now far down among its neighbours
        term.wait_for_text("role-19998")
        term.send("q")
        term.wait_until_closed()
    finally:
        term.close()
