"""The role filter: fuzzy (subsequence within one key), case-insensitive, ranked, and fast."""

from __future__ import annotations

import string

from hypothesis import given, settings
from hypothesis import strategies as st

from stsui.domain.model import Role
from stsui.domain.search import RoleSearch, narrows, search_keys


def role(
    name: str, account: str = "111111111111", iam: str = "Admin", group: str = "", profile: str = ""
) -> Role:
    return Role(
        name=name,
        role_arn=f"arn:aws:iam::{account}:role/team/{iam}",
        profile=profile or name,
        group=group,
    )


ROLES = [
    role("dev-admin", "333333333333", group="dev"),
    role("prod-readonly", iam="ReadOnly", group="prod"),
    role("prod-admin", group="prod"),
    role("staging-deploy", "222222222222", iam="Deployer", group="staging"),
    role("audit", "444444444444", iam="SecurityAudit", profile="sec"),
]


def names(query: str, roles: list[Role] = ROLES) -> list[str]:
    return [roles[i].name for i in RoleSearch(roles).filter(query)]


def is_subsequence(word: str, text: str) -> bool:
    remaining = iter(text)
    return all(char in remaining for char in word)


def test_empty_query_keeps_every_role_in_config_order() -> None:
    assert names("") == [r.name for r in ROLES]
    assert names("   ") == [r.name for r in ROLES]


def test_characters_in_order_find_a_role() -> None:
    assert names("prdadm") == ["prod-admin"]
    assert names("stgdpl") == ["staging-deploy"]


def test_case_does_not_matter() -> None:
    assert names("PRDADM") == names("prdadm") == ["prod-admin"]
    assert names("readonly") == names("ReadOnly") == ["prod-readonly"]


def test_account_iam_role_profile_and_group_are_searched() -> None:
    assert names("2222") == ["staging-deploy"]
    assert names("securityaudit") == ["audit"]
    assert names("sec") == ["audit"]
    assert names("staging") == ["staging-deploy"]


def test_a_match_never_spans_two_keys() -> None:
    # "np" would be "admi[n]" + "[p]rod" if name and group were one string
    assert "prod-admin" not in names("adminprod")


def test_prefix_matches_come_first_then_contiguous_then_scattered_each_in_config_order() -> None:
    roles = [
        role("my-admin-tools", iam="Tools"),  # contains "admin"
        role("a-d-m-i-n", iam="Spread"),  # scattered
        role("admin-two", iam="Two"),  # prefix
        role("admin-one", iam="One"),  # prefix
    ]
    assert names("admin", roles) == ["admin-two", "admin-one", "my-admin-tools", "a-d-m-i-n"]


def test_every_word_must_match() -> None:
    assert names("prod admin") == ["prod-admin"]
    assert names("prod zzz") == []


def test_narrowing_is_only_for_typing_at_the_end() -> None:
    assert narrows("prd", "prda")
    assert narrows("prod ", "prod a")
    assert not narrows("", "p")
    assert not narrows("prda", "prd")
    assert not narrows("pda", "prda")


def test_keys_are_lower_case_and_one_per_line() -> None:
    keys = search_keys(role("Prod-Admin", group="Prod"))
    assert keys == "\nprod-admin\n111111111111\nadmin\nprod-admin\nprod"


words = st.text(alphabet=string.ascii_lowercase[:8] + "-1", max_size=6)
role_lists = st.lists(
    st.builds(
        role,
        name=st.text(alphabet=string.ascii_lowercase[:8] + "-", min_size=1, max_size=12),
        group=st.sampled_from(["", "prod", "dev"]),
    ),
    max_size=30,
)


@settings(max_examples=200, deadline=None)
@given(role_lists, words)
def test_results_are_exactly_the_roles_with_a_key_containing_the_query(roles: list[Role], query: str) -> None:
    found = set(RoleSearch(roles).filter(query))
    for position, candidate in enumerate(roles):
        keys = search_keys(candidate).split("\n")
        expected = not query.strip() or any(is_subsequence(query, key) for key in keys)
        assert (position in found) == expected


@settings(max_examples=200, deadline=None)
@given(role_lists, words, words)
def test_narrowing_within_earlier_results_gives_the_same_answer(
    roles: list[Role], first: str, more: str
) -> None:
    search = RoleSearch(roles)
    earlier = search.filter(first)
    query = first + more
    if narrows(first, query):
        assert search.filter(query, within=earlier) == search.filter(query)


def test_ten_thousand_roles_rank_the_closest_matches_first() -> None:
    """Speed is measured by the benchmark; here, the ranking at scale."""
    groups, kinds = ("prod", "staging", "dev"), ("admin", "readonly", "deploy", "billing")
    roles = [
        role(f"{groups[i % 3]}-{kinds[i % 4]}-{i}", f"{100000000000 + i % 500}", f"{kinds[i % 4].title()}{i}")
        for i in range(10_000)
    ]
    search = RoleSearch(roles)
    assert search.filter("zzzz") == []
    assert [roles[i].name for i in search.filter("prdadm")][:2] == ["prod-admin-0", "prod-admin-12"]
