"""run.json: what ran, with what, from which files, and how it ended."""

from __future__ import annotations

import json
import platform
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from evalkit._version import __version__
from evalkit.llm.source import ModelSource
from evalkit.run.calls import session_calls
from evalkit.run.config import RunConfig
from evalkit.run.plan import WorkItem
from evalkit.run.run_dir import MANIFEST, write_atomic
from evalkit.spec.rubrics import ResolvedRubric
from evalkit.spec.suites import LoadedSuite

_SECRET_KEY = re.compile(r"(api[_-]?key|token|secret|password|authorization|auth|cookie)", re.I)


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def scrub(value: Any, key: str = "") -> Any:
    """Drop secrets from a config tree: secret-looking keys, URL credentials and URL query strings."""
    if isinstance(value, dict):
        return {k: scrub(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v, key) for v in value]
    if isinstance(value, str) and value and key and _SECRET_KEY.search(key):
        return "***"
    if isinstance(value, str) and "://" in value:
        parts = urlsplit(value)
        host = parts.hostname or ""
        netloc = host + (f":{parts.port}" if parts.port else "")
        return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
    return value


def git_commit(start: Path) -> str | None:
    """Commit of the project under test, when it is a git checkout with git installed."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=start, capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def suite_rubrics(loaded: LoadedSuite) -> dict[str, ResolvedRubric]:
    """Every rubric a loaded suite uses, by ref (its pinned table when it has one: O(1) per suite)."""
    table = getattr(loaded, "rubrics", None)
    if isinstance(table, dict):
        return dict(table)
    return {r.ref: r for scenario in loaded.scenarios for r in loaded.rubrics_for(scenario)}


def _rubrics(loaded: LoadedSuite) -> dict[str, str]:
    return {ref: r.fingerprint for ref, r in suite_rubrics(loaded).items()}


def _models(items: list[WorkItem], config: RunConfig) -> dict[str, list[str]]:
    """The run's models by role: the agent tiers, and the simulator and judges `evalkit.run.calls` plans
    (claims-check judges and per-rubric judges included). One session per scenario x tier is enough:
    trials of one scenario call the same models.
    """
    seen: set[tuple[int, str, str]] = set()
    models: dict[str, set[str]] = {
        "agent": {i.agent_model for i in items if i.agent_model},
        "simulator": set(),
        "judge": set(),
    }
    for item in items:
        key = (id(item.suite), item.scenario_id, item.tier)
        if key in seen:
            continue
        seen.add(key)
        for role, names in session_calls(item, config).models().items():
            models.setdefault(role, set()).update(n for n in names if ":" in n)
    return {role: sorted(names) for role, names in models.items()}


def suite_entries(items: list[WorkItem], suites: list[LoadedSuite]) -> list[dict[str, Any]]:
    entries = []
    for s in suites:
        mine = [i for i in items if i.suite is s]
        entries.append(
            {
                "path": str(s.path),
                "name": s.suite.suite,
                "file_hash": s.file_hash,
                "rubric_files_hash": getattr(s, "rubric_files_hash", None),
                "scenarios": sorted({i.scenario_id for i in mine}),
                "tiers": sorted({i.tier for i in mine}),
                "trials": len(mine),
            }
        )
    return entries


def _config(config: RunConfig) -> dict[str, Any]:
    """The resolved config, secrets removed; an offline run's fake-server address says nothing worth keeping."""
    exclude = {"base_urls"} if config.offline else set()
    return scrub(config.model_dump(mode="json", exclude=exclude))


def build_manifest(run_id: str, items: list[WorkItem], config: RunConfig) -> dict[str, Any]:
    """The manifest written when a run starts (status running); totals are filled in at the end."""
    suites = list({id(i.suite): i.suite for i in items}.values())
    rubrics: dict[str, str] = {}
    for s in suites:
        rubrics.update(_rubrics(s))
    root = Path(suites[0].path).resolve().parent if suites else Path.cwd()
    return {
        "run_id": run_id,
        "evalkit_version": __version__,
        "python": platform.python_version(),
        "platform": f"{platform.system()} {platform.machine()}",
        "argv": sys.argv[:1],
        "git_commit": git_commit(root),
        "started_at": utc_now(),
        "ended_at": None,
        "status": "running",
        "status_reason": None,
        "resumed_at": [],
        "config": _config(config),
        "suites": suite_entries(items, suites),
        "models": _models(items, config),
        "rubrics": [{"ref": ref, "fingerprint": fp} for ref, fp in sorted(rubrics.items())],
        "planned_sessions": len(items),
        "totals": {},
    }


def totals(trials: list[dict[str, Any]]) -> dict[str, Any]:
    """Run totals from trials.jsonl rows (so a resumed run's totals include the earlier part)."""
    outcomes: dict[str, int] = {}
    tokens: dict[str, dict[str, int]] = {}
    cost: dict[str, float | None] = {}
    for row in trials:
        outcomes[row["outcome"]] = outcomes.get(row["outcome"], 0) + 1
        for role, t in (row.get("tokens") or {}).items():
            acc = tokens.setdefault(role, {"input": 0, "output": 0})
            acc["input"] += t.get("input", 0)
            acc["output"] += t.get("output", 0)
        for role, c in (row.get("cost_usd") or {}).items():
            prev = cost.get(role, 0.0)
            cost[role] = None if prev is None or c is None else round(prev + c, 8)
    return {"sessions": len(trials), "trials": outcomes, "tokens": tokens, "cost_usd": cost}


def record_endpoints(manifest: dict[str, Any], hub: ModelSource) -> None:
    """Store each model endpoint's limits at the end of a run (`endpoints: [...]`, addresses scrubbed)."""
    snapshot = getattr(hub, "limits_snapshot", None)
    if snapshot is not None:
        manifest["endpoints"] = scrub(snapshot(), "endpoints")


GATE_KEYS = ("suite", "tier", "name", "decision", "detail")


def record_gates(run_dir: Path, gates: list[dict[str, Any]]) -> bool:
    """Store decided gates in run.json (`gates: [{suite, tier, name, decision, detail}]`).

    The run directory's files are the engine's to write: whoever decides gates (the
    pytest plugin) hands them here, so the report shows the very decisions made.
    Returns False when there is no readable run.json to add them to.
    """
    path = Path(run_dir) / MANIFEST
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError):
        return False
    manifest["gates"] = [{k: g.get(k, "") for k in GATE_KEYS} for g in gates]
    write_atomic(path, json.dumps(manifest, indent=2, default=str).encode())
    return True
