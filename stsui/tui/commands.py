"""The command palette (Ctrl+P): "Assume <role>" for every role, and every action a key does."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from stsui.tui.app import StsuiApp

ROLE_HITS = 40
"""At most this many roles are offered per query; the filter ranks them, so the best are kept."""


class StsuiCommands(Provider):
    """Actions first, then roles. Roles are found with stsui's own filter, so 10,000 stay fast."""

    @property
    def _app(self) -> StsuiApp:
        return self.app  # type: ignore[return-value]

    def _role_help(self, name: str) -> str:
        role = self._app.book.role(name)
        if role is None:
            return ""
        parts = [f"account {role.account}", f"profile {role.profile}"]
        if role.source_role:
            parts.append(f"via {role.source_role}")
        if role.description:
            parts.append(role.description)
        return " · ".join(parts)

    async def discover(self) -> Hits:
        for title, help_text, callback in self._app.palette_actions():
            yield DiscoveryHit(title, callback, help=help_text)
        for role in self._app.book.roles[:ROLE_HITS]:
            yield DiscoveryHit(
                f"Assume {role.name}",
                partial(self._app.assume_role, role.name),
                help=self._role_help(role.name),
            )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._app.palette_actions():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, text=title, help=help_text)
        words = query.strip()
        if words.lower().startswith("assume"):
            words = words[len("assume") :]
        book = self._app.book
        for rank, position in enumerate(self._app.role_search.filter(words)[:ROLE_HITS]):
            name = book.roles[position].name
            title = f"Assume {name}"
            score = matcher.match(title) or 0.5 / (rank + 1)
            yield Hit(
                score,
                matcher.highlight(title),
                partial(self._app.assume_role, name),
                text=title,
                help=self._role_help(name),
            )
