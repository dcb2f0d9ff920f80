"""Which `credential_process` profiles `stsui profiles sync` wants in `~/.aws/config`, and what each runs
(stdlib only).

Naming. botocore (like every SDK) reads a profile's keys from the shared credentials file *before* its
`credential_process`, so a synced profile must never share its name with a profile that holds a static
session: once that session expired, its old keys would still win. `stsui assume NAME` writes the static
session to the role's `profile` (default: the role's name), so a synced profile is named `PREFIX + NAME`
(`stsui-prod-admin` with the default prefix), and a name that is any role's `profile`, or a profile of the
credentials file that holds keys, is skipped with the reason.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from stsui.domain.model import Role
from stsui.domain.rules import profile_name_problem

DEFAULT_PREFIX = "stsui-"
PREFIX = re.compile(r"[A-Za-z0-9_.@+=,/-]{0,32}", re.ASCII)
"""A prefix keeps every name one plain word of `[profile NAME]` (botocore splits the header like a shell)."""
PREFIX_RULE = "at most 32 letters, digits and _.@+=,/-"


@dataclass(frozen=True)
class Wanted:
    """A profile the sync wants: its name, the role it serves, the `credential_process` line, the region."""

    name: str
    role: str
    command: str
    region: str | None


@dataclass(frozen=True)
class Skipped:
    """A role whose profile the sync does not write, and why (a sentence's end: "… because REASON")."""

    name: str
    role: str
    reason: str


def prefix_problem(prefix: str) -> str | None:
    """Why `prefix` cannot start synced profile names, or None."""
    return None if PREFIX.fullmatch(prefix) else f"the prefix must be {PREFIX_RULE}"


def quoted_program(path: str) -> str:
    """`path` in single quotes, always: botocore splits `credential_process` with shell rules (and the other
    SDKs run it with `sh -c`), so a path with spaces works and nothing in it is expanded."""
    return "'" + path.replace("'", "'\"'\"'") + "'"


def credential_process(program: Sequence[str], role: str, roles_file: Path | None) -> str:
    """The `credential_process` line that runs `program` (the running stsui: its absolute path, or the
    interpreter and `-m stsui`) as `credential-process ROLE`, with `--config` when the roles file is not
    the one an IDE started without your shell's variables would find."""
    words = [quoted_program(program[0]), *map(shlex.quote, program[1:])]
    if roles_file is not None:
        words += ["--config", shlex.quote(str(roles_file))]
    return " ".join([*words, "credential-process", shlex.quote(role)])


def wanted_profiles(
    roles: Iterable[Role],
    *,
    prefix: str,
    command: Sequence[str],
    roles_file: Path | None,
    static: Collection[str],
) -> tuple[list[Wanted], list[Skipped]]:
    """Each role's synced profile, in the roles' order, or why it is skipped. `static` holds the profiles
    of the credentials file that hold keys."""
    roles = list(roles)
    written_by_assume = {role.profile: role.name for role in roles}
    wanted: list[Wanted] = []
    skipped: list[Skipped] = []
    for role in roles:
        name = prefix + role.name
        problem = profile_name_problem(name)
        if name in written_by_assume:
            who = written_by_assume[name]
            reason = (
                f"'{name}' is where `stsui assume {who}` writes static keys, which botocore would read "
                "first; give a --prefix"
            )
        elif name in static:
            reason = f"the credentials file has keys in a profile '{name}', which botocore would read first"
        elif name == "default":
            reason = "stsui does not sync the default profile"
        elif problem:
            reason = f"the profile name {problem}"
        else:
            wanted.append(
                Wanted(name, role.name, credential_process(command, role.name, roles_file), role.region)
            )
            continue
        skipped.append(Skipped(name, role.name, reason))
    return wanted, skipped
