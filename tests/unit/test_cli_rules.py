"""The command line's grammar and the rules it shares with the rest of stsui."""

from __future__ import annotations

import argparse

import pytest

from stsui.cli import commands
from stsui.cli.parser import build_parser
from stsui.domain.errors import UsageError
from stsui.domain.exports import SHELLS
from stsui.domain.limits import MFA_CODE


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_every_subcommand_names_its_handler() -> None:
    for name, sub in _subcommands().items():
        handler = sub.get_default("handler")
        assert callable(handler), name
        assert handler.__name__ == "cmd_" + name.replace("-", "_"), name
    assert build_parser().parse_args([]).handler is commands.cmd_tui


def test_env_offers_exactly_the_shells_it_can_write() -> None:
    shell = next(a for a in _subcommands()["env"]._actions if a.dest == "shell")
    assert tuple(shell.choices) == SHELLS and shell.default == "sh"


MFA_COMMANDS = {
    "assume": ["assume", "r"],
    "env": ["env", "r"],
    "exec": ["exec", "r"],
    "console": ["console", "r"],
    "shell-use": ["shell-use", "r"],
    "imds": ["imds", "r"],
}
"""Every command that may assume through an MFA device, with its arguments before `--mfa-code`."""


def test_every_command_that_takes_an_mfa_code_takes_the_one_option() -> None:
    """One definition of `--mfa-code` (its help and its check) serves every command that has it."""
    having = {}
    for name, sub in _subcommands().items():
        for action in sub._actions:
            if "--mfa-code" in action.option_strings:
                having[name] = (action.help, action.type, action.metavar)
    assert set(having) == set(MFA_COMMANDS)
    assert len(set(having.values())) == 1


@pytest.mark.parametrize("command", sorted(MFA_COMMANDS))
@pytest.mark.parametrize("code", ["123456", "000000"])
def test_six_ascii_digits_are_a_code(command: str, code: str) -> None:
    assert build_parser().parse_args([*MFA_COMMANDS[command], "--mfa-code", code]).mfa_code == code


@pytest.mark.parametrize("command", sorted(MFA_COMMANDS))
@pytest.mark.parametrize(
    "code",
    [
        "12345",
        "1234567",
        "12345a",
        "\u0661\u0662\u0663\u0664\u0665\u0666",
        "\uff11\uff12\uff13\uff14\uff15\uff16",
        " 123456",
    ],
)
def test_anything_else_is_refused_before_sts(command: str, code: str) -> None:
    """Arabic-Indic or full-width digits match `\\d` but are no MFA code; the CLI and the modal share
    one pattern. The option refuses it while parsing, before any file is read."""
    assert MFA_CODE.fullmatch(code) is None
    with pytest.raises(UsageError, match="--mfa-code: must be exactly 6 digits"):
        build_parser().parse_args([*MFA_COMMANDS[command], "--mfa-code", code])


PORT_COMMANDS = {"serve": ["serve"], "imds": ["imds", "r"]}
"""Every command with a `--port`, with its arguments before it."""


def test_every_command_that_takes_a_port_takes_the_one_option() -> None:
    having = {
        name: (action.type, action.metavar)
        for name, sub in _subcommands().items()
        for action in sub._actions
        if "--port" in action.option_strings
    }
    assert set(having) == set(PORT_COMMANDS)
    assert len(set(having.values())) == 1


@pytest.mark.parametrize("command", sorted(PORT_COMMANDS))
@pytest.mark.parametrize("port", ["99999", "65536", "-1", "http", "80.5", ""])
def test_a_port_outside_tcps_range_is_a_usage_error(command: str, port: str) -> None:
    with pytest.raises(UsageError, match="--port: must be a TCP port number, 0 to 65535"):
        build_parser().parse_args([*PORT_COMMANDS[command], "--port", port])


@pytest.mark.parametrize("command", sorted(PORT_COMMANDS))
@pytest.mark.parametrize("port", [0, 1, 8080, 65535])
def test_a_port_in_range_is_taken(command: str, port: int) -> None:
    assert build_parser().parse_args([*PORT_COMMANDS[command], "--port", str(port)]).port == port
