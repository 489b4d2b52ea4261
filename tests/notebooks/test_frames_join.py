"""Frames of two runs with two suites concatenate with their dtypes and join on their keys.

Both suites have a scenario `refund`, so a join that leaves out `suite` would mix them up; both runs
have the same suites, scenarios, tiers and trials, so one that leaves out `run_id` would too.
"""

from __future__ import annotations

import json
from collections import Counter

import pandas as pd
import pytest
from nb_runs import Runs

from evalkit.run import RunFrames

FRAMES = ["trials", "scores", "costs", "verdicts", "gates"]
SCENARIO = ["run_id", "suite", "scenario", "tier"]
TRIAL = [*SCENARIO, "trial"]


def _both(runs: Runs) -> list[RunFrames]:
    return [runs.before.to_pandas(), runs.after.to_pandas()]


@pytest.mark.parametrize("name", FRAMES)
def test_concatenating_runs_keeps_every_dtype(runs: Runs, name: str) -> None:
    parts = [frames[name] for frames in _both(runs)]
    together = pd.concat(parts, ignore_index=True)
    assert together.dtypes.equals(parts[0].dtypes) and parts[0].dtypes.equals(parts[1].dtypes)
    assert len(together) == sum(len(p) for p in parts) and together["run_id"].nunique() == 2


def test_the_suites_share_a_scenario_id_and_the_runs_share_every_trial_key(runs: Runs) -> None:
    before, after = _both(runs)
    assert set(before.verdicts.query("scenario == 'refund'").suite) == {"alpha", "beta"}
    key = ["suite", "scenario", "tier", "trial"]
    assert sorted(map(tuple, before.trials[key].values.tolist())) == sorted(
        map(tuple, after.trials[key].values.tolist())
    )


def test_trials_join_their_scenario_verdicts_across_runs_and_suites(runs: Runs) -> None:
    trials = pd.concat([f.trials for f in _both(runs)], ignore_index=True)
    verdicts = pd.concat([f.verdicts for f in _both(runs)], ignore_index=True)
    joined = trials.merge(verdicts, on=SCENARIO, how="left", validate="many_to_one", indicator=True)
    assert (joined["_merge"] == "both").all() and len(joined) == len(trials)
    counted = joined.groupby(SCENARIO).agg(
        n=("trial", "size"),
        passed=("outcome", lambda s: int((s == "pass").sum())),
        want_n=("trials", "first"),
        want_passed=("passed", "first"),
    )
    assert (counted.n == counted.want_n).all() and (counted.passed == counted.want_passed).all()
    assert len(counted) == len(verdicts) == 20


def test_scores_and_costs_join_their_trial(runs: Runs) -> None:
    trials = pd.concat([f.trials for f in _both(runs)], ignore_index=True)
    scores = pd.concat([f.scores for f in _both(runs)], ignore_index=True)
    costs = pd.concat([f.costs for f in _both(runs)], ignore_index=True)
    with_trial = scores.merge(
        trials[[*TRIAL, "transcript_hash"]], on=TRIAL, how="left", validate="many_to_one", suffixes=("", "_trial")
    )
    assert with_trial.transcript_hash_trial.notna().all()
    assert (with_trial.transcript_hash == with_trial.transcript_hash_trial).all()
    assert Counter(map(tuple, costs[TRIAL].values.tolist())) == Counter(
        {tuple(k): 3 for k in trials[TRIAL].values.tolist()}
    )
    judged = costs.query("role == 'judge'").merge(trials, on=TRIAL, validate="one_to_one")
    assert (judged.input_tokens == judged.tokens_judge_input).all()
    assert (judged.cost_usd.fillna(-1) == judged.cost_judge_usd.fillna(-1)).all()
    assert (judged.cost_usd > 0).any()  # the judge has a price in the project: real figures joined, not NaN


def test_costs_carry_run_id_and_suite(runs: Runs) -> None:
    """The costs frame had neither: two suites' `refund` trials of two runs could not be told apart."""
    costs = pd.concat([f.costs for f in _both(runs)], ignore_index=True)
    refund = costs.query("scenario == 'refund' and role == 'judge'")
    assert set(zip(refund.run_id, refund.suite, strict=True)) == {
        (r.run_id, s) for r in (runs.before, runs.after) for s in ("alpha", "beta")
    }


def test_gates_join_the_verdicts_of_their_suite_and_tier(runs: Runs) -> None:
    gates = pd.concat([f.gates for f in _both(runs)], ignore_index=True)
    verdicts = pd.concat([f.verdicts for f in _both(runs)], ignore_index=True)
    joined = verdicts.merge(
        gates.query("kind == 'invalid_rate'"),
        on=["run_id", "suite", "tier"],
        how="left",
        validate="many_to_one",
        suffixes=("", "_gate"),
    )
    assert joined.outcome.notna().all() and len(joined) == len(verdicts)


def test_rubric_version_is_an_integer_with_missing_for_checks(runs: Runs) -> None:
    scores = pd.concat([f.scores for f in _both(runs)], ignore_index=True)
    assert str(scores.rubric_version.dtype) == "Int64"
    rows = [json.loads(line) for line in (runs.before.path / "results.jsonl").read_text().splitlines() if line]
    assert {r["rubric_ref"]: r["rubric_version"] for r in rows} == {"nb.resolution@1": 1, "checks": None}
    judged = scores.rubric_ref == "nb.resolution@1"
    assert judged.any() and (~judged).any()
    assert (scores.rubric_version[judged] == 1).all() and scores.rubric_version[~judged].isna().all()
    assert all(type(v) is int for v in scores.rubric_version[judged].tolist())
    assert set(scores.rubric_version[judged].astype("string")) == {"1"}  # shown as 1, never 1.0
