"""The roster: roles by name in file order, decoded on first use, the same whichever thread asks first."""

from __future__ import annotations

import threading

import pytest

from stsui.domain.model import Role
from stsui.domain.roster import Roster, widest_texts

ROLES = [
    Role(f"role-{i}", f"arn:aws:iam::123456789012:role/team/R{i}", f"profile-{i}", group="g" * i)
    for i in range(200)
]


class Decoder:
    """Decodes from `ROLES`, counting, and (when told) holding `all` until released."""

    def __init__(self, hold: threading.Event | None = None) -> None:
        self.one_calls: list[int] = []
        self.all_calls = 0
        self.hold = hold

    def one(self, position: int) -> Role:
        self.one_calls.append(position)
        return Role(**ROLES[position].__dict__)  # an equal role, not the same object

    def all(self) -> list[Role]:
        self.all_calls += 1
        if self.hold is not None:
            assert self.hold.wait(10)
        return [Role(**role.__dict__) for role in ROLES]


def roster(decoder: Decoder) -> Roster:
    return Roster([r.name for r in ROLES], [r.profile for r in ROLES], decoder)


def test_names_profiles_and_membership_need_no_decoding() -> None:
    decoder = Decoder()
    roles = roster(decoder)
    assert len(roles) == 200 and list(roles)[:2] == ["role-0", "role-1"]
    assert "role-7" in roles and "role-200" not in roles and 7 not in roles
    assert roles.profile_of("role-7") == "profile-7" and roles.position("role-7") == 7
    with pytest.raises(KeyError):
        roles["role-200"]
    assert roles.get("role-200") is None
    assert decoder.one_calls == [] and decoder.all_calls == 0


def test_a_role_is_decoded_once_and_iterating_decodes_the_rest_in_one_pass() -> None:
    decoder = Decoder()
    roles = roster(decoder)
    first = roles["role-3"]
    assert roles["role-3"] is first and roles.in_order()[3] is first and roles.in_order()[-1] == ROLES[-1]
    assert decoder.one_calls == [3, 199]
    assert list(roles.values()) == ROLES and roles.loaded
    assert roles["role-3"] is first, "a decoded role was replaced"
    assert decoder.all_calls == 1
    assert dict(roles.items()) == {r.name: r for r in ROLES}
    assert decoder.all_calls == 1 and len(decoder.one_calls) == 2


def test_readers_on_other_threads_get_equal_roles_while_one_thread_decodes_everything() -> None:
    release = threading.Event()
    roles = roster(Decoder(hold=release))
    loader = threading.Thread(target=roles.load)
    loader.start()
    seen = [roles[f"role-{i}"] for i in range(0, 200, 10)]  # while `load` is held
    release.set()
    loader.join(10)
    assert roles.loaded
    assert seen == ROLES[::10]
    assert [roles[f"role-{i}"] for i in range(0, 200, 10)] == seen


def test_a_roster_of_values_is_loaded_and_measures_its_texts() -> None:
    roles = Roster.of({r.name: r for r in ROLES})
    assert roles.loaded and Roster.of(roles) is roles
    assert roles.widest() == widest_texts(ROLES)
    assert roles.widest()["group"] == 199 and roles.widest()["role_short_name"] == len("R199")
    assert roles.widest()["source_role"] == 0
    assert roles.widest(lambda text: 2 * len(text))["name"] == 2 * len("role-100")


def test_the_cached_widths_stand_in_until_the_roles_are_decoded() -> None:
    decoder = Decoder()
    hint = dict.fromkeys(widest_texts([]), 3)
    roles = Roster([r.name for r in ROLES], [r.profile for r in ROLES], decoder, widest=hint)
    assert roles.widest() == hint and decoder.all_calls == 0
    roles.load()
    assert roles.widest() == widest_texts(ROLES)


def test_names_and_profiles_must_pair_up_and_roles_come_from_one_place() -> None:
    with pytest.raises(ValueError):
        Roster(["a", "b"], ["a"], Decoder())
    with pytest.raises(ValueError):
        Roster(["a"], ["a"], Decoder(), roles=ROLES[:1])
    with pytest.raises(ValueError):
        Roster(["a"], ["a"], None)
