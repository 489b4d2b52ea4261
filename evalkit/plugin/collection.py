"""Collecting suite files: YAML under the configured suite paths whose top level has `suite:`.

Nothing else is touched, so projects with unrelated YAML (or no suites at all)
see no change. A broken suite is a collection error listing `file:line` problems,
including a model name whose provider evalkit does not know.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from evalkit.conversation.agents.import_root import add_import_root
from evalkit.conversation.agents.override import override_target
from evalkit.plugin.item_names import scenario_items, suite_tiers, tier_names
from evalkit.plugin.items import GateItem, ScenarioItem
from evalkit.plugin.model_names import model_name_problems
from evalkit.plugin.options import PluginSettings
from evalkit.plugin.session import PREFLIGHT_PROBLEMS, SETTINGS_KEY, get_controller
from evalkit.plugin.spending import run_config
from evalkit.spec import SpecError, SpecWarning, is_suite_file, load_suite


class SuiteFile(pytest.File):
    """One suite: an item per scenario x tier, then one gate item per tier."""

    def collect(self) -> Iterator[pytest.Item]:
        settings: PluginSettings = self.config.stash[SETTINGS_KEY]
        inipath = self.config.inipath
        add_import_root(self.config.rootpath, inipath.parent if inipath else None)  # agent modules import as in tests
        try:
            loaded = load_suite(self.path)
        except SpecError as err:
            raise self.CollectError(f"invalid evalkit suite:\n{err}") from None
        for warning in loaded.warnings:  # e.g. judge samples > 1 at temperature 0: shown in pytest's warnings summary
            self.warn(SpecWarning(str(warning)))
        if settings.agent:  # another target; the suite's agent params stay (#14)
            loaded.suite = loaded.suite.model_copy(
                update={"agent": override_target(loaded.suite.agent_config, settings.agent)}
            )
        unknown = model_name_problems(loaded, run_config(settings))
        if unknown:  # before any session: a misspelt provider would otherwise cost every trial
            self.config.stash.setdefault(PREFLIGHT_PROBLEMS, []).extend(unknown)  # the run then exits 4
            raise self.CollectError("invalid evalkit suite:\n" + "\n".join(unknown))
        tiers = suite_tiers(loaded, settings)
        _register_markers(self.config, [t for s in loaded.scenarios for t in s.tags])
        for name, scenario, model in scenario_items(loaded, tiers):
            item = ScenarioItem.from_parent(self, name=name, loaded=loaded, scenario=scenario, agent_model=model)
            item.add_marker("evalkit")
            for tag in scenario.tags:
                item.add_marker(tag)
            yield item
        shown = tier_names(tiers)
        for model in tiers:
            name = f"[gate][{shown[model]}]" if len(tiers) > 1 else "[gate]"
            gate = GateItem.from_parent(self, name=name, loaded=loaded, agent_model=model)
            gate.add_marker("evalkit")
            yield gate


def _register_markers(config: pytest.Config, tags: list[str]) -> None:
    """Scenario tags become markers; registering them keeps --strict-markers and warnings quiet."""
    known = {line.split(":", 1)[0].split("(", 1)[0].strip() for line in config.getini("markers")}
    for tag in dict.fromkeys(tags):
        if tag not in known:
            config.addinivalue_line("markers", f"{tag}: evalkit scenario tag")


def collect_file(file_path: Path, parent: Any) -> SuiteFile | None:
    """A `SuiteFile` for an evalkit suite (the caller already checked the path); creates the controller."""
    if not is_suite_file(file_path):
        return None
    get_controller(parent.config)
    return SuiteFile.from_parent(parent, path=file_path)
