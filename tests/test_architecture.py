"""The import graph has no cycle between any two modules, function-level imports included.

``lint-imports`` (pyproject's contracts) keeps the layers and, inside each domain, the modules
acyclic; this test closes the rest: a cycle through two domains, or one hidden by a deferred
import, fails here with the modules named."""

from __future__ import annotations

import grimp


def _cycles(graph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_module_imports_itself_back():
    graph = grimp.build_graph("workflow", "tasks", exclude_type_checking_imports=True)
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle():
    graph = grimp.ImportGraph()
    for name in ("a", "a.b", "a.c", "a.d"):
        graph.add_module(name)
    graph.add_import(importer="a.b", imported="a.c")
    graph.add_import(importer="a.c", imported="a.b")
    graph.add_import(importer="a.d", imported="a.b")
    assert _cycles(graph) == [["a.b", "a.c"]]


def test_the_readme_diagram_is_the_contracts():
    """The README's Architecture diagram labels its arrows with the import-linter contracts: every
    layer contract of pyproject is drawn, and nothing else is claimed."""
    import re
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    contracts = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]["contracts"]
    readme = (root / "README.md").read_text(encoding="utf-8")
    diagram = readme.split("<!-- architecture:start -->", 1)[1].split("<!-- architecture:end -->", 1)[0]
    drawn = set(re.findall(r'\|"([^"]+)"\|', diagram))
    layered = {c["name"] for c in contracts if c["type"] != "acyclic_siblings"}
    assert drawn == layered
    for contract in contracts:
        assert contract["name"] in readme


def test_only_the_proposals_service_writes_a_proposal_row():
    """``transition`` is the one writer of a state change; ``create_proposal`` (a draft) and
    ``receive_imported`` (a dossier package) the documented creators — all in proposals.services.
    No other module builds a Proposal or updates its table."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    writers = []
    for path in sorted((root / "workflow").rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("update", "insert")
                    and node.args and isinstance(node.args[0], ast.Name) and node.args[0].id == "Proposal") or (
                    isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Proposal"):
                writers.append(str(path.relative_to(root)))
    assert set(writers) == {"workflow/proposals/services.py"}
