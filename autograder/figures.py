"""``make figures``: run every solution notebook top to bottom (full budget) so that the labs
save their figures and results into ``report/`` (through ``nnlab.report``).

Each notebook runs in a scratch copy of its lab folder, so nothing but ``report/figures`` and
``report/results`` changes in the repository.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from .paths import ROOT, SOLUTIONS, lab_ids


def run_notebook(lab: str, timeout: int = 900) -> float:
    """Execute ``lab``'s source notebook with the report folder as output; return seconds."""
    from nbclient import NotebookClient

    with tempfile.TemporaryDirectory(prefix=f"figures-{lab}-") as tmp:
        work = Path(tmp) / lab
        shutil.copytree(SOLUTIONS / lab, work, ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
        nb = nbformat.read(str(work / f"{lab}.ipynb"), as_version=4)
        os.environ["NNLAB_REPORT_DIR"] = str(ROOT / "report")
        os.environ.pop("NBGRADER_EXECUTION", None)
        start = time.perf_counter()
        NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(work)}}).execute()
        return time.perf_counter() - start


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("labs", nargs="*")
    args = ap.parse_args(argv)
    failed = []
    for lab in args.labs or lab_ids():
        try:
            print(f"{lab}: ran in {run_notebook(lab):.0f} s", flush=True)
        except Exception as exc:  # report every lab, then fail
            failed.append(lab)
            print(f"{lab}: FAILED: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
