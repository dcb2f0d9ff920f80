"""Warm sessions for background callers: answered from memory, renewed before they fall due.

A request never waits for STS while the role's session has more than `refresh_before` left (what botocore and
the other SDKs need to use it without re-fetching). Requests for one role that do need STS share one call.
Every role served is renewed in the background before it is due, with the backoff of `stsui.engine.renewal`
after a failure (the TUI's too). A renewal first looks for a later session stsui already obtained for the
role (the TUI renewed its profile, the user ran `assume`) and takes it instead of calling STS. The agent
writes only the session cache (through the engine), never a profile: `assume` and the TUI write those.
"""

from __future__ import annotations

import enum
import threading
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from stsui.domain.errors import NeedsMfa, StsuiError
from stsui.domain.model import Role, Session, renewal_due
from stsui.engine.engine import Engine
from stsui.engine.renewal import Backoff

MFA_PROCESS_WAIT = 1.5
"""How long a request waits for a role's `mfa_process` before its 503 (botocore asks a container endpoint
for 2 s, three times): the code usually comes in time; a touch of a security key takes a retry or two."""
RENEW_LEAD = timedelta(minutes=2)
"""A served session is renewed this long before it would fall due, so no caller meets a due one (at most half
of the time between its start and its renewal window, so a short session is not renewed over and over)."""


class UnknownRole(StsuiError):
    """A caller asked for a role this agent does not serve."""


class EventKind(enum.StrEnum):
    SERVED = "served"
    RENEWED = "renewed"
    FAILED = "failed"
    NEEDS_MFA = "needs MFA"


@dataclass(frozen=True)
class Event:
    """Something a log line or the TUI should show. Never carries a secret."""

    kind: EventKind
    role: str
    detail: str = ""

    def line(self) -> str:
        """The event as a log line says it: `renewed role 'prod'`, `failed role 'prod': <sentence>`."""
        return f"{self.kind} role '{self.role}'" + (f": {self.detail}" if self.detail else "")


@dataclass
class _Served:
    session: Session | None = None
    obtained_at: datetime | None = None
    last_served: datetime | None = None
    backoff: Backoff = field(default_factory=Backoff)


class SessionSource:
    """Sessions by role name for the credentials server; thread-safe."""

    def __init__(
        self,
        engine: Engine,
        *,
        roles: set[str] | None = None,
        on_event: Callable[[Event], None] = lambda event: None,
        needs_you: Callable[[Role, str | None, str], object] | None = None,
    ) -> None:
        self.engine = engine
        self._allowed = roles
        self._on_event = on_event
        self._needs_you = needs_you
        """Tells the user (a desktop notification) when a caller needs an MFA code nobody here can give;
        None where the TUI is the agent (it asks itself)."""
        self._codes: dict[tuple[str | None, str], Future[None]] = {}
        """MFA sessions being made from `mfa_process`, by base identity and device."""
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._served: dict[str, _Served] = {}
        self.changed = threading.Event()
        """Set whenever a session is obtained: the renewer recomputes when to wake."""

    def role(self, name: str) -> Role:
        """The configured role `name`, if this agent serves it."""
        role = self.engine.config.roles.get(name)
        if role is None or (self._allowed is not None and name not in self._allowed):
            raise UnknownRole(f"This agent serves no role named {name!r}.")
        return role

    def served(self) -> dict[str, datetime]:
        """Each role served so far, with when it was last handed out."""
        with self._guard:
            return {name: s.last_served for name, s in self._served.items() if s.last_served is not None}

    def obtained_at(self, name: str) -> datetime | None:
        """When the session now served for role `name` was obtained (or taken from the cache)."""
        with self._guard:
            state = self._served.get(name)
            return None if state is None else state.obtained_at

    def _state(self, name: str) -> tuple[_Served, threading.Lock]:
        with self._guard:
            return self._served.setdefault(name, _Served()), self._locks.setdefault(name, threading.Lock())

    def _warm(self, role: Role, state: _Served) -> Session | None:
        session = state.session
        if session is None:
            return None
        left = session.credentials.seconds_left(self.engine.clock())
        return None if renewal_due(role, left) else session

    def get(self, name: str) -> Session:
        """A session for role `name` with more than its `refresh_before` left. Raises StsuiError
        (NeedsMfa when a new MFA code is needed: never waits for a person)."""
        role = self.role(name)
        state, lock = self._state(name)
        session = self._warm(role, state)
        if session is None:
            with lock:  # one STS call for every caller that arrives meanwhile
                session = self._warm(role, state) or self._obtain(role, state, fresh=False)
        with self._guard:
            state.last_served = self.engine.clock()
        self._on_event(Event(EventKind.SERVED, name))
        return session

    def _obtain(self, role: Role, state: _Served, *, fresh: bool) -> Session:
        try:
            if self.engine.code_from_process(role, fresh=fresh):
                self._wait_for_mfa_process(role)
            outcome = self.engine.obtain(role, fresh=fresh)
        except NeedsMfa as error:
            if not self.engine.code_from_process(role, fresh=fresh):  # else the code is on its way
                self._on_event(Event(EventKind.NEEDS_MFA, role.name, str(error)))
                if self._needs_you is not None:
                    serial = self.engine.mfa_root(role).mfa_serial
                    self._needs_you(role, serial, "A program using stsui's credentials server")
            raise
        except StsuiError as error:
            self._on_event(Event(EventKind.FAILED, role.name, str(error)))
            raise
        if renewal_due(role, outcome.session.credentials.seconds_left(self.engine.clock())):
            raise StsuiError(
                f"Role '{role.name}' got a session shorter than its refresh_before; "
                "lower refresh_before or raise duration in the roles file."
            )
        state.session, state.obtained_at = outcome.session, self.engine.clock()
        self.changed.set()
        return outcome.session

    def _wait_for_mfa_process(self, role: Role) -> None:
        """Make the MFA session `role`'s chain needs from its `mfa_process` in a thread of its own (one per
        device, shared by every caller meanwhile), waiting for it at most `MFA_PROCESS_WAIT`: a request
        never waits long for a person's touch. NeedsMfa (a 503) while the code is still coming."""
        root = self.engine.mfa_root(role)
        key = (root.base, root.mfa_serial or "")
        with self._guard:
            job = self._codes.get(key)
            if job is None or job.done():
                job = self._codes[key] = Future()
                threading.Thread(
                    target=self._make_mfa_session, args=(root, job), name="stsui-mfa-process", daemon=True
                ).start()
        try:
            job.result(timeout=MFA_PROCESS_WAIT)
        except FutureTimeout:
            raise NeedsMfa(
                f"Role '{role.name}' needs an MFA code and its mfa_process is getting one (touch your "
                "security key if it asks); try again in a moment."
            ) from None

    def _make_mfa_session(self, root: Role, job: Future[None]) -> None:
        try:
            self.engine.start_mfa_session(root, None)
        except BaseException as error:  # handed to every caller waiting on the job
            job.set_exception(error)
        else:
            job.set_result(None)
            self.changed.set()

    def next_renewal(self) -> datetime | None:
        """When the next background renewal is due (None when nothing has been served)."""
        moments = [self._renew_at(name, s) for name, s in list(self._served.items())]
        present = [m for m in moments if m is not None]
        return min(present) if present else None

    def _renew_at(self, name: str, state: _Served) -> datetime | None:
        if state.last_served is None or state.session is None:
            return None
        if state.backoff.retry_at is not None:
            return state.backoff.retry_at
        role = self.engine.config.roles.get(name)
        if role is None:
            return None
        window = state.session.expiration - timedelta(seconds=role.refresh_before)
        usable = (window - (state.obtained_at or self.engine.clock())) / 2
        return window - max(timedelta(), min(RENEW_LEAD, usable))

    def _adopt(self, name: str, role: Role, state: _Served, now: datetime) -> bool:
        """Take a later session another part of stsui obtained for the role (the TUI's renewal, an `assume`,
        found in the session cache or the role's profile) instead of calling STS: one renewal, not two."""
        try:
            found = self.engine.session(role)
        except (StsuiError, OSError):
            return False
        if found is None or state.session is None or found.expiration <= state.session.expiration:
            return False
        if found.credentials.seconds_left(now) <= role.refresh_before:
            return False
        with self._guard:
            state.session, state.obtained_at = found, now
        moment = self._renew_at(name, state)
        if moment is not None and moment <= now:  # too short to keep: renew it after all
            return False
        self.changed.set()
        return True

    def renew_due(self) -> int:
        """Renew every served session whose renewal time has come; returns how many were renewed."""
        now = self.engine.clock()
        renewed = 0
        for name, state in list(self._served.items()):
            moment = self._renew_at(name, state)
            if moment is None or moment > now:
                continue
            role = self.engine.config.roles[name]
            _, lock = self._state(name)
            with lock:
                try:
                    if not self._adopt(name, role, state, now):
                        self._obtain(role, state, fresh=True)
                except StsuiError:
                    state.backoff.failed(now)
                    continue
            state.backoff.succeeded()
            renewed += 1
            self._on_event(Event(EventKind.RENEWED, name))
        return renewed


class Renewer:
    """A daemon thread that renews a SessionSource's served sessions when they come due."""

    def __init__(self, source: SessionSource, *, longest_sleep: float = 30.0) -> None:
        self.source = source
        self._longest_sleep = longest_sleep
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="stsui-renewer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.source.changed.set()

    def _delay(self) -> float:
        moment = self.source.next_renewal()
        if moment is None:
            return self._longest_sleep
        seconds = (moment - self.source.engine.clock()).total_seconds()
        return min(max(seconds, 0.2), self._longest_sleep)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.source.renew_due()
            self.source.changed.wait(self._delay())
            self.source.changed.clear()
