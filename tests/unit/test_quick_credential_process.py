"""The credential-process fast path answers only when the full command would give the same answer."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from stsui.cli.quick import credential_process
from stsui.domain.model import Credentials, Session
from stsui.domain.paths import cache_dir, config_path
from stsui.store.cache import SessionCache

ROLES = """\
[defaults]
refresh_before = "10m"

[roles.admin]
role_arn = "arn:aws:iam::111111111111:role/Admin"
"""
ARN = "arn:aws:sts::111111111111:assumed-role/Admin/tester"


def cache_session(left: timedelta, arn: str = ARN, role: str = "admin") -> Session:
    expiration = (datetime.now(UTC) + left).replace(microsecond=0)
    session = Session(role, Credentials("ASIAFAST", "fast-secret", "fast-token", expiration), arn)
    SessionCache(cache_dir() / "sessions").put(session)
    return session


@pytest.fixture
def roles(isolated_home: Path) -> Path:
    path = config_path(None)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(ROLES)
    return path


def test_a_fresh_cached_session_is_printed(roles: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from stsui.domain.exports import credential_process_json

    session = cache_session(timedelta(minutes=30))
    assert credential_process(["credential-process", "admin"]) == 0
    assert capsys.readouterr().out == credential_process_json(session) + "\n"


def test_config_flag_is_understood(roles: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cache_session(timedelta(minutes=30))
    assert credential_process(["--config", str(roles), "credential-process", "admin"]) == 0
    assert json.loads(capsys.readouterr().out)["AccessKeyId"] == "ASIAFAST"


@pytest.mark.parametrize(
    ("left", "arn", "argv"),
    [
        (timedelta(minutes=9), ARN, ["credential-process", "admin"]),  # inside refresh_before (10m)
        (
            timedelta(minutes=30),
            "arn:aws:sts::222222222222:assumed-role/Admin/t",
            ["credential-process", "admin"],
        ),
        (timedelta(minutes=30), ARN, ["credential-process", "nosuch"]),
        (timedelta(minutes=30), ARN, ["credential-process", "admin", "--extra"]),
        (timedelta(minutes=30), ARN, ["credential-process", "../admin"]),
    ],
    ids=["due", "other-role-arn", "unknown-role", "other-arguments", "path-in-name"],
)
def test_anything_else_goes_to_the_full_command(
    roles: Path, capsys: pytest.CaptureFixture[str], left: timedelta, arn: str, argv: list[str]
) -> None:
    cache_session(left, arn)
    assert credential_process(argv) is None
    assert capsys.readouterr().out == ""


def test_a_broken_roles_file_or_cache_goes_to_the_full_command(
    roles: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache_session(timedelta(minutes=30))
    (cache_dir() / "sessions" / "admin.json").write_text("{not json")
    assert credential_process(["credential-process", "admin"]) is None
    roles.write_text("[roles.admin\n")
    assert credential_process(["credential-process", "admin"]) is None
    assert capsys.readouterr().out == ""
