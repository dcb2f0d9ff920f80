"""An agent as one piece: warm sessions, the loopback credentials server and the background renewer, and for
the user's agent also the agent file and its lock and (for the TUI) the MFA relay, started and stopped
together.

`stsui serve` runs the user's agent headless; the TUI runs it while it is open. Only one per user: `start`
raises `AgentRunning` (naming the process that serves) when another agent holds the lock. `stsui exec` runs
one of its own for its child, unregistered: one role, its own port and token, for as long as the child runs;
`stsui imds` one for one role with the instance-metadata server instead.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Collection
from datetime import datetime
from pathlib import Path

from stsui.agent.child import new_token
from stsui.agent.http_server import HttpServer
from stsui.agent.mfa_relay import Answer, MfaRelay
from stsui.agent.registry import AgentRegistration
from stsui.agent.server import CredentialsServer, route
from stsui.agent.sessions import Event, Renewer, SessionSource
from stsui.domain.model import Role
from stsui.engine.engine import Engine


class Agent:
    """Serves the roles of `engine` (every one, or only `roles`) on 127.0.0.1 while started. With
    `register`, it is the user's agent: the one that `agent.json` names. `repr` never shows the token.

    `server` makes another server on the same sessions instead of the container-credentials one (`stsui
    imds`: EC2's instance metadata), unregistered only."""

    def __init__(
        self,
        engine: Engine,
        *,
        roles: Collection[str] | None = None,
        register: bool = True,
        port: int = 0,
        on_event: Callable[[Event], None] = lambda event: None,
        mfa_answer: Answer | None = None,
        needs_you: Callable[[Role, str | None, str], object] | None = None,
        server: Callable[[SessionSource], HttpServer] | None = None,
    ) -> None:
        if mfa_answer is not None and not register:
            raise ValueError("only the user's agent (registered) answers MFA questions")
        if server is not None and register:
            raise ValueError("the user's agent serves the container-credentials protocol")
        self.engine = engine
        self._mfa_answer = mfa_answer
        self.sessions = SessionSource(
            engine, roles=None if roles is None else set(roles), on_event=on_event, needs_you=needs_you
        )
        self.registration = AgentRegistration() if register else None
        self.token = new_token()
        self._make_server = server or (lambda sessions: CredentialsServer(sessions, self.token, port=port))
        self._server: HttpServer | None = None
        self._stack = contextlib.ExitStack()

    def __repr__(self) -> str:
        return f"Agent(url={self.url!r})"

    @property
    def url(self) -> str:
        """The server's base URL (`http://127.0.0.1:PORT`), or "" before `start`."""
        return self._server.url if self._server is not None else ""

    @property
    def file(self) -> Path | None:
        """The agent file callers read (url, token, pid); None for an unregistered agent."""
        return self.registration.path if self.registration is not None else None

    def route(self, role: str) -> str:
        """The container-credentials URL of `role`."""
        return route(self.url, role)

    def served(self) -> dict[str, datetime]:
        """Each role handed out so far, with when it was last fetched."""
        return self.sessions.served()

    def start(self) -> None:
        """Serve (and, registered, become the user's agent); raises AgentRunning or StsuiError, leaving
        nothing behind."""
        with contextlib.ExitStack() as stack:
            if self.registration is not None:
                self.registration.acquire()
                stack.callback(self.registration.release)
            server = self._make_server(self.sessions)
            server.start()
            stack.callback(server.stop)
            renewer = Renewer(self.sessions)
            renewer.start()
            stack.callback(renewer.stop)
            if self._mfa_answer is not None:
                relay = MfaRelay(self._mfa_answer)
                relay.start()
                stack.callback(relay.stop)
            if self.registration is not None:
                self.registration.publish(server.url, self.token)
            self._server = server
            self._stack = stack.pop_all()

    def stop(self) -> None:
        """Stop serving and remove the agent file (idempotent)."""
        self._stack.close()
        self._server = None
