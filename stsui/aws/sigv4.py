"""Signature Version 4 for STS, as botocore signs: a POST's headers (`sign_post`, the direct client's calls)
and a presigned GET URL (`presign`, EKS tokens). Standard library only, and no network modules, so that a
presigned URL costs no more than the hashing.

`tests/unit/test_sigv4.py` holds both to botocore's own signers (`SigV4Auth`, `SigV4QueryAuth`) byte for
byte, for the same keys, region and time.
"""

from __future__ import annotations

import hashlib
import hmac
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

ALGORITHM = "AWS4-HMAC-SHA256"
SERVICE = "sts"
API_VERSION = "2011-06-15"
EMPTY_BODY_HASH = hashlib.sha256(b"").hexdigest()
_SAFE = "-_.~"
"""What botocore leaves unescaped in a query string (`percent_encode`)."""
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class Keys:
    """Credentials to sign with. `repr` never shows the secret or the token."""

    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Target:
    """Where to send a call: the endpoint URL and the region to sign for."""

    endpoint: str
    region: str
    ca_bundle: str | None = None


def host_of(url: urllib.parse.SplitResult) -> str:
    """The signed `host` header of `url`: lower case, without user info or a default port (botocore's
    `_host_from_url`)."""
    host = url.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    if url.port is not None and url.port != _DEFAULT_PORTS.get(url.scheme):
        host = f"{host}:{url.port}"
    return host


def _quote(text: str) -> str:
    return urllib.parse.quote(text, safe=_SAFE)


def _signature(keys: Keys, region: str, amz_date: str, canonical: str) -> tuple[str, str]:
    """(the credential scope, the signature) of a canonical request signed at `amz_date`."""
    day = amz_date[:8]
    scope = f"{day}/{region}/{SERVICE}/aws4_request"
    to_sign = f"{ALGORITHM}\n{amz_date}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    key = f"AWS4{keys.secret_access_key}".encode()
    for part in (day, region, SERVICE, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return scope, hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


def _canonical(method: str, path: str, query: str, headers: Mapping[str, str], body_hash: str) -> str:
    names = sorted(headers)
    return "\n".join(
        [
            method,
            urllib.parse.quote(path, safe="/~"),
            query,
            "".join(f"{name}:{' '.join(headers[name].split())}\n" for name in names),
            ";".join(names),
            body_hash,
        ]
    )


def amz_date(now: datetime) -> str:
    """`now` (UTC) as SigV4 writes it: `20261208T010518Z`."""
    return now.strftime("%Y%m%dT%H%M%SZ")


def sign_post(keys: Keys, target: Target, body: bytes, now: datetime) -> dict[str, str]:
    """SigV4 headers (with `authorization`) for a POST of a form `body` to `target`'s endpoint."""
    url = urllib.parse.urlsplit(target.endpoint)
    stamp = amz_date(now)
    headers = {
        "content-type": "application/x-www-form-urlencoded; charset=utf-8",
        "host": host_of(url),
        "x-amz-date": stamp,
    }
    if keys.session_token:
        headers["x-amz-security-token"] = keys.session_token
    canonical = _canonical("POST", url.path or "/", "", headers, hashlib.sha256(body).hexdigest())
    scope, signature = _signature(keys, target.region, stamp, canonical)
    headers["authorization"] = (
        f"{ALGORITHM} Credential={keys.access_key_id}/{scope}, "
        f"SignedHeaders={';'.join(sorted(headers))}, Signature={signature}"
    )
    return headers


def presign(
    keys: Keys,
    target: Target,
    action: str,
    *,
    headers: Mapping[str, str],
    expires: int,
    now: datetime,
) -> str:
    """The presigned GET URL of STS `action` (no parameters but the action's) at `target`, valid for
    `expires` seconds, with `headers` signed beside `host`: the URL botocore's `generate_presigned_url`
    makes (operation parameters first, then the auth parameters, the signature last)."""
    url = urllib.parse.urlsplit(target.endpoint)
    stamp = amz_date(now)
    signed = {"host": host_of(url), **{name.lower(): value for name, value in headers.items()}}
    names = ";".join(sorted(signed))
    auth = {
        "X-Amz-Algorithm": ALGORITHM,
        "X-Amz-Credential": f"{keys.access_key_id}/{stamp[:8]}/{target.region}/{SERVICE}/aws4_request",
        "X-Amz-Date": stamp,
        "X-Amz-Expires": str(expires),
        "X-Amz-SignedHeaders": names,
    }
    if keys.session_token is not None:
        auth["X-Amz-Security-Token"] = keys.session_token
    pairs = [(_quote(k), _quote(v)) for k, v in [("Action", action), ("Version", API_VERSION), *auth.items()]]
    query = "&".join(f"{k}={v}" for k, v in pairs)
    canonical_query = "&".join(f"{k}={v}" for k, v in sorted(pairs))
    path = _normalised_path(url.path)
    canonical = _canonical("GET", path, canonical_query, signed, EMPTY_BODY_HASH)
    _scope, signature = _signature(keys, target.region, stamp, canonical)
    return urllib.parse.urlunsplit((url.scheme, url.netloc, url.path or "/", "", "")) + (
        f"?{query}&X-Amz-Signature={signature}"
    )


def _normalised_path(path: str) -> str:
    """botocore's `normalize_url_path`: `/` for none, dot segments and empty segments removed."""
    if not path:
        return "/"
    kept: list[str] = []
    for part in path.split("/"):
        if part == "..":
            if kept:
                kept.pop()
        elif part and part != ".":
            kept.append(part)
    return "/" + "/".join(kept) + ("/" if path.endswith("/") and kept else "")
