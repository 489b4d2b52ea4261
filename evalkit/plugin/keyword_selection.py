"""`-k` and `-m` as the xdist controller can apply them before anything is collected.

Under pytest-xdist the controller runs the preflight before any worker collects (plugin/preflight_gate.py),
so it has no items to deselect. It matches the expressions against the names a suite's scenario items
will have, as pytest does: `-k` against the item's name (`id[tier]`), its file's and folders' names
(below the root directory) and its markers; `-m` against its markers (`evalkit` and the scenario's
tags). A suite none of whose items would be selected is left out of the preflight, as it is without
xdist. An expression this cannot read (another pytest's internals, call parameters) keeps the suite in:
checking one suite too many costs nothing, missing one would let a broken agent through.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from evalkit.plugin.item_names import scenario_items, suite_tiers
from evalkit.plugin.options import PluginSettings

Matcher = Callable[..., bool]


def selects_any(config: pytest.Config, settings: PluginSettings, loaded: Any) -> bool:
    """Whether `-k` and `-m` would select at least one scenario item of the suite."""
    keyword = str(config.getoption("keyword", "") or "")
    marks = str(config.getoption("markexpr", "") or "")
    if not keyword and not marks:
        return True
    try:
        from _pytest.mark.expression import Expression

        by_keyword = Expression.compile(keyword) if keyword else None
        by_marks = Expression.compile(marks) if marks else None
    except Exception:  # noqa: BLE001 - pytest reports a bad expression itself; here it only widens the check
        return True
    folders = _node_names(Path(config.rootpath), Path(loaded.path))
    for name, scenario, _tier in scenario_items(loaded, suite_tiers(loaded, settings)):
        markers = {"evalkit", *scenario.tags}
        if by_keyword is not None and not by_keyword.evaluate(_keyword_matcher({name, *folders, *markers})):
            continue
        if by_marks is not None and not by_marks.evaluate(_marker_matcher(markers)):
            continue
        return True
    return False


def _keyword_matcher(names: set[str]) -> Matcher:
    lowered = [n.lower() for n in names]

    def match(sub: str, /, **kwargs: Any) -> bool:
        return bool(kwargs) or any(sub.lower() in name for name in lowered)

    return match


def _marker_matcher(markers: set[str]) -> Matcher:
    def match(name: str, /, **kwargs: Any) -> bool:
        return bool(kwargs) or name in markers

    return match


def _node_names(root: Path, path: Path) -> set[str]:
    """The names of the file's node and its folders' nodes below the root directory (pytest leaves that one out)."""
    try:
        return set(path.resolve().relative_to(root.resolve()).parts)
    except ValueError:
        return {path.name}
