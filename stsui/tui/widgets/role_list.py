"""The role list: the filter field over the role table, and their handlers.

`/` opens the filter (the screen's action calls `open_filter`); typing keeps the roles that match, best first
(`RoleFilter` decides, over the index this widget builds in a worker after the first frame); Up and Down move
the highlight from inside the field; Enter chooses the highlighted role (posted as `RoleTable.Chosen`, as a
double-click is); Esc clears the filter (`clear_filter`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial

from textual import events, on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input
from textual.worker import Worker, WorkerState

from stsui.domain.model import Role
from stsui.tui.display import bug, tell
from stsui.tui.messages import RolesIndexed
from stsui.tui.role_filter import FILTER_ID, RoleFilter, View, index
from stsui.tui.state import RoleBook
from stsui.tui.widgets.role_table import RoleTable


class RoleList(Vertical):
    """The filter field (hidden until `/`) and the table of the roles it keeps."""

    def __init__(
        self, book: RoleBook, clock: Callable[[], datetime], *, empty_text: str, id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self.book = book
        self.role_filter = RoleFilter(book)
        self._clock = clock
        self._empty_text = empty_text

    def compose(self) -> ComposeResult:
        yield Input(placeholder="Filter: name, account, IAM role, profile or group", id=FILTER_ID)
        yield RoleTable(self.book, self._clock, empty_text=self._empty_text, id="roles")

    @property
    def table(self) -> RoleTable:
        return self.query_one(RoleTable)

    @property
    def field(self) -> Input:
        return self.query_one(Input)

    @property
    def filtering(self) -> bool:
        """Whether the filter field is shown."""
        return self.field.has_class("-visible")

    def find(self, query: str) -> list[Role]:
        """Roles matching `query`, best first (the command palette's search)."""
        return list(self.role_filter.find(query))

    # -- the index ---------------------------------------------------------------------------------------

    def index_roles(self) -> None:
        """Decode and index every role (again, after the roles were replaced) off the event loop."""
        job = partial(index, self.role_filter.reindex(), self.post_message)
        self.run_worker(job, group="index", description="index the roles", exit_on_error=False, thread=True)

    def rebuild(self, *, keep: str | None) -> None:
        """The book's roles were replaced (with the filter cleared): index them, and show every one (the
        cursor on `keep`)."""
        self.index_roles()
        self.table.rebuild(keep=keep)

    @on(RolesIndexed)
    def _roles_indexed(self, fact: RolesIndexed) -> None:
        if self.role_filter.indexed(fact):
            self.table.measured(fact.longest)
            self._filter_if_waiting()

    @on(Worker.StateChanged)
    def _index_failed(self, event: Worker.StateChanged) -> None:
        """A bug in the index worker: said, and the filter works without the index."""
        if event.state is WorkerState.ERROR:
            self.role_filter.index_failed()
            self._filter_if_waiting()
            tell(self, bug(event.worker.description, event.worker.error))

    @on(events.Unmount)
    def _unmounted(self) -> None:
        self.role_filter.thaw()  # the screen is gone: what its roles held may be collected again

    # -- the field ---------------------------------------------------------------------------------------

    def open_filter(self) -> None:
        field = self.field
        field.add_class("-visible")
        field.display = True  # now, not at the next style update, so focus (and typed keys) land at once
        self.screen.set_focus(field)
        self.screen.refresh_bindings()
        if not self.role_filter.indexing:
            _ = self.role_filter.search  # the keys are built as it opens, not while the first key waits

    def clear_filter(self) -> None:
        """Empty and hide the filter, and show every role again (the highlighted one stays highlighted)."""
        field = self.field
        if not self.filtering:
            return
        keep = self.table.highlighted
        with field.prevent(Input.Changed):
            field.value = ""
        field.remove_class("-visible")
        field.display = False
        self.screen.refresh_bindings()
        self._show(self.role_filter.cleared(), keep=keep)
        self.table.focus()

    def _show(self, view: View, *, keep: str | None = None) -> None:
        if view.empty_text is not None:
            self.table.empty_text = view.empty_text
        self.table.show(view.names, keep=keep)

    def _filter_if_waiting(self) -> None:
        if self.role_filter.waiting():
            self._show(self.role_filter.apply(self.field.value))

    @on(Input.Changed, f"#{FILTER_ID}")
    def _filter_typed(self, event: Input.Changed) -> None:
        if event.value == self.field.value:  # else typed over already: only the newest text is filtered
            self._show(self.role_filter.typed(event.value))

    @on(Input.Submitted, f"#{FILTER_ID}")
    def _filter_submitted(self) -> None:
        table = self.table
        table.focus()
        if table.highlighted is not None:
            self.post_message(RoleTable.Chosen(table.highlighted))

    @on(events.Key)
    def _key_pressed(self, event: events.Key) -> None:
        """Up and down in the filter move the highlight, so a match can be picked without leaving it."""
        if self.screen.focused is self.field and event.key in ("up", "down"):
            self.table.cursor += -1 if event.key == "up" else 1
            event.stop()
