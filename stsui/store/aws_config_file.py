"""The AWS config file (`~/.aws/config`), which belongs to the user and every other AWS tool: the
`credential_process` profiles `stsui profiles sync` keeps there, and nothing else.

A profile stsui wrote carries its marker (`x_stsui_role = ROLE`, a key botocore ignores) and holds
`credential_process`, the role's `region` and the marker; keys you add to it are kept. A sync changes only
those profiles: it adds the ones it wants, rewrites in place the ones whose values changed, removes the ones
it no longer wants, and skips a name that another section of the file already defines (`[profile NAME]` in
any spelling botocore accepts, or `[default]`), reporting it. Every other byte is kept; the whole sync is one
locked, checked, atomic write (`stsui.store.ini_file`), or none when nothing changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from stsui.domain.errors import AwsConfigError
from stsui.domain.paths import AWS_CONFIG_VARIABLE
from stsui.domain.rules import config_profile_name
from stsui.domain.synced_profiles import Skipped, Wanted
from stsui.store import ini, ini_edits
from stsui.store.ini_file import Edit, IniFile, Items, value_problem
from stsui.store.keys import CREDENTIAL_PROCESS, MARKER, REGION

OURS = (CREDENTIAL_PROCESS, REGION, MARKER)
"""The keys a synced profile holds, in the order they are written."""


def profile_values(wanted: Wanted) -> dict[str, str]:
    """The keys stsui writes for `wanted`, in order."""
    values = {CREDENTIAL_PROCESS: wanted.command}
    if wanted.region:
        values[REGION] = wanted.region
    values[MARKER] = wanted.role
    return values


@dataclass
class SyncReport:
    """What a sync did (or, dry, would do), by profile name."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)


class AwsConfigFile:
    """The AWS config file at `path`: the profiles stsui synced, read and changed."""

    def __init__(self, path: Path, *, lock_timeout: float = 10.0) -> None:
        self.path = path
        self.file = IniFile(
            path,
            error=AwsConfigError,
            variable=AWS_CONFIG_VARIABLE,
            default="~/.aws/config",
            lock_timeout=lock_timeout,
        )

    def synced(self) -> dict[str, str]:
        """Each profile stsui synced, with the role it serves."""
        parsed = self.file.load()
        if parsed is None:
            return {}
        found: dict[str, str] = {}
        for section_name, section in parsed.doc.sections.items():
            profile = config_profile_name(section_name)
            if profile is not None and MARKER in section.key_lines:
                found.setdefault(profile, section.get(MARKER) or "")
        return found

    def sync(self, wanted: Sequence[Wanted], *, dry_run: bool = False) -> SyncReport:
        """Make stsui's profiles exactly `wanted` (an empty list removes them all); `dry_run` changes
        nothing and reports what a sync would do. AwsConfigError when the file cannot be read or changed."""
        for profile in wanted:
            for key, value in profile_values(profile).items():
                problem = value_problem(key, value)
                if problem:
                    raise AwsConfigError(
                        f"Profile '{profile.name}' for role '{profile.role}' cannot be written to "
                        f"{self.path}: {problem}; nothing was changed."
                    )
        report = SyncReport()
        if dry_run:
            parsed = self.file.load()
            _plan(ini.parse("") if parsed is None else parsed.doc, wanted, report, self.path)
            return report

        def plan(doc: ini.Document) -> list[Edit]:
            nonlocal report
            report = SyncReport()  # a save by another program meanwhile: planned again on its version
            return _plan(doc, wanted, report, self.path)

        self.file.update("Nothing", plan, create=bool(wanted))
        return report


def _plan(doc: ini.Document, wanted: Sequence[Wanted], report: SyncReport, path: Path) -> list[Edit]:
    """The edits that make the file's synced profiles `wanted`, and what they do into `report`."""
    sections: dict[str, list[str]] = {}  # profile -> the sections that define it, in file order
    for section_name in doc.sections:
        defined = config_profile_name(section_name)
        if defined is not None:
            sections.setdefault(defined, []).append(section_name)
    kept: set[str] = set()
    updates: dict[str, dict[str, str]] = {}
    added: dict[str, dict[str, str]] = {}
    for profile in wanted:
        defining = sections.get(profile.name, [])
        mine = [name for name in defining if MARKER in doc.sections[name].key_lines]
        if len(mine) < len(defining):
            reason = f"{path} already has a profile '{profile.name}' that stsui did not write"
            report.skipped.append(Skipped(profile.name, profile.role, reason))
            continue
        values = profile_values(profile)
        if not mine:
            added[f"profile {profile.name}"] = values
            report.added.append(profile.name)
            continue
        kept.add(mine[0])
        if _current(doc.sections[mine[0]]) == values:
            report.unchanged.append(profile.name)
        else:
            updates[mine[0]] = values
            report.updated.append(profile.name)
    removed: list[str] = []
    for name, defining in sections.items():
        for section_name in defining:
            if section_name not in kept and MARKER in doc.sections[section_name].key_lines:
                removed.append(section_name)
                if name not in report.removed:
                    report.removed.append(name)
    edits = [_updates(updates)] if updates else []
    if removed:
        edits.append(_removals(removed))
    if added:
        edits.append(_addition(added))
    return edits  # three at most, each checked once: as many parses of the file, whatever the profiles


def _current(section: ini.Section) -> dict[str, str]:
    return {key: section.get(key) or "" for key in OURS if key in section.key_lines}


def _updates(updates: dict[str, dict[str, str]]) -> Edit:
    """Each section of `updates` given its values in place (stsui's keys it no longer wants dropped)."""
    dropped = {name: [key for key in OURS if key not in values] for name, values in updates.items()}

    def change(doc: ini.Document) -> ini_edits.Splice:
        return ini_edits.set_many(doc, {name: (values, dropped[name]) for name, values in updates.items()})

    def expected(before: Items) -> Items:
        after = dict(before)
        for name, values in updates.items():
            kept = {key: value for key, value in before[name].items() if key not in dropped[name]}
            after[name] = {**kept, **values}
        return after

    return Edit(change, expected)


def _removals(names: list[str]) -> Edit:
    def change(doc: ini.Document) -> ini_edits.Splice:
        return ini_edits.remove_sections(doc, names)

    def expected(before: Items) -> Items:
        gone = set(names)
        return {name: values for name, values in before.items() if name not in gone}

    return Edit(change, expected)


def _addition(sections: dict[str, dict[str, str]]) -> Edit:
    def change(doc: ini.Document) -> ini_edits.Splice:
        return ini_edits.append_sections(doc, sections)

    def expected(before: Items) -> Items:
        return {**before, **sections}

    return Edit(change, expected)
