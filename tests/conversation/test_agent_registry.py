"""Agent adapters come from the agent registry; factory-or-agent is declared, and only guessed with a warning."""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

import pytest
from conv_helpers import ScriptedUser, spec

from evalkit.conversation import AgentContext, AgentSetupError, run_session
from evalkit.conversation.agents import build_agent, build_callable_agent
from evalkit.conversation.agents.callable import agent_shape
from evalkit.conversation.agents.marks import agent_factory
from evalkit.conversation.agents.objects import object_agent, resolve_object
from evalkit.conversation.agents.registry import AGENTS
from evalkit.llm.mock_rules import Rule
from evalkit.llm.types import Message
from evalkit.spec import FactoryAgent, ObjectAgent
from evalkit.spec.models import AgentConfig

ROOT = Path(__file__).resolve().parents[2]
CTX = AgentContext(session_id="s", scenario_id="sc", turn=1)
MSGS = [Message(role="user", content="hello")]
BUILT: list[dict] = []


# Targets for the tests below, importable as test_agent_registry:<name> (tests/conversation is on sys.path).
def build(config):
    BUILT.append({"config": config})
    return lambda messages: f"built with {config}"


def make_guessed(model=None, **params):
    BUILT.append({"model": model, **params})
    return lambda messages: f"guessed factory for {model}"


@agent_factory
def make_declared(model=None, **params):
    BUILT.append({"model": model, **params})
    return lambda messages: f"declared factory for {model}"


def echo_model(model=None):
    return f"agent got {model[-1].content}"


echo_model.evalkit_factory = False  # type: ignore[attr-defined]


def _future_warnings(record: list[warnings.WarningMessage]) -> list[str]:
    return [str(w.message) for w in record if issubclass(w.category, FutureWarning)]


def test_every_kind_is_registered_with_its_config_model_and_a_docs_line():
    """A kind the suite loader cannot validate, or one whose config names another kind, fails here."""
    assert AGENTS.names() == ["callable", "factory", "http", "model", "object"]
    union = {getattr(member, "__origin__", member) for member in AgentConfig.__args__}  # type: ignore[attr-defined]
    schema_defs = json.loads((ROOT / "schemas" / "suite.schema.json").read_text())["$defs"]
    for entry in AGENTS:
        model = entry.parts["spec"]
        assert model in union, f"{entry.name}: {model.__name__} is not in the suite's AgentConfig"
        assert model.model_fields["kind"].annotation.__args__ == (entry.name,), entry.name
        assert entry.doc and "\n" not in entry.doc
        assert (model.__name__ in schema_defs) == (entry.name != "object"), entry.name  # object: Python only


@pytest.mark.asyncio
async def test_kind_factory_calls_the_target_as_a_factory_without_guessing():
    BUILT.clear()
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        agent = await build_agent(
            FactoryAgent(kind="factory", target="test_agent_registry:build", params={"config": 7}),
            hub=None,
            model=None,
            params={},
        )  # type: ignore[arg-type]
    assert (await agent.respond(MSGS, CTX)).text == "built with 7"
    assert BUILT == [{"config": 7}]
    assert not _future_warnings(record)


@pytest.mark.asyncio
async def test_the_same_target_as_a_plain_string_is_guessed_an_agent_with_a_warning_once():
    assert agent_shape(build) == (False, True)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        first = await build_callable_agent("test_agent_registry:build", model=None, params={})
        await build_callable_agent("test_agent_registry:build", model=None, params={})
    with pytest.raises(AgentSetupError, match="agent returned function"):  # the guess handed it the messages
        await first.respond(MSGS, CTX)
    (text,) = _future_warnings(record)  # once per target, not per session
    assert "'test_agent_registry:build'" in text and "the agent itself" in text and "evalkit_factory = False" in text


@pytest.mark.asyncio
async def test_an_undeclared_factory_still_works_and_says_how_to_declare_it():
    BUILT.clear()
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        agent = await build_callable_agent("test_agent_registry:make_guessed", model="mock:a", params={"x": 1})
    assert (await agent.respond(MSGS, CTX)).text == "guessed factory for a"  # the bare model name (#14)
    assert BUILT == [{"model": "a", "x": 1}]
    (text,) = _future_warnings(record)
    assert "@evalkit.agent_factory" in text and "kind: factory, target: test_agent_registry:make_guessed" in text


@pytest.mark.asyncio
async def test_declared_shapes_are_obeyed_without_a_warning():
    BUILT.clear()
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        factory = await build_callable_agent("test_agent_registry:make_declared", model="mock:b", params={})
        agent = await build_callable_agent("test_agent_registry:echo_model", model="mock:b", params={})
    assert (await factory.respond(MSGS, CTX)).text == "declared factory for b"  # the bare model name (#14)
    assert (
        await agent.respond(MSGS, CTX)
    ).text == "agent got hello"  # evalkit_factory = False: not called as a factory
    assert BUILT == [{"model": "b"}]
    assert not _future_warnings(record)
    assert agent_shape(make_declared) == (True, False) and agent_shape(echo_model) == (False, False)


def test_unambiguous_shapes_are_never_guesses():
    class Factory:
        def __init__(self, model=None):
            self.model = model

    class Responder:
        def respond(self, messages, context):
            return ""

    def agent(messages, context):
        return ""

    def keyword_only(*, model=None, **params):
        return agent

    assert agent_shape(Factory) == (True, False) and agent_shape(Responder()) == (False, False)
    assert agent_shape(agent) == (False, False) and agent_shape(keyword_only) == (True, False)


def test_agent_factory_can_also_mark_a_shared_factory():
    @agent_factory(shared=True)
    def make(model=None):
        return None

    assert make.evalkit_factory is True and make.evalkit_shared is True


@pytest.mark.asyncio
async def test_python_objects_reach_the_engine_through_the_object_table_not_sys_modules():
    def polite(messages):
        return "certainly"

    config = object_agent(polite)
    assert isinstance(config, ObjectAgent) and object_agent(polite) == config  # the same object keeps its id
    assert object_agent(lambda messages: "other") != config
    assert resolve_object(config.ref) is polite
    assert not [name for name in sys.modules if "python_agents" in name]
    agent = await build_agent(config, hub=None, model=None, params={})  # type: ignore[arg-type]
    assert (await agent.respond(MSGS, CTX)).text == "certainly"


@pytest.mark.asyncio
async def test_an_object_ref_from_another_process_is_a_setup_error_naming_it():
    with pytest.raises(AgentSetupError, match=r"no Python agent object 'gone#0' in this process"):
        await build_agent(ObjectAgent(kind="object", ref="gone#0"), hub=None, model=None, params={})  # type: ignore[arg-type]


@pytest.mark.asyncio
async def test_an_unknown_kind_is_a_setup_error_with_the_known_kinds():
    class Strange:
        kind = "facotry"

    with pytest.raises(AgentSetupError, match=r"unknown agent kind 'facotry'; did you mean 'factory'\?"):
        await build_agent(Strange(), hub=None, model=None, params={})  # type: ignore[arg-type]


@pytest.mark.asyncio
async def test_a_session_with_kind_factory_runs_end_to_end(fake_llm, hub_for):
    BUILT.clear()
    fake_llm.add_rule(Rule(role="simulator", handler=ScriptedUser(["hi there"])))
    session_spec = spec(FactoryAgent(kind="factory", target="test_agent_registry:build", params={"config": "cfg"}))
    transcript = await run_session(session_spec, hub_for(fake_llm))
    agent_turns = [m.content for m in transcript.messages if m.role == "assistant"]
    assert agent_turns and set(agent_turns) == {"built with cfg"}
    assert BUILT == [{"config": "cfg"}]  # one factory call for the session
