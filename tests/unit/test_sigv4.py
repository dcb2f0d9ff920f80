"""stsui's one SigV4 signer equals botocore's, byte for byte: a POST's Authorization header (the direct STS
client) and a presigned GET URL (EKS tokens), for the same keys, region, endpoint and time."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import cache
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stsui.aws.sigv4 import Keys, Target, presign, sign_post
from tests.support.clock import moment

NOW = moment(2026, 11, 30, 3, 48, 40)
BODY = b"Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A111111111111%3Arole%2FA"
CLUSTER_HEADER = "x-k8s-aws-id"


@contextmanager
def botocore_at(now: datetime) -> Iterator[None]:
    """botocore's signers reading `now` as the time."""
    with mock.patch("botocore.auth.get_current_datetime", return_value=now.replace(tzinfo=None)):
        yield


def botocore_authorization(keys: Keys, url: str, region: str, body: bytes) -> str:
    """What botocore's own SigV4 signer puts in the Authorization header for the same request."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest(
        method="POST",
        url=url,
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
    )
    with botocore_at(NOW):
        SigV4Auth(
            Credentials(keys.access_key_id, keys.secret_access_key, keys.session_token), "sts", region
        ).add_auth(request)
    return str(request.headers["Authorization"])


@cache
def botocore_session() -> object:
    """One botocore session for every client here: it loads STS's model once (a session per case cost
    0.1 s each; the clients, which hold the keys, region and endpoint, are still made per case)."""
    import botocore.session

    return botocore.session.Session()


def botocore_presigned(keys: Keys, endpoint: str, region: str, cluster: str, now: datetime) -> str:
    """The URL `aws eks get-token` makes: botocore's STS client presigning GetCallerIdentity as a GET for 60
    seconds, with the cluster's name in a signed header."""
    client = botocore_session().create_client(  # type: ignore[attr-defined]
        "sts",
        region_name=region,
        endpoint_url=endpoint,
        aws_access_key_id=keys.access_key_id,
        aws_secret_access_key=keys.secret_access_key,
        aws_session_token=keys.session_token,
    )

    def add_header(request: object, **_: object) -> None:
        request.headers[CLUSTER_HEADER] = cluster  # type: ignore[attr-defined]

    client.meta.events.register("before-sign.sts.GetCallerIdentity", add_header)
    with botocore_at(now):
        return str(client.generate_presigned_url("get_caller_identity", ExpiresIn=60, HttpMethod="GET"))


@pytest.mark.parametrize("token", [None, "FwoGZXIvYXdzEXAMPLETOKEN"], ids=["keys", "session-token"])
@pytest.mark.parametrize("url", ["https://sts.eu-west-1.amazonaws.com", "http://127.0.0.1:5000"])
def test_a_posts_signature_equals_botocores(token: str | None, url: str) -> None:
    keys = Keys("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", token)
    ours = sign_post(keys, Target(url, "eu-west-1"), BODY, NOW)["authorization"]
    assert ours == botocore_authorization(keys, url + "/", "eu-west-1", BODY)


@pytest.mark.parametrize(
    ("endpoint", "region"),
    [
        ("https://sts.eu-west-1.amazonaws.com", "eu-west-1"),
        ("https://sts.us-gov-west-1.amazonaws.com", "us-gov-west-1"),
        ("https://sts.cn-north-1.amazonaws.com.cn", "cn-north-1"),
        ("http://127.0.0.1:5000", "eu-west-1"),
        ("http://127.0.0.1:5000/sts/", "eu-west-1"),
        ("https://sts.eu-west-1.amazonaws.com:443", "eu-west-1"),
        ("http://[::1]:8080", "us-east-1"),
    ],
)
@pytest.mark.parametrize("token", [None, "IQoJb3JpZ2luX2VjE/+=EXAMPLE"], ids=["keys", "session-token"])
def test_a_presigned_url_equals_botocores(endpoint: str, region: str, token: str | None) -> None:
    keys = Keys("ASIAEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", token)
    ours = presign(
        keys,
        Target(endpoint, region),
        "GetCallerIdentity",
        headers={CLUSTER_HEADER: "prod"},
        expires=60,
        now=NOW,
    )
    assert ours == botocore_presigned(keys, endpoint, region, "prod", NOW)


_TOKEN = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=", min_size=1, max_size=80)


@settings(max_examples=40, deadline=None)
@given(
    secret=st.text(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/", min_size=1, max_size=40
    ),
    token=st.none() | _TOKEN,
    cluster=st.from_regex(r"[0-9A-Za-z][A-Za-z0-9_-]{0,99}", fullmatch=True),
    seconds=st.integers(0, 86_400 * 400),
)
def test_presigning_equals_botocore_for_any_keys_cluster_and_time(
    secret: str, token: str | None, cluster: str, seconds: int
) -> None:
    from datetime import timedelta

    keys = Keys("ASIAEXAMPLE", secret, token)
    when = NOW + timedelta(seconds=seconds)
    endpoint = "https://sts.eu-west-1.amazonaws.com"
    ours = presign(
        keys, Target(endpoint, "eu-west-1"), "GetCallerIdentity", headers={CLUSTER_HEADER: cluster},
        expires=60, now=when,
    )  # fmt: skip
    assert ours == botocore_presigned(keys, endpoint, "eu-west-1", cluster, when)
