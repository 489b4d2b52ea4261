"""Fixtures for judging tests (the fake server and hubs come from evalkit.testing.fixtures)."""

from __future__ import annotations

import pytest
from judging_helpers import build

from evalkit.conversation.transcript import RoleUsage, Transcript
from evalkit.llm.types import Usage


@pytest.fixture
def refund_transcript() -> Transcript:
    """1 user, 2 agent, 3 agent+call, 4 tool result, 5 agent, 6 user, 7 agent."""
    return build(
        ("user", "My blender arrived broken. Order 1234."),
        ("agent", "I'm sorry to hear that! Let me look up order 1234."),
        ("call", ("refund_order", {"order_id": "1234", "reason": "damaged"}, True)),
        ("agent", "I\u2019ve refunded order 1234 \u2014 you\u2019ll see the money in 3-5 days."),
        ("user", "thanks"),
        ("agent", "You're welcome. Anything else?"),
        usage_by_role={"agent": RoleUsage(usage=Usage(input_tokens=900, output_tokens=100), cost_usd=0.002, calls=3)},
    )
