"""IAM Identity Center logins: the OIDC device flow, keeping the login fresh, logging out, and a role's
credentials through the login.

The login lives in the AWS CLI's token cache (shared with it and every SDK). Nothing here opens a browser
by itself: a login starts only when the user asks (`SsoLogins.login`); elsewhere a missing login is
`NeedsLogin`, which the CLI and the TUI show as "needs login". Discovering roles is
`stsui.engine.role_discovery`, turning them into roles `stsui.engine.discovered_roles`.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from stsui.domain.errors import NeedsLogin, StsError
from stsui.domain.model import Credentials
from stsui.domain.sso import (
    EXPIRED,
    PENDING,
    SLOW_DOWN,
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
from stsui.store.sso_cache import SsoTokenCache

if TYPE_CHECKING:
    from stsui.engine.gateway import SsoGateway

REFRESH_WINDOW = 15 * 60
"""A login with less than this left is refreshed first (botocore's own window)."""
SLOW_DOWN_STEP = 5
"""Seconds added to the polling interval at each SlowDownException (RFC 8628)."""
MIN_INTERVAL = 1
REGISTRATION_MARGIN = timedelta(days=1)
"""A client registration with less than this left is replaced at the next login."""


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
        assert token.refresh_token  # refreshable(): the callers asked
        assert token.client_id and token.client_secret and token.registration_expires_at
        client = ClientRegistration(token.client_id, token.client_secret, token.registration_expires_at)
        grant = self.gateway.renew_token(
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
