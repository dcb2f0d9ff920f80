"""`stsui profiles sync`: credential_process profiles in ~/.aws/config, read by botocore and run by the AWS
CLI (v1); later syncs, dry runs, removal, and the names that must not clash with static sessions."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from stsui.domain.synced_profiles import quoted_program
from tests.integration.test_sso_cli import SSO_ROLES
from tests.support.home import Home, write_roles
from tests.support.sso_fake import SsoFake, sso_user

ROLE_PROFILES = ["stsui-prod-admin", "stsui-staging-ro", "stsui-mfa-ops", "stsui-mfa-audit", "stsui-chained"]
USER_CONFIG = """\
# my config -- hand written, keep this comment
[default]
region = eu-west-1
output = json

[profile work]   ; the team's
role_arn = arn:aws:iam::999999999999:role/Work
source_profile = default
"""


@pytest.fixture
def config(home: Home) -> Path:
    path = Path(home.env["AWS_CONFIG_FILE"])
    path.write_text(USER_CONFIG)
    return path


def _sync(home: Home, *args: str) -> subprocess.CompletedProcess[str]:
    result = home.run("profiles", "sync", *args)
    assert result.returncode == 0, result.stderr
    return result


def _resolved(home: Home, profile: str) -> list[str]:
    """Which provider botocore's own chain resolves `profile` to, offline: every provider before the
    process provider loads nothing, and the process provider's command, split as botocore splits it."""
    code = f"""
import json, botocore.session
from botocore.compat import compat_shell_split
from botocore.credentials import ProcessProvider, create_credential_resolver
session = botocore.session.Session(profile={profile!r})
for provider in create_credential_resolver(session).providers:
    if isinstance(provider, ProcessProvider):
        print(json.dumps(compat_shell_split(provider._credential_process)))
        break
    assert provider.load() is None, provider.METHOD
"""
    result = subprocess.run(
        [sys.executable, "-c", code], env=home.env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _aws_cli(home: Home, profile: str) -> dict[str, str]:
    result = subprocess.run(
        [sys.executable, "-m", "awscli", "sts", "get-caller-identity", "--profile", profile],
        env=home.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_botocore_resolves_every_synced_profile_to_the_process_provider(home: Home, config: Path) -> None:
    result = _sync(home)
    assert result.stdout.splitlines()[:5] == [f"added profile {name}" for name in ROLE_PROFILES]
    counts = "5 added, 0 updated, 0 removed, 0 unchanged, 0 skipped"
    assert result.stdout.splitlines()[-1] == f"{config}: {counts}."
    for name in ROLE_PROFILES:
        role = name.removeprefix("stsui-")
        assert _resolved(home, name) == [sys.executable, "-m", "stsui", "credential-process", role]
    text = config.read_text()
    assert text.startswith(USER_CONFIG)  # every byte of the user's kept
    assert "[profile stsui-prod-admin]\ncredential_process = " in text
    assert "region = eu-west-1\nx_stsui_role = prod-admin\n" in text


def test_the_aws_cli_runs_a_synced_profile_of_a_stsui_installed_under_a_path_with_spaces(
    home: Home, config: Path, tmp_path: Path
) -> None:
    """A console script as pip writes one, in a directory with a space: the line botocore splits names it,
    quoted, and the AWS CLI (v1) runs it against moto's STS."""
    script = tmp_path / "my tools" / "stsui"
    script.parent.mkdir()
    script.write_text(f"#!{sys.executable}\nimport sys\nfrom stsui.cli.main import main\nsys.exit(main())\n")
    script.chmod(0o755)
    command = [str(script), "profiles", "sync"]
    result = subprocess.run(command, env=home.env, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert f"credential_process = {quoted_program(str(script))} credential-process prod-admin\n" in (
        config.read_text()
    )
    assert _resolved(home, "stsui-prod-admin") == [str(script), "credential-process", "prod-admin"]
    identity = _aws_cli(home, "stsui-prod-admin")
    assert identity["Arn"] == "arn:aws:sts::111111111111:assumed-role/Admin/tester"


def test_a_later_sync_follows_the_roles_file_and_keeps_what_you_added(home: Home, config: Path) -> None:
    _sync(home)
    with config.open("a") as out:
        out.write("# a note of mine\n")
    text = config.read_text().replace(
        "x_stsui_role = staging-ro\n", "x_stsui_role = staging-ro\ncli_pager =\n"
    )  # a key the user added to a synced profile
    config.write_text(text)
    write_roles(
        home,
        """
        [defaults]
        source_profile = "default"
        region = "eu-west-1"

        [roles.prod-admin]
        role_arn = "arn:aws:iam::111111111111:role/Admin"
        region = "us-west-2"

        [roles.staging-ro]
        role_arn = "arn:aws:iam::222222222222:role/ReadOnly"

        [roles.new-one]
        role_arn = "arn:aws:iam::666666666666:role/New"
        """,
    )
    dry = _sync(home, "--dry-run")
    assert config.read_text() == text
    lines = dry.stdout.splitlines()
    assert lines[:2] == ["would add profile stsui-new-one", "would update profile stsui-prod-admin"]
    gone = ("chained", "mfa-audit", "mfa-ops")
    assert sorted(lines[2:5]) == [f"would remove profile stsui-{name}" for name in gone]
    counts = "1 added, 1 updated, 3 removed, 1 unchanged, 0 skipped"
    assert lines[-1].endswith(f"{counts} (dry run: nothing was written).")
    _sync(home)
    after = config.read_text()
    assert after.startswith(USER_CONFIG) and "# a note of mine\n" in after
    assert "region = us-west-2\nx_stsui_role = prod-admin\n" in after
    assert "x_stsui_role = staging-ro\ncli_pager =\n" in after
    assert "stsui-mfa-ops" not in after and "[profile stsui-new-one]" in after
    assert _sync(home).stdout.splitlines() == [
        f"{config}: 0 added, 0 updated, 0 removed, 3 unchanged, 0 skipped."
    ]  # nothing to do: nothing written


def test_remove_takes_away_every_synced_profile_and_nothing_else(home: Home, config: Path) -> None:
    _sync(home)
    before = config.stat().st_mtime_ns
    assert _sync(home, "--remove", "--dry-run").stdout.count("would remove profile") == 5
    assert config.stat().st_mtime_ns == before
    _sync(home, "--remove")
    assert config.read_text() == USER_CONFIG


def test_names_that_would_clash_are_skipped_with_the_reason(home: Home, config: Path) -> None:
    with config.open("a") as out:
        out.write("\n[profile stsui-staging-ro]\nregion = us-east-1\n")
    with home.credentials.open("a") as out:
        out.write("\n[stsui-mfa-ops]\naws_access_key_id = AKIDOTHER0000000001\naws_secret_access_key = x\n")
    result = _sync(home)
    mine = config.read_text()
    assert "[profile stsui-staging-ro]\nregion = us-east-1\n" in mine
    assert "x_stsui_role = staging-ro" not in mine
    assert "stsui-mfa-ops" not in mine.replace("[profile stsui-staging-ro]", "")
    assert "skipped profile stsui-staging-ro (role staging-ro): " in result.stderr
    assert "already has a profile 'stsui-staging-ro' that stsui did not write" in result.stderr
    assert "skipped profile stsui-mfa-ops (role mfa-ops): the credentials file has keys" in result.stderr
    # no prefix: each name is the profile `stsui assume` writes static keys to
    bare = home.run("profiles", "sync", "--prefix", "")
    assert bare.returncode == 0
    reason = "'prod-admin' is where `stsui assume prod-admin` writes static keys"
    assert f"skipped profile prod-admin (role prod-admin): {reason}" in bare.stderr
    assert "[profile prod-admin]" not in config.read_text()


def test_a_prefix_that_would_break_the_header_is_a_usage_error(home: Home, config: Path) -> None:
    result = home.run("profiles", "sync", "--prefix", "my ide ")
    assert result.returncode == 2 and "--prefix 'my ide '" in result.stderr
    assert config.read_text() == USER_CONFIG


def test_an_unparsable_config_is_left_as_it_is(home: Home, config: Path) -> None:
    config.write_text(USER_CONFIG + "[default]\nregion = x\n")
    result = home.run("profiles", "sync")
    assert result.returncode == 1
    assert "cannot be parsed by AWS tools (duplicate section [default]" in result.stderr
    assert config.read_text() == USER_CONFIG + "[default]\nregion = x\n"


@pytest.fixture
def sso_home(isolated_home: Path, moto_url: str, sso_fake: SsoFake) -> Home:
    home = sso_user(isolated_home, moto_url, sso_fake, SSO_ROLES)
    sso_fake.add_accounts(1)
    return home


def test_identity_center_roles_are_synced_and_the_aws_cli_uses_them(
    sso_home: Home, sso_fake: SsoFake
) -> None:
    assert sso_home.run("sso", "login").returncode == 0
    result = _sync(sso_home)
    assert "added profile stsui-acct-000.ReadOnly" in result.stdout
    assert sso_fake.state.issued_credentials == []
    _aws_cli(sso_home, "stsui-acct-000.ReadOnly")  # moto answers any keys; Identity Center issued these
    cached = json.loads((sso_home.cache / "sessions" / "acct-000.ReadOnly.json").read_text())
    assert sso_fake.state.issued_credentials == [cached["AccessKeyId"]]
    for secret in sso_fake.state.secrets:
        assert secret not in result.stdout + result.stderr


def test_assume_will_not_write_static_keys_under_a_synced_profiles_name(home: Home, config: Path) -> None:
    _sync(home)
    before = home.credentials.read_bytes()
    result = home.run("assume", "prod-admin", "--profile", "stsui-prod-admin")
    assert result.returncode == 2
    assert "Profile 'stsui-prod-admin' is the credential_process profile `stsui profiles sync` wrote" in (
        result.stderr
    )
    assert home.credentials.read_bytes() == before
