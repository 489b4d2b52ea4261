"""Python agents named as `module:attr`: functions, objects, classes and factories.

Factory or agent? Said explicitly, or else decided by this rule, applied to the resolved attribute:

1. `agent: {kind: factory, target: ...}` in the suite, or the object's `evalkit_factory` attribute
   (`@evalkit.agent_factory` sets it True; set it False to declare a function the agent itself).
2. A class is a factory: it is instantiated once per session.
3. An object with a `respond` method is the agent itself.
4. A function whose first parameter is `messages` is the agent itself (the agent signature).
5. A function that cannot take a positional argument is a factory (an agent is called with the messages).
6. Otherwise the parameters are read as a **guess**, with a FutureWarning naming both explicit forms:
   an agent if it takes `*args` or has a required positional parameter other than `model`/`provider`,
   else a factory.
   (`def make_agent(model=None, **params)` is guessed a factory; it could also be called with the messages.)

A factory is called once per session as `factory(model=<name>, **params)`, where `<name>` is the
model as its provider's API expects it (tier `anthropic:claude-sonnet-4-5` -> `claude-sonnet-4-5`);
a factory that declares a `provider` parameter also receives the provider (`anthropic`), and
`context.model` keeps the full tier. It may be async and may return any agent shape (function,
object with `respond`, or `__call__`). Agents may be sync (run in a worker thread so timeouts
still work) or async, take `(messages)` or `(messages, context)`, receive OpenAI chat-format dicts
(or evalkit's `Message` models when annotated so, see `messages.py`), and return any shape
`normalise_reply` accepts (docs/agents.md).
"""

from __future__ import annotations

import importlib
import inspect
import sys
import threading
import warnings
from typing import Any

from evalkit.conversation.agents.base import Agent, AgentContext, AgentExit, AgentReply, AgentSetupError
from evalkit.conversation.agents.construct import construct, shared_agent
from evalkit.conversation.agents.messages import message_style, to_chat_dicts
from evalkit.conversation.agents.normalise import normalise_reply
from evalkit.conversation.agents.registry import BuildRequest, register_agent
from evalkit.conversation.agents.threads import run_in_thread
from evalkit.llm.types import Message
from evalkit.spec.models import CallableAgent, FactoryAgent

FACTORY_ARGS = ("model", "provider")  # what evalkit passes a factory; a required one does not make it an agent
_warned: set[str] = set()
_warned_lock = threading.Lock()


def load_target(target: str) -> Any:
    """Import `module:attr` (attr may be dotted); raises AgentSetupError with a one-line reason."""
    module_name, _, attr = target.partition(":")
    if not module_name or not attr:
        raise AgentSetupError(f"agent target '{target}' must look like 'module:attr'")
    try:
        obj: Any = importlib.import_module(module_name)
    except (Exception, SystemExit) as err:
        raise AgentSetupError(f"cannot import module '{module_name}' for '{target}': {failure(err)}") from err
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise AgentSetupError(f"module '{module_name}' has no attribute '{attr}' (from '{target}')")
        obj = getattr(obj, part)
    return obj


def is_factory(obj: Any) -> bool:
    """Apply the factory-or-agent rule in the module docstring."""
    return agent_shape(obj)[0]


def agent_shape(obj: Any) -> tuple[bool, bool]:
    """(is a factory, was guessed from parameter names) by the rule in the module docstring."""
    declared = getattr(obj, "evalkit_factory", None)
    if isinstance(declared, bool):
        return declared, False
    if inspect.isclass(obj):
        return True, False
    if not callable(obj) or callable(getattr(obj, "respond", None)):
        return False, False
    params = list(_signature(obj).parameters.values())
    if params and params[0].name == "messages":
        return False, False
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL)]
    if not positional:
        return True, False
    if any(p.kind == p.VAR_POSITIONAL for p in params):
        return False, True
    required_positional = [
        p for p in positional if p.kind != p.VAR_POSITIONAL and p.default is p.empty and p.name not in FACTORY_ARGS
    ]
    return not required_positional, True


def _warn_guess(name: str, factory: bool) -> None:
    """Once per target and process: what was guessed, and the two ways to say it instead."""
    with _warned_lock:
        if name in _warned:
            return
        _warned.add(name)
    if factory:
        fix = f"decorate it with @evalkit.agent_factory, or write agent: {{kind: factory, target: {name}}}"
        what = "an agent factory (called once per session with model=...)"
    else:
        fix = "set its evalkit_factory = False, or give it a first parameter named messages"
        what = "the agent itself (called with the messages)"
    warnings.warn(
        f"evalkit: guessed from its parameters that agent {name!r} is {what}; say so instead: {fix}. "
        "The guess will be removed in a future release.",
        FutureWarning,
        stacklevel=2,
    )


class CallableAgentAdapter:
    """Wraps user code (function, object with `respond`, or callable object) as an `Agent`."""

    def __init__(self, target: Any, name: str = "") -> None:
        fn = getattr(target, "respond", None)
        fn = fn if callable(fn) else target
        if not callable(fn):
            raise AgentSetupError(f"agent {name or target!r} is not callable and has no respond() method")
        self._fn = fn
        self._target = target
        self._context_style = _context_style(fn)
        self._style = message_style(fn, target)
        self.name = name

    async def respond(self, messages: list[Message], context: AgentContext) -> AgentReply:
        given: list[Any] = list(messages) if self._style == "models" else to_chat_dicts(messages)
        args: tuple[Any, ...] = (given, context) if self._context_style == "positional" else (given,)
        kwargs = {"context": context} if self._context_style == "keyword" else {}
        try:
            if _is_async(self._fn):
                result = await self._fn(*args, **kwargs)
            else:
                result = await run_in_thread(self._fn, *args, **kwargs)
            if inspect.isawaitable(result):
                result = await result
        except SystemExit as err:  # the agent's failure, not the run's end
            raise AgentExit(f"agent {self.name or 'callable'} {failure(err)}") from err
        return normalise_reply(result)

    async def aclose(self) -> None:
        """Let the agent release clients it opened (`aclose()` or `close()`, sync or async), if it has one."""
        close = getattr(self._target, "aclose", None) or getattr(self._target, "close", None)
        if not callable(close):
            return
        try:
            result = close()
            if inspect.isawaitable(result):
                await result
        except SystemExit as err:  # closing is best effort; exiting is not the agent's call to make
            raise AgentExit(f"agent {self.name or 'callable'} close() {failure(err)}") from err


class SharedAgentAdapter(CallableAgentAdapter):
    """An agent serving every session of a run (`evalkit_shared = True`): a session's end does not close it."""

    async def aclose(self) -> None:
        """Sessions come and go; the agent is released once, when the run's loop ends (`release`)."""

    async def release(self) -> None:
        await CallableAgentAdapter.aclose(self)


async def build_callable_agent(
    target: str, *, model: str | None, params: dict[str, Any], factory: bool | None = None
) -> CallableAgentAdapter:
    """A fresh agent for one session (or the run's one shared agent): call the factory, or wrap the agent itself.

    `factory` says what `target` is (`kind: factory` passes True); None applies the rule above.
    Importing the target and calling a sync factory happen in a worker thread (see `construct`): an
    SDK's import or a client's construction (~18 ms for `AsyncAnthropic`) on the event loop would
    stall every other session's model calls. A module already in sys.modules is read on the loop:
    nothing to import, and if this very thread is still importing it (a run started from a module's
    own import), a worker thread would wait on that module's import lock forever.
    """
    already = target.partition(":")[0] in sys.modules  # no import to do; and the thread importing it may be ours
    obj = load_target(target) if already else await construct(load_target, target)
    return await adapt_object(obj, target, model=model, params=params, factory=factory)


async def adapt_object(
    obj: Any, name: str, *, model: str | None, params: dict[str, Any], factory: bool | None = None
) -> CallableAgentAdapter:
    """The session's agent from a resolved Python object; `name` keys a shared factory's one agent."""
    if factory is None:
        factory, guessed = agent_shape(obj)
        if guessed:
            _warn_guess(name, factory)
    if not factory:
        return CallableAgentAdapter(obj, name=name)
    kwargs = dict(params)
    if model is not None:
        provider, bare = split_model(model)
        kwargs["model"] = bare
        if provider and _accepts(obj, "provider") and "provider" not in kwargs:
            kwargs["provider"] = provider
    if getattr(obj, "evalkit_shared", False) is True:
        return await shared_agent(name, kwargs, lambda: _shared_adapter(obj, name, kwargs))
    return CallableAgentAdapter(await _call_factory(obj, name, kwargs), name=name)


@register_agent(
    "callable",
    doc="A Python function, object or class named `module:attr` (or written as the "
    "`agent:` string); factory or agent as declared, else by the documented rule.",
    spec=CallableAgent,
)
async def build_callable(config: CallableAgent, request: BuildRequest) -> Agent:
    return await build_callable_agent(config.target, model=request.model, params={**config.params, **request.params})


@register_agent(
    "factory",
    doc="`module:attr` called once per session as `target(model=tier, **params)`; returns the agent.",
    spec=FactoryAgent,
)
async def build_factory(config: FactoryAgent, request: BuildRequest) -> Agent:
    params = {**config.params, **request.params}
    return await build_callable_agent(config.target, model=request.model, params=params, factory=True)


async def _shared_adapter(factory: Any, target: str, kwargs: dict[str, Any]) -> SharedAgentAdapter:
    return SharedAgentAdapter(await _call_factory(factory, target, kwargs), name=target)


async def _call_factory(factory: Any, target: str, kwargs: dict[str, Any]) -> Any:
    """The factory's agent: a sync factory runs off the loop, an async one is awaited on it."""
    try:
        instance = factory(**kwargs) if _is_async(factory) else await construct(factory, **kwargs)
        if inspect.isawaitable(instance):
            instance = await instance
    except TypeError as err:
        raise AgentSetupError(f"agent factory '{target}' rejected its arguments {sorted(kwargs)}: {err}") from err
    except SystemExit as err:  # would end the whole run (an asyncio task re-raises it): a setup error instead
        raise AgentSetupError(f"agent factory '{target}' failed: {failure(err)}") from err
    return instance


def failure(err: BaseException) -> str:
    """One line for an exception, saying plainly when user code called `sys.exit()`."""
    if isinstance(err, SystemExit):
        return f"called sys.exit({err.code!r})"
    return f"{type(err).__name__}: {err}"


def _signature(fn: Any) -> inspect.Signature:
    try:
        return inspect.signature(fn)
    except (TypeError, ValueError):
        return inspect.Signature()


def split_model(model: str) -> tuple[str | None, str]:
    """`anthropic:claude-sonnet-4-5` -> ("anthropic", "claude-sonnet-4-5"): the name the provider's API expects.

    Only the first colon splits, so `openai:llama3.1:8b` names model `llama3.1:8b`; a name without a
    provider prefix is passed on as it is.
    """
    provider, sep, name = model.partition(":")
    return (provider, name) if sep and provider and name else (None, model)


def _accepts(fn: Any, name: str) -> bool:
    """Does `fn` declare a parameter called `name`? (`**kwargs` does not count: it may forward them blindly.)"""
    return name in _signature(fn).parameters


def _context_style(fn: Any) -> str:
    """How to hand over the context: "keyword" (a `context` parameter), "positional" (second arg), or "none"."""
    params = list(_signature(fn).parameters.values())
    if any(p.name == "context" and p.kind == p.KEYWORD_ONLY for p in params):
        return "keyword"
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if any(p.kind == p.VAR_POSITIONAL for p in params) or len(positional) >= 2:
        return "positional"
    return "none"


def _is_async(fn: Any) -> bool:
    # the __call__ method itself, not callable(): an object whose __call__ is async is an async agent
    return inspect.iscoroutinefunction(fn) or inspect.iscoroutinefunction(getattr(fn, "__call__", None))  # noqa: B004
