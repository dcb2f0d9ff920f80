"""No import cycle anywhere in stsui: every module, every import (top-level, inside functions, under
TYPE_CHECKING), as grimp reads them from the source.

A cycle means a module can run half-initialised depending on which side is imported first, and that two
modules cannot change apart; the import-linter contracts in pyproject.toml keep the layers apart, this keeps
the modules inside a layer apart too. A shared helper goes into a module of its own that both sides import.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import grimp
import pytest


def import_cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Each cycle once, as a path `a, b, …, a` along direct imports, shortest first, in a stable order."""
    cycles: dict[frozenset[str], list[str]] = {}
    for importer in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            back = graph.find_shortest_chain(imported, importer)
            if back is not None:
                cycles.setdefault(frozenset(back), [importer, *back])
    return sorted(cycles.values(), key=lambda path: (len(path), path))


def describe(graph: grimp.ImportGraph, cycle: list[str]) -> str:
    """`a -> b (line 3 of a) -> a (line 9 of b)`: where each hop is written."""
    hops = [cycle[0]]
    for importer, imported in itertools.pairwise(cycle):
        details = graph.get_import_details(importer=importer, imported=imported)
        hops.append(f"{imported} (line {min(d['line_number'] for d in details)} of {importer})")
    return " -> ".join(hops)


def test_stsui_has_no_import_cycle() -> None:
    graph = grimp.build_graph("stsui", cache_dir=None)
    cycles = [describe(graph, cycle) for cycle in import_cycles(graph)]
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_a_cycle_closed_by_a_lazy_import_is_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The check itself, on a package on disk: an import inside a function, or under TYPE_CHECKING, closing
    a loop of modules counts; a module that only imports into the loop is not part of it."""
    package = tmp_path / "loop"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from loop import b\n")
    (package / "b.py").write_text("def f():\n    from loop import c\n")
    (package / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from loop import a\n"
    )
    (package / "d.py").write_text("import loop.a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    graph = grimp.build_graph("loop", cache_dir=None)
    assert import_cycles(graph) == [["loop.a", "loop.b", "loop.c", "loop.a"]]
    assert describe(graph, import_cycles(graph)[0]) == (
        "loop.a -> loop.b (line 1 of loop.a) -> loop.c (line 2 of loop.b) -> loop.a (line 3 of loop.c)"
    )
