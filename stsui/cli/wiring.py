"""The engine wired for a command: which roles file, credentials file and caches it uses, and which gateways
talk to AWS (STS: direct calls where they can, boto3 elsewhere; IAM Identity Center: boto3), each built on
first use so that a command answered from the caches never loads them."""

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
    from stsui.engine.gateway import Gateway, SsoGateway
    from stsui.engine.sso_logins import SsoLogins
    from stsui.store.roles_cache import Discovered


def sts_gateway(config: Config) -> Gateway:
    """The real gateway, built on first use: direct calls where it can, boto3 (loaded then) elsewhere."""
    from stsui.aws.hybrid import HybridGateway

    return HybridGateway(default_region=config.region)


def sso_gateway() -> SsoGateway:
    """The IAM Identity Center gateway (OIDC and the portal), through boto3 (loaded then)."""
    from stsui.aws.sso import BotoSsoGateway

    return BotoSsoGateway()


def sso_logins() -> SsoLogins:
    """Logins in the AWS CLI's token cache; the gateway is built on the first call that needs AWS."""
    from stsui.domain.paths import sso_token_dir
    from stsui.engine.sso_logins import SsoLogins
    from stsui.store.sso_cache import SsoTokenCache

    return SsoLogins(SsoTokenCache(sso_token_dir()), sso_gateway)


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
            from stsui.engine.discovered_roles import default_discovery_cache, with_discovered

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


def load_engine(explicit: str | None, *, required: bool = True, interactive: bool = True) -> Engine:
    """The engine for the roles file; with `required=False` a missing file means no roles. An `interactive`
    command may give `mfa_process` the terminal and tells the user on stderr when it waits for a code."""
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
        sso = sso_logins()
    engine = Engine(
        config,
        CredentialsFile(credentials_path()),
        lambda: sts_gateway(config),
        cache_dir=cache_dir(),
        sso=sso,
    )
    if interactive:
        engine.codes.terminal = True
        engine.codes.tell = _tell
    return engine


def _tell(text: str) -> None:
    import sys

    print(f"stsui: {text}", file=sys.stderr, flush=True)
