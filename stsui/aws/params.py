"""AssumeRole's parameters for a role, in botocore's shape (the direct client flattens them)."""

from __future__ import annotations

from typing import Any

from stsui.domain.model import Role


def assume_role_params(role: Role, duration: int) -> dict[str, Any]:
    """Every AssumeRole parameter the role sets; MFA is not here (it goes through GetSessionToken)."""
    params: dict[str, Any] = {
        "RoleArn": role.role_arn,
        "RoleSessionName": role.session_name,
        "DurationSeconds": duration,
    }
    if role.external_id:
        params["ExternalId"] = role.external_id
    if role.source_identity:
        params["SourceIdentity"] = role.source_identity
    if role.tags:
        params["Tags"] = [{"Key": k, "Value": v} for k, v in role.tags.items()]
    if role.transitive_tag_keys:
        params["TransitiveTagKeys"] = list(role.transitive_tag_keys)
    if role.policy_arns:
        params["PolicyArns"] = [{"arn": arn} for arn in role.policy_arns]
    if role.policy:
        params["Policy"] = role.policy
    return params


def flatten(params: dict[str, Any]) -> dict[str, str]:
    """The query protocol's form fields: lists become `Name.member.N`, structures `Name.member.N.Key`."""
    fields: dict[str, str] = {}
    for name, value in params.items():
        if isinstance(value, list):
            for number, item in enumerate(value, start=1):
                prefix = f"{name}.member.{number}"
                if isinstance(item, dict):
                    fields.update({f"{prefix}.{key}": str(part) for key, part in item.items()})
                else:
                    fields[prefix] = str(item)
        else:
            fields[name] = str(value)
    return fields
