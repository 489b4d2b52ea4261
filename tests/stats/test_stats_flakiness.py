import pytest

from evalkit.judging.verdict import Outcome
from evalkit.stats import flakiness, flaky_scenarios


def test_flaky_scenarios_ignore_invalid_trials():
    outcomes = {
        "steady-pass": ["pass", "pass", "invalid"],
        "flips": ["pass", "fail", "pass"],
        "invalid-hides-nothing": ["fail", "invalid", "fail"],
        "enum-flips": [Outcome.passed, Outcome.invalid, Outcome.failed],
        "bools-flip": [True, None, False],
        "one-valid": ["pass", "invalid"],
        "no-trials": [],
    }
    assert flaky_scenarios(outcomes) == ["flips", "enum-flips", "bools-flip"]
    report = flakiness(outcomes)
    assert report.n_eligible == 5 and report.rate == pytest.approx(3 / 5)


def test_flakiness_without_eligible_scenarios():
    report = flakiness({"a": ["pass"], "b": ["invalid", "invalid"]})
    assert report.flaky == [] and report.n_eligible == 0 and report.rate is None


def test_unknown_outcome_is_an_error():
    with pytest.raises(ValueError, match="unknown trial outcome 'passed'"):
        flaky_scenarios({"a": ["passed", "fail"]})


def test_setup_errors_are_neither_pass_nor_fail():
    outcomes = {"errored": [Outcome.error, "pass", "error"], "error-between": ["pass", Outcome.error, "fail"]}
    assert flaky_scenarios(outcomes) == ["error-between"]
    assert flakiness(outcomes).n_eligible == 1
