"""Any local user can connect to the agent's port: connections that never finish a request must not
starve the owner's SDKs, nor make the agent spin."""

from __future__ import annotations

import json
import os
import resource
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from stsui.agent.listener import Limits
from stsui.agent.server import REQUEST_TIMEOUT, CredentialsServer
from stsui.agent.sessions import SessionSource
from tests.support.home import Home

TOKEN = "test-token-0123456789abcdef0123456789"
SMALL = Limits(open_connections=8, per_peer=4)

FD_LIMIT = 1024
"""The usual soft limit on open files, which the agent runs with here."""
DRIPPING = 1200
"""Well over what a 1,024-file process can hold."""


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _limit_files() -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (FD_LIMIT, hard))


def _container_credentials(url: str, token: str) -> object:
    """What an SDK does: botocore's own container provider, with its own timeout (2 s) and tries (3)."""
    from botocore.credentials import ContainerProvider

    environ = {"AWS_CONTAINER_CREDENTIALS_FULL_URI": url, "AWS_CONTAINER_AUTHORIZATION_TOKEN": token}
    return ContainerProvider(environ=environ).load().get_frozen_credentials()  # type: ignore[union-attr]


def test_dripping_connections_neither_starve_the_owner_nor_spin_the_agent(home: Home) -> None:
    agent = subprocess.Popen(
        [sys.executable, "-m", "stsui", "serve"],
        env=home.env,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_limit_files,
    )
    drip: subprocess.Popen[str] | None = None
    try:
        assert agent.stderr is not None
        for line in agent.stderr:
            if "serving" in line:
                break
        address = json.loads((home.cache / "agent.json").read_text())
        url = f"{address['url']}/roles/prod-admin/credentials"
        first = _container_credentials(url, address["token"])
        port = int(address["url"].rsplit(":", 1)[1])
        before = _cpu_seconds(agent.pid)
        drip = subprocess.Popen(
            [sys.executable, "-m", "tests.support.drip", str(port), str(DRIPPING)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert drip.stdout is not None
        said = drip.stdout.readline().split()
        assert said[:1] == ["dripping"] and int(said[1]) >= DRIPPING
        for _ in range(3):  # the owner's calls, one a second, while the flood goes on
            during = _container_credentials(url, address["token"])
            assert during.access_key == first.access_key  # type: ignore[attr-defined]
            time.sleep(1.0)
        spent = _cpu_seconds(agent.pid) - before
        assert agent.poll() is None
        assert spent < 3.0, f"the agent used {spent:.2f} CPU seconds under the flood"
    finally:
        if drip is not None:
            drip.kill()
            drip.wait()
        agent.terminate()
        agent.communicate(timeout=30)


@pytest.fixture
def server(home: Home, monkeypatch: pytest.MonkeyPatch) -> Iterator[CredentialsServer]:
    """A credentials server in this process, serving the home's roles from moto, with small caps."""
    from stsui.cli.wiring import load_engine

    for key, value in home.env.items():
        monkeypatch.setenv(key, value)
    served = CredentialsServer(SessionSource(load_engine(None)), TOKEN, limits=SMALL)
    served.start()
    yield served
    served.stop()


def _request(server: CredentialsServer, *, host: str | None = None, extra: str = "") -> bytes:
    host = f"127.0.0.1:{server.server_port}" if host is None else host
    return (
        "GET /roles/prod-admin/credentials HTTP/1.1\r\n"
        + (f"Host: {host}\r\n" if host else "")
        + f"Authorization: {TOKEN}\r\n{extra}\r\n"
    ).encode()


def _exchange(server: CredentialsServer, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", server.server_port), timeout=10) as connection:
        connection.sendall(request)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


def _status(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


def test_a_request_dripped_over_more_than_five_seconds_is_dropped(server: CredentialsServer) -> None:
    """Each byte comes well within any per-read timeout; the request as a whole does not."""
    request = _request(server, extra="X-Padding: " + "p" * 40 + "\r\n")
    answer = b""
    with socket.create_connection(("127.0.0.1", server.server_port)) as connection:
        connection.settimeout(0.25)
        for byte in range(len(request)):
            try:
                answer = connection.recv(4096)
            except TimeoutError:
                pass
            else:
                break  # the server closed the connection (b"") or answered
            try:
                connection.send(request[byte : byte + 1])
            except OSError:
                break
        else:
            pytest.fail(f"the whole request was read, one byte every 0.25 s ({REQUEST_TIMEOUT} s allowed)")
    assert answer == b""
    assert REQUEST_TIMEOUT == 5.0  # as the README promises


def test_only_the_servers_own_host_names_are_answered(server: CredentialsServer) -> None:
    """A page in a browser that points a DNS name at 127.0.0.1 sends its own name as Host."""
    port = server.server_port
    assert _status(_exchange(server, _request(server))) == 200
    assert _status(_exchange(server, _request(server, host=f"LocalHost:{port}"))) == 200
    for host in (f"evil.example:{port}", "127.0.0.1", f"127.0.0.1:{port + 1}", ""):
        answer = _exchange(server, _request(server, host=host))
        assert _status(answer) == 403 and answer.endswith(b"\r\n\r\n"), host


def test_a_request_that_says_two_things_is_refused(server: CredentialsServer) -> None:
    port = server.server_port
    for extra in (f"Host: evil.example:{port}\r\n", "Authorization: other\r\n", " folded\r\n"):
        assert _status(_exchange(server, _request(server, extra=extra))) == 400, extra
    assert _status(_exchange(server, b"GET /roles/prod-admin/credentials\r\n\r\n")) == 400


def test_waiting_connections_past_the_caps_make_room_for_a_new_one(server: CredentialsServer) -> None:
    """The oldest connection still waiting for its request is closed first: a flood that never finishes
    cannot keep out a request that does."""
    idle = [socket.create_connection(("127.0.0.1", server.server_port)) for _ in range(SMALL.per_peer * 3)]
    try:
        assert _status(_exchange(server, _request(server))) == 200
        assert server.listener.open_connections() <= SMALL.open_connections
        for connection in idle[: SMALL.per_peer]:  # the oldest ones were dropped
            connection.settimeout(10)
            assert connection.recv(1) == b""
    finally:
        for connection in idle:
            connection.close()
