"""The course gradebook: assignment templates, merging unit results, and the CSV export.

All writes go through nbgrader's own :class:`nbgrader.api.Gradebook`, so ``nbgrader``
commands (formgrader, export, generate_feedback) keep working on the merged gradebook,
whether it is the default SQLite file or a PostgreSQL database.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
import warnings
from pathlib import Path

import pandas as pd

from . import release
from .textsafe import csv_cell, one_line

COURSE_ID = "nn-course"


@contextlib.contextmanager
def opened(db_url: str):
    """nbgrader's Gradebook, with SQLAlchemy's autoflush warnings from nbgrader's own
    relationship code kept off the TA's terminal (they are about nbgrader internals)."""
    from nbgrader.api import Gradebook
    from sqlalchemy.exc import SAWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)
        with Gradebook(db_url, COURSE_ID) as gb:
            yield gb


def folder_hash(folder: Path) -> str:
    """SHA-256 over the relative paths and bytes of every file under ``folder``."""
    h = hashlib.sha256()
    for p in sorted(Path(folder).rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts and ".ipynb_checkpoints" not in p.parts:
            h.update(str(p.relative_to(folder)).encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def template(lab: str, source_dir: Path, cache: Path) -> tuple[Path, Path]:
    """(template gradebook, released notebook) for ``lab``, rebuilt when the source changes."""
    key = folder_hash(source_dir)[:16]
    base = cache / f"{lab}-{key}"
    db, nb = base / "gradebook.db", base / "release" / lab / f"{lab}.ipynb"
    if db.exists() and nb.exists():
        return db, nb
    # Built in a private folder, then renamed into place (atomic): two graders starting at once
    # (two TAs, two test workers on a fresh checkout) each build one, the first rename wins, and
    # nobody reads or deletes a half-built template.
    cache.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{base.name}-", dir=cache))
    try:
        release.release_lab(lab, scratch / "release", f"sqlite:///{scratch / 'gradebook.db'}")
        if base.exists() and not (db.exists() and nb.exists()):
            shutil.rmtree(base)          # left incomplete by a crash
        with contextlib.suppress(OSError):   # another grader's template is already in place
            os.rename(scratch, base)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return db, nb


def ensure_assignment(db_url: str, lab: str, scratch: Path) -> None:
    """Create ``lab``'s assignment, notebooks and cells in the course gradebook if missing."""
    from nbgrader.api import MissingEntry

    with opened(db_url) as gb:
        try:
            gb.find_assignment(lab)
            return
        except MissingEntry:
            pass
    release.generate(lab, scratch, db_url)


def merge(db_url: str, result: dict, attempts: int = 6) -> None:
    """Write one unit result into the course gradebook (scores of failed units become 0).

    Manual scores a TA already entered are kept; only autograded scores are replaced, so a
    failed regrade can never leave a stale automatic score behind.  Idempotent, and safe with
    concurrent writers (two TAs grading into one PostgreSQL gradebook): a transaction that
    lost a race (the same student created twice, a serialization failure, a locked SQLite
    file) is rolled back and retried from the start.
    """
    import time

    from nbgrader.api import InvalidEntry
    from sqlalchemy.exc import DBAPIError

    for attempt in range(attempts):
        try:
            return _merge_once(db_url, result)
        except (InvalidEntry, DBAPIError):
            if attempt == attempts - 1:
                raise
            time.sleep(0.05 * 2 ** attempt)


def written_auto_scores(autograded_dir: str | Path | None) -> dict[str, float | None]:
    """nbgrader's automatic score of each written answer in an autograded lab folder.

    nbgrader's own rule (``nbgrader.utils.determine_grade``, applied by ``SaveAutoGrades``): an
    answer left exactly as released scores 0 and needs no manual grading; any other answer has
    no automatic score (None) and goes to formgrader's manual-grading queue.
    """
    import nbformat
    from nbgrader.utils import determine_grade, is_grade, is_solution

    scores: dict[str, float | None] = {}
    for path in sorted(Path(autograded_dir).glob("*.ipynb")) if autograded_dir else ():
        for cell in nbformat.read(str(path), as_version=4).cells:
            if cell.cell_type != "code" and is_grade(cell) and is_solution(cell):
                scores[cell.metadata.nbgrader["grade_id"]] = determine_grade(cell)[0]
    return scores


def _submission_timestamp(autograded_dir: str | Path | None):
    """The submission time nbgrader recorded (``timestamp.txt``, kept in the autograded folder), or None."""
    from nbgrader.utils import parse_utc

    path = Path(autograded_dir) / "timestamp.txt" if autograded_dir else None
    text = path.read_text().strip() if path and path.is_file() else ""
    return parse_utc(text) if text else None


def _merge_once(db_url: str, result: dict) -> None:

    cells = result.get("cells") or {}
    written = written_auto_scores(result.get("autograded_dir"))
    timestamp = _submission_timestamp(result.get("autograded_dir"))
    with opened(db_url) as gb:
        gb.update_or_create_student(result["student"])
        # The timestamp formgrader compares with submitted/<student>/<lab>/timestamp.txt.
        sub = gb.update_or_create_submission(result["lab"], result["student"], timestamp=timestamp)
        for nb in sub.notebooks:
            for grade in nb.grades:
                if grade.cell.cell_type == "code":
                    got = cells.get(grade.name) or {}
                    grade.auto_score = float(got.get("score") or 0.0)
                elif result.get("problem"):   # no readable notebook: nothing to grade by hand either
                    grade.auto_score = 0.0
                else:   # blank written answers score 0 as in plain nbgrader; no autograded notebook: manual
                    grade.auto_score = written.get(grade.name)
                # nbgrader's rule (SaveAutoGrades): review when a TA scored it before or nothing was automatic
                grade.needs_manual_grade = grade.manual_score is not None or grade.auto_score is None
        gb.db.commit()


def status_of(result: dict) -> str:
    """The row's ``status``: one line, student text escaped (autograder/textsafe.py)."""
    if result.get("problem"):
        return one_line(f"not graded: {result['problem']}")
    if result.get("failure"):
        return one_line(f"failed: {result['failure']}")
    notes = result.get("notes") or []
    return one_line("graded" + ("; " + "; ".join(notes) if notes else ""), limit=1000)


def write_csv(df: pd.DataFrame, path: Path) -> None:
    """``grades.csv`` with every text cell escaped and spreadsheet formulas defused."""
    safe = df.copy()
    for col in safe.columns:
        if safe[col].dtype == object:
            safe[col] = safe[col].map(csv_cell)
    safe.to_csv(path, index=False)


def export(db_url: str, results: list[dict], labs: list[str]) -> pd.DataFrame:
    """One row per student × lab: totals, status, then one column per graded cell."""

    rows, cell_order = [], []
    with opened(db_url) as gb:
        for lab in labs:
            assignment = gb.find_assignment(lab)
            for notebook in assignment.notebooks:
                cell_order += [c.name for c in notebook.grade_cells]
        for res in sorted(results, key=lambda r: (r["student"], labs.index(r["lab"]))):
            row = {"student_id": res["student"], "assignment": res["lab"], "auto_score": 0.0, "auto_max": 0.0,
                   "score": 0.0, "max_score": 0.0, "status": status_of(res)}
            sub = gb.find_submission(res["lab"], res["student"])
            for nb in sub.notebooks:
                for grade in nb.grades:
                    score = float(grade.score or 0.0)
                    row[grade.name] = score
                    row["score"] += score
                    row["max_score"] += float(grade.max_score)
                    if grade.cell.cell_type == "code":
                        row["auto_score"] += float(grade.auto_score or 0.0)
                        row["auto_max"] += float(grade.max_score)
            rows.append(row)
    columns = ["student_id", "assignment", "auto_score", "auto_max", "score", "max_score", "status", *cell_order]
    return pd.DataFrame(rows, columns=columns)


def score_table(df: pd.DataFrame) -> pd.DataFrame:
    """Student × lab table of ``auto_score/auto_max`` (``—`` where not graded)."""
    cells = df.assign(cell=[f"{a:g}/{m:g}" if not s.startswith(("not graded", "failed")) else f"— ({a:g}/{m:g})"
                            for a, m, s in zip(df.auto_score, df.auto_max, df.status)])
    return cells.pivot(index="student_id", columns="assignment", values="cell")
