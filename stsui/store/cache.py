"""Private caches of temporary credentials: role sessions and MFA sessions.

One JSON file per entry under the user cache directory; the directory is 0700 and every file 0600.
Entries hold secrets, so nothing here is ever logged or printed.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

from stsui.domain.errors import UnsafeFileError
from stsui.domain.model import Credentials, Session
from stsui.domain.printable import printable
from stsui.domain.times import parse_expiry, parse_rfc3339, rfc3339
from stsui.store.atomic import exclusive, private_dir, read_regular, write_private

ENTRY_LIMIT = 64 * 1024
"""A cache entry is a few hundred bytes; anything much larger was not written by stsui."""


def _credentials_to_json(credentials: Credentials) -> dict[str, str]:
    return {
        "AccessKeyId": credentials.access_key_id,
        "SecretAccessKey": credentials.secret_access_key,
        "SessionToken": credentials.session_token,
        "Expiration": rfc3339(credentials.expiration),
    }


def _credentials_from_json(data: object) -> Credentials | None:
    if not isinstance(data, dict):
        return None
    expiration = parse_expiry(str(data.get("Expiration", "")))
    fields = [data.get(k) for k in ("AccessKeyId", "SecretAccessKey", "SessionToken")]
    if expiration is None or not all(isinstance(f, str) and f for f in fields):
        return None
    key, secret, token = (str(f) for f in fields)
    return Credentials(key, secret, token, expiration)


class _JsonDir:
    """A directory of small private JSON files, each read whole and replaced atomically."""

    def __init__(self, directory: Path, *, limit: int = ENTRY_LIMIT) -> None:
        self.directory = directory
        self.limit = limit

    def _path(self, key: str) -> Path:
        """The entry's file, always a plain file of this directory whatever the key was made from (the last
        line of defence); UnsafeFileError for a key that could name anything else: empty, '.' or '..' or
        any hidden name, or one with '/', '\\' or NUL. ('a..b' stays: 'a..b.json' is a file here like any.)"""
        if not key or key.startswith(".") or any(char in key for char in "/\\\0"):
            raise UnsafeFileError(
                f"Refused the cache entry name '{printable(key, 80)}' in {self.directory}: a name must not "
                "be empty, start with '.' or contain '/', '\\' or NUL; nothing was read or written."
            )
        return self.directory / f"{key}.json"

    def load(self, key: str) -> dict[str, object] | None:
        """The entry, or None when it is missing, unreadable, or not a regular file of this user's in a
        directory of this user's (a planted file or link is never used)."""
        try:
            if not self._trusted_directory():
                return None
            found = read_regular(self._path(key), private=True, limit=self.limit)
            data = None if found is None else json.loads(found[0])
        except (OSError, ValueError, UnsafeFileError):
            return None
        return data if isinstance(data, dict) else None

    def _trusted_directory(self) -> bool:
        for directory in (self.directory.parent, self.directory):
            info = os.lstat(directory)
            if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o022:
                return False
        return True

    def save(self, key: str, data: dict[str, object]) -> None:
        """Write the entry (0600); raises UnsafeFileError when the directory is not safely this user's."""
        path = self._path(key)
        private_dir(self.directory.parent)
        private_dir(self.directory)
        write_private(path, json.dumps(data, indent=1).encode())

    def delete(self, key: str) -> bool:
        try:
            self._path(key).unlink()
        except (FileNotFoundError, NotADirectoryError):
            return False
        return True

    def delete_all(self) -> int:
        return sum(self.delete(path.stem) for path in self.directory.glob("*.json"))


class SessionCache:
    """Role sessions stsui obtained, by role name, so `env` and `credential-process` can reuse them."""

    def __init__(self, directory: Path) -> None:
        self._files = _JsonDir(directory)

    @classmethod
    def under(cls, cache_root: Path) -> SessionCache:
        """The session cache in stsui's cache directory `cache_root`."""
        return cls(cache_root / "sessions")

    def get(self, role_name: str) -> Session | None:
        data = self._files.load(role_name)
        if data is None or data.get("Role") != role_name:
            return None
        credentials = _credentials_from_json(data)
        if credentials is None:
            return None
        region = data.get("Region")
        return Session(
            role_name, credentials, str(data.get("Arn", "")), region if isinstance(region, str) else None
        )

    def put(self, session: Session) -> None:
        data: dict[str, object] = {"Role": session.role_name, "Arn": session.assumed_role_arn}
        data.update(_credentials_to_json(session.credentials))
        if session.region:
            data["Region"] = session.region
        self._files.save(session.role_name, data)

    def delete(self, role_name: str) -> bool:
        return self._files.delete(role_name)


class MfaCache:
    """MFA sessions (GetSessionToken) by source profile and MFA device, so a code is asked once."""

    def __init__(self, directory: Path) -> None:
        self._files = _JsonDir(directory)

    @staticmethod
    def _key(source_profile: str | None, serial: str) -> str:
        import hashlib  # only MFA roles pay for it; credential-process with a valid session does not

        return hashlib.sha256(f"{source_profile or ''}\0{serial}".encode()).hexdigest()[:24]

    def get(self, source_profile: str | None, serial: str) -> Credentials | None:
        data = self._files.load(self._key(source_profile, serial))
        if data is None or data.get("MfaSerial") != serial:
            return None
        return _credentials_from_json(data)

    def put(self, source_profile: str | None, serial: str, credentials: Credentials) -> None:
        data: dict[str, object] = {"SourceProfile": source_profile, "MfaSerial": serial}
        data.update(_credentials_to_json(credentials))
        self._files.save(self._key(source_profile, serial), data)

    def clear(self) -> int:
        """Drop every cached MFA session; returns how many there were."""
        return self._files.delete_all()


class UsedCodes:
    """The TOTP step (unix time // 30) in which each MFA device's last code was used, by any stsui process,
    so no device is asked for two codes in one step (AWS takes each code once)."""

    def __init__(self, directory: Path) -> None:
        self._files = _JsonDir(directory / "steps")
        self._locks = directory

    @staticmethod
    def _key(serial: str) -> str:
        import hashlib

        return hashlib.sha256(serial.encode()).hexdigest()[:24]

    def last_step(self, serial: str) -> int | None:
        data = self._files.load(self._key(serial))
        step = None if data is None or data.get("MfaSerial") != serial else data.get("Step")
        return step if isinstance(step, int) and not isinstance(step, bool) else None

    def record(self, serial: str, step: int) -> None:
        """Remember that a code of `serial` was used in `step`; a cache that cannot be written is not fatal
        (the next code may then be refused by AWS, as without stsui)."""
        with contextlib.suppress(UnsafeFileError, OSError):
            self._files.save(self._key(serial), {"MfaSerial": serial, "Step": step})

    @contextlib.contextmanager
    def device(self, serial: str, *, timeout: float) -> Iterator[None]:
        """One MFA code at a time for `serial`, across stsui's processes (LockTimeout after `timeout`)."""
        with exclusive(self._locks / f"{self._key(serial)}.lock", timeout=timeout):
            yield


class Notified:
    """When the user was last notified about each role (desktop notifications), shared by every stsui
    process: at most one notification per role per interval."""

    def __init__(self, directory: Path) -> None:
        self._files = _JsonDir(directory)
        self._lock = directory / ".lock"

    def claim(self, role_name: str, now: datetime, every: timedelta) -> bool:
        """True, recording `now`, when role `role_name` was not notified in the last `every`; False
        otherwise, and when the record cannot be kept (no notification storm from a broken cache)."""
        try:
            with exclusive(self._lock, timeout=2.0):
                data = self._files.load(role_name)
                last = parse_rfc3339(str(data.get("At", ""))) if data else None
                if last is not None and timedelta() <= now - last < every:
                    return False
                self._files.save(role_name, {"Role": role_name, "At": rfc3339(now)})
        except (UnsafeFileError, OSError):
            return False
        return True
