"""THE order of a role's settings: its own, then its `[groups.NAME]` table's, then `[defaults]`' (stdlib only
and no dataclass, so `stsui prompt` can apply it at every prompt)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def group_defaults(
    defaults: Mapping[str, Any], groups: Mapping[str, Mapping[str, Any]], group: str
) -> dict[str, Any]:
    """What a role of `group` gets unless it sets its own: the group table's keys over `defaults` (a role's
    own keys beat both). For the roles file's roles, for those IAM Identity Center finds, for the prompt."""
    return {**defaults, **groups.get(group, {})} if group else dict(defaults)
