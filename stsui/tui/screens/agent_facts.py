"""The roles screen while the TUI is the user's agent: what the agent's threads report, and the prompts for
background callers' MFA codes.

The agent (`stsui.tui.serving`) serves `credential-process` and `exec` callers from its own threads; they post
facts here: the agent started (or another one serves), a role it could not get, a role served, a role that
needs a new MFA code, a caller waiting for one. Each tick asks which roles were served since the last one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work

from stsui.tui.display import display_path
from stsui.tui.messages import (
    AgentFailed,
    AgentNeedsMfa,
    AgentServed,
    MfaAsked,
    MfaAskEnded,
    MfaRelayed,
    MfaRequest,
    ServingChanged,
)
from stsui.tui.screens.mfa import MfaScreen
from stsui.tui.serving import State

if TYPE_CHECKING:
    from textual.screen import Screen

    from stsui.engine.engine import Engine
    from stsui.tui.renewals import RenewalPolicy
    from stsui.tui.serving import Serving
    from stsui.tui.state import RoleBook
    from stsui.tui.widgets.identity_panel import IdentityPanel
    from stsui.tui.widgets.role_table import RoleTable

    _Host = Screen[None]
else:
    _Host = object


class AgentFacts(_Host):
    """Mixed into the roles screen, which brings `engine`, `book`, `serving`, `renewals`, `table`, `panel`
    and its repaint helpers. Its handlers use Textual's `on_<message>` names (found through the mixin)."""

    if TYPE_CHECKING:
        engine: Engine
        book: RoleBook
        serving: Serving
        renewals: RenewalPolicy

        @property
        def table(self) -> RoleTable: ...

        @property
        def panel(self) -> IdentityPanel: ...

        def _changed(self, name: str) -> None: ...

        def _repaint(self) -> None: ...

        def _detail(self, name: str) -> tuple[str, bool]: ...

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self._asking: dict[MfaRequest, MfaScreen] = {}
        """Prompts open for background callers."""
        self._agent_failing: set[str] = set()
        """Roles whose last fetch by the agent failed (told once until one succeeds)."""

    @work(thread=True, exit_on_error=False, group="serve", description="start serving")
    def serve_worker(self) -> None:
        """Become the user's agent (binding sockets, writing the agent file) off the event loop."""
        self.serving.start(self.post_message)
        self.post_message(ServingChanged())

    def poll_served(self) -> None:
        """Which roles the agent served since the last tick (a dict copy under a lock: cheap)."""
        first = not self.book.has_served
        changed = self.book.served(self.serving.served())
        if not changed:
            return
        if first:
            self.table.refit()
        self._repaint()
        highlighted = self.table.highlighted
        if highlighted in changed:
            detail, is_error = self._detail(highlighted)
            self.panel.show_detail(detail, error=is_error)

    def on_serving_changed(self, _fact: ServingChanged) -> None:
        serving = self.serving
        if serving.serving:
            self.app.sub_title = f"serving {serving.url} · {display_path(self.engine.config.path)}"
        elif serving.state in (State.ELSEWHERE, State.FAILED):
            self.app.notify(serving.why_not(), title="Not serving", severity="warning", timeout=10)

    def on_agent_failed(self, fact: AgentFailed) -> None:
        """Told once per failure streak: the agent retries with backoff, a caller gets a 503 meanwhile."""
        if fact.role in self._agent_failing:
            return
        self._agent_failing.add(fact.role)
        self.app.notify(
            f"The agent could not get a session of role '{fact.role}' for a background caller: "
            f"{fact.message} It tries again by itself.",
            title="Agent",
            severity="error",
            timeout=10,
        )

    def on_agent_served(self, fact: AgentServed) -> None:
        self._agent_failing.discard(fact.role)

    def on_agent_needs_mfa(self, fact: AgentNeedsMfa) -> None:
        if self.book.get(fact.role) is None:
            return
        if self.book.served_needs_mfa(fact.role):
            serial = self.engine.mfa_root(self.book[fact.role].role).mfa_serial
            self.app.notify(
                f"A background caller asked for role '{fact.role}', which needs a new MFA code ({serial}); "
                "highlight the row and press Enter or r to enter it.",
                title="MFA code needed",
                severity="warning",
                timeout=10,
            )
        self._changed(fact.role)

    def on_mfa_asked(self, fact: MfaAsked) -> None:
        request = fact.request
        prompt = MfaScreen(request.role, request.serial, asker=request.asker)
        self._asking[request] = prompt

        def answered(code: str | None) -> None:
            self._asking.pop(request, None)
            if code and request.future.done():
                self.app.notify(f"{request.asker} stopped waiting; the code was unused.", severity="warning")
            request.reply(code)

        self.app.push_screen(prompt, answered)

    def on_mfa_ask_ended(self, fact: MfaAskEnded) -> None:
        request = fact.request
        prompt = self._asking.pop(request, None)
        if prompt is not None and self.app.screen is prompt:
            prompt.dismiss(None)
        self.app.notify(
            f"No MFA code for role '{request.role}' was entered in time; {request.asker} was told.",
            severity="warning",
            timeout=10,
        )

    def on_mfa_relayed(self, fact: MfaRelayed) -> None:
        state = self.book.get(fact.role)
        if fact.error:
            title = f"Could not start the MFA session of {fact.role}"
            self.app.notify(fact.error, title=title, severity="error", timeout=10)
            return
        if state is not None:
            self.renewals.mfa_session_started(state.role)
            self._changed(fact.role)
        self.app.notify(f"MFA session started for {fact.role}; {fact.asker} goes on.", title="MFA")
