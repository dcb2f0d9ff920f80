"""The first run from an existing ~/.aws/config, as a new user tries it, through the real program: `import
--write` creates the roles file with the imported roles alone, and each `[sso-session NAME]` becomes
`[sso.NAME]`."""

from __future__ import annotations

import tomllib

from tests.support.home import Home

AWS_CONFIG = """\
[default]
region = eu-west-1

[profile admin]
role_arn = arn:aws:iam::111111111111:role/Admin
source_profile = default
mfa_serial = arn:aws:iam::999999999999:mfa/tester

[profile dev]
sso_session = corp
sso_account_id = 222222222222
sso_role_name = Developer

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-west-1
sso_registration_scopes = sso:account:access
"""


def test_import_write_without_a_roles_file_creates_it_with_the_imported_roles_only(home: Home) -> None:
    home.roles.unlink()
    (home.root / ".aws" / "config").write_text(AWS_CONFIG)
    done = home.run("import", "--write")
    assert done.returncode == 0, done.stderr
    assert f"Created {home.roles} with 1 role and 1 IAM Identity Center instance." in done.stdout
    assert (
        "Imported sso-session corp as [sso.corp]: run 'stsui sso login corp' to find its roles."
        in done.stdout
    )
    assert "skipped dev: an IAM Identity Center (SSO) profile of sso-session corp" in done.stderr
    written = tomllib.loads(home.roles.read_text())
    assert list(written["roles"]) == ["admin"]  # no example role to delete by hand
    assert written["sso"] == {
        "corp": {
            "start_url": "https://corp.awsapps.com/start",
            "region": "eu-west-1",
            "scopes": ["sso:account:access"],
        }
    }
    listed = home.run("list")
    assert listed.returncode == 0 and "admin" in listed.stdout, listed.stderr
    again = home.run("import", "--write")
    assert again.returncode == 0 and "No new role profiles or sso-sessions" in again.stderr
    assert home.run("init").returncode == 2  # the file is the user's now: init refuses to overwrite it


def test_import_write_appends_sso_sessions_to_an_existing_file(home: Home) -> None:
    (home.root / ".aws" / "config").write_text(AWS_CONFIG)
    before = home.roles.read_text()
    done = home.run("import", "--write")
    assert done.returncode == 0, done.stderr
    assert home.roles.read_text().startswith(before)
    assert "corp" in tomllib.loads(home.roles.read_text())["sso"]
    assert home.run("list").returncode == 0
