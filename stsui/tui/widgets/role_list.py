"""The role list: the filter field over the role table, the rows' marks and order, and their handlers.

`/` opens the filter (the screen's action calls `open_filter`); typing keeps the roles that match, best first
(`RoleFilter` decides, over the index this widget builds in a worker after the first frame); Up and Down move
the highlight from inside the field; Enter chooses the highlighted role (posted as `RoleTable.Chosen`, as a
double-click is); Esc clears the filter (`clear_filter`).

Without a filter the rows are in the book's order: recent first (pins, then frecency) or file order,
switched with `toggle_order` and changed by `pin`; both are kept for the next run (saved in a worker: the
list already shows the change). `pick_region` gives the highlighted role's session a region. Space marks
rows (`toggle_mark`, `mark_all`, `clear_marks`), and Enter, `r` and `x` then act on every marked role
(`act_on_marked`): one async worker confirms the roles that ask, asks each MFA device's code once, and runs
the engine's bulk runner in a thread (`stsui.tui.marked_runs`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

from textual import events, on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input
from textual.worker import Worker, WorkerState

from stsui.domain.frecency import Recents
from stsui.domain.model import Role
from stsui.tui.display import LONG, Notice, bug, tell
from stsui.tui.messages import (
    MarkedRunDone,
    MarkedRunProgress,
    Post,
    RecentsNotSaved,
    RegionChanged,
    RolesIndexed,
)
from stsui.tui.role_filter import FILTER_ID, RoleFilter, View, index
from stsui.tui.role_sessions import RoleSessions

if TYPE_CHECKING:
    from stsui.tui.marked_runs import MarkedRuns, Verb
from stsui.tui.screens.confirm import ConfirmScreen
from stsui.tui.screens.mfa import MfaScreen
from stsui.tui.widgets.role_table import RoleTable

INDEX = "index"
"""The index worker's group."""


class RoleList(Vertical):
    """The filter field (hidden until `/`) and the table of the roles it keeps."""

    def __init__(self, sessions: RoleSessions, post: Post, *, empty_text: str, id: str | None = None) -> None:
        """`sessions`: the roles screen's (its book, its engine); `post`: where a role's result goes (the
        screen, which applies it to the row)."""
        super().__init__(id=id)
        self.book = book = sessions.book
        self.sessions = sessions
        self._clock: Callable[[], datetime] = sessions.engine.clock
        self.role_filter = RoleFilter(book, self._clock)
        self._post_row = post
        self._runs: MarkedRuns | None = None
        self._empty_text = empty_text
        self._sub_title: str | None = None
        """The header's subtitle while a run over the marked roles shows its progress there."""

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

    # -- the index -------------------------------------------------------------------------------------------

    def index_roles(self) -> None:
        """Decode and index every role (again, after the roles were replaced) off the event loop."""
        job = partial(index, self.role_filter.reindex(), self.post_message)
        self.run_worker(job, group=INDEX, description="index the roles", exit_on_error=False, thread=True)

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
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        """A bug in one of this list's workers, said; the filter then works without the index, a run over
        the marked roles has ended."""
        if event.state is WorkerState.ERROR:
            if event.worker.group == INDEX:
                self.role_filter.index_failed()
                self._filter_if_waiting()
            tell(self, bug(event.worker.description, event.worker.error))

    @on(events.Unmount)
    def _unmounted(self) -> None:
        self.role_filter.thaw()  # the screen is gone: what its roles held may be collected again

    # -- the field -------------------------------------------------------------------------------------------

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

    # -- the order and the pins ------------------------------------------------------------------------------

    def reordered(self) -> None:
        """The order changed: show it, unless the filter's matches are shown (best first)."""
        if not self.filtering:
            self.table.show(self.book.ordered(self._clock()), keep=self.table.highlighted)

    def toggle_order(self) -> None:
        file_order = self.book.recent_first
        self._change_recents(lambda recents: recents.ordered(file_order=file_order))
        self.reordered()

    def pin(self) -> Notice | None:
        """Pin the highlighted role, or unpin it: pinned roles come first in recent order."""
        name = self.table.highlighted
        if name is None:
            return None
        self._change_recents(lambda recents: recents.toggled(name))
        self.reordered()
        self.table.update_rows(self._clock())
        if name in self.book.pins:
            return Notice(f"Pinned {name}: it comes first in recent order.", title="Pins")
        return Notice(f"Unpinned {name}.", title="Pins")

    def _change_recents(self, change: Callable[[Recents], Recents]) -> None:
        """Apply `change` here at once, and to the recents file in a worker (where other runs' changes are
        kept too)."""
        self.book.take_recents(change(self.book.recents))
        self._work(partial(self.sessions.save_recents, change, self.post_message), "save the pins")

    def _work(self, job: Callable[[], None], description: str) -> None:
        self.run_worker(job, group="role-list", description=description, exit_on_error=False, thread=True)

    @on(RecentsNotSaved)
    def _recents_not_saved(self, fact: RecentsNotSaved) -> None:
        tell(self, Notice(fact.message, severity="warning", timeout=LONG))

    # -- the region ------------------------------------------------------------------------------------------

    def pick_region(self) -> None:
        """The region picker for the highlighted role: its partition's regions, the ones used lately first."""
        from stsui.domain.arns import partition_of_arn
        from stsui.domain.frecency import recent_regions
        from stsui.domain.regions import regions_of
        from stsui.tui.screens.region import RegionScreen

        name = self.table.highlighted
        if name is None:
            return
        state = self.book[name]
        regions = recent_regions(regions_of(partition_of_arn(state.role.role_arn)), self.book.recents)

        def picked(region: str | None) -> None:
            if region is not None:
                self.book.take_recents(self.book.recents.used_region(region, self._clock()))
                self._work(
                    partial(self.sessions.move, state.role, region, self.post_message), "change a region"
                )

        self.app.push_screen(RegionScreen(name, regions, state.region), picked)

    @on(RegionChanged)
    def _region_changed(self, fact: RegionChanged) -> None:
        tell(self, self.sessions.region_changed(fact))
        self.table.update_rows(self._clock())

    # -- marks -----------------------------------------------------------------------------------------------

    def toggle_mark(self) -> None:
        if (name := self.table.highlighted) is not None:
            self.book.marked.symmetric_difference_update({name})
            self.table.update_rows(self._clock())

    def mark_all(self) -> Notice:
        """Mark every row shown (the filter's matches, or every role)."""
        self.book.marked.update(self.table.view)
        self.table.update_rows(self._clock())
        return Notice(f"Marked {len(self.book.marked):,} roles: Enter, r or x acts on them all; - clears.")

    def clear_marks(self) -> None:
        self.book.marked.clear()
        self.table.update_rows(self._clock())

    # -- acting on the marked roles --------------------------------------------------------------------------

    @property
    def runs(self) -> MarkedRuns:
        """Runs over the marked roles (loaded with the first one: the first frame does without)."""
        if self._runs is None:
            from stsui.tui.marked_runs import MarkedRuns

            self._runs = MarkedRuns(self.sessions.engine, self._post_row, self.post_message)
        return self._runs

    def act_on_marked(self, key: str) -> bool:
        """Run what `key` ("assume", "renew", "forget") does over every marked role (those not busy), in
        the order shown; False when none is marked."""
        if not self.book.marked:
            return False
        names = [name for name in self.book.ordered(self._clock()) if name in self.book.marked]
        from stsui.tui.marked_runs import VERBS

        verb = VERBS[key]
        if self.runs.running:
            tell(self, Notice("A run over the marked roles is under way; wait for it to finish."))
        else:
            self.runs.running = True
            self._run_marked(verb, [self.book[name].role for name in names if not self.book[name].working])
        return True

    @work(group="marked", description="act on the marked roles", exit_on_error=False)
    async def _run_marked(self, verb: Verb, roles: list[Role]) -> None:
        """Confirm once (for the roles that ask; a renewal of a session held asks nothing), ask each MFA
        device's code once, then run; the engine's calls run in threads, the dialogs here."""
        try:
            asking = [
                role for role in roles if role.confirm and not (verb.fresh and self.book[role.name].entry)
            ]
            if verb.asks and asking and not await self.app.push_screen_wait(ConfirmScreen(asking, verb.asks)):
                return
            codes = {}
            for need in await asyncio.to_thread(self.runs.needs, verb, roles):
                who = f"{len(need.roles)} marked role{'s' if len(need.roles) > 1 else ''}"
                code = await self.app.push_screen_wait(MfaScreen(who, need.serial))
                if code:
                    codes[need.device] = code
                else:  # cancelled: the roles of that device sit this run out
                    roles = [role for role in roles if role not in need.roles]
            if not roles:
                return
            for role in roles:
                self.book.begin(role.name, verb.working)
            self.table.update_rows(self._clock())
            regions = {role.name: choice for role in roles if (choice := self.book[role.name].region_choice)}
            try:
                await asyncio.to_thread(self.runs.run, verb, roles, codes, regions)
            finally:  # each role's fact says how it went; a bug in the run leaves no row "assuming…"
                for role in roles:
                    self.book.finish(role.name)
        finally:
            self.runs.running = False

    @on(MarkedRunProgress)
    def _marked_run_progress(self, fact: MarkedRunProgress) -> None:
        if self._sub_title is None:
            self._sub_title = self.app.sub_title
        self.app.sub_title = fact.text

    @on(MarkedRunDone)
    def _marked_run_done(self, fact: MarkedRunDone) -> None:
        if self._sub_title is not None:
            self.app.sub_title, self._sub_title = self._sub_title, None
        self.table.update_rows(self._clock())
        tell(self, *self.runs.done(fact))
