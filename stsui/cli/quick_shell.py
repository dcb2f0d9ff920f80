"""`stsui prompt` and `stsui shell-roles`, run at every prompt and every Tab: cheap imports, no argparse.

The prompt reads only what it needs: the environment of `sts --env` (STSUI_ROLE, AWS_CREDENTIAL_EXPIRATION),
else the one section of the credentials file that AWS_PROFILE names (its `x_stsui_role` marker and its
`x_security_token_expires`), read by the one INI grammar (`stsui.store.ini.read_section`: that section's
lines only, not every section). Role names for completion come from the roles file parsed by tomli once,
then from a private cache of the names kept while the roles file is unchanged (keyed as the validated-roles
cache is, by `stsui.store.stamps`): completion needs the names of a roles file that may not validate, at
the cost of a bare interpreter, which the validated-roles cache (`stsui.store.roles_cache`) is not.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from stsui.domain.errors import UnsafeFileError
from stsui.domain.paths import cache_dir, config_path, credentials_path
from stsui.domain.times import parse_rfc3339
from stsui.store import stamps
from stsui.store.atomic import private_dir, read_regular, write_private
from stsui.store.keys import EXPIRES, MARKER
from stsui.store.stamps import identity, is_racy

DEFAULT_FORMAT = "{role} {left}"
FIELDS = ("{role}", "{left}", "{profile}")
ROLE_NAMES_CACHE = "role-names.txt"
"""In the cache directory: the roles file's identity on the first line, then one role a line: its name, and
after a tab its colour when it has one (`color`: the prompt draws it in that)."""
CACHE_FORMAT = "2"
SHELLS = ("bash", "zsh")
"""`--shell`: how the prompt's colour escapes are wrapped so the line editor counts no width for them."""
COLORS = ("auto", "always", "never")
"""`--color`: auto colours only when stdout is a terminal (a prompt's `$(stsui prompt)` is a pipe: give
`--color always` there)."""


# -- the prompt ------------------------------------------------------------------------------------------

Current = tuple[str, str, datetime | None]
"""(role, profile, expiry) of the shell."""


def prompt_left(seconds: float) -> str:
    """Time left as a prompt shows it: `1h05m`, `42m`, `30s`, `expired`."""
    if seconds <= 0:
        return "expired"
    whole = int(seconds)
    if whole >= 3600:
        return f"{whole // 3600}h{whole % 3600 // 60:02d}m"
    return f"{whole // 60}m" if whole >= 60 else f"{whole}s"


def current_session(environ: Mapping[str, str]) -> Current | None:
    """(role, profile, expiry) of the shell: the keys of `sts --env`, else AWS_PROFILE's section."""
    role = environ.get("STSUI_ROLE", "")
    expiration = environ.get("AWS_CREDENTIAL_EXPIRATION", "")
    if role and expiration and environ.get("AWS_ACCESS_KEY_ID"):
        return role, "", parse_rfc3339(expiration)
    profile = environ.get("AWS_PROFILE", "")
    if not profile:
        return None
    from stsui.store import ini  # the prompt's, not completion's

    try:
        found = read_regular(credentials_path())
        section = None if found is None else ini.read_section(ini.decode(found[0]), profile)
    except (OSError, UnsafeFileError, ini.IniError):
        return None
    if section is None or (MARKER not in section and EXPIRES not in section):
        return None  # no session stsui or another tool wrote: nothing to show
    return section.get(MARKER) or profile, profile, parse_rfc3339(section.get(EXPIRES) or "")


def _safe(text: str) -> str:
    """`text` as `printable` makes it, importing it only for text that needs it (rarely)."""
    if text.isprintable() and len(text) <= 100:  # stricter than printable's rule: nothing to escape
        return text
    from stsui.domain.printable import printable

    return printable(text, 100)


def prompt_text(
    environ: Mapping[str, str], form: str | None, now: datetime, session: Current | None = None
) -> str:
    """The prompt segment for the shell with `environ` (whose `current_session` is `session`, when read
    already), or "" when it uses no role."""
    session = session or current_session(environ)
    if session is None:
        return ""
    role, profile, expiry = session
    left = "" if expiry is None else prompt_left((expiry - now).total_seconds())
    text = form if form is not None else DEFAULT_FORMAT
    for field, value in zip(FIELDS, (role, left, profile), strict=True):
        text = text.replace(field, _safe(value))
    return text.strip() if form is None else text


def colored(text: str, color: str, shell: str | None) -> str:
    """`text` in a role's `color` (SGR escapes), wrapped for `shell`'s line editor (`\\[ \\]` in bash,
    `%{ %}` in zsh) so that it counts only the text's width."""
    from stsui.domain.colors import sgr

    start, end = f"\x1b[{sgr(color)}m", "\x1b[0m"
    if shell == "bash":
        start, end = f"\\[{start}\\]", f"\\[{end}\\]"
    elif shell == "zsh":
        start, end = f"%{{{start}%}}", f"%{{{end}%}}"
    return f"{start}{text}{end}"


def print_prompt(
    form: str | None,
    environ: Mapping[str, str],
    *,
    color: str = "auto",
    shell: str | None = None,
    explicit: str | None = None,
) -> int:
    session = current_session(environ)
    text = prompt_text(environ, form, datetime.now(UTC), session)
    if not text:
        return 0
    if shell == "zsh":
        text = text.replace("%", "%%")  # zsh expands % sequences in a prompt
    wanted = color == "always" or (color == "auto" and sys.stdout.isatty())
    role_color = role_colors(explicit).get(session[0]) if wanted and session is not None else None
    sys.stdout.write((colored(text, role_color, shell) if role_color else text) + "\n")
    return 0


# -- role names for completion ---------------------------------------------------------------------------


def role_names(explicit: str | None) -> list[str]:
    """The roles file's role names (those a shell can take as one word), [] when it cannot be read."""
    return [name for name, _ in _roles(explicit)]


def role_colors(explicit: str | None) -> dict[str, str]:
    """Each role's colour (`color`: its own, its group's, or `[defaults]`'), for the roles that have one."""
    return {name: color for name, color in _roles(explicit) if color}


def _roles(explicit: str | None) -> list[tuple[str, str]]:
    """(name, colour or "") of each role of the roles file, from the cache while the file is unchanged."""
    path = config_path(explicit)
    try:
        info = os.stat(path)
    except OSError:
        return []
    stamp = " ".join([CACHE_FORMAT, *map(str, identity(info)), os.path.abspath(path)])
    cache = cache_dir() / ROLE_NAMES_CACHE
    try:
        found = read_regular(cache, private=True)
    except (OSError, UnsafeFileError):
        found = None
    if found is not None:
        first, _, rest = found[0].decode("utf-8", "replace").partition("\n")
        if first == stamp:
            return [(name, color) for name, _, color in (line.partition("\t") for line in rest.splitlines())]
    roles = _read_roles(path)
    if roles is None:
        return []
    if is_racy(info, stamps.now_ns()):  # a same-size edit in the same clock tick would keep this stamp
        return roles
    try:
        private_dir(cache.parent)
        write_private(cache, "\n".join([stamp, *(f"{n}\t{c}" if c else n for n, c in roles)]).encode())
    except (OSError, UnsafeFileError):
        pass  # completion still works, only slower next time
    return roles


def _read_roles(path: Path) -> list[tuple[str, str]] | None:
    """The roles file's roles as tomli reads it (no validation: completion needs the names of a file that
    may not validate), each with its colour as the roles file's rules resolve it."""
    import tomli  # only when the roles file changed: the prompt never needs it

    from stsui.domain.colors import color_value
    from stsui.domain.groups import group_defaults

    try:
        with open(path, "rb") as file:
            data = tomli.load(file)
    except (OSError, ValueError):
        return None
    roles, defaults, groups = (data.get(key) for key in ("roles", "defaults", "groups"))
    roles = roles if isinstance(roles, dict) else {}
    defaults = defaults if isinstance(defaults, dict) else {}
    groups = {k: v for k, v in groups.items() if isinstance(v, dict)} if isinstance(groups, dict) else {}
    found = []
    for name, table in roles.items():
        if not isinstance(name, str) or not name.isprintable() or " " in name:
            continue
        own = table if isinstance(table, dict) else {}
        group = own.get("group")
        settings = {**group_defaults(defaults, groups, group if isinstance(group, str) else ""), **own}
        color = settings.get("color")
        found.append((name, (color_value(color) if isinstance(color, str) else None) or ""))
    return found


def print_role_names(explicit: str | None) -> int:
    names = role_names(explicit)
    if names:
        sys.stdout.write("\n".join(names) + "\n")
    return 0


# -- the fast path -----------------------------------------------------------------------------------------


def answer(argv: Sequence[str]) -> int | None:
    """Run `[--config PATH] prompt [--format F] [--color C] [--shell S]` or `[--config PATH] shell-roles`;
    None for the full parser to handle it (anything else, a usage error included)."""
    args = list(argv)
    explicit = None
    if args[:1] == ["--config"] and len(args) >= 2:
        explicit, args = args[1], args[2:]
    if args[:1] == ["prompt"]:
        options = _prompt_options(args[1:])
        if options is None:
            return None
        return print_prompt(options.get("format"), os.environ, color=options.get("color") or "auto",
                            shell=options.get("shell"), explicit=explicit)  # fmt: skip
    return print_role_names(explicit) if args == ["shell-roles"] else None


def _prompt_options(argv: Sequence[str]) -> dict[str, str] | None:
    """`--format F`, `--color C`, `--shell S` (each as `--x V` or `--x=V`, at most once, C and S among their
    choices); None for anything else, which the full parser reports."""
    choices = {"format": None, "color": COLORS, "shell": SHELLS}
    options: dict[str, str] = {}
    args = list(argv)
    while args:
        word = args.pop(0)
        name, has_value, value = word[2:].partition("=")
        if not word.startswith("--") or name not in choices or name in options:
            return None
        if not has_value:
            if not args:
                return None
            value = args.pop(0)
        allowed = choices[name]
        if allowed is not None and value not in allowed:
            return None
        options[name] = value
    return options
