"""IAM Identity Center as a new user meets it: the real `stsui` program against the fake Identity Center
and moto's STS, checked by real consumers (boto3's SSO credential provider, boto3 with the profile stsui
wrote, credential_process)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from stsui.store.sso_cache import token_file_name
from tests.support.home import Home
from tests.support.sso_fake import SsoFake, sso_user

SSO_ROLES = """\
[defaults]
region = "eu-west-1"

[roles.prod-admin]
role_arn = "arn:aws:iam::111111111111:role/Admin"
source_profile = "default"

[sso.work]
start_url = "https://my-org.awsapps.com/start"
region = "eu-west-1"
"""


@pytest.fixture
def user(isolated_home: Path, moto_url: str, sso_fake: SsoFake) -> Home:
    """A user with `[sso.work]` in the roles file, a browser that notes what it was asked to open."""
    home = sso_user(isolated_home, moto_url, sso_fake, SSO_ROLES)
    sso_fake.add_accounts(3)
    return home


def _secrets(fake: SsoFake) -> list[str]:
    """Everything the fake handed out that must never be printed."""
    return [
        *fake.state.secrets,
        "atoken-",
        "rtoken-",
        "csecret-",
        "ssosecret-",
        "ssosession-",
        "/start/#/device",
    ]


def _clean(fake: SsoFake, *outputs: subprocess.CompletedProcess[str]) -> None:
    secrets = _secrets(fake)
    for output in outputs:
        for secret in secrets:
            assert secret not in output.stdout + output.stderr


def _token_file(home: Home) -> Path:
    return home.root / ".aws" / "sso" / "cache" / token_file_name("work")


def _boto3(home: Home, code: str) -> subprocess.CompletedProcess[str]:
    """A fresh Python that imports boto3 with this HOME (botocore fixes its SSO cache path at import)."""
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=home.env,
        timeout=60,
        check=False,
    )


def test_new_user_logs_in_once_and_uses_every_role(user: Home, sso_fake: SsoFake) -> None:
    before = user.run("list", "--json")
    assert before.returncode == 0, before.stderr
    assert [r["name"] for r in json.loads(before.stdout)] == ["prod-admin"]  # nothing discovered yet

    login = user.run("sso", "login")
    assert login.returncode == 0, login.stderr
    user_code = login.stderr.split("the code ")[1][:9]
    assert (
        f"https://my-org.awsapps.com/start/#/device?user_code={user_code}"
        in (user.root / "opened").read_text()
    )
    assert "9 roles in 3 accounts" in login.stderr  # the first login discovers the roles
    token_file = _token_file(user)
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600

    listed = user.run("list", "--json")
    rows = {r["name"]: r for r in json.loads(listed.stdout)}
    row = rows["acct-001.ReadOnly"]
    assert row["source"] == "sso" and row["sso"] == "work" and row["account"] == "100000000001"
    assert row["account_name"] == "acct-001" and row["role"] == "ReadOnly" and row["status"] == "inactive"
    assert rows["prod-admin"]["source"] == "config" and len(rows) == 10

    assume = user.run("assume", "acct-001.ReadOnly", "--json")
    assert assume.returncode == 0, assume.stderr
    credentials = user.credentials.read_text()
    assert "[acct-001.ReadOnly]" in credentials and "x_stsui_role = acct-001.ReadOnly" in credentials
    assert "x_security_token_expires" in credentials and "[default]" in credentials
    # the profile stsui wrote, used by boto3 (against moto's STS)
    used = _boto3(
        user,
        """
        import boto3
        print(boto3.Session(profile_name="acct-001.ReadOnly").client("sts").get_caller_identity()["Account"])
        """,
    )
    assert used.returncode == 0, used.stderr
    statuses = {r["name"]: r["status"] for r in json.loads(user.run("list", "--json").stdout)}
    assert statuses["acct-001.ReadOnly"] == "active" and statuses["acct-001.Admin"] == "inactive"

    env = user.run("env", "acct-002.Admin")
    process = user.run("credential-process", "acct-002.Admin")
    assert env.returncode == process.returncode == 0, env.stderr + process.stderr
    assert json.loads(process.stdout)["Version"] == 1 and "export AWS_SESSION_TOKEN=" in env.stdout
    refresh = user.run("refresh", "acct-001.ReadOnly")
    forget = user.run("forget", "acct-001.ReadOnly")
    assert refresh.returncode == forget.returncode == 0, refresh.stderr + forget.stderr
    assert "[acct-001.ReadOnly]" not in user.credentials.read_text()
    _clean(sso_fake, before, login, listed, assume, refresh, forget)
    assert "ssosecret-" in env.stdout and "ssosecret-" in process.stdout  # where the user asked for them


def test_the_aws_sdks_use_the_login_stsui_made(user: Home, sso_fake: SsoFake) -> None:
    sso_fake.state.token_expires_in = 600  # inside botocore's 15-minute window: it refreshes the token itself
    assert user.run("sso", "login", "work", "--no-sync").returncode == 0
    aws_config = user.root / ".aws" / "config"
    aws_config.write_text(
        "[default]\nregion = eu-west-1\n\n"
        "[profile via-sso]\nsso_session = work\nsso_account_id = 100000000002\nsso_role_name = Billing\n"
        "region = eu-west-1\n\n"
        "[sso-session work]\nsso_start_url = https://my-org.awsapps.com/start\nsso_region = eu-west-1\n"
        "sso_registration_scopes = sso:account:access\n"
    )
    used = _boto3(
        user,
        """
        import boto3
        session = boto3.Session(profile_name="via-sso")
        print(session.get_credentials().get_frozen_credentials().access_key)
        print(session.client("sts").get_caller_identity()["Account"])
        """,
    )
    assert used.returncode == 0, used.stderr
    key, _account = used.stdout.split()
    assert key in sso_fake.state.issued_credentials  # botocore called GetRoleCredentials with stsui's token
    # ... after renewing it with the refresh token and client registration stsui stored
    assert sso_fake.count("CreateToken:refresh_token") == 1
    assert json.loads(_token_file(user).read_text())["accessToken"] in sso_fake.state.access_tokens


def test_a_login_by_the_aws_cli_is_reused(user: Home, sso_fake: SsoFake) -> None:
    token_file = _token_file(user)
    token_file.parent.mkdir(parents=True)
    token_file.write_text(  # what `aws sso login --sso-session work` leaves (no refresh token here)
        json.dumps(
            {
                "startUrl": "https://my-org.awsapps.com/start",
                "region": "eu-west-1",
                "accessToken": sso_fake.issue_token(),
                "expiresAt": "2099-01-01T00:00:00Z",
            }
        )
    )
    os.chmod(token_file, 0o600)
    synced = user.run("sso", "sync", "--json")
    assert synced.returncode == 0, synced.stderr
    assert json.loads(synced.stdout)[0]["roles"] == 9
    _clean(sso_fake, synced)
    login = user.run("sso", "login")
    assert login.returncode == 0 and "logged in to IAM Identity Center until 2099-01-01" in login.stdout
    assert not (user.root / "opened").exists() and sso_fake.count("StartDeviceAuthorization") == 0
    assert user.run("credential-process", "acct-000.Admin").returncode == 0


def test_an_expired_login_is_renewed_with_the_refresh_token(user: Home, sso_fake: SsoFake) -> None:
    assert user.run("sso", "login").returncode == 0
    token_file = _token_file(user)
    data = json.loads(token_file.read_text())
    data["expiresAt"] = "2020-01-01T00:00:00Z"
    token_file.write_text(json.dumps(data))
    sso_fake.expire_access_tokens()
    assume = user.run("assume", "acct-000.Admin")
    assert assume.returncode == 0, assume.stderr
    _clean(sso_fake, assume)
    renewed = json.loads(token_file.read_text())
    assert renewed["accessToken"] != data["accessToken"] and renewed["expiresAt"] > "2026"
    assert (
        sso_fake.count("CreateToken:refresh_token") == 1
        and not (user.root / "opened").read_text().count("\n") > 1
    )


def test_without_a_login_roles_need_login_and_no_browser_opens(user: Home, sso_fake: SsoFake) -> None:
    assert user.run("sso", "login").returncode == 0
    assert user.run("env", "acct-000.Admin").returncode == 0
    assert (user.cache / "sessions" / "acct-000.Admin.json").exists()
    token = json.loads(_token_file(user).read_text())["accessToken"]
    logout = user.run("sso", "logout")
    assert logout.returncode == 0 and "dropped 1 cached role session" in logout.stdout
    assert token not in sso_fake.state.access_tokens and sso_fake.count("Logout") == 1  # ended at the portal
    assert not _token_file(user).exists() and not (user.cache / "sessions" / "acct-000.Admin.json").exists()
    (user.root / "opened").unlink()
    rows = json.loads(user.run("list", "--json").stdout)
    assert {r["status"] for r in rows if r["source"] == "sso"} == {"needs login"}
    for command in (
        ("credential-process", "acct-000.Admin"),
        ("assume", "acct-000.Admin"),
        ("env", "acct-000.Admin"),
    ):
        failed = user.run(*command)
        assert failed.returncode == 1 and "stsui sso login work" in failed.stderr
        assert failed.stdout == "" and "Traceback" not in failed.stderr
    refresh = user.run("refresh", "acct-000.Admin")
    assert refresh.returncode == 1 and "needs a login" in refresh.stderr
    assert not (user.root / "opened").exists()
    _clean(sso_fake, failed, refresh)


def test_roles_that_disappear_are_marked_gone(user: Home, sso_fake: SsoFake) -> None:
    assert user.run("sso", "login").returncode == 0
    sso_fake.state.accounts["100000000001"] = ("acct-001", ["Admin"])
    synced = user.run("sso", "sync", "work", "--json")
    assert json.loads(synced.stdout)[0]["gone"] == 2
    rows = {r["name"]: r for r in json.loads(user.run("list", "--json").stdout)}
    assert rows["acct-001.ReadOnly"]["gone"] is True and rows["acct-001.Admin"]["gone"] is False
    text = user.run("list").stdout
    assert "gone" in next(line for line in text.splitlines() if line.startswith("acct-001.Billing"))
    assert user.run("sso", "sync").returncode == 0  # gone twice: dropped
    rows = {r["name"]: r for r in json.loads(user.run("list", "--json").stdout)}
    assert "acct-001.ReadOnly" not in rows and "acct-001.Admin" in rows


def test_sync_of_500_accounts_with_throttling(user: Home, sso_fake: SsoFake) -> None:
    sso_fake.add_accounts(500)
    sso_fake.state.throttle_every = 25
    sso_fake.state.roles_page = 3
    assert user.run("sso", "login", "--no-sync").returncode == 0
    synced = user.run("sso", "sync", "--json", "--rate", "5000")
    assert synced.returncode == 0, synced.stderr
    summary = json.loads(synced.stdout)[0]
    assert summary["roles"] == 1500 and summary["accounts"] == 500 and summary["failed_accounts"] == []
    assert sso_fake.state.throttled > 10
    assert len(json.loads(user.run("list", "--json").stdout)) == 1501


def test_a_configured_role_from_identity_center_and_a_chain_from_it(user: Home, sso_fake: SsoFake) -> None:
    user.roles.write_text(
        SSO_ROLES
        + textwrap.dedent(
            """
            [roles.billing]
            source_sso = "work"
            account_id = "100000000002"
            sso_role_name = "Billing"

            [roles.deep]
            role_arn = "arn:aws:iam::555555555555:role/Deep"
            source_role = "billing"
            """
        )
    )
    assert user.run("sso", "login", "--no-sync").returncode == 0
    deep = user.run("assume", "deep", "--json")
    assert deep.returncode == 0, deep.stderr
    assert json.loads(deep.stdout)["assumed_role_arn"].startswith(
        "arn:aws:sts::555555555555:assumed-role/Deep/"
    )
    assert sso_fake.count("GetRoleCredentials") == 1
    rows = {r["name"]: r for r in json.loads(user.run("list", "--json").stdout)}
    assert rows["billing"]["source"] == "sso" and rows["billing"]["role"] == "Billing"
    assert user.run("sso", "logout").returncode == 0
    rows = {r["name"]: r for r in json.loads(user.run("list", "--json").stdout)}
    assert rows["billing"]["status"] == "needs login" and rows["deep"]["status"] == "active"
    refresh = user.run("refresh", "deep", "--json")
    assert refresh.returncode == 1 and json.loads(refresh.stdout)[0]["needs_login"] is True
    assert (
        "Role 'billing': IAM Identity Center 'work' needs a login" in json.loads(refresh.stdout)[0]["error"]
    )


def test_login_without_a_browser_prints_the_page_and_code_only(user: Home, sso_fake: SsoFake) -> None:
    login = user.run("sso", "login", "--no-browser", "--no-sync")
    assert login.returncode == 0, login.stderr
    assert "open https://my-org.awsapps.com/start/#/device on any device and enter the code " in login.stderr
    assert "user_code=" not in login.stderr + login.stdout and not (user.root / "opened").exists()
    for secret in sso_fake.state.secrets:
        assert secret not in login.stderr + login.stdout


def test_exec_runs_a_command_as_a_discovered_role(user: Home, sso_fake: SsoFake) -> None:
    assert user.run("sso", "login").returncode == 0
    ran = user.run(
        "exec",
        "acct-002.ReadOnly",
        "--",
        sys.executable,
        "-c",
        "import boto3; print(boto3.client('sts').get_caller_identity()['Account'])",
    )
    assert ran.returncode == 0, ran.stderr
    assert sso_fake.count("GetRoleCredentials") == 1  # the region came from the Identity Center instance


@pytest.mark.parametrize("expires_at", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59"])
def test_a_token_cache_with_an_extreme_expiry_is_logged_in_again_and_out(
    user: Home, sso_fake: SsoFake, expires_at: str
) -> None:
    """A login whose `expiresAt` overflows when converted to UTC is one no reader can use: `sso login`
    makes a new one and `sso logout` removes it, instead of both failing."""
    token_file = _token_file(user)
    token_file.parent.mkdir(parents=True)
    token_file.write_text(
        json.dumps(
            {
                "startUrl": "https://my-org.awsapps.com/start",
                "region": "eu-west-1",
                "accessToken": sso_fake.issue_token(),
                "expiresAt": expires_at,
                "registrationExpiresAt": expires_at,
            }
        )
    )
    os.chmod(token_file, 0o600)
    logout = user.run("sso", "logout")
    assert logout.returncode == 0 and "Traceback" not in logout.stderr, logout.stderr
    login = user.run("sso", "login", "--no-sync")
    assert login.returncode == 0, login.stderr
    assert json.loads(token_file.read_text())["expiresAt"] > "2026"
    assert user.run("sso", "logout").returncode == 0
    _clean(sso_fake, logout, login)
