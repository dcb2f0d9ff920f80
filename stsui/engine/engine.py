"""The session engine: assume, reuse, renew and forget role sessions. Shared by the CLI and the TUI.

Sessions live in two places: the profile a role writes in the shared credentials file (what other tools read),
and a private cache (0600) of every session stsui obtained, so `env` and `credential-process` reuse a session
instead of calling STS again. MFA sessions are cached per source profile and device, so a code is asked once.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from stsui.domain.arns import assumed_by
from stsui.domain.durations import format_duration
from stsui.domain.errors import (
    CredentialsFileError,
    NeedsLogin,
    NeedsMfa,
    StsuiError,
    UnsafeFileError,
    UsageError,
)
from stsui.domain.limits import CHAINED_MAX_DURATION
from stsui.domain.model import (
    Config,
    Credentials,
    Identity,
    ProfileEntry,
    Role,
    Session,
    Status,
    status_of,
)
from stsui.domain.reuse import reusable
from stsui.domain.times import utc_now
from stsui.store.cache import MfaCache, SessionCache
from stsui.store.credentials_file import CredentialsFile, name_refusal, owner_refusal

if TYPE_CHECKING:
    from stsui.engine.gateway import Gateway
    from stsui.engine.sso import SsoLogins

MFA_MARGIN = timedelta(minutes=5)
"""An MFA session with less than this left is not used: the role session would outlive its source."""


@dataclass(frozen=True)
class Obtained:
    """A session for a role: reused (no STS call) or new, with what the user should be told."""

    role: Role
    session: Session
    reused: bool = False
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Assumed(Obtained):
    """A session for a role, written to `profile`."""

    profile: str = field(kw_only=True)


@dataclass(frozen=True)
class Failed:
    """A renewal that did not happen, and why (`NeedsMfa` when it would have asked for a code)."""

    role: Role
    error: StsuiError


Renewal = Assumed | Failed
"""What `Engine.refresh` reports for each role."""


@dataclass
class _Work:
    """Warnings gathered while resolving one chain."""

    warnings: list[str] = field(default_factory=list)


class Engine:
    """Roles, the credentials file, the caches and STS, composed. Safe to call from worker threads."""

    def __init__(
        self,
        config: Config,
        store: CredentialsFile,
        gateway: Callable[[], Gateway],
        *,
        cache_dir: Path,
        clock: Callable[[], datetime] = utc_now,
        sso: SsoLogins | None = None,
    ) -> None:
        self.config = config
        self.sso = sso
        """IAM Identity Center logins, for the roles discovered there (`Role.sso`)."""
        self.store = store
        self._gateway_factory = gateway
        self._gateway: Gateway | None = None
        self.sessions = SessionCache.under(cache_dir)
        self.mfa = MfaCache(cache_dir / "mfa")
        self.clock = clock

    @property
    def gateway(self) -> Gateway:
        """The STS gateway, created on first use so boto3 is imported only when a call is due."""
        if self._gateway is None:
            self._gateway = self._gateway_factory()
        return self._gateway

    # -- reading -----------------------------------------------------------------------------------------

    def entries(self, profiles: Collection[str] | None = None) -> dict[str, ProfileEntry]:
        """Every profile of the credentials file (or those named in `profiles`), read once."""
        return self.store.read(profiles)

    def status(
        self,
        role: Role,
        entries: dict[str, ProfileEntry],
        now: datetime | None = None,
        logins: Mapping[str, bool] | None = None,
    ) -> Status:
        """The role's status (`stsui.domain.model.status_of`) from its profile and the caches, at `now` (the
        clock's time when not given) with the `logins` of `logged_in` (read when not given): a caller asking
        for many roles reads the clock and each instance's login once."""
        return status_of(
            role,
            entries.get(role.profile),
            self.clock() if now is None else now,
            lambda: self.needs_mfa_code(role, fresh=True),
            lambda: self.needs_login(role, logins),
        )

    def logged_in(self) -> dict[str, bool]:
        """For each IAM Identity Center instance, whether it has a usable login now (no network)."""
        sso = self.sso
        return {name: sso is not None and sso.logged_in(one) for name, one in self.config.sso.items()}

    def needs_login(self, role: Role, logins: Mapping[str, bool] | None = None) -> bool:
        """True for a role from IAM Identity Center (or chained from one) without a usable login (as `logins`
        says, when given: `logged_in`)."""
        root = role if role.source_role is None else self.chain(role)[0]
        if root.sso is None:
            return False
        instance = self.config.sso.get(root.sso.sso)
        if instance is None or self.sso is None:
            return True
        return not (self.sso.logged_in(instance) if logins is None else logins[instance.name])

    def mfa_root(self, role: Role) -> Role:
        """The role at the root of a chain: the one assumed from a profile, whose MFA device counts."""
        seen = role
        while seen.source_role is not None:
            seen = self.config.roles[seen.source_role]
        return seen

    def chain(self, role: Role) -> list[Role]:
        """The roles assumed, in order, to reach `role` (root first)."""
        path = [role]
        while path[-1].source_role is not None:
            path.append(self.config.roles[path[-1].source_role])
        return path[::-1]

    def needs_mfa_code(self, role: Role, *, fresh: bool = False) -> bool:
        """True when assuming `role` now would need a new MFA code (no reusable session, no MFA session).

        With `fresh`, the role's own session does not count (a renewal), but its chain's still do.
        """
        for position, link in enumerate(reversed(self.chain(role))):
            if not (fresh and position == 0) and self._reusable(link) is not None:
                return False
            if link.source_role is None:
                return link.mfa_serial is not None and self._mfa_session(link) is None
        return False

    def session(self, role: Role) -> Session | None:
        """The role's current session, from its profile or the cache, whatever its time left; a session
        of the role's previous `role_arn` (the roles file changed) is not the role's."""
        sessions = [self.store.read_session(role.profile, role.name), self.sessions.get(role.name)]
        live = [s for s in sessions if s is not None and assumed_by(role.role_arn, s.assumed_role_arn)]
        return max(live, key=lambda s: s.expiration) if live else None

    def _reusable(self, role: Role) -> Session | None:
        return reusable(role, self.session(role), self.clock())

    def _mfa_session(self, role: Role) -> Credentials | None:
        assert role.mfa_serial is not None
        credentials = self.mfa.get(role.source_profile, role.mfa_serial)
        if credentials is None or credentials.expiration - self.clock() < MFA_MARGIN:
            return None
        return credentials

    # -- obtaining sessions -----------------------------------------------------------------------------

    def obtain(
        self,
        role: Role,
        *,
        mfa_code: str | None = None,
        duration: int | None = None,
        fresh: bool = False,
    ) -> Obtained:
        """A session for `role`: a reusable one, or a new one from STS (cached). Raises StsuiError."""
        work = _Work()
        if not fresh and duration is None:
            reused = self._reusable(role)
            if reused is not None:
                if self.sessions.get(role.name) != reused:  # found only in the profile: cache it, so
                    self._cache(reused, work)  # the next credential-process takes the fast path
                return Obtained(role, reused, reused=True, warnings=tuple(work.warnings))
        session = self._assume(role, mfa_code=mfa_code, duration=duration, work=work)
        return Obtained(role, session, warnings=tuple(work.warnings))

    def _assume(self, role: Role, *, mfa_code: str | None, duration: int | None, work: _Work) -> Session:
        if role.sso is not None:
            session = self._sso_session(role, duration)
            self._cache(session, work)
            return session
        wanted = duration or role.duration
        source: Credentials | None = None
        if role.source_role is not None:
            parent = self.config.roles[role.source_role]
            parent_session = self._reusable(parent) or self._assume(
                parent, mfa_code=mfa_code, duration=None, work=work
            )
            source = parent_session.credentials
            if wanted > CHAINED_MAX_DURATION:
                work.warnings.append(
                    f"Role '{role.name}' is chained through '{parent.name}', so its session is capped at 1h "
                    f"(STS's limit for role chaining) instead of the configured {format_duration(wanted)}."
                )
                wanted = CHAINED_MAX_DURATION
        elif role.mfa_serial is not None:
            source = self._mfa_session(role) or self._new_mfa_session(role, mfa_code)
        session = self.gateway.assume_role(role, duration=wanted, source=source)
        self._cache(session, work)
        return session

    def _sso_session(self, role: Role, duration: int | None) -> Session:
        """GetRoleCredentials for a discovered role, with its instance's login (never starting one)."""
        assert role.sso is not None
        if duration is not None:
            raise UsageError(
                f"Role '{role.name}' comes from IAM Identity Center, whose permission set decides how long "
                "its sessions last; drop --duration."
            )
        instance = self.config.sso.get(role.sso.sso)
        if instance is None or self.sso is None:
            raise NeedsLogin(
                f"Role '{role.name}' belongs to IAM Identity Center '{role.sso.sso}', which is "
                f"not in {self.config.path}; run 'stsui sso sync'."
            )
        try:
            credentials = self.sso.role_credentials(instance, role.sso)
        except NeedsLogin as error:
            raise NeedsLogin(f"Role '{role.name}': {error}") from None
        return Session(role.name, credentials, role.sso.principal_arn, role.region)

    def _cache(self, session: Session, work: _Work) -> None:
        """Keep `session` in the private cache; a cache that cannot be used is a warning, never a failure
        (STS has answered: the session still reaches the profile or the caller)."""
        try:
            self.sessions.put(session)
        except (UnsafeFileError, OSError) as error:
            detail = error if isinstance(error, UnsafeFileError) else (error.strerror or error)
            work.warnings.append(f"The session of role '{session.role_name}' was not cached: {detail}")

    def start_mfa_session(self, role: Role, mfa_code: str) -> None:
        """Get and cache the MFA session `role` (or its chain's root) needs, with the user's code."""
        self._new_mfa_session(self.mfa_root(role), mfa_code)

    def _new_mfa_session(self, role: Role, mfa_code: str | None) -> Credentials:
        assert role.mfa_serial is not None
        if mfa_code is None:
            raise NeedsMfa(
                f"Role '{role.name}' needs an MFA code for {role.mfa_serial} and no MFA session is cached; "
                f"run 'stsui assume {role.name}' in a terminal or pass --mfa-code."
            )
        credentials = self.gateway.get_session_token(
            source_profile=role.source_profile,
            region=role.region,
            serial=role.mfa_serial,
            code=mfa_code,
            duration=role.mfa_session_duration,
        )
        self.mfa.put(role.source_profile, role.mfa_serial, credentials)
        return credentials

    # -- profiles -----------------------------------------------------------------------------------------

    def check_profile(self, role: Role, profile: str, *, force: bool = False) -> None:
        """Refuse early (before any STS call) a profile name that would break the file, or a profile stsui
        did not write for this role."""
        refusal = name_refusal(self.store.path, profile)
        if refusal:
            raise UsageError(refusal)
        entry = self.store.entry(profile)
        if entry is None or force:
            return
        refusal = owner_refusal(self.store.path, profile, entry.owner_role, role.name, overwrite=True)
        if refusal:
            raise CredentialsFileError(refusal)

    def assume(
        self,
        role: Role,
        *,
        mfa_code: str | None = None,
        duration: int | None = None,
        profile: str | None = None,
        force: bool = False,
        fresh: bool = False,
    ) -> Assumed:
        """Obtain a session for `role` and write it to its profile. Raises StsuiError."""
        target = role.profile if profile is None else profile
        self.check_profile(role, target, force=force)
        obtained = self.obtain(role, mfa_code=mfa_code, duration=duration, fresh=fresh)
        self.store.write_session(target, obtained.session, force=force)
        return Assumed(role, obtained.session, obtained.reused, obtained.warnings, profile=target)

    def due(self) -> list[Role]:
        """Roles whose profile stsui wrote and whose session is inside its renewal window or expired."""
        entries, now = self.entries(), self.clock()
        return [
            role
            for role in self.config.roles.values()
            if status_of(role, entries.get(role.profile), now) in (Status.DUE, Status.EXPIRED)
        ]

    def refresh(self, roles: Iterable[Role] | None = None) -> list[Renewal]:
        """Renew `roles` whatever their time (or every due session when None); never asks for MFA."""
        targets = self.due() if roles is None else list(roles)
        outcomes: list[Renewal] = []
        for role in targets:
            if self.needs_mfa_code(role, fresh=True):
                root = self.mfa_root(role)
                error = NeedsMfa(
                    f"Skipped role '{role.name}': its MFA session for {root.mfa_serial} has expired; "
                    f"run 'stsui assume {role.name}' to enter a new code."
                )
                outcomes.append(Failed(role, error))
                continue
            try:
                outcomes.append(self.assume(role, fresh=True))
            except StsuiError as error:
                outcomes.append(Failed(role, error))
        return outcomes

    def forget(self, role: Role) -> bool:
        """Remove the profile stsui wrote for `role` and its cached session; True if a profile was removed."""
        removed = self.store.remove(role.profile, role.name)  # refuses (raising) before anything is deleted
        self.sessions.delete(role.name)
        return removed

    def forget_mfa(self) -> int:
        """Drop every cached MFA session; returns how many were dropped."""
        return self.mfa.clear()

    # -- identities ---------------------------------------------------------------------------------------

    def base_identity(self, profile: str | None = None) -> Identity:
        """Who the user is before assuming anything: the source profile, else the standard chain."""
        return self.gateway.caller_identity(
            profile=profile or self.config.source_profile, region=self.config.region
        )

    def session_identity(self, session: Session) -> Identity:
        """GetCallerIdentity with a role session's own credentials."""
        return self.gateway.caller_identity(credentials=session.credentials, region=session.region)
