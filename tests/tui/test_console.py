"""`o` and "Open console: <role>": the console opens through `App.open_url` as the right role, with AWS's
SessionDuration rule; the notification says whose, where and how long; the link is never on screen."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from stsui.domain.errors import StsError
from stsui.domain.paths import runtime_dir
from stsui.tui.app import StsuiApp
from stsui.tui.messages import ConsoleReady
from stsui.tui.screens.mfa import MfaScreen
from tests.support.clock import real_ns
from tests.support.fake_browser import page_url_destination
from tests.tui.conftest import SECRET_MARK, Recorder, Rig, wait_until

SIZE = (120, 34)


def opener(app: StsuiApp) -> list[str]:
    """Replace the browser with a list of the URLs the app asked to open."""
    opened: list[str] = []
    app.open_url = lambda url, *, new_tab=True: opened.append(url)  # type: ignore[method-assign]
    return opened


def assert_never_shown(app: StsuiApp, recorder: Recorder) -> None:
    shown = [n.message + n.title for n in recorder.notifications] + [app.export_screenshot()]
    for text in shown:
        assert SECRET_MARK not in text and "federation" not in text and "SigninToken" not in text


async def test_o_assumes_then_opens_the_console_and_says_for_how_long(rig: Rig) -> None:
    app = rig.app()
    opened = opener(app)
    recorder = Recorder()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await pilot.press("o")  # prod-admin is highlighted, and has no session yet
        await wait_until(pilot, lambda: opened)
        assert rig.gateway.count("assume_role", "prod-admin") == 1
        (url,) = opened  # a terminal's browser gets a private page: its command line is public
        assert url.startswith("file://") and SECRET_MARK not in url
        link = page_url_destination(url)
        assert link.startswith("https://signin.aws.amazon.com/federation?Action=login")
        assert "region%3Deu-west-1" in link and f"{SECRET_MARK}-signin" in link
        assert rig.gateway.console_durations == [3600]  # long-term source keys: sent, capped by the session
        assert recorder.notified("AWS console for role 'prod-admin' in eu-west-1: signed in for 1h")
        assert rig.credentials.read()["prod-admin"].owner_role == "prod-admin"
        assert_never_shown(app, recorder)


async def test_served_to_a_browser_the_link_goes_to_that_browser(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`stsui serve`-style web mode: `open_url` hands the link to the user's browser over the connection,
    no program is started here, so no page is written."""
    monkeypatch.setattr(StsuiApp, "is_web", property(lambda self: True))
    app = rig.app()
    opened = opener(app)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("o")
        await wait_until(pilot, lambda: opened)
        (url,) = opened
        assert url.startswith("https://signin.aws.amazon.com/federation?Action=login")
        assert list(runtime_dir().glob("sign-in-*")) == []


async def test_quitting_removes_the_pages_whose_link_expired(rig: Rig) -> None:
    """A page older than the link's 15 minutes goes when the TUI quits; a younger one stays for a browser
    that may not have read it yet."""
    app = rig.app()
    opened = opener(app)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("o")
        await wait_until(pilot, lambda: opened)
        (young,) = runtime_dir().glob("sign-in-*")
        old = young.with_name("sign-in-0ld.html")
        old.write_text("expired")
        then = real_ns() / 1e9 - 16 * 60  # file times are on the wall clock
        os.utime(old, (then, then))
    assert list(runtime_dir().glob("sign-in-*")) == [young]


async def test_o_reuses_a_live_session(rig: Rig) -> None:
    session = rig.start_session("prod-admin")
    rig.clock.step(600)
    app = rig.app()
    opened = opener(app)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("o")
        await wait_until(pilot, lambda: opened)
        assert rig.gateway.count("assume_role") == 0
        assert rig.gateway.count("console_login_url", session.credentials.access_key_id) == 1
        assert rig.gateway.console_durations == [3000]


async def test_a_chained_role_leaves_session_duration_out_and_says_why(rig: Rig) -> None:
    app = rig.app()
    opened = opener(app)
    recorder = Recorder()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        app.roles.table.go_to("chained")
        await pilot.press("o")
        await wait_until(pilot, lambda: opened)
        assert rig.gateway.console_durations == [None]
        assert recorder.notified("a chained role's console ends with its session")
        assert_never_shown(app, recorder)


async def test_an_mfa_role_asks_for_the_code_then_opens_without_session_duration(rig: Rig) -> None:
    app = rig.app()
    opened = opener(app)
    recorder = Recorder()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        app.roles.table.go_to("mfa-ops")
        await pilot.press("o")
        await wait_until(pilot, lambda: isinstance(app.screen, MfaScreen))
        assert rig.gateway.count("console_login_url") == 0
        await pilot.press(*"123456", "enter")
        await wait_until(pilot, lambda: opened)
        assert rig.gateway.count("get_session_token", "123456") == 1
        assert rig.gateway.console_durations == [None]
        assert recorder.notified("AWS console for role 'mfa-ops'")
        assert_never_shown(app, recorder)


async def test_a_refused_sign_in_is_one_error_and_opens_nothing(rig: Rig) -> None:
    rig.gateway.failures["console"] = StsError(
        "The console sign-in for role 'prod-admin' failed: signin.aws.amazon.com answered HTTP 400; renew.",
        "HTTP400",
    )
    app = rig.app()
    opened = opener(app)
    recorder = Recorder()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await pilot.press("o")
        await wait_until(pilot, lambda: recorder.notified("answered HTTP 400"))
        assert opened == [] and not recorder.of(ConsoleReady)
        (error,) = [n for n in recorder.notifications if n.severity == "error"]
        assert "prod-admin" in error.title and "HTTP400" in error.title


@pytest.mark.parametrize("query", ["Open console: staging-deploy", "console stagdep"])
async def test_the_palette_opens_any_roles_console(rig: Rig, query: str) -> None:
    from stsui.tui.commands import StsuiCommands

    app = rig.app()
    opened = opener(app)
    async with app.run_test(size=SIZE) as pilot:
        provider = StsuiCommands(app.screen)
        discovered = [hit.text async for hit in provider.discover()]
        for role in rig.engine.config.roles:
            assert discovered.count(f"Open console: {role}") == 1
        hits = [hit async for hit in provider.search(query)]
        consoles = [hit for hit in hits if hit.text and hit.text.startswith("Open console: ")]
        assert consoles[0].text == "Open console: staging-deploy"
        consoles[0].command()
        await wait_until(pilot, lambda: opened)
        assert rig.gateway.count("assume_role", "staging-deploy") == 1
        assert rig.gateway.count("console_login_url") == 1


async def test_o_is_in_the_help_screen(rig: Rig) -> None:
    from stsui.tui.screens.help import HelpScreen

    app = rig.app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert ("o", "Open the highlighted role's AWS console in the browser") in app.screen.keys


async def test_a_role_with_console_open_gets_its_browser_started_through_the_private_page(
    isolated_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`console_open = "firefox-container"`: the worker starts Firefox (a fake on PATH) with the private page,
    which leads to the add-on's container URL; `App.open_url` is not used, and the link is never shown."""
    import asyncio
    import time
    import urllib.parse

    from tests.support.fake_browser import FakeBrowser, page_destination
    from tests.tui.conftest import ROLES, build_rig

    (tmp_path / "ff").mkdir()
    firefox = FakeBrowser(tmp_path / "ff")
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "firefox").symlink_to(firefox.path)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}/usr/bin{os.pathsep}/bin")
    roles = ROLES.replace("[roles.prod-admin]\n", '[roles.prod-admin]\nconsole_open = "firefox-container"\n')
    rig = build_rig(isolated_home, roles)
    app = rig.app()
    opened = opener(app)
    recorder = Recorder()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await pilot.press("o")
        await wait_until(pilot, lambda: recorder.notified("AWS console for role 'prod-admin'"))
        deadline = time.monotonic() + 30
        while not firefox.ran():  # a real process, started detached: wait for what it records
            assert time.monotonic() < deadline, "Firefox was never started"
            await asyncio.sleep(0.05)
        assert opened == []
        assert_never_shown(app, recorder)
    record = firefox.opened()
    assert record.page is not None and SECRET_MARK not in record.public
    container = page_destination(str(record.page["text"]))
    fields = urllib.parse.parse_qs(container.removeprefix("ext+container:"), strict_parsing=True)
    assert fields["name"] == ["prod-admin"] and f"{SECRET_MARK}-signin" in fields["url"][0]
