"""Failure messages people read in pytest output: what failed, the judge's words, where to look."""

from __future__ import annotations

from evalkit.verdicts.scenario import ScenarioVerdict


def pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def interval_text(v: ScenarioVerdict) -> str:
    if v.interval is None:
        return "no valid trials"
    low, high = v.interval
    return f"{v.confidence:.0%} CI {pct(low)}-{pct(high)}"


def counts_text(v: ScenarioVerdict) -> str:
    return (
        f"{v.passed}/{v.valid} valid trials passed ({pct(v.pass_rate)}, {interval_text(v)}); "
        f"{v.invalid} invalid of {v.trials}" + (f", {v.errors} setup error(s)" if v.errors else "")
    )


def failure_message(v: ScenarioVerdict, label: str) -> str:
    """The assertion text for a failed, invalid or errored item."""
    if v.outcome == "error":
        lines = [
            f"{label} ERROR (setup, not a quality failure): the agent never ran in {v.errors} of {v.trials} trials",
            "  because: " + "; ".join(v.invalid_reasons[:3]),
        ]
    elif v.outcome == "invalid":
        head = (
            f"{label} INVALID (not a quality failure): only {v.valid} of {v.trials} trials were valid; "
            f"needed {v.required}"
        )
        lines = [head, "  invalid because: " + "; ".join(v.invalid_reasons[:5])]
    else:
        lines = [f"{label} FAILED: {counts_text(v)}", f"  needed: {v.required}"]
        if v.fail_reasons:
            lines.append("  trial failures: " + "; ".join(v.fail_reasons[:5]))
        if v.invalid_reasons:
            lines.append("  invalid trials: " + "; ".join(v.invalid_reasons[:3]))
    lines += criteria_lines(v)
    if v.transcript:
        lines.append(f"  transcript: {v.transcript}")
    return "\n".join(lines)


def criteria_lines(v: ScenarioVerdict) -> list[str]:
    if not v.failing_criteria:
        return []
    lines = ["  failing criteria:"]
    for c in v.failing_criteria[:8]:
        mean = "" if c.mean is None else f", mean {c.mean:.2f}"
        need = "" if c.threshold is None else f" < threshold {c.threshold:.2f}"
        lines.append(f"    - {c.label}: failed {c.failed}/{c.of}{mean}{need}")
        if c.reasoning:
            lines.append(f"      judge: {c.reasoning}")
    return lines
