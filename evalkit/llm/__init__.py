"""evalkit.llm: talking to models (openai, anthropic, mock) with limits, retries, cost, cache and cassettes."""

from evalkit.llm.cache import CacheStats, ResponseCache
from evalkit.llm.cassette import Cassette, CassetteWriter
from evalkit.llm.config import HubConfig, ModelPrice
from evalkit.llm.hub import ModelHub
from evalkit.llm.ledger import UsageEntry, UsageLedger, UsageTotals
from evalkit.llm.mock_rules import Reply, ReplyToolCall, Rule, RuleSet
from evalkit.llm.model import HubModel
from evalkit.llm.pricing import PriceTable
from evalkit.llm.request import LLMRequest
from evalkit.llm.rules_file import RulesFileError, load_rules
from evalkit.llm.source import ModelSource, OwnedModelSource
from evalkit.llm.types import (
    CallTag,
    ChatModel,
    ErrorKind,
    GenerateConfig,
    Message,
    ModelError,
    ModelResponse,
    ToolCall,
    ToolSpec,
    Unparseable,
    Usage,
)

__all__ = [
    "CacheStats",
    "CallTag",
    "Cassette",
    "CassetteWriter",
    "ChatModel",
    "ErrorKind",
    "GenerateConfig",
    "HubConfig",
    "HubModel",
    "LLMRequest",
    "Message",
    "ModelError",
    "ModelHub",
    "ModelPrice",
    "ModelResponse",
    "ModelSource",
    "OwnedModelSource",
    "PriceTable",
    "Reply",
    "ReplyToolCall",
    "ResponseCache",
    "Rule",
    "RuleSet",
    "RulesFileError",
    "ToolCall",
    "ToolSpec",
    "Unparseable",
    "Usage",
    "UsageEntry",
    "UsageLedger",
    "UsageTotals",
    "load_rules",
]
