"""`eks-token`'s fast path reads argv as the parser does, and answers only where the full command would give
the same answer (a reusable cached session, a cluster and region the full command accepts)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from stsui.cli.grammar import CLUSTER_OPTION, EKS_TOKEN, REGION_OPTION, plain_eks_token
from stsui.cli.quick_eks import eks_token
from stsui.domain.eks import api_version, token_of, url_of
from tests.support.grammar import parsed_by_the_parser
from tests.unit.test_quick_credential_process import cache_session, roles, settled  # noqa: F401


@pytest.mark.parametrize(
    "argv",
    [
        ["eks-token", "admin", "--cluster", "prod"],
        ["eks-token", "--cluster", "prod", "admin"],
        ["eks-token", "--cluster=prod", "admin", "--region=eu-west-1"],
        ["--config", "x.toml", "eks-token", "admin", "--cluster", "prod", "--region", "eu-west-1"],
        ["--config=x.toml", "eks-token", "admin", "--cluster", "prod"],
        ["eks-token", "admin", "--cluster", "prod", "--cluster", "dev"],
        ["eks-token", "admin", "--cluster", "-x"],
        ["eks-token", "admin", "--clus", "prod"],
        ["eks-token", "admin"],
        ["eks-token", "admin", "other", "--cluster", "prod"],
        ["eks-token", "--cluster", "prod"],
        ["eks-token", "admin", "--cluster"],
        ["eks-token", "admin", "--cluster=", "--region", "eu-west-1"],
        ["eks-token", "", "--cluster", "prod"],
        ["eks-token", "admin", "-h", "--cluster", "prod"],
        ["list", "eks-token", "admin", "--cluster", "prod"],
        ["--config", "-x", "eks-token", "admin", "--cluster", "prod"],
    ],
)
def test_the_fast_grammar_reads_argv_as_the_parser_does(argv: list[str]) -> None:
    fast = plain_eks_token(argv)
    if fast is None:
        return
    parsed = parsed_by_the_parser(argv)
    explicit, name, given = fast
    assert (parsed.command, parsed.config, parsed.name) == (EKS_TOKEN, explicit, name)
    assert (parsed.cluster, parsed.region) == (given[CLUSTER_OPTION], given.get(REGION_OPTION))


def test_a_cached_session_is_answered(roles: Path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    cache_session(timedelta(minutes=30))
    assert eks_token(["eks-token", "admin", "--cluster", "prod"]) == 0
    document = json.loads(capsys.readouterr().out)
    url = url_of(document["status"]["token"])
    assert url is not None and url.startswith("https://sts.us-east-1.amazonaws.com/?Action=GetCallerIdentity")
    assert "X-Amz-Credential=ASIAFAST%2F" in url and "X-Amz-SignedHeaders=host%3Bx-k8s-aws-id&" in url


@pytest.mark.parametrize(
    "argv",
    [
        ["eks-token", "admin", "--cluster", "no spaces"],
        ["eks-token", "admin", "--cluster", "prod", "--region", "mars"],
        ["eks-token", "nobody", "--cluster", "prod"],
    ],
)
def test_what_the_full_command_refuses_goes_to_it(roles: Path, argv: list[str]) -> None:  # noqa: F811
    cache_session(timedelta(minutes=30))
    assert eks_token(argv) is None


def test_a_session_due_for_renewal_goes_to_the_full_command(roles: Path) -> None:  # noqa: F811
    cache_session(timedelta(minutes=5))  # refresh_before is 10m
    assert eks_token(["eks-token", "admin", "--cluster", "prod"]) is None


def test_a_session_ending_within_14_minutes_ends_the_token_with_it(
    roles: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    session = cache_session(timedelta(minutes=12))
    assert eks_token(["eks-token", "admin", "--cluster", "prod"]) == 0
    status = json.loads(capsys.readouterr().out)["status"]
    assert status["expirationTimestamp"] == session.expiration.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_the_token_round_trips_and_the_api_version_follows_kubectl() -> None:
    url = "https://sts.eu-west-1.amazonaws.com/?Action=GetCallerIdentity&a=b"
    assert token_of(url).startswith("k8s-aws-v1.") and "=" not in token_of(url)
    assert url_of(token_of(url)) == url and url_of("Bearer x") is None
    assert api_version('{"apiVersion": "client.authentication.k8s.io/v1"}').endswith("/v1")
    for unknown in (None, "", "not json", "[]", '{"apiVersion": "v9"}'):
        assert api_version(unknown) == "client.authentication.k8s.io/v1beta1"
