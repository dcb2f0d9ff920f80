"""One rule for profile names, whether they come from --profile or from the roles file."""

from __future__ import annotations

import pytest

from tests.reliability.conftest import assert_one_sentence_failure, run
from tests.support.home import Home

LOOK_ALIKES = ["prod\u2028admin", "prod\u202eadmin", "prod\u200badmin", "prod\u2066admin", "prod\x85admin"]


@pytest.mark.parametrize("profile", LOOK_ALIKES)
def test_profile_option_and_roles_file_refuse_the_same_names(rhome: Home, profile: str) -> None:
    before = rhome.credentials.read_bytes()
    from_option = run(rhome, "assume", "admin", "--profile", profile)
    assert_one_sentence_failure(from_option, 2, "U+")
    rhome.roles.write_text(
        rhome.roles.read_text().replace("[roles.admin]", f'[roles.admin]\nprofile = "{profile}"')
    )
    from_file = run(rhome, "assume", "admin")
    assert_one_sentence_failure(from_file, 2, "U+", "profile")
    assert rhome.credentials.read_bytes() == before
