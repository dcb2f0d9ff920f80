"""Clock and RFC 3339 timestamps (stdlib only, cheap to import: the credential-process fast path uses it)."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    """The real clock (UTC, aware). Everything that needs time takes a clock so tests can freeze it."""
    return datetime.now(UTC)


def rfc3339(moment: datetime) -> str:
    """`2026-11-30T03:48:40Z`: UTC, whole seconds, with a zone every consumer can parse."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_rfc3339(text: str) -> datetime | None:
    """Parse an RFC 3339 / ISO 8601 timestamp with a zone; None when it is not one."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return moment.astimezone(UTC)


_ZONE_NAMES = ("UTC", "GMT")
_UNIX_RANGE = range(0, 10**11)  # seconds up to the year 5138; larger numbers are milliseconds


def parse_expiry(text: str) -> datetime | None:
    """An expiry as other tools write it, or None when it is not one:

    RFC 3339 with a zone (`Z`, `+02:00`: saml2aws, okta-aws-cli, aws-vault); a zone name botocore's
    cache writes (`2026-12-04T16:00:00UTC`; another zone name is read as local time); no zone at all
    (awsume, aws-mfa: `2026-12-04 16:00:00`), read as LOCAL time, as those tools write it; or unix
    seconds or milliseconds (`expires_time`)."""
    text = text.strip()
    if text.isascii() and text.isdigit() and len(text) <= 16:
        number = int(text)
        seconds = number if number in _UNIX_RANGE else number / 1000
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    moment = parse_rfc3339(text)
    if moment is not None:
        return moment
    zone = text.rstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    try:
        naive = datetime.fromisoformat(zone.strip())
    except ValueError:
        return None
    if naive.tzinfo is not None:
        return None
    if text[len(zone) :] in _ZONE_NAMES:
        return naive.replace(tzinfo=UTC)
    return naive.astimezone(UTC)  # a naive datetime's astimezone reads it as local time
