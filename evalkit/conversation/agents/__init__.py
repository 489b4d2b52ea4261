"""Adapters that make any agent under test look like one `Agent` protocol."""

from evalkit.conversation.agents.base import Agent, AgentContext, AgentReply, AgentSetupError
from evalkit.conversation.agents.build import build_agent
from evalkit.conversation.agents.callable import CallableAgentAdapter, build_callable_agent, is_factory, load_target
from evalkit.conversation.agents.http_agent import HttpAgentAdapter, HttpAgentError, extract_path
from evalkit.conversation.agents.model_agent import ModelAgentAdapter
from evalkit.conversation.agents.normalise import normalise_reply
from evalkit.conversation.agents.tools import PythonTool, load_tool, tool_schema

__all__ = [
    "Agent",
    "AgentContext",
    "AgentReply",
    "AgentSetupError",
    "CallableAgentAdapter",
    "HttpAgentAdapter",
    "HttpAgentError",
    "ModelAgentAdapter",
    "PythonTool",
    "build_agent",
    "build_callable_agent",
    "extract_path",
    "is_factory",
    "load_target",
    "load_tool",
    "normalise_reply",
    "tool_schema",
]
