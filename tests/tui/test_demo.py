"""`stsui demo`: its throwaway environment, the app against moto's STS, and the real program in tmux."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from stsui.cli.demo import demo_engine, demo_environment
from stsui.tui.app import StsuiApp
from stsui.tui.messages import IdentityFetched, SessionStarted
from stsui.tui.screens.confirm import ConfirmScreen
from stsui.tui.screens.mfa import MfaScreen
from tests.support.fake_browser import page_url_destination
from tests.tui.conftest import Recorder, wait_until


def test_demo_environment_points_everything_at_a_temporary_home_and_cleans_up() -> None:
    before = dict(os.environ)
    with demo_environment() as demo:
        assert os.environ["AWS_SHARED_CREDENTIALS_FILE"] == str(demo.credentials)
        assert os.environ["AWS_ENDPOINT_URL_STS"].startswith("http://127.0.0.1:")
        assert os.environ["HOME"] == str(demo.root / "home")
        assert os.environ["STSUI_CONFIG"] == str(demo.roles)
        assert os.environ["XDG_STATE_HOME"].startswith(str(demo.root))  # never the user's pins and history
        assert demo.credentials.read_text().startswith("# stsui demo")
        engine = demo_engine(demo)
        roles = engine.config.roles
        assert {role.group for role in roles.values()} == {"prod", "staging", "dev"}
        assert any(role.mfa_serial for role in roles.values())
        assert any(role.source_role for role in roles.values())
        root = demo.root
    assert dict(os.environ) == before
    assert not root.exists()


async def test_the_app_assumes_roles_against_the_demo_sts() -> None:
    with demo_environment() as demo:
        engine = demo_engine(demo)
        recorder = Recorder()
        app = StsuiApp(engine, tick_every=None)
        async with app.run_test(size=(120, 34), message_hook=recorder) as pilot:
            await wait_until(pilot, lambda: recorder.of(IdentityFetched))
            app.roles.table.go_to("prod-deploy")  # chained through prod-admin
            await pilot.press("enter")
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))  # production asks first
            await pilot.press("y")
            await wait_until(pilot, lambda: recorder.of(SessionStarted))
            app.roles.table.go_to("security-audit")
            await pilot.press("enter")
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            await pilot.press("enter")
            await wait_until(pilot, lambda: isinstance(app.screen, MfaScreen))
            await pilot.press(*"123456", "enter")  # moto accepts any code
            await wait_until(pilot, lambda: len(recorder.of(SessionStarted)) == 2)
        entries = engine.entries()
        assert entries["prod-deploy"].owner_role == "prod-deploy"
        assert entries["security-audit"].owner_role == "security-audit"
        assert "assumed-role/Deployer/demo" in (entries["prod-deploy"].principal_arn or "")


async def test_the_console_key_opens_a_local_page_in_the_demo_never_aws() -> None:
    """moto's sessions would be refused by AWS's sign-in: the demo answers `o` itself, the way the federation
    endpoint does (a token for the session's JSON, then a login that takes that token once)."""
    import urllib.error
    import urllib.parse
    import urllib.request

    with demo_environment() as demo:
        engine = demo_engine(demo)
        opened: list[str] = []
        app = StsuiApp(engine, tick_every=None)
        app.open_url = lambda url, *, new_tab=True: opened.append(url)  # type: ignore[method-assign]
        async with app.run_test(size=(120, 34)) as pilot:
            app.roles.table.go_to("prod-admin")
            await pilot.press("o")
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            await pilot.press("y")
            await wait_until(pilot, lambda: bool(opened))
        (page,) = opened
        url = page_url_destination(page)  # the private page the browser gets leads to the demo's login
        parts = urllib.parse.urlsplit(url)
        assert (parts.hostname, parts.path) == ("127.0.0.1", "/federation")
        fields = dict(urllib.parse.parse_qsl(parts.query))
        assert fields["Action"] == "login" and "console.aws.amazon.com" in fields["Destination"]
        with urllib.request.urlopen(url, timeout=5) as page:
            text = page.read().decode()
        assert "stsui demo" in text and "console.aws.amazon.com" in text
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(url, timeout=5)  # the token was used
        forged = url.replace(fields["SigninToken"], "forged")
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(forged, timeout=5)


def _screen(session: str) -> str:
    return subprocess.run(
        ["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True, check=False
    ).stdout


def _wait_for(session: str, text: str, timeout: float = 20) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        screen = _screen(session)
        if text in screen:
            return screen
        time.sleep(0.1)  # a real terminal: polling its screen is the only way to know
    raise AssertionError(f"{text!r} never appeared on screen:\n{_screen(session)}")


@pytest.mark.e2e
@pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")
def test_stsui_demo_in_a_real_terminal(tmp_path: Path) -> None:
    stsui = Path(sys.executable).with_name("stsui")
    if not stsui.exists():
        pytest.skip("the stsui console script is not installed in this environment")
    session = f"stsui-demo-{os.getpid()}"
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "34", f"{stsui} demo"],
        check=True,
        env={**os.environ, "TERM": "xterm-256color"},
    )
    try:
        _wait_for(session, "dev-billing")
        _wait_for(session, "user/moto")  # the base identity, fetched after the first paint
        subprocess.run(["tmux", "send-keys", "-t", session, "Enter"], check=True)
        _wait_for(session, "Assume role 'prod-admin' (account 111111111111)?")  # production asks first
        subprocess.run(["tmux", "send-keys", "-t", session, "y"], check=True)
        screen = _wait_for(session, "Assumed prod-admin")
        assert "active" in next(line for line in screen.splitlines() if "prod-admin" in line)
        subprocess.run(["tmux", "send-keys", "-t", session, "q"], check=True)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            alive = subprocess.run(["tmux", "has-session", "-t", session], capture_output=True, check=False)
            if alive.returncode != 0:
                break
            time.sleep(0.1)
        else:
            raise AssertionError("stsui demo did not quit on q")
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True, check=False)
