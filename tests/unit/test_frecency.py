"""The recent-first order: pins, then frecency, then file order; one frozen clock per test."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from stsui.domain.frecency import (
    DAY,
    HOUR,
    MAX_PINS,
    MAX_REGIONS,
    MAX_TAKES,
    Recents,
    recent_order,
    recent_regions,
    weight,
)

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
NAMES = ["a", "b", "c", "d", "e", "f"]


def order(recents: Recents, names: list[str] = NAMES, now: datetime = NOW) -> list[str]:
    return recent_order(names, recents, now, names.index)


def at(hours_ago: float) -> datetime:
    return NOW - timedelta(hours=hours_ago)


def test_nothing_taken_is_file_order() -> None:
    assert order(Recents()) == NAMES


def test_pins_first_then_frecency_then_file_order() -> None:
    recents = Recents(pins=("e", "c")).took(["d"], at(1)).took(["b"], at(1)).took(["b"], at(30))
    assert order(recents) == ["c", "e", "b", "d", "a", "f"]


def test_how_often_beats_how_long_ago_within_the_weights() -> None:
    often = Recents().took(["a"], at(50)).took(["a"], at(60)).took(["a"], at(70))  # 3 x 50
    once = often.took(["b"], at(1))  # 1 x 100
    assert order(once)[:2] == ["a", "b"]


def test_a_take_older_than_90_days_no_longer_counts() -> None:
    recents = Recents().took(["f"], NOW - timedelta(days=91))
    assert order(recents) == NAMES


def test_the_order_moves_as_the_clock_does() -> None:
    recents = Recents().took(["c"], at(1)).took(["d"], at(1)).took(["d"], at(24 * 40))
    assert order(recents)[:2] == ["d", "c"]  # 100 + 3 against 100
    assert order(recents, now=NOW + timedelta(days=60))[:2] == ["c", "d"]  # d's old take has gone


def test_pinned_roles_among_themselves_by_frecency_then_file_order() -> None:
    recents = Recents(pins=("f", "a", "c")).took(["c"], at(2))
    assert order(recents)[:3] == ["c", "a", "f"]


def test_roles_no_longer_in_the_file_are_passed_over() -> None:
    recents = Recents(pins=("gone",)).took(["old"], at(1))
    assert order(recents) == NAMES


def test_weights_fall_with_age() -> None:
    ages = [0, 3 * HOUR, 5 * HOUR, 2 * DAY, 5 * DAY, 20 * DAY, 60 * DAY, 100 * DAY]
    weights = [weight(age) for age in ages]
    assert weights == sorted(weights, reverse=True) and weights[-1] == 0


def test_pins_toggle_and_are_bounded() -> None:
    recents = Recents().toggled("a").toggled("b")
    assert recents.pins == ("a", "b") and recents.pinned("a")
    assert recents.toggled("a").pins == ("b",)
    many = Recents(pins=tuple(f"r{i}" for i in range(MAX_PINS))).toggled("new")
    assert len(many.pins) == MAX_PINS and many.pins[-1] == "new" and "r0" not in many.pins


def test_history_is_bounded_keeping_the_newest() -> None:
    recents = Recents(takes=tuple(("old", 1) for _ in range(MAX_TAKES)))
    recents = recents.took(["new"], NOW)
    assert len(recents.takes) == MAX_TAKES and recents.takes[-1] == ("new", int(NOW.timestamp()))


def test_recent_regions_first_each_once() -> None:
    recents = Recents().used_region("eu-west-1", at(3)).used_region("us-west-2", at(2))
    recents = recents.used_region("eu-west-1", at(1))
    regions = ["us-east-1", "us-west-2", "eu-west-1", "ap-south-1"]
    assert recent_regions(regions, recents) == ["eu-west-1", "us-west-2", "us-east-1", "ap-south-1"]
    assert recent_regions(["cn-north-1"], recents) == ["cn-north-1"]  # another partition's are not offered
    bounded = Recents(regions=tuple((f"x-{i}", i) for i in range(MAX_REGIONS))).used_region("y", NOW)
    assert len(bounded.regions) == MAX_REGIONS


def test_a_hundred_thousand_names_sort_without_records() -> None:
    names = [f"role-{i:06d}" for i in range(100_000)]
    position = {name: i for i, name in enumerate(names)}.__getitem__
    recents = Recents(pins=tuple(names[-200:])).took(names[5000:15000], at(1))
    ordered = recent_order(names, recents, NOW, position)
    assert ordered[:200] == names[-200:]
    assert ordered[200:10200] == names[5000:15000]
    assert len(ordered) == 100_000 and len(set(ordered)) == 100_000
