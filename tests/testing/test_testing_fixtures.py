"""The pytest fixtures users get from `pytest_plugins = ["evalkit.testing.fixtures"]`."""

from __future__ import annotations

import pytest

from evalkit.llm import CallTag, GenerateConfig, Message
from evalkit.testing import Rule


@pytest.mark.asyncio
async def test_fake_hub_talks_to_fake_llm_and_caches_under_tmp_path(fake_llm, fake_hub, tmp_path):
    fake_llm.add_rule(Rule(role="judge", text="graded"))
    judge = GenerateConfig(tag=CallTag(role="judge"))
    first = await fake_hub.model("openai:gpt-4.1-mini").generate([Message(role="user", content="x")], config=judge)
    second = await fake_hub.model("openai:gpt-4.1-mini").generate([Message(role="user", content="x")], config=judge)
    assert (first.text, second.cached, len(fake_llm.requests)) == ("graded", True, 1)
    assert fake_hub.cache.path.is_relative_to(tmp_path)
    await fake_hub.aclose()
