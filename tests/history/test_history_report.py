"""history.html as a string: sections, figures from the same analyses as the CLI, escaping, links, the command."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent))

from history_frames_synth import frames, recorded_history

from evalkit.cli import main
from evalkit.report.history_page import HistoryPageConfig, render_history_page

HOSTILE = (
    '</th></tr></table><script>document.title="pwned-name"</script>'
    "<img src=x onerror=\"document.body.setAttribute('data-pwned','img')\">"
    "</title></svg><svg onload=\"document.body.setAttribute('data-pwned','svg')\">"
    "<a href=\"javascript:document.title='pwned-link'\">x</a> https://example.com/t.png"
)


def hostile_history():  # type: ignore[no-untyped-def]
    """12 runs: a hostile scenario that drifts, a flaky one, one run without a report and one of unknown cost."""
    cells = {
        ("support", HOSTILE, "mock:small"): ["ppppp"] * 7 + ["fffff"] * 5,
        ("support", "coin", "mock:small"): ["pfpfp", "ppffp"] * 6,
        ("support", "steady", f"tier{HOSTILE}"): ["ppp"] * 12,
    }
    h = frames(cells, cost=[0.5, 0.25, None] + [0.1] * 9, report_root="/srv/reports")
    h.runs.loc[1, "report_path"] = None
    h.runs.loc[2, "report_path"] = "javascript:document.title='pwned-href'"
    return h


def test_page_shows_every_section_from_the_same_analyses(tmp_path: Path) -> None:
    html = render_history_page(hostile_history(), tmp_path, HistoryPageConfig(window=5))
    for section in ("trends", "heatmap", "flaky", "drift", "cost", "runs"):
        assert f'<section id="{section}">' in html
    assert html.count('class="chart trend"') == 2  # one per suite x tier
    assert html.count('<td class="hm ') == 3 * 12  # 3 cells x 12 runs
    assert html.count('class="drift-row drifting"') == 1 and "DRIFT</span>" in html
    assert html.count('class="flaky-row"') == 1 and ">0.60 <" in html  # coin: 3-2 splits, 0.6 every run
    assert "1 run(s) of unknown cost" in html and "Tallest bar = $0.5000" in html
    assert html.count('class="run-row"') == 12 and "(no report)" in html


def test_names_are_escaped_and_nothing_can_run_or_load(tmp_path: Path) -> None:
    html = render_history_page(hostile_history(), tmp_path)
    assert "<script" not in html and "<img" not in html and "onload=" not in html.replace("onload=&#34;", "")
    assert "&lt;script&gt;document.title=&#34;pwned-name&#34;&lt;/script&gt;" in html
    assert "script-src &#39;none&#39;" in html  # attribute-escaped; the browser test reads it back
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert hrefs and all(h == "data:," or not re.match(r"[a-z]+:", h) for h in hrefs)  # relative paths only
    assert "javascript%3Adocument.title" in html  # the stored value became an inert relative path
    assert not re.search(r'(src|href)="(https?:)?//', html)


def test_run_links_are_relative_to_the_page(tmp_path: Path) -> None:
    out_dir = tmp_path / "site"
    html = render_history_page(frames({("s", "x", "t"): ["p"]}, report_root=str(tmp_path / "reports")), out_dir)
    assert 'href="../reports/run-000/report.html"' in html


def test_empty_history_renders(tmp_path: Path) -> None:
    empty = frames({("s", "x", "t"): ["p"]})
    empty.trials, empty.runs = empty.trials.iloc[0:0], empty.runs.iloc[0:0]
    html = render_history_page(empty, tmp_path)
    assert 'id="empty"' in html and "0 run(s)" in html


def test_report_command_writes_the_page_over_recorded_runs(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    url = recorded_history(reports, [{"refund": ["pass", "fail"], "cancel": ["pass"]}] * 3)
    out = tmp_path / "out" / "history.html"
    result = CliRunner().invoke(main, ["history", "--url", url, "report", "-o", str(out)])
    assert result.exit_code == 0, result.output
    html = out.read_text()
    links = re.findall(r'class="run-link" href="([^"]+)"', html)
    assert len(links) == 3 and all((out.parent / link).resolve().is_file() for link in links)
    assert html.count('class="flaky-row"') == 1 and "support/refund" in html


def test_a_scenario_named_like_its_suite_still_gets_the_suite_chart(tmp_path: Path) -> None:
    html = render_history_page(
        frames({("refund", "refund", "t"): ["pf", "pp"], ("refund", "other", "t"): ["p", "p"]}), tmp_path
    )
    assert html.count('class="chart trend"') == 1 and "refund · t</h3>" in html
