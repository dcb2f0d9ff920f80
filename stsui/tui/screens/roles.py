"""The roles screen: the role table and the identity panel, and everything that happens to their roles.

One class with the keys' actions and every handler; plain objects do the rest, as `RenewalPolicy` (which
sessions to renew) does: `RoleSessions` (the engine calls and what came of them), `Clipboard` (`c` and `e`),
`RoleFilter` (the filter and its index), `ConsoleSignIn` (the AWS console) and `IdentityCenter` (IAM Identity
Center logins and sync). Every engine call runs in a thread worker that never touches a widget; it posts a
fact from `stsui.tui.messages`, and one `@on(Fact)` handler below applies it and says what happened (in the
`Notice`s the plain objects word). The keys are `stsui.tui.actions`' table; the agent's facts are the App's.

Handlers are `@on(Message)` methods named for what happened, throughout the TUI: the decorator names the
message class (checked by mypy, found by grep), a selector picks the widget (`@on(Input.Changed, "#filter")`),
and nothing is dispatched by a method's name alone.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection
from functools import partial

from textual import events, on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import Footer, Header, Input
from textual.worker import Worker, WorkerState

from stsui.domain.errors import StsuiError
from stsui.domain.model import Role
from stsui.engine.engine import Engine
from stsui.tui import messages as facts
from stsui.tui.actions import ACTIONS, bindings, help_rows
from stsui.tui.clipboard import Clipboard
from stsui.tui.commands import StsuiCommands
from stsui.tui.console_sign_in import ConsoleSignIn
from stsui.tui.display import Notice, display_path, failure, tell
from stsui.tui.identity_center import IdentityCenter
from stsui.tui.renewals import MfaDevice, RenewalPolicy
from stsui.tui.role_filter import FILTER_ID, RoleFilter, View, index
from stsui.tui.role_sessions import RoleSessions
from stsui.tui.screens.help import HelpScreen
from stsui.tui.screens.mfa import MfaScreen
from stsui.tui.screens.sso import SsoLoginScreen
from stsui.tui.serving import Serving
from stsui.tui.state import RoleBook, Working
from stsui.tui.widgets.identity_panel import IdentityPanel
from stsui.tui.widgets.role_table import RoleTable


class RolesScreen(Screen[None]):
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
        self.book = RoleBook(engine.config.roles)
        self.renewals = RenewalPolicy(self.book, self._mfa_device)
        self.sessions = RoleSessions(engine, self.book, self.renewals, self.post_message)
        self.clipboard = Clipboard(engine.clock, self.serving)
        self.role_filter = RoleFilter(self.book)
        self.console = ConsoleSignIn(engine, self.post_message)
        self.identity_center = IdentityCenter(engine, self.book, self.renewals, self.post_message)
        self._stamp: tuple[int, int, int] | None = None
        self._reading = False
        self._jobs: dict[Worker[None], list[str]] = {}
        self._startup_error: str | None = None
        self._login_dialog: SsoLoginScreen | None = None

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
            return self.identity_center.configured
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
        self.identity_center.mark_logins()

    def reload_roles(self) -> None:
        """The roles changed (IAM Identity Center discovered them again): rebuild the table's rows."""
        self.action_clear_filter()
        keep = self.table.highlighted
        self.book.replace_roles(self.engine.config.roles)
        self._index_roles()
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

    @on(events.Mount)
    def _mounted(self) -> None:
        self.table.focus()
        if self._startup_error:
            self._tell(failure(self._startup_error, "Credentials file"))
        self._show_highlighted()
        self.call_after_refresh(self.panel.fetch_base)
        self.call_after_refresh(self._index_roles)

    @on(events.Unmount)
    def _unmounted(self) -> None:
        self.role_filter.thaw()  # the screen is gone: what its roles held may be collected again

    # -- the tick ----------------------------------------------------------------------------------------

    def tick(self) -> None:
        """Each second: notice file changes; while anything is live, move countdowns and renew what is due.

        With nothing live (no owned session, no work running) the countdown work is paused and a tick is one
        stat() of the credentials file, so sessions written by other programs still show within a second (and,
        with IAM Identity Center instances, one read of each one's login in the token cache).
        """
        self._poll_credentials_file()
        if self.identity_center.configured:
            changed, notices = self.identity_center.poll_logins()
            self._tell(*notices)
            if changed:
                self._repaint()
                self._show_highlighted()
        if not self.book.live:
            return
        now = self.engine.clock()
        self.table.update_rows(now)
        plan = self.renewals.plan(now)
        for name in plan.renew:
            self._assume(name, fresh=True, automatic=True)
        if plan.check:
            self._check(plan.check)

    def _poll_credentials_file(self) -> None:
        if self._reading:
            return
        try:
            stamp = self.engine.store.stamp()
        except OSError:
            return
        if stamp != self._stamp:
            self._reading = True
            job = partial(self.sessions.read_credentials_file, self.book.profiles)
            self._run(job, group="read", description="read the credentials file")

    def served(self, changed: Collection[str], *, first: bool) -> None:
        """The agent served these roles since the last tick (`first`: the first ever, so the table makes room
        for its SERVED column): their rows, and the details line if one is highlighted."""
        if first:
            self.table.refit()
        self._repaint()
        highlighted = self.table.highlighted
        if highlighted is not None and highlighted in changed:
            self._show_detail(highlighted)

    # -- running work ------------------------------------------------------------------------------------

    def _run(
        self, job: Callable[[], None], *, group: str, description: str, exclusive: bool = False
    ) -> Worker[None]:
        """Run `job` (an engine call that posts its facts) in a thread worker."""
        return self.run_worker(
            job, group=group, description=description, exit_on_error=False, exclusive=exclusive, thread=True
        )

    def _begin(self, name: str, working: Working, job: Callable[[], None], *, description: str) -> None:
        """Run `job` for role `name`, one job per role at a time (a check gives way)."""
        if not self._tell(self.sessions.busy(name)):
            self.book.begin(name, working)
            self._jobs[self._run(job, group="sessions", description=description)] = [name]
            self._repaint()

    def _assume(
        self, name: str, *, fresh: bool, automatic: bool = False, mfa_code: str | None = None
    ) -> None:
        role = self.book[name].role
        job = partial(self.sessions.assume, role, fresh=fresh, mfa_code=mfa_code, automatic=automatic)
        self._begin(name, Working.RENEWING if fresh else Working.ASSUMING, job, description="assume a role")

    def _check(self, names: list[str]) -> None:
        for name in names:
            self.book.begin(name, Working.CHECKING)
        checks = [(state.role, state.entry) for state in map(self.book.__getitem__, names) if state.entry]
        job = partial(self.sessions.check_renewals, checks)
        self._jobs[self._run(job, group="checks", description="check renewals for MFA")] = names

    def _index_roles(self) -> None:
        """Decode and index every role (again, after the roles were replaced) off the event loop."""
        job = partial(index, self.role_filter.reindex(), self.post_message)
        self._run(job, group="index", description="index the roles")

    # -- intents -----------------------------------------------------------------------------------------

    def _highlighted_role(self) -> Role | None:
        name = self.table.highlighted
        if name is None:
            self._tell(Notice("No role is highlighted.", severity="warning"))
        return None if name is None else self.book[name].role

    def _known(self, name: str) -> Role | None:
        state = self.book.get(name)
        if state is None:
            self._tell(Notice(f"No role named {name!r}.", severity="error"))
        return None if state is None else state.role

    def assume_role(self, name: str, *, fresh: bool = False, mfa_code: str | None = None) -> None:
        """Assume (or with `fresh`, renew) the role named `name`; asks for an MFA code first if needed."""
        if self._known(name) is not None:
            self._assume(name, fresh=fresh, mfa_code=mfa_code)

    def open_console(self, name: str, *, mfa_code: str | None = None) -> None:
        """Sign in to the AWS console as the role named `name` and open it in the browser."""
        role = self._known(name)
        if role is not None:
            self._tell(self.console.starting(role))
            job = partial(self.console.sign_in, role, mfa_code=mfa_code)
            self._run(job, group="console", description="open the AWS console")

    def find_roles(self, query: str) -> list[Role]:
        """Roles matching `query`, best first (the command palette's search)."""
        return list(self.role_filter.find(query))

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
            job = partial(self.sessions.forget, role)
            self._begin(role.name, Working.FORGETTING, job, description="forget a session")

    def action_forget_mfa(self) -> None:
        self._run(self.sessions.forget_mfa, group="sessions", description="forget MFA sessions")

    def action_copy_env(self) -> None:
        role = self._highlighted_role()
        if role is not None and not self._tell(self.clipboard.env_pressed(role.name)):
            self._run(partial(self.sessions.export_lines, role), group="copy", description="export lines")

    def action_copy_exec(self) -> None:
        role = self._highlighted_role()
        if role is not None:
            text, notice = self.clipboard.exec_pressed(role.name)
            if text is not None:
                self.app.copy_to_clipboard(text)
            self._tell(notice)

    def action_open_console(self) -> None:
        role = self._highlighted_role()
        if role is not None:
            self.open_console(role.name)

    def action_sso_login(self) -> None:
        instance = self.identity_center.instance_for(self.table.highlighted)
        if isinstance(instance, Notice):
            self._tell(instance)
        elif self.engine.sso is not None:
            cancel = threading.Event()
            self._login_dialog = SsoLoginScreen(instance.name, cancel)
            self.app.push_screen(self._login_dialog)
            job = partial(self.identity_center.log_in, instance, cancel)
            self._run(job, group="sso-login", description="log in", exclusive=True)

    def action_sso_sync(self) -> None:
        if not self.identity_center.configured or self.engine.sso is None:
            why = self.identity_center.instance_for(self.table.highlighted)
            self._tell(why if isinstance(why, Notice) else None)
            return
        self._tell(Notice("Discovering IAM Identity Center accounts and roles…", title="Sync"))
        self._run(self.identity_center.sync, group="sso-sync", description="sync", exclusive=True)

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

    # -- the filter --------------------------------------------------------------------------------------

    def action_filter(self) -> None:
        field = self.filter_input
        field.add_class("-visible")
        field.display = True  # now, not at the next style update, so focus (and typed keys) land at once
        self.set_focus(field)
        self.refresh_bindings()
        if not self.role_filter.indexing:
            _ = (
                self.role_filter.search
            )  # the keys are built as the filter opens, not while the first key waits

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
        self._show(self.role_filter.cleared(), keep=keep)
        self.table.focus()

    def _show(self, view: View, *, keep: str | None = None) -> None:
        if view.empty_text is not None:
            self.table.empty_text = view.empty_text
        self.table.show(view.names, keep=keep)

    def _filter_if_waiting(self) -> None:
        if self.role_filter.waiting():
            self._show(self.role_filter.apply(self.filter_input.value))

    @on(Input.Changed, f"#{FILTER_ID}")
    def _filter_typed(self, event: Input.Changed) -> None:
        if (
            event.value == self.filter_input.value
        ):  # else typed over already: only the newest text is filtered
            self._show(self.role_filter.typed(event.value))

    @on(Input.Submitted, f"#{FILTER_ID}")
    def _filter_submitted(self) -> None:
        self.table.focus()
        if self.table.highlighted is not None:
            self.assume_role(self.table.highlighted)

    @on(events.Key)
    def _key_pressed(self, event: events.Key) -> None:
        """Up and down in the filter move the highlight, so a match can be picked without leaving it."""
        if self.focused is self.filter_input and event.key in ("up", "down"):
            self.table.cursor += -1 if event.key == "up" else 1
            event.stop()

    @on(facts.RolesIndexed)
    def _roles_indexed(self, fact: facts.RolesIndexed) -> None:
        if self.role_filter.indexed(fact):
            self.table.measured(fact.longest)
            self._filter_if_waiting()

    # -- facts: the one place the screen changes ---------------------------------------------------------

    def role_changed(self, name: str) -> None:
        """Role `name`'s record changed: repaint its row, and the panel if it is highlighted."""
        self._repaint()
        if self.table.highlighted == name:
            self._show_highlighted()

    def _ask_mfa_code(
        self, role: str, serial: str, then: Callable[[str | None], None], asker: str = ""
    ) -> MfaScreen:
        prompt = MfaScreen(role, serial, asker=asker)
        self.app.push_screen(prompt, then)
        return prompt

    @on(facts.SessionStarted)
    def _session_started(self, fact: facts.SessionStarted) -> None:
        self._tell(*self.sessions.started(fact))
        self.panel.forget_session(fact.role)
        self.role_changed(fact.role)
        if fact.role == self._to_use:
            self.chosen = fact.role
            self.app.exit()

    @on(facts.AssumeFailed)
    def _assume_failed(self, fact: facts.AssumeFailed) -> None:
        if fact.role == self._to_use:
            self._to_use = None
        self._tell(self.sessions.assume_failed(fact))
        self.role_changed(fact.role)

    @on(facts.LoginNeeded)
    def _login_needed(self, fact: facts.LoginNeeded) -> None:
        self._tell(self.identity_center.login_needed(fact, self.engine.clock()))
        self.role_changed(fact.role)

    @on(facts.MfaCodeNeeded)
    def _mfa_code_needed(self, fact: facts.MfaCodeNeeded) -> None:
        self.book.finish(fact.role)
        self._repaint()

        def submitted(code: str | None) -> None:
            if code:
                self.assume_role(fact.role, fresh=fact.fresh, mfa_code=code)
            elif fact.role == self._to_use:
                self._to_use = None

        self._ask_mfa_code(fact.role, fact.serial, submitted)

    @on(facts.RenewalNeedsMfa)
    def _renewal_needs_mfa(self, fact: facts.RenewalNeedsMfa) -> None:
        self._tell(self.sessions.renewal_needs_mfa(fact))
        self.role_changed(fact.role)

    @on(facts.RenewalChecked)
    def _renewal_checked(self, fact: facts.RenewalChecked) -> None:
        self.sessions.renewal_checked(fact)
        self.role_changed(fact.role)

    @on(facts.SessionForgotten)
    def _session_forgotten(self, fact: facts.SessionForgotten) -> None:
        self._tell(self.sessions.forgotten(fact))
        self.panel.forget_session(fact.role)
        self.role_changed(fact.role)

    @on(facts.MfaSessionsForgotten)
    def _mfa_sessions_forgotten(self, fact: facts.MfaSessionsForgotten) -> None:
        self._tell(self.sessions.mfa_sessions_forgotten(fact))

    @on(facts.ActionFailed)
    def _action_failed(self, fact: facts.ActionFailed) -> None:
        self._tell(self.sessions.action_failed(fact))
        if fact.role is not None:
            self.role_changed(fact.role)

    @on(facts.ExportLinesReady)
    def _export_lines_ready(self, fact: facts.ExportLinesReady) -> None:
        self.app.copy_to_clipboard(fact.text)
        self._tell(self.clipboard.env_copied(fact))

    @on(facts.NoLiveSession)
    def _no_live_session(self, fact: facts.NoLiveSession) -> None:
        self._tell(self.clipboard.nothing_to_copy(fact))

    @on(facts.CredentialsFileChanged)
    def _credentials_file_changed(self, fact: facts.CredentialsFileChanged) -> None:
        self._reading, self._stamp = False, fact.stamp
        changed = self.book.load(fact.entries)
        for name in changed:
            self.panel.forget_session(name)
        if changed:
            self._repaint()
            if self.table.highlighted in changed:
                self._show_highlighted()

    @on(facts.CredentialsFileUnreadable)
    def _credentials_file_unreadable(self, fact: facts.CredentialsFileUnreadable) -> None:
        """Told once per change: the stamp is kept, so the file is read again only when it changes."""
        self._reading, self._stamp = False, fact.stamp
        self._tell(failure(fact.message, "Credentials file"))

    @on(RoleTable.Highlighted)
    def _highlight_moved(self) -> None:
        self._show_highlighted()

    @on(RoleTable.Chosen)
    def _role_chosen(self, event: RoleTable.Chosen) -> None:
        self.assume_role(event.role)

    # -- the console and IAM Identity Center -------------------------------------------------------------

    @on(facts.ConsoleReady)
    def _console_ready(self, fact: facts.ConsoleReady) -> None:
        self.app.open_url(fact.url)
        self._tell(self.console.ready(fact))

    @on(facts.ConsoleFailed)
    def _console_failed(self, fact: facts.ConsoleFailed) -> None:
        self._tell(self.console.failed(fact))

    @on(facts.ConsoleNeedsMfa)
    def _console_needs_mfa(self, fact: facts.ConsoleNeedsMfa) -> None:
        def submitted(code: str | None) -> None:
            if code:
                self.open_console(fact.role, mfa_code=code)

        self._ask_mfa_code(fact.role, fact.serial, submitted)

    @on(facts.SsoCodeShown)
    def _sso_code_shown(self, fact: facts.SsoCodeShown) -> None:
        if self._login_dialog is not None:
            self._login_dialog.show_code(fact.user_code, fact.page)

    def _close_login_dialog(self) -> None:
        dialog, self._login_dialog = self._login_dialog, None
        if dialog is not None and dialog.is_attached and self.app.screen is dialog:
            dialog.dismiss(None)

    @on(facts.SsoLoggedIn)
    def _sso_logged_in(self, fact: facts.SsoLoggedIn) -> None:
        self._close_login_dialog()
        changed = self.identity_center.logged_in(fact.sso)
        self._tell(Notice(f"Logged in to IAM Identity Center '{fact.sso}'.", title="Login"))
        if changed:
            self._repaint()
        if self.identity_center.never_synced(fact.sso):  # a first login shows every account and role at once
            self.action_sso_sync()

    @on(facts.SsoLoginFailed)
    def _sso_login_failed(self, fact: facts.SsoLoginFailed) -> None:
        self._close_login_dialog()
        self._tell(failure(fact.message, "Login failed"))

    @on(facts.SsoSyncProgress)
    def _sso_sync_progress(self, fact: facts.SsoSyncProgress) -> None:
        self.app.sub_title = self.identity_center.sync_progress(fact, self.app.sub_title)

    @on(facts.SsoSynced)
    def _sso_synced(self, fact: facts.SsoSynced) -> None:
        self.reload_roles()
        subtitle, notices = self.identity_center.synced(fact)
        self._repaint()
        if subtitle is not None:
            self.app.sub_title = subtitle
        self._tell(*notices)

    # -- what nobody expected ----------------------------------------------------------------------------

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        """Workers report through facts; this catches what nobody expected (a bug, not a StsuiError)."""
        worker = event.worker
        if event.state not in (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            return
        names = self._jobs.pop(worker, [])
        if event.state != WorkerState.ERROR:
            return
        if worker.group == "read":
            self._reading = False
        if worker.group == "index":
            self.role_filter.index_failed()
            self._filter_if_waiting()
        for name in names:
            self.book.finish(name)
        if names:
            self._repaint()
        error = worker.error
        self._tell(
            Notice(
                f"Unexpected {type(error).__name__} while trying to {worker.description}: {error}",
                title="stsui bug",
                severity="error",
                timeout=15,
            )
        )

    # -- drawing -----------------------------------------------------------------------------------------

    def _tell(self, *notices: Notice | None) -> bool:
        return tell(self, *notices)

    def _repaint(self) -> None:
        """Bring visible rows up to date after facts changed (only changed lines are redrawn)."""
        self.table.update_rows(self.engine.clock())

    def _show_highlighted(self) -> None:
        """Fill the identity panel for the highlighted role."""
        name = self.table.highlighted
        if name is None:
            self.panel.show_role(None, None)
            return
        self._show_detail(name)
        self.panel.show_role(self.book[name].role, self.book[name].seconds_left(self.engine.clock()))

    def _show_detail(self, name: str) -> None:
        """The details line of role `name`: its last error, else what waits on the user and its settings."""
        state = self.book[name]
        text, is_error = state.details(self.engine.mfa_root(state.role))
        self.panel.show_detail(text, error=is_error)

    def _mfa_device(self, role: Role) -> MfaDevice | None:
        root = self.engine.mfa_root(role)
        return None if root.mfa_serial is None else (root.source_profile, root.mfa_serial)
