"""`stsui credential-process NAME` answered from the session cache without loading the rest of stsui.

botocore runs credential_process at every process start, so this path is kept to the standard library's
cheapest modules. It answers only when everything is exactly as the full command would find it: the
role is in the roles file with a `role_arn`, its cached session is of that role and has more than the
role's `refresh_before` left. Anything else (a missing role, a config error, an expired session, a file
it cannot read) returns None, and the full command runs and reports or renews as usual.
"""

from __future__ import annotations

import re
import sys
import tomllib
from collections.abc import Sequence
from datetime import UTC, datetime

from stsui.domain.arns import assumed_by
from stsui.domain.durations import parse_duration
from stsui.domain.exports import credential_process_json
from stsui.domain.paths import cache_dir, config_path
from stsui.store.cache import SessionCache

ROLE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@+=,-]{0,63}")
DEFAULT_REFRESH_BEFORE = 900  # as in the roles file's defaults


def _arguments(argv: Sequence[str]) -> tuple[str | None, str] | None:
    """(--config value, NAME) for exactly `[--config PATH] credential-process NAME`, else None."""
    args = list(argv)
    explicit = None
    if args[:1] == ["--config"] and len(args) >= 2:
        explicit, args = args[1], args[2:]
    elif args and args[0].startswith("--config="):
        explicit, args = args[0].split("=", 1)[1], args[1:]
    if len(args) != 2 or args[0] != "credential-process" or not ROLE_NAME.fullmatch(args[1]):
        return None
    return explicit, args[1]


def credential_process(argv: Sequence[str]) -> int | None:
    """Print the cached session's JSON and return 0, or return None for the full command to run."""
    parsed = _arguments(argv)
    if parsed is None:
        return None
    explicit, name = parsed
    try:
        with open(config_path(explicit), "rb") as file:
            roles_file = tomllib.load(file)
        defaults, role = roles_file.get("defaults", {}), roles_file["roles"][name]
        default_refresh = defaults.get("refresh_before", DEFAULT_REFRESH_BEFORE)
        refresh_before = parse_duration(role.get("refresh_before", default_refresh))
        session = SessionCache(cache_dir() / "sessions").get(name)
        if session is None or not assumed_by(role["role_arn"], session.assumed_role_arn):
            return None
        if session.credentials.seconds_left(datetime.now(UTC)) <= refresh_before:
            return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError, tomllib.TOMLDecodeError):
        return None
    sys.stdout.write(credential_process_json(session) + "\n")
    return 0
