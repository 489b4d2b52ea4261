"""Suite gates: lower confidence bound, invalid rate, INCONCLUSIVE, baseline regression."""

from __future__ import annotations

from evalkit.spec.models import GateConfig
from evalkit.verdicts.gates import decide_gate
from evalkit.verdicts.rows import TrialRecord


def rows(spec: dict[str, str]) -> list[TrialRecord]:
    """{"a": "ppf"} -> trials of scenario a: pass, pass, fail."""
    out = []
    for sid, outcomes in spec.items():
        for i, ch in enumerate(outcomes):
            outcome = {"p": "pass", "f": "fail", "i": "invalid"}[ch]
            out.append(TrialRecord(suite="s", scenario_id=sid, tier="mini", trial=i, outcome=outcome))
    return out


def check(result, name):
    return next(c for c in result.checks if c.name == name)


def test_suite_mean_passes_when_lower_bound_clears() -> None:
    # 12 all-passing scenarios: the lower bound is Wilson over 11 scenarios (0.74), see docs/statistics.md
    result = decide_gate(rows(dict.fromkeys("abcdefghijkl", "p" * 20)), GateConfig(suite_mean_lower_ci=0.7))
    assert check(result, "suite_mean").decision == "pass"
    assert result.outcome == "pass" and not result.failed


def test_suite_mean_fails_when_upper_bound_is_below() -> None:
    result = decide_gate(
        rows(dict.fromkeys("abcdefghijk", "f" * 20) | {"l": "f" * 19 + "p"}), GateConfig(suite_mean_lower_ci=0.7)
    )
    assert check(result, "suite_mean").decision == "fail" and result.failed


def test_straddling_interval_is_inconclusive_with_trials_needed() -> None:
    result = decide_gate(rows({"a": "ppp", "b": "ppf"}), GateConfig(suite_mean_lower_ci=0.7))
    c = check(result, "suite_mean")
    assert c.decision == "inconclusive"
    assert (
        "INCONCLUSIVE" in c.detail and "more scenarios would settle it: ~" in c.detail
    )  # 2 scenarios: scenarios, not trials
    assert result.failed  # inconclusive: fail by default
    warn = decide_gate(rows({"a": "ppp", "b": "ppf"}), GateConfig(suite_mean_lower_ci=0.7, inconclusive="warn"))
    assert warn.outcome == "inconclusive" and not warn.failed


def test_invalid_rate_gate() -> None:
    assert (
        check(decide_gate(rows({"a": "ppppppppi"}), GateConfig(max_invalid_rate=0.2)), "invalid_rate").decision
        == "pass"
    )
    result = decide_gate(rows({"a": "ppi"}), GateConfig(max_invalid_rate=0.2))
    assert (
        check(result, "invalid_rate").decision == "fail"
        and "1/3 trials invalid" in check(result, "invalid_rate").detail
    )


def test_regression_needs_significance_and_margin() -> None:
    base = rows(dict.fromkeys("abcdefgh", "pppppppppp"))
    dropped = rows(dict.fromkeys("abcdefgh", "ffffffpppp"))
    noisy = rows({k: ("pppppppppf" if k in "ab" else "pppppppppp") for k in "abcdefgh"})
    gate = GateConfig(regression_margin=0.1)
    assert check(decide_gate(dropped, gate, baseline=base), "regression").decision == "fail"
    assert check(decide_gate(noisy, gate, baseline=base), "regression").decision == "pass"  # within the margin


def test_regression_names_scenarios_missing_from_this_run() -> None:
    base = rows({"a": "ppp", "b": "ppp", "gone": "ppp"})
    result = decide_gate(rows({"a": "ppp", "b": "ppp"}), GateConfig(), baseline=base)
    assert "not in this run: gone" in check(result, "regression").detail


def test_no_trials_is_skipped_not_passed() -> None:
    result = decide_gate([], GateConfig(suite_mean_lower_ci=0.5))
    assert result.outcome == "skipped" and not result.failed
