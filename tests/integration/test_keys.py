"""`stsui keys` and `source_keys` end to end: the real program, a real gnome-keyring on a private D-Bus
session, moto's STS and IAM over HTTP. The keys stored are exactly the keyring's: moto's GetCallerIdentity
names the IAM user a key belongs to."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.home import Home, write_roles
from tests.support.keyring_daemon import KeyringDaemon

ROLES = """\
[defaults]
source_keys = "work"
region = "eu-west-1"

[roles.prod-admin]
role_arn = "arn:aws:iam::111111111111:role/Admin"
"""


def iam_user(moto_url: str, name: str) -> tuple[str, str, str]:
    """A user in moto's IAM with one access key: (user ARN, key id, secret)."""
    import boto3

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


@pytest.fixture
def keyed(home: Home, os_keyring: KeyringDaemon, moto_url: str) -> Home:
    """The user's home with the private keyring and moto's IAM."""
    home.env.update(os_keyring.client_env(), AWS_ENDPOINT_URL_IAM=moto_url)
    return home


def test_keys_added_from_stdin_are_the_base_identity_wherever_it_is_used(
    keyed: Home, moto_url: str, os_keyring: KeyringDaemon
) -> None:
    arn, key_id, secret = iam_user(moto_url, "alice")
    added = keyed.run("keys", "add", "work", input=f"{key_id}\n{secret}\n")
    assert added.returncode == 0, added.stderr
    assert key_id in added.stdout and arn in added.stdout and secret not in added.stdout + added.stderr
    assert secret in os_keyring.entries()  # in the keyring, where Seahorse shows it
    write_roles(keyed, ROLES)
    whoami = keyed.run("whoami", "--json")
    assert whoami.returncode == 0, whoami.stderr
    assert json.loads(whoami.stdout)["Arn"] == arn
    assumed = keyed.run("assume", "prod-admin", "--json")
    assert assumed.returncode == 0, assumed.stderr
    listed: list[dict[str, Any]] = json.loads(keyed.run("keys", "list", "--json").stdout)
    assert [(row["name"], row["access_key_id"], row["user_arn"]) for row in listed] == [("work", key_id, arn)]
    assert listed[0]["rotation_due"] is False
    for run in (added, whoami, assumed):
        assert secret not in run.stdout + run.stderr
