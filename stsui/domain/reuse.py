"""When a role's session may be handed out again instead of asking STS (stdlib only, cheap to import)."""

from __future__ import annotations

from datetime import datetime

from stsui.domain.arns import assumed_by
from stsui.domain.model import Role, Session, renewal_due


def reusable(role: Role, session: Session | None, now: datetime) -> Session | None:
    """`session` when it is of `role` (assumed with its current `role_arn`) and has more than the role's
    `refresh_before` left; else None. The one rule for the engine and the credential-process fast path."""
    if session is None or not assumed_by(role.role_arn, session.assumed_role_arn):
        return None
    if renewal_due(role, session.credentials.seconds_left(now)):
        return None
    return session
