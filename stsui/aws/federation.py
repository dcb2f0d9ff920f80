"""The console sign-in (federation) endpoint over the standard library: one bounded GET for a sign-in token.

The request carries the session's keys and the answer is a bearer token, so neither the request's URL nor
the answer ever appears in an error: errors name the host and the HTTP status only.
"""

from __future__ import annotations

import http.client
import json
import os
import urllib.parse

from stsui import __version__
from stsui.aws.direct import _connection, _Watchdog
from stsui.aws.endpoints import checked_url
from stsui.aws.limits import ATTEMPT_DEADLINE, MAX_ANSWER_BYTES, READ_TIMEOUT
from stsui.domain.console import Partition, SigninRequest, login_url, token_request_url
from stsui.domain.errors import StsError

USER_AGENT = f"stsui/{__version__}"
SIGNIN_URL_VARIABLE = "STSUI_SIGNIN_URL"
"""Overrides the federation endpoint of every partition (a proxy, or a test's fake)."""

NEXT_STEP = {
    400: "the endpoint refused this session's credentials (it takes role and federation sessions only, "
    "never long-term keys or GetSessionToken credentials); renew the session and try again",
    401: "the session's credentials were refused; renew the session and try again",
    403: "the session's credentials were refused; renew the session and try again",
}


def federation_endpoint(partition: Partition) -> str:
    """`STSUI_SIGNIN_URL` when set (checked), else the partition's own endpoint."""
    override = os.environ.get(SIGNIN_URL_VARIABLE)
    if override:
        return checked_url(SIGNIN_URL_VARIABLE, override)
    return partition.federation_endpoint


def console_login_url(request: SigninRequest) -> str:
    """Ask the federation endpoint for a sign-in token; the login link that uses it. Raises StsError (one
    sentence, exit 1) within `ATTEMPT_DEADLINE` seconds whatever the endpoint does."""
    endpoint = federation_endpoint(request.partition)
    url = token_request_url(endpoint, request.credentials, request.session_duration)
    return login_url(endpoint, request.destination, _signin_token(url, request.who))


def _failed(who: str, detail: str, code: str) -> StsError:
    return StsError(f"The console sign-in for {who} failed: {detail}.", code)


def _signin_token(request_url: str, who: str) -> str:
    parts = urllib.parse.urlsplit(request_url)
    host = (parts.hostname or "") + (f":{parts.port}" if parts.port else "")
    hint = f"check the network, proxy or {SIGNIN_URL_VARIABLE}"
    late = _failed(who, f"{host} did not answer in time; {hint}", "Timeout")
    too_large = _failed(
        who, f"{host} answered with more than {MAX_ANSWER_BYTES // 1024} KiB; {hint}", "TooLarge"
    )
    connection = _connection(parts, os.environ.get("AWS_CA_BUNDLE") or None)
    watchdog = _Watchdog(connection, ATTEMPT_DEADLINE)
    try:
        connection.connect()
        assert connection.sock is not None
        connection.sock.settimeout(READ_TIMEOUT)
        watchdog.start()
        connection.request("GET", f"{parts.path or '/'}?{parts.query}", headers={"User-Agent": USER_AGENT})
        response = connection.getresponse()
        length = response.getheader("Content-Length", "")
        if length.isdigit() and int(length) > MAX_ANSWER_BYTES:
            raise too_large
        answer = response.read(MAX_ANSWER_BYTES + 1)
    except TimeoutError:
        raise late from None
    except (OSError, http.client.HTTPException, ValueError):
        if watchdog.fired:
            raise late from None
        raise _failed(who, f"could not connect to {host}; {hint}", "ConnectionError") from None
    finally:
        watchdog.cancel()
        connection.close()
    if watchdog.fired:
        raise late
    if len(answer) > MAX_ANSWER_BYTES:
        raise too_large
    if response.status != 200:
        step = NEXT_STEP.get(response.status) or (
            "AWS sign-in had an internal error; try again shortly" if response.status >= 500 else hint
        )
        raise _failed(who, f"{host} answered HTTP {response.status}; {step}", f"HTTP{response.status}")
    try:
        token = json.loads(answer)["SigninToken"]
    except (ValueError, KeyError, TypeError, RecursionError):
        token = None
    if not isinstance(token, str) or not token:
        detail = f"the answer from {host} is not a sign-in token (a proxy or captive portal?); {hint}"
        raise _failed(who, detail, "Malformed")
    return token
