"""`o` in the real TUI (tmux) against moto and the fake federation endpoint: the browser gets the link, the
screen never shows it."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from tests.support.fake_browser import FakeBrowser, page_destination
from tests.support.fake_signin import TOKEN, fake_signin
from tests.support.home import Home
from tests.support.tmux import Terminal

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


def test_o_opens_the_console_in_the_browser_and_never_shows_the_link(home: Home, tmp_path: Path) -> None:
    """The browser is started with a private page's URL, never the link (its command line is public), and
    the page leads to the link; the screen shows neither."""
    browser = FakeBrowser(tmp_path)
    with fake_signin() as fake:
        terminal = Terminal(home.root)
        try:
            terminal.start(
                [sys.executable, "-m", "stsui"],
                {**home.env, "STSUI_SIGNIN_URL": fake.url, "BROWSER": str(browser.path)},
            )
            terminal.wait_for_text("prod-admin")
            terminal.send("o")  # the first row, prod-admin, is highlighted
            screen = terminal.wait_for_text("AWS console for role 'prod-admin'")
            assert "eu-west-1" in screen
            terminal.wait_for(lambda _: browser.ran(), "the browser to be started")
            opened = browser.opened()
            assert TOKEN not in opened.public and "SigninToken" not in opened.public
            assert opened.page is not None and opened.argv[1].startswith("file://")
            link = page_destination(str(opened.page["text"]))
            assert link.startswith(fake.url + "?Action=login") and TOKEN in link
            for shown in (screen, terminal.screen()):
                assert TOKEN not in shown and "SigninToken" not in shown and "federation?" not in shown
            (asked,) = fake.asked
            assert asked.session["sessionKey"] not in terminal.screen()
        finally:
            terminal.close()
