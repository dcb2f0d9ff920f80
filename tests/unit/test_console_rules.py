"""The console sign-in rules: partition hosts, destinations, and how long the console lasts."""

from __future__ import annotations

import json
import urllib.parse
from datetime import UTC, datetime

import pytest

from stsui.aws.federation import federation_endpoint
from stsui.config.load import parse_config
from stsui.domain.console import (
    PARTITIONS,
    console_lasts,
    destination_url,
    login_url,
    partition,
    token_request_url,
)
from stsui.domain.errors import ConfigError, UsageError
from stsui.domain.model import Credentials
from stsui.engine.console import base_target, role_target

KEYS = Credentials("ASIAKEY", "secret/+=", "token+/=", datetime(2030, 1, 1, tzinfo=UTC))


@pytest.mark.parametrize(
    ("name", "endpoint", "console"),
    [
        ("aws", "https://signin.aws.amazon.com/federation", "console.aws.amazon.com"),
        ("aws-us-gov", "https://signin.amazonaws-us-gov.com/federation", "console.amazonaws-us-gov.com"),
        ("aws-cn", "https://signin.amazonaws.cn/federation", "console.amazonaws.cn"),
    ],
)
def test_each_partition_has_its_own_hosts(name: str, endpoint: str, console: str) -> None:
    assert federation_endpoint(PARTITIONS[name]) == endpoint
    assert PARTITIONS[name].console_host == console


def test_the_signin_url_variable_overrides_every_partition(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STSUI_SIGNIN_URL", "http://127.0.0.1:9/federation")
    assert federation_endpoint(PARTITIONS["aws-cn"]) == "http://127.0.0.1:9/federation"


def test_an_iso_partition_is_refused_by_name() -> None:
    with pytest.raises(UsageError, match="aws-iso partition"):
        partition("aws-iso", "role 'x'")


def _config(text: str):  # type: ignore[no-untyped-def]
    from pathlib import Path

    return parse_config(text, Path("roles.toml"))


GOV = _config('[roles.gov]\nrole_arn = "arn:aws-us-gov:iam::123456789012:role/R"\n')


def test_a_role_without_a_region_opens_its_partitions_first_region() -> None:
    target = role_target(GOV.roles["gov"])
    assert target.destination == "https://console.amazonaws-us-gov.com/console/home?region=us-gov-west-1"


def test_a_region_of_another_partition_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="eu-west-1 for role 'gov' is in the aws partition, not aws-us-gov"):
        role_target(GOV.roles["gov"], region="eu-west-1")


def test_the_base_identity_follows_the_regions_partition() -> None:
    config = _config('[defaults]\nregion = "cn-northwest-1"\n')
    assert (
        base_target(config).destination == "https://console.amazonaws.cn/console/home?region=cn-northwest-1"
    )


@pytest.mark.parametrize(
    "url",
    [
        "https://console.aws.amazon.com/",
        "https://us-east-1.console.aws.amazon.com/ec2/home?region=us-east-1#Instances:",
        "https://s3.console.aws.amazon.com/s3/buckets/x?region=us-east-1",
        "https://console.aws.amazon.com:443/iam/home",
    ],
)
def test_console_urls_of_the_partition_are_kept(url: str) -> None:
    assert destination_url(PARTITIONS["aws"], "us-east-1", url, "role 'x'") == url


@pytest.mark.parametrize(
    "url",
    [
        "http://console.aws.amazon.com/",
        "https://console.aws.amazon.com.evil.example/",
        "https://evilconsole.aws.amazon.com/",
        "https://a@console.aws.amazon.com/",
        "https://console.aws.amazon.com:8443/",
        "https://console.aws.amazon.com/\x1b[2J",
        "javascript://console.aws.amazon.com/%0aalert(1)",
        "https://signin.aws.amazon.com/federation?Action=logout",
        "Ec2",
        "",
    ],
)
def test_anything_else_is_refused(url: str) -> None:
    with pytest.raises(UsageError) as raised:
        destination_url(PARTITIONS["aws"], "us-east-1", url, "role 'x'")
    assert "\x1b" not in str(raised.value)


def test_service_names_go_to_their_home_in_the_region() -> None:
    assert destination_url(PARTITIONS["aws"], "eu-west-1", "ec2", "r") == (
        "https://console.aws.amazon.com/ec2/home?region=eu-west-1"
    )


def test_a_malformed_region_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match=r"is not a region botocore knows \(did you mean 'us-gov-west-1'"):
        role_target(GOV.roles["gov"], region="us-gov-west-1; rm")


@pytest.mark.parametrize(
    ("may_send", "wanted", "left", "chained", "expected"),
    [
        (True, 43200, 3599.7, False, (3599, 3599)),  # 12 h asked, capped by the session's time left
        (True, 1800, 3600, False, (1800, 1800)),  # console_duration shorter than the session
        (True, 43200, 50000, False, (43200, 43200)),
        (True, 43200, 600, False, (None, 600)),  # under the minimum: left out, ends with the session
        (False, 43200, 40000, False, (None, 40000)),  # MFA or temporary source: ends with the session
        (False, 43200, 3000, True, (None, 3000)),  # chained
        (False, 43200, 5000, True, (None, 3600)),  # chained: never more than 1 h
        (False, 43200, -5, False, (None, 0)),
    ],
)
def test_how_long_the_console_lasts(
    may_send: bool, wanted: int, left: float, chained: bool, expected: tuple[int | None, int]
) -> None:
    assert console_lasts(may_send=may_send, wanted=wanted, seconds_left=left, chained=chained) == expected


def test_the_token_request_carries_the_session_json_and_optional_duration() -> None:
    url = token_request_url("https://signin.aws.amazon.com/federation", KEYS, 900)
    fields = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query, strict_parsing=True))
    assert fields["Action"] == "getSigninToken" and fields["SessionDuration"] == "900"
    assert json.loads(fields["Session"]) == {
        "sessionId": "ASIAKEY",
        "sessionKey": "secret/+=",
        "sessionToken": "token+/=",
    }
    without = token_request_url("https://signin.aws.amazon.com/federation", KEYS, None)
    assert "SessionDuration" not in without


def test_the_login_link_round_trips_a_destination_with_its_own_query() -> None:
    page = "https://console.aws.amazon.com/ec2/home?region=eu-west-1&x=1#Instances:"
    url = login_url("https://signin.aws.amazon.com/federation", page, "tok+/=")
    fields = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query, strict_parsing=True))
    assert fields == {"Action": "login", "Issuer": "stsui", "Destination": page, "SigninToken": "tok+/="}


def test_console_duration_and_policy_are_checked_in_the_roles_file() -> None:
    config = _config(
        '[defaults]\nconsole_duration = "2h"\nconsole_policy = \'{"Version":"2012-10-17"}\'\n'
        '[roles.a]\nrole_arn = "arn:aws:iam::123456789012:role/A"\n'
        '[roles.b]\nrole_arn = "arn:aws:iam::123456789012:role/B"\nconsole_duration = "30m"\n'
    )
    assert config.console_duration == 7200 and config.console_policy == '{"Version":"2012-10-17"}'
    assert config.roles["a"].console_duration == 7200 and config.roles["b"].console_duration == 1800
    assert (
        _config('[roles.a]\nrole_arn = "arn:aws:iam::123456789012:role/A"\n').roles["a"].console_duration
        == 43200
    )
    with pytest.raises(ConfigError, match="console_duration must be 900-43200"):
        _config('[defaults]\nconsole_duration = "13h"\n')
    with pytest.raises(ConfigError, match=r"\[roles.a\] has an unknown key 'console_policy'"):
        _config('[roles.a]\nrole_arn = "arn:aws:iam::123456789012:role/A"\nconsole_policy = "{}"\n')
