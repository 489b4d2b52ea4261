"""Model-as-agent: a system prompt, a model and Python tools; evalkit runs the tool loop.

Each step calls the model; tool calls are executed and fed back until the model
answers in text or `max_steps` model calls were made (the last step is made with
`tool_choice="none"` so the turn ends with an answer rather than a dangling call).
"""

from __future__ import annotations

from evalkit.conversation.agents.base import Agent, AgentContext, AgentReply, AgentSetupError
from evalkit.conversation.agents.registry import BuildRequest, register_agent
from evalkit.conversation.agents.tools import PythonTool, load_tool, result_content
from evalkit.conversation.transcript import ToolResult
from evalkit.llm.costs import sum_costs
from evalkit.llm.types import CallTag, ChatModel, GenerateConfig, Message, ModelResponse, ToolCall, ToolSpec, Usage
from evalkit.spec.models import ModelAgent


class ModelAgentAdapter:
    """An `Agent` built from a `ModelAgent` config and a model from the shared hub."""

    def __init__(self, config: ModelAgent, model: ChatModel, tools: list[PythonTool] | None = None) -> None:
        self.config = config
        self.model = model
        self.tools = {t.name: t for t in (tools if tools is not None else [load_tool(t) for t in config.tools])}

    async def respond(self, messages: list[Message], context: AgentContext) -> AgentReply:
        history = [Message(role="system", content=self.config.system_prompt), *messages]
        produced: list[Message] = []
        responses: list[ModelResponse] = []
        for step in range(self.config.max_steps):
            response = await self.model.generate(
                history + produced,
                tools=self._specs(),
                config=self._config(context, last=step == self.config.max_steps - 1),
            )
            assert isinstance(response, ModelResponse)  # no output_schema, so never Unparseable
            responses.append(response)
            produced.append(response.as_message())
            if not response.tool_calls:
                break
            for call in response.tool_calls:
                produced.append(await self._run_tool(call))
        return _reply(produced, responses, self.model.name)

    async def _run_tool(self, call: ToolCall) -> Message:
        tool = self.tools.get(call.name)
        if tool is None:
            content = result_content_error(f"unknown tool '{call.name}'; available: {sorted(self.tools)}")
        else:
            content = result_content(await tool.run(call))
        return Message(role="tool", content=content, tool_call_id=call.id, name=call.name)

    def _specs(self) -> list[ToolSpec] | None:
        return [t.spec for t in self.tools.values()] or None

    def _config(self, context: AgentContext, *, last: bool) -> GenerateConfig:
        return GenerateConfig(
            temperature=self.config.temperature,
            seed=context.seed,
            tool_choice="none" if last and self.tools else None,
            tag=CallTag(role="agent", scenario_id=context.scenario_id, session_id=context.session_id),
        )


def result_content_error(message: str) -> str:
    return result_content(ToolResult(call_id="", name="", error=message))


def _reply(produced: list[Message], responses: list[ModelResponse], model: str) -> AgentReply:
    usage = sum((r.usage for r in responses), Usage())
    return AgentReply(
        messages=produced,
        usage=usage,
        cost_usd=sum_costs(r.cost_usd for r in responses),
        calls=len(responses),
        cached_calls=sum(r.cached for r in responses),
        model=model,
    )


@register_agent(
    "model",
    doc="A system prompt, a model (the tier under test, else `model`) and Python tools; evalkit runs the tool loop.",
    spec=ModelAgent,
)
async def build_model_agent(config: ModelAgent, request: BuildRequest) -> Agent:
    name = request.model or config.model
    if not name:
        raise AgentSetupError("model agent has no model: set agent.model or list agent_models in the suite")
    return ModelAgentAdapter(config, request.hub.model(name, base_url=config.base_url))
