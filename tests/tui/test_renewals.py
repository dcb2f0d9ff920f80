"""The TUI's renewal policy on a frozen clock, without a screen: what is renewed, when, and what waits."""

from __future__ import annotations

from datetime import timedelta

import pytest

from stsui.domain.model import ProfileEntry, Role
from stsui.engine.renewal import Backoff, retry_delay
from stsui.tui.renewals import MAX_RENEWALS, RECHECK, MfaDevice, RenewalPolicy
from stsui.tui.state import RoleBook, Working
from tests.tui.conftest import START

SERIAL = "arn:aws:iam::999999999999:mfa/tester"


def role(name: str, **options: object) -> Role:
    return Role(name, f"arn:aws:iam::111111111111:role/{name}", name, **options)  # type: ignore[arg-type]


def device(of: Role) -> MfaDevice | None:
    return None if of.mfa_serial is None else (of.source_profile, of.mfa_serial)


def book_with(roles: list[Role], left: float = 600) -> RoleBook:
    """Every role with a session of `left` seconds (due: refresh_before is 900)."""
    book = RoleBook({role.name: role for role in roles})
    expiry = START + timedelta(seconds=left)
    book.load({r.profile: ProfileEntry(r.profile, r.name, expiry, "arn") for r in roles})
    return book


@pytest.mark.parametrize(
    ("failures", "seconds"), [(1, 30), (2, 60), (3, 120), (4, 240), (5, 480), (6, 600), (20, 600)]
)
def test_backoff_doubles_from_30_seconds_to_10_minutes(failures: int, seconds: int) -> None:
    assert retry_delay(failures) == seconds


def test_backoff_waits_exactly_its_delay_and_resets_on_success() -> None:
    backoff = Backoff()
    assert not backoff.waiting(START)
    assert backoff.failed(START) == 30
    assert backoff.waiting(START + timedelta(seconds=29))
    assert not backoff.waiting(START + timedelta(seconds=30))
    assert backoff.failed(START + timedelta(seconds=30)) == 60
    backoff.succeeded()
    assert (backoff.failures, backoff.retry_at) == (0, None)


def test_only_due_sessions_are_renewed_in_config_order() -> None:
    roles = [role("a"), role("b"), role("c")]
    book = book_with(roles, left=3600)
    policy = RenewalPolicy(book, device)
    assert policy.plan(START).renew == []
    assert policy.plan(START + timedelta(seconds=3600 - 901)).renew == []
    # exactly refresh_before left: due, the boundary at which the engine stops reusing a session
    assert policy.plan(START + timedelta(seconds=3600 - 900)).renew == ["a", "b", "c"]
    assert policy.plan(START + timedelta(hours=5)).renew == ["a", "b", "c"]  # expired ones too


def test_at_most_max_renewals_run_at_once() -> None:
    roles = [role(f"r{i}") for i in range(MAX_RENEWALS + 2)]
    book = book_with(roles)
    policy = RenewalPolicy(book, device)
    first = policy.plan(START).renew
    assert first == [r.name for r in roles[:MAX_RENEWALS]]
    for name in first:
        book.begin(name, Working.RENEWING)
    assert policy.plan(START).renew == []
    book.finish(first[0])
    book.started(first[0], START + timedelta(hours=1), "arn")
    assert policy.plan(START).renew == [roles[MAX_RENEWALS].name]


def test_busy_roles_and_roles_without_auto_refresh_are_not_renewed() -> None:
    book = book_with([role("busy"), role("manual", auto_refresh=False), role("free")])
    book.begin("busy", Working.FORGETTING)
    assert RenewalPolicy(book, device).plan(START).renew == ["free"]


def test_a_failed_renewal_waits_for_its_backoff() -> None:
    book = book_with([role("a")])
    policy = RenewalPolicy(book, device)
    assert policy.failed("a", START) == 30
    assert policy.plan(START + timedelta(seconds=29)).renew == []
    assert policy.plan(START + timedelta(seconds=30)).renew == ["a"]
    assert policy.failed("a", START + timedelta(seconds=30)) == 60
    assert policy.plan(START + timedelta(seconds=89)).renew == []
    assert policy.plan(START + timedelta(seconds=90)).renew == ["a"]


def test_a_renewal_needing_mfa_waits_for_the_user_who_is_told_once() -> None:
    book = book_with([role("mfa", mfa_serial=SERIAL)])
    policy = RenewalPolicy(book, device)
    assert policy.needs_mfa("mfa") is True
    assert policy.needs_mfa("mfa") is False  # told once
    for minutes in (0, 1, 60, 600):
        assert policy.plan(START + timedelta(minutes=minutes)).renew == []


def test_an_mfa_code_entered_for_one_role_unblocks_the_roles_on_the_same_device() -> None:
    same = [role("one", mfa_serial=SERIAL), role("two", mfa_serial=SERIAL)]
    other = role("other", mfa_serial="arn:aws:iam::999999999999:mfa/other")
    book = book_with([*same, other])
    policy = RenewalPolicy(book, device)
    for name in ("one", "two", "other"):
        policy.needs_mfa(name)
    book.started("one", START + timedelta(hours=1), "arn")
    policy.mfa_session_started(same[0])
    assert policy.plan(START).renew == ["two"]
    assert book["other"].needs_mfa is True
    assert book["two"].mfa_warned  # not told again if it still needs one


def test_roles_without_auto_refresh_are_checked_not_renewed_and_checked_again_later() -> None:
    book = book_with([role("manual", auto_refresh=False, mfa_serial=SERIAL)], left=600)
    policy = RenewalPolicy(book, device)
    assert policy.plan(START - timedelta(hours=1)).check == []  # not due yet
    plan = policy.plan(START)
    assert (plan.renew, plan.check) == ([], ["manual"])
    policy.checked("manual", needs_mfa=False, now=START)
    assert policy.plan(START + RECHECK - timedelta(seconds=1)).check == []
    assert policy.plan(START + RECHECK).check == ["manual"]  # its MFA session may have run out since
    policy.checked("manual", needs_mfa=True, now=START + RECHECK)
    assert policy.plan(START + timedelta(hours=10)).check == []  # needs MFA: stays so until something changes
    policy.mfa_session_started(role("x", mfa_serial=SERIAL))  # a code entered for another role, same device
    assert policy.plan(START + timedelta(hours=10)).check == ["manual"]


def test_forgetting_mfa_sessions_makes_every_no_mfa_answer_stale() -> None:
    book = book_with([role("manual", auto_refresh=False, mfa_serial=SERIAL)])
    policy = RenewalPolicy(book, device)
    policy.checked("manual", needs_mfa=False, now=START)
    assert policy.plan(START).check == []
    policy.mfa_sessions_forgotten()
    assert policy.plan(START).check == ["manual"]
