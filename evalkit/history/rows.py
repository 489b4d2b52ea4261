"""A run directory as history rows: one `runs` row, its suites, trials, criterion scores and decided gates.

Everything is read through `evalkit.run.load_run`, so history holds what the run directory holds
(an inconsistent run is recorded as `inconsistent`, as every report calls it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from evalkit.history.capture import RunPlace
from evalkit.run import LoadedRun
from evalkit.stats import MeanEstimate, pass_rate_estimate

REPORT = "report.html"


@dataclass
class RunRows:
    """The rows of one run, ready to insert."""

    run: dict[str, Any]
    suites: list[dict[str, Any]] = field(default_factory=list)
    trials: list[dict[str, Any]] = field(default_factory=list)
    criteria: list[dict[str, Any]] = field(default_factory=list)
    gates: list[dict[str, Any]] = field(default_factory=list)


def instrument_of(rubrics: Iterable[dict[str, Any]], judges: Iterable[str], simulators: Iterable[str]) -> str:
    """What measured a run: rubric fingerprints, judge and simulator models. Runs compare as baselines only
    when this is equal (migration 0002 keeps a frozen copy of this formula for its backfill)."""
    refs = sorted(f"{r.get('ref')}#{r.get('fingerprint')}" for r in rubrics)
    return f"rubrics={','.join(refs)};judge={','.join(sorted(judges))};simulator={','.join(sorted(simulators))}"


def run_pass_rate(outcomes: Iterable[tuple[str, str, str, str, int]]) -> MeanEstimate:
    """The suite-style pass rate of (suite, scenario, tier, outcome, count) rows: per scenario x tier first,
    then the mean over them, interval clustered by scenario (`evalkit.stats.pass_rate_estimate`); invalid and
    error trials are left out, as every gate leaves them out."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for suite, scenario, tier, outcome, n in outcomes:
        if outcome in ("pass", "fail"):
            cell = counts[f"{suite}\x1f{scenario}\x1f{tier}"]
            cell[0] += n if outcome == "pass" else 0
            cell[1] += n
    return pass_rate_estimate({k: (c, n) for k, (c, n) in counts.items()})


def when(value: Any) -> datetime | None:
    """An ISO time from run.json as an aware UTC datetime (a naive one is taken as UTC)."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def run_rows(loaded: LoadedRun, place: RunPlace, verdict: str | None) -> RunRows:
    """The rows of `loaded`; `place` is where it ran (empty for a backfill), `verdict` the decided outcome."""
    m = loaded.manifest
    run_id = loaded.run_id
    trials = _last_per_key([_trial(run_id, t) for t in loaded.trials], ("suite", "scenario_id", "tier", "trial"))
    suites = sorted({str(s.get("name")) for s in m.get("suites") or [] if s.get("name")} | {t["suite"] for t in trials})
    rubrics = [{"ref": r.get("ref"), "fingerprint": r.get("fingerprint")} for r in m.get("rubrics") or []]
    models = m.get("models") or {}
    estimate = run_pass_rate((t["suite"], t["scenario_id"], t["tier"], t["outcome"], 1) for t in trials)
    report = loaded.path / REPORT
    run = {
        "run_id": run_id,
        "started_at": when(m.get("started_at")),
        "ended_at": when(m.get("ended_at")),
        "recorded_at": datetime.now(UTC),
        "status": str(m.get("status") or "unknown"),
        "status_reason": m.get("status_reason"),
        "suites": suites,
        "tiers": sorted({t["tier"] for t in trials} | {x for s in m.get("suites") or [] for x in s.get("tiers") or []}),
        "rubrics": rubrics,
        "judge_models": list(models.get("judge") or []),
        "simulator_models": list(models.get("simulator") or []),
        "agent_models": list(models.get("agent") or []),
        "instrument": instrument_of(rubrics, models.get("judge") or [], models.get("simulator") or []),
        "evalkit_version": m.get("evalkit_version"),
        "git_commit": m.get("git_commit") or place.commit,
        "branch": m.get("git_branch") or place.branch,
        "dirty": m.get("git_dirty") if m.get("git_dirty") is not None else place.dirty,
        "ci_provider": place.ci_provider,
        "ci_job_url": place.ci_job_url,
        "offline": bool((m.get("config") or {}).get("offline")),
        "sessions": len(trials),
        "cost_usd": ((m.get("totals") or {}).get("cost_usd") or {}).get("total") if trials else 0.0,
        "verdict": verdict,
        "pass_rate": estimate.mean,
        "run_dir": str(loaded.path),
        "report_path": str(report) if report.exists() else None,
    }
    return RunRows(
        run=run,
        suites=[{"run_id": run_id, "suite": s} for s in suites],
        trials=trials,
        criteria=_last_per_key(
            [_criterion(run_id, r) for r in loaded.results],
            ("suite", "scenario_id", "tier", "trial", "rubric_ref", "criterion_id"),
        ),
        gates=[_gate(run_id, g) for g in m.get("gates") or [] if isinstance(g, dict)],
    )


def _last_per_key(rows: list[dict[str, Any]], key: tuple[str, ...]) -> list[dict[str, Any]]:
    """One row per key, the last written (a doubled row makes the run `inconsistent`; its status says so)."""
    return list({tuple(r[k] for k in key): r for r in rows}.values())


def _trial(run_id: str, t: dict[str, Any]) -> dict[str, Any]:
    cost = t.get("cost_usd") or {}
    return {
        "run_id": run_id,
        "suite": str(t.get("suite") or ""),
        "scenario_id": str(t["scenario_id"]),
        "tier": str(t.get("tier") or "default"),
        "trial": int(t.get("trial") or 0),
        "outcome": str(t["outcome"]),
        "score": t.get("score"),
        "termination": t.get("termination"),
        "invalid_reason": t.get("invalid_reason"),
        "cost_usd": cost.get("total") if isinstance(cost, dict) else None,
        "turns": t.get("turns"),
        "latency_s": t.get("latency_s"),
        "agent_model": t.get("agent_model"),
        "transcript_path": t.get("transcript_path"),
        "transcript_hash": t.get("transcript_hash"),
    }


def _criterion(run_id: str, r: dict[str, Any]) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "suite": str(r.get("suite") or ""),
        "scenario_id": str(r["scenario_id"]),
        "tier": str(r.get("tier") or "default"),
        "trial": int(r.get("trial") or 0),
        "rubric_ref": str(r.get("rubric_ref") or "checks"),
        "rubric_fingerprint": r.get("rubric_fingerprint"),
        "criterion_id": str(r["criterion_id"]),
        "kind": r.get("kind"),
        "outcome": str(r["outcome"]),
        "score": r.get("score"),
        "weight": r.get("weight"),
        "must_pass": r.get("must_pass"),
        "judge_models": list(r.get("judge_models") or []),
    }


def _gate(run_id: str, g: dict[str, Any]) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "suite": str(g.get("suite") or ""),
        "tier": str(g.get("tier") or ""),
        "name": str(g.get("name") or ""),
        "decision": str(g.get("decision") or ""),
        "detail": g.get("detail"),
    }
