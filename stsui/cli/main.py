"""The entry point: the credential-process fast path, else parse and dispatch; errors become sentences."""

from __future__ import annotations

import os
import sys

from stsui.domain.errors import StsuiError, UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:  # the fast paths start here: no typing, no collections
    from collections.abc import Sequence


def run(argv: Sequence[str] | None = None) -> int:
    """Parse and run; raises StsuiError for the caller to report."""
    from stsui.cli.parser import build_parser, no_arguments

    arguments = list(sys.argv[1:] if argv is None else argv)
    tail = None
    if "--" in arguments:  # `exec NAME -- COMMAND ...`: what follows is the child's, never parsed
        cut = arguments.index("--")
        arguments, tail = arguments[:cut], arguments[cut + 1 :]
    if arguments or tail is not None:
        parser = build_parser()
        args = parser.parse_args(arguments)
        args.parser = parser  # the grammar, for the commands that print it (shell-init's completion)
    else:
        args = no_arguments()
    args.argv = tail
    if tail is not None and args.command != "exec":
        raise UsageError("Only 'stsui exec NAME -- COMMAND' takes arguments after '--'.")
    return int(args.handler(args))


def _answer_fast(arguments: list[str]) -> int | None:
    """The fast paths (stdlib only, no argparse): what they answer, or None for the full parser."""
    from stsui.cli.grammar import CREDENTIAL_PROCESS, EKS_TOKEN, PROMPT

    if CREDENTIAL_PROCESS in arguments:  # botocore runs it at every process start: answer fast if we can
        from stsui.cli.quick import credential_process

        answered = credential_process(arguments)
        if answered is not None:
            return answered
    if EKS_TOKEN in arguments:  # kubectl runs it whenever its token is due: answer fast if we can
        from stsui.cli.quick_eks import eks_token

        answered = eks_token(arguments)
        if answered is not None:
            return answered
    if PROMPT in arguments[:3] or "shell-roles" in arguments:  # every prompt, every Tab: stdlib only
        from stsui.cli.quick_shell import answer

        return answer(arguments)
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """The console script: errors become one line on stderr and an exit code, never a traceback, on the
    fast paths as on every other."""
    arguments = sys.argv[1:] if argv is None else list(argv)
    try:
        answered = _answer_fast(arguments)
        return run(arguments) if answered is None else answered
    except StsuiError as error:
        print(f"stsui: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("stsui: interrupted.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1
    except Exception as error:  # the last net: a sentence, not a traceback
        if os.environ.get("STSUI_DEBUG"):
            raise
        from stsui.domain.printable import printable

        print(
            f"stsui: unexpected {type(error).__name__}: {printable(str(error), 200)}; set STSUI_DEBUG=1 "
            "to see details and please report it.",
            file=sys.stderr,
        )
        return 1
