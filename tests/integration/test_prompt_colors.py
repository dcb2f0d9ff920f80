"""`stsui prompt` in the role's colour: on a terminal or with `--color always`, wrapped for bash and zsh so
their line editors count only the text; checked with the real shells' own prompt expansion."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest

from tests.support.home import Home
from tests.support.pseudo_terminal import on_a_terminal

ROLES = """\
[defaults]
source_profile = "default"
session_name = "tester"
color = "blue"

[groups.prod]
color = "red"

[roles.prod-admin]
role_arn = "arn:aws:iam::111111111111:role/Admin"
group = "prod"

[roles.dev]
role_arn = "arn:aws:iam::222222222222:role/Dev"
color = "#ff8000"

[roles.plain]
role_arn = "arn:aws:iam::333333333333:role/Plain"
"""

RED = "\x1b[31m"
RESET = "\x1b[0m"


@pytest.fixture
def colored(home: Home) -> Home:
    home.roles.write_text(ROLES)
    done = home.run("assume", "prod-admin", "dev", "plain")
    assert done.returncode == 0, done.stderr
    return home


def prompt(home: Home, profile: str, *args: str) -> str:
    done = home.run("prompt", *args, env={"AWS_PROFILE": profile})
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_role_colour_its_groups_or_the_defaults(colored: Home) -> None:
    assert re.fullmatch(
        rf"{re.escape(RED)}prod-admin \d+m{re.escape(RESET)}\n",
        prompt(colored, "prod-admin", "--color", "always"),
    )
    assert prompt(colored, "dev", "--color=always").startswith("\x1b[38;2;255;128;0mdev ")
    assert prompt(colored, "plain", "--color", "always").startswith("\x1b[34mplain ")  # [defaults]' blue


def test_no_colour_into_a_pipe_or_when_never(colored: Home) -> None:
    assert "\x1b" not in prompt(colored, "prod-admin")  # stdout is a pipe here: auto means no colour
    assert "\x1b" not in prompt(colored, "prod-admin", "--color", "never")


def test_auto_colours_on_a_terminal(colored: Home) -> None:
    env = {**colored.env, "AWS_PROFILE": "prod-admin"}
    code, shown = on_a_terminal(["prompt"], env, streams=["stdout"])
    assert code == 0 and shown.startswith(RED + "prod-admin ")


def test_bash_counts_no_width_for_the_escapes(colored: Home) -> None:
    line = prompt(colored, "prod-admin", "--color", "always", "--shell", "bash").rstrip("\n")
    assert line.startswith("\\[" + RED + "\\]")
    expanded = subprocess.run(
        ["bash", "--norc", "-c", 'p="$1"; printf %s "${p@P}"', "bash", line],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    # bash's prompt expansion takes \[ \] as the marks of what is invisible (readline: \001, \002):
    # nothing of them is left to print
    assert re.fullmatch(rf"\x01?{re.escape(RED)}\x02?prod-admin \d+m\x01?{re.escape(RESET)}\x02?", expanded)


@pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh is not installed")
def test_zsh_counts_no_width_for_the_escapes_and_keeps_a_percent(colored: Home) -> None:
    # the format is the user's own zsh prompt text (their %% stays theirs): only the names are escaped
    line = prompt(colored, "prod-admin", "--color", "always", "--shell", "zsh", "--format", "{role} 100%%")
    expanded = subprocess.run(
        ["zsh", "-f", "-c", 'print -rn -- "${(%)1}"', "zsh", line.rstrip("\n")],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    # zsh's prompt expansion takes %{ %} as the marks of what has no width, and %% as a percent sign
    assert expanded == f"{RED}prod-admin 100%{RESET}"


def test_a_colour_changed_in_the_roles_file_shows_at_the_next_prompt(colored: Home) -> None:
    assert prompt(colored, "dev", "--color", "always").startswith("\x1b[38;2;255;128;0m")
    colored.roles.write_text(ROLES.replace('color = "#ff8000"', 'color = "green"'))
    assert prompt(colored, "dev", "--color", "always").startswith("\x1b[32mdev ")


def test_a_coloured_prompt_loads_no_heavy_module(colored: Home) -> None:
    heavy = ["argparse", "boto3", "botocore", "textual", "configparser", "stsui.config", "stsui.engine"]
    probe = (
        "import sys\nsys.argv = ['stsui', 'prompt', '--color', 'always', '--shell', 'zsh']\n"
        "from stsui.cli.main import main\nmain()\n"
        f"print('LOADED', [m for m in {heavy!r} if m in sys.modules])"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env={**colored.env, "AWS_PROFILE": "dev"},
    )
    assert done.stdout.splitlines()[-1] == "LOADED []", done.stderr
