"""Transcript model: exact JSON round-trip, a content hash that ignores timing, and message views."""

from __future__ import annotations

from evalkit.conversation import (
    GuardrailFlag,
    RoleUsage,
    TerminationReason,
    ToolResult,
    Transcript,
    TranscriptMessage,
    TranscriptMeta,
    agent_view,
    simulator_view,
)
from evalkit.llm.types import ToolCall, Usage


def sample() -> Transcript:
    call = ToolCall(id="c1", name="lookup_order", arguments={"order_id": "1234", "nested": {"a": [1, 2.5, None]}})
    return Transcript(
        meta=TranscriptMeta(scenario_id="refund", trial=2, seed=99, agent_model="openai:gpt-4.1-mini", session_id="s1"),
        messages=[
            TranscriptMessage(
                role="user", content="my blender broke", turn=1, timestamp=1700000000.123456, scripted=True
            ),
            TranscriptMessage(role="assistant", content="", tool_calls=[call], turn=1, timestamp=1700000000.5),
            TranscriptMessage(
                role="tool",
                content='{"status": "delivered"}',
                turn=1,
                tool_result=ToolResult(call_id="c1", name="lookup_order", output={"status": "delivered"}),
            ),
            TranscriptMessage(role="assistant", content="Refunded.", turn=1, latency_s=0.123456789),
            TranscriptMessage(role="user", content="thanks", turn=2),
        ],
        termination=TerminationReason.user_stop,
        termination_detail="the user ended: goal_met",
        usage_by_role={"agent": RoleUsage(usage=Usage(input_tokens=10, output_tokens=3), cost_usd=None, calls=2)},
        guardrail_flags=[GuardrailFlag(name="goal_copy", turn=2, detail="x", action="warn")],
        started_at=1.1,
        ended_at=2.2,
        user_end_reason="goal_met",
    )


def test_json_round_trip_is_exact() -> None:
    t = sample()
    again = Transcript.from_json(t.to_json())
    assert again == t
    assert again.to_json() == t.to_json()
    assert again.content_hash() == t.content_hash()


def test_content_hash_ignores_timing_usage_and_meta_but_not_content() -> None:
    t = sample()
    retimed = t.model_copy(deep=True)
    for m in retimed.messages:
        m.timestamp += 50
        m.latency_s = 9.0
    retimed.usage_by_role = {}
    retimed.meta.run_id = "another-run"
    assert retimed.content_hash() == t.content_hash()

    changed = t.model_copy(deep=True)
    changed.messages[1].tool_calls[0] = ToolCall(id="c1", name="lookup_order", arguments={"order_id": "9999"})
    assert changed.content_hash() != t.content_hash()
    reworded = t.model_copy(deep=True)
    reworded.messages[3].content = "Refund issued."
    assert reworded.content_hash() != t.content_hash()


def test_turn_helpers() -> None:
    t = sample()
    assert t.turns == 2
    assert [m.role for m in t.messages_in_turn(1, "assistant", "tool")] == ["assistant", "tool", "assistant"]
    assert t.invalidated_by_simulator is False
    t.guardrail_flags.append(GuardrailFlag(name="role_flip", turn=2, detail="y", action="invalidate"))
    assert t.invalidated_by_simulator is True


def test_agent_view_keeps_tool_traffic() -> None:
    view = agent_view(sample())
    assert [m.role for m in view] == ["user", "assistant", "tool", "assistant", "user"]
    assert view[1].tool_calls[0].name == "lookup_order"
    assert view[2].tool_call_id == "c1" and view[2].name == "lookup_order"
    assert view[2].content == '{"status": "delivered"}'


def test_simulator_view_flips_roles_and_hides_tools() -> None:
    view = simulator_view(sample(), system_prompt="SYS", kickoff="START")
    assert [(m.role, m.content) for m in view] == [
        ("system", "SYS"),
        ("user", "START"),
        ("assistant", "my blender broke"),
        ("user", "Refunded."),
        ("assistant", "thanks"),
    ]
    assert all(not m.tool_calls for m in view)


def test_simulator_view_merges_consecutive_agent_messages_and_agent_first() -> None:
    msgs = [
        TranscriptMessage(role="assistant", content="Welcome!", turn=0),
        TranscriptMessage(role="user", content="hi", turn=1),
        TranscriptMessage(role="assistant", content="one", turn=1),
        TranscriptMessage(role="assistant", content="two", turn=1),
    ]
    view = simulator_view(msgs, system_prompt="S", kickoff="K")
    assert [(m.role, m.content) for m in view] == [
        ("system", "S"),
        ("user", "K\n\nWelcome!"),
        ("assistant", "hi"),
        ("user", "one\n\ntwo"),
    ]
