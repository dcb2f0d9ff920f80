"""`stsui prompt` and `stsui shell-roles`, run at every prompt and every Tab: cheap imports, no argparse.

The prompt reads only what it needs: the environment of `sts --env` (STSUI_ROLE, AWS_CREDENTIAL_EXPIRATION),
else the one section of the credentials file that AWS_PROFILE names (its `x_stsui_role` marker and its
`x_security_token_expires`), found with a string search rather than a parse of every section. Role names
for completion come from the roles file parsed by tomli once, then from a private cache kept while the
roles file is unchanged.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime

from stsui.domain.errors import UnsafeFileError
from stsui.domain.paths import cache_dir_str, config_path_str, credentials_path_str
from stsui.domain.times import parse_rfc3339
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
"""In the cache directory: the roles file's identity on the first line, then one role name a line."""


# -- the prompt ------------------------------------------------------------------------------------------


def prompt_left(seconds: float) -> str:
    """Time left as a prompt shows it: `1h05m`, `42m`, `30s`, `expired`."""
    if seconds <= 0:
        return "expired"
    whole = int(seconds)
    if whole >= 3600:
        return f"{whole // 3600}h{whole % 3600 // 60:02d}m"
    return f"{whole // 60}m" if whole >= 60 else f"{whole}s"


def section_values(text: str, name: str, keys: Sequence[str]) -> dict[str, str]:
    """The `keys` of section `[name]` in INI `text`, as RawConfigParser reads them (continuation lines
    included), found by a string search instead of a parse of every section; {} without that section."""
    header = f"[{name}]"
    at = text.find(header)
    while at >= 0:
        start = text.rfind("\n", 0, at) + 1
        end = text.find("\n", at)
        end = len(text) if end < 0 else end
        if text[start:end].strip() == header and text[start] not in " \t":
            break
        at = text.find(header, at + 1)
    else:
        return {}
    found: dict[str, list[str]] = {}
    current: list[str] | None = None  # the value being read when it is one of `keys`
    key_indent = -1  # the current option's indent; -1 before the first option
    for line in text[end + 1 :].splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", ";")):
            if current is not None and not stripped:
                current.append("")  # a blank line inside a value, dropped again at its end
            continue
        indent = len(line) - len(line.lstrip())
        if key_indent >= 0 and indent > key_indent:  # a continuation line of the option above
            if current is not None:
                current.append(stripped)
            continue
        if stripped.startswith("["):
            break
        if current is not None and len(found) == len(keys):
            break
        key, equals, value = stripped.partition("=")
        colon = key.find(":")
        if colon >= 0:
            key, value = key[:colon], stripped[colon + 1 :]
        key_indent, current = indent, None
        key = key.strip().lower()
        if (equals or colon >= 0) and key in keys:
            current = found[key] = [value.strip()]
    return {key: "\n".join(parts).rstrip() for key, parts in found.items()}


def current_session(environ: Mapping[str, str]) -> tuple[str, str, datetime | None] | None:
    """(role, profile, expiry) of the shell: the keys of `sts --env`, else AWS_PROFILE's section."""
    role = environ.get("STSUI_ROLE", "")
    expiration = environ.get("AWS_CREDENTIAL_EXPIRATION", "")
    if role and expiration and environ.get("AWS_ACCESS_KEY_ID"):
        return role, "", parse_rfc3339(expiration)
    profile = environ.get("AWS_PROFILE", "")
    if not profile:
        return None
    try:
        found = read_regular(credentials_path_str())
    except (OSError, UnsafeFileError):
        return None
    if found is None:
        return None
    values = section_values(found[0].decode("utf-8", "replace"), profile, (MARKER, EXPIRES))
    if not values:
        return None
    return values.get(MARKER) or profile, profile, parse_rfc3339(values.get(EXPIRES, ""))


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
    """The roles file's role names (those a shell can take as one word), [] when it cannot be read."""
    path = config_path_str(explicit)
    try:
        info = os.stat(path)
    except OSError:
        return []
    stamp = " ".join([*map(str, identity(info)), os.path.abspath(path)])
    cache = os.path.join(cache_dir_str(), ROLE_NAMES_CACHE)
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
    names = [name for name in roles if isinstance(name, str) and name.isprintable() and " " not in name]
    if is_racy(
        info, stamps.now_ns()
    ):  # a same-size edit in the same clock tick would keep this stamp: no cache
        return names
    from pathlib import Path  # only when the roles file changed: the prompt never needs it

    try:
        private_dir(Path(cache).parent)
        write_private(Path(cache), "\n".join([stamp, *names]).encode())
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
