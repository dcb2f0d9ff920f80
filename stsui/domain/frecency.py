"""What the user reaches for: pinned roles, the roles taken, the regions used, and the order they give.

A role is "taken" when the user acts as it: the TUI's Enter, `u` and `o`, `stsui assume`, `sts NAME`,
`stsui exec`, `stsui console`, `stsui env`. Background callers (`credential-process`, the agent) serve a role
already chosen and take nothing. `recent_order` is THE order of `stsui list --sort recent` and of the TUI's
"recent first": pinned roles, then roles by frecency (how often and how recently they were taken: each take
weighs by its age, as Firefox's frecency does), then every other role in file order. Pure: the clock is an
argument, and the order sorts names, never role records (100,000 roles cost a pass over their names).
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

MAX_PINS = 1_000
MAX_TAKES = 10_000
"""The history keeps the newest takes up to this many (a year of a busy user's switches)."""
MAX_REGIONS = 100

HOUR = 3600
DAY = 24 * HOUR
WEIGHTS: tuple[tuple[int, int], ...] = (
    (4 * HOUR, 100),
    (DAY, 70),
    (3 * DAY, 50),
    (7 * DAY, 30),
    (30 * DAY, 10),
    (90 * DAY, 3),
)
"""A take younger than the first figure weighs the second; older than 90 days it no longer counts."""

Take = tuple[str, int]
"""(role name or region, when: whole seconds since the epoch)."""


@dataclass(frozen=True)
class Recents:
    """The pins, the history of takes (oldest first) and the regions used (oldest first)."""

    pins: tuple[str, ...] = ()
    takes: tuple[Take, ...] = ()
    regions: tuple[Take, ...] = ()
    file_order: bool = False
    """The TUI shows file order rather than recent first (the user's last choice, kept across runs)."""

    def pinned(self, name: str) -> bool:
        return name in self.pins

    def toggled(self, name: str) -> Recents:
        """With `name` pinned, or unpinned when it was (the newest pin last; at most MAX_PINS)."""
        if name in self.pins:
            return replace(self, pins=tuple(pin for pin in self.pins if pin != name))
        return replace(self, pins=(*self.pins, name)[-MAX_PINS:])

    def took(self, names: Iterable[str], when: datetime) -> Recents:
        """With a take of each of `names` at `when` (the oldest dropped beyond MAX_TAKES)."""
        stamp = int(when.timestamp())
        added = tuple((name, stamp) for name in names)
        return replace(self, takes=(*self.takes, *added)[-MAX_TAKES:])

    def used_region(self, region: str, when: datetime) -> Recents:
        """With `region` used at `when` (each region once, at its last use)."""
        kept = tuple(entry for entry in self.regions if entry[0] != region)
        entry = (region, int(when.timestamp()))
        return replace(self, regions=(*kept, entry)[-MAX_REGIONS:])

    def ordered(self, *, file_order: bool) -> Recents:
        return replace(self, file_order=file_order)


def weight(age: float) -> int:
    """What one take `age` seconds old adds to its role's frecency."""
    for limit, points in WEIGHTS:
        if age < limit:
            return points
    return 0


def frecency(takes: Iterable[Take], now: datetime, known: Container[str]) -> dict[str, int]:
    """Each role of `known` that was taken in the last 90 days, with its frecency (higher: reached for
    more, and more lately)."""
    stamp = now.timestamp()
    scores: dict[str, int] = {}
    for name, when in takes:
        points = weight(stamp - when)
        if points and name in known:
            scores[name] = scores.get(name, 0) + points
    return scores


def recent_order(
    names: Sequence[str],
    recents: Recents,
    now: datetime,
    position: Callable[[str], int],
    known: Container[str] | None = None,
) -> list[str]:
    """`names` (every role, in file order) as "recent first" shows them: pinned roles (the most frecent
    first), then the other roles taken lately by frecency, then the rest in file order; ties in file order.
    `position(name)` is a role's place in file order; `known` tells the roles of `names` (default: a set
    of them), so a pin or take of a role no longer in the file is passed over."""
    known = set(names) if known is None else known
    pins = {name for name in recents.pins if name in known}
    scores = frecency(recents.takes, now, known)
    ahead = pins | scores.keys()
    head = sorted(ahead, key=lambda name: (name not in pins, -scores.get(name, 0), position(name)))
    return head + [name for name in names if name not in ahead]


def recent_regions(regions: Sequence[str], recents: Recents) -> list[str]:
    """`regions` (a partition's, in botocore's order) with the ones used most lately first."""
    offered = set(regions)
    used = [region for region, _ in reversed(recents.regions) if region in offered]
    seen = set(used)
    return used + [region for region in regions if region not in seen]
