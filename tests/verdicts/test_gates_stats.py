"""The statistics behind the suite-mean and regression gates (issue #11): each case failed on the old code."""

from __future__ import annotations

import pytest

from evalkit.spec.models import GateConfig
from evalkit.verdicts.gates import decide_gate, regression_check, suite_mean_check
from evalkit.verdicts.rows import TrialRecord


def rows(spec: dict[str, str], **fields: object) -> list[TrialRecord]:
    """{"a": "ppf"} -> trials of scenario a: pass, pass, fail (extra fields on every row)."""
    out = []
    for sid, outcomes in spec.items():
        for i, ch in enumerate(outcomes):
            outcome = {"p": "pass", "f": "fail", "i": "invalid"}[ch]
            out.append(TrialRecord(suite="s", scenario_id=sid, tier="mini", trial=i, outcome=outcome, **fields))
    return out


def suite(rates: dict[str, int], trials: int) -> dict[str, str]:
    """{"name prefix": count} of scenarios passing `rate` trials out of `trials`, e.g. {"10": 6}."""
    out = {}
    for passes, count in rates.items():
        for i in range(count):
            out[f"s{passes}-{i}"] = "p" * int(passes) + "f" * (trials - int(passes))
    return out


# ---------------------------------------------------------------- suite mean


def test_scenario_spread_asks_for_more_scenarios_not_trials() -> None:
    # 6 scenarios always pass, 6 pass 60%: the old advice promised ~81 trials in total (have 120);
    # 1,200 trials at the same rates do not settle it either.
    check = suite_mean_check(rows(suite({"10": 6, "6": 6}, 10)), GateConfig(suite_mean_lower_ci=0.7))
    assert check.decision == "inconclusive"
    assert "more scenarios would settle it: ~" in check.detail and "valid trials in total" not in check.detail
    many = suite_mean_check(rows(suite({"100": 6, "60": 6}, 100)), GateConfig(suite_mean_lower_ci=0.7))
    assert many.decision == "inconclusive"


def test_trial_noise_asks_for_trials_per_scenario() -> None:
    check = suite_mean_check(rows(suite({"3": 20}, 5)), GateConfig(suite_mean_lower_ci=0.52))
    assert check.decision == "inconclusive"
    assert "valid trials per scenario would settle it (have 5 per scenario over 20 scenarios)" in check.detail


def test_single_passing_trials_do_not_pass_a_high_threshold() -> None:
    # the old clustered t gave [1.00, 1.00] for 10 scenarios x 1 passing trial: PASS at any threshold
    check = suite_mean_check(rows({f"s{i}": "p" for i in range(10)}), GateConfig(suite_mean_lower_ci=0.9))
    assert check.decision == "inconclusive" and "CI [0.66, 1.00]" in check.detail


def test_rate_on_the_threshold_is_never_settled() -> None:
    check = suite_mean_check(rows({f"s{i}": "ppppf" for i in range(8)}), GateConfig(suite_mean_lower_ci=0.8))
    assert check.decision == "inconclusive" and "no number of trials or scenarios settles it" in check.detail


def test_interval_is_clipped_to_the_unit_range() -> None:
    # the old clustered t went above 1 (e.g. [0.674, 1.126]) for a few scenarios at 0 and many at 1
    check = suite_mean_check(
        rows({**{f"p{i}": "ppp" for i in range(10)}, "z": "fff"}), GateConfig(suite_mean_lower_ci=0.5)
    )
    high = float(check.detail.split("CI [")[1].split("]")[0].split(", ")[1])
    assert high <= 1.0


# ---------------------------------------------------------------- regression


@pytest.mark.parametrize("n", [1, 3, 5])
def test_a_collapse_over_few_scenarios_is_inconclusive_not_pass(n: int) -> None:
    scenarios = [f"s{i}" for i in range(n)]
    base, now = rows(dict.fromkeys(scenarios, "ppp")), rows(dict.fromkeys(scenarios, "fff"))
    check = regression_check(now, base, GateConfig(regression_margin=0.1))
    assert check.decision == "inconclusive"
    assert "cannot reach 95%" in check.detail and "at least 6 paired scenarios are needed" in check.detail


def test_a_collapse_over_six_scenarios_fails() -> None:
    scenarios = [f"s{i}" for i in range(6)]
    check = regression_check(
        rows(dict.fromkeys(scenarios, "fff")), rows(dict.fromkeys(scenarios, "ppp")), GateConfig(regression_margin=0.1)
    )
    assert check.decision == "fail"


def test_no_drop_over_few_scenarios_still_passes() -> None:
    base = rows({"a": "ppp", "b": "ppf"})
    check = regression_check(rows({"a": "ppp", "b": "ppf"}), base, GateConfig())
    assert check.decision == "pass" and "within the margin" in check.detail and "cannot reach 95%" in check.detail


@pytest.mark.parametrize(
    "field,before,after,reason",
    [
        ("judge_models", ["openai:gpt-4.1-mini"], ["openai:gpt-4.1"], "judge changed"),
        ("simulator_model", "openai:gpt-4.1-mini", "anthropic:claude-haiku", "simulator changed"),
        ("rubric_refs", ["support.resolution@2"], ["support.resolution@3"], "rubric changed"),
    ],
)
def test_a_changed_instrument_is_inconclusive(field: str, before: object, after: object, reason: str) -> None:
    scenarios = {f"s{i}": "pppp" for i in range(8)}
    base = rows(scenarios, **{field: before})
    now = rows(dict.fromkeys(scenarios, "ffff"), **{field: after})  # a collapse that would otherwise fail
    result = decide_gate(now, GateConfig(), baseline=base)
    check = next(c for c in result.checks if c.name == "regression")
    assert check.decision == "inconclusive" and reason in check.detail and "not comparable" in check.detail


def test_a_changed_rubric_fingerprint_is_inconclusive() -> None:
    """Trial rows carry the fingerprint they were judged under: an edit without a version bump shows."""
    scenarios = {f"s{i}": "pppp" for i in range(8)}
    ref = "support.resolution@2"

    def judged(fingerprint: str) -> list[TrialRecord]:
        return rows(scenarios, rubric_refs=[ref], rubric_fingerprints={ref: fingerprint})

    assert regression_check(judged("1807bdbc4660"), judged("1807bdbc4660"), GateConfig()).decision == "pass"
    check = regression_check(judged("5b1e00000000"), judged("1807bdbc4660"), GateConfig())
    assert check.decision == "inconclusive" and "rubric changed" in check.detail
    assert (
        "rubric support.resolution@2 fingerprint differs: 1807bdbc4660 (baseline) vs 5b1e00000000 (this run)"
        in check.detail
    )
    older = rows(scenarios, rubric_refs=[ref])  # a baseline written before trial rows had fingerprints
    assert regression_check(judged("5b1e00000000"), older, GateConfig()).decision == "pass"
