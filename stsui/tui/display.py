"""How the TUI says things: paths under the home directory as `~/…`, failure titles with their AWS code, and
`Notice`, a notification the plain controllers word and the roles screen shows (Textual-free)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

Severity = Literal["information", "warning", "error"]
"""Textual's notification severities."""


@dataclass(frozen=True)
class Notice:
    """One notification: a plain-text sentence (never a secret), its title, how loud and how long."""

    message: str
    title: str = ""
    severity: Severity = "information"
    timeout: float | None = None


class Notifier(Protocol):
    """What shows a notification: the App, or any widget or screen of it (Textual's `notify`)."""

    def notify(
        self,
        message: str,
        *,
        title: str = ...,
        severity: Severity = ...,
        timeout: float | None = ...,
        markup: bool = ...,
    ) -> None: ...


def tell(notifier: Notifier, *notices: Notice | None) -> bool:
    """Show each notice (plain text: messages quote file content like `[roles.x]`); whether any was."""
    told = False
    for notice in notices:
        if notice is not None:
            notifier.notify(
                notice.message,
                title=notice.title,
                severity=notice.severity,
                timeout=notice.timeout,
                markup=False,
            )
            told = True
    return told


LONG = 10.0
"""Seconds a notification meant to be read in full (a failure, a warning to act on, a summary) stays on
screen; Textual's default is 5."""


def bug(doing: str, error: BaseException | None) -> Notice:
    """What nobody expected (a bug; a StsuiError is a fact) while a worker was `doing` something."""
    return Notice(
        f"Unexpected {type(error).__name__} while trying to {doing}: {error}",
        title="stsui bug",
        severity="error",
        timeout=15,
    )


def failure(message: str, title: str) -> Notice:
    """A failure the user can act on: `message` says what and what to do."""
    return Notice(message, title=title, severity="error", timeout=LONG)


def failure_title(what: str, code: str = "") -> str:
    """ "Could not renew prod-admin (AccessDenied)": what failed, then the AWS error code as it is."""
    return f"Could not {what}" + (f" ({code})" if code else "")


def mfa_code_needed(message: str) -> Notice:
    """A role waits for the user to enter a new MFA code (`message` names the role, device and key)."""
    return Notice(message, title="MFA code needed", severity="warning", timeout=LONG)


def display_path(path: Path) -> str:
    """`~/.config/stsui/roles.toml` rather than the full home path."""
    try:
        return "~/" + path.relative_to(Path.home()).as_posix()
    except ValueError:
        return str(path)
