"""No import circle anywhere in hub/: every module's imports, also those inside functions, form a DAG.

A circle is how "orders", "dispatch" and "timers" became one tangle (8 modules before issue 9); this test
names the modules of any circle that comes back, with one path round it."""

from __future__ import annotations

import sys

import grimp


def circles(package: str) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    graph = grimp.build_graph(package, include_external_packages=False)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.find_modules_directly_imported_by(v):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10_000))
    try:
        for module in sorted(graph.modules):
            if module not in index:
                visit(module)
    finally:
        sys.setrecursionlimit(limit)
    return found


def test_hub_has_no_import_circle() -> None:
    assert circles("hub") == []


def test_the_check_finds_a_circle(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    pkg = tmp_path / "circly"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("def f():\n    from circly import b  # a late import is still an import\n")
    (pkg / "b.py").write_text("from circly import c\n")
    (pkg / "c.py").write_text("import circly.a\n")
    (pkg / "d.py").write_text("from circly import a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert circles("circly") == [["circly.a", "circly.b", "circly.c"]]
