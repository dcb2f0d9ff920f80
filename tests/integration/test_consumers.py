"""`env`, `credential-process`, `whoami` and `list`, checked by bash and botocore."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta

from tests.integration.test_assume import assert_no_secret
from tests.support.clock import real_now
from tests.support.home import Home, write_roles

PRINT_IDENTITY = (
    "import boto3, os; "
    "print(boto3.client('sts', region_name='eu-west-1').get_caller_identity()['Arn']); "
    "print(os.environ['AWS_CREDENTIAL_EXPIRATION'])"
)


def test_bash_evaluates_env_output(home: Home) -> None:
    stsui = f"{shlex.quote(sys.executable)} -m stsui"
    script = (
        f'eval "$({stsui} env prod-admin)" && {shlex.quote(sys.executable)} -c {shlex.quote(PRINT_IDENTITY)}'
    )
    result = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, env=home.env, check=False, timeout=60
    )
    assert result.returncode == 0, result.stderr
    arn, expiration = result.stdout.split()
    assert arn == "arn:aws:sts::111111111111:assumed-role/Admin/tester"
    assert expiration.endswith("Z")


def test_env_quotes_for_fish_and_powershell(home: Home) -> None:
    fish = home.run("env", "prod-admin", "--shell", "fish")
    assert fish.returncode == 0, fish.stderr
    assert "set -gx AWS_ACCESS_KEY_ID '" in fish.stdout
    ps = home.run("env", "prod-admin", "--shell", "powershell")
    assert "$Env:AWS_SESSION_TOKEN = '" in ps.stdout


def test_env_reuses_the_session_assume_wrote(home: Home) -> None:
    assume = home.run("assume", "prod-admin")
    assert assume.returncode == 0
    env = home.run("env", "prod-admin")
    written = home.credentials.read_text()
    line = next(line for line in env.stdout.splitlines() if "AWS_ACCESS_KEY_ID=" in line)
    key = line.split("=", 1)[1].strip("'")
    assert key.startswith("ASIA")
    assert f"aws_access_key_id = {key}" in written


def add_credential_process_profile(home: Home, profile: str, role: str) -> None:
    command = f"{sys.executable} -m stsui credential-process {role}"
    config = home.root / ".aws" / "config"
    config.write_text(config.read_text() + f"\n[profile {profile}]\ncredential_process = {command}\n")


def test_botocore_runs_credential_process(home: Home, botocore_session: Callable[..., object]) -> None:
    add_credential_process_profile(home, "via-stsui", "staging-ro")
    session = botocore_session("via-stsui")
    client = session.create_client("sts", region_name="eu-west-1")  # type: ignore[attr-defined]
    assert client.get_caller_identity()["Arn"].startswith("arn:aws:sts::222222222222:assumed-role/ReadOnly/")
    credentials = session.get_credentials()  # type: ignore[attr-defined]
    assert credentials.method == "custom-process"


def test_credential_process_reuses_a_valid_session(home: Home) -> None:
    first = home.run("credential-process", "staging-ro")
    second = home.run("credential-process", "staging-ro")
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    one, two = json.loads(first.stdout), json.loads(second.stdout)
    assert one["Version"] == 1
    assert one["Expiration"].endswith("Z")
    assert one["AccessKeyId"] == two["AccessKeyId"]


def test_credential_process_never_prompts_for_mfa(home: Home) -> None:
    result = home.run("credential-process", "mfa-ops")
    assert result.returncode == 1
    assert "MFA" in result.stderr and "mfa-ops" in result.stderr
    assert result.stdout == ""


def test_whoami_base_and_profile(home: Home) -> None:
    base = home.run("whoami", "--json")
    assert base.returncode == 0, base.stderr
    assert json.loads(base.stdout)["Arn"].endswith(":user/moto")
    assert home.run("assume", "prod-admin").returncode == 0
    role = home.run("whoami", "--profile", "prod-admin")
    assert role.returncode == 0, role.stderr
    assert "arn:aws:sts::111111111111:assumed-role/Admin/tester" in role.stdout
    assert_no_secret(home, base.stdout, role.stdout, role.stderr)


def test_list_reports_status_and_time_left(home: Home) -> None:
    assert home.run("assume", "prod-admin").returncode == 0
    expired = (real_now() - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    with home.credentials.open("a") as out:
        out.write(
            "\n[staging-ro]\naws_access_key_id = ASIAOLD\naws_secret_access_key = old\n"
            f"aws_session_token = old\nx_security_token_expires = {expired}\nx_stsui_role = staging-ro\n"
        )
    result = home.run("list", "--json")
    assert result.returncode == 0, result.stderr
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert list(rows) == ["prod-admin", "staging-ro", "mfa-ops", "mfa-audit", "chained"]
    assert rows["prod-admin"]["status"] == "active"
    assert rows["prod-admin"]["account"] == "111111111111"
    assert 3500 < rows["prod-admin"]["seconds_left"] <= 3600
    assert rows["staging-ro"]["status"] == "expired"
    assert rows["staging-ro"]["seconds_left"] == 0
    assert rows["mfa-ops"]["status"] == "inactive"
    assert rows["mfa-ops"]["expires_at"] is None
    table = home.run("list")
    assert "prod-admin" in table.stdout and "active" in table.stdout and "expired" in table.stdout


def test_help_lists_every_command(home: Home) -> None:
    result = home.run("--help")
    for command in (
        "list", "assume", "whoami", "env", "credential-process", "refresh", "forget", "init", "import", "demo"
    ):  # fmt: skip
        assert command in result.stdout


REGION_ROLES = """
[defaults]
source_profile = "default"
session_name = "tester"

[roles.sydney]
role_arn = "arn:aws:iam::111111111111:role/Admin"
region = "ap-southeast-2"

[roles.anywhere]
role_arn = "arn:aws:iam::222222222222:role/Admin"
"""
PRINT_REGION = "import boto3; print(boto3.session.Session().region_name)"


def test_env_sets_the_role_region_for_the_tools_that_read_it(home: Home) -> None:
    """boto3 (AWS_DEFAULT_REGION) and the AWS SDKs and CLI v2 (AWS_REGION) both get the role's region."""
    write_roles(home, REGION_ROLES)
    stsui = f"{shlex.quote(sys.executable)} -m stsui"
    script = (
        f'eval "$({stsui} env sydney)" && echo "$AWS_REGION" && '
        f"{shlex.quote(sys.executable)} -c {shlex.quote(PRINT_REGION)}"
    )
    result = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, env=home.env, check=False, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["ap-southeast-2", "ap-southeast-2"]
    for shell, line in (
        ("fish", "set -gx AWS_REGION 'ap-southeast-2'"),
        ("powershell", "$Env:AWS_REGION = "),
    ):
        assert line in home.run("env", "sydney", "--shell", shell).stdout
    assert "REGION" not in home.run("env", "anywhere").stdout  # no region configured: the user's own stays


MFA_MANUAL = """
[defaults]
source_profile = "default"
session_name = "tester"

[roles.mfa-manual]
role_arn = "arn:aws:iam::333333333333:role/Ops"
mfa_serial = "arn:aws:iam::999999999999:mfa/tester"
auto_refresh = false
"""


def test_list_says_needs_mfa_for_a_due_role_whose_mfa_session_is_gone(home: Home) -> None:
    write_roles(home, MFA_MANUAL)
    assume = home.run("assume", "mfa-manual", "--mfa-code", "123456", "--duration", "15m")
    assert assume.returncode == 0, assume.stderr

    def status() -> str:
        listed = home.run("list", "--json")
        assert listed.returncode == 0, listed.stderr
        return json.loads(listed.stdout)[0]["status"]

    assert status() == "due"  # 15 minutes left: inside refresh_before; the MFA session would renew it
    assert home.run("forget", "--mfa").returncode == 0
    assert status() == "needs MFA"


def test_a_15_minute_role_loads_and_list_says_what_botocore_will_do(home: Home) -> None:
    """`duration = 900` alone is legal (it made every command exit 2); list explains the short session."""
    write_roles(
        home,
        """
        [defaults]
        source_profile = "default"

        [roles.short]
        role_arn = "arn:aws:iam::111111111111:role/Short"
        duration = 900

        [roles.hour]
        role_arn = "arn:aws:iam::222222222222:role/Hour"
        """,
    )
    listed = home.run("list", "--json")
    assert listed.returncode == 0, listed.stderr
    rows = {row["name"]: row for row in json.loads(listed.stdout)}
    assert rows["short"]["refresh_before"] == 225 and rows["hour"]["refresh_before"] == 900
    assert "botocore's 15-minute refresh window" in rows["short"]["note"]
    assert "the whole session" in rows["short"]["note"]
    assert rows["hour"]["note"] is None
    table = home.run("list").stdout
    assert "note: short: renewed with 3m45s left" in table and "note: hour" not in table
    assert home.run("assume", "short").returncode == 0
