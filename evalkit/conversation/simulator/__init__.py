"""The user simulator: prompt, end signals, guardrails and the per-turn model call."""

from evalkit.conversation.simulator.guardrails import DEFAULT_ACTIONS, Guardrails, resolve_actions
from evalkit.conversation.simulator.prompt import SimulatorPrompt, pick_variation, render_prompt
from evalkit.conversation.simulator.signals import (
    END_REASONS,
    END_TOOL,
    STOP_TOKEN,
    SimulatorTurn,
    end_tool,
    parse_reply,
)
from evalkit.conversation.simulator.user import SimulatorFailure, UserSimulator

__all__ = [
    "DEFAULT_ACTIONS",
    "END_REASONS",
    "END_TOOL",
    "STOP_TOKEN",
    "Guardrails",
    "SimulatorFailure",
    "SimulatorPrompt",
    "SimulatorTurn",
    "UserSimulator",
    "end_tool",
    "parse_reply",
    "pick_variation",
    "render_prompt",
    "resolve_actions",
]
