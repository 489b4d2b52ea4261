"""An OpenAI-compatible alias (`together:`, the example package's one module) in process, over the fake server:
the OpenAI wire with the bare model name, its own key and base-URL variables, recordings, offline mode, docs."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from provider_helpers import together_installed

from evalkit.llm import CallTag, GenerateConfig, HubConfig, Message, ModelError, ModelHub
from evalkit.llm.endpoint import resolve_base_url, split_name
from evalkit.llm.providers.docs import providers_table
from evalkit.llm.types import ErrorKind
from evalkit.plugin.offline import OfflineEndpoint
from evalkit.testing import FakeLLMServer, Rule

CANARY = "sk-together-canary-5f1e"
HI = [Message(role="user", content="hello there")]


@pytest.fixture(autouse=True)
def together(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for var in ("TOGETHER_API_KEY", "TOGETHER_BASE_URL", "OPENAI_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    with together_installed():
        yield


@pytest.mark.asyncio
async def test_alias_calls_reach_the_fake_server_over_the_openai_wire_with_the_bare_model(fake_llm, hub_for) -> None:
    fake_llm.add_rule(Rule(model="some-model", text="Hi from together."))
    hub = hub_for(fake_llm)
    assert hub.config.base_urls["together"] == fake_llm.base_url("together") == fake_llm.openai_base_url
    config = GenerateConfig(max_tokens=32, tag=CallTag(role="judge"))
    reply = await hub.model("together:some-model").generate(HI, config=config)
    assert (reply.text, reply.model) == ("Hi from together.", "together:some-model")
    [seen] = fake_llm.requests
    assert (seen.path, seen.provider, seen.model, seen.role) == (
        "/v1/chat/completions",
        "openai",
        "some-model",
        "judge",
    )
    assert seen.body["max_tokens"] == 32 and "max_completion_tokens" not in seen.body  # what compatible servers read
    assert split_name("together:org/model:latest") == ("together", "org/model:latest")


@pytest.mark.asyncio
async def test_alias_key_is_read_from_its_own_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fake server accepts only the canary: with it in TOGETHER_API_KEY the call passes, without it a 401."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai-not-this-one")
    with FakeLLMServer([Rule(text="ok")], api_key=CANARY) as server:
        config = HubConfig(base_urls={"together": server.base_url("together")}, max_retries=0, no_cache=True)
        async with ModelHub(config) as hub:
            with pytest.raises(ModelError) as err:
                await hub.model("together:m").generate(HI)
            assert err.value.kind is ErrorKind.auth
        monkeypatch.setenv("TOGETHER_API_KEY", CANARY)
        async with ModelHub(config) as hub:
            assert (await hub.model("together:m").generate(HI)).text == "ok"


@pytest.mark.asyncio
async def test_alias_default_url_is_its_own_and_a_missing_key_names_its_variable(monkeypatch) -> None:
    assert resolve_base_url("together", HubConfig(), None) == ("https://api.together.xyz/v1", False)
    assert resolve_base_url("openai", HubConfig(), None) == ("https://api.openai.com/v1", False)
    monkeypatch.setenv("TOGETHER_BASE_URL", "http://127.0.0.1:9/v1/")
    assert resolve_base_url("together", HubConfig(), None) == ("http://127.0.0.1:9/v1", True)
    monkeypatch.delenv("TOGETHER_BASE_URL")
    async with ModelHub(HubConfig(no_cache=True)) as hub:  # the default (remote) URL: refused before any request
        with pytest.raises(ModelError, match=r"no API key for together: set TOGETHER_API_KEY or HubConfig.api_keys"):
            await hub.model("together:m").generate(HI)
        monkeypatch.setenv("TOGETHER_API_KEY", CANARY)
        endpoint = hub.model("together:m")._endpoint
        context = endpoint._context(hub.config, hub.rules)
        assert (context.base_url, context.api_key) == ("https://api.together.xyz/v1", CANARY)  # not the SDK's default


@pytest.mark.asyncio
async def test_alias_exchanges_record_and_replay_without_the_server_or_the_key(
    fake_llm, hub_for, tmp_path, monkeypatch
) -> None:
    fake_llm.add_rule(Rule(text="recorded answer"))
    cassette = tmp_path / "together.jsonl"
    recording = hub_for(fake_llm, record_path=cassette, api_keys={})  # the key comes from TOGETHER_API_KEY
    monkeypatch.setenv("TOGETHER_API_KEY", CANARY)
    assert (await recording.model("together:m").generate(HI)).text == "recorded answer"
    recording.close()
    monkeypatch.delenv("TOGETHER_API_KEY")
    text = cassette.read_text()
    assert '"provider": "together"' in text and CANARY not in text
    replaying = hub_for(fake_llm, replay_path=cassette)
    reply = await replaying.model("together:m").generate(HI)
    assert (reply.text, reply.cached, len(fake_llm.requests)) == ("recorded answer", True, 1)  # no second request


def test_offline_points_the_alias_and_its_variables_at_the_fake_server() -> None:
    endpoint = OfflineEndpoint([])
    try:
        assert endpoint.base_urls["together"] == endpoint.server.openai_base_url
        assert os.environ["TOGETHER_BASE_URL"] == endpoint.server.openai_base_url
        assert os.environ["TOGETHER_API_KEY"] == "sk-evalkit-offline" and "mock" not in endpoint.base_urls
    finally:
        endpoint.close()
    assert "TOGETHER_BASE_URL" not in os.environ and "TOGETHER_API_KEY" not in os.environ


def test_the_docs_table_lists_the_alias_with_its_wire_url_and_variables() -> None:
    row = (
        "| `together:` | openai (alias) | `https://api.together.xyz/v1` | `TOGETHER_API_KEY` | `TOGETHER_BASE_URL` "
        "| Together AI, OpenAI-compatible chat completions |"
    )
    assert providers_table().splitlines()[-1] == row


def test_the_standalone_fake_server_prints_the_alias_variable_too(fake_llm) -> None:
    from evalkit.testing.__main__ import base_url_lines

    assert base_url_lines(fake_llm).splitlines() == [
        f"OPENAI_BASE_URL={fake_llm.openai_base_url}",
        f"ANTHROPIC_BASE_URL={fake_llm.anthropic_base_url}",
        f"TOGETHER_BASE_URL={fake_llm.openai_base_url}",
    ]
