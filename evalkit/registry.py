"""Named extension points: a YAML name and a Python object are interchangeable.

A registry maps names (`word_count`, `openai`, `callable`) to implementations, each with the
parts a user-facing extension must bring (a docs line always; a spec model, a schema fragment, a
wire adapter where the registry asks for them). Built-in items register with a decorator in their
own module; third-party packages add theirs through a `pyproject.toml` entry point, e.g.

    [project.entry-points."evalkit.checks"]
    word_count = "my_pkg.word_count"

whose module registers on import. Plain Python at the bottom of the layering (stdlib only), so
every layer may look names up without importing anything above it.
"""

from __future__ import annotations

import difflib
import importlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any, Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Entry(Generic[T]):
    """One registered item: the name users write, the implementation and its declared parts."""

    name: str
    value: T
    doc: str
    parts: dict[str, Any] = field(default_factory=dict)
    origin: str = ""  # module that registered it ("" = unknown)


class RegistryError(ValueError):
    """A registration that lacks a part, clashes with another, or a lookup of an unknown name."""


class Registry(Generic[T]):
    """Items of one kind; `modules` are imported (and entry points loaded) on first lookup."""

    def __init__(self, kind: str, group: str, *, modules: tuple[str, ...] = (), required: tuple[str, ...] = ()):
        self.kind, self.group = kind, group
        self._modules, self._required = modules, required
        self._entries: dict[str, Entry[T]] = {}
        self._loaded = False
        self._importing = False
        self._loading = threading.RLock()  # the first lookups may come from several threads at once

    def add(self, name: str, value: T, *, doc: str, origin: str = "", **parts: Any) -> T:
        """Register `value` under `name`; every required part must be given and non-empty."""
        missing = [p for p in ("doc", *self._required) if not (doc if p == "doc" else parts.get(p))]
        if missing:
            raise RegistryError(f"{self.kind} {name!r}: missing {', '.join(missing)} (every {self.kind} needs them)")
        known = self._entries.get(name)
        if known is not None and known.value is not value:
            raise RegistryError(f"{self.kind} {name!r} is registered twice ({known.origin or '?'} and {origin or '?'})")
        self._entries[name] = Entry(name, value, doc, dict(parts), origin)
        return value

    def register(self, name: str, *, doc: str, **parts: Any) -> Callable[[T], T]:
        """Decorator form of `add`: `@CHECKS.register("word_count", doc=..., spec=WordCountSpec)`."""

        def decorate(value: T) -> T:
            return self.add(name, value, doc=doc, origin=getattr(value, "__module__", ""), **parts)

        return decorate

    def get(self, name: str) -> Entry[T]:
        """The entry named `name`; an unknown name raises RegistryError with the nearest known names."""
        self.load()
        try:
            return self._entries[name]
        except KeyError:
            raise RegistryError(self.unknown_message(name)) from None

    def unknown_message(self, name: str) -> str:
        self.load()
        close = difflib.get_close_matches(name, list(self._entries), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return f"unknown {self.kind} {name!r}{hint} (known: {', '.join(sorted(self._entries))})"

    def __contains__(self, name: object) -> bool:
        self.load()
        return name in self._entries

    def __iter__(self) -> Iterator[Entry[T]]:
        self.load()
        return iter(sorted(self._entries.values(), key=lambda e: e.name))

    def names(self) -> list[str]:
        return [e.name for e in self]

    def load(self) -> None:
        """Import the built-in modules and every installed package's entry points, once."""
        if self._loaded:
            return
        with self._loading:  # re-entrant: a module being imported may look names up itself
            if self._loaded or self._importing:
                return
            self._importing = True
            try:
                self._import_all()
            finally:
                self._importing = False
            self._loaded = True

    def _import_all(self) -> None:
        for module in self._modules:
            importlib.import_module(module)
        for point in entry_points(group=self.group):
            try:
                point.load()
            except Exception as exc:  # noqa: BLE001 - a broken third-party plugin is named, not a traceback
                raise RegistryError(
                    f"entry point {point.name!r} in group {self.group!r} failed to load: {type(exc).__name__}: {exc}"
                ) from None
