"""`mfa_process` and desktop notifications through the real program against moto: fake `ykman`, `op` and
`notify-send` on PATH log their argv. Every run has no controlling terminal (a session of its own), as under
botocore's credential_process in CI."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.home import Home, write_roles

SERIAL = "arn:aws:iam::999999999999:mfa/tester"
ROLES = f"""\
[defaults]
source_profile = "default"
region = "eu-west-1"

[roles.yubi]
role_arn = "arn:aws:iam::333333333333:role/Ops"
mfa_serial = "{SERIAL}"
mfa_process = "ykman oath accounts code --single aws-prod"

[roles.typed]
role_arn = "arn:aws:iam::444444444444:role/Audit"
mfa_serial = "arn:aws:iam::999999999999:mfa/other"

[roles.quiet]
role_arn = "arn:aws:iam::555555555555:role/Quiet"
mfa_serial = "arn:aws:iam::999999999999:mfa/quiet"
notify = false
"""


def tool(bin_dir: Path, name: str, body: str) -> None:
    script = bin_dir / name
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$*" >> "{bin_dir}/{name}.log"\n{body}\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)


def log(bin_dir: Path, name: str) -> list[str]:
    path = bin_dir / f"{name}.log"
    return path.read_text().splitlines() if path.exists() else []


@pytest.fixture
def rig(home: Home, tmp_path: Path) -> tuple[Home, Path]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    home.env["PATH"] = f"{bin_dir}{os.pathsep}{home.env['PATH']}"
    write_roles(home, ROLES)
    return home, bin_dir


def run(home: Home, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "stsui", *args],
        input="",
        capture_output=True,
        text=True,
        env=home.env,
        timeout=90,
        start_new_session=True,  # no controlling terminal
        check=False,
    )


def test_credential_process_gets_the_code_from_mfa_process_without_any_tui(rig: tuple[Home, Path]) -> None:
    home, bin_dir = rig
    tool(bin_dir, "ykman", "echo 123456")
    result = run(home, "credential-process", "yubi")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["Version"] == 1
    assert log(bin_dir, "ykman") == ["oath accounts code --single aws-prod"]
    again = run(home, "assume", "yubi", "--force")  # the MFA session is cached: no second code
    assert again.returncode == 0, again.stderr
    assert len(log(bin_dir, "ykman")) == 1


def test_a_failing_mfa_process_is_one_sentence_exit_1_without_its_output(rig: tuple[Home, Path]) -> None:
    home, bin_dir = rig
    tool(bin_dir, "ykman", "echo 'op-session-secret-value'; echo 'Touch your YubiKey' >&2; exit 1")
    result = run(home, "assume", "yubi")
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "mfa_process of role 'yubi' failed" in result.stderr
    assert "op-session-secret-value" not in result.stderr + result.stdout
    assert "Touch your YubiKey" not in result.stderr  # without a terminal the command had none


def test_a_background_caller_nobody_can_answer_posts_one_notification_per_role(
    rig: tuple[Home, Path],
) -> None:
    home, bin_dir = rig
    tool(bin_dir, "notify-send", "exit 0")
    for _ in range(3):
        result = run(home, "credential-process", "typed")
        assert result.returncode == 1 and "no stsui TUI is running" in result.stderr
    sent = log(bin_dir, "notify-send")
    assert len(sent) == 1, sent  # at most once per role every 5 minutes
    assert "role 'typed'" in sent[0] and "stsui assume typed" in sent[0]
    assert "arn:aws:iam::999999999999:mfa/other" in sent[0]
    assert run(home, "credential-process", "quiet").returncode == 1  # notify = false
    assert len(log(bin_dir, "notify-send")) == 1
    for word in ("SECRET", "secret", "AKID"):
        assert word not in sent[0]


def test_credential_process_answering_from_the_cache_imports_no_keyring(rig: tuple[Home, Path]) -> None:
    home, bin_dir = rig
    write_roles(home, ROLES.replace('source_profile = "default"', 'source_keys = "work"'))
    tool(bin_dir, "ykman", "echo 123456")
    probe = (
        "import sys, runpy\n"
        "sys.argv = ['stsui', 'credential-process', 'yubi']\n"
        "try:\n"
        "    runpy.run_module('stsui', run_name='__main__')\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('KEYRING-IMPORTED' if 'keyring' in sys.modules else 'NO-KEYRING', file=sys.stderr)\n"
    )
    # the session of a keyring-rooted role, cached by an earlier call (here: written as the engine would)
    from stsui.domain.model import Credentials, Session
    from stsui.domain.times import utc_now
    from stsui.store.cache import SessionCache

    session = Session(
        "yubi",
        Credentials("ASIACACHED0000000001", "cached-secret", "cached-token", utc_now().replace(year=2099)),
        "arn:aws:sts::333333333333:assumed-role/Ops/tester",
    )
    SessionCache.under(home.cache).put(session)
    assert run(home, "list").returncode == 0  # validates the roles file into the cache the fast path reads
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=home.env, timeout=60, check=False
    )
    assert "ASIACACHED0000000001" in result.stdout, result.stderr
    assert "NO-KEYRING" in result.stderr, result.stderr
    prompt = subprocess.run(
        [sys.executable, "-c", probe.replace("'credential-process', 'yubi'", "'prompt'")],
        capture_output=True,
        text=True,
        env={**home.env, "AWS_PROFILE": "yubi"},
        timeout=60,
        check=False,
    )
    assert "NO-KEYRING" in prompt.stderr, prompt.stderr


def test_the_agent_uses_mfa_process_instead_of_a_503_and_notifies_when_nobody_can_answer(
    rig: tuple[Home, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from botocore.credentials import ContainerProvider

    from stsui.agent.server import CredentialsServer, route
    from stsui.agent.sessions import SessionSource
    from stsui.cli.wiring import load_engine
    from stsui.domain.errors import NeedsMfa

    home, bin_dir = rig
    tool(bin_dir, "ykman", "echo 123456")
    for key, value in home.env.items():
        monkeypatch.setenv(key, value)
    engine = load_engine(None, interactive=False)
    asked: list[tuple[str, str | None]] = []
    sessions = SessionSource(engine, needs_you=lambda role, serial, asker: asked.append((role.name, serial)))
    server = CredentialsServer(sessions, "t" * 32)
    server.start()
    try:
        environ = {"AWS_CONTAINER_CREDENTIALS_FULL_URI": route(server.url, "yubi")}
        credentials = ContainerProvider(
            environ={**environ, "AWS_CONTAINER_AUTHORIZATION_TOKEN": "t" * 32}
        ).load()
        assert credentials is not None and credentials.access_key.startswith("ASIA")
        assert log(bin_dir, "ykman") == ["oath accounts code --single aws-prod"]
        assert asked == []
        with pytest.raises(NeedsMfa):
            sessions.get("typed")
        assert asked == [("typed", "arn:aws:iam::999999999999:mfa/other")]
    finally:
        server.stop()


def test_parallel_background_callers_run_mfa_process_once(rig: tuple[Home, Path]) -> None:
    home, bin_dir = rig
    tool(bin_dir, "ykman", "sleep 0.5; echo 123456")
    callers = [
        subprocess.Popen(
            [sys.executable, "-m", "stsui", "credential-process", "yubi"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=home.env,
            start_new_session=True,
        )
        for _ in range(6)
    ]
    results = [caller.communicate(timeout=90) for caller in callers]
    assert all(caller.returncode == 0 for caller in callers), [err for _, err in results]
    assert len(log(bin_dir, "ykman")) == 1  # one code; the others took its MFA session
