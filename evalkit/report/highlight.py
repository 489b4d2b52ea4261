"""Evidence quotes highlighted in transcript text, built server-side.

Transcript text is untrusted. Every character of it goes through
`markupsafe.escape`; the only markup added is our own `<mark>` element, so
nothing a model wrote can become a tag, an attribute or a live link.
Quotes are matched the way the judge's evidence check matches them (case,
whitespace and typography folded; "..." skips text), via `evalkit.judging.evidence`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from markupsafe import Markup, escape

from evalkit.judging.evidence import quote_pieces

_VARIANTS = {
    " ": r"\s+",
    "'": "['\u2018\u2019\u201a\u201b\u2032`]",
    '"': '["\u201c\u201d\u201e\u201f\u2033]',
    "-": "[-\u2013\u2014\u2012\u2212]",
}


def _pattern(piece: str) -> re.Pattern[str]:
    return re.compile("".join(_VARIANTS.get(ch, re.escape(ch)) for ch in piece), re.IGNORECASE)


def _spans(text: str, quotes: Iterable[str]) -> list[tuple[int, int]]:
    """Character ranges of every quote piece occurrence, merged where they overlap."""
    found = [m.span() for q in quotes for piece in quote_pieces(q) for m in _pattern(piece).finditer(text)]
    merged: list[tuple[int, int]] = []
    for begin, end in sorted(s for s in found if s[1] > s[0]):
        if merged and begin <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((begin, end))
    return merged


def highlight(text: str, quotes: Iterable[str]) -> Markup:
    """Escape `text` and wrap each quote occurrence in `<mark class="ev">`."""
    out: list[str] = []
    pos = 0
    for begin, end in _spans(text, quotes):
        out.append(str(escape(text[pos:begin])))
        out.append(f'<mark class="ev">{escape(text[begin:end])}</mark>')
        pos = end
    out.append(str(escape(text[pos:])))
    return Markup("".join(out))
