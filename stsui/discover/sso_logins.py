"""IAM Identity Center logins (`~/.aws/sso/cache/*.json` with a start URL): when each login expires.
Only `startUrl` and `expiresAt` are looked at; the tokens in those files are never used or shown."""

from __future__ import annotations

from pathlib import Path

from stsui.discover.aws_config import AwsConfig, login_cache_key
from stsui.discover.found import Found, Source
from stsui.discover.reading import from_json_files
from stsui.domain.printable import printable
from stsui.domain.times import parse_expiry


def from_sso_cache(directory: Path, config: AwsConfig) -> list[Found]:
    names = {login_cache_key(name): name for name in config.sso_sessions}
    return from_json_files(directory, Source.SSO_LOGIN, lambda path, data: _login(path, data, names))


def _login(path: Path, data: dict[str, object], names: dict[str, str]) -> Found | None:
    url = data.get("startUrl")
    if not isinstance(url, str) or not url:
        return None  # not a login (botocore keeps client registrations here too)
    url = printable(url)
    expiry = data.get("expiresAt")
    expires_at = parse_expiry(expiry) if isinstance(expiry, str) else None
    session = names.get(path.stem)
    note = url if session else ""
    return Found(Source.SSO_LOGIN, session or url, expires_at=expires_at, note=note, path=path)
