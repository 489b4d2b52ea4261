"""The version is written once (evalkit/_version.py) and every reader agrees with it."""

from __future__ import annotations

import ast
import importlib.metadata
import tomllib
from pathlib import Path

import evalkit
from evalkit import _version

ROOT = Path(__file__).resolve().parents[1]


def test_every_reader_sees_the_one_version():
    assert evalkit.__version__ == _version.__version__
    assert importlib.metadata.version("evalkit") == _version.__version__  # pyproject reads the same attribute


def test_pyproject_takes_the_version_from_the_module():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "evalkit._version.__version__"}


def test_no_other_module_assigns_a_version():
    assigned = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "evalkit").rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__version__" for t in node.targets)
    ]
    assert assigned == ["evalkit/_version.py"]
