"""A desktop notification when a background caller needs the user: an MFA code that neither `mfa_process`
nor an open TUI can give (`credential-process` under an SDK, an `exec` child, the agent's server).

Freedesktop notifications over D-Bus (`notify-send`, else `gdbus`), `osascript` on macOS; each run without
a shell, its arguments quoted for the tool, and waited for at most `SEND_WAIT` seconds. At most one per role
every `EVERY` (across processes: `stsui.store.cache.Notified`); never with `notify = false`. The text names
the role and what to run, never a code or a key.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from stsui.domain.model import Role
from stsui.domain.printable import printable
from stsui.domain.times import utc_now
from stsui.store.cache import Notified

EVERY = timedelta(minutes=5)
SEND_WAIT = 2.0
"""The longest a caller waits for the notification tool (a D-Bus that does not answer)."""
TITLE = "stsui: MFA code needed"


def _gvariant(text: str) -> str:
    """`text` as a GVariant string literal (gdbus parses every argument as one)."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _applescript(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def command_for(title: str, body: str) -> list[str] | None:
    """The command that shows the notification here, or None when no tool for it is installed."""
    if sys.platform == "darwin":
        script = f"display notification {_applescript(body)} with title {_applescript(title)}"
        return ["osascript", "-e", script] if shutil.which("osascript") else None
    if shutil.which("notify-send"):
        return ["notify-send", "--app-name=stsui", "--", title, body]
    if shutil.which("gdbus"):
        service = "org.freedesktop.Notifications"
        path = "/" + service.replace(".", "/")
        call = ["gdbus", "call", "--session", "--dest", service, "--object-path", path]
        strings = ("stsui", "", title, body)  # app name, icon, summary, body
        arguments = [_gvariant(strings[0]), "0", *map(_gvariant, strings[1:]), "[]", "{}", "15000"]
        return [*call, "--method", f"{service}.Notify", *arguments]
    return None


def post(title: str, body: str) -> bool:
    """Show one notification; False when no tool is there or it failed. Never waits long."""
    command = command_for(title, body)
    if command is None:
        return False
    try:
        child = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError:
        return False
    try:
        return child.wait(timeout=SEND_WAIT) == 0
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
        return False


class NeedsYou:
    """Tells the user, on the desktop, that a background caller needs them for a role's MFA code."""

    def __init__(
        self,
        cache_dir: Path,
        *,
        clock: Callable[[], datetime] = utc_now,
        send: Callable[[str, str], bool] = post,
    ) -> None:
        self._notified = Notified(cache_dir / "notified")
        self._clock = clock
        self._send = send

    def __call__(self, role: Role, serial: str | None, asker: str) -> bool:
        """Notify about `role` (whose chain needs a code for `serial`) asked for by `asker`; True when a
        notification was posted (not off, not within `EVERY` of the last one for the role)."""
        if not role.notify or not self._notified.claim(role.name, self._clock(), EVERY):
            return False
        device = f" ({serial})" if serial else ""
        body = (
            f"{printable(asker, 120)} needs role '{role.name}', which needs a new MFA code{device}. "
            f"Run 'stsui assume {role.name}' in a terminal, or open stsui and press Enter on it."
        )
        return self._send(TITLE, body)
