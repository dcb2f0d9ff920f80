"""The TUI as the user's agent (Pilot, fake STS, frozen clock): it shows where it serves and what it served,
`e` copies the container variables, another agent leaves it not serving, background callers' MFA prompts."""

from __future__ import annotations

import asyncio
import html
import json
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Callable

import pytest

from stsui.agent.mfa_relay import ask_the_tui
from stsui.agent.registry import AGENT_FILE, find_agent
from stsui.agent.runtime import Agent
from stsui.agent.sessions import SessionSource
from stsui.domain.errors import NeedsMfa, StsError
from stsui.domain.paths import runtime_dir
from stsui.domain.times import rfc3339
from stsui.tui.app import StsuiApp
from stsui.tui.messages import MfaAsked
from stsui.tui.screens.mfa import MfaScreen
from stsui.tui.serving import State
from tests.tui.conftest import SECRET_MARK, START, Recorder, Rig, wait_until

SIZE = (120, 34)


def serving_app(rig: Rig) -> StsuiApp:
    return StsuiApp(rig.engine, tick_every=None, serve=True)


async def serving(pilot, app: StsuiApp) -> Agent:  # type: ignore[no-untyped-def]
    await wait_until(pilot, lambda: app.serving.state is not State.STARTING)
    assert app.serving.state is State.SERVING, app.serving.why_not()
    assert app.serving.agent is not None
    return app.serving.agent


def fetch(agent: Agent, role: str) -> tuple[int, dict[str, str]]:
    """GET the role's route as an SDK does (from a thread: the server never needs the App's loop)."""
    request = urllib.request.Request(agent.route(role), headers={"Authorization": agent.token})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def shown(app: StsuiApp) -> str:
    """Every text on screen (header, table, panel, notifications, dialogs), from the screenshot."""
    svg = app.export_screenshot()
    return html.unescape("".join(re.findall(r"<text[^>]*>(.*?)</text>", svg))).replace("\xa0", " ")


def row_text(app: StsuiApp, role: str) -> str:
    table = app.roles.table
    return table.render_line(table.view.index(role) - round(table.scroll_offset.y) + 1).text


# -- serving ---------------------------------------------------------------------------------------------


async def test_serving_shows_the_url_never_the_token_and_quitting_removes_the_agent_file(rig: Rig) -> None:
    app = serving_app(rig)
    async with app.run_test(size=SIZE) as pilot:
        agent = await serving(pilot, app)
        await pilot.pause()
        assert agent.url.startswith("http://127.0.0.1:")
        assert f"serving {agent.url}" in app.sub_title
        assert f"serving {agent.url}" in shown(app)
        assert agent.token not in shown(app)
        found = find_agent()
        assert found is not None and found.url == agent.url
    assert not (runtime_dir() / AGENT_FILE).exists()
    assert find_agent() is None


async def test_roles_the_agent_served_show_when_they_were_last_fetched(rig: Rig) -> None:
    app = serving_app(rig)
    async with app.run_test(size=SIZE) as pilot:
        agent = await serving(pilot, app)
        assert "SERVED" not in shown(app)  # no column before anything was served
        status, body = await asyncio.to_thread(fetch, agent, "staging-deploy")
        assert status == 200 and body["AccessKeyId"].startswith("ASIAFAKE")
        app.tick()
        await pilot.pause()
        assert "SERVED" in shown(app)
        assert "now" in row_text(app, "staging-deploy")
        assert row_text(app, "prod-admin").split()[-1] != "now"
        rig.clock.step(5 * 60)
        app.tick()
        await pilot.pause()
        assert "5m ago" in row_text(app, "staging-deploy")
        app.roles.table.go_to("staging-deploy")
        await wait_until(pilot, lambda: "served to background callers" in shown(app))
        assert rfc3339(START) in shown(app)
        # the agent writes no profile: the row stays inactive, the session is in stsui's cache
        assert "staging-deploy" not in rig.credentials.read()
        assert rig.engine.sessions.get("staging-deploy") is not None
        assert SECRET_MARK not in shown(app) and agent.token not in shown(app)


async def test_serving_the_highlighted_role_shows_in_its_row_and_details_at_the_next_tick(rig: Rig) -> None:
    """The role under the cursor (prod-admin, the first row) fetched by a background caller: each tick that
    sees it served again repaints its row and the details line, and the TUI keeps running."""
    app = serving_app(rig)
    async with app.run_test(size=SIZE) as pilot:
        agent = await serving(pilot, app)
        await pilot.pause()
        assert app.roles.table.highlighted == "prod-admin"
        status, _ = await asyncio.to_thread(fetch, agent, "prod-admin")
        assert status == 200
        app.tick()
        await pilot.pause()
        assert "now" in row_text(app, "prod-admin")
        assert "served to background callers, last at 2026-01-15T12:00:00Z" in shown(app)
        rig.clock.step(90)
        status, _ = await asyncio.to_thread(fetch, agent, "prod-admin")
        assert status == 200
        app.tick()
        await pilot.pause()
        assert "served to background callers, last at 2026-01-15T12:01:30Z" in shown(app)
        assert app.is_running and app.screen is app.roles


async def test_e_copies_the_route_the_token_and_an_exec_line(rig: Rig) -> None:
    recorder = Recorder()
    app = serving_app(rig)
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        agent = await serving(pilot, app)
        await pilot.press("e")  # prod-admin is highlighted; the first press says where the token goes
        await wait_until(pilot, lambda: recorder.notified("Press e again"))
        assert app.clipboard == ""
        await pilot.press("e")
        await wait_until(pilot, lambda: recorder.notified("Copied for prod-admin"))
        copied = app.clipboard.splitlines()
        assert copied == [
            f"AWS_CONTAINER_CREDENTIALS_FULL_URI={agent.url}/roles/prod-admin/credentials",
            f"AWS_CONTAINER_AUTHORIZATION_TOKEN={agent.token}",
            "stsui exec prod-admin -- ",
        ]
        assert all(agent.token not in n.message + n.title for n in recorder.notifications)
        assert agent.token not in shown(app)
        # what was copied works: the route answers with the token
        status, body = await asyncio.to_thread(fetch, agent, "prod-admin")
        assert status == 200 and body["Token"].startswith(SECRET_MARK)


async def test_e_when_not_serving_says_why(rig: Rig) -> None:
    recorder = Recorder()
    app = rig.app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await pilot.press("e")
        await wait_until(pilot, lambda: recorder.notified("--no-serve"))
        assert app.clipboard == ""
        assert "serving" not in app.sub_title


async def test_with_another_agent_running_the_tui_opens_without_serving_and_says_so_once(rig: Rig) -> None:
    other = Agent(rig.engine)
    other.start()
    try:
        recorder = Recorder()
        app = serving_app(rig)
        async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
            await wait_until(pilot, lambda: app.serving.state is not State.STARTING)
            assert app.serving.state is State.ELSEWHERE
            await wait_until(pilot, lambda: recorder.notified("already serves"))
            await pilot.pause()
            said = [n for n in recorder.notifications if "already serves" in n.message]
            assert len(said) == 1
            assert other.url in said[0].message and str(find_agent().pid) in said[0].message  # type: ignore[union-attr]
            assert "serving" not in app.sub_title
            await pilot.press("e")

            def told() -> int:
                return len([n for n in recorder.notifications if "already serves" in n.message])

            await wait_until(pilot, lambda: told() == 2)  # e says why, naming the agent that serves
        # the other agent is untouched by the TUI's exit
        assert find_agent() is not None and find_agent().url == other.url  # type: ignore[union-attr]
    finally:
        other.stop()


# -- MFA for background callers --------------------------------------------------------------------------


def ask_in_background(role: str, asker: str) -> tuple[threading.Thread, list[object]]:
    """A background caller (as `stsui credential-process` is) asking the running TUI over the socket."""
    result: list[object] = []

    def run() -> None:
        try:
            ask_the_tui(role, asker)
            result.append("ok")
        except NeedsMfa as error:
            result.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, result


async def prompt_open(pilot, app: StsuiApp) -> MfaScreen:  # type: ignore[no-untyped-def]
    await wait_until(pilot, lambda: isinstance(app.screen, MfaScreen), rounds=400)
    assert isinstance(app.screen, MfaScreen)
    return app.screen


async def joined(pilot, thread: threading.Thread) -> None:  # type: ignore[no-untyped-def]
    await wait_until(pilot, lambda: not thread.is_alive(), rounds=400)


async def test_a_background_callers_mfa_prompt_names_role_and_asker_and_starts_the_mfa_session(
    rig: Rig,
) -> None:
    recorder = Recorder()
    app = serving_app(rig)
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await serving(pilot, app)
        role = rig.role("mfa-ops")
        assert rig.engine.needs_mfa_code(role)
        thread, result = ask_in_background("mfa-ops", "stsui credential-process mfa-ops (pid 4242)\x1b[2J")
        prompt = await prompt_open(pilot, app)
        await pilot.pause()
        screen = shown(app)
        assert "MFA code to assume mfa-ops" in screen
        assert "Asked by stsui credential-process mfa-ops (pid" in screen and "4242)\\x1b[2J" in screen
        assert "\x1b[2J" not in prompt.asker and "\\x1b[2J" in prompt.asker
        await pilot.press(*"123456", "enter")
        await joined(pilot, thread)
        assert result == ["ok"]
        assert rig.gateway.count("get_session_token", "123456") == 1
        assert not rig.engine.needs_mfa_code(role)  # the MFA session is cached for the caller to use
        await wait_until(pilot, lambda: recorder.notified("MFA session started for mfa-ops"))
        # a second caller for the same device is answered at once, without a prompt
        thread, result = ask_in_background("mfa-ops", "another caller")
        await joined(pilot, thread)
        assert result == ["ok"] and not isinstance(app.screen, MfaScreen)


async def test_a_cancelled_prompt_tells_the_caller_in_a_sentence(rig: Rig) -> None:
    app = serving_app(rig)
    async with app.run_test(size=SIZE) as pilot:
        await serving(pilot, app)
        thread, result = ask_in_background("mfa-ops", "stsui exec mfa-ops (pid 7)")
        await prompt_open(pilot, app)
        await pilot.press("escape")
        await joined(pilot, thread)
        assert len(result) == 1 and isinstance(result[0], NeedsMfa)
        assert "cancelled" in str(result[0]) and "mfa-ops" in str(result[0])
        assert rig.gateway.count("get_session_token") == 0
        assert rig.engine.needs_mfa_code(rig.role("mfa-ops"))


async def test_an_unanswered_prompt_gives_up_and_closes(rig: Rig, monkeypatch: pytest.MonkeyPatch) -> None:
    import stsui.tui.serving

    monkeypatch.setattr(stsui.tui.serving.MfaPrompts.__init__, "__kwdefaults__", {"wait": 0.5})
    recorder = Recorder()
    app = serving_app(rig)
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await serving(pilot, app)
        thread, result = ask_in_background("mfa-ops", "a slow caller")
        await joined(pilot, thread)
        assert isinstance(result[0], NeedsMfa) and "within" in str(result[0])
        await wait_until(pilot, lambda: recorder.notified("was entered in time"))
        assert len(recorder.of(MfaAsked)) == 1  # the prompt was opened, and is closed again
        assert not any(isinstance(screen, MfaScreen) for screen in app.screen_stack)


async def test_a_server_caller_that_needs_mfa_marks_the_row_and_is_served_once_the_code_is_entered(
    rig: Rig,
) -> None:
    recorder = Recorder()
    app = serving_app(rig)
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        agent = await serving(pilot, app)
        status, body = await asyncio.to_thread(fetch, agent, "mfa-ops")
        assert status == 503 and "MFA" in body["message"]
        await wait_until(pilot, lambda: "needs MFA" in row_text(app, "mfa-ops"))
        await wait_until(pilot, lambda: recorder.notified("press Enter or r"))
        status, _ = await asyncio.to_thread(fetch, agent, "mfa-ops")  # an SDK's retry: told once only
        assert status == 503
        await pilot.pause()
        assert len([n for n in recorder.notifications if "press Enter or r" in n.message]) == 1
        app.roles.table.go_to("mfa-ops")
        await wait_until(pilot, lambda: "a background caller needs a new MFA code" in shown(app))
        await pilot.press("enter")
        await prompt_open(pilot, app)
        await pilot.press(*"654321", "enter")
        await wait_until(pilot, lambda: "needs MFA" not in row_text(app, "mfa-ops"))
        status, body = await asyncio.to_thread(fetch, agent, "mfa-ops")
        assert status == 200 and body["AccessKeyId"].startswith("ASIAFAKE")


async def test_a_failed_fetch_for_a_background_caller_is_told_once_per_failure_streak(rig: Rig) -> None:
    recorder = Recorder()
    app = serving_app(rig)
    told = "could not get a session of role 'prod-admin'"

    def notices() -> int:
        return len([n for n in recorder.notifications if told in n.message])

    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        agent = await serving(pilot, app)
        rig.gateway.failures["prod-admin"] = StsError(
            "AssumeRole for role 'prod-admin' failed: AccessDenied."
        )
        for _ in range(2):  # an SDK retrying: one notification
            status, body = await asyncio.to_thread(fetch, agent, "prod-admin")
            assert status >= 500 and "AccessDenied" in body["message"]
        await wait_until(pilot, lambda: notices() == 1)
        assert "AccessDenied" in next(n.message for n in recorder.notifications if told in n.message)
        del rig.gateway.failures["prod-admin"]
        status, _ = await asyncio.to_thread(fetch, agent, "prod-admin")
        assert status == 200
        await pilot.pause()
        rig.clock.step(2 * 3600)  # the session has expired: the next fetch needs STS again
        rig.gateway.failures["prod-admin"] = StsError("AssumeRole for role 'prod-admin' failed: Throttling.")
        await asyncio.to_thread(fetch, agent, "prod-admin")
        await wait_until(pilot, lambda: notices() == 2)  # a new streak is told again


# -- the agent's renewals and the TUI's take each other's sessions ---------------------------------------


def assume_calls(rig: Rig, role: str) -> Callable[[], int]:
    return lambda: rig.gateway.count("assume_role", role)


async def test_an_automatic_renewal_takes_the_later_session_the_agent_renewed(rig: Rig) -> None:
    rig.start_session("prod-admin")  # 1 h, renewed by the TUI at 15 min left
    source = SessionSource(rig.engine)
    source.get("prod-admin")  # the agent serves the profile's session: no STS call
    assert rig.gateway.count("assume_role") == 0
    rig.clock.step(43 * 60)  # the agent renews 2 min before the renewal window
    assert source.renew_due() == 1
    renewed = rig.engine.sessions.get("prod-admin")
    assert renewed is not None and rig.gateway.count("assume_role") == 1
    app = rig.app()
    async with app.run_test(size=SIZE) as pilot:
        rig.clock.step(3 * 60)  # now the profile's session is due
        app.tick()
        await wait_until(pilot, lambda: rig.credentials.read()["prod-admin"].expires_at == renewed.expiration)
        assert rig.gateway.count("assume_role") == 1  # the TUI wrote the agent's session, no second call


def test_the_agent_takes_the_later_session_the_tui_obtained(rig: Rig) -> None:
    source = SessionSource(rig.engine)
    served = source.get("prod-admin")
    assert rig.gateway.count("assume_role") == 1
    rig.clock.step(20 * 60)
    renewed = rig.engine.assume(rig.role("prod-admin"), fresh=True).session  # the user pressed r
    assert renewed is not None and renewed.expiration > served.expiration
    rig.clock.step(23 * 60)  # the agent's renewal time for what it served
    assert source.renew_due() == 1
    assert rig.gateway.count("assume_role") == 2  # no third call: the agent took the TUI's session
    assert source.get("prod-admin") == renewed
