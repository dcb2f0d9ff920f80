"""`stsui list --all`: sessions other tools made, written the way each tool writes them, shown read-only."""

from __future__ import annotations

import hashlib
import json
import os
from datetime import timedelta
from pathlib import Path

import pytest

from tests.support.clock import real_now
from tests.support.home import BASE_SECRET, USER_CREDENTIALS, Home, build_home

SSO_TOKEN = "SSO-ACCESS-TOKEN-never-shown-0000"
SSO_SECRETS = (SSO_TOKEN, "SSO-REFRESH-TOKEN-never-shown", "SSO-CLIENT-SECRET-never-shown")
ENV_SECRET = "ENV-SECRET-never-shown-000000000000"
ENV_TOKEN = "ENV-TOKEN-never-shown-00000000000000"

SAML2AWS = """
[saml]
aws_access_key_id        = ASIASAML000000000001
aws_secret_access_key    = saml-secret-never-shown-0000000000000
aws_session_token        = saml-token-never-shown-000000000000000
aws_security_token       = saml-token-never-shown-000000000000000
x_principal_arn          = arn:aws:sts::777777777777:assumed-role/SamlAdmin/me@example.com
x_security_token_expires = 2030-01-01T10:00:00+01:00
"""
AWSUME = """
[awsume-dev]
manager = awsume
aws_access_key_id = ASIAAWSUME0000000001
aws_secret_access_key = awsume-secret-never-shown-000000000000
aws_session_token = awsume-token-never-shown-0000000000000
region = eu-west-1
expiration = 2030-01-01 09:00:00
"""
LEAPP = """
[leapp-prod]
aws_access_key_id = ASIALEAPP00000000001
aws_secret_access_key = leapp-secret-never-shown-0000000000000
aws_session_token = leapp-token-never-shown-00000000000000
region = eu-central-1
"""
CLI_ROLE = "arn:aws:iam::666666666666:role/CliRole"
AWS_CONFIG = f"""\
[default]
region = eu-west-1

[profile cli-role]
role_arn = {CLI_ROLE}
source_profile = default
duration_seconds = 1800
region = eu-west-1

[profile admin-of-prod]
role_arn = arn:aws:iam::111111111111:role/Admin
source_profile = default

[profile not-imported]
role_arn = arn:aws:iam::888888888888:role/Elsewhere
source_profile = default

[sso-session my-sso]
sso_start_url = https://d-1234567890.awsapps.com/start
sso_region = eu-west-1
"""


def _cli_cache(home: Home) -> Path:
    return home.root / ".aws" / "cli" / "cache"


def assume_with_botocore(home: Home, monkeypatch: pytest.MonkeyPatch, profile: str) -> Path:
    """What the AWS CLI does for a role profile: botocore's assume-role provider with a JSON file cache
    in ~/.aws/cli/cache, against moto. Returns the file botocore wrote."""
    import botocore.session
    from botocore.utils import JSONFileCache

    for key, value in home.env.items():
        monkeypatch.setenv(key, value)
    session = botocore.session.Session(profile=profile)
    provider = session.get_component("credential_provider").get_provider("assume-role")
    provider.cache = JSONFileCache(str(_cli_cache(home)))
    assert session.get_credentials().get_frozen_credentials().token  # makes the AssumeRole call
    (written,) = _cli_cache(home).glob("*.json")
    return written


@pytest.fixture
def crowded(isolated_home: Path, moto_url: str, monkeypatch: pytest.MonkeyPatch) -> Home:
    """A user whose machine holds sessions from saml2aws, awsume, Leapp, the AWS CLI and an SSO login."""
    home = build_home(isolated_home, moto_url, credentials=USER_CREDENTIALS + SAML2AWS + AWSUME + LEAPP)
    home.env["TZ"] = "Asia/Tokyo"  # awsume's zone-less expiration is local time: 09:00 there is 00:00 UTC
    (home.root / ".aws" / "config").write_text(AWS_CONFIG)
    assume_with_botocore(home, monkeypatch, "cli-role")
    sso = home.root / ".aws" / "sso" / "cache"
    sso.mkdir(parents=True)
    login = {
        "startUrl": "https://d-1234567890.awsapps.com/start",
        "region": "eu-west-1",
        "accessToken": SSO_TOKEN,
        "expiresAt": "2030-01-01T08:00:00Z",
        "clientId": "client-id-0001",
        "clientSecret": SSO_SECRETS[2],
        "registrationExpiresAt": "2030-03-01T00:00:00Z",
        "refreshToken": SSO_SECRETS[1],
    }
    (sso / f"{hashlib.sha1(b'my-sso').hexdigest()}.json").write_text(json.dumps(login))
    registration = {"clientId": "x", "clientSecret": SSO_SECRETS[2], "expiresAt": "2030-03-01T00:00:00Z"}
    (sso / "botocore-client-id-eu-west-1.json").write_text(json.dumps(registration))
    return home


def _listing(home: Home, env: dict[str, str] | None = None) -> list[dict[str, object]]:
    result = home.run("list", "--all", "--json", env=env, timeout=30)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _by(rows: list[dict[str, object]], source: str, name: str) -> dict[str, object]:
    (row,) = [row for row in rows if row["source"] == source and row["name"] == name]
    return row


def _snapshot(home: Home) -> dict[Path, tuple[bytes, int]]:
    """Every file of the home but stsui's validated-roles cache (its own, about the roles file only)."""
    roles_cache = home.cache / "roles"
    return {
        path: (path.read_bytes(), path.stat().st_mtime_ns)
        for path in sorted(home.root.rglob("*"))
        if path.is_file() and not path.is_symlink() and roles_cache not in path.parents
    }


def _secrets(home: Home) -> list[str]:
    import configparser

    parser = configparser.RawConfigParser()
    parser.read_string(home.credentials.read_text())
    found = [BASE_SECRET, ENV_SECRET, ENV_TOKEN, *SSO_SECRETS]
    for section in parser.sections():
        for key in ("aws_secret_access_key", "aws_session_token", "aws_security_token"):
            if parser.has_option(section, key):
                found.append(parser.get(section, key))
    for path in _cli_cache(home).glob("*.json"):
        credentials = json.loads(path.read_text())["Credentials"]
        found += [credentials["SecretAccessKey"], credentials["SessionToken"]]
    return found


def test_list_all_shows_every_tools_sessions(crowded: Home) -> None:
    rows = _listing(crowded)

    saml = _by(rows, "credentials-file", "saml")
    assert saml["arn"] == "arn:aws:sts::777777777777:assumed-role/SamlAdmin/me@example.com"
    assert (saml["status"], saml["expires_at"]) == ("active", "2030-01-01T09:00:00Z")
    awsume = _by(rows, "credentials-file", "awsume-dev")
    assert (awsume["status"], awsume["expires_at"]) == (
        "active",
        "2030-01-01T00:00:00Z",
    )  # read as local time
    leapp = _by(rows, "credentials-file", "leapp-prod")
    assert (leapp["status"], leapp["expires_at"], leapp["time_left"]) == ("unknown expiry", None, "")
    for name in ("default", "personal"):
        keys = _by(rows, "credentials-file", name)
        assert (keys["status"], keys["time_left"], keys["seconds_left"]) == ("long-term keys", "", None)

    cached = _by(rows, "cli-cache", "cli-role")  # matched to its profile by botocore's own cache key
    assert (cached["profile"], cached["note"]) == ("cli-role", "")
    assert str(cached["arn"]).startswith("arn:aws:sts::666666666666:assumed-role/CliRole/botocore-session-")
    assert cached["status"] == "active"
    assert 1700 < int(str(cached["seconds_left"])) <= 1800  # duration_seconds = 1800, just assumed

    login = _by(rows, "sso-login", "my-sso")
    assert (login["status"], login["expires_at"]) == ("active", "2030-01-01T08:00:00Z")
    assert login["note"] == "https://d-1234567890.awsapps.com/start"
    assert [row for row in rows if row["source"] == "sso-login"] == [
        login
    ]  # the client registration is no login

    offered = _by(rows, "aws-config", "not-imported")
    assert offered["arn"] == "arn:aws:iam::888888888888:role/Elsewhere"
    assert "stsui import" in str(offered["note"])
    assert not [
        row for row in rows if row["name"] in ("admin-of-prod", "cli-role") and row["source"] == "aws-config"
    ]

    own = [row for row in rows if row["source"] == "stsui"]
    assert [row["name"] for row in own] == ["prod-admin", "staging-ro", "mfa-ops", "mfa-audit", "chained"]
    assert {row["status"] for row in own} == {"inactive"}
    assert not any(row["in_use"] for row in rows)


def test_botocore_cache_entry_under_another_name_is_matched_by_role_arn(crowded: Home) -> None:
    (written,) = _cli_cache(crowded).glob("*.json")
    written.rename(written.with_name("renamed.json"))
    row = _by(_listing(crowded), "cli-cache", "cli-role")
    assert (row["profile"], row["note"]) == ("cli-role", "profile matched by role ARN")


def test_the_shells_session_is_shown_and_marked(crowded: Home) -> None:
    expires = (real_now() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    env = {
        "AWS_ACCESS_KEY_ID": "ASIAENV0000000000001",
        "AWS_SECRET_ACCESS_KEY": ENV_SECRET,
        "AWS_SESSION_TOKEN": ENV_TOKEN,
        "AWS_CREDENTIAL_EXPIRATION": expires,
        "AWS_PROFILE": "saml",
    }
    rows = _listing(crowded, env)
    shell = _by(rows, "environment", "AWS_SESSION_TOKEN")
    assert (shell["status"], shell["expires_at"], shell["in_use"]) == ("active", expires, True)
    assert not _by(rows, "credentials-file", "saml")["in_use"]  # keys in the environment beat AWS_PROFILE

    del env["AWS_ACCESS_KEY_ID"]
    rows = _listing(crowded, env)
    assert [row["name"] for row in rows if row["in_use"]] == ["saml"]
    text = crowded.run("list", "--all", env=env)
    assert "This shell uses profile 'saml' (AWS_PROFILE)." in text.stdout


def test_nothing_is_changed_and_no_secret_is_shown(crowded: Home) -> None:
    before = _snapshot(crowded)
    env = {"AWS_ACCESS_KEY_ID": "ASIAENV0000000000001", "AWS_SECRET_ACCESS_KEY": ENV_SECRET}
    env |= {"AWS_SESSION_TOKEN": ENV_TOKEN}
    outputs = []
    for args in (("list", "--all", "--json"), ("list", "--all")):
        result = crowded.run(*args, env=env)
        assert result.returncode == 0, result.stderr
        outputs += [result.stdout, result.stderr]
    assert _snapshot(crowded) == before
    assert [path.name for path in (crowded.root / ".cache").glob("stsui/*")] in ([], ["roles"])
    for secret in _secrets(crowded):
        for output in outputs:
            assert secret not in output


def test_a_corrupt_cache_file_is_one_unreadable_line(crowded: Home) -> None:
    (_cli_cache(crowded) / "corrupt.json").write_text('{"Credentials": {"Expir')
    (_cli_cache(crowded) / "list.json").write_text("[1, 2]")
    rows = _listing(crowded)
    corrupt = _by(rows, "cli-cache", "corrupt.json")
    assert (corrupt["status"], corrupt["note"]) == ("unreadable", "not valid JSON")
    assert _by(rows, "cli-cache", "list.json")["note"] == "not a JSON object"
    assert _by(rows, "cli-cache", "cli-role")["status"] == "active"  # the others are still there


def test_a_fifo_or_link_in_a_cache_dir_is_not_opened(crowded: Home) -> None:
    os.mkfifo(_cli_cache(crowded) / "fifo.json")  # opening it blocking would hang the command
    sso = crowded.root / ".aws" / "sso" / "cache"
    (sso / "link.json").symlink_to(next(sso.glob("*.json")))
    rows = _listing(crowded)
    assert _by(rows, "cli-cache", "fifo.json")["note"] == "a FIFO, not a regular file"
    assert _by(rows, "sso-login", "link.json")["note"] == "a symbolic link, not a regular file"


def test_a_new_user_without_a_roles_file_sees_other_sessions(crowded: Home) -> None:
    crowded.roles.unlink()
    rows = _listing(crowded)
    assert not [row for row in rows if row["source"] == "stsui"]
    assert _by(rows, "credentials-file", "saml")["status"] == "active"
    assert crowded.run("list").returncode == 2  # plain list still needs the roles file


def test_an_unparsable_credentials_file_is_one_line_not_a_failure(crowded: Home) -> None:
    crowded.credentials.write_text("[a]\nx = 1\n[a]\n")
    rows = _listing(crowded)
    (bad,) = [row for row in rows if row["source"] == "credentials-file"]
    assert bad["status"] == "unreadable"
    assert "duplicate section [a]" in str(bad["note"])
