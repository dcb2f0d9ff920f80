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
