"""Who the user is: the base identity, and the highlighted role's session as STS sees it.

The panel asks STS itself (GetCallerIdentity in thread workers that post `IdentityFetched` /
`IdentityFailed` / `NoLiveSession` back to it) and keeps what it learnt: session identities by access key
id, so moving the highlight back and forth costs no call. The screen tells it which role is highlighted
(`show_role`), when its record changed (`show_details`) and when a role's session changed (`forget_session`).
Styling is by class in app.tcss.
"""

from __future__ import annotations

import os

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Grid
from textual.widgets import Label
from textual.worker import get_current_worker

from stsui.discover.environment import shell_session
from stsui.domain.colors import rgb
from stsui.domain.errors import StsuiError
from stsui.domain.model import Identity, Role
from stsui.engine.engine import Engine
from stsui.tui.messages import IdentityFailed, IdentityFetched, NoLiveSession, aws_code
from stsui.tui.state import RoleState


def describe(identity: Identity, *, user_id: bool = True) -> str:
    text = f"{identity.arn}  ·  account {identity.account}"
    return f"{text}  ·  user id {identity.user_id}" if user_id else text


class IdentityPanel(Grid):
    """Four labelled lines: base identity, role session, details or the last error of the role, and which
    session the shell that started stsui uses (from its environment)."""

    def __init__(self, engine: Engine, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.engine = engine
        self.role: str | None = None
        """The role whose session is shown."""
        self._identities: dict[str, Identity] = {}
        """Session identities by the session's access key id."""
        self._session_keys: dict[str, str] = {}
        """The access key id of each role's current session, once looked up."""

    def compose(self) -> ComposeResult:
        yield Label("Base identity", classes="key")
        yield Label("fetching…", id="base", classes="value -pending", markup=False)
        yield Label("Role session", classes="key")
        yield Label("", id="session", classes="value", markup=False)
        yield Label("Details", classes="key")
        yield Label("", id="detail", classes="value", markup=False)
        yield Label("This shell", classes="key")
        yield Label(shell_session(os.environ), id="shell", classes="value -muted", markup=False)

    # -- what the screen tells it -------------------------------------------------------------------------

    def show_role(self, state: RoleState | None) -> None:
        """Show the highlighted role's record (None: no role is): its colour on the panel's top border, its
        details line, and its session's identity (asking STS if not known yet)."""
        self.role = None if state is None else state.name
        color = None if state is None or state.role.color is None else rgb(state.role.color)
        self.styles.border_top = None if color is None else ("heavy", color)  # production in red
        if state is None:
            self._show_session(None)
            self._set("detail", "")
            return
        self.show_details(state)
        role, seconds_left = state.role, state.seconds_left(self.engine.clock())
        if seconds_left is None or seconds_left <= 0:
            note = "no live session" if seconds_left is None else "session expired"
            self._show_session(role.name, note=note)
            return
        key = self._session_keys.get(role.name)
        if key is not None and key in self._identities:
            self._show_session(role.name, self._identities[key])
            return
        self._show_session(role.name, pending=True)
        self._fetch_session_identity(role, dict(self._identities))

    def show_details(self, state: RoleState) -> None:
        """The details line of role `state`: its last error, else what waits on the user and its settings."""
        details = state.details(self.engine.mfa_root(state.role))
        self._set("detail", details.text, "error" if details.error else "")

    def forget_session(self, name: str) -> None:
        """The role's session changed: its identity is looked up again when next shown."""
        self._session_keys.pop(name, None)

    def fetch_base(self) -> None:
        """Ask STS who the base identity is."""
        self._set("base", "fetching…", "pending")
        self._fetch_base_identity()

    def forget_identities(self) -> None:
        """Forget every identity learnt, and ask again for the base one."""
        self._identities.clear()
        self._session_keys.clear()
        self.fetch_base()

    # -- drawing ------------------------------------------------------------------------------------------

    def _set(self, label_id: str, text: str, state: str = "") -> None:
        label = self.query_one(f"#{label_id}", Label)
        label.update(text)
        label.set_class(state == "pending", "-pending")
        label.set_class(state == "error", "-error")
        label.set_class(state == "muted", "-muted")

    def _show_session(
        self,
        role: str | None,
        identity: Identity | None = None,
        *,
        pending: bool = False,
        error: str | None = None,
        note: str = "",
    ) -> None:
        if error is not None:
            self._set("session", error, "error")
        elif identity is not None:
            self._set("session", describe(identity, user_id=False))
        elif pending:
            self._set("session", "fetching…", "pending")
        else:
            self._set("session", f"{role}: {note}" if role and note else note, "muted")

    # -- workers: STS off the event loop ------------------------------------------------------------------

    @work(thread=True, exit_on_error=False, group="base-identity", description="base identity")
    def _fetch_base_identity(self) -> None:
        try:
            identity = self.engine.base_identity()
        except StsuiError as error:
            self.post_message(IdentityFailed(error.message, None, aws_code(error)))
            return
        self.post_message(IdentityFetched(identity))

    @work(
        thread=True,
        exit_on_error=False,
        group="session-identity",
        exclusive=True,
        description="session identity",
    )
    def _fetch_session_identity(self, role: Role, known: dict[str, Identity]) -> None:
        """Exclusive: moving the highlight on cancels the previous fetch before it calls STS."""
        try:
            session = self.engine.session(role)
            if session is None or session.credentials.seconds_left(self.engine.clock()) <= 0:
                self.post_message(NoLiveSession(role.name))
                return
            key = session.credentials.access_key_id
            identity = known.get(key)
            if identity is None:
                if get_current_worker().is_cancelled:
                    return
                identity = self.engine.session_identity(session)
        except StsuiError as error:
            self.post_message(IdentityFailed(error.message, role.name, aws_code(error)))
            return
        self.post_message(IdentityFetched(identity, role.name, key))

    # -- what the workers found ---------------------------------------------------------------------------

    @on(IdentityFetched)
    def _identity_fetched(self, fact: IdentityFetched) -> None:
        if fact.role is None:
            self._set("base", describe(fact.identity))
            return
        if fact.access_key_id is not None:
            self._identities[fact.access_key_id] = fact.identity
            self._session_keys[fact.role] = fact.access_key_id
        if self.role == fact.role:
            self._show_session(fact.role, fact.identity)

    @on(IdentityFailed)
    def _identity_failed(self, fact: IdentityFailed) -> None:
        if fact.role is None:
            self._set("base", fact.message, "error")
            title = "Base identity" + (f" ({fact.code})" if fact.code else "")
            self.app.notify(fact.message, title=title, severity="error", timeout=10)
        elif self.role == fact.role:
            self._show_session(fact.role, error=fact.message)

    @on(NoLiveSession)
    def _no_live_session(self, fact: NoLiveSession) -> None:
        if self.role == fact.role:
            self._show_session(fact.role, note="no live session")
