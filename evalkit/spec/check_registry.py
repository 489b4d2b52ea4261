"""The check registry: one entry per check kind, carrying every part a kind needs.

An entry is the evaluator (the registered value) plus its parts:

- `spec`: the pydantic type of the value under the kind key (a model, or an annotated scalar such as
  `str` for `regex`); validation of `check: {<kind>: ...}` goes through it;
- `schema`: the JSON Schema fragment of that value, derived from `spec` at registration (so a spec
  pydantic cannot describe fails there, not in an editor);
- `doc`: the one line the docs' table of check kinds shows.

The registry lives in `spec`, the bottom layer, because loading a suite must know the kind keys. The
built-in kinds register from the judging modules that evaluate them (the evaluator needs transcripts
and findings); they are imported by name on the first lookup (`CHECKS.load()`, at validation or schema
time, never while `spec` is being imported). Third-party kinds come in through the `evalkit.checks`
entry point group and are then the same as built-in ones: validated, in `evalkit schema` and runnable.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from pydantic import TypeAdapter

from evalkit.registry import Entry, Registry, RegistryError

E = TypeVar("E", bound=Callable[..., Any])

BUILTIN_CHECK_MODULES = (
    "evalkit.judging.check_text",
    "evalkit.judging.check_tools",
    "evalkit.judging.check_limits",
    "evalkit.judging.claims",
    "evalkit.judging.check_state",
)

COMMON_KEYS = ("on", "ignore_case", "name")  # the keys of every check (`Check`'s fields), never a kind
_NAME = re.compile(r"[a-z][a-z0-9_]*")

CHECKS: Registry[Callable[..., Any]] = Registry(
    "check kind", "evalkit.checks", modules=BUILTIN_CHECK_MODULES, required=("spec", "schema")
)


def register_check(name: str, *, doc: str, spec: Any) -> Callable[[E], E]:
    """Register the decorated evaluator as check kind `name` (`check: {<name>: <spec>}` in YAML).

    The evaluator is called as `evaluator(spec_value, ctx)` with a `CheckContext` and returns a
    `Finding` (or an awaitable of one); see `evalkit.judging.check_api`.
    """
    if name in COMMON_KEYS or not _NAME.fullmatch(name):
        raise RegistryError(
            f"check kind {name!r}: not a usable kind key (expected snake_case, "
            f"not one of the keys every check has: {', '.join(COMMON_KEYS)})"
        )
    schema = spec_fragment(name, spec)

    def decorate(evaluator: E) -> E:
        CHECKS.add(name, evaluator, doc=doc, origin=getattr(evaluator, "__module__", ""), spec=spec, schema=schema)
        return evaluator

    return decorate


def spec_fragment(name: str, spec: Any) -> dict[str, Any]:
    """The standalone JSON Schema of a kind's value (nested models under its own `$defs`)."""
    try:
        return TypeAdapter(spec).json_schema()
    except Exception as exc:  # noqa: BLE001 - a spec pydantic cannot validate or describe is refused at registration
        why = f"{type(exc).__name__}: {exc}"
        raise RegistryError(f"check kind {name!r}: spec {spec!r} has no JSON Schema ({why})") from None


@cache
def spec_adapter(name: str) -> TypeAdapter[Any]:
    """Validates the value written under kind `name`; its errors are located below the kind key."""
    spec = CHECKS.get(name).parts["spec"]
    return TypeAdapter(dict[str, spec])  # type: ignore[valid-type]  # each kind's spec type is a value read from the registry


def entry_problems(entry: Entry[Any]) -> list[str]:
    """What a registered kind lacks or gets wrong, one phrase each ([] = complete). Tests run it on every kind."""
    problems = []
    if not entry.doc.strip() or "\n" in entry.doc:
        problems.append("doc: expected one non-empty line (the docs table's row)")
    if "spec" not in entry.parts:
        problems.append("spec: missing (the pydantic type of the value under the kind key)")
    fragment = entry.parts.get("schema")
    if not isinstance(fragment, dict) or not fragment:
        problems.append("schema: missing (derived from spec by register_check)")
    else:
        try:
            Draft202012Validator.check_schema(fragment)
        except SchemaError as exc:
            problems.append(f"schema: not a valid JSON Schema ({exc.message})")
    if not callable(entry.value):
        problems.append("evaluator: not callable")
    elif not _takes_spec_and_context(entry.value):
        problems.append("evaluator: expected a function of (spec, ctx)")
    return problems


def _takes_spec_and_context(evaluator: Callable[..., Any]) -> bool:
    try:
        inspect.signature(evaluator).bind(None, None)
    except (TypeError, ValueError):
        return False
    return True
