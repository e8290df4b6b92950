"""Grading one submission: a pure unit of work.

In: a student's submitted lab folder and the lab's template gradebook (an SQLite file
holding the released assignment's notebook and cell records).  Out: a JSON-able dict with
per-cell scores, a status, the autograded notebook and the feedback HTML, all inside the
unit's own scratch folder.  Nothing shared is written, so units run in parallel (forked
workers, or Dask workers on other machines) and the results are merged into the course
gradebook by one process afterwards (autograder/gradebook.py).
"""
from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path

import nbformat

from . import integrity, timing
from .config import course_config
from .notebooks import nbgrader_meta
from .records import CellResult, UnitResult


def _unit_config(root: Path, spec: dict):
    c = course_config(spec["course_root"], student_files={spec["lab"]: spec["student_files"]})
    c.CourseDirectory.root = str(root)
    c.CourseDirectory.source_directory = str(Path(spec["source_dir"]).parent)
    c.CourseDirectory.submitted_directory = "submitted"
    c.CourseDirectory.autograded_directory = "autograded"
    c.CourseDirectory.feedback_directory = "feedback"
    c.CourseDirectory.db_url = f"sqlite:///{root / 'gradebook.db'}"
    c.Execute.timeout = spec.get("cell_timeout", c.Execute.timeout)
    # Every output is collected once the last cell replied: kill the kernel rather than wait
    # for its graceful exit (~0.3 s per submission, docs/scale.md).
    c.Execute.shutdown_kernel = "immediate"
    return c


def _verdicts(notebook_path: Path) -> dict[str, dict]:
    """grade_id -> the judge's verdict (passed, message, diagnosis), from the autograded notebook.

    The judge writes it into the cell's metadata, which the kernel cannot reach.
    """
    out: dict[str, dict] = {}
    if not notebook_path.exists():
        return out
    nb = nbformat.read(str(notebook_path), as_version=4)
    for cell in nb.cells:
        gid = nbgrader_meta(cell).get("grade_id")
        judge = cell.get("metadata", {}).get("nnlab", {}).get("judge")
        if gid and isinstance(judge, dict):
            out[gid] = judge
    return out


def grade_unit(spec: dict) -> dict:
    """Grade one submission described by ``spec`` (see :func:`autograder.pipeline.make_spec`)."""
    from nbgrader.api import Gradebook
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    t0 = time.perf_counter()
    student, lab = spec["student"], spec["lab"]
    root = Path(spec["workdir"])
    if root.exists():
        shutil.rmtree(root)
    sub_dir = root / "submitted" / student / lab
    shutil.copytree(spec["submission_dir"], sub_dir, ignore=shutil.ignore_patterns("__pycache__", ".*"))
    if spec.get("notebook") and spec["notebook"] != f"{lab}.ipynb":
        (sub_dir / spec["notebook"]).rename(sub_dir / f"{lab}.ipynb")
    shutil.copy(spec["template_db"], root / "gradebook.db")

    notes = list(spec.get("notes", ()))
    submitted = nbformat.read(str(sub_dir / f"{lab}.ipynb"), as_version=4)
    released = nbformat.read(str(spec["release_notebook"]), as_version=4)
    notes += integrity.findings(submitted, released)
    if integrity.deduplicate(submitted):   # nbgrader would crash on the duplicate (see integrity.py)
        nbformat.write(submitted, str(sub_dir / f"{lab}.ipynb"))

    c = _unit_config(root, spec)
    timer = timing.UnitTimer(c) if timing.enabled() else None   # opt-in: benchmarks/ (docs/scale.md)
    from . import sandbox
    # JudgedExecute (the course's autograde preprocessor) sandboxes the kernel and judges the
    # graded cells; trusted mode only turns the sandbox off.
    c.JudgedExecute.sandboxed = bool(spec.get("sandbox"))
    c.JudgedExecute.data_mounts = [list(m) for m in spec.get("data_mounts", [])]
    logging.getLogger("traitlets").setLevel(logging.ERROR)
    api = NbGraderAPI(CourseDirectory(config=c), config=c)
    t1 = time.perf_counter()
    result = api.autograde(lab, student, force=True, create=True)
    t2 = time.perf_counter()
    autograded_nb = root / "autograded" / student / lab / f"{lab}.ipynb"
    failure = log_tail = None
    if not result["success"]:
        log = result.get("log", "") + "\n" + (result.get("error") or "")
        failure = _autograde_failure(log)
        log_tail = log.strip()[-3000:]   # kept in the unit's cached result: why it failed, for the TA

    feedback_html = None
    if autograded_nb.exists():
        fb = api.generate_feedback(lab, student, force=True)
        path = root / "feedback" / student / lab / f"{lab}.html"
        if fb["success"] and path.exists():
            feedback_html = str(path)
    t3 = time.perf_counter()

    verdicts = _verdicts(autograded_nb)
    notes += sandbox.output_notes(autograded_nb)
    cells: dict[str, CellResult] = {}
    with Gradebook(c.CourseDirectory.db_url, "nn-course") as gb:
        sub = gb.find_submission(lab, student)
        for nb in sub.notebooks:
            for grade in nb.grades:
                auto = grade.cell.cell_type == "code"   # markdown grade cells are graded by hand
                score = 0.0 if failure else float(grade.auto_score or 0.0)
                verdict = verdicts.get(grade.name, {})
                cells[grade.name] = CellResult(score if auto else None, float(grade.max_score), auto,
                                               verdict.get("message"), verdict.get("diagnosis"))
    t4 = time.perf_counter()
    return UnitResult(
        student, lab, failure is None, cells, notes, failure,
        autograded_dir=str(autograded_nb.parent) if autograded_nb.exists() else None,
        feedback_html=feedback_html,
        # Phase times are four clock reads; the finer split (SQL, kernel start) is opt-in.
        timing={"setup": t1 - t0, "execute": t2 - t1, "feedback": t3 - t2, "database": t4 - t3,
                "judge": sum(v.get("seconds") or 0.0 for v in verdicts.values()),
                **(timer.split(autograded_nb) if timer else {})},
        trace=log_tail,
    ).to_json()


def _autograde_failure(log: str) -> str:
    """A one-line reason from nbgrader's log of a failed autograde."""
    lowered = log.lower()
    if "dead" in lowered and "kernel" in lowered or "kernel died" in lowered:
        return "the kernel died while running the notebook (os._exit, a crash or memory exhaustion)"
    if "timeout" in lowered or "timed out" in lowered:
        return "a cell exceeded the time limit"
    if "notjsonerror" in lowered or "json" in lowered and "decode" in lowered:
        return "invalid notebook JSON"
    last = [line.strip() for line in log.splitlines() if line.strip()]
    return "nbgrader autograde failed: " + (last[-1][:200] if last else "no log")
