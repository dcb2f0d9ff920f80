"""`[sso.NAME]` tables are checked like the rest of the roles file; discovered roles get safe names."""

from __future__ import annotations

from pathlib import Path

import pytest

from stsui.config.load import parse_config
from stsui.domain.errors import ConfigError
from stsui.domain.model import Config, Role
from stsui.domain.rules import profile_name_problem
from stsui.domain.sso import DiscoveredRole, SsoInstance
from stsui.engine.discovered_roles import discovered_roles
from stsui.store.sso_cache import DiscoveryCache
from tests.support.clock import moment

PATH = Path("/home/u/.config/stsui/roles.toml")
GOOD = 'start_url = "https://my-org.awsapps.com/start"\nregion = "eu-west-1"\n'


def test_a_valid_instance_with_defaults() -> None:
    config = parse_config(f"[sso.work]\n{GOOD}", PATH)
    assert config.sso == {
        "work": SsoInstance("work", "https://my-org.awsapps.com/start", "eu-west-1", ("sso:account:access",))
    }


def test_discovered_roles_renew_as_the_defaults_say() -> None:
    instance = parse_config(
        f'[defaults]\nrefresh_before = "20m"\nauto_refresh = false\n[sso.work]\n{GOOD}', PATH
    )
    assert instance.sso["work"].refresh_before == 1200 and instance.sso["work"].auto_refresh is False


def test_every_key() -> None:
    text = f'[sso.work]\n{GOOD}scopes = ["sso:account:access", "codewhisperer:completions"]\n'
    text += 'profile_template = "{sso}-{account_id}-{role_name}"\n'
    instance = parse_config(text, PATH).sso["work"]
    assert instance.scopes == ("sso:account:access", "codewhisperer:completions")
    assert instance.profile_template == "{sso}-{account_id}-{role_name}"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            'start_url = "http://my-org.awsapps.com/start"\nregion = "eu-west-1"',
            "start_url must be the AWS access",
        ),
        ('start_url = "https://my org/start"\nregion = "eu-west-1"', "start_url must be the AWS access"),
        ('start_url = "https://my-org.awsapps.com/start"', "region is missing"),
        ('region = "eu-west-1"', "start_url is missing"),
        (GOOD + 'region2 = "x"', "unknown key 'region2'"),
        (GOOD.replace("eu-west-1", "Europe"), "region must be an AWS region name"),
        (GOOD + "scopes = 'sso:account:access'", "scopes must be an array"),
        (GOOD + 'scopes = ["a b"]', "scopes entries must be OAuth scopes"),
        (GOOD + 'profile_template = "{role_name}"', "must contain {role_name} and {account_id}"),
        (GOOD + 'profile_template = "{account}.{role_name}"', "must use only the placeholders"),
        (GOOD + 'profile_template = "{account_id.{role_name}"', "braces must pair up"),
        (GOOD + 'profile_template = "{account_id}\\n{role_name}"', "control characters"),
    ],
)
def test_problems_name_the_table_and_key(body: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(f"[sso.work]\n{body}\n", PATH)
    assert f"In {PATH}, [sso.work] " in str(caught.value) and expected in str(caught.value)


def test_bad_names_and_shapes() -> None:
    with pytest.raises(ConfigError, match="Identity Center name 'my work' must be"):
        parse_config(f'[sso."my work"]\n{GOOD}', PATH)
    with pytest.raises(ConfigError, match="sso must be a set of"):
        parse_config('sso = "x"\n', PATH)
    with pytest.raises(ConfigError, match=r"\[sso.work\] must be a table"):
        parse_config('[sso]\nwork = "x"\n', PATH)


def test_discovered_names_are_safe_profiles_and_never_clash(tmp_path: Path) -> None:
    instance = SsoInstance("work", "https://my-org.awsapps.com/start", "eu-west-1", refresh_before=1200)
    cache = DiscoveryCache(tmp_path / "sso")
    found = [
        DiscoveredRole("work", "111111111111", "Prod [EU]\nmain", "Admin"),
        DiscoveredRole("work", "222222222222", "prod", "Admin"),
        DiscoveredRole("work", "333333333333", "Prod", "Admin"),  # same name in another case
        DiscoveredRole("work", "444444444444", "DEFAULT", "x"),
    ]
    cache.put("work", instance.start_url, found, moment(2026, 12, 1))
    configured = Role("prod.Admin", "arn:aws:iam::999999999999:role/Admin", "prod.Admin")
    config = Config(PATH, {"prod.Admin": configured}, sso={"work": instance})
    roles = discovered_roles(config.sso, cache, config)
    assert list(roles) == [
        "Prod-EU-main.Admin",
        "prod.Admin.222222222222",
        "Prod.Admin.333333333333",
        "DEFAULT.x",
    ]
    assert all(not profile_name_problem(role.profile) for role in roles.values())
    assert roles["prod.Admin.222222222222"].sso == found[1]
    renewal = {(r.refresh_before, r.auto_refresh, r.region) for r in roles.values()}
    assert renewal == {(1200, True, "eu-west-1")}


def test_a_role_from_identity_center() -> None:
    text = f"[sso.work]\n{GOOD}\n[roles.billing]\nsource_sso = 'work'\naccount_id = '123456789012'\n"
    role = parse_config(text + "sso_role_name = 'Billing'\n", PATH).roles["billing"]
    assert role.sso == DiscoveredRole("work", "123456789012", "123456789012", "Billing", configured=True)
    assert role.role_arn == "arn:aws:iam::123456789012:role/Billing" and role.source_profile is None
    with pytest.raises(ConfigError, match=r"\[roles.billing\] sso_role_name is missing"):
        parse_config(text, PATH)
    with pytest.raises(
        ConfigError, match=r"source_sso 'wrok' must name an \[sso.NAME\] table.*did you mean 'work'"
    ):
        parse_config(text.replace("'work'", "'wrok'") + "sso_role_name = 'B'\n", PATH)
    with pytest.raises(ConfigError, match="mfa_serial cannot be set for a role from IAM Identity Center"):
        parse_config(text + "sso_role_name = 'B'\nmfa_serial = 'arn:aws:iam::1:mfa/x'\n", PATH)
