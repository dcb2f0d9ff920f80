"""THE expiry parser (`stsui.domain.times`) and every reader of an expiry: a time that is well formed but
extreme (`9999-12-31T23:59:59-23:59` overflows when converted to UTC) is "unreadable", never an exception,
in any zone, in any field of any file or variable stsui reads."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from stsui.cli import quick_shell
from stsui.discover.credentials import EXPIRY_KEYS
from stsui.discover.discover import discover
from stsui.discover.found import describe
from stsui.domain.model import Credentials, Role, Session, status_of
from stsui.domain.times import READABLE, own_expiry, parse_expiry, parse_rfc3339
from stsui.store.cache import MfaCache, SessionCache
from stsui.store.credentials_file import CredentialsFile
from stsui.store.sso_cache import SsoTokenCache, token_file_name

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
EXTREMES = [
    "9999-12-31T23:59:59-23:59",  # UTC is past datetime.max
    "0001-01-01T00:00:00+23:59",  # UTC is before datetime.min
    "0001-01-01 00:00:00",  # naive: read as local time, before datetime.min east of UTC
    "9999-12-31 23:59:59",  # naive: past datetime.max west of UTC
    "9999-12-31T23:59:59Z",  # converts, but a renewal margin or a local zone added to it overflows
    "0001-01-01T00:00:00Z",
    "9999999999999999",  # unix milliseconds in the year 318857
]
ZONES = ["UTC", "Asia/Tokyo", "America/Los_Angeles", "Pacific/Kiritimati", "Etc/GMT+12"]


@pytest.fixture(params=ZONES)
def zone(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Each test runs in zones on both sides of UTC: naive times are read as local time."""
    monkeypatch.setenv("TZ", request.param)
    time.tzset()
    yield request.param
    monkeypatch.undo()
    time.tzset()


def readable(moment: datetime | None) -> bool:
    """None, or an aware UTC time anything can be done with: a margin either way, a local zone."""
    if moment is None:
        return True
    assert moment.tzinfo is UTC and READABLE[0] <= moment < READABLE[1]
    (moment + timedelta(days=366)).astimezone()
    (moment - timedelta(days=366)).astimezone()
    return True


@pytest.mark.parametrize("text", EXTREMES)
def test_extreme_times_are_unreadable(zone: str, text: str) -> None:
    assert parse_expiry(text) is None
    assert parse_rfc3339(text) is None
    assert own_expiry(text) == READABLE[0]  # stsui's own section: long expired, so renewed


def test_ordinary_times_still_read(zone: str) -> None:
    assert parse_expiry("2026-01-15T13:00:00Z") == datetime(2026, 1, 15, 13, tzinfo=UTC)
    assert parse_expiry("2026-01-15T14:00:00+01:00") == datetime(2026, 1, 15, 13, tzinfo=UTC)
    assert parse_rfc3339("2026-01-15T13:00:00+00:00") == datetime(2026, 1, 15, 13, tzinfo=UTC)
    assert own_expiry(None) is None  # no expiry recorded is not "expired"


@st.composite
def timestamps(draw: st.DrawFn) -> str:
    """Strings shaped like the times tools write, from the year 1 to 9999, with any offset or none."""
    moment = draw(st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)))
    text = moment.isoformat(sep=draw(st.sampled_from(["T", " "])))
    hours, minutes = draw(st.integers(-23, 23)), draw(st.integers(0, 59))
    offset = f"{'+' if hours >= 0 else '-'}{abs(hours):02d}:{minutes:02d}"
    return text + draw(st.sampled_from(["", "Z", "UTC", "GMT", "EST", offset]))


TIMES = st.one_of(timestamps(), st.text(max_size=40), st.integers(-(10**17), 10**17).map(str))


@given(TIMES)
@example("9999-12-31T23:59:59-23:59")
@example("0001-01-01 00:00:00")
def test_the_parser_never_raises(text: str) -> None:
    assert readable(parse_expiry(text))
    assert readable(parse_rfc3339(text))
    assert readable(own_expiry(text))


# -- every reader ------------------------------------------------------------------------------------------

INI_SAFE = st.one_of(timestamps(), st.text(st.characters(blacklist_characters="\r\n"), max_size=40)).map(
    str.strip
)
"""A value one line of an INI file can hold."""
READERS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
ROLE = Role(name="prod-admin", role_arn="arn:aws:iam::111111111111:role/Admin", profile="prod-admin")


@READERS
@given(INI_SAFE)
@example("9999-12-31T23:59:59-23:59")
def test_stsuis_own_section_reads_as_expired_or_a_time(tmp_path: Path, text: str) -> None:
    """`list`, `assume` and `env` read the role's section: an unreadable expiry is expired (renew it)."""
    path = tmp_path / "credentials"
    path.write_text(
        "[prod-admin]\naws_access_key_id = ASIA1\naws_secret_access_key = s\naws_session_token = t\n"
        f"x_security_token_expires = {text}\nx_stsui_role = prod-admin\n"
    )
    store = CredentialsFile(path)
    entry = store.read()["prod-admin"]
    assert entry.expires_at is not None and readable(entry.expires_at)
    status_of(ROLE, entry, NOW)
    session = store.read_session("prod-admin", "prod-admin")
    assert session is not None and readable(session.credentials.expiration)
    if parse_expiry(text) is None:
        assert entry.expires_at == READABLE[0] and str(status_of(ROLE, entry, NOW)) == "expired"


def _with_expiration(path: Path, text: str) -> None:
    """Put `text` in the Expiration field of the one JSON file stsui wrote under `path`."""
    (written,) = path.glob("*.json")
    data = json.loads(written.read_text())
    data["Expiration"] = text
    written.write_text(json.dumps(data))


@READERS
@given(TIMES)
@example("0001-01-01T00:00:00+23:59")
def test_the_session_and_mfa_caches_ignore_an_unreadable_expiry(tmp_path: Path, text: str) -> None:
    """`env`, `credential-process` and every assume read these: an unreadable entry is none (renew it)."""
    credentials = Credentials("ASIA1", "s", "t", NOW)
    sessions = SessionCache.under(tmp_path)
    sessions.put(Session("prod-admin", credentials, "arn:aws:sts::1:assumed-role/A/s", None))
    _with_expiration(tmp_path / "sessions", text)
    session = sessions.get("prod-admin")
    assert session is None or readable(session.credentials.expiration)
    mfa = MfaCache(tmp_path / "mfa")
    mfa.put(None, "arn:aws:iam::111111111111:mfa/me", credentials)
    _with_expiration(tmp_path / "mfa", text)
    got = mfa.get(None, "arn:aws:iam::111111111111:mfa/me")
    assert got is None or readable(got.expiration)


@READERS
@given(TIMES, TIMES)
@example("9999-12-31T23:59:59-23:59", "0001-01-01 00:00:00")
def test_the_sso_token_cache_reads_any_expiry(tmp_path: Path, expires: str, registration: str) -> None:
    """`sso login`, `sso logout` and every Identity Center role read the AWS CLI's token cache."""
    directory = tmp_path / "sso-cache"
    directory.mkdir(mode=0o700, exist_ok=True)
    token = {
        "startUrl": "https://my-org.awsapps.com/start",
        "region": "eu-west-1",
        "accessToken": "atoken",
        "expiresAt": expires,
        "registrationExpiresAt": registration,
        "clientId": "c",
        "clientSecret": "cs",
    }
    path = directory / token_file_name("work")
    path.write_text(json.dumps(token))
    path.chmod(0o600)
    got = SsoTokenCache(directory).get("work")
    assert got is None or (readable(got.expires_at) and readable(got.registration_expires_at))


@READERS
@given(INI_SAFE, TIMES)
@example("9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59")
@example("0001-01-01 00:00:00", "9999-12-31 23:59:59")
def test_other_tools_sessions_read_any_expiry(tmp_path: Path, in_ini: str, in_json: str) -> None:
    """`list --all` and the TUI's other sessions: each of them is a line, readable or "unreadable"."""
    credentials = tmp_path / "credentials"
    lines = ["[foreign]", "aws_access_key_id = ASIA1", "aws_secret_access_key = s", "aws_session_token = t"]
    credentials.write_text("\n".join(lines) + f"\nx_security_token_expires = {in_ini}\n")
    for key in EXPIRY_KEYS[1:]:
        credentials.write_text(
            credentials.read_text() + f"\n[by-{key}]\n" + "\n".join(lines[1:]) + f"\n{key} = {in_ini}\n"
        )
    cli_cache, sso_cache = tmp_path / "cli", tmp_path / "sso"
    for directory in (cli_cache, sso_cache):
        directory.mkdir(exist_ok=True)
    (cli_cache / "abc.json").write_text(json.dumps({"Credentials": {"Expiration": in_json}}))
    (sso_cache / "def.json").write_text(json.dumps({"startUrl": "https://x", "expiresAt": in_json}))
    environ = {"AWS_ACCESS_KEY_ID": "ASIA1", "AWS_SESSION_TOKEN": "t", "AWS_CREDENTIAL_EXPIRATION": in_json}
    found = discover(
        CredentialsFile(credentials),
        (),
        environ=environ,
        aws_config=tmp_path / "config",
        cli_cache=cli_cache,
        sso_cache=sso_cache,
    )
    assert len(found) == 3 + len(EXPIRY_KEYS)
    for each in found:
        assert readable(each.expires_at)
        row = describe(each, NOW)
        if each.expires_at is None:
            assert row["note"] or row["status"] == "unknown expiry"


@READERS
@given(TIMES, INI_SAFE)
@example("9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59")
def test_the_prompt_reads_any_expiry(
    isolated_home: Path, monkeypatch: pytest.MonkeyPatch, in_environment: str, in_section: str
) -> None:
    """`stsui prompt` reads AWS_CREDENTIAL_EXPIRATION (`sts --env`) or AWS_PROFILE's section."""
    environ = {"AWS_ACCESS_KEY_ID": "ASIA1", "STSUI_ROLE": "prod-admin"}
    if in_environment.strip():
        environ["AWS_CREDENTIAL_EXPIRATION"] = in_environment
        assert quick_shell.prompt_text(environ, None, NOW).startswith("prod-admin")
    credentials = isolated_home / ".aws" / "credentials"
    credentials.parent.mkdir(exist_ok=True)
    for marker in ("x_stsui_role = prod-admin\n", ""):
        section = f"[p]\naws_session_token = t\nx_security_token_expires = {in_section}\n{marker}"
        credentials.write_text(section)
        shown = quick_shell.prompt_text({"AWS_PROFILE": "p"}, None, NOW)
        if marker and parse_expiry(in_section) is None:
            assert shown == "prod-admin expired"
