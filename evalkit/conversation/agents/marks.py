"""Saying what a Python agent target is, instead of letting evalkit guess from its parameters.

    @evalkit.agent_factory                 # called once per session: make_agent(model=tier, **params)
    def make_agent(model=None, **params): ...

    @evalkit.agent_factory(shared=True)    # called once per run loop; its agent serves every session
    def make_client_agent(model=None): ...

Both set plain attributes (`evalkit_factory`, `evalkit_shared`), so a class or a callable object can
set them by hand too; `evalkit_factory = False` declares that a function is the agent itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, overload

F = TypeVar("F", bound=Callable[..., Any])


@overload
def agent_factory(fn: F) -> F: ...


@overload
def agent_factory(*, shared: bool = False) -> Callable[[F], F]: ...


def agent_factory(fn: Any = None, *, shared: bool = False) -> Any:
    """Mark `fn` as an agent factory (optionally `shared`: one agent for every session of a run loop)."""

    def mark(target: F) -> F:
        target.evalkit_factory = True  # type: ignore[attr-defined]  # a mark is a plain attribute on the function, read back with getattr
        if shared:
            target.evalkit_shared = True  # type: ignore[attr-defined]  # a plain attribute mark, like evalkit_factory
        return target

    return mark(fn) if fn is not None else mark
