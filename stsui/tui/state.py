"""The role table's model, without Textual: one record per role, and what its row says at a given moment.

`RoleBook` holds a `RoleState` per role, keyed by role name in config order: the session stsui wrote to the
role's profile, work in progress, the last error, whether renewing needs a new MFA code, and the renewal
backoff. `RoleBook.row(name, now)` turns a record into a `RoleRow` of display texts and style names, and
`RoleState.details` into the identity panel's details line. Rows are plain values, so the table compares
them to repaint only what changed, and tests read them without a screen. The status word comes from
`status_of`, the one status decision shared with the CLI.

While the TUI is the user's agent, each record also knows when the agent last handed the role's session to a
background caller (`served_at`) and whether such a caller is waiting for a new MFA code (`served_needs_mfa`).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta

from stsui.domain.durations import format_ago, format_time_left
from stsui.domain.frecency import Recents, recent_order
from stsui.domain.model import ProfileEntry, Role, Status, owned_entry, status_of
from stsui.domain.roster import Roster
from stsui.domain.times import rfc3339
from stsui.engine.renewal import Backoff

MARKED = "✓"
PINNED = "⚑"
"""The glyphs of a marked row and a pinned role (narrow in every terminal: East Asian width N)."""

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
    served: str = ""
    """How long ago the agent last served the role ("" when it has not)."""
    flags: str = "  "
    """Two cells: `MARKED` when the row is marked, then `PINNED` when the role is pinned."""
    region: str = ""
    """The session's region (or, without a session, the region the next one gets)."""
    color: str | None = None
    """The role's colour (`Role.color`): its name is drawn in it."""


@dataclass(frozen=True, slots=True)
class Details:
    """The identity panel's details line for one role, and whether it says what failed."""

    text: str
    error: bool = False


class Working(enum.StrEnum):
    """What a worker is doing for a role right now; shown instead of the status."""

    ASSUMING = "assuming…"
    RENEWING = "renewing…"
    FORGETTING = "forgetting…"
    CHECKING = "checking…"
    """Asking the engine whether renewing would need a new MFA code (not shown: the status stays)."""


@dataclass(slots=True)
class RoleState:
    """What the screen knows about one role. Main thread only."""

    role: Role
    entry: ProfileEntry | None = None
    """The role's profile section, only when stsui wrote it for this role with an expiry."""
    working: Working | None = None
    error: str | None = None
    """The last failure of an action on this role, until its session changes."""
    needs_mfa: bool | None = None
    """Whether renewing needs a new MFA code: None until the engine is asked (again, once it may differ)."""
    checked_at: datetime | None = None
    """When the engine last said renewing needs no MFA code (asked again after a while)."""
    mfa_warned: bool = False
    """The user was told once that an automatic renewal needs an MFA code."""
    backoff: Backoff | None = None
    """Failures of automatic renewals in a row (made at the first failure: 10,000 roles start fast)."""
    needs_login: bool = False
    """Assuming or renewing the role was refused for want of an IAM Identity Center login (the instance's own
    mark is the book's: `RoleBook.mark_needs_login`)."""
    served_at: datetime | None = None
    """When the agent (this TUI serving) last handed the role's session to a background caller."""
    served_needs_mfa: bool = False
    """A background caller asked the agent for the role and it needs a new MFA code: the row says so until
    a code is entered for the role's device or the agent serves it again."""
    region_choice: str | None = None
    """The region picked for the role while it had no live session: its next session gets it."""

    @property
    def name(self) -> str:
        return self.role.name

    @property
    def expires_at(self) -> datetime | None:
        return None if self.entry is None else self.entry.expires_at

    def seconds_left(self, now: datetime) -> float | None:
        expires_at = self.expires_at
        return None if expires_at is None else (expires_at - now).total_seconds()

    def session_changed(self, entry: ProfileEntry | None) -> None:
        """A new session (or none) supersedes what was known about the old one: each of `SESSION_FACTS`
        is back to its default."""
        self.entry = entry
        for name, default in _SESSION_DEFAULTS:
            setattr(self, name, default)

    def status(self, now: datetime, login_gone: bool = False) -> Status:
        """The session's own status (without work in progress): the last error, else `status_of`;
        `login_gone`: the role's IAM Identity Center instance has no usable login."""
        if self.error is not None:
            return Status.ERROR
        if self.served_needs_mfa:
            return Status.NEEDS_MFA
        return status_of(
            self.role, self.entry, now, lambda: self.needs_mfa is True, lambda: self.needs_login or login_gone
        )

    def details(self, root: Role) -> Details:
        """The identity panel's details line: the last failure, else what waits on the user, the profile and
        expiry, and the role's settings. `root`: the first role of its chain (whose MFA device it uses)."""
        if self.error is not None:
            return Details(self.error, error=True)
        role = self.role
        parts = []
        if self.served_needs_mfa:
            parts.append(f"a background caller needs a new MFA code for {root.mfa_serial}: press Enter or r")
        elif self.needs_mfa:
            parts.append(f"renewal needs a new MFA code for {root.mfa_serial}: press r")
        expires_at = self.expires_at
        parts.append(f"profile {role.profile}" + (f", expires {rfc3339(expires_at)}" if expires_at else ""))
        if role.source_role:
            parts.append(f"chained via {role.source_role}")
        if root.mfa_serial:
            parts.append(f"MFA {root.mfa_serial}")
        if not role.auto_refresh:
            parts.append("auto-renew off")
        if self.served_at is not None:
            parts.append(f"served to background callers, last at {rfc3339(self.served_at)}")
        if role.description:
            parts.append(role.description)
        return Details(" · ".join(parts))

    @property
    def region(self) -> str | None:
        """The live session's region, else the one its next session gets (picked, else the role's)."""
        if self.entry is not None and self.entry.region:
            return self.entry.region
        return self.region_choice or self.role.region

    def row(
        self, now: datetime, *, marked: bool = False, pinned: bool = False, login_gone: bool = False
    ) -> RoleRow:
        role = self.role
        seconds = self.seconds_left(now)
        if self.working is not None and self.working is not Working.CHECKING:
            status, style = str(self.working), "working"
        else:
            state = self.status(now, login_gone)
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
            served="" if self.served_at is None else format_ago((now - self.served_at).total_seconds()),
            flags=(MARKED if marked else " ") + (PINNED if pinned else " "),
            region=self.region or "",
            color=role.color,
        )


_DEFAULTS = {f.name: f.default for f in fields(RoleState)}
SESSION_FACTS = ("error", "needs_mfa", "checked_at", "mfa_warned", "backoff")
"""What `RoleState` knows of its session rather than of the role: forgotten when the session changes."""
_SESSION_DEFAULTS = tuple((name, _DEFAULTS[name]) for name in SESSION_FACTS)


DUE_MARGIN = timedelta(milliseconds=1)


def _falls_due(state: RoleState) -> datetime:
    """When `renewal_due` starts to hold for the state's session (a millisecond early, so no rounding of
    seconds left can make `due` skip a tick at which `status_of` already says due)."""
    assert state.expires_at is not None  # an owned session
    return state.expires_at - timedelta(seconds=state.role.refresh_before) - DUE_MARGIN


class RoleBook:
    """A `RoleState` per role, by name, in config order. Main thread only.

    Records are made when something happens to a role (a session, work, a flag), so 100,000 roles cost
    nothing until they are looked at: `book[name]` makes the record, `row` reads one without keeping it,
    and iterating the book visits the records made so far (every other role is in its first state). Sets
    of the names with an owned session and with work running are kept alongside, so a tick looks only at
    those: change `entry` and `working` through the methods below.
    """

    def __init__(self, roles: Mapping[str, Role]) -> None:
        self.states: dict[str, RoleState] = {}
        self._owned: set[str] = set()
        self._working: set[str] = set()
        self._served: set[str] = set()
        self.marked: set[str] = set()
        """The rows marked (Space): Enter, r and x act on all of them."""
        self.recents = Recents()
        """The pins, the history and the order chosen (`stsui.domain.frecency`), as last read or saved."""
        self.pins: frozenset[str] = frozenset()
        self._ordered: list[str] | None = None
        self._logged_out: set[str] = set()
        """The IAM Identity Center instances without a usable login."""
        self._quiet_until: datetime | None = None
        """Before this moment no owned session is due (None: not known, work it out at the next `due`)."""
        self._root: Callable[[Role], Role] = lambda role: role
        self.replace_roles(roles)

    def replace_roles(self, roles: Mapping[str, Role]) -> None:
        """Take a new list of roles (IAM Identity Center roles discovered again): the records of roles that
        stay (same name and settings) are kept, with their sessions and work in progress."""
        roster = self.roster = Roster.of(roles)
        self.states = {
            name: state
            for name, state in self.states.items()
            if name in roster and roster[name] == state.role
        }
        self._owned = {name for name in self._owned if name in self.states and self.states[name].entry}
        self._quiet_until = None
        self._working = {name for name in self._working if name in self.states}
        self._served = {name for name in self._served if name in self.states}
        self.marked = {name for name in self.marked if name in roster}
        self._ordered = None

    @property
    def names(self) -> Sequence[str]:
        """Every role's name, in config order."""
        return self.roster.names

    def take_recents(self, recents: Recents) -> None:
        """The recents were read or changed (a pin, the order): the order is worked out again."""
        self.recents = recents
        self.pins = frozenset(recents.pins)
        self._ordered = None

    @property
    def recent_first(self) -> bool:
        return not self.recents.file_order

    def ordered(self, now: datetime) -> Sequence[str]:
        """Every role's name as the table lists them without a filter: recent first (`recent_order`, at
        `now`; worked out once per change of the pins, the order or the roles), or file order."""
        if not self.recent_first or not (self.recents.pins or self.recents.takes):
            return self.names
        if self._ordered is None:
            roster = self.roster
            self._ordered = recent_order(roster.names, self.recents, now, roster.position, roster)
        return self._ordered

    @property
    def roles(self) -> Sequence[Role]:
        """Every role in config order (what the filter indexes), each decoded when first read."""
        return self.roster.in_order()

    def mark_needs_login(
        self, sso: str, *, needed: bool, root: Callable[[Role], Role] = lambda role: role
    ) -> bool:
        """Set whether the roles of IAM Identity Center instance `sso` (theirs, or their chain's `root`'s)
        need a login: one mark for the instance, read as each row is made (20,000 discovered roles are not
        visited). A login clears the roles' own marks too. True when a role's status may have changed."""
        self._root = root
        changed = needed != (sso in self._logged_out)
        if needed:
            self._logged_out.add(sso)
            return changed
        self._logged_out.discard(sso)
        for state in self.states.values():
            if state.needs_login and self._instance_of(state.role) == sso:
                state.needs_login = False
                changed = True
        return changed

    def _instance_of(self, role: Role) -> str | None:
        """The IAM Identity Center instance `role`'s sessions come from (its chain's root's), if any."""
        source = role.sso if role.source_role is None else self._root(role).sso
        return None if source is None else source.sso

    def needs_login(self, name: str) -> bool:
        """Whether role `name` needs an IAM Identity Center login: its own mark or its instance's."""
        state = self.states.get(name)
        return (state is not None and state.needs_login) or self._login_gone(self.roster[name])

    def _login_gone(self, role: Role) -> bool:
        return bool(self._logged_out) and self._instance_of(role) in self._logged_out

    def __len__(self) -> int:
        return len(self.roster)

    def __iter__(self) -> Iterator[RoleState]:
        """The records made so far (roles something happened to)."""
        return iter(list(self.states.values()))

    def __getitem__(self, name: str) -> RoleState:
        """Role `name`'s record, made on first use (KeyError when there is no such role)."""
        state = self.states.get(name)
        if state is None:
            state = self.states[name] = RoleState(self.roster[name])
        return state

    def get(self, name: str) -> RoleState | None:
        return self[name] if name in self.roster else None

    # -- facts --------------------------------------------------------------------------------------------

    @property
    def profiles(self) -> Collection[str]:
        """The profiles the roles write: all the screen needs of the credentials file."""
        return self.roster.profiles

    def load(self, entries: Mapping[str, ProfileEntry]) -> set[str]:
        """Take the credentials file's entries; returns the roles whose session changed.

        Only entries stsui wrote for a role of the book, and roles with an owned session before, are looked
        at (100,000 roles, a few sessions: no role is decoded for the others)."""
        roster = self.roster
        owned: dict[str, ProfileEntry] = {}
        for profile, entry in entries.items():
            name = entry.owner_role
            if name is not None and name in roster and roster.profile_of(name) == profile:
                mine = owned_entry(roster[name], entry)
                if mine is not None:
                    owned[name] = mine
        changed = set()
        for name in owned.keys() | self._owned:
            state = self[name]
            now_owned = owned.get(name)
            if (None if now_owned is None else now_owned.expires_at) != state.expires_at:
                state.session_changed(now_owned)
                changed.add(name)
            else:
                state.entry = now_owned
            self._index(state)
        return changed

    def started(self, name: str, expires_at: datetime, principal: str, region: str | None = None) -> None:
        """A session was written to the role's profile (in `region`)."""
        state = self[name]
        state.session_changed(ProfileEntry(state.role.profile, name, expires_at, principal, region))
        state.region_choice = None  # the session has its region now
        self.finish(name)

    def moved(self, name: str, region: str) -> None:
        """The role's live session was given `region` (the same keys)."""
        state = self[name]
        if state.entry is not None:
            state.entry = replace(state.entry, region=region)

    def forgotten(self, name: str) -> None:
        state = self[name]
        state.session_changed(None)
        self.finish(name)

    def served(self, times: Mapping[str, datetime]) -> set[str]:
        """Take when the agent last served each role; returns the roles whose time changed. A role served
        again no longer waits for an MFA code (someone entered it, here or in another terminal)."""
        changed = set()
        for name, moment in times.items():
            state = self.get(name)
            if state is None or state.served_at == moment:
                continue
            state.served_at = moment
            state.served_needs_mfa = False
            self._served.add(name)
            changed.add(name)
        return changed

    def served_needs_mfa(self, name: str) -> bool:
        """A background caller asked for `name` and it needs a new MFA code. True the first time (to tell
        the user once), False while it is already marked."""
        state = self[name]
        first = not state.served_needs_mfa
        state.served_needs_mfa = True
        return first

    @property
    def has_served(self) -> bool:
        """Whether the agent has served any role yet (the table then shows when each was last served)."""
        return bool(self._served)

    def begin(self, name: str, working: Working) -> None:
        """Work started for the role (one job per role at a time)."""
        self[name].working = working
        self._working.add(name)

    def finish(self, name: str) -> None:
        """The role's work is over, whatever its result."""
        self[name].working = None
        self._working.discard(name)
        self._index(self[name])

    def _index(self, state: RoleState) -> None:
        self._quiet_until = None
        if state.entry is None:
            self._owned.discard(state.name)
        else:
            self._owned.add(state.name)

    @property
    def live(self) -> bool:
        """True while anything can change by itself: an owned session counting down, work running, or a
        role served by the agent (its "served … ago" moves)."""
        return bool(self._owned or self._working or self._served)

    def working(self) -> dict[str, Working]:
        """The work running, by role."""
        return {name: w for name in self._working if (w := self.states[name].working) is not None}

    def due(self, now: datetime) -> list[RoleState]:
        """Owned sessions inside their role's renewal window or expired, in config order. A tick with 1,000
        sessions and none due looks at none: the earliest moment one falls due is kept until a session
        changes."""
        quiet = self._quiet_until
        if quiet is not None and now < quiet:
            return []
        states = self.states
        found = [
            states[name]
            for name in self._owned
            if status_of(states[name].role, states[name].entry, now) in (Status.DUE, Status.EXPIRED)
        ]
        if not found and self._owned:
            self._quiet_until = min(map(_falls_due, (states[name] for name in self._owned)))
        return sorted(found, key=lambda state: self.roster.position(state.name))

    # -- rows -----------------------------------------------------------------------------------------------

    def row(self, name: str, now: datetime) -> RoleRow:
        """Role `name`'s line at `now` (a role nothing happened to gets no record for it)."""
        state = self.states.get(name)
        return (state if state is not None else RoleState(self.roster[name])).row(
            now,
            marked=name in self.marked,
            pinned=name in self.pins,
            login_gone=self._login_gone(self.roster[name]),
        )
