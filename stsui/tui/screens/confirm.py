"""The confirmation a `confirm = true` role asks for before it is assumed, used in the shell or opened in the
console: a dialog naming the role and its account; Enter or `y` goes on, Esc or `n` cancels. Renewing a
session the user already chose never asks (the screen decides when to ask: `RolesScreen.confirmed`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label

from stsui.domain.colors import rgb
from stsui.domain.model import Role

if TYPE_CHECKING:
    from textual.app import App

SHOWN = 8
"""The dialog names at most this many roles (a run over more says how many others)."""


def question(roles: Sequence[Role], verb: str) -> str:
    """ "Assume role 'prod-admin' (account 111111111111)?", or for several "Assume 3 roles that ask to be
    confirmed: …?" """
    if len(roles) == 1:
        role = roles[0]
        return f"{verb} role '{role.name}' (account {role.account})?"
    named = ", ".join(f"'{role.name}' ({role.account})" for role in roles[:SHOWN])
    more = f" and {len(roles) - SHOWN} more" if len(roles) > SHOWN else ""
    return f"{verb} {len(roles)} roles that ask to be confirmed: {named}{more}?"


class ConfirmScreen(ModalScreen[bool]):
    """Asks before `verb` ("Assume", "Use in this shell", "Open the console of") the `roles`; dismisses with
    True to go on, False to cancel."""

    BINDINGS = [
        Binding("enter,y", "answer(True)", "Yes", priority=True),
        Binding("escape,n", "answer(False)", "No", priority=True),
    ]

    def __init__(self, roles: Sequence[Role], verb: str) -> None:
        super().__init__()
        self.roles = list(roles)
        self.verb = verb

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog"):
            yield Label("Confirm", id="confirm-title")
            yield Label(question(self.roles, self.verb), id="confirm-question", markup=False)
            yield Label("Enter or y goes on; Esc or n cancels.", id="confirm-hint")
            with Horizontal(id="confirm-buttons"):
                yield Button("Yes", id="confirm-yes", variant="warning")
                yield Button("No", id="confirm-no", variant="primary")

    @on(events.Mount)
    def _mounted(self) -> None:
        """The dialog's border is the role's colour (red for production), when it has one."""
        color = self.roles[0].color if len(self.roles) == 1 else None
        if color is not None:
            self.query_one("#confirm-dialog").styles.border = ("thick", rgb(color))

    def action_answer(self, going_on: bool) -> None:
        self.dismiss(going_on)

    @on(Button.Pressed, "#confirm-yes")
    def _yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#confirm-no")
    def _no(self) -> None:
        self.dismiss(False)


def confirm_first(app: App[object], roles: Sequence[Role], verb: str, go: Callable[[], object]) -> None:
    """Call `go` once the user confirmed `verb` for those of `roles` with `confirm = true` (at once when none
    has it); nothing when they cancel."""
    asking = [role for role in roles if role.confirm]
    if not asking:
        go()
        return

    def answered(yes: bool | None) -> None:
        if yes:
            go()

    app.push_screen(ConfirmScreen(asking, verb), answered)
