"""parse_duration, format_duration and the countdown format."""

from __future__ import annotations

import pytest

from stsui.domain.durations import format_ago, format_duration, format_time_left, parse_duration


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        (900, 900),
        ("90s", 90),
        ("15m", 900),
        ("1h", 3600),
        ("1h30m", 5400),
        ("12h", 43200),
        ("1h0m5s", 3605),
        ("2m30s", 150),
        ("3600", 3600),
        (" 1H30M ", 5400),
    ],
)
def test_parse_duration_accepts(value: int | str, seconds: int) -> None:
    assert parse_duration(value) == seconds


@pytest.mark.parametrize(
    "value",
    [
        0,
        -5,
        "0",
        "0s",
        "-1h",
        "",
        " ",
        "h",
        "1.5h",
        "abc",
        "1h 30m",
        "30m1h",
        "1d",
        "2days",
        1.5,
        True,
        None,
        [1],
    ],
)
def test_parse_duration_rejects(value: object) -> None:
    with pytest.raises(ValueError) as caught:
        parse_duration(value)  # type: ignore[arg-type]
    message = str(caught.value)
    assert message.endswith(".")
    assert "duration" in message or "zero" in message


def test_parse_duration_days_hint() -> None:
    with pytest.raises(ValueError, match="days are not supported"):
        parse_duration("1d")


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(5400, "1h30m"), (900, "15m"), (45, "45s"), (43200, "12h"), (3605, "1h5s"), (0, "0s"), (-90, "-1m30s")],
)
def test_format_duration(seconds: int, text: str) -> None:
    assert format_duration(seconds) == text


@pytest.mark.parametrize("seconds", [1, 59, 60, 90, 900, 3599, 3600, 5400, 43200, 129600])
def test_format_parse_round_trip(seconds: int) -> None:
    assert parse_duration(format_duration(seconds)) == seconds


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "expired"),
        (-10.5, "expired"),
        (float("nan"), "expired"),
        (0.4, "00:01"),
        (1, "00:01"),
        (59.2, "01:00"),
        (3598, "59:58"),
        (3599.5, "59:59"),
        (3600, "1h 00m"),
        (3719.9, "1h 01m"),
        (3720, "1h 02m"),
        (43199, "11h 59m"),
        (90000, "25h 00m"),
    ],
)
def test_format_time_left(seconds: float, text: str) -> None:
    assert format_time_left(seconds) == text


def test_parse_duration_huge_text_is_a_clean_error() -> None:
    with pytest.raises(ValueError) as caught:
        parse_duration("9" * 5000 + "h")
    assert len(str(caught.value)) < 200


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "now"), (0.9, "now"), (1, "1s ago"), (59, "59s ago"), (60, "1m ago"), (3599, "59m ago"),
     (3600, "1h ago"), (86399, "23h ago"), (86400 * 3, "3d ago"), (-5, "now")],
)  # fmt: skip
def test_format_ago(seconds: float, text: str) -> None:
    assert format_ago(seconds) == text
