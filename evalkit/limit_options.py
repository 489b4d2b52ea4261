"""The per-endpoint limit settings users may set, in one table read by every route that sets them.

`RunConfig.limits` (Python), `[tool.evalkit]` in pyproject.toml, `evalkit run --rpm ...` and
pytest's `--evalkit-rpm ...` are all built from `LIMIT_OPTIONS`, so a new setting is one row
here plus the `HubConfig` field it lands in. Plain Python on purpose: the pytest plugin reads
this table on every pytest run, which must not pay for importing pydantic or the SDKs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

Kind = type  # int | float | bool


@dataclass(frozen=True, slots=True)
class LimitOption:
    """One setting: its flat name (the same on every route), where it lands in HubConfig, its type and bounds."""

    name: str
    target: str  # dotted HubConfig path, e.g. "adaptive.max"
    kind: Kind
    help: str
    low: float | None = None  # inclusive lower bound
    above: bool = False  # the lower bound is exclusive
    below: float | None = None  # exclusive upper bound
    at_most: float | None = None  # inclusive upper bound

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    def expected(self) -> str:
        """What a valid value looks like, for the one-line error."""
        if self.kind is bool:
            return "true or false"
        what = "an integer" if self.kind is int else "a number"
        parts = []
        if self.low is not None:
            parts.append(f"{'>' if self.above else '>='} {_num(self.low)}")
        if self.below is not None:
            parts.append(f"< {_num(self.below)}")
        if self.at_most is not None:
            parts.append(f"<= {_num(self.at_most)}")
        return f"{what} {' and '.join(parts)}".strip()

    def check(self, value: Any) -> Any:
        """The value converted to the option's kind; ValueError('expected ..., got ...') when it is not one."""
        converted = _convert(self.kind, value)
        if converted is None or not self._in_bounds(converted):
            raise ValueError(f"expected {self.expected()}, got {value!r}")
        return converted

    def _in_bounds(self, value: Any) -> bool:
        if self.kind is bool:
            return True
        if not math.isfinite(value):
            return False
        if self.low is not None and (value <= self.low if self.above else value < self.low):
            return False
        if self.below is not None and value >= self.below:
            return False
        return self.at_most is None or value <= self.at_most


LIMIT_OPTIONS: tuple[LimitOption, ...] = (
    LimitOption("rpm", "rpm", int, "requests per minute per endpoint (a static cap)", low=1),
    LimitOption("tpm", "tpm", int, "estimated tokens per minute per endpoint (a static cap)", low=1),
    LimitOption("adaptive", "adaptive.enabled", bool, "adaptive concurrency and header pacing (false: fixed limit)"),
    LimitOption("adaptive_min", "adaptive.min", int, "fewest connections a rate-limit cut may leave", low=1),
    LimitOption("adaptive_start", "adaptive.start", int, "connections before anything is learned", low=1),
    LimitOption("adaptive_max", "adaptive.max", int, "most connections adaptive growth may reach", low=1),
    LimitOption("adaptive_increase", "adaptive.increase", float, "growth per clean round, x limit", low=0, above=True,
                at_most=1),
    LimitOption("adaptive_decrease", "adaptive.decrease", float, "cut on a rate-limit signal, x limit", low=0,
                above=True, below=1),
    LimitOption("adaptive_cooldown_s", "adaptive.cooldown_s", float, "at most one cut per this many seconds", low=0),
    LimitOption("pace", "adaptive.pace", bool, "pace requests by the providers' rate-limit headers"),
    LimitOption("pace_reserve", "adaptive.reserve", float, "share of each announced limit left unspent", low=0,
                below=1),
    LimitOption("rate_limit_wait_s", "rate_limit_wait_s", float, "seconds one call keeps retrying 429s", low=0),
    LimitOption("shared_limits", "shared_limits", bool,
                "under pytest-xdist, one budget for all workers (false: each worker has the whole budget)"),
)
BY_NAME = {o.name: o for o in LIMIT_OPTIONS}
ADAPTIVE_BOUNDS = ("adaptive_min", "adaptive_start", "adaptive_max")


def check_limits(values: dict[str, Any]) -> dict[str, Any]:
    """Every value checked and converted; ValueError('<name>: expected ..., got ...') for the first bad one."""
    out: dict[str, Any] = {}
    for name, value in values.items():
        option = BY_NAME.get(name)
        if option is None:
            raise ValueError(f"{name}: unknown limit setting; expected one of {', '.join(BY_NAME)}")
        try:
            out[name] = option.check(value)
        except ValueError as err:
            raise ValueError(f"{name}: {err}") from None
    return out


def hub_values(values: dict[str, Any]) -> dict[str, Any]:
    """{'rpm': 60, 'adaptive_max': 8} -> {'rpm': 60, 'adaptive': {'max': 8}} (HubConfig's shape)."""
    out: dict[str, Any] = {}
    for name, value in values.items():
        if value is None:
            continue
        head, _, tail = BY_NAME[name].target.partition(".")
        if tail:
            out.setdefault(head, {})[tail] = value
        else:
            out[head] = value
    return out


def parse_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return {"true": True, "on": True, "yes": True, "1": True,
                "false": False, "off": False, "no": False, "0": False}.get(value.strip().lower())
    return None


def _convert(kind: Kind, value: Any) -> Any:
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


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)
