"""last-green:<branch>: the newest recorded run on the branch that passed and was measured like this run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from history_run_dirs import RunSpec, write_run

from evalkit.cli import main
from evalkit.history.baseline import BaselineError, instrument_of_run, last_green
from evalkit.history.capture import RunPlace
from evalkit.history.record import record_dir

MAIN = RunPlace(branch="main")
OTHER_RUBRIC = [{"ref": "support.resolution@2", "fingerprint": "0ldf1ngerpr1"}]


def _record(url: str, reports: Path, spec: RunSpec, verdict: str, place: RunPlace = MAIN) -> Path:
    path = write_run(reports, spec)
    record_dir(url, path, verdict=verdict, place=place)
    return path


@pytest.fixture
def history(tmp_path: Path, db_url: str) -> dict[str, Path]:
    """Newest first: a failing run, a passing run measured by another rubric version, an older passing run
    (the one to pick), a still older passing run, and a newer passing run on another branch."""
    reports = tmp_path / "reports"
    runs = {
        "failing": _record(db_url, reports, RunSpec("r-failing", started_at="2026-11-05T10:00:00+00:00"), "fail"),
        "other_instrument": _record(
            db_url, reports, RunSpec("r-other", started_at="2026-11-04T10:00:00+00:00", rubrics=OTHER_RUBRIC), "pass"
        ),
        "green": _record(db_url, reports, RunSpec("r-green", started_at="2026-11-03T10:00:00+00:00"), "pass"),
        "older_green": _record(db_url, reports, RunSpec("r-older", started_at="2026-11-01T10:00:00+00:00"), "pass"),
        "feature": _record(
            db_url,
            reports,
            RunSpec("r-feature", started_at="2026-11-06T10:00:00+00:00"),
            "pass",
            RunPlace(branch="feature-x"),
        ),
        "current": write_run(reports, RunSpec("r-current", started_at="2026-11-07T10:00:00+00:00")),
    }
    return runs


@pytest.fixture
def url(db_url: str) -> str:
    """The database the runs were recorded into (SQLite, and PostgreSQL where a server can be started)."""
    return db_url


def test_picks_newest_passing_run_with_the_same_instrument(history: dict[str, Path], url: str) -> None:
    instrument = instrument_of_run(history["current"])
    assert last_green(url, "last-green:main", instrument) == history["green"].resolve()
    assert last_green(url, "last-green:feature-x", instrument) == history["feature"].resolve()


def test_other_instrument_is_picked_when_the_current_run_uses_it(
    history: dict[str, Path], url: str, tmp_path: Path
) -> None:
    current = write_run(tmp_path / "elsewhere", RunSpec("r-v2", rubrics=OTHER_RUBRIC))
    assert last_green(url, "last-green:main", instrument_of_run(current)) == history["other_instrument"].resolve()


def test_a_deleted_run_directory_is_skipped_with_its_reason(history: dict[str, Path], url: str) -> None:
    shutil.rmtree(history["green"])
    instrument = instrument_of_run(history["current"])
    assert last_green(url, "last-green:main", instrument) == history["older_green"].resolve()
    shutil.rmtree(history["older_green"])
    with pytest.raises(BaselineError) as err:
        last_green(url, "last-green:main", instrument)
    line = str(err.value)
    assert "\n" not in line
    assert line.startswith("last-green:main: none of the 4 runs on branch 'main' qualifies: ")
    assert "r-failing (verdict fail)" in line
    assert (
        "r-other (other instrument: rubrics=support.resolution@2#0ldf1ngerpr1 (this run: support.resolution@3#" in line
    )
    assert f"r-green (run directory gone: {history['green']}" in line
    assert "r-older (run directory gone" in line


def test_refusals(history: dict[str, Path], url: str) -> None:
    instrument = instrument_of_run(history["current"])
    with pytest.raises(BaselineError, match=r"^last-green:release: no run recorded on branch 'release'$"):
        last_green(url, "last-green:release", instrument)
    with pytest.raises(BaselineError, match="expected last-green:<branch>"):
        last_green(url, "last-green:", instrument)
    with pytest.raises(BaselineError, match="history is off"):
        last_green(None, "last-green:main", instrument)


def test_interrupted_passing_run_is_not_green(tmp_path: Path, url: str) -> None:
    reports = tmp_path / "reports"
    _record(url, reports, RunSpec("r-stopped", status="interrupted"), "pass")
    with pytest.raises(BaselineError, match=r"r-stopped \(status interrupted\)"):
        last_green(url, "last-green:main", instrument_of_run(write_run(reports, RunSpec("r-now"))))


def test_compare_resolves_last_green(
    history: dict[str, Path], url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("EVALKIT_HISTORY_URL", url)
    result = CliRunner().invoke(main, ["compare", "last-green:main", str(history["current"]), "--format", "json"])
    assert result.exit_code == 0, result.output
    sides = json.loads(result.stdout)["sides"]
    assert sides == ["r-green", "r-current"]

    shutil.rmtree(history["green"]), shutil.rmtree(history["older_green"])
    refused = CliRunner().invoke(main, ["compare", "last-green:main", str(history["current"])])
    assert refused.exit_code == 1
    assert (
        "Error: last-green:main: none of the 4 runs on branch 'main' qualifies: r-failing (verdict fail)"
        in refused.output
    )

    alone = CliRunner().invoke(main, ["compare", "last-green:main"])
    assert alone.exit_code != 0 and "name that run too" in alone.output
