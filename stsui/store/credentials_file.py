"""The shared credentials file (`~/.aws/credentials`), which belongs to the user and every other AWS tool.

stsui only ever changes the sections it wrote (marked `x_stsui_role = <role>`), and changes them in place:
every other byte (sections, comments, blank lines, spacing, key order, line endings) stays as it was.
Files botocore cannot parse are never touched. Writes are locked against other stsui processes and atomic.
"""

from __future__ import annotations

import os
import stat
import unicodedata
from collections.abc import Callable, Collection, Mapping
from pathlib import Path

from stsui.domain.errors import CredentialsFileError, UnsafeFileError
from stsui.domain.model import Credentials, ProfileEntry, Session
from stsui.domain.rules import DEFAULT_SECTION, profile_name_problem
from stsui.domain.times import parse_rfc3339, rfc3339
from stsui.store import atomic, ini
from stsui.store.keys import (
    ACCESS_KEY,
    EXPIRES,
    LEGACY_TOKEN,
    MARKER,
    PRINCIPAL,
    REGION,
    SECRET_KEY,
    SESSION_TOKEN,
)

SECOND_OPINION_LIMIT = 64 * 1024
"""Files up to this size are also checked by the real configparser before a change (a few milliseconds);
larger ones by `ini.parse` alone, which the fuzz tests hold to configparser's verdict (configparser needs
seconds for a 50,000-section file)."""
SAVE_ATTEMPTS = 5
"""How often a write is redone when another program saved the file between stsui's read and its rename."""


def session_values(session: Session) -> dict[str, str]:
    """The keys stsui writes for a session, in the order it writes them."""
    credentials = session.credentials
    values = {
        ACCESS_KEY: credentials.access_key_id,
        SECRET_KEY: credentials.secret_access_key,
        SESSION_TOKEN: credentials.session_token,
        EXPIRES: rfc3339(credentials.expiration),
        PRINCIPAL: session.assumed_role_arn,
    }
    if session.region:
        values[REGION] = session.region
    values[MARKER] = session.role_name
    return values


def _not_regular(error: Exception) -> str:
    """The sentence for a credentials path that is not a regular file (or a link to one)."""
    what = str(error).split(";")[0]
    return (
        f"Cannot read {what}; AWS_SHARED_CREDENTIALS_FILE (or ~/.aws/credentials) must name a regular file "
        "or a link to one."
    )


def _shadowing_defaults(values: dict[str, str], default_token: bool) -> dict[str, str]:
    """`values`, plus `aws_security_token` = the session token when [DEFAULT] has one (`default_token`):
    botocore would otherwise read that stale default token before the section's own `aws_session_token`."""
    if not default_token:
        return values
    ordered: dict[str, str] = {}
    for key, value in values.items():
        ordered[key] = value
        if key == SESSION_TOKEN:
            ordered[LEGACY_TOKEN] = value
    return ordered


def _value_problem(key: str, value: str) -> str | None:
    """Why a value cannot be written on one line and read back exactly, or None."""
    if "\n" in value or "\r" in value:
        return f"the value of {key} contains a line break"
    if value != value.strip():
        return f"the value of {key} starts or ends with a space"
    if any(unicodedata.category(char) == "Cc" for char in value):
        return f"the value of {key} contains a control character"
    return None


def _entry(section: ini.Section) -> ProfileEntry:
    keys = section.key_lines
    owner = section.get(MARKER) if MARKER in keys else None
    expires = section.get(EXPIRES) if EXPIRES in keys else None
    return ProfileEntry(
        section.name,  # positional arguments: this runs once per section on every read
        owner,
        None if expires is None else parse_rfc3339(expires),
        section.get(PRINCIPAL) if PRINCIPAL in keys else None,
    )


def _session(section: ini.Section, role_name: str) -> Session | None:
    expiration = parse_rfc3339(section.get(EXPIRES) or "")
    fields = [section.get(ACCESS_KEY), section.get(SECRET_KEY), section.get(SESSION_TOKEN)]
    if section.get(MARKER) != role_name or expiration is None or not all(fields):
        return None
    key, secret, token = (str(field) for field in fields)
    return Session(
        role_name=role_name,
        credentials=Credentials(key, secret, token, expiration),
        assumed_role_arn=section.get(PRINCIPAL) or "",
        region=section.get(REGION) or None,
    )


class _Parsed:
    """The last bytes this store parsed, with what it learnt from them (reused while the bytes match)."""

    __slots__ = ("doc", "entries", "raw", "validated")

    def __init__(self, raw: bytes, doc: ini.Document) -> None:
        self.raw = raw
        self.doc = doc
        self.entries: dict[str, ProfileEntry] | None = None
        self.validated = False  # configparser agreed too


def name_refusal(path: Path, profile: str, verb: str = "write") -> str | None:
    """Why `profile` cannot be a section of the credentials file at `path`, as the sentence every
    command and screen shows; None when it can."""
    problem = profile_name_problem(profile)
    if not problem:
        return None
    return f"Cannot {verb} profile {profile!r} in {path}: the name {problem}; choose a plain profile name."


def owner_refusal(
    path: Path, profile: str, owner: str | None, role_name: str, *, overwrite: bool
) -> str | None:
    """Why stsui will not overwrite (or, without `overwrite`, remove) profile `profile`, whose marker
    names `owner` (None: not written by stsui), for role `role_name`; None when it is the role's own."""
    if owner == role_name:
        return None
    where = f"Profile '{profile}' in {path}"
    if overwrite and owner is None:
        return f"{where} was not written by stsui; use --force to overwrite it, or pick another profile."
    if overwrite:
        return f"{where} belongs to stsui role '{owner}'; use --force to take it over for '{role_name}'."
    if owner is None:
        return f"{where} was not written by stsui, so stsui will not remove it; edit the file by hand."
    return f"{where} belongs to stsui role '{owner}', not '{role_name}'; forget '{owner}' instead."


class CredentialsFile:
    """The shared credentials file: read every profile, write and forget the sessions stsui owns."""

    def __init__(self, path: Path, *, lock_timeout: float = 10.0) -> None:
        self.path = path
        self.lock_timeout = lock_timeout
        self._parsed: _Parsed | None = None

    # --- reading ---------------------------------------------------------------------------------------

    def read(self, profiles: Collection[str] | None = None) -> dict[str, ProfileEntry]:
        """Every section (except DEFAULT) by name, or only those named in `profiles` (what the TUI needs of
        a file of 50,000 sections); {} when the file does not exist."""
        parsed = self._load()
        if parsed is None:
            return {}
        if profiles is not None and parsed.entries is None:
            sections = parsed.doc.sections
            return {name: _entry(sections[name]) for name in sections.present(profiles)}
        if parsed.entries is None:
            parsed.entries = {name: _entry(section) for name, section in parsed.doc.sections.items()}
        if profiles is not None:
            return {name: parsed.entries[name] for name in profiles if name in parsed.entries}
        return dict(parsed.entries)

    def others(self, wanted: Collection[str]) -> dict[str, tuple[frozenset[str], dict[str, str]]]:
        """Read-only, for every section stsui did not write (file order): the keys it has, and the values of
        those in `wanted` (ask only for keys that hold no secret). Other tools' sections are never changed."""
        parsed = self._load()
        if parsed is None:
            return {}
        found = {}
        for name, section in parsed.doc.sections.items():
            keys = section.key_lines
            if MARKER not in keys:
                found[name] = (
                    frozenset(keys),
                    {key: section.get(key) or "" for key in wanted if key in keys},
                )
        return found

    def entry(self, profile: str) -> ProfileEntry | None:
        """What the file says about `[profile]` alone (None when it has no such section)."""
        parsed = self._load()
        if parsed is None or profile not in parsed.doc.sections:
            return None
        if parsed.entries is not None:
            return parsed.entries[profile]
        return _entry(parsed.doc.sections[profile])

    def read_session(self, profile: str, role_name: str) -> Session | None:
        """The session stsui wrote to `profile` for `role_name` (keys, token and expiry), else None."""
        parsed = self._load()
        section = None if parsed is None else parsed.doc.sections.get(profile)
        return None if section is None else _session(section, role_name)

    def stamp(self) -> tuple[int, int, int] | None:
        """(mtime_ns, size, inode) of the resolved file, to notice changes; None when it is missing."""
        try:
            info = os.stat(atomic.resolve(self.path))
        except FileNotFoundError:
            return None
        return info.st_mtime_ns, info.st_size, info.st_ino

    def _load(self) -> _Parsed | None:
        try:
            found = atomic.read_regular(self.path)
        except UnsafeFileError as error:
            raise CredentialsFileError(_not_regular(error)) from None
        except OSError as error:
            raise CredentialsFileError(f"Cannot read {self.path}: {error.strerror or error}.") from None
        if found is None:
            return None
        try:
            return self._parse(found[0])
        except ini.IniError as error:
            raise CredentialsFileError(
                f"{self.path} cannot be parsed by AWS tools ({error.reason}); fix it by hand, then try again."
            ) from None

    def _parse(self, raw: bytes) -> _Parsed:
        """`raw` parsed, reusing the last parse while the bytes are the same (IniError when they do not
        parse). Repeated reads of a large file then cost a read and a comparison."""
        parsed = self._parsed
        if parsed is None or parsed.raw != raw:
            parsed = _Parsed(raw, ini.parse_bytes(raw))
            self._parsed = parsed
        return parsed

    # --- writing ---------------------------------------------------------------------------------------

    def write_session(self, profile: str, session: Session, *, force: bool = False) -> None:
        """Write `session` into `[profile]`: in place when stsui owns that section (or `force`), appended
        when it does not exist; refuse sections stsui did not write for this role."""
        self._check_profile(profile, "write")
        values = session_values(session)
        for key, value in values.items():
            problem = _value_problem(key, value)
            if problem:
                raise CredentialsFileError(f"Profile '{profile}' was not written to {self.path}: {problem}.")

        def change(doc: ini.Document) -> ini.Splice:
            section = doc.sections.get(profile)
            if section is not None and not force:
                self._check_owner(section, session.role_name, overwrite=True)
            wanted = _shadowing_defaults(values, doc.defaults is not None and LEGACY_TOKEN in doc.defaults)
            if section is None:
                return ini.append_section(doc, profile, wanted)
            return ini.set_options(doc, profile, wanted, drop=[LEGACY_TOKEN])

        def expected(before: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
            merged = {**before.get(profile, {}), **values}
            merged.pop(LEGACY_TOKEN, None)
            default_token = LEGACY_TOKEN in before.get(DEFAULT_SECTION, {})
            return {**before, profile: _shadowing_defaults(merged, default_token)}

        self._update(profile, change, expected)

    def remove(self, profile: str, role_name: str) -> bool:
        """Forget `[profile]` if stsui wrote it for `role_name`: True when removed, False when absent.
        Refuses sections stsui did not write, or wrote for another role."""
        self._check_profile(profile, "forget")
        if not os.path.exists(atomic.resolve(self.path)):
            return False

        def change(doc: ini.Document) -> ini.Splice | None:
            section = doc.sections.get(profile)
            if section is None:
                return None
            self._check_owner(section, role_name, overwrite=False)
            return ini.remove_section(doc, profile)

        def expected(before: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
            return {name: values for name, values in before.items() if name != profile}

        return self._update(profile, change, expected, create=False)

    def _check_profile(self, profile: str, verb: str) -> None:
        message = name_refusal(self.path, profile, verb)
        if message:
            raise CredentialsFileError(message)

    def _check_owner(self, section: ini.Section, role_name: str, *, overwrite: bool) -> None:
        """Refuse a section without stsui's marker, or one stsui wrote for another role."""
        message = owner_refusal(self.path, section.name, section.get(MARKER), role_name, overwrite=overwrite)
        if message:
            raise CredentialsFileError(message)

    def _update(
        self,
        profile: str,
        change: Callable[[ini.Document], ini.Splice | None],
        expected: Callable[[dict[str, dict[str, str]]], Mapping[str, Mapping[str, str]]],
        *,
        create: bool = True,
    ) -> bool:
        """Under the lock: re-read, refuse what botocore cannot parse, apply `change`, check that only the
        profile changed as `expected` says, and replace the file. False when `change` had nothing to do."""
        for _attempt in range(SAVE_ATTEMPTS):
            try:
                return self._update_once(profile, change, expected, create=create)
            except atomic.FileChanged:
                continue  # another program saved meanwhile: read its version and apply the change again
        raise CredentialsFileError(
            f"Profile '{profile}' was not written: another program kept changing {self.path} "
            f"({SAVE_ATTEMPTS} tries); try again when it is done."
        )

    def _update_once(
        self,
        profile: str,
        change: Callable[[ini.Document], ini.Splice | None],
        expected: Callable[[dict[str, dict[str, str]]], Mapping[str, Mapping[str, str]]],
        *,
        create: bool,
    ) -> bool:
        try:
            with atomic.locked_file(self.path, timeout=self.lock_timeout) as file:
                raw = file.read_bytes()
                if raw is None and not create:
                    return False
                self._check_replaceable(profile, file.info)
                raw = b"" if raw is None else raw
                doc = self._parse_for_update(profile, raw)
                splice = change(doc)
                if splice is None:
                    return False
                self._verify(profile, doc, splice, expected)
                file.write_bytes(ini.apply(doc, raw, splice))
                self._parsed = None
                return True
        except atomic.LockTimeout:
            raise CredentialsFileError(
                f"Another stsui process is writing {self.path}; try again in a moment."
            ) from None
        except UnsafeFileError as error:
            raise CredentialsFileError(
                f"Profile '{profile}' was not written. {_not_regular(error)}"
            ) from None
        except OSError as error:
            raise CredentialsFileError(
                f"Cannot write profile '{profile}' to {self.path}: {error.strerror or error}."
            ) from None

    def _check_replaceable(self, profile: str, info: os.stat_result | None) -> None:
        """Refuse to replace a file the user made read-only, or one with other hard links (a rename would
        split them: the other names would keep the old text)."""
        if info is None:
            return
        if not info.st_mode & stat.S_IWUSR:
            raise CredentialsFileError(
                f"Profile '{profile}' was not written: {self.path} is read-only (mode "
                f"{stat.S_IMODE(info.st_mode):04o}); stsui does not replace a file you protected: "
                "make it writable (chmod 600) or point AWS_SHARED_CREDENTIALS_FILE elsewhere."
            )
        if info.st_nlink > 1:
            raise CredentialsFileError(
                f"Profile '{profile}' was not written: {self.path} has {info.st_nlink} hard links, and an "
                "atomic replace would split them; use a symbolic link instead (stsui follows those)."
            )

    def _parse_for_update(self, profile: str, raw: bytes) -> ini.Document:
        """The current file, parsed; refuse (naming why) anything botocore itself could not parse, asking
        the real configparser as well as `ini.parse`."""
        try:
            parsed = self._parse(raw)
        except ini.IniError as error:
            reason: str | None = error.reason
        else:
            reason = None
            if not parsed.validated and len(raw) <= SECOND_OPINION_LIMIT:
                reason = ini.configparser_problem(raw.decode("utf-8"))
            parsed.validated = reason is None
        if reason is not None:
            raise CredentialsFileError(
                f"Profile '{profile}' was not changed: {self.path} cannot be parsed by AWS tools ({reason}); "
                "fix the file by hand first."
            )
        return parsed.doc

    def _verify(
        self,
        profile: str,
        doc: ini.Document,
        splice: ini.Splice,
        expected: Callable[[dict[str, dict[str, str]]], Mapping[str, Mapping[str, str]]],
    ) -> None:
        """Refuse an edit after which botocore could not parse the file or anything but `profile` changed.
        The edit's window parses on its own as it does in the whole file (see `ini.Splice`), so parsing the
        window before and after, and checking that no section it adds exists outside it, checks the whole
        file. (Only unusual indentation, which can turn lines into continuation lines, fails here.)"""
        unsafe = CredentialsFileError(
            f"Profile '{profile}' was not changed: the indentation in {self.path} does not allow a safe "
            "edit; remove the leading spaces from its lines by hand first."
        )
        whole = splice.first == 0 and splice.stop == len(doc.lines)
        kept_ends = splice.first == 0 or splice.text.startswith(doc.lines[splice.first] + "\n")
        if splice.stop < len(doc.lines):
            kept_ends = kept_ends and (not splice.text or splice.text.endswith("\n"))
        if not kept_ends:
            raise unsafe
        before = (doc if whole else ini.parse(ini.window_text(doc, splice.first, splice.stop))).items()
        try:
            after = ini.parse(splice.text).items()
        except ini.IniError:
            raise unsafe from None
        wanted = expected(before)
        if after != wanted or list(after) != list(wanted):
            raise unsafe
        if not whole and any(name in doc.sections for name in after.keys() - before.keys()):
            raise unsafe
