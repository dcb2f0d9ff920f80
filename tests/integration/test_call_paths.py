"""Which path an STS call takes: direct (standard library) for plain keys, boto3 for everything else."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable

from tests.support.home import Home, modules_added, write_roles


def imported_modules(home: Home, *args: str) -> set[str]:
    """Run the real program with -X importtime; every module it imported, and its top-level package."""
    import subprocess

    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "stsui", *args],
        capture_output=True,
        text=True,
        env=home.env,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    lines = [
        line.split("|")[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")
    ]
    return set(lines) | {name.split(".")[0] for name in lines}


def test_assume_with_static_base_keys_never_loads_boto3(home: Home) -> None:
    modules = imported_modules(home, "assume", "prod-admin")
    assert "boto3" not in modules and "botocore" not in modules
    assert "[prod-admin]" in home.credentials.read_text()


def test_credential_process_with_a_valid_session_loads_no_network_or_ui_code(home: Home) -> None:
    home.wait_until_settled()  # the roles cache then vouches by the file's stat, however slow the machine
    assert home.run("assume", "staging-ro").returncode == 0
    modules = imported_modules(home, "credential-process", "staging-ro")
    assert not modules & {"boto3", "botocore", "textual", "http", "ssl", "xml"}
    # the fast path: no argument parser, no engine, no validator, no credentials-file parser
    assert not modules & {"argparse", "stsui.engine.engine", "stsui.config.load", "stsui.store.ini"}


def test_credential_process_with_a_valid_session_needs_only_json_and_datetime(home: Home) -> None:
    """botocore starts it at every AWS call: the fast path imports none of the modules that cost a third of a
    bare interpreter's start or more (pathlib, dataclasses and inspect, typing) and builds no role."""
    home.wait_until_settled()  # else the first run after the racy window validates the roles file again
    assert home.run("assume", "staging-ro").returncode == 0
    output, added = modules_added(home, "credential-process", "staging-ro")
    assert json.loads(output)["AccessKeyId"].startswith("ASIA")
    heavy = {"pathlib", "dataclasses", "inspect", "typing", "stsui.domain.model", "argparse"}
    assert not added & heavy, added & heavy


def test_a_credential_process_source_profile_goes_through_boto3(
    home: Home, botocore_session: Callable[..., object]
) -> None:
    """A source profile botocore resolves by running a program: stsui leaves it to boto3, and it works."""
    keys = {"Version": 1, "AccessKeyId": "AKIDFROMPROCESS0001", "SecretAccessKey": "process-secret-000"}
    script = home.root / "keys.py"
    script.write_text(f"print({json.dumps(json.dumps(keys))})\n")
    config = home.root / ".aws" / "config"
    config.write_text(
        config.read_text() + f"\n[profile via-process]\ncredential_process = {sys.executable} {script}\n"
    )
    write_roles(
        home,
        """
        [roles.from-process]
        role_arn = "arn:aws:iam::777777777777:role/FromProcess"
        source_profile = "via-process"
        session_name = "tester"
        """,
    )
    modules = imported_modules(home, "assume", "from-process")
    assert "botocore" in modules
    client = botocore_session("from-process").create_client("sts", region_name="eu-west-1")  # type: ignore[attr-defined]
    assert client.get_caller_identity()["Arn"] == "arn:aws:sts::777777777777:assumed-role/FromProcess/tester"
