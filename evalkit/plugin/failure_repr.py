"""How an evalkit item's failure reads in pytest: the whole account, or one line, as `--tb` asks.

pytest prints a failure from its report's longrepr: the FAILURES section prints its text
(`--tb=long` / `short`), `--tb=line` prints only its crash location `file:line: message`, and the
short summary (`-rf`, `-ra`) appends that message to the item's id. A plain string longrepr carries
no message, so pytest 8 printed no reason there and pytest 9 printed the whole account, item name
first. This builds the structure pytest's own tracebacks use (and pytest-xdist serializes), whose
crash message is the one-line reason, without the item's name, which the summary line already shows.
"""

from __future__ import annotations

from dataclasses import dataclass

# pytest's own failure representation: the one shape its terminal, JUnit XML and pytest-xdist all read.
# Private by name, unchanged in shape from pytest 6 to 9.
from _pytest._code.code import ExceptionChainRepr, ReprEntryNative, ReprFileLocation, ReprTraceback

from evalkit.plugin.messages import pct
from evalkit.security import redact
from evalkit.verdicts import GateResult, ScenarioVerdict

FULL_STYLES = ("auto", "long", "native")  # pytest's --tb choices besides short, line and no


@dataclass(frozen=True, slots=True)
class Failure:
    """What an item says when it fails: the full account, its one-line reason, and what `--tb=short` keeps."""

    text: str
    reason: str
    short: tuple[str, ...] = ()  # lines `--tb=short` prints below `file:line: reason`


def failure_repr(failure: Failure, location: tuple[str, int | None, str], style: str | None) -> ExceptionChainRepr:
    """The longrepr of a failed item: `location` is pytest's item location (line 0-based, or None)."""
    path, line0, _ = location
    reason = _one_line(redact(failure.reason))
    lineno = 1 if line0 is None else line0 + 1  # no line known: the file's top, so editors still open it
    if style == "line":  # pytest prints the crash line itself; the body stays empty
        lines: list[str] = []
    elif style == "short":
        lines = [f"{path}:{lineno}: {reason}", *(redact(s) for s in failure.short)]
    else:
        lines = [redact(failure.text)]
    traceback = ReprTraceback(
        reprentries=[ReprEntryNative(lines=[f"{s}\n" for s in lines])] if lines else [], extraline=None, style="native"
    )
    return ExceptionChainRepr([(traceback, ReprFileLocation(path=path, lineno=lineno, message=reason), None)])


def scenario_failure(verdict: ScenarioVerdict, text: str) -> Failure:
    """A failed, invalid or errored scenario item: `text` is its full failure message."""
    short = (f"  transcript: {verdict.transcript}",) if verdict.transcript else ()
    return Failure(text=text, reason=scenario_reason(verdict), short=short)


def scenario_reason(v: ScenarioVerdict) -> str:
    """One line: the counts against what was needed, and the first reason a trial gave."""
    if v.outcome == "error":
        return (
            f"the agent never ran in {v.errors} of {v.trials} trials: {_first(v.invalid_reasons)}"  # pytest says ERROR
        )
    if v.outcome == "invalid":
        return f"INVALID: only {v.valid} of {v.trials} trials valid, needed {v.required}; {_first(v.invalid_reasons)}"
    rule = v.required.split(", at least", 1)[0]  # the valid-trial minimum was met, or the outcome would be invalid
    invalid = f", {v.invalid} invalid" if v.invalid else ""
    head = f"{v.passed}/{v.valid} trials passed ({pct(v.pass_rate)}{invalid}), needed {rule}: FAIL"
    if v.fail_reasons:
        return f"{head}; {v.failed} failed: {v.fail_reasons[0]}"
    if v.failing_criteria:
        c = v.failing_criteria[0]
        mean = "" if c.mean is None else f", mean {c.mean:.2f}"
        need = "" if c.threshold is None else f" < threshold {c.threshold:.2f}"
        return f"{head}; {c.label} failed {c.failed}/{c.of}{mean}{need}"
    return head


def gate_failure(result: GateResult) -> Failure:
    """A failed (or inconclusive, under `inconclusive: fail`) suite gate."""
    deciding = [c for c in result.checks if c.decision in ("fail", "inconclusive")] or result.checks
    reason = f"{result.outcome.upper()}: " + "; ".join(
        f"{c.name} {c.decision.upper()} - {_one_line(c.detail)}" for c in deciding
    )
    return Failure(text=result.message(), reason=reason)


def setup_failure(text: str) -> Failure:
    """The agent never ran (the run could not start it): the message's first line is the reason."""
    return Failure(text=text, reason=next(iter(text.strip().splitlines()), "setup failed"))


def _first(reasons: list[str]) -> str:
    return reasons[0] if reasons else "no reason recorded"


def _one_line(text: str) -> str:
    return " ".join(text.split())
