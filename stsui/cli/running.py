"""How another program runs this stsui: for the commands that write it into other tools' files (kubectl's
kubeconfig, and `credential_process` profiles), which run it without the user's shell."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def running_stsui() -> list[str]:
    """The command that runs this stsui from anywhere: its console script's absolute path (a link kept as it
    is, so pipx's link still finds it after an upgrade), or this interpreter and `-m stsui`."""
    first = sys.argv[0] if sys.argv else ""
    if Path(first).name != "__main__.py" and first not in ("", "-c", "-m"):
        path = os.path.abspath(first)
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return [path]
        import shutil  # only where the running stsui is looked up

        found = shutil.which("stsui")
        if found:
            return [os.path.abspath(found)]
    return [os.path.abspath(sys.executable), "-m", "stsui"]


def roles_file_option(path: Path) -> Path | None:
    """The roles file to name with `--config`: None when it is the one stsui finds without `--config`,
    `STSUI_CONFIG` or `XDG_CONFIG_HOME` (an IDE or kubectl may start without your shell's variables)."""
    from stsui.domain.paths import plain_config_path_str

    plain = plain_config_path_str()
    return None if os.path.realpath(path) == os.path.realpath(plain) else Path(os.path.abspath(path))
