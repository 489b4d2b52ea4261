"""Adapters that make any agent under test look like one `Agent` protocol, one registered builder per kind."""

from evalkit.conversation.agents.base import Agent, AgentContext, AgentReply, AgentSetupError
from evalkit.conversation.agents.build import build_agent
from evalkit.conversation.agents.callable import (
    CallableAgentAdapter,
    agent_shape,
    build_callable_agent,
    is_factory,
    load_target,
)
from evalkit.conversation.agents.http_agent import HttpAgentAdapter, HttpAgentError, extract_path
from evalkit.conversation.agents.marks import agent_factory
from evalkit.conversation.agents.model_agent import ModelAgentAdapter
from evalkit.conversation.agents.normalise import normalise_reply
from evalkit.conversation.agents.objects import object_agent
from evalkit.conversation.agents.registry import AGENTS, BuildRequest, register_agent
from evalkit.conversation.agents.tools import PythonTool, load_tool, tool_schema

__all__ = [
    "AGENTS",
    "Agent",
    "AgentContext",
    "AgentReply",
    "AgentSetupError",
    "BuildRequest",
    "CallableAgentAdapter",
    "HttpAgentAdapter",
    "HttpAgentError",
    "ModelAgentAdapter",
    "PythonTool",
    "agent_factory",
    "agent_shape",
    "build_agent",
    "build_callable_agent",
    "extract_path",
    "is_factory",
    "load_target",
    "load_tool",
    "normalise_reply",
    "object_agent",
    "register_agent",
    "tool_schema",
]
