"""Direct grading: run a lab's test cells against (possibly patched) code, without nbgrader.

This is what makes ``make mutants`` fast: a lab folder (source or release) is turned into
its setup, solution and test cells, patched, and executed in a forked child process in a
scratch directory, cell by cell, the way the kernel would run them.  A test cell scores
its points when it raises nothing and writes nothing to stderr (nbgrader's rule).  One
end-to-end nbgrader run per lab (tests/test_pipeline.py, ``make mutants``) proves this
path and the real one agree.
"""
from __future__ import annotations

import contextlib
import io
import multiprocessing as mp
import os
import sys
import tempfile
import traceback
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from . import notebooks
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
    lab_dir = lab_dir or SOLUTIONS / lab
    nb = notebooks.read(lab_dir / f"{lab}.ipynb")
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


def _py_files(lab_dir: Path) -> list[str]:
    return sorted(str(p.relative_to(lab_dir)) for p in lab_dir.rglob("*.py") if "__pycache__" not in p.parts)


def _describe_exception(exc: BaseException) -> str:
    from .checks.core import CheckFailure
    if isinstance(exc, CheckFailure):
        return str(exc)
    if isinstance(exc, NotImplementedError):
        return "not implemented yet (NotImplementedError)"
    if isinstance(exc, AssertionError):
        tb = traceback.extract_tb(exc.__traceback__)
        line = tb[-1].line if tb else ""
        return f"visible test failed: {exc}" if str(exc) else f"visible test failed: {line}"
    return f"{type(exc).__name__}: {exc}"


def run_cells(cells: list[notebooks.Cell]) -> list[CellOutcome]:
    """Execute cells in one namespace, in order, in *this* process (call it in a child)."""
    ns: dict = {"__name__": "__main__"}
    results = []
    for cell in cells:
        err, out = io.StringIO(), io.StringIO()
        failure = None
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("default")
            try:
                with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
                    exec(compile(cell.source, f"<cell {cell.index}>", "exec"), ns)
            except BaseException as exc:  # noqa: BLE001 - a student cell may raise anything
                failure = _describe_exception(exc)
        if failure is None and (caught or err.getvalue()):
            text = str(caught[0].message) if caught else err.getvalue().strip().splitlines()[0]
            failure = f"wrote to stderr (nbgrader scores such a cell 0): {text}"
        if cell.role == "test":
            results.append(CellOutcome(cell.grade_id, cell.points, 0.0 if failure else cell.points, failure))
    return results


def _single_threaded_blas() -> None:
    """Several children share the cores: one BLAS thread each avoids oversubscription."""
    try:
        from threadpoolctl import threadpool_limits
        threadpool_limits(1)
    except ImportError:
        pass


def _child(conn, cells, files, workdir):
    try:
        os.chdir(workdir)
        for rel, text in files.items():
            path = Path(workdir, rel)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        sys.path.insert(0, workdir)
        os.environ["NBGRADER_EXECUTION"] = "autograde"
        os.environ["MPLBACKEND"] = "Agg"
        # Modules imported before the fork read the environment already: set what they cached.
        runtime = sys.modules.get("nnlab.runtime")
        if runtime is not None:
            runtime.AUTOGRADING = True
        _single_threaded_blas()
        conn.send(("ok", run_cells(cells)))
    except BaseException as exc:  # noqa: BLE001
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


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


def execute(lab: str, prepared, *, label: str = "solution", timeout: float = 300.0) -> Outcome:
    """Run prepared cells in a forked child in a scratch directory; never raises for student code."""
    cells, files = prepared
    tests = [c for c in cells if c.role == "test"]
    ctx = mp.get_context("fork")
    with tempfile.TemporaryDirectory(prefix=f"direct-{lab}-") as workdir:
        parent, child = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_child, args=(child, cells, files, workdir))
        proc.start()
        child.close()
        status, payload = "error", f"timed out after {timeout:.0f} s"
        if parent.poll(timeout):
            try:
                status, payload = parent.recv()
            except EOFError:
                status, payload = "error", "the grading process died"
        if proc.is_alive():
            proc.kill()
        proc.join()
    if status == "ok":
        return Outcome(lab, label, payload)
    return Outcome(lab, label, [CellOutcome(c.grade_id, c.points, 0.0, payload) for c in tests], payload)


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
