"""`stsui list --all`: stsui's roles and every session other tools made, side by side (read-only)."""

from __future__ import annotations

import os

from stsui.cli.shared import print_json, role_rows
from stsui.discover.discover import discover, mark_in_use
from stsui.discover.environment import shell_session
from stsui.discover.found import Found, Source, describe
from stsui.domain.errors import CredentialsFileError
from stsui.domain.model import Status
from stsui.engine.engine import Engine

COLUMNS = ("SOURCE", "NAME", "PROFILE", "STATUS", "LEFT", "ARN / NOTE")


def all_rows(engine: Engine) -> list[dict[str, object]]:
    """stsui's roles, then what discovery found; an unreadable credentials file is one line, not a failure."""
    try:
        roles = role_rows(engine)
    except CredentialsFileError:  # discovery shows the file as unreadable, saying why
        roles = [(role, Status.ERROR, None) for role in engine.config.roles.values()]
    now = engine.clock()
    own = [Found(Source.STSUI, r.name, profile=r.profile, arn=r.role_arn, expires_at=e) for r, _, e in roles]
    rows = [describe(found, now) for found in mark_in_use(own, os.environ)]
    for row, (_, status, _) in zip(rows, roles, strict=True):
        row["status"] = str(status)  # the engine's status: it knows each role's renewal window and MFA
    managed = {role.role_arn for role, _, _ in roles}
    return rows + [describe(found, now) for found in discover(engine.store, managed)]


def print_all(engine: Engine, *, as_json: bool) -> int:
    rows = all_rows(engine)
    if as_json:
        print_json(rows)
        return 0
    table: list[tuple[str, ...]] = [COLUMNS]
    for row in rows:
        mark = " *" if row["in_use"] else ""
        detail = " — ".join(str(part) for part in (row["arn"], row["note"]) if part)
        cells = (row["source"], row["name"], row["profile"], row["status"], row["time_left"])
        table.append((*(str(cell or "") for cell in cells), detail + mark))
    widths = [max(len(line[i]) for line in table) for i in range(len(COLUMNS))]
    for line in table:
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip())
    if any(row["in_use"] for row in rows):
        print(f"* This shell uses {shell_session(os.environ)}.")
    return 0
