"""Load the roles file (TOML) into a `Config`, checking every value against STS's limits.

Errors are `ConfigError`s: one sentence naming the file, the role (or `[defaults]`) and the key, saying
what is allowed. Checks run in a fixed order (top level, `[defaults]`, then each role in file order and
its keys in file order, then role-to-role links), and the first problem is reported.
"""

from __future__ import annotations

import functools
import getpass
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import tomli

from stsui.config.schema import (
    BASE_CHECKS,
    DEFAULT_CHECKS,
    GROUP_CHECKS,
    ROLE_CHECKS,
    SSO_CHECKS,
    SSO_ROLE_CHECKS,
    SSO_ROLE_CONFLICTS,
    Invalid,
    sanitise_session_name,
    show,
)
from stsui.domain.durations import format_duration
from stsui.domain.errors import ConfigError
from stsui.domain.groups import group_defaults
from stsui.domain.limits import CHAINED_MAX_DURATION, DEFAULT_DURATION, default_refresh_before
from stsui.domain.model import Config, Role
from stsui.domain.rules import NAME as ROLE_NAME
from stsui.domain.rules import NAME_RULE as ROLE_NAME_RULE
from stsui.domain.rules import profile_name_problem
from stsui.domain.suggest import did_you_mean

if TYPE_CHECKING:
    from stsui.domain.sso import SsoInstance

TOP_LEVEL_KEYS = ("defaults", "groups", "roles", "sso")
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+", re.ASCII)


def load_config(path: Path) -> Config:
    """Read and check the roles file at `path`; raise `ConfigError` with one sentence when it is wrong."""
    return config_from_bytes(read_roles_file(path), path)


def read_roles_file(path: Path) -> bytes:
    """The roles file's bytes; `ConfigError` when it cannot be read."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"No roles file at {path}; create one with 'stsui init'.") from None
    except IsADirectoryError:
        raise ConfigError(f"The roles file {path} is a directory, not a file.") from None
    except OSError as exc:
        raise ConfigError(f"Cannot read the roles file {path}: {exc.strerror or exc}.") from None


def config_from_bytes(raw: bytes, path: Path) -> Config:
    """Check the roles file's bytes `raw`, read from `path`."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ConfigError(f"The roles file {path} is not UTF-8 text (invalid byte on line {line}).") from None
    return parse_config(text, path)


def parse_config(text: str, path: Path) -> Config:
    """Check roles-file `text` as if read from `path` (which only appears in messages)."""
    try:
        data = tomli.loads(text)
    except RecursionError:
        raise ConfigError(
            f"The roles file {path} is not valid TOML: arrays or tables nest too deeply."
        ) from None
    except ValueError as exc:  # TOMLDecodeError ("... (at line 3, column 7)") and oversized integers
        raise ConfigError(f"The roles file {path} is not valid TOML: {exc}.") from None
    return build_config(data, path)


@functools.cache
def default_session_name() -> str:
    """`stsui-<local user>` in STS's session-name alphabet, at most 64 characters."""
    try:
        user = getpass.getuser()
    except Exception:  # no login name and no passwd entry (containers)
        user = ""
    return sanitise_session_name(f"stsui-{user}" if user else "stsui")


def _where(kind: str, name: str) -> str:
    """`[KIND.NAME]`, quoting NAME the way TOML needs it."""
    return f"[{kind}.{name}]" if _BARE_KEY.fullmatch(name) else f'[{kind}."{name}"]'


def where_role(name: str) -> str:
    """`[roles.NAME]`, quoting NAME the way TOML needs it."""
    return _where("roles", name)


def _fail(path: Path, where: str, text: str) -> NoReturn:
    raise ConfigError(f"In {path}, {where} {text}.")


def _unknown_key(path: Path, where: str, key: str, allowed: tuple[str, ...] | Mapping[str, Any]) -> NoReturn:
    hint = did_you_mean(key, allowed)
    listing = "" if hint else f"; allowed keys are {', '.join(allowed)}"
    _fail(path, where, f"has an unknown key {show(key)}{hint}{listing}")


def build_config(data: Mapping[str, Any], path: Path) -> Config:
    """Check parsed TOML `data` and build the `Config` (roles in file order, defaults applied)."""
    for key in data:
        if key not in TOP_LEVEL_KEYS:
            hint = did_you_mean(key, TOP_LEVEL_KEYS)
            raise ConfigError(
                f"In {path}, the top-level key {show(key)} is unknown{hint}; "
                "settings belong in [defaults], [groups.NAME], [roles.NAME] or [sso.NAME] tables."
            )
    base = _defaults(data.get("defaults", {}), path)
    console_policy = base.pop("console_policy", None)
    roles_table = data.get("roles", {})
    if not isinstance(roles_table, dict):
        raise ConfigError(f"In {path}, roles must be a set of [roles.NAME] tables; got {show(roles_table)}.")

    base_duration = base.get("duration", DEFAULT_DURATION)
    base_source_profile = base.get("source_profile")
    folded_names: dict[str, str] = {}
    profiles: dict[str, str] = {}
    roles: dict[str, Role] = {}
    links: dict[str, str] = {}  # chained role -> its source_role
    name_ok = ROLE_NAME.fullmatch
    check_for = {**ROLE_CHECKS, **SSO_ROLE_CHECKS}.get
    instances = _sso_instances(data.get("sso", {}), path, base)
    groups = _groups(data.get("groups", {}), path)
    for name, table in roles_table.items():
        if name_ok(name) is None:
            raise ConfigError(f"In {path}, the role name {show(name)} must be {ROLE_NAME_RULE}.")
        folded = name.lower()
        if folded in folded_names:
            _fail(
                path,
                where_role(name),
                f"differs only in case from {where_role(folded_names[folded])}; "
                "role names become file names, so they must differ in more than case",
            )
        folded_names[folded] = name
        if not isinstance(table, dict):
            _fail(path, where_role(name), f"must be a table of settings; got {show(table)}")

        values: dict[str, Any] = {}
        for key, value in table.items():
            check = check_for(key)
            if check is None:
                _unknown_key(path, where_role(name), key, {**ROLE_CHECKS, **SSO_ROLE_CHECKS})
            try:
                values[key] = check(value)
            except Invalid as exc:
                _fail(path, where_role(name), f"{key} {exc.text}")
        if SSO_ROLE_CHECKS.keys() & values.keys():
            values = _sso_role(path, name, values, instances)
        if "role_arn" not in values:
            _fail(
                path,
                where_role(name),
                'role_arn is missing; every role needs role_arn = "arn:aws:iam::ACCOUNT:role/NAME"',
            )

        fields = {**group_defaults(base, groups, values.get("group", "")), **values}
        if "source_profile" in values and "source_keys" in values:
            _fail(
                path,
                where_role(name),
                "source_profile and source_keys are both set; a role is assumed either with a profile's "
                "credentials or with keys from the OS keyring, not both",
            )
        for own, inherited in (("source_profile", "source_keys"), ("source_keys", "source_profile")):
            if own in values:
                fields.pop(inherited, None)  # the role's own base replaces [defaults]' other kind
        if "sso" in values:
            fields["source_profile"] = None
            fields.pop("source_keys", None)
        source_role = values.get("source_role")
        if source_role is not None:
            for base_key, what in (
                ("source_profile", "a profile"),
                ("source_keys", "keys in the OS keyring"),
            ):
                if base_key in values:
                    _fail(
                        path,
                        where_role(name),
                        f"source_role and {base_key} are both set; a role is assumed either through "
                        f"another role or with {what}, not both",
                    )
            if source_role == name or source_role not in roles_table:
                others = [other for other in roles_table if other != name]
                hint = did_you_mean(source_role, others)
                _fail(
                    path,
                    where_role(name),
                    f"source_role {show(source_role)} must name another role in this file{hint}",
                )
            links[name] = source_role
            fields["source_profile"] = None
            fields.pop("source_keys", None)
            # STS caps chained sessions at 1 h; the engine caps a longer duration with a warning.
            duration = min(fields.get("duration", DEFAULT_DURATION), CHAINED_MAX_DURATION)
        else:
            duration = values.get("duration", base_duration)

        if "refresh_before" not in fields:  # a default never makes a valid role invalid
            fields["refresh_before"] = default_refresh_before(duration)
        refresh = fields["refresh_before"]
        if refresh >= duration:
            origin = "" if "refresh_before" in values else " (from [defaults])"
            _fail(
                path,
                where_role(name),
                f"refresh_before{origin} is {format_duration(refresh)}, but it must be less than "
                f"the role's duration of {format_duration(duration)}",
            )

        transitive = values.get("transitive_tag_keys")
        if transitive:
            tag_keys = {key.lower() for key in values.get("tags", ())}
            for key in transitive:
                if key.lower() not in tag_keys:
                    _fail(
                        path,
                        where_role(name),
                        f"transitive_tag_keys lists {show(key)}, which must also be a key in tags",
                    )

        if "profile" in values:
            profile: str = values["profile"]
        else:  # the role's name, checked as any profile is
            profile, problem = name, profile_name_problem(name)
            if problem:
                _fail(
                    path,
                    where_role(name),
                    f"profile defaults to the role name, but as a profile name {show(name)} {problem}; "
                    "set profile to another name",
                )
        if profile in profiles:
            _fail(
                path,
                where_role(name),
                f"profile {show(profile)} is already written by {where_role(profiles[profile])}; "
                "each role needs its own profile",
            )
        profiles[profile] = name
        if source_role is None and profile == fields.get("source_profile", base_source_profile):
            _fail(
                path,
                where_role(name),
                f"profile {show(profile)} is also its source_profile, so each session would overwrite "
                "the credentials it is assumed with; use another profile, or source_role to chain roles",
            )

        fields["profile"] = profile
        roles[name] = Role(name=name, **fields)

    _check_chains(links, path)
    _check_groups_used(groups, roles, path, discovered=bool(instances))
    return Config(
        path,
        roles,
        source_profile=base_source_profile,
        source_keys=base.get("source_keys"),
        mfa_serial=base.get("mfa_serial"),
        mfa_process=base.get("mfa_process"),
        region=base.get("region"),
        session_name=base["session_name"],
        console_policy=console_policy,
        sso=instances,
        color=base.get("color"),
        confirm=base.get("confirm", False),
        groups=groups,
        **({"console_duration": base["console_duration"]} if "console_duration" in base else {}),
        **({"console_open": base["console_open"]} if "console_open" in base else {}),
    )


def _sso_role(
    path: Path, name: str, values: dict[str, Any], instances: Mapping[str, SsoInstance]
) -> dict[str, Any]:
    """A role whose session comes from IAM Identity Center: `source_sso`, `account_id`, `sso_role_name`."""
    from stsui.domain.sso import DiscoveredRole

    for key in SSO_ROLE_CHECKS:
        if key not in values:
            _fail(
                path,
                where_role(name),
                f"{key} is missing; a role from IAM Identity Center needs "
                "source_sso, account_id and sso_role_name",
            )
    for key in SSO_ROLE_CONFLICTS:
        if key in values:
            _fail(
                path,
                where_role(name),
                f"{key} cannot be set for a role from IAM Identity Center "
                "(source_sso); its permission set decides",
            )
    instance = values.pop("source_sso")
    if instance not in instances:
        hint = did_you_mean(instance, instances)
        _fail(path, where_role(name), f"source_sso {show(instance)} must name an [sso.NAME] table{hint}")
    account, role_name = values.pop("account_id"), values.pop("sso_role_name")
    source = DiscoveredRole(instance, account, account, role_name, configured=True)
    return {**values, "role_arn": source.role_arn, "sso": source}


def where_sso(name: str) -> str:
    """`[sso.NAME]`, quoting NAME the way TOML needs it."""
    return _where("sso", name)


def _sso_instances(table: Any, path: Path, base: Mapping[str, Any]) -> dict[str, SsoInstance]:
    """The `[sso.NAME]` tables: IAM Identity Center instances (their roles renew as `[defaults]` says)."""
    from stsui.domain.sso import SsoInstance

    if not isinstance(table, dict):
        raise ConfigError(f"In {path}, sso must be a set of [sso.NAME] tables; got {show(table)}.")
    instances: dict[str, SsoInstance] = {}
    for name, settings in table.items():
        if ROLE_NAME.fullmatch(name) is None:
            raise ConfigError(f"In {path}, the Identity Center name {show(name)} must be {ROLE_NAME_RULE}.")
        values = _checked_table(path, where_sso(name), settings, SSO_CHECKS)
        for required, example in (("start_url", "https://my-org.awsapps.com/start"), ("region", "us-east-1")):
            if required not in values:
                _fail(path, where_sso(name), f'{required} is missing; add {required} = "{example}"')
        renewal = {key: base[key] for key in ("refresh_before", "auto_refresh") if key in base}
        instances[name] = SsoInstance(name=name, **values, **renewal)
    return instances


def where_group(name: str) -> str:
    """`[groups.NAME]`, quoting NAME the way TOML needs it."""
    return _where("groups", name)


def _groups(table: Any, path: Path) -> dict[str, dict[str, Any]]:
    """The `[groups.NAME]` tables: `color` and `confirm` for every role whose `group` is NAME."""
    if not isinstance(table, dict):
        raise ConfigError(f"In {path}, groups must be a set of [groups.NAME] tables; got {show(table)}.")
    groups: dict[str, dict[str, Any]] = {}
    for name, settings in table.items():
        try:
            ROLE_CHECKS["group"](name)
        except Invalid as exc:
            raise ConfigError(f"In {path}, the group name {show(name)} {exc.text}.") from None
        groups[name] = _checked_table(path, where_group(name), settings, GROUP_CHECKS)
    return groups


def _checked_table(
    path: Path, where: str, settings: Any, checks: Mapping[str, Callable[[Any], Any]]
) -> dict[str, Any]:
    """The values of the table `where` (`[sso.NAME]`, `[groups.NAME]`), each through its check."""
    if not isinstance(settings, dict):
        _fail(path, where, f"must be a table of settings; got {show(settings)}")
    values: dict[str, Any] = {}
    for key, value in settings.items():
        check = checks.get(key)
        if check is None:
            _unknown_key(path, where, key, checks)
        try:
            values[key] = check(value)
        except Invalid as exc:
            _fail(path, where, f"{key} {exc.text}")
    return values


def _check_groups_used(
    groups: Mapping[str, Any], roles: Mapping[str, Role], path: Path, *, discovered: bool
) -> None:
    """A `[groups.NAME]` table that no role's `group` names is a typo that would leave, say, production
    without its colour and confirmation: refused. With `[sso.NAME]` instances, the roles they find later
    (grouped `instance/account`) may be the ones it names."""
    if discovered or not groups:
        return
    used = {role.group for role in roles.values()}
    for name in groups:
        if name not in used:
            hint = did_you_mean(name, sorted(used - {""}))
            _fail(
                path,
                where_group(name),
                f"names a group no role is in{hint}; set group = {show(name)} in its roles, or remove it",
            )


def _defaults(table: Any, path: Path) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise ConfigError(f"In {path}, defaults must be a [defaults] table; got {show(table)}.")
    base: dict[str, Any] = {}
    for key, value in table.items():
        check = DEFAULT_CHECKS.get(key) or BASE_CHECKS.get(key)
        if check is None:
            if key in ROLE_CHECKS:
                _fail(path, "[defaults]", f"cannot set {key}; it belongs in each [roles.NAME] table")
            _unknown_key(path, "[defaults]", key, {**DEFAULT_CHECKS, **BASE_CHECKS})
        try:
            base[key] = check(value)
        except Invalid as exc:
            _fail(path, "[defaults]", f"{key} {exc.text}")
    if "source_profile" in base and "source_keys" in base:
        _fail(
            path,
            "[defaults]",
            "sets both source_profile and source_keys; the base identity is either a profile's "
            "credentials or keys from the OS keyring, not both",
        )
    refresh = base.get("refresh_before")
    duration = base.get("duration", DEFAULT_DURATION)
    if refresh is not None and "duration" in base and refresh >= duration:
        _fail(
            path,
            "[defaults]",
            f"refresh_before is {format_duration(refresh)}, but it must be less than "
            f"the duration of {format_duration(duration)}",
        )
    base.setdefault("session_name", default_session_name())
    return base


def _check_chains(links: Mapping[str, str], path: Path) -> None:
    """Reject source_role loops, naming the loop (`a -> b -> a`); `links` maps role -> source_role."""
    settled: set[str] = set()
    for start in links:
        trail: list[str] = []
        seen: set[str] = set()
        name: str | None = start
        while name is not None and name not in settled:
            if name in seen:
                loop = [*trail[trail.index(name) :], name]
                _fail(
                    path,
                    where_role(name),
                    f"source_role makes a loop ({' -> '.join(loop)}); "
                    "one role of the chain must use source_profile instead",
                )
            seen.add(name)
            trail.append(name)
            name = links.get(name)
        settled.update(trail)
