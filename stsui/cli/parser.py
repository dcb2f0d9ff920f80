"""The command line's grammar (argparse), loaded only when a command is parsed."""

from __future__ import annotations

import argparse

from stsui import __version__
from stsui.cli import commands as run
from stsui.cli.confirm import add_yes_option
from stsui.cli.grammar import CONFIG_OPTION, CREDENTIAL_PROCESS
from stsui.cli.shared import add_mfa_code_option, add_region_option
from stsui.domain.errors import UsageError
from stsui.domain.exports import SHELLS

EPILOG = """\
With no command, stsui opens the terminal UI.
Exit codes: 0 success, 1 a failed operation, 2 a usage or configuration error.
Roles file: --config PATH, else $STSUI_CONFIG, else ~/.config/stsui/roles.toml."""


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as one `stsui: …` sentence with exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message}; see '{self.prog} --help'.")


def no_arguments() -> argparse.Namespace:
    """What `build_parser().parse_args([])` gives (the TUI, no option) without building the parser: `stsui`
    alone starts the TUI, which waits for nothing else. A test holds the two equal."""
    return argparse.Namespace(config=None, no_serve=False, command=None, handler=run.cmd_tui)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="stsui",
        description="A terminal UI session manager for AWS STS.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(CONFIG_OPTION, metavar="PATH", help="the roles file (TOML)")
    parser.add_argument("--version", action="version", version=f"stsui {__version__}")
    parser.set_defaults(handler=run.cmd_tui)
    parser.add_argument(
        "--no-serve", action="store_true", help="the TUI does not serve sessions to other programs"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    cmd = commands.add_parser("list", help="every role with its profile, status and time left")
    cmd.set_defaults(handler=run.cmd_list)
    cmd.add_argument("--all", action="store_true", help="also the sessions other tools made (read-only)")
    cmd.add_argument(
        "--sort",
        choices=("file", "recent"),
        default="file",
        help="file order (default), or recent: pinned roles, then the roles taken most (and most lately)",
    )
    cmd.add_argument("--json", action="store_true", help="print JSON")

    cmd = commands.add_parser("whoami", help="GetCallerIdentity for the base identity or a profile")
    cmd.set_defaults(handler=run.cmd_whoami)
    cmd.add_argument("--profile", help="ask as this profile instead of the base identity")
    cmd.add_argument("--json", action="store_true", help="print JSON")

    cmd = commands.add_parser("env", help='export lines for a role\'s session: eval "$(stsui env NAME)"')
    cmd.set_defaults(handler=run.cmd_env)
    cmd.add_argument("name")
    cmd.add_argument("--shell", choices=SHELLS, default=SHELLS[0])
    add_region_option(cmd)
    add_mfa_code_option(cmd)
    add_yes_option(cmd)

    cmd = commands.add_parser(
        CREDENTIAL_PROCESS, help="JSON for credential_process = stsui credential-process NAME"
    )
    cmd.set_defaults(handler=run.cmd_credential_process)
    cmd.add_argument("name")

    cmd = commands.add_parser("pin", help="pin roles: first in recent order (list them with no NAME)")
    cmd.set_defaults(handler=run.cmd_pin)
    cmd.add_argument("names", nargs="*", metavar="NAME")
    cmd.add_argument("--remove", action="store_true", help="unpin the roles instead")

    commands.add_parser("init", help="write a commented starter roles file").set_defaults(
        handler=run.cmd_init
    )

    cmd = commands.add_parser("import", help="turn role profiles of ~/.aws/config into roles")
    cmd.set_defaults(handler=run.cmd_import)
    cmd.add_argument("--aws-config", metavar="PATH", help="default: $AWS_CONFIG_FILE or ~/.aws/config")
    cmd.add_argument("--write", action="store_true", help="append the new roles to the roles file")

    cmd = commands.add_parser(
        "demo", help="open the TUI against a local STS with sample roles (no AWS needed)"
    )
    cmd.set_defaults(handler=run.cmd_demo)

    from stsui.cli import agent, console, eks, imds, keys, profiles, sessions, shell, shell_scripts, sso

    for feature in (sessions, agent, imds, console, keys, profiles, shell_scripts, shell, sso, eks):
        feature.add_parsers(commands)
    return parser
