"""A byte-preserving model of INI text as botocore reads it.

botocore parses the shared credentials file with `configparser.RawConfigParser` (file opened in text mode,
so `\\r\\n` and a lone `\\r` end lines too) and then parses values that start with a newline as nested
`key = value` blocks. This module is the one place that grammar lives: `parse()` mirrors it line by line
(and raises `IniError` exactly when botocore would fail), while keeping every line and line ending so that
edits change only the lines they mean to. `configparser_problem()` asks the real configparser, as a second
opinion before a file is changed.
"""

from __future__ import annotations

import bisect
import codecs
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from sys import intern

from stsui.domain.rules import DEFAULT_SECTION

TYPE_CHECKING = False
if TYPE_CHECKING:
    import configparser

_COMMENT_PREFIXES = ("#", ";")
_LINE_BREAK = re.compile(r"(\r\n|\r|\n)")
_ENDINGS = ("\n", "\r")


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
        header = self._headers[name]
        at = bisect.bisect_right(self._starts, header)
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
    """`parse` of a file's bytes, which must be UTF-8 without a BOM (botocore fails on both). The last two
    files parsed are remembered, so the readers of one file in one process share one parse of it."""
    global _recent
    recent = _recent
    for known, doc in recent:
        if known == raw:
            return doc
    if raw.startswith(codecs.BOM_UTF8):
        raise IniError("it starts with a UTF-8 byte order mark")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise IniError(f"byte {error.start} is not valid UTF-8") from None
    doc = parse(text)
    _recent = [(raw, doc), *recent[:1]]
    return doc


# --- the grammar -------------------------------------------------------------------------------------


def split_lines(text: str) -> tuple[list[str], list[str]]:
    """Lines and their endings, split like Python's universal newlines (`\\r\\n`, `\\r`, `\\n`)."""
    if "\r" not in text:
        lines = text.split("\n")
        endings = ["\n"] * (len(lines) - 1)
    else:
        pieces = _LINE_BREAK.split(text)
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


def _indent(line: str) -> int:
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
            indent = _indent(line) if line[0].isspace() else 0
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


def _configparser_reason(error: configparser.Error) -> str:
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


# --- edits -------------------------------------------------------------------------------------------

_Change = tuple[str, str] | None  # new (line, ending), or None to drop the line


@dataclass(frozen=True)
class Splice:
    """An edit: lines `first` to `stop` (exclusive) of the document replaced by `text`.

    The lines are a window that parses on its own exactly as it does inside the whole text: it starts at the
    text's start or at an unindented section header and ends before one (or at the end), and such a header
    resets everything the grammar carries from line to line. So an edit can be checked by parsing the
    window alone, whatever the size of the file."""

    first: int
    stop: int
    text: str


def _boundary(line: str) -> bool:
    """An unindented `[name]` header: no line before it changes how it or the lines after it parse."""
    if not line.startswith("["):
        return False
    return line.rstrip().rfind("]") >= 2


def _window(doc: Document, low: int, high: int) -> tuple[int, int]:
    """The smallest window (see `Splice`) holding lines `low` to `high`; the whole text when the document has
    a [DEFAULT] section (its keys count in every section) or `\r` line endings."""
    lines = doc.lines
    if doc.defaults is not None or not doc.plain_endings:
        return 0, len(lines)
    first = max(0, min(low - 1, len(lines) - 1))  # a header the edit keeps: dropping it would join the
    while first > 0 and not _boundary(lines[first]):  # window's lines to the section before
        first -= 1
    stop = max(high + 1, first + 1)
    while stop < len(lines) and not _boundary(lines[stop]):
        stop += 1
    return first, min(stop, len(lines))


def window_text(doc: Document, first: int, stop: int) -> str:
    pairs = zip(doc.lines[first:stop], doc.endings[first:stop], strict=True)
    return "".join(line + ending for line, ending in pairs)


def apply(doc: Document, raw: bytes, splice: Splice) -> bytes:
    """The UTF-8 text `raw` (which `doc` was parsed from) with `splice` applied."""
    if not raw.isascii():
        text = raw.decode("utf-8")
        start = sum(map(len, doc.lines[: splice.first])) + sum(map(len, doc.endings[: splice.first]))
        end = start + len(window_text(doc, splice.first, splice.stop))
        return (text[:start] + splice.text + text[end:]).encode("utf-8")
    start = sum(map(len, doc.lines[: splice.first])) + sum(map(len, doc.endings[: splice.first]))
    end = start + len(window_text(doc, splice.first, splice.stop))
    whole = memoryview(raw)
    return b"".join((whole[:start], splice.text.encode("utf-8"), whole[end:]))


def _render(
    doc: Document, changes: Mapping[int, _Change], after: int = -1, new: Sequence[str] = ()
) -> Splice:
    """The edit that applies `changes` and puts `new` lines (ending in the dominant newline) after line
    `after`. A line without an ending (the old last line) gets one when something follows it."""
    touched = [*changes, after, after + 1] if new else list(changes)
    first, stop = _window(doc, min(touched, default=0), max(touched, default=0))
    newline = doc.newline()
    out: list[str] = []

    def emit(chunk: str) -> None:
        if out and not out[-1].endswith(_ENDINGS):
            out[-1] += newline
        if chunk == "\n" and out and out[-1].endswith("\r"):
            chunk = "\r"  # an empty line must not fuse with a "\r" ending into one "\r\n"
        out.append(chunk)

    def emit_new() -> None:
        for line in new:
            emit(line + newline)

    if after < first:
        emit_new()
    for number in range(first, stop):
        change = changes.get(number, (doc.lines[number], doc.endings[number]))
        if change is not None:
            emit(change[0] + change[1])
        if number == after:
            emit_new()
    return Splice(first, stop, "".join(out))


def _key_lines(doc: Document, section: Section, key: str) -> list[int]:
    """The key line and its continuation lines (comments and blank lines among them are not included)."""
    first, *rest = section.span(key)
    return [first, *(n for n in rest if doc.lines[n].strip() and not is_comment(doc.lines[n].strip()))]


def _reassigned(line: str, key: str, value: str) -> str:
    """`line` with its value replaced, keeping indentation, the key's spelling and the spacing around `=`."""
    lead = line[: _indent(line)]
    stripped = line.strip()
    pair = split_option(stripped)
    if pair is None or not pair[1]:
        return f"{lead}{key} = {value}"
    return lead + stripped[: len(stripped) - len(pair[1])] + value


def _insert_indent(doc: Document, section: Section, dropped: set[str]) -> str:
    """Indentation for new key lines: that of the section's last kept key, else of the next section header,
    so that no following line turns into a continuation line."""
    kept = [line for key, line in section.key_lines.items() if key not in dropped]
    following = [doc.lines[kept[-1]]] if kept else doc.lines[section.header + 1 :]
    for line in following:
        stripped = line.strip()
        if stripped and not is_comment(stripped):
            return line[: _indent(line)]
    return ""


def set_options(doc: Document, name: str, values: Mapping[str, str], drop: Iterable[str] = ()) -> Splice:
    """The edit that updates section `name` in place: known keys rewritten where they are, missing ones added
    after the section's last key line, `drop` keys removed; every other line kept as it is."""
    section = doc.sections[name]
    changes: dict[int, _Change] = {}
    for key, value in values.items():
        if key in section.key_lines:
            first, *rest = _key_lines(doc, section, key)
            changes[first] = (_reassigned(doc.lines[first], key, value), doc.endings[first])
            changes.update(dict.fromkeys(rest))
    dropped = {key for key in drop if key in section.key_lines and key not in values}
    for key in dropped:
        changes.update(dict.fromkeys(_key_lines(doc, section, key)))
    indent = _insert_indent(doc, section, dropped)
    new = [f"{indent}{key} = {value}" for key, value in values.items() if key not in section.key_lines]
    return _render(doc, changes, section.last_key, new)


def append_section(doc: Document, name: str, values: Mapping[str, str]) -> Splice:
    """The edit that appends `[name]`, after one empty line when the text ends with a line ending (a missing
    final newline is added instead, so that `remove_section` can restore the text exactly)."""
    separator = [""] if doc.lines and doc.endings[-1] else []
    body = [f"{key} = {value}" for key, value in values.items()]
    return _render(doc, {}, len(doc.lines) - 1, [*separator, f"[{name}]", *body])


def remove_section(doc: Document, name: str) -> Splice:
    """The edit that removes section `name` (header to last key line) and one empty line next to it (the one
    before it, else the one after it); at the end of the text, without an empty line before it, the line
    before loses its ending instead. This undoes `append_section` byte for byte, in any order of removal."""
    section = doc.sections[name]
    last = section.last_key
    changes: dict[int, _Change] = dict.fromkeys(range(section.header, last + 1))
    before, after = section.header - 1, last + 1
    if before >= 0 and doc.lines[before] == "":
        changes[before] = None
    elif after < len(doc.lines) and doc.lines[after] == "":
        changes[after] = None
    elif before >= 0 and after == len(doc.lines):
        changes[before] = (doc.lines[before], "")
    return _render(doc, changes)
