"""A made-up graded class, for the dashboard's benchmark and tests: no kernel runs.

Unit results shaped like autograder/unit.py's, for the real labs' graded cells; a failed
cell's message is one of the lab's catalogued mistakes (the bug zoo's ``expect`` phrases)
with made-up shapes, so the same mistake is worded with different numbers, as real checks
do.  Some submissions are missing, failed, tampered with or blank.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .. import notebooks, zoo
from ..gradebook import status_of
from ..paths import lab_ids, source_notebook

MISSING, FAILED, FINDINGS, BLANK = 0.015, 0.01, 0.02, 0.02
KERNEL_DIED = "the kernel died while running the notebook (os._exit, a crash or memory exhaustion)"


def lab_cells(lab: str) -> list[dict]:
    """The lab's graded cells (``grade_id``, ``points``, ``auto``) from its source notebook."""
    return notebooks.graded_cells(notebooks.read(source_notebook(lab)))


def _mistakes(lab: str, cells: list[str]) -> dict[str, list[str]]:
    """Each automatically graded cell gets some of the lab's catalogued mistakes."""
    phrases = [p.expect[0] for p in zoo.load(lab).MUTANTS] or ["wrong values"]
    return {cell: [phrases[(i + k * len(cells)) % len(phrases)] for k in range(3)] for i, cell in enumerate(cells)}


def _message(rng: np.random.Generator, cell: str, phrase: str) -> str:
    n, m = rng.integers(2, 64, size=2)
    return f"CheckFailure: {cell.split('_test_')[-1]}: {phrase} (expected shape ({n}, {m}), got ({m}, {n}))"


def _feedback(root: Path | None, student: str, lab: str) -> str | None:
    if root is None:
        return None
    page = Path(root) / student / lab / f"{lab}.html"
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(f"<!DOCTYPE html><title>feedback</title><p>synthetic feedback for {lab}</p>\n")
    return str(page)


def submission(rng: np.random.Generator, student: str, lab: str, cells: list[dict],
               mistakes: dict[str, list[str]], feedback_root: Path | None) -> dict:
    """One unit result."""
    roll = rng.random()
    if roll < MISSING:
        return {"student": student, "lab": lab, "ok": False, "problem": f"no submission (folder {lab}/ missing)",
                "notes": [], "cells": {}}
    timing = {"setup": 0.05, "execute": float(rng.lognormal(1.5, 0.3)), "feedback": 0.25, "database": 0.06}
    if roll < MISSING + FAILED:
        return {"student": student, "lab": lab, "ok": False, "failure": KERNEL_DIED, "notes": [],
                "cells": {c["grade_id"]: {"score": 0.0 if c["auto"] else None, "max": c["points"], "auto": c["auto"],
                                          "message": None} for c in cells}, "timing": timing}
    blank = roll > 1 - BLANK
    notes = [f"edited locked cell(s) {cells[0]['grade_id']} (restored from the source before grading)"] \
        if roll < MISSING + FAILED + FINDINGS else []
    skill = rng.beta(5, 1.6)
    out = {}
    for i, c in enumerate(cells):
        gid = c["grade_id"]
        if not c["auto"]:
            out[gid] = {"score": None, "max": c["points"], "auto": False, "message": None}
            continue
        difficulty = 0.4 + 0.6 * ((i * 7) % 5) / 4          # some cells are harder than others
        if blank:
            msg = f"CheckFailure: {gid.split('_test_')[-1]} is not implemented yet (it raised NotImplementedError)"
        elif rng.random() < (1 - skill) * difficulty:
            options = mistakes[gid]
            msg = _message(rng, gid, options[min(int(rng.zipf(2.0)) - 1, len(options) - 1)])
        else:
            msg = None
        out[gid] = {"score": 0.0 if msg else c["points"], "max": c["points"], "auto": True, "message": msg}
    return {"student": student, "lab": lab, "ok": True, "failure": None, "notes": notes, "cells": out,
            "feedback_html": _feedback(feedback_root, student, lab), "timing": timing}


def grades_frame(results: list[dict], labs: list[str]) -> pd.DataFrame:
    """What ``gradebook.export`` would return for these results (automatic scores only)."""
    rows, order = [], {lab: i for i, lab in enumerate(labs)}
    for res in sorted(results, key=lambda r: (r["student"], order[r["lab"]])):
        auto = [c for c in (res.get("cells") or {}).values() if c["auto"]]
        score = sum(c["score"] or 0.0 for c in auto) if res.get("ok") else 0.0
        top = sum(c["max"] for c in auto) or sum(c["points"] for c in lab_cells(res["lab"]) if c["auto"])
        rows.append({"student_id": res["student"], "assignment": res["lab"], "auto_score": score, "auto_max": top,
                     "score": score, "max_score": top, "status": status_of(res)})
    return pd.DataFrame(rows, columns=["student_id", "assignment", "auto_score", "auto_max", "score", "max_score",
                                       "status"])


def synthetic_class(submissions: int = 1000, seed: int = 0, labs: list[str] | None = None,
                    feedback_root: Path | None = None) -> tuple[list[dict], pd.DataFrame]:
    """``submissions`` unit results (students × labs, student-0000, ...) and their gradebook frame."""
    labs = labs or lab_ids()
    rng = np.random.default_rng(seed)
    cells = {lab: lab_cells(lab) for lab in labs}
    mistakes = {lab: _mistakes(lab, [c["grade_id"] for c in cells[lab] if c["auto"]]) for lab in labs}
    results = []
    for i in range(submissions):
        student, lab = f"student-{i // len(labs):04d}", labs[i % len(labs)]
        results.append(submission(rng, student, lab, cells[lab], mistakes[lab], feedback_root))
    return results, grades_frame(results, labs)
