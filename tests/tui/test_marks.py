"""Many roles at once (Pilot, fake STS, frozen clock): Space marks, `*` marks what is shown, `-` clears;
Enter, r and x then act on every marked role, with one MFA code per device, one progress line, one summary."""

from __future__ import annotations

from pathlib import Path

import pytest

from stsui.domain.errors import StsError
from stsui.tui.messages import MarkedRunDone, MarkedRunProgress, SessionForgotten, SessionStarted
from stsui.tui.screens.confirm import ConfirmScreen
from stsui.tui.screens.mfa import MfaScreen
from stsui.tui.state import MARKED
from tests.tui.conftest import ROLES, Recorder, Rig, build_rig, wait_until, workers_done

SIZE = (120, 34)
SERIAL = "arn:aws:iam::999999999999:mfa/tester"
SHARED = (
    ROLES
    + f'\n[roles.mfa-two]\nrole_arn = "arn:aws:iam::777777777777:role/Two"\nmfa_serial = "{SERIAL}"\n'
    + f'\n[roles.mfa-three]\nrole_arn = "arn:aws:iam::888888888888:role/Three"\nmfa_serial = "{SERIAL}"\n'
)


@pytest.fixture
def shared(isolated_home: Path) -> Rig:
    return build_rig(isolated_home, SHARED)


async def settle(pilot) -> None:  # type: ignore[no-untyped-def]
    await workers_done(pilot.app)
    await pilot.pause()


def marked(rig_app, name: str) -> bool:  # type: ignore[no-untyped-def]
    return rig_app.roles.book.row(name, rig_app.engine.clock()).flags.startswith(MARKED)


async def mark(pilot, app, *names: str) -> None:  # type: ignore[no-untyped-def]
    for name in names:
        app.roles.table.go_to(name)
        await pilot.press("space")


async def test_space_marks_and_unmarks_with_a_visible_mark(rig: Rig) -> None:
    app = rig.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("space")
        assert marked(app, "prod-admin") and MARKED in app.roles.table.render_line(1).text
        await pilot.press("space")
        assert not marked(app, "prod-admin")


async def test_star_marks_the_filters_matches_and_minus_clears(rig: Rig) -> None:
    recorder = Recorder()
    app = rig.app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"prod")
        await settle(pilot)
        shown = set(app.roles.table.view)
        app.roles.table.focus()
        await pilot.press("asterisk")
        assert app.roles.book.marked == shown and "dev-admin" not in shown
        assert recorder.notified(f"Marked {len(shown)} roles")
        await pilot.press("minus")
        assert app.roles.book.marked == set()


async def test_three_marked_roles_sharing_a_device_take_one_code(shared: Rig) -> None:
    recorder = Recorder()
    app = shared.app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await settle(pilot)
        await mark(pilot, app, "mfa-ops", "mfa-two", "mfa-three")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, MfaScreen))
        assert "3 marked roles" in str(app.screen.query_one("#mfa-title").render())
        await pilot.press(*"123456", "enter")
        await wait_until(pilot, lambda: recorder.of(MarkedRunDone))
        assert shared.gateway.count("get_session_token") == 1
        assert shared.gateway.count("assume_role") == 3
        assert sum(isinstance(screen, MfaScreen) for screen in app.screen_stack) == 0
        assert {f.role for f in recorder.of(SessionStarted)} == {"mfa-ops", "mfa-two", "mfa-three"}
        assert recorder.of(MarkedRunProgress)[-1].text == "Assuming 3 roles: 3 done, 0 to go"
        summaries = [n for n in recorder.notifications if n.title == "Marked roles"]
        assert [n.message for n in summaries] == ["Assumed 3 of 3 roles."]
        assert not recorder.notified("Assumed mfa-ops")  # one summary, no notice per role
        for name in ("mfa-ops", "mfa-two", "mfa-three"):
            assert app.roles.book.row(name, shared.clock()).status == "active"
        assert app.sub_title == "~/.config/stsui/roles.toml"  # the progress line is gone again


async def test_a_failing_role_is_named_in_the_summary_and_shows_on_its_row(rig: Rig) -> None:
    rig.gateway.failures["dev-admin"] = StsError(
        "AssumeRole for role 'dev-admin' failed: AccessDenied: no", "AccessDenied"
    )
    recorder = Recorder()
    app = rig.app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await settle(pilot)
        await mark(pilot, app, "staging-deploy", "dev-admin", "manual")
        await pilot.press("enter")
        await wait_until(pilot, lambda: recorder.of(MarkedRunDone))
        [summary] = [n for n in recorder.notifications if n.title == "Marked roles"]
        assert summary.severity == "error"
        assert summary.message.startswith("Assumed 2 of 3 roles; 1 failed: dev-admin: AssumeRole for role")
        assert app.roles.book.row("dev-admin", rig.clock()).status == "error"
        assert app.roles.book.row("manual", rig.clock()).status == "active"


async def press_on_two_live_roles(rig: Rig, key: str) -> Recorder:
    """Two roles with live sessions, both marked, then `key`; the run's facts."""
    rig.start_session("staging-deploy")
    rig.start_session("dev-admin")
    recorder = Recorder()
    app = rig.app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await settle(pilot)
        await mark(pilot, app, "staging-deploy", "dev-admin")
        await pilot.press(key)
        await wait_until(pilot, lambda: recorder.of(MarkedRunDone))
    return recorder


async def test_x_forgets_every_marked_role(rig: Rig) -> None:
    recorder = await press_on_two_live_roles(rig, "x")
    assert {f.role for f in recorder.of(SessionForgotten)} == {"staging-deploy", "dev-admin"}
    assert not {"staging-deploy", "dev-admin"} & set(rig.credentials.read())


async def test_r_renews_every_marked_role(rig: Rig) -> None:
    recorder = await press_on_two_live_roles(rig, "r")
    assert rig.gateway.count("assume_role") == 2
    assert {f.role for f in recorder.of(SessionStarted) if f.renewal} == {"staging-deploy", "dev-admin"}
    renewed = rig.credentials.read_session("staging-deploy", "staging-deploy")
    assert renewed is not None and renewed.credentials.access_key_id not in {
        "ASIAFAKE000000000001",
        "ASIAFAKE000000000002",
    }


async def test_marked_confirm_roles_ask_once_for_all(isolated_home: Path) -> None:
    rig = build_rig(
        isolated_home,
        ROLES.replace("[roles.prod-admin]\n", "[groups.prod]\nconfirm = true\n\n[roles.prod-admin]\n"),
    )
    recorder = Recorder()
    app = rig.app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await settle(pilot)
        await mark(pilot, app, "prod-admin", "prod-readonly", "dev-admin")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        question = str(app.screen.query_one("#confirm-question").render())
        assert question.startswith("Assume 2 roles that ask to be confirmed: 'prod-admin' (111111111111)")
        await pilot.press("escape")
        await settle(pilot)
        assert rig.gateway.count("assume_role") == 0 and not recorder.of(MarkedRunDone)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_until(pilot, lambda: recorder.of(MarkedRunDone))
        assert rig.gateway.count("assume_role") == 3


async def test_without_marks_enter_acts_on_the_highlighted_role_only(rig: Rig) -> None:
    recorder = Recorder()
    app = rig.app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await settle(pilot)
        await pilot.press("space", "space", "enter")  # marked, then unmarked again
        await wait_until(pilot, lambda: recorder.of(SessionStarted))
        assert rig.gateway.count("assume_role") == 1 and not recorder.of(MarkedRunDone)


async def test_cancelling_a_devices_code_leaves_its_roles_out_of_the_run(shared: Rig) -> None:
    recorder = Recorder()
    app = shared.app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await settle(pilot)
        await mark(pilot, app, "mfa-ops", "mfa-two", "dev-admin")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, MfaScreen))
        await pilot.press("escape")
        await wait_until(pilot, lambda: recorder.of(MarkedRunDone))
        assert [n.message for n in recorder.notifications if n.title == "Marked roles"] == [
            "Assumed 1 of 1 role."
        ]
        assert shared.gateway.count("get_session_token") == 0
        assert (
            shared.gateway.count("assume_role") == 1 and shared.gateway.count("assume_role", "dev-admin") == 1
        )
