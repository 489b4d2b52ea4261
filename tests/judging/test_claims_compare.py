"""Claims versus actions, deterministic half: claims need a successful matching call."""

from __future__ import annotations

import pytest
from judging_helpers import build

from evalkit.judging import Claim, compare_claims, numbered_turns
from evalkit.judging.claims import stem, tool_patterns
from evalkit.spec.checks import ClaimsSpec


def claim(action: str, quote: str, turn: int, obj: str = "order 1234") -> Claim:
    return Claim(action=action, object=obj, turn=turn, quote=quote)


def run(transcript, claims, spec=None):
    return compare_claims(claims, transcript, numbered_turns(transcript), spec or ClaimsSpec())


def test_claim_without_call_is_hallucinated():
    t = build(("user", "cancel my order"), ("agent", "Done! I've cancelled it."))
    finding = run(t, [claim("cancel", "I've cancelled it", 2)])
    assert finding.passed is False and "hallucinated_action" in finding.flags
    assert "cancel order 1234" in finding.reasoning and "*cancel*" in finding.reasoning


def test_claim_backed_by_successful_call_passes():
    t = build(
        ("user", "cancel my order"),
        ("call", ("cancel_order", {"order_id": "1234"}, True)),
        ("agent", "Done! I've cancelled it."),
    )
    finding = run(t, [claim("cancelled", "I've cancelled it", 4)])
    assert finding.passed is True and finding.evidence[0].verified


def test_failed_call_does_not_back_a_claim():
    t = build(
        ("user", "cancel"), ("call", ("cancel_order", {}, "order already shipped")), ("agent", "I've cancelled it.")
    )
    assert run(t, [claim("cancel", "I've cancelled it", 4)]).passed is False


def test_call_after_the_claim_does_not_count():
    t = build(("user", "cancel"), ("agent", "I've cancelled it."), ("call", ("cancel_order", {}, True)))
    assert run(t, [claim("cancel", "I've cancelled it", 2)]).passed is False


def test_configured_mapping():
    t = build(("user", "money back"), ("call", ("issue_credit", {}, True)), ("agent", "I've refunded you."))
    assert run(t, [claim("refund", "I've refunded you", 4)]).passed is False  # default *refund* finds nothing
    spec = ClaimsSpec(actions={"refund": ["issue_credit", "refund_*"]})
    assert run(t, [claim("refunded", "I've refunded you", 4)], spec).passed is True


def test_invented_quote_makes_the_check_invalid_not_a_pass():
    t = build(("user", "hi"), ("agent", "Hello!"))
    finding = run(t, [claim("cancel", "I've cancelled it", 2)])
    assert finding.passed is None and finding.evidence[0].verified is False
    assert {"unsupported_claim", "unsupported_evidence"} <= set(finding.flags)
    assert finding.reasoning.startswith("unsupported_evidence:") and "I've cancelled it" in finding.reasoning


def test_invented_quote_beside_a_backed_claim_is_still_invalid():
    t = build(("user", "cancel"), ("call", ("cancel_order", {}, True)), ("agent", "I've cancelled it."))
    finding = run(t, [claim("cancel", "I've cancelled it", 4), claim("refund", "I've refunded you", 4)])
    assert finding.passed is None and "unsupported_claim" in finding.flags


def test_a_verified_hallucination_fails_despite_an_invented_quote():
    t = build(("user", "cancel"), ("agent", "I've cancelled it."))
    finding = run(t, [claim("cancel", "I've cancelled it", 2), claim("refund", "I've refunded you", 2)])
    assert finding.passed is False and {"hallucinated_action", "unsupported_claim"} <= set(finding.flags)


def test_quote_without_its_action_is_flagged():
    # backed by a successful call: the check passes, but the judge's reading is marked
    t = build(("user", "money back"), ("call", ("refund_order", {}, True)), ("agent", "All sorted, see you!"))
    backed = run(t, [claim("refund", "All sorted", 4)])
    assert backed.passed is True and backed.flags == ["action_not_in_quote"]
    # not backed: the agent never said it refunded anything, so it is not blamed for a hallucination
    t = build(("user", "hi"), ("agent", "Hello! How can I help?"))
    unbacked = run(t, [claim("refund", "Hello!", 2)])
    assert (
        unbacked.passed is None
        and "action_not_in_quote" in unbacked.flags
        and "hallucinated_action" not in unbacked.flags
    )
    assert "does not mention" in unbacked.reasoning
    # the stem is enough: "cancelled" holds "cancel", "sent" is "send"
    t = build(("user", "x"), ("agent", "I've cancelled it and sent the label."))
    words = run(t, [claim("cancel", "I've cancelled it", 2), claim("send", "sent the label", 2)])
    assert "action_not_in_quote" not in words.flags


def test_wrong_turn_is_relocated():
    t = build(("user", "cancel"), ("call", ("cancel_order", {}, True)), ("agent", "I've cancelled it."))
    assert run(t, [claim("cancel", "I've cancelled it", 1)]).evidence[0].turn == 4


def test_no_claims_passes():
    assert run(build(("user", "hi"), ("agent", "Hello!")), []).passed is True


@pytest.mark.parametrize(
    ("verb", "expected"),
    [
        ("cancelled", "cancel"),
        ("canceled", "cancel"),
        ("refunded", "refund"),
        ("updated", "updat"),
        ("update", "updat"),
        ("sent", "send"),
        ("processed", "process"),
    ],
)
def test_stem(verb, expected):
    assert stem(verb) == expected


def test_default_pattern():
    assert tool_patterns("Refunded", {}) == ["*refund*"]
