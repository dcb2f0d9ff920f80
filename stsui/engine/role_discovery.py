"""Discovering the roles of an IAM Identity Center instance: every account's roles listed in parallel under
the portal's rate, throttled pages retried, and a sync merged with what was found before (what disappeared
is marked gone) and cached."""

from __future__ import annotations

import functools
import random
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import TypeVar

from stsui.domain.errors import NeedsLogin, StsError
from stsui.domain.sso import (
    ACCOUNT_ID,
    ACCOUNT_ID_RULE,
    PERMISSION_SET_RULE,
    PORTAL_RATE,
    THROTTLED,
    UNAUTHORIZED,
    DiscoveredRole,
    SsoInstance,
)
from stsui.engine.sso_logins import SsoLogins, login_hint
from stsui.store.sso_cache import DiscoveryCache

WORKERS = 8
THROTTLE_ATTEMPTS = 10
BACKOFF_CAP = 8.0
ENDLESS_PAGES = "EndlessPages"
"""The error code of a listing stopped because the portal kept paging."""

T = TypeVar("T")


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
