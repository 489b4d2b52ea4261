"""evalkit.testing: a fake OpenAI/Anthropic server and pytest fixtures for offline tests."""

from evalkit.llm.mock_rules import Reply, ReplyToolCall, Rule
from evalkit.testing.faults import Fault
from evalkit.testing.hub import hub_config_for
from evalkit.testing.server import FakeLLMServer, RecordedRequest

__all__ = ["FakeLLMServer", "Fault", "RecordedRequest", "Reply", "ReplyToolCall", "Rule", "hub_config_for"]
