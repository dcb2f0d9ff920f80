"""The region picker (`g`): the regions of the highlighted role's partition, the ones used lately first, kept
to those containing what is typed; Enter picks the highlighted one, Esc cancels. What a pick does (a live
session keeps its keys and changes only its region) is the roles screen's."""

from __future__ import annotations

from collections.abc import Sequence

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option


def matching(regions: Sequence[str], typed: str) -> list[str]:
    """The regions containing every word typed (`eu west`, `west-2`), in their order."""
    words = typed.lower().split()
    return [region for region in regions if all(word in region for word in words)]


class RegionScreen(ModalScreen[str | None]):
    """Picks a region for `role` among `regions` (in the order to offer them); `current` is marked."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("down", "move(1)", "Next", show=False, priority=True),
        Binding("up", "move(-1)", "Previous", show=False, priority=True),
    ]

    def __init__(self, role: str, regions: Sequence[str], current: str | None) -> None:
        super().__init__()
        self.role = role
        self.regions = list(regions)
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="region-dialog"):
            yield Label(f"Region for {self.role}", id="region-title", markup=False)
            yield Input(placeholder="Type to filter: eu, west-2, ap south", id="region-filter")
            yield OptionList(id="region-list")
            yield Label("Enter picks; Esc cancels. A live session keeps its keys.", id="region-hint")

    @property
    def options(self) -> OptionList:
        return self.query_one(OptionList)

    @on(events.Mount)
    def _mounted(self) -> None:
        self._show("")
        self.query_one(Input).focus()

    def _show(self, typed: str) -> None:
        shown = matching(self.regions, typed)
        options = self.options
        options.clear_options()
        options.add_options(
            Option(f"{region}  (now)" if region == self.current else region, id=region) for region in shown
        )
        if shown:
            options.highlighted = 0

    @on(Input.Changed, "#region-filter")
    def _typed(self, event: Input.Changed) -> None:
        self._show(event.value)

    def action_move(self, step: int) -> None:
        options = self.options
        if options.option_count:
            options.highlighted = ((options.highlighted or 0) + step) % options.option_count

    @on(Input.Submitted, "#region-filter")
    def _submitted(self) -> None:
        options = self.options
        if options.highlighted is not None and options.option_count:
            self.dismiss(options.get_option_at_index(options.highlighted).id)

    @on(OptionList.OptionSelected, "#region-list")
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
