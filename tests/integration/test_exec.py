"""`stsui exec`: the child acts as the role (through the server or plain keys), whatever the files say."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

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


def _serve(home: Home) -> tuple[subprocess.Popen[str], dict[str, object]]:
    """The user's agent (`stsui serve`), once it serves, and what its agent file says."""
    agent = subprocess.Popen(
        [sys.executable, "-m", "stsui", "serve"], env=home.env, stderr=subprocess.PIPE, text=True
    )
    assert agent.stderr is not None
    for line in agent.stderr:
        if "serving" in line:
            return agent, json.loads((home.cache / "agent.json").read_text())
    raise AssertionError("stsui serve ended before serving")


def _exec_in_background(home: Home, role: str, child: str, *, stdin: int) -> subprocess.Popen[str]:
    """`stsui exec ROLE -- python -c CHILD` with no terminal, in a session of its own (so a test can end
    the command too, should exec leave it running)."""
    return subprocess.Popen(
        [sys.executable, "-m", "stsui", "exec", role, "--", sys.executable, "-c", child],
        env=home.env,
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _stop(agent: subprocess.Popen[str]) -> None:
    agent.send_signal(signal.SIGTERM)
    agent.communicate(timeout=30)


def test_the_child_acts_as_the_role_its_own_roles_file_defines_whatever_the_agent_serves(
    home: Home, tmp_path: Path
) -> None:
    """The agent serves roles file A; exec with roles file B (or A edited since) must not run its child as
    A's role of the same name, in another account."""
    agent, _ = _serve(home)
    try:
        other = tmp_path / "other.toml"
        other.write_text(home.roles.read_text().replace("111111111111:role/Admin", "777777777777:role/Admin"))
        seen = _who(home, env={"STSUI_CONFIG": str(other)})
        assert seen["arn"].startswith("arn:aws:sts::777777777777:assumed-role/Admin/")
        home.roles.write_text(
            home.roles.read_text().replace("111111111111:role/Admin", "888888888888:role/Ops")
        )
        seen = _who(home)
        assert seen["arn"].startswith("arn:aws:sts::888888888888:assumed-role/Ops/")
    finally:
        _stop(agent)


LONG_CHILD = """
import json, os, sys, time, urllib.error, urllib.request
from botocore.credentials import ContainerProvider

uri = os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"]
token = os.environ["AWS_CONTAINER_AUTHORIZATION_TOKEN"]

def fetch():
    return ContainerProvider().load().get_frozen_credentials().access_key

def status(url):
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers={"Authorization": token})) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code

before = fetch()
other = status(uri.replace("/roles/short/", "/roles/prod-admin/"))
print(json.dumps({"uri": uri}), flush=True)
sys.stdin.readline()  # the agent has stopped
after = fetch()
deadline = time.monotonic() + 30
renewed = after
while renewed == after and time.monotonic() < deadline:
    time.sleep(0.2)
    renewed = fetch()
print(json.dumps({"other": other, "after": after == before, "renewed": renewed != after}), flush=True)
"""


def test_a_long_child_keeps_its_own_route_after_the_agent_stops_and_across_a_renewal(home: Home) -> None:
    """The child's route is exec's, for exactly as long as the child runs: it opens the child's one role
    only, nobody can bind its port meanwhile, and the agent going away changes nothing for the child."""
    import socket

    home.roles.write_text(
        home.roles.read_text() + '\n[roles.short]\nrole_arn = "arn:aws:iam::666666666666:role/Short"\n'
        'duration = 900\nrefresh_before = "14m50s"\n'
    )  # renewed 5 s after it was obtained
    agent, address = _serve(home)
    child = _exec_in_background(home, "short", LONG_CHILD, stdin=subprocess.PIPE)
    try:
        assert child.stdout is not None and child.stdin is not None
        started = json.loads(child.stdout.readline() or "{}")
        assert started, child.stderr.read() if child.stderr else ""
        port = int(started["uri"].split(":")[2].split("/")[0])
        assert not started["uri"].startswith(str(address["url"]))
        _stop(agent)
        with pytest.raises(OSError), socket.socket() as squatter:
            squatter.bind(("127.0.0.1", port))
        child.stdin.write("go\n")
        child.stdin.flush()
        ended = json.loads(child.stdout.readline() or "{}")
        assert ended == {"other": 404, "after": True, "renewed": True}
        child.communicate(timeout=30)
        assert child.returncode == 0
    finally:
        if agent.poll() is None:
            _stop(agent)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)
        child.wait()
    with socket.socket() as reuser:  # the route went with the child
        reuser.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        reuser.bind(("127.0.0.1", port))


@pytest.mark.parametrize("sent", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_sent_to_exec_itself_ends_the_command(home: Home, sent: signal.Signals) -> None:
    """`kill -INT <exec pid>`, `timeout -s INT`, a CI runner cancelling: stsui passes it on."""
    child = (
        "import signal, time; signal.signal(signal.SIGINT, signal.SIG_DFL); print('ready', flush=True); "
        "time.sleep(120)"
    )
    process = _exec_in_background(home, "prod-admin", child, stdin=subprocess.DEVNULL)
    try:
        assert process.stdout is not None and process.stdout.readline() == "ready\n"
        process.send_signal(sent)
        assert process.wait(timeout=30) == 128 + sent
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # the command too, if it was left running
        process.communicate()


CONFIG_CHILD = "import os, sys; print(os.environ['AWS_CONFIG_FILE'], flush=True); sys.stdin.readline()"


def test_a_killed_execs_config_copy_is_removed_by_the_next_exec_and_a_live_ones_kept(home: Home) -> None:
    """A SIGKILL leaves exec no chance to remove its copy of ~/.aws/config; the next exec removes every
    copy whose exec is gone (it holds no lock on it any more), never one whose exec still runs."""
    live = _exec_in_background(home, "prod-admin", CONFIG_CHILD, stdin=subprocess.PIPE)
    killed = _exec_in_background(home, "prod-admin", CONFIG_CHILD, stdin=subprocess.PIPE)
    try:
        assert live.stdout is not None and killed.stdout is not None
        live_copy, killed_copy = Path(live.stdout.readline().strip()), Path(killed.stdout.readline().strip())
        os.kill(killed.pid, signal.SIGKILL)
        killed.wait()
        assert killed_copy.is_file() and live_copy.is_file()
        assert home.run("exec", "prod-admin", "--", sys.executable, "-c", "pass").returncode == 0
        assert not killed_copy.exists()
        assert live_copy.is_file()
        live.communicate("\n", timeout=30)
        assert live.returncode == 0 and not live_copy.exists()
    finally:
        for process in (live, killed):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
