"""Hidden checks of Lab 04 (gradient descent and backpropagation in an L-layer network).

Conventions checked (rows are samples): X (m, n_0), W_l (n_{l-1}, n_l), b_l (1, n_l),
Z_l = A_{l-1} @ W_l + b_l, sigmoid output with the mean binary cross-entropy, and the
1/m applied once, in dZ_L = (A_L - Y) / m.

The oracles here are written independently of the reference solution: einsum instead of
matrix products, the sigmoid through tanh, the loss from the logits (softplus form),
finite differences for every parameter gradient, and plain gradient-descent loops for
training.  Every check raises :class:`core.CheckFailure` with a message that names the
mistake it most likely found (a catalogued diagnosis, else the property that failed, else
core.analyse_difference's account of the difference); nothing is printed.  Beside the oracle,
each check verifies the specification's properties listed in ``PROPERTIES``.

One mistake, one deduction.  The functions of this lab call each other through the
notebook's globals (``model_forward`` calls ``linear_forward``...), which a check cannot
replace.  So a check of a composite function also receives the student's building blocks
(the hidden-test line names them) and accepts either the reference result or *the
reference algorithm run on the student's own building blocks*: a wrong ``linear_backward``
costs the points of its own cell, not those of ``model_backward`` and ``train`` too.  The
training checks follow the batches a ``train`` visits from its results alone (a one-hot
problem where each sample moves only its own weight), so the order may be drawn in any
way that is a permutation per epoch, reproducible from the seed.
"""
from __future__ import annotations

import copy
import itertools
import math
import re
import threading
import time

import numpy as np

from . import cases, core
from .cases import diagnose_only
from .formula import explain_formula
from .isolate import explain_arguments

ACTIVATIONS = ("sigmoid", "tanh", "relu")
_f64 = np.float64

_FLOATS = ("float32", "float64")
_OWN_BLOCKS = "judged on the student's own building blocks"

#: What each check verifies beside the oracle (graded function x property), for reports.  The
#: targets are (m, 1) here (n_L = 1, a binary output), so averaging over m and over m * n_L coincide:
#: "multi-output targets" does not apply to this lab's loss.  There is no optimiser state either.
_AGAIN = ("a second call on the same arrays changed in place gives the new values' result (state between calls "
          "named)")
PROPERTIES = {
    "initialize_parameters": ("keys and shapes W (n_{l-1}, n_l), b (1, n_l)", "pairwise-different layer sizes",
                              "zero biases", "zeros / random / Xavier / He scale", "centred",
                              "entries drawn independently", "layers drawn independently",
                              "reproducible from the seed", "seed matters", "layer_dims not modified",
                              "wrong term of the std formula named", "float64 parameters",
                              "documented default method='he'", "a std off by a constant factor in every layer named",
                              "integer division in the He std confirmed at n_in = 2", "bias sized by the fan-in named",
                              "an index past the end of layer_dims named (the method whose branch raises)",
                              "std passed as the mean (rng.normal(std, size=...)) named, confirmed on a large He layer"),
    "sigmoid": ("oracle", "|Z| up to 1000 without overflow", "batch 1", "odd batch", *_FLOATS,
                "float64 result for a float64 Z (docstring)",
                "input not modified (also at |Z| > 500, where a clip changes it)"),
    "activation_forward": ("oracle (sigmoid, tanh, relu)", "cache = pre-activation Z", "batch 1", "odd batch",
                           *_FLOATS, "|Z| up to 1000", "input not modified (also at |Z| up to 1000)",
                           "wrong side of 0 and values at readable points named",
                           "documented activation names accepted (a rejected one named)", _AGAIN),
    "linear_forward": ("oracle", "pairwise-different sizes", "m == n_prev == n (square-only formulas named)",
                       "batch 1", "odd batch", *_FLOATS, "inputs not modified", "cache (A_prev, W, b)",
                       "(Z, linear_cache) returned in the other order named (from the results' types)", _AGAIN),
    "model_forward": ("oracle", "caches of every layer", "pairwise-different sizes", "batch 1", "odd batch",
                      *_FLOATS, "X and parameters not modified (not charged for linear_forward's)", _OWN_BLOCKS,
                      "each layer's activation read from its own cache (the wrong layer named)",
                      "documented default hidden_activation='relu'", "which parameter a wrong AL comes from (isolate)",
                      "a hidden layer passing Z instead of A named",
                      "one activation stacked on another named (the output sigmoid on top of the hidden one)",
                      "every layer reading X (a layer's output never handed on) named on a width-1 network",
                      "an activation applied to X before layer 1 named (AL and layer 1's cache confirm it)",
                      "a parameter called unused only when it changes nothing on three other inputs either",
                      "(AL, caches) returned in the other order named",
                      "caches growing by L at every call named (a list kept between calls)"),
    "binary_cross_entropy": ("oracle", "batch 1", "odd batch", *_FLOATS, "right only for m = 1 named",
                             "AL exactly 0 or 1 without log(0) (the unprotected end named)", "inputs not modified",
                             "the eps argument is used (two eps values; a fixed eps named)",
                             "one sample at a time per label: the wrong term named",
                             "each term alone (every label 1 / every label 0): the wrong term and its factor named",
                             "a Python float (a (1,) array named)", "a log of a negative number named"),
    "linear_backward": ("oracle", "finite differences", "pairwise-different sizes", "square case", "batch 1",
                        "odd batch", *_FLOATS, "dZ and cache not modified", "db's reduction named (axis, keepdims, transposed)",
                        "which input a wrong output comes from (isolate)",
                        "a stray factor named with pairwise-different sizes",
                        "every sample counts once in dW and db (samples left out or doubled named)", _AGAIN),
    "activation_backward": ("oracle", "dZ = dA times a function of Z alone (chain rule)",
                            "local derivative named (a power of g', its values at Z)", "derivative at Z, not at A",
                            "batch 1",
                            "odd batch", *_FLOATS, "inputs not modified", "relative to the student's sigmoid",
                            "wrong term of the documented formula named", "another activation's derivative named",
                            "documented activation names accepted (a rejected one named)",
                            "finite and right for |Z| up to 1000 (NaN from an overflow named)",
                            "dZ[i, j] uses Z[i, j] only (a derivative combined over the batch named)",
                            "a constant factor in g' named (1/m, m, 1/n confirmed on a second shape)",
                            "judged with the documented sigmoid lent when the student's sigmoid helper is wrong "
                            "(raises, warns at |Z| = 1000, writes into Z, or gives wrong values)", _AGAIN),
    "model_backward": ("oracle", "finite differences of the loss", "backward = derivative of the student's own "
                       "binary_cross_entropy (inconsistent pairs named)", "pairwise-different sizes", "batch 1",
                       "odd batch", *_FLOATS, "AL, Y and caches not modified", "caches list keeps its entries",
                       _OWN_BLOCKS, "grads['dA(l)'] holds dA, not a dZ (which intermediate named)",
                       "a gradient stored under another key named", "right only for one sample (a raise for m > 1) named",
                       "a hidden layer given another layer's dA named",
                       "hidden derivative of another activation named",
                       "caches list order kept (a reversed list named; which layer's array was written named)",
                       "a wrong 1/m divisor named only when a second network confirms it",
                       "each hidden derivative at its own layer's Z (another cached Z or A named)",
                       "which dZ a hidden layer's dW and db come from (the layer above's stale dZ, or dA without "
                       "the derivative, confirmed with tanh when ReLU cannot tell) named"),
    "update_parameters": ("exact step -learning_rate * dP", "no state between calls",
                          "each parameter moves by its own gradient",
                          "update reaches the returned dict", "grads not modified", "extra grads keys ignored",
                          "layers left out of the update named", "a loop that stops after the first key named", *_FLOATS,
                          "grads in model_backward's order (paired by key, not by position)",
                          "grads keeps its keys (clear, del or pop named)",
                          "one step for the whole array (the mean or sum of dP) named",
                          "a term proportional to the parameter itself (weight decay, b * dP + c * P) named",
                          "a parameter stepped with another key's gradient named from numpy's shapes"),
    "predict": ("oracle", "shape (m, 1)", "batch 1", "odd batch", *_FLOATS, "inputs not modified", _OWN_BLOCKS,
                "a Python list of labels named", "labels built row by row (the raising line) named",
                "model_forward's pair unpacked in the other order named (confirmed with a lent swapped pair)",
                "model_forward's whole pair thresholded named (confirmed with a lent AL alone)"),
    "train": ("full batch = gradient descent", "one update per mini-batch", "every sample once per epoch",
              "last partial batch kept", "last partial batch merged into the one before named (decoded sizes)",
              "mini-batch gradients added up and applied once per epoch named (confirmed on a second batch size)",
              "one update per epoch told apart on the one-hot problem (batch_size ignored, or averaged mini-batches)",
              "a mini-batch learning rate scaled by a size (batch_size / m, 1 / m...) named, confirmed on a second "
              "batch size",
              "(X, Y) pairs intact", "fresh permutation every epoch",
              "reproducible from the seed", "seed matters", "batch sizes 1, odd and m", *_FLOATS,
              "X, Y and initial parameters not modified", "history: epochs + 1 rows, loss after each epoch",
              "history: seconds since the start, never decreasing", "history: no entry above the call's duration",
              "history: where it stops named (one epoch too many, only before/after named)",
              "history: extra rows read from the epoch column (epoch loop from 0, a row per mini-batch)",
              "an update-count story confirmed by the decoded one-hot batches (np.split's unequal parts named)",
              "every epoch the same step (first wrong epoch named)",
              "number of updates per epoch named (and the batch size it implies)",
              "learning rate scaled by a size of the problem named",
              "batch_size=None run as batch_size=1 named (replayed)",
              "training forward without hidden_activation named",
              "training backward without hidden_activation named", "history has the documented columns (seconds too)",
              "history loss with binary_cross_entropy's arguments swapped named",
              "targets indexed with the batch's rows (Y not sliced named)",
              "which of X and Y is left unindexed (replayed with spy blocks: X = I, targets naming their rows) named",
              _OWN_BLOCKS,
              "starts from the given parameters (two starting points, same result named)",
              "online sample taken with an integer index (1-D rows) named",
              "not charged for an update_parameters that keeps state (judged in its cell)",
              "initial parameters returned after training ran (the history's loss confirms it) named",
              "(history, parameters) returned in the other order named (from the results' types)",
              "initial parameters ignored asked before the one-hot pairing reading (which assumes the given start)",
              "progress_bar=True gives the same parameters and history as progress_bar=False",
              "not charged for a model_forward whose blocks keep state after an in-place update (judged there)"),
}


# ----------------------------------------------------------------------------- oracles
def _sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=_f64)))


def _act(z, kind):
    if kind == "sigmoid":
        return _sigmoid(z)
    if kind == "tanh":
        return np.tanh(z)
    return np.where(z > 0, z, 0.0)


def _act_grad(z, kind):
    if kind == "sigmoid":
        return 0.25 / np.cosh(0.5 * z) ** 2
    if kind == "tanh":
        return 1.0 / np.cosh(z) ** 2
    return np.heaviside(z, 0.0)


def _affine(A, W, b):
    return np.einsum("mi,io->mo", np.asarray(A, dtype=_f64), np.asarray(W, dtype=_f64)) + np.asarray(b, _f64)


def _forward(X, params, hidden):
    """List of per-layer (A_prev, W, b, Z, A) in float64."""
    L = len(params) // 2
    out, A = [], np.asarray(X, dtype=_f64)
    for l in range(1, L + 1):
        W, b = np.asarray(params[f"W{l}"], _f64), np.asarray(params[f"b{l}"], _f64)
        Z = _affine(A, W, b)
        A_new = _act(Z, hidden if l < L else "sigmoid")
        out.append((A, W, b, Z, A_new))
        A = A_new
    return out


def _logits_from(A, params, hidden, first):
    """Output pre-activation Z_L of the layers first..L applied to A (for finite differences)."""
    L = len(params) // 2
    for l in range(first, L + 1):
        Z = _affine(A, params[f"W{l}"], params[f"b{l}"])
        A = _act(Z, hidden) if l < L else Z
    return A


def _bce_logits(ZL, Y):
    """Mean BCE of sigmoid(ZL) against Y, from the logits: log(1 + e^z) - y z."""
    return float(np.mean(np.logaddexp(0.0, ZL) - Y * ZL))


def _bce(AL, Y):
    """Mean BCE from probabilities (float64, no clipping: inputs are kept inside (0, 1))."""
    AL, Y = np.asarray(AL, _f64), np.asarray(Y, _f64)
    return -float(np.sum(Y * np.log(AL) + (1 - Y) * np.log1p(-AL))) / AL.shape[0]


def _backward(layers, Y, hidden, top=None, at=3, deriv=None, power=1):
    """Analytic gradients {dW_l, db_l, dA_{l-1}}.

    For diagnoses: ``top`` rewrites dZ_L; ``at=4`` evaluates g' at the activation A of each
    hidden layer instead of its pre-activation Z (``at=3``); ``deriv`` replaces the hidden
    activation whose derivative is used; ``power=2`` multiplies by that derivative twice.
    """
    L = len(layers)
    m = Y.shape[0]
    AL = layers[-1][4]
    dZ = (AL - Y) / m if top is None else top(AL, Y, m)
    g = {}
    for l in range(L, 0, -1):
        A_prev, W, _b, _z, _ = layers[l - 1]
        g[f"dW{l}"] = np.einsum("mi,mo->io", A_prev, dZ)
        g[f"db{l}"] = np.einsum("mo->o", dZ)[None, :]
        g[f"dA{l - 1}"] = np.einsum("mo,io->mi", dZ, W)
        if l > 1:
            dZ = g[f"dA{l - 1}"] * _act_grad(layers[l - 2][at], deriv or hidden) ** power
    return g


def _backward_swapped_arguments(layers, Y, hidden):
    """_backward with activation_backward(Z, dA) for the hidden layers: dZ = Z * g'(dA) (for a diagnosis)."""
    L = len(layers)
    dZ = (layers[-1][4] - Y) / Y.shape[0]
    g = {}
    for l in range(L, 0, -1):
        A_prev, W, _b, _z, _ = layers[l - 1]
        g[f"dW{l}"], g[f"db{l}"] = A_prev.T @ dZ, dZ.sum(axis=0, keepdims=True)
        g[f"dA{l - 1}"] = dZ @ W.T
        if l > 1:
            dZ = layers[l - 2][3] * _act_grad(g[f"dA{l - 1}"], hidden)
    return g


def _random_params(gen, dims, scale=1.0, dtype=_f64):
    p = {}
    for l in range(1, len(dims)):
        p[f"W{l}"] = (scale * gen.standard_normal((dims[l - 1], dims[l])) / np.sqrt(dims[l - 1])).astype(dtype)
        p[f"b{l}"] = (0.3 * scale * gen.standard_normal((1, dims[l]))).astype(dtype)
    return p


def _gd(X, Y, params, lr, steps, hidden):
    """``steps`` full-batch gradient-descent steps (the oracle of train)."""
    params = {k: np.asarray(v, _f64).copy() for k, v in params.items()}
    for _ in range(steps):
        g = _backward(_forward(X, params, hidden), Y, hidden)
        params = {k: v - lr * g["d" + k] for k, v in params.items()}
    return params


def _full_loss(X, Y, params, hidden):
    return _bce_logits(_logits_from(np.asarray(X, dtype=_f64), params, hidden, 1), Y)


# ----------------------------------------------------------------------------- helpers
# Values are compared at float32 precision whatever the answer's dtype (cases.float32_tolerance).
_RTOL = cases.FLOAT32_RTOL
_tol = cases.float32_tolerance


def _near(got, want, rtol=0.0, atol=0.0) -> bool:
    """core.close at float32 precision (see _tol); ``rtol``/``atol`` may only loosen it."""
    try:
        g = np.asarray(got)
        w = np.asarray(want, dtype=_f64)
    except (TypeError, ValueError):
        return False
    if g.shape != w.shape or g.dtype.kind not in "biuf":
        return False
    if not np.isfinite(w).all():     # only an answer computed with the student's own blocks: NaN where theirs is
        g = g.astype(_f64)
        if not (np.array_equal(np.isfinite(g), np.isfinite(w)) and np.array_equal(g[~np.isfinite(w)],
                                                                                   w[~np.isfinite(w)], equal_nan=True)):
            return False
        g, w = g[np.isfinite(w)], w[np.isfinite(w)]
    r, a = _tol(w)
    return core.close(g, w, max(r, rtol), max(a, atol))


def _expect_close(got, want, *, name, rtol=0.0, atol=0.0, diagnose=None, rows=None, X=None):
    """core.expect_close at float32 precision at least (see _tol).  ``rows`` (the student's function of the batch
    ``X``, per-sample): after a difference no catalogued mistake explains, ask whether a row depends on the others
    (_rows_depend_on_batch)."""
    r, a = _tol(want)
    _name_rounded(got, want, name)
    try:
        core.expect_close(got, want, name=name, rtol=max(r, rtol), atol=max(a, atol), diagnose=diagnose)
    except core.CheckFailure as exc:
        if rows is not None and X is not None and exc.diagnosis in _BATCH_DIFFERENCES:
            _rows_depend_on_batch(rows, X, name, "result")
        raise


def _name_rounded(got, want, name) -> None:
    """General question of every float result of the lab (through _expect_close, and sigmoid's float64 check):
    are the values exactly the expected ones cut to k decimals (np.round(..., k), round(), a format)?  Asked even
    when the values are within the float32 tolerance (a rounding to 5 decimals is): a float32 variant is never
    exactly on a decimal grid."""
    try:
        g, e = np.asarray(got, dtype=_f64), np.asarray(want, dtype=_f64)
    except (TypeError, ValueError):
        return
    if g.shape != e.shape or g.size < 2:
        return
    cut = core.rounded_to(g, e)
    if cut:
        k, how = cut
        core.fail(f"{name}: your values are the expected ones {how} to {k} decimals (a round(), np.round(..., {k}) "
                  f"or a format in the code?): return the full-precision values (expected values are printed "
                  f"rounded for display only)", "output-rounded")


def _expect_number(got, want, *, name, rtol=0.0, atol=0.0, diagnose=None):
    """_expect_close for one number: no catalogued mistake matched -> both numbers, not a 'factor'
    (any two numbers differ by a factor, which says nothing)."""
    try:
        _expect_close(got, want, name=name, rtol=rtol, atol=atol, diagnose=diagnose)
    except core.CheckFailure as exc:
        if exc.diagnosis in ("scaled", "wrong-values"):
            core.fail(f"{name} is {float(got):.6g}, expected {float(want):.6g}", "wrong-value")
        raise


#: NumPy's inverse functions, the function each inverts and the domain outside which it gives NaN or inf.
_INVERSES = {"arctanh": ("tanh", "-1 < x < 1"), "arcsin": ("sin", "-1 <= x <= 1"),
             "arccos": ("cos", "-1 <= x <= 1"), "arccosh": ("cosh", "x >= 1")}


def _name_inverse_function(exc, name) -> None:
    """A warning inside an inverse function (np.arctanh...) is no stability problem: no function of this lab needs
    one, and each is defined on a bounded domain only: the inverse was called where the function belongs."""
    warned = str(getattr(exc, "warning", "") or "")
    hit = re.search(r"encountered in (arctanh|arcsin|arccos|arccosh)$", warned)
    if exc.diagnosis != "not-numerically-stable" or not hit:
        return
    base, domain = _INVERSES[hit.group(1)]
    # the id stays: the composite checks re-judge with the documented blocks on a warning of a block (_rejudged_with_blocks)
    failure = core.CheckFailure(
        f"{name}: numpy warned '{warned}': your code calls np.{hit.group(1)}, the INVERSE function of {base} "
        f"(defined only for {domain}; outside it gives NaN or inf). This is the wrong function, not a "
        f"numerical-stability problem: no function of this lab needs np.{hit.group(1)}; did you mean np.{base}?",
        "not-numerically-stable")
    failure.warning, failure.headline = warned, getattr(exc, "headline", str(exc))
    raise failure from None


def _call(fn, *args, name, hint=None, want=None, **kwargs):
    """core.call, adding ``hint`` (what a shape error in this function usually means) to errors; ``want``: the
    oracle's value for this call (an array, or a callable giving it), for the judge's search of the one change
    that makes a raising call return it."""
    try:
        return core.call(fn, *args, name=name, want=want, **kwargs)
    except core.CheckFailure as exc:
        _name_inverse_function(exc, name)
        try:
            _reword_call_failure(exc, fn, args, kwargs, name, hint)
        except core.CheckFailure as better:
            if better is not exc and getattr(better, "compared", None) is None:
                better.compared = getattr(exc, "compared", None)     # the judge's search still applies
            raise
        raise


def _reword_call_failure(exc, fn, args, kwargs, name, hint) -> None:
    """Raise ``exc`` re-worded when a sentence can name its cause (see _call); return when none can."""
    text = str(exc)
    if hint and "not implemented" in text:
        core.fail(f"{name} raised NotImplementedError: it, or a function it calls, is not implemented yet",
                  "not-implemented")
    if "truth value of an array" in text:
        core.fail(f"{text}. An array was used where Python needs one True or False: an `if`, `and`/`or`, or "
                  f"a chained comparison such as AL > 0.5 == Y (which Python reads as (AL > 0.5) and "
                  f"(0.5 == Y)); compare elementwise with parentheses, (AL > 0.5) == (Y > 0.5)",
                  "array-truth-value")
    if hint is _TRAIN_HINT:
        _name_batches_must_divide(exc, text, fn, args, kwargs)
    said = cases.explain_exception(text) if (exc.diagnosis or "").startswith("raised-") else None
    if said:
        core.fail(f"{text}. Likely cause: {said[0]}", said[1])
    if re.search(r"Cannot interpret '.*' as a data type", text):
        core.fail(f"{text}. numpy read a second argument as the dtype: np.zeros, np.ones and np.empty take the "
                  f"shape as ONE tuple, np.zeros((1, n)), not np.zeros(1, n) (whose n is read as the dtype)",
                  "shape-split-into-arguments")
    if "'float' object cannot be interpreted as an integer" in text:
        core.fail(f"{text}. A float was used where Python needs an integer (range(), an index, a size): `/` "
                  f"always gives a float, even 6 / 2 = 3.0; count with integer division // (e.g. "
                  f"L = len(parameters) // 2) or int(...)", "float-for-int")
    _name_rejected_choice(text, exc.diagnosis or "", args, fn, kwargs)
    if hint is _TRAIN_HINT:
        _name_unsliced_targets(text, args[1], kwargs.get("batch_size"), fn, args, kwargs)
        _name_none_batch_size(exc, text, kwargs)
    if hint is _LINEAR_HINT and " raised " in text:
        _name_rows_from_columns(fn, args, text)
    if "can only concatenate str (not \"int\") to str" in text:
        core.fail(f"{text}. A string and an integer were joined with +: Python does not convert the number; build "
                  f"the key with an f-string, f'W{{l}}', or 'W' + str(l)", "str-plus-int")
    if hint and " raised " in text and not _python_type_error(text):
        core.fail(f"{text}. {hint}", exc.diagnosis)


def _python_type_error(text: str) -> bool:
    """A TypeError between plain Python values (a str, tuple, list, dict or None where another belongs): the
    shape / wrong-layer hints of the composite functions are about arrays, and would mislead here."""
    return "raised TypeError" in text and bool(
        re.search(r"'(str|tuple|list|dict|NoneType)'|\((str|tuple|list|dict)\)|\"(str|int|tuple)\"", text))


def _name_rows_from_columns(fn, args, text: str) -> None:
    """linear_forward raised on A_prev (m, n_prev) with m != n_prev.  Second input: the same W and b with
    m = n_prev rows.  When that call gives the right Z, the product is right (a transposed or reversed product
    fails or differs there too) and something is sized with A_prev.shape[1] where the number of rows m belongs:
    in Z = A_prev @ W + b that is the bias term (b tiled or repeated to n_prev rows)."""
    try:
        A, W, b = (np.asarray(a, dtype=_f64) for a in args[:3])
    except (TypeError, ValueError):
        return
    m, n_prev = A.shape if A.ndim == 2 else (0, 0)
    if m == n_prev or W.shape[:1] != (n_prev,):
        return
    A2 = core.rng("lab04.rows-from-columns").standard_normal((n_prev, n_prev))
    try:
        out = core.call(fn, A2.copy(), W.copy(), b.copy(), name="probe")
        right = _near(np.asarray(out[0], dtype=_f64), _affine(A2, W, b), 1e-9, 1e-9)
    except Exception:
        return
    if right:
        core.fail(f"{text}. The same W and b with A_prev of {n_prev} rows (m == n_prev) give the right Z: the "
                  f"product A_prev @ W is right, and something has n_prev = A_prev.shape[1] entries where there "
                  f"must be one per sample (m = A_prev.shape[0]): look at the bias term: b (1, n) is added as "
                  f"it is, Z = A_prev @ W + b broadcasts it over the m rows (no np.tile / np.repeat needed)",
                  "bias-sized-by-columns")


#: The documented values of the string arguments (activation / hidden_activation, method).
_CHOICES = (ACTIVATIONS, ("zeros", "random", "xavier", "he"))


def _name_rejected_choice(text: str, diagnosis: str, args, fn=None, kwargs=None) -> None:
    """Property in plain words: a documented value of a string argument is accepted.  When the student's
    code raised with that very value in its message ("unknown activation 'tanh'"), either its comparison
    does not match the documented spelling or the branch that matches is left for the final raise (an
    `if` where `elif` belongs, a branch that computes its result without returning it).  An experiment
    separates the two: the same call with the value in other capitals ('Tanh', 'RELU') that the code
    accepts proves a spelling; when none is accepted, the spelling is not the likelier cause."""
    if not diagnosis.startswith("raised-") or diagnosis == "raised-notimplementederror":
        return
    raised = text.split(" raised ", 1)[-1]
    for value in (a for a in (*args, *(kwargs or {}).values()) if isinstance(a, str)):
        group = next((g for g in _CHOICES if value in g), None)
        if not (group and repr(value) in raised):
            continue
        lead = (f"{text}. Your code rejected {value!r}, one of the documented values "
                f"({', '.join(map(repr, group))})")
        spelled = _accepted_spelling(fn, args, kwargs or {}, value) if fn is not None else None
        if spelled is not None or fn is None:
            core.fail(f"{lead}: the comparison that should select it does not match it exactly (spelling or "
                      f"capitals: {spelled or ('Tanh' if value != 'tanh' else 'ReLU')!r} is not {value!r})"
                      + (f"; your code accepts {spelled!r} instead" if spelled else ""),
                      "documented-choice-rejected")
        core.fail(f"{lead}, and it accepts no other capitals of it either: if your comparison does spell "
                  f"{value!r}, the branch it selects is left for the final raise: an `if` where `elif` belongs "
                  f"(a second if/elif/else chain starts after that branch, and its `else` raises), or a branch "
                  f"that computes its result without returning it; else check the spelling of the comparison",
                  "documented-choice-falls-through")


def _accepted_spelling(fn, args, kwargs, value: str) -> str | None:
    """Another capitalisation of ``value`` that ``fn`` accepts where it rejected ``value`` (the same call
    otherwise, on copies of the arrays), or None."""
    others = dict.fromkeys(v for v in (value.capitalize(), value.upper(), value.title(),
                                       {"relu": "ReLU", "tanh": "TanH", "xavier": "Xavier"}.get(value, value))
                           if v != value)
    for other in others:
        def swap(a):
            return other if isinstance(a, str) and a == value else (np.array(a, copy=True)
                                                                     if isinstance(a, np.ndarray) else a)
        try:
            with np.errstate(all="ignore"):
                fn(*[swap(a) for a in args], **{k: swap(v) for k, v in kwargs.items()})
        except Exception:
            continue
        return other
    return None


def _tuple(got, n, name, what, kinds=()):
    """``got`` as a tuple of ``n`` results.  ``kinds``: (label, test) of each result in the documented order; when
    the results fail those tests in that order but pass them in another, the order is named (a swapped pair)."""
    if not isinstance(got, (tuple, list)) or len(got) != n:
        core.fail(f"{name} must return {what}, got {core.describe(got)}"
                  + (f" of length {len(got)}" if isinstance(got, (tuple, list)) else ""), "wrong-return-type")
    if kinds and len(kinds) == n and not all(_kind_is(test, v) for (_, test), v in zip(kinds, got)):
        for order in itertools.permutations(range(n)):
            if all(_kind_is(kinds[j][1], got[i]) for i, j in enumerate(order)):
                mine = ", ".join(kinds[j][0] for j in order)
                core.fail(f"{name} returned ({mine}) (read from the types of the results): return {what} in that "
                          f"order", "return-order")
    return got


def _kind_is(test, value) -> bool:
    try:
        return bool(test(value))
    except Exception:
        return False


def _is_frame(value) -> bool:
    """A pandas DataFrame (by its class, without importing pandas)."""
    return any(c.__name__ == "DataFrame" and c.__module__.startswith("pandas") for c in type(value).__mro__)


def _same(a, b):
    return core.close(a, b, 1e-12, 0.0)


def _copy_params(p):
    return {k: np.array(v, copy=True) for k, v in p.items()}


def _unchanged(before, after, fn_name, what):
    gone = sorted(k for k in before if not isinstance(after, dict) or k not in after)
    if gone:
        core.fail(f"{fn_name} removed keys from {what} ({', '.join(map(repr, gone[:4]))}"
                  f"{', ...' if len(gone) > 4 else ''}): {what}.clear(), del or pop change the caller's dict; "
                  f"it must only read it", "mutated-input-keys-removed")
    added = sorted(k for k in after if k not in before) if isinstance(after, dict) else []
    if added:
        core.fail(f"{fn_name} added keys to {what} ({', '.join(map(repr, added[:4]))}"
                  f"{', ...' if len(added) > 4 else ''}): {what} is the caller's dict, and a key stored in it "
                  f"stays there (len({what}) // 2 then no longer counts the layers); it must only read it: keep "
                  f"what you need in a local variable or in the caches", "mutated-input-keys-added")
    for k, v in before.items():
        now = after.get(k) if isinstance(after, dict) else None
        if not (isinstance(now, np.ndarray) and now.shape == v.shape and np.array_equal(now, v)):
            core.fail(f"{fn_name} modified {what}[{k!r}] in place; it must only read it", "mutated-input")


def _param_dict(got, dims, name):
    L = len(dims) - 1
    if got is None:
        core.fail(f"{name} returned None: return the parameters dict", "returned-none")
    if not isinstance(got, dict):
        core.fail(f"{name} must return a dict of parameters, got {core.describe(got)}", "wrong-return-type")
    want = {f"{p}{l}" for l in range(1, L + 1) for p in "Wb"}
    if set(got) != want:
        extra, missing = sorted(set(map(str, got)) - want), sorted(want - set(map(str, got)))
        indices = [int(k[1:]) for k in extra if k[:1] in "Wb" and k[1:].isdigit()]
        off = (f": the layers are numbered 1 to L = {L} (a loop over the layers off by one? for l in "
               f"range(1, len(layer_dims)))" if indices and any(i == 0 or i > L for i in indices) else "")
        core.fail(f"{name}: expected exactly the keys {sorted(want)}, got {sorted(map(str, got))}"
                  + (f"; extra keys {extra}" if extra else "") + (f"; missing {missing}" if missing else "")
                  + off, "wrong-keys")
    for l in range(1, L + 1):
        W = got[f"W{l}"]
        shape = (dims[l - 1], dims[l])
        if isinstance(W, np.ndarray) and W.shape == shape[::-1] and shape[0] != shape[1]:
            core.fail(f"{name}: W{l} has shape {W.shape}, the transpose of {shape}: rows are samples, so "
                      f"W_l is (n_{{l-1}}, n_l) and Z = A_prev @ W", "weights-transposed")
        core.expect_array(W, name=f"{name}['W{l}']", shape=shape)
        b = got[f"b{l}"]
        if isinstance(b, np.ndarray) and b.shape in ((dims[l],), (dims[l], 1)) and dims[l] != 1:
            core.fail(f"{name}: b{l} has shape {b.shape}; biases are rows (1, n_l) = {(1, dims[l])} so that "
                      f"they broadcast over the m samples", "bias-shape")
        if isinstance(b, np.ndarray) and b.shape in ((1, dims[l - 1]), (dims[l - 1], 1)) and dims[l - 1] != dims[l]:
            core.fail(f"{name}: b{l} has shape {b.shape}, sized by the layer's INPUT n_{{l-1}} = {dims[l - 1]}: the bias "
                      f"has one entry per unit of layer l, shape (1, n_l) = {(1, dims[l])} (n_out, not n_in)",
                      "bias-sized-by-fan-in")
        core.expect_array(b, name=f"{name}['b{l}']", shape=(1, dims[l]))
    return got


# ----------------------------------------------------------------------------- initialisation
def _every_layer_fits(stds, dims, formula, constant_ok=True) -> bool:
    """A reading of a wrong std is told only when it fits EVERY layer (layers of other sizes): a formula of the
    sizes that fits one layer by coincidence (a constant slip that happens to equal it) is not told. A reading
    that gives the same value for every layer (the square root of 'random''s 0.01 is 0.1, also a plain slip of
    the constant) cannot be confirmed this way and is told only when ``constant_ok`` (N(0, 1) left unscaled)."""
    wants = [formula(dims[k], dims[k + 1]) for k in range(len(stds))]
    # the std of 75 000+ draws is known to ~0.3 %: 1.5 % is the fit, 4 % apart the layers that separate a constant
    if not constant_ok and max(wants) - min(wants) <= 0.04 * max(wants):
        return False
    return all(abs(s - w) <= 0.015 * w for s, w in zip(stds, wants))


def _expected_std(method, n_in, n_out):
    return {"random": 0.01, "xavier": np.sqrt(2.0 / (n_in + n_out)), "he": np.sqrt(2.0 / n_in)}[method]


def _std_diagnosis(method, n_in, n_out):
    wrong = {
        "he": {"He uses the fan-in: std = sqrt(2 / n_{l-1}), not sqrt(2 / n_l) (fan-out)": np.sqrt(2.0 / n_out),
               "He uses std = sqrt(2 / n_{l-1}); sqrt(1 / n_{l-1}) is LeCun/'Xavier' scaling": np.sqrt(1.0 / n_in),
               "2 / n_{l-1} is the variance: take its square root for the standard deviation": 2.0 / n_in,
               "He uses std = sqrt(2 / n_{l-1}), not the Xavier/Glorot sqrt(2 / (n_{l-1} + n_l))":
                   np.sqrt(2.0 / (n_in + n_out)),
               "the weights are N(0, 1): multiply by the He standard deviation sqrt(2 / n_{l-1})": 1.0},
        "xavier": {"Xavier/Glorot uses std = sqrt(2 / (n_{l-1} + n_l)), not sqrt(1 / n_{l-1})": np.sqrt(1.0 / n_in),
                   "Xavier/Glorot uses std = sqrt(2 / (n_{l-1} + n_l)), not the He formula sqrt(2 / n_{l-1})":
                       np.sqrt(2.0 / n_in),
                   "2 / (n_{l-1} + n_l) is the variance: take its square root": 2.0 / (n_in + n_out),
                   "Xavier/Glorot uses the sum of the fans, sqrt(2 / (n_{l-1} + n_l)), not their product":
                       np.sqrt(2.0 / (n_in * n_out)),
                   "Xavier/Glorot uses std = sqrt(2 / (n_{l-1} + n_l)): the factor 2 is missing":
                       np.sqrt(1.0 / (n_in + n_out))},
        "random": {"small random weights are 0.01 * N(0, 1): the factor 0.01 is missing": 1.0},
    }
    return {**wrong[method], _DIVIDED_BY_STD: 1.0 / _expected_std(method, n_in, n_out)}


_DIVIDED_BY_STD = ("the draws are divided by the standard deviation instead of multiplied by it: W = std * N(0, 1) "
                   "(rng.standard_normal(shape) * std), so that W has standard deviation std, not 1 / std")


def _name_divided_by_std(fn, exc, name) -> None:
    """A division by zero while drawing the weights: with std = 0 ('zeros' through the random draw) N(0, 1) / std is
    the one formula that divides. Asked of a random method, where std > 0: W1's std is 1 / the expected one."""
    if exc.diagnosis != "not-numerically-stable" or "divide" not in str(getattr(exc, "warning", "") or exc):
        return
    big = [400, 300, 250]
    for method in ("he", "xavier", "random"):
        try:
            with np.errstate(all="ignore"):
                W = np.asarray(_param_dict(fn(list(big), method, seed=11), big, name)["W1"], dtype=_f64)
        except Exception:
            continue
        std, want = float(W.std()), _expected_std(method, big[0], big[1])
        if np.isfinite(std) and abs(std - 1.0 / want) <= 0.04 / want:
            warned = getattr(exc, "warning", "") or "divide by zero"
            core.fail(f"{name}: numpy warned '{warned}', and not for a lack of numerical stability: "
                      f"{_DIVIDED_BY_STD} (initialize_parameters({big}, {method!r}) gives W1 the "
                      f"standard deviation {std:.4g} = 1 / {want:.4g}, expected {want:.4g}; with method 'zeros' the "
                      f"standard deviation is 0, hence the division by zero)", "init-divided-by-std")


_STD_FORMULAS = {"xavier": ("sqrt(2 / (n_in + n_out))",), "he": ("sqrt(2 / n_in)",)}


def _name_other_layer_size(method, dims, l, std, want, name) -> None:
    """The std of layer l is the documented formula evaluated with the size of ANOTHER layer of layer_dims (the
    input size layer_dims[0] for every layer, the last one, a fixed index): each layer uses its own sizes."""
    n_in, n_out = dims[l - 1], dims[l]
    for j, n in enumerate(dims):
        for fan_in, fan_out, which in ((n, n_out, "n_{l-1}"), (n_in, n, "n_l")):
            if (fan_in, fan_out) == (n_in, n_out) or (which == "n_l" and method == "he"):
                continue
            wrong = _expected_std(method, fan_in, fan_out)
            if abs(wrong - want) > 0.08 * want and abs(std - wrong) <= 0.03 * wrong:
                own = f"layer_dims[{l - 1}] = {n_in}" if which == "n_{l-1}" else f"layer_dims[{l}] = {n_out}"
                core.fail(f"{name}: W{l} has standard deviation {std:.4g} = the {method} formula with {which} = "
                          f"layer_dims[{j}] = {n} (another layer's size) instead of {own}, expected {want:.4g}: "
                          f"inside the loop over the layers, each layer l uses its own sizes layer_dims[l - 1] "
                          f"(fan-in) and layer_dims[l], not a fixed index such as layer_dims[0]", "std-other-layer-size")


def _name_uniform(W, std, want, name, l) -> None:
    """Property of the documented normal draw: the weights' excess kurtosis is 0 (a uniform's is -1.2; on tens
    of thousands of draws the estimate is within a few hundredths).  A uniform on [-b, b] has std b / sqrt(3):
    with b set to the wanted std, every std is 0.577 times too small, which no fan in the formula explains."""
    z = (W - W.mean()) / W.std()
    if W.size < 10_000 or float(np.mean(z ** 4)) - 3.0 > -1.0:
        return
    bound = float(np.abs(W).max())
    core.fail(f"{name}: W{l} is drawn uniformly from [-{bound:.4g}, {bound:.4g}] (evenly spread up to a bound, not "
              f"normal), so its standard deviation is bound / sqrt(3) = {std:.4g}, expected {want:.4g}: the "
              f"docstring's N(0, std^2) is std * rng.standard_normal(...); a uniform draw with that std needs the "
              f"bound sqrt(3) * std", "weights-uniform-bound")


def _name_bounded_draws(W, std, want, name, l) -> None:
    """Property of the documented normal draw: its tails. On tens of thousands of draws a normal reaches about
    4 standard deviations and its kurtosis is 3 (within a few hundredths). Draws that stop at a bound below
    3 standard deviations, with a kurtosis well below 3 but above a uniform's 1.8, were clipped (values piled up at
    the bound) or truncated (redrawn): both shrink the std."""
    if W.size < 10_000 or std <= 0:
        return
    z = (W - W.mean()) / std
    kurt, bound = float(np.mean(z ** 4)), float(np.abs(W).max())
    if kurt > 2.85 or kurt < 2.0 or bound > 3.0 * std:
        return
    piled = float(np.mean(np.isclose(np.abs(W), bound, rtol=1e-9, atol=0)))
    how = (f"{100 * piled:.1f} % of the weights sit exactly at +-{bound:.4g}: the normal draws were clipped "
           f"(np.clip)" if piled > 0.005 else "none beyond it: the draws were truncated (a truncated normal)")
    core.fail(f"{name}: W{l} has standard deviation {std:.4g}, expected {want:.4g}, and its draws stop at "
              f"|w| = {bound:.4g} = {bound / want:.2f} x the expected std (a normal draw of {W.size} values reaches "
              f"about 4 std; its kurtosis is 3, yours is {kurt:.2f}): {how}, which cuts the tails and shrinks the "
              f"std; the docstring's N(0, std^2) is std * rng.standard_normal(shape), unbounded",
              "weights-clipped-draws")


def _name_std_term(fn, method, name):
    """The wrong term of the standard-deviation formula (formula.explain_formula), from the stds of the
    weights of two networks with fans of various sizes (sampling error below 1 %)."""
    if method not in _STD_FORMULAS:
        return
    n_in, n_out, stds = [], [], []
    for dims in ([400, 300, 250], [600, 40, 500, 30]):
        try:
            p = _call(fn, list(dims), method, seed=11, name=name)
            for l in range(1, len(dims)):
                stds.append(float(np.asarray(p[f"W{l}"], dtype=_f64).std()))
                n_in.append(float(dims[l - 1]))
                n_out.append(float(dims[l]))
        except (core.CheckFailure, Exception):
            return
    term = explain_formula(_STD_FORMULAS[method], {"n_in": np.array(n_in), "n_out": np.array(n_out)},
                           np.array(stds), rtol=0.03, atol=1e-9, what="standard deviations")
    if term:
        core.fail(f"{name}: {term}", "init-wrong-term")
    # property: the fans enter right when every layer is off by the same factor (the constant is wrong)
    want = np.array([_expected_std(method, a, b) for a, b in zip(n_in, n_out)])
    ratio = np.array(stds) / want
    c = float(np.median(ratio))
    if abs(c - 1) > 0.05 and np.all(np.abs(ratio / c - 1) < 0.03):
        numerator = 2 * c * c
        uniform = ("; sqrt(6 / ...) is the bound a of the uniform distribution U(-a, a) (whose standard deviation is "
                   "a / sqrt(3)), not the standard deviation of the normal" if abs(c - math.sqrt(3)) < 0.03 else "")
        core.fail(f"{name}: in every layer your standard deviation is {c:.3g} times the expected one, so the fans "
                  f"enter the formula right but its constant is wrong: your std fits sqrt({numerator:.3g} / ...) "
                  f"instead of {_STD_FORMULAS[method][0]}{uniform}", "init-wrong-constant")


# Readings of a weight variance std^2 for a layer of fan-in a and fan-out b: every init method's rule and the
# slips of a fan (the bias counted in the fan-in, a fan off by one, the factor 2 lost).
_VARIANCE_READINGS = {
    "sqrt(2 / n_in)": lambda a, b: 2.0 / a,
    "sqrt(2 / (n_in + 1))": lambda a, b: 2.0 / (a + 1),
    "sqrt(2 / (n_in - 1))": lambda a, b: 2.0 / (a - 1),
    "sqrt(1 / n_in)": lambda a, b: 1.0 / a,
    "sqrt(1 / (n_in + 1))": lambda a, b: 1.0 / (a + 1),
    "sqrt(2 / (n_in + n_out))": lambda a, b: 2.0 / (a + b),
    "sqrt(2 / (n_in + n_out + 1))": lambda a, b: 2.0 / (a + b + 1),
    "sqrt(2 / (n_in + n_out + 2))": lambda a, b: 2.0 / (a + b + 2),
    "sqrt(1 / (n_in + n_out))": lambda a, b: 1.0 / (a + b),
    "sqrt(2 / n_out)": lambda a, b: 2.0 / b,
    "sqrt(2 / (n_out + 1))": lambda a, b: 2.0 / (b + 1),
}
# small fans of pairwise different sizes, many draws each: He on one wide layer; Xavier, whose rule adds the
# fan-out, on deep networks of small alternating layers (thousands of layers of 6 or 12 weights)
_SMALL_FAN_LAYERS = {"he": ([2, 20000], [5, 8000]), "xavier": ([2, 3] * 1500 + [2], [3, 4] * 1000 + [3])}


def _layer_variances(fn, method, layers):
    """(fan-in, fan-out, variance of the weights of the layers of those fans, relative tolerance from the sample
    size) for each kind of layer of each network in ``layers``, or None."""
    out = []
    for dims in layers:
        try:
            with np.errstate(all="ignore"):
                p = fn(list(dims), method, seed=7)
            groups: dict = {}
            for l in range(1, len(dims)):
                W = np.asarray(p[f"W{l}"], dtype=_f64)
                if W.shape != (dims[l - 1], dims[l]) or not np.all(np.isfinite(W)):
                    return None
                groups.setdefault((dims[l - 1], dims[l]), []).append(W.ravel())
        except Exception:
            return None
        for (a, b), ws in groups.items():
            w = np.concatenate(ws)
            # the sample variance of N normal draws has a relative standard error sqrt(2 / N): 5 of them
            out.append((a, b, float(np.mean(w ** 2)), 5.0 * math.sqrt(2.0 / w.size)))
    return out


def _fan_in_readings(fn, method) -> None:
    """The std of every layer as one reading of _VARIANCE_READINGS, confirmed on two layers with small fans of
    other, pairwise different sizes (a fan slip of 1 hides in a large layer but not in a fan-in of 2)."""
    if method not in _STD_FORMULAS:
        return
    fits = _layer_variances(fn, method, _SMALL_FAN_LAYERS[method])
    if not fits:
        return
    rule = _STD_FORMULAS[method][0]
    for reading, var in _VARIANCE_READINGS.items():
        if reading == rule or not all(abs(v / var(a, b) - 1) <= tol for a, b, v, tol in fits):
            continue
        if all(abs(var(a, b) / _expected_std(method, a, b) ** 2 - 1) <= tol for a, b, _, tol in fits):
            continue                 # a reading these layers cannot tell from the rule
        seen = "; ".join(f"layers [{a}, {b}]: std {math.sqrt(v):.4g}, {reading} = {math.sqrt(var(a, b)):.4g}, "
                         f"{rule} = {_expected_std(method, a, b):.4g}" for a, b, v, _ in fits)
        bias = (": the bias is not part of the fan-in (the fans count the units of layer_dims[l - 1] and layer_dims[l], nothing more)"
                if "+ 1)" in reading and "+ 1)" not in rule else "")
        core.fail(f"initialize_parameters(..., {method!r}): your std is {reading}, not {rule}{bias} ({seen}; "
                  f"small fans show what large layers hide)", "init-fan-reading")


def _small_fan_in_std(fn, method) -> None:
    """Layers with small fans and many draws: their std must fit the method's rule within the sampling error
    (a fan slip of 1 changes the He std of a fan-in of 2 by 18 %, of a fan-in of 400 by 0.1 %)."""
    if method not in _STD_FORMULAS:
        return
    fits = _layer_variances(fn, method, _SMALL_FAN_LAYERS[method][:1])
    if not fits:
        return
    bad = [(a, b, v) for a, b, v, tol in fits if abs(v / _expected_std(method, a, b) ** 2 - 1) > tol]
    if not bad:
        return
    _fan_in_readings(fn, method)
    a, b, v = bad[0]
    want = _expected_std(method, a, b)
    core.fail(f"initialize_parameters(..., {method!r}): the layers [{a}, {b}] have standard deviation "
              f"{math.sqrt(v):.4g}, expected {_STD_FORMULAS[method][0]} = {want:.4g} (right on large layers, wrong on "
              f"small fans: look at what your formula adds to or takes from the fans)", "init-small-fan-std")


def _name_std_as_mean(fn, name) -> None:
    """Weights drawn with the std as the mean and a spread of 1 (rng.normal(std, size=...): normal's first argument
    is loc): confirmed on a large He layer, whose entries then average sqrt(2 / n_in) with a standard deviation 1."""
    n_in, n_out = 400, 300
    want = _expected_std("he", n_in, n_out)
    try:
        W = np.asarray(_call(fn, [n_in, n_out], "he", seed=6, name=name)["W1"], dtype=_f64)
    except Exception:
        return
    if W.shape != (n_in, n_out):
        return
    se = 1.0 / math.sqrt(W.size)           # the standard error of the mean of N(., 1) entries
    if abs(float(W.mean()) - want) > 5 * se or abs(float(W.std()) - 1.0) > 0.05:
        return
    core.fail(f"{name}: your weights are drawn with the standard deviation as their MEAN and a spread of 1 (method 'he' "
              f"on layers [{n_in}, {n_out}] gives entries averaging {float(W.mean()):.3g} ~ sqrt(2 / n_in) = {want:.3g} "
              f"with standard deviation {float(W.std()):.3g}; method 'zeros' then is not zero either): the first "
              f"argument of rng.normal is loc, the mean; use rng.normal(0.0, std, size) or std * "
              f"rng.standard_normal(size)", "std-as-mean")


def _name_zero_std(fn, method, n_in, n_out, name, l) -> None:
    """W_l all zero for a random method: a standard deviation that came out 0.  Integer division (2 // n_in) is
    named only when confirmed: the same method gives the right std where the integer quotient is not 0."""
    want = _expected_std(method, n_in, n_out)
    if method == "he" and n_in > 2:       # 2 // n_in is 0 for n_in > 2 but right (1) for n_in = 2
        try:
            W = np.asarray(_call(fn, [2, 400], method, seed=5, name=name)["W1"], dtype=_f64)
            ok = abs(float(W.std()) - 1.0) <= 0.1
        except Exception:
            ok = False
        if ok:
            core.fail(f"{name}: W{l} is all zero, its standard deviation came out 0 for n_in = {n_in}, yet it is "
                      f"right (1) for n_in = 2: integer division 2 // n_in (0 when n_in > 2) where sqrt(2 / n_in) "
                      f"needs a true division, 2 / n_in", "std-integer-division")
    core.fail(f"{name}: W{l} is all zero, so every hidden unit stays identical (the symmetry is never broken): method {method!r} must draw "
              f"random weights with standard deviation {want:.4g} for n_in = {n_in}, n_out = {n_out}; your "
              f"standard deviation came out 0", "weights-zero")


def _name_index_past_end(fn, exc, dims, method) -> None:
    """initialize_parameters raised IndexError: whether the other methods work on the same layer_dims (then the
    index past the end of layer_dims is in that method's branch, else in the loop)."""
    if exc.diagnosis != "raised-indexerror" or "list index" not in str(exc):
        return                       # layer_dims is the only list initialize_parameters indexes
    works = [m for m in ("zeros", "random", "xavier", "he") if m != method and not _raises(lambda m=m: fn(list(dims), m, seed=4))]
    where = f"the {method!r} branch" if works else "the loop"
    core.fail(f"{exc}: {where} reads an index past the end of layer_dims" + (f" (the other methods work on "
              f"{dims})" if works else "") + f": with L = {len(dims) - 1} layers, layer_dims has indices 0..{len(dims) - 1}; "
              f"layer l (1..L) uses n_in = layer_dims[l - 1] and n_out = layer_dims[l], never layer_dims[l + 1]",
              "index-past-layer-dims")


def initialize_parameters(fn) -> None:
    """Keys, shapes, zero biases, zeros method, scale of each random method, seeding, layer_dims untouched."""
    for dims in ([3, 5, 2, 1], [4, 1]):
        for method in ("zeros", "random", "xavier", "he"):
            name = f"initialize_parameters({dims}, {method!r})"
            given = list(dims)
            try:
                out = _call(fn, given, method, seed=4, name=name)
            except core.CheckFailure as exc:
                _name_index_past_end(fn, exc, dims, method)
                _name_divided_by_std(fn, exc, name)
                raise
            p = _param_dict(out, dims, name)
            if given != dims:
                core.fail(f"{name} modified its layer_dims argument (now {given})", "mutated-input")
            for key in sorted(p):
                if p[key].dtype != _f64:
                    core.fail(f"{name}: {key} has dtype {p[key].dtype}, expected float64 (the docstring's "
                              f"float64 arrays): leave the dtype of rng.standard_normal / np.zeros at its "
                              f"default (no dtype=np.float32, no .astype); a float32 network loses the precision "
                              f"the gradient checks need", "parameters-not-float64")
            for l in range(1, len(dims)):
                if not _same(p[f"b{l}"], np.zeros((1, dims[l]))):
                    core.fail(f"{name}: the biases must start at 0 (b{l} is not zero)", "bias-not-zero")
                W = p[f"W{l}"]
                if method == "zeros":
                    if not _same(W, np.zeros_like(W)):
                        _name_std_as_mean(fn, name)
                        core.fail(f"{name}: method 'zeros' must give all-zero weights (W{l} is not zero)",
                                  "zeros-not-zero")
                elif np.all(W == 0):
                    _name_zero_std(fn, method, dims[l - 1], dims[l], name, l)
                elif np.unique(W).size < W.size:
                    core.fail(f"{name}: W{l} has repeated values: every weight must be drawn independently "
                              f"(a constant initialisation keeps the units symmetric)", "weights-repeated")
    big = [400, 300, 250]
    for method in ("random", "xavier", "he"):
        name = f"initialize_parameters({big}, {method!r})"
        p = _param_dict(_call(fn, list(big), method, seed=11, name=name), big, name)
        for l in (1, 2):
            n_in, n_out = big[l - 1], big[l]
            W = np.asarray(p[f"W{l}"], dtype=_f64)
            std, want = float(W.std()), _expected_std(method, n_in, n_out)
            if abs(W.mean()) > 0.05 * std:
                sign = ("only non-negative" if W.min() >= 0 else "only non-positive" if W.max() <= 0 else "")
                uniform = (": rng.random / np.random.rand draw uniformly from [0, 1); draw from a normal "
                           "distribution centred on 0 (rng.standard_normal / np.random.randn)" if sign else "")
                core.fail(f"{name}: W{l} has mean {W.mean():.3g}" + (f" and {sign} entries" if sign else "")
                          + f" (std {std:.3g}); the weights must be centred on 0{uniform}", "weights-mean")
            if abs(std - want) > 0.04 * want:
                stds = [float(np.asarray(p[f"W{k}"], dtype=_f64).std()) for k in (1, 2)]
                for message, wrong in _std_diagnosis(method, n_in, n_out).items():
                    if abs(std - wrong) <= 0.04 * wrong and _every_layer_fits(
                            stds, big, lambda a, b, message=message: _std_diagnosis(method, a, b)[message]):
                        core.fail(f"{name}: {message} (W{l} has std {std:.4g}, expected {want:.4g})",
                                  core.slug(message))
                _name_uniform(W, std, want, name, l)
                _name_bounded_draws(W, std, want, name, l)
                _name_std_term(fn, method, name)
                # The square of 'random''s 0.01 (0.0001: two zeros too many) is told; its square root 0.1 is
                # also a one-zero slip of the constant, so a constant square root is not told (said as the scale).
                for power, what in ((2.0, "the square of the expected one: the variance was used as the "
                                          "standard deviation (N(0, s^2) is s * N(0, 1), s the std)"),
                                    (0.5, "the square root of the expected one: a square root too many "
                                          "(the std used as if it were the variance)")):
                    wrong = want ** power
                    if abs(std - wrong) <= 0.04 * wrong and _every_layer_fits(
                            stds, big, lambda a, b, power=power: _expected_std(method, a, b) ** power, power == 2.0):
                        core.fail(f"{name}: W{l} has standard deviation {std:.4g}, {what}; expected {want:.4g}",
                                  "std-variance-confusion")
                _name_other_layer_size(method, big, l, std, want, name)
                _fan_in_readings(fn, method)
                if method == "random":
                    core.fail(f"{name}: W{l} has standard deviation {std:.4g} where the docstring says 0.01 for "
                              f"'random' (W = 0.01 * N(0, 1), whatever the layer sizes): {std / want:.3g} times "
                              f"the documented scale; look at the constant that multiplies the draws",
                              "random-scale")
                core.fail(f"{name}: W{l} has standard deviation {std:.4g}, expected {want:.4g} "
                          f"for layer sizes n_{{l-1}}={n_in}, n_l={n_out}", "weights-std")
        # Layers drawn independently: a generator re-created from the seed for every layer gives each
        # layer the same random numbers (W2 starts with W1's draws, rescaled).
        _small_fan_in_std(fn, method)
        z1, z2 = (np.asarray(p[k], _f64).ravel() for k in ("W1", "W2"))
        k = min(z1.size, z2.size)
        if np.corrcoef(z1[:k], z2[:k])[0, 1] > 0.99:
            core.fail(f"{name}: W2 starts with the same random numbers as W1 (rescaled): the generator is "
                      f"re-created from the seed for every layer; create it once, before the loop over the "
                      f"layers, so that every layer gets its own draws", "layers-same-draws")
    # Seeding: reproducible, and the seed actually matters.
    a = _call(fn, [4, 6, 1], "he", seed=1, name="initialize_parameters(..., seed=1)")
    b = _call(fn, [4, 6, 1], "he", seed=1, name="initialize_parameters(..., seed=1)")
    c = _call(fn, [4, 6, 1], "he", seed=2, name="initialize_parameters(..., seed=2)")
    for d in (a, b, c):
        _param_dict(d, [4, 6, 1], "initialize_parameters([4, 6, 1], 'he')")
    if not _same(a["W1"], b["W1"]):
        core.fail("initialize_parameters: the same seed must give the same weights "
                  "(draw them from np.random.default_rng(seed))", "seed-not-reproducible")
    if _same(a["W1"], c["W1"]):
        core.fail("initialize_parameters: different seeds gave identical weights: the seed is ignored",
                  "seed-ignored")
    # Every seed is a seed, 0 included (the documented default): two calls with seed=0 give the same weights.
    z = [_param_dict(_call(fn, [4, 6, 1], "he", seed=0, name="initialize_parameters([4, 6, 1], 'he', seed=0)"),
                     [4, 6, 1], "initialize_parameters([4, 6, 1], 'he')") for _ in range(2)]
    if not _same(z[0]["W1"], z[1]["W1"]):
        core.fail("initialize_parameters([4, 6, 1], 'he', seed=0) called twice gave different weights, while "
                  "seed=1 twice gave the same: seed 0 is a seed like any other (the documented default): "
                  "`seed or None` or `if seed:` treats 0 as 'no seed'; pass seed itself to "
                  "np.random.default_rng(seed)", "seed-zero-unseeded")
    _documented_default(lambda *m: fn([6, 5, 1], *m, seed=3), "initialize_parameters(layer_dims)", "method", "he",
                        ("zeros", "random", "xavier", "he"))


# ----------------------------------------------------------------------------- forward
_LINEAR_HINT = ("A shape error here usually means the factors are in the wrong order or transposed: "
                "with rows as samples, Z = A_prev @ W + b, A_prev (m, n_prev), W (n_prev, n), b (1, n)")


def _buffer_kept(fn, first: tuple, second: tuple) -> tuple[bool, bool]:
    """(changed, shared): did a second call of ``fn`` write into, or return the memory of, what the first returned?
    Arrays returned that ARE the arguments (linear_forward's cache holds A_prev, W, b) are the caller's own."""
    found = [r for r in core.results_between_calls(fn, first, second) or [] if not r.is_input]
    return any(r.changed for r in found), any(r.shared for r in found)


def _state_after_change(fn, name: str, first: tuple, second: tuple, oracle) -> None:
    """Property of every graded function: called a second time on THE SAME arrays after their values changed in
    place (as a training loop updates W and b between steps), it gives the result for the new values
    (core.result_after_change).  ``oracle(*args)`` -> the list of expected arrays, compared with the arrays the
    student's result holds in the same order (tuples flattened; the cache's A_prev, W, b are left out).  Told as
    state kept between calls only when confirmed: a fresh call on copies of the new values is right; named a
    result of the earlier values when it equals the oracle on those."""
    changed = tuple(b if isinstance(b, np.ndarray) else None for b in second)
    now = tuple(b if isinstance(b, np.ndarray) else a for a, b in zip(first, second))

    def arrays(out):
        if isinstance(out, np.ndarray):
            return [out]
        if isinstance(out, (tuple, list)) and out and isinstance(out[0], np.ndarray):
            return [v for v in out if isinstance(v, np.ndarray)]
        return []

    def fits(got, want):
        return len(got) >= len(want) and all(np.shape(g) == np.shape(w) and _near(g, w) for g, w in zip(got, want))
    try:
        with np.errstate(all="ignore"):
            got = arrays(core.result_after_change(fn, tuple(np.array(a, copy=True) if isinstance(a, np.ndarray) else a
                                                            for a in first), changed))
            fresh = arrays(fn(*(np.array(a, copy=True) if isinstance(a, np.ndarray) else a for a in now)))
    except Exception:
        return                       # a call that raises is named by the cases
    want = oracle(*now)
    if fits(got, want) or not fits(fresh, want):
        return
    old = fits(got, oracle(*first))
    core.fail(f"{name}, called a second time on the same arrays after their values were changed in place (as a "
              f"training loop updates its arrays between steps), "
              + ("returned a result computed from the values of an earlier call" if old else
                 "returned a result other than a fresh call on the same values")
              + ": state kept between calls (a result or a copy kept from the first call, keyed on the array, its "
              "id() or its shape, or computed once): compute from the arguments' current values in every call",
              "state-kept-between-calls")


def _results_kept(fn, name: str, first: tuple, second: tuple, oracle=None) -> None:
    """Property of every graded function: what one call returned is the caller's, and a later call (same shapes,
    new values) neither writes into it nor returns the same memory.  An output buffer kept between calls (a
    module-level array filled in place, a default argument) passes every single call and breaks a network that holds
    every layer's output at once.  Cheap: two calls, after the cases passed.  Arrays returned that ARE the arguments
    (the cache holding A_prev, W, b) are the caller's own and not asked about."""
    changed, shared = _buffer_kept(fn, first, second)
    if not (changed or shared):
        if oracle is not None:
            _state_after_change(fn, name, first, second, oracle)
        return
    core.fail(f"{name}, called twice with the same shapes and new values: an array the first call returned "
              f"{'was overwritten by' if changed else 'shares its memory with the result of'} the second call: the "
              f"result is written into a buffer kept between calls (a module-level array filled in place, out=..., a "
              f"default argument), so a caller holding the first result (model_forward keeps every layer's output "
              f"in its caches) sees it change; create the result anew in every call", "result-buffer-shared-between-calls")



def _first_case_again(fn, first, what: str) -> None:
    """Property of every composite function (model_forward, model_backward), asked after a later case failed:
    called again on copies of the FIRST case's inputs, which it got right the first time, it must give the same
    result, twice.  ``first``: (name, args, result, same) with ``same(got, result)`` -> bool.  A result that
    changed (or a call that now raises) is state kept between calls: a dict or list kept on the function, in a
    global or in a default argument, added to or filled by every call."""
    if first is None:
        return
    name, args, result, same = first
    outs = []
    for _ in range(2):
        try:
            with np.errstate(all="ignore"):
                outs.append(fn(*copy.deepcopy(args)))
        except Exception as exc:
            outs.append(exc)
    bad = [o for o in outs if isinstance(o, Exception) or not same(o, result)]
    if not bad:
        return
    how = (f"raised {type(bad[0]).__name__}: {bad[0]}" if isinstance(bad[0], Exception)
           else "returned other values" + (" (both times)" if len(bad) == 2 else ""))
    core.fail(f"{name}: your {what} got this case right when it was called first, but called again on copies of "
              f"the same inputs after the other cases, it {how}: {what} keeps state between calls (a dict or list "
              f"kept on the function, in a global or in a default argument, that every call adds to or fills; or random "
              f"numbers drawn in the call): "
              f"start from a new dict in every call (grads = {{}} inside the function) and compute only from this "
              f"call's arguments", "state-kept-between-calls")



#: Kernel-side: what a function keeps on itself between calls: attributes set on the function object, and
#: default arguments that are non-empty lists or dicts (a mutable default filled by earlier calls).
_FUNCTION_STATE = """
def function_state(fn):
    out = [(k, repr(v)[:40]) for k, v in sorted(getattr(fn, "__dict__", {}).items()) if not k.startswith("__")]
    for v in getattr(fn, "__defaults__", None) or ():
        if isinstance(v, (list, dict, set)) and v:
            out.append(("default argument", type(v).__name__ + " of " + str(len(v)) + " entries"))
    return out
"""


def _noted_function_state(exc, fn, what: str):
    """``exc`` with the state ``fn`` keeps on itself, read from the function object after the failing call
    (facts, not a guess): an attribute set on the function, a mutable default argument filled by earlier calls.
    The failure itself, when there is none."""
    try:
        found = list(core.kernel_functions(_FUNCTION_STATE)["function_state"](fn))
    except Exception:
        return exc
    if not found:
        return exc
    said = ", ".join(f"{what}.{k} = {v}" if k != "default argument" else f"a {v} as a default argument"
                     for k, v in found[:3])
    noted = core.CheckFailure(f"your {what} keeps state between calls: {said}, left by the earlier calls: a value "
                              f"kept from an earlier call (a count read once, a list or dict filled once) is wrong "
                              f"for another network; compute everything from this call's arguments. The failing "
                              f"call: {exc}", "state-on-function")
    for key, value in vars(exc).items():
        if key != "diagnosis":
            setattr(noted, key, value)
    return noted


def _two_calls(seed: str, *shapes, extra=()):
    """Two argument tuples of the same shapes and new values (float64), ``extra`` appended to each."""
    gen = core.rng(f"lab04.results-kept.{seed}")
    return tuple((*(gen.standard_normal(sh) for sh in shapes), *extra) for _ in range(2))


def _blocks_keeping_buffers(blocks: dict) -> list:
    """The names of the student's building blocks (name -> function or None) whose results a later call overwrites
    (judged in their own cells): a loop built on them cannot keep its layers' arrays apart."""
    def calls(name):
        if name == "linear_forward":
            return _two_calls("blk-lf", (5, 3), (3, 4), (1, 4))
        if name == "linear_backward":
            first, second = _two_calls("blk-lb", (5, 4), (5, 3), (3, 4), (1, 4))
            return (first[0], tuple(first[1:])), (second[0], tuple(second[1:]))
        if name == "activation_forward":
            return _two_calls("blk-af", (4, 3), extra=("relu",))
        return _two_calls("blk-ab", (4, 3), (4, 3), extra=("relu",))
    return [n for n, block in blocks.items() if block is not None and any(_buffer_kept(block, *calls(n)))]


def linear_forward(fn) -> None:
    gen = core.rng("lab04.linear_forward")
    # Sizes pairwise different first (a slip between the axes raises or is named there); the square case
    # later, where A_prev @ W.T gives wrong values instead of an error: the first named failure wins.
    shapes = [(5, 3, 4, _f64), (4, 4, 4, _f64), (1, 2, 3, _f64), (7, 6, 2, _f64), (6, 5, 3, np.float32),
              (3, 2, 5, np.float32)]

    def case(m, n_prev, n, dtype):
        A = gen.standard_normal((m, n_prev)).astype(dtype)
        W = gen.standard_normal((n_prev, n)).astype(dtype)
        b = gen.standard_normal((1, n)).astype(dtype)
        name = f"linear_forward(A_prev {A.shape}, W {W.shape}, b {b.shape}, {np.dtype(dtype).name})"
        out = _tuple(_call(fn, A, W, b, name=name, hint=_LINEAR_HINT), 2, name, "(Z, linear_cache)",
                     kinds=(("Z", lambda v: isinstance(v, np.ndarray)), ("linear_cache", lambda v: isinstance(v, (tuple, list)))))
        Z = out[0]
        if isinstance(Z, np.ndarray) and Z.shape == (n, m) and n != m:
            core.fail(f"{name}: Z has shape {Z.shape}, the transpose of (m, n) = {(m, n)}: rows are samples, "
                      f"Z = A_prev @ W + b", "z-transposed")
        Z = core.expect_array(Z, name=f"{name}: Z", shape=(m, n))
        A64, W64, b64 = A.astype(_f64), W.astype(_f64), b.astype(_f64)
        want = _affine(A64, W64, b64)
        _expect_close(Z, want, name=f"{name}: Z", rtol=1e-10, atol=1e-10, diagnose={
            "the bias b is not added (Z = A_prev @ W + b)": want - b64,
            "Z = A_prev @ (W + b): the bias is added to W before the product; add it to the product, "
            "Z = A_prev @ W + b": A64 @ (W64 + b64),
            "W is used transposed: Z = A_prev @ W, W is already (n_prev, n)":
                (A64 @ W64.T + b64) if n == n_prev else None,
            "Z = W @ A_prev is the column convention; here rows are samples: Z = A_prev @ W + b":
                (W64 @ A64 + b64) if m == n_prev == n else None,
            "Z = (A_prev + b) @ W: the bias is added to the input before the product (b has one entry per "
            "output unit, n, not per input; on layers with n_prev != n this raises a broadcast error); add it to "
            "the product, Z = A_prev @ W + b": ((A64 + b64) @ W64) if n_prev == n else None,
            "the bias is subtracted: Z = A_prev @ W + b": want - 2 * b64,
            "one number, b's first entry b[0, 0], is added to every entry of Z: b is a row (1, n) with one bias "
            "per unit; add the whole row, Z = A_prev @ W + b (it broadcasts over the m rows)": want - b64 + b64[0, 0],
            "one number, b's last entry b[0, -1], is added to every entry of Z: b is a row (1, n) with one bias "
            "per unit; add the whole row, Z = A_prev @ W + b (it broadcasts over the m rows)": want - b64 + b64[0, -1],
            "one number, the sum of b, is added to every entry of Z: add the row b itself, Z = A_prev @ W + b "
            "(one bias per unit, broadcast over the m rows)": want - b64 + b64.sum(),
            "one number, the mean of b, is added to every entry of Z: add the row b itself, Z = A_prev @ W + b "
            "(one bias per unit, broadcast over the m rows)": want - b64 + b64.mean(),
            "the bias is added as a column (b.T, shape (n, 1)): b is the row (1, n) added to every row of "
            "A_prev @ W; a column only broadcasts when m == n, and then adds b[j] to row j":
                (want - b64 + b64.T) if m == n else None,
            "elementwise product instead of a matrix product: Z = A_prev @ W (np.dot), not A_prev * W":
                (A64 * W64 + b64) if A64.shape == W64.shape else None,
            **{f"your Z is {act}(A_prev @ W + b): linear_forward returns the pre-activation Z = A_prev @ W + b "
               f"alone; the non-linearity is applied by activation_forward, on that Z": _act(want, kind)
               for act, kind in (("max(0, .) = ReLU", "relu"), ("sigmoid", "sigmoid"), ("tanh", "tanh"))},
        }, rows=lambda x: fn(x, W, b)[0], X=A)
        cache = _tuple(out[1], 3, name, "linear_cache = (A_prev, W, b)")
        for got, ref, label in zip(cache, (A, W, b), ("A_prev", "W", "b")):
            core.expect_array(got, name=f"{name}: linear_cache {label}", shape=ref.shape, dtype=None)
            if not _same(got, ref):
                core.fail(f"{name}: linear_cache must be (A_prev, W, b) in that order; its {label} "
                          f"entry holds something else", "cache-order")

    cases.run_cases([("m == n_prev == n" if s[0] == s[1] == s[2] else None, lambda s=s: case(*s)) for s in shapes])
    _results_kept(fn, "linear_forward(A_prev (5, 3), W (3, 4), b (1, 4))", *_two_calls("lf", (5, 3), (3, 4), (1, 4)),
                  oracle=lambda A, W, b: [_affine(A, W, b)])


_SIGMOID_STABLE = ("exp(-Z) overflows for Z below about -709 (float64) or -88 (float32), exp(Z) above: compute "
                   "E = exp(-|Z|) and use 1 / (1 + E) where Z >= 0 and E / (1 + E) where Z < 0 "
                   "(or scipy.special.expit)")


def _sigmoid_values(fn, Z, name, label):
    """Call ``fn(Z) -> A`` and compare with the sigmoid, naming an overflow precisely."""
    out, before = [], Z.copy()
    try:
        with core.numerics(name):
            out.append(fn(Z))
    except core.CheckFailure as exc:
        if exc.diagnosis != "not-numerically-stable":
            raise
        got = out[0] if out else None
        if label is not None and isinstance(got, (tuple, list)) and got:
            got = got[0]
        text = str(exc)
        warned = text.split("warned '", 1)[1].split("'", 1)[0] if "warned '" in text else "an overflow"
        if isinstance(got, np.ndarray) and got.shape == Z.shape and core.close(got, _sigmoid(Z), 1e-6, 1e-12):
            core.fail(f"{name} is not numerically stable: your values are right, but numpy warned "
                      f"'{warned}' on the way (exp of a large number gave inf; np.where computes both of its "
                      f"branches, so an exp in the branch you discard overflows too): {_SIGMOID_STABLE}",
                      "sigmoid-overflow-right-values")
        core.fail(f"{name} is not numerically stable: numpy warned '{warned}': {_SIGMOID_STABLE}",
                  "sigmoid-overflow")
    except NotImplementedError:
        core.fail(f"{name} is not implemented yet (it raised NotImplementedError)")
    except Exception as exc:
        kind = core.error_kind(exc)
        text = f"{name} raised {kind}: {exc}"
        said = cases.explain_exception(text)      # what the exception's words name (math.exp given an array...)
        failure = core.CheckFailure(f"{text}. Likely cause: {said[0]}" if said else text,
                                    said[1] if said else "raised-" + core.slug(kind))
        failure.raised, failure.where = f"raised {kind}: {exc}", core.raised_at(exc)
        raise failure from None
    if not np.array_equal(Z, before, equal_nan=True):
        changed = np.flatnonzero((Z != before).ravel())
        i = int(changed[0]) if changed.size else 0
        core.fail(f"{name} modified its input Z in place (Z = {before.ravel()[i]:g} became {Z.ravel()[i]:g}): "
                  f"an in-place operation (np.clip(Z, ..., out=Z), Z -= ..., Z[...] = ...) changes the caller's "
                  f"array, and activation_forward caches that Z for the backward pass; compute into a new array",
                  "mutated-input")
    return out[0]


def _name_sigmoid_nan(A, Z, name) -> None:
    """A sigmoid that returns NaN without a numpy warning (a scipy function, or errors silenced) took a
    function outside its domain, not an overflow: scipy.special.logit (the inverse of the sigmoid) is
    named when the values confirm it, otherwise where the NaN are."""
    if not isinstance(A, np.ndarray) or A.shape != Z.shape or A.dtype.kind != "f" or not np.isnan(A).any():
        return
    z = Z.astype(_f64)
    with np.errstate(all="ignore"):
        logit = np.log(z / (1.0 - z))
    if np.array_equal(np.isnan(A), np.isnan(logit)) and _near(A, logit):
        core.fail(f"{name} contains NaN: your values are logit(Z) = log(Z / (1 - Z)) (scipy.special.logit), the "
                  f"inverse of the sigmoid, which is NaN for Z < 0 or Z > 1 (outside its domain); the sigmoid is "
                  f"scipy.special.expit(Z) = 1 / (1 + exp(-Z))", "sigmoid-is-logit")
    where = z[np.isnan(A)]
    side = (" (all of them where Z < 0)" if (where < 0).all() else " (all of them where Z > 0)" if (where > 0).all()
            else "")
    core.fail(f"{name} contains NaN at Z = {where[0]:.4g} ({where.size} of {z.size} entries{side}), and numpy gave no "
              f"overflow warning: the sigmoid is finite for every Z, so a function was used outside its domain "
              f"there (the log or sqrt of a negative number, 0 / 0, inf - inf)", "sigmoid-nan")


def _name_missing_abs(fn, name) -> None:
    """sigmoid(|Z|) comes from two slips that agree for moderate Z: the Z < 0 branch written 1 / (1 + E),
    or E = exp(-Z) without the abs (then E / (1 + E) = sigmoid(-Z) for Z < 0).  Only the second overflows
    at Z = -800: exp(800) = inf, and inf / inf is NaN."""
    try:
        with np.errstate(all="ignore"):
            got = np.asarray(fn(np.array([[-800.0, 1.0]])), dtype=_f64)
    except Exception:
        return
    if got.shape == (1, 2) and not np.isfinite(got[0, 0]):
        core.fail(f"{name}: for Z < 0 your result is sigmoid(|Z|), and at Z = -800 it is {got[0, 0]}: E is "
                  f"computed as exp(-Z) without the abs. For Z < 0 that E = exp(|Z|) is huge, so E / (1 + E) "
                  f"gives sigmoid(-Z) (and inf / inf = NaN once exp overflows); use E = exp(-|Z|) in both branches",
                  "sigmoid-exp-without-abs")


def _check_sigmoid(fn, name_of):
    gen = core.rng("lab04.sigmoid")
    # 2-D first, then the docstring's "any shape": 3-D and 1-D (a raise there, 2-D right: assumes 2-D input)
    for shape, dtype in [((4, 3), _f64), ((1, 5), _f64), ((7, 2), np.float32), ((2, 3, 4), _f64), ((5,), _f64)]:
        Z = (3.0 * gen.standard_normal(shape)).astype(dtype)
        name = name_of(Z)
        try:
            A = _sigmoid_values(fn, Z.copy(), name, None)
        except core.CheckFailure as exc:
            if len(shape) != 2 and " raised " in str(exc):
                flat = Z.reshape(1, -1)
                try:
                    right = core.close(np.asarray(fn(flat.copy()), dtype=_f64), _sigmoid(flat), 1e-9, 1e-12)
                except Exception:
                    right = False
                if right:
                    core.fail(f"{name} raised: the docstring says Z of any shape, and your sigmoid assumes 2-D input "
                              f"(the same values as a {flat.shape} array give the right result; look for einsum "
                              f"subscripts such as 'ij', Z.shape[1], two nested loops or a .T): write it with "
                              f"elementwise operations that work on any shape. {exc}", "assumes-2d-input")
            raise
        _name_sigmoid_nan(A, Z, name)
        A = core.expect_array(A, name=name, shape=shape)
        want = _sigmoid(Z)
        try:
            _expect_close(A, want, name=name, rtol=1e-9, atol=1e-12, diagnose={
                "your sigmoid returns sigmoid(-Z) = 1 - sigmoid(Z) for every Z: either the sign in the exponent "
                "is wrong (1 / (1 + exp(Z))) or, in the two-branch stable form with E = exp(-|Z|), the branches "
                "are swapped (Z >= 0 must give 1 / (1 + E), Z < 0 must give E / (1 + E))": 1.0 - want,
                "for Z < 0 the sigmoid is E / (1 + E) with E = exp(-|Z|), not 1 / (1 + E): your result is "
                "sigmoid(|Z|)": _sigmoid(np.abs(Z)),
                "this is tanh, not the sigmoid": np.tanh(Z.astype(_f64)),
            })
        except core.CheckFailure as exc:
            if "your result is sigmoid(|Z|)" in str(exc):
                _name_missing_abs(fn, name)
            if exc.diagnosis not in _GENERIC_DIFFERENCES:
                raise
            # which side of 0 is wrong, a scaled argument, the values at readable points (as activation_forward)
            rt, at = _tol(want)
            said = cases.explain_elementwise(Z, A, want, rtol=rt, atol=at, what="values",
                                             probe=lambda p: fn(p), oracle=_sigmoid)
            if said:
                core.fail(f"{name} has wrong values: {said}", "wrong-values-explained")
            raise
        # the docstring: a float64 Z gives a float64 result (values first: they are compared at float32
        # precision, so a float32 computation only shows here)
        if dtype == _f64 and A.dtype != _f64:
            core.fail(f"{name} returned {A.dtype.name}: the docstring asks for a float64 result for a float64 Z, "
                      f"computed in float64; a {A.dtype.name} step on the way (np.exp(..., dtype=np.{A.dtype.name}), "
                      f".astype(np.{A.dtype.name}), np.{A.dtype.name}(...), an array created with "
                      f"dtype=np.{A.dtype.name}) drops the precision: keep Z's dtype", "sigmoid-loses-float64")
    Z = np.array([[-1000.0, -745.0, -40.0, 0.0], [40.0, 710.0, 745.0, 1000.0]])
    name = name_of(Z) + " with |Z| up to 1000"
    A = core.expect_array(_sigmoid_values(fn, Z.copy(), name, None), name=name, shape=Z.shape)
    _expect_close(A, _sigmoid(Z), name=name, rtol=1e-9, atol=1e-12)
    _sigmoid_float64_precision(lambda z: _sigmoid_values(fn, z, name_of(z), None), name_of)


_SIGMOID_F64_ATOL = 2e-15     # about ten rounding steps of 1.0 in float64: the values are in [0, 1]


def _sigmoid_float64_precision(values, name_of) -> None:
    """The docstring: a float64 Z gives the sigmoid computed in float64, no precision lost -- also in the tails
    (absolute error: the tanh form, which rounds sigmoid(-40) = 4e-18 to 0, is right).  The values above are
    compared at float32 precision; here at float64's.  A result that stays the same for several Z beyond some |Z|
    (three points on each side) is read as a clip of Z, with the bound read back from the value."""
    Z = np.array([[-100.0, -40.0, -35.0, -20.0, -3.0, 0.5, 3.0, 20.0, 35.0, 40.0, 100.0]])
    name = name_of(Z) + " at float64 precision"
    A = values(Z.copy())
    if not isinstance(A, np.ndarray) or A.shape != Z.shape or A.dtype != _f64:
        return       # shapes and dtypes are judged above
    E = np.exp(-np.abs(Z))
    want = np.where(Z >= 0, 1.0 / (1.0 + E), E / (1.0 + E))      # exact to rounding in both tails
    err = np.abs(A - want)
    if not (err > _SIGMOID_F64_ATOL).any():
        return
    for side, sign in ((Z[0] < -30, "-"), (Z[0] > 30, "")):
        got = A[0, side]
        if got.size == 3 and np.all(got == got[0]) and np.all(err[0, side] > _SIGMOID_F64_ATOL) and 0 < got[0] < 1:
            c = abs(float(np.log(got[0] / (1.0 - got[0]))))
            bound = f"{c:.0f}" if abs(c - round(c)) < 1e-3 else f"{c:.4g}"
            z = 40.0 if sign == "" else -40.0
            i = int(np.flatnonzero(Z[0] == z)[0])
            core.fail(f"{name}: your sigmoid gives the same value {float(got[0])!r} at Z = "
                      f"{', '.join(f'{v:g}' for v in Z[0, side])}, which is sigmoid({sign}{bound}): Z is clipped at "
                      f"+-{bound} before the exp (np.clip(Z, -{bound}, {bound})?), so every |Z| above {bound} gets the "
                      f"value at the bound: sigmoid({z:g}) is {float(want[0, i])!r} in float64, yours "
                      f"{float(A[0, i])!r}. The docstring asks for float64 precision: the stable form E = exp(-|Z|) "
                      f"needs no clip (a clip far out, at +-500, changes nothing)", "sigmoid-clipped-tails")
    _name_rounded(A, want, name)
    i = int(np.argmax(err[0]))
    z, a, w = Z[0, i], float(A[0, i]), float(want[0, i])
    step = " (about float32 precision: a float32 step on the way?)" if err[0, i] > 1e-10 and abs(z) < 30 else ""
    core.fail(f"{name}: sigmoid({z:g}) is {a!r}, the float64 value is {w!r}: an error of {err[0, i]:.2g}, more than "
              f"float64 rounding{step}. The docstring asks for the result computed in float64 with no precision "
              f"lost, also for large |Z|", "sigmoid-not-float64-precise")


def activation_forward(fn, sigmoid=None) -> None:
    """A = g(Z) for the three activations, cache = Z; and the helper sigmoid (stable for |Z| = 1000)."""
    if sigmoid is not None:
        _check_sigmoid(sigmoid, lambda Z: f"sigmoid(Z {Z.shape}, {Z.dtype.name})")
    gen = core.rng("lab04.activation_forward")
    for kind in ACTIVATIONS:
        for shape, dtype in [((4, 3), _f64), ((1, 5), _f64), ((7, 2), _f64), ((6, 5), np.float32)]:
            Z = (2.0 * gen.standard_normal(shape)).astype(dtype)
            name = f"activation_forward(Z {shape}, {kind!r}, {np.dtype(dtype).name})"
            out = _tuple(_call(fn, Z, kind, name=name), 2, name, "(A, activation_cache)")
            if kind != "relu" and _same(out[0], Z) and _near(out[1], _act(Z.astype(_f64), kind)):
                core.fail(f"{name} returned (Z, A): return (A, activation_cache) in that order", "return-order")
            A = out[0]
            if kind == "relu" and isinstance(A, np.ndarray) and A.shape in ((shape[1],), (1, shape[1])) \
                    and A.shape != shape:
                core.fail(f"{name}: A has shape {A.shape} instead of {shape}: np.max(Z, 0) is a reduction "
                          f"(the largest value of each column); the elementwise max(Z, 0) is np.maximum(Z, 0)",
                          "relu-np-max-reduction")
            A = core.expect_array(A, name=f"{name}: A", shape=shape)
            want = _act(Z.astype(_f64), kind)
            try:
                _check_activation_values(A, want, Z, kind, name)
            except core.CheckFailure as exc:
                if exc.diagnosis in _BATCH_DIFFERENCES:
                    _rows_depend_on_batch(lambda z: fn(z, kind)[0], Z, name, "A")
                if exc.diagnosis not in _GENERIC_DIFFERENCES:
                    raise
                if kind != "relu":
                    _name_sigmoid_form(lambda p: _tuple(_call(fn, p, kind, name=name), 2, name,
                                                        "(A, activation_cache)")[0], kind, Z.dtype, name)
                # which side of 0 is wrong, and the values at readable points (cases.explain_elementwise)
                rt, at = _tol(want)
                said = cases.explain_elementwise(Z, A, want, rtol=rt, atol=at, what="values",
                                                 probe=lambda p: _tuple(_call(fn, p, kind, name=name), 2, name,
                                                                        "(A, activation_cache)")[0],
                                                 oracle=lambda p: _act(p, kind))
                if said:
                    core.fail(f"{name}: A has wrong values: {said}", "wrong-values-explained")
                raise
            cache = core.expect_array(out[1], name=f"{name}: activation_cache", shape=shape, dtype=None)
            if not _same(cache, Z):
                if _near(cache, want):
                    core.fail(f"{name}: the activation cache must hold the pre-activation Z, not A: "
                              f"the backward pass evaluates g'(Z), so g' would be applied to the activation",
                              "cache-holds-a")
                core.fail(f"{name}: the activation cache must be the pre-activation Z", "cache-not-z")
    # Large |Z| must neither overflow nor produce NaN.
    Z = np.array([[-1000.0, -745.0, -40.0, 0.0], [40.0, 710.0, 745.0, 1000.0]])
    name = "activation_forward(Z with |Z| up to 1000, 'sigmoid')"
    out = _tuple(_sigmoid_values(lambda z: fn(z, "sigmoid"), Z.copy(), name, "sigmoid"), 2, name,
                 "(A, activation_cache)")
    A = core.expect_array(out[0], name=f"{name}: A", shape=Z.shape)
    _expect_close(A, _sigmoid(Z), name=f"{name}: A", rtol=1e-9, atol=1e-12)
    _sigmoid_float64_precision(
        lambda z: _tuple(_sigmoid_values(lambda v: fn(v, "sigmoid"), z, name, "sigmoid"), 2, name,
                         "(A, activation_cache)")[0],
        lambda z: f"activation_forward(Z {z.shape}, 'sigmoid', {z.dtype.name})")
    # ReLU is unbounded above: a clip at a bound the standard-normal cases never reach (Z.clip(0, 10)) is wrong
    # there (tanh is not asked to be stable at |Z| = 1000: a formula from exponentials is a correct variant)
    name = "activation_forward(Z with |Z| up to 1000, 'relu')"
    out = _tuple(_call(fn, Z.copy(), "relu", name=name), 2, name, "(A, activation_cache)")
    A = core.expect_array(out[0], name=f"{name}: A", shape=Z.shape)
    want = _act(Z, "relu")
    try:
        _expect_close(A, want, name=f"{name}: A", rtol=1e-9, atol=1e-12)
    except core.CheckFailure as exc:
        if exc.diagnosis not in (*_GENERIC_DIFFERENCES, "per-column-scale", "per-row-scale"):
            raise
        _name_relu_cap(A, Z, want, f"{name}: A")
        raise
    for kind in ACTIVATIONS:
        _results_kept(fn, f"activation_forward(Z (4, 3), {kind!r})", *_two_calls(f"af-{kind}", (4, 3), extra=(kind,)),
                      oracle=lambda Z, k: [_act(Z, k), Z])


def _name_relu_cap(A, Z, want, name) -> None:
    """ReLU right for Z <= 0 and on the standard-normal cases, wrong for large Z > 0: said with the values there
    (the per-column analysis of a 2 x 4 input says nothing); the judge's one-change search may add the fix."""
    A64, pos = np.asarray(A, _f64), Z > 0
    r, a = _tol(want)
    if not pos.any() or not _near(A64[~pos], want[~pos]) or _near(A64[pos], want[pos]):
        return
    vals = A64[pos]
    cap = (f" (the same value {vals[0]:g} everywhere: a cap, such as a clip's upper bound)"
           if np.ptp(vals) <= 1e-9 * max(1.0, float(np.abs(vals).max())) else "")
    raise core.differs(A, want, f"{name} has wrong values: right for Z <= 0, wrong for large Z > 0: at Z = "
                       f"{Z[pos].tolist()} your values are {[float(f'{v:.4g}') for v in vals]} instead of Z itself{cap}: "
                       f"ReLU is max(Z, 0), unbounded above", "relu-wrong-for-large-z", name=name,
                       rtol=max(r, 1e-9), atol=max(a, 1e-12))


#: sigmoid and tanh as a * sigmoid(b * Z + c) + d: tanh(Z) = 2 sigmoid(2Z) - 1.
_SIGMOID_FORMS = {"sigmoid": (1.0, 1.0, 0.0, 0.0), "tanh": (2.0, 2.0, 0.0, -1.0)}


def _name_sigmoid_form(probe, kind, dtype, name) -> None:
    """sigmoid and tanh are both a * sigmoid(b * Z + c) + d. The student's activation is asked on 13 points of
    [-3, 3]; when its values fit such a form EXACTLY (4 numbers on 13 points) with other numbers than the
    documented ones, the fitted form is said, with the property it breaks (tanh is odd: tanh(0) = 0)."""
    z = np.linspace(-3.0, 3.0, 13).reshape(-1, 1)
    try:
        got = np.asarray(probe(z.astype(dtype)), dtype=_f64).reshape(-1)
    except (core.CheckFailure, TypeError, ValueError):
        return
    if got.shape != (13,) or not np.all(np.isfinite(got)):
        return
    rtol = 1e-5 if dtype == np.float32 else 1e-9
    for b in (1.0, 2.0, -1.0, -2.0, 0.5, -0.5):
        for c in (0.0, -1.0, 1.0, -2.0, 2.0, -0.5, 0.5):
            basis = np.stack([_sigmoid(b * z.ravel() + c), np.ones(13)], axis=1)
            (a, d), *_ = np.linalg.lstsq(basis, got, rcond=None)
            a, d = (float(round(v * 4) / 4) if abs(v * 4 - round(v * 4)) < 1e-6 else float(v) for v in (a, d))
            if abs(a) < 1e-9 or not core.close(got, basis @ [a, d], rtol, 1e-9):
                continue
            if (a, b, c, d) == _SIGMOID_FORMS[kind]:
                return
            def num(v):
                return f"{v:g}"
            inner = f"{num(b)} * Z" + (f" {'+' if c > 0 else '-'} {num(abs(c))}" if c else "")
            form = f"{num(a)} * sigmoid({inner})" + (f" {'+' if d > 0 else '-'} {num(abs(d))}" if d else "")
            A0 = float(got[6])
            said = ("tanh(Z) = 2 * sigmoid(2 * Z) - 1 (odd: tanh(0) = 0, tanh(-Z) = -tanh(Z), values in (-1, 1))"
                    if kind == "tanh" else "sigmoid(Z) = 1 / (1 + exp(-Z)) (sigmoid(0) = 0.5, values in (0, 1))")
            core.fail(f"{name}: your A is {form} at every one of 13 points Z in [-3, 3] (A(0) = {A0:.4g}, A(3) = "
                      f"{got[-1]:.4g}, A(-3) = {got[0]:.4g}); {said}: look at the brackets and the constants of "
                      f"your formula", "activation-sigmoid-form")


def _check_activation_values(A, want, Z, kind, name):
    """The catalogued mistakes of activation_forward (else core.analyse_difference)."""
    _expect_close(A, want, name=f"{name}: A", rtol=1e-9, atol=1e-12, diagnose={
        "A is sigmoid(-Z) = 1 - sigmoid(Z) for every Z: the sign in the exponent is wrong (1 / (1 + exp(Z))), "
        "or the two branches of a stable sigmoid are swapped": 1.0 - _sigmoid(Z),
        "ReLU is max(Z, 0), not |Z|": np.abs(Z.astype(_f64)),
        "ReLU is max(Z, 0), not max(Z, 1)": np.maximum(Z.astype(_f64), 1.0),
        f"the activation {kind!r} is ignored: the sigmoid is applied instead": _sigmoid(Z),
        f"the activation {kind!r} is ignored: tanh is applied instead": np.tanh(Z.astype(_f64)),
        f"the activation {kind!r} is ignored: ReLU is applied instead": np.maximum(Z.astype(_f64), 0),
        "the activation returns Z unchanged": Z.astype(_f64),
        "A is np.tan(Z), the trigonometric tangent (its values leave (-1, 1)): the hyperbolic tangent is np.tanh":
            np.tan(Z.astype(_f64)) if kind == "tanh" else None,
    })


def _raises(thunk) -> bool:
    try:
        thunk()
    except Exception:
        return True
    return False


def _call_composite(fn, *args, name, hint, own):
    """Call a function built from others; None when it raises *and* the reference algorithm run on
    the student's own building blocks (``own``, a thunk) raises too: then the error is a building
    block's, already deducted in that block's cell, and this case says nothing about ``fn``.

    Each composite check ends with a network whose sizes are all 1, where a transposed product
    cannot raise; if even that case fails as the building blocks fail, ``fn`` cannot be judged and
    is given the benefit of the doubt rather than a second deduction for one mistake.  A function
    that is not implemented, or fails where its building blocks do not, is never excused.
    """
    try:
        return _call(fn, *args, name=name, hint=hint)
    except core.CheckFailure as exc:
        text = str(exc)
        if own is not None and " raised " in text and "not implemented" not in text and _raises(own):
            return None
        raise


_MODEL_FORWARD_HINT = ("An error in model_forward usually means the parameters of the wrong layer "
                       "(L = len(parameters) // 2 layers, layer l uses W{l} and b{l}, numbered from 1) or the "
                       "wrong input (layer l reads the previous layer's output A_{l-1}, layer 1 reads X)")


def _compose_forward(linear_forward, activation_forward, X, params, hidden):
    """The reference loop of model_forward run on the student's building blocks (raises as they do)."""
    L = len(params) // 2
    A, caches = X, []
    for l in range(1, L + 1):
        Z, lin = linear_forward(A, params[f"W{l}"], params[f"b{l}"])
        A, act = activation_forward(Z, hidden if l < L else "sigmoid")
        caches.append((lin, act))
    return A, caches


def _modifies(fn, *args) -> bool:
    """Does ``fn`` change (values or shape) one of its array arguments, or a dict of arrays, in place?"""
    given = [_copy_params(a) if isinstance(a, dict) else np.array(a, copy=True) if isinstance(a, np.ndarray) else a
             for a in args]
    try:
        core.call(fn, *given, name="probe")
    except core.CheckFailure as exc:
        return "in place" in str(exc)
    except Exception:
        return False
    for a, g in zip(args, given):
        if isinstance(a, dict) and (set(g) != set(a) or not all(
                isinstance(g.get(k), np.ndarray) and g[k].shape == v.shape and np.array_equal(g[k], v)
                for k, v in a.items())):
            return True
    return False


def _blocks_modify_inputs(linear_forward) -> bool:
    """Does the student's linear_forward change its arguments W or b (judged in its own cell)?  Then
    model_forward, which passes the parameters on to it, is not charged for it."""
    if linear_forward is None:
        return False
    gen = core.rng("lab04.blocks-modify")
    A, W, b = (gen.standard_normal(shape) for shape in ((3, 2), (2, 4), (1, 4)))
    return _modifies(linear_forward, A, W, b)


def _forward_modifies_parameters(model_forward) -> bool:
    """Does the student's model_forward change the parameters it is given (judged in its own cell)?"""
    if model_forward is None:
        return False
    gen = core.rng("lab04.forward-modifies")
    return _modifies(model_forward, gen.standard_normal((3, 2)), _random_params(gen, [2, 4, 1]), "tanh")


def _own_model_forward(linear_forward, activation_forward, X, params, hidden):
    """:func:`_compose_forward`, or None when the student's building blocks are missing or fail."""
    if linear_forward is None or activation_forward is None:
        return None
    try:
        return _compose_forward(linear_forward, activation_forward, X, params, hidden)
    except Exception:
        return None


def _forward_matches(out, AL_want, caches_want):
    """Does (AL, caches) match the expected ones (caches as ((A_prev, W, b), Z))?"""
    try:
        AL, caches = out
        if not _near(AL, AL_want, 1e-7, 1e-10) or len(caches) != len(caches_want):
            return False
        for (lin, Z), (lin_w, Z_w) in zip(caches, caches_want):
            if not (_near(lin[0], lin_w[0]) and _near(lin[1], lin_w[1]) and _near(Z, Z_w)):
                return False
        return True
    except (TypeError, ValueError, IndexError, KeyError):
        return False


def _lent_linear_forward(A_prev, W, b):
    """linear_forward as documented (lent when the student's building block warns: _blocks_warn)."""
    return A_prev @ W + b, (A_prev, W, b)


def _lent_activation_forward(Z, activation):
    """activation_forward as documented: A in Z's float dtype, activation_cache = Z."""
    Z = np.asarray(Z)
    return _act(Z, activation).astype(Z.dtype if Z.dtype.kind == "f" else _f64), Z


def _lent_activation_backward(dA, activation_cache, activation):
    """activation_backward as documented: dZ = dA * g'(Z) in dA's float dtype."""
    dA = np.asarray(dA)
    return (dA * _act_grad(np.asarray(activation_cache, _f64), activation)).astype(
        dA.dtype if dA.dtype.kind == "f" else _f64)


def _lent_linear_backward(dZ, linear_cache):
    """linear_backward as documented: (dA_prev, dW, db)."""
    A_prev, W, _b = linear_cache
    return dZ @ W.T, A_prev.T @ dZ, dZ.sum(axis=0, keepdims=True)


_BLOCK_PROBE = np.linspace(-3.0, 3.0, 13).reshape(1, -1)


def _block_warning(name, block, thunk) -> str | None:
    """The NumPy warning the student's building block gives on its own (``thunk`` calls it on probe inputs), if any."""
    if block is None:
        return None
    try:
        with core.numerics(name):
            thunk()
    except core.CheckFailure as exc:
        return str(getattr(exc, "warning", "") or "") or None
    except Exception:
        return None
    return None


def _rejudged_with_blocks(check, fn, exc, blocks) -> bool:
    """``check`` failed on a NumPy warning that one of the student's building blocks gives on its own (``blocks``:
    global name -> (the student's block, a thunk calling it on probe inputs, the reference lent in its place)): that
    mistake is paid in the block's own cell, and ``fn`` is judged again with the documented blocks lent by name in
    place of the student's (core.lent_globals). True when that judgement passes (else it raises its failure);
    False when no block warns so (the caller re-raises ``exc``)."""
    warned = str(getattr(exc, "warning", "") or "")
    if exc.diagnosis != "not-numerically-stable" or not warned:
        return False
    op = warned.rsplit(" ", 1)[-1]          # the operation: 'arctanh' of 'invalid value encountered in arctanh'
    culprits = [n for n, (block, thunk, _) in blocks.items()
                if (_block_warning(n, block, thunk) or "").rsplit(" ", 1)[-1] == op]
    if not culprits:
        return False
    return core.judged_again(check, core.lent_globals(fn, {n: lent for n, (_, _, lent) in blocks.items()}),
                             f"judged with the documented building blocks in place of your {', '.join(culprits)}, "
                             f"which numpy warns about on its own: see its cell")


def model_forward(fn, linear_forward=None, activation_forward=None) -> None:
    """The loop over the layers. A NumPy warning that the student's activation_forward gives on its own (np.arctanh
    for np.tanh...) is judged in that block's cell: model_forward is then judged with the documented blocks lent."""
    try:
        _model_forward(fn, linear_forward, activation_forward)
    except core.CheckFailure as exc:
        kept = _blocks_keeping_buffers({"linear_forward": linear_forward, "activation_forward": activation_forward})
        if kept and core.judged_again(lambda: _model_forward(fn, None, None), core.lent_globals(
                fn, {"linear_forward": _lent_linear_forward, "activation_forward": _lent_activation_forward}),
                f"judged with the documented blocks in place of your {' and '.join(kept)}, which overwrites what an "
                f"earlier call returned (see its own cell)"):
            return
        if not _rejudged_with_blocks(lambda: _model_forward(fn, None, None), fn, exc, {
            "activation_forward": (activation_forward, lambda: [activation_forward(_BLOCK_PROBE.copy(), k)
                                                                for k in ACTIVATIONS], _lent_activation_forward),
            "linear_forward": (linear_forward, lambda: linear_forward(_BLOCK_PROBE.T.copy(), _BLOCK_PROBE.copy(),
                                                                      _BLOCK_PROBE.copy()), _lent_linear_forward)}):
            raise


def _name_transposed_input(run, exc, name, labels=False) -> None:
    """A network function that raised on X (m, n_0) with samples as rows: asked with X.T on two networks of
    other, pairwise different sizes (m, n_0, hidden width), it returns the right output for X on both: X is
    transposed inside (the columns-are-samples convention, A = X.T)."""
    gen = core.rng("lab04.transposed-input")
    for dims, m in (([3, 5, 1], 7), ([4, 2, 6, 1], 9)):
        params = _random_params(gen, dims, scale=1.5)
        X = gen.standard_normal((m, dims[0]))
        AL = _forward(X, params, "tanh")[-1][4]
        want = (AL > 0.5).astype(_f64) if labels else AL
        try:
            with np.errstate(all="ignore"):
                got = np.asarray(run(X.T.copy(), _copy_params(params), "tanh"), dtype=_f64)
        except Exception:
            return
        if got.shape != want.shape or not _near(got, want):
            return
    what = "the labels" if labels else "AL"
    core.fail(f"{str(exc).split('. ', 1)[0]}. Given X.T instead (n_0 rows, m columns) it returns {what} of X exactly "
              f"(asked on two networks, X (7, 3) and X (9, 4)): X arrives transposed inside, as in the "
              f"columns-are-samples convention (A = X.T?). Here samples are rows: X is (m, n_0) and layer 1 reads "
              f"X itself, A_0 = X", "input-transposed")


def _caches_grow(fn, X, params, hidden, L, name, got_len) -> None:
    """After a caches list of the wrong length: two more calls on the same inputs; a list that grows by L entries at
    every call keeps the entries of earlier calls (a list made once: a default argument caches=[], or a list at
    module level)."""
    lengths = []
    for _ in range(2):
        try:
            with np.errstate(all="ignore"):
                out = fn(X.copy(), _copy_params(params), hidden)
            lengths.append(len(out[1]))
        except Exception:
            return
    if got_len > L and lengths[0] - got_len == L and lengths[1] - lengths[0] == L:
        core.fail(f"{name}: caches has {got_len} entries, and {lengths[0]}, then {lengths[1]} on the next calls with "
                  f"the same inputs: it grows by L = {L} at every call, so it keeps the previous call's entries: the "
                  f"list is made once, outside the call (a default argument caches=[] or a module-level list), not "
                  f"anew in every call; start with caches = [] inside model_forward", "caches-kept-between-calls")


def _model_forward(fn, linear_forward=None, activation_forward=None) -> None:
    gen = core.rng("lab04.model_forward")
    # The last network has every size 1: there a transposed product in a building block cannot
    # raise, so model_forward's own loop can be judged whatever those blocks do.
    first = None             # the first case, asked again when a later one fails (state kept between calls)
    for dims, m, hidden, dtype in [([3, 4, 4, 1], 5, "relu", _f64), ([2, 5, 3, 1], 1, "tanh", _f64),
                                   ([4, 3, 1], 7, "sigmoid", _f64), ([3, 1], 4, "relu", _f64),
                                   ([5, 6, 2, 1], 3, "tanh", np.float32), ([1, 1, 1], 1, "tanh", _f64)]:
        params = _random_params(gen, dims, scale=1.5, dtype=dtype)
        X = gen.standard_normal((m, dims[0])).astype(dtype)
        L = len(dims) - 1
        name = f"model_forward(X {X.shape}, layers {dims}, {hidden!r}, {np.dtype(dtype).name})"
        given = _copy_params(params)
        own_thunk = (None if linear_forward is None or activation_forward is None else
                     lambda: _compose_forward(linear_forward, activation_forward, X, _copy_params(params), hidden))
        try:
            out = _call_composite(fn, X, given, hidden, name=name, hint=_MODEL_FORWARD_HINT, own=own_thunk)
        except core.CheckFailure as exc:
            _first_case_again(fn, first, "model_forward")
            if " raised " in str(exc) and "not implemented" not in str(exc):
                _name_transposed_input(lambda x, p, h: _tuple(fn(x, p, h), 2, name, "(AL, caches)")[0], exc, name)
                _every_layer_reads_x(fn, hidden, str(exc).split(". " + _MODEL_FORWARD_HINT)[0])
            raise _noted_function_state(exc, fn, "model_forward") from None
        if out is None:
            continue
        out = _tuple(out, 2, name, "(AL, caches)",
                     kinds=(("AL", lambda v: isinstance(v, np.ndarray)), ("caches", lambda v: isinstance(v, (list, tuple)))))
        if not _blocks_modify_inputs(linear_forward):   # else their cells pay for it
            _unchanged(params, given, name, "parameters")
        layers = _forward(X, params, hidden)
        want_caches = [((A_prev, W, b), Z) for A_prev, W, b, Z, _ in layers]
        if _forward_matches(out, layers[-1][4], want_caches):
            if first is None:
                first = (name, (X, _copy_params(params), hidden), np.array(out[0]), lambda o, r: isinstance(
                    o, tuple) and len(o) == 2 and isinstance(o[0], np.ndarray) and _same(o[0], r))
            continue
        if isinstance(out[0], (list, tuple)) and isinstance(out[1], np.ndarray):
            core.fail(f"{name} returned (caches, AL): return (AL, caches) in that order", "return-order")
        own = _own_model_forward(linear_forward, activation_forward, X, _copy_params(params), hidden)
        if own is not None and _forward_matches(out, own[0], own[1]):
            continue      # right loop on a wrong building block: that block's own cell pays for it
        if L > 1 and dims[-2] != 1 and isinstance(out[0], np.ndarray) and out[0].shape == (m, dims[-2]) \
                and _near(out[0], layers[-2][4]):           # confirmed: AL is layer L-1's output
            short = isinstance(out[1], (list, tuple)) and len(out[1]) == L - 1
            core.fail(f"{name}: AL has the shape {out[0].shape} of layer {L - 1}'s output"
                      + (f" and caches has {L - 1} entries" if short else "")
                      + f": the output layer {L} (W{L}, b{L}, sigmoid) is never applied; with L = len(parameters) // 2 "
                        f"= {L} layers, loop over l = 1, ..., L (range(1, L + 1))", "output-layer-missing")
        if np.shape(out[0]) != (m, 1):
            _which_parameter(fn, X, params, hidden, name)
        AL = core.expect_array(out[0], name=f"{name}: AL", shape=(m, 1))
        _name_transformed_input(out, X, params, hidden, name)
        _name_layer_activation(out, L, hidden, name, flipped=lambda: _output_flipped(fn, X, params, hidden))
        ZL = layers[-1][3]
        try:
            _expect_close(AL, layers[-1][4], name=f"{name}: AL", rtol=1e-7, atol=1e-10, diagnose={
                "the output layer must use the sigmoid, not the hidden activation": _act(ZL, hidden),
                "the hidden layers must use hidden_activation (only the output layer is a sigmoid)":
                    _forward(X, params, "sigmoid")[-1][4],
                "AL must be the output activation sigmoid(Z_L), not the pre-activation Z_L": ZL,
            })
        except core.CheckFailure as exc:
            if exc.diagnosis in _BATCH_DIFFERENCES:
                try:
                    cached = out[1][0][0][0]
                except (TypeError, IndexError, KeyError):
                    cached = None
                _rows_depend_on_batch(lambda x: fn(x, _copy_params(params), hidden)[0], X, name, "AL", cached)
            if exc.diagnosis in _GENERIC_DIFFERENCES:
                _which_parameter(fn, X, params, hidden, name)
            _first_case_again(fn, first, "model_forward")
            raise _noted_function_state(exc, fn, "model_forward") from None
        caches = out[1]
        if isinstance(caches, (list, tuple)) and len(caches) > L:
            _caches_grow(fn, X, params, hidden, L, name, len(caches))
        _first_case_again(fn, first, "model_forward")
        if not isinstance(caches, (list, tuple)) or len(caches) != L:
            core.fail(f"{name}: caches must be a list with one entry per layer ({L}), got "
                      f"{core.describe(caches)}" + (f" of length {len(caches)}" if isinstance(caches, (list, tuple))
                                                    else ""), "caches-length")
        if L > 1 and _forward_matches((layers[-1][4], list(caches)[::-1]), layers[-1][4], want_caches):
            core.fail(f"{name}: caches are in reverse order: caches[l-1] must belong to layer l (caches[0] to the "
                      f"first layer): append each layer's cache, do not insert it at the front",
                      "caches-reversed")
        for l in range(1, L + 1):
            A_prev, W, _b, Z, A = layers[l - 1]
            entry = _tuple(caches[l - 1], 2, f"{name}: caches[{l - 1}]", "(linear_cache, activation_cache)")
            lin = _tuple(entry[0], 3, f"{name}: caches[{l - 1}][0]", "the linear cache (A_prev, W, b)")
            got_A = core.expect_array(lin[0], name=f"{name}: caches[{l - 1}] A_prev", dtype=None)
            if not _near(got_A, A_prev):
                hint = (" (it holds this layer's output A: caches from the wrong layer)"
                        if _near(got_A, A) else "")
                core.fail(f"{name}: caches[{l - 1}] must hold layer {l}'s input A_{l - 1}{hint}", "cache-a-prev")
            if not _near(core.expect_array(lin[1], name=f"{name}: caches[{l - 1}] W", dtype=None), W, 0, 0):
                core.fail(f"{name}: caches[{l - 1}] must hold W{l} (caches from the wrong layer?)", "cache-w")
            got_Z = core.expect_array(entry[1], name=f"{name}: caches[{l - 1}] Z", dtype=None)
            if not _near(got_Z, Z):
                hint = " (it holds A: cache the pre-activation Z)" if _near(got_Z, A) else ""
                core.fail(f"{name}: caches[{l - 1}][1] must be layer {l}'s pre-activation Z_{l}{hint}", "cache-z")
        core.fail(f"{name}: the output and caches differ from the forward pass of the network "
                  f"(layer l: Z_l = A_(l-1) @ W_l + b_l, A_l = g(Z_l))", "forward-differs")
    _deep_forward(fn, linear_forward, activation_forward)
    X = gen.standard_normal((4, 3))
    params = _random_params(gen, [3, 5, 1], scale=1.5)
    _documented_default(lambda *a: fn(X, _copy_params(params), *a)[0], "model_forward(X, parameters)",
                        "hidden_activation", "relu", ACTIVATIONS)


#: A network of 11 layers of pairwise different widths: layer numbers of two digits (W10, W11).
_DEEP_DIMS = [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 2, 1]


def _string_order(L: int) -> list:
    """Layer numbers in the order of their sorted key strings: W1, W10, W11, W2, ..., W9."""
    return [int(k[1:]) for k in sorted(f"W{l}" for l in range(1, L + 1))]


def _forward_in_order(X, params, hidden, order):
    A = np.asarray(X, dtype=_f64)
    for i, l in enumerate(order):
        A = _act(_affine(A, params[f"W{l}"], params[f"b{l}"]), hidden if i < len(order) - 1 else "sigmoid")
    return A


def _visits_string_order(run) -> bool:
    """Confirmed on two square networks (11 layers of width 3, 12 layers of width 2, where every order of the
    layers fits): the student's output is that of the layers taken in the sorted order of their key strings."""
    gen = core.rng("lab04.string-order")
    for L, width, m in ((11, 3, 4), (12, 2, 3)):
        params = _random_params(gen, [width] * (L + 1), scale=1.5)
        X = gen.standard_normal((m, width))
        try:
            got = np.asarray(run(X.copy(), _copy_params(params)), dtype=_f64)
        except Exception:
            return False
        right = _forward_in_order(X, params, "relu", list(range(1, L + 1)))
        if got.shape != right.shape or _near(got, right, 1e-7, 1e-10) \
                or not _near(got, _forward_in_order(X, params, "relu", _string_order(L)), 1e-7, 1e-10):
            return False
    return True


_STRING_ORDER = ("the layers are visited in the sorted order of their key strings (W1, W10, W11, W2, ..., W9: a "
                 "string sort puts W10 before W2), not by number: loop over l = 1, ..., L and read "
                 "parameters[f\"W{l}\"], parameters[f\"b{l}\"] (right only below 10 layers)")


def _deep_forward(fn, linear_forward, activation_forward) -> None:
    """model_forward on a network of 11 layers of pairwise different widths (layer numbers of two digits): the
    small networks above never show a loop that visits the layers in another order than 1, 2, ..., L."""
    gen = core.rng("lab04.model_forward-deep")
    dims, m = _DEEP_DIMS, 5
    L = len(dims) - 1
    params = _random_params(gen, dims, scale=1.5)
    X = gen.standard_normal((m, dims[0]))
    name = f"model_forward(X {X.shape}, {L} layers {dims}, 'relu', float64)"
    layers = _forward(X, params, "relu")
    want_caches = [((A_prev, W, b), Z) for A_prev, W, b, Z, _ in layers]
    try:
        out = fn(X.copy(), _copy_params(params), "relu")
        problem = None if _forward_matches(out, layers[-1][4], want_caches) else "gives a wrong AL or caches"
    except Exception as exc:        # the student's code may raise anything
        problem = f"raised {type(exc).__name__}: {exc}"
    if problem is None:
        return
    own = _own_model_forward(linear_forward, activation_forward, X, _copy_params(params), "relu")
    if own is not None and problem.startswith("gives") and _forward_matches(out, own[0], own[1]):
        return       # right loop on a wrong building block: that block's own cell pays for it
    if own is None and linear_forward is not None and activation_forward is not None:
        return       # the student's building blocks fail on this network: their own cells pay for it
    if _visits_string_order(lambda x, p: fn(x, p, "relu")[0]):
        core.fail(f"{name} {problem}: {_STRING_ORDER} (confirmed on square networks of 11 and 12 layers)",
                  "layers-in-string-order")
    core.fail(f"{name} {problem}, while the networks of up to 3 layers above are right: look at what changes with "
              f"more layers (layer numbers of two digits, W10 and W11: the layers must be visited in the order "
              f"1, 2, ..., L)", "deep-network-differs")


def _every_layer_reads_x(fn, hidden, head: str) -> None:
    """model_forward raised: on a network of width 1 (layers [1, 1, 1, 1], where every shape fits) read the A_prev
    each layer cached.  When every layer's is X itself, the loop never passes a layer's output on (X given to
    linear_forward, or activation_forward's A stored under another name than the one linear_forward reads)."""
    gen = core.rng("lab04.model_forward.reads-x")
    dims = [1, 1, 1, 1]
    params, X = _random_params(gen, dims, scale=1.5), gen.standard_normal((3, 1))
    try:
        _, caches = fn(X.copy(), _copy_params(params), hidden)
        inputs = [np.asarray(entry[0][0], dtype=_f64) for entry in caches]
    except Exception:
        return
    if len(inputs) != 3 or not all(a.shape == X.shape and _near(a, X) for a in inputs):
        return
    core.fail(f"{head}. On a network of width 1 (layers {dims}, where every shape fits) every layer's cached input "
              f"A_prev is X itself: your loop never hands a layer's output on; each layer must read the previous "
              f"layer's output A_(l-1), not X (linear_forward given X, or the A that activation_forward returns "
              f"stored under another name than the one linear_forward reads: A, activation_cache = "
              f"activation_forward(Z, ...) updates the variable the next layer reads)",
              "every-layer-reads-x")


def _name_transformed_input(out, X, params, hidden, name) -> None:
    """Property in plain words: layer 1 reads X itself (A_0 = X).  A wrong AL that is exactly the network's output
    on g(X), X passed through an activation first, is named, confirmed by the A_prev layer 1 cached when the caches
    can be read (an activation applied to the input before the loop: A = g(X) where A = X belongs)."""
    X64 = np.asarray(X, dtype=_f64)
    want = _forward(X64, params, hidden)[-1][4]
    AL = np.asarray(out[0], dtype=_f64)
    for kind in dict.fromkeys((hidden, *ACTIVATIONS)):
        gX = _act(X64, kind)
        if _near(gX, X64, 1e-9, 1e-12) or not _near(AL, _forward(gX, params, hidden)[-1][4], 1e-7, 1e-10) \
                or _near(AL, want, 1e-7, 1e-10):
            continue
        try:
            first = np.asarray(out[1][0][0][0], dtype=_f64)
        except (TypeError, ValueError, IndexError, KeyError):
            first = None
        if first is not None and first.shape == X64.shape and not _near(first, gX):
            continue                 # the cache says layer 1 read something else: a coincidence of AL
        core.fail(f"{name}: AL is the network's output on {kind}(X), not on X"
                  + (f" (layer 1 cached A_prev = {kind}(X))" if first is not None and first.shape == X64.shape else "")
                  + f": your loop applies the {kind!r} activation to the input before the first layer; the input "
                    f"enters layer 1 as it is, A_0 = X (A = X before the loop), and each layer applies its activation "
                    f"to its own Z_l = A_(l-1) @ W_l + b_l after the linear step", "activation-on-input")


def _rows_depend_on_batch(run, X, name, what, cached_input=None) -> None:
    """Property of every per-sample function (model_forward, predict): sample i's result depends on row i of X alone,
    so the row a function gives for X[i] inside the batch equals what it gives on X[i:i + 1] alone, and on the
    batch with its rows in reverse order.  Asked after a wrong result only; named when a row differs between those
    calls (the function computes a statistic of the batch: a mean, a std, a max).  ``cached_input``: what
    layer 1 cached as A_prev, checked against X standardised with the batch's mean and std."""
    X = np.asarray(X)
    m = X.shape[0]
    if m < 2:
        return
    try:
        with np.errstate(all="ignore"):
            full = np.asarray(run(X.copy()), dtype=_f64)
            flipped = np.asarray(run(X[::-1].copy()), dtype=_f64)[::-1]
            alone = [np.asarray(run(X[i:i + 1].copy()), dtype=_f64) for i in range(min(m, 3))]
    except Exception:
        return
    if full.shape[:1] != (m,) or flipped.shape != full.shape or any(a.shape != (1, *full.shape[1:]) for a in alone):
        return
    # a row computed alone may take another kernel (BLAS, SIMD tail): a few ulps apart, not a dependence
    tol = dict(rtol=1e-4, atol=1e-6) if X.dtype == np.float32 else dict(rtol=1e-7, atol=1e-10)
    bad = [i for i, a in enumerate(alone) if not np.allclose(a[0], full[i], equal_nan=True, **tol)]
    reordered = not np.allclose(flipped, full, equal_nan=True, **tol)
    if not bad and not reordered:
        return
    def first_diff(a, b) -> int:
        return int(np.flatnonzero(~np.isclose(a.ravel(), b.ravel(), equal_nan=True, **tol))[0])

    if bad:
        i = bad[0]
        k = first_diff(full[i], alone[i][0])
        at = f"[{i}, {k}]" if full.ndim == 2 else f"[{i}]"
        how = (f"for sample {i}, your {what}{at} computed on the whole batch {X.shape} is {full[i].ravel()[k]:.4g}, "
               f"but on row {i} alone (shape {(1, *X.shape[1:])}) it is {alone[i][0].ravel()[k]:.4g}")
    else:
        j = int(np.flatnonzero(~np.isclose(flipped, full, equal_nan=True, **tol).reshape(m, -1).all(axis=1))[0])
        k = first_diff(full[j], flipped[j])
        how = (f"for sample {j}, your {what} changes when the other rows of the batch are reordered "
               f"({full[j].ravel()[k]:.4g}, then {flipped[j].ravel()[k]:.4g})")
    standard = ""
    if cached_input is not None:
        X64 = X.astype(_f64)
        try:
            first = np.asarray(cached_input, dtype=_f64)
        except (TypeError, ValueError):
            first = None
        if first is not None and first.shape == X64.shape:
            with np.errstate(all="ignore"):
                for label, z in (("standardised with the batch's mean and std", (X64 - X64.mean(axis=0)) /
                                  X64.std(axis=0)),
                                 ("centred on the batch's mean", X64 - X64.mean(axis=0))):
                    if _near(first, z, 1e-5, 1e-6):
                        standard = (f" (confirmed by layer 1's cache: the A_prev it read is X {label}, not X; the "
                                    f"input enters layer 1 as it is, A_0 = X)")
                        break
    core.fail(f"{name}: your output depends on the other rows of the batch: {how}{standard}. Each sample's output "
              f"must depend on its own row alone: no statistic of the batch (a mean, std, max or normalisation over "
              f"axis 0) in the forward pass", "depends-on-other-rows")


def _which_parameter(fn, X, params, hidden, name) -> None:
    """Which parameter a wrong AL comes from (isolate.explain_arguments over W1, b1, ..., WL, bL: one switched
    off or moved at a time): a layer reading another layer's bias, a parameter never used.  A parameter is called
    unused only when, on three other inputs and parameters, changing it does not change AL either (on one input a
    dead ReLU layer can hide a parameter that the code does use)."""
    keys = list(params)
    said = explain_arguments(lambda *v: fn(X, dict(zip(keys, v)), hidden)[0],
                             lambda *v: _forward(X, dict(zip(keys, v)), hidden)[-1][4],
                             {k: params[k] for k in keys}, rtol=1e-5, atol=1e-7, tag="lab04.model_forward")
    # only what perturbing says (a parameter ignored, or read where it does not belong): switching a layer's W
    # off cuts every layer below it, so "right when W_l = 0" would blame a layer for a mistake upstream of it
    if said and said[1].startswith("input-unused-") and _used_elsewhere(fn, X, params, hidden, said[1]):
        return
    if said and said[1].startswith(("input-unused-", "input-spurious-")):
        core.fail(f"{name}: AL is wrong: {said[0]} (each layer l uses its own W_l and b_l)", said[1])


def _used_elsewhere(fn, X, params, hidden, diagnosis: str) -> bool:
    """Does the student's AL move with a parameter called unused (``input-unused-W1-b2``), on other inputs?"""
    keys = [k for k in diagnosis.removeprefix("input-unused-").split("-") if k in params]
    gen = core.rng("lab04.model_forward.used")
    dims = [X.shape[1]] + [np.shape(params[f"W{l}"])[1] for l in range(1, len(params) // 2 + 1)]
    for _ in range(3):
        other = _random_params(gen, dims, scale=1.5, dtype=np.asarray(X).dtype)
        X2 = gen.standard_normal(np.shape(X)).astype(np.asarray(X).dtype)
        for k in keys:
            moved = dict(_copy_params(other), **{k: other[k] + gen.standard_normal(np.shape(other[k]))})
            try:
                a = np.asarray(fn(X2.copy(), _copy_params(other), hidden)[0], dtype=_f64)
                b = np.asarray(fn(X2.copy(), moved, hidden)[0], dtype=_f64)
            except Exception:
                return False
            if a.shape == b.shape and not np.allclose(a, b, rtol=1e-6, atol=1e-9):
                return True
    return False


def _default_probe(seed: str):
    """(X, parameters) of a network [3, 4, 1] on 5 samples whose labels (AL > 0.5) differ between every two hidden
    activations: a call without hidden_activation then says which one it uses."""
    gen = core.rng(seed)
    while True:
        params = _random_params(gen, [3, 4, 1], scale=2.0)
        X = gen.standard_normal((5, 3))
        labels = [(_forward(X, params, k)[-1][4] > 0.5).ravel().tolist() for k in ACTIVATIONS]
        if len({tuple(v) for v in labels}) == len(labels):
            return X, params


def _documented_default(run, call_text: str, arg: str, default: str, choices) -> None:
    """Property: a call without ``arg`` behaves as the docstring's default (compared with the student's own
    function called with ``arg=default``, then with each other documented choice to say which one it uses)."""
    try:
        got, want = run(), run(default)
    except Exception:
        return                       # a failing call is judged where the argument is given explicitly
    if _same_result(got, want):
        return
    used = next((c for c in choices if c != default and _same_result(got, _safe(run, c))), None)
    core.fail(f"{call_text} without {arg} must behave as {arg}={default!r}, the documented default"
              + (f"; yours behaves as {arg}={used!r}: the default value in the def line was changed"
                 if used else ": the default value in the def line, or the code that reads it, is wrong"),
              "wrong-default")


def _safe(run, *args):
    try:
        return run(*args)
    except Exception:
        return None


def _same_result(a, b) -> bool:
    """Two results of a student's function are the same (arrays, or dicts of arrays)."""
    if a is None or b is None:
        return False
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same_result(a[k], b[k]) for k in a)
    try:
        x, y = np.asarray(a, dtype=_f64), np.asarray(b, dtype=_f64)
    except (TypeError, ValueError):
        return False
    return x.shape == y.shape and bool(np.array_equal(x, y, equal_nan=True))


def _output_flipped(fn, X, params, hidden):
    """The student's AL and the expected Z_L with the output layer's W_L and b_L negated (Z_L changes sign): a
    second input that separates 'no activation at the output' from an activation that is the identity on the
    first input's Z_L (ReLU on Z_L >= 0)."""
    L = len(params) // 2
    flipped = _copy_params(params)
    flipped[f"W{L}"], flipped[f"b{L}"] = -flipped[f"W{L}"], -flipped[f"b{L}"]
    try:
        with np.errstate(all="ignore"):
            AL = np.asarray(fn(X.copy(), _copy_params(flipped), hidden)[0], _f64)
    except Exception:
        return None
    return AL, _forward(X, flipped, hidden)[-1][3]


def _name_layer_activation(out, L, hidden, name, flipped=None):
    """Property in plain words, read from the student's own caches: layer l's output is g_l(Z_l) of its own
    Z_l, with g_l = hidden_activation below L and the sigmoid at L; name the first layer that applied another
    function (a layer-index condition off by one, the activations mixed up)."""
    try:
        caches = list(out[1])
        Zs = [np.asarray(c[1], _f64) for c in caches]
        outputs = [np.asarray(c[0][0], _f64) for c in caches[1:]] + [np.asarray(out[0], _f64)]
        # only caches that are what they claim: Z_l = A_(l-1) @ W_l + b_l of their own linear cache
        if len(Zs) != L or not all(_near(Z, _affine(*c[0][:3])) for Z, c in zip(Zs, caches)):
            return
    except Exception:
        return
    if any(z.shape != a.shape for z, a in zip(Zs, outputs)):
        return
    for l, (Z, A) in enumerate(zip(Zs, outputs), start=1):
        want = hidden if l < L else "sigmoid"
        if _near(A, _act(Z, want)):
            continue
        used = next((k for k in ACTIVATIONS if k != want and _near(A, _act(Z, k))), None)
        if l == L and _near(A, Z):
            also = ""
            if used:      # the identity and `used` agree on this Z_L: asked again with Z_L of the other sign
                second = flipped() if flipped is not None else None
                if second is None or second[0].shape != second[1].shape:
                    also = f" (here every entry of Z_{L} is >= 0, where {used}(Z_{L}) = Z_{L} too)"
                elif not _near(second[0], second[1]):
                    also = None
                else:
                    also = f" (also with W_{L} and b_{L} negated, where Z_{L} has negative entries)"
        if l == L and _near(A, Z) and also is not None:
            core.fail(f"{name}: the AL you return equals Z_{L}, the output layer's pre-activation (the logits): no "
                      f"activation was applied to it{also}; AL = sigmoid(Z_{L}), the output of activation_forward "
                      f"with 'sigmoid' (return A, not Z)", "output-returns-z")
        if used is None and l < L and _near(A, Z):
            core.fail(f"{name}: layer {l + 1} is fed layer {l}'s pre-activation Z_{l} (its cached A_prev equals Z_{l}) "
                      f"instead of the activation A_{l} = {hidden}(Z_{l}): pass A, the output of activation_forward, "
                      f"to the next layer", "hidden-passes-z")
        if used is None:
            _name_stacked_activations(A, Z, l, L, want, hidden, name)
            return
        if l == L:
            core.fail(f"{name}: layer {L} (the output layer) applied {used} to its Z_{L}: the output layer must use "
                      f"the sigmoid, not the hidden activation", "output-activation")
        before = "layer 1 is" if l == 2 else f"layers 1..{l - 1} are"
        edge = (f" ({before} right: is the condition on the layer index off by one, l < L - 1 instead "
                f"of l < L?)" if l == L - 1 and l > 1 else "")
        core.fail(f"{name}: layer {l} (a hidden layer) applied {used} to its Z_{l}: the hidden layers must use "
                  f"hidden_activation = {hidden!r}, only the output layer {L} the sigmoid{edge}", "hidden-activation")


def _name_stacked_activations(A, Z, l, L, want, hidden, name) -> None:
    """Layer l's output is one activation applied on top of another, outer(inner(Z_l)) (an activation applied
    twice, or the output sigmoid added after the hidden activation), named with the two functions."""
    for inner in ACTIVATIONS:
        for outer in ACTIVATIONS:
            if _near(A, _act(_act(Z, inner), outer)) and not _near(A, _act(Z, want)):
                which = "the output layer" if l == L else "a hidden layer"
                right = "the sigmoid alone" if l == L else f"hidden_activation = {hidden!r} once"
                twice = " (the activation is applied twice)" if inner == outer else ""
                core.fail(f"{name}: layer {l} ({which}) computes {outer}({inner}(Z_{l})){twice}: it must apply "
                          f"{right} to Z_{l}, A_{l} = {want}(Z_{l}); one activation_forward per layer, with "
                          f"the activation that layer uses", "stacked-activations")


def _bce_case(fn, AL, Y):
    """One case of binary_cross_entropy: the value against the mean BCE, naming known mistakes."""
    m = AL.shape[0]
    name = f"binary_cross_entropy(AL {AL.shape}, Y {Y.shape}, {AL.dtype.name})"
    try:
        got = _call(fn, AL, Y, name=name, want=lambda: _bce(AL.astype(_f64), Y.astype(_f64)))
    except core.CheckFailure as exc:
        if exc.diagnosis == "not-numerically-stable" and "invalid value encountered in log" in str(exc):
            core.fail(f"{name}: numpy warned 'invalid value encountered in log': a log of a negative number. Every AL "
                      f"here lies in (0.02, 0.98), where log(A) and log(1 - A) are defined, so one of your logs gets "
                      f"a negative argument: A - 1 where 1 - A belongs, or a sign slip inside a log",
                      "bce-log-of-negative")
        raise
    if np.ndim(got) >= 1 and np.size(got) == 1:
        core.fail(f"{name} returned an array of shape {np.shape(got)}, not a number: the docstring asks for a "
                  f"Python float (a mean over one axis, np.mean(..., axis=0), keeps that axis; average over every "
                  f"entry and return float(...))", "bce-returns-array")
    got = core.expect_scalar(got, name=name)
    A64, Y64 = AL.astype(_f64), Y.astype(_f64)
    terms = Y64 * np.log(A64) + (1 - Y64) * np.log1p(-A64)
    want = -float(terms.sum()) / m
    # np.dot(Y, np.log(AL).T) with (m, 1) columns is the (m, m) outer product: its sum is sum(Y) * sum(log AL).
    outer = -(Y64.sum() * np.log(A64).sum() + (1 - Y64).sum() * np.log1p(-A64).sum())
    _expect_number(got, want, name=name, rtol=1e-5, atol=1e-9, diagnose={
        "the loss is the mean over the m samples, not the sum": m * want,
        "the loss is divided by m twice: np.mean already divides by m, so a further / m (or / AL.shape[0]) "
        "makes it m times too small": (want / m) if m > 1 else None,
        "the minus sign is missing: the loss must be positive": -want,
        "both terms are needed: y log a + (1 - y) log(1 - a)": -float((Y64 * np.log(A64)).mean()),
        "the second term must use log(1 - a), not log(a)":
            -float((Y64 * np.log(A64) + (1 - Y64) * np.log(A64)).mean()),
        "the second term must be (1 - y) log(1 - a): the (1 - y) factor is missing":
            -float((Y64 * np.log(A64) + np.log1p(-A64)).mean()),
        **{f"your loss is the {label}, not the binary cross-entropy -mean(y log a + (1 - y) log(1 - a)) the "
           f"docstring asks for (a regression loss in place of the classification loss)": value
           for label, value in (("mean squared error mean((AL - Y)^2)", float(np.mean((A64 - Y64) ** 2))),
                                ("half mean squared error mean((AL - Y)^2) / 2", float(np.mean((A64 - Y64) ** 2)) / 2),
                                ("mean absolute error mean(|AL - Y|)", float(np.mean(np.abs(A64 - Y64)))),
                                ("root mean squared error", float(np.sqrt(np.mean((A64 - Y64) ** 2)))))},
        "your loss is the BCE-with-logits formula mean(max(z, 0) - z y + log(1 + exp(-|z|))) (the same as the "
        "cross-entropy of sigmoid(AL)) evaluated at z = AL: that formula takes the logits Z_L, but AL is already "
        "the sigmoid's output, a probability: on AL the loss is -mean(y log a + (1 - y) log(1 - a))":
            float(np.mean(np.maximum(A64, 0) - A64 * Y64 + np.log1p(np.exp(-np.abs(A64))))),
        "log10 instead of the natural logarithm np.log": want / np.log(10),
        "log2 instead of the natural logarithm np.log (your loss is in bits: the expected one divided by "
        "ln 2, times 1.4427)": want / np.log(2),
        "the labels are swapped between the two terms: your loss is -[(1 - y) log a + y log(1 - a)] (the loss of "
        "the opposite labels 1 - Y), the expected -[y log a + (1 - y) log(1 - a)]: y goes with log a, 1 - y with "
        "log(1 - a)":
            -float(((1 - Y64) * np.log(A64) + Y64 * np.log1p(-A64)).mean()),
        "y and a are swapped: the loss is -[y log a + (1 - y) log(1 - a)]":
            (-float(np.mean(A64 * np.log(np.clip(Y64, 1e-12, 1)) + (1 - A64) * np.log(np.clip(1 - Y64, 1e-12, 1))))),
        "your loss averages an (m, m) table that pairs every y with every a: either np.dot(Y, np.log(AL).T) "
        "(with samples in rows, the (m, m) outer product) or an (m,) array (a ravel / flatten / [:, 0] of one "
        "input) met an (m, 1) one and broadcasting paired them all: keep AL and Y both (m, 1) and multiply "
        "elementwise, Y * np.log(AL), then average (or use Y.T @ np.log(AL))":
            (outer / m) if m > 1 else None,
        "your loss averages an (m, m) table that pairs every y with every a: either np.dot(Y, np.log(AL).T) "
        "(with samples in rows, the (m, m) outer product) or an (m,) array (a ravel / flatten / [:, 0] of one "
        "input) met an (m, 1) one and broadcasting paired them all: keep AL and Y both (m, 1) and multiply "
        "elementwise, Y * np.log(AL), then average over the m samples":
            (outer / m ** 2) if m > 1 else None,
    })


_DIVISORS = {   # a mean over m samples divided by another count: (that count, got / mean)
    "m - 1": ("m - 1", lambda m: m / (m - 1)),
    "m + 1": ("m + 1", lambda m: m / (m + 1)),
    "1 (a sum, not a mean)": ("1", lambda m: float(m)),
    "m twice (m^2)": ("m^2", lambda m: 1.0 / m),
}


def _count_divisor(fn, call, what, oracle) -> None:
    """A mean over the m samples divided by another count: the ratio of the result to the oracle on batches of
    m >= 2 samples of pairwise different sizes, named when one reading of the divisor fits both.  A division by
    zero at m = 1 then is no stability problem: the denominator is a count that is 0 there."""
    gen = core.rng("lab04.count-divisor")
    ratios = []
    for m in (4, 9):
        AL = gen.uniform(0.05, 0.95, size=(m, 1))
        Y = (gen.random((m, 1)) < 0.5).astype(_f64)
        Y[0, 0], Y[1, 0] = 1.0, 0.0
        try:
            with np.errstate(all="ignore"):
                got = float(fn(AL.copy(), Y.copy()))
        except Exception:
            return
        ratios.append((m, got / oracle(AL, Y)))
    for divisor, (count, ratio) in _DIVISORS.items():
        if all(abs(r / ratio(m) - 1) <= 1e-6 for m, r in ratios):
            seen = " and ".join(f"{r:.4g} at m = {m}" for m, r in ratios)
            core.fail(f"{call}: {what} is the mean over the samples times {seen}, the ratio m / ({count}) "
                      f"of the two divisors: you divided by {divisor}; the mean over the m "
                      f"samples divides the sum by m (np.mean, or .sum() / m)"
                      + (" (at m = 1 that denominator is 0, hence a division by zero: a count, not a lack of "
                         "numerical stability)" if divisor == "m - 1" else ""), "mean-wrong-divisor")


def binary_cross_entropy(fn) -> None:
    gen = core.rng("lab04.bce")
    failures, one_passed = [], False
    for m, dtype in [(5, _f64), (1, _f64), (8, _f64), (7, np.float32), (3, _f64)]:
        AL = gen.uniform(0.02, 0.98, size=(m, 1)).astype(dtype)
        Y = (gen.random((m, 1)) < 0.5).astype(dtype)
        Y[0, 0] = 1.0
        if m > 2:
            Y[1, 0] = 0.0
        try:
            _bce_case(fn, AL, Y)
        except core.CheckFailure as exc:
            failures.append(exc)
        else:
            one_passed = one_passed or m == 1
    for exc in failures:      # a warning about an empty mean: the loss averages per label
        if exc.diagnosis == "not-numerically-stable" and "Mean of empty slice" in str(exc):
            _bce_mean_per_label(fn, exc)
    if failures and all(exc.diagnosis in ("wrong-value", "wrong-values", "not-numerically-stable")
                        or str(exc.diagnosis).startswith("raised-") for exc in failures):
        _count_divisor(lambda AL, Y: fn(AL, Y), "binary_cross_entropy(AL, Y)", "the loss", _bce)
    for exc in failures:      # a named mistake first; then "right only for one sample"
        if exc.diagnosis not in ("wrong-value", "wrong-values") and not str(exc.diagnosis).startswith("raised-"):
            raise exc
    if failures:
        _bce_ignores_al(fn)
        _bce_per_sample(fn)
        _bce_by_label(fn)
        _bce_of_batch_means(fn)
    if failures and one_passed:
        core.fail(f"{failures[0]} (the same check passed for a batch of one sample: a formula right only when "
                  f"m = 1, such as a matrix product where the terms must be multiplied elementwise, or a sum "
                  f"over the wrong axis?)", "right-only-for-one-sample")
    if failures:
        raise failures[0]
    # Saturated sigmoid outputs (exactly 0 or 1 in floating point): no log(0), no NaN.
    AL = np.array([[0.0], [1.0], [1.0], [0.0]])
    Y = np.array([[0.0], [1.0], [0.0], [1.0]])
    name = "binary_cross_entropy(AL containing exact 0 and 1, Y)"
    try:
        got = core.expect_scalar(_call(fn, AL, Y, name=name), name=name)
    except core.CheckFailure as exc:
        if exc.diagnosis == "not-numerically-stable":
            _name_unclipped_side(fn, name)
        raise
    if got < 4.0:
        core.fail(f"{name} = {got:.3g}: two confidently wrong predictions must give a large loss "
                  f"(clip AL to [eps, 1 - eps] with a small eps such as 1e-12)", "bce-eps-too-large")
    got = core.expect_scalar(_call(fn, AL[:2], Y[:2], name=name), name=name)
    if abs(got) > 1e-5:      # an eps added inside the logs (log(AL + 1e-8)) gives about -1e-8: sound
        core.fail(f"{name}: perfect predictions must give a loss of (almost) 0, got {got:.3g}", "bce-perfect-not-zero")
    _bce_uses_eps(fn)
    _bce_many_rows(fn)


def _bce_many_rows(fn) -> None:
    """Property of a mean of per-sample terms: it stays finite and right for many rows. Two cases: 2000 rows at a = 0.5
    (the loss is log 2 whatever the labels) and 400 wrong rows (likelihood 0.1 each, loss -log 0.1; away from
    eps, so an eps added inside the logs or float32 stay right). A loss written as -log(product of the
    likelihoods) / m is the same number on paper, but the product of many numbers below 1 underflows to 0 in
    floating point and its log is -inf: named when BOTH cases come out infinite (or 0 / NaN) while the small
    cases above were right."""
    gen = core.rng("lab04.bce-many")
    Y = (gen.random((2000, 1)) < 0.5).astype(_f64)
    Y2 = (gen.random((400, 1)) < 0.5).astype(_f64)
    cases_ = [("2000 rows, every AL = 0.5", np.full((2000, 1), 0.5), Y, math.log(2.0)),
              ("400 wrong rows, AL = 0.1 where Y = 1 and 0.9 where Y = 0", np.where(Y2 == 1, 0.1, 0.9), Y2,
               -math.log(0.1))]
    bad = []
    for label, AL, Yc, want in cases_:
        name = f"binary_cross_entropy(AL ({AL.shape[0]}, 1), Y ({AL.shape[0]}, 1)) on {label}"
        try:
            with np.errstate(all="ignore"):
                got = float(np.asarray(fn(AL.copy(), Yc.copy()), dtype=_f64).reshape(-1)[0])
        except Exception:
            return
        if abs(got - want) <= 1e-4 * want:
            continue
        bad.append((name, got, want))
    if not bad:
        return
    name, got, want = bad[0]
    if len(bad) == 2 and all(not math.isfinite(g) or g == 0.0 for _, g, _ in bad):
        core.fail(f"{name} = {got:.4g}, expected {want:.4g}; on 400 wrong rows (likelihood 0.1 each) your loss "
                  f"is {bad[1][1]:.4g}, expected {bad[1][2]:.4g}, while your values on the small "
                  f"batches were right: the loss must be a mean of logs, not the log of a product. The product of "
                  f"many likelihoods below 1 (0.5^2000, or 0.1^400) underflows to 0 in floating point and its log "
                  f"is -inf; -mean(y log a + (1 - y) log(1 - a)) sums the logs instead", "bce-log-of-product")
    core.fail(f"{name} = {got:.4g}, expected {want:.4g}: the loss must stay the mean of the per-sample terms "
              f"-[y log a + (1 - y) log(1 - a)] on many rows too (your values on the small batches were right)",
              "bce-many-rows")


def _bce_uses_eps(fn) -> None:
    """Property (the docstring's eps argument): a prediction of exactly 0 for a label 1 costs -log(eps) with the
    eps given (clipping to [eps, 1 - eps] and adding eps inside the log agree there)."""
    AL, Y = np.array([[0.0], [1.0]]), np.array([[1.0], [0.0]])
    got = {}
    for eps in (1e-3, 1e-2):
        name = f"binary_cross_entropy(AL = [[0], [1]], Y = [[1], [0]], eps={eps:g})"
        got[eps] = core.expect_scalar(_call(fn, AL, Y, eps=eps, name=name), name=name)
    for eps, value in got.items():
        want = -math.log(eps)
        if abs(value - want) <= 1e-3 * want:
            continue
        name = f"binary_cross_entropy(AL = [[0], [1]], Y = [[1], [0]], eps={eps:g})"
        if abs(got[1e-2] - got[1e-3]) <= 1e-9 * max(1.0, abs(got[1e-3])):
            core.fail(f"{name} = {value:.4g}, the same as with eps={1e-2 if eps == 1e-3 else 1e-3:g}: the eps argument "
                      f"is not used (a fixed number in its place?); clip with the eps given, np.clip(AL, eps, 1 - eps), "
                      f"which makes a certain wrong prediction cost -log(eps) = {want:.4g}", "bce-ignores-eps")
        core.fail(f"{name} = {value:.4g}: AL clipped to [eps, 1 - eps] makes each certain wrong prediction cost "
                  f"-log(eps) = {want:.4g}, so the mean is {want:.4g}", "bce-eps-value")


def _bce_ignores_al(fn) -> None:
    """An argument the result ignores: the same loss for two different AL with the same Y. Every a replaced by
    one eps = 10^-k (np.clip(AL, 1 - eps, eps), bounds swapped) is said when a second Y confirms it."""
    AL = np.array([[0.2], [0.7], [0.45], [0.9], [0.1]])
    Y = np.array([[1.0], [0.0], [1.0], [1.0], [0.0]])

    def value(a, y):
        try:
            return float(fn(a.copy(), y.copy()))
        except Exception:
            return None
    v1, v2 = value(AL, Y), value(1.0 - 0.5 * AL, Y)
    if v1 is None or v2 is None or not math.isclose(v1, v2, rel_tol=1e-9, abs_tol=1e-12) \
            or math.isclose(v1, _bce(AL, Y), rel_tol=1e-6):
        return
    name = "binary_cross_entropy(AL (5, 1), Y (5, 1))"
    k = v1 / (Y.mean() * math.log(10))
    Y2 = np.array([[1.0], [0.0], [0.0], [0.0], [0.0]])
    v3 = value(AL, Y2)
    if 3 <= round(k) <= 17 and abs(k - round(k)) < 1e-3 and v3 is not None \
            and math.isclose(v3, Y2.mean() * round(k) * math.log(10), rel_tol=1e-3):
        core.fail(f"{name} gives {v1:.6g} for AL = {AL.ravel().tolist()} and for AL = "
                  f"{(1 - 0.5 * AL).ravel().tolist()} alike: the loss ignores AL. It is the loss of a = 1e-{round(k)} "
                  f"for every sample (with other labels too): np.clip(AL, 1 - eps, eps) with its bounds swapped "
                  f"returns eps everywhere; clip with np.clip(AL, eps, 1 - eps)", "bce-clip-bounds-swapped")
    core.fail(f"{name} gives {v1:.6g} for AL = {AL.ravel().tolist()} and for AL = {(1 - 0.5 * AL).ravel().tolist()} "
              f"alike (expected {_bce(AL, Y):.6g} and {_bce(1 - 0.5 * AL, Y):.6g}): the loss does not depend on AL; "
              f"look at what replaces AL before the logs", "bce-ignores-al")


def _bce_mean_per_label(fn, exc) -> None:
    """numpy warned 'Mean of empty slice' (a batch where one label is absent): the loss averages over the samples
    of each label separately. Confirmed on a batch holding both labels; else said as what happened."""
    AL = np.array([[0.2], [0.7], [0.45], [0.9], [0.1]])
    Y = np.array([[1.0], [0.0], [1.0], [1.0], [0.0]])
    pos, neg = Y[:, 0] == 1, Y[:, 0] == 0
    per_label = -float(np.mean(np.log(AL[pos]))) - float(np.mean(np.log1p(-AL[neg])))
    got = _safe(fn, AL.copy(), Y.copy())
    try:
        value = float(got)
    except (TypeError, ValueError):
        value = None
    name = "binary_cross_entropy(AL (5, 1), Y (5, 1) with 3 labels 1 and 2 labels 0)"
    where = str(exc).split(" is not numerically stable")[0]
    for k, how in ((1.0, "the mean over the samples of label 1 plus the mean over those of label 0"),
                   (0.5, "the average of the mean over the samples of label 1 and the mean over those of label 0")):
        if value is not None and math.isclose(value, k * per_label, rel_tol=1e-6, abs_tol=1e-12):
            core.fail(f"{where} warned 'Mean of empty slice': your loss is {how} (a class-balanced loss): on {name} it gives {value:.6g}, the "
                      f"mean BCE is {_bce(AL, Y):.6g}; on a batch where one label is absent one of those means is "
                      f"over no sample (numpy's 'Mean of empty slice', NaN). The loss is ONE mean over all m "
                      f"samples of -[y log a + (1 - y) log(1 - a)]", "bce-mean-per-label")
    core.fail(f"{where}: numpy warned 'Mean of empty slice': your code "
              f"takes a mean over an empty selection (in this batch not every label is present); the loss is one "
              f"mean over all m samples of -[y log a + (1 - y) log(1 - a)]", "mean-of-empty-slice")


def _bce_by_label(fn) -> None:
    """Which term of the loss is wrong, by experiment: with every label 1 only -log(a) counts, with every label
    0 only -log(1 - a); one right and the other wrong names the wrong term (and a factor m: a sum, not a mean)."""
    AL = np.array([[0.2], [0.7], [0.45], [0.9], [0.1], [0.6]])
    m = AL.shape[0]
    verdict = {}
    for label, term in ((1.0, "y * log(a)"), (0.0, "(1 - y) * log(1 - a)")):
        Y = np.full((m, 1), label)
        try:
            got = float(np.asarray(fn(AL.copy(), Y.copy()), dtype=_f64))
        except Exception:
            return
        want = _bce(AL, Y)
        verdict[term] = (abs(got - want) <= 1e-6 * abs(want) + 1e-9, got / want if want else float("nan"))
    wrong = [t for t, (ok, _) in verdict.items() if not ok]
    if len(wrong) != 1:
        return
    ratio = verdict[wrong[0]][1]
    factor = (f": it is {ratio:.4g} times the expected, m = {m} times: that term is summed over the samples "
              f"instead of averaged (np.sum where np.mean belongs, or the 1/m missing there)"
              if abs(ratio - m) < 1e-6 * m else f": it is {ratio:.4g} times the expected value")
    right = next(t for t in verdict if t != wrong[0])
    core.fail(f"binary_cross_entropy is right when every label is {1 if right.startswith('y') else 0} (only "
              f"{right} counts) but wrong when every label is {0 if right.startswith('y') else 1}, where only the "
              f"term {wrong[0]} counts{factor}", "bce-one-term-wrong")


def _bce_of_batch_means(fn) -> None:
    """The BCE of the batch means, -[mean(y) log(mean(a)) + (1 - mean(y)) log(1 - mean(a))] (the mean taken
    inside the logs): right for one sample, wrong for every batch.  Told only when it fits batches of 4, 9 and 6
    samples (asked after a case failed)."""
    gen = core.rng("lab04.bce.batch-means")
    for m in (4, 9, 6):
        a = gen.uniform(0.05, 0.95, size=(m, 1))
        y = (gen.random((m, 1)) < 0.5).astype(_f64)
        y[0, 0], y[1, 0] = 1.0, 0.0
        try:
            got = float(core.expect_scalar(fn(a.copy(), y.copy()), name="binary_cross_entropy"))
        except Exception:
            return
        ma, my = float(a.mean()), float(y.mean())
        means = -(my * np.log(ma) + (1 - my) * np.log1p(-ma))
        if not abs(got - means) <= 1e-6 * max(1.0, abs(means)) or abs(got - _bce(a, y)) <= 1e-6:
            return
    core.fail("binary_cross_entropy(AL (m, 1), Y (m, 1)): on batches of 4, 9 and 6 samples your loss is the "
              "cross-entropy of the batch means, -[mean(Y) log(mean(AL)) + (1 - mean(Y)) log(1 - mean(AL))]: the "
              "means are taken inside the logs. The loss is the mean of the per-sample losses: "
              "-mean(Y * log(AL) + (1 - Y) * log(1 - AL)), the log of each sample's AL first, then the mean",
              "bce-log-of-means")


_BCE_FORMULAS = ("-(y * log(a) + (1 - y) * log(1 - a))", "-y * log(a) - (1 - y) * log(1 - a)")


def _bce_per_sample(fn):
    """The loss of one sample at a time, for each label: which label's samples it gets wrong and which term
    of -[y log a + (1 - y) log(1 - a)] (formula.explain_formula).  Silent when the per-sample losses are
    right (a mistake that needs several samples) or the calls fail (judged by the cases)."""
    a = np.array([0.05, 0.2, 0.35, 0.5, 0.65, 0.8, 0.95] * 2)
    y = np.repeat([1.0, 0.0], 7)
    got = np.empty_like(a)
    for i, (ai, yi) in enumerate(zip(a, y)):
        try:
            got[i] = core.expect_scalar(_call(fn, np.array([[ai]]), np.array([[yi]]), name="binary_cross_entropy"),
                                        name="binary_cross_entropy")
        except (core.CheckFailure, Exception):
            return
    want = -(y * np.log(a) + (1 - y) * np.log1p(-a))
    bad = np.abs(got - want) > 1e-6 * np.maximum(1.0, np.abs(want))
    if not bad.any():
        return
    side = ""
    if bad[y == 1].all() != bad[y == 0].all() and not (bad[y == 1].any() and bad[y == 0].any()):
        right, wrong, term = ("1", "0", "(1 - y) * log(1 - a)") if bad[y == 0].any() else ("0", "1", "y * log(a)")
        side = f"right for samples with y = {right} but wrong for y = {wrong} (the term {term})"
    term = explain_formula(_BCE_FORMULAS, {"y": y, "a": a}, got, rtol=1e-6, atol=1e-9,
                           what="losses of one sample at a time")
    if side or term:
        core.fail("binary_cross_entropy of one sample (AL (1, 1), Y (1, 1)): " + "; ".join(filter(None, (side, term))),
                  "bce-wrong-term")


def _name_unclipped_side(fn, name):
    """log(0) at one end only: say which (AL exactly 1 -> log(1 - AL), AL exactly 0 -> log(AL))."""
    unstable = []
    for value, term in ((0.0, "log(AL)"), (1.0, "log(1 - AL)")):
        try:
            _call(fn, np.full((2, 1), value), np.array([[0.0], [1.0]]), name=name)
        except core.CheckFailure as exc:
            if exc.diagnosis != "not-numerically-stable":
                return
            unstable.append((value, term))
    if len(unstable) == 1:
        value, term = unstable[0]
        core.fail(f"{name} is not numerically stable at AL = {value:g} only: {term} = log(0) there, while the other "
                  f"end is protected: clip AL on both sides, np.clip(AL, eps, 1 - eps)", "bce-clipped-one-side")
    if len(unstable) == 2:
        core.fail(f"{name} is not numerically stable at both ends: log(0) is taken for AL = 0 (in log(AL)) and for "
                  f"AL = 1 (in log(1 - AL)): clip first, A = np.clip(AL, eps, 1 - eps), and take both logs of A. "
                  f"If your code already clips, its bounds let 0 and 1 through: the lower bound must be +eps "
                  f"(above 0) and the upper one 1 - eps (below 1), not -eps / 1 + eps or 0 / 1",
                  "bce-unclipped-both-ends")


# ----------------------------------------------------------------------------- backward
_LINEAR_BACKWARD_HINT = ("A shape error in linear_backward usually means a missing or extra transpose or the "
                         "factors in the wrong order: dA_prev = dZ @ W.T (m, n_prev), dW = A_prev.T @ dZ "
                         "(n_prev, n), db = dZ summed over axis 0 (1, n)")


_CACHE_NAMES = ("A_prev", "W", "b")


def _transposed_pair(text: str) -> tuple | None:
    """The two shapes of a 'could not be broadcast' error when each is the other's transpose."""
    found = re.findall(r"\((\d+),\s*(\d+)\)", text.split("could not be broadcast", 1)[-1])
    if len(found) >= 2:
        a, b = (tuple(int(v) for v in f) for f in found[:2])
        if a == b[::-1] and a != b:
            return a, b
    return None


def _linear_backward_call(fn, dZ, cache, name, wanted):
    """The student's linear_backward; when it raises, replay the hypotheses a shape error usually hides
    (the cache unpacked in another order; * where the matrix product @ belongs) and name the one that fits."""
    import itertools
    try:
        return _call(fn, dZ, cache, name=name, hint=_LINEAR_BACKWARD_HINT)
    except core.CheckFailure as exc:
        if " raised " not in str(exc):
            raise
        for perm in itertools.permutations(range(3)):
            if perm == (0, 1, 2):
                continue
            try:
                out = fn(dZ.copy(), tuple(cache[i].copy() for i in perm))
                if isinstance(out, (tuple, list)) and len(out) == 3 \
                        and all(_near(o, w) for o, w in zip(out, wanted.values())):
                    order = ", ".join(_CACHE_NAMES[i] for i in perm)
                    core.fail(f"{exc}. Your linear_backward unpacks linear_cache as if it were ({order}): "
                              f"linear_forward returns (A_prev, W, b), so unpack A_prev, W, b = linear_cache "
                              f"(with the cache in that order your code gives the right gradients)",
                              "cache-unpacked-in-wrong-order")
            except core.CheckFailure:
                raise
            except Exception:
                continue
        pair = _transposed_pair(str(exc))
        if pair:
            core.fail(f"{exc}. An elementwise product * of a {pair[0]} and a {pair[1]} array: a gradient of a "
                      f"matrix product is a matrix product, dW = A_prev.T @ dZ (a sum over the m samples) and "
                      f"dA_prev = dZ @ W.T; * multiplies entry by entry", "elementwise-for-matmul")
        raise


_SHIFTED_ROWS = ("dW's rows are the expected ones shifted by one row, starting with {first}: the gradient of the "
                 "bias-augmented weights [W; b] (or [b; W]) is sliced at the wrong end: with the ones column "
                 "{where} in A_aug, dWb = A_aug.T @ dZ holds the bias's row there: dW = {dW}, db = {db}")


def linear_backward(fn) -> None:
    gen = core.rng("lab04.linear_backward")
    # Sizes pairwise different first (a slip between the axes raises or is named there); the square cases
    # later, where W instead of W.T gives wrong values, not an error: the first named failure wins.
    shapes = [(7, 3, 2, _f64), (5, 4, 4, _f64), (1, 4, 3, _f64), (3, 2, 5, _f64), (6, 5, 3, np.float32),
              (2, 2, 2, _f64)]

    def case(k, m, n_prev, n, dtype):
        A = gen.standard_normal((m, n_prev)).astype(dtype)
        W = gen.standard_normal((n_prev, n)).astype(dtype)
        b = gen.standard_normal((1, n)).astype(dtype)
        dZ = gen.standard_normal((m, n)).astype(dtype)
        name = (f"linear_backward(dZ {dZ.shape}, cache with A_prev {A.shape}, W {W.shape}, "
                f"{np.dtype(dtype).name})")
        cache = (A.copy(), W.copy(), b.copy())
        A64, W64, dZ64 = A.astype(_f64), W.astype(_f64), dZ.astype(_f64)
        want_dA = np.einsum("mo,io->mi", dZ64, W64)
        want_dW = np.einsum("mi,mo->io", A64, dZ64)
        want_db = np.einsum("mo->o", dZ64)[None, :]
        wanted = {"dA_prev": want_dA, "dW": want_dW, "db": want_db}
        out = _tuple(_linear_backward_call(fn, dZ, cache, name, wanted), 3, name, "(dA_prev, dW, db)")
        if not all(np.array_equal(c, o) for c, o in zip(cache, (A, W, b))):
            core.fail(f"{name} modified the arrays of linear_cache in place; work on new arrays", "mutated-input")
        found = [next((k for k, v in wanted.items() if _near(o, v)), None) for o in out]
        if None not in found and found != list(wanted) and sorted(found) == sorted(wanted):
            core.fail(f"{name} returned ({', '.join(found)}): return (dA_prev, dW, db) in that order",
                      "return-order")
        dA_got = out[0]
        if isinstance(dA_got, np.ndarray) and dA_got.shape == (n_prev, m) and n_prev != m:
            core.fail(f"{name}: dA_prev has shape {dA_got.shape}, the transpose of A_prev {A.shape}: "
                      f"dA_prev = dZ @ W.T", "da-transposed")
        dA_prev = core.expect_array(dA_got, name=f"{name}: dA_prev", shape=(m, n_prev))
        _which_input(fn, dZ, cache, 0, f"{name}: dA_prev")(lambda: _expect_close(
            dA_prev, want_dA, name=f"{name}: dA_prev", rtol=1e-7, atol=1e-10, diagnose={
            "dA_prev = dZ @ W.T: the transpose of W is missing": (dZ64 @ W64) if n == n_prev else None,
            "dA_prev must not be divided by m (the 1/m is already in dZ)": want_dA / m,
            "dA_prev is dZ times the pseudo-inverse of W (np.linalg.pinv(W)), which would undo the forward step: "
            "backpropagation multiplies by the transpose, dA_prev = dZ @ W.T": dZ64 @ np.linalg.pinv(W64),
        }))
        dW_got = out[1]
        if isinstance(dW_got, np.ndarray) and dW_got.shape == (n, n_prev) and n != n_prev:
            core.fail(f"{name}: dW has shape {dW_got.shape} but must have the shape of W {(n_prev, n)}: "
                      f"dW = A_prev.T @ dZ (you computed its transpose, dZ.T @ A_prev)", "dw-transposed")
        if isinstance(dW_got, np.ndarray) and dW_got.shape == (m * n_prev, m * n) and m > 1 \
                and _near(dW_got, np.outer(A64, dZ64)):
            core.fail(f"{name}: dW has shape {dW_got.shape}: it is np.outer(A_prev, dZ), the outer product of the "
                      f"flattened arrays, which pairs every sample's A_prev with every sample's dZ (the one-sample "
                      f"formula dW = a dz^T); with m samples in rows dW = A_prev.T @ dZ, shape {(n_prev, n)}, sums "
                      f"each sample's own outer product", "dw-np-outer")
        dW = core.expect_array(dW_got, name=f"{name}: dW", shape=(n_prev, n))
        _which_input(fn, dZ, cache, 1, f"{name}: dW")(lambda: _expect_close(dW, want_dW, name=f"{name}: dW", rtol=1e-7, atol=1e-10, diagnose={
            "dW was divided by m again: the 1/m is applied twice (it belongs to dZ_L = (A_L - Y)/m only)":
                want_dW / m,
            "dW = A_prev.T @ dZ, not its transpose dZ.T @ A_prev": want_dW.T if n == n_prev else None,
            "dW is the product of the batch sums, (sum of A_prev's rows).T @ (sum of dZ's rows), which pairs every "
            "sample's A_prev with every sample's dZ: dW = A_prev.T @ dZ sums each sample's own product (right only "
            "when m = 1)": (A64.sum(axis=0, keepdims=True).T @ dZ64.sum(axis=0, keepdims=True)) if m > 1 else None,
            _SHIFTED_ROWS.format(first="db (the bias's row)", where="prepended (first)", dW="dWb[1:]", db="dWb[:1]"):
                np.vstack([want_db, want_dW[:-1]]),
            _SHIFTED_ROWS.format(first="the expected row 2", where="appended (last)", dW="dWb[:-1]", db="dWb[-1:]"):
                np.vstack([want_dW[1:], want_db]),
        }))
        db_got = out[2]
        if isinstance(db_got, np.ndarray) and db_got.shape != (1, n):
            if db_got.shape == (n, 1) and n != m:
                core.fail(f"{name}: db has shape {db_got.shape}, the transpose of b's shape (1, {n}): keep the "
                          f"row dZ.sum(axis=0, keepdims=True), without transposing it", "db-transposed")
            if db_got.shape == (m, n):
                core.fail(f"{name}: db must be summed over the batch axis: expected shape (1, {n}), "
                          f"got {db_got.shape} (the bias gradient is not summed)", "db-not-summed")
            if db_got.shape == (n,):
                core.fail(f"{name}: db must keep the shape (1, {n}) of b: sum with keepdims=True", "db-no-keepdims")
            if db_got.shape in ((m, 1), (m,)):
                core.fail(f"{name}: db has shape {db_got.shape}: it was summed over axis 1 (the units); sum "
                          f"over axis 0, the batch: db = dZ.sum(axis=0, keepdims=True)", "db-wrong-axis")
            said = _reduction_of(db_got, dZ64, "dZ")
            if said:
                core.fail(f"{name}: db has shape {db_got.shape}: it equals {said}; the bias gradient sums dZ over "
                          f"the batch axis only, one value per unit: db = dZ.sum(axis=0, keepdims=True), shape "
                          f"(1, {n})", "db-wrong-reduction")
        if not isinstance(db_got, np.ndarray) and db_got is not None:
            try:
                scalar = float(db_got) if not isinstance(db_got, (list, tuple, dict)) else None
            except (TypeError, ValueError):
                scalar = None
            if scalar is not None:
                core.fail(f"{name}: db is a single number: sum dZ over the batch axis only, keeping one "
                          f"value per unit: db = dZ.sum(axis=0, keepdims=True), shape (1, {n})", "db-scalar")
        db = core.expect_array(db_got, name=f"{name}: db", shape=(1, n))
        _which_input(fn, dZ, cache, 2, f"{name}: db")(lambda: _expect_close(db, want_db, name=f"{name}: db", rtol=1e-7, atol=1e-10, diagnose={
            "db is the sum of dZ over the batch axis; dividing by m applies the 1/m twice": want_db / m,
        }))
        if k == 0:
            # Independent of the einsum oracle: centred finite differences of
            # f = sum(dZ * (A_prev W + b)), whose gradients are exactly dA_prev, dW, db.
            b64 = b.astype(_f64)
            for got_g, x, label in ((dA_prev, A64.copy(), "dA_prev"), (dW, W64.copy(), "dW"), (db, b64.copy(), "db")):
                args = {"dA_prev": (x, W64, b64), "dW": (A64, x, b64), "db": (A64, W64, x)}[label]
                fd = core.numerical_gradient(lambda _, a=args: float(np.sum(dZ64 * _affine(*a))), x)
                _expect_close(got_g, fd, name=f"{name}: {label} (finite differences)", rtol=1e-6, atol=1e-8)

    cases.run_cases([("n_prev == n" if s[1] == s[2] else None, lambda k=k, s=s: case(k, *s))
                     for k, s in enumerate(shapes)])
    first, second = _two_calls("lb", (5, 4), (5, 3), (3, 4), (1, 4))
    _results_kept(fn, "linear_backward(dZ (5, 4), cache with A_prev (5, 3), W (3, 4))",
                  (first[0], tuple(first[1:])), (second[0], tuple(second[1:])),
                  oracle=lambda dZ, cache: list(_linear_backward_oracle(dZ, *cache)))


def _linear_backward_oracle(dZ, A_prev, W, b):
    dZ, A_prev, W = (np.asarray(v, dtype=_f64) for v in (dZ, A_prev, W))
    return dZ @ W.T, A_prev.T @ dZ, dZ.sum(axis=0, keepdims=True)


def _which_input(fn, dZ, cache, part: int, name: str):
    """Runs a value check of output ``part`` of linear_backward; when it fails with no catalogued diagnosis,
    says which input the wrong output comes from (isolate.explain_arguments: dZ, A_prev, W or b switched off
    or moved one at a time), e.g. dA_prev moving with A_prev (dW used where W belongs)."""
    def run(check):
        try:
            check()
        except core.CheckFailure as exc:
            if exc.diagnosis not in _GENERIC_DIFFERENCES:
                raise
            A_prev, W, b = cache
            said = explain_arguments(lambda d, a, w, bb: fn(d, (a, w, bb))[part],
                                     lambda d, a, w, bb: _linear_backward_oracle(d, a, w, bb)[part],
                                     {"dZ": dZ, "A_prev": A_prev, "W": W, "b": b},
                                     rtol=1e-5, atol=1e-7, tag=f"lab04.linear_backward.{part}")
            if said:
                core.fail(f"{name} has wrong values: {said[0]}", said[1])
            if exc.diagnosis == "scaled":
                _scaled_by_a_size(fn, part, name)
            if part in (1, 2):
                _name_sample_weights(fn, dZ, cache, part, name)
            raise
    return run


def _name_sample_weights(fn, dZ, cache, part: int, name: str) -> None:
    """dW and db are sums over the m samples of one term each (outer(A_prev[i], dZ[i]), dZ[i]): fit the weight
    each sample got in the student's result (least squares); weights of 0 and 1 name the samples left out (a
    loop over range(m - 1), a slice [1:]), weights of 2 the samples counted twice.  Silent for any other fit."""
    def weights(dZ, cache):
        A_prev = np.asarray(cache[0], _f64)
        d = np.asarray(dZ, _f64)
        m = d.shape[0]
        terms = [np.outer(A_prev[i], d[i]) if part == 1 else d[i][None, :] for i in range(m)]
        basis = np.stack([t.ravel() for t in terms], axis=1)
        if m < 2 or basis.shape[0] < m + 2 or np.linalg.matrix_rank(basis) < m:
            return None
        try:
            got = np.asarray(fn(np.array(dZ, copy=True), tuple(np.array(c, copy=True) for c in cache))[part], _f64)
            c, *_ = np.linalg.lstsq(basis, got.ravel(), rcond=None)
        except Exception:
            return None
        if not core.close(basis @ c, got.ravel(), 1e-6, 1e-8):
            return None
        k = np.round(c)
        if not np.allclose(c, k, atol=1e-6) or np.all(k == 1) or np.any((k < 0) | (k > 2)):
            return None
        return k
    k = weights(dZ, cache)
    if k is None:
        return
    m = np.shape(dZ)[0]
    label = "dW" if part == 1 else "db"
    term = "outer(A_prev[i], dZ[i])" if part == 1 else "dZ[i]"
    out = [i for i in range(m) if k[i] == 0]
    twice = [i for i in range(m) if k[i] == 2]
    said = []
    if out:
        where = (" (the first one: a loop or slice starting at 1?)" if out == [0] else "")
        used = m - len(out)
        if out == list(range(used, m)):      # the first `used` samples only: which size is the loop's count?
            # Asked again with m, n_prev, n and m - 1 pairwise different (7, 3, 5, 6): the count the loop used.
            g = core.rng("lab04.linear_backward.count")
            k2 = weights(g.standard_normal((7, 5)), (g.standard_normal((7, 3)), g.standard_normal((3, 5)),
                                                    g.standard_normal((1, 5))))
            n2 = None if k2 is None or not np.all(k2 <= 1) else int(k2.sum())
            if k2 is not None and np.all(k2[:n2] == 1):
                where = {6: " (the last one: a loop over range(m - 1), or a slice that stops one row early: "
                            "asked again with m = 7, yours used 6 samples)",
                         3: " (the loop counts to n_prev = A_prev.shape[1], the input units, not to the m samples: "
                            "asked again with m = 7, n_prev = 3, n = 5, yours used the first 3 samples)",
                         5: " (the loop counts to n = dZ.shape[1], the units of the layer, not to the m samples "
                            "dZ.shape[0]: asked again with m = 7, n_prev = 3, n = 5, yours used the first 5 "
                            "samples)"}.get(n2, "")
        said.append(f"leaves out sample(s) {out} of the {m}{where}")
    if twice:
        said.append(f"counts sample(s) {twice} twice")
    core.fail(f"{name}: {label} is the sum over the samples i of {term}, but yours {' and '.join(said)}: every "
              f"sample of the batch counts exactly once ({label} = "
              + ("A_prev.T @ dZ)" if part == 1 else "dZ.sum(axis=0, keepdims=True))"), "samples-left-out")


def _scaled_by_a_size(fn, part: int, name: str) -> None:
    """A wrong factor in one output of linear_backward, written with the sizes: replayed on a cache whose sizes
    m, n_prev, n are pairwise different (5, 3, 4), so that 1/n and 1/n_prev cannot be confused."""
    gen = core.rng("lab04.linear_backward.factor")
    dZ, A, W, b = (gen.standard_normal(s) for s in ((5, 4), (5, 3), (3, 4), (1, 4)))
    try:
        got = np.asarray(fn(dZ.copy(), (A.copy(), W.copy(), b.copy()))[part], dtype=_f64)
    except Exception:
        return
    want = _linear_backward_oracle(dZ, A, W, b)[part]
    said = cases.explain_factor(got, want, {"m": 5, "n_prev": 3, "n": 4})
    if said:
        what = ("dA_prev", "dW", "db")[part]
        core.fail(f"{name} has wrong values: replayed on a cache with m = 5 samples, n_prev = 3 inputs and n = 4 "
                  f"units, {said}; {what} needs no factor (the 1/m is already in dZ)", "scaled-by-a-size")


def _reduction_of(got, source, label):
    """Which reduction of ``source`` (sum or mean, over which axis, with or without keepdims) ``got`` is,
    written as code (``dZ.sum(keepdims=True)``), or None."""
    g = np.asarray(got, dtype=_f64)
    for op in ("sum", "mean"):
        for axis in (None, *range(source.ndim)):
            for keepdims in (True, False):
                value = getattr(source, op)(axis=axis, keepdims=keepdims)
                args = ", ".join(([f"axis={axis}"] if axis is not None else [])
                                 + (["keepdims=True"] if keepdims else []))
                if np.shape(value) == g.shape and _near(g, value):
                    return f"{label}.{op}({args})"
                if np.ndim(value) == 2 and value.T.shape == g.shape and _near(g, value.T):
                    return f"{label}.{op}({args}).T (a reduction over axis {axis}, then transposed)"
    return None


def _lent_sigmoid(Z):
    """The documented sigmoid (lent to activation_backward when the student's own cannot run): Z's float dtype."""
    Z = np.asarray(Z)
    return _sigmoid(Z).astype(Z.dtype if Z.dtype.kind == "f" else _f64)


def _sigmoid_unusable(sigmoid) -> bool:
    """The student's sigmoid helper raises, warns, writes into its argument, or returns anything but the documented
    values as an array of Z's shape, on ordinary and on +-1000 inputs (judged in activation_forward's cell)."""
    for Z in (np.linspace(-3.0, 3.0, 12).reshape(4, 3), _LARGE_Z):
        given = Z.copy()
        try:
            with core.numerics("sigmoid"):
                A = sigmoid(given)
        except Exception:
            return True
        if not np.array_equal(given, Z) or not (isinstance(A, np.ndarray) and A.shape == Z.shape
                                                and _near(A, _sigmoid(Z))):
            return True
    return False


def activation_backward(fn, sigmoid=None) -> None:
    """dZ = dA * g'(Z).  When the student's sigmoid helper is wrong (judged in activation_forward's cell, where it is
    graded: it raises, returns no array or wrong values) and this check fails, the function is judged again with the
    documented sigmoid lent by name in place of theirs (core.lent_globals): one mistake costs the cell of the function
    it is in."""
    try:
        _activation_backward(fn, sigmoid)
    except core.CheckFailure as exc:
        if sigmoid is None or not _sigmoid_unusable(sigmoid):
            raise
        if not core.judged_again(lambda: _activation_backward(fn, None), core.lent_globals(fn, {"sigmoid": _lent_sigmoid}),
                                 "judged with the documented sigmoid in place of your sigmoid helper, which is wrong: "
                                 "see activation_forward's cell"):
            raise exc from None


def _activation_backward(fn, sigmoid=None) -> None:
    gen = core.rng("lab04.activation_backward")
    for kind in ACTIVATIONS:
        for shape, dtype in [((4, 3), _f64), ((1, 5), _f64), ((7, 2), _f64), ((5, 6), np.float32)]:
            Z = (2.0 * gen.standard_normal(shape)).astype(dtype)
            Z[np.abs(Z) < 1e-3] = 0.5          # keep ReLU away from its kink
            dA = gen.standard_normal(shape).astype(dtype)
            name = f"activation_backward(dA {shape}, Z {shape}, {kind!r}, {np.dtype(dtype).name})"
            Z64, dA64 = Z.astype(_f64), dA.astype(_f64)
            want = dA64 * _act_grad(Z64, kind)
            got = core.expect_array(_call(fn, dA, Z, kind, name=name, want=want), name=name, shape=shape,
                                    finite=False, want=want)
            if _near(got, want):
                continue
            if kind == "sigmoid" and sigmoid is not None:
                try:
                    s_own = np.asarray(core.call(sigmoid, Z.copy(), name="sigmoid"), dtype=_f64)
                    if s_own.shape == shape and _near(got, dA64 * s_own * (1 - s_own)):
                        continue     # right derivative of their own sigmoid: the sigmoid's cell pays
                except core.CheckFailure:
                    pass
            got = core.expect_array(got, name=name, shape=shape)      # NaN or inf of its own
            s = _sigmoid(Z64)
            g = _act_grad(Z64, kind)
            try:
                _check_activation_backward_values(got, want, name, Z64, dA64, s, g, kind)
            except core.CheckFailure as exc:
                if exc.diagnosis in _GENERIC_DIFFERENCES:   # no catalogued mistake: say what dZ / dA is
                    _explain_local_derivative(fn, got, Z, dA, kind, name)
                raise
    for kind in ("sigmoid", "tanh"):
        _large_z_derivative(fn, sigmoid, kind)
    _relu_derivative_at_kink(fn)
    for kind in ACTIVATIONS:
        _results_kept(fn, f"activation_backward(dA (4, 3), Z (4, 3), {kind!r})",
                      *_two_calls(f"ab-{kind}", (4, 3), (4, 3), extra=(kind,)),
                      oracle=lambda dA, Z, k: [dA * _act_grad(Z, k)])


def _relu_derivative_at_kink(fn) -> None:
    """The docstring takes ReLU'(0) = 0: dZ is 0 wherever Z is exactly 0 (a dead unit's input, e.g. zero weights
    and bias), asked on two batches of different shapes."""
    for Z, dA in ((np.array([[0.0, 1.5, -2.0], [0.0, -0.3, 0.0]]), np.array([[0.7, -1.1, 0.4], [-0.9, 0.6, 1.3]])),
                  (np.array([[0.0], [2.0], [0.0], [-1.0]]), np.array([[1.2], [0.5], [-0.8], [0.3]]))):
        name = f"activation_backward(dA {dA.shape}, Z {Z.shape} with exact zeros, 'relu', float64)"
        want = dA * (Z > 0)
        got = core.expect_array(_call(fn, dA.copy(), Z.copy(), "relu", name=name, want=want), name=name,
                                shape=Z.shape, want=want)
        if _near(got, want):
            continue
        kink = Z == 0
        if np.allclose(got[~kink], want[~kink]) and np.allclose(got[kink], dA[kink]):
            core.fail(f"{name}: at the kink, where Z is exactly 0, your dZ is dA (ReLU'(0) = 1, as Z >= 0 or np.heaviside(Z, 1) "
                      f"give): the docstring takes ReLU'(0) = 0, so dZ = dA * (Z > 0), strictly", "relu-kink-one")
        _expect_close(got, want, name=name, rtol=1e-12, atol=1e-12)


_LARGE_Z = np.array([[-1000.0, -745.0, -40.0, 0.5], [40.0, 710.0, 745.0, 1000.0]])


def _large_z_derivative(fn, sigmoid, kind) -> None:
    """Property: dZ is finite and right for |Z| up to 1000 (the saturated units of a real network), as the
    forward pass is. Judged by the values: a right value reached through an overflow warning passes (dA /
    cosh(Z)**2 is 0 there); a NaN or inf is named with the Z it came from. When the student's own sigmoid
    gives the same values, the sigmoid's cell pays."""
    dA = np.linspace(-1.5, 2.0, _LARGE_Z.size).reshape(_LARGE_Z.shape)
    name = f"activation_backward(dA {dA.shape}, Z with |Z| up to 1000, {kind!r}, float64)"
    out: list = []
    try:
        with core.numerics(name):
            out.append(fn(dA.copy(), _LARGE_Z.copy(), kind))
    except core.CheckFailure as exc:
        if exc.diagnosis != "not-numerically-stable" or not out:
            raise
    except NotImplementedError:
        return                                   # judged by the cases above
    except Exception as exc:
        core.fail(f"{name} raised {core.error_kind(exc)}: {exc}", "raised-" + core.slug(core.error_kind(exc)))
    got = np.asarray(out[0], dtype=_f64) if out and np.shape(out[0]) == _LARGE_Z.shape else None
    if got is None:
        return                                   # shapes are judged by the cases above
    with np.errstate(all="ignore"):
        want = dA * _act_grad(_LARGE_Z, kind)
    if np.isfinite(got).all() and core.close(got, want, 1e-6, 1e-12):
        return
    if kind == "sigmoid" and sigmoid is not None:
        try:      # their helper replayed as it is, warnings and all: an overflow there is its own cell's
            with np.errstate(all="ignore"):
                s_own = np.asarray(sigmoid(_LARGE_Z.copy()), dtype=_f64)
        except Exception:
            s_own = None
        if s_own is not None and s_own.shape == got.shape:
            with np.errstate(all="ignore"):
                theirs = dA * s_own * (1 - s_own)
            if np.allclose(got, theirs, rtol=1e-6, atol=1e-12, equal_nan=True) and not (
                    np.isfinite(s_own).all() and core.close(s_own, _sigmoid(_LARGE_Z), 1e-6, 1e-12)):
                return                           # their sigmoid is wrong there: its cell pays
    bad = np.flatnonzero(~np.isfinite(got.ravel()) | ~np.isclose(got.ravel(), want.ravel(), rtol=1e-6, atol=1e-12))
    i = int(bad[0])
    z, g, w = _LARGE_Z.ravel()[i], got.ravel()[i], want.ravel()[i]
    how = {"sigmoid": "compute s = sigmoid(Z) with the stable helper and return dA * s * (1 - s) (exp(-Z) / (1 + "
                      "exp(-Z))**2 gives inf / inf = NaN once exp(-Z) overflows, for Z below about -709)",
           "tanh": "use 1 - np.tanh(Z)**2 (np.tanh saturates at +-1 without overflowing)"}[kind]
    core.fail(f"{name}: at Z = {z:g} your dZ is {g:.4g}, expected {w + 0.0:.4g} (the derivative of a saturated unit is "
              f"0): {how}", "derivative-large-z")


# core.analyse_difference's ids: the difference has a shape, but no mistake was recognised.
_GENERIC_DIFFERENCES = ("wrong-values", "scaled", "sign-flipped", "some-rows", "some-columns",
                        "diagonal-only", "transposed")

# ... and the per-row / per-column readings: a statistic of the batch gives these too (asked first: confirmed by
# calling the function on one row alone)
_BATCH_DIFFERENCES = (*_GENERIC_DIFFERENCES, "per-row-offset", "per-column-offset", "per-row-scale",
                      "per-column-scale")

_DERIVATIVE_FORMULA = {"sigmoid": "sigmoid'(Z) = s (1 - s) with s = sigmoid(Z)",
                       "tanh": "tanh'(Z) = 1 - tanh(Z)^2", "relu": "ReLU'(Z) = 1 where Z > 0, else 0"}


#: dZ = dA * g'(Z) as the docstring and students write it (A = g(Z)): the wrong term is named from these.
_BACKWARD_FORMULAS = {"sigmoid": ("dA * sigmoid(Z) * (1 - sigmoid(Z))", "dA * A * (1 - A)"),
                      "tanh": ("dA * (1 - tanh(Z) ** 2)", "dA * (1 - A ** 2)")}


def _name_wrong_side(Z64, runs, kind, name) -> None:
    """dZ is not dA times a function of Z: when, in both calls (two dA at the same Z), every wrong entry lies on
    one side of 0, say which side, and what dZ is there when both calls agree (Z itself, or dA unchanged)."""
    bad = np.zeros(Z64.shape, bool)
    for dA, got in runs:
        want = dA * _act_grad(Z64, kind)
        rt, at = _tol(want)
        bad |= ~(np.abs(got - want) <= at + rt * np.abs(want))
    for side, words, right in ((Z64 <= 0, "Z <= 0", "Z > 0"), (Z64 > 0, "Z > 0", "Z <= 0")):
        if not bad.any() or bad[~side].any() or not (~side).any():
            continue
        what = ""
        if all(_near(got[side], Z64[side]) for _, got in runs):
            what = (" there your dZ equals Z itself, whatever dA is (a np.where whose branch for "
                    f"{words} returns Z?);")
        elif all(_near(got[side], dA[side]) for dA, got in runs):
            what = " there your dZ is dA unchanged (the local derivative is missing on that side);"
        if kind == "relu":
            should = "0 there (ReLU'(Z) = 0 for Z <= 0: dZ = dA * (Z > 0))" if words == "Z <= 0" else \
                "dA there (ReLU'(Z) = 1 for Z > 0: dZ = dA * (Z > 0))"
        else:
            should = f"dA * g'(Z) there, with {_DERIVATIVE_FORMULA[kind]}"
        core.fail(f"{name}: dZ is right where {right} but wrong where {words}:{what} dZ must be {should}",
                  "wrong-side-of-zero")


def _explain_local_derivative(fn, got, Z, dA, kind, name):
    """Name what an unrecognised activation_backward computes, from two properties of dZ = dA * g'(Z):
    it is the incoming gradient times a function of Z alone (a second call with another dA says whether
    it is), and that function is g'(Z) (else: a power of it, or its values at a few Z)."""
    Z64, dA64, got64 = Z.astype(_f64), dA.astype(_f64), np.asarray(got, _f64)
    if kind in _BACKWARD_FORMULAS:
        rtol, atol = _tol(got64)
        term = explain_formula(_BACKWARD_FORMULAS[kind], {"dA": dA64, "Z": Z64, "A": _act(Z64, kind), "sigmoid": _sigmoid},
                               got64, rtol=max(rtol, 1e-6), atol=max(atol, 1e-9), what="dZ", outer=("dA",))
        if term:
            core.fail(f"{name}: {term}", "wrong-term")
    other = (dA64[::-1] * 1.7 + 0.3).astype(dA.dtype)      # another incoming gradient, same Z
    again = np.asarray(core.call(fn, other, Z.copy(), kind, name=name), _f64)
    ok = (np.abs(dA64) > 1e-2) & (np.abs(other.astype(_f64)) > 1e-2)
    if again.shape != got64.shape or not ok.any():
        return
    with np.errstate(all="ignore"):
        h1, h2 = got64[ok] / dA64[ok], again[ok] / other.astype(_f64)[ok]
    rtol, atol = _tol(h1)
    if not core.close(h1, h2, max(rtol, 1e-4), max(atol, 1e-6)):
        _name_wrong_side(Z64, ((dA64, got64), (other.astype(_f64), again)), kind, name)
        core.fail(f"{name}: the result is not the incoming gradient dA times a function of Z (another dA at "
                  f"the same Z changes the ratio dZ / dA): the chain rule gives dZ = dA * g'(Z) elementwise, with "
                  f"{_DERIVATIVE_FORMULA[kind]} computed from Z alone", "not-da-times-local-derivative")
    _name_mixed_entries(fn, Z, dA, got64, kind, name)
    g = _act_grad(Z64[ok], kind)
    z = Z64[ok]
    _constant_factor(fn, Z, h1, g, kind, name)
    pos = (g > 1e-8) & (h1 > 0) & (np.abs(np.log(np.maximum(g, 1e-300))) > 0.05)
    if kind != "relu" and pos.sum() >= 3:
        power = float(np.median(np.log(h1[pos]) / np.log(g[pos])))
        if abs(power - 1) > 0.05 and core.close(h1, g ** power, 1e-4, 1e-7):
            hint = (" (a square is missing: e.g. 1 / cosh(Z) instead of 1 / cosh(Z)^2, or a square root "
                    "too many)" if abs(power - 0.5) < 0.02 else
                    " (the derivative is applied twice)" if abs(power - 2) < 0.02 else "")
            core.fail(f"{name}: your local derivative dZ / dA equals g'(Z)^{power:.3g} instead of g'(Z), "
                      f"{_DERIVATIVE_FORMULA[kind]}{hint}", "local-derivative-power")
    bad = np.flatnonzero(np.abs(h1 - g) > 1e-4 + 1e-3 * np.abs(g))
    if not bad.size:
        return
    if bad.size >= 2 and core.close(h1[bad], z[bad], 1e-6, 1e-9):
        lo, hi = float(z[bad].min()), float(z[bad].max())
        core.fail(f"{name}: the incoming gradient dA is multiplied by Z itself where Z lies in [{lo:.3g}, {hi:.3g}] "
                  f"(your dZ / dA equals Z there, right elsewhere): a clip of Z such as np.clip(Z, 0, 1) or "
                  f"np.minimum(Z, 1) passes Z through between its bounds; the local derivative is "
                  f"{_DERIVATIVE_FORMULA[kind]}", "local-derivative-is-clipped-z")
    picks = sorted(set(bad[np.argsort(np.abs(z[bad]))[:1]].tolist() + bad[np.argsort(-np.abs(z[bad]))[:2]].tolist()))
    points = "; ".join(f"{h1[i]:.4g} at Z = {z[i]:.3g} (expected {g[i]:.4g})" for i in picks)
    core.fail(f"{name}: the incoming gradient dA is multiplied by the wrong local derivative: your dZ / dA "
              f"(your g'(Z)) is {points}. It must be {_DERIVATIVE_FORMULA[kind]}, evaluated at the "
              f"pre-activation Z", "wrong-local-derivative")


def _constant_factor(fn, Z, h1, g, kind, name) -> None:
    """dZ / dA = c * g'(Z) with one constant c != 1: say c, and whether it follows the batch (1/m, m) or the
    width of the layer, confirmed on a second Z of other sizes before it is said."""
    nz = np.abs(g) > 1e-6
    if nz.sum() < 3:
        return
    c = float(np.median(h1[nz] / g[nz]))
    if not np.isfinite(c) or abs(c - 1) < 1e-3 or not core.close(h1, c * g, 1e-4, 1e-9):
        return
    m, n = Z.shape
    shape2 = (m + 3, n + 2 + (m + 3 == n + 2))        # other m and n, different from each other
    Z2 = (np.resize(Z, shape2) * 0.9 + 0.05).astype(Z.dtype)
    dA2 = np.ones_like(Z2)
    try:
        out = np.asarray(core.call(fn, dA2, Z2.copy(), kind, name=name), _f64)
    except (core.CheckFailure, Exception):
        return
    g2 = _act_grad(Z2.astype(_f64), kind)
    keep = np.abs(g2) > 1e-6
    if out.shape != Z2.shape or keep.sum() < 3:
        return
    c2 = float(np.median(out[keep] / g2[keep]))
    if not core.close(out, c2 * g2, 1e-4, 1e-9):
        return
    m2, n2 = Z2.shape
    stories = ((1 / m, 1 / m2, f"1/m (m = {m} rows of Z; with {m2} rows it is 1/{m2})"),
               (float(m), float(m2), f"m (m = {m} rows of Z; with {m2} rows it is {m2})"),
               (1 / n, 1 / n2, f"1/n (n = {n} columns of Z; with {n2} columns it is 1/{n2})"))
    why = next((f" = {text}" for a, b, text in stories
                if abs(c - a) <= 1e-4 * abs(a) and abs(c2 - b) <= 1e-4 * abs(b)), None)
    if why is None and abs(c2 - c) > 1e-4 * abs(c):
        return                                   # a factor that changes with the shape, but not 1/m: no story
    if why and why.startswith(" = 1/m"):
        fix = ("activation_backward must not divide by m: the 1/m of the mean loss lives only in dZ_L = (A_L - Y) / m, "
               "and every layer below inherits it through dA")
    elif why:
        fix = "the local derivative depends on Z alone, not on the shape of the batch"
    else:
        why, fix = (" (the same at every shape)",
                    "a constant factor in your formula is wrong (a 2 or 1/2 too many, or a factor of another formula)")
    core.fail(f"{name}: your local derivative dZ / dA is exactly {c:.4g}{why} times the right one, "
              f"{_DERIVATIVE_FORMULA[kind]}: {fix}", "local-derivative-scaled")


def _name_mixed_entries(fn, Z, dA, got64, kind, name) -> None:
    """Property: dZ[i, j] depends on dA[i, j] and Z[i, j] only (the chain rule, elementwise). One entry of Z
    is moved and the other entries of dZ that move with it are named: a whole column (the batch combined, a
    mean over axis 0), a whole row (axis 1), or everything."""
    if Z.ndim != 2 or min(Z.shape) < 2:
        return
    i, j = Z.shape[0] - 1, Z.shape[1] - 1
    Z2 = Z.copy()
    Z2[i, j] = Z2[i, j] + 0.75 if Z2[i, j] > 0 else Z2[i, j] - 0.75      # same side of ReLU's kink
    try:
        again = np.asarray(core.call(fn, dA.copy(), Z2, kind, name=name), _f64)
    except core.CheckFailure:
        return
    if again.shape != got64.shape:
        return
    moved = ~np.isclose(again, got64, rtol=1e-9, atol=1e-12)
    moved[i, j] = False
    if not moved.any():
        return
    if moved[:, j].sum() == moved.sum() and moved[:i, j].all():
        where = (f"the whole column {j}: the batch is combined (a mean or sum over axis=0, e.g. "
                 f"g'(Z).mean(axis=0))")
    elif moved[i, :].sum() == moved.sum() and moved[i, :j].all():
        where = f"the whole row {i}: the units of a sample are combined (a mean or sum over axis=1)"
    else:
        where = f"{int(moved.sum())} other entries: entries are combined (a reduction or a matrix product)"
    core.fail(f"{name}: changing Z[{i}, {j}] alone moved your dZ at {where}; the chain rule is elementwise, "
              f"dZ[i, j] = dA[i, j] * g'(Z[i, j]) with {_DERIVATIVE_FORMULA[kind]}", "entries-combined")


def _check_activation_backward_values(got, want, name, Z64, dA64, s, g, kind):
    """The catalogued mistakes of activation_backward (else core.analyse_difference)."""
    _expect_close(got, want, name=name, rtol=1e-7, atol=1e-10, diagnose={
        "sigmoid'(Z) = s (1 - s) with s = sigmoid(Z); Z * (1 - Z) is the formula in terms of the "
        "activation, applied here to the pre-activation Z": dA64 * Z64 * (1 - Z64),
        "the derivative is evaluated at the activation sigmoid(Z) instead of at the pre-activation Z":
            dA64 * _sigmoid(s) * (1 - _sigmoid(s)),
        "tanh'(Z) = 1 - tanh(Z)^2; 1 - Z^2 is the formula in terms of the activation, applied to "
        "the pre-activation Z": dA64 * (1 - Z64 ** 2),
        "tanh'(Z) = 1 - tanh(Z)^2, not (1 - tanh(Z))^2 (mind the parentheses)":
            dA64 * (1 - np.tanh(Z64)) ** 2,
        "tanh'(Z) = 1 - tanh(Z)^2, not 1 - tanh(Z)": dA64 * (1 - np.tanh(Z64)),
        "chain rule: multiply the local derivative g'(Z) by the incoming gradient dA": g,
        "the derivative g'(Z) is applied twice (dA * g'(Z) * g'(Z))": dA64 * g * g,
        "the activation itself was multiplied instead of its derivative (dA * g(Z), not dA * g'(Z))":
            dA64 * _act(Z64, kind),
        "the ReLU mask must come from Z (where Z > 0), not from dA": dA64 * (dA64 > 0),
        "the ReLU mask must come from Z alone: dA is also masked where dA <= 0":
            dA64 * (Z64 > 0) * (dA64 > 0),
        "ReLU' is 1 where Z > 0 and 0 elsewhere: the mask is inverted": dA64 * (Z64 <= 0),
        "ReLU passes dA where Z > 0 and 0 elsewhere, but yours passes dA also where Z < 0: the mask is missing, "
        "or it is true for negative Z too (Z != 0 or Z.astype(bool) is true for every nonzero Z; use Z > 0)":
            dA64 if kind == "relu" else None,
        **{f"for activation={kind!r} your code uses the derivative of {other} ({_DERIVATIVE_FORMULA[other]}): "
           f"the code for {other!r} runs for {kind!r} (a condition that is always true, such as `activation == "
           f"'{other}' or '{kind}'` where a non-empty string counts as True, or a branch for {kind!r} that does "
           f"not return and falls through). It must be {_DERIVATIVE_FORMULA[kind]}": dA64 * _act_grad(Z64, other)
           for other in ACTIVATIONS if other != kind},
    })


_MODEL_BACKWARD_HINT = ("A shape error in the backward pass usually means a missing transpose "
                        "(dA_prev = dZ @ W.T, dW = A_prev.T @ dZ) or caches from the wrong layer (layer l "
                        "uses caches[l-1]); make linear_backward pass first")


def _compose_backward(linear_backward, activation_backward, AL, Y, caches, hidden):
    """The reference loop of model_backward run on the student's building blocks (raises as they do)."""
    m, L, g = AL.shape[0], len(caches), {}
    dZ = (AL - Y) / m
    for l in range(L, 0, -1):
        dA_prev, g[f"dW{l}"], g[f"db{l}"] = linear_backward(dZ, caches[l - 1][0])
        g[f"dA{l - 1}"] = dA_prev
        if l > 1:
            dZ = activation_backward(dA_prev, caches[l - 2][1], hidden)
    return g


def _own_model_backward(linear_backward, activation_backward, AL, Y, caches, hidden):
    """:func:`_compose_backward`, or None when the student's building blocks are missing or fail."""
    if linear_backward is None or activation_backward is None:
        return None
    try:
        return _compose_backward(linear_backward, activation_backward, AL, Y, caches, hidden)
    except Exception:
        return None


def _grads_match(got, want, keys, rtol=1e-5, atol=1e-7):
    try:
        return all(k in got and _near(got[k], want[k], rtol, atol) for k in keys)
    except (TypeError, ValueError):
        return False


def _own_loss_gradient(bce, layers, Y, params, hidden):
    """Finite differences of the student's own loss through the reference forward (or None)."""
    if bce is None:
        return None
    try:
        L = len(layers)
        X = layers[0][0]

        def loss(v, key):
            trial = dict(params)
            trial[key] = v
            return float(bce(_sigmoid(_logits_from(X, trial, hidden, 1)), Y))
        return {f"dW{L}": core.numerical_gradient(lambda v: loss(v, f"W{L}"), np.array(params[f"W{L}"])),
                f"db{L}": core.numerical_gradient(lambda v: loss(v, f"b{L}"), np.array(params[f"b{L}"]))}
    except Exception:
        return None


def model_backward(fn, linear_backward=None, activation_backward=None, binary_cross_entropy=None) -> None:
    """The backward loop. A NumPy warning that the student's activation_backward or linear_backward gives on its own
    is judged in that block's cell: model_backward is then judged with the documented blocks lent."""
    try:
        _model_backward(fn, linear_backward, activation_backward, binary_cross_entropy)
    except core.CheckFailure as exc:
        kept = _blocks_keeping_buffers({"linear_backward": linear_backward, "activation_backward": activation_backward})
        if kept and core.judged_again(lambda: _model_backward(fn, None, None, binary_cross_entropy), core.lent_globals(
                fn, {"linear_backward": _lent_linear_backward, "activation_backward": _lent_activation_backward}),
                f"judged with the documented blocks in place of your {' and '.join(kept)}, which overwrites what an "
                f"earlier call returned (see its own cell)"):
            return
        one = np.ones_like(_BLOCK_PROBE)
        if not _rejudged_with_blocks(lambda: _model_backward(fn, None, None, binary_cross_entropy), fn, exc, {
            "activation_backward": (activation_backward, lambda: [activation_backward(one.copy(), _BLOCK_PROBE.copy(), k)
                                                                  for k in ACTIVATIONS], _lent_activation_backward),
            "linear_backward": (linear_backward, lambda: linear_backward(
                _BLOCK_PROBE.T.copy(), (_BLOCK_PROBE.T.copy(), np.ones((1, 1)), np.zeros((1, 1)))),
                _lent_linear_backward)}):
            raise


def _name_cache_index_past_end(exc, L, name) -> None:
    """IndexError raised at a line of model_backward that reads caches[v] with a bare variable v: caches has L
    entries, caches[0] .. caches[L - 1], so v reached L: the loop's layer number l (L down to 1) used as the
    list index.  Read from the line the exception names, with L of this call."""
    text = core.located(exc)
    m = re.search(r"raised IndexError: list index out of range \(raised at `([^`]*)` in model_backward\)", text)
    index = re.search(r"caches\[\s*([A-Za-z_]\w*)\s*\]", m.group(1)) if m else None
    if index is None:
        return
    v = index.group(1)
    core.fail(f"{name} raised IndexError: list index out of range (raised at `{m.group(1)}` in model_backward): "
              f"caches has L = {L} entries, caches[0] .. caches[{L - 1}], so {v} reached {L} there: layer l's cache "
              f"is caches[l - 1] (the list counts from 0, the layers from 1): with l from L down to 1, read caches[{v} - 1] (and the layer "
              f"below's Z from caches[{v} - 2])", "cache-index-past-end")


def _deep_backward_differs(name, problem) -> None:
    """The networks of up to 3 layers passed and the one of 11 layers fails: say what changes with it."""
    core.fail(f"{name} {problem}, while the networks of up to 3 layers above are right: look at what changes with "
              f"more layers (layer numbers of two digits, 10 and 11): layer l must be visited by number, "
              f"l = L, L-1, ..., 1, with caches[l - 1] and the keys dW{{l}}, db{{l}}, dA{{l-1}} (a sort of the "
              f"numbers or keys as strings puts 10 before 2)", "deep-network-differs")


def _model_backward(fn, linear_backward=None, activation_backward=None, binary_cross_entropy=None) -> None:
    gen = core.rng("lab04.model_backward")
    earlier: list = []       # what the earlier calls returned (a dict kept between calls keeps their keys)
    first = None             # the first case, asked again when a later one fails (state kept between calls)
    # The last network has every size 1 (see model_forward): model_backward's own loop can be
    # judged there even when a building block's transposed product raises everywhere else.
    for dims, m, hidden, dtype in [([3, 4, 4, 1], 5, "relu", _f64), ([2, 5, 3, 1], 1, "tanh", _f64),
                                   ([4, 3, 1], 6, "sigmoid", _f64), ([3, 4, 4, 1], 4, "tanh", _f64),
                                   ([5, 2, 6, 1], 7, "relu", _f64), ([4, 1], 3, "tanh", _f64),
                                   ([3, 6, 2, 1], 5, "tanh", np.float32), ([1, 1, 1], 1, "tanh", _f64),
                                   (_DEEP_DIMS, 5, "relu", _f64)]:    # 11 layers: W10, W11 (two digits)
        while True:   # ReLU kinks spoil finite differences: resample until every |Z| > 1e-3
            params = _random_params(gen, dims, scale=1.2)
            X = gen.standard_normal((m, dims[0]))
            layers = _forward(X, params, hidden)
            if min(np.abs(layer[3]).min() for layer in layers) > 1e-3:
                break
        Y = (gen.random((m, 1)) < 0.5).astype(_f64)
        AL = layers[-1][4]
        caches = [((A_prev.astype(dtype), W.astype(dtype), b.astype(dtype)), Z.astype(dtype))
                  for A_prev, W, b, Z, _ in layers]
        L = len(dims) - 1
        name = f"model_backward(layers {dims}, m={m}, {hidden!r}, {np.dtype(dtype).name})"
        given = copy.deepcopy(caches)
        own_thunk = (None if linear_backward is None or activation_backward is None else
                     lambda: _compose_backward(linear_backward, activation_backward, AL.astype(dtype),
                                               Y.astype(dtype), copy.deepcopy(caches), hidden))
        try:
            got = _call_composite(fn, AL.astype(dtype), Y.astype(dtype), given, hidden, name=name,
                                  hint=_MODEL_BACKWARD_HINT, own=own_thunk)
        except core.CheckFailure as exc:
            _first_case_again(fn, first, "model_backward")
            if dims is _DEEP_DIMS and " raised " in str(exc):
                _deep_backward_differs(name, str(exc)[len(name):].split(". ")[0].strip())
            _name_cache_index_past_end(exc, L, name)
            _name_transposed_labels(fn, exc, AL.astype(dtype), Y.astype(dtype), caches, hidden, layers, L)
            _name_whole_cache_pair(exc, linear_backward, caches)
            if " raised " in str(exc):
                _name_block_arguments(fn, AL.astype(dtype), Y.astype(dtype), caches, hidden, name)
            if " raised " in str(exc):
                _walks_forwards(fn, hidden, name, "in linear_backward" in str(exc))
                _layers_skipped(fn, hidden, name)
            if " raised " in str(exc) and m > 1:
                _right_for_one_sample(fn, X, Y, params, hidden, L, name, m)
            if " raised " in str(exc):
                _name_output_dz(fn, AL.astype(dtype), Y.astype(dtype), caches, hidden, name)
            raise _noted_function_state(exc, fn, "model_backward") from None
        if got is None:
            continue
        if not isinstance(given, list) or len(given) != len(caches):
            core.fail(f"{name} changed the caches list it was given (it had {len(caches)} entries, now "
                      f"{len(given) if isinstance(given, list) else core.describe(given)}): caches.pop(), del or "
                      f"append change the caller's list, which still needs it; read caches[l - 1] instead",
                      "mutated-caches-list")
        _caches_unchanged(given, caches, name)
        if not isinstance(got, dict):
            core.fail(f"{name} must return a dict of gradients, got {core.describe(got)}", "wrong-return-type")
        _stale_keys(got, earlier, L, name)
        earlier.append(got)
        keys = [k for l in range(L, 0, -1) for k in (f"dW{l}", f"db{l}", f"dA{l - 1}")]
        ref = _backward(layers, Y, hidden)
        if _grads_match(got, ref, keys):
            if dims == [3, 4, 4, 1] and hidden == "relu":   # one case suffices: finite differences
                _fd_backward(got, params, layers, X, Y, hidden, L, name)
            if first is None:
                first = (name, (AL.astype(dtype), Y.astype(dtype), copy.deepcopy(caches), hidden),
                         {k: np.array(got[k]) for k in keys}, lambda o, r, keys=keys: isinstance(o, dict)
                         and _grads_match(o, r, keys, 0.0, 0.0))
            continue
        _first_case_again(fn, first, "model_backward")
        own = _own_model_backward(linear_backward, activation_backward, AL.astype(dtype), Y.astype(dtype),
                                  copy.deepcopy(caches), hidden)
        if own is not None and _grads_match(got, own, keys):
            continue      # right loop on a wrong building block: that block's own cell pays for it
        if dims is _DEEP_DIMS:
            _deep_backward_differs(name, "gives wrong gradients")
        _name_reversed_numbering(got, ref, L, name)
        _name_stale_dz(got, ref, layers, Y, hidden, L, m, name, fn)
        _name_copied_keys(got, ref, keys, name)
        _explain_backward(got, ref, layers, params, X, Y, hidden, L, m, keys, name, binary_cross_entropy, fn=fn)
    layers = _forward(*_default_probe("lab04.model_backward.default"), "relu")
    caches = [((A_prev, W, b), Z) for A_prev, W, b, Z, _ in layers]
    Y = np.array([[1.0], [0.0], [1.0], [0.0], [0.0]])
    _documented_default(lambda *a: fn(layers[-1][4].copy(), Y.copy(), copy.deepcopy(caches), *a),
                        "model_backward(AL, Y, caches)", "hidden_activation", "relu", ACTIVATIONS)


def _name_reversed_numbering(got, ref, L, name) -> None:
    """Every gradient is right but filed under the wrong layer: grads['dWk'] and grads['dbk'] hold layer
    L + 1 - k's (a counter that starts at the top, where the loop starts: enumerate(reversed(caches), 1))."""
    if L < 2:
        return
    try:
        flipped = all(_near(got.get(f"d{p}{k}"), ref[f"d{p}{L + 1 - k}"], 1e-5, 1e-7)
                      for k in range(1, L + 1) for p in "Wb")
    except (TypeError, ValueError, AttributeError):
        return
    if flipped:
        core.fail(f"{name}: every gradient is right but filed under the wrong layer: grads['dW1'] holds dW{L}, "
                  f"grads['dW{L}'] holds dW1 (and likewise db): the layer numbering is reversed; the loop runs "
                  f"from the top, l = L, ..., 1, and layer l's gradients go to grads[f'dW{{l}}'] with that l (a "
                  f"counter over reversed(caches) starts at 1 at the top layer L)", "layer-numbering-reversed")


def _name_output_dz(fn, AL, Y, caches, hidden, name) -> None:
    """After model_backward raised: the dZ its FIRST linear_backward call got (judged with a recording reference
    block lent by name), when that call is the output layer's (its W is the last layer's): dZ_L has the shape of AL,
    (m, n_L).  A 0-d or (m,) dZ_L (a reduction, a dropped axis) raises later inside linear_backward."""
    dZs: list = []

    def linear_backward(dZ, linear_cache):
        dZs.append((dZ, linear_cache))
        return _lent_linear_backward(dZ, linear_cache)
    try:
        with core.lent_globals(fn, {"linear_backward": linear_backward}):
            with np.errstate(all="ignore"):
                fn(AL.copy(), Y.copy(), copy.deepcopy(caches), hidden)
    except Exception:
        pass
    for dZ, cache in dZs[:1]:
        try:
            top = _same(np.asarray(cache[1]), np.asarray(caches[-1][0][1]))
            want = (AL.shape[0], np.shape(cache[1])[1])
        except (TypeError, IndexError, KeyError, ValueError):
            continue
        if top and np.shape(dZ) != want:
            shape = np.shape(dZ)
            why = (" (a 0-d number: a reduction such as np.mean or np.sum over the samples collapsed the per-sample "
                   "gradients; keep one row per sample, dZ_L = (AL - Y) / m)" if shape == () else "")
            core.fail(f"{name}: the linear_backward call of the output layer {len(caches)} (W {np.shape(cache[1])})"
                      f" was given dZ of shape {shape}: dZ_L must have the shape of AL, (m, n_L) = {want}, one row "
                      f"per sample{why}", "dz-output-shape")


def _name_block_arguments(fn, AL, Y, caches, hidden, name) -> None:
    """After model_backward raised: what did it hand its building blocks?  Judged again with recording reference
    blocks lent by name (core.lent_globals): each caches entry is (linear_cache, Z), so linear_backward must get a
    triple (A_prev, W, b) and activation_backward an array Z.  Said only when a recorded call got the other part
    of the pair (a confirmed reading, not a guess from the error text)."""
    calls: list = []

    def activation_backward(dA, activation_cache, activation):
        calls.append(("activation_backward", activation_cache))
        return _lent_activation_backward(dA, activation_cache, activation)

    def linear_backward(dZ, linear_cache):
        calls.append(("linear_backward", linear_cache))
        return _lent_linear_backward(dZ, linear_cache)
    try:
        with core.lent_globals(fn, {"activation_backward": activation_backward, "linear_backward": linear_backward}):
            with np.errstate(all="ignore"):
                fn(AL.copy(), Y.copy(), copy.deepcopy(caches), hidden)
    except Exception:
        pass
    for block, arg in calls:
        if block == "activation_backward" and isinstance(arg, (tuple, list)):
            core.fail(f"{name}: activation_backward was given a {type(arg).__name__} of {len(arg)} values as Z (the "
                      f"activation cache): that is a linear cache (A_prev, W, b). Each caches entry is the pair "
                      f"(linear_cache, activation_cache) = ((A_prev, W, b), Z), in that order: unpack the layer "
                      f"below's entry as `_, Z_prev = caches[l - 2]` (or caches[l - 2][1])", "cache-pair-swapped")
        if block == "linear_backward" and isinstance(arg, np.ndarray):
            core.fail(f"{name}: linear_backward was given an array of shape {arg.shape} as the linear cache: that is "
                      f"Z, the activation cache. Each caches entry is the pair (linear_cache, activation_cache) = "
                      f"((A_prev, W, b), Z), in that order: `linear_cache, _ = caches[l - 1]`", "cache-pair-swapped")


def _name_whole_cache_pair(exc, linear_backward, caches) -> None:
    """model_backward raised "not enough values to unpack (expected 3, got 2)" inside linear_backward: confirmed
    when the student's own linear_backward raises that very error given a whole caches entry, the pair
    (linear_cache, activation_cache), and works given its first entry."""
    text = str(exc).split(". " + _MODEL_BACKWARD_HINT)[0]
    if linear_backward is None or "expected 3, got 2" not in text:
        return
    (A_prev, W, b), _Z = caches[-1]
    dZ = np.ones((A_prev.shape[0], W.shape[1]), dtype=A_prev.dtype)
    try:
        linear_backward(dZ, (A_prev.copy(), W.copy(), b.copy()))
    except Exception:
        return
    try:
        linear_backward(dZ, copy.deepcopy(caches[-1]))
    except Exception as err:
        if "expected 3, got 2" not in str(err):
            return
    else:
        return
    core.fail(f"{text}. linear_backward was given a whole entry of caches: caches[l - 1] is the pair "
              f"(linear_cache, activation_cache) that model_forward stored, and linear_backward unpacks its "
              f"argument as linear_cache = (A_prev, W, b); pass the first entry: linear_cache, activation_cache = "
              f"caches[l - 1], then linear_backward(dZ, linear_cache) (your linear_backward gives this very error "
              f"with the pair and works with linear_cache)", "whole-cache-pair")


def _width_one_backward(fn, hidden, tag: str):
    """The student's model_backward on a network of width 1, where every shape fits (layers [1, 1, 1, 1], m = 3):
    (dims, m, X (m, 1), Y (m, 1), the reference forward's layers, what it returned, or None when it raised)."""
    gen = core.rng(tag)
    dims, m = [1, 1, 1, 1], 3
    params, X = _random_params(gen, dims, scale=1.2), gen.standard_normal((m, 1))
    layers = _forward(X, params, hidden)
    Y = np.array([[1.0], [0.0], [1.0]])
    caches = [((A_prev, W, b), Z) for A_prev, W, b, Z, _ in layers]
    try:
        got = fn(layers[-1][4].copy(), Y.copy(), copy.deepcopy(caches), hidden)
    except Exception:
        got = None
    return dims, m, X, Y, layers, got


def _walks_forwards(fn, hidden, name, in_linear: bool) -> None:
    """model_backward raised: on a network of width 1 (every shape fits) read dW1. When it is X.T @ dZ_L, the
    output layer's dZ = (AL - Y)/m met layer 1's cache first: the loop walks the layers from l = 1."""
    dims, m, X, Y, layers, got = _width_one_backward(fn, hidden, "lab04.model_backward_walk")
    try:
        dW1 = np.asarray(got["dW1"], dtype=_f64)
    except Exception:
        return
    wrong = X.T @ ((layers[-1][4] - Y) / m)
    if dW1.shape != (1, 1) or not core.close(dW1, wrong, 1e-6, 1e-9) \
            or core.close(dW1, _backward(layers, Y, hidden)["dW1"], 1e-6, 1e-9):
        return
    where = "inside linear_backward, from the arguments model_backward gave it" if in_linear else "on the way"
    core.fail(f"{name} raised an error {where}: on a "
              f"network of width 1 (layers {dims}, where every shape fits) your dW1 is X.T @ (AL - Y) / m, the "
              f"output layer's dZ applied to layer 1's cache: your loop walks the layers forwards, from l = 1; "
              f"backpropagation starts at the output layer, for l in range(L, 0, -1)", "walks-layers-forwards")


def _layers_skipped(fn, hidden, name) -> None:
    """model_backward raised: on a network of width 1 (every shape fits), which layers' gradients does it return?
    dW_l/db_l missing for the output layer L (or for layer 1) while the others are there: the loop over the layers
    starts late (range(L - 1, 0, -1)) or stops early."""
    dims, _, _, _, _, got = _width_one_backward(fn, hidden, "lab04.model_backward_skip")
    L = len(dims) - 1
    if not isinstance(got, dict):
        return
    missing = [l for l in range(1, L + 1) if f"dW{l}" not in got and f"db{l}" not in got]
    present = [l for l in range(1, L + 1) if f"dW{l}" in got]
    if not missing or not present:
        return
    if missing == [L]:
        how = (f"the output layer L = {L} is skipped: your loop starts one layer too low (range(L - 1, 0, -1)?), so "
               f"the output layer's dZ_L = (AL - Y) / m meets layer {L - 1}'s cache, whose W does not fit it")
    elif missing == [1]:
        how = "layer 1 is skipped: your loop stops one layer too early (range(L, 1, -1)?)"
    else:
        how = f"layers {missing} are skipped by your loop"
    core.fail(f"{name} raised an error; on a network of width 1 (layers {dims}, where every shape fits) your "
              f"model_backward returns gradients for layers {present} but none (no dW/db) for layer(s) {missing}: "
              f"{how}. Backpropagation visits every layer, for l in range(L, 0, -1), starting from the output layer",
              "layers-skipped-in-backward")


def _same_entry(entry, entry0) -> bool:
    try:
        (lin, Z), (lin0, Z0) = entry, entry0
        return len(lin) == len(lin0) and all(np.array_equal(a, b) for a, b in zip(lin, lin0)) \
            and np.array_equal(Z, Z0)
    except (TypeError, ValueError):
        return False


def _caches_unchanged(given, caches, name) -> None:
    """Property: model_backward only reads caches. A change is said as what it is: the list's entries put in
    another order (caches.reverse(), sort) -- each entry still equal to one of the originals --, or which array of
    which layer's entry was written into."""
    if all(_same_entry(e, e0) for e, e0 in zip(given, caches)):
        return
    where = [next((j for j, e0 in enumerate(caches) if _same_entry(e, e0)), None) for e in given]
    if None not in where and sorted(where) == list(range(len(caches))):
        order = "reversed" if where == list(range(len(caches)))[::-1] else f"reordered (now layers {[j + 1 for j in where]})"
        core.fail(f"{name} changed the order of the caches list it was given: after the call the list is {order}; "
                  f"caches.reverse() or caches.sort() reorder the caller's list in place, which still needs it in "
                  f"layer order: loop over the layers backwards with caches[l - 1] (or iterate over reversed(caches), "
                  f"which makes no change)", "caches-reordered")
    for l, (e, e0) in enumerate(zip(given, caches), start=1):
        if _same_entry(e, e0):
            continue
        try:
            (lin, Z), (lin0, Z0) = e, e0
            what = [label for label, a, b in zip(_CACHE_NAMES, lin, lin0) if not np.array_equal(a, b)]
            what += [] if np.array_equal(Z, Z0) else [f"Z_{l}"]
        except (TypeError, ValueError):
            what = []
        core.fail(f"{name} modified caches[{l - 1}] (layer {l}'s cache" + (f": {', '.join(what)}" if what else "")
                  + ") in place; the backward pass must only read the caches (an in-place operation such as "
                    "dZ *= ..., Z[Z <= 0] = 0 or out= writes into the cached array)", "mutated-input")


def _stale_keys(got: dict, earlier: list, L: int, name: str) -> None:
    """Property: the gradients returned are those of this network's L layers only. Keys dW{l}/db{l} of layers
    beyond L are left over from an earlier call when they hold an earlier call's values (confirmed: the
    grads dict outlives the call), else they are named as they are."""
    extra = sorted(k for k in got if re.fullmatch(r"d[Wb]\d+", str(k)) and int(str(k)[2:]) > L)
    if not extra:
        return
    old = [k for k in extra if any(k in e and np.shape(e[k]) == np.shape(got[k]) and np.array_equal(e[k], got[k])
                                   for e in earlier)]
    if old:
        core.fail(f"{name} returned {', '.join(extra)} although this network has {L} layer(s); they hold the values an "
                  f"earlier call returned: the grads dict outlives the call (a mutable default argument such as "
                  f"grads={{}}, or a dict made outside the function), so every call returns the same dict with the "
                  f"keys of earlier networks. Create grads = {{}} inside model_backward", "grads-dict-kept-between-calls")
    core.fail(f"{name} returned {', '.join(extra)} although this network has {L} layer(s) (keys dW1..dW{L}, db1..db{L} "
              f"only)", "extra-gradient-keys")


def _right_for_one_sample(fn, X, Y, params, hidden, L, name, m) -> None:
    """model_backward raised on a batch of m samples: when the same network on its first sample alone gives the
    right gradients, something that keeps one row per sample was reduced over the batch."""
    layers = _forward(X[:1], params, hidden)
    caches = [((A_prev, W, b), Z) for A_prev, W, b, Z, _ in layers]
    try:
        got = fn(layers[-1][4].copy(), Y[:1].copy(), copy.deepcopy(caches), hidden)
    except Exception:
        return
    keys = [k for l in range(L, 0, -1) for k in (f"dW{l}", f"db{l}", f"dA{l - 1}")]
    if isinstance(got, dict) and _grads_match(got, _backward(layers, Y[:1], hidden), keys):
        core.fail(f"{name} raises for a batch of m = {m} samples but gives the right gradients for a batch of one: "
                  f"something that must keep one row per sample was reduced over the batch (dZ_L = (AL - Y) / m "
                  f"has shape (m, 1); a mean or sum over axis 0 collapses it to (1, 1))", "right-only-for-one-sample")


def _no_derivative_on_tanh(fn, dims, m, l) -> bool:
    """Second probe for "layer l's dZ is dA_l" when ReLU's derivative could not tell it: the same sizes with tanh
    (whose derivative is below 1 everywhere but 0), where that layer's dW_l = A_(l-1).T @ dA_l holds only then."""
    if fn is None:
        return False
    gen = core.rng("lab04.model_backward.no-derivative")
    params, X = _random_params(gen, dims, scale=1.2), gen.standard_normal((m, dims[0]))
    layers = _forward(X, params, "tanh")
    Y = (np.arange(m) % 2).astype(_f64)[:, None]
    caches = [((A_prev, W, b), Z) for A_prev, W, b, Z, _ in layers]
    try:
        got = fn(layers[-1][4].copy(), Y.copy(), copy.deepcopy(caches), "tanh")
        dW = np.asarray(got[f"dW{l}"], _f64)
    except Exception:
        return False
    dA = _backward(layers, Y, "tanh")[f"dA{l}"]
    return dW.shape == (dims[l - 1], dims[l]) and _near(dW, layers[l - 1][0].T @ dA)


def _name_stale_dz(got, ref, layers, Y, hidden, L, m, name, fn=None) -> None:
    """Which dZ a hidden layer's gradients were computed from, read from its dW and db together (dW_l = A_(l-1).T @ dZ,
    db_l = sum(dZ, axis=0)): layer l+1's dZ (never recomputed for layer l: the activation_backward of that layer was
    skipped, its result stored under another name) or dA_l itself (the derivative g'(Z_l) left out of that layer
    alone).  Both hypotheses are tested on the two gradients at once, so a value stored under a wrong key is not
    taken for them (see _name_copied_keys)."""
    keys = [k for l in range(L, 0, -1) for k in (f"dW{l}", f"db{l}", f"dA{l - 1}")]
    if L < 2 or _grads_match(got, _backward_no_deriv(layers, Y), keys, 1e-6, 1e-9):
        return                   # every hidden derivative missing: _explain_backward says so
    dZ = {L: (layers[-1][4] - Y) / m}
    for k in range(L - 1, 0, -1):
        dZ[k] = ref[f"dA{k}"] * _act_grad(layers[k - 1][3], hidden)
    for l in range(L - 1, 0, -1):
        try:
            dW, db = np.asarray(got[f"dW{l}"], _f64), np.asarray(got[f"db{l}"], _f64)
        except (KeyError, TypeError, ValueError):
            return
        if dW.shape == ref[f"dW{l}"].shape and _near(dW, ref[f"dW{l}"]) and _near(db, ref[f"db{l}"]):
            continue
        A_prev = layers[l - 1][0]
        candidates = {f"dZ{l + 1}, layer {l + 1}'s dZ": dZ[l + 1], f"dA{l}": ref[f"dA{l}"]}
        # dA_l times the derivative at ANOTHER layer's Z (broadcast) may equal dA_l itself (every ReLU unit of that
        # layer active): then "no derivative" and "the derivative of the wrong layer" cannot be told apart here
        for k in range(1, L + 1):
            try:
                with np.errstate(all="ignore"):
                    other = ref[f"dA{l}"] * _act_grad(layers[k - 1][3], hidden)
            except ValueError:
                continue
            if k != l and other.shape == dZ[l].shape and _near(other, ref[f"dA{l}"]):
                if not _no_derivative_on_tanh(fn, [layer[0].shape[1] for layer in layers] + [1], m, l):
                    candidates.pop(f"dA{l}")
                break
        for what, value in candidates.items():
            if value.shape != dZ[l].shape or _near(value, dZ[l]):
                continue
            if dW.shape == (A_prev.shape[1], value.shape[1]) and _near(dW, A_prev.T @ value) \
                    and _near(db, value.sum(axis=0, keepdims=True)):
                if what.startswith("dZ"):
                    how = (f"the dZ was not recomputed for layer {l}: the dZ{l} = activation_backward(dA{l}, Z_{l}, "
                           f"hidden_activation) step was skipped for that layer (a condition on l that leaves it out, "
                           f"such as `if l > {l + 1}` where `if l > 1` belongs, or its result stored under another "
                           f"name), so the loop reused the dZ of layer {l + 1}")
                else:
                    how = (f"the derivative of the hidden activation is missing for layer {l} alone: dZ{l} = dA{l} * "
                           f"g'(Z_{l}), activation_backward(dA{l}, Z_{l}, hidden_activation), before linear_backward")
                core.fail(f"{name}: layer {l}'s gradients are computed from {what} (dW{l} = A_{l - 1}.T @ that, db{l} = "
                          f"its sum over the batch), not from dZ{l}: {how}; every hidden layer (l = 1 to L - 1 = {L - 1}) "
                          f"needs its own dZ", "layer-gradients-from-another-dz")
        return


def _name_copied_keys(got, ref, keys, name) -> None:
    """A gradient stored under the wrong key: grads[k] holds exactly the expected value of another key k2
    (grads['db3'] = dW3, a copy-paste slip) while k2 itself is right or missing."""
    if not all(k in got for k in keys):
        return                                    # missing keys: _explain_backward names them
    for k in keys:
        try:
            g = np.asarray(got[k], _f64)
        except (KeyError, TypeError, ValueError):
            continue
        if g.shape == ref[k].shape and _near(g, ref[k]):
            continue
        for k2 in keys:
            if k2 != k and g.shape == ref[k2].shape and _near(g, ref[k2]) and k2 in got \
                    and np.shape(got[k2]) == ref[k2].shape and _near(got[k2], ref[k2]):   # k2 itself right
                core.fail(f"{name}: grads[{k!r}] holds the value of {k2} (shape {g.shape}): store each gradient under "
                          f"its own key ({k} must be the gradient of {k[1:]}, shape {ref[k].shape}); a copy-paste "
                          f"slip in the assignment?", "gradient-under-wrong-key")


def _name_transposed_labels(fn, exc, AL, Y, caches, hidden, layers, L) -> None:
    """Hypothesis replayed when model_backward raises: does it give the right gradients when Y is handed
    over transposed, (1, m)?  Then it transposes Y itself (the column-per-sample convention)."""
    if " raised " not in str(exc) or "not implemented" in str(exc) or Y.shape[0] == 1:
        return
    try:
        got = fn(AL.copy(), Y.T.copy(), copy.deepcopy(caches), hidden)
    except Exception:
        return
    keys = [k for l in range(L, 0, -1) for k in (f"dW{l}", f"db{l}", f"dA{l - 1}")]
    if isinstance(got, dict) and _grads_match(got, _backward(layers, Y.astype(_f64), hidden), keys):
        core.fail(f"{exc}. Your model_backward transposes Y (Y.T, the column-per-sample convention): here rows "
                  f"are samples, Y has shape {Y.shape} like AL, so dZ_L = (AL - Y) / m with no transpose (given Y "
                  f"as {Y.T.shape}, your code returns the right gradients)", "labels-transposed")


def _fd_gradients(params, layers, X, Y, hidden, L):
    want = {}
    for l in range(1, L + 1):
        for p in "Wb":
            x = params[f"{p}{l}"].copy()
            trial = dict(params)

            def f(v, key=f"{p}{l}"):
                trial[key] = v
                return _bce_logits(_logits_from(X, trial, hidden, 1), Y)
            want[f"d{p}{l}"] = core.numerical_gradient(f, x)
        A_in = layers[l - 1][0].copy()
        want[f"dA{l - 1}"] = core.numerical_gradient(
            lambda a, first=l: _bce_logits(_logits_from(a, params, hidden, first), Y), A_in)
    return want


def _fd_backward(got, params, layers, X, Y, hidden, L, name):
    """Independent of the analytic oracle: finite differences of the loss (float64)."""
    want = _fd_gradients(params, layers, X, Y, hidden, L)
    for key, value in want.items():
        _expect_close(got[key], value, name=f"{name}: grads[{key!r}] (finite differences)",
                          rtol=1e-5, atol=1e-7)


def _name_dz_for_da(g, ref, layers, Y, hidden, l: int, L: int, m: int, name: str) -> None:
    """Which intermediate: grads['dA{l}'] (the gradient with respect to layer l+1's input A_l) holding dZ of a
    layer, the gradient with respect to a pre-activation (the variable stored is the one before or after
    linear_backward / activation_backward)."""
    dZ = {L: (layers[-1][4] - Y) / m}
    for k in range(L - 1, 0, -1):
        dZ[k] = ref[f"dA{k}"] * _act_grad(layers[k - 1][3], hidden)
    for k, value in dZ.items():
        if k != l and isinstance(g, np.ndarray) and g.shape == value.shape and _near(g, value) \
                and not _near(value, ref[f"dA{l}"]):
            core.fail(f"{name}: grads['dA{l}'] holds dZ{k}, the gradient with respect to layer {k}'s pre-activation "
                      f"Z{k}; grads['dA{l}'] is the gradient with respect to A{l}, the input of layer {l + 1}: store the "
                      f"dA_prev that linear_backward returns for layer {l + 1}, not dZ", "da-holds-dz")
        if k == l and isinstance(g, np.ndarray) and g.shape == value.shape and _near(g, value) \
                and not _near(value, ref[f"dA{l}"]):
            core.fail(f"{name}: grads['dA{l}'] holds dZ{l} = dA{l} * g'(Z{l}), the gradient after the activation's "
                      f"derivative; grads['dA{l}'] is the gradient with respect to A{l} itself, before "
                      f"activation_backward", "da-holds-dz")


_DZ_FORMULAS = ("(a - y) / m", "-(y / a - (1 - y) / (1 - a)) * a * (1 - a) / m")


def _output_gradient_term(fn, name: str) -> None:
    """Which term of the output gradient dZ_L is wrong, read per sample: in a one-layer network whose input is
    the identity (X = I, m = n_0 = 6), dW1 = X.T @ dZ_1 = dZ_1, so the student's model_backward shows its
    dZ_L row by row; formula.explain_formula names the edit of (a - y) / m, or of dA_L * sigmoid'(Z_L), that
    gives it."""
    gen = core.rng("lab04.model_backward.top")
    m = 6
    X, W, b = np.eye(m), gen.standard_normal((m, 1)), gen.standard_normal((1, 1))
    Y = np.array([[1.0], [0.0], [1.0], [1.0], [0.0], [0.0]])
    Z = X @ W + b
    AL = _sigmoid(Z)
    try:
        grads = fn(AL.copy(), Y.copy(), [((X.copy(), W.copy(), b.copy()), Z.copy())], "relu")
        dZ = np.asarray(grads["dW1"], dtype=_f64)
        db = np.asarray(grads["db1"], dtype=_f64)
    except Exception:
        return
    if dZ.shape != (m, 1):
        return
    said = explain_formula(_DZ_FORMULAS, {"a": AL, "y": Y, "m": float(m)}, dZ, rtol=1e-6, atol=1e-9,
                           what="per-sample dZ_L (read from a one-layer network with X = I)")
    if said:
        core.fail(f"{name}: the gradient of the output layer is wrong: {said}", "output-gradient-term")
    want = (AL - Y) / m
    if core.close(dZ, want, 1e-6, 1e-9) or not np.isfinite(dZ).all() or db.size != 1 \
            or not core.close(float(db.ravel()[0]), float(dZ.sum()), 1e-6, 1e-9):
        return                           # dW_1 is not X.T @ dZ_1 with db_1 its column sum: not a dZ read back
    shown = f"your per-sample dZ_L are {cases.format_values(dZ[:, 0])}, expected (A_L - Y) / m = {cases.format_values(want[:, 0])}"
    p = dZ[:, 0] * m + Y[:, 0]          # what the student's dZ_L puts in the place of A_L
    if np.all(np.isclose(p, np.round(p), atol=1e-9)) and set(np.round(p).tolist()) <= {0.0, 1.0}:
        core.fail(f"{name}: the gradient of the output layer is wrong: read per sample in a one-layer network "
                  f"with X = I, your dZ_L is (P - Y) / m with P a 0/1 label per sample ({cases.format_values(p)}), not the "
                  f"probability A_L ({cases.format_values(AL[:, 0])}): dZ_L = (A_L - Y) / m uses the sigmoid's output "
                  f"itself; thresholding (A_L > 0.5) belongs to predict, and its derivative is 0; {shown}",
                  "output-gradient-thresholded")
    core.fail(f"{name}: the gradient of the output layer is wrong, read per sample in a one-layer network with "
              f"X = I (where dW_1 = dZ_1): {shown}; dZ_L = (A_L - Y) / m with A_L the sigmoid's output",
              "output-gradient-values")


def _explain_backward(got, ref, layers, params, X, Y, hidden, L, m, keys, name, bce, fn=None):
    if "dA0" not in got and f"dA{L}" in got:
        core.fail(f"{name}: grads has no key 'dA0' but has 'dA{L}': the gradient of layer l's input A_(l-1) "
                  f"is grads['dA(l-1)'], so the keys run from dA0 to dA{L - 1}", "da-keys-shifted")
    for key in keys:
        if key not in got:
            extra = sorted(set(map(str, got)) - set(keys))
            bare = {k[1:] for k in keys if k.startswith(("dW", "db"))}
            if bare and bare <= set(map(str, got)):
                core.fail(f"{name}: grads has no key {key!r}: your gradients are stored under the parameters' own names "
                          f"({', '.join(sorted(bare))}); the gradient of a parameter W1 is grads['dW1'] (a 'd' before "
                          f"the name, as update_parameters reads them: grads['d' + key])", "grads-under-parameter-names")
            core.fail(f"{name}: grads has no key {key!r} (expected {keys}"
                      + (f"; it has {extra}" if extra else "") + ")", "missing-key")
        shape = ref[key].shape
        g = got[key]
        if key.startswith("dA"):
            _name_dz_for_da(g, ref, layers, Y, hidden, int(key[2:]), L, m, name)
        if key.startswith("db") and isinstance(g, np.ndarray) and g.shape == (m, shape[1]) and m > 1:
            core.fail(f"{name}: grads[{key!r}] must be summed over the batch axis: expected shape "
                      f"{shape}, got {g.shape}", "db-not-summed")
        if isinstance(g, np.ndarray) and g.shape == shape[::-1] and shape[0] != shape[1]:
            core.fail(f"{name}: grads[{key!r}] has shape {g.shape}, the transpose of {shape}", "grad-transposed")
        core.expect_array(g, name=f"{name}: grads[{key!r}]", shape=shape)
    alternatives = {
        "the sign of the BCE gradient is flipped: dZ_L = (A_L - Y) / m":
            _backward(layers, Y, hidden, top=lambda a, y, mm: (y - a) / mm),
        "the 1/m is applied twice (dZ_L = (A_L - Y)/m already averages over the batch)":
            {k: v / m for k, v in ref.items()},
        "the 1/m is missing: dZ_L = (A_L - Y) / m for the mean loss, with m = AL.shape[0] the number of "
        "rows (samples)": _backward(layers, Y, hidden, top=lambda a, y, mm: a - y),
        "the sigmoid derivative of the last layer is applied on top of dZ_L = (A_L - Y)/m, which "
        "already includes it (BCE + sigmoid simplification)":
            _backward(layers, Y, hidden, top=lambda a, y, mm: (a - y) / mm * a * (1 - a)),
        "the derivative of the hidden activation is evaluated at the activation A_{l-1} "
        "(the linear cache's A_prev) instead of the pre-activation Z_{l-1}":
            _backward(layers, Y, hidden, at=4),
        "the hidden layers' derivative must be that of hidden_activation, not of the sigmoid":
            _backward(layers, Y, hidden, deriv="sigmoid") if hidden != "sigmoid" else None,
        **{f"with hidden_activation={hidden!r} the hidden layers' derivative is that of {other!r}: the derivative "
           f"passed to activation_backward must be hidden_activation's (is {other!r} written where the argument "
           f"hidden_activation belongs?)": _backward(layers, Y, hidden, deriv=other)
           for other in ACTIVATIONS if other not in (hidden, "sigmoid")},
        "dZ_L is missing the sigmoid's derivative: -(Y / A_L - (1 - Y) / (1 - A_L)) / m is dA_L, the gradient "
        "with respect to the output A_L; multiplied by sigmoid'(Z_L) = A_L (1 - A_L) it gives dZ_L = (A_L - Y) / m":
            _backward(layers, Y, hidden, top=lambda a, y, mm: -(y / a - (1 - y) / (1 - a)) / mm),
        "dZ_L = 2 (A_L - Y) / m is the derivative of the squared error (A_L - Y)^2, not of the binary "
        "cross-entropy: your backward differentiates another loss than the one the network is trained "
        "with; for the sigmoid + mean BCE, dZ_L = (A_L - Y) / m":
            _backward(layers, Y, hidden, top=lambda a, y, mm: 2 * (a - y) / mm),
        "dZ_L = 2 (A_L - Y) A_L (1 - A_L) / m is the gradient of the squared error through the sigmoid, not "
        "of the binary cross-entropy: your backward differentiates another loss than the one the network "
        "is trained with; for the sigmoid + mean BCE, dZ_L = (A_L - Y) / m":
            _backward(layers, Y, hidden, top=lambda a, y, mm: 2 * (a - y) * a * (1 - a) / mm),
    }
    if L > 1:
        alternatives["activation_backward was called with its first two arguments swapped, (Z, dA) instead of "
                     "(dA, Z): your hidden dZ is Z * g'(dA); the signature is activation_backward(dA, "
                     "activation_cache, activation)"] = _backward_swapped_arguments(layers, Y, hidden)
        alternatives["the hidden layers' derivative is missing (dZ_{l-1} = dA_{l-1} * g'(Z_{l-1}))"] = \
            _backward_no_deriv(layers, Y)
        alternatives["the derivative of the hidden activation is applied twice (dZ_{l-1} = dA_{l-1} * "
                     "g'(Z_{l-1}) * g'(Z_{l-1})): call activation_backward once per layer, on dA_{l-1}"] = \
            _backward(layers, Y, hidden, power=2)
    for message, alt in alternatives.items():
        if alt is None:
            continue
        differs = not _grads_match(alt, ref, keys, 1e-5, 1e-7)
        if differs and _grads_match(got, alt, keys, 1e-6, 1e-9):
            core.fail(f"{name}: {message}", core.slug(message))
    factor = _common_factor(got, ref, keys)
    if factor is not None:
        sizes = {"m": m, "L": L, **{f"n_{l}": int(params[f"W{l}"].shape[0]) for l in range(1, L + 1)}}
        said = _divisor_confirmed(fn, factor, m, L, Y, params, hidden)
        if said is None:
            said = cases.explain_factor(factor * np.ones(2), np.ones(2), sizes, divisor="m")
        core.fail(f"{name}: every gradient is {factor:.4g} times the gradient of the mean loss: a factor in "
                  f"dZ_L = (A_L - Y) / m is wrong (the 1/m once, nothing else)" + (f"; {said}" if said else ""),
                  "grads-scaled")
    own = _own_loss_gradient(bce, layers, Y, params, hidden)
    top = [f"dW{L}", f"db{L}"]
    if own is not None and not _grads_match(own, ref, top) and _grads_match(got, own, top, 1e-4, 1e-6):
        core.fail(f"{name}: your gradients are those of your own binary_cross_entropy, which is not the "
                  f"mean binary cross-entropy (see its cell): the backward pass must differentiate the mean "
                  f"loss, dZ_L = (A_L - Y) / m", "consistent-with-wrong-loss")
    # Layer by layer from the output down: name the first layer that goes wrong.
    for key in keys:
        l = int(key[2:]) if not key.startswith("dA") else int(key[2:]) + 1
        if not _near(got[key], ref[key], 1e-5, 1e-7):
            err = core.relative_error(got[key], ref[key])
            above = "while every gradient above it is right" if key != keys[0] else "(the output layer)"
            if own is not None and _grads_match(own, ref, top) and key in top:
                lead = "your backward is not the derivative of your binary_cross_entropy (which is right): "
            else:
                lead = ""
            _explain_scaled_key(got, ref, keys, key, l, m, name, lead, above)
            if fn is not None and key in top:
                _output_gradient_term(fn, name)
            _name_layer_step(got, ref, layers, Y, hidden, l, L, name)
            _name_wrong_da(got, layers, hidden, l, L, name)
            _name_wrong_z(got, layers, hidden, l, L, name)
            core.fail(f"{name}: {lead}grads[{key!r}] differs from the gradient of the loss (relative error "
                      f"{err:.2g}) {above}: look at layer {l}: it must use caches[{l - 1}] (its own A_prev, "
                      f"W, b and Z) and, below the output, the derivative of hidden_activation at that "
                      f"layer's pre-activation Z", "layer-wrong")


def _hidden_dw(got, layers, l: int, L: int):
    """(A_prev, Z, the student's dW_l as float64) of hidden layer l (< L), or None (the output layer, or no
    usable dW_l)."""
    if l >= L:
        return None
    A_prev, _W, _b, Z, _ = layers[l - 1]
    try:
        return A_prev, Z, np.asarray(got[f"dW{l}"], _f64)
    except (KeyError, TypeError, ValueError):
        return None


def _name_layer_step(got, ref, layers, Y, hidden, l, L, name) -> None:
    """Hidden layer l (< L) is the first wrong one, everything above it right: its dW_l against the two steps of
    the layer, dA_l -> dZ_l = dA_l * g'(Z_l) -> dW_l, each replaced in turn by what a slip gives (the derivative of
    another activation, no derivative, or dZ_(l+1) of the layer above fed in place of dA_l = dZ_(l+1) @ W_(l+1).T)."""
    found = _hidden_dw(got, layers, l, L)
    if found is None:
        return
    A_prev, Z, dW = found
    dA = ref[f"dA{l}"]
    top = "the top hidden layer" if l == L - 1 else "a hidden layer"
    for other in ACTIVATIONS:
        if other != hidden and _near(dW, A_prev.T @ (dA * _act_grad(Z, other)), 1e-5, 1e-7) \
                and not _near(ref[f"dW{l}"], A_prev.T @ (dA * _act_grad(Z, other)), 1e-5, 1e-7):
            edge = (f" The layers below it use another derivative: is the condition on the layer index off by one "
                    f"(l == L, or l == len(caches) - 1, picking the {other} for layer {l})?" if other == "sigmoid" else "")
            core.fail(f"{name}: layer {l} ({top}) is differentiated as a {other}: its dZ_{l} = dA{l} * {other}'(Z_{l}), "
                      f"but layer {l} applies hidden_activation = {hidden!r}, so dZ_{l} = activation_backward(dA{l}, "
                      f"Z_{l}, hidden_activation); only the output layer {L} is a sigmoid, and its derivative is "
                      f"already inside dZ_{L} = (A_L - Y) / m.{edge}", "hidden-layer-derivative-of-another")
    if _near(dW, A_prev.T @ dA, 1e-5, 1e-7) and not _near(ref[f"dW{l}"], A_prev.T @ dA, 1e-5, 1e-7):
        # a derivative evaluated at another layer's cached array where it is 1 everywhere looks the same
        ones = [f"{what}_{k} (caches[{k - 1}])" for k in range(1, L + 1) for at, what in ((3, "Z"), (4, "A"))
                if (k, at) != (l, 3) and _broadcasts(layers[k - 1][at].shape, Z.shape)
                and np.all(_act_grad(layers[k - 1][at], hidden) == 1.0)]
        also = (f", or takes it at an array where {hidden}' is 1 everywhere here, such as {ones[0]} instead of "
                f"Z_{l} (caches[{l - 1}])" if ones else "")
        core.fail(f"{name}: layer {l} ({top}) skips the derivative of its activation{also}: dZ_{l} = dA{l} * "
                  f"{hidden}'(Z_{l}) (activation_backward(dA{l}, Z_{l}, hidden_activation)), not dA{l} itself",
                  "hidden-layer-derivative-missing")
    # dZ of the layer above, fed where its dA_prev = dZ @ W.T belongs (same shape only when the widths agree)
    above = (layers[-1][4] - Y) / Y.shape[0] if l + 1 == L else ref[f"dA{l + 1}"] * _act_grad(layers[l][3], hidden)
    try:
        fed = np.broadcast_to(above, Z.shape) * _act_grad(Z, hidden)
    except ValueError:
        return
    if _near(dW, A_prev.T @ fed, 1e-5, 1e-7):
        quiet = (f"both are {Z.shape} here" if above.shape == Z.shape else
                 f"dZ_{l + 1} of shape {above.shape} broadcasts against Z_{l} {Z.shape}")
        core.fail(f"{name}: layer {l} ({top}) starts from dZ_{l + 1}, the gradient of layer {l + 1}'s pre-activation, "
                  f"instead of dA{l} = dZ_{l + 1} @ W_{l + 1}.T, the dA_prev that linear_backward returned for layer "
                  f"{l + 1}: the W.T step is skipped ({quiet}, so no shape error showed it); call "
                  f"activation_backward(dA_prev, Z_{l}, hidden_activation)",
                  "hidden-layer-given-dz")


def _broadcasts(shape, to) -> bool:
    try:
        return np.broadcast_shapes(shape, to) == tuple(to)
    except ValueError:
        return False


def _name_wrong_da(got, layers, hidden, l, L, name) -> None:
    """Hidden layer l (< L) must start from dA_l, the gradient its successor passed down: when its dW_l is what
    the student's OWN grads['dA_k'] of another layer k would give (dZ = dA_k * g'(Z_l)), name that dA."""
    found = _hidden_dw(got, layers, l, L)
    if found is None:
        return
    A_prev, Z, dW = found
    for k in range(L):
        if k == l:
            continue
        try:
            dA = np.asarray(got[f"dA{k}"], _f64)
        except (KeyError, TypeError, ValueError):
            continue
        if dA.shape != Z.shape:
            continue
        if _near(dW, A_prev.T @ (dA * _act_grad(Z, hidden)), 1e-5, 1e-7):
            core.fail(f"{name}: layer {l} was given grads['dA{k}'] instead of grads['dA{l}'] (the gradient its own "
                      f"output receives from layer {l + 1}): each layer must start from the dA_prev the layer above "
                      f"just returned, dZ_{l} = activation_backward(dA{l}, Z_{l}, hidden_activation)",
                      "layer-given-another-da")


def _name_wrong_z(got, layers, hidden, l, L, name) -> None:
    """Hidden layer l's derivative must be evaluated at its own Z_l: when its dW_l is what the right dA_l gives
    with the derivative taken at another cached array (Z or A of another layer, of the same shape), name it."""
    if l >= L:
        return
    A_prev, _W, _b, _Z, _ = layers[l - 1]
    try:
        dW = np.asarray(got[f"dW{l}"], _f64)
        dA = np.asarray(got[f"dA{l}"], _f64)
    except (KeyError, TypeError, ValueError):
        return
    if dA.shape != _Z.shape:
        return
    for k in range(1, L + 1):
        for at, what in ((3, "Z"), (4, "A")):
            if (k, at) == (l, 3):
                continue
            other = layers[k - 1][at]
            if other.shape != _Z.shape or _near(other, _Z, 1e-9, 1e-12):
                continue
            if _near(dW, A_prev.T @ (dA * _act_grad(other, hidden)), 1e-5, 1e-7):
                core.fail(f"{name}: layer {l}'s dZ_{l} = dA{l} * g'(...) evaluates the derivative at {what}_{k} "
                          f"(caches[{k - 1}]) instead of Z_{l} (caches[{l - 1}][1]): the derivative of layer {l} "
                          f"is taken at that layer's own pre-activation, activation_backward(dA{l}, Z_{l}, "
                          f"hidden_activation)", "derivative-at-another-layer")


def _explain_scaled_key(got, ref, keys, key, l, m, name, lead, above):
    """The first wrong gradient is a multiple of the right one: say by how much (m, 1/m...) and which
    gradients are right, so that the misplaced factor can be found."""
    k = _common_factor(got, ref, [key])
    if k is None:
        return
    why = (" (= m, the batch size: the 1/m is missing there)" if abs(k - m) <= 1e-6 * m and m > 1 else
           " (= 1/m: the 1/m is applied twice there)" if abs(k * m - 1) <= 1e-6 and m > 1 else
           " (the sign is flipped there)" if abs(k + 1) <= 1e-6 else "")
    wrong = [w for w in keys if not _near(got[w], ref[w], 1e-5, 1e-7)]
    if all(w.startswith("dA") for w in wrong) and len(wrong) < len(keys):
        core.fail(f"{name}: {lead}grads[{key!r}] is {k:.4g} times the gradient of the loss{why}, yet every "
                  f"dW and db is right: only the gradients passed down, {', '.join(wrong)}, are off. "
                  f"dA_prev = dZ @ W.T must use the same dZ as dW and db: a factor (such as the 1/m) applied to "
                  f"dW and db instead of to dZ_L = (A_L - Y) / m never reaches dA", "da-scaled")
    core.fail(f"{name}: {lead}grads[{key!r}] is {k:.4g} times the gradient of the loss{why} {above}: look at "
              f"layer {l}: which factor multiplies it that does not belong there", "gradient-scaled-at-layer")


def _divisor_candidates(m, L, Y, params) -> dict:
    """What a student may divide dZ_L by, with its value for one call (names as the student would write them)."""
    Y = np.asarray(Y, _f64)
    out = {"m = AL.shape[0] (the number of samples)": m, "1 (nothing: the 1/m is missing)": 1,
           "m * m (the 1/m twice)": m * m, "L = len(caches) (the number of layers)": L,
           "Y.sum() (the number of positive labels)": float(Y.sum()),
           "(1 - Y).sum() (the number of negative labels)": float((1 - Y).sum()), "2 * m": 2 * m}
    out.update({f"n_{l} (the width of layer {l})": int(params[f"W{l}"].shape[1]) for l in range(1, L + 1)})
    out["n_0 = X.shape[1] (the number of input features, not of samples)"] = int(params["W1"].shape[0])
    return out


def _divisor_confirmed(fn, factor, m, L, Y, params, hidden):
    """Every gradient is ``factor`` times the reference: the student divided dZ_L by m / factor. Which quantity
    that is, confirmed on a second network whose m, L, widths and label counts all differ from this one's (a
    single case cannot tell m * k from a coincidence such as Y.sum() == L). None when fn cannot be replayed."""
    if fn is None:
        return None
    gen = core.rng("lab04.model_backward.divisor")
    dims2, m2 = [3, 6, 1], 9
    params2 = _random_params(gen, dims2, scale=1.2)
    X2 = gen.standard_normal((m2, dims2[0]))
    Y2 = np.array([[1.0]] * 4 + [[0.0]] * 5)[gen.permutation(m2)]
    layers2 = _forward(X2, params2, hidden)
    caches2 = [((A_prev.copy(), W.copy(), b.copy()), Z.copy()) for A_prev, W, b, Z, _ in layers2]
    keys2 = [k for l in range(2, 0, -1) for k in (f"dW{l}", f"db{l}", f"dA{l - 1}")]
    try:
        got2 = fn(layers2[-1][4].copy(), Y2.copy(), caches2, hidden)
        k2 = _common_factor(got2, _backward(layers2, Y2, hidden), keys2)
    except Exception:
        k2 = None
    d1 = m / factor
    if k2 is None:
        return (f"you divided by {d1:.4g} here, where m = {m} (a second network, m = {m2}, gives gradients that are "
                f"not a constant multiple of the right ones)")
    d2 = m2 / k2
    first, second = _divisor_candidates(m, L, Y, params), _divisor_candidates(m2, 2, Y2, params2)
    hits = [c for c in first if abs(first[c] - d1) <= 1e-6 * d1 and abs(second[c] - d2) <= 1e-6 * d2]
    if hits and hits[0].startswith("m = "):
        return None
    if hits:
        return (f"you divided by {hits[0]}: {d1:.4g} here, and {d2:.4g} on a second network (m = {m2}, L = 2, "
                f"Y.sum() = 4), where the right divisor is m = AL.shape[0]")
    return (f"you divided by {d1:.4g} here and by {d2:.4g} on a second network with m = {m2} samples, L = 2 layers and "
            f"4 positive labels: that is none of m, L, a layer width, the number of input features or a count "
            f"of labels; the only divisor is "
            f"m = AL.shape[0]")


def _common_factor(got, ref, keys):
    """k when every gradient in ``got`` is k * the reference (k != 1), else None."""
    try:
        g = np.concatenate([np.asarray(got[k], _f64).ravel() for k in keys])
        r = np.concatenate([np.asarray(ref[k], _f64).ravel() for k in keys])
    except (KeyError, TypeError, ValueError):
        return None
    if g.shape != r.shape or not np.isfinite(g).all() or float(r @ r) == 0.0:
        return None
    k = float(g @ r / (r @ r))
    if abs(k - 1) < 1e-3 or abs(k) < 1e-12 or not core.close(g, k * r, 1e-6, 1e-9):
        return None
    return k


def _backward_no_deriv(layers, Y):
    L = len(layers)
    m = Y.shape[0]
    dZ = (layers[-1][4] - Y) / m
    g = {}
    for l in range(L, 0, -1):
        A_prev, W, _b, _z, _ = layers[l - 1]
        g[f"dW{l}"] = A_prev.T @ dZ
        g[f"db{l}"] = dZ.sum(axis=0, keepdims=True)
        g[f"dA{l - 1}"] = dZ @ W.T
        dZ = g[f"dA{l - 1}"]
    return g


# ----------------------------------------------------------------------------- update, predict
def _update_has_no_memory(fn) -> None:
    """Plain gradient descent has no state: the same call twice gives the same result (a velocity, a
    step counter or a cache kept in a global, a module-level dict or a mutable default argument does not)."""
    gen = core.rng("lab04.update.memory")
    dims, lr = [3, 2, 1], 0.25
    params = _random_params(gen, dims)
    grads = {"d" + k: gen.standard_normal(v.shape) for k, v in params.items()}
    name = f"update_parameters(layers {dims}, learning_rate={lr}, float64)"
    results = []
    for attempt in (1, 2):
        given = _copy_params(params)
        try:
            got = core.call(fn, given, _copy_params(grads), lr, name=name)
        except core.CheckFailure:
            if attempt == 1:
                return          # the cases below name the error
            raise
        out = got if isinstance(got, dict) else given
        if not all(k in out for k in params):
            return              # not the parameters dict (grads returned, keys renamed): the cases below name it
        results.append({k: np.array(out.get(k), dtype=_f64) if isinstance(out.get(k), np.ndarray) else None
                        for k in params})
    same = all(a is not None and b is not None and a.shape == b.shape and np.array_equal(a, b)
               for a, b in ((results[0][k], results[1][k]) for k in params))
    if not same:
        core.fail(f"{name}: called twice with the same parameters, gradients and learning rate, it gave different "
                  f"results: update_parameters keeps state between calls (a velocity or step counter in a global "
                  f"or module-level variable, or a mutable default argument). Plain gradient descent has no "
                  f"memory: P <- P - learning_rate * dP from this call's arguments alone", "update-has-memory")


def update_parameters(fn) -> None:
    """Every parameter moves by exactly -learning_rate * its gradient; grads untouched; extra grads ignored."""
    _update_has_no_memory(fn)
    gen = core.rng("lab04.update")
    for dims, lr, dtype in [([3, 4, 2], 0.37, _f64), ([2, 1], 1.5, _f64), ([5, 3, 6, 1], 0.05, _f64),
                            ([4, 7, 1], 0.2, np.float32)]:
        params = _random_params(gen, dims, dtype=dtype)
        drawn = {"d" + k: gen.standard_normal(v.shape).astype(dtype) for k, v in params.items()}
        drawn["dA0"] = gen.standard_normal((3, dims[0])).astype(dtype)
        # in model_backward's order, dA keys included (dW_L, db_L, dA_(L-1), ..., dW1, db1, dA0): code that
        # pairs the parameters with grads by position instead of by key meets the grads it would meet in train
        grads = {}
        for l in range(len(dims) - 1, 0, -1):
            grads[f"dW{l}"], grads[f"db{l}"] = drawn[f"dW{l}"], drawn[f"db{l}"]
            grads[f"dA{l - 1}"] = drawn["dA0"] if l == 1 else gen.standard_normal((3, dims[l - 1])).astype(dtype)
        name = f"update_parameters(layers {dims}, learning_rate={lr}, {np.dtype(dtype).name})"
        given, given_grads = _copy_params(params), _copy_params(grads)
        try:
            got = _call(fn, given, given_grads, lr, name=name,
                        hint="grads also holds the keys dA0, dA1...: loop over the parameters (W1, b1, ...) and "
                             "use grads['d' + key]")
        except core.CheckFailure as exc:
            _name_transposed_gradients(fn, exc, params, grads, lr, name)
            _name_layer_index(exc, len(dims) - 1, name, params, grads, fn)
            raise
        _unchanged(grads, given_grads, name, "grads")
        if isinstance(got, dict) and (got is given_grads or (set(map(str, got)) == set(grads) and set(got) != set(params))):
            core.fail(f"{name} returned the gradients dict grads (keys {sorted(map(str, got))[:4]}...), not the "
                      f"parameters: return parameters, the dict whose W1, b1, ... you updated", "returned-grads")
        if got is None and all(not np.array_equal(given[k], params[k]) for k in params):
            core.fail(f"{name} returned None: return the parameters dict (updated in place)", "returned-none")
        got = _param_dict(got, dims, name)
        moved = {k: not np.array_equal(np.asarray(got[k], _f64), v.astype(_f64)) for k, v in params.items()}
        _name_first_only(got, params, grads, lr, moved, name)
        if all(moved[k] for k in moved if k[0] == "W") and not any(moved[k] for k in moved if k[0] == "b"):
            core.fail(f"{name}: the weights were updated but the biases b1, b2, ... were not: every parameter "
                      f"moves, P <- P - learning_rate * dP", "biases-not-updated")
        _name_layers_left_out(got, params, grads, lr, moved, len(dims) - 1, name)
        steps = {k: np.asarray(got[k], _f64) - params[k].astype(_f64) for k in params}
        flat_g = np.concatenate([grads["d" + k].astype(_f64).ravel() for k in params])
        flat_s = np.concatenate([steps[k].ravel() for k in params])
        c = float(flat_s @ flat_g / (flat_g @ flat_g))
        if abs(c + lr) > 1e-6 * lr and core.close(flat_s, c * flat_g, _RTOL, 1e-9) and abs(c) > 1e-12:
            known = {lr: ("the step goes uphill: subtract learning_rate * dP, do not add it", "uphill"),
                     -1.0: ("the learning_rate is ignored: P <- P - learning_rate * dP", "lr-ignored"),
                     -1.0 / lr: ("dP is divided by the learning rate instead of multiplied by it", "divided-by-lr")}
            for coef, (message, diagnosis) in known.items():
                if abs(c - coef) <= 1e-6 * abs(coef):
                    core.fail(f"{name}: {message}", diagnosis)
            core.fail(f"{name}: every parameter moved by {c:.6g} * dP instead of -learning_rate * dP = "
                      f"{-lr:g} * dP", "step-scaled")
        _name_affine_step(flat_s, flat_g, lr, dtype, name)
        _name_parameter_term(flat_s, flat_g, np.concatenate([params[k].astype(_f64).ravel() for k in params]), lr,
                             dtype, name)
        _name_clipped_gradients(flat_s, flat_g, lr, dtype, name)
        for key, value in params.items():
            kept = getattr(got[key], "dtype", None)
            if kept is not None and kept.kind == "f" and kept.itemsize < value.dtype.itemsize:
                core.fail(f"{name}: {key} came back as {kept} for {value.dtype} parameters: the docstring updates "
                          f"the arrays in place, so they keep their dtype (P -= learning_rate * dP; a cast such as "
                          f".astype(np.{kept}) loses precision at every step)", "params-dtype-changed")
        for key, value in params.items():
            v, g = value.astype(_f64), grads["d" + key].astype(_f64)
            want = v - lr * g
            _expect_close(got[key], want, name=f"{name}: {key}", rtol=1e-10, atol=1e-12, diagnose={
                "the parameters came back unchanged: the update was applied to a copy that was thrown "
                "away (update parameters[key] in place, or return the updated values)": v,
                "the learning_rate is ignored: P <- P - learning_rate * dP": v - g,
                "the step goes uphill: subtract learning_rate * dP, do not add it": v + lr * g,
                "returned the step learning_rate * dP instead of the updated parameter": -lr * g,
                "the update uses the parameter instead of its gradient: P - learning_rate * P": v - lr * v,
                "every entry moved by the same step, learning_rate times the MEAN of the gradient array (a "
                "dP.mean() or np.mean(dP)): each entry moves by its own gradient entry, P - learning_rate * dP":
                    v - lr * g.mean(),
                "every entry moved by learning_rate times the SUM of the gradient array: each entry moves by its "
                "own gradient entry, P - learning_rate * dP": v - lr * g.sum(),
                "the step is learning_rate times dP divided by its norm (a step of fixed length): gradient "
                "descent steps by learning_rate * dP itself, P - learning_rate * dP":
                    (v - lr * g / np.linalg.norm(g)) if np.linalg.norm(g) > 0 else None,
            })


def _name_affine_step(steps, g, lr, dtype, name) -> None:
    """Property: the step is proportional to dP (a zero gradient leaves the parameter where it is). When every
    entry's step fits a + b * dP exactly with a != 0 (over entries with many different gradients), the step has
    a constant part: said as the fitted step, and as `learning_rate - dP` when a = -learning_rate, b = 1."""
    if g.size < 3 or np.ptp(g) == 0:
        return
    (b, a), *_ = np.linalg.lstsq(np.stack([g, np.ones_like(g)], axis=1), steps, rcond=None)
    rtol = 1e-5 if dtype == np.float32 else 1e-9
    if abs(a) <= 1e-6 * max(lr, 1e-12) or not core.close(steps, a + b * g, rtol, 1e-9):
        return
    fitted = f"{b:.4g} * dP {'+' if a >= 0 else '-'} {abs(a):.4g}"
    if abs(a + lr) <= 1e-6 * lr and abs(b - 1.0) <= 1e-6:
        core.fail(f"{name}: every parameter moved by dP - learning_rate = {fitted} (a zero gradient still moves it "
                  f"by -learning_rate): the update subtracts learning_rate - dP instead of learning_rate * dP; "
                  f"the step is P <- P - learning_rate * dP", "lr-minus-grad")
    core.fail(f"{name}: every parameter moved by {fitted}, a step with a constant part {a:.4g} (a zero gradient "
              f"would still move the parameter): the step is -learning_rate * dP = {-lr:g} * dP, proportional to "
              f"the gradient", "step-not-proportional")


def _name_parameter_term(steps, g, p, lr, dtype, name) -> None:
    """Property: the step depends on dP alone (a parameter with dP = 0 stays where it is, whatever its value).
    When every entry's step fits b * dP + c * P exactly, with b != 0 and c != 0 (over entries with many different
    gradients and parameters), the step has a term proportional to the parameter itself: weight decay / L2
    regularisation (P -= lr * (dP + lambda * P), or P *= 1 - lr * lambda), however it is spelled; said with the
    fitted factor of P.  (b = 0 is the parameter used instead of its gradient, named by the oracle's readings.)"""
    if g.size < 4 or np.ptp(g) == 0 or np.ptp(p) == 0:
        return
    rtol = 1e-5 if dtype == np.float32 else 1e-9
    if core.close(steps, -lr * g, rtol, 1e-9):
        return                                   # the right step (rounding noise fits any small c)
    (b, c), *_ = np.linalg.lstsq(np.stack([g, p], axis=1), steps, rcond=None)
    if abs(c) * np.abs(p).max() <= 10 * rtol * np.abs(steps).max():
        return
    # c = -1: the result holds no P at all (the step returned instead of P - step), named by the oracle's readings
    if abs(b) <= 1e-6 * lr or abs(c) <= 1e-9 or abs(c + 1) <= 1e-6 or not core.close(steps, b * g + c * p, rtol, 1e-9):
        return
    rate = f" (the rate learning_rate * {-c / lr:.4g})" if abs(b + lr) <= 1e-6 * lr else ""
    core.fail(f"{name}: every parameter moved by {b:.4g} * dP {'+' if c >= 0 else '-'} {abs(c):.4g} * P: the step "
              f"has an extra term proportional to the parameter itself{rate}, a weight decay (L2 regularisation) "
              f"that this lab's update does not have: a parameter whose gradient is 0 must stay where it is. The step "
              f"is P <- P - learning_rate * dP", "weight-decay")


def _name_clipped_gradients(steps, g, lr, dtype, name) -> None:
    """The steps are right exactly where |dP| <= t and are lr * t (with dP's sign) everywhere else: the
    gradients are clipped to [-t, t] before the update."""
    rtol = 1e-5 if dtype == np.float32 else 1e-9
    right = np.abs(steps + lr * g) <= 1e-12 + rtol * np.abs(lr * g)
    if right.all() or not right.any():
        return
    t = float(np.median(np.abs(steps[~right]) / lr))
    if not (np.all(np.abs(g[right]) <= t * (1 + 1e-6)) and np.all(np.abs(g[~right]) > t)
            and core.close(steps[~right], -lr * t * np.sign(g[~right]), rtol, 1e-12)):
        return
    core.fail(f"{name}: the {int((~right).sum())} entries whose gradient exceeds {t:.4g} in magnitude moved by "
              f"learning_rate * {t:.4g} only (with the gradient's sign), the {int(right.sum())} others by "
              f"-learning_rate * dP exactly: the gradients are clipped to [-{t:.4g}, {t:.4g}] before the step. "
              f"Gradient descent uses dP itself: P <- P - learning_rate * dP", "gradients-clipped")


def _name_first_only(got, params, grads, lr, moved, name):
    """Only the first parameter of the dict moved (by exactly its step): the loop ends after one key (a return
    or break inside the loop body); confirmed by every other key being untouched."""
    keys = list(params)
    first = keys[0]
    if len(keys) < 2 or not moved[first] or any(moved[k] for k in keys[1:]):
        return
    if not core.close(np.asarray(got[first], _f64), params[first].astype(_f64) - lr * grads["d" + first].astype(_f64),
                      _RTOL, 1e-9):
        return
    core.fail(f"{name}: only {first} (the first key of parameters) was updated; {', '.join(keys[1:])} came back "
              f"unchanged: the loop over the parameters stops after its first key (is the return, or a break, "
              f"indented inside the loop?)", "only-first-parameter-updated")


def _name_layers_left_out(got, params, grads, lr, moved, L, name):
    """Property in plain words: when some layers moved by exactly their step and the others not at all, name
    the layers left out (a loop over the layers that starts late or stops early)."""
    right = {k: core.close(np.asarray(got[k], _f64), params[k].astype(_f64) - lr * grads["d" + k].astype(_f64),
                           _RTOL, 1e-9) for k in params}
    still = sorted({int(k[1:]) for k in params if not moved[k]})
    if not still or not all(right[k] or not moved[k] for k in params) or len(still) == L:
        return
    if any(moved[f"{p}{l}"] for l in still for p in "Wb"):
        return                                    # a layer half updated: the key-by-key messages say which
    edge = (" (the last layer: a loop over the layers that stops one early, range(1, L) instead of "
            "range(1, L + 1)?)" if still == [L] else " (the first layer: a loop over the layers that starts at 2?)"
            if still == [1] else "")
    core.fail(f"{name}: layer(s) {still} of 1..{L} were not updated (W and b unchanged) while the others moved "
              f"by exactly -learning_rate * dP{edge}: every parameter moves", "layers-not-updated")


def _shape_of(text: str) -> tuple | None:
    return tuple(int(v) for v in re.findall(r"\d+", text)) or None


def _name_mixed_gradient(shapes: str, params, grads, name) -> None:
    """numpy's in-place broadcast error names the parameter's shape (the output operand) and the shape it met:
    when each shape belongs to exactly one parameter and one gradient (the check's sizes are pairwise
    different), say which parameter was stepped with which gradient."""
    hit = re.search(r"output operand with shape \(([\d, ]*)\).*broadcast shape \(([\d, ]*)\)", shapes)
    if not hit or not params or not grads:
        return
    out, other = _shape_of(hit.group(1)), _shape_of(hit.group(2))
    p_keys = [k for k, v in params.items() if tuple(np.shape(v)) == out]
    g_keys = [k for k, v in grads.items() if tuple(np.shape(v)) == other]
    of_params = [k for k in g_keys if k[1:] in params]
    if len(p_keys) != 1 or len(of_params) != 1:
        return
    p, g = p_keys[0], of_params[0]
    also = [k for k in g_keys if k != g]
    alias = f" (or {', '.join(repr(k) for k in also)}, of the same shape)" if also else ""
    read = " or ".join(f"grads[{k!r}]" for k in [g, *also])
    core.fail(f"{name} raised ValueError ({shapes}): {p} {out} was stepped with a gradient of shape {other}, the "
              f"shape of grads[{g!r}]{alias}: {p} must move by grads['d{p}'], which has its shape (the line that "
              f"updates {p} reads {read}: a copy-pasted line, a layer index off by one, or keys paired by "
              f"position?)", "update-wrong-gradient")


def _name_transposed_gradients(fn, exc, params, grads, lr, name) -> None:
    """A broadcast error in update_parameters, confirmed as gradients used transposed (dW.T, the habit of the
    column convention): handed the gradients already transposed (the weights' alone, or all of them), the
    student's code gives exactly the right update."""
    if "broadcast" not in str(exc):
        return
    for which, keys in (("dW", [k for k in params if k.startswith("W")]), ("dW and db", list(params))):
        flipped = dict(grads, **{"d" + k: np.ascontiguousarray(grads["d" + k].T) for k in keys})
        got = _updated(fn, params, flipped, lr)
        if got is None:
            continue
        want = {k: params[k].astype(_f64) - lr * grads["d" + k].astype(_f64) for k in params}
        if all(_near(got.get(k), want[k]) for k in params):
            core.fail(f"{name} raised ValueError ({str(exc).split('raised ValueError: ', 1)[-1].split('. grads', 1)[0]}"
                      f"): your update uses the gradient transposed ({which}.T, the habit of the column convention): "
                      f"here dW = A_prev.T @ dZ already has W's shape (n_prev, n) and db b's shape (1, n), so "
                      f"P <- P - learning_rate * grads['d' + P] with no transpose (given the gradients transposed, "
                      f"your code makes exactly the right update)", "update-gradient-transposed")


def _name_bound_counts_arrays(fn, name, key, L) -> None:
    """Property: the loop over the layers runs l = 1 .. L with L = len(parameters) // 2.  Second input: a
    network of ONE layer.  A loop that updates it right there but asks for layer L + 1 on this L-layer network
    has a bound that grows faster than the layers: len(parameters) counts the W and b arrays (2 per layer,
    range(1, len(parameters)) is exactly right for one layer); an index merely off by one fails on one layer
    too."""
    if L < 2:
        return
    gen = core.rng("lab04.update.one-layer")
    params = _random_params(gen, [3, 2])
    grads = {"dW1": gen.standard_normal((3, 2)), "db1": gen.standard_normal((1, 2)),
             "dA0": gen.standard_normal((4, 3))}
    got = _updated(fn, params, grads, 0.1)
    if got is None:
        return
    if all(_near(got.get(k), params[k] - 0.1 * grads["d" + k], 1e-9, 1e-12) for k in params):
        core.fail(f"{name} asked for the key {key!r}, which does not exist, while on a network of one layer it "
                  f"makes the right update: your loop over the layers runs past L = {L} once there are two "
                  f"layers or more: its bound counts the arrays, len(parameters) = 2L (one W and one b per "
                  f"layer); the number of layers is L = len(parameters) // 2 (loop over range(1, L + 1), or over "
                  f"the keys of parameters)", "loop-bound-counts-arrays")


def _updated(fn, params: dict, grads: dict, lr: float) -> dict | None:
    """What update_parameters(copies of params and grads, lr) left: the dict it returned, or the one it
    updated in place; None when it raised (a probe after a failure: the failure's own message stands)."""
    given = _copy_params(params)
    try:
        with np.errstate(all="ignore"):
            got = fn(given, _copy_params(grads), lr)
    except Exception:
        return None
    return got if isinstance(got, dict) else given


def _name_fixed_layers(fn, name, key) -> None:
    """A key past the last layer is asked for either by an index off by one (a deeper network fails the
    same way) or by a fixed list of keys, written for one network (a deeper network then runs, but its last
    layers never move).  The deeper network separates the two."""
    dims = [3, 4, 4, 4, 4, 2]
    gen = core.rng("lab04.update.fixed-layers")
    params = _random_params(gen, dims)
    grads = {"d" + k: gen.standard_normal(v.shape) for k, v in params.items()}
    got = _updated(fn, params, grads, 0.1)
    if got is None:
        return
    moved = [k for k in params if k in got and np.shape(got[k]) == params[k].shape
             and not np.array_equal(np.asarray(got[k], _f64), params[k])]
    still = [k for k in params if k not in moved]
    if moved and still:
        core.fail(f"{name} asked for the key {key!r}, which this network does not have, and on a network of "
                  f"{len(dims) - 1} layers it updates only {', '.join(moved)} ({', '.join(still)} never move): "
                  f"your code updates a fixed list of keys, written for one network; loop over the keys of the "
                  f"parameters dict it is given (for key in parameters: ... grads['d' + key])",
                  "update-fixed-keys")


def _name_layer_index(exc, L, name, params=None, grads=None, fn=None):
    """Name update_parameters' errors: a KeyError for a layer 0 or L + 1 key ('db0', 'W3' of a 2-layer
    network) is an index off by one; a broadcast error, a parameter updated with another one's gradient."""
    text = str(exc)
    hit = re.search(r"KeyError: \W*'(d?[Wb])(\d+)'", text)
    if exc.diagnosis == "raised-keyerror" and hit and not 1 <= int(hit.group(2)) <= L:
        key = hit.group(1) + hit.group(2)
        if fn is not None:
            _name_fixed_layers(fn, name, key)
            _name_bound_counts_arrays(fn, name, key, L)
        core.fail(f"{name} asked for the key {key!r}, which does not exist: the layers are numbered 1 to L = {L} "
                  f"(W1, b1, ..., W{L}, b{L}) and parameter P is updated with grads['d' + P]: a layer index off "
                  f"by one?", "layer-index-off-by-one")
    if exc.diagnosis == "raised-keyerror" and hit and not hit.group(1).startswith("d") and 1 <= int(hit.group(2)) <= L:
        key = hit.group(1) + hit.group(2)
        core.fail(f"{name} raised KeyError {key!r}: it looked up {key!r} in a dict that has no such key (parameters "
                  f"has it, so it was grads): the gradient of {key} is grads['d{key}'], grads['d' + key] for every "
                  f"key of parameters", "grads-key-without-d")
    if exc.diagnosis == "raised-valueerror" and "broadcast" in text:
        shapes = text.split("raised ValueError: ", 1)[-1].split(". grads also", 1)[0]
        _name_mixed_gradient(shapes, params, grads, name)
        core.fail(f"{name} raised ValueError ({shapes}): a parameter was updated with a gradient of another "
                  f"shape; parameter P moves by grads['d' + P], which has P's shape (a layer index off by one, "
                  f"W and b mixed up, one of the keys dA0, dA1... used, or the gradients paired with the parameters by "
                  f"position, zip(parameters, grads.values()), while model_backward lists them as dW_L, db_L, "
                  f"dA_(L-1), ...?)", "update-wrong-gradient")


_PREDICT_PROBE = {"W1": np.array([[1.0, -1.0, 2.0, -2.0]]), "b1": np.zeros((1, 4)), "W2": np.ones((4, 1)),
                  "b2": np.zeros((1, 1))}


def predict(fn, model_forward=None) -> None:
    """Thresholding AL. A NumPy warning that the student's model_forward gives on its own is judged in that cell:
    predict is then judged with the documented model_forward lent."""
    try:
        _predict(fn, model_forward)
    except core.CheckFailure as exc:
        if not _rejudged_with_blocks(lambda: _predict(fn, None), fn, exc, {
            "model_forward": (model_forward, lambda: [model_forward(_BLOCK_PROBE.T.copy(), _copy_params(_PREDICT_PROBE), k)
                                                      for k in ACTIVATIONS], _lent_model_forward)}):
            raise


def _labels_are_integers(got, name) -> None:
    """The docstring asks for an integer array of 0s and 1s: a boolean or float array of 0/1 is named."""
    if isinstance(got, np.ndarray) and got.dtype.kind in "bf" and got.size \
            and bool(np.all((got == 0) | (got == 1))):
        what = "booleans (True / False)" if got.dtype.kind == "b" else f"floats ({got.dtype})"
        core.fail(f"{name} returned its labels as {what}: the docstring asks for an integer array of 0s and 1s: "
                  f"convert the comparison, (AL > 0.5).astype(int)", "labels-not-integer")


def _name_index_tuple(got, name) -> None:
    """A tuple of integer index arrays of one length is what np.where(cond) returns with ONE argument: the
    positions where cond holds, not a value per sample."""
    if isinstance(got, tuple) and got and all(isinstance(a, np.ndarray) and a.ndim == 1 and a.dtype.kind in "iu"
                                              for a in got) and len({a.shape for a in got}) == 1:
        core.fail(f"{name} returned a tuple of {len(got)} integer index arrays: np.where(cond) with one argument "
                  f"returns the indices where cond holds, not a value per sample; use np.where(cond, 1, 0) or "
                  f"(AL > 0.5).astype(int), an array of shape (m, 1)", "where-returns-indices")


def _predict_at_one_half(fn, model_forward) -> None:
    """The label is 1 only where AL is strictly above 0.5: all-zero parameters give AL = sigmoid(0) = 0.5 exactly
    for every sample, whose label is 0 (asked of the student's model_forward first: a broken one pays in its cell)."""
    dims, m = [3, 4, 1], 5
    params = {}
    for l in range(1, len(dims)):
        params[f"W{l}"] = np.zeros((dims[l - 1], dims[l]))
        params[f"b{l}"] = np.zeros((1, dims[l]))
    X = core.rng("lab04.predict-half").standard_normal((m, dims[0]))
    if model_forward is not None:
        try:
            raw = model_forward(X.copy(), _copy_params(params), "relu")[0]
        except Exception:
            return
        if not isinstance(raw, np.ndarray) or raw.shape != (m, 1) or not np.all(raw == 0.5):
            return       # the student's model_forward (or its sigmoid) pays in its own cell
    name = f"predict(X {X.shape}, layers {dims} with all-zero parameters, 'relu')"
    got = np.asarray(_call(fn, X, _copy_params(params), "relu", name=name))
    if got.shape == (m, 1) and got.dtype.kind in "biuf" and np.all(got.astype(_f64) == 1):
        core.fail(f"{name}: every output AL is exactly 0.5 here (sigmoid(0)) and your labels are 1: the docstring "
                  f"says 1 where AL is above 0.5, else 0, so AL = 0.5 is class 0: use AL > 0.5, not AL >= 0.5",
                  "threshold-inclusive")


def _predict(fn, model_forward=None) -> None:
    gen = core.rng("lab04.predict")
    for dims, m, hidden, dtype in [([2, 5, 1], 9, "relu", _f64), ([3, 4, 1], 1, "tanh", _f64),
                                   ([4, 6, 3, 1], 7, "sigmoid", _f64), ([3, 5, 1], 8, "tanh", np.float32),
                                   ([1, 1, 1], 1, "tanh", _f64)]:
        while True:
            params = _random_params(gen, dims, scale=2.0)
            X = gen.standard_normal((m, dims[0]))
            AL = _forward(X, params, hidden)[-1][4]
            if np.abs(AL - 0.5).min() > 1e-3 and (m == 1 or 0 < (AL > 0.5).sum() < m):
                break
        X = X.astype(dtype)
        AL = _forward(X, params, hidden)[-1][4]
        name = f"predict(X {X.shape}, layers {dims}, {hidden!r}, {np.dtype(dtype).name})"
        own_thunk = None if model_forward is None else (
            lambda: core.call(model_forward, X, _copy_params(params), hidden, name="model_forward")[0] > 0.5)
        given = _copy_params(params)
        try:
            got = _call_composite(fn, X, given, hidden, name=name, own=own_thunk,
                                  hint="predict thresholds the output AL of model_forward at 0.5")
        except core.CheckFailure as exc:
            if " raised " in str(exc):
                _name_transposed_input(lambda x, p, h: np.asarray(fn(x, p, h)), exc, name, labels=True)
                _name_predict_raise(fn, exc, X, params, hidden, (AL > 0.5).astype(_f64), name)
            raise
        if got is None:
            continue
        _name_index_tuple(got, name)
        if isinstance(got, (list, tuple)) and len(got) == m:
            core.fail(f"{name} returned a Python {type(got).__name__} of {m} labels: the docstring asks for an integer "
                      f"NumPy array of shape (m, 1) = {(m, 1)}: threshold all of AL at once, (AL > 0.5).astype(int), "
                      f"rather than label by label in a loop or a list comprehension", "labels-not-an-array")
        if not _forward_modifies_parameters(model_forward):      # else model_forward's cell pays for it
            _unchanged(params, given, name, "parameters")
        want = (AL > 0.5).astype(_f64)
        _labels_are_integers(got, name)
        if isinstance(got, np.ndarray) and got.shape == want.shape and got.dtype.kind in "biuf" \
                and np.array_equal(got.astype(_f64), want):
            continue
        if model_forward is not None and isinstance(got, np.ndarray) and got.dtype.kind in "biuf":
            try:
                own_AL = np.asarray(core.call(model_forward, X, _copy_params(params), hidden,
                                              name="model_forward")[0], dtype=_f64)
                if own_AL.shape == got.shape and np.array_equal(got.astype(_f64), (own_AL > 0.5).astype(_f64)):
                    continue     # right threshold on a wrong model_forward: its own cell pays for it
            except (core.CheckFailure, TypeError, ValueError, IndexError, KeyError):
                pass
        if isinstance(got, np.ndarray) and got.shape == (m,) and m > 1:
            core.fail(f"{name}: keep the shape (m, 1) = {(m, 1)}, got {got.shape}", "labels-1d")
        got = core.expect_array(got, name=name, shape=(m, 1), dtype=None)
        if got.dtype.kind not in "biuf":
            core.fail(f"{name} must contain numbers 0 and 1, got dtype {got.dtype}", "labels-dtype")
        values = got.astype(_f64)
        if not np.all((values == 0) | (values == 1)):
            if np.all(np.abs(values) == 1) and np.array_equal(values > 0, want > 0):
                core.fail(f"{name}: your labels are -1 and 1 (-1 where the expected label is 0): the classes are "
                          f"labelled 0 and 1, as in Y; np.sign(AL - 0.5) gives -1 / 1: use (AL > 0.5).astype(int)",
                          "labels-minus-one")
            if np.all((values == 0) | (np.abs(values) == 1)) and np.array_equal(values != 0, want > 0):
                core.fail(f"{name}: your labels contain -1 where the expected label is 1: labels are 0 and 1, as in "
                          f"Y (a sign flipped, e.g. np.sign(0.5 - AL) or -(AL > 0.5)): use (AL > 0.5).astype(int)",
                          "labels-negative")
            core.fail(f"{name} must return class labels 0 or 1, not probabilities: threshold AL at 0.5",
                      "returns-probabilities")
        if any(np.array_equal(values, (_forward(X, params, other)[-1][4] > 0.5).astype(_f64))
               for other in ACTIVATIONS if other != hidden):
            core.fail(f"{name}: these are the labels of a network with another hidden activation: predict must "
                      f"pass its hidden_activation argument on to model_forward", "hidden-activation-not-passed")
        if m == 1:
            _single_sample_label(fn, params, hidden, dims, float(AL[0, 0]), values[0, 0], gen, name)
        diagnose = {
            **({"labels are inverted: 1 where AL > 0.5": (AL <= 0.5).astype(_f64)} if m > 1 else {}),
            "your labels are AL > 0, which is 1 for every sample since AL is a probability in (0, 1): threshold "
            "AL at 0.5, not at 0 (and not sigmoid(AL) > 0.5, which is the same as AL > 0: AL is already the "
            "sigmoid's output)":
                (AL > 0).astype(_f64),
            "threshold the probability AL at 0.5, not the pre-activation Z_L at 0.5":
                (_forward(X, params, hidden)[-1][3] > 0.5).astype(_f64),
            "AL is rounded before the threshold (np.round(AL, 1) > 0.5 labels every AL in (0.5, 0.55) 0): compare "
            "AL itself with 0.5, AL > 0.5":
                (np.round(AL, 1) > 0.5).astype(_f64),
        }
        diagnose_only(values, want, name=name, diagnose=diagnose, rtol=0, atol=0)
        if m > 1 and values[0, 0] == want[0, 0] and not values[1:].any() and want[1:].any():
            _only_first_labelled(fn, X, params, hidden, AL, name)
        if m > 1 and np.unique(values).size == 1 and np.unique(want).size > 1 and _constant_on_reordered(
                fn, X, params, hidden, AL, values[0, 0]):
            core.fail(f"{name} gives the label {values.flat[0]:g} to every sample, although the network's outputs "
                      f"AL fall on both sides of 0.5: threshold the probability, AL > 0.5 (an argmax over AL's "
                      f"single column is always 0)", "constant-labels")
        wrong = np.flatnonzero(values.ravel() != want.ravel())
        if wrong.size:
            _rows_depend_on_batch(lambda x: fn(x, _copy_params(params), hidden), X, name, "label")
            shown = ", ".join(f"AL = {AL.ravel()[i]:.4g} labelled {values.ravel()[i]:g}" for i in wrong[:4])
            core.fail(f"{name} has wrong labels for {wrong.size} of {m} samples ({shown}): the label is 1 exactly "
                      f"where AL > 0.5, 0 elsewhere", "wrong-labels")
        _expect_close(values, want, name=name, rtol=0, atol=0, diagnose=diagnose)
    _predict_at_one_half(fn, model_forward)
    X, params = _default_probe("lab04.predict.default")
    _documented_default(lambda *a: fn(X.copy(), _copy_params(params), *a), "predict(X, parameters)",
                        "hidden_activation", "relu", ACTIVATIONS)


def _lent_swapped_forward(X, parameters, hidden_activation="relu"):
    """model_forward's documented pair in the other order, (caches, AL): lent to a predict that raised, to ask
    which of the two it thresholds."""
    AL, caches = _lent_model_forward(X, parameters, hidden_activation)
    return caches, AL


def _lent_forward_alone(X, parameters, hidden_activation="relu"):
    """AL alone, without the caches: lent to a predict that raised, to ask whether it thresholds the whole pair."""
    return _lent_model_forward(X, parameters, hidden_activation)[0]


def _right_labels_with(fn, model_forward, X, params, hidden, want) -> bool:
    """Does the student's predict give the expected labels ``want`` (m, 1) with ``model_forward`` lent in place of
    theirs (a question about what predict does with model_forward's result)?"""
    try:
        with core.lent_globals(fn, {"model_forward": model_forward}):
            got = np.asarray(fn(X.copy(), _copy_params(params), hidden))
        return got.shape == want.shape and got.dtype.kind in "biuf" and np.array_equal(got.astype(_f64), want)
    except Exception:
        return False


def _name_predict_raise(fn, exc, X, params, hidden, want, name) -> None:
    """predict raised: two questions of its code.  (1) With model_forward lent as one that returns its pair in the
    other order, (caches, AL), does predict give the right labels?  Then it takes the SECOND value model_forward
    returns as AL (`_, AL = model_forward(...)`), the caches list.  (2) Does the raising line build the labels one
    row at a time (a list comprehension or loop over AL)?  Then the labels are not the (m, 1) array asked for."""
    head = str(exc).split(". Likely cause: ")[0].split(". predict thresholds ")[0]
    if _right_labels_with(fn, _lent_swapped_forward, X, params, hidden, want):
        core.fail(f"{head}. The value your predict thresholds is the SECOND one model_forward returns, the caches "
                  f"list (confirmed: with a model_forward that returns its pair in the other order, your predict gives "
                  f"the right labels): model_forward returns (AL, caches) in that order, so unpack it as "
                  f"AL, _ = model_forward(X, parameters, hidden_activation)", "forward-pair-unpacked-swapped")
    if _right_labels_with(fn, _lent_forward_alone, X, params, hidden, want):
        core.fail(f"{head}. Your predict thresholds model_forward's whole result, the pair (AL, caches) (confirmed: with "
                  f"a model_forward that returns AL alone, your predict gives the right labels): unpack the pair first, "
                  f"AL, _ = model_forward(X, parameters, hidden_activation)", "forward-pair-not-unpacked")
    line = core.raised_line(exc)
    if re.search(r"\[.*\bfor\b.+\bin\b", line) or re.match(r"\s*for\b", line):
        core.fail(f"{head}. Your predict labels the samples one row at a time in Python (`{line.strip()}`): a row of AL "
                  f"is an array of one entry, not a number, and a list is not what predict returns: the docstring asks "
                  f"for an integer NumPy array of shape (m, 1); threshold all of AL at once, (AL > 0.5).astype(int)",
                  "labels-built-row-by-row")


def _single_sample_label(fn, params, hidden, dims, al, label, gen, name) -> None:
    """One sample, a wrong label: one sample cannot tell an inverted threshold from one that depends on the
    batch. Read predict on a batch of 8 whose outputs AL straddle 0.5 and their mean differently."""
    for _ in range(200):
        X = gen.standard_normal((8, dims[0]))
        ALb = _forward(X, params, hidden)[-1][4]
        if np.abs(ALb - 0.5).min() > 1e-3 and not np.array_equal(ALb > 0.5, ALb > ALb.mean()):
            break
    else:
        return
    got = _reordered_labels(fn, X, params, hidden, np.arange(8))
    if got is None:
        return
    side = ">" if al > 0.5 else "<"
    single = f"for a single sample (AL = {al:.3g} {side} 0.5) your label is {label:g}"
    if np.array_equal(got, (ALb > ALb.mean()).astype(_f64)):
        core.fail(f"{name}: {single}, and on a batch of 8 your labels are 1 exactly where AL is above the batch's mean "
                  f"AL ({float(ALb.mean()):.3g}): the threshold is the fixed number 0.5, not a statistic of the batch "
                  f"(for one sample AL > AL.mean() is always 0)", "threshold-at-batch-mean")
    if np.array_equal(got, (ALb <= 0.5).astype(_f64)):
        core.fail(f"{name}: labels are inverted: 1 where AL > 0.5 should give 0 (confirmed on a batch of 8)",
                  "labels-are-inverted-where-al")
    if np.array_equal(got, (ALb > 0.5).astype(_f64)):
        core.fail(f"{name}: {single}, yet your labels on a batch of 8 are right: the label of a sample depends on the "
                  f"other samples in the batch (or on the batch size); threshold each AL at 0.5 on its own",
                  "single-sample-label-wrong")


def _reordered_labels(fn, X, params, hidden, order):
    """predict on the rows of X in another order (None when it raises or returns no (m, 1) array)."""
    try:
        got = np.asarray(fn(X[order].copy(), _copy_params(params), hidden), dtype=_f64)
    except Exception:
        return None
    return got if got.shape == (X.shape[0], 1) else None


def _only_first_labelled(fn, X, params, hidden, AL, name) -> None:
    """Only row 0 gets its label, the others stay 0: confirmed when a sample of label 1 put first is labelled 1
    and every other row is still 0 (a loop over AL.shape[1], the single column, instead of the m rows)."""
    ones = np.flatnonzero(AL[:, 0] > 0.5)
    if ones.size == 0:
        return
    order = np.r_[ones[0], np.delete(np.arange(X.shape[0]), ones[0])]
    got = _reordered_labels(fn, X, params, hidden, order)
    if got is None or got[0, 0] != 1 or got[1:].any():
        return
    core.fail(f"{name}: only the first sample gets its label, every other row stays 0 (also with the rows in "
              f"another order): does a loop run over AL.shape[1] (= 1, the single column) instead of the "
              f"m = {X.shape[0]} rows? Threshold all of AL at once, (AL > 0.5).astype(int)", "only-first-labelled")


def _constant_on_reordered(fn, X, params, hidden, AL, label) -> bool:
    """The same constant label whatever the row order (so not a loop that stops early)."""
    got = _reordered_labels(fn, X, params, hidden, np.argsort(-AL[:, 0], kind="stable"))
    return got is not None and bool(np.all(got == label))


# ----------------------------------------------------------------------------- training
def _extra_rows(numbers, epochs, rows):
    """Why a history has more than epochs + 1 rows, read from its epoch column (not guessed): the epoch loop
    run once too often from 0 (row 0 twice), or several rows per epoch (a row per mini-batch)."""
    shown = ", ".join(f"{v:g}" for v in numbers[:8]) + (", ..." if len(numbers) > 8 else "")
    if numbers[:2] == [0.0, 0.0] and numbers[1:] == [float(e) for e in range(epochs + 1)]:
        return (f": its epoch column reads {shown}: after row 0 your epoch loop starts again at 0 and runs "
                f"epochs + 1 = {epochs + 1} times (range(epochs + 1)?): it must run range(1, epochs + 1)")
    if numbers and rows > epochs + 1 and len(set(numbers[1:])) < len(numbers) - 1 \
            and set(numbers[1:]) <= {float(e) for e in range(epochs + 1)}:
        return (f": its epoch column reads {shown}: several rows per epoch, a row per mini-batch (appended inside "
                f"the loop over the mini-batches?): append one row after each epoch")
    return ": more rows than epochs + 1" + (f"; its epoch column reads {shown}" if numbers else "")


def _history(hist, epochs, name, lenient_loss=False):
    """Columns epoch / loss / accuracy of a DataFrame or a list of dicts, as float arrays.

    ``lenient_loss``: the loss column may hold what the student's own (wrong) loss returns;
    then it is not read (None)."""
    try:
        import pandas as pd
        if isinstance(hist, pd.DataFrame):
            frame = hist
        elif isinstance(hist, dict):              # {"epoch": [...], "loss": [...], ...}
            frame = pd.DataFrame(hist)
        else:                                     # [{"epoch": 0, "loss": ..., ...}, ...]
            frame = pd.DataFrame(list(hist))
    except Exception:
        core.fail(f"{name}: history must be a pandas DataFrame (or a list of dicts) with columns "
                  f"epoch, loss, accuracy; got {core.describe(hist)}", "history-type")
    for col in ("epoch", "loss", "accuracy", "seconds"):
        if col not in frame.columns:
            core.fail(f"{name}: history has no column {col!r} (columns: {list(map(str, frame.columns))}); the "
                      f"docstring asks for the columns epoch, loss, accuracy and seconds", "history-column")
    if len(frame) != epochs + 1:
        why = ""
        try:
            numbers = [float(v) for v in frame["epoch"].to_numpy()]
        except (TypeError, ValueError):
            numbers = []
        if numbers == list(range(epochs + 2)):
            why = (f": its epochs run 0..{epochs + 1}, one epoch too many (the epoch loop must run epochs = {epochs} "
                   f"times: range(1, epochs + 1) after row 0, not range(1, epochs + 2) or range(epochs + 1))")
        elif len(numbers) == 2 and numbers == [0.0, float(epochs)]:
            why = (f": only row 0 (before training) and epoch {epochs} (after it): append a row after EVERY epoch, "
                   f"inside the epoch loop")
        elif 1 < len(frame) < epochs + 1 and (not numbers or numbers == list(range(len(frame)))):
            why = (f": the history stops after epoch {len(frame) - 1} of {epochs} (does train return or break "
                   f"inside the epoch loop, or does the epoch loop run range(1, epochs)?)")
        elif len(frame) == epochs:
            why = ": one row per epoch, but row 0 (the loss and accuracy before any update) is missing"
        elif len(frame) > epochs + 1:
            why = _extra_rows(numbers, epochs, len(frame))
        elif numbers:
            why = f": its epoch column reads {', '.join(f'{v:g}' for v in numbers[:8])}"
        core.fail(f"{name}: history must have epochs + 1 = {epochs + 1} rows (row 0 = before training), "
                  f"got {len(frame)}{why}", "history-rows")
    out = {}
    for col in ("epoch", "loss", "accuracy"):
        try:
            out[col] = np.asarray(frame[col].to_numpy(), dtype=_f64)
        except (TypeError, ValueError):
            if col == "loss" and lenient_loss:
                out[col] = None
                continue
            core.fail(f"{name}: history column {col!r} must hold numbers", "history-not-numbers")
        if not np.all(np.isfinite(out[col])):
            if col == "loss" and lenient_loss:
                out[col] = None
                continue
            core.fail(f"{name}: history column {col!r} contains NaN or inf", "history-not-finite")
    if not np.array_equal(out["epoch"], np.arange(epochs + 1)):
        core.fail(f"{name}: history['epoch'] must be 0, 1, ..., {epochs}", "history-epochs")
    if "seconds" in frame.columns:
        try:
            seconds = np.asarray(frame["seconds"].to_numpy(), dtype=_f64)
        except (TypeError, ValueError):
            core.fail(f"{name}: history column 'seconds' must hold numbers", "history-not-numbers")
        if not np.all(np.isfinite(seconds)) or np.any(seconds < 0) or np.any(np.diff(seconds) < 0):
            core.fail(f"{name}: history['seconds'] must be the wall-clock time since the start of training, so it "
                      f"never decreases; yours goes {', '.join(f'{v:.3g}' for v in seconds[:6])}"
                      f"{', ...' if len(seconds) > 6 else ''}: take the start time once, before the epoch loop "
                      f"(not again inside it), and record time.perf_counter() - start", "history-seconds")
    return out


def _seconds_since_start(hist, elapsed, name):
    """Property: history['seconds'] counts from the start of training, so no entry exceeds the wall-clock
    time the whole call took (a raw clock reading, time.perf_counter() or time.time(), does)."""
    try:
        import pandas as pd
        frame = hist if isinstance(hist, pd.DataFrame) else pd.DataFrame(hist if isinstance(hist, dict) else list(hist))
        seconds = np.asarray(frame["seconds"].to_numpy(), dtype=_f64)
    except Exception:
        return                                    # no usable column: _history says what is wrong
    if not seconds.size or not np.all(np.isfinite(seconds)):
        return
    span = float(seconds.max() - seconds.min())
    if float(seconds.min()) <= elapsed + 1.0 and span > 5.0 * elapsed + 0.05:
        # the rows are spaced more widely than the whole call lasted: a unit, not an offset (a raw clock
        # reading is offset, but its increments are real seconds)
        ratio = span / max(elapsed, 1e-9)
        unit = (": a unit other than seconds, such as milliseconds (a factor 1000; the call's own overhead makes the "
                "ratio measured smaller)" if 20.0 <= ratio <= 1100.0 else ": a unit other than seconds")
        core.fail(f"{name}: history['seconds'] must be the time in seconds since the start of training, but from "
                  f"row 0 to the last row it grows by {span:.4g} while the whole call took {elapsed:.2g} s: your "
                  f"values grow {ratio:.0f} times faster than the wall clock{unit}; record time.perf_counter() - "
                  f"start as it is, without a factor", "history-seconds-unit")
    if float(seconds.max()) > elapsed + 1.0:
        core.fail(f"{name}: history['seconds'] must be the time since the start of training, but row 0 (before any "
                  f"update) says {seconds[0]:.4g} s while the whole call took {elapsed:.2g} s: that is a raw clock "
                  f"reading; take start = time.perf_counter() once before training and record "
                  f"time.perf_counter() - start", "history-seconds-not-since-start")


class _Skip(Exception):
    """This run says nothing about train: it fails, and so does the reference loop run on the
    student's own building blocks (the error is theirs, judged in their own cells)."""


_TRAIN_HINT = ("train calls model_forward, model_backward and update_parameters on each mini-batch "
               "X[idx], Y[idx]; a shape error here often comes from one of them (see their cells) or from "
               "indexing X and Y differently")


def _name_batches_must_divide(exc, text: str, fn, args, kwargs) -> None:
    """train raised in its own line with a batch_size that does not divide m.  Second input: the same call with a
    batch_size that divides m (and is below m); when that runs, the mini-batches were cut assuming equal sizes
    (order.reshape(-1, size), np.split): the last batch is smaller."""
    size = kwargs.get("batch_size")
    try:
        m = int(np.shape(args[0])[0])
    except (TypeError, IndexError):
        return
    if not isinstance(size, int) or size <= 1 or m % size == 0 or size >= m or " raised " not in text:
        return
    own = core.raised_function(exc)
    if not own or not str(text).startswith(f"{own}("):
        return                   # raised in a function train calls: judged in that function's cell
    divisor = next((d for d in range(size - 1, 1, -1) if m % d == 0), 1)
    try:
        with np.errstate(all="ignore"):
            fn(np.array(args[0], copy=True), np.array(args[1], copy=True), _copy_params(args[2]),
               **{**kwargs, "batch_size": divisor})
    except Exception:
        return
    core.fail(f"{text}. m = {m} is not a multiple of batch_size = {size} (the same call with batch_size = {divisor}, "
              f"which divides m, runs): the mini-batches are cut as if all had batch_size rows; keep the last, "
              f"smaller batch: for first in range(0, m, batch_size): idx = order[first:first + batch_size]",
              "batch-size-not-dividing-m")


def _name_none_batch_size(exc, text: str, kwargs) -> None:
    """batch_size=None is documented as the full batch: a TypeError about None raised in train's own line
    that uses batch_size means None reached arithmetic or range() unreplaced."""
    if "batch_size" not in kwargs or kwargs["batch_size"] is not None or "NoneType" not in text:
        return
    line = core.raised_line(exc)
    if "batch_size" in line:
        core.fail(f"{text}. batch_size=None is the documented full batch, but that line uses None itself as a "
                  f"number: first turn it into a size, size = m if batch_size is None else "
                  f"batch_size, and use that size everywhere after", "batch-size-none-used")


def _name_unsliced_targets(text: str, Y, batch_size, fn=None, args=(), kwargs=None) -> None:
    """A broadcast error between a batch's (k, 1) and all m (m, 1) in train: one of X and Y was not indexed with
    the batch's rows.  Which one is read from the first backward pass train asks for (replayed with the reference
    blocks lent, _spy_rows): AL of all m rows with k targets is an unsliced X (the forward pass ran on every
    sample), k outputs with all m targets an unsliced Y.  Without that replay, the targets are named."""
    try:
        m = int(np.shape(Y)[0])
    except (TypeError, IndexError):
        return
    hit = re.search(r"shapes \((\d+),\s*1\)\s+\((\d+),\s*1\)", text)
    if not hit or not batch_size:
        return
    a, b = int(hit.group(1)), int(hit.group(2))
    if {a, b} != {int(batch_size), m} or a == b:
        return
    rows = _spy_rows(fn, args, kwargs or {}) if fn is not None else None
    if rows == (m, int(batch_size)):
        core.fail(f"{text}. The forward pass of a mini-batch of {batch_size} rows returned AL for all {m} samples: X "
                  f"is not indexed with the batch's rows (Y is); pass X[idx] to model_forward, the same indices "
                  f"as Y[idx]", "inputs-not-sliced")
    core.fail(f"{text}. A mini-batch of {batch_size} rows met all {m} targets: Y is not indexed with the "
              f"batch's rows; pass Y[idx] (the same indices as X[idx]) to model_backward and to the loss",
              "targets-not-sliced")


# What the spies lent to a replayed train saw (_spy_rows, _unindexed_side).  Per thread: the zoo grades several
# submissions at once in one process.
_SPY = threading.local()


def _spied() -> list:
    if not hasattr(_SPY, "seen"):
        _SPY.seen, _SPY.x = [], []
    return _SPY.seen


def _spied_x() -> list:
    _spied()
    return _SPY.x


class _SpyStop(Exception):
    """Ends a train replayed by _spy_rows at its first backward pass."""


def _spy_model_backward(AL, Y, caches, hidden_activation="relu"):
    """model_backward lent by _spy_rows: records the rows of AL and Y of train's first backward pass, then stops."""
    _spied().append((int(np.shape(AL)[0]), int(np.shape(Y)[0])))
    raise _SpyStop


def _spy_model_forward(X, parameters, hidden_activation="relu"):
    """model_forward lent by _unindexed_side: the reference one, remembering the X it was last given."""
    _spied_x()[:] = [np.array(X, dtype=_f64, copy=True)]
    return _lent_model_forward(X, parameters, hidden_activation)


def _spy_pairing_backward(AL, Y, caches, hidden_activation="relu"):
    """model_backward lent by _unindexed_side: records the X of the forward pass just before and this Y, then stops."""
    seen_x = _spied_x()
    _spied().append((seen_x[0] if seen_x else None, np.array(Y, dtype=_f64, copy=True)))
    raise _SpyStop


def _unindexed_side(fn, m: int, batch_size) -> str | None:
    """Which of X and Y a train that breaks the (x, y) pairs leaves in its original order: replayed on X = I (a
    row names its sample) and targets (i + 1) / (m + 1) (a value names its sample), with the reference blocks
    lent, up to its first backward pass.  A sentence naming the unindexed one, None when neither reading fits."""
    _spied().clear()
    _spied_x().clear()
    lent = {**_LENT_BLOCKS, "model_forward": _spy_model_forward, "model_backward": _spy_pairing_backward}
    Y = ((np.arange(m) + 1.0) / (m + 1.0)).reshape(-1, 1)
    try:
        with core.lent_globals(fn, lent, _LENT_UPDATE), np.errstate(all="ignore"):
            fn(np.eye(m), Y.copy(), {"W1": np.zeros((m, 1)), "b1": np.zeros((1, 1))}, learning_rate=0.1, epochs=1,
               batch_size=batch_size, hidden_activation="tanh", seed=5)
    except Exception:     # _SpyStop, or its re-raised form through the kernel
        pass
    seen = _spied()
    if not seen or seen[0][0] is None:
        return None
    Xb, Yb = seen[0]
    if Xb.ndim != 2 or Xb.shape[1] != m or Yb.size == 0 or Yb.shape[0] != Xb.shape[0]:
        return None
    rows_x = np.argmax(Xb, axis=1)
    rows_y = np.rint(Yb.ravel() * (m + 1) - 1).astype(int)
    k = len(rows_x)
    in_order = np.arange(k)
    if np.array_equal(rows_x, rows_y) or not np.allclose(Xb[np.arange(k), rows_x], 1.0):
        return None
    if np.array_equal(rows_x, in_order) and not np.array_equal(rows_y, in_order):
        return (f"the inputs given to model_forward are rows {rows_x[:4].tolist()}... in their original order, while "
                f"the targets are Y[idx] of the shuffled rows {rows_y[:4].tolist()}...: X is not indexed with the "
                f"permutation; X and Y must be indexed with the same permutation: pass X[idx] (the same idx as Y[idx])")
    if np.array_equal(rows_y, in_order) and not np.array_equal(rows_x, in_order):
        return (f"the targets given to model_backward are Y in its original order (rows {rows_y[:4].tolist()}...), "
                f"while the inputs are the shuffled rows {rows_x[:4].tolist()}...: Y is not indexed with the "
                f"permutation; X and Y must be indexed with the same permutation: pass Y[idx] (the same idx as X[idx])")
    return None


def _spy_rows(fn, args, kwargs) -> tuple[int, int] | None:
    """(rows of AL, rows of Y) at the first model_backward call of train(*args, **kwargs), replayed with the
    reference forward and loss lent (their shapes are the documented ones); None when it cannot be read."""
    _spied().clear()
    lent = {**_LENT_BLOCKS, "model_backward": _spy_model_backward}
    try:
        with core.lent_globals(fn, lent, _LENT_UPDATE), np.errstate(all="ignore"):
            fn(np.array(args[0], copy=True), np.array(args[1], copy=True), _copy_params(args[2]),
               *args[3:], **kwargs)
    except Exception:     # _SpyStop, or its re-raised form through the kernel
        pass
    seen = _spied()
    return seen[0] if seen else None


def _history_rows(hist) -> int | None:
    """The number of rows of a history (a DataFrame or a list of dicts), None for anything else."""
    if _is_frame(hist) or isinstance(hist, list):
        return len(hist)
    return None


def _history_grows(fn, X, Y, params, kwargs, hist, name) -> None:
    """A history with more than epochs + 1 rows: train called again with the same arguments; when the history then
    grows by exactly one run's rows, it keeps the rows of earlier calls (a list made once: a default argument
    rows=[] or a module-level list), confirmed by that second call rather than read from the epoch column."""
    epochs, n = kwargs.get("epochs"), _history_rows(hist)
    if not isinstance(epochs, int) or n is None or n <= epochs + 1:
        return
    try:
        with np.errstate(all="ignore"):
            again = _history_rows(fn(X.copy(), Y.copy(), _copy_params(params), **kwargs)[1])
    except Exception:
        return
    if again is not None and again - n == epochs + 1:
        core.fail(f"{name}: history has {n} rows, and {again} when train is called again with the same arguments: it "
                  f"grows by epochs + 1 = {epochs + 1} rows at every call, so it keeps the rows of earlier calls: the "
                  f"list of rows is made once, outside the call (a default argument rows=[] or a module-level list); "
                  f"start a new list inside train at every call", "history-kept-between-calls")

def _run_train(fn, X, Y, params, dims, name, parts=None, expect=None, **kwargs):
    """Call train on copies; with the student's own building blocks (``parts``), a run that fails as
    the reference loop on those blocks fails (``expect``) raises :class:`_Skip`."""
    given = _copy_params(params)
    X0, Y0 = np.array(X, copy=True), np.array(Y, copy=True)
    start = time.perf_counter()
    try:
        out = _call(fn, X, Y, given, name=name, hint=_TRAIN_HINT, **kwargs)
    except core.CheckFailure as exc:
        text = str(exc)
        if "modified its input argument" in text:
            _name_rows_shuffled_in_place(X0, Y0, X, Y, text)
        failed_inside = " raised " in text or exc.diagnosis == "not-numerically-stable"
        if parts is not None and parts is not _REF and expect is not None and failed_inside \
                and "not implemented" not in text \
                and _raises(lambda: (expect(), parts.loss(parts.forward(X, params, kwargs.get("hidden_activation"))[0], Y))):
            _TRAIN_RUNS.skipped.append(core.located(exc).split(". train calls", 1)[0])
            raise _Skip() from None
        raise
    out = _tuple(out, 2, name, "(parameters, history)",
                 kinds=(("parameters", lambda v: isinstance(v, dict)), ("history", _is_frame)))
    _history_grows(fn, X, Y, params, kwargs, out[1], name)
    _seconds_since_start(out[1], time.perf_counter() - start, name)
    if not _match(given, params, 0, 0):
        core.fail(f"{name} modified the initial parameters passed to it: train must work on a copy "
                  f"(the experiments reuse the same initial parameters for several runs)", "mutated-initial-params")
    if parts is None or parts is _REF:
        return _param_dict(out[0], dims, f"{name}: parameters"), out[1]
    got = out[0]
    if not isinstance(got, dict) or set(got) != set(params):
        core.fail(f"{name}: the parameters returned must be a dict with the keys {sorted(params)}", "wrong-keys")
    return got, out[1]


def _row_permutation(before, after):
    """p with after == before[p] (rows), or None when the rows of ``after`` are not those of ``before``."""
    if before.shape != after.shape or before.ndim != 2:
        return None
    where = {}
    for i, row in enumerate(before):
        where.setdefault(row.tobytes(), []).append(i)
    p = []
    for row in after:
        free = where.get(row.tobytes())
        if not free:
            return None
        p.append(free.pop(0))
    return np.array(p)


def _name_rows_shuffled_in_place(X0, Y0, X, Y, text) -> None:
    """train changed the caller's X (or Y) in place by reordering its rows (np.random.shuffle / rng.shuffle):
    besides the mutation, say whether the (x, y) pairs survived (Y reordered by the same permutation)."""
    p = _row_permutation(np.asarray(X0), np.asarray(X))
    if p is None or np.array_equal(p, np.arange(len(p))):
        return
    q = _row_permutation(np.asarray(Y0), np.asarray(Y))
    kept = q is not None and np.array_equal(np.asarray(Y), np.asarray(Y0)[p])
    pairs = ("Y was reordered with the same permutation, so the pairs survive, but the caller's arrays must not "
             "change" if kept else
             "Y was not reordered with it (or with another order), so the (x, y) pairing is broken: each row of X "
             "now trains against another sample's label")
    core.fail(f"{text}. The rows of X were shuffled in place (np.random.shuffle(X) / rng.shuffle(X) reorders the "
              f"caller's array): {pairs}; draw the order once, idx = rng.permutation(m), and index both, X[idx] and "
              f"Y[idx] (new arrays, the inputs untouched)", "x-shuffled-in-place")


def _expected(parts, thunk):
    """The expected result of a run; with the student's own blocks, a run the reference loop cannot
    complete on them is skipped."""
    if parts is _REF:
        return thunk()
    try:
        want = thunk()
    except (core.CheckFailure, Exception) as exc:
        _TRAIN_RUNS.skipped.append(f"the reference loop on your own blocks raised {core.error_kind(exc)}: {exc}")
        raise _Skip() from None
    if not _all_finite(want):
        # their blocks give NaN or inf here (e.g. a sigmoid helper out of its domain)
        _TRAIN_RUNS.skipped.append("the reference loop on your own blocks gives NaN or inf")
        raise _Skip()
    _TRAIN_RUNS.judged += 1
    return want


class _TrainRuns(threading.local):
    """Runs of the current train check on the student's own blocks: why each skipped one was skipped, and how
    many were judged (a cell whose every run was skipped is not passed for a loop it never saw run:
    _judge_train), and the full-batch size the check uses (24, or 1 on its retry).  Per judge thread: judges run
    in threads, and another verdict's retry on one sample once made a full-batch check pass a mistake under load
    (tests/test_checks_state.py)."""

    def __init__(self) -> None:
        self.skipped: list[str] = []
        self.judged = 0
        self.full_batch_m = 24


_TRAIN_RUNS = _TrainRuns()


def _all_finite(value) -> bool:
    """No NaN or inf in a number, an array, or a dict / list / tuple of them."""
    if isinstance(value, dict):
        return all(_all_finite(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return all(_all_finite(v) for v in value)
    try:
        a = np.asarray(value, dtype=_f64)
    except (TypeError, ValueError):
        return True
    return bool(np.isfinite(a).all())


# Training results may come from float32 building blocks (a sound variant): compare loosely
# enough for that, tightly enough for every mistake (they all change results by far more).
_TRAIN_RTOL, _TRAIN_ATOL = 2e-4, 1e-6


def _match(got, want, rtol=_TRAIN_RTOL, atol=_TRAIN_ATOL):
    try:
        return all(core.close(got[k], want[k], rtol, atol) or (not _all_finite(want[k]) and _near(got[k], want[k]))
                   for k in want)
    except (KeyError, TypeError, ValueError):
        return False


class _Reference:
    """The training loop's building blocks, as the reference computes them (float64, numpy)."""

    label = ""

    def forward(self, X, params, hidden):
        layers = _forward(X, params, hidden)
        return layers[-1][4], layers

    def backward(self, AL, Y, layers, hidden):
        return _backward(layers, np.asarray(Y, _f64), hidden)

    def update(self, params, grads, lr):
        return {k: np.asarray(v, _f64) - lr * grads["d" + k] for k, v in params.items()}

    def loss(self, AL, Y):
        return _bce(np.clip(AL, 1e-12, 1 - 1e-12), Y)


class _Own:
    """The student's model_forward, model_backward, update_parameters and loss, as train calls them."""

    label = (" (expected values computed with your own model_forward, model_backward, update_parameters "
             "and binary_cross_entropy, which differ from the reference: see their cells)")

    def __init__(self, model_forward, model_backward, update_parameters, binary_cross_entropy):
        self.fns = (model_forward, model_backward, update_parameters, binary_cross_entropy)

    def forward(self, X, params, hidden):
        given = _copy_params(params)
        out = core.call(self.fns[0], X, given, hidden, name="your model_forward")
        if not all(given[k].shape == v.shape and np.array_equal(given[k], v, equal_nan=True)
                   for k, v in params.items()):
            # Their train's loop runs on parameters their model_forward changes (a building block that
            # reshapes b in place...): no expected result exists; that block's own cell pays for it.
            core.fail("your model_forward changes the parameters it is given", "mutated-input")
        return out[0], out[1]

    def backward(self, AL, Y, caches, hidden):
        return core.call(self.fns[1], AL, Y, caches, hidden, name="your model_backward")

    def update(self, params, grads, lr):
        out = core.call(self.fns[2], _copy_params(params), grads, lr, name="your update_parameters")
        if out is None:          # its own cell says so; train relies on the documented return value
            core.fail("your update_parameters returned None", "returned-none")
        return out

    def loss(self, AL, Y):
        return float(core.call(self.fns[3], AL, Y, name="your binary_cross_entropy"))


_REF = _Reference()


# The reference building blocks a train is judged with when its own cannot run (_judge_train): lent by name into
# train's globals for that check only (core.lent_globals).  Forward, backward and loss stay in the judge (student
# code calling them calls back; their code never enters the kernel); the update is defined in the kernel, as its
# docstring states it, because train may rely on its documented in-place update and ignore what it returns.
def _lent_model_forward(X, parameters, hidden_activation="relu"):
    """model_forward as documented: AL (m, 1) and caches [((A_prev, W, b), Z) per layer]."""
    layers = _forward(X, parameters, hidden_activation)
    return layers[-1][4], [((A_prev, W, b), Z) for A_prev, W, b, Z, _ in layers]


def _lent_model_backward(AL, Y, caches, hidden_activation="relu"):
    """model_backward as documented: {dW_l, db_l, dA_(l-1)} of the mean BCE, from model_forward's caches."""
    layers = [(np.asarray(A_prev, _f64), np.asarray(W, _f64), b, np.asarray(Z, _f64), None)
              for (A_prev, W, b), Z in caches]
    layers[-1] = layers[-1][:4] + (np.asarray(AL, _f64),)
    return _backward(layers, np.asarray(Y, _f64), hidden_activation)


def _lent_binary_cross_entropy(AL, Y, eps=1e-12):
    """binary_cross_entropy as documented (AL clipped to [eps, 1 - eps]), a Python float."""
    A = np.clip(np.asarray(AL, _f64), eps, 1.0 - eps)
    return _bce(A, Y)


_LENT_UPDATE = """
def update_parameters(parameters, grads, learning_rate):
    for key in parameters:
        parameters[key] -= learning_rate * grads["d" + key]
    return parameters
"""
_LENT_BLOCKS = {"model_forward": _lent_model_forward, "model_backward": _lent_model_backward,
                "binary_cross_entropy": _lent_binary_cross_entropy}


#: Kernel-side: model_forward, the parameters updated in place (as update_parameters does), model_forward again.
_FORWARD_AFTER_UPDATE = """
def forward_after_update(model_forward, X, parameters, hidden, step):
    model_forward(X, parameters, hidden)
    for key in parameters:
        parameters[key] -= step[key]
    return model_forward(X, parameters, hidden)[0]
"""


def _forward_keeps_state(model_forward) -> bool:
    """Does the student's model_forward (with its building blocks) compute with the OLD parameter values after they
    were updated in place between two calls (a copy or a result kept per array: id(W))?  Train's loop is then
    judged with the reference blocks lent: the block pays in its own cell (_state_after_change)."""
    if model_forward is None:
        return False
    gen = core.rng("lab04.forward-after-update")
    dims = [2, 3, 1]
    params = _random_params(gen, dims)
    step = {k: 0.3 * gen.standard_normal(v.shape) for k, v in params.items()}
    X = gen.standard_normal((5, 2))
    try:
        with np.errstate(all="ignore"):
            got = core.kernel_functions(_FORWARD_AFTER_UPDATE)["forward_after_update"](
                model_forward, X, _copy_params(params), "tanh", step)
            fresh = model_forward(X.copy(), {k: params[k] - step[k] for k in params}, "tanh")[0]
    except Exception:
        return False
    want = _forward(X, {k: params[k] - step[k] for k in params}, "tanh")[-1][4]
    return _near(fresh, want) and not (np.shape(got) == np.shape(want) and _near(got, want))

def _judged_with_reference_blocks(check, fn, why: str) -> bool:
    """Judge train's loop alone, with the reference building blocks in place of the student's ones (which cannot
    run: ``why``): a block's mistake is paid in its own cell, and the loop still earns or loses this cell on what
    it does.  False when the blocks could not be lent (the cell is then failed by the caller, naming the block)."""
    def judged() -> None:
        _TRAIN_RUNS.skipped, _TRAIN_RUNS.judged = [], 0
        check(fn, _REF)

    return core.judged_again(judged, core.lent_globals(fn, _LENT_BLOCKS, _LENT_UPDATE),
                             f"your loop was judged with the reference building blocks in place of your own, which {why}")


class _MeanAbsoluteError:
    """``parts`` whose loss is mean |AL - Y| (for the swapped-arguments diagnosis of history['loss'])."""

    def __init__(self, parts):
        self.parts = parts

    def forward(self, X, params, hidden):
        return self.parts.forward(X, params, hidden)

    def backward(self, AL, Y, caches, hidden):
        return self.parts.backward(AL, Y, caches, hidden)

    def update(self, params, grads, lr):
        return self.parts.update(params, grads, lr)

    def loss(self, AL, Y):
        return float(np.mean(np.abs(np.asarray(AL, _f64) - np.asarray(Y, _f64))))


def _name_swapped_loss(got, want, mean_abs_error, name) -> None:
    """Property: binary_cross_entropy(Y, AL) (labels where the predictions belong) clips the 0/1 labels to
    eps and 1 - eps, so it equals -log(eps) * mean |AL - Y|: a history['loss'] that is a constant multiple
    (> 5) of mean |AL - Y| at every epoch is the loss with its arguments swapped."""
    got = np.asarray(got, dtype=_f64)
    if got.shape != np.shape(want) or core.close(got, want, 1e-5, 1e-8):
        return
    try:
        mae = np.asarray(mean_abs_error(), dtype=_f64)
    except (core.CheckFailure, Exception):
        return
    if mae.shape != got.shape or not bool((mae > 1e-6).all()) or not bool(np.isfinite(got).all()):
        return
    ratio = got / mae
    if ratio.min() > 5 and ratio.max() - ratio.min() <= 1e-4 * ratio.mean():
        core.fail(f"{name}: history['loss'] is {ratio.mean():.4g} * mean |AL - Y| at every epoch, which is what "
                  f"binary_cross_entropy(Y, AL) gives (the 0/1 labels clipped to eps where the predictions belong): "
                  f"the arguments are swapped; record binary_cross_entropy(AL, Y)", "loss-arguments-swapped")


def _swapped_loss_in_float32(fn, X, Y, params, dims, hidden, batch_size, epochs, name, exc) -> None:
    """A log(0) warning in float32 only: replayed in float64, is the history's first loss (before training)
    -log(eps) * mean |AL - Y|, binary_cross_entropy(Y, AL)?  (In float32 the clipped label 1 - eps rounds to
    1, and log(1 - 1) = log(0).)"""
    try:
        _, hist = _run_train(fn, X, Y, params, dims, name, learning_rate=0.5, epochs=epochs, batch_size=batch_size,
                             hidden_activation=hidden, seed=0)
        loss0 = float(np.asarray(hist["loss"], dtype=_f64)[0])
    except (core.CheckFailure, Exception):
        return
    mae = float(np.mean(np.abs(_forward(X, params, hidden)[-1][4] - Y)))
    if mae > 1e-6 and abs(loss0 / mae + np.log(1e-12)) < 1e-3 * abs(np.log(1e-12)):
        core.fail(f"{exc}. Replayed in float64, history['loss'] before training is {loss0 / mae:.4g} * mean |AL - Y|, "
                  f"which is what binary_cross_entropy(Y, AL) gives (the 0/1 labels clipped to eps where the "
                  f"predictions belong): the arguments are swapped, record binary_cross_entropy(AL, Y); in float32 "
                  f"the clipped label 1 - eps rounds to 1 and log(1 - 1) = log(0)", "loss-arguments-swapped")


def _simulate(parts, X, Y, params, lr, orders, size, hidden, record_hidden=None, forward_hidden=None,
              whole_y=False, backward_hidden=None, pairwise=False, stale=False, accumulate=False, subset=None,
              score=None):
    """Parameters and history (loss, accuracy per epoch) of the reference loop run with ``parts``
    (``record_hidden``: the history measured with another hidden activation, ``forward_hidden``: the
    training forward pass run with another one, ``whole_y``: the targets not indexed with the batch's rows;
    ``pairwise``: the accuracy averaged over every (prediction i, label j) pair; ``stale``: each update applies
    the previous step's gradients, the first none; ``accumulate``: each update applies the running sum of every
    gradient so far, never reset; ``subset``: the history measured on the first ``subset`` rows only; all for
    diagnoses; ``score(AL, Y)``: another reading recorded in the accuracy column)."""
    p = _copy_params(params)
    m = X.shape[0]

    def record():
        Xr, Yr = (X, Y) if subset is None else (X[:subset], Y[:subset])
        AL, _ = parts.forward(Xr, p, record_hidden or hidden)
        labels = Yr.T if pairwise else Yr
        if score is not None:
            return parts.loss(AL, Yr), float(score(np.asarray(AL, dtype=_f64), np.asarray(Yr, dtype=_f64)))
        return parts.loss(AL, Yr), float(np.mean((np.asarray(AL) > 0.5) == (labels > 0.5)))

    hist = [record()]
    previous = None
    for order in orders:
        for first in range(0, m, size):
            idx = order[first:first + size]
            AL, caches = parts.forward(X[idx], p, forward_hidden or hidden)
            if stale:      # the update first, with the previous step's gradients; then backward on the caches
                if previous is not None:
                    p = parts.update(p, previous, lr)
                if stale == "in-place":      # an in-place update_parameters also changed the W and b cached
                    caches = _with_weights(caches, p)
            grads = parts.backward(AL, Y if whole_y else Y[idx], caches, backward_hidden or hidden)
            if accumulate:
                previous = grads if previous is None else {k: previous[k] + v for k, v in grads.items()
                                                           if k in previous}
                grads = previous
            if stale:
                previous = grads
            else:
                p = parts.update(p, grads, lr)
        hist.append(record())
    return p, np.array(hist)


def _with_weights(caches, p):
    """Caches whose W_l and b_l are the parameters ``p`` (what an in-place update does to cached references), in
    either form: the reference's (A_prev, W, b, Z, A) per layer or the documented ((A_prev, W, b), Z)."""
    out = []
    for l, c in enumerate(caches, start=1):
        W, b = p[f"W{l}"], p[f"b{l}"]
        if len(c) == 5:
            out.append((c[0], W, b, c[3], c[4]))
        else:
            out.append(((c[0][0], W, b), *c[1:]))
    return out


_PROBES = [("full", [2, 6, 1], 6, "tanh"), ("mini", [2, 3, 1], 5, "tanh"), ("onehot", [13, 1], 4, "tanh")]


_STALE_GRADS = ("every update applies the gradients of the PREVIOUS step (the first update none): update_parameters "
                "runs before model_backward in the loop, or with grads left from the step before; each step is "
                "forward, then backward on that forward's caches, then the update with those fresh gradients")


_BACKWARD_DEFAULT = ("the training backward pass uses model_backward's default hidden activation 'relu', not "
                     "hidden_activation={hidden!r} (the forward pass does use it): pass hidden_activation to "
                     "model_backward too")


def _parts_agree(own) -> bool:
    """Do the student's building blocks give the reference results on the training problems?"""
    for tag, dims, m, hidden in _PROBES:
        gen = core.rng(f"lab04.parts:{tag}")
        params = _random_params(gen, dims)
        X = gen.standard_normal((m, dims[0]))
        Y = (gen.random((m, 1)) < 0.5).astype(_f64)
        try:
            AL_ref, layers = _REF.forward(X, params, hidden)
            ref_caches = [((A_prev, W, b), Z) for A_prev, W, b, Z, _ in layers]
            own_out = own.forward(X, params, hidden)
            if not _forward_matches(own_out, AL_ref, ref_caches):
                return False
            grads = own.backward(AL_ref, Y, ref_caches, hidden)
            ref_grads = _REF.backward(AL_ref, Y, layers, hidden)
            keys = [f"{p}{l}" for l in range(1, len(dims)) for p in ("dW", "db")]
            if not _grads_match(grads, ref_grads, keys, 1e-6, 1e-9):
                return False
            # end to end as train chains them: the caches their forward makes must suit their backward
            # (a linear cache without b matches the reference caches on A_prev and W, and then fails to unpack)
            if not _grads_match(own.backward(own_out[0], Y, own_out[1], hidden), ref_grads, keys, 1e-6, 1e-9):
                return False
            new = own.update(params, ref_grads, 0.3)
            if not _match(new, _REF.update(params, ref_grads, 0.3), 1e-6, 1e-9):
                return False
            if not core.close(own.loss(AL_ref, Y), _REF.loss(AL_ref, Y), 1e-5, 1e-9):
                return False
        except (core.CheckFailure, TypeError, ValueError, KeyError, IndexError, AttributeError):
            return False
    return True


def _block_to_fix(own) -> str | None:
    """Which of the student's building blocks train calls gives a wrong result (or raises) when given the expected
    inputs, in the order train calls them, said with what is wrong (for a train that no run of which completes)."""
    _tag, dims, m, hidden = _PROBES[0]
    gen = core.rng("lab04.parts:full")
    params = _random_params(gen, dims)
    X = gen.standard_normal((m, dims[0]))
    Y = (gen.random((m, 1)) < 0.5).astype(_f64)
    L = len(dims) - 1
    AL_ref, layers = _REF.forward(X, params, hidden)
    ref_caches = [((A_prev, W, b), Z) for A_prev, W, b, Z, _ in layers]
    ref_grads = _REF.backward(AL_ref, Y, layers, hidden)
    keys = [f"{p}{l}" for l in range(1, L + 1) for p in ("dW", "db")]
    def raised(fn_name: str, exc) -> str:
        """``fn_name (it raises: ...)``, led by the graded function the error was raised in when it is another."""
        inside = re.findall(r"raised at `[^`]*` in (\w+)\)", f"{exc}{getattr(exc, 'where', '') or ''}")
        if inside and inside[-1] in _BLOCKS and inside[-1] != fn_name:
            return (f"{inside[-1]} (your {fn_name} raises inside it: {exc}{getattr(exc, 'where', '') or ''}; see "
                    f"{inside[-1]}'s cell)")
        return f"{fn_name} (it raises: {exc}; see its cell)"
    try:
        out = own.forward(X, params, hidden)
    except core.CheckFailure as exc:
        if exc.diagnosis == "mutated-input":
            return ("model_forward or a block it calls (your model_forward changes the parameters it is given: a W or "
                    "b reshaped or written in place, such as b.shape = ..., b += ... or W[...] = ... in linear_forward "
                    "or model_forward; see their cells)")
        return raised("model_forward", exc)
    try:
        entries = list(out[1])
    except (TypeError, IndexError):
        entries = []
    for entry in entries:
        lin = entry[0] if isinstance(entry, tuple) and len(entry) == 2 else None
        if isinstance(lin, tuple) and len(lin) != 3:
            return (f"linear_forward (the linear_cache in each entry of your caches has {len(lin)} entries, not "
                    f"(A_prev, W, b): it is what your linear_forward returns as its cache, and model_backward "
                    f"unpacks it; see linear_forward's cell)")
    if not _forward_matches(out, AL_ref, ref_caches):
        try:
            _AL, caches = out
            n = len(caches)
        except (TypeError, ValueError):
            return "model_forward (it does not return the pair (AL, caches); see its cell)"
        if n != L:
            return (f"model_forward (its caches has {n} entries for a network of {L} layers: one entry per layer, "
                    f"appended inside the loop; see its cell)")
        for entry in caches:
            act = entry[1] if isinstance(entry, tuple) and len(entry) == 2 else None
            lin = entry[0] if isinstance(entry, tuple) and len(entry) == 2 else None
            if act is not None and not isinstance(act, np.ndarray):
                return (f"activation_forward (the activation_cache in each entry of your caches is a "
                        f"{type(act).__name__}, not the array Z: it is what your activation_forward returns as its "
                        f"cache, and model_backward reads Z from it; see activation_forward's cell)")
            if lin is not None and not (isinstance(lin, tuple) and len(lin) == 3):
                return ("linear_forward (the linear_cache in each entry of your caches is not (A_prev, W, b): it "
                        "is what your linear_forward returns as its cache; see linear_forward's cell)")
        try:        # the first quantity that differs, layer by layer: Z_l (linear part) or A_{l-1} (activation)
            for l, ((lin, Z), (lin_w, Z_w)) in enumerate(zip(caches, ref_caches), start=1):
                if not _near(lin[0], lin_w[0]):
                    act = hidden if l > 1 else None
                    if act:
                        return (f"activation_forward (layer {l - 1}'s output A_{l - 1} = {act}(Z_{l - 1}) stored in "
                                f"your caches differs from the expected one while Z_{l - 1} is right; see the cells "
                                f"of activation_forward and of the helper it uses)")
                if not _near(Z, Z_w):
                    return (f"linear_forward (layer {l}'s Z = A_prev @ W + b in your caches differs from the expected "
                            f"one while its inputs are right; see linear_forward's cell)")
            if not _near(out[0], AL_ref, 1e-7, 1e-10):
                return ("activation_forward's sigmoid (every Z is right, but AL = sigmoid(Z_L) differs from the "
                        "expected one; see the cells of sigmoid and activation_forward)")
        except (TypeError, ValueError, IndexError):
            pass
        return "model_forward (its AL or caches differ from the expected ones; see its cell)"
    try:
        grads = own.backward(AL_ref, Y, copy.deepcopy(ref_caches), hidden)
    except core.CheckFailure as exc:
        return raised("model_backward", exc)
    if not isinstance(grads, dict) or not _grads_match(grads, ref_grads, keys, 1e-6, 1e-9):
        missing = [k for k in keys if not isinstance(grads, dict) or k not in grads]
        return ("model_backward (given the expected caches, its gradients differ from the expected ones"
                + (f"; missing keys {missing}" if missing else "") + "; see its cell)")
    try:
        new = own.update(params, ref_grads, 0.3)
    except core.CheckFailure as exc:
        return raised("update_parameters", exc)
    if not isinstance(new, dict) or not all(k in new for k in params):
        got = sorted(map(str, new))[:4] if isinstance(new, dict) else core.describe(new)
        return (f"update_parameters (it returns {got}, not the parameters dict W1, b1, ...; train continues with "
                f"what it returns; see its cell)")
    if not _match(new, _REF.update(params, ref_grads, 0.3), 1e-6, 1e-9):
        return "update_parameters (its updated parameters differ from the expected ones; see its cell)"
    try:        # end to end, as train chains them: the caches your forward makes must suit your backward
        again = own.backward(out[0], Y, out[1], hidden)
    except core.CheckFailure as exc:
        return ("model_forward's caches as your model_backward reads them (each right alone, but "
                + raised("model_backward", exc) + " when given the caches your model_forward returns)")
    if not isinstance(again, dict) or not _grads_match(again, ref_grads, keys, 1e-6, 1e-9):
        return ("model_forward's caches as your model_backward reads them (each right alone, but your model_backward "
                "gives wrong gradients from the caches your model_forward returns)")
    return None


#: The graded building blocks train's pipeline calls, directly or inside each other.
_BLOCKS = ("initialize_parameters", "linear_forward", "sigmoid", "activation_forward", "model_forward",
           "binary_cross_entropy", "linear_backward", "activation_backward", "model_backward", "update_parameters")


def _judge_train(check, fn, parts_fns):
    """Judge ``fn`` with the reference building blocks; if that fails and the student's own blocks
    differ from the reference, judge the loop alone, on their blocks (one mistake, one deduction)."""
    try:
        check(fn, _REF)
        return
    except core.CheckFailure as exc:
        if any(f is None for f in parts_fns):
            raise
        if " raised " in str(exc):
            _flattened_targets(exc, parts_fns)
        if _forward_modifies_parameters(parts_fns[0]) and _judged_with_reference_blocks(
                check, fn, "include a model_forward that changes the parameters dict it is given (see its own cell)"):
            return
        if _forward_keeps_state(parts_fns[0]) and _judged_with_reference_blocks(
                check, fn, "include a model_forward (or a building block of it) that keeps state between calls: "
                           "after the parameters are updated in place it still computes with the old values (see "
                           "those cells)"):
            return
        own = _Own(*parts_fns)
        if _parts_agree(own):
            raise
    _TRAIN_RUNS.skipped, _TRAIN_RUNS.judged = [], 0
    try:
        check(fn, own)
    except core.CheckFailure as exc:
        stateful = _stateful_update(parts_fns[2])
        if stateful or exc.diagnosis == "train-needs-reference":
            why = ("include an update_parameters that keeps state between calls (see its own cell)" if stateful else
                   "differ from the reference (see their cells), so the order of your mini-batches cannot be told "
                   "from their results")
            if _judged_with_reference_blocks(check, fn, why):
                return
        if stateful:
            # no expected run exists with an update_parameters that keeps state; passing the cell would let that
            # one-point mistake buy train's cells whatever the loop does
            core.fail(f"train could not be judged: your update_parameters keeps state between calls (see its own "
                      f"cell), so each run of your loop starts from another state and no expected run exists; once "
                      f"update_parameters depends on its arguments only, this cell checks the loop itself "
                      f"(the first difference was: {exc})", "train-blocked-by-stateful-update")
        if exc.diagnosis == "train-needs-reference":
            core.fail(f"{exc}, computed with your own model_forward, model_backward, update_parameters and "
                      f"binary_cross_entropy, which differ from the reference (see their cells): fix those "
                      f"first, then the order of your mini-batches can be checked", "train-blocked-by-building-blocks")
        block = None
        if " raised " in str(exc):
            try:
                block = _block_to_fix(own)
            except Exception:
                block = None
        core.fail(f"{exc}{own.label}" + (f"; the building block to fix first is {block}" if block else ""),
                  exc.diagnosis)
    # A run that failed as the loop on their own blocks fails was skipped: those blocks lost their points in
    # their own cells.  But a cell whose every run was skipped saw no loop run at all: passing it would let a
    # block that raises (one or two points) buy this cell whatever the loop does, so it fails, naming the block.
    if _TRAIN_RUNS.skipped and not _TRAIN_RUNS.judged and _TRAIN_RUNS.full_batch_m != 1:
        first = _TRAIN_RUNS.skipped[0]
        try:
            block = _block_to_fix(own)
        except Exception:
            block = None
        if _judged_with_reference_blocks(check, fn, f"do not run ({first}); fix {block} first" if block else
                                         f"do not run ({first})"):
            return
        _TRAIN_RUNS.skipped = [first]
    if _TRAIN_RUNS.skipped and not _TRAIN_RUNS.judged and check is _full_batch and _TRAIN_RUNS.full_batch_m != 1:
        first = _TRAIN_RUNS.skipped[0]
        _TRAIN_RUNS.full_batch_m = 1           # their blocks may run on one sample: the loop is judged there
        try:
            _judge_train(check, fn, parts_fns)
            return
        except core.CheckFailure as exc:
            if exc.diagnosis != "train-blocked-by-building-blocks":
                raise core.CheckFailure(f"{exc} (judged on ONE sample: on larger batches your own building blocks "
                                        f"raise, {first})", exc.diagnosis) from None
            _TRAIN_RUNS.skipped = [first]
        finally:
            _TRAIN_RUNS.full_batch_m = 24
    if _TRAIN_RUNS.skipped and not _TRAIN_RUNS.judged:
        try:
            block = _block_to_fix(own)
        except Exception:
            block = None
        where = (f"the building block to fix first is {block}" if block else
                 "the error is in a building block that train calls, at the line quoted (see that function's own "
                 "cell)")
        core.fail(f"train could not be judged: no run of it completed on your own building blocks, and the loop of "
                  f"the reference train fails on them the same way ({_TRAIN_RUNS.skipped[0]}); {where}: once your "
                  f"blocks run, this cell checks the loop itself", "train-blocked-by-building-blocks")


def _history_of_initial_parameters(hist, initial: float, trained, name: str, column: str = "loss") -> None:
    """Property of every train run: history's rows after row 0 are measured on the parameters as trained so far.
    Named when the returned parameters are trained (their loss, ``trained``, differs from the initial one) but
    EVERY row of history['loss'] is the initial parameters' loss: the rows are computed with the dict train was
    given, not the one its loop updates (a copy under another name, or the caller's dict read in the record)."""
    loss = hist.get(column) if isinstance(hist, dict) else None
    expected = np.atleast_1d(np.asarray(trained, dtype=_f64))      # the expected rows, or the last one alone
    if loss is None or len(loss) < 2 or all(core.close(float(v), initial, 1e-6, 1e-9) for v in expected):
        return
    if not all(core.close(float(v), initial, 1e-6, 1e-9) for v in loss):
        return
    said = f"their {column} is {float(expected[-1]):.6g}" if expected.size == 1 else \
        f"the expected rows are {cases.format_values(expected)}"
    core.fail(f"{name}: every row of history[{column!r}] is {initial:.6g}, the {column} of the INITIAL parameters, while "
              f"the parameters train returns are trained ({said}): the history is measured with the "
              f"parameters train was given, not with those the loop updates; record each row with the dict your "
              f"loop trains (the one it returns)", "history-of-initial-parameters")


def _trained_but_initial_returned(hist, want_hist, name) -> None:
    """Parameters returned unchanged while the history's loss follows the expected training run epoch by epoch
    (confirming that training ran): the fault is what train returns, not the updates."""
    loss = hist.get("loss") if isinstance(hist, dict) else None
    want = np.asarray(want_hist, dtype=_f64)[:, 0]
    if loss is None or loss.shape != want.shape or np.ptp(want) <= 1e-6 or not core.close(loss, want, 1e-4, 1e-8):
        return
    core.fail(f"{name}: the parameters returned are the initial ones, yet your history's loss is the one of the expected "
              f"training run, epoch by epoch: the training ran, but train returns the parameters it was given instead "
              f"of those the loop trained (return the dict your loop keeps updating)", "returns-initial-parameters")


def _stateful_update(update) -> bool:
    """Does the student's update_parameters keep state between calls (its own cell's property)? Then train,
    which calls it, cannot be replayed: every expected run would start from another state."""
    try:
        _update_has_no_memory(update)
    except core.CheckFailure as exc:
        return exc.diagnosis == "update-has-memory"
    return False


def _digits_out(text: str) -> str:
    return re.sub(r"\d+", "#", text)


def _flattened_targets(exc, parts_fns) -> None:
    """train raised: the student's model_backward raises the same error when its Y is 1-D (b,) and works with
    Y of shape (b, 1), confirmed on a small network: the loop flattens the targets before model_backward."""
    model_forward, model_backward = parts_fns[0], parts_fns[1]
    gen = core.rng("lab04.train_flat_targets")
    dims, m = [2, 3, 1], 5
    params, X = _random_params(gen, dims), gen.standard_normal((m, 2))
    Y = (gen.random((m, 1)) < 0.5).astype(_f64)
    try:
        AL, caches = model_forward(X, _copy_params(params), "tanh")
        model_backward(AL, Y, caches, "tanh")            # works with the documented (b, 1) targets
    except Exception:
        return
    head = str(exc).split(". train calls")[0]
    if "batch_size=1" in str(exc):
        _integer_indexed_row(exc, head, model_forward, model_backward, X, Y, params)
    flat = _pass_raises(model_forward, model_backward, X, Y.ravel(), params)
    if flat is None or not _same_raise(flat, exc):
        return
    core.fail(f"{head}: your model_backward raises the same error when its targets Y are 1-D "
              f"(shape (b,)) and works with Y of shape (b, 1): the loop flattens the batch's targets (Y[idx].ravel(), "
              f"Y[idx, 0]?) before model_backward; pass Y[idx], shape (b, 1)", "targets-flattened")


def _pass_raises(model_forward, model_backward, X, Y, params) -> tuple[str, str] | None:
    """('Kind: message', the student's line that raised) of the exception the student's forward + backward
    raise on (X, Y), or None when they run."""
    try:
        AL, caches = model_forward(X, _copy_params(params), "tanh")
        model_backward(AL, Y, caches, "tanh")
    except Exception as err:
        return f"{core.error_kind(err)}: {err}", core.raised_at(err)
    return None


def _same_raise(replayed: tuple[str, str], exc) -> bool:
    """The replay raised train's error: the same words (sizes aside) at the same line of the student's code (a
    generic numpy message such as a matmul mismatch is no proof alone: train's may come from another block)."""
    text, where = replayed
    line = core.raised_line(exc)
    return _digits_out(text) in _digits_out(str(exc)) and (not line or f"`{line}`" in where)


def _integer_indexed_row(exc, head, model_forward, model_backward, X, Y, params) -> None:
    """train raised with batch_size=1: the student's own forward and backward raise the same error on one sample
    taken with an integer index (X[i] of shape (n_0,), Y[i] of shape (1,)) and work on X[i:i + 1]: the loop picks
    the online sample with an integer instead of a slice."""
    if _pass_raises(model_forward, model_backward, X[:1], Y[:1], params) is not None:
        return                                              # a batch of one row must work
    single = _pass_raises(model_forward, model_backward, X[0], Y[0], params)
    if single is None or not _same_raise(single, exc):
        return
    core.fail(f"{head}: your model_forward and model_backward raise the same error on one sample taken with an "
              f"integer index (X[i] of shape (n_0,), Y[i] of shape (1,)) and work on X[i:i + 1] of shape (1, n_0): "
              f"with batch_size=1 the loop picks the sample with an integer (X[order[first]], X[i]), which drops "
              f"the batch axis; take a slice, idx = order[first:first + 1], so that X[idx] stays 2-D",
              "online-row-integer-indexed")


def _net(parts, dims):
    """Layer sizes of a training problem: with the student's own blocks, every size 1, where a
    transposed product cannot raise, so that the loop itself can be judged."""
    return dims if parts is _REF else [1, 1, 1]


def _problem(tag, m, dims):
    gen = core.rng(tag)
    X = gen.standard_normal((m, dims[0]))
    if dims[0] >= 2:
        Y = (X[:, :1] * X[:, 1:2] > 0).astype(_f64)     # XOR of the signs: needs a hidden layer
    else:
        Y = (X[:, :1] > 0.3).astype(_f64)
    return X, Y, _random_params(gen, dims)


_INPUT_TRANSFORMS = {   # what a train loop may do to X before its first epoch (a preprocessing step of its own)
    "standardised (X - X.mean(axis=0)) / X.std(axis=0)": lambda X: (X - X.mean(axis=0)) / (X.std(axis=0) + 1e-8),
    "centred X - X.mean(axis=0)": lambda X: X - X.mean(axis=0),
    "divided by X.std(axis=0)": lambda X: X / (X.std(axis=0) + 1e-8),
    "min-max scaled (X - min) / (max - min)": lambda X: (X - X.min(axis=0)) / (np.ptp(X, axis=0) + 1e-8),
    "divided by its largest absolute value": lambda X: X / np.abs(X).max(),
    "standardised over all entries (X - X.mean()) / X.std()": lambda X: (X - X.mean()) / (X.std() + 1e-8),
}


def _transformed_input(parts, hist, want0, got, X64, Y, params, lr, orders, size, hidden, name) -> None:
    """Property of every train run: history row 0 (before any update) is the loss of model_forward on the CALLER's
    X with the initial parameters.  When the trained parameters differ and row 0 does too, train changed its input
    before training: named with the transform when one reading fits both row 0 and the trained parameters (a
    second, independent confirmation); otherwise the property alone is said."""
    loss = hist.get("loss") if isinstance(hist, dict) else None
    if loss is None or len(loss) < 1:
        return
    row0 = float(loss[0])
    if not math.isfinite(row0) or core.close(row0, want0, 1e-5, 1e-8):
        return
    fits = []
    for label, transform in _INPUT_TRANSFORMS.items():
        try:
            with np.errstate(all="ignore"):
                Xt = transform(X64)
                p, h = _simulate(parts, Xt, Y, params, lr, orders, size, hidden)
        except (core.CheckFailure, Exception):
            continue
        if core.close(row0, float(h[0, 0]), 1e-4, 1e-7) and _match(got, p, 1e-4, 1e-6):
            fits.append(label)
    if len(fits) == 1:      # two transforms that agree on this X (constant columns) are no reading
        core.fail(f"{name}: train transformed X before training: your history row 0 (before any update) is "
                  f"{row0:.6g}, the loss of the initial parameters on X {fits[0]}, not {want0:.6g}, their loss on "
                  f"the X you were given; the trained parameters are those of gradient descent on that "
                  f"transformed X too. train must train on X as given (preprocessing belongs to the caller: "
                  f"the returned parameters are used on the caller's X)", "train-transformed-x")
    core.fail(f"{name}: history row 0 (before any update) is {row0:.6g}, but the loss of model_forward on the X "
              f"you were given with the initial parameters is {want0:.6g}, and the trained parameters differ "
              f"too: train did not start from the caller's X and parameters as given (look at what train does to "
              f"X, Y or the parameters before its first epoch)", "train-row0-differs")


def _ignores_initial_parameters(fn, X, Y, params, dims, name, got, lr, epochs, batch_size, hidden, seed=3) -> None:
    """Which argument the result ignores: the same call from other initial parameters (scaled and shifted) gives
    the same trained parameters -- train starts from parameters of its own (initialize_parameters inside train, a
    notebook global), not from the ones it is given."""
    other = {k: 0.5 * v + 0.3 for k, v in params.items()}
    try:
        again = _run_train(fn, X, Y, other, dims, name, learning_rate=lr, epochs=epochs, batch_size=batch_size,
                           hidden_activation=hidden, seed=seed)[0]
    except (core.CheckFailure, Exception):
        return
    if _match(again, got, 0, 0):
        core.fail(f"{name}: the trained parameters are the same whatever initial parameters train is given (two "
                  f"different starting points gave identical results): train must start from a copy of its "
                  f"`parameters` argument, not initialise new ones (or read a notebook variable)",
                  "ignores-initial-parameters")


def _full_batch(fn, parts):
    dims, hidden, m = _net(parts, [2, 6, 1]), "tanh", _TRAIN_RUNS.full_batch_m
    X, Y, params = _problem("lab04.train_full", m, dims)
    # lr = 5: the loss goes up after epoch 1 and down again later (every epoch still runs: no early stopping)
    for lr, epochs, batch_size, dtype in [(0.3, 8, None, _f64), (0.05, 3, None, _f64), (0.3, 8, m, _f64),
                                          (0.4, 5, None, np.float32), (5.0, 6, None, _f64)]:
        data = X.astype(dtype)
        X64 = data.astype(_f64)
        name = (f"train(X {data.shape} {data.dtype.name}, learning_rate={lr}, epochs={epochs}, "
                f"batch_size={batch_size})")

        def run(rate=lr, n=epochs, record_hidden=None, pairwise=False):
            return _simulate(parts, X64, Y, params, rate, [np.arange(m)] * n, m, hidden, record_hidden,
                             pairwise=pairwise)
        try:
            got, hist = _run_train(fn, data, Y, params, dims, name, parts=parts, expect=run, learning_rate=lr,
                                   epochs=epochs, batch_size=batch_size, hidden_activation=hidden, seed=3)
            want, want_hist = _expected(parts, run)
        except _Skip:
            continue
        _stopped_when_loss_rose(hist, want_hist, epochs, name)
        hist = _history(hist, epochs, name, lenient_loss=parts is not _REF)
        _dtype_kept(got, want, params, name, fn, lambda: _run_train(
            fn, data, Y, params, dims, name, learning_rate=lr, epochs=epochs, batch_size=batch_size,
            hidden_activation=hidden, seed=3)[0])
        if not _match(got, want) and parts is not _REF and _permuted_own_run_matches(
                got, parts, X64, Y, params, lr, epochs, m, hidden):
            continue     # their blocks depend on the row order (one dropped row...): their own cells pay
        if not _match(got, want):
            if _match(got, params, 0, 0):
                _trained_but_initial_returned(hist, want_hist, name)
                core.fail(f"{name}: the parameters did not change: call update_parameters on every mini-batch "
                          f"and keep working on the parameters it returns", "params-never-change")
            diagnoses = {
                "the learning_rate argument is ignored": lambda: run(rate=0.1)[0],
                _ASCENT.format(epochs=epochs): lambda: run(rate=-lr)[0],
                f"full batch means exactly one update per epoch ({epochs} in total)": lambda: run(n=epochs - 1)[0],
                f"full batch means exactly one update per epoch ({epochs} in total), not one more":
                    lambda: run(n=epochs + 1)[0],
                f"the training forward pass uses model_forward's default hidden activation 'relu', not "
                f"hidden_activation={hidden!r} (the backward pass does use it): pass hidden_activation to "
                f"model_forward too": lambda: _simulate(parts, X64, Y, params, lr, [np.arange(m)] * epochs, m,
                                                        hidden, forward_hidden="relu")[0],
                _BACKWARD_DEFAULT.format(hidden=hidden): lambda: _simulate(
                    parts, X64, Y, params, lr, [np.arange(m)] * epochs, m, hidden, backward_hidden="relu")[0],
                _STALE_GRADS: lambda: _simulate(parts, X64, Y, params, lr, [np.arange(m)] * epochs, m, hidden,
                                                stale="copy")[0],
                _STALE_GRADS + " (here backward even saw the new weights: update_parameters changes the arrays "
                "the caches hold in place)": lambda: _simulate(parts, X64, Y, params, lr, [np.arange(m)] * epochs, m, hidden,
                                                      stale="in-place")[0],
            }
            diagnoses[_ACCUMULATED.format(what="epoch")] = lambda: _simulate(
                parts, X64, Y, params, lr, [np.arange(m)] * epochs, m, hidden, accumulate=True)[0]
            # the targets of the whole set in their original order with the shuffled rows of X (Y never indexed
            # with the permutation): replayed with the documented generator, np.random.default_rng(seed)
            def unsliced(epochs=epochs):
                shuffle = np.random.default_rng(3)
                orders = [shuffle.permutation(m) for _ in range(epochs)]
                return _simulate(parts, X64, Y, params, lr, orders, m, hidden, whole_y=True)[0]
            # a full batch trains on the sum over the rows: any targets that are a permutation of the right
            # ones give the same step, so Y left in its order and X indexed twice (X[order][idx]) agree here
            diagnoses["the targets given to model_backward are not those of the rows fed to model_forward: Y in its "
                      "original order, not Y[idx] of the rows X[idx] drawn by the permutation, or X indexed twice "
                      "(X[order][idx]) while Y is indexed once (with a full batch both give the same steps): the "
                      "inputs and the targets of a step must be the same rows, X[idx] and Y[idx] with the same "
                      "idx"] = unsliced
            n_feat = X64.shape[1]
            if n_feat != m:        # m = X.shape[1]: replayed with the permutation of the features' count
                def features_as_m(epochs=epochs):
                    shuffle = np.random.default_rng(3)
                    orders = [shuffle.permutation(n_feat) for _ in range(epochs)]
                    return _simulate(parts, X64, Y, params, lr, orders, n_feat, hidden)[0]
                diagnoses[f"your train counts the samples with X.shape[1] = {n_feat}, the number of features (the "
                          f"habit of the columns-are-samples convention): each epoch trains on {n_feat} of the "
                          f"{m} rows only; here rows are samples, m = X.shape[0]"] = features_as_m
            if batch_size is None:      # replayed: the student's own train with batch_size=1
                diagnoses["batch_size=None gives the same parameters as batch_size=1 (one update per sample): None "
                          "means the whole data set, one update per epoch (size = m when batch_size is None)"] = \
                    lambda: _run_train(fn, data, Y, params, dims, name, learning_rate=lr, epochs=epochs,
                                       batch_size=1, hidden_activation=hidden, seed=3)[0]
            # the learning rate scaled by a size of the problem (learning_rate / len(idx), learning_rate * m...)
            for k, expr in ((1 / m, f"learning_rate / m = learning_rate / {m}"), (m, f"learning_rate * m = {m} * learning_rate"),
                            (0.5, "learning_rate / 2"), (2.0, "2 * learning_rate"),
                            (1 / epochs, f"learning_rate / epochs = learning_rate / {epochs}")):
                diagnoses[f"every update used a step of {expr} instead of learning_rate: pass learning_rate itself "
                          f"to update_parameters (the mean over the batch is already in dZ_L = (A_L - Y) / m)"] = \
                    (lambda k=k: run(rate=lr * k)[0])
            for message, alt in diagnoses.items():
                try:
                    hit = _match(got, alt())
                except (core.CheckFailure, Exception):
                    hit = False
                if hit:
                    core.fail(f"{name}: {message}", core.slug(message))
            if batch_size is not None:
                _full_batch_update_count(fn, parts)
            # where train starts comes first: a run from parameters of its own breaks every later reading
            _ignores_initial_parameters(fn, data, Y, params, dims, name, got, lr, epochs, batch_size, hidden)
            # what train trains on: history row 0 is the initial parameters' loss on the caller's X
            _transformed_input(parts, hist, float(want_hist[0, 0]), got, X64, Y, params, lr, [np.arange(m)] * epochs, m,
                               hidden, name)
            if parts is _REF:
                _full_batch_unused(fn)
            _step_carries_over(lambda n: _run_train(
                fn, data, Y, params, dims, name, learning_rate=lr, epochs=n, batch_size=batch_size,
                hidden_activation=hidden, seed=3)[0], parts, X64, Y, params, lr, hidden, name)
            _first_wrong_epoch(name, epochs, lambda n: _run_train(
                fn, data, Y, params, dims, name, learning_rate=lr, epochs=n, batch_size=batch_size,
                hidden_activation=hidden, seed=3)[0], lambda n: run(n=n)[0])
            core.fail(f"{name}: the parameters after training differ from {epochs} steps of gradient "
                      f"descent on the whole data set (index X and Y with the same permutation; "
                      f"one update per epoch when batch_size is None or m)", "full-batch-differs")
        for col, column in enumerate(("loss", "accuracy")):
            if hist.get(column) is not None:
                _history_of_initial_parameters(hist, float(want_hist[0, col]), want_hist[:, col], name, column)
        if parts is _REF and not hist["loss"][-1] < hist["loss"][0]:
            _loss_of_labels(hist, name)
            core.fail(f"{name}: the recorded loss did not go down ({hist['loss'][0]:.4g} -> "
                      f"{hist['loss'][-1]:.4g})", "loss-not-down")
        losses, accs = want_hist[:, 0], want_hist[:, 1]
        if hist["loss"] is not None:
            _name_swapped_loss(hist["loss"], losses, lambda: _simulate(
                _MeanAbsoluteError(parts), X64, Y, params, lr, [np.arange(m)] * epochs, m, hidden)[1][:, 0], name)
            _history_column("loss", hist["loss"], losses, run, hidden, name, rtol=1e-5, atol=1e-8, diagnose={
                "history['loss'] must be the loss on the whole data set *after* each epoch, with row 0 before "
                "training (yours is shifted by one epoch)": np.concatenate([losses[:1], losses[:-1]]),
                "history['loss'] must be the loss *after* each epoch: row 0 is the loss before training, then "
                "one row per epoch (yours starts one epoch late)": lambda: np.concatenate(
                    [losses[1:], run(n=epochs + 1)[1][-1:, 0]]),
            })
        _history_column("accuracy", hist["accuracy"], accs, run, hidden, name, rtol=1e-9, atol=1e-9, diagnose={
            "accuracy is a fraction in [0, 1], not a percentage": 100 * accs,
            f"your accuracy is the count of correct predictions (m = {m} times the fraction): it is a fraction in "
            f"[0, 1], the mean over the m samples (np.mean, not np.sum)": (m * accs) if m != 100 else None,
            "this is the error rate, not the accuracy": 1 - accs,
            "history['accuracy'] must be measured on the whole data set *after* each epoch, with row 0 before "
            "training (yours is shifted by one epoch: measured before the epoch's last update?)":
                np.concatenate([accs[:1], accs[:-1]]),
            "your accuracy compares every prediction with every label: the predictions (m, 1) against Y "
            "transposed (1, m) broadcast to an (m, m) table (Y.T, or a (m,) array from Y.ravel() / Y[:, 0] "
            "against (m, 1)); compare (AL > 0.5) with (Y > 0.5), both (m, 1), entry by entry":
                lambda: run(pairwise=True)[1][:, 1],
            **_accuracy_readings(lambda score: _simulate(parts, X64, Y, params, lr, [np.arange(m)] * epochs, m,
                                                         hidden, score=score)[1][:, 1])})
    _history_on_whole_set(fn, parts, dims, hidden)


def _history_on_whole_set(fn, parts, dims, hidden) -> None:
    """Every history row is the loss and accuracy on ALL m rows.  The cases above have m = 24, fewer rows than a
    usual batch or quick-evaluation slice (X[:32] is all of X there); here m = 50 and 70.  A history that fits the
    first k rows only is said with k when the same k fits both sizes; otherwise the property that failed."""
    epochs, lr = 3, 0.3
    found, first = [], None
    for m in (50, 70):
        X, Y, params = _problem(f"lab04.train_whole.{m}", m, dims)
        name = f"train(X ({m}, {dims[0]}), learning_rate={lr}, epochs={epochs}, batch_size=None)"

        def run(X=X, Y=Y, params=params, m=m, n=epochs):
            return _simulate(parts, X, Y, params, lr, [np.arange(m)] * n, m, hidden)
        try:
            got, hist = _run_train(fn, X, Y, params, dims, name, parts=parts, expect=run, learning_rate=lr,
                                   epochs=epochs, batch_size=None, hidden_activation=hidden, seed=3)
            want, want_hist = _expected(parts, run)
        except _Skip:
            return
        except core.CheckFailure as exc:
            if " raised " in str(exc) and m == 50:
                _name_fixed_row_count(fn, dims, hidden, lr, epochs, exc)
            raise
        hist = _history(hist, epochs, name, lenient_loss=parts is not _REF)
        if not _match(got, want) and parts is not _REF and _permuted_own_run_matches(
                got, parts, X, Y, params, lr, epochs, m, hidden):
            return       # their blocks depend on the row order: their own cells pay (as in the cases above)
        if not _match(got, want):
            core.fail(f"{name}: the parameters after training differ from {epochs} steps of gradient descent on "
                      f"all {m} rows (the cases with 24 rows were right): does train use only some of the rows "
                      f"when m is larger (a fixed slice X[:k], a batch size of its own)? batch_size=None means "
                      f"every step uses all m rows", "full-batch-larger-m")
        tol = {"loss": (1e-5, 1e-8), "accuracy": (1e-9, 1e-9)}
        wrong = [(c, i) for i, c in enumerate(("loss", "accuracy"))
                 if hist[c] is not None and not _near(hist[c], want_hist[:, i], *tol[c])]
        if not wrong:
            continue
        if first is None:
            c, i = wrong[0]
            r = int(np.flatnonzero(~np.isclose(hist[c], want_hist[:, i], *tol[c]))[0])
            first = (name, m, c, r, float(hist[c][r]), float(want_hist[r, i]),
                     " and ".join(f"history[{c!r}]" for c, _ in wrong))
        # the parameters after each epoch (the right ones: checked above), measured on the first k rows
        states = [_simulate(parts, X, Y, params, lr, [np.arange(m)] * n, m, hidden)[0] for n in range(epochs + 1)]
        fits = set()
        for k in range(1, m):
            rows = []
            for p in states:
                AL, _ = parts.forward(X[:k], p, hidden)
                rows.append((parts.loss(AL, Y[:k]), float(np.mean((np.asarray(AL) > 0.5) == (Y[:k] > 0.5)))))
            rows = np.array(rows, dtype=_f64)
            if all(_near(hist[c], rows[:, i], *tol[c]) for c, i in wrong):
                fits.add(k)
        found.append(fits)
    if first is None:
        return
    name, m, column, r, value, right, cols = first
    common = sorted(set.intersection(*found)) if len(found) == 2 else []
    if len(common) == 1:
        k = common[0]
        verb = "are" if " and " in cols else "is"
        core.fail(f"{name}: {cols} {verb} measured on the first {k} rows only (X[:{k}], Y[:{k}]), not on the "
                  f"whole data set: with m = 50 and m = 70 rows every row of your history is that of the first {k} rows (row {r}: "
                  f"{value:.6g}; on all {m} rows it is {right:.6g}); record the loss and accuracy of model_forward(X) "
                  f"on all m rows after each epoch", "history-on-first-rows")
    if common:
        verb = "are" if " and " in cols else "is"
        core.fail(f"{name}: {cols} {verb} measured on a part of the rows only: with m = 50 and m = 70 every row of "
                  f"your history fits the first k rows for k in {common[0]}..{common[-1]} (row {r}: {value:.6g}; on all "
                  f"{m} rows it is {right:.6g}); record the loss and accuracy on all m rows after each epoch",
                  "history-on-first-rows")
    when = "before training" if r == 0 else f"after epoch {r}"
    core.fail(f"{name}: history[{column!r}] row {r} is {value:.6g}, but the {column} {when} on the whole data "
              f"set (all {m} rows) is {right:.6g} (the parameters are right, and so was the history with 24 rows): "
              f"every row of the history must be measured on all of X and Y, not on a slice, a batch or a sample "
              f"of the rows", "history-not-whole-set")


def _name_fixed_row_count(fn, dims, hidden, lr, epochs, exc) -> None:
    """train ran with m = 24 rows and raised with m = 50: when the same row count k < 50 shows in the shapes of
    the errors with m = 50 and m = 70 (and not m itself in its place), a fixed number of rows is used somewhere."""
    def counts(text, m):
        return {int(n) for n in re.findall(r"\((\d+),", text)} - {m, 1, *dims}
    seen = counts(str(exc), 50)
    X, Y, params = _problem("lab04.train_whole.70", 70, dims)
    try:
        _run_train(fn, X, Y, params, dims, "train", learning_rate=lr, epochs=epochs, batch_size=None,
                   hidden_activation=hidden, seed=3)
        return
    except (core.CheckFailure, Exception) as other:
        common = sorted(k for k in seen & counts(str(other), 70) if k < 50)
    if len(common) == 1:
        k = common[0]
        failure = core.CheckFailure(
            f"{str(exc).split('. train calls', 1)[0]}. train ran with 24 rows but raises with m = 50 and with m = 70, and both errors show an array "
            f"of {k} rows next to one of m rows: a fixed number of rows, {k}, is used somewhere in train (a slice "
            f"X[:{k}] or Y[:{k}] for the history or a quick evaluation?); with m <= {k} that slice is all of X. "
            f"Use all m rows (the history's loss and accuracy are measured on the whole X, Y)",
            "fixed-row-count")
        failure.raised, failure.where = getattr(exc, "raised", ""), getattr(exc, "where", "")
        raise failure from None


def _loss_of_labels(hist, name) -> None:
    """history['loss'] computed on the 0/1 labels (AL > 0.5) instead of the probabilities AL: with a clipped log,
    the loss of 0/1 labels is the error rate times -log(eps). Said only when every row fits the same eps = 10^-k."""
    try:
        loss, err = np.asarray(hist["loss"], _f64), 1.0 - np.asarray(hist["accuracy"], _f64)
    except (KeyError, TypeError, ValueError):
        return
    if loss.shape != err.shape or loss.size < 2 or not (err > 1e-12).any():
        return
    c = loss[err > 1e-12] / err[err > 1e-12]
    k = c[0] / math.log(10)
    if not (np.allclose(c, c[0], rtol=1e-6) and np.allclose(loss[err <= 1e-12], 0.0, atol=1e-9)
            and 3 <= round(k) <= 17 and abs(k - round(k)) < 1e-3):
        return
    core.fail(f"{name}: history['loss'] ({np.round(loss, 4).tolist()}) is the loss of the 0/1 labels (AL > 0.5), "
              f"not of the probabilities AL: in every row it equals the error rate 1 - accuracy times "
              f"{c[0]:.4g} = -log(1e-{round(k)}) (the clipping epsilon of the log). Record "
              f"binary_cross_entropy(AL, Y) of the network's output AL on the whole data set", "loss-of-labels")


_ASCENT = ("the parameters after training are those of {epochs} steps of gradient ASCENT (every gradient's sign "
           "flipped): is model_backward called with its first two arguments swapped, model_backward(Y, AL, ...), "
           "which turns dZ_L = AL - Y into Y - AL? (or does the loop add the step instead of subtracting it?)")


_ACCUMULATED = ("the update of {what} k moves the parameters by learning_rate times the SUM of the gradients of "
                "updates 1 to k: the gradients are accumulated "
                "across steps and never reset (a running total kept outside the loop, or += into a dict that is "
                "never cleared): each update uses the gradients model_backward returns for that mini-batch only")


def _stopped_when_loss_rose(hist, want_hist, epochs, name) -> None:
    """A history that ends early, at the first epoch where the loss went up (the earlier cases, where it only goes
    down, ran every epoch): the loop stops when the loss rises."""
    try:
        n = len(hist)
    except TypeError:
        return
    if 1 < n < epochs + 1 and want_hist[n - 1, 0] > want_hist[n - 2, 0] \
            and bool(np.all(np.diff(want_hist[:n - 1, 0]) <= 0)):
        core.fail(f"{name}: the history stops after epoch {n - 1} of {epochs}, the first epoch where the loss went up "
                  f"({want_hist[n - 2, 0]:.4g} -> {want_hist[n - 1, 0]:.4g}; with smaller learning rates, where it only "
                  f"goes down, every epoch ran): train must run all {epochs} epochs, with no early stopping "
                  f"when the loss rises", "stops-when-loss-rises")


def _permuted_own_run_matches(got, parts, X64, Y, params, lr, epochs, m, hidden) -> bool:
    """Full batch on the student's own blocks, each epoch in the documented order (np.random.default_rng(seed)
    permutations, seed 3): a building block that is not invariant to the row order (a loop over the samples
    that misses one) gives a different result in that order than in the natural one, and the loop is right."""
    try:
        shuffle = np.random.default_rng(3)
        orders = [shuffle.permutation(m) for _ in range(epochs)]
        return _match(got, _simulate(parts, X64, Y, params, lr, orders, m, hidden)[0])
    except (core.CheckFailure, Exception):
        return False


def _full_batch_update_count(fn, parts) -> None:
    """batch_size = m is the full batch: ONE update per epoch.  On m identical samples every batch has the full
    batch's gradient, so one epoch's parameters tell the number of updates n; asked for m = 10 and 6 (the sizes
    differ, so n = m on both is a reading, not a coincidence)."""
    dims, hidden = _net(parts, [2, 3, 1]), "tanh"
    gen = core.rng("lab04.train_full_count")
    params = _random_params(gen, dims)
    x = gen.standard_normal((1, dims[0]))
    counts = []
    for m in (10, 6):
        X, Y = np.repeat(x, m, axis=0), np.ones((m, 1))
        name = f"train({m} identical samples, batch_size={m}, epochs=1)"
        try:
            got = _run_train(fn, X, Y, params, dims, name, learning_rate=0.5, epochs=1, batch_size=m,
                             hidden_activation=hidden, seed=0)[0]
            p, n = _copy_params(params), None
            for k in range(0, 2 * m + 2):
                if _match(got, p):
                    n = k
                    break
                AL, caches = parts.forward(X, p, hidden)
                p = parts.update(p, parts.backward(AL, Y, caches, hidden), 0.5)
        except (_Skip, core.CheckFailure, Exception):
            return
        if n is None or n == 1:
            return
        counts.append((m, n, name))
    if all(n == m for m, n, _ in counts):
        core.fail(f"{counts[0][2]}: batch_size = m gave m updates per epoch ({counts[0][1]}, and {counts[1][1]} "
                  f"with m = batch_size = {counts[1][0]}) where the full batch gives one: batch_size is the number of "
                  f"rows per batch, not the number of batches (for first in range(0, m, batch_size): "
                  f"idx = order[first:first + batch_size])", "batch-size-read-as-batch-count")
    m, n, name = counts[0]
    core.fail(f"{name}: batch_size = m gave {n} updates in one epoch where the full batch gives one (batch_size is "
              f"the number of rows per batch: batch_size = m is one batch of every row)", "full-batch-update-count")


def _dtype_kept(got, want, params, name, fn=None, again=None) -> None:
    """Docstring: the parameters returned have the dtype of those given (float64 stays float64, whatever dtype X
    has or the building blocks compute in).  Asked only where the loop run on the same blocks keeps it (``want``)
    and where train run again (``again``) with the reference blocks lent in place of the student's keeps it wrong,
    so a building block that changes the dtype (update_parameters returning float32) pays in its own cell."""
    for k in sorted(params):
        given, mine, theirs = np.asarray(params[k]).dtype, getattr(got.get(k), "dtype", None), \
            getattr(want.get(k), "dtype", None)
        if mine is not None and mine != given and theirs == given:
            if again is not None and fn is not None:
                try:
                    with core.lent_globals(fn, _LENT_BLOCKS, _LENT_UPDATE):
                        lent = again()
                    if all(getattr(lent.get(q), "dtype", None) == np.asarray(params[q]).dtype for q in params):
                        return      # a building block changes the dtype: judged in its own cell
                except Exception:
                    pass
            core.fail(f"{name}: the parameters returned have dtype {mine} ({k}) where those given are {given}: "
                      f"train updates a copy of the given parameters with their dtype (v.copy(), not "
                      f"v.astype(np.float32)); a {mine} copy loses precision at every step", "params-dtype-changed")


def _step_carries_over(trained, parts, X, Y, params, lr, hidden, name,
                       read_from="full-batch runs of 1 to 4 epochs") -> None:
    """Property of gradient descent: each full-batch step is delta_t = -learning_rate * g_t, with g_t the gradient
    at the parameters the step starts from; nothing of an earlier step carries over.  From runs of 1..4 epochs the
    steps delta_t are read back and fitted to delta_t = -a * learning_rate * g_t + beta * delta_(t-1) (a and beta
    by least squares on steps 2..4); told only when that one (a, beta) reproduces every step (the first with
    delta_0 = 0) and beta is not 0: a velocity kept across steps (momentum)."""
    keys = sorted(params)
    try:
        runs = [_copy_params(params)] + [trained(n) for n in range(1, 5)]
        flat = [np.concatenate([np.asarray(p[k], _f64).ravel() for k in keys]) for p in runs]
        grads = []
        for p in runs[:-1]:
            AL, caches = parts.forward(X, {k: np.asarray(p[k], _f64) for k in keys}, hidden)
            g = parts.backward(AL, Y, caches, hidden)
            grads.append(np.concatenate([np.asarray(g["d" + k], _f64).ravel() for k in keys]))
    except (_Skip, core.CheckFailure, Exception):
        return
    if not all(v.shape == flat[0].shape and np.isfinite(v).all() for v in flat + grads):
        return
    deltas = [b - a for a, b in zip(flat, flat[1:])]
    rows = np.concatenate([np.stack([-lr * grads[t], deltas[t - 1]], axis=1) for t in range(1, 4)])
    rhs = np.concatenate(deltas[1:])
    try:
        (a, beta), *_ = np.linalg.lstsq(rows, rhs, rcond=None)
    except np.linalg.LinAlgError:
        return
    scale = max(float(np.abs(rhs).max()), 1e-12)
    fits = all(float(np.abs(deltas[t] - (-a * lr * grads[t] + (beta * deltas[t - 1] if t else 0.0))).max())
               <= 1e-6 * scale for t in range(4))
    if not fits or abs(beta) < 1e-3:
        return
    rate = "" if abs(a - 1) <= 1e-6 else f" and the gradient's part is {a:.4g} * learning_rate * gradient"
    core.fail(f"{name}: your step carries over a fraction of the previous step (momentum): read back from {read_from}, "
              f"every update is -learning_rate * gradient + {beta:.4g} * (the previous update){rate}: "
              f"a velocity kept across steps; plain gradient descent steps by -learning_rate * the gradient at the "
              f"current parameters only (update_parameters with the fresh grads, nothing kept from earlier steps)",
              "momentum")


def _first_wrong_epoch(name, epochs, trained, expected):
    """Runs of 1, 2, ... epochs: when the first ones match the expected parameters and a later one does
    not, something changes from one epoch to the next (the learning rate, the starting parameters...)."""
    for n in range(1, epochs + 1):
        try:
            ok = _match(trained(n), expected(n))
        except _Skip:
            return
        if not ok:
            break
    else:
        return
    if n > 1:
        first = "epoch 1 gives" if n == 2 else f"epochs 1 to {n - 1} give"
        core.fail(f"{name}: {first} exactly the expected parameters but epoch {n} does "
                  f"not: something changes from one epoch to the next (the learning rate changed inside the "
                  f"loop? the parameters an epoch starts from not those the previous one ended with?)",
                  "later-epoch-differs")


def _onehot_ignores_initial(fn, label, batch_size, seed) -> None:
    """Second input before the one-hot reading blames the pairing (which assumes training starts at W = 0): one
    epoch from two different starting points.  Identical results mean train starts from parameters of its own."""
    m = _ONEHOT_M
    runs = []
    for W0, b0 in ((0.0, _ONEHOT_B0), (0.4, _ONEHOT_B0 + 0.5)):
        params = {"W1": np.full((m, 1), W0), "b1": np.full((1, 1), b0)}
        try:
            got, _ = _run_train(fn, np.eye(m), _ONEHOT_Y.copy(), params, [m, 1], label, learning_rate=_ONEHOT_LR,
                                epochs=1, batch_size=batch_size, hidden_activation="tanh", seed=seed)
        except (core.CheckFailure, Exception):
            return
        runs.append(got)
    if _match(runs[0], runs[1], 0, 0):
        core.fail(f"{label}: the trained parameters are the same whatever initial parameters train is given (two "
                  f"different starting points gave identical results): train must start from a copy of its "
                  f"`parameters` argument, not initialise new ones (or read a notebook variable)",
                  "ignores-initial-parameters")


def _full_batch_unused(fn):
    """The one-hot problem with batch_size None: every sample must move its own weight in each epoch, towards its
    own label ((x, y) pairs intact)."""
    m = _ONEHOT_M
    params = {"W1": np.zeros((m, 1)), "b1": np.full((1, 1), _ONEHOT_B0)}
    label = f"train(one-hot X ({m}, {m}), batch_size=None, epochs=1)"
    try:
        got, _ = _run_train(fn, np.eye(m), _ONEHOT_Y.copy(), params, [m, 1], label, learning_rate=_ONEHOT_LR,
                            epochs=1, batch_size=None, hidden_activation="tanh", seed=3)
    except core.CheckFailure:
        return
    W1, _ = _onehot_state(got)
    y = _ONEHOT_Y[:, 0]
    wrong = [i for i in range(m) if abs(W1[i]) > 1e-12 and np.sign(W1[i]) != (1 if y[i] == 1 else -1)]
    if wrong:     # sample i's gradient touches W[i] only: its sign says which label it was trained towards
        _onehot_ignores_initial(fn, label, None, 3)
        side = _unindexed_side(fn, m, None)
        if side:
            core.fail(f"{label}: the targets given to the loss are not those of the rows (sample {wrong[0]} was "
                      f"trained towards the wrong label): {side}", "pairs-broken")
        core.fail(f"{label}: the targets given to the loss are not those of the rows (sample {wrong[0]} was trained "
                  f"towards the wrong label): X and Y must be indexed with the same permutation (X[idx] with "
                  f"Y[idx])", "pairs-broken")
    unused = int((np.abs(W1) <= 1e-12).sum())
    if 0 < unused < m:
        _name_drawn_with_replacement(fn, label, unused)
        core.fail(f"{label}: {unused} of the {m} samples were never used in the epoch: with batch_size None each "
                  f"epoch is one gradient-descent step on all m rows (the loop over the rows must start at row 0 "
                  f"and reach row m - 1: for first in range(0, m, size))", "full-batch-samples-unused")


def _visit_counts(fn, seed):
    """One full-batch epoch of the one-hot problem from W = 0: sample i's weight moves by -lr (a - y_i) / m per
    visit (one batch of m rows), so W1[i] read back gives how many times row i was in the batch; None when the
    counts are not whole numbers summing to m (not one batch of m rows)."""
    m = _ONEHOT_M
    params = {"W1": np.zeros((m, 1)), "b1": np.full((1, 1), _ONEHOT_B0)}
    try:
        got, _ = _run_train(fn, np.eye(m), _ONEHOT_Y.copy(), params, [m, 1], "train", learning_rate=_ONEHOT_LR,
                            epochs=1, batch_size=None, hidden_activation="tanh", seed=seed)
    except (core.CheckFailure, Exception):
        return None
    W1, _ = _onehot_state(got)
    counts = W1 / (-_ONEHOT_LR * (_sigmoid(_ONEHOT_B0) - _ONEHOT_Y[:, 0]) / m)
    whole = np.round(counts)
    if not np.allclose(counts, whole, atol=1e-6) or whole.min() < 0 or int(whole.sum()) != m:
        return None
    return whole.astype(int)


def _name_drawn_with_replacement(fn, label, unused) -> None:
    """Samples missing from a full-batch epoch because others were drawn twice (indices with replacement), not
    because the loop skips rows: said when, with two seeds, the batch has m rows, some of them repeated."""
    seen = [_visit_counts(fn, seed) for seed in (3, 5)]
    if any(c is None or c.max() < 2 for c in seen):
        return
    counts = seen[0]
    twice = int(np.argmax(counts))
    core.fail(f"{label}: {unused} of the {_ONEHOT_M} samples were never used in the epoch, while sample {twice} was "
              f"used {counts[twice]} times (read back from the weights of the one-hot problem; another seed gives "
              f"repeats too): the batch has m = {_ONEHOT_M} rows, but some are the same row: the row indices are "
              f"drawn WITH replacement (rng.choice(m, size) or rng.integers): draw a permutation, rng.permutation(m) "
              f"(or rng.choice(m, m, replace=False)), so that every sample is used exactly once per epoch",
              "indices-with-replacement")


# Other numbers an accuracy column may hold (each a function of the predictions AL and the labels Y): a column
# equal to one of them on every epoch (the predictions change from epoch to epoch) is that reading.
_ACCURACY_READINGS = {
    "equals mean(AL > 0.5), the share of samples PREDICTED positive: Y is never compared; the accuracy is "
    "mean((AL > 0.5) == (Y > 0.5)), the share of predictions that match their label":
        lambda AL, Y: np.mean(AL > 0.5),
    "equals mean(Y), the share of positive LABELS (the same on every epoch): the predictions are never "
    "compared; the accuracy is mean((AL > 0.5) == (Y > 0.5))": lambda AL, Y: np.mean(Y),
    "equals mean(AL), the mean predicted probability: threshold the predictions and compare them with Y, "
    "mean((AL > 0.5) == (Y > 0.5))": lambda AL, Y: np.mean(AL),
    "equals mean(AL * Y), the predicted probability of the positive samples averaged over all m: threshold the "
    "predictions and compare them with Y, mean((AL > 0.5) == (Y > 0.5))": lambda AL, Y: np.mean(AL * Y),
    "equals mean((AL > 0.5) * Y), the true positives over m (the negatives predicted right are not counted): "
    "the accuracy is mean((AL > 0.5) == (Y > 0.5))": lambda AL, Y: np.mean((AL > 0.5) * Y),
}


def _accuracy_readings(column_of):
    """diagnose entries: each reading of _ACCURACY_READINGS as a whole history column (``column_of(score)``)."""
    return {f"on every epoch your accuracy {message}": (lambda score=score: column_of(score))
            for message, score in _ACCURACY_READINGS.items()}


def _history_column(column, got, want, run, hidden, name, *, rtol, atol, diagnose):
    """A column of the history of a full-batch run (``run``) against the expected one, naming the
    catalogued mistakes ``diagnose`` and a history measured with another hidden activation."""
    index = {"loss": 0, "accuracy": 1}[column]
    others = {_other_activation_history(column, other, hidden): (lambda o=other: run(record_hidden=o)[1][:, index])
              for other in ACTIVATIONS if other != hidden}
    try:
        _expect_close(got, want, name=f"{name}: history[{column!r}]", rtol=rtol, atol=atol,
                      diagnose={**diagnose, **others})
    except core.CheckFailure as exc:
        if any(message in str(exc) for message in others):
            raise core.CheckFailure(str(exc), "history-other-activation") from None
        if "on every epoch your accuracy equals" in str(exc):
            raise core.CheckFailure(str(exc), "history-accuracy-reading") from None
        raise


def _other_activation_history(column, other, hidden):
    """The end of a message saying the history was measured with the hidden activation ``other``."""
    return (f"this is the {column} of the network run with the hidden activation {other!r}, not the "
            f"{hidden!r} train was given: pass hidden_activation on to model_forward (or predict) where the "
            f"history is recorded (their default is 'relu')")


def _train_run(fn, X, Y, params, kwargs):
    """train's (parameters, loss and accuracy columns) on copies, with the reference blocks lent (a block's
    mistake is paid in its own cell); None when the call fails (judged in the cells that pass every argument)."""
    try:
        with core.lent_globals(fn, _LENT_BLOCKS, _LENT_UPDATE):
            got, hist = fn(X.copy(), Y.copy(), _copy_params(params), **kwargs)
        return ({k: np.asarray(v, _f64) for k, v in got.items()},
                np.asarray(hist["loss"], _f64), np.asarray(hist["accuracy"], _f64))
    except Exception:
        return None


def _train_same(a, b) -> bool:
    return a[0].keys() == b[0].keys() and all(a[0][k].shape == b[0][k].shape and np.allclose(
        a[0][k], b[0][k], rtol=1e-9, atol=1e-12) for k in a[0]) and all(
        x.shape == y.shape and np.allclose(x, y, rtol=1e-9, atol=1e-12) for x, y in zip(a[1:], b[1:]))


def _train_defaults(fn, documented: dict, given: dict) -> None:
    """Property: train called without the arguments of ``documented`` behaves as with their documented values
    (the other arguments ``given``). Two runs when right; after a difference, one run per argument (that one
    left out) says which default differs."""
    X, Y, params = _problem("lab04.train_defaults", 6, [2, 3, 1])
    if documented.get("epochs") == 100:     # cheap: one run of 100 epochs, its history's rows; then 3 epochs each
        rest = {k: v for k, v in documented.items() if k != "epochs"}
        run = _train_run(fn, X, Y, params, {**given, **rest})
        if run is not None and run[1].size != 101:
            core.fail(f"train(X, Y, parameters) without epochs must behave as epochs=100, the documented default "
                      f"(its history has {run[1].size} rows, not 101): the default value in the def line, or the "
                      f"code that reads it, is wrong", "train-wrong-default")
        documented, given = rest, {**given, "epochs": 3}
    plain, full = _train_run(fn, X, Y, params, given), _train_run(fn, X, Y, params, {**given, **documented})
    if plain is None or full is None or _train_same(plain, full):
        return
    wrong = [arg for arg in documented if (lambda run: run is not None and not _train_same(run, full))(
        _train_run(fn, X, Y, params, {**given, **{k: v for k, v in documented.items() if k != arg}}))]
    said = ", ".join(f"{k}={documented[k]!r}" for k in (wrong or documented))
    rows = f" (its history has {plain[1].size} rows, not {full[1].size})" if plain[1].size != full[1].size else ""
    core.fail(f"train(X, Y, parameters{''.join(f', {k}={v!r}' for k, v in given.items())}) without "
              f"{' and '.join(wrong or documented)} must behave as {said}, the documented default"
              f"{'s' if len(wrong) != 1 else ''}{rows}: "
              f"the default value{'s' if len(wrong) != 1 else ''} in the def line, or the code that reads "
              f"{'them' if len(wrong) != 1 else 'it'}, {'are' if len(wrong) != 1 else 'is'} wrong",
              "train-wrong-default")


def train_full_batch(fn, model_forward=None, model_backward=None, update_parameters=None,
                     binary_cross_entropy=None) -> None:
    """Full-batch training is exactly gradient descent: one step per epoch, loss going down."""
    _judge_train(_full_batch, fn, (model_forward, model_backward, update_parameters, binary_cross_entropy))
    _train_defaults(fn, {"learning_rate": 0.1, "epochs": 100, "batch_size": None, "hidden_activation": "relu"}, {})


# --- following the batches of train through a one-hot problem ---------------------------------------
# m samples, X = I_m, a single sigmoid unit (layers [m, 1]): sample i's gradient touches only
# W[i] (and the shared bias).  From W and b before and after an epoch the batches can be read
# back in order: at each step, the samples whose W[i] moved exactly as one visit at the current
# bias predicts form the batch; then the bias moves by the batch's mean gradient.
_ONEHOT_M, _ONEHOT_K, _ONEHOT_LR, _ONEHOT_B0 = 13, 4, 1.5, -2.0
_ONEHOT_Y = np.array([1, 1, 0, 1, 1, 0, 1, 1, 1, 0, 1, 1, 1], dtype=_f64)[:, None]


def _decode_epoch(W0, b0, W1, b1, y, lr):
    """The batches of one epoch (sorted sample indices, in order), or None when no sequence of
    single visits explains the change from (W0, b0) to (W1, b1)."""
    m = W0.shape[0]
    left, batches, b = set(range(m)), [], b0
    tol = 1e-5 * max(1.0, float(np.max(np.abs(W1))))
    while left:
        a = _sigmoid(W0 + b)
        found = None
        for s in range(len(left), 0, -1):
            pred = W0 - lr * (a - y) / s
            hits = sorted(i for i in left if abs(W1[i] - pred[i]) <= tol)
            if len(hits) == s:
                found = hits
                break
        if found is None:
            return None
        batches.append(found)
        left -= set(found)
        b = b - lr * float(np.mean(a[found] - y[found]))
    return batches if abs(b - b1) <= tol else None


def _onehot_state(params):
    return np.asarray(params["W1"], _f64)[:, 0], float(np.asarray(params["b1"], _f64).reshape(-1)[0])


def _expected_sizes(m, k):
    return [k] * (m // k) + ([m % k] if m % k else [])


def _onehot_run(fn, epochs, seed, name):
    m, k = _ONEHOT_M, _ONEHOT_K
    params = {"W1": np.zeros((m, 1)), "b1": np.full((1, 1), _ONEHOT_B0)}
    label = f"{name}, epochs={epochs}, seed={seed}"
    got, hist = _run_train(fn, np.eye(m), _ONEHOT_Y.copy(), params, [m, 1], label, learning_rate=_ONEHOT_LR,
                           epochs=epochs, batch_size=k, hidden_activation="tanh", seed=seed)
    state = _onehot_state(got)
    _onehot_losses()[(epochs, seed)] = _history(hist, epochs, label).get("loss")
    _onehot_losses()[("state", epochs, seed)] = state
    return state


def _name_returned_earlier_epoch(epochs, seed, label) -> None:
    """Property of every train run: the parameters returned are those after the LAST epoch, so their loss on
    the training set is the history's last row. Named when the returned parameters' loss misses the last row but
    equals an earlier row (confirmed on the rows: that epoch's loss differs from the last one's)."""
    loss, state = _onehot_losses().get((epochs, seed)), _onehot_losses().get(("state", epochs, seed))
    if loss is None or state is None or len(loss) != epochs + 1:
        return
    W, b = state
    own = _bce(_sigmoid(W + b)[:, None], _ONEHOT_Y)
    last = float(loss[-1])
    if abs(own - last) <= 1e-6 * max(1.0, abs(last)):
        return
    rows = [e for e in range(epochs) if abs(own - float(loss[e])) <= 1e-6 * max(1.0, abs(own))]
    if not rows:
        return
    e = rows[-1]
    lowest = " (the row with the lowest loss: keeping the best epoch is early stopping, not asked here)" \
        if float(loss[e]) <= float(np.min(loss)) + 1e-12 else ""
    core.fail(f"{label}: the parameters returned are not those after the last epoch: their loss on the training "
              f"set is {own:.6g}, which is your history's row {e}{lowest}, while the last row (epoch {epochs}) says "
              f"{last:.6g}; return the parameters as the loop leaves them after its last epoch",
              "returns-earlier-epoch")


# The loss column of the last one-hot run per (epochs, seed), read after a failure only.  Per thread:
# the zoo grades several submissions at once in one process, and a run must read its own history.
_ONEHOT_RUNS = threading.local()


def _onehot_losses() -> dict:
    if not hasattr(_ONEHOT_RUNS, "loss"):
        _ONEHOT_RUNS.loss = {}
    return _ONEHOT_RUNS.loss


def _onehot_batches(fn, seed, name):
    """The batches of the first two epochs of train on the one-hot problem, read back from W and b."""
    m, k = _ONEHOT_M, _ONEHOT_K
    y = _ONEHOT_Y[:, 0]
    W0, b0 = np.zeros(m), _ONEHOT_B0
    W1, b1 = _onehot_run(fn, 1, seed, name)
    label = f"{name}, epochs=1, seed={seed}"
    again = _onehot_run(fn, 1, seed, name)
    if not (np.array_equal(again[0], W1) and again[1] == b1):
        core.fail(f"{label}: two runs with the same seed differ: draw the order from "
                  f"np.random.default_rng(seed) so that results are reproducible", "not-reproducible")
    moved = np.abs(W1 - W0) > 1e-12
    wrong = [i for i in range(m) if moved[i] and np.sign(W1[i] - W0[i]) != (1 if y[i] == 1 else -1)]
    if wrong:
        _onehot_ignores_initial(fn, label, k, seed)
        side = _unindexed_side(fn, m, k)
        core.fail(f"{label}: the targets given to the loss are not those of the sampled rows (sample "
                  f"{wrong[0]} was trained towards the wrong label): "
                  f"{side or 'X and Y must be indexed with the same permutation'}", "pairs-broken")
    unused = int((~moved).sum())
    if unused == m:
        loss = _onehot_losses().get((1, seed))
        if loss is not None and loss.shape == (2,) and abs(loss[1] - loss[0]) > 1e-6 * max(1.0, abs(loss[0])):
            core.fail(f"{label}: the parameters returned are the initial ones, yet your history's loss changed "
                      f"during the epoch ({loss[0]:.4g} -> {loss[1]:.4g}): the training ran, but train returns the "
                      f"parameters it was given instead of those the loop trained (return the dict your loop keeps "
                      f"updating)", "returns-initial-parameters")
        core.fail(f"{label}: the parameters did not change in the first epoch: call update_parameters on "
                  f"every mini-batch", "params-never-change")
    first = _decode_epoch(W0, b0, W1, b1, y, _ONEHOT_LR)
    if first is None:
        _name_returned_earlier_epoch(1, seed, label)
        if unused and unused == m % k:
            core.fail(f"{label}: the last, smaller mini-batch is dropped ({unused} of the {m} samples were "
                      f"never used): loop over range(0, m, batch_size) so that every sample is used "
                      f"exactly once per epoch", "last-batch-dropped")
        if unused:
            core.fail(f"{label}: {unused} of the {m} samples were never used in the first epoch: every sample "
                      f"must be used exactly once per epoch: draw a permutation of the rows (rng.permutation(m), "
                      f"not indices with replacement) and cut it into consecutive slices "
                      f"order[i:i + batch_size] for i in range(0, m, batch_size)", "not-every-sample-once")
        core.fail(f"{label}: the parameters after one epoch are not those of mini-batches of {k} rows that "
                  f"use every sample exactly once (a sample used twice, or the mini-batches' gradients not "
                  f"averaged over their own rows?)", "not-every-sample-once")
    sizes = [len(bt) for bt in first]
    want = _expected_sizes(m, k)
    if m % k and sizes == want[:-2] + [k + m % k]:
        core.fail(f"{label}: the last, smaller mini-batch of {m % k} row(s) is merged into the one before it: your "
                  f"mini-batches have sizes {sizes} (read back from the parameters), not {want}. Every sample is used, "
                  f"but an epoch makes {len(sizes)} updates instead of ceil(m / batch_size) = {len(want)} (m // "
                  f"batch_size batches with the rest added to the last): cut the permutation into the slices "
                  f"order[first:first + batch_size] for first in range(0, m, batch_size), the last one smaller",
                  "last-batch-merged")
    if sizes != want:
        core.fail(f"{label}: the mini-batches have sizes {sizes}; with m = {m} and batch_size = {k} they must "
                  f"be consecutive slices of {k} rows of the permutation, the last one smaller: "
                  f"{_expected_sizes(m, k)}", "batch-sizes")
    W2, b2 = _onehot_run(fn, 2, seed, name)
    second = _decode_epoch(W1, b1, W2, b2, y, _ONEHOT_LR)
    if second is None:
        _name_returned_earlier_epoch(2, seed, f"{name}, epochs=2, seed={seed}")
        core.fail(f"{name}, epochs=2, seed={seed}: the second epoch is not a pass over mini-batches that use "
                  f"every sample exactly once (or its first epoch differs from that of a 1-epoch run)",
                  "second-epoch")
    return first, second


def _batches_confirm(fn, parts, message: str) -> bool:
    """Second probe for an update-count hypothesis: the one-hot run's decoded mini-batches. A run whose batches
    are right contradicts the hypothesis (False); np.split's unequal-division error is named; any other failure
    of that run leaves the hypothesis standing (True)."""
    if parts is not _REF:
        return True
    try:
        first, _ = _onehot_batches(fn, 1, f"train(one-hot X ({_ONEHOT_M}, {_ONEHOT_M}), batch_size={_ONEHOT_K})")
    except core.CheckFailure as exc:
        text = str(exc)
        if exc.diagnosis == "last-batch-merged":
            raise                            # the sizes read back say more than the count of updates
        if "equal division" in text:
            text = text.split(". train calls ")[0].rstrip(".")     # the generic shape-error hint does not apply
            core.fail(f"{text}: np.split(order, n) needs n equal parts, and with m = {_ONEHOT_M} rows and "
                      f"batch_size = {_ONEHOT_K} there are none: cut the permutation into slices "
                      f"order[i:i + batch_size] for i in range(0, m, batch_size) (the last one smaller)",
                      "np-split-unequal")
        return True                          # the one-hot run fails too: the count story stands
    except Exception:
        return True
    return [len(b) for b in first] != _expected_sizes(_ONEHOT_M, _ONEHOT_K)


def _name_short_permutation(fn, name) -> None:
    """One update per epoch, second probe: the one-hot problem's rows read back. When an epoch trains exactly
    rows 0..batch_size-1 for two seeds (a slice of a full permutation would give other rows), the permutation
    has batch_size entries: rng.permutation(batch_size) instead of rng.permutation(m)."""
    m, k = _ONEHOT_M, _ONEHOT_K
    for seed in (1, 2):
        try:
            W1, _ = _onehot_run(fn, 1, seed, f"train(one-hot X ({m}, {m}), batch_size={k})")
        except Exception:
            return
        used = set(np.flatnonzero(np.abs(np.asarray(W1, dtype=_f64).ravel()) > 1e-12).tolist())
        if used != set(range(k)) or used == set(np.random.default_rng(seed).permutation(m)[:k].tolist()):
            return
    core.fail(f"{name}: only one update per epoch, and it trains rows 0..{k - 1} only (read back on a one-hot "
              f"problem of {m} rows with batch_size={k}, seeds 1 and 2): your permutation has batch_size entries, "
              f"not m (rng.permutation(batch_size) where rng.permutation(m) belongs), so every slice after the "
              f"first is empty: draw order = rng.permutation(m) and take order[first:first + batch_size]",
              "permutation-of-batch-size")


def _name_scaled_rate(fn, parts, got, after, params, dims, X, Y, dtype, hidden, batch_size, name) -> None:
    """Ten copies of one sample, the right number of updates, each with the learning rate scaled by a size of the
    problem (batch_size / m, 1 / m, the number of mini-batches...): confirmed by a second run with another batch size,
    where the same expression gives another (or the same) factor."""
    m = X.shape[0]
    def count(b):                     # the number of mini-batches
        return -(-m // b)
    candidates = {"learning_rate * batch_size / m": lambda b: b / m, "learning_rate / m": lambda b: 1 / m,
                  "learning_rate * m": lambda b: m, "learning_rate / batch_size": lambda b: 1 / b,
                  "learning_rate * batch_size": lambda b: b,
                  "learning_rate / (the number of mini-batches)": lambda b: 1 / count(b),
                  "learning_rate * (the number of mini-batches)": lambda b: count(b),
                  "learning_rate / 2": lambda b: 0.5, "2 * learning_rate": lambda b: 2.0}
    other = 5 if batch_size != 5 else 3
    for expr, factor in candidates.items():
        if factor(batch_size) == 1.0:
            continue
        here, there = 0.5 * factor(batch_size), 0.5 * factor(other)
        try:
            if not _match(got, after(_expected_sizes(m, batch_size), rate=lambda s, r=here: r)):
                continue
            again, _ = _run_train(fn, X.astype(dtype), Y.astype(dtype), params, dims, name, parts=parts,
                                  learning_rate=0.5, epochs=1, batch_size=other, hidden_activation=hidden, seed=0)
            if not _match(again, after(_expected_sizes(m, other), n_epochs=1, rate=lambda s, r=there: r)):
                continue
        except (_Skip, core.CheckFailure, Exception):
            continue
        core.fail(f"{name}: every update used a step of {expr} instead of learning_rate (the number of updates is "
                  f"right; confirmed with batch_size={other}): pass learning_rate itself to update_parameters (the "
                  f"mean over the mini-batch is already in dZ_L = (A_L - Y) / m)", "lr-scaled-in-mini-batches")


def _name_one_update_from_every_row(fn, name, n) -> None:
    """One update per epoch, second probe: the one-hot problem's rows read back.  When every row of an epoch moved
    (each sample contributed) while the identical-samples run made one step per epoch, no slice is empty and no sample
    is skipped: each row's share of the step says whether the epoch was one batch of all m rows (batch_size ignored)
    or the mini-batches' gradients were averaged into one update."""
    m, k = _ONEHOT_M, _ONEHOT_K
    try:
        W1, _ = _onehot_run(fn, 1, 1, f"train(one-hot X ({m}, {m}), batch_size={k})")
    except Exception:
        return
    W1 = np.asarray(W1, dtype=_f64).ravel()
    moved = np.abs(W1) > 1e-12
    if not moved.all():
        return
    # the step of each row relative to lr * (a - y) at the start (W0 = 0): 1/m for every row when the epoch is one batch
    a = _sigmoid(np.full(m, _ONEHOT_B0))
    share = -W1 / (_ONEHOT_LR * (a - _ONEHOT_Y[:, 0]))
    if np.allclose(share, 1.0 / m, rtol=1e-6, atol=0.0):
        core.fail(f"{name}: only one update per epoch, on the whole data set at once: batch_size is ignored (read back on "
                  f"a one-hot problem of {m} rows with batch_size={k}: every row's step in the first epoch is that of "
                  f"one batch of all {m} rows): cut each epoch's permutation into mini-batches of batch_size rows, "
                  f"order[first:first + batch_size] for first in range(0, m, batch_size), one update each "
                  f"({n} updates per epoch here)", "batch-size-ignored")
    core.fail(f"{name}: your train makes one update per epoch (the step of one full-batch gradient), and that update "
              f"uses every sample (read back on a one-hot problem of {m} rows with batch_size={k}: every row moved in "
              f"the first epoch, each by the step of its own mini-batch): the epoch's mini-batches are combined into one "
              f"step (their gradients averaged). Mini-batch gradient descent updates the parameters after EACH "
              f"mini-batch: call update_parameters inside the loop over the mini-batches, with that mini-batch's own "
              f"gradients ({n} updates per epoch here)", "one-combined-update-per-epoch")


def _mini_batch_counts(fn, parts):
    """Ten copies of one sample: every mini-batch has the full batch's gradient, so the result is
    ceil(m / batch_size) * epochs plain gradient-descent steps (whatever the order)."""
    dims, hidden = _net(parts, [2, 3, 1]), "tanh"
    gen = core.rng("lab04.train_mini")
    params = _random_params(gen, dims)
    x = gen.standard_normal((1, dims[0])).astype(np.float32).astype(_f64)   # exact in float32 too
    X, Y = np.repeat(x, 10, axis=0), np.ones((10, 1))
    for batch_size, epochs, dtype in [(4, 2, _f64), (1, 1, _f64), (5, 2, _f64), (3, 1, _f64), (10, 1, _f64),
                                      (3, 2, np.float32)]:
        name = (f"train(10 identical samples, batch_size={batch_size}, epochs={epochs}"
                + (", float32)" if dtype is np.float32 else ")"))

        def after(sizes_per_epoch, n_epochs=epochs, rate=lambda s: 0.5, forward_hidden=None, backward_hidden=None):
            p = _copy_params(params)
            for _ in range(n_epochs):
                for s in sizes_per_epoch:
                    AL, caches = parts.forward(X[:s], p, forward_hidden or hidden)
                    p = parts.update(p, parts.backward(AL, Y[:s], caches, backward_hidden or hidden), rate(s))
            return p
        sizes = _expected_sizes(10, batch_size)
        try:
            got, hist = _run_train(fn, X.astype(dtype), Y.astype(dtype), params, dims, name, parts=parts,
                                   expect=lambda: after(sizes), learning_rate=0.5, epochs=epochs,
                                   batch_size=batch_size, hidden_activation=hidden, seed=0)
            want = _expected(parts, lambda: after(sizes))
        except _Skip:
            continue
        except core.CheckFailure as exc:
            if dtype is np.float32 and exc.diagnosis == "not-numerically-stable" and "log" in str(exc):
                _swapped_loss_in_float32(fn, X, Y, params, dims, hidden, batch_size, epochs, name, exc)
            raise
        _history(hist, epochs, name, lenient_loss=parts is not _REF)
        if _match(got, want):
            continue
        diagnoses = {
            "the last, smaller mini-batch is dropped: loop over range(0, m, batch_size)":
                [batch_size] * (10 // batch_size),
            "only one update per epoch (or one that changed the parameters): loop over all the mini-batches of the epoch, "
            "each the slice order[first:first + batch_size] (a slice such as order[first:batch_size] is empty "
            "after the first one)": [batch_size],
            "one update per sample regardless of batch_size": [1] * 10,
        }
        for message, alt in diagnoses.items():
            if alt != sizes and alt:
                try:
                    hit = _match(got, after(alt))
                except (core.CheckFailure, Exception):
                    hit = False
                # identical samples tell only the NUMBER of updates: which rows made each mini-batch is read
                # back on the one-hot problem before the story is told (its own failure names the sizes)
                if hit and alt == [batch_size] and parts is _REF:
                    _name_short_permutation(fn, name)
                    _name_one_update_from_every_row(fn, name, len(sizes))
                if hit and _batches_confirm(fn, parts, message):
                    core.fail(f"{name}: {message} (expected {len(sizes) * epochs} updates)", core.slug(message))
                if hit:
                    core.fail(f"{name}: your train makes {len(alt) * epochs} updates where mini-batches of "
                              f"{batch_size} rows give {len(sizes) * epochs} ({len(sizes)} per epoch: "
                              f"{sizes})", "update-count")
        try:
            per_row = _match(got, after(sizes, rate=lambda s: 0.5 / s))
        except (core.CheckFailure, Exception):
            per_row = False
        if per_row:
            core.fail(f"{name}: every update used a step of learning_rate / (rows in the mini-batch) instead of "
                      f"learning_rate: pass learning_rate itself to update_parameters (the mean over the batch is "
                      f"already in dZ_L = (A_L - Y) / m)", "lr-divided-by-batch-size")
        try:
            times_rows = len(set(sizes)) > 1 and _match(got, after(sizes, rate=lambda s: 0.5 * s))
        except (core.CheckFailure, Exception):
            times_rows = False
        if times_rows:
            core.fail(f"{name}: every update used a step of learning_rate * (rows in the mini-batch, here {sizes}) "
                      f"instead of learning_rate: pass learning_rate itself to update_parameters (the mean over the "
                      f"batch is already in dZ_L = (A_L - Y) / m)", "lr-times-batch-size")
        _name_scaled_rate(fn, parts, got, after, params, dims, X, Y, dtype, hidden, batch_size, name)
        try:
            relu_forward = hidden != "relu" and _match(got, after(sizes, forward_hidden="relu"))
        except (core.CheckFailure, Exception):
            relu_forward = False
        if relu_forward:
            core.fail(f"{name}: the training forward pass uses model_forward's default hidden activation 'relu', "
                      f"not hidden_activation={hidden!r} (the backward pass does use it): pass hidden_activation "
                      f"to model_forward too", "training-forward-default-activation")
        try:
            relu_backward = hidden != "relu" and _match(got, after(sizes, backward_hidden="relu"))
        except (core.CheckFailure, Exception):
            relu_backward = False
        if relu_backward:
            core.fail(f"{name}: {_BACKWARD_DEFAULT.format(hidden=hidden)}", core.slug(_BACKWARD_DEFAULT))
        if _match(got, params, 0, 0):
            if parts is _REF:
                _mini_batch_order(fn, parts)     # the batches read back say more (samples never used...)
            core.fail(f"{name}: the parameters did not change: call update_parameters on every mini-batch "
                      f"and keep working on the parameters it returns", "params-never-change")

        def steps(n, rate=0.5):  # n updates, each the full-batch step (every batch holds the same sample)
            p = _copy_params(params)
            for _ in range(n):
                AL, caches = parts.forward(X[:batch_size], p, hidden)
                p = parts.update(p, parts.backward(AL, Y[:batch_size], caches, hidden), rate)
            return p
        total = len(sizes) * epochs

        def stale_steps(n, in_place, rate=0.5):  # n updates, each with the previous step's gradients (first: none)
            p, previous = _copy_params(params), None
            for _ in range(n):
                AL, caches = parts.forward(X[:batch_size], p, hidden)
                if previous is not None:
                    p = parts.update(p, previous, rate)
                grads = parts.backward(AL, Y[:batch_size], caches if not in_place else _with_weights(caches, p),
                                       hidden)
                previous = grads
            return p
        stale = False
        for in_place in (False, True):
            try:
                stale = stale or (_match(got, stale_steps(total, in_place))
                                  and not _match(stale_steps(total, in_place), steps(total)))
            except (core.CheckFailure, Exception):
                pass
        if stale:
            core.fail(f"{name}: {_STALE_GRADS}", "stale-gradients")
        def moves(rates, accumulate=False):  # one update per rate, each with this step's (or the summed) gradients
            p, acc = _copy_params(params), None
            for rate in rates:
                AL, caches = parts.forward(X[:batch_size], p, hidden)
                grads = parts.backward(AL, Y[:batch_size], caches, hidden)
                if accumulate:
                    acc = grads if acc is None else {k: acc[k] + v for k, v in grads.items() if k in acc}
                    grads = acc
                p = parts.update(p, grads, rate)
            return p
        try:
            accumulated = total > 1 and _match(got, moves([0.5] * total, True)) and not _match(got, steps(total))
        except (core.CheckFailure, Exception):
            accumulated = False
        if accumulated:
            core.fail(f"{name}: " + _ACCUMULATED.format(what="step"), "gradients-accumulated")
        if sizes[-1] != batch_size:
            try:
                scaled = _match(got, moves([0.5 * n / batch_size for n in sizes] * epochs)) \
                    and not _match(got, steps(total))
            except (core.CheckFailure, Exception):
                scaled = False
            if scaled:
                core.fail(f"{name}: every update moves the parameters by the expected step except the last one of "
                          f"each epoch, on the partial batch of {sizes[-1]} rows, whose step is {sizes[-1]}/"
                          f"{batch_size} of it: that batch's learning rate (or gradient) is scaled by len(idx) / "
                          f"batch_size; model_backward already averages over the batch's own rows (dZ_L = (A_L - Y) "
                          f"/ len(idx)), so every batch, the partial one too, is updated with learning_rate itself",
                          "partial-batch-step-scaled")
        if len(sizes) > 1:
            _summed_once_per_epoch(fn, parts, got, steps, params, dims, X, Y, dtype, hidden, epochs, len(sizes), name)
        try:
            ascent = _match(got, steps(total, -0.5))
        except (core.CheckFailure, Exception):
            ascent = False
        if ascent:
            core.fail(f"{name}: {_ASCENT.format(epochs=total)}", "gradient-ascent")
        for n in range(0, 3 * total + 3):
            try:
                hit = n != total and _match(got, steps(n))
            except (core.CheckFailure, Exception):
                break
            if hit and epochs > 1 and n == len(sizes):
                core.fail(f"{name}: after {epochs} epochs your parameters are those of ONE epoch ({n} updates, "
                          f"ceil(m / batch_size) = {len(sizes)}), {total} updates expected: every epoch starts again "
                          f"from the caller's parameters (a copy made inside the epoch loop?) or only one epoch runs; "
                          f"copy once before the loop and let each epoch start where the previous one ended",
                          "one-epoch-kept")
            if hit:
                core.fail(f"{name}: the parameters after training are those of {n} updates, where "
                          f"ceil(m / batch_size) = {len(sizes)} per "
                          f"epoch, {total} in all: "
                          + ("some mini-batches are skipped (the loop over the rows must start at row 0 and "
                             "reach row m - 1: for first in range(0, m, batch_size))" if n < total else
                             "there are extra updates (each epoch is one pass over the m rows)")
                          + _implied_batch_size(n, epochs, 10, batch_size), "update-count-wrong")
        _ignores_initial_parameters(fn, X.astype(dtype), Y.astype(dtype), params, dims, name, got, 0.5, epochs,
                                    batch_size, hidden, seed=0)
        if epochs > 1:
            _first_wrong_epoch(name, epochs, lambda n: _run_train(
                fn, X.astype(dtype), Y.astype(dtype), params, dims, name, learning_rate=0.5, epochs=n,
                batch_size=batch_size, hidden_activation=hidden, seed=0)[0],
                lambda n: after(sizes, n))
        if isinstance(hist, dict) or _is_frame(hist):
            try:
                row0 = _history(hist, epochs, name, lenient_loss=True)
                want0 = _expected(parts, lambda: parts.loss(parts.forward(X, params, hidden)[0], Y))
            except (_Skip, core.CheckFailure):
                row0 = None
            if row0 is not None:
                _transformed_input(parts, row0, float(want0), got, X, Y, params, 0.5, [np.arange(10)] * epochs,
                                   batch_size, hidden, name)
        # n identical samples, batch_size=1, one epoch: n steps within one epoch (a velocity reset every epoch too)
        _step_carries_over(lambda n: _run_train(
            fn, X[:n].astype(dtype), Y[:n].astype(dtype), params, dims, name, learning_rate=0.5, epochs=1,
            batch_size=1, hidden_activation=hidden, seed=0)[0], parts, X, Y, params, 0.5, hidden, name,
            read_from="one epoch of batch_size=1 on 1 to 4 identical samples")
        core.fail(f"{name}: the parameters differ from those of ceil(m / batch_size) = {len(sizes)} updates per "
                  f"epoch ({len(sizes) * epochs} in all) of gradient descent on the mini-batches: neither the number "
                  f"of updates nor the step size explains it (look at what the loop passes to model_forward, "
                  f"model_backward and update_parameters)", "update-count")


def _summed_once_per_epoch(fn, parts, got, steps, params, dims, X, Y, dtype, hidden, epochs, n, name) -> None:
    """Ten copies of one sample: every mini-batch has the same gradient, so n mini-batches' gradients added up and
    applied once per epoch give ``epochs`` steps n times as large.  Confirmed on a second batch size (3, four
    mini-batches of one epoch: one step four times as large) before it is told."""
    try:
        if not _match(got, steps(epochs, 0.5 * n)):
            return
        again, _ = _run_train(fn, X.astype(dtype), Y.astype(dtype), params, dims, name, parts=parts,
                              learning_rate=0.5, epochs=1, batch_size=3, hidden_activation=hidden, seed=0)
        p = _copy_params(params)
        AL, caches = parts.forward(X[:3], p, hidden)
        once = parts.update(p, parts.backward(AL, Y[:3], caches, hidden), 0.5 * 4)
        if not _match(again, once):
            return
    except (_Skip, core.CheckFailure, Exception):
        return
    core.fail(f"{name}: your train makes one update per epoch, {n} times as large as one mini-batch's step (with "
              f"batch_size=3, one step 4 times as large): the gradients of the epoch's {n} mini-batches are added up "
              f"and applied once. Mini-batch gradient descent updates the parameters after EACH mini-batch: call "
              f"update_parameters inside the loop over the mini-batches, with that mini-batch's own gradients "
              f"({n} updates per epoch here)", "gradients-summed-one-update-per-epoch")


def _implied_batch_size(n, epochs, m, batch_size):
    """The mini-batch size that n updates in ``epochs`` passes over m rows imply, when it says something."""
    if n % epochs:
        return ""
    per = n // epochs
    sizes = [s for s in range(1, m + 1) if -(-m // s) == per]
    if not sizes or batch_size in sizes:
        return ""
    said = f"{per} updates per epoch are mini-batches of {sizes[0]}" + (f" to {sizes[-1]}" if len(sizes) > 1 else "") + " rows"
    for expr, rows in ((f"m // batch_size = {m // batch_size}", m // batch_size),
                       (f"ceil(m / batch_size) = {-(-m // batch_size)}", -(-m // batch_size))):
        if rows in sizes and rows != batch_size:
            said += (f" = {expr}: batch_size is the number of rows in a mini-batch, not the number of "
                     f"mini-batches")
            break
    return f"; {said}"


def _mini_batch_order(fn, parts):
    """Which rows each mini-batch holds: a new permutation every epoch, reproducible from the seed."""
    if parts is not _REF:
        # The batches can be read back only through the reference building blocks; with the student's
        # own, the loop is compared with the usual order, one rng.permutation(m) per epoch.
        _canonical_order(fn, parts)
        return
    name = f"train(one-hot X ({_ONEHOT_M}, {_ONEHOT_M}), batch_size={_ONEHOT_K})"
    first, second = _onehot_batches(fn, 1, name)
    blocks = [list(range(i, min(i + _ONEHOT_K, _ONEHOT_M))) for i in range(0, _ONEHOT_M, _ONEHOT_K)]
    if first == blocks:
        core.fail(f"{name}: the mini-batches are the rows in their original order: the data is not "
                  f"shuffled (draw a new permutation of the rows at every epoch)", "not-shuffled")
    if second == first:
        core.fail(f"{name}: the second epoch visits exactly the same mini-batches as the first: draw a new "
                  f"permutation inside the epoch loop (not once before it, and without re-creating the "
                  f"generator from the seed at every epoch)", "same-order-every-epoch")
    other, _ = _onehot_batches(fn, 2, name)
    if other == first:
        core.fail(f"{name}: seeds 1 and 2 gave the same mini-batches: the seed is ignored (create the "
                  f"generator with np.random.default_rng(seed))", "seed-ignored")
    _later_epochs_new(fn, name, first, second)


def _later_epochs_new(fn, name, first, second, epochs=4) -> None:
    """Property (the docstring: every epoch a NEW order drawn from the seeded generator): no later epoch repeats the
    mini-batches of an earlier one (13 rows in batches of 4: two independent draws agree with a negligible chance).
    Consecutive epochs differing is not enough: one permutation reversed (or rolled) every epoch alternates
    between two orders, and epoch 3 repeats epoch 1.  Epochs 3.. are read back from runs of 3.. epochs."""
    seen, previous = [first, second], _onehot_losses().get(("state", 2, 1))
    if previous is None:
        return
    y = _ONEHOT_Y[:, 0]
    for n in range(3, epochs + 1):
        try:
            state = _onehot_run(fn, n, 1, name)
        except core.CheckFailure:
            return
        batches = _decode_epoch(previous[0], previous[1], state[0], state[1], y, _ONEHOT_LR)
        if batches is None:
            return
        for e, earlier in enumerate(seen, start=1):
            if batches == earlier:
                alternate = ""
                if e == n - 2:
                    alternate = (" (your epochs alternate between two orders: one permutation drawn once and "
                                 "reversed, rolled or otherwise reused at every epoch)")
                core.fail(f"{name}, seed=1: epoch {n} visits exactly the same mini-batches as epoch {e} "
                          f"(read back from the parameters; the first holds rows {batches[0]}){alternate}: every epoch needs a new order drawn "
                          f"from the seeded generator, order = rng.permutation(m) inside the epoch loop with one "
                          f"rng = np.random.default_rng(seed) created before it", "epoch-order-repeats")
        seen.append(batches)
        previous = state


def _canonical_order(fn, parts):
    dims, hidden = _net(parts, [2, 3, 1]), "tanh"
    X, Y, params = _problem("lab04.train_canonical", 11, dims)
    for batch_size, epochs, seed in [(4, 2, 5), (1, 1, 2)]:
        name = f"train(X {X.shape}, learning_rate=0.5, epochs={epochs}, batch_size={batch_size}, seed={seed})"
        rng = np.random.default_rng(seed)
        orders = [rng.permutation(11) for _ in range(epochs)]

        def run():
            return _simulate(parts, X, Y, params, 0.5, orders, batch_size, hidden)
        try:
            got, _ = _run_train(fn, X, Y, params, dims, name, parts=parts, expect=run, learning_rate=0.5,
                                epochs=epochs, batch_size=batch_size, hidden_activation=hidden, seed=seed)
            want, _ = _expected(parts, run)
        except _Skip:
            continue
        if not _match(got, want):
            core.fail(f"{name}: the parameters differ from mini-batches of {batch_size} rows taken from "
                      f"np.random.default_rng(seed).permutation(m) at every epoch", "train-needs-reference")


def _mini_batch_reproducible(fn, parts):
    """Same seed, same result; the history's last row is the loss of the returned parameters."""
    dims, hidden = _net(parts, [2, 3, 1]), "tanh"
    X, Y, params = _problem("lab04.train_cover", 12, dims)
    runs = {}
    for seed in (1, 1, 2, 0, 0):     # seed 0 is a seed like any other (the documented default)
        name = f"train(X {X.shape}, learning_rate=0.5, epochs=3, batch_size=4, seed={seed})"

        def run():
            return _simulate(parts, X, Y, params, 0.5, [np.arange(12)] * 3, 4, hidden)
        try:
            got, hist = _run_train(fn, X, Y, params, dims, name, parts=parts, expect=run, learning_rate=0.5,
                                   epochs=3, batch_size=4, hidden_activation=hidden, seed=seed)
            hist = _history(hist, 3, name, lenient_loss=parts is not _REF)
            want_loss = _expected(parts, lambda: parts.loss(parts.forward(X, got, hidden)[0], Y))
        except _Skip:
            return
        if hist["loss"] is not None and not core.close(hist["loss"][-1], want_loss, 1e-5, 1e-8):
            try:
                initial = _expected(parts, lambda: parts.loss(parts.forward(X, params, hidden)[0], Y))
            except _Skip:
                initial = None
            if initial is not None:
                _history_of_initial_parameters(hist, float(initial), float(want_loss), name)
            for other in (a for a in ACTIVATIONS if a != hidden):
                try:
                    loss = parts.loss(parts.forward(X, got, other)[0], Y)
                except (core.CheckFailure, Exception):
                    continue
                if core.close(hist["loss"][-1], loss, 1e-5, 1e-8):
                    core.fail(f"{name}: history['loss']: {_other_activation_history('loss', other, hidden)}",
                              "history-other-activation")
            _loss_of_labels(hist, name)
            core.fail(f"{name}: the last row of history['loss'] must be the loss of the returned "
                      f"parameters on the whole data set (not the loss of the last mini-batch)", "history-last-row")
        if seed == 0 and seed in runs and not _match(got, runs[seed], 0, 0):
            core.fail(f"{name}: two runs with seed=0 differ, while two runs with seed=1 agreed: seed 0 is a seed "
                      f"like any other (the documented default): `seed or None` or `if seed:` treats 0 as 'no "
                      f"seed'; pass seed itself to np.random.default_rng(seed)", "seed-zero-unseeded")
        if seed in runs and not _match(got, runs[seed], 0, 0):
            core.fail(f"{name}: two runs with the same seed differ: draw the order from "
                      f"np.random.default_rng(seed) so that results are reproducible", "not-reproducible")
        runs[seed] = got
    if parts is not _REF:
        # With the student's own blocks the order may not matter at all (an update that changes
        # nothing): the seeds' results must differ only if two orders give different results.
        orders = [np.random.default_rng(s).permutation(12) for s in (1, 2)]
        try:
            a, b = (_simulate(parts, X, Y, params, 0.5, [o] * 3, 4, hidden)[0] for o in orders)
        except (core.CheckFailure, Exception):
            return
        if _match(a, b, 0, 0):
            return
    if _match(runs[1], runs[2], 0, 0):
        core.fail("train: seeds 1 and 2 gave identical results with mini-batches: the data is not "
                  "shuffled (draw a new permutation of the rows at every epoch)", "not-shuffled")


#: The notebook's progress helper, lent without its display (checks never print): it hands the iterable back as is,
#: so what train's progress_bar branch iterates over is still what the student's code gives it.
_SILENT_PROGRESS = """
def progress(iterable, *args, **kwargs):
    return iterable
"""


def _progress_bar_changes_nothing(fn, parts):
    """The docstring: progress_bar only shows a bar over the epochs.  The same run (same seed, mini-batches) with
    progress_bar=True must return the same parameters and the same history (epochs, losses, accuracies) as with
    progress_bar=False: a branch that builds its own epoch range or loop for the bar trains another number of
    epochs, or numbers them otherwise, only when the bar is shown."""
    dims, hidden = _net(parts, [2, 3, 1]), "tanh"
    X, Y, params = _problem("lab04.train_cover", 12, dims)
    runs = []
    for bar in (False, True):
        name = f"train(X {X.shape}, learning_rate=0.5, epochs=3, batch_size=4, seed=1, progress_bar={bar})"

        def run():
            return _simulate(parts, X, Y, params, 0.5, [np.arange(12)] * 3, 4, hidden)
        try:
            with core.lent_globals(fn, {}, _SILENT_PROGRESS):
                got, hist = _run_train(fn, X, Y, params, dims, name, parts=parts, expect=run, learning_rate=0.5,
                                       epochs=3, batch_size=4, hidden_activation=hidden, seed=1, progress_bar=bar)
        except _Skip:
            return
        runs.append((got, hist))
    (plain, plain_hist), (bar, bar_hist) = runs
    columns = {}
    for col in ("epoch", "loss", "accuracy"):
        try:
            a, b = (np.asarray(h[col].to_numpy(), dtype=_f64) if _is_frame(h) else None for h in (plain_hist, bar_hist))
        except (TypeError, ValueError, KeyError):
            return
        if a is not None and b is not None and (a.shape != b.shape or not np.allclose(a, b, rtol=1e-12, atol=0.0,
                                                                                      equal_nan=True)):
            columns[col] = (a, b)
    if _match(plain, bar, 0, 0) and not columns:
        return
    said = ""
    if "epoch" in columns:
        a, b = columns["epoch"]
        said = (f": history['epoch'] reads {', '.join(f'{v:g}' for v in b[:8])} with the bar and "
                f"{', '.join(f'{v:g}' for v in a[:8])} without")
    elif columns:
        said = f": history column(s) {', '.join(columns)} differ"
    core.fail(f"train(X {X.shape}, learning_rate=0.5, epochs=3, batch_size=4, seed=1) with progress_bar=True returned "
              f"{'other parameters' if not _match(plain, bar, 0, 0) else 'the same parameters'} and "
              f"{'another history' if columns else 'the same history'} than with progress_bar=False{said}: the "
              f"progress_bar branch changes the epochs; the bar only shows progress: wrap the SAME epoch range "
              f"(range(1, epochs + 1)) in it, e.g. epochs_iter = progress(epochs_iter) if progress_bar else "
              f"epochs_iter, and loop over that", "progress-bar-changes-run")


def _mini_batch(fn, parts):
    _mini_batch_counts(fn, parts)
    _mini_batch_order(fn, parts)
    _mini_batch_reproducible(fn, parts)
    _progress_bar_changes_nothing(fn, parts)


def train_mini_batch(fn, model_forward=None, model_backward=None, update_parameters=None,
                     binary_cross_entropy=None) -> None:
    """Mini-batches cover every sample once per epoch, the last one may be smaller, shuffled by seed."""
    _judge_train(_mini_batch, fn, (model_forward, model_backward, update_parameters, binary_cross_entropy))
    _train_defaults(fn, {"seed": 0}, {"learning_rate": 0.5, "epochs": 2, "batch_size": 2, "hidden_activation": "tanh"})
