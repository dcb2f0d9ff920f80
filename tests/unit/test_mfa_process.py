"""`run_mfa_process` with fake `ykman` and `op` scripts: the code from stdout, one sentence for anything
else (never the command's output), bounded in time, and a terminal only where there is one."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from stsui.domain.errors import MfaProcessError
from stsui.engine.mfa_process import run_mfa_process

SECRETISH = "op-session-token-never-shown"


def tool(bin_dir: Path, name: str, body: str) -> Path:
    """A fake program on PATH that logs its argv to `<name>.log` and then runs `body` (sh)."""
    script = bin_dir / name
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$*" >> "{bin_dir}/{name}.log"\n{body}\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


@pytest.fixture
def bin_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    return tmp_path


def test_the_code_comes_from_stdout_and_the_command_runs_through_sh(bin_dir: Path) -> None:
    tool(bin_dir, "ykman", "echo 123456")
    assert (
        run_mfa_process("ykman oath accounts code --single 'aws prod'", "role 'p'", use_terminal=False)
        == "123456"
    )
    assert (bin_dir / "ykman.log").read_text() == "oath accounts code --single aws prod\n"
    tool(bin_dir, "op", "printf '  654321\\r\\n'")
    assert run_mfa_process("op item get AWS --otp", "role 'p'", use_terminal=False) == "654321"


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (f"echo {SECRETISH}; echo 123456", "printed no 6-digit MFA code"),
        (f"echo 12345; echo {SECRETISH} >&2", "printed no 6-digit MFA code"),
        ("", "printed no 6-digit MFA code"),
        (f"echo {SECRETISH}; exit 3", "failed (exit status 3)"),
        ("kill -9 $$", "failed (exit status 137)"),  # sh -c reports its child killed by SIGKILL
    ],
)
def test_anything_but_a_code_is_one_sentence_without_the_output(bin_dir: Path, body: str, words: str) -> None:
    tool(bin_dir, "op", body)
    with pytest.raises(MfaProcessError) as caught:
        run_mfa_process("op item get AWS --otp", "role 'prod'", use_terminal=False)
    message = str(caught.value)
    assert words in message and "role 'prod'" in message
    assert SECRETISH not in message and "\n" not in message


def test_a_hung_command_and_its_children_are_stopped_at_the_timeout(bin_dir: Path) -> None:
    tool(bin_dir, "ykman", f'sleep 30 & echo $! > "{bin_dir}/child.pid"; wait')
    started = time.monotonic()
    with pytest.raises(MfaProcessError, match="gave no MFA code within 1 s"):
        run_mfa_process("ykman oath accounts code --single aws", "role 'p'", use_terminal=False, timeout=1)
    assert time.monotonic() - started < 10
    child = int((bin_dir / "child.pid").read_text())
    deadline = time.monotonic() + 5
    while Path(f"/proc/{child}").exists() and Path(f"/proc/{child}/stat").read_text().split()[2] != "Z":
        assert time.monotonic() < deadline, "the command's child outlived the timeout"
        time.sleep(0.05)


def test_endless_output_is_read_bounded(bin_dir: Path) -> None:
    tool(bin_dir, "op", "yes 123456 | head -c 50000000")
    with pytest.raises(MfaProcessError, match="printed no 6-digit MFA code"):
        run_mfa_process("op item get AWS --otp", "role 'p'", use_terminal=False)


def test_without_a_terminal_the_command_gets_none(bin_dir: Path) -> None:
    tool(bin_dir, "ykman", '[ -t 0 ] && echo 111111 || { echo "no terminal" >&2; exit 1; }')
    probe = (
        "import sys; from stsui.engine.mfa_process import run_mfa_process\n"
        "try:\n"
        "    print(run_mfa_process('ykman', \"role 'p'\", use_terminal=True))\n"
        "except Exception as error:\n"
        "    print(error)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        timeout=30,
        start_new_session=True,  # no controlling terminal, as under cron or CI
        check=False,
    )
    assert "failed (exit status 1)" in result.stdout and "no terminal" not in result.stdout + result.stderr
