"""Other sessions: what other tools left on this machine, with live countdowns, shown read-only.

The screen is given a loader (discovery, run in a worker), the clock and an identity lookup; it never
writes anything and offers no assume, renew or forget: those sessions belong to the tools that made them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Header, Label

from stsui.discover.environment import shell_session
from stsui.discover.found import Found, Source, describe
from stsui.domain.durations import format_time_left
from stsui.domain.errors import StsuiError
from stsui.domain.model import Identity, Role, Status
from stsui.domain.printable import printable
from stsui.engine.engine import Engine
from stsui.tui.actions import Action, bindings, keys_shown
from stsui.tui.messages import OtherIdentity, OtherSessionsLoaded
from stsui.tui.screens.help import HelpScreen
from stsui.tui.state import Tone, tone_of

COLUMNS = (
    ("source", "SOURCE"),
    ("name", "NAME"),
    ("profile", "PROFILE"),
    ("status", "STATUS"),
    ("time_left", "LEFT"),
    ("detail", "ARN / NOTE"),
)

STATUS_COLOUR = {
    Status.ACTIVE: "success",
    Status.DUE: "warning",
    Status.EXPIRED: "error",
    Status.UNREADABLE: "error",
}
"""Status words in the role table's colours (theme variables); the rest are dim."""

TONE_COLOUR = {Tone.FINE: "success", Tone.SOON: "warning", Tone.URGENT: "error", Tone.EXPIRED: "error"}

READ_ONLY = (
    "These sessions belong to the tools that made them (saml2aws, awsume, Leapp, the AWS CLI, an IAM "
    "Identity Center login, your shell). stsui only shows them: it does not assume, renew or forget them, "
    "because the tool that owns each one would not know and could break. Renew them with that tool; "
    "turn a role profile of ~/.aws/config into a stsui role with 'stsui import'."
)

KEYS = (
    Action("escape,a", "back", "Back", "Back to stsui's roles"),
    Action("i", "identity", "Identity", "Ask STS who the highlighted session is"),
    Action("r", "reload", "Reload", "Look at the files and the environment again"),
    Action("question_mark", "help", "Help", "Show every key, and why nothing here can change"),
    Action("q", "app.quit", "Quit", "Quit stsui"),
)
"""This screen's keys: no assume, renew or forget (READ_ONLY says why)."""

IDENTITY_SOURCES = (Source.CREDENTIALS_FILE, Source.ENVIRONMENT)
"""Where asking STS uses fixed keys. A role or SSO profile would make a new session (maybe asking for MFA)."""


class OtherSessionsScreen(Screen[None]):
    """A table of the other sessions; `i` asks STS who the highlighted one is (in a worker)."""

    BINDINGS = bindings(KEYS)

    def __init__(
        self,
        load: Callable[[], list[Found]],
        clock: Callable[[], datetime],
        identity: Callable[[str | None], Identity],
        shell: str,
        *,
        show_path: Callable[[Path], str] = str,
        tick_every: float | None = 1.0,
    ) -> None:
        """`load` runs discovery (in a worker); `identity(profile)` asks STS (in a worker; None: the
        environment's keys); `shell` says which session the shell uses; `show_path` shortens file paths."""
        super().__init__()
        self._show_path = show_path
        self._load = load
        self._clock = clock
        self._identity = identity
        self._shell = shell
        self._tick_every = tick_every
        self._ticker: Timer | None = None
        self.found: dict[str, Found] = {}
        self._shown: dict[str, tuple[str, str]] = {}  # row key -> (status, time left) on screen
        self._identities: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="others"):
            yield Label(self._shell, id="others-shell", markup=False)
            table: DataTable[Text | str] = DataTable(
                id="others-table", cursor_type="row", zebra_stripes=False
            )
            for key, label in COLUMNS:
                table.add_column(label, key=key)
            yield table
            yield Label("looking…", id="others-detail", markup=False)
        yield Footer()

    @property
    def table(self) -> DataTable[Text | str]:
        return self.query_one("#others-table", DataTable)

    @on(events.Mount)
    def _mounted(self) -> None:
        self.sub_title = "Other sessions (read-only)"
        self.table.focus()
        if self._tick_every is not None:
            self._ticker = self.set_interval(self._tick_every, self.tick, name="others-ticker")
        self._discover()

    # -- loading and the countdown -----------------------------------------------------------------------

    @work(thread=True, exit_on_error=False, exclusive=True, group="discover", description="other sessions")
    def _discover(self) -> None:
        self.post_message(OtherSessionsLoaded(self._load()))

    @on(OtherSessionsLoaded)
    def _loaded(self, event: OtherSessionsLoaded) -> None:
        table = self.table
        keep = self._highlighted_key()
        table.clear()
        self._shown.clear()
        self.found = {}
        now = self._clock()
        for number, found in enumerate(event.found):
            key = f"{number}:{found.source}:{found.name}"
            self.found[key] = found
            table.add_row(*self._cells(key, found, now), key=key)
        if keep in self.found:
            table.move_cursor(row=table.get_row_index(keep))
        count = len(event.found)
        self._detail(
            f"{count} found; nothing here is changed by stsui. ? says why." if count else "None found."
        )
        self._show_highlighted()

    def _cells(self, key: str, found: Found, now: datetime) -> list[Text | str]:
        row = describe(found, now)
        status, left = self._status_cells(found, now)
        self._shown[key] = (status.plain, left.plain)
        detail = " — ".join(str(part) for part in (row["arn"], row["note"]) if part)
        name = f"{row['name']} *" if found.in_use else str(row["name"])
        return [str(row["source"]), name, str(row["profile"] or ""), status, left, detail]

    def _status_cells(self, found: Found, now: datetime) -> tuple[Text, Text]:
        status = found.status(now)
        seconds = found.seconds_left(now)
        left = "" if seconds is None else format_time_left(seconds)
        colour = self._colour(STATUS_COLOUR.get(status))
        return Text(str(status), style=colour), Text(
            left, style=self._colour(TONE_COLOUR.get(tone_of(seconds)))
        )

    def _colour(self, variable: str | None) -> str:
        if variable is None:
            return "dim"
        return self.app.get_css_variables().get(variable, "")

    def tick(self) -> None:
        """Move the countdowns: only the cells whose text changed are touched."""
        now = self._clock()
        table = self.table
        for key, found in self.found.items():
            if found.expires_at is None:
                continue
            status, left = self._status_cells(found, now)
            if self._shown.get(key) != (status.plain, left.plain):
                self._shown[key] = (status.plain, left.plain)
                table.update_cell(key, "status", status)
                table.update_cell(key, "time_left", left)

    # -- identity on demand ------------------------------------------------------------------------------

    def _highlighted_key(self) -> str | None:
        table = self.table
        if not table.row_count:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return None if row_key.value is None else str(row_key.value)

    def _highlighted(self) -> Found | None:
        key = self._highlighted_key()
        return None if key is None else self.found.get(key)

    def _detail(self, text: str, *, error: bool = False) -> None:
        label = self.query_one("#others-detail", Label)
        label.update(text)
        label.set_class(error, "-error")

    @on(DataTable.RowHighlighted)
    def _show_highlighted(self) -> None:
        key = self._highlighted_key()
        found = self._highlighted()
        if key is None or found is None:
            return
        if key in self._identities:
            self._detail(self._identities[key])
        elif found.path is not None:
            self._detail(f"From {printable(self._show_path(found.path))}")
        else:
            self._detail("")

    def action_identity(self) -> None:
        key, found = self._highlighted_key(), self._highlighted()
        if key is None or found is None:
            return
        if found.source not in IDENTITY_SOURCES or found.status(self._clock()) is Status.UNREADABLE:
            why = f"ARN from its cache: {found.arn}." if found.arn else "Only fixed keys are asked about."
            self._detail(f"stsui does not ask STS about this one: that would start a new session. {why}")
            return
        self._detail("asking STS…")
        self._ask(key, None if found.source is Source.ENVIRONMENT else found.profile)

    @work(thread=True, exit_on_error=False, exclusive=True, group="other-identity", description="identity")
    def _ask(self, key: str, profile: str | None) -> None:
        try:
            identity = self._identity(profile)
        except StsuiError as error:
            self.post_message(OtherIdentity(key, error.message, error=True))
            return
        text = f"{printable(identity.arn)}  ·  account {printable(identity.account)}"
        self.post_message(OtherIdentity(key, text))

    @on(OtherIdentity)
    def _identity_known(self, event: OtherIdentity) -> None:
        if not event.error:
            self._identities[event.key] = event.text
        if event.key == self._highlighted_key():
            self._detail(event.text, error=event.error)

    # -- keys --------------------------------------------------------------------------------------------

    def action_back(self) -> None:
        self.dismiss(None)

    def action_reload(self) -> None:
        self._identities.clear()
        self._detail("looking…")
        self._discover()

    def action_help(self) -> None:
        keys = [(keys_shown(action, self.app.get_key_display), action.help) for action in KEYS]
        self.app.push_screen(HelpScreen(keys, READ_ONLY))


def open_other_sessions(
    engine: Engine, roles: Iterable[Role], show_path: Callable[[Path], str]
) -> OtherSessionsScreen:
    """The screen for `engine`'s files and STS, beside stsui's `roles`."""
    from stsui.discover.discover import discover

    managed = {role.role_arn for role in roles}
    return OtherSessionsScreen(
        lambda: discover(engine.store, managed),
        engine.clock,
        lambda profile: engine.gateway.caller_identity(profile=profile, region=engine.config.region),
        f"This shell uses {shell_session(os.environ)}.",
        show_path=show_path,
    )
