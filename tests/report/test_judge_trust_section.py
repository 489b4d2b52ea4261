"""report.html and summary.md "Judge trust": a real offline run, labels, `evalkit calibrate`, then the report.

The project, run and scripted judge are the calibration tests' (tests/calibration/calib_project.py),
so which items the judge and the labeller disagree on is known by construction.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from html import unescape
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from pydantic import BaseModel
from report_cdp import Browser

sys.path.insert(0, str(Path(__file__).parents[1] / "calibration"))

from calib_project import JUDGE, RUBRIC_REF, judge_says, make_run, seed_of, write_labels

from evalkit.cli import main
from evalkit.report import render_html_report, render_markdown_summary, write_html_report
from evalkit.report.drilldown import anchor_for
from evalkit.report.judge_trust import probe_rows
from evalkit.report.rundata import open_run
from evalkit.verdicts.trust_record import CalibrationRecord

RECORD = Path("calibration") / RUBRIC_REF / "openai_judge-m.json"
# A labeller's note that would run script, load an image, break the Markdown table or link away if rendered raw.
HOSTILE = (
    '</td></tr></table><script>document.title="pwned-note"</script>'
    "<img src=x onerror=\"document.body.setAttribute('data-pwned','note')\"> | "
    "![pixel](http://127.0.0.1:9/pixel.png) `tick` [away](javascript:alert(1)) www.example.com"
)


def evalkit(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def _run_dir(project: Path) -> Path:
    return next((project / "reports").glob("2*"))


def _calibrate(project: Path, agree: bool = False) -> list[dict]:
    """Label the run (every helpful note hostile) and calibrate; returns the label rows as written."""
    labels, rows = write_labels(project, _run_dir(project), agree=agree)
    lines = [json.loads(line) for line in labels.read_text().splitlines()]
    for line in lines:
        line["criteria"]["helpful"]["note"] = HOSTILE
    labels.write_text("".join(json.dumps(line) + "\n" for line in lines))
    result = evalkit("calibrate", "--labels", labels, "--rubric", RUBRIC_REF, "--offline", "--root", project)
    assert result.exit_code == 0, result.output
    return rows


@pytest.fixture(scope="module")
def _built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict]]:
    root = tmp_path_factory.mktemp("trust-project")
    make_run(root)
    return root, _calibrate(root)


@pytest.fixture
def calibrated(_built: tuple[Path, list[dict]], tmp_path: Path) -> tuple[Path, list[dict]]:
    """A copy per test (tests edit the record or the suite), its run pointing at the copy's suite file."""
    copy = tmp_path / "project"
    shutil.copytree(_built[0], copy)
    run = _run_dir(copy)
    for name in ("run.json", "trials.jsonl"):  # the gate and the section find the project from the suite file
        (run / name).write_text((run / name).read_text().replace(str(_built[0]), str(copy)))
    return copy, _built[1]


def _record(project: Path) -> CalibrationRecord:
    return CalibrationRecord.model_validate_json((project / RECORD).read_bytes())


def _check_line(project: Path, *options: str) -> tuple[str, str]:
    """`evalkit calibrate check`'s (state, why) for the one rubric x judge, from its CI line."""
    out = evalkit("calibrate", "check", "--root", project, *options)
    line = next(x for x in out.output.splitlines() if f"{RUBRIC_REF} x {JUDGE}" in x)
    state, _, why = line.partition(f": {RUBRIC_REF} x {JUDGE}: ")
    return state, why


def _suite_floors(project: Path, **floors: int) -> Path:
    """Set the suite's gate.judge_trust floors; returns the run."""
    suite = project / "suites" / "calib.yaml"
    spec = json.loads(suite.read_text())
    spec["gate"] = {"judge_trust": floors}
    suite.write_text(json.dumps(spec))
    return _run_dir(project)


def _section(html: str) -> str:
    start = html.index('<h2 id="judge-trust">')
    return html[start : html.index("<h2", start + 10)]


def test_the_section_states_what_calibrate_check_says_with_the_records_numbers(calibrated) -> None:
    project, _ = calibrated
    run = _run_dir(project)
    record = _record(project)
    state, why = _check_line(project)
    assert state == "untrusted"  # kappa near 0 by construction
    html = _section(render_html_report(run))
    assert f'data-state="{state}"' in html and unescape(why) in unescape(html)
    assert f"made {record.key.date}" in html and f"{record.n_labels} label lines" in html
    assert f"{record.n_holdout} holdout labels" in html and f"from {record.n_clusters} scenarios" in html
    for c in record.criteria:
        kappa = c.intervals["cohen_kappa"]
        tpr = c.intervals["tpr"]
        assert f"{kappa.estimate:.2f} [{kappa.low:.2f}, {kappa.high:.2f}]" in html
        assert f"{tpr.estimate:.2f} [{tpr.low:.2f}, {tpr.high:.2f}]" in html
        m = c.binary.confusion
        assert f"{m.tp} {m.fp} {m.fn} {m.tn}" in html
    md = render_markdown_summary(run)
    assert "#### Judge trust" in md and f"**{state}**" in md and f"made {record.key.date}" in md
    gate_row = next(line for line in md.splitlines() if line.startswith("| judge_trust |"))
    assert f"{RUBRIC_REF} x {JUDGE} is {state.upper()}" in gate_row  # the gate on the same page agrees


def test_disagreements_are_the_constructed_ones_linked_to_their_trials(calibrated) -> None:
    project, rows = calibrated
    run_dir = _run_dir(project)
    run = open_run(run_dir)
    expected = sorted(
        (r["transcript_hash"], r["labeller"])
        for r in rows
        if r["split"] == "holdout" and judge_says(r["_seed"])[0] != r["criteria"]["helpful"]["score"]
    )
    helpful = next(c for c in _record(project).criteria if c.criterion_id == "helpful")
    assert sorted((d.transcript_hash, d.labeller) for d in helpful.disagreements) == expected
    assert expected  # the construction has disagreements
    for d in helpful.disagreements:
        assert (
            d.human_pass
            != judge_says(seed_of((run_dir / "transcripts").joinpath(Path(d.transcript).name).read_text()))[0]
        )
        assert d.human_note == HOSTILE and d.judge_reasoning == "It said where."
        assert [(e.turn, e.quote) for e in d.judge_evidence] == [(4, "has shipped")]
    html = _section(render_html_report(run))
    total = sum(len(c.disagreements) for c in _record(project).criteria)
    assert f"Disagreements ({total})" in html and html.count('class="disagreement"') == total
    trials = {t.transcript_hash: t for t in run.trials}
    for transcript_hash, _ in expected:  # the labels came from this run: each links to its trial and cited turn
        anchor = anchor_for(trials[transcript_hash])
        assert f'href="#{anchor}"' in html and f'href="#{anchor}-m4"' in html


def test_hostile_notes_are_inert_in_html_and_markdown(calibrated) -> None:
    project, _ = calibrated
    run = _run_dir(project)
    html = render_html_report(run)
    assert "pwned-note" in html  # the note is shown ...
    assert '<script>document.title="pwned-note"' not in html and "<img src=x" not in html  # ... as text
    assert 'href="javascript:' not in html and not re.search(r'(src|href)="(https?:)?//', html)
    assert "&lt;script&gt;document.title=&#34;pwned-note&#34;" in html
    md = render_markdown_summary(run)
    notes = [line for line in md.splitlines() if "pwned-note" in line]
    assert notes
    for line in notes:
        assert "<" not in line.replace("&lt;", "") and "![" not in line and "](" not in line
        assert len(re.findall(r"(?<!\\)\|", line)) == 7  # six cells: every | in the note is escaped
        assert "www.example" not in line  # no autolink


def test_a_browser_runs_nothing_from_the_notes_and_fetches_nothing(calibrated, browser: Browser) -> None:
    project, _ = calibrated
    page_path = write_html_report(_run_dir(project))
    page = browser.open(page_path.as_uri() + "#judge-trust")
    page.settle()
    assert page.eval("document.title").startswith("evalkit report")
    assert page.eval("document.body.getAttribute('data-pwned')") is None
    assert page.eval("document.querySelectorAll('.disagreements img, .disagreements script').length") == 0
    notes = page.eval("Array.from(document.querySelectorAll('.disagreements .note')).map(n => n.innerText)")
    assert notes and all(n == HOSTILE for n in notes)
    assert page.requests() == [page_path.as_uri()]  # the page itself, nothing else


def test_without_a_record_the_state_is_missing_and_nothing_else_is_shown(calibrated) -> None:
    project, _ = calibrated
    (project / RECORD).unlink()
    state, _ = _check_line(project)
    html = _section(render_html_report(_run_dir(project)))
    assert state == "missing" and 'data-state="missing"' in html
    assert "No calibration record" in html and "Disagreements" not in html and "<table" not in html
    assert "what to do: `evalkit labels sample RUN_DIR" in unescape(html)
    md = render_markdown_summary(_run_dir(project))
    assert "**missing**" in md and "<details><summary>quality@1" not in md


def test_a_record_for_another_fingerprint_is_stale_and_says_so(calibrated) -> None:
    project, _ = calibrated
    data = json.loads((project / RECORD).read_text())
    data["key"]["rubric_fingerprint"] = "0ther0ne"
    (project / RECORD).write_text(json.dumps(data))
    state, why = _check_line(project)
    assert state == "stale" and "rubric fingerprint changed" in why
    html = _section(render_html_report(_run_dir(project)))
    assert 'data-state="stale"' in html and "rubric fingerprint changed" in html
    assert "describes another instrument" in html
    assert "describes another instrument" in render_markdown_summary(_run_dir(project))


def test_an_old_record_that_clears_the_floors_is_aged(calibrated) -> None:
    project, _ = calibrated
    _calibrate(project, agree=True)
    data = json.loads((project / RECORD).read_text())
    data["key"]["date"] = "2020-01-01"
    (project / RECORD).write_text(json.dumps(data))
    state, why = _check_line(project, "--min-clusters", "4")
    run = _suite_floors(project, min_clusters=4)
    html = _section(render_html_report(run))
    assert state == "aged" and 'data-state="aged"' in html and unescape(why) in unescape(html)
    assert "made 2020-01-01" in html


def test_a_judge_agreeing_with_labels_from_few_scenarios_is_weak(calibrated) -> None:
    project, _ = calibrated
    _calibrate(project, agree=True)
    assert _check_line(project)[0] == "weak"  # 4 scenarios, 10 needed by default
    html = _section(render_html_report(_run_dir(project)))
    assert 'data-state="weak"' in html and "labels from 4 scenarios (&lt; 10)" in html
    assert "Disagreements (0)" in html and "None: the judge and the labels agree" in html


def test_the_suites_judge_trust_floors_decide(calibrated) -> None:
    project, _ = calibrated
    _calibrate(project, agree=True)
    run = _suite_floors(project, min_clusters=4)
    state, _ = _check_line(project, "--min-clusters", "4")
    html = _section(render_html_report(run))
    assert state == "trusted" and 'data-state="trusted"' in html


def test_a_record_from_before_disagreements_were_recorded_still_shows(calibrated) -> None:
    project, _ = calibrated
    data = json.loads((project / RECORD).read_text())
    for c in data["criteria"]:
        del c["disagreements"]
    (project / RECORD).write_text(json.dumps(data))
    html = _section(render_html_report(_run_dir(project)))
    assert 'data-state="untrusted"' in html and "Disagreements (0)" in html


def test_probes_show_whatever_fields_the_record_carries() -> None:
    rows = probe_rows([{"name": "verbosity", "flip_rate": 0.125, "p_value": 0.0312, "n": 16, "detail": {"x": 1}}])
    assert rows == [("verbosity", "flip_rate 0.125; p_value 0.0312; n 16")]
    assert probe_rows({"injection": {"fpr_shift": 0.0}}) == [("injection", "fpr_shift 0")]
    assert probe_rows(None) == [] and probe_rows([]) == []

    class Flip(BaseModel):
        flip_rate: float
        n: int

    class Probes(BaseModel):
        verbosity: Flip | None
        injection: Flip | None

    assert probe_rows(Probes(verbosity=Flip(flip_rate=0.5, n=8), injection=None)) == [
        ("verbosity", "flip_rate 0.5; n 8")
    ]


def test_the_ci_step_summary_carries_the_section(calibrated, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """$GITHUB_STEP_SUMMARY gets the report's summary (it falls back to a compact one if rendering fails)."""
    from evalkit.plugin.ci import STEP_SUMMARY, write_step_summary
    from evalkit.plugin.summary import build_view
    from evalkit.verdicts import VerdictInputs

    project, _ = calibrated
    run = open_run(_run_dir(project))
    target = tmp_path / "step-summary.md"
    monkeypatch.setenv(STEP_SUMMARY, str(target))
    write_step_summary(build_view(run.trials, run.results, VerdictInputs(run_dir=run.path)))
    text = target.read_text()
    assert "#### Judge trust" in text and "**untrusted**" in text and "Disagreements (holdout items" in text
    assert "<script>" not in text
