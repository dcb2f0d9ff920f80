"""Whatever ~/.aws/config holds, `profiles sync` changes only the profiles stsui synced (botocore then reads
each as its `credential_process`), or changes nothing; and removing them restores the file byte for byte."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import botocore.configloader
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from stsui.domain.errors import AwsConfigError
from stsui.domain.rules import config_profile_name
from stsui.domain.synced_profiles import Wanted
from stsui.store.aws_config_file import AwsConfigFile, profile_values
from stsui.store.keys import MARKER
from tests.unit.test_credentials_fuzz import (
    FILES,
    FUZZ,
    botocore_accepts,
    credentials_file,
    sections_of,
    sections_of_bytes,
)

CONFIG_LINES = [
    "[profile dev]",
    '[profile "dev"]',
    "[profile  ops]",
    "[default]",
    "[sso-session work]",
    "[services s]",
    "[dev]",
    "x_stsui_role = dev",
    "credential_process = old",
    "region = eu-west-1",
    "output = json",
    "  s3 =",
    "    max_concurrent_requests = 20",
    "# comment",
    "",
]
HEADERS = ["[profile dev]", '[profile "dev"]', "[profile  ops]", "[default]", "[sso-session work]", "[dev]"]
BODY = [line for line in CONFIG_LINES if not line.startswith("[")]
SECTIONS = st.lists(
    st.tuples(st.sampled_from(HEADERS), st.lists(st.sampled_from(BODY), max_size=4, unique=True)),
    max_size=5,
    unique_by=lambda section: section[0],
)


def _text(lines: list[str], ending: str = "\n") -> bytes:
    return "".join(line + ending for line in lines).encode()


def _sections_text(sections: list[tuple[str, list[str]]], ending: str = "\n") -> bytes:
    return _text([line for header, body in sections for line in (header, *body)], ending)


CONFIG_FILES = st.sampled_from(
    [
        SECTIONS.map(_sections_text),
        SECTIONS.map(lambda sections: _sections_text(sections, "\r\n")),
        st.lists(st.sampled_from(CONFIG_LINES), max_size=12).map(_text),
        FILES,
    ]
).flatmap(lambda files: files)
"""Mostly files botocore reads (sections of config lines), then any lines, then anything at all."""
WANTED = st.lists(
    st.builds(
        Wanted,
        name=st.sampled_from(["dev", "ops", "new", "stsui-dev", "a.b"]),
        role=st.sampled_from(["dev", "ops", "r"]),
        command=st.sampled_from(
            ["'/opt/my tools/stsui' credential-process dev", "stsui credential-process r"]
        ),
        region=st.none() | st.just("eu-north-1"),
    ),
    max_size=4,
    unique_by=lambda wanted: wanted.name,
)


def _synced(section: str, values: dict[str, str]) -> bool:
    """A section stsui synced: a profile's (a bare `[dev]` is none to botocore) with the marker."""
    return config_profile_name(section) is not None and MARKER in values


def _profiles(path: object) -> dict[str, dict[str, str]]:
    return dict(botocore.configloader.load_config(str(path))["profiles"])


@FUZZ
@given(data=CONFIG_FILES, wanted=WANTED)
def test_a_sync_changes_only_the_profiles_stsui_synced_or_nothing(data: bytes, wanted: list[Wanted]) -> None:
    with credentials_file(data) as path:
        try:
            report = AwsConfigFile(path).sync(wanted)
        except AwsConfigError:
            assert path.read_bytes() == data
            return
        assert botocore_accepts(path)
        before = sections_of_bytes(data)
        after = sections_of(path)
        ours_before = {name for name, values in before.items() if _synced(name, values)}
        ours_after = {name for name, values in after.items() if _synced(name, values)}
        theirs = {name: values for name, values in before.items() if name not in ours_before}
        assert {name: after[name] for name in theirs} == theirs  # every other section as it was
        written = {w.name: w for w in wanted if w.name in report.added + report.updated + report.unchanged}
        profiles = _profiles(path)
        for name, profile in written.items():
            for key, value in profile_values(profile).items():
                assert profiles[name][key] == value
        assert len(ours_after) == len(written)
        skipped = {skip.name for skip in report.skipped}
        assert skipped | set(written) == {w.name for w in wanted}


@FUZZ
@given(data=CONFIG_FILES, wanted=WANTED)
def test_removing_what_a_sync_wrote_restores_the_bytes(data: bytes, wanted: list[Wanted]) -> None:
    assume(MARKER.encode() not in data.lower())
    with credentials_file(data) as path:
        store = AwsConfigFile(path)
        try:
            store.sync(wanted)
        except AwsConfigError:
            return
        store.sync([later(w) for w in wanted])  # a later sync rewrites them in place
        store.sync([])
        assert path.read_bytes() == data


def later(wanted: Wanted) -> Wanted:
    """`wanted` as a later sync wants it: another command line, the region set or dropped."""
    return replace(wanted, command=wanted.command + " --later", region=None if wanted.region else "us-east-2")


def test_a_sync_parses_the_file_a_few_times_however_many_profiles_it_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Adding, rewriting or removing 300 profiles among 2,000 of the user's: a handful of whole parses,
    not one per profile (removing 500 took 6 s when each removal parsed the file again)."""
    from stsui.store import ini

    path = tmp_path / "config"
    path.write_text("".join(f"[profile mine{n}]\nregion = eu-west-1\n\n" for n in range(2000)))
    wanted = [
        Wanted(f"stsui-r{n}", f"r{n}", f"stsui credential-process r{n}", "eu-west-1") for n in range(300)
    ]
    whole: list[int] = []
    parse = ini.parse

    def counting(text: str) -> ini.Document:
        if len(text) > path.stat().st_size // 2:
            whole.append(len(text))
        return parse(text)

    monkeypatch.setattr(ini, "parse", counting)
    for step in (wanted, [later(w) for w in wanted], []):
        whole.clear()
        AwsConfigFile(path).sync(step)
        assert len(whole) <= 4, len(whole)
    assert path.read_text().count("[profile ") == 2000
