"""The session engine: assume, reuse, renew and forget role sessions. Shared by the CLI and the TUI.

Sessions live in two places: the profile a role writes in the shared credentials file (what other tools read),
and a private cache (0600) of every session stsui obtained, so `env` and `credential-process` reuse a session
instead of calling STS again. MFA sessions are cached per source profile and device, so a code is asked once.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from stsui.domain.arns import assumed_by
from stsui.domain.durations import format_duration
from stsui.domain.errors import (
    CredentialsFileError,
    NeedsLogin,
    NeedsMfa,
    UnsafeFileError,
    UsageError,
)
from stsui.domain.limits import CHAINED_MAX_DURATION
from stsui.domain.model import (
    AccessKey,
    Config,
    Credentials,
    Identity,
    ProfileEntry,
    Role,
    Session,
    Status,
    reusable,
    status_of,
)
from stsui.domain.sts_calls import SessionTokenRequest
from stsui.domain.times import utc_now
from stsui.engine.mfa_codes import MfaCodes
from stsui.store.cache import MfaCache, SessionCache, UsedCodes
from stsui.store.credentials_file import CredentialsFile, name_refusal, owner_refusal
from stsui.store.os_keyring import OsKeyring
from stsui.store.recents import RecentsFile, recents_file

if TYPE_CHECKING:
    from stsui.engine.gateway import Gateway, KeySource
    from stsui.engine.sso_logins import SsoLogins

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
        keys: KeySource | None = None,
        recents: RecentsFile | None = None,
    ) -> None:
        self.config = config
        self.recents = recents if recents is not None else recents_file()
        """The pins and the history of roles taken (`took`), for the recent-first order."""
        self.keys: KeySource = keys if keys is not None else OsKeyring()
        """Long-term keys for `source_keys`: read when a role rooted in them needs STS, then kept."""
        self.sso = sso
        """IAM Identity Center logins, for the roles discovered there (`Role.sso`)."""
        self.store = store
        self._gateway_factory = gateway
        self._gateway: Gateway | None = None
        self.sessions = SessionCache.under(cache_dir)
        self.mfa = MfaCache(cache_dir / "mfa")
        self.codes = MfaCodes(UsedCodes(cache_dir / "codes"), clock=clock)
        """MFA codes from `mfa_process`, one per device and 30-second step."""
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
        """True when assuming `role` now would need an MFA code from the user: a new MFA session is needed
        (`mfa_session_needed`) and no `mfa_process` gives the code."""
        return self.mfa_session_needed(role, fresh=fresh) and self.mfa_root(role).mfa_process is None

    def code_from_process(self, role: Role, *, fresh: bool = False) -> bool:
        """True when assuming `role` now would run its chain's `mfa_process` for a new MFA session."""
        return self.mfa_session_needed(role, fresh=fresh) and self.mfa_root(role).mfa_process is not None

    def mfa_session_needed(self, role: Role, *, fresh: bool = False) -> bool:
        """True when assuming `role` now would need a new MFA session (no reusable session, no MFA session).

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
        credentials = self.mfa.get(role.base, role.mfa_serial)
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
        region: str | None = None,
    ) -> Obtained:
        """A session for `role`: a reusable one, or a new one from STS (cached). Raises StsuiError.

        Its region: `region` (checked first: `check_region`), else the region of the session it reuses or
        renews (one still live: a session that ended starts again in the role's region), else the role's. A
        reused session given another region keeps its keys: no STS call."""
        if region is not None:
            self.check_region(role, region)
        work = _Work()
        if not fresh and duration is None:
            reused = self._reusable(role)
            if reused is not None:
                if region is not None and reused.region != region:
                    reused = replace(reused, region=region)
                    self._cache(reused, work)
                elif self.sessions.get(role.name) != reused:  # found only in the profile: cache it, so
                    self._cache(reused, work)  # the next credential-process takes the fast path
                return Obtained(role, reused, reused=True, warnings=tuple(work.warnings))
        if region is None:  # a renewal keeps the region of the session it replaces, while that one lives
            current = self.session(role)
            if current is not None and current.credentials.seconds_left(self.clock()) > 0:
                region = current.region
        session = self._assume(role, mfa_code=mfa_code, duration=duration, work=work, region=region)
        return Obtained(role, session, warnings=tuple(work.warnings))

    def check_region(self, role: Role, region: str) -> str:
        """`region`, when it is a region of `role`'s partition (botocore's data, offline); UsageError naming
        the region and the partition otherwise, before any request."""
        from stsui.domain.arns import partition_of_arn
        from stsui.domain.regions import check_region

        return check_region(region, partition=partition_of_arn(role.role_arn), who=f"role '{role.name}'")

    def set_region(self, role: Role, region: str) -> Session | None:
        """Give `role`'s live session `region`: the same keys, written to its profile and the cache with
        the new region (no STS call). None when the role has no live session (nothing is written)."""
        self.check_region(role, region)
        session = self.session(role)
        if session is None or session.credentials.seconds_left(self.clock()) <= 0:
            return None
        moved = replace(session, region=region)
        self.check_profile(role, role.profile)
        self.store.write_session(role.profile, moved)
        self._cache(moved, _Work())
        return moved

    def _assume(
        self,
        role: Role,
        *,
        mfa_code: str | None,
        duration: int | None,
        work: _Work,
        region: str | None = None,
    ) -> Session:
        """A new session for `role` from STS, cached; in `region` when given (else the role's)."""
        if role.sso is not None:
            session = self._sso_session(role, duration)
            if region is not None:
                session = replace(session, region=region)
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
        session = self.gateway.assume_role(role, duration=wanted, source=source or self._base_keys(role))
        if region is not None:
            session = replace(session, region=region)
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

    def start_mfa_session(self, role: Role, mfa_code: str | None) -> None:
        """Get and cache the MFA session `role` (or its chain's root) needs, with the user's code (None: from
        the chain's `mfa_process`)."""
        self._new_mfa_session(self.mfa_root(role), mfa_code)

    def has_mfa_session(self, role: Role) -> bool:
        """Whether the root role `role` has a usable cached MFA session (no code needed for it)."""
        return role.mfa_serial is not None and self._mfa_session(role) is not None

    def mfa_credentials(self, role: Role, mfa_code: str | None = None) -> Credentials:
        """The MFA session of the root role `role`: the cached one, else a new one with `mfa_code` or a code
        from its `mfa_process` (NeedsMfa when neither gives one)."""
        return self._mfa_session(role) or self._new_mfa_session(role, mfa_code)

    def _new_mfa_session(self, role: Role, mfa_code: str | None) -> Credentials:
        """A new MFA session for the root role `role`: with `mfa_code`, else with a code from its
        `mfa_process` (one device at a time; a session another caller made meanwhile is taken instead)."""
        serial = role.mfa_serial
        assert serial is not None
        if mfa_code is not None:
            self.codes.sent(serial)
            return self._get_session_token(role, mfa_code)
        if role.mfa_process is None:
            raise NeedsMfa(
                f"Role '{role.name}' needs an MFA code for {serial} and no MFA session is cached; "
                f"run 'stsui assume {role.name}' in a terminal or pass --mfa-code."
            )
        with self.codes.device(serial):
            made = self._mfa_session(role)
            if made is not None:
                return made
            return self._get_session_token(
                role, self.codes.from_process(role.mfa_process, serial, f"role '{role.name}'")
            )

    def _get_session_token(self, role: Role, mfa_code: str) -> Credentials:
        assert role.mfa_serial is not None
        credentials = self.gateway.get_session_token(
            SessionTokenRequest(
                source_profile=role.source_profile,
                region=role.region,
                serial=role.mfa_serial,
                code=mfa_code,
                duration=role.mfa_session_duration,
                keys=self._base_keys(role),
            )
        )
        self.mfa.put(role.base, role.mfa_serial, credentials)
        return credentials

    def _base_keys(self, role: Role) -> AccessKey | None:
        """The keyring's keys a root role is assumed with (`source_keys`), else None (a profile)."""
        return None if role.source_keys is None else self.keys.key(role.source_keys)

    def took(self, roles: Iterable[Role]) -> str | None:
        """The user took `roles` (assume, `sts`, exec, console, env, the TUI's Enter, `u` and `o`; never a
        background caller): kept in the history for the recent-first order. A warning when it could not be
        kept, never an error."""
        names = [role.name for role in roles]
        return self.recents.update(lambda recents: recents.took(names, self.clock()))[1]

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
        region: str | None = None,
    ) -> Assumed:
        """Obtain a session for `role` (in `region`: `obtain`) and write it to its profile. Raises
        StsuiError."""
        target = role.profile if profile is None else profile
        if region is not None:
            self.check_region(role, region)
        self.check_profile(role, target, force=force)
        obtained = self.obtain(role, mfa_code=mfa_code, duration=duration, fresh=fresh, region=region)
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
        """Who the user is before assuming anything: `profile`, else `[defaults]`' keyring keys or source
        profile, else the standard chain."""
        config = self.config
        if profile is None and config.source_keys is not None:
            keys = self.keys.key(config.source_keys)
            return self.gateway.caller_identity(credentials=keys, region=config.region)
        return self.gateway.caller_identity(profile=profile or config.source_profile, region=config.region)

    def base_keys(self) -> AccessKey | None:
        """`[defaults]`' keyring keys, when the base identity is those."""
        source = self.config.source_keys
        return None if source is None else self.keys.key(source)

    def has_long_term_keys(self, role: Role | None = None) -> bool:
        """Whether the base identity of `role`'s chain (None: `[defaults]`') is an IAM user's long-term keys:
        keyring keys always are; a profile's are asked of the gateway (SSO, role profiles are not)."""
        root = self.mfa_root(role) if role is not None else None
        keys = self.config.source_keys if root is None else root.source_keys
        if keys is not None:
            return True
        return self.gateway.has_long_term_keys(
            self.config.source_profile if root is None else root.source_profile
        )

    def session_identity(self, session: Session) -> Identity:
        """GetCallerIdentity with a role session's own credentials."""
        return self.gateway.caller_identity(credentials=session.credentials, region=session.region)
