"""Keeping pytest's assertion rewriting away from the run's worker thread.

pytest rewrites assertions in every module of a `pytest11` plugin's
distribution (here: `evalkit`), which means `ast.parse` on first
import. CPython 3.11's AST constructor is not thread-safe ("SystemError: AST
constructor recursion depth mismatch" when two threads parse at once), and the
run imports modules lazily in its worker thread while pytest may import in the
main thread. evalkit's own modules gain nothing from rewriting, so the plugin
takes them off pytest's list, and imports the suites' agent modules (and the
fake server's handler modules) in the main thread before the run starts.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import pytest

OWN_PACKAGES = ("evalkit",)
ENGINE_PACKAGES = ("evalkit.run", "evalkit.conversation", "evalkit.judging", "evalkit.llm", "evalkit.stats")
HISTORY_MODULES = ("evalkit.history.record", "evalkit.history.frames")  # every run's end records into history
_done: set[str] = set()


def stop_rewriting_own_modules(config: pytest.Config) -> None:
    """Take evalkit's packages off the assertion-rewrite list (a no-op where pytest's internals differ)."""
    try:
        from _pytest.assertion.rewrite import assertstate_key

        state = config.stash.get(assertstate_key, None)
    except ImportError:
        state = getattr(config, "_assertstate", None)
    hook = getattr(state, "hook", None)
    marked = getattr(hook, "_must_rewrite", None)
    if isinstance(marked, set):
        marked.difference_update(OWN_PACKAGES)
    cache = getattr(hook, "_marked_for_rewrite_cache", None)
    if isinstance(cache, dict):
        for name in [n for n in cache if n.split(".", 1)[0] in OWN_PACKAGES]:
            del cache[name]


def preload(loaded_suites: list[Any], extra: list[str] | tuple[str, ...] = ()) -> None:
    """Import every callable agent's module and `extra` modules now; failures are left for the run to report."""
    names = list(extra)
    for loaded in loaded_suites:
        target = getattr(loaded.suite.agent_config, "target", None)
        if target:
            names.append(target.partition(":")[0])
    _import(names)


def preload_engine() -> None:
    """Import all of the engine's modules (tests use it so pytester's inline runs do not re-import them)."""
    names: list[str] = []
    for package in ENGINE_PACKAGES:
        module = importlib.import_module(package)
        names += [package] + [m.name for m in pkgutil.walk_packages(module.__path__, prefix=package + ".")]
    _import([n for n in names if not n.endswith(".commands")] + list(HISTORY_MODULES))


def _import(names: list[str]) -> None:
    for name in names:
        if name in _done:
            continue
        _done.add(name)
        try:
            importlib.import_module(name)
        except (Exception, SystemExit):  # noqa: BLE001 - a broken agent module (sys.exit too) is its sessions' error
            continue
