"""A loopback fake of the AWS console federation endpoint (no emulator of it exists).

It answers `GET /federation?Action=getSigninToken&Session=<JSON>[&SessionDuration=N]` the way AWS documents
it (`{"SigninToken": "..."}`), refuses what AWS refuses (a Session that is not the JSON of a temporary
session, a SessionDuration outside 900-43200), and records every request so tests can read what stsui sent.
`mode` makes it fail: an HTTP status, "hang" (accept, never answer until the fake stops), "portal" (a 200
HTML page, as a captive portal sends) or "huge" (a 200 of 2 MiB with no Content-Length).
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKEN = "FAKESIGNINTOKEN-SECRET-0123456789"


@dataclass
class Asked:
    """One request the fake received: its path and query fields (the Session JSON decoded)."""

    path: str
    fields: dict[str, str]

    @property
    def session(self) -> dict[str, str]:
        return json.loads(self.fields["Session"])


@dataclass
class FakeSignin:
    url: str
    mode: str | int = "ok"
    asked: list[Asked] = field(default_factory=list)
    released: threading.Event = field(default_factory=threading.Event)


def _handler(fake: FakeSignin) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _raw(self, data: bytes, kind: str, status: int = 200) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _answer(self, status: int, body: dict[str, str]) -> None:
            self._raw(json.dumps(body).encode(), "application/json", status)

        def do_GET(self) -> None:
            parts = urllib.parse.urlsplit(self.path)
            fields = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
            fake.asked.append(Asked(parts.path, fields))
            if fake.mode == "hang":
                fake.released.wait()
                return
            if fake.mode == "portal":
                self._raw(b"<html><body>Sign in to the hotel wifi</body></html>", "text/html")
                return
            if fake.mode == "huge":
                self.send_response(200)
                self.end_headers()
                chunk = b'{"SigninToken": "' + b"x" * 65536
                for _ in range(32):
                    self.wfile.write(chunk)
                return
            if isinstance(fake.mode, int):
                self._answer(fake.mode, {"message": "refused"})
                return
            if parts.path != "/federation" or fields.get("Action") != "getSigninToken":
                self._answer(400, {"message": "unknown action"})
                return
            try:
                session = json.loads(fields["Session"])
                assert set(session) == {"sessionId", "sessionKey", "sessionToken"}
                assert all(isinstance(v, str) and v for v in session.values())
            except (KeyError, ValueError, AssertionError):
                self._answer(400, {"message": "bad Session"})
                return
            duration = fields.get("SessionDuration")
            if duration is not None and not (duration.isdigit() and 900 <= int(duration) <= 43200):
                self._answer(400, {"message": "bad SessionDuration"})
                return
            self._answer(200, {"SigninToken": TOKEN})

    return Handler


@contextmanager
def fake_signin(mode: str | int = "ok") -> Iterator[FakeSignin]:
    """The fake on a free loopback port; its `url` is what STSUI_SIGNIN_URL takes."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(FakeSignin("")))
    server.daemon_threads = True
    host, port = server.server_address[:2]
    fake = FakeSignin(f"http://{host}:{port}/federation", mode)
    server.RequestHandlerClass = _handler(fake)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        fake.released.set()
        server.shutdown()
        server.server_close()
