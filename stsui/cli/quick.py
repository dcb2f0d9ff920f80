"""`stsui credential-process NAME` answered from the caches without loading the rest of stsui.

botocore runs credential_process at every process start, so this path skips work, never rules: the role
comes from the validated-roles cache (what validating the whole roles file and naming the roles discovered
through IAM Identity Center produced, kept while no file they come from changed: one lookup, however many
roles there are); the session comes from the session cache, and is handed out only under the engine's own
reuse rule (`may_reuse`). Anything else (a roles file changed since it was validated, an invalid one, an
unknown role, no reusable session) returns None, and the full command runs and reports or renews as usual.

It imports the standard library's json, datetime and os and no more (no pathlib, dataclasses or typing: a
third of a plain interpreter's start each), reading the caches' values rather than building roles.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime

from stsui.cli.grammar import plain_credential_process
from stsui.domain.exports import credential_process_document
from stsui.domain.paths import cache_dir_str, config_path_str
from stsui.domain.reuse import may_reuse
from stsui.store.cache import SessionCache
from stsui.store.roles_cache import RolesCache

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from stsui.domain.model import Role, Session


def credential_process(argv: Sequence[str]) -> int | None:
    """Print the cached session's JSON and return 0, or return None for the full command to run."""
    parsed = plain_credential_process(argv)
    if parsed is None:
        return None
    explicit, name = parsed
    path, root = config_path_str(explicit), cache_dir_str()
    cache = RolesCache.under(root)
    role = cache.load_record(path, name)
    if role is None:
        return None
    session = SessionCache.under(root).entry(name)
    if session is None:
        return None
    left = (session.expiration - datetime.now(UTC)).total_seconds()
    try:
        role_arn, refresh_before = role["role_arn"], role["refresh_before"]
    except KeyError:
        return None
    if not may_reuse(role_arn, refresh_before, session.assumed_role_arn, left):
        return None
    sys.stdout.write(credential_process_document(*session.keys) + "\n")
    return 0


def cached_session(explicit: str | None, name: str, now: datetime) -> tuple[Role, Session] | None:
    """Role `name` (`--config` `explicit`) and its cached session as values, when the caches vouch for the
    role and the engine's reuse rule hands the session out at `now`; else None (`eks-token`'s fast path,
    which signs with the session and needs the role's region)."""
    from stsui.domain.model import reusable

    path, root = config_path_str(explicit), cache_dir_str()
    role = RolesCache.under(root).load_one(path, name)
    if role is None:
        return None
    session = reusable(role, SessionCache.under(root).get(name), now)
    return None if session is None else (role, session)
