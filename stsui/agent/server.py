"""The credentials server: the container-credentials protocol on loopback, one route per role.

`GET /roles/NAME/credentials` with `Authorization: TOKEN` answers what botocore's container provider (and the
other SDKs') expect. A wrong or missing token gets 403 and nothing else; an unknown role 404; a role that
cannot be served now (an MFA code is needed, STS failed) a 503 with a JSON `message`, at once.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from stsui.agent.sessions import SessionSource, UnknownRole
from stsui.domain.errors import StsuiError, UsageError
from stsui.domain.times import rfc3339

ROUTE_PREFIX = "/roles/"
ROUTE_SUFFIX = "/credentials"
POLL = 0.1
"""Seconds between the serving loop's checks for `stop`: quitting the TUI waits at most this for it."""
REQUEST_TIMEOUT = 5.0
"""Seconds a client may take to send its request: a stalled connection never holds a thread for long."""


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


class _Handler(BaseHTTPRequestHandler):
    server: CredentialsServer
    timeout = REQUEST_TIMEOUT
    server_version = "stsui"
    sys_version = ""

    def log_message(self, format: str, *args: object) -> None:
        """Silent: the agent logs events itself, never a request line (it could carry a token)."""

    def _send(self, status: int, body: dict[str, str] | None) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        given = self.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), self.server.token.encode()):
            self._send(403, None)
            return
        path = urllib.parse.urlsplit(self.path).path
        if not (path.startswith(ROUTE_PREFIX) and path.endswith(ROUTE_SUFFIX)):
            self._send(404, {"message": "Unknown path; use /roles/NAME/credentials."})
            return
        name = urllib.parse.unquote(path[len(ROUTE_PREFIX) : -len(ROUTE_SUFFIX)])
        try:
            self._send(200, container_json(self.server.sessions, name))
        except UnknownRole as error:
            self._send(404, {"message": str(error)})
        except StsuiError as error:
            self._send(503, {"message": str(error)})

    def do_POST(self) -> None:
        self._send(405, None)

    do_PUT = do_DELETE = do_POST


class CredentialsServer(ThreadingHTTPServer):
    """Serves `sessions` on `host:port` (loopback only) to callers that present `token`."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(
        self, sessions: SessionSource, token: str, *, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        if not _loopback(host):
            raise UsageError(
                f"The credentials server listens on loopback only; {host!r} is not a loopback address."
            )
        self.sessions = sessions
        self.token = token
        self._host = host
        try:
            super().__init__((host, port), _Handler)
        except OSError as error:
            raise StsuiError(
                f"Cannot listen on {host}:{port}: {error.strerror or error}; choose another --port."
            ) from None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self._host}:{self.server_port}"

    def start(self) -> None:
        """Serve from a daemon thread."""
        self._thread = threading.Thread(
            target=self.serve_forever, args=(POLL,), name="stsui-server", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self.shutdown()
        self.server_close()
