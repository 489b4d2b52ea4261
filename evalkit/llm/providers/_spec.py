"""What a provider is: a backend factory plus everything the endpoint, offline mode and docs read.

One `Provider` per `provider:` prefix users write. A provider either speaks its own wire
protocol (then it brings the backend and the fake server's wire adapter, so offline runs and
recordings reach it) or is an alias of one (an OpenAI-compatible gateway: its own default URL
and key variable, the wire owner's backend and adapter).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from evalkit.registry import Entry, Registry, RegistryError

if TYPE_CHECKING:  # the backends import SDKs and pydantic; naming a provider must stay cheap
    from evalkit.llm.backends.base import Backend, ResponseObserver
    from evalkit.llm.config import HubConfig
    from evalkit.llm.mock_rules import RuleSet

BUILTIN = ("openai", "anthropic", "mock")  # listed first, in this order, wherever providers are enumerated


@dataclass(frozen=True)
class BackendContext:
    """Everything a backend factory gets (one object, so a new need is one field, not a new signature)."""

    provider: str
    base_url: str | None  # None: the SDK's own default endpoint (the wire owner's, not customised)
    api_key: str
    max_connections: int
    observe: ResponseObserver
    config: HubConfig
    rules: RuleSet


BackendFactory = Callable[[BackendContext], "Backend"]


@dataclass(frozen=True)
class Provider:
    """One `provider:` prefix. `backend` imports its SDK inside the call, never at module import."""

    name: str
    default_url: str
    wire: str  # the wire protocol spoken: "openai", "anthropic", or the provider's own name
    key_env: str = ""  # variable holding the API key
    url_env: str = ""  # variable overriding the base URL
    backend: BackendFactory | None = None  # None for an alias: the wire owner's
    wire_adapter: str = ""  # "module:attr" of the fake server's WireAdapter (own wire only; imported lazily)
    local: bool = False  # answers in-process (no URL, key or wire), like `mock`
    sdk_modules: tuple[str, ...] = ()  # top-level packages of its SDK: their errors in an agent are the endpoint's

    @property
    def alias(self) -> bool:
        return not self.local and not self.wire_adapter

    def owner(self) -> Provider:
        """The provider that defines this one's wire (itself unless an alias)."""
        if not self.alias:
            return self
        for entry in PROVIDERS:
            if entry.value.wire == self.wire and entry.value.wire_adapter:
                return entry.value
        raise RegistryError(
            f"provider {self.name!r} is an alias of wire {self.wire!r}, which no provider defines "
            f"(known wires: {', '.join(known_wires())})"
        )

    def make_backend(self, context: BackendContext) -> Backend:
        factory = self.backend or self.owner().backend
        assert factory is not None  # every non-alias has one (checked at registration)
        return factory(context)

    def adapter(self) -> Any:
        """The fake server's WireAdapter for this provider's wire (evalkit.testing.wires.WireAdapter)."""
        module, _, attr = self.owner().wire_adapter.partition(":")
        return getattr(importlib.import_module(module), attr)


PROVIDERS: Registry[Provider] = Registry(
    "provider",
    "evalkit.providers",
    modules=tuple(f"evalkit.llm.providers.{name}_provider" for name in BUILTIN),
)


def add_provider(
    name: str,
    *,
    doc: str,
    default_url: str,
    wire: str,
    key_env: str = "",
    url_env: str = "",
    backend: BackendFactory | None = None,
    wire_adapter: str = "",
    local: bool = False,
    sdk_modules: tuple[str, ...] = (),
    origin: str = "",
) -> Provider:
    """Register a provider; refuses one that lacks a part it needs (see `missing_parts`)."""
    if wire_adapter and ":" not in wire_adapter:
        raise RegistryError(f"provider {name!r}: wire_adapter: expected 'module:attr', got {wire_adapter!r}")
    spec = Provider(name, default_url, wire, key_env, url_env, backend, wire_adapter, local, tuple(sdk_modules))
    missing = missing_parts(spec)
    if missing:
        raise RegistryError(f"provider {name!r}: missing {', '.join(missing)}")
    return PROVIDERS.add(name, spec, doc=doc, origin=origin, wire=wire)


def missing_parts(spec: Provider) -> list[str]:
    """What a provider lacks, by the rule of its kind (in-process, own wire, alias of a wire)."""
    need: dict[str, object] = {"default_url": spec.default_url, "wire": spec.wire}
    if spec.local:
        need["backend"] = spec.backend
    else:
        need.update(key_env=spec.key_env, url_env=spec.url_env)
    if not spec.local and (spec.wire == spec.name or spec.wire_adapter):  # its own wire: nothing to borrow
        need.update(backend=spec.backend, wire_adapter=spec.wire_adapter)
    if spec.wire_adapter and ":" not in spec.wire_adapter:
        return ["wire_adapter as 'module:attr'"]
    return [part for part, value in need.items() if not value]


def entry_problems(entry: Entry[Provider]) -> list[str]:
    """Every part an installed provider lacks, resolved (the registry test runs this on all of them)."""
    spec = entry.value
    missing = missing_parts(spec)
    problems = ([] if entry.doc.strip() else ["doc"]) + missing
    if spec.local or missing:  # nothing more to resolve
        return problems
    try:
        owner = spec.owner()
        adapter = spec.adapter()
    except (RegistryError, ImportError, AttributeError) as exc:
        return [*problems, f"wire adapter ({exc})"]
    if owner.backend is None:
        problems.append(f"backend (of wire owner {owner.name!r})")
    for part in ("route", "base_path", "parse", "render", "error_body"):
        if getattr(adapter, part, None) is None:
            problems.append(f"wire adapter {part}")
    return problems


def sdk_modules() -> frozenset[str]:
    """Every installed provider's SDK packages (an agent failing inside one failed at its endpoint)."""
    return frozenset(module for entry in PROVIDERS for module in entry.value.sdk_modules)


def known_wires() -> list[str]:
    return sorted({e.value.wire for e in PROVIDERS if e.value.wire_adapter})


def provider_names() -> list[str]:
    """Built-ins first (openai, anthropic, mock), then every installed provider by name."""
    names = PROVIDERS.names()
    return [n for n in BUILTIN if n in names] + [n for n in names if n not in BUILTIN]


def remote_providers() -> list[Provider]:
    """Providers reached over HTTP (all but in-process ones), in `provider_names` order."""
    return [p for p in (PROVIDERS.get(n).value for n in provider_names()) if not p.local]


def provider(name: str) -> Provider:
    """The provider named `name`; unknown -> RegistryError (a ValueError) with a did-you-mean."""
    return PROVIDERS.get(name).value
