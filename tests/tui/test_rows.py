"""The table's plain model: one record per role, and what each row says at a moment, without a screen."""

from __future__ import annotations

from datetime import timedelta

import pytest

from stsui.domain.model import ProfileEntry, Role, Status
from stsui.engine.renewal import Backoff
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
    book = RoleBook({role.name: role for role in ROLES})
    changed = book.load(
        {
            "prod-admin": owned("prod-admin", "prod-admin", 3000),
            "shared": owned("shared", "someone-else", 3000),  # not this role's: stays inactive
        }
    )
    assert changed == {"prod-admin"}
    row = book.row("prod-admin", START)
    assert (row.status, row.time_left, row.tone) == ("active", "50:00", Tone.FINE)
    assert book.row("other", START).status == "inactive"
    assert book.row("chained", START).via == "↳ prod-admin"
    assert book.live


def test_status_priority_working_then_error_then_needs_mfa_then_time() -> None:
    book = RoleBook({role.name: role for role in ROLES})
    book.load({"prod-admin": owned("prod-admin", "prod-admin", 600)})
    state = book["prod-admin"]
    assert book.row("prod-admin", START).status == "due"
    state.needs_mfa = True
    assert book.row("prod-admin", START).status == "needs MFA"
    state.error = "AccessDenied"
    assert book.row("prod-admin", START).status_style == "error"
    book.begin("prod-admin", Working.RENEWING)
    assert book.row("prod-admin", START).status == "renewing…"
    assert book.row("prod-admin", START).time_left == "10:00"  # the countdown keeps going meanwhile
    book.begin("prod-admin", Working.CHECKING)  # a check is not shown: the status stays
    assert book.row("prod-admin", START).status_style == "error"


def test_needs_mfa_shows_only_once_the_session_is_due_as_stsui_list_says() -> None:
    book = RoleBook({role.name: role for role in ROLES})
    book.load({"prod-admin": owned("prod-admin", "prod-admin", 3000)})
    state = book["prod-admin"]
    state.needs_mfa = True
    assert state.status(START) is Status.ACTIVE  # a live session needs no renewal yet
    assert state.status(START + timedelta(seconds=3000 - 900 + 1)) is Status.NEEDS_MFA
    assert state.status(START + timedelta(seconds=4000)) is Status.NEEDS_MFA
    state.needs_mfa = False
    assert state.status(START + timedelta(seconds=4000)) is Status.EXPIRED


def test_due_lists_sessions_inside_their_window_and_expired_ones() -> None:
    book = RoleBook({role.name: role for role in ROLES})
    book.load(
        {
            "prod-admin": owned("prod-admin", "prod-admin", 901),
            "chained": owned("chained", "chained", -1),
        }
    )
    assert [s.name for s in book.due(START)] == ["chained"]
    assert [s.name for s in book.due(START + timedelta(seconds=2))] == ["prod-admin", "chained"]


def test_reloading_reports_only_changed_sessions_and_resets_what_was_known_of_them() -> None:
    book = RoleBook({role.name: role for role in ROLES})
    entries = {
        "prod-admin": owned("prod-admin", "prod-admin", 100),
        "chained": owned("chained", "chained", 100),
    }
    book.load(entries)
    for name in ("prod-admin", "chained"):
        state = book[name]
        state.needs_mfa, state.error, state.mfa_warned = True, "boom", True
        state.backoff = Backoff()
        state.backoff.failed(START)
    entries["chained"] = owned("chained", "chained", 4000)
    assert book.load(entries) == {"chained"}
    chained, admin = book["chained"], book["prod-admin"]
    assert (chained.needs_mfa, chained.error, chained.mfa_warned, chained.backoff) == (
        None,
        None,
        False,
        None,
    )
    assert admin.backoff is not None and admin.backoff.failures == 1
    assert (admin.needs_mfa, admin.error, admin.mfa_warned) == (True, "boom", True)
    del entries["prod-admin"]
    assert book.load(entries) == {"prod-admin"}
    assert book["prod-admin"].expires_at is None


def test_live_follows_owned_sessions_and_work_without_scanning_every_role() -> None:
    book = RoleBook({role.name: role for role in ROLES})
    assert not book.live
    book.begin("other", Working.ASSUMING)
    assert book.live and book.working() == {"other": Working.ASSUMING}
    book.finish("other")
    assert not book.live and book.working() == {}
    book.started("other", START + timedelta(hours=1), "arn:aws:sts::3:assumed-role/Other/x")
    assert book.live and book["other"].working is None
    assert book.row("other", START).status == "active"
    book.forgotten("other")
    assert not book.live
    assert book.row("other", START).status == "inactive"


# -- what the agent served --------------------------------------------------------------------------------


def test_served_roles_show_how_long_ago_and_a_served_role_no_longer_waits_for_mfa() -> None:
    book = RoleBook({role.name: role for role in ROLES})
    assert not book.has_served and not book.live
    assert book.served({"prod-admin": START, "not-a-role": START}) == {"prod-admin"}
    assert book.has_served and book.live  # its "ago" moves each second
    assert book.row("prod-admin", START).served == "now"
    assert book.row("prod-admin", START + timedelta(minutes=5, seconds=30)).served == "5m ago"
    assert book.row("other", START).served == ""
    assert book.served({"prod-admin": START}) == set()  # nothing new: nothing to repaint

    assert book.served_needs_mfa("other") is True  # told once
    assert book.served_needs_mfa("other") is False
    assert book.row("other", START).status == str(Status.NEEDS_MFA)
    book.served({"other": START + timedelta(seconds=3)})  # served since: the code was entered somewhere
    assert book.row("other", START).status == str(Status.INACTIVE)


def test_due_sessions_are_found_the_tick_they_fall_due_without_looking_at_every_session() -> None:
    """A tick with many sessions and none due costs nothing; the first tick at or past a session's renewal
    moment finds it (as `status_of` decides), and a session started meanwhile is seen at once."""
    roles = [
        Role(f"r{i}", f"arn:aws:iam::111111111111:role/R{i}", f"r{i}", refresh_before=600) for i in range(50)
    ]
    book = RoleBook({role.name: role for role in roles})
    book.load({f"r{i}": owned(f"r{i}", f"r{i}", 1800 + 60 * i) for i in range(50)})

    def by_rule(at):  # type: ignore[no-untyped-def]
        return [
            s.name
            for s in map(book.__getitem__, book.names)
            if s.entry and s.status(at) in (Status.DUE, Status.EXPIRED)
        ]

    for seconds in (0, 1199, 1199.999, 1200, 1200.001, 1259, 1260, 1500, 4800):
        at = START + timedelta(seconds=seconds)
        assert [state.name for state in book.due(at)] == by_rule(at), seconds
    assert [s.name for s in book.due(START + timedelta(seconds=1200))] == ["r0"]
    book.started("r49", START + timedelta(seconds=601), "arn:aws:sts::1:assumed-role/R49/x")  # due at 1 s
    assert [s.name for s in book.due(START + timedelta(seconds=1))] == ["r49"]
