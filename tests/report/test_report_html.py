"""report.html and summary.md as text: escaping, highlighting, CSP, provenance, summary tables."""

from __future__ import annotations

import base64
import hashlib
import re
from html import unescape
from pathlib import Path

from report_runs import PAYLOAD, T, write_run

from evalkit.report import render_html_report, render_markdown_summary, write_html_report
from evalkit.report.highlight import highlight


def test_highlight_escapes_everything_and_marks_quotes() -> None:
    out = str(highlight('a <b onclick="x">refund</b> & Refund done', ["refund", "<b"]))
    assert "<b" not in out.replace("<mark", "").replace("</mark>", "")
    assert out.count('<mark class="ev">') == 3  # "<b" plus both refunds, case-insensitively
    assert "&amp;" in out and "&lt;" in out


def test_highlight_merges_overlapping_quotes() -> None:
    out = str(highlight("refunded order 1234 today", ["refunded order", "order 1234"]))
    assert out == '<mark class="ev">refunded order 1234</mark> today'


def test_report_escapes_payload_and_allows_only_its_own_script(sample_run: Path) -> None:
    html = render_html_report(sample_run)
    assert "<script>document.title" not in html and 'onerror="document' not in html
    assert 'href="javascript:' not in html and '<a href="http' not in html
    assert "&lt;script&gt;document.title" in html
    scripts = re.findall(r"<script>(.*?)</script>", html, re.S)
    assert len(scripts) == 1
    digest = base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode()
    csp = unescape(re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html).group(1))  # type: ignore[union-attr]
    assert f"script-src 'sha256-{digest}'" in csp and "default-src 'none'" in csp
    assert not re.search(r'(src|href)="(https?:)?//', html)  # nothing to fetch: no CDN, fonts or images


def test_report_shows_provenance_reasons_and_invalid_trials(sample_run: Path) -> None:
    html = render_html_report(sample_run)
    assert "support.resolution@2 fingerprint fp-resolution-1; judge mock:judge; template th1" in html
    assert "judge output unparseable" in html and "The agent did not resolve it." in html
    assert html.count('data-filter="trial"') == 8


def test_report_survives_a_missing_transcript(tmp_path: Path) -> None:
    run = write_run(tmp_path, [T("s1", 0, "pass"), T("s1", 1, "fail")])
    next((run / "transcripts").iterdir()).unlink()
    path = write_html_report(run)
    assert path == run / "report.html" and "transcript file missing or unreadable" in path.read_text()


def test_markdown_summary_tables(sample_run: Path) -> None:
    md = render_markdown_summary(sample_run)
    assert "| invalid_rate | support | mock:large | ❌ fail | 1/4 trials invalid (25%)" in md
    assert "| mock:small | 4 | 2 / 1 / 1 |" in md
    assert "| refund | mock:small | ❌ fail | 1 / 1 / 1 |" in md and "(flaky)" in md
    assert "Cost by role: agent $0.0800" in md
    assert "<script>" not in md


def test_markdown_cells_cannot_break_the_table(tmp_path: Path) -> None:
    run = write_run(tmp_path, [T("a|b<i>", 0, "invalid", invalid_reason="bad | <b>judge</b>\nline")])
    md = render_markdown_summary(run)
    assert "a\\|b&lt;i&gt;" in md and "bad \\| &lt;b&gt;judge&lt;/b&gt; line" in md


def test_report_gates_are_decided_by_the_verdicts_package_not_read_back(tmp_path: Path) -> None:
    """A gate stored in run.json that the rows contradict is not shown: the report asks evalkit.verdicts."""
    from report_runs import RunSpec

    stale = [{"suite": "support", "tier": "default", "name": "invalid_rate", "decision": "pass", "detail": "stale"}]
    run = write_run(
        tmp_path,
        [T("s1", 0, "pass"), T("s1", 1, "invalid", invalid_reason="judge down")],
        RunSpec(extra_manifest={"gates": stale}),
    )
    md = render_markdown_summary(run)
    assert "| invalid_rate | support | default | ❌ fail | 1/2 trials invalid (50%)" in md
    assert "stale" not in md and PAYLOAD not in md


def test_highlight_matches_like_the_evidence_check() -> None:
    """Whitespace, case, typographic dashes/quotes and "..." gaps are folded as the judge's verifier folds them."""
    out = str(
        highlight("I have  Refunded\norder 1234 \u2014 it\u2019s done. Bye.", ["refunded order 1234 - it's done"])
    )
    assert out.count("<mark") == 1 and "Refunded\norder 1234 \u2014 it\u2019s done</mark>" in out
    gaps = str(highlight("first part, middle, last part", ["first part ... last part"]))
    assert gaps.count("<mark") == 2


def test_evidence_cites_message_numbers(tmp_path: Path) -> None:
    from evalkit.judging.verdict import CriterionScore, Evidence, Outcome

    criteria = [
        CriterionScore(
            criterion_id="resolved",
            kind="llm",
            outcome=Outcome.passed,
            score=1.0,
            reasoning="ok",
            evidence=[
                Evidence(turn=2, quote='[tool call refund_order {"order_id": "1234"}]', verified=True),
                Evidence(turn=4, quote="refunded order 1234", verified=True),
                Evidence(turn=1, quote="refunded order 1234", verified=False),
            ],
        )
    ]
    run = write_run(tmp_path, [T("s1", 0, "pass", criteria=criteria)])
    html = render_html_report(run)
    assert 'class="msg assistant cited" id="t-support-s1-default-0-m2"' in html  # quote inside a tool call
    assert '<mark class="ev">refunded order 1234</mark>' in html
    assert html.count("(not found in message #") == 1 and "(not found in message #1)" in html


def test_offline_run_costs_are_labelled_list_price_estimates(tmp_path: Path) -> None:
    from report_runs import RunSpec

    label = "cost (list-price estimate; offline run, nothing spent)"
    offline = write_run(tmp_path / "off", [T("s1", 0, "pass")], RunSpec(extra_manifest={"config": {"offline": True}}))
    assert label in render_markdown_summary(offline) and "Cost (list-price estimate" in render_markdown_summary(offline)
    assert label in render_html_report(offline)
    live = write_run(tmp_path / "live", [T("s1", 0, "pass")])
    assert "list-price estimate" not in render_markdown_summary(live) + render_html_report(live)
