"""The roles screen's filter: typing keeps the roles that match (fuzzy, best first), Enter assumes the
highlighted one, Esc clears it. `RoleFilter` decides what the table shows; the screen owns the field.

Its index (every role's search keys) is built in a worker after the first frame, with the roles decoded from
the cache and each column's longest text measured in cells: 100,000 roles take about a second, and the
first frame needed only the rows it shows. What is typed before the index is ready is filtered when it is.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from rich.cells import cell_len

from stsui.domain.collector import building
from stsui.domain.search import RoleSearch, narrows
from stsui.tui.messages import Post, RolesIndexed

if TYPE_CHECKING:
    from stsui.domain.model import Role
    from stsui.domain.roster import Roster
    from stsui.tui.state import RoleBook

FILTER_ID = "filter"
"""The filter field's widget id."""

LASTING_ROLES = 10_000
"""From this many roles, the decoded roles and the filter's keys (about 240,000 objects for 100,000 roles)
are moved out of the garbage collector's way once indexed (`gc.freeze`): they live as long as the screen,
and every full collection would otherwise walk them again (75 ms each for 100,000 roles, a stall of the
event loop and the benchmark's idle CPU)."""


@dataclass(frozen=True)
class View:
    """What the table is to show: these roles, in this order, and what it says when there are none
    (`empty_text` None: unchanged)."""

    names: Sequence[str]
    empty_text: str | None = None


def index(roster: Roster, post: Post) -> None:
    """Decode and index every role, and measure each column's longest text: a worker's body."""
    with building():
        roster.load()
        search = RoleSearch(roster.in_order())
    post(RolesIndexed(roster, search, roster.widest(cell_len)))


class RoleFilter:
    """The query typed, its matches, and the index they are found with."""

    def __init__(self, book: RoleBook, clock: Callable[[], datetime]) -> None:
        self.book = book
        self._clock = clock
        self._search: RoleSearch | None = None
        self.indexing = False
        """The roles are being decoded and indexed in a worker."""
        self._waiting = False
        """The query changed while indexing: it is applied when the index is ready."""
        self._query = ""
        self._matches: Sequence[int] = ()
        self._frozen = False

    @property
    def search(self) -> RoleSearch:
        """The filter's keys: built by the index worker after the first frame, or here if asked for sooner."""
        if self._search is None:
            self._search = RoleSearch(self.book.roles)
        return self._search

    def find(self, query: str) -> Sequence[Role]:
        """Roles matching `query`, best first (the command palette's search)."""
        roles = self.book.roles
        return [roles[position] for position in self.search.filter(query)]

    # -- the index ---------------------------------------------------------------------------------------

    def reindex(self) -> Roster:
        """The roles are (re)indexed from now: returns the roster the index worker is to load."""
        self.thaw()  # the old roles may go now
        self._search = None
        self.indexing = True
        return self.book.roster

    def indexed(self, fact: RolesIndexed) -> bool:
        """The index worker is done: take its keys. False when the roles were replaced meanwhile (their own
        indexing follows)."""
        if fact.roster is not self.book.roster:
            return False
        self.indexing = False
        self._search = fact.search
        if len(fact.roster) >= LASTING_ROLES:
            gc.freeze()
            self._frozen = True
        return True

    def index_failed(self) -> None:
        """The index worker failed (a bug, reported by the screen): filter without it."""
        self.indexing = False

    def waiting(self) -> bool:
        """Whether a query was typed while indexing (asked once the index is ready, or failed; the answer
        is given once)."""
        waiting, self._waiting = self._waiting, False
        return waiting

    def thaw(self) -> None:
        """What the roles held may be collected again (the screen is gone, or the roles are replaced)."""
        if self._frozen:
            gc.unfreeze()
            self._frozen = False

    # -- the query ---------------------------------------------------------------------------------------

    def typed(self, query: str) -> View:
        """The field now holds `query`: the roles to show (none yet while the index is being built)."""
        if query.strip() and self._search is None and self.indexing:
            self._waiting = True  # filtered when the index is ready (about a second for 100,000)
            return View([], empty_text=f"Searching {len(self.book):,} roles…")
        return self.apply(query)

    def apply(self, query: str) -> View:
        """The roles matching `query`, best first (each narrower query searches only the last matches)."""
        self._waiting = False
        if not query.strip():
            self._query, self._matches = query, ()
            return View(self.book.ordered(self._clock()))
        within = self._matches if narrows(self._query, query) else None
        self._matches = self.search.filter(query, within)
        self._query = query
        names = self.book.names
        return View([names[p] for p in self._matches], f"No role matches '{query}'; Esc clears the filter.")

    def cleared(self) -> View:
        """The field was cleared and hidden: every role."""
        self._query, self._matches, self._waiting = "", (), False
        return View(self.book.ordered(self._clock()))

    @property
    def query(self) -> str:
        """What the filter holds now ("" when it is not in use)."""
        return self._query
