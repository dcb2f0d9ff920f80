"""The roles' sessions for the roles screen: the engine calls (assume, renew, check, forget, copy, read the
credentials file) and what each outcome changes in the `RoleBook` and says.

Each job is the body of one thread worker (the screen runs it with `run_worker(thread=True)`): it calls the
engine, posts one fact per result (`stsui.tui.messages`) and never touches a widget. A failure a user can act
on is a fact too; anything else escapes to the screen's worker-error handler as a bug. The screen's handler
for each fact calls the method below that applies it, then repaints and shows the notices it returns.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from stsui.domain.durations import format_time_left
from stsui.domain.errors import NeedsLogin, StsuiError
from stsui.domain.exports import env_lines
from stsui.domain.frecency import Recents
from stsui.domain.model import ProfileEntry, Role, Status
from stsui.tui.display import LONG, Notice, failure, failure_title, mfa_code_needed
from stsui.tui.messages import (
    ActionFailed,
    AssumeFailed,
    CodeFromProcess,
    CredentialsFileChanged,
    CredentialsFileUnreadable,
    ExportLinesReady,
    LoginNeeded,
    MfaCodeNeeded,
    MfaSessionsForgotten,
    NoLiveSession,
    Post,
    RecentsNotSaved,
    RegionChanged,
    RenewalChecked,
    RenewalNeedsMfa,
    SessionForgotten,
    SessionStarted,
    aws_code,
)
from stsui.tui.state import Working

if TYPE_CHECKING:
    from stsui.engine.engine import Engine
    from stsui.tui.renewals import RenewalPolicy
    from stsui.tui.state import RoleBook

CREDENTIALS_FILE = "Credentials file"
"""The title of what is said about the credentials file."""


class RoleSessions:
    """The jobs the screen runs for its roles, and the records and words of what they reported."""

    def __init__(self, engine: Engine, book: RoleBook, renewals: RenewalPolicy, post: Post) -> None:
        self.engine = engine
        self.book = book
        self.renewals = renewals
        self._post = post
        self._stamp: tuple[int, int, int] | None = None
        """The credentials file as last read (mtime, size, inode): a tick reads it again when it differs."""
        self._reading = False

    # -- the credentials file ----------------------------------------------------------------------------

    def read_now(self) -> list[Notice]:
        """Read the credentials file before the first frame, so live sessions show at once (no STS here),
        and the pins and history the table's order comes from; what to say about either."""
        recents, warning = self.engine.recents.read()
        self.book.take_recents(recents)
        said = [] if warning is None else [Notice(warning, severity="warning", timeout=LONG)]
        try:
            self._stamp = self.engine.store.stamp()
            self.book.load(self.engine.entries(self.book.profiles))
        except StsuiError as error:
            said.append(failure(error.message, CREDENTIALS_FILE))
        return said

    def file_changed(self) -> bool:
        """Whether the file changed since it was read (one stat; False while it is being read again)."""
        if self._reading:
            return False
        try:
            stamp = self.engine.store.stamp()
        except OSError:
            return False
        self._reading = stamp != self._stamp
        return self._reading

    def read_again(self) -> None:
        """The roles were replaced: their profiles are read at the next tick."""
        self._stamp = None

    def read_failed(self) -> None:
        """The read worker failed (a bug, said by the screen): the next tick tries again."""
        self._reading = False

    def credentials_file_changed(self, fact: CredentialsFileChanged) -> set[str]:
        """The file was read again: returns the roles whose session changed."""
        self._reading, self._stamp = False, fact.stamp
        return self.book.load(fact.entries)

    def credentials_file_unreadable(self, fact: CredentialsFileUnreadable) -> Notice:
        """Told once per change: the stamp is kept, so the file is read again only when it changes."""
        self._reading, self._stamp = False, fact.stamp
        return failure(fact.message, CREDENTIALS_FILE)

    # -- jobs (thread workers' bodies) -------------------------------------------------------------------

    def assume(
        self,
        role: Role,
        *,
        fresh: bool,
        mfa_code: str | None,
        automatic: bool,
        region: str | None = None,
        taking: bool = False,
    ) -> None:
        """Assume `role` (renew it, with `fresh`; `automatic`: the tick's renewal, which never asks for an MFA
        code and takes a later session the agent got rather than a fresh one). `region`: the one picked
        for its next session. `taking`: the user took the role (Enter, `u`): kept in the history."""
        engine, post = self.engine, self._post
        fresh_now = fresh and not automatic
        try:
            if mfa_code is None and engine.needs_mfa_code(role, fresh=fresh_now):
                serial = engine.mfa_root(role).mfa_serial or ""
                post(
                    RenewalNeedsMfa(role.name, serial)
                    if automatic
                    else MfaCodeNeeded(role.name, serial, fresh=fresh)
                )
                return
            if mfa_code is None and engine.code_from_process(role, fresh=fresh_now):
                post(CodeFromProcess(role.name, engine.mfa_root(role).mfa_serial or ""))
            outcome = engine.assume(role, mfa_code=mfa_code, fresh=fresh_now, region=region)
            kept = engine.took([role]) if taking else None
        except NeedsLogin as error:
            post(LoginNeeded(role.name, error.message, automatic=automatic))
            return
        except StsuiError as error:
            post(AssumeFailed(role.name, error.message, aws_code(error), renewal=fresh, automatic=automatic))
            return
        session = outcome.session
        post(
            SessionStarted(
                role.name,
                session.expiration,
                session.assumed_role_arn,
                renewal=fresh,
                automatic=automatic,
                reused=outcome.reused,
                warnings=(*outcome.warnings, *([kept] if kept else [])),
                region=session.region,
            )
        )

    def check_renewals(self, checks: list[tuple[Role, ProfileEntry]]) -> None:
        """Ask the engine's status (as `stsui list` does) whether renewing each needs a new MFA code."""
        for role, entry in checks:
            try:
                status = self.engine.status(role, {role.profile: entry})
            except (StsuiError, OSError):  # unknown: asked again after RECHECK, like a "no"
                status = Status.ERROR
            self._post(RenewalChecked(role.name, needs_mfa=status is Status.NEEDS_MFA))

    def forget(self, role: Role) -> None:
        try:
            removed = self.engine.forget(role)
        except StsuiError as error:
            self._post(ActionFailed("forget", error.message, role.name))
            return
        self._post(SessionForgotten(role.name, removed=removed))

    def forget_mfa(self) -> None:
        try:
            count = self.engine.forget_mfa()
        except (StsuiError, OSError) as error:
            self._post(ActionFailed("forget MFA sessions", str(error)))
            return
        self._post(MfaSessionsForgotten(count))

    def export_lines(self, role: Role) -> None:
        """The export lines of `role`'s live session, to copy (they hold its keys: never shown)."""
        try:
            session = self.engine.session(role)
        except StsuiError as error:
            self._post(ActionFailed("copy export lines", error.message, role.name))
            return
        if session is None or session.credentials.seconds_left(self.engine.clock()) <= 0:
            self._post(NoLiveSession(role.name, asked=True))
            return
        self._post(ExportLinesReady(role.name, env_lines(session)))

    def move(self, role: Role, region: str, post: Post) -> None:
        """Give `role`'s live session `region` (its keys stay: no STS call), and keep the region among those
        used lately; without a live session, its next one gets it."""
        try:
            moved = self.engine.set_region(role, region)
        except StsuiError as error:
            post(ActionFailed(f"change the region of {role.name}", error.message, role.name))
            return
        post(RegionChanged(role.name, region, live=moved is not None))
        self.engine.recents.update(lambda recents: recents.used_region(region, self.engine.clock()))

    def save_recents(self, change: Callable[[Recents], Recents], post: Post) -> None:
        """Apply `change` (a pin, the order) to the recents file; what could not be saved is a fact."""
        warning = self.engine.recents.update(change)[1]
        if warning is not None:
            post(RecentsNotSaved(warning))

    def read_credentials_file(self) -> None:
        """Read the roles' profiles again: the file changed on disk."""
        stamp = self.engine.store.stamp()
        try:
            entries = self.engine.entries(self.book.profiles)
        except StsuiError as error:
            self._post(CredentialsFileUnreadable(error.message, stamp))
            return
        self._post(CredentialsFileChanged(entries, stamp))

    # -- what the jobs reported --------------------------------------------------------------------------

    def busy(self, name: str) -> Notice | None:
        """Why role `name` cannot start a job now (one job per role at a time; a check gives way)."""
        busy = self.book[name].working
        if busy is None or busy is Working.CHECKING:
            return None
        return Notice(f"Role '{name}' is busy ({busy}); wait for it to finish.")

    def started(self, fact: SessionStarted) -> list[Notice]:
        """A session was written to the role's profile: the roles waiting on its MFA device may renew."""
        self.book.started(fact.role, fact.expires_at, fact.assumed_role_arn, fact.region)
        role = self.book[fact.role].role
        self.renewals.mfa_session_started(role)
        if fact.bulk:
            return []  # the run's summary says it
        left = format_time_left((fact.expires_at - self.engine.clock()).total_seconds())
        if fact.automatic:
            verb = "Renewed automatically"
        elif fact.renewal:
            verb = "Renewed"
        elif fact.reused:
            verb = "Reused the live session of"
        else:
            verb = "Assumed"
        said = Notice(f"{verb} {role.name}: profile {role.profile}, {left} left.", title="Session")
        return [said, *(Notice(warning, severity="warning", timeout=LONG) for warning in fact.warnings)]

    def assume_failed(self, fact: AssumeFailed) -> Notice | None:
        """The role shows the failure until its session changes; an automatic renewal backs off."""
        self.book.finish(fact.role)
        self.book[fact.role].error = fact.message
        if fact.bulk:
            return None  # the run's summary says it
        delay = self.renewals.failed(fact.role, self.engine.clock())
        what = f"{'renew' if fact.renewal else 'assume'} {fact.role}"
        later = f" Next automatic try in {format_time_left(delay)}." if fact.automatic else ""
        return failure(fact.message + later, failure_title(what, fact.code))

    def code_from_process(self, fact: CodeFromProcess) -> Notice:
        return Notice(
            f"Role '{fact.role}': code from mfa_process… ({fact.serial}; touch your key if it asks).",
            title="MFA",
        )

    def renewal_needs_mfa(self, fact: RenewalNeedsMfa) -> Notice | None:
        """An automatic renewal needs a new MFA code: the role waits for the user, who is told once."""
        self.book.finish(fact.role)
        if not self.renewals.needs_mfa(fact.role):
            return None
        return mfa_code_needed(
            f"Role '{fact.role}' needs a new MFA code ({fact.serial}) to renew its session; "
            "highlight it and press r."
        )

    def renewal_checked(self, fact: RenewalChecked) -> None:
        if self.book[fact.role].working is Working.CHECKING:
            self.book.finish(fact.role)
        self.renewals.checked(fact.role, needs_mfa=fact.needs_mfa, now=self.engine.clock())

    def region_changed(self, fact: RegionChanged) -> Notice:
        state = self.book[fact.role]
        if fact.live:
            self.book.moved(fact.role, fact.region)
            return Notice(
                f"Role '{fact.role}' now uses {fact.region}: profile {state.role.profile} has the same keys "
                "in the new region.",
                title="Region",
            )
        state.region_choice = fact.region
        return Notice(
            f"Role '{fact.role}' has no live session; its next one (Enter) gets {fact.region}.",
            title="Region",
        )

    def forgotten(self, fact: SessionForgotten) -> Notice | None:
        self.book.forgotten(fact.role)
        role = self.book[fact.role].role
        if fact.bulk:
            return None
        if fact.removed:
            return Notice(f"Forgot {role.name}: removed profile {role.profile}.", title="Session")
        return Notice(
            f"Forgot {role.name}'s cached session; profile {role.profile} was not stsui's to remove."
        )

    def mfa_sessions_forgotten(self, fact: MfaSessionsForgotten) -> Notice:
        self.renewals.mfa_sessions_forgotten()
        sessions = "session" if fact.count == 1 else "sessions"
        return Notice(f"Forgot {fact.count} cached MFA {sessions}.", title="MFA")

    def action_failed(self, fact: ActionFailed) -> Notice | None:
        """The role (if any) shows the failure until its session changes."""
        if fact.role is not None:
            self.book.finish(fact.role)
            self.book[fact.role].error = fact.message
        if fact.bulk:
            return None
        return failure(fact.message, failure_title(fact.action, fact.code))
