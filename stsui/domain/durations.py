"""Durations as people write them (`90s`, `15m`, `1h30m`, `12h`) and as countdowns show them."""

from __future__ import annotations

import math
import re

_DURATION = re.compile(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?", re.ASCII | re.IGNORECASE)
_HINT = "use whole seconds or a form like '90s', '15m', '1h30m' or '12h'"


def parse_duration(value: int | str) -> int:
    """Seconds from an integer or a string like `90s`, `15m`, `1h30m`, `12h` (or bare digits).

    Raises ValueError with a sentence for zero, negatives, floats, booleans, days and anything else.
    """
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"{_quote(value)} is not a duration; {_HINT}.")
    if isinstance(value, int):
        seconds = value
    else:
        text = value.strip()
        if len(text) > 24:  # also keeps int() away from its 4300-digit limit
            raise ValueError(f"{_quote(value)} is not a duration; {_HINT}.")
        if text.isascii() and text.isdigit():
            seconds = int(text)
        else:
            match = _DURATION.fullmatch(text)
            if not text or match is None:
                if re.fullmatch(r"\d+\s*d(ays?)?", text, re.IGNORECASE):
                    raise ValueError(
                        f"{_quote(value)} is not a duration; days are not supported, use hours like '24h'."
                    )
                raise ValueError(f"{_quote(value)} is not a duration; {_HINT}.")
            hours, minutes, secs = (int(part) if part else 0 for part in match.groups())
            seconds = hours * 3600 + minutes * 60 + secs
    if seconds <= 0:
        raise ValueError(f"{_quote(value)} is not a duration; it must be longer than zero.")
    return seconds


def _quote(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:36] + "…" + text[0]


def format_duration(seconds: int) -> str:
    """`1h30m`, `15m`, `45s`, `12h`: zero parts are left out (`1h5s`); zero is `0s`."""
    sign = "-" if seconds < 0 else ""
    seconds = abs(int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = "".join(f"{n}{unit}" for n, unit in ((hours, "h"), (minutes, "m"), (secs, "s")) if n)
    return sign + (text or "0s")


def format_time_left(seconds: float) -> str:
    """A countdown: `expired` at or below zero, `mm:ss` under an hour, `1h 02m` from an hour up.

    Under an hour partial seconds round up, so 0.4 s left shows `00:01`, never `00:00`; from an
    hour up the minutes round down and seconds are ignored.
    """
    if math.isnan(seconds) or seconds <= 0:
        return "expired"
    if math.isinf(seconds):
        return "∞"
    if seconds < 3600:
        whole = min(math.ceil(seconds), 3599)
        return f"{whole // 60:02d}:{whole % 60:02d}"
    hours, rest = divmod(int(seconds), 3600)
    return f"{hours}h {rest // 60:02d}m"


def format_ago(seconds: float) -> str:
    """How long ago something happened, in one short word: `now`, `42s ago`, `5m ago`, `3h ago`, `2d ago`."""
    if math.isnan(seconds) or seconds < 1:
        return "now"
    whole = int(seconds)
    for size, unit in ((86400, "d"), (3600, "h"), (60, "m")):
        if whole >= size:
            return f"{whole // size}{unit} ago"
    return f"{whole}s ago"
