"""history.html in headless Chromium: rendered, no request, no script error, hostile names inert."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1] / "report"))

from report_cdp import Browser, Page, find_chromium
from test_history_report import HOSTILE, hostile_history

from evalkit.report.history_page import HistoryPageConfig, write_history_page


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    binary = find_chromium()
    if binary is None:
        message = "headless Chromium is required for the history page's browser tests: apt-get install -y chromium"
        if os.environ.get("CI"):  # CI installs it (.ci/run), so its absence there is a broken setup
            pytest.fail(message)
        pytest.skip(message)
    b = Browser(binary, tmp_path_factory.mktemp("chromium-profile"))
    try:
        yield b
    finally:
        b.close()


@pytest.fixture(scope="module")
def page_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site") / "history.html"
    return write_history_page(hostile_history(), out, HistoryPageConfig(window=5))


def _open(browser: Browser, url: str) -> Page:
    """Like Browser.open, with the Log domain on too, so CSP violations and load errors are seen."""
    target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    for domain in ("Page", "Runtime", "Network", "Log"):
        browser.send(f"{domain}.enable", session=session)
    browser.send("Page.navigate", {"url": url}, session=session)
    browser.wait_event("Page.loadEventFired", session)
    return Page(browser, session)


def _events(browser: Browser, page: Page, *methods: str) -> list[dict[str, Any]]:
    return [e for e in browser.events if e.get("sessionId") == page.session and e.get("method") in methods]


def test_page_renders_charts_heatmap_and_tables(browser: Browser, page_path: Path) -> None:
    page = _open(browser, page_path.as_uri())
    assert page.eval("document.querySelectorAll('svg.chart.trend').length") == 2
    assert page.eval("document.querySelectorAll('svg.chart.trend polygon.band').length") == 2
    assert page.eval("document.querySelectorAll('svg.chart.costs rect.cost').length") == 12
    assert page.eval("document.querySelectorAll('table.heatmap td.hm').length") == 36
    size = page.eval(
        "(() => { const r = document.querySelector('svg.chart.trend').getBoundingClientRect();"
        " return [r.width, r.height]; })()"
    )
    assert size[0] > 300 and size[1] > 100  # drawn, not collapsed
    tip = page.eval("document.querySelector('tr[data-cell] td.hm.r0').title")
    assert tip.endswith(": 0/5 pass, 0 invalid, 0 error")
    text = page.eval("document.body.innerText")
    for expected in (
        "Pass rate over runs",
        "Outcomes: scenario × run",
        "Flaky scenarios",
        "Drift",
        "Cost per run",
        "support/coin",
        "DRIFT",
        "Holm-corrected, family-wise alpha 0.05",
    ):
        assert expected in text, expected


def test_no_request_and_no_script_error(browser: Browser, page_path: Path) -> None:
    page = _open(browser, page_path.as_uri())
    page.settle()
    assert page.requests() == [page_path.as_uri()]
    assert _events(browser, page, "Runtime.exceptionThrown") == []
    errors = [
        e["params"]["entry"]
        for e in _events(browser, page, "Log.entryAdded")
        if e["params"]["entry"].get("level") == "error"
    ]
    assert errors == []  # a CSP violation (an attempted script, handler or fetch) would be logged here


def test_hostile_names_are_shown_as_text_and_execute_nothing(browser: Browser, page_path: Path) -> None:
    page = _open(browser, page_path.as_uri())
    page.settle()
    assert page.eval("document.title") == "evalkit history"
    assert page.eval("document.body.getAttribute('data-pwned')") is None
    assert page.eval("document.scripts.length") == 0
    assert page.eval("document.querySelectorAll('img, iframe, object, embed').length") == 0
    assert page.eval("document.querySelectorAll('a[href^=\"javascript:\"]').length") == 0
    assert page.eval("document.querySelectorAll('svg').length") == 3  # the charts only: no injected svg
    names = page.eval("Array.from(document.querySelectorAll('tr[data-cell] th.name')).map(t => t.title)")
    assert f"support/{HOSTILE} [mock:small]" in names  # the whole name, verbatim, as text
    link = page.eval("Array.from(document.querySelectorAll('a.run-link')).map(a => a.href)")
    assert link and all(h.startswith("file://") for h in link)


def test_csp_forbids_scripts_even_if_escaping_failed(browser: Browser, page_path: Path) -> None:
    page = _open(browser, page_path.as_uri())
    page.eval(
        "document.body.insertAdjacentHTML('beforeend', "
        "'<img src=\"data:,x\" onerror=\"document.body.setAttribute(\\'data-pwned\\',\\'csp\\')\">')"
    )
    page.settle()
    assert page.eval("document.body.getAttribute('data-pwned')") is None
    assert "script-src 'none'" in page.eval(
        "document.querySelector('meta[http-equiv=Content-Security-Policy]').content"
    )


def test_error_detectors_see_a_thrown_error_and_a_blocked_script(browser: Browser, tmp_path: Path) -> None:
    """Control: the checks above would notice a script error and a script the CSP refused."""
    from evalkit.report.history_page import CSP

    throws = tmp_path / "throws.html"
    throws.write_text("<!doctype html><script>null.x</script>")
    page = _open(browser, throws.as_uri())
    page.settle()
    assert _events(browser, page, "Runtime.exceptionThrown")
    blocked = tmp_path / "blocked.html"
    blocked.write_text(
        f'<!doctype html><meta http-equiv="Content-Security-Policy" content="{CSP}">'
        "<script>document.title='ran'</script>"
    )
    page = _open(browser, blocked.as_uri())
    page.settle()
    assert page.eval("document.title") != "ran"
    assert [e for e in _events(browser, page, "Log.entryAdded") if e["params"]["entry"].get("level") == "error"]
