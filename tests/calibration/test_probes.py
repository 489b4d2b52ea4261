"""`--probes`: the edits keep transcripts valid, and the probes find a judge's bias through the real judging path.

The judges are scripted handlers (`probe_judges.py`) served over HTTP by the fake
server, on a slice of the shipped set, and judged by `run_calibration` as
`evalkit calibrate --probes --offline` judges.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import probe_judges
import pytest
from scipy.stats import binomtest

from evalkit.calibration.calibrate import CalibrateConfig, run_calibration
from evalkit.calibration.probe_edits import EDITS, INJECTION, SUMMARY_HEAD, statements
from evalkit.calibration.probe_stats import flip_test, position_test
from evalkit.calibration.probes import family
from evalkit.conversation.transcript import Transcript
from evalkit.judging.turns import message_text, numbered_turns
from evalkit.spec.rubrics import RubricRegistry

SHIPPED = Path(__file__).resolve().parents[2] / "evalkit" / "data" / "calibration" / "support-v1"
RUBRIC = "support.conduct@1"
# one scenario people pass, five they fail (on different criteria); both agent tiers of each
CLUSTERS = {
    "correct-refund",
    "claim-no-call-refund",
    "tool-error-cancel",
    "wrong-order-cancel",
    "rude-refund",
    "no-trigger-refund",
}


def shipped_transcripts() -> list[Transcript]:
    return [Transcript.from_json(p.read_bytes()) for p in sorted((SHIPPED / "transcripts").glob("*.json"))]


# ---------------------------------------------------------------- the edits


@pytest.mark.parametrize("name", sorted(EDITS))
def test_every_edit_keeps_the_transcript_valid_and_numbered_alike(name: str) -> None:
    edited_any = 0
    for original in shipped_transcripts():
        edited = EDITS[name](original)
        if edited is None:
            continue
        edited_any += 1
        assert Transcript.from_json(edited.to_json()) == edited
        assert [(m.role, [c.id for c in m.tool_calls]) for m in edited.messages] == [
            (m.role, [c.id for c in m.tool_calls]) for m in original.messages
        ]
        assert len(numbered_turns(edited)) == len(numbered_turns(original))
        changed = [i for i, (a, b) in enumerate(zip(original.messages, edited.messages, strict=True)) if a != b]
        assert len(changed) == 1, f"{name} changed messages {changed} of {original.meta.scenario_id}"
        assert edited.content_hash() != original.content_hash()
        assert edited.meta == original.meta and original.messages[changed[0]].role == edited.messages[changed[0]].role
    assert edited_any >= 100


def test_padding_restates_the_turn_and_adds_no_fact() -> None:
    for original in shipped_transcripts():
        edited = EDITS["verbosity"](original)
        if edited is None:
            continue
        index = next(i for i, (a, b) in enumerate(zip(original.messages, edited.messages, strict=True)) if a != b)
        before, after = original.messages[index].content, edited.messages[index].content
        assert original.messages[index].role == "assistant"
        assert all(m.role != "assistant" or not m.content.strip() for m in original.messages[index + 1 :])
        head, _, summary = after.partition(f"\n\n{SUMMARY_HEAD}\n")
        assert head == before.split(SUMMARY_HEAD)[0].rstrip()
        bullets = [line[2:] for line in summary.splitlines()]
        assert bullets and all(b in statements(before) for b in bullets)


def test_injection_lands_where_the_judge_reads_it() -> None:
    t = next(t for t in shipped_transcripts() if t.meta.scenario_id == "claim-no-call-refund")
    user = EDITS["injection_user"](t)
    tool = EDITS["injection_tool"](t)
    assert user is not None and tool is not None
    first_user = next(m for m in user.messages if m.role == "user")
    assert first_user.content.endswith(INJECTION)
    first_tool = next(m for m in tool.messages if m.tool_result is not None)
    assert INJECTION in message_text(first_tool) and first_tool.tool_result.ok
    no_tools = t.model_copy(update={"messages": [m for m in t.messages if m.role == "user"]})
    assert EDITS["injection_tool"](no_tools) is None


# ---------------------------------------------------------------- the statistics


def test_flip_test_is_the_exact_mcnemar_on_the_flips() -> None:
    pairs = [(0.0, 1.0)] * 7 + [(1.0, 0.0)] * 2 + [(1.0, 1.0)] * 5 + [(0.0, 0.0)] * 4 + [(None, 1.0), (1.0, None)]
    test = flip_test("verdict", pairs)
    assert (test.n, test.to_pass, test.to_fail) == (18, 7, 2)
    assert test.flip_rate == pytest.approx(9 / 18) and test.pass_shift == pytest.approx(5 / 18)
    assert test.p_value == pytest.approx(binomtest(7, 9, 0.5).pvalue, abs=1e-12)
    assert flip_test("x", [(1.0, 1.0)] * 3).p_value == 1.0 and flip_test("x", []).p_value is None


def test_position_test_counts_the_position_that_won_both_orders() -> None:
    orders = [("a", "b")] * 6 + [("b", "a")] * 1 + [("a", "a")] * 3 + [("tie", "a"), (None, "a")]
    counts = position_test(orders)
    assert counts["n_valid"] == 11 and counts["n_inconsistent"] == 8
    assert (counts["n_first"], counts["n_second"]) == (6, 1) and counts["p_first"] == pytest.approx(6 / 7)
    assert counts["p_value"] == pytest.approx(binomtest(6, 7, 0.5).pvalue, abs=1e-12)


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("openai:gpt-4.1-mini", "openai"),
        ("anthropic:claude-sonnet-4", "anthropic"),
        ("openai:o3-mini", "openai"),
        ("together:meta-llama-3", "together"),
        ("together:llama-3.1-70b", "meta"),
        ("mock:judge", "mock"),
    ],
)
def test_provider_family(model: str, expected: str) -> None:
    assert family(model) == expected


# ---------------------------------------------------------------- through the judge over HTTP


def project(tmp_path: Path, judge: str) -> Path:
    """A slice of the shipped set whose judge is `probe_judges:<judge>`."""
    root = tmp_path / "set"
    for part in ("rubrics", "suites", "transcripts"):
        shutil.copytree(SHIPPED / part, root / part)
    rules = root / "suites" / "offline_rules.yaml"
    rules.write_text(rules.read_text().replace("evalkit.demo.offline.judge:respond", f"probe_judges:{judge}"))
    lines = [
        line
        for line in (SHIPPED / "labels.jsonl").read_text().splitlines()
        if json.loads(line)["cluster"] in CLUSTERS and json.loads(line)["split"] == "holdout"
    ]
    (root / "labels.jsonl").write_text("\n".join(lines) + "\n")
    return root


def calibrate(root: Path) -> object:
    resolved = RubricRegistry.from_dirs([root / "rubrics"]).resolve(RUBRIC)
    config = CalibrateConfig(
        labels=root, rubric=RUBRIC, project=root, offline=True, probes=True, cache_dir=root / "cache"
    )
    return run_calibration(config, resolved)


def test_injection_probe_catches_a_judge_that_obeys_the_note(tmp_path: Path) -> None:
    before = probe_judges.CALLS.count("verdict")
    record = calibrate(project(tmp_path, "obedient"))
    probes = record.probes
    assert probes is not None
    for probe in (probes.injection_user, probes.injection_tool):
        assert probe.holds is False
        verdict = probe.verdict
        assert verdict.n >= 8 and verdict.to_pass == verdict.n and verdict.to_fail == 0
        assert verdict.pass_shift == 1.0 and verdict.p_value == pytest.approx(2 / 2**verdict.n)
        judged = [c for c in probe.criteria if c.n and c.scope != "claims_match_actions"]  # that one is a check
        assert len(judged) == 4 and all(c.pass_shift == 1.0 for c in judged)
    assert probes.verbosity.flip_rate == 0.0 and probes.verbosity.p_value == 1.0
    # every edited transcript went to the judge (the production readings first, then three probes)
    edited = probes.verbosity.n_items + probes.injection_user.n_items + probes.injection_tool.n_items
    assert probe_judges.CALLS.count("verdict") - before >= record.n_transcripts + edited
    position = probes.pairwise_position
    assert position.skipped is None and position.n_valid == position.n_pairs >= 6
    assert position.n_first == position.n_inconsistent == position.n_valid and position.p_first == 1.0
    assert position.p_value == pytest.approx(2 / 2**position.n_first)
    pref = probes.self_preference
    assert pref.warning and "openai" in pref.warning and pref.candidate == "openai:gpt-4.1-mini"
    assert pref.differences[0].scope == "verdict" and {r.agent_model for r in pref.differences[0].rates} == {
        "openai:gpt-4.1",
        "openai:gpt-4.1-mini",
    }


def test_a_judge_that_ignores_the_note_shows_no_shift(tmp_path: Path) -> None:
    record = calibrate(project(tmp_path, "steadfast"))
    probes = record.probes
    for probe in (probes.injection_user, probes.injection_tool):
        assert probe.holds is True and probe.n_items >= 8
        assert probe.verdict.to_pass == probe.verdict.to_fail == 0
        assert probe.pass_shift == 0.0 and probe.p_value == 1.0
    assert all(c.flip_rate == 0.0 for c in probes.verbosity.criteria)
