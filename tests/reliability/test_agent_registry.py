"""One agent per user, whoever is looking: a caller probing for the agent never makes one that is
starting believe another already serves."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROBE = """
import sys
from stsui.agent.registry import find_agent
print("probing", flush=True)
while True:
    find_agent()
"""

STARTS = 5000


def test_an_agent_starting_while_callers_probe_is_never_told_another_serves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from stsui.agent.registry import AgentRegistration, AgentRunning

    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    first = AgentRegistration()
    first.acquire()
    first.publish("http://127.0.0.1:9", "token")  # probers read the file, then probe the lock
    first.release()
    (runtime / "stsui" / "agent.json").write_text('{"url": "http://127.0.0.1:9", "token": "t", "pid": 1}')
    prober = subprocess.Popen(
        [sys.executable, "-c", PROBE],
        env={**os.environ, "XDG_RUNTIME_DIR": str(runtime)},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert prober.stdout is not None and prober.stdout.readline() == "probing\n"
        refused = 0
        for _ in range(STARTS):
            registration = AgentRegistration()
            try:
                registration.acquire()
            except AgentRunning:
                refused += 1
                continue
            registration.release()
        assert refused == 0, f"{refused} of {STARTS} starts were told another agent serves"
    finally:
        prober.kill()
        prober.wait()


def test_a_second_agent_is_still_refused_while_one_serves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from stsui.agent.registry import AgentRegistration, AgentRunning, find_agent

    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    serving = AgentRegistration()
    serving.acquire()
    serving.publish("http://127.0.0.1:9", "token")
    try:
        with pytest.raises(AgentRunning, match=f"process {os.getpid()} at http://127.0.0.1:9"):
            AgentRegistration().acquire()
        found = find_agent()
        assert found is not None and found.url == "http://127.0.0.1:9"
    finally:
        serving.release()
    assert find_agent() is None
