"""The role table's model, without Textual: what each role's row says at a given moment.

`RoleBook` holds what the screen knows about every role (its owned session's expiry, work in progress,
the last error, a renewal stuck on MFA) by position in config order; `RoleBook.row(position, now)` turns
that into a `RoleRow` of display texts and style names. Rows are plain values, so the table compares
them to repaint only what changed, and tests read them without a screen.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from stsui.domain.durations import format_time_left
from stsui.domain.model import ProfileEntry, Role, Status, status_of

SOON = 15 * 60
"""Under this much time left the countdown turns yellow."""

URGENT = 5 * 60
"""Under this much time left the countdown turns red."""


class Tone(enum.StrEnum):
    """How urgent a countdown looks; each is a style class of the table."""

    NONE = "none"
    FINE = "fine"
    SOON = "soon"
    URGENT = "urgent"
    EXPIRED = "expired"


def tone_of(seconds_left: float | None) -> Tone:
    if seconds_left is None:
        return Tone.NONE
    if seconds_left <= 0:
        return Tone.EXPIRED
    if seconds_left < URGENT:
        return Tone.URGENT
    if seconds_left < SOON:
        return Tone.SOON
    return Tone.FINE


@dataclass(frozen=True, slots=True)
class RoleRow:
    """One role's line, as texts plus the style names of its status and countdown."""

    name: str
    via: str
    account: str
    iam_role: str
    profile: str
    status: str
    status_style: str
    time_left: str
    tone: Tone
    group: str
    description: str


class Working(enum.StrEnum):
    """What a worker is doing for a role right now; shown instead of the status."""

    ASSUMING = "assuming…"
    RENEWING = "renewing…"
    FORGETTING = "forgetting…"


class RoleBook:
    """What the screen knows about each role, by position in config order. Main thread only."""

    def __init__(self, roles: Iterable[Role]) -> None:
        self.roles: list[Role] = list(roles)
        self.position: dict[str, int] = {role.name: i for i, role in enumerate(self.roles)}
        self.expiry: dict[int, datetime] = {}
        """Expiry of each session stsui wrote to the role's own profile (owned entries only)."""
        self.principal: dict[int, str] = {}
        self.working: dict[int, Working] = {}
        self.errors: dict[int, str] = {}
        self.needs_mfa: set[int] = set()

    def __len__(self) -> int:
        return len(self.roles)

    def role(self, name: str) -> Role | None:
        position = self.position.get(name)
        return None if position is None else self.roles[position]

    # -- facts --------------------------------------------------------------------------------------------

    def load(self, entries: Mapping[str, ProfileEntry]) -> set[int]:
        """Take the credentials file's entries; returns the positions whose session changed.

        A changed session supersedes what was known about the old one (its error, a renewal stuck on MFA).
        """
        expiry: dict[int, datetime] = {}
        principal: dict[int, str] = {}
        for position, role in enumerate(self.roles):
            entry = entries.get(role.profile)
            if entry is None or entry.owner_role != role.name or entry.expires_at is None:
                continue
            expiry[position] = entry.expires_at
            if entry.principal_arn:
                principal[position] = entry.principal_arn
        changed = {p for p in expiry.keys() | self.expiry.keys() if expiry.get(p) != self.expiry.get(p)}
        self.expiry, self.principal = expiry, principal
        self.needs_mfa -= changed
        for position in changed:
            self.errors.pop(position, None)
        return changed

    def started(self, position: int, expires_at: datetime, principal: str) -> None:
        """A session was written to the role's profile."""
        self.expiry[position] = expires_at
        self.principal[position] = principal
        self.working.pop(position, None)
        self.errors.pop(position, None)
        self.needs_mfa.discard(position)

    def forgotten(self, position: int) -> None:
        self.expiry.pop(position, None)
        self.principal.pop(position, None)
        self.working.pop(position, None)
        self.errors.pop(position, None)
        self.needs_mfa.discard(position)

    @property
    def live(self) -> bool:
        """True while anything can change by itself: an owned session counting down, or work running."""
        return bool(self.expiry or self.working)

    def seconds_left(self, position: int, now: datetime) -> float | None:
        expires_at = self.expiry.get(position)
        return None if expires_at is None else (expires_at - now).total_seconds()

    def due(self, now: datetime) -> list[int]:
        """Owned sessions inside their role's renewal window or expired, in config order."""
        roles = self.roles
        return sorted(
            position
            for position, expires_at in self.expiry.items()
            if (expires_at - now).total_seconds() < roles[position].refresh_before
        )

    def status(self, position: int, now: datetime) -> Status:
        """The session's own status (without work in progress)."""
        if position in self.errors:
            return Status.ERROR
        if position in self.needs_mfa:
            return Status.NEEDS_MFA
        expires_at = self.expiry.get(position)
        if expires_at is None:
            return Status.INACTIVE
        role = self.roles[position]
        entry = ProfileEntry(role.profile, role.name, expires_at, None)
        return status_of(role, entry, now)

    # -- rows -----------------------------------------------------------------------------------------------

    def row(self, position: int, now: datetime) -> RoleRow:
        role = self.roles[position]
        seconds = self.seconds_left(position, now)
        working = self.working.get(position)
        if working is not None:
            status, style = str(working), "working"
        else:
            state = self.status(position, now)
            status, style = str(state), state.name.lower().replace("_", "-")
        return RoleRow(
            name=role.name,
            via=f"↳ {role.source_role}" if role.source_role else "",
            account=role.account,
            iam_role=role.role_short_name,
            profile=role.profile,
            status=status,
            status_style=style,
            time_left="" if seconds is None else format_time_left(seconds),
            tone=tone_of(seconds),
            group=role.group,
            description=role.description,
        )

    def rows(self, positions: Sequence[int], now: datetime) -> list[RoleRow]:
        return [self.row(position, now) for position in positions]
