"""Base credentials that STS rejects and roles it denies, with moto's IAM enforcement on.

moto keeps its auth switch and its IAM state per *process* (module globals), not per server: a second
ThreadedMotoServer in the test process would share them with the suite's `moto_url` server. So these tests
run their own moto in a subprocess, and turn enforcement off again in a finalizer all the same.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest

from tests.reliability.conftest import (
    FaultServer,
    Reply,
    assert_one_sentence_failure,
    error_xml,
    make_home,
    parse_ini,
    run,
    tree_snapshot,
)
from tests.support.home import Home

SERVER = """\
import logging, sys
from moto.server import ThreadedMotoServer
logging.getLogger("werkzeug").setLevel(logging.ERROR)
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print("%s:%s" % server.get_host_and_port(), flush=True)
sys.stdin.read()
server.stop()
"""

ALLOW_ADMIN_ONLY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "arn:aws:iam::111111111111:role/Admin"}
    ],
}
ALLOW_STS = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:*", "Resource": "*"}]}


@dataclass(frozen=True)
class AuthMoto:
    """A moto server of our own, with IAM users whose keys the tests use as base credentials."""

    url: str
    keys: dict[str, tuple[str, str]]

    def enforce(self, on: bool) -> None:
        request = urllib.request.Request(
            f"{self.url}/moto-api/reset-auth",
            data=b"0" if on else b"inf",
            headers={"Content-Type": "text/plain"},
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert answer.status == 200


def _iam_users(url: str) -> dict[str, tuple[str, str]]:
    """Users `nobody` (no policy), `limited` (may assume only Admin), `revoked` (full STS, key deleted)."""
    iam = boto3.client(
        "iam", endpoint_url=url, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y"
    )
    keys = {}
    for user, policy in (("nobody", None), ("limited", ALLOW_ADMIN_ONLY), ("revoked", ALLOW_STS)):
        iam.create_user(UserName=user)
        if policy is not None:
            iam.put_user_policy(UserName=user, PolicyName="p", PolicyDocument=json.dumps(policy))
        key = iam.create_access_key(UserName=user)["AccessKey"]
        keys[user] = (key["AccessKeyId"], key["SecretAccessKey"])
    iam.delete_access_key(UserName="revoked", AccessKeyId=keys["revoked"][0])
    return keys


@pytest.fixture(scope="module")
def auth_moto() -> Iterator[AuthMoto]:
    process = subprocess.Popen(
        [sys.executable, "-c", SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None and process.stdin is not None
        url = f"http://{process.stdout.readline().strip()}"
        yield AuthMoto(url, _iam_users(url))
    finally:
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def enforced(auth_moto: AuthMoto) -> Iterator[AuthMoto]:
    """IAM enforcement on for one test, and off again afterwards whatever happens."""
    auth_moto.enforce(True)
    try:
        yield auth_moto
    finally:
        auth_moto.enforce(False)


MakeHome = Callable[..., Home]


@pytest.fixture
def user_home(isolated_home: Path) -> MakeHome:
    """A home whose `[default]` base keys are `key`/`secret`, with STS at `url`."""

    def make(url: str, key: str, secret: str) -> Home:
        credentials = (
            "# my base keys, hand written\n[default]\n"
            f"aws_access_key_id = {key}\naws_secret_access_key = {secret}\n"
        )
        return make_home(isolated_home, url, credentials=credentials)

    return make


def assert_refused(home: Home, role: str, code: str, *args: str, env: dict[str, str] | None = None) -> str:
    """`assume role` fails with exit 1 in one sentence naming the AWS code and the role; nothing written."""
    before = home.credentials.read_bytes()
    listing = tree_snapshot(home.credentials.parent)
    result = run(home, "assume", role, *args, env=env)
    line = assert_one_sentence_failure(result, 1, code, f"'{role}'")
    assert home.credentials.read_bytes() == before
    assert tree_snapshot(home.credentials.parent) == listing
    assert not (home.cache / "sessions" / f"{role}.json").exists()
    return line


def test_unknown_base_keys_give_invalid_client_token_id(enforced: AuthMoto, user_home: MakeHome) -> None:
    """Keys STS has never issued: InvalidClientTokenId, with what to do next."""
    home = user_home(enforced.url, "AKIDNEVERISSUED00001", "never-issued-secret-000000000000000")
    line = assert_refused(home, "admin", "InvalidClientTokenId")
    assert "not valid" in line
    whoami = run(home, "whoami")
    assert_one_sentence_failure(whoami, 1, "InvalidClientTokenId")


def test_revoked_base_keys_give_invalid_client_token_id(enforced: AuthMoto, user_home: MakeHome) -> None:
    """A deleted (revoked) access key of a user who may assume anything: InvalidClientTokenId."""
    home = user_home(enforced.url, *enforced.keys["revoked"])
    assert_refused(home, "admin", "InvalidClientTokenId")


def test_wrong_base_secret_gives_signature_does_not_match(enforced: AuthMoto, user_home: MakeHome) -> None:
    """A real key with the wrong secret: SignatureDoesNotMatch, and the secret is not echoed."""
    key, _ = enforced.keys["limited"]
    home = user_home(enforced.url, key, "the-wrong-secret-00000000000000000000")
    line = assert_refused(home, "admin", "SignatureDoesNotMatch")
    assert "the-wrong-secret" not in line


def test_user_without_policy_is_denied(enforced: AuthMoto, user_home: MakeHome) -> None:
    """Valid keys of a user with no policy: AccessDenied naming the role."""
    home = user_home(enforced.url, *enforced.keys["nobody"])
    assert_refused(home, "admin", "AccessDenied")


def test_denied_role_beside_an_allowed_one(enforced: AuthMoto, user_home: MakeHome) -> None:
    """A user who may assume Admin only: Admin is written and usable; ReadOnly fails with AccessDenied
    and leaves the file (Admin's section included) exactly as it was."""
    home = user_home(enforced.url, *enforced.keys["limited"])
    allowed = run(home, "assume", "admin")
    assert allowed.returncode == 0, allowed.stderr
    assert parse_ini(home.credentials.read_text())["admin"]["x_stsui_role"] == "admin"
    assert_refused(home, "readonly", "AccessDenied")
    refresh = run(home, "refresh", "admin", "readonly")
    assert refresh.returncode == 1
    assert "AccessDenied" in refresh.stderr and "'readonly'" in refresh.stderr
    assert "renewed profile 'admin'" in refresh.stdout


def test_expired_base_credentials_give_expired_token(
    rhome: Home, fault_server: Callable[..., FaultServer]
) -> None:
    """ExpiredToken (moto does not model expiry, so a scripted STS answers it): not retried, one sentence
    with the code, the role and the way out; nothing written."""
    expired = error_xml("ExpiredToken", "The security token included in the request is expired")
    server = fault_server(Reply(400, expired))
    line = assert_refused(rhome, "admin", "ExpiredToken", env={"AWS_ENDPOINT_URL_STS": server.url})
    assert "renew" in line
    assert server.count == 1
