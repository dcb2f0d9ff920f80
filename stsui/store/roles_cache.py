"""The validated-roles cache: the roles every command works with, kept until a file they come from changes.

Those roles are a roles file's, as validation produced them, and, when it has `[sso.NAME]` tables, the
roles discovered through each IAM Identity Center instance (its discovery cache), named as every command
names them. Validating 10,000 roles, or naming 20,000 discovered ones, costs far more than answering for one
role, so the result is kept in one private file under stsui's cache directory, keyed on:
- the roles file's identity: device, inode, size, mtime and ctime (which no program can set back), and,
  when the file was changed so recently that a same-size edit in the same clock tick could keep all of
  those (git's "racy clean" case), a digest of its bytes;
- each discovery file's identity (or its absence); a discovery file that changed within that window is not
  relied on at all (nothing is cached until it is older);
- stsui's own rules (its version and the sources that validate and name roles) and the login name.
A key that no longer matches, a file that is not a regular 0600 file of this user's, or one that does not
decode is never trusted: the roles are made again.

Layout: one JSON header line, then the body, whose offsets (in the header and the tables) count from the
body's start:
- the roles' names and their profiles, one per line (validation lets neither hold a line break);
- the roles as a JSON array with one role per line, each with only the fields that differ from the
  header's `common` values (for each plain field, the value most roles have) or, for the others, from
  `Role`'s defaults;
- an order table of fixed 16-byte slots (offset, length, CRC-32), one per role in file order;
- a hash index of such slots by name.
`load_all` reads the body but the hash index once, checks its CRC and splits only the names and profiles
into lines: roles become values when first asked for (a `Roster`), so a screen of 40 roles out of 100,000
waits for 40. `load_one` reads a few hundred bytes through the hash index, whatever the number of roles, and
checks the record's CRC.

Finding a record needs only the standard library (`load_record`: the credential-process fast path reads its
`role_arn` and `refresh_before`); turning records into roles imports the domain model.
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
from stsui.store.role_records import record, schema, settings_from, settings_of
from stsui.store.stamps import identity, is_racy

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path
    from typing import Any

    from stsui.domain.model import Config, Role

FORMAT = 3
HEADER_LIMIT = 64 * 1024
_SLOT = struct.Struct("<QII")  # record offset, record length (0: empty slot), the record's CRC-32
_RULES = (
    "config/load.py",
    "config/schema.py",
    "domain/model.py",
    "domain/rules.py",
    "domain/durations.py",
    "domain/sso.py",
    "domain/colors.py",
    "domain/groups.py",
    "domain/console_open.py",
    "engine/discovered_roles.py",
    "store/sso_cache.py",
)
"""The sources whose rules the cached roles passed (validation, and the naming of discovered roles): a changed
stsui must make them again."""

Discovered = tuple[str, "os.stat_result | None"]
"""A discovery file the roles were named from: its path and its stat taken before it was read (None: it was
missing)."""


def digest(raw: bytes) -> str:
    import hashlib  # only for a roles file changed in the last two seconds

    return hashlib.sha256(raw).hexdigest()


def _rules_fingerprint() -> list[object]:
    """stsui's version, the validation and naming sources' sizes and times, and the login name the default
    session name comes from: what, besides the files, decides the roles."""
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


def _current(path: str) -> list[int] | None:
    try:
        return identity(os.stat(path))
    except FileNotFoundError:
        return None


_ENCODE = json.JSONEncoder(separators=(",", ":")).encode
"""One encoder for every record (`json.dumps` with separators builds one per call)."""


def from_record(data: dict[str, Any], base: dict[str, Any]) -> Role:
    """The role `record` made against `base`. Its fields passed validation when it was cached, so they are
    set directly rather than through the frozen dataclass's `__init__` (a third of loading 100,000 roles)."""
    return schema().role(data, base)


def _slot(name: str, slots: int) -> int:
    return zlib.crc32(name.encode()) & (slots - 1)


class RolesCache:
    """The roles of each roles file, in `directory` (0700), one 0600 file per roles file. Paths may be text
    (the fast path, without pathlib) or `Path`s."""

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

    def save(
        self,
        config: Config,
        info: os.stat_result,
        read_at_ns: int,
        raw: bytes,
        discovered: Sequence[Discovered] = (),
    ) -> None:
        """Keep `config`, validated from `raw` read at `read_at_ns` from a file whose stat (taken before the
        read) is `info`, with the roles discovered from the `discovered` files (read before `read_at_ns`).
        Best effort: a cache that cannot be written is simply not there next time."""
        if any(found is not None and is_racy(found, read_at_ns) for _, found in discovered):
            return  # a discovery file changed just now: make the roles again next time
        from pathlib import Path

        from stsui.domain.roster import widest_texts
        from stsui.store.atomic import private_dir, write_private

        roles = list(config.roles.values())
        shape = schema()
        try:
            common = shape.common(roles)
            base = shape.base(common)
            lines = [_ENCODE(record(role, base)).encode() for role in roles]
            settings = settings_of(config)
            json.dumps([settings, common])
        except (TypeError, ValueError):
            return  # not plain data (a bug): validated each time, never cached wrongly
        body = bytearray()
        names, profiles = _lines([role.name for role in roles]), _lines([role.profile for role in roles])
        if names is None or profiles is None:
            return  # a line break in a name or profile (validation refuses them): never cached wrongly
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
        listed = len(body)  # everything but the hash index, which only `load_one` reads
        blocks["index"] = (len(body), len(index))
        body += index
        header = {
            "format": FORMAT,
            "path": os.path.abspath(config.path),
            "identity": identity(info),
            "digest": digest(raw) if is_racy(info, read_at_ns) else None,
            "discovered": [
                [os.path.abspath(path), None if found is None else identity(found)]
                for path, found in discovered
            ],
            "rules": _rules_fingerprint(),
            "config": settings,
            "common": common,
            "count": len(lines),
            "slots": slots,
            "widest": widest_texts(roles),
            "blocks": blocks,
            "size": len(body),
            "listed": listed,
            "crc": zlib.crc32(memoryview(body)[:listed]),
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
        """An open cache file whose header matches the roles file and the discovery files as they are now,
        that header, and where the body starts; or None."""
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
                or any(_current(path) != known for path, known in header["discovered"])
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
        """The role `name`, reading only its record; None when the cache does not vouch for the files as
        they are now, or has no such role."""
        found = self._record(roles_file, name)
        if found is None:
            return None
        data, common = found
        try:
            return from_record(data, schema().base(common))
        except (ValueError, TypeError, KeyError):
            return None

    def load_record(self, roles_file: str | Path, name: str) -> dict[str, Any] | None:
        """`load_one`'s role as data, without importing the domain model: its record's fields over the
        header's common values (so every plain field is there, such as `refresh_before`)."""
        found = self._record(roles_file, name)
        return None if found is None else {**found[1], **found[0]}

    def _record(self, roles_file: str | Path, name: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """Role `name`'s record and the header's common values."""
        opened = self._open(roles_file)
        if opened is None:
            return None
        fd, header, body_at = opened
        try:
            slots, common = header["slots"], header["common"]
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
                    ok = isinstance(data, dict) and isinstance(common, dict)
                    return (data, common) if ok else None
                at = (at + 1) & (slots - 1)
            return None
        except (OSError, ValueError, TypeError, KeyError, struct.error):
            return None
        finally:
            os.close(fd)

    def load_all(self, roles_file: Path) -> Config | None:
        """Every role, in order (the roles file's, then the discovered ones), as a `Roster` that decodes each
        role when first asked for; None when the cache does not vouch for the files as they are now."""
        from stsui.domain.model import Config
        from stsui.domain.roster import TEXTS, Roster

        opened = self._open(roles_file)
        if opened is None:
            return None
        fd, header, body_at = opened
        try:
            listed = header["listed"]
            body = os.pread(fd, listed, body_at)
            if len(body) != listed or zlib.crc32(body) != header["crc"]:
                return None
            blocks, count = header["blocks"], header["count"]
            names, profiles = _strings(body, blocks["names"]), _strings(body, blocks["profiles"])
            order_at, order_size = blocks["order"]
            if len(names) != count or len(profiles) != count or order_size != count * _SLOT.size:
                return None
            settings, widest = settings_from(header["config"]), header["widest"]
            if set(widest) != set(TEXTS):
                return None
            records = _Records(body, order_at, blocks["records"], schema().base(header["common"]))
            roster = Roster(names, profiles, records, widest=widest)
            return Config(roles_file, roster, **settings)
        except (OSError, ValueError, TypeError, KeyError):
            return None
        finally:
            os.close(fd)


class _Records:
    """The roles of a cache file's body, decoded one at a time or all at once (a `Roster`'s decoder). The
    body passed its CRC, so its records are the ones validation wrote."""

    def __init__(self, body: bytes, order_at: int, records: tuple[int, int], base: dict[str, Any]) -> None:
        self._body = body
        self._order_at = order_at
        self._records = records
        self._base = base

    def one(self, position: int) -> Role:
        offset, length, _crc = _SLOT.unpack_from(self._body, self._order_at + position * _SLOT.size)
        return from_record(json.loads(self._body[offset : offset + length]), self._base)

    def all(self) -> list[Role]:
        start, size = self._records
        base = self._base
        return [from_record(data, base) for data in json.loads(self._body[start : start + size])]


def _lines(values: list[str]) -> bytes | None:
    """`values` one per line (UTF-8), or None when one holds a line break."""
    if any("\n" in value for value in values):
        return None
    return "".join(value + "\n" for value in values).encode()


def _strings(body: bytes, block: list[int]) -> list[str]:
    """`_lines`' values back (100,000 names: one split, where a JSON array took ten times as long)."""
    start, size = block
    if not size:
        return []
    text = body[start : start + size].decode()
    if not text.endswith("\n"):
        raise ValueError("not lines of names")
    return text[:-1].split("\n")


def roles_cache() -> RolesCache:
    """The validated-roles cache in stsui's cache directory."""
    from stsui.domain.paths import cache_dir

    return RolesCache.under(cache_dir())
