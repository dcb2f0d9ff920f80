"""The credential-process fast path answers only when the full command would give the same answer: it skips
work (validation, the credentials file), never rules (the validated roles, the session cache, the reuse rule,
the parser's reading of argv)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from stsui.cli.grammar import CONFIG_OPTION, CREDENTIAL_PROCESS, plain_credential_process
from stsui.cli.main import main
from stsui.cli.quick import credential_process
from stsui.cli.wiring import load_roles
from stsui.domain.model import Credentials, Session
from stsui.domain.paths import cache_dir, config_path
from stsui.store.cache import SessionCache
from tests.support.clock import moment, real_now, real_ns
from tests.support.grammar import parsed_by_the_parser

ROLES = """\
[defaults]
refresh_before = "10m"

[roles.admin]
role_arn = "arn:aws:iam::111111111111:role/Admin"
"""
ARN = "arn:aws:sts::111111111111:assumed-role/Admin/tester"
SYNCED = moment(2026, 12, 1)
"""When the discovery cache says it was synced: nothing compares it with a clock."""


def cache_session(left: timedelta, arn: str = ARN, role: str = "admin") -> Session:
    expiration = (real_now() + left).replace(microsecond=0)
    session = Session(role, Credentials("ASIAFAST", "fast-secret", "fast-token", expiration), arn)
    SessionCache.under(cache_dir()).put(session)
    return session


@pytest.fixture(autouse=True)
def settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """The clock long after the roles file was written, so the cache vouches for it by its stat alone."""
    from stsui.store import stamps

    later = real_ns() + 10**11
    monkeypatch.setattr(stamps, "now_ns", lambda: later)


@pytest.fixture
def roles(isolated_home: Path) -> Path:
    """The roles file, validated once (as any full command does), so its roles are in the cache."""
    path = config_path(None)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(ROLES)
    load_roles(path)
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


def test_a_roles_file_never_validated_goes_to_the_full_command(
    isolated_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = config_path(None)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(ROLES)
    cache_session(timedelta(minutes=30))
    assert credential_process(["credential-process", "admin"]) is None


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


MISSPELT = ROLES + 'durration = "1h"\n'


def test_a_misspelt_key_in_the_role_fails_credential_process_as_it_fails_env(
    roles: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The bug: the fast path read the roles file with its own rules and handed out a session for a role
    every other command rejects. Now the role must have passed the one validation."""
    cache_session(timedelta(minutes=30))
    roles.write_text(MISSPELT)
    assert main(["credential-process", "admin"]) == 2
    process_error = capsys.readouterr()
    assert process_error.out == ""
    assert main(["env", "admin"]) == 2
    env_error = capsys.readouterr()
    assert "durration" in env_error.err and "did you mean 'duration'" in env_error.err
    assert process_error.err == env_error.err


@pytest.mark.parametrize(
    "argv",
    [
        ["credential-process", "admin"],
        ["--config", "x.toml", "credential-process", "admin"],
        ["--config=x.toml", "credential-process", "admin"],
        ["--config=", "credential-process", "admin"],
        ["--config", "-x", "credential-process", "admin"],
        ["--config", "credential-process", "admin"],
        ["credential-process", "-h"],
        ["credential-process", "--", "admin"],
        ["credential-process", "admin", "other"],
        ["credential-process"],
        ["--conf", "x.toml", "credential-process", "admin"],
        ["credential-process", ""],
        ["list", "credential-process"],
    ],
)
def test_the_fast_grammar_reads_argv_as_the_parser_does(argv: list[str]) -> None:
    """Whatever the fast path accepts, argparse (built from the same names) reads the same way."""
    fast = plain_credential_process(argv)
    if fast is None:
        return
    parsed = parsed_by_the_parser(argv)
    assert (parsed.command, parsed.config, parsed.name) == (CREDENTIAL_PROCESS, fast[0], fast[1])
    assert CONFIG_OPTION.startswith("--")


SSO = """
[sso.work]
start_url = "https://my-org.awsapps.com/start"
region = "eu-west-1"
profile_template = "{account_name}{role_name}"
"""


def test_stsui_alone_is_what_the_parser_makes_of_no_arguments() -> None:
    """`stsui` with no arguments starts the TUI without building the parser (every subcommand's): the same
    arguments the parser would give."""
    from stsui.cli.parser import build_parser, no_arguments

    assert vars(no_arguments()) == vars(build_parser().parse_args([]))


def test_a_role_discovered_through_identity_center_is_answered_as_the_full_command_answers(
    isolated_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Named as every command names it (after the roles file's own roles: `admin` is taken, so the discovered
    one gets its account appended), and handed out under the same reuse rule, without validating anything
    or reading the discovery cache (the roles cache holds the named roles: one lookup for 20,000)."""
    from stsui.cli.main import run
    from stsui.config.load import load_config
    from stsui.domain.exports import credential_process_json
    from stsui.domain.sso import DiscoveredRole
    from stsui.engine.discovered_roles import default_discovery_cache, with_discovered
    from stsui.store.sso_cache import DiscoveryCache

    path = config_path(None)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(ROLES + SSO)
    found = [
        DiscoveredRole("work", "333333333333", "ad", "min"),
        DiscoveredRole("work", "444444444444", "shared", "Dev"),
    ]
    default_discovery_cache().put("work", "https://my-org.awsapps.com/start", found, SYNCED)
    load_roles(path)  # validated once, as any full command does
    names = list(with_discovered(load_config(path), default_discovery_cache()).roles)
    assert names == ["admin", "admin.333333333333", "sharedDev"]
    for name, account, role_name in (
        ("admin.333333333333", "333333333333", "min"),
        ("sharedDev", "444444444444", "Dev"),
    ):
        arn = f"arn:aws:sts::{account}:assumed-role/{role_name}/tester"
        session = cache_session(timedelta(minutes=30), arn, role=name)
        with monkeypatch.context() as patch:
            patch.setattr(DiscoveryCache, "get", None)  # never read on the fast path
            assert credential_process(["credential-process", name]) == 0
        fast = capsys.readouterr().out
        assert fast == credential_process_json(session) + "\n"
        assert run(["credential-process", name]) == 0
        assert capsys.readouterr().out == fast
    cache_session(timedelta(minutes=30), "arn:aws:sts::444444444444:assumed-role/Dev/tester", role="nosuch")
    assert credential_process(["credential-process", "nosuch"]) is None
    cache_session(timedelta(minutes=5), "arn:aws:sts::444444444444:assumed-role/Dev/tester", role="sharedDev")
    assert credential_process(["credential-process", "sharedDev"]) is None  # due: the full command renews it
