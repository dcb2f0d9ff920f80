"""The validated-roles cache: a roles file's roles, as validation produced them, kept until the file changes.

Validating a roles file of 10,000 roles costs far more than answering for one role, so after a file passed
validation its roles are kept in one private file under stsui's cache directory, keyed on the roles file's
identity: device, inode, size, mtime and ctime (which no program can set back), and, when the file was
changed so recently that a same-size edit in the same clock tick could keep all of those (git's "racy
clean" case), a digest of its bytes. A key that no longer matches, a file that is not a regular 0600 file of
this user's, or one that does not decode is never trusted: the roles file is validated again.

Layout: one JSON header line, then the roles as a JSON array with one role per line (read whole for
`load_all`), then a hash index of fixed 12-byte slots (offset, length), so that `load_one` reads a few
hundred bytes whatever the number of roles.
"""

from __future__ import annotations

import dataclasses
import json
import os
import stat
import struct
import zlib
from pathlib import Path
from typing import Any

from stsui import __version__
from stsui.domain.errors import UnsafeFileError
from stsui.domain.model import Config, Role
from stsui.store import stamps
from stsui.store.atomic import PRIVATE_FILE, private_dir, write_private
from stsui.store.stamps import identity, is_racy

FORMAT = 1
HEADER_LIMIT = 64 * 1024
_SLOT = struct.Struct("<QI")  # record offset, record length (0: empty slot)
_FIELDS = dataclasses.fields(Role)
_TUPLE_FIELDS = frozenset(f.name for f in _FIELDS if isinstance(f.default, tuple))
_DEFAULTS = {
    f.name: f.default if f.default is not dataclasses.MISSING else f.default_factory()  # type: ignore[misc]
    for f in _FIELDS
    if f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING
}
_CONFIG_FIELDS = tuple(f.name for f in dataclasses.fields(Config) if f.name not in ("path", "roles"))
"""The roles file's own settings (from [defaults]), kept beside the roles."""
_FIELD_NAMES = frozenset(f.name for f in _FIELDS)
_REQUIRED = _FIELD_NAMES - _DEFAULTS.keys()
_RULES = ("config/load.py", "config/schema.py", "domain/model.py", "domain/rules.py", "domain/durations.py")
"""The sources whose rules the cached roles passed: a changed stsui must validate again."""


def digest(raw: bytes) -> str:
    import hashlib  # only for a roles file changed in the last two seconds

    return hashlib.sha256(raw).hexdigest()


def _rules_fingerprint() -> list[object]:
    """stsui's version, the validation sources' sizes and times, and the login name the default session name
    comes from: what, besides the file, decides the validated roles."""
    import getpass

    package = Path(__file__).resolve().parent.parent
    stamps: list[object] = [__version__]
    for name in _RULES:
        try:
            info = os.stat(package / name)
        except OSError:
            stamps.append(None)
        else:
            stamps.append([info.st_size, info.st_mtime_ns])
    try:
        stamps.append(getpass.getuser())
    except Exception:  # no login name and no passwd entry (containers), as default_session_name allows
        stamps.append("")
    return stamps


def record(role: Role) -> dict[str, Any]:
    """The role's fields that differ from `Role`'s own defaults (arrays for tuples)."""
    out: dict[str, Any] = {}
    for name, value in role.__dict__.items():
        if name in _DEFAULTS and value == _DEFAULTS[name]:
            continue
        out[name] = list(value) if name in _TUPLE_FIELDS else value
    return out


def from_record(data: dict[str, Any]) -> Role:
    """The role `record` made. Its fields passed validation when it was cached, so they are set directly
    rather than through the frozen dataclass's `__init__` (a third of loading 100,000 roles)."""
    for name in _TUPLE_FIELDS & data.keys():
        data[name] = tuple(data[name])
    if not _FIELD_NAMES.issuperset(data) or not _REQUIRED.issubset(data):
        raise ValueError("not a role record")
    role = object.__new__(Role)
    role.__dict__.update(_DEFAULTS, **data)
    if isinstance(role.tags, dict) and role.tags is _DEFAULTS["tags"]:
        role.__dict__["tags"] = {}  # never share the default's dict
    return role


def _slot(name: str, slots: int) -> int:
    return zlib.crc32(name.encode()) & (slots - 1)


class RolesCache:
    """Validated roles by roles-file path, in `directory` (0700), one 0600 file per roles file."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _file(self, roles_file: Path) -> Path:
        where = os.path.abspath(roles_file)
        return self.directory / f"{zlib.crc32(os.fsencode(where)):08x}.validated"

    # -- writing --------------------------------------------------------------------------------------------

    def save(self, config: Config, info: os.stat_result, read_at_ns: int, raw: bytes) -> None:
        """Keep `config`, validated from `raw` read at `read_at_ns` from a file whose stat (taken before the
        read) is `info`. Best effort: a cache that cannot be written is simply not there next time."""
        roles = list(config.roles.values())
        try:
            lines = [json.dumps(record(role), separators=(",", ":")).encode() for role in roles]
            settings = {name: getattr(config, name) for name in _CONFIG_FIELDS}
            json.dumps(settings)
        except (TypeError, ValueError):
            return  # a setting that is not plain data (e.g. [sso.NAME] instances): validated each time
        slots = 8
        while slots < 2 * len(lines):
            slots *= 2
        header: dict[str, Any] = {
            "format": FORMAT,
            "path": os.path.abspath(config.path),
            "identity": identity(info),
            "digest": digest(raw) if is_racy(info, read_at_ns) else None,
            "rules": _rules_fingerprint(),
            "config": settings,
            "count": len(lines),
            "slots": slots,
            "records": 0,
            "index": 0,
        }
        # Offsets depend on the header's length, which depends on the offsets: pad them to a fixed width.
        header["records"] = header["index"] = 10**12
        head = json.dumps(header, separators=(",", ":")).encode() + b"\n"
        start = len(head) + 2  # "[\n"
        body = bytearray(b"[\n")
        index = bytearray(slots * _SLOT.size)
        offsets = []
        for number, line in enumerate(lines):
            offsets.append((start + len(body) - 2, len(line)))
            body += line + (b",\n" if number < len(lines) - 1 else b"\n")
        body += b"]\n"
        for role, (offset, length) in zip(roles, offsets, strict=True):
            at = _slot(role.name, slots)
            while _SLOT.unpack_from(index, at * _SLOT.size)[1]:
                at = (at + 1) & (slots - 1)
            _SLOT.pack_into(index, at * _SLOT.size, offset, length)
        header["records"] = len(head)
        header["index"] = len(head) + len(body)
        fixed = json.dumps(header, separators=(",", ":")).encode()
        head = fixed + b" " * (len(head) - 1 - len(fixed)) + b"\n"
        try:
            private_dir(self.directory.parent)
            private_dir(self.directory)
            write_private(self._file(config.path), head + bytes(body) + bytes(index))
        except (OSError, UnsafeFileError):
            pass

    # -- reading --------------------------------------------------------------------------------------------

    def _open(self, roles_file: Path) -> tuple[int, dict[str, Any]] | None:
        """An open cache file whose header matches the roles file as it is now, and that header; or None."""
        try:
            info = os.stat(roles_file)
            folder = os.lstat(self.directory)
        except OSError:
            return None
        if not stat.S_ISDIR(folder.st_mode) or folder.st_uid != os.geteuid() or folder.st_mode & 0o022:
            return None  # not stsui's own directory: nothing in it is trusted
        flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
        try:
            fd = os.open(self._file(roles_file), flags)
        except OSError:
            return None
        try:
            own = os.fstat(fd)
            if (
                not stat.S_ISREG(own.st_mode)
                or own.st_uid != os.geteuid()
                or stat.S_IMODE(own.st_mode) != PRIVATE_FILE
            ):
                raise ValueError("not a private file")
            first = os.pread(fd, HEADER_LIMIT, 0)
            header = json.loads(first[: first.index(b"\n")])
            if (
                not isinstance(header, dict)
                or header.get("format") != FORMAT
                or header.get("path") != os.path.abspath(roles_file)
                or header.get("identity") != identity(info)
                or header.get("rules") != _rules_fingerprint()
                or header.get("index") + header["slots"] * _SLOT.size != own.st_size
            ):
                raise ValueError("another file")
            if header.get("digest") is not None:
                if not is_racy(info, stamps.now_ns()):
                    raise ValueError("validate again, to keep the roles without a digest to check")
                if header["digest"] != digest(roles_file.read_bytes()):
                    raise ValueError("another text")
            return fd, header
        except (OSError, ValueError, TypeError, KeyError):
            os.close(fd)
            return None

    def load_one(self, roles_file: Path, name: str) -> Role | None:
        """The validated role `name` of `roles_file`, reading only its record; None when the cache does not
        vouch for the file as it is now, or has no such role."""
        opened = self._open(roles_file)
        if opened is None:
            return None
        fd, header = opened
        try:
            slots, index = header["slots"], header["index"]
            at = _slot(name, slots)
            for _probe in range(slots):
                offset, length = _SLOT.unpack(os.pread(fd, _SLOT.size, index + at * _SLOT.size))
                if not length:
                    return None
                data = json.loads(os.pread(fd, length, offset))
                if data["name"] == name:
                    return from_record(data)
                at = (at + 1) & (slots - 1)
            return None
        except (OSError, ValueError, TypeError, KeyError, struct.error):
            return None
        finally:
            os.close(fd)

    def load_all(self, roles_file: Path) -> Config | None:
        """Every validated role of `roles_file`, in file order; None when the cache does not vouch for it."""
        opened = self._open(roles_file)
        if opened is None:
            return None
        fd, header = opened
        try:
            size = header["index"] - header["records"]
            data = os.pread(fd, size, header["records"])
            records = json.loads(data)
            if len(data) != size or len(records) != header["count"]:
                return None
            roles = {role.name: role for role in map(from_record, records)}
            settings = header["config"]
            if set(settings) != set(_CONFIG_FIELDS):
                return None
            return Config(roles_file, roles, **settings)
        except (OSError, ValueError, TypeError, KeyError):
            return None
        finally:
            os.close(fd)


def roles_cache() -> RolesCache:
    """The validated-roles cache in stsui's cache directory."""
    from stsui.domain.paths import cache_dir

    return RolesCache(cache_dir() / "roles")
