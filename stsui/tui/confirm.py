"""Keys that hand out secrets act on the second press: the first says what will happen and where the secret
goes (Textual-free, on the engine's clock so tests control it)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

WINDOW = timedelta(seconds=5)
"""How soon the second press must follow the first."""


class SecondPress:
    """Confirms an action on one subject when asked twice within `WINDOW`."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self._clock = clock
        self._armed: tuple[str, datetime] | None = None

    def confirmed(self, subject: str) -> bool:
        """True on the second call for `subject` within `WINDOW` of the first; otherwise arms and is False."""
        now = self._clock()
        if self._armed is not None and self._armed[0] == subject and now - self._armed[1] <= WINDOW:
            self._armed = None
            return True
        self._armed = (subject, now)
        return False
