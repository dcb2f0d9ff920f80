"""IAM Identity Center: logging in (the OIDC device flow), keeping the login fresh, discovering roles.

The login lives in the AWS CLI's token cache (shared with it and every SDK); discovery's result lives in
stsui's cache and becomes roles beside the configured ones (`with_discovered`). Nothing here opens a browser
by itself: a login starts only when the user asks (`SsoLogins.login`); elsewhere a missing login is
`NeedsLogin`, which the CLI and the TUI show as "needs login".
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from stsui.domain.errors import NeedsLogin, StsError
from stsui.domain.model import Config, Credentials, Role
from stsui.domain.roster import Roster
from stsui.domain.rules import profile_name_problem
from stsui.domain.sso import (
    EXPIRED,
    PENDING,
    PORTAL_RATE,
    SLOW_DOWN,
    THROTTLED,
    UNAUTHORIZED,
    ClientRegistration,
    DeviceAuthorization,
    DiscoveredRole,
    Grant,
    SsoInstance,
    SsoToken,
)
from stsui.domain.times import utc_now
from stsui.store.sso_cache import DiscoveryCache, SsoTokenCache

if TYPE_CHECKING:
    from stsui.engine.gateway import SsoGateway

REFRESH_WINDOW = 15 * 60
"""A login with less than this left is refreshed first (botocore's own window)."""
SLOW_DOWN_STEP = 5
"""Seconds added to the polling interval at each SlowDownException (RFC 8628)."""
MIN_INTERVAL = 1
REGISTRATION_MARGIN = timedelta(days=1)
"""A client registration with less than this left is replaced at the next login."""
WORKERS = 8
THROTTLE_ATTEMPTS = 10
BACKOFF_CAP = 8.0

T = TypeVar("T")


def login_hint(instance: SsoInstance) -> str:
    return f"run 'stsui sso login {instance.name}'"


class SsoLogins:
    """Logins by instance: reuse the cached one, refresh it with its refresh token, or run the device flow."""

    def __init__(
        self,
        tokens: SsoTokenCache,
        gateway: Callable[[], SsoGateway],
        *,
        clock: Callable[[], datetime] = utc_now,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.tokens = tokens
        self._gateway_factory = gateway
        self._gateway: SsoGateway | None = None
        self.clock = clock
        self.sleep = sleep
        self._lock = threading.Lock()

    @property
    def gateway(self) -> SsoGateway:
        if self._gateway is None:
            self._gateway = self._gateway_factory()
        return self._gateway

    def cached(self, instance: SsoInstance) -> SsoToken | None:
        """The login in the token cache for this instance's start URL (another URL's is not its)."""
        token = self.tokens.get(instance.name)
        return token if token is not None and token.start_url == instance.start_url else None

    def logged_in(self, instance: SsoInstance) -> bool:
        """Whether a session can be had without the user (a valid or refreshable login); no network."""
        token = self.cached(instance)
        now = self.clock()
        return token is not None and (token.valid(now) or token.refreshable(now))

    def access_token(self, instance: SsoInstance) -> str:
        """A valid access token, refreshed when close to expiry; NeedsLogin when only the user can help."""
        with self._lock:
            token = self.cached(instance)
            now = self.clock()
            if token is None:
                raise NeedsLogin(
                    f"IAM Identity Center '{instance.name}' needs a login; {login_hint(instance)}."
                )
            if token.valid(now, REFRESH_WINDOW):
                return token.access_token
            if token.refreshable(now):
                try:
                    return self._refresh(instance, token).access_token
                except StsError:
                    pass  # refused or unreachable: the old token may still do
            if token.valid(now):
                return token.access_token
            raise NeedsLogin(
                f"The login to IAM Identity Center '{instance.name}' has expired; {login_hint(instance)}."
            )

    def _refresh(self, instance: SsoInstance, token: SsoToken) -> SsoToken:
        assert token.client_id and token.client_secret and token.registration_expires_at
        client = ClientRegistration(token.client_id, token.client_secret, token.registration_expires_at)
        grant = self.gateway.create_token(
            region=instance.region, client=client, refresh_token=token.refresh_token
        )
        return self._store(instance, client, grant, fallback_refresh=token.refresh_token)

    def _store(
        self,
        instance: SsoInstance,
        client: ClientRegistration,
        grant: Grant,
        fallback_refresh: str | None = None,
    ) -> SsoToken:
        token = SsoToken(
            start_url=instance.start_url,
            region=instance.region,
            access_token=grant.access_token,
            expires_at=self.clock() + timedelta(seconds=grant.expires_in),
            client_id=client.client_id,
            client_secret=client.client_secret,
            registration_expires_at=client.expires_at,
            refresh_token=grant.refresh_token or fallback_refresh,
        )
        self.tokens.put(instance.name, token)
        return token

    def renew(self, instance: SsoInstance) -> SsoToken | None:
        """The cached login if it has more than the refresh window left, else a refreshed one; None when
        only a new login will do."""
        token = self.cached(instance)
        now = self.clock()
        if token is None:
            return None
        if token.valid(now, REFRESH_WINDOW):
            return token
        if token.refreshable(now):
            try:
                return self._refresh(instance, token)
            except StsError:
                return None
        return None

    def login(
        self,
        instance: SsoInstance,
        *,
        show: Callable[[DeviceAuthorization], None],
        open_browser: Callable[[str], object],
        cancelled: Callable[[], bool] = lambda: False,
    ) -> SsoToken:
        """The device authorization flow: show the user code, open the verification page, poll until the
        user approves (slowing down when asked), give up when the code expires or `cancelled()` says so
        (the TUI's modal closed). Raises StsuiError."""
        client = self._registration(instance)
        device = self.gateway.start_device_authorization(
            region=instance.region, client=client, start_url=instance.start_url
        )
        show(device)
        open_browser(device.verification_uri_complete)
        deadline = self.clock() + timedelta(seconds=device.expires_in)
        interval = max(MIN_INTERVAL, device.interval)
        while True:
            self.sleep(interval)
            if cancelled():
                raise NeedsLogin(f"The login to IAM Identity Center '{instance.name}' was cancelled.")
            if self.clock() >= deadline:
                raise self._expired(instance)
            try:
                grant = self.gateway.create_token(
                    region=instance.region, client=client, device_code=device.device_code
                )
            except StsError as error:
                if error.code == PENDING:
                    continue
                if error.code == SLOW_DOWN:
                    interval += SLOW_DOWN_STEP
                    continue
                if error.code == EXPIRED:
                    raise self._expired(instance) from None
                raise
            return self._store(instance, client, grant)

    @staticmethod
    def _expired(instance: SsoInstance) -> StsError:
        return StsError(
            f"The sign-in code for IAM Identity Center '{instance.name}' expired before it was approved; "
            f"{login_hint(instance)} again.",
            EXPIRED,
        )

    def _registration(self, instance: SsoInstance) -> ClientRegistration:
        """The client registration of the cached login when it has time left, else a new one."""
        token = self.cached(instance)
        if (
            token is not None
            and token.client_id
            and token.client_secret
            and token.registration_expires_at is not None
            and token.registration_expires_at - self.clock() > REGISTRATION_MARGIN
        ):
            return ClientRegistration(token.client_id, token.client_secret, token.registration_expires_at)
        return self.gateway.register_client(region=instance.region, scopes=instance.scopes)

    def logout(self, instance: SsoInstance) -> bool:
        """End the login at Identity Center (when it is still valid; a failure there does not stop the rest)
        and remove it from the token cache; True when there was one."""
        token = self.cached(instance)
        if token is not None and token.valid(self.clock()):
            with contextlib.suppress(StsError):  # unreachable or already invalid: the local copy goes anyway
                self.gateway.logout(region=instance.region, access_token=token.access_token)
        return self.tokens.delete(instance.name)

    def role_credentials(self, instance: SsoInstance, role: DiscoveredRole) -> Credentials:
        """GetRoleCredentials with the instance's login; NeedsLogin when the portal refuses the token."""
        access_token = self.access_token(instance)
        try:
            return self.gateway.role_credentials(
                region=instance.region,
                access_token=access_token,
                account_id=role.account_id,
                role_name=role.role_name,
            )
        except StsError as error:
            if error.code == UNAUTHORIZED:
                raise NeedsLogin(
                    f"IAM Identity Center '{instance.name}' refused the login; {login_hint(instance)}."
                ) from None
            raise


# -- discovery ---------------------------------------------------------------------------------------------


class RateLimit:
    """At most `rate` calls per second across threads, evenly spaced."""

    def __init__(
        self,
        rate: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._gap = 1.0 / rate
        self._clock = clock
        self._sleep = sleep
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = self._clock()
            slot = max(now, self._next)
            self._next = slot + self._gap
        if slot > now:
            self._sleep(slot - now)


@dataclass(frozen=True)
class Discovery:
    """What one sync found: every (account, role), and the accounts whose roles could not be listed."""

    roles: list[DiscoveredRole]
    failed_accounts: frozenset[str]


class Discoverer:
    """ListAccounts then ListAccountRoles for every account, in parallel under `rate` requests/s; a
    throttled page is retried with backoff, never failing the whole discovery."""

    def __init__(
        self,
        logins: SsoLogins,
        *,
        rate: float = PORTAL_RATE,
        workers: int = WORKERS,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.logins = logins
        self.rate = rate
        self.workers = workers
        self.sleep = sleep

    def discover(
        self, instance: SsoInstance, progress: Callable[[int, int], None] | None = None
    ) -> Discovery:
        gateway = self.logins.gateway
        token = self.logins.access_token(instance)
        limit = RateLimit(self.rate, sleep=self.sleep)
        region = instance.region

        accounts: list[tuple[str, str]] = []
        next_token: str | None = None
        while True:
            page, next_token = self._paced(
                instance,
                limit,
                lambda after=next_token: gateway.list_accounts(
                    region=region, access_token=token, next_token=after
                ),
            )
            accounts.extend(page)
            if not next_token:
                break

        done = 0
        done_lock = threading.Lock()

        def roles_of(account: tuple[str, str]) -> list[DiscoveredRole] | None:
            nonlocal done
            account_id, account_name = account
            names: list[str] = []
            after: str | None = None
            try:
                while True:
                    page, after = self._paced(
                        instance,
                        limit,
                        lambda after=after: gateway.list_account_roles(
                            region=region, access_token=token, account_id=account_id, next_token=after
                        ),
                    )
                    names.extend(page)
                    if not after:
                        break
            except NeedsLogin:
                raise
            except StsError:
                return None
            finally:
                with done_lock:
                    done += 1
                    if progress is not None:
                        progress(done, len(accounts))
            return [DiscoveredRole(instance.name, account_id, account_name, name) for name in names]

        found: list[DiscoveredRole] = []
        failed: set[str] = set()
        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="stsui-sso") as pool:
            for account, roles in zip(accounts, pool.map(roles_of, accounts), strict=True):
                if roles is None:
                    failed.add(account[0])
                else:
                    found.extend(roles)
        return Discovery(found, frozenset(failed))

    def _paced(self, instance: SsoInstance, limit: RateLimit, call: Callable[[], T]) -> T:
        """One portal call under the rate limit, retried with jittered backoff while throttled."""
        for attempt in range(THROTTLE_ATTEMPTS):
            limit.wait()
            try:
                return call()
            except StsError as error:
                if error.code == UNAUTHORIZED:
                    raise NeedsLogin(
                        f"IAM Identity Center '{instance.name}' refused the login; {login_hint(instance)}."
                    ) from None
                if error.code != THROTTLED or attempt == THROTTLE_ATTEMPTS - 1:
                    raise
                self.sleep(min(BACKOFF_CAP, 0.25 * 2**attempt) * (0.5 + random.random() / 2))
        raise AssertionError("unreachable")


def merge(old: Iterable[DiscoveredRole], found: Discovery) -> list[DiscoveredRole]:
    """The new list: what was found; what disappeared, marked gone (dropped when it was gone already);
    the old roles of accounts that could not be listed this time, as they were."""
    key = lambda r: (r.account_id, r.role_name)  # noqa: E731
    seen = {key(r) for r in found.roles}
    result = list(found.roles)
    for role in old:
        if key(role) in seen:
            continue
        if role.account_id in found.failed_accounts:
            result.append(role)
        elif not role.gone:
            result.append(replace(role, gone=True))
    return sorted(result, key=lambda r: (r.account_name.lower(), r.account_id, r.role_name.lower()))


def sync(
    instance: SsoInstance,
    discoverer: Discoverer,
    cache: DiscoveryCache,
    *,
    clock: Callable[[], datetime] = utc_now,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[list[DiscoveredRole], Discovery]:
    """Discover and cache the instance's roles; returns the merged list and what this discovery found."""
    found = discoverer.discover(instance, progress)
    old, _synced = cache.get(instance.name, instance.start_url)
    roles = merge(old, found)
    cache.put(instance.name, instance.start_url, roles, clock())
    return roles, found


def discovered_roles(
    instances: Mapping[str, SsoInstance], cache: DiscoveryCache, config: Config
) -> dict[str, Role]:
    """Roles for every cached discovered role, named by each instance's template; a name or profile that
    a configured role (or an earlier discovered one) already has gets the account id appended."""
    return {
        name: _discovered_role(name, instance, discovered, config)
        for name, instance, discovered in _named(instances, cache, config)
    }


def _named(
    instances: Mapping[str, SsoInstance], cache: DiscoveryCache, config: Config
) -> Iterator[tuple[str, SsoInstance, DiscoveredRole]]:
    """Each cached discovered role with its name, in order: the one naming rule."""
    taken_names = {name.lower() for name in config.roles}
    taken_profiles = set(Roster.of(config.roles).profiles)  # without decoding every configured role
    for instance in instances.values():
        found, _synced = cache.get(instance.name, instance.start_url)
        for discovered in found:
            name = discovered.profile_name(instance.profile_template)
            if name.lower() in taken_names or name in taken_profiles:
                name = f"{name}.{discovered.account_id}"
            if name.lower() in taken_names or name in taken_profiles or profile_name_problem(name):
                continue
            taken_names.add(name.lower())
            taken_profiles.add(name)
            yield name, instance, discovered


def _discovered_role(name: str, instance: SsoInstance, discovered: DiscoveredRole, config: Config) -> Role:
    renewal: dict[str, Any] = {
        "refresh_before": instance.refresh_before,
        "auto_refresh": instance.auto_refresh,
    }
    return Role(
        name=name,
        role_arn=discovered.role_arn,
        profile=name,
        region=config.region or instance.region,
        **{key: value for key, value in renewal.items() if value is not None},
        description=f"{discovered.role_name} in {discovered.account_name} (IAM Identity Center)",
        group=f"{instance.name}/{discovered.account_name}",
        sso=discovered,
    )


def configured_roles(config: Config) -> dict[str, Role]:
    """The roles the roles file itself names, without those discovered through IAM Identity Center."""
    return {name: role for name, role in config.roles.items() if role.sso is None or role.sso.configured}


def with_discovered(config: Config, cache: DiscoveryCache) -> Config:
    """The config with the discovered roles (as cached now) after the configured ones, in place of any
    discovered before."""
    if not config.sso:
        return config
    config = replace(config, roles=configured_roles(config))
    return replace(config, roles={**config.roles, **discovered_roles(config.sso, cache, config)})


def default_discovery_cache() -> DiscoveryCache:
    """Where discovered roles are cached: `$XDG_CACHE_HOME/stsui/sso/NAME.json`."""
    from stsui.domain.paths import cache_dir

    return DiscoveryCache(cache_dir() / "sso")
