"""Discovered roles as roles: each cached discovered role named by its instance's template (the one naming
rule), beside the configured ones."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import Any

from stsui.domain.model import Config, Role
from stsui.domain.roster import Roster
from stsui.domain.rules import profile_name_problem
from stsui.domain.sso import DiscoveredRole, SsoInstance
from stsui.store.sso_cache import DiscoveryCache


def discovered_roles(
    instances: Mapping[str, SsoInstance], cache: DiscoveryCache, config: Config
) -> dict[str, Role]:
    """Roles for every cached discovered role, named by each instance's template; a name or profile that
    a configured role (or an earlier discovered one) already has gets the account id appended."""
    return {
        name: _discovered_role(name, instance, discovered, config)
        for name, instance, discovered in _named(instances, cache, config)
    }


def _named(
    instances: Mapping[str, SsoInstance], cache: DiscoveryCache, config: Config
) -> Iterator[tuple[str, SsoInstance, DiscoveredRole]]:
    """Each cached discovered role with its name, in order: the one naming rule."""
    taken_names = {name.lower() for name in config.roles}
    taken_profiles = set(Roster.of(config.roles).profiles)  # without decoding every configured role
    for instance in instances.values():
        found, _synced = cache.get(instance.name, instance.start_url)
        for discovered in found:
            name = discovered.profile_name(instance.profile_template)
            if name.lower() in taken_names or name in taken_profiles:
                name = discovered.profile_name(instance.profile_template, with_account=True)
            if name.lower() in taken_names or name in taken_profiles or profile_name_problem(name):
                continue
            taken_names.add(name.lower())
            taken_profiles.add(name)
            yield name, instance, discovered


def _discovered_role(name: str, instance: SsoInstance, discovered: DiscoveredRole, config: Config) -> Role:
    renewal: dict[str, Any] = {
        "refresh_before": instance.refresh_before,
        "auto_refresh": instance.auto_refresh,
    }
    group = f"{instance.name}/{discovered.account_name}"
    return Role(
        name=name,
        role_arn=discovered.role_arn,
        profile=name,
        region=config.region or instance.region,
        **{key: value for key, value in renewal.items() if value is not None},
        description=f"{discovered.role_name} in {discovered.account_name} (IAM Identity Center)",
        group=group,
        console_open=config.console_open,
        sso=discovered,
        **config.group_settings(group),
    )


def configured_roles(config: Config) -> dict[str, Role]:
    """The roles the roles file itself names, without those discovered through IAM Identity Center."""
    return {name: role for name, role in config.roles.items() if role.sso is None or role.sso.configured}


def with_discovered(config: Config, cache: DiscoveryCache) -> Config:
    """The config with the discovered roles (as cached now) after the configured ones, in place of any
    discovered before."""
    if not config.sso:
        return config
    config = replace(config, roles=configured_roles(config))
    return replace(config, roles={**config.roles, **discovered_roles(config.sso, cache, config)})


def default_discovery_cache() -> DiscoveryCache:
    """Where discovered roles are cached: `$XDG_CACHE_HOME/stsui/sso/NAME.json`."""
    from stsui.domain.paths import cache_dir

    return DiscoveryCache(cache_dir() / "sso")
