"""Acceptance: one verdict, wherever a user looks.

The offline demo (one scenario x two tiers, one trial, no response cache) runs through a plain
`pytest`, through `evalkit run` and through `evalkit.run_scenario`; the
per-scenario verdicts read back from the terminal summary, JUnit XML, the CI
step summary, summary.md and report.html must all be the same, and so must the
run's verdict (the plugin's verdict line, the report's banner in summary.md and
report.html), since every one of them is decided by `evalkit.verdicts`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SUITE = ROOT / "evalkit" / "demo" / "project" / "suites" / "demo" / "support.yaml"
SCENARIOS = ("refund-out-of-policy",)  # passes on gpt-4.1, fails on gpt-4.1-mini: both verdicts, few sessions
SELECT = " or ".join([*SCENARIOS, "gate"])
Verdicts = dict[str, str]  # "scenario[tier]" -> pass / fail / invalid / error


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.endswith(("_API_KEY", "_BASE_URL"))}
    for name in ("EVALKIT_LIVE", "GITHUB_STEP_SUMMARY", "CI", "GITHUB_ACTIONS", "PYTEST_ADDOPTS"):
        env.pop(name, None)
    env["COLUMNS"] = "200"  # table cells unfolded, so the terminal summary reads back one row per scenario
    return {**env, **extra}


def _start(args: list[str], tmp_path: Path, **env: str) -> subprocess.Popen[str]:
    """Start a command (the two command lines run side by side while run_scenario runs in this process)."""
    return subprocess.Popen(
        args, cwd=ROOT, env=_env(tmp_path, **env), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _stdout(proc: subprocess.Popen[str]) -> str:
    out, err = proc.communicate(timeout=300)
    assert proc.returncode in (0, 1), out[-3000:] + err[-2000:]
    return out


def _run_dir(report_dir: Path) -> Path:
    [run_dir] = [p for p in report_dir.iterdir() if p.is_dir() and not p.is_symlink()]
    return run_dir


# ---------------------------------------------------------------- reading each place back


def terminal_verdicts(out: str) -> Verdicts:
    """Rows of the `evalkit scenarios` table: │ scenario[tier] │ VERDICT │ ..."""
    rows: Verdicts = {}
    for line in out.splitlines():
        cells = [c.strip() for c in line.split("│")]
        if len(cells) > 3 and cells[1].endswith("]") and "[" in cells[1]:
            rows[cells[1]] = cells[2].lower()
    return rows


def junit_verdicts(path: Path) -> Verdicts:
    """Each scenario testcase's `evalkit_outcome` property, checked against the testcase's own status."""
    rows: Verdicts = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        name = str(case.get("name"))
        if name.startswith("[gate]"):
            continue
        outcome = case.find("properties/property[@name='evalkit_outcome']")
        assert outcome is not None, name
        status = {child.tag for child in case} & {"failure", "error", "skipped"}
        expected = {"pass": set(), "fail": {"failure"}, "invalid": {"failure"}, "error": {"error"}}
        assert status == expected[str(outcome.get("value"))], (name, status)
        rows[name] = str(outcome.get("value"))
    return rows


def markdown_verdicts(text: str) -> Verdicts:
    """The scenario table of the Markdown summary (columns found by their header names)."""
    rows: Verdicts = {}
    columns: list[str] | None = None
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("|"):
            columns = None
        elif {"scenario", "tier", "verdict"} <= set(cells):
            columns = cells
        elif columns and not set(line) <= set("|-: "):
            row = dict(zip(columns, cells, strict=True))
            rows[f"{row['scenario'].strip('`')}[{row['tier']}]"] = row["verdict"].split()[-1].lower()
    return rows


class _ScenarioRows(HTMLParser):
    """report.html's scenario table: `<tr data-verdict=... data-scenario=... data-tier=...>`."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: Verdicts = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "tr" and a.get("data-verdict") and a.get("data-scenario"):
            self.rows[f"{a['data-scenario']}[{a.get('data-tier')}]"] = str(a["data-verdict"])


def html_verdicts(path: Path) -> Verdicts:
    parser = _ScenarioRows()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.rows


RUN = "(run)"  # the run's own verdict, kept beside the scenario verdicts


def as_pytest_names(verdicts: Verdicts) -> Verdicts:
    """`scenario[openai:gpt-4.1]` -> `scenario[gpt-4.1]`: pytest ids (so JUnit names) show the tier's short label,
    every other place its full name (`evalkit.run.keys`); the verdicts are what must agree."""
    from evalkit.run.keys import tier_label

    out: Verdicts = {}
    for key, value in verdicts.items():
        name, _, tier = key.partition("[")
        out[f"{name}[{tier_label(tier[:-1])}]" if tier else key] = value
    return out


def verdict_line_run(text: str) -> str:
    """The plugin's verdict line, `run verdict: FAIL (...)` (the terminal's last line, the step summary's first)."""
    line = next(line for line in text.splitlines() if "run verdict: " in line)
    return line.split("run verdict: ", 1)[1].split()[0].lower()


def markdown_run(text: str) -> str:
    """The report's banner, `**<icon> FAIL** — ...` (the plugin's own line is `### <icon> evalkit run verdict: ...`)."""
    line = next(line for line in text.splitlines() if line.startswith("**") and " — " in line)
    return line.split("**")[1].split()[-1].lower()


def html_run(path: Path) -> str:
    """`<div id="verdict-banner" class="banner fail">`."""
    html = path.read_text(encoding="utf-8")
    tag = html[html.index('id="verdict-banner"') :].split(">", 1)[0]
    return tag.split('class="banner ', 1)[1].split('"', 1)[0]


# ---------------------------------------------------------------- the three ways in


def start_pytest(tmp_path: Path) -> subprocess.Popen[str]:
    return _start(
        [
            sys.executable,
            "-m",
            "pytest",
            str(SUITE),
            "--evalkit-offline",
            "--evalkit-trials=1",
            f"--evalkit-report-dir={tmp_path / 'pytest-reports'}",
            "-k",
            SELECT,
            f"--junitxml={tmp_path / 'pytest.xml'}",
            "-p",
            "no:cacheprovider",
            "--evalkit-no-cache",
        ],
        tmp_path,
        GITHUB_STEP_SUMMARY=str(tmp_path / "step_summary.md"),
    )


def read_pytest(proc: subprocess.Popen[str], tmp_path: Path) -> dict[str, Verdicts]:
    out = _stdout(proc)
    run_dir = _run_dir(tmp_path / "pytest-reports")
    step = (tmp_path / "step_summary.md").read_text(encoding="utf-8")
    summary = (run_dir / "summary.md").read_text(encoding="utf-8")
    return {
        "pytest terminal": {**terminal_verdicts(out), RUN: verdict_line_run(out)},
        "pytest junit": junit_verdicts(tmp_path / "pytest.xml"),
        "pytest step summary": {**markdown_verdicts(step), RUN: markdown_run(step)},
        "pytest step summary line": {RUN: verdict_line_run(step)},
        "pytest summary.md": {**markdown_verdicts(summary), RUN: markdown_run(summary)},
        "pytest report.html": {**html_verdicts(run_dir / "report.html"), RUN: html_run(run_dir / "report.html")},
    }


def start_evalkit_run(tmp_path: Path) -> subprocess.Popen[str]:
    evalkit = Path(sys.executable).with_name("evalkit")
    return _start(
        [
            str(evalkit),
            "run",
            str(SUITE),
            "--offline",
            "--trials",
            "1",
            "--report-dir",
            str(tmp_path / "run-reports"),
            "-k",
            SELECT,
            f"--junitxml={tmp_path / 'run.xml'}",
            "--no-cache",
        ],
        tmp_path,
    )


def read_evalkit_run(proc: subprocess.Popen[str], tmp_path: Path) -> dict[str, Verdicts]:
    out = _stdout(proc)
    run_dir = _run_dir(tmp_path / "run-reports")
    summary = (run_dir / "summary.md").read_text(encoding="utf-8")
    return {
        "evalkit run terminal": {**terminal_verdicts(out), RUN: verdict_line_run(out)},
        "evalkit run junit": junit_verdicts(tmp_path / "run.xml"),
        "evalkit run summary.md": {**markdown_verdicts(summary), RUN: markdown_run(summary)},
        "evalkit run report.html": {**html_verdicts(run_dir / "report.html"), RUN: html_run(run_dir / "report.html")},
    }


def through_run_scenario(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Verdicts]:
    import evalkit
    from evalkit.plugin.offline import OfflineEndpoint
    from evalkit.run import RunConfig
    from evalkit.spec import load_suite

    for name in list(os.environ):
        if name.endswith(("_API_KEY", "_BASE_URL")):
            monkeypatch.delenv(name)
    loaded = load_suite(SUITE)
    endpoint = OfflineEndpoint([loaded])  # what --offline does: the fake server, and the SDK agent pointed at it
    rows: Verdicts = {}
    try:
        for tier in loaded.suite.agent_models:
            config = RunConfig(
                report_dir=tmp_path / "api-reports",
                tiers=[tier],
                base_urls=endpoint.base_urls,
                offline=True,
                cache=False,
            )
            for scenario in SCENARIOS:
                verdict = evalkit.run_scenario(scenario, trials=1, suite=SUITE, config=config).verdict
                rows[verdict.label] = verdict.outcome
    finally:
        endpoint.close()
    return {"run_scenario": rows}


def test_the_same_verdicts_everywhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plain, wrapped = start_pytest(tmp_path), start_evalkit_run(tmp_path)
    try:
        api = through_run_scenario(tmp_path, monkeypatch)
        places = {**read_pytest(plain, tmp_path), **read_evalkit_run(wrapped, tmp_path), **api}
    finally:
        for proc in (plain, wrapped):
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    reference = places["pytest terminal"]
    scenarios = {k: v for k, v in reference.items() if k != RUN}
    assert len(scenarios) == 2 and set(scenarios.values()) == {"pass", "fail"}, reference  # not a vacuous match
    assert reference[RUN] == "fail"
    for place, verdicts in places.items():  # JUnit and run_scenario have no run verdict, the step's line only that
        if set(verdicts) == {RUN}:
            assert verdicts[RUN] == reference[RUN], place
            continue
        assert as_pytest_names({k: v for k, v in verdicts.items() if k != RUN}) == as_pytest_names(scenarios), (
            f"{place} disagrees with the terminal"
        )
        if RUN in verdicts:
            assert verdicts[RUN] == reference[RUN], f"{place}: run verdict {verdicts[RUN]} != {reference[RUN]}"
