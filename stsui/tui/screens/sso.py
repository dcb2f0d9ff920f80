"""The IAM Identity Center login dialog: the code to confirm in the browser while the login waits (the login
itself is `stsui.tui.identity_center`'s)."""

from __future__ import annotations

import threading

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label

from stsui.domain.printable import printable


class SsoLoginScreen(ModalScreen[None]):
    """Shows the code to confirm in the browser while the login waits; Esc cancels it."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, sso: str, cancel: threading.Event) -> None:
        super().__init__()
        self.sso = sso
        self.cancel = cancel

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

    def show_code(self, user_code: str, page: str | None) -> None:
        self.query_one("#sso-code", Label).update(f"Code: {printable(user_code, 32)}")
        if page is not None:
            self.query_one("#sso-hint", Label).update(
                f"Open {printable(page, 300)} in a browser on any device, enter this code and approve it. "
                "Esc cancels."
            )

    def action_cancel(self) -> None:
        self.cancel.set()
        self.dismiss(None)
