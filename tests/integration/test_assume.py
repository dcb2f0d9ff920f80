"""`stsui assume` against moto, checked with botocore reading the written profile."""

from __future__ import annotations

import json
import stat
from collections.abc import Callable

from tests.support.home import BASE_SECRET, USER_CREDENTIALS, Home


def secrets_of(home: Home) -> list[str]:
    """Every secret key and session token in the credentials file and caches."""
    import configparser

    parser = configparser.RawConfigParser()
    parser.read_string(home.credentials.read_text())
    found = [BASE_SECRET]
    for section in parser.sections():
        for key in ("aws_secret_access_key", "aws_session_token"):
            if parser.has_option(section, key):
                found.append(parser.get(section, key))
    return found


def assert_no_secret(home: Home, *outputs: str) -> None:
    for secret in secrets_of(home):
        for output in outputs:
            assert secret not in output


def test_assume_writes_a_profile_botocore_uses(home: Home, botocore_session: Callable[..., object]) -> None:
    result = home.run("assume", "prod-admin")
    assert result.returncode == 0, result.stderr
    assert "wrote profile 'prod-admin'" in result.stdout
    assert "arn:aws:sts::111111111111:assumed-role/Admin/tester" in result.stdout
    assert_no_secret(home, result.stdout, result.stderr)

    client = botocore_session("prod-admin").create_client("sts", region_name="eu-west-1")  # type: ignore[attr-defined]
    identity = client.get_caller_identity()
    assert identity["Arn"] == "arn:aws:sts::111111111111:assumed-role/Admin/tester"


def test_assume_keeps_every_other_byte(home: Home) -> None:
    assert home.run("assume", "prod-admin").returncode == 0
    assert home.run("assume", "staging-ro").returncode == 0
    text = home.credentials.read_text()
    assert text.startswith(USER_CREDENTIALS)
    assert "[prod-admin]" in text and "[staging-ro]" in text
    assert stat.S_IMODE(home.credentials.stat().st_mode) == 0o600


def test_assume_again_rewrites_the_section_in_place(home: Home) -> None:
    assert home.run("assume", "prod-admin").returncode == 0
    assert home.run("assume", "staging-ro").returncode == 0
    before = home.credentials.read_text()
    assert home.run("refresh", "prod-admin").returncode == 0
    after = home.credentials.read_text()
    assert after.index("[prod-admin]") == before.index("[prod-admin]")
    assert after.index("[prod-admin]") < after.index("[staging-ro]")
    assert after != before


def test_json_output_has_expiry_and_no_secret(home: Home) -> None:
    result = home.run("assume", "staging-ro", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["profile"] == "staging-ro"
    assert data["assumed_role_arn"].startswith("arn:aws:sts::222222222222:assumed-role/ReadOnly/")
    assert data["expires_at"].endswith("Z")
    assert_no_secret(home, result.stdout, result.stderr)


def test_refuses_to_overwrite_long_term_keys(home: Home) -> None:
    before = home.credentials.read_bytes()
    result = home.run("assume", "prod-admin", "--profile", "personal")
    assert result.returncode == 1
    assert "personal" in result.stderr and "--force" in result.stderr
    assert "Traceback" not in result.stderr
    assert home.credentials.read_bytes() == before


def test_force_overwrites_a_foreign_profile(home: Home) -> None:
    result = home.run("assume", "prod-admin", "--profile", "personal", "--force")
    assert result.returncode == 0, result.stderr
    assert "AKIDPERSONAL00000001" not in home.credentials.read_text()


def test_unknown_role_is_a_usage_error_with_a_hint(home: Home) -> None:
    result = home.run("assume", "prod-admn")
    assert result.returncode == 2
    assert "prod-admn" in result.stderr and "did you mean 'prod-admin'" in result.stderr


def test_duration_is_checked_before_any_request(home: Home) -> None:
    result = home.run("assume", "prod-admin", "--duration", "13h")
    assert result.returncode == 2
    assert "--duration" in result.stderr


def test_refuses_a_file_botocore_cannot_parse(home: Home) -> None:
    home.credentials.write_text(USER_CREDENTIALS + "\n[default]\nregion = x\n")
    before = home.credentials.read_bytes()
    result = home.run("assume", "prod-admin")
    assert result.returncode == 1
    assert str(home.credentials) in result.stderr
    assert "Traceback" not in result.stderr
    assert home.credentials.read_bytes() == before


def test_forget_restores_the_file(home: Home) -> None:
    before = home.credentials.read_bytes()
    assert home.run("assume", "prod-admin").returncode == 0
    result = home.run("forget", "prod-admin")
    assert result.returncode == 0, result.stderr
    assert "removed profile 'prod-admin'" in result.stdout
    assert home.credentials.read_bytes() == before


def test_forget_never_touches_a_profile_stsui_did_not_write(home: Home) -> None:
    from tests.support.home import write_roles

    write_roles(
        home,
        """
        [roles.personal]
        role_arn = "arn:aws:iam::111111111111:role/Admin"
        source_profile = "default"
        """,
    )
    before = home.credentials.read_bytes()
    result = home.run("forget", "personal")
    assert result.returncode == 1
    assert "personal" in result.stderr
    assert home.credentials.read_bytes() == before
