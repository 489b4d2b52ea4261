"""Structured output: schema for the wire, JSON extraction from text, validation, repair prompt."""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import BaseModel, ValidationError

from evalkit.llm.prompts import render
from evalkit.llm.types import Message

_FENCE = re.compile(r"```(?:json|JSON)?\s*\n?(.*?)```", re.S)
_NAME = re.compile(r"[^a-zA-Z0-9_-]")


def schema_of(model: type[BaseModel]) -> tuple[dict[str, Any], str]:
    """JSON schema and a wire-safe name for an output model.

    Objects whose properties are all required are closed (additionalProperties: false),
    which lets OpenAI use strict mode for them; extra keys would be ignored by pydantic anyway.
    """
    return _close_objects(model.model_json_schema()), _NAME.sub("_", model.__name__)[:64] or "output"


def _close_objects(node: Any) -> Any:
    if isinstance(node, list):
        return [_close_objects(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: _close_objects(v) for k, v in node.items()}
    props = out.get("properties")
    closable = out.get("type") == "object" and isinstance(props, dict) and "additionalProperties" not in out
    if closable and set(out.get("required", [])) == set(props or ()):
        out["additionalProperties"] = False
    return out


def extract_json(text: str) -> Any:
    """Parse the whole text as JSON, else a fenced block, else the first balanced {...}.

    Raises:
        ValueError: no JSON value could be found.
    """
    stripped = text.strip()
    candidates = [stripped] + [m.group(1).strip() for m in _FENCE.finditer(text)]
    start = stripped.find("{")
    if start >= 0:
        candidates.append(_balanced(stripped, start))
    for candidate in candidates:
        if not candidate:
            continue
        try:
            return json.loads(candidate)
        except json.JSONDecodeError:
            continue
    raise ValueError("no JSON object found in the reply" if text.strip() else "the reply was empty")


def _balanced(text: str, start: int) -> str:
    depth, in_string, escaped = 0, False, False
    for i in range(start, len(text)):
        ch = text[i]
        if in_string:  # `escaped` is about the previous character: a quote after a backslash stays inside
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
            continue
        if ch == '"':
            in_string = True
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return text[start : i + 1]
    return text[start:]


def tool_arguments(raw: Any) -> dict[str, Any]:
    """Tool-call arguments (a JSON string on the OpenAI wire) as a dict; unparseable ones stay visible, not dropped."""
    if isinstance(raw, dict):
        return raw
    try:
        value = json.loads(raw or "{}")
    except json.JSONDecodeError:
        return {"_raw": raw}
    return value if isinstance(value, dict) else {"_value": value}


def parse_output(text: str, model: type[BaseModel]) -> tuple[BaseModel | None, str | None]:
    """Validated instance, or None and a short error fit to quote back to the model."""
    try:
        return model.model_validate(extract_json(text)), None
    except ValueError as exc:  # ValidationError is a ValueError
        return None, _short_error(exc)


def _short_error(exc: ValueError) -> str:
    if isinstance(exc, ValidationError):
        parts = [f"{'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}" for e in exc.errors()[:8]]
        return "schema validation failed: " + "; ".join(parts)
    return str(exc)


def json_instruction(schema: dict[str, Any]) -> Message:
    """System message asking for JSON, for servers without native structured output."""
    return Message(role="system", content=render("json_instruction.md.j2", schema=json.dumps(schema)))


def repair_messages(bad_text: str, error: str) -> list[Message]:
    """The follow-up turn of the one repair request."""
    return [
        Message(role="assistant", content=bad_text),
        Message(role="user", content=render("repair.md.j2", error=error)),
    ]
