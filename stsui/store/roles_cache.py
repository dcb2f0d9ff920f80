"""The validated-roles cache: a roles file's roles, as validation produced them, kept until the file changes.

Validating a roles file of 10,000 roles costs far more than answering for one role, so after a file passed
validation its roles are kept in one private file under stsui's cache directory, keyed on the roles file's
identity: device, inode, size, mtime and ctime (which no program can set back), and, when the file was
changed so recently that a same-size edit in the same clock tick could keep all of those (git's "racy
clean" case), a digest of its bytes. A key that no longer matches, a file that is not a regular 0600 file of
this user's, or one that does not decode is never trusted: the roles file is validated again.

Layout: one JSON header line, then the body, whose offsets (in the header and the tables) count from the
body's start:
- the roles' names and their profiles, two JSON arrays of one line each;
- the roles as a JSON array with one role per line;
- an order table of fixed 16-byte slots (offset, length, CRC-32), one per role in file order;
- a hash index of such slots by name.
`load_all` reads the body once, checks its CRC and decodes only the names and profiles: roles become values
when first asked for (a `Roster`), so a screen of 40 roles out of 100,000 waits for 40. `load_one` reads a
few hundred bytes through the hash index, whatever the number of roles, and checks the record's CRC.

Finding a record needs only the standard library (`load_record`: the credential-process fast path, which
reads a record's `role_arn` and `refresh_before`, which every record carries); turning records into roles
imports the domain model.
"""

from __future__ import annotations

import json
import os
import stat
import struct
import zlib

from stsui import __version__
from stsui.domain.errors import UnsafeFileError
from stsui.store import stamps
from stsui.store.atomic import PRIVATE_FILE
from stsui.store.stamps import identity, is_racy

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

    from stsui.domain.model import Config, Role

FORMAT = 3
HEADER_LIMIT = 64 * 1024
_SLOT = struct.Struct("<QII")  # record offset, record length (0: empty slot), the record's CRC-32
ALWAYS_RECORDED = ("refresh_before",)
"""Fields a record carries even at their default (with the required ones, such as `role_arn`): what the
fast path reads without knowing `Role`'s defaults."""
_NO_DEFAULT = object()


class _Schema:
    """What records are made of: `Role`'s and `Config`'s fields (worked out when first needed, so finding a
    record does not import the dataclasses behind them)."""

    def __init__(self) -> None:
        import dataclasses

        from stsui.domain.model import Config, Role

        fields = dataclasses.fields(Role)
        self.tuple_fields = frozenset(f.name for f in fields if isinstance(f.default, tuple))
        self.defaults: dict[str, Any] = {}
        for f in fields:
            if f.default is not dataclasses.MISSING:
                self.defaults[f.name] = f.default
            elif callable(f.default_factory):
                self.defaults[f.name] = f.default_factory()
        self.omitted_defaults = {
            name: value for name, value in self.defaults.items() if name not in ALWAYS_RECORDED
        }
        self.config_fields = tuple(
            f.name for f in dataclasses.fields(Config) if f.name not in ("path", "roles")
        )
        """The roles file's own settings (from [defaults]), kept beside the roles."""
        self.field_names = frozenset(f.name for f in fields)
        self.required = self.field_names - self.defaults.keys()


_schema: _Schema | None = None


def schema() -> _Schema:
    global _schema
    if _schema is None:
        _schema = _Schema()
    return _schema


_RULES = (
    "config/load.py",
    "config/schema.py",
    "domain/model.py",
    "domain/rules.py",
    "domain/durations.py",
    "domain/sso.py",
)
"""The sources whose rules the cached roles passed: a changed stsui must validate again."""


def digest(raw: bytes) -> str:
    import hashlib  # only for a roles file changed in the last two seconds

    return hashlib.sha256(raw).hexdigest()


def _rules_fingerprint() -> list[object]:
    """stsui's version, the validation sources' sizes and times, and the login name the default session name
    comes from: what, besides the file, decides the validated roles."""
    import getpass

    package = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
    stamps: list[object] = [__version__]
    for name in _RULES:
        try:
            info = os.stat(os.path.join(package, name))
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
    """The role's fields that differ from `Role`'s own defaults, and `ALWAYS_RECORDED` (tuples become JSON
    arrays, an Identity Center role's `sso` an object)."""
    import dataclasses

    omitted = schema().omitted_defaults
    out = {name: value for name, value in role.__dict__.items() if omitted.get(name, _NO_DEFAULT) != value}
    if role.sso is not None:
        out["sso"] = dataclasses.asdict(role.sso)
    return out


_ENCODE = json.JSONEncoder(separators=(",", ":")).encode
"""One encoder for every record (`json.dumps` with separators builds one per call)."""


def from_record(data: dict[str, Any]) -> Role:
    """The role `record` made. Its fields passed validation when it was cached, so they are set directly
    rather than through the frozen dataclass's `__init__` (a third of loading 100,000 roles)."""
    from stsui.domain.model import Role

    shape = schema()
    for name in shape.tuple_fields & data.keys():
        data[name] = tuple(data[name])
    sso = data.get("sso")
    if sso is not None:
        from stsui.domain.sso import DiscoveredRole

        data["sso"] = DiscoveredRole(**sso)
    if not shape.field_names.issuperset(data) or not shape.required.issubset(data):
        raise ValueError("not a role record")
    role = object.__new__(Role)
    role.__dict__.update(shape.defaults, **data)
    if isinstance(role.tags, dict) and role.tags is shape.defaults["tags"]:
        role.__dict__["tags"] = {}  # never share the default's dict
    return role


def _slot(name: str, slots: int) -> int:
    return zlib.crc32(name.encode()) & (slots - 1)


class RolesCache:
    """Validated roles by roles-file path, in `directory` (0700), one 0600 file per roles file. Paths may be
    text (the fast path, without pathlib) or `Path`s."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = directory

    @classmethod
    def under(cls, cache_root: str | Path) -> RolesCache:
        """The validated-roles cache in stsui's cache directory `cache_root`."""
        return cls(os.path.join(cache_root, "roles"))

    def _file(self, roles_file: str | Path) -> str:
        where = os.path.abspath(roles_file)
        return os.path.join(self.directory, f"{zlib.crc32(os.fsencode(where)):08x}.validated")

    # -- writing --------------------------------------------------------------------------------------------

    def save(self, config: Config, info: os.stat_result, read_at_ns: int, raw: bytes) -> None:
        """Keep `config`, validated from `raw` read at `read_at_ns` from a file whose stat (taken before the
        read) is `info`. Best effort: a cache that cannot be written is simply not there next time."""
        from pathlib import Path

        from stsui.domain.roster import widest_texts
        from stsui.store.atomic import private_dir, write_private

        roles = list(config.roles.values())
        try:
            lines = [_ENCODE(record(role)).encode() for role in roles]
            settings = _settings(config)
            json.dumps(settings)
        except (TypeError, ValueError):
            return  # not plain data (a bug): validated each time, never cached wrongly
        body = bytearray()
        names = _json_line([role.name for role in roles])
        profiles = _json_line([role.profile for role in roles])
        body += names + profiles
        records_at = len(body)
        body += b"[\n"
        order = bytearray()
        for number, line in enumerate(lines):
            order += _SLOT.pack(len(body), len(line), zlib.crc32(line))
            body += line + (b",\n" if number < len(lines) - 1 else b"\n")
        body += b"]\n"
        blocks = {"names": (0, len(names)), "profiles": (len(names), len(profiles))}
        blocks["records"] = (records_at, len(body) - records_at)
        blocks["order"] = (len(body), len(order))
        body += order
        slots = 8
        while slots < 2 * len(lines):
            slots *= 2
        index = bytearray(slots * _SLOT.size)
        for position, role in enumerate(roles):
            at = _slot(role.name, slots)
            while _SLOT.unpack_from(index, at * _SLOT.size)[1]:
                at = (at + 1) & (slots - 1)
            _SLOT.pack_into(index, at * _SLOT.size, *_SLOT.unpack_from(order, position * _SLOT.size))
        blocks["index"] = (len(body), len(index))
        body += index
        header = {
            "format": FORMAT,
            "path": os.path.abspath(config.path),
            "identity": identity(info),
            "digest": digest(raw) if is_racy(info, read_at_ns) else None,
            "rules": _rules_fingerprint(),
            "config": settings,
            "count": len(lines),
            "slots": slots,
            "widest": widest_texts(roles),
            "blocks": blocks,
            "size": len(body),
            "crc": zlib.crc32(body),
        }
        head = json.dumps(header, separators=(",", ":")).encode() + b"\n"
        try:
            directory = Path(self.directory)
            private_dir(directory.parent)
            private_dir(directory)
            write_private(Path(self._file(config.path)), head + bytes(body))
        except (OSError, UnsafeFileError):
            pass

    # -- reading --------------------------------------------------------------------------------------------

    def _open(self, roles_file: str | Path) -> tuple[int, dict[str, Any], int] | None:
        """An open cache file whose header matches the roles file as it is now, that header, and where the
        body starts; or None."""
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
            body_at = first.index(b"\n") + 1
            header = json.loads(first[:body_at])
            if (
                not isinstance(header, dict)
                or header.get("format") != FORMAT
                or header.get("path") != os.path.abspath(roles_file)
                or header.get("identity") != identity(info)
                or header.get("rules") != _rules_fingerprint()
                or body_at + header["size"] != own.st_size
            ):
                raise ValueError("another file")
            if header.get("digest") is not None:
                if not is_racy(info, stamps.now_ns()):
                    raise ValueError("validate again, to keep the roles without a digest to check")
                with open(roles_file, "rb") as text:
                    raw = text.read()
                if header["digest"] != digest(raw):
                    raise ValueError("another text")
            return fd, header, body_at
        except (OSError, ValueError, TypeError, KeyError):
            os.close(fd)
            return None

    def load_one(self, roles_file: str | Path, name: str) -> Role | None:
        """The validated role `name` of `roles_file`, reading only its record; None when the cache does not
        vouch for the file as it is now, or has no such role."""
        data = self.load_record(roles_file, name)
        try:
            return None if data is None else from_record(data)
        except (ValueError, TypeError, KeyError):
            return None

    def load_record(self, roles_file: str | Path, name: str) -> dict[str, Any] | None:
        """`load_one`'s record, as data (`record`'s fields: those that differ from `Role`'s defaults and
        `ALWAYS_RECORDED`), without importing the domain model."""
        opened = self._open(roles_file)
        if opened is None:
            return None
        fd, header, body_at = opened
        try:
            slots = header["slots"]
            index = body_at + header["blocks"]["index"][0]
            at = _slot(name, slots)
            for _probe in range(slots):
                offset, length, crc = _SLOT.unpack(os.pread(fd, _SLOT.size, index + at * _SLOT.size))
                if not length:
                    return None
                raw = os.pread(fd, length, body_at + offset)
                if zlib.crc32(raw) != crc:
                    return None
                data = json.loads(raw)
                if data["name"] == name:
                    return data if isinstance(data, dict) else None
                at = (at + 1) & (slots - 1)
            return None
        except (OSError, ValueError, TypeError, KeyError, struct.error):
            return None
        finally:
            os.close(fd)

    def load_all(self, roles_file: Path) -> Config | None:
        """Every validated role of `roles_file`, in file order, as a `Roster` that decodes each role when
        first asked for; None when the cache does not vouch for the file as it is now."""
        from stsui.domain.model import Config
        from stsui.domain.roster import TEXTS, Roster

        opened = self._open(roles_file)
        if opened is None:
            return None
        fd, header, body_at = opened
        try:
            body = os.pread(fd, header["size"], body_at)
            if len(body) != header["size"] or zlib.crc32(body) != header["crc"]:
                return None
            blocks, count = header["blocks"], header["count"]
            names, profiles = _strings(body, blocks["names"]), _strings(body, blocks["profiles"])
            order_at, order_size = blocks["order"]
            if len(names) != count or len(profiles) != count or order_size != count * _SLOT.size:
                return None
            settings, widest = _from_settings(header["config"]), header["widest"]
            if set(widest) != set(TEXTS):
                return None
            records = _Records(body, order_at, blocks["records"])
            roster = Roster(names, profiles, records, widest=widest)
            return Config(roles_file, roster, **settings)
        except (OSError, ValueError, TypeError, KeyError):
            return None
        finally:
            os.close(fd)


class _Records:
    """The roles of a cache file's body, decoded one at a time or all at once (a `Roster`'s decoder). The
    body passed its CRC, so its records are the ones validation wrote."""

    def __init__(self, body: bytes, order_at: int, records: tuple[int, int]) -> None:
        self._body = body
        self._order_at = order_at
        self._records = records

    def one(self, position: int) -> Role:
        offset, length, _crc = _SLOT.unpack_from(self._body, self._order_at + position * _SLOT.size)
        return from_record(json.loads(self._body[offset : offset + length]))

    def all(self) -> list[Role]:
        start, size = self._records
        return [from_record(data) for data in json.loads(self._body[start : start + size])]


def _settings(config: Config) -> dict[str, Any]:
    """The roles file's own settings as plain data (its `[sso.NAME]` instances as objects)."""
    import dataclasses

    settings = {name: getattr(config, name) for name in schema().config_fields}
    settings["sso"] = {name: dataclasses.asdict(instance) for name, instance in config.sso.items()}
    return settings


def _from_settings(data: Any) -> dict[str, Any]:
    """`_settings`' data as `Config` takes it (ValueError, TypeError or KeyError when it is not that)."""
    from stsui.domain.sso import SsoInstance

    if not isinstance(data, dict) or set(data) != set(schema().config_fields):
        raise ValueError("other settings")
    instances = {
        name: SsoInstance(**{**fields, "scopes": tuple(fields["scopes"])})
        for name, fields in data["sso"].items()
    }
    return {**data, "sso": instances}


def _json_line(values: list[str]) -> bytes:
    return json.dumps(values, separators=(",", ":")).encode() + b"\n"


def _strings(body: bytes, block: list[int]) -> list[str]:
    start, size = block
    values = json.loads(body[start : start + size])
    if not isinstance(values, list):
        raise ValueError("not a list of names")
    "".join(values)  # a TypeError unless every one is a string (at C speed: 100,000 names)
    return values


def roles_cache() -> RolesCache:
    """The validated-roles cache in stsui's cache directory."""
    from stsui.domain.paths import cache_dir

    return RolesCache.under(cache_dir())
