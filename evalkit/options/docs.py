"""The options reference in docs/pytest_plugin.md, generated from the table (a test fails when it is stale).

Regenerate with `python -m evalkit.options.docs docs/pytest_plugin.md`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from evalkit.options.option import Option
from evalkit.options.table import OPTIONS, READ_ELSEWHERE

START = "<!-- options-table:start (generated from evalkit/options/table.py; python -m evalkit.options.docs) -->"
END = "<!-- options-table:end -->"


def options_markdown() -> str:
    """One row per setting: its name on every route, what it takes, its default and where it lands."""
    rows = [
        "| setting (`[tool.evalkit]` key) | pytest / `evalkit run` | environment | value (default) | "
        "RunConfig | meaning |",
        "|---|---|---|---|---|---|",
    ]
    for option in OPTIONS:
        rows.append(
            f"| {_key(option)} | {_flags(option)} | {_code(option.env_var)} | {_value(option)} | "
            f"{_code(option.run)} | {option.help.replace('|', '/')} |"
        )
    rows.append("")
    rows += [f"`[tool.evalkit]` also takes `{key}`: {text}." for key, text in READ_ELSEWHERE.items()]
    return "\n".join(rows)


def _key(option: Option) -> str:
    if not option.files:
        return f"{option.name} (not in files: per run)"
    names = [f"`{a}`" for a in option.renames]  # other spellings (older ones, or a short one like `strict`)
    old = [f"`{a}`" for a in option.negations]
    shown = ([f"also: {', '.join(names)}"] if names else []) + ([f"old: {', '.join(old)}"] if old else [])
    return f"`{option.name}`" + (f" ({'; '.join(shown)})" if shown else "")


def _flags(option: Option) -> str:
    pytest_flags = [option.pytest_flag, *("--evalkit-" + a.replace("_", "-") for a in option.renames)]
    run_flags = [option.flag, *("--" + a.replace("_", "-") for a in option.renames)] if option.cli else []
    if option.kind is bool:
        pytest_flags.append("--evalkit-no-" + option.name.replace("_", "-"))
        run_flags = [*run_flags, "--no-" + option.name.replace("_", "-")] if option.cli else []
    shown = ", ".join(f"`{f}`" for f in pytest_flags)
    return shown + (" / " + ", ".join(f"`{f}`" for f in run_flags) if run_flags else " / (arguments)")


def _value(option: Option) -> str:
    shown = str(option.default).lower() if option.kind is bool else option.default
    default = "unset" if option.default is None else f"`{shown}`"
    return f"{option.expected().replace('|', '/')} ({default})"


def _code(text: str | None) -> str:
    return f"`{text}`" if text else "-"


def with_table(text: str) -> str:
    """`text` with the part between the markers replaced by the current table."""
    head, start, rest = text.partition(START)
    _, end, tail = rest.partition(END)
    if not start or not end:
        raise ValueError(f"the options table markers are missing: {START} ... {END}")
    return f"{head}{START}\n{options_markdown()}\n{END}{tail}"


def main(argv: list[str]) -> int:
    for name in argv or ["docs/pytest_plugin.md"]:
        path = Path(name)
        path.write_text(with_table(path.read_text(encoding="utf-8")), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
