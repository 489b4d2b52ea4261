"""Evidence verification: a quote counts only if it is in the turn it cites.

Judges paraphrase, invent and mis-cite. Comparing after a light normalisation
(case, whitespace, typographic quotes and dashes, our own escaping) accepts
honest verbatim quotes while rejecting anything that is not there. A quote may
use "..." to skip text; its pieces must then appear in order in the same turn.

A quote that is there but shorter than MIN_QUOTE_CHARS shows nothing (a "no"
or an "I" occurs almost anywhere), and a verdict may cite fewer quotes than
the judge's `min_evidence`: both are *weak* evidence. Weak evidence is
flagged, never invalidating: unlike an unsupported quote, the judge did not
assert anything false about the transcript, it just showed too little.
"""

from __future__ import annotations

import re
import unicodedata

from evalkit.judging.turns import TurnView
from evalkit.judging.verdict import Evidence

_TRANSLATE = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
        "\u2013": "-", "\u2014": "-", "\u2012": "-", "\u2212": "-",
        "\u2026": "...", "\u00a0": " ",
    }
)  # fmt: skip
_SPACE = re.compile(r"\s+")
_GAP = re.compile(r"\.{3,}|\[\.\.\.\]")
_EDGE = " \"'"
MIN_QUOTE_CHARS = 3


def normalise(text: str) -> str:
    """Fold case, typography, our delimiter escaping and whitespace."""
    text = unicodedata.normalize("NFKC", text).translate(_TRANSLATE).replace("&lt;", "<")
    return _SPACE.sub(" ", text).strip().casefold()


def quote_pieces(quote: str) -> list[str]:
    """The parts of a quote between "..." gaps, stripped of wrapping quote marks."""
    pieces = (p.strip(_EDGE) for p in _GAP.split(normalise(quote)))
    return [p for p in pieces if p]


def quote_in_text(quote: str, text: str) -> bool:
    """True when every piece of the quote occurs in the text, in order."""
    pieces = quote_pieces(quote)
    if not pieces:
        return False
    haystack, start = normalise(text), 0
    for piece in pieces:
        found = haystack.find(piece, start)
        if found < 0:
            return False
        start = found + len(piece)
    return True


def verify_evidence(evidence: list[Evidence], turns: list[TurnView]) -> list[Evidence]:
    """Return copies with `verified` set; a turn number outside the transcript is unverified."""
    by_number = {t.n: t for t in turns}
    checked = []
    for item in evidence:
        turn = by_number.get(item.turn)
        ok = turn is not None and quote_in_text(item.quote, turn.text)
        checked.append(item.model_copy(update={"verified": ok}))
    return checked


def describe_unsupported(evidence: list[Evidence], limit: int = 80) -> str:
    """A short reason naming the first unsupported quote."""
    bad = [e for e in evidence if e.verified is False]
    if not bad:
        return ""
    quote = bad[0].quote if len(bad[0].quote) <= limit else bad[0].quote[: limit - 3] + "..."
    more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
    return f"evidence not found in cited turn {bad[0].turn}: {quote!r}{more}"


def is_short_quote(quote: str) -> bool:
    """Fewer than MIN_QUOTE_CHARS characters once normalised (gaps and wrapping quote marks removed)."""
    return sum(len(piece) for piece in quote_pieces(quote)) < MIN_QUOTE_CHARS


def required_quotes(min_evidence: int | None, binary: bool) -> int:
    """The judge's `min_evidence`, else 1 for a binary verdict and 0 for a scale score."""
    if min_evidence is not None:
        return min_evidence
    return 1 if binary else 0


def is_weak(evidence: list[Evidence], required: int) -> bool:
    """A short quote, or fewer verified quotes of useful length than `required` (call after verify_evidence)."""
    strong = [e for e in evidence if e.verified and not is_short_quote(e.quote)]
    return len(strong) < required or any(is_short_quote(e.quote) for e in evidence)
