"""The class dashboard for TAs: ``build/dashboard/index.html`` and ``build/diagnoses.csv``.

``make grade`` calls :func:`publish` after writing ``build/grades.csv``;
``python -m autograder dashboard`` rebuilds both from an existing build folder.

Modules: ``diagnoses`` (failed cells and their diagnosis ids, the CSV), ``stats`` (typed
records of every number shown), ``plots`` (matplotlib figures as inline SVG), ``page``
(the HTML), ``synthetic`` (a made-up class for the benchmark and the tests).
"""
from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import pandas as pd

from .diagnoses import diagnosis_of, fallback_diagnosis, write_diagnoses_csv
from .page import render
from .stats import summarize

__all__ = ["diagnosis_of", "fallback_diagnosis", "load_results", "main", "publish", "write_dashboard",
           "write_diagnoses_csv"]

RUN_INFO = "run.json"


def write_dashboard(results: list[dict], grades_df: pd.DataFrame, out_dir: Path, run_info: dict) -> Path:
    """Write ``out_dir/index.html`` (and ``out_dir/run.json``, the run info for a later rebuild).

    ``results``: the unit result dicts of the run (cached ones included); ``grades_df``: the
    gradebook export (one row per student × lab); ``run_info``: ``seconds``, ``graded`` (units
    graded by this run), ``jobs``, ``sandbox``, ``scheduler``, optionally ``extra`` (a dict of
    further settings to show).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    build = out_dir.parent
    downloads = {"diagnoses.csv": build / "diagnoses.csv", "grades.csv": build / "grades.csv",
                 "summary.txt": build / "summary.txt"}
    page = render(summarize(results, grades_df, run_info), out_dir, downloads)
    index = out_dir / "index.html"
    tmp = index.with_suffix(".html.tmp")
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, index)
    (out_dir / RUN_INFO).write_text(json.dumps(run_info, indent=1, default=str))
    return index


def publish(results: list[dict], grades_df: pd.DataFrame, out: Path, run_info: dict) -> Path:
    """What ``pipeline.grade`` calls: ``out/diagnoses.csv`` then ``out/dashboard/index.html``."""
    write_diagnoses_csv(results, Path(out) / "diagnoses.csv")
    return write_dashboard(results, grades_df, Path(out) / "dashboard", run_info)


def load_results(out: Path, grades_df: pd.DataFrame) -> list[dict]:
    """The unit results of a build folder: the cached ones, plus a stand-in for every gradebook
    row without one (submissions that never reached the grader are not cached)."""
    results = [json.loads(p.read_text()) for p in sorted((Path(out) / "grading" / "results").glob("*/*.json"))]
    have = {(r["student"], r["lab"]) for r in results}
    for row in grades_df.itertuples(index=False):
        if (row.student_id, row.assignment) not in have:
            results.append({"student": row.student_id, "lab": row.assignment, "ok": False,
                            "problem": str(row.status), "notes": [], "cells": {}})
    wanted = set(zip(grades_df.student_id, grades_df.assignment))   # not results of labs or students since removed
    return [r for r in results if (r["student"], r["lab"]) in wanted]


def main(argv=None) -> int:
    from ..paths import BUILD
    ap = argparse.ArgumentParser(prog="python -m autograder dashboard",
                                 description="Rebuild the class dashboard and diagnoses.csv from a graded build folder")
    ap.add_argument("--out", type=Path, default=BUILD, help="the build folder of `make grade` (default: build/)")
    args = ap.parse_args(argv)
    grades = args.out / "grades.csv"
    if not grades.exists():
        print(f"dashboard: {grades} not found: run `make grade` first")
        return 2
    df = pd.read_csv(grades, dtype={"student_id": str})
    saved = args.out / "dashboard" / RUN_INFO
    run_info = json.loads(saved.read_text()) if saved.exists() else {}
    path = publish(load_results(args.out, df), df, args.out, run_info)
    print(f"dashboard: {path}")
    return 0
