"""The MFA prompt: six digits, or nothing (Esc). Nothing is sent to STS until a full code is submitted."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.validation import Regex
from textual.widgets import Button, Input, Label

from stsui.domain.limits import MFA_CODE


class MfaScreen(ModalScreen[str | None]):
    """Asks for the MFA code of `serial` to assume `role`; dismisses with the code, or None when cancelled.
    `asker` names the background caller (e.g. `stsui credential-process`) waiting for it, if one is."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, role: str, serial: str, *, asker: str = "") -> None:
        super().__init__()
        self.role = role
        self.serial = serial
        self.asker = asker

    def compose(self) -> ComposeResult:
        with Vertical(id="mfa-dialog"):
            yield Label(f"MFA code to assume {self.role}", id="mfa-title", markup=False)
            yield Label(f"Device {self.serial}", id="mfa-serial", markup=False)
            if self.asker:
                yield Label(f"Asked by {self.asker}", id="mfa-asker", markup=False)
            yield Input(
                placeholder="6 digits",
                restrict=r"\d{0,6}",
                max_length=6,
                validators=[Regex(MFA_CODE.pattern, failure_description="The code is exactly 6 digits.")],
                validate_on=["submitted"],
                id="mfa-code",
            )
            yield Label("Enter submits once all 6 digits are in; Esc cancels.", id="mfa-hint")
            with Horizontal(id="mfa-buttons"):
                yield Button("Submit", id="mfa-submit", variant="primary", disabled=True)
                yield Button("Cancel", id="mfa-cancel")

    @on(Input.Changed, "#mfa-code")
    def _code_changed(self, event: Input.Changed) -> None:
        """Checked as typed: Submit is enabled only with exactly six digits."""
        self.query_one("#mfa-submit", Button).disabled = MFA_CODE.fullmatch(event.value) is None

    @on(Input.Submitted, "#mfa-code")
    @on(Button.Pressed, "#mfa-submit")
    def _submit(self) -> None:
        code = self.query_one("#mfa-code", Input).value
        if MFA_CODE.fullmatch(code):
            self.dismiss(code)

    @on(Button.Pressed, "#mfa-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
