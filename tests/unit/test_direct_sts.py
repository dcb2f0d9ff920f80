"""The standard-library STS path: it is chosen only where it can match botocore (its signatures:
test_sigv4.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from stsui.aws.params import flatten
from stsui.aws.profiles import Resolver


def test_lists_and_structures_flatten_to_query_members() -> None:
    fields = flatten(
        {
            "Tags": [{"Key": "team", "Value": "platform"}],
            "TransitiveTagKeys": ["team"],
            "DurationSeconds": 900,
        }
    )
    assert fields == {
        "Tags.member.1.Key": "team",
        "Tags.member.1.Value": "platform",
        "TransitiveTagKeys.member.1": "team",
        "DurationSeconds": "900",
    }


@pytest.fixture
def aws_files(isolated_home: Path) -> tuple[Path, Path]:
    aws = isolated_home / ".aws"
    aws.mkdir(exist_ok=True)
    config, credentials = aws / "config", aws / "credentials"
    config.write_text("[default]\nregion = eu-west-1\n\n[profile sso]\nsso_session = corp\n")
    credentials.write_text(
        "[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = s\n\n"
        "[stale]\naws_access_key_id = AKIDSTALE\naws_secret_access_key = s\n"
        "aws_security_token = old\naws_session_token = new\n"
    )
    return config, credentials


def test_static_keys_of_a_profile_go_direct_to_the_regional_endpoint(aws_files: tuple[Path, Path]) -> None:
    plan = Resolver().plan("default", None)
    assert plan is not None and plan.keys is not None
    assert plan.keys.access_key_id == "AKIDDEFAULT"
    assert plan.target.endpoint == "https://sts.eu-west-1.amazonaws.com"
    assert plan.target.region == "eu-west-1"


def test_the_first_token_key_wins_as_in_botocore(aws_files: tuple[Path, Path]) -> None:
    plan = Resolver().plan("stale", "us-east-1")
    assert plan is not None and plan.keys is not None
    assert plan.keys.session_token == "old"


def test_endpoint_variables_are_honoured(
    aws_files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:2")
    plan = Resolver().plan("default", None)
    assert plan is not None and plan.target.endpoint == "http://127.0.0.1:2"


def test_environment_keys_come_first_without_a_profile(
    aws_files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "s")
    plan = Resolver().plan(None, "us-east-1")
    assert plan is not None and plan.keys is not None and plan.keys.access_key_id == "AKIDENV"
    named = Resolver().plan("default", "us-east-1")  # an explicit profile ignores the environment
    assert named is not None and named.keys is not None and named.keys.access_key_id == "AKIDDEFAULT"


@pytest.mark.parametrize(
    ("config", "env"),
    [
        ("[profile p]\ncredential_process = x\n", {}),
        ("[profile p]\nrole_arn = arn:aws:iam::111111111111:role/x\nsource_profile = default\n", {}),
        ("[profile p]\nendpoint_url = http://x\n", {}),
        ("[profile p]\nservices = s\n", {}),
        ("[profile p]\n", {"HTTPS_PROXY": "http://proxy:3128"}),
        ("[profile p]\n", {"AWS_USE_FIPS_ENDPOINT": "true"}),
        ("[profile p]\n", {"AWS_STS_REGIONAL_ENDPOINTS": "legacy"}),
        ("[profile p]\nregion = us-iso-east-1\n", {}),
        ("[profile p\n", {}),
    ],
    ids=["process", "role", "endpoint", "services", "proxy", "fips", "legacy", "iso", "unparsable"],
)
def test_anything_else_is_left_to_boto3(
    aws_files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, config: str, env: dict[str, str]
) -> None:
    config_path, credentials = aws_files
    config_path.write_text(config)
    credentials.write_text("[p]\naws_access_key_id = AKIDP\naws_secret_access_key = s\n")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert Resolver().plan("p", None) is None


def test_sso_and_missing_profiles_are_left_to_boto3(aws_files: tuple[Path, Path]) -> None:
    assert Resolver().plan("sso", None) is None
    assert Resolver().plan("nosuch", None) is None
