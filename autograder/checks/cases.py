"""Running a check's cases and naming its calls: helpers every lab's checks share.

A hidden check runs several independent *cases* (shapes, dtypes, special sizes) and reports the
most specific failure (``run_cases``); each call into student code is named with its argument
shapes (``call``/``signature``) so a raised exception always comes with a sentence saying which
call and which shapes; ``diagnose_only`` lets a property check run between the catalogued
diagnoses and ``core.expect_close``'s fallback analysis; ``tolerance`` derives tolerances from the
dtypes involved and the magnitude of the values.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from . import core
from .core import expect_close, fail

#: Diagnosis ids that only describe *how* a value is wrong, not *which* mistake made it.
GENERIC_DIAGNOSES = frozenset({None, "", "wrong-values", "wrong-shape", "some-rows", "some-columns", "empty",
                               "all-zero", "offset", "squared", "square-root", "complement", "zeroed-entries",
                               "per-row-offset", "per-column-offset", "per-row-scale", "per-column-scale",
                               "rows-permuted"})

SHAPE_HINT = ("a shape mismatch: check each transpose (W is (in, out), rows are samples) and the axis "
              "you sum over")


def describe_value(v: Any) -> str:
    """A short student-facing description of an argument: an array's shape and dtype."""
    if isinstance(v, np.ndarray):
        return f"of shape {tuple(v.shape)} {v.dtype}"
    if isinstance(v, dict) and v and all(isinstance(a, np.ndarray) for a in v.values()):
        return "{" + ", ".join(f"{k} {tuple(a.shape)}" for k, a in v.items()) + "}"
    if isinstance(v, (tuple, list)) and v and all(isinstance(a, np.ndarray) for a in v):   # a cache lent as a list
        return "(" + ", ".join(f"{tuple(a.shape)}" for a in v) + ")"
    if isinstance(v, (bool, int, float, str)) or v is None:
        return f"= {v!r}"
    if type(v).__module__.startswith("autograder.checks"):     # the check's own mock: nothing to say
        return ""
    return f"({core.describe(v)})"


def signature(label: str, names: Iterable[str], args: tuple, kwargs: dict | None = None) -> str:
    """``Linear.forward(x of shape (5, 3) float64)``: the call as a student would read it."""
    names = list(names)
    parts = [f"{names[i] if i < len(names) else f'arg{i + 1}'} {describe_value(a)}".strip()
             for i, a in enumerate(args)]
    parts += [f"{k} {describe_value(v)}".strip() for k, v in (kwargs or {}).items()]
    return f"{label}({', '.join(parts)})"


def call(fn: Callable, *args: Any, label: str, names: Iterable[str] = (), hint: str | None = SHAPE_HINT,
         **kwargs: Any) -> Any:
    """``core.call`` with a name that says which call and which shapes; a shape error gets ``hint``."""
    name = signature(label, names, args, kwargs)
    try:
        return core.call(fn, *args, name=name, **kwargs)
    except core.CheckFailure as exc:
        text, diagnosis = str(exc), exc.diagnosis or ""
        broadcast = explain_broadcast(text) if diagnosis.startswith("raised-") else None
        if broadcast:
            raise core.CheckFailure(f"{text}. {broadcast}" + (f". This is {hint}" if hint else ""),
                                    "raised-broadcast") from None
        if diagnosis.startswith("raised-") and hint and _looks_like_shape_error(text):
            raise core.CheckFailure(f"{text}. This is {hint}", diagnosis) from None
        if diagnosis == "raised-attributeerror" and label.endswith(".backward"):
            raise core.CheckFailure(f"{text}. forward must store on self what backward needs (for the most "
                                    f"recent call)", diagnosis) from None
        raise


def explain_broadcast(text: str, einsum_example: str = "") -> str | None:
    """What a NumPy 'could not be broadcast' error means, in terms of the two shapes it names:
    broadcasting lines shapes up from their LAST axis, so an array with fewer axes meets the
    trailing axes of the other, which are often not the ones it belongs to."""
    if "could not be broadcast" not in text:
        return None
    if "remapped" in text:          # np.einsum: a letter of the subscripts names axes of two sizes
        pairs = re.findall(r"\(([\d,]*)\)->\(([\w,]*)\)", text.replace(" ", ""))
        if len(pairs) >= 2:
            maps = [[1 if d == "newaxis" else int(d) for d in m.split(",") if d] for _, m in pairs[:2]]
            width = max(map(len, maps))
            maps = [[1] * (width - len(m)) + m for m in maps]
            clash = [(u, v) for u, v in zip(*maps) if u != v and 1 not in (u, v)]
            if clash:
                u, v = clash[0]
                return (f"in np.einsum one letter of the subscripts names an axis of size {u} in the operand of "
                        f"shape ({pairs[0][0]}) and an axis of size {v} in the operand of shape ({pairs[1][0]}): "
                        f"each letter must stand for the same axis in every operand"
                        + (f" ({einsum_example})" if einsum_example else ""))
        return None
    shapes = [tuple(int(d) for d in re.findall(r"\d+", m)) for m in re.findall(r"\(([\d, ]*)\)", text)][:2]
    if len(shapes) < 2:
        return None
    a, b = sorted(shapes, key=len)
    if len(a) < len(b):
        met = b[len(b) - len(a):]
        axes = "axis" if len(a) == 1 else "axes"
        return (f"NumPy lines shapes up from the LAST axis, so the {len(a)} {axes} of the array of shape {a} meet "
                f"the last {len(a)} {axes} of the array of shape {b}, sizes {met}; give it the missing axes "
                f"where they belong (None / reshape / keepdims=True: (N, 1) for a value per sample, (1, D) for "
                f"one per feature, (1, C, 1, 1) for one per channel) or use einsum")
    clash = [i for i, (u, v) in enumerate(zip(a, b)) if u != v and 1 not in (u, v)]
    return (f"two arrays of shapes {a} and {b} were combined element by element but differ along "
            f"axis {', '.join(map(str, clash))}: an index or a size computed for one layout was used with another")


def _looks_like_shape_error(text: str) -> bool:
    words = ("shape", "broadcast", "matmul", "aligned", "dimension", "size", "index")
    return any(w in text.lower() for w in words)


def run_cases(cases: Iterable[tuple[str | None, Callable[[], None]]]) -> None:
    """Run independent cases; report the most specific failure.

    ``cases`` are ``(special, thunk)``: ``special`` names a degenerate shape ("a batch of one
    sample", "in == out") or is None.  Every case runs; the first failure that names a
    mistake wins.  When only generic failures remain (wrong values, wrong shape, an
    exception) and some special case passed, the message says the code is right only there.
    """
    failures, passed = [], []
    for special, thunk in cases:
        try:
            thunk()
        except core.CheckFailure as exc:
            failures.append(exc)
        else:
            if special:
                passed.append(special)
    if not failures:
        return
    for exc in failures:
        if not _generic(exc):
            raise exc
    first = failures[0]
    if passed:
        raise core.CheckFailure(f"{first} (the same check passed for {' and for '.join(passed)}: a formula right "
                                f"only for that special shape, such as a wrong transpose or a wrong axis?)",
                                "right-only-for-special-shapes")
    raise first


def diagnose_only(got: Any, expected: Any, *, name: str, diagnose: dict, rtol: float, atol: float) -> None:
    """Fail with the catalogued diagnosis ``got`` matches, if any; return quietly otherwise (so a
    property check can run before the fallback analysis of ``core.expect_close``)."""
    e = np.asarray(expected, dtype=np.float64)
    rt, at = core.dtype_tolerance(got, rtol, atol, float(np.abs(e).max()) if e.size else 1.0)
    for message, wrong in diagnose.items():
        try:
            value = wrong() if callable(wrong) else wrong
        except Exception:
            continue
        if value is not None and core.close(got, value, rt, at):
            expect_close(got, expected, name=name, rtol=rtol, atol=atol, diagnose={message: value})


def _generic(exc: core.CheckFailure) -> bool:
    d = exc.diagnosis
    return d in GENERIC_DIAGNOSES or str(d).startswith("raised-")


def tolerance(*dtypes: Any, scale: float = 1.0, rtol: float = 1e-6, atol: float = 1e-9) -> dict:
    """Tolerances a numerically sound computation meets, for values computed from inputs of
    magnitude ``scale`` in the least precise of ``dtypes`` (the input's and the answer's: an answer
    computed in float32 carries float32's error even when the input was float64; exp(z) of a z
    known to eps*|z| carries a relative error eps*|z|)."""
    eps = 0.0
    for dtype in dtypes:
        dtype = dtype.dtype if isinstance(dtype, np.ndarray) else np.dtype(dtype)
        if np.issubdtype(dtype, np.floating):
            eps = max(eps, float(np.finfo(dtype).eps))
    k = 64 * eps * max(1.0, float(scale))
    return {"rtol": max(rtol, k), "atol": max(atol, k)}


def same(a: Any, b: Any) -> bool:
    """Exactly equal arrays (shape and values; NaN equal to NaN)."""
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))


def attribute(obj: Any, name: str, what: str) -> Any:
    """``obj.name``, or a failure saying which attribute is missing (never a raw exception)."""
    try:
        return getattr(obj, name)
    except AttributeError:
        fail(f"{what} has no attribute .{name}", "missing-attribute")
    except Exception as exc:
        fail(f"reading {what}.{name} raised {core.error_kind(exc)}: {exc}", "raised-" + core.error_kind(exc).lower())
