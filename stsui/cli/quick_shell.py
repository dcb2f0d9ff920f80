"""`stsui prompt` and `stsui shell-roles`, run at every prompt and every Tab: cheap imports, no argparse.

The prompt reads only what it needs: the environment of `sts --env` (STSUI_ROLE, AWS_CREDENTIAL_EXPIRATION),
else the one section of the credentials file that AWS_PROFILE names (its `x_stsui_role` marker and its
`x_security_token_expires`), read by the one INI grammar (`stsui.store.ini.read_section`: that section's
lines only, not every section). Role names for completion (only those that pass the role-name rule) come
from the roles file parsed by tomli once,
then from a private cache of the names kept while the roles file is unchanged (keyed as the validated-roles
cache is, by `stsui.store.stamps`): completion needs the names of a roles file that may not validate, at
the cost of a bare interpreter, which the validated-roles cache (`stsui.store.roles_cache`) is not.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime

from stsui.cli.grammar import PROMPT_COLOR, PROMPT_FORMAT, PROMPT_SHELL, plain_prompt
from stsui.domain.errors import UnsafeFileError
from stsui.domain.paths import cache_dir_str, config_path_str, credentials_path_str
from stsui.domain.times import own_expiry, parse_expiry
from stsui.store import stamps
from stsui.store.atomic import private_dir, read_regular, write_private
from stsui.store.keys import EXPIRES, MARKER
from stsui.store.stamps import identity, is_racy

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

DEFAULT_FORMAT = "{role} {left}"
FIELDS = ("{role}", "{left}", "{profile}")
ROLE_NAMES_CACHE = "role-names.txt"
"""In the cache directory: `ROLE_NAMES_FORMAT` and the roles file's identity on the first line, then one
role a line: its name, and after a tab its colour when it has one (`color`: the prompt draws it in that)."""
ROLE_NAMES_FORMAT = "3"
"""Names in the cache passed the role-name rule and carry their colour; a cache an older stsui wrote (format
1: any printable name; 2: no colours) has another first line, so it is never used."""


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
        return role, "", own_expiry(expiration)
    profile = environ.get("AWS_PROFILE", "")
    if not profile:
        return None
    from stsui.store import ini  # the prompt's, not completion's

    try:
        found = read_regular(credentials_path_str())
        section = None if found is None else ini.read_section(ini.decode(found[0]), profile)
    except (OSError, UnsafeFileError, ini.IniError):
        return None
    if section is None or (MARKER not in section and EXPIRES not in section):
        return None  # no session stsui or another tool wrote: nothing to show
    if MARKER in section:  # a session stsui wrote: an expiry no one can read is long expired
        return section.get(MARKER) or profile, profile, own_expiry(section.get(EXPIRES))
    return profile, profile, parse_expiry(section.get(EXPIRES) or "")


def _safe(text: str) -> str:
    """`text` as `printable` makes it, importing it only for text that needs it (rarely)."""
    if text.isprintable() and len(text) <= 100:  # stricter than printable's rule: nothing to escape
        return text
    from stsui.domain.printable import printable

    return printable(text, 100)


def shown_literally(text: str, shell: str | None) -> str:
    """`text` (a role, profile or time left: never the user's own format) escaped so that `shell`'s prompt
    shows it as it is. zsh expands `%` sequences in a prompt (`%F{red}` recolours, `%n` is the user),
    with or without PROMPT_SUBST, so `%` is doubled; bash expands nothing in the output of a command
    substitution in PS1 (its backslash escapes are decoded before), so nothing is."""
    return text.replace("%", "%%") if shell == "zsh" else text


def _fill(form: str, values: Mapping[str, str]) -> str:
    """`form` with each field in `values` replaced, in one pass: a value is never searched for fields."""
    out: list[str] = []
    at = 0
    while (start := form.find("{", at)) >= 0:
        field = next((name for name in values if form.startswith(name, start)), None)
        out.append(form[at:start] + (values[field] if field else "{"))
        at = start + (len(field) if field else 1)
    return "".join(out) + form[at:]


def prompt_text(
    environ: Mapping[str, str],
    form: str | None,
    now: datetime,
    shell: str | None = None,
    session: Current | None = None,
) -> str:
    """The prompt segment for the shell with `environ` (whose `current_session` is `session`, when read
    already), or "" when it uses no role; `shell` (`--shell`) is the shell whose prompt shows it."""
    session = session or current_session(environ)
    if session is None:
        return ""
    role, profile, expiry = session
    left = "" if expiry is None else prompt_left((expiry - now).total_seconds())
    values = (shown_literally(_safe(value), shell) for value in (role, left, profile))
    text = _fill(form if form is not None else DEFAULT_FORMAT, dict(zip(FIELDS, values, strict=True)))
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
    text = prompt_text(environ, form, datetime.now(UTC), shell, session)
    if not text:
        return 0
    wanted = color == "always" or (color == "auto" and sys.stdout.isatty())
    role_color = role_colors(explicit).get(session[0]) if wanted and session is not None else None
    sys.stdout.write((colored(text, role_color, shell) if role_color else text) + "\n")
    return 0


# -- role names for completion ---------------------------------------------------------------------------


def role_names(explicit: str | None) -> list[str]:
    """The roles file's role names that pass the roles file's own rule (`stsui.domain.rules.NAME`: letters,
    digits and `_.@+=,-`, nothing a shell expands or splits), [] when it cannot be read. Completion inserts
    them into the command line: a key like `$(touch${IFS}X)` in a shared roles file is never offered."""
    return [name for name, _ in _roles(explicit)]


def role_colors(explicit: str | None) -> dict[str, str]:
    """Each role's colour (`color`: its own, its group's, or `[defaults]`'), for the roles that have one."""
    return {name: color for name, color in _roles(explicit) if color}


def _roles(explicit: str | None) -> list[tuple[str, str]]:
    """(name, colour or "") of each role of the roles file that passes the name rule, from the cache while
    the file is unchanged."""
    path = config_path_str(explicit)
    try:
        info = os.stat(path)
    except OSError:
        return []
    stamp = " ".join([ROLE_NAMES_FORMAT, *map(str, identity(info)), os.path.abspath(path)])
    cache = os.path.join(cache_dir_str(), ROLE_NAMES_CACHE)
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
    from pathlib import Path  # only when the roles file changed: the prompt never needs it

    try:
        private_dir(Path(cache).parent)
        write_private(Path(cache), "\n".join([stamp, *(f"{n}\t{c}" if c else n for n, c in roles)]).encode())
    except (OSError, UnsafeFileError):
        pass  # completion still works, only slower next time
    return roles


def _read_roles(path: str) -> list[tuple[str, str]] | None:
    """The roles file's roles as tomli reads it (no validation: completion needs the names of a file that
    may not validate), each with its colour as the roles file's rules resolve it."""
    import tomli  # only when the roles file changed: the prompt never needs it

    from stsui.domain.colors import color_value
    from stsui.domain.groups import group_defaults
    from stsui.domain.rules import NAME  # imports `re`: only here, never on the prompt's path

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
        if not isinstance(name, str) or not NAME.fullmatch(name):
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
    """Run `[--config PATH] prompt [--format F] [--shell S] [--color C]` or `[--config PATH] shell-roles`;
    None for the full parser to handle it (anything else, a usage error included)."""
    args = list(argv)
    prompt = plain_prompt(args)
    if prompt is not None:
        explicit, options = prompt
        return print_prompt(
            options.get(PROMPT_FORMAT),
            os.environ,
            color=options.get(PROMPT_COLOR, "auto"),
            shell=options.get(PROMPT_SHELL),
            explicit=explicit,
        )
    explicit = None
    if args[:1] == ["--config"] and len(args) >= 2:
        explicit, args = args[1], args[2:]
    return print_role_names(explicit) if args == ["shell-roles"] else None
