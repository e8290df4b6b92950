"""What each failed graded cell says about the student's mistake, one row per failed cell.

A unit result (autograder/unit.py) holds, per graded cell, ``{score, max, auto, message}``;
the checks are gaining a ``diagnosis`` key, a stable id naming the mistake (for example
``lab01.linear_backward/db-not-summed``), ``None`` when the cell passed.  Until every result
has one, :func:`fallback_diagnosis` derives an id from the failure message.
"""
from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from ..paths import lab_key

#: Derive an id from the message when a failed cell names no diagnosis.  Switch off once the
#: checks name every mistake: undiagnosed failures are then grouped as ``None``.
FALLBACK_FROM_MESSAGE = True

SLUG_MAX = 100
CSV_COLUMNS = ("student_id", "assignment", "cell", "points_lost", "diagnosis", "message")

# "CheckFailure: db must ...", "NameError: name ...": the exception class is not the mistake.
_EXCEPTION_PREFIX = re.compile(r"^[A-Z]\w*(?:Error|Exception|Failure|Warning|Exit|Interrupt): ")
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_NOT_WORD = re.compile(r"[^a-z]+")


@dataclass(frozen=True)
class FailedCell:
    """A graded cell that lost points in a submission that was graded."""
    student: str
    lab: str
    cell: str
    points_lost: float
    diagnosis: str | None
    message: str
    feedback: str | None   # path of the student's feedback page, when one was written


def fallback_diagnosis(lab: str, message: str | None) -> str:
    """``lab01/db-must-be-summed-over-the-batch-axis-expected-shape-got``: the message as a slug.

    Numbers are dropped so that the same mistake made with different shapes, seeds or losses
    gets one id.  A stop-gap until the checks name their diagnoses.
    """
    text = _EXCEPTION_PREFIX.sub("", (message or "").strip()) or (message or "")
    slug = _NOT_WORD.sub("-", _NUMBER.sub(" ", text).lower()).strip("-")
    if len(slug) > SLUG_MAX:   # long messages share their opening words: keep them apart
        slug = slug[:SLUG_MAX - 9].rstrip("-") + "-" + hashlib.sha256(slug.encode()).hexdigest()[:8]
    try:
        prefix = lab_key(lab)
    except ValueError:
        prefix = lab
    return f"{prefix}/{slug or 'no-message'}"


def lost_points(cell: dict) -> float:
    """Points an automatically graded cell lost (0 for passed and manually graded cells)."""
    if not cell.get("auto") or cell.get("score") is None:
        return 0.0
    return max(0.0, float(cell.get("max") or 0.0) - float(cell["score"]))


def diagnosis_of(lab: str, cell: dict) -> str | None:
    """The id naming the mistake of a failed cell; ``None`` for a passed cell."""
    if lost_points(cell) == 0:
        return None
    if cell.get("diagnosis"):
        return str(cell["diagnosis"])
    return fallback_diagnosis(lab, cell.get("message")) if FALLBACK_FROM_MESSAGE else None


def failed_cells(results: list[dict]) -> list[FailedCell]:
    """Every failed graded cell of every graded unit, by lab, student and cell order.

    Units that could not be graded (``ok`` false) lose all their points for one reason,
    shown with the students needing attention; their cells are not mistakes.
    """
    rows = []
    for res in sorted(results, key=lambda r: (r["lab"], r["student"])):
        if not res.get("ok"):
            continue
        for name, cell in (res.get("cells") or {}).items():
            lost = lost_points(cell)
            if lost > 0:
                rows.append(FailedCell(res["student"], res["lab"], name, lost, diagnosis_of(res["lab"], cell),
                                       cell.get("message") or "", res.get("feedback_html")))
    return rows


def write_diagnoses_csv(results: list[dict], path: Path) -> Path:
    """``build/diagnoses.csv``: one row per failed graded cell, the data behind the dashboard."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(CSV_COLUMNS)
        for f in failed_cells(results):
            out.writerow([f.student, f.lab, f.cell, f"{f.points_lost:g}", f.diagnosis or "", f.message])
    return path
