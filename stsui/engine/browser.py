"""Opening a console login link as `console_open` says (`stsui.domain.console_open`), for `stsui console` and
the TUI's `o`.

The link is a bearer secret for 15 minutes, and every local user can read a program's command line: each
mode hands the browser the private page of `stsui.store.sign_in_page` (which leads to the link, or to the
Firefox add-on's `ext+container:` URL that wraps it), never the link. Programs are started without a shell,
detached from the terminal (a TUI's screen stays its own), and no error names the page or the link.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence

from stsui.domain.console_open import (
    CHROME_PROFILE,
    DEFAULT,
    FIREFOX_CONTAINER,
    container_url,
    template_command,
)
from stsui.domain.errors import StsuiError
from stsui.domain.paths import browser_profiles_dir
from stsui.store.atomic import private_dir
from stsui.store.sign_in_page import SignInPage, hand_over

FIREFOX = ("firefox", "firefox-esr", "/Applications/Firefox.app/Contents/MacOS/firefox")
CHROMIUM = (
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
)


def open_console(link: str, *, mode: str, name: str, color: str | None, who: str) -> None:
    """Open the login `link` for `who` (e.g. "role 'prod'") as `mode` says; `name` names the role's
    container or profile and fills `{role}`. StsuiError, one sentence without the link, when nothing
    could be started."""
    if mode == FIREFOX_CONTAINER:
        program = _program(FIREFOX, "Firefox", who)
        page = hand_over(container_url(name, link, color))
        _start(page, [program, "--new-tab", page.url], who)
    elif mode == CHROME_PROFILE:
        program = _program(CHROMIUM, "Chromium or Chrome", who)
        profile = browser_profiles_dir() / name
        private_dir(profile.parent)
        private_dir(profile)
        page = hand_over(link)
        flags = [f"--user-data-dir={profile}", "--no-first-run", "--no-default-browser-check"]
        _start(page, [program, *flags, page.url], who)
    elif mode == DEFAULT:
        _webbrowser(hand_over(link), who)
    else:
        page = hand_over(link)
        _start(page, template_command(mode, url=page.url, role=name), who)


def _program(candidates: Sequence[str], what: str, who: str) -> str:
    for candidate in candidates:
        found = shutil.which(candidate) if not os.path.isabs(candidate) else candidate
        if found and os.access(found, os.X_OK):
            return found
    raise StsuiError(
        f"No {what} to open the console of {who} in: install it, set console_open to another way, or run "
        "'stsui console --print' and open the link yourself (it signs in for 15 minutes)."
    )


def _start(page: SignInPage, command: list[str], who: str) -> None:
    """Start `command` detached (its own session, no terminal); the page goes when it cannot start."""
    try:
        subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            close_fds=True,
        )
    except OSError as error:
        page.remove()
        raise StsuiError(
            f"Cannot start {os.path.basename(command[0])} for the console of {who} "
            f"({error.strerror or type(error).__name__}); check console_open, or run 'stsui console --print'."
        ) from None


def _webbrowser(page: SignInPage, who: str) -> None:
    import webbrowser  # honours $BROWSER

    try:
        opened = webbrowser.open(page.url, new=2)
    except webbrowser.Error:
        opened = False
    if not opened:
        page.remove()
        raise StsuiError(
            f"No browser could be opened for the console of {who}; set BROWSER, or run "
            "'stsui console --print' and open the link yourself (it signs in for 15 minutes)."
        )
