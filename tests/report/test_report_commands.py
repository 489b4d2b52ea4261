"""`evalkit report` and `evalkit compare` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from report_runs import RunSpec, T, write_run

from evalkit.cli import main


def _run(root: Path, run_id: str, tier: str, cost: tuple, **spec) -> Path:  # type: ignore[no-untyped-def]
    trials = [T(s, i, "pass", tier=tier, cost=cost) for s in ("s1", "s2") for i in range(3)]
    return write_run(root, trials, RunSpec(run_id=run_id, **spec))


def test_report_command_writes_html_and_summary(tmp_path: Path) -> None:
    run = _run(tmp_path, "run-a", "big", (0.02, 0.0, 0.0))
    result = CliRunner().invoke(main, ["report", str(run)])
    assert result.exit_code == 0, result.output
    assert (run / "report.html").exists() and (run / "summary.md").exists()


def test_report_command_on_a_non_run_is_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["report", str(tmp_path)])
    assert result.exit_code == 1 and "not a run directory" in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


def test_report_command_on_a_broken_run_json_names_the_file(tmp_path: Path) -> None:
    run = _run(tmp_path, "run-a", "big", (0.02, 0.0, 0.0))
    for text, problem in (("{not json", "not valid JSON"), ("[1, 2]", "expected a JSON object")):
        (run / "run.json").write_text(text)
        result = CliRunner().invoke(main, ["report", str(run)])
        assert result.exit_code == 1 and f"run.json: {problem}" in result.output
        assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


def test_out_in_a_missing_directory_is_one_line(tmp_path: Path) -> None:
    a = _run(tmp_path, "run-a", "big", (0.02, 0.0, 0.0))
    b = _run(tmp_path, "run-b", "small", (0.01, 0.0, 0.0))
    missing = tmp_path / "nodir"
    for args in (
        ["report", str(a), "--out", str(missing / "r.html")],
        ["compare", str(a), str(b), "--format", "md", "--out", str(missing / "c.md")],
    ):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 1 and f"{missing}/" in result.output and "cannot write" in result.output
        assert len(result.output.strip().splitlines()) == 1


def test_compare_command_formats_and_refusal(tmp_path: Path) -> None:
    a = _run(tmp_path, "run-a", "big", (0.02, 0.0, 0.0))
    b = _run(tmp_path, "run-b", "small", (0.005, 0.0, 0.0))
    c = _run(tmp_path, "run-c", "small", (0.005, 0.0, 0.0), judge_model="mock:other")
    runner = CliRunner()
    table = runner.invoke(main, ["compare", str(a), str(b), "--margin", "0.1"])
    assert table.exit_code == 0 and "routing:" in table.output and "non_inferior" in table.output
    out = tmp_path / "cmp.json"
    result = runner.invoke(main, ["compare", str(a), str(b), "--format", "json", "--out", str(out)])
    assert result.exit_code == 0 and json.loads(out.read_text())["sides"] == ["run-a", "run-b"]
    refused = runner.invoke(main, ["compare", str(a), str(c)])
    assert refused.exit_code == 1 and "judge model differs: mock:judge (run-a) vs mock:other (run-c)" in refused.output
    allowed = runner.invoke(main, ["compare", str(a), str(c), "--allow-mismatch", "--format", "md"])
    assert allowed.exit_code == 0 and "judge model differs" in allowed.output


def test_plot_needs_matplotlib_or_writes_png(tmp_path: Path) -> None:
    a = _run(tmp_path, "run-a", "big", (0.02, 0.0, 0.0))
    b = _run(tmp_path, "run-b", "small", (0.005, 0.0, 0.0))
    png = tmp_path / "plot.png"
    result = CliRunner().invoke(main, ["compare", str(a), str(b), "--format", "csv", "--plot", str(png)])
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        assert result.exit_code == 1 and "--plot needs matplotlib: pip install 'evalkit[plot]'" in result.output
    else:
        assert result.exit_code == 0 and png.read_bytes()[:4] == b"\x89PNG"
