"""Production in red, behind a confirmation (Pilot, fake STS, frozen clock): a `confirm` role asks before it
is assumed, used in the shell or opened in the console; Enter or y goes on, Esc or n cancels; renewing a
session the user already chose never asks; colours reach the row and the panel."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.style import Style

from stsui.domain.colors import rgb
from stsui.tui.app import StsuiApp
from stsui.tui.commands import StsuiCommands
from stsui.tui.messages import ConsoleReady, SessionStarted
from stsui.tui.screens.confirm import ConfirmScreen
from stsui.tui.screens.mfa import MfaScreen
from tests.tui.conftest import ROLES, Recorder, Rig, build_rig, wait_until, workers_done

SIZE = (120, 34)
GUARDED = ROLES.replace(
    "[roles.prod-admin]\n", '[groups.prod]\ncolor = "red"\nconfirm = true\n\n[roles.prod-admin]\n'
).replace("[roles.dev-admin]\n", '[roles.dev-admin]\ncolor = "#30a46c"\n')


@pytest.fixture
def guarded(isolated_home: Path) -> Rig:
    return build_rig(isolated_home, GUARDED)


async def settle(pilot) -> None:  # type: ignore[no-untyped-def]
    await workers_done(pilot.app)
    await pilot.pause()


async def ask(pilot, app: StsuiApp, role: str, key: str) -> ConfirmScreen:  # type: ignore[no-untyped-def]
    app.roles.table.go_to(role)
    await pilot.press(key)
    await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
    assert isinstance(app.screen, ConfirmScreen)
    return app.screen


@pytest.mark.parametrize("answer", ["escape", "n"])
async def test_enter_on_a_confirm_role_asks_and_esc_or_n_cancels(guarded: Rig, answer: str) -> None:
    app = guarded.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        dialog = await ask(pilot, app, "prod-admin", "enter")
        question = str(dialog.query_one("#confirm-question").render())
        assert question == "Assume role 'prod-admin' (account 111111111111)?"
        await pilot.press(answer)
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmScreen)
        assert guarded.gateway.count("assume_role") == 0
        assert "prod-admin" not in guarded.credentials.read()


@pytest.mark.parametrize("answer", ["enter", "y"])
async def test_enter_or_y_goes_on(guarded: Rig, answer: str) -> None:
    recorder = Recorder()
    app = guarded.app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await settle(pilot)
        await ask(pilot, app, "prod-readonly", "enter")
        await pilot.press(answer)
        await wait_until(pilot, lambda: recorder.of(SessionStarted))
        assert guarded.gateway.count("assume_role", "prod-readonly") == 1


async def test_a_role_without_confirm_never_asks(guarded: Rig) -> None:
    recorder = Recorder()
    app = guarded.app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        app.roles.table.go_to("staging-deploy")
        await pilot.press("enter")
        await wait_until(pilot, lambda: recorder.of(SessionStarted))
        assert not any(isinstance(screen, ConfirmScreen) for screen in app.screen_stack)


async def test_the_console_asks_too(guarded: Rig) -> None:
    recorder = Recorder()
    app = guarded.app()
    app.open_url = lambda url, **kwargs: None  # type: ignore[method-assign]
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await settle(pilot)
        dialog = await ask(pilot, app, "mfa-ops", "o")
        assert "Open the console of role 'mfa-ops'" in str(dialog.query_one("#confirm-question").render())
        await pilot.press("y")
        await wait_until(pilot, lambda: isinstance(app.screen, MfaScreen))  # then its MFA code, once
        await pilot.press(*"123456", "enter")
        await wait_until(pilot, lambda: recorder.of(ConsoleReady))
        assert not any(isinstance(screen, ConfirmScreen) for screen in app.screen_stack)


async def test_use_in_shell_asks(guarded: Rig) -> None:
    app = StsuiApp(guarded.engine, tick_every=None, choosing=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        dialog = await ask(pilot, app, "chained", "u")
        assert "Use in this shell role 'chained'" in str(dialog.query_one("#confirm-question").render())
        await pilot.press("escape")
        await settle(pilot)
        assert app.chosen is None and app.is_running


@pytest.mark.parametrize("title", ["Assume prod-admin", "Open console: prod-admin"])
async def test_the_palette_asks_too(guarded: Rig, title: str) -> None:
    app = guarded.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        provider = StsuiCommands(app.screen)
        [hit] = [hit async for hit in provider.search(title) if hit.text == title]
        hit.command()
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")
        await settle(pilot)
        assert guarded.gateway.count("assume_role") == 0


async def test_renewing_a_chosen_session_never_asks_a_new_one_does(guarded: Rig) -> None:
    guarded.start_session("prod-admin")
    recorder = Recorder()
    app = guarded.app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        app.roles.table.go_to("prod-admin")
        await pilot.press("r")
        await wait_until(pilot, lambda: recorder.of(SessionStarted))
        assert not any(isinstance(screen, ConfirmScreen) for screen in app.screen_stack)
        await ask(pilot, app, "prod-readonly", "r")  # no session held: this r starts one


async def test_automatic_renewals_of_a_confirm_role_never_ask(guarded: Rig) -> None:
    guarded.start_session("prod-admin")
    recorder = Recorder()
    app = guarded.app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await settle(pilot)
        guarded.clock.step(3600 - 60)
        app.tick()
        await wait_until(pilot, lambda: recorder.of(SessionStarted))
        assert recorder.of(SessionStarted)[0].automatic
        assert not any(isinstance(screen, ConfirmScreen) for screen in app.screen_stack)


async def test_the_role_name_is_drawn_in_its_colour_and_the_panel_takes_it(guarded: Rig) -> None:
    app = guarded.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.roles.table

        def name_style(role: str) -> Style:
            y = table.view.index(role) + 1
            segment = next(s for s in table.render_line(y) if s.text.strip() == role)
            assert segment.style is not None
            return segment.style

        assert name_style("prod-admin").color is not None
        assert name_style("prod-admin").color.triplet.hex == rgb("red")  # type: ignore[union-attr]
        assert name_style("dev-admin").color.triplet.hex == "#30a46c"  # type: ignore[union-attr]
        assert name_style("staging-deploy").color != name_style("prod-admin").color
        panel = app.roles.panel
        assert panel.styles.border_top[1].hex.lower() == rgb("red")  # prod-admin is highlighted
        table.go_to("staging-deploy")
        await settle(pilot)
        assert panel.styles.border_top[1].hex.lower() != rgb("red")
