"""IAM Identity Center in the TUI, with a fake Identity Center and a frozen clock: discovered roles beside
configured ones, "needs login" instead of a browser, the login dialog with its code, and sync."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest

from stsui.domain.errors import StsError
from stsui.domain.model import Credentials
from stsui.domain.sso import (
    PENDING,
    ClientRegistration,
    DeviceAuthorization,
    DiscoveredRole,
    Grant,
    SsoToken,
)
from stsui.engine.discovered_roles import default_discovery_cache, with_discovered
from stsui.engine.sso_logins import SsoLogins
from stsui.store.sso_cache import SsoTokenCache
from stsui.tui.screens.sso import SsoLoginScreen
from tests.tui.conftest import (
    ROLES,
    SECRET_MARK,
    Recorder,
    Rig,
    build_rig,
    count_decodes,
    hold_decoding_every_role,
    wait_until,
    workers_done,
)

SIZE = (150, 40)
WORK = 'start_url = "https://my-org.awsapps.com/start"\nregion = "eu-west-1"\n'


class FakeIdentityCenter:
    """The `SsoGateway` calls, answered in memory; CreateToken waits until the test approves."""

    def __init__(self, rig: Rig) -> None:
        self.rig = rig
        self.accounts = {
            "111122223333": ("sandbox", ["Admin", "ReadOnly"]),
            "444455556666": ("shared", ["Dev"]),
        }
        self.approved = threading.Event()
        self.calls: list[str] = []
        self.cancelled = threading.Event()
        self.page = "https://device.sso.eu-west-1.amazonaws.com/"
        """The sign-in page StartDeviceAuthorization names (a real one's form)."""

    def register_client(self, *, region: str, scopes: tuple[str, ...]) -> ClientRegistration:
        self.calls.append("register_client")
        return ClientRegistration("client", f"{SECRET_MARK}-client", self.rig.clock() + timedelta(days=90))

    def start_device_authorization(
        self, *, region: str, client: ClientRegistration, start_url: str
    ) -> DeviceAuthorization:
        self.calls.append("start_device_authorization")
        url = f"{self.page}?user_code=WXYZ-1234&{SECRET_MARK}"
        return DeviceAuthorization(f"{SECRET_MARK}-device", "WXYZ-1234", self.page, url, 600, 1)

    def create_token(self, *, region: str, client: ClientRegistration, device_code: str) -> Grant:
        self.calls.append("create_token")
        for _ in range(200):  # up to 2 s, or until the login is cancelled
            if self.approved.wait(0.01):
                break
            if self.cancelled.is_set():
                raise StsError("pending", PENDING)
        else:
            raise StsError("pending", PENDING)
        return Grant(f"{SECRET_MARK}-access", 28800, f"{SECRET_MARK}-refresh")

    def list_accounts(self, *, region: str, access_token: str, next_token: str | None):  # type: ignore[no-untyped-def]
        return [(a, name) for a, (name, _roles) in self.accounts.items()], None

    def list_account_roles(self, *, region: str, access_token: str, account_id: str, next_token: str | None):  # type: ignore[no-untyped-def]
        return list(self.accounts[account_id][1]), None

    def role_credentials(
        self, *, region: str, access_token: str, account_id: str, role_name: str
    ) -> Credentials:
        self.calls.append(f"role_credentials {account_id} {role_name}")
        return Credentials(
            "ASIASSO", f"{SECRET_MARK}-s", f"{SECRET_MARK}-t", self.rig.clock() + timedelta(hours=1)
        )

    def logout(self, *, region: str, access_token: str) -> None:
        self.calls.append("logout")


@pytest.fixture
def sso_rig(
    isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Rig, FakeIdentityCenter, list[str]]:
    chained = (
        '[roles.billing]\nsource_sso = "work"\naccount_id = "444455556666"\nsso_role_name = "Dev"\n'
        '[roles.deep]\nrole_arn = "arn:aws:iam::777777777777:role/Deep"\nsource_role = "billing"\n'
    )
    rig = build_rig(isolated_home, ROLES + chained + f"\n[sso.work]\n{WORK}")
    fake = FakeIdentityCenter(rig)
    found = [
        DiscoveredRole("work", "111122223333", "sandbox", "Admin"),
        DiscoveredRole("work", "111122223333", "sandbox", "ReadOnly"),
    ]
    cache = default_discovery_cache()
    cache.put("work", "https://my-org.awsapps.com/start", found, rig.clock())
    rig.engine.config = with_discovered(rig.engine.config, cache)
    rig.engine.sso = SsoLogins(
        SsoTokenCache(isolated_home / ".aws" / "sso" / "cache"),
        lambda: fake,
        clock=rig.clock,
        sleep=lambda _s: None,
    )
    opened: list[str] = []
    monkeypatch.setattr("webbrowser.open", lambda url, *a, **k: opened.append(url) or True)
    monkeypatch.setenv("DISPLAY", ":0")
    return rig, fake, opened


def _row(app, name: str):  # type: ignore[no-untyped-def]
    return app.roles.book.row(name, app.engine.clock())


def _clean(recorder: Recorder) -> None:
    for note in recorder.notifications:
        assert SECRET_MARK not in note.message + note.title and "user_code" not in note.message


async def test_login_from_the_tui_then_assume_and_sync(sso_rig) -> None:  # type: ignore[no-untyped-def]
    rig, fake, opened = sso_rig
    recorder = Recorder()
    app = rig.app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        table = app.roles.table
        assert table.book.names[-2:] == ["sandbox.Admin", "sandbox.ReadOnly"]  # beside the configured roles
        assert _row(app, "sandbox.Admin").status == "needs login"
        assert _row(app, "sandbox.Admin").group == "work/sandbox"
        assert _row(app, "prod-admin").status == "inactive"
        assert _row(app, "billing").status == _row(app, "deep").status == "needs login"  # and chained from it

        assert table.go_to("sandbox.Admin")
        await pilot.press("enter")  # no login: a sentence, never a browser
        await wait_until(pilot, lambda: recorder.notified("Press l to log in"))
        assert opened == [] and "start_device_authorization" not in fake.calls

        await pilot.press("l")
        await wait_until(pilot, lambda: "Code: WXYZ-1234" in str(app.screen.query_one("#sso-code").render()))
        assert isinstance(app.screen, SsoLoginScreen)
        assert opened == [f"{fake.page}?user_code=WXYZ-1234&{SECRET_MARK}"]
        fake.approved.set()
        await wait_until(pilot, lambda: recorder.notified("Logged in to IAM Identity Center 'work'"))
        assert not isinstance(app.screen, SsoLoginScreen)
        assert _row(app, "sandbox.Admin").status == _row(app, "deep").status == "inactive"

        await pilot.press("enter")
        await wait_until(pilot, lambda: _row(app, "sandbox.Admin").status == "active")
        assert rig.credentials.read()["sandbox.Admin"].owner_role == "sandbox.Admin"

        fake.accounts["111122223333"] = ("sandbox", ["Admin"])  # ReadOnly taken away, shared/Dev added
        await pilot.press("s")
        await wait_until(pilot, lambda: recorder.notified("work: 2 roles, 1 gone"))
        assert "shared.Dev" in app.roles.book.names and "sandbox.ReadOnly" in app.roles.book.names
        assert app.roles.book["sandbox.ReadOnly"].role.sso.gone  # type: ignore[union-attr]
        assert _row(app, "sandbox.Admin").status == "active"  # its session survived the reload
        assert app.sub_title.endswith("roles.toml")  # the progress line gave the subtitle back
    _clean(recorder)


async def _open_login_dialog(pilot, app, role: str) -> None:  # type: ignore[no-untyped-def]
    """Highlight `role` and press l: the login dialog of its instance opens."""
    assert app.roles.table.go_to(role)
    await pilot.press("l")
    await wait_until(pilot, lambda: isinstance(app.screen, SsoLoginScreen))


async def test_a_login_that_ends_under_another_prompt_closes_its_dialog_once_uncovered(sso_rig) -> None:  # type: ignore[no-untyped-def]
    """A background caller's MFA prompt opens over the login dialog (the App opens it over any screen); the
    login ends meanwhile: the prompt stays, and the dialog closes when the prompt is answered."""
    from stsui.tui.screens.mfa import MfaScreen

    rig, fake, _opened = sso_rig
    recorder = Recorder()
    app = rig.app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await _open_login_dialog(pilot, app, "sandbox.Admin")
        await wait_until(pilot, lambda: "Code: WXYZ-1234" in str(app.screen.query_one("#sso-code").render()))
        prompt = MfaScreen("mfa-ops", "arn:aws:iam::999999999999:mfa/tester", asker="a background caller")
        app.push_screen(prompt)
        fake.approved.set()
        await workers_done(app)
        await pilot.pause()
        assert app.screen is prompt  # the login's end did not close the prompt in its place
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is app.roles)
        assert recorder.notified("Logged in to IAM Identity Center 'work'")
        assert _row(app, "sandbox.Admin").status == "inactive"


async def test_cancelling_the_login_dialog(sso_rig) -> None:  # type: ignore[no-untyped-def]
    rig, fake, _opened = sso_rig
    recorder = Recorder()
    app = rig.app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await _open_login_dialog(pilot, app, "sandbox.ReadOnly")
        fake.cancelled = app.screen.cancel  # the waiting poll answers "pending" at Esc, not after 2 s
        await wait_until(pilot, lambda: "create_token" in fake.calls)
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, SsoLoginScreen))
        await workers_done(app)
        assert _row(app, "sandbox.ReadOnly").status == "needs login"
        assert not recorder.notified("Login failed")
        assert fake.calls.count("create_token") == 1  # polling stopped with the dialog


async def test_without_a_display_the_page_is_shown_not_a_text_browser(sso_rig, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    rig, fake, opened = sso_rig
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "BROWSER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("sys.platform", "linux")
    app = rig.app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l")
        await wait_until(pilot, lambda: fake.page in str(app.screen.query_one("#sso-hint").render()))
        assert "WXYZ-1234" in str(app.screen.query_one("#sso-code").render())
        assert "user_code" not in str(app.screen.query_one("#sso-hint").render()) and opened == []
        fake.approved.set()
        await wait_until(pilot, lambda: not isinstance(app.screen, SsoLoginScreen))


async def test_a_login_or_logout_elsewhere_shows_at_the_next_tick(sso_rig) -> None:  # type: ignore[no-untyped-def]
    """`aws sso login`, `stsui sso logout` in another terminal, or a login running out: the rows change at the
    next tick (read from the token cache, no network), and each change is said once."""
    rig, fake, _opened = sso_rig
    recorder = Recorder()
    app = rig.app()
    tokens = rig.engine.sso.tokens

    def login(hours: float) -> None:  # as the AWS CLI writes it
        tokens.put(
            "work",
            SsoToken(
                start_url="https://my-org.awsapps.com/start",
                region="eu-west-1",
                access_token=f"{SECRET_MARK}-elsewhere",
                expires_at=rig.clock() + timedelta(hours=hours),
            ),
        )

    def said(text: str) -> int:
        return sum(text in note.message for note in recorder.notifications)

    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        assert _row(app, "sandbox.Admin").status == "needs login"
        login(hours=8)
        app.tick()
        await pilot.pause()
        assert _row(app, "sandbox.Admin").status == _row(app, "deep").status == "inactive"
        app.tick()
        await pilot.pause()
        assert said("Logged in to IAM Identity Center 'work' elsewhere") == 1

        tokens.delete("work")
        app.tick()
        await pilot.pause()
        assert _row(app, "sandbox.Admin").status == _row(app, "billing").status == "needs login"
        assert said("The login to IAM Identity Center 'work' ended") == 1

        login(hours=1)  # no refresh token: it cannot outlive its hour
        app.tick()
        rig.clock.step(3601)
        app.tick()
        await pilot.pause()
        assert _row(app, "sandbox.Admin").status == "needs login"
        assert said("The login to IAM Identity Center 'work' ended") == 2
        assert _row(app, "prod-admin").status == "inactive"  # configured roles are not Identity Center's
    assert fake.calls == []
    _clean(recorder)


async def test_with_two_instances_l_on_a_configured_role_says_which_role_to_highlight(
    isolated_home: Path,
) -> None:
    other = 'start_url = "https://other-org.awsapps.com/start"\nregion = "us-east-1"\n'
    rig = build_rig(isolated_home, ROLES + f"\n[sso.work]\n{WORK}\n[sso.other]\n{other}")
    recorder = Recorder()
    app = rig.app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        assert app.roles.table.highlighted == "prod-admin"  # a configured role: of neither instance
        await pilot.press("l")
        await wait_until(
            pilot, lambda: recorder.notified("Highlight a role of the IAM Identity Center instance")
        )
        assert not isinstance(app.screen, SsoLoginScreen)


async def test_discovered_roles_paint_before_they_are_decoded_even_without_a_login(  # type: ignore[no-untyped-def]
    isolated_home, monkeypatch
) -> None:
    """Identity Center discovery is how users get thousands of roles. From the roles cache, the first frame
    decodes only the rows it shows; an instance without a login marks its roles "needs login" as one mark,
    not by visiting 2,000 roles, and a login elsewhere clears it at the next tick."""
    from stsui.cli.wiring import load_roles
    from stsui.domain.roster import Roster
    from stsui.engine.engine import Engine
    from stsui.store import stamps
    from tests.support.clock import real_ns

    later = real_ns() + 10**11  # long after the files were written: the cache vouches for them
    monkeypatch.setattr(stamps, "now_ns", lambda: later)
    rig = build_rig(isolated_home, f"[sso.work]\n{WORK}")
    sets = ("Admin", "ReadOnly", "Dev", "Billing", "Audit")
    found = [
        DiscoveredRole("work", f"{100000000000 + a}", f"acct-{a:04d}", p) for a in range(400) for p in sets
    ]
    default_discovery_cache().put("work", "https://my-org.awsapps.com/start", found, rig.clock())
    load_roles(rig.engine.config.path)  # named and cached, as any command does
    config = load_roles(rig.engine.config.path)
    assert isinstance(config.roles, Roster) and not config.roles.loaded and len(config.roles) == 2000
    tokens = SsoTokenCache(isolated_home / ".aws" / "sso" / "cache")
    logins = SsoLogins(tokens, lambda: FakeIdentityCenter(rig), clock=rig.clock, sleep=lambda _s: None)
    rig.engine = Engine(
        config,
        rig.engine.store,
        lambda: rig.gateway,
        cache_dir=isolated_home / "c",
        clock=rig.clock,
        sso=logins,
    )
    decoded = count_decodes(monkeypatch)
    indexing_may_go = hold_decoding_every_role(monkeypatch)
    app = rig.app()
    try:
        async with app.run_test(size=SIZE) as pilot:
            table = app.roles.table
            await wait_until(pilot, lambda: bool(table.size.height and table._painted))
            assert _row(app, "acct-0000.Admin").status == "needs login"
            assert _row(app, "acct-0399.Audit").status == "needs login"
            assert len(decoded) < 2 * table.size.height, "the first frame decoded roles it does not show"
            tokens.put(
                "work",
                SsoToken(
                    "https://my-org.awsapps.com/start",
                    "eu-west-1",
                    "access",
                    rig.clock() + timedelta(hours=8),
                ),
            )  # `aws sso login` in another terminal
            app.tick()
            assert _row(app, "acct-0399.Audit").status == "inactive"
            assert len(decoded) < 2 * table.size.height
    finally:
        indexing_may_go.set()
