"""`stsui keys use NAME`'s edit of the roles file: `[defaults] source_keys`, every other byte kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from stsui.config.base_edit import use_keys
from stsui.domain.errors import ConfigError

PATH = Path("/r/roles.toml")
ROLES = """\
# my roles -- keep this comment
[defaults]
source_profile = "default"   # the plaintext keys, until today
region = "eu-west-1"

[roles.a]
role_arn = "arn:aws:iam::111111111111:role/A"

[roles.b]
role_arn = "arn:aws:iam::222222222222:role/B"
source_profile = "personal"
"""
ROLE_A = '[roles.a]\nrole_arn = "arn:aws:iam::111111111111:role/A"\n'


def test_defaults_source_profile_becomes_source_keys_and_nothing_else_changes() -> None:
    before, after, text = use_keys(ROLES, PATH, "default")
    expected = ROLES.replace('source_profile = "default"   # the plaintext keys, until today\n', "")
    assert text == expected.replace("[defaults]\n", '[defaults]\nsource_keys = "default"\n')
    assert after.roles["a"].source_keys == "default" and after.roles["a"].source_profile is None
    assert after.roles["b"].source_profile == "personal" and after.roles["b"].source_keys is None
    assert before.roles["a"].source_profile == "default"


def test_a_file_without_defaults_gets_the_table_before_its_first_table() -> None:
    text = "# top comment\n\n" + ROLE_A
    _, after, edited = use_keys(text, PATH, "work")
    assert edited == '# top comment\n\n[defaults]\nsource_keys = "work"\n\n' + ROLE_A
    assert after.roles["a"].source_keys == "work"
    assert use_keys(edited, PATH, "work")[2] == edited  # twice is the same as once


def test_what_cannot_be_edited_safely_is_refused() -> None:
    inline = 'defaults = { region = "eu-west-1" }\n' + ROLE_A
    with pytest.raises(ConfigError):
        use_keys(inline, PATH, "work")
