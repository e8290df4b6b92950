"""Naming a wrong value by the one change of the student's own code that makes it right.

A check that finds wrong values and can only describe them ("largest error 0.7 at index
(2, 1)") leaves the student to find the mistake.  Most mistakes are one token away from right
code, so when the comparison that failed can be traced to the call of a student function that
computed the value, the judge asks which single edit of that function's own source
(``autograder/judge/edits.py``) gives the expected value on the same arguments: the edited
copies run in the kernel (``kernel/variants.py``), the judge compares.  When the edits that fit
all sit on one line, the student reads that line and the change ("in `lse = m + np.log1p(s)`,
`np.log1p` should be `np.log`").

It never decides a score (it runs only after a check has failed, and only rewrites that
failure's message), and a story is told only when it is unambiguous: a re-run of the
unedited function must reproduce the student's value first (no randomness, no hidden state),
the value must not be degenerate, and every edit that fits must be on the same line.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..checks.core import Compared
from .edits import Edit, identity, single_edits
from .session import CallRecord, JudgeSession, OperatorMethod, Raised, RemoteObject

#: A message that says nothing but the largest error (replaced by the change; anything more is kept).
BARE = re.compile(r"has wrong values: largest error [^;]*\)$")
#: Edited copies sent per request (a request's header stays far below the wire's limit).
BATCH = 200
# The search's limits are counts of work (function calls made in the kernel, kernel/work.py), never
# wall time: on a loaded machine a clock ran out sooner and the same submission lost its story.
# Measured on the eight solutions' checks (session 17): student code makes 0.3-3 million calls per CPU
# second, the largest call a check makes is a 3,000-node backward (54,000 calls), a train_step 5,000.
#: A call that made more function calls than this (a training loop) is not re-run hundreds of times
#: (at most kernel/work.py's CAP).
HEAVY_CALL = 60_000
#: Function calls the whole search may spend for one failure (every re-run charged its call's work):
#: a few seconds of CPU.
BUDGET_WORK = 5_000_000
#: An edited copy may make this many times its original's calls (plus SLACK) before the kernel stops it.
RUNAWAY_FACTOR, SLACK = 4, 2_000
#: Comparisons the check found right that a fitting change is replayed on (the newest ones).
PASSES_REPLAYED = 12
#: Glosses of library functions students confuse.
GLOSS = {
    "log1p": "np.log1p(a) is log(1 + a)", "expm1": "np.expm1(a) is exp(a) - 1",
    "maximum": "np.maximum compares two arrays entry by entry; np.max reduces one array",
    "mean": "a mean is a sum divided by the number of entries", "median": "the median is not the mean",
    "log2": "np.log2 is the base-2 logarithm", "log10": "np.log10 is the base-10 logarithm",
    "dot": "np.dot / @ is a matrix product; * multiplies entry by entry",
    "matmul": "@ is a matrix product; * multiplies entry by entry",
}


class Budget:
    """The work one failure's search may spend: each re-run of a call is charged that call's work."""

    def __init__(self, total: int = BUDGET_WORK):
        self.left = total

    def charge(self, record: CallRecord, copies: int) -> None:
        self.left -= copies * (1 + _work(record))

    def spent(self) -> bool:
        return self.left <= 0


def _work(record: CallRecord) -> int:
    return record.work if record.work is not None else HEAVY_CALL


def _heavy(record: CallRecord) -> bool:
    """Too much work to re-run hundreds of times (or not counted: a meter the student's code replaced)."""
    return record.work is None or record.work > HEAVY_CALL


def _run(session: JudgeSession, found: "Source", sources: list[str], budget: Budget) -> Any:
    """The edited ``sources`` run on ``found``'s call (JudgeSession.variants), charged to ``budget``; each
    copy is stopped by the kernel after RUNAWAY_FACTOR times its original's work."""
    budget.charge(found.record, len(sources))
    limit = RUNAWAY_FACTOR * _work(found.record) + SLACK
    return session.variants(found.record, sources, found.path, found.root, limit=limit)


@dataclass(frozen=True)
class Repair:
    """The change that fixes the value, in the student's words, with its diagnosis id."""
    message: str
    diagnosis: str


def explain(failure: BaseException, said: str, diagnosis: str | None, session: JudgeSession,
            passed: Sequence[Compared] = ()) -> Repair | None:
    """The one-change story for ``failure`` (a check's failure whose message is ``said`` and diagnosis
    ``diagnosis``), or None.  ``passed``: the comparisons the same check found right before it failed
    (core.recording_passes); a change must keep those right too."""
    compared = _compared(failure)
    # Every failure that carries its comparison is searched, a catalogued diagnosis too: the change
    # then pins the line the diagnosis speaks of, or, when the values only happened to match a
    # catalogued wrong answer, names the slip the code really has (measured on the lab 02 and 04 zoos:
    # 16 messages gained their line, grading time within noise).
    if compared is None or not _telling(compared.expected):
        return None
    budget = Budget()
    for found in _producers(session, compared.got)[:4]:
        if _heavy(found.record) or budget.spent():
            return None
        try:
            source, settings = session.source(session.callable_of(found.record.fn))
            if source is None:
                continue
            same = identity(source)
            if same is None or not _replays(session, found, same, compared, budget):
                continue
            edits = list(single_edits(source, settings=settings))
            if isinstance(compared.got, Raised):
                # the call raised: deleting the raising line or returning early lets it return the compared
                # value while breaking what else it does (a gradient it stores): not a fix
                edits = [e for e in edits if e.kind != "line"]
            fits = _fits(session, found, edits, compared, budget)
            fits = _confirmed(session, fits, source, _others(failure) + _oracle_passes(session, passed), budget)
        except Exception:  # noqa: BLE001 - a search that cannot run leaves the check's own message
            return None
        return _story(fits, compared, _function_name(source), said, diagnosis)
    return None


def _others(failure: BaseException) -> list[Compared]:
    seen: BaseException | None = failure
    for _ in range(20):
        if seen is None:
            return []
        others = getattr(seen, "others", None)
        if others:
            return [c for c in others if isinstance(c, Compared)]
        seen = seen.__context__
    return []


def _oracle_passes(session: JudgeSession, passed: Sequence[Compared]) -> list[Compared]:
    """The passed comparisons whose expected value is the check's own (an oracle's), newest first: one
    that compared the student's value with another of the student's values (a second call with the first)
    says what the code does, not what it should do."""
    return [c for c in reversed(passed) if not _the_students(session, c.expected)][:PASSES_REPLAYED]


def _the_students(session: JudgeSession, value: Any) -> bool:
    """Is ``value`` itself (not an equal copy: a right answer equals the oracle's) a value the student's
    code returned or the judge read from a kernel object?"""
    read = session.reads.get(id(value))
    return read is not None and read.value is value or any(
        part is value for record in session.calls for _, part in _parts(record.result))


def _confirmed(session: JudgeSession, fits: list[Edit], source: str, others: list[Compared],
               budget: Budget) -> list[Edit]:
    """The fitting edits that also give the expected values of the check's other cases computed by the same
    function, failed or passed (an edit that fits one input by coincidence, `y.max() + 1` -> `+ 2` where C
    happened to be y.max() + 2, does not fit another; one that fixes a (N,) case by deleting a reshape the
    passed (N, 1) case needs is no fix).  A case that cannot be traced or replayed confirms nothing and
    refutes nothing."""
    sources: dict[int, str | None] = {}     # a function's source, asked of the kernel once
    for other in others:
        if not fits or budget.spent():
            break
        found = next(iter(_producers(session, other.got)), None)
        if found is None or _heavy(found.record):
            continue
        fn = session.callable_of(found.record.fn)
        if id(fn) not in sources:
            sources[id(fn)] = session.source(fn)[0]
        if sources[id(fn)] != source:
            continue
        if not _replays(session, found, identity(source) or source, other, budget):
            continue
        outputs = _run(session, found, [e.source for e in fits], budget)
        if isinstance(outputs, list) and len(outputs) == len(fits):
            fits = [e for e, out in zip(fits, outputs) if _close(out, other.expected, other.rtol, other.atol)]
    return fits


def _compared(failure: BaseException) -> Compared | None:
    seen: BaseException | None = failure
    for _ in range(20):
        if seen is None:
            return None
        found = getattr(seen, "compared", None)
        if isinstance(found, Compared):
            return found
        seen = seen.__context__
    return None


def _telling(expected: Any) -> bool:
    """Enough distinct values that an edit fitting them all is no coincidence."""
    e = np.asarray(expected, dtype=float)
    if not e.size or not bool(np.isfinite(e).all()):
        return False
    distinct = len(np.unique(np.round(e, 12)))
    # a scalar that is not 0; three values or more; two (labels, 0/1 predictions) over six entries or more
    return e.size == 1 and abs(float(e.ravel()[0])) > 1e-12 or distinct >= 3 or distinct == 2 and e.size >= 6


@dataclass(frozen=True)
class Source:
    """Where a compared value came from: a call, and the path from its result (``root`` None) or from a
    kernel object ``root`` read after it (``[["attr", "b"], ["attr", "grad"]]``)."""
    record: CallRecord
    path: list
    root: Any = None


def _producers(session: JudgeSession, got: Any) -> list[Source]:
    """The calls that may have computed ``got``, most likely first: the newest call whose result holds it
    (the same object, else equal values); else, for a value read as an attribute chain of a kernel object:
    the call that returned that object (``(a * b).data``), or, after a method call (``layer.b.grad``), the
    newest method calls before that read, each with the object and path the value was read through."""
    for same in (lambda a, b: a is b, _equal):
        for record in reversed(session.calls):
            if isinstance(record.fn, (RemoteObject, OperatorMethod)):
                for path, value in _parts(record.result):
                    if same(value, got):
                        return [Source(record, [["item", k] for k in path])]
    read = session.reads.get(id(got))
    if read is None or read.value is not got:
        return []
    chain = [read]
    while len(chain) < 6:
        up = session.reads.get(id(chain[-1].owner))
        if up is None or up.value is not chain[-1].owner:
            break
        chain.append(up)
    roots = [(r.owner, [["attr", c.name] for c in reversed(chain[:i + 1])]) for i, r in enumerate(chain)]
    # read from what a call returned (``(a * b).data``, ``model.forward(x).grad``): re-run that call
    made = [Source(c, path) for root, path in roots for c in reversed(session.calls)
            if c.result is root and c.number < read.number]
    if made:
        return made[:1]
    earlier = [c for c in reversed(session.calls) if c.snapshot is not None and c.number < read.number][:2]
    return [Source(c, path, root) for c in earlier for root, path in roots]


def _parts(result: Any) -> Iterable[tuple[list, Any]]:
    yield [], result
    if type(result) in (tuple, list):
        for i, v in enumerate(result[:8]):
            yield [i], v
    elif type(result) is dict:
        for k, v in list(result.items())[:16]:
            if type(k) in (str, int):
                yield [k], v


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, RemoteObject) or isinstance(b, RemoteObject):
        return False
    try:
        x, y = np.asarray(a), np.asarray(b)
        return x.dtype.kind in "biuf" and x.shape == y.shape and x.size > 0 and bool(np.array_equal(x, y))
    except Exception:  # noqa: BLE001 - values that cannot be compared are not the one
        return False


def _close(value: Any, want: Any, rtol: float, atol: float) -> bool:
    if value is None:
        return False
    try:
        v, w = np.asarray(value, dtype=float), np.asarray(want, dtype=float)
    except (TypeError, ValueError):
        return False
    if v.shape != w.shape and v.size != 1 or v.size != w.size:
        return False
    v = v.reshape(w.shape)
    return bool(np.isfinite(v).all()) and bool(np.allclose(v, w, rtol=rtol, atol=atol))


def _replays(session: JudgeSession, found: Source, same: str, compared: Compared, budget: Budget) -> bool:
    """Does a re-run of the unedited function give the student's value? (Not when the code draws random
    numbers or keeps state between calls: then no edit's value could be trusted.)"""
    first = _run(session, found, [same], budget)
    if not (isinstance(first, list) and len(first) == 1):
        return False
    if isinstance(compared.got, Raised):      # it raised again (the kernel gives None for an edit that raises)
        return first[0] is None
    return _close(first[0], compared.got, 1e-9, 1e-12)


def _fits(session: JudgeSession, found: Source, edits: list[Edit], compared: Compared, budget: Budget) -> list[Edit]:
    """The edits whose re-run gives the expected value."""
    fits = []
    for at in range(0, len(edits), BATCH):
        if budget.spent():
            return []       # edits left untried: a fit found so far might not be the only one
        chunk = edits[at:at + BATCH]
        outputs = _run(session, found, [e.source for e in chunk], budget)
        if not isinstance(outputs, list) or len(outputs) != len(chunk):
            return []
        fits += [e for e, out in zip(chunk, outputs) if _close(out, compared.expected, compared.rtol, compared.atol)]
    return fits


def _story(fits: list[Edit], compared: Compared, function: str, said: str, diagnosis: str | None) -> Repair | None:
    """The message when every fitting edit is on one line (the first, most telling kind, is told).

    A bare "wrong values" message is replaced; a description of the difference (times N, zeroed
    entries...) is kept before the change, since it says what the values look like."""
    lines = {e.line for e in fits}
    if len(lines) != 1 or not next(iter(lines)):
        return None
    edit = fits[0]
    gloss = next((g for key, g in GLOSS.items() if f".{key}" in edit.old + edit.new), "") \
        if edit.kind in ("function", "everywhere") else GLOSS["matmul"] if edit.kind == "operator" and "@" in edit.old + edit.new else ""
    where = f"in `{edit.line}`" + (f" ({function})" if function else "")
    change = f"{edit.phrase}: with that one change your code gives the right values{'; ' + gloss if gloss else ''}"
    if diagnosis in (None, "", "wrong-values") and BARE.search(said):
        return Repair(f"{compared.name} has wrong values: {where}, {change}", f"one-change-{edit.kind}")
    return Repair(f"{said.rstrip('.')}. The change that fixes it: {where}, {change}", f"one-change-{edit.kind}")


def _function_name(source: str) -> str:
    head = source.lstrip().split("(", 1)[0]
    return head[4:].strip() if head.startswith("def ") else ""
