"""`evalkit history import` and `evalkit history runs`: what a user types and reads."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from history_run_dirs import RunSpec, write_run

from evalkit.cli import main
from evalkit.history.capture import RunPlace
from evalkit.history.record import record_dir
from evalkit.stats import pass_rate_estimate


def _invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["history", *args], env=env, catch_exceptions=False)
    return result.exit_code, result.output


def test_import_backfills_a_reports_folder_and_skips_what_is_not_a_run(sqlite_url: str, tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    write_run(reports, RunSpec("r1", started_at="2026-11-01T10:00:00+00:00"))
    write_run(reports, RunSpec("r2", started_at="2026-11-02T10:00:00+00:00"))
    (reports / "latest").symlink_to("r2")
    (reports / "notes.txt").write_text("not a run")

    code, out = _invoke("--url", sqlite_url, "import", *(str(p) for p in sorted(reports.iterdir())), "--branch", "main")
    assert code == 0, out
    assert re.findall(r"imported (\S+) \(complete, 4 trials, verdict pass\)", out) == ["r1", "r2"]
    assert "2 run(s) recorded" in out and "1 skipped" in out  # latest is r2 again (once); notes.txt skipped

    code, again = _invoke("--url", sqlite_url, "import", str(reports))  # idempotent
    assert code == 0 and "2 run(s) recorded" in again
    code, listing = _invoke("--url", sqlite_url, "runs")
    assert [line.split()[0] for line in listing.splitlines()] == ["r2", "r1"]


def test_runs_prints_one_line_per_run_with_the_clustered_interval(sqlite_url: str, tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    outcomes = {"a": ["pass", "pass", "fail"], "b": ["pass", "fail", "invalid"], "c": ["pass", "pass", "pass"]}
    record_dir(
        sqlite_url,
        write_run(reports, RunSpec("r1", outcomes=outcomes, cost_per_trial=0.02)),
        place=RunPlace(branch="main", dirty=True),
    )
    record_dir(
        sqlite_url,
        write_run(reports, RunSpec("other", suite="billing", started_at="2026-11-02T10:00:00+00:00")),
        place=RunPlace(branch="dev"),
    )

    code, out = _invoke("--url", sqlite_url, "runs", "--branch", "main")
    assert code == 0
    [line] = out.splitlines()
    est = pass_rate_estimate({"a": (2, 3), "b": (1, 2), "c": (3, 3)})  # invalid left out
    assert line.startswith("r1  2026-11-01 10:00  main*  ")
    assert f"pass {est.mean:.0%} [{est.low:.0%}, {est.high:.0%}] (9 trials)" in line
    assert "$0.1800" in line

    assert _invoke("--url", sqlite_url, "runs", "--suite", "billing")[1].split()[0] == "other"
    assert _invoke("--url", sqlite_url, "runs", "--limit", "1")[1].split()[0] == "other"  # newest
    assert _invoke("--url", sqlite_url, "runs", "--suite", "nope")[1].strip() == "no runs recorded matching the filters"


def test_the_default_database_is_the_projects_reports_history(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.evalkit]\nreport_dir = 'out'\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("EVALKIT_HISTORY_URL", raising=False)
    write_run(tmp_path / "out", RunSpec("r1"))
    code, out = _invoke("import", "out")
    assert code == 0 and f"recorded in sqlite:///{tmp_path / 'out' / 'history.db'}" in out
    assert (tmp_path / "out" / "history.db").is_file()


def test_a_bad_history_setting_is_one_line_naming_file_line_and_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n\n[tool.evalkit]\nhistory = 3\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("EVALKIT_HISTORY_URL", raising=False)
    code, out = _invoke("runs")
    assert code == 2
    assert f"history ({tmp_path / 'pyproject.toml'}:5 [tool.evalkit]): expected true, false, a database URL" in out
    assert "Traceback" not in out

    (tmp_path / "pyproject.toml").write_text("[tool.evalkit]\nhistory = false\n")
    code, out = _invoke("runs")
    assert code == 2 and "history is off for this project" in out


def test_an_unreachable_database_is_one_line_without_the_password(tmp_path: Path) -> None:
    secret = "n0t-For-Your-Eyes-77"
    code, out = _invoke("runs", env={"EVALKIT_HISTORY_URL": f"postgresql+psycopg://ci:{secret}@127.0.0.1:1/h"})
    assert code == 1
    assert secret not in out and "postgresql+psycopg://ci:***@127.0.0.1:1/h" in out
    assert len(out.strip().splitlines()) == 1


def test_import_of_an_unreadable_run_goes_on_with_the_others(sqlite_url: str, tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    write_run(reports, RunSpec("good"))
    broken = reports / "broken"
    broken.mkdir()
    (broken / "run.json").write_text("{not json")
    result = CliRunner().invoke(main, ["history", "--url", sqlite_url, "import", str(reports)])
    assert result.exit_code == 1
    assert "imported good" in result.stdout and "1 failed" in result.stdout
    assert len(result.stderr.strip().splitlines()) == 1 and f"{broken}: not imported" in result.stderr


def test_history_help_lists_every_subcommand_without_loading_the_store() -> None:
    import subprocess
    import sys

    from evalkit.history.commands import SUBCOMMANDS

    probe = (
        "import sys\nfrom click.testing import CliRunner\nfrom evalkit.cli import main\n"
        "out = CliRunner().invoke(main, ['history', '--help'], terminal_width=400).output\n"
        "print(out)\nprint('LOADED', [m for m in ('sqlalchemy', 'pandas', 'alembic') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip().endswith("LOADED []")
    for name in SUBCOMMANDS:
        assert f"  {name}  " in out
