"""FakeLLMServer's rate-limit mode, seen through the real SDKs' raw responses."""

from __future__ import annotations

import anthropic
import openai
import pytest

from evalkit.llm.ratelimit_headers import read_rate_limits
from evalkit.testing import FakeLLMServer, Rule
from evalkit.testing.__main__ import parse_args
from evalkit.testing.ratelimit import RateLimit, go_duration


def clients(server: FakeLLMServer) -> tuple[openai.OpenAI, anthropic.Anthropic]:
    return (
        openai.OpenAI(base_url=server.openai_base_url, api_key="k", max_retries=0),
        anthropic.Anthropic(base_url=server.anthropic_base_url, api_key="k", max_retries=0),
    )


def test_openai_budget_headers_and_429():
    with FakeLLMServer([Rule(text="ok")], rpm=120, tpm=100_000, rate_window_s=1.0) as server:  # 2 requests a second
        oai, _ = clients(server)
        raw = oai.chat.completions.with_raw_response.create(model="m", messages=[{"role": "user", "content": "hi"}])
        assert raw.parse().choices[0].message.content == "ok"
        assert raw.headers["x-ratelimit-limit-requests"] == "2" and raw.headers["x-ratelimit-remaining-requests"] == "1"
        assert raw.headers["x-ratelimit-reset-requests"].endswith("ms")
        assert int(raw.headers["x-ratelimit-remaining-tokens"]) < 1666
        oai.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
        with pytest.raises(openai.RateLimitError) as info:
            oai.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
        headers = info.value.response.headers
        assert headers["x-ratelimit-remaining-requests"] == "0"
        assert int(headers["retry-after"]) >= 1 and 0 < int(headers["retry-after-ms"]) <= 500
        assert server.rate_limit_stats.accepted == 2 and server.rate_limit_stats.rejected == 1
        assert {r.dimension for r in read_rate_limits(headers)} == {"requests", "tokens"}


def test_anthropic_budget_headers_and_429():
    with FakeLLMServer([Rule(text="ok")], rpm=60, rate_window_s=1.0) as server:  # one request a second
        _, ant = clients(server)
        raw = ant.messages.with_raw_response.create(
            model="m", max_tokens=10, messages=[{"role": "user", "content": "hi"}]
        )
        assert raw.parse().content[0].text == "ok"
        assert raw.headers["anthropic-ratelimit-requests-remaining"] == "0"
        assert raw.headers["anthropic-ratelimit-requests-reset"].endswith("Z")
        with pytest.raises(anthropic.RateLimitError) as info:
            ant.messages.create(model="m", max_tokens=10, messages=[{"role": "user", "content": "hi"}])
        assert info.value.body["error"]["type"] == "rate_limit_error"
        assert info.value.response.headers["retry-after"] == "1"
        (reading,) = read_rate_limits(info.value.response.headers)
        assert reading.limit == 1 and reading.remaining == 0 and reading.reset_absolute


def test_tokens_beyond_the_budget_are_refused_and_output_is_charged():
    with FakeLLMServer([Rule(text="word " * 40)], tpm=600, rate_window_s=1.0) as server:  # 10 tokens a second
        oai, _ = clients(server)
        oai.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])  # 4 in, 51 out: debt
        with pytest.raises(openai.RateLimitError):
            oai.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
        assert [n for _, n in server.rate_limit_stats.charged] == [4, 51]


def test_without_headers_only_429s_say_anything():
    with FakeLLMServer([Rule(text="ok")], rpm=60, rate_window_s=1.0, rate_limit_headers=False) as server:
        oai, _ = clients(server)
        raw = oai.chat.completions.with_raw_response.create(model="m", messages=[{"role": "user", "content": "hi"}])
        assert read_rate_limits(raw.headers) == []
        with pytest.raises(openai.RateLimitError) as info:
            oai.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
        assert "retry-after" in info.value.response.headers
        server.set_rate_limit(None)
        oai.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
        assert server.rate_limit_stats.rejected == 0  # unlimited again


@pytest.mark.fake_llm(rpm=60, rate_window_s=1.0)
def test_the_fixture_takes_server_options_from_a_marker(fake_llm):
    oai, _ = clients(fake_llm)
    oai.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
    with pytest.raises(openai.RateLimitError):
        oai.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])


def test_cli_options_and_validation(capsys):
    args = parse_args(["--rpm", "1200", "--tpm", "200000", "--window", "1", "--latency", "0.1"])
    assert (args.rpm, args.tpm, args.window, args.latency, args.no_rate_headers) == (1200, 200000, 1.0, 0.1, False)
    with pytest.raises(SystemExit):
        parse_args(["--rpm", "0"])
    assert "--rpm: expected a positive number" in capsys.readouterr().err
    with pytest.raises(ValueError, match="window_s"):
        RateLimit(rpm=10, window_s=0)


@pytest.mark.parametrize(("seconds", "text"), [(0.02, "20ms"), (1.5, "1.5s"), (360, "6m0s"), (61.25, "1m1.25s")])
def test_go_durations(seconds, text):
    assert go_duration(seconds) == text
    (reading,) = read_rate_limits({"x-ratelimit-remaining-requests": "1", "x-ratelimit-reset-requests": text})
    assert reading.reset_s == pytest.approx(seconds)
