"""The table's plain model: what each row says at a moment, without a screen."""

from __future__ import annotations

from datetime import timedelta

import pytest

from stsui.domain.model import ProfileEntry, Role
from stsui.tui.state import RoleBook, Tone, Working, tone_of
from tests.tui.conftest import START

ROLES = [
    Role("prod-admin", "arn:aws:iam::111111111111:role/Admin", "prod-admin", group="prod"),
    Role("chained", "arn:aws:iam::222222222222:role/Deep", "chained", source_role="prod-admin"),
    Role("other", "arn:aws:iam::333333333333:role/Other", "shared"),
]


def owned(profile: str, role: str, left: float) -> ProfileEntry:
    return ProfileEntry(profile, role, START + timedelta(seconds=left), "arn:aws:sts::1:assumed-role/x/y")


@pytest.mark.parametrize(
    ("left", "tone"),
    [
        (None, Tone.NONE),
        (3600, Tone.FINE),
        (15 * 60, Tone.FINE),
        (15 * 60 - 1, Tone.SOON),
        (5 * 60, Tone.SOON),
        (5 * 60 - 1, Tone.URGENT),
        (0.5, Tone.URGENT),
        (0, Tone.EXPIRED),
        (-10, Tone.EXPIRED),
    ],
)
def test_tone_thresholds(left: float | None, tone: Tone) -> None:
    assert tone_of(left) is tone


def test_rows_read_the_owned_session_only() -> None:
    book = RoleBook(ROLES)
    changed = book.load(
        {
            "prod-admin": owned("prod-admin", "prod-admin", 3000),
            "shared": owned("shared", "someone-else", 3000),  # not this role's: stays inactive
        }
    )
    assert changed == {0}
    row = book.row(0, START)
    assert (row.status, row.time_left, row.tone) == ("active", "50:00", Tone.FINE)
    assert book.row(2, START).status == "inactive"
    assert book.row(1, START).via == "↳ prod-admin"
    assert book.live


def test_status_priority_working_then_error_then_needs_mfa_then_time() -> None:
    book = RoleBook(ROLES)
    book.load({"prod-admin": owned("prod-admin", "prod-admin", 600)})
    assert book.row(0, START).status == "due"
    book.needs_mfa.add(0)
    assert book.row(0, START).status == "needs MFA"
    book.errors[0] = "AccessDenied"
    assert book.row(0, START).status_style == "error"
    book.working[0] = Working.RENEWING
    assert book.row(0, START).status == "renewing…"
    assert book.row(0, START).time_left == "10:00"  # the countdown keeps going meanwhile


def test_due_lists_sessions_inside_their_window_and_expired_ones() -> None:
    book = RoleBook(ROLES)
    book.load(
        {
            "prod-admin": owned("prod-admin", "prod-admin", 901),
            "chained": owned("chained", "chained", -1),
        }
    )
    assert book.due(START) == [1]
    assert book.due(START + timedelta(seconds=2)) == [0, 1]


def test_reloading_reports_only_changed_sessions_and_clears_their_flags() -> None:
    book = RoleBook(ROLES)
    entries = {
        "prod-admin": owned("prod-admin", "prod-admin", 100),
        "chained": owned("chained", "chained", 100),
    }
    book.load(entries)
    book.needs_mfa.update({0, 1})
    entries["chained"] = owned("chained", "chained", 4000)
    assert book.load(entries) == {1}
    assert book.needs_mfa == {0}
    del entries["prod-admin"]
    assert book.load(entries) == {0}
    assert not book.expiry.get(0)
