"""Everything other tools left on this machine, in one list: the credentials file, the AWS CLI's caches,
Identity Center logins, role profiles stsui does not manage, and the environment. Read-only throughout."""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping
from dataclasses import replace
from pathlib import Path

from stsui.discover.aws_config import read_aws_config
from stsui.discover.cli_cache import from_cli_cache
from stsui.discover.credentials import from_credentials_file
from stsui.discover.environment import from_environment, shell_profile
from stsui.discover.found import Found, Kind, Source
from stsui.discover.sso_logins import from_sso_cache
from stsui.domain.paths import aws_config_path, cli_cache_dir, sso_token_dir
from stsui.store.credentials_file import CredentialsFile


def discover(
    store: CredentialsFile,
    managed_role_arns: Collection[str],
    *,
    environ: Mapping[str, str] | None = None,
    aws_config: Path | None = None,
    cli_cache: Path | None = None,
    sso_cache: Path | None = None,
) -> list[Found]:
    """The other sessions, in this order: the environment, the credentials file, the CLI cache, SSO
    logins, role profiles offered for `stsui import`. `managed_role_arns`: the roles stsui manages."""
    environ = os.environ if environ is None else environ
    config = read_aws_config(aws_config or aws_config_path())
    found: list[Found] = []
    shell = from_environment(environ)
    if shell is not None:
        found.append(shell)
    found += from_credentials_file(store)
    cached = from_cli_cache(cli_cache or cli_cache_dir(), config)
    found += cached
    found += from_sso_cache(sso_cache or sso_token_dir(), config)
    if config.problem:
        path = aws_config or aws_config_path()
        found.append(Found(Source.AWS_CONFIG, str(path), Kind.UNREADABLE, note=config.problem, path=path))
    with_cache = {f.profile for f in cached}
    for profile, values in config.role_profiles().items():
        if values["role_arn"] not in managed_role_arns and profile not in with_cache:
            found.append(
                Found(
                    Source.AWS_CONFIG,
                    profile,
                    Kind.ROLE_PROFILE,
                    profile=profile,
                    arn=values["role_arn"],
                    note="not managed by stsui: 'stsui import' adds it",
                )
            )
    return mark_in_use(found, environ)


def mark_in_use(found: list[Found], environ: Mapping[str, str]) -> list[Found]:
    """`found` with the lines of the profile the shell uses (AWS_PROFILE) marked."""
    profile = shell_profile(environ)
    if profile is None:
        return found
    return [replace(f, in_use=True) if f.profile == profile else f for f in found]
