"""``make bench-grade``: the class dashboard for a large synthetic class, time and size.

A synthetic class (autograder/dashboard/synthetic.py: unit results shaped like the pipeline's
for the real labs' graded cells, failures worded with the bug zoo's phrases, some
submissions missing, failed, tampered with or blank; no kernel runs) of N submissions
(default 1,000: students × labs) gets its ``diagnoses.csv`` and ``dashboard/index.html``
written, as ``make grade`` writes them.  Printed: the rendering time (CSV and page, from the
results in memory to the files on disk; the first, cold rendering counts) and the page's size,
against issue 20's bounds of 10 s and 5 MB; the last line is the one to read:

    dashboard: 1000 submissions in X.XX s, page Y.YY MB (bounds: 10 s, 5 MB)

A benchmark, not a test: it prints figures and never fails on them (tests/test_dashboard.py
asserts the size bound only).  Other work on the machine skews the time (the load average is
printed with it).
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--submissions", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=3, help="renderings timed; the first and the best are printed")
    ap.add_argument("--keep", action="store_true", help="keep the output folder and print its path")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    from autograder import dashboard
    from autograder.dashboard import synthetic
    imports = time.perf_counter() - t0
    out = Path(tempfile.mkdtemp(prefix="bench-dashboard-"))
    try:
        t0 = time.perf_counter()
        results, grades = synthetic.synthetic_class(args.submissions, args.seed, feedback_root=out / "feedback")
        made = time.perf_counter() - t0
        print(f"synthetic class: {args.submissions} submissions, {grades.student_id.nunique()} students, "
              f"{grades.assignment.nunique()} labs (made in {made:.1f} s; imports {imports:.1f} s)", flush=True)
        run_info = {"seconds": 1800.0, "graded": args.submissions, "jobs": 2, "sandbox": True, "scheduler": None}
        times = []
        for _ in range(max(1, args.repeat)):
            t0 = time.perf_counter()
            index = dashboard.publish(results, grades, out, run_info)
            times.append(time.perf_counter() - t0)
        size = index.stat().st_size / 1e6
        rows = sum(1 for _ in (out / "diagnoses.csv").open()) - 1
        # The first rendering is what `make grade` pays (matplotlib's fonts and caches load then).
        first, rest = times[0], sorted(times[1:])
        print(f"rendering (diagnoses.csv + index.html): first {first:.2f} s"
              + (f", then best {rest[0]:.2f} s of {len(rest)}" if rest else "")
              + f"   (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
        print(f"diagnoses.csv: {rows} failed cells")
        print(f"dashboard: {args.submissions} submissions in {first:.2f} s, page {size:.2f} MB (bounds: 10 s, 5 MB)")
        if args.keep:
            print(f"output kept: {index}", file=sys.stderr)
    finally:
        if not args.keep:
            shutil.rmtree(out, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
