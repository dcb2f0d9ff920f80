"""Building the engine from the command line's view: roles file, credentials file, cache, lazy gateway."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from stsui.domain.collector import building
from stsui.domain.errors import ConfigError
from stsui.domain.model import Config
from stsui.engine.engine import Engine
from stsui.store.credentials_file import CredentialsFile

if TYPE_CHECKING:
    from stsui.engine.gateway import Gateway
    from stsui.store.roles_cache import Discovered


def sts_gateway(config: Config) -> Gateway:
    """The real gateway, built on first use: direct calls where it can, boto3 (loaded then) elsewhere."""
    from stsui.aws.hybrid import HybridGateway

    return HybridGateway(default_region=config.region)


def load_roles(path: Path) -> Config:
    """The roles every command works with: the roles file's and, after them, those discovered through IAM
    Identity Center. From the validated-roles cache while no file they come from changed, else validated
    (raising `ConfigError`), named and cached."""
    from stsui.store import stamps
    from stsui.store.roles_cache import roles_cache

    cache = roles_cache()
    config = cache.load_all(path)
    if config is not None:
        return config
    from stsui.config.load import config_from_bytes, read_roles_file  # the validator: only on a change

    try:
        info = os.stat(path)
    except OSError:
        info = None  # read_roles_file says why
    raw = read_roles_file(path)
    read_at = stamps.now_ns()
    with building():  # 100,000 roles: a quarter of the time went to collections finding nothing
        config = config_from_bytes(raw, path)
        discovered: list[Discovered] = []
        if config.sso:
            from stsui.engine.sso import default_discovery_cache, with_discovered

            found = default_discovery_cache()
            discovered = [(file, _stat(file)) for file in map(found.file, config.sso)]  # before reading
            config = with_discovered(config, found)
        if info is not None:
            cache.save(config, info, read_at, raw, discovered)
    return config


def _stat(path: str) -> os.stat_result | None:
    try:
        return os.stat(path)
    except FileNotFoundError:
        return None


def load_roles_file(explicit: str | None, *, required: bool = True) -> tuple[Path, list[str]]:
    """The roles file's path and the names of the roles it names itself (empty when it is missing and not
    required)."""
    from stsui.domain.paths import config_path

    path = config_path(explicit)
    if not required and not path.exists():
        return path, []
    config = load_roles(path)
    if not config.sso:
        return path, list(config.roles)
    from stsui.engine.sso import configured_roles

    return path, list(configured_roles(config))


def load_engine(explicit: str | None, *, required: bool = True) -> Engine:
    """The engine for the roles file; with `required=False` a missing file means no roles."""
    from stsui.domain.paths import cache_dir, config_path, credentials_path

    path = config_path(explicit)
    try:
        config = load_roles(path)
    except ConfigError:
        if required or path.exists():
            raise
        config = Config(path=path, roles={})
    sso = None
    if config.sso:
        from stsui.cli.sso import sso_logins

        sso = sso_logins()
    return Engine(
        config,
        CredentialsFile(credentials_path()),
        lambda: sts_gateway(config),
        cache_dir=cache_dir(),
        sso=sso,
    )
