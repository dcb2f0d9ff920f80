"""stsui's own directories and files, and the credentials path: nothing planted is trusted or followed,
nothing that is not a regular file is opened for long, nothing is handed to another owner."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.reliability.conftest import assert_one_sentence_failure, run
from tests.support.home import Home

OTHER_UID = 65534  # nobody: stands in for another local user (the suite runs as root)


def _secret_of(home: Home, role: str) -> str:
    return json.loads((home.cache / "sessions" / f"{role}.json").read_text())["SecretAccessKey"]


def test_a_cache_directory_owned_by_another_user_is_refused(rhome: Home) -> None:
    rhome.cache.mkdir(parents=True)
    os.chmod(rhome.cache, 0o777)
    os.chown(rhome.cache, OTHER_UID, OTHER_UID)
    result = run(rhome, "assume", "admin")
    assert result.returncode == 0, result.stderr  # the profile is still written, with a warning
    assert "belongs to another user" in result.stderr
    assert not (rhome.cache / "sessions").exists()  # nothing with a secret went into their directory


def test_a_world_writable_cache_directory_of_ones_own_is_tightened(rhome: Home) -> None:
    rhome.cache.mkdir(parents=True)
    os.chmod(rhome.cache, 0o777)
    assert run(rhome, "assume", "admin").returncode == 0
    assert stat.S_IMODE(rhome.cache.stat().st_mode) == 0o700
    session_file = rhome.cache / "sessions" / "admin.json"
    info = session_file.stat()
    assert stat.S_IMODE(info.st_mode) == 0o600 and info.st_uid == os.geteuid()


def test_a_planted_symlink_in_sessions_is_never_followed(rhome: Home, tmp_path: Path) -> None:
    victim = tmp_path / "system-file"
    victim.write_text("precious\n")
    sessions = rhome.cache / "sessions"
    sessions.mkdir(parents=True, mode=0o700)
    os.chmod(rhome.cache, 0o700)
    (sessions / "admin.json").symlink_to(victim)
    assert run(rhome, "assume", "admin").returncode == 0
    assert victim.read_text() == "precious\n"
    assert not (sessions / "admin.json").is_symlink()  # replaced by stsui's own regular file
    assert run(rhome, "credential-process", "admin").returncode == 0
    assert victim.read_text() == "precious\n"


def test_a_planted_session_file_is_not_handed_out(rhome: Home) -> None:
    assert run(rhome, "assume", "admin").returncode == 0
    session_file = rhome.cache / "sessions" / "admin.json"
    planted = json.loads(session_file.read_text())
    planted["SecretAccessKey"] = "planted-secret-000000000000000000"
    session_file.write_text(json.dumps(planted))
    os.chown(session_file, OTHER_UID, OTHER_UID)
    # the profile holds the real session: that one is handed out, never the planted file
    rhome.credentials.write_text(rhome.credentials.read_text().replace("[admin]", "[admin-old]"))
    result = run(rhome, "credential-process", "admin")
    assert result.returncode == 0, result.stderr
    assert "planted-secret" not in result.stdout


def test_xdg_cache_home_naming_a_file_still_serves_the_profile_session(rhome: Home, tmp_path: Path) -> None:
    assert run(rhome, "assume", "admin").returncode == 0
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    env = {"XDG_CACHE_HOME": str(blocker)}
    result = run(rhome, "credential-process", "admin", env=env)
    assert result.returncode == 0, result.stderr
    assert '"AccessKeyId"' in result.stdout
    again = run(rhome, "assume", "readonly", env=env)
    assert again.returncode == 0, again.stderr
    assert "not a directory" in again.stderr and "Traceback" not in again.stderr


@pytest.mark.parametrize("kind", ["fifo", "directory", "device"])
def test_a_credentials_path_that_is_not_a_regular_file_is_refused_at_once(
    rhome: Home, tmp_path: Path, kind: str
) -> None:
    path = tmp_path / "creds"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "directory":
        path.mkdir()
    else:
        path = Path("/dev/null")
    env = {"AWS_SHARED_CREDENTIALS_FILE": str(path)}
    for command in (("list",), ("assume", "admin"), ("credential-process", "admin")):
        result = run(rhome, *command, env=env, timeout=30)
        assert_one_sentence_failure(result, 1, "not a regular file", "AWS_SHARED_CREDENTIALS_FILE")
    if kind == "device":
        assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_read_only_credentials_file_is_refused(rhome: Home) -> None:
    os.chmod(rhome.credentials, 0o400)
    before = rhome.credentials.read_bytes()
    result = run(rhome, "assume", "admin")
    assert_one_sentence_failure(result, 1, "read-only", "chmod 600")
    assert rhome.credentials.read_bytes() == before
    assert stat.S_IMODE(rhome.credentials.stat().st_mode) == 0o400


def test_a_hard_linked_credentials_file_is_refused_not_split(rhome: Home, tmp_path: Path) -> None:
    twin = rhome.credentials.parent / "credentials.twin"
    os.link(rhome.credentials, twin)
    result = run(rhome, "assume", "admin")
    assert_one_sentence_failure(result, 1, "hard links")
    assert os.stat(twin).st_ino == os.stat(rhome.credentials).st_ino


def test_forget_that_fails_keeps_the_cached_session(rhome: Home) -> None:
    assert run(rhome, "assume", "admin").returncode == 0
    rhome.credentials.write_text(rhome.credentials.read_text() + "\n[broken\n")
    result = run(rhome, "forget", "admin")
    assert result.returncode == 1
    assert (rhome.cache / "sessions" / "admin.json").exists()


EDITOR = """
import os, sys, time
path, stop, count = sys.argv[1], sys.argv[2], 0
while not os.path.exists(stop):
    text = open(path).read()
    tmp = path + ".editor~"
    with open(tmp, "w") as f:
        f.write(text.replace("# my credentials", f"# my credentials {count}", 1))
        f.write(f"# editor save {count}\\n")
    os.replace(tmp, path)
    count += 1
    time.sleep(0.002)
print(count)
"""


def test_another_programs_save_is_never_undone(rhome: Home) -> None:
    stop = rhome.root / "stop-editor"
    editor = subprocess.Popen(
        [sys.executable, "-c", EDITOR, str(rhome.credentials), str(stop)], stdout=subprocess.PIPE, text=True
    )
    try:
        failures = []

        def assume(name: str) -> None:
            for _ in range(4):
                result = run(rhome, "assume", name, "--force")
                if result.returncode != 0:
                    failures.append(result.stderr)

        workers = [threading.Thread(target=assume, args=(n,)) for n in ("admin", "readonly")]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    finally:
        stop.touch()
        saves = int(editor.communicate(timeout=30)[0])
    text = rhome.credentials.read_text()
    last = max(int(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith("# editor save"))
    assert last == saves - 1
    lost = [n for n in range(saves) if f"# editor save {n}\n" not in text]
    # Linux has no compare-and-rename: a save landing in the microseconds between stsui's check and its
    # rename can still be lost. Before the check, 4-5 % of saves were (106 of 2,331 in the run).
    assert len(lost) <= max(1, saves // 200), f"{len(lost)} of {saves} editor saves were undone"
    assert all("kept changing" in f for f in failures)


@pytest.mark.parametrize("command", ["env", "credential-process"])
def test_an_unusable_sessions_directory_still_serves_the_session_in_the_profile(
    rhome: Home, tmp_path: Path, closed_port_url: str, command: str
) -> None:
    """sessions/ replaced by a link elsewhere: the valid session already in the profile is used, with no
    call to STS (which is unreachable here), and the problem is at most a warning."""
    assert run(rhome, "assume", "admin").returncode == 0
    sessions = rhome.cache / "sessions"
    for path in sessions.iterdir():
        path.unlink()
    sessions.rmdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    sessions.symlink_to(elsewhere)
    result = run(rhome, command, "admin", env={"AWS_ENDPOINT_URL_STS": closed_port_url})
    assert result.returncode == 0, result.stderr
    assert "AWS_SECRET_ACCESS_KEY" in result.stdout or '"SecretAccessKey"' in result.stdout
    assert "Traceback" not in result.stderr
    assert not list(elsewhere.iterdir())
