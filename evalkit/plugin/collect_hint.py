"""Why `pytest other_dir/` collected no suite: the directory is not a suite path. Say so, and how to add it.

Only YAML under the suite paths (`suites`: `[tool.evalkit]`, `evalkit_suites`, `--evalkit-suites`,
`EVALKIT_SUITES`; default `suites/`) or named on the command line is collected
(`evalkit.plugin.session.may_be_suite`). A directory argument outside them that holds
suites therefore collects nothing from them, and pytest exits 5 without a word about why.

Checked only for a directory argument that produced no item, so a run that collected
tests there (`pytest tests/`, whose fixtures may hold suite YAML) is not searched and
gets no hint. Stdlib and pytest at import; the suite sniffing is imported only when a
candidate directory holds YAML.
"""

from __future__ import annotations

import fnmatch
import os
from pathlib import Path

import pytest

from evalkit.plugin import xdist
from evalkit.plugin.options import PluginSettings

MAX_FILES = 20_000  # a directory argument is searched this far, not further (a hint is not worth a long walk)


def collection_hints(session: pytest.Session, settings: PluginSettings) -> list[str]:
    """One line per directory argument outside the suite paths that holds suites and produced no item."""
    config = session.config
    produced = _item_paths(session)
    if produced is None:
        return []
    roots = [Path(r).resolve() for r in settings.suites]
    base = Path(config.invocation_params.dir)
    hints = []
    for arg in dict.fromkeys(a.split("::", 1)[0] for a in config.args):
        path = (base / arg).resolve()
        if not path.is_dir() or any(path == r or r in path.parents for r in roots):
            continue
        if any(p == path or path in p.parents for p in produced):
            continue
        found = stray_suites(path, roots, config.getini("norecursedirs"))
        if found:
            kept = roots if settings.suites_configured else [r for r in roots if r.exists()]
            hints.append(hint_line(arg, path, found, kept, Path(config.rootpath)))
    return hints


def hint_line(arg: str, path: Path, found: list[Path], roots: list[Path], root: Path) -> str:
    """`evalkit: other_dir/ holds 2 suite YAML files but is not a configured suite path; add it to ...`.

    The list offered keeps the suite paths in use (a configured list replaces the default `suites`; the
    default is kept when it exists), relative to the project root as `[tool.evalkit]` paths are."""
    shown = arg.rstrip("/\\") + "/"
    count = f"{len(found)} suite YAML file{'' if len(found) == 1 else 's'}"
    wanted = [_relative(r, root) for r in roots] + [_relative(path, root)]
    listed = ", ".join(f'"{p}"' for p in dict.fromkeys(wanted))
    example = _relative(found[0], Path.cwd())
    return (
        f"evalkit: {shown} holds {count} but is not a configured suite path; add it to [tool.evalkit] "
        f"suites = [{listed}] (or pass --evalkit-suites={shown.rstrip('/')}, or name the YAML files: "
        f"pytest {example})"
    )


def stray_suites(path: Path, roots: list[Path], norecurse: list[str]) -> list[Path]:
    """Suite files under `path` and outside every suite path, skipping pytest's `norecursedirs`."""
    yaml: list[Path] = []
    seen = 0
    for top, dirs, files in os.walk(path):
        here = Path(top)
        dirs[:] = sorted(
            d
            for d in dirs
            if not any(fnmatch.fnmatch(d, pat) for pat in norecurse) and not any(here / d == r for r in roots)
        )
        for name in sorted(files):
            seen += 1
            if name.endswith((".yaml", ".yml")):
                yaml.append(here / name)
        if seen > MAX_FILES:
            break
    if not yaml:
        return []
    from evalkit.spec import is_suite_file  # the engine's sniff, loaded only when there is YAML to sniff

    return [p for p in yaml if is_suite_file(p)]


def _item_paths(session: pytest.Session) -> set[Path] | None:
    """Files that produced items; None when unknown (an xdist controller whose workers collected something)."""
    if xdist.is_controller(session.config):
        return set() if not session.testscollected else None
    return {Path(item.path).resolve() for item in session.items}


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix() or "."
    except ValueError:
        return str(path)
