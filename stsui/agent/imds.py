"""EC2's instance metadata service (IMDSv2) for one role: what `stsui imds` serves, so that an SDK in a
container on any Docker network gets the role's session with only `AWS_EC2_METADATA_SERVICE_ENDPOINT` set
(the SDKs accept any host there, unlike the container-credentials URI).

The route table, as EC2 answers it:
- `PUT /latest/api/token` with `X-aws-ec2-metadata-token-ttl-seconds` (1 to 21,600) gives a token; any other
  TTL (or none) is a 400, and a PUT carrying `X-Forwarded-For` a 403, so a proxy cannot fetch tokens.
- every GET needs a live `X-aws-ec2-metadata-token`: a missing, unknown or expired one is a 401;
- `GET /latest/meta-data/iam/security-credentials/` names the role, `…/NAME` gives its session (more than
  `IMDS_LEAST_LEFT` left, renewed by the agent's `SessionSource`: one STS call for any number of callers);
- `GET /latest/meta-data/placement/region` and `…/availability-zone` give the role's region (and `a`);
- anything else is a 404 (`…/security-credentials-extended/` too, so the SDKs that try it first fall back).

A `Host` must be an IP address or a name a container uses for its host (`host.docker.internal`, …): a web
page cannot reach the server through a DNS name of its own pointed at the address (DNS rebinding), and needs
a CORS preflight, which is refused, for the token's header anyway.
"""

from __future__ import annotations

import errno
import hashlib
import ipaddress
import secrets
import threading
import urllib.parse
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from stsui.agent.http_server import Answer, CannotListen, HttpServer, Later, Request, address_family
from stsui.agent.listener import Limits
from stsui.agent.server import session_answer
from stsui.agent.sessions import SessionSource
from stsui.domain.durations import format_duration
from stsui.domain.errors import UsageError
from stsui.domain.limits import CHAINED_MAX_DURATION, IMDS_LEAST_LEFT, IMDS_TOKEN_TTL
from stsui.domain.model import Role
from stsui.domain.times import rfc3339

TOKEN_PATH = "/latest/api/token"
CREDENTIALS_PATH = "/latest/meta-data/iam/security-credentials/"
REGION_PATH = "/latest/meta-data/placement/region"
ZONE_PATH = "/latest/meta-data/placement/availability-zone"
TTL_HEADER = "x-aws-ec2-metadata-token-ttl-seconds"
TOKEN_HEADER = "x-aws-ec2-metadata-token"
MAX_TOKENS = 1024
"""Live tokens kept at most: a caller asking for tokens forever replaces the oldest, never grows memory."""
HOST_NAMES = frozenset(
    {"localhost", "host.docker.internal", "gateway.docker.internal", "host.containers.internal"}
)
"""Names a `Host` header may carry besides an IP address: loopback's, and those Docker and Podman give a
container for its host."""


def endpoint(url: str) -> str:
    """The value of `AWS_EC2_METADATA_SERVICE_ENDPOINT` for a server at base URL `url`."""
    return url + "/"


def served_over_imds(role: Role) -> Role:
    """`role` as `stsui imds` serves it: renewed while it has `IMDS_LEAST_LEFT` left (or its own
    `refresh_before`, when longer), so that what is served always has more. A role whose sessions are not
    longer than that is refused (exit 2)."""
    longest = min(role.duration, CHAINED_MAX_DURATION) if role.chained else role.duration
    if longest <= IMDS_LEAST_LEFT:
        raise UsageError(
            f"Role '{role.name}' gets sessions of {format_duration(longest)}, and stsui imds serves only "
            f"sessions with more than {format_duration(IMDS_LEAST_LEFT)} left (the SDKs stretch shorter ones "
            "past their expiry); raise its duration in the roles file."
        )
    return replace(role, refresh_before=max(role.refresh_before, IMDS_LEAST_LEFT))


def check_bind(host: str) -> None:
    """Refuse, with a sentence (exit 2), an address the server must never listen on: one that is not an IP
    address, every address at once (`0.0.0.0`, `::`), or an IPv4 address written as IPv6."""
    address_family(host)
    address = ipaddress.ip_address(host)
    if address.is_unspecified:
        raise UsageError(
            f"imds will not listen on {host} (every address of this machine): anyone on your networks "
            "could take the role's session; give one interface's address, such as the Docker bridge's "
            "172.17.0.1 (see `ip -br addr`)."
        )
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        raise UsageError(f"Give the IPv4 address {address.ipv4_mapped} itself, not {host}.")


def parse_ttl(text: str | None) -> int | None:
    """The token TTL a request asks for, or None when it is not a whole number of seconds EC2 accepts."""
    if text is None or not (text.isascii() and text.isdigit()) or len(text) > 6:
        return None
    seconds = int(text)
    return seconds if seconds in IMDS_TOKEN_TTL else None


class Tokens:
    """Session tokens: random, each live for its TTL on `clock`, kept in memory (by their digest), at most
    `limit` of them."""

    def __init__(self, clock: Callable[[], datetime], *, limit: int = MAX_TOKENS) -> None:
        self._clock = clock
        self._limit = limit
        self._expiry: OrderedDict[bytes, datetime] = OrderedDict()
        """By the token's SHA-256, oldest first."""
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._expiry)

    def issue(self, ttl: int) -> str:
        """A new token, live for `ttl` seconds."""
        token = secrets.token_urlsafe(32)
        now = self._clock()
        with self._lock:
            if len(self._expiry) >= self._limit:
                for digest in [d for d, expires in self._expiry.items() if expires <= now]:
                    del self._expiry[digest]
            while len(self._expiry) >= self._limit:
                self._expiry.popitem(last=False)
            self._expiry[_digest(token)] = now + timedelta(seconds=ttl)
        return token

    def live(self, token: str) -> bool:
        """Whether `token` was issued here and has not expired (an expired one is forgotten)."""
        digest = _digest(token)
        with self._lock:
            expires = self._expiry.get(digest)
            if expires is None:
                return False
            if expires <= self._clock():
                del self._expiry[digest]
                return False
            return True


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("latin-1", "replace")).digest()


def _allowed_host(value: str) -> bool:
    """Whether a `Host` header names this server by an IP address or one of `HOST_NAMES` (any port)."""
    host = value.strip().lower()
    if host.startswith("["):
        inside, bracket, rest = host[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            return False
        host = inside
    elif host.count(":") == 1:
        host = host.partition(":")[0]
    if host in HOST_NAMES:
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


class ImdsServer(HttpServer):
    """Serves role `name` of `sessions` as EC2's instance metadata on `host:port`."""

    def __init__(
        self,
        sessions: SessionSource,
        name: str,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        limits: Limits | None = None,
    ) -> None:
        check_bind(host)
        try:
            super().__init__(self._route, host=host, port=port, limits=limits)
        except CannotListen as error:
            if error.errno != errno.EADDRNOTAVAIL:
                raise
            raise UsageError(
                f"No interface of this machine has the address {host}, so stsui imds cannot listen on it; "
                "give one it has (see `ip -br addr`), such as 127.0.0.1 or the Docker bridge's 172.17.0.1."
            ) from None
        self.sessions = sessions
        self.name = name
        self.tokens = Tokens(sessions.engine.clock)

    # -- the route table ----------------------------------------------------------------------------------

    def _route(self, request: Request) -> Answer | Later:
        if request.method not in ("GET", "PUT"):
            return Answer(405)
        if not _allowed_host(request.headers.get("host", "")):
            return Answer(403)
        if request.method == "PUT":
            return self._token(request) if request.path == TOKEN_PATH else Answer(404)
        if request.path == TOKEN_PATH:
            return Answer(405)
        if not self.tokens.live(request.headers.get(TOKEN_HEADER, "")):
            return Answer(401)
        path = request.path
        if path in (CREDENTIALS_PATH, CREDENTIALS_PATH.rstrip("/")):
            return Answer.text(200, self.name)
        if path.startswith(CREDENTIALS_PATH) and self._names_the_role(path[len(CREDENTIALS_PATH) :]):
            return lambda: session_answer(self._credentials, self.name)
        region = self.sessions.role(self.name).region
        if path == REGION_PATH and region:
            return Answer.text(200, region)
        if path == ZONE_PATH and region:
            return Answer.text(200, region + "a")
        return Answer(404)

    def _names_the_role(self, text: str) -> bool:
        return urllib.parse.unquote(text) == self.name

    def _token(self, request: Request) -> Answer:
        if "x-forwarded-for" in request.headers:
            return Answer(403)
        ttl = parse_ttl(request.headers.get(TTL_HEADER))
        if ttl is None:
            return Answer(400)
        return Answer.text(200, self.tokens.issue(ttl), {"X-aws-ec2-metadata-token-ttl-seconds": str(ttl)})

    def _credentials(self) -> dict[str, str]:
        session = self.sessions.get(self.name)
        credentials = session.credentials
        updated = self.sessions.obtained_at(self.name) or self.sessions.engine.clock()
        return {
            "Code": "Success",
            "LastUpdated": rfc3339(updated),
            "Type": "AWS-HMAC",
            "AccessKeyId": credentials.access_key_id,
            "SecretAccessKey": credentials.secret_access_key,
            "Token": credentials.session_token,
            "Expiration": rfc3339(credentials.expiration),
        }
