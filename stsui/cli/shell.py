"""Switching the shell you are in: `stsui shell-init` prints the `sts` function, `stsui shell-use` the code
it evaluates.

The channel: the function runs `stsui shell-use` in a command substitution and evaluates what it prints.
stdout is then a private pipe from stsui to the shell, never the terminal (the TUI draws on stderr, questions
and errors go to stderr), and nothing is written to disk or to history. The function evaluates the output
only when it starts with `MARK`, so anything else (help text) is shown, never run. Every switch first saves,
in a shell variable of its own (not exported), the code that puts back what the shell had: `sts -` runs it.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence

from stsui.agent.child import OVERRIDING, ROLE_VARIABLE
from stsui.cli.confirm import add_yes_option, confirm
from stsui.cli.grammar import PROMPT, PROMPT_COLOR, PROMPT_COLORS, PROMPT_FORMAT, PROMPT_SHELL, PROMPT_SHELLS
from stsui.cli.shared import add_mfa_code_option, add_region_option, mfa_code, took, warn
from stsui.domain.errors import UsageError
from stsui.domain.exports import SHELLS, quote, session_variables, shell_variable_line, variable_lines

MARK = "# stsui shell code"
"""The first line of everything `shell-use` prints for the function to evaluate."""

PREVIOUS = "__sts_prev"
"""The shell's own variable holding the code that restores what it had before the last switch."""

REGIONS = ("AWS_REGION", "AWS_DEFAULT_REGION")
SAVED = (*OVERRIDING, *REGIONS, ROLE_VARIABLE)
"""Every variable a switch may change, so `sts -` puts each back."""


def restore_code(environ: Mapping[str, str], shell: str) -> str:
    """Code that sets every variable of SAVED back to its value in `environ` (and removes the others)."""
    exported = [(name, environ[name]) for name in SAVED if name in environ]
    removed = [name for name in SAVED if name not in environ]
    return "\n".join(variable_lines(exported, removed, shell))


def switch_code(environ: Mapping[str, str], exported: Sequence[tuple[str, str]], shell: str) -> str:
    """Code that saves the current variables for `sts -`, removes whatever would override `exported`
    (keys and profiles of an earlier switch or of the user; regions an earlier switch set) and exports it."""
    setting = {name for name, _ in exported}
    clearing = [*OVERRIDING, ROLE_VARIABLE]
    if ROLE_VARIABLE in environ:  # a region set by an earlier switch is stale; the user's own stays
        clearing += REGIONS
    removed = [name for name in clearing if name in environ and name not in setting]
    lines = [MARK, shell_variable_line(PREVIOUS, restore_code(environ, shell), shell)]
    return "\n".join(lines + variable_lines(exported, removed, shell)) + "\n"


def back_code(environ: Mapping[str, str], shell: str) -> str:
    """Code that goes back to what the shell had before the last switch, saving the present for the next
    `sts -` (two in a row come back here), or says there was no switch."""
    now = quote(restore_code(environ, shell), shell)
    missing = "sts: no earlier switch in this shell to go back to."
    if shell == "fish":
        body = (
            f"if set -q {PREVIOUS}\n  set -l now {now}\n  eval ${PREVIOUS}\n  set -g {PREVIOUS} $now\n"
            f"else\n  echo {quote(missing, shell)} >&2\n  false\nend"
        )
    elif shell == "powershell":
        body = (
            f"if (Test-Path variable:global:{PREVIOUS}) {{ $now = {now}; "
            f"Invoke-Expression $global:{PREVIOUS}; $global:{PREVIOUS} = $now }} "
            f"else {{ [Console]::Error.WriteLine({quote(missing, shell)}) }}"
        )
    else:
        body = (
            f'if [ -n "${{{PREVIOUS}+x}}" ]; then\n  __sts_now={now}\n  eval "${PREVIOUS}"\n'
            f"  {PREVIOUS}=$__sts_now\n  unset __sts_now\n"
            f"else\n  echo {quote(missing, shell)} >&2\n  false\nfi"
        )
    return f"{MARK}\n{body}\n"


def profile_variables(role_name: str, profile: str, region: str | None) -> list[tuple[str, str]]:
    """What a shell switched to a role's profile exports."""
    exported = [("AWS_PROFILE", profile), (ROLE_VARIABLE, role_name)]
    return exported + ([(name, region) for name in REGIONS] if region else [])


# -- commands --------------------------------------------------------------------------------------------


def _use_role(args: argparse.Namespace, name: str, *, chosen: bool = False) -> str:
    """The switch code for role `name` (assumed first when needed; confirmation and MFA asked on the
    terminal). `chosen`: picked in the TUI with "use in this shell", which asked and recorded it already."""
    from stsui.cli.quick_shell import prompt_left
    from stsui.cli.wiring import load_engine

    engine = load_engine(args.config)
    role = engine.config.role(name)
    region = None if args.region is None else engine.check_region(role, args.region)
    if not chosen:
        confirm([role], verb="use in this shell", yes=args.yes)
    code = mfa_code(engine, role, args.mfa_code)
    if args.env:
        outcome = engine.obtain(role, mfa_code=code, region=region)
        warn(outcome)
        assert outcome.session is not None
        exported = [*session_variables(outcome.session), (ROLE_VARIABLE, role.name)]
        how = "its keys in this shell's environment"
    else:
        outcome = engine.assume(role, mfa_code=code, region=region)
        warn(outcome)
        exported = profile_variables(role.name, outcome.profile, outcome.session.region)
        how = f"profile '{outcome.profile}'"
    if not chosen:
        took(engine, [role])
    left = prompt_left(outcome.session.credentials.seconds_left(engine.clock()))
    where = f" in {outcome.session.region}" if outcome.session.region else ""
    print(f"sts: this shell now acts as role '{role.name}'{where}: {how}, {left} left.", file=sys.stderr)
    return switch_code(os.environ, exported, args.shell)


def _choose(args: argparse.Namespace) -> int:
    """Open the TUI; once it has closed, print the switch code for the role picked with "use in this
    shell", or nothing when the user quit without one."""
    from stsui.cli.wiring import load_engine
    from stsui.tui.app import choose_role

    return choose_role(load_engine(args.config), lambda name: _print(_use_role(args, name, chosen=True)))


def _print(code: str) -> None:
    sys.stdout.write(code)
    sys.stdout.flush()


def cmd_shell_use(args: argparse.Namespace) -> int:
    if args.off and (args.env or args.name or args.mfa_code or args.region):
        raise UsageError("sts --off takes no role; run 'sts --off' alone.")
    if args.name == "-":
        if args.env or args.region:
            raise UsageError("sts - goes back to what the shell had; it takes no --env or --region.")
        code = back_code(os.environ, args.shell)
    elif args.off:
        code = switch_code(os.environ, [], args.shell)
    elif args.name is None:
        return _choose(args)  # quitting without choosing prints nothing: the shell stays as it was
    else:
        code = _use_role(args, args.name)
    _print(code)
    return 0


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cmd = commands.add_parser("shell-use", help="what the sts function evaluates (run by it, not by you)")
    cmd.add_argument("name", nargs="?", help="the role; '-' goes back; none opens the TUI to choose")
    cmd.add_argument("--shell", choices=SHELLS, default="sh")
    cmd.add_argument("--env", action="store_true", help="export the session's keys instead of a profile")
    cmd.add_argument("--off", action="store_true", help="remove what sts set")
    add_region_option(cmd)
    add_mfa_code_option(cmd)
    add_yes_option(cmd)
    cmd.set_defaults(handler=cmd_shell_use)

    cmd = commands.add_parser("shell-roles", help="every role's name, one a line (for completion)")
    cmd.set_defaults(handler=cmd_shell_roles)

    cmd = commands.add_parser(PROMPT, help="the shell's role and time left, for a prompt: prod-admin 42m")
    cmd.add_argument(
        PROMPT_FORMAT, default=None, help="with {role}, {left}, {profile}; default '{role} {left}'"
    )
    cmd.add_argument(
        PROMPT_SHELL,
        choices=PROMPT_SHELLS,
        default=None,
        help="the shell whose prompt shows it: what it expands is escaped (zsh: %%), colours wrapped for it",
    )
    cmd.add_argument(
        PROMPT_COLOR, choices=PROMPT_COLORS, default="auto", help="in the role's colour (auto: on a terminal)"
    )
    cmd.set_defaults(handler=cmd_prompt)


def cmd_shell_roles(args: argparse.Namespace) -> int:
    """Run by the full parser only when the fast path (`stsui.cli.quick_shell`) did not answer."""
    from stsui.cli.quick_shell import print_role_names

    return print_role_names(args.config)


def cmd_prompt(args: argparse.Namespace) -> int:
    """Run by the full parser only when the fast path (`stsui.cli.quick_shell`) did not answer."""
    from stsui.cli.quick_shell import print_prompt

    return print_prompt(args.format, os.environ, color=args.color, shell=args.shell, explicit=args.config)
