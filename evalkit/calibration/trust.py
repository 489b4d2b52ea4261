"""`evalkit calibrate check`: is each rubric x judge the project's suites use backed by a current record?

The classification itself (trusted / weak / untrusted / missing / stale / aged)
is `evalkit.verdicts.judge_trust`, shared with the judge_trust gate; this module
finds what the suites judge with now (`in_use`) and reads the records.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from evalkit.judging.judge import resolve_judge
from evalkit.judging.render import DEFAULT_JUDGE_TEMPLATE, builtin_template, template_hash
from evalkit.run.judge_stage import judging_setup
from evalkit.run.plan import WorkItem
from evalkit.verdicts.judge_trust import InUse, TrustFloors, TrustState, judge_record, strictest
from evalkit.verdicts.trust_record import read_record, record_path

__all__ = ["InUse", "TrustFloors", "TrustRow", "TrustState", "check_project", "in_use", "judge_record", "suite_floors"]


@dataclass(frozen=True)
class TrustRow:
    use: InUse
    state: TrustState
    why: str
    path: Path


def in_use(loaded_suites: list[Any], judge_model: str | None = None) -> list[InUse]:
    """Every (rubric version, judge models) the suites' scenarios are judged with, resolved as a run does."""
    found: dict[tuple[str, tuple[str, ...]], InUse] = {}
    for loaded in loaded_suites:
        for scenario in loaded.scenarios:
            default_judge, rubrics = judging_setup(WorkItem(loaded, scenario, None, 0, 0), judge_model)
            for resolved in rubrics:
                models = tuple(resolve_judge(resolved.rubric.judge, default_judge).models())
                text = resolved.template_text or builtin_template(DEFAULT_JUDGE_TEMPLATE)
                key = (resolved.ref, models)
                old = found.get(key)
                suites = tuple(sorted({*(old.suites if old else ()), loaded.suite.suite}))
                found[key] = InUse(resolved.ref, resolved.fingerprint, models, template_hash(text), suites)
    return [found[k] for k in sorted(found)]


def today_utc() -> date:
    return datetime.now(UTC).date()


def check_use(project: Path, use: InUse, floors: TrustFloors, today: date | None = None) -> TrustRow:
    """Read the record for one rubric x judge (if any) and classify it."""
    path = record_path(project, use.rubric, list(use.judge_models))
    if not path.is_file():
        return TrustRow(use, "missing", "no calibration record (run `evalkit calibrate`)", path)
    try:
        record = read_record(path)
    except ValueError as exc:
        return TrustRow(use, "missing", str(exc), path)
    state, why = judge_record(record, use, floors, today or today_utc())
    return TrustRow(use, state, why, path)


def suite_floors(use: InUse, loaded_suites: list[Any]) -> TrustFloors:
    """The strictest `gate.judge_trust` floors of the suites that judge with `use`: what any of their gates demands."""
    return strictest([s.suite.gate.judge_trust for s in loaded_suites if s.suite.suite in use.suites])


def check_project(
    project: Path,
    loaded_suites: list[Any],
    overrides: Mapping[str, Any] | None = None,
    judge_model: str | None = None,
    today: date | None = None,
) -> list[TrustRow]:
    """Each rubric x judge against its suites' floors (`overrides`: floors given on the command line win)."""
    return [
        check_use(project, use, suite_floors(use, loaded_suites).model_copy(update=dict(overrides or {})), today)
        for use in in_use(loaded_suites, judge_model)
    ]
