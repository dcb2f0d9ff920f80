"""The TUI with `mfa_process`: Enter says "code from mfa_process…" instead of opening the prompt, and the
command runs off the screen, never with the TUI's terminal."""

from __future__ import annotations

from pathlib import Path

from stsui.tui.messages import CodeFromProcess, SessionStarted
from stsui.tui.screens.mfa import MfaScreen
from tests.tui.conftest import ROLES, Recorder, build_rig, wait_until

SIZE = (120, 34)


async def test_enter_on_a_role_with_mfa_process_takes_its_code_without_the_prompt(
    isolated_home: Path,
) -> None:
    serial = 'mfa_serial = "arn:aws:iam::999999999999:mfa/tester"\n'
    process = 'mfa_process = "ykman oath accounts code --single t"\n'
    rig = build_rig(isolated_home, ROLES.replace(serial, serial + process))
    runs: list[tuple[str, bool]] = []

    def run(command: str, who: str, terminal: bool) -> str:
        runs.append((command, terminal))
        return "654321"

    rig.engine.codes.run = run
    recorder = Recorder()
    app = rig.app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        app.roles.table.go_to("mfa-ops")
        await pilot.press("enter")
        await wait_until(pilot, lambda: bool(recorder.of(SessionStarted)))
        assert not any(isinstance(screen, MfaScreen) for screen in app.screen_stack)
        assert recorder.of(CodeFromProcess) and recorder.notified("code from mfa_process")
    assert runs == [("ykman oath accounts code --single t", False)]
    assert rig.gateway.count("get_session_token", "654321") == 1
