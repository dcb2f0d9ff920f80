"""Edits of INI text that change only the lines they mean to: a section's keys set or dropped in place, a
section appended or removed (byte for byte the inverse of appending), each as a `Splice` of a window of lines
that can be checked on its own. The grammar they follow is `stsui.store.ini`'s."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from stsui.store.ini import ENDING_CHARS, Document, Section, indent_of, is_boundary, is_comment, split_option

_Change = tuple[str, str] | None  # new (line, ending), or None to drop the line


@dataclass(frozen=True)
class Splice:
    """An edit: lines `first` to `stop` (exclusive) of the document replaced by `text`.

    The lines are a window (`stsui.store.ini.is_boundary`): they parse on their own exactly as they do inside
    the whole text, so an edit can be checked by parsing the window alone, whatever the size of the file."""

    first: int
    stop: int
    text: str


def _window(doc: Document, low: int, high: int) -> tuple[int, int]:
    """The smallest window (see `Splice`) holding lines `low` to `high`; the whole text when the document has
    a [DEFAULT] section (its keys count in every section) or `\r` line endings."""
    lines = doc.lines
    if doc.defaults is not None or not doc.plain_endings:
        return 0, len(lines)
    first = max(0, min(low - 1, len(lines) - 1))  # a header the edit keeps: dropping it would join the
    while first > 0 and not is_boundary(lines[first]):  # window's lines to the section before
        first -= 1
    stop = max(high + 1, first + 1)
    while stop < len(lines) and not is_boundary(lines[stop]):
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
    doc: Document, changes: Mapping[int, _Change], inserts: Mapping[int, Sequence[str]] = {}
) -> Splice:
    """The edit that applies `changes` and puts each of `inserts`' lines (ending in the dominant newline)
    after the line its key names (-1: before the first). A line without an ending (the old last line) gets
    one when something follows it."""
    inserts = inserts or {}
    touched = [*changes, *inserts, *(after + 1 for after in inserts)]
    first, stop = _window(doc, min(touched, default=0), max(touched, default=0))
    newline = doc.newline()
    out: list[str] = []

    def emit(chunk: str) -> None:
        if out and not out[-1].endswith(ENDING_CHARS):
            out[-1] += newline
        if chunk == "\n" and out and out[-1].endswith("\r"):
            chunk = "\r"  # an empty line must not fuse with a "\r" ending into one "\r\n"
        out.append(chunk)

    def emit_new(after: int) -> None:
        for line in inserts.get(after, ()):
            emit(line + newline)

    for after in sorted(inserts):
        if after < first:
            emit_new(after)
    for number in range(first, stop):
        change = changes.get(number, (doc.lines[number], doc.endings[number]))
        if change is not None:
            emit(change[0] + change[1])
        emit_new(number)
    return Splice(first, stop, "".join(out))


def _key_lines(doc: Document, section: Section, key: str) -> list[int]:
    """The key line and its continuation lines (comments and blank lines among them are not included)."""
    first, *rest = section.span(key)
    return [first, *(n for n in rest if doc.lines[n].strip() and not is_comment(doc.lines[n].strip()))]


def _reassigned(line: str, key: str, value: str) -> str:
    """`line` with its value replaced, keeping indentation, the key's spelling and the spacing around `=`."""
    lead = line[: indent_of(line)]
    stripped = line.strip()
    pair = split_option(stripped)
    if pair is None or not pair[1]:
        return f"{lead}{key} = {value}"
    return lead + stripped[: len(stripped) - len(pair[1])] + value


def _insertindent_of(doc: Document, section: Section, dropped: set[str]) -> str:
    """Indentation for new key lines: that of the section's last kept key, else of the next section header,
    so that no following line turns into a continuation line."""
    kept = [line for key, line in section.key_lines.items() if key not in dropped]
    following = [doc.lines[kept[-1]]] if kept else doc.lines[section.header + 1 :]
    for line in following:
        stripped = line.strip()
        if stripped and not is_comment(stripped):
            return line[: indent_of(line)]
    return ""


def _set(
    doc: Document, name: str, values: Mapping[str, str], drop: Iterable[str]
) -> tuple[dict[int, _Change], int, list[str]]:
    """`set_options`' changes of lines, and the new lines to put after which line."""
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
    indent = _insertindent_of(doc, section, dropped)
    new = [f"{indent}{key} = {value}" for key, value in values.items() if key not in section.key_lines]
    return changes, section.last_key, new


def set_options(doc: Document, name: str, values: Mapping[str, str], drop: Iterable[str] = ()) -> Splice:
    """The edit that updates section `name` in place: known keys rewritten where they are, missing ones added
    after the section's last key line, `drop` keys removed; every other line kept as it is."""
    return set_many(doc, {name: (values, tuple(drop))})


def set_many(doc: Document, updates: Mapping[str, tuple[Mapping[str, str], Iterable[str]]]) -> Splice:
    """The edit that makes `set_options`' change of each section named in `updates` (its values and the keys
    to drop), all at once: the sections are distinct, so their changes are too."""
    changes: dict[int, _Change] = {}
    inserts: dict[int, list[str]] = {}
    for name, (values, drop) in updates.items():
        lines, after, new = _set(doc, name, values, drop)
        changes.update(lines)
        if new:
            inserts[after] = new
    return _render(doc, changes, inserts)


def append_section(doc: Document, name: str, values: Mapping[str, str]) -> Splice:
    """The edit that appends `[name]`, after one empty line when the text ends with a line ending (a missing
    final newline is added instead, so that `remove_section` can restore the text exactly)."""
    return append_sections(doc, {name: values})


def append_sections(doc: Document, sections: Mapping[str, Mapping[str, str]]) -> Splice:
    """The edit that appends each of `sections` as `append_section` would, one after the other (so that
    `remove_sections` of them all restores the text exactly)."""
    new: list[str] = []
    for name, values in sections.items():
        if new or (doc.lines and doc.endings[-1]):
            new.append("")
        new += [f"[{name}]", *(f"{key} = {value}" for key, value in values.items())]
    return _render(doc, {}, {len(doc.lines) - 1: new})


def remove_section(doc: Document, name: str) -> Splice:
    """The edit that removes section `name` (header to last key line) and one empty line next to it (the one
    before it, else the one after it); at the end of the text, without an empty line before it, the line
    before loses its ending instead. This undoes `append_section` byte for byte, in any order of removal."""
    return remove_sections(doc, [name])


def remove_sections(doc: Document, names: Iterable[str]) -> Splice:
    """The edit that removes every section of `names` as `remove_section` would, all at once: sections with
    only empty lines between them go as one run, with one empty line next to the run (so that the sections
    `append_sections` added go byte for byte). Runs have other lines between them, so their changes are
    distinct."""
    sections = sorted((doc.sections[name] for name in names), key=lambda section: section.header)
    changes: dict[int, _Change] = {}
    run: list[Section] = []
    for section in sections:
        if run and any(line != "" for line in doc.lines[run[-1].last_key + 1 : section.header]):
            changes.update(_removal(doc, run[0].header, run[-1].last_key))
            run = []
        run.append(section)
    if run:
        changes.update(_removal(doc, run[0].header, run[-1].last_key))
    return _render(doc, changes)


def _removal(doc: Document, header: int, last: int) -> dict[int, _Change]:
    """The changes that remove lines `header` to `last` and one empty line next to them (see
    `remove_section`)."""
    changes: dict[int, _Change] = dict.fromkeys(range(header, last + 1))
    before, after = header - 1, last + 1
    if before >= 0 and doc.lines[before] == "":
        changes[before] = None
    elif after < len(doc.lines) and doc.lines[after] == "":
        changes[after] = None
    elif before >= 0 and after == len(doc.lines):
        changes[before] = (doc.lines[before], "")
    return changes
