"""Python functions as model tools: JSON Schema from type hints, validated calls, errors as results.

The schema comes from pydantic (`TypeAdapter(fn).json_schema()`), so whatever
pydantic understands (Literal, Annotated[..., Field(description=...)], models,
defaults) reaches the model. Descriptions come from the docstring: the first
paragraph describes the tool, a google-style `Args:` section describes parameters.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from pydantic import TypeAdapter, ValidationError, validate_call

from evalkit.conversation.agents.base import AgentSetupError, reply_payload
from evalkit.conversation.agents.callable import failure, load_target
from evalkit.conversation.agents.threads import run_in_thread
from evalkit.conversation.transcript import ToolResult
from evalkit.llm.types import ToolCall, ToolSpec

_ARG_LINE = re.compile(r"^\s{2,}(\w+)(?:\s*\([^)]*\))?:\s*(.+)$")


class PythonTool:
    """One callable tool: its spec for the model and a validated, exception-safe runner."""

    def __init__(self, fn: Callable[..., Any], name: str | None = None) -> None:
        self.fn = fn
        self.name = name or fn.__name__
        self.spec = ToolSpec(name=self.name, description=_summary(fn), parameters=tool_schema(fn))
        self._call = validate_call(fn)

    async def run(self, call: ToolCall) -> ToolResult:
        """Execute one call; bad arguments and exceptions become a ToolResult with `error`."""
        try:
            if inspect.iscoroutinefunction(self.fn):
                output = await self._call(**call.arguments)
            else:
                output = await run_in_thread(self._call, **call.arguments)
        except ValidationError as err:
            return ToolResult(call_id=call.id, name=self.name, error=f"invalid arguments: {_brief(err)}")
        except (Exception, SystemExit) as err:  # noqa: BLE001 - a tool failure (sys.exit too) is data for the model
            return ToolResult(call_id=call.id, name=self.name, error=failure(err))
        return ToolResult(call_id=call.id, name=self.name, output=reply_payload(output))


def load_tool(target: str) -> PythonTool:
    """Resolve `module:function` to a tool; raises AgentSetupError if it is not a usable function."""
    fn = load_target(target)
    if not callable(fn):
        raise AgentSetupError(f"tool '{target}' is not callable")
    try:
        return _cached_tool(fn)
    except TypeError:  # an unhashable callable object: build it each time
        pass
    try:
        return PythonTool(fn)
    except Exception as err:
        raise AgentSetupError(f"tool '{target}': cannot derive a JSON schema from its type hints: {err}") from err


@lru_cache(maxsize=256)
def _cached_tool(fn: Callable[..., Any]) -> PythonTool:
    """One PythonTool per function object (schema derivation costs ~1 ms; every session needs the tool).

    Keyed by the function itself, not the target text, so a re-imported or different module
    under the same name gets its own tool. Failures are not cached (lru_cache skips exceptions).
    """
    return PythonTool(fn)


def tool_schema(fn: Callable[..., Any]) -> dict[str, Any]:
    """JSON Schema of the function's arguments, with docstring descriptions and without titles."""
    schema = TypeAdapter(fn).json_schema()  # type: ignore[arg-type]  # pydantic takes a callable (its arguments' schema); its stubs name types only
    schema = _strip_titles(schema)
    schema.setdefault("properties", {})
    for arg, text in _arg_docs(fn).items():
        prop = schema["properties"].get(arg)
        if isinstance(prop, dict):
            prop.setdefault("description", text)
    return schema


def result_content(result: ToolResult) -> str:
    """What the model reads back for a tool result."""
    if result.error is not None:
        return json.dumps({"error": result.error})
    return result.output if isinstance(result.output, str) else json.dumps(result.output, ensure_ascii=False)


def _summary(fn: Callable[..., Any]) -> str:
    doc = inspect.getdoc(fn) or ""
    return doc.split("\n\n", 1)[0].strip()


def _arg_docs(fn: Callable[..., Any]) -> dict[str, str]:
    doc = inspect.getdoc(fn) or ""
    docs: dict[str, str] = {}
    in_args = False
    for line in doc.splitlines():
        if line.strip() in ("Args:", "Arguments:", "Parameters:"):
            in_args = True
            continue
        if in_args and line and not line.startswith(" "):
            break
        match = _ARG_LINE.match(line) if in_args else None
        if match:
            docs[match.group(1)] = match.group(2).strip()
    return docs


def _strip_titles(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _strip_titles(v) for k, v in node.items() if not (k == "title" and isinstance(v, str))}
    if isinstance(node, list):
        return [_strip_titles(v) for v in node]
    return node


def _brief(err: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'arguments'}: {e['msg']}" for e in err.errors())
