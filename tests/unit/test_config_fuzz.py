"""Whatever the roles file holds, loading it gives a Config or a ConfigError, never another exception."""

from __future__ import annotations

import contextlib
import string
import tempfile
from datetime import UTC
from pathlib import Path
from typing import Any

import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stsui.config.load import load_config, parse_config
from stsui.config.schema import DEFAULT_CHECKS, ROLE_CHECKS
from stsui.config.starter import STARTER_CONFIG
from stsui.domain.errors import ConfigError
from stsui.domain.model import Config

FUZZ = settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
PATH = Path("/fuzz/roles.toml")

scalars = st.one_of(
    st.text(max_size=30),
    st.integers(),
    st.integers(min_value=-10, max_value=200_000),
    st.floats(),
    st.booleans(),
    st.datetimes(timezones=st.just(UTC)) | st.datetimes() | st.dates() | st.times(),
    st.sampled_from(
        [
            "arn:aws:iam::123456789012:role/Admin",
            "arn:aws:iam::aws:policy/ReadOnlyAccess",
            "arn:aws:iam::111111111111:mfa/alice",
            "1h",
            "15m",
            "1h30m",
            "12h",
            "90s",
            "0",
            "1d",
            "us-east-1",
            "default",
            "DEFAULT",
            "a[b",
            "aws:x",
            '{"Version":"2012-10-17","Statement":[]}',
            "[" * 40,
        ]
    ),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
role_keys = st.sampled_from(sorted(ROLE_CHECKS)) | st.text(max_size=12)
role_names = st.sampled_from(["a", "b", "c", "prod", "Prod", "DEFAULT", "default"]) | st.text(max_size=70)


@st.composite
def role_tables(draw: st.DrawFn, names: list[str]) -> dict[str, Any]:
    table: dict[str, Any] = draw(st.dictionaries(role_keys, values, max_size=8))
    if draw(st.booleans()):
        table["role_arn"] = "arn:aws:iam::123456789012:role/Admin"
    if names and draw(st.booleans()):
        table["source_role"] = draw(st.sampled_from(names))
    return table


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    names = draw(st.lists(role_names, max_size=6, unique=True))
    roles = {name: draw(role_tables(names)) for name in names}
    document: dict[str, Any] = {}
    if draw(st.booleans()):
        document["defaults"] = draw(
            st.dictionaries(st.sampled_from(sorted(DEFAULT_CHECKS)) | st.text(max_size=8), values, max_size=5)
        )
    document["roles"] = draw(st.one_of(st.just(roles), values)) if draw(st.booleans()) else roles
    if draw(st.integers(0, 9)) == 0:
        document[draw(st.text(max_size=8))] = draw(values)
    return document


def check(text: str) -> None:
    try:
        config = parse_config(text, PATH)
    except ConfigError as exc:
        assert str(exc).endswith(".")
        return
    assert isinstance(config, Config)
    profiles = [role.profile for role in config.roles.values()]
    assert len(profiles) == len(set(profiles))
    for role in config.roles.values():
        assert 900 <= role.duration <= (3600 if role.chained else 43200)
        assert 0 < role.refresh_before < role.duration
        assert role.source_role is None or role.source_profile is None


@FUZZ
@given(documents())
def test_random_documents(document: dict[str, Any]) -> None:
    check(tomli_w.dumps(document))


@FUZZ
@given(st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from(list("[]=\"'.\n#{}, ")), max_size=200))
def test_random_text(text: str) -> None:
    check(text)


@FUZZ
@given(st.data())
def test_mutated_starter(data: st.DataObject) -> None:
    text = STARTER_CONFIG
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(text)))
        cut = data.draw(st.integers(0, 5))
        insert = data.draw(st.text(alphabet=string.printable, max_size=4))
        text = text[:at] + insert + text[at + cut :]
    check(text)


@FUZZ
@given(
    st.binary(max_size=200) | st.text(max_size=100).map(lambda text: text.encode("utf-8", "surrogatepass"))
)
def test_random_bytes_from_a_file(raw: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "roles.toml"
        path.write_bytes(raw)
        with contextlib.suppress(ConfigError):
            load_config(path)
