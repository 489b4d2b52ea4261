"""docs/notebooks.md documents every frame and every column of `to_pandas()`, with the dtypes the frames have.

Checked against the real frames of runs made through pytest (both ways: no undocumented column, no
documented column missing, same order and dtype), and the columns marked as the key identify a row.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from doc_tables import frame_tables
from nb_runs import Runs

from evalkit.conversation.transcript import TerminationReason
from evalkit.run import RunFrames, load_run
from evalkit.run.recorded_verdict import RowError
from evalkit.verdicts import ResultRow, TrialRecord

TRIAL_KEY = ["run_id", "suite", "scenario", "tier", "trial"]


def _documented(frame: str) -> list[tuple[str, str]]:
    return [(c.name, c.dtype) for c in frame_tables()[frame]]


def _actual(frames: RunFrames, frame: str) -> list[tuple[str, str]]:
    return [(str(name), str(dtype)) for name, dtype in frames[frame].dtypes.items()]


def test_the_doc_has_one_table_per_frame_and_no_other() -> None:
    assert list(frame_tables()) == load_run_frames_keys()


def load_run_frames_keys() -> list[str]:
    return ["trials", "scores", "costs", "verdicts", "gates"]


@pytest.mark.parametrize("frame", load_run_frames_keys())
def test_every_column_is_documented_with_its_dtype_and_nothing_else(runs: Runs, frame: str) -> None:
    for run in (runs.before, runs.after):
        frames = run.to_pandas()
        assert len(frames[frame]) > 0, f"the {frame} frame is empty: this run cannot check its documentation"
        actual, documented = _actual(frames, frame), _documented(frame)
        undocumented = [c for c in actual if c not in documented]
        missing = [c for c in documented if c not in actual]
        assert (undocumented, missing) == ([], []), (
            f"{frame}: undocumented {undocumented}, documented but missing {missing}"
        )
        assert actual == documented  # the same order too


@pytest.mark.parametrize("frame", load_run_frames_keys())
def test_the_documented_key_identifies_a_row(runs: Runs, frame: str) -> None:
    key = [c.name for c in frame_tables()[frame] if c.key]
    both = [runs.before.to_pandas()[frame], runs.after.to_pandas()[frame]]
    import pandas as pd

    together = pd.concat(both, ignore_index=True)
    assert key and not together.duplicated(key).any()
    assert together[key].notna().all().all()


def test_every_per_trial_frame_carries_the_whole_trial_key(runs: Runs) -> None:
    frames = runs.before.to_pandas()
    for name in ("trials", "scores", "costs"):
        documented_key = [c.name for c in frame_tables()[name] if c.key]
        assert documented_key[:5] == TRIAL_KEY, name
        assert set(frames[name]["run_id"]) == {runs.before.run_id}
    assert [c.name for c in frame_tables()["verdicts"] if c.key] == TRIAL_KEY[:4]
    assert [c.name for c in frame_tables()["gates"] if c.key] == ["run_id", "suite", "tier", "kind"]


def test_an_empty_run_has_the_documented_columns_and_dtypes(runs: Runs, tmp_path: Path) -> None:
    empty = tmp_path / "reports" / "20200101T000000Z-empty0"
    empty.mkdir(parents=True)
    shutil.copy(runs.before.path / "run.json", empty / "run.json")
    frames = load_run(empty).to_pandas()
    for name in load_run_frames_keys():
        assert len(frames[name]) == 0
        assert _actual(frames, name) == _documented(name), name


def test_every_row_field_is_a_column(runs: Runs) -> None:
    """A field added to trials.jsonl or results.jsonl shows in the frames, so this doc test asks for it."""
    frames = runs.before.to_pandas()
    flattened = {"tokens", "cost_usd"}  # spread over tokens_<role>_<side> and cost_<role>_usd columns
    assert set(TrialRecord.model_fields) - flattened - set(frames.trials.columns) == set()
    assert set(ResultRow.model_fields) - set(frames.scores.columns) == set()


def test_the_earlier_names_still_read(runs: Runs) -> None:
    frames = runs.before.to_pandas()
    assert frames["sessions"] is frames.trials and frames.sessions is frames.trials
    for name in ("trials", "scores", "costs"):
        assert frames[name]["scenario_id"].equals(frames[name]["scenario"].rename("scenario_id"))
    with pytest.raises(KeyError, match="no frame 'session'; a run's frames are trials, scores, costs, verdicts, gates"):
        frames["session"]


def test_a_row_that_is_not_evalkits_is_named_in_one_line(runs: Runs, tmp_path: Path) -> None:
    broken = tmp_path / runs.before.path.name
    shutil.copytree(runs.before.path, broken)
    rows = (broken / "trials.jsonl").read_text().splitlines()
    rows[2] = (
        rows[2].replace('"outcome": "pass"', '"outcome": "maybe"').replace('"outcome":"pass"', '"outcome":"maybe"')
    )
    assert "maybe" in rows[2]
    (broken / "trials.jsonl").write_text("\n".join(rows) + "\n")
    with pytest.raises(RowError) as caught:
        load_run(broken).to_pandas()
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{broken / 'trials.jsonl'}: row 3: outcome: ") and "'maybe'" in message


def test_the_outcome_and_termination_meanings_name_every_value(runs: Runs) -> None:
    trials = {c.name: c.meaning for c in frame_tables()["trials"]}
    assert all(f"`{reason.value}`" in trials["termination"] for reason in TerminationReason)
    assert all(f"`{o}`" in trials["outcome"] for o in ("pass", "fail", "invalid", "error"))
    seen = set(runs.before.to_pandas().trials.termination.dropna())
    assert seen and seen <= {reason.value for reason in TerminationReason}
