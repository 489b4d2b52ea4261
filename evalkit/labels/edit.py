"""The terminal labeller: the transcript as the judge sees it, then each criterion's question.

A person labels what the judge labels: the same numbered turns
(`numbered_turns`), the same question, the scale with its anchors. Each item is
written back to the labels file as soon as it is done (an atomic rewrite that
changes only that line), so quitting or a dropped terminal loses at most the
item on screen. Items that already carry scores are left alone.
"""

from __future__ import annotations

import datetime as dt
import os
import textwrap
from collections.abc import Callable
from dataclasses import dataclass

from evalkit.judging.evidence import quote_in_text
from evalkit.judging.turns import TurnView, numbered_turns
from evalkit.labels.check import load_transcript
from evalkit.spec.label_model import Citation, CriterionLabel, Label
from evalkit.spec.labels import LabelFile
from evalkit.spec.models import Criterion
from evalkit.spec.rubrics import ResolvedRubric, RubricRegistry

Ask = Callable[[str], str]  # prompt -> the answer line; raises EOFError when input ends
Say = Callable[[str], None]
_YES = {"y", "yes", "true", "t", "pass", "p"}
_NO = {"n", "no", "false", "f", "fail"}
_SKIP, _QUIT = "s", "q"


class Quit(Exception):
    """The labeller asked to stop (q, Ctrl-D): keep what was written, drop the item on screen."""


@dataclass(frozen=True)
class EditConfig:
    """Who labels, and how wide to wrap turn text."""

    labeller: str
    width: int = 100
    today: dt.date | None = None


@dataclass
class EditSummary:
    labelled: int = 0
    skipped: int = 0
    remaining: int = 0


def edit_labels(labels: LabelFile, registry: RubricRegistry, config: EditConfig, ask: Ask, say: Say) -> EditSummary:
    """Label every unlabelled item of the file in order, writing each one back as soon as it is done."""
    todo = [item for item in labels.items if not item.label.labelled]
    summary = EditSummary(remaining=len(todo))
    for index, item in enumerate(todo, start=1):
        resolved = registry.resolve(item.label.rubric)
        transcript, why = load_transcript(labels.path, item.label)
        if transcript is None or transcript.content_hash() != item.label.transcript_hash:
            why = why or "the transcript changed since it was sampled (its content hash differs)"
            say(f"\nitem {index}/{len(todo)} (line {item.line}): skipped: {why}")
            summary.skipped += 1
            continue
        turns = numbered_turns(transcript)
        say(_header(index, len(todo), item.line, item.label, resolved, config.width))
        say(show_turns(turns, config.width))
        try:
            updated = _label_item(item.label, resolved, turns, config, ask, say)
        except Quit:
            say("\nstopped: the item on screen was not saved; run the same command to continue.")
            return summary
        if updated is None:
            say("nothing scored: left unlabelled.")
            summary.skipped += 1
            continue
        write_line(labels, item.line, updated.line())
        summary.labelled += 1
        summary.remaining -= 1
        say(f"saved line {item.line}.")
    return summary


def _header(index: int, total: int, line: int, label: Label, resolved: ResolvedRubric, width: int) -> str:
    rule = "=" * min(width, 100)
    who = f" · agent {label.agent_model}" if label.agent_model else ""
    described = f": {resolved.rubric.description}" if resolved.rubric.description else ""
    about = textwrap.fill(f"rubric {resolved.ref}{described}", width)
    return (
        f"\n{rule}\nitem {index}/{total} (line {line}) · scenario {label.cluster} · {label.split}{who}\n"
        f"{about}\n{label.transcript}\n{rule}"
    )


def show_turns(turns: list[TurnView], width: int = 100) -> str:
    """Each turn under its number and role, as the judge's prompt numbers it."""
    blocks = []
    for turn in turns:
        tool = f" {turn.tool_name} ({turn.tool_status})" if turn.tool_name else ""
        body = (
            "\n".join(
                textwrap.fill(part, width - 2, initial_indent="      ", subsequent_indent="      ")
                if part.strip()
                else ""
                for part in turn.text.splitlines()
            )
            or "      (empty)"
        )
        blocks.append(f"[{turn.n}] {turn.role}{tool}\n{body}")
    return "\n".join(blocks)


def _label_item(
    label: Label, resolved: ResolvedRubric, turns: list[TurnView], config: EditConfig, ask: Ask, say: Say
) -> Label | None:
    scores: dict[str, CriterionLabel] = {}
    for criterion in (c for c in resolved.rubric.criteria if c.is_llm):
        say(describe_criterion(criterion, config.width))
        score = _ask_score(criterion, ask, say)
        if score is None:
            continue
        cited = _ask_citations(turns, ask, say)
        note = _ask(ask, "  note (Enter for none): ")
        scores[criterion.id] = CriterionLabel(score=score, cited=cited, note=note)
    verdict = _ask_verdict(ask, say)
    if not scores and verdict is None:
        return None
    return label.model_copy(
        update={
            "criteria": scores,
            "verdict": verdict,
            "labeller": config.labeller,
            "source": "human",
            "date": config.today or dt.datetime.now(dt.UTC).date(),
            "rubric_fingerprint": resolved.fingerprint,
        }
    )


def describe_criterion(criterion: Criterion, width: int = 100) -> str:
    """The question and its scale, anchors listed by level, wrapped to the terminal."""
    if criterion.scale == "binary":
        scale = "answer y (yes) or n (no)"
    else:
        scale = f"answer an integer {criterion.scale.min}..{criterion.scale.max}"
    lines = [
        "\n" + textwrap.fill(f"{criterion.id}: {criterion.question}", width, subsequent_indent="  "),
        f"  {scale}; s to skip this criterion, q to quit",
    ]
    lines += [
        textwrap.fill(f"{level} = {text}", width, initial_indent="    ", subsequent_indent="        ")
        for level, text in sorted((criterion.anchors or {}).items())
    ]
    return "\n".join(lines)


def _ask(ask: Ask, prompt: str) -> str:
    try:
        answer = ask(prompt).strip()
    except (EOFError, KeyboardInterrupt):
        raise Quit from None
    if answer.lower() == _QUIT:
        raise Quit
    return answer


def _ask_score(criterion: Criterion, ask: Ask, say: Say) -> bool | int | None:
    while True:
        answer = _ask(ask, "  score: ").lower()
        if answer == _SKIP:
            return None
        if criterion.scale == "binary":
            if answer in _YES or answer in _NO:
                return answer in _YES
            say("  expected y or n (or s to skip, q to quit)")
            continue
        low, high = criterion.scale.min, criterion.scale.max
        if answer.lstrip("-").isdigit() and low <= int(answer) <= high:
            return int(answer)
        say(f"  expected an integer {low}..{high} (or s to skip, q to quit)")


def _ask_citations(turns: list[TurnView], ask: Ask, say: Say) -> list[Citation]:
    prompt = "  cite turns (4, or 4: quoted words; ';' between several; Enter for none): "
    while True:
        cited, error = parse_citations(_ask(ask, prompt), turns)
        if not error:
            return cited
        say(f"  {error}")


def parse_citations(text: str, turns: list[TurnView]) -> tuple[list[Citation], str]:
    """'4; 6: refunded order 1234' -> citations, or ([], why) when a turn or quote is not there."""
    by_number = {t.n: t for t in turns}
    cited = []
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        number, _, quote = part.partition(":")
        if not number.strip().isdigit() or int(number) not in by_number:
            expected = f"expected a number 1..{len(turns)}, then ': words' if you quote"
            return [], f"{number.strip()!r} is not a turn ({expected})"
        turn, quote = by_number[int(number)], quote.strip()
        if quote and not quote_in_text(quote, turn.text):
            return [], f"{quote!r} is not in turn {turn.n} (expected words copied from that turn)"
        cited.append(Citation(turn=turn.n, quote=quote))
    return cited, ""


def _ask_verdict(ask: Ask, say: Say) -> str | None:
    while True:
        answer = _ask(ask, "\noverall verdict: p (pass), f (fail), Enter to skip: ").lower()
        if not answer:
            return None
        if answer in ("p", "pass", "f", "fail"):
            return "pass" if answer.startswith("p") else "fail"
        say("  expected p, f or Enter")


def write_line(labels: LabelFile, line: int, text: str) -> None:
    """Replace one line of the labels file atomically; every other line stays byte for byte."""
    labels.lines[line - 1] = text
    tmp = labels.path.with_name(f".{labels.path.name}.{os.getpid()}.tmp")
    tmp.write_text("\n".join(labels.lines) + "\n", encoding="utf-8")
    os.replace(tmp, labels.path)
