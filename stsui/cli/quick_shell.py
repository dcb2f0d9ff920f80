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
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from stsui.cli.grammar import PROMPT, PROMPT_FORMAT, PROMPT_SHELL, plain_prompt
from stsui.domain.errors import UnsafeFileError
from stsui.domain.paths import cache_dir, config_path, credentials_path
from stsui.domain.times import own_expiry, parse_expiry
from stsui.store import stamps
from stsui.store.atomic import private_dir, read_regular, write_private
from stsui.store.keys import EXPIRES, MARKER
from stsui.store.stamps import identity, is_racy

DEFAULT_FORMAT = "{role} {left}"
FIELDS = ("{role}", "{left}", "{profile}")
ROLE_NAMES_CACHE = "role-names.txt"
"""In the cache directory: `ROLE_NAMES_FORMAT` and the roles file's identity on the first line, then one
role name a line."""
ROLE_NAMES_FORMAT = "2"
"""Names in the cache passed the role-name rule; a cache an older stsui wrote (format 1: any printable name)
has another first line, so it is never used."""


# -- the prompt ------------------------------------------------------------------------------------------


def prompt_left(seconds: float) -> str:
    """Time left as a prompt shows it: `1h05m`, `42m`, `30s`, `expired`."""
    if seconds <= 0:
        return "expired"
    whole = int(seconds)
    if whole >= 3600:
        return f"{whole // 3600}h{whole % 3600 // 60:02d}m"
    return f"{whole // 60}m" if whole >= 60 else f"{whole}s"


def current_session(environ: Mapping[str, str]) -> tuple[str, str, datetime | None] | None:
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
        found = read_regular(credentials_path())
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


def prompt_text(environ: Mapping[str, str], form: str | None, now: datetime, shell: str | None = None) -> str:
    """The prompt segment for the shell with `environ`, or "" when it uses no role; `shell` (`--shell`)
    is the shell whose prompt shows it."""
    session = current_session(environ)
    if session is None:
        return ""
    role, profile, expiry = session
    left = "" if expiry is None else prompt_left((expiry - now).total_seconds())
    values = (shown_literally(_safe(value), shell) for value in (role, left, profile))
    text = _fill(form if form is not None else DEFAULT_FORMAT, dict(zip(FIELDS, values, strict=True)))
    return text.strip() if form is None else text


def print_prompt(form: str | None, environ: Mapping[str, str], shell: str | None = None) -> int:
    text = prompt_text(environ, form, datetime.now(UTC), shell)
    if text:
        sys.stdout.write(text + "\n")
    return 0


# -- role names for completion ---------------------------------------------------------------------------


def role_names(explicit: str | None) -> list[str]:
    """The roles file's role names that pass the roles file's own rule (`stsui.domain.rules.NAME`: letters,
    digits and `_.@+=,-`, nothing a shell expands or splits), [] when it cannot be read. Completion inserts
    them into the command line: a key like `$(touch${IFS}X)` in a shared roles file is never offered."""
    path = config_path(explicit)
    try:
        info = os.stat(path)
    except OSError:
        return []
    stamp = " ".join([ROLE_NAMES_FORMAT, *map(str, identity(info)), os.path.abspath(path)])
    cache = cache_dir() / ROLE_NAMES_CACHE
    try:
        found = read_regular(cache, private=True)
    except (OSError, UnsafeFileError):
        found = None
    if found is not None:
        first, _, rest = found[0].decode("utf-8", "replace").partition("\n")
        if first == stamp:
            return rest.splitlines()
    import tomli  # only when the roles file changed: the prompt never needs it

    try:
        with open(path, "rb") as file:
            roles = tomli.load(file).get("roles", {})
    except (OSError, ValueError):
        return []
    from stsui.domain.rules import NAME  # imports `re`: only here, never on the prompt's path

    names = [name for name in roles if isinstance(name, str) and NAME.fullmatch(name)]
    if is_racy(
        info, stamps.now_ns()
    ):  # a same-size edit in the same clock tick would keep this stamp: no cache
        return names
    try:
        private_dir(cache.parent)
        write_private(cache, "\n".join([stamp, *names]).encode())
    except (OSError, UnsafeFileError):
        pass  # completion still works, only slower next time
    return names


def print_role_names(explicit: str | None) -> int:
    names = role_names(explicit)
    if names:
        sys.stdout.write("\n".join(names) + "\n")
    return 0


# -- the fast path -----------------------------------------------------------------------------------------


def answer(argv: Sequence[str]) -> int | None:
    """Run `prompt [--format F] [--shell S]` or `[--config PATH] shell-roles`; None for the full parser to
    handle it."""
    args = list(argv)
    if args[:1] == [PROMPT]:
        options = plain_prompt(args)
        if options is None:
            return None
        return print_prompt(options.get(PROMPT_FORMAT), os.environ, options.get(PROMPT_SHELL))
    explicit = None
    if args[:1] == ["--config"] and len(args) >= 2:
        explicit, args = args[1], args[2:]
    return print_role_names(explicit) if args == ["shell-roles"] else None
