"""`console_open`'s rules: which values the roles file takes, a template's words filled without a shell, and
the Firefox container's name, link and colour (a role's colour name or `#rrggbb` mapped to Firefox's)."""

from __future__ import annotations

import urllib.parse
from pathlib import Path

import pytest

from stsui.config.load import parse_config
from stsui.domain.console_open import container_url, firefox_color, problem, template_command
from stsui.domain.errors import ConfigError

ROLE = '[roles.prod]\nrole_arn = "arn:aws:iam::111111111111:role/Admin"\n'


@pytest.mark.parametrize(
    "value",
    [
        "default",
        "firefox-container",
        "chrome-profile",
        "firefox -P work {url}",
        "open -a 'My Browser' {url} {role}",
    ],
)
def test_these_are_taken(value: str) -> None:
    assert problem(value) is None
    config = parse_config(f"[defaults]\nconsole_open = {value!r}\n{ROLE}", Path("roles.toml"))
    assert config.console_open == value and config.roles["prod"].console_open == value


@pytest.mark.parametrize(
    "value",
    ["", "firefox", "firefox {link}", "firefox '{url}", "firefox {url", "{role}"],
)
def test_these_are_refused_naming_the_key(value: str) -> None:
    assert problem(value) is not None
    with pytest.raises(ConfigError, match=r"\[roles.prod\] console_open must be default, firefox-container"):
        parse_config(ROLE + f"console_open = {value!r}\n", Path("roles.toml"))
    assert problem("firefox {url}\n--private") is not None  # one line: no control characters


def test_a_template_is_split_first_and_filled_after_so_nothing_is_interpreted() -> None:
    url = "file:///run/user/1/stsui/sign-in-ab.html"
    assert template_command("my-browser --name '{role} (aws)' {url}", url=url, role="a;rm -rf ~") == [
        "my-browser", "--name", "a;rm -rf ~ (aws)", url,
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("color", "firefox"),
    [
        (None, None),
        ("red", "red"),
        ("cyan", "turquoise"),
        ("magenta", "pink"),
        ("gray", None),
        ("white", None),
        ("#e5484d", "red"),
        ("#3e63dd", "blue"),
        ("#2ecc40", "green"),
        ("#8e4ec6", "purple"),
        ("#808080", None),
        ("#000000", None),
    ],
)
def test_a_roles_colour_becomes_the_nearest_firefox_container_colour(
    color: str | None, firefox: str | None
) -> None:
    assert firefox_color(color) == firefox


def test_the_container_url_carries_the_link_encoded() -> None:
    link = (
        "https://signin.aws.amazon.com/federation?Action=login&Destination=https%3A%2F%2Fx&SigninToken=a+b/c"
    )
    url = container_url("prod-admin", link, "orange")
    assert url.startswith("ext+container:name=prod-admin&url=https%3A%2F%2F")
    fields = urllib.parse.parse_qs(url.removeprefix("ext+container:"), strict_parsing=True)
    assert fields == {"name": ["prod-admin"], "url": [link], "color": ["orange"]}
    assert "color" not in container_url("prod-admin", link, None)
