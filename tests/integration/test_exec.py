"""`stsui exec`: the child acts as the role (through the server or plain keys), whatever the files say."""

from __future__ import annotations

import json
import signal
import sys

from tests.support.home import BASE_SECRET, Home

WHO = (
    "import boto3, json, os; "
    "i = boto3.client('sts').get_caller_identity(); "
    "print(json.dumps({'arn': i['Arn'], 'profile': os.environ.get('AWS_PROFILE'), "
    "'region': os.environ.get('AWS_REGION'), 'role': os.environ.get('STSUI_ROLE'), "
    "'uri': os.environ.get('AWS_CONTAINER_CREDENTIALS_FULL_URI')}))"
)


def _who(home: Home, *extra: str, env: dict[str, str] | None = None) -> dict[str, str]:
    result = home.run("exec", "prod-admin", *extra, "--", sys.executable, "-c", WHO, env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_child_acts_as_the_role_through_the_server_despite_default_keys(home: Home) -> None:
    seen = _who(home, env={"AWS_PROFILE": "personal", "AWS_ACCESS_KEY_ID": "AKIDSTALE0000000000"})
    assert seen["arn"].startswith("arn:aws:sts::111111111111:assumed-role/Admin/")
    assert seen["uri"].startswith("http://127.0.0.1:") and seen["uri"].endswith(
        "/roles/prod-admin/credentials"
    )
    assert seen["role"] == "prod-admin" and seen["region"] == "eu-west-1"
    assert seen["profile"] != "personal"


def test_child_still_sees_the_users_other_profiles(home: Home) -> None:
    code = "import boto3; s = boto3.Session(profile_name='personal'); print(s.get_credentials().access_key)"
    result = home.run("exec", "prod-admin", "--", sys.executable, "-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "AKIDPERSONAL00000001"


def test_no_server_passes_plain_keys(home: Home) -> None:
    seen = _who(home, "--no-server")
    assert seen["arn"].startswith("arn:aws:sts::111111111111:assumed-role/Admin/")
    assert seen["uri"] is None


def test_exit_status_and_signals_are_the_childs(home: Home) -> None:
    assert home.run("exec", "prod-admin", "--", sys.executable, "-c", "raise SystemExit(7)").returncode == 7
    killed = home.run("exec", "prod-admin", "--", sys.executable, "-c", "import os; os.kill(os.getpid(), 15)")
    assert killed.returncode == 128 + signal.SIGTERM


def test_a_command_that_cannot_start_is_127_with_a_sentence(home: Home) -> None:
    result = home.run("exec", "prod-admin", "--", "no-such-command-stsui")
    assert result.returncode == 127
    assert "no-such-command-stsui" in result.stderr and "Traceback" not in result.stderr


def test_exec_inside_exec_is_refused_unless_forced(home: Home) -> None:
    nested = [sys.executable, "-m", "stsui", "exec", "prod-admin", "--", sys.executable, "-c", "pass"]
    code = f"import subprocess, sys; sys.exit(subprocess.run({nested!r}).returncode)"
    refused = home.run("exec", "prod-admin", "--", sys.executable, "-c", code)
    assert refused.returncode == 2
    assert "already runs inside 'stsui exec'" in refused.stderr
    forced = [*nested[:4], "--force", *nested[4:]]
    code = f"import subprocess, sys; sys.exit(subprocess.run({forced!r}).returncode)"
    assert home.run("exec", "prod-admin", "--", sys.executable, "-c", code).returncode == 0


def test_no_secret_on_the_terminal(home: Home) -> None:
    result = home.run("exec", "prod-admin", "--", sys.executable, "-c", "pass")
    assert result.returncode == 0
    cached = json.loads((home.cache / "sessions" / "prod-admin.json").read_text())
    for secret in (cached["SecretAccessKey"], cached["SessionToken"], BASE_SECRET):
        assert secret not in result.stdout + result.stderr


def test_the_config_copy_is_removed_when_the_child_ends(home: Home) -> None:
    result = home.run(
        "exec", "prod-admin", "--", sys.executable, "-c", "import os; print(os.environ['AWS_CONFIG_FILE'])"
    )
    assert result.returncode == 0, result.stderr
    from pathlib import Path

    copy = Path(result.stdout.strip())
    assert copy.name.endswith(".config") and not copy.exists()


RENEWING = """
import time, boto3
session = boto3.Session()
credentials = session.get_credentials()
first = credentials.get_frozen_credentials().access_key
deadline = time.monotonic() + 30
while credentials.get_frozen_credentials().access_key == first and time.monotonic() < deadline:
    time.sleep(0.2)
second = credentials.get_frozen_credentials().access_key
arn = session.client("sts").get_caller_identity()["Arn"]
print(first != second, arn)
"""


def test_a_command_keeps_working_across_a_renewal(home: Home) -> None:
    """A 15-minute session renewed 5 s after it was served: the SDK picks up the new one by itself."""
    home.roles.write_text(
        home.roles.read_text() + '\n[roles.short]\nrole_arn = "arn:aws:iam::666666666666:role/Short"\n'
        'duration = 900\nrefresh_before = "14m50s"\n'
    )
    result = home.run("exec", "short", "--", sys.executable, "-c", RENEWING)
    assert result.returncode == 0, result.stderr
    renewed, arn = result.stdout.split()
    assert renewed == "True" and arn.startswith("arn:aws:sts::666666666666:assumed-role/Short/")


def test_the_aws_cli_acts_as_the_role_through_the_server(home: Home) -> None:
    """The AWS CLI's own container provider reads the route `exec` hands it, despite `[default]` keys."""
    command = [sys.executable, "-m", "awscli", "sts", "get-caller-identity", "--output", "json"]
    result = home.run("exec", "prod-admin", "--", *command)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["Arn"].startswith("arn:aws:sts::111111111111:assumed-role/Admin/")
    assert BASE_SECRET not in result.stdout + result.stderr
