"""The jinja2 environment every report page is rendered with.

Sandboxed, autoescaping and strict: a missing variable is an error rather
than an empty string, and nothing from a transcript reaches the page unescaped.
The page's single inline script is allowed by its sha256 in the CSP, so no
other script (injected or not) can run even if escaping were ever bypassed.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import lru_cache
from typing import Any

from jinja2 import PackageLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from evalkit.report.verdict_view import why


def pct(value: float | None, digits: int = 0) -> str:
    return "–" if value is None else f"{value * 100:.{digits}f}%"


def usd(value: float | None, digits: int = 4) -> str:
    return "unknown" if value is None else f"${value:.{digits}f}"


def num(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def signed(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:+.{digits}f}"


def _escapes(name: str | None) -> bool:
    """HTML pages are autoescaped; Markdown and model prompts are not (Markdown cells go through `md`)."""
    return name is None or name.endswith(".html.j2")


_MD_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "|": "\\|", "\\": "\\\\", "`": "\\`"})
# `![`, `](` and `][` are what images and inline and reference links are made of, and a leading `[` may
# start a link definition (`[ref]: url`, where the value opens a list item); escaping just those leaves
# `a[m]: 2 invalid` as it reads. A scheme's `://` and `www.` get a zero-width space so GitHub does not
# turn a bare URL into a link.
_MD_LINKS = re.compile(r"(?<=!)\[|(?<=\])[(\[]|^\s*\[")
_MD_AUTOLINKS = re.compile(r"(?<=:)(?=//)|(?<=\bwww)(?=\.)", re.IGNORECASE)


def md(value: object) -> str:
    """Untrusted text as one line of inert Markdown (a table cell, a list item, inside a code span).

    No raw HTML, no column breaks, no image, link, autolink or link definition: transcript text,
    judge reasons and scenario ids reach summary.md, compare.md and the CI step summary through here,
    and GitHub would fetch an image URL in the reader's browser.
    """
    text = "–" if value is None else str(value)
    text = _MD_LINKS.sub(lambda m: m.group(0)[:-1] + "\\" + m.group(0)[-1], text.translate(_MD_ESCAPES))
    text = _MD_AUTOLINKS.sub("\u200b", text)
    return " ".join(text.split())


def per_pass(side: Any) -> str:
    """Cost per passing session of a compare side: "no pass" is not the same as an unknown price."""
    return usd(side.cost_per_pass) if side.counts.passed else "no pass"


@lru_cache(maxsize=1)
def environment() -> SandboxedEnvironment:
    env = SandboxedEnvironment(
        loader=PackageLoader("evalkit", "templates/report"),
        autoescape=_escapes,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(pct=pct, usd=usd, num=num, signed=signed, md=md, per_pass=per_pass, why=why)
    return env


def _source(name: str) -> str:
    env = environment()
    assert env.loader is not None
    return env.loader.get_source(env, name)[0]


def csp(script: str) -> str:
    """Content-Security-Policy allowing exactly this inline script, inline styles and data: images."""
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
    return (
        f"default-src 'none'; script-src 'sha256-{digest}'; style-src 'unsafe-inline'; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )


def render_page(template: str, **context: Any) -> str:
    """Render a self-contained page: inline CSS, the hashed inline script, and the CSP meta tag."""
    script = _source("report.js")
    page = environment().get_template(template)
    return page.render(style=Markup(_source("style.css")), script=Markup(script), csp=csp(script), **context)


def render_text(template: str, **context: Any) -> str:
    """Render a non-HTML template (Markdown, prompts) with the same strict environment."""
    return environment().get_template(template).render(**context)
