"""The terminal UI: a table of roles with live countdowns, an identity panel, and keys that send intents.

The engine does the work. Every STS call and file write runs in a thread worker that never touches a
widget; it posts a message from `stsui.tui.messages`, and the `@on` handlers below apply it to the screen
(and handle every error) in one place. One 1-second ticker polls the credentials file (a stat) and, while
anything is live, moves the visible countdowns, and starts automatic renewals.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from textual import events, on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.css.query import NoMatches
from textual.notifications import SeverityLevel
from textual.timer import Timer
from textual.widgets import Footer, Header, Input
from textual.worker import Worker, WorkerState, get_current_worker

from stsui.domain.durations import format_time_left
from stsui.domain.errors import StsError, StsuiError
from stsui.domain.exports import env_lines
from stsui.domain.model import Identity, Role
from stsui.domain.search import RoleSearch, narrows
from stsui.domain.times import rfc3339
from stsui.engine.engine import Engine
from stsui.tui.commands import StsuiCommands
from stsui.tui.lifetime import Lifetime
from stsui.tui.messages import (
    ActionFailed,
    AssumeFailed,
    CredentialsFileChanged,
    CredentialsFileUnreadable,
    ExportLinesReady,
    IdentityFailed,
    IdentityFetched,
    MfaCodeNeeded,
    MfaSessionsForgotten,
    NoLiveSession,
    RenewalNeedsMfa,
    SessionForgotten,
    SessionStarted,
)
from stsui.tui.screens.help import HelpScreen, binding_rows
from stsui.tui.screens.mfa import MfaScreen
from stsui.tui.state import RoleBook, Working
from stsui.tui.widgets.identity_panel import IdentityPanel
from stsui.tui.widgets.role_table import RoleTable

FIRST_RETRY = 30
"""Seconds before retrying a failed renewal; doubles with each failure in a row..."""

LAST_RETRY = 600
"""...up to ten minutes."""

MAX_RENEWALS = 4
"""Automatic renewals in flight at once; more due sessions wait for the next tick (STS throttles bursts)."""


def display_path(path: Path) -> str:
    """`~/.config/stsui/roles.toml` rather than the full home path."""
    try:
        return "~/" + path.relative_to(Path.home()).as_posix()
    except ValueError:
        return str(path)


def retry_delay(failures: int) -> int:
    """30 s, 60 s, 120 s, … capped at 10 min, after `failures` failures in a row (1 or more)."""
    return min(FIRST_RETRY * 2 ** max(failures - 1, 0), LAST_RETRY)


class StsuiApp(App[int]):
    """stsui's terminal UI for one `Engine` (which brings the roles, credentials file, STS and clock)."""

    TITLE = "stsui"
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {StsuiCommands}

    BINDINGS = [
        Binding("enter", "assume", "Assume", tooltip="Assume the highlighted role and write its profile"),
        Binding(
            "slash",
            "filter",
            "Filter",
            tooltip="Filter roles by name, account, IAM role, profile or group",
            priority=True,  # run before the keys typed right after it are routed, so none is lost
        ),
        Binding("r", "renew", "Renew", tooltip="Renew the highlighted role's session now"),
        Binding("x", "forget", "Forget", tooltip="Remove the highlighted role's profile and cached session"),
        Binding("i", "refresh_identities", "Identities", tooltip="Ask STS again who the identities are"),
        Binding("c", "copy_env", "Copy env", tooltip="Copy export lines for the highlighted session"),
        Binding("m", "forget_mfa", "Forget MFA", tooltip="Drop every cached MFA session"),
        Binding("question_mark", "help", "Help", tooltip="Show every key"),
        Binding("q", "quit", "Quit", tooltip="Quit stsui (sessions stay in their profiles)"),
        Binding("escape", "clear_filter", "Clear filter", tooltip="Clear and hide the filter"),
    ]

    def __init__(self, engine: Engine, *, tick_every: float | None = 1.0) -> None:
        """`tick_every=None` starts no timer: tests call `tick()` after moving the clock.

        Signals and a lost terminal are `stsui.tui.lifetime`'s, set up by `run_tui`.
        """
        super().__init__()
        self.engine = engine
        self.book = RoleBook(engine.config.roles.values())
        self._search: RoleSearch | None = None
        self._query = ""
        self._matches: list[int] = []
        self._tick_every = tick_every
        self.ticker: Timer | None = None
        self._stamp: tuple[int, int, int] | None = None
        self._reading = False
        self._jobs: dict[Worker[None], int] = {}
        self._failures: dict[int, int] = {}
        self._retry_at: dict[int, datetime] = {}
        self._mfa_warned: set[int] = set()
        self._identities: dict[str, Identity] = {}
        """Session identities by the session's access key id."""
        self._session_keys: dict[str, str] = {}
        """The access key id of each role's current session, once looked up."""
        self._startup_error: str | None = None

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """As `App.notify`, but plain text by default: messages quote file content like `[roles.x]`."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Esc (clear the filter) is offered only while the filter is shown; `/` opens it only from the
        main screen and types itself once the filter has focus."""
        if action == "filter":
            return len(self.screen_stack) == 1 and self.focused is not self.query_one("#filter")
        if action == "clear_filter":
            try:
                return self.filter_input.has_class("-visible")
            except NoMatches:
                return False
        return True

    # -- layout ------------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        self._read_entries_now()
        config = self.engine.config
        empty = f"No roles in {config.path}; add [roles.NAME] tables or run 'stsui init'."
        yield Header()
        with Vertical(id="main"):
            yield Input(placeholder="Filter: name, account, IAM role, profile or group", id="filter")
            yield RoleTable(self.book, self.engine.clock, empty_text=empty, id="roles")
            yield IdentityPanel(id="identity")
        yield Footer()

    def _read_entries_now(self) -> None:
        """Read the credentials file before the first frame, so live sessions show at once (no STS here)."""
        try:
            self._stamp = self.engine.store.stamp()
            self.book.load(self.engine.entries())
        except StsuiError as error:
            self._startup_error = error.message

    @property
    def table(self) -> RoleTable:
        return self.query_one("#roles", RoleTable)

    @property
    def panel(self) -> IdentityPanel:
        return self.query_one("#identity", IdentityPanel)

    @property
    def filter_input(self) -> Input:
        return self.query_one("#filter", Input)

    @property
    def role_search(self) -> RoleSearch:
        """The filter's keys, built on first use (not before the first frame)."""
        if self._search is None:
            self._search = RoleSearch(self.book.roles)
        return self._search

    def on_mount(self) -> None:
        self.sub_title = display_path(self.engine.config.path)
        self.table.focus()
        if self._tick_every is not None:
            self.ticker = self.set_interval(self._tick_every, self.tick, name="ticker")
        if self._startup_error:
            self.notify(self._startup_error, title="Credentials file", severity="error", timeout=10)
        self._show_highlighted()
        self.call_after_refresh(self._fetch_base_identity)

    # -- the ticker --------------------------------------------------------------------------------------

    def tick(self) -> None:
        """Each second: notice file changes; while anything is live, move countdowns and renew what is due.

        With nothing live (no owned session, no work running) the countdown work is paused and a tick is one
        stat() of the credentials file, so sessions written by other programs still show within a second.
        """
        self._poll_credentials_file()
        if not self.book.live:
            return
        now = self.engine.clock()
        self.table.update_rows(now)
        self._renew_due(now)

    def _poll_credentials_file(self) -> None:
        if self._reading:
            return
        try:
            stamp = self.engine.store.stamp()
        except OSError:
            return
        if stamp != self._stamp:
            self._reading = True
            self._read_entries()

    def _renew_due(self, now: datetime) -> None:
        book = self.book
        running = sum(1 for working in book.working.values() if working is Working.RENEWING)
        for position in book.due(now):
            if running >= MAX_RENEWALS:
                return
            role = book.roles[position]
            if not role.auto_refresh or position in book.working or position in book.needs_mfa:
                continue
            retry_at = self._retry_at.get(position)
            if retry_at is not None and now < retry_at:
                continue
            running += self._start(position, Working.RENEWING, self._assume_worker, role, True, None, True)

    # -- intents -----------------------------------------------------------------------------------------

    def _highlighted_role(self) -> Role | None:
        name = self.table.highlighted
        role = None if name is None else self.book.role(name)
        if role is None:
            self.notify("No role is highlighted.", severity="warning")
        return role

    def _start(
        self, position: int, working: Working, worker: Callable[..., Worker[None]], *args: object
    ) -> bool:
        """Run `worker(*args)` for the role at `position`, one job per role at a time."""
        if position in self.book.working:
            role = self.book.roles[position].name
            self.notify(f"Role '{role}' is busy ({self.book.working[position]}); wait for it to finish.")
            return False
        self.book.working[position] = working
        job = worker(*args)
        self._jobs[job] = position
        self._repaint()
        return True

    def assume_role(self, name: str, *, fresh: bool = False, mfa_code: str | None = None) -> None:
        """Assume (or with `fresh`, renew) the role named `name`; asks for an MFA code first if needed."""
        position = self.book.position.get(name)
        if position is None:
            self.notify(f"No role named {name!r}.", severity="error")
            return
        working = Working.RENEWING if fresh else Working.ASSUMING
        self._start(position, working, self._assume_worker, self.book.roles[position], fresh, mfa_code, False)

    def action_assume(self) -> None:
        role = self._highlighted_role()
        if role is not None:
            self.assume_role(role.name)

    def action_renew(self) -> None:
        role = self._highlighted_role()
        if role is not None:
            self.assume_role(role.name, fresh=True)

    def action_forget(self) -> None:
        role = self._highlighted_role()
        if role is not None:
            self._start(self.book.position[role.name], Working.FORGETTING, self._forget_worker, role)

    def action_forget_mfa(self) -> None:
        self._forget_mfa_worker()

    def action_copy_env(self) -> None:
        role = self._highlighted_role()
        if role is not None:
            self._copy_worker(role)

    def action_refresh_identities(self) -> None:
        self._identities.clear()
        self._session_keys.clear()
        self.panel.show_base(None)
        self._fetch_base_identity()
        self._show_highlighted()

    def action_filter(self) -> None:
        field = self.filter_input
        field.add_class("-visible")
        field.display = True  # now, not at the next style update, so focus (and typed keys) land at once
        self.screen.set_focus(field)
        self.refresh_bindings()

    def action_clear_filter(self) -> None:
        field = self.filter_input
        if not field.has_class("-visible"):
            return
        keep = self.table.highlighted
        with field.prevent(Input.Changed):
            field.value = ""
        field.remove_class("-visible")
        field.display = False
        self.refresh_bindings()
        self._query, self._matches = "", []
        self.table.show(range(len(self.book)), keep=keep)
        self.table.focus()

    def action_help(self) -> None:
        keys = [
            (key, binding.tooltip or binding.description)
            for binding in self.BINDINGS
            if isinstance(binding, Binding)
            for key, _ in binding_rows([binding], self.get_key_display)
        ]
        keys.append(
            (self.get_key_display(Binding("ctrl+p", "")), "Command palette: every action, assume any role")
        )
        keys.append(
            (
                "↑ ↓ PgUp PgDn Home End",
                "Move the highlight (click a role to highlight it, double-click to assume)",
            )
        )
        intro = (
            f"Roles from {display_path(self.engine.config.path)}.\n"
            f"Sessions are written to their profiles in {display_path(self.engine.store.path)}."
        )
        self.push_screen(HelpScreen(keys, intro))

    def palette_actions(self) -> list[tuple[str, str, Callable[[], object]]]:
        """(title, help, callback) for the command palette: everything a key does."""
        return [
            ("Assume highlighted role", "Enter: assume the highlighted role", self.action_assume),
            ("Renew session now", "r: renew the highlighted role's session", self.action_renew),
            ("Forget session", "x: remove the highlighted role's profile", self.action_forget),
            (
                "Refresh identities",
                "i: ask STS who the base identity and session are",
                self.action_refresh_identities,
            ),
            (
                "Copy env export lines",
                "c: copy export lines for the highlighted session",
                self.action_copy_env,
            ),
            ("Forget MFA sessions", "m: drop every cached MFA session", self.action_forget_mfa),
            ("Filter roles", "/: filter by name, account, IAM role, profile or group", self.action_filter),
            ("Help", "?: every key", self.action_help),
            ("Quit stsui", "q: quit; sessions stay in their profiles", self.action_quit),
        ]

    @on(RoleTable.Chosen)
    def _chosen(self, event: RoleTable.Chosen) -> None:
        self.assume_role(event.role)

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        query = event.value
        within = self._matches if narrows(self._query, query) else None
        self._matches = self.role_search.filter(query, within)
        self._query = query
        self.table.empty_text = f"No role matches '{query}'; Esc clears the filter."
        self.table.show(self._matches if query.strip() else range(len(self.book)))

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self) -> None:
        self.table.focus()
        if self.table.highlighted is not None:
            self.assume_role(self.table.highlighted)

    def on_key(self, event: events.Key) -> None:
        """Up and down in the filter move the highlight, so a match can be picked without leaving it."""
        if self.focused is self.filter_input and event.key in ("up", "down"):
            self.table.cursor += -1 if event.key == "up" else 1
            event.stop()

    # -- workers: engine calls off the event loop; they post facts and never touch widgets ---------------

    @work(thread=True, exit_on_error=False, group="sessions", description="assume a role")
    def _assume_worker(self, role: Role, fresh: bool, mfa_code: str | None, automatic: bool) -> None:
        engine = self.engine
        try:
            if mfa_code is None and engine.needs_mfa_code(role, fresh=fresh):
                serial = engine.mfa_root(role).mfa_serial or ""
                if automatic:
                    self.post_message(RenewalNeedsMfa(role.name, serial))
                else:
                    self.post_message(MfaCodeNeeded(role.name, serial, fresh))
                return
            outcome = engine.assume(role, mfa_code=mfa_code, fresh=fresh)
        except StsuiError as error:
            code = error.code if isinstance(error, StsError) else ""
            self.post_message(
                AssumeFailed(role.name, error.message, code, renewal=fresh, automatic=automatic)
            )
            return
        session = outcome.session
        assert session is not None
        self.post_message(
            SessionStarted(
                role.name,
                session.expiration,
                session.assumed_role_arn,
                renewal=fresh,
                automatic=automatic,
                reused=outcome.reused,
                warnings=outcome.warnings,
            )
        )

    @work(thread=True, exit_on_error=False, group="sessions", description="forget a session")
    def _forget_worker(self, role: Role) -> None:
        try:
            removed = self.engine.forget(role)
        except StsuiError as error:
            self.post_message(ActionFailed("forget", error.message, role.name))
            return
        self.post_message(SessionForgotten(role.name, removed))

    @work(thread=True, exit_on_error=False, group="sessions", description="forget MFA sessions")
    def _forget_mfa_worker(self) -> None:
        try:
            count = self.engine.forget_mfa()
        except (StsuiError, OSError) as error:
            self.post_message(ActionFailed("forget MFA sessions", str(error)))
            return
        self.post_message(MfaSessionsForgotten(count))

    @work(thread=True, exit_on_error=False, group="copy", description="export lines")
    def _copy_worker(self, role: Role) -> None:
        try:
            session = self.engine.session(role)
        except StsuiError as error:
            self.post_message(ActionFailed("copy export lines", error.message, role.name))
            return
        if session is None or session.credentials.seconds_left(self.engine.clock()) <= 0:
            self.post_message(NoLiveSession(role.name, asked=True))
            return
        self.post_message(ExportLinesReady(role.name, env_lines(session)))

    @work(thread=True, exit_on_error=False, group="base-identity", description="base identity")
    def _fetch_base_identity(self) -> None:
        try:
            identity = self.engine.base_identity()
        except StsuiError as error:
            code = error.code if isinstance(error, StsError) else ""
            self.post_message(IdentityFailed(error.message, None, code))
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
            code = error.code if isinstance(error, StsError) else ""
            self.post_message(IdentityFailed(error.message, role.name, code))
            return
        self.post_message(IdentityFetched(identity, role.name, key))

    @work(thread=True, exit_on_error=False, group="read", description="read the credentials file")
    def _read_entries(self) -> None:
        try:
            stamp = self.engine.store.stamp()
            entries = self.engine.entries()
        except StsuiError as error:
            self.post_message(CredentialsFileUnreadable(error.message, stamp))
            return
        self.post_message(CredentialsFileChanged(entries, stamp))

    # -- facts: the one place the screen changes ---------------------------------------------------------

    def _position(self, role: str) -> int:
        return self.book.position[role]

    def _done(self, position: int) -> None:
        self.book.working.pop(position, None)

    @on(SessionStarted)
    def _session_started(self, fact: SessionStarted) -> None:
        position = self._position(fact.role)
        self.book.started(position, fact.expires_at, fact.assumed_role_arn)
        self._failures.pop(position, None)
        self._retry_at.pop(position, None)
        self._mfa_warned.discard(position)
        self._unblock_mfa_renewals(self.book.roles[position])
        self._session_keys.pop(fact.role, None)
        role = self.book.roles[position]
        left = format_time_left((fact.expires_at - self.engine.clock()).total_seconds())
        if fact.automatic:
            verb = "Renewed automatically"
        elif fact.renewal:
            verb = "Renewed"
        elif fact.reused:
            verb = "Reused the live session of"
        else:
            verb = "Assumed"
        self.notify(f"{verb} {role.name}: profile {role.profile}, {left} left.", title="Session")
        for warning in fact.warnings:
            self.notify(warning, severity="warning", timeout=10)
        self._repaint()
        if self.table.highlighted == fact.role:
            self._show_highlighted()

    def _unblock_mfa_renewals(self, role: Role) -> None:
        """A session was just obtained through `role`'s MFA device, so that device has a cached MFA
        session again: renewals stuck on the same device may go ahead (the warning is not repeated)."""
        root = self.engine.mfa_root(role)
        if root.mfa_serial is None:
            return
        device = (root.source_profile, root.mfa_serial)
        for stuck in list(self.book.needs_mfa):
            other = self.engine.mfa_root(self.book.roles[stuck])
            if (other.source_profile, other.mfa_serial) == device:
                self.book.needs_mfa.discard(stuck)

    @on(AssumeFailed)
    def _assume_failed(self, fact: AssumeFailed) -> None:
        position = self._position(fact.role)
        self._done(position)
        self.book.errors[position] = fact.message
        failures = self._failures.get(position, 0) + 1
        self._failures[position] = failures
        delay = retry_delay(failures)
        self._retry_at[position] = self.engine.clock() + timedelta(seconds=delay)
        what = "renew" if fact.renewal else "assume"
        title = f"Could not {what} {fact.role}" + (f" ({fact.code})" if fact.code else "")
        message = fact.message
        if fact.automatic:
            message += f" Next automatic try in {format_time_left(delay)}."
        self.notify(message, title=title, severity="error", timeout=10)
        self._repaint()
        if self.table.highlighted == fact.role:
            self._show_highlighted()

    @on(MfaCodeNeeded)
    def _mfa_code_needed(self, fact: MfaCodeNeeded) -> None:
        self._done(self._position(fact.role))
        self._repaint()

        def submitted(code: str | None) -> None:
            if code:
                self.assume_role(fact.role, fresh=fact.fresh, mfa_code=code)

        self.push_screen(MfaScreen(fact.role, fact.serial), submitted)

    @on(RenewalNeedsMfa)
    def _renewal_needs_mfa(self, fact: RenewalNeedsMfa) -> None:
        position = self._position(fact.role)
        self._done(position)
        self.book.needs_mfa.add(position)
        if position not in self._mfa_warned:
            self._mfa_warned.add(position)
            self.notify(
                f"Role '{fact.role}' needs a new MFA code ({fact.serial}) to renew its session; "
                "highlight it and press r.",
                title="MFA code needed",
                severity="warning",
                timeout=10,
            )
        self._repaint()
        if self.table.highlighted == fact.role:
            self._show_highlighted()

    @on(SessionForgotten)
    def _session_forgotten(self, fact: SessionForgotten) -> None:
        position = self._position(fact.role)
        self.book.forgotten(position)
        self._failures.pop(position, None)
        self._retry_at.pop(position, None)
        self._mfa_warned.discard(position)
        self._session_keys.pop(fact.role, None)
        role = self.book.roles[position]
        if fact.removed:
            self.notify(f"Forgot {role.name}: removed profile {role.profile}.", title="Session")
        else:
            self.notify(
                f"Forgot {role.name}'s cached session; profile {role.profile} was not stsui's to remove."
            )
        self._repaint()
        if self.table.highlighted == fact.role:
            self._show_highlighted()

    @on(MfaSessionsForgotten)
    def _mfa_forgotten(self, fact: MfaSessionsForgotten) -> None:
        sessions = "session" if fact.count == 1 else "sessions"
        self.notify(f"Forgot {fact.count} cached MFA {sessions}.", title="MFA")

    @on(ActionFailed)
    def _action_failed(self, fact: ActionFailed) -> None:
        if fact.role is not None:
            position = self._position(fact.role)
            self._done(position)
            self.book.errors[position] = fact.message
            self._repaint()
            if self.table.highlighted == fact.role:
                self._show_highlighted()
        title = f"Could not {fact.action}" + (f" ({fact.code})" if fact.code else "")
        self.notify(fact.message, title=title, severity="error", timeout=10)

    @on(CredentialsFileUnreadable)
    def _credentials_file_unreadable(self, fact: CredentialsFileUnreadable) -> None:
        """Told once per change: the stamp is kept, so the file is read again only when it changes."""
        self._reading = False
        self._stamp = fact.stamp
        self.notify(fact.message, title="Credentials file", severity="error", timeout=10)

    @on(ExportLinesReady)
    def _export_lines_ready(self, fact: ExportLinesReady) -> None:
        self.copy_to_clipboard(fact.text)
        self.notify(f"Copied export lines for {fact.role}.", title="Clipboard")

    @on(NoLiveSession)
    def _no_live_session(self, fact: NoLiveSession) -> None:
        if fact.asked:
            self.notify(
                f"Role '{fact.role}' has no live session to copy; press Enter to assume it.",
                severity="warning",
            )
        if self.table.highlighted == fact.role:
            self.panel.show_session(fact.role, note="no live session")

    @on(IdentityFetched)
    def _identity_fetched(self, fact: IdentityFetched) -> None:
        if fact.role is None:
            self.panel.show_base(fact.identity)
            return
        if fact.access_key_id is not None:
            self._identities[fact.access_key_id] = fact.identity
            self._session_keys[fact.role] = fact.access_key_id
        if self.table.highlighted == fact.role:
            self.panel.show_session(fact.role, fact.identity)

    @on(IdentityFailed)
    def _identity_failed(self, fact: IdentityFailed) -> None:
        if fact.role is None:
            self.panel.show_base(None, error=fact.message)
            title = "Base identity" + (f" ({fact.code})" if fact.code else "")
            self.notify(fact.message, title=title, severity="error", timeout=10)
        elif self.table.highlighted == fact.role:
            self.panel.show_session(fact.role, error=fact.message)

    @on(CredentialsFileChanged)
    def _credentials_file_changed(self, fact: CredentialsFileChanged) -> None:
        self._reading = False
        self._stamp = fact.stamp
        changed = self.book.load(fact.entries)
        for position in changed:
            self._mfa_warned.discard(position)
            self._retry_at.pop(position, None)
            self._failures.pop(position, None)
            self._session_keys.pop(self.book.roles[position].name, None)
        if changed:
            self._repaint()
            highlighted = self.table.highlighted
            if highlighted is not None and self.book.position[highlighted] in changed:
                self._show_highlighted()

    @on(RoleTable.Highlighted)
    def _highlighted(self) -> None:
        self._show_highlighted()

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        """Workers report through messages; this catches what nobody expected (a bug, not a StsuiError)."""
        worker = event.worker
        if event.state not in (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            return
        position = self._jobs.pop(worker, None)  # type: ignore[arg-type]
        if event.state != WorkerState.ERROR:
            return
        if worker.group == "read":
            self._reading = False
        if position is not None:
            self._done(position)
            self._repaint()
        error = worker.error
        self.notify(
            f"Unexpected {type(error).__name__} while trying to {worker.description}: {error}",
            title="stsui bug",
            severity="error",
            timeout=15,
        )

    # -- drawing -----------------------------------------------------------------------------------------

    def _repaint(self) -> None:
        """Bring visible rows up to date after facts changed (only changed lines are redrawn)."""
        self.table.update_rows(self.engine.clock())

    def _show_highlighted(self) -> None:
        """Fill the identity panel for the highlighted role, fetching its session identity if not cached."""
        panel = self.panel
        name = self.table.highlighted
        if name is None:
            panel.show_session(None)
            panel.show_detail("")
            return
        position = self.book.position[name]
        role = self.book.roles[position]
        detail, is_error = self._detail(position)
        panel.show_detail(detail, error=is_error)
        seconds = self.book.seconds_left(position, self.engine.clock())
        if seconds is None or seconds <= 0:
            panel.show_session(name, note="no live session" if seconds is None else "session expired")
            return
        key = self._session_keys.get(name)
        if key is not None and key in self._identities:
            panel.show_session(name, self._identities[key])
            return
        panel.show_session(name, pending=True)
        self._fetch_session_identity(role, dict(self._identities))

    def _detail(self, position: int) -> tuple[str, bool]:
        role = self.book.roles[position]
        error = self.book.errors.get(position)
        if error is not None:
            return error, True
        parts = []
        if position in self.book.needs_mfa:
            serial = self.engine.mfa_root(role).mfa_serial
            parts.append(f"renewal needs a new MFA code for {serial}: press r")
        expires_at = self.book.expiry.get(position)
        parts.append(f"profile {role.profile}" + (f", expires {rfc3339(expires_at)}" if expires_at else ""))
        if role.source_role:
            parts.append(f"chained via {role.source_role}")
        root = self.engine.mfa_root(role)
        if root.mfa_serial:
            parts.append(f"MFA {root.mfa_serial}")
        if not role.auto_refresh:
            parts.append("auto-renew off")
        if role.description:
            parts.append(role.description)
        return " · ".join(parts), False


def run_tui(engine: Engine) -> int:
    """Run the terminal UI until the user quits, its terminal goes away or it is sent SIGTERM/SIGHUP; the
    exit code for the CLI. The process ends within `lifetime.GRACE` seconds of that, whatever is stuck."""
    app = StsuiApp(engine)

    def request_exit() -> None:
        try:
            app.call_from_thread(app.exit)
        except RuntimeError:  # in the App's own thread (a signal handler), or the App is not running
            app.exit()

    lifetime = Lifetime(request_exit)
    lifetime.install()
    app.run()
    code = 128 + lifetime.ended_by if lifetime.ended_by else app.return_code or 0
    lifetime.finish_within(code)
    return code


__all__ = ["StsuiApp", "run_tui"]
