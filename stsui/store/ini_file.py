"""One of the user's shared INI files (`~/.aws/credentials`, `~/.aws/config`), which belong to the user and
every other AWS tool: read with the last parse kept, and changed only through edits that are checked.

A change happens under the directory lock (`stsui.store.atomic`): the file is read again, refused when
botocore could not parse it (the real configparser asked too, for files up to `SECOND_OPINION_LIMIT`), each
edit is applied and checked to change exactly what it says (`_verify`), and the file is replaced atomically,
0600, in one rename. A save another program made meanwhile is never undone: the change is redone on its
version.
"""

from __future__ import annotations

import os
import stat
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from stsui.domain.errors import StsuiError, UnsafeFileError
from stsui.store import atomic, ini, ini_edits

SECOND_OPINION_LIMIT = 64 * 1024
"""Files up to this size are also checked by the real configparser before a change (a few milliseconds);
larger ones by `ini.parse` alone, which the fuzz tests hold to configparser's verdict (configparser needs
seconds for a 50,000-section file)."""
SAVE_ATTEMPTS = 5
"""How often a write is redone when another program saved the file between stsui's read and its rename."""

Items = dict[str, dict[str, str]]
"""Every section's own values, by section name (`ini.Document.items`)."""


def value_problem(key: str, value: str) -> str | None:
    """Why `value` cannot be written as `key = value` on one line and read back exactly, or None."""
    if "\n" in value or "\r" in value:
        return f"the value of {key} contains a line break"
    if value != value.strip():
        return f"the value of {key} starts or ends with a space"
    if any(unicodedata.category(char) == "Cc" for char in value):
        return f"the value of {key} contains a control character"
    return None


@dataclass(frozen=True)
class Edit:
    """One change of a document: `change` gives the splice (None: nothing to do), `expected` the sections
    the edited lines must hold afterwards, from what they held before."""

    change: Callable[[ini.Document], ini_edits.Splice | None]
    expected: Callable[[Items], Mapping[str, Mapping[str, str]]]


class Parsed:
    """The last bytes a file gave, parsed (kept while the file's bytes match)."""

    __slots__ = ("doc", "raw", "validated")

    def __init__(self, raw: bytes, doc: ini.Document) -> None:
        self.raw = raw
        self.doc = doc
        self.validated = False  # configparser agreed too


class IniFile:
    """The file at `path`, which the user points stsui at with `variable` (else `default`); `error` is the
    exception its sentences are raised as."""

    def __init__(
        self, path: Path, *, error: type[StsuiError], variable: str, default: str, lock_timeout: float
    ) -> None:
        self.path = path
        self.error = error
        self.variable = variable
        self.default = default
        self.lock_timeout = lock_timeout
        self._parsed: Parsed | None = None

    def not_regular(self, error: Exception) -> str:
        """The sentence for a path that is not a regular file (or a link to one)."""
        what = str(error).split(";")[0]
        return (
            f"Cannot read {what}; {self.variable} (or {self.default}) must name a regular file "
            "or a link to one."
        )

    # --- reading ---------------------------------------------------------------------------------------

    def load(self) -> Parsed | None:
        """The file parsed (None when it does not exist); the error when it cannot be read or parsed."""
        try:
            found = atomic.read_regular(self.path)
        except UnsafeFileError as error:
            raise self.error(self.not_regular(error)) from None
        except OSError as error:
            raise self.error(f"Cannot read {self.path}: {error.strerror or error}.") from None
        if found is None:
            return None
        try:
            return self._parse(found[0])
        except ini.IniError as error:
            raise self.error(
                f"{self.path} cannot be parsed by AWS tools ({error.reason}); fix it by hand, then try again."
            ) from None

    def _parse(self, raw: bytes) -> Parsed:
        """`raw` parsed, reusing the last parse while the bytes are the same (IniError when they do not
        parse). Repeated reads of a large file then cost a read and a comparison."""
        parsed = self._parsed
        if parsed is None or parsed.raw != raw:
            parsed = Parsed(raw, ini.parse_bytes(raw))
            self._parsed = parsed
        return parsed

    def stamp(self) -> tuple[int, int, int] | None:
        """(mtime_ns, size, inode) of the resolved file, to notice changes; None when it is missing."""
        try:
            info = os.stat(atomic.resolve(self.path))
        except FileNotFoundError:
            return None
        return info.st_mtime_ns, info.st_size, info.st_ino

    # --- changing --------------------------------------------------------------------------------------

    def update(
        self, subject: str, plan: Callable[[ini.Document], Sequence[Edit]], *, create: bool = True
    ) -> bool:
        """Under the lock: re-read, refuse what botocore cannot parse, apply the edits `plan` makes of the
        current document one after the other, check each, and replace the file once. `subject` ("Profile
        'dev'") names what is changed in every sentence. False when no edit had anything to do."""
        for _attempt in range(SAVE_ATTEMPTS):
            try:
                return self._update_once(subject, plan, create=create)
            except atomic.FileChanged:
                continue  # another program saved meanwhile: read its version and apply the change again
        raise self.error(
            f"{subject} was not written: another program kept changing {self.path} "
            f"({SAVE_ATTEMPTS} tries); try again when it is done."
        )

    def _update_once(
        self, subject: str, plan: Callable[[ini.Document], Sequence[Edit]], *, create: bool
    ) -> bool:
        try:
            with atomic.locked_file(self.path, timeout=self.lock_timeout) as file:
                raw = file.read_bytes()
                if raw is None and not create:
                    return False
                self._check_replaceable(subject, file.info)
                raw = b"" if raw is None else raw
                doc = self._parse_for_update(subject, raw)
                changed = False
                for edit in plan(doc):
                    if changed:  # the next edit applies to the text the last one made
                        doc = ini.parse_bytes(raw)
                    splice = edit.change(doc)
                    if splice is None:
                        continue
                    self._verify(subject, doc, splice, edit.expected)
                    raw, changed = ini_edits.apply(doc, raw, splice), True
                if not changed:
                    return False
                file.write_bytes(raw)
                self._parsed = None
                return True
        except atomic.LockTimeout:
            raise self.error(
                f"Another stsui process is writing {self.path}; try again in a moment."
            ) from None
        except UnsafeFileError as error:
            raise self.error(f"{subject} was not written. {self.not_regular(error)}") from None
        except OSError as error:
            raise self.error(
                f"{subject} was not written to {self.path}: {error.strerror or error}."
            ) from None

    def _check_replaceable(self, subject: str, info: os.stat_result | None) -> None:
        """Refuse to replace a file the user made read-only, or one with other hard links (a rename would
        split them: the other names would keep the old text)."""
        if info is None:
            return
        if not info.st_mode & stat.S_IWUSR:
            raise self.error(
                f"{subject} was not written: {self.path} is read-only (mode "
                f"{stat.S_IMODE(info.st_mode):04o}); stsui does not replace a file you protected: "
                f"make it writable (chmod 600) or point {self.variable} elsewhere."
            )
        if info.st_nlink > 1:
            raise self.error(
                f"{subject} was not written: {self.path} has {info.st_nlink} hard links, and an "
                "atomic replace would split them; use a symbolic link instead (stsui follows those)."
            )

    def _parse_for_update(self, subject: str, raw: bytes) -> ini.Document:
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
            raise self.error(
                f"{subject} was not changed: {self.path} cannot be parsed by AWS tools ({reason}); "
                "fix the file by hand first."
            )
        return parsed.doc

    def _verify(
        self,
        subject: str,
        doc: ini.Document,
        splice: ini_edits.Splice,
        expected: Callable[[Items], Mapping[str, Mapping[str, str]]],
    ) -> None:
        """Refuse an edit after which botocore could not parse the file or anything changed but what
        `expected` says. The edit's window parses on its own as it does in the whole file (see
        `ini.is_boundary`), so parsing the window before and after, and checking that no section it adds
        exists outside it, checks the whole file. (Only unusual indentation, which can turn lines into
        continuation lines, fails here.)"""
        unsafe = self.error(
            f"{subject} was not changed: the indentation in {self.path} does not allow a safe "
            "edit; remove the leading spaces from its lines by hand first."
        )
        whole = splice.first == 0 and splice.stop == len(doc.lines)
        kept_ends = splice.first == 0 or splice.text.startswith(doc.lines[splice.first] + "\n")
        if splice.stop < len(doc.lines):
            kept_ends = kept_ends and (not splice.text or splice.text.endswith("\n"))
        if not kept_ends:
            raise unsafe
        before = (doc if whole else ini.parse(ini_edits.window_text(doc, splice.first, splice.stop))).items()
        try:
            after = ini.parse(splice.text).items()
        except ini.IniError:
            raise unsafe from None
        wanted = expected(before)
        if after != wanted or list(after) != list(wanted):
            raise unsafe
        if not whole and any(name in doc.sections for name in after.keys() - before.keys()):
            raise unsafe
