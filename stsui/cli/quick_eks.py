"""`stsui eks-token NAME --cluster C` answered from the caches, without boto3 or the rest of stsui.

kubectl runs its exec plugin for every call it makes without a token in hand, so this path skips work,
never rules: the role and its session come as `credential-process`'s fast path finds them (the validated
roles, the session cache, the engine's reuse rule), and the URL is signed only where
`stsui.aws.profiles.Resolver` reproduces botocore's endpoint and region. Anything else (no reusable
session, a cluster name or region the full command would refuse, an endpoint only boto3 can work out)
returns None, and the full command runs, renews and reports as usual.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from stsui.cli.grammar import CLUSTER_OPTION, REGION_OPTION, plain_eks_token
from stsui.cli.quick import cached_session

if TYPE_CHECKING:
    from stsui.domain.model import Role

from stsui.domain.eks import EXEC_INFO_VARIABLE, cluster_problem, kubectl_credential


def eks_token(argv: Sequence[str]) -> int | None:
    """Print the ExecCredential and return 0, or return None for the full command to run."""
    parsed = plain_eks_token(argv)
    if parsed is None:
        return None
    explicit, name, given = parsed
    cluster, region = given[CLUSTER_OPTION], given.get(REGION_OPTION)
    if cluster_problem(cluster) is not None:
        return None
    now = datetime.now(UTC)
    found = cached_session(explicit, name, now)
    if found is None:
        return None
    role, session = found
    if region is not None and not _region_of(role, region):
        return None  # the full command says why, as it does for every command's --region
    from stsui.aws.eks import presigned_identity_url
    from stsui.aws.profiles import Resolver

    url = presigned_identity_url(
        Resolver(), session.credentials, cluster=cluster, region=region or role.region, now=now
    )
    if url is None:
        return None
    exec_info = os.environ.get(EXEC_INFO_VARIABLE)
    sys.stdout.write(kubectl_credential(url, now, session.expiration, exec_info) + "\n")
    return 0


def _region_of(role: Role, region: str) -> bool:
    """Whether `region` passes the one region rule for `role` (`Engine.check_region`'s)."""
    from stsui.domain.arns import partition_of_arn
    from stsui.domain.regions import region_problem

    return region_problem(region, partition_of_arn(role.role_arn)) is None
