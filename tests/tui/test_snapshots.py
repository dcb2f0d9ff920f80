"""Snapshots of the screens at 120x34 with a frozen clock and the fake STS (baselines in __snapshots__/).

Pinned to the Textual version in pyproject; after an intended change, review and run with --snapshot-update.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from stsui.domain.model import Credentials, Session
from stsui.tui.app import StsuiApp
from stsui.tui.screens.confirm import ConfirmScreen
from stsui.tui.screens.mfa import MfaScreen
from stsui.tui.screens.region import RegionScreen
from tests.tui.conftest import ROLES, SECRET_MARK, Rig, build_rig, wait_until, workers_done

SIZE = (120, 34)


def live_sessions(rig: Rig) -> None:
    """Sessions in every state the countdown shows: fine, under 15 min, under 5 min, expired."""
    rig.start_session("prod-admin")
    rig.start_session("chained")
    rig.start_session("staging-deploy", duration=12 * 60)
    rig.start_session("dev-admin", duration=3 * 60)
    expired = Credentials(
        "ASIAEXPIRED", f"{SECRET_MARK}-a", f"{SECRET_MARK}-b", rig.clock() - timedelta(minutes=5)
    )
    rig.credentials.write_session(
        "manual", Session("manual", expired, "arn:aws:sts::666666666666:assumed-role/Manual/tester")
    )


async def settled(pilot: Pilot) -> None:  # type: ignore[type-arg]
    for _ in range(3):
        await workers_done(pilot.app)
        await pilot.pause()
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False


@pytest.fixture
def app(rig: Rig) -> StsuiApp:
    live_sessions(rig)
    return rig.app()


def test_main_screen_with_live_sessions(app: StsuiApp, snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(app, terminal_size=SIZE, run_before=settled)


def test_filter_in_use(app: StsuiApp, snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:  # type: ignore[type-arg]
        await settled(pilot)
        await pilot.press("slash", *"prod")
        await settled(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_mfa_prompt(app: StsuiApp, snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:  # type: ignore[type-arg]
        await settled(pilot)
        app.roles.table.go_to("mfa-ops")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, MfaScreen))
        await pilot.press("1", "2", "3")
        await settled(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_help_screen(app: StsuiApp, snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:  # type: ignore[type-arg]
        await settled(pilot)
        await pilot.press("question_mark")
        await settled(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


GUARDED = ROLES.replace(
    "[roles.prod-admin]\n", '[groups.prod]\ncolor = "red"\nconfirm = true\n\n[roles.prod-admin]\n'
).replace("[roles.dev-admin]\n", '[roles.dev-admin]\ncolor = "green"\n')


@pytest.fixture
def guarded_app(isolated_home: Path) -> StsuiApp:
    """Production in red (confirm), dev in green; one role pinned; live sessions, one in another region."""
    rig = build_rig(isolated_home, GUARDED)
    live_sessions(rig)
    rig.engine.set_region(rig.role("staging-deploy"), "us-west-2")
    rig.engine.recents.update(lambda recents: recents.toggled("dev-admin"))
    return rig.app()


def test_colours_pins_marks_and_regions(guarded_app: StsuiApp, snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:  # type: ignore[type-arg]
        await settled(pilot)
        for name in ("prod-admin", "staging-deploy"):
            guarded_app.roles.table.go_to(name)
            await pilot.press("space")
        guarded_app.roles.table.go_to("prod-readonly")
        await settled(pilot)

    assert snap_compare(guarded_app, terminal_size=SIZE, run_before=run_before)


def test_confirm_dialog(guarded_app: StsuiApp, snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:  # type: ignore[type-arg]
        await settled(pilot)
        guarded_app.roles.table.go_to("prod-admin")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(guarded_app.screen, ConfirmScreen))
        await settled(pilot)

    assert snap_compare(guarded_app, terminal_size=SIZE, run_before=run_before)


def test_region_picker(guarded_app: StsuiApp, snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:  # type: ignore[type-arg]
        await settled(pilot)
        guarded_app.roles.table.go_to("staging-deploy")
        await pilot.press("g")
        await wait_until(pilot, lambda: isinstance(guarded_app.screen, RegionScreen))
        await pilot.press(*"us")
        await settled(pilot)

    assert snap_compare(guarded_app, terminal_size=SIZE, run_before=run_before)
