"""`kill -9` at a random moment of `stsui assume` never costs the user a byte of their credentials file."""

from __future__ import annotations

import os
import random
import re
import signal
import stat
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from stsui.store.atomic import temp_prefix
from tests.reliability.conftest import SESSION_KEYS, make_home, parse_ini, run, spawn, tree_snapshot
from tests.support.home import USER_CREDENTIALS, Home

SEED = 20261130
BATCHES = 3
ROUNDS_PER_BATCH = 14
CALIBRATION_RUNS = 3
RECENT = 5
TARGETS = ("admin", "p-1", "p-2", "p-3")
"""Profiles the rounds write: those already in the file are rewritten in place, the others appended."""

TEMP = re.compile(r"\.credentials\.stsui-[0-9a-f]+\.tmp")
HEADER = re.compile(r"^\[([^\]\r\n]+)\][ \t]*\r?$", re.MULTILINE)


def section_span(text: str, name: str) -> tuple[int, int] | None:
    """Where `[name]` starts and where the next section (or the text) ends."""
    headers = list(HEADER.finditer(text))
    for index, match in enumerate(headers):
        if match.group(1) == name:
            end = headers[index + 1].start() if index + 1 < len(headers) else len(text)
            return match.start(), end
    return None


def assert_complete_section(chunk: str, profile: str, old_key: str | None) -> None:
    """`chunk` is one whole `[profile]` section stsui wrote for role `admin`, holding a new session."""
    parser = parse_ini(chunk.lstrip("\r\n"))
    assert parser.sections() == [profile], chunk
    values = dict(parser[profile])
    assert set(values) == SESSION_KEYS, chunk
    assert values["x_stsui_role"] == "admin"
    assert values["aws_access_key_id"] != old_key
    assert values["x_principal_arn"] == "arn:aws:sts::111111111111:assumed-role/Admin/tester"


def check_round(before: str, after: str, profile: str, finished: bool) -> str:
    """After a round: everything but `[profile]` byte-identical; `[profile]` old or wholly new.
    Returns "old" or "new"."""
    parse_ini(after)  # the whole file stays readable by every AWS tool
    if after == before:
        assert not finished, "a run that exited 0 must have written its profile"
        return "old"
    span = section_span(before, profile)
    if span is None:  # appended
        assert after.startswith(before)
        assert_complete_section(after[len(before) :], profile, None)
    else:  # rewritten in place
        start, end = span
        old_key = parse_ini(before[start:end])[profile]["aws_access_key_id"]
        tail = before[end:]
        assert after.startswith(before[:start])
        assert after.endswith(tail)
        assert_complete_section(after[start : len(after) - len(tail)], profile, old_key)
    return "new"


@dataclass
class Tally:
    """What the rounds of one batch saw."""

    killed_old: int = 0
    killed_new: int = 0
    finished: int = 0
    temps_left: int = 0
    run_time: float = 0.0


def check_leftovers(home: Home, expected: set[str], finished: bool) -> int:
    """Nothing new in the credentials directory except, after a kill, the temp file atomic replacement
    needs: private (0600) and named `.credentials.stsui-*.tmp` so that the next writer deletes it (with
    O_TMPFILE it has a name only between link and rename; without, from its creation, and it may be
    partial). A run that finished leaves nothing. Returns how many temps there are now."""
    directory = home.credentials.parent
    extra = tree_snapshot(directory) - expected
    assert not (finished and extra), f"a finished writer left {extra}"
    for name in extra:
        assert TEMP.fullmatch(name), f"a killed writer left {name}"
        assert stat.S_IMODE((directory / name).stat().st_mode) == 0o600
    return len(extra)


def run_batch(home: Home, seed: int) -> Tally:
    """Calibrate a run's duration, then kill rounds at random moments and check the file after each."""
    rng = random.Random(seed)
    tally = Tally()
    took = []
    for _ in range(CALIBRATION_RUNS):
        started = time.monotonic()  # how long a real run takes, to place the kills (no test clock here)
        result = run(home, "assume", "admin", "--duration", "1h")
        took.append(time.monotonic() - started)
        assert result.returncode == 0, result.stderr
    took = took[1:]  # the first run pays for cold caches
    aws_dir = tree_snapshot(home.credentials.parent)
    for number in range(ROUNDS_PER_BATCH):
        profile = rng.choice(TARGETS)
        before = home.credentials.read_text()
        # --duration asks STS for a new session every time, so "new" is told apart from "old"
        started = time.monotonic()
        process = spawn(home, "assume", "admin", "--profile", profile, "--duration", "1h", "--force")
        # the typical run time under the current load: the median of the last runs that finished
        typical = statistics.median(took[-RECENT:])
        # every third round any moment of a run, the others its last part, where the lock and the write are
        delay = rng.uniform(0.0 if number % 3 == 0 else 0.55 * typical, 1.05 * typical)
        time.sleep(delay)  # the random moment IS the test
        process.send_signal(signal.SIGKILL)
        _, err = process.communicate(timeout=60)
        finished = process.returncode == 0
        if finished:
            took.append(time.monotonic() - started)
        assert process.returncode in (0, -signal.SIGKILL), err
        outcome = check_round(before, home.credentials.read_text(), profile, finished)
        if finished:
            tally.finished += 1
        elif outcome == "new":
            tally.killed_new += 1
        else:
            tally.killed_old += 1
        tally.temps_left += check_leftovers(home, aws_dir, finished)
    final = run(home, "assume", "admin", "--duration", "1h")  # the next writer clears what a kill left
    assert final.returncode == 0, final.stderr
    assert tree_snapshot(home.credentials.parent) == aws_dir
    tally.run_time = statistics.median(took)
    return tally


def test_kill_9_mid_assume_never_corrupts_the_credentials_file(
    tmp_path_factory: pytest.TempPathFactory, moto_url: str
) -> None:
    """≥ 30 rounds of SIGKILL at a random moment: after each, the file parses, every other section is
    byte-identical, the written profile is the old or the complete new version, and nothing is left in the
    directory but (rarely) a 0600 temp file, which the next writer removes."""
    homes = [make_home(tmp_path_factory.mktemp(f"kill{n}"), moto_url) for n in range(BATCHES)]
    with ThreadPoolExecutor(BATCHES) as pool:
        tallies = list(pool.map(run_batch, homes, [SEED + n for n in range(BATCHES)]))
    rounds = sum(ROUNDS_PER_BATCH for _ in tallies)
    print(
        f"kill -9: {rounds} rounds; median run time per batch "
        f"{', '.join(f'{t.run_time:.2f}' for t in tallies)} s; killed with the file unchanged "
        f"{sum(t.killed_old for t in tallies)}, killed after the new version was in place "
        f"{sum(t.killed_new for t in tallies)}, finished {sum(t.finished for t in tallies)}; rounds after "
        f"which a temp file was present {sum(t.temps_left for t in tallies)}"
    )
    assert rounds >= 30
    assert not [path for home in homes for path in home.cache.rglob("*.tmp")], "temp files left in the cache"
    for home in homes:
        text = home.credentials.read_text()
        assert text.startswith(USER_CREDENTIALS)
        assert set(parse_ini(text).sections()) >= {"default", "personal", "admin"}


def test_writer_clears_temp_files_a_killed_writer_left(rhome: Home) -> None:
    """A named temp file a killed writer left next to the credentials file (secrets inside) is deleted
    by the next write, and nothing else in the directory is touched."""
    directory = rhome.credentials.parent
    stale = directory / ".credentials.stsui-0123456789abcdef.tmp"
    stale.write_text("[admin]\naws_secret_access_key = leaked-by-a-killed-writer\n")
    os.chmod(stale, 0o600)
    keep = directory / "notes.tmp"
    keep.write_text("mine\n")
    result = run(rhome, "assume", "admin")
    assert result.returncode == 0, result.stderr
    assert not stale.exists()
    assert keep.read_text() == "mine\n"


def test_cache_writer_clears_temp_files_a_killed_writer_left(rhome: Home) -> None:
    """The session cache holds secrets too: a temp file a killed writer left there is cleared as well."""
    sessions = rhome.cache / "sessions"
    sessions.mkdir(parents=True, mode=0o700)
    stale = sessions / f"{temp_prefix(sessions / 'admin.json')}0123456789abcdef.tmp"
    stale.write_text('{"SecretAccessKey": "leaked-by-a-killed-writer"}')
    os.chmod(stale, 0o600)
    result = run(rhome, "assume", "admin")
    assert result.returncode == 0, result.stderr
    assert sorted(path.name for path in sessions.iterdir()) == ["admin.json"]


CRASH_SHIM = """\
import fcntl, os, runpy, signal, sys
crash_at, calls, armed = int(os.environ["STSUI_TEST_CRASH_AT"]), [0], [False]
real_flock = fcntl.flock
def flock(fd, operation):
    real_flock(fd, operation)
    armed[0] = armed[0] or bool(operation & fcntl.LOCK_EX)
fcntl.flock = flock
def crash_point(name):
    real = getattr(os, name)
    def call(*args, **kwargs):
        if armed[0]:
            calls[0] += 1
            if calls[0] == crash_at:
                os.kill(os.getpid(), signal.SIGKILL)
        return real(*args, **kwargs)
    setattr(os, name, call)
for name in ("open", "write", "fchmod", "fchown", "fsync", "link", "replace", "rename", "unlink", "close"):
    crash_point(name)
sys.argv = ["stsui", *sys.argv[1:]]
runpy.run_module("stsui", run_name="__main__", alter_sys=True)
"""
"""The real program, killed by SIGKILL just before its N-th file-system call made under a write lock."""


def anonymous_temps_work(directory: Path) -> bool:
    """Whether this kernel and file system can create and name an O_TMPFILE file in `directory`."""
    flag = getattr(os, "O_TMPFILE", 0)
    if not flag:
        return False
    try:
        fd = os.open(directory, flag | os.O_WRONLY, 0o600)
    except OSError:
        return False
    dir_fd = os.open(directory, os.O_RDONLY)
    name = directory / ".probe-o-tmpfile"
    try:
        os.link(f"/proc/self/fd/{fd}", name, src_dir_fd=dir_fd, follow_symlinks=True)
    except OSError:
        return False
    finally:
        os.close(fd)
        os.close(dir_fd)
    name.unlink()
    return True


def run_crashing_at(home: Home, step: int, *args: str) -> int:
    """Run `stsui *args`, dying at crash point `step`; the exit code (-9 when it died)."""
    result = subprocess.run(
        [sys.executable, "-c", CRASH_SHIM, *args],
        env={**home.env, "STSUI_TEST_CRASH_AT": str(step)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode in (0, -signal.SIGKILL), result.stderr
    return result.returncode


@pytest.mark.parametrize("profile", ["admin", "fresh"], ids=["rewrite-in-place", "append"])
def test_kill_9_at_every_write_step(rhome: Home, profile: str) -> None:
    """Deterministic complement to the random kills: die before each file-system call made under a lock
    (cache and credentials writes: open, write, fsync, link, rename, close, …) in turn, until a run gets
    through. After every death the file is the old or the complete new version, nothing but a private
    temp file is left, and the run that gets through clears that."""
    rhome.wait_until_settled()  # else the first run after the window re-caches: a write that shifts the steps
    assert run(rhome, "assume", "admin").returncode == 0
    aws_dir = tree_snapshot(rhome.credentials.parent)
    args = ("assume", "admin", "--profile", profile, "--duration", "1h", "--force")
    step, outcomes, temps, leaving_steps = 0, [], [], 0
    while True:
        step += 1
        assert step < 100, "the write never completed"
        before = rhome.credentials.read_text()
        present = tree_snapshot(rhome.credentials.parent)
        code = run_crashing_at(rhome, step, *args)
        outcomes.append(check_round(before, rhome.credentials.read_text(), profile, code == 0))
        temps.append(check_leftovers(rhome, aws_dir, code == 0))
        # a step that starts with a stale temp makes one more call (deleting it), shifting the crash points
        started_clean = not any(TEMP.fullmatch(name) for name in present)
        leaving_steps += started_clean and bool(tree_snapshot(rhome.credentials.parent) - present)
        if code == 0:
            break
    print(f"kill at every write step ({profile}): {step - 1} crash points; outcomes {outcomes}")
    print(f"temp files left after each step: {temps}")
    assert step > 5 and "old" in outcomes
    if anonymous_temps_work(rhome.credentials.parent):
        # the temp file is anonymous (O_TMPFILE) until it is complete; it has a name only between the
        # link and the rename, so exactly one crash point (of a run starting clean) can leave it behind
        assert leaving_steps == 1, temps
