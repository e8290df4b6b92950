"""Building blocks shared by every lab's hidden checks.

A check calls student code on inputs the student never saw, validates what came back
(type, dtype, shape, finiteness, *then* values) and raises :class:`CheckFailure` with a
message that names the most likely mistake.  Nothing here prints: nbgrader scores a test
cell 0 as soon as anything reaches stderr, so warnings raised by student code are
captured and turned into a named failure instead.

References to numpy functions are taken when this module is imported so that a
submission that later rebinds ``np.allclose`` or ``np.isfinite`` cannot change a verdict
(see docs/architecture.md, "cheat resistance").
"""
from __future__ import annotations

import contextlib
import hashlib
import math
import re
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..judge import session as _session
from ..kernel.evaluator import chain_calls

# Originals captured at import time (before any student cell can patch numpy).
_ndarray = np.ndarray
_asarray = np.asarray
_array = np.array
_isfinite = np.isfinite
_abs = np.abs
_round = np.round
_trunc = np.trunc
_max = np.max
_copy = np.copy
_array_equal = np.array_equal
_errstate = np.errstate
_float64 = np.float64
_float32 = np.float32
_issubdtype = np.issubdtype
_type = type
_isinstance = isinstance

# Seed material for hidden inputs.  Students never see it (it lives only in the
# instructor package), and every check derives its own stream from a tag so checks are
# independent of the order they run in.
_SECRET = "nnlab-hidden-2026"


class CheckFailure(AssertionError):
    """A hidden check failed; the message is what the student reads in the feedback.

    ``diagnosis`` is a stable id of the mistake (counted by the class dashboard); when a
    check gives none, the judge derives one from the message.
    """

    def __init__(self, message: str, diagnosis: str | None = None):
        super().__init__(message)
        self.diagnosis = diagnosis
        # For a NumPy warning (see numerics): the warning's text and the message without the
        # general hint, for checks that replace the hint with one that fits their function.
        self.warning: str | None = None
        self.headline = message
        # For an exception of student code (see call): "raised KeyError: 'dW1'" as the message quotes
        # it, and " (raised at `line` in f)", the student's line.  The line is not in the message:
        # checks read the exception's words (shapes, sizes, names) and a quoted line would add its
        # own; the judge puts it after the quote in the final message (located).
        self.raised = ""
        self.where = ""
        self.compared: Compared | None = None
        # The comparisons of the same check's other failed cases (cases.run_cases): the one change the
        # judge names must fix them too, so a change that fits one input by coincidence is not told.
        self.others: list[Compared] = []


@dataclass(frozen=True)
class Compared:
    """A failed comparison: the student's value, the expected one, the tolerances, what it was called.

    The judge then looks for the one change of the student's code that gives the expected value
    (judge/repair.py) and adds it to the failure's message."""
    got: Any
    expected: Any
    rtol: float
    atol: float
    name: str


def differs(got: Any, expected: Any, message: str, diagnosis: str | None, *, name: str, rtol: float,
            atol: float) -> CheckFailure:
    """The failure ``message`` for ``got`` != ``expected``, carrying the comparison (see Compared);
    ``name`` names the value (``"dx of conv2d_backward (stride 2)"``).  Raise it."""
    failure = CheckFailure(message, diagnosis)
    failure.compared = Compared(got, expected, rtol, atol, name)
    return failure


#: The comparisons found right while a check runs (see recording_passes); per thread, as the judge's session.
_passes = threading.local()
#: Kept per check: the judge replays only the few computed by the function it searches.
PASSES_KEPT = 32


@contextlib.contextmanager
def recording_passes(into: list[Compared]) -> Iterator[list[Compared]]:
    """While the block runs, every comparison :func:`expect_close` finds right is appended to ``into``.

    The judge's one-change search (judge/repair.py) replays them: a change that fixes the failed case
    but breaks a case the student's code got right (a deleted reshape that (N, 1) targets needed and
    (N,) targets did not) is not the fix, and is not told."""
    previous = getattr(_passes, "into", None)
    _passes.into = into
    try:
        yield into
    finally:
        _passes.into = previous


def _record_pass(got: Any, expected: Any, rtol: float, atol: float, name: str) -> None:
    into = getattr(_passes, "into", None)
    if into is not None and len(into) < PASSES_KEPT:
        into.append(Compared(got, expected, rtol, atol, name))


def fail(message: str, diagnosis: str | None = None) -> None:
    raise CheckFailure(message, diagnosis)


def rng(tag: str) -> np.random.Generator:
    """Deterministic generator for the hidden inputs of one check, keyed by ``tag``."""
    digest = hashlib.sha256(f"{_SECRET}:{tag}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def _describe(obj: Any) -> str:
    return _session.describe(obj)


def describe(obj: Any) -> str:
    """The type name of ``obj`` as a student would write it (student objects included)."""
    return _session.describe(obj)


def expect_array(got: Any, *, name: str, shape: tuple | None = None,
                 dtype: str | np.dtype | None = "float", finite: bool = True, want: Any = None) -> np.ndarray:
    """Validate ``got`` as a plain ``np.ndarray`` before any value is compared.

    ``dtype`` is ``"float"`` (any floating dtype), ``"int"`` (any integer dtype), a concrete
    dtype (must match exactly) or ``None`` (not checked).  Subclasses of ``ndarray`` and
    objects that merely look like arrays are rejected: their ``==`` or ``__array__`` could
    say anything.  ``want``: the expected value (or a zero-argument callable giving it); a wrong
    shape or a non-finite value then carries it, so the judge can look for the one change of the
    student's code that gives it (judge/repair.py).
    """
    try:
        _expect_array(got, name, shape, dtype, finite)
    except CheckFailure as failure:
        if want is not None and _type(got) is _ndarray and _searchable(got, shape):
            _attach(failure, got, want, name)
        reduced = _reduced_too_far(got, want) if want is not None else None
        if reduced is not None:
            raise CheckFailure(f"{failure}: {reduced}", "reduced-over-every-axis") from None
        raise
    return got


def _reduced_too_far(got: Any, want: Any) -> str | None:
    """When a single number came back where an array belongs and it is the sum (or the mean) of every
    entry of the expected array: the reduction that should have kept an axis went over all of them."""
    if _type(got) not in (float, _float64, np.float32) or not _isinstance(want, _ndarray) and not callable(want):
        return None
    try:
        expected = _asarray(want() if callable(want) else want, dtype=_float64)
    except Exception:  # an oracle that cannot run on this input adds no reading
        return None
    if expected.size < 2 or not bool(np.isfinite(expected).all()):
        return None
    value = float(got)
    rtol, atol = dtype_tolerance(_asarray(got), 1e-6, 1e-9, float(_max(_abs(expected))) or 1.0)
    for what, total in (("sum", float(expected.sum())), ("mean", float(expected.mean()))):
        if abs(value - total) <= atol + rtol * abs(total) and \
                not any(abs(total - float(e)) <= atol + rtol * abs(e) for e in expected.ravel()[:64]):
            return (f"it equals the {what} of every entry of the expected array of shape {expected.shape}: the "
                    f"{what} went over every axis; take it only over the axes the result does not keep (for a "
                    f"parameter's gradient, the batch axis: axis=0, with keepdims=True where the shape keeps it)")
    return None


def _searchable(got: np.ndarray, shape: tuple | None) -> bool:
    """A wrong shape or a NaN/inf: failures one edit of the code can explain (a wrong dtype is said plainly)."""
    if shape is not None and tuple(got.shape) != tuple(shape):
        return True
    with _errstate(all="ignore"):
        return got.dtype.kind in "fc" and not bool(_isfinite(got).all())


def _attach(failure: CheckFailure, got: Any, want: Any, name: str) -> None:
    """``failure`` carries the comparison of ``got`` with ``want`` (computed now when callable: the search
    needs it only after a failure); a ``want`` that cannot be computed attaches nothing."""
    try:
        value = want() if callable(want) else want
        expected = _asarray(value, dtype=_float64)
    except Exception:  # an oracle that cannot run on this input just adds no search
        return
    # a call that raised has no dtype: float32's tolerance (an edit that fits it is no coincidence either)
    like = got if _type(got) is _ndarray else _array(0, dtype=_float32)
    with _errstate(all="ignore"):
        scale = float(_max(_abs(expected))) if expected.size and bool(_isfinite(expected).all()) else 1.0
    rtol, atol = dtype_tolerance(like, 1e-5, 1e-7, scale)
    failure.compared = Compared(got, expected, rtol, atol, name)


def _expect_array(got: Any, name: str, shape: tuple | None, dtype: str | np.dtype | None, finite: bool) -> None:
    if _type(got) is not _ndarray:
        if _isinstance(got, _ndarray):
            fail(f"{name} must be a plain numpy.ndarray, got the subclass {_describe(got)}")
        if got is None:
            fail(f"{name} returned None: did you forget a `return` statement?")
        fail(f"{name} must be a numpy.ndarray, got {_describe(got)}")
    # isinstance first: np.dtype("float64") == "float" is True, which made a concrete float64
    # dtype accept any floating dtype (a float32 answer to a float64 input passed)
    if _isinstance(dtype, str) and dtype == "float":
        if not _issubdtype(got.dtype, np.floating):
            fail(f"{name} must have a floating-point dtype, got {got.dtype}")
    elif _isinstance(dtype, str) and dtype == "int":
        if not _issubdtype(got.dtype, np.integer):
            fail(f"{name} must have an integer dtype, got {got.dtype}")
    elif dtype is not None and got.dtype != np.dtype(dtype):
        fail(f"{name} must have dtype {np.dtype(dtype)}, got {got.dtype}")
    if shape is not None and tuple(got.shape) != tuple(shape):
        said, diagnosis = _shape_words(tuple(got.shape), tuple(shape))
        fail(f"{name}: expected shape {tuple(shape)}, got {tuple(got.shape)}{said}", diagnosis)
    if finite and got.dtype.kind in "fc":
        with _errstate(all="ignore"):
            ok = bool(_isfinite(got).all())
            nan = bool(np.isnan(got).any())
        if not ok:
            # NaN and inf have different causes: naming the wrong one sends the student to the wrong line
            fail(f"{name} contains NaN or inf: look for an overflow (exp of a large number) or a log/division of "
                 f"zero" + ("; a NaN also comes from 0/0, inf - inf, or the log or square root of a NEGATIVE "
                            "number" if nan else ""))


def _shape_words(got: tuple, want: tuple) -> tuple[str, str | None]:
    """What a wrong shape is, when it is a simple relative of the right one, and its diagnosis id:
    the transpose (axes reversed), the right column/row with its dimension of 1 dropped (a
    reduction without keepdims), or the size-1 axis of a keepdims reduction in another place (a
    sum or mean over the wrong axis).  ("", None) otherwise."""
    if len(want) == 2 and got == want[::-1] and want[0] != want[1]:
        return (": the transpose of the expected shape (the axes reversed: rows are samples, check the order of "
                "a matrix product or a missing or extra .T)"), "shape-transposed"
    if len(want) == 2 and 1 in want and got == tuple(d for d in want if d != 1) and want != (1, 1):
        return (": a 1-d array where a column (or row) with a dimension of 1 belongs (keepdims=True, [:, None] or "
                ".reshape missing?)"), "shape-flattened"
    if len(got) != len(want) or got == want:
        return "", None
    if len(want) >= 2 and got[0] == 1 and want[0] > 1 and got[1:] == want[1:]:
        return (f": one row where N = {want[0]} rows belong (the batch axis 0 was reduced: a max, sum or mean "
                f"over axis 0, such as np.max(a, 0), where an elementwise operation such as np.maximum(a, 0) "
                f"belongs, or a single sample used?)"), "shape-batch-axis-reduced"
    if len(got) > 2 and got == want[::-1]:
        return " (the axes reversed: a transpose too many or too few?)", "shape-transposed"
    ones_w = [i for i, d in enumerate(want) if d == 1]
    ones_g = [i for i, d in enumerate(got) if d == 1]
    if len(ones_w) == 1 and len(ones_g) == 1 and ones_w != ones_g:
        return (f" (a sum or mean over axis {ones_g[0]} where axis {ones_w[0]} belongs: keepdims=True keeps the "
                f"reduced axis as size 1)"), "shape-wrong-axis-reduced"
    return "", None


def expect_scalar(got: Any, *, name: str) -> float:
    """Validate a real scalar (Python number, 0-d array or numpy scalar) and return it as float."""
    if _isinstance(got, (bool, np.bool_)):
        fail(f"{name} must be a number, got a boolean")
    if _isinstance(got, _ndarray):
        if got.shape not in ((), (1,), (1, 1)):
            fail(f"{name} must be a scalar, got an array of shape {got.shape}: "
                 f"did you forget to average over the batch?")
        got = got.reshape(())[()]
    if not _isinstance(got, (int, float, np.integer, np.floating)):
        fail(f"{name} must be a number, got {_describe(got)}")
    value = float(got)
    if not math.isfinite(value):
        fail(f"{name} is {value}: look for an overflow or a log of zero")
    return value


def close(a: Any, b: Any, rtol: float, atol: float) -> bool:
    """True when the arrays have the same shape and agree elementwise to tolerance."""
    a = _asarray(a, dtype=_float64)
    b = _asarray(b, dtype=_float64)
    if a.shape != b.shape:
        return False
    with _errstate(all="ignore"):
        return bool((_abs(a - b) <= atol + rtol * _abs(b)).all())


def dtype_tolerance(got: Any, rtol: float, atol: float, scale: float = 1.0) -> tuple[float, float]:
    """Tolerances a numerically sound answer in ``got``'s precision can meet.

    float64 answers keep the check's own tolerances; float32 answers get the
    precision of their dtype (float16 gets float32's: no lab asks for less): a relative error of a few hundred ulps and an absolute error
    relative to the size of the values, so every sound float32 implementation passes.
    """
    dtype = getattr(got, "dtype", None)
    if dtype is None or not _issubdtype(dtype, np.floating) or dtype.itemsize >= 8:
        return rtol, atol
    # No lab asks for less than float32: a float16 answer (about 3 decimal digits) gets float32's
    # tolerance and fails like any other imprecise answer, instead of passing at 25 % error.
    eps = float(np.finfo(np.float32).eps) if dtype.itemsize < 4 else float(np.finfo(dtype).eps)
    return max(rtol, 256 * eps), max(atol, 64 * eps * max(scale, 1.0))


def expect_close(got: Any, expected: Any, *, name: str, rtol: float = 1e-5, atol: float = 1e-7,
                 diagnose: Mapping[str, Any] | None = None) -> None:
    """Compare values, naming the mistake when ``got`` matches a known wrong answer.

    ``diagnose`` maps a message to the value a specific mistake would produce (or a
    callable returning it); the first one that matches ``got`` becomes the failure
    message (its stable id is the message's slug).  Otherwise :func:`analyse_difference`
    says what the difference looks like.  Tolerances widen to ``got``'s precision
    (:func:`dtype_tolerance`).  Validate type/shape first with :func:`expect_array`.
    """
    e = _asarray(expected, dtype=_float64)
    with _errstate(all="ignore"):
        scale = float(_max(_abs(e))) if e.size and bool(_isfinite(e).all()) else 1.0
    rtol, atol = dtype_tolerance(got, rtol, atol, scale)
    if close(got, expected, rtol, atol):
        _record_pass(got, expected, rtol, atol, name)
        return
    low = getattr(got, "dtype", None)
    if low is not None and _issubdtype(low, np.floating) and low.itemsize < 4:
        eps = float(np.finfo(low).eps)
        if close(got, expected, 256 * eps, 64 * eps * max(scale, 1.0)):
            fail(f"{name} is right only to {low} precision (about {int(-np.log10(eps))} decimal digits): the "
                 f"result, or an array it is computed from, was cast to {low}; keep float32 or float64",
                 "low-precision-dtype")
    for message, wrong in (diagnose or {}).items():
        try:
            value = wrong() if callable(wrong) else wrong
        except Exception:  # a diagnosis that cannot be computed just does not apply
            continue
        if close(got, value, rtol, atol):
            fail(f"{name}: {message}", slug(message))
    analysis, diagnosis = analyse_difference(got, expected, rtol, atol)
    if diagnosis == "scaled":
        analysis, diagnosis = _size_factor(got, expected, name, rtol, atol) or (analysis, diagnosis)
    # what was compared goes with the failure: the judge's search for the one change of the student's
    # code that fits (judge/repair.py) runs when the check's final diagnosis says no more than this one
    raise differs(got, expected, f"{name} has wrong values: {analysis}", diagnosis, name=name, rtol=rtol, atol=atol)


_SHAPE_IN_NAME = re.compile(r"of shape \((\d+(?:, \d+)*,?)\)")


def _size_factor(got: Any, expected: Any, name: str, rtol: float, atol: float) -> tuple[str, str] | None:
    """('divided by N = 5, the number of samples ...', id) when ``got`` is ``expected`` times or divided
    by exactly one size of the arrays the call names ("x of shape (5, 3)" in its signature: rows are
    samples, so axis 0 of the first one is N); None when no size, or two kinds of size, fit (a square
    input cannot tell N from D)."""
    g, e = _asarray(got, dtype=_float64), _asarray(expected, dtype=_float64)
    shapes = [tuple(int(d) for d in m.split(",") if d.strip()) for m in _SHAPE_IN_NAME.findall(name)]
    if not shapes or len(shapes[0]) < 2:
        return None
    n_samples = shapes[0][0]
    kinds: dict[int, dict[str, str]] = {}     # size -> {kind: words}

    def add(n: int, kind: str, words: str) -> None:
        kinds.setdefault(n, {}).setdefault(kind, words)
    for shape in shapes:
        for axis, n in enumerate(shape):
            if axis == 0 and n == n_samples and len(shape) >= 2:
                add(n, "N", f"N = {n}, the number of samples (axis 0 of {shapes[0]})")
            else:
                add(n, f"axis {axis} of {shape}", f"{n}, the size of axis {axis} of {shape} (not the samples)")
        if len(shape) >= 2:
            add(math.prod(shape), "entries", f"{math.prod(shape)}, the number of entries of {shape} (N * D, not N)")
    for n, found in kinds.items():
        if n < 2 or len(found) != 1:
            continue
        kind, label = next(iter(found.items()))
        for k, how in ((1.0 / n, "divided by"), (float(n), "multiplied by")):
            if close(g, k * e, max(rtol, 1e-6), atol):
                extra = ("" if kind != "N" else ": one division by N too many" if how == "divided by"
                         else ": a division by N missing, or a sum where a mean belongs")
                return (f"your result is the expected one times {k:.4g}, that is {how} {label}{extra}",
                        "scaled-by-n" if kind == "N" else "scaled-by-size")
    return None


def _simple_ratio(k: float) -> bool:
    """k or 1/k is a whole number times 1/q for a small q (2, 1/N, 3/4...): a size or a constant of the formula."""
    for q in range(1, 13):
        for v in (abs(k) * q, q / abs(k)):
            if abs(v - round(v)) <= 1e-6 * max(1.0, v):
                return True
    return False


def analyse_difference(got: Any, expected: Any, rtol: float, atol: float) -> tuple[str, str]:
    """(sentence, stable id) describing how ``got`` differs from ``expected``.

    Tried in order: the transpose, a sign flip, a constant factor (N, 1/N, 2...), then the
    relations of :func:`_pattern` (diagonal only, zeros, offsets, squares, complement, per-row
    or per-column offsets and factors, rows reordered), right only in some rows or columns;
    always ends with the largest error and where it is.
    """
    g = _asarray(got, dtype=_float64)
    e = _asarray(expected, dtype=_float64)
    with _errstate(all="ignore"):
        if g.shape != e.shape:
            return f"shape {g.shape} instead of {e.shape}", "wrong-shape"
        if not g.size:
            return "empty", "empty"
        diff = _abs(g - e)
        where = np.unravel_index(int(np.nanargmax(diff)), diff.shape) if bool(np.isfinite(diff).any()) else ()
        err = float(np.nanmax(diff)) if bool(np.isfinite(diff).any()) else float("nan")
        at = f"largest error {err:.3g} at index {tuple(int(i) for i in where)}" if where else f"largest error {err:.3g}"
        tol = f"(tolerance {atol:g} + {rtol:g}*|expected|)"
        if g.ndim == 2 and g.shape[0] == g.shape[1] and g.shape[0] > 1 and close(g.T, e, rtol, atol):
            return f"your result is the transpose of the expected one; {at} {tol}", "transposed"
        if close(-g, e, rtol, atol) and bool((_abs(e) > atol).any()):
            return f"your result has the wrong sign everywhere; {at} {tol}", "sign-flipped"
        rounded = rounded_to(g, e)
        if rounded is not None:
            return (f"your values are the expected ones {rounded[1]} to {rounded[0]} decimal"
                    f"{'s' if rounded[0] != 1 else ''} (a round(), np.round or int(x * 10**k) in the code? return "
                    f"the exact value); {at} {tol}"), "rounded"
        mask = _abs(e) > max(atol, 1e-12)
        # a factor read from one ratio says nothing: it needs two non-zero expected entries or more
        if int(mask.sum()) > 1 and bool(np.isfinite(g).all()):
            ratio = g[mask] / e[mask]
            k = float(np.median(ratio))
            if k != 0 and abs(k - 1) > 1e-3 and close(g, k * e, max(rtol, 1e-6), atol):
                hint = ("a missing or extra factor such as N, 1/N or 2?" if _simple_ratio(k) else
                        "not a ratio of whole numbers: a factor computed from the values, or a square root of a size?")
                return f"your result is the expected one times {k:.4g} ({hint}); {at} {tol}", "scaled"
        if bool(np.isfinite(g).all()) and bool(np.isfinite(e).all()):
            found = _pattern(g, e, rtol, atol)
            if found:
                return f"{found[0]}; {at} {tol}", found[1]
        if g.ndim == 2 and min(g.shape) > 1:
            ok = _abs(g - e) <= atol + rtol * _abs(e)
            rows, cols = ok.all(axis=1), ok.all(axis=0)
            if bool(rows.any()) and not bool(rows.all()):
                return (f"right in rows {np.flatnonzero(rows)[:6].tolist()} only, wrong in "
                        f"{int((~rows).sum())} row(s){_edge(~rows, 'row')}; {at} {tol}"), "some-rows"
            if bool(cols.any()) and not bool(cols.all()):
                return (f"right in columns {np.flatnonzero(cols)[:6].tolist()} only, wrong in "
                        f"{int((~cols).sum())} column(s){_edge(~cols, 'column')}; {at} {tol}"), "some-columns"
        return f"{at} {tol}", "wrong-values"


def rounded_to(g: np.ndarray, e: np.ndarray) -> tuple[int, str] | None:
    """(k, how) when ``g`` is exactly ``e`` cut to k decimals (1..6; 0 decimals is left to the diagnoses of
    floor and integer division): how is "rounded", "truncated" or "rounded (or truncated)" when both cuts
    give ``g``; None otherwise, or when ``g`` is ``e`` itself."""
    if not (bool(_isfinite(g).all()) and bool(_isfinite(e).all())):
        return None
    scale = 1e-12 * max(1.0, float(_abs(e).max()))
    if bool((_abs(g - e) <= scale).all()):
        return None
    for k in range(1, 7):
        rounded = bool((_abs(g - _round(e, k)) <= scale).all())
        truncated = bool((_abs(g - _trunc(e * 10.0 ** k) / 10.0 ** k) <= scale).all())
        if rounded or truncated:
            return k, "rounded (or truncated)" if rounded and truncated else "rounded" if rounded else "truncated"
    return None


def _pattern(g: np.ndarray, e: np.ndarray, rtol: float, atol: float) -> tuple[str, str] | None:
    """(sentence, id) of a simple relation between finite ``g`` and ``e`` of the same shape, if any:
    right on the diagonal only, all zeros, a constant offset, squared, square root, complement,
    zeros where values belong, per-row / per-column offsets or factors, rows in another order."""
    def near(a: np.ndarray, b: np.ndarray) -> bool:
        return close(a, b, rtol, atol)

    def uniform(a: np.ndarray, axis: int | None = None) -> bool:
        """``a`` constant (along ``axis``) within the tolerance of the values compared."""
        ref = a.mean(axis=axis, keepdims=axis is not None)
        return bool((_abs(a - ref) <= atol + rtol * _abs(e)).all())

    big = _abs(e) > max(atol, 1e-12)
    if not bool(big.any()):
        return None
    if g.ndim == 2 and min(g.shape) > 1:
        ok = _abs(g - e) <= atol + rtol * _abs(e)
        diag = np.eye(*g.shape, dtype=bool)
        whole = bool(ok.all(axis=1).any() or ok.all(axis=0).any())     # a right row/column: not the diagonal
        if bool(ok[diag].all()) and float(ok[~diag].mean()) < 0.5 and not whole:   # most of the rest wrong
            return "right on the diagonal only (a square-only formula?)", "diagonal-only"
    if bool(g.any()) and bool((g == np.round(g)).all()) and not bool((e == np.round(e)).all()) and any(
            bool((g == f(e)).all()) for f in (np.trunc, np.floor, np.round)):
        return ("your values are the expected ones rounded to whole numbers (int(), round(), // or an integer "
                "dtype such as np.zeros_like of an integer array?)"), "rounded-to-integers"
    if not bool(g.any()):
        return "all zeros (was nothing computed, or did no gradient reach these values?)", "all-zero"
    shift = g - e
    if g.size > 1 and uniform(shift):
        return (f"your result is the expected one plus {float(shift.mean()):.4g} everywhere (a constant term "
                f"missing or added, such as a bias or a 1?)"), "offset"
    if g.size > 1 and near(g, e * e) and not near(e, e * e):
        return "your result is the square of the expected one (squared once too often?)", "squared"
    if g.size > 1 and bool((e >= 0).all()) and near(g * g, e) and not near(g, e):
        return "your result is the square root of the expected one (a square missing?)", "square-root"
    if g.size > 1 and near(1 - g, e):
        return "your result is one minus the expected one (the complement, such as 1 - p for p?)", "complement"
    zeroed = (_abs(g) <= atol) & big
    rest_ok = _abs(g - e) <= atol + rtol * _abs(e)
    confined = g.ndim == 2 and 1 in (int((~rest_ok).any(axis=1).sum()), int((~rest_ok).any(axis=0).sum()))
    if bool(zeroed.any()) and bool((rest_ok | zeroed).all()) and not confined:   # one row/column: said below
        return (f"right except {int(zeroed.sum())} of {g.size} entries that are 0 where the expected value is "
                f"not (a mask or condition that drops values, such as > vs >= or the wrong array masked?)"), \
            "zeroed-entries"
    shifted = _shifted(g, e, near)
    if shifted:
        return shifted
    if g.ndim == 2 and min(g.shape) > 1:
        def several(per: np.ndarray, neutral: float) -> bool:     # two or more rows (columns) affected
            return int((_abs(per - neutral) > atol + rtol * float(_abs(e).max())).sum()) >= 2

        if uniform(shift, axis=1) and several(shift.mean(axis=1), 0.0):
            return ("each row is off by its own constant (a per-sample term missing or added, such as the row "
                    "maximum or mean?)"), "per-row-offset"
        if uniform(shift, axis=0) and several(shift.mean(axis=0), 0.0):
            return ("each column is off by its own constant (a per-feature term such as a bias missing, added "
                    "twice or added along the wrong axis?)"), "per-column-offset"
        for axis, what in ((1, "row"), (0, "column")):
            with _errstate(all="ignore"):
                ratio = np.where(big, g / np.where(big, e, 1.0), np.nan)
                ratio = np.where(big.any(axis=axis, keepdims=True), ratio, 1.0)   # no all-NaN slice
                k = np.nanmedian(ratio, axis=axis, keepdims=True)
            if bool(np.isfinite(k).all()) and near(g, k * e) and several(k.ravel(), 1.0):
                return (f"each {what} is scaled by its own factor (a normalisation over the wrong axis, or a "
                        f"per-{what} division missing?)"), f"per-{what}-scale"
        order_g = np.lexsort(g.T[::-1])
        order_e = np.lexsort(e.T[::-1])
        if near(g[order_g], e[order_e]):
            return ("the right rows in another order (rows shuffled, or inputs and targets indexed "
                    "differently?)"), "rows-permuted"
    return None


def _shifted(g: np.ndarray, e: np.ndarray, near: Callable[[np.ndarray, np.ndarray], bool]) -> tuple[str, str] | None:
    """The expected values moved by one or two places along an axis (np.roll: an index off by one,
    such as y - 1 for 0-based labels, i + 1, or a slice that starts one place late)."""
    for axis in range(g.ndim):
        if g.shape[axis] < 3:
            continue
        for k in (1, -1, 2, -2):
            rolled = np.roll(e, k, axis=axis)
            if near(rolled, e) or not near(g, rolled):
                continue
            where = "later (higher index)" if k > 0 else "earlier (lower index)"
            along = {0: "axis 0 (rows)", 1: "axis 1 (columns)"}.get(axis, f"axis {axis}") if g.ndim > 1 else "the array"
            return (f"your result is the expected one shifted by {abs(k)} place(s) along {along}: each value sits "
                    f"{abs(k)} place(s) {where} than it should (an index off by {abs(k)}, such as y - 1 or i + 1, or a "
                    f"range/slice that starts one place early or late?)"), "shifted"
    return None


def _edge(wrong: np.ndarray, what: str) -> str:
    """' (only the last row: ...)' when the wrong rows (columns) are just the first or the last one:
    the signature of an off-by-one in a loop or a slice, whatever the function."""
    if int(wrong.sum()) != 1 or wrong.size < 2:
        return ""
    if bool(wrong[-1]):
        return f" (only the last {what}: does a loop or slice stop one {what} early, range(n - 1) or [:-1]?)"
    if bool(wrong[0]):
        return f" (only the first {what}: does a loop or slice start at 1 instead of 0?)"
    return ""


def slug(text: str, limit: int = 60) -> str:
    """A stable diagnosis id from a message: lower-case words, numbers and punctuation dropped (used where a
    catalogued message is its own diagnosis, and by the judge for a failure that names no id)."""
    words = re.findall(r"[a-z]+", re.sub(r"\d+(\.\d+)?(e[-+]?\d+)?", " ", text.lower()))
    return "-".join(words)[:limit].strip("-") or "unnamed"


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Centred finite differences of the scalar ``f`` at ``x`` (float64), same shape as ``x``.

    ``x`` is perturbed in place and restored, so ``f`` must read it on every call.
    """
    grad = np.zeros(x.shape, dtype=_float64)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        fp = float(f(x))
        flat[i] = old - eps
        fm = float(f(x))
        flat[i] = old
        gflat[i] = (fp - fm) / (2 * eps)
    return grad


def numerical_gradient_at(f: Callable[[np.ndarray], float], x: np.ndarray, count: int,
                          seed: int = 0, eps: float = 1e-6) -> tuple[np.ndarray, np.ndarray]:
    """Centred finite differences of ``f`` at ``count`` entries of ``x`` drawn without replacement.

    Returns (flat indices, derivatives at them), float64.  For a large parameter (784 x 16 inputs
    of one MNIST layer) a full :func:`numerical_gradient` costs two evaluations per entry; a
    witness on a few hundred random entries checks the same formula at a fraction of the cost.
    """
    size = x.size
    picked = np.sort(np.random.default_rng(seed).choice(size, size=min(count, size), replace=False))
    flat = x.reshape(-1)
    values = np.empty(picked.size, dtype=_float64)
    for j, i in enumerate(picked):
        old = flat[i]
        flat[i] = old + eps
        fp = float(f(x))
        flat[i] = old - eps
        fm = float(f(x))
        flat[i] = old
        values[j] = (fp - fm) / (2 * eps)
    return picked, values


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """max |a-b| / max(|a|+|b|, tiny): the figure gradient checkers report."""
    a = _asarray(a, dtype=_float64)
    b = _asarray(b, dtype=_float64)
    denom = max(float(_max(_abs(a) + _abs(b))) if a.size else 0.0, 1e-12)
    return float(_max(_abs(a - b))) / denom if a.size else 0.0


@contextlib.contextmanager
def numerics(name: str):
    """Run student code with floating-point warnings turned into a named failure.

    Under the judge the student's code runs in the kernel, which reports its NumPy warnings
    with each answer (``session.warned``); run locally (tests), warnings are recorded here.
    Nothing reaches stderr; an overflow, invalid operation or division by zero becomes a
    :class:`CheckFailure`.
    """
    session = _session.current()
    if session is not None:
        start = len(session.warned)
        yield
        runtime = list(session.warned[start:])
    else:
        with warnings.catch_warnings(record=True) as caught, _errstate(over="warn", invalid="warn",
                                                                        divide="warn", under="ignore"):
            warnings.simplefilter("always")
            yield
        runtime = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
    if runtime:
        headline = f"{name} is not numerically stable: numpy warned '{runtime[0]}'"
        hint = warning_hint(runtime[0])
        failure = CheckFailure(headline + (f" ({hint})" if hint else ""), "not-numerically-stable")
        failure.warning, failure.headline = runtime[0], headline
        raise failure


# What each NumPy floating-point warning means, keyed by (what happened, in which operation). Only
# the story the warning itself tells: an overflow in exp is the classic softmax / sigmoid mistake,
# but "invalid value in divide" is 0/0 whatever the function, so it must not be told to subtract a
# maximum it may well subtract already.
_WARNING_HINTS: tuple[tuple[str, str, str], ...] = (
    ("overflow", "exp", "np.exp of a large argument overflowed: exponentiate only arguments <= 0, "
                        "e.g. subtract the maximum first or use a separate branch for negative inputs"),
    ("divide by zero", "log", "log(0) was taken: keep the argument of log away from 0, "
                              "e.g. work with log-sum-exp or clip probabilities"),
    ("invalid value", "log", "log of a negative number or of NaN was taken"),
    ("divide by zero", "", "a division by zero: some denominator was exactly 0"),
    ("invalid value", "divide", "0/0 or inf/inf: a denominator was 0 or infinite"),
    ("overflow", "", "an intermediate value grew larger than the dtype can hold"),
    ("invalid value", "", "an operation on inf or NaN, e.g. inf - inf or 0 * inf, "
                          "so some intermediate was already infinite or NaN"),
)


def warning_hint(text: str) -> str:
    """What a NumPy RuntimeWarning says happened, in a student's words, or '' when it is not one we know.

    ``text`` is the warning's message, e.g. "overflow encountered in exp".
    """
    lowered = text.lower()
    for kind, operation, hint in _WARNING_HINTS:
        if kind in lowered and (not operation or lowered.rstrip().endswith(" " + operation)):
            return hint
    return ""


def call(fn: Callable, *args: Any, name: str, want: Any = None, **kwargs: Any) -> Any:
    """Call student code on copies of the array arguments and check it mutated none of them.

    Exceptions from student code become a failure that says which call raised what; with ``want``
    (the value the call should return, or a zero-argument callable giving it) that failure carries
    it, so the judge can look for the one change of the student's code that returns it instead of
    raising (judge/repair.py).
    """
    originals = [_copy(a) if _isinstance(a, _ndarray) else None for a in args]
    try:
        with numerics(name):
            out = fn(*args, **kwargs)
    except CheckFailure:
        raise
    except NotImplementedError:
        fail(f"{name} is not implemented yet (it raised NotImplementedError)")
    except Exception as exc:  # report, don't crash: the message is the feedback
        kind = getattr(exc, "remote_type", None) or _type(exc).__name__
        failure = CheckFailure(f"{name} raised {kind}: {exc}", "raised-" + slug(kind))
        failure.raised, failure.where = f"raised {kind}: {exc}", raised_at(exc)
        marker = getattr(exc, "raised_call", None)
        if want is not None and marker is not None:
            _attach(failure, marker, want, name)
        raise failure from None
    for i, (arg, orig) in enumerate(zip(args, originals)):
        if orig is not None and not _array_equal(arg, orig, equal_nan=True):
            fail(f"{name} modified its input argument #{i + 1} in place; work on a copy{_what_changed(orig, arg)}")
    return out


def raised_at(exc: BaseException) -> str:
    """' (at `line` in function)': the student's line that raised ``exc``, as the kernel quoted it, or ''."""
    where = getattr(exc, "remote_where", None)
    if not where:
        return ""
    function, line = where
    return f" (raised at `{line}`" + (f" in {function}" if function and function != "<module>" else "") + ")"


def located(failure: CheckFailure) -> str:
    """The message of ``failure`` with the student's line put after the exception it quotes.

    The exception may have been caught and re-raised in new words (a hint added, a diagnosis
    put first): the line is added when the final message still quotes an exception of student
    code found in the chain of exceptions, right after that quote; else the message as it is.
    """
    message = str(failure)
    seen: BaseException | None = failure
    for _ in range(20):                       # a chain of re-raised failures is short
        if seen is None:
            break
        raised, where = getattr(seen, "raised", ""), getattr(seen, "where", "")
        if raised and where and raised in message and where not in message:
            at = message.index(raised) + len(raised)
            return message[:at] + where + message[at:]
        seen = seen.__context__
    return message


def raised_line(failure: BaseException) -> str:
    """The student's line that raised the exception behind ``failure`` (from the chain of re-raised
    failures; see located), or '' when none is known."""
    return _where(failure, r" \(raised at `(.*)`(?: in [^)]*)?\)$")


def raised_function(failure: BaseException) -> str:
    """The name of the student's function whose line raised the exception behind ``failure``, or ''."""
    return _where(failure, r" \(raised at `.*` in ([\w.<>]+)\)$")


def _where(failure: BaseException, pattern: str) -> str:
    """The first group of ``pattern`` in the quoted place (' (raised at `line` in f)') of the chain of
    re-raised failures behind ``failure``, or ''."""
    seen: BaseException | None = failure
    for _ in range(20):
        if seen is None:
            break
        found = re.match(pattern, getattr(seen, "where", "") or "")
        if found:
            return found.group(1)
        seen = seen.__context__
    return ""


def changed_words(before: Any, after: Any) -> str:
    """' (3 of 12 entries changed, e.g. ...)': which entries of an array an in-place change touched, or ''."""
    return _what_changed(before, after)


def _what_changed(before: Any, after: Any) -> str:
    """Which entries an in-place change touched (a clip with out=x changes only the large ones), or ''."""
    try:
        a, b = _asarray(before), _asarray(after)
        if a.shape != b.shape or a.dtype.kind not in "biuf" or b.dtype.kind not in "biuf":
            return ""
        with _errstate(all="ignore"):
            changed = np.argwhere(~((a == b) | (np.isnan(a.astype(_float64)) & np.isnan(b.astype(_float64)))))
        if not len(changed):
            return ""
        idx = tuple(int(v) for v in changed[0])
        return (f" ({len(changed)} of {a.size} entries changed, e.g. at index {idx} {a[idx]:.6g} became "
                f"{b[idx]:.6g}{_change_rule(a, b)})")
    except Exception:
        return ""


def _change_rule(before: Any, after: Any) -> str:
    """'; every entry was divided by 5' when one rule maps every old value to its new one (a scaling
    or a shift done in place), else ''.  Says HOW the argument was changed, not only that it was."""
    a, b = before.astype(_float64), after.astype(_float64)
    if not bool(np.isfinite(a).all()) or not bool(np.isfinite(b).all()) or a.size < 2:
        return ""
    nz = _abs(a) > 1e-12
    if bool(nz.sum() >= 2):
        k = float(np.median(b[nz] / a[nz]))
        if k not in (0.0, 1.0) and close(b, k * a, 1e-6, 1e-12):
            inv = 1.0 / k
            if abs(inv - round(inv)) < 1e-6 and abs(round(inv)) > 1:
                return f"; every entry was divided by {int(round(inv))}"
            return f"; every entry was multiplied by {k:.4g}"
    shift = b - a
    if close(shift, np.full_like(shift, float(np.median(shift))), 1e-6, 1e-12):
        return f"; every entry was shifted by {float(np.median(shift)):.4g}"
    if a.ndim == 2 and a.shape[1] > 1 and close(shift, np.repeat(shift[:, :1], a.shape[1], axis=1), 1e-6, 1e-12):
        return "; each row was shifted by its own constant (such as its maximum)"
    return ""


def is_instance(obj: Any, cls: Any) -> bool:
    """``isinstance(obj, cls)`` where ``cls`` may be a student class (asked in the kernel)."""
    if _isinstance(cls, _session.RemoteObject):
        return _session.current().op("isinstance", obj, cls) is True
    return _isinstance(obj, cls)


def error_kind(exc: BaseException) -> str:
    """The class name of an exception, as the student's code raised it."""
    return getattr(exc, "remote_type", None) or _type(exc).__name__


def kernel_object(**attrs: Any) -> Any:
    """A plain object with attributes ``attrs`` that student code may update in place.

    Used for parameters handed to an optimiser: the check reads the attributes back after
    the call.  Under the judge it is created inside the student's kernel.
    """
    session = _session.current()
    if session is not None:
        return session.new_object(**attrs)
    import types
    return types.SimpleNamespace(**attrs)


def chain(fn: Callable, init: Any, n: int, *args: Any) -> list:
    """``n`` calls ``fn(*args)``, each with the previous result in place of ``init`` in ``args``
    (also inside a tuple or list argument); every result, oldest first.

    Under the judge this is one request however long the chain: a check that needs a graph
    of thousands of student nodes does not pay a round trip per node.
    """
    session = _session.current()
    if session is not None:
        return session.chain(fn, init, n, list(args))
    return chain_calls(fn, init, n, list(args))


def gather(objs: Iterable[Any], name: str) -> list:
    """``[getattr(o, name) for o in objs]``: one request under the judge, however many objects.

    An attribute missing on any object raises AttributeError, as the loop would."""
    objs = list(objs)
    session = _session.current()
    if session is not None and objs and all(_isinstance(o, _session.RemoteObject) for o in objs):
        return session.getattrs(objs, name)
    return [getattr(o, name) for o in objs]


def scatter(objs: Iterable[Any], name: str, values: Iterable[Any]) -> None:
    """``setattr(o, name, v)`` for each pair in order: one request under the judge."""
    objs, values = list(objs), list(values)
    session = _session.current()
    if session is not None and objs and all(_isinstance(o, _session.RemoteObject) for o in objs):
        session.setattrs(objs, name, values)
        return
    for o, v in zip(objs, values):
        setattr(o, name, v)


def kernel_functions(source: str) -> dict[str, Any]:
    """The functions of the module text ``source``, defined where student code runs: in the kernel under the judge,
    else here.  Only the check's own driver code (a forward then a backward on the arrays handed over: arrays a
    student object keeps a reference to stay the ones the check handed over, and in-place changes a LATER call
    makes to them are mirrored onto the check's copies like any argument's) or code a docstring already states
    (the student can read it there), never an answer.
    """
    names = re.findall(r"^def (\w+)", source, re.M)
    session = _session.current()
    if session is not None:
        return session.define(source, names)
    namespace: dict = {}
    exec(compile(source, "<check code>", "exec"), namespace)  # noqa: S102 - the checks' own text
    return {n: namespace[n] for n in names}


@contextlib.contextmanager
def lent_globals(fn: Callable, lent: dict[str, Any], defined: str = "") -> Iterator[None]:
    """For the duration of the ``with`` block, the names of ``lent`` in the globals of the student's
    function ``fn`` are the check's own objects (functions of a checks module: student code calling
    them calls back into the judge, and their code never enters the kernel), and the functions of the
    module text ``defined`` (only code a docstring already states: it runs in the kernel, where in-place
    updates of the student's arrays happen).  Restored afterwards, also on failure.

    Used where a graded function calls other graded functions by name: it is then judged with the
    reference ones in their place, so one mistake costs the cells of the function it is in only.
    """
    values = dict(lent)
    if defined:
        values.update({n: f for n, f in kernel_functions(defined).items() if n not in values})
    session = _session.current()
    if session is not None and _isinstance(fn, _session.RemoteObject):
        before = session.set_globals(fn, values)
        try:
            yield
        finally:
            session.set_globals(fn, before)
        return
    space = fn.__globals__  # type: ignore[attr-defined]
    missing = object()
    saved = {name: space.get(name, missing) for name in values}
    space.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is missing:
                space.pop(name, None)
            else:
                space[name] = value


#: Kernel-side driver of :func:`results_between_calls`: the arrays a first call returned stay in the kernel (results
#: cross to the judge by copy, so a later call that writes into them, or returns them again, is only seen there).
_CALL_TWICE = """
def call_twice(fn, first, second):
    import numpy as np
    def arrays(v, path):
        if isinstance(v, (tuple, list)):
            return [a for k, u in enumerate(v) for a in arrays(u, path + [k])]
        return [(path, v)] if isinstance(v, np.ndarray) else []
    inputs = [a for a in first if isinstance(a, np.ndarray)]
    got = arrays(fn(*first), [])
    kept = [v.copy() for _, v in got]
    later = [v for _, v in arrays(fn(*second), [])]
    return [(path, any(v is i for i in inputs), v.shape != c.shape or not np.array_equal(v, c, equal_nan=True),
             bool(v.size) and any(np.shares_memory(v, u) for u in later)) for (path, v), c in zip(got, kept)]
"""


@dataclass(frozen=True)
class KeptResult:
    """One array the first of two calls returned: where it sits in the returned value (indices into nested tuples
    and lists, () for a bare array), whether it IS one of that call's arguments, and whether the second call
    wrote into it (``changed``) or returned its memory again (``shared``)."""
    path: tuple[int, ...]
    is_input: bool
    changed: bool
    shared: bool


def results_between_calls(fn: Callable, first: tuple, second: tuple) -> list[KeptResult] | None:
    """Call ``fn(*first)`` then ``fn(*second)`` (same shapes, new values) where student code runs, and report every
    array the first call returned (in the order of a walk through nested tuples and lists).  The property every
    graded function has: what one call returned is the caller's; an output buffer kept between calls (a module-level
    array filled in place, a default argument, an attribute set once) passes every single call and breaks a network
    that holds two layers' results at once.  None when a call raises (the check's cases name that)."""
    try:
        run = kernel_functions(_CALL_TWICE)["call_twice"]
        with np.errstate(all="ignore"):
            found = run(fn, first, second)
    except Exception:
        return None
    return [KeptResult(tuple(int(k) for k in p), bool(i), bool(c), bool(s)) for p, i, c, s in found]


_CALL_AFTER_CHANGE = """
def call_after_change(fn, args, changed):
    import numpy as np
    fn(*args)
    for a, v in zip(args, changed):
        if v is not None:
            a[...] = v
    return fn(*args)
"""


def result_after_change(fn: Callable, args: tuple, changed: tuple) -> Any:
    """What ``fn(*args)`` returns when called a second time on THE SAME arrays after their values were changed in
    place (``changed[k]`` written into the array ``args[k]``; None leaves an argument as it is), where student code
    runs.  The check compares it with its oracle on the new values: a result computed from the old values is state
    kept between calls that the check's own fresh arrays never show (a cache keyed on ``id(x)`` or on the array's
    shape, a transposed copy of W kept from the first call, a stale result after an in-place SGD step), since a
    training loop updates the same arrays in place between calls.  Raises what the student's code raises."""
    run = kernel_functions(_CALL_AFTER_CHANGE)["call_after_change"]
    return run(fn, args, changed)


def with_note(failure: CheckFailure, note: str) -> CheckFailure:
    """``failure`` said again with `` (note)`` after its message, keeping what the judge reads from it (the
    comparison, the warning, the student's line, the other cases): the note says how the function was judged."""
    noted = CheckFailure(f"{failure} ({note})", failure.diagnosis)
    for key, value in vars(failure).items():
        setattr(noted, key, value)
    return noted


def judged_again(check: Callable[[], None], lending: contextlib.AbstractContextManager, note: str) -> bool:
    """Judge ``check`` again inside ``lending`` (the documented functions lent in place of the student's broken
    ones, e.g. :func:`lent_globals`), so that one mistake costs the cells of the function it is in only.

    True when that judgement passes; False when nothing could be lent (entering ``lending`` raised: the caller
    keeps its own failure or judges without lending); a failure is raised again with ``note`` (:func:`with_note`)
    saying what was lent and where the lent function's own mistake is paid."""
    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(lending)
        except Exception:
            return False
        try:
            check()
        except CheckFailure as again:
            raise with_note(again, note) from None
    return True


def shapes(*candidates: Iterable[tuple]) -> list:
    """Identity helper that documents the list of shapes a check iterates over."""
    return [tuple(c) for c in candidates]


def ratio_spread(base, doubled, mask) -> str:
    """'2' when every moved entry's step doubled; else how many entries scaled by which factor (a median alone
    can read 2 when most entries doubled and the others did not). base, doubled: an optimiser's steps on g and 2g; mask: entries that moved."""
    if not mask.any():
        return "nan"
    ratios = doubled[mask] / base[mask]
    two = np.isclose(ratios, 2.0, rtol=1e-4)
    if two.all() or not two.any():
        return f"{float(np.median(ratios)):.3g}"
    others = ratios[~two]
    return (f"2 for {int(two.sum())} of its {ratios.size} entries but by {float(np.min(others)):.3g}"
            + (f" to {float(np.max(others)):.3g}" if np.ptp(others) > 1e-3 * abs(float(np.max(others))) else "")
            + f" for the other {int(others.size)}")


_KEY_AFFIXES = ("grad_", "grad", "d_", "d", "dL_d", "dl_d")


def _key_pairing(have: str, want: str) -> str | None:
    """How an unexpected key ``have`` spells the expected ``want``: a case change, an affix of a gradient name
    ('dWh', 'grad_Wh'), or None."""
    if have.lower() == want.lower():
        return "keys are case-sensitive"
    for affix in _KEY_AFFIXES:
        if have.startswith(affix) and have[len(affix):] in (want, want.lower(), want[:1].upper() + want[1:]):
            return f"the prefix {affix!r} is not part of the name"
    return None


def keys_message(got: Any, expected: Iterable, name: str, *, exact: bool = False) -> str | None:
    """The shared wording of a returned dict whose keys are not the expected ones, or None when they are.

    '{name}: the returned dict has the keys [..], expected the keys [..]: it is missing the key(s) [..]' (extra keys
    are said too; with ``exact`` they alone also fail), then, when an unexpected key spells a missing one with
    another case or a gradient prefix ('H' for 'h', 'dWh' for 'Wh'), that pairing; when as many keys are
    missing as there are unexpected ones and none pairs that way, that the names are fixed (the code that
    reads the dict looks these keys up), so the dict's keys were renamed."""
    want = [str(k) for k in expected]
    have = [k if isinstance(k, str) else repr(k) for k in got]
    missing = [k for k in want if k not in have]
    extra = [k for k in have if k not in want]
    if not missing and not (exact and extra):
        return None
    text = f"{name}: the returned dict has the keys {have}, expected the keys {want}"
    if missing:
        text += f": it is missing the key(s) {missing}"
        if extra:
            text += f" and has the unexpected key(s) {extra}"
    else:
        text += f": it has the unexpected key(s) {extra}"
    pairs = [(h, w, why) for w in missing for h in extra if (why := _key_pairing(h, w))]
    if pairs:
        text += "; " + "; ".join(f"{h!r} is there where {w!r} is expected ({why})" for h, w, why in pairs)
    elif missing and len(missing) == len(extra):
        text += (f"; the keys are fixed by the lab (the code that uses this dict looks up {missing}): store the "
                 f"same values under the expected names")
    return text
