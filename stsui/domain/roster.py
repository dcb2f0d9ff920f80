"""The roles of a roles file: by name, in file order, each turned into a `Role` when first asked for.

A roles file of 100,000 roles is kept by the validated-roles cache as records; turning every one back into a
`Role` takes about a second, while a screen showing 40 roles needs 40. A `Roster` knows every role's name and
profile from the start (what a table's order, its size and the credentials file's reading need) and decodes
a role on first use. Iterating its values decodes all of them at once, as a plain mapping would have held
them. `Roster.of` wraps roles that are already values (a freshly validated file, tests).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, ItemsView, Iterable, Iterator, Mapping, Sequence, ValuesView
from typing import TYPE_CHECKING, Protocol, cast

from stsui.domain.collector import building

if TYPE_CHECKING:
    from stsui.domain.model import Role

TEXTS = ("name", "source_role", "role_short_name", "profile", "region", "group", "description")
"""The texts a role is listed with, whose longest values decide a table's column widths."""


def widest_texts(roles: Iterable[Role], width: Callable[[str], int] = len) -> dict[str, int]:
    """The longest value of each of `TEXTS` over `roles`, measured with `width` (a terminal passes its cell
    width; the default counts characters). A missing text (no `source_role`) counts 0."""
    widest = dict.fromkeys(TEXTS, 0)
    for role in roles:
        for text in TEXTS:
            value = getattr(role, text)
            if value and (size := width(value)) > widest[text]:
                widest[text] = size
    return widest


class Decoder(Protocol):
    """Where a `Roster`'s roles come from when they are not values yet."""

    def one(self, position: int) -> Role:
        """The role at `position` in file order."""
        ...

    def all(self) -> list[Role]:
        """Every role, in file order (one pass: cheaper than `one` for each)."""
        ...


class Roster(Mapping[str, "Role"]):
    """Roles by name, in file order. Safe to read from several threads (a role decoded twice is equal)."""

    __slots__ = ("_decoder", "_lock", "_position", "_roles", "_widest", "names", "profiles")

    def __init__(
        self,
        names: Sequence[str],
        profiles: Sequence[str],
        decoder: Decoder | None,
        *,
        widest: Mapping[str, int] | None = None,
        roles: Sequence[Role] | None = None,
    ) -> None:
        """`names` and `profiles`: every role's, in file order. `decoder` makes the roles when first asked
        for; or `roles` are every one, already values (then `decoder` is None). `widest`: `widest_texts` of
        every role when known without decoding them (the cache keeps it)."""
        if len(names) != len(profiles) or (roles is not None and len(roles) != len(names)):
            raise ValueError("a profile (and a role, when given) for each name")
        if (decoder is None) == (roles is None):
            raise ValueError("either a decoder or the roles")
        self.names: Sequence[str] = names
        self.profiles: Sequence[str] = profiles
        """Each role's profile, in file order (`profiles[position(name)]`)."""
        self._position = dict(zip(names, range(len(names)), strict=True))
        self._roles: list[Role | None] = [None] * len(names) if roles is None else list(roles)
        self._decoder: Decoder | None = decoder
        self._widest = dict(widest) if widest is not None else None
        self._lock = threading.Lock()

    @classmethod
    def of(cls, roles: Mapping[str, Role]) -> Roster:
        """`roles` as a roster (itself when it is one already)."""
        if isinstance(roles, Roster):
            return roles
        values = list(roles.values())
        return cls(list(roles), [role.profile for role in values], None, roles=values)

    # -- Mapping ----------------------------------------------------------------------------------------

    def __getitem__(self, name: str) -> Role:
        return self.at(self._position[name])

    def __contains__(self, name: object) -> bool:
        return name in self._position

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)

    def values(self) -> ValuesView[Role]:
        self.load()
        return _Values(self)

    def items(self) -> ItemsView[str, Role]:
        self.load()
        return _Items(self)

    def __repr__(self) -> str:
        return f"Roster({len(self)} roles{'' if self.loaded else ', not all decoded'})"

    # -- by position ------------------------------------------------------------------------------------

    def at(self, position: int) -> Role:
        """The role at `position` in file order."""
        role = self._roles[position]
        if role is None:
            decoder = self._decoder
            if decoder is None:  # decoded meanwhile by `load` in another thread
                role = self._roles[position]
                assert role is not None
                return role
            role = self._roles[position] = decoder.one(position)
        return role

    def position(self, name: str) -> int:
        """Where role `name` is in file order (KeyError when there is no such role)."""
        return self._position[name]

    def profile_of(self, name: str) -> str:
        """Role `name`'s profile, without decoding the role."""
        return self.profiles[self._position[name]]

    def in_order(self) -> Sequence[Role]:
        """The roles in file order, each decoded when first read."""
        return _InOrder(self)

    # -- all at once -----------------------------------------------------------------------------------

    def _decoded(self) -> Iterator[Role]:
        """The roles in file order, once `load` made every one a value."""
        if self._decoder is not None:
            return map(self.at, range(len(self)))
        return iter(cast("list[Role]", self._roles))

    @property
    def loaded(self) -> bool:
        """Whether every role is a value already (iterating costs nothing more)."""
        return self._decoder is None

    def load(self) -> None:
        """Decode every role not decoded yet (once, whichever thread asks first)."""
        with self._lock:
            decoder = self._decoder
            if decoder is None:
                return
            roles = self._roles
            with building():
                for position, role in enumerate(decoder.all()):
                    if roles[position] is None:
                        roles[position] = role
            self._decoder = None

    def widest(self, width: Callable[[str], int] = len) -> dict[str, int]:
        """`widest_texts` of every role: kept by the cache (counted in characters) while the roles are not
        decoded, else measured with `width`."""
        if self._widest is not None and not self.loaded:
            return dict(self._widest)
        return widest_texts(self.values(), width)


class _InOrder(Sequence["Role"]):
    __slots__ = ("_roster",)

    def __init__(self, roster: Roster) -> None:
        self._roster = roster

    def __len__(self) -> int:
        return len(self._roster)

    def __getitem__(self, position: int) -> Role:  # type: ignore[override]
        if not isinstance(position, int):
            raise TypeError("roles are read one position at a time")
        if position < 0:
            position += len(self)
        if not 0 <= position < len(self):
            raise IndexError(position)
        return self._roster.at(position)

    def __iter__(self) -> Iterator[Role]:
        roster = self._roster
        if len(roster) > 1:
            roster.load()
        return roster._decoded()


class _Values(ValuesView["Role"]):
    """A loaded roster's roles, iterated straight from its list (`list` reads 100,000 of them twice)."""

    __slots__ = ()
    _mapping: Roster

    def __iter__(self) -> Iterator[Role]:
        return self._mapping._decoded()


class _Items(ItemsView[str, "Role"]):
    __slots__ = ()
    _mapping: Roster

    def __iter__(self) -> Iterator[tuple[str, Role]]:
        roster = self._mapping
        return zip(roster.names, roster._decoded(), strict=True)
