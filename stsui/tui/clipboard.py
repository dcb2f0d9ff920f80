"""What `c` and `e` copy: a role's export lines (its keys) and the agent's container variables (its token).

Keys that hand out secrets act on the second press: the first says what will happen and where the secret goes
(Textual-free, on the engine's clock so tests control it). The secret itself is copied, never shown.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from stsui.tui.display import Notice

if TYPE_CHECKING:
    from stsui.tui.messages import ExportLinesReady, NoLiveSession
    from stsui.tui.serving import Serving

WINDOW = timedelta(seconds=5)
"""How soon the second press must follow the first."""

THROUGH_THE_TERMINAL = "(OSC 52), and tmux with set-clipboard on keeps {it} in a paste buffer."


class SecondPress:
    """Confirms an action on one subject when asked twice within `WINDOW`."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self._clock = clock
        self._armed: tuple[str, datetime] | None = None

    def confirmed(self, subject: str) -> bool:
        """True on the second call for `subject` within `WINDOW` of the first; otherwise arms and is False."""
        now = self._clock()
        if self._armed is not None and self._armed[0] == subject and now - self._armed[1] <= WINDOW:
            self._armed = None
            return True
        self._armed = (subject, now)
        return False


class Clipboard:
    """The two copy keys' confirmations and what they say."""

    def __init__(self, clock: Callable[[], datetime], serving: Serving) -> None:
        self.serving = serving
        self._env = SecondPress(clock)
        self._exec = SecondPress(clock)

    def env_pressed(self, role: str) -> Notice | None:
        """`c` on `role`: None to copy now (the second press), else what the first press says."""
        if self._env.confirmed(role):
            return None
        return Notice(
            f"Press c again to copy the secret keys of {role}: they pass through the terminal "
            + THROUGH_THE_TERMINAL.format(it="them"),
            title="Clipboard",
            severity="warning",
        )

    def exec_pressed(self, role: str) -> tuple[str | None, Notice]:
        """`e` on `role`: the text to copy now (the second press, while serving) or None, and what to say."""
        text = self.serving.container_lines(role)
        if text is None:
            return None, Notice(self.serving.why_not(), title="Not serving", severity="warning")
        if not self._exec.confirmed(role):
            return None, Notice(
                f"Press e again to copy the agent's token with the route of {role}: it passes through the "
                "terminal " + THROUGH_THE_TERMINAL.format(it="it"),
                title="Clipboard",
                severity="warning",
            )
        return text, Notice(
            f"Copied for {role}: AWS_CONTAINER_CREDENTIALS_FULL_URI={self.serving.route(role)}, "
            f"AWS_CONTAINER_AUTHORIZATION_TOKEN (the agent's token) and 'stsui exec {role} -- '.",
            title="Clipboard",
        )

    def env_copied(self, fact: ExportLinesReady) -> Notice:
        return Notice(f"Copied export lines for {fact.role}.", title="Clipboard")

    def nothing_to_copy(self, fact: NoLiveSession) -> Notice | None:
        """The role has no live session: said when the user asked to copy it (not for the panel's asking)."""
        if not fact.asked:
            return None
        return Notice(
            f"Role '{fact.role}' has no live session to copy; press Enter to assume it.", severity="warning"
        )
