"""Cost of the grading sandbox: the same lab01 submissions graded with and without it.

Prints wall time per submission for both modes (one worker, so the figures are per
submission, not throughput) and the overhead in percent; also the kernel start time the
units report.  Usage: ``.venv/bin/python benchmarks/bench_sandbox.py [N_SUBMISSIONS] [ROUNDS]``.
"""
from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from autograder import pipeline, sample_class

LAB = "lab01-regression"


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 4
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    work = Path(tempfile.mkdtemp(prefix="nnlab-bench-sandbox-"))
    try:
        release = sample_class.release_dir(LAB)
        sample_class.write_perfect(LAB, release, work / "subs" / "s0" / LAB)
        for i in range(1, n):
            shutil.copytree(work / "subs" / "s0" / LAB, work / "subs" / f"s{i}" / LAB)
        per_sub = {True: [], False: []}
        kernel = {True: [], False: []}
        unit = {True: [], False: []}   # one unit's own time, without the run's fixed costs
        for r in range(rounds):
            for sandboxed in (True, False) if r % 2 == 0 else (False, True):
                out = work / f"out-{sandboxed}-{r}"
                t0 = time.perf_counter()
                df = pipeline.grade(work / "subs", [LAB], out, jobs=1, force=True, quiet=True, sandbox=sandboxed)
                per_sub[sandboxed].append((time.perf_counter() - t0) / n)
                assert (df.auto_score == df.auto_max).all(), df.status.tolist()
                import json
                for res in (out / "grading" / "results").rglob("*.json"):
                    timing = json.loads(res.read_text()).get("timing", {})
                    if timing.get("kernel_start") is not None:
                        kernel[sandboxed].append(timing["kernel_start"])
                    unit[sandboxed].append(sum(timing.get(k, 0.0) for k in ("setup", "execute", "feedback",
                                                                           "database")))
        plain, boxed = statistics.median(per_sub[False]), statistics.median(per_sub[True])
        print(f"lab01 perfect submissions: {n} x {rounds} rounds, 1 worker")
        print(f"  unsandboxed: {plain:.2f} s per submission")
        print(f"  sandboxed:   {boxed:.2f} s per submission")
        print(f"  sandbox overhead: {boxed - plain:+.2f} s per submission ({100 * (boxed - plain) / plain:+.1f} %)")
        u_plain, u_boxed = statistics.median(unit[False]), statistics.median(unit[True])
        print(f"  one unit (median, without each run's start-up): sandboxed {u_boxed:.2f} s, plain {u_plain:.2f} s, "
              f"overhead {u_boxed - u_plain:+.2f} s ({100 * (u_boxed - u_plain) / u_plain:+.1f} %)")
        if kernel[True] and kernel[False]:
            print(f"  kernel start (median): sandboxed {statistics.median(kernel[True]):.2f} s, "
                  f"plain {statistics.median(kernel[False]):.2f} s")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
