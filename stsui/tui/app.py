"""The terminal UI's App: the engine, the 1-second ticker, the agent, and `run_tui` (with the terminal's
lifetime).

The roles are the roles screen's (`stsui.tui.screens.roles`): the layout, the keys and what its workers
report. The App owns what outlives a screen: the engine, the ticker that polls the credentials file and
moves countdowns, the palette's system commands, plain-text notifications, and `serving`
(`stsui.tui.serving`): with `serve=True` the TUI is the user's agent while it runs, stopped on every way out
(q, a signal, the terminal going away, an error). The agent's threads post their facts here: `AgentReports`
says what each one marks on the roles screen and says, and a background caller's MFA prompt opens over
whichever screen is showing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from functools import partial

from textual import events, on
from textual.app import App, SystemCommand
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.timer import Timer
from textual.worker import Worker, WorkerState

from stsui.engine.engine import Engine
from stsui.tui import messages as facts
from stsui.tui.actions import palette_actions
from stsui.tui.agent_reports import AgentReports
from stsui.tui.display import Notice, bug, display_path, failure, tell
from stsui.tui.lifetime import Lifetime, terminal_on_stdout
from stsui.tui.screens.mfa import MfaScreen
from stsui.tui.screens.roles import RolesScreen
from stsui.tui.screens.sso import LoginOutcome, SsoLoginScreen
from stsui.tui.serving import Serving, State


class StsuiApp(App[int]):
    """stsui's terminal UI for one `Engine` (which brings the roles, credentials file, STS and clock)."""

    TITLE = "stsui"
    CSS_PATH = "app.tcss"

    def __init__(
        self, engine: Engine, *, tick_every: float | None = 1.0, choosing: bool = False, serve: bool = False
    ) -> None:
        """`tick_every=None` starts no timer: tests call `tick()` after moving the clock. `choosing`: opened
        by `sts` to pick a role for the shell ("use in this shell"); `chosen` then names it. `serve`: become
        the user's agent after the first paint (`run_tui` asks for it unless `--no-serve`).

        Signals and a lost terminal are `stsui.tui.lifetime`'s, set up by `run_tui`.
        """
        super().__init__()
        self.engine = engine
        self.serving = Serving(engine, enabled=serve)
        self.roles = RolesScreen(engine, choosing=choosing, serving=self.serving)
        self.agent = AgentReports(engine, self.roles.book, self.serving, self.roles.renewals)
        self._prompts: dict[facts.MfaRequest, MfaScreen] = {}
        """Prompts open for background callers."""
        self._tick_every = tick_every
        self.ticker: Timer | None = None

    @property
    def chosen(self) -> str | None:
        """The role chosen with "use in this shell", once its session has started; else None."""
        return self.roles.chosen

    def get_default_screen(self) -> Screen[None]:
        return self.roles

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

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """Textual's commands, less those the actions table offers under the same name ("Quit"), and
        "Keys" (the help action lists every key)."""
        ours = {action.palette for action in palette_actions()} | {"Keys"}
        for command in super().get_system_commands(screen):
            if command.title not in ours:
                yield command

    @on(events.Mount)
    def _mounted(self) -> None:
        self.engine.codes.tell = lambda text: self.call_from_thread(
            self.notify, text, title="MFA", timeout=10
        )
        self.sub_title = display_path(self.engine.config.path)
        if self.roles.choosing:
            self.sub_title = "u: use the highlighted role in this shell · q: leave the shell as it is"
        if self._tick_every is not None:
            self.ticker = self.set_interval(self._tick_every, self.tick, name="ticker")
        if self.serving.state is State.STARTING:  # after the first paint: the server's modules load then
            self.call_after_refresh(
                self.run_worker,
                partial(self.agent.serve, self.post_message),
                group="serve",
                description="start serving",
                exit_on_error=False,
                thread=True,
            )

    @on(events.Unmount)
    def _unmounted(self) -> None:
        self.serving.stop()
        self.roles.console.quitting()

    def tick(self) -> None:
        """One second passed: the roles the agent served show, and the roles screen polls the file, moves
        countdowns and renews what is due."""
        changed, first = self.agent.poll_served()
        if changed:
            self.roles.served(changed, first=first)
        self.roles.tick()

    # -- what the agent's threads report -----------------------------------------------------------------

    def tell(self, *notices: Notice | None) -> bool:
        """Show each notice; whether any was."""
        return tell(self, *notices)

    @on(facts.ServingChanged)
    def _serving_changed(self) -> None:
        said = self.agent.serving_changed()
        if isinstance(said, str):
            self.sub_title = said
        else:
            self.tell(said)

    @on(facts.AgentFailed)
    def _agent_failed(self, fact: facts.AgentFailed) -> None:
        self.tell(self.agent.failed(fact))

    @on(facts.AgentServed)
    def _agent_served(self, fact: facts.AgentServed) -> None:
        self.agent.served(fact.role)

    @on(facts.AgentNeedsMfa)
    def _agent_needs_mfa(self, fact: facts.AgentNeedsMfa) -> None:
        if self.roles.book.get(fact.role) is not None:
            self.tell(self.agent.needs_mfa(fact))
            self.roles.roles_changed([fact.role])

    @on(facts.MfaAsked)
    def _background_caller_asks_mfa(self, fact: facts.MfaAsked) -> None:
        request = fact.request

        def answered(code: str | None) -> None:
            self._prompts.pop(request, None)
            self.tell(self.agent.answered(request, code))

        self._prompts[request] = prompt = MfaScreen(request.role, request.serial, asker=request.asker)
        self.push_screen(prompt, answered)

    @on(facts.MfaAskEnded)
    def _background_caller_gave_up(self, fact: facts.MfaAskEnded) -> None:
        prompt = self._prompts.pop(fact.request, None)
        if prompt is not None and self.screen is prompt:
            prompt.dismiss(None)
        self.tell(self.agent.gave_up(fact.request))

    # -- the console's links (its sessions are the roles screen's) ---------------------------------------

    @on(facts.ConsoleReady)
    def _console_ready(self, fact: facts.ConsoleReady) -> None:
        if fact.url is not None:  # None: the role's console_open started its own browser
            self.open_url(fact.url)
        self.tell(self.roles.console.ready(fact))

    @on(facts.ConsoleFailed)
    def _console_failed(self, fact: facts.ConsoleFailed) -> None:
        self.tell(self.roles.console.failed(fact))

    @on(facts.ConsoleNeedsMfa)
    def _console_needs_mfa(self, fact: facts.ConsoleNeedsMfa) -> None:
        def submitted(code: str | None) -> None:
            if code:
                self.roles.open_console(fact.role, mfa_code=code)

        self.push_screen(MfaScreen(fact.role, fact.serial), submitted)

    # -- IAM Identity Center: logins, and the roles a sync finds ------------------------------------------

    def action_sso_login(self) -> None:
        center = self.roles.identity_center
        instance = center.instance_for(self.roles.table.highlighted)
        if isinstance(instance, Notice):
            self.tell(instance)
        elif self.engine.sso is not None:
            log_in = partial(center.log_in, instance)
            self.push_screen(SsoLoginScreen(instance.name, log_in), self._sso_login_ended)

    def action_sso_sync(self) -> None:
        center = self.roles.identity_center
        if not center.configured or self.engine.sso is None:
            why = center.instance_for(self.roles.table.highlighted)
            self.tell(why if isinstance(why, Notice) else None)
            return
        self.tell(Notice("Discovering IAM Identity Center accounts and roles…", title="Sync"))
        job = center.sync
        self.run_worker(
            job, group="sso-sync", description="sync", exclusive=True, exit_on_error=False, thread=True
        )

    def _sso_login_ended(self, outcome: LoginOutcome) -> None:
        center = self.roles.identity_center
        if isinstance(outcome, facts.SsoLoginFailed):
            self.tell(failure(outcome.message, "Login failed"))
        elif outcome is not None:
            if center.logged_in(outcome.sso):
                self.roles.logins_changed()
            self.tell(Notice(f"Logged in to IAM Identity Center '{outcome.sso}'.", title="Login"))
            if center.never_synced(outcome.sso):  # a first login shows every account and role
                self.action_sso_sync()

    @on(facts.SsoSyncProgress)
    def _sso_sync_progress(self, fact: facts.SsoSyncProgress) -> None:
        self.sub_title = self.roles.identity_center.sync_progress(fact, self.sub_title)

    @on(facts.SsoSynced)
    def _sso_synced(self, fact: facts.SsoSynced) -> None:
        self.engine.config = fact.config
        self.roles.reload_roles()
        subtitle, notices = self.roles.identity_center.synced(fact)
        self.roles.roles_changed(self.roles.book.names)
        if subtitle is not None:
            self.sub_title = subtitle
        self.tell(*notices)

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        """The App's workers (the agent's start, a sync) report through facts; this says a bug."""
        if event.state is WorkerState.ERROR:
            self.tell(bug(event.worker.description, event.worker.error))

    @on(facts.MfaRelayed)
    def _mfa_relayed(self, fact: facts.MfaRelayed) -> None:
        self.tell(self.agent.relayed(fact))
        if not fact.error and self.roles.book.get(fact.role) is not None:
            self.roles.roles_changed([fact.role])


def run_tui(engine: Engine, *, serve: bool = True) -> int:
    """Run the terminal UI until the user quits, its terminal goes away or it is sent SIGTERM/SIGHUP; the
    exit code for the CLI. The process ends within `lifetime.GRACE` seconds of that, whatever is stuck;
    the agent (when `serve`) is stopped, and its file removed, before that."""
    return _run(StsuiApp(engine, serve=serve))


def choose_role(engine: Engine, use: Callable[[str], None]) -> int:
    """Open the TUI for `sts`; when the user chose a role with "use in this shell" (its session started,
    its profile written), call `use` with its name after the TUI has closed. The exit code for the CLI."""
    app = StsuiApp(engine, choosing=True)

    def use_chosen() -> None:
        if app.chosen is not None:
            use(app.chosen)

    return _run(app, use_chosen, on_terminal=terminal_on_stdout)


def _run(
    app: StsuiApp,
    after: Callable[[], object] = lambda: None,
    on_terminal: Callable[[], AbstractContextManager[None]] = contextlib.nullcontext,
) -> int:
    """Run `app` (inside `on_terminal()`); then, unless a signal or a lost terminal ended it, `after`,
    before the grace period starts (so that what `after` prints is never cut short)."""

    def request_exit() -> None:
        app.serving.stop()  # first: the App may never get to its own cleanup before the deadline
        try:
            app.call_from_thread(app.exit)
        except RuntimeError:  # in the App's own thread (a signal handler), or the App is not running
            app.exit()

    lifetime = Lifetime(request_exit)
    lifetime.install()
    try:
        with on_terminal():
            app.run()
    finally:
        app.serving.stop()
    code = 128 + lifetime.ended_by if lifetime.ended_by else app.return_code or 0
    try:
        if code == 0:
            after()
    finally:
        lifetime.finish_within(code)
    return code


__all__ = ["StsuiApp", "choose_role", "run_tui"]
