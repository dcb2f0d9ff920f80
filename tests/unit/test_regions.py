"""Regions and partitions, offline: the answers of botocore's own partition lookup, from the same data."""

from __future__ import annotations

import subprocess
import sys

import pytest
from botocore.endpoint_provider import RuleSetStandardLibrary
from botocore.loaders import create_loader
from hypothesis import given
from hypothesis import strategies as st

from stsui.domain.errors import UsageError
from stsui.domain.regions import check_region, partition_of, partitions, region_problem, regions_of

DATA = create_loader().load_data("partitions")
"""What a botocore client loads to resolve its endpoint."""
BOTOCORE = RuleSetStandardLibrary(DATA)


def botocore_partition(region: str) -> str:
    return str(BOTOCORE.aws_partition(region)["name"])


def every_listed_name() -> list[str]:
    return sorted({name for entry in DATA["partitions"] for name in entry["regions"]})


@pytest.mark.parametrize("region", every_listed_name())
def test_every_region_botocore_lists_is_in_botocores_partition(region: str) -> None:
    assert partition_of(region) == botocore_partition(region)


@pytest.mark.parametrize(
    "region",
    ["us-east-7", "cn-south-9", "us-gov-central-4", "us-isob-west-3", "eusc-de-south-2", "mars-1", "", "x"],
)
def test_unlisted_names_fall_where_botocore_puts_them(region: str) -> None:
    assert partition_of(region) == botocore_partition(region)


@given(st.from_regex(r"[a-z]{2,5}(-[a-z]{2,6}){0,3}-[0-9]{1,2}", fullmatch=True) | st.text(max_size=20))
def test_any_name_falls_where_botocore_puts_it(region: str) -> None:
    assert partition_of(region) == botocore_partition(region)


def test_the_partitions_and_their_regions_are_botocores() -> None:
    assert [p.name for p in partitions()] == [entry["id"] for entry in DATA["partitions"]]
    for entry in DATA["partitions"]:
        listed = [name for name in entry["regions"] if not name.endswith("-global")]
        assert list(regions_of(entry["id"])) == listed
    assert "us-east-1" in regions_of("aws") and "aws-global" not in regions_of("aws")
    assert regions_of("aws-cn") == ("cn-north-1", "cn-northwest-1")


def test_a_region_of_the_roles_partition_passes() -> None:
    assert check_region("eu-west-1", partition="aws", who="role 'r'") == "eu-west-1"
    assert region_problem("cn-north-1", "aws-cn") is None


def test_a_region_of_another_partition_is_refused_naming_both() -> None:
    with pytest.raises(UsageError) as raised:
        check_region("us-east-1", partition="aws-cn", who="role 'china'")
    message = str(raised.value)
    assert raised.value.exit_code == 2
    assert message == (
        "--region us-east-1 for role 'china' is in the aws partition, not aws-cn; "
        "pick one of cn-north-1, cn-northwest-1."
    )


def test_an_unknown_region_is_refused_with_a_suggestion() -> None:
    with pytest.raises(
        UsageError, match=r"us-est-1 for role 'r' is not a region botocore knows \(did you mean"
    ):
        check_region("us-est-1", partition="aws", who="role 'r'")


def test_terminal_escapes_in_a_region_are_never_echoed() -> None:
    with pytest.raises(UsageError) as raised:
        check_region("\x1b[2Jus-east-1", partition="aws", who="role 'r'")
    assert "\x1b" not in str(raised.value)


def test_reading_the_data_imports_no_botocore() -> None:
    code = (
        "import sys; from stsui.domain.regions import regions_of; assert regions_of('aws'); "
        "assert 'botocore' not in sys.modules, 'botocore imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
