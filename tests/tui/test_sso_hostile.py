"""A hostile Identity Center in the TUI: a sign-in page that is not AWS's is shown with why, never opened;
accounts and roles that are not AWS's own shapes are dropped and said once (the rig and the fake Identity
Center are test_sso.py's)."""

from __future__ import annotations

from datetime import timedelta

from stsui.domain.sso import SsoToken
from stsui.tui.screens.sso import SsoLoginScreen
from tests.tui.conftest import SECRET_MARK, Recorder, wait_until
from tests.tui.test_sso import SIZE, sso_rig

__all__ = ["sso_rig"]
START_URL = "https://my-org.awsapps.com/start"


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


async def test_a_sync_says_once_what_it_dropped(sso_rig) -> None:  # type: ignore[no-untyped-def]
    rig, fake, _opened = sso_rig
    fake.accounts["../../../victim/settings"] = ("!!!", ["???"])
    fake.accounts["444455556666"] = ("shared", ["Dev", "../Dev"])
    rig.engine.sso.tokens.put(
        "work", SsoToken(START_URL, "eu-west-1", f"{SECRET_MARK}-access", rig.clock() + timedelta(hours=8))
    )
    recorder = Recorder()
    app = rig.app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await pilot.press("s")
        await wait_until(pilot, lambda: recorder.notified("work: 3 roles"))
        dropped = [n.message for n in recorder.notifications if "does not use" in n.message]
        assert dropped == [
            "IAM Identity Center 'work' answered 2 accounts or roles that stsui does not use: each needs a "
            "12-digit AWS account id and a permission set name of 1-64 letters, digits and _+=,.@-."
        ]
        assert not any("victim" in name for name in app.engine.config.roles)
