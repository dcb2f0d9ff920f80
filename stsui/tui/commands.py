"""The command palette (Ctrl+P): every action of `stsui.tui.actions` that has a title, then for each role
"Assume <role>" and "Open console: <role>".

The provider knows the roles screen only through `PaletteHost`, so this module imports neither the App nor
the screen.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import Protocol, runtime_checkable

from textual.command import DiscoveryHit, Hit, Hits, Provider

from stsui.domain.model import Role
from stsui.tui.actions import Action, keys_shown, palette_actions

CONSOLE = "Open console:"
ROLE_PREFIXES = ("assume", CONSOLE.lower(), "open console", "console")
"""What a query may start with to ask for a role's command; the rest finds the role."""
ROLE_HITS = 40
"""At most this many roles are offered per query; the filter ranks them, so the best are kept."""


@runtime_checkable
class PaletteHost(Protocol):
    """What the palette needs from the screen it was opened on."""

    def run_action(self, action: str) -> Awaitable[None]:
        """Run an action of the actions table (Textual's own `run_action`)."""
        ...

    def offered(self, action: str) -> bool:
        """Whether the screen offers `action` here (the palette lists only those)."""
        ...

    def assume_role(self, name: str) -> None: ...

    def open_console(self, name: str) -> None: ...

    def find_roles(self, query: str) -> Sequence[Role]:
        """Roles matching `query`, best first (every role, in config order, for an empty query)."""
        ...


def role_help(role: Role) -> str:
    parts = [f"account {role.account}", f"profile {role.profile}"]
    if role.source_role:
        parts.append(f"via {role.source_role}")
    if role.description:
        parts.append(role.description)
    return " · ".join(parts)


class StsuiCommands(Provider):
    """Actions first, then roles. Roles are found with stsui's own filter, so 10,000 stay fast."""

    @property
    def host(self) -> PaletteHost | None:
        screen = self.screen
        return screen if isinstance(screen, PaletteHost) else None

    def _run(self, host: PaletteHost, action: Action) -> partial[Awaitable[None]]:
        return partial(host.run_action, action.action)

    def _help(self, action: Action) -> str:
        """ "r: Renew the highlighted role's session now": the key first, so the palette teaches it."""
        if action.key is None:
            return action.help
        return f"{keys_shown(action, self.app.get_key_display)}: {action.help}"

    async def discover(self) -> Hits:
        host = self.host
        if host is None:
            return
        for action in palette_actions():
            assert action.palette is not None
            if not host.offered(action.action):
                continue
            yield DiscoveryHit(action.palette, self._run(host, action), help=self._help(action))
        for role in host.find_roles("")[:ROLE_HITS]:
            for title, command in _role_commands(host, role):
                yield DiscoveryHit(title, command, help=role_help(role))

    async def search(self, query: str) -> Hits:
        host = self.host
        if host is None:
            return
        matcher = self.matcher(query)
        for action in palette_actions():
            assert action.palette is not None
            if not host.offered(action.action):
                continue
            score = matcher.match(action.palette)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(action.palette),
                    self._run(host, action),
                    text=action.palette,
                    help=self._help(action),
                )
        words = query.strip()
        for prefix in ROLE_PREFIXES:
            if words.lower().startswith(prefix):
                words = words[len(prefix) :].strip()
                break
        for rank, role in enumerate(host.find_roles(words)[:ROLE_HITS]):
            for title, command in _role_commands(host, role):
                score = matcher.match(title) or 0.5 / (rank + 1)
                yield Hit(score, matcher.highlight(title), command, text=title, help=role_help(role))


def _role_commands(host: PaletteHost, role: Role) -> list[tuple[str, Callable[[], None]]]:
    """What the palette offers for one role."""
    return [
        (f"Assume {role.name}", partial(host.assume_role, role.name)),
        (f"{CONSOLE} {role.name}", partial(host.open_console, role.name)),
    ]
