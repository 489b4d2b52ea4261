"""Safe YAML reading that remembers where every key and value came from.

PyYAML is only used to *compose* nodes (SafeLoader, no object construction);
this module turns nodes into plain data itself so it can keep line/column
for each key path and reject duplicate keys. Before that, the bytes must be
UTF-8 without forbidden characters (evalkit.spec.yamltext) and the parser
events must stay within the depth, size and alias budgets
(evalkit.spec.yamlscan), so a hostile file is one clear message instead of a
traceback, a hang, a RecursionError or gigabytes of memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from evalkit.spec.problems import Problem, SpecError, format_key_path
from evalkit.spec.yamlscan import BOMB as _BOMB
from evalkit.spec.yamlscan import MAX_ALIAS_CHARS, MAX_ALIAS_VALUES, MAX_DEPTH, MAX_VALUES, scan_events
from evalkit.spec.yamlscan import TOO_DEEP as _TOO_DEEP
from evalkit.spec.yamltext import decode_yaml

__all__ = ["MAX_ALIAS_CHARS", "MAX_ALIAS_VALUES", "MAX_BYTES", "MAX_DEPTH", "MAX_VALUES", "Located", "parse_yaml"]

MAX_BYTES = 2_000_000
_MAX_BUILT = MAX_VALUES + MAX_ALIAS_VALUES  # what the scan allows; the builder re-checks it as a safety net
# libyaml parses ~5x faster with the same events and marks; PyYAML's own parser words the error messages.
_FAST_LOADER = getattr(yaml, "CSafeLoader", None) if yaml.__with_libyaml__ else None
_NO_TAGS = "unsupported YAML tag '{}' (expected plain values, no tags)"

KeyPath = tuple[str | int, ...]
_STR, _INT, _FLOAT, _BOOL, _NULL = (f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null"))
_MAP, _SEQ, _MERGE = "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:merge"
_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_PLAIN_TAGS = {_STR, "tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:binary", "!"}


@dataclass
class Located:
    """Plain data from one YAML file plus the position of every key path."""

    path: str
    data: Any
    text: str
    values: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)
    keys: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)

    def where(self, parts: KeyPath, at_key: bool = False) -> tuple[int, int]:
        """Line/col of the longest known prefix of `parts` (the key itself if `at_key`)."""
        for end in range(len(parts), -1, -1):
            prefix = tuple(parts[:end])
            if at_key and prefix in self.keys:
                return self.keys[prefix]
            if prefix in self.values:
                return self.values[prefix]
        return (1, 1)

    def problem(self, parts: KeyPath, message: str, at_key: bool = False) -> Problem:
        line, col = self.where(parts, at_key)
        return Problem(self.path, line, col, format_key_path(parts), message)


def read_yaml(path: str | Path) -> Located:
    """Read one YAML file into plain data; raises SpecError with every problem found."""
    shown = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise SpecError([Problem(shown, 1, 1, "", f"cannot read file: {exc.strerror or exc}")]) from None
    return parse_yaml(raw, shown)


def key_problem(path: str | Path, key: str, message: str) -> Problem:
    """A problem at a top-level key of a file known to be valid (falls back to line 1)."""
    try:
        line, col = read_yaml(path).keys.get((key,), (1, 1))
    except SpecError:
        line, col = 1, 1
    return Problem(str(path), line, col, key, message)


def parse_yaml(raw: bytes, shown: str) -> Located:
    """Parse bytes already read from `shown` (the path used in messages)."""
    if len(raw) > MAX_BYTES:
        raise SpecError([_doc(shown, f"file is {len(raw)} bytes (expected at most {MAX_BYTES})")])
    text = decode_yaml(raw, shown)
    if not _has_content(text):
        raise SpecError([_doc(shown, "file is empty (expected a YAML mapping)")])
    _scan(text, shown)
    node = _compose(text, shown)
    if node is None or (isinstance(node, yaml.ScalarNode) and node.tag == _NULL and not node.value.strip("~")):
        raise SpecError([_doc(shown, "file is empty (expected a YAML mapping)")])
    located = Located(shown, None, text)
    builder = _Builder(located)
    located.data = builder.build(node, (), 0)
    if builder.problems:
        raise SpecError(builder.problems)
    if not isinstance(located.data, dict):
        line, col = _mark(node)
        message = f"top level is {describe(located.data)} (expected a mapping of keys)"
        raise SpecError([Problem(shown, line, col, "", message)])
    return located


def _doc(shown: str, message: str) -> Problem:
    return Problem(shown, 1, 1, "", message)


def _has_content(text: str) -> bool:
    return any(line.strip() and not line.lstrip().startswith("#") for line in text.splitlines())


def _scan(text: str, shown: str) -> None:
    """Depth, size and alias budgets on the event stream (no recursion, no nodes) before composing."""
    if _FAST_LOADER is not None:
        try:
            scan_events(yaml.parse(text, Loader=_FAST_LOADER), shown)
            return
        except yaml.YAMLError:
            pass  # scanned again below, so the message is PyYAML's as everywhere else
    try:
        scan_events(yaml.parse(text, Loader=yaml.SafeLoader), shown)
    except yaml.MarkedYAMLError as exc:
        raise SpecError([_syntax_problem(shown, exc)]) from None
    except yaml.YAMLError as exc:
        raise SpecError([_doc(shown, f"invalid YAML: {exc}")]) from None


def _compose(text: str, shown: str) -> yaml.Node | None:
    if _FAST_LOADER is not None:
        try:
            return yaml.compose(text, Loader=_FAST_LOADER)
        except yaml.YAMLError:
            pass  # composed again below for PyYAML's wording
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        raise SpecError([_syntax_problem(shown, exc)]) from None
    except yaml.YAMLError as exc:
        raise SpecError([_doc(shown, f"invalid YAML: {exc}")]) from None


def _syntax_problem(shown: str, exc: yaml.MarkedYAMLError) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line, col = _mark_of(mark) if mark else (1, 1)
    what = exc.problem or "invalid YAML"
    context = exc.context or ""
    if "'\\t'" in what:
        message = "a tab character (indent with spaces, not tabs)"
    elif "single document" in context:
        message = "more than one YAML document in the file (expected exactly one, no '---' separators)"
    elif "expected <block end>" in what or "expected <block end>" in context:
        message = (
            "this line is indented differently from the lines above it (expected the same indentation as its siblings)"
        )
    elif "mapping values are not allowed" in what:
        message = "unexpected ':' (quote a value that contains ': ', or check the indentation)"
    else:
        message = f"{context} {what}".strip() + " (check the indentation and quoting on this line or the one above)"
    return Problem(shown, line, col, "", f"invalid YAML: {message}")


def _mark_of(mark: yaml.Mark) -> tuple[int, int]:
    return mark.line + 1, mark.column + 1


def _mark(node: yaml.Node) -> tuple[int, int]:
    return _mark_of(node.start_mark)


def describe(value: Any) -> str:
    """A short human description of a YAML value's type, e.g. "a list"."""
    if value is None:
        return "empty (null)"
    return _TYPE_NAMES.get(type(value), type(value).__name__)


_TYPE_NAMES = {
    dict: "a mapping",
    list: "a list",
    str: "a string",
    bool: "a boolean",
    int: "an integer",
    float: "a number",
}


class _Builder:
    """Node -> plain data, recording positions; re-counts nodes as a safety net behind the event scan."""

    def __init__(self, located: Located) -> None:
        self.located = located
        self.problems: list[Problem] = []
        self.count = 0

    def build(self, node: yaml.Node, parts: KeyPath, depth: int) -> Any:
        self.count += 1
        if self.count > _MAX_BUILT:
            top = parts[:1]
            line, col = self.located.keys.get(top, _mark(node))
            raise SpecError([Problem(self.located.path, line, col, format_key_path(top), _BOMB)])
        if depth > MAX_DEPTH:
            raise SpecError([self._at(node, parts, _TOO_DEEP)])
        self.located.values.setdefault(parts, _mark(node))
        if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and node.tag not in (_MAP, _SEQ):
            self.problems.append(self._at(node, parts, _NO_TAGS.format(_short_tag(node.tag))))
            return None
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, parts, depth)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(child, (*parts, i), depth + 1) for i, child in enumerate(node.value)]
        assert isinstance(node, yaml.ScalarNode), "a YAML node is a mapping, a sequence or a scalar"
        return self._scalar(node, parts)

    def _mapping(self, node: yaml.MappingNode, parts: KeyPath, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                self._merge(out, value_node, parts, depth)
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self.problems.append(self._at(key_node, parts, "a key must be a plain word (expected 'name: value')"))
                continue
            key = key_node.value
            if key in first_line:
                message = f"duplicate key '{key}' (first set on line {first_line[key]}; expected each key once)"
                self.problems.append(self._at(key_node, (*parts, key), message))
                continue
            first_line[key] = _mark(key_node)[0]
            self.located.keys[(*parts, key)] = _mark(key_node)
            out[key] = self.build(value_node, (*parts, key), depth + 1)
        return out

    def _merge(self, out: dict[str, Any], value_node: yaml.Node, parts: KeyPath, depth: int) -> None:
        sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
        for source in sources:
            merged = self.build(source, parts, depth + 1)
            if not isinstance(merged, dict):
                message = "'<<' must merge a mapping (expected an alias of a mapping)"
                self.problems.append(self._at(source, parts, message))
                continue
            for key, value in merged.items():
                out.setdefault(key, value)

    def _scalar(self, node: yaml.ScalarNode, parts: KeyPath) -> Any:
        tag, value = node.tag, node.value
        if tag in _PLAIN_TAGS:
            return value
        if tag == _NULL:
            return None
        if tag == _BOOL:
            # YAML 1.1 reads yes/no/on/off as booleans; only true/false are booleans here.
            return {"true": True, "false": False}.get(value.lower(), value)
        if tag == _INT:
            return _CONSTRUCTOR.construct_yaml_int(node)
        if tag == _FLOAT:
            return _CONSTRUCTOR.construct_yaml_float(node)
        self.problems.append(self._at(node, parts, _NO_TAGS.format(_short_tag(tag))))
        return None

    def _at(self, node: yaml.Node, parts: KeyPath, message: str) -> Problem:
        line, col = _mark(node)
        return Problem(self.located.path, line, col, format_key_path(parts), message)


def _short_tag(tag: str) -> str:
    """'tag:yaml.org,2002:python/object' -> '!!python/object', as the author wrote it."""
    return "!!" + tag[len("tag:yaml.org,2002:") :] if tag.startswith("tag:yaml.org,2002:") else tag
