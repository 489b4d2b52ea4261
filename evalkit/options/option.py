"""One row of the option table: a setting's one name, its type and bounds, and where it lands.

Plain Python on purpose (no pydantic): the pytest plugin builds its options from these rows on
every pytest run, and a run without evalkit suites must not pay for importing the engine.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Kind = type  # str | int | float | bool | Path | list | dict

KIND_WORDS: dict[type, str] = {str: "a string", Path: "a path", list: "a list of strings", bool: "true or false"}
TRUE_WORDS = {"true", "on", "yes", "1"}
FALSE_WORDS = {"false", "off", "no", "0"}


@dataclass(frozen=True, slots=True)
class Option:
    """A setting users may set, the same name on every route.

    `name` is the `[tool.evalkit]` key, `--evalkit-<name>` (pytest), `--<name>` (`evalkit run`), the
    `evalkit_<name>` ini key and the `EVALKIT_<NAME>` environment variable. `run` is the `RunConfig`
    field it fills (`limits.rpm`: a key of `RunConfig.limits`; None: the plugin's own), `hub` the
    `HubConfig` field that `RunConfig.hub_config()` fills from it.
    """

    name: str
    kind: Kind
    help: str
    group: str
    item: Kind = str  # a list's items: Path makes each one a path
    default: Any = None  # for the docs; None: unset (the suites', the hub's or the run engine's default applies)
    low: float | None = None  # inclusive lower bound
    above: bool = False  # the lower bound is exclusive
    below: float | None = None  # exclusive upper bound
    at_most: float | None = None  # inclusive upper bound
    choices: tuple[str, ...] = ()
    run: str | None = None
    hub: str | None = None
    aliases: tuple[str, ...] = ()  # older names that keep working on every route; `no_<name>` is the negation
    switch: bool = False  # a bool flag without a value: --evalkit-<name> / --evalkit-no-<name>
    files: bool = True  # settable in [tool.evalkit] and ini files (False: only per run)
    env: bool = True  # settable through EVALKIT_<NAME>
    cli: bool = True  # an `evalkit run` option (False: suites are its arguments)
    metavar: str = ""

    # ---------------------------------------------------------------- names on each route
    @property
    def flag(self) -> str:
        """`evalkit run`'s spelling: --rate-limit-wait-s."""
        return "--" + self.name.replace("_", "-")

    @property
    def pytest_flag(self) -> str:
        return "--evalkit-" + self.name.replace("_", "-")

    @property
    def dest(self) -> str:
        """The pytest option's dest and ini key: evalkit_<name>."""
        return "evalkit_" + self.name

    @property
    def env_var(self) -> str | None:
        return "EVALKIT_" + self.name.upper() if self.env else None

    @property
    def negations(self) -> tuple[str, ...]:
        """Names that set the opposite value (`no_cache = true` is `cache = false`)."""
        return tuple(a for a in self.aliases if a == "no_" + self.name)

    @property
    def renames(self) -> tuple[str, ...]:
        return tuple(a for a in self.aliases if a not in self.negations)

    def shown_metavar(self) -> str:
        if self.metavar:
            return self.metavar
        if self.choices:
            return "|".join(self.choices)
        words = {int: "N", float: "X", bool: "on|off", Path: "PATH", dict: "NAME=VALUE", list: "A,B"}
        return words.get(self.kind, "TEXT")

    # ---------------------------------------------------------------- values
    def expected(self) -> str:
        """What a valid value looks like, for the one-line error."""
        if self.choices:
            return f"one of {', '.join(self.choices)}"
        if self.kind is dict:
            return f"a table of strings, or {self.shown_metavar()} pairs"
        if self.kind in KIND_WORDS:
            return KIND_WORDS[self.kind]
        what = "an integer" if self.kind is int else "a number"
        parts = []
        if self.low is not None:
            parts.append(f"{'>' if self.above else '>='} {_num(self.low)}")
        if self.below is not None:
            parts.append(f"< {_num(self.below)}")
        if self.at_most is not None:
            parts.append(f"<= {_num(self.at_most)}")
        return f"{what} {' and '.join(parts)}".strip()

    def check(self, value: Any, strict: bool = False) -> Any:
        """The value converted to the option's kind; ValueError('expected ..., got ...') when it is not one.

        Text (a command line, an environment variable, an ini file) is converted; `strict` (TOML, which
        has its own types) takes a number only as a number and a boolean only as a boolean.
        """
        converted = self._convert(value, strict)
        if converted is None or not self._valid(converted):
            raise ValueError(f"expected {self.expected()}, got {value!r}")
        return converted

    def _convert(self, value: Any, strict: bool) -> Any:
        if self.kind is list:
            return _as_list(value, strict)
        if self.kind is dict:
            return _as_dict(value, strict)
        if self.kind in (str, Path):
            return value if isinstance(value, str) and (value.strip() or self.kind is str) else None
        if strict and isinstance(value, str):
            return None
        return _convert_scalar(self.kind, value)

    def _valid(self, value: Any) -> bool:
        if self.choices:
            return value in self.choices
        if self.kind not in (int, float):
            return True
        if not math.isfinite(value):
            return False
        if self.low is not None and (value <= self.low if self.above else value < self.low):
            return False
        if self.below is not None and value >= self.below:
            return False
        return self.at_most is None or value <= self.at_most


def set_dotted(target: dict[str, Any], path: str, value: Any) -> None:
    """set_dotted(d, 'adaptive.max', 8) -> d['adaptive']['max'] = 8 (how `run` and `hub` targets nest)."""
    head, _, tail = path.partition(".")
    if tail:
        set_dotted(target.setdefault(head, {}), tail, value)
    else:
        target[head] = value


def parse_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        word = value.strip().lower()
        return True if word in TRUE_WORDS else False if word in FALSE_WORDS else None
    return None


def _convert_scalar(kind: Kind, value: Any) -> Any:
    if kind is bool:
        return parse_bool(value)
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = kind(value.strip())
        except ValueError:
            return None
    if kind is int:
        return value if isinstance(value, int) else None
    return float(value) if isinstance(value, (int, float)) else None


def _as_list(value: Any, strict: bool) -> list[str] | None:
    """A TOML list of strings; text is comma separated (`openai:a,openai:b`)."""
    if isinstance(value, str) and not strict:
        value = [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        return None
    items = [part.strip() for v in value for part in (v.split(",") if not strict else [v])]
    return [item for item in items if item]


def _as_dict(value: Any, strict: bool) -> dict[str, str] | None:
    """A TOML table of strings; text is `name=value` pairs, comma separated or repeated."""
    if isinstance(value, dict):
        ok = all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())
        return {k.strip(): v.strip() for k, v in value.items()} if ok else None
    if strict:
        return None
    pairs = _as_list(value, strict=False)
    if pairs is None:
        return None
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, item = pair.partition("=")
        if not sep or not key.strip() or not item.strip():
            return None
        out[key.strip()] = item.strip()
    return out


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)
