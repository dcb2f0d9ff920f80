"""`sts` with no role opens the TUI to choose: "use in this shell" (u) assumes if needed, then closes."""

from __future__ import annotations

from stsui.domain.errors import StsError
from stsui.tui.app import StsuiApp
from stsui.tui.messages import AssumeFailed, SessionStarted
from tests.tui.conftest import Recorder, Rig, wait_until, workers_done
from tests.tui.test_app import SIZE, settle, words


def chooser(rig: Rig) -> StsuiApp:
    return StsuiApp(rig.engine, tick_every=None, choosing=True)


async def test_u_assumes_the_highlighted_role_then_closes_with_it_chosen(rig: Rig) -> None:
    app = chooser(rig)
    async with app.run_test(size=SIZE) as pilot:
        assert app.sub_title.startswith("u: use the highlighted role in this shell")
        await pilot.press("down")
        assert app.roles.table.highlighted == "prod-readonly"
        await pilot.press("u")
        await workers_done(app)
        await pilot.pause()
    assert app.chosen == "prod-readonly"
    assert not app.is_running
    assert rig.credentials.read()["prod-readonly"].owner_role == "prod-readonly"
    assert rig.gateway.count("assume_role", "prod-readonly") == 1


async def test_u_on_a_live_role_reuses_its_session(rig: Rig) -> None:
    rig.start_session("prod-admin")
    app = chooser(rig)
    async with app.run_test(size=SIZE) as pilot:
        assert "active" in words(app, "prod-admin")
        await pilot.press("u")
        await workers_done(app)
        await pilot.pause()
    assert app.chosen == "prod-admin"
    assert rig.gateway.count("assume_role") == 0


async def test_a_failed_assume_or_quitting_chooses_nothing(rig: Rig) -> None:
    rig.gateway.failures["prod-admin"] = StsError("AccessDenied", "Not allowed.")
    app = chooser(rig)
    recorder = Recorder()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await pilot.press("u")
        await wait_until(pilot, lambda: recorder.of(AssumeFailed))
        assert app.is_running and app.chosen is None
        del rig.gateway.failures["prod-admin"]
        await pilot.press("enter")  # assuming it afterwards does not close the TUI either
        await wait_until(pilot, lambda: recorder.of(SessionStarted))
        await settle(pilot)
        assert app.is_running
        await pilot.press("q")
    assert app.chosen is None


async def test_u_is_in_the_footer_only_when_choosing(rig: Rig) -> None:
    for choosing in (True, False):
        app = StsuiApp(rig.engine, tick_every=None, choosing=choosing)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            enabled = {binding.action for (_, binding, on, _) in app.active_bindings.values() if on}
            assert ("use_in_shell" in enabled) is choosing
            if not choosing:  # neither the key nor the palette runs it
                await pilot.press("u")
                await app.roles.run_action("use_in_shell")
                await settle(pilot)
                assert app.is_running and rig.gateway.count("assume_role") == 0
