"""Text from the network or from files, made safe for a terminal or the TUI: one line, no controls."""

from __future__ import annotations

import unicodedata

_ESCAPED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})
"""Controls (ESC, CR, LF, C1), format characters (bidi overrides and isolates, zero-width), line and paragraph
separators, surrogates, private-use and unassigned code points."""

DEFAULT_LIMIT = 500


def printable(text: object, limit: int = DEFAULT_LIMIT) -> str:
    """`text` on one line with every unsafe character escaped (`\\x1b`, `\\u202e`), cut to `limit` chars."""
    text = str(text)
    if text.isascii() and text.isprintable():  # nothing to escape (the common case, at C speed)
        return text if len(text) <= limit else text[: limit - 1] + "…"
    out: list[str] = []
    for char in str(text):
        if char == " " or unicodedata.category(char) not in _ESCAPED_CATEGORIES:
            out.append(char)
        elif ord(char) < 0x100:
            out.append(f"\\x{ord(char):02x}")
        else:
            out.append(f"\\u{ord(char):04x}" if ord(char) < 0x10000 else f"\\U{ord(char):08x}")
    result = "".join(out)
    return result if len(result) <= limit else result[: limit - 1] + "…"
