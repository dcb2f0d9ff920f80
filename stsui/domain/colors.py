"""A role's colour (`color` in the roles file): a colour name or `#rrggbb`, and how each place draws it.

One table for every consumer: the TUI draws a role's name (and the highlighted role's header) in `rgb`,
`stsui prompt` in `sgr` (the terminal's own palette for the eight ANSI names, so a theme still applies), and
the console's browser containers by name. Stdlib only, cheap to import: the prompt runs at every prompt.
"""

from __future__ import annotations

import re

COLORS: dict[str, str] = {
    "red": "#e5484d",
    "orange": "#f76b15",
    "yellow": "#e2b714",
    "green": "#30a46c",
    "turquoise": "#12a594",
    "cyan": "#00a2c7",
    "blue": "#3e63dd",
    "purple": "#8e4ec6",
    "magenta": "#d6409f",
    "pink": "#e93d82",
    "white": "#eeeeee",
    "gray": "#8b8d98",
    "grey": "#8b8d98",
    "black": "#1c1c1c",
}
"""The colour names a role may use, with the RGB the TUI draws them in."""

_ANSI = {
    "red": "31",
    "green": "32",
    "yellow": "33",
    "blue": "34",
    "magenta": "35",
    "cyan": "36",
    "white": "37",
    "black": "30",
    "gray": "90",
    "grey": "90",
}
"""Names drawn in the terminal's own palette (SGR 30-37, 90), so the user's theme decides the shade."""

_XTERM_256 = {"orange": "38;5;208", "turquoise": "38;5;37", "purple": "38;5;135", "pink": "38;5;205"}
"""Names without an ANSI colour, in the 256-colour palette every prompt-capable terminal has."""

_HEX = re.compile(r"#[0-9a-f]{6}", re.ASCII)

COLOR_RULE = f"a colour name ({', '.join(name for name in COLORS if name != 'grey')}) or '#rrggbb'"


def color_value(text: str) -> str | None:
    """`text` as a role's `color` (a name of `COLORS` or `#rrggbb`, in lower case); None when neither."""
    folded = text.strip().lower()
    if folded in COLORS or _HEX.fullmatch(folded):
        return folded
    return None


def rgb(color: str) -> str:
    """`#rrggbb` of a role's `color`."""
    return COLORS.get(color, color)


def sgr(color: str) -> str:
    """The SGR parameters that set the foreground to a role's `color` (`31`, `38;5;208`, `38;2;r;g;b`)."""
    if color in _ANSI:
        return _ANSI[color]
    if color in _XTERM_256:
        return _XTERM_256[color]
    value = rgb(color)
    return f"38;2;{int(value[1:3], 16)};{int(value[3:5], 16)};{int(value[5:7], 16)}"
