"""The code `sts` evaluates, run by real bash, zsh and fish: what a switch, `sts -` and `sts --off` leave."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from stsui.cli.parser import build_parser
from stsui.cli.shell import MARK, PREVIOUS, SAVED, back_code, profile_variables, switch_code
from stsui.cli.shell_scripts import grammar, script
from tests.unit.test_exports import powershell_verbatim

HOSTILE = 'it\'s $(touch pwned) `touch pwned` "q" \\ ; {x} \u2019\nsecond line'
SHELLS = ["bash", "zsh", "fish"]
DIALECT = {"bash": "sh", "zsh": "sh", "fish": "fish"}
SHOW = f"import json, os\nprint(json.dumps({{k: os.environ.get(k) for k in {list(SAVED)!r}}}))\n"


def installed(shell: str) -> None:
    if shutil.which(shell) is None:
        pytest.skip(f"{shell} is not installed")


def run_steps(shell: str, environ: dict[str, str], steps: list[str], tmp_path: Path) -> list[dict]:
    """Start `shell` with `environ`, evaluate each step's code as the function does, and after each step
    record the environment a program sees; also fail if any step ran a command hidden in a value."""
    installed(shell)
    (tmp_path / "show.py").write_text(SHOW)
    show = f"{sys.executable} {tmp_path / 'show.py'}"
    lines = []
    for number, code in enumerate(steps):
        path = tmp_path / f"step{number}"
        path.write_text(code)
        lines += [f"source {path}" if shell == "fish" else f". {path}", show]
    env = {k: v for k, v in os.environ.items() if k not in SAVED} | environ | {"HOME": str(tmp_path)}
    flag = ["--no-config"] if shell == "fish" else (["-f"] if shell == "zsh" else ["--norc"])
    result = subprocess.run(
        [shell, *flag, "-c", "\n".join(lines)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=30,
    )
    assert not (tmp_path / "pwned").exists()
    outputs = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(outputs) == len(steps), result.stderr
    return [{k: v for k, v in out.items() if v is not None} for out in outputs]


@pytest.mark.parametrize("shell", SHELLS)
def test_switch_removes_keys_and_back_restores_every_byte(shell: str, tmp_path: Path) -> None:
    before = {
        "AWS_PROFILE": HOSTILE,
        "AWS_ACCESS_KEY_ID": "AKIAOLD",
        "AWS_SECRET_ACCESS_KEY": HOSTILE,
        "AWS_REGION": "us-west-2",
    }
    dialect = DIALECT[shell]
    switched = switch_code(before, profile_variables("prod-admin", "prod-admin", "eu-west-1"), dialect)
    after = {"AWS_PROFILE": "prod-admin", "STSUI_ROLE": "prod-admin", "AWS_REGION": "eu-west-1"}
    after["AWS_DEFAULT_REGION"] = "eu-west-1"
    states = run_steps(
        shell, before, [switched, back_code(after, dialect), back_code(before, dialect)], tmp_path
    )
    assert states == [after, before, after]  # switch, back, and back again (like cd -)


@pytest.mark.parametrize("shell", SHELLS)
def test_a_role_without_region_drops_the_region_of_an_earlier_switch_only(shell: str, tmp_path: Path) -> None:
    dialect = DIALECT[shell]
    exported = profile_variables("plain", "plain", None)
    by_sts = {"AWS_PROFILE": "prod-admin", "STSUI_ROLE": "prod-admin", "AWS_REGION": "eu-west-1"}
    by_user = {"AWS_REGION": "us-west-2"}
    states = run_steps(shell, by_sts, [switch_code(by_sts, exported, dialect)], tmp_path)
    assert states == [{"AWS_PROFILE": "plain", "STSUI_ROLE": "plain"}]
    states = run_steps(shell, by_user, [switch_code(by_user, exported, dialect)], tmp_path)
    assert states == [{"AWS_PROFILE": "plain", "STSUI_ROLE": "plain", "AWS_REGION": "us-west-2"}]


@pytest.mark.parametrize("shell", SHELLS)
def test_off_clears_and_back_without_a_switch_changes_nothing(shell: str, tmp_path: Path) -> None:
    dialect = DIALECT[shell]
    before = {"AWS_PROFILE": "prod-admin", "STSUI_ROLE": "prod-admin", "AWS_DEFAULT_REGION": "eu-west-1"}
    states = run_steps(shell, before, [switch_code(before, [], dialect)], tmp_path)
    assert states == [{}]
    states = run_steps(shell, before, [back_code(before, dialect)], tmp_path)  # no switch in this shell
    assert states == [before]


def test_powershell_code_quotes_every_value() -> None:
    before = {"AWS_PROFILE": HOSTILE, "AWS_SECRET_ACCESS_KEY": "s\u2018ecret'"}
    code = switch_code(before, profile_variables("r", "p", None), "powershell")
    assert code.startswith(f"{MARK}\n$global:{PREVIOUS} = ")
    saved, rest = powershell_verbatim(code.removeprefix(f"{MARK}\n$global:{PREVIOUS} = "))
    lines = rest.splitlines()
    assert f"$Env:AWS_PROFILE = {_ps(HOSTILE)}" in saved
    assert "Remove-Item Env:AWS_SESSION_TOKEN -ErrorAction SilentlyContinue" in saved
    assert lines == [
        "",
        "Remove-Item Env:AWS_SECRET_ACCESS_KEY -ErrorAction SilentlyContinue",
        "$Env:AWS_PROFILE = 'p'",
        "$Env:STSUI_ROLE = 'r'",
    ]
    back = back_code(before, "powershell")
    assert back.startswith(MARK + f"\nif (Test-Path variable:global:{PREVIOUS}) {{ $now = '")
    assert f"Invoke-Expression $global:{PREVIOUS}; $global:{PREVIOUS} = $now }}" in back


def _ps(value: str) -> str:
    from stsui.domain.exports import quote

    return quote(value, "powershell")


def test_powershell_function_evaluates_only_stsui_code() -> None:
    text = script("powershell", "sts", build_parser())
    assert '$__sts_code = (& stsui shell-use --shell powershell @args) -join "`n"' in text
    assert "if ($LASTEXITCODE -ne 0) { return }" in text
    assert f"if ($__sts_code.StartsWith('{MARK}')) {{ Invoke-Expression $__sts_code }}" in text
    assert "Register-ArgumentCompleter -Native -CommandName stsui" in text


# -- the function itself, with a stand-in for stsui ------------------------------------------------------


def fake_stsui(tmp_path: Path, output: str, status: int = 0) -> dict[str, str]:
    """A `stsui` on PATH that prints `output` and exits with `status`, as the function sees it."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    (tmp_path / "output").write_text(output)
    fake = bin_dir / "stsui"
    fake.write_text(f"#!/bin/sh\ncat {tmp_path / 'output'}\nexit {status}\n")
    fake.chmod(0o755)
    return {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(tmp_path), "AWS_PROFILE": "before"}


@pytest.mark.parametrize("shell", SHELLS)
def test_the_function_shows_what_is_not_stsui_code_and_keeps_failures_harmless(
    shell: str, tmp_path: Path
) -> None:
    installed(shell)
    init = tmp_path / "init"
    init.write_text(script(shell, "sts", build_parser()))
    source = f"source {init}" if shell == "fish" else f". {init}"
    flag = ["--no-config"] if shell == "fish" else (["-f"] if shell == "zsh" else ["--norc"])
    show = (
        'echo "status=$status profile=$AWS_PROFILE"'
        if shell == "fish"
        else ('echo "status=$? profile=$AWS_PROFILE"')
    )

    def run(output: str, status: int = 0) -> str:
        env = fake_stsui(tmp_path, output, status)
        done = subprocess.run(
            [shell, *flag, "-c", f"{source}\nsts x\n{show}"], capture_output=True, text=True, env=env,
            cwd=tmp_path, timeout=30,
        )  # fmt: skip
        assert not (tmp_path / "pwned").exists()
        return done.stdout

    assert run("usage: touch pwned\nexport AWS_PROFILE=evil\n") == (
        "usage: touch pwned\nexport AWS_PROFILE=evil\nstatus=0 profile=before\n"
    )
    assert run(f"{MARK}\nexport AWS_PROFILE=evil\n", status=2) == "status=2 profile=before\n"
    assert run("") == "status=0 profile=before\n"  # quit without choosing
    code = switch_code({}, profile_variables("r", "after", None), DIALECT[shell])
    assert run(code) == "status=0 profile=after\n"


@pytest.mark.parametrize("name", ["my-sts", "aws_use"])
@pytest.mark.parametrize("shell", SHELLS)
def test_init_text_parses_in_every_shell(shell: str, name: str) -> None:
    installed(shell)
    text = script(shell, name, build_parser())
    checked = subprocess.run([shell, "-n"], input=text, capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stderr
    assert (f"function {name} " if shell == "fish" else f"{name}() {{") in text


def test_completion_knows_every_command_and_which_take_a_role() -> None:
    g = grammar(build_parser())
    assert {"assume", "env", "exec", "forget", "refresh", "credential-process"} <= set(g.role_commands)
    assert "list" not in g.role_commands and "shell-use" not in g.commands
    assert "--mfa-code" in g.commands["assume"] and "--config" in g.options


def test_the_function_completes_the_options_of_shell_use_with_their_help() -> None:
    """The function's options are shell-use's (but --shell, which the function sets), never a second list."""
    g = grammar(build_parser())
    assert g.function_words == ["--env", "--off", "--region", "--mfa-code", "--yes", "-"]
    fish = script("fish", "sts", build_parser())
    assert "complete -c sts -l mfa-code -r -d 'the 6-digit MFA code (asked for on a terminal)'" in fish
    assert "complete -c sts -l env -d " in fish and "-l shell" not in fish.split("complete -c sts -e")[1]
