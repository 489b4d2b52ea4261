"""What a re-judge judges: the original run's suites with the requested rubric versions swapped in, and one
work item per stored trial, each keyed as in the original (so `compare` pairs them and resume finds them)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evalkit.rejudge.config import RejudgeError
from evalkit.run import LoadedRun, WorkItem
from evalkit.run.keys import DEFAULT_TIER, item_key
from evalkit.spec import SpecError, load_suite
from evalkit.spec.project import find_project_root, rubric_dirs
from evalkit.spec.rubrics import ResolvedRubric, RubricRegistry
from evalkit.spec.suites import LoadedSuite


@dataclass
class RejudgePlan:
    """The items to judge and where each one's stored transcript is."""

    items: list[WorkItem]
    transcripts: dict[str, Path]  # item key -> the original run's transcript file
    swapped: dict[str, str]  # old ref -> new ref, for the summary line


def plan_rejudge(original: LoadedRun, refs: list[str]) -> RejudgePlan:
    suites = {name: _load(original, name, path) for name, path in _suite_paths(original).items()}
    swapped: dict[str, str] = {}
    for ref in refs:
        new = _resolve(original, suites, ref)
        used = False
        for name, loaded in suites.items():
            changed, old = with_rubric(loaded, new)
            suites[name], used = changed, used or bool(old)
            swapped.update(dict.fromkeys(old, new.ref))
        if not used:
            raise RejudgeError(
                f"{original.path}: --rubric {ref}: no suite of this run is judged by "
                f"{new.rubric.id} (expected one of: {_used_ids(suites)})"
            )
    items: dict[str, WorkItem] = {}
    transcripts: dict[str, Path] = {}
    for row in original.trials:
        item = _item(original, suites, row)
        if item is None:
            continue
        items[item.key] = item
        transcripts[item.key] = original.path / str(row["transcript_path"])
    if not items:
        raise RejudgeError(f"{original.path}: no trial with a stored transcript to judge")
    return RejudgePlan(list(items.values()), transcripts, swapped)


def with_rubric(loaded: LoadedSuite, new: ResolvedRubric) -> tuple[LoadedSuite, list[str]]:
    """`loaded` judged by `new` wherever it used another version of the same rubric id (and the refs replaced)."""
    old = [ref for ref, r in loaded.rubrics.items() if r.rubric.id == new.rubric.id and ref != new.ref]
    if not old and new.ref not in loaded.rubrics:
        return loaded, []
    rubrics = {ref: r for ref, r in loaded.rubrics.items() if ref not in old}
    rubrics[new.ref] = new
    scenarios = [
        s.model_copy(update={"rubrics": list(dict.fromkeys(new.ref if r in old else r for r in s.rubrics or []))})
        for s in loaded.scenarios
    ]
    return dataclasses.replace(loaded, scenarios=scenarios, rubrics=rubrics), old or [new.ref]


def _suite_paths(original: LoadedRun) -> dict[str, Path]:
    paths = {str(e.get("name")): Path(str(e.get("path") or "")) for e in original.manifest.get("suites") or []}
    for name, path in paths.items():
        if not str(path) or not path.is_file():
            raise RejudgeError(
                f"{original.path / 'run.json'}: suites: suite {name!r} file {str(path) or '(none)'} "
                "not found (expected the suite file the run was made from, to read its scenarios)"
            )
    return paths


def _load(original: LoadedRun, name: str, path: Path) -> LoadedSuite:
    try:
        return load_suite(path)
    except SpecError as err:
        raise RejudgeError(f"{original.path}: suite {name!r}: {str(err).splitlines()[0]}") from None


def _resolve(original: LoadedRun, suites: dict[str, LoadedSuite], ref: str) -> ResolvedRubric:
    roots = {find_project_root(Path(s.path).parent) for s in suites.values()}
    registry = RubricRegistry.from_dirs([d for root in sorted(roots) for d in rubric_dirs(root)])
    why = registry.why_unresolved(ref)
    if why:
        raise RejudgeError(f"--rubric {ref}: {why}")
    return registry.resolve(ref)


def _used_ids(suites: dict[str, LoadedSuite]) -> str:
    return ", ".join(sorted({r.rubric.id for s in suites.values() for r in s.rubrics.values()})) or "none"


def _item(original: LoadedRun, suites: dict[str, LoadedSuite], row: dict[str, Any]) -> WorkItem | None:
    if not row.get("transcript_path"):
        return None
    loaded = suites.get(str(row.get("suite")))
    scenario = next((s for s in loaded.scenarios if s.id == row.get("scenario_id")), None) if loaded else None
    if loaded is None or scenario is None:
        raise RejudgeError(
            f"{original.path}: trial {row.get('suite')}::{row.get('scenario_id')}: its scenario is no "
            "longer in the suite file (expected the suite the run was made from)"
        )
    tier, trial = str(row["tier"]), int(row["trial"])
    agent_model = None if tier == DEFAULT_TIER else tier  # the tier is the agent model as named (evalkit.run.keys)
    return WorkItem(
        loaded,
        scenario,
        agent_model,
        trial,
        int(row.get("seed") or 0),
        item_key(loaded.suite.suite, scenario.id, tier, trial),
    )
