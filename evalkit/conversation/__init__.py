"""evalkit.conversation: turning a scenario into a transcript.

`run_session(spec, hub)` drives the user simulator and the agent under test;
agents come in three kinds (Python callable/factory, model + tools, HTTP service).
"""

from evalkit.conversation.agents import (
    Agent,
    AgentContext,
    AgentReply,
    AgentSetupError,
    CallableAgentAdapter,
    HttpAgentAdapter,
    ModelAgentAdapter,
    PythonTool,
    build_agent,
    is_factory,
    load_tool,
    normalise_reply,
    tool_schema,
)
from evalkit.conversation.frozen import FrozenReplay
from evalkit.conversation.session import run_session
from evalkit.conversation.session_spec import SessionSpec
from evalkit.conversation.simulator import (
    DEFAULT_ACTIONS,
    END_REASONS,
    STOP_TOKEN,
    Guardrails,
    UserSimulator,
    parse_reply,
    render_prompt,
)
from evalkit.conversation.transcript import (
    GuardrailFlag,
    RoleUsage,
    TerminationReason,
    ToolResult,
    Transcript,
    TranscriptMessage,
    TranscriptMeta,
)
from evalkit.conversation.views import agent_view, simulator_view

__all__ = [
    "DEFAULT_ACTIONS",
    "END_REASONS",
    "STOP_TOKEN",
    "Agent",
    "AgentContext",
    "AgentReply",
    "AgentSetupError",
    "CallableAgentAdapter",
    "FrozenReplay",
    "GuardrailFlag",
    "Guardrails",
    "HttpAgentAdapter",
    "ModelAgentAdapter",
    "PythonTool",
    "RoleUsage",
    "SessionSpec",
    "TerminationReason",
    "ToolResult",
    "Transcript",
    "TranscriptMessage",
    "TranscriptMeta",
    "UserSimulator",
    "agent_view",
    "build_agent",
    "is_factory",
    "load_tool",
    "normalise_reply",
    "parse_reply",
    "render_prompt",
    "run_session",
    "simulator_view",
    "tool_schema",
]
