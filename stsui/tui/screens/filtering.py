"""The roles screen's filter: `/` opens it, typing keeps the roles that match (fuzzy, best first), Up and Down
move the highlight from inside it, Enter assumes the highlighted role, Esc clears it.

Its index (every role's search keys) is built in a worker after the first frame, with the roles decoded from
the cache and each column's longest text measured in cells: 100,000 roles take about a second, and the
first frame needed only the rows it shows. What is typed before the index is ready is filtered when it is.
"""

from __future__ import annotations

import gc
from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.cells import cell_len
from textual import events, work
from textual.widgets import Input

from stsui.domain.collector import building
from stsui.domain.roster import Roster
from stsui.domain.search import RoleSearch, narrows
from stsui.tui.messages import RolesIndexed

if TYPE_CHECKING:
    from textual.screen import Screen

    from stsui.domain.model import Role
    from stsui.tui.state import RoleBook
    from stsui.tui.widgets.role_table import RoleTable

    _Host = Screen[None]
else:
    _Host = object

FILTER_ID = "filter"

LASTING_ROLES = 10_000
"""From this many roles, the decoded roles and the filter's keys (about 240,000 objects for 100,000 roles)
are moved out of the garbage collector's way once indexed (`gc.freeze`): they live as long as the screen,
and every full collection would otherwise walk them again (75 ms each for 100,000 roles, a stall of the
event loop and the benchmark's idle CPU)."""


class RoleFilter(_Host):
    """Mixed into the roles screen, which brings `book`, `table`, `filter_input` and `assume_role`. Its
    handlers use Textual's `on_<message>` names, which are found through the mixin too."""

    if TYPE_CHECKING:
        book: RoleBook

        @property
        def table(self) -> RoleTable: ...

        @property
        def filter_input(self) -> Input: ...

        def assume_role(self, name: str) -> None: ...

    _search: RoleSearch | None = None
    _indexing = False
    """The roles are being decoded and indexed in a worker."""
    _query_waiting = False
    """The filter changed while indexing: it is applied when the index is ready."""
    _query = ""
    _matches: Sequence[int] = ()
    _frozen = False

    @property
    def role_search(self) -> RoleSearch:
        """The filter's keys: built by the index worker after the first frame, or here if asked for sooner."""
        if self._search is None:
            self._search = RoleSearch(self.book.roles)
        return self._search

    def index_roles(self) -> None:
        """Decode and index every role (again, after the roles were replaced) off the event loop."""
        self._thaw()  # the old roles may go now
        self._search = None
        self._indexing = True
        self._index_worker(self.book.roster)

    def index_failed(self) -> None:
        """The index worker failed (a bug, reported by the screen): filter without it."""
        self._indexing = False
        if self._query_waiting:
            self._query_waiting = False
            self._apply_filter(self.filter_input.value)

    def _thaw(self) -> None:
        if self._frozen:
            gc.unfreeze()
            self._frozen = False

    def on_unmount(self) -> None:
        """The screen is gone: what its roles held may be collected again."""
        self._thaw()

    def find_roles(self, query: str) -> Sequence[Role]:
        """Roles matching `query`, best first (the command palette's search)."""
        roles = self.book.roles
        return [roles[position] for position in self.role_search.filter(query)]

    @work(thread=True, exit_on_error=False, group="index", description="index the roles")
    def _index_worker(self, roster: Roster) -> None:
        with building():
            roster.load()
            search = RoleSearch(roster.in_order())
        self.post_message(RolesIndexed(roster, search, roster.widest(cell_len)))

    def on_roles_indexed(self, fact: RolesIndexed) -> None:
        if fact.roster is not self.book.roster:
            return  # the roles were replaced meanwhile; their own indexing follows
        self._indexing = False
        self._search = fact.search
        if len(fact.roster) >= LASTING_ROLES:
            gc.freeze()
            self._frozen = True
        self.table.measured(fact.longest)
        if self._query_waiting:
            self._query_waiting = False
            self._apply_filter(self.filter_input.value)

    # -- the field ---------------------------------------------------------------------------------------

    def action_filter(self) -> None:
        field = self.filter_input
        field.add_class("-visible")
        field.display = True  # now, not at the next style update, so focus (and typed keys) land at once
        self.set_focus(field)
        self.refresh_bindings()
        if not self._indexing:
            _ = self.role_search  # the keys are built as the filter opens, not while the first key waits

    def action_clear_filter(self) -> None:
        field = self.filter_input
        if not field.has_class("-visible"):
            return
        keep = self.table.highlighted
        with field.prevent(Input.Changed):
            field.value = ""
        field.remove_class("-visible")
        field.display = False
        self.refresh_bindings()
        self._query, self._matches, self._query_waiting = "", (), False
        self.table.show(self.book.names, keep=keep)
        self.table.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id != FILTER_ID:
            return
        query = event.value
        if query != self.filter_input.value:
            return  # typed over already: only the newest text is filtered (a burst of keys costs one search)
        if query.strip() and self._search is None and self._indexing:
            self._query_waiting = True  # filtered when the index is ready (about a second for 100,000)
            self.table.empty_text = f"Searching {len(self.book):,} roles…"
            self.table.show([])
            return
        self._apply_filter(query)

    def _apply_filter(self, query: str) -> None:
        self._query_waiting = False
        if not query.strip():
            self._query, self._matches = query, ()
            self.table.show(self.book.names)
            return
        within = self._matches if narrows(self._query, query) else None
        self._matches = self.role_search.filter(query, within)
        self._query = query
        self.table.empty_text = f"No role matches '{query}'; Esc clears the filter."
        names = self.book.names
        self.table.show([names[p] for p in self._matches])

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != FILTER_ID:
            return
        self.table.focus()
        if self.table.highlighted is not None:
            self.assume_role(self.table.highlighted)

    def on_key(self, event: events.Key) -> None:
        """Up and down in the filter move the highlight, so a match can be picked without leaving it."""
        if self.focused is self.filter_input and event.key in ("up", "down"):
            self.table.cursor += -1 if event.key == "up" else 1
            event.stop()
