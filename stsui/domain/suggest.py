"""'Did you mean' hints for mistyped names."""

from __future__ import annotations

from collections.abc import Iterable


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`' (did you mean 'x'?)'` or `''` when nothing is close."""
    import difflib  # only for a mistake: every command's parser imports this module

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
