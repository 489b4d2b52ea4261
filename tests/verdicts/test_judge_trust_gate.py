"""The judge_trust gate: only INCONCLUSIVE or a warning, never FAIL -> PASS; states from the record; floors on bounds."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from judge_trust_records import good_judge, record_for

from evalkit.spec.models import GateConfig, JudgeTrustGate
from evalkit.verdicts.gates import GateResult, decide_gate
from evalkit.verdicts.judge_trust import InUse
from evalkit.verdicts.rows import ResultRow, TrialRecord
from evalkit.verdicts.trust_gate import CalibrationLookup, JudgeEvidence, LoadedRecord
from evalkit.verdicts.trust_record import CalibrationRecord, judge_slug

USE = InUse("support.resolution@3", "fp-now", ("openai:gpt-4.1-mini",), "tpl-now")
TODAY = date(2026, 12, 3)
TRUSTED_BOUNDS = {"cohen_kappa": (0.85, 0.99), "tpr": (0.9, 1.0), "fpr": (0.0, 0.1)}


def trials(spec: dict[str, str]) -> list[TrialRecord]:
    """{"a": "ppf"} -> trials of scenario a: pass, pass, fail."""
    return [
        TrialRecord(
            suite="s", scenario_id=sid, tier="mini", trial=i, outcome={"p": "pass", "f": "fail", "i": "invalid"}[ch]
        )
        for sid, outcomes in spec.items()
        for i, ch in enumerate(outcomes)
    ]


def criteria(rows: list[TrialRecord], use: InUse = USE) -> list[ResultRow]:
    return [
        ResultRow(
            suite=t.suite,
            scenario_id=t.scenario_id,
            tier=t.tier,
            trial=t.trial,
            rubric_ref=use.rubric,
            rubric_fingerprint=use.fingerprint,
            criterion_id="resolved",
            outcome=t.outcome,
            judge_models=list(use.judge_models),
            template_hash=use.template_hash,
        )
        for t in rows
    ]


def lookup(*records: CalibrationRecord, broken: str | None = None) -> CalibrationLookup:
    found = {
        f"{r.key.rubric}/{r.judge_slug}": LoadedRecord(
            rubric=r.key.rubric,
            judge_slug=r.judge_slug,
            path=f"calibration/{r.key.rubric}/{r.judge_slug}.json",
            record=r,
        )
        for r in records
    }
    if broken:
        slug = judge_slug(list(USE.judge_models))
        found[f"{USE.rubric}/{slug}"] = LoadedRecord(rubric=USE.rubric, judge_slug=slug, path="x.json", problem=broken)
    return CalibrationLookup(root="/p", records=found)


def decide(
    spec: dict[str, str],
    gate: GateConfig,
    *records: CalibrationRecord,
    today: date = TODAY,
    calibration: CalibrationLookup | None = None,
) -> GateResult:
    rows = trials(spec)
    evidence = JudgeEvidence(criteria=criteria(rows), calibration=calibration or lookup(*records), today=today)
    return decide_gate(rows, gate, evidence=evidence)


def check(result: GateResult, name: str = "judge_trust"):
    return next((c for c in result.checks if c.name == name), None)


PASSING = dict.fromkeys("abcdefghijkl", "ppppp")  # 12 all-passing scenarios: the suite mean passes at 0.7
FAILING = dict.fromkeys("abcdefghijkl", "fffff")


def gate(require: str = "fail", **floors: object) -> GateConfig:
    return GateConfig(suite_mean_lower_ci=0.7, judge_trust=JudgeTrustGate(require=require, **floors))


def trusted_record(**kw: object) -> CalibrationRecord:
    return record_for(USE, *good_judge(), bounds=TRUSTED_BOUNDS, **kw)


def test_missing_record_with_require_fail_is_inconclusive_and_says_how_to_fix() -> None:
    result = decide(PASSING, gate("fail"))
    c = check(result)
    assert c.decision == "inconclusive"
    assert result.outcome == "inconclusive" and result.failed
    assert "support.resolution@3 x openai:gpt-4.1-mini is MISSING" in c.detail
    assert "evalkit calibrate --labels labels/support.resolution@3.jsonl --rubric support.resolution@3" in c.detail
    assert [f.state for f in result.judge_trust] == ["missing"]


def test_require_warn_only_warns() -> None:
    result = decide(PASSING, gate("warn"))
    assert check(result).decision == "warn" and check(result).detail.startswith("WARNING")
    assert result.outcome == "pass" and not result.failed


def test_require_off_adds_no_check_but_keeps_the_findings() -> None:
    result = decide(PASSING, gate("off"))
    assert check(result) is None and result.outcome == "pass"
    assert [f.state for f in result.judge_trust] == ["missing"]


def test_trusted_record_lets_the_gate_decide() -> None:
    result = decide(PASSING, gate("fail"), trusted_record())
    assert check(result).decision == "pass" and result.outcome == "pass"
    assert result.judge_trust[0].state == "trusted" and result.judge_trust[0].fix == ""


@pytest.mark.parametrize("require", ["warn", "fail"])
@pytest.mark.parametrize("record", [None, "trusted", "stale"])
def test_judge_trust_never_turns_a_fail_into_a_pass(require: str, record: str | None) -> None:
    records = {
        None: [],
        "trusted": [trusted_record()],
        "stale": [
            record_for(
                InUse(USE.rubric, "fp-old", USE.judge_models, USE.template_hash), *good_judge(), bounds=TRUSTED_BOUNDS
            )
        ],
    }[record]
    result = decide(FAILING, gate(require), *records)
    assert check(result, "suite_mean").decision == "fail"
    assert result.outcome == "fail" and result.failed


def test_stale_when_the_fingerprint_judge_or_template_changed() -> None:
    for changed, what in (
        (InUse(USE.rubric, "fp-old", USE.judge_models, USE.template_hash), "rubric fingerprint"),
        (InUse(USE.rubric, USE.fingerprint, USE.judge_models, "tpl-old"), "judge template"),
    ):
        result = decide(PASSING, gate("fail"), record_for(changed, *good_judge(), bounds=TRUSTED_BOUNDS))
        assert result.judge_trust[0].state == "stale" and what in result.judge_trust[0].why
        assert check(result).decision == "inconclusive" and "is STALE" in check(result).detail


def test_aged_after_max_age_days_and_not_before() -> None:
    made = date(2026, 8, 1)
    record = trusted_record(date=made.isoformat())
    assert decide(PASSING, gate("fail", max_age_days=120), record, today=made + timedelta(days=120)).outcome == "pass"
    old = decide(PASSING, gate("fail", max_age_days=120), record, today=made + timedelta(days=121))
    assert old.judge_trust[0].state == "aged" and "121 days" in old.judge_trust[0].why
    assert old.outcome == "inconclusive"
    assert decide(PASSING, gate("fail", max_age_days=None), record, today=made + timedelta(days=999)).outcome == "pass"


def test_floors_apply_to_interval_bounds() -> None:
    # point estimates clear every floor (TPR 0.97, FPR 0.03) but TPR's lower bound 0.75 is under 0.8: weak
    record = record_for(USE, *good_judge(), bounds={**TRUSTED_BOUNDS, "tpr": (0.75, 1.0)})
    weak = decide(PASSING, gate("fail"), record)
    assert weak.judge_trust[0].state == "weak" and "TPR low 0.75 < 0.8" in weak.judge_trust[0].why
    assert weak.outcome == "inconclusive"
    assert decide(PASSING, gate("fail", min_tpr=0.7), record).outcome == "pass"  # the floor under the bound
    fpr = record_for(USE, *good_judge(), bounds={**TRUSTED_BOUNDS, "fpr": (0.0, 0.2)})
    assert decide(PASSING, gate("fail"), fpr).judge_trust[0].state == "weak"
    assert decide(PASSING, gate("fail", max_fpr=0.25), fpr).judge_trust[0].state == "trusted"


def test_without_clustered_intervals_the_wilson_bounds_count() -> None:
    # FPR 1/30 = 0.03, but its Wilson upper bound is about 0.17: over max_fpr 0.15
    record = record_for(USE, *good_judge(), bounds={"cohen_kappa": (0.85, 0.99)})
    found = decide(PASSING, gate("fail"), record).judge_trust[0]
    assert found.state == "weak" and "FPR high 0.17 > 0.15" in found.why


def test_point_estimate_under_a_floor_is_untrusted() -> None:
    human = [1] * 30 + [0] * 30
    judge = [1] * 30 + [1] * 10 + [0] * 20  # FPR 10/30
    found = decide(PASSING, gate("fail"), record_for(USE, judge, human, bounds=TRUSTED_BOUNDS)).judge_trust[0]
    assert found.state == "untrusted" and "FPR 0.33 > 0.15" in found.why


def test_few_scenarios_is_at_best_weak() -> None:
    found = decide(PASSING, gate("fail"), trusted_record(n_clusters=4)).judge_trust[0]
    assert found.state == "weak" and "labels from 4 scenarios (< 10)" in found.why


def test_unreadable_record_counts_as_missing_with_the_problem() -> None:
    result = decide(PASSING, gate("fail"), calibration=lookup(broken="x.json: not a calibration record (bad)"))
    assert result.judge_trust[0].state == "missing" and "not a calibration record" in result.judge_trust[0].why


def test_every_rubric_x_judge_must_be_trusted() -> None:
    other = InUse("support.honesty@1", "fp-h", USE.judge_models, USE.template_hash)
    rows = trials(PASSING)
    evidence = JudgeEvidence(
        criteria=criteria(rows) + criteria(rows, other), calibration=lookup(trusted_record()), today=TODAY
    )
    result = decide_gate(rows, gate("fail"), evidence=evidence)
    assert {f.rubric: f.state for f in result.judge_trust} == {
        "support.resolution@3": "trusted",
        "support.honesty@1": "missing",
    }
    assert result.outcome == "inconclusive" and "1 of 2" in check(result).detail


def test_nothing_judged_by_an_llm_or_records_not_looked_up_adds_no_check() -> None:
    rows = trials(PASSING)
    assert check(decide_gate(rows, gate("fail"), evidence=JudgeEvidence(calibration=lookup()))) is None
    assert check(decide_gate(rows, gate("fail"), evidence=JudgeEvidence(criteria=criteria(rows)))) is None
    assert check(decide_gate(rows, gate("fail"))) is None


def test_a_reading_without_a_template_hash_is_the_same_instrument_as_its_siblings() -> None:
    rows = trials(PASSING)
    crit = criteria(rows)
    crit[0] = crit[0].model_copy(update={"template_hash": None})  # its prompt never rendered (an invalid reading)
    result = decide_gate(
        rows, gate("fail"), evidence=JudgeEvidence(criteria=crit, calibration=lookup(trusted_record()), today=TODAY)
    )
    assert [f.state for f in result.judge_trust] == ["trusted"] and result.outcome == "pass"
    unknown = [c.model_copy(update={"template_hash": None}) for c in criteria(rows)]
    alone = decide_gate(
        rows, gate("fail"), evidence=JudgeEvidence(criteria=unknown, calibration=lookup(trusted_record()), today=TODAY)
    )
    assert [f.state for f in alone.judge_trust] == ["trusted"]  # unknown template: not called stale
