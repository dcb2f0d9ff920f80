"""What `stsui shell-init SHELL` prints: the switching function and completion for `stsui` and the function.

Completion is generated here from the argparse grammar itself (commands, their options, which of them take a
role), so it never drifts from the parser; role names come at Tab time from `stsui shell-roles` (a cached
read of the roles file, no validation). Everything printed only defines functions and completions: evaluating
it twice is harmless, and it never touches the variable that remembers the last switch.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from stsui.cli.shell import INIT_SHELLS, MARK
from stsui.domain.exports import quote

ROLE_ARGUMENTS = ("name", "names")
"""Positional arguments that are role names."""

HIDDEN = ("shell-use", "shell-roles")
"""Commands the function and completion run, not the user."""

FUNCTION_OPTIONS = ("--env", "--off", "--mfa-code", "-")


@dataclass(frozen=True)
class Grammar:
    commands: dict[str, list[str]]  # command -> its options
    role_commands: list[str]
    options: list[str]  # stsui's own, before the command


def grammar(parser: argparse.ArgumentParser) -> Grammar:
    """Commands, options and the commands that take a role, read from the parser."""

    def options(p: argparse.ArgumentParser) -> list[str]:
        return [s for a in p._actions for s in a.option_strings if s.startswith("--")]

    commands: dict[str, list[str]] = {}
    roles: list[str] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                if name in HIDDEN:
                    continue
                commands[name] = options(sub)
                if any(a.dest in ROLE_ARGUMENTS and not a.option_strings for a in sub._actions):
                    roles.append(name)
    return Grammar(commands, roles, options(parser))


def _words(words: list[str]) -> str:
    return " ".join(words)


def _bash(name: str, g: Grammar) -> str:
    option_cases = "".join(
        f"      {cmd}) words={quote(_words(opts))} ;;\n" for cmd, opts in g.commands.items()
    )
    return f"""\
{name}() {{
  local __sts_code
  __sts_code="$(command stsui shell-use --shell sh "$@")" || return
  case "$__sts_code" in
    {quote(MARK)}*) eval "$__sts_code" ;;
    ?*) printf '%s\\n' "$__sts_code" ;;
  esac
}}

__stsui_words() {{
  local cmd="" i=1 words=""
  while [ "$i" -lt "$1" ]; do
    case "${{COMP_WORDS[i]}}" in
      --config) i=$((i + 1)) ;;
      -*) ;;
      *) cmd="${{COMP_WORDS[i]}}"; break ;;
    esac
    i=$((i + 1))
  done
  if [ -z "$cmd" ]; then
    words={quote(_words([*g.commands, *g.options]))}
  elif [[ "$2" == -* ]]; then
    case "$cmd" in
{option_cases}    esac
  else
    case "$cmd" in
      {"|".join(g.role_commands)}) words="$(command stsui shell-roles 2>/dev/null)" ;;
    esac
  fi
  printf '%s\\n' "$words"
}}

__stsui_complete() {{
  local cur="${{COMP_WORDS[COMP_CWORD]}}"
  COMPREPLY=($(compgen -W "$(__stsui_words "$COMP_CWORD" "$cur")" -- "$cur"))
}}

__sts_complete() {{
  local cur="${{COMP_WORDS[COMP_CWORD]}}"
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W {quote(_words(list(FUNCTION_OPTIONS)))} -- "$cur"))
  else
    COMPREPLY=($(compgen -W "$(command stsui shell-roles 2>/dev/null)" -- "$cur"))
  fi
}}

complete -F __stsui_complete stsui
complete -F __sts_complete {name}
"""


def _zsh(name: str, g: Grammar) -> str:
    option_cases = "".join(
        f"      ({cmd}) compadd -- {_words(opts)} ;;\n" for cmd, opts in g.commands.items() if opts
    )
    return f"""\
{name}() {{
  local __sts_code
  __sts_code="$(command stsui shell-use --shell sh "$@")" || return
  case "$__sts_code" in
    ({quote(MARK)}*) eval "$__sts_code" ;;
    (?*) printf '%s\\n' "$__sts_code" ;;
  esac
}}

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
    compadd -- {_words(list(FUNCTION_OPTIONS))}
  else
    compadd -- ${{(f)"$(command stsui shell-roles 2>/dev/null)"}}
  fi
}}

if (( $+functions[compdef] )); then
  compdef __stsui_complete stsui
  compdef __sts_complete {name}
fi
"""


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
        f"complete -c {name} -l env -d 'export the session keys instead of a profile'",
        f"complete -c {name} -l off -d 'remove what {name} set'",
        f"complete -c {name} -l mfa-code -r -d 'the 6-digit MFA code'",
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
