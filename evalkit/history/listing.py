"""`evalkit history runs`: one line per run."""

from __future__ import annotations

from evalkit.history.engine import READONLY, open_engine
from evalkit.history.migrate import upgrade
from evalkit.history.queries import RunFilter, RunLine, list_runs


def read_lines(
    url: str, *, suite: str | None = None, branch: str | None = None, limit: int | None = 20
) -> list[RunLine]:
    engine = open_engine(url)
    try:
        upgrade(engine)
        with engine.connect().execution_options(**{READONLY: True}) as conn:
            return list_runs(conn, RunFilter(suite=suite, branch=branch, limit=limit))
    finally:
        engine.dispose()


def format_line(line: RunLine) -> str:
    """`<run id>  2026-12-03 12:07  main*  FAIL  pass 75% [58%, 87%] (36 trials)  $0.2528` (* = dirty)."""
    when = line.started_at.strftime("%Y-%m-%d %H:%M") if line.started_at else "-"
    branch = (line.branch or "-") + ("*" if line.dirty else "")
    verdict = (line.verdict or "-").upper()
    if line.status not in ("complete",):
        verdict += f" ({line.status})"
    rate = line.pass_rate
    shown = (
        f"pass {rate.mean:.0%} [{rate.low:.0%}, {rate.high:.0%}]"
        if rate.mean is not None and rate.low is not None and rate.high is not None
        else "pass -"
    )
    cost = (
        "cost ?" if line.cost_usd is None else f"${line.cost_usd:.4f}" + (" (offline estimate)" if line.offline else "")
    )
    return f"{line.run_id}  {when}  {branch}  {verdict}  {shown} ({line.sessions} trials)  {cost}"
