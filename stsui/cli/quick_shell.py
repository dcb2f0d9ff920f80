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


def prompt_text(environ: Mapping[str, str], form: str | None, now: datetime) -> str:
    """The prompt segment for the shell with `environ`, or "" when it uses no role."""
    session = current_session(environ)
    if session is None:
        return ""
    role, profile, expiry = session
    left = "" if expiry is None else prompt_left((expiry - now).total_seconds())
    text = form if form is not None else DEFAULT_FORMAT
    for field, value in zip(FIELDS, (role, left, profile), strict=True):
        text = text.replace(field, _safe(value))
    return text.strip() if form is None else text


def _format_argument(argv: Sequence[str]) -> tuple[bool, str | None]:
    """(understood, --format value) for `prompt [--format F]`."""
    if not argv:
        return True, None
    if len(argv) == 2 and argv[0] == "--format":
        return True, argv[1]
    if len(argv) == 1 and argv[0].startswith("--format="):
        return True, argv[0].split("=", 1)[1]
    return False, None


def print_prompt(form: str | None, environ: Mapping[str, str]) -> int:
    text = prompt_text(environ, form, datetime.now(UTC))
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
    """Run `prompt [--format F]` or `[--config PATH] shell-roles`; None for the full parser to handle it."""
    args = list(argv)
    if args[:1] == ["prompt"]:
        understood, form = _format_argument(args[1:])
        return print_prompt(form, os.environ) if understood else None
    explicit = None
    if args[:1] == ["--config"] and len(args) >= 2:
        explicit, args = args[1], args[2:]
    return print_role_names(explicit) if args == ["shell-roles"] else None
