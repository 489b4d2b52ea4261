"""Merging the run directories written by xdist workers into the one run directory users see."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from evalkit.run.manifest import totals, utc_now
from evalkit.run.run_dir import EVENTS, MANIFEST, RESULTS, TRANSCRIPTS, TRIALS, read_rows, update_latest

_STATUS_RANK = {"complete": 0, "budget_stopped": 1, "interrupted": 2, "failed": 3, "running": 4}


def _trial_key(row: dict[str, Any]) -> tuple[Any, ...]:
    return (row.get("suite"), row.get("scenario_id"), row.get("tier"), row.get("trial"))


def merge_run_dirs(parts: list[Path], target: Path) -> Path | None:
    """Combine run directories (same run id) into `target`; the first copy of a trial wins.

    Returns the merged directory, or None when there was nothing to merge.
    """
    parts = [p for p in parts if (p / MANIFEST).exists()]
    if not parts:
        return None
    (target / TRANSCRIPTS).mkdir(parents=True, exist_ok=True)
    seen: set[tuple[Any, ...]] = set()
    trials: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    manifests = [json.loads((p / MANIFEST).read_text()) for p in parts]
    for part in parts:
        fresh = [r for r in read_rows(part / TRIALS) if _trial_key(r) not in seen]
        keys = {_trial_key(r) for r in fresh}
        seen |= keys
        trials += fresh
        results += [r for r in read_rows(part / RESULTS) if _trial_key(r) in keys]
        events += read_rows(part / EVENTS)
        for transcript in (part / TRANSCRIPTS).glob("*.json"):
            os.replace(transcript, target / TRANSCRIPTS / transcript.name)
    _write_rows(target / TRIALS, trials)
    _write_rows(target / RESULTS, results)
    _write_rows(target / EVENTS, sorted(events, key=lambda e: float(e.get("ts") or 0)))
    manifest = _merged_manifest(manifests, trials)
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2, default=str))
    update_latest(target.parent, target)
    return target


def _merged_manifest(manifests: list[dict[str, Any]], trials: list[dict[str, Any]]) -> dict[str, Any]:
    merged = dict(manifests[0])
    suites: dict[str, dict[str, Any]] = {}
    for m in manifests:
        for s in m.get("suites", []):
            entry = suites.setdefault(str(s.get("path")), dict(s))
            if entry is not s and entry.get("trials") is not None:
                entry["scenarios"] = sorted(set(entry.get("scenarios", [])) | set(s.get("scenarios", [])))
                entry["tiers"] = sorted(set(entry.get("tiers", [])) | set(s.get("tiers", [])))
        for role, models in (m.get("models") or {}).items():
            known = merged.setdefault("models", {}).setdefault(role, [])
            known += [x for x in models if x not in known]
    merged["suites"] = list(suites.values())
    merged["started_at"] = min(str(m.get("started_at") or "") for m in manifests) or merged.get("started_at")
    merged["ended_at"] = utc_now()
    merged["status"] = max((m.get("status") or "running" for m in manifests), key=lambda s: _STATUS_RANK.get(s, 5))
    merged["planned_sessions"] = sum(int(m.get("planned_sessions") or 0) for m in manifests)
    merged["totals"] = totals(trials)
    merged["workers"] = len(manifests)
    return merged


def _write_rows(path: Path, rows: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(r, separators=(",", ":"), default=str) + "\n" for r in rows))


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
