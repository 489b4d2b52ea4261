"""The calibration record, re-exported: the model lives in `evalkit.verdicts.trust_record`.

The judge_trust gate (verdicts layer) reads records, and verdicts must not import
calibration (which imports run), so the model sits below both.
"""

from evalkit.verdicts.trust_record import (
    RECORD_DIR,
    CalibrationKey,
    CalibrationRecord,
    CriterionCalibration,
    InvalidGap,
    judge_slug,
    read_record,
    record_path,
    write_record,
)

__all__ = [
    "RECORD_DIR",
    "CalibrationKey",
    "CalibrationRecord",
    "CriterionCalibration",
    "InvalidGap",
    "judge_slug",
    "read_record",
    "record_path",
    "write_record",
]
