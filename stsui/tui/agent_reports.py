"""What the agent reports while the TUI serves: where it serves (or why not), the roles it served, a role it
could not get, a role that needs a new MFA code, and background callers waiting for one.

The agent (`stsui.tui.serving`) serves `credential-process` and `exec` callers from its own threads; they post
facts (`stsui.tui.messages`) to the App, whose handlers ask `AgentReports` what each one marks on the roles'
records and says. Each tick asks which roles were served since the last one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from stsui.tui.display import LONG, Notice, display_path, failure, failure_title, mfa_code_needed
from stsui.tui.messages import AgentFailed, AgentNeedsMfa, MfaRelayed, MfaRequest, Post, ServingChanged
from stsui.tui.serving import State

if TYPE_CHECKING:
    from stsui.engine.engine import Engine
    from stsui.tui.renewals import RenewalPolicy
    from stsui.tui.serving import Serving
    from stsui.tui.state import RoleBook


class AgentReports:
    """The agent's facts, applied to the roles' records; the App repaints their rows and shows the notices."""

    def __init__(self, engine: Engine, book: RoleBook, serving: Serving, renewals: RenewalPolicy) -> None:
        self.engine = engine
        self.book = book
        self.serving = serving
        self.renewals = renewals
        self._failing: set[str] = set()
        """Roles whose last fetch by the agent failed (told once until one succeeds)."""

    def serve(self, post: Post) -> None:
        """Become the user's agent (binding sockets, writing the agent file): a worker's body."""
        self.serving.start(post)
        post(ServingChanged())

    def serving_changed(self) -> str | Notice | None:
        """The agent started (the App's subtitle to show), or could not (why), or neither yet."""
        serving = self.serving
        if serving.serving:
            return f"serving {serving.url} · {display_path(self.engine.config.path)}"
        if serving.state in (State.ELSEWHERE, State.FAILED):
            return Notice(serving.why_not(), title="Not serving", severity="warning", timeout=LONG)
        return None

    def poll_served(self) -> tuple[set[str], bool]:
        """Which roles the agent served since the last tick (a dict copy under a lock: cheap), and whether
        these are the first ever (the table then makes room for its SERVED column)."""
        first = not self.book.has_served
        changed = self.book.served(self.serving.served())
        return changed, first and bool(changed)

    def failed(self, fact: AgentFailed) -> Notice | None:
        """Told once per failure streak: the agent retries with backoff, a caller gets a 503 meanwhile."""
        if fact.role in self._failing:
            return None
        self._failing.add(fact.role)
        return failure(
            f"The agent could not get a session of role '{fact.role}' for a background caller: "
            f"{fact.message} It tries again by itself.",
            "Agent",
        )

    def served(self, role: str) -> None:
        """The agent got `role` a session: its failure streak, if any, is over."""
        self._failing.discard(role)

    def needs_mfa(self, fact: AgentNeedsMfa) -> Notice | None:
        """A background caller asked for a role whose MFA session lapsed: its row says so; told once."""
        if not self.book.served_needs_mfa(fact.role):
            return None
        serial = self.engine.mfa_root(self.book[fact.role].role).mfa_serial
        return mfa_code_needed(
            f"A background caller asked for role '{fact.role}', which needs a new MFA code ({serial}); "
            "highlight the row and press Enter or r to enter it."
        )

    def answered(self, request: MfaRequest, code: str | None) -> Notice | None:
        """The user answered a background caller's prompt (None: cancelled): hand it to the waiting relay."""
        late = bool(code) and request.future.done()
        request.reply(code)
        if late:
            return Notice(f"{request.asker} stopped waiting; the code was unused.", severity="warning")
        return None

    def gave_up(self, request: MfaRequest) -> Notice:
        """A background caller stopped waiting for its code (the time ran out); its prompt is closed."""
        return Notice(
            f"No MFA code for role '{request.role}' was entered in time; {request.asker} was told.",
            severity="warning",
            timeout=LONG,
        )

    def relayed(self, fact: MfaRelayed) -> Notice:
        """The code entered for a background caller started the role's MFA session (or failed): the roles
        waiting on that device may renew again."""
        if fact.error:
            return failure(fact.error, failure_title(f"start the MFA session of {fact.role}"))
        state = self.book.get(fact.role)
        if state is not None:
            self.renewals.mfa_session_started(state.role)
        return Notice(f"MFA session started for {fact.role}; {fact.asker} goes on.", title="MFA")
