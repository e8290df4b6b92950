"""Direct grading: run a lab's test cells against (possibly patched) code, without nbgrader.

This is what makes ``make mutants`` fast: a lab folder (source or release) is turned into
its setup, solution and test cells, patched, and executed in a forked child process in a
scratch directory, cell by cell, the way the kernel would run them.  As under nbgrader, the
child only computes (a hidden check is a request to the judge, autograder/kernel/) and the
judge in this process decides each test cell (autograder/judge/).  One
end-to-end nbgrader run per lab (tests/test_pipeline.py, ``make mutants``) proves this
path and the real one agree.
"""
from __future__ import annotations

import contextlib
import gc
import io
import linecache
import multiprocessing as mp
import os
import random
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import notebooks
from .judge.declarations import checks_in
from .judge.runner import CellJudge
from .kernel.evaluator import SOCKET_ENV
from .paths import SOLUTIONS
from .zoo import Patch


class PatchError(ValueError):
    """A zoo patch does not apply to the current solution (edit the zoo)."""


@dataclass
class CellOutcome:
    grade_id: str
    max_points: float
    points: float
    message: str | None = None   # None when the cell passed
    diagnosis: str | None = None  # stable id of the mistake (the judge's)


@dataclass
class Outcome:
    lab: str
    label: str
    cells: list[CellOutcome] = field(default_factory=list)
    error: str | None = None     # the child died or timed out

    @property
    def score(self) -> float:
        return sum(c.points for c in self.cells)

    @property
    def max_score(self) -> float:
        return sum(c.max_points for c in self.cells)

    def messages(self) -> list[str]:
        return [c.message for c in self.cells if c.message] + ([self.error] if self.error else [])


def _replace_once(text: str, old: str, new: str, where: str, name: str) -> str:
    n = text.count(old)
    if n != 1:
        raise PatchError(f"patch {name!r}: expected exactly one occurrence in {where}, found {n}: {old!r}")
    return text.replace(old, new)


def load_lab(lab: str, patches: tuple[Patch, ...] = (), lab_dir: Path | None = None):
    """(notebook, {relative path: text of student files}) with ``patches`` applied."""
    source = SOLUTIONS / lab
    lab_dir = lab_dir or source
    nb = notebooks.read(lab_dir / f"{lab}.ipynb")
    if Path(lab_dir).resolve() != source.resolve():
        _restore_tests(nb, notebooks.read(source / f"{lab}.ipynb"))
    files = {rel: (lab_dir / rel).read_text() for rel in _py_files(lab_dir)}
    for patch in patches:
        for old, new in patch.edits():
            if patch.file:
                if patch.file not in files:
                    raise PatchError(f"patch {patch.name!r}: no file {patch.file} in {lab}")
                files[patch.file] = _replace_once(files[patch.file], old, new, patch.file, patch.name)
                continue
            hits = [c for c in nb.cells if c.cell_type == "code" and old in c.source]
            total = sum(c.source.count(old) for c in hits)
            if total != 1:
                raise PatchError(f"patch {patch.name!r}: expected exactly one occurrence in "
                                 f"{lab}.ipynb, found {total}: {old!r}")
            hits[0].source = hits[0].source.replace(old, new)
    return nb, files


def _restore_tests(nb, source_nb) -> None:
    """Graded test cells take their source's text, hidden tests included, as under nbgrader
    (autograde restores locked cells from the gradebook): a release or a submission is graded
    by the real hidden checks, not by the visible asserts its copy holds."""
    tests = {notebooks.nbgrader_meta(c)["grade_id"]: c.source for c in source_nb.cells
             if c.cell_type == "code" and notebooks.is_graded_test(c)}
    for cell in nb.cells:
        if cell.cell_type == "code" and notebooks.is_graded_test(cell):
            cell.source = tests.get(notebooks.nbgrader_meta(cell)["grade_id"], cell.source)


def _py_files(lab_dir: Path) -> list[str]:
    return sorted(str(p.relative_to(lab_dir)) for p in lab_dir.rglob("*.py") if "__pycache__" not in p.parts)


def _install_shims(lab: str) -> None:
    """In the child: ``autograder.checks.<lab>`` becomes the kernel-side shim, as in the sandbox."""
    import importlib.util

    import autograder.checks as checks_pkg

    from .kernel import shim
    from .paths import lab_key

    name = f"autograder.checks.{lab_key(lab)}"
    spec = importlib.util.spec_from_file_location(name, shim.__file__)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.modules[name] = module
    setattr(checks_pkg, lab_key(lab), module)


class ChildHooks:
    """What a run may do inside its child besides running cells (autograder/prefix.py forks)."""

    def before(self, position: int, ns: dict, conn) -> None:
        """Called before the cell at ``position`` of the run, with the namespace and the channel."""

    def after(self) -> None:
        """Called last, once the parent has said "stop"."""


class HeapJitter(ChildHooks):
    """Before the first cell, allocate a seeded random mix of objects and free every other one, so
    that what the student's code allocates afterwards lands at other addresses than in a run with
    another seed.  Why: a fresh process lays memory out the same way every time, so repeating a run
    cannot show a grade that follows the iteration order of a set of student objects (ordered by
    address); varying the layout can (tests/test_stability.py, benchmarks/bench_stability.py)."""

    _keep: list = []   # the allocations kept alive until the child exits

    def __init__(self, seed: int) -> None:
        self.seed = seed

    def before(self, position: int, ns: dict, conn) -> None:
        if position:
            return
        rng = random.Random(self.seed)
        blocks = [bytearray(rng.randrange(8, 600)) if rng.random() < 0.5 else object()
                  for _ in range(rng.randrange(2_000, 40_000))]
        HeapJitter._keep.extend(blocks[::2])


def run_cells(cells: list[notebooks.Cell], conn, ns: dict | None = None, hooks: ChildHooks | None = None) -> None:
    """Execute cells in one namespace, in order, in *this* process (the child), like a kernel.

    Before a test cell the parent is told and opens the judge; after it, the parent
    collects the verdict.  Nothing decided here counts: the cell's own errors are ignored.
    ``ns`` continues a namespace (a fork of a run stopped before ``cells``).
    """
    ns = {"__name__": "__main__"} if ns is None else ns
    for position, cell in enumerate(cells):
        if hooks is not None:
            hooks.before(position, ns, conn)
        if cell.role == "test":
            conn.send(("test", cell.index))
            conn.recv()                      # the judge is listening
        with warnings.catch_warnings(record=True):
            warnings.simplefilter("default")
            try:
                with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
                    name = f"<cell {cell.index}>"
                    # As IPython does for its cells: a traceback can then quote the line (kernel/where.py).
                    linecache.cache[name] = (len(cell.source), None, cell.source.splitlines(True), name)
                    exec(compile(cell.source, name, "exec"), ns)
            except BaseException:  # noqa: BLE001 - a student cell may raise anything; the judge decides
                pass
        if cell.role == "test":
            conn.send(("ran", cell.index))


def _single_threaded_blas() -> None:
    """Several children share the cores: one BLAS thread each avoids oversubscription."""
    try:
        from threadpoolctl import threadpool_limits
        threadpool_limits(1)
    except ImportError:
        pass


def _child(conn, lab, cells, files, workdir, socket_path, hooks=None):
    try:
        os.chdir(workdir)
        for rel, text in files.items():
            path = Path(workdir, rel)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        sys.path.insert(0, workdir)
        os.environ["NBGRADER_EXECUTION"] = "autograde"
        os.environ["MPLBACKEND"] = "Agg"
        os.environ[SOCKET_ENV] = socket_path
        # Modules imported before the fork read the environment already: set what they cached.
        runtime = sys.modules.get("nnlab.runtime")
        if runtime is not None:
            runtime.AUTOGRADING = True
        _single_threaded_blas()
        _install_shims(lab)
        # What this child inherited (the grader's modules and imports) lives until it exits: frozen,
        # the collector neither walks it nor writes to its shared pages (see prefix._serve).
        gc.freeze()
        run_cells(cells, conn, hooks=hooks)
        conn.send(("end",))
    except BaseException as exc:  # noqa: BLE001
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        if hooks is not None:
            _hold(conn)
            hooks.after()
        conn.close()


def _hold(conn) -> None:
    """A run with hooks waits for "stop" before exiting (autograder/prefix.py: its forks serve the
    parent until then, and ``hooks.after`` ends them)."""
    with contextlib.suppress(EOFError, OSError):
        conn.recv()


def warm_imports() -> None:
    """Import the heavy libraries labs use once, in the parent: forked children then start in
    milliseconds instead of re-importing matplotlib and pandas for every mutant."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    import importlib
    for name in ("numpy", "scipy.special", "pandas", "matplotlib.pyplot", "tqdm.auto", "nnlab.runtime"):
        try:
            importlib.import_module(name)
        except ImportError:
            pass


def prepare(lab: str, patches: tuple[Patch, ...] = (), lab_dir: Path | None = None):
    """Cells and files for :func:`execute` (reads and patches in the calling thread)."""
    warm_imports()
    nb, files = load_lab(lab, patches, lab_dir)
    return notebooks.harness_cells(nb), files


def execute(lab: str, prepared, *, label: str = "solution", timeout: float = 300.0,
            hooks: ChildHooks | None = None, on_message: Callable[[tuple], None] | None = None,
            then: Callable[[Outcome], None] | None = None) -> Outcome:
    """Run prepared cells in a forked child; the judge decides each test cell in this process.

    ``hooks`` act in the child, ``on_message`` is called here with each message they send, and
    ``then`` with the outcome while the child still lives (autograder/prefix.py grades from the
    child's forks there).
    """
    cells, files = prepared
    tests = {c.index: c for c in cells if c.role == "test"}
    ctx = mp.get_context("fork")
    with tempfile.TemporaryDirectory(prefix=f"direct-{lab}-") as workdir, \
            tempfile.TemporaryDirectory(prefix="judge-") as judge_dir:
        socket_path = os.path.join(judge_dir, "judge.sock")
        parent, child = ctx.Pipe(duplex=True)
        proc = ctx.Process(target=_child, args=(child, lab, cells, files, workdir, socket_path, hooks))
        proc.start()
        child.close()
        try:
            results, error = converse(parent, tests, socket_path, timeout, on_message)
            if then is not None:
                then(assemble(lab, label, tests, list(results), error))
        finally:
            if hooks is not None and proc.is_alive():
                with contextlib.suppress(OSError):
                    parent.send("stop")
                proc.join(timeout=10)
            if proc.is_alive():
                proc.kill()
            proc.join()
    return assemble(lab, label, tests, results, error)


def converse(conn, tests: dict[int, notebooks.Cell], socket_path: str, timeout: float,
             on_message: Callable[[tuple], None] | None = None) -> tuple[list[CellOutcome], str | None]:
    """Judge the test cells a child runs, as it announces them on ``conn``; (outcomes, error)."""
    deadline = time.monotonic() + timeout
    results: list[CellOutcome] = []
    error = None
    judge = None
    try:
        while True:
            if not conn.poll(max(0.0, deadline - time.monotonic())):
                error = f"timed out after {timeout:.0f} s"
                break
            msg = conn.recv()
            if msg[0] == "test":
                cell = tests[msg[1]]
                judge = CellJudge(socket_path, cell.grade_id, checks_in(cell.source)).__enter__()
                conn.send("go")
            elif msg[0] == "ran":
                judge.__exit__(None, None, None)
                results.append(_outcome(tests[msg[1]], judge.verdict))
                judge = None
            elif msg[0] == "end":
                break
            elif msg[0] == "error" or on_message is None:
                error = str(msg[1])
                break
            else:
                on_message(msg)
    except (EOFError, OSError):
        error = "the grading process died"
    finally:
        if judge is not None:
            judge.__exit__(None, None, None)   # the cell never finished: it scores 0 below
    return results, error


def assemble(lab: str, label: str, tests: dict[int, notebooks.Cell], results: list[CellOutcome],
              error: str | None) -> Outcome:
    """The run's outcome: every test cell once, in notebook order; those without a verdict score 0."""
    done = {r.grade_id for r in results}
    for cell in tests.values():
        if cell.grade_id not in done:
            results.append(CellOutcome(cell.grade_id, cell.points, 0.0, error or "the grading process died"))
    order = {c.grade_id: i for i, c in enumerate(tests.values())}
    results.sort(key=lambda r: order[r.grade_id])
    return Outcome(lab, label, results, error)


def _outcome(cell: notebooks.Cell, verdict) -> CellOutcome:
    if verdict.passed:
        return CellOutcome(cell.grade_id, cell.points, cell.points)
    return CellOutcome(cell.grade_id, cell.points, 0.0, verdict.message, verdict.diagnosis)


def grade_direct(lab: str, patches: tuple[Patch, ...] = (), *, label: str = "solution",
                 lab_dir: Path | None = None, timeout: float = 300.0) -> Outcome:
    """Grade ``lab`` (the solution, or the lab folder ``lab_dir``) with ``patches`` applied."""
    return execute(lab, prepare(lab, patches, lab_dir), label=label, timeout=timeout)


def solution_namespace(lab: str) -> dict:
    """Execute the setup and solution cells of ``lab``'s source in this process; return the names.

    For instructor-side tests (report derivations, benchmarks) that need the reference code.
    Student ``.py`` modules of the lab are importable while the cells run.
    """
    nb, _files = load_lab(lab)
    ns: dict = {"__name__": f"solution_{lab.replace('-', '_')}"}
    lab_dir = str(SOLUTIONS / lab)
    sys.path.insert(0, lab_dir)
    try:
        for cell in notebooks.harness_cells(nb):
            if cell.role != "test":
                exec(compile(cell.source, f"<{lab} cell {cell.index}>", "exec"), ns)
    finally:
        sys.path.remove(lab_dir)
    return ns
