"""What stsui makes of IAM Identity Center's answers: which account ids and role names it uses, the names
it gives them, the cache files they can reach, and which sign-in pages it opens (checked against botocore's
partitions)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import botocore.loaders
import pytest

from stsui.domain.errors import UnsafeFileError
from stsui.domain.model import Credentials, Session
from stsui.domain.regions import partition_for, partition_of
from stsui.domain.rules import profile_name_problem
from stsui.domain.sso import (
    MAX_NAME,
    DeviceAuthorization,
    DiscoveredRole,
    SsoInstance,
    untrusted_sign_in_page,
)
from stsui.store.cache import MfaCache, SessionCache
from stsui.store.sso_cache import DiscoveryCache, SsoTokenCache
from tests.support.clock import moment

TEMPLATE = "{account_name}.{role_name}"
NOW = moment(2026, 12, 7, 12)


def _role(
    account_id: str = "123456789012", account_name: str = "prod", role_name: str = "Admin"
) -> DiscoveredRole:
    return DiscoveredRole("work", account_id, account_name, role_name)


@pytest.mark.parametrize(
    ("account_id", "role_name", "problem"),
    [
        ("123456789012", "Admin", None),
        ("123456789012", "AWS+Read=Only,x.y@z-1_2", None),
        ("123456789012", "x" * 64, None),
        ("../../../victim/settings", "Admin", "the account id is not a 12-digit AWS account id"),
        ("12345678901", "Admin", "the account id is not a 12-digit AWS account id"),
        ("1234567890123", "Admin", "the account id is not a 12-digit AWS account id"),
        ("١٢٣٤٥٦٧٨٩٠١٢", "Admin", "the account id is not a 12-digit AWS account id"),  # Arabic-Indic digits
        ("123456789012\n", "Admin", "the account id is not a 12-digit AWS account id"),
        ("123456789012", "../Admin", "the role name is not a permission set name of 1-64 letters"),
        ("123456789012", "Ad\\x07min", "the role name is not a permission set name of 1-64 letters"),
        ("123456789012", "x" * 65, "the role name is not a permission set name of 1-64 letters"),
        ("123456789012", "", "the role name is not a permission set name of 1-64 letters"),
    ],
)
def test_only_real_account_ids_and_permission_set_names_are_used(
    account_id: str, role_name: str, problem: str | None
) -> None:
    found = _role(account_id, role_name=role_name).problem()
    assert found == problem if problem is None else found is not None and found.startswith(problem)


@pytest.mark.parametrize(
    ("role", "name"),
    [
        (_role(account_name="Prod [EU]\nmain"), "Prod-EU-main.Admin"),
        (_role(account_name="../../x"), "x.Admin"),
        (_role(account_name="!!!", role_name="..."), "123456789012"),  # nothing left: the account id
        (_role("../../../victim/settings", "!!!", "???"), "victim-settings"),  # even an unchecked one
        (_role("///", "!!!", "???"), ""),  # nothing at all: no name (and no role)
    ],
)
def test_every_name_is_in_the_profile_alphabet(role: DiscoveredRole, name: str) -> None:
    assert role.profile_name(TEMPLATE) == name
    assert "/" not in name and "\\" not in name and not name.startswith(".")


def test_the_account_suffix_of_a_clashing_name_is_kept_whole_and_in_the_alphabet() -> None:
    assert _role().profile_name(TEMPLATE, with_account=True) == "prod.Admin.123456789012"
    long = _role(account_name="a" * 200).profile_name(TEMPLATE, with_account=True)
    assert len(long) == MAX_NAME and long.endswith("a.123456789012")
    hostile = _role("../../evil", "x", "Admin").profile_name(TEMPLATE, with_account=True)
    assert hostile == "x.Admin.evil" and profile_name_problem(hostile) is None


# -- the last line of defence: the caches' file names ------------------------------------------------------


def _session(role: str) -> Session:
    return Session(role, Credentials("ASIAX", "secret", "token", NOW + timedelta(hours=1)), "arn")


@pytest.mark.parametrize("key", ["../../../victim/settings", "..", ".", ".hidden", "a/b", "a\\b", "a\0b", ""])
def test_a_cache_refuses_any_key_that_is_not_one_plain_file_of_its_own(tmp_path: Path, key: str) -> None:
    victim = tmp_path / "victim" / "settings.json"
    victim.parent.mkdir()
    victim.write_text("{}")
    sessions = SessionCache(tmp_path / "cache" / "stsui" / "sessions")
    with pytest.raises(UnsafeFileError, match="Refused the cache entry name"):
        sessions.put(_session(key))
    assert sessions.get(key) is None
    with pytest.raises(UnsafeFileError):
        sessions.delete(key)
    assert victim.read_text() == "{}" and sorted(p.name for p in tmp_path.rglob("*")) == [
        "settings.json",
        "victim",
    ]


def test_a_plain_name_with_dots_is_a_plain_file(tmp_path: Path) -> None:
    sessions = SessionCache(tmp_path / "stsui" / "sessions")
    sessions.put(_session("a..b"))
    assert sessions.get("a..b") is not None and (tmp_path / "stsui" / "sessions" / "a..b.json").is_file()
    assert MfaCache(tmp_path / "stsui" / "mfa").get(None, "arn:aws:iam::123456789012:mfa/x") is None
    assert SsoTokenCache(tmp_path / "sso").get("work") is None  # sha1 names: always plain


def test_a_discovery_cache_from_before_the_checks_drops_what_it_must_not_use(tmp_path: Path) -> None:
    cache = DiscoveryCache(tmp_path / "stsui" / "sso")
    cache.put("work", "https://x.awsapps.com/start", [_role(), _role(account_name="b", role_name="Dev")], NOW)
    path = tmp_path / "stsui" / "sso" / "work.json"
    data = json.loads(path.read_text())
    data["roles"].append({"accountId": "../../../victim/settings", "accountName": "!!!", "roleName": "???"})
    data["roles"].append({"accountId": "123456789012", "accountName": "x", "roleName": "../../y"})
    path.write_text(json.dumps(data))
    roles, _synced = cache.get("work", "https://x.awsapps.com/start")
    assert [(r.account_name, r.role_name) for r in roles] == [("prod", "Admin"), ("b", "Dev")]


# -- the sign-in page --------------------------------------------------------------------------------------


def _device(page: str, code: str = "ABCD-EFGH") -> DeviceAuthorization:
    return DeviceAuthorization("device", code, page.split("?")[0].split("#")[0], page, 600, 5)


def _instance(region: str) -> SsoInstance:
    return SsoInstance("work", "https://my-org.awsapps.com/start", region)


@pytest.mark.parametrize(
    ("region", "page"),
    [
        ("us-east-1", "https://device.sso.us-east-1.amazonaws.com/?user_code=ABCD-EFGH"),
        ("eu-west-1", "https://my-org.awsapps.com/start/#/device?user_code=ABCD-EFGH"),
        (
            "eu-west-1",
            "https://ssoins-1234567890abcdef.portal.eu-west-1.app.aws/#/device?user_code=ABCD-EFGH",
        ),
        ("eu-west-1", "https://device.sso.eu-west-1.amazonaws.com:443/?user_code=ABCD-EFGH"),
        ("us-gov-west-1", "https://device.sso.us-gov-west-1.amazonaws.com/?user_code=ABCD-EFGH"),
        ("us-gov-west-1", "https://start.us-gov-home.awsapps.com/directory/d-1234567890#/device?user_code=A"),
        ("cn-north-1", "https://device.sso.cn-north-1.amazonaws.com.cn/?user_code=ABCD-EFGH"),
        ("cn-northwest-1", "https://my-org.awsapps.cn/start/#/device?user_code=ABCD-EFGH"),
    ],
)
def test_aws_sign_in_pages_of_the_regions_partition_are_opened(region: str, page: str) -> None:
    assert untrusted_sign_in_page(_instance(region), _device(page)) is None


@pytest.mark.parametrize(
    ("region", "page", "why"),
    [
        (
            "eu-west-1",
            "http://device.sso.eu-west-1.amazonaws.com/?user_code=A",
            "does not start with https://",
        ),
        ("eu-west-1", "http://127.0.0.1:8080/start/#/device", "does not start with https://"),
        ("eu-west-1", "https://evil.example/?user_code=A", "goes to evil.example"),
        (
            "eu-west-1",
            "https://my-org.awsapps.com.evil.example/start",
            "goes to my-org.awsapps.com.evil.example",
        ),
        ("eu-west-1", "https://evilamazonaws.com/", "goes to evilamazonaws.com"),
        ("eu-west-1", "https://device.sso.eu-west-1.amazonaws.com@evil.example/", "carries a user name"),
        ("eu-west-1", "https://device.sso.eu-west-1.amazonaws.com:8443/", "names port 8443"),
        ("eu-west-1", "https://device.sso.eu-west-1.amazonaws.com/\x1b]8;;x", "contains spaces, control"),
        ("eu-west-1", "javascript://amazonaws.com/%0aalert(1)", "does not start with https://"),
        ("eu-west-1", "https://device.sso.cn-north-1.amazonaws.com.cn/", "goes to device.sso.cn-north-1"),
        ("cn-north-1", "https://device.sso.us-east-1.amazonaws.com/", "goes to device.sso.us-east-1"),
        ("cn-north-1", "https://my-org.awsapps.com/start/#/device", "goes to my-org.awsapps.com"),
    ],
)
def test_any_other_page_is_named_for_the_user_to_check_never_opened(region: str, page: str, why: str) -> None:
    sentence = untrusted_sign_in_page(_instance(region), _device(page))
    assert sentence is not None and f"(it {why}" in sentence
    assert sentence.startswith("IAM Identity Center 'work' named a sign-in page that is not AWS's")
    assert sentence.endswith(" - open it yourself only if you trust it.") and "\x1b" not in sentence


def test_the_page_without_the_code_is_checked_too() -> None:
    device = DeviceAuthorization(
        "d", "A", "https://evil.example/", "https://device.sso.eu-west-1.amazonaws.com/?user_code=A", 600, 5
    )
    sentence = untrusted_sign_in_page(_instance("eu-west-1"), device)
    assert sentence is not None and "https://evil.example/ - open it yourself" in sentence


def _botocore_partitions() -> list[dict[str, object]]:
    partitions: list[dict[str, object]] = botocore.loaders.create_loader().load_data("partitions")[
        "partitions"
    ]
    return partitions


@pytest.mark.parametrize("partition", _botocore_partitions(), ids=lambda p: str(p["id"]))
def test_partitions_are_botocores(partition: dict[str, object]) -> None:
    """Every real region botocore lists is in the partition botocore puts it in, and a sign-in page on
    either of botocore's DNS suffixes for it is AWS's."""
    name = str(partition["id"])
    regions = [region for region in partition["regions"] if not region.endswith("-global")]  # type: ignore[attr-defined]
    assert regions and {partition_of(region) for region in regions} == {name}
    outputs = partition["outputs"]
    for suffix in (outputs["dnsSuffix"], outputs["dualStackDnsSuffix"]):  # type: ignore[index]
        assert suffix in partition_for(regions[0]).dns_suffixes
        page = f"https://oidc.{regions[0]}.{suffix}/?user_code=A"
        assert untrusted_sign_in_page(_instance(regions[0]), _device(page)) is None
    assert partition_of("zz-nowhere-9") == "aws"  # botocore's default partition
