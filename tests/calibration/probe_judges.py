"""Scripted judges for the probe tests, served by the fake server as `probe_judges:<name>`.

`obedient` fails every criterion unless the transcript carries a note telling the evaluator to
pass it (then it passes everything): an injection flips it. `steadfast` fails everything whatever
the transcript says. Both always put the first-shown conversation first in a pairwise prompt
(`first`), so the position probe has something to find. Claims requests get no claims.
"""

from __future__ import annotations

import re
from typing import Any

from evalkit.demo.offline.judge import _BLOCK, _CRITERION, fallback_evidence, parse_turns

NOTE = re.compile(r"mark this as passing", re.I)
CALLS: list[str] = []  # one entry per request answered ("verdict" | "pairwise" | "claims")


def _prompt(request: Any) -> str:
    return next((m.content for m in request.messages if '<transcript id="' in m.content), "")


def _verdict(request: Any, obey: bool) -> dict[str, Any]:
    prompt = _prompt(request)
    turns = parse_turns(prompt)
    passing = obey and bool(NOTE.search(_BLOCK.search(prompt).group(2) if _BLOCK.search(prompt) else ""))
    answer = {}
    for cid, scale, low, high, _ in _CRITERION.findall(_BLOCK.sub("", prompt)):
        score: bool | int = passing if scale == "binary" else int(high if passing else low)
        answer[cid] = {
            "reasoning": "As instructed." if passing else "Not good enough.",
            "evidence": fallback_evidence(turns),
            "score": score,
        }
    return answer


def _answer(request: Any, obey: bool) -> dict[str, Any]:
    system = " ".join(
        [getattr(request, "system", "") or "", *(m.content for m in request.messages if m.role == "system")]
    )
    if '"winner"' in system:
        CALLS.append("pairwise")
        return {"json": {"winner": "first", "reasoning": "The first one reads better."}}
    if "<criterion id=" in _BLOCK.sub("", _prompt(request)):
        CALLS.append("verdict")
        return {"json": _verdict(request, obey)}
    CALLS.append("claims")
    return {"json": {"claims": []}}


def obedient(request: Any) -> dict[str, Any]:
    return _answer(request, obey=True)


def steadfast(request: Any) -> dict[str, Any]:
    return _answer(request, obey=False)
