"""Every third-party module evalkit imports is declared in pyproject.toml (#15 item 12).

A package imported but not declared works only while something else happens to pull it in
(numpy through pandas, MarkupSafe through jinja2), until a release of that something drops it.
The imports are read from the source (ast), each top-level name is mapped to its distribution
(`importlib.metadata.packages_distributions()`), and each distribution must be a core dependency,
or belong to an optional extra and be imported lazily (inside a function, or in a `try` that
catches ImportError), so the core install still imports. An import in an `except ImportError`
handler is a fallback for the one its `try` attempts and is not required. A declared core
dependency that evalkit never imports is reported too: it is dead weight on every install.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "evalkit"
IMPORT_ERRORS = {"ImportError", "ModuleNotFoundError"}


@dataclass(frozen=True)
class ThirdPartyImport:
    file: Path
    line: int
    module: str  # top-level import name, e.g. "yaml"
    lazy: bool  # inside a function, or guarded by `except ImportError`


@dataclass(frozen=True)
class Declared:
    core: frozenset[str]  # normalized distribution names
    extras: Mapping[str, frozenset[str]]  # extra -> normalized distribution names


def normalize(name: str) -> str:
    """PEP 503: `PyYAML`, `pydantic_core` and `Pydantic.Core` name one distribution."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str:
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    assert match, f"unreadable requirement {requirement!r}"
    return normalize(match[1])


def declared(pyproject: Path) -> Declared:
    project = tomllib.loads(pyproject.read_text())["project"]
    extras = {
        name: frozenset(map(requirement_name, reqs)) for name, reqs in project.get("optional-dependencies", {}).items()
    }
    return Declared(frozenset(map(requirement_name, project["dependencies"])), extras)


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    names = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(isinstance(n, ast.Name) and n.id in IMPORT_ERRORS for n in names)


def _type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(node: ast.AST, lazy: bool) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
    """Every import that can run, with whether it is lazy; fallbacks in `except ImportError` are left out."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _type_checking(child.test):
            for stmt in child.orelse:
                yield from _imports(stmt, lazy)
            continue
        if isinstance(child, ast.Try | ast.TryStar):
            guarded = any(_catches_import_error(h) for h in child.handlers)
            for stmt in [*child.body, *child.orelse, *child.finalbody]:
                yield from _imports(ast.Module(body=[stmt], type_ignores=[]), lazy or guarded)
            for handler in child.handlers:
                if not _catches_import_error(handler):
                    yield from _imports(handler, lazy)
            continue
        if isinstance(child, ast.Import | ast.ImportFrom):
            yield child, lazy
        yield from _imports(child, lazy or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda))


def third_party_imports(package: Path) -> Iterator[ThirdPartyImport]:
    own = package.name
    for path in sorted(package.rglob("*.py")):
        for stmt, lazy in _imports(ast.parse(path.read_text(), str(path)), lazy=False):
            if isinstance(stmt, ast.ImportFrom):
                names = [] if stmt.level else [stmt.module or ""]
            else:
                names = [alias.name for alias in stmt.names]
            for name in names:
                top = name.split(".")[0]
                if top and top != own and top not in sys.stdlib_module_names:
                    yield ThirdPartyImport(path, stmt.lineno, top, lazy)


def problems(package: Path, wanted: Declared, distributions: Mapping[str, list[str]]) -> list[str]:
    """One line per import that is not declared as it is used, and per core dependency nobody imports."""
    found: list[str] = []
    in_extras = {dist: extra for extra, dists in wanted.extras.items() for dist in dists}
    imported: set[str] = set()
    for imp in third_party_imports(package):
        dists = {normalize(d) for d in distributions.get(imp.module, [imp.module])}  # not installed: same name
        imported |= dists
        where = f"{imp.file.relative_to(package.parent)}:{imp.line}: import {imp.module}"
        if dists & wanted.core:
            continue
        extra = next((in_extras[d] for d in sorted(dists) if d in in_extras), None)
        if extra is None:
            found.append(
                f"{where}: distribution {'/'.join(sorted(dists))} is not declared in pyproject.toml "
                "(add it to [project] dependencies with the reason)"
            )
        elif not imp.lazy:
            found.append(
                f"{where}: {'/'.join(sorted(dists))} is only in the optional extra [{extra}], so a core "
                "install fails here; import it inside the function that needs it"
            )
    for dist in sorted(wanted.core - imported):
        found.append(
            f"pyproject.toml: core dependency {dist} is never imported by {package.name}/ (drop it, or say "
            "why it is needed)"
        )
    return found


# ------------------------------------------------------------------ evalkit itself


def test_every_third_party_import_of_evalkit_is_declared() -> None:
    found = problems(PACKAGE, declared(ROOT / "pyproject.toml"), packages_distributions())
    assert not found, "evalkit's imports and pyproject.toml disagree:\n" + "\n".join(found)


def test_the_directly_imported_libraries_of_issue_15_are_core_dependencies() -> None:
    """numpy (stats), MarkupSafe (report) and httpx2 (capture proxy) are imported at module level by core paths."""
    core = declared(ROOT / "pyproject.toml").core
    assert {"numpy", "markupsafe", "httpx2"} <= core


# ------------------------------------------------------------------ the checker itself


def _package(tmp_path: Path, source: str) -> Path:
    root = tmp_path / "pkg"
    root.mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / "mod.py").write_text(source)
    return root


MAPPING = {"yaml": ["PyYAML"], "undeclared": ["undeclared-dist"], "heavy": ["heavy"], "core_mod": ["core-mod"]}


def test_an_undeclared_import_is_named_with_its_file_and_line(tmp_path: Path) -> None:
    root = _package(tmp_path, "import os\nimport yaml\nfrom undeclared.sub import thing\n")
    found = problems(root, Declared(frozenset({"pyyaml"}), {}), MAPPING)
    assert found == [
        "pkg/mod.py:3: import undeclared: distribution undeclared-dist is not declared in pyproject.toml "
        "(add it to [project] dependencies with the reason)"
    ]


def test_an_extra_imported_at_module_level_is_reported_and_lazily_is_not(tmp_path: Path) -> None:
    wanted = Declared(frozenset({"pyyaml"}), {"big": frozenset({"heavy"})})
    eager = _package(tmp_path / "a", "import yaml\nimport heavy\n")
    assert [p.split(": ", 1)[0] for p in problems(eager, wanted, MAPPING)] == ["pkg/mod.py:2"]
    lazy = _package(
        tmp_path / "b",
        "import yaml\ndef f():\n    import heavy\ntry:\n    import heavy.x\nexcept ImportError:\n    heavy = None\n",
    )
    assert problems(lazy, wanted, MAPPING) == []


def test_fallbacks_and_type_checking_imports_are_not_requirements(tmp_path: Path) -> None:
    root = _package(
        tmp_path,
        "from typing import TYPE_CHECKING\nimport yaml\nif TYPE_CHECKING:\n    import undeclared\n"
        "try:\n    import core_mod\nexcept ModuleNotFoundError:\n    import undeclared\n",
    )
    assert problems(root, Declared(frozenset({"pyyaml", "core-mod"}), {}), MAPPING) == []


def test_a_core_dependency_nobody_imports_is_reported(tmp_path: Path) -> None:
    root = _package(tmp_path, "import yaml\n")
    assert problems(root, Declared(frozenset({"pyyaml", "core-mod"}), {}), MAPPING) == [
        "pyproject.toml: core dependency core-mod is never imported by pkg/ (drop it, or say why it is needed)"
    ]


def test_requirement_names_are_normalized() -> None:
    assert [
        requirement_name(r)
        for r in ("PyYAML>=6.0", "psycopg[binary]>=3.1", "pydantic_core", "Foo.Bar ; python_version>'3'")
    ] == ["pyyaml", "psycopg", "pydantic-core", "foo-bar"]
