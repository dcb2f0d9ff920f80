"""`color` and `confirm`: per role, in [defaults], or for every role of a group through [groups.NAME]."""

from __future__ import annotations

from pathlib import Path

import pytest

from stsui.config.load import load_config
from stsui.domain.colors import COLORS, color_value, rgb, sgr
from stsui.domain.errors import ConfigError
from stsui.domain.model import Config
from stsui.engine.discovered_roles import discovered_roles
from stsui.store.roles_cache import RolesCache

ARN = "arn:aws:iam::123456789012:role/Admin"


def load(tmp_path: Path, text: str) -> Config:
    path = tmp_path / "roles.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path)


def error_for(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, text)
    assert caught.value.exit_code == 2
    return str(caught.value)


LAYERED = f"""\
[defaults]
color = "Blue"

[groups.prod]
color = "red"
confirm = true

[roles.prod-admin]
role_arn = "{ARN}"
group = "prod"

[roles.prod-ci]
role_arn = "{ARN}2"
group = "prod"
confirm = false
color = "#AaBbCc"

[roles.dev]
role_arn = "{ARN}3"
"""


def test_role_beats_its_group_which_beats_defaults(tmp_path: Path) -> None:
    roles = load(tmp_path, LAYERED).roles
    assert (roles["prod-admin"].color, roles["prod-admin"].confirm) == ("red", True)
    assert (roles["prod-ci"].color, roles["prod-ci"].confirm) == ("#aabbcc", False)
    assert (roles["dev"].color, roles["dev"].confirm) == ("blue", False)


def test_a_role_without_settings_has_no_colour_and_asks_nothing(tmp_path: Path) -> None:
    role = load(tmp_path, f'[roles.r]\nrole_arn = "{ARN}"\n').roles["r"]
    assert (role.color, role.confirm) == (None, False)


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        (f'[roles.r]\nrole_arn = "{ARN}"\ncolor = "rde"\n', ["[roles.r] color", "'rde'", "mean 'red'"]),
        ('[defaults]\ncolor = "#12345"\n', ["[defaults] color", "'#rrggbb'", "'#12345'"]),
        ("[defaults]\ncolor = 3\n", ["[defaults] color", "the integer 3"]),
        (f'[roles.r]\nrole_arn = "{ARN}"\nconfirm = "yes"\n', ["[roles.r] confirm must be true or false"]),
        ('[groups.prod]\ncolour = "red"\n', ["[groups.prod]", "unknown key 'colour'", "mean 'color'"]),
        ('[groups.prod]\ncolor = "nope"\n', ["[groups.prod] color", "'nope'"]),
        ("[groups.prod]\nconfirm = 1\n", ["[groups.prod] confirm must be true or false"]),
        ("groups = 3\n", ["groups must be a set of [groups.NAME] tables"]),
        ('[groups]\nprod = "red"\n', ["[groups.prod] must be a table"]),
    ],
)
def test_bad_settings_name_the_table_and_key(tmp_path: Path, text: str, needles: list[str]) -> None:
    message = error_for(tmp_path, text)
    for needle in needles:
        assert needle in message, message


def test_a_group_table_no_role_is_in_is_refused(tmp_path: Path) -> None:
    """A typo must not leave production without its guard."""
    text = LAYERED.replace("[groups.prod]", "[groups.prdo]")
    message = error_for(tmp_path, text)
    assert "[groups.prdo] names a group no role is in (did you mean 'prod'?)" in message


def test_groups_with_spaces_are_quoted_in_messages(tmp_path: Path) -> None:
    message = error_for(tmp_path, '[groups."my prod"]\ncolor = "x"\n')
    assert '[groups."my prod"] color' in message


@pytest.mark.parametrize("name", sorted(COLORS))
def test_every_colour_name_is_accepted_and_drawable(tmp_path: Path, name: str) -> None:
    role = load(tmp_path, f'[roles.r]\nrole_arn = "{ARN}"\ncolor = "{name.upper()}"\n').roles["r"]
    assert role.color == name
    assert rgb(name).startswith("#") and len(rgb(name)) == 7
    assert sgr(name)


def test_colour_escapes() -> None:
    assert sgr("red") == "31"  # the terminal's own red, so a theme applies
    assert sgr("orange") == "38;5;208"
    assert sgr("#ff8000") == "38;2;255;128;0"
    assert color_value(" #FF8000 ") == "#ff8000"
    assert color_value("#ff800") is None and color_value("rouge") is None


def test_colours_and_groups_survive_the_validated_roles_cache(tmp_path: Path) -> None:
    import os

    path = tmp_path / "roles.toml"
    path.write_text(LAYERED, encoding="utf-8")
    config = load_config(path)
    cache = RolesCache(tmp_path / "cache" / "roles")
    cache.save(config, os.stat(path), 0, path.read_bytes())
    cached = cache.load_all(path)
    assert cached is not None
    assert dict(cached.roles.items()) == dict(config.roles.items())
    assert cached.groups == config.groups and cached.color == "blue"
    one = cache.load_one(path, "prod-admin")
    assert one is not None and (one.color, one.confirm) == ("red", True)


def test_roles_found_in_identity_center_take_their_group_and_defaults(tmp_path: Path) -> None:
    from stsui.domain.sso import DiscoveredRole
    from stsui.store.sso_cache import DiscoveryCache

    text = """\
[defaults]
color = "green"

[groups."corp/Prod"]
color = "red"
confirm = true

[sso.corp]
start_url = "https://corp.awsapps.com/start"
region = "eu-west-1"
"""
    config = load(tmp_path, text)
    cache = DiscoveryCache(tmp_path / "sso")
    found = [
        DiscoveredRole("corp", "111111111111", "Prod", "Admin"),
        DiscoveredRole("corp", "222222222222", "Dev", "Admin"),
    ]
    from datetime import UTC, datetime

    cache.put("corp", "https://corp.awsapps.com/start", found, datetime(2026, 1, 1, tzinfo=UTC))
    roles = {role.group: role for role in discovered_roles(config.sso, cache, config).values()}
    assert (roles["corp/Prod"].color, roles["corp/Prod"].confirm) == ("red", True)
    assert (roles["corp/Dev"].color, roles["corp/Dev"].confirm) == ("green", False)
