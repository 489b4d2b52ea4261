"""The names a suite's items get: what pytest ids, `-k` and `--lf` see, decided before anything is collected."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from evalkit.plugin.options import PluginSettings
from evalkit.run.keys import tier_label


def suite_tiers(loaded: Any, settings: PluginSettings) -> list[str | None]:
    """The tiers a suite's items are made for: the run's `agent_models`, else the suite's, else the agent's own."""
    return list(settings.agent_models or loaded.suite.agent_models) or [None]


def scenario_items(loaded: Any, tiers: list[str | None]) -> Iterator[tuple[str, Any, str | None]]:
    """(item name, scenario, tier) of every scenario item, in collection order: `id[tier]`, or `id` with no tier."""
    show_tier = len(tiers) > 1 or tiers[0] is not None
    shown = tier_names(tiers)
    for scenario in loaded.scenarios:
        for model in tiers:
            yield (f"{scenario.id}[{shown[model]}]" if show_tier else scenario.id), scenario, model


def tier_names(tiers: list[str | None]) -> dict[str | None, str]:
    """How item ids show each tier: the short label (`gpt-4.1`), or the full tier when two tiers share a
    label (`openai:gpt-4.1`, `azure:gpt-4.1`), since one id for two items breaks --lf and selection by id."""
    labels = [tier_label(t) for t in tiers]
    return {t: label if labels.count(label) == 1 else (t or label) for t, label in zip(tiers, labels, strict=True)}
