"""Reading run directories written while a tier was the short model name.

Before the tier became the agent model as named (`evalkit.run.keys`), a run wrote
`"tier": "gpt-4.1"` in trials.jsonl, results.jsonl and run.json and keys such as
`support::refund[gpt-4.1]#0` in events.jsonl, while its transcripts said
`openai:gpt-4.1`. Such a run still loads, reports, compares, serves as a
baseline and resumes: readers map each short tier to its full name when that is
unambiguous, and a resume rewrites the directory once into today's form (so the
rows and events it appends agree with the old ones).

The full names come from the run itself: a trials row of an old run carries its
`agent_model`, whose short form is the row's tier, and run.json's `config.tiers`
names the tiers the command line asked for. A short name is mapped only when
exactly one full name shortens to it and no tier of the run is literally that
short name (a Python agent's tier `gpt-4.1` beside `openai:gpt-4.1` stays as is);
`default` is never mapped.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from evalkit.run.keys import DEFAULT_TIER, parse_key, tier_label
from evalkit.run.run_dir import EVENTS, MANIFEST, RESULTS, TRIALS, RunDir, read_rows, write_atomic

Row = dict[str, Any]


class TierAliases:
    """Short tier -> full tier, for the short names that have exactly one full name in a run."""

    def __init__(self, full_tiers: Iterable[str], literal: Iterable[str] = ()) -> None:
        taken = set(literal)
        by_label: dict[str, set[str]] = defaultdict(set)
        for full in full_tiers:
            if tier_label(full) != full:
                by_label[tier_label(full)].add(full)
        self.map: dict[str, str] = {
            short: next(iter(fulls))
            for short, fulls in by_label.items()
            if len(fulls) == 1 and short not in taken and short != DEFAULT_TIER
        }

    @classmethod
    def of_run(cls, trials: list[Row], manifest: dict[str, Any]) -> TierAliases:
        """The aliases a run's own rows and run.json imply (empty for a run written in today's form)."""
        full: set[str] = set()
        literal: set[str] = set()
        for row in trials:
            tier, model = row.get("tier"), row.get("agent_model")
            if not isinstance(tier, str):
                continue
            if tier == model:
                literal.add(tier)
            elif isinstance(model, str) and tier == tier_label(model):
                full.add(model)
        configured = (manifest.get("config") or {}).get("tiers") or []
        full.update(t for t in configured if isinstance(t, str))
        literal.update(t for t in configured if isinstance(t, str) and tier_label(t) == t)
        return cls(full, literal)

    def tier(self, tier: str) -> str:
        return self.map.get(tier, tier)

    def row(self, row: Row) -> Row:
        tier = row.get("tier")
        return {**row, "tier": self.map[tier]} if isinstance(tier, str) and tier in self.map else row

    def key(self, key: Any) -> Any:
        """A trial or item key with its tier mapped (anything that is not a key is returned as is)."""
        if not isinstance(key, str) or not self.map:
            return key
        try:
            parsed = parse_key(key)
        except ValueError:
            return key
        return str(type(parsed)(parsed.suite, parsed.scenario_id, self.tier(parsed.tier), parsed.trial))

    def manifest(self, manifest: dict[str, Any]) -> dict[str, Any]:
        """run.json with its per-suite tier lists and its gates' tiers mapped."""
        out = dict(manifest)
        if isinstance(out.get("suites"), list):
            out["suites"] = [
                {**s, "tiers": [self.tier(t) for t in s.get("tiers") or []]}
                if isinstance(s, dict) and isinstance(s.get("tiers"), list)
                else s
                for s in out["suites"]
            ]
        if isinstance(out.get("gates"), list):
            out["gates"] = [self.row(g) if isinstance(g, dict) else g for g in out["gates"]]
        return out

    def changes(self, trials: list[Row], results: list[Row], manifest: dict[str, Any]) -> bool:
        """Whether anything of the run is in the old form."""
        if not self.map:
            return False
        return any(self.row(r) is not r for r in (*trials, *results)) or self.manifest(manifest) != manifest


def upgraded(
    trials: list[Row], results: list[Row], manifest: dict[str, Any]
) -> tuple[list[Row], list[Row], dict[str, Any], TierAliases]:
    """Rows and run.json of a run with every short tier mapped (unchanged when it is in today's form)."""
    aliases = TierAliases.of_run(trials, manifest)
    if not aliases.changes(trials, results, manifest):
        return trials, results, manifest, aliases
    return ([aliases.row(r) for r in trials], [aliases.row(r) for r in results], aliases.manifest(manifest), aliases)


def read_trials(run_dir: Path) -> list[Row]:
    """A run's trials.jsonl rows with today's tiers (for baselines, which read no more than that)."""
    return upgraded(read_rows(run_dir / TRIALS), [], _manifest(run_dir))[0]


def upgrade_in_place(run_dir: Path) -> dict[str, str]:
    """Rewrite a run of the old form into today's before a resume appends to it; the caller holds its lock.

    Events first, run.json last (it records the upgrade), each file replaced atomically: an
    upgrade cut off half-way is finished by the next resume, since the aliases come from what
    is left. Returns the aliases applied (empty: nothing was in the old form).
    """
    manifest = _manifest(run_dir)
    trials, results = read_rows(run_dir / TRIALS), read_rows(run_dir / RESULTS)
    new_trials, new_results, new_manifest, aliases = upgraded(trials, results, manifest)
    if new_manifest is manifest:
        return {}
    _rewrite_event_keys(run_dir / EVENTS, aliases)
    rows = RunDir(run_dir)
    rows.rewrite_rows(RESULTS, new_results)
    rows.rewrite_rows(TRIALS, new_trials)
    if manifest:  # a run without a readable run.json gets none made up here
        upgrades = [
            *new_manifest.get("upgraded", []),
            {"at": datetime.now(UTC).isoformat(timespec="seconds"), "tiers": dict(aliases.map)},
        ]
        rows.write_manifest({**new_manifest, "upgraded": upgrades})
    return dict(aliases.map)


def _manifest(run_dir: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((run_dir / MANIFEST).read_text())
    except (OSError, ValueError):
        return {}
    return manifest if isinstance(manifest, dict) else {}


def _rewrite_event_keys(path: Path, aliases: TierAliases) -> None:
    """events.jsonl with each event's key mapped; every other line kept byte for byte (a torn tail too)."""
    if not path.exists():
        return
    out: list[bytes] = []
    with open(path, "rb") as fh:
        for raw in fh:
            out.append(_event_line(raw, aliases))
    write_atomic(path, b"".join(out))


def _event_line(raw: bytes, aliases: TierAliases) -> bytes:
    try:
        event = json.loads(raw)
    except ValueError:
        return raw
    if not isinstance(event, dict) or aliases.key(event.get("key")) == event.get("key"):
        return raw
    event["key"] = aliases.key(event["key"])
    return json.dumps(event, separators=(",", ":"), default=str).encode() + b"\n"


__all__ = ["TierAliases", "read_trials", "upgrade_in_place", "upgraded"]
