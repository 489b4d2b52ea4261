"""Evidence quotes highlighted in transcript text, built server-side.

Transcript text is untrusted. Every character of it goes through
`markupsafe.escape`; the only markup added is our own `<mark>` element, so
nothing a model wrote can become a tag, an attribute or a live link.
"""

from __future__ import annotations

from collections.abc import Iterable

from markupsafe import Markup, escape


def _spans(text: str, quotes: Iterable[str]) -> list[tuple[int, int]]:
    """Character ranges of every quote occurrence (case-insensitive), merged where they overlap."""
    folded = text.casefold()
    found: list[tuple[int, int]] = []
    for quote in quotes:
        needle = quote.strip().casefold()
        if not needle or len(needle) != len(quote.strip()):
            continue  # casefold changed the length: offsets would not map back
        start = folded.find(needle)
        while start >= 0:
            found.append((start, start + len(needle)))
            start = folded.find(needle, start + 1)
    merged: list[tuple[int, int]] = []
    for begin, end in sorted(found):
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


def contains_quote(text: str, quote: str) -> bool:
    return bool(_spans(text, [quote]))
