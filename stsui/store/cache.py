"""Private caches of temporary credentials: role sessions and MFA sessions.

One JSON file per entry under the user cache directory; the directory is 0700 and every file 0600.
Entries hold secrets, so nothing here is ever logged or printed. Reading a session needs only the standard
library (`SessionCache.entry`: the credential-process fast path); `get` wraps the same values in a `Session`.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat

from stsui.domain.errors import UnsafeFileError
from stsui.domain.times import parse_expiry, parse_rfc3339, rfc3339
from stsui.store.atomic import exclusive, private_dir, read_regular, write_private

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from datetime import datetime, timedelta
    from pathlib import Path

    from stsui.domain.model import Credentials, Session

ENTRY_LIMIT = 64 * 1024
"""A cache entry is a few hundred bytes; anything much larger was not written by stsui."""


def _credentials_to_json(credentials: Credentials) -> dict[str, str]:
    return {
        "AccessKeyId": credentials.access_key_id,
        "SecretAccessKey": credentials.secret_access_key,
        "SessionToken": credentials.session_token,
        "Expiration": rfc3339(credentials.expiration),
    }


Keys = tuple[str, str, str, "datetime"]
"""Access key id, secret access key, session token and expiration."""


def _keys_from_json(data: object) -> Keys | None:
    """The keys of a cache entry, or None when they are missing or malformed."""
    if not isinstance(data, dict):
        return None
    expiration = parse_expiry(str(data.get("Expiration", "")))
    fields = [data.get(k) for k in ("AccessKeyId", "SecretAccessKey", "SessionToken")]
    if expiration is None or not all(isinstance(f, str) and f for f in fields):
        return None
    key, secret, token = (str(f) for f in fields)
    return key, secret, token, expiration


def _credentials_from_json(data: object) -> Credentials | None:
    from stsui.domain.model import Credentials

    keys = _keys_from_json(data)
    return None if keys is None else Credentials(*keys)


class _JsonDir:
    """A directory of small private JSON files, each read whole and replaced atomically. `directory` may be
    text (the fast path, without pathlib) or a `Path`."""

    def __init__(self, directory: str | Path, *, limit: int = ENTRY_LIMIT) -> None:
        self.directory = directory
        self.limit = limit

    def _path(self, key: str) -> Path:
        from pathlib import Path

        return Path(self.file(key))

    def file(self, key: str) -> str:
        """Where entry `key` is kept: always a plain file of this directory whatever the key was made from
        (the last line of defence); UnsafeFileError for a key that could name anything else: empty, '.' or
        '..' or any hidden name, or one with '/', '\\' or NUL. ('a..b' stays: 'a..b.json' is a file here like
        any.)"""
        if not key or key.startswith(".") or any(char in key for char in "/\\\0"):
            from stsui.domain.printable import printable

            raise UnsafeFileError(
                f"Refused the cache entry name '{printable(key, 80)}' in {self.directory}: a name must not "
                "be empty, start with '.' or contain '/', '\\' or NUL; nothing was read or written."
            )
        return os.path.join(self.directory, f"{key}.json")

    def load(self, key: str) -> dict[str, object] | None:
        """The entry, or None when it is missing, unreadable, or not a regular file of this user's in a
        directory of this user's (a planted file or link is never used)."""
        try:
            if not self._trusted_directory():
                return None
            found = read_regular(self.file(key), private=True, limit=self.limit)
            data = None if found is None else json.loads(found[0])
        except (OSError, ValueError, UnsafeFileError):
            return None
        return data if isinstance(data, dict) else None

    def _trusted_directory(self) -> bool:
        for directory in (os.path.dirname(self.directory), self.directory):
            info = os.lstat(directory)
            if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o022:
                return False
        return True

    def save(self, key: str, data: dict[str, object]) -> None:
        """Write the entry (0600); raises UnsafeFileError when the directory is not safely this user's."""
        from pathlib import Path

        path = self._path(key)
        directory = Path(self.directory)
        private_dir(directory.parent)
        private_dir(directory)
        write_private(path, json.dumps(data, indent=1).encode())

    def delete(self, key: str) -> bool:
        path = self.file(key)
        try:
            os.unlink(path)
        except (FileNotFoundError, NotADirectoryError):
            return False
        return True

    def delete_all(self) -> int:
        from pathlib import Path

        return sum(self.delete(path.stem) for path in Path(self.directory).glob("*.json"))


class SessionEntry:
    """A cached session's values, read without building a `Session` (the credential-process fast path)."""

    __slots__ = ("assumed_role_arn", "keys", "region")

    def __init__(self, keys: Keys, assumed_role_arn: str, region: str | None) -> None:
        self.keys = keys
        self.assumed_role_arn = assumed_role_arn
        self.region = region

    @property
    def expiration(self) -> datetime:
        return self.keys[3]


class SessionCache:
    """Role sessions stsui obtained, by role name, so `env` and `credential-process` can reuse them."""

    def __init__(self, directory: str | Path) -> None:
        self._files = _JsonDir(directory)

    @classmethod
    def under(cls, cache_root: str | Path) -> SessionCache:
        """The session cache in stsui's cache directory `cache_root`."""
        return cls(os.path.join(cache_root, "sessions"))

    def entry(self, role_name: str) -> SessionEntry | None:
        """The cached session of `role_name`, as values; None when there is none usable."""
        data = self._files.load(role_name)
        if data is None or data.get("Role") != role_name:
            return None
        keys = _keys_from_json(data)
        if keys is None:
            return None
        region = data.get("Region")
        return SessionEntry(keys, str(data.get("Arn", "")), region if isinstance(region, str) else None)

    def get(self, role_name: str) -> Session | None:
        """`entry` as a `Session`."""
        from stsui.domain.model import Credentials, Session

        found = self.entry(role_name)
        if found is None:
            return None
        return Session(role_name, Credentials(*found.keys), found.assumed_role_arn, found.region)

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
        from datetime import timedelta

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
