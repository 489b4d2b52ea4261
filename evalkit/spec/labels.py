"""Labels: a person's (or a construction's) judgement of what the judge scores, one JSON object per line.

A label file (`labels/<rubric>.jsonl`, or any path) holds one `Label` per line:
which transcript (path and content hash), which rubric version (ref and
fingerprint at labelling time), who, when, and a score per criterion on the
criterion's own scale. Several labellers of one transcript are several lines.
Sampled stubs (no scores yet) are labels too; `evalkit labels edit` fills them.

This module reads and checks what needs only the spec: JSON, the schema, and
the rubric (criterion ids, scales, a stale fingerprint). Whether the
transcript still hashes the same and a quote is in its cited turn needs the
judge's view of a transcript, which `evalkit.labels.check` adds on top.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evalkit.spec.label_model import Label
from evalkit.spec.lint import WARNING
from evalkit.spec.models import Criterion
from evalkit.spec.problems import Problem
from evalkit.spec.rubrics import ResolvedRubric, RubricRegistry
from evalkit.spec.validate import validate_as
from evalkit.spec.yamlsource import Located, describe

MAX_LINE_BYTES = 1_000_000


@dataclass(frozen=True)
class LabelLine:
    """A label and the 1-based line it came from."""

    line: int
    label: Label


@dataclass
class LabelFile:
    """Every label of one file, and every problem found reading it (a bad line never hides the others)."""

    path: Path
    items: list[LabelLine] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)  # the raw text lines, so an editor rewrites only its own

    def problem(self, line: int, key: str, message: str) -> Problem:
        return Problem(str(self.path), line, 1, key, message)


def read_labels(path: str | Path) -> LabelFile:
    """Read a JSONL label file; each bad line becomes one `file:line: key: message` problem."""
    out = LabelFile(Path(path))
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except OSError as exc:
        out.problems.append(out.problem(1, "", f"cannot read file: {exc.strerror or exc}"))
        return out
    except UnicodeDecodeError:
        out.problems.append(out.problem(1, "", "file is not valid UTF-8 (save the file as UTF-8)"))
        return out
    out.lines = text.splitlines()
    for number, raw in enumerate(out.lines, start=1):
        if not raw.strip():
            continue
        data, message = _parse_line(raw)
        if message:
            out.problems.append(out.problem(number, "", message))
            continue
        located = Located(str(path), data, raw, values={(): (number, 1)})
        label, problems = validate_as(located, "label")
        out.problems += problems
        if label is not None:
            out.items.append(LabelLine(number, label))
    if not out.items and not out.problems:
        out.problems.append(out.problem(1, "", "file has no labels (expected one JSON object per line)"))
    return out


def _parse_line(raw: str) -> tuple[Any, str]:
    """(object, "") or (None, what is wrong with the line)."""
    if len(raw.encode()) > MAX_LINE_BYTES:
        return None, f"line is longer than {MAX_LINE_BYTES} bytes (expected one label per line)"
    try:
        data = json.loads(raw, object_pairs_hook=_no_duplicates)
    except _DuplicateKey as exc:
        return None, f"duplicate key '{exc}' (expected each key once)"
    except ValueError as exc:
        where = f"{getattr(exc, 'msg', exc)} at column {getattr(exc, 'colno', '?')}"
        return None, f"not valid JSON: {where} (expected one JSON object per line)"
    if not isinstance(data, dict):
        return None, f"line is {describe(data)} (expected a JSON object, one label per line)"
    return data, ""


class _DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


# ---------------------------------------------------------------- against the rubric


def score_problem(criterion: Criterion, score: bool | int) -> str | None:
    """Why a score is off the criterion's scale (None when it is on it).

    Binary criteria take true/false only, as the judge must answer them: a 0/1
    would read the same as a two-point scale and hide a mislabelled column.
    """
    if criterion.scale == "binary":
        if isinstance(score, bool):
            return None
        return f"score {json.dumps(score)} is not true or false (expected true or false: '{criterion.id}' is binary)"
    low, high = criterion.scale.min, criterion.scale.max
    if isinstance(score, bool) or not low <= score <= high:
        return f"score {json.dumps(score)} is off the scale (expected an integer {low}..{high})"
    return None


def rubric_problems(
    labels: LabelFile, registry: RubricRegistry, locked: dict[str, str]
) -> tuple[list[Problem], list[Problem]]:
    """(problems, warnings): unknown rubric or criterion, scores off scale; a fingerprint that is no longer current."""
    problems: list[Problem] = []
    warnings: list[Problem] = []
    for item in labels.items:
        label = item.label
        why = registry.why_unresolved(label.rubric)
        if why:
            problems.append(labels.problem(item.line, "rubric", why))
            continue
        resolved = registry.resolve(label.rubric)
        problems += _criterion_problems(labels, item, resolved)
        stale = stale_message(label, resolved, locked)
        if stale:
            warnings.append(labels.problem(item.line, "rubric_fingerprint", stale))
    return problems, warnings


def _criterion_problems(labels: LabelFile, item: LabelLine, resolved: ResolvedRubric) -> list[Problem]:
    by_id = {c.id: c for c in resolved.rubric.criteria}
    problems = []
    for criterion_id, scored in item.label.criteria.items():
        key = f"criteria.{criterion_id}"
        criterion = by_id.get(criterion_id)
        if criterion is None:
            message = f"'{criterion_id}' is not a criterion of {resolved.ref} (expected one of: {', '.join(by_id)})"
            problems.append(labels.problem(item.line, key, message))
            continue
        why = score_problem(criterion, scored.score)
        if why:
            problems.append(labels.problem(item.line, f"{key}.score", why))
    return problems


def stale_message(label: Label, resolved: ResolvedRubric, locked: dict[str, str]) -> str | None:
    """A warning when the rubric's meaning changed since labelling: the label may no longer answer its questions."""
    current = locked.get(label.rubric, resolved.fingerprint)
    if label.rubric_fingerprint == current:
        return None
    return (
        f"{WARNING}labelled under fingerprint {label.rubric_fingerprint} but {label.rubric} is now {current} "
        "(a stale label: re-label it, or label against the rubric version it was made for)"
    )
