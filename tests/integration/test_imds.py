"""`stsui imds`: one role as EC2's instance metadata (IMDSv2), read by botocore and the SDK for JavaScript
with nothing but `AWS_EC2_METADATA_SERVICE_ENDPOINT` set; EC2's token rules checked with urllib."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

import pytest

from stsui.agent.imds import ImdsServer, Tokens, check_bind, served_over_imds
from stsui.agent.sessions import SessionSource
from stsui.domain.errors import UsageError
from stsui.domain.limits import IMDS_LEAST_LEFT
from stsui.domain.model import Credentials, Role, Session
from stsui.domain.times import parse_rfc3339
from stsui.engine.engine import Engine
from tests.integration.test_agent import Clock, Counting, all_at_once, counted_engine
from tests.support.clock import real_now
from tests.support.home import BASE_SECRET, Home
from tests.support.node_sdk import FETCH, node_modules
from tests.support.threads import held_signals, helper_threads

TOKEN_PATH = "/latest/api/token"
CREDENTIALS = "/latest/meta-data/iam/security-credentials/"
TTL = "X-aws-ec2-metadata-token-ttl-seconds"
ASK = {TTL: "21600"}


@dataclass
class Imds:
    engine: Engine
    gateway: Counting
    sessions: SessionSource
    server: ImdsServer
    clock: Clock

    def call(
        self, method: str, path: str, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        request = urllib.request.Request(self.server.url + path, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def token(self, ttl: str = "21600") -> str:
        status, _, body = self.call("PUT", TOKEN_PATH, {TTL: ttl})
        assert status == 200
        return body.decode()

    def get(self, path: str, token: str | None = None) -> tuple[int, bytes]:
        status, _, body = self.call("GET", path, {"X-aws-ec2-metadata-token": token or self.token()})
        return status, body


@pytest.fixture
def imds(home: Home, monkeypatch: pytest.MonkeyPatch) -> Iterator[Imds]:
    engine, gateway, clock = counted_engine(home, monkeypatch)
    role = served_over_imds(engine.config.role("prod-admin"))
    engine.config = replace(engine.config, roles={**engine.config.roles, role.name: role})
    sessions = SessionSource(engine, roles={role.name})
    server = ImdsServer(sessions, role.name)
    server.start()
    yield Imds(engine, gateway, sessions, server, clock)
    server.stop()


# -- EC2's rules, checked with urllib ---------------------------------------------------------------------


def test_a_token_is_given_for_a_ttl_ec2_accepts_and_for_no_other(imds: Imds) -> None:
    for ttl in ("1", "21600"):
        status, headers, body = imds.call("PUT", TOKEN_PATH, {TTL: ttl})
        assert status == 200 and len(body) >= 32 and headers[TTL] == ttl
    for ttl in ("0", "21601", "-5", "1.5", "ten", "", "+12", "0x10", "0021601"):
        assert imds.call("PUT", TOKEN_PATH, {TTL: ttl})[0] == 400, ttl
    assert imds.call("PUT", TOKEN_PATH)[0] == 400
    assert imds.gateway.assumed == []


def test_a_token_asked_for_through_a_proxy_is_refused(imds: Imds) -> None:
    status, _, body = imds.call("PUT", TOKEN_PATH, {**ASK, "X-Forwarded-For": "203.0.113.9"})
    assert (status, body) == (403, b"")


def test_every_get_needs_a_live_token(imds: Imds) -> None:
    assert imds.call("GET", CREDENTIALS)[0] == 401
    assert imds.get(CREDENTIALS, token="not-a-token-of-this-server")[0] == 401
    short = imds.token(ttl="60")
    assert imds.get(CREDENTIALS, token=short) == (200, b"prod-admin")
    imds.clock.offset = timedelta(seconds=60)  # the token's minute is over
    assert imds.get(CREDENTIALS, token=short)[0] == 401
    assert imds.get(CREDENTIALS + "prod-admin", token=short)[0] == 401
    assert imds.get(CREDENTIALS)[0] == 200  # a new token works
    assert imds.gateway.assumed == []


def test_the_role_its_session_and_its_region(imds: Imds) -> None:
    token = imds.token()
    assert imds.get(CREDENTIALS, token) == (200, b"prod-admin")
    status, body = imds.get(CREDENTIALS + "prod-admin", token)
    answer = json.loads(body)
    assert status == 200
    assert list(answer) == [
        "Code", "LastUpdated", "Type", "AccessKeyId", "SecretAccessKey", "Token", "Expiration",
    ]  # fmt: skip
    assert answer["Code"] == "Success" and answer["Type"] == "AWS-HMAC"
    assert answer["AccessKeyId"].startswith("ASIA") and answer["Expiration"].endswith("Z")
    assert parse_rfc3339(answer["LastUpdated"]) is not None
    assert imds.get("/latest/meta-data/placement/region", token) == (200, b"eu-west-1")
    assert imds.get("/latest/meta-data/placement/availability-zone", token) == (200, b"eu-west-1a")
    for path in (
        "/latest/meta-data/iam/security-credentials-extended/",  # the SDKs that try it first fall back
        "/latest/meta-data/iam/security-credentials-extended/prod-admin",
        CREDENTIALS + "staging-ro",  # another role of the roles file is not served
        "/latest/meta-data/",
        "/latest/user-data",
        "/roles/prod-admin/credentials",
    ):
        assert imds.get(path, token)[0] == 404, path
    assert imds.gateway.assumed == ["prod-admin"]


def test_only_ip_addresses_and_container_host_names_reach_it(imds: Imds) -> None:
    """A web page's own DNS name pointed at the address (DNS rebinding) is refused; what containers use
    for their host is not."""
    port = imds.server.server_port
    for host in (f"evil.example:{port}", "evil.example", f"127.0.0.1.evil.example:{port}", ""):
        assert imds.call("PUT", TOKEN_PATH, {**ASK, "Host": host})[0] == 403, host
    for host in (f"host.docker.internal:{port}", "169.254.169.254", f"localhost:{port}", f"[::1]:{port}"):
        assert imds.call("PUT", TOKEN_PATH, {**ASK, "Host": host})[0] == 200, host


def test_what_it_serves_always_has_more_than_twenty_minutes_left(imds: Imds) -> None:
    """A role with refresh_before 15m: a session with 19 minutes left is not handed out (botocore stretches
    one with less than 20 past its expiry) but renewed, and a served one is renewed in the background
    before it gets there."""
    lapsing = Session(
        "prod-admin",
        Credentials("ASIALAPSING000000001", "secret", "token", imds.clock() + timedelta(minutes=19)),
        "arn:aws:sts::111111111111:assumed-role/Admin/tester",
    )
    imds.engine.sessions.put(lapsing)  # as the TUI or `stsui assume` left it
    first = json.loads(imds.get(CREDENTIALS + "prod-admin")[1])
    assert first["AccessKeyId"] != "ASIALAPSING000000001"
    left = parse_rfc3339(first["Expiration"]) - imds.clock()  # type: ignore[operator]
    assert left > timedelta(seconds=IMDS_LEAST_LEFT)
    imds.clock.offset = timedelta(minutes=37, seconds=59)
    assert imds.sessions.renew_due() == 0
    imds.clock.offset = timedelta(minutes=38, seconds=1)  # 20 minutes and the agent's 2 minutes' lead
    assert imds.sessions.renew_due() == 1
    second = json.loads(imds.get(CREDENTIALS + "prod-admin")[1])
    assert second["AccessKeyId"] != first["AccessKeyId"]
    left = parse_rfc3339(second["Expiration"]) - imds.clock()  # type: ignore[operator]
    assert left > timedelta(seconds=IMDS_LEAST_LEFT)
    assert imds.gateway.assumed == ["prod-admin"] * 2


def test_a_hundred_callers_make_one_sts_call(imds: Imds) -> None:
    fetch = lambda token: imds.get(CREDENTIALS + "prod-admin", str(token))[0]  # noqa: E731
    assert all_at_once(100, imds.token, fetch) == [200] * 100
    assert imds.gateway.assumed == ["prod-admin"]


def test_tokens_are_bounded_in_number_and_forgotten_when_expired() -> None:
    now = real_now()
    clock = [now]
    tokens = Tokens(lambda: clock[0], limit=8)
    first = tokens.issue(60)
    flood = [tokens.issue(21600) for _ in range(1000)]
    assert len(tokens) == 8
    assert not tokens.live(first) and all(tokens.live(token) for token in flood[-8:])
    clock[0] = now + timedelta(seconds=21600)
    assert not tokens.live(flood[-1]) and len(tokens) == 7


def test_addresses_it_never_listens_on() -> None:
    for host, words in (
        ("0.0.0.0", "every address"),
        ("::", "every address"),
        ("localhost", "not an IP address"),
        ("::ffff:127.0.0.1", "IPv4 address 127.0.0.1 itself"),
    ):
        with pytest.raises(UsageError, match=words):
            check_bind(host)


def test_a_role_whose_sessions_are_too_short_is_refused() -> None:
    role = Role("short", "arn:aws:iam::111111111111:role/Short", "short", duration=1200, refresh_before=300)
    with pytest.raises(UsageError, match="Role 'short' gets sessions of 20m"):
        served_over_imds(role)
    chained = replace(role, duration=7200, source_role="base")
    assert served_over_imds(chained).refresh_before == IMDS_LEAST_LEFT  # capped at 1 h: long enough
    long = replace(role, duration=43200, refresh_before=3600)
    assert served_over_imds(long).refresh_before == 3600  # its own, when longer


# -- the real program, read by the SDKs --------------------------------------------------------------------


def _imds(home: Home, *args: str) -> tuple[subprocess.Popen[str], str]:
    """`stsui imds ARGS`, once it serves, and the endpoint it says to use."""
    process = subprocess.Popen(
        [sys.executable, "-m", "stsui", "imds", *args], env=home.env, stderr=subprocess.PIPE, text=True
    )
    assert process.stderr is not None
    line = process.stderr.readline()
    if "AWS_EC2_METADATA_SERVICE_ENDPOINT=" not in line:
        process.kill()
        raise AssertionError(f"imds did not start: {line}{process.communicate()[1]}")
    return process, line.split("AWS_EC2_METADATA_SERVICE_ENDPOINT=")[1].split()[0]


def _stop(process: subprocess.Popen[str]) -> str:
    """SIGTERM, which only the main thread can take (where Python handles it: taken by a server thread, it
    would never end the main thread's wait); the rest of stderr. The process never outlives the test."""
    takers = []
    if sys.platform == "linux":
        pid = process.pid
        takers = [tid for tid in helper_threads(pid) if signal.SIGTERM not in held_signals(pid, tid)]
    process.send_signal(signal.SIGTERM)
    try:
        _, rest = process.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        _, rest = process.communicate()
    assert takers == [], "server threads can take SIGTERM"
    assert process.returncode == 0, rest
    return rest


def _only_the_endpoint(home: Home, endpoint: str, tmp_path: Path) -> dict[str, str]:
    """An environment with no credentials of any kind: no files, no keys, only the metadata endpoint (and
    STS at moto, to check who the credentials are)."""
    return {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "AWS_CONFIG_FILE": str(tmp_path / "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials"),
        "AWS_EC2_METADATA_SERVICE_ENDPOINT": endpoint,
        "AWS_ENDPOINT_URL_STS": home.env["AWS_ENDPOINT_URL_STS"],
    }


BOTOCORE = (
    "import botocore.session, json; s = botocore.session.get_session(); c = s.get_credentials(); "
    "i = s.create_client('sts', region_name='eu-west-1').get_caller_identity(); "
    "print(json.dumps({'method': c.method, 'arn': i['Arn'], 'region': s.get_config_variable('region')}))"
)


def _botocore_sees(home: Home, endpoint: str, tmp_path: Path) -> dict[str, str]:
    env = _only_the_endpoint(home, endpoint, tmp_path)
    result = subprocess.run(
        [sys.executable, "-c", BOTOCORE], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_botocore_with_only_the_endpoint_set_gets_the_role(home: Home, tmp_path: Path) -> None:
    process, endpoint = _imds(home, "prod-admin")
    try:
        assert endpoint.startswith("http://127.0.0.1:") and endpoint.endswith("/")
        seen = _botocore_sees(home, endpoint, tmp_path)
        assert seen["method"] == "iam-role"
        assert seen["arn"] == "arn:aws:sts::111111111111:assumed-role/Admin/tester"
    finally:
        rest = _stop(process)
    assert "served role 'prod-admin'" in rest and rest.rstrip().endswith("stopped.")
    cached = json.loads((home.cache / "sessions" / "prod-admin.json").read_text())
    for secret in (cached["SecretAccessKey"], cached["SessionToken"], BASE_SECRET):
        assert secret not in rest


def test_the_sdk_for_javascript_gets_the_role(home: Home, tmp_path: Path) -> None:
    modules, why = node_modules()
    if modules is None:
        pytest.skip(why)
    process, endpoint = _imds(home, "prod-admin")
    try:
        env = {**_only_the_endpoint(home, endpoint, tmp_path), "NODE_PATH": str(modules)}
        result = subprocess.run(
            ["node", "-e", FETCH], env=env, capture_output=True, text=True, timeout=60, check=False
        )
        assert result.returncode == 0, result.stderr
        seen = json.loads(result.stdout)
    finally:
        _stop(process)
    cached = json.loads((home.cache / "sessions" / "prod-admin.json").read_text())
    assert seen["accessKeyId"] == cached["AccessKeyId"] and seen["sessionToken"] == cached["SessionToken"]
    left = parse_rfc3339(seen["expiration"]) - real_now()  # type: ignore[operator]
    assert left > timedelta(seconds=IMDS_LEAST_LEFT)


def _outbound_address() -> str | None:
    """This machine's address on the interface its default route leaves by (not loopback), if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.254", 9))  # no packet is sent: it only picks the route
        except OSError:
            return None
        address = str(probe.getsockname()[0])
    return None if address.startswith("127.") else address


def test_it_listens_on_an_address_of_another_interface(home: Home, tmp_path: Path) -> None:
    """As it would on the Docker bridge (172.17.0.1): botocore reaches it at that address."""
    address = _outbound_address()
    if address is None:
        pytest.skip("this machine has no interface but loopback")
    process, endpoint = _imds(home, "staging-ro", "--bind", address)
    try:
        assert endpoint.startswith(f"http://{address}:")
        seen = _botocore_sees(home, endpoint, tmp_path)
        assert seen["method"] == "iam-role" and ":222222222222:assumed-role/ReadOnly/" in seen["arn"]
    finally:
        _stop(process)


def test_addresses_that_are_not_this_machines_or_are_every_address_are_refused(home: Home) -> None:
    everywhere = home.run("imds", "prod-admin", "--bind", "0.0.0.0")
    assert everywhere.returncode == 2
    assert "will not listen on 0.0.0.0 (every address of this machine)" in everywhere.stderr
    elsewhere = home.run("imds", "prod-admin", "--bind", "203.0.113.77")
    assert elsewhere.returncode == 2
    assert "No interface of this machine has the address 203.0.113.77" in elsewhere.stderr
    assert "Traceback" not in everywhere.stderr + elsewhere.stderr


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_second_imds_for_the_port_says_which_process_holds_it(home: Home) -> None:
    port = str(_free_port())
    first, _ = _imds(home, "prod-admin", "--port", port)
    try:
        same = home.run("imds", "staging-ro", "--port", port)
        assert same.returncode == 1
        assert f"process {first.pid} (stsui imds prod-admin at http://127.0.0.1:{port})" in same.stderr
        if socket.has_ipv6:  # another address, the same port: still named
            other = home.run("imds", "staging-ro", "--port", port, "--bind", "::1")
            assert other.returncode == 1 and f"process {first.pid}" in other.stderr
    finally:
        _stop(first)
    again, _ = _imds(home, "staging-ro", "--port", port)  # the port is free again
    _stop(again)


def test_an_mfa_role_asks_for_its_code_at_start_and_never_per_request(home: Home, tmp_path: Path) -> None:
    refused = home.run("imds", "mfa-ops")  # no terminal, no TUI, no mfa_process: it cannot start
    assert refused.returncode == 1 and "needs an MFA code" in refused.stderr
    process, endpoint = _imds(home, "mfa-ops", "--mfa-code", "123456")
    try:
        for _ in range(2):
            seen = _botocore_sees(home, endpoint, tmp_path)
            assert seen["method"] == "iam-role" and ":333333333333:assumed-role/Ops/" in seen["arn"]
    finally:
        rest = _stop(process)
    assert "needs MFA" not in rest and "123456" not in rest


def test_its_session_is_the_agents_own_lease(imds: Imds) -> None:
    """What imds serves is the session stsui caches (the TUI, `env` and `credential-process` reuse it)."""
    answer = json.loads(imds.get(CREDENTIALS + "prod-admin")[1])
    cached = imds.engine.sessions.get("prod-admin")
    assert cached is not None and cached.credentials.access_key_id == answer["AccessKeyId"]


def test_a_port_the_agent_holds_is_named_as_the_agents(imds: Imds) -> None:
    from stsui.agent.registry import port_holder
    from stsui.agent.runtime import Agent

    agent = Agent(imds.engine)
    agent.start()
    try:
        port = int(agent.url.rsplit(":", 1)[1])
        assert port_holder(port) == f"the stsui agent (process {os.getpid()} at {agent.url})"
    finally:
        agent.stop()
    assert port_holder(port) is None
