"""The other sessions view: other tools' sessions, live countdowns, identity on demand, nothing writable."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from textual.widgets import DataTable, Label

from stsui.domain.times import rfc3339
from stsui.tui.app import StsuiApp
from stsui.tui.commands import PaletteHost
from stsui.tui.screens.help import HelpScreen
from stsui.tui.screens.other_sessions import READ_ONLY, OtherSessionsScreen
from tests.tui.conftest import BASE_ARN, START, Recorder, Rig, wait_until, workers_done

OTHER_TOOLS = f"""
[saml]
aws_access_key_id = ASIASAML000000000001
aws_secret_access_key = OTHER-SECRET-saml
aws_session_token = OTHER-TOKEN-saml
x_principal_arn = arn:aws:sts::777777777777:assumed-role/SamlAdmin/me
x_security_token_expires = {rfc3339(START + timedelta(minutes=30))}

[awsume-dev]
aws_access_key_id = ASIAAWSUME0000000001
aws_secret_access_key = OTHER-SECRET-awsume
aws_session_token = OTHER-TOKEN-awsume
expiration = {(START + timedelta(minutes=4)):%Y-%m-%d %H:%M:%S}

[leapp]
aws_access_key_id = ASIALEAPP00000000001
aws_secret_access_key = OTHER-SECRET-leapp
aws_session_token = OTHER-TOKEN-leapp
"""


@pytest.fixture
def crowded(rig: Rig, monkeypatch: pytest.MonkeyPatch) -> Iterator[Rig]:
    monkeypatch.setenv("TZ", "UTC")  # awsume's zone-less expiration is local time
    time.tzset()
    credentials = rig.engine.store.path
    credentials.write_text(credentials.read_text() + OTHER_TOOLS)
    cache = rig.home / ".aws" / "cli" / "cache"
    cache.mkdir(parents=True)
    (cache / "corrupt.json").write_text("{not json")
    monkeypatch.setenv("AWS_PROFILE", "saml")
    yield rig
    monkeypatch.undo()
    time.tzset()


def _files(rig: Rig) -> dict[Path, tuple[bytes, int]]:
    aws = rig.home / ".aws"
    return {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(aws.rglob("*")) if p.is_file()}


def _rows(app: StsuiApp) -> dict[str, list[str]]:
    table = app.screen.query_one("#others-table", DataTable)
    rows = {}
    for number in range(table.row_count):
        cells = [str(cell) for cell in table.get_row_at(number)]
        rows[cells[1]] = cells
    return rows


async def _open(pilot) -> OtherSessionsScreen:  # type: ignore[no-untyped-def]
    await pilot.press("a")
    await wait_until(
        pilot, lambda: isinstance(pilot.app.screen, OtherSessionsScreen) and pilot.app.screen.found
    )
    return pilot.app.screen


async def test_other_sessions_show_with_live_countdowns(crowded: Rig) -> None:
    app = crowded.app()
    async with app.run_test() as pilot:
        panel = app.query_one("#shell", Label)
        await wait_until(pilot, lambda: str(panel.render()) == "profile 'saml' (AWS_PROFILE)")
        screen = await _open(pilot)
        rows = _rows(app)
        assert rows["saml *"][:5] == ["credentials-file", "saml *", "saml", "active", "30:00"]
        assert rows["saml *"][5] == "arn:aws:sts::777777777777:assumed-role/SamlAdmin/me"
        assert rows["awsume-dev"][3:5] == ["due", "04:00"]
        assert rows["leapp"][3:5] == ["unknown expiry", ""]
        assert rows["default"][3:5] == ["long-term keys", ""]
        assert rows["corrupt.json"][3] == "unreadable"

        crowded.clock.step(4 * 60 + 1)
        screen.tick()
        rows = _rows(app)
        assert rows["saml *"][3:5] == ["active", "25:59"]
        assert rows["awsume-dev"][3:5] == ["expired", "expired"]


async def test_no_write_action_reaches_the_other_sessions(crowded: Rig) -> None:
    crowded.start_session("prod-admin")
    before = _files(crowded)
    app = crowded.app()
    async with app.run_test() as pilot:
        await _open(pilot)
        for key in ("enter", "x", "r", "m", "c"):
            await pilot.press(key)
        await workers_done(pilot.app)
        await pilot.pause()
        assert isinstance(app.screen, OtherSessionsScreen)
        assert not [call for call in crowded.gateway.calls if call[0] != "caller_identity"]
        assert _files(crowded) == before
        assert not isinstance(app.screen, PaletteHost)  # the palette offers nothing of the roles here

        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        assert app.screen.intro == READ_ONLY
        await pilot.press("escape", "escape")
        assert not isinstance(app.screen, OtherSessionsScreen)


async def test_identity_on_demand_only_where_no_session_is_started(crowded: Rig) -> None:
    app = crowded.app()
    recorder = Recorder()
    async with app.run_test(message_hook=recorder) as pilot:
        screen = await _open(pilot)
        table = screen.query_one("#others-table", DataTable)
        names = [str(table.get_row_at(n)[1]) for n in range(table.row_count)]

        table.move_cursor(row=names.index("saml *"))
        await pilot.press("i")
        detail = screen.query_one("#others-detail", Label)
        await wait_until(pilot, lambda: BASE_ARN in str(detail.render()))
        assert ("caller_identity", "profile:saml") in crowded.gateway.calls

        crowded.gateway.calls.clear()
        table.move_cursor(row=names.index("corrupt.json"))
        await pilot.press("i")
        await pilot.pause()
        assert "does not ask STS" in str(detail.render())
        assert crowded.gateway.calls == []
        for secret in ("OTHER-SECRET", "OTHER-TOKEN"):
            assert secret not in app.export_screenshot()


async def test_the_panel_says_keys_in_the_environment_win(rig: Rig, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_PROFILE", "saml")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "ASIAENV")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "OTHER-TOKEN-env")
    app = rig.app()
    expected = "a session in AWS_ACCESS_KEY_ID and AWS_SESSION_TOKEN (they win over any profile)"
    async with app.run_test() as pilot:
        await wait_until(pilot, lambda: str(app.query_one("#shell", Label).render()) == expected)


def test_snapshot_of_the_other_sessions(crowded: Rig, snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await _open(pilot)
        await workers_done(pilot.app)
        await pilot.pause()

    assert snap_compare(crowded.app(), terminal_size=(120, 20), run_before=run_before)
