"""Keep API keys and tokens out of everything evalkit writes: one redactor, applied at each sink.

What counts as a secret:
- the values of watched environment variables: OPENAI_API_KEY, ANTHROPIC_API_KEY and every variable a loaded
  suite references as `${NAME}` (`watch_env`); also any variable whose name ends in _API_KEY, _KEY, _TOKEN,
  _SECRET or _PASSWORD when its value looks like a key;
- values handed over directly, such as `HubConfig.api_keys` (`watch_value`);
- the value of an Authorization / Proxy-Authorization / x-api-key / api-key header written as text;
- common key shapes: `sk-...` (OpenAI, Anthropic `sk-ant-...`), `Bearer <token>`, GitHub, AWS and Google keys.

A watched value shorter than `MIN_SECRET_LEN` is not replaced as a substring (a 3-character "key" would
mangle ordinary text); key shapes are replaced whatever the variables hold. Values are read from the
environment at each call, so a key set after start-up is still covered. Standard library only: every layer,
`spec` included, may import this module.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TextIO
from urllib.parse import quote

MARK = "[REDACTED]"
MIN_SECRET_LEN = 8
KEY_VARIABLES = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY")
_SECRET_NAME = re.compile(r"(?:^|_)(?:API_?KEY|KEY|TOKEN|SECRET|PASSWORD|PASSWD)$")
_ENV_REF = re.compile(r"\$\{(\w+)\}")
_KEY_LIKE = re.compile(r"(?=\S*\d)\S{8,}")

_TOKEN = r"[A-Za-z0-9._~+/=-]"
# Token-like means 8+ characters with a digit: "Authorization: required" stays, "Bearer abc123def" goes.
_TOKENISH = rf"(?=[A-Za-z0-9._~+/=-]*\d){_TOKEN}{{8,}}"
_HEADER_NAMES = r"(?:proxy-)?authorization|x-api-key|api-key|x-goog-api-key|api_key|apikey"


@dataclass(frozen=True)
class _Shape:
    """A key shape; `triggers` are substrings it cannot match without (checked first: a plain scan is cheap)."""

    triggers: tuple[str, ...]
    pattern: re.Pattern[str]
    keep: str = ""  # a named group kept in front of the mark (the header name and separator)
    lower: bool = False  # triggers are lower case, checked against the lower-cased text


_SHAPES = (
    # a header written as text: `Authorization: Bearer x`, `"x-api-key": "x"`, `{'api-key': 'x'}`, `api_key=x`
    _Shape(
        ("authorization", "api-key", "api_key", "apikey"),
        re.compile(
            rf"(?i)(?P<keep>\b(?:{_HEADER_NAMES})\\?[\"']?\s*[:=]\s*\\?[\"']?\s*"
            rf"(?:(?:bearer|basic|token)\s+)?){_TOKENISH}"
        ),
        "keep",
        lower=True,
    ),
    _Shape(("bearer",), re.compile(rf"(?i)(?P<keep>\bbearer\s+){_TOKENISH}"), "keep", lower=True),
    _Shape(("sk-",), re.compile(r"\bsk-[A-Za-z0-9][A-Za-z0-9_-]{5,}")),  # OpenAI sk-/sk-proj-, Anthropic sk-ant-
    _Shape(
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
        re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})"),
    ),
    _Shape(("AKIA", "ASIA"), re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    _Shape(("AIza",), re.compile(r"\bAIza[0-9A-Za-z_-]{35}")),
    _Shape(("xox",), re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}")),
)

_lock = threading.Lock()
_watched_names: set[str] = set(KEY_VARIABLES)
_watched_values: set[str] = set()
_enabled = True  # no switch to turn it off: tests/reliability/test_secret_canary.py was checked with this False


def watch_env(*names: str) -> None:
    """Treat the values of these environment variables as secrets from now on (in this process)."""
    with _lock:
        _watched_names.update(n for n in names if n)


def watch_value(value: str | None) -> None:
    """Treat this value as a secret (a key handed over in code rather than the environment)."""
    if value and len(value) >= MIN_SECRET_LEN:
        with _lock:
            _watched_values.add(value)


def env_references(text: str) -> set[str]:
    """The variable names referenced as `${NAME}` in `text`."""
    return set(_ENV_REF.findall(text))


def watch_references(text: str) -> None:
    """Watch every variable that `text` (a suite file) references as `${NAME}`."""
    watch_env(*env_references(text))


def secret_values() -> tuple[str, ...]:
    """The secrets known now, longest first (so a key containing another is replaced whole).

    A variable watched only for its name (`*_TOKEN`, ...) counts when its value looks like a key (8+ characters,
    no space, a digit), so `SORT_KEY=scenario_id` does not blank out every scenario id.
    """
    global _cache
    with _lock:
        env_names = _env_names()
        if _cache.env_names != env_names or _cache.watched != len(_watched_names):
            guessed = {n for n in os.environ if _SECRET_NAME.search(n)} - _watched_names
            _cache = _Cache(set(env_names), len(_watched_names), tuple(sorted(_watched_names)), tuple(sorted(guessed)))
        values = frozenset(_watched_values)
        found = (tuple(os.environ.get(n, "") for n in _cache.names + _cache.guessed), values)
        if found != _cache.found:
            explicit, guessed_values = found[0][: len(_cache.names)], found[0][len(_cache.names) :]
            raw = {s for s in (*explicit, *values) if len(s) >= MIN_SECRET_LEN}
            raw |= {s for s in guessed_values if _KEY_LIKE.fullmatch(s)}
            spelled = {v for s in raw for v in _spellings(s)}
            _cache.found, _cache.variants = found, tuple(sorted(spelled, key=len, reverse=True))
        return _cache.variants


@dataclass
class _Cache:
    """Names to read (rescanned when the environment's names or the watch list change) and their spellings."""

    env_names: set[Any] | None = None
    watched: int = -1
    names: tuple[str, ...] = ()  # watched: KEY_VARIABLES, `${NAME}` references, `watch_env`
    guessed: tuple[str, ...] = ()  # secret-looking names in the environment
    found: tuple[tuple[str, ...], frozenset[str]] | None = None
    variants: tuple[str, ...] = ()


_cache = _Cache()


def _env_names() -> Any:
    """The environment's variable names, cheaply comparable (the raw keys where the platform keeps them)."""
    raw = getattr(os.environ, "_data", None)
    return raw.keys() if isinstance(raw, dict) else set(os.environ)


def _spellings(secret: str) -> Iterable[str]:
    """The secret as written raw, inside a JSON string, and URL-encoded."""
    yield secret
    yield json.dumps(secret)[1:-1]
    yield json.dumps(secret, ensure_ascii=False)[1:-1]
    yield quote(secret, safe="")


def _redact_shapes(text: str) -> str:
    lowered: str | None = None
    for shape in _SHAPES:
        if shape.lower:
            lowered = text.lower() if lowered is None else lowered
            present = any(t in lowered for t in shape.triggers)
        else:
            present = any(t in text for t in shape.triggers)
        if present:
            keep = shape.keep
            text = shape.pattern.sub((lambda m, keep=keep: m.group(keep) + MARK) if keep else MARK, text)
            lowered = None
    return text


def redact(text: str) -> str:
    """`text` with every known secret and key shape replaced by `[REDACTED]`."""
    if not _enabled or not text:
        return text
    for secret in secret_values():
        if secret in text:
            text = text.replace(secret, MARK)
    return _redact_shapes(text)


def redact_bytes(data: bytes) -> bytes:
    """`redact` for UTF-8 bytes (files written whole); bytes that are not UTF-8 are redacted as far as they decode."""
    if not _enabled or not data:
        return data
    text = data.decode("utf-8", errors="surrogateescape")
    cleaned = redact(text)
    return data if cleaned == text else cleaned.encode("utf-8", errors="surrogateescape")


def redact_value(value: Any) -> Any:
    """Strings redacted, lists/tuples/dicts walked, anything else as is (for objects handed to other writers)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: redact_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(redact_value(v) for v in value)
    return value


class RedactingStream:
    """A text stream that redacts what is written to it (for consoles: rich, click, print)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(redact(text))
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def redacting(write: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a `write(text, ...)` function so its text is redacted first."""

    def wrapped(text: str, *args: Any, **kwargs: Any) -> Any:
        return write(redact(text), *args, **kwargs)

    return wrapped
