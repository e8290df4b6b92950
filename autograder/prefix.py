"""Many patched copies of one lab graded from the solution's own state (what ``make mutants`` runs).

A zoo entry changes one function of the solution.  Every cell before the first cell it changes
runs exactly as in the solution, and the judge is deterministic (its random inputs are seeded
by name), so those test cells get the solution's verdicts.  The solution's run therefore pauses
before each cell where some entry's changes begin and forks a *template* there: a process
holding the solution's state at that point.  For each entry the template forks a child that
runs only the entry's cells from that point on, talking to the judge here through
``harness.converse`` exactly as a whole run does.  An entry that changes a student file
(imported by the setup cell) or the first cell is run whole (``harness.execute``).

Processes::

    this process (judges)  --pipe-->  solution's child --fork at position k--> template k
                           <--unix socket per entry-->  template k --fork--> entry's child

Like the rest of the direct harness this runs the course's own code (solutions and zoo
patches; its messages travel pickled): submissions are graded in the sandbox.
tests/test_prefix.py grades entries both ways and compares every cell.
"""
from __future__ import annotations

import contextlib
import gc
import os
import shutil
import signal
import socket
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection

from . import harness, notebooks
from .kernel.evaluator import SOCKET_ENV

Prepared = tuple[list[notebooks.Cell], dict[str, str]]   # what harness.prepare returns


@dataclass(frozen=True)
class Template:
    """The solution's process paused before the cell at ``position``, forked, listening at ``path``."""
    position: int
    path: str
    pid: int


def first_change(solution: Prepared, entry: Prepared) -> int:
    """Position of the first cell ``entry`` changes; 0 when it changes a file or the first cell."""
    cells, files = entry
    if files != solution[1] or len(cells) != len(solution[0]):
        return 0
    for position, (mine, theirs) in enumerate(zip(cells, solution[0])):
        if mine.source != theirs.source:
            return position
    return len(cells)    # changes nothing that runs: the solution's verdicts throughout


class _Forker(harness.ChildHooks):
    """In the solution's child: fork a template before each wanted position; end them at the end."""

    def __init__(self, positions: set[int], folder: str):
        self.positions, self.folder = positions, folder
        self.pids: list[int] = []

    def before(self, position: int, ns: dict, conn) -> None:
        if position not in self.positions:
            return
        path = os.path.join(self.folder, f"template-{position}.sock")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(path)
        listener.listen(16)
        pid = os.fork()
        if pid == 0:
            try:
                conn.close()
                _serve(listener, ns)
            finally:
                os._exit(0)
        listener.close()
        self.pids.append(pid)
        conn.send(("forked", position, path, pid))

    def after(self) -> None:
        for pid in self.pids:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)


def _serve(listener: socket.socket, ns: dict) -> None:
    """In a template: fork one child per request (the rest of an entry's cells), forever."""
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)     # the kernel reaps the entries' children
    # Every object alive here (the solution's state, NumPy, pandas, matplotlib: some 240,000) is
    # shared by all entries and never garbage: without freezing, each entry's full collections walk
    # them all (a third of an entry's CPU in lab05, whose graphs of Values trigger many) and write
    # their GC headers, copying the shared pages.
    gc.freeze()
    home = os.getcwd()
    while True:
        sock, _ = listener.accept()
        conn = Connection(sock.detach())
        try:
            cells, socket_path, workdir = conn.recv()
        except (EOFError, OSError):
            conn.close()
            continue
        if os.fork() == 0:
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            listener.close()
            _run_rest(conn, cells, ns, home, socket_path, workdir)
        conn.close()


def _run_rest(conn: Connection, cells: list[notebooks.Cell], ns: dict, home: str, socket_path: str,
              workdir: str) -> None:
    """In an entry's child: its own copy of the working folder and judge socket, then its cells."""
    try:
        # Entries run side by side: a cell that writes a file must not reach another entry.
        shutil.copytree(home, workdir, dirs_exist_ok=True)
        os.chdir(workdir)
        sys.path[:] = [workdir if p == home else p for p in sys.path]
        os.environ[SOCKET_ENV] = socket_path
        conn.send(("pid", os.getpid()))
        harness.run_cells(cells, conn, ns)
        conn.send(("end",))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent like a whole run's crash
        with contextlib.suppress(OSError):
            conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        os._exit(0)


def _from_template(lab: str, template: Template, entry: Prepared, solution: harness.Outcome, label: str,
                   timeout: float) -> harness.Outcome:
    """Grade ``entry`` from ``template``: the solution's verdicts before it, the judge's after."""
    cells = entry[0]
    tests = {c.index: c for c in cells if c.role == "test"}
    rest = cells[template.position:]
    rest_tests = {c.index: c for c in rest if c.role == "test"}
    before = {c.grade_id for i, c in tests.items() if i not in rest_tests}
    results = [c for c in solution.cells if c.grade_id in before]
    pid, error = None, None
    with tempfile.TemporaryDirectory(prefix="judge-") as judge_dir:
        socket_path = os.path.join(judge_dir, "judge.sock")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(template.path)
            conn = Connection(sock.detach())
        except OSError:
            sock.close()
            return harness.assemble(lab, label, tests, results, "the grading process died")
        try:
            conn.send((rest, socket_path, os.path.join(judge_dir, "work")))
            if not conn.poll(timeout):
                raise EOFError
            _, pid = conn.recv()
            judged, error = harness.converse(conn, rest_tests, socket_path, timeout)
            results += judged
        except (EOFError, OSError):
            error = "the grading process died"
        finally:
            conn.close()
            if pid is not None and error is not None and error.startswith("timed out"):
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
    return harness.assemble(lab, label, tests, results, error)


def execute_all(lab: str, prepared: list[Prepared], labels: list[str], jobs: int,
                timeout: float = 300.0) -> list[harness.Outcome]:
    """Outcomes of ``prepared`` runs of ``lab`` (``prepared[0]`` is the unpatched solution), in order."""
    solution = prepared[0]
    starts = [first_change(solution, p) for p in prepared]
    templates: dict[int, Template] = {}
    outcomes: list[harness.Outcome | None] = [None] * len(prepared)

    def forked(msg: tuple) -> None:
        if msg[0] == "forked":
            templates[msg[1]] = Template(msg[1], msg[2], msg[3])

    def grade(i: int) -> harness.Outcome:
        template, solved = templates.get(starts[i]), outcomes[0]
        if template is None or solved is None:   # it changes a file or the first cell: a whole run
            return harness.execute(lab, prepared[i], label=labels[i], timeout=timeout)
        return _from_template(lab, template, prepared[i], solved, labels[i], timeout)

    def rest(outcome: harness.Outcome) -> None:   # while the solution's child and its templates live
        outcomes[0] = outcome
        with ThreadPoolExecutor(jobs) as pool:
            for i, out in zip(range(1, len(prepared)), pool.map(grade, range(1, len(prepared)))):
                outcomes[i] = out

    wanted = {k for k in starts[1:] if 0 < k < len(solution[0])}
    with tempfile.TemporaryDirectory(prefix="templates-") as folder:
        harness.execute(lab, solution, label=labels[0], timeout=timeout, hooks=_Forker(wanted, folder),
                        on_message=forked, then=rest)
    return [out for out in outcomes if out is not None]
