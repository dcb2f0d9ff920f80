"""The roles screen: the role table and the identity panel, and everything that happens to their roles.

The engine does the work. Every STS call and file write runs in a thread worker that never touches a
widget; it posts a message from `stsui.tui.messages`, and the `@on` handlers below apply it to the
role's record in the `RoleBook` and repaint (and handle every error) in one place. Which sessions to renew
is `RenewalPolicy`'s decision; the keys are `stsui.tui.actions`' table. Mixed in, each in its own module:
the filter and its index (`filtering`), what the agent's threads report while the TUI serves
(`agent_facts`), the AWS console (`stsui.tui.console`) and IAM Identity Center (`sso`).
"""

from __future__ import annotations

from collections.abc import Callable

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import Footer, Header, Input
from textual.worker import Worker, WorkerState

from stsui.domain.durations import format_time_left
from stsui.domain.errors import NeedsLogin, StsError, StsuiError
from stsui.domain.exports import env_lines
from stsui.domain.model import ProfileEntry, Role, Status
from stsui.domain.times import rfc3339
from stsui.engine.engine import Engine
from stsui.tui.actions import ACTIONS, bindings, help_rows
from stsui.tui.commands import StsuiCommands
from stsui.tui.confirm import SecondPress
from stsui.tui.console import ConsoleAction
from stsui.tui.display import display_path
from stsui.tui.messages import (
    ActionFailed,
    AssumeFailed,
    CodeFromProcess,
    CredentialsFileChanged,
    CredentialsFileUnreadable,
    ExportLinesReady,
    MfaCodeNeeded,
    MfaSessionsForgotten,
    NoLiveSession,
    RenewalChecked,
    RenewalNeedsMfa,
    SessionForgotten,
    SessionStarted,
)
from stsui.tui.renewals import MfaDevice, RenewalPolicy
from stsui.tui.screens.agent_facts import AgentFacts
from stsui.tui.screens.filtering import FILTER_ID, RoleFilter
from stsui.tui.screens.help import HelpScreen
from stsui.tui.screens.mfa import MfaScreen
from stsui.tui.screens.sso import LoginNeeded, SsoActions
from stsui.tui.serving import Serving, State
from stsui.tui.state import RoleBook, Working
from stsui.tui.widgets.identity_panel import IdentityPanel
from stsui.tui.widgets.role_table import RoleTable


class RolesScreen(RoleFilter, AgentFacts, ConsoleAction, SsoActions, Screen[None]):
    """Every role of one `Engine`, its session's countdown and status, and the keys that act on them."""

    BINDINGS = bindings()
    COMMANDS = {StsuiCommands}

    def __init__(self, engine: Engine, *, choosing: bool = False, serving: Serving | None = None) -> None:
        """`choosing`: opened by `sts` to pick a role for the shell (`use_in_shell`); `chosen` then names
        the role whose session was started for it, and the App closes. `serving`: the TUI's agent."""
        super().__init__()
        self.engine = engine
        self.choosing = choosing
        self.chosen: str | None = None
        self._to_use: str | None = None
        self.serving = serving or Serving(engine, enabled=False)
        self._exec_confirm = SecondPress(engine.clock)
        self.book = RoleBook(engine.config.roles)
        self.renewals = RenewalPolicy(self.book, self._mfa_device)
        self._stamp: tuple[int, int, int] | None = None
        self._reading = False
        self._jobs: dict[Worker[None], list[str]] = {}
        self._startup_error: str | None = None
        self._copy_confirm = SecondPress(engine.clock)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Esc (clear the filter) is offered only while the filter is shown; `/` opens it only on this
        screen (not under a dialog) while the filter has no focus (then it types itself)."""
        if not self.offered(action):
            return False
        try:
            field = self.filter_input
        except NoMatches:
            return action != "clear_filter"
        if action == "filter":
            return self.app.screen is self and self.focused is not field
        if action == "clear_filter":
            return field.has_class("-visible")
        return True

    def offered(self, action: str) -> bool:
        """Whether this screen offers `action` at all (key, footer, palette and help): "use in this shell"
        only when `sts` opened it, the Identity Center keys only when the roles file has `[sso.NAME]`."""
        if action == "use_in_shell":
            return self.choosing
        if action in ("sso_login", "sso_sync"):
            return bool(self.engine.config.sso)
        return True

    # -- layout ------------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        self._read_entries_now()
        config = self.engine.config
        empty = f"No roles in {config.path}; add [roles.NAME] tables or run 'stsui init'."
        yield Header()
        with Vertical(id="main"):
            yield Input(placeholder="Filter: name, account, IAM role, profile or group", id=FILTER_ID)
            yield RoleTable(self.book, self.engine.clock, empty_text=empty, id="roles")
            yield IdentityPanel(self.engine, id="identity")
        yield Footer()

    def _read_entries_now(self) -> None:
        """Read the credentials file before the first frame, so live sessions show at once (no STS here)."""
        try:
            self._stamp = self.engine.store.stamp()
            self.book.load(self.engine.entries(self.book.profiles))
        except StsuiError as error:
            self._startup_error = error.message
        self.mark_logins()

    def reload_roles(self) -> None:
        """The roles changed (IAM Identity Center discovered them again): rebuild the table's rows."""
        self.action_clear_filter()
        keep = self.table.highlighted
        self.book.replace_roles(self.engine.config.roles)
        self.index_roles()
        self._stamp = None  # the next tick reads the credentials file for the new roles' sessions
        self.table.rebuild(keep=keep)

    @property
    def table(self) -> RoleTable:
        return self.query_one("#roles", RoleTable)

    @property
    def panel(self) -> IdentityPanel:
        return self.query_one("#identity", IdentityPanel)

    @property
    def filter_input(self) -> Input:
        return self.query_one(f"#{FILTER_ID}", Input)

    def on_mount(self) -> None:
        self.table.focus()
        if self._startup_error:
            self.app.notify(self._startup_error, title="Credentials file", severity="error", timeout=10)
        self._show_highlighted()
        self.call_after_refresh(self.panel.fetch_base)
        self.call_after_refresh(self.index_roles)
        if self.serving.state is State.STARTING:
            self.call_after_refresh(self.serve_worker)

    # -- the tick ----------------------------------------------------------------------------------------

    def tick(self) -> None:
        """Each second: notice file changes; while anything is live, move countdowns and renew what is due.

        With nothing live (no owned session, no work running) the countdown work is paused and a tick is one
        stat() of the credentials file, so sessions written by other programs still show within a second (and,
        with IAM Identity Center instances, one read of each one's login in the token cache).
        """
        self._poll_credentials_file()
        self.poll_served()
        if self.engine.config.sso and self.poll_logins():
            self._repaint()
            self._show_highlighted()
        if not self.book.live:
            return
        now = self.engine.clock()
        self.table.update_rows(now)
        plan = self.renewals.plan(now)
        for name in plan.renew:
            self._start(name, Working.RENEWING, self._assume_worker, self.book[name].role, True, None, True)
        if plan.check:
            self._start_check(plan.check)

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

    # -- intents -----------------------------------------------------------------------------------------

    def _highlighted_role(self) -> Role | None:
        name = self.table.highlighted
        if name is None:
            self.app.notify("No role is highlighted.", severity="warning")
            return None
        return self.book[name].role

    def _start(self, name: str, working: Working, worker: Callable[..., Worker[None]], *args: object) -> bool:
        """Run `worker(*args)` for role `name`, one job per role at a time (a check gives way)."""
        busy = self.book[name].working
        if busy is not None and busy is not Working.CHECKING:
            self.app.notify(f"Role '{name}' is busy ({busy}); wait for it to finish.")
            return False
        self.book.begin(name, working)
        self._jobs[worker(*args)] = [name]
        self._repaint()
        return True

    def _start_check(self, names: list[str]) -> None:
        for name in names:
            self.book.begin(name, Working.CHECKING)
        checks = [(state.role, state.entry) for state in map(self.book.__getitem__, names) if state.entry]
        self._jobs[self._check_worker(checks)] = list(names)

    def assume_role(self, name: str, *, fresh: bool = False, mfa_code: str | None = None) -> None:
        """Assume (or with `fresh`, renew) the role named `name`; asks for an MFA code first if needed."""
        state = self.book.get(name)
        if state is None:
            self.app.notify(f"No role named {name!r}.", severity="error")
            return
        working = Working.RENEWING if fresh else Working.ASSUMING
        self._start(name, working, self._assume_worker, state.role, fresh, mfa_code, False)

    def action_assume(self) -> None:
        role = self._highlighted_role()
        if role is not None:
            self.assume_role(role.name)

    def action_use_in_shell(self) -> None:
        """Offered only when choosing (`check_action`): the footer, the key and the palette."""
        role = self._highlighted_role()
        if role is not None:
            self._to_use = role.name
            self.assume_role(role.name)  # reuses a live session: no STS call then

    def action_renew(self) -> None:
        role = self._highlighted_role()
        if role is not None:
            self.assume_role(role.name, fresh=True)

    def action_forget(self) -> None:
        role = self._highlighted_role()
        if role is not None:
            self._start(role.name, Working.FORGETTING, self._forget_worker, role)

    def action_forget_mfa(self) -> None:
        self._forget_mfa_worker()

    def action_copy_env(self) -> None:
        role = self._highlighted_role()
        if role is None:
            return
        if not self._copy_confirm.confirmed(role.name):
            self.app.notify(
                f"Press c again to copy the secret keys of {role.name}: they pass through the terminal "
                "(OSC 52), and tmux with set-clipboard on keeps them in a paste buffer.",
                title="Clipboard",
                severity="warning",
            )
            return
        self._copy_worker(role)

    def action_copy_exec(self) -> None:
        role = self._highlighted_role()
        if role is None:
            return
        text = self.serving.container_lines(role.name)
        if text is None:
            self.app.notify(self.serving.why_not(), title="Not serving", severity="warning")
            return
        if not self._exec_confirm.confirmed(role.name):
            self.app.notify(
                f"Press e again to copy the agent's token with the route of {role.name}: it passes through "
                "the terminal (OSC 52), and tmux with set-clipboard on keeps it in a paste buffer.",
                title="Clipboard",
                severity="warning",
            )
            return
        self.app.copy_to_clipboard(text)
        self.app.notify(
            f"Copied for {role.name}: AWS_CONTAINER_CREDENTIALS_FULL_URI={self.serving.route(role.name)}, "
            f"AWS_CONTAINER_AUTHORIZATION_TOKEN (the agent's token) and 'stsui exec {role.name} -- '.",
            title="Clipboard",
        )

    def action_refresh_identities(self) -> None:
        self.panel.forget_identities()
        self._show_highlighted()

    def action_help(self) -> None:
        intro = (
            f"Roles from {display_path(self.engine.config.path)}.\n"
            f"Sessions are written to their profiles in {display_path(self.engine.store.path)}."
        )
        actions = tuple(action for action in ACTIONS if self.offered(action.action))
        self.app.push_screen(HelpScreen(help_rows(self.app.get_key_display, actions), intro))

    def action_other_sessions(self) -> None:
        """Open the other sessions (read-only; discovery runs in that screen's worker)."""
        from stsui.tui.screens.other_sessions import open_other_sessions

        self.app.push_screen(open_other_sessions(self.engine, self.book.roles, display_path))

    @on(RoleTable.Chosen)
    def _chosen(self, event: RoleTable.Chosen) -> None:
        self.assume_role(event.role)

    # -- workers: engine calls off the event loop; they post facts and never touch widgets ---------------

    @work(thread=True, exit_on_error=False, group="sessions", description="assume a role")
    def _assume_worker(self, role: Role, fresh: bool, mfa_code: str | None, automatic: bool) -> None:
        engine = self.engine
        fresh_now = fresh and not automatic  # an automatic renewal takes a later session the agent got
        try:
            if mfa_code is None and engine.needs_mfa_code(role, fresh=fresh_now):
                serial = engine.mfa_root(role).mfa_serial or ""
                if automatic:
                    self.post_message(RenewalNeedsMfa(role.name, serial))
                else:
                    self.post_message(MfaCodeNeeded(role.name, serial, fresh))
                return
            if mfa_code is None and engine.code_from_process(role, fresh=fresh_now):
                self.post_message(CodeFromProcess(role.name, engine.mfa_root(role).mfa_serial or ""))
            outcome = engine.assume(role, mfa_code=mfa_code, fresh=fresh_now)
        except NeedsLogin as error:
            self.post_message(LoginNeeded(role.name, error.message, automatic=automatic))
            return
        except StsuiError as error:
            code = error.code if isinstance(error, StsError) else ""
            self.post_message(
                AssumeFailed(role.name, error.message, code, renewal=fresh, automatic=automatic)
            )
            return
        session = outcome.session
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

    @work(thread=True, exit_on_error=False, group="checks", description="check renewals for MFA")
    def _check_worker(self, checks: list[tuple[Role, ProfileEntry]]) -> None:
        """Ask the engine's status (as `stsui list` does) whether renewing needs a new MFA code."""
        engine = self.engine
        for role, entry in checks:
            try:
                status = engine.status(role, {role.profile: entry})
            except (StsuiError, OSError):  # unknown: asked again after RECHECK, like a "no"
                status = Status.ERROR
            self.post_message(RenewalChecked(role.name, status is Status.NEEDS_MFA))

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

    @work(thread=True, exit_on_error=False, group="read", description="read the credentials file")
    def _read_entries(self) -> None:
        try:
            stamp = self.engine.store.stamp()
            entries = self.engine.entries(self.book.profiles)
        except StsuiError as error:
            self.post_message(CredentialsFileUnreadable(error.message, stamp))
            return
        self.post_message(CredentialsFileChanged(entries, stamp))

    # -- facts: the one place the screen changes ---------------------------------------------------------

    def _changed(self, name: str) -> None:
        """Role `name`'s record changed: repaint its row, and the panel if it is highlighted."""
        self._repaint()
        if self.table.highlighted == name:
            self._show_highlighted()

    @on(SessionStarted)
    def _session_started(self, fact: SessionStarted) -> None:
        self.book.started(fact.role, fact.expires_at, fact.assumed_role_arn)
        role = self.book[fact.role].role
        self.renewals.mfa_session_started(role)
        self.panel.forget_session(fact.role)
        left = format_time_left((fact.expires_at - self.engine.clock()).total_seconds())
        if fact.automatic:
            verb = "Renewed automatically"
        elif fact.renewal:
            verb = "Renewed"
        elif fact.reused:
            verb = "Reused the live session of"
        else:
            verb = "Assumed"
        self.app.notify(f"{verb} {role.name}: profile {role.profile}, {left} left.", title="Session")
        for warning in fact.warnings:
            self.app.notify(warning, severity="warning", timeout=10)
        self._changed(fact.role)
        if fact.role == self._to_use:
            self.chosen = fact.role
            self.app.exit()

    @on(AssumeFailed)
    def _assume_failed(self, fact: AssumeFailed) -> None:
        self.book.finish(fact.role)
        self.book[fact.role].error = fact.message
        if fact.role == self._to_use:
            self._to_use = None
        delay = self.renewals.failed(fact.role, self.engine.clock())
        what = "renew" if fact.renewal else "assume"
        title = f"Could not {what} {fact.role}" + (f" ({fact.code})" if fact.code else "")
        message = fact.message
        if fact.automatic:
            message += f" Next automatic try in {format_time_left(delay)}."
        self.app.notify(message, title=title, severity="error", timeout=10)
        self._changed(fact.role)

    @on(MfaCodeNeeded)
    def _mfa_code_needed(self, fact: MfaCodeNeeded) -> None:
        self.book.finish(fact.role)
        self._repaint()

        def submitted(code: str | None) -> None:
            if code:
                self.assume_role(fact.role, fresh=fact.fresh, mfa_code=code)
            elif fact.role == self._to_use:
                self._to_use = None

        self.app.push_screen(MfaScreen(fact.role, fact.serial), submitted)

    @on(CodeFromProcess)
    def _code_from_process(self, fact: CodeFromProcess) -> None:
        self.app.notify(
            f"Role '{fact.role}': code from mfa_process… ({fact.serial}; touch your key if it asks).",
            title="MFA",
        )

    @on(RenewalNeedsMfa)
    def _renewal_needs_mfa(self, fact: RenewalNeedsMfa) -> None:
        self.book.finish(fact.role)
        if self.renewals.needs_mfa(fact.role):
            self.app.notify(
                f"Role '{fact.role}' needs a new MFA code ({fact.serial}) to renew its session; "
                "highlight it and press r.",
                title="MFA code needed",
                severity="warning",
                timeout=10,
            )
        self._changed(fact.role)

    @on(RenewalChecked)
    def _renewal_checked(self, fact: RenewalChecked) -> None:
        if self.book[fact.role].working is Working.CHECKING:
            self.book.finish(fact.role)
        self.renewals.checked(fact.role, fact.needs_mfa, self.engine.clock())
        self._changed(fact.role)

    @on(SessionForgotten)
    def _session_forgotten(self, fact: SessionForgotten) -> None:
        self.book.forgotten(fact.role)
        self.panel.forget_session(fact.role)
        role = self.book[fact.role].role
        if fact.removed:
            self.app.notify(f"Forgot {role.name}: removed profile {role.profile}.", title="Session")
        else:
            self.app.notify(
                f"Forgot {role.name}'s cached session; profile {role.profile} was not stsui's to remove."
            )
        self._changed(fact.role)

    @on(MfaSessionsForgotten)
    def _mfa_forgotten(self, fact: MfaSessionsForgotten) -> None:
        self.renewals.mfa_sessions_forgotten()
        sessions = "session" if fact.count == 1 else "sessions"
        self.app.notify(f"Forgot {fact.count} cached MFA {sessions}.", title="MFA")

    @on(ActionFailed)
    def _action_failed(self, fact: ActionFailed) -> None:
        if fact.role is not None:
            self.book.finish(fact.role)
            self.book[fact.role].error = fact.message
            self._changed(fact.role)
        title = f"Could not {fact.action}" + (f" ({fact.code})" if fact.code else "")
        self.app.notify(fact.message, title=title, severity="error", timeout=10)

    @on(CredentialsFileUnreadable)
    def _credentials_file_unreadable(self, fact: CredentialsFileUnreadable) -> None:
        """Told once per change: the stamp is kept, so the file is read again only when it changes."""
        self._reading = False
        self._stamp = fact.stamp
        self.app.notify(fact.message, title="Credentials file", severity="error", timeout=10)

    @on(ExportLinesReady)
    def _export_lines_ready(self, fact: ExportLinesReady) -> None:
        self.app.copy_to_clipboard(fact.text)
        self.app.notify(f"Copied export lines for {fact.role}.", title="Clipboard")

    @on(NoLiveSession)
    def _no_live_session(self, fact: NoLiveSession) -> None:
        if fact.asked:
            self.app.notify(
                f"Role '{fact.role}' has no live session to copy; press Enter to assume it.",
                severity="warning",
            )

    @on(CredentialsFileChanged)
    def _credentials_file_changed(self, fact: CredentialsFileChanged) -> None:
        self._reading = False
        self._stamp = fact.stamp
        changed = self.book.load(fact.entries)
        for name in changed:
            self.panel.forget_session(name)
        if changed:
            self._repaint()
            if self.table.highlighted in changed:
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
        names = self._jobs.pop(worker, [])  # type: ignore[arg-type]
        if event.state != WorkerState.ERROR:
            return
        if worker.group == "read":
            self._reading = False
        if worker.group == "index":
            self.index_failed()
        for name in names:
            self.book.finish(name)
        if names:
            self._repaint()
        error = worker.error
        self.app.notify(
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
        """Fill the identity panel for the highlighted role."""
        name = self.table.highlighted
        if name is None:
            self.panel.show_role(None, None)
            return
        state = self.book[name]
        detail, is_error = self._detail(name)
        self.panel.show_detail(detail, error=is_error)
        self.panel.show_role(state.role, state.seconds_left(self.engine.clock()))

    def _detail(self, name: str) -> tuple[str, bool]:
        state = self.book[name]
        role = state.role
        if state.error is not None:
            return state.error, True
        parts = []
        root = self.engine.mfa_root(role)
        if state.served_needs_mfa:
            parts.append(f"a background caller needs a new MFA code for {root.mfa_serial}: press Enter or r")
        elif state.needs_mfa:
            parts.append(f"renewal needs a new MFA code for {root.mfa_serial}: press r")
        expires_at = state.expires_at
        parts.append(f"profile {role.profile}" + (f", expires {rfc3339(expires_at)}" if expires_at else ""))
        if role.source_role:
            parts.append(f"chained via {role.source_role}")
        if root.mfa_serial:
            parts.append(f"MFA {root.mfa_serial}")
        if not role.auto_refresh:
            parts.append("auto-renew off")
        if state.served_at is not None:
            parts.append(f"served to background callers, last at {rfc3339(state.served_at)}")
        if role.description:
            parts.append(role.description)
        return " · ".join(parts), False

    def _mfa_device(self, role: Role) -> MfaDevice | None:
        root = self.engine.mfa_root(role)
        return None if root.mfa_serial is None else (root.base, root.mfa_serial)
