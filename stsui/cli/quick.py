"""`stsui credential-process NAME` answered from the caches without loading the rest of stsui.

botocore runs credential_process at every process start, so this path skips work, never rules: the role
comes from the validated-roles cache (what validating the whole roles file produced, kept while the file is
unchanged) or, for a role discovered through IAM Identity Center, from that and the discovery cache, named as
every command names it; the session comes from the session cache, and is handed out only under the engine's
own reuse rule. Anything else (a roles file changed since it was validated, an invalid one, an unknown role,
no reusable session) returns None, and the full command runs and reports or renews as usual.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from stsui.cli.grammar import plain_credential_process
from stsui.domain.exports import credential_process_json
from stsui.domain.model import Role, Session
from stsui.domain.paths import cache_dir, config_path
from stsui.domain.reuse import reusable
from stsui.store.cache import SessionCache
from stsui.store.roles_cache import RolesCache, roles_cache


def credential_process(argv: Sequence[str]) -> int | None:
    """Print the cached session's JSON and return 0, or return None for the full command to run."""
    parsed = plain_credential_process(argv)
    if parsed is None:
        return None
    found = cached_session(*parsed, datetime.now(UTC))
    if found is None:
        return None
    sys.stdout.write(credential_process_json(found[1]) + "\n")
    return 0


def cached_session(explicit: str | None, name: str, now: datetime) -> tuple[Role, Session] | None:
    """Role `name` of the roles file (`--config` `explicit`) and its cached session, when the caches vouch
    for the role and the engine's reuse rule hands the session out at `now`; else None."""
    path, cache = config_path(explicit), roles_cache()
    role = cache.load_one(path, name) or _discovered(cache, path, name)
    if role is None:
        return None
    session = reusable(role, SessionCache.under(cache_dir()).get(name), now)
    return None if session is None else (role, session)


def _discovered(cache: RolesCache, path: Path, name: str) -> Role | None:
    """Role `name` as discovered through IAM Identity Center, named exactly as every command names it (after
    the roles file's own roles, from the discovery cache); None when the roles file has no `[sso.NAME]`, the
    cache does not vouch for it, or no discovered role has that name."""
    config = cache.load_all(path)
    if config is None or not config.sso:
        return None
    from stsui.engine.sso import default_discovery_cache, discovered_role

    return discovered_role(config.sso, default_discovery_cache(), config, name)
