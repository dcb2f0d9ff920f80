"""Loading and checking the roles file: every rule names the file, the role and the key."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from stsui.config import load as config_module
from stsui.config.load import build_config, default_session_name, load_config, parse_config
from stsui.config.schema import ROLE_CHECKS
from stsui.config.starter import STARTER_CONFIG, write_starter
from stsui.domain import paths as paths_module
from stsui.domain.errors import ConfigError
from stsui.domain.model import Role
from stsui.domain.paths import cache_dir, config_path

ARN = "arn:aws:iam::123456789012:role/Admin"
ARN2 = "arn:aws:iam::210987654321:role/path/to/Deploy"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "roles.toml"
    path.write_text(text, encoding="utf-8")
    return path


def load(tmp_path: Path, text: str):
    return load_config(write(tmp_path, text))


def error_for(tmp_path: Path, text: str) -> str:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert str(path) in message, message
    assert message.endswith("."), message
    assert "\n" not in message, message
    assert caught.value.exit_code == 2
    return message


def role_toml(body: str, name: str = "r", arn: str | None = ARN) -> str:
    arn_line = f'role_arn = "{arn}"\n' if arn else ""
    return f"[roles.{name}]\n{arn_line}{body}\n"


# --- reading the file -------------------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope" / "roles.toml"
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value) == f"No roles file at {path}; create one with 'stsui init'."


def test_directory_instead_of_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is a directory"):
        load_config(tmp_path)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file(tmp_path: Path) -> None:
    path = write(tmp_path, role_toml(""))
    path.chmod(0)
    with pytest.raises(ConfigError, match="Cannot read the roles file"):
        load_config(path)


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "roles.toml"
    path.write_bytes(b'[roles.r]\nrole_arn = "\xff\xfe"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value) == f"The roles file {path} is not UTF-8 text (invalid byte on line 2)."


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "roles.toml"
    path.write_bytes(b"\xef\xbb\xbf" + role_toml("").encode())
    assert list(load_config(path).roles) == ["r"]


def test_toml_syntax_error_names_the_line(tmp_path: Path) -> None:
    message = error_for(tmp_path, f'[roles.r]\nrole_arn = "{ARN}"\nduration = \n')
    assert "not valid TOML" in message
    assert "line 3" in message


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("x = " + "1" * 5000, "not valid TOML"),
        ("x = " + "[" * 5000 + "]" * 5000, "nest too deeply"),
        ("[roles.r]\n[roles.r]\n", "line 2"),
    ],
)
def test_odd_toml_is_a_config_error(tmp_path: Path, text: str, fragment: str) -> None:
    assert fragment in error_for(tmp_path, text)


def test_empty_file_has_no_roles(tmp_path: Path) -> None:
    config = load(tmp_path, "")
    assert dict(config.roles) == {}
    assert config.source_profile is None
    assert config.region is None


# --- building roles ----------------------------------------------------------------------------------


def test_full_role(tmp_path: Path) -> None:
    config = load(
        tmp_path,
        f"""
[roles.prod-admin]
role_arn = "{ARN}"
profile = "prod-admin-profile"
description = "Production administrator"
group = "prod"
source_profile = "base"
region = "eu-central-2"
duration = "1h30m"
session_name = "alice"
refresh_before = "20m"
auto_refresh = false
mfa_serial = "arn:aws:iam::111111111111:mfa/alice"
mfa_session_duration = "36h"
external_id = "ext-12345"
source_identity = "alice@example.com"
tags = {{ team = "platform", "cost center" = "42" }}
transitive_tag_keys = ["Team"]
policy_arns = ["arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws-us-gov:iam::123456789012:policy/a/b"]
policy = '{{"Version":"2012-10-17","Statement":[]}}'
""",
    )
    assert config.roles["prod-admin"] == Role(
        name="prod-admin",
        role_arn=ARN,
        profile="prod-admin-profile",
        description="Production administrator",
        group="prod",
        source_profile="base",
        region="eu-central-2",
        duration=5400,
        session_name="alice",
        refresh_before=1200,
        auto_refresh=False,
        mfa_serial="arn:aws:iam::111111111111:mfa/alice",
        mfa_session_duration=129600,
        external_id="ext-12345",
        source_identity="alice@example.com",
        tags={"team": "platform", "cost center": "42"},
        transitive_tag_keys=("Team",),
        policy_arns=("arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws-us-gov:iam::123456789012:policy/a/b"),
        policy='{"Version":"2012-10-17","Statement":[]}',
    )
    role = config.roles["prod-admin"]
    assert isinstance(role.transitive_tag_keys, tuple)
    assert isinstance(role.policy_arns, tuple)
    assert isinstance(role.tags, dict)


def test_minimal_role_gets_defaults(tmp_path: Path) -> None:
    role = load(tmp_path, role_toml("", name="prod")).roles["prod"]
    assert role.profile == "prod"
    assert role.duration == 3600
    assert role.refresh_before == 900
    assert role.mfa_session_duration == 43200
    assert role.auto_refresh is True
    assert role.session_name == default_session_name()
    assert role.source_profile is None
    assert role.region is None
    assert role.tags == {}
    assert role.transitive_tag_keys == ()


def test_order_is_file_order(tmp_path: Path) -> None:
    names = ["zeta", "alpha", "mid", "Beta", "a.b@c", "9lives"]
    text = "".join(f'[roles."{name}"]\nrole_arn = "{ARN}"\n' for name in names)
    config = load(tmp_path, text)
    assert list(config.roles) == names
    assert config.path == tmp_path / "roles.toml"


def test_defaults_apply_and_roles_override(tmp_path: Path) -> None:
    config = load(
        tmp_path,
        f"""
[defaults]
source_profile = "base"
region = "us-east-1"
duration = "2h"
session_name = "team-session"
refresh_before = "10m"
mfa_serial = "arn:aws:iam::111111111111:mfa/alice"
mfa_session_duration = "8h"
auto_refresh = false

[roles.inherits]
role_arn = "{ARN}"

[roles.overrides]
role_arn = "{ARN2}"
source_profile = "other"
region = "us-gov-west-1"
duration = 1800
session_name = "mine"
refresh_before = 300
mfa_serial = "arn:aws:iam::222222222222:mfa/bob"
mfa_session_duration = 900
auto_refresh = true
""",
    )
    assert config.source_profile == "base"
    assert config.region == "us-east-1"
    inherits, overrides = config.roles["inherits"], config.roles["overrides"]
    assert (inherits.source_profile, inherits.region, inherits.duration) == ("base", "us-east-1", 7200)
    assert (inherits.session_name, inherits.refresh_before, inherits.auto_refresh) == (
        "team-session",
        600,
        False,
    )
    assert inherits.mfa_serial == "arn:aws:iam::111111111111:mfa/alice"
    assert inherits.mfa_session_duration == 28800
    assert (overrides.source_profile, overrides.region, overrides.duration) == (
        "other",
        "us-gov-west-1",
        1800,
    )
    assert (overrides.session_name, overrides.refresh_before, overrides.auto_refresh) == ("mine", 300, True)
    assert overrides.mfa_serial == "arn:aws:iam::222222222222:mfa/bob"
    assert overrides.mfa_session_duration == 900


def test_default_session_name_is_sanitised(monkeypatch: pytest.MonkeyPatch) -> None:
    default_session_name.cache_clear()
    monkeypatch.setattr(config_module.getpass, "getuser", lambda: "Alice Smith/ü" + "x" * 80)
    try:
        name = default_session_name()
    finally:
        default_session_name.cache_clear()
    assert name.startswith("stsui-Alice-Smith--")
    assert len(name) == 64


def test_default_session_name_without_a_user(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_user() -> str:
        raise KeyError("uid not found")

    default_session_name.cache_clear()
    monkeypatch.setattr(config_module.getpass, "getuser", no_user)
    try:
        assert default_session_name() == "stsui"
    finally:
        default_session_name.cache_clear()


def test_chained_roles(tmp_path: Path) -> None:
    config = load(
        tmp_path,
        f"""
[defaults]
source_profile = "base"
duration = "12h"

[roles.c]
role_arn = "{ARN}"
source_role = "b"

[roles.b]
role_arn = "{ARN}"
source_role = "a"
duration = "30m"

[roles.a]
role_arn = "{ARN2}"
""",
    )
    a, b, c = config.roles["a"], config.roles["b"], config.roles["c"]
    assert (a.source_profile, a.source_role, a.duration, a.chained) == ("base", None, 43200, False)
    assert (b.source_profile, b.source_role, b.duration, b.chained) == (None, "a", 1800, True)
    # a duration above STS's 1 h chaining cap loads as configured: the engine caps it with a warning
    assert (c.source_profile, c.source_role, c.duration) == (None, "b", 43200)


def test_profile_default_is_allowed(tmp_path: Path) -> None:
    assert load(tmp_path, role_toml('profile = "default"')).roles["r"].profile == "default"


def test_build_config_from_data() -> None:
    config = build_config({"roles": {"x": {"role_arn": ARN}}}, Path("/virtual/roles.toml"))
    assert config.roles["x"].role_arn == ARN


def test_parse_config_names_the_given_path() -> None:
    with pytest.raises(ConfigError, match=r"/virtual/roles\.toml"):
        parse_config("[roles.x]\n", Path("/virtual/roles.toml"))


def test_many_roles_load(tmp_path: Path) -> None:
    text = "".join(f'[roles.role-{i}]\nrole_arn = "arn:aws:iam::{i:012d}:role/R{i}"\n' for i in range(2000))
    config = load(tmp_path, '[defaults]\nregion = "us-east-1"\n' + text)
    assert len(config.roles) == 2000
    assert config.roles["role-1999"].account == "000000001999"


# --- every rule: the message names the file, the role and the key ------------------------------------

LONG_ARN = "arn:aws:iam::123456789012:role/" + "x" * 2030
TAGS_51 = "{ " + ", ".join(f'k{i} = "v"' for i in range(51)) + " }"
KEYS_51 = "[" + ", ".join(f'"k{i}"' for i in range(51)) + "]"
ARNS_11 = "[" + ", ".join(f'"arn:aws:iam::aws:policy/P{i}"' for i in range(11)) + "]"

ROLE_RULES: list[tuple[str, str, str | None, str]] = [
    # (id, body, role_arn or None, key)
    ("unknown-key", "durration = 900", ARN, "durration"),
    ("missing-arn", 'region = "us-east-1"', None, "role_arn"),
    ("arn-short-account", "", "arn:aws:iam::12345:role/Admin", "role_arn"),
    ("arn-partition", "", "arn:aws-xx:iam::123456789012:role/Admin", "role_arn"),
    ("arn-service", "", "arn:aws:sts::123456789012:role/Admin", "role_arn"),
    ("arn-user", "", "arn:aws:iam::123456789012:user/Admin", "role_arn"),
    ("arn-too-long", "", LONG_ARN, "role_arn"),
    ("arn-type", "role_arn = 5", None, "role_arn"),
    ("duration-low", "duration = 899", ARN, "duration"),
    ("duration-high", "duration = 43201", ARN, "duration"),
    ("duration-high-text", 'duration = "13h"', ARN, "duration"),
    ("duration-garbage", 'duration = "soon"', ARN, "duration"),
    ("duration-days", 'duration = "1d"', ARN, "duration"),
    ("duration-float", "duration = 3600.0", ARN, "duration"),
    ("duration-bool", "duration = true", ARN, "duration"),
    ("duration-negative", "duration = -3600", ARN, "duration"),
    ("refresh-zero", "refresh_before = 0", ARN, "refresh_before"),
    ("refresh-12h", 'refresh_before = "12h"', ARN, "refresh_before"),
    ("refresh-not-below-duration", 'duration = "1h"\nrefresh_before = "1h"', ARN, "refresh_before"),
    ("refresh-written-vs-short-duration", 'duration = "15m"\nrefresh_before = "15m"', ARN, "refresh_before"),
    ("refresh-float", "refresh_before = 1.5", ARN, "refresh_before"),
    ("mfa-duration-low", "mfa_session_duration = 899", ARN, "mfa_session_duration"),
    ("mfa-duration-high", 'mfa_session_duration = "36h1s"', ARN, "mfa_session_duration"),
    ("session-name-short", 'session_name = "a"', ARN, "session_name"),
    ("session-name-long", f'session_name = "{"x" * 65}"', ARN, "session_name"),
    ("session-name-space", 'session_name = "alice smith"', ARN, "session_name"),
    ("session-name-unicode", 'session_name = "jürgen"', ARN, "session_name"),
    ("external-id-short", 'external_id = "a"', ARN, "external_id"),
    ("external-id-long", f'external_id = "{"x" * 1225}"', ARN, "external_id"),
    ("external-id-chars", 'external_id = "no spaces"', ARN, "external_id"),
    ("mfa-serial-short", 'mfa_serial = "12345678"', ARN, "mfa_serial"),
    ("mfa-serial-long", f'mfa_serial = "{"x" * 257}"', ARN, "mfa_serial"),
    ("mfa-serial-chars", 'mfa_serial = "serial#12345"', ARN, "mfa_serial"),
    ("source-identity-aws", 'source_identity = "aws:alice"', ARN, "source_identity"),
    ("source-identity-AWS", 'source_identity = "AWS:alice"', ARN, "source_identity"),
    ("source-identity-short", 'source_identity = "a"', ARN, "source_identity"),
    ("source-identity-long", f'source_identity = "{"x" * 257}"', ARN, "source_identity"),
    ("source-identity-chars", 'source_identity = "alice smith"', ARN, "source_identity"),
    ("tags-not-table", 'tags = "team"', ARN, "tags"),
    ("tags-value-int", "tags = { team = 5 }", ARN, "tags"),
    ("tags-too-many", f"tags = {TAGS_51}", ARN, "tags"),
    ("tags-empty-key", 'tags = { "" = "x" }', ARN, "tags"),
    ("tags-long-key", f'tags = {{ {"k" * 129} = "x" }}', ARN, "tags"),
    ("tags-long-value", f'tags = {{ k = "{"v" * 257}" }}', ARN, "tags"),
    ("tags-case-duplicate", 'tags = { Team = "a", team = "b" }', ARN, "tags"),
    ("tags-key-chars", 'tags = { "team!" = "a" }', ARN, "tags"),
    ("tags-value-newline", 'tags = { team = "a\\nb" }', ARN, "tags"),
    ("tags-aws-prefix", 'tags = { "aws:team" = "a" }', ARN, "tags"),
    (
        "transitive-not-in-tags",
        'tags = { team = "a" }\ntransitive_tag_keys = ["owner"]',
        ARN,
        "transitive_tag_keys",
    ),
    ("transitive-without-tags", 'transitive_tag_keys = ["team"]', ARN, "transitive_tag_keys"),
    ("transitive-too-many", f"transitive_tag_keys = {KEYS_51}", ARN, "transitive_tag_keys"),
    ("transitive-not-list", 'transitive_tag_keys = "team"', ARN, "transitive_tag_keys"),
    ("transitive-entry-int", "transitive_tag_keys = [1]", ARN, "transitive_tag_keys"),
    ("policy-arns-too-many", f"policy_arns = {ARNS_11}", ARN, "policy_arns"),
    ("policy-arns-role-arn", f'policy_arns = ["{ARN}"]', ARN, "policy_arns"),
    ("policy-arns-account", 'policy_arns = ["arn:aws:iam::abc:policy/P"]', ARN, "policy_arns"),
    ("policy-arns-not-list", 'policy_arns = "arn:aws:iam::aws:policy/P"', ARN, "policy_arns"),
    ("policy-not-json", "policy = '{\"Version\": '", ARN, "policy"),
    ("policy-not-object", "policy = '[]'", ARN, "policy"),
    ("policy-too-long", f'policy = \'{{"a": "{"x" * 2050}"}}\'', ARN, "policy"),
    ("policy-deep", "policy = '" + "[" * 1500 + "]" * 500 + "'", ARN, "policy"),
    ("policy-type", "policy = { Version = '2012-10-17' }", ARN, "policy"),
    ("profile-bracket-open", 'profile = "a[b"', ARN, "profile"),
    ("profile-bracket-close", 'profile = "a]b"', ARN, "profile"),
    ("profile-newline", 'profile = "a\\nb"', ARN, "profile"),
    ("profile-control", 'profile = "a\\u0007b"', ARN, "profile"),
    ("profile-leading-space", 'profile = " a"', ARN, "profile"),
    ("profile-trailing-space", 'profile = "a "', ARN, "profile"),
    ("profile-empty", 'profile = ""', ARN, "profile"),
    ("profile-DEFAULT", 'profile = "DEFAULT"', ARN, "profile"),
    ("profile-default-any-case", 'profile = "Default"', ARN, "profile"),
    ("profile-is-own-source", 'profile = "base"\nsource_profile = "base"', ARN, "profile"),
    ("source-profile-bracket", 'source_profile = "a]"', ARN, "source_profile"),
    ("source-role-unknown", 'source_role = "nope"', ARN, "source_role"),
    ("source-role-self", 'source_role = "r"', ARN, "source_role"),
    ("source-role-and-profile", 'source_role = "other"\nsource_profile = "base"', ARN, "source_profile"),
    ("region-short", 'region = "us-east"', ARN, "region"),
    ("region-upper", 'region = "US-EAST-1"', ARN, "region"),
    ("region-flat", 'region = "useast1"', ARN, "region"),
    ("region-type", "region = 1", ARN, "region"),
    ("auto-refresh-string", 'auto_refresh = "yes"', ARN, "auto_refresh"),
    ("description-control", 'description = "a\\u001b[2Jb"', ARN, "description"),
    ("group-type", "group = 5", ARN, "group"),
]


@pytest.mark.parametrize(
    ("body", "arn", "key"), [rule[1:] for rule in ROLE_RULES], ids=[r[0] for r in ROLE_RULES]
)
def test_role_rule(tmp_path: Path, body: str, arn: str | None, key: str) -> None:
    other = f'\n[roles.other]\nrole_arn = "{ARN2}"\n'
    message = error_for(tmp_path, role_toml(body, arn=arn) + other)
    assert "[roles.r]" in message
    assert key in message


def test_unknown_role_key_suggests(tmp_path: Path) -> None:
    message = error_for(tmp_path, role_toml("durration = 900"))
    assert "did you mean 'duration'?" in message


def test_unknown_role_key_lists_allowed_keys(tmp_path: Path) -> None:
    message = error_for(tmp_path, role_toml("zzzzzz = 1"))
    assert "allowed keys are role_arn" in message


def test_unknown_source_role_suggests(tmp_path: Path) -> None:
    text = role_toml('source_role = "prod-admn"') + role_toml("", name="prod-admin")
    assert "did you mean 'prod-admin'?" in error_for(tmp_path, text)


def test_duplicate_profile_names_both_roles(tmp_path: Path) -> None:
    text = role_toml('profile = "shared"', name="first") + role_toml('profile = "shared"', name="second")
    message = error_for(tmp_path, text)
    assert "[roles.second]" in message
    assert "[roles.first]" in message
    assert "profile 'shared'" in message


def test_duplicate_profile_from_role_name(tmp_path: Path) -> None:
    text = role_toml("", name="shared") + role_toml('profile = "shared"', name="second")
    message = error_for(tmp_path, text)
    assert "[roles.second]" in message and "[roles.shared]" in message


@pytest.mark.parametrize(
    ("links", "loop"),
    [
        ({"a": "b", "b": "a"}, "a -> b -> a"),
        ({"a": "b", "b": "c", "c": "a"}, "a -> b -> c -> a"),
        ({"x": "a", "a": "b", "b": "a"}, "a -> b -> a"),
    ],
)
def test_source_role_loops_are_named(tmp_path: Path, links: dict[str, str], loop: str) -> None:
    text = "".join(role_toml(f'source_role = "{target}"', name=name) for name, target in links.items())
    message = error_for(tmp_path, text)
    assert f"({loop})" in message
    assert f"[roles.{loop[0]}] source_role" in message


def test_inherited_source_profile_is_ignored_for_chained_roles(tmp_path: Path) -> None:
    text = '[defaults]\nsource_profile = "base"\n' + role_toml("", name="a") + role_toml('source_role = "a"')
    assert load(tmp_path, text).roles["r"].source_profile is None


def test_profile_equal_to_inherited_source_profile(tmp_path: Path) -> None:
    text = '[defaults]\nsource_profile = "base"\n' + role_toml("", name="base")
    message = error_for(tmp_path, text)
    assert "[roles.base] profile 'base'" in message


@pytest.mark.parametrize(
    ("body", "refresh_before"),
    [
        ('duration = "15m"', 225),  # STS's minimum: a quarter of it
        ('duration = "20m"', 300),
        ('duration = "1h"', 900),
        ('duration = "12h"', 900),
        ('duration = "12h"\nsource_role = "other"', 900),  # chained: capped at 1h, so 15 minutes
        ("", 900),
    ],
)
def test_the_default_refresh_before_fits_every_legal_duration(
    tmp_path: Path, body: str, refresh_before: int
) -> None:
    """A default never makes a valid file invalid: `duration = 900` alone loads (it was exit 2)."""
    config = load(tmp_path, role_toml(body) + role_toml("", name="other", arn=ARN2))
    assert config.roles["r"].refresh_before == refresh_before


def test_a_default_duration_of_15m_applies_to_every_role(tmp_path: Path) -> None:
    config = load(tmp_path, '[defaults]\nduration = "15m"\n' + role_toml(""))
    assert (config.roles["r"].duration, config.roles["r"].refresh_before) == (900, 225)


def test_refresh_from_defaults_says_so(tmp_path: Path) -> None:
    text = '[defaults]\nrefresh_before = "30m"\n' + role_toml('duration = "20m"')
    assert "refresh_before (from [defaults])" in error_for(tmp_path, text)


@pytest.mark.parametrize(
    ("name", "toml_name"),
    [
        ("bad name", '"bad name"'),
        ("-lead", "-lead"),
        ("_lead", "_lead"),
        ("x" * 65, "x" * 65),
        ("", '""'),
        ("rôle", '"rôle"'),
        ("a/b", '"a/b"'),
    ],
)
def test_role_name_rule(tmp_path: Path, name: str, toml_name: str) -> None:
    message = error_for(tmp_path, f'[roles.{toml_name}]\nrole_arn = "{ARN}"\n')
    assert f"role name {name[:20]!r}"[:-1] in message
    assert "letters, digits" in message


def test_role_names_must_differ_in_more_than_case(tmp_path: Path) -> None:
    message = error_for(tmp_path, role_toml("", name="Prod") + role_toml("", name="prod"))
    assert "[roles.prod]" in message and "[roles.Prod]" in message


@pytest.mark.parametrize("name", ["DEFAULT", "Default"])
def test_role_named_default_needs_a_profile(tmp_path: Path, name: str) -> None:
    message = error_for(tmp_path, role_toml("", name=name))
    assert f"[roles.{name}] profile" in message
    assert load(tmp_path, role_toml('profile = "x"', name=name)).roles[name].profile == "x"


def test_role_named_default_writes_the_default_profile(tmp_path: Path) -> None:
    assert load(tmp_path, role_toml("", name="default")).roles["default"].profile == "default"


def test_role_not_a_table(tmp_path: Path) -> None:
    assert "[roles.r] must be a table" in error_for(tmp_path, 'roles.r = "x"\n')


def test_roles_not_a_table(tmp_path: Path) -> None:
    assert "roles must be" in error_for(tmp_path, "roles = 5\n")


def test_roles_array_of_tables(tmp_path: Path) -> None:
    assert "roles must be" in error_for(tmp_path, f'[[roles]]\nrole_arn = "{ARN}"\n')


@pytest.mark.parametrize(
    ("text", "key", "hint"), [("[role.x]\n", "role", "roles"), ("[default]\n", "default", "defaults")]
)
def test_unknown_top_level_key(tmp_path: Path, text: str, key: str, hint: str) -> None:
    message = error_for(tmp_path, text)
    assert f"top-level key '{key}'" in message
    assert f"did you mean '{hint}'?" in message


DEFAULT_RULES: list[tuple[str, str, str]] = [
    ("unknown", 'regoin = "us-east-1"', "regoin"),
    ("role-only-key", f'role_arn = "{ARN}"', "role_arn"),
    ("source-profile", 'source_profile = "[x"', "source_profile"),
    ("region", 'region = "mars"', "region"),
    ("duration", 'duration = "20h"', "duration"),
    ("session-name", 'session_name = "x"', "session_name"),
    ("refresh-before", "refresh_before = -1", "refresh_before"),
    ("refresh-vs-duration", 'duration = "1h"\nrefresh_before = "2h"', "refresh_before"),
    ("mfa-serial", 'mfa_serial = "x"', "mfa_serial"),
    ("mfa-session-duration", 'mfa_session_duration = "37h"', "mfa_session_duration"),
    ("auto-refresh", "auto_refresh = 1", "auto_refresh"),
]


@pytest.mark.parametrize(
    ("body", "key"), [rule[1:] for rule in DEFAULT_RULES], ids=[r[0] for r in DEFAULT_RULES]
)
def test_defaults_rule(tmp_path: Path, body: str, key: str) -> None:
    message = error_for(tmp_path, f"[defaults]\n{body}\n" + role_toml(""))
    assert "[defaults]" in message
    assert key in message


def test_defaults_unknown_key_suggests(tmp_path: Path) -> None:
    assert "did you mean 'region'?" in error_for(tmp_path, '[defaults]\nregoin = "us-east-1"\n')


def test_defaults_not_a_table(tmp_path: Path) -> None:
    assert "[defaults] table" in error_for(tmp_path, "defaults = 1\n")


@pytest.mark.parametrize(
    "region",
    ["us-east-1", "us-gov-west-1", "eu-central-2", "ap-southeast-4", "cn-northwest-1", "il-central-1"],
)
def test_regions_accepted(tmp_path: Path, region: str) -> None:
    assert load(tmp_path, role_toml(f'region = "{region}"')).roles["r"].region == region


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:iam::123456789012:role/A",
        "arn:aws-cn:iam::123456789012:role/service-role/x+y=z,a.b@c-d_e",
        "arn:aws-us-gov:iam::123456789012:role/Admin",
        "arn:aws-iso-b:iam::123456789012:role/Admin",
        "arn:aws-eusc:iam::123456789012:role/Admin",
    ],
)
def test_role_arns_accepted(tmp_path: Path, arn: str) -> None:
    assert load(tmp_path, role_toml("", arn=arn)).roles["r"].role_arn == arn


def test_limits_at_the_edges_are_accepted(tmp_path: Path) -> None:
    tags = "{ " + ", ".join(f'k{i} = "{"v" * 256 if i == 0 else ""}"' for i in range(50)) + " }"
    keys = "[" + ", ".join(f'"K{i}"' for i in range(50)) + "]"
    arns = "[" + ", ".join(f'"arn:aws:iam::aws:policy/P{i}"' for i in range(10)) + "]"
    body = f"""
duration = 900
refresh_before = 899
mfa_session_duration = 129600
session_name = "{"s" * 64}"
external_id = "{"e" * 1224}"
mfa_serial = "{"m" * 256}"
source_identity = "{"i" * 256}"
tags = {tags}
transitive_tag_keys = {keys}
policy_arns = {arns}
policy = '{{"a": "{"p" * 2039}"}}'
"""
    role = load(tmp_path, role_toml(body)).roles["r"]
    assert len(role.tags) == 50
    assert len(role.transitive_tag_keys) == 50
    assert len(role.policy_arns) == 10
    assert len(role.policy or "") == 2048


def test_unicode_tags_are_accepted(tmp_path: Path) -> None:
    role = load(
        tmp_path, role_toml('tags = { "Kostenstelle" = "Müller Söhne", "équipe" = "plate forme" }')
    ).roles["r"]
    assert role.tags == {"Kostenstelle": "Müller Söhne", "équipe": "plate forme"}


# --- the starter file -------------------------------------------------------------------------------


def test_starter_config_loads(tmp_path: Path) -> None:
    config = load(tmp_path, STARTER_CONFIG)
    assert list(config.roles) == ["example-readonly"]
    assert config.roles["example-readonly"].account == "123456789012"


def test_starter_mentions_every_key() -> None:
    for key in ROLE_CHECKS:
        assert re.search(rf"^(# )?{key} = ", STARTER_CONFIG, re.MULTILINE), key


def test_starter_with_every_line_uncommented_loads(tmp_path: Path) -> None:
    lines = []
    for line in STARTER_CONFIG.splitlines():
        candidate = line[2:] if line.startswith("# ") else line
        if candidate.split(" ", 1)[0] in {*ROLE_CHECKS, "[roles.example-chained]"}:
            line = candidate
        lines.append(line)
    text = "\n".join(lines)
    # the first example role cannot take both source_profile and source_role: keep source_profile there
    text = text.replace('source_role = "other-role"', "# source_role")
    # nor source_profile and source_keys at once (in [defaults] or a role)
    text = text.replace('source_keys = "default"', "# source_keys")
    config = load(tmp_path, text)
    assert list(config.roles) == ["example-readonly", "example-chained"]
    assert config.roles["example-chained"].source_role == "example-readonly"
    assert config.roles["example-readonly"].tags == {"team": "platform"}


def test_write_starter_creates_directories_and_refuses_to_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "roles.toml"
    write_starter(path)
    assert path.read_text(encoding="utf-8") == STARTER_CONFIG
    path.write_text("# mine\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        write_starter(path)
    assert str(path) in str(caught.value)
    assert path.read_text(encoding="utf-8") == "# mine\n"


def test_write_starter_refuses_a_dangling_symlink(tmp_path: Path) -> None:
    path = tmp_path / "roles.toml"
    path.symlink_to(tmp_path / "elsewhere.toml")
    with pytest.raises(ConfigError, match="already exists"):
        write_starter(path)
    assert not (tmp_path / "elsewhere.toml").exists()


def test_write_starter_parent_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(ConfigError, match="Cannot create the directory"):
        write_starter(tmp_path / "file" / "roles.toml")


# --- order of checks and where the file lives -------------------------------------------------------


def test_first_problem_in_file_order_is_reported(tmp_path: Path) -> None:
    text = role_toml('region = "mars"\nduration = 1', name="a") + role_toml('region = "x"', name="b")
    message = error_for(tmp_path, text)
    assert "[roles.a] region" in message
    text = role_toml('duration = 1\nregion = "mars"', name="a")
    assert "[roles.a] duration" in error_for(tmp_path, text)


def test_config_path_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STSUI_CONFIG", str(tmp_path / "env.toml"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert config_path("~/explicit.toml") == tmp_path / "home" / "explicit.toml"
    assert config_path(None) == tmp_path / "env.toml"
    monkeypatch.delenv("STSUI_CONFIG")
    assert config_path(None) == tmp_path / "xdg" / "stsui" / "roles.toml"
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/ignored")
    assert config_path(None) == tmp_path / "home" / ".config" / "stsui" / "roles.toml"
    monkeypatch.delenv("XDG_CONFIG_HOME")
    assert config_path("") == tmp_path / "home" / ".config" / "stsui" / "roles.toml"


def test_cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert cache_dir() == tmp_path / "cache" / "stsui"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setattr(paths_module.sys, "platform", "linux")
    assert cache_dir() == tmp_path / "home" / ".cache" / "stsui"
    monkeypatch.setattr(paths_module.sys, "platform", "darwin")
    assert cache_dir().name == "stsui"
