"""Stable grades (issue 15): grade each lab's solution and one buggy variant of it N times
(default 20) through the judge and print whether every run gave identical per-cell scores
and messages.  A benchmark, not a test: it prints figures (about 10 min for every lab on 2
cores) and exits 1 only when some grade changed between runs.

    python benchmarks/bench_stability.py [--runs 20] [lab ...]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autograder import harness, zoo
from autograder.paths import lab_ids


def _fingerprint(outcome) -> tuple:
    return tuple((c.grade_id, c.points, c.message) for c in outcome.cells)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("labs", nargs="*")
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args(argv)
    stable = True
    for lab in args.labs or lab_ids():
        mutants = zoo.load(lab).MUTANTS
        bugs = (mutants[len(mutants) // 2],)   # one catalogued mistake, from the middle of the zoo
        start = time.perf_counter()
        seen = {"perfect": set(), "buggy": set()}
        for _ in range(args.runs):
            seen["perfect"].add(_fingerprint(harness.grade_direct(lab)))
            seen["buggy"].add(_fingerprint(harness.grade_direct(lab, bugs, label="buggy")))
        same = all(len(v) == 1 for v in seen.values())
        stable &= same
        print(f"{lab}: {args.runs} gradings each of perfect and buggy: "
              f"{'identical' if same else 'DIFFERENT'} ({time.perf_counter() - start:.0f} s)", flush=True)
    print(f"stable grades: {'yes' if stable else 'NO'}")
    return 0 if stable else 1


if __name__ == "__main__":
    sys.exit(main())
