"""STS over the standard library: SigV4-signed query calls with botocore's timeouts and retry rules.

Used when the caller's credentials are plain keys (a profile's static keys, an MFA session, a role session
for chaining): it saves the ~150 ms that importing boto3 and building a client cost. Anything else goes
through boto3 (see `stsui.aws.hybrid`).
"""

from __future__ import annotations

import contextlib
import http.client
import random
import socket
import ssl
import threading
import time
import urllib.parse
import xml.etree.ElementTree as ElementTree
from datetime import UTC, datetime

from stsui import __version__
from stsui.aws.endpoints import tls_context
from stsui.aws.limits import (
    ATTEMPT_DEADLINE,
    CALL_DEADLINE,
    CONNECT_TIMEOUT,
    MAX_ANSWER_BYTES,
    MAX_ATTEMPTS,
    READ_TIMEOUT,
)
from stsui.aws.messages import answer_too_large, not_sts, service_error, timed_out, unreachable
from stsui.aws.sigv4 import API_VERSION, Keys, Target, sign_post
from stsui.domain.errors import StsError
from stsui.domain.threads import start_helper

USER_AGENT = f"stsui/{__version__} (direct)"

THROTTLING = frozenset(
    {
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
        "TooManyRequestsException", "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled",
        "SlowDown", "PriorRequestNotComplete", "EC2ThrottledException",
    }
)  # fmt: skip
TRANSIENT = frozenset({"RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete"})
RETRY_STATUS = frozenset({500, 502, 503, 504})
"""What botocore's standard retry mode retries."""


class _Retryable(Exception):
    def __init__(self, error: StsError) -> None:
        self.error = error


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def child(element: ElementTree.Element, *path: str) -> ElementTree.Element:
    """The descendant at `path` (local names, namespaces ignored); KeyError when it is missing."""
    for name in path:
        found = next((c for c in element if _local(c.tag) == name), None)
        if found is None:
            raise KeyError(name)
        element = found
    return element


def text(element: ElementTree.Element, *path: str) -> str:
    value = child(element, *path).text
    if not value:
        raise KeyError(path[-1])
    return value.strip()


def _error_of(body: bytes, status: int, reason: str) -> tuple[str, str]:
    """(code, message) of an error answer (`<Error>` at any depth, as botocore's query parser finds it);
    the HTTP status when the body has none (an HTML page from a load balancer)."""
    try:
        error = next(e for e in ElementTree.fromstring(body).iter() if _local(e.tag) == "Error")
        return text(error, "Code"), (child(error, "Message").text or "").strip()
    except (ElementTree.ParseError, StopIteration, KeyError):
        return str(status), reason


class DirectClient:
    """Calls one STS action at a time; safe to share between threads (it keeps no state)."""

    def call(
        self, action: str, fields: dict[str, str], keys: Keys, target: Target, what: str
    ) -> ElementTree.Element:
        """The `<ActionResult>` element, after up to 3 attempts; raises StsError (one sentence)."""
        body = urllib.parse.urlencode({"Action": action, "Version": API_VERSION, **fields}).encode()
        deadline = time.monotonic() + CALL_DEADLINE
        for attempt in range(MAX_ATTEMPTS):
            try:
                return self._attempt(action, body, keys, target, what, deadline)
            except _Retryable as retry:
                pause = random.random() * min(20, 2**attempt)
                if attempt == MAX_ATTEMPTS - 1 or time.monotonic() + pause + 1 >= deadline:
                    raise retry.error from None
                time.sleep(pause)
        raise AssertionError("unreachable")

    def _attempt(
        self, action: str, body: bytes, keys: Keys, target: Target, what: str, call_deadline: float
    ) -> ElementTree.Element:
        url = urllib.parse.urlsplit(target.endpoint)
        path = url.path or "/"
        headers = sign_post(keys, target, body, datetime.now(UTC))
        headers["user-agent"] = USER_AGENT
        connection = _connection(url, target.ca_bundle)
        budget = max(0.5, min(ATTEMPT_DEADLINE, call_deadline - time.monotonic()))
        watchdog = _Watchdog(connection, budget)
        try:
            connection.connect()
        except TimeoutError:
            raise _Retryable(timed_out(what, target.endpoint)) from None
        except OSError:
            raise _Retryable(unreachable(what, target.endpoint)) from None
        try:
            assert connection.sock is not None
            connection.sock.settimeout(READ_TIMEOUT)
            watchdog.start()
            connection.request("POST", path, body, headers)
            response = connection.getresponse()
            length = response.getheader("Content-Length", "")
            if length.isdigit() and int(length) > MAX_ANSWER_BYTES:
                raise answer_too_large(what, target.endpoint)
            answer = response.read(MAX_ANSWER_BYTES + 1)
            if len(answer) > MAX_ANSWER_BYTES:
                raise answer_too_large(what, target.endpoint)
        except TimeoutError:
            raise _Retryable(timed_out(what, target.endpoint)) from None
        except (OSError, http.client.HTTPException, ValueError):
            if watchdog.fired:
                raise _Retryable(timed_out(what, target.endpoint)) from None
            raise _Retryable(unreachable(what, target.endpoint)) from None
        finally:
            watchdog.cancel()
            connection.close()
        if watchdog.fired:
            raise _Retryable(timed_out(what, target.endpoint))
        if response.status >= 300:
            code, message = _error_of(answer, response.status, response.reason)
            error = service_error(what, code, message, response.status)
            if code in THROTTLING or code in TRANSIENT or response.status in RETRY_STATUS:
                raise _Retryable(error)
            raise error
        try:
            return child(ElementTree.fromstring(answer), f"{action}Result")
        except (ElementTree.ParseError, KeyError):
            raise not_sts(what, target.endpoint) from None


class _Watchdog:
    """Ends an attempt at its deadline by shutting its socket down: a read timeout alone never fires
    against an endpoint that sends one byte every few seconds."""

    def __init__(self, connection: http.client.HTTPConnection, seconds: float) -> None:
        self._connection = connection
        self.fired = False
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def start(self) -> None:
        start_helper(self._timer)

    def _fire(self) -> None:
        self.fired = True
        sock = self._connection.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def cancel(self) -> None:
        self._timer.cancel()


def _connection(url: urllib.parse.SplitResult, ca_bundle: str | None) -> http.client.HTTPConnection:
    if url.scheme == "http":
        return http.client.HTTPConnection(url.hostname or "", url.port, timeout=CONNECT_TIMEOUT)
    return http.client.HTTPSConnection(
        url.hostname or "", url.port, timeout=CONNECT_TIMEOUT, context=_tls_context(ca_bundle)
    )


_contexts: dict[str | None, ssl.SSLContext] = {}


def _tls_context(ca_bundle: str | None) -> ssl.SSLContext:
    """A verifying TLS context for `ca_bundle`, else for the bundle botocore would use, built once."""
    if ca_bundle not in _contexts:
        _contexts[ca_bundle] = tls_context(ca_bundle, _botocore_bundle())
    return _contexts[ca_bundle]


def _botocore_bundle() -> str | None:
    """botocore's default trust: certifi's bundle when installed, else its own; found without importing."""
    import importlib.util
    from pathlib import Path

    for package in ("certifi", "botocore"):
        spec = importlib.util.find_spec(package)
        if spec is not None and spec.origin:
            bundle = Path(spec.origin).with_name("cacert.pem")
            if bundle.is_file():
                return str(bundle)
    return None
