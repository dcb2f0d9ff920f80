"""A loopback fake of IAM Identity Center: the OIDC API (`sso-oidc`) and the portal API (`sso`).

moto implements neither, so this small HTTP server speaks their REST-JSON wire format (checked against
botocore's own `sso` and `sso-oidc` clients in test_sso_fake.py). One server answers both: the OIDC paths
(`/client/register`, `/device_authorization`, `/token`) and the portal paths (`/assignment/accounts`,
`/assignment/roles`, `/federation/credentials`, `/logout`) do not overlap.

Knobs a test turns:
- `device_script`: what CreateToken answers to each device-code poll, in order ("pending", "slow_down",
  "expired", "denied"), then a token;
- `throttle_every`: every N-th portal request is refused with 429 TooManyRequestsException;
- `accounts`: {account id: (account name, [role names])}, changed between syncs to make roles disappear;
- `endless_accounts`, `endless_roles`: "same" pages with the same next token forever, "new" with a new one;
- `verification_uri`: the sign-in page StartDeviceAuthorization names (by default the start URL's
  `#/device` page, as Identity Center answers today);
- `expire_access_tokens()`: every issued access token is refused (401) from now on.

Every time it hands out (client registrations, role credentials) is on the clock it is given: the test's.
"""

from __future__ import annotations

import json
import secrets
import threading
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.support.home import Home, build_home

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
REFRESH_GRANT = "refresh_token"


@dataclass
class Device:
    client_id: str
    user_code: str
    script: list[str]


@dataclass
class State:
    """Everything the fake knows; the test reads and changes it between calls."""

    accounts: dict[str, tuple[str, list[str]]] = field(default_factory=dict)
    device_script: list[str] = field(default_factory=lambda: ["pending"])
    interval: int = 5
    device_expires_in: int = 600
    token_expires_in: int = 28800
    credentials_expire_in: int = 3600
    throttle_every: int = 0
    accounts_page: int = 20
    roles_page: int = 2
    endless_accounts: str = ""
    endless_roles: str = ""
    verification_uri: str | None = None
    clients: dict[str, str] = field(default_factory=dict)
    devices: dict[str, Device] = field(default_factory=dict)
    access_tokens: set[str] = field(default_factory=set)
    refresh_tokens: dict[str, str] = field(default_factory=dict)  # refresh token -> client id
    requests: list[tuple[str, str]] = field(default_factory=list)  # (operation, bearer/client id)
    accounts_asked: list[str] = field(default_factory=list)  # account_id of every role or credentials request
    throttled: int = 0
    portal_requests: int = 0
    issued_credentials: list[str] = field(default_factory=list)  # access key ids
    secrets: list[str] = field(default_factory=list)  # every token, secret and device code handed out


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        return

    # -- plumbing ---------------------------------------------------------------------------------------

    def _send(self, status: int, body: dict[str, Any], error_type: str | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if error_type:
            self.send_header("x-amzn-ErrorType", error_type)
        self.end_headers()
        self.wfile.write(data)

    def _oidc_error(self, error_type: str, error: str) -> None:
        self._send(400, {"error": error, "error_description": error.replace("_", " ")}, error_type)

    def _portal_error(self, status: int, error_type: str, message: str) -> None:
        self._send(status, {"message": message}, error_type)

    def _json(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(length) or b"{}")

    # -- OIDC ---------------------------------------------------------------------------------------------

    def do_POST(self) -> None:
        state = self.server.state
        body = self._json()
        with self.server.lock:
            if self.path == "/client/register":
                state.requests.append(("RegisterClient", body.get("clientName", "")))
                if body.get("clientType") != "public" or not body.get("clientName"):
                    return self._oidc_error("InvalidClientMetadataException", "invalid_client_metadata")
                client_id, secret = "client-" + secrets.token_hex(6), "csecret-" + secrets.token_hex(16)
                state.clients[client_id] = secret
                state.secrets.append(secret)
                now = int(self.server.clock().timestamp())
                return self._send(
                    200,
                    {
                        "clientId": client_id,
                        "clientSecret": secret,
                        "clientIdIssuedAt": now,
                        "clientSecretExpiresAt": now + 90 * 86400,
                    },
                )
            if self.path == "/logout":
                token = self.headers.get("x-amz-sso_bearer_token", "")
                state.requests.append(("Logout", token))
                if token not in state.access_tokens:
                    return self._portal_error(
                        401, "UnauthorizedException", "Session token not found or invalid"
                    )
                state.access_tokens.discard(token)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None
            if not self._client_ok(body):
                return self._oidc_error("InvalidClientException", "invalid_client")
            if self.path == "/device_authorization":
                state.requests.append(("StartDeviceAuthorization", body["clientId"]))
                device_code = "device-" + secrets.token_hex(12)
                user_code = f"{secrets.token_hex(2).upper()}-{secrets.token_hex(2).upper()}"
                state.secrets.append(device_code)
                state.devices[device_code] = Device(body["clientId"], user_code, list(state.device_script))
                base = state.verification_uri or f"{body.get('startUrl', '')}/#/device"
                return self._send(
                    200,
                    {
                        "deviceCode": device_code,
                        "userCode": user_code,
                        "verificationUri": base,
                        "verificationUriComplete": f"{base}?user_code={user_code}",
                        "expiresIn": state.device_expires_in,
                        "interval": state.interval,
                    },
                )
            if self.path == "/token":
                return self._token(body)
        self._send(404, {"message": "no such path"}, "ResourceNotFoundException")

    def _client_ok(self, body: dict[str, Any]) -> bool:
        return self.server.state.clients.get(body.get("clientId", "")) == body.get("clientSecret")

    def _token(self, body: dict[str, Any]) -> None:
        state = self.server.state
        grant = body.get("grantType")
        state.requests.append((f"CreateToken:{grant}", body["clientId"]))
        if grant == DEVICE_GRANT:
            device = state.devices.get(body.get("deviceCode", ""))
            if device is None or device.client_id != body["clientId"]:
                return self._oidc_error("InvalidGrantException", "invalid_grant")
            if device.script:
                answer = device.script.pop(0)
                if answer == "pending":
                    return self._oidc_error("AuthorizationPendingException", "authorization_pending")
                if answer == "slow_down":
                    return self._oidc_error("SlowDownException", "slow_down")
                if answer == "expired":
                    device.script.insert(0, "expired")
                    return self._oidc_error("ExpiredTokenException", "expired_token")
                if answer == "denied":
                    return self._oidc_error("AccessDeniedException", "access_denied")
            del state.devices[body["deviceCode"]]
        elif grant == REFRESH_GRANT:
            if state.refresh_tokens.pop(body.get("refreshToken", ""), None) != body["clientId"]:
                return self._oidc_error("InvalidGrantException", "invalid_grant")
        else:
            return self._oidc_error("UnsupportedGrantTypeException", "unsupported_grant_type")
        access, refresh = "atoken-" + secrets.token_hex(16), "rtoken-" + secrets.token_hex(16)
        state.access_tokens.add(access)
        state.refresh_tokens[refresh] = body["clientId"]
        state.secrets += [access, refresh]
        self._send(
            200,
            {
                "accessToken": access,
                "tokenType": "Bearer",
                "expiresIn": state.token_expires_in,
                "refreshToken": refresh,
            },
        )

    # -- portal -------------------------------------------------------------------------------------------

    def do_GET(self) -> None:
        state = self.server.state
        url = urllib.parse.urlsplit(self.path)
        query = {k: v[0] for k, v in urllib.parse.parse_qs(url.query).items()}
        token = self.headers.get("x-amz-sso_bearer_token", "")
        with self.server.lock:
            operation = {
                "/assignment/accounts": "ListAccounts",
                "/assignment/roles": "ListAccountRoles",
                "/federation/credentials": "GetRoleCredentials",
            }.get(url.path)
            if operation is None:
                return self._send(404, {"message": "no such path"}, "ResourceNotFoundException")
            state.requests.append((operation, token))
            state.portal_requests += 1
            if state.throttle_every and state.portal_requests % state.throttle_every == 0:
                state.throttled += 1
                return self._portal_error(429, "TooManyRequestsException", "Rate exceeded")
            if token not in state.access_tokens:
                return self._portal_error(401, "UnauthorizedException", "Session token not found or invalid")
            if operation == "ListAccounts":
                rows = [
                    {"accountId": a, "accountName": name, "emailAddress": f"aws+{a}@example.com"}
                    for a, (name, _roles) in sorted(state.accounts.items())
                ]
                return self._page(rows, query, state.accounts_page, "accountList", state.endless_accounts)
            state.accounts_asked.append(query.get("account_id", ""))
            account = state.accounts.get(query.get("account_id", ""))
            if account is None:
                return self._portal_error(404, "ResourceNotFoundException", "No access")
            if operation == "ListAccountRoles":
                rows = [{"roleName": r, "accountId": query["account_id"]} for r in account[1]]
                return self._page(rows, query, state.roles_page, "roleList", state.endless_roles)
            if query.get("role_name") not in account[1]:
                return self._portal_error(403, "ForbiddenException", "No access")
            key = "ASIA" + secrets.token_hex(8).upper()
            state.issued_credentials.append(key)
            secret, session = "ssosecret-" + secrets.token_hex(16), "ssosession-" + secrets.token_hex(24)
            state.secrets += [secret, session]
            expires = self.server.clock() + timedelta(seconds=state.credentials_expire_in)
            expires_ms = int(expires.timestamp() * 1000)
            return self._send(
                200,
                {
                    "roleCredentials": {
                        "accessKeyId": key,
                        "secretAccessKey": secret,
                        "sessionToken": session,
                        "expiration": expires_ms,
                    }
                },
            )

    def _page(
        self, rows: list[dict[str, str]], query: dict[str, str], default: int, key: str, endless: str
    ) -> None:
        size = min(int(query.get("max_result", default)), default)
        start = int(query.get("next_token", "0").removeprefix("page-"))
        body: dict[str, Any] = {key: rows[start : start + size]}
        if endless == "same":
            body["nextToken"] = f"page-{start}"
        elif endless == "new" or start + size < len(rows):
            body["nextToken"] = f"page-{start + size}"
        self._send(200, body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: State
    lock: threading.Lock
    clock: Callable[[], datetime]


class SsoFake:
    """The fake on 127.0.0.1, a free port; `url` serves as both AWS_ENDPOINT_URL_SSO and _SSO_OIDC.
    `clock` is the test's (there is no default: a fake on the wall clock beside a frozen test clock is the
    bug tests/support/clock.py describes)."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self.state = State()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.state = self.state
        self._server.lock = threading.Lock()
        self._server.clock = clock
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )  # stop() waits for one poll: 0.5 s by default, for every test

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def start(self) -> SsoFake:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def add_accounts(self, count: int, roles: tuple[str, ...] = ("Admin", "ReadOnly", "Billing")) -> None:
        for n in range(count):
            account = f"{100000000000 + n:012d}"
            self.state.accounts[account] = (f"acct-{n:03d}", list(roles))

    def issue_token(self) -> str:
        """An access token the portal accepts, as if someone logged in elsewhere."""
        token = "atoken-" + secrets.token_hex(16)
        with self._server.lock:
            self.state.access_tokens.add(token)
            self.state.secrets.append(token)
        return token

    def expire_access_tokens(self) -> None:
        with self._server.lock:
            self.state.access_tokens.clear()

    def count(self, operation: str) -> int:
        return sum(1 for op, _who in self.state.requests if op == operation)


def sso_user(root: Path, sts_url: str, fake: SsoFake, roles: str) -> Home:
    """A user of the real program with `roles`, Identity Center at `fake` (approving at the first poll, one
    second apart), and a browser that only notes, in ROOT/opened, what it was asked to open."""
    home = build_home(root, sts_url, roles=roles)
    browser = root / "browser"
    browser.write_text(f'#!/bin/sh\nprintf "%s\\n" "$1" >> {root / "opened"}\n')
    browser.chmod(0o755)
    home.env.update(AWS_ENDPOINT_URL_SSO=fake.url, AWS_ENDPOINT_URL_SSO_OIDC=fake.url, BROWSER=str(browser))
    fake.state.interval = 1
    fake.state.device_script = []
    return home
