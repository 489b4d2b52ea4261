"""Evidence verification: verbatim quotes in the cited turn pass; anything else does not."""

from __future__ import annotations

import pytest

from evalkit.judging import Evidence, numbered_turns, quote_in_text, verify_evidence


@pytest.mark.parametrize(
    ("quote", "expected"),
    [
        ("I've refunded order 1234", True),  # straight apostrophe vs the transcript's curly one
        ("i\u2019VE   REFUNDED\norder 1234", True),  # case and whitespace
        ("\"I've refunded order 1234 - you'll see\"", True),  # wrapping quotes, em dash as hyphen
        ("I've refunded ... 3-5 days", True),  # ellipsis gap
        ("I've refunded \u2026 3-5 days", True),
        ("3-5 days ... I've refunded", False),  # pieces out of order
        ("I've refunded order 9999", False),
        ("I have refunded order 1234", False),  # paraphrase
        ("", False),
        ("...", False),
    ],
)
def test_quote_matching(refund_transcript, quote, expected):
    turn5 = numbered_turns(refund_transcript)[4]
    assert turn5.n == 5 and turn5.role == "agent"
    assert quote_in_text(quote, turn5.text) is expected


def test_wrong_turn_number_is_unverified(refund_transcript):
    turns = numbered_turns(refund_transcript)
    checked = verify_evidence(
        [
            Evidence(turn=5, quote="refunded order 1234"),
            Evidence(turn=2, quote="refunded order 1234"),
            Evidence(turn=99, quote="thanks"),
        ],
        turns,
    )
    assert [e.verified for e in checked] == [True, False, False]


def test_tool_calls_and_results_are_quotable(refund_transcript):
    turns = numbered_turns(refund_transcript)
    assert quote_in_text('refund_order {"order_id": "1234"', turns[2].text)
    assert turns[3].role == "tool" and quote_in_text('"status": "done"', turns[3].text)


def test_tool_message_shows_its_result_once():
    from evalkit.conversation.transcript import ToolResult, Transcript, TranscriptMessage, TranscriptMeta

    raw = '{"status": "delivered", "order_id": "1234"}'
    ok = TranscriptMessage(
        role="tool",
        content=raw,
        tool_result=ToolResult(call_id="c", name="lookup_order", output={"status": "delivered", "order_id": "1234"}),
    )
    failed = TranscriptMessage(
        role="tool",
        content='{"error": "no such order"}',
        tool_result=ToolResult(call_id="d", name="lookup_order", error="no such order"),
    )
    turns = numbered_turns(Transcript(meta=TranscriptMeta(scenario_id="s"), messages=[ok, failed]))
    assert turns[0].text == '{"order_id": "1234", "status": "delivered"}'
    assert turns[1].text == "[error] no such order" and turns[1].tool_status == "error"
