"""evalkit: evaluate non-deterministic LLM agents in CI.

The public API, re-exported lazily so `import evalkit` (which pytest does for
every run through the plugin entry point) stays cheap.

PYTEST_DONT_REWRITE: `evalkit run` imports this package before pytest starts, and pytest marks a
regular (non-editable) install's plugin package for assertion rewriting, so it warned on every run
that it could not; evalkit's own modules gain nothing from rewriting (evalkit/plugin/preload.py).
"""

from __future__ import annotations

import importlib
from typing import Any

from evalkit._version import __version__

_EXPORTS: dict[str, str] = {
    # authoring
    "load_suite": "evalkit.spec",
    "SpecError": "evalkit.spec",
    # model access
    "ModelHub": "evalkit.llm",
    "HubConfig": "evalkit.llm",
    # conversation and judging
    "Transcript": "evalkit.conversation",
    "run_session": "evalkit.conversation",
    "judge_transcript": "evalkit.judging",
    # running and results
    "RunConfig": "evalkit.run",
    "load_run": "evalkit.run",
    "run_scenario": "evalkit.plugin.api",
    "agent_factory": "evalkit.conversation.agents.marks",
    # what a Python agent may receive (annotated `list[Message]`) and return (docs/agents.md)
    "Message": "evalkit.llm.types",
    "AgentContext": "evalkit.conversation.agents.base",
    "AgentReply": "evalkit.conversation.agents.base",
    "ScenarioResult": "evalkit.plugin.api",
    # testing your own agent offline
    "FakeLLMServer": "evalkit.testing",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'evalkit' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted(__all__)
