"""The calibration record: agreement per criterion, keyed by the exact instrument it describes.

A record is only about one instrument: the rubric's fingerprint, the judge
models and parameters, the prompt template and the evalkit version. Change any
of those and the numbers describe a different judge (`judge_trust.py` calls it stale).
It lives in the verdicts layer because the judge_trust gate reads it; `evalkit
calibrate` (above the run layer) writes it.
The JSON is written with sorted keys and no wall-clock time besides the date,
so the same labels, judge and seed write the same bytes and it can be committed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from evalkit.judging.verdict import Evidence
from evalkit.stats.agreement import BinaryAgreement, ScaleAgreement
from evalkit.stats.cluster_bootstrap import ClusterInterval
from evalkit.stats.variance_share import VarianceShare
from evalkit.verdicts.probe_record import ProbeResults

RECORD_DIR = "calibration"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CalibrationKey(_Frozen):
    """What the numbers are about: change any field and the record no longer describes the judge in use."""

    rubric: str  # id@version
    rubric_fingerprint: str
    judge_models: list[str]
    template_hash: str | None
    judge_params: dict[str, Any]
    evalkit_version: str
    label_set_hash: str
    date: str  # YYYY-MM-DD (UTC) the record was made: the only time in it


class InvalidGap(_Frozen):
    """Does the judge go invalid more often on what people fail? P(invalid | fail) - P(invalid | pass)."""

    p_invalid_human_fail: float | None
    p_invalid_human_pass: float | None
    gap: float | None
    n_human_fail: int
    n_human_pass: int


class Disagreement(_Frozen):
    """A holdout item where judge and human differ on pass: both sides, so the report can set them side by side."""

    transcript: str  # the label's transcript path (relative to its labels file)
    transcript_hash: str
    cluster: str
    labeller: str
    human_score: float  # on the criterion's own scale
    human_pass: bool
    human_note: str = ""
    judge_score: float | None = None  # raw, the mean over the judge's samples
    judge_reasoning: str = ""
    judge_evidence: list[Evidence] = Field(default_factory=list)


class CriterionCalibration(_Frozen):
    """Judge against human on one criterion's holdout items (a scale is also cut at its threshold)."""

    criterion_id: str
    scale: Literal["binary", "scale"]
    threshold: float | None  # the normalised pass mark a scale was cut at (None: binary)
    n_items: int  # holdout label lines with a human score and a valid judge score
    n_clusters: int
    binary: BinaryAgreement
    intervals: dict[str, ClusterInterval] = Field(default_factory=dict)  # statistic -> clustered interval
    scale_stats: ScaleAgreement | None = None
    invalid: InvalidGap
    human_human: BinaryAgreement | None = None  # first two labellers of each doubly labelled transcript
    cited_match: float | None = None  # share of items with human citations where the judge cites one of those turns
    n_cited: int = 0  # items with human citations and a valid judge reading
    judge_noise: VarianceShare | None = None  # from the production reading plus the K re-readings
    disagreements: list[Disagreement] = Field(default_factory=list)  # holdout items, label order


class CalibrationRecord(_Frozen):
    """Everything `evalkit calibrate` measured for one rubric version and one judge."""

    key: CalibrationKey
    judge_slug: str
    seed: int
    rejudge: int
    n_labels: int  # label lines for this rubric version (any split)
    n_holdout: int  # labelled holdout lines used
    n_transcripts: int
    n_clusters: int
    criteria: list[CriterionCalibration]
    verdict: BinaryAgreement | None = None  # overall verdict, where labels carry one
    verdict_human_human: BinaryAgreement | None = None
    notes: list[str] = Field(default_factory=list)
    probes: ProbeResults | None = None  # `evalkit calibrate --probes` (evalkit.verdicts.probe_record)

    def to_json(self) -> str:
        return json.dumps(self.model_dump(mode="json"), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def judge_slug(models: list[str]) -> str:
    """A file name for a judge (a panel joins its models with '+'): 'openai:gpt-4.1' -> 'openai_gpt-4.1'."""
    joined = "+".join(models) or "no-judge"
    return re.sub(r"[^A-Za-z0-9_.+-]", "_", joined)


def record_path(project: Path, rubric_ref: str, models: list[str]) -> Path:
    return project / RECORD_DIR / rubric_ref / f"{judge_slug(models)}.json"


def write_record(path: Path, record: CalibrationRecord) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(record.to_json(), encoding="utf-8")


def read_record(path: Path) -> CalibrationRecord:
    """Raises ValueError with the file name when the record is unreadable."""
    try:
        return CalibrationRecord.model_validate_json(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: not a calibration record ({str(exc).splitlines()[0]})") from None
