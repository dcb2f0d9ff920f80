"""The help screen: every key of the roles screen with its description (rows from `stsui.tui.actions`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from stsui.engine.engine import Engine
from stsui.tui.actions import ACTIONS, help_rows
from stsui.tui.display import display_path


class HelpScreen(ModalScreen[None]):
    """Lists (key, description) pairs given by the app; any of Esc, q or ? closes it."""

    BINDINGS = [Binding("escape,q,question_mark", "close", "Close help")]

    def __init__(self, keys: Iterable[tuple[str, str]], intro: str = "") -> None:
        super().__init__()
        self.keys = list(keys)
        self.intro = intro

    def compose(self) -> ComposeResult:
        with Vertical(id="help-dialog"):
            yield Label("Keys", id="help-title")
            if self.intro:
                yield Static(self.intro, id="help-intro", markup=False)
            with VerticalScroll(id="help-keys"):
                for key, description in self.keys:
                    with Horizontal(classes="help-row"):
                        yield Label(key, classes="help-key", markup=False)
                        yield Label(description, classes="help-description", markup=False)
            yield Label("Esc closes this help", id="help-hint")

    def action_close(self) -> None:
        self.dismiss(None)


def roles_help(app: App[object], engine: Engine, offered: Callable[[str], bool]) -> HelpScreen:
    """The roles screen's help: the keys it `offered` now, and where its roles and sessions live."""
    intro = (
        f"Roles from {display_path(engine.config.path)}.\n"
        f"Sessions are written to their profiles in {display_path(engine.store.path)}."
    )
    actions = tuple(action for action in ACTIONS if offered(action.action))
    return HelpScreen(help_rows(app.get_key_display, actions), intro)
