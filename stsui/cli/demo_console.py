"""The demo's stand-in for the AWS console sign-in: `o` in `stsui demo` opens a local page, not AWS.

moto's sessions are make-believe, so AWS's federation endpoint would refuse them (and see them). While the
demo runs, this loopback server takes the two requests the console key makes, the way AWS's endpoint does:
`Action=getSigninToken` with the session's JSON (answered with a one-time token), then the browser's
`Action=login` with that token, answered with a page that says where the real console would have opened.
Nothing is kept but the tokens it issued, which are forgotten on first use and with the demo.
"""

from __future__ import annotations

import html
import json
import secrets
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from stsui.domain.printable import printable

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>stsui demo: AWS console</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 3em auto">
<h1>stsui demo</h1>
<p>This is where the AWS console would open, signed in as the role's session, at:</p>
<p><code>{destination}</code></p>
<p>The demo's sessions come from a local STS (moto), so this page stands in for AWS's sign-in.
With your own roles, <code>o</code> in stsui (or <code>stsui console NAME</code>) opens the real console.</p>
</body></html>
"""

_SESSION_KEYS = frozenset({"sessionId", "sessionKey", "sessionToken"})


class DemoSignin:
    """The stand-in on a free loopback port, serving until `stop`; `url` is what `STSUI_SIGNIN_URL` takes."""

    def __init__(self) -> None:
        self._tokens: set[str] = set()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_port}/federation"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True, name="demo-signin")
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        with self._lock:
            self._tokens.clear()

    def _issue(self) -> str:
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._tokens.add(token)
        return token

    def _redeem(self, token: str) -> bool:
        with self._lock:
            if token in self._tokens:
                self._tokens.discard(token)
                return True
            return False

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        signin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass  # never on the TUI's terminal

            def _send(self, status: int, kind: str, body: str) -> None:
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                parts = urllib.parse.urlsplit(self.path)
                fields = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
                action = fields.get("Action") if parts.path == "/federation" else None
                if action == "getSigninToken" and _is_session(fields.get("Session", "")):
                    self._send(200, "application/json", json.dumps({"SigninToken": signin._issue()}))
                elif action == "login" and signin._redeem(fields.get("SigninToken", "")):
                    destination = html.escape(printable(fields.get("Destination", "")))
                    self._send(200, "text/html; charset=utf-8", PAGE.format(destination=destination))
                else:
                    self._send(400, "application/json", json.dumps({"message": "not a sign-in request"}))

        return Handler


def _is_session(text: str) -> bool:
    """Whether `text` is the JSON of a temporary session, as the federation endpoint requires."""
    try:
        session = json.loads(text)
    except ValueError:
        return False
    return (
        isinstance(session, dict)
        and set(session) == _SESSION_KEYS
        and all(isinstance(value, str) and value for value in session.values())
    )
