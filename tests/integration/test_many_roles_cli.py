"""The command line as a daily driver, the real program against moto (through a proxy that counts STS calls):
several roles at once, a group, a region per session, confirmation, and the history it keeps."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from stsui.store.credentials_file import CredentialsFile
from tests.support.counting_proxy import CountingProxy, counting_proxy
from tests.support.home import Home
from tests.support.pseudo_terminal import on_a_terminal

ROLES = """\
[defaults]
source_profile = "default"
region = "eu-west-1"
session_name = "tester"

[groups.prod]
color = "red"
confirm = true

[roles.prod-admin]
role_arn = "arn:aws:iam::111111111111:role/Admin"
group = "prod"

[roles.prod-ro]
role_arn = "arn:aws:iam::111111111112:role/ReadOnly"
group = "prod"
confirm = false

[roles.dev]
role_arn = "arn:aws:iam::222222222222:role/Dev"
group = "dev"

[roles.mfa-a]
role_arn = "arn:aws:iam::333333333333:role/A"
mfa_serial = "arn:aws:iam::999999999999:mfa/tester"
group = "ops"

[roles.mfa-b]
role_arn = "arn:aws:iam::333333333334:role/B"
mfa_serial = "arn:aws:iam::999999999999:mfa/tester"
group = "ops"

[roles.mfa-c]
role_arn = "arn:aws:iam::333333333335:role/C"
mfa_serial = "arn:aws:iam::999999999999:mfa/tester"
group = "ops"

[roles.china]
role_arn = "arn:aws-cn:iam::444444444444:role/China"
region = "cn-north-1"
"""


@pytest.fixture
def proxy(home: Home) -> Iterator[CountingProxy]:
    home.roles.write_text(ROLES)
    with counting_proxy(home.env["AWS_ENDPOINT_URL_STS"]) as started:
        home.env["AWS_ENDPOINT_URL_STS"] = started.url
        yield started


def takes(home: Home) -> list[str]:
    path = home.root / ".local" / "state" / "stsui" / "recents.json"
    return [name for name, _ in json.loads(path.read_text())["takes"]] if path.exists() else []


# -- several roles, a group ------------------------------------------------------------------------------


def test_three_roles_sharing_a_device_take_one_code_and_one_get_session_token(
    home: Home, proxy: CountingProxy
):
    result = home.run("assume", "mfa-a", "mfa-b", "mfa-c", "--mfa-code", "123456")
    assert result.returncode == 0, result.stderr
    assert proxy.count("GetSessionToken") == 1
    assert proxy.count("AssumeRole") == 3
    lines = result.stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == ["mfa-a", "mfa-b", "mfa-c"]  # the order asked
    assert "stsui: Assumed 3 of 3 roles." in result.stderr
    entries = CredentialsFile(home.credentials).read()
    assert {entries[name].owner_role for name in ("mfa-a", "mfa-b", "mfa-c")} == {"mfa-a", "mfa-b", "mfa-c"}


def test_one_failed_role_gets_its_line_and_exit_code_1(home: Home, proxy: CountingProxy) -> None:
    home.roles.write_text(ROLES + '\n[roles.broken]\nrole_arn = "arn:aws:iam::555555555555:role/B"\n'
                          'source_profile = "missing"\ngroup = "dev"\n')  # fmt: skip
    result = home.run("assume", "--group", "dev", "--json")
    assert result.returncode == 1
    rows = json.loads(result.stdout)
    assert [row["name"] for row in rows] == ["dev", "broken"]
    assert rows[0]["profile"] == "dev" and rows[1]["ok"] is False and "broken" in rows[1]["error"]
    text = home.run("assume", "--group", "dev")
    assert text.returncode == 1
    assert text.stdout.startswith("dev: wrote profile 'dev'")
    assert "stsui: Assumed 1 of 2 roles; 1 failed: broken." in text.stderr
    assert "stsui: AssumeRole for role 'broken' failed: The config profile (missing)" in text.stderr


def test_a_group_refreshes_and_forgets_together(home: Home, proxy: CountingProxy) -> None:
    assert home.run("assume", "--group", "ops", "--mfa-code", "123456").returncode == 0
    refreshed = home.run("refresh", "--group", "ops")
    assert refreshed.returncode == 0, refreshed.stderr
    assert refreshed.stdout.count("renewed profile") == 3
    assert proxy.count("GetSessionToken") == 1  # the MFA session is reused by the renewals
    forgotten = home.run("forget", "--group", "ops")
    assert forgotten.returncode == 0 and forgotten.stdout.count("removed profile") == 3
    assert not {"mfa-a", "mfa-b", "mfa-c"} & set(CredentialsFile(home.credentials).read())


def test_an_unknown_group_is_a_usage_error_with_a_hint(home: Home, proxy: CountingProxy) -> None:
    result = home.run("assume", "--group", "prdo")
    assert result.returncode == 2
    assert "is in group 'prdo' (did you mean 'prod'?)" in result.stderr
    assert sum(proxy.actions.values()) == 0


def test_devices_need_codes_asked_once_each_so_one_flag_for_two_is_refused(home: Home, proxy: CountingProxy):
    home.roles.write_text(
        ROLES.replace('mfa_serial = "arn:aws:iam::999999999999:mfa/tester"\ngroup = "ops"\n\n[roles.mfa-c]',
                      'mfa_serial = "arn:aws:iam::999999999999:mfa/other"\ngroup = "ops"\n\n[roles.mfa-c]')
    )  # fmt: skip
    result = home.run("assume", "--group", "ops", "--mfa-code", "123456")
    assert result.returncode == 2 and "codes of 2 MFA devices" in result.stderr
    assert sum(proxy.actions.values()) == 0


# -- a region per session --------------------------------------------------------------------------------


def test_region_reaches_the_profile_and_a_live_session_keeps_its_keys(
    home: Home, proxy: CountingProxy
) -> None:
    assert home.run("assume", "dev").returncode == 0
    first = CredentialsFile(home.credentials).read_session("dev", "dev")
    assert first is not None and first.region == "eu-west-1"
    moved = home.run("assume", "dev", "--region", "us-west-2")
    assert moved.returncode == 0, moved.stderr
    assert "in us-west-2 (reused a session" in moved.stdout
    second = CredentialsFile(home.credentials).read_session("dev", "dev")
    assert second is not None and second.region == "us-west-2"
    assert second.credentials == first.credentials
    assert proxy.count("AssumeRole") == 1
    renewed = home.run("refresh", "dev")
    assert renewed.returncode == 0
    third = CredentialsFile(home.credentials).read_session("dev", "dev")
    assert third is not None and third.region == "us-west-2"  # a renewal keeps the session's region
    assert third.credentials != first.credentials


def test_botocore_reads_the_region_of_the_profile(home: Home, proxy: CountingProxy) -> None:
    assert home.run("assume", "dev", "--region", "ap-southeast-2").returncode == 0
    code = "import botocore.session as s; print(s.Session(profile='dev').get_config_variable('region'))"
    env = {**home.env, "AWS_CONFIG_FILE": os.devnull}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "ap-southeast-2"


def test_env_exports_the_region_a_shell_then_evaluates(home: Home, proxy: CountingProxy) -> None:
    result = home.run("env", "dev", "--region", "eu-central-1")
    assert result.returncode == 0, result.stderr
    shell = subprocess.run(
        ["sh", "-c", f'{result.stdout}\necho "$AWS_REGION $AWS_DEFAULT_REGION"'],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert shell.stdout.strip() == "eu-central-1 eu-central-1"


def test_exec_gives_the_child_the_region(home: Home, proxy: CountingProxy) -> None:
    child = "import os; print(os.environ['AWS_REGION'], os.environ['AWS_DEFAULT_REGION'])"
    result = home.run(
        "exec", "dev", "--region", "sa-east-1", "--no-server", "--", sys.executable, "-c", child
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "sa-east-1 sa-east-1"


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("assume", "china", "--region", "us-east-1"), "role 'china' is in the aws partition, not aws-cn"),
        (("assume", "dev", "--region", "us-est-1"), "us-est-1 for role 'dev' is not a region botocore knows"),
        (("env", "dev", "--region", "cn-north-1"), "cn-north-1 for role 'dev' is in the aws-cn partition"),
        (("exec", "dev", "--region", "mars-1", "--", "true"), "mars-1 for role 'dev' is not a region"),
        (("shell-use", "dev", "--region", "eu-west-9"), "eu-west-9 for role 'dev' is not a region"),
        (("console", "dev", "--region", "cn-north-1", "--print"), "for role 'dev' is in the aws-cn"),
    ],
)  # fmt: skip
def test_a_bad_region_is_exit_2_before_any_request(
    home: Home, proxy: CountingProxy, args: tuple[str, ...], needle: str
) -> None:
    result = home.run(*args)
    assert result.returncode == 2, result.stderr
    assert needle in result.stderr and "Traceback" not in result.stderr
    assert sum(proxy.actions.values()) == 0


# -- confirmation ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ("assume", "prod-admin"),
        ("assume", "--group", "prod"),
        ("env", "prod-admin"),
        ("shell-use", "prod-admin"),
        ("exec", "prod-admin", "--", "true"),
        ("console", "prod-admin", "--print"),
    ],
)
def test_a_confirm_role_without_a_terminal_is_refused_unless_yes(
    home: Home, proxy: CountingProxy, args: tuple[str, ...]
) -> None:
    refused = home.run(*args)
    assert refused.returncode == 2, refused.stderr
    assert "Role 'prod-admin' (account 111111111111) asks to be confirmed" in refused.stderr
    assert "pass --yes" in refused.stderr and sum(proxy.actions.values()) == 0
    if (
        args[0] != "console"
    ):  # the console's link needs the federation endpoint (tests/integration/test_console)
        done = home.run(*args, "--yes") if "--" not in args else home.run(*args[:2], "--yes", *args[2:])
        assert done.returncode == 0, done.stderr


def test_credential_process_serves_a_confirm_role_without_asking(home: Home, proxy: CountingProxy) -> None:
    result = home.run("credential-process", "prod-admin")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["Version"] == 1
    assert takes(home) == []  # a background caller takes nothing


def run_on_a_terminal(home: Home, *args: str, answer: bytes) -> tuple[int, str]:
    """stdin and stderr on a terminal, stdout a pipe (as in `sts`); `answer` typed once it asks."""
    return on_a_terminal(args, home.env, answer=answer)


def test_a_confirm_role_asks_on_the_terminal_and_y_goes_on(home: Home, proxy: CountingProxy) -> None:
    code, shown = run_on_a_terminal(home, "assume", "prod-admin", answer=b"y\n")
    assert "Assume role 'prod-admin' (account 111111111111)? [y/N]" in shown
    assert code == 0, shown
    assert proxy.count("AssumeRole") == 1


def test_anything_but_yes_cancels_before_any_request(home: Home, proxy: CountingProxy) -> None:
    code, shown = run_on_a_terminal(home, "shell-use", "prod-admin", answer=b"\n")
    assert code == 1
    assert "Did not use in this shell role 'prod-admin' (account 111111111111): not confirmed." in shown
    assert sum(proxy.actions.values()) == 0


def test_a_group_asks_once_naming_the_roles_that_ask(home: Home, proxy: CountingProxy) -> None:
    code, shown = run_on_a_terminal(home, "assume", "prod-admin", "prod-ro", "dev", answer=b"yes\n")
    assert shown.count("[y/N]") == 1 and "role 'prod-admin' (account 111111111111)?" in shown
    assert "prod-ro" not in shown.split("[y/N]")[0]  # confirm = false beats its group's
    assert code == 0, shown


# -- history -----------------------------------------------------------------------------------------------


def test_commands_that_take_a_role_keep_it_and_list_sorts_by_it(home: Home, proxy: CountingProxy) -> None:
    assert home.run("assume", "dev").returncode == 0
    assert home.run("env", "china").returncode == 0
    assert home.run("assume", "dev").returncode == 0
    assert home.run("exec", "mfa-a", "--mfa-code", "123456", "--no-server", "--", "true").returncode == 0
    assert takes(home) == ["dev", "china", "dev", "mfa-a"]
    recent = home.run("list", "--sort", "recent", "--json")
    # dev was taken twice; china and mfa-a once at the same moment: file order
    assert [row["name"] for row in json.loads(recent.stdout)][:3] == ["dev", "mfa-a", "china"]
    plain = home.run("list", "--json")
    assert json.loads(plain.stdout)[0]["name"] == "prod-admin"  # file order by default
    state = home.root / ".local" / "state" / "stsui"
    assert oct(os.stat(state).st_mode & 0o777) == "0o700"
    assert oct(os.stat(state / "recents.json").st_mode & 0o777) == "0o600"


def test_pin_puts_roles_first_in_recent_order_and_remove_unpins(home: Home, proxy: CountingProxy) -> None:
    done = home.run("pin", "china", "dev")
    assert done.returncode == 0 and done.stdout == "china: pinned.\ndev: pinned.\n"
    assert home.run("pin").stdout == "china\ndev\n"
    recent = json.loads(home.run("list", "--sort", "recent", "--json").stdout)
    assert [row["name"] for row in recent][:2] == ["dev", "china"]  # pins in file order (nothing taken)
    assert (
        recent[0]["color"] is None and {row["name"]: row["confirm"] for row in recent}["prod-admin"] is True
    )
    assert home.run("pin", "--remove", "dev").stdout == "dev: not pinned.\n"
    assert home.run("pin").stdout == "china\n"
    unknown = home.run("pin", "nope")
    assert unknown.returncode == 2 and "No role named 'nope'" in unknown.stderr
