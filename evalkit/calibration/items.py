"""Labelled items for one rubric version: each label line, its transcript and the scenario it was run under.

Transcripts are read and hash-checked by the label loader (`evalkit.labels.check`);
any problem stops calibration with `file:line: key: message`, because agreement
measured on a different transcript than the one labelled means nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evalkit.conversation.transcript import Transcript
from evalkit.labels.check import label_files, load_transcript, transcript_problems
from evalkit.spec.label_model import Label
from evalkit.spec.labels import LabelFile, read_labels
from evalkit.spec.problems import Problem


@dataclass(frozen=True)
class Item:
    """One labelled line and the transcript it labels."""

    label: Label
    transcript: Transcript
    where: str  # file:line, for messages

    @property
    def key(self) -> str:
        return self.label.transcript_hash


@dataclass
class LabelSet:
    """The labels of one rubric version, with every problem that blocks calibration."""

    items: list[Item] = field(default_factory=list)
    n_lines: int = 0  # label lines for the rubric, any split, labelled or not
    problems: list[Problem] = field(default_factory=list)
    digest: str = ""  # sha256 over the rubric's label lines, order-independent

    @property
    def holdout(self) -> list[Item]:
        return [i for i in self.items if i.label.split == "holdout"]

    def transcripts(self) -> dict[str, Item]:
        """One item per distinct transcript (first label line wins), in first-seen order."""
        out: dict[str, Item] = {}
        for item in self.items:
            out.setdefault(item.key, item)
        return out


def load_label_set(path: Path, rubric_ref: str) -> LabelSet:
    """Every labelled line for `rubric_ref` under `path` (a .jsonl file or a directory of them)."""
    out = LabelSet()
    lines: list[str] = []
    for file in label_files([path]):
        labels = read_labels(file)
        out.problems += labels.problems
        mine = LabelFile(labels.path, [i for i in labels.items if i.label.rubric == rubric_ref])
        out.problems += transcript_problems(mine)
        out.n_lines += len(mine.items)
        for entry in mine.items:
            lines.append(entry.label.line())
            if not entry.label.labelled:
                continue
            transcript, _ = load_transcript(labels.path, entry.label)
            if transcript is not None:
                out.items.append(Item(entry.label, transcript, f"{file}:{entry.line}"))
    out.digest = hashlib.sha256("\n".join(sorted(lines)).encode()).hexdigest()
    return out


def scenario_index(loaded_suites: list[Any], rubric_ref: str) -> dict[str, tuple[Any, Any]]:
    """scenario id -> (loaded suite, scenario) for scenarios judged by `rubric_ref` (first suite wins)."""
    found: dict[str, tuple[Any, Any]] = {}
    for loaded in loaded_suites:
        for scenario in loaded.scenarios:
            if any(r.ref == rubric_ref for r in loaded.rubrics_for(scenario)):
                found.setdefault(scenario.id, (loaded, scenario))
    return found
