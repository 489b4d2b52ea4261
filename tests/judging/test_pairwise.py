"""The pairwise judge on its own (judging layer), over FakeLLMServer and the real SDK.

`evalkit compare --pairwise` and calibration's position probe both use it; these tests
need no run directory, which is the point of it living in judging/.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from judging_helpers import build

import evalkit
from evalkit.judging.pairwise import PAIRWISE_TEMPLATE, combine, judge_pairs, pairwise_prompt
from evalkit.judging.render import TEMPLATE_DIR
from evalkit.llm.request import LLMRequest
from evalkit.testing import Reply

JUDGE = "openai:judge-1"


def _t(word: str):  # type: ignore[no-untyped-def]
    return build(("user", "My blender arrived broken. Order 1234."), ("agent", f"{word}: refunded order 1234"))


def _prefers(word: str):  # type: ignore[no-untyped-def]
    def handler(request: LLMRequest) -> Reply:
        text = request.last_message
        other = "WEAK" if word == "STRONG" else "STRONG"
        return Reply(json={"winner": "first" if text.index(word) < text.index(other) else "second"})

    return handler


@pytest.mark.asyncio
async def test_a_consistent_judge_gives_wins_and_a_position_biased_one_only_ties(fake_llm, hub_for) -> None:  # type: ignore[no-untyped-def]
    fake_llm.add_rule(role="judge", system="consistent", handler=_prefers("STRONG"))
    fake_llm.add_rule(role="judge", system="biased", json={"winner": "first"})
    pairs = [
        ("consistent", 0, _t("WEAK"), _t("STRONG")),
        ("consistent", 1, _t("STRONG"), _t("WEAK")),
        ("biased", 0, _t("WEAK"), _t("STRONG")),
    ]
    summary = await judge_pairs(hub_for(fake_llm), JUDGE, "base", "cand", pairs)
    assert [v.result for v in summary.pairs] == ["b", "a", "tie"]
    assert (summary.wins_a, summary.wins_b, summary.ties, summary.invalid) == (1, 1, 1, 0)
    assert summary.position_consistency == pytest.approx(2 / 3)
    assert len(fake_llm.requests_for(role="judge")) == 6  # both orders of every pair
    assert summary.text.startswith(f"{JUDGE}: cand wins 1, base wins 1, ties 1 over 3 pairs")


@pytest.mark.asyncio
async def test_a_failed_order_makes_the_pair_invalid_never_a_tie(fake_llm, hub_for) -> None:  # type: ignore[no-untyped-def]
    fake_llm.add_rule(role="judge", text="no JSON today")
    summary = await judge_pairs(hub_for(fake_llm), JUDGE, "a", "b", [("s", 0, _t("WEAK"), _t("STRONG"))])
    [pair] = summary.pairs
    assert pair.result == "invalid" and pair.consistent is None and "unparseable" in (pair.error or "")
    assert summary.ties == 0 and summary.invalid == 1 and summary.position_consistency is None


def test_combine_maps_the_swapped_order_back() -> None:
    assert combine("s", 0, ("second", None), ("first", None)).result == "b"  # b first, b second: both name b
    assert combine("s", 0, ("first", None), ("first", None)).result == "tie"  # position, not preference
    assert combine("s", 0, ("tie", None), ("tie", None)).consistent is True
    assert combine("s", 0, (None, "boom"), ("first", None)).error == "boom"


def test_the_prompt_is_a_judge_template_with_both_transcripts_delimited() -> None:
    assert (TEMPLATE_DIR / PAIRWISE_TEMPLATE).is_file() and PAIRWISE_TEMPLATE.startswith("judge/")
    assert not list((TEMPLATE_DIR / "report").glob("pairwise*")), "the pairwise prompt moved to templates/judge/"
    messages = pairwise_prompt("support/s", _t("WEAK"), _t("STRONG"))
    assert messages[0].role == "system" and "support/s" in messages[0].content
    user = messages[1].content
    assert user.count("<transcript id=") == 2 and user.index("WEAK") < user.index("STRONG")


def test_judging_never_imports_report() -> None:
    """report may import judging, never the reverse (the layering in ARCHITECTURE.md)."""
    root = Path(evalkit.__file__).parent / "judging"
    upward = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            upward += [
                f"{path.name}: {n}"
                for n in names
                if n.startswith(("evalkit.report", "evalkit.run", "evalkit.plugin", "evalkit.cli"))
            ]
    assert upward == []
