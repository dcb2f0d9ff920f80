"""`o`: the AWS console for the highlighted role, in the browser (through `App.open_url`, so it also works
when the TUI is served to a browser). The role is assumed first when it has no live session; the login link
is made in a worker and opened, never shown: the notification says whose console, where and how long."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work

from stsui.domain.errors import StsError, StsuiError
from stsui.engine.console import role_target, sign_in_as_role
from stsui.tui.messages import ConsoleFailed, ConsoleNeedsMfa, ConsoleReady, SessionStarted
from stsui.tui.screens.mfa import MfaScreen

if TYPE_CHECKING:
    from textual.dom import DOMNode

    from stsui.domain.model import Role
    from stsui.engine.engine import Engine

    _Host = DOMNode
else:
    _Host = object


class ConsoleAction(_Host):
    """Mixed into the roles screen, which brings `engine` and `_highlighted_role()`.
    Its handlers use Textual's `on_<message>` names, which are found through the mixin too."""

    if TYPE_CHECKING:
        engine: Engine

        def _highlighted_role(self) -> Role | None: ...

    def action_open_console(self) -> None:
        role = self._highlighted_role()
        if role is not None:
            self.open_console(role.name)

    def open_console(self, name: str, *, mfa_code: str | None = None) -> None:
        """Sign in to the AWS console as the role named `name` and open it in the browser."""
        role = self.engine.config.roles.get(name)
        if role is None:
            self.notify(f"No role named {name!r}.", severity="error")
            return
        self.notify(f"Signing in to the AWS console as role '{name}'…", title="AWS console")
        self._console_worker(role, mfa_code)

    @work(thread=True, exit_on_error=False, group="console", description="open the AWS console")
    def _console_worker(self, role: Role, mfa_code: str | None) -> None:
        engine = self.engine
        post = self.post_message
        try:
            target = role_target(role)
            if mfa_code is None and engine.needs_mfa_code(role):
                post(ConsoleNeedsMfa(role.name, engine.mfa_root(role).mfa_serial or ""))
                return
            outcome = engine.assume(role, mfa_code=mfa_code)
            session = outcome.session
            assert session is not None
            if not outcome.reused:
                post(
                    SessionStarted(
                        role.name, session.expiration, session.assumed_role_arn, warnings=outcome.warnings
                    )
                )
            login = sign_in_as_role(engine, role, session, target)
        except StsuiError as error:
            post(ConsoleFailed(role.name, error.message, error.code if isinstance(error, StsError) else ""))
            return
        post(ConsoleReady(role.name, login.url, login.summary()))

    def on_console_ready(self, fact: ConsoleReady) -> None:
        self.app.open_url(fact.url)
        self.notify(fact.summary, title="AWS console", timeout=10)

    def on_console_failed(self, fact: ConsoleFailed) -> None:
        title = f"Could not open the console of {fact.role}" + (f" ({fact.code})" if fact.code else "")
        self.notify(fact.message, title=title, severity="error", timeout=10)

    def on_console_needs_mfa(self, fact: ConsoleNeedsMfa) -> None:
        def submitted(code: str | None) -> None:
            if code:
                self.open_console(fact.role, mfa_code=code)

        self.app.push_screen(MfaScreen(fact.role, fact.serial), submitted)
