"""``make bench-grade``: grading throughput, plain nbgrader against the pipeline.

A synthetic class of N students (default 40) is drawn from the sample-class generator for one
lab: student i hands in a copy of the perfect, blank, buggy or tampered submission (i mod 4),
under its own id.  The same class is then graded, one after the other, by

  (a) plain ``nbgrader autograde <lab>``: one CLI call over the whole class, serial;
  (b) the pipeline, ``python -m autograder grade --jobs 1``;
  (c) the pipeline, ``--jobs 2``;
  (d) optionally (``--local-cluster``) the pipeline on a Dask LocalCluster of 2 workers.

Each is timed as the TA runs it (a fresh command, interpreter start included), with the
assignment already in its gradebook.  Every mode runs the course configuration: kernels in
the sandbox, graded cells decided by the judge (plain ``nbgrader autograde`` loads the same
``nbgrader_config.py``); the pipeline also writes the feedback pages, which plain nbgrader
does not.  Unit timings are switched on (``NNLAB_TIMING=1``) and the per-submission split
includes the judge's share.
Scores must be identical across modes.  The last line is the one CI reads:

    grading ratios: jobs1/nbgrader=X.XX jobs2/nbgrader=Y.YY

This is a benchmark, not a test: it prints figures and never fails on them.  Other work on
the machine skews them (the load average is printed next to each figure).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder import gradebook, sample_class  # noqa: E402
from autograder.paths import SOLUTIONS  # noqa: E402

KINDS = sample_class.STUDENTS   # perfect, blank, buggy, tampered
VENV_BIN = Path(sys.executable).parent


def synthetic_class(lab: str, n: int, dest: Path) -> Path:
    """``dest/class/student-XXX/<lab>/``: n copies of the four sample submissions."""
    sample = sample_class.generate(dest / "sample", [lab])
    cls = dest / "class"
    for i in range(n):
        shutil.copytree(sample / KINDS[i % len(KINDS)] / lab, cls / f"student-{i:03d}" / lab)
    return cls


def _env() -> dict:
    env = dict(os.environ, PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}", PYTHONWARNINGS="ignore",
               NNLAB_TIMING="1")
    env.pop("NNLAB_GRADEBOOK_URL", None)
    env.pop("NNLAB_SANDBOX", None)
    return env


def _run(args: list, cwd: Path, log: Path) -> float:
    start = time.perf_counter()
    with log.open("w") as out:
        proc = subprocess.run(args, cwd=cwd, env=_env(), stdout=out, stderr=subprocess.STDOUT)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        # plain nbgrader exits 1 when any submission failed; the pipeline never should
        print(f"  note: {' '.join(map(str, args[:4]))}... exited {proc.returncode} (log: {log})")
    return seconds


NBGRADER_CONFIG = '''\
import os
from autograder.config import course_config
here = os.path.dirname(os.path.abspath(__file__))
c = get_config()  # noqa: F821
c.merge(course_config({root!r}))
c.CourseDirectory.root = here
c.CourseDirectory.source_directory = {source!r}
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(here, "gradebook.db")
'''


def plain_nbgrader(lab: str, cls: Path, template_db: Path, work: Path) -> tuple[float, dict]:
    """(seconds, {student: auto score}) for ``nbgrader autograde <lab>`` over the class."""
    course = work / "nbgrader-course"
    course.mkdir(parents=True)
    shutil.copytree(cls, course / "submitted")
    shutil.copy(template_db, course / "gradebook.db")     # the released assignment, as after `generate`
    (course / "nbgrader_config.py").write_text(NBGRADER_CONFIG.format(root=str(ROOT), source=str(SOLUTIONS)))
    seconds = _run([VENV_BIN / "nbgrader", "autograde", lab, "--force"], course, work / "nbgrader.log")
    from nbgrader.api import Gradebook
    scores = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", gradebook.COURSE_ID) as gb:
        for student in gb.students:
            sub = gb.find_submission(lab, student.id)
            scores[student.id] = sum(float(g.auto_score or 0) for nb in sub.notebooks for g in nb.grades
                                     if g.cell.cell_type == "code")
    return seconds, scores


def pipeline_run(lab: str, cls: Path, template_dir: Path, work: Path, name: str, jobs: int,
                 scheduler: str | None = None) -> tuple[float, dict, list[dict]]:
    """(seconds, {student: auto score}, unit timings) for ``python -m autograder grade``."""
    out = work / name
    (out / "grading" / "templates").mkdir(parents=True)
    shutil.copytree(template_dir, out / "grading" / "templates" / template_dir.name)
    shutil.copy(template_dir / "gradebook.db", out / "gradebook.db")   # assignment already created
    args = [sys.executable, "-m", "autograder", "grade", "--labs", lab, "--submissions", str(cls),
            "--out", str(out), "--jobs", str(jobs)]
    if scheduler:
        args += ["--scheduler", scheduler]
    seconds = _run(args, work, work / f"{name}.log")
    import pandas as pd
    df = pd.read_csv(out / "grades.csv")
    timings = [json.loads(p.read_text()).get("timing") or {} for p in (out / "grading" / "results").glob("*/*.json")]
    return seconds, dict(zip(df.student_id, df.auto_score.astype(float))), timings


def split(timings: list[dict]) -> str:
    """Mean per-submission time by phase, from the units' own timing fields."""
    def mean(key):
        vals = [t[key] for t in timings if t.get(key) is not None]
        return statistics.mean(vals) if vals else float("nan")
    kernel, cells, sql = mean("kernel_start"), mean("notebook"), mean("sql")
    execute, feedback, setup, judge = mean("execute"), mean("feedback"), mean("setup"), mean("judge")
    other = execute - kernel - cells   # nbgrader around the kernel: preprocessors, commits, files, shutdown
    total = execute + feedback + setup + sql
    return (f"kernel start {kernel:.2f} s | execution {cells:.2f} s (judge {judge:.2f} s, "
            f"{100 * judge / total:.0f} % of the submission) | database {sql:.2f} s (SQL) | "
            f"feedback {feedback:.2f} s | other nbgrader {other:.2f} s | setup {setup:.2f} s")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--students", type=int, default=40)
    ap.add_argument("--lab", default="lab01-regression")
    ap.add_argument("--local-cluster", action="store_true", help="also time a Dask LocalCluster of 2 workers")
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    args = ap.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="nnlab-bench-grade-"))
    try:
        print(f"building a synthetic class of {args.students} students for {args.lab} ...", flush=True)
        cls = synthetic_class(args.lab, args.students, work)
        template_db, _nb = gradebook.template(args.lab, SOLUTIONS / args.lab, work / "templates")
        n = args.students
        rates, scores, timings = {}, {}, {}

        def report(label, key, seconds):
            rates[key] = n / seconds * 60
            print(f"{label:<36} {n} in {seconds:7.1f} s = {rates[key]:6.2f} submissions/min"
                  f"   (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)", flush=True)

        print("(a) plain nbgrader autograde ...", flush=True)
        seconds, scores["nbgrader"] = plain_nbgrader(args.lab, cls, template_db, work)
        report("(a) plain nbgrader autograde", "nbgrader", seconds)
        modes = [("(b) pipeline JOBS=1", "jobs1", 1, None), ("(c) pipeline JOBS=2", "jobs2", 2, None)]
        if args.local_cluster:
            modes.append(("(d) pipeline JOBS=2 on a LocalCluster", "local2", 2, "local"))
        for label, key, jobs, scheduler in modes:
            seconds, scores[key], timings[key] = pipeline_run(args.lab, cls, template_db.parent, work, key, jobs,
                                                              scheduler)
            report(label, key, seconds)

        reference = scores["nbgrader"]
        same = all(s == reference for s in scores.values()) and len(reference) == n
        print(f"scores identical in every mode ({len(reference)} students): {'yes' if same else 'NO'}")
        if not same:
            for key, s in scores.items():
                diff = {k: (v, reference.get(k)) for k, v in s.items() if reference.get(k) != v}
                if diff:
                    print(f"  {key} differs from plain nbgrader on {len(diff)}: {dict(list(diff.items())[:5])}")
        print("per-submission time split (means over the class, from the units' timing fields):")
        for key in timings:
            print(f"  {key:<7} {split(timings[key])}")
        print(f"grading ratios: jobs1/nbgrader={rates['jobs1'] / rates['nbgrader']:.2f} "
              f"jobs2/nbgrader={rates['jobs2'] / rates['nbgrader']:.2f}")
    finally:
        if args.keep:
            print(f"work folder kept: {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
