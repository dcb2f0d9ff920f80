"""The TUI's login never opens a sign-in page that is not AWS's: it shows it, with why, for the user to
check (the rig and the fake Identity Center are test_sso.py's)."""

from __future__ import annotations

from stsui.tui.screens.sso import SsoLoginScreen
from tests.tui.conftest import SECRET_MARK, Recorder, wait_until
from tests.tui.test_sso import SIZE, sso_rig

__all__ = ["sso_rig"]


async def test_a_page_outside_aws_is_shown_with_a_warning_not_opened(sso_rig) -> None:  # type: ignore[no-untyped-def]
    rig, fake, opened = sso_rig
    fake.page = "https://device.sso.eu-west-1.amazonaws.com.evil.example/"
    recorder = Recorder()
    app = rig.app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await pilot.press("l")
        try:
            await wait_until(pilot, lambda: recorder.notified("so stsui did not open it"))
            assert opened == []
            hint = str(app.screen.query_one("#sso-hint").render())
            assert "device.sso.eu-west-1.amazonaws.com.evil.example" in hint
            (warning,) = [n for n in recorder.notifications if n.title == "Not opened"]
            assert "goes to device.sso.eu-west-1.amazonaws.com.evil.example, not to amazon" in warning.message
            assert "WXYZ-1234" in str(app.screen.query_one("#sso-code").render())
            assert "user_code" not in hint + warning.message and SECRET_MARK not in hint + warning.message
        finally:
            fake.approved.set()  # approved by hand: the login goes on (and never polls on after a failure)
        await wait_until(pilot, lambda: recorder.notified("Logged in to IAM Identity Center 'work'"))
        assert not isinstance(app.screen, SsoLoginScreen) and opened == []
