"""The roles screen: the role table and the identity panel, and everything that happens to their roles.

One class with the keys' actions and every handler; plain objects do the rest, as `RenewalPolicy` does:
`RoleSessions` (the engine calls, what came of them, the credentials file), `Clipboard` (`c`, `e`),
`ConsoleSignIn` (`o`) and `IdentityCenter` (logins and sync). Every engine call runs in a thread worker that
never touches a widget and posts a fact (`stsui.tui.messages`); one handler below applies it and shows the
`Notice`s the plain objects word. Keys: `stsui.tui.actions`. The role list keeps the rows' order, pins, marks
and region picks, and runs Enter, `r` and `x` over the marked rows. The agent's facts, the console's links
and IAM Identity Center's logins and syncs are the App's.

Handlers, throughout the TUI, are `@on(Message)` methods named for what happened: the decorator names the
class (checked by mypy, found by grep), a selector picks the widget, nothing is dispatched by a method name.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from functools import partial

from textual import events, on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.css.query import NoMatches
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Input
from textual.worker import Worker, WorkerState

from stsui.domain.model import Role
from stsui.engine.engine import Engine
from stsui.tui import messages as facts
from stsui.tui.actions import SSO_LOGIN, SSO_SYNC, bindings
from stsui.tui.clipboard import Clipboard
from stsui.tui.commands import StsuiCommands
from stsui.tui.console_sign_in import ConsoleSignIn
from stsui.tui.display import Notice, bug, display_path, tell
from stsui.tui.identity_center import IdentityCenter
from stsui.tui.renewals import MfaDevice, RenewalPolicy
from stsui.tui.role_sessions import RoleSessions
from stsui.tui.screens.confirm import confirm_first
from stsui.tui.screens.help import roles_help
from stsui.tui.screens.mfa import MfaScreen
from stsui.tui.serving import Serving
from stsui.tui.state import RoleBook, Working
from stsui.tui.widgets.identity_panel import IdentityPanel
from stsui.tui.widgets.role_list import RoleList
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
        self.console = ConsoleSignIn(engine, self.post_message, self._post_to_app)
        self.identity_center = IdentityCenter(engine, self.book, self.renewals, self._post_to_app)
        self._jobs: dict[Worker[None], list[str]] = {}
        self._first_notices: list[Notice] = []
        """What to say at the first frame (a credentials file that cannot be read, a history set aside)."""

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
            return self.role_list.filtering
        return True

    def offered(self, action: str) -> bool:
        """Whether this screen offers `action` at all (key, footer, palette and help): "use in this shell"
        only when `sts` opened it, the Identity Center keys only when the roles file has `[sso.NAME]`."""
        if action == "use_in_shell":
            return self.choosing
        if action in (SSO_LOGIN, SSO_SYNC):  # the App's: logins and the roles they find are the App's
            return self.identity_center.configured
        return True

    # -- layout ------------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        self._first_notices = self.sessions.read_now()  # before the first frame: sessions show at once
        self.identity_center.mark_logins()
        config = self.engine.config
        empty = f"No roles in {config.path}; add [roles.NAME] tables or run 'stsui init'."
        yield Header()
        with Vertical(id="main"):
            yield RoleList(self.sessions, self.post_message, empty_text=empty, id="role-list")
            yield IdentityPanel(self.engine, id="identity")
        yield Footer()

    def reload_roles(self) -> None:
        """The roles changed (IAM Identity Center discovered them again): rebuild the table's rows."""
        self.role_list.clear_filter()
        keep = self.table.highlighted
        self.book.replace_roles(self.engine.config.roles)
        self.role_list.rebuild(keep=keep)
        self.sessions.read_again()

    @property
    def role_list(self) -> RoleList:
        return self.query_one(RoleList)

    @property
    def table(self) -> RoleTable:
        return self.query_one(RoleTable)

    @property
    def panel(self) -> IdentityPanel:
        return self.query_one("#identity", IdentityPanel)

    @property
    def filter_input(self) -> Input:
        return self.query_one(RoleList).field

    @on(events.Mount)
    def _mounted(self) -> None:
        self.table.focus()
        self._tell(*self._first_notices)
        self._show_order()
        self._show_highlighted()
        self.call_after_refresh(self.panel.fetch_base)
        self.call_after_refresh(self.role_list.index_roles)

    # -- the tick ----------------------------------------------------------------------------------------

    def tick(self) -> None:
        """Each second: notice file changes; while anything is live, move countdowns and renew what is due.

        With nothing live (no owned session, no work running) the countdown work is paused and a tick is one
        stat() of the credentials file, so sessions written by other programs still show within a second (and,
        with IAM Identity Center instances, one read of each one's login in the token cache).
        """
        if self.sessions.file_changed():
            self._run(
                self.sessions.read_credentials_file, group="read", description="read the credentials file"
            )
        if self.identity_center.configured:
            changed, notices = self.identity_center.poll_logins()
            self._tell(*notices)
            if changed:
                self.logins_changed()
        if not self.book.live:
            return
        now = self.engine.clock()
        self.table.update_rows(now)
        plan = self.renewals.plan(now)
        for name in plan.renew:
            self._assume(name, fresh=True, automatic=True)
        if plan.check:
            self._check(plan.check)

    def served(self, changed: Collection[str], *, first: bool) -> None:
        """The agent served these roles since the last tick (`first`: the first ever, so the table makes room
        for its SERVED column): their rows, and the details line if one is highlighted."""
        if first:
            self.table.refit()
        self._repaint()
        highlighted = self.table.highlighted
        if highlighted is not None and highlighted in changed:
            self.panel.show_details(self.book[highlighted])

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
        self,
        name: str,
        *,
        fresh: bool,
        automatic: bool = False,
        mfa_code: str | None = None,
        taking: bool = False,
    ) -> None:
        state = self.book[name]
        job = partial(
            self.sessions.assume,
            state.role,
            fresh=fresh,
            mfa_code=mfa_code,
            automatic=automatic,
            region=state.region_choice,
            taking=taking,
        )
        self._begin(name, Working.RENEWING if fresh else Working.ASSUMING, job, description="assume a role")

    def _check(self, names: list[str]) -> None:
        for name in names:
            self.book.begin(name, Working.CHECKING)
        checks = [(state.role, state.entry) for state in map(self.book.__getitem__, names) if state.entry]
        job = partial(self.sessions.check_renewals, checks)
        self._jobs[self._run(job, group="checks", description="check renewals for MFA")] = names

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
        """Assume (or with `fresh`, renew) the role named `name`; asks for an MFA code first if needed. A
        `confirm` role asks first, unless this renews a session the user already chose (or continues with
        the code it asked for)."""
        if (role := self._known(name)) is None:
            return
        chosen = mfa_code is not None or (fresh and self.book[name].entry is not None)
        go = partial(self._assume, name, fresh=fresh, mfa_code=mfa_code, taking=not fresh)
        confirm_first(self.app, [] if chosen else [role], "Renew" if fresh else "Assume", go)

    def open_console(self, name: str, *, mfa_code: str | None = None) -> None:
        """Sign in to the AWS console as the role named `name` and open it in the browser."""
        if (role := self._known(name)) is None:
            return

        def go() -> None:
            self._tell(self.console.starting(role))
            job = partial(self.console.sign_in, role, mfa_code=mfa_code, through_page=not self.app.is_web)
            self._run(job, group="console", description="open the AWS console")

        confirm_first(self.app, [] if mfa_code is not None else [role], "Open the console of", go)

    def find_roles(self, query: str) -> list[Role]:
        """Roles matching `query`, best first (the command palette's search)."""
        return self.role_list.find(query)

    def action_assume(self) -> None:
        if not self.role_list.act_on_marked("assume") and (role := self._highlighted_role()) is not None:
            self.assume_role(role.name)

    def action_use_in_shell(self) -> None:
        """Offered only when choosing (`check_action`): the footer, the key and the palette."""
        if (role := self._highlighted_role()) is not None:

            def go() -> None:
                self._to_use = role.name
                self._assume(role.name, fresh=False, taking=True)  # reuses a live session: no STS call

            confirm_first(self.app, [role], "Use in this shell", go)

    def action_renew(self) -> None:
        if not self.role_list.act_on_marked("renew") and (role := self._highlighted_role()) is not None:
            self.assume_role(role.name, fresh=True)

    def action_forget(self) -> None:
        if not self.role_list.act_on_marked("forget") and (role := self._highlighted_role()) is not None:
            job = partial(self.sessions.forget, role)
            self._begin(role.name, Working.FORGETTING, job, description="forget a session")

    # -- marks, pins, the order and the region (the role list keeps marks and order) --------------------

    def action_toggle_mark(self) -> None:
        self.role_list.toggle_mark()

    def action_mark_all(self) -> None:
        self._tell(self.role_list.mark_all())

    def action_clear_marks(self) -> None:
        self.role_list.clear_marks()

    def action_pin(self) -> None:
        self._tell(self.role_list.pin())

    def action_toggle_order(self) -> None:
        self.role_list.toggle_order()
        self._show_order()

    def action_pick_region(self) -> None:
        self.role_list.pick_region()

    def action_forget_mfa(self) -> None:
        self._run(self.sessions.forget_mfa, group="sessions", description="forget MFA sessions")

    def action_copy_env(self) -> None:
        role = self._highlighted_role()
        if role is not None and not self._tell(self.clipboard.env_pressed(role.name)):
            self._run(partial(self.sessions.export_lines, role), group="copy", description="export lines")

    def action_copy_exec(self) -> None:
        if (role := self._highlighted_role()) is not None:
            text, notice = self.clipboard.exec_pressed(role.name)
            if text is not None:
                self.app.copy_to_clipboard(text)
            self._tell(notice)

    def action_open_console(self) -> None:
        if (role := self._highlighted_role()) is not None:
            self.open_console(role.name)

    def action_refresh_identities(self) -> None:
        self.panel.forget_identities()
        self._show_highlighted()

    def action_help(self) -> None:
        self.app.push_screen(roles_help(self.app, self.engine, self.offered))

    def action_other_sessions(self) -> None:
        """Open the other sessions (read-only; discovery runs in that screen's worker)."""
        from stsui.tui.screens.other_sessions import open_other_sessions

        self.app.push_screen(open_other_sessions(self.engine, self.book.roles, display_path))

    def action_filter(self) -> None:
        self.role_list.open_filter()

    def action_clear_filter(self) -> None:
        self.role_list.clear_filter()

    # -- facts: the one place the screen changes ---------------------------------------------------------

    def logins_changed(self) -> None:
        """An IAM Identity Center login came or went: any row's status may have changed."""
        self._repaint()
        self._show_highlighted()

    def roles_changed(self, names: Collection[str]) -> None:
        """These roles' records changed: repaint their rows, and the panel if one is highlighted."""
        if names:
            self._repaint()
            if self.table.highlighted in names:
                self._show_highlighted()

    @on(facts.SessionStarted)
    def _session_started(self, fact: facts.SessionStarted) -> None:
        self._tell(*self.sessions.started(fact))
        self.panel.forget_session(fact.role)
        self.roles_changed([fact.role])
        if fact.role == self._to_use:
            self.chosen = fact.role
            self.app.exit()

    @on(facts.AssumeFailed)
    def _assume_failed(self, fact: facts.AssumeFailed) -> None:
        if fact.role == self._to_use:
            self._to_use = None
        self._tell(self.sessions.assume_failed(fact))
        self.roles_changed([fact.role])

    @on(facts.LoginNeeded)
    def _login_needed(self, fact: facts.LoginNeeded) -> None:
        self._tell(self.identity_center.login_needed(fact, self.engine.clock()))
        self.roles_changed([fact.role])

    @on(facts.CodeFromProcess)
    def _code_from_process(self, fact: facts.CodeFromProcess) -> None:
        self._tell(self.sessions.code_from_process(fact))

    @on(facts.MfaCodeNeeded)
    def _mfa_code_needed(self, fact: facts.MfaCodeNeeded) -> None:
        self.book.finish(fact.role)
        self._repaint()

        def submitted(code: str | None) -> None:
            if code:
                self.assume_role(fact.role, fresh=fact.fresh, mfa_code=code)
            elif fact.role == self._to_use:
                self._to_use = None

        self.app.push_screen(MfaScreen(fact.role, fact.serial), submitted)

    @on(facts.RenewalNeedsMfa)
    def _renewal_needs_mfa(self, fact: facts.RenewalNeedsMfa) -> None:
        self._tell(self.sessions.renewal_needs_mfa(fact))
        self.roles_changed([fact.role])

    @on(facts.RenewalChecked)
    def _renewal_checked(self, fact: facts.RenewalChecked) -> None:
        self.sessions.renewal_checked(fact)
        self.roles_changed([fact.role])

    @on(facts.SessionForgotten)
    def _session_forgotten(self, fact: facts.SessionForgotten) -> None:
        self._tell(self.sessions.forgotten(fact))
        self.panel.forget_session(fact.role)
        self.roles_changed([fact.role])

    @on(facts.MfaSessionsForgotten)
    def _mfa_sessions_forgotten(self, fact: facts.MfaSessionsForgotten) -> None:
        self._tell(self.sessions.mfa_sessions_forgotten(fact))

    @on(facts.ActionFailed)
    def _action_failed(self, fact: facts.ActionFailed) -> None:
        self._tell(self.sessions.action_failed(fact))
        if fact.role is not None:
            self.roles_changed([fact.role])

    @on(facts.ExportLinesReady)
    def _export_lines_ready(self, fact: facts.ExportLinesReady) -> None:
        self.app.copy_to_clipboard(fact.text)
        self._tell(self.clipboard.env_copied(fact))

    @on(facts.NoLiveSession)
    def _no_live_session(self, fact: facts.NoLiveSession) -> None:
        self._tell(self.clipboard.nothing_to_copy(fact))

    @on(facts.CredentialsFileChanged)
    def _credentials_file_changed(self, fact: facts.CredentialsFileChanged) -> None:
        changed = self.sessions.credentials_file_changed(fact)
        for name in changed:
            self.panel.forget_session(name)
        self.roles_changed(changed)

    @on(facts.CredentialsFileUnreadable)
    def _credentials_file_unreadable(self, fact: facts.CredentialsFileUnreadable) -> None:
        self._tell(self.sessions.credentials_file_unreadable(fact))

    @on(RoleTable.Highlighted)
    def _highlight_moved(self) -> None:
        self._show_highlighted()

    @on(RoleTable.Chosen)
    def _role_chosen(self, event: RoleTable.Chosen) -> None:
        self.assume_role(event.role)

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
            self.sessions.read_failed()
        for name in names:
            self.book.finish(name)
        if names:
            self._repaint()
        self._tell(bug(worker.description, worker.error))

    # -- drawing -----------------------------------------------------------------------------------------

    def _post_to_app(self, fact: Message) -> bool:
        """For the App's facts: IAM Identity Center syncs (they replace the roles), console links."""
        return self.app.post_message(fact)

    def _tell(self, *notices: Notice | None) -> bool:
        return tell(self, *notices)

    def _repaint(self) -> None:
        """Bring visible rows up to date after facts changed (only changed lines are redrawn)."""
        self.table.update_rows(self.engine.clock())

    def _show_highlighted(self) -> None:
        """Fill the identity panel for the highlighted role (it takes the role's colour)."""
        name = self.table.highlighted
        self.panel.show_role(None if name is None else self.book[name])

    def _show_order(self) -> None:
        """The header says which order the table shows."""
        self.app.title = f"stsui · {'recent first' if self.book.recent_first else 'file order'}"

    def _mfa_device(self, role: Role) -> MfaDevice | None:
        root = self.engine.mfa_root(role)
        return None if root.mfa_serial is None else (root.base, root.mfa_serial)
