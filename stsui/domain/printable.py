"""Text from the network or from files, made safe for a terminal or the TUI: one line, no controls."""

from __future__ import annotations

from stsui.domain.rules import is_unsafe

DEFAULT_LIMIT = 500


def printable(text: object, limit: int = DEFAULT_LIMIT) -> str:
    """`text` on one line with every unsafe character (`stsui.domain.rules.is_unsafe`) escaped (`\\x1b`,
    `\\u202e`), cut to `limit` chars."""
    text = str(text)
    if text.isascii() and text.isprintable():  # nothing to escape (the common case, at C speed)
        return text if len(text) <= limit else text[: limit - 1] + "…"
    out: list[str] = []
    for char in str(text):
        if char == " " or not is_unsafe(char):
            out.append(char)
        elif ord(char) < 0x100:
            out.append(f"\\x{ord(char):02x}")
        else:
            out.append(f"\\u{ord(char):04x}" if ord(char) < 0x10000 else f"\\U{ord(char):08x}")
    result = "".join(out)
    return result if len(result) <= limit else result[: limit - 1] + "…"
