"""How the roles cache keeps a role: as a record of only the fields that differ from the header's common
values and `Role`'s defaults, and the roles file's own settings as plain data (`stsui.store.roles_cache`
holds the file around them). The dataclasses behind them are imported when first needed, so finding a
record does not import them."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

    from stsui.domain.model import Config, Role

_PLAIN = (str, int, bool, type(None))
"""The values a field may share through the header's `common` values (JSON keeps them as they are)."""


class Schema:
    """What records are made of: `Role`'s and `Config`'s fields (worked out when first needed, so finding a
    record does not import the dataclasses behind them)."""

    def __init__(self) -> None:
        import dataclasses

        from stsui.domain.model import Config, Role

        fields = dataclasses.fields(Role)
        self.role_class = Role
        self.tuple_fields = tuple(f.name for f in fields if isinstance(f.default, tuple))
        self.defaults: dict[str, Any] = {}
        for f in fields:
            if f.default is not dataclasses.MISSING:
                self.defaults[f.name] = f.default
            elif callable(f.default_factory):
                self.defaults[f.name] = f.default_factory()
        self.plain = tuple(
            name for name, value in self.defaults.items() if isinstance(value, _PLAIN) and name != "sso"
        )
        """The fields whose most common value the header keeps (never `sso`: each role has its own)."""
        self.config_fields = tuple(
            f.name for f in dataclasses.fields(Config) if f.name not in ("path", "roles")
        )
        """The roles file's own settings (from [defaults]), kept beside the roles."""
        self.field_names = frozenset(f.name for f in fields)
        self.required = self.field_names - self.defaults.keys()

    def common(self, roles: Sequence[Role]) -> dict[str, Any]:
        """For each plain field, the value most of `roles` have (`Role`'s default when none is shared)."""
        from collections import Counter
        from operator import attrgetter

        common = {}
        for name in self.plain:
            found = Counter(map(attrgetter(name), roles)).most_common(1)
            shared = found and found[0][1] > 1 and type(found[0][0]) in _PLAIN
            common[name] = found[0][0] if shared else self.defaults[name]
        return common

    def base(self, common: dict[str, Any]) -> dict[str, Any]:
        """Every field's value for a record that does not mention it: `common`'s, else `Role`'s default."""
        if set(common) != set(self.plain) or not all(type(value) in _PLAIN for value in common.values()):
            raise ValueError("other common values")
        return {**self.defaults, **common}

    def role(self, data: dict[str, Any], base: dict[str, Any]) -> Role:
        """`from_record`, with everything it looks up at hand (100,000 calls when every role is listed)."""
        if not self.field_names.issuperset(data) or not self.required.issubset(data):
            raise ValueError("not a role record")
        for name in self.tuple_fields:
            if name in data:
                data[name] = tuple(data[name])
        sso = data.get("sso")
        if sso is not None:
            from stsui.domain.sso import DiscoveredRole

            data["sso"] = DiscoveredRole(**sso)
        values = {**base, **data}
        if "tags" not in data:
            values["tags"] = {}  # never share the default's dict
        role = object.__new__(self.role_class)
        object.__setattr__(role, "__dict__", values)
        return role


_schema: Schema | None = None


def schema() -> Schema:
    global _schema
    if _schema is None:
        _schema = Schema()
    return _schema


def record(role: Role, base: dict[str, Any]) -> dict[str, Any]:
    """The role's fields that differ from `base` (`_Schema.base`: the common values and `Role`'s defaults;
    tuples become JSON arrays, an Identity Center role's `sso` an object)."""
    import dataclasses

    missing = object()
    out = {name: value for name, value in role.__dict__.items() if base.get(name, missing) != value}
    if role.sso is not None:
        out["sso"] = dataclasses.asdict(role.sso)
    return out


def settings_of(config: Config) -> dict[str, Any]:
    """The roles file's own settings as plain data (its `[sso.NAME]` instances as objects)."""
    import dataclasses

    settings = {name: getattr(config, name) for name in schema().config_fields}
    settings["sso"] = {name: dataclasses.asdict(instance) for name, instance in config.sso.items()}
    return settings


def settings_from(data: Any) -> dict[str, Any]:
    """`settings_of`' data as `Config` takes it (ValueError, TypeError or KeyError when it is not that)."""
    if not isinstance(data, dict) or set(data) != set(schema().config_fields):
        raise ValueError("other settings")
    if not data["sso"]:
        return {**data, "sso": {}}
    from stsui.domain.sso import SsoInstance

    instances = {
        name: SsoInstance(**{**fields, "scopes": tuple(fields["scopes"])})
        for name, fields in data["sso"].items()
    }
    return {**data, "sso": instances}
