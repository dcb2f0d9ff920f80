"""`--json` lists (`list`, `refresh`): one object per line, exactly as encoding each object alone would write
it, though the objects are encoded many at a time and their lines broken afterwards."""

from __future__ import annotations

import contextlib
import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stsui.cli import shared

text = st.text(alphabet=st.sampled_from('}{", :\\\n\tab\u00e9\u2028\U0001f600'), max_size=12)
flat_values = st.one_of(st.none(), st.booleans(), st.integers(), text)
flat_objects = st.dictionaries(text, flat_values, min_size=1, max_size=5)


def printed(objects: list[dict[str, object]]) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        shared.print_objects(objects)
    return out.getvalue()


@settings(max_examples=120, deadline=None)
@given(objects=st.lists(flat_objects, max_size=30), at_once=st.integers(min_value=1, max_value=4))
def test_each_object_is_one_line_as_json_dumps_writes_it(
    objects: list[dict[str, object]], at_once: int
) -> None:
    """Keys and values full of braces, quotes, commas and line separators never break a line, in any
    batch size."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(shared, "ROWS_AT_ONCE", at_once)
        out = printed(objects)
    expected = "[\n  " + ",\n  ".join(map(json.dumps, objects)) + "\n]\n" if objects else "[]\n"
    assert out == expected


@settings(max_examples=40, deadline=None)
@given(
    objects=st.lists(
        st.dictionaries(
            text,
            st.recursive(
                flat_values, lambda inner: st.lists(inner) | st.dictionaries(text, inner), max_leaves=6
            ),
            max_size=4,
        ),
        max_size=10,
    )
)
def test_objects_holding_objects_are_still_the_same_json(
    objects: list[dict[str, object]],
) -> None:
    assert json.loads(printed(objects)) == objects


def test_text_that_looks_like_a_row_break_stays_inside_its_string() -> None:
    """An account name from Identity Center (hostile input) holding `}, {"` is not split: it once broke the
    line inside the string, leaving JSON no reader takes."""
    objects: list[dict[str, object]] = [{"}, {": None}, {"account_name": 'x}, {"name": "prod"'}, {"a": 1}]
    out = printed(objects)
    assert json.loads(out) == objects
    assert out.splitlines()[1:-1] == [f"  {json.dumps(o)}," for o in objects[:-1]] + [
        f"  {json.dumps(objects[-1])}"
    ]
