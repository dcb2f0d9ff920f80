"""`stsui prompt` and completion, run as the shell runs them: the real program, real bash and fish."""

from __future__ import annotations

import configparser
import os
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stsui.cli.quick_shell import prompt_left, section_values
from stsui.store.keys import EXPIRES, MARKER
from tests.support.home import USER_CREDENTIALS, Home, modules_added

EXPIRED = f"""
[old]
aws_access_key_id = ASIAOLD
aws_secret_access_key = old-secret
aws_session_token = old-token
{EXPIRES} = 2020-01-01T00:00:00Z
{MARKER} = old-role
"""


def prompt(home: Home, *args: str, **env: str) -> str:
    done = home.run("prompt", *args, env=env)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    return done.stdout


def test_prompt_shows_the_profiles_role_and_time_left(home: Home) -> None:
    assert home.run("assume", "prod-admin").returncode == 0
    assert re.fullmatch(r"prod-admin (59m|1h00m)\n", prompt(home, AWS_PROFILE="prod-admin"))
    assert re.fullmatch(
        r"\[prod-admin\|(59m|1h00m)\|prod-admin\]\n",
        prompt(home, "--format", "[{role}|{left}|{profile}]", AWS_PROFILE="prod-admin"),
    )
    assert prompt(home, "--format={role}", AWS_PROFILE="prod-admin") == "prod-admin\n"


def test_prompt_says_expired_and_nothing_without_a_session(home: Home) -> None:
    home.credentials.write_text(USER_CREDENTIALS + EXPIRED)
    assert prompt(home, AWS_PROFILE="old") == "old-role expired\n"
    assert prompt(home) == ""  # no AWS_PROFILE, no keys
    assert prompt(home, AWS_PROFILE="personal") == ""  # long-term keys: no role, no expiry
    assert prompt(home, AWS_PROFILE="missing") == ""
    home.credentials.unlink()
    assert prompt(home, AWS_PROFILE="old") == ""


def test_prompt_reads_the_keys_of_sts_env(home: Home) -> None:
    expiry = (datetime.now(UTC) + timedelta(hours=2, minutes=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    env = {"AWS_ACCESS_KEY_ID": "ASIAX", "STSUI_ROLE": "staging-ro", "AWS_CREDENTIAL_EXPIRATION": expiry}
    assert re.fullmatch(r"staging-ro 2h(29|30)m\n", prompt(home, AWS_PROFILE="old", **env))


def test_prompt_escapes_what_the_file_says(home: Home) -> None:
    home.credentials.write_text(USER_CREDENTIALS + EXPIRED.replace("= old-role", "= evil\x1b]0;title\x07"))
    assert prompt(home, AWS_PROFILE="old") == "evil\\x1b]0;title\\x07 expired\n"


def test_prompt_left() -> None:
    assert [prompt_left(s) for s in (-5, 0, 30, 60, 2519, 3600, 3661, 43200)] == [
        "expired", "expired", "30s", "1m", "41m", "1h00m", "1h01m", "12h00m",
    ]  # fmt: skip


NAMES = st.sampled_from(["a", "b", "prod", "prod-admin", "x y", "p:q", "default"])
KEYS = st.sampled_from([MARKER, EXPIRES, "aws_access_key_id", "X_STSUI_ROLE", "region"])
VALUES = st.text(alphabet="az09-:=[] ", max_size=12).map(str.strip)
SPACES = st.sampled_from(["", " ", "  ", "\t"])


@st.composite
def ini_files(draw: st.DrawFn) -> str:
    lines = []
    for name in draw(st.lists(NAMES, unique=True, max_size=5)):
        lines.append(f"[{name}]" + draw(SPACES))
        for key in draw(st.lists(KEYS, unique_by=str.lower, max_size=4)):
            indent = draw(SPACES)
            lines.append(
                f"{indent}{key}{draw(SPACES)}{draw(st.sampled_from(['=', ':']))}{draw(SPACES)}{draw(VALUES)}"
            )
            if draw(st.booleans()):  # comments, blank lines, and lines that continue the value above
                lines.append(
                    draw(st.sampled_from(["# note", "; note", "", indent + "    more", indent + "   [c]"]))
                )
    return "\n".join(lines) + "\n"


@given(ini_files(), NAMES)
def test_one_section_is_read_as_botocores_configparser_reads_it(text: str, name: str) -> None:
    parser = configparser.RawConfigParser()
    parser.read_string(text)
    expected = {}
    if parser.has_section(name):
        expected = {k: v for k, v in parser.items(name) if k in (MARKER, EXPIRES)}
    assert section_values(text, name, (MARKER, EXPIRES)) == expected


# -- completion ------------------------------------------------------------------------------------------


def shell_env(home: Home) -> dict[str, str]:
    return home.env | {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin"}


def test_role_names_follow_the_roles_file(home: Home) -> None:
    assert home.run("shell-roles").stdout.split() == [
        "prod-admin",
        "staging-ro",
        "mfa-ops",
        "mfa-audit",
        "chained",
    ]
    home.roles.write_text(
        home.roles.read_text() + '\n[roles."new.one"]\nrole_arn = "arn:aws:iam::1:role/N"\n'
    )
    assert home.run("shell-roles").stdout.split()[-1] == "new.one"
    home.roles.write_text("not toml [")
    assert home.run("shell-roles").stdout == ""


def test_role_names_see_a_same_size_edit_in_the_same_clock_tick(
    home: Home, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The names cache is keyed on the file's identity (`stsui.store.stamps`, as the roles cache is) and is
    not written while an edit could still leave that identity unchanged."""
    from stsui.cli import quick_shell

    for key in ("HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "STSUI_CONFIG"):
        monkeypatch.setenv(key, home.env[key])
    home.roles.write_text('[roles.alpha]\nrole_arn = "arn:aws:iam::111111111111:role/A"\n')
    info = home.roles.stat()
    assert quick_shell.role_names(None) == ["alpha"]
    home.roles.write_text('[roles.bravo]\nrole_arn = "arn:aws:iam::111111111111:role/A"\n')
    os.utime(home.roles, ns=(info.st_atime_ns, info.st_mtime_ns))  # same size, same mtime
    assert quick_shell.role_names(None) == ["bravo"]


def test_bash_completes_commands_options_and_roles(home: Home) -> None:
    def words(*line: str) -> list[str]:
        script = (
            'eval "$(stsui shell-init bash)"\n'
            f"COMP_WORDS=({' '.join(line)})\n__stsui_words {len(line) - 1} {line[-1]}"
        )
        done = subprocess.run(
            ["bash", "--norc", "-c", script], capture_output=True, text=True, env=shell_env(home)
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.split()

    assert {"assume", "list", "shell-init", "--config"} <= set(words("stsui", "''"))
    assert "--mfa-code" in words("stsui", "assume", "--m")
    assert "prod-admin" in words("stsui", "--config", str(home.roles), "assume", "pro")
    assert words("stsui", "list", "pro") == []


@pytest.mark.skipif(shutil.which("fish") is None, reason="fish is not installed")
def test_fish_completes_sts_and_stsui(home: Home) -> None:
    def complete(line: str) -> list[str]:
        script = f"stsui shell-init fish | source; complete -C {line!r}"
        done = subprocess.run(
            ["fish", "--no-config", "-c", script], capture_output=True, text=True, env=shell_env(home)
        )
        assert done.returncode == 0, done.stderr
        return [row.split("\t")[0] for row in done.stdout.splitlines()]

    assert complete("sts pro") == ["prod-admin"]
    assert "--env" in complete("sts --")
    assert "assume" in complete("stsui ass")
    assert complete("stsui env mfa-") == ["mfa-audit", "mfa-ops"]
    assert "--mfa-code" in complete("stsui assume --")


@pytest.mark.parametrize("command", [["prompt"], ["prompt", "--format", "{role}"], ["shell-roles"]])
def test_prompt_and_role_names_load_no_heavy_module(home: Home, command: list[str]) -> None:
    """They run at every prompt and every Tab: no argparse, no boto3, no Textual, no INI parser."""
    heavy = ["argparse", "boto3", "botocore", "textual", "configparser", "stsui.config", "stsui.engine"]
    probe = (
        f"import sys\nsys.argv = ['stsui', *{command!r}]\nfrom stsui.cli.main import main\nmain()\n"
        f"print('LOADED', [m for m in {heavy!r} if m in sys.modules])"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env={**home.env, "AWS_PROFILE": "x"}
    )
    assert done.stdout.splitlines()[-1] == "LOADED []", done.stderr


def test_the_prompt_needs_only_datetime(home: Home) -> None:
    """Every prompt runs it: beyond a bare interpreter it imports datetime and stsui's own readers, none of
    pathlib, re, json, typing or contextlib (each costs a third of the interpreter's start or more)."""
    assert home.run("assume", "prod-admin").returncode == 0
    output, added = modules_added(home, "prompt", env={"AWS_PROFILE": "prod-admin"})
    assert re.fullmatch(r"prod-admin \d+m\n", output), output
    heavy = {"pathlib", "re", "json", "typing", "contextlib", "collections", "dataclasses", "enum"}
    assert not added & heavy, added & heavy


def test_a_profile_switch_carries_no_secret_and_errors_carry_no_code(home: Home) -> None:
    done = home.run("shell-use", "--shell", "sh", "prod-admin")
    assert done.returncode == 0 and done.stdout.startswith("# stsui shell code\n")
    assert "export AWS_PROFILE=prod-admin\n" in done.stdout
    assert re.fullmatch(
        r"sts: this shell now acts as role 'prod-admin' in eu-west-1: profile 'prod-admin', \d+m left\.\n",
        done.stderr,
    ), done.stderr
    cached = (home.cache / "sessions" / "prod-admin.json").read_text()
    for secret in re.findall(r'"(?:SecretAccessKey|SessionToken|AccessKeyId)": "([^"]+)"', cached):
        assert secret not in done.stdout + done.stderr
    failed = home.run("shell-use", "--shell", "sh", "no-such-role")
    assert failed.returncode == 2 and failed.stdout == "" and "no-such-role" in failed.stderr
