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

from . import core, lookalike
from .core import expect_close, fail

#: Diagnosis ids that only describe *how* a value is wrong, not *which* mistake made it.
GENERIC_DIAGNOSES = frozenset({None, "", "wrong-values", "wrong-shape", "some-rows", "some-columns", "empty",
                               "all-zero", "offset", "squared", "square-root", "complement", "zeroed-entries",
                               "per-row-offset", "per-column-offset", "per-row-scale", "per-column-scale",
                               "rows-permuted", "shape-batch-axis-reduced",
                               # words for any index error: a guess, so another case's named mistake wins
                               "index-out-of-bounds"})

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


#: Exception texts NumPy/Python raise for a few common slips, and the slip in a student's words.
_EXCEPTION_WORDS = (
    (("truth value of an array",),
     "an array was used where Python needs one True or False: Python's built-in max/min, an `if`, `and`/`or` or "
     "a chained comparison on an array; use the elementwise NumPy forms (np.maximum(x, 0), np.minimum, "
     "np.where(condition, a, b), & and | between comparisons in parentheses)", "array-truth-value"),
    (("only 0-dimensional arrays can be converted", "only length-1 arrays can be converted",
      "only size-1 arrays can be converted"),
     "a function that takes one number was given an array: a function of the math module (math.exp, math.tanh, "
     "math.erf, math.log...) works on one number only, so use the elementwise NumPy/SciPy function (np.exp, "
     "np.tanh, scipy.special.erf, np.log); or ", "array-to-scalar"),       # + ARRAY_TO_SCALAR (float(), int())
    (("math range error",),
     "a function of the math module (math.exp, math.cosh, math.pow...) got a number whose result does not fit "
     "in a float (exp(v) for v above about 709) and raises OverflowError instead of returning inf: work on "
     "arrays with NumPy and take exp only of non-positive numbers, exp(-|x|) (or np.logaddexp, "
     "scipy.special.expit)", "math-range-error"),
    (("cannot cast ufunc",),
     "an in-place operation (x /= n, x -= y, x *= 0.5, or a ufunc's out=) writes a float result into an array of "
     "integers, which NumPy refuses: make that array float first (e.g. np.diag(cm).astype(float), "
     "np.zeros(n, dtype=float)) or write the result to a new array (x = x / n)", "float-into-integer-array"),
    (("bitwise_xor",),
     "^ is Python's bitwise XOR, not a power: write y ** 2 (or np.square(y))", "xor-for-power"),
    (("is not defined",),
     "the function reads a name that is neither one of its arguments nor defined inside it: a notebook variable "
     "(not defined yet when the notebook runs top to bottom, and not this call's data anyway) or a local variable "
     "of another function or method; use the arguments, and in a layer's backward what forward stored on self "
     "(self.x, self.y)", "undefined-name"),
    (("referenced before assignment", "cannot access local variable"),
     "a variable is read before this function assigns it: it is assigned further down, or only in one branch "
     "of an if; assigning to a name anywhere in a function makes it local in the whole function", "unbound-local"),
    (("append() takes exactly one argument",),
     "list.append adds ONE item: append(*items) passes each item as an argument of its own; add every item of "
     "a list with .extend(items) (or +=)", "append-for-extend"),
    (("is out of bounds for axis",),
     "an index beyond the end of the axis: indices along an axis of size n run from 0 to n - 1 (an index "
     "taken from the wrong array, such as a permutation of the values instead of the positions, "
     "np.arange(n), or a range one too long?)", "index-out-of-bounds"),
    (("as a data type",),
     "the shape was passed as separate numbers: np.zeros(n, m), np.ones, np.empty, np.full and a Generator's "
     "standard_normal / random take the shape as ONE tuple, and read a second number as the dtype; write "
     "np.zeros((n, m)), rng.standard_normal((n, m)) (only the legacy np.random.randn(n, m) takes separate numbers)",
     "shape-as-separate-arguments"),
    (("'tuple' object cannot be interpreted as an integer",),
     "a tuple where one integer belongs: range(...), np.random.randn and np.arange take separate integers, not a "
     "shape tuple; pass the numbers themselves (range(n), np.random.randn(n, m)) or use a function that takes a "
     "shape tuple (np.zeros((n, m)), rng.standard_normal((n, m)))", "tuple-for-integer"),
    (("unhashable type",),
     "an object was put in a set or used as a dict key but cannot be hashed: a list or an array never can (use a "
     "tuple), and a class that defines __eq__ loses the default __hash__ (define __hash__ too, e.g. "
     "__hash__ = object.__hash__ to keep hashing by identity, or leave __eq__ alone)", "unhashable"),
    (("is out of bounds for array of dimension",),
     "the array has fewer axes than that axis number: a reduction without keepdims=True (max, sum, mean over "
     "an axis) removes its axis and the later axes move down by one", "axis-out-of-bounds"),
)
#: Methods of np.random.Generator a check's message recognises in "'int' object has no attribute ...".
_GENERATOR_METHODS = frozenset({"permutation", "permuted", "shuffle", "integers", "choice", "normal", "standard_normal",
                                "uniform", "random", "binomial", "bit_generator", "spawn"})
_MATMUL_WORDS = ("@ (np.dot, np.matmul) is the matrix product, rows times columns summed; an elementwise formula "
                 "multiplies entry by entry with *", "matmul-for-elementwise")


def explain_exception(text: str, elementwise: bool = False) -> tuple[str, str] | None:
    """(words, diagnosis id) naming the slip behind an exception's text, or None.  ``elementwise``: the
    function is elementwise, so a matrix-product shape error means @ where * belongs."""
    low = text.lower()
    if re.search(r"raised AssertionError\b.*\(raised at `assert\b", text):
        return ("your assert rejects a valid input: the checks only make calls the docstring allows (its shapes, "
                "strides, values); remove the assert, or make it test only what the docstring requires",
                "assert-rejects-valid-input")
    number = re.search(r"'(int|float|nonetype)' object has no attribute '(\w+)'", low)
    if number and number.group(2) in _GENERATOR_METHODS:
        return (f"a {number.group(1).replace('nonetype', 'None')} where a NumPy random Generator belongs (a seed "
                f"passed on instead of the generator?): pass the generator itself (rng), or make one with "
                f"np.random.default_rng(seed)", "number-for-generator")
    unbound = re.search(r"(\b[A-Z]\w*)\.(\w+)\(\) missing (\d+) required positional argument", text)
    if unbound and re.search(rf"\b{unbound.group(1)}\.{unbound.group(2)}\(", text.split("raised at", 1)[-1]):
        cls, meth = unbound.group(1), unbound.group(2)
        return (f"{cls}.{meth}(...) is called on the class {cls}, not on an instance: then your first argument "
                f"takes the place of self and an argument is missing. Make an instance first, {cls}().{meth}(...) "
                f"(or use one stored on self)", "method-called-on-class")
    if re.search(r"unsupported operand type\(s\) for .*'tuple'", low) or \
            re.search(r"bad operand type for unary -: 'tuple'", low):
        return ("a tuple was used as a number or an array: a function that returns a pair, such as "
                "A, cache = activation_forward(...) or Z, cache = linear_forward(...), was used as if it returned "
                "one array; unpack the pair (A, _ = ...) or call the function that returns the array alone",
                "tuple-as-array")
    raised_at = re.search(r"raised at `([^`]*)`", text)
    if raised_at and re.search(r"\bout\s*=", raised_at.group(1)) and "raised" in low.split("raised at")[0] and \
            any(n in low for n in ("output operand", "output from dtype", "out parameter", "non-broadcastable output")):
        return ("the raising line writes its result into an existing array with out=: that array must already have "
                "the result's shape and dtype, and writing into an argument (out=grad_out, out=x) changes the "
                "caller's array, which it may still use; return a new array instead (e.g. a @ b without out=)",
                "out-argument")
    if "sub-type of ndarray" in low or (raised_at and ".view(" in raised_at.group(1)
                                        and re.search(r"data type .* not understood|cannot interpret", low)):
        return ("NumPy's .view(...) takes a dtype (it reinterprets the bytes), not a shape: PyTorch's "
                "x.view(N, -1) is NumPy's x.reshape(N, -1)", "view-as-reshape")
    for needles, words, diagnosis in _EXCEPTION_WORDS:
        if any(n.lower() in low for n in needles):
            return words + (ARRAY_TO_SCALAR if diagnosis == "array-to-scalar" else ""), diagnosis
    if elementwise and (("matmul" in low and "mismatch" in low) or "not aligned" in low):
        return _MATMUL_WORDS            # np.matmul / @ say "mismatch", np.dot "not aligned"
    return None


def _comprehension_order(text: str) -> tuple[str, str] | None:
    """NameError of a name that the raising line's comprehension binds in a LATER for clause: the clauses
    run left to right like nested loops, so the name is read before its loop defines it."""
    name = re.search(r"name '(\w+)' is not defined", text)
    line = re.search(r"raised at `([^`]*)`", text)
    if not (name and line):
        return None
    nm, src = name.group(1), line.group(1)
    loop = re.search(rf"\bfor\s+{nm}\s+in\b", src)
    use = re.search(rf"\b{nm}\b", src)
    if not (loop and use and use.start() < loop.start()):
        return None
    return (f"the comprehension's for clauses run left to right, like nested loops written in that order: `{nm}` "
            f"is read in a clause before the clause `for {nm} in ...` that defines it; put the outer loop first "
            f"([item for {nm} in ... for item in {nm}...])", "comprehension-clause-order")


def call(fn: Callable, *args: Any, label: str, names: Iterable[str] = (), hint: str | None = SHAPE_HINT,
         elementwise: bool = False, want: Any = None, **kwargs: Any) -> Any:
    """``core.call`` with a name that says which call and which shapes; a shape error gets ``hint``; an
    exception of a common slip is named (``explain_exception``; ``elementwise``: see there).  ``want``:
    the value the call should return (or a callable giving it), for the judge's search of the one change
    that makes a raising call return it (``core.call``)."""
    name = signature(label, names, args, kwargs)
    try:
        return core.call(fn, *args, name=name, want=want, **kwargs)
    except core.CheckFailure as exc:
        text, diagnosis = str(exc), exc.diagnosis or ""
        worded = _worded(exc, text, diagnosis, label, names, args, hint, elementwise)
        if worded is None:
            raise
        better = core.CheckFailure(*worded)
        better.compared = getattr(exc, "compared", None)   # the judge's search still applies to the call
        raise better from None


def _worded(exc: core.CheckFailure, text: str, diagnosis: str, label: str, names: Iterable[str], args: tuple,
            hint: str | None, elementwise: bool) -> tuple[str, str] | None:
    """``(message, diagnosis)`` for a failed call whose cause a sentence can name, else None."""
    said = explain_exception(text, elementwise) if diagnosis.startswith("raised-") else None
    if diagnosis == "raised-nameerror":
        said = _comprehension_order(text + (getattr(exc, "where", "") or "")) or said
    if diagnosis.startswith("raised-") and not said and "raised at" not in text:
        out = explain_exception(text + (getattr(exc, "where", "") or ""))
        said = out if out and out[1] in ("out-argument", "view-as-reshape") else said
    if said and said[1] == "index-out-of-bounds" and hint and hint != SHAPE_HINT:
        said = None                     # the check's own hint for this call says more than the general words
    if said:
        return f"{text}. Likely cause: {said[0]}", said[1]
    # hint=None: the caller compares the raw failure with a replay's (its text must stay as raised)
    broadcast = explain_broadcast(text) if diagnosis.startswith("raised-") and hint else None
    if broadcast:
        return f"{text}. {broadcast}" + (f". This is {hint}" if hint else ""), "raised-broadcast"
    if diagnosis.startswith("raised-") and _array_to_scalar(text):
        return f"{text}. {ARRAY_TO_SCALAR}", "array-to-scalar"
    own = re.search(r"AttributeError: '(\w+)' object has no attribute '(\w+)'", text)
    if diagnosis == "raised-attributeerror" and label.endswith(".backward") and own \
            and own.group(1) == label.rsplit(".", 1)[0].split("(")[0]:
        return (f"{text}. forward must store on self what backward needs (for the most recent call): backward reads "
                f"self.{own.group(2)}, which forward did not set on this call; set everything backward reads on EVERY "
                f"call and in every branch (an attribute set only for some input shapes, or only on an earlier call, "
                f"is missing or stale)", diagnosis)
    if diagnosis.startswith("raised-") and hint and _looks_like_shape_error(text):
        return f"{text}. This is {hint}", diagnosis
    if diagnosis == "raised-keyerror" and hint:
        missing = _missing_key(text, names, args)
        if missing:
            return f"{text}. {missing}", diagnosis
    if diagnosis == "raised-attributeerror" and label.endswith(".backward"):
        return f"{text}. forward must store on self what backward needs (for the most recent call)", diagnosis
    return None


def _missing_key(text: str, names: Iterable[str], args: tuple) -> str | None:
    """A KeyError whose key none of the call's dict arguments holds: say which dicts were passed and their
    keys (a key spelt another way, such as 'dW1' for 'W1', or a key of another dict)."""
    found = re.search(r"raised KeyError: \"?'(.*?)'\"?$", text.split(". ")[0]) or \
        re.search(r"raised KeyError: \"?'(.*?)'\"?", text)
    dicts = [(n, a) for n, a in zip(names, args) if isinstance(a, dict)]
    if not found or not dicts:
        return None
    key = found.group(1)
    if any(key in map(str, a) for _, a in dicts):
        return None                  # a key that is there was deleted or looked up in a copy: not said
    held = "; ".join(f"{n} has the keys {sorted(map(str, a))}" for n, a in dicts)
    return (f"The code looked up the key {key!r}, which no dict given to this call has ({held}): use the keys "
            f"as they are")


def explain_broadcast(text: str, einsum_example: str = "") -> str | None:
    """What a NumPy 'could not be broadcast' error means, in terms of the two shapes it names:
    broadcasting lines shapes up from their LAST axis, so an array with fewer axes meets the
    trailing axes of the other, which are often not the ones it belongs to.  An in-place update
    (``+=``) whose value has another shape than the array it updates is said as such."""
    inplace = re.search(r"non-broadcastable output operand with shape \(([\d, ]*)\) doesn't match the "
                        r"broadcast shape \(([\d, ]*)\)", text)
    if inplace:
        target, result = (tuple(int(d) for d in re.findall(r"\d+", m)) for m in inplace.groups())
        return (f"an in-place update (+=, -=, *=) of an array of shape {target} was given a value that broadcasts "
                f"to {result}: the value added into an array must have that array's shape {target}; look for the "
                f"term of that update whose shape makes {result}")
    if "could not be broadcast" not in text:
        return None
    requested = re.search(r"remapped shapes \[original->remapped\]: \(([\d, ]*)\)\s+and requested shape "
                          r"\(([\d, ]*)\)", text)
    if requested:                   # np.broadcast_to(a, shape) (or np.resize-like code built on it)
        source, goal = (tuple(int(d) for d in re.findall(r"\d+", m)) for m in requested.groups())
        return (f"np.broadcast_to turns an array of shape {source} into shape {goal} only where the LAST axes "
                f"line up (a size-1 axis repeats, nothing else moves): it cannot turn {source} into {goal}; to give "
                f"the same numbers another shape, reshape them (np.reshape(a, {goal}))")
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
    said = text[text.index("could not be broadcast"):]     # not the call's own description before it
    shapes = [tuple(int(d) for d in re.findall(r"\d+", m)) for m in re.findall(r"\(([\d, ]*)\)", said)][:2]
    if len(shapes) < 2:
        return None
    a, b = sorted(shapes, key=len)
    if len(a) < len(b):
        met = b[len(b) - len(a):]
        axes = "axis" if len(a) == 1 else "axes"
        meet = "meets" if len(a) == 1 else "meet"
        return (f"NumPy lines shapes up from the LAST axis, so the {len(a)} {axes} of the array of shape {a} {meet} "
                f"the last {len(a)} {axes} of the array of shape {b}, sizes {met}; give it the missing axes "
                f"where they belong (None / reshape / keepdims=True: (N, 1) for a value per sample, (1, D) for "
                f"one per feature, (1, C, 1, 1) for one per channel) or use einsum")
    clash = [i for i, (u, v) in enumerate(zip(a, b)) if u != v and 1 not in (u, v)]
    if not clash:
        return None
    return (f"two arrays of shapes {a} and {b} were combined element by element but differ along "
            f"axis {', '.join(map(str, clash))}: an index or a size computed for one layout was used with another")


#: float()/int() of an array with several entries: what NumPy's TypeError means in a student's code.
ARRAY_TO_SCALAR = ("float() or int() was given an array, not one number (NumPy converts only a 0-dimensional "
                   "array): a mean or sum over one axis (axis=0 or axis=1) leaves an array; to get one number, "
                   "reduce over every entry (no axis argument)")


def _array_to_scalar(text: str) -> bool:
    return ("only 0-dimensional arrays can be converted to python scalars" in text.lower()
            or "only length-1 arrays can be converted to python scalars" in text.lower()
            or "only size-1 arrays can be converted to python scalars" in text.lower())


def _looks_like_shape_error(text: str) -> bool:
    # Only the exception's own text: the call's signature before it names every argument's shape.
    raised = text.split(" raised ", 1)[-1].lower()
    words = ("shape", "broadcast", "matmul", "aligned", "dimension", "size", "index")
    return any(w in raised for w in words)


def run_cases(cases: Iterable[tuple[str | None, Callable[[], None]]], *, special_last: bool = False) -> None:
    """Run independent cases; report the most specific failure.

    ``cases`` are ``(special, thunk)``: ``special`` names a degenerate shape ("a batch of one
    sample", "in == out") or is None.  Every case runs; the first failure that names a
    mistake wins.  When only generic failures remain (wrong values, wrong shape, an
    exception) and some special case passed, the message says the code is right only there.
    ``special_last``: a diagnosis made on a degenerate shape is ambiguous (with N == C a division
    by N*C is one by N*N; with one sample a max over the batch axis is the identity), so one
    made on an ordinary case wins over it.
    """
    failures, passed, ordinary_passed = [], [], False
    for special, thunk in cases:
        try:
            thunk()
        except core.CheckFailure as exc:
            failures.append((special, exc))
        else:
            if special:
                passed.append(special)
            else:
                ordinary_passed = True
    if not failures:
        return
    if special_last:
        failures = [f for f in failures if not f[0]] + [f for f in failures if f[0]]
    failures = [exc for _, exc in failures]
    for exc in failures:
        if not _generic(exc):
            raise _with_others(exc, exc, failures)
    first = failures[0]
    # "Right only for such shapes" is a claim about the shapes: an ordinary case that passed too
    # refutes it (the code is right for some other property those cases share, such as C == 10).
    if passed and not ordinary_passed:
        raise _with_others(core.CheckFailure(f"{first} (the same check passed for {' and for '.join(passed)}: your "
                                             f"formula is right only for such shapes)",
                                             "right-only-for-special-shapes"), first, failures)
    raise _with_others(first, first, failures)


def _with_others(failure: core.CheckFailure, chosen: core.CheckFailure,
                 failures: list[core.CheckFailure]) -> core.CheckFailure:
    """``failure`` (reporting ``chosen``) with the comparisons of the other failed cases: the judge's one
    change must fix those too (core.CheckFailure.others)."""
    failure.compared = failure.compared or chosen.compared
    failure.others = [f.compared for f in failures if f is not chosen and f.compared is not None][:3]
    return failure


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


#: Readable points at which an elementwise function's values are shown to the student (no kink at 0).
PROBE_POINTS = (-3.0, -1.0, -0.5, 0.5, 1.0, 3.0)


def format_values(values: Any) -> str:
    return "[" + ", ".join(f"{float(v):.4g}" for v in np.asarray(values, dtype=np.float64).ravel()) + "]"


def _region_words(x: np.ndarray, got: np.ndarray, expected: np.ndarray, bad: np.ndarray,
                  rtol: float, atol: float) -> list[str]:
    """What the wrong values look like on one side of 0: a factor, a constant, a flipped sign."""
    words = []
    g, e, xs = got[bad], expected[bad], x[bad]
    if g.size >= 2 and bool(np.isfinite(g).all()):
        nz = np.abs(e) > max(atol, 1e-12)
        if bool(nz.any()):
            k = float(np.median(g[nz] / e[nz]))
            if k != 0 and abs(k - 1) > 1e-3 and close_enough(g, k * e, rtol, atol):
                words.append(f"the expected ones times {k:.4g}" if k != -1 else "the expected ones with the sign flipped")
        if not words and float(np.ptp(g)) <= atol + rtol * float(np.abs(g).max()) and float(np.ptp(e)) > 10 * atol \
                and float(np.ptp(xs)) > 0:
            words.append(f"constant ({float(g.flat[0]):.4g}) instead of depending on x")
        if not words and float(np.ptp(xs)) > 0 and close_enough(g, xs, rtol, atol):
            words.append("x itself (that branch returns its input unchanged where the formula asks more)")
    return words


def close_enough(a: Any, b: Any, rtol: float, atol: float) -> bool:
    return core.close(a, b, max(rtol, 1e-6), atol)


def _wrong_by_position(xs: np.ndarray, ok: np.ndarray, probe, oracle, rtol: float, atol: float,
                       what: str) -> str | None:
    """An elementwise result wrong only at the first or last k entries (row-major order), k at most a third,
    and again at the same positions (only there) when the student's function is replayed with those entries'
    values swapped with right entries' values: the formula is right, those positions are not computed (a loop
    over the entries off by one)."""
    flat = ok.ravel()
    n, bad = flat.size, np.flatnonzero(~flat)
    k = bad.size
    if probe is None or oracle is None or n < 4 or not 0 < k <= n // 3:
        return None
    end = "last" if list(bad) == list(range(n - k, n)) else "first" if list(bad) == list(range(k)) else None
    if end is None:
        return None
    # swap each wrong entry's value with a right entry's value on the same side of 0 (else any right entry)
    values = xs.ravel().copy()
    right = [int(i) for i in np.flatnonzero(flat)]
    for j in bad:
        same = [i for i in right if np.sign(values[i]) == np.sign(values[j]) and values[i] != values[j]]
        i = (same or right)[0]
        right.remove(i)
        values[i], values[j] = values[j], values[i]
    swapped = values.reshape(xs.shape)
    try:
        mine = np.asarray(probe(swapped), dtype=np.float64)
        want = np.asarray(oracle(swapped), dtype=np.float64)
    except Exception:
        return None
    if mine.shape != xs.shape or want.shape != xs.shape:
        return None
    with np.errstate(all="ignore"):
        again = np.flatnonzero(~(np.abs(mine - want) <= atol + rtol * np.abs(want)).ravel())
    if list(again) != list(bad):
        return None                  # wrong for some x values, not at some positions
    where = [tuple(int(i) for i in np.unravel_index(j, xs.shape)) for j in bad[:3]]
    entries = "entry" if k == 1 else f"{k} entries"
    loop = f"range(x.size - {k})" if end == "last" else f"range({k}, x.size)"
    return (f"your {what} are right everywhere except at the {end} {entries} in row-major order (index "
            f"{', '.join(map(str, where))}), and still there, only there, when their values are swapped with other entries' values: the "
            f"formula is right, but those positions are not computed by it (a loop over the entries that "
            f"{'stops early' if end == 'last' else 'starts late'}, {loop}?, or an index off by one)")


def explain_elementwise(x: Any, got: Any, expected: Any, *, rtol: float, atol: float,
                        probe: Callable[[np.ndarray], Any] | None = None,
                        oracle: Callable[[np.ndarray], Any] | None = None, what: str = "values",
                        interval: bool = False) -> str | None:
    """A case-based explanation of a wrong elementwise result, in a student's words, or None.

    Says on which side of 0 the result is wrong (a wrong np.where branch, a missing max(x, 0)...),
    what the wrong values look like there (a factor, a constant, a flipped sign), and, when
    ``probe`` (the student's function on an array of points) and ``oracle`` are given, the student's
    values and the expected ones at a few readable points, which they can compare with their formula.
    ``interval``: also locate, on a dense grid, a wrong interval that is not a whole side of 0 (a branch
    threshold other than 0, a cap) and say its ends.
    """
    xs = np.asarray(x, dtype=np.float64)
    g = np.asarray(got, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    if g.shape != e.shape or xs.shape != e.shape or not e.size:
        return None
    with np.errstate(all="ignore"):
        ok = np.abs(g - e) <= atol + rtol * np.abs(e)
    positional = _wrong_by_position(xs, ok, probe, oracle, rtol, atol, what)
    if positional:
        return positional
    located = _wrong_interval(probe, oracle, rtol, atol, what) if interval and probe is not None \
        and oracle is not None and not bool(ok.all()) else None
    if located:
        return located
    neg, pos = xs < 0, xs > 0
    parts = []
    if bool(neg.any()) and bool(pos.any()):
        wrong_neg, wrong_pos = not bool(ok[neg].all()), not bool(ok[pos].all())
        for side, bad_side, good_side, mask in (("x < 0", wrong_neg, wrong_pos, neg), ("x > 0", wrong_pos, wrong_neg, pos)):
            if bad_side and not good_side:
                other = "x > 0" if side == "x < 0" else "x < 0"
                words = _region_words(xs, g, e, mask & ~ok, rtol, atol)
                parts.append(f"right for {other} but wrong for {side} (check that branch of your formula)"
                             + (f": there your {what} are {words[0]}" if words else ""))
        if wrong_neg and wrong_pos:
            for side, mask in (("x < 0", neg), ("x > 0", pos)):
                words = _region_words(xs, g, e, mask, rtol, atol)
                if words:
                    parts.append(f"for {side} your {what} are {words[0]}")
    if probe is not None and oracle is not None:
        named = lookalike.name_function(probe, oracle, rtol=rtol, atol=atol)
        if named:       # another textbook function altogether: say which, before any detail
            parts.insert(0, f"your {what} are exactly those of {named} at every point tried "
                            f"(x = {format_values(lookalike.POINTS)}): not the function asked for")
        points = np.array([PROBE_POINTS], dtype=np.float64)
        try:
            mine = np.asarray(probe(points), dtype=np.float64)
            want = np.asarray(oracle(points), dtype=np.float64)
        except Exception:
            mine = want = None
        if mine is not None and mine.shape == want.shape and not core.close(mine, want, rtol, atol):
            parts.append(f"at x = {format_values(points)} your {what} are {format_values(mine)}, expected {format_values(want)}")
            scaled = _scaled_argument(mine, oracle, points, rtol, atol)
            if scaled:
                parts.append(scaled)
    return "; ".join(parts) or None


#: A dense grid for locating where an elementwise result goes wrong (0 included, both sides).
INTERVAL_GRID = np.round(np.linspace(-4.0, 4.0, 161), 10)


def _wrong_interval(probe: Callable[[np.ndarray], Any], oracle: Callable[[np.ndarray], Any], rtol: float,
                    atol: float, what: str) -> str | None:
    """Where on the x axis an elementwise result is wrong, read on a dense grid (a second probe, not the case's
    random points): when the wrong x form ONE interval that is not a whole side of 0 (0 < x <= 0.2, x > 1), its
    ends are located by bisection on the student's function and said, with what the values look like there.
    A branch condition that compares x with another threshold (x > slope) or a cap (np.clip(x, 0, 1)) reads
    as such; a whole side of 0 wrong is left to the side analysis."""
    def wrong_at(v: np.ndarray) -> np.ndarray | None:
        try:
            mine = np.asarray(probe(v[None, :]), dtype=np.float64)
            want = np.asarray(oracle(v[None, :]), dtype=np.float64)
        except Exception:
            return None
        if mine.shape != (1, v.size) or want.shape != mine.shape:
            return None
        with np.errstate(all="ignore"):
            return ~(np.abs(mine - want) <= max(atol, 1e-9) + max(rtol, 1e-6) * np.abs(want))[0]
    grid = INTERVAL_GRID
    bad = wrong_at(grid)
    if bad is None or not bad.any() or bad.all():
        return None
    idx = np.flatnonzero(bad)
    if idx[-1] - idx[0] + 1 != idx.size:
        return None                                   # several wrong pieces: not one interval
    lo_i, hi_i = int(idx[0]), int(idx[-1])
    lo_open, hi_open = lo_i == 0, hi_i == grid.size - 1
    # a whole side of 0 (0 excluded or included) is what the side analysis says
    if (lo_open and abs(grid[hi_i + 1]) < 1e-12) or (hi_open and abs(grid[lo_i - 1]) < 1e-12):
        return None
    if (lo_open and grid[hi_i] <= 0 < grid[hi_i + 1]) or (hi_open and grid[lo_i] >= 0 > grid[lo_i - 1]):
        return None

    def edge(right_x: float, wrong_x: float) -> float:
        """Bisect between a right and a wrong x (four rounds of 41 points)."""
        a, b = right_x, wrong_x
        for _ in range(4):
            pts = np.linspace(a, b, 41)
            w = wrong_at(pts)
            if w is None or not w[-1]:
                return b
            first = int(np.argmax(w))
            a, b = pts[max(first - 1, 0)], pts[first]
        return float((a + b) / 2)
    ends = []
    if not lo_open:
        ends.append(edge(grid[lo_i - 1], grid[lo_i]))
    if not hi_open:
        ends.append(edge(grid[hi_i + 1], grid[hi_i]))

    def num(v: float) -> str:
        return f"{v:.3g}" if abs(v) > 1e-6 else "0"
    if lo_open:
        where, right = f"x < {num(ends[0])}", f"x > {num(ends[0])}"
    elif hi_open:
        where, right = f"x > {num(ends[0])}", f"x < {num(ends[0])}"
    else:
        where, right = f"{num(ends[0])} < x < {num(ends[1])}", f"x < {num(ends[0])} and for x > {num(ends[1])}"
    # what the values look like inside the interval (on the grid points there)
    inside = grid[bad]
    try:
        mine = np.asarray(probe(inside[None, :]), dtype=np.float64)[0]
        want = np.asarray(oracle(inside[None, :]), dtype=np.float64)[0]
    except Exception:
        return None
    words = _region_words(inside, mine, want, np.ones(inside.shape, dtype=bool), rtol, atol)
    look = f": there your {what} are {words[0]}" if words else ""
    passes_x = bool(inside.size >= 2 and not core.close(want, inside, max(rtol, 1e-6), max(atol, 1e-9))
                    and core.close(mine, inside, max(rtol, 1e-6), max(atol, 1e-9)))
    if passes_x:        # a clip of x, not a branch: x itself comes through between the clip's bounds
        look = (f": there your {what} equal x itself (a clip such as np.clip(x, 0, 1) or np.minimum(x, 1) passes x "
                f"through between its bounds: it is not a 0/1 step such as (x > 0))")
    if words and words[0].startswith("constant"):
        look += " (capped: a np.clip or np.minimum/np.maximum with that constant?)"
    edges = [e for e in ends if abs(e) > 1e-6]
    switch = ""
    if len(ends) == 2 and any(abs(e) <= 1e-6 for e in ends) and edges and not passes_x \
            and _jumps_at(probe, edges[0]):
        switch = (f"; your formula switches branch at x = {num(edges[0])} instead of x = 0 (the condition compares x "
                  f"with {num(edges[0])}, not with 0?)")
    sample = np.array([v for v in (inside[len(inside) // 2], inside[0], inside[-1])])
    shown = ", ".join(f"{v:.3g}" for v in sample)
    try:
        m2 = np.asarray(probe(sample[None, :]), dtype=np.float64)[0]
        w2 = np.asarray(oracle(sample[None, :]), dtype=np.float64)[0]
        values = f"; at x = [{shown}] your {what} are {format_values(m2[None, :])}, expected {format_values(w2[None, :])}"
    except Exception:
        values = ""
    return f"wrong only for {where} (right for {right}){look}{switch}{values}"


def _jumps_at(probe: Callable[[np.ndarray], Any], t: float) -> bool:
    """Does the student's elementwise result jump at x = t (a branch condition switching there)? A result that
    is continuous at t (np.minimum(1, x + c) meets 1 there) is a cap or another formula, not a branch compared
    with t: the 'compares x with t' reading is then not told."""
    d = 1e-4 * (1.0 + abs(t))
    try:
        v = np.asarray(probe(np.array([[t - 3 * d, t - d, t + d, t + 3 * d]])), dtype=np.float64).reshape(-1)
    except Exception:
        return False
    if v.shape != (4,) or not np.all(np.isfinite(v)):
        return False
    return bool(abs(v[2] - v[1]) > 5.0 * (abs(v[3] - v[2]) + abs(v[1] - v[0])) + 1e-9)


#: Factors by which a formula may scale its argument by mistake (x / 2 forgotten, 2x, -x...).
ARGUMENT_FACTORS = (2.0, 0.5, -1.0, -2.0, -0.5, 3.0, 1.0 / 3.0, 4.0, 0.25)


def _scaled_argument(mine: np.ndarray, oracle: Callable[[np.ndarray], Any], points: np.ndarray,
                     rtol: float, atol: float) -> str | None:
    """'your values are the expected function at 2x' when the student's values at ``points`` are the
    oracle's at a multiple of them: a factor missing or extra *inside* the formula (tanh(x) for
    tanh(x / 2), exp(2x)...)."""
    rt, at_ = max(rtol, 1e-6), max(atol, 1e-9)
    try:
        at = np.asarray(oracle(np.abs(points)), dtype=np.float64)
        base = np.asarray(oracle(points), dtype=np.float64)
    except Exception:
        at = base = None
    if at is not None and at.shape == mine.shape and core.close(mine, at, rt, at_) and not core.close(base, at, rt, at_):
        return ("your values are exactly the expected function evaluated at |x| instead of x: on the x < 0 side the "
                "sign of x is lost (an abs(), or -x where x belongs in that branch's formula)")
    for k in ARGUMENT_FACTORS:
        try:
            at = np.asarray(oracle(k * points), dtype=np.float64)
        except Exception:
            continue
        homogeneous = base is not None and base.shape == mine.shape and core.close(mine, k * base, rt, at_)
        if homogeneous and at.shape == mine.shape and core.close(mine, at, rt, at_):
            # f(kx) = k f(x) (ReLU): no argument to blame, the factor is on the output
            return (f"your values are exactly the expected function evaluated at {k:g}*x instead of x, which for "
                    f"this function is the same as its output times {k:g} (a factor such as 1/2 missing or extra)")
        if at.shape == mine.shape and core.close(mine, at, rt, at_):
            return (f"your values are exactly the expected function evaluated at {k:g}*x instead of x: the argument "
                    f"inside your formula is scaled by {k:g} (a factor such as 1/2 missing or extra inside exp/tanh, "
                    f"or a sign?)")
    return None


def explain_quantity(got: Any, candidates: dict[str, Any], *, rtol: float = 1e-6, atol: float = 1e-9) -> str | None:
    """'your result is 0.13 x (pred - target)**2' when ``got`` is a constant multiple of one of the
    ``candidates`` (name -> array of the shape of ``got``): the formula is applied to the wrong
    quantity (a cached array overwritten in place, the input where the output belongs...)."""
    g = np.asarray(got, dtype=np.float64)
    if g.size < 2 or not bool(np.isfinite(g).all()) or not bool(g.any()):
        return None
    for name, value in candidates.items():
        q = np.asarray(value, dtype=np.float64)
        if q.shape != g.shape:
            continue
        mask = np.abs(q) > 1e-12
        if not bool(mask.any()):
            continue
        k = float(np.median(g[mask] / q[mask]))
        if k != 0 and core.close(g, k * q, rtol, atol):
            return f"your result is {k:.4g} x {name}" if abs(k - 1) > 1e-9 else f"your result is {name}"
    return None


def explain_batches(batches: list, n: int, batch_size: int, other_sizes: dict[str, int] | None = None) -> str | None:
    """What is wrong with the batches of one epoch (lists of sample indices), beyond "not each sample
    once": consecutive batches that share their boundary samples (a slice end off by one), or batches
    that cover exactly another size of the data (the number of columns used as N)."""
    rows = [list(map(int, np.asarray(b).ravel())) for b in batches]
    used = sorted({i for b in rows for i in b})
    for name, size in (other_sizes or {}).items():
        if size != n and sum(len(b) for b in rows) == size and len(used) == size:
            return (f"the batches cover {size} samples in all, which is {name} = {size}, not the number of samples "
                    f"N = {n}: N is len(x) = x.shape[0] (rows are samples)")
    overlaps = [len(set(a) & set(b)) for a, b in zip(rows, rows[1:])]
    if rows and any(overlaps) and all(a[-1] == b[0] for a, b, k in zip(rows, rows[1:], overlaps) if k):
        sizes = [len(b) for b in rows]
        return (f"consecutive batches share samples: each batch ends with the sample the next one starts with "
                f"(batch sizes {sizes} for batch_size={batch_size}): a slice's end is excluded, "
                f"order[start:start + batch_size] already holds batch_size samples (no + 1)")
    return None


def explain_factor(got: Any, expected: Any, sizes: dict[str, int], *, rtol: float = 1e-5,
                   atol: float = 1e-8, divisor: str | None = None, scalar: bool = False) -> str | None:
    """When ``got`` is ``expected`` times a constant, the constant written with the call's sizes
    (``{"N": 5, "D": 3}``): "times 0.6 = (D)/(N)", or None.  ``divisor``: the expression the
    expected value is divided by ("N*D"); then the message says what the student divided by instead.
    ``scalar``: also for single numbers (any two numbers differ by some factor, so the factor is only
    named when it is a ratio of the sizes, which is what this function returns anyway)."""
    g, e = np.asarray(got, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    if g.shape != e.shape or g.size < (1 if scalar else 2):
        return None
    mask = np.abs(e) > max(atol, 1e-12)
    if not bool(mask.any()) or not bool(np.isfinite(g).all()):
        return None
    k = float(np.median(g[mask] / e[mask]))
    if k == 0 or abs(k - 1) < 1e-3 or not core.close(g, k * e, max(rtol, 1e-6), atol):
        return None
    terms = {"1": 1, "2": 2, **{n: v for n, v in sizes.items() if v > 1}}
    names = list(terms)
    products = {}
    for i, a in enumerate(names):
        for b in names[i:]:
            expr = a if b == "1" else b if a == "1" else f"{a}*{b}"
            products.setdefault(terms[a] * terms[b], expr)
    given = ", ".join(f"{n}={v}" for n, v in sizes.items())
    if divisor is not None:
        value = 1
        for part in divisor.split("*"):
            value *= terms.get(part, sizes.get(part, 1))
        for den, bottom in sorted(products.items()):
            if bottom != divisor and abs(value / den - k) <= 1e-6 * abs(k):
                return (f"your result is the expected one times {k:.4g}: you divided by {bottom} = {den} where the "
                        f"expected result divides by {divisor} = {value} ({given})")
    for num, top in sorted(products.items()):
        for den, bottom in sorted(products.items()):
            if top != bottom and abs(num / den - k) <= 1e-6 * abs(k):
                return f"your result is the expected one times {k:.4g} = ({top})/({bottom}) with {given}"
    return None


def explain_redrawn(batches: list, n: int, seed: int) -> str | None:
    """Batches that are each a slice of a NEW permutation (rng.permutation(N) drawn inside the batch loop, after
    or without one drawn before it): confirmed by replaying the draws of np.random.default_rng(seed)."""
    parts = [np.asarray(b, dtype=int).ravel().tolist() for b in batches]
    if len(parts) < 2:
        return None
    for before in (0, 1):
        g = np.random.default_rng(seed)
        for _ in range(before):
            g.permutation(n)
        start, ok = 0, True
        for b in parts:
            if b != g.permutation(n)[start:start + len(b)].tolist():
                ok = False
                break
            start += len(b)
        if ok:
            return ("each batch is a slice of a NEW permutation drawn from rng for that batch (batch k comes from the "
                    "k-th draw): with a fresh shuffle per batch some samples come twice and others never; draw ONE "
                    "permutation per epoch, before the loop over the batches, and slice it")
    return None


def explain_batch_sum(got: Any, expected: Any, per_sample: Any, *, what: str = "gradient") -> str | None:
    """For a gradient summed over the batch (``expected == per_sample.sum(0)``): which samples'
    contributions are missing, or counted twice, in ``got`` (a loop over the batch off by one)."""
    g, e = np.asarray(got, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    p = np.asarray(per_sample, dtype=np.float64)
    n = p.shape[0]
    if g.shape != e.shape or n < 2 or p[0].shape != e.shape:
        return None
    A = p.reshape(n, -1).T                       # (entries, samples)
    if np.linalg.matrix_rank(A) < n:
        return None
    coef, *_ = np.linalg.lstsq(A, g.ravel(), rcond=None)
    rounded = np.round(coef)
    if not np.allclose(coef, rounded, atol=1e-6) or not core.close(A @ rounded, g.ravel(), 1e-6, 1e-9) \
            or bool((rounded == 1).all()):
        return None
    missing = np.flatnonzero(rounded == 0).tolist()
    twice = np.flatnonzero(rounded > 1).tolist()
    parts = []
    kept = np.flatnonzero(rounded == 1).tolist()
    if len(kept) == 1 and len(missing) == n - 1:
        return (f"your {what} holds the contribution of sample {kept[0]} only: the contributions of sample(s) "
                f"{missing} of the {n} in the batch are missing (one row such as [0] or [:1] taken where the sum "
                f"over every row of the batch, axis 0, belongs)")
    if missing:
        parts.append(f"the contributions of sample(s) {missing} of the {n} in the batch are missing")
    if twice:
        parts.append(f"sample(s) {twice} are counted more than once")
    if not parts:
        return None
    return (f"your {what} is a sum over the batch in which " + " and ".join(parts)
            + ": a loop over the samples must visit each of them once (range(N), not range(N - 1) or range(1, N))")


#: Relative tolerance at float32 precision (about 3e-5), whatever the answer's dtype: a sound
#: implementation may compute in float32 and return float64 (or the reverse); every catalogued
#: mistake changes values by far more than this.
FLOAT32_RTOL = 256 * float(np.finfo(np.float32).eps)


def float32_tolerance(want: Any) -> tuple[float, float]:
    """(rtol, atol) for comparing with ``want``: float32 precision relative to its scale."""
    w = np.asarray(want, dtype=np.float64)
    with np.errstate(all="ignore"):
        scale = float(np.max(np.abs(w))) if w.size and np.isfinite(w).all() else 1.0
    return FLOAT32_RTOL, 64 * float(np.finfo(np.float32).eps) * max(scale, 1e-3)


def explain_slices(batches: list, n: int, batch_size: int, order: Any) -> str | None:
    """The batches of one epoch located in ``order`` (the permutation the generator gives from the same
    seed, ``rng.permutation(N)``): when every batch is a run ``order[a:b]`` of it (or empty), the slices
    taken are said beside the expected ``order[start:start + batch_size]``, with the first one that differs.
    None when the batches are right, or are not slices of ``order`` (another order, repeats...)."""
    order = [int(v) for v in np.asarray(order).ravel()]
    if max((np.asarray(b).size for b in batches), default=0) < 2:
        return None               # single samples are runs of any order: nothing to locate
    where = {v: i for i, v in enumerate(order)}
    got: list = []
    for b in batches:
        rows = [int(v) for v in np.asarray(b).ravel()]
        if not rows:
            got.append(None)
            continue
        if any(v not in where for v in rows):
            return None
        a = where[rows[0]]
        if order[a:a + len(rows)] != rows:
            return None
        got.append((a, a + len(rows)))
    want = [(s, min(s + batch_size, n)) for s in range(0, n, batch_size)]
    if got == want or not got or [g for g in got if g is not None] == want:
        return None               # right, or right but for trailing empty batches (the caller says those)

    def fmt(s) -> str:
        return "an empty slice" if s is None else f"order[{s[0]}:{s[1]}]"

    def listed(slices) -> str:
        return ", ".join(fmt(s) for s in slices[:6]) + (", ..." if len(slices) > 6 else "")

    said = f"your batches are the slices {listed(got)} of the shuffled order, expected {listed(want)}"
    doubled = [(s * batch_size, min((s + 1) * batch_size, n)) if s * batch_size < n else None
               for s in range(0, n, batch_size)]
    if len(got) > 1 and got == doubled and any(s is not None for s in got[1:]):
        return (f"{said}: each slice starts at start * batch_size although start, from range(0, N, batch_size), "
                f"already is a multiple of batch_size (it is multiplied twice): slice order[start:start + batch_size], "
                f"or loop over the batch numbers k in range(n_batches) with order[k * batch_size:(k + 1) * batch_size]")
    if len(got) > 1 and got[0] == want[0] and all(s is None for s in got[1:]):
        return (f"{said}: every slice after the first is empty, so the slice's end does not move with its start "
                f"(order[start:batch_size] where order[start:start + batch_size] belongs?)")
    k = next((i for i, (g, w) in enumerate(zip(got, want)) if g != w), min(len(got), len(want)))
    if k < len(got) and k < len(want):
        return f"{said}: the first wrong one is batch {k}, {fmt(got[k])} where {fmt(want[k])} belongs"
    return f"{said}: {len(got)} batches where {len(want)} belong"


def explain_missing(used: Any, n: int) -> str | None:
    """'the last index N - 1 never appears' when the indices used (each at most once) are those of range(N)
    but for its first or its last one: an index range off by one."""
    seen = [int(v) for v in np.asarray(used).ravel()]
    if len(set(seen)) != len(seen) or n < 3:
        return None
    missing = sorted(set(range(n)) - set(seen))
    if missing == [n - 1] and len(seen) == n - 1:
        return (f"the last index N - 1 = {n - 1} never appears, every other one does: the indices run over "
                f"range(N - 1), one short (rng.permutation(N - 1), range(N - 1) or [:-1] where N belongs?)")
    if missing == [0] and len(seen) == n - 1:
        return ("index 0 never appears, every other one does: the indices run from 1 (range(1, N) where "
                "range(N) belongs?)")
    return None


def same_batches_every_epoch(rows: list, other: list, n: int, batch: int, name: str) -> None:
    """Two epochs shuffled by generators of different seeds: the SETS of samples sharing a batch must change
    (a permutation of all N indices sliced into batches), not only the order of fixed batches. Shared by every
    minibatch loop of the course's labs (lab02's iterate_minibatches asks it too)."""
    if batch < 2 or batch >= n or not rows or not other:
        return
    try:
        first = sorted(tuple(sorted(int(i) for i in np.ravel(b))) for b in rows)
        second = sorted(tuple(sorted(int(i) for i in np.ravel(b))) for b in other)
    except (TypeError, ValueError):
        return
    if first != second or len(first) < 2:
        return
    blocks = all(list(b) == list(range(b[0], b[0] + len(b))) for b in first if b)
    fail(f"{name}: two epochs shuffled by generators of different seeds put the same samples together in every "
         f"batch (for example samples {list(first[0])} share a batch both times): "
         + ("every batch is a block of consecutive samples of the original order, and only the order of the blocks "
            "(or inside them) is shuffled" if blocks else "only the order of fixed batches (or inside them) changes")
         + "; the batches must mix other samples at every epoch: draw ONE permutation of all N indices, "
           "order = rng.permutation(N), and slice it, order[start:start + batch_size]", "batches-fixed-every-epoch")
