"""Reliability rig: the real `stsui` program in a throwaway home, against moto or a scripted fault server."""

from __future__ import annotations

import configparser
import json
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.support.clock import real_now
from tests.support.home import BASE_SECRET, USER_CREDENTIALS, Home, build_home

ROLES = """\
[defaults]
source_profile = "default"
region = "eu-west-1"
session_name = "tester"

[roles.admin]
role_arn = "arn:aws:iam::111111111111:role/Admin"

[roles.readonly]
role_arn = "arn:aws:iam::222222222222:role/ReadOnly"
duration = "2h"

[roles.mfa-ops]
role_arn = "arn:aws:iam::333333333333:role/Ops"
mfa_serial = "arn:aws:iam::999999999999:mfa/tester"

[roles.chained]
role_arn = "arn:aws:iam::555555555555:role/Deep"
source_role = "admin"
"""

PERSONAL_SECRET = "personal-secret-000000000000000000000"
SESSION_KEYS = {
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
    "x_security_token_expires",
    "x_principal_arn",
    "region",
    "x_stsui_role",
}
"""Every key stsui writes into a role's section (region because the roles above configure one)."""

TRACEBACK = "Traceback (most recent call last)"
SECRET_LINE = re.compile(
    r"^[ \t]*(?:aws_secret_access_key|aws_session_token|aws_security_token)[ \t]*[=:][ \t]*(\S+)",
    re.MULTILINE,
)
PROGRAM_TIMEOUT = 90.0


def numbered_roles(count: int, prefix: str = "r") -> str:
    """A roles file with `count` roles `r-00`, `r-01`, … in distinct accounts (profile = role name)."""
    head = '[defaults]\nsource_profile = "default"\nregion = "eu-west-1"\nsession_name = "tester"\n'
    body = "".join(
        f'\n[roles.{prefix}-{n:02d}]\nrole_arn = "arn:aws:iam::{100000000000 + n}:role/R{n}"\n'
        for n in range(count)
    )
    return head + body


def make_home(root: Path, sts_url: str, *, roles: str = ROLES, credentials: str = USER_CREDENTIALS) -> Home:
    """A user with base keys, hand-written credentials (comments, long-term keys) and this suite's roles."""
    return build_home(root, sts_url, roles=roles, credentials=credentials)


@pytest.fixture
def rhome(isolated_home: Path, moto_url: str) -> Home:
    """The reliability suite's user (its own roles file, independent of the integration fixtures)."""
    return make_home(isolated_home, moto_url)


def spawn(
    home: Home, *args: str, env: dict[str, str] | None = None, umask: int = -1
) -> subprocess.Popen[str]:
    """Start the real program without waiting for it."""
    return subprocess.Popen(
        [sys.executable, "-m", "stsui", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**home.env, **(env or {})},
        umask=umask,
    )


def run(
    home: Home,
    *args: str,
    env: dict[str, str] | None = None,
    umask: int = -1,
    timeout: float = PROGRAM_TIMEOUT,
) -> subprocess.CompletedProcess[str]:
    """Run the real program to the end (stdin is not a terminal)."""
    process = spawn(home, *args, env=env, umask=umask)
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def assert_one_sentence_failure(result: subprocess.CompletedProcess[str], code: int, *needles: str) -> str:
    """A failure a user can act on: the exit code, one `stsui: …` line naming `needles`, no traceback."""
    err = result.stderr
    assert result.returncode == code, (result.returncode, result.stdout, err)
    assert TRACEBACK not in err and TRACEBACK not in result.stdout
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("stsui: "), err
    for needle in needles:
        assert needle in lines[0], (needle, err)
    return lines[0]


def parse_ini(text: str) -> configparser.RawConfigParser:
    """Parse as botocore does (RawConfigParser); raises on anything botocore would reject."""
    parser = configparser.RawConfigParser()
    parser.read_string(text)
    return parser


def secrets_in(home: Home) -> set[str]:
    """Every secret key and session token in the credentials file and the cache JSON, plus the base ones."""
    found = {BASE_SECRET, PERSONAL_SECRET}
    if home.credentials.exists():  # read line by line: it may be broken on purpose
        found.update(SECRET_LINE.findall(home.credentials.read_text()))
    for path in home.cache.rglob("*.json") if home.cache.exists() else ():
        data = json.loads(path.read_text())
        found.update(str(data[key]) for key in ("SecretAccessKey", "SessionToken") if key in data)
    return {secret for secret in found if secret}


def tree_snapshot(directory: Path) -> set[str]:
    """Names of every entry under `directory` (relative), to spot files a run left behind."""
    return {str(path.relative_to(directory)) for path in directory.rglob("*")}


# -- the fault server ---------------------------------------------------------------------------------------

ASSUME_ROLE_XML = """\
<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials>\
<AccessKeyId>{key}</AccessKeyId><SecretAccessKey>{secret}</SecretAccessKey>\
<SessionToken>{token}</SessionToken><Expiration>{expiration}</Expiration></Credentials>\
<AssumedRoleUser><AssumedRoleId>AROA3X42LBCDH0Y9F2EHN:tester</AssumedRoleId><Arn>{arn}</Arn>\
</AssumedRoleUser><PackedPolicySize>6</PackedPolicySize></AssumeRoleResult>\
<ResponseMetadata><RequestId>fault-0001</RequestId></ResponseMetadata></AssumeRoleResponse>"""


def assume_role_xml(
    *,
    key: str = "ASIAFAULTSERVER00001",
    secret: str = "fault-server-secret-0000000000000000000000",
    token: str = "fault-server-token-" + "x" * 200,
    arn: str = "arn:aws:sts::111111111111:assumed-role/Admin/tester",
    lifetime: timedelta = timedelta(hours=1),
    expiration: str | None = None,
) -> bytes:
    """A valid AssumeRole answer, shaped like moto's (and AWS's) XML (`expiration` verbatim if given)."""
    expiration = expiration or (real_now() + lifetime).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return ASSUME_ROLE_XML.format(
        key=key, secret=secret, token=token, arn=arn, expiration=expiration
    ).encode()


def error_xml(code: str, message: str, kind: str = "Sender") -> bytes:
    """An STS (query protocol) error body."""
    return (
        f"<ErrorResponse><Error><Type>{kind}</Type><Code>{code}</Code><Message>{message}</Message></Error>"
        f"<RequestId>x</RequestId></ErrorResponse>"
    ).encode()


@dataclass(frozen=True)
class Reply:
    """One scripted answer. `status=None` means hang: accept and read the request, never answer.

    `drip` > 0 sends the body one byte every `drip` seconds (each read timeout is met, the answer never
    ends); `flood` > 0 sends that many bytes of body without a Content-Length, then closes."""

    status: int | None
    body: bytes = b""
    content_type: str = "text/xml"
    drip: float = 0.0
    flood: int = 0


HANG = Reply(None)


@dataclass
class FaultServer:
    """A loopback HTTP server that answers each request with the next scripted `Reply` (the last repeats).

    Threads are daemons and a hung request waits at most `hang_limit` seconds or until `stop()`."""

    script: list[Reply] = field(default_factory=lambda: [HANG])
    hang_limit: float = 60.0
    arrivals: list[float] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def count(self) -> int:
        with self._lock:
            return len(self.arrivals)

    def start(self) -> None:
        fault = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                action = re.search(rb"Action=(\w+)", body)
                with fault._lock:
                    reply = fault.script[min(len(fault.arrivals), len(fault.script) - 1)]
                    fault.arrivals.append(time.monotonic())  # gaps between retries: real waiting
                    fault.actions.append(action.group(1).decode() if action else "?")
                if reply.status is None:
                    fault._stop.wait(fault.hang_limit)
                    self.close_connection = True
                    return
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                if reply.flood:
                    self.send_header("Connection", "close")
                else:
                    self.send_header("Content-Length", str(len(reply.body) + (10**6 if reply.drip else 0)))
                self.send_header("x-amzn-RequestId", "fault-0001")
                self.end_headers()
                try:
                    if reply.drip:
                        for byte in reply.body * 1000:
                            self.wfile.write(bytes([byte]))
                            self.wfile.flush()
                            if fault._stop.wait(reply.drip):
                                break
                    elif reply.flood:
                        chunk = b"<" * 65536
                        for _ in range(reply.flood // len(chunk) + 1):
                            self.wfile.write(chunk)
                    else:
                        self.wfile.write(reply.body)
                except OSError:  # the client gave up, as it should
                    pass
                self.close_connection = True

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, name="fault-server", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


@pytest.fixture
def fault_server() -> Iterator[Callable[..., FaultServer]]:
    """Start scripted fault servers: `fault_server(Reply(503), Reply(200, xml))`; all stopped afterwards."""
    servers: list[FaultServer] = []

    def start(*script: Reply, hang_limit: float = 60.0) -> FaultServer:
        server = FaultServer(script=list(script) or [HANG], hang_limit=hang_limit)
        server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def closed_port_url() -> str:
    """A loopback URL nothing listens on (the port was bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
