"""The TUI's renewal policy, without Textual: which roles to renew now, and which to ask about MFA.

Each tick the screen asks `RenewalPolicy.plan(now)`:
- a due or expired session of a role with `auto_refresh` is renewed, at most `MAX_RENEWALS` at once (STS
  throttles bursts; the rest wait for the next tick), not while its backoff after a failure runs
  (`stsui.engine.renewal`: 30 s doubling to 10 min), and never while renewing needs a new MFA code: that
  role is marked "needs MFA" and waits for the user (`r`), who is told once;
- a due or expired session of a role without `auto_refresh` is only checked: does renewing it need a
  new MFA code? (the engine answers, off the screen), so the table says "needs MFA" when `stsui list` does.
An MFA code entered for one role unblocks every role waiting on the same device.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from stsui.domain.model import Role
from stsui.engine.renewal import Backoff
from stsui.tui.state import RoleBook, Working

MAX_RENEWALS = 4
"""Automatic renewals in flight at once; more due sessions wait for the next tick (STS throttles bursts)."""

RECHECK = timedelta(minutes=1)
"""How long the engine's "no MFA code needed" holds for a due session that is not renewed automatically
(its MFA session may run out meanwhile)."""

MfaDevice = tuple[str | None, str]
"""(base identity (`Role.base`), MFA serial): the MFA session a role's renewal needs."""


@dataclass(frozen=True)
class Plan:
    """What to start on this tick, in config order."""

    renew: list[str] = field(default_factory=list)
    check: list[str] = field(default_factory=list)


class RenewalPolicy:
    """Decides from the book's records; the screen runs the work and reports back here."""

    def __init__(self, book: RoleBook, mfa_device: Callable[[Role], MfaDevice | None]) -> None:
        self.book = book
        self._mfa_device = mfa_device

    def plan(self, now: datetime) -> Plan:
        plan = Plan()
        running = sum(1 for working in self.book.working().values() if working is Working.RENEWING)
        for state in self.book.due(now):
            if state.working is not None or state.needs_mfa:
                continue
            if state.role.auto_refresh:
                if running < MAX_RENEWALS and not (state.backoff and state.backoff.waiting(now)):
                    plan.renew.append(state.name)
                    running += 1
            elif state.needs_mfa is None or state.checked_at is None or now - state.checked_at >= RECHECK:
                plan.check.append(state.name)
        return plan

    def failed(self, name: str, now: datetime) -> int:
        """A renewal or assume failed: returns the seconds before the next automatic try."""
        state = self.book[name]
        if state.backoff is None:
            state.backoff = Backoff()
        return state.backoff.failed(now)

    def needs_mfa(self, name: str) -> bool:
        """Renewing `name` needs a new MFA code: it waits for the user. True if they are to be told now."""
        state = self.book[name]
        state.needs_mfa = True
        first = not state.mfa_warned
        state.mfa_warned = True
        return first

    def checked(self, name: str, *, needs_mfa: bool, now: datetime) -> None:
        """The engine said whether renewing `name` needs a new MFA code."""
        state = self.book[name]
        state.needs_mfa = needs_mfa
        state.checked_at = None if needs_mfa else now

    def mfa_session_started(self, role: Role) -> None:
        """A session was obtained through `role`'s MFA device, so that device has an MFA session again:
        roles waiting on it may renew (the engine is asked again; a warning is not repeated), and background
        callers waiting on it will be served."""
        device = self._mfa_device(role)
        if device is None:
            return
        for state in self.book:
            if (state.needs_mfa or state.served_needs_mfa) and self._mfa_device(state.role) == device:
                state.needs_mfa = None
                state.served_needs_mfa = False

    def mfa_sessions_forgotten(self) -> None:
        """Every MFA session was dropped: what the engine said about renewals no longer holds."""
        for state in self.book:
            if state.needs_mfa is False:
                state.needs_mfa, state.checked_at = None, None
