"""Budgets checked on YAML parser events, before any node or object is built.

Composing a document keeps each anchored node once, but everything after it
(plain data, validation, error messages that quote values, fingerprints, JSON)
expands every alias again: a 200 KB suite repeating one long string used
862 MB. Walking the event stream (no recursion, nothing kept but one frame per
open collection and one size per anchor) measures three things:

- nesting depth (deep documents overflow recursive code);
- values written in the file (an alias-free 2 MB file still composes ~1M nodes);
- what aliases add, in values and in characters: the only "YAML bomb".

Each limit has its own message, at the event where it was crossed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import yaml

from evalkit.spec.problems import Problem, SpecError, format_key_path

MAX_DEPTH = 40
MAX_VALUES = 100_000  # values written in one file (scalars, mappings, lists), aliases not expanded
MAX_ALIAS_VALUES = 100_000  # values all aliases of one file add when expanded
MAX_ALIAS_CHARS = 1_000_000  # characters all aliases of one file add when expanded

TOO_DEEP = f"document is nested more than {MAX_DEPTH} levels deep (expected a flatter document)"
TOO_MANY = (
    f"file has more than {MAX_VALUES} values (expected at most {MAX_VALUES} per file; split it into several files)"
)
BOMB = (
    f"aliases expand the document by more than {MAX_ALIAS_VALUES} values or {MAX_ALIAS_CHARS} characters "
    "(a 'YAML bomb'; expected aliases that reuse small parts)"
)
RECURSIVE = "alias *{} is used inside the node it names (a recursive structure; expected a plain document)"


@dataclass
class _Frame:
    """One open mapping or list: its anchor, expanded size so far and the child position being read."""

    is_map: bool
    anchor: str | None
    values: int = 1
    chars: int = 0
    children: int = 0  # completed children (a mapping counts keys and values)
    key: str = "?"

    def segment(self) -> str | int | None:
        """The key path part of the child being read: a list index, a mapping key, or None for a key."""
        if not self.is_map:
            return self.children
        return self.key if self.children % 2 else None

    def add(self, values: int, chars: int, scalar: str | None) -> None:
        if self.is_map and self.children % 2 == 0:
            self.key = scalar if scalar is not None else "?"
        self.values, self.chars, self.children = self.values + values, self.chars + chars, self.children + 1


class _Scan:
    """The running totals of one file's event walk."""

    def __init__(self, shown: str) -> None:
        self.shown = shown
        self.stack: list[_Frame] = []
        self.sizes: dict[str, tuple[int, int]] = {}  # anchor -> (values, chars) of its expanded node
        self.written = 0
        self.added_values = 0
        self.added_chars = 0

    def fail(self, event: yaml.Event, message: str, located: bool = True) -> SpecError:
        parts = tuple(s for f in self.stack if (s := f.segment()) is not None) if located else ()
        mark = event.start_mark  # the parser marks every event; (1, 1) only for a hand-made one
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        return SpecError([Problem(self.shown, line, col, format_key_path(parts), message)])

    def done(self, values: int, chars: int, scalar: str | None = None) -> None:
        if self.stack:
            self.stack[-1].add(values, chars, scalar)

    def count_written(self, event: yaml.Event) -> None:
        self.written += 1
        if self.written > MAX_VALUES:
            raise self.fail(event, TOO_MANY)

    def feed(self, event: yaml.Event) -> None:
        if isinstance(event, yaml.AliasEvent):
            self.alias(event)
        elif isinstance(event, yaml.ScalarEvent):
            self.count_written(event)
            size = (1, len(event.value))
            if event.anchor:
                self.sizes[event.anchor] = size
            self.done(*size, scalar=event.value)
        elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            self.count_written(event)
            if len(self.stack) >= MAX_DEPTH:
                raise self.fail(event, TOO_DEEP, located=False)
            self.stack.append(_Frame(isinstance(event, yaml.MappingStartEvent), event.anchor))
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            frame = self.stack.pop()
            if frame.anchor:
                self.sizes[frame.anchor] = (frame.values, frame.chars)
            self.done(frame.values, frame.chars)

    def alias(self, event: yaml.AliasEvent) -> None:
        if any(frame.anchor == event.anchor for frame in self.stack):
            raise self.fail(event, RECURSIVE.format(event.anchor))
        values, chars = self.sizes.get(event.anchor or "", (0, 0))  # an unknown anchor fails when composing
        self.added_values += values
        self.added_chars += chars
        if self.added_values > MAX_ALIAS_VALUES or self.added_chars > MAX_ALIAS_CHARS:
            raise self.fail(event, BOMB)
        self.done(values, chars)


def scan_events(events: Iterable[yaml.Event], shown: str) -> None:
    """Raise SpecError at the first event past a budget; parser errors propagate to the caller."""
    scan = _Scan(shown)
    for event in events:
        scan.feed(event)
