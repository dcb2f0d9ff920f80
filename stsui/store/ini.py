"""A byte-preserving model of INI text as botocore reads it.

botocore parses the shared credentials file with `configparser.RawConfigParser` (file opened in text mode,
so `\\r\\n` and a lone `\\r` end lines too) and then parses values that start with a newline as nested
`key = value` blocks. This module is the one place that grammar lives: `parse()` mirrors it line by line
(and raises `IniError` exactly when botocore would fail), while keeping every line and line ending so that
edits (`stsui.store.ini_edits`) change only the lines they mean to; `read_section()` reads one section by
parsing only its lines (the shell prompt, fuzzed against `parse()`). `configparser_problem()` asks the real
configparser, as a second opinion before a file is changed. Cheap to import (the prompt imports it).
"""

from __future__ import annotations

import codecs

# The ABCs from `_collections_abc`, which `collections.abc` re-exports and the interpreter has loaded before
# any program runs (`os` imports it): `stsui prompt` reads one section through this grammar at every shell
# prompt, and importing the `collections` package cost it 2.5 ms of a 20 ms run.
from _collections_abc import Iterable, Iterator, Mapping, Sequence
from sys import intern

from stsui.domain.rules import DEFAULT_SECTION

_COMMENT_PREFIXES = ("#", ";")
_LINE_BREAK = r"(\r\n|\r|\n)"
ENDING_CHARS = ("\n", "\r")
"""The characters that end a line (alone or as `\\r\\n`), as universal newlines read the file."""


class IniError(ValueError):
    """The text is not something botocore can parse; `reason` says why in a few words (no values)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Section:
    """One `[name]` section: its header line and where each key line is. Values are read from the lines
    on demand, so reading a large file never copies values nobody asked for."""

    __slots__ = ("_lines", "_spans", "header", "key_lines", "name")

    def __init__(self, name: str, header: int, lines: list[str], spans: dict[int, int]) -> None:
        self.name = name
        self.header = header
        self.key_lines: dict[str, int] = {}  # lower-cased key -> its key line, in file order
        self._lines = lines
        self._spans = spans

    def __contains__(self, key: str) -> bool:
        return key in self.key_lines

    def get(self, key: str) -> str | None:
        """`key`'s value exactly as RawConfigParser returns it, or None when the section lacks it."""
        number = self.key_lines.get(key)
        if number is None:
            return None
        if number in self._spans:
            return option_value(self._lines, number, self._spans[number])
        stripped = self._lines[number].strip()  # the common one-line case, inlined: read() is hot
        at = stripped.find("=")
        colon = stripped.find(":", 0, at) if at >= 0 else stripped.find(":")
        return stripped[(colon if colon >= 0 else at) + 1 :].strip()

    @property
    def values(self) -> dict[str, str]:
        return {key: option_value(self._lines, n, self._spans.get(n)) for key, n in self.key_lines.items()}

    @property
    def last_key(self) -> int:
        """The last line that belongs to a key (the header when there is no key)."""
        if not self.key_lines:
            return self.header
        last = next(reversed(self.key_lines.values()))
        return self._spans.get(last, last)

    def span(self, key: str) -> range:
        """The lines from `key`'s key line to its last continuation line."""
        first = self.key_lines[key]
        return range(first, self._spans.get(first, first) + 1)


class Sections(Mapping[str, Section]):
    """The sections of a parsed text by name, in file order. A section's key lines are found when it is
    looked up (the text is known to parse, so every line of it that is not blank, a comment or a
    continuation is a key line); sections nobody looks at cost only their name and header line."""

    __slots__ = ("_headers", "_lines", "_spans", "_starts")

    def __init__(self, lines: list[str], spans: dict[int, int], headers: dict[str, int], starts: list[int]):
        self._lines = lines
        self._spans = spans
        self._headers = headers
        self._starts = starts

    def __getitem__(self, name: str) -> Section:
        from bisect import bisect_right  # loaded once, on the first section looked up (never by the prompt)

        header = self._headers[name]
        at = bisect_right(self._starts, header)
        stop = self._starts[at] if at < len(self._starts) else len(self._lines)
        lines, spans = self._lines, self._spans
        section = Section(name, header, lines, spans)
        key_lines = section.key_lines
        number = header + 1
        while number < stop:
            stripped = lines[number].strip()
            if stripped and stripped[0] not in "#;":
                key_lines[intern(stripped[: _delimiter(stripped)].rstrip().lower())] = number
                number = spans.get(number, number)
            number += 1
        return section

    def __contains__(self, name: object) -> bool:
        return name in self._headers

    def present(self, names: Iterable[str]) -> list[str]:
        """Those of `names` that are sections, in their order (a dict lookup each, not a method call)."""
        headers = self._headers
        return [name for name in names if name in headers]

    def __iter__(self) -> Iterator[str]:
        return iter(self._headers)

    def __len__(self) -> int:
        return len(self._headers)


class Document:
    """Parsed INI text: every line (without its ending), every ending, and the sections in file order."""

    __slots__ = ("defaults", "endings", "lines", "plain_endings", "sections")

    def __init__(
        self,
        lines: list[str],
        endings: list[str],
        sections: Sections,
        defaults: Section | None,
        plain_endings: bool = False,
    ) -> None:
        self.lines = lines
        self.endings = endings
        self.sections = sections
        self.defaults = defaults  # all [DEFAULT] sections together, when there is one
        self.plain_endings = plain_endings  # every line ends in "\n" (no "\r")

    def text(self) -> str:
        return "".join(line + ending for line, ending in zip(self.lines, self.endings, strict=True))

    def newline(self) -> str:
        """The file's dominant line ending (`\\n` when it has none)."""
        if self.plain_endings:
            return "\n"
        counts = {ending: self.endings.count(ending) for ending in ("\n", "\r\n", "\r")}
        best = max(counts, key=lambda ending: counts[ending])
        return best if counts[best] else "\n"

    def items(self) -> dict[str, dict[str, str]]:
        """Every section's own values in file order (DEFAULT first, when present), to compare versions."""
        result = {} if self.defaults is None else {DEFAULT_SECTION: self.defaults.values}
        result.update((name, section.values) for name, section in self.sections.items())
        return result


class Profiles(Mapping[str, dict[str, str]]):
    """Each section's values with [DEFAULT]'s underneath, as `RawConfigParser.items(name)` gives them; worked
    out for the sections asked for only."""

    def __init__(self, doc: Document) -> None:
        self._doc = doc

    def __getitem__(self, name: str) -> dict[str, str]:
        section = self._doc.sections[name]
        defaults = self._doc.defaults
        return section.values if defaults is None else {**defaults.values, **section.values}

    def __iter__(self) -> Iterator[str]:
        return iter(self._doc.sections)

    def __len__(self) -> int:
        return len(self._doc.sections)


_recent: list[tuple[bytes, Document]] = []
"""The last two texts parsed (the config and the credentials file), newest first."""


def parse_bytes(raw: bytes) -> Document:
    """`parse` of a file's bytes (`decode`). The last two files parsed are remembered, so the readers of one
    file in one process share one parse of it."""
    global _recent
    recent = _recent
    for known, doc in recent:
        if known == raw:
            return doc
    doc = parse(decode(raw))
    _recent = [(raw, doc), *recent[:1]]
    return doc


def decode(raw: bytes) -> str:
    """A file's text: UTF-8 without a BOM, else IniError (botocore fails on both)."""
    if raw.startswith(codecs.BOM_UTF8):
        raise IniError("it starts with a UTF-8 byte order mark")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise IniError(f"byte {error.start} is not valid UTF-8") from None


# --- the grammar -------------------------------------------------------------------------------------


def split_lines(text: str) -> tuple[list[str], list[str]]:
    """Lines and their endings, split like Python's universal newlines (`\\r\\n`, `\\r`, `\\n`)."""
    if "\r" not in text:
        lines = text.split("\n")
        endings = ["\n"] * (len(lines) - 1)
    else:
        import re  # only for a file with a CR: the prompt's read of one section never needs it

        pieces = re.split(_LINE_BREAK, text)
        lines, endings = pieces[0::2], pieces[1::2]
    if lines[-1]:
        endings.append("")
    else:
        lines.pop()
    return lines, endings


def split_option(stripped: str) -> tuple[str, str] | None:
    """(key as written, value) of a stripped option line, split at its first `=` or `:` like OPTCRE;
    None without a delimiter; the key is empty when the line starts with one."""
    at = _delimiter(stripped)
    if at < 0:
        return None
    return stripped[:at].rstrip(), stripped[at + 1 :].strip()


def _delimiter(stripped: str) -> int:
    equals = stripped.find("=")
    colon = stripped.find(":", 0, equals) if equals >= 0 else stripped.find(":")
    return colon if colon >= 0 else equals


def is_comment(stripped: str) -> bool:
    return stripped.startswith(_COMMENT_PREFIXES)


def indent_of(line: str) -> int:
    return len(line) - len(line.lstrip())


def option_value(lines: Sequence[str], number: int, end: int | None = None) -> str:
    """The value of the option on line `number` whose last continuation line is `end`: continuation lines
    and blank lines among them join with newlines, comments are skipped, trailing blank parts dropped."""
    stripped = lines[number].strip()
    value = stripped[_delimiter(stripped) + 1 :].strip()
    if end is None:
        return value
    parts = [value]
    for line in lines[number + 1 : end + 1]:
        part = line.strip()
        if not is_comment(part):
            parts.append(part)
    return "\n".join(parts).rstrip()


def parse(text: str) -> Document:
    """Parse INI text with RawConfigParser's rules; IniError names the first line botocore rejects.

    One pass that records where sections start and which lines continue a value (a non-blank, non-comment
    line indented deeper than the key line above it); a section's keys and values are found again when it
    is looked at, so a large file costs a list of lines and a few numbers per section."""
    lines, endings = split_lines(text)
    headers: dict[str, int] = {}  # section name -> its header line
    starts: list[int] = []  # every header line, [DEFAULT]'s too, in order
    spans: dict[int, int] = {}  # key line -> its last continuation line
    defaults: Section | None = None
    scratch: dict[str, int] = {}  # the current section's keys, to find duplicates
    keys: dict[str, int] | None = None  # where the current section's keys go (scratch, or [DEFAULT]'s own)
    key_line = -1  # the key line continuation lines extend; -1 right after a header
    name = ""  # the current section's name
    indent_level = 0
    for number, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            continue
        first = stripped[0]
        if first in "#;":
            continue
        if stripped is line:  # nothing stripped, so not indented: the common case, kept short
            indent_level = 0
        else:
            indent = indent_of(line) if line[0].isspace() else 0
            if indent > indent_level and key_line >= 0:
                spans[key_line] = number
                continue
            indent_level = indent
        if first == "[":  # a header is `[name]` up to the LAST "]", as RawConfigParser's SECTCRE matches
            close = stripped.rfind("]")
            if close >= 2:
                name = stripped[1:close]
                key_line = -1
                starts.append(number)
                if name == DEFAULT_SECTION:
                    defaults = defaults or Section(name, number, lines, spans)
                    keys = defaults.key_lines
                    continue
                if name in headers:
                    raise IniError(f"duplicate section [{name}] at line {number + 1}")
                headers[name] = number
                keys = scratch
                keys.clear()
                continue
        if keys is None:
            raise IniError(f"line {number + 1} comes before the first [section] header")
        at = stripped.find("=")  # the first "=" or ":", as in _delimiter (inlined: this loop is hot)
        colon = stripped.find(":", 0, at) if at >= 0 else stripped.find(":")
        if colon >= 0:
            at = colon
        if at <= 0:
            raise IniError(f"line {number + 1} is not key = value")
        key = intern(stripped[:at].rstrip().lower())  # a few distinct keys, 150,000 times in a big file
        if key in keys:
            raise IniError(f"duplicate key '{key}' in section [{name}] at line {number + 1}")
        keys[key] = key_line = number
    sections = Sections(lines, spans, headers, starts)
    doc = Document(lines, endings, sections, defaults, "\r" not in text)
    if spans:
        _check_nested(doc, spans)
    return doc


def is_boundary(line: str) -> bool:
    """An unindented `[name]` header: no line before it changes how it or the lines after it parse.

    It resets everything the grammar carries from line to line (the section, the key that indented lines
    continue, the indentation level), so a window of lines that starts at the text's start or at such a line
    and ends before another one (or at the end) parses on its own exactly as it does inside the whole text.
    Edits are checked on their window (`ini_edits.Splice`); `read_section` reads one section so."""
    if not line.startswith("["):
        return False
    return line.rstrip().rfind("]") >= 2


def read_section(text: str, name: str) -> Section | None:
    """Section `name` of `text` exactly as `parse(text).sections.get(name)` reads it, parsing only its window
    (`is_boundary`) when its header starts a line: one profile of a 50,000-profile file costs what one does
    (`stsui prompt`, at every prompt). Only when its header is indented (unusual) is the whole text parsed.
    None without that section, or when its window does not parse.

    The one exception, by design: a problem outside the window (a duplicate section elsewhere) is not seen,
    though botocore would refuse the whole file for it; a writer always parses the whole file."""
    header = f"[{name}]"
    if not name or "\n" in name or "\r" in name:
        return None
    indented = False
    at = text.find(header)
    while at >= 0:
        start = max(text.rfind("\n", 0, at), text.rfind("\r", 0, at)) + 1
        end = _line_end(text, at)
        stripped = text[start:end].strip()
        if stripped.startswith(header) and "]" not in stripped[len(header) :]:  # a header line of `name`
            if start == at:
                return _section_of(text[at : _next_boundary(text, end)], name)
            indented = True  # a header, or a line continuing a value: only the whole text tells
        at = text.find(header, end)
    return _section_of(text, name) if indented else None


def _line_end(text: str, at: int) -> int:
    """Where the line holding `text[at]` ends (its first line-ending character, or the text's end)."""
    newline = text.find("\n", at)
    end = len(text) if newline < 0 else newline
    lone = text.find("\r", at, end)  # only up to the "\n": a file without "\r" is not read to its end
    return end if lone < 0 else lone


def _next_boundary(text: str, at: int) -> int:
    """Where the first boundary line (`is_boundary`) after position `at` starts, or the text's end."""
    while True:
        newline = text.find("\n[", at)
        end = len(text) if newline < 0 else newline
        lone = text.find("\r[", at, end)
        found = newline if lone < 0 else lone
        if found < 0:
            return len(text)
        start = found + 1
        if is_boundary(text[start : _line_end(text, start)]):
            return start
        at = start


def _section_of(text: str, name: str) -> Section | None:
    try:
        return parse(text).sections.get(name)
    except IniError:
        return None


def _bad_nested(value: str) -> bool:
    """botocore parses a value starting with a newline as `k = v` lines and fails on any line without `=`."""
    if not value.startswith("\n"):
        return False
    return any(part.strip() and "=" not in part for part in value.splitlines())


def _nested_reason(key: str, section: str) -> str:
    return f"the indented lines under key '{key}' in section [{section}] are not key = value"


def _check_nested(doc: Document, spans: Mapping[int, int]) -> None:
    """Reject what botocore's nested-value parsing rejects. Defaults count only through real sections
    that do not override them, as botocore looks only at real sections."""
    for name, section in doc.sections.items():
        for key, number in section.key_lines.items():
            if number in spans and _bad_nested(option_value(doc.lines, number, spans[number])):
                raise IniError(_nested_reason(key, name))
    if doc.defaults is None:
        return
    for key, value in doc.defaults.values.items():
        if _bad_nested(value) and any(key not in s for s in doc.sections.values()):
            raise IniError(_nested_reason(key, DEFAULT_SECTION))


def configparser_problem(text: str) -> str | None:
    """Ask the real RawConfigParser, after the universal-newline translation that botocore's text-mode
    open does; the reason it fails, else None. (botocore's nested-value rule is `parse()`'s alone.)"""
    import configparser  # only before a change: reading the file never needs it

    try:
        configparser.RawConfigParser().read_string(text.replace("\r\n", "\n").replace("\r", "\n"))
    except configparser.Error as error:
        return _configparser_reason(error)
    return None


def _configparser_reason(error: Exception) -> str:
    """A short reason naming lines, sections and keys but never a value."""
    import configparser

    if isinstance(error, configparser.DuplicateSectionError):
        return f"duplicate section [{error.section}] at line {error.lineno}"
    if isinstance(error, configparser.DuplicateOptionError):
        return f"duplicate key '{error.option}' in section [{error.section}] at line {error.lineno}"
    if isinstance(error, configparser.MissingSectionHeaderError):
        return f"line {error.lineno} comes before the first [section] header"
    if isinstance(error, configparser.ParsingError):
        return f"line {error.errors[0][0]} is not key = value"
    return type(error).__name__
