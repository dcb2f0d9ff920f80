"""MFA from anywhere: a background caller asks the running TUI to get an MFA code from the user.

The TUI (when it is the agent) listens on `mfa.sock` beside the agent file (0600, in the 0700 directory). A
caller that needs an MFA session it does not have (`credential-process`, `exec` without a terminal) sends one
JSON line `{"role": NAME, "asker": TEXT}` and waits, up to `WAIT` seconds, for one JSON line back:
`{"ok": true}` once the user entered the code in the TUI and the TUI cached the new MFA session, or
`{"ok": false, "message": SENTENCE}`. The code itself never crosses the socket: the TUI calls STS with it and
the caller then finds the MFA session in the shared cache.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
from collections.abc import Callable
from pathlib import Path

from stsui.domain.errors import NeedsMfa
from stsui.domain.paths import runtime_dir
from stsui.store.atomic import private_dir

SOCKET_NAME = "mfa.sock"
WAIT = 120.0
"""How long a caller waits for the user to answer in the TUI."""
LIMIT = 4096
"""The most either side reads of one message."""


def socket_path() -> Path:
    return runtime_dir() / SOCKET_NAME


def _read_line(connection: socket.socket) -> dict[str, object] | None:
    data = b""
    while not data.endswith(b"\n") and len(data) < LIMIT:
        chunk = connection.recv(LIMIT - len(data))
        if not chunk:
            break
        data += chunk
    try:
        message = json.loads(data)
    except ValueError:
        return None
    return message if isinstance(message, dict) else None


class NoTuiToAsk(NeedsMfa):
    """No TUI listens for MFA questions: nobody on this machine can be asked but through the desktop."""


def ask_the_tui(role: str, asker: str) -> None:
    """Ask the running TUI for `role`'s MFA code and wait; raises NeedsMfa with a sentence when the user
    declines or the wait runs out, NoTuiToAsk when no TUI runs."""
    unreachable = NoTuiToAsk(
        f"Role '{role}' needs an MFA code and no stsui TUI is running to ask for it; "
        f"run 'stsui assume {role}' in a terminal or open the TUI (stsui)."
    )
    path = socket_path()
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        connection.settimeout(2.0)
        try:
            connection.connect(str(path))
        except OSError:
            raise unreachable from None
        connection.sendall(json.dumps({"role": role, "asker": asker}).encode() + b"\n")
        connection.settimeout(WAIT)
        try:
            answer = _read_line(connection)
        except OSError:
            answer = None
    finally:
        connection.close()
    if answer is None:
        raise NeedsMfa(f"Role '{role}' needs an MFA code; the TUI did not answer within {int(WAIT)} s.")
    if answer.get("ok") is not True:
        message = answer.get("message")
        raise NeedsMfa(str(message) if isinstance(message, str) else f"Role '{role}' got no MFA code.")


Answer = Callable[[str, str], str | None]
"""The TUI's side: given (role, asker), block until the user entered a code and the MFA session is cached;
return None on success or a sentence saying why not."""


class MfaRelay:
    """The TUI's listener: one thread accepting callers, one thread per caller while the user answers."""

    def __init__(self, answer: Answer) -> None:
        self._answer = answer
        self.path = socket_path()
        self._server: socket.socket | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        private_dir(self.path.parent)
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old = os.umask(0o177)
        try:
            server.bind(str(self.path))
        finally:
            os.umask(old)
        os.chmod(self.path, 0o600)
        server.listen(8)
        self._server = server
        self._thread = threading.Thread(target=self._accept, name="stsui-mfa-relay", daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        assert self._server is not None
        while True:
            try:
                connection, _ = self._server.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    @staticmethod
    def _same_user(connection: socket.socket) -> bool:
        """Only the user's own processes may ask (the socket is 0600 too; this holds where modes do not)."""
        option = getattr(socket, "SO_PEERCRED", None)
        if option is None:
            return True
        import struct

        peer: tuple[int, int, int] = struct.unpack("3i", connection.getsockopt(socket.SOL_SOCKET, option, 12))
        return peer[1] == os.getuid()  # (pid, uid, gid)

    def _serve(self, connection: socket.socket) -> None:
        with connection:
            if not self._same_user(connection):
                return
            connection.settimeout(5.0)
            try:
                request = _read_line(connection)
            except OSError:
                return
            role, asker = (request or {}).get("role"), (request or {}).get("asker", "")
            if not isinstance(role, str) or not isinstance(asker, str):
                return
            problem = self._answer(role, asker[:200])
            reply = {"ok": True} if problem is None else {"ok": False, "message": problem}
            with contextlib.suppress(OSError):
                connection.sendall(json.dumps(reply).encode() + b"\n")

    def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
