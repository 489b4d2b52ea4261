"""Judge calibration: how often the production judge agrees with people, per criterion, per rubric version.

`evalkit calibrate` runs the judging path a run uses on labelled transcripts
(`evalkit.calibration.readings`), computes agreement on the holdout labels
(`evalkit.calibration.compute`) and writes a record keyed by everything that
makes the judge the judge (`evalkit.calibration.record`); `evalkit calibrate
check` says which rubric x judge pairs of the project have a current record
(`evalkit.calibration.trust`). Sits at plugin level: nothing below imports it.
"""

from evalkit.calibration.record import CalibrationKey, CalibrationRecord, CriterionCalibration, record_path

__all__ = ["CalibrationKey", "CalibrationRecord", "CriterionCalibration", "record_path"]
