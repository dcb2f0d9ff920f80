"""The role filter: case-insensitive, fuzzy (the query's characters in order), best matches first.

Each role gets lower-cased search keys once (name, account, IAM role name, profile, group); a query then
costs one regular-expression search per role, so 10,000 roles filter in a few milliseconds. A query
matches a role when its characters appear in order inside ONE key ("prdadm" finds `prod-admin`); words
separated by spaces must each match. Roles where every word is a prefix of a key come first, then roles
where every word appears contiguously, then the rest; ties keep config order.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from itertools import accumulate

from stsui.domain.model import Role

PREFIX, CONTIGUOUS, SCATTERED = 0, 1, 2
"""How well a word matched, best first."""

_SEPARATOR = "\n"


def search_keys(role: Role) -> str:
    """A role's keys, lower-cased, one per line; each line starts after a separator so prefixes are cheap."""
    keys = (role.name, role.account, role.role_short_name, role.profile, role.group)
    return "".join(_SEPARATOR + key.lower() for key in keys if key)


def _scattered(word: str) -> re.Pattern[str]:
    """Matches `word`'s characters in order within one line (never across two keys)."""
    return re.compile(f"[^{_SEPARATOR}]*?".join(re.escape(char) for char in word))


_ROLE_BREAK = "\x00"
"""Between two roles' keys in the text all keys are searched in at once."""


def _within_one_key(pattern: str) -> str:
    """`_scattered`'s pattern for the joined text: a match may not leave a key or a role either."""
    return pattern.replace(f"[^{_SEPARATOR}]", f"[^{_SEPARATOR}{_ROLE_BREAK}]")


class RoleSearch:
    """The precomputed keys of a list of roles, and the filter over them."""

    def __init__(self, roles: Iterable[Role]) -> None:
        self._keys = [search_keys(role) for role in roles]
        self._text = _ROLE_BREAK.join(self._keys)
        self._starts = list(accumulate((len(key) + 1 for key in self._keys[:-1]), initial=0))

    def __len__(self) -> int:
        return len(self._keys)

    def _candidates(self, word: str) -> list[int] | None:
        """The roles with `word` scattered in one key, found by one regular-expression scan of every key at
        once (C speed, and a few roles to look at instead of all); None when the word is in too many roles
        for that to pay (then every role is looked at, as before)."""
        if _ROLE_BREAK in word:
            return []
        search = re.compile(_within_one_key(_scattered(word).pattern)).search
        text, starts, found = self._text, self._starts, []
        enough = max(64, len(starts) // 8)
        position = 0
        while (match := search(text, position)) is not None:
            role = bisect.bisect_right(starts, match.start()) - 1
            found.append(role)
            if len(found) > enough:
                return None
            if role + 1 >= len(starts):
                break
            position = starts[role + 1]
        return found

    def filter(self, query: str, within: Sequence[int] | None = None) -> list[int]:
        """Positions (into the roles given at construction) that match `query`, best first.

        An empty query gives every position in config order. `within` restricts the search to earlier
        results, which is how a query that only grew is narrowed without scanning every role again.
        """
        words = query.lower().split()
        positions: Iterable[int] = range(len(self._keys)) if within is None else sorted(within)
        if not words:
            return list(positions)
        if within is None or len(within) > 4096:
            candidates = self._candidates(max(words, key=len))
            if candidates is not None:
                positions = candidates if within is None else sorted(set(candidates) & set(within))
        prefixes = [_SEPARATOR + word for word in words]
        patterns = [_scattered(word) for word in words]
        tiers: tuple[list[int], list[int], list[int]] = ([], [], [])
        keys = self._keys
        for position in positions:
            text = keys[position]
            tier = PREFIX
            for word, prefix, pattern in zip(words, prefixes, patterns, strict=True):
                if prefix in text:
                    continue
                if word in text:
                    tier = max(tier, CONTIGUOUS)
                elif pattern.search(text) is not None:
                    tier = SCATTERED
                else:
                    break
            else:
                tiers[tier].append(position)
        return tiers[PREFIX] + tiers[CONTIGUOUS] + tiers[SCATTERED]


def narrows(previous: str, query: str) -> bool:
    """True when every role matching `query` also matched `previous`, so its results may be `within`.

    Typing at the end only narrows: a longer last word is still a subsequence of the same key, and
    each new word adds a condition. Anything else (deleting, editing in the middle) searches afresh.
    """
    return bool(previous.strip()) and query.lower().startswith(previous.lower())
