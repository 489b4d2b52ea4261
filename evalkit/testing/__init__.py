"""evalkit.testing: a fake OpenAI/Anthropic server and pytest fixtures for offline tests.

    from evalkit.testing import FakeLLMServer, Rule, Fault

    with FakeLLMServer([Rule(role="judge", json={"score": 5}), Rule(match="refund", text="Done.")]) as server:
        client = openai.OpenAI(base_url=server.openai_base_url, api_key="anything")
        server.inject(Fault.rate_limit, times=2, retry_after=0.1)
        ...
        assert server.requests[-1].role == "agent"

Rate-limit mode: ``FakeLLMServer(rules, rpm=1200, tpm=300_000)`` answers over budget with 429s and
every response with the protocol's remaining/reset headers (docs/scale.md); ``python -m
evalkit.testing --rpm 1200`` serves the same from the command line.

Requests nobody scripted get ``[no rule matched] <last message>``. In pytest, declare
``pytest_plugins = ["evalkit.testing.fixtures"]`` for the `fake_llm`, `hub_for` and `fake_hub` fixtures.
"""

from evalkit.llm.mock_rules import Reply, ReplyToolCall, Rule
from evalkit.testing.faults import Fault
from evalkit.testing.hub import FAKE_KEY, hub_config_for
from evalkit.testing.server import FakeLLMServer, RecordedRequest

__all__ = ["FAKE_KEY", "FakeLLMServer", "Fault", "RecordedRequest", "Reply", "ReplyToolCall", "Rule", "hub_config_for"]
