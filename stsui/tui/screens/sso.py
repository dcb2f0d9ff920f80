"""The IAM Identity Center login dialog: it runs the device login (`IdentityCenter.log_in`, in its worker) and
shows the code to confirm in the browser while the login waits. Esc cancels the login with the dialog."""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label
from textual.worker import Worker, WorkerState

from stsui.domain.printable import printable
from stsui.tui.display import bug
from stsui.tui.messages import Post, SsoCodeShown, SsoLoggedIn, SsoLoginFailed

LoginOutcome = SsoLoggedIn | SsoLoginFailed | None
"""What the dialog is dismissed with: logged in, failed (its sentence), or None when cancelled."""


class SsoLoginScreen(ModalScreen[LoginOutcome]):
    """Runs `log_in(cancel, post)` and shows the code it reports; dismissed with the login's outcome."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, sso: str, log_in: Callable[[threading.Event, Post], None]) -> None:
        super().__init__()
        self.sso = sso
        self.cancel = threading.Event()
        self._log_in = log_in
        self._outcome: LoginOutcome = None
        """The outcome, while another dialog (a background caller's MFA prompt) covers this one."""

    def compose(self) -> ComposeResult:
        with Vertical(id="sso-dialog"):
            yield Label(f"Log in to IAM Identity Center '{self.sso}'", id="sso-title", markup=False)
            yield Label("Starting…", id="sso-code", markup=False)
            yield Label(
                "Your browser opens the sign-in page: check that it shows this code and approve it. "
                "Esc cancels.",
                id="sso-hint",
                markup=False,
            )

    @on(events.Mount)
    def _mounted(self) -> None:
        job = partial(self._log_in, self.cancel, self.post_message)
        self.run_worker(job, group="sso-login", description="log in", exit_on_error=False, thread=True)

    @on(SsoCodeShown)
    def _code_shown(self, fact: SsoCodeShown) -> None:
        self.query_one("#sso-code", Label).update(f"Code: {printable(fact.user_code, 32)}")
        if fact.untrusted is not None:
            self.app.notify(fact.untrusted, title="Not opened", severity="warning", timeout=30)
        if fact.page is not None:
            self.query_one("#sso-hint", Label).update(
                f"Open {printable(fact.page, 300)} in a browser on any device, enter this code and approve "
                "it. Esc cancels."
            )

    @on(SsoLoggedIn)
    @on(SsoLoginFailed)
    def _ended(self, fact: SsoLoggedIn | SsoLoginFailed) -> None:
        self._outcome = fact
        if self.app.screen is self:
            self.dismiss(fact)

    @on(events.ScreenResume)
    def _uncovered(self) -> None:
        if self._outcome is not None:
            self.dismiss(self._outcome)

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            self._ended(SsoLoginFailed(self.sso, bug(event.worker.description, event.worker.error).message))

    def action_cancel(self) -> None:
        self.cancel.set()
        self.dismiss(None)
