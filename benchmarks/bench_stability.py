"""Stable grades (issue 15): grade each lab's sample class many times; print whether every run
gave the same per-cell scores (and the same messages).  A benchmark, not a test: it prints
figures and exits 1 only when a score changed between runs.

Two paths, as a TA grades:

* **direct** (``--runs``, default 20): the sample class's ``perfect`` and ``buggy`` submissions
  through the direct harness.  Each run is a fresh Python process with its own
  ``PYTHONHASHSEED``, and the child that runs the student's cells first allocates and frees a
  seeded random amount of memory, so object addresses -- and with them the iteration order of
  a set of student objects -- differ from run to run.  Why: repeating an identical run proves
  little, because a fresh process lays out memory the same way every time; session 12 found a
  lab05 grade that followed the order of a set of Values (a buggy backward scored 16 by one path
  and 17 by the other), stable run after run and flipping with unrelated changes.
* **nbgrader** (``--nbgrader``, default 20): the whole sample class (perfect, blank, buggy,
  tampered) through ``autograder grade`` (sandboxed kernels, a fresh kernel per notebook, each
  with its own hash seed), the gradebook's per-cell scores compared.  About 90 s per run on two
  cores.

    python benchmarks/bench_stability.py [--runs 20] [--nbgrader 20] [lab ...]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder import harness  # noqa: E402
from autograder.paths import lab_ids  # noqa: E402

DIRECT_STUDENTS = ("perfect", "buggy")   # tampered and blank need nbgrader's restoring of cells


def one_run(labs: list[str], classroom: Path, seed: int) -> dict:
    """{lab: {student: [[grade_id, points, message], ...]}} for this process's run."""
    out: dict = {}
    for lab in labs:
        out[lab] = {}
        for student in DIRECT_STUDENTS:
            prepared = harness.prepare(lab, (), classroom / student / lab)
            outcome = harness.execute(lab, prepared, label=student, hooks=harness.HeapJitter(seed))
            out[lab][student] = [[c.grade_id, c.points, c.message] for c in outcome.cells]
    return out


def direct(labs: list[str], classroom: Path, runs: int) -> bool:
    """``runs`` fresh processes, hash seed and heap layout varied; True when every score agreed."""
    seen: dict = defaultdict(list)   # (lab, student) -> one cell list per run
    start = time.perf_counter()
    for seed in range(1, runs + 1):
        env = dict(os.environ, PYTHONHASHSEED=str(seed))
        proc = subprocess.run([sys.executable, __file__, "--one-run", str(seed), "--classroom", str(classroom),
                               *labs], env=env, capture_output=True, text=True, check=True, cwd=ROOT)
        for lab, students in json.loads(proc.stdout.strip().splitlines()[-1]).items():
            for student, cells in students.items():
                seen[(lab, student)].append(cells)
        print(f"  direct run {seed}/{runs} done ({time.perf_counter() - start:.0f} s)", flush=True)
    stable = True
    for (lab, student), grades in seen.items():
        scores = {tuple((g, p) for g, p, _m in cells) for cells in grades}
        messages = {tuple(tuple(c) for c in cells) for cells in grades}
        total = sorted({sum(p for _g, p, _m in cells) for cells in grades})
        stable &= len(scores) == 1
        print(f"{lab} {student}: {len(grades)} runs, scores {'identical' if len(scores) == 1 else 'DIFFERENT'} "
              f"(total {'/'.join(f'{t:g}' for t in total)}), messages "
              f"{'identical' if len(messages) == 1 else f'{len(messages)} versions'}")
    return stable


def through_nbgrader(labs: list[str], classroom: Path, runs: int) -> bool:
    """``runs`` gradings of the whole class with ``autograder grade --force``; True when all agree."""
    from autograder import pipeline
    tables = []
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="stability-") as tmp:
        for k in range(runs):
            df = pipeline.grade(classroom, labs, Path(tmp) / f"run{k}", force=True, quiet=True)
            tables.append(df.sort_values(["assignment", "student_id"]).to_csv(index=False))
            print(f"  nbgrader run {k + 1}/{runs} done ({time.perf_counter() - start:.0f} s): "
                  f"{'same as run 1' if tables[-1] == tables[0] else 'DIFFERENT from run 1'}", flush=True)
    same = len(set(tables)) == 1
    print(f"nbgrader: {runs} gradings of the sample class ({len(labs)} labs): "
          f"per-cell scores {'identical' if same else 'DIFFERENT'}")
    return same


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("labs", nargs="*")
    ap.add_argument("--runs", type=int, default=20, help="direct-harness runs (0: skip)")
    ap.add_argument("--nbgrader", type=int, default=20, help="whole-class nbgrader runs (0: skip)")
    ap.add_argument("--classroom", type=Path, default=None, help="a generated sample class (default: generate)")
    ap.add_argument("--one-run", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    labs = args.labs or lab_ids()
    if args.one_run is not None:
        print(json.dumps(one_run(labs, args.classroom, args.one_run)))
        return 0
    with tempfile.TemporaryDirectory(prefix="stability-class-") as tmp:
        classroom = args.classroom
        if classroom is None:
            from autograder.sample_class import generate
            classroom = generate(Path(tmp) / "sample-class", labs)
        stable = True
        if args.runs:
            stable &= direct(labs, classroom, args.runs)
        if args.nbgrader:
            stable &= through_nbgrader(labs, classroom, args.nbgrader)
    print(f"stable grades: {'yes' if stable else 'NO'}")
    return 0 if stable else 1


if __name__ == "__main__":
    sys.exit(main())
