"""Per-trial views for the report's drill-down: transcript, criteria, provenance.

All transcript text is escaped here or by the template's autoescape; quotes
are highlighted by `highlight`, never by script in the page.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from evalkit.conversation.transcript import Transcript, TranscriptMessage
from evalkit.judging.evidence import quote_in_text
from evalkit.judging.turns import message_text
from evalkit.report.highlight import highlight
from evalkit.report.rundata import RunData
from evalkit.verdicts.rows import ResultRow, TrialRecord


@dataclass
class MessageView:
    n: int  # 1-based message number: what the judge's evidence "turn" cites
    role: str
    turn: int  # conversation turn (a user message and the agent's reply share it)
    cited: bool  # evidence cites this message (outlined even when the quote is in a tool call)
    html: Markup
    scripted: bool
    tool_calls: list[tuple[str, str]]  # (name, pretty JSON arguments)
    tool_result: tuple[str, str, str | None] | None  # (name, pretty output, error)


@dataclass
class EvidenceView:
    turn: int
    quote: str
    verified: bool | None
    found: bool  # the quote is in the cited message, as the judge's evidence check reads it


@dataclass
class CriterionView:
    row: ResultRow
    evidence: list[EvidenceView]


@dataclass
class TrialView:
    trial: TrialRecord
    anchor: str
    messages: list[MessageView]
    criteria: list[CriterionView]
    provenance: list[str]
    transcript_missing: bool
    flags: list[dict[str, Any]] = field(default_factory=list)


def pretty(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, indent=1, ensure_ascii=False, sort_keys=True, default=str)


def anchor_for(t: TrialRecord) -> str:
    raw = f"t-{t.suite}-{t.scenario_id}-{t.tier}-{t.trial}"
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in raw)


def _message_view(n: int, m: TranscriptMessage, quotes: list[str]) -> MessageView:
    result = None
    if m.tool_result is not None:  # the raw content, when present, already shows the output as the agent saw it
        output = "" if m.content else pretty(m.tool_result.output)
        result = (m.tool_result.name, output, m.tool_result.error)
    return MessageView(
        n=n,
        role=m.role,
        turn=m.turn,
        cited=bool(quotes),
        html=highlight(m.content, quotes),
        scripted=m.scripted,
        tool_calls=[(c.name, pretty(c.arguments)) for c in m.tool_calls],
        tool_result=result,
    )


def _evidence(row: ResultRow, transcript: Transcript | None) -> list[EvidenceView]:
    messages = transcript.messages if transcript else []
    views = []
    for ev in row.evidence:
        cited = messages[ev.turn - 1] if 1 <= ev.turn <= len(messages) else None
        found = cited is not None and any(
            quote_in_text(ev.quote, text) for text in (message_text(cited), cited.content)
        )
        views.append(EvidenceView(turn=ev.turn, quote=ev.quote, verified=ev.verified, found=found))
    return views


def _provenance(rows: list[ResultRow]) -> list[str]:
    lines = []
    for row in rows:
        if row.rubric_ref == "checks":
            continue
        line = (
            f"{row.rubric_ref} fingerprint {row.rubric_fingerprint or '?'}; judge {', '.join(row.judge_models) or '?'}"
        )
        if row.template_hash:
            line += f"; template {row.template_hash}"
        lines.append(line)
    return list(dict.fromkeys(lines))


def trial_view(run: RunData, trial: TrialRecord) -> TrialView:
    transcript = run.transcript(trial)
    rows = run.results_for(trial)
    quotes: dict[int, list[str]] = {}  # by 1-based message number, as evidence cites them
    for row in rows:
        for ev in row.evidence:
            quotes.setdefault(ev.turn, []).append(ev.quote)
    messages = [
        _message_view(n, m, quotes.get(n, [])) for n, m in enumerate(transcript.messages if transcript else [], start=1)
    ]
    flags = [f if isinstance(f, dict) else {"name": str(f)} for f in trial.guardrail_flags]
    return TrialView(
        trial=trial,
        anchor=anchor_for(trial),
        messages=messages,
        criteria=[CriterionView(row=r, evidence=_evidence(r, transcript)) for r in rows],
        provenance=_provenance(rows),
        transcript_missing=transcript is None,
        flags=flags,
    )
