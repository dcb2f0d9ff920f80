"""`stsui credential-process NAME` answered from the caches without loading the rest of stsui.

botocore runs credential_process at every process start, so this path skips work, never rules: the role
comes from the validated-roles cache (what validating the whole roles file produced, kept while the file is
unchanged), the session from the session cache, and the session is handed out only under the engine's own
reuse rule. Anything else (a roles file changed since it was validated, an invalid one, an unknown role, no
reusable session) returns None, and the full command runs and reports or renews as usual.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import UTC, datetime

from stsui.cli.grammar import plain_credential_process
from stsui.domain.exports import credential_process_json
from stsui.domain.paths import cache_dir, config_path
from stsui.domain.reuse import reusable
from stsui.store.cache import SessionCache
from stsui.store.roles_cache import roles_cache


def credential_process(argv: Sequence[str]) -> int | None:
    """Print the cached session's JSON and return 0, or return None for the full command to run."""
    parsed = plain_credential_process(argv)
    if parsed is None:
        return None
    explicit, name = parsed
    role = roles_cache().load_one(config_path(explicit), name)
    if role is None:
        return None
    session = reusable(role, SessionCache.under(cache_dir()).get(name), datetime.now(UTC))
    if session is None:
        return None
    sys.stdout.write(credential_process_json(session) + "\n")
    return 0
