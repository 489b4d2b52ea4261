"""Text and tool-call round trips through ChatModel, over the real SDKs, for both providers."""

from __future__ import annotations

import pytest

from evalkit.llm import CallTag, ChatModel, GenerateConfig, Message, ModelResponse, ToolCall, ToolSpec
from evalkit.testing import Rule

PROVIDERS = ["openai:gpt-4.1-mini", "anthropic:claude-haiku-4-5"]
WEATHER = ToolSpec(
    name="get_weather",
    description="Weather for a city",
    parameters={"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
)


@pytest.fixture
def server(fake_llm):
    fake_llm.add_rule(Rule(match="sunny", text="Enjoy the sun in Paris."))  # answers the tool result
    fake_llm.add_rule(Rule(match="weather", tool_calls=[{"name": "get_weather", "arguments": {"city": "Paris"}}]))
    fake_llm.add_rule(Rule(system="pirate", text="Arr!"))
    return fake_llm


@pytest.mark.asyncio
@pytest.mark.parametrize("name", PROVIDERS)
async def test_plain_text_with_system_prompt(server, hub_for, name):
    hub = hub_for(server)
    model = hub.model(name)
    assert isinstance(model, ChatModel)
    config = GenerateConfig(temperature=0, max_tokens=64, tag=CallTag(role="simulator"))
    reply = await model.generate(
        [Message(role="system", content="talk like a pirate"), Message(role="user", content="hello")], config=config
    )
    assert isinstance(reply, ModelResponse)
    assert (reply.text, reply.finish_reason, reply.model) == ("Arr!", "stop", name)
    assert reply.usage.input_tokens > 0 and reply.request_id and reply.latency_s > 0
    [seen] = server.requests
    assert seen.role == "simulator" and seen.headers["x-evalkit-role"] == "simulator"
    assert seen.body["temperature"] == 0 and seen.body["max_tokens"] == 64
    if name.startswith("anthropic"):
        assert seen.body["system"] == "talk like a pirate"
        assert [m["role"] for m in seen.body["messages"]] == ["user"]
    else:
        assert seen.body["messages"][0] == {"role": "system", "content": "talk like a pirate"}
    await hub.aclose()


@pytest.mark.asyncio
@pytest.mark.parametrize("name", PROVIDERS)
async def test_tool_call_round_trip(server, hub_for, name):
    hub = hub_for(server)
    model = hub.model(name)
    history = [Message(role="user", content="what's the weather in Paris?")]
    first = await model.generate(history, tools=[WEATHER], config=GenerateConfig(tool_choice="auto"))
    assert first.finish_reason == "tool_calls"
    [call] = first.tool_calls
    assert (call.name, call.arguments) == ("get_weather", {"city": "Paris"}) and call.id
    history += [
        first.as_message(),
        Message(role="tool", content="sunny, 24C", tool_call_id=call.id, name="get_weather"),
    ]
    second = await model.generate(history, tools=[WEATHER])
    assert second.text == "Enjoy the sun in Paris." and second.tool_calls == []

    wire = server.requests[-1].body
    if name.startswith("openai"):
        assert wire["tools"][0]["function"]["name"] == "get_weather"
        assistant, tool = wire["messages"][1], wire["messages"][2]
        assert assistant["tool_calls"][0]["id"] == call.id
        assert assistant["tool_calls"][0]["function"]["arguments"] == '{"city": "Paris"}'
        assert tool == {"role": "tool", "tool_call_id": call.id, "content": "sunny, 24C"}
        assert server.requests[0].body["tool_choice"] == "auto"
    else:
        assert wire["tools"][0]["input_schema"]["required"] == ["city"]
        assistant, result = wire["messages"][1], wire["messages"][2]
        assert assistant["content"][0] == {
            "type": "tool_use",
            "id": call.id,
            "name": "get_weather",
            "input": {"city": "Paris"},
        }
        assert result == {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": call.id, "content": "sunny, 24C"}],
        }
        assert server.requests[0].body["tool_choice"] == {"type": "auto"}
    await hub.aclose()


@pytest.mark.asyncio
async def test_anthropic_merges_consecutive_same_role_turns(server, hub_for):
    hub = hub_for(server)
    history = [
        Message(role="user", content="first"),
        Message(role="assistant", content=""),  # an empty reply in history: Anthropic would reject it
        Message(role="user", content="second"),
        Message(role="assistant", content="", tool_calls=[ToolCall(id="t1", name="a"), ToolCall(id="t2", name="b")]),
        Message(role="tool", content="ra", tool_call_id="t1"),
        Message(role="tool", content="rb", tool_call_id="t2"),
    ]
    await hub.model("anthropic:claude-haiku-4-5").generate(history)
    messages = server.requests[-1].body["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "user"]
    assert [b["text"] for b in messages[0]["content"]] == ["first", "second"]
    assert [b["tool_use_id"] for b in messages[2]["content"]] == ["t1", "t2"]
    await hub.aclose()


@pytest.mark.asyncio
async def test_base_url_override_makes_a_separate_endpoint(server, hub_for, fake_llm):
    from evalkit.testing import FakeLLMServer

    with FakeLLMServer([Rule(text="from the other server")]) as other:
        hub = hub_for(server)
        reply = await hub.model("openai:llama3", base_url=other.openai_base_url).generate(
            [Message(role="user", content="x")]
        )
        assert reply.text == "from the other server" and len(other.requests) == 1 and server.requests == []
        assert reply.cost_usd is None  # a local model has no known price
        await hub.aclose()


def test_model_names_are_validated(hub_for, fake_llm):
    hub = hub_for(fake_llm)
    with pytest.raises(ValueError, match="provider:model"):
        hub.model("gpt-4")
    with pytest.raises(ValueError, match="unknown provider 'gemini'"):
        hub.model("gemini:pro")
