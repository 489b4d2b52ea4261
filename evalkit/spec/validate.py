"""Validate plain YAML data against a model: JSON Schema first, then pydantic.

The JSON Schema is what editors see, so its errors come first and are
reported for the whole document at once. pydantic then adds the rules a
schema cannot express (scale min < max, unique ids, one kind per check).
"""

from __future__ import annotations

from functools import cache
from typing import Any, TypeVar

from jsonschema import Draft202012Validator
from pydantic import BaseModel, ValidationError

from evalkit.spec.messages import explain
from evalkit.spec.problems import LocatedValueError, Problem
from evalkit.spec.schema import MODELS, json_schema
from evalkit.spec.yamlsource import KeyPath, Located, describe

M = TypeVar("M", bound=BaseModel)


@cache
def _validator(kind: str) -> Draft202012Validator:
    return Draft202012Validator(json_schema(kind))


def schema_problems(located: Located, kind: str) -> list[Problem]:
    """Every JSON Schema violation in the document, one problem each."""
    root = json_schema(kind)
    problems = []
    for error in _validator(kind).iter_errors(located.data):
        for path, at_key, message in explain(error, root):
            problems.append(located.problem(path, message, at_key=at_key))
    return problems


def validate_as(located: Located, kind: str) -> tuple[Any, list[Problem]]:
    """Validate a document as a rubric, suite or persona; returns (model or None, problems)."""
    model: type[BaseModel] = MODELS[kind]
    problems = schema_problems(located, kind)
    try:
        instance = model.model_validate(located.data)
    except ValidationError as exc:
        errors = exc.errors()
        rules = [err for err in errors if _is_rule(err)]
        # Schema errors already explain type mistakes; once the schema passed, the remaining
        # non-rule errors are usually just the *other* branches of a union.
        chosen = rules if (problems or rules) else errors
        return None, problems + [_pydantic_problem(located, err) for err in chosen]
    return (None, problems) if problems else (instance, [])


def _is_rule(err: Any) -> bool:
    return err["type"] in ("value_error", "assertion_error")


def _pydantic_problem(located: Located, err: Any) -> Problem:
    path = _data_path(located.data, err["loc"], keep_last=err["type"] == "missing")
    cause = (err.get("ctx") or {}).get("error")
    at_key = False
    if isinstance(cause, LocatedValueError):
        path, at_key = path + cause.at, cause.at_key
    if _is_rule(err):
        message = str(cause) if cause is not None else err["msg"]
    else:
        message = f"{err['msg']} (got {describe(err.get('input'))})"
    return located.problem(path, message, at_key=at_key)


def _data_path(data: Any, loc: tuple[Any, ...], keep_last: bool) -> KeyPath:
    """Drop pydantic's union-branch tags from a loc, keeping only real keys and indexes."""
    out: list[str | int] = []
    node = data
    for i, part in enumerate(loc):
        if isinstance(node, dict) and part in node:
            out.append(part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            out.append(part)
            node = node[part]
        elif keep_last and i == len(loc) - 1 and isinstance(part, str):
            out.append(part)
    return tuple(out)
