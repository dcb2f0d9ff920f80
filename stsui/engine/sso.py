"""IAM Identity Center: logging in (the OIDC device flow), keeping the login fresh, discovering roles.

The login lives in the AWS CLI's token cache (shared with it and every SDK); discovery's result lives in
stsui's cache and becomes roles beside the configured ones (`with_discovered`). Nothing here opens a browser
by itself: a login starts only when the user asks (`SsoLogins.login`); elsewhere a missing login is
`NeedsLogin`, which the CLI and the TUI show as "needs login".
"""

from __future__ import annotations

import contextlib
import functools
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
    ACCOUNT_ID,
    ACCOUNT_ID_RULE,
    EXPIRED,
    PENDING,
    PERMISSION_SET_RULE,
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
    untrusted_sign_in_page,
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
ENDLESS_PAGES = "EndlessPages"
"""The error code of a listing stopped because the portal kept paging."""

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
        """The device authorization flow: show the user code, open the verification page (only a page of
        AWS: else `show` gets it `untrusted`, to print), poll until the user approves (slowing down when
        asked), give up when the code expires or `cancelled()` says so (the TUI's modal closed). Raises
        StsuiError."""
        client = self._registration(instance)
        device = self.gateway.start_device_authorization(
            region=instance.region, client=client, start_url=instance.start_url
        )
        device = replace(device, untrusted=untrusted_sign_in_page(instance, device))
        show(device)
        if device.untrusted is None:
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
    """What one sync found: every (account, role), the accounts whose roles could not be listed, and how
    many entries of the portal's answers were dropped as unusable (`DiscoveredRole.problem`)."""

    roles: list[DiscoveredRole]
    failed_accounts: frozenset[str]
    dropped: int = 0

    def dropped_note(self, instance: SsoInstance) -> str | None:
        """The sentence that says what was dropped, once per sync; None when nothing was."""
        if not self.dropped:
            return None
        what = "account or role" if self.dropped == 1 else "accounts or roles"
        return (
            f"IAM Identity Center '{instance.name}' answered {self.dropped} {what} that stsui does not use: "
            f"each needs {ACCOUNT_ID_RULE} and {PERMISSION_SET_RULE}."
        )


MAX_PAGES = 1_000
"""Pages one listing (the accounts, or one account's roles) may take. At the 100 a page stsui asks for that
is 100,000 accounts, or 10,000 if the portal hands out 10 a page: beyond any organization's accounts
or any instance's permission sets. A portal still paging after that is looping, and is stopped."""

Page = tuple[list[T], str | None]


class Discoverer:
    """ListAccounts then ListAccountRoles for every account, in parallel under `rate` requests/s; a
    throttled page is retried with backoff, never failing the whole discovery. A listing that repeats a
    page token or runs past `max_pages` is stopped with a sentence."""

    def __init__(
        self,
        logins: SsoLogins,
        *,
        rate: float = PORTAL_RATE,
        workers: int = WORKERS,
        sleep: Callable[[float], None] = time.sleep,
        max_pages: int = MAX_PAGES,
    ) -> None:
        self.logins = logins
        self.rate = rate
        self.workers = workers
        self.sleep = sleep
        self.max_pages = max_pages

    def discover(
        self, instance: SsoInstance, progress: Callable[[int, int], None] | None = None
    ) -> Discovery:
        gateway = self.logins.gateway
        token = self.logins.access_token(instance)
        limit = RateLimit(self.rate, sleep=self.sleep)
        region = instance.region

        def account_page(after: str | None) -> Page[tuple[str, str]]:
            return gateway.list_accounts(region=region, access_token=token, next_token=after)

        listed = self._listing(instance, limit, "ListAccounts", account_page)
        accounts = [(account_id, name) for account_id, name in listed if ACCOUNT_ID.fullmatch(account_id)]
        dropped = len(listed) - len(accounts)

        done = 0
        done_lock = threading.Lock()

        def roles_of(account: tuple[str, str]) -> list[DiscoveredRole] | None:
            nonlocal done
            account_id, account_name = account

            def role_page(after: str | None) -> Page[str]:
                return gateway.list_account_roles(
                    region=region, access_token=token, account_id=account_id, next_token=after
                )

            try:
                names = self._listing(
                    instance, limit, f"ListAccountRoles for account {account_id}", role_page
                )
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
                    continue
                usable = [role for role in roles if role.problem() is None]
                dropped += len(roles) - len(usable)
                found.extend(usable)
        return Discovery(found, frozenset(failed), dropped)

    def _listing(
        self,
        instance: SsoInstance,
        limit: RateLimit,
        action: str,
        page: Callable[[str | None], Page[T]],
    ) -> list[T]:
        """Every item of a paged listing, following its page tokens; StsError when the portal repeats a
        token or is still paging after `max_pages`."""
        items: list[T] = []
        seen: set[str] = set()
        after: str | None = None
        for _ in range(self.max_pages):
            rows, after = self._paced(instance, limit, functools.partial(page, after))
            items.extend(rows)
            if not after:
                return items
            if after in seen:
                raise StsError(
                    f"{action} at IAM Identity Center '{instance.name}' answered the same page token twice; "
                    "stopped (the portal or a proxy in between is looping), the roles found before are kept.",
                    ENDLESS_PAGES,
                )
            seen.add(after)
        raise StsError(
            f"{action} at IAM Identity Center '{instance.name}' was still paging after {self.max_pages:,} "
            "pages; stopped (the portal or a proxy in between is looping), the roles found before are kept.",
            ENDLESS_PAGES,
        )

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

    def key(role: DiscoveredRole) -> tuple[str, str]:
        return role.account_id, role.role_name

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
    progress: Callable[[int, int], None] | None = None,
) -> tuple[list[DiscoveredRole], Discovery]:
    """Discover and cache the instance's roles (stamped on the logins' clock); returns the merged list and
    what this discovery found."""
    found = discoverer.discover(instance, progress)
    old, _synced = cache.get(instance.name, instance.start_url)
    roles = merge(old, found)
    cache.put(instance.name, instance.start_url, roles, discoverer.logins.clock())
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
                name = discovered.profile_name(instance.profile_template, with_account=True)
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
    group = f"{instance.name}/{discovered.account_name}"
    return Role(
        name=name,
        role_arn=discovered.role_arn,
        profile=name,
        region=config.region or instance.region,
        **{key: value for key, value in renewal.items() if value is not None},
        description=f"{discovered.role_name} in {discovered.account_name} (IAM Identity Center)",
        group=group,
        console_open=config.console_open,
        sso=discovered,
        **config.group_settings(group),
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
