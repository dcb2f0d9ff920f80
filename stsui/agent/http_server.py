"""What every server of stsui's agent shares: a bound socket, the listener's hardened front door, HTTP/1.x
request heads parsed strictly, and whole answers that close their connection.

A server is a route table on top: `route(request)` gives an `Answer` at once (a refusal, a token: sent from
the listener's thread without waiting, as it fits any socket buffer) or a `Later`, work that may wait for STS,
done in a thread of its own so that it never holds up another request. The container-credentials server
(`stsui.agent.server`) and the instance-metadata server (`stsui.agent.imds`) are two such tables.
"""

from __future__ import annotations

import contextlib
import http
import ipaddress
import json
import socket
import threading
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from stsui.agent.listener import BACKLOG, Limits, Listener
from stsui.domain.errors import StsuiError, UsageError
from stsui.domain.limits import MAX_PORT, PORT_RULE

WRITE_TIMEOUT = 5.0
"""Seconds an answer may take to be sent (it is a few hundred bytes: only a client that reads nothing)."""


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    """By lower-case name."""


SINGLE = ("host", "authorization", "x-aws-ec2-metadata-token", "x-aws-ec2-metadata-token-ttl-seconds")
"""Headers a request may carry once: two of one is refused rather than guessed between."""


def parse_head(head: bytes) -> Request | None:
    """The request line and headers of `head`, or None for anything but a plain HTTP/1.x request: a
    folded or nameless header line, or a second of a `SINGLE` header, is refused."""
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


@dataclass(frozen=True)
class Answer:
    """A whole HTTP answer."""

    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: Mapping[str, str] | None = None

    @classmethod
    def json(cls, status: int, data: Mapping[str, str]) -> Answer:
        return cls(status, json.dumps(data).encode())

    @classmethod
    def text(cls, status: int, text: str, headers: Mapping[str, str] | None = None) -> Answer:
        return cls(status, text.encode(), "text/plain", headers)

    def to_bytes(self) -> bytes:
        """The answer on the wire; it closes the connection and is never cached."""
        phrase = http.HTTPStatus(self.status).phrase
        extra = "".join(f"{name}: {value}\r\n" for name, value in (self.headers or {}).items())
        head = (
            f"HTTP/1.1 {self.status} {phrase}\r\nServer: stsui\r\nContent-Type: {self.content_type}\r\n"
            f"Content-Length: {len(self.body)}\r\n{extra}Cache-Control: no-store\r\nConnection: close\r\n\r\n"
        )
        return head.encode() + self.body


Later = Callable[[], Answer]
"""An answer that takes work (a session, perhaps from STS): made in a thread of its own."""
Route = Callable[[Request], Answer | Later]


class CannotListen(StsuiError):
    """The address and port cannot be bound; `errno` says why."""

    def __init__(self, message: str, errno: int | None) -> None:
        super().__init__(message)
        self.errno = errno


def address_family(host: str) -> socket.AddressFamily:
    """The socket family of the IP literal `host`; UsageError for anything but an IP address."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise UsageError(f"{host!r} is not an IP address; give one, such as 127.0.0.1.") from None
    return socket.AF_INET6 if address.version == 6 else socket.AF_INET


def url_host(host: str) -> str:
    """`host` as it appears in a URL or a Host header (an IPv6 address in brackets)."""
    return f"[{host}]" if ":" in host else host


class HttpServer:
    """Answers `route`'s requests on `host:port` (an IP address; port 0 picks a free one) until stopped."""

    def __init__(self, route: Route, *, host: str, port: int, limits: Limits | None = None) -> None:
        if not 0 <= port <= MAX_PORT:
            raise UsageError(f"The port must be {PORT_RULE}, not {port}.")
        listening = socket.socket(address_family(host), socket.SOCK_STREAM)
        try:
            listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listening.bind((host, port))
            listening.listen(BACKLOG)
        except OSError as error:
            listening.close()
            raise CannotListen(
                f"Cannot listen on {url_host(host)}:{port}: {error.strerror or error}; "
                "choose another --port.",
                error.errno,
            ) from None
        self.host = host
        self.server_port: int = listening.getsockname()[1]
        self._route = route
        self._socket = listening
        self.listener = Listener(listening, self._on_head, limits or Limits.for_this_process())

    @property
    def url(self) -> str:
        return f"http://{url_host(self.host)}:{self.server_port}"

    def start(self) -> None:
        """Serve from a daemon thread."""
        self.listener.start()

    def stop(self) -> None:
        """Stop accepting and close the port (idempotent); answers being sent finish on their own."""
        self.listener.stop()
        self._socket.close()

    # -- answering (the listener's thread) ---------------------------------------------------------------

    def _on_head(self, connection: socket.socket, head: bytes) -> None:
        request = parse_head(head)
        routed = Answer(400) if request is None else self._route(request)
        if isinstance(routed, Answer):
            with contextlib.suppress(OSError):
                connection.send(routed.to_bytes())
            self._close(connection)
            return
        worker = threading.Thread(target=self._later, args=(connection, routed), name="stsui-request")
        worker.daemon = True
        worker.start()

    # -- answers that take work (a thread per request) ----------------------------------------------------

    def _later(self, connection: socket.socket, later: Later) -> None:
        try:
            answer = later()
        except Exception:  # the route's own errors are answers; this is the last net: never a hung caller
            answer = Answer(500)
        with contextlib.suppress(OSError):
            connection.settimeout(WRITE_TIMEOUT)
            connection.sendall(answer.to_bytes())
        self._close(connection)

    def _close(self, connection: socket.socket) -> None:
        connection.close()
        self.listener.closed()
