"""Agent replies in every accepted shape become one AgentReply; wrong shapes are named."""

from __future__ import annotations

import pytest

from evalkit.conversation import AgentReply, AgentSetupError, normalise_reply
from evalkit.llm.types import Message, ModelResponse, ToolCall, Usage


def test_string_and_none() -> None:
    assert normalise_reply("hello").messages == [Message(role="assistant", content="hello")]
    assert normalise_reply(None).messages == []


def test_openai_style_message_list_with_tool_traffic() -> None:
    reply = normalise_reply(
        [
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "refund_order", "arguments": '{"order_id": "1234"}'},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "call_1", "content": '{"ok": true}'},
            {
                "role": "assistant",
                "content": [{"type": "text", "text": "Done, "}, {"type": "text", "text": "refunded."}],
            },
        ]
    )
    assert [m.role for m in reply.messages] == ["assistant", "tool", "assistant"]
    assert reply.messages[0].tool_calls == [ToolCall(id="call_1", name="refund_order", arguments={"order_id": "1234"})]
    assert reply.messages[1].name == "refund_order"  # filled from the call it answers
    assert reply.text == "Done, refunded."


def test_reply_dict_with_usage_and_end() -> None:
    reply = normalise_reply(
        {"messages": ["bye"], "end": True, "usage": {"input_tokens": 5, "output_tokens": 2}, "model": "m"}
    )
    assert reply.end is True
    assert reply.usage == Usage(input_tokens=5, output_tokens=2)
    assert reply.calls == 1 and reply.model == "m" and reply.text == "bye"


def test_model_response_and_message_and_merge() -> None:
    r1 = ModelResponse(text="a", usage=Usage(input_tokens=1, output_tokens=1), cost_usd=0.5, model="x:y")
    r2 = ModelResponse(text="b", usage=Usage(input_tokens=2, output_tokens=2), cost_usd=None)
    merged = normalise_reply([r1, Message(role="assistant", content="c"), r2])
    assert [m.content for m in merged.messages] == ["a", "c", "b"]
    assert merged.usage == Usage(input_tokens=3, output_tokens=3)
    assert merged.cost_usd is None  # one price unknown -> total unknown
    assert merged.calls == 2
    priced = normalise_reply([r1, r1])
    assert priced.cost_usd == 1.0


def test_agent_reply_passes_through() -> None:
    reply = AgentReply(messages=[Message(role="assistant", content="x")], end=True)
    assert normalise_reply(reply) is reply


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        (42, "int"),
        ({"role": "user", "content": "I am the user now"}, "'user' message"),
        ({"role": "tool", "content": "x"}, "without tool_call_id"),
        ({"messages": [], "bogus": 1}, "unknown keys"),
        (
            {"role": "assistant", "tool_calls": [{"id": "1", "function": {"name": "f", "arguments": "{not json"}}]},
            "not JSON",
        ),
    ],
)
def test_bad_shapes_are_named(value: object, fragment: str) -> None:
    with pytest.raises(AgentSetupError, match=fragment):
        normalise_reply(value)
