"""Long-term keys in the OS keyring (Secret Service on Linux, Keychain on macOS, Credential Locker on
Windows), through the `keyring` library, imported here only and only when a key is read or written.

Each key is one entry of the service `stsui`, named after the key (`stsui keys add NAME`), so users find it in
Seahorse or Keychain Access; its secret is a JSON object with the key, the IAM user's ARN and when it was
added. One more entry, `:index` (no key name has a colon), lists the keys' records without their secrets, so
`stsui keys list` reads one entry, not one per key.

The keyring is read once per process: an entry read is kept in memory while the process runs (the TUI and
the agent run for hours: one unlock prompt, never one per call). Every failure is a `KeyringError` sentence
(exit 2); stsui never falls back to a file.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from stsui.domain.access_keys import KeyInfo, StoredKey
from stsui.domain.errors import KeyringError
from stsui.domain.model import AccessKey
from stsui.domain.printable import printable
from stsui.domain.times import parse_rfc3339, rfc3339

SERVICE = "stsui"
INDEX = ":index"
"""The entry that lists every key's record (a name no key can have)."""
FORMAT = 1
T = TypeVar("T")

NO_BACKEND = (
    "No usable OS keyring{detail}: stsui keeps long-term keys only there, never in a file. On Linux, run a "
    "Secret Service in your session (GNOME Keyring or KeePassXC; a server needs the gnome-keyring and dbus "
    "packages and DBUS_SESSION_BUS_ADDRESS), on macOS the login Keychain is used; or set "
    "PYTHON_KEYRING_BACKEND to the keyring backend to use."
)
PLAINTEXT_BACKENDS = ("keyrings.alt", "keyring.backends.null", "keyring.backends.fail")
"""Backends that store nothing or store secrets in a plain file: refused, whatever their priority."""


def _record(info: KeyInfo) -> dict[str, object]:
    record: dict[str, object] = {
        "access_key_id": info.access_key_id,
        "user_arn": info.user_arn,
        "added_at": rfc3339(info.added_at),
    }
    if info.old_key_id:
        record["old_key_id"] = info.old_key_id
    return record


def _info(name: str, data: Any) -> KeyInfo | None:
    if not isinstance(data, dict):
        return None
    key_id, arn, added = data.get("access_key_id"), data.get("user_arn"), data.get("added_at")
    old = data.get("old_key_id")
    when = parse_rfc3339(added) if isinstance(added, str) else None
    if not isinstance(key_id, str) or not key_id or not isinstance(arn, str) or when is None:
        return None
    if old is not None and not isinstance(old, str):
        return None
    return KeyInfo(name, key_id, arn, when, old or None)


def encode_entry(stored: StoredKey) -> str:
    """The secret stsui keeps in the entry of `stored.info.name`."""
    data = {"stsui": FORMAT, **_record(stored.info), "secret_access_key": stored.secret_access_key}
    return json.dumps(data, separators=(",", ":"))


def decode_entry(name: str, text: str) -> StoredKey | None:
    """The key in entry `name`'s secret `text`, or None when it is not an entry stsui wrote."""
    try:
        data = json.loads(text)
    except ValueError:
        return None
    info = _info(name, data)
    secret = data.get("secret_access_key") if isinstance(data, dict) else None
    if info is None or data.get("stsui") != FORMAT or not isinstance(secret, str) or not secret:
        return None
    return StoredKey(info, secret)


class OsKeyring:
    """The keys in the OS keyring, by name; thread-safe. What one process read, it keeps."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._read: dict[str, StoredKey] = {}
        self._backend: Any = None

    # -- the backend -----------------------------------------------------------------------------------

    def backend(self) -> Any:
        """The keyring backend in use, checked once: a usable one that keeps secrets outside any file."""
        with self._lock:
            if self._backend is None:
                self._backend = _usable_backend()
            return self._backend

    def backend_name(self) -> str:
        """The backend's name for messages ("Secret Service Keyring", "macOS Keyring")."""
        backend = self.backend()
        return str(getattr(backend, "name", None) or type(backend).__name__)

    def _call(self, what: str, call: Callable[[Any], T]) -> T:
        backend = self.backend()
        import keyring.errors

        try:
            return call(backend)
        except keyring.errors.KeyringLocked:
            raise KeyringError(
                f"The OS keyring is locked and could not be unlocked here, so {what} failed; unlock it "
                "(log in to your desktop session, or unlock the login keyring in Seahorse or Keychain "
                "Access), then try again."
            ) from None
        except keyring.errors.NoKeyringError:
            raise KeyringError(NO_BACKEND.format(detail="")) from None
        except Exception as error:  # backends raise their own (D-Bus, Keychain, Windows) errors
            detail = printable(str(error), 200).rstrip(".") or type(error).__name__
            raise KeyringError(
                f"The OS keyring ({self.backend_name()}) failed, so {what} failed: {detail}; check that it "
                "is running and unlocked, then try again."
            ) from None

    # -- reading ---------------------------------------------------------------------------------------

    def get(self, name: str) -> StoredKey:
        """The key `name`, from memory once this process read it."""
        stored = self.find(name)
        if stored is None:
            raise KeyringError(
                f"No key named '{name}' in the OS keyring (service '{SERVICE}'); add it with "
                f"'stsui keys add {name}', or fix source_keys in the roles file ('stsui keys list' shows "
                "the keys there)."
            )
        return stored

    def key(self, name: str) -> AccessKey:
        """The long-term keys `name` (`stsui.engine.gateway.KeySource`)."""
        return self.get(name).key

    def find(self, name: str) -> StoredKey | None:
        """The key `name`, or None when the keyring has no such entry."""
        with self._lock:
            found = self._read.get(name)
            if found is not None:
                return found
            text = self._call(f"reading key '{name}'", lambda backend: backend.get_password(SERVICE, name))
            if text is None:
                return None
            stored = decode_entry(name, text)
            if stored is None:
                raise KeyringError(
                    f"The OS keyring's entry '{name}' of service '{SERVICE}' is not a key stsui stored (it "
                    f"does not parse); remove it with 'stsui keys remove {name}' and add the key again."
                )
            self._read[name] = stored
            return stored

    def infos(self) -> list[KeyInfo]:
        """Every key's record (no secret), by name."""
        return sorted(self._index().values(), key=lambda info: info.name)

    def _index(self) -> dict[str, KeyInfo]:
        text = self._call("listing the keys", lambda backend: backend.get_password(SERVICE, INDEX))
        if not text:
            return {}
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        keys = data.get("keys") if isinstance(data, dict) else None
        if not isinstance(keys, dict):
            raise KeyringError(
                f"The OS keyring's entry '{INDEX}' of service '{SERVICE}' (stsui's list of keys) does not "
                "parse; delete that entry in Seahorse or Keychain Access: 'stsui keys add' writes it again."
            )
        infos = {name: _info(name, record) for name, record in keys.items() if isinstance(name, str)}
        return {name: info for name, info in infos.items() if info is not None}

    # -- writing ---------------------------------------------------------------------------------------

    def put(self, stored: StoredKey) -> None:
        """Store (or replace) the key `stored.info.name`, then its record in the index."""
        name = stored.info.name
        with self._lock:
            self._call(
                f"storing key '{name}'",
                lambda backend: backend.set_password(SERVICE, name, encode_entry(stored)),
            )
            self._read[name] = stored
            index = self._index()
            index[name] = stored.info
            self._write_index(index)

    def remove(self, name: str) -> KeyInfo | None:
        """Delete the key `name`, an entry that does not parse too; its record is returned when it had one.
        KeyringError when there is no such entry."""
        with self._lock:
            try:
                stored = self.find(name)
            except KeyringError:
                stored = None  # not stsui's format: still removed below, when it exists
            index = self._index()
            present = stored is not None or self._call(
                f"reading key '{name}'", lambda backend: backend.get_password(SERVICE, name)
            )
            if not present and name not in index:
                raise KeyringError(f"No key named '{name}' in the OS keyring (service '{SERVICE}').")
            if present:
                self._call(f"removing key '{name}'", lambda backend: backend.delete_password(SERVICE, name))
            self._read.pop(name, None)
            info = stored.info if stored is not None else index.get(name)
            if name in index:
                del index[name]
                self._write_index(index)
            return info

    def _write_index(self, index: dict[str, KeyInfo]) -> None:
        text = json.dumps({"stsui": FORMAT, "keys": {name: _record(info) for name, info in index.items()}})
        self._call("updating the list of keys", lambda backend: backend.set_password(SERVICE, INDEX, text))


def _usable_backend() -> Any:
    """`keyring`'s backend, refusing none at all and those that keep secrets in a plain file."""
    try:
        import keyring
        import keyring.errors
    except ImportError:
        raise KeyringError(
            NO_BACKEND.format(detail=" (the Python package 'keyring' is not installed: pip install keyring)")
        ) from None
    try:
        backend = keyring.get_keyring()
    except Exception as error:  # a PYTHON_KEYRING_BACKEND that does not load, a broken config file
        detail = printable(str(error), 200).rstrip(".") or type(error).__name__
        raise KeyringError(NO_BACKEND.format(detail=f" ({detail})")) from None
    for chosen in (backend, *getattr(backend, "backends", ())[:1]):  # a chainer writes to its first
        module = type(chosen).__module__
        if module.startswith(PLAINTEXT_BACKENDS):
            what = f"{module}.{type(chosen).__name__}"
            raise KeyringError(
                NO_BACKEND.format(detail=f" (the backend {what} keeps nothing, or a plain file)")
            )
    if getattr(backend, "backends", None) == []:
        raise KeyringError(NO_BACKEND.format(detail=""))
    return backend
