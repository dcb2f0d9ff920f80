"""The validated-roles cache: it gives back exactly what validation produced, and only while the roles file is
the one that was validated; anything it cannot vouch for (a changed file, a planted or corrupt cache) sends
stsui back to validating the file."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from stsui.cli.wiring import load_roles
from stsui.config.load import load_config
from stsui.domain.errors import ConfigError
from stsui.domain.model import Role
from stsui.domain.paths import cache_dir, config_path
from stsui.domain.roster import Roster, widest_texts
from stsui.domain.search import RoleSearch
from stsui.store import roles_cache as cache_module
from stsui.store import stamps
from stsui.store.roles_cache import roles_cache
from tests.support.clock import real_ns

ARN = "arn:aws:iam::111111111111:role/Admin"
FULL = f"""\
[defaults]
source_profile = "base"
region = "eu-west-1"
refresh_before = "20m"

[roles.prod-admin]
role_arn = "{ARN}"
profile = "prod-admin-profile"
description = "Production administrator ✓"
group = "prod"
duration = "1h30m"
session_name = "alice"
auto_refresh = false
mfa_serial = "arn:aws:iam::111111111111:mfa/alice"
mfa_session_duration = "36h"
external_id = "ext-12345"
source_identity = "alice@example.com"
tags = {{ team = "platform", "cost center" = "42" }}
transitive_tag_keys = ["Team"]
policy_arns = ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
policy = '{{"Version":"2012-10-17","Statement":[]}}'

[roles."chained.role"]
role_arn = "arn:aws:iam::222222222222:role/Chained"
source_role = "prod-admin"
"""


def roles_file(text: str) -> Path:
    path = config_path(None)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def cache_files() -> list[Path]:
    return sorted((cache_dir() / "roles").glob("*.validated"))


@pytest.fixture(autouse=True)
def settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """The clock long after every edit (no digest), unless a test says the file was just changed."""
    later = real_ns() + 10**11
    monkeypatch.setattr(stamps, "now_ns", lambda: later)


def just_changed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The clock right at the roles file's last change: its stat alone cannot vouch for it."""
    monkeypatch.setattr(stamps, "now_ns", lambda: os.stat(config_path(None)).st_ctime_ns)


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every validation of a roles file, by path."""
    import stsui.config.load as load

    calls: list[Path] = []
    real = load.config_from_bytes

    def counting(raw: bytes, path: Path):  # type: ignore[no-untyped-def]
        calls.append(path)
        return real(raw, path)

    monkeypatch.setattr(load, "config_from_bytes", counting)
    return calls


def test_cached_roles_are_exactly_the_validated_ones(counted: list[Path]) -> None:
    path = roles_file(FULL)
    validated = load_roles(path)
    again = load_roles(path)
    assert len(counted) == 1, "the unchanged file was validated twice"
    assert validated == load_config(path)
    assert again == validated
    assert list(again.roles) == list(validated.roles)
    role = again.roles["prod-admin"]
    assert isinstance(role.transitive_tag_keys, tuple) and isinstance(role.policy_arns, tuple)
    for name, role in validated.roles.items():
        assert roles_cache().load_one(path, name) == role
    assert roles_cache().load_one(path, "nosuch") is None


def test_the_cache_is_a_private_file() -> None:
    load_roles(roles_file(FULL))
    (found,) = cache_files()
    info = found.stat()
    assert oct(info.st_mode & 0o777) == "0o600" and info.st_uid == os.geteuid()
    assert oct((cache_dir() / "roles").stat().st_mode & 0o777) == "0o700"


def test_a_same_size_edit_within_the_same_second_is_noticed(
    monkeypatch: pytest.MonkeyPatch, counted: list[Path]
) -> None:
    """The edit keeps size and mtime (and may keep ctime, within one clock tick): the digest catches it."""
    just_changed(monkeypatch)
    path = roles_file(FULL)
    load_roles(path)
    before = path.stat()
    edited = FULL.replace('group = "prod"', 'group = "dorp"')
    path.write_text(edited, encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size
    assert load_roles(path).roles["prod-admin"].group == "dorp"
    assert roles_cache().load_one(path, "prod-admin").group == "dorp"  # type: ignore[union-attr]


def test_an_old_file_is_known_by_its_identity(monkeypatch: pytest.MonkeyPatch, counted: list[Path]) -> None:
    """A file changed long ago carries no digest; a replaced file (new inode) or another size is noticed."""
    path = roles_file(FULL)
    load_roles(path)
    assert load_roles(path) is not None and len(counted) == 1
    replacement = path.with_name("new.toml")
    replacement.write_text(FULL.replace('group = "prod"', 'group = "dorp"'), encoding="utf-8")
    os.replace(replacement, path)
    assert load_roles(path).roles["prod-admin"].group == "dorp"
    with path.open("a", encoding="utf-8") as out:
        out.write("\n# a comment\n")
    load_roles(path)
    assert len(counted) == 3


def test_an_invalid_file_is_never_cached_and_a_fix_is_seen(counted: list[Path]) -> None:
    path = roles_file(FULL + 'durration = "1h"\n')
    for _ in range(2):
        with pytest.raises(ConfigError, match="durration"):
            load_roles(path)
    assert cache_files() == []
    assert roles_cache().load_one(path, "prod-admin") is None
    roles_file(FULL)
    assert "prod-admin" in load_roles(path).roles


@pytest.mark.parametrize(
    "damage", ["mode", "owner", "link", "corrupt", "altered", "truncated", "header", "directory"]
)
def test_an_untrusted_or_damaged_cache_is_validated_again(damage: str, counted: list[Path]) -> None:
    path = roles_file(FULL)
    expected = load_roles(path)
    (found,) = cache_files()
    if damage == "mode":
        found.chmod(0o644)
    elif damage == "owner":
        if os.geteuid() != 0:
            pytest.skip("only root can give a file to another user")
        os.chown(found, 65534, 65534)
    elif damage == "link":
        planted = found.with_name("planted")
        planted.write_bytes(found.read_bytes())
        planted.chmod(0o600)
        found.unlink()
        found.symlink_to(planted)
    elif damage == "corrupt":
        data = bytearray(found.read_bytes())
        at = data.index(b"prod-admin-profile")
        data[at : at + 4] = b"\xff\xfe{]"
        found.write_bytes(bytes(data))
    elif damage == "altered":  # still well-formed, with another profile: only the CRC can tell
        found.write_bytes(found.read_bytes().replace(b"prod-admin-profile", b"prod-admin-profilX"))
    elif damage == "truncated":
        found.write_bytes(found.read_bytes()[:-7])
    elif damage == "header":
        found.write_bytes(b"{not json\n" + found.read_bytes().split(b"\n", 1)[1])
    elif damage == "directory":
        found.parent.chmod(0o777)  # anyone could have put it there
    assert roles_cache().load_one(path, "prod-admin") in (None, expected.roles["prod-admin"])
    assert load_roles(path) == expected
    assert len(counted) == 2, "a damaged cache was trusted"


def test_a_cache_of_another_stsui_is_not_used(monkeypatch: pytest.MonkeyPatch, counted: list[Path]) -> None:
    path = roles_file(FULL)
    load_roles(path)
    monkeypatch.setattr(cache_module, "__version__", "99.0")
    assert roles_cache().load_one(path, "prod-admin") is None
    load_roles(path)
    assert len(counted) == 2


def test_every_source_the_cached_roles_depend_on_exists() -> None:
    """A moved or renamed validation or naming module must stay in the cache's key: a missing one would be
    stamped as missing for ever, and a change to it would not make the roles again."""
    package = Path(cache_module.__file__).resolve().parent.parent
    missing = [name for name in cache_module._RULES if not (package / name).is_file()]
    assert not missing


def test_100000_roles_load_from_the_cache_and_filter(counted: list[Path]) -> None:
    count = 100_000
    text = '[defaults]\nsource_profile = "base"\n' + "".join(
        f'\n[roles.role-{i:06d}]\nrole_arn = "arn:aws:iam::123456789012:role/Role{i:06d}"\n'
        f'group = "team-{i % 7}"\n'
        for i in range(count)
    )
    path = roles_file(text)
    first = load_roles(path)
    second = load_roles(path)
    assert len(counted) == 1
    assert second == first and len(second.roles) == count
    assert list(second.roles)[:2] == ["role-000000", "role-000001"]
    assert roles_cache().load_one(path, "role-099999") == first.roles["role-099999"]
    roles = list(second.roles.values())
    found = RoleSearch(roles).filter("077777")
    assert [roles[i].name for i in found] == ["role-077777"]
    assert len(RoleSearch(roles).filter("team-3")) == len(range(3, count, 7))


def test_roles_from_the_cache_are_decoded_when_first_asked_for(
    monkeypatch: pytest.MonkeyPatch, counted: list[Path]
) -> None:
    """Names, profiles, membership and the column widths come without decoding a role; a role is decoded
    once, on first use; iterating decodes the rest in one pass, equal to what validation produced."""
    count = 3_000
    text = '[defaults]\nsource_profile = "base"\n' + "".join(
        f'\n[roles.role-{i:05d}]\nrole_arn = "arn:aws:iam::123456789012:role/path/Role{i}"\n'
        f'profile = "p-{i}"\n' + (f'description = "{"d" * (i % 50)}"\n' if i else "")
        for i in range(count)
    )
    path = roles_file(text)
    validated = load_roles(path)
    decoded: list[str] = []
    real = cache_module.from_record

    def counting(data: dict[str, Any], base: dict[str, Any]) -> Role:
        decoded.append(data["name"])
        return real(data, base)

    monkeypatch.setattr(cache_module, "from_record", counting)
    roles = load_roles(path).roles
    assert isinstance(roles, Roster) and not roles.loaded
    assert len(roles) == count and list(roles)[-1] == "role-02999" and "role-01234" in roles
    assert roles.profile_of("role-01234") == "p-1234" and "nosuch" not in roles
    assert roles.widest() == widest_texts(validated.roles.values())
    assert decoded == []
    assert roles["role-01234"] is roles["role-01234"] == validated.roles["role-01234"]
    assert decoded == ["role-01234"]
    assert roles.in_order()[-1] == validated.roles["role-02999"]
    assert list(roles.values()) == list(validated.roles.values())
    assert roles.loaded and len(decoded) == count + 2  # every role in one pass, after the two asked for
    assert len(counted) == 1


def test_a_digest_is_checked_only_while_the_file_is_new(
    monkeypatch: pytest.MonkeyPatch, counted: list[Path]
) -> None:
    """A cache written right after an edit carries a digest; once the edit is old, the roles are validated
    once more and cached without one, so answering for a role stops reading the whole roles file."""
    just_changed(monkeypatch)
    path = roles_file(FULL)
    load_roles(path)
    load_roles(path)
    assert len(counted) == 1
    later = os.stat(path).st_ctime_ns + 10**10
    monkeypatch.setattr(stamps, "now_ns", lambda: later)
    load_roles(path)
    assert len(counted) == 2
    monkeypatch.setattr(cache_module, "digest", lambda raw: pytest.fail("the roles file was read"))
    assert roles_cache().load_one(path, "prod-admin") == load_roles(path).roles["prod-admin"]
    assert len(counted) == 2


def test_identity_center_instances_and_roles_are_cached_exactly(counted: list[Path]) -> None:
    """[sso.NAME] instances and roles taken from one (`source_sso`) come back as validation made them."""
    path = roles_file(
        FULL
        + '\n[roles.billing]\nsource_sso = "work"\naccount_id = "444455556666"\nsso_role_name = "Dev"\n'
        + '\n[sso.work]\nstart_url = "https://my-org.awsapps.com/start"\nregion = "eu-west-1"\n'
        + 'scopes = ["sso:account:access"]\nprofile_template = "{account_name}-{role_name}"\n'
    )
    first = load_roles(path)
    again = load_roles(path)
    assert len(counted) == 1, "the file was validated twice"
    assert again == first == load_config(path)
    assert again.sso == first.sso and again.sso["work"].scopes == ("sso:account:access",)
    billing = again.roles["billing"]
    assert billing.sso is not None and billing.sso.configured and billing == first.roles["billing"]
    assert roles_cache().load_one(path, "billing") == first.roles["billing"]


SSO_WORK = '\n[sso.work]\nstart_url = "https://my-org.awsapps.com/start"\nregion = "eu-west-1"\n'


def discovered(accounts: int, roles: tuple[str, ...] = ("Admin", "ReadOnly")) -> list[Any]:
    from stsui.domain.sso import DiscoveredRole

    return [
        DiscoveredRole("work", f"{100000000000 + number}", f"acct-{number:04d}", role)
        for number in range(accounts)
        for role in roles
    ]


def sync(found: list[Any]) -> None:
    """What `stsui sso sync` leaves in the discovery cache."""
    from stsui.engine.discovered_roles import default_discovery_cache
    from tests.support.clock import real_now

    default_discovery_cache().put("work", "https://my-org.awsapps.com/start", found, real_now())


def test_discovered_roles_are_cached_with_the_roles_until_a_sync(
    monkeypatch: pytest.MonkeyPatch, counted: list[Path]
) -> None:
    """The roles every command works with (the file's, then the discovered ones, named) come from one cache
    file while neither the roles file nor the discovery cache changed: no validation, no naming, no read of
    the discovery cache. A sync, or its cache going, is seen at the next command."""
    from stsui.engine.discovered_roles import default_discovery_cache, with_discovered
    from stsui.store.sso_cache import DiscoveryCache

    path = roles_file(FULL + SSO_WORK)
    sync(discovered(50))
    first = load_roles(path)
    assert len(counted) == 1
    assert first == with_discovered(load_config(path), default_discovery_cache())
    assert len(first.roles) == 2 + 100 and list(first.roles)[2] == "acct-0000.Admin"
    counted.clear()
    real_get = DiscoveryCache.get
    reads: list[str] = []

    def counting(self: DiscoveryCache, sso: str, start_url: str) -> Any:
        reads.append(sso)
        return real_get(self, sso, start_url)

    monkeypatch.setattr(DiscoveryCache, "get", counting)
    again = load_roles(path)
    assert counted == [] and reads == [], "the unchanged roles were made again"
    assert isinstance(again.roles, Roster) and not again.roles.loaded
    assert again == first
    assert roles_cache().load_one(path, "acct-0049.ReadOnly") == first.roles["acct-0049.ReadOnly"]
    sync(discovered(60))
    synced = load_roles(path)
    assert len(counted) == 1 and "acct-0059.Admin" in synced.roles
    assert "acct-0059.Admin" in load_roles(path).roles and len(counted) == 1
    os.unlink(default_discovery_cache().file("work"))
    assert list(load_roles(path).roles) == ["prod-admin", "chained.role"] and len(counted) == 2


def test_a_discovery_cache_written_just_now_is_not_relied_on(
    monkeypatch: pytest.MonkeyPatch, counted: list[Path]
) -> None:
    """A discovery file changed within the racy window could change again unseen: the roles are named
    from it, but not cached until it is older."""
    from stsui.engine.discovered_roles import default_discovery_cache

    path = roles_file(FULL + SSO_WORK)
    sync(discovered(3))
    written = os.stat(default_discovery_cache().file("work")).st_ctime_ns
    monkeypatch.setattr(stamps, "now_ns", lambda: written)
    assert "acct-0002.Admin" in load_roles(path).roles
    assert "acct-0002.Admin" in load_roles(path).roles
    assert len(counted) == 2 and cache_files() == []


def test_values_most_roles_share_are_kept_once(counted: list[Path]) -> None:
    """A record carries what differs from the values most roles have (here the region, the group and the
    session name), and a role that differs, even back to `Role`'s own default, gets its own value."""
    shared = 'region = "eu-west-1"\ngroup = "team"\nsession_name = "bob"\n'
    text = "".join(
        f'\n[roles.r{i}]\nrole_arn = "arn:aws:iam::111111111111:role/R{i}"\n' + shared for i in range(5)
    )
    text += '\n[roles.plain]\nrole_arn = "arn:aws:iam::111111111111:role/Plain"\n'
    path = roles_file(text)
    validated = load_roles(path)
    assert validated.roles["plain"].region is None and validated.roles["r0"].region == "eu-west-1"
    raw = cache_files()[0].read_bytes()
    assert raw.count(b'"eu-west-1"') == 1 and b'"region":null' in raw
    again = load_roles(path)
    assert len(counted) == 1 and list(again.roles.values()) == list(validated.roles.values())
    for name, role in validated.roles.items():
        assert roles_cache().load_one(path, name) == role
        record = roles_cache().load_record(path, name)
        assert record is not None and record["region"] == role.region
        assert record["refresh_before"] == role.refresh_before
