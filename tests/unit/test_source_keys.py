"""`source_keys = "NAME"`: the roles file's rules, and the engine using the keyring's keys wherever the base
identity is used (assume, MFA sessions, chaining, whoami, console --base), with a fake STS."""

from __future__ import annotations

from pathlib import Path

import pytest

from stsui.config.load import parse_config
from stsui.domain.errors import ConfigError
from stsui.domain.model import AccessKey, keyring_base
from tests.support.fakes import KeysInMemory, make_engine

SERIAL = "arn:aws:iam::999999999999:mfa/tester"
ROLES = f"""\
[defaults]
source_keys = "work"
region = "eu-west-1"

[roles.plain]
role_arn = "arn:aws:iam::111111111111:role/Plain"

[roles.deep]
role_arn = "arn:aws:iam::222222222222:role/Deep"
source_role = "plain"

[roles.mfa]
role_arn = "arn:aws:iam::333333333333:role/Mfa"
mfa_serial = "{SERIAL}"

[roles.from-profile]
role_arn = "arn:aws:iam::444444444444:role/Profile"
source_profile = "default"
mfa_serial = "{SERIAL}"
"""
WORK = AccessKey("work", "AKIAWORKEXAMPLE00001", "work-secret-0000000000000000000000000000")


@pytest.fixture
def rig(isolated_home: Path):  # type: ignore[no-untyped-def]
    engine, gateway, _ = make_engine(isolated_home, ROLES)
    keys = KeysInMemory({"work": WORK})
    engine.keys = keys
    return engine, gateway, keys


def config(text: str):  # type: ignore[no-untyped-def]
    return parse_config(text, Path("/r/roles.toml"))


# -- the roles file ------------------------------------------------------------------------------------------


def test_defaults_source_keys_reach_every_root_role_and_a_role_of_its_own_wins() -> None:
    loaded = config(ROLES)
    assert loaded.source_keys == "work"
    assert loaded.roles["plain"].source_keys == "work" and loaded.roles["plain"].source_profile is None
    assert loaded.roles["deep"].source_keys is None  # chained: its parent's base counts
    own = loaded.roles["from-profile"]
    assert own.source_profile == "default" and own.source_keys is None
    assert loaded.roles["mfa"].base == keyring_base("work") != own.base


@pytest.mark.parametrize(
    ("table", "words"),
    [
        ('[defaults]\nsource_profile = "a"\nsource_keys = "b"\n', "both source_profile and source_keys"),
        (
            '[roles.r]\nrole_arn = "arn:aws:iam::111111111111:role/R"\n'
            'source_profile = "a"\nsource_keys = "b"\n',
            "source_profile and source_keys are both set",
        ),
        (
            '[roles.p]\nrole_arn = "arn:aws:iam::111111111111:role/P"\n'
            '[roles.r]\nrole_arn = "arn:aws:iam::111111111111:role/R"\n'
            'source_role = "p"\nsource_keys = "b"\n',
            "source_role and source_keys are both set",
        ),
        ('[defaults]\nsource_keys = "has space"\n', "must name a key added with 'stsui keys add NAME'"),
        ('[defaults]\nmfa_process = "  "\n', "must be a command that prints the MFA code"),
        ('[defaults]\nmfa_process = "ykman\\nrm -rf"\n', "must not contain control characters"),
        ('[defaults]\nnotify = "no"\n', "notify must be true or false"),
    ],
)
def test_the_new_keys_are_checked_with_a_sentence(table: str, words: str) -> None:
    with pytest.raises(ConfigError) as caught:
        config(table)
    assert words in str(caught.value)


# -- the engine --------------------------------------------------------------------------------------------


def test_a_role_rooted_in_source_keys_is_assumed_with_the_keyrings_keys(rig) -> None:  # type: ignore[no-untyped-def]
    engine, gateway, keys = rig
    engine.assume(engine.config.roles["plain"])
    assert gateway.keys_used == [("assume_role", "work")]
    engine.assume(engine.config.roles["deep"])  # chained: the parent's session, no second look at the keys
    assert gateway.keys_used == [("assume_role", "work")]
    assert keys.asked == ["work"]


def test_a_reused_session_never_reads_the_keyring(rig) -> None:  # type: ignore[no-untyped-def]
    engine, _, keys = rig
    role = engine.config.roles["plain"]
    engine.assume(role)
    keys.asked.clear()
    assert engine.obtain(role).reused
    assert keys.asked == []


def test_an_mfa_session_is_made_with_the_keys_and_kept_per_base(rig) -> None:  # type: ignore[no-untyped-def]
    engine, gateway, _ = rig
    engine.assume(engine.config.roles["mfa"], mfa_code="123456")
    assert ("get_session_token", "work") in gateway.keys_used
    assert not engine.needs_mfa_code(engine.config.roles["mfa"], fresh=True)
    # the same device through a profile is another base identity: its MFA session is not the keyring's
    assert engine.needs_mfa_code(engine.config.roles["from-profile"])


def test_whoami_and_the_base_identity_use_the_keys(rig) -> None:  # type: ignore[no-untyped-def]
    engine, gateway, _ = rig
    identity = engine.base_identity()
    assert identity.arn.endswith(":user/tester")
    assert gateway.keys_used == [("caller_identity", "work")]
    assert engine.has_long_term_keys() and engine.has_long_term_keys(engine.config.roles["deep"])


def test_console_base_signs_in_with_the_keys_through_get_federation_token(rig) -> None:  # type: ignore[no-untyped-def]
    from stsui.domain.model import Credentials, Session
    from stsui.domain.sts_calls import FederationTokenRequest
    from stsui.engine.console import base_target, sign_in_as_base

    engine, gateway, _ = rig
    used: list[AccessKey | None] = []

    def federation(request: FederationTokenRequest) -> Session:
        used.append(request.keys)
        credentials = Credentials("ASIAFED", "s", "t", engine.clock().replace(year=2099))
        arn = "arn:aws:sts::999999999999:federated-user/x"
        return Session(request.name, credentials, arn, request.region)

    gateway.get_federation_token = federation
    login = sign_in_as_base(engine, base_target(engine.config))
    assert used == [WORK] and "federation" in login.url
