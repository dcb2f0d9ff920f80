"""`sts` with no role opens the TUI to choose: "use in this shell" (u) assumes if needed, then closes."""

from __future__ import annotations

from stsui.tui.app import USE_IN_SHELL, StsuiApp
from tests.tui.conftest import Rig
from tests.tui.test_app import SIZE, settle, words


async def test_u_assumes_the_highlighted_role_then_closes_with_it_chosen(rig: Rig) -> None:
    app = StsuiApp(rig.engine, tick_every=None, choosing=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("down")
        assert app.table.highlighted == "prod-readonly"
        await pilot.press("u")
        await pilot.wait_for_scheduled_animations()
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert app.chosen == "prod-readonly"
    assert not app.is_running
    assert rig.credentials.read()["prod-readonly"].owner_role == "prod-readonly"
    assert rig.gateway.count("assume_role", "prod-readonly") == 1


async def test_u_on_a_live_role_reuses_its_session(rig: Rig) -> None:
    rig.start_session("prod-admin")
    app = StsuiApp(rig.engine, tick_every=None, choosing=True)
    async with app.run_test(size=SIZE) as pilot:
        assert "active" in words(app, "prod-admin")
        await pilot.press("u")
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert app.chosen == "prod-admin"
    assert rig.gateway.count("assume_role") == 0


async def test_quitting_chooses_nothing(rig: Rig) -> None:
    app = StsuiApp(rig.engine, tick_every=None, choosing=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("q")
    assert app.chosen is None
    assert rig.gateway.count("assume_role") == 0


async def test_u_is_offered_only_when_choosing(rig: Rig) -> None:
    for choosing in (True, False):
        app = StsuiApp(rig.engine, tick_every=None, choosing=choosing)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            enabled = {binding.action for (_, binding, on, _) in app.active_bindings.values() if on}
            assert ("use_in_shell" in enabled) is choosing
            assert any(title == "Use in this shell" for title, _, _ in app.palette_actions()) is choosing
            await pilot.press("question_mark")
            assert any(text == USE_IN_SHELL for _, text in app.screen.keys) is choosing  # type: ignore[attr-defined]
            await pilot.press("escape")
            if not choosing:
                await pilot.press("u")
                await settle(pilot)
                assert app.is_running and rig.gateway.count("assume_role") == 0
