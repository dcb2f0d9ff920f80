"""The names of the command line that the fast paths (credential-process, prompt) share with the parser.

`parser.py` builds the full grammar (argparse) from these names; `plain_credential_process` recognises the
one form botocore runs, `[--config PATH] credential-process NAME`, and `plain_prompt` the prompt's options,
without loading argparse. Anything they do not recognise goes to the parser; tests hold them to reading argv
exactly as the parser does.
"""

from __future__ import annotations

from collections.abc import Sequence

CONFIG_OPTION = "--config"
CREDENTIAL_PROCESS = "credential-process"


def plain_credential_process(argv: Sequence[str]) -> tuple[str | None, str] | None:
    """(the --config value or None, NAME) for exactly `[--config PATH] credential-process NAME`, else None."""
    args = list(argv)
    explicit = None
    if args[:1] == [CONFIG_OPTION] and len(args) >= 2:
        explicit, args = args[1], args[2:]
    elif args and args[0].startswith(CONFIG_OPTION + "="):
        explicit, args = args[0].split("=", 1)[1], args[1:]
    if explicit is not None and explicit.startswith("-"):
        return None
    if len(args) != 2 or args[0] != CREDENTIAL_PROCESS or args[1].startswith("-") or not args[1]:
        return None
    return explicit, args[1]


PROMPT = "prompt"
PROMPT_FORMAT = "--format"
PROMPT_SHELL = "--shell"
PROMPT_SHELLS = ("bash", "zsh")
"""`stsui prompt --shell`: the shell whose prompt shows the output, so that what the shell would expand in it
is escaped (zsh: `%`) and colour escapes are wrapped for its line editor (`\\[ \\]`, `%{ %}`). Without it,
the output is plain text (starship, fish, tmux)."""
PROMPT_COLOR = "--color"
PROMPT_COLORS = ("auto", "always", "never")
"""`stsui prompt --color`: auto colours only when stdout is a terminal (a prompt's `$(stsui prompt)` is a
pipe: give `--color always` there)."""
PROMPT_CHOICES: dict[str, tuple[str, ...] | None] = {
    PROMPT_FORMAT: None,
    PROMPT_SHELL: PROMPT_SHELLS,
    PROMPT_COLOR: PROMPT_COLORS,
}
"""The prompt's options (each takes a value) and the values each allows (None: any)."""


def plain_prompt(argv: Sequence[str]) -> tuple[str | None, dict[str, str]] | None:
    """(the --config value or None, the options) of exactly `[--config PATH] prompt [--format F]
    [--shell bash|zsh] [--color auto|always|never]` (each at most once, in any order, as `--opt V` or
    `--opt=V`), options keyed by name; None for anything else, which the parser reads."""
    args = list(argv)
    explicit = None
    if args[:1] == [CONFIG_OPTION] and len(args) >= 2 and not args[1].startswith("-"):
        explicit, args = args[1], args[2:]
    if args[:1] != [PROMPT]:
        return None
    given: dict[str, str] = {}
    rest = args[1:]
    while rest:
        name, equals, value = rest.pop(0).partition("=")
        if name not in PROMPT_CHOICES or name in given:
            return None
        if not equals:
            if not rest or rest[0].startswith("-"):  # argparse takes `-x` for an option, not a value
                return None
            value = rest.pop(0)
        allowed = PROMPT_CHOICES[name]
        if allowed is not None and value not in allowed:
            return None
        given[name] = value
    return explicit, given
