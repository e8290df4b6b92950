"""The TA's documented flow with nbgrader's own CLI, compared with ``make grade`` cell by cell.

Two fresh clones (``nbgrader_config.py`` and ``solutions/``, nothing else) grade the same
generated sample class of Labs 01 and 02 (Lab 01: a student module and a tampered
notebook; Lab 02: a data set):

* **plain nbgrader**, as its documentation says: ``nbgrader generate_assignment`` (every lab,
  then one again with ``--force``), the submissions copied into nbgrader's submitted layout,
  ``nbgrader autograde``, ``nbgrader generate_feedback``, ``nbgrader export``;
* **make grade**: ``python -m autograder grade --out <clone>/build`` (the command ``make grade``
  runs), then ``nbgrader export`` on its gradebook.

Each clone's formgrader is then served on loopback (``jupyter server`` with the formgrader
extension, a token, a free port) and queried through its HTTP API, the one formgrader's pages
use.  Whatever runs the kernels (plain or sandboxed, as nbgrader_config.py decides), the two
paths must agree: the release, the submission counts, every cell's automatic score and
manual-grading flag, the feedback totals and the exported scores.
"""
from __future__ import annotations

import contextlib
import csv
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pandas as pd
import pytest

from autograder import sample_class
from autograder.paths import LABS, ROOT, SOLUTIONS, lab_ids

pytestmark = pytest.mark.slow
LAB1, LAB2 = "lab01-regression", "lab02-ffnn-mnist"
FLOW_LABS = [LAB1, LAB2]
STUDENTS = sorted(sample_class.STUDENTS)


def _env() -> dict:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    env.pop("NNLAB_GRADEBOOK_URL", None)   # each clone keeps its own SQLite gradebook
    return env


def _run(cmd: list[str], cwd: Path, timeout: int = 1200) -> subprocess.CompletedProcess:
    done = subprocess.run(cmd, check=False, cwd=cwd, env=_env(), capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(cmd)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def _nbgrader(course: Path, *args: str) -> subprocess.CompletedProcess:
    return _run([sys.executable, "-m", "nbgrader", *args], course)


def _fresh_clone(folder: Path) -> Path:
    shutil.copytree(SOLUTIONS, folder / "solutions")
    shutil.copy(ROOT / "nbgrader_config.py", folder)
    return folder


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def formgrader(course: Path, runtime: Path):
    """formgrader of ``course`` served on 127.0.0.1; yields ``get(path) -> JSON``."""
    port, token = _free_port(), "ta-flow-test"
    env = {**_env(), "JUPYTER_RUNTIME_DIR": str(runtime)}
    log = open(runtime / f"server-{port}.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "jupyter", "server", "--no-browser", "--allow-root",
                             "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
                             f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={course}"],
                            cwd=course, env=env, stdout=log, stderr=subprocess.STDOUT)

    def get(path: str):
        request = urllib.request.Request(f"http://127.0.0.1:{port}/formgrader/api/{path}",
                                         headers={"Authorization": f"token {token}"})
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())

    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                get("status")
                break
            except OSError:
                assert proc.poll() is None, (runtime / f"server-{port}.log").read_text()[-3000:]
                assert time.monotonic() < deadline, "formgrader did not answer within 180 s"
                time.sleep(0.5)
        yield get
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def _formgrader_view(course: Path, runtime: Path) -> dict:
    """What formgrader shows: submission counts, submissions, and every cell's grade."""
    view = {"count": {}, "submissions": {}, "cells": {}}
    with formgrader(course, runtime) as get:
        view["count"] = {a["name"]: a["num_submissions"] for a in get("assignments")}
        for lab in FLOW_LABS:
            view["submissions"][lab] = {s["student"]: s for s in get(f"submissions/{lab}")}
            for nb in get(f"submitted_notebooks/{lab}/{lab}"):
                for grade in get(f"grades?submission_id={nb['id']}"):
                    view["cells"][lab, nb["student"], grade["name"]] = (
                        grade["auto_score"], grade["needs_manual_grade"], grade["max_score"])
    return view


def _feedback_scores(course: Path) -> dict:
    """(lab, student) -> the "Score: x / y" line of the feedback page."""
    out = {}
    for page in (course / "build" / "feedback").glob("*/*/*.html"):
        html = page.read_text()
        assert "autograder.checks" not in html and "HIDDEN TESTS" not in html, page
        m = re.search(r"Score:\s*([0-9.]+)\s*/\s*([0-9.]+)", html)
        assert m, f"no score on {page}"
        out[page.parent.name, page.parent.parent.name] = (float(m[1]), float(m[2]))
    return out


def _export(course: Path) -> dict:
    _nbgrader(course, "export", "--to", "export.csv")
    with open(course / "export.csv") as fh:
        return {(r["assignment"], r["student_id"]): float(r["score"]) for r in csv.DictReader(fh)
                if r["assignment"] in FLOW_LABS}


@pytest.fixture(scope="module")
def flow(tmp_path_factory):
    root = tmp_path_factory.mktemp("ta-flow")
    cls = sample_class.generate(root / "class", FLOW_LABS)
    manifest = json.loads((cls / "manifest.json").read_text())

    plain = _fresh_clone(root / "plain")
    _nbgrader(plain, "generate_assignment", "*", "--force")
    _nbgrader(plain, "generate_assignment", LAB1, "--force")      # over an existing release
    for student in STUDENTS:
        for lab in FLOW_LABS:
            shutil.copytree(cls / student / lab, plain / "build" / "submitted" / student / lab)
    logs = {lab: _nbgrader(plain, "autograde", lab, "--force").stderr for lab in FLOW_LABS}
    for lab in FLOW_LABS:
        _nbgrader(plain, "generate_feedback", lab, "--force")

    graded = _fresh_clone(root / "make-grade")
    _run([sys.executable, "-m", "autograder", "grade", "--submissions", str(cls), "--labs", *FLOW_LABS,
          "--out", str(graded / "build"), "--jobs", "2"], ROOT)

    (root / "runtime").mkdir()
    return {
        "plain": plain, "graded": graded, "manifest": manifest, "logs": logs,
        "views": {name: _formgrader_view(course, root / "runtime") for name, course in
                  (("plain", plain), ("graded", graded))},
        "exports": {"plain": _export(plain), "graded": _export(graded)},
        "csv": pd.read_csv(graded / "build" / "grades.csv"),
    }


def test_generate_assignment_writes_exactly_the_release(flow):
    for lab in lab_ids():
        got, want = flow["plain"] / "labs" / lab, LABS / lab
        files = sorted(p.name for p in want.iterdir())
        assert sorted(p.name for p in got.iterdir()) == files, lab
        for name in files:
            assert (got / name).read_bytes() == (want / name).read_bytes(), f"{lab}/{name}"


def test_plain_autograde_warns_only_about_the_real_edit(flow):
    for lab, log in flow["logs"].items():
        assert "Attribute 'checksum'" not in log
        edited = re.findall(r"Locked cell (\S+) was edited by the student", log)
        assert edited == [flow["manifest"][lab]["tampered_edited"]], (lab, edited)
        assert f"Missing grade cell {flow['manifest'][lab]['tampered_deleted']}" in log


def test_formgrader_lists_every_submission_after_make_grade(flow):
    for name, view in flow["views"].items():
        for lab in FLOW_LABS:
            assert view["count"][lab] == len(STUDENTS), (name, lab, view["count"])
            subs = view["submissions"][lab]
            assert sorted(subs) == STUDENTS, (name, lab)
            assert all(s["autograded"] and s["submitted"] for s in subs.values()), (name, lab, subs)


def test_every_cell_and_the_manual_grading_queue_agree(flow):
    plain, graded = flow["views"]["plain"]["cells"], flow["views"]["graded"]["cells"]
    assert len(plain) == len(graded) > 0
    assert {k: v for k, v in graded.items() if v != plain.get(k)} == {}
    queue = {name: sorted(k for k, v in cells.items() if v[1]) for name, cells in
             (("plain", plain), ("graded", graded))}
    assert queue["plain"] == queue["graded"]
    assert any(k[1] == "perfect" for k in queue["plain"])           # written answers to read ...
    assert not any(k[1] == "blank" for k in queue["plain"])         # ... a blank one scores 0, as nbgrader does


def test_make_grade_csv_has_the_same_cell_scores(flow):
    df, plain = flow["csv"], flow["views"]["plain"]["cells"]
    for (lab, student, cell), (auto, _manual, _max) in plain.items():
        row = df[(df.student_id == student) & (df.assignment == lab)].iloc[0]
        assert row[cell] == (auto or 0.0), (lab, student, cell)


def test_feedback_and_export_agree(flow):
    plain, graded = _feedback_scores(flow["plain"]), _feedback_scores(flow["graded"])
    assert set(plain) == {(lab, s) for lab in FLOW_LABS for s in STUDENTS}
    assert plain == {k: v for k, v in graded.items() if k in plain}
    assert flow["exports"]["plain"] == flow["exports"]["graded"]
    df = flow["csv"]
    for (lab, student), score in flow["exports"]["plain"].items():
        assert df[(df.student_id == student) & (df.assignment == lab)].score.iloc[0] == score
