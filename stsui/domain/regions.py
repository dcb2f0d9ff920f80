"""AWS regions and their partitions, as the installed botocore's bundled endpoint data has them: offline.

botocore resolves every endpoint from `botocore/data/partitions.json` (7 KB): each partition's regions and a
pattern for regions it does not list yet. This module reads that file without importing botocore (whose
import costs 0.1 s), and finds a region's partition as botocore's rule engine does
(`aws.partition`: the first partition that lists the region or whose pattern matches it, else the first
partition). A region given to stsui (`--region`, the TUI's region picker) must be one the data lists, in the
partition of the role's ARN: an `aws-cn` role cannot get `us-east-1`. `tests/unit/test_regions.py` holds it
to botocore's own lookup.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path

from stsui.domain.errors import ConfigError, UsageError
from stsui.domain.printable import printable
from stsui.domain.suggest import did_you_mean

SHOWN = 6
"""A message lists at most this many of a partition's regions."""


@dataclass(frozen=True)
class Partition:
    """One partition of botocore's data: its name (`aws`, `aws-cn`, …), its regions, its region pattern."""

    name: str
    regions: tuple[str, ...]
    """The regions it lists, in its own order (not the `aws-global` style pseudo-regions)."""
    listed: frozenset[str]
    """Every name it lists, pseudo-regions too: what botocore's lookup matches first."""
    pattern: re.Pattern[str]
    dns_suffixes: tuple[str, ...]
    """The domains AWS serves it from: its `dnsSuffix` and `dualStackDnsSuffix`."""


def _data_file() -> Path:
    """botocore's `data/partitions.json`, found without importing botocore."""
    import importlib.util

    spec = importlib.util.find_spec("botocore")
    where = spec.submodule_search_locations if spec is not None else None
    if not where:
        raise ConfigError("botocore is not installed, so stsui cannot check region names; reinstall stsui.")
    return Path(next(iter(where))) / "data" / "partitions.json"


@functools.cache
def partitions() -> tuple[Partition, ...]:
    """Every partition, in botocore's order (the first is the default)."""
    path = _data_file()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        found = []
        for entry in data["partitions"]:
            pattern = re.compile(entry["regionRegex"])
            names = tuple(entry["regions"])
            regions = tuple(name for name in names if pattern.match(name))
            outputs = entry["outputs"]
            suffixes = (str(outputs["dnsSuffix"]), str(outputs["dualStackDnsSuffix"]))
            found.append(Partition(entry["id"], regions, frozenset(names), pattern, suffixes))
    except (OSError, ValueError, KeyError, TypeError, re.error):
        raise ConfigError(f"botocore's region data {path} cannot be read; reinstall botocore.") from None
    return tuple(found)


def partition_for(region: str) -> Partition:
    """The partition botocore puts `region` in: the first that lists it or whose pattern matches it, else
    the first partition (`aws`). The one region-to-partition rule of stsui."""
    known = partitions()
    for partition in known:
        if region in partition.listed or partition.pattern.match(region):
            return partition
    return known[0]


def partition_of(region: str) -> str:
    """The name of `partition_for(region)`."""
    return partition_for(region).name


def regions_of(partition: str) -> tuple[str, ...]:
    """The regions of `partition` botocore lists (none for a partition it does not know)."""
    return next((p.regions for p in partitions() if p.name == partition), ())


def region_problem(region: str, partition: str) -> str | None:
    """Why `region` cannot be a session's region for a role of `partition`, completing "--region R …";
    None when it can."""
    listed = regions_of(partition)
    if region in listed:
        return None
    shown = ", ".join(listed[:SHOWN])
    more = len(listed) - SHOWN
    choices = f"{shown} and {more} more" if more > 0 else shown or "none stsui knows"
    home = partition_of(region)
    if any(region in p.regions for p in partitions()):
        return f"is in the {home} partition, not {partition}; pick one of {choices}"
    hint = did_you_mean(region, listed)
    return f"is not a region botocore knows{hint}; the {partition} partition has {choices}"


def check_region(region: str, *, partition: str, who: str, option: str = "--region") -> str:
    """`region`, when it is a region of `partition` (the partition of `who`, "role 'prod'"); UsageError
    (exit 2, before any request) naming the region and the partition otherwise."""
    problem = region_problem(region, partition)
    if problem is not None:
        raise UsageError(f"{option} {printable(region, 40)} for {who} {problem}.")
    return region
