"""Importing role profiles from ~/.aws/config into the roles file."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path

import pytest

from stsui.config.importer import (
    append_roles,
    create_roles_file,
    import_roles,
    import_sso,
    render_roles,
    role_name_for,
)
from stsui.config.load import load_config
from stsui.config.starter import STARTER_CONFIG
from stsui.domain.errors import ConfigError

ROLE_A = "[profile a]\nrole_arn = arn:aws:iam::123456789012:role/A\nsource_profile = k\n"
AWS_CONFIG = """\
[default]
region = us-east-1
output = json

[profile base]
region = eu-west-1

[profile prod-admin]
role_arn = arn:aws:iam::123456789012:role/Admin
source_profile = base
mfa_serial = arn:aws:iam::111111111111:mfa/alice
duration_seconds = 7200
role_session_name = alice
region = eu-central-1

[profile prod-readonly]
role_arn = arn:aws:iam::123456789012:role/ReadOnly
source_profile = default
external_id = ext-12345

[profile "deploy via admin"]
role_arn = arn:aws:iam::210987654321:role/ci/Deployer
source_profile = prod-admin
duration_seconds = 3600

[profile sso-dev]
sso_session = corp
sso_account_id = 123456789012
sso_role_name = Developer
region = us-west-2

[profile from-sso]
role_arn = arn:aws:iam::123456789012:role/FromSso
source_profile = sso-dev

[profile ec2-role]
role_arn = arn:aws:iam::123456789012:role/Ec2
credential_source = Ec2InstanceMetadata

[profile web]
role_arn = arn:aws:iam::123456789012:role/Web
web_identity_token_file = /var/run/token

[profile broken-arn]
role_arn = arn:aws:iam::1234:role/Broken
source_profile = base

[sso-session corp]
sso_start_url = https://example.awsapps.com/start
sso_region = us-east-1

[services local]
sts =
  endpoint_url = http://localhost:5000

[preview]
cloudfront = true
"""


def test_realistic_config() -> None:
    roles, skipped = import_roles(AWS_CONFIG, set())
    assert list(roles) == ["prod-admin", "prod-readonly", "deploy-via-admin", "from-sso"]
    assert list(roles["prod-admin"].items()) == [
        ("role_arn", "arn:aws:iam::123456789012:role/Admin"),
        ("profile", "prod-admin-stsui"),
        ("source_profile", "base"),
        ("mfa_serial", "arn:aws:iam::111111111111:mfa/alice"),
        ("duration", 7200),
        ("session_name", "alice"),
        ("region", "eu-central-1"),
    ]
    assert roles["prod-readonly"]["external_id"] == "ext-12345"
    assert roles["prod-readonly"]["source_profile"] == "default"
    # a source_profile that is itself an imported role profile becomes source_role
    assert roles["deploy-via-admin"]["source_role"] == "prod-admin"
    assert "source_profile" not in roles["deploy-via-admin"]
    assert roles["deploy-via-admin"]["profile"] == "deploy-via-admin-stsui"
    # an SSO profile stays a source_profile: botocore resolves it when stsui calls STS
    assert roles["from-sso"]["source_profile"] == "sso-dev"
    reasons = dict(line.split(": ", 1) for line in skipped)
    assert set(reasons) == {"sso-dev", "ec2-role", "web", "broken-arn"}
    assert "SSO" in reasons["sso-dev"]
    assert "credential_source" in reasons["ec2-role"]
    assert "web_identity_token_file" in reasons["web"]
    assert "role_arn" in reasons["broken-arn"]


def test_imported_roles_load(tmp_path: Path) -> None:
    roles, _ = import_roles(AWS_CONFIG, set())
    path = tmp_path / "roles.toml"
    path.write_text(render_roles(roles), encoding="utf-8")
    config = load_config(path)
    assert list(config.roles) == list(roles)
    chained = config.roles["deploy-via-admin"]
    assert chained.source_role == "prod-admin"
    assert chained.duration == 3600
    assert config.roles["prod-admin"].duration == 7200


def test_append_to_starter_keeps_it_and_loads(tmp_path: Path) -> None:
    path = tmp_path / "roles.toml"
    path.write_text(STARTER_CONFIG, encoding="utf-8")
    roles, _ = import_roles(AWS_CONFIG, set(load_config(path).roles))
    append_roles(path, render_roles(roles), today=date(2026, 11, 30))
    text = path.read_text(encoding="utf-8")
    assert text.startswith(STARTER_CONFIG)
    assert "\n\n# imported from ~/.aws/config on 2026-11-30\n[roles.prod-admin]\n" in text
    config = load_config(path)
    assert list(config.roles) == ["example-readonly", *roles]


def test_append_adds_missing_final_newline(tmp_path: Path) -> None:
    path = tmp_path / "roles.toml"
    path.write_text('[roles.a]\nrole_arn = "arn:aws:iam::123456789012:role/A"', encoding="utf-8")
    roles, _ = import_roles(AWS_CONFIG, {"a"})
    append_roles(path, render_roles(roles), today=date(2026, 1, 2))
    assert '/A"\n\n# imported from ~/.aws/config on 2026-01-02\n' in path.read_text(encoding="utf-8")
    assert "prod-admin" in load_config(path).roles


def test_append_creates_a_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "new" / "roles.toml"
    roles, _ = import_roles(AWS_CONFIG, set())
    append_roles(path, render_roles(roles), source="/etc/aws.conf", today=date(2026, 1, 2))
    assert path.read_text(encoding="utf-8").startswith("# imported from /etc/aws.conf on 2026-01-02\n")
    assert len(load_config(path).roles) == 4


def test_append_refuses_what_would_not_load(tmp_path: Path) -> None:
    path = tmp_path / "roles.toml"
    original = '[roles.prod-admin]\nrole_arn = "arn:aws:iam::123456789012:role/A"\n'
    path.write_text(original, encoding="utf-8")
    roles, _ = import_roles(AWS_CONFIG, set())  # not told about the existing role: a duplicate table
    with pytest.raises(ConfigError, match="not valid TOML"):
        append_roles(path, render_roles(roles))
    assert path.read_text(encoding="utf-8") == original


def test_existing_roles_are_skipped_and_chained_to() -> None:
    roles, skipped = import_roles(AWS_CONFIG, {"Prod-Admin"})
    assert "prod-admin" not in roles
    assert any(line.startswith("prod-admin: ") and "already" in line for line in skipped)
    # the chained profile goes through the role already in the roles file
    assert roles["deploy-via-admin"]["source_role"] == "Prod-Admin"


def test_profile_names_never_collide() -> None:
    text = AWS_CONFIG + "\n[profile prod-admin-stsui]\nregion = us-east-1\n"
    roles, _ = import_roles(text, set(), existing_profiles={"prod-readonly-stsui"})
    assert roles["prod-admin"]["profile"] == "prod-admin-stsui-2"
    assert roles["prod-readonly"]["profile"] == "prod-readonly-stsui-2"


def test_default_profile_with_a_role() -> None:
    text = "[default]\nrole_arn = arn:aws:iam::123456789012:role/A\nsource_profile = keys\n"
    roles, skipped = import_roles(text, set())
    assert roles == {
        "default": {
            "role_arn": "arn:aws:iam::123456789012:role/A",
            "source_profile": "keys",
            "profile": "default-stsui",
        }
    }
    assert skipped == []


def test_loops_are_skipped(tmp_path: Path) -> None:
    text = """\
[profile a]
role_arn = arn:aws:iam::123456789012:role/A
source_profile = b
[profile b]
role_arn = arn:aws:iam::123456789012:role/B
source_profile = a
[profile c]
role_arn = arn:aws:iam::123456789012:role/C
source_profile = a
[profile self]
role_arn = arn:aws:iam::123456789012:role/S
source_profile = self
aws_access_key_id = AKIDEXAMPLE
"""
    roles, skipped = import_roles(text, set())
    assert list(roles) == ["c"]
    assert roles["c"]["source_profile"] == "a"
    assert "a: its source_profile chain loops (a -> b -> a)" in skipped
    assert "b: its source_profile chain loops (a -> b -> a)" in skipped
    assert any(line.startswith("self: ") for line in skipped)
    path = tmp_path / "roles.toml"
    path.write_text(render_roles(roles), encoding="utf-8")
    assert list(load_config(path).roles) == ["c"]


def test_chained_duration_over_an_hour_is_skipped() -> None:
    text = """\
[profile a]
role_arn = arn:aws:iam::123456789012:role/A
source_profile = default
[profile b]
role_arn = arn:aws:iam::123456789012:role/B
source_profile = a
duration_seconds = 7200
"""
    roles, skipped = import_roles(text, set())
    assert list(roles) == ["a"]
    assert skipped == ["b: duration_seconds 7200 exceeds the 1-hour (3600 s) limit of role chaining"]


def test_short_duration_loads_with_the_derived_refresh(tmp_path: Path) -> None:
    text = ROLE_A + "duration_seconds = 900\n"
    roles, _ = import_roles(text, set())
    path = tmp_path / "roles.toml"
    path.write_text(render_roles(roles), encoding="utf-8")
    assert "refresh_before" not in path.read_text()  # no work-around written: the default fits
    role = load_config(path).roles["a"]
    assert (role.duration, role.refresh_before) == (900, 225)


@pytest.mark.parametrize(
    ("value", "fragment"), [("soon", "whole number"), ("100", "duration_seconds must be 900-43200")]
)
def test_bad_duration_seconds_is_skipped(value: str, fragment: str) -> None:
    text = ROLE_A + f"duration_seconds = {value}\n"
    roles, skipped = import_roles(text, set())
    assert roles == {}
    assert fragment in skipped[0]


def test_sanitised_name_clash_is_skipped() -> None:
    text = """\
[profile "a b"]
role_arn = arn:aws:iam::123456789012:role/A
source_profile = k
[profile a-b]
role_arn = arn:aws:iam::123456789012:role/B
source_profile = k
"""
    roles, skipped = import_roles(text, set())
    assert list(roles) == ["a-b"]
    assert roles["a-b"]["role_arn"].endswith("/A")
    assert skipped == ["a-b: its role name 'a-b' is already used by another imported profile"]


@pytest.mark.parametrize(
    ("profile", "name"),
    [("prod", "prod"), ("my role", "my-role"), ("_x/y", "x-y"), ("é", ""), ("a" * 70, "a" * 64)],
)
def test_role_name_for(profile: str, name: str) -> None:
    assert role_name_for(profile) == name


def test_unparseable_aws_config() -> None:
    with pytest.raises(ConfigError, match="Cannot parse the AWS config file"):
        import_roles("[profile a]\nrole_arn = x\nrole_arn = y\n", set())


def test_render_roles_quotes_odd_names() -> None:
    text = render_roles({"a.b": {"role_arn": "arn:aws:iam::123456789012:role/A"}})
    assert tomllib.loads(text) == {"roles": {"a.b": {"role_arn": "arn:aws:iam::123456789012:role/A"}}}


def test_nothing_to_import_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "roles.toml"
    assert render_roles({}) == ""
    append_roles(path, render_roles({}))
    assert not path.exists()


def test_mfa_process_comes_along_as_aws_vault_users_keep_it(tmp_path: Path) -> None:
    text = (
        "[profile yubi]\nrole_arn = arn:aws:iam::123456789012:role/Ops\nsource_profile = default\n"
        "mfa_serial = arn:aws:iam::111111111111:mfa/alice\n"
        "mfa_process = ykman oath accounts code --single aws\n"
    )
    roles, skipped = import_roles(text, set())
    assert skipped == []
    assert roles["yubi"]["mfa_process"] == "ykman oath accounts code --single aws"
    path = tmp_path / "roles.toml"
    append_roles(path, render_roles(roles))
    assert load_config(path).roles["yubi"].mfa_process == "ykman oath accounts code --single aws"


# --- IAM Identity Center: [sso-session NAME] -> [sso.NAME] ------------------------------------------------

SSO_CONFIG = """\
[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-west-1
sso_registration_scopes = sso:account:access, sso:other

[sso-session lab]
sso_start_url = https://lab.awsapps.com/start
sso_region = us-east-2

[sso-session noregion]
sso_start_url = https://x.awsapps.com/start

[sso-session "with space"]
sso_start_url = https://y.awsapps.com/start
sso_region = us-east-1

[sso-session bad]
sso_start_url = http://insecure.example/start
sso_region = us-east-1

[profile dev]
sso_session = corp
sso_account_id = 123456789012
sso_role_name = Developer

[profile legacy]
sso_start_url = https://old.awsapps.com/start
sso_region = us-east-1
sso_account_id = 123456789012
sso_role_name = Old
"""


def test_sso_sessions_become_instances_of_the_same_name() -> None:
    instances, skipped = import_sso(SSO_CONFIG)
    assert instances == {
        "corp": {
            "start_url": "https://corp.awsapps.com/start",
            "region": "eu-west-1",
            "scopes": ["sso:account:access", "sso:other"],
        },
        "lab": {"start_url": "https://lab.awsapps.com/start", "region": "us-east-2"},
    }
    reasons = dict(line.split(": ", 1) for line in skipped)
    assert reasons["sso-session noregion"] == "it has no sso_region"
    assert reasons['sso-session "with space"'].startswith("its name must be 1-64 characters")
    assert "sso_start_url must be the AWS access portal URL" in reasons["sso-session bad"]


def test_the_sso_profiles_say_where_their_roles_come_from() -> None:
    _, skipped = import_roles(SSO_CONFIG, set())
    reasons = dict(line.split(": ", 1) for line in skipped)
    assert "stsui finds its roles itself in [sso.corp] after 'stsui sso login corp'" in reasons["dev"]
    assert "without an sso-session" in reasons["legacy"]


def test_instances_the_roles_file_has_are_not_imported_again() -> None:
    instances, skipped = import_sso(
        SSO_CONFIG, existing={"Corp"}, existing_urls={"https://lab.awsapps.com/start"}
    )
    assert instances == {}
    assert sum("has this IAM Identity Center instance already" in line for line in skipped) == 2


def test_imported_instances_load_with_the_roles(tmp_path: Path) -> None:
    instances, _ = import_sso(SSO_CONFIG)
    roles, _ = import_roles(AWS_CONFIG, set())
    path = tmp_path / "roles.toml"
    create_roles_file(path, render_roles(roles, instances), today=date(2026, 1, 15))
    config = load_config(path)
    assert set(config.sso) == {"corp", "lab"} and config.sso["corp"].scopes == (
        "sso:account:access",
        "sso:other",
    )
    assert list(config.roles) == list(roles)
    assert path.read_text().startswith("# stsui roles file: imported from ~/.aws/config on 2026-01-15\n")
    with pytest.raises(ConfigError, match="will not overwrite it"):
        create_roles_file(path, render_roles(roles, instances))
