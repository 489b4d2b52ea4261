"""The terminal table of `evalkit calibrate --probes`: one row per probe and scope."""

from __future__ import annotations

from rich.table import Table

from evalkit.verdicts.probe_record import EditProbe, FlipTest, ProbeResults


def _num(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _p(value: float | None) -> str:
    return "-" if value is None else f"{value:.3g}"


def _flip_row(probe: str, test: FlipTest, holds: str = "") -> list[str]:
    return [
        probe,
        test.scope,
        str(test.n),
        f"{test.to_pass} / {test.to_fail}",
        _num(test.flip_rate),
        _num(test.pass_shift),
        _p(test.p_value),
        holds,
    ]


def _edit_rows(probe: EditProbe) -> list[list[str]]:
    holds = "" if probe.holds is None else ("yes" if probe.holds else "NO: FPR moved")
    head = f"{probe.name} ({probe.n_items} transcripts)"
    rows = [_flip_row(head, probe.verdict, holds)] if probe.verdict is not None else []
    return rows + [_flip_row("", t) for t in probe.criteria if t.n]


def probes_table(probes: ProbeResults) -> Table:
    table = Table(
        title="bias probes (holdout; the human label is the same before and after each edit)",
        caption="flips fail->pass / pass->fail; shift = change in the judge's pass rate (FPR on human-fail "
        "items); p = exact McNemar",
    )
    for column in ("probe", "scope", "n", "flips +/-", "flip rate", "shift", "p", "FPR unmoved"):
        table.add_column(column)
    for probe in (probes.verbosity, probes.injection_user, probes.injection_tool):
        if probe is not None:
            for row in _edit_rows(probe):
                table.add_row(*row)
    position = probes.pairwise_position
    if position is not None:
        if position.skipped:
            table.add_row("pairwise_position", "-", str(position.n_pairs), "-", "-", "-", "-", position.skipped)
        else:
            table.add_row(
                "pairwise_position",
                f"P(first | inconsistent) {_num(position.p_first)}",
                str(position.n_valid),
                f"{position.n_first} first / {position.n_second} second",
                _num(position.flip_rate),
                "-",
                _p(position.p_value),
                "",
            )
    return table


def self_preference_lines(probes: ProbeResults) -> list[str]:
    pref = probes.self_preference
    if pref is None:
        return []
    lines = [f"warning: {pref.warning}"] if pref.warning else []
    for d in pref.differences:
        rates = ", ".join(f"{r.agent_model} {r.judge_passes}/{r.n_human_fail}" for r in d.rates)
        lines.append(
            f"FPR by agent tier, {d.scope}: {rates}; {pref.candidate} - {pref.reference} = "
            f"{_num(d.diff)} [{_num(d.low)}, {_num(d.high)}] (Newcombe 95%)"
        )
    return lines
