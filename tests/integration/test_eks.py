"""`stsui eks-token`: the ExecCredential `aws eks get-token` prints, its URL exactly what botocore presigns
for the same session, region and time; a cached session answers without boto3 and without STS; the URL
works: STS (moto) answers it with the role's identity, as EKS asks STS."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import urllib.parse
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from stsui.aws.sigv4 import Keys
from stsui.domain.eks import url_of
from tests.support.home import Home
from tests.support.kube_api import PODS, KubeApi, identity_of
from tests.unit.test_kubeconfig import PEM
from tests.unit.test_sigv4 import botocore_presigned

ROLE_ARN = "arn:aws:sts::111111111111:assumed-role/Admin/tester"
REGIONAL = "https://sts.eu-west-1.amazonaws.com"
CLOSED = "http://127.0.0.1:9"
"""An STS endpoint nothing listens on: a call to it fails at once."""
NO_BOTO = (
    "import sys\nfrom stsui.cli.main import main\ncode = main(sys.argv[1:])\n"
    "assert 'boto3' not in sys.modules and 'botocore' not in sys.modules, 'boto3 was imported'\n"
    "sys.exit(code)\n"
)


def session_keys(home: Home, role: str = "prod-admin") -> Keys:
    """The role's session keys, as `stsui env` hands them out (the same session eks-token signs with)."""
    env = home.run("env", role)
    assert env.returncode == 0, env.stderr
    values = dict(re.findall(r"export (AWS_\w+)='?([^'\n]*)'?", env.stdout))
    return Keys(values["AWS_ACCESS_KEY_ID"], values["AWS_SECRET_ACCESS_KEY"], values["AWS_SESSION_TOKEN"])


def decoded(stdout: str) -> tuple[dict[str, object], str]:
    document = json.loads(stdout)
    url = url_of(document["status"]["token"])
    assert url is not None, "not an EKS token"
    return document, url


def signed_at(url: str) -> datetime:
    stamp = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["X-Amz-Date"][0]
    return datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


def endpoint_of(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" + ("" if parts.path == "/" else parts.path)


def assert_botocore_signs_it(url: str, keys: Keys, region: str, cluster: str) -> None:
    """botocore, presigning at the time the URL carries, makes exactly this URL."""
    assert url == botocore_presigned(keys, endpoint_of(url), region, cluster, signed_at(url))


def without_time(url: str) -> str:
    """The URL with what depends on the moment it was signed taken out."""
    url = re.sub(r"X-Amz-Date=\d{8}T\d{6}Z", "X-Amz-Date=*", url)
    url = re.sub(r"%2F\d{8}%2F", "%2F*%2F", url)
    return re.sub(r"X-Amz-Signature=[0-9a-f]{64}", "X-Amz-Signature=*", url)


def expiry_after_signing(document: dict[str, object], url: str) -> timedelta:
    status = document["status"]
    assert isinstance(status, dict)
    expires = datetime.strptime(status["expirationTimestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    return expires - signed_at(url)


def test_the_token_is_what_aws_eks_get_token_prints_for_the_same_session(home: Home) -> None:
    # settled before the first run: else that run caches the roles with a digest, and eks-token (the first
    # run after the racy window) validates them again on the full path, which reads the clock twice
    home.wait_until_settled()
    keys = session_keys(home)
    ours = home.run("eks-token", "prod-admin", "--cluster", "prod", env={"AWS_ENDPOINT_URL_STS": ""})
    assert ours.returncode == 0, ours.stderr
    cli = subprocess.run(
        [sys.executable, "-m", "awscli", "eks", "get-token", "--cluster-name", "prod", "--output", "json"],
        capture_output=True,
        text=True,
        env={
            **home.env,
            "AWS_ENDPOINT_URL_STS": "",
            "AWS_DEFAULT_REGION": "eu-west-1",
            "AWS_ACCESS_KEY_ID": keys.access_key_id,
            "AWS_SECRET_ACCESS_KEY": keys.secret_access_key,
            "AWS_SESSION_TOKEN": keys.session_token or "",
        },
        timeout=60,
        check=False,
    )
    assert cli.returncode == 0, cli.stderr
    (our_doc, our_url), (cli_doc, cli_url) = decoded(ours.stdout), decoded(cli.stdout)
    assert our_url.startswith(REGIONAL + "/?Action=GetCallerIdentity&Version=2011-06-15&")
    assert without_time(our_url) == without_time(cli_url)
    assert_botocore_signs_it(our_url, keys, "eu-west-1", "prod")
    assert_botocore_signs_it(cli_url, keys, "eu-west-1", "prod")
    assert {**our_doc, "status": None} == {**cli_doc, "status": None}
    assert our_doc["status"].keys() == cli_doc["status"].keys()  # type: ignore[attr-defined]
    assert expiry_after_signing(our_doc, our_url) == timedelta(minutes=14)  # the fast path reads one clock
    assert timedelta(minutes=14) <= expiry_after_signing(cli_doc, cli_url) <= timedelta(minutes=14, seconds=1)


def test_a_cached_session_answers_without_boto3_or_sts(home: Home) -> None:
    # settled before the first run: else that run caches the roles with a digest, and eks-token (the first
    # run after the racy window) validates them again on the full path, which reads the clock twice
    home.wait_until_settled()
    keys = session_keys(home)
    fast = subprocess.run(
        [sys.executable, "-c", NO_BOTO, "eks-token", "prod-admin", "--cluster", "prod"],
        capture_output=True,
        text=True,
        env={**home.env, "AWS_ENDPOINT_URL_STS": CLOSED},
        timeout=60,
        check=False,
    )
    assert fast.returncode == 0, fast.stderr
    _, url = decoded(fast.stdout)
    assert url.startswith(CLOSED + "/?Action=GetCallerIdentity")  # the endpoint botocore would use
    assert_botocore_signs_it(url, keys, "eu-west-1", "prod")


def test_where_only_boto3_can_tell_the_endpoint_botocore_signs_the_same_url(home: Home) -> None:
    """A proxy leaves the call to boto3 (the Resolver's rule): the full path presigns through botocore, and
    the URL is the one the fast path makes for the same time."""
    keys = session_keys(home)
    full = home.run(
        "eks-token", "prod-admin", "--cluster", "prod", "--region", "eu-central-1",
        env={"AWS_ENDPOINT_URL_STS": "", "HTTPS_PROXY": "http://127.0.0.1:9"},
    )  # fmt: skip
    assert full.returncode == 0, full.stderr
    _, url = decoded(full.stdout)
    assert url.startswith("https://sts.eu-central-1.amazonaws.com/?Action=GetCallerIdentity")
    assert_botocore_signs_it(url, keys, "eu-central-1", "prod")


def test_with_no_session_the_role_is_assumed_and_sts_answers_the_url_as_the_role(home: Home) -> None:
    """What EKS does with the token: replay the presigned GetCallerIdentity with the cluster's header."""
    result = home.run("eks-token", "prod-admin", "--cluster", "prod")
    assert result.returncode == 0, result.stderr
    _, url = decoded(result.stdout)
    assert identity_of(url, "prod") == ROLE_ARN
    assert identity_of(url.replace("x-k8s-aws-id", "x-other"), "prod") is None  # the header must be signed


def test_kubectl_asking_for_v1_gets_v1(home: Home) -> None:
    info = json.dumps({"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential", "spec": {}})
    for _ in range(2):  # the full path, then the fast one
        result = home.run("eks-token", "prod-admin", "--cluster", "prod", env={"KUBERNETES_EXEC_INFO": info})
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["apiVersion"] == "client.authentication.k8s.io/v1"
        home.wait_until_settled()


def test_a_wrong_cluster_name_or_region_is_a_usage_error(home: Home) -> None:
    for args, said in [
        (["--cluster", "no spaces"], "--cluster 'no spaces' must be an EKS cluster name"),
        (
            ["--cluster", "prod", "--region", "mars-1"],
            "--region mars-1 for role 'prod-admin' is not a region",
        ),
        (["--cluster", "prod", "--region", "cn-north-1"], "is in the aws-cn partition, not aws"),
        (["--cluster", "prod", "--region="], "--region  for role 'prod-admin' is not a region"),
    ]:
        result = home.run("eks-token", "prod-admin", *args)
        assert (result.returncode, result.stdout) == (2, ""), result.stderr
        assert said in result.stderr
    missing = home.run("eks-token", "nobody", "--cluster", "prod")
    assert missing.returncode == 2 and "No role named 'nobody'" in missing.stderr


KUBECTL = shutil.which("kubectl")


@pytest.mark.skipif(
    KUBECTL is None, reason="no kubectl on PATH (.ci/run installs Debian's kubernetes-client)"
)
def test_kubectl_authenticates_with_the_exec_plugin_stsui_kubeconfig_wrote(
    home: Home, tmp_path: Path
) -> None:
    """Debian's (or any) kubectl reads the kubeconfig stsui merged, runs `stsui eks-token` for a token, and
    the API server (a TLS stub that replays the token to STS, as EKS does) sees the role."""
    assert KUBECTL is not None
    kubeconfig = tmp_path / "kube" / "config"
    kubeconfig.parent.mkdir()
    kubeconfig.write_text("# my clusters\napiVersion: v1\nkind: Config\nclusters: []\n")
    env = {**home.env, "KUBECONFIG": str(kubeconfig)}
    with KubeApi(tmp_path, "prod", ROLE_ARN) as api:
        made = home.run(
            "kubeconfig", "prod-admin", "--cluster", "prod", "--server", api.url,
            "--certificate-authority-data", api.authority, env=env,
        )  # fmt: skip
        assert made.returncode == 0, made.stderr
        assert "'prod-admin@prod' is kubectl's current context." in made.stdout
        assert kubeconfig.read_text().startswith("# my clusters\n")
        for _ in range(2):  # the first token assumes the role, the second comes from the cached session
            listed = subprocess.run(
                [KUBECTL, "get", "--raw", PODS],
                capture_output=True,
                text=True,
                env=env,
                timeout=60,
                check=False,
            )
            assert listed.returncode == 0, listed.stderr
            assert json.loads(listed.stdout)["kind"] == "PodList"
            home.wait_until_settled()
    assert len(api.seen) >= 2 and set(api.seen) == {ROLE_ARN}  # every request, as the role


def test_kubeconfig_dry_run_prints_and_writes_nothing_and_foreign_entries_are_kept(
    home: Home, tmp_path: Path
) -> None:
    kubeconfig = tmp_path / "config"
    theirs = "clusters:\n- cluster:\n    server: https://theirs.example\n  name: prod-admin@prod\n"
    kubeconfig.write_text(theirs)
    env = {"KUBECONFIG": f"{kubeconfig}{os.pathsep}{tmp_path / 'second'}"}
    args = ["kubeconfig", "prod-admin", "--cluster", "prod", "--server", "https://abc.eks.amazonaws.com",
            "--certificate-authority-data", PEM]  # fmt: skip
    refused = home.run(*args, env=env)
    assert refused.returncode == 1 and "already has a cluster named 'prod-admin@prod'" in refused.stderr
    dry = home.run(*args, "--context", "prod", "--dry-run", env=env)
    assert dry.returncode == 0, dry.stderr
    assert "https://theirs.example" in dry.stdout and "- eks-token" in dry.stdout
    assert kubeconfig.read_text() == theirs and not (tmp_path / "second").exists()
    for bad, said in [
        (["--server", "http://abc.example"], "--server 'http://abc.example' must be the cluster's https://"),
        (["--certificate-authority-data", "not base64!"], "--certificate-authority-data 'not base64!' must"),
    ]:
        result = home.run(*args, *bad, env=env)
        assert result.returncode == 2 and said in result.stderr, result.stderr
