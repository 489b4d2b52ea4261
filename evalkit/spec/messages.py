"""Turn jsonschema errors into one-line, actionable messages.

jsonschema's own messages ("{...} is not valid under any of the given
schemas") are unreadable for union fields, so this module picks the
union branch the author evidently meant and explains that branch instead.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Mapping, Sized
from typing import Any

from jsonschema.exceptions import ValidationError as SchemaError

from evalkit.spec.yamlsource import KeyPath, describe

Explained = tuple[KeyPath, bool, str]  # (key path, point at the key itself, message)

_ID_PATTERN = "^[A-Za-z0-9_.-]+$"
_LEVEL_PATTERN = "^-?[0-9]+$"
_PATTERN_WORDS = {
    _ID_PATTERN: "letters, digits, '_', '.' and '-' only",
    r"^[\w.]+:[\w.]+$": "'module:attribute', e.g. my_agent:make_agent",
    "^[A-Za-z0-9_.-]+@[0-9]+$": "'id@version', e.g. support.resolution@3",
}
_JSON_TYPES = {dict: "object", list: "array", str: "string", bool: "boolean", int: "integer", float: "number"}
_TYPE_WORDS = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "null": "nothing (null)",
}


def did_you_mean(word: str, options: Collection[str]) -> str | None:
    """The closest option to a misspelled word, if any is close enough."""
    last = word.rsplit(".", 1)[-1].lower()
    containing = [o for o in sorted(options) if len(last) >= 4 and last in o.rsplit(".", 1)[-1].lower() and o != word]
    if len(containing) == 1:
        return containing[0]  # "support.tone" -> "support.policy-tone"
    matches = difflib.get_close_matches(word, sorted(options), n=1, cutoff=0.6)
    return matches[0] if matches else None


def _schema(error: SchemaError) -> dict[str, Any]:
    """The (sub)schema that failed; a boolean schema (or jsonschema's unset marker) has no words to offer."""
    return dict(error.schema) if isinstance(error.schema, Mapping) else {}


def explain(error: SchemaError, root: dict[str, Any]) -> list[Explained]:
    """One or more (path, at_key, message) for one jsonschema error."""
    path: KeyPath = tuple(error.absolute_path)
    if "propertyNames" in error.relative_schema_path:
        return _bad_key(error, path)
    handler = _HANDLERS.get(str(error.validator))
    if handler is not None:
        return handler(error, path, root)
    return [(path, False, f"{error.message} (see the schema)")]


def _additional(error: SchemaError, path: KeyPath, root: dict[str, Any]) -> list[Explained]:
    allowed = set(_schema(error).get("properties", {}))
    out: list[Explained] = []
    for key in error.instance if isinstance(error.instance, Mapping) else ():
        if key in allowed:
            continue
        guess = did_you_mean(str(key), allowed)
        hint = f"did you mean '{guess}'?" if guess else "allowed: " + ", ".join(sorted(allowed))
        out.append(((*path, key), True, f"unknown key '{key}' ({hint})"))
    return out


def _required(error: SchemaError, path: KeyPath, root: dict[str, Any]) -> list[Explained]:
    name = error.message.split("'")[1] if "'" in error.message else str(error.validator_value)
    sub = _schema(error).get("properties", {}).get(name, {})
    return [((*path, name), False, f"missing required key '{name}' (expected {schema_words(sub, root)})")]


def _type(error: SchemaError, path: KeyPath, root: dict[str, Any]) -> list[Explained]:
    return [(path, False, f"got {_shown(error.instance)} (expected {schema_words(_schema(error), root)})")]


def _const(error: SchemaError, path: KeyPath, root: dict[str, Any]) -> list[Explained]:
    values = error.validator_value
    options = list(values) if error.validator != "const" and isinstance(values, list) else [values]
    return [(path, False, f"{_shown(error.instance)} is not allowed (expected {_one_of([repr(o) for o in options])})")]


def _bound(error: SchemaError, path: KeyPath, root: dict[str, Any]) -> list[Explained]:
    sign = {"minimum": ">=", "exclusiveMinimum": ">", "maximum": "<=", "exclusiveMaximum": "<"}[str(error.validator)]
    size = "small" if "inimum" in str(error.validator) else "large"
    return [(path, False, f"{error.instance!r} is too {size} (expected a number {sign} {error.validator_value})")]


def _items(error: SchemaError, path: KeyPath, root: dict[str, Any]) -> list[Explained]:
    count = len(error.instance) if isinstance(error.instance, Sized) else 0
    if error.validator == "minItems":
        return [(path, False, f"has {count} item(s) (expected at least {error.validator_value})")]
    return [(path, False, f"has {count} items (expected at most {error.validator_value})")]


def _pattern(error: SchemaError, path: KeyPath, root: dict[str, Any]) -> list[Explained]:
    wanted = _PATTERN_WORDS.get(str(error.validator_value), f"text matching {error.validator_value}")
    return [(path, False, f"{error.instance!r} is not a valid value (expected {wanted})")]


def _property_names(error: SchemaError, path: KeyPath, root: dict[str, Any]) -> list[Explained]:
    return [item for sub in error.context or [] for item in _bad_key(sub, path)]


def _bad_key(error: SchemaError, path: KeyPath) -> list[Explained]:
    """A mapping key that breaks `propertyNames` (so far: anchor levels must be whole numbers)."""
    key = error.instance if isinstance(error.instance, str | int) else str(error.instance)
    pattern = error.validator_value
    wanted = "a whole number such as 1 or 5" if pattern == _LEVEL_PATTERN else f"a key matching {pattern}"
    return [((*path, key), True, f"key {key!r} is not allowed here (expected {wanted})")]


def _any_of(error: SchemaError, path: KeyPath, root: dict[str, Any]) -> list[Explained]:
    branches: list[dict[str, Any]] = list(error.validator_value) if isinstance(error.validator_value, list) else []
    by_branch: dict[int, list[SchemaError]] = {}
    for sub in error.context or []:
        by_branch.setdefault(int(sub.relative_schema_path[0]), []).append(sub)
    fitting = [i for i, b in enumerate(branches) if _fits(error.instance, b, root)]
    if not fitting:
        return [(path, False, f"got {_shown(error.instance)} (expected {schema_words(_schema(error), root)})")]
    best = min(fitting, key=lambda i: _badness(by_branch.get(i, []), len(path)))
    return [item for sub in by_branch.get(best, []) for item in explain(sub, root)]


def _badness(errors: list[SchemaError], depth: int) -> tuple[int, int]:
    """Branches whose discriminator-like constant ('kind: model') fails are the least likely intent."""
    const_miss = sum(1 for e in errors if e.validator in ("const", "enum") and len(e.absolute_path) == depth + 1)
    return (const_miss, len(errors))


def _fits(instance: Any, schema: dict[str, Any], root: dict[str, Any]) -> bool:
    schema = resolve(schema, root)
    wanted = schema.get("type")
    if wanted is None:
        return True
    kinds = wanted if isinstance(wanted, list) else [wanted]
    actual = "null" if instance is None else _JSON_TYPES.get(type(instance), "object")
    return actual in kinds or (actual == "integer" and "number" in kinds)


def resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    """Follow a local `$ref` ("#/$defs/Name")."""
    ref = schema.get("$ref")
    if not ref or not ref.startswith("#/"):
        return schema
    target: Any = root
    for part in ref[2:].split("/"):
        target = target[part]
    return target


def schema_words(schema: dict[str, Any], root: dict[str, Any]) -> str:
    """Describe what a schema accepts: "a string or a Persona mapping"."""
    ref_name = schema.get("$ref", "").rsplit("/", 1)[-1]
    schema = resolve(schema, root)
    if "anyOf" in schema or "oneOf" in schema:
        parts = [schema_words(b, root) for b in schema.get("anyOf", schema.get("oneOf", []))]
        non_null = [p for p in parts if p != _TYPE_WORDS["null"]] or parts
        return _one_of(list(dict.fromkeys(non_null)))
    if "const" in schema:
        return repr(schema["const"])
    if "enum" in schema:
        return _one_of([repr(v) for v in schema["enum"]])
    kind = schema.get("type")
    if kind == "object" and ref_name:
        names = list(schema.get("properties", {}))
        keys = ", ".join(names[:4]) + (", ..." if len(names) > 4 else "")
        return f"a {ref_name} mapping ({keys})"
    if kind == "array" and "items" in schema:
        return f"a list of {_plural(schema_words(schema['items'], root))}"
    if isinstance(kind, str):
        return _TYPE_WORDS.get(kind, kind)
    return "a value matching the schema"


def _plural(words: str) -> str:
    for article in ("an ", "a "):
        if words.startswith(article):
            return words[len(article) :].replace(" mapping", " mappings", 1) + ("s" if "mapping" not in words else "")
    return words


def _one_of(options: list[str]) -> str:
    if len(options) == 1:
        return options[0]
    return ", ".join(options[:-1]) + " or " + options[-1]


def _shown(value: Any) -> str:
    if isinstance(value, (dict, list)) or value is None:
        return describe(value)
    text = repr(value)
    text = text if len(text) <= 40 else text[:37] + "..."
    return f"{describe(value)} {text}"


_HANDLERS = {
    "additionalProperties": _additional,
    "required": _required,
    "type": _type,
    "const": _const,
    "enum": _const,
    "minimum": _bound,
    "exclusiveMinimum": _bound,
    "maximum": _bound,
    "exclusiveMaximum": _bound,
    "minItems": _items,
    "maxItems": _items,
    "pattern": _pattern,
    "propertyNames": _property_names,
    "anyOf": _any_of,
    "oneOf": _any_of,
}
