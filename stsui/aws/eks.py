"""The presigned GetCallerIdentity URL inside an EKS token, signed as botocore signs it for the endpoint and
region botocore would use (`stsui.aws.profiles.Resolver`); None where only boto3 can tell, and then
`BotoGateway.eks_token_url` presigns it, as `aws eks get-token` does."""

from __future__ import annotations

from datetime import datetime

from stsui.aws.profiles import Resolver
from stsui.aws.sigv4 import Keys, presign
from stsui.domain.eks import CLUSTER_HEADER, URL_EXPIRES
from stsui.domain.model import Credentials

IDENTITY_ACTION = "GetCallerIdentity"


def presigned_identity_url(
    resolver: Resolver, credentials: Credentials, *, cluster: str, region: str | None, now: datetime
) -> str | None:
    """The URL for `cluster`, signed at `now` with `credentials` (a role's session) for `region`, or None
    when botocore's choice of endpoint is not one stsui reproduces."""
    keys = Keys(credentials.access_key_id, credentials.secret_access_key, credentials.session_token)
    plan = resolver.plan(None, region, keys)
    if plan is None:
        return None
    return presign(
        plan.keys,
        plan.target,
        IDENTITY_ACTION,
        headers={CLUSTER_HEADER: cluster},
        expires=URL_EXPIRES,
        now=now,
    )
