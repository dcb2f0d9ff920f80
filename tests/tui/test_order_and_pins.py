"""Recent first and pins (Pilot, frozen clock): pinned roles, then frecency, then file order; `p` pins, `t`
switches to file order and back; both survive a restart; what the user takes is kept, renewals are not."""

from __future__ import annotations

import json
from datetime import timedelta

from stsui.domain.frecency import Recents
from stsui.tui.app import StsuiApp
from stsui.tui.messages import ConsoleReady, SessionStarted
from stsui.tui.state import PINNED
from tests.tui.conftest import Recorder, Rig, wait_until, workers_done

SIZE = (120, 34)
FILE_ORDER = ["prod-admin", "prod-readonly", "staging-deploy", "dev-admin", "mfa-ops", "chained", "manual"]


def seed(rig: Rig, change: object) -> None:
    """Give the recents file what a user's earlier runs left (at the rig's frozen time)."""
    _, warning = rig.engine.recents.update(change)  # type: ignore[arg-type]
    assert warning is None


def takes(rig: Rig) -> list[str]:
    recents, _ = rig.engine.recents.read()
    return [name for name, _ in recents.takes]


async def settle(pilot) -> None:  # type: ignore[no-untyped-def]
    await workers_done(pilot.app)
    await pilot.pause()


async def test_with_no_history_recent_first_is_file_order(rig: Rig) -> None:
    app = rig.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.roles.table.view == FILE_ORDER
        assert app.title == "stsui · recent first"


async def test_pins_then_frecency_then_file_order(rig: Rig) -> None:
    an_hour_ago = rig.clock() - timedelta(hours=1)
    seed(rig, lambda r: r.toggled("manual").took(["dev-admin", "dev-admin", "chained"], an_hour_ago))
    app = rig.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        view = app.roles.table.view
        assert view[:3] == ["manual", "dev-admin", "chained"]
        assert view[3:] == [name for name in FILE_ORDER if name not in view[:3]]
        assert app.roles.table.highlighted == "manual"  # the top row: the first pin
        assert app.roles.book.row("manual", rig.clock()).flags == " " + PINNED


async def test_t_switches_to_file_order_and_the_header_says_so_across_a_restart(rig: Rig) -> None:
    seed(rig, lambda r: r.toggled("manual"))
    app = rig.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.roles.table.view[0] == "manual"
        await pilot.press("t")
        await settle(pilot)
        assert app.roles.table.view == FILE_ORDER
        assert app.title == "stsui · file order"
        assert app.roles.table.highlighted == "manual"  # the highlight stays on its role
    again = rig.app()
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert again.roles.table.view == FILE_ORDER and again.title == "stsui · file order"
        await pilot.press("t")
        await settle(pilot)
        assert again.roles.table.view[0] == "manual" and again.title == "stsui · recent first"


async def test_p_pins_the_highlighted_role_to_the_top_and_again_unpins_it(rig: Rig) -> None:
    recorder = Recorder()
    app = rig.app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        app.roles.table.go_to("dev-admin")
        await pilot.press("p")
        await settle(pilot)
        assert app.roles.table.view[0] == "dev-admin" and app.roles.table.highlighted == "dev-admin"
        assert PINNED in app.roles.book.row("dev-admin", rig.clock()).flags
        assert recorder.notified("Pinned dev-admin")
        recents, _ = rig.engine.recents.read()
        assert recents.pins == ("dev-admin",)
        await pilot.press("p")
        await settle(pilot)
        assert app.roles.table.view == FILE_ORDER
        assert rig.engine.recents.read()[0].pins == ()


async def test_pins_survive_a_restart(rig: Rig) -> None:
    app = rig.app()
    async with app.run_test(size=SIZE) as pilot:
        app.roles.table.go_to("chained")
        await pilot.press("p")
        await settle(pilot)
    again = rig.app()
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert again.roles.table.view[0] == "chained"


async def test_a_pin_while_filtering_keeps_the_matches_best_first(rig: Rig) -> None:
    app = rig.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"admin")
        await settle(pilot)
        matches = list(app.roles.table.view)
        app.roles.table.focus()
        app.roles.table.go_to(matches[-1])
        await pilot.press("p")
        await settle(pilot)
        assert app.roles.table.view == matches
        await pilot.press("escape")
        await settle(pilot)
        assert app.roles.table.view[0] == matches[-1]  # once cleared, the pin comes first


async def test_enter_and_o_are_kept_in_the_history_renewals_are_not(rig: Rig) -> None:
    recorder = Recorder()
    app = rig.app()
    app.open_url = lambda url, **kwargs: None  # type: ignore[method-assign]
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        app.roles.table.go_to("dev-admin")
        await pilot.press("enter")
        await wait_until(pilot, lambda: recorder.of(SessionStarted))
        app.roles.table.go_to("staging-deploy")
        await pilot.press("o")
        await wait_until(pilot, lambda: recorder.of(ConsoleReady))
        assert takes(rig) == ["dev-admin", "staging-deploy"]
        app.roles.table.go_to("dev-admin")
        await pilot.press("r")
        await wait_until(pilot, lambda: len(recorder.of(SessionStarted)) >= 3)
        rig.clock.step(3600 - 60)
        app.tick()  # the automatic renewal of what is due
        await settle(pilot)
        assert takes(rig) == ["dev-admin", "staging-deploy"]


async def test_a_corrupt_history_is_said_once_and_the_roles_still_show(rig: Rig) -> None:
    path = rig.engine.recents.path
    path.parent.mkdir(parents=True, mode=0o700, exist_ok=True)
    path.write_text("{not json")
    recorder = Recorder()
    app = rig.app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await settle(pilot)
        assert app.roles.table.view == FILE_ORDER
        said = [n for n in recorder.notifications if "history of roles" in n.message]
        assert len(said) == 1 and "starts again empty" in said[0].message
    assert json.loads(path.read_text())["format"] == 1
    recorder = Recorder()
    again = StsuiApp(rig.engine, tick_every=None)
    async with again.run_test(size=SIZE, message_hook=recorder) as pilot:
        await settle(pilot)
        assert not recorder.notified("history of roles")


async def test_ten_thousand_takes_order_without_decoding_every_role(rig: Rig) -> None:
    when = int((rig.clock() - timedelta(hours=2)).timestamp())
    many = Recents(
        pins=("manual",), takes=tuple(("dev-admin" if i % 3 else "gone", when) for i in range(10_000))
    )
    seed(rig, lambda r: many)
    app = rig.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.roles.table.view[:2] == ["manual", "dev-admin"]
