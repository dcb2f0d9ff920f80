"""The role table: a Line API widget that renders only the rows on screen.

It never holds one widget or one cell per role. It holds `view` (the names of the roles shown, in the
order shown, which the filter changes) and asks the `RoleBook` for a row when a line is painted. With 10,000
roles a paint costs the same as with 30, and a tick compares the ~30 visible rows with what was painted
and refreshes only the lines whose text changed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events, on
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from stsui.domain.colors import rgb
from stsui.tui.state import RoleBook, RoleRow

GAP = 2
"""Spaces between two columns (and one before the first)."""


@dataclass(frozen=True)
class Column:
    """One column: the `RoleRow` field it shows, its heading, and when it is dropped on narrow screens."""

    field: str
    title: str
    rank: int
    """0: always shown; higher ranks are dropped first when the terminal is narrow."""
    cap: int
    """The widest the column gets; longer texts end in an ellipsis."""


COLUMNS = (
    Column("flags", "", 0, 2),
    Column("name", "ROLE", 0, 28),
    Column("via", "CHAINED", 4, 22),
    Column("account", "ACCOUNT", 2, 12),
    Column("iam_role", "IAM ROLE", 5, 24),
    Column("profile", "PROFILE", 1, 24),
    Column("region", "REGION", 3, 14),
    Column("status", "STATUS", 0, 9),
    Column("time_left", "LEFT", 0, 7),
    Column("served", "SERVED", 1, 8),
    Column("group", "GROUP", 3, 12),
    Column("description", "DESCRIPTION", 6, 48),
)

MIN_DESCRIPTION = 12
"""A description column narrower than this is left out rather than cut to a stub."""

_FIXED_WIDTH = {"flags": 2, "status": 9, "time_left": 7, "account": 12}
"""Columns whose texts are known in advance (status words, countdowns, 12-digit accounts)."""

REGION_WIDTH = 9
"""`eu-west-1`: the region column's width when no role names a longer region (a session may get one)."""

SERVED_WIDTH = 8
"""`59m ago`, `23h ago`: shown once the agent has served a role."""


def natural_widths(longest: Mapping[str, int], served: bool) -> dict[str, int]:
    """The width each column wants, from its heading and the longest text any role puts in it (capped):
    `longest` is `Roster.widest` in cells; `served`: whether the agent has served a role yet.

    Columns nobody fills (no chained roles, no groups) get 0 and are left out.
    """
    wanted = {
        "name": longest["name"],
        "via": longest["source_role"] + 2 if longest["source_role"] else 0,
        "iam_role": longest["role_short_name"],
        "profile": longest["profile"],
        "region": max(longest["region"], REGION_WIDTH),
        "group": longest["group"],
        "description": longest["description"],
        "served": SERVED_WIDTH if served else 0,
    }
    widths = {}
    for column in COLUMNS:
        width = _FIXED_WIDTH.get(column.field, wanted.get(column.field, 0))
        widths[column.field] = 0 if width == 0 else min(max(width, len(column.title)), column.cap)
    return widths


def fit_columns(widths: dict[str, int], width: int) -> list[tuple[Column, int]]:
    """The columns that fit in `width` cells, in display order, lowest rank first; the last one stretches."""
    chosen: set[str] = set()
    used = 1 - GAP
    for column in sorted(COLUMNS, key=lambda c: c.rank):
        wanted = widths[column.field]
        if wanted == 0:
            continue
        if column.rank == 0 or used + GAP + wanted <= width:
            chosen.add(column.field)
            used += GAP + wanted
    spare = width - used - GAP
    if "description" not in chosen and widths["description"] and spare >= MIN_DESCRIPTION:
        chosen.add("description")
        widths = {**widths, "description": spare}
        used += GAP + spare
    layout = [(column, widths[column.field]) for column in COLUMNS if column.field in chosen]
    if layout and layout[-1][0].field == "description":
        column, wanted = layout[-1]
        layout[-1] = (column, max(wanted, wanted + width - used))
    return layout


def _fit(text: str, width: int) -> str:
    if cell_len(text) <= width:
        return set_cell_size(text, width)
    return set_cell_size(text, width - 1) + "…"


class RoleTable(ScrollView, can_focus=True):
    """Every role (or those the filter kept), one line each, with a row cursor and a fixed heading."""

    BINDINGS = [
        Binding("up,k", "cursor_up", "Up", show=False),
        Binding("down,j", "cursor_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home", "first", "First role", show=False),
        Binding("end", "last", "Last role", show=False),
    ]

    COMPONENT_CLASSES = {
        "role-table--header",
        "role-table--flags",
        "role-table--cursor",
        "role-table--empty",
        "role-table--chained",
        "role-table--active",
        "role-table--due",
        "role-table--expired",
        "role-table--inactive",
        "role-table--needs-mfa",
        "role-table--needs-login",
        "role-table--error",
        "role-table--working",
        "role-table--time-fine",
        "role-table--time-soon",
        "role-table--time-urgent",
        "role-table--time-expired",
        "role-table--time-none",
    }

    cursor: reactive[int] = reactive(0, always_update=True, init=False)
    """Index into `view` of the highlighted row."""

    class Highlighted(Message):
        """The highlighted role changed (None when the view is empty)."""

        def __init__(self, role: str | None) -> None:
            super().__init__()
            self.role = role

    class Chosen(Message):
        """A role was double-clicked."""

        def __init__(self, role: str) -> None:
            super().__init__()
            self.role = role

    def __init__(
        self,
        book: RoleBook,
        clock: Callable[[], datetime],
        *,
        empty_text: str = "No roles.",
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.book = book
        self.view: list[str] = list(book.ordered(clock()))
        self.empty_text = empty_text
        self.now = clock()
        self._longest = book.roster.widest(cell_len)
        self._widths = natural_widths(self._longest, book.has_served)
        self._layout: list[tuple[Column, int]] = []
        self._layout_width = -1
        self._painted: dict[str, RoleRow] = {}
        """What each visible role looked like when last painted; the tick compares against it."""
        self._highlighted: str | None = None
        self.virtual_size = Size(0, len(self.view) + 1)

    # -- what is shown ----------------------------------------------------------------------------------

    @property
    def highlighted(self) -> str | None:
        """The highlighted role's name."""
        if not self.view:
            return None
        return self.view[min(self.cursor, len(self.view) - 1)]

    def show(self, view: Sequence[str], *, keep: str | None = None) -> None:
        """Show these roles in this order; the cursor goes to `keep` if shown, else to the top."""
        self.view = list(view)
        self._painted.clear()
        self.virtual_size = Size(0, len(self.view) + 1)
        target = 0
        if keep is not None and keep in self.view:
            target = self.view.index(keep)
        self.scroll_to(y=0, animate=False, immediate=True)
        self.cursor = target
        self.refresh()

    def rebuild(self, *, keep: str | None = None) -> None:
        """The book's roles changed: measure the columns again and show every role."""
        self._longest = self.book.roster.widest(cell_len)
        self._widths = natural_widths(self._longest, self.book.has_served)
        self._layout_width = -1
        self.show(self.book.ordered(self.now), keep=keep)

    def measured(self, longest: Mapping[str, int]) -> None:
        """Every role's texts were measured in cells (the first paint used the cache's count of characters):
        lay the table out again if that changes a column."""
        if dict(longest) != self._longest:
            self._longest = dict(longest)
            self.refit()

    def go_to(self, role: str) -> bool:
        """Move the cursor to `role` if it is shown."""
        if role not in self.view:
            return False
        self.cursor = self.view.index(role)
        return True

    def refit(self) -> None:
        """The columns' texts changed in kind (the agent served its first role): lay the table out again."""
        self._widths = natural_widths(self._longest, self.book.has_served)
        self._layout_width = -1
        self._painted.clear()
        self.refresh()

    def visible_range(self) -> range:
        """Indices into `view` of the rows on screen."""
        top = round(self.scroll_offset.y)
        return range(top, min(top + max(self.size.height - 1, 0), len(self.view)))

    def update_rows(self, now: datetime) -> int:
        """Bring the visible rows up to `now`; repaint only lines whose text changed. Returns how many."""
        self.now = now
        painted = self._painted
        fresh: dict[str, RoleRow] = {}
        changed = 0
        top = round(self.scroll_offset.y)
        width = self.size.width
        for index in self.visible_range():
            name = self.view[index]
            row = self.book.row(name, now)
            fresh[name] = row
            if painted.get(name) != row:
                changed += 1
                self.refresh(Region(0, index - top + 1, width, 1))
        self._painted = fresh
        return changed

    # -- painting ---------------------------------------------------------------------------------------

    def _columns(self) -> list[tuple[Column, int]]:
        width = self.size.width
        if width != self._layout_width:
            self._layout = fit_columns(self._widths, width)
            self._layout_width = width
        return self._layout

    def _style(self, name: str) -> Style:
        """A component's full style (colours blended over the table's background)."""
        return self.get_component_rich_style(f"role-table--{name}")

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.rich_style
        if y == 0:
            header = self._style("header")
            return self._line([(column.title, header) for column, _ in self._columns()], width, base)
        index = round(self.scroll_offset.y) + y - 1
        if index >= len(self.view):
            if index == 0:
                line = Strip([Segment(" " + self.empty_text, self._style("empty"))])
                return line.adjust_cell_length(width, base)
            return Strip.blank(width, base)
        name = self.view[index]
        row = self.book.row(name, self.now)
        self._painted[name] = row
        plain = base
        overlay = None
        if index == self.cursor:
            plain = self._style("cursor")
            overlay = Style(bgcolor=plain.bgcolor, bold=plain.bold)
        cells = []
        for column, _ in self._columns():
            field = column.field
            if field == "status":
                style = self._style(row.status_style)
            elif field == "time_left":
                style = self._style(f"time-{row.tone}")
            elif field == "via":
                style = self._style("chained")
            elif field == "flags":
                style = self._style("flags")
            elif field == "name" and row.color is not None:
                style = plain + Style(color=rgb(row.color))
            else:
                style = plain
            if overlay is not None and style is not plain:
                style = style + overlay
            cells.append((getattr(row, field), style))
        return self._line(cells, width, plain)

    def _line(self, cells: list[tuple[str, Style]], width: int, base: Style) -> Strip:
        segments = [Segment(" ", base)]
        for (text, style), (_, column_width) in zip(cells, self._columns(), strict=True):
            segments.append(Segment(_fit(text, column_width), style))
            segments.append(Segment(" " * GAP, base))
        return Strip(segments).adjust_cell_length(width, base)

    # -- the cursor -------------------------------------------------------------------------------------

    def validate_cursor(self, cursor: int) -> int:
        return max(0, min(cursor, len(self.view) - 1))

    def watch_cursor(self, old: int, new: int) -> None:
        top = round(self.scroll_offset.y)
        width = self.size.width
        for index in {old, new}:
            self.refresh(Region(0, index - top + 1, width, 1))
        self._scroll_into_view(new)
        role = self.highlighted
        if role != self._highlighted:
            self._highlighted = role
            self.post_message(self.Highlighted(role))

    def _scroll_into_view(self, index: int) -> None:
        rows = max(self.size.height - 1, 1)
        top = round(self.scroll_offset.y)
        if index < top:
            self.scroll_to(y=index, animate=False, immediate=True)
        elif index >= top + rows:
            self.scroll_to(y=index - rows + 1, animate=False, immediate=True)

    def _page(self) -> int:
        return max(self.size.height - 2, 1)

    def action_cursor_up(self) -> None:
        self.cursor -= 1

    def action_cursor_down(self) -> None:
        self.cursor += 1

    def action_page_up(self) -> None:
        self.cursor -= self._page()

    def action_page_down(self) -> None:
        self.cursor += self._page()

    def action_first(self) -> None:
        self.cursor = 0

    def action_last(self) -> None:
        self.cursor = len(self.view) - 1

    @on(events.Click)
    def _clicked(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < 1:
            return
        index = round(self.scroll_offset.y) + offset.y - 1
        if index >= len(self.view):
            return
        self.cursor = index
        if event.chain >= 2 and self.highlighted is not None:
            self.post_message(self.Chosen(self.highlighted))

    @on(events.Resize)
    def _resized(self) -> None:
        self._painted.clear()
        self._scroll_into_view(self.cursor)
