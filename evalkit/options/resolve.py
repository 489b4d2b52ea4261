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
from typing import Any, NamedTuple

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


class Given(NamedTuple):
    """One route's value of one setting, before it is checked."""

    where: str  # --evalkit-rpm, EVALKIT_RPM, /repo/tox.ini evalkit_rpm, /repo/pyproject.toml:6 [tool.evalkit]
    value: Any
    text: bool  # text is converted; TOML values keep their types
    base: Path  # what a relative path is relative to
    negated: bool = False  # set through a `no_<name>` key


def resolve(sources: Sources) -> Resolved:
    """Merge the routes; OptionError (one line) for an unknown [tool.evalkit] key or a bad value."""
    tool = tool_values(sources.tool) if sources.tool else {}
    out = Resolved()
    for option in OPTIONS:
        given = _given(option, sources, tool.get(option.name))
        checked = [_check(option, g) for g in given]
        if not checked:
            continue
        if option.kind is dict:  # lowest first, so higher routes win key by key
            out.values[option.name] = {k: v for value in reversed(checked) for k, v in value.items()}
        else:
            out.values[option.name] = checked[0]
        out.origins[option.name] = given[0].where
    return out


def tool_values(tool: ToolTable) -> dict[str, Given]:
    """[tool.evalkit] by option name; unknown and per-run keys are errors."""
    out: dict[str, Given] = {}
    for key, value in tool.values.items():
        if key in READ_ELSEWHERE:
            continue
        option = BY_NAME.get(key) or ALIASES.get(key)
        where = tool.where(key)
        if option is None:
            raise OptionError(f"evalkit {key} ({where}): {unknown_key_hint(key)}")
        if not option.files:
            routes = " or ".join(r for r in (option.pytest_flag, option.env_var) if r)
            raise OptionError(
                f"evalkit {key} ({where}): not a [tool.evalkit] key; {option.name} is set per run ({routes})"
            )
        if option.name in out and key in option.aliases:
            continue  # the current name wins over an old one in the same table
        out[option.name] = Given(where, value, False, tool.path.parent, key in option.negations)
    return out


def unknown_key_hint(key: str) -> str:
    """`unknown key; did you mean 'trials'?` (or the keys there are)."""
    keys = [o.name for o in OPTIONS if o.files] + list(READ_ELSEWHERE)
    close = difflib.get_close_matches(key, keys + [a for a, o in ALIASES.items() if o.files], n=1, cutoff=0.6)
    if close:
        return f"unknown key; did you mean {close[0]!r}? (keys: {DOCS})"
    return f"unknown key; expected one of {', '.join(sorted(keys))}"


def _given(option: Option, sources: Sources, tool: Given | None) -> list[Given]:
    """The values the routes gave, highest precedence first."""
    found: list[Given] = []
    flag = sources.flags.get(option.name)
    if flag is not None and flag != []:
        found.append(Given(option.pytest_flag, flag, True, sources.cwd))
    var = option.env_var
    if var and sources.env.get(var, "").strip():
        found.append(Given(var, sources.env[var], True, sources.cwd))
    ini = sources.ini.get(option.name) if option.files else None
    if ini not in (None, "", []):
        found.append(Given(f"{sources.ini_file} {option.dest}", ini, True, sources.root))
    if tool is not None:
        found.append(tool)  # relative to the project root, where pyproject.toml is
    return found


def _check(option: Option, given: Given) -> Any:
    try:
        checked = option.check(given.value, strict=not given.text)
    except ValueError as err:
        raise OptionError(f"evalkit {option.name} ({given.where}): {err}") from None
    if given.negated:
        return not checked
    if option.kind is Path:
        return _path(given.base, checked)
    if option.kind is list and option.item is Path:
        return [_path(given.base, item) for item in checked]
    return checked


HISTORY_REFS = ("last-green:",)  # --evalkit-baseline last-green:main names a recorded run, not a file


def _path(base: Path, value: str) -> Path:
    if str(value).startswith(HISTORY_REFS):
        return Path(value)
    path = Path(value).expanduser()
    return path if path.is_absolute() else (base / path).resolve()
