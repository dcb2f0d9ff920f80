"""The names of the command line that the credential-process fast path shares with the parser.

`parser.py` builds the full grammar (argparse) from these names; `plain_credential_process` recognises the
one form botocore runs, `[--config PATH] credential-process NAME`, without loading argparse. Anything it does
not recognise goes to the parser; a test holds it to reading argv exactly as the parser does.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
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
