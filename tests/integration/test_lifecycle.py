"""Reuse, renewal, MFA asked once and chaining, against moto over HTTP."""

from __future__ import annotations

import json
import re
import stat
from datetime import datetime, timedelta

from tests.support.clock import real_now
from tests.support.home import Home


def make_due(home: Home, profile: str, minutes: int = 5) -> None:
    """Pretend time passed: the profile's session now expires in `minutes`."""
    soon = (real_now() + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")
    text = home.credentials.read_text()
    section = re.search(rf"\[{re.escape(profile)}\][^\[]*", text)
    assert section is not None
    updated = re.sub(
        r"x_security_token_expires = \S+", f"x_security_token_expires = {soon}", section.group(0)
    )
    home.credentials.write_text(text.replace(section.group(0), updated))


def access_key(home: Home, profile: str) -> str:
    import configparser

    parser = configparser.RawConfigParser()
    parser.read_string(home.credentials.read_text())
    return parser.get(profile, "aws_access_key_id")


def test_mfa_code_is_asked_once_for_roles_sharing_a_device(home: Home) -> None:
    first = home.run("assume", "mfa-ops", "--mfa-code", "123456")
    assert first.returncode == 0, first.stderr
    second = home.run("assume", "mfa-audit")  # no code, no terminal: must come from the MFA session cache
    assert second.returncode == 0, second.stderr
    assert "arn:aws:sts::444444444444:assumed-role/Audit/tester" in second.stdout
    mfa_dir = home.cache / "mfa"
    files = list(mfa_dir.glob("*.json"))
    assert len(files) == 1
    assert stat.S_IMODE(mfa_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600


def test_mfa_role_without_a_terminal_needs_the_code_flag(home: Home) -> None:
    result = home.run("assume", "mfa-ops")
    assert result.returncode == 2
    assert "--mfa-code" in result.stderr and "mfa-ops" in result.stderr


def test_mfa_code_must_be_six_digits(home: Home) -> None:
    result = home.run("assume", "mfa-ops", "--mfa-code", "12ab56")
    assert result.returncode == 2
    assert "6 digits" in result.stderr
    assert not (home.cache / "mfa").exists()


def test_forget_mfa_drops_the_cache(home: Home) -> None:
    assert home.run("assume", "mfa-ops", "--mfa-code", "123456").returncode == 0
    result = home.run("forget", "--mfa")
    assert result.returncode == 0
    assert "Dropped 1 cached MFA session" in result.stdout
    assert home.run("assume", "mfa-audit").returncode == 2


def test_chained_role_is_capped_at_one_hour_with_a_warning(home: Home) -> None:
    result = home.run("assume", "chained", "--json")
    assert result.returncode == 0, result.stderr
    assert "capped at 1h" in result.stderr and "prod-admin" in result.stderr
    data = json.loads(result.stdout)
    expires = datetime.fromisoformat(data["expires_at"].replace("Z", "+00:00"))
    assert expires - real_now() <= timedelta(hours=1)
    assert data["assumed_role_arn"].startswith("arn:aws:sts::555555555555:assumed-role/Deep/")


def test_refresh_renews_only_what_is_due(home: Home) -> None:
    assert home.run("assume", "prod-admin").returncode == 0
    assert home.run("assume", "staging-ro").returncode == 0
    prod_key, staging_key = access_key(home, "prod-admin"), access_key(home, "staging-ro")
    make_due(home, "prod-admin")
    result = home.run("refresh")
    assert result.returncode == 0, result.stderr
    assert "prod-admin: renewed" in result.stdout
    assert "staging-ro" not in result.stdout
    assert access_key(home, "prod-admin") != prod_key
    assert access_key(home, "staging-ro") == staging_key
    listing = {row["name"]: row for row in json.loads(home.run("list", "--json").stdout)}
    assert listing["prod-admin"]["status"] == "active"


def test_refresh_with_nothing_due_says_so(home: Home) -> None:
    assert home.run("assume", "prod-admin").returncode == 0
    result = home.run("refresh")
    assert result.returncode == 0
    assert "Nothing is due" in result.stdout


def test_refresh_named_renews_whatever_the_time(home: Home) -> None:
    assert home.run("assume", "staging-ro").returncode == 0
    key = access_key(home, "staging-ro")
    assert home.run("refresh", "staging-ro").returncode == 0
    assert access_key(home, "staging-ro") != key


def test_refresh_skips_roles_that_need_a_new_mfa_code(home: Home) -> None:
    assert home.run("assume", "mfa-ops", "--mfa-code", "123456").returncode == 0
    assert home.run("assume", "prod-admin").returncode == 0
    assert home.run("forget", "--mfa").returncode == 0
    make_due(home, "mfa-ops")
    make_due(home, "prod-admin")
    result = home.run("refresh")
    assert result.returncode == 1
    assert "Skipped role 'mfa-ops'" in result.stderr
    assert "prod-admin: renewed" in result.stdout
    listing = {row["name"]: row for row in json.loads(home.run("list", "--json").stdout)}
    assert listing["mfa-ops"]["status"] == "needs MFA"


def test_a_session_of_a_changed_role_arn_is_not_reused(home: Home) -> None:
    """Editing a role's role_arn makes its old session the wrong one: both paths assume the new role."""
    first = json.loads(home.run("credential-process", "prod-admin").stdout)
    home.roles.write_text(
        home.roles.read_text().replace(
            "arn:aws:iam::111111111111:role/Admin", "arn:aws:iam::888888888888:role/Admin"
        )
    )
    second = home.run("credential-process", "prod-admin")
    assert second.returncode == 0, second.stderr
    assert json.loads(second.stdout)["AccessKeyId"] != first["AccessKeyId"]
    again = home.run("assume", "prod-admin", "--json")
    assert json.loads(again.stdout)["assumed_role_arn"].startswith(
        "arn:aws:sts::888888888888:assumed-role/Admin/"
    )


def test_the_fast_credential_process_answers_exactly_as_the_full_one(home: Home) -> None:
    """The first call goes through the engine (it assumes); the second is answered from the cache alone."""
    full = home.run("credential-process", "staging-ro")
    fast = home.run("credential-process", "staging-ro")
    assert full.returncode == fast.returncode == 0
    assert fast.stdout == full.stdout
    assert fast.stderr == full.stderr == ""
