"""The shared credentials file (`~/.aws/credentials`), which belongs to the user and every other AWS tool.

stsui only ever changes the sections it wrote (marked `x_stsui_role = <role>`), and changes them in place:
every other byte (sections, comments, blank lines, spacing, key order, line endings) stays as it was.
Files botocore cannot parse are never touched. Writes are locked against other stsui processes and atomic.
"""

from __future__ import annotations

import os
from collections.abc import Collection
from pathlib import Path

from stsui.domain.errors import CredentialsFileError, UsageError
from stsui.domain.model import Credentials, ProfileEntry, Session
from stsui.domain.paths import CREDENTIALS_VARIABLE
from stsui.domain.rules import DEFAULT_SECTION, profile_name_problem
from stsui.domain.times import own_expiry, parse_expiry, rfc3339
from stsui.store import atomic, ini, ini_edits, ini_file
from stsui.store.ini_file import IniFile
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


def _entry(section: ini.Section) -> ProfileEntry:
    keys = section.key_lines
    owner = section.get(MARKER) if MARKER in keys else None
    expires = section.get(EXPIRES) if EXPIRES in keys else None
    if owner is not None:
        expires_at = own_expiry(expires)
    else:
        expires_at = None if expires is None else parse_expiry(expires)
    return ProfileEntry(
        section.name,  # positional arguments: this runs once per section on every read
        owner,
        expires_at,
        section.get(PRINCIPAL) if PRINCIPAL in keys else None,
        section.get(REGION) if REGION in keys else None,
    )


def _session(section: ini.Section, role_name: str) -> Session | None:
    expiration = own_expiry(section.get(EXPIRES))
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
        self.file = IniFile(
            path,
            error=CredentialsFileError,
            variable=CREDENTIALS_VARIABLE,
            default="~/.aws/credentials",
            lock_timeout=lock_timeout,
        )
        self._entries: tuple[ini_file.Parsed, dict[str, ProfileEntry]] | None = None
        """Every section's entry, for the version of the file they were read from."""

    # --- reading ---------------------------------------------------------------------------------------

    def read(self, profiles: Collection[str] | None = None) -> dict[str, ProfileEntry]:
        """Every section (except DEFAULT) by name, or only those named in `profiles` (what the TUI needs of
        a file of 50,000 sections); {} when the file does not exist."""
        parsed = self.file.load()
        if parsed is None:
            return {}
        entries = self._entries[1] if self._entries is not None and self._entries[0] is parsed else None
        if profiles is not None and entries is None:
            sections = parsed.doc.sections
            return {name: _entry(sections[name]) for name in sections.present(profiles)}
        if entries is None:
            entries = {name: _entry(section) for name, section in parsed.doc.sections.items()}
            self._entries = (parsed, entries)
        if profiles is not None:
            return {name: entries[name] for name in profiles if name in entries}
        return dict(entries)

    def others(self, wanted: Collection[str]) -> dict[str, tuple[frozenset[str], dict[str, str]]]:
        """Read-only, for every section stsui did not write (file order): the keys it has, and the values of
        those in `wanted` (ask only for keys that hold no secret). Other tools' sections are never changed."""
        parsed = self.file.load()
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

    def profiles_with_keys(self) -> set[str]:
        """The sections that hold an access key (stsui's sessions, long-term keys, other tools' sessions):
        botocore reads these before a profile's `credential_process`."""
        parsed = self.file.load()
        if parsed is None:
            return set()
        return {name for name, section in parsed.doc.sections.items() if ACCESS_KEY in section.key_lines}

    def entry(self, profile: str) -> ProfileEntry | None:
        """What the file says about `[profile]` alone (None when it has no such section)."""
        parsed = self.file.load()
        if parsed is None or profile not in parsed.doc.sections:
            return None
        if self._entries is not None and self._entries[0] is parsed:
            return self._entries[1][profile]
        return _entry(parsed.doc.sections[profile])

    def read_session(self, profile: str, role_name: str) -> Session | None:
        """The session stsui wrote to `profile` for `role_name` (keys, token and expiry), else None."""
        parsed = self.file.load()
        section = None if parsed is None else parsed.doc.sections.get(profile)
        return None if section is None else _session(section, role_name)

    def stamp(self) -> tuple[int, int, int] | None:
        """(mtime_ns, size, inode) of the resolved file, to notice changes; None when it is missing."""
        return self.file.stamp()

    # --- writing ---------------------------------------------------------------------------------------

    def write_session(self, profile: str, session: Session, *, force: bool = False) -> None:
        """Write `session` into `[profile]`: in place when stsui owns that section (or `force`), appended
        when it does not exist; refuse sections stsui did not write for this role."""
        self._check_profile(profile, "write")
        values = session_values(session)
        for key, value in values.items():
            problem = ini_file.value_problem(key, value)
            if problem:
                raise CredentialsFileError(f"Profile '{profile}' was not written to {self.path}: {problem}.")

        def change(doc: ini.Document) -> ini_edits.Splice:
            section = doc.sections.get(profile)
            if section is not None and not force:
                self._check_owner(section, session.role_name, overwrite=True)
            wanted = _shadowing_defaults(values, doc.defaults is not None and LEGACY_TOKEN in doc.defaults)
            if section is None:
                return ini_edits.append_section(doc, profile, wanted)
            return ini_edits.set_options(doc, profile, wanted, drop=[LEGACY_TOKEN])

        def expected(before: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
            merged = {**before.get(profile, {}), **values}
            merged.pop(LEGACY_TOKEN, None)
            default_token = LEGACY_TOKEN in before.get(DEFAULT_SECTION, {})
            return {**before, profile: _shadowing_defaults(merged, default_token)}

        self._update(profile, ini_file.Edit(change, expected))

    def remove(self, profile: str, role_name: str) -> bool:
        """Forget `[profile]` if stsui wrote it for `role_name`: True when removed, False when absent.
        Refuses sections stsui did not write, or wrote for another role."""
        self._check_profile(profile, "forget")
        if not os.path.exists(atomic.resolve(self.path)):
            return False

        def change(doc: ini.Document) -> ini_edits.Splice | None:
            section = doc.sections.get(profile)
            if section is None:
                return None
            self._check_owner(section, role_name, overwrite=False)
            return ini_edits.remove_section(doc, profile)

        def expected(before: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
            return {name: values for name, values in before.items() if name != profile}

        return self._update(profile, ini_file.Edit(change, expected), create=False)

    def long_term_keys(self, profile: str) -> tuple[str, str]:
        """(access key id, secret access key) of `[profile]`, a section of long-term keys stsui did not
        write (`stsui keys add --from-profile`); a usage error (naming what the profile holds) otherwise."""
        self._check_profile(profile, "read")
        parsed = self.file.load()
        section = None if parsed is None else parsed.doc.sections.get(profile)
        where = f"Profile '{profile}' in {self.path}"
        if section is None:
            raise UsageError(f"{where} does not exist; name a profile that holds long-term keys.")
        keys = section.key_lines
        if MARKER in keys:
            raise UsageError(
                f"{where} holds a session stsui wrote for role '{section.get(MARKER)}', not long-term keys."
            )
        if SESSION_TOKEN in keys or LEGACY_TOKEN in keys:
            raise UsageError(
                f"{where} holds temporary credentials (a session token); only an IAM user's long-term keys "
                "go into the OS keyring."
            )
        key, secret = section.get(ACCESS_KEY), section.get(SECRET_KEY)
        if not key or not secret:
            raise UsageError(
                f"{where} has no {ACCESS_KEY} and {SECRET_KEY}; name a profile that holds long-term keys."
            )
        return key, secret

    def remove_long_term_keys(self, profile: str, access_key_id: str) -> bool:
        """Remove the long-term keys of `[profile]` (the section, when they are all it holds), now that they
        are in the OS keyring: the one removal of a section stsui did not write, asked for by
        `stsui keys add --from-profile P --remove-profile`. Only while the section still holds the key
        `access_key_id`; every other byte of the file is kept. False when the section is gone."""
        self._check_profile(profile, "remove the keys of")
        long_term = (ACCESS_KEY, SECRET_KEY)
        only_keys = False

        def change(doc: ini.Document) -> ini_edits.Splice | None:
            nonlocal only_keys
            section = doc.sections.get(profile)
            if section is None:
                return None
            if section.get(ACCESS_KEY) != access_key_id or MARKER in section.key_lines:
                raise CredentialsFileError(
                    f"Profile '{profile}' in {self.path} changed meanwhile (it no longer holds the key "
                    f"{access_key_id}), so stsui left it as it is."
                )
            only_keys = set(section.key_lines) <= set(long_term)
            if only_keys:
                return ini_edits.remove_section(doc, profile)
            return ini_edits.set_options(doc, profile, {}, drop=long_term)

        def expected(before: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
            if only_keys:
                return {name: values for name, values in before.items() if name != profile}
            kept = {key: value for key, value in before[profile].items() if key not in long_term}
            return {**before, profile: kept}

        return self._update(profile, ini_file.Edit(change, expected), create=False)

    def _check_profile(self, profile: str, verb: str) -> None:
        message = name_refusal(self.path, profile, verb)
        if message:
            raise CredentialsFileError(message)

    def _check_owner(self, section: ini.Section, role_name: str, *, overwrite: bool) -> None:
        """Refuse a section without stsui's marker, or one stsui wrote for another role."""
        message = owner_refusal(self.path, section.name, section.get(MARKER), role_name, overwrite=overwrite)
        if message:
            raise CredentialsFileError(message)

    def _update(self, profile: str, edit: ini_file.Edit, *, create: bool = True) -> bool:
        return self.file.update(f"Profile '{profile}'", lambda doc: [edit], create=create)
