"""evalkit's module import graph has no cycle and no import runs upward against the layering.

The graph is read from the source (ast), so it sees every import that can run: module-level,
class-level and function-level ones, both branches of an `if`/`try`; only the body of an
`if TYPE_CHECKING:` block is left out (a type alone never runs). Importing `a.b.c` also runs
`a/__init__.py` and `a/b/__init__.py`, so those packages are edges too (except the importer's
own packages). A function-level import therefore cannot hide a cycle: it is in the graph.

The layering is ARCHITECTURE.md's, `spec, stats <- llm <- conversation <- judging <- verdicts <-
run <- history <- plugin / report / cli`, with the modules that sit beside it placed in `TIERS`.
A module may import its own package and anything in a lower tier, never a higher tier nor a
sibling package of its own tier.

Function-level imports of third-party packages are allowed only for the heavy or optional ones
named in `LAZY` (with the reason); others belong at the top of the module. Imports of
evalkit's own modules inside functions are allowed for laziness (the pytest plugin must not
load the engine before a suite is collected), but never to break a cycle: the cycle test
would see it.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "evalkit"

# Lowest first. Each entry is a tier: evalkit's top-level modules and packages that sit side by side.
TIERS: list[set[str]] = [
    {"_version", "registry", "security", "options"},  # stdlib-only helpers every layer may use
    {"limit_options"},  # the per-endpoint rows of the option table
    {"spec", "stats"},
    {"llm"},
    {"conversation", "testing"},  # testing: the fake model server, built on llm only
    {"judging"},
    {"verdicts"},
    {"run"},
    {"history", "labels"},  # both read finished runs
    {"report"},
    {"plugin"},  # the pytest host writes reports and records history
    {
        "calibration",
        "rejudge",
        "demo",
    },  # run through the plugin's fake endpoint (calibrate, rejudge, the packaged demo)
    {"cli", "pytest_plugin", "data", ""},  # entry points, the data generators, and evalkit/__init__ ("")
]

# Upward imports that exist and are owed a move (source module, target module): why, and the fix.
# An entry that no longer matches an import fails `test_known_upward_imports_still_exist`: delete it then.
KNOWN_UPWARD: dict[tuple[str, str], str] = {}

# Third-party modules a function may import lazily, and why.
LAZY: dict[str, str] = {
    "pandas": "heavy (~0.5 s); only data-frame exports need it",
    "ray": "optional extra (evalkit[ray]); ~1 s to import",
    "matplotlib": "optional extra (evalkit[plot])",
    "rich": "only the terminal's live view and CLI tables need it; pytest startup stays light",
    "xdist": "pytest-xdist is optional",
    "pytest": "the CLI must start without importing pytest",
    "_pytest": "pytest internals, read only when pytest is running",
    "openai": "provider SDK (~0.8 s); imported when a model of that provider is first used",
    "anthropic": "provider SDK (~0.8 s); imported when a model of that provider is first used",
    "sqlalchemy": "the history database; only when a run is recorded or read",
    "alembic": "history migrations; only when the database is upgraded",
}


@dataclass(frozen=True)
class Import:
    source: str  # importing module
    target: str  # imported evalkit module or package
    line: int
    in_function: bool

    def where(self, root: Path) -> str:
        return f"{self.source} -> {self.target} ({_path(root, self.source)}:{self.line}{', in a function' if self.in_function else ''})"


def _path(root: Path, module: str) -> str:
    parts = module.split(".")[1:]
    path = root.joinpath(*parts)
    file = (path / "__init__.py") if path.is_dir() else path.with_suffix(".py")
    return str(file.relative_to(root.parent))


def modules_of(root: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every .py file of the package at `root`."""
    found = {}
    for path in root.rglob("*.py"):
        parts = [root.name, *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _statements(node: ast.AST, in_function: bool = False) -> Iterator[tuple[ast.stmt, bool]]:
    """Every import statement that can run, with whether it runs inside a function."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _type_checking(child.test):
            for stmt in child.orelse:
                yield from _statements(ast.Module(body=[stmt], type_ignores=[]), in_function)
            continue
        if isinstance(child, ast.Import | ast.ImportFrom):
            yield child, in_function
        yield from _statements(
            child, in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        )


def _absolute(stmt: ast.ImportFrom, module: str, is_package: bool) -> str:
    if not stmt.level:
        return stmt.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - stmt.level + 1]
    return ".".join(base + ([stmt.module] if stmt.module else []))


def raw_imports(module: str, path: Path) -> Iterator[tuple[str, int, bool]]:
    """(imported module, line, in a function) for every import in the file, names resolved to modules."""
    tree = ast.parse(path.read_text(), str(path))
    for stmt, in_function in _statements(tree):
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                yield alias.name, stmt.lineno, in_function
        else:
            base = _absolute(stmt, module, path.name == "__init__.py")
            for alias in stmt.names:
                yield f"{base}.{alias.name}", stmt.lineno, in_function  # a submodule, or a name in `base`
                yield base, stmt.lineno, in_function


def import_graph(root: Path) -> dict[str, list[Import]]:
    """Edges between the package's own modules (including the packages each import runs)."""
    modules = modules_of(root)
    graph: dict[str, list[Import]] = {}
    for module, path in modules.items():
        own = {".".join(module.split(".")[:i]) for i in range(1, module.count(".") + 2)}
        edges: dict[str, Import] = {}
        for target, line, in_function in raw_imports(module, path):
            parts = target.split(".")
            for i in range(2, len(parts) + 1):
                name = ".".join(parts[:i])
                if name in modules and name not in own and name not in edges:
                    edges[name] = Import(module, name, line, in_function)
        graph[module] = list(edges.values())
    return graph


def cycles(graph: dict[str, list[Import]]) -> list[list[Import]]:
    """One cycle (as its edges) per strongly connected component of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[Import]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for edge in graph.get(v, []):
            w = edge.target
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(_one_cycle(graph, component))

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10_000))
    try:
        for v in sorted(graph):
            if v not in index:
                visit(v)
    finally:
        sys.setrecursionlimit(limit)
    return found


def _one_cycle(graph: dict[str, list[Import]], component: set[str]) -> list[Import]:
    """A shortest cycle through the component's first module, as edges (breadth-first)."""
    start = min(component)
    previous: dict[str, Import] = {}
    queue = [start]
    while queue:
        v = queue.pop(0)
        for edge in graph[v]:
            if edge.target not in component:
                continue
            if edge.target == start:
                path = [edge]
                while path[0].source != start:
                    path.insert(0, previous[path[0].source])
                return path
            if edge.target not in previous:
                previous[edge.target] = edge
                queue.append(edge.target)
    raise AssertionError(f"no cycle through {start}")  # a strongly connected component always has one


def layer_of(module: str) -> str:
    """The top-level module or package a module belongs to ("" for evalkit/__init__ itself)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def tier_of(layer: str) -> int | None:
    return next((i for i, tier in enumerate(TIERS) if layer in tier), None)


def upward(graph: dict[str, list[Import]]) -> list[Import]:
    """Imports into a higher tier, or into a sibling package of the same tier."""
    bad = []
    for edges in graph.values():
        for edge in edges:
            src, dst = layer_of(edge.source), layer_of(edge.target)
            if src == dst:
                continue
            a, b = tier_of(src), tier_of(dst)
            if a is not None and b is not None and b >= a and (edge.source, edge.target) not in KNOWN_UPWARD:
                bad.append(edge)
    return bad


# ------------------------------------------------------------------ evalkit itself


@pytest.fixture(scope="module")
def graph() -> dict[str, list[Import]]:
    return import_graph(PACKAGE)


def test_no_import_cycle(graph):
    found = cycles(graph)
    text = "\n\n".join("\n".join(e.where(PACKAGE) for e in cycle) for cycle in found)
    assert not found, f"import cycles in evalkit (a function-level import does not break one):\n{text}"


def test_no_import_runs_upward(graph):
    bad = upward(graph)
    text = "\n".join(e.where(PACKAGE) for e in bad)
    assert not bad, f"imports against the layering (TIERS in this file, ARCHITECTURE.md):\n{text}"


def test_known_upward_imports_still_exist(graph):
    present = {(e.source, e.target) for edges in graph.values() for e in edges}
    stale = sorted(set(KNOWN_UPWARD) - present)
    assert not stale, f"KNOWN_UPWARD entries no longer needed (delete them): {stale}"


def test_every_layer_has_a_tier(graph):
    unplaced = sorted({layer_of(m) for m in graph} - set().union(*TIERS))
    assert not unplaced, f"new top-level evalkit modules {unplaced}: add each to TIERS where it sits in the layering"


def test_function_level_third_party_imports_are_only_the_lazy_ones():
    unexplained = []
    for module, path in modules_of(PACKAGE).items():
        for target, line, in_function in raw_imports(module, path):
            top = target.split(".")[0]
            if in_function and top not in ("evalkit", "") and top not in sys.stdlib_module_names and top not in LAZY:
                unexplained.append(f"{_path(PACKAGE, module)}:{line}: {top}")
    assert not unexplained, (
        "function-level imports of light third-party modules (import them at the top, or add the module to LAZY "
        "with the reason):\n" + "\n".join(sorted(set(unexplained)))
    )


# ------------------------------------------------------------------ the checker itself


def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "pkg"
    for name, text in {"__init__.py": "", **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_a_cycle_through_a_function_level_import_is_found(tmp_path):
    root = _package(
        tmp_path,
        {
            "a.py": "from pkg.b import thing\n",
            "b.py": "def thing():\n    from pkg import a\n    return a\n",
        },
    )
    (cycle,) = cycles(import_graph(root))
    assert {(e.source, e.target, e.in_function) for e in cycle} == {("pkg.a", "pkg.b", False), ("pkg.b", "pkg.a", True)}


def test_type_checking_imports_are_not_edges_but_their_else_branch_is(tmp_path):
    root = _package(
        tmp_path,
        {
            "a.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.b import B\nelse:\n    import pkg.c\n",
            "b.py": "import pkg.a\n",
            "c.py": "",
        },
    )
    graph = import_graph(root)
    assert [e.target for e in graph["pkg.a"]] == ["pkg.c"]
    assert not cycles(graph)


def test_relative_imports_and_the_packages_an_import_runs_are_edges(tmp_path):
    root = _package(
        tmp_path,
        {
            "sub/__init__.py": "from .inner import x\n",
            "sub/inner.py": "from ..top import y\nx = 1\n",
            "top.py": "from pkg.sub.inner import x\ny = 2\n",
        },
    )
    graph = import_graph(root)
    assert {e.target for e in graph["pkg.top"]} == {"pkg.sub", "pkg.sub.inner"}  # pkg.sub's __init__ runs first
    assert {e.target for e in graph["pkg.sub.inner"]} == {"pkg.top"}
    assert cycles(graph)  # top -> sub.inner -> top


def test_an_upward_import_is_reported():
    graph = {
        "evalkit.llm.x": [Import("evalkit.llm.x", "evalkit.run.plan", 3, True)],
        "evalkit.run.plan": [Import("evalkit.run.plan", "evalkit.llm.x", 1, False)],
        "evalkit.spec.y": [Import("evalkit.spec.y", "evalkit.stats.z", 2, False)],
    }
    assert [(e.source, e.target) for e in upward(graph)] == [
        ("evalkit.llm.x", "evalkit.run.plan"),
        ("evalkit.spec.y", "evalkit.stats.z"),
    ]
