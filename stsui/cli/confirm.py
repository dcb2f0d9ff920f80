"""`confirm = true` on the command line: `assume`, `sts NAME`, `exec` and `console` ask `y/N` before taking
such a role; without a terminal to ask on they refuse with a sentence, unless `--yes` is given.

The question goes to stderr and the answer comes from stdin, asked only when stdin is a terminal (as the MFA
code is): `sts NAME` runs stsui in a command substitution whose stdout is a pipe, while stdin and stderr are
still the user's terminal. `credential-process` and the agent never ask: they serve a role already chosen.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from stsui.domain.errors import StsuiError, UsageError

if TYPE_CHECKING:
    from stsui.domain.model import Role

YES_OPTION = "--yes"


class NotConfirmed(StsuiError):
    """The user answered no (exit 1): nothing was assumed, written or run."""


def add_yes_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-y", YES_OPTION, action="store_true", help="take a role with confirm = true without asking"
    )


def _named(roles: Sequence[Role]) -> str:
    return ", ".join(f"'{role.name}' (account {role.account})" for role in roles)


def confirm(roles: Sequence[Role], *, verb: str, yes: bool) -> None:
    """Ask once, on the terminal, before `verb` ("assume", "use in this shell", …) the roles of `roles` that
    have `confirm = true`; NotConfirmed unless the answer is yes. Without a terminal, a usage error naming
    them and `--yes`. Nothing is asked when none of them asks, or with `yes`."""
    asking = [role for role in roles if role.confirm]
    if not asking or yes:
        return
    which = f"role {_named(asking)}" if len(asking) == 1 else f"{len(asking)} roles: {_named(asking)}"
    if not sys.stdin.isatty():
        raise UsageError(
            f"{which[0].upper()}{which[1:]} asks to be confirmed (confirm = true) and stdin is not a "
            f"terminal to ask on; pass {YES_OPTION} to {verb} without asking."
        )
    print(f"{verb[0].upper()}{verb[1:]} {which}? [y/N] ", end="", file=sys.stderr, flush=True)
    answer = sys.stdin.readline().strip().lower()
    if answer not in ("y", "yes"):
        raise NotConfirmed(f"Did not {verb} {which}: not confirmed.")
