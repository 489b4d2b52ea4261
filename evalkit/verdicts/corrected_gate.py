"""gate.corrected: the suite mean corrected for the judge's errors, beside the raw one.

rogan_gladen takes TPR / FPR from the rubric x judge's calibration record (so
it assumes the judge errs on this run as on the calibration set); ppi takes
human labels of trials of this very run (`evalkit labels sample RUN_DIR`),
stratified by scenario, and assumes nothing about the judge. Both correct a
pass rate judged by one rubric x judge; refusals are INCONCLUSIVE with the
reason. Formulas: docs/judge_trust.md.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Literal

from evalkit.spec.models import GateConfig
from evalkit.stats.agreement import BinaryAgreement
from evalkit.stats.correction import (
    CorrectedRate,
    CorrectionConfig,
    binomial_proportion,
    proportion_from_interval,
    rogan_gladen,
)
from evalkit.stats.means import MeanEstimate
from evalkit.stats.ppi import PPIStratum, ppi_plus_plus
from evalkit.verdicts.rows import TrialRecord
from evalkit.verdicts.trust_gate import JudgeEvidence, TrustFinding, instruments_of

TRANSFER = (
    "assumes the judge errs on this run's transcripts at the calibration set's TPR and FPR (same rubric "
    "version and judge, transcripts of the same kind); nothing in this run can check that"
)


def _refused(
    method: Literal["rogan_gladen", "ppi++"], reason: str, raw: float | None, confidence: float
) -> CorrectedRate:
    return CorrectedRate(
        method=method,
        status="inconclusive",
        reason=reason,
        raw=raw,
        estimate=None,
        se=None,
        low=None,
        high=None,
        confidence=confidence,
    )


def _one_instrument(evidence: JudgeEvidence) -> tuple[str, tuple[str, ...]] | str:
    """The single rubric ref x judge the suite was judged with, or why there is not exactly one."""
    pairs = sorted({(u.rubric, u.judge_models) for u in instruments_of(evidence.criteria)})
    if len(pairs) == 1:
        return pairs[0]
    named = ", ".join(f"{r} x {'+'.join(m)}" for r, m in pairs) or "none"
    return (
        f"a corrected pass rate needs the trials judged by one rubric x judge (the trial outcome is then that "
        f"judge's verdict); this suite used {len(pairs)}: {named}"
    )


def _agreement(finding: TrustFinding, evidence: JudgeEvidence) -> tuple[BinaryAgreement | None, str]:
    """The record's verdict-level agreement, else its only criterion's; with what it is."""
    assert evidence.calibration is not None
    loaded = evidence.calibration.find(finding.rubric, tuple(finding.judge_models))
    record = loaded.record if loaded else None
    if record is None:
        return None, ""
    if record.verdict is not None:
        return record.verdict, "the record's verdict-level TPR / FPR"
    if len(record.criteria) == 1:
        return record.criteria[0].binary, f"the record's only criterion ({record.criteria[0].criterion_id})"
    return None, ""


def rogan_gladen_rate(
    raw: MeanEstimate, evidence: JudgeEvidence, findings: list[TrustFinding], gate: GateConfig
) -> tuple[CorrectedRate, str]:
    """(corrected rate, where TPR / FPR came from); refused when no current record or TPR - FPR is too small."""
    conf = gate.confidence

    def refuse(reason: str) -> tuple[CorrectedRate, str]:
        return _refused("rogan_gladen", reason, raw.mean, conf), ""

    one = _one_instrument(evidence)
    if isinstance(one, str):
        return refuse(one)
    if evidence.calibration is None:
        return refuse("the project's calibration records were not looked up")
    finding = next(f for f in findings if (f.rubric, tuple(f.judge_models)) == one)
    if finding.state in ("missing", "stale"):
        return refuse(f"{finding.label}: {finding.state} ({finding.why}); fix: {finding.fix}")
    agreement, source = _agreement(finding, evidence)
    if agreement is None:
        return refuse(
            f"{finding.label}: the record has no verdict-level agreement (labels with `verdict`) and more "
            "than one criterion, so the trial's TPR / FPR are unknown"
        )
    c = agreement.confusion
    if c.tp + c.fn == 0 or c.fp + c.tn == 0:
        return refuse(
            f"{finding.label}: the record has no human {'passes' if c.tp + c.fn == 0 else 'fails'}, "
            "so TPR or FPR is unknown"
        )
    if raw.mean is None or raw.low is None or raw.high is None:
        return refuse("the raw suite rate has no interval (too few valid trials or scenarios)")
    q = proportion_from_interval(raw.mean, raw.low, raw.high, conf)
    config = CorrectionConfig(confidence=conf)
    rate = rogan_gladen(
        q, binomial_proportion(c.tp, c.tp + c.fn, conf), binomial_proportion(c.fp, c.fp + c.tn, conf), config
    )
    if rate.status == "ok":
        rate = _no_narrower_than_raw(rate, raw, c.tp / (c.tp + c.fn), c.fp / (c.fp + c.tn))
    where = (
        f"TPR {c.tp}/{c.tp + c.fn}, FPR {c.fp}/{c.fp + c.tn} from {source} of {finding.label} ({finding.record_path})"
    )
    return rate, where


def _no_narrower_than_raw(rate: CorrectedRate, raw: MeanEstimate, tpr: float, fpr: float) -> CorrectedRate:
    """Widen the delta-method interval to the raw interval's bounds mapped through p = (q - FPR) / (TPR - FPR).

    The delta method reads q's interval as symmetric; near 1 the raw (score) interval is not, and a
    corrected point past 1 would carry a bound above the raw one's image (raw [0.34, 1] -> [0.67, 1]).
    The gate must not become surer than its own data because the judge was corrected.
    """
    assert raw.low is not None and raw.high is not None and rate.low is not None and rate.high is not None

    def through(q: float) -> float:
        return min(1.0, max(0.0, (q - fpr) / (tpr - fpr)))

    return rate.model_copy(update={"low": min(rate.low, through(raw.low)), "high": max(rate.high, through(raw.high))})


def ppi_rate(trials: list[TrialRecord], evidence: JudgeEvidence, gate: GateConfig) -> tuple[CorrectedRate, str]:
    """PPI++ over this run's labelled trials, stratified by scenario (estimand: the scenario population)."""
    conf = gate.confidence
    valid = [t for t in trials if t.outcome in ("pass", "fail")]
    raw = sum(t.outcome == "pass" for t in valid) / len(valid) if valid else None
    one = _one_instrument(evidence)
    if isinstance(one, str):
        return _refused("ppi++", one, raw, conf), ""
    if evidence.labels is None:
        return _refused("ppi++", "this run's labels were not looked up", raw, conf), ""
    rubric = one[0]
    labels = {lab.key: lab for lab in evidence.labels if lab.rubric == rubric}
    strata: dict[str, PPIStratum] = defaultdict(lambda: PPIStratum(judge=[], labelled_judge=[], labels=[]))
    for t in valid:
        f = 1.0 if t.outcome == "pass" else 0.0
        stratum = strata[t.scenario_id]
        stratum.judge.append(f)
        if t.key in labels:
            stratum.labelled_judge.append(f)
            stratum.labels.append(labels[t.key].human_pass)
    n = sum(len(s.labels) for s in strata.values())
    how = (
        f"{n} labelled trials of this run under {rubric} (labels/*.jsonl, holdout lines with a verdict), "
        f"over {sum(1 for s in strata.values() if s.labels)} of {len(strata)} scenarios"
    )
    if n == 0:
        return _refused(
            "ppi++",
            f"no trial of this suite x tier has a {rubric} label with a verdict (draw them with "
            f"`evalkit labels sample RUN_DIR --rubric {rubric}`, label them, then re-decide with "
            "`evalkit report RUN_DIR`)",
            raw,
            conf,
        ), how
    rate = ppi_plus_plus(list(strata.values()), CorrectionConfig(confidence=conf, estimand="scenario_population"))
    return rate.model_copy(update={"raw": raw}) if rate.raw is None else rate, how
