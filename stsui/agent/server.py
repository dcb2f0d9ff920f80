"""The credentials server: the container-credentials protocol on loopback, one route per role.

`GET /roles/NAME/credentials` with `Authorization: TOKEN` and `Host: 127.0.0.1:PORT` (or `localhost:PORT`)
answers what botocore's container provider (and the other SDKs') expect. A wrong or missing token or Host
gets 403 and nothing else; a malformed request 400; an unknown role 404; a role that cannot be served now
(an MFA code is needed, STS failed) a 503 with a JSON `message`, at once. Every answer closes its connection.

Connections are accepted and read by `stsui.agent.listener` (deadlines and caps against a flood). Refusals
are answered in its thread at once; a session is fetched in a thread of its own, so a request that waits for
STS never holds up another.
"""

from __future__ import annotations

import contextlib
import hmac
import http
import ipaddress
import json
import socket
import threading
import urllib.parse
from dataclasses import dataclass

from stsui.agent.listener import BACKLOG, Limits, Listener
from stsui.agent.sessions import SessionSource, UnknownRole
from stsui.domain.errors import StsuiError, UsageError
from stsui.domain.limits import MAX_PORT, PORT_RULE
from stsui.domain.times import rfc3339

ROUTE_PREFIX = "/roles/"
ROUTE_SUFFIX = "/credentials"
REQUEST_TIMEOUT = Limits.head_deadline
"""Seconds a client may take to send its whole request (line and headers), however slowly it drips."""
WRITE_TIMEOUT = 5.0
"""Seconds an answer may take to be sent (it is a few hundred bytes: only a client that reads nothing)."""


def route(base_url: str, role: str) -> str:
    """The URL of `role`'s credentials at a server whose base URL is `base_url`."""
    return f"{base_url}{ROUTE_PREFIX}{urllib.parse.quote(role, safe='')}{ROUTE_SUFFIX}"


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def container_json(session_source: SessionSource, name: str) -> dict[str, str]:
    """The container-credentials answer for role `name`."""
    session = session_source.get(name)
    credentials = session.credentials
    answer = {
        "AccessKeyId": credentials.access_key_id,
        "SecretAccessKey": credentials.secret_access_key,
        "Token": credentials.session_token,
        "Expiration": rfc3339(credentials.expiration),
    }
    account = session.assumed_role_arn.split(":")[4:5]
    if account and account[0]:
        answer["AccountId"] = account[0]
    return answer


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    """By lower-case name."""


SINGLE = ("host", "authorization")
"""Headers a request may carry once: two of either is refused rather than guessed between."""


def parse_head(head: bytes) -> Request | None:
    """The request line and headers of `head`, or None for anything but a plain HTTP/1.x request: a
    folded or nameless header line, or a second Host or Authorization, is refused."""
    lines = head.decode("latin-1").split("\n")
    parts = lines[0].rstrip("\r").split(" ")
    if len(parts) != 3 or parts[2] not in ("HTTP/1.0", "HTTP/1.1") or not parts[1].startswith("/"):
        return None
    headers: dict[str, str] = {}
    for raw in lines[1:]:
        line = raw.rstrip("\r")
        if not line:
            continue
        name, colon, value = line.partition(":")
        if not colon or not name or name != name.strip() or " " in name or "\t" in name:
            return None
        key = name.lower()
        if key in headers and key in SINGLE:
            return None
        headers[key] = value.strip(" \t")
    return Request(parts[0], urllib.parse.urlsplit(parts[1]).path, headers)


def answer_bytes(status: int, body: dict[str, str] | None) -> bytes:
    """A whole HTTP answer that closes the connection."""
    data = b"" if body is None else json.dumps(body).encode()
    phrase = http.HTTPStatus(status).phrase
    head = (
        f"HTTP/1.1 {status} {phrase}\r\nServer: stsui\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(data)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + data


class CredentialsServer:
    """Serves `sessions` on `host:port` (loopback only) to callers that present `token`."""

    def __init__(
        self,
        sessions: SessionSource,
        token: str,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        limits: Limits | None = None,
    ) -> None:
        if not _loopback(host) or ":" in host:
            raise UsageError(
                f"The credentials server listens on loopback only; {host!r} is not an IPv4 loopback address."
            )
        if not 0 <= port <= MAX_PORT:
            raise UsageError(f"The credentials server's port must be {PORT_RULE}, not {port}.")
        self.sessions = sessions
        self.token = token
        self._host = host
        listening = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listening.bind((host, port))
            listening.listen(BACKLOG)
        except OSError as error:
            listening.close()
            raise StsuiError(
                f"Cannot listen on {host}:{port}: {error.strerror or error}; choose another --port."
            ) from None
        self.server_port: int = listening.getsockname()[1]
        self._socket = listening
        self._hosts = {f"{host}:{self.server_port}", f"localhost:{self.server_port}"}
        self.listener = Listener(listening, self._answer, limits or Limits.for_this_process())

    @property
    def url(self) -> str:
        return f"http://{self._host}:{self.server_port}"

    def start(self) -> None:
        """Serve from a daemon thread."""
        self.listener.start()

    def stop(self) -> None:
        """Stop accepting and close the port (idempotent); answers being sent finish on their own."""
        self.listener.stop()
        self._socket.close()

    # -- answering (the listener's thread) ---------------------------------------------------------------

    def _answer(self, connection: socket.socket, head: bytes) -> None:
        request = parse_head(head)
        if request is None:
            self._reply_now(connection, 400, None)
        elif request.method != "GET":
            self._reply_now(connection, 405, None)
        elif request.headers.get("host", "").lower() not in self._hosts or not hmac.compare_digest(
            request.headers.get("authorization", "").encode("latin-1"), self.token.encode()
        ):
            self._reply_now(connection, 403, None)
        elif not (request.path.startswith(ROUTE_PREFIX) and request.path.endswith(ROUTE_SUFFIX)):
            self._reply_now(connection, 404, {"message": "Unknown path; use /roles/NAME/credentials."})
        else:
            name = urllib.parse.unquote(request.path[len(ROUTE_PREFIX) : -len(ROUTE_SUFFIX)])
            threading.Thread(
                target=self._serve, args=(connection, name), name="stsui-request", daemon=True
            ).start()

    def _reply_now(self, connection: socket.socket, status: int, body: dict[str, str] | None) -> None:
        """A refusal, sent without waiting (it fits any socket buffer) and closed."""
        with contextlib.suppress(OSError):
            connection.send(answer_bytes(status, body))
        self._close(connection)

    # -- serving (a thread per request) ------------------------------------------------------------------

    def _serve(self, connection: socket.socket, name: str) -> None:
        try:
            status, body = 200, container_json(self.sessions, name)
        except UnknownRole as error:
            status, body = 404, {"message": str(error)}
        except StsuiError as error:
            status, body = 503, {"message": str(error)}
        except Exception as error:  # never a traceback on the agent's terminal, never a hung caller
            status, body = 500, {"message": f"stsui could not serve role {name!r} ({type(error).__name__})."}
        with contextlib.suppress(OSError):
            connection.settimeout(WRITE_TIMEOUT)
            connection.sendall(answer_bytes(status, body))
        self._close(connection)

    def _close(self, connection: socket.socket) -> None:
        connection.close()
        self.listener.closed()
