"""Every route's values merged by one precedence: command line > environment > ini file > [tool.evalkit] > default.

Each value given is checked, also when a higher route overrides it (a typo in pyproject.toml
should not wait until the flag that hides it is dropped). A bad one raises `OptionError` whose
one line names the setting, where it came from (flag, variable, file:line) and what was expected.
Tables (`base_urls`) merge key by key in the same order.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evalkit.options.errors import OptionError
from evalkit.options.option import Option
from evalkit.options.pyproject import ToolTable
from evalkit.options.table import ALIASES, BY_NAME, OPTIONS, READ_ELSEWHERE

DOCS = "docs/pytest_plugin.md#options"


@dataclass
class Sources:
    """What each route said. `flags` and `ini` map option names to raw values (None or absent: not given)."""

    root: Path
    cwd: Path
    flags: Mapping[str, Any] = field(default_factory=dict)
    env: Mapping[str, str] = field(default_factory=dict)
    ini: Mapping[str, Any] = field(default_factory=dict)
    ini_file: str = "ini"
    tool: ToolTable | None = None


@dataclass
class Resolved:
    """The settings given, converted (paths absolute), and where each came from."""

    values: dict[str, Any] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)

    def get(self, name: str, default: Any = None) -> Any:
        return self.values.get(name, default)


def resolve(sources: Sources) -> Resolved:
    """Merge the routes; OptionError (one line) for an unknown [tool.evalkit] key or a bad value."""
    tool = tool_values(sources.tool) if sources.tool else {}
    out = Resolved()
    for option in OPTIONS:
        given = [(where, value, text, base) for where, value, text, base in _candidates(option, sources, tool)]
        checked = [(where, _check(option, value, where, text, base)) for where, value, text, base in given]
        if not checked:
            continue
        if option.kind is dict:  # lowest first, so higher routes win key by key
            out.values[option.name] = {k: v for _, value in reversed(checked) for k, v in value.items()}
        else:
            out.values[option.name] = checked[0][1]
        out.origins[option.name] = checked[0][0]
    return out


def tool_values(tool: ToolTable) -> dict[str, tuple[str, Any, bool]]:
    """[tool.evalkit] by option name: (where, value, negated); unknown and per-run keys are errors."""
    out: dict[str, tuple[str, Any, bool]] = {}
    for key, value in tool.values.items():
        if key in READ_ELSEWHERE:
            continue
        option = BY_NAME.get(key) or ALIASES.get(key)
        where = tool.where(key)
        if option is None:
            raise OptionError(f"evalkit {key} ({where}): {unknown_key_hint(key)}")
        if not option.files:
            routes = " or ".join(r for r in (option.pytest_flag, option.env_var) if r)
            raise OptionError(f"evalkit {key} ({where}): not a [tool.evalkit] key; {option.name} is set per run "
                              f"({routes})")
        if option.name in out and key in option.aliases:
            continue  # the current name wins over an old one in the same table
        out[option.name] = (where, value, key in option.negations)
    return out


def unknown_key_hint(key: str) -> str:
    """`unknown key; did you mean 'trials'?` (or the keys there are)."""
    keys = [o.name for o in OPTIONS if o.files] + list(READ_ELSEWHERE)
    close = difflib.get_close_matches(key, keys + [a for a, o in ALIASES.items() if o.files], n=1, cutoff=0.6)
    if close:
        return f"unknown key; did you mean {close[0]!r}? (keys: {DOCS})"
    return f"unknown key; expected one of {', '.join(sorted(keys))}"


def _candidates(option: Option, sources: Sources, tool: dict[str, tuple[str, Any, bool]]) -> list[tuple]:
    """(where, raw value, is text, base directory for paths) per route that set it, highest first."""
    found: list[tuple] = []
    flag = sources.flags.get(option.name)
    if flag is not None and flag != []:
        found.append((option.pytest_flag, flag, True, sources.cwd))
    var = option.env_var
    if var and sources.env.get(var, "").strip():
        found.append((var, sources.env[var], True, sources.cwd))
    ini = sources.ini.get(option.name) if option.files else None
    if ini not in (None, "", []):
        found.append((f"{sources.ini_file} {option.dest}", ini, True, sources.root))
    if option.name in tool:
        where, value, negated = tool[option.name]
        found.append((where, (value, negated), False, sources.root))
    return found


def _check(option: Option, value: Any, where: str, text: bool, base: Path) -> Any:
    negated = False
    if not text:
        value, negated = value
    try:
        checked = option.check(value, strict=not text)
    except ValueError as err:
        raise OptionError(f"evalkit {option.name} ({where}): {err}") from None
    if negated:
        return not checked
    if option.kind is Path:
        return _path(base, checked)
    if option.kind is list and option.item is Path:
        return [_path(base, item) for item in checked]
    return checked


def _path(base: Path, value: str) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else (base / path).resolve()
