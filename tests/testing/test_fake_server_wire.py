"""FakeLLMServer speaks both wire protocols to the real SDKs (no evalkit client in between)."""

from __future__ import annotations

import json

import anthropic
import httpx2
import openai
import pytest

from evalkit.testing import FakeLLMServer, Fault, Rule

KEY = "sk-wire-test-secret"
_PLAIN_HTTP = httpx2.create_ssl_context(verify=False)  # the fake is plain http; skip building a CA store per client


@pytest.fixture
def server():
    rules = [
        Rule(match="weather", tool_calls=[{"name": "get_weather", "arguments": {"city": "Paris"}}]),
        Rule(role="judge", json={"score": 4}),
        Rule(match="^hi$", text="hello there"),
    ]
    with FakeLLMServer(rules) as s:
        yield s


def oa(server: FakeLLMServer) -> openai.OpenAI:
    return openai.OpenAI(
        base_url=server.openai_base_url, api_key=KEY, max_retries=0, http_client=httpx2.Client(verify=_PLAIN_HTTP)
    )


def an(server: FakeLLMServer) -> anthropic.Anthropic:
    return anthropic.Anthropic(
        base_url=server.anthropic_base_url, api_key=KEY, max_retries=0, http_client=httpx2.Client(verify=_PLAIN_HTTP)
    )


def test_openai_text_and_request_log_without_auth(server):
    reply = oa(server).chat.completions.create(model="gpt-4.1-mini", messages=[{"role": "user", "content": "hi"}])
    assert reply.choices[0].message.content == "hello there"
    assert reply.usage.prompt_tokens > 0 and reply.usage.completion_tokens > 0
    [seen] = server.requests
    assert seen.path == "/v1/chat/completions" and seen.role == "agent" and seen.model == "gpt-4.1-mini"
    assert "authorization" not in seen.headers and KEY not in json.dumps(seen.headers)


def test_openai_tool_call_and_role_header(server):
    reply = oa(server).chat.completions.create(
        model="m",
        messages=[{"role": "user", "content": "weather in Paris?"}],
        tools=[{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}],
    )
    call = reply.choices[0].message.tool_calls[0]
    assert reply.choices[0].finish_reason == "tool_calls"
    assert call.function.name == "get_weather" and json.loads(call.function.arguments) == {"city": "Paris"}
    judged = oa(server).chat.completions.create(
        model="m", messages=[{"role": "user", "content": "x"}], extra_headers={"x-evalkit-role": "judge"}
    )
    assert json.loads(judged.choices[0].message.content) == {"score": 4}
    assert server.requests[-1].role == "judge"


def test_openai_streaming_with_usage(server):
    stream = oa(server).chat.completions.create(
        model="m", messages=[{"role": "user", "content": "hi"}], stream=True, stream_options={"include_usage": True}
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "hello there"
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens > 0


def test_anthropic_text_tool_use_and_forced_tool(server):
    client = an(server)
    reply = client.messages.create(
        model="claude-x", max_tokens=50, system="be nice", messages=[{"role": "user", "content": "hi"}]
    )
    assert reply.content[0].text == "hello there" and reply.stop_reason == "end_turn"
    tool = client.messages.create(
        model="claude-x",
        max_tokens=50,
        messages=[{"role": "user", "content": "weather?"}],
        tools=[{"name": "get_weather", "input_schema": {"type": "object"}}],
    )
    assert tool.stop_reason == "tool_use" and tool.content[0].input == {"city": "Paris"}
    forced = client.messages.create(
        model="claude-x",
        max_tokens=50,
        messages=[{"role": "user", "content": "grade"}],
        tools=[{"name": "Verdict", "input_schema": {"type": "object"}}],
        tool_choice={"type": "tool", "name": "Verdict"},
        extra_headers={"x-evalkit-role": "judge"},
    )
    assert forced.content[0].type == "tool_use" and forced.content[0].name == "Verdict"
    assert forced.content[0].input == {"score": 4}


def test_unmatched_request_gets_documented_echo(server):
    reply = oa(server).chat.completions.create(model="m", messages=[{"role": "user", "content": "nothing matches"}])
    assert reply.choices[0].message.content == "[no rule matched] nothing matches"


def test_rule_sequence_and_times():
    with FakeLLMServer(
        [Rule(match="next", replies=[{"text": "one"}, {"text": "two"}]), Rule(times=1, text="once")]
    ) as s:
        texts = [
            oa(s)
            .chat.completions.create(model="m", messages=[{"role": "user", "content": "next"}])
            .choices[0]
            .message.content
            for _ in range(3)
        ]
        assert texts == ["one", "two", "two"]
        first = (
            oa(s)
            .chat.completions.create(model="m", messages=[{"role": "user", "content": "z"}])
            .choices[0]
            .message.content
        )
        second = (
            oa(s)
            .chat.completions.create(model="m", messages=[{"role": "user", "content": "z"}])
            .choices[0]
            .message.content
        )
        assert (first, second) == ("once", "[no rule matched] z")


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        (Fault.rate_limit, openai.RateLimitError),
        (Fault.server_error, openai.InternalServerError),
        (Fault.auth, openai.AuthenticationError),
        (Fault.bad_request, openai.BadRequestError),
        (Fault.connection_reset, openai.APIConnectionError),
    ],
)
def test_http_faults_reach_the_sdk(server, fault, error):
    server.inject(fault, retry_after=7)
    with pytest.raises(error) as info:
        oa(server).chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
    if fault is Fault.rate_limit:
        assert info.value.response.headers["retry-after"] == "7"
    # the fault is consumed: the next call succeeds
    assert (
        oa(server)
        .chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
        .choices[0]
        .message.content
        == "hello there"
    )


def test_body_faults(server):
    server.inject(Fault.truncated)
    reply = oa(server).chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
    assert reply.choices[0].finish_reason == "length" and reply.choices[0].message.content == "hello"
    server.inject(Fault.empty_content, path="/v1/messages")
    empty = an(server).messages.create(model="c", max_tokens=5, messages=[{"role": "user", "content": "hi"}])
    assert empty.content == []
    server.inject(Fault.truncated, path="/v1/messages")
    cut = an(server).messages.create(model="c", max_tokens=5, messages=[{"role": "user", "content": "hi"}])
    assert cut.stop_reason == "max_tokens"
    server.inject(Fault.overloaded, path="/v1/messages")
    with pytest.raises(anthropic.APIStatusError) as info:
        an(server).messages.create(model="c", max_tokens=5, messages=[{"role": "user", "content": "hi"}])
    assert info.value.status_code == 529


def test_timeout_fault_hangs_until_client_gives_up(server):
    server.inject(Fault.timeout)
    with pytest.raises(openai.APITimeoutError):
        oa(server).with_options(timeout=0.3).chat.completions.create(
            model="m", messages=[{"role": "user", "content": "hi"}]
        )


def test_api_key_enforced_when_configured():
    with FakeLLMServer([Rule(text="ok")], api_key=KEY) as s:
        assert (
            oa(s)
            .chat.completions.create(model="m", messages=[{"role": "user", "content": "a"}])
            .choices[0]
            .message.content
            == "ok"
        )
        bad = openai.OpenAI(base_url=s.openai_base_url, api_key="wrong", max_retries=0)
        with pytest.raises(openai.AuthenticationError):
            bad.chat.completions.create(model="m", messages=[{"role": "user", "content": "a"}])


def test_anthropic_streaming_text_and_tool_use(server):
    client = an(server)
    with client.messages.stream(model="c", max_tokens=50, messages=[{"role": "user", "content": "hi"}]) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text == "hello there" and final.stop_reason == "end_turn" and final.usage.output_tokens > 0
    with client.messages.stream(
        model="c",
        max_tokens=50,
        messages=[{"role": "user", "content": "weather?"}],
        tools=[{"name": "get_weather", "input_schema": {"type": "object"}}],
    ) as stream:
        final = stream.get_final_message()
    assert final.stop_reason == "tool_use" and final.content[0].input == {"city": "Paris"}


def test_openai_json_object_mode_and_unknown_route(server):
    reply = oa(server).chat.completions.create(
        model="m",
        messages=[{"role": "user", "content": "x"}],
        response_format={"type": "json_object"},
        extra_headers={"x-evalkit-role": "judge"},
    )
    assert json.loads(reply.choices[0].message.content) == {"score": 4}
    assert server.requests[-1].body["response_format"] == {"type": "json_object"}
    with pytest.raises(openai.NotFoundError):
        oa(server).models.list()


def test_structured_rule_only_matches_structured_requests():
    with FakeLLMServer([Rule(structured=True, json={"a": 1}), Rule(structured=False, text="prose")]) as s:
        fmt = {"type": "json_schema", "json_schema": {"name": "A", "schema": {"type": "object"}}}
        structured = oa(s).chat.completions.create(
            model="m", messages=[{"role": "user", "content": "x"}], response_format=fmt
        )
        plain = oa(s).chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}])
        assert (structured.choices[0].message.content, plain.choices[0].message.content) == ('{"a": 1}', "prose")


def test_abandoned_request_stops_counting_as_in_flight(server):
    import time

    server.hang_s = 30
    server.inject(Fault.timeout)
    with pytest.raises(openai.APITimeoutError):
        oa(server).with_options(timeout=0.2).chat.completions.create(
            model="m", messages=[{"role": "user", "content": "hi"}]
        )
    deadline = time.monotonic() + 5
    while server.in_flight and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.in_flight == 0  # the hang ended with the client's disconnect, not after 30 s


def test_latency_fault_delays_one_request(server):
    import time

    server.inject(Fault.latency, latency_s=0.3)
    started = time.monotonic()
    reply = oa(server).chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
    assert reply.choices[0].message.content == "hello there" and time.monotonic() - started >= 0.3


def test_chunked_request_body_is_understood(server):
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", int(server.url.rsplit(":", 1)[1]))
    body = json.dumps({"model": "m", "messages": [{"role": "user", "content": "hi"}]}).encode()
    conn.request(
        "POST",
        "/v1/chat/completions",
        body=iter([body[:10], body[10:]]),
        headers={"content-type": "application/json"},
        encode_chunked=True,
    )
    answer = json.loads(conn.getresponse().read())
    assert answer["choices"][0]["message"]["content"] == "hello there"


def test_openai_responses_api_text_tool_calls_and_stream(server):
    """`client.responses` reaches the same base URL: instructions and input items become the messages the rules
    match, tool calls come back as function_call items, usage as the Responses API words it."""
    client = oa(server)
    tools = [{"type": "function", "name": "get_weather", "parameters": {"type": "object", "properties": {}}}]
    asked = client.responses.create(model="gpt-4.1", instructions="Be brief.", input="weather in Paris?", tools=tools)
    [call] = asked.output
    assert (
        call.type == "function_call" and call.name == "get_weather" and json.loads(call.arguments) == {"city": "Paris"}
    )
    assert asked.usage is not None and asked.usage.input_tokens > 0 and asked.usage.output_tokens > 0
    [request] = server.requests
    assert request.path == "/v1/responses" and request.wire == "openai" and request.model == "gpt-4.1"

    said = client.responses.create(
        model="gpt-4.1", input=[{"role": "user", "content": [{"type": "input_text", "text": "hi"}]}]
    )
    assert said.output_text == "hello there"
    with client.responses.stream(model="gpt-4.1", input="hi") as stream:
        deltas = [e.delta for e in stream if e.type == "response.output_text.delta"]
        final = stream.get_final_response()
    assert "".join(deltas) == final.output_text == "hello there"
