"""An agent kind in one module: `agent: {kind: cli, command: [...]}` talks to an agent that is a program.

Each turn runs `command` with the conversation as JSON on stdin; what it prints is the agent's reply.
A package installs the kind with one entry point in its pyproject.toml (docs/extending.md):

    [project.entry-points."evalkit.agents"]
    cli = "evalkit_cli_agent"
"""

from __future__ import annotations

import asyncio
import json
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from evalkit.conversation.agents import AgentContext, AgentReply, BuildRequest, normalise_reply, register_agent
from evalkit.llm.types import Message


class CliAgent(BaseModel):
    """What goes under `agent:` in the suite; its keys are checked when a session builds the agent."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["cli"]
    command: list[str] = Field(min_length=1, description="argv of the agent program")


class CliAgentAdapter:
    """An `Agent`: one process per turn, so a crash or a hang is that turn's agent_error, never the run's."""

    def __init__(self, config: CliAgent, model: str | None) -> None:
        self.command, self.model = config.command, model

    async def respond(self, messages: list[Message], context: AgentContext) -> AgentReply:
        payload = {"messages": [m.model_dump(mode="json") for m in messages], "model": self.model, "turn": context.turn}
        proc = await asyncio.create_subprocess_exec(
            *self.command, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
        try:
            out, err = await proc.communicate(json.dumps(payload).encode())
        finally:
            if proc.returncode is None:  # the session's turn timeout cancelled us: stop the program too
                proc.kill()
        if proc.returncode != 0:
            raise RuntimeError(f"{self.command[0]} exited with {proc.returncode}: {err.decode()[-200:]}")
        return normalise_reply(out.decode().strip())


@register_agent(
    "cli", doc="Runs a program per turn: the conversation as JSON on stdin, its stdout is the reply.", spec=CliAgent
)
async def build_cli_agent(config: CliAgent, request: BuildRequest) -> CliAgentAdapter:
    return CliAgentAdapter(config, request.model)
