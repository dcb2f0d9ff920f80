"""The credentials server: the container-credentials protocol on loopback, one route per role.

`GET /roles/NAME/credentials` with `Authorization: TOKEN` and `Host: 127.0.0.1:PORT` (or `localhost:PORT`)
answers what botocore's container provider (and the other SDKs') expect. A wrong or missing token or Host
gets 403 and nothing else; a malformed request 400; an unknown role 404; a role that cannot be served now
(an MFA code is needed, STS failed) a 503 with a JSON `message`, at once. Every answer closes its connection.

Connections are accepted and read by `stsui.agent.listener` (deadlines and caps against a flood), requests
parsed and answered by `stsui.agent.http_server`; this module is the route table.
"""

from __future__ import annotations

import hmac
import ipaddress
import urllib.parse
from collections.abc import Callable

from stsui.agent.http_server import Answer, HttpServer, Later, Request
from stsui.agent.listener import Limits
from stsui.agent.sessions import SessionSource, UnknownRole
from stsui.domain.errors import StsuiError, UsageError
from stsui.domain.times import rfc3339

ROUTE_PREFIX = "/roles/"
ROUTE_SUFFIX = "/credentials"
REQUEST_TIMEOUT = Limits.head_deadline
"""Seconds a client may take to send its whole request (line and headers), however slowly it drips."""


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


def session_answer(fetch: Callable[[], dict[str, str]], name: str) -> Answer:
    """`fetch()`'s JSON as a 200; an unknown role a 404, a role that cannot be served now a 503, each with
    a JSON `message` sentence (never a traceback, never a hung caller)."""
    try:
        return Answer.json(200, fetch())
    except UnknownRole as error:
        return Answer.json(404, {"message": str(error)})
    except StsuiError as error:
        return Answer.json(503, {"message": str(error)})
    except Exception as error:
        return Answer.json(500, {"message": f"stsui could not serve role {name!r} ({type(error).__name__})."})


class CredentialsServer(HttpServer):
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
        super().__init__(self._route, host=host, port=port, limits=limits)
        self.sessions = sessions
        self.token = token
        self._hosts = {f"{host}:{self.server_port}", f"localhost:{self.server_port}"}

    def _route(self, request: Request) -> Answer | Later:
        if request.method != "GET":
            return Answer(405)
        if request.headers.get("host", "").lower() not in self._hosts or not hmac.compare_digest(
            request.headers.get("authorization", "").encode("latin-1"), self.token.encode()
        ):
            return Answer(403)
        if not (request.path.startswith(ROUTE_PREFIX) and request.path.endswith(ROUTE_SUFFIX)):
            return Answer.json(404, {"message": "Unknown path; use /roles/NAME/credentials."})
        name = urllib.parse.unquote(request.path[len(ROUTE_PREFIX) : -len(ROUTE_SUFFIX)])
        return lambda: session_answer(lambda: container_json(self.sessions, name), name)
