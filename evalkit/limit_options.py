"""The per-endpoint limit settings: the `limits` rows of the option table (`evalkit.options`).

`RunConfig.limits` (Python) and `HubConfig`'s `LimitSettings` are built from `LIMIT_OPTIONS`; the
pytest options, `evalkit run` flags and `[tool.evalkit]` keys come from the whole table, of which
these rows are a part. Plain Python, like the table: the pytest plugin reads it on every run.
"""

from __future__ import annotations

from typing import Any

from evalkit.options.option import Option, parse_bool, set_dotted
from evalkit.options.table import ADAPTIVE_BOUNDS, LIMIT_OPTIONS

LimitOption = Option  # the name this module's rows had before the table held every setting
BY_NAME = {o.name: o for o in LIMIT_OPTIONS}

__all__ = ["ADAPTIVE_BOUNDS", "BY_NAME", "LIMIT_OPTIONS", "LimitOption", "check_limits", "hub_values", "parse_bool"]


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
        set_dotted(out, BY_NAME[name].hub or name, value)
    return out
