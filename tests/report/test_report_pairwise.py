"""Pairwise judging over FakeLLMServer: both orders, agreement rule, position consistency."""

from __future__ import annotations

from pathlib import Path

import pytest
from report_runs import RunSpec, T, default_messages, write_run

from evalkit.llm.request import LLMRequest
from evalkit.report import CompareConfig, compare_runs, to_markdown
from evalkit.report.pairwise_run import add_pairwise_async
from evalkit.testing import FakeLLMServer, Reply, Rule

JUDGE = "openai:judge-1"


def prefers_b(request: LLMRequest) -> Reply:
    """A consistent judge: whichever position holds ANSWER-B wins."""
    text = request.last_message
    first = "first" if text.index("ANSWER-B") < text.index("ANSWER-A") else "second"
    return Reply(json={"winner": first, "reasoning": "B resolved it"})


RULES = [
    Rule(role="judge", system="s_good", handler=prefers_b),
    Rule(role="judge", system="s_bias", json={"winner": "first", "reasoning": "the first one"}),
    Rule(role="judge", system="s_tie", json={"winner": "tie", "reasoning": "same"}),
    Rule(role="judge", system="s_broken", text="I refuse to answer in JSON"),
]


def _runs(root: Path) -> list[Path]:
    runs = []
    for run_id, tier, word, cost in (
        ("run-a", "big", "ANSWER-A", (0.02, 0, 0)),
        ("run-b", "small", "ANSWER-B", (0.005, 0, 0)),
    ):
        trials = [
            T(s, i, "pass", tier=tier, cost=cost, messages=default_messages(f"{word}: refunded order 1234"))
            for s in ("s_good", "s_bias", "s_tie", "s_broken")
            for i in range(2)
        ]
        trials.append(T("s_good", 2, "invalid", tier=tier, cost=cost))  # invalid sessions are not judged
        runs.append(write_run(root, trials, RunSpec(run_id=run_id, judge_model=JUDGE)))
    return runs


@pytest.mark.asyncio
async def test_pairwise_counts_a_win_only_when_both_orders_agree(tmp_path: Path, hub_for) -> None:  # type: ignore[no-untyped-def]
    runs = _runs(tmp_path)
    cfg = CompareConfig()
    comp = compare_runs(runs, cfg)
    async with FakeLLMServer(rules=RULES) as server:
        hub = hub_for(server, timeout_s=60)  # generous: shared CI cores must not turn a slow reply into invalid
        await add_pairwise_async(comp, runs, cfg, hub)
        judge_requests = server.requests_for(role="judge")
    summary = comp.pairs[0].pairwise
    assert summary is not None and summary.judge_model == JUDGE
    assert summary.n_pairs == 8
    counts = (summary.wins_b, summary.wins_a, summary.ties, summary.invalid)
    assert counts == (2, 0, 4, 2), summary.pairs
    assert summary.position_consistency == pytest.approx(4 / 6)  # s_good and s_tie agree; s_bias flips
    broken = [v for v in summary.pairs if v.scenario.endswith("s_broken")]
    assert all(v.result == "invalid" and "unparseable" in (v.error or "") for v in broken)
    assert "first judge error: unparseable" in summary.text
    bias = [v for v in summary.pairs if v.scenario.endswith("s_bias")]
    assert all(v.ab == "a" and v.ba == "b" and v.result == "tie" for v in bias)
    # Both orders really were asked: for s_good, A's transcript comes first in one request and second in the other.
    good = [r.body for r in judge_requests if "s_good" in str(r.body)]
    firsts = {str(b).index("ANSWER-A") < str(b).index("ANSWER-B") for b in good}
    assert firsts == {True, False}
    assert "position consistency 67%" in to_markdown(comp)


def test_transcripts_stay_inside_their_delimited_blocks(tmp_path: Path) -> None:
    from evalkit.judging.pairwise import pairwise_prompt as _prompt
    from evalkit.report.rundata import open_run

    run = open_run(_runs(tmp_path)[0])
    t = run.transcript(run.trials[0])
    assert t is not None
    messages = _prompt("support/s_good", t, t)
    assert messages[0].role == "system" and "support/s_good" in messages[0].content
    user = messages[1].content
    assert user.count("<transcript id=") == 2 and user.index("First conversation") < user.index("Second conversation")
