"""Callable agents: the factory-or-agent rule, calling conventions, fresh instances per session."""

from __future__ import annotations

import conv_agents
import pytest

from evalkit.conversation import AgentContext, AgentSetupError, is_factory
from evalkit.conversation.agents import build_callable_agent, load_target
from evalkit.llm.types import Message

CTX = AgentContext(session_id="s", scenario_id="sc", trial=1, seed=3, turn=2)
MSGS = [Message(role="user", content="hello")]


def test_factory_rule() -> None:
    def make(model=None, **params):
        return None

    def needs_model(model, temperature=0.1):
        return None

    def agent(messages, context):
        return ""

    def other_name(history):
        return ""

    def star(*args):
        return ""

    assert not is_factory(star)
    assert is_factory(conv_agents.Counter)
    assert is_factory(make) and is_factory(needs_model) and is_factory(conv_agents.make_agent)
    assert not is_factory(agent) and not is_factory(other_name) and not is_factory(conv_agents.echo)
    assert not is_factory(conv_agents.Counter())  # an instance with respond() is the agent itself
    assert not is_factory(conv_agents.greeter)  # so is a callable object taking messages


@pytest.mark.asyncio
async def test_calling_conventions() -> None:
    sync_agent = await build_callable_agent("conv_agents:echo", model=None, params={})
    assert (await sync_agent.respond(MSGS, CTX)).text == "[2] you said: hello"
    async_agent = await build_callable_agent("conv_agents:async_echo", model=None, params={})
    assert (await async_agent.respond(MSGS, CTX)).text == "async: hello"
    kw_agent = await build_callable_agent("conv_agents:kw_context", model=None, params={})
    assert (await kw_agent.respond(MSGS, CTX)).text == "kw sc"
    object_agent = await build_callable_agent("conv_agents:greeter", model="ignored-tier", params={})
    assert (await object_agent.respond(MSGS, CTX)).text == "hello from turn 2"


@pytest.mark.asyncio
async def test_factories_get_model_and_params_and_make_fresh_instances() -> None:
    conv_agents.CREATED.clear()
    a = await build_callable_agent("conv_agents:make_agent", model="mock:small", params={"greeting": "yo"})
    b = await build_callable_agent("conv_agents:Counter", model="mock:large", params={})
    assert (await a.respond(MSGS, CTX)).text == "yo #1 from small"
    assert (await a.respond(MSGS, CTX)).text == "yo #2 from small"
    assert (await b.respond(MSGS, CTX)).text == "hi #1 from large"
    assert conv_agents.CREATED == [{"model": "small", "greeting": "yo"}, {"model": "large", "greeting": "hi"}]


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("target", "fragment"),
    [
        ("no_such_module_xyz:agent", "cannot import module 'no_such_module_xyz'"),
        ("conv_agents:missing", "has no attribute 'missing'"),
        ("conv_agents", "must look like 'module:attr'"),
    ],
)
async def test_bad_targets(target: str, fragment: str) -> None:
    with pytest.raises(AgentSetupError, match=fragment):
        await build_callable_agent(target, model=None, params={})


@pytest.mark.asyncio
async def test_factory_rejecting_params_is_a_setup_error() -> None:
    with pytest.raises(AgentSetupError, match="rejected its arguments"):
        await build_callable_agent("conv_agents:Counter", model=None, params={"nope": 1})


def test_load_target_dotted_attr() -> None:
    assert load_target("conv_agents:Counter.respond") is conv_agents.Counter.respond
