"""Discovery's pieces: the expiry formats other tools write, botocore's cache file names, safe reading."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from stsui.discover.aws_config import assume_role_cache_key, read_aws_config, sso_cache_key
from stsui.discover.credentials import from_credentials_file
from stsui.discover.found import Found, Kind, Source, describe
from stsui.discover.reading import Unreadable, read_foreign
from stsui.domain.model import Status
from stsui.domain.times import parse_expiry
from stsui.store.credentials_file import CredentialsFile

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


@pytest.fixture
def tokyo(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01-15T13:00:00Z", "2026-01-15T13:00:00+00:00"),  # saml2aws, okta-aws-cli, aws-vault
        ("2026-01-15T14:00:00+01:00", "2026-01-15T13:00:00+00:00"),
        ("2026-01-15T13:00:00UTC", "2026-01-15T13:00:00+00:00"),  # botocore's JSONFileCache
        ("2026-01-15 22:00:00", "2026-01-15T13:00:00+00:00"),  # awsume, aws-mfa: LOCAL time (Tokyo)
        ("2026-01-15T22:00:00.5", "2026-01-15T13:00:00.500000+00:00"),
        ("1768482000", "2026-01-15T13:00:00+00:00"),  # unix seconds
        ("1768482000000", "2026-01-15T13:00:00+00:00"),  # unix milliseconds
        ("", None),
        ("soon", None),
        ("2026-13-01 00:00:00", None),
        ("9" * 17, None),
        ("2026-01-15T13:00:00+01:00UTC", None),
    ],
)
def test_expiry_formats_of_other_tools(tokyo: None, text: str, expected: str | None) -> None:
    moment = parse_expiry(text)
    assert (moment.isoformat() if moment else None) == expected


ROLE_PROFILES = [
    {"role_arn": "arn:aws:iam::111111111111:role/A", "source_profile": "default"},
    {"role_arn": "arn:aws:iam::111111111111:role/A", "source_profile": "default", "duration_seconds": "1800"},
    {"role_arn": "arn:aws:iam::111111111111:role/path/B", "source_profile": "default", "external_id": "x-1"},
    {
        "role_arn": "arn:aws:iam::111111111111:role/C",
        "source_profile": "default",
        "role_session_name": "me",
        "mfa_serial": "arn:aws:iam::111111111111:mfa/me",
        "duration_seconds": "oops",
    },
]


@pytest.mark.parametrize("values", ROLE_PROFILES)
def test_assume_role_cache_key_is_the_one_botocore_uses(
    values: dict[str, str], isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import botocore.credentials
    import botocore.session

    keys: list[str] = []

    class Recording(botocore.credentials.AssumeRoleCredentialFetcher):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)
            keys.append(self._cache_key)

    monkeypatch.setattr(botocore.credentials, "AssumeRoleCredentialFetcher", Recording)
    lines = "".join(f"{key} = {value}\n" for key, value in values.items())
    config = isolated_home / "config"
    config.write_text(f"[default]\naws_access_key_id = AKID\naws_secret_access_key = s\n[profile r]\n{lines}")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    session = botocore.session.Session(profile="r")
    session.get_component("credential_provider").get_provider("assume-role").load()  # no call is made
    assert keys == [assume_role_cache_key(values)]
    assert read_aws_config(config).cache_names() == {keys[0]: "r"}


@pytest.mark.parametrize(
    "values",
    [
        {"sso_session": "corp", "sso_account_id": "111111111111", "sso_role_name": "Dev"},
        {"sso_start_url": "https://x.awsapps.com/start", "sso_account_id": "1", "sso_role_name": "Dev"},
    ],
)
def test_sso_cache_key_is_the_one_botocore_uses(values: dict[str, str]) -> None:
    from botocore.credentials import SSOCredentialFetcher

    fetcher = SSOCredentialFetcher(
        values.get("sso_start_url", "https://x.awsapps.com/start"),
        "eu-west-1",
        values["sso_role_name"],
        values["sso_account_id"],
        client_creator=None,
        sso_session_name=values.get("sso_session"),
    )
    assert sso_cache_key(values) == fetcher._cache_key


def test_other_tools_sections_and_their_expiry_keys(isolated_home: Path) -> None:
    path = isolated_home / "credentials"
    token = "aws_access_key_id = ASIA1\naws_secret_access_key = s\naws_session_token = t\n"
    path.write_text(
        f"[okta]\n{token}aws_credential_expiration = 2026-01-15T13:00:00Z\n"
        f"[mfa]\n{token}aws_expiration = 2026-01-15T12:10:00Z\n"
        f"[unix]\n{token}expires_time = 1768478400\n"
        "[legacy]\naws_access_key_id = ASIA1\naws_secret_access_key = s\naws_security_token = t\n"
        f"[garbled]\n{token}x_security_token_expires = tomorrow\n"
        "[config-only]\nregion = eu-west-1\n"
        f"[mine]\n{token}x_security_token_expires = 2026-01-15T13:00:00Z\nx_stsui_role = mine\n"
    )
    before = path.read_bytes(), path.stat().st_mtime_ns
    found = {f.name: f for f in from_credentials_file(CredentialsFile(path))}
    assert list(found) == ["okta", "mfa", "unix", "legacy", "garbled"]  # not stsui's own, not config-only
    statuses = {name: str(f.status(NOW)) for name, f in found.items()}
    assert statuses == {
        "okta": "active",
        "mfa": "due",  # 10 minutes left: inside botocore's 15-minute refresh window
        "unix": "expired",
        "legacy": "unknown expiry",
        "garbled": "unknown expiry",
    }
    assert found["garbled"].note == "x_security_token_expires is not a time stsui can read"
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before


def test_describe_uses_the_shared_countdown_and_hides_nothing_secret() -> None:
    found = Found(Source.CLI_CACHE, "a\x1b[31m", expires_at=NOW + timedelta(minutes=5, seconds=1))
    row = describe(found, NOW)
    assert (row["status"], row["time_left"], row["seconds_left"]) == ("due", "05:01", 301)
    assert row["name"] == "a\\x1b[31m"
    keys = describe(Found(Source.ENVIRONMENT, "AWS_ACCESS_KEY_ID", Kind.LONG_TERM), NOW)
    assert (keys["status"], keys["time_left"], keys["expires_at"]) == (str(Status.LONG_TERM), "", None)


def test_foreign_files_are_read_only_when_safe(isolated_home: Path) -> None:
    big = isolated_home / "big.json"
    big.write_bytes(b" " * 300_000)
    with pytest.raises(Unreadable, match="larger than 256 KiB"):
        read_foreign(big)
    (isolated_home / "dir.json").mkdir()
    with pytest.raises(Unreadable, match="a directory, not a regular file"):
        read_foreign(isolated_home / "dir.json")
    fifo = isolated_home / "fifo.json"
    os.mkfifo(fifo)
    with pytest.raises(Unreadable, match="a FIFO"):
        read_foreign(fifo)
    assert read_foreign(isolated_home / "missing.json") is None


def test_an_unparsable_aws_config_is_a_problem_not_a_failure(isolated_home: Path) -> None:
    config = isolated_home / "config"
    config.write_text("[profile a]\nrole_arn = x\n[profile a]\n")
    assert read_aws_config(config).problem == "duplicate section [profile a] at line 3"
    config.write_bytes(b"\xef\xbb\xbf[default]\n")
    assert "byte order mark" in read_aws_config(config).problem
