"""Model prices a project sets, over the shipped list: `[tool.evalkit.prices]` in pyproject.toml and a
`prices.yaml` next to a suite (it wins, being nearer the suite). A local model priced at zero is known to be
free, so `--evalkit-max-cost` can start a run that uses it instead of refusing an unknown cost."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from evalkit.options.pyproject import read_tool_table
from evalkit.spec.problems import Problem, SpecError
from evalkit.spec.yamlsource import read_yaml

PRICE_FILE = "prices.yaml"
_SUITE_DIRS: set[Path] = set()  # folders of the suites loaded in this process: their prices.yaml apply


class PriceEntry(BaseModel):
    """USD per million tokens."""

    model_config = ConfigDict(extra="forbid")

    input: float = Field(ge=0)
    output: float = Field(ge=0)
    cached_input: float | None = Field(default=None, ge=0, description="Cached input, where the provider bills it.")


def note_suite_dir(folder: Path, root: Path) -> list[Problem]:
    """Remember a loaded suite's folder; the problems of its prices.yaml and of the project's price table."""
    folder = folder.resolve()
    _SUITE_DIRS.add(folder)
    try:
        _file_prices(folder / PRICE_FILE, _mtime(folder / PRICE_FILE))
        pyproject_prices(root)
    except SpecError as err:
        return list(err.problems)
    return []


def project_prices(root: Path) -> dict[str, PriceEntry]:
    """pyproject's table, then the prices.yaml of every loaded suite under `root` (sorted, nearer wins)."""
    prices = dict(_pyproject_cached(root, _mtime(root / "pyproject.toml")))
    for folder in sorted(d for d in _SUITE_DIRS if d.is_relative_to(root.resolve())):
        prices.update(_file_prices(folder / PRICE_FILE, _mtime(folder / PRICE_FILE)))
    return prices


def pyproject_prices(root: Path) -> dict[str, PriceEntry]:
    """`[tool.evalkit.prices]`: `"provider:model" = {input = 0, output = 0}`; a bad entry is a one-line SpecError."""
    table = read_tool_table(root)
    raw = table.values.get("prices")
    if raw is None:
        return {}
    text = table.path.read_text(encoding="utf-8")
    if not isinstance(raw, dict):
        raise SpecError(
            [
                Problem(
                    str(table.path),
                    table.lines.get("prices", 1),
                    1,
                    "[tool.evalkit] prices",
                    f'expected a table of "provider:model" = {{input = ..., output = ...}}, got {raw!r}',
                )
            ]
        )
    prices: dict[str, PriceEntry] = {}
    for model, value in raw.items():
        error = _entry_error(model, value)
        if isinstance(error, str):
            line = _line_of(text, model) or table.lines.get("prices", 1)
            raise SpecError([Problem(str(table.path), line, 1, f"[tool.evalkit.prices] {model!r}", error)])
        prices[model] = error
    return prices


@lru_cache(maxsize=16)
def _pyproject_cached(root: Path, mtime: float | None) -> dict[str, PriceEntry]:
    """Per file version: a PriceTable is built per session, and pyproject.toml rarely changes mid-run."""
    return pyproject_prices(root) if mtime is not None else {}


@lru_cache(maxsize=64)
def _file_prices(path: Path, mtime: float | None) -> dict[str, PriceEntry]:
    if mtime is None:
        return {}
    located = read_yaml(path)
    if located.data is None:
        return {}
    if not isinstance(located.data, dict):
        raise SpecError([located.problem((), "expected a mapping of provider:model -> {input, output}")])
    prices, problems = {}, []
    for model, value in located.data.items():
        entry = _entry_error(model, value)
        if isinstance(entry, str):
            problems.append(located.problem((model,), entry))
        else:
            prices[str(model)] = entry
    if problems:
        raise SpecError(problems)
    return prices


def _entry_error(model: Any, value: Any) -> PriceEntry | str:
    """The entry, or what is wrong with it (one line: key and what was expected)."""
    if not isinstance(model, str) or ":" not in model:
        return f"expected a provider:model key (e.g. openai:llama3.1:8b), got {model!r}"
    try:
        return PriceEntry.model_validate(value)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "price"
        return (
            f"{where}: {first['msg'].lower()} (expected {{input: USD per 1M tokens, output: ..., "
            f"cached_input: ... (optional)}}, each a number >= 0)"
        )


def _line_of(text: str, model: str) -> int | None:
    pattern = re.compile(r"^\s*[\"']" + re.escape(model) + r"[\"']\s*=")
    return next((n for n, line in enumerate(text.splitlines(), 1) if pattern.match(line)), None)


def _mtime(path: Path) -> float | None:
    try:
        return path.stat().st_mtime
    except OSError:
        return None
