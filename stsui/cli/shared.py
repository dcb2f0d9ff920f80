"""What the command modules share: the `--mfa-code` and `--port` options, a role's session with its MFA
code asked for (on the terminal, else through the running TUI), warnings, JSON, and each role's row for
`list`.

Only modules of `stsui.cli` import this, and it imports none of them: every command depends on it, it
depends on no command.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from stsui.domain.errors import UsageError
from stsui.domain.limits import MAX_PORT, MFA_CODE, MFA_CODE_RULE, PORT_RULE
from stsui.domain.model import owned_expiry

if TYPE_CHECKING:
    from stsui.domain.model import Role, Status
    from stsui.engine.engine import Engine, Obtained

MFA_CODE_OPTION = "--mfa-code"


def add_mfa_code_option(parser: argparse.ArgumentParser) -> None:
    """`--mfa-code CODE`, the same for every command that may assume through an MFA device: a code that is
    not six digits is a usage error before anything is read or sent."""
    parser.add_argument(
        MFA_CODE_OPTION,
        metavar="CODE",
        type=_mfa_code_argument,
        help="the 6-digit MFA code (asked for on a terminal)",
    )


def add_region_option(parser: argparse.ArgumentParser, what: str = "the session's") -> None:
    """`--region R`, the same for every command that takes a role: a region of the role's partition,
    checked (offline) before any request (`Engine.check_region`)."""
    parser.add_argument("--region", metavar="R", help=f"{what} region (default: the role's)")


def _mfa_code_argument(text: str) -> str:
    if MFA_CODE.fullmatch(text) is None:
        raise argparse.ArgumentTypeError(f"must be {MFA_CODE_RULE}")
    return text


def add_port_option(parser: argparse.ArgumentParser, *, help: str) -> None:
    """`--port PORT`, the same for every command that listens: a number outside TCP's range is a usage
    error while parsing (exit 2), never an error from the socket."""
    parser.add_argument("--port", metavar="PORT", type=_port_argument, default=0, help=help)


def _port_argument(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_PORT:
        raise argparse.ArgumentTypeError(f"must be {PORT_RULE}")
    return int(text)


def mfa_code(engine: Engine, role: Role, given: str | None, *, fresh: bool = False) -> str | None:
    """The code to use: the given one (`--mfa-code`, checked by the option), or asked for on a terminal
    when the role needs one now."""
    if given is not None or not engine.needs_mfa_code(role, fresh=fresh):
        return given
    return ask_mfa_code(engine.mfa_root(role).mfa_serial or "", who=f"Role '{role.name}'")


def ask_mfa_code(serial: str, *, who: str) -> str:
    """A code for the MFA device `serial`, typed on the terminal; without one, a usage error saying that
    `who` (e.g. "Role 'prod'") needs it and how to pass it."""
    if not sys.stdin.isatty():
        raise UsageError(
            f"{who} needs an MFA code for {serial}; pass {MFA_CODE_OPTION} CODE "
            "(stdin is not a terminal, so stsui cannot ask)."
        )
    print(f"MFA code for {serial}: ", end="", file=sys.stderr, flush=True)
    typed = sys.stdin.readline().strip()
    if MFA_CODE.fullmatch(typed) is None:
        raise UsageError(f"The MFA code must be {MFA_CODE_RULE}; nothing was sent to STS.")
    return typed


def obtain(
    engine: Engine, role: Role, given: str | None, *, may_prompt: bool = True, region: str | None = None
) -> Obtained:
    """The role's session (in `region`, when given); when it needs an MFA code and there is no terminal to
    ask on (or asking there is not allowed: credential-process), the running TUI asks the user."""
    terminal = may_prompt and sys.stdin.isatty()
    if given is None and not terminal and engine.needs_mfa_code(role):
        from stsui.agent.mfa_relay import NoTuiToAsk, ask_the_tui

        try:
            ask_the_tui(role.name, _asker())
        except NoTuiToAsk:
            from stsui.agent.desktop import NeedsYou
            from stsui.domain.paths import cache_dir

            NeedsYou(cache_dir())(role, engine.mfa_root(role).mfa_serial, _asker())
            raise
        return engine.obtain(role, region=region)
    return engine.obtain(role, mfa_code=mfa_code(engine, role, given), region=region)


def _asker() -> str:
    """Who is asking, for the TUI's MFA prompt: this command and the program that ran it."""
    try:
        parent = Path(f"/proc/{os.getppid()}/comm").read_text().strip()
    except OSError:
        parent = ""
    command = " ".join(sys.argv[1:3]) or "stsui"
    return f"stsui {command} (pid {os.getpid()}" + (f", run by {parent})" if parent else ")")


def took(engine: Engine, roles: Sequence[Role]) -> None:
    """The user took `roles` (assume, `sts NAME`, exec, console, env): kept in the history for the
    recent-first order; a warning on stderr when it cannot be kept (never a failure)."""
    if roles:
        print_warnings(engine.took(roles))


def time_left(expires_at: datetime | None, now: datetime) -> str:
    """`42m`, `1h05m` as `list` and `assume` say it ("" for no session)."""
    from stsui.domain.durations import format_time_left

    return "" if expires_at is None else format_time_left((expires_at - now).total_seconds())


def print_warnings(*warnings: str | None) -> None:
    """One `stsui: warning:` line on stderr for each of `warnings` (None or "" is no warning)."""
    for warning in warnings:
        if warning:
            print(f"stsui: warning: {warning}", file=sys.stderr)


def warn(outcome: Obtained) -> None:
    """The outcome's warnings (a duration capped, a profile kept), one `stsui: warning:` line each."""
    print_warnings(*outcome.warnings)


ITEM_BREAK = ",\n"
"""The encoder's item separator for `print_objects`: a raw line break, which never occurs inside the strings
it writes (it escapes every control character), so each one found is a separator. Before `{` it separates two
objects of the list, before `"` two keys of an object."""

ROWS_AT_ONCE = 1000
"""Objects encoded by one call of the C encoder: few calls, and no copy of the whole output in memory."""


def print_json(data: object) -> None:
    """Indented JSON; a list of objects (`list`, `refresh`) as one object per line (`print_objects`)."""
    if isinstance(data, list) and data and all(isinstance(item, dict) for item in data):
        print_objects(data)
        return
    print(json.dumps(data, indent=2))


def print_objects(objects: Iterable[dict[str, object]]) -> None:
    """A JSON list with one object per line, written as it is made: `ROWS_AT_ONCE` objects at a time are
    encoded by one call of the C encoder and their lines broken at the `ITEM_BREAK`s between objects
    (indenting 10,000 rows in pure Python took longer than everything else `list` does; one call per row, a
    fifth of it).
    Objects holding objects get line breaks between those too: white space only."""
    import itertools

    out = sys.stdout
    rows = iter(objects)
    opening = "[\n  "
    while batch := list(itertools.islice(rows, ROWS_AT_ONCE)):
        text = json.dumps(batch, separators=(ITEM_BREAK, ": "))[1:-1]
        out.write(opening + text.replace(ITEM_BREAK + "{", ",\n  {").replace(ITEM_BREAK + '"', ', "'))
        opening = ",\n  "
    out.write("[]\n" if opening == "[\n  " else "\n]\n")


def role_rows(
    engine: Engine, order: Sequence[str] | None = None
) -> list[tuple[Role, Status, datetime | None]]:
    """Each role of the roles file (in file order, or the names of `order`) with its status and the expiry
    of the session stsui holds for it."""
    config = engine.config
    roles = config.roles.values() if order is None else [config.roles[name] for name in order]
    entries = engine.entries({role.profile for role in roles})
    now, logins = engine.clock(), engine.logged_in()  # read once, not once per role
    return [
        (role, engine.status(role, entries, now, logins), owned_expiry(role, entries.get(role.profile)))
        for role in roles
    ]
