"""Labels against their transcripts: the content hash still matches, cited turns exist, quotes are in them.

"Turn" means what the judge sees (`evalkit.judging.turns.numbered_turns`), and a
quote counts as the judge's evidence does (`quote_in_text`), so a labeller's
citation and a judge's citation of the same words name the same turn.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from evalkit.conversation.transcript import Transcript
from evalkit.judging.evidence import quote_in_text
from evalkit.judging.turns import TurnView, numbered_turns
from evalkit.spec.label_model import Label
from evalkit.spec.labels import LabelFile, LabelLine, read_labels, rubric_problems
from evalkit.spec.problems import Problem, display_path
from evalkit.spec.project import files_below
from evalkit.spec.rubrics import RubricRegistry


def transcript_file(labels_path: Path, label: Label) -> Path:
    """A label's transcript path is relative to its labels file (absolute paths stay as they are)."""
    path = Path(label.transcript)
    return path if path.is_absolute() else labels_path.parent / path


def load_transcript(labels_path: Path, label: Label) -> tuple[Transcript | None, str]:
    """(transcript, "") or (None, why it cannot be read)."""
    file = transcript_file(labels_path, label)
    try:
        return Transcript.from_json(file.read_bytes()), ""
    except FileNotFoundError:
        return None, f"{display_path(file)} not found (expected a transcript path relative to the labels file)"
    except OSError as exc:
        return None, f"{display_path(file)} cannot be read: {exc.strerror or exc}"
    except ValueError:
        return None, f"{display_path(file)} is not an evalkit transcript (expected a transcripts/*.json of a run)"


def transcript_problems(labels: LabelFile) -> list[Problem]:
    """Every transcript-level problem of every label in the file."""
    problems: list[Problem] = []
    for item in labels.items:
        problems += _item_problems(labels, item)
    return problems


def _item_problems(labels: LabelFile, item: LabelLine) -> list[Problem]:
    label = item.label
    transcript, why = load_transcript(labels.path, label)
    if transcript is None:
        return [labels.problem(item.line, "transcript", why)]
    actual = transcript.content_hash()
    if actual != label.transcript_hash:
        message = (
            f"{label.transcript_hash} does not match the transcript's content hash {actual} "
            "(expected the hash of the transcript as labelled: the file changed, or the path points at another one)"
        )
        return [labels.problem(item.line, "transcript_hash", message)]
    return citation_problems(labels, item, numbered_turns(transcript))


def citation_problems(labels: LabelFile, item: LabelLine, turns: list[TurnView]) -> list[Problem]:
    """Cited turns that do not exist, and quotes not found in the turn they cite."""
    by_number = {t.n: t for t in turns}
    problems = []
    for criterion_id, scored in item.label.criteria.items():
        for index, citation in enumerate(scored.cited):
            key = f"criteria.{criterion_id}.cited[{index}]"
            turn = by_number.get(citation.turn)
            if turn is None:
                message = f"turn {citation.turn} does not exist (expected 1..{len(turns)}, as the judge numbers them)"
                problems.append(labels.problem(item.line, f"{key}.turn", message))
            elif citation.quote and not quote_in_text(citation.quote, turn.text):
                message = f"{citation.quote!r} is not in turn {citation.turn} (expected words of that {turn.role} turn)"
                problems.append(labels.problem(item.line, f"{key}.quote", message))
    return problems


def label_files(paths: Iterable[str | Path]) -> list[Path]:
    """Every .jsonl file named, or found under a named directory, sorted."""
    return files_below(paths, (".jsonl",))


def check_label_files(
    files: list[Path], registry: RubricRegistry, locked: dict[str, str]
) -> tuple[list[Problem], list[Problem]]:
    """(problems, warnings) of label files: each line, then against its rubric, then against its transcript."""
    problems: list[Problem] = []
    warnings: list[Problem] = []
    for file in files:
        labels = read_labels(file)
        more, warned = rubric_problems(labels, registry, locked)
        problems += labels.problems + more + transcript_problems(labels)
        warnings += warned
    return sorted(set(problems)), sorted(set(warnings))
