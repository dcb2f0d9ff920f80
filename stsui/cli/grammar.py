"""The names of the command line that the fast paths (credential-process, prompt, eks-token) share with the
parser.

`parser.py` builds the full grammar (argparse) from these names; `plain_credential_process` recognises the
one form botocore runs, `[--config PATH] credential-process NAME`, `plain_prompt` the prompt's options and
`plain_eks_token` kubectl's `eks-token NAME --cluster C`, without loading argparse. Anything they do not
recognise goes to the parser; tests hold them to reading argv exactly as the parser does.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

CONFIG_OPTION = "--config"
CREDENTIAL_PROCESS = "credential-process"


def _config_first(argv: Sequence[str]) -> tuple[str | None, list[str]] | None:
    """(the leading `--config PATH` / `--config=PATH` value or None, the words after it); None when the
    value is one argparse would take for an option."""
    args = list(argv)
    explicit = None
    if args[:1] == [CONFIG_OPTION] and len(args) >= 2:
        explicit, args = args[1], args[2:]
    elif args and args[0].startswith(CONFIG_OPTION + "="):
        explicit, args = args[0].split("=", 1)[1], args[1:]
    if explicit is not None and explicit.startswith("-"):
        return None
    return explicit, args


def _take_option(
    word: str, rest: list[str], allowed: Mapping[str, tuple[str, ...] | None], given: dict[str, str]
) -> bool:
    """Read option `word` (`--opt V`, taking V from `rest`, or `--opt=V`) into `given`; False when it is
    not one of `allowed`, is given twice, lacks a value argparse would accept, or has a value outside its
    choices (`allowed[name]`; None: any)."""
    name, equals, value = word.partition("=")
    if name not in allowed or name in given:
        return False
    if not equals:
        if not rest or rest[0].startswith("-"):  # argparse takes `-x` for an option, not a value
            return False
        value = rest.pop(0)
    choices = allowed[name]
    if choices is not None and value not in choices:
        return False
    given[name] = value
    return True


def plain_credential_process(argv: Sequence[str]) -> tuple[str | None, str] | None:
    """(the --config value or None, NAME) for exactly `[--config PATH] credential-process NAME`, else None."""
    first = _config_first(argv)
    if first is None:
        return None
    explicit, args = first
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
PROMPT_OPTIONS: dict[str, tuple[str, ...] | None] = {
    PROMPT_FORMAT: None,
    PROMPT_SHELL: PROMPT_SHELLS,
    PROMPT_COLOR: PROMPT_COLORS,
}
"""The prompt's options (each takes a value) and the values each allows (None: any)."""


def plain_prompt(argv: Sequence[str]) -> tuple[str | None, dict[str, str]] | None:
    """(the --config value or None, the options) of exactly `[--config PATH] prompt [--format F]
    [--shell bash|zsh] [--color auto|always|never]` (each at most once, in any order, as `--opt V` or
    `--opt=V`), options keyed by name; None for anything else, which the parser reads."""
    first = _config_first(argv)
    if first is None or first[1][:1] != [PROMPT]:
        return None
    explicit, rest = first[0], first[1][1:]
    given: dict[str, str] = {}
    while rest:
        if not _take_option(rest.pop(0), rest, PROMPT_OPTIONS, given):
            return None
    return explicit, given


EKS_TOKEN = "eks-token"
CLUSTER_OPTION = "--cluster"
REGION_OPTION = "--region"
EKS_TOKEN_OPTIONS: dict[str, tuple[str, ...] | None] = {CLUSTER_OPTION: None, REGION_OPTION: None}
"""`eks-token`'s options; each takes a value, and `--cluster` is required."""


def plain_eks_token(argv: Sequence[str]) -> tuple[str | None, str, dict[str, str]] | None:
    """(the --config value or None, NAME, the options given by name) for exactly `[--config PATH] eks-token
    NAME --cluster C [--region R]` (options before or after NAME, each once, as `--opt V` or `--opt=V`);
    None for anything else, which the parser reads."""
    first = _config_first(argv)
    if first is None or first[1][:1] != [EKS_TOKEN]:
        return None
    explicit, rest = first[0], first[1][1:]
    name: str | None = None
    given: dict[str, str] = {}
    while rest:
        word = rest.pop(0)
        if not word.startswith("-"):
            if name is not None or not word:
                return None
            name = word
            continue
        if not _take_option(word, rest, EKS_TOKEN_OPTIONS, given):
            return None
    if name is None or CLUSTER_OPTION not in given:
        return None
    return explicit, name, given
