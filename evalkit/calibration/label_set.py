"""Where a labelled set's project is, and which rubric its labels are about.

A labels directory holding its own `rubrics/` (and `suites/`) is a project of
its own, as the shipped `evalkit/data/calibration/support-v1` is: calibrating it
needs no `--root` and no `--rubric`, and its record is written inside it.
"""

from __future__ import annotations

import json
from pathlib import Path

from evalkit.labels.check import label_files


def set_project(labels: Path) -> Path | None:
    """The labels directory itself when it carries its own rubrics, else None."""
    return labels.resolve() if labels.is_dir() and (labels / "rubrics").is_dir() else None


def labelled_rubric(labels: Path) -> str:
    """The one rubric `id@version` the label lines name; a one-line error when there are none or several."""
    refs: set[str] = set()
    for file in label_files([labels]):
        for line in file.read_text(encoding="utf-8").splitlines():
            try:
                value = json.loads(line)
            except json.JSONDecodeError:
                continue  # the loader reports it with its line number
            if isinstance(value, dict) and isinstance(value.get("rubric"), str):
                refs.add(value["rubric"])
    if len(refs) != 1:
        found = ", ".join(sorted(refs)) or "none"
        raise ValueError(
            f"--rubric: the labels under {labels} name {found} (expected one rubric, or pass --rubric ID@V)"
        )
    return refs.pop()
