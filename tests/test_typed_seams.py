"""The seams between layers are typed: the model hub as `ModelSource`, a run's work as a typed `WorkItem`."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

from evalkit.llm import ModelHub, ModelSource, OwnedModelSource

PACKAGE = Path(__file__).resolve().parents[1] / "evalkit"


def _annotations_named(name_part: str) -> list[tuple[str, int, str]]:
    """(file, line, annotation) of every parameter or attribute whose name contains `name_part`."""
    found = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.arg) and node.annotation is not None and name_part in node.arg:
                found.append((str(path.relative_to(PACKAGE.parent)), node.lineno, ast.unparse(node.annotation)))
            elif isinstance(node, ast.AnnAssign) and name_part in ast.unparse(node.target):
                found.append((str(path.relative_to(PACKAGE.parent)), node.lineno, ast.unparse(node.annotation)))
    return found


def test_no_hub_is_typed_any():
    untyped = [f"{f}:{line}" for f, line, ann in _annotations_named("hub") if ann in ("Any", "'Any'", "Any | None")]
    assert not untyped, f"hub parameters typed Any (use evalkit.llm.ModelSource): {untyped}"


def test_the_hub_is_a_model_source_with_the_protocols_signature():
    hub = ModelHub()
    assert isinstance(hub, ModelSource) and isinstance(hub, OwnedModelSource)
    assert inspect.signature(ModelHub.model).parameters.keys() == inspect.signature(ModelSource.model).parameters.keys()
    assert inspect.signature(ModelHub.model).parameters["base_url"].kind is inspect.Parameter.KEYWORD_ONLY


def test_a_stand_in_with_only_model_is_a_model_source():
    """Tests and special runs may pass any object with `model()`; the protocol asks for nothing more."""

    class OneModel:
        def model(self, name: str, *, base_url: str | None = None):
            raise NotImplementedError

    assert isinstance(OneModel(), ModelSource)
    assert not isinstance(object(), ModelSource)
    assert not isinstance(OneModel(), OwnedModelSource)  # no aclose(): a run could not close it


def test_work_items_are_fully_typed():
    """A run's work item names its suite and scenario types, so the stages get checked attribute access."""
    import typing

    from evalkit.run.plan import WorkItem
    from evalkit.spec import LoadedSuite
    from evalkit.spec.models import Scenario

    hints = typing.get_type_hints(WorkItem)
    assert hints["suite"] is LoadedSuite and hints["scenario"] is Scenario
    assert not [name for name, hint in hints.items() if hint is typing.Any or "Any" in repr(hint)]
