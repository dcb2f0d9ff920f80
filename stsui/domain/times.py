"""Clock and timestamps (stdlib only, cheap to import: the credential-process and prompt fast paths use it).

THE parser of times read from files, the environment and the network is here: `parse_expiry` for an expiry
(any tool's forms), `parse_rfc3339` for the other times stsui keeps in its own files. Both say None for
"unreadable" and never raise: a well-formed but extreme time (`9999-12-31T23:59:59-23:59`, a naive
`0001-01-01 00:00:00`) that would overflow when converted to UTC, or that lies outside `READABLE`, is
unreadable too, so no later subtraction, addition or local-time display can overflow either.
"""

from __future__ import annotations

from datetime import UTC, datetime

READABLE = (datetime(1970, 1, 1, tzinfo=UTC), datetime(9000, 1, 1, tzinfo=UTC))
"""The times a reader accepts, [from, to): the Unix epoch to a millennium short of `datetime.max`, which
leaves room for any arithmetic on a time (a renewal margin, a local zone) without overflowing."""

_BAD_TIME = (ValueError, OverflowError, OSError)
"""What `fromisoformat`, `astimezone` (of a naive time: through the C library) and `fromtimestamp` raise."""


def utc_now() -> datetime:
    """The real clock (UTC, aware). Everything that needs time takes a clock so tests can freeze it."""
    return datetime.now(UTC)


def rfc3339(moment: datetime) -> str:
    """`2026-11-30T03:48:40Z`: UTC, whole seconds, with a zone every consumer can parse."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def as_utc(moment: datetime) -> datetime | None:
    """`moment` in UTC (a naive one is read as LOCAL time), or None when it cannot be converted or lies
    outside `READABLE`. Every time that is read goes through here, parsed or handed over by boto3."""
    try:
        utc = moment.astimezone(UTC)
    except _BAD_TIME:
        return None
    return utc if READABLE[0] <= utc < READABLE[1] else None


def from_epoch(seconds: float) -> datetime | None:
    """Unix `seconds` as a UTC time, or None when it is no readable time."""
    try:
        return as_utc(datetime.fromtimestamp(seconds, UTC))
    except _BAD_TIME:
        return None


def parse_rfc3339(text: str) -> datetime | None:
    """An RFC 3339 / ISO 8601 timestamp with a zone, in UTC; None when it is not one or is unreadable."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except _BAD_TIME:
        return None
    return None if moment.tzinfo is None else as_utc(moment)


def own_expiry(text: str | None) -> datetime | None:
    """The expiry of a session stsui wrote, as its profile section records it: None when none is recorded;
    a time no reader can use counts as long expired (`READABLE[0]`), so that every command and the prompt
    show it expired and renew it, rather than failing."""
    return None if text is None else parse_expiry(text) or READABLE[0]


_ZONE_NAMES = ("UTC", "GMT")
_UNIX_RANGE = range(0, 10**11)  # seconds up to the year 5138; larger numbers are milliseconds


def parse_expiry(text: str) -> datetime | None:
    """An expiry as any tool writes it, or None when it is unreadable (the one answer every reader of an
    expiry gets for a time it cannot use; stsui's own sections turn it into "expired"):

    RFC 3339 with a zone (`Z`, `+02:00`: stsui, saml2aws, okta-aws-cli, aws-vault); a zone name botocore's
    cache writes (`2026-12-04T16:00:00UTC`; another zone name is read as local time); no zone at all
    (awsume, aws-mfa: `2026-12-04 16:00:00`), read as LOCAL time, as those tools write it; or unix
    seconds or milliseconds (`expires_time`)."""
    text = text.strip()
    if text.isascii() and text.isdigit() and len(text) <= 16:
        number = int(text)
        return from_epoch(number if number in _UNIX_RANGE else number / 1000)
    moment = parse_rfc3339(text)
    if moment is not None:
        return moment
    zone = text.rstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    try:
        naive = datetime.fromisoformat(zone.strip())
    except _BAD_TIME:
        return None
    if naive.tzinfo is not None:
        return None
    if text[len(zone) :] in _ZONE_NAMES:
        return as_utc(naive.replace(tzinfo=UTC))
    return as_utc(naive)  # a naive datetime's astimezone reads it as local time
