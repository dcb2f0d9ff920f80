"""When a role's session may be handed out again instead of asking STS (stdlib only, cheap to import).

The rule is stated on plain values (`may_reuse`), so the credential-process fast path applies it to what the
caches hold without building a `Role` or a `Session`; `stsui.domain.model.reusable` applies it to those
for everyone else.
"""

from __future__ import annotations

from stsui.domain.arns import assumed_by


def renewal_due_in(seconds_left: float, refresh_before: int) -> bool:
    """True when a session with `seconds_left` of a role renewed `refresh_before` seconds ahead is no longer
    handed out as it is but renewed: the one boundary for reuse and for the "due" status."""
    return seconds_left <= refresh_before


def may_reuse(role_arn: str, refresh_before: int, assumed_role_arn: str, seconds_left: float) -> bool:
    """Whether a session (assumed as `assumed_role_arn`, with `seconds_left`) may be handed out again for the
    role `role_arn` renewed `refresh_before` seconds ahead: it is of that role (assumed with its current
    `role_arn`) and not yet due. The one rule for the engine and the credential-process fast path."""
    return assumed_by(role_arn, assumed_role_arn) and not renewal_due_in(seconds_left, refresh_before)
