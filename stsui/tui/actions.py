"""Every action of the roles screen, in one table: the key bindings, the help screen and the command palette
are all generated from `ACTIONS`.

To add an action, add one `Action` row below and write `action_<name>` on `RolesScreen`
(stsui/tui/screens/roles.py); that is all. For example:

    Action("o", "open_console", "Console", "Open the highlighted role's console in the browser",
           palette="Open console"),

The key then works, shows in the Footer (unless `footer=False`), is listed by `?`, and is offered by
Ctrl+P as "Open console". `palette=None` keeps an action out of the palette (Esc, which only makes sense
in the filter); `key=None` makes it palette-only (help lists it under "palette"). An action named
"app.<name>" runs on the App (quit). `tests/tui/test_app.py` checks that every row is bound to a method
that exists, listed in help and (when it has a title) offered once in the palette.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual.binding import Binding, BindingType


@dataclass(frozen=True)
class Action:
    """One thing the user can do on the roles screen."""

    key: str | None
    """Textual key name(s), comma-separated: "enter", "slash", "question_mark"; None: palette only."""
    action: str
    """The action run: `action_<name>` of the roles screen, or "app.<name>" of the App."""
    label: str
    """The Footer's short label."""
    help: str
    """One sentence for the help screen and the palette."""
    palette: str | None = None
    """The command palette's title; None: not in the palette."""
    footer: bool = True
    priority: bool = False
    """Run before the focused widget sees the key (the filter's `/`: keys typed right after it are kept)."""


USE_IN_SHELL = "Use the highlighted role in the shell that ran sts: assume it if needed, then close"
SSO_LOGIN = "app.sso_login"
SSO_SYNC = "app.sso_sync"
"""IAM Identity Center's actions are the App's: a login and the roles a sync finds serve every screen."""

ACTIONS: tuple[Action, ...] = (
    Action("u", "use_in_shell", "Use in shell", USE_IN_SHELL, palette="Use in this shell"),
    Action("enter", "assume", "Assume", "Assume the highlighted role and write its profile",
           palette="Assume highlighted role"),
    Action("slash", "filter", "Filter", "Filter roles by name, account, IAM role, profile or group",
           palette="Filter roles", priority=True),
    Action("r", "renew", "Renew", "Renew the highlighted role's session now", palette="Renew session now"),
    Action("x", "forget", "Forget", "Remove the highlighted role's profile and cached session",
           palette="Forget session"),
    Action("space", "toggle_mark", "Mark", "Mark or unmark the highlighted row: Enter, r and x then act on "
           "every marked role", palette="Mark or unmark role", footer=False),
    Action("asterisk", "mark_all", "Mark all", "Mark every row shown (the filter's matches, or every role)",
           palette="Mark every role shown", footer=False),
    Action("minus", "clear_marks", "Clear marks", "Unmark every row", palette="Clear marks", footer=False),
    Action("p", "pin", "Pin", "Pin or unpin the highlighted role: pinned roles come first in recent order",
           palette="Pin or unpin role", footer=False),
    Action("t", "toggle_order", "Order", "Show recent first (pins, then the roles taken most and lately) or "
           "file order", palette="Switch order: recent first or file order", footer=False),
    Action("g", "pick_region", "Region", "Pick the highlighted role's region: a live session keeps its keys",
           palette="Pick region of highlighted role", footer=False),
    Action("i", "refresh_identities", "Identities", "Ask STS again who the identities are",
           palette="Refresh identities"),
    Action("c", "copy_env", "Copy env", "Copy export lines with the session's keys (press twice)",
           palette="Copy env export lines"),
    Action("e", "copy_exec", "Copy exec", "Copy the container variables and an exec line for the role",
           palette="Copy exec line and container variables", footer=False),
    Action("m", "forget_mfa", "Forget MFA", "Drop every cached MFA session", palette="Forget MFA sessions"),
    Action("o", "open_console", "Console", "Open the highlighted role's AWS console in the browser",
           palette="Open console of highlighted role", footer=False),
    Action("l", SSO_LOGIN, "SSO login", "Log in to IAM Identity Center (the highlighted role's instance)",
           palette="IAM Identity Center login", footer=False),
    Action("s", SSO_SYNC, "SSO sync", "Discover the IAM Identity Center accounts and roles again",
           palette="IAM Identity Center sync", footer=False),
    Action("a", "other_sessions", "Others", "Sessions other tools made on this machine, read-only",
           palette="Other sessions"),
    Action("question_mark", "help", "Help", "Show every key", palette="Help"),
    Action("q", "app.quit", "Quit", "Quit stsui (sessions stay in their profiles)", palette="Quit"),
    Action("escape", "clear_filter", "Clear filter", "Clear and hide the filter"),
)  # fmt: skip

MORE_KEYS: tuple[tuple[str, str], ...] = (("ctrl+p", "Command palette: every action, assume any role"),)
"""Keys bound elsewhere (by Textual) that the help screen lists too."""

TABLE_KEYS = (
    "↑ ↓ PgUp PgDn Home End",
    "Move the highlight (click a role to highlight it, double-click to assume)",
)
"""The role table's own keys, as one help row."""


def bindings(actions: tuple[Action, ...] = ACTIONS) -> list[BindingType]:
    """The screen's BINDINGS."""
    return [
        Binding(a.key, a.action, a.label, show=a.footer, priority=a.priority, tooltip=a.help)
        for a in actions
        if a.key is not None
    ]


def help_rows(
    key_display: Callable[[Binding], str], actions: tuple[Action, ...] = ACTIONS
) -> list[tuple[str, str]]:
    """(keys as the Footer shows them, help) for every action, then the other keys."""
    rows = [(keys_shown(action, key_display), action.help) for action in actions]
    rows.extend((key_display(Binding(key, "")), text) for key, text in MORE_KEYS)
    rows.append(TABLE_KEYS)
    return rows


def keys_shown(action: Action, key_display: Callable[[Binding], str]) -> str:
    """The action's keys as the Footer shows them ("palette" for a palette-only action)."""
    if action.key is None:
        return "palette"
    return " ".join(key_display(Binding(key, "")) for key in action.key.split(","))


def palette_actions(actions: tuple[Action, ...] = ACTIONS) -> list[Action]:
    """The actions the command palette offers."""
    return [action for action in actions if action.palette]
