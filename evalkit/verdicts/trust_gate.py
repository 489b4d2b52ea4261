"""The judge_trust gate: is every rubric x judge a suite was judged with backed by a trusted, current record?

The instruments come from the run's own criterion rows (rubric fingerprint,
judge models and template hash as judged, so `--judge` overrides and replays
count as what they were); the records are found by the run layer
(`evalkit.run.trust_inputs`) and passed in. The check can only add
INCONCLUSIVE (`require: fail`) or a warning (`require: warn`) to a gate: it
never turns a FAIL into a PASS.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from pydantic import BaseModel, ConfigDict, Field

from evalkit.spec.models import JudgeTrustGate
from evalkit.verdicts.judge_trust import InUse, TrustState, judge_record
from evalkit.verdicts.rows import CHECKS_REF, ResultRow, TrialKey
from evalkit.verdicts.trust_record import RECORD_DIR, CalibrationRecord, judge_slug


class LoadedRecord(BaseModel):
    """One file under calibration/: the record, or why it could not be read."""

    rubric: str
    judge_slug: str
    path: str
    record: CalibrationRecord | None = None
    problem: str | None = None


class CalibrationLookup(BaseModel):
    """Every calibration record of the project (looked up by the run layer), by rubric ref and judge slug."""

    root: str  # the project root searched
    records: dict[str, LoadedRecord] = Field(default_factory=dict)  # "rubric/slug" -> record

    def find(self, rubric: str, models: tuple[str, ...]) -> LoadedRecord | None:
        return self.records.get(f"{rubric}/{judge_slug(list(models))}")


class RunLabel(BaseModel):
    """Human labels of one trial of this run under one rubric (several labellers: the mean pass)."""

    model_config = ConfigDict(frozen=True)

    suite: str
    scenario_id: str
    tier: str
    trial: int
    rubric: str
    human_pass: float  # share of the label lines that say pass
    n_lines: int

    @property
    def key(self) -> TrialKey:
        return (self.suite, self.scenario_id, self.tier, self.trial)


def _today() -> date:
    return datetime.now(UTC).date()


class JudgeEvidence(BaseModel):
    """What the judge_trust and corrected checks read besides the trials: one suite x tier's criterion rows,
    the project's calibration records and this run's labels (None: not looked up)."""

    criteria: list[ResultRow] = Field(default_factory=list)
    calibration: CalibrationLookup | None = None
    labels: list[RunLabel] | None = None
    today: date = Field(default_factory=_today)


class TrustFinding(BaseModel):
    """One rubric x judge of a suite and how far its record backs it (for the gate line and the report)."""

    rubric: str
    judge_models: list[str]
    fingerprint: str
    template_hash: str | None
    state: TrustState
    why: str
    record_path: str
    fix: str  # the command that would settle it ('' when trusted)

    @property
    def label(self) -> str:
        return f"{self.rubric} x {'+'.join(self.judge_models) or '-'}"


def instruments_of(criteria: list[ResultRow]) -> list[InUse]:
    """Every (rubric version, judge models, fingerprint, template) the LLM-judged criterion rows were read with."""
    rows = [r for r in criteria if r.rubric_ref != CHECKS_REF and r.kind == "llm" and r.judge_models]
    known = {(r.rubric_ref, tuple(r.judge_models), r.rubric_fingerprint or "") for r in rows if r.template_hash}
    found: dict[tuple[str, tuple[str, ...], str, str], InUse] = {}
    for row in rows:
        models, fingerprint = tuple(row.judge_models), row.rubric_fingerprint or ""
        if not row.template_hash and (row.rubric_ref, models, fingerprint) in known:
            continue  # a reading whose prompt never rendered: the same instrument as its siblings
        key = (row.rubric_ref, models, fingerprint, row.template_hash or "")
        found.setdefault(key, InUse(row.rubric_ref, fingerprint, models, row.template_hash or "", (row.suite,)))
    return [found[k] for k in sorted(found)]


def fix_command(use: InUse, state: TrustState) -> str:
    """What to run: calibrate against labels of this rubric version (drawing them first when none exist)."""
    judge = f" --judge {use.judge_models[0]}" if len(use.judge_models) == 1 else ""
    calibrate = f"evalkit calibrate --labels labels/{use.rubric}.jsonl --rubric {use.rubric}{judge}"
    if state == "trusted":
        return ""
    if state == "missing":
        return f"`evalkit labels sample RUN_DIR --rubric {use.rubric}`, label them, then `{calibrate}`"
    if state == "weak":
        return f"add holdout labels (more scenarios), then `{calibrate}`"
    if state == "untrusted":
        return f"improve the rubric or the judge, or re-check the labels, then `{calibrate}`"
    return f"`{calibrate}`"  # stale, aged: recalibrate the judge in use


def find_trust(use: InUse, lookup: CalibrationLookup, floors: JudgeTrustGate, today: date) -> TrustFinding:
    loaded = lookup.find(use.rubric, use.judge_models)
    path = loaded.path if loaded else f"{RECORD_DIR}/{use.rubric}/{judge_slug(list(use.judge_models))}.json"
    if loaded is None or loaded.record is None:
        state: TrustState = "missing"
        why = loaded.problem if loaded and loaded.problem else f"no calibration record at {path}"
    else:
        state, why = judge_record(loaded.record, use, floors, today)
    return TrustFinding(
        rubric=use.rubric,
        judge_models=list(use.judge_models),
        fingerprint=use.fingerprint,
        template_hash=use.template_hash or None,
        state=state,
        why=why,
        record_path=path,
        fix=fix_command(use, state),
    )


def trust_findings(evidence: JudgeEvidence, floors: JudgeTrustGate) -> list[TrustFinding]:
    """[] when the records were not looked up or nothing was judged by an LLM."""
    if evidence.calibration is None:
        return []
    return [find_trust(u, evidence.calibration, floors, evidence.today) for u in instruments_of(evidence.criteria)]
