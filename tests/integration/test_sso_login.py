"""Login and discovery in-process, through the real boto3 gateway against the fake Identity Center, with
an injected clock and sleep (no waiting): the device flow's pacing, refresh, expiry and discovery."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from stsui.aws.sso import BotoSsoGateway
from stsui.domain.errors import NeedsLogin, StsError
from stsui.domain.sso import EXPIRED, DeviceAuthorization, DiscoveredRole, SsoInstance
from stsui.domain.times import rfc3339
from stsui.engine.role_discovery import ENDLESS_PAGES, Discoverer, Discovery, RateLimit, merge
from stsui.engine.sso_logins import SsoLogins
from stsui.store.sso_cache import SsoTokenCache, token_file_name
from tests.support.clock import Clock, moment
from tests.support.sso_fake import SsoFake

WORK = SsoInstance("work", "https://my-org.awsapps.com/start", "eu-west-1")
CLI_KEYS = {
    "startUrl",
    "region",
    "accessToken",
    "expiresAt",
    "clientId",
    "clientSecret",
    "registrationExpiresAt",
    "refreshToken",
}


NOON = moment(2026, 12, 4, 12)


@pytest.fixture
def clock() -> Clock:
    """A clock that moves only when the code under test sleeps."""
    return Clock(NOON)


@pytest.fixture
def sso_clock(clock: Clock) -> Callable[[], datetime]:
    """The fake stamps registrations and credentials on the test's clock."""
    return clock


@pytest.fixture
def cache_dir(isolated_home: Path) -> Path:
    return isolated_home / ".aws" / "sso" / "cache"


@pytest.fixture
def logins(sso_fake: SsoFake, cache_dir: Path, clock: Clock) -> SsoLogins:
    return SsoLogins(
        SsoTokenCache(cache_dir), lambda: BotoSsoGateway(clock=clock), clock=clock, sleep=clock.sleep
    )


def _login(logins: SsoLogins) -> tuple[list[DeviceAuthorization], list[str]]:
    shown: list[DeviceAuthorization] = []
    opened: list[str] = []
    logins.login(WORK, show=shown.append, open_browser=opened.append)
    return shown, opened


def test_login_polls_at_the_interval_and_slows_down(
    logins: SsoLogins, sso_fake: SsoFake, clock: Clock, cache_dir: Path
) -> None:
    sso_fake.state.device_script = ["pending", "slow_down", "pending"]
    shown, opened = _login(logins)
    assert clock.sleeps == [5, 5, 10, 10]  # the interval, then +5 s after SlowDownException
    assert opened == [f"{WORK.start_url}/#/device?user_code={shown[0].user_code}"]

    path = cache_dir / token_file_name("work")
    data = json.loads(path.read_text())
    assert set(data) == CLI_KEYS  # exactly the AWS CLI's keys
    assert data["startUrl"] == WORK.start_url and data["region"] == "eu-west-1"
    assert data["expiresAt"] == rfc3339(NOON + timedelta(hours=8, seconds=30))  # after 30 s of polling
    assert data["accessToken"] in sso_fake.state.access_tokens
    assert os.stat(path).st_mode & 0o777 == 0o600


def test_expired_device_code_gives_up(logins: SsoLogins, sso_fake: SsoFake, cache_dir: Path) -> None:
    sso_fake.state.device_script = ["pending", "expired"]
    with pytest.raises(StsError) as caught:
        _login(logins)
    assert caught.value.code == EXPIRED and "stsui sso login work" in str(caught.value)
    assert not (cache_dir / token_file_name("work")).exists()


def test_gives_up_at_the_code_expiry_without_an_answer(
    logins: SsoLogins, sso_fake: SsoFake, clock: Clock
) -> None:
    sso_fake.state.device_script = ["pending"] * 1000
    sso_fake.state.device_expires_in = 60
    with pytest.raises(StsError, match="expired before it was approved"):
        _login(logins)
    assert (
        sum(clock.sleeps) == 60
        and sso_fake.count("CreateToken:" + "urn:ietf:params:oauth:grant-type:device_code") == 11
    )


def test_a_second_login_reuses_the_client_registration(logins: SsoLogins, sso_fake: SsoFake) -> None:
    sso_fake.state.device_script = []
    _login(logins)
    _login(logins)
    assert sso_fake.count("RegisterClient") == 1 and sso_fake.count("StartDeviceAuthorization") == 2


def test_refresh_token_renews_before_asking_for_a_login(
    logins: SsoLogins, sso_fake: SsoFake, clock: Clock, cache_dir: Path
) -> None:
    sso_fake.state.device_script = []
    _login(logins)
    first = json.loads((cache_dir / token_file_name("work")).read_text())
    clock.now += timedelta(hours=7, minutes=50)  # inside the 15-minute refresh window
    token = logins.access_token(WORK)
    second = json.loads((cache_dir / token_file_name("work")).read_text())
    assert token == second["accessToken"] != first["accessToken"]
    assert second["refreshToken"] != first["refreshToken"] and second["clientId"] == first["clientId"]
    assert sso_fake.count("CreateToken:refresh_token") == 1


def test_without_a_usable_login_it_needs_login(logins: SsoLogins, sso_fake: SsoFake, clock: Clock) -> None:
    assert not logins.logged_in(WORK)
    with pytest.raises(NeedsLogin, match="stsui sso login work"):
        logins.access_token(WORK)
    sso_fake.state.device_script = []
    _login(logins)
    assert logins.logged_in(WORK)
    clock.now += timedelta(days=91)  # token and client registration both expired
    assert not logins.logged_in(WORK)
    with pytest.raises(NeedsLogin):
        logins.access_token(WORK)


def test_discovers_500_accounts_with_throttled_pages(logins: SsoLogins, sso_fake: SsoFake) -> None:
    sso_fake.add_accounts(500)
    sso_fake.state.throttle_every = 5  # every fifth portal request: 429 TooManyRequestsException
    sso_fake.state.device_script = []
    _login(logins)
    progress: list[tuple[int, int]] = []
    found = Discoverer(logins, rate=100_000, sleep=lambda _s: None).discover(
        WORK, lambda done, total: progress.append((done, total))
    )
    assert found.failed_accounts == frozenset()
    assert len(found.roles) == 1500 and len({(r.account_id, r.role_name) for r in found.roles}) == 1500
    assert sso_fake.state.throttled > 200
    assert sso_fake.count("ListAccountRoles") >= 1000  # two pages per account
    assert progress[-1] == (500, 500) and len(progress) == 500


def test_rate_limit_spaces_requests_across_threads() -> None:
    now = [0.0]
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    limit = RateLimit(15, clock=lambda: now[0], sleep=sleep)
    for _ in range(30):
        limit.wait()
    assert sleeps[0] == pytest.approx(1 / 15) and max(sleeps) == pytest.approx(29 / 15)  # 30 calls: 2 s


def test_roles_that_disappeared_are_marked_then_dropped() -> None:
    def role(account: str, name: str, gone: bool = False) -> DiscoveredRole:
        return DiscoveredRole("work", account, f"acct-{account}", name, gone)

    old = [role("1", "Admin"), role("1", "ReadOnly"), role("2", "Admin"), role("3", "Old", gone=True)]
    found = Discovery([role("1", "Admin")], failed_accounts=frozenset({"2"}))
    merged = merge(old, found)
    assert merged == [role("1", "Admin"), role("1", "ReadOnly", gone=True), role("2", "Admin")]


def test_a_cancelled_login_stops_polling(logins: SsoLogins, sso_fake: SsoFake, clock: Clock) -> None:
    sso_fake.state.device_script = ["pending"] * 100
    with pytest.raises(NeedsLogin, match="cancelled"):
        logins.login(
            WORK, show=lambda _d: None, open_browser=lambda _u: None, cancelled=lambda: len(clock.sleeps) > 2
        )
    assert sso_fake.count("CreateToken:urn:ietf:params:oauth:grant-type:device_code") == 2


def _discoverer(logins: SsoLogins, **options: int) -> Discoverer:
    return Discoverer(logins, rate=100_000, sleep=lambda _s: None, **options)


def test_names_from_the_portal_are_made_printable(logins: SsoLogins, sso_fake: SsoFake) -> None:
    sso_fake.state.accounts["123456789012"] = ("evil\x1b[2J\u202ename", ["Admin"])
    sso_fake.state.device_script = []
    _login(logins)
    found = _discoverer(logins).discover(WORK)
    assert [(r.account_name, r.role_name) for r in found.roles] == [("evil\\x1b[2J\\u202ename", "Admin")]


HOSTILE_ACCOUNTS = {
    "../../../victim/settings": ("!!!", ["???"]),  # a name that reduces to nothing fell back to the id
    "12345678901": ("short", ["Admin"]),
    "1234567890123": ("long", ["Admin"]),
    "123456789012": ("fine", ["Admin", "Ad\x07min", "../Admin", "x" * 65, "Read.Only"]),
}


def test_answers_that_are_no_account_id_or_role_name_are_dropped_and_said_once(
    logins: SsoLogins, sso_fake: SsoFake
) -> None:
    sso_fake.state.accounts.update(HOSTILE_ACCOUNTS)
    sso_fake.state.device_script = []
    _login(logins)
    found = _discoverer(logins).discover(WORK)
    assert [(r.account_id, r.role_name) for r in found.roles] == [
        ("123456789012", "Admin"),
        ("123456789012", "Read.Only"),
    ]
    assert found.dropped == 6 and found.failed_accounts == frozenset()
    assert found.dropped_note(WORK) == (
        "IAM Identity Center 'work' answered 6 accounts or roles that stsui does not use: each needs a "
        "12-digit AWS account id and a permission set name of 1-64 letters, digits and _+=,.@-."
    )
    assert set(sso_fake.state.accounts_asked) == {"123456789012"}  # a dropped account is never asked about


@pytest.mark.timeout(30)
@pytest.mark.parametrize("listing", ["accounts", "roles"])
def test_a_portal_repeating_its_page_token_is_stopped(
    logins: SsoLogins, sso_fake: SsoFake, listing: str
) -> None:
    sso_fake.add_accounts(3)
    sso_fake.state.device_script = []
    _login(logins)
    if listing == "accounts":
        sso_fake.state.endless_accounts = "same"
        with pytest.raises(
            StsError, match="ListAccounts at IAM Identity Center 'work' answered the same page"
        ):
            _discoverer(logins).discover(WORK)
        assert sso_fake.count("ListAccounts") == 2 and sso_fake.count("ListAccountRoles") == 0
    else:
        sso_fake.state.endless_roles = "same"  # one account's roles: that account is kept as it was
        found = _discoverer(logins).discover(WORK)
        assert found.failed_accounts == {"100000000000", "100000000001", "100000000002"}
        assert sso_fake.count("ListAccountRoles") == 6


@pytest.mark.timeout(30)
def test_a_portal_paging_forever_is_stopped_at_the_page_bound(logins: SsoLogins, sso_fake: SsoFake) -> None:
    sso_fake.add_accounts(3)
    sso_fake.state.device_script = []
    sso_fake.state.endless_accounts = "new"  # a new token every time, and empty pages
    _login(logins)
    with pytest.raises(StsError, match=r"ListAccounts .* was still paging after 25 pages; stopped") as caught:
        _discoverer(logins, max_pages=25).discover(WORK)
    assert caught.value.code == ENDLESS_PAGES and sso_fake.count("ListAccounts") == 25


def test_a_sign_in_page_outside_aws_is_never_opened(
    logins: SsoLogins, sso_fake: SsoFake, cache_dir: Path
) -> None:
    sso_fake.state.verification_uri = "http://127.0.0.1:9/\x1b]8;;evil"
    sso_fake.state.device_script = ["pending"]
    shown, opened = _login(logins)
    assert opened == []
    assert shown[0].untrusted == (
        "IAM Identity Center 'work' named a sign-in page that is not AWS's (it contains spaces, control "
        "characters or backslashes), so stsui did not open it: "
        "http://127.0.0.1:9/\\x1b]8;;evil - open it yourself only if you trust it."
    )
    assert (cache_dir / token_file_name("work")).exists()  # approved by hand: the login goes on
