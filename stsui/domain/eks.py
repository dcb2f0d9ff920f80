"""EKS tokens as kubectl's exec plugin hands them over (stdlib only: `stsui eks-token`'s fast path uses it).

A token is `k8s-aws-v1.` + unpadded base64url of a presigned STS GetCallerIdentity URL that signs the
`x-k8s-aws-id: CLUSTER` header (the EKS API server, through aws-iam-authenticator, replays it to learn who
is calling); the URL is made in `stsui.aws` with the role's session. kubectl reads it from an
ExecCredential on stdout and keeps it until `expirationTimestamp`: the same 14 minutes `aws eks get-token`
gives (EKS honours a token for 15), or less when the session itself ends sooner.
"""

from __future__ import annotations

import base64
import json
import re
from datetime import datetime, timedelta

from stsui.domain.times import rfc3339

TOKEN_PREFIX = "k8s-aws-v1."
CLUSTER_HEADER = "x-k8s-aws-id"
"""The signed header that names the cluster the token is for."""
URL_EXPIRES = 60
"""`X-Amz-Expires` of the presigned URL (as `aws eks get-token`; EKS itself allows 15 minutes)."""
TOKEN_LIFETIME = timedelta(minutes=14)

CLUSTER_NAME = re.compile(r"[0-9A-Za-z][A-Za-z0-9_-]{0,99}", re.ASCII)
"""EKS's rule for a cluster's name (CreateCluster), which also admits an Outposts cluster's id."""
CLUSTER_RULE = "1-100 letters, digits, - and _, starting with a letter or digit"

EXEC_INFO_VARIABLE = "KUBERNETES_EXEC_INFO"
"""What kubectl tells its exec plugin, as JSON: the ExecCredential `apiVersion` it expects back."""
V1BETA1 = "client.authentication.k8s.io/v1beta1"
API_VERSIONS = (V1BETA1, "client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1alpha1")
"""The versions answered in kind, as `aws eks get-token` does; anything else gets v1beta1."""


def cluster_problem(cluster: str) -> str | None:
    """Why `cluster` cannot be an EKS cluster's name (completing "--cluster …"), or None."""
    if CLUSTER_NAME.fullmatch(cluster) is None:
        return f"must be an EKS cluster name of {CLUSTER_RULE}"
    return None


def token_of(url: str) -> str:
    """The bearer token for the presigned GetCallerIdentity `url`."""
    return TOKEN_PREFIX + base64.urlsafe_b64encode(url.encode()).decode().rstrip("=")


def url_of(token: str) -> str | None:
    """The presigned URL inside `token`, or None when it is no EKS token (tests and the stub API server)."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    body = token[len(TOKEN_PREFIX) :]
    try:
        return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return None


def api_version(exec_info: str | None) -> str:
    """The ExecCredential version kubectl asked for in `KUBERNETES_EXEC_INFO`; v1beta1 when it names none
    or one stsui does not know."""
    try:
        asked = json.loads(exec_info or "{}").get("apiVersion")
    except (ValueError, AttributeError):
        return V1BETA1
    return asked if asked in API_VERSIONS else V1BETA1


def token_expiry(now: datetime, session_expires: datetime) -> datetime:
    """When kubectl must ask again: 14 minutes from `now`, or when the session ends if that is sooner."""
    return min(now + TOKEN_LIFETIME, session_expires)


def exec_credential(token: str, expires: datetime, version: str) -> str:
    """The ExecCredential JSON kubectl reads from an exec plugin's stdout."""
    return json.dumps(
        {
            "kind": "ExecCredential",
            "apiVersion": version,
            "spec": {},
            "status": {"expirationTimestamp": rfc3339(expires), "token": token},
        }
    )


def kubectl_credential(url: str, now: datetime, session_expires: datetime, exec_info: str | None) -> str:
    """What `stsui eks-token` prints: the ExecCredential with the token of the presigned `url`, expiring at
    `token_expiry`, in the API version kubectl's `exec_info` (`$KUBERNETES_EXEC_INFO`) asks for."""
    return exec_credential(token_of(url), token_expiry(now, session_expires), api_version(exec_info))


def server_problem(server: str) -> str | None:
    """Why `server` cannot be a cluster's API server for a bearer token (completing "--server …"), or None:
    an https URL with a host, no user name, spaces or control characters."""
    import urllib.parse

    from stsui.domain.urls import URL_UNSAFE

    try:
        parts = urllib.parse.urlsplit(server)
        parts.port  # noqa: B018  (ValueError for a port that is none)
    except ValueError:
        return "cannot be read as a URL"
    if URL_UNSAFE.search(server) or parts.scheme != "https" or not parts.hostname or parts.username:
        return "must be the cluster's https:// endpoint, like https://ABC123.gr7.eu-west-1.eks.amazonaws.com"
    return None


def certificate_problem(data: str) -> str | None:
    """Why `data` is not base64 of a PEM certificate (completing "--certificate-authority-data …"), or
    None."""
    try:
        pem = base64.b64decode(data, validate=True)
    except ValueError:
        return "must be base64 (as 'aws eks describe-cluster' gives certificateAuthority.data)"
    if b"-----BEGIN CERTIFICATE-----" not in pem:
        return "must be base64 of a PEM certificate (as 'aws eks describe-cluster' gives it)"
    return None
