"""The plugin's run: starts every selected session at once, then answers items one by one.

Sessions run in the run engine's worker thread (its own event loop, so
pytest-asyncio's loop is never touched). Items wait for their own trials, so
pytest reports in its usual order while wall time is that of the concurrent run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from evalkit.plugin.items import GateItem, ScenarioItem
from evalkit.plugin.offline import OfflineEndpoint, with_factory_base_url
from evalkit.plugin.options import PluginSettings
from evalkit.plugin.preload import preload
from evalkit.plugin.replay_guard import ReplayGuard, guards
from evalkit.plugin.reports import warm_up
from evalkit.plugin.spending import estimate, skip_reason
from evalkit.plugin.xdist import WorkerPart
from evalkit.run import ResumeError, RunConfig, RunHandle, plan_run, run_in_thread
from evalkit.run.run_dir import new_run_id
from evalkit.run.tier_compat import read_trials
from evalkit.run.trust_inputs import with_judge_evidence
from evalkit.verdicts import (
    GateResult,
    ResultRow,
    ScenarioVerdict,
    TrialRecord,
    VerdictInputs,
    decide_gate,
    decide_scenario,
)


@dataclass
class ItemOutcome:
    """What an item reports: a skip, or a verdict over its trials."""

    skip_reason: str | None = None
    verdict: ScenarioVerdict | None = None
    trials: list[TrialRecord] = field(default_factory=list)
    criteria: list[ResultRow] = field(default_factory=list)
    not_run: str | None = None  # some trials did not run (budget, interruption)
    error: str | None = None  # one line: the run could not be continued (an xdist worker's resume was refused)


class Controller:
    """Owns the run handles, the offline endpoint and every item's outcome for one pytest session."""

    def __init__(
        self, config: pytest.Config, settings: PluginSettings, run_id: str | None = None, part: WorkerPart | None = None
    ) -> None:
        self.config = config
        self.settings = settings
        self.run_id = run_id or new_run_id()
        self.part = part  # an xdist worker writes its batches as parts of the controller's run directory
        self.selected: list[ScenarioItem] = []
        self.handles: dict[str, RunHandle] = {}  # item key -> handle
        self.outcomes: dict[str, ItemOutcome] = {}
        self.gates: dict[str, GateResult] = {}
        self.offline: OfflineEndpoint | None = None
        self.replay_guard: ReplayGuard | None = None
        self.progress: Any = None
        self.stopped = False
        self.batches: list[RunHandle] = []
        self.refused: str | None = None
        self._inputs: VerdictInputs | None = None
        self.history_baseline: Path | None = None  # --evalkit-baseline last-green:<branch>, once resolved
        self.xdist_gates: list[dict[str, Any]] = []  # on an xdist worker: the gate items it hands the controller

    # ---------------------------------------------------------------- starting
    def guard_replay(self) -> None:
        """A replay without live mode: agents reading their endpoint from the environment are refused (replay_guard)."""
        s = self.settings
        if self.replay_guard is None and guards(s.replay, offline=s.offline, live=s.live):
            self.replay_guard = ReplayGuard(dict(s.base_urls))

    def select(self, items: list[pytest.Item]) -> None:
        self.selected = [i for i in items if isinstance(i, ScenarioItem)]

    def check_budget(self) -> None:
        """Print the live estimate; refuse (exit) when it exceeds --evalkit-max-cost."""
        live = [i for i in self.selected if self._spends(i)]
        if not live:
            return
        est = estimate(live, self.settings)
        self._say(est.text())
        cap = self.settings.max_cost
        if cap is not None and (est.cost_usd is None or est.cost_usd > cap):
            shown = "unknown" if est.cost_usd is None else f"${est.cost_usd:.2f}"
            self.refused = f"evalkit: refusing to start: estimated cost {shown} exceeds --evalkit-max-cost ${cap:.2f}"
            pytest.exit(self.refused, returncode=pytest.ExitCode.USAGE_ERROR)

    def start(self, items: list[ScenarioItem]) -> None:
        """Hand every runnable, not yet started item's trials to the run engine in one batch."""
        todo = [i for i in dict.fromkeys(items) if i.key not in self.handles and self._skip(i) is None]
        if not todo or self.stopped:
            return
        suites = list({id(i.loaded): i.loaded for i in todo}.values())
        if self.settings.offline and self.offline is None:
            self.offline = OfflineEndpoint(suites)
        if self.offline is not None:
            for loaded in suites:
                with_factory_base_url(loaded, self.offline.base_urls)
        preload(suites, self.offline.handler_modules() if self.offline else ())
        self._resolve_history_baseline(suites)
        run_config = self.run_config()
        keys = {i.key for i in todo}
        work = [w for w in plan_run(suites, run_config) if w.item_key in keys]
        handle = run_in_thread(work, run_config, progress=self._on_progress)
        if not self.batches and self.part is None:  # an xdist worker writes no report
            warm_up()  # report.html's imports and templates, while the sessions wait on their models
        self.batches.append(handle)
        for item in todo:
            self.handles[item.key] = handle

    def run_config(self, probe: bool = False) -> RunConfig:
        """The settings' RunConfig (the option table says which field each fills), plus what this session decided;
        `probe`: without the baseline, to learn the run's instrument before a history baseline is chosen."""
        s, part = self.settings, self.part
        pinned = self.replay_guard.pinned if self.replay_guard is not None else {}
        base_urls = {**pinned, **s.base_urls, **(self.offline.base_urls if self.offline is not None else {})}
        return RunConfig.from_options(
            s.run_values(),
            report_dir=part.report_dir(len(self.batches)) if part else s.report_dir,
            run_id=None if s.resume and not part else self.run_id,
            base_urls=base_urls,
            endpoint_ids=self.offline.endpoint_ids if self.offline is not None else {},
            publish_latest=False,  # `latest` moves once report.html is written (plugin/reports.py)
            resume=None if part else s.resume,
            part_of=str(part.run_dir) if part else None,
            offline=self.offline is not None,
            baseline=None if probe else baseline_dir(s, self.history_baseline),
        )

    def _resolve_history_baseline(self, suites: list[Any]) -> None:
        """`last-green:<branch>`: the newest passing run measured like this one, or exit with the reason."""
        from evalkit.history.baseline import BaselineError, is_history_ref, last_green, planned_instrument
        from evalkit.history.target import project_history_url

        ref = str(self.settings.baseline or "")
        if self.history_baseline is not None or not is_history_ref(ref):
            return
        probe = self.run_config(probe=True)
        try:
            url = project_history_url(Path(self.config.rootpath), self.settings.report_dir)  # checked at start-up
            self.history_baseline = last_green(url, ref, planned_instrument(plan_run(suites, probe), probe))
        except BaselineError as err:
            self.refused = f"evalkit: --evalkit-baseline {err}"
            pytest.exit(self.refused, returncode=pytest.ExitCode.USAGE_ERROR)

    def stop(self) -> None:
        """Stop scheduling (under -x after the first failure): cancel every batch still running."""
        self.stopped = True
        for handle in self.batches:
            handle.cancel()

    # ---------------------------------------------------------------- answering items
    def scenario_result(self, item: ScenarioItem) -> ItemOutcome:
        if item.key in self.outcomes:
            return self.outcomes[item.key]
        reason = self._skip(item)
        if reason is None and item.key not in self.handles and self.refused is None:
            try:
                self.start(self._lookahead(item))
            except ResumeError as err:  # a worker continuing a run whose suite changed: said once per item, in one line
                self.refused = f"evalkit: {err}"
        handle = self.handles.get(item.key)
        if reason is None and handle is None and self.refused is not None:
            outcome = ItemOutcome(error=self.refused)
        elif reason is not None or handle is None:
            outcome = ItemOutcome(skip_reason=reason or "evalkit: the run was stopped before this scenario started")
        else:
            outcome = self._decide(item, handle)
        self.outcomes[item.key] = outcome
        return outcome

    def _decide(self, item: ScenarioItem, handle: RunHandle) -> ItemOutcome:
        results = handle.wait_for_item(item.key)
        done = [r for r in results if r.status == "done" and r.trial]
        not_run = next((r.reason for r in results if r.status == "not_run"), None)
        trials = [TrialRecord.model_validate(r.trial) for r in done]
        criteria = [ResultRow.model_validate(row) for r in done for row in r.results]
        if not trials:
            return ItemOutcome(
                skip_reason=f"evalkit: no trial of this scenario ran ({not_run or 'not run'})", not_run=not_run
            )
        verdict = decide_scenario(
            trials, criteria, self.verdict_inputs().gate_for(item.suite_name), self.final_run_dir(handle)
        )
        return ItemOutcome(verdict=verdict, trials=trials, criteria=criteria, not_run=not_run)

    def gate_result(self, gate: GateItem) -> GateResult | None:
        members = [i for i in self.selected if i.loaded is gate.loaded and i.tier == gate.tier]
        trials: list[TrialRecord] = []
        criteria: list[ResultRow] = []
        for member in members:
            trials += self.scenario_result(member).trials
            criteria += self.scenario_result(member).criteria
        if not trials:
            return None
        inputs = self.verdict_inputs()
        result = decide_gate(
            trials,
            inputs.gate_for(gate.suite_name),
            baseline=inputs.baseline_for(gate.suite_name, gate.tier),
            expected=inputs.expected.get(gate.suite_name),
            evidence=inputs.evidence_for(criteria),
        )
        self.gates[gate.nodeid] = result
        return result

    def verdict_inputs(self) -> VerdictInputs:
        """Gate configs, baseline and expected scenarios of the selected suites: what decides besides the rows."""
        if self._inputs is None:
            suites = {i.suite_name: i.loaded for i in self.selected}
            self._inputs = VerdictInputs(
                gates={name: loaded.suite.gate for name, loaded in suites.items()},
                expected={name: [s.id for s in loaded.scenarios] for name, loaded in suites.items()},
                baseline=baseline_trials(self.settings, self.history_baseline, self.final_run_dir()),
            )
        inputs = self._inputs.model_copy(update={"run_dir": self.final_run_dir()})
        return with_judge_evidence(inputs, self.all_trials())  # calibration records, this run's labels

    # ---------------------------------------------------------------- helpers
    def final_run_dir(self, handle: RunHandle | None = None) -> Path | None:
        if self.part is not None:
            return self.part.run_dir
        handle = handle or (self.batches[0] if self.batches else None)
        return handle.run_dir if handle else None

    def _skip(self, item: ScenarioItem) -> str | None:
        return skip_reason(item.loaded, item.scenario, item.agent_model, self.settings)

    def _spends(self, item: ScenarioItem) -> bool:
        from evalkit.plugin.spending import is_free

        return (
            self.settings.spends
            and self.settings.replay is None
            and not is_free(item.loaded, item.scenario, item.agent_model, self.settings)
        )

    def _lookahead(self, item: ScenarioItem) -> list[ScenarioItem]:
        """Items this process will run: under xdist, what the worker's queue already holds."""
        from evalkit.plugin.xdist import is_worker, queued_items

        if not is_worker(self.config):
            return [item, *self.selected]
        return [item] + [i for i in queued_items(self.config, item.session) if isinstance(i, ScenarioItem)]

    def _on_progress(self, snapshot: Any) -> None:
        if self.progress is not None:
            self.progress.update(snapshot)

    def _say(self, text: str) -> None:
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(text)

    def wait_all(self) -> None:
        for handle in self.batches:
            try:
                handle.wait()
            except BaseException:  # noqa: BLE001 - a failed batch already failed its items
                pass

    def close(self) -> None:
        """Let batches whose items were all answered end on their own; cancel the rest; take the fake endpoint down."""
        for handle in self.batches:
            keys = [k for k, h in self.handles.items() if h is handle]
            if self.stopped or not all(k in self.outcomes for k in keys):
                handle.cancel()
        self.wait_all()
        if self.offline is not None:
            self.offline.close()
            self.offline = None
        if self.replay_guard is not None:
            self.replay_guard.close()
            self.replay_guard = None

    def all_trials(self) -> list[TrialRecord]:
        return [t for o in self.outcomes.values() for t in o.trials]

    def all_criteria(self) -> list[ResultRow]:
        return [c for o in self.outcomes.values() for c in o.criteria]


def baseline_dir(settings: PluginSettings, resolved: Path | None = None, run_dir: Path | None = None) -> Path | None:
    """The baseline run's directory, resolved (None without --evalkit-baseline). A history baseline
    (`last-green:main`) is the one the run chose when it started (`resolved`), or the one its run.json
    recorded (`run_dir`: the xdist controller, whose workers chose it)."""
    if settings.baseline is None:
        return None
    from evalkit.history.baseline import chosen_baseline, is_history_ref

    if is_history_ref(str(settings.baseline)):
        chosen = resolved or chosen_baseline(run_dir)
        if chosen is None:
            raise pytest.UsageError(
                f"evalkit: --evalkit-baseline {settings.baseline}: no baseline was chosen by this run"
            )
        return chosen
    from evalkit.run.run_dir import resolve_run_dir

    return resolve_run_dir(str(settings.baseline), settings.report_dir).resolve()


def baseline_trials(
    settings: PluginSettings, resolved: Path | None = None, current: Path | None = None
) -> list[TrialRecord] | None:
    """The baseline run's trials (None without --evalkit-baseline)."""
    run_dir = baseline_dir(settings, resolved, current)
    if run_dir is None:
        return None
    path = run_dir / "trials.jsonl"
    if not path.exists():
        raise pytest.UsageError(f"--evalkit-baseline: no trials.jsonl at {path}")
    return [TrialRecord.model_validate(r) for r in read_trials(run_dir)]  # an old run's short tiers mapped
