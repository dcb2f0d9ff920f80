"""When to try again after a failed renewal: one backoff schedule for the TUI and the agent.

30 s after the first failure in a row, then twice as long after each further one, up to 10 minutes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

FIRST_RETRY = 30
"""Seconds before retrying a failed renewal; doubles with each failure in a row..."""

LAST_RETRY = 600
"""...up to ten minutes."""


def retry_delay(failures: int) -> int:
    """30 s, 60 s, 120 s, … capped at 10 min, after `failures` failures in a row (1 or more)."""
    return min(FIRST_RETRY << max(failures - 1, 0), LAST_RETRY)


@dataclass
class Backoff:
    """The failures in a row of one role's renewals, and when the next try may start."""

    failures: int = 0
    retry_at: datetime | None = None

    def failed(self, now: datetime) -> int:
        """Count a failure at `now`; returns the seconds until the next try."""
        self.failures += 1
        delay = retry_delay(self.failures)
        self.retry_at = now + timedelta(seconds=delay)
        return delay

    def succeeded(self) -> None:
        self.failures, self.retry_at = 0, None

    def waiting(self, now: datetime) -> bool:
        """True while the next try must wait."""
        return self.retry_at is not None and now < self.retry_at
