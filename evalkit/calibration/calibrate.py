"""One calibration: labels + the production judge -> a `CalibrationRecord`."""

from __future__ import annotations

import asyncio
import datetime as dt
import importlib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from evalkit.calibration.compute import calibrate_criterion, rows_for, verdict_agreement
from evalkit.calibration.items import LabelSet, load_label_set, scenario_index
from evalkit.calibration.readings import read_all, setup_for
from evalkit.calibration.record import CalibrationKey, CalibrationRecord, judge_slug
from evalkit.judging.provenance import evalkit_version
from evalkit.judging.verdict import RubricVerdict
from evalkit.run.config import RunConfig
from evalkit.spec.project import suite_dirs, yaml_files
from evalkit.spec.rubrics import ResolvedRubric
from evalkit.spec.suites import is_suite_file, load_suite


class CalibrateConfig(BaseModel):
    """What `evalkit calibrate` was asked to do."""

    model_config = ConfigDict(frozen=True)

    labels: Path
    rubric: str
    project: Path
    judge_model: str | None = None
    rejudge: int = 0
    offline: bool = False
    replay: Path | None = None
    seed: int = 0
    probes: bool = False
    cache_dir: Path | None = None


class CalibrationError(Exception):
    """Calibration cannot start; the message is one line per problem."""


def project_suites(project: Path) -> list[Any]:
    """Every suite of the project that loads (a broken suite is `evalkit validate`'s to report)."""
    loaded = []
    for path in yaml_files(suite_dirs(project)):
        if not is_suite_file(path):
            continue
        try:
            loaded.append(load_suite(path, root=project))
        except Exception:  # noqa: BLE001 - not this command's problem; its scenarios fall back to the bare rubric
            continue
    return loaded


def run_calibration(config: CalibrateConfig, resolved: ResolvedRubric) -> CalibrationRecord:
    labels = load_label_set(config.labels, config.rubric)
    if labels.problems:
        raise CalibrationError("\n".join(str(p) for p in sorted(set(labels.problems))))
    if not labels.holdout:
        raise CalibrationError(
            f"{config.labels}: no labelled holdout items for {config.rubric} "
            "(expected label lines with split: holdout and criterion scores)"
        )
    suites = project_suites(config.project)
    endpoint = None
    base_urls: dict[str, str] = {}
    if config.offline:
        from evalkit.plugin.offline import OfflineEndpoint

        endpoint = OfflineEndpoint(suites)
        base_urls = endpoint.base_urls
        for module in endpoint.handler_modules():
            importlib.import_module(module)  # here, not in the server's threads
    run_config = RunConfig(
        base_urls=base_urls,
        endpoint_ids=endpoint.endpoint_ids if endpoint is not None else {},  # the rules, not the port, key the cache
        offline=config.offline,
        replay_path=config.replay,
        cache_dir=config.cache_dir or config.project / ".evalkit" / "cache",
    )
    try:
        return _calibrate(config, resolved, labels, suites, run_config)
    finally:
        if endpoint is not None:
            endpoint.close()


def _calibrate(
    config: CalibrateConfig, resolved: ResolvedRubric, labels: LabelSet, suites: list[Any], run_config: RunConfig
) -> CalibrationRecord:
    scenarios = scenario_index(suites, config.rubric)
    transcripts = [i for key, i in labels.transcripts().items() if any(h.key == key for h in labels.holdout)]
    setups = [setup_for(i, scenarios, resolved, config.judge_model) for i in transcripts]
    readings = asyncio.run(read_all(transcripts, setups, run_config, config.rejudge))
    by_key = {i.key: r for i, r in zip(transcripts, readings, strict=True)}
    rubric = resolved.rubric
    holdout = labels.holdout
    criteria = [
        calibrate_criterion(c, rubric, rows, by_key, config.seed)
        for c in rubric.criteria
        if (rows := rows_for(c, rubric, holdout, by_key))
    ]
    verdict, verdict_hh = verdict_agreement(holdout, by_key)
    key = _key(config, labels, [r.first for r in readings])
    notes = [
        f"{i.where}: judged without its suite (scenario '{i.label.cluster}' not found in the project's suites)"
        for i in transcripts
        if i.label.cluster not in scenarios
    ]
    probes = None
    if config.probes:
        from evalkit.calibration.probes import ProbeInputs, run_probes

        inputs = ProbeInputs(
            rubric=rubric,
            holdout=holdout,
            setups={i.key: s for i, s in zip(transcripts, setups, strict=True)},
            readings={k: r.first for k, r in by_key.items()},
            judge_models=key.judge_models,
        )
        probes = asyncio.run(run_probes(inputs, run_config))
    return CalibrationRecord(
        key=key,
        judge_slug=judge_slug(key.judge_models),
        seed=config.seed,
        rejudge=config.rejudge,
        n_labels=labels.n_lines,
        n_holdout=len(holdout),
        n_transcripts=len(transcripts),
        n_clusters=len({i.label.cluster for i in holdout}),
        criteria=criteria,
        verdict=verdict,
        verdict_human_human=verdict_hh,
        notes=notes,
        probes=probes,
    )


def _key(config: CalibrateConfig, labels: LabelSet, verdicts: list[RubricVerdict]) -> CalibrationKey:
    """The instrument, from the verdicts' provenance (what actually judged, not what was asked for)."""
    provenance = verdicts[0].provenance
    templates = sorted({v.provenance.template_hash for v in verdicts if v.provenance.template_hash})
    return CalibrationKey(
        rubric=config.rubric,
        rubric_fingerprint=provenance.rubric_fingerprint,
        judge_models=list(provenance.judge_models),
        template_hash=templates[0] if templates else None,
        judge_params=dict(provenance.judge_params),
        evalkit_version=evalkit_version(),
        label_set_hash=labels.digest,
        date=dt.datetime.now(dt.UTC).date().isoformat(),
    )
