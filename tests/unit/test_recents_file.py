"""The pins-and-history file: private, bounded, locked; anything odd is set aside with one warning."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stsui.domain.frecency import Recents
from stsui.domain.paths import state_dir
from stsui.store.recents import SIZE_LIMIT, NotRecents, RecentsFile, decode, encode, recents_file

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> RecentsFile:
    return RecentsFile(tmp_path / "state" / "stsui" / "recents.json")


def test_it_lives_in_the_xdg_state_directory(isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert recents_file().path == isolated_home / ".local" / "state" / "stsui" / "recents.json"
    monkeypatch.setenv("XDG_STATE_HOME", str(isolated_home / "st"))
    assert state_dir() == isolated_home / "st" / "stsui"
    monkeypatch.setenv("XDG_STATE_HOME", "relative/ignored")
    assert state_dir() == isolated_home / ".local" / "state" / "stsui"


def test_missing_is_empty_and_nothing_is_written(store: RecentsFile) -> None:
    assert store.read() == (Recents(), None)
    assert not store.path.exists()


def test_changes_are_kept_private(store: RecentsFile) -> None:
    saved, warning = store.update(lambda recents: recents.took(["a", "b"], NOW).toggled("b"))
    assert warning is None
    assert store.read() == (saved, None)
    assert saved.pins == ("b",) and [name for name, _ in saved.takes] == ["a", "b"]
    assert os.stat(store.path).st_mode & 0o777 == 0o600
    assert os.stat(store.path.parent).st_mode & 0o777 == 0o700


@pytest.mark.parametrize(
    "content",
    [
        b"not json",
        b'{"format": 2, "pins": []}',
        b'["a list"]',
        b'{"format": 1, "pins": ["\\u001b[2J"]}',
        b'{"format": 1, "takes": [["a", "yesterday"]]}',
        b'{"format": 1, "takes": [["a"]]}',
        b'{"format": 1, "takes": [["a", true]]}',
        b'{"format": 1, "pins": [["nested"]]}',
        b'{"format": 1, "takes": [[{"a": 1}, 1]]}',
        b'{"format": 1, "takes": [' + b",".join([b'["a", 1]'] * 70) + b', [["x"], 1]]}',
        b'{"format": 1, "order": "sideways"}',
        b"\xff\xfe",
    ],
)
def test_a_corrupt_or_foreign_file_is_set_aside_once_and_rebuilt(store: RecentsFile, content: bytes) -> None:
    store.path.parent.mkdir(parents=True, mode=0o700)
    store.path.write_bytes(content)
    recents, warning = store.read()
    assert recents == Recents()
    assert warning is not None and str(store.path) in warning and "starts again empty" in warning
    assert store.read() == (Recents(), None)  # rebuilt: said once
    assert json.loads(store.path.read_text())["format"] == 1


def test_a_link_is_replaced_never_followed(store: RecentsFile, tmp_path: Path) -> None:
    store.path.parent.mkdir(parents=True, mode=0o700)
    target = tmp_path / "elsewhere.json"
    target.write_bytes(encode(Recents(pins=("planted",))))
    store.path.symlink_to(target)
    recents, warning = store.read()
    assert recents == Recents() and warning is not None and "symbolic link" in warning
    assert not store.path.is_symlink() and target.read_bytes() == encode(Recents(pins=("planted",)))


def test_a_fifo_is_replaced_never_opened(store: RecentsFile) -> None:
    store.path.parent.mkdir(parents=True, mode=0o700)
    os.mkfifo(store.path)
    _, warning = store.update(lambda recents: recents.toggled("a"))
    assert warning is not None and "FIFO" in warning
    assert store.read() == (Recents(pins=("a",)), None)


def test_an_oversized_file_is_not_read(store: RecentsFile) -> None:
    store.path.parent.mkdir(parents=True, mode=0o700)
    store.path.write_bytes(b" " * (SIZE_LIMIT + 1))
    recents, warning = store.read()
    assert recents == Recents() and warning is not None
    assert store.path.stat().st_size < 100


def test_a_state_directory_that_is_a_link_saves_nothing_and_says_so(
    store: RecentsFile, tmp_path: Path
) -> None:
    store.path.parent.parent.mkdir(parents=True)
    (tmp_path / "other").mkdir()
    store.path.parent.symlink_to(tmp_path / "other")
    recents, warning = store.update(lambda recents: recents.toggled("a"))
    assert recents.pins == ("a",)  # what it would have kept
    assert warning is not None and warning.startswith("Could not save the history of roles")
    assert not (tmp_path / "other" / "recents.json").exists()


WRITER = """
import sys
from pathlib import Path
from stsui.store.recents import RecentsFile
from tests.support.clock import real_now  # a process of its own, wholly on the wall clock
store = RecentsFile(Path(sys.argv[1]))
for i in range(int(sys.argv[3])):
    _, warning = store.update(lambda r: r.took([f"{sys.argv[2]}-{i}"], real_now()))
    assert warning is None, warning
"""


def test_processes_writing_at_once_lose_nothing(store: RecentsFile) -> None:
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(store.path), f"w{n}", "25"]) for n in range(4)
    ]
    assert [writer.wait(timeout=120) for writer in writers] == [0, 0, 0, 0]
    recents, warning = store.read()
    assert warning is None
    assert sorted(name for name, _ in recents.takes) == sorted(
        f"w{n}-{i}" for n in range(4) for i in range(25)
    )


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5),
    max_leaves=30,
)


@given(
    st.fixed_dictionaries(
        {"format": st.just(1)}, optional={k: JSON for k in ("pins", "takes", "regions", "order")}
    )
)
def test_any_json_is_a_recents_file_or_set_aside_never_a_crash(data: dict[str, object]) -> None:
    try:
        recents = decode(json.dumps(data).encode())
    except NotRecents:
        return
    assert decode(encode(recents)) == recents
