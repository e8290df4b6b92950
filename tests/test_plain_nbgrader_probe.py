"""A TA's plain `nbgrader autograde` is sandboxed and judged (issue 14).

A clone of the course gets one submission: the perfect Lab 01 plus a probe cell that tries to
write into the course folder, read `solutions/` and fake a passing verdict, and a blank one
whose kernel hooks try to empty the hidden cells.  `nbgrader autograde`, run as the README
says (in the course root, which loads nbgrader_config.py), must leave the course folder
untouched, show the probe that it could read nothing, and give the same per-cell scores as
the direct harness: the judge, not the kernel, decides.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder import harness, sample_class
from autograder.paths import ROOT

LAB = "lab01-regression"
pytestmark = pytest.mark.slow

PROBE = '''import json, os
COURSE = {course!r}
found = {{}}
try:
    open(os.path.join(COURSE, "probe-was-here.txt"), "w").write("x")
    found["write"] = "written"
except OSError as exc:
    found["write"] = type(exc).__name__
try:
    found["read"] = open(os.path.join(COURSE, "solutions", "{lab}", "model.py")).read()[:40]
except OSError as exc:
    found["read"] = type(exc).__name__
print("PROBE", json.dumps(found))
print("All hidden checks passed.")
'''

HOOK = '''_ip = get_ipython()
_ip.input_transformers_cleanup.append(lambda lines: ["pass\\n"] if any("_checks" in l for l in lines) else lines)
'''


def _insert_after_setup(path: Path, source: str) -> None:
    nb = nbformat.read(str(path), as_version=4)
    idx = next(i for i, c in enumerate(nb.cells) if "setup" in c.metadata.get("tags", []))
    cell = nbformat.v4.new_code_cell(source)
    cell.id = "probe"
    nb.cells.insert(idx + 1, cell)
    nbformat.write(nb, str(path))


def test_plain_nbgrader_autograde_is_sandboxed_and_judged(tmp_path):
    course = tmp_path / "course"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(course)], check=True)
    # The working tree may be ahead of its last commit: grade what is checked out here.
    for rel in ("autograder", "solutions", "labs", "nnlab", "nbgrader_config.py"):
        src, dest = ROOT / rel, course / rel
        if src.is_dir():
            shutil.rmtree(dest)
            shutil.copytree(src, dest, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(src, dest)
    subs = sample_class.generate(tmp_path / "class", [LAB])
    submitted = course / "build" / "submitted"
    shutil.copytree(subs / "perfect" / LAB, submitted / "prober" / LAB)
    shutil.copytree(subs / "blank" / LAB, submitted / "hooker" / LAB)
    _insert_after_setup(submitted / "prober" / LAB / f"{LAB}.ipynb", PROBE.format(course=str(course), lab=LAB))
    _insert_after_setup(submitted / "hooker" / LAB / f"{LAB}.ipynb", HOOK)

    env = {k: v for k, v in os.environ.items() if k not in ("NNLAB_SANDBOX", "NNLAB_COURSE_ROOT")}
    env["PYTHONPATH"] = str(course)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    nbgrader = [sys.executable, "-m", "nbgrader"]
    run = subprocess.run([*nbgrader, "generate_assignment", LAB, "--force"], cwd=course, env=env,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    before = sorted(p.relative_to(course) for p in course.rglob("*") if "build" not in p.parts)
    run = subprocess.run([*nbgrader, "autograde", LAB], cwd=course, env=env, capture_output=True, text=True,
                         timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "SANDBOX DISABLED" not in run.stderr
    after = sorted(p.relative_to(course) for p in course.rglob("*") if "build" not in p.parts)
    assert not (course / "probe-was-here.txt").exists() and before == after, "the kernel wrote into the course"

    graded = nbformat.read(str(course / "build" / "autograded" / "prober" / LAB / f"{LAB}.ipynb"), as_version=4)
    probe = next(c for c in graded.cells if c.get("id") == "probe")
    text = "".join(o.get("text", "") for o in probe.outputs if o.get("output_type") == "stream")
    found = json.loads(text.split("PROBE ", 1)[1].splitlines()[0])
    assert found["write"] in ("PermissionError", "OSError", "FileNotFoundError"), found
    assert found["read"] in ("PermissionError", "FileNotFoundError"), found

    from nbgrader.api import Gradebook
    expected = {"prober": {c.grade_id: c.points for c in harness.grade_direct(LAB).cells},
                "hooker": {c.grade_id: 0.0 for c in harness.grade_direct(LAB).cells}}
    with Gradebook(f"sqlite:///{course / 'build' / 'gradebook.db'}", "nn-course") as gb:
        for student, want in expected.items():
            sub = gb.find_submission(LAB, student)
            got = {g.name: float(g.auto_score or 0) for nb in sub.notebooks for g in nb.grades
                   if g.cell.cell_type == "code"}
            assert got == want, (student, got)
    verdicts = [c.metadata.get("nnlab", {}).get("judge") for c in graded.cells if c.metadata.get("nnlab")]
    assert verdicts and all(v["passed"] for v in verdicts)
