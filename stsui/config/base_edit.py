"""`stsui keys use NAME`: make the keyring's key the base identity of the roles file, without editing it by
hand. `[defaults]` gets `source_keys = "NAME"` (in place of a `source_profile` or `source_keys` it had, or in
a new `[defaults]` table before the first table); every other byte stays. The new text must load, and its
roles must differ from the old ones in their base identity alone, or nothing is written.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from stsui.config.load import parse_config
from stsui.domain.errors import ConfigError
from stsui.domain.model import Config

_DEFAULTS = re.compile(r"\s*\[\s*defaults\s*\]\s*(#.*)?")
_TABLE = re.compile(r"\s*\[")
_BASE_KEY = re.compile(r"\s*(source_profile|source_keys)\s*=")


def with_source_keys(text: str, name: str) -> str:
    """`text` with `[defaults]` setting `source_keys = "NAME"` and no source_profile."""
    lines = text.splitlines(keepends=True)
    newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    setting = f'source_keys = "{name}"{newline}'
    header = next((i for i, line in enumerate(lines) if _DEFAULTS.fullmatch(line.rstrip("\r\n"))), None)
    if header is None:
        first = next((i for i, line in enumerate(lines) if _TABLE.match(line)), len(lines))
        if first == len(lines) and lines and not lines[-1].endswith("\n"):
            lines[-1] += newline
        return "".join([*lines[:first], f"[defaults]{newline}", setting, newline, *lines[first:]])
    end = next((i for i in range(header + 1, len(lines)) if _TABLE.match(lines[i])), len(lines))
    body = [line for line in lines[header + 1 : end] if not _BASE_KEY.match(line)]
    return "".join([*lines[: header + 1], setting, *body, *lines[end:]])


def _same_but_base(old: Config, new: Config) -> bool:
    """Whether `new` differs from `old` only in where roles get their base identity."""
    if list(old.roles) != list(new.roles):
        return False
    for name, role in old.roles.items():
        other = new.roles[name]
        if (
            dataclasses.replace(role, source_profile=other.source_profile, source_keys=other.source_keys)
            != other
        ):
            return False
    kept = {f.name for f in dataclasses.fields(Config)} - {"roles", "source_profile", "source_keys"}
    return all(getattr(old, field) == getattr(new, field) for field in kept)


def use_keys(text: str, path: Path, name: str) -> tuple[Config, Config, str]:
    """The roles file `text` (read from `path`) with `source_keys = NAME` in `[defaults]`: (the config
    before, after, the new text); ConfigError when that cannot be done safely."""
    before = parse_config(text, path)
    edited = with_source_keys(text, name)
    after = parse_config(edited, path)
    if after.source_keys != name or not _same_but_base(before, after):
        raise ConfigError(
            f'stsui could not set source_keys safely in {path}; add source_keys = "{name}" to its '
            "[defaults] table yourself (and remove source_profile there)."
        )
    return before, after, edited
