"""The worker process of one unit, the same for local grading and Dask workers.

``run_unit(spec, out_path)`` is the body of a forked process: its own session (so the parent
can kill the kernel with it), a death signal tied to its parent, an address-space cap, its
logs in a file, one BLAS thread; it grades the unit (autograder/unit.py) and writes the
result as JSON.  ``read_result`` turns what a finished process left into a result, naming why
when it left nothing.  ``preload`` imports the grading stack once before forking.
"""
from __future__ import annotations

import json
import os
import resource
import signal
import traceback
from pathlib import Path

from .records import UnitResult

#: A submission as a whole may take at most this long (cells are limited separately).
UNIT_TIMEOUT = int(os.environ.get("NNLAB_UNIT_TIMEOUT", "900"))
#: Address-space cap of a grading worker and the kernel it starts.
UNIT_MEMORY = int(os.environ.get("NNLAB_UNIT_MEMORY_GB", "12")) * 2 ** 30


def run_unit(spec: dict, out_path: str) -> None:
    """Body of a forked worker: grade one unit, write its result, exit."""
    os.setsid()  # own process group: the parent can kill the kernel with the worker
    die_with_parent()
    # nbgrader, SQLAlchemy and the kernel log to stderr; keep it in the unit's log file so
    # the TA's terminal shows the progress bar and the summary only.
    log = os.open(spec["workdir"] + ".log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(log, 1)
    os.dup2(log, 2)
    # Kernels of parallel units share the cores: one BLAS/OpenMP thread each.
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    try:
        resource.setrlimit(resource.RLIMIT_AS, (UNIT_MEMORY, UNIT_MEMORY))
    except (ValueError, OSError):
        pass
    from .patches import template_cache
    from .unit import grade_unit
    template_cache(spec.get("template_cache") or str(Path(spec["workdir"]).parent / ".jinja-cache"))
    try:
        result = grade_unit(spec)
    except BaseException as exc:  # noqa: BLE001 - reported, never raised
        # Our failure, not the student's: never cached, retried next run.
        result = UnitResult.not_run(spec["student"], spec["lab"], notes=spec.get("notes", ()),
                                    failure=f"grader error: {type(exc).__name__}: {exc}", retry=True,
                                    trace=traceback.format_exc()[-2000:]).to_json()
    Path(out_path).write_text(json.dumps(result))
    os._exit(0)


def die_with_parent() -> None:
    """Linux: SIGKILL this unit if the pipeline dies (a crashed run leaves no orphan units)."""
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


#: Imported once before forking, so no unit pays for them (~3 s per unit otherwise).
PRELOAD = ("autograder.unit", "nbgrader.api", "nbgrader.apps", "nbgrader.converters", "nbgrader.preprocessors",
           "nbconvert.exporters", "nbclient", "jupyter_client", "bs4", "mistune", "pygments.formatters")


def preload() -> None:
    """Import the grading stack and render one throw-away feedback page, before forking units."""
    import importlib
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    from . import feedback
    from .config import course_config
    from .paths import ROOT
    feedback.warm(course_config(str(ROOT)))


def kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def read_result(spec: dict, out: str, exitcode, timed_out: bool) -> dict:
    if os.path.exists(out):
        return json.loads(Path(out).read_text())
    reason = (f"grading took longer than {UNIT_TIMEOUT} s" if timed_out else
              f"the grading process died (exit code {exitcode}): the notebook killed or exhausted it")
    return UnitResult.not_run(spec["student"], spec["lab"], notes=spec.get("notes", ()), failure=reason).to_json()


