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

from . import integrity
from .config import course_config
from .notebooks import nbgrader_meta


def _unit_config(root: Path, spec: dict):
    c = course_config(spec["course_root"], student_files={spec["lab"]: spec["student_files"]})
    c.CourseDirectory.root = str(root)
    c.CourseDirectory.source_directory = str(Path(spec["source_dir"]).parent)
    c.CourseDirectory.submitted_directory = "submitted"
    c.CourseDirectory.autograded_directory = "autograded"
    c.CourseDirectory.feedback_directory = "feedback"
    c.CourseDirectory.db_url = f"sqlite:///{root / 'gradebook.db'}"
    c.Execute.timeout = spec.get("cell_timeout", c.Execute.timeout)
    return c


def _cell_messages(notebook_path: Path) -> dict[str, str]:
    """grade_id -> the error a test cell ended with (``ename: evalue``), from the autograded notebook."""
    out = {}
    if not notebook_path.exists():
        return out
    nb = nbformat.read(str(notebook_path), as_version=4)
    for cell in nb.cells:
        gid = nbgrader_meta(cell).get("grade_id")
        for o in cell.get("outputs", []):
            if gid and o.get("output_type") == "error":
                out[gid] = f"{o.get('ename')}: {o.get('evalue')}"[:300]
            elif gid and o.get("output_type") == "stream" and o.get("name") == "stderr" and gid not in out:
                out[gid] = "wrote to stderr: " + "".join(o.get("text", ""))[:200]
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

    c = _unit_config(root, spec)
    if spec.get("sandbox"):
        from . import sandbox
        sandbox.configure(c, root, spec)   # fails closed (SandboxUnavailable) where bwrap cannot work
    logging.getLogger("traitlets").setLevel(logging.ERROR)
    api = NbGraderAPI(CourseDirectory(config=c), config=c)
    t1 = time.perf_counter()
    try:
        result = api.autograde(lab, student, force=True, create=True)
    finally:
        if spec.get("sandbox"):
            sandbox.cleanup(root)          # the unit's private socket folder and user slot
    t2 = time.perf_counter()
    autograded_nb = root / "autograded" / student / lab / f"{lab}.ipynb"
    failure = None
    if not result["success"]:
        failure = _autograde_failure(result.get("log", "") + "\n" + (result.get("error") or ""))
    feedback_html = None
    if autograded_nb.exists():
        fb = api.generate_feedback(lab, student, force=True)
        path = root / "feedback" / student / lab / f"{lab}.html"
        if fb["success"] and path.exists():
            feedback_html = str(path)
    t3 = time.perf_counter()

    messages = _cell_messages(autograded_nb)
    cells = {}
    with Gradebook(c.CourseDirectory.db_url, "nn-course") as gb:
        sub = gb.find_submission(lab, student)
        for nb in sub.notebooks:
            for grade in nb.grades:
                auto = grade.cell.cell_type == "code"   # markdown grade cells are graded by hand
                score = 0.0 if failure else float(grade.auto_score or 0.0)
                cells[grade.name] = {"score": score if auto else None, "max": float(grade.max_score),
                                     "auto": auto, "message": messages.get(grade.name)}
    t4 = time.perf_counter()
    return {
        "student": student, "lab": lab, "ok": failure is None, "failure": failure, "notes": notes,
        "cells": cells, "autograded_dir": str(autograded_nb.parent) if autograded_nb.exists() else None,
        "feedback_html": feedback_html,
        "timing": {"setup": t1 - t0, "execute": t2 - t1, "feedback": t3 - t2, "database": t4 - t3},
    }


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
