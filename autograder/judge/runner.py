"""Judging one graded cell while the kernel runs it.

:class:`CellJudge` listens on the unit's judge socket for exactly as long as the cell
executes.  The kernel's hidden-test line connects and says which check it is; the judge
runs that check (from ``autograder/checks``, in this process) against the student's objects
through the connection, then tells the kernel it is done.  What the judge concludes is a
:class:`CellVerdict`: the only thing that decides the cell's score.

A cell whose checks never connect, connect for another check, break the protocol, stop
answering, or connect more often than declared scores 0, with the reason as its message.
"""
from __future__ import annotations

import importlib
import os
import select
import socket
import threading
import time
from dataclasses import dataclass, field

import numpy as np

from ..checks.cases import explain_exception
from ..checks.core import CheckFailure, Compared, located, recording_passes, slug
from ..kernel.wire import ProtocolError, read_frame
from .declarations import CheckCall
from .repair import Repair, explain
from .session import JudgeSession, KernelGone, activate

#: A kernel must say which check it serves within this time after connecting.
HELLO_TIMEOUT = 10.0


@dataclass(frozen=True)
class CheckVerdict:
    check: str                     # "lab01.linear_backward"
    passed: bool
    message: str | None = None     # what the student reads (None when passed)
    diagnosis: str | None = None   # stable id of the mistake, e.g. "lab01.linear_backward/db-averaged"
    requests: int = 0              # requests the judge made (for the timing report)
    seconds: float = 0.0


@dataclass
class CellVerdict:
    """The judge's decision for one graded test cell."""
    grade_id: str
    checks: list[CheckVerdict] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(c.passed for c in self.checks)

    @property
    def failure(self) -> CheckVerdict | None:
        return next((c for c in self.checks if not c.passed), None)

    @property
    def message(self) -> str | None:
        f = self.failure
        return f.message if f else None

    @property
    def diagnosis(self) -> str | None:
        f = self.failure
        return f.diagnosis if f else None

    @property
    def seconds(self) -> float:
        return sum(c.seconds for c in self.checks)

    def to_json(self) -> dict:
        return {"grade_id": self.grade_id, "passed": self.passed, "message": self.message,
                "diagnosis": self.diagnosis, "seconds": round(self.seconds, 4)}


def _failed(call: CheckCall, message: str, diagnosis: str, started: float, requests: int = 0) -> CheckVerdict:
    return CheckVerdict(call.qualname, False, message, f"{call.qualname}/{diagnosis}", requests,
                        time.perf_counter() - started)


def judge_connection(conn: socket.socket, call: CheckCall) -> CheckVerdict:
    """Run ``call`` against the objects the kernel hands over on ``conn``."""
    started = time.perf_counter()
    session = JudgeSession(conn)
    try:
        conn.settimeout(HELLO_TIMEOUT)
        try:
            hello, payload = read_frame(conn)
            if hello.get("hello") != call.qualname:
                return _failed(call, "the hidden test handed over results for another check", "wrong-check", started)
            args = session.decoder(payload).decode(hello.get("args"))
        except (EOFError, OSError, ProtocolError):
            return _failed(call, "the hidden test's results arrived malformed", "malformed", started)
        if not isinstance(args, list) or len(args) != len(call.args):
            return _failed(call, "the hidden test handed over the wrong objects", "wrong-arguments", started)
        conn.settimeout(None)   # the cell's own time limit bounds the rest (CellJudge closes the socket)
        check = getattr(importlib.import_module(f"autograder.checks.{call.lab}"), call.name)
        activate(session)
        passed: list[Compared] = []
        try:
            # the oracle's own edge cases stay silent (thread-local); the comparisons found right are kept
            # for the one-change search, which must not break them
            with np.errstate(all="ignore"), recording_passes(passed):
                check(*args)
        except CheckFailure as exc:
            message, diagnosis = located(exc), getattr(exc, "diagnosis", None)
            message, diagnosis = _worded(exc, message, diagnosis)
            better = _repaired(exc, message, diagnosis, session, passed)
            if better is not None:
                message, diagnosis = better.message, better.diagnosis
            return CheckVerdict(call.qualname, False, message, f"{call.qualname}/{diagnosis or slug(message)}",
                                session.requests, time.perf_counter() - started)
        except KernelGone as exc:
            return _failed(call, str(exc), "no-answer", started, session.requests)
        except RecursionError:
            return _failed(call, "your code nests too deeply for the grader to follow (recursion)",
                           "recursion", started, session.requests)
        except Exception as exc:  # noqa: BLE001 - an unexpected answer that the check could not handle
            return _failed(call, f"the check could not use what your code returned ({type(exc).__name__}: "
                                 f"{str(exc)[:200]})", "unusable-result", started, session.requests)
        finally:
            activate(None)
        return CheckVerdict(call.qualname, True, requests=session.requests, seconds=time.perf_counter() - started)
    finally:
        session.done()


def _worded(failure: CheckFailure, message: str, diagnosis: str | None) -> tuple[str, str | None]:
    """A raw exception of student code that no check put in words (the message ends with "raised
    TypeError: ..." and its line) gets the general sentence for its slip, when one is known
    (cases.explain_exception): whatever check the call came from, a student reads the cause, not only
    the call and the line.  A message a check already added to (its own hint) is left as it is."""
    if not (diagnosis or "").startswith("raised-") or not _ends_raw(failure, message):
        return message, diagnosis
    said = explain_exception(message)
    return (f"{message}. Likely cause: {said[0]}", said[1]) if said else (message, diagnosis)


def _ends_raw(failure: BaseException, message: str) -> bool:
    seen: BaseException | None = failure
    for _ in range(20):
        if seen is None:
            return False
        raised = getattr(seen, "raised", "")
        if raised:
            return message.endswith(raised) or message.endswith(raised + (getattr(seen, "where", "") or ""))
        seen = seen.__context__
    return False


def _repaired(failure: CheckFailure, message: str, diagnosis: str | None, session: JudgeSession,
              passed: list[Compared]) -> Repair | None:
    """The one change of the student's code that gives the expected value of the failed comparison and
    keeps the ``passed`` ones right (see repair.py); None when there is none, or the kernel stopped."""
    try:
        with np.errstate(all="ignore"):
            return explain(failure, message, diagnosis, session, passed)
    except (KernelGone, Exception):  # noqa: BLE001 - the search only words a failure: it never costs the verdict
        return None


class CellJudge:
    """Listen at ``path`` while a graded cell runs; ``verdict`` once the block ends.

    Use as ``with CellJudge(path, grade_id, checks) as judge: <run the cell>``.  A fresh
    listening socket per cell: nothing is accepted before the cell starts or after it ends.
    """

    def __init__(self, path: str | os.PathLike, grade_id: str, checks: list[CheckCall]):
        self.path, self.grade_id, self.checks = str(path), grade_id, list(checks)
        self.verdicts: list[CheckVerdict] = []
        self._stop = threading.Event()
        self._conn: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._listener: socket.socket | None = None
        self._surplus = 0
        self._wake: tuple[int, int] = (-1, -1)   # made in __enter__, closed in __exit__

    def __enter__(self) -> "CellJudge":
        if os.path.lexists(self.path):
            os.unlink(self.path)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(self.path)
        os.chmod(self.path, 0o666)   # the kernel runs as another user when grading as root
        listener.listen(4)
        self._wake = os.pipe()
        listener.settimeout(0.1)
        self._listener = listener
        self._thread = threading.Thread(target=self._run, name=f"judge-{self.grade_id}", daemon=True)
        self._thread.start()
        return self

    def _accept(self) -> socket.socket | None:
        assert self._listener is not None
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
                conn.settimeout(None)
                return conn
            except TimeoutError:
                continue
            except OSError:
                return None
        return None

    def _run(self) -> None:
        for call in self.checks:
            conn = self._accept()
            if conn is None:
                return
            self._conn = conn
            try:
                self.verdicts.append(judge_connection(conn, call))
            finally:
                self._conn = None
                conn.close()
        # Every declared check has its verdict: a further connection (results handed over again)
        # is closed at once, so that kernel does not wait for a reply until the cell times out;
        # it is counted, and costs the cell in _decide.
        self._close_surplus()

    def _close_surplus(self) -> None:
        """Close each further connection as it arrives, until __exit__ wakes this thread (at once:
        the wake-up pipe, not a polling interval, so a cell's end is never delayed)."""
        assert self._listener is not None
        while True:
            ready, _, _ = select.select([self._listener.fileno(), self._wake[0]], [], [])
            if self._wake[0] in ready:
                return
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.close()
            self._surplus += 1

    def __exit__(self, *exc) -> None:
        # The cell is over: its checks have normally finished already (the kernel waits for
        # "done").  Give a finishing check a moment, then cut the connection.
        self._stop.set()
        os.write(self._wake[1], b"x")
        if self._thread is not None:
            self._thread.join(timeout=2.0)
            if self._thread.is_alive() and self._conn is not None:
                try:
                    self._conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                self._thread.join(timeout=5.0)
        extra = self._surplus + self._late_connections()
        for fd in self._wake:
            os.close(fd)
        if self._listener is not None:
            self._listener.close()
        try:
            os.unlink(self.path)
        except OSError:
            pass
        self.verdict = self._decide(extra)

    def _late_connections(self) -> int:
        """Connections beyond the declared checks (a submission answering twice)."""
        n = 0
        if self._listener is None:
            return 0
        self._listener.settimeout(0)
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return n
            conn.close()
            n += 1

    def _decide(self, extra: int) -> CellVerdict:
        verdicts = list(self.verdicts)
        for call in self.checks[len(verdicts):]:
            verdicts.append(CheckVerdict(call.qualname, False,
                                         "the hidden test never handed its results to the grader (was the cell "
                                         "changed, interrupted, or did the kernel stop?)",
                                         f"{call.qualname}/never-arrived"))
        if not self.checks:
            verdicts.append(CheckVerdict(self.grade_id, False, "this graded cell declares no hidden check "
                                         "(course configuration error: tell your instructor)",
                                         f"{self.grade_id}/no-check"))
        if extra:
            verdicts.append(CheckVerdict(self.checks[0].qualname if self.checks else self.grade_id, False,
                                         "results were handed to the grader more often than the cell asks for",
                                         "duplicate-results"))
        return CellVerdict(self.grade_id, verdicts)
