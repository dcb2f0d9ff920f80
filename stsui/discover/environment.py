"""The session the shell that started stsui uses: its AWS_* variables (never their secret values)."""

from __future__ import annotations

from collections.abc import Mapping

from stsui.discover.found import Found, Kind, Source
from stsui.domain.printable import printable
from stsui.domain.times import parse_expiry


def from_environment(environ: Mapping[str, str]) -> Found | None:
    """The session in the environment's own keys, else None (AWS_PROFILE marks that profile's line)."""
    if not environ.get("AWS_ACCESS_KEY_ID"):
        return None
    if not environ.get("AWS_SESSION_TOKEN"):
        return Found(Source.ENVIRONMENT, "AWS_ACCESS_KEY_ID", Kind.LONG_TERM, in_use=True)
    expiry = environ.get("AWS_CREDENTIAL_EXPIRATION", "")
    expires_at = parse_expiry(expiry) if expiry else None
    note = "" if expires_at or not expiry else "AWS_CREDENTIAL_EXPIRATION is not a time stsui can read"
    return Found(Source.ENVIRONMENT, "AWS_SESSION_TOKEN", expires_at=expires_at, note=note, in_use=True)


def shell_profile(environ: Mapping[str, str]) -> str | None:
    """The profile AWS tools in this shell use by name: AWS_PROFILE, unless keys in the environment win."""
    if environ.get("AWS_ACCESS_KEY_ID"):
        return None
    return environ.get("AWS_PROFILE") or None


def shell_session(environ: Mapping[str, str]) -> str:
    """Which session this shell uses, completing "This shell uses …" (terminal-safe)."""
    if environ.get("AWS_ACCESS_KEY_ID"):
        if environ.get("AWS_SESSION_TOKEN"):
            return "a session in AWS_ACCESS_KEY_ID and AWS_SESSION_TOKEN (they win over any profile)"
        return "long-term keys in AWS_ACCESS_KEY_ID (they win over any profile)"
    profile = environ.get("AWS_PROFILE")
    if profile:
        return f"profile '{printable(profile)}' (AWS_PROFILE)"
    return "no AWS variables: AWS tools use the default profile"
