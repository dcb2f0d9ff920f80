"""`stsui shell-init SHELL`: the switching function and completion for `stsui` and the function.

Completion is generated here from the argparse grammar itself (commands, their options, which of them take a
role, and the function's options with their help from `shell-use`), so it never drifts from the parser; role
names come at Tab time from `stsui shell-roles` (a cached read of the roles file, only names that pass the
role-name rule). No shell expands a completion word: bash matches each line by prefix in a loop
(`__stsui_reply`; `compgen -W` would expand `$(…)` in a word), zsh adds the lines of a quoted command
substitution, fish the lines of its command substitution. Everything
printed only defines functions and completions: evaluating it twice is harmless, and it never touches the
variable that remembers the last switch. The grammar is the one `main` parsed the command with
(`args.parser`): this module registers `shell-init` in it, so it cannot import the parser.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import NamedTuple

from stsui.cli.shell import MARK
from stsui.domain.errors import UsageError
from stsui.domain.exports import quote

INIT_SHELLS = {"bash": "sh", "zsh": "sh", "fish": "fish", "powershell": "powershell"}
"""`shell-init`'s shells and the dialect of `stsui.domain.exports` each speaks."""

ROLE_ARGUMENTS = ("name", "names")
"""Positional arguments that are role names."""

SHELL_USE = "shell-use"
"""The command the function runs; its options (but `--shell`, which the function sets) are the function's."""

HIDDEN = (SHELL_USE, "shell-roles")
"""Commands the function and completion run, not the user."""

GO_BACK = "-"
"""The function's argument for "back to what the shell had"."""


class Option(NamedTuple):
    """An option of the function: `--env`, with its help and whether it takes a value."""

    name: str
    help: str
    takes_value: bool


class Grammar(NamedTuple):
    """What completion needs of the parser. (Named tuples: this module is imported by every parse, for
    `shell-init`'s parser, and a dataclass costs more to create than the rest of the module.)"""

    commands: dict[str, list[str]]  # command -> its options
    role_commands: list[str]
    options: list[str]  # stsui's own, before the command
    function_options: list[Option]  # the sts function's, from shell-use

    @property
    def function_words(self) -> list[str]:
        """What completes after the function's name besides a role."""
        return [*(option.name for option in self.function_options), GO_BACK]


def grammar(parser: argparse.ArgumentParser) -> Grammar:
    """Commands, options and the commands that take a role, read from the parser."""

    def options(p: argparse.ArgumentParser) -> list[str]:
        return [s for a in p._actions for s in a.option_strings if s.startswith("--")]

    commands: dict[str, list[str]] = {}
    roles: list[str] = []
    function: list[Option] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                if name == SHELL_USE:
                    function = [
                        Option(a.option_strings[-1], a.help or "", a.nargs != 0)
                        for a in sub._actions
                        if a.option_strings and a.dest not in ("shell", "help")
                    ]
                if name in HIDDEN:
                    continue
                commands[name] = options(sub)
                if any(a.dest in ROLE_ARGUMENTS and not a.option_strings for a in sub._actions):
                    roles.append(name)
    return Grammar(commands, roles, options(parser), function)


def _words(words: list[str]) -> str:
    return " ".join(words)


def _print_lines(words: list[str]) -> str:
    """A bash command printing `words` one a line (what `__stsui_reply` matches)."""
    return "printf '%s\\n' " + " ".join(quote(word) for word in words)


def _option_cases(g: Grammar, case: Callable[[str, list[str]], str]) -> str:
    """The `case` lines completing each command's options, for the commands that have any."""
    return "".join(case(cmd, opts) for cmd, opts in g.commands.items() if opts)


def _use_function(name: str, paren: str) -> str:
    """The bash and zsh function `name` (`sts`): it evaluates what `stsui shell-use` prints when that is code
    (it starts with MARK), and prints it otherwise; `paren` opens each case pattern (zsh's style, "(")."""
    return f"""\
{name}() {{
  local __sts_code
  __sts_code="$(command stsui shell-use --shell sh "$@")" || return
  case "$__sts_code" in
    {paren}{quote(MARK)}*) eval "$__sts_code" ;;
    {paren}?*) printf '%s\\n' "$__sts_code" ;;
  esac
}}

"""


def _bash(name: str, g: Grammar) -> str:
    option_cases = _option_cases(g, lambda cmd, opts: f"      {cmd}) {_print_lines(opts)} ;;\n")
    return (
        _use_function(name, "")
        + f"""\
__stsui_words() {{
  local cmd="" i=1
  while [ "$i" -lt "$1" ]; do
    case "${{COMP_WORDS[i]}}" in
      --config) i=$((i + 1)) ;;
      -*) ;;
      *) cmd="${{COMP_WORDS[i]}}"; break ;;
    esac
    i=$((i + 1))
  done
  if [ -z "$cmd" ]; then
    {_print_lines([*g.commands, *g.options])}
  elif [[ "$2" == -* ]]; then
    case "$cmd" in
{option_cases}    esac
  else
    case "$cmd" in
      {"|".join(g.role_commands)}) command stsui shell-roles 2>/dev/null ;;
    esac
  fi
}}

__stsui_reply() {{
  # COMPREPLY: the lines of $1 that start with $2, as they are (never split, globbed or expanded)
  local word
  COMPREPLY=()
  while IFS= read -r word; do
    if [[ -n "$word" && "$word" == "$2"* ]]; then COMPREPLY+=("$word"); fi
  done <<< "$1"
}}

__stsui_complete() {{
  local cur="${{COMP_WORDS[COMP_CWORD]}}"
  __stsui_reply "$(__stsui_words "$COMP_CWORD" "$cur")" "$cur"
}}

__sts_complete() {{
  local cur="${{COMP_WORDS[COMP_CWORD]}}"
  if [[ "$cur" == -* ]]; then
    __stsui_reply "$({_print_lines(g.function_words)})" "$cur"
  else
    __stsui_reply "$(command stsui shell-roles 2>/dev/null)" "$cur"
  fi
}}

complete -F __stsui_complete stsui
complete -F __sts_complete {name}
"""
    )


def _zsh(name: str, g: Grammar) -> str:
    option_cases = _option_cases(g, lambda cmd, opts: f"      ({cmd}) compadd -- {_words(opts)} ;;\n")
    return (
        _use_function(name, "(")
        + f"""\
__stsui_complete() {{
  local cmd="" i=2
  while (( i < CURRENT )); do
    case "${{words[i]}}" in
      (--config) (( i++ )) ;;
      (-*) ;;
      (*) cmd="${{words[i]}}"; break ;;
    esac
    (( i++ ))
  done
  if [[ -z "$cmd" ]]; then
    compadd -- {_words([*g.commands, *g.options])}
  elif [[ "${{words[CURRENT]}}" == -* ]]; then
    case "$cmd" in
{option_cases}    esac
  else
    case "$cmd" in
      ({"|".join(g.role_commands)}) compadd -- ${{(f)"$(command stsui shell-roles 2>/dev/null)"}} ;;
    esac
  fi
}}

__sts_complete() {{
  if [[ "${{words[CURRENT]}}" == -* ]]; then
    compadd -- {_words(g.function_words)}
  else
    compadd -- ${{(f)"$(command stsui shell-roles 2>/dev/null)"}}
  fi
}}

if (( $+functions[compdef] )); then
  compdef __stsui_complete stsui
  compdef __sts_complete {name}
fi
"""
    )


def _fish(name: str, g: Grammar) -> str:
    roles = "(command stsui shell-roles 2>/dev/null)"
    lines = [
        "complete -c stsui -e",
        "complete -c stsui -f",
        f"complete -c stsui -n __fish_use_subcommand -a {quote(_words(list(g.commands)), 'fish')}",
        *(f"complete -c stsui -n __fish_use_subcommand -l {opt[2:]}" for opt in g.options),
        f"complete -c stsui -n {quote('__fish_seen_subcommand_from ' + _words(g.role_commands), 'fish')}"
        f" -a {quote(roles, 'fish')}",
        *(
            f"complete -c stsui -n {quote('__fish_seen_subcommand_from ' + cmd, 'fish')} -l {opt[2:]}"
            for cmd, opts in g.commands.items()
            for opt in opts
        ),
        f"complete -c {name} -e",
        f"complete -c {name} -f -a {quote(roles, 'fish')}",
        *(
            f"complete -c {name} -l {option.name[2:]}{' -r' if option.takes_value else ''}"
            f" -d {quote(option.help, 'fish')}"
            for option in g.function_options
        ),
    ]
    return (
        f"""\
function {name} --description 'switch this shell to a role (stsui)'
    set -l __sts_code (command stsui shell-use --shell fish $argv | string collect)
    set -l __sts_status $pipestatus[1]
    test $__sts_status -eq 0; or return $__sts_status
    if string match -q -- {quote(MARK + "*", "fish")} "$__sts_code"
        printf '%s\\n' "$__sts_code" | source
    else if test -n "$__sts_code"
        printf '%s\\n' "$__sts_code"
    end
end

"""
        + "\n".join(lines)
        + "\n"
    )


def _powershell(name: str, g: Grammar) -> str:
    return f"""\
function {name} {{
    $__sts_code = (& stsui shell-use --shell powershell @args) -join "`n"
    if ($LASTEXITCODE -ne 0) {{ return }}
    if ($__sts_code.StartsWith({quote(MARK, "powershell")})) {{ Invoke-Expression $__sts_code }}
    elseif ($__sts_code) {{ Write-Output $__sts_code }}
}}

# a native completer works for stsui (a program), not for the function (it takes $args)
Register-ArgumentCompleter -Native -CommandName stsui -ScriptBlock {{
    param($wordToComplete, $commandAst, $cursorPosition)
    @({quote(", ".join(g.commands), "powershell")} -split ', ') + @(& stsui shell-roles 2>$null) |
        Where-Object {{ $_ -like "$wordToComplete*" }}
}}
"""


def script(shell: str, name: str, parser: argparse.ArgumentParser) -> str:
    """The text for `eval` in `shell`'s rc file."""
    g = grammar(parser)
    if INIT_SHELLS[shell] == "fish":
        return _fish(name, g)
    if shell == "powershell":
        return _powershell(name, g)
    return _zsh(name, g) if shell == "zsh" else _bash(name, g)


def cmd_shell_init(args: argparse.Namespace) -> int:
    if not args.name.replace("-", "_").isidentifier():
        raise UsageError(f"--name {args.name!r} is not a function name; use letters, digits, '_' and '-'.")
    sys.stdout.write(script(args.shell, args.name, args.parser))
    return 0


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cmd = commands.add_parser(
        "shell-init", help='the sts function for your rc file: eval "$(stsui shell-init bash)"'
    )
    cmd.add_argument("shell", choices=tuple(INIT_SHELLS))
    cmd.add_argument("--name", default="sts", help="the function's name (default: sts)")
    cmd.set_defaults(handler=cmd_shell_init)
