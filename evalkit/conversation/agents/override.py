"""`--evalkit-agent` / `evalkit run --agent`: another target, the suite's agent params kept."""

from __future__ import annotations

from evalkit.spec.models import AgentConfig, CallableAgent, FactoryAgent


def override_target(config: AgentConfig, target: str) -> AgentConfig:
    """The suite's agent config with `target` swapped in.

    A callable or factory config keeps its kind and its `params` (they configure the agent, not the
    choice of module); any other kind (model, http, installed kinds) has nothing a Python target could
    take, so the override is a plain callable target.
    """
    if isinstance(config, (CallableAgent, FactoryAgent)):
        return config.model_copy(update={"target": target})
    return CallableAgent(target=target)
