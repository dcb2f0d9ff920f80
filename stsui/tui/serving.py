"""The TUI as the user's agent: `stsui.agent.runtime.Agent` started off the UI thread after the first paint,
stopped on every way out, and the bridge that lets background callers ask the user for an MFA code.

The agent serves from the engine's sessions as `stsui serve` does: it reuses a live session of the role's
profile or of the session cache, obtains new ones into the cache, and never writes a profile (only the TUI's
own assume and renew do). Its threads never touch a widget: they post facts (`stsui.tui.messages`) to the
App. Which roles it served, and when, the App polls with `served()` on its one-second tick.

`MfaPrompts.answer` is the MFA relay's callback (`stsui.agent.mfa_relay`), run in a relay thread for a caller
such as `stsui credential-process`: it asks the App to open an MFA prompt naming the role and the caller,
waits for the user, starts the MFA session with the code (here, in the relay thread) and answers None or a
sentence. The code never leaves this process.
"""

from __future__ import annotations

import enum
import threading
import time
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import datetime
from typing import TYPE_CHECKING

from stsui.agent.mfa_relay import WAIT
from stsui.domain.errors import StsuiError
from stsui.domain.printable import printable
from stsui.engine.engine import Engine
from stsui.tui.messages import (
    AgentFailed,
    AgentNeedsMfa,
    AgentServed,
    MfaAsked,
    MfaAskEnded,
    MfaRelayed,
    MfaRequest,
    Post,
)

if TYPE_CHECKING:
    from stsui.agent.runtime import Agent
    from stsui.agent.sessions import Event

PROMPT_WAIT = WAIT - 15
"""Seconds the user has to answer a background caller's prompt: the caller waits `WAIT`, and the MFA
session must still be started with the code and the answer sent back before then."""


class State(enum.StrEnum):
    OFF = "off"
    STARTING = "starting"
    SERVING = "serving"
    ELSEWHERE = "elsewhere"
    FAILED = "failed"


class MfaPrompts:
    """Background callers' MFA questions, one prompt at a time (a second caller for the same device then
    needs no code: the first one's MFA session serves it)."""

    def __init__(self, engine: Engine, post: Post, *, wait: float = PROMPT_WAIT) -> None:
        self.engine = engine
        self._post = post
        self._wait = wait
        self._one_at_a_time = threading.Lock()
        self._pending: set[MfaRequest] = set()
        self._closed = threading.Event()

    def answer(self, role_name: str, asker: str) -> str | None:
        """The relay's callback: None once the MFA session is cached, else a sentence for the caller."""
        deadline = time.monotonic() + self._wait
        role = self.engine.config.roles.get(role_name)
        if role is None:
            return f"The stsui TUI has no role named {printable(role_name, 80)!r} in its roles file."
        asker = printable(asker, 200) or "a program"
        if not self._one_at_a_time.acquire(timeout=self._wait):
            return f"Role '{role.name}' needs an MFA code and the stsui TUI is busy with another prompt."
        try:
            try:
                if not self.engine.needs_mfa_code(role):
                    return None  # a code was entered meanwhile (for this caller or another)
            except (StsuiError, OSError) as error:
                return str(error)
            serial = self.engine.mfa_root(role).mfa_serial or ""
            request = MfaRequest(role.name, serial, asker)
            if self._closed.is_set():
                return f"Role '{role.name}' needs an MFA code and the stsui TUI is closing."
            self._pending.add(request)
            try:
                self._post(MfaAsked(request))
                try:
                    code = request.future.result(timeout=max(deadline - time.monotonic(), 0))
                except FutureTimeout:
                    request.reply(None)
                    self._post(MfaAskEnded(request, timed_out=True))
                    return (
                        f"Nobody entered an MFA code for role '{role.name}' in the stsui TUI within "
                        f"{int(self._wait)} s; try again, or run 'stsui assume {role.name}'."
                    )
            finally:
                self._pending.discard(request)
            if code is None:
                if self._closed.is_set():
                    return f"The stsui TUI closed before an MFA code was entered for role '{role.name}'."
                return f"The MFA prompt for role '{role.name}' was cancelled in the stsui TUI."
            try:
                self.engine.start_mfa_session(role, code)
            except StsuiError as error:
                self._post(MfaRelayed(role.name, asker, error.message))
                return error.message
            self._post(MfaRelayed(role.name, asker))
            return None
        finally:
            self._one_at_a_time.release()

    def close(self) -> None:
        """The TUI is going away: every caller still waiting is told so at once."""
        self._closed.set()
        for request in list(self._pending):
            request.reply(None)


class Serving:
    """Whether and where this TUI serves, and the agent itself while it does. Thread-safe."""

    def __init__(self, engine: Engine, *, enabled: bool) -> None:
        self.engine = engine
        self.state = State.STARTING if enabled else State.OFF
        self.problem = "" if enabled else "the TUI was started with --no-serve"
        """Why it does not serve (a phrase), when it does not."""
        self.agent: Agent | None = None
        self.prompts: MfaPrompts | None = None
        self._lock = threading.RLock()  # stop() may run in a signal handler on a thread inside stop()
        self._stopped = False

    @property
    def serving(self) -> bool:
        return self.state is State.SERVING

    @property
    def url(self) -> str:
        """The server's base URL while serving, else ""."""
        agent = self.agent
        return agent.url if agent is not None and self.serving else ""

    def start(self, post: Post) -> None:
        """Become the user's agent (call from a worker thread). Sets `state` and `problem`; never raises
        for an agent that is already running or a server that cannot start."""
        from stsui.agent.registry import AgentRunning  # the server's modules load after the first paint
        from stsui.agent.runtime import Agent
        from stsui.agent.sessions import EventKind

        with self._lock:
            if self._stopped or self.state is not State.STARTING:
                return
            prompts = MfaPrompts(self.engine, post)

            def on_event(event: Event) -> None:
                if event.kind is EventKind.NEEDS_MFA:
                    post(AgentNeedsMfa(event.role))
                elif event.kind is EventKind.FAILED:
                    post(AgentFailed(event.role, event.detail))
                else:
                    post(AgentServed(event.role))

            agent = Agent(self.engine, on_event=on_event, mfa_answer=prompts.answer)
            try:
                agent.start()
            except AgentRunning as error:
                self.state, self.problem = State.ELSEWHERE, _phrase(error.message)
                return
            except (StsuiError, OSError) as error:
                self.state, self.problem = State.FAILED, _phrase(str(error))
                return
            self.agent, self.prompts, self.state = agent, prompts, State.SERVING

    def stop(self) -> None:
        """Stop serving and remove the agent file (idempotent, any thread; a start still running finishes
        first and is then undone)."""
        with self._lock:
            self._stopped = True
            if self.prompts is not None:
                self.prompts.close()
            if self.agent is not None:
                self.agent.stop()
            if self.state in (State.SERVING, State.STARTING):
                self.state, self.problem = State.OFF, "the TUI is closing"

    def served(self) -> dict[str, datetime]:
        """Each role the agent served, with when it was last fetched (cheap: a dict under a lock)."""
        agent = self.agent
        return agent.served() if agent is not None and self.serving else {}

    def route(self, role: str) -> str:
        agent = self.agent
        return agent.route(role) if agent is not None and self.serving else ""

    def container_lines(self, role: str) -> str | None:
        """What `e` copies for `role` (holds the agent's token), or None when not serving."""
        from stsui.agent.child import container_lines

        agent = self.agent
        if agent is None or not self.serving:
            return None
        return container_lines(role, agent.route(role), agent.token)

    def why_not(self) -> str:
        """A sentence saying why this TUI does not serve (for `e` and the start-up notification)."""
        if self.state is State.STARTING:
            return "The agent is still starting; try again in a moment."
        return f"This TUI does not serve sessions: {self.problem}."


def _phrase(sentence: str) -> str:
    """`An stsui agent …; use it.` → `an stsui agent …; use it` (to follow a colon)."""
    text = sentence.rstrip(".")
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text
