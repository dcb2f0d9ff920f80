"""moto's STS as a real HTTP server on loopback: the wire protocol, signing, retries and errors are real."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def moto_server() -> Iterator[str]:
    """Start a moto server on a free loopback port; yields its URL (for `AWS_ENDPOINT_URL_STS`)."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # verbose=False does not silence it
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def iam_user(moto_url: str, name: str) -> tuple[str, str, str]:
    """A user in moto's IAM with one access key: (user ARN, key id, secret)."""
    import boto3  # the test side: a user and a key as an IAM administrator would make them

    iam = boto3.client(
        "iam",
        endpoint_url=moto_url,
        region_name="us-east-1",
        aws_access_key_id="AKIDADMINEXAMPLE0001",
        aws_secret_access_key="admin-secret-000000000000000000000000000",
    )
    arn = iam.create_user(UserName=name)["User"]["Arn"]
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return arn, key["AccessKeyId"], key["SecretAccessKey"]
