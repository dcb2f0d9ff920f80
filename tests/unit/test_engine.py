"""The session engine with a fake STS and a frozen clock: reuse, renewal, chaining, MFA sessions, status."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from stsui.domain.errors import NeedsMfa
from stsui.domain.model import ProfileEntry, Status, status_of
from stsui.engine.bulk import Bulk, renew
from stsui.engine.engine import MFA_MARGIN, Assumed
from tests.support.fakes import START, make_engine

SERIAL = "arn:aws:iam::999999999999:mfa/tester"
ROLES = f"""\
[defaults]
source_profile = "default"
region = "eu-west-1"

[roles.plain]
role_arn = "arn:aws:iam::111111111111:role/Plain"

[roles.deep]
role_arn = "arn:aws:iam::222222222222:role/Deep"
source_role = "plain"
duration = "4h"

[roles.mfa]
role_arn = "arn:aws:iam::333333333333:role/Mfa"
mfa_serial = "{SERIAL}"
mfa_session_duration = "15m"
auto_refresh = false

[roles.mfa-too]
role_arn = "arn:aws:iam::444444444444:role/MfaToo"
mfa_serial = "{SERIAL}"
mfa_session_duration = "15m"
"""


@pytest.fixture
def rig(isolated_home: Path):  # type: ignore[no-untyped-def]
    return make_engine(isolated_home, ROLES)


def test_a_session_with_more_than_refresh_before_left_is_reused(rig) -> None:  # type: ignore[no-untyped-def]
    engine, gateway, clock = rig
    role = engine.config.roles["plain"]
    first = engine.assume(role)
    clock.step(3600 - role.refresh_before - 1)
    again = engine.obtain(role)
    assert again.reused and again.session == first.session
    assert gateway.count("assume_role") == 1


def test_a_session_inside_refresh_before_is_renewed(rig) -> None:  # type: ignore[no-untyped-def]
    engine, gateway, clock = rig
    role = engine.config.roles["plain"]
    first = engine.assume(role)
    clock.step(3600 - role.refresh_before)  # exactly refresh_before left: renewed, and shown as due
    assert engine.status(role, engine.entries()) is Status.DUE
    renewed = engine.obtain(role)
    assert not renewed.reused and renewed.session.expiration > first.session.expiration
    assert gateway.count("assume_role") == 2


def test_status_moves_from_active_to_due_to_expired(rig) -> None:  # type: ignore[no-untyped-def]
    engine, _, clock = rig
    role = engine.config.roles["plain"]
    assert engine.status(role, engine.entries()) is Status.INACTIVE
    engine.assume(role)
    assert engine.status(role, engine.entries()) is Status.ACTIVE
    clock.step(3600 - 60)
    assert engine.status(role, engine.entries()) is Status.DUE
    clock.step(60)
    assert engine.status(role, engine.entries()) is Status.EXPIRED
    assert engine.due() == [role]


def test_a_chained_role_is_capped_at_one_hour_with_a_warning(rig) -> None:  # type: ignore[no-untyped-def]
    engine, gateway, clock = rig
    outcome = engine.assume(engine.config.roles["deep"])
    assert outcome.session.expiration - clock() == timedelta(hours=1)
    assert len(outcome.warnings) == 1 and "capped at 1h" in outcome.warnings[0]
    assert "instead of the configured 4h." in outcome.warnings[0]
    assert [name for _, name in gateway.calls] == ["plain", "deep"]  # the parent first, then the child


def test_a_parent_session_is_reused_for_its_chained_child(rig) -> None:  # type: ignore[no-untyped-def]
    engine, gateway, _ = rig
    engine.assume(engine.config.roles["plain"])
    engine.assume(engine.config.roles["deep"])
    assert gateway.count("assume_role", "plain") == 1


def test_the_mfa_session_is_asked_once_for_every_role_of_the_device(rig) -> None:  # type: ignore[no-untyped-def]
    engine, gateway, _ = rig
    with pytest.raises(NeedsMfa):
        engine.assume(engine.config.roles["mfa"])
    engine.assume(engine.config.roles["mfa"], mfa_code="123456")
    assert not engine.needs_mfa_code(engine.config.roles["mfa-too"])
    engine.assume(engine.config.roles["mfa-too"])
    assert gateway.count("get_session_token") == 1


def test_an_mfa_session_about_to_end_is_not_used(rig) -> None:  # type: ignore[no-untyped-def]
    """A role session assumed with an MFA session that ends within MFA_MARGIN would outlive its source."""
    engine, _, clock = rig
    role = engine.config.roles["mfa"]
    engine.start_mfa_session(role, "123456")  # 15 minutes
    clock.step(15 * 60 - 4 * 60)  # 4 minutes left: too little to assume a role with
    assert engine.needs_mfa_code(role)
    clock.step(-2 * 60)  # 6 minutes left: enough
    assert not engine.needs_mfa_code(role)
    assert timedelta(minutes=4) < MFA_MARGIN < timedelta(minutes=6)


def test_the_later_of_profile_and_cache_is_the_session(rig) -> None:  # type: ignore[no-untyped-def]
    engine, _, _ = rig
    role = engine.config.roles["plain"]
    written = engine.assume(role).session  # the profile and the cache: 1 h
    longer = engine.obtain(role, duration=7200).session  # the cache only: 2 h
    assert longer.expiration > written.expiration
    assert engine.session(role) == longer
    engine.sessions.put(written)  # now the profile and the cache hold the 1 h one ...
    engine.store.write_session(role.profile, longer)  # ... and the profile the 2 h one
    assert engine.session(role) == longer


def test_a_session_of_a_previous_role_arn_is_not_reused(rig, isolated_home: Path) -> None:  # type: ignore[no-untyped-def]
    engine, _, clock = rig
    engine.assume(engine.config.roles["plain"])
    changed, gateway, _ = make_engine(isolated_home, ROLES.replace("role/Plain", "role/Renamed"), clock)
    role = changed.config.roles["plain"]
    assert changed.session(role) is None
    outcome = changed.obtain(role)
    assert not outcome.reused and ":assumed-role/Renamed/" in outcome.session.assumed_role_arn
    assert gateway.count("assume_role") == 1


def test_refresh_reports_distinct_results(rig) -> None:  # type: ignore[no-untyped-def]
    engine, _, clock = rig
    engine.assume(engine.config.roles["plain"])
    engine.assume(engine.config.roles["mfa"], mfa_code="123456")
    engine.forget_mfa()
    clock.step(3600 - 60)
    summary = Bulk(engine).run(engine.due(), lambda role: renew(engine, role), verb="Renewing")
    results = {r.role.name: r for r in summary.outcomes}
    assert isinstance(results["plain"].value, Assumed) and results["plain"].value.profile == "plain"
    failed = results["mfa"]
    assert not failed.ok and isinstance(failed.error, NeedsMfa)


# --- one status rule (bug: the TUI said "due" forever where the CLI said "needs MFA") ----------------


def test_a_due_mfa_role_without_an_mfa_session_needs_mfa_even_without_auto_refresh(rig) -> None:  # type: ignore[no-untyped-def]
    engine, _, clock = rig
    role = engine.config.roles["mfa"]
    assert not role.auto_refresh
    engine.assume(role, mfa_code="123456")
    clock.step(3600 - 60)  # the MFA session (15 min) has long ended, the role session is due
    assert engine.status(role, engine.entries()) is Status.NEEDS_MFA
    clock.step(120)
    assert engine.status(role, engine.entries()) is Status.NEEDS_MFA  # expired, and still needs a code


def test_status_of_is_the_one_rule(rig) -> None:  # type: ignore[no-untyped-def]
    engine, _, _ = rig
    role = engine.config.roles["plain"]
    later = START + timedelta(hours=1)
    own = ProfileEntry(role.profile, role.name, later, None)
    asked: list[bool] = []

    def needs() -> bool:
        asked.append(True)
        return True

    assert status_of(role, None, START) is Status.INACTIVE
    assert status_of(role, ProfileEntry(role.profile, "other", later, None), START) is Status.INACTIVE
    assert status_of(role, ProfileEntry(role.profile, None, later, None), START) is Status.INACTIVE
    assert status_of(role, own, START, needs) is Status.ACTIVE
    assert not asked  # the caches are read only for a session that is due or expired
    assert status_of(role, own, later - timedelta(seconds=role.refresh_before)) is Status.DUE
    assert status_of(role, own, later, needs) is Status.NEEDS_MFA
    assert status_of(role, own, later + timedelta(seconds=1)) is Status.EXPIRED


# --- a region per session ---------------------------------------------------------------------------------


def test_a_region_given_to_a_live_session_keeps_its_keys(rig) -> None:  # type: ignore[no-untyped-def]
    engine, gateway, _ = rig
    role = engine.config.roles["plain"]
    first = engine.assume(role)
    moved = engine.assume(role, region="ap-south-1")
    assert moved.reused and moved.session.credentials == first.session.credentials
    assert moved.session.region == "ap-south-1" and gateway.count("assume_role") == 1
    assert engine.store.read_session("plain", "plain").region == "ap-south-1"  # type: ignore[union-attr]
    assert engine.sessions.get("plain").region == "ap-south-1"  # type: ignore[union-attr]


def test_renewals_keep_the_region_a_session_that_ended_starts_in_the_roles(rig) -> None:  # type: ignore[no-untyped-def]
    engine, _, clock = rig
    role = engine.config.roles["plain"]
    engine.assume(role, region="us-west-2")
    clock.step(3600 - 60)  # due: renewed, still live
    assert engine.assume(role, fresh=True).session.region == "us-west-2"
    assert engine.obtain(role).session.region == "us-west-2"
    clock.step(7200)  # ended
    assert engine.assume(role).session.region == "eu-west-1"


def test_a_bad_region_is_refused_before_any_call(rig) -> None:  # type: ignore[no-untyped-def]
    from stsui.domain.errors import UsageError

    engine, gateway, _ = rig
    role = engine.config.roles["mfa"]
    for region in ("cn-north-1", "eu-wset-1"):
        with pytest.raises(UsageError) as raised:
            engine.assume(role, mfa_code="123456", region=region)
        assert raised.value.exit_code == 2 and region in str(raised.value)
    assert gateway.calls == []


def test_set_region_without_a_live_session_writes_nothing(rig) -> None:  # type: ignore[no-untyped-def]
    engine, gateway, _ = rig
    role = engine.config.roles["plain"]
    assert engine.set_region(role, "eu-central-1") is None
    assert "plain" not in engine.store.read()
    engine.assume(role)
    moved = engine.set_region(role, "eu-central-1")
    assert moved is not None and moved.region == "eu-central-1" and gateway.count("assume_role") == 1


def test_listing_many_discovered_roles_reads_each_login_once(isolated_home: Path) -> None:
    """`stsui list` with 2,000 roles from IAM Identity Center: "needs login" for each, from one read of the
    instance's login (it read the token cache once per role)."""
    from stsui.cli.shared import role_rows
    from stsui.domain.sso import DiscoveredRole
    from stsui.engine.discovered_roles import default_discovery_cache, with_discovered
    from stsui.engine.sso_logins import SsoLogins
    from stsui.store.sso_cache import SsoTokenCache

    start_url = "https://my-org.awsapps.com/start"
    engine, _gateway, clock = make_engine(
        isolated_home, f'[sso.work]\nstart_url = "{start_url}"\nregion = "eu-west-1"\n'
    )
    found = [DiscoveredRole("work", f"{100000000000 + a}", f"a{a}", "Admin") for a in range(2000)]
    default_discovery_cache().put("work", start_url, found, clock())
    engine.config = with_discovered(engine.config, default_discovery_cache())
    reads: list[str] = []

    class Counting(SsoTokenCache):
        def get(self, session_name: str):  # type: ignore[no-untyped-def]
            reads.append(session_name)
            return super().get(session_name)

    engine.sso = SsoLogins(Counting(isolated_home / ".aws" / "sso" / "cache"), lambda: None, clock=clock)  # type: ignore[arg-type, return-value]
    rows = role_rows(engine)
    assert len(rows) == 2000 and {status for _, status, _ in rows} == {Status.NEEDS_LOGIN}
    assert reads == ["work"]
