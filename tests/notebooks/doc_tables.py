"""docs/notebooks.md read back: each frame's column table, and its fenced python examples."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "notebooks.md"
HEADING = re.compile(r"^## `(?P<frame>\w+)`")
HEADER_ROW = ["column", "dtype", "key", "meaning"]


@dataclass(frozen=True)
class Column:
    name: str
    dtype: str
    key: bool
    meaning: str
    line: int


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def frame_tables(text: str | None = None) -> dict[str, list[Column]]:
    """{frame: its documented columns in order}, from each `## `frame`` section's column table."""
    tables: dict[str, list[Column]] = {}
    frame: str | None = None
    in_table = False
    for number, line in enumerate((text if text is not None else DOC.read_text()).splitlines(), 1):
        if line.startswith("## "):
            found = HEADING.match(line)
            frame, in_table = (found.group("frame") if found else None), False
            continue
        if frame is None or not line.startswith("|"):
            in_table = False
            continue
        cells = _cells(line)
        if cells == HEADER_ROW:
            assert frame not in tables, f"docs/notebooks.md:{number}: a second column table for {frame}"
            tables[frame], in_table = [], True
        elif in_table and not set(line) <= set("|-: "):
            assert len(cells) == 4, f"docs/notebooks.md:{number}: expected 4 cells, got {len(cells)}"
            name, dtype, key, meaning = cells
            assert name.startswith("`") and name.endswith("`"), f"docs/notebooks.md:{number}: column not in backticks"
            assert key in ("", "yes"), f"docs/notebooks.md:{number}: key is 'yes' or empty, got {key!r}"
            assert meaning, f"docs/notebooks.md:{number}: {name} has no meaning"
            tables[frame].append(Column(name.strip("`"), dtype, key == "yes", meaning, number))
    return tables


def python_blocks(section: str, text: str | None = None) -> list[str]:
    """The fenced ```python blocks of the `## <section>...` section, in order."""
    body = text if text is not None else DOC.read_text()
    start = re.search(rf"^## {re.escape(section)}.*$", body, re.M)
    assert start, f"docs/notebooks.md has no section '## {section}'"
    rest = body[start.end() :]
    end = re.search(r"^## ", rest, re.M)
    return re.findall(r"^```python\n(.*?)^```", rest[: end.start()] if end else rest, re.M | re.S)
