"""Item 13: transcript text reaches summary.md, compare.md and the CI step summary as inert Markdown.

GitHub renders these files: `![x](http://attacker/pixel)` would make a reader's browser fetch a URL,
and a link's text can say anything about where it goes. Hostile text is put everywhere a run lets an
agent, a judge or a suite author write (scenario ids, reasons, agent and user turns, judge reasoning),
and each output is searched for live image, link, autolink, link-definition and raw-HTML syntax.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "report"))

from report_runs import RunSpec, T, default_messages, write_run

from evalkit.judging.verdict import CriterionScore, Outcome
from evalkit.plugin.ci import markdown_summary, verdict_header
from evalkit.plugin.summary import build_view
from evalkit.report import compare_runs, render_markdown_summary
from evalkit.report.compare_output import to_markdown
from evalkit.report.render import md
from evalkit.verdicts import TrialRecord, VerdictInputs

PAYLOADS = [
    "![x](http://attacker/pixel)",
    "[click here](https://attacker/login)",
    "<https://attacker/auto>",
    "<img src=http://attacker/i.png>",
    "see www.attacker.com and http://attacker/bare",
    "[ref]: http://attacker/def",
    "[a][ref] ![b][ref]",
    "\\![y](http://attacker/escaped-escape)",
    "`x` ![z]\n(http://attacker/newline)",
]
HOSTILE = " ".join(PAYLOADS)
ID_PAYLOAD = "![x](pixel.png) [click](javascript:go) <b>"  # scenario ids name files: no slash
LIVE = {
    "image": re.compile(r"!\["),
    "inline link": re.compile(r"\]\("),
    "reference link": re.compile(r"\]\["),
    "link definition": re.compile(r"^\s*(?:(?:[-*+]|\d+\.|>)\s*)*\[[^\]]*\]:", re.MULTILINE),
    "autolink or raw HTML": re.compile(r"<\s*[a-z/!?]", re.IGNORECASE),
    "bare URL": re.compile(r"https?://|www\.", re.IGNORECASE),
}


def live_syntax(text: str) -> dict[str, list[str]]:
    return {name: pat.findall(text) for name, pat in LIVE.items() if pat.findall(text)}


def _hostile_trials(scenario: str, tier: str) -> list[T]:
    reply = default_messages(f"I refunded it. {HOSTILE}")
    judged = [
        CriterionScore(
            criterion_id="resolved",
            kind="llm",
            outcome=Outcome.failed,
            score=0.0,
            weight=1.0,
            must_pass=True,
            reasoning=HOSTILE,
        )
    ]
    return [
        T(scenario, 0, "pass", tier=tier, messages=reply),
        T(scenario, 1, "fail", tier=tier, messages=reply, criteria=judged),
        T(scenario, 2, "invalid", tier=tier, messages=reply, invalid_reason=f"judge said {HOSTILE}"),
    ]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_md_leaves_no_live_syntax(payload: str) -> None:
    assert live_syntax(md(payload)) == {}
    assert "\n" not in md(payload) and "|" not in md(payload).replace("\\|", "")


def test_md_keeps_ordinary_text_readable() -> None:
    assert md("refund[mock:small] (flaky) 3 > 2") == "refund[mock:small] (flaky) 3 &gt; 2"


def test_summary_md_has_no_live_image_or_link(tmp_path: Path) -> None:
    run = write_run(tmp_path, _hostile_trials(f"refund {ID_PAYLOAD}", "default"))
    text = render_markdown_summary(run)
    assert "pixel.png" in text and "attacker/pixel" in text  # the payloads are shown, as text
    assert live_syntax(text.replace("<details><summary>", "").replace("</summary>", "").replace("</details>", "")) == {}


def test_compare_md_has_no_live_image_or_link(tmp_path: Path) -> None:
    scenario = f"refund {ID_PAYLOAD}"
    a = write_run(tmp_path, _hostile_trials(scenario, "default"), RunSpec(run_id="run-a"))
    b = write_run(tmp_path, _hostile_trials(scenario, "default"), RunSpec(run_id="run-b"))
    text = to_markdown(compare_runs([a, b]))
    assert "javascript:go" in text
    assert live_syntax(text) == {}


def test_step_summary_has_no_live_image_or_link() -> None:
    scenario = f"s {PAYLOADS[0]}"
    rows = [
        TrialRecord(
            suite=f"suite {PAYLOADS[1]}",
            scenario_id=scenario,
            tier="m",
            trial=i,
            outcome=o,
            invalid_reason=f"{o}: {HOSTILE}" if o in ("invalid", "error") else None,
        )
        for i, o in enumerate(["pass", "fail", "invalid", "error"])
    ]
    view = build_view(rows, [], VerdictInputs())
    text = verdict_header(view) + markdown_summary(view)
    assert "attacker/pixel" in text and "attacker/auto" in text
    assert live_syntax(text) == {}


def test_step_summary_written_for_ci_has_no_live_image_or_link(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What `$GITHUB_STEP_SUMMARY` gets: the verdict header, then the run's summary.md tables."""
    from evalkit.plugin.ci import write_step_summary

    run = write_run(tmp_path, _hostile_trials(f"refund {ID_PAYLOAD}", "default"))
    rows = [
        TrialRecord(
            suite="support",
            scenario_id=f"refund {ID_PAYLOAD}",
            tier="default",
            trial=i,
            outcome=o,
            invalid_reason=f"judge said {HOSTILE}" if o == "invalid" else None,
        )
        for i, o in enumerate(["pass", "fail", "invalid"])
    ]
    view = build_view(rows, [], VerdictInputs())
    view.run_dir = run
    target = tmp_path / "step_summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(target))
    assert write_step_summary(view) == target
    text = target.read_text(encoding="utf-8")
    assert "pixel.png" in text and "attacker/pixel" in text and "| gate |" in text  # the report's tables
    assert live_syntax(text.replace("<details><summary>", "").replace("</summary>", "").replace("</details>", "")) == {}
