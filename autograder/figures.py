"""``make figures`` / ``make report``: run the solution notebooks so that the labs save their figures
and results into ``report/`` (through ``nnlab.report``), skipping the labs whose inputs did not
change since their last run.

A lab's *inputs* are its solution folder (of a notebook, the code cells), the ``nnlab`` package, this runner, the versions of the
numerical libraries and which image data set the machine holds (MNIST or only Fashion-MNIST).
Their SHA-256 is recorded in ``build/figures-cache/<lab>.json`` after a successful run; a lab is
run again when the hash differs or one of its recorded outputs is missing. Before a run, the
lab's previous outputs are deleted, so a renamed figure or a dropped result key cannot linger.

Each notebook runs in a scratch copy of its lab folder (nothing but ``report/figures`` and
``report/results`` changes in the repository), labs run in parallel (``--jobs``, one kernel each,
one BLAS thread per kernel so that runs are reproducible), and one tqdm bar counts the executed
code cells of all of them.

    python -m autograder.figures                 # every lab whose inputs changed
    python -m autograder.figures lab01-regression --force
"""
from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing as mp
import os
import queue
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .paths import BUILD, ROOT, SOLUTIONS, lab_ids

REPORT = ROOT / "report"
CACHE = BUILD / "figures-cache"
RUNNER_VERSION = "3"          # bump when the way notebooks are run changes their outputs
CELL_TIMEOUT = 900            # seconds; a cell of a lab must stay far below it
KERNEL_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def _files(folder: Path, pattern: str = "*") -> list[Path]:
    skip = {"__pycache__", ".ipynb_checkpoints"}
    return sorted(p for p in folder.rglob(pattern) if p.is_file() and not skip & set(p.parts))


def _image_data_set() -> str:
    """Which image data set the notebooks will load here (they fall back to Fashion-MNIST)."""
    from nnlab import mnist
    both = mnist.available("mnist", "train") and mnist.available("mnist", "test")
    return "mnist" if both else "fashion"


def input_hash(lab: str) -> str:
    """SHA-256 of everything that decides what ``lab``'s notebook writes into ``report/``."""
    import matplotlib
    import numpy
    import scipy

    h = hashlib.sha256()
    h.update(f"runner {RUNNER_VERSION}; numpy {numpy.__version__}; scipy {scipy.__version__}; "
             f"matplotlib {matplotlib.__version__}; python {sys.version_info[:2]}; "
             f"data {_image_data_set()}\n".encode())
    for path in [*_files(SOLUTIONS / lab), *_files(ROOT / "nnlab", "*.py")]:
        h.update(str(path.relative_to(ROOT)).encode() + b"\0" + _content(path) + b"\0")
    return h.hexdigest()


def _content(path: Path) -> bytes:
    """What of ``path`` can change a run: for a notebook its code cells (prose edits do not)."""
    if path.suffix != ".ipynb":
        return path.read_bytes()
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    code = ["".join(c["source"]) if isinstance(c["source"], list) else c["source"]
            for c in cells if c["cell_type"] == "code"]
    return "\n\0\n".join(code).encode()


def outputs(lab: str) -> list[Path]:
    """The files ``lab`` has written into ``report/`` (figures, results)."""
    found = _files(REPORT / "figures" / lab) if (REPORT / "figures" / lab).is_dir() else []
    return found + [p for p in (REPORT / "results" / f"{lab}.json", REPORT / "results" / f"{lab}.tex")
                    if p.is_file()]


def _cache_file(lab: str) -> Path:
    return CACHE / f"{lab}.json"


def up_to_date(lab: str, digest: str | None = None) -> bool:
    """True when ``lab`` ran with exactly these inputs and all its outputs are still there."""
    try:
        record = json.loads(_cache_file(lab).read_text())
    except (OSError, ValueError):
        return False
    digest = digest or input_hash(lab)
    return record.get("hash") == digest and all((ROOT / p).is_file() for p in record.get("outputs", [])) \
        and bool(record.get("outputs"))


def _clear_outputs(lab: str) -> None:
    shutil.rmtree(REPORT / "figures" / lab, ignore_errors=True)
    for suffix in (".json", ".tex"):
        (REPORT / "results" / f"{lab}{suffix}").unlink(missing_ok=True)


def _code_cells(lab: str) -> int:
    import nbformat
    nb = nbformat.read(str(SOLUTIONS / lab / f"{lab}.ipynb"), as_version=4)
    return sum(c.cell_type == "code" for c in nb.cells)


def run_notebook(lab: str, ticks=None) -> float:
    """Execute ``lab``'s source notebook top to bottom (full budget); return the seconds it took.

    ``ticks``: a queue that receives ``lab`` after every executed code cell (for the progress bar).
    """
    import nbformat
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    with tempfile.TemporaryDirectory(prefix=f"figures-{lab}-") as tmp:
        work = Path(tmp) / lab
        shutil.copytree(SOLUTIONS / lab, work, ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
        nb = nbformat.read(str(work / f"{lab}.ipynb"), as_version=4)
        env = {k: v for k, v in os.environ.items() if k != "NBGRADER_EXECUTION"}
        env.update(KERNEL_ENV, NNLAB_REPORT_DIR=str(REPORT), PYTHONPATH=os.pathsep.join(
            [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]))
        # IPC transport: the kernel talks over Unix sockets in the scratch folder (no TCP warning).
        km = KernelManager(kernel_name="python3", transport="ipc", ip=str(Path(tmp) / "kernel"))
        client = NotebookClient(nb, km=km, timeout=CELL_TIMEOUT, resources={"metadata": {"path": str(work)}})
        start = time.perf_counter()
        try:
            with client.setup_kernel(env=env, cwd=str(work)):
                for index, cell in enumerate(nb.cells):
                    if cell.cell_type != "code":
                        continue
                    client.execute_cell(cell, index)
                    if ticks is not None:
                        ticks.put(lab)
        finally:   # the client does not own a kernel manager it was given: shut the kernel down here
            if km.has_kernel:
                km.shutdown_kernel(now=False)
        return time.perf_counter() - start


@dataclass
class Outcome:
    lab: str
    seconds: float = 0.0
    error: str = ""


def _run_and_record(lab: str, digest: str, ticks) -> Outcome:
    _clear_outputs(lab)
    try:
        seconds = run_notebook(lab, ticks)
    except Exception as exc:  # noqa: BLE001 - report every lab, then fail
        first = str(exc).strip().splitlines()
        return Outcome(lab, error=f"{type(exc).__name__}: {first[-1] if first else ''}")
    written = outputs(lab)
    if not written:
        return Outcome(lab, seconds, error="the notebook ran but saved no figure and no result")
    CACHE.mkdir(parents=True, exist_ok=True)
    _cache_file(lab).write_text(json.dumps({"hash": digest, "seconds": round(seconds, 1),
                                            "outputs": [str(p.relative_to(ROOT)) for p in written]}, indent=1))
    return Outcome(lab, seconds)


def ensure(labs: list[str] | None = None, *, force: bool = False, jobs: int | None = None,
           quiet: bool = False) -> list[Outcome]:
    """Run every lab of ``labs`` (default: all) whose outputs are missing or stale; return what ran."""
    from tqdm.auto import tqdm

    labs = labs or lab_ids()
    digests = {lab: input_hash(lab) for lab in labs}
    todo = [lab for lab in labs if force or not up_to_date(lab, digests[lab])]
    if not quiet:
        for lab in labs:
            if lab not in todo:
                print(f"{lab}: up to date (inputs unchanged, outputs present)", flush=True)
    if not todo:
        return []
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
    ctx = mp.get_context("spawn")          # kernels and zmq never cross a fork
    ticks = ctx.Manager().Queue()
    total = sum(_code_cells(lab) for lab in todo)
    results: list[Outcome] = []
    with tqdm(total=total, desc=f"running {len(todo)} notebook(s)", unit="cell", disable=quiet,
              dynamic_ncols=True) as bar, ctx.Pool(jobs) as pool:
        pending = [pool.apply_async(_run_and_record, (lab, digests[lab], ticks)) for lab in todo]
        while pending:
            try:
                bar.set_postfix_str(ticks.get(timeout=0.5), refresh=False)
                bar.update(1)
            except queue.Empty:
                pass
            for job in [j for j in pending if j.ready()]:
                pending.remove(job)
                outcome = job.get()
                results.append(outcome)
                message = (f"{outcome.lab}: ran in {outcome.seconds:.0f} s" if not outcome.error
                           else f"{outcome.lab}: FAILED: {outcome.error}")
                bar.write(message) if not quiet else None
        while True:                          # the ticks still queued
            try:
                ticks.get_nowait()
                bar.update(1)
            except queue.Empty:
                break
    return results


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("labs", nargs="*", help="lab ids (default: every lab)")
    ap.add_argument("--force", action="store_true", help="run even the labs whose inputs did not change")
    ap.add_argument("--jobs", type=int, default=None, help="notebooks run at once (default: CPU count)")
    args = ap.parse_args(argv)
    start = time.perf_counter()
    outcomes = ensure(args.labs or None, force=args.force, jobs=args.jobs)
    failed = [o.lab for o in outcomes if o.error]
    print(f"figures: {len(outcomes) - len(failed)} notebook(s) run, {len(failed)} failed, "
          f"{time.perf_counter() - start:.0f} s in total", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
