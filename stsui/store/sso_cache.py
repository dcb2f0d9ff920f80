"""IAM Identity Center files: the login token, in the AWS CLI's own cache, and the roles stsui discovered.

The token cache is shared with the AWS CLI and every SDK: `~/.aws/sso/cache/<sha1(sso-session name)>.json`
with exactly the keys botocore reads and writes, so a login by `aws sso login --sso-session NAME` is used by
stsui and a login by stsui is used by every profile that says `sso_session = NAME`. Keys stsui does not
know (another tool's) are kept when it rewrites the file. The discovered roles are stsui's own cache.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

from stsui.domain.sso import DiscoveredRole, SsoToken
from stsui.domain.times import parse_expiry, parse_rfc3339, rfc3339
from stsui.store.cache import _JsonDir

TOKEN_LIMIT = 256 * 1024
"""A token file is a few kilobytes; anything much larger is not one."""
DISCOVERY_LIMIT = 64 * 1024 * 1024
"""About 100 bytes a role: room for half a million (account, role) pairs."""


def token_key(session_name: str) -> str:
    """botocore's cache key: the SHA-1 of the sso-session name (not a secret)."""
    return hashlib.sha1(session_name.encode("utf-8"), usedforsecurity=False).hexdigest()


def token_file_name(session_name: str) -> str:
    """The file botocore looks for."""
    return token_key(session_name) + ".json"


def _expiry(data: dict[str, object], key: str) -> datetime | None:
    """An expiry of the token cache, written by botocore, the AWS CLI or stsui; None when unreadable."""
    value = data.get(key)
    return parse_expiry(value) if isinstance(value, str) else None


def _text(data: dict[str, object], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) and value else None


class SsoTokenCache:
    """Logins in the AWS CLI's token cache directory, by sso-session name."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._files = _JsonDir(directory, limit=TOKEN_LIMIT)

    def path(self, session_name: str) -> Path:
        return self.directory / token_file_name(session_name)

    def _load(self, session_name: str) -> dict[str, object]:
        return self._files.load(token_key(session_name)) or {}

    def get(self, session_name: str) -> SsoToken | None:
        """The cached login, or None when there is none usable (missing, unreadable, another user's)."""
        data = self._load(session_name)
        access_token, expires_at = _text(data, "accessToken"), _expiry(data, "expiresAt")
        start_url, region = _text(data, "startUrl"), _text(data, "region")
        if access_token is None or expires_at is None or start_url is None or region is None:
            return None
        return SsoToken(
            start_url=start_url,
            region=region,
            access_token=access_token,
            expires_at=expires_at,
            client_id=_text(data, "clientId"),
            client_secret=_text(data, "clientSecret"),
            registration_expires_at=_expiry(data, "registrationExpiresAt"),
            refresh_token=_text(data, "refreshToken"),
        )

    def put(self, session_name: str, token: SsoToken) -> None:
        """Write the login (0600, atomic), keeping keys another tool added."""
        data = self._load(session_name)
        data.update(
            {
                "startUrl": token.start_url,
                "region": token.region,
                "accessToken": token.access_token,
                "expiresAt": rfc3339(token.expires_at),
            }
        )
        optional = {
            "clientId": token.client_id,
            "clientSecret": token.client_secret,
            "registrationExpiresAt": rfc3339(token.registration_expires_at)
            if token.registration_expires_at
            else None,
            "refreshToken": token.refresh_token,
        }
        for key, value in optional.items():
            if value is None:
                data.pop(key, None)
            else:
                data[key] = value
        self._files.save(token_key(session_name), data)

    def delete(self, session_name: str) -> bool:
        return self._files.delete(token_key(session_name))


class DiscoveryCache:
    """The roles found at each instance's last sync, by instance name (0600, stsui's cache directory)."""

    def __init__(self, directory: Path) -> None:
        self._files = _JsonDir(directory, limit=DISCOVERY_LIMIT)

    def file(self, sso: str) -> str:
        """Where the roles of instance `sso` are kept (what the roles cache's key watches)."""
        return self._files.file(sso)

    def get(self, sso: str, start_url: str) -> tuple[list[DiscoveredRole], datetime | None]:
        """The roles of the last sync of `sso` at `start_url` (another start URL's are not its), and when."""
        data = self._files.load(sso)
        rows = data.get("roles") if data and data.get("startUrl") == start_url else None
        if not isinstance(rows, list):
            return [], None
        roles = []
        for row in rows:
            if not isinstance(row, dict):
                continue
            fields = [row.get(key) for key in ("accountId", "accountName", "roleName")]
            if all(isinstance(value, str) and value for value in fields):
                account_id, account_name, role_name = (str(value) for value in fields)
                role = DiscoveredRole(sso, account_id, account_name, role_name, row.get("gone") is True)
                if role.problem() is None:  # a cache written before the portal's answers were checked
                    roles.append(role)
        synced = data.get("syncedAt") if data else None
        return roles, parse_rfc3339(synced) if isinstance(synced, str) else None

    def put(self, sso: str, start_url: str, roles: list[DiscoveredRole], synced_at: datetime) -> None:
        rows: list[dict[str, object]] = [
            {
                "accountId": r.account_id,
                "accountName": r.account_name,
                "roleName": r.role_name,
                "gone": r.gone,
            }
            for r in roles
        ]
        self._files.save(sso, {"startUrl": start_url, "syncedAt": rfc3339(synced_at), "roles": rows})

    def delete(self, sso: str) -> bool:
        return self._files.delete(sso)
