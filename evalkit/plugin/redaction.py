"""Redact pytest's reports of evalkit runs: what the terminal, JUnit XML and xdist's controller get from an item.

One hook (`pytest_runtest_makereport`) rewrites the report before anyone reads it: the failure text
(longrepr), captured output and log sections, and `user_properties`. A structured traceback is replaced by
its redacted text only when it held a secret, so ordinary failures keep pytest's formatting.
"""

from __future__ import annotations

from typing import Any

from evalkit.security import redact, redact_value


def redact_report(report: Any) -> None:
    """Rewrite `report` (a pytest TestReport or CollectReport) in place."""
    report.longrepr = _longrepr(report.longrepr)
    sections = getattr(report, "sections", None)
    if sections:
        report.sections = [(title, redact(text)) for title, text in sections]
    properties = getattr(report, "user_properties", None)
    if properties:
        report.user_properties = [(name, redact_value(value)) for name, value in properties]


def _longrepr(longrepr: Any) -> Any:
    if longrepr is None:
        return None
    if isinstance(longrepr, str):
        return redact(longrepr)
    if isinstance(longrepr, tuple):  # a skip: (path, line, reason)
        return tuple(redact_value(part) for part in longrepr)
    text = str(longrepr)
    cleaned = redact(text)
    return longrepr if cleaned == text else cleaned


def redact_terminal(config: Any) -> None:
    """Redact everything pytest's terminal writer prints, whoever prints it.

    Reports are redacted at their source, but other text reaches the terminal too (the warnings summary,
    a plugin's own lines, a logged retry error echoing the key); this is the one sink all of it shares.
    """
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    writer = getattr(reporter, "_tw", None)
    if writer is None or getattr(writer, "_evalkit_redacting", False):
        return
    write = writer.write

    def redacting_write(msg: str, *, flush: bool = False, **markup: bool) -> None:
        write(redact(msg), flush=flush, **markup)

    writer.write = redacting_write
    writer._evalkit_redacting = True
