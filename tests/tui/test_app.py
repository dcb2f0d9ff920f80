"""Pilot tests of the terminal UI against the fake STS and a frozen clock: every key and every fact."""

from __future__ import annotations

import gc
from datetime import timedelta

from rich.style import Style
from textual.binding import Binding
from textual.strip import Strip

from stsui.domain.errors import StsError
from stsui.domain.model import Credentials, Session
from stsui.tui.actions import ACTIONS, MORE_KEYS
from stsui.tui.app import StsuiApp
from stsui.tui.messages import AssumeFailed, CredentialsFileChanged, SessionStarted
from stsui.tui.screens.help import HelpScreen
from stsui.tui.screens.mfa import MfaScreen
from stsui.tui.state import Working
from stsui.tui.widgets.role_table import RoleTable
from tests.tui.conftest import BASE_ARN, SECRET_MARK, Recorder, Rig, wait_until, workers_done

SIZE = (120, 34)


def line(app: StsuiApp, role: str) -> Strip:
    """The painted line of `role` (it must be on screen)."""
    table = app.roles.table
    index = table.view.index(role)
    y = index - round(table.scroll_offset.y) + 1
    assert 1 <= y < table.size.height, f"{role} is not on screen"
    return table.render_line(y)


def text(app: StsuiApp, role: str) -> str:
    return line(app, role).text


def words(app: StsuiApp, role: str) -> list[str]:
    return text(app, role).split()


def cell_style(app: StsuiApp, role: str, cell: str) -> Style:
    """The style of the last cell reading `cell` (the time left comes after the status)."""
    for segment in reversed(list(line(app, role))):
        if segment.text.strip() == cell:
            assert segment.style is not None
            return segment.style
    raise AssertionError(f"no cell {cell!r} in {text(app, role)!r}")


def status(app: StsuiApp, role: str) -> str:
    return app.roles.book.row(role, app.engine.clock()).status


async def settle(pilot) -> None:  # type: ignore[no-untyped-def]
    await workers_done(pilot.app)
    await pilot.pause()


# -- the first frame ---------------------------------------------------------------------------------------


async def test_live_sessions_show_from_the_first_frame_without_calling_sts(rig: Rig) -> None:
    rig.start_session("prod-admin")
    app = rig.app()
    async with app.run_test(size=SIZE) as pilot:
        first = words(app, "prod-admin")
        assert "active" in first and "1h" in first
        assert "inactive" in words(app, "dev-admin")
        await settle(pilot)
    assert app.sub_title == "~/.config/stsui/roles.toml"


async def test_no_sts_call_before_the_first_paint(rig: Rig) -> None:
    app = rig.app()
    painted_before_call: list[bool] = []
    original = rig.gateway.caller_identity

    def watching(**kwargs):  # type: ignore[no-untyped-def]
        painted_before_call.append(app.screen.is_mounted and app.roles.table.size.height > 0)
        return original(**kwargs)

    rig.gateway.caller_identity = watching  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
    assert painted_before_call and all(painted_before_call)


# -- assume, MFA, renew, forget ----------------------------------------------------------------------------


async def test_enter_assumes_the_highlighted_role_and_writes_its_profile(rig: Rig) -> None:
    recorder = Recorder()
    app = rig.app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await pilot.press("down")
        assert app.roles.table.highlighted == "prod-readonly"
        await pilot.press("enter")
        await wait_until(pilot, lambda: recorder.of(SessionStarted))
        entry = rig.credentials.read()["prod-readonly"]
        assert entry.owner_role == "prod-readonly"
        assert entry.expires_at == rig.clock() + timedelta(hours=1)
        assert "active" in words(app, "prod-readonly")
        assert "1h 00m" in text(app, "prod-readonly")
        assert rig.gateway.count("assume_role", "prod-readonly") == 1
        assert recorder.notified("Assumed prod-readonly")


async def test_mfa_prompt_accepts_only_six_digits_then_assumes(rig: Rig) -> None:
    recorder = Recorder()
    app = rig.app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        app.roles.table.go_to("mfa-ops")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, MfaScreen))
        submit = app.screen.query_one("#mfa-submit")
        assert submit.disabled
        await pilot.press("1", "2", "x", "3", "4", "5")
        assert app.screen.query_one("#mfa-code").value == "12345"  # type: ignore[attr-defined]
        assert submit.disabled
        await pilot.press("enter")  # five digits: nothing happens
        assert isinstance(app.screen, MfaScreen)
        await pilot.press("6", "7")
        assert app.screen.query_one("#mfa-code").value == "123456"  # type: ignore[attr-defined]
        assert not submit.disabled
        await pilot.press("enter")
        await wait_until(pilot, lambda: recorder.of(SessionStarted))
        assert not isinstance(app.screen, MfaScreen)
        assert rig.gateway.count("get_session_token", "123456") == 1
        assert rig.gateway.count("assume_role", "mfa-ops") == 1
        assert rig.credentials.read()["mfa-ops"].owner_role == "mfa-ops"


async def test_cancelling_the_mfa_prompt_sends_nothing(rig: Rig) -> None:
    app = rig.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        rig.gateway.calls.clear()
        app.roles.table.go_to("mfa-ops")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, MfaScreen))
        await pilot.press("1", "2", "3")
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, MfaScreen)
        assert rig.gateway.calls == []
        assert "mfa-ops" not in rig.credentials.read()
        assert "inactive" in words(app, "mfa-ops")


async def test_r_renews_the_session_now(rig: Rig) -> None:
    rig.start_session("prod-admin")
    recorder = Recorder()
    app = rig.app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        rig.clock.step(600)
        await pilot.press("r")
        await wait_until(pilot, lambda: recorder.of(SessionStarted))
        assert rig.gateway.count("assume_role", "prod-admin") == 1
        assert rig.credentials.read()["prod-admin"].expires_at == rig.clock() + timedelta(hours=1)
        assert recorder.notified("Renewed prod-admin")


async def test_r_on_an_mfa_role_asks_for_a_code(rig: Rig) -> None:
    rig.engine.assume(rig.role("mfa-ops"), mfa_code="111111")
    rig.engine.forget_mfa()
    app = rig.app()
    async with app.run_test(size=SIZE) as pilot:
        app.roles.table.go_to("mfa-ops")
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, MfaScreen))
        await pilot.press("escape")


async def test_x_forgets_the_session(rig: Rig) -> None:
    rig.start_session("prod-admin")
    recorder = Recorder()
    app = rig.app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        assert "active" in words(app, "prod-admin")
        await pilot.press("x")
        await wait_until(pilot, lambda: recorder.notified("Forgot prod-admin"))
        assert "prod-admin" not in rig.credentials.read()
        assert "inactive" in words(app, "prod-admin")
        assert rig.engine.session(rig.role("prod-admin")) is None


async def test_m_forgets_cached_mfa_sessions(rig: Rig) -> None:
    rig.engine.assume(rig.role("mfa-ops"), mfa_code="111111")
    recorder = Recorder()
    app = rig.app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await pilot.press("m")
        await wait_until(pilot, lambda: recorder.notified("Forgot 1 cached MFA session"))
        assert rig.engine.needs_mfa_code(rig.role("mfa-ops"), fresh=True)


async def test_busy_role_refuses_a_second_job(rig: Rig) -> None:
    recorder = Recorder()
    app = rig.app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        app.roles.book.begin("prod-admin", Working.RENEWING)
        await pilot.press("enter")
        await settle(pilot)
        assert rig.gateway.count("assume_role") == 0
        assert recorder.notified("is busy")


# -- the filter --------------------------------------------------------------------------------------------


async def test_filter_finds_fuzzy_matches_and_enter_assumes_the_top_one(rig: Rig) -> None:
    recorder = Recorder()
    app = rig.app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        field = app.roles.filter_input
        assert not field.display
        await pilot.press("slash")
        assert field.display and field.has_focus
        await pilot.press(*"prdadm")
        names = app.roles.table.view
        assert names == ["prod-admin"]
        await pilot.press("backspace", "backspace", "backspace")
        names = app.roles.table.view
        assert names[0] == "prod-admin" and "prod-readonly" in names and "dev-admin" not in names
        await pilot.press("enter")
        await wait_until(pilot, lambda: recorder.of(SessionStarted))
        assert rig.credentials.read()["prod-admin"].owner_role == "prod-admin"
        assert app.roles.table.has_focus


async def test_filter_matches_accounts_groups_and_keys_typed_in_it_are_not_commands(rig: Rig) -> None:
    app = rig.app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"222222")
        assert app.roles.table.view == ["staging-deploy"]
        await pilot.press(*["backspace"] * 6, *"dev")
        assert app.roles.table.view == ["dev-admin", "manual"]
        await pilot.press(*["backspace"] * 3, *"xqrcm")
        assert app.roles.table.view == []
        assert "No role matches 'xqrcm'" in app.roles.table.render_line(1).text
        await settle(pilot)
        assert rig.gateway.count("assume_role") == 0
        assert app.is_running


async def test_escape_clears_and_hides_the_filter(rig: Rig) -> None:
    app = rig.app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"staging")
        assert len(app.roles.table.view) == 1
        await pilot.press("escape")
        assert app.roles.filter_input.value == ""
        assert not app.roles.filter_input.display
        assert len(app.roles.table.view) == len(app.roles.book)
        assert app.roles.table.highlighted == "staging-deploy"
        assert app.roles.table.has_focus


# -- identities and the clipboard --------------------------------------------------------------------------


async def test_identity_panel_shows_base_and_session_arns(rig: Rig) -> None:
    rig.start_session("prod-admin")
    app = rig.app()
    async with app.run_test(size=SIZE) as pilot:
        session_label = app.roles.panel.query_one("#session")
        base_label = app.roles.panel.query_one("#base")
        await wait_until(
            pilot,
            lambda: "assumed-role" in str(session_label.render()) and "user" in str(base_label.render()),
        )
        assert BASE_ARN in str(base_label.render())
        assert "arn:aws:sts::111111111111:assumed-role/Admin/tester" in str(session_label.render())
        calls = rig.gateway.count("caller_identity")
        await pilot.press("down", "up")  # cached per session key: no new call
        await settle(pilot)
        assert rig.gateway.count("caller_identity") == calls
        await pilot.press("i")
        await wait_until(pilot, lambda: rig.gateway.count("caller_identity") == calls + 2)
        await settle(pilot)
        assert "assumed-role" in str(session_label.render())


async def test_base_identity_failure_is_shown_and_notified(rig: Rig) -> None:
    rig.gateway.failures["base"] = StsError(
        "GetCallerIdentity failed: InvalidClientTokenId: bad.", "InvalidClientTokenId"
    )
    recorder = Recorder()
    app = rig.app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await wait_until(pilot, lambda: recorder.notified("InvalidClientTokenId"))
        assert "InvalidClientTokenId" in str(app.roles.panel.query_one("#base").render())


async def test_c_copies_export_lines_but_never_shows_the_secret(rig: Rig) -> None:
    rig.start_session("prod-admin")
    recorder = Recorder()
    app = rig.app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await pilot.press("c")
        await wait_until(pilot, lambda: recorder.notified("Press c again to copy the secret keys"))
        assert app.clipboard == ""  # the first press only says where the keys would go
        rig.clock.step(6)
        await pilot.press("c")  # too late: asks again
        await pilot.pause()
        assert app.clipboard == ""
        await pilot.press("c")
        await wait_until(pilot, lambda: recorder.notified("Copied export lines for prod-admin"))
        assert "export AWS_SECRET_ACCESS_KEY=" in app.clipboard
        assert f"{SECRET_MARK}-secret-1" in app.clipboard
        assert all(SECRET_MARK not in n.message + n.title for n in recorder.notifications)
        assert SECRET_MARK not in app.export_screenshot()


async def test_c_without_a_live_session_says_so(rig: Rig) -> None:
    recorder = Recorder()
    app = rig.app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await pilot.press("c", "c")
        await wait_until(pilot, lambda: recorder.notified("no live session to copy"))
        assert app.clipboard == ""


# -- errors ------------------------------------------------------------------------------------------------


async def test_sts_error_is_notified_with_its_code_and_marks_the_row(rig: Rig) -> None:
    message = "AssumeRole for role 'prod-admin' failed: AccessDenied: not authorized; check the trust policy."
    rig.gateway.failures["prod-admin"] = StsError(message, "AccessDenied")
    recorder = Recorder()
    app = rig.app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await pilot.press("enter")
        await wait_until(pilot, lambda: recorder.of(AssumeFailed))
        await pilot.pause()
        errors = [n for n in recorder.notifications if n.severity == "error"]
        assert errors and "AccessDenied" in errors[0].title and message == errors[0].message
        assert "error" in words(app, "prod-admin")
        assert "AccessDenied" in str(app.roles.panel.query_one("#detail").render())
        # still responsive: another role can be assumed
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: recorder.of(SessionStarted))
        assert "active" in words(app, "prod-readonly")
        assert "error" in words(app, "prod-admin")


async def test_an_unexpected_exception_is_reported_and_the_row_is_released(rig: Rig) -> None:
    def broken(role, *, duration, source):  # type: ignore[no-untyped-def]
        raise RuntimeError("boom")

    rig.gateway.assume_role = broken  # type: ignore[method-assign]
    recorder = Recorder()
    app = rig.app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await pilot.press("enter")
        await wait_until(pilot, lambda: recorder.notified("Unexpected RuntimeError"))
        assert not app.roles.book.working()
        assert app.is_running


# -- countdowns and the ticker -----------------------------------------------------------------------------


async def test_countdown_colour_follows_time_left(rig: Rig) -> None:
    rig.start_session("manual")  # auto_refresh = false: nothing renews it while the clock runs
    app = rig.app()
    async with app.run_test(size=SIZE) as pilot:
        table = app.roles.table

        def tone(name: str) -> Style:
            return table.get_component_rich_style(f"role-table--time-{name}")

        assert cell_style(app, "manual", "1h 00m").color == tone("fine").color
        rig.clock.step(1)
        app.tick()
        await pilot.pause()
        assert cell_style(app, "manual", "59:59").color == tone("fine").color
        rig.clock.step(3600 - 15 * 60)
        app.tick()
        await pilot.pause()
        assert cell_style(app, "manual", "14:59").color == tone("soon").color
        assert "due" in words(app, "manual")
        rig.clock.step(10 * 60)
        app.tick()
        await pilot.pause()
        assert cell_style(app, "manual", "04:59").color == tone("urgent").color
        rig.clock.step(5 * 60)
        app.tick()
        await pilot.pause()
        assert cell_style(app, "manual", "expired").color == tone("expired").color
        assert text(app, "manual").count("expired") == 2  # status and time left
        assert rig.gateway.count("assume_role") == 0
        assert len({tone(n).color for n in ("fine", "soon", "urgent", "expired")}) == 4


async def test_tick_repaints_only_changed_rows_and_idles_when_nothing_is_live(rig: Rig) -> None:
    app = rig.app()
    reads = 0
    clock = rig.engine.clock

    def counting():  # type: ignore[no-untyped-def]
        nonlocal reads
        reads += 1
        return clock()

    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        rig.engine.clock = counting  # type: ignore[method-assign]
        app.tick()
        assert reads == 0  # nothing live: the tick is one stat of the credentials file
        rig.engine.clock = clock  # type: ignore[method-assign]
        rig.start_session("manual")
        app.tick()
        await wait_until(pilot, lambda: "active" in words(app, "manual"))
        rig.clock.step(1)
        assert app.roles.table.update_rows(rig.clock()) == 1  # only the countdown that moved


async def test_another_program_writing_the_file_shows_up_on_the_next_tick(rig: Rig) -> None:
    recorder = Recorder()
    app = rig.app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await settle(pilot)
        assert "inactive" in words(app, "staging-deploy")
        credentials = Credentials(
            "ASIAOTHER", f"{SECRET_MARK}-x", f"{SECRET_MARK}-y", rig.clock() + timedelta(minutes=30)
        )
        session = Session(
            "staging-deploy", credentials, "arn:aws:sts::222222222222:assumed-role/Deploy/other"
        )
        rig.credentials.write_session("staging-deploy", session)
        app.tick()
        await wait_until(pilot, lambda: recorder.of(CredentialsFileChanged))
        assert "active" in words(app, "staging-deploy")
        assert "30:00" in text(app, "staging-deploy")
        rig.credentials.remove("staging-deploy", "staging-deploy")
        app.tick()
        await wait_until(pilot, lambda: "inactive" in words(app, "staging-deploy"))
        assert rig.gateway.count("assume_role") == 0


# -- automatic renewal -------------------------------------------------------------------------------------


async def test_due_session_is_renewed_automatically(rig: Rig) -> None:
    rig.start_session("prod-admin")
    recorder = Recorder()
    app = rig.app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        rig.clock.step(3600 - 15 * 60 + 1)  # inside refresh_before (15 min)
        app.tick()
        await wait_until(pilot, lambda: recorder.of(SessionStarted))
        assert rig.gateway.count("assume_role", "prod-admin") == 1
        assert rig.credentials.read()["prod-admin"].expires_at == rig.clock() + timedelta(hours=1)
        assert recorder.notified("Renewed automatically prod-admin")
        app.tick()
        await settle(pilot)
        assert rig.gateway.count("assume_role", "prod-admin") == 1
        assert "active" in words(app, "prod-admin")


async def test_expired_session_is_renewed_but_not_when_auto_refresh_is_off(rig: Rig) -> None:
    rig.start_session("dev-admin")
    rig.start_session("manual")
    recorder = Recorder()
    app = rig.app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        rig.clock.step(2 * 3600)
        app.tick()
        await wait_until(pilot, lambda: recorder.of(SessionStarted))
        assert rig.gateway.count("assume_role", "dev-admin") == 1
        assert rig.gateway.count("assume_role", "manual") == 0
        assert "expired" in text(app, "manual")


async def test_renewal_needing_mfa_marks_the_row_and_never_pops_the_prompt(rig: Rig) -> None:
    rig.engine.assume(rig.role("mfa-ops"), mfa_code="111111")
    rig.engine.forget_mfa()
    rig.gateway.calls.clear()
    recorder = Recorder()
    app = rig.app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        rig.clock.step(3600 - 60)
        app.tick()
        await wait_until(pilot, lambda: "needs MFA" in text(app, "mfa-ops"))
        assert not isinstance(app.screen, MfaScreen)
        assert rig.gateway.count("assume_role") == rig.gateway.count("get_session_token") == 0
        warnings = [n for n in recorder.notifications if "needs a new MFA code" in n.message]
        assert len(warnings) == 1 and "press r" in warnings[0].message
        for _ in range(3):
            rig.clock.step(1)
            app.tick()
            await settle(pilot)
        assert len([n for n in recorder.notifications if "needs a new MFA code" in n.message]) == 1
        app.roles.table.go_to("mfa-ops")
        await settle(pilot)
        assert "press r" in str(app.roles.panel.query_one("#detail").render())


async def test_every_status_is_the_one_stsui_list_shows(rig: Rig) -> None:
    """An MFA role without auto_refresh whose MFA session ran out: `stsui list` says "needs MFA", and so
    must the table (it said "expired" forever), without calling STS or asking for a code."""
    from tests.tui.conftest import ROLES, START, build_rig

    manual_mfa = '\n[roles.manual-mfa]\nrole_arn = "arn:aws:iam::888888888888:role/ManualMfa"\n'
    manual_mfa += 'mfa_serial = "arn:aws:iam::999999999999:mfa/tester"\nauto_refresh = false\n'
    rig = build_rig(rig.home, ROLES + manual_mfa)
    rig.engine.assume(rig.role("manual-mfa"), mfa_code="111111")  # a 1 h session, a 12 h MFA session
    rig.start_session("manual")
    app = rig.app()

    def listed(name: str) -> str:
        return str(rig.engine.status(rig.role(name), rig.engine.entries()))  # what `stsui list` prints

    async with app.run_test(size=SIZE) as pilot:
        for seconds, expected in (
            (0, "active"),
            (3600 - 60, "due"),
            (2 * 3600, "expired"),
            (13 * 3600, "needs MFA"),
        ):
            rig.clock.now = START + timedelta(seconds=seconds)
            app.tick()
            await wait_until(pilot, lambda: status(app, "manual-mfa") == expected)  # noqa: B023
            await settle(pilot)
            assert expected in text(app, "manual-mfa")
            assert {name: status(app, name) for name in rig.engine.config.roles} == {
                name: listed(name) for name in rig.engine.config.roles
            }
        assert status(app, "manual") == "expired"
        assert not isinstance(app.screen, MfaScreen)
        assert rig.gateway.count("assume_role") == rig.gateway.count("get_session_token") == 0
        app.roles.table.go_to("manual-mfa")
        await settle(pilot)
        assert "press r" in str(app.roles.panel.query_one("#detail").render())


async def test_failed_renewal_backs_off_exponentially(rig: Rig) -> None:
    rig.start_session("prod-admin")
    rig.gateway.failures["prod-admin"] = StsError("AssumeRole failed: Throttling: slow down.", "Throttling")
    recorder = Recorder()
    app = rig.app()

    async def tick_after(seconds: float) -> int:
        rig.clock.step(seconds)
        app.tick()
        await settle(pilot)
        return rig.gateway.count("assume_role", "prod-admin")

    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        assert await tick_after(3600 - 600) == 1  # due: first try
        assert "error" in words(app, "prod-admin")
        assert await tick_after(1) == 1
        assert await tick_after(28) == 1  # 29 s after the failure
        assert await tick_after(1) == 2  # 30 s: second try
        assert await tick_after(59) == 2
        assert await tick_after(1) == 3  # 60 s: third try
        assert await tick_after(119) == 3
        assert await tick_after(1) == 4  # 120 s
        del rig.gateway.failures["prod-admin"]
        assert await tick_after(240) == 5  # 240 s: succeeds
        await wait_until(pilot, lambda: recorder.of(SessionStarted))
        assert "active" in words(app, "prod-admin")
        assert await tick_after(1) == 5


# -- help, palette, quit -----------------------------------------------------------------------------------


async def test_help_lists_every_binding(rig: Rig) -> None:
    """Every row of the actions table is bound on the roles screen, listed by `?` with its key as the
    Footer shows it, and drawn on the help screen."""
    app = rig.app()
    async with app.run_test(size=SIZE) as pilot:
        bound = {key: b.action for key, [b] in app.roles._bindings.key_to_bindings.items()}
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        listed = list(app.screen.keys)
        drawn = {str(label.render()) for label in app.screen.query(".help-key, .help-description")}
        assert len(ACTIONS) >= 10
        for action in ACTIONS:
            owner, _, name = action.action.rpartition(".")
            assert callable(getattr(app if owner == "app" else app.roles, f"action_{name}", None)), name
            key = "palette"
            if action.key is not None:
                assert bound[action.key] == action.action
                key = " ".join(app.get_key_display(Binding(k, "")) for k in action.key.split(","))
            if app.roles.offered(action.action):
                assert (key, action.help) in listed
                assert key in drawn and action.help in drawn
            else:  # nothing to do here: not listed either
                assert (key, action.help) not in listed and action.help not in drawn
        hidden = {action.action for action in ACTIONS if not app.roles.offered(action.action)}
        assert hidden == {"use_in_shell", "app.sso_login", "app.sso_sync"}  # not opened by sts; no [sso.NAME]
        assert (app.get_key_display(Binding("ctrl+p", "")), MORE_KEYS[0][1]) in listed
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)
        assert "slash" in app.screen.active_bindings  # the filter key is offered again


async def test_palette_offers_each_action_once_and_runs_it(rig: Rig) -> None:
    from stsui.tui.commands import StsuiCommands

    app = rig.app()
    async with app.run_test(size=SIZE) as pilot:
        provider = StsuiCommands(app.screen)
        roles = {f"{verb} {name}" for name in rig.engine.config.roles for verb in ("Assume", "Open console:")}
        ours = [hit.text async for hit in provider.discover() if hit.text not in roles]
        textual = [command.title for command in app.get_system_commands(app.screen)]
        titles = ours + textual
        assert len(titles) == len(set(titles)), titles
        assert "Quit" in titles and "Help" in titles and "Keys" not in titles and "Quit stsui" not in titles
        assert ours == [a.palette for a in ACTIONS if a.palette and app.roles.offered(a.action)]
        assert "Use in this shell" not in ours and not any("Identity Center" in title for title in ours)
        [help_hit] = [hit async for hit in provider.search("help") if hit.text == "Help"]
        await help_hit.command()
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)


async def test_palette_offers_roles_and_actions(rig: Rig) -> None:
    from stsui.tui.commands import StsuiCommands

    recorder = Recorder()
    app = rig.app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        provider = StsuiCommands(app.screen)
        discovered = [hit.text async for hit in provider.discover()]
        assert "Renew session now" in discovered and "Forget MFA sessions" in discovered
        assert "Assume prod-admin" in discovered
        hits = [hit async for hit in provider.search("prdadm")]
        roles = [hit for hit in hits if hit.text and hit.text.startswith("Assume ")]
        assert roles[0].text == "Assume prod-admin"
        staging = [hit async for hit in provider.search("assume staging")]
        chosen = next(hit for hit in staging if hit.text == "Assume staging-deploy")
        chosen.command()
        await wait_until(pilot, lambda: recorder.of(SessionStarted))
        assert rig.credentials.read()["staging-deploy"].owner_role == "staging-deploy"


async def test_palette_opens_with_ctrl_p(rig: Rig) -> None:
    app = rig.app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert app.screen.__class__.__name__ == "CommandPalette"
        await pilot.press("escape")


async def test_q_quits(rig: Rig) -> None:
    app = rig.app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("q")
        await pilot.pause()
    assert not app.is_running


async def test_mouse_click_highlights_and_double_click_assumes(rig: Rig) -> None:
    recorder = Recorder()
    app = rig.app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await pilot.click(RoleTable, offset=(5, 3))  # heading is line 0, so line 3 is the third role
        assert app.roles.table.highlighted == "staging-deploy"
        await pilot.click(RoleTable, offset=(5, 3), times=2)
        await wait_until(pilot, lambda: recorder.of(SessionStarted))
        assert "staging-deploy" in rig.credentials.read()


async def test_an_unreadable_credentials_file_is_reported_once_per_change(rig: Rig) -> None:
    rig.start_session("prod-admin")
    recorder = Recorder()
    app = rig.app()
    path = rig.engine.store.path
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        good = path.read_text()
        path.write_text(good + "\n[prod-admin]\naws_access_key_id = again\n")  # a duplicate section
        for _ in range(3):
            app.tick()
            await settle(pilot)
        told = [n for n in recorder.notifications if n.title == "Credentials file"]
        assert len(told) == 1 and "cannot be parsed" in told[0].message
        assert "active" in words(app, "prod-admin")  # the last good reading stays on screen
        path.write_text(good)
        app.tick()
        await wait_until(pilot, lambda: recorder.of(CredentialsFileChanged))
        assert app.is_running


async def test_mfa_code_entered_for_one_role_unblocks_renewals_on_the_same_device(rig: Rig) -> None:
    second = '\n[roles.mfa-two]\nrole_arn = "arn:aws:iam::777777777777:role/Two"\n'
    second += 'mfa_serial = "arn:aws:iam::999999999999:mfa/tester"\n'
    from tests.tui.conftest import ROLES, build_rig

    rig = build_rig(rig.home, ROLES + second)
    rig.engine.assume(rig.role("mfa-ops"), mfa_code="111111")
    rig.engine.assume(rig.role("mfa-two"))  # reuses the cached MFA session
    rig.engine.forget_mfa()
    rig.gateway.calls.clear()
    recorder = Recorder()
    app = rig.app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        rig.clock.step(3600 - 60)
        app.tick()
        await wait_until(pilot, lambda: sum(1 for state in app.roles.book if state.needs_mfa) == 2)
        app.roles.table.go_to("mfa-ops")
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, MfaScreen))
        await pilot.press(*"222222", "enter")
        await wait_until(pilot, lambda: len(recorder.of(SessionStarted)) == 1)
        app.tick()  # mfa-two now renews with the new MFA session, without asking
        await wait_until(pilot, lambda: len(recorder.of(SessionStarted)) == 2)
        assert rig.gateway.count("get_session_token") == 1
        assert rig.gateway.count("assume_role", "mfa-two") == 1
        assert len([n for n in recorder.notifications if "needs a new MFA code" in n.message]) == 2


async def test_automatic_renewals_run_a_few_at_a_time(rig: Rig) -> None:
    from stsui.tui.renewals import MAX_RENEWALS

    due = ["prod-admin", "prod-readonly", "staging-deploy", "dev-admin", "chained"]
    for name in due:
        rig.start_session(name)
    assert len(due) > MAX_RENEWALS
    recorder = Recorder()
    app = rig.app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        rig.clock.step(3600 - 60)
        app.tick()
        assert len(app.roles.book.working()) == MAX_RENEWALS
        await wait_until(pilot, lambda: len(recorder.of(SessionStarted)) == MAX_RENEWALS)
        app.tick()
        await wait_until(pilot, lambda: len(recorder.of(SessionStarted)) == len(due))
        assert sorted(name for call, name in rig.gateway.calls if call == "assume_role") == sorted(due)


async def test_keys_in_a_modal_do_not_reach_the_main_screen(rig: Rig) -> None:
    rig.start_session("prod-admin")
    app = rig.app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark", "r", "x", "c")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        app.roles.table.go_to("mfa-ops")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, MfaScreen))
        await pilot.press("q", "x", "r")
        await settle(pilot)
        assert isinstance(app.screen, MfaScreen) and app.is_running
        assert rig.gateway.count("assume_role") == 0
        assert "prod-admin" in rig.credentials.read()


# -- scale -------------------------------------------------------------------------------------------------


def many_roles(count: int) -> str:
    return '[defaults]\nsource_profile = "default"\n' + "".join(
        f'[roles.role-{i:05d}]\nrole_arn = "arn:aws:iam::{100000000000 + i}:role/R{i}"\n'
        for i in range(count)
    )


async def test_ten_thousand_roles_paint_only_the_visible_rows(isolated_home) -> None:  # type: ignore[no-untyped-def]
    from tests.tui.conftest import build_rig

    rig = build_rig(isolated_home, many_roles(10_000))
    app = rig.app()
    frozen_before = gc.get_freeze_count()
    computed = 0
    row = app.roles.book.row

    def counting(name, now):  # type: ignore[no-untyped-def]
        nonlocal computed
        computed += 1
        return row(name, now)

    app.roles.book.row = counting  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.roles.table
        assert table.virtual_size.height == 10_001  # heading + every role, without a line object per role
        assert computed < 5 * table.size.height
        await pilot.press("end")
        assert table.highlighted == "role-09999"
        assert "role-09999" in text(app, "role-09999")
        await pilot.press("pageup")
        assert table.cursor == 9999 - (table.size.height - 2)
        await pilot.press("home")
        assert table.highlighted == "role-00000" and table.scroll_offset.y == 0
        assert computed < 20 * table.size.height
        await pilot.press("slash", *"9999")
        assert app.roles.table.highlighted == "role-09999"
        assert gc.get_freeze_count() > frozen_before  # 10,000 lasting roles: out of every full collection
    assert gc.get_freeze_count() == frozen_before  # and back in when the screen is gone


async def test_a_large_cached_roles_file_paints_before_its_roles_are_decoded(  # type: ignore[no-untyped-def]
    isolated_home, monkeypatch
) -> None:
    """From the validated-roles cache, the first frame decodes the rows it shows and the roles with a session,
    not 5,000 roles; a role can be assumed at once; a filter typed while the rest is being indexed is
    applied when the index is ready (meanwhile the table says it is searching)."""

    from stsui.cli.wiring import load_roles
    from stsui.domain.roster import Roster
    from stsui.engine.engine import Engine
    from stsui.store import stamps
    from tests.support.clock import real_ns
    from tests.tui.conftest import build_rig, count_decodes, hold_decoding_every_role, wait_while_held

    count = 5_000
    rig = build_rig(isolated_home, many_roles(count))
    path = rig.engine.config.path
    later = real_ns() + 10**11  # the roles file long settled: the cache vouches for it by its stat alone
    monkeypatch.setattr(stamps, "now_ns", lambda: later)
    load_roles(path)  # validated, and cached
    config = load_roles(path)
    assert isinstance(config.roles, Roster) and not config.roles.loaded
    rig.engine = Engine(
        config, rig.engine.store, lambda: rig.gateway, cache_dir=isolated_home / "cache", clock=rig.clock
    )
    rig.start_session("role-04998")  # a live session far down the list
    decoded = count_decodes(monkeypatch)
    indexing_may_go = hold_decoding_every_role(monkeypatch)
    app = rig.app()
    async with app.run_test(size=SIZE) as pilot:
        table = app.roles.table
        await wait_while_held(
            pilot, lambda: bool(table.size.height) and "role-00000" in text(app, "role-00000")
        )
        assert table.virtual_size.height == count + 1
        assert len(decoded) < 2 * table.size.height, "the first frame decoded roles it does not show"
        state = app.roles.book.get("role-04998")
        assert state is not None and state.entry is not None  # its session is known from the first frame
        await pilot.press("enter")  # assume the first role while the rest are not decoded
        await wait_while_held(pilot, lambda: rig.gateway.count("assume_role") > 0)
        assert rig.gateway.count("assume_role") == 1
        await pilot.press("slash", *"4998")
        await pilot.pause()
        assert table.view == [] and table.empty_text == "Searching 5,000 roles…"  # not a stale list
        indexing_may_go.set()
        await wait_until(pilot, lambda: table.view == ["role-04998"])
        assert words(app, "role-04998")[:2] == ["role-04998", "100000004998"]
        assert "active" in text(app, "role-04998")
