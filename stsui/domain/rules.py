"""Rules about names that every part of stsui applies the same way (stdlib only, cheap to import: `re` is
imported when `NAME` is first used, so the prompt, which reads one INI section, never imports it)."""

from __future__ import annotations

import unicodedata

TYPE_CHECKING = False
if TYPE_CHECKING:
    import re

    NAME: re.Pattern[str]

NAME_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_.@+=,-]{0,63}"
"""`NAME`: a name the user gives stsui: a role, an Identity Center instance, a key in the OS keyring (names
become file names and keyring entries, so one alphabet for all)."""


def __getattr__(attribute: str) -> object:
    """`NAME`, compiled (ASCII) on first use and kept as the module's attribute."""
    if attribute != "NAME":
        raise AttributeError(f"module {__name__!r} has no attribute {attribute!r}")
    import re

    pattern = globals()["NAME"] = re.compile(NAME_PATTERN, re.ASCII)
    return pattern


NAME_RULE = "1-64 characters of letters, digits and _.@+=,- starting with a letter or digit"

DEFAULT_SECTION = "DEFAULT"
"""RawConfigParser's defaults section: its keys leak into every profile."""

_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})
"""The Unicode categories of unsafe characters: controls (ESC, CR, LF, C1), format characters (bidi
overrides and isolates, zero-width), line and paragraph separators, surrogates, private-use and unassigned
code points. Each can break the INI file, make look-alike names, or drive a terminal: a name with one is
refused, and text shown to the user has them escaped (`stsui.domain.printable`)."""


def is_unsafe(char: str) -> bool:
    """Whether the character `char` is unsafe: one of `_UNSAFE_CATEGORIES`."""
    return unicodedata.category(char) in _UNSAFE_CATEGORIES


def unsafe_character(text: str) -> str | None:
    """The first character of `text` that must not appear in a name, as U+XXXX, or None."""
    for char in text:
        if is_unsafe(char):
            return f"U+{ord(char):04X}"
    return None


def profile_name_problem(profile: str) -> str | None:
    """Why `profile` cannot name a section of the shared credentials file, or None when it can.
    The phrase completes "the profile name …"."""
    if not profile:
        return "is empty"
    if profile != profile.strip():
        return "starts or ends with whitespace"
    if "[" in profile or "]" in profile:
        return "contains '[' or ']'"
    bad = unsafe_character(profile)
    if bad:
        return f"contains {bad}, a control, format (bidi, zero-width) or line-separator character"
    if profile.upper() == DEFAULT_SECTION and profile != "default":
        return "is 'DEFAULT' in a casing other than 'default' ([DEFAULT] leaks into every profile)"
    return None


def config_profile_name(section: str) -> str | None:
    """The profile a section of `~/.aws/config` defines, named as botocore does: `[default]` is
    'default', `[profile NAME]` is NAME (shell-quoted words, exactly two); None for anything else
    (`[sso-session …]`, `[services …]`, malformed headers)."""
    if section == "default":
        return "default"
    if not section.startswith("profile"):
        return None
    import shlex

    try:
        parts = shlex.split(section)
    except ValueError:
        return None
    return parts[1] if len(parts) == 2 else None
