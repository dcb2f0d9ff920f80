"""The AWS CLI's credential cache (`~/.aws/cli/cache/*.json`): what botocore keeps for role and SSO
profiles of `~/.aws/config`, matched to its profile by the file name botocore derives from it."""

from __future__ import annotations

from pathlib import Path

from stsui.discover.aws_config import AwsConfig
from stsui.discover.found import Found, Kind, Source
from stsui.discover.reading import from_json_files
from stsui.domain.printable import printable
from stsui.domain.times import parse_expiry


def from_cli_cache(directory: Path, config: AwsConfig) -> list[Found]:
    names = config.cache_names()
    return from_json_files(
        directory, Source.CLI_CACHE, lambda path, data: _entry(path, data, names.get(path.stem), config)
    )


def _entry(path: Path, data: dict[str, object], profile: str | None, config: AwsConfig) -> Found:
    credentials = data.get("Credentials")
    if not isinstance(credentials, dict):
        return Found(Source.CLI_CACHE, path.name, Kind.UNREADABLE, note="no Credentials in it", path=path)
    user = data.get("AssumedRoleUser")
    arn = user.get("Arn") if isinstance(user, dict) else None
    arn = printable(arn) if isinstance(arn, str) else None
    note = ""
    if profile is None and arn:
        profile = _by_role_arn(arn, config)
        note = "profile matched by role ARN" if profile else ""
    expiry = credentials.get("Expiration")
    expires_at = parse_expiry(expiry) if isinstance(expiry, str) else None
    if expires_at is None:
        note = "its Expiration is not a time stsui can read"
    name = profile or arn or path.name
    return Found(
        Source.CLI_CACHE, name, profile=profile, arn=arn, expires_at=expires_at, note=note, path=path
    )


def _by_role_arn(assumed_arn: str, config: AwsConfig) -> str | None:
    """The only role profile whose role the assumed-role ARN `arn:…:sts::ACCT:assumed-role/ROLE/SESSION`
    is a session of, else None (the role's path is not in that ARN, so two profiles may match)."""
    head, _, rest = assumed_arn.partition(":assumed-role/")
    role = rest.split("/", 1)[0]
    account = head.rsplit(":", 1)[-1] if head else ""
    matches = [
        profile
        for profile, values in config.role_profiles().items()
        if values["role_arn"].rsplit("/", 1)[-1] == role and values["role_arn"].split(":")[4:5] == [account]
    ]
    return matches[0] if len(matches) == 1 else None
