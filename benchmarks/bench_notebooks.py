"""CPU cost of running solution notebooks top to bottom, as students, `make figures` and CI run them.

Prints, per lab, the wall time and the CPU time (user + system) of the notebook's kernel, at the
students' budget (full experiments) and at the autograder's (``NBGRADER_EXECUTION=autograde``).
Figures and results go to a temporary folder, never into ``report/``.

Usage: ``.venv/bin/python benchmarks/bench_notebooks.py [LAB ...]`` (default: lab08-optimisation).
"""
from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from autograder.paths import ROOT, source_notebook


def run(lab: str, autograding: bool) -> tuple[float, float]:
    """(wall seconds, kernel CPU seconds) of one top-to-bottom run of ``lab``'s solution notebook."""
    nb = nbformat.read(str(source_notebook(lab)), as_version=4)
    env = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix=f"bench-{lab}-") as tmp:
        os.environ["NNLAB_REPORT_DIR"] = str(Path(tmp) / "report")
        os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        os.environ.pop("NBGRADER_EXECUTION", None)
        if autograding:
            os.environ["NBGRADER_EXECUTION"] = "autograde"
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        try:
            NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": tmp}}).execute()
        finally:
            os.environ.clear()
            os.environ.update(env)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)   # the kernel has exited: it is counted
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(argv: list[str]) -> int:
    for lab in argv or ["lab08-optimisation"]:
        for autograding in (False, True):
            wall, cpu = run(lab, autograding)
            budget = "autograder's budget" if autograding else "students' budget"
            print(f"{lab} ({budget}): {wall:.1f} s wall, {cpu:.1f} s CPU of the kernel", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
