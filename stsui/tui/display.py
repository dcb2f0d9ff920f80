"""How the TUI shows paths: under the home directory as `~/…`."""

from __future__ import annotations

from pathlib import Path


def display_path(path: Path) -> str:
    """`~/.config/stsui/roles.toml` rather than the full home path."""
    try:
        return "~/" + path.relative_to(Path.home()).as_posix()
    except ValueError:
        return str(path)
