"""The names and command lines of synced profiles, as botocore splits them."""

from __future__ import annotations

from pathlib import Path

import pytest
from botocore.compat import compat_shell_split

from stsui.cli.running import roles_file_option
from stsui.domain.model import Role
from stsui.domain.synced_profiles import credential_process, prefix_problem, wanted_profiles


@pytest.mark.parametrize(
    "program",
    [
        ["/usr/local/bin/stsui"],
        ["/home/me/my tools/stsui"],
        ["/home/o'brien/$HOME/`x`/stsui"],
        ["/usr/bin/python3", "-m", "stsui"],
    ],
)
def test_botocore_splits_the_line_back_into_the_program_and_its_arguments(program: list[str]) -> None:
    line = credential_process(program, "prod-admin", Path("/etc/my roles.toml"))
    assert line.startswith("'")  # the program is always quoted
    assert compat_shell_split(line) == [
        *program, "--config", "/etc/my roles.toml", "credential-process", "prod-admin",
    ]  # fmt: skip
    assert compat_shell_split(credential_process(program, "r", None)) == [*program, "credential-process", "r"]


def test_the_roles_file_is_named_only_when_an_ide_would_not_find_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert roles_file_option(tmp_path / ".config" / "stsui" / "roles.toml") is None
    assert roles_file_option(tmp_path / "elsewhere.toml") == tmp_path / "elsewhere.toml"


def _role(name: str, profile: str | None = None) -> Role:
    return Role(name, f"arn:aws:iam::111111111111:role/{name}", profile or name, region="eu-west-1")


def test_names_never_meet_a_profile_that_holds_static_keys() -> None:
    roles = [_role("a"), _role("b", profile="stsui-c"), _role("c"), _role("d"), _role("default")]
    wanted, skipped = wanted_profiles(
        roles, prefix="stsui-", command=["/bin/stsui"], roles_file=None, static={"stsui-d"}
    )
    assert [w.name for w in wanted] == ["stsui-a", "stsui-b", "stsui-default"]
    assert {s.name: s.reason.split(",")[0] for s in skipped} == {
        "stsui-c": "'stsui-c' is where `stsui assume b` writes static keys",
        "stsui-d": "the credentials file has keys in a profile 'stsui-d'",
    }
    _, bare = wanted_profiles(roles, prefix="", command=["/bin/stsui"], roles_file=None, static=set())
    assert [s.name for s in bare] == ["a", "c", "d", "default"]  # each is its role's own profile


@pytest.mark.parametrize("prefix", ["a b", "x]", "[", "é-", "q'", "#", "x" * 33])
def test_a_prefix_that_would_break_the_header_is_refused(prefix: str) -> None:
    assert prefix_problem(prefix) is not None


@pytest.mark.parametrize("prefix", ["", "stsui-", "ide/", "work.", "a@b+c=d,e_"])
def test_plain_prefixes_are_taken(prefix: str) -> None:
    assert prefix_problem(prefix) is None
