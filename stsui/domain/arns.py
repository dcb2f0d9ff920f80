"""Reading ARNs (stdlib only, cheap to import)."""

from __future__ import annotations


def assumed_by(role_arn: str, assumed_role_arn: str) -> bool:
    """Whether a session (`arn:…:sts::ACCOUNT:assumed-role/NAME/SESSION`) is of the role
    `arn:…:iam::ACCOUNT:role/…/NAME`. A session outlives a change of its role's `role_arn` in the roles
    file; it must not then be reused for the new role.
    """
    role = role_arn.split(":", 5)
    session = assumed_role_arn.split(":", 5)
    if len(role) != 6 or len(session) != 6 or role[4] != session[4]:
        return False
    parts = session[5].split("/")
    return len(parts) == 3 and parts[0] == "assumed-role" and parts[1] == role[5].rsplit("/", 1)[-1]


def partition_of_arn(arn: str) -> str:
    """`aws-us-gov` of `arn:aws-us-gov:iam::…`."""
    parts = arn.split(":", 2)
    return parts[1] if len(parts) == 3 and parts[0] == "arn" else "aws"
