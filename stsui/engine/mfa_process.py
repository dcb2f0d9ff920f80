"""Running `mfa_process`: a command that prints an MFA code (`ykman oath accounts code --single NAME`,
`op item get AWS --otp`, `pass otp aws`), run as aws-vault runs it, through `/bin/sh -c`.

With a terminal (and stsui in its foreground), the command gets it as stdin and stderr, so "touch your
YubiKey" or a password prompt reaches the user even when stsui's own stderr is a pipe (botocore's
credential_process); otherwise it runs without one, in a session of its own. At most 4 KiB of its stdout is
read, for at most `TIMEOUT` seconds; then the command and its children are stopped. What it printed is never
shown: it may be a secret.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import subprocess
import time

from stsui.domain.errors import MfaProcessError
from stsui.domain.limits import MFA_CODE

TIMEOUT = 60.0
"""The longest an `mfa_process` may take (a YubiKey waiting for a touch, a password manager unlocking)."""
OUTPUT_LIMIT = 4096
SHELL = "/bin/sh"


def terminal() -> int | None:
    """The controlling terminal, opened read-write, when this process is in its foreground; else None (no
    terminal, or a background job, which would be stopped by reading it)."""
    try:
        fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        if os.tcgetpgrp(fd) == os.getpgrp():
            return fd
    except OSError:
        pass
    os.close(fd)
    return None


def run_mfa_process(command: str, who: str, *, use_terminal: bool, timeout: float = TIMEOUT) -> str:
    """The 6-digit code `command` prints; MfaProcessError (one sentence, never its output) otherwise.
    `who` names what the code is for in that sentence ("role 'prod'", "key 'work'")."""
    tty = terminal() if use_terminal else None
    try:
        try:
            child = subprocess.Popen(
                [SHELL, "-c", command],
                stdin=subprocess.DEVNULL if tty is None else tty,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL if tty is None else tty,
                start_new_session=tty is None,  # stopped with all it started when it hangs
                close_fds=True,
            )
        except OSError as error:
            raise MfaProcessError(
                f"The mfa_process of {who} could not be started ({error.strerror or error}); check it in the "
                "roles file."
            ) from None
        output, finished = _read(child, timeout, group=tty is None)
    finally:
        if tty is not None:
            os.close(tty)
    if not finished:
        raise MfaProcessError(
            f"The mfa_process of {who} gave no MFA code within {int(timeout)} s and was stopped (touch "
            "your security key or unlock your password manager when it asks, then try again)."
        )
    if child.returncode != 0:
        status = f"signal {-child.returncode}" if child.returncode < 0 else f"status {child.returncode}"
        raise MfaProcessError(
            f"The mfa_process of {who} failed (exit {status}) and gave no MFA code; run it yourself to see "
            "why (stsui never shows its output: it could be a secret)."
        )
    code = output.decode("ascii", "replace").strip()
    if MFA_CODE.fullmatch(code) is None:
        raise MfaProcessError(
            f"The mfa_process of {who} printed no 6-digit MFA code (stsui does not show what it printed: it "
            "could be a secret); it must print only the code, as 'ykman oath accounts code --single NAME' "
            "or 'op item get NAME --otp' do."
        )
    return code


def _read(child: subprocess.Popen[bytes], timeout: float, *, group: bool) -> tuple[bytes, bool]:
    """At most OUTPUT_LIMIT bytes of the child's stdout, and whether it exited within `timeout` (it is
    killed when it did not, with its process group when it has one of its own: `group`)."""
    assert child.stdout is not None
    deadline = time.monotonic() + timeout
    kept = bytearray()
    stream = child.stdout.fileno()
    finished = False
    with selectors.DefaultSelector() as selector:
        selector.register(stream, selectors.EVENT_READ)
        while (left := deadline - time.monotonic()) > 0:
            if not selector.select(left):
                continue
            chunk = os.read(stream, 65536)
            if not chunk:
                finished = True
                break
            kept += chunk[: max(0, OUTPUT_LIMIT - len(kept))]
    if finished:
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            finished = False
    if not finished:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            if group:
                os.killpg(child.pid, signal.SIGKILL)
            else:
                child.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=5)
    child.stdout.close()
    return bytes(kept), finished
