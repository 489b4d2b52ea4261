"""The names a run gives its work: a tier, and the key of a trial and of its pytest item.

A **tier** is the agent model exactly as the suite (or `--evalkit-agent-models`)
names it, `openai:gpt-4.1`, or `default` when the suite lists none. That one
string is the tier in every artifact: trials.jsonl, results.jsonl, run.json,
transcripts (`meta.agent_tier`), events, data frames, report and compare, so two
providers serving a model of the same name stay two tiers. `tier_label` derives
the short form (`gpt-4.1`) that pytest ids and narrow tables may show; it is a
display name, never a key.

An **item key** names a scenario x tier pytest item, `suite::scenario[tier]`; a
**trial key** adds the trial, `suite::scenario[tier]#0`. `item_key` is the only
writer of that format and `parse_key` its only reader.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

DEFAULT_TIER = "default"
# scenario ids hold no `:` or `[` (spec), so the first `[` opens the tier and the `::` before it ends the suite
_KEY = re.compile(r"^(?P<suite>[^\[]*)::(?P<scenario>[^\[:]*)\[(?P<tier>.*)\](?:#(?P<trial>\d+))?$", re.DOTALL)


def tier_of(agent_model: str | None) -> str:
    """The tier of a session: its agent model as named (the identity everywhere), `default` without one."""
    return agent_model or DEFAULT_TIER


def tier_label(tier: str | None) -> str:
    """The short display name of a tier (or agent model): without its provider, e.g. `gpt-4.1`."""
    return tier.split(":", 1)[-1] if tier else DEFAULT_TIER


@dataclass(frozen=True, slots=True)
class ItemKey:
    """A parsed key: the scenario x tier item, and the trial when it names one."""

    suite: str
    scenario_id: str
    tier: str
    trial: int | None = None

    def __str__(self) -> str:
        base = f"{self.suite}::{self.scenario_id}[{self.tier}]"
        return base if self.trial is None else f"{base}#{self.trial}"

    @property
    def item(self) -> ItemKey:
        """The key of the pytest item this trial belongs to (itself when it names no trial)."""
        return replace(self, trial=None)


def item_key(suite: str, scenario_id: str, tier: str, trial: int | None = None) -> str:
    """`suite::scenario[tier]` (a pytest item), or `...#trial` (one trial of it)."""
    return str(ItemKey(suite, scenario_id, tier, trial))


def parse_key(key: str) -> ItemKey:
    """The parts of an item or trial key; ValueError naming the key when it is not one."""
    match = _KEY.match(key)
    if match is None:
        raise ValueError(
            f"not an evalkit item key: {key!r} (expected suite::scenario[tier] or suite::scenario[tier]#trial)"
        )
    trial = match["trial"]
    return ItemKey(match["suite"], match["scenario"], match["tier"], None if trial is None else int(trial))


def item_of(trial_key: str) -> str:
    """The item key of a trial key."""
    return str(parse_key(trial_key).item)


def row_key(row: dict[str, object]) -> str:
    """The trial key of a trials.jsonl or results.jsonl row (read as a plain dict)."""
    trial = row.get("trial", 0)
    return item_key(
        str(row.get("suite", "")),
        str(row.get("scenario_id", "")),
        str(row.get("tier", "")),
        int(trial) if isinstance(trial, int | str) else 0,
    )


__all__ = ["DEFAULT_TIER", "ItemKey", "item_key", "item_of", "parse_key", "row_key", "tier_label", "tier_of"]
