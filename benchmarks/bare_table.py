"""The baseline for the TUI's first paint: a bare Textual app showing the same rows in a DataTable.

Usage: python bare_table.py ROWS.json  (a JSON list of rows, each a list of 7 strings)
"""

from __future__ import annotations

import json
import sys

from textual.app import App, ComposeResult
from textual.widgets import DataTable, Footer, Header

COLUMNS = ("ROLE", "ACCOUNT", "IAM ROLE", "PROFILE", "STATUS", "LEFT", "GROUP")


class BareTable(App[None]):
    BINDINGS = [("q", "quit", "Quit")]

    def __init__(self, rows: list[list[str]]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable(cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(*COLUMNS)
        table.add_rows(self.rows)
        table.focus()


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as source:
        rows = json.load(source)
    BareTable(rows).run()


if __name__ == "__main__":
    main()
