"""Gate rows for the report header.

When the run records its decided gates in run.json (`gates: [{suite, tier,
name, decision, detail}]`), the report shows those verbatim: one decision,
shown everywhere. Otherwise it derives them from the suite's gate config (the
suite file named in run.json) with `evalkit.stats`, labelled as derived.
"""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache

from pydantic import BaseModel, ValidationError

from evalkit.report.overview import CellStats, Counts, Overview
from evalkit.report.rundata import RunData
from evalkit.spec import SpecError, load_suite
from evalkit.spec.models import GateConfig
from evalkit.stats import gate_decision, pass_rate_estimate


class GateRow(BaseModel):
    suite: str = ""
    tier: str = ""
    name: str
    decision: str  # pass | fail | inconclusive | skipped
    detail: str = ""
    recorded: bool = True  # False: derived by the report from the gate config


def gate_config(run: RunData, suite: str) -> GateConfig:
    """The suite's gate: from run.json when recorded there, else from the suite file, else the defaults."""
    for entry in run.manifest.get("suites", []) or []:
        if entry.get("name") != suite:
            continue
        if isinstance(entry.get("gate"), dict):
            try:
                return GateConfig.model_validate(entry["gate"])
            except ValidationError:
                break
        if entry.get("path"):
            return _gate_from_file(str(entry["path"]))
    return GateConfig()


@lru_cache(maxsize=32)
def _gate_from_file(path: str) -> GateConfig:
    try:
        return load_suite(path).suite.gate
    except (OSError, SpecError, ValueError):
        return GateConfig()


def gate_rows(run: RunData, overview: Overview) -> list[GateRow]:
    """Recorded gates if the run has them, else gates derived from the config."""
    recorded = run.manifest.get("gates")
    if isinstance(recorded, list) and recorded:
        return [GateRow.model_validate(g) for g in recorded if isinstance(g, dict)]
    rows: list[GateRow] = []
    by_suite_tier: dict[tuple[str, str], list] = defaultdict(list)
    for cell in overview.cells:
        by_suite_tier[(cell.suite, cell.tier)].append(cell)
    for (suite, tier), cells in by_suite_tier.items():
        gate = gate_config(run, suite)
        rows += _derived(suite, tier, cells, gate)
    return rows


def _derived(suite: str, tier: str, cells: list, gate: GateConfig) -> list[GateRow]:
    base = {"suite": suite, "tier": tier, "recorded": False}
    counts = Counts(**{k: sum(getattr(c.counts, k) for c in cells) for k in ("n", "passed", "failed", "invalid")})
    decisions = {c.scenario_id: _scenario_decision(c, gate) for c in cells}
    weak = [k for k, d in decisions.items() if d == "fail"]
    unsure = [k for k, d in decisions.items() if d == "inconclusive"]
    decision = "fail" if weak else ("inconclusive" if unsure else "pass")
    need = "every valid trial passes" if gate.mode == "pass_hat_k" else f"pass rate ≥ {gate.scenario_pass_rate:.0%}"
    detail = f"{len(decisions) - len(weak) - len(unsure)} of {len(cells)} scenarios pass ({need})"
    detail += f"; failing: {', '.join(weak)}" if weak else ""
    detail += f"; too few valid trials: {', '.join(unsure)}" if unsure else ""
    rows = [GateRow(name="scenario_pass_rate", decision=decision, detail=detail, **base)]
    rate = counts.invalid / counts.n if counts.n else 0.0
    rows.append(GateRow(name="invalid_rate", decision="pass" if rate <= gate.max_invalid_rate else "fail",
                        detail=f"{counts.invalid}/{counts.n} invalid ({rate:.0%}); allowed {gate.max_invalid_rate:.0%}",
                        **base))
    if gate.suite_mean_lower_ci is not None:
        est = pass_rate_estimate({c.scenario_id: (c.counts.passed, c.counts.valid) for c in cells}, gate.confidence)
        rows.append(GateRow(name="suite_mean", decision=gate_decision(est, gate.suite_mean_lower_ci),
                            detail=f"lower bound {est.low if est.low is not None else float('nan'):.2f} "
                                   f"vs {gate.suite_mean_lower_ci:.2f}", **base))
    return rows


def _scenario_decision(cell: CellStats, gate: GateConfig) -> str:
    """As the pytest plugin decides a scenario item (per-criterion thresholds aside)."""
    if cell.counts.valid < min(gate.min_valid_trials, max(cell.counts.n, 1)) or cell.pass_rate is None:
        return "inconclusive"
    if gate.mode == "pass_hat_k":
        return "pass" if cell.counts.failed == 0 else "fail"
    return "pass" if cell.pass_rate >= gate.scenario_pass_rate else "fail"
