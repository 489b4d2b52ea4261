"""What the response cache calls an endpoint: the server that decides the answer, not where it happened to listen.

A configured base URL (a hosted API, a local vLLM on :8000) is its own identity, so two servers
never share entries. A local stand-in started for one run (the offline endpoint, a FakeLLMServer
on a random port) is named by what decides its answers instead: `offline:<rules fingerprint>`,
given in `HubConfig.endpoint_ids`, so the next offline run of the same rules hits the same entries.
Credentials in a URL (`https://user:secret@host`) never enter a key.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from evalkit.llm.keys import canonical_json
from evalkit.llm.mock_rules import Rule

OFFLINE = "offline"


def endpoint_identity(base_url: str, aliases: Mapping[str, str] | None = None) -> str:
    """The name cache keys use for `base_url`: its alias when one is given, else the URL without credentials."""
    url = base_url.rstrip("/")
    alias = next((name for given, name in (aliases or {}).items() if given.rstrip("/") == url), None)
    return alias if alias else _without_credentials(url)


def _without_credentials(url: str) -> str:
    """Scheme and host lower-cased (they are case-insensitive), user and password dropped; port, path, query kept."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # not a URL we can take apart: keyed as given
        return url
    if not parts.netloc:
        return url
    host = (parts.hostname or "").lower()
    netloc = f"[{host}]" if ":" in host else host
    netloc += f":{port}" if port is not None else ""
    return urlunsplit((parts.scheme.lower(), netloc, parts.path, parts.query, ""))


def offline_identity(rules: Iterable[Rule]) -> str:
    """`offline:<fingerprint>` of the rules an offline endpoint answers from."""
    return f"{OFFLINE}:{rules_fingerprint(rules)}"


def rules_fingerprint(rules: Iterable[Rule]) -> str:
    """16 hex digits over the rules (in order) and the source of each `module:function` handler they name (with
    the project modules it imports).

    A changed rule or handler changes what the fake endpoint answers, so it must change the key;
    the same rules served on another port must not.
    """
    rows: list[Any] = []
    sources: dict[str, str] = {}
    for rule in rules:
        row = rule.model_dump(mode="json", by_alias=True, exclude_none=True, exclude={"handler"})
        handler = rule.handler
        if handler is not None:
            row["handler"] = handler if isinstance(handler, str) else _callable_name(handler)
            module = row["handler"].partition(":")[0]
            sources.setdefault(module, _source_digest(module))
        rows.append(row)
    payload = canonical_json({"rules": rows, "handlers": sources})
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def _callable_name(handler: Any) -> str:
    return f"{getattr(handler, '__module__', '?')}:{getattr(handler, '__qualname__', repr(handler))}"


def _source_digest(module: str) -> str:
    """sha256 over the handler module's file and the project files it imports, directly or through each other,
    or "" when it cannot be found (then only its name is keyed). A handler that delegates to a helper module
    answers differently when only the helper changes, so the helper is keyed too. Files outside the folder that
    holds the handler's top-level package are left out: for a project's handler, the standard library and the
    installed packages (they change with the environment, not with the rules)."""
    origin = _origin(module)
    if origin is None:
        return ""
    digest = hashlib.sha256()
    for path in local_sources(module, origin):
        digest.update(path.relative_to(_project_root(module, origin)).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def local_sources(module: str, origin: Path) -> list[Path]:
    """The module's file and every file under its project root that its imports name, transitively (read, not
    imported: nothing runs). The root is the folder holding the module's top-level package (or the module)."""
    root = _project_root(module, origin)
    found: dict[Path, str] = {origin: module}
    queue = [(module, origin)]
    while queue:
        name, path = queue.pop()
        for imported in _imported_names(name, path):
            target = _file_under(root, imported)
            if target is not None and target not in found:
                found[target] = imported
                queue.append((imported, target))
    return sorted(found)


def _origin(module: str) -> Path | None:
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    origin = getattr(spec, "origin", None) if spec is not None else None
    return Path(origin).resolve() if origin and Path(origin).is_file() else None


def _project_root(module: str, origin: Path) -> Path:
    depth = module.count(".") + (1 if origin.name == "__init__.py" else 0)
    return origin.parents[depth]


def _imported_names(module: str, path: Path) -> Iterator[str]:
    """Dotted names a module's import statements may load (`from a import b` may mean module `a.b`)."""
    try:
        tree = ast.parse(path.read_bytes())
    except (SyntaxError, ValueError):
        return
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".") if package else []
                parent = ".".join(parts[: len(parts) - node.level + 1]) if node.level - 1 <= len(parts) else ""
                base = f"{parent}.{base}".strip(".") if base else parent
            if base:
                yield base
                yield from (f"{base}.{alias.name}" for alias in node.names if alias.name != "*")


def _file_under(root: Path, name: str) -> Path | None:
    stem = root.joinpath(*name.split("."))
    for candidate in (stem.with_suffix(".py"), stem / "__init__.py"):
        if candidate.is_file():
            return candidate.resolve()
    return None
