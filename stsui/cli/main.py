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
    args = build_parser().parse_args(arguments) if arguments or tail is not None else no_arguments()
    args.argv = tail
    if tail is not None and args.command != "exec":
        raise UsageError("Only 'stsui exec NAME -- COMMAND' takes arguments after '--'.")
    return int(args.handler(args))


def main(argv: Sequence[str] | None = None) -> int:
    """The console script: errors become one line on stderr and an exit code, never a traceback."""
    arguments = sys.argv[1:] if argv is None else list(argv)
    from stsui.cli.grammar import CREDENTIAL_PROCESS

    if CREDENTIAL_PROCESS in arguments:  # botocore runs it at every process start: answer fast if we can
        from stsui.cli.quick import credential_process

        answered = credential_process(arguments)
        if answered is not None:
            return answered
    if arguments[:1] == ["prompt"] or "shell-roles" in arguments:  # every prompt, every Tab: stdlib only
        from stsui.cli.quick_shell import answer

        answered = answer(arguments)
        if answered is not None:
            return answered
    try:
        return run(arguments)
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
        print(
            f"stsui: unexpected {type(error).__name__}: {error}; set STSUI_DEBUG=1 to see details "
            "and please report it.",
            file=sys.stderr,
        )
        return 1
