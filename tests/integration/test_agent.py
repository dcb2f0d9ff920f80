"""The credentials server and `stsui serve`: what botocore's container provider reads, what it refuses."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from stsui.agent.server import CredentialsServer, route
from stsui.agent.sessions import SessionSource
from stsui.domain.errors import StsuiError, UsageError
from stsui.domain.model import Credentials, Role, Session
from stsui.engine.engine import Engine
from tests.support.clock import real_now
from tests.support.home import BASE_SECRET, Home
from tests.support.threads import held_signals, helper_threads

TOKEN = "test-token-0123456789abcdef0123456789"


@dataclass
class Counting:
    """The real gateway, counting AssumeRole calls."""

    inner: object
    assumed: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def assume_role(self, role: Role, *, duration: int, source: Credentials | None) -> Session:
        with self.lock:
            self.assumed.append(role.name)
        return self.inner.assume_role(role, duration=duration, source=source)  # type: ignore[attr-defined]

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)


class Clock:
    """The real clock moved by `offset`: moto stamps its sessions with the real time, so the engine's
    clock must be the real one too (a frozen one would see moto's sessions as expired or far off)."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return real_now() + self.offset


@dataclass
class Agent:
    engine: Engine
    gateway: Counting
    sessions: SessionSource
    server: CredentialsServer
    clock: Clock

    def url(self, role: str) -> str:
        return route(self.server.url, role)


def counted_engine(home: Home, monkeypatch: pytest.MonkeyPatch) -> tuple[Engine, Counting, Clock]:
    """The home's engine with STS at moto, its AssumeRole calls counted, on a clock a test can move."""
    for key, value in home.env.items():
        monkeypatch.setenv(key, value)
    from stsui.cli.wiring import load_engine, sts_gateway

    engine = load_engine(None)
    gateway = Counting(sts_gateway(engine.config))
    clock = Clock()
    engine._gateway = gateway  # type: ignore[assignment]
    engine.clock = clock
    return engine, gateway, clock


@pytest.fixture
def agent(home: Home, monkeypatch: pytest.MonkeyPatch) -> Iterator[Agent]:
    engine, gateway, clock = counted_engine(home, monkeypatch)
    sessions = SessionSource(engine)
    server = CredentialsServer(sessions, TOKEN)
    server.start()
    yield Agent(engine, gateway, sessions, server, clock)
    server.stop()


def _get(url: str, token: str | None = TOKEN) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Authorization": token} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _container_credentials(url: str) -> object:
    from botocore.credentials import ContainerProvider

    provider = ContainerProvider(
        environ={"AWS_CONTAINER_CREDENTIALS_FULL_URI": url, "AWS_CONTAINER_AUTHORIZATION_TOKEN": TOKEN}
    )
    return provider.load()


def test_botocores_container_provider_reads_a_role_session(agent: Agent) -> None:
    credentials = _container_credentials(agent.url("prod-admin")).get_frozen_credentials()  # type: ignore[attr-defined]
    import boto3

    sts = boto3.client(
        "sts",
        aws_access_key_id=credentials.access_key,
        aws_secret_access_key=credentials.secret_key,
        aws_session_token=credentials.token,
        region_name="eu-west-1",
    )
    assert sts.get_caller_identity()["Arn"].startswith("arn:aws:sts::111111111111:assumed-role/Admin/")
    status, body = _get(agent.url("prod-admin"))
    answer = json.loads(body)
    assert status == 200 and answer["AccountId"] == "111111111111" and answer["Expiration"].endswith("Z")


def test_refusals_say_nothing(agent: Agent) -> None:
    assert _get(agent.url("prod-admin"), token=None) == (403, b"")
    assert _get(agent.url("prod-admin"), token="wrong") == (403, b"")
    status, body = _get(agent.url("nope"))
    assert status == 404 and b"nope" in body
    assert agent.gateway.assumed == []


def test_a_role_needing_mfa_is_503_at_once_with_a_sentence(agent: Agent) -> None:
    status, body = _get(agent.url("mfa-ops"))
    assert status == 503
    assert "needs an MFA code" in json.loads(body)["message"]


def test_non_loopback_bind_is_refused(agent: Agent) -> None:
    with pytest.raises(UsageError, match="loopback"):
        CredentialsServer(agent.sessions, TOKEN, host="0.0.0.0")


def all_at_once(count: int, ready: Callable[[], object], call: Callable[[object], int]) -> list[int]:
    """`call(ready())` in `count` threads, every call made once all are ready; their results."""
    results: list[int] = []
    barrier = threading.Barrier(count)

    def one() -> None:
        prepared = ready()
        barrier.wait()
        results.append(call(prepared))

    threads = [threading.Thread(target=one) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_hundred_parallel_requests_make_one_sts_call(agent: Agent) -> None:
    results = all_at_once(100, lambda: None, lambda _: _get(agent.url("staging-ro"))[0])
    assert results == [200] * 100
    assert agent.gateway.assumed == ["staging-ro"]


def test_a_served_session_is_renewed_before_it_falls_due(agent: Agent) -> None:
    first = json.loads(_get(agent.url("prod-admin"))[1])
    assert agent.sessions.renew_due() == 0
    agent.clock.offset = timedelta(
        minutes=44
    )  # 1 h session, 15 min refresh_before, 2 min lead: due at 43 min
    assert agent.sessions.renew_due() == 1
    second = json.loads(_get(agent.url("prod-admin"))[1])
    assert second["AccessKeyId"] != first["AccessKeyId"]
    assert agent.gateway.assumed == ["prod-admin", "prod-admin"]


def _serve(home: Home) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "stsui", "serve"],
        env=home.env,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_line(process: subprocess.Popen[str], text: str) -> str:
    assert process.stderr is not None
    for line in process.stderr:
        if text in line:
            return line
    raise AssertionError(f"serve ended before saying {text!r}")


def test_serve_publishes_a_private_agent_file_and_removes_it_on_sigterm(home: Home) -> None:
    """Only the main thread of `stsui serve` can take its SIGTERM: Python handles signals there, so one taken
    by a server thread would never end the main thread's wait."""
    process = _serve(home)
    try:
        _wait_for_line(process, "serving")
        if sys.platform == "linux":
            for tid in helper_threads(process.pid):
                assert {signal.SIGTERM, signal.SIGINT} <= held_signals(process.pid, tid), (
                    "a thread takes kill"
                )
        agent_file = home.cache / "agent.json"
        assert stat.S_IMODE(agent_file.stat().st_mode) == 0o600
        assert stat.S_IMODE(agent_file.parent.stat().st_mode) == 0o700
        address = json.loads(agent_file.read_text())
        assert address["pid"] == process.pid and len(address["token"]) >= 32
        second = home.run("serve")
        assert second.returncode == 1 and f"process {process.pid}" in second.stderr
        status, _ = _get(route(address["url"], "prod-admin"), token=address["token"])
        assert status == 200
    finally:
        process.send_signal(signal.SIGTERM)
        _, rest = process.communicate(timeout=10)
    assert process.returncode == 0
    assert not (home.cache / "agent.json").exists()
    cached = json.loads((home.cache / "sessions" / "prod-admin.json").read_text())
    for secret in (address["token"], cached["SecretAccessKey"], cached["SessionToken"], BASE_SECRET):
        assert secret not in rest


def test_runtime_dir_is_preferred_for_the_agent_file(home: Home, tmp_path: Path) -> None:
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    process = subprocess.Popen(
        [sys.executable, "-m", "stsui", "serve"],
        env={**home.env, "XDG_RUNTIME_DIR": str(runtime)},
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for_line(process, "serving")
        assert (runtime / "stsui" / "agent.json").is_file()
    finally:
        os.kill(process.pid, signal.SIGINT)
        process.communicate(timeout=10)
    assert not (runtime / "stsui" / "agent.json").exists()


def test_one_agent_per_user_and_a_failed_start_leaves_nothing(agent: Agent) -> None:
    """The pieces `stsui serve` and the TUI share: a second agent is refused naming the first; one that
    cannot bind leaves no agent file and no lock behind."""
    import socket

    from stsui.agent.registry import AgentRunning, find_agent
    from stsui.agent.runtime import Agent as UserAgent

    first = UserAgent(agent.engine)
    first.start()
    try:
        with pytest.raises(AgentRunning, match=f"process {os.getpid()} at {first.url}"):
            UserAgent(agent.engine).start()
        found = find_agent()
        assert found is not None and found.url == first.url and found.token == first.token
        assert first.token not in repr(first)
    finally:
        first.stop()
    assert find_agent() is None and not first.file.exists()

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(StsuiError):
            UserAgent(agent.engine, port=taken.getsockname()[1]).start()
    assert not first.file.exists()
    second = UserAgent(agent.engine)
    second.start()  # the lock was released
    second.stop()


def test_serve_with_a_port_out_of_range_is_a_usage_error(home: Home) -> None:
    result = home.run("serve", "--port", "99999")
    assert result.returncode == 2
    assert result.stderr == (
        "stsui: argument --port: must be a TCP port number, 0 to 65535; see 'stsui serve --help'.\n"
    )
