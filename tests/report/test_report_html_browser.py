"""The HTML report in headless Chromium: content, filters, no network, and inert transcripts."""

from __future__ import annotations

from pathlib import Path

from report_cdp import Browser

from evalkit.report import write_html_report

VISIBLE_TRIALS = "document.querySelectorAll('details[data-filter=trial]:not(.hidden)').length"


def _open(browser: Browser, run: Path, fragment: str = ""):  # type: ignore[no-untyped-def]
    page_path = write_html_report(run)
    return browser.open(page_path.as_uri() + fragment), page_path


def test_overview_and_drilldown_are_visible(browser: Browser, sample_run: Path) -> None:
    page, _ = _open(browser, sample_run)
    # The run's verdict is the first thing on screen: rendered, in the first viewport, not covered by anything.
    banner = page.eval(
        "(() => { const b = document.getElementById('verdict-banner'); const r = b.getBoundingClientRect();"
        " const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);"
        " return {text: b.innerText, top: r.top, bottom: r.bottom, height: r.height, vh: innerHeight,"
        " onTop: b.contains(hit), bg: getComputedStyle(b).backgroundColor}; })()"
    )
    assert banner["text"].startswith("FAIL") and "1 failing" in banner["text"] and "fails the build" in banner["text"]
    assert banner["height"] > 10 and banner["top"] >= 0 and banner["bottom"] < banner["vh"] and banner["onTop"]
    assert banner["bg"] not in ("rgba(0, 0, 0, 0)", "rgb(255, 255, 255)")  # coloured by its outcome
    verdicts = page.eval(
        "Array.from(document.querySelectorAll('tr[data-filter=cell] td.verdict')).map(t => t.innerText)"
    )
    assert verdicts[0].startswith("fail") and all(v.startswith("pass") for v in verdicts[1:])  # failing first
    text = page.eval("document.body.innerText")
    for expected in (
        "Gates",
        "invalid_rate",
        "mock:large",
        "mock:small",
        "refund",
        "xss",
        "judge output unparseable",
        "Flaky scenarios",
    ):
        assert expected in text
    # Drill into the failed trial: transcript, tool call and result, criteria, reasoning, provenance.
    page.eval("document.querySelectorAll('details[data-filter=trial]').forEach(d => d.open = true)")
    text = page.eval("document.body.innerText")
    for expected in (
        "tool call refund_order",
        '"order_id": "1234"',
        '"status": "ok"',
        "The agent did not resolve it.",
        "support.resolution@2 fingerprint fp-resolution-1; judge mock:judge",
        "simulator_error",
        "role_flip",
        "simulator answered as the agent",
        "fail reasons",
    ):
        assert expected in text, expected
    marks = page.eval("Array.from(document.querySelectorAll('mark.ev')).map(m => m.textContent)")
    assert marks and set(marks) == {"refunded order 1234"}
    assert page.eval("document.querySelectorAll('svg rect').length") > 10  # interval bars, histograms, cost split


def test_filters_by_outcome_tier_and_tag(browser: Browser, sample_run: Path) -> None:
    page, _ = _open(browser, sample_run)
    assert page.eval(VISIBLE_TRIALS) == 8

    def choose(name: str, value: str) -> int:
        page.eval(
            f"(() => {{ const s = document.getElementById('f-{name}'); s.value = {value!r};"
            " s.dispatchEvent(new Event('change')); })()"
        )
        return page.eval(VISIBLE_TRIALS)

    assert choose("outcome", "fail") == 1
    assert page.eval("document.querySelector('details[data-filter=trial]:not(.hidden)').id").endswith("mock_small-1")
    assert choose("outcome", "invalid") == 2
    assert choose("tier", "mock:large") == 1
    assert choose("outcome", "") == 4
    assert choose("tag", "security") == 1
    assert page.eval("document.getElementById('shown-count').textContent") == "1"
    # Scenario rows follow the same filters.
    assert page.eval("document.querySelectorAll('tr[data-filter=cell]:not(.hidden)').length") == 1


def test_filter_state_from_url_fragment(browser: Browser, sample_run: Path) -> None:
    page, _ = _open(browser, sample_run, "#outcome=pass&tier=mock:small")
    assert page.eval(VISIBLE_TRIALS) == 2
    assert page.eval("document.getElementById('f-tier').value") == "mock:small"


def test_page_makes_no_network_request(browser: Browser, sample_run: Path) -> None:
    page, page_path = _open(browser, sample_run)
    page.eval("document.querySelectorAll('details').forEach(d => d.open = true)")
    page.settle()
    assert page.requests() == [page_path.as_uri()]


def test_network_detector_sees_a_request(browser: Browser, tmp_path: Path) -> None:
    """Control: the request check above would notice a page that fetches something."""
    leaky = tmp_path / "leaky.html"
    leaky.write_text('<!doctype html><img src="http://127.0.0.1:9/pixel.png">')
    page = browser.open(leaky.as_uri())
    page.settle()
    assert "http://127.0.0.1:9/pixel.png" in page.requests()


def test_transcript_payloads_execute_nothing(browser: Browser, sample_run: Path) -> None:
    page, _ = _open(browser, sample_run)
    page.eval("document.querySelectorAll('details').forEach(d => d.open = true)")
    page.settle()
    assert page.eval("document.title") == "evalkit report run-a"
    assert page.eval("document.body.getAttribute('data-pwned')") is None
    assert page.eval("document.scripts.length") == 1  # ours only
    assert page.eval("document.querySelectorAll('.transcript img, .transcript svg, .transcript a').length") == 0
    assert page.eval("document.querySelectorAll('a[href^=\"javascript:\"]').length") == 0
    # The payload is shown as text, link included, but nothing is live.
    transcript_text = page.eval("Array.from(document.querySelectorAll('.transcript')).map(t => t.innerText).join()")
    assert (
        "<script>" in transcript_text and "javascript:" in transcript_text and "https://example.com" in transcript_text
    )


def test_csp_blocks_injected_handlers_even_if_escaping_failed(browser: Browser, sample_run: Path) -> None:
    """Defence in depth: markup injected into the DOM still cannot run inline handlers."""
    page, _ = _open(browser, sample_run)
    page.eval(
        "document.body.insertAdjacentHTML('beforeend', "
        "'<img src=\"data:,x\" onerror=\"document.body.setAttribute(\\'data-pwned\\',\\'csp\\')\">')"
    )
    page.settle()
    assert page.eval("document.body.getAttribute('data-pwned')") is None
    assert "script-src 'sha256-" in page.eval(
        "document.querySelector('meta[http-equiv=Content-Security-Policy]').content"
    )


def test_compare_page_renders_offline(browser: Browser, sample_run: Path, tmp_path: Path) -> None:
    from evalkit.report import compare_runs, to_html

    page_path = tmp_path / "compare.html"
    page_path.write_text(to_html(compare_runs([sample_run])))
    page = browser.open(page_path.as_uri())
    page.settle()
    assert page.requests() == [page_path.as_uri()]
    assert page.eval("document.querySelectorAll('#chart circle').length") == 2
    text = page.eval("document.body.innerText")
    assert "Routing:" in text and "mock:small (b) vs mock:large (a)" in text
