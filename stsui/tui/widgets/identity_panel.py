"""Who the user is: the base identity, and the highlighted role's session as STS sees it.

A display only: the app decides what to show (it owns the identity cache and the workers) and calls
`show_base`, `show_session` and `show_detail`. Styling is by class in app.tcss.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Grid
from textual.widgets import Label

from stsui.domain.model import Identity


def describe(identity: Identity, *, user_id: bool = True) -> str:
    text = f"{identity.arn}  ·  account {identity.account}"
    return f"{text}  ·  user id {identity.user_id}" if user_id else text


class IdentityPanel(Grid):
    """Three labelled lines: base identity, role session, and details or the last error of the role."""

    def compose(self) -> ComposeResult:
        yield Label("Base identity", classes="key")
        yield Label("fetching…", id="base", classes="value -pending", markup=False)
        yield Label("Role session", classes="key")
        yield Label("", id="session", classes="value", markup=False)
        yield Label("Details", classes="key")
        yield Label("", id="detail", classes="value", markup=False)

    def _set(self, label_id: str, text: str, state: str = "") -> None:
        label = self.query_one(f"#{label_id}", Label)
        label.update(text)
        label.set_class(state == "pending", "-pending")
        label.set_class(state == "error", "-error")
        label.set_class(state == "muted", "-muted")

    def show_base(self, identity: Identity | None, *, error: str | None = None) -> None:
        if error is not None:
            self._set("base", error, "error")
        elif identity is None:
            self._set("base", "fetching…", "pending")
        else:
            self._set("base", describe(identity))

    def show_session(
        self,
        role: str | None,
        identity: Identity | None = None,
        *,
        pending: bool = False,
        error: str | None = None,
        note: str = "",
    ) -> None:
        if error is not None:
            self._set("session", error, "error")
        elif identity is not None:
            self._set("session", describe(identity, user_id=False))
        elif pending:
            self._set("session", "fetching…", "pending")
        else:
            self._set("session", f"{role}: {note}" if role and note else note, "muted")

    def show_detail(self, text: str, *, error: bool = False) -> None:
        self._set("detail", text, "error" if error else "")
