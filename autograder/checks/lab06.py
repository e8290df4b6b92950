"""Hidden checks of Lab 06 (RDFIA, "Introduction to neural networks").

Convention of the lab (RDFIA notation, rows are samples):

    X (N, n_x),  W_h (n_h, n_x),  b_h (n_h, 1),  W_y (n_y, n_h),  b_y (n_y, 1)
    H~ = X W_h^T + b_h^T (N, n_h),  H = tanh(H~),  Y~ = H W_y^T + b_y^T (N, n_y),  Y^ = softmax(Y~)
    loss = mean over the batch of the cross-entropy; the 1/N appears in grad_Y~ = (Y^ - Y) / N only.

The oracles below are written per sample with column vectors (the RDFIA formulas as printed,
h~ = W_h x + b_h), not in the batched form the students write, and gradients are additionally
compared with centred finite differences in float64.  Nothing here prints or warns.

One mistake, one deduction: ``forward`` calls the student's ``softmax``, so its check also
receives that ``softmax`` and accepts the reference forward pass with the student's softmax in
place of the reference one; the hidden-layer gradient check accepts the hidden formulas applied
to the student's own output gradient (read back from their grad_Wy = grad_Ytilde^T H), so a
mistake in grad_ytilde costs the output cell only.
"""
from __future__ import annotations

import contextlib
import math
import re

import numpy as np

from . import cases, core, isolate
from .cases import run_cases
from .formula import explain_formula

# Diagnoses of core.expect_close that name no mistake: a property may then say more.
_UNNAMED = cases.GENERIC_DIAGNOSES | {"scaled", "sign-flipped", "transposed", "diagonal-only"}

#: Graded function x property checked (``make mutants`` prints it).
PROPERTIES = {
    "softmax": ("oracle (row by row, Python floats)", "pairwise-different sizes", "batch 1", "odd batch",
                "N == K and N != K", "float32", "float64", "logits of +-1000 without overflow",
                "tolerance from dtype and logit size", "rows sum to 1", "log-softmax named", "rows left at zero named", "input not modified",
                "the max shift in the numerator or the denominator only named",
                "each probability to a relative 1e-4 on scores spread 25 apart (rounding, an epsilon named)",
                "no uninitialised memory read (asked after freed arrays of NaN and of 0)", "a float16 computation named"),
    "init_params": ("shapes for pairwise-different sizes (wrong sizes named n_x/n_h/n_y)", "biases zero",
                    "weights std 0.3 and mean 0", "mean and standard deviation swapped named",
                    "Gaussian tails", "transposed shapes named", "weights drawn from the rng given (two generators differ)", "float64 as documented",
                    "W_h and W_y share no drawn value (a copied or re-seeded generator named)", "weights +-0.3 with random signs named"),
    "forward": ("oracle (per-sample column vectors)", "every stored intermediate", "pairwise-different sizes",
                "n_x == n_h == n_y", "batch 1", "odd batch", "float32", "float64", "params and X not modified",
                "no key added to params", "a second call leaves the first call's outputs as they were (shared dict named)",
                "own softmax accepted", "yhat = softmax(ytilde) to a relative 1e-4 on scores spread far apart (a "
                "rounded yhat named; a rounding softmax left to its cell)", "each intermediate depends on its own layer's parameters only",
                "scores of several hundreds stay finite (softmax not re-implemented without the shift)",
                "a weight used without its transpose named (passed transposed)", "tanh missing named",
                "H~ linear in X (X rescaled inside forward named)",
                "the wrong term located by switching X, W or b off or moving it",
                "b_h added after the tanh named (\"biases missing\" only when h agrees)",
                "yhat the softmax of the hidden layer (htilde or h) named", "tanh applied twice (scores from tanh(h)) named",
                "ytilde / yhat computed from the stored h / ytilde (a layer computed again without a bias named)",
                "htilde at X = 0 is b_h (a misaligned bias trick named)", "h centred over the batch named"),
    "loss_accuracy": ("oracle (integer labels)", "no uninitialised memory read (np.log(where=) without out= named, "
                      "asked after freed arrays of NaN and of 0)",
                      "samples independent: a batch of copies of one sample has that sample's loss (mixing named)",
                      "neighbouring formulas named (Y and Yhat swapped, log1p, log2, a large clip or added epsilon)",
                      "mean over N, not N*n_y (N != n_y)", "N == n_y", "batch 1",
                      "odd batch", "float32", "float64", "inputs not modified", "(L, acc) order",
                      "L depends on the true class's probability only", "L a number (per-sample vector named)",
                      "acc divided by the wrong size named (n_y for N)", "L divided by the wrong size named (N*N)",
                      "the class sum taken over the batch axis named",
                      "acc divisor said only when confirmed on labels all predicted right",
                      "argmax without axis (of Y or of Yhat) named",
                      "tied maxima: the first argmax (class among the ties named, confirmed on a 2nd batch)",
                      "Yhat with exact zeros (an underflowed softmax) not modified",
                      "exact zeros in the wrong classes: no NumPy warning (log(0) named) and the oracle's L",
                      "a second batch that raises reported with the comparison's sizes (axis=0 argmax named)",
                      "a true class of probability 1e-5 not clipped (a large epsilon named; Keras's clip at 1e-7 accepted)",
                      "large batches (N 1500 and 640): the oracle's L (a product of probabilities underflowing named)",
                      "which entries of Yhat L reads, one at a time (Yhat[:, labels] named)",
                      "every row counts once (only the first or last row counted named, on two batches)",
                      "L of float64 inputs not rounded to float32 (two batches)", "a confidence-weighted accuracy named"),
    "backward_output": ("oracle (per-sample RDFIA formulas)", "finite differences of the loss",
                        "a raise on a line assigning the hidden layer's gradients left to the hidden cell",
                        "derivative of own loss_accuracy (named when not)", "1/N vs 1/n_y vs 1/(N*n_y) (N != n_y)",
                        "pairwise-different sizes", "batch 1", "odd batch", "float32", "float64",
                        "params, outputs and Y not modified (no key added)",
                        "a second call leaves the first call's grads as they were",
                        "reads outputs, does not recompute the forward pass",
                        "a factor shared by W_y's and b_y's gradients located in grad_ytilde",
                        "batch gradient = mean of the per-sample gradients (samples mixed named)",
                        "one sample's term left out named", "one sample's term alone named",
                        "the stored intermediate grad_W was built from named (tanh applied again included)",
                        "one gradient's own factor named when the layer's other gradient is right (a mean for a sum)",
                        "a shared factor written with n_x for N named",
                        "a failed A @ B named by its operands' sizes on pairwise-different sizes (an array from "
                        "outside the call, @ of per-sample arrays)", "yhat used unnormalised (exp(ytilde)) named"),
    "backward_hidden": ("oracle (per-sample RDFIA formulas)", "finite differences of the loss",
                        "a raise on a line assigning the output layer's gradients left to the output cell",
                        "own output gradient accepted", "n_h == n_y and n_h != n_y", "batch 1", "odd batch",
                        "float32", "float64", "params, outputs and Y not modified (no key added)",
                        "a second call leaves the first call's grads as they were", "grad_W built from the layer's input",
                        "a factor shared by W_h's and b_h's gradients located in grad_h / grad_htilde",
                        "batch gradient = mean of the per-sample gradients (samples mixed named)",
                        "one sample's term left out named", "one sample's term alone named",
                        "the stored intermediate grad_W was built from named",
                        "one gradient's own factor named when the layer's other gradient is right (1/n_x, a mean)",
                        "tanh derivative multiplied in twice named",
                        "a gradient equal to another parameter's (copied formula) named",
                        "a failed A @ B named by its operands' sizes on pairwise-different sizes"),
    "sgd": ("exact step -eta*grad", "every parameter updated", "grads untouched", "paired with grads by key",
            "float32 and float64", "pairwise-different sizes", "a return inside the loop named",
            "the update applied to grads instead of params named", "no state kept between calls (two identical calls)",
            "a clipped step named (right exactly for the small gradients)", "a term in params named (weight decay)",
            "the wrong term located by switching params or grads off or moving them",
            "the same step size for every parameter (eta changed inside the loop named)", "returned grads named",
            "a shape error hinted with the parameters' shapes", "step divided by the parameter count named",
            "one edit of p - eta * g named (formula analysis)", "an undefined name (a notebook global) named",
            "the given arrays updated in place (new arrays named)", "non-contiguous (Fortran-order) parameters",
            "gradient entries from 1e-9 to 10 each take their step (small ones skipped named, two sizes)"),
}

_f64 = np.float64
PARAM_NAMES = ("Wh", "bh", "Wy", "by")
OUTPUT_NAMES = ("X", "htilde", "h", "ytilde", "yhat")


# --------------------------------------------------------------------------- oracles
def _softmax_row(z):
    """Softmax of one 1-D vector with Python floats (independent of any vectorised form)."""
    m = max(float(v) for v in z)
    e = [math.exp(float(v) - m) for v in z]
    s = sum(e)
    return [v / s for v in e]


def oracle_softmax(Z, axis=1):
    Z = np.asarray(Z, dtype=_f64)
    if axis == 0:
        return oracle_softmax(Z.T).T
    return np.array([_softmax_row(row) for row in Z], dtype=_f64).reshape(Z.shape)


def oracle_forward(params, X, *, act=np.tanh, transpose_wh=True, bias=True, softmax_twice=False,
                   softmax_axis=1, out_act=None, scores_from="h"):
    """Per-sample column-vector forward pass; keyword flags produce known mistakes."""
    X = np.asarray(X, dtype=_f64)
    Wh, bh, Wy, by = (np.asarray(params[k], dtype=_f64) for k in PARAM_NAMES)
    Wh_used = Wh if transpose_wh else Wh.T      # "X @ Wh" is the per-sample product with Wh^T
    rows = {k: [] for k in ("htilde", "h", "ytilde")}
    for x in X:
        ht = Wh_used @ x + (bh[:, 0] if bias else 0.0)
        h = act(ht)
        yt = Wy @ {"h": h, "htilde": ht, "tanh(h)": np.tanh(h)}[scores_from] + (by[:, 0] if bias else 0.0)
        if out_act is not None:
            yt = out_act(yt)
        rows["htilde"].append(ht)
        rows["h"].append(h)
        rows["ytilde"].append(yt)
    out = {k: np.array(v, dtype=_f64).reshape(X.shape[0], -1) for k, v in rows.items()}
    out["X"] = X
    yhat = oracle_softmax(out["ytilde"], axis=softmax_axis)
    if softmax_twice:
        yhat = oracle_softmax(yhat)
    out["yhat"] = yhat
    return yhat, out


def oracle_loss(Yhat, Y):
    """Mean cross-entropy and accuracy, looping over samples with the integer label."""
    Yhat = np.asarray(Yhat, dtype=_f64)
    labels = [int(np.argmax(y)) for y in Y]
    N = len(labels)
    L = -sum(math.log(Yhat[n, labels[n]]) for n in range(N)) / N
    acc = sum(int(np.argmax(Yhat[n]) == labels[n]) for n in range(N)) / N
    return L, acc


def oracle_backward(params, outputs, Y, *, tanh_deriv="h", wh_from="htilde", wy_transposed=True,
                    scale_wy=1.0, scale_all=1.0, use_logits=False, bh_from="htilde", scale_wh=1.0, gy=None, wy_from="h",
                    output_grad=None):
    """Per-sample RDFIA formulas (column vectors), summed over the batch.

    grad_y~ = (y^ - y)/N,  grad_Wy = grad_y~ h^T,  grad_by = grad_y~,
    grad_h~ = (W_y^T grad_y~) * (1 - h^2),  grad_Wh = grad_h~ x^T,  grad_bh = grad_h~.
    Keyword flags reproduce the catalogued mistakes (for diagnoses); ``gy`` (N, n_y) replaces
    grad_y~ (the hidden formulas applied to a given output gradient); ``output_grad(yhat_n, y_n, N)``
    replaces the formula of grad_y~ (a mistake in it).
    """
    Wy = np.asarray(params["Wy"], dtype=_f64)
    X, Ht, H, Yt, Yh = (np.asarray(outputs[k], dtype=_f64) for k in ("X", "htilde", "h", "ytilde", "yhat"))
    Y = np.asarray(Y, dtype=_f64)
    N = X.shape[0]
    g = {k: np.zeros(np.shape(params[k]), dtype=_f64) for k in PARAM_NAMES}
    given = None if gy is None else np.asarray(gy, dtype=_f64)
    for n in range(N):
        if given is not None:
            g_y = given[n]
        elif output_grad is not None:
            g_y = output_grad(Yh[n], Y[n], N)
        else:
            g_y = ((Yt[n] if use_logits else Yh[n]) - Y[n]) / N * scale_all
        g["Wy"] += np.outer(g_y, H[n] if wy_from == "h" else Ht[n]) * scale_wy
        g["by"][:, 0] += g_y
        gh = (Wy.T @ g_y) if wy_transposed else (Wy @ g_y)
        deriv = {"h": 1.0 - H[n] ** 2, "htilde": 1.0 - Ht[n] ** 2, "none": 1.0, "1-h": 1.0 - H[n],
                 "(1-h)^2": (1.0 - H[n]) ** 2, "tanh(h)": 1.0 - np.tanh(H[n]) ** 2,
                 "twice": (1.0 - H[n] ** 2) ** 2, "first": 1.0 - H[0] ** 2,
                 "sigmoid": H[n] * (1.0 - H[n]), "precedence": 1.0, "relu": (H[n] > 0).astype(_f64),
                 "diag": 1.0 - np.diag(H) ** 2 if np.diag(H).shape == H[n].shape else np.full_like(H[n], np.nan),
                 }[tanh_deriv]
        ght = gh * deriv - (H[n] ** 2 if tanh_deriv == "precedence" else 0.0)   # grad_H * 1 - H ** 2
        g["Wh"] += np.outer(ght if wh_from == "htilde" else gh, X[n]) * scale_wh
        g["bh"][:, 0] += ght if bh_from == "htilde" else gh
    return g


def _ce_of_params(params, X, Y):
    yhat, _ = oracle_forward(params, X)
    return -float(np.mean(np.sum(Y * np.log(yhat), axis=1)))


# --------------------------------------------------------------------------- inputs
def _params(r, nx, nh, ny, dtype=_f64, scale=0.5):
    return {"Wh": (r.normal(size=(nh, nx)) * scale).astype(dtype),
            "bh": (r.normal(size=(nh, 1)) * 0.3).astype(dtype),
            "Wy": (r.normal(size=(ny, nh)) * scale).astype(dtype),
            "by": (r.normal(size=(ny, 1)) * 0.3).astype(dtype)}


def _onehot(r, N, ny, dtype=_f64):
    Y = np.zeros((N, ny), dtype=dtype)
    Y[np.arange(N), r.integers(0, ny, size=N)] = 1
    return Y


def _copy_dict(d):
    return {k: np.array(v, copy=True) for k, v in d.items()}


def _unchanged(before, after, fn_name, what):
    added = [k for k in after if k not in before]
    if added:
        kept = ", ".join(f"{what}[{k!r}]" for k in added)
        core.fail(f"{fn_name} added {kept} to the dict it was given ({sorted(map(str, before))} before the call): the "
                  f"caller's dict is shared, so every later use of it sees the extra key"
                  + (f" (sgd(params, grads, eta) then looks up grads[{added[0]!r}], which does not exist)"
                     if what == "params" else "")
                  + f"; {fn_name} must only read {what}: keep what you compute in variables or a dict of your own "
                  f"and return it", "input-key-added")
    removed = [k for k in before if k not in after]
    if removed:
        core.fail(f"{fn_name} removed the key(s) {removed} from {what}, the caller's dict (del or pop): it must only "
                  f"read it", "input-key-removed")
    for k, v in before.items():
        if k in after and not (isinstance(after[k], np.ndarray) and after[k].shape == v.shape
                               and np.array_equal(after[k], v)):
            if not isinstance(after[k], np.ndarray) or after[k].shape != v.shape:
                core.fail(f"{fn_name} rebound {what}['{k}'] in the caller's dict ({_entry(v)} before the call, "
                          f"{_entry(after[k])} after): the dict is shared, so every later use sees the new entry; "
                          f"leave {what} untouched (keep a transposed or reshaped copy in a local variable)",
                          "input-rebound")
            if v.ndim == 2 and v.shape[0] == v.shape[1] and v.shape[0] > 1 and np.array_equal(after[k], v.T):
                core.fail(f"{fn_name} rebound {what}['{k}'] in the caller's dict to its transpose ({what}['{k}'] = "
                          f"{what}['{k}'].T?): the dict is shared, so every later use sees the new entry; leave "
                          f"{what} untouched (keep a transposed copy in a local variable)", "input-rebound")
            core.fail(f"{fn_name} modified {what}['{k}'] in place; it must only read it (work on a copy)",
                      "input-modified")


def _entry(v) -> str:
    return f"shape {tuple(v.shape)}" if isinstance(v, np.ndarray) else type(v).__name__


def _explain_dict_changed_on_square(fn, exc: core.CheckFailure, fn_name: str, args_of) -> None:
    """A call raised: the caller's dict may have been changed before the raise (a kernel that raises sends no
    changes back). Call again with every size equal (4), where orientation mistakes mostly run; when it returns and
    the dict passed differs afterwards, that change is named, with the first raise."""
    r = core.rng(f"lab06.{fn_name}.square-dict")
    args, what = args_of(r)
    before = [_copy_dict(a) if isinstance(a, dict) else None for a in args]
    try:
        core.call(fn, *args, name=f"{fn_name} with every size 4")
    except core.CheckFailure:
        return
    for a, b, w in zip(args, before, what):
        if b is None:
            continue
        try:
            _unchanged(b, a, fn_name, w)
        except core.CheckFailure as changed:
            core.fail(f"{changed}. (Seen with every size equal, N = n_x = n_h = n_y = 4, where the call runs; "
                      f"with other sizes: {exc})", changed.diagnosis)


def _call(fn, *args, name, want=None):
    """core.call with stable diagnosis ids for what core.call reports without one; ``want`` (the oracle's value, or
    a callable giving it) lets the judge search the one change that makes a raising call return it."""
    try:
        return core.call(fn, *args, name=name, want=want)
    except core.CheckFailure as exc:
        text = str(exc)
        if exc.diagnosis is None and "modified its input argument" in text:
            core.fail(text, "input-modified")
        if exc.diagnosis is None and "not implemented" in text:
            core.fail(text, "not-implemented")
        raise


def _call_with_shape_hint(fn, *args, name, hint, want=None):
    """core.call, adding a hint to errors (a product of the wrong orientation raises): the message
    then says which call, with which shapes, raised what, and what that usually means."""
    try:
        return _call(fn, *args, name=name, want=want)
    except core.CheckFailure as exc:
        text = str(exc)
        if " raised NameError" in text:
            used = re.search(r"name '(\w+)' is not defined", text)
            arg = used and {a.lower(): a for a in _ARGUMENT_NAMES}.get(used.group(1).lower())
            close = f" (your function's argument is {arg}, not {used.group(1)})" if arg and arg != used.group(1) else ""
            core.fail(f"{text}: your function uses a name that does not exist when the hidden tests call it (a "
                      f"variable of another cell, defined later or only in your own session?){close}: compute from "
                      f"the function's arguments only", exc.diagnosis)
        if " raised TypeError" in text and "'bitwise_xor'" in text:
            core.fail(f"{text}: ^ is Python's bitwise exclusive or, not a power (which NumPy refuses on floats): "
                      f"write x ** 2 for a square", "xor-for-power")
        scalar = re.search(r"only (?:0-dimensional|length-1|size-1) arrays can be converted to Python scalars", text)
        used = re.search(r"\bmath\.(\w+)", core.raised_line(exc) or "")
        if " raised TypeError" in text and scalar and used:
            core.fail(f"{text}: math.{used.group(1)} takes one number, not an array; NumPy's element-wise "
                      f"np.{used.group(1)} applies it to every entry of an array", "math-on-array")
        if " raised " in text and "not implemented" not in text:
            core.fail(f"{text}. Hint: {hint(text) if callable(hint) else hint}", exc.diagnosis)
        raise


#: The graded functions' argument names (a NameError on one of them in another case names a global used instead).
_ARGUMENT_NAMES = ("Z", "nx", "nh", "ny", "rng", "params", "X", "Yhat", "Y", "outputs", "grads", "eta")


def _returned(got) -> str:
    """What a function returned instead of the documented tuple, as a student would say it."""
    said = core.describe(got)
    if isinstance(got, np.ndarray):
        return f"{said} of shape {got.shape}: a single array, not a tuple of two values"
    if isinstance(got, (tuple, list)):
        return f"{said} of {len(got)} value(s)"
    return said


def _expect_dict(got, keys, name):
    if got is None:
        core.fail(f"{name} returned None: did you forget a `return` statement?", "returned-none")
    if not isinstance(got, dict):
        said = core.describe(got)
        full = PARAM_NAMES if set(keys) <= set(PARAM_NAMES) else tuple(keys)   # a cell may judge some keys only
        if isinstance(got, (tuple, list)):
            said += f" of {len(got)} value(s)"
            if len(got) == len(full):
                said += (f" (the values in a row, without their names: the caller reads them by key, "
                         f"{{{', '.join(f'{k!r}: ...' for k in full)}}})")
        core.fail(f"{name} must return a dict with the keys {list(full)}, got {said}", "wrong-return-type")
    said = core.keys_message(got, keys, name)
    if said is not None:
        core.fail(said, "missing-key")
    return got


# Values are compared at float32 precision whatever the answer's dtype (cases.float32_tolerance).
_RTOL = cases.FLOAT32_RTOL
_tol = cases.float32_tolerance


def _near(got, want, rtol=None, atol=None) -> bool:
    """core.close at float32 precision (see _tol); ``rtol``/``atol`` may only loosen it."""
    try:
        g, w = np.asarray(got), np.asarray(want, dtype=_f64)
    except (TypeError, ValueError):
        return False
    if g.shape != w.shape or g.dtype.kind not in "biuf":
        return False
    r, a = _tol(w)
    return core.close(g, w, max(r, rtol or 0), max(a, atol or 0))


def _expect_close(got, want, *, name, diagnose=None):
    r, a = _tol(want)
    core.expect_close(got, want, name=name, rtol=r, atol=a, diagnose=diagnose)


def _expect_number(got, want, *, name, rtol, atol, diagnose=None):
    """expect_close for one number: no catalogued mistake matched -> both numbers, not a 'factor'
    (any two numbers differ by a factor, which says nothing)."""
    try:
        core.expect_close(got, want, name=name, rtol=rtol, atol=atol, diagnose=diagnose)
    except core.CheckFailure as exc:
        if exc.diagnosis in ("scaled", "wrong-values"):
            core.fail(f"{name} is {float(got):.6g}, expected {float(want):.6g}", "wrong-value")
        raise


def _explain_shift_after_exp(fn, name, warned) -> None:
    """softmax overflowed: when, on small scores (no overflow), it equals (exp(Z) - max) / sum(exp(Z) - max) on two
    batches, the row maximum is subtracted after the exp instead of inside it."""
    r = core.rng("lab06.softmax-shift-after-exp")
    for shape in ((3, 4), (5, 2)):
        Z = r.normal(size=shape)
        E = np.exp(Z) - Z.max(axis=1, keepdims=True)
        try:
            got = fn(Z.copy())
        except Exception:     # a probe that fails says nothing
            return
        if not _near(got, E / E.sum(axis=1, keepdims=True)):
            return
    core.fail(f"{name} is not numerically stable: numpy warned '{warned}': the row maximum is subtracted after the "
              f"exp, np.exp(Z) - Z.max(axis=1, keepdims=True) (your results on small scores are exactly that, "
              f"normalised), so exp still sees the large scores: subtract inside the exp, "
              f"np.exp(Z - Z.max(axis=1, keepdims=True))", "softmax-shift-after-exp")


def _call_softmax(fn, Z, name):
    """Call a softmax, naming an overflow and an underflow (0/0) for what each one is."""
    try:
        return _call(fn, Z, name=name, want=lambda: oracle_softmax(np.asarray(Z, dtype=_f64)))
    except core.CheckFailure as exc:
        if exc.diagnosis != "not-numerically-stable":
            raise
        text = str(exc)
        warned = text.split("warned '", 1)[1].split("'", 1)[0] if "warned '" in text else "a warning"
        if "overflow" in warned:
            _explain_shift_after_exp(fn, name, warned)
            core.fail(f"{name} is not numerically stable: numpy warned '{warned}': exp of a large score "
                      f"overflowed; subtract each row's maximum first (Z - Z.max(axis=1, keepdims=True)), "
                      f"which leaves the softmax unchanged", "softmax-overflow")
        alone = _row_alone_unstable(fn, Z)
        if alone is None:       # every row is fine on its own: the shift mixes the rows
            core.fail(f"{name} is not numerically stable: numpy warned '{warned}': every exp of a row underflowed "
                      f"to 0 and the row became 0/0, while each row given alone works: the shift is one number "
                      f"for the whole batch; subtract each row's *own* maximum (axis=1, keepdims=True), so that "
                      f"each row keeps an exp(0) = 1", "softmax-underflow")
        row = np.array2string(np.asarray(Z[alone], dtype=_f64), precision=4, separator=", ")
        _explain_shift_skipped(fn, name, warned, row)
        core.fail(f"{name} is not numerically stable: numpy warned '{warned}', and the row {row} alone (a batch "
                  f"of one, where a whole-batch maximum would be the row's own) gives it too: the number subtracted "
                  f"from a row is not that row's maximum (its largest |z|, or its -z, is larger, so every exp "
                  f"underflows to 0 and the row becomes 0/0); subtract exactly Z.max(axis=1, keepdims=True), so "
                  f"that each row keeps an exp(0) = 1", "softmax-row-shift-too-large")


def _explain_shift_skipped(fn, name, warned, row) -> None:
    """A row alone gave 0/0.  Rows of scores near -400 and +400 (exp of the unshifted scores is still a float64
    there, a shift by the largest |z| is not) are right, and the failing rows' scores are all below -745 (the
    unshifted exp underflows): the exps are of the scores as they are: no shift, or a shift made only for some
    scores (an if on their size)."""
    r = core.rng("lab06.softmax-shift-skipped")
    for centre in (-400.0, 400.0):
        Z = centre + r.normal(size=(2, 3))
        try:
            got = _call(fn, Z.copy(), name="softmax of moderate scores")
        except core.CheckFailure:
            return
        if not _near(got, oracle_softmax(Z)):
            return
    core.fail(f"{name} is not numerically stable: numpy warned '{warned}': the row {row} alone gives 0/0: every exp "
              f"of its scores underflowed to 0, while rows of scores near -400 and +400 are right: the exps are of "
              f"the scores as they are, the row maximum is not subtracted here (a shift made only when the scores "
              f"are large, or none): subtract each row's maximum always, E = np.exp(Z - Z.max(axis=1, "
              f"keepdims=True)), so that every row keeps an exp(0) = 1", "softmax-shift-not-always")


def _row_alone_unstable(fn, Z):
    """The first row of ``Z`` whose softmax, computed as a batch of one, warns or is not finite (None: none)."""
    for i in range(len(Z)):
        try:
            got = _call(fn, np.array(Z[i:i + 1]), name="softmax of one row")
        except core.CheckFailure as exc:
            if exc.diagnosis == "not-numerically-stable":
                return i
            continue
        with np.errstate(all="ignore"):
            if not np.all(np.isfinite(np.asarray(got, dtype=_f64))):
                return i
    return None


# --------------------------------------------------------------------------- checks
_REDUCTION_HINT = ("a row-wise max or sum without keepdims=True has shape (N,): it does not broadcast against "
                   "Z (N, K) (and when N == K it pairs row j's value with column j); keep one value per row "
                   "as a column with keepdims=True (Z.max(axis=1, keepdims=True), E.sum(axis=1, keepdims=True))")


def _every_row_differs(wrong, expected):
    """``wrong`` as a diagnosis only where it differs from the right answer in every row: on scores where
    one row underflows, the whole-batch softmax equals the right one in that row, and a result wrong in
    one row only (a loop that skips it) must not be taken for it."""
    rows_same = np.all(np.isclose(wrong, expected, rtol=1e-6, atol=1e-9), axis=1)
    return None if rows_same.any() else wrong


def _softmax_case(fn, Z):
    def run():
        name = f"softmax(Z {Z.shape}, {Z.dtype.name})"
        try:
            got = _call_softmax(fn, Z, name)
        except core.CheckFailure as exc:
            if " raised " in str(exc) and "not implemented" not in str(exc):
                core.fail(f"{exc}. Hint: {_REDUCTION_HINT}", exc.diagnosis)
            raise
        if isinstance(got, np.ndarray) and got.shape == Z.shape[::-1] and Z.shape[0] != Z.shape[1]:
            core.fail(f"{name}: the result has shape {got.shape}, the transpose of Z: keep one row per sample",
                      "softmax-transposed")
        core.expect_array(got, name=name, shape=Z.shape)
        expected = oracle_softmax(Z)
        Z64 = Z.astype(_f64)
        with np.errstate(all="ignore"):
            E = np.exp(Z64 - Z64.max(axis=1, keepdims=True))
            Ecol = np.exp(Z64 - Z64.max(axis=0, keepdims=True))
        square = Z.shape[0] == Z.shape[1]
        # Conditioning: exp(z - max) of scores known to eps * |z| carries a relative error eps * |z|, so a
        # sound float32 softmax of scores near 1000 is only good to about 1e-4 (log-sum-exp included).
        tol = cases.tolerance(Z, got, scale=float(np.abs(Z64).max()))
        rtol, atol = _tol(expected)
        rtol, atol = max(rtol, tol["rtol"]), max(atol, tol["atol"])
        shift_once = None
        try:
            _expect_softmax(got, expected, name, rtol, atol, E, Ecol, Z64, square)
        except core.CheckFailure as exc:
            if exc.diagnosis in _UNNAMED:
                shift_once = _shift_once(got, expected, Z64, name)
                if shift_once is None:
                    _explain_rows(got, name)
            if shift_once is None:
                raise
        if shift_once is not None:
            # raised outside the comparison's except: the judge's one-change search would read these moderate
            # scores, where dropping the shift from the numerator fits too (a fix that brings overflow back)
            core.fail(*shift_once)
        if not np.allclose(np.asarray(got, _f64).sum(axis=1), 1.0, rtol=0, atol=max(1e-5, tol["atol"])):
            core.fail(f"{name}: each row must sum to 1", "rows-not-summing-to-one")
    return run


def _shift_once(got, expected, Z64, name) -> tuple[str, str] | None:
    """Each row is the softmax times one number per row, and that number is exp(-row max) or exp(+row max): the shift
    by the row maximum is in the numerator or the denominator only (the two must use the same shifted scores)."""
    g = np.asarray(got, dtype=_f64)
    if g.ndim != 2 or g.shape != expected.shape or g.shape[1] < 2:
        return None
    with np.errstate(all="ignore"):
        ratio = g / expected
        factor = np.median(ratio, axis=1)
        m = Z64.max(axis=1)
        if not np.allclose(ratio, factor[:, None], rtol=1e-4, atol=0) or np.allclose(m, 0):
            return None
        for sign, where in ((-1.0, "the denominator sums exp(Z) without the shift while the numerator is "
                                   "exp(Z - max)"),
                            (1.0, "the numerator is exp(Z) without the shift while the denominator sums exp(Z - max)")):
            if np.allclose(np.log(factor), sign * m, rtol=1e-4, atol=1e-6):
                return (f"{name}: row i of your result is the softmax times exp({'-' if sign < 0 else ''}max of row "
                        f"i), so the rows do not sum to 1: {where}; the shift must be in both (dropping it from "
                        f"both brings back the overflow of exp on large scores): divide the shifted exponentials by "
                        f"their own sum, E = np.exp(Z - Z.max(axis=1, keepdims=True)); E / E.sum(axis=1, "
                        f"keepdims=True)", "softmax-shift-in-one-place")
    return None


def _explain_rows(got, name) -> None:
    """Properties every softmax row has (positive, summing to 1), named per row when the values are wrong."""
    g = np.asarray(got, dtype=_f64)
    zero = np.flatnonzero(np.all(g == 0, axis=1))
    if zero.size:
        where = "the last row" if zero.tolist() == [len(g) - 1] else f"rows {zero[:6].tolist()}"
        core.fail(f"{name}: {where} of the result {'is' if zero.size == 1 else 'are'} all zeros, as initialised: "
                  f"a loop over the rows that never reaches {'it' if zero.size == 1 else 'them'} (range(N - 1) stops "
                  f"one row early; range(N) or a vectorised softmax covers every row)", "rows-left-zero")
    with np.errstate(all="ignore"):
        bad = np.flatnonzero(~np.isclose(g.sum(axis=1), 1.0, rtol=0, atol=1e-4))
    if bad.size:
        core.fail(f"{name}: rows {bad[:6].tolist()} of the result do not sum to 1 (sums "
                  f"{np.round(g.sum(axis=1)[bad[:3]], 4).tolist()}): each row must be divided by its own sum",
                  "rows-not-summing-to-one")


def _divided_by_max(Z):
    """exp(Z / row max) normalised per row (None where a row maximum is 0)."""
    m = Z.max(axis=1, keepdims=True)
    if np.any(m == 0):
        return None
    with np.errstate(all="ignore"):
        E = np.exp(Z / m)
        return E / E.sum(axis=1, keepdims=True)


def _expect_softmax(got, expected, name, rtol, atol, E, Ecol, Z64, square):
    core.expect_close(got, expected, name=name, rtol=rtol, atol=atol, diagnose={
        "normalised over the wrong axis (use axis=1: one distribution per row/sample, and keepdims=True)":
            lambda: oracle_softmax(Z64, axis=0),
        "not normalised (divide by the row sum)": E,
        "normalised by the sum over the whole batch: divide each row by its own sum (axis=1)":
            _every_row_differs(E / E.sum(), expected),
        "normalised by the sum over the whole batch (divide each row by its own sum, axis=1)":
            lambda: _every_row_differs(np.exp(Z64 - Z64.max()) / np.exp(Z64 - Z64.max()).sum(), expected),
        "the row sums are laid out as a row (1, N), not as a column (N, 1): E / E.sum(axis=1) (keepdims=True "
        "missing) or E / E.sum(axis=1, keepdims=True).T divides column j by the sum of row j; divide by the column "
        "E.sum(axis=1, keepdims=True) as it is":
            lambda: E / E.sum(axis=1)[None, :] if square else None,
        "the row maxima are laid out as a row (1, N), not as a column (N, 1): Z - Z.max(axis=1) (keepdims=True "
        "missing) or Z - Z.max(axis=1, keepdims=True).T subtracts the maximum of row j from column j, not each row's "
        "own maximum from its own row; subtract the column Z.max(axis=1, keepdims=True) as it is":
            lambda: oracle_softmax(Z64 - Z64.max(axis=1)[None, :]) if square else None,
        "shifted by each column's maximum (Z.max(axis=0)): the shift must be one number per row, "
        "Z.max(axis=1, keepdims=True); only a shift that is constant along a row leaves the softmax unchanged":
            lambda: Ecol / Ecol.sum(axis=1, keepdims=True),
        "exp is missing: the softmax is exp(z) / sum exp(z), not z / sum z":
            lambda: Z64 / Z64.sum(axis=1, keepdims=True),
        "the scores were divided by the row maximum, exp(Z / Z.max(axis=1)), instead of shifted by it: dividing "
        "changes the softmax (only a constant SUBTRACTED along a row leaves it unchanged); "
        "E = np.exp(Z - Z.max(axis=1, keepdims=True))":
            lambda: _divided_by_max(Z64),
        "you return log-probabilities (the log-softmax): the exp of your result sums to 1 in every row. The "
        "softmax is the probabilities themselves, E / E.sum(axis=1, keepdims=True), without a log":
            lambda: Z64 - Z64.max(axis=1, keepdims=True) - np.log(E.sum(axis=1, keepdims=True)),
    })


def softmax(fn):
    """Row-wise softmax: values, shape, dtype, stability with huge logits, no input mutation."""
    _with_memory_questions(fn, lambda: _softmax(fn), "softmax", _poisoned_softmax_args, "softmax(Z (5, 4))",
                           lambda: (core.rng("lab06.softmax.twice").normal(size=(5, 4)) * 2,), _softmax_state)


def _softmax_state(fn, after_pass: bool) -> None:
    q = core.rng("lab06.softmax.change")
    _state_kept(fn, "softmax", "softmax(Z (6, 5))", (q.normal(size=(6, 5)) * 2,), (q.normal(size=(6, 5)) * 2,),
                oracle_softmax, after_pass=after_pass)
    _earlier_results(fn, "softmax", "softmax(Z (6, 5))", [(q.normal(size=(6, 5)) * 2,) for _ in range(3)],
                     oracle_softmax)


def _with_memory_questions(fn, judge, name: str, poisoned, call: str, twice_args, state=None) -> None:
    """Run ``judge`` (the function's cases).  ``state(fn, after_pass)`` (see _state_kept) is asked first after a
    failure and last after a pass.  After a failure (not a stub's), ask first whether ``fn`` reads memory
    it never wrote (``poisoned``: its arguments) or gives another result on the same inputs (``twice_args``, seeded
    by name, described as ``call``): either names the cause the failed case only shows; else the case's failure
    stands.  After a pass, the uninitialised-memory question alone (the cases' values may be right by chance)."""
    failed = None
    try:
        judge()
    except core.CheckFailure as exc:
        failed = exc
    if failed is not None:      # asked outside the except clause: its message carries no comparison of a case
        if not _unimplemented_failure(failed):
            if state is not None:
                state(fn, False)
            _reads_uninitialised_memory(fn, poisoned, name, after_cases=False)
            _expect_deterministic(fn, name, call, twice_args)
        raise failed
    _reads_uninitialised_memory(fn, poisoned, name, after_cases=True)
    if state is not None:
        state(fn, True)


def _unimplemented_failure(exc: core.CheckFailure) -> bool:
    return "not implemented" in str(exc).lower() or "NotImplementedError" in str(exc)


def _softmax_inputs() -> list:
    """The cases' scores: (what is special about the case, Z)."""
    r = core.rng("lab06.softmax")
    return [
        ("a batch of one sample", r.normal(size=(1, 3)) * 2),
        (None, r.normal(size=(5, 7)) * 3),
        (None, r.normal(size=(6, 2))),
        ("a square Z (N == K)", r.normal(size=(4, 4)) * 2),  # a missing keepdims: wrong values
        (None, (r.normal(size=(3, 5)) * 2).astype(np.float32)),
        (None, r.normal(size=(9, 4))),
        # huge logits: exp overflows without the max shift; a max over the whole matrix (not per row)
        # makes the second row underflow to 0/0
        (None, np.array([[1000.0, 1001.0, 999.0], [-1000.0, -1001.0, -1002.0]])),
        (None, np.array([[1000.0, -1000.0, 998.0], [-999.0, -1000.0, 1000.0]], dtype=np.float32)),
        ("a batch of one sample with huge scores", np.array([[1001.0, 999.0, 1000.0]])),
        # every score far below 0 (no large one): exp of the unshifted scores underflows to 0/0
        ("scores all far below 0", np.array([[-1000.0, -1001.0, -999.0], [-1002.0, -1000.5, -1003.0]])),
    ]


def _softmax(fn):
    run_cases([(special, _softmax_case(fn, Z)) for special, Z in _softmax_inputs()])
    _softmax_tiny_probabilities(fn)


#: The check's driver, run in the kernel: two calls with generators of one seed, NumPy's global generator set to
#: one state before each (and given back its own state after): a weight drawn from the global generator
#: (np.random.randn, accepted) then repeats; one from a generator made inside the call without a seed does not.
_INIT_TWICE = """
def init_twice(fn, seed):
    import numpy as np
    state = np.random.get_state()
    out = []
    try:
        for _ in range(2):
            np.random.seed(seed % 2**32)
            got = fn(3, 4, 2, np.random.default_rng(seed))
            out.append({k: np.array(v) for k, v in dict(got).items()})
    finally:
        np.random.set_state(state)
    return out
"""


#: The check's driver, run in the kernel: two calls with ONE generator (the second continues its stream).
_INIT_SAME_RNG = """
def init_same_rng(fn, seed):
    import numpy as np
    rng = np.random.default_rng(seed)
    return [{k: np.array(v) for k, v in dict(fn(3, 4, 2, rng)).items()} for _ in range(2)]
"""


def _init_first_call_draws(fn, seed) -> None:
    """After "the same weights for two generators": at sizes never asked before, a first call whose W_h is the
    generator's own first draw (rng.normal(0.0, 0.3, size=(n_h, n_x))) does use rng: the later calls returned
    weights kept from an earlier call (confirmed by the same generator given twice)."""
    try:
        got = fn(5, 9, 7, np.random.default_rng(seed + 7))
        drawn = np.random.default_rng(seed + 7).normal(0.0, 0.3, size=(9, 5))
        first = np.array_equal(np.asarray(dict(got)["Wh"], dtype=_f64), drawn)
    except Exception:
        return
    if first:
        _init_same_generator(fn, seed)


def _init_same_generator(fn, seed) -> None:
    """Property: two calls with ONE generator draw new weights (the generator's stream goes on), as two networks
    built from one rng must differ; weights equal at both calls were kept from the first call (an init memoised by
    its sizes or its rng, a global holding the first params)."""
    try:
        a, b = core.kernel_functions(_INIT_SAME_RNG)["init_same_rng"](fn, seed)
    except Exception:
        return
    same = [k for k in ("Wh", "Wy") if k in a and k in b and np.asarray(a[k]).size > 1 and np.array_equal(a[k], b[k])
            and np.ptp(np.asarray(a[k], dtype=_f64)) > 0]     # constant weights: not a draw at all, said later
    if same:
        core.fail(f"init_params(3, 4, 2, rng) called twice with the SAME generator rng gave the same "
                  f"{' and '.join(f'params[{k!r}]' for k in same)} both times: the second call must draw new numbers "
                  f"from rng (its stream goes on), so these weights were kept from the first call (state from an "
                  f"earlier call: an init memoised by its sizes or its rng, a global holding the first params): draw "
                  f"with rng.normal(...) at every call",
                  "init-kept-between-calls")


def _init_not_reproducible(fn, seed) -> list[str]:
    """The keys that differ between two calls with generators of the same seed (see ``_INIT_TWICE``)."""
    try:
        a, b = core.kernel_functions(_INIT_TWICE)["init_twice"](fn, seed)
    except Exception:
        return []          # a call that raises is named by the cases
    return [k for k in PARAM_NAMES if k in a and k in b and not np.array_equal(a[k], b[k])]


def init_params(fn):
    """Shapes (n_h, n_x) / (n_h, 1) / (n_y, n_h) / (n_y, 1), zero biases, N(0, 0.3^2) weights."""
    seed = int(core.rng("lab06.init").integers(2**31))
    # the first sizes differ pairwise by more than 1: a wrong shape reads as one set of names only (n_x + 1 columns
    # is not n_y)
    for nx, nh, ny in [(2, 5, 8), (1, 1, 1), (7, 4, 10), (3, 6, 2)]:
        got = _call(fn, nx, nh, ny, np.random.default_rng(seed), name=f"init_params({nx}, {nh}, {ny}, rng)")
        _expect_dict(got, PARAM_NAMES, "init_params")
        want = {"Wh": (nh, nx), "bh": (nh, 1), "Wy": (ny, nh), "by": (ny, 1)}
        for k, shape in want.items():
            v = got[k]
            if isinstance(v, np.ndarray) and v.shape == shape[::-1] and shape[0] != shape[1]:
                core.fail(f"init_params: params['{k}'] has shape {v.shape}, the transpose of {shape}. "
                          f"RDFIA convention: W_h is (n_h, n_x) and W_y is (n_y, n_h) (they act on column "
                          f"vectors, h~ = W_h x + b_h) and biases are columns (n, 1)", "params-transposed")
            if isinstance(v, np.ndarray) and k[0] == "b" and v.shape == (shape[0],) and shape[0] != 1:
                core.fail(f"init_params: params['{k}'] has shape {v.shape}: biases are columns {shape} "
                          f"(np.zeros((n, 1)))", "bias-1d")
            if isinstance(v, np.ndarray) and v.ndim == 2 and v.shape != shape:
                cands = [(nx, "n_x"), (nh, "n_h"), (ny, "n_y"), (1, "1"), (nx + 1, "n_x + 1"), (nh + 1, "n_h + 1")]

                def name_of(d):
                    hits = [label for size, label in cands if size == d]
                    return hits[0] if len(hits) == 1 else None   # a size two names share says nothing

                def sizes(sh):
                    return "(" + ", ".join(str(name_of(d)) for d in sh) + ")"
                if all(name_of(d) for d in v.shape + shape):
                    extra = (": one column too many, a column for the bias (the bias trick)? Here the biases are "
                             "separate arrays, params['bh'] (n_h, 1) and params['by'] (n_y, 1), and the weights "
                             "have no bias column" if "+ 1" in sizes(v.shape[1:]) else "")
                    core.fail(f"init_params: params['{k}'] has shape {v.shape} = {sizes(v.shape)} with n_x={nx}, "
                              f"n_h={nh}, n_y={ny}; it must be {shape} = {sizes(shape)}{extra}", "params-wrong-sizes")
            core.expect_array(v, name=f"init_params: params['{k}'] (n_x={nx}, n_h={nh}, n_y={ny})",
                              shape=shape)
            if v.dtype != _f64:
                core.fail(f"init_params: params['{k}'] has dtype {v.dtype}; the docstring asks for float64 "
                          f"(rng.normal and np.zeros already give float64: do not convert them with .astype)",
                          "params-not-float64")
        for k in ("bh", "by"):
            if np.any(got[k] != 0):
                core.fail(f"init_params: the biases must be initialised to zero (params['{k}'] is not)",
                          "bias-not-zero")
    _init_own_memory(fn, seed)
    # Two different generators give different weights: the draws come from the rng argument.
    a = _call(fn, 3, 4, 2, np.random.default_rng(seed), name="init_params(3, 4, 2, rng)")
    moved = _init_not_reproducible(fn, seed)
    if moved:
        core.fail(f"init_params is not reproducible from its rng: two calls init_params(3, 4, 2, rng) with generators "
                  f"of the same seed gave different {', '.join(f'params[{k!r}]' for k in moved)}: every draw must come "
                  f"from the rng argument (rng.normal(...)); a generator created inside the function "
                  f"(np.random.default_rng() or np.random.PCG64() without a seed) gives other numbers on every call",
                  "not-reproducible")
    b = _call(fn, 3, 4, 2, np.random.default_rng(seed + 1), name="init_params(3, 4, 2, another rng)")
    if all(np.array_equal(np.asarray(a[k]), np.asarray(b[k])) for k in ("Wh", "Wy")):
        _init_first_call_draws(fn, seed)
        core.fail("init_params gives the same weights for two different generators rng: the weights must be drawn "
                  "from the rng it is given (rng.normal(...)), not from a generator it creates itself "
                  "(np.random.default_rng(0) inside the function ignores the caller's seed)", "rng-ignored")
    _init_same_generator(fn, seed)
    # Statistics on a large draw: std 0.3 (not the variance 0.09, not 1), mean 0, Gaussian tails.
    got = _call(fn, 300, 200, 150, np.random.default_rng(seed), name="init_params(300, 200, 150, rng)")
    _expect_dict(got, PARAM_NAMES, "init_params")
    _expect_draws_not_repeated(got, "init_params(300, 200, 150, rng)")
    for k in ("Wh", "Wy"):
        w = core.expect_array(got[k], name=f"init_params: params['{k}']").astype(_f64).ravel()
        std, mean = float(w.std()), float(w.mean())
        if w.size > 1 and np.all(w == 0.3) and all(np.all(np.asarray(c[k], dtype=_f64) == 0.3) for c in (a, b)):
            core.fail(f"init_params: every weight of params['{k}'] is 0.3, the standard deviation itself, with every "
                      f"generator and size tried: a normal draw with scale 0 always gives its mean, so the mean "
                      f"and the standard deviation are swapped: rng.normal(loc, scale) takes the mean first, "
                      f"rng.normal(0.0, 0.3, size=(rows, columns)) (or name them: loc=0.0, scale=0.3)",
                      "normal-loc-scale-swapped")
        if w.size > 1 and np.all(w == w[0]):
            core.fail(f"init_params: every entry of params['{k}'] holds the same number ({w[0]:.4g}): the weights "
                      f"must be drawn one number per weight, rng.normal(0.0, 0.3, size=(rows, columns)); a single "
                      f"draw rng.normal(0.0, 0.3) spread over the shape (or a constant) makes all weights equal",
                      "weights-all-equal")
        _expect_independent_units(np.asarray(got[k], dtype=_f64), k)
        if abs(mean) > 0.1 and w.size > 1 and (w >= 0).all():
            core.fail(f"init_params: every entry of params['{k}'] is positive (from {w.min():.3g} to {w.max():.3g}, mean "
                      f"{mean:.3f}, standard deviation {std:.3f}): the weights are not centred on 0, as rng.random or "
                      f"rng.uniform(0, ...) give (uniform on [0, 1) or [0, a)); they are drawn from the normal "
                      f"distribution N(0, 0.3^2): rng.normal(0.0, 0.3, size=...)", "weights-all-positive")
        if abs(mean) > 0.1:
            core.fail(f"init_params: params['{k}'] has mean {mean:.3f} (standard deviation {std:.3f}); expected "
                      f"mean 0 and standard deviation 0.3. rng.normal(loc, scale, size) takes the mean first and the "
                      f"standard deviation second: rng.normal(0.0, 0.3, size=...)", "weights-mean-not-zero")
        if abs(std - 1.0) < 0.05:
            core.fail(f"init_params: params['{k}'] has standard deviation {std:.3f}: weights are N(0, 1); "
                      f"the practical draws them from N(0, 0.3^2), i.e. multiply by 0.3", "weights-std-one")
        if abs(std - 0.09) < 0.01:
            core.fail(f"init_params: params['{k}'] has standard deviation {std:.3f}: 0.3^2 = 0.09 is the "
                      f"variance; the standard deviation must be 0.3", "variance-as-std")
        if abs(std - math.sqrt(0.3)) < 0.02:
            core.fail(f"init_params: params['{k}'] has standard deviation {std:.3f} = sqrt(0.3): 0.3 is already "
                      f"the standard deviation, do not take its square root", "sqrt-of-std")
        if abs(std - 0.3) > 0.015:
            core.fail(f"init_params: params['{k}'] has standard deviation {std:.3f}; expected 0.3 "
                      f"(weights ~ N(0, 0.3^2))", "weights-std")
        if abs(mean) > 0.01:
            core.fail(f"init_params: params['{k}'] has mean {mean:.3f}; expected 0 (weights ~ N(0, 0.3^2))",
                      "weights-mean")
        tail = float(np.mean(np.abs(w) > 0.6))   # beyond 2 sigma: 4.6 % for a Gaussian, 0 for U(-a, a)
        if not 0.03 < tail < 0.065:
            core.fail(f"init_params: params['{k}'] does not look Gaussian ({100 * tail:.1f} % of the weights "
                      f"beyond 2 standard deviations, 4.6 % expected): {_tails_story(w, tail)}", "weights-not-gaussian")


#: The check's driver, run in the kernel (memory is only shared there): the pairs of parameters one call of init
#: returned that share memory.
_INIT_SHARED = """
def init_shared(fn, nx, nh, ny, seed):
    import numpy as np
    p = fn(nx, nh, ny, np.random.default_rng(seed))
    ks = ["Wh", "bh", "Wy", "by"]
    return [(a, b) for i, a in enumerate(ks) for b in ks[i + 1:] if np.shares_memory(p[a], p[b])]
"""


def _init_own_memory(fn, seed) -> None:
    """Every parameter init returns is an array of its own: two that share memory (a view into one buffer, one
    array under two keys) move together at every in-place step.  Asked on sizes where n_h != n_y and n_h == n_y."""
    for nx, nh, ny in ((3, 4, 2), (2, 3, 3)):
        try:
            pairs = core.kernel_functions(_INIT_SHARED)["init_shared"](fn, nx, nh, ny, seed)
        except Exception:
            return                   # a call that raises is named by the cases
        if pairs:
            said = "; ".join(f"params[{a!r}] and params[{b!r}]" for a, b in pairs)
            core.fail(f"init_params({nx}, {nh}, {ny}, rng): {said} share memory (np.shares_memory is True): one is a "
                      f"view into the other's buffer (or the same array under two keys), so an in-place step on one "
                      f"moves the other; every parameter must be an array of its own (np.zeros((n_h, 1)), "
                      f"np.zeros((n_y, 1)), one draw per weight matrix)", "params-share-memory")


def _expect_independent_units(W: np.ndarray, k: str) -> None:
    """Symmetry breaking: each row of a weight matrix is one unit's weights (columns: its inputs). Rows (or columns)
    that repeat, or that move together, are units that start equal and receive equal gradients: they stay
    identical, and the layer behaves as one unit. Independent N(0, 0.3^2) draws give pairwise distinct rows and
    columns whose correlations are near 0 (|r| < 0.35 for 150+ entries each)."""
    if W.ndim != 2 or min(W.shape) < 2:
        return
    what = {"Wh": ("hidden units", "inputs"), "Wy": ("output classes", "hidden units")}.get(k, ("units", "inputs"))
    for axis, (kind, word) in ((0, ("rows", what[0])), (1, ("columns", what[1]))):
        M = W if axis == 0 else W.T
        distinct = len(np.unique(M, axis=0))
        if distinct < M.shape[0]:
            core.fail(f"init_params(300, 200, 150, rng): params['{k}'] {W.shape} has only {distinct} distinct {kind} "
                      f"out of {M.shape[0]}: the weights of different {word} are copies of each other (one row "
                      f"tiled or broadcast, np.tile / np.repeat?). Identical units get identical gradients and stay "
                      f"identical (the symmetry is never broken): draw every weight on its own, "
                      f"rng.normal(0.0, 0.3, size=(rows, columns))", "weights-repeated")
        C = np.corrcoef(M)
        np.fill_diagonal(C, 0.0)
        worst = float(np.nanmax(np.abs(C)))
        if worst > 0.5:
            i, j = np.unravel_index(int(np.nanargmax(np.abs(C))), C.shape)
            core.fail(f"init_params(300, 200, 150, rng): {kind} {i} and {j} of params['{k}'] {W.shape} have "
                      f"correlation {C[i, j]:.2f} (independent draws give |r| < 0.35 here): the weights of the {word} are "
                      f"not drawn independently (the same draw reused, shifted or scaled?). Draw every weight on "
                      f"its own, rng.normal(0.0, 0.3, size=(rows, columns))", "weights-correlated")


def _expect_draws_not_repeated(got, label: str) -> None:
    """Independent draws: two weight matrices drawn from N(0, 0.3^2) share no value (equal floats have probability
    0).  Many values in common say that both were drawn from generators in one state (a copy of rng taken before
    the first draw, a generator re-created from one seed), so one matrix repeats the other's numbers."""
    try:
        a, b = (np.asarray(got[k], dtype=_f64).ravel() for k in ("Wh", "Wy"))
    except (KeyError, TypeError, ValueError):
        return
    if a.size < 2 or b.size < 2 or min(np.unique(a).size / a.size, np.unique(b).size / b.size) < 0.5:
        return                        # few distinct values (a constant, random signs): no continuous draw, said later
    # values a matrix holds once only (a clip piles many weights on one value: those say nothing here)
    singles = [u[c == 1] for u, c in (np.unique(v, return_counts=True) for v in (a, b))]
    common = int(np.isin(singles[1], singles[0]).sum())
    if common > max(2, b.size // 100):
        same_order = bool(np.array_equal(b[:min(a.size, b.size)], a[:min(a.size, b.size)]))
        how = (": params['Wy'] holds, in order, the very first numbers of params['Wh']" if same_order else "")
        core.fail(f"{label}: {common} of the {b.size} entries of params['Wy'] are values that params['Wh'] also holds"
                  f"{how}: independent N(0, 0.3^2) draws never share a value, so the two matrices were drawn from "
                  f"generators in the same state (a copy of rng such as copy.deepcopy(rng), or a generator re-created "
                  f"from one seed) and W_y repeats W_h's draws; draw both from the one rng you are given, one after "
                  f"the other: rng.normal(0.0, 0.3, size=(n_h, n_x)), then rng.normal(0.0, 0.3, size=(n_y, n_h))",
                  "weights-draws-repeated")


def _tails_story(w: np.ndarray, tail: float) -> str:
    """What the weights' distribution looks like when its share beyond 0.6 is not a Gaussian's: clipped (a pile of
    weights at exactly +-max), uniform (flat: kurtosis near 1.8, a Gaussian's is 3), or tails cut some other way."""
    if tail >= 0.065:
        return "more weights lie in the tails than a Gaussian's: the weights are N(0, 0.3^2) draws, rng.normal(0.0, 0.3, size=...)"
    top = float(np.abs(w).max())
    at_top = float(np.mean(np.isclose(np.abs(w), top, rtol=1e-12, atol=0)))
    kurtosis = float(np.mean((w - w.mean()) ** 4) / w.var() ** 2)
    if at_top > 0.99:
        return (f"every weight is +-{top:.3g} exactly, only the sign varies (random signs such as "
                f"rng.choice([-{top:.3g}, {top:.3g}]) or {top:.3g} * np.sign(...)): that has the standard deviation "
                f"{top:.3g} but is no normal draw; the weights are N(0, 0.3^2) draws, rng.normal(0.0, 0.3, size=...)")
    if at_top > 0.005:
        return (f"{100 * at_top:.1f} % of them equal +-{top:.3g} exactly: the draw is clipped (np.clip) at "
                f"+-{top:.3g}; the weights are plain N(0, 0.3^2) draws, rng.normal(0.0, 0.3, size=...), without a clip")
    if kurtosis < 2.0:
        return (f"their histogram is flat (kurtosis {kurtosis:.2f}; 1.8 for a uniform draw, 3 for a Gaussian): use a "
                f"normal distribution, rng.normal(0.0, 0.3, size=...), not a uniform one")
    return (f"none is beyond {top:.3g} (kurtosis {kurtosis:.2f}, 3 for a Gaussian): the tails are cut, as in a "
            f"truncated normal; the weights are plain N(0, 0.3^2) draws, rng.normal(0.0, 0.3, size=...)")


_FORWARD_HINT = ("W_h is (n_h, n_x) and W_y is (n_y, n_h), the biases are columns: in the batched form "
                 "H~ = X W_h^T + b_h^T and Y~ = H W_y^T + b_y^T (add the transposed bias, a row (1, n), to "
                 "every row)")


def _explain_batch_standardised(h, ht, label) -> None:
    """h is tanh of htilde standardised over the batch, column by column ((htilde - mean) / std over the rows, a
    batch normalisation): each row's h then depends on the other rows of the batch."""
    if h.shape != ht.shape or h.shape[0] < 2:
        return
    with np.errstate(all="ignore"):
        std = ht.std(axis=0)
        cand = [np.tanh((ht - ht.mean(axis=0)) / (std + eps)) for eps in (0.0, 1e-8, 1e-5, 1e-3)] + \
               [np.tanh((ht - ht.mean(axis=0)) / np.sqrt(std ** 2 + eps)) for eps in (1e-8, 1e-5, 1e-3)]
    t = np.tanh(ht)
    if not np.allclose(t, t.mean(axis=0), rtol=1e-6, atol=1e-8) and \
            any(np.allclose(h, c, rtol=1e-6, atol=1e-8) for c in (t - t.mean(axis=0), np.tanh(ht - ht.mean(axis=0)))):
        core.fail(f"{label} is centred over the batch (the mean over the rows subtracted, before or after the tanh): "
                  f"each sample's h then depends on the other samples of the batch; the network of the practical "
                  f"has no normalisation: H = np.tanh(Htilde)", "hidden-batch-centred")
    if any(np.allclose(h, c, rtol=1e-6, atol=1e-8) for c in cand):
        core.fail(f"{label} is tanh of htilde standardised over the batch ((htilde - its mean over the rows) / its "
                  f"standard deviation, a batch normalisation): each sample's h then depends on the other samples of "
                  f"the batch; the network of the practical has no normalisation: H = np.tanh(Htilde)",
                  "hidden-batch-standardised")


def _explain_ones_column(got, want, shape, label) -> None:
    """An output with one column too many: the expected array with a column of ones added (first or last), as the
    bias trick [X | 1] builds it: the augmented array was stored instead of the array itself."""
    g = np.asarray(got) if isinstance(got, np.ndarray) else None
    if g is None or g.ndim != 2 or g.shape != (shape[0], shape[1] + 1):
        return
    with np.errstate(all="ignore"):
        for ones, rest, where in ((g[:, -1], g[:, :-1], "last"), (g[:, 0], g[:, 1:], "first")):
            if np.all(ones == 1) and _near(rest, want):
                core.fail(f"{label}: expected shape {shape}, got {g.shape}: it is the expected array with a {where} "
                          f"column of ones added (the bias trick [X | 1]): outputs stores the arrays themselves, "
                          f"outputs['X'] = X as given; the biases are separate parameters here (b_h, b_y), added to "
                          f"the products, X @ W_h.T + b_h.T", "outputs-bias-trick-column")


def _outputs_match(outputs, expected):
    try:
        return all(_near(outputs[k], expected[k]) for k in OUTPUT_NAMES)
    except (KeyError, TypeError):
        return False


def _own_softmax_outputs(softmax_fn, exp):
    """The reference forward pass with the student's softmax: (yhat, outputs) or None."""
    if softmax_fn is None:
        return None
    try:
        yt = np.array(exp["ytilde"], copy=True)
        yhat = np.asarray(core.call(softmax_fn, yt, name="softmax"))
    except core.CheckFailure as exc:       # softmax modified its input: the forward pass then stores that
        if "in place" not in str(exc):
            return None
        yt = np.array(exp["ytilde"], copy=True)
        try:
            yhat = np.asarray(softmax_fn(yt))
        except Exception:
            return None
    except Exception:
        return None
    out = dict(exp)
    out["ytilde"], out["yhat"] = yt, yhat
    return yhat, out


def _tanh_on_input(params, X) -> dict:
    """The outputs of a forward pass that applies tanh to X and leaves the hidden layer linear."""
    P = {k: np.asarray(v, dtype=_f64) for k, v in params.items()}
    X64 = np.asarray(X, dtype=_f64)
    Ht = np.tanh(X64) @ P["Wh"].T + P["bh"].T
    Yt = Ht @ P["Wy"].T + P["by"].T
    return {"X": X64, "htilde": Ht, "h": Ht, "ytilde": Yt, "yhat": oracle_softmax(Yt)}


def _kept(v):
    """A copy of a result as plain arrays (dicts and sequences kept, numbers as 0-d arrays), or None."""
    if isinstance(v, dict):
        return {k: _kept(x) for k, x in v.items()}
    if isinstance(v, (tuple, list)):
        return [_kept(x) for x in v]
    try:
        return np.array(v, dtype=_f64)
    except Exception:
        return None


def _expect_deterministic(fn, fn_name: str, label: str, make_args, lent: dict | None = None) -> None:
    """Property of every graded function of lab06 but init_params: the same inputs give the same result.  The
    function is called twice on fresh copies of the same inputs (with the reference functions of ``lent`` in place
    of the ones it calls by name, so that a random helper costs the helper's cell only); results that differ are
    named.  Asked only after a failure (two calls more); a call that raises says nothing here."""
    outs = []
    with contextlib.ExitStack() as stack:
        if lent:
            try:
                stack.enter_context(core.lent_globals(fn, lent))
            except Exception:
                return
        for _ in range(2):
            try:
                with np.errstate(all="ignore"):
                    outs.append(_kept(fn(*make_args())))
            except Exception:
                return
    where = _first_change(outs[0], outs[1])
    if where is None:
        return
    parts = {"loss_accuracy": {"[0]": "L", "[1]": "acc"}}.get(fn_name, {})
    path = ("the result" if where in ("the array", "") else parts.get(where, f"result{where}") if parts
            else _result_path(fn_name, where) if fn_name in ("forward", "backward") else f"result{where}")
    core.fail(f"{label}: two calls with the same inputs return different values ({path} differs): {fn_name} is "
              f"not deterministic (a state kept between calls, such as a running total or a counter on the function "
              f"or in a global, or random numbers inside it, such as a dropout mask or noise from np.random). "
              f"{fn_name} must be a pure function of its arguments: the same inputs give "
              f"the same result, nothing random and nothing kept from one call to the next", "not-deterministic")


#: The check's driver, run in the kernel: ``fn(*args)``, then the same argument objects changed in place (an array
#: written with ``a[...] = v``; a dict's arrays written key by key), then ``fn(*args)`` again: what a training loop
#: does between two calls (sgd updates params in place, a new batch is copied into the same buffer).
_AFTER_CHANGE = """
def after_change(fn, args, changed):
    import copy
    import numpy as np
    first = copy.deepcopy(fn(*args))
    for a, v in zip(args, changed):
        if v is None:
            continue
        if isinstance(a, dict):
            for k, x in v.items():
                a[k][...] = x
        else:
            a[...] = v
    return first, fn(*args)
"""


def _all_near(got, want) -> bool:
    """``got`` equals ``want`` (nested dicts / tuples / numbers) at the check's precision, on the keys of ``want``."""
    if isinstance(want, dict):
        return isinstance(got, dict) and all(k in got and _all_near(got[k], w) for k, w in want.items())
    if isinstance(want, (tuple, list)):
        return isinstance(got, (tuple, list)) and len(got) == len(want) and all(map(_all_near, got, want))
    return _near(got, want)


#: The check's driver, run in the kernel: calls in turn, each on a fresh deep copy of its arguments freed right after
#: the call (NumPy and Python reuse the freed memory, so a cache keyed on id(...) meets the previous call's key).
_IN_TURN = """
def in_turn(fn, arg_lists):
    import copy
    return [fn(*copy.deepcopy(args)) for args in arg_lists]
"""


def _earlier_results(fn, fn_name: str, label: str, arg_lists: list, oracle) -> None:
    """Property (call order): calls in turn on arguments of the same shapes and other values each return the
    oracle's result of THEIR arguments.  A call that returns the oracle's result of an EARLIER call's arguments (and
    not its own) is told: state from an earlier call."""
    try:
        run = core.kernel_functions(_IN_TURN)["in_turn"]
        with np.errstate(all="ignore"):
            outs = [_kept(v) for v in run(fn, arg_lists)]
    except Exception:
        return
    wants = [oracle(*args) for args in arg_lists]
    for i, got in enumerate(outs):
        if _all_near(got, wants[i]):
            continue
        for j in range(i):
            if _all_near(got, wants[j]):
                core.fail(f"{label}: called {len(arg_lists)} times in turn on new arrays of the same shapes, call "
                          f"{i + 1} returned the result of call {j + 1}'s arguments, not of its own: {fn_name} "
                          f"returned a result computed from the values of an earlier call: state kept between calls "
                          f"(a cache keyed on id(...): a new array can reuse the id, the memory address, of one freed "
                          f"before; or a result stored on the function or in a global); compute everything from the "
                          f"arguments' values at every call", "state-kept-between-calls")
        return


def _state_kept(fn, fn_name: str, label: str, args: tuple, changed: tuple, oracle, *, after_pass: bool) -> None:
    """Property of every graded function of lab06 but init_params: called a second time on THE SAME argument objects
    after their values were changed in place (as a training loop does: sgd writes params in place, a batch buffer
    is refilled), the result is the oracle's on the NEW values.  A result equal to the oracle's on the old values
    is named "computed from an earlier call" (a cache keyed on id(...), a memo, a transposed copy of W kept).
    After the cases passed (two calls more), a result that is neither, while a fresh call on copies of the new
    values is right, says the same in plainer words; after a failed case, only when fresh copies of the old values
    are right as well (the function is right on fresh arrays at both values, wrong on the same arrays changed)."""
    new_args = tuple(a if v is None else ({**a, **v} if isinstance(a, dict) else v) for a, v in zip(args, changed))
    fresh = lambda xs: tuple(_copy_dict(a) if isinstance(a, dict) else np.array(a, copy=True)
                             if isinstance(a, np.ndarray) else a for a in xs)
    try:
        run = core.kernel_functions(_AFTER_CHANGE)["after_change"]
        with np.errstate(all="ignore"):
            first, got = (_kept(v) for v in run(fn, fresh(args), changed))
    except Exception:
        return                        # a call that raises is named by the cases
    want_new, want_old = oracle(*new_args), oracle(*args)
    if _all_near(got, want_new):
        return
    if _first_change(first, got) is None and not _all_near(want_new, want_old):
        try:        # the second call returned what the first did although the values changed; not a constant:
            with np.errstate(all="ignore"):
                fresh_new = _kept(fn(*fresh(new_args)))
        except Exception:
            fresh_new = None
        if fresh_new is not None and _first_change(fresh_new, got) is not None:
            want_old = got        # told as the result of the earlier call below
    what = {"forward": "params' arrays", "backward": "params' and outputs' arrays and Y",
            "loss_accuracy": "Yhat and Y", "softmax": "Z"}.get(fn_name, "the arguments")
    head = (f"{label} called twice on the same arrays, their values changed in place between the two calls (as a "
            f"training loop does: sgd updates params in place, a batch is copied into the same buffer)")
    fix = ("compute everything from the arguments' current values at every call: no cache on the function, in a "
           "global or a default argument, keyed on id(...) or on the shapes")
    if _all_near(got, want_old):
        core.fail(f"{head}: the second call returned the result of the OLD values of {what}: {fn_name} returned a "
                  f"result computed from the values of an earlier call: state kept between calls (a result or a "
                  f"transposed weight memoised by id(array), which stays the same when the array's values change); "
                  f"{fix}", "state-kept-between-calls")
    try:
        with np.errstate(all="ignore"):
            again = _kept(fn(*fresh(new_args)))
            if not after_pass:      # after a failed case: the old values on fresh copies must be right too
                again = again if _all_near(_kept(fn(*fresh(args))), want_old) else None
    except Exception:
        return
    if again is not None and _all_near(again, want_new):
        core.fail(f"{head}: the second call's result is wrong, although a fresh call on copies of the same new "
                  f"values is right: {fn_name} kept something computed at the first call (state kept between "
                  f"calls: a cache keyed on id(...) such as a transposed copy of W, a memo on the function); {fix}",
                  "state-kept-between-calls")


def _forward_state(fn, after_pass: bool) -> None:
    q = core.rng("lab06.forward.change")
    params, X, later = _params(q, 3, 5, 4), q.normal(size=(6, 3)), _params(q, 3, 5, 4)
    _state_kept(fn, "forward", "forward(params, X (6, 3)) with n_x=3, n_h=5, n_y=4", (params, X), (later, None),
                lambda p, x: oracle_forward(p, x), after_pass=after_pass)
    _earlier_results(fn, "forward", "forward(params, X (6, 3)) with n_x=3, n_h=5, n_y=4",
                     [(_params(q, 3, 5, 4), q.normal(size=(6, 3))) for _ in range(3)], lambda p, x: oracle_forward(p, x))


def _backward_state(fn, after_pass: bool, keys: tuple) -> None:
    """_state_kept of backward, on the gradients ``keys`` the cell judges only."""
    q = core.rng("lab06.backward.change")
    p1, p2, X1, X2 = _params(q, 3, 5, 4), _params(q, 3, 5, 4), q.normal(size=(6, 3)), q.normal(size=(6, 3))
    o1, o2 = oracle_forward(p1, X1)[1], oracle_forward(p2, X2)[1]
    _state_kept(fn, "backward", "backward(params, outputs, Y) with N=6, n_x=3, n_h=5, n_y=4",
                (p1, o1, _onehot(q, 6, 4)), (p2, o2, _onehot(q, 6, 4)),
                lambda p, o, y: {k: oracle_backward(p, o, y)[k] for k in keys}, after_pass=after_pass)
    turns = []
    for _ in range(3):
        p = _params(q, 3, 5, 4)
        turns.append((p, oracle_forward(p, q.normal(size=(6, 3)))[1], _onehot(q, 6, 4)))
    _earlier_results(fn, "backward", "backward(params, outputs, Y) with N=6, n_x=3, n_h=5, n_y=4", turns,
                     lambda p, o, y: {k: oracle_backward(p, o, y)[k] for k in keys})


def _forward_deterministic(fn) -> None:
    r = core.rng("lab06.forward.twice")
    params, X = _params(r, 3, 6, 4), r.normal(size=(7, 3))
    _expect_deterministic(fn, "forward", "forward(params, X (7, 3)) with n_x=3, n_h=6, n_y=4",
                          lambda: (_copy_dict(params), X.copy()), {"softmax": oracle_softmax})


def forward(fn, softmax=None):
    """Forward pass: every stored intermediate, against a per-sample oracle.

    An exception raised inside the student's softmax (called by name from forward) is the softmax cell's mistake:
    forward is then judged again with the reference softmax lent in place of theirs (core.lent_globals)."""
    failed = None
    try:
        _forward(fn, softmax)
    except core.CheckFailure as exc:
        failed = exc
    if failed is None:
        return
    _forward_state(fn, False)       # asked outside the except clause: its message carries no comparison of a case
    _forward_deterministic(fn)
    if softmax is None:
        raise failed
    if core.raised_function(failed) == "softmax":
        why = "which raised here"
    elif _softmax_random(softmax):
        why = "which is not deterministic"
    elif _softmax_stateful(softmax):
        why = "which keeps state between calls"
    else:
        raise failed
    if not core.judged_again(lambda: _forward(fn, None), core.lent_globals(fn, {"softmax": oracle_softmax}),
                             f"judged with the reference softmax in place of yours, {why}: see softmax's cell"):
        raise failed


def _softmax_stateful(softmax) -> bool:
    """The student's softmax fails the state questions of its own cell (a result kept from an earlier call)."""
    try:
        _softmax_state(softmax, True)
    except core.CheckFailure:
        return True
    return False


def _softmax_random(softmax) -> bool:
    """The student's softmax gives two different results for the same scores (its own cell says so)."""
    Z = core.rng("lab06.softmax.twice").normal(size=(5, 4)) * 2
    try:
        with np.errstate(all="ignore"):
            a, b = _kept(softmax(Z.copy())), _kept(softmax(Z.copy()))
    except Exception:
        return False
    return _first_change(a, b) is not None


#: N == n_x with the other sizes pairwise different: X is square, so code that reads X as (n_x, N) (a shape test
#: to orient X, a transpose) runs and gives wrong values instead of raising.  Its own draws (the other cases keep
#: theirs).
_SQUARE_X = (4, 4, 6, 3, _f64)


def _forward(fn, softmax=None):
    r = core.rng("lab06.forward")
    # Pairwise-different sizes first (a missing transpose raises there: the weight passed transposed names
    # it); then N == n_x; the last case has n_x == n_h == n_y, where a missing transpose gives wrong values instead.
    cases = [(7, 3, 6, 4, _f64), (1, 2, 3, 5, _f64), (8, 6, 5, 10, _f64), (4, 3, 5, 2, np.float32), _SQUARE_X,
             (5, 4, 4, 4, _f64)]
    pending = None      # a pairwise-different case that raised: re-raised after the square case had its say
    for N, nx, nh, ny, dt in cases:
        rr = core.rng("lab06.forward.square-X") if (N, nx, nh, ny, dt) == _SQUARE_X else r
        params = _params(rr, nx, nh, ny, dt)
        X = (rr.normal(size=(N, nx)) * 1.5).astype(dt)
        if pending is not None and (N, nx, nh, ny, dt) != cases[-1]:
            continue        # straight to the square case (the draws above keep every case's inputs as they were)
        before = _copy_dict(params)
        name = f"forward(params, X {X.shape}) with n_x={nx}, n_h={nh}, n_y={ny}, {np.dtype(dt).name}"
        try:
            got = _call_with_shape_hint(fn, params, X, name=name, hint=_FORWARD_HINT)
        except core.CheckFailure as exc:
            if softmax is not None and " raised " in str(exc) and "not implemented" not in str(exc) \
                    and _own_softmax_outputs(softmax, oracle_forward(params, X)[1]) is None:
                # Their softmax fails on these scores too: that is the softmax cell's mistake.  The batch
                # of one sample keeps a keepdims-less softmax from raising, so forward is still judged
                # there; if every case fails like this, forward gets the benefit of the doubt.
                continue
            _explain_foreign_function(exc, name)
            if " raised " in str(exc):
                _explain_dict_changed_on_square(
                    fn, exc, "forward", lambda q: ((_params(q, 4, 4, 4), q.normal(size=(4, 4))), ("params", None)))
                _explain_transposed_weights(fn, params, X, name)
                if pending is None and (N, nx, nh, ny, dt) != cases[-1]:
                    # the square case at the end gives wrong values instead, which a diagnosis may name
                    pending = exc
                    continue
            raise
        _unchanged(before, params, "forward", "params")
        if not isinstance(got, tuple) or len(got) != 2:
            alone = (" (yhat alone: the outputs dict, which backward reads, is not returned: return Yhat, outputs)"
                     if isinstance(got, np.ndarray) and got.shape == (N, ny) else "")
            core.fail(f"forward must return a pair (yhat, outputs), got {_returned(got)}{alone}", "wrong-return-type")
        if isinstance(got[0], dict) and isinstance(got[1], np.ndarray):
            core.fail("forward returned (outputs, yhat): return (yhat, outputs) in that order", "return-order")
        yhat, outputs = got
        _expect_dict(outputs, OUTPUT_NAMES, "forward (the outputs dict)")
        exp_yhat, exp = oracle_forward(params, X)
        if _outputs_match(outputs, exp) and _near(yhat, exp_yhat):
            continue
        own = _own_softmax_outputs(softmax, exp)
        if own is not None and _outputs_match(outputs, own[1]) and _near(yhat, own[0]):
            continue      # right forward pass around a wrong softmax: the softmax cell pays for it
        wrong = {
            **({f"with N == n_x == {nx} (a square X) your forward computed as if X were (n_x, N), with X.T: X is "
                f"always (N, n_x), one sample per row, even when it is square (a test of X.shape to orient X, or a "
                f"transpose, goes wrong exactly when N == n_x): H~ = X W_h^T + b_h^T":
                lambda: oracle_forward(params, X.T)[1]} if N == nx else {}),
            "tanh was applied to the input X and the hidden layer left linear (H~ = tanh(X) W_h^T + b_h^T, H = H~): "
            "the activation comes after the affine map, H~ = X W_h^T + b_h^T, then H = tanh(H~)":
                lambda: _tanh_on_input(params, X),
            "the output scores were computed from htilde, the pre-activation, instead of h = tanh(htilde): "
            "Y~ = H W_y^T + b_y^T": lambda: oracle_forward(params, X, scores_from="htilde")[1],
            "yhat is ytilde divided by its row sums: the exp of the softmax is missing, Yhat = softmax(Ytilde) = "
            "exp(Ytilde) / the row sums of exp(Ytilde) (call your softmax)":
                lambda: {**exp, "yhat": exp["ytilde"] / exp["ytilde"].sum(axis=1, keepdims=True)},
            "softmax applied twice (Y^ = softmax(softmax(Y~)))": lambda: oracle_forward(params, X, softmax_twice=True)[1],
            "tanh applied twice: the output scores were computed from tanh(h), but h = tanh(htilde) is already the "
            "activation: Y~ = H W_y^T + b_y^T with H itself":
                lambda: oracle_forward(params, X, scores_from="tanh(h)")[1],
            "W_h used without transpose: H~ = X W_h^T + b_h^T since W_h is (n_h, n_x)":
                lambda: oracle_forward(params, X, transpose_wh=False)[1],
            "the sigmoid was used instead of tanh": lambda: oracle_forward(
                params, X, act=lambda z: 1 / (1 + np.exp(-z)))[1],
            "the tanh activation is missing (h = h~)": lambda: oracle_forward(params, X, act=lambda z: z)[1],
            "ReLU was used instead of tanh": lambda: oracle_forward(params, X, act=lambda z: np.maximum(z, 0))[1],
            "LeCun's scaled tanh 1.7159 * tanh(2/3 * htilde) was used: the practical's activation is the plain tanh, "
            "H = np.tanh(Htilde)": lambda: oracle_forward(params, X, act=lambda z: 1.7159 * np.tanh(2.0 / 3.0 * z))[1],
            **({"the biases are missing": lambda: oracle_forward(params, X, bias=False)[1]}
               if _near(outputs["h"], oracle_forward(params, X, bias=False)[1]["h"]) else {}),   # h too: confirmed
            "softmax normalised over the wrong axis (one distribution per row)":
                lambda: oracle_forward(params, X, softmax_axis=0)[1],
            "tanh is applied to the output scores too: y~ = W_y h + b_y has no activation before the softmax":
                lambda: oracle_forward(params, X, out_act=np.tanh)[1],
            "yhat holds one-hot predictions (a 1 at each row's largest probability, 0 elsewhere): yhat must be the "
            "probabilities softmax(ytilde) themselves (the loss takes their log and backward uses yhat - y); "
            "the argmax belongs in the accuracy only":
                lambda: {**exp, "yhat": np.eye(ny, dtype=exp["yhat"].dtype)[np.argmax(exp["yhat"], axis=1)]},
        }
        shape = {"X": (N, nx), "htilde": (N, nh), "h": (N, nh), "ytilde": (N, ny), "yhat": (N, ny)}
        _explain_bias_after_activation(outputs, params, X, exp, f"forward (N={N}, n_x={nx}, n_h={nh}, n_y={ny})")
        for k in OUTPUT_NAMES:
            label = f"forward: outputs['{k}'] (N={N}, n_x={nx}, n_h={nh}, n_y={ny})"
            _explain_ones_column(outputs[k], exp[k], shape[k], label)
            if k == "yhat" and _near(outputs["ytilde"], exp["ytilde"]):
                for src in ("htilde", "h"):
                    if _near(outputs[k], oracle_softmax(exp[src])) and shape[src] != shape[k]:
                        core.fail(f"{label}: expected shape {shape[k]}, got {shape[src]}: your yhat is the softmax "
                                  f"of {src} (the hidden layer, n_h={nh} columns), not of ytilde (the output scores, "
                                  f"n_y={ny} columns): Yhat = softmax(Ytilde)", "softmax-of-hidden")
            for other in OUTPUT_NAMES:
                if other != k and shape[other] != shape[k] and np.shape(outputs[k]) == shape[other] \
                        and _near(outputs[k], exp[other]):
                    core.fail(f"{label}: expected shape {shape[k]}, got {shape[other]}: it holds the values of "
                              f"'{other}', not of '{k}': the name stored under '{k}' was rebound to the next array "
                              f"before the dict was built (X = H = np.tanh(...), a variable reused for the next "
                              f"layer?); keep each intermediate under its own name", "outputs-rebound")
            core.expect_array(outputs[k], name=label, shape=shape[k])
            if not _near(outputs[k], exp[k]):
                if k == "h" and _near(outputs[k], exp["htilde"]) and not _near(outputs["ytilde"], exp["ytilde"]):
                    # outputs['htilde'] was right (checked first): H = H~, the activation was never applied
                    core.fail(f"{label} equals the pre-activation htilde: the tanh is missing, "
                              f"H = np.tanh(Htilde)", "tanh-missing")
                if k == "h" and _near(outputs["htilde"], exp["htilde"]):
                    _explain_batch_standardised(np.asarray(outputs[k], _f64), np.asarray(outputs["htilde"], _f64),
                                                label)
                    _explain_dependencies(fn, params, X, k, label)     # h not from the stored htilde
                if k == "h" and _near(outputs["htilde"], exp["htilde"]) and not any(
                        _gives(outputs[k], f, k) for f in wrong.values()):
                    ht, h = np.asarray(outputs["htilde"], _f64), np.asarray(outputs[k], _f64)
                    _explain_batch_standardised(h, ht, label)
                    i = np.unravel_index(int(np.argmax(np.abs(h - np.tanh(ht)))), h.shape)
                    if np.allclose(h, np.clip(ht, -1.0, 1.0), rtol=1e-6, atol=1e-8):
                        core.fail(f"{label} is htilde clipped to [-1, 1] (a hard tanh, np.clip(Htilde, -1, 1)): at "
                                  f"htilde = {ht[i]:.4g} your h is {h[i]:.4g}, np.tanh gives {np.tanh(ht[i]):.4g}: "
                                  f"the activation is the smooth tanh, H = np.tanh(Htilde)", "activation-hard-tanh")
                    core.fail(f"{label} is not tanh(outputs['htilde']) although htilde is right: at htilde = "
                              f"{ht[i]:.4g} your h is {h[i]:.4g}, np.tanh gives {np.tanh(ht[i]):.4g}: the activation "
                              f"applied to Htilde must be exactly H = np.tanh(Htilde)", "activation-not-tanh")
                for other in OUTPUT_NAMES:
                    if other != k and shape[other] == shape[k] and _near(outputs[k], exp[other]):
                        core.fail(f"{label} holds the values of outputs['{other}']: store each intermediate "
                                  f"under its own name (an in-place operation such as np.tanh(Htilde, out=Htilde) "
                                  f"or Htilde[...] = ... also changes the array already stored under "
                                  f"'{k}')", "outputs-swapped")
            try:
                _expect_close(outputs[k], exp[k], name=label,
                              diagnose={m: (lambda f=f, k=k: f()[k]) for m, f in wrong.items()})
            except core.CheckFailure as exc:
                if exc.diagnosis in _UNNAMED and k == "yhat" and _near(outputs["ytilde"], exp["ytilde"]):
                    _explain_dependencies(fn, params, X, k, label)
                    core.fail(f"{label} is not softmax(outputs['ytilde']) although ytilde is right: the probabilities "
                              f"are the softmax of the output scores, Yhat = softmax(Ytilde) (call your softmax)",
                              "yhat-not-softmax-of-ytilde")
                if exc.diagnosis in _UNNAMED and k == "htilde":
                    _explain_zero_input(fn, params, X, label)
                if exc.diagnosis in _UNNAMED:
                    _explain_transposed_weights(fn, params, X, label)
                    _explain_dependencies(fn, params, X, k, label)
                    _explain_inputs(fn, params, X, k, label, exc)
                raise
        core.expect_array(yhat, name="forward: the returned yhat", shape=(N, ny))
        _expect_close(yhat, exp_yhat, name="forward: the returned yhat (must equal outputs['yhat'])", diagnose={
                              "the returned yhat must be the probabilities softmax(ytilde), not the scores "
                              "ytilde": exp["ytilde"]})
    if pending is not None:
        raise pending
    _results_kept(fn, "forward", _FORWARD_TWICE, r)
    _forward_state(fn, True)
    _forward_tiny_probabilities(fn, softmax)
    _forward_large_scores(fn, softmax, r)
    _forward_large_hidden(fn)


#: The check's driver, run where the student's code runs (in the kernel under the judge): two calls of the same
#: function on different inputs, and what the FIRST call returned, copied right after it and again after the second.
_CALL_TWICE = """
def call_twice(fn, first, second):
    def keep(v):
        if isinstance(v, dict):
            return {k: keep(x) for k, x in v.items()}
        if isinstance(v, (tuple, list)):
            return type(v)(keep(x) for x in v)
        return v.copy() if hasattr(v, "copy") else v

    def shared(a, b):
        if isinstance(a, dict) and isinstance(b, dict):
            return a is b or any(shared(x, b.get(k)) for k, x in a.items())
        if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
            return any(shared(x, y) for x, y in zip(a, b))
        return False

    a = fn(*first)
    kept = keep(a)
    b = fn(*second)
    return kept, keep(a), shared(a, b)
"""


def _forward_twice(r):
    """Two forward calls on the same params and different batches: (first args, second args, label)."""
    params = _params(r, 3, 4, 2)
    return (params, r.normal(size=(5, 3))), (params, r.normal(size=(6, 3))), \
        "forward(params, X1) then forward(params, X2)"


def _backward_twice(r):
    """Two backward calls on different batches: (first args, second args, label)."""
    params = _params(r, 3, 4, 2)
    out1 = oracle_forward(params, r.normal(size=(5, 3)))[1]
    out2 = oracle_forward(params, r.normal(size=(6, 3)))[1]
    return (params, out1, _onehot(r, 5, 2)), (params, out2, _onehot(r, 6, 2)), \
        "backward(params, outputs1, Y1) then backward(params, outputs2, Y2)"


_FORWARD_TWICE, _BACKWARD_TWICE = _forward_twice, _backward_twice


def _first_change(before, after, path="") -> str | None:
    """Where ``after`` differs from ``before`` (nested dicts, tuples, arrays): "['X']", or None when equal."""
    if isinstance(before, dict):
        if not isinstance(after, dict) or set(before) != set(after):
            return path or "its keys"
        for k in before:
            found = _first_change(before[k], after[k], f"{path}[{k!r}]")
            if found:
                return found
        return None
    if isinstance(before, (tuple, list)):
        if not isinstance(after, (tuple, list)) or len(before) != len(after):
            return path or "its length"
        for i, (b, a) in enumerate(zip(before, after)):
            found = _first_change(b, a, f"{path}[{i}]")
            if found:
                return found
        return None
    if isinstance(before, np.ndarray):
        ok = isinstance(after, np.ndarray) and after.shape == before.shape and np.array_equal(after, before,
                                                                                              equal_nan=True)
        return None if ok else (path or "the array")
    return None


def _result_path(fn_name: str, where: str | None) -> str:
    """"outputs['X']" for the path "[1]['X']" of forward's (yhat, outputs); "grads['Wy']" for backward's dict."""
    where = where or ""
    if fn_name == "forward":
        for i, part in enumerate(("yhat", "outputs")):
            if where.startswith(f"[{i}]"):
                return part + where[len(f"[{i}]"):]
        return "(yhat, outputs)"
    return "grads" + (where if where.startswith("[") else "")


def _results_kept(fn, fn_name, inputs, r) -> None:
    """Property: what one call returned is not changed by a later call.  A dict kept between calls (a mutable default
    argument, def forward(params, X, cache={}), a global, an attribute of the function) is the same object at every
    call, so the next call overwrites the outputs the caller still holds (the training loop's forward on a validation
    batch then feeds backward the validation batch's h).  Run in the kernel: both calls' results are the student's own
    objects there (a copy crossing to the judge would hide that they are shared).  Only a function that passed its
    cases gets here."""
    first, second, label = inputs(r)
    try:
        run = core.kernel_functions(_CALL_TWICE)["call_twice"]
        with np.errstate(all="ignore"):
            kept, now, shared = run(fn, first, second)
    except Exception:
        return                       # a call that raises on these inputs is named by the cases
    where = _first_change(kept, now)
    if where is None and not shared:
        return
    what = f"the first call's {_result_path(fn_name, where)}"
    core.fail(f"{label}: {what} was changed by the second call"
              + (" (both calls returned the same dict, or arrays of it)" if shared else "")
              + f": {fn_name} keeps what it returns in one object shared by every call, so each call overwrites the "
              f"results the caller still holds (a mutable default argument such as def {fn_name}(..., cache={{}}) is "
              f"created once, when the function is defined, not at each call; a global dict or an attribute of the "
              f"function behaves the same): build a new dict (and new arrays) in every call, "
              f"{'outputs' if fn_name == 'forward' else 'grads'} = {{...}}", "results-shared-between-calls")


#: NumPy functions defined on part of the real line only, which the network x -> tanh -> softmax never calls: a
#: warning raised in one of them names that function (the student's own softmax may take a log: not listed).
_FOREIGN = {"arctanh": "the inverse of tanh", "arcsin": "the inverse of sin", "arccos": "the inverse of cos",
            "arccosh": "the inverse of cosh", "sqrt": "a square root"}


def _explain_foreign_function(exc: core.CheckFailure, name: str) -> None:
    """A NumPy warning raised in a function the network never uses (np.arctanh, np.log, np.sqrt...): that function is
    the mistake, not the numerical stability of the right one."""
    warned = getattr(exc, "warning", None)
    used = re.search(r"encountered in (\w+)\s*$", warned or "")
    if exc.diagnosis != "not-numerically-stable" or not used or used.group(1) not in _FOREIGN:
        return
    f = used.group(1)
    core.fail(f"{name}: numpy warned '{warned}': your forward calls np.{f}, which the network x -> tanh -> softmax "
              f"never uses (np.{f} is {_FOREIGN[f]}, defined only on part of the real line, hence the warning on "
              f"these inputs); the "
              f"hidden layer is h = np.tanh(htilde) and the output yhat = softmax(ytilde)", "foreign-function")


def _gives(got, mistake, k) -> bool:
    """A catalogued forward mistake gives ``got`` as outputs[k] (False when it does not apply to these shapes)."""
    try:
        return _near(got, mistake()[k])
    except ValueError:
        return False


def _explain_bias_after_activation(outputs, params, X, exp, label) -> None:
    """htilde stored without b_h and h = tanh(X W_h^T) + b_h^T: the bias is added after the activation."""
    try:
        Ht, H = np.asarray(outputs["htilde"], _f64), np.asarray(outputs["h"], _f64)
    except (KeyError, TypeError, ValueError):
        return
    lin = np.asarray(X, _f64) @ np.asarray(params["Wh"], _f64).T
    after = np.tanh(lin) + np.asarray(params["bh"], _f64).T
    if Ht.shape == lin.shape and H.shape == after.shape and _near(Ht, lin) and _near(H, after) \
            and not _near(after, exp["h"]):
        core.fail(f"{label}: outputs['h'] is tanh(X W_h^T) + b_h^T: the bias b_h is added after the tanh, so "
                  f"htilde lacks it; it belongs inside, H~ = X W_h^T + b_h^T, then H = tanh(H~)",
                  "bias-after-activation")


#: Scores spread about 25 apart in one row: the smallest probabilities are near 1e-11.  float64 holds them to about
#: 1e-16 relative; the log in the loss and yhat - y in backward use them as they are.
_TINY_SCORES = np.array([[12.0, -13.5, 0.5, -7.25], [-11.0, 14.0, 3.0, -2.5], [0.25, -0.5, 24.5, 1.0]])


def _tiny_entries(got, want) -> str | None:
    """Where ``got`` is not ``want`` to a relative 1e-4 on every entry, the tiny ones too (float32 arithmetic holds
    each to ~1e-7; rounding to 6 decimals or an epsilon changes the tiny ones entirely): the worst entry, or None."""
    try:
        g = np.asarray(got, dtype=_f64)
    except (TypeError, ValueError):
        return None
    if g.shape != want.shape or not np.all(np.isfinite(g)):
        return None
    rel = np.abs(g - want) / want
    if float(rel.max()) <= 1e-4:
        return None     # float32 arithmetic (accepted: a float32 softmax is a correct variant) holds each to ~1e-7
    i = np.unravel_index(int(np.argmax(rel)), rel.shape)
    sums = g.sum(axis=1)
    half = ""
    if getattr(got, "dtype", None) == np.float16 or (np.all(g.astype(np.float16).astype(_f64) == g)
                                                      and not np.all(want.astype(np.float16).astype(_f64) == want)):
        half = ("; every value is a float16 number (about 3 significant digits, nothing below 6e-8): the computation "
                "went through float16 (.astype(np.float16) or a float16 array); compute in the dtype of Z (float64 "
                "here) or at least float32")
    return (f"the entry {tuple(int(v) for v in i)} is {g[i]:.6g} where softmax gives {want[i]:.6g} (relative error "
            f"{float(rel[i]):.2g}, where even float32 holds each probability to about 1e-7 of itself), and the rows "
            f"sum to {', '.join(f'{v:.10g}' for v in sums)}{half}")


_TINY_WORDS = ("every probability must be exp(z - max) / sum to its own precision, also the tiny ones (the loss takes "
               "their log, backward uses yhat - y): no rounding (np.round(..., 6), a format), no clip or epsilon "
               "added to them")


def _softmax_tiny_probabilities(fn) -> None:
    """Float64 scores spread 25 apart: probabilities down to 1e-11, each held by float64 to 1e-16 relative.  The
    cases compare with an absolute tolerance (a tiny probability rounded to 0 passes them); this one asks each
    probability to a relative 1e-4 of itself, tiny ones included (a float32 softmax, a correct variant, passes)."""
    name = f"softmax(Z {_TINY_SCORES.shape}, float64) with scores spread about 25 apart in a row"
    try:
        got = fn(_TINY_SCORES.copy())
    except Exception:   # a call that fails here failed in the cases too
        return
    said = _tiny_entries(got, oracle_softmax(_TINY_SCORES))
    if said is not None:
        core.fail(f"{name}: {said}: {_TINY_WORDS}", "softmax-imprecise")


def _forward_tiny_probabilities(fn, softmax_fn) -> None:
    """forward on float64 inputs whose output scores are spread far apart: yhat must be softmax(ytilde) to
    a relative 1e-4, entry by entry (a yhat rounded or clipped inside forward passes the cases' absolute tolerance).
    When the student's own softmax gives the same imprecise numbers on the same scores, the softmax cell pays."""
    nx, nh = 3, 4
    r = core.rng("lab06.forward-tiny")
    X = r.normal(size=(3, nx))
    params = {"Wh": r.normal(size=(nh, nx)), "bh": r.normal(size=(nh, 1)) * 0.1,
              "Wy": r.normal(size=(4, nh)) * 9.0, "by": r.normal(size=(4, 1))}
    exp_yhat, exp = oracle_forward(params, X)
    name = f"forward(params, X {X.shape}) with output scores spread up to {np.ptp(exp['ytilde'], axis=1).max():.0f} apart"
    try:
        yhat, outputs = fn({k: v.copy() for k, v in params.items()}, X.copy())
        ytilde = np.asarray(outputs["ytilde"], dtype=_f64)
    except Exception:   # a call that fails here failed in the cases too
        return
    if not core.close(ytilde, exp["ytilde"], 1e-9, 1e-9):
        return          # the scores themselves are judged by the cases
    want = oracle_softmax(ytilde)
    for label, got in (("outputs['yhat']", outputs.get("yhat")), ("the returned yhat", yhat)):
        said = _tiny_entries(got, want)
        if said is None:
            continue
        if softmax_fn is not None:
            try:
                own = np.asarray(softmax_fn(ytilde.copy()), dtype=_f64)
                if _tiny_entries(own, want) is not None:
                    return      # their softmax gives these numbers: the softmax cell pays
            except Exception:
                return
        core.fail(f"{name}: {label} is not softmax(outputs['ytilde']) to the precision of each probability: {said}: yhat is "
                  f"softmax(ytilde) as your softmax returns it, unchanged: {_TINY_WORDS}", "forward-yhat-imprecise")


#: The check's driver, run where the student's code runs: NumPy hands a new array memory that earlier arrays of
#: the same size freed (its small-block cache), so arrays filled with ``fill`` of every argument's size are made and
#: freed just before the call.  A result that reads memory the function never wrote (a ufunc with where= and no out=,
#: np.empty) then reads that fill instead of whatever was there.
_POISONED = """
def on_poisoned_memory(fn, args, fill):
    import numpy as np
    junk = []
    for a in args:
        a = np.asarray(a)
        for dt in (a.dtype, np.float64, np.float32):
            junk += [np.full(a.shape, fill, dtype=dt) for _ in range(8)]
            junk += [np.full(a.shape[:1], fill, dtype=dt) for _ in range(8)]
    del junk
    import warnings
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        with np.errstate(all="ignore"):
            out = fn(*args)
    return out, any("'where' used without 'out'" in str(w.message) for w in seen)
"""


def _poisoned_loss_args(failed: bool) -> list:
    """(args, label) pairs: one batch after the cases passed; after a failed case, also the cases' own batches."""
    r = core.rng("lab06.loss-poisoned")
    pairs = [((oracle_softmax(r.normal(size=(7, 3)) * 2), _onehot(r, 7, 3)), "loss_accuracy(Yhat (7, 3), Y (7, 3))")]
    if failed:
        for Yhat, Y in _loss_inputs():
            pairs.append(((Yhat, Y), f"loss_accuracy(Yhat {Yhat.shape}, Y {Y.shape}, {Yhat.dtype.name})"))
    return pairs


def _poisoned_softmax_args(failed: bool) -> list:
    """(args, label) pairs: one Z after the cases passed; after a failed case, also the cases' own Z."""
    pairs = [((core.rng("lab06.softmax-poisoned").normal(size=(5, 4)) * 2,), "softmax(Z (5, 4))")]
    if failed:
        pairs += [((Z,), f"softmax(Z {Z.shape}, {Z.dtype.name})") for _, Z in _softmax_inputs()]
    return pairs


def _on_poisoned_memory(fn, args, fn_name: str, fill: float) -> tuple[list[str], bool] | None:
    """What is wrong in the result of ``fn(*args)`` called right after arrays of ``fill`` were freed (see _POISONED):
    a list of descriptions, empty when right, and whether NumPy warned that a where= without out= leaves memory
    uninitialised; None when the call raised or returned something unreadable."""
    try:
        run = core.kernel_functions(_POISONED)["on_poisoned_memory"]
        with np.errstate(all="ignore"):
            got, warned = run(fn, [np.array(a, copy=True) for a in args], fill)
        warned = bool(warned)
    except Exception:
        return None                  # a call that raises on these inputs is named by the cases
    try:
        if fn_name == "loss_accuracy":
            values = [float(got[0]), float(got[1])]
            return [f"{k} is {v:.6g}, expected {w:.6g}" for k, v, w in zip(("L", "acc"), values, oracle_loss(*args))
                    if not core.close(v, w, 1e-6, 1e-9)], warned
        g, want = np.asarray(got, dtype=_f64), oracle_softmax(args[0])
        tol = cases.tolerance(np.asarray(args[0]), np.asarray(got), scale=float(np.abs(np.asarray(args[0], _f64)).max()))
    except Exception:
        return None
    if g.shape == want.shape and core.close(g, want, max(1e-6, tol["rtol"]), max(1e-9, tol["atol"])):
        return [], warned
    return [f"{np.count_nonzero(~np.isfinite(g))} entries are NaN or inf" if not np.all(np.isfinite(g))
            else "its values are wrong" if g.shape == want.shape
            else f"its result has shape {g.shape}, expected {want.shape}"], warned


def _reads_uninitialised_memory(fn, make_args, fn_name: str, after_cases: bool) -> None:
    """Property: the result depends on the arguments only, not on what the memory NumPy reuses held before.  The
    function is called right after arrays of NaN of its arguments' sizes were freed, and again after arrays of 0: a
    result wrong after the NaN and right after the 0 (or the reverse) reads memory it never wrote, confirmed by the
    two calls.  Asked after the cases passed (one call more) and after a failed case (the memory was NaN by chance),
    then on the cases' own inputs too."""
    for args, label in make_args(not after_cases):
        first = _on_poisoned_memory(fn, args, fn_name, float("nan"))
        if first is None or not first[0]:
            continue
        nan_bad, warned = first
        second = _on_poisoned_memory(fn, args, fn_name, 0.0)
        third = _on_poisoned_memory(fn, args, fn_name, float("nan"))
        if third is None or third[0] != nan_bad:
            continue        # the NaN call not repeated: the result drifts from call to call (state: asked next)
        if second is not None and second[0] != nan_bad:
            _uninitialised(label, nan_bad, second[0])
        if warned:
            # the same with both fills (the memory reused held the function's own temporaries), but NumPy itself
            # warned that the output of a where= without out= is uninitialised, on an input where the result is wrong
            core.fail(f"{label}: {'; '.join(nan_bad)}, and NumPy warned \"'where' used without 'out', expect "
                      f"uninitialized memory in output\" during this call: the entries where the where= condition is "
                      f"False were never written and hold whatever the memory held before (here an earlier "
                      f"temporary array's values); pass the array to fill, out=np.zeros_like(...) (or out= an array "
                      f"holding the value those entries must have), or avoid where=", "reads-uninitialised-memory")
        # the same with both fills and no warning: a wrong value, not uninitialised memory (the other questions judge it)


def _uninitialised(label: str, nan_bad: list[str], zero_bad: list[str]) -> None:
    core.fail(f"{label}: called right after arrays of NaN were freed (NumPy reuses freed memory for new arrays), "
              f"{'; '.join(nan_bad)}; right after arrays of 0 were freed, "
              f"{'; '.join(zero_bad) if zero_bad else 'it is right'}: your result reads memory it never "
              f"wrote. A NumPy function with where= and no out= (np.log(Yhat, where=Y > 0)) leaves the entries "
              f"where the condition is False uninitialised (whatever the memory held: 0 by luck, or NaN); pass the "
              f"array to fill, np.log(Yhat, out=np.zeros_like(Yhat), where=Y > 0), or avoid where= (np.empty "
              f"behaves the same)", "reads-uninitialised-memory")


def _forward_large_scores(fn, softmax_fn, r) -> None:
    """Scores of several hundreds (a large W_y): the probabilities must still be finite.  A forward pass that
    computes its own exp(Y~) / sum overflows; one whose call to the student's softmax overflows costs the
    softmax cell only."""
    params, X, exp_yhat, exp = _large_weights(r, "Wy")
    big = float(np.abs(exp["ytilde"]).max())
    _forward_scores_case(fn, softmax_fn, params, X, exp_yhat, exp,
                         f"forward(params, X {X.shape}) with scores |ytilde| up to {big:.0f} (a large W_y)")
    # every score far below 0 (b_y = -1000): exp of the unshifted scores underflows to 0 / 0
    params = _params(r, 3, 6, 4)
    params["by"] = params["by"] - 1000.0
    X = r.normal(size=(5, 3))
    exp_yhat, exp = oracle_forward(params, X)
    _forward_scores_case(fn, softmax_fn, params, X, exp_yhat, exp,
                         f"forward(params, X {X.shape}) with every score ytilde near -1000 (b_y = -1000)")


def _forward_scores_case(fn, softmax_fn, params, X, exp_yhat, exp, name) -> None:
    own = _own_softmax_outputs(softmax_fn, exp) if softmax_fn is not None else None
    if softmax_fn is not None and (own is None or not np.all(np.isfinite(np.asarray(own[0], dtype=_f64)))):
        return      # their softmax is what overflows here: the softmax cell pays for it
    why = (f"{name} is not numerically stable: yhat must be softmax(Ytilde) computed with your softmax "
           f"(which subtracts each row's maximum), not an exp(Ytilde) / sum written again inside forward, "
           f"which overflows on large scores and gives 0 / 0 when every score is far below 0")
    try:
        got = core.call(fn, params, X, name=name)
    except core.CheckFailure as exc:
        if exc.diagnosis == "not-numerically-stable":
            text = str(exc)
            warned = text.split("warned '", 1)[1].split("'", 1)[0] if "warned '" in text else "a warning"
            core.fail(f"{why}: numpy warned '{warned}'", "forward-overflow")
        raise
    _expect_finite_yhat(got, exp_yhat.shape, f"{why}: yhat contains NaN or inf", "forward-overflow")


def _forward_large_hidden(fn) -> None:
    """Hidden pre-activations of several thousands (a large W_h): tanh saturates to +-1, and np.tanh gives that
    exactly; a tanh written from exponentials, (e^h - e^-h) / (e^h + e^-h), overflows to inf / inf = NaN once
    |h| > ~710.  The output scores stay moderate (|h| <= 1 and a small W_y), so the softmax cannot overflow here."""
    params, X, exp_yhat, exp = _large_weights(core.rng("lab06.forward-large-hidden"), "Wh")
    big = float(np.abs(exp["htilde"]).max())
    name = f"forward(params, X {X.shape}) with hidden scores |htilde| up to {big:.0f} (a large W_h)"
    why = (f"{name} is not numerically stable: exp of a hidden score overflowed (the output scores here are small, "
           f"so it is not the softmax): a tanh written from exponentials, (e^h - e^-h) / (e^h + e^-h), gives "
           f"inf / inf = NaN once |h| > ~710; np.tanh(Htilde) saturates to +-1 instead")
    try:
        got = core.call(fn, params, X, name=name)
    except core.CheckFailure as exc:
        if exc.diagnosis == "not-numerically-stable" and "overflow" in str(exc):
            core.fail(why, "forward-tanh-overflow")
        raise
    _expect_finite_yhat(got, exp_yhat.shape, f"{why} (yhat contains NaN or inf)", "forward-tanh-overflow")
    _expect_saturated_tanh(got, exp, name)


def _expect_saturated_tanh(got, exp, name) -> None:
    """With htilde right at |htilde| of thousands, h must be tanh(htilde) = +-1 to float64 precision: a tanh
    computed on clipped scores (np.clip(Htilde, -5, 5): tanh(5) = 0.99991) or an approximation is wrong there,
    although it passes on moderate scores."""
    try:
        outputs = got[1]
        ht = np.asarray(outputs["htilde"], dtype=_f64)
        h = np.asarray(outputs["h"], dtype=_f64)
    except Exception:
        return
    if ht.shape != exp["htilde"].shape or h.shape != ht.shape or not _near(ht, exp["htilde"]):
        return
    bad = ~np.isclose(h, np.tanh(ht), rtol=1e-7, atol=1e-9)
    if not bad.any():
        return
    i = np.unravel_index(int(np.argmax(np.where(bad, np.abs(h - np.tanh(ht)), -1.0))), h.shape)
    smallest = float(np.abs(ht[bad]).min())
    core.fail(f"{name}: outputs['h'] is not tanh(htilde) for large scores: at htilde = {ht[i]:.4g} your h is "
              f"{h[i]:.8g}, np.tanh gives {np.tanh(ht[i]):.8g} (wrong for |htilde| >= {smallest:.3g}): the activation "
              f"must be exactly np.tanh(Htilde), which saturates to +-1 by itself: do not clip htilde or approximate "
              f"tanh", "tanh-wrong-when-saturated")


def _expect_finite_yhat(got, shape: tuple, message: str, diagnosis: str) -> None:
    """Fail with ``message`` when forward's yhat (got[0]) has the expected ``shape`` and a NaN or inf; a yhat of
    another shape or type is the other checks' to judge."""
    try:
        yhat = np.asarray(got[0], dtype=_f64)
    except Exception:
        return
    if yhat.shape == shape and not np.isfinite(yhat).all():
        core.fail(message, diagnosis)


def _large_weights(r, key: str):
    """(params, X, expected yhat, expected outputs) of a (5, 3) batch through (n_h, n_y) = (6, 4) with the weight
    ``key`` ("Wh" or "Wy") scaled by 2000: scores of several hundreds or thousands."""
    N, nx, nh, ny = 5, 3, 6, 4
    params = _params(r, nx, nh, ny)
    params[key] = params[key] * 2000.0
    X = r.normal(size=(N, nx)) * 1.5
    exp_yhat, exp = oracle_forward(params, X)
    return params, X, exp_yhat, exp


def _explain_zero_input(fn, params, X, label) -> None:
    """Property: with X = 0 the input contributes nothing, so every row of htilde is b_h^T (the bias alone).  An
    htilde that is, in every row, a column of W_h instead shows a column of ones meeting that weight column (the bias
    trick with [1 | X] and [W_h | b_h] misaligned)."""
    Z = np.zeros_like(np.asarray(X))
    try:
        ht = np.asarray(fn(_copy_dict(params), Z)[1]["htilde"], dtype=_f64)
    except Exception:   # a probe that fails says nothing
        return
    Wh, bh = params["Wh"], params["bh"][:, 0]
    N, nh = len(Z), len(bh)
    if ht.shape != (N, nh) or _near(ht, np.tile(bh, (N, 1))):
        return
    cols = [j for j in range(Wh.shape[1]) if _near(ht, np.tile(Wh[:, j], (N, 1)))]
    if len(cols) == 1:
        j = cols[0]
        core.fail(f"{label}: with X = 0 (forward(params, np.zeros(...))) htilde must be b_h^T in every row, the bias "
                  f"alone; yours is column {j} of W_h in every row: a column of ones meets column {j} of W_h instead "
                  f"of b_h (the bias trick misaligned: the ones column of the augmented X and the column b_h of the "
                  f"augmented W_h must sit at the same position, both first or both last); or without the trick, "
                  f"H~ = X W_h^T + b_h^T", "htilde-at-zero-input-weight-column")


def _explain_transposed_weights(fn, params, X, label) -> None:
    """Pass one weight matrix transposed: if forward then gives the right pass for the original parameters,
    it multiplies by that weight without its transpose (whatever the sizes: a shape error or wrong values)."""
    want = oracle_forward(params, X)[1]
    for k, formula in (("Wh", "H~ = X W_h^T + b_h^T, W_h being (n_h, n_x)"),
                       ("Wy", "Y~ = H W_y^T + b_y^T, W_y being (n_y, n_h)")):
        if params[k].shape[0] == params[k].shape[1]:
            continue
        changed = _copy_dict(params)
        changed[k] = np.ascontiguousarray(changed[k].T)
        try:
            outputs = fn(changed, X.copy())[1]
        except Exception:
            continue
        if _outputs_match(outputs, want):
            core.fail(f"{label}: params['{k}'] is used without its transpose (your forward gives the right result "
                      f"when it is given params['{k}'].T): {formula}", f"{k.lower()}-not-transposed")


# Which parameters each stored intermediate depends on (H~ = X W_h^T + b_h^T, ...).
_DEPENDS = {"htilde": {"Wh", "bh"}, "h": {"Wh", "bh"}, "ytilde": set(PARAM_NAMES), "yhat": set(PARAM_NAMES)}


def _explain_dependencies(fn, params, X, k, label) -> None:
    """outputs[k] is wrong and no catalogued mistake matches: change one parameter at a time and say
    which of them outputs[k] wrongly depends on, or ignores (a copy-pasted b_y in the hidden layer...)."""
    if k not in _DEPENDS:
        return
    try:
        base = np.asarray(fn(_copy_dict(params), X.copy())[1][k], dtype=_f64)
    except Exception:
        return
    up = {"h": "htilde", "ytilde": "h", "yhat": "ytilde"}.get(k)      # the stored output k is computed from
    try:
        base_up = np.asarray(fn(_copy_dict(params), X.copy())[1][up], dtype=_f64) if up else None
    except Exception:
        base_up = None
    r = np.random.default_rng(7)
    extra, ignored, through = [], [], []
    for name in PARAM_NAMES:
        changed = _copy_dict(params)
        changed[name] = changed[name] + r.normal(size=changed[name].shape).astype(changed[name].dtype)
        try:
            outs = fn(changed, X.copy())[1]
            moved = not _near(outs[k], base)
            moved_up = base_up is not None and not _near(outs[up], base_up)
        except Exception:
            return
        if moved and name not in _DEPENDS[k]:
            extra.append(name)
        elif not moved and name in _DEPENDS[k]:
            ignored.append(name)
            if moved_up:
                through.append(name)
    if through:
        # confirmed on the student's own outputs: the stored intermediate moves with the parameter, k does not
        words = {"Wh": "W_h", "bh": "b_h", "Wy": "W_y", "by": "b_y"}
        recomputed = {"htilde": "the pre-activation", "h": "the hidden layer", "ytilde": "the output scores"}[up]
        uses = {"htilde": "H = tanh(H~) of outputs['htilde'] itself",
                "h": "Y~ = H W_y^T + b_y^T with H = outputs['h'] itself",
                "ytilde": "Y^ = softmax(Y~) of outputs['ytilde'] itself"}[up]
        without = oracle_forward({**params, **{n: np.zeros_like(params[n]) for n in through}}, X)[1][k]
        # the reading "computed again without that parameter" is told only when it gives the student's k
        again = (f" ({recomputed} computed a second time, without {', '.join(words[n] for n in through)}: your "
                 f"{k} is what that gives)" if _near(base, without) else "")
        core.fail(f"{label} does not change when params{through} change{'s' if len(through) == 1 else ''}, although "
                  f"your outputs['{up}'] does: {k} was not computed from the stored {up}{again}: {uses}",
                  "not-from-stored-intermediate")
    formula = {"htilde": "H~ = X W_h^T + b_h^T", "h": "H = tanh(X W_h^T + b_h^T)",
               "ytilde": "Y~ = H W_y^T + b_y^T", "yhat": "Y^ = softmax(H W_y^T + b_y^T)"}[k]
    if extra:
        core.fail(f"{label} changes when params{extra} change{'s' if len(extra) == 1 else ''}, which it must not "
                  f"depend on ({formula}): a parameter of the other layer used here (copy-paste?)", "wrong-parameter-used")
    if ignored:
        core.fail(f"{label} does not change when params{ignored} change{'s' if len(ignored) == 1 else ''} "
                  f"({formula}): that parameter is not used", "parameter-ignored")


def _explain_inputs(fn, params, X, k, label, exc) -> None:
    """outputs[k] is wrong, every parameter it should use moves it: re-run forward with one input (X or a parameter)
    switched off or moved, and say which term the error comes from (isolate.explain_arguments)."""
    def student(Xa, Wh, bh, Wy, by):
        return np.asarray(fn({"Wh": Wh, "bh": bh, "Wy": Wy, "by": by}, Xa)[1][k], _f64)

    def oracle(Xa, Wh, bh, Wy, by):
        return oracle_forward({"Wh": Wh, "bh": bh, "Wy": Wy, "by": by}, Xa)[1][k]
    r, a = _tol(oracle_forward(params, X)[1][k])
    if k in ("htilde", "h"):
        # H~ - b_h^T = X W_h^T is linear in X: doubling X must double it.  One that does not move at all rescales X.
        flat = dict(params, bh=np.zeros_like(params["bh"]))
        try:
            once, twice = student(X, *flat.values()), student(2 * X, *flat.values())
        except Exception:   # a probe that fails says nothing
            once = twice = None
        if once is not None and k == "htilde" and np.any(once) and _near(twice, once) \
                and not _near(oracle(2 * X, *flat.values()), oracle(X, *flat.values())):
            core.fail(f"{label}: with b_h = 0, your htilde does not change when X is doubled, while X W_h^T doubles: "
                      f"X is rescaled or normalised inside forward (e.g. X / X.max()); forward must use X as given, "
                      f"H~ = X W_h^T + b_h^T", "forward-rescales-x")
    found = isolate.explain_arguments(student, oracle, {"X": X, **{n: params[n] for n in PARAM_NAMES}},
                                      rtol=max(r, 1e-4), atol=max(a, 1e-6), tag=label)
    if found:
        terms = {"X": "X, in X W_h^T", "Wh": "W_h, X W_h^T", "bh": "b_h, + b_h^T", "Wy": "W_y, H W_y^T",
                 "by": "b_y, + b_y^T"}
        text = found[0]
        for n, words in terms.items():
            text = text.replace(f"the term that uses {n} ", f"the term that uses {words} ")
        core.fail(f"{label}: {text} ({str(exc).split(': ', 1)[-1]})", f"forward-{found[1]}")


def _loss_hint(text: str) -> str:
    if "converted to Python scalars" in text or "only length-1 arrays" in text or "only 0-dimensional" in text:
        return ("float() of an array: L (or acc) is still an array with one value per sample (or per class); "
                "reduce it to one number: the mean over the batch of the per-sample sums")
    if "IndexError" in text and "arrays used as indices must be of integer (or boolean) type" in text:
        return ("a float array was used as an index: Y is one-hot, (N, n_y) of 0.0 and 1.0, not a vector of integer "
                "labels, so it cannot index the classes (an integer-label recipe such as Yhat[np.arange(N), y]?); "
                "with one-hot Y the loss needs no indexing, -sum_i Y_i log Yhat_i per row; the integer labels, if you "
                "want them, are Y.argmax(axis=1)")
    return "compare class indices with class indices: np.argmax(Yhat, axis=1) == np.argmax(Y, axis=1)"


def _loss_case(fn, Yhat, Y):
    def run():
        N, ny = Y.shape
        name = f"loss_accuracy(Yhat {Yhat.shape}, Y {Y.shape}, {Yhat.dtype.name})"
        got = _call_with_shape_hint(fn, Yhat, Y, name=name, hint=_loss_hint,
                                    want=lambda: np.array(oracle_loss(Yhat, Y), dtype=_f64))
        if not isinstance(got, tuple) or len(got) != 2:
            core.fail(f"loss_accuracy must return a pair (L, acc), got {_returned(got)}", "wrong-return-type")
        L = core.expect_scalar(got[0], name=f"{name}: L")
        acc = core.expect_scalar(got[1], name=f"{name}: acc")
        eL, eacc = oracle_loss(Yhat, Y)
        if not core.close(L, eL, _RTOL, 1e-9) and core.close(L, eacc, _RTOL, 1e-9) and core.close(acc, eL, _RTOL, 1e-9):
            core.fail(f"{name} returned (acc, L): return (L, acc) in that order", "return-order")
        Yh64 = Yhat.astype(_f64)
        if not core.close(L, eL, _RTOL, 1e-9):
            _explain_one_row_counted(fn, Yhat, Y, L, 0, f"{name}: L")
        if not core.close(acc, eacc, 0, 1e-9):
            _explain_one_row_counted(fn, Yhat, Y, acc, 1, f"{name}: acc")
        _expect_float64_loss(fn, Yhat, L, eL, name)
        # float32 precision: a sound float32 computation of the loss passes; every mistake is far larger
        _expect_loss(fn, Yhat, Y, L, eL, name, diagnose={
            "the loss is summed over the batch; it must be the mean (1/N)": eL * N,
            "the one-hot labels are ignored (sum over classes of -log y^ instead of -log y^ of the true class)":
                lambda: -np.mean(np.sum(np.log(Yh64), axis=1)),
            "averaged over the classes too (divided by N * n_y): average over the N samples only, summing over "
            "the classes": eL / ny,
            "divided by the number of classes n_y (Y.shape[1]) instead of the batch size N (Y.shape[0])":
                (eL * N / ny) if N != ny else None,
            "-log of the largest predicted probability (the predicted class), not of the true class: pick y^ of "
            "the true class with the one-hot Y": lambda: -float(np.mean(np.log(Yh64.max(axis=1)))),
            "softmax applied twice (yhat is already a probability vector)":
                lambda: oracle_loss(oracle_softmax(Yh64), Y)[0],
            "sign error: the cross-entropy is -sum y log y^": -eL,
            "log10 instead of the natural logarithm np.log": eL / math.log(10),
            "-log(1 - y^) of the true class: the cross-entropy is -log y^ of the true class":
                lambda: -float(np.mean(np.sum(Y * np.log1p(-np.clip(Yh64, 0, 1 - 1e-12)), axis=1))),
        })
        _expect_acc(acc, eacc, N, ny, name=f"{name}: acc", diagnose=_acc_mistakes(Yh64, Y),
                    confirm=lambda: _acc_all_right(fn, Yhat), second=lambda: _acc_second(fn, (N, ny)),
                    third=lambda: _acc_all_right_mistakes(Yhat),
                    rows=lambda named_only=False: _explain_acc_rows(fn, Yhat, Y, f"{name}: acc", named_only))
    return run


def _row_terms(Yhat, Y, index: int) -> np.ndarray:
    """Each row's own term of loss_accuracy's result ``index``: its cross-entropy (0) or whether it is right (1)."""
    Yh = np.asarray(Yhat, dtype=_f64)
    if index == 0:
        with np.errstate(all="ignore"):
            return -np.sum(Y * np.log(np.clip(Yh, 1e-300, 1.0)), axis=1)
    return (np.argmax(Yh, axis=1) == np.argmax(Y, axis=1)).astype(_f64)


def _one_row_rules(value, Yhat, Y, index: int) -> list[tuple[str, str]]:
    """The rules "only one row counted" (the first or the last row's term, alone or divided by N) that give
    ``value`` and not the right result on (Yhat, Y)."""
    t = _row_terms(Yhat, Y, index)
    right = float(np.mean(t))
    N = len(t)
    rules = [("last", "divided by N", t[-1] / N), ("last", "alone", t[-1]),
             ("first", "divided by N", t[0] / N), ("first", "alone", t[0])]
    return [(row, how) for row, how, v in rules
            if core.close(value, v, _RTOL, 1e-9) and not core.close(v, right, _RTOL, 1e-9)]


def _explain_one_row_counted(fn, Yhat, Y, value, index: int, name: str) -> None:
    """Property: every row counts once in L and in acc (the mean over the batch of each row's term).  A result equal
    to ONE row's term (the first or the last row's, alone or divided by N) is told when the same rule gives the
    student's result on a second batch of other, pairwise different sizes whose first row is wrong and last row
    right (there the rules give other values than the right one and than each other): a loop that assigns where it
    must add (L = ... for L += ...), or resets its counter inside the loop."""
    found = _one_row_rules(value, Yhat, Y, index)
    if not found:
        return
    N2, ny2 = (10, 5) if np.shape(Y) != (10, 5) else (12, 4)
    q = core.rng(f"lab06.one-row:{N2}")
    Yh2 = oracle_softmax(q.normal(size=(N2, ny2)) * 2)
    labels = np.argmax(Yh2, axis=1)
    for i in (0, 3, 4, 7):
        labels[i] = (labels[i] + 1) % ny2
    Y2 = np.eye(ny2)[labels]
    try:
        with np.errstate(all="ignore"):
            v2 = float(fn(Yh2.copy(), Y2.copy())[index])
    except Exception:       # a probe that fails says nothing
        return
    again = [rule for rule in _one_row_rules(v2, Yh2, Y2, index) if rule in found]
    if len(again) != 1:
        return
    row, how = again[0]
    what = ("the cross-entropy" if index == 0 else "the hit (1 if right, 0 if not)") + f" of the {row} row alone"
    what += " divided by N" if how == "divided by N" else ""
    if row == "first":
        loop = "the loop over the rows stops after the first row (a break or return inside the loop), or reads row 0 only"
    elif index == 0:
        loop = "the loop over the rows assigns where it must add (L = ... instead of L += ...)"
    else:
        loop = ("the count of right rows is reset inside the loop (hits = 0 in the loop body), or assigned where it "
                "must add")
    fix = ("L = sum of every row's -sum_i Y[n, i] log Yhat[n, i], divided by N once" if index == 0 else
           "count every row whose argmax matches the label's, then divide by N (or np.mean of the comparison)")
    core.fail(f"{name} is {float(value):.6g}: {what}, and on a second batch of {N2} rows and {ny2} classes it is "
              f"{v2:.6g}, again {what}: only the {row} row counted; {loop}; {fix}",
              "loss-one-row-counted" if index == 0 else "acc-one-row-counted")


def _expect_float64_loss(fn, Yhat, L, eL, name) -> None:
    """Float64 inputs give L in float64 precision: an L that is exactly a float32 number (about one float64 number in
    2^29 is), on this batch and on a second float64 batch of other sizes, while the right L is not, was rounded to
    float32 (np.float32(L), .astype(np.float32), a float32 array on the way)."""
    def rounded(L, eL) -> bool:       # near the right value, and a float32 number where the right one is not
        return float(np.float32(L)) == float(L) != eL and float(np.float32(eL)) != eL and core.close(L, eL, 1e-6, 1e-12)
    if Yhat.dtype != _f64 or not rounded(L, eL):
        return
    q = core.rng("lab06.loss.float64")
    Yh2, Y2 = oracle_softmax(q.normal(size=(6, 5)) * 2), _onehot(q, 6, 5)
    try:
        L2 = float(fn(Yh2.copy(), Y2.copy())[0])
    except Exception:       # a probe that fails says nothing
        return
    eL2 = oracle_loss(Yh2, Y2)[0]
    if rounded(L2, eL2):
        core.fail(f"{name}: L is {float(L)!r}, a float32 number (expected {eL!r}), and on a second float64 batch of "
                  f"6 samples and 5 classes again a float32 number ({L2!r}, expected {eL2!r}): the loss of float64 "
                  f"probabilities was rounded to float32 precision (np.float32(...), .astype(np.float32) or a float32 "
                  f"array on the way): keep the float64 of the inputs and return float(L)", "loss-float32")


def _acc_mistakes(Yh64, Y) -> dict:
    """Catalogued accuracy mistakes: message -> the value it gives on (Yhat, Y)."""
    N = len(Y)
    eacc = oracle_loss(Yh64, Y)[1]
    right = np.argmax(Yh64, axis=1) == np.argmax(Y, axis=1)
    return {
        "accuracy must be a fraction in [0, 1], not a percentage": 100 * eacc,
        "this is the error rate (1 - accuracy)": 1 - eacc,
        "argmax over the wrong axis (axis=1: the class of each sample)":
            lambda: float(np.mean(np.argmax(Yh64, axis=0) == np.argmax(Y, axis=0))),
        "the number of correct predictions instead of their fraction": eacc * N,
        "the labels were read with np.where(Y)[0], which gives the ROW number of each 1 (0, 1, ..., N-1), not its "
        "class (its column): the classes are np.where(Y)[1] or np.argmax(Y, axis=1)":
            lambda: float(np.mean(np.argmax(Yh64, axis=1) == np.arange(N))),
        "accuracy from rounded probabilities (or a threshold at 0.5, such as Y * Yhat > 0.5): a sample whose "
        "largest probability is below 0.5 then counts as wrong; compare np.argmax(Yhat, axis=1) with "
        "np.argmax(Y, axis=1)":
            lambda: float(np.mean(np.all(np.round(Yh64) == Y, axis=1))),
        "acc is the mean of a comparison over every ENTRY of the (N, n_y) arrays (np.round(Yhat) == Y or a "
        "threshold, element-wise), so the wrong classes' zeros count as right answers: acc is one number per "
        "sample, whether its predicted class is its label; compare np.argmax(Yhat, axis=1) with np.argmax(Y, axis=1)":
            lambda: float(np.mean(np.round(Yh64) == Y)),
        "np.argmax(Y) without axis=1 gives ONE index into the flattened Y, not each row's class: compare "
        "np.argmax(Yhat, axis=1) with np.argmax(Y, axis=1)":
            lambda: float(np.mean(np.argmax(Yh64, axis=1) == np.argmax(Y))),
        "np.argmax(Yhat) without axis=1 gives ONE index into the flattened Yhat, not each row's predicted "
        "class: compare np.argmax(Yhat, axis=1) with np.argmax(Y, axis=1)":
            lambda: float(np.mean(np.argmax(Yh64) == np.argmax(Y, axis=1))),
        "argmax over the wrong axis: np.argmax(Yhat) and np.argmax(Y) without axis=1 each give ONE index into the "
        "flattened array, compared once, so acc is 0 or 1; compare np.argmax(Yhat, axis=1) with np.argmax(Y, axis=1)":
            lambda: float(np.argmax(Yh64) == np.argmax(Y)),
        "acc compares the largest values (np.max: each row's largest probability with the 1 of its one-hot label, "
        "which are never equal) instead of their positions: compare np.argmax(Yhat, axis=1) with "
        "np.argmax(Y, axis=1)":
            lambda: float(np.mean(np.max(Yh64, axis=1) == np.max(Y, axis=1))),
        "one side of the comparison is a column (N, 1) and the other a row (N,): == broadcasts them to an N x N "
        "table comparing every prediction with every label; compare two 1-D arrays of N classes (no reshape, no "
        "keepdims)":
            lambda: float(np.mean(np.argmax(Yh64, axis=1) == np.argmax(Y, axis=1)[:, None])),
        "integer division or np.all: acc is 1 only when every row is right and 0 as soon as one is wrong (the "
        "count of correct rows // N, or np.all of the comparison where its mean belongs); take np.mean of the "
        "comparison (or divide the count with /)": float(int(right.sum()) // N),
        "thresholds the probability of ONE class at 0.5 (Yhat[:, 1] > 0.5 against Y[:, 1], a two-class "
        "rule): right only for 2 classes; with n_y classes the predicted class is the argmax over the classes: "
        "compare np.argmax(Yhat, axis=1) with np.argmax(Y, axis=1)":
            lambda: float(np.mean((Yh64[:, 1] > 0.5) == (Y[:, 1] == 1))) if Y.shape[1] > 2 else None,
        "the mean of the per-class recalls (a balanced accuracy: for each class, the fraction of ITS rows "
        "predicted right, then averaged over the classes), which weighs a rare class's rows more: the accuracy is "
        "the fraction of ALL rows predicted right, np.mean(np.argmax(Yhat, axis=1) == np.argmax(Y, axis=1)); the "
        "two differ when the classes have different numbers of rows":
            lambda: _balanced_accuracy(Yh64, Y),
        "acc is the mean probability given to the true class (np.sum(Y * Yhat, axis=1), a 'soft' accuracy): the "
        "accuracy counts the rows whose predicted class is the label, k correct rows out of N give k / N: compare "
        "np.argmax(Yhat, axis=1) with np.argmax(Y, axis=1)":
            lambda: float(np.mean(np.sum(Y * Yh64, axis=1))),
        "each row's hit is weighted by the row's largest probability (a confidence-weighted mean, np.average(..., "
        "weights=Yhat.max(axis=1))): every row counts once, acc = the number of rows right / N, "
        "np.mean(np.argmax(Yhat, axis=1) == np.argmax(Y, axis=1))":
            lambda: float(np.average(right, weights=Yh64.max(axis=1))),
        "the first row is left out of the count (a loop from 1, range(1, N)): count every row, range(N), or "
        "take np.mean of the comparison": float(right[1:].sum()) / N,
        "the last row is left out of the count (range(N - 1) stops one row early): count every row, range(N), or "
        "take np.mean of the comparison": float(right[:-1].sum()) / N,
    }


def _balanced_accuracy(Yh64, Y) -> float | None:
    """The mean over the classes present of the fraction of each class's rows predicted right; None when every
    present class has as many rows (it is then the accuracy)."""
    pred, true = np.argmax(Yh64, axis=1), np.argmax(Y, axis=1)
    present = np.unique(true)
    if len({int(np.sum(true == c)) for c in present}) < 2:
        return None
    return float(np.mean([np.mean(pred[true == c] == c) for c in present]))


def _acc_second(fn, avoid):
    """A second batch for the accuracy diagnoses, of other sizes (11 x 3, else 13 x 4): 7 of 11 (9 of 13) rows right,
    the first and last among them; the mistakes give values different from each other and from the right one (but
    a row left out at either end gives the same); (the student's acc there or None, the mistakes' values, eacc,
    size)."""
    N, ny = (11, 3) if avoid != (11, 3) else (13, 4)
    r = core.rng(f"lab06.acc-second:{N}")
    for _ in range(64):     # a batch where the catalogued mistakes all give different values (and not the right one)
        Yhat = oracle_softmax(r.normal(size=(N, ny)) * 2)
        Yhat[0] = np.where(np.arange(ny) == np.argmax(Yhat[0]), 0.999, 0.001 / (ny - 1))    # the batch's largest:
        labels = np.argmax(Yhat, axis=1)       # an argmax of the flattened arrays then is not simply 0
        for i in (2, 5, 8, 9):      # the first and last rows right: a row left out at either end shows
            labels[i] = (labels[i] + 1) % ny
        Y = np.eye(ny)[labels]
        values = [(m, float(x)) for m, v in _acc_mistakes(Yhat, Y).items() if (x := _value_of(v)) is not None] + \
            [("", oracle_loss(Yhat, Y)[1])]
        if all(abs(a - b) > 1e-6 or ("row is left out" in m and "row is left out" in n)
               or {m[:12], n[:12]} == {"acc compares", "integer divi"}     # both 0 on any batch: told apart later
               or "ROW number" in m + n     # np.where(Y)[0]: often equal to another's; said only when alone
               or "ONE class at 0.5" in m + n or "per-class recalls" in m + n     # confirmed by their own value
               for i, (m, a) in enumerate(values) for n, b in values[i + 1:]):
            break
    err = None
    try:
        acc = float(fn(Yhat.copy(), Y.copy())[1])
    except Exception as exc:       # said only as what happened on that batch
        acc, err = None, f"{core.error_kind(exc)}: {exc}"
    return acc, _acc_mistakes(Yhat, Y), oracle_loss(Yhat, Y)[1], (N, ny), err


def _explain_acc_raised(acc, eacc, name, size2, err2) -> None:
    """The accuracy is wrong here and loss_accuracy raises on a second batch of other sizes: say both, and when the
    error names a comparison of N values with n_y values, that one side has one value per class."""
    N2, ny2 = size2
    why = ""
    if "broadcast" in err2 and f"({N2},)" in err2 and f"({ny2},)" in err2:
        why = (f": one side of a comparison has one value per row (N = {N2}) and the other one value per class "
               f"(n_y = {ny2}): an argmax over axis=0 (down the batch) where axis=1 (across the classes) belongs; "
               f"compare np.argmax(Yhat, axis=1) with np.argmax(Y, axis=1)")
    core.fail(f"{name} is {float(acc):.6g}, expected {float(eacc):.6g}, and on a second batch of {N2} rows and {ny2} "
              f"classes loss_accuracy raised {err2}{why}", "acc-raised-on-second-batch")


def _acc_all_right(fn, Yhat):
    """The student's accuracy on labels that every row predicts right (expected 1), or None if it fails."""
    Y = np.eye(Yhat.shape[1], dtype=Yhat.dtype)[np.argmax(Yhat, axis=1)]
    try:
        return float(fn(Yhat.copy(), Y)[1])
    except Exception:   # a probe that fails says nothing
        return None


def _value_of(v):
    return v() if callable(v) else v


def _mistake_gives(value, v) -> bool:
    """Does a catalogued mistake (its value, a thunk, or None: not defined on that batch) give ``value``?"""
    x = _value_of(v)
    return x is not None and core.close(value, x, 0, 1e-9)


def _acc_all_right_mistakes(Yhat) -> dict:
    """The catalogued mistakes' values on labels that every row of Yhat predicts right (the batch of _acc_all_right)."""
    Yh64 = Yhat.astype(_f64)
    return _acc_mistakes(Yh64, np.eye(Yhat.shape[1])[np.argmax(Yh64, axis=1)])


def _expect_acc(acc, eacc, N, ny, *, name, diagnose, confirm=None, second=None, third=None, rows=None) -> None:
    """The accuracy; a catalogued mistake is said only when it also gives the student's value on a second batch of
    other sizes (on one batch two mistakes can give the same number: 0, 1 - acc on one row...).  No catalogued
    mistake: a factor written with N and n_y (a division by the wrong size), said only when the same factor comes
    back on labels that every row predicts right (accuracy 1)."""
    try:
        _expect_number(acc, eacc, name=name, rtol=0, atol=1e-9, diagnose=diagnose)
    except core.CheckFailure as exc:
        if second is not None and exc.diagnosis != "wrong-value":
            acc2, there, eacc2, size2, err2 = second()
            if acc2 is None and err2:
                _explain_acc_raised(acc, eacc, name, size2, err2)
            both = [m for m, v in diagnose.items()
                    if _mistake_gives(acc, v) and acc2 is not None and _mistake_gives(acc2, there[m])]
            if acc2 is not None and core.close(acc2, eacc2, 0, 1e-9):
                if rows is not None:
                    rows(True)      # a rule over each row alone, when one names it (rounded probabilities...)
                core.fail(f"{name} is {float(acc):.6g}, expected {float(eacc):.6g}, while on a second batch of "
                          f"{size2[0]} rows and {size2[1]} classes it is right: the mistake shows on this shape only "
                          f"(N = {N} rows, n_y = {ny} classes): look for an axis or a size that the formula takes "
                          f"from the wrong dimension; acc is the fraction of rows whose argmax (axis=1) matches the "
                          f"label's", "acc-wrong-on-this-shape")
            if len(both) > 1 and confirm is not None and third is not None:
                # a third batch, every row right, tells apart mistakes that agree on the first two
                again, there3 = confirm(), third()
                if again is not None:
                    both = [m for m in both if _mistake_gives(again, there3[m])] or both
            if len(both) > 1:
                core.fail(f"{name} is {float(acc):.6g}, expected {float(eacc):.6g}; on a second batch of {size2[0]} "
                          f"rows and {size2[1]} classes it is {acc2:.6g}, expected {eacc2:.6g}: each of these gives "
                          f"those values: " + "; or ".join(both), "acc-one-of")
            if both:
                core.fail(f"{name}: {both[0]} (acc is {float(acc):.6g}, expected {float(eacc):.6g}; on a second "
                          f"batch of {size2[0]} rows and {size2[1]} classes it is {acc2:.6g}, expected "
                          f"{eacc2:.6g})", exc.diagnosis if str(exc).endswith(both[0]) else "acc-" + core.slug(both[0]))
            if acc2 is not None:
                if rows is not None:
                    rows()
                core.fail(f"{name} is {float(acc):.6g}, expected {float(eacc):.6g}; on a second batch of {size2[0]} "
                          f"rows and {size2[1]} classes ({round(eacc2 * size2[0])} rows right) it is {acc2:.6g}, "
                          f"expected {eacc2:.6g}: acc must be the fraction of rows whose argmax matches the "
                          f"label's", "wrong-value")
        said = cases.explain_factor(acc, eacc, {"N": N, "n_y": ny}, divisor="N", scalar=True) \
            if exc.diagnosis == "wrong-value" else None
        if said and confirm is not None and eacc:
            again = confirm()
            if again is None or not core.close(again, acc / eacc, 1e-9, 1e-12):
                said = None
        if said:
            core.fail(f"{exc}: {said} (the fraction of correct rows divides the count by N = Y.shape[0])",
                      "acc-wrong-divisor")
        if rows is not None and exc.diagnosis == "wrong-value":
            rows()
        raise


def _explain_acc_rows(fn, Yhat, Y, name, named_only=False) -> None:
    """Each row alone (a batch of one sample): which rows the student's accuracy counts as right.  Says nothing
    when every row alone is judged as it should be (the mistake is then in how the rows are combined, which the
    catalogued diagnoses and the factor analysis speak about) or when a row alone gives no 0/1 answer."""
    N = Y.shape[0]
    got = []
    for n in range(N):
        try:
            with np.errstate(all="ignore"):
                got.append(float(fn(Yhat[n:n + 1].copy(), Y[n:n + 1].copy())[1]))
        except Exception:
            return
    counted = np.array(got)
    if not np.all((counted == 0) | (counted == 1)):
        return
    Yh = Yhat.astype(_f64)
    labels = np.argmax(Y, axis=1)
    right = np.argmax(Yh, axis=1) == labels
    if np.array_equal(counted == 1, right):
        return
    rules = {"the predicted class is taken as the SMALLEST probability (np.argmin): the prediction is the class "
             "of the largest one, np.argmax(Yhat, axis=1)": np.argmin(Yh, axis=1) == labels,
             "a row counts as right when its label's class is NOT the largest probability (the comparison is "
             "inverted: != for ==)": ~right,
             **{f"the probabilities were rounded (np.round(Yhat, {d})) before the argmax: nearly equal "
                f"probabilities become equal and np.argmax then takes the first of them; take np.argmax of Yhat "
                f"itself": np.argmax(np.round(Yh, d), axis=1) == labels for d in (1, 2)}}
    # a rule that counts every row here cannot be told from an acc that is 1 on any single row (two comparisons
    # that are both false on every row alone, a one-class threshold): not said
    fits = [words for words, rule in rules.items() if np.array_equal(counted == 1, rule) and not rule.all()]
    kinds = {"argmin" if "argmin" in w else "rounded" if "rounded" in w else "inverted" for w in fits}
    if len(kinds) == 1 and N >= 4:      # a rule is said when it alone fits (with 2 classes argmin is !=)
        core.fail(f"{name}: {fits[0]} (each row given alone: your acc counts rows "
                  f"{np.flatnonzero(counted == 1).tolist()} as right, the rows whose argmax matches the label "
                  f"are {np.flatnonzero(right).tolist()})", "acc-rule-" + kinds.pop())
    if named_only:
        return
    n = int(np.flatnonzero((counted == 1) != right)[0])
    core.fail(f"{name}: given each row alone (a batch of one sample), your acc counts rows "
              f"{np.flatnonzero(counted == 1).tolist()} as right; the rows whose argmax matches the label are "
              f"{np.flatnonzero(right).tolist()}: row {n} has probabilities {np.round(Yh[n], 3).tolist()} and label "
              f"class {int(labels[n])}, predicted class np.argmax = {int(np.argmax(Yh[n]))}, and your acc gives "
              f"{int(counted[n])} for it: the prediction of a row is the class of its largest probability, "
              f"compared with the label's class", "acc-rows-counted-wrong")


def _loss_zero_twice(fn, Yhat, Y, L, eL, name) -> None:
    """Property: every sample's cross-entropy -log Yhat[n, true class] is > 0 when its true-class probability is
    below 1, so is their mean.  An L of exactly 0 on this batch and on a second batch of other sizes is confirmed:
    the per-sample term the code takes is 0 (an entry of Y * log Yhat of another class)."""
    if not (float(L) == 0.0 and eL > 1e-6):
        return
    q = core.rng("lab06.loss.zero")
    N2, ny2 = (5, 4) if Y.shape != (5, 4) else (6, 3)
    Yh2, Y2 = oracle_softmax(q.normal(size=(N2, ny2)) * 2), _onehot(q, N2, ny2)
    try:
        L2 = float(fn(Yh2.copy(), Y2.copy())[0])
    except Exception:
        return
    if L2 != 0.0:
        return
    core.fail(f"{name}: L is 0, and 0 again on a second batch of {N2} samples and {ny2} classes (expected {eL:.6g} and "
              f"{oracle_loss(Yh2, Y2)[0]:.6g}), although no true-class probability is 1: each sample's cross-entropy "
              f"-log Yhat[n, true class] is > 0, so is their mean. The term your code keeps for each sample is 0: "
              f"Y * log(Yhat) is 0 in every column but the true class's, and a max over the classes (or a product, "
              f"or one fixed column) picks those zeros; the sum over the classes, -np.sum(Y * np.log(Yhat), axis=1), "
              f"keeps the true class's term", "loss-zero")


def _expect_loss(fn, Yhat, Y, L, eL, name, diagnose) -> None:
    _loss_zero_twice(fn, Yhat, Y, L, eL, name)
    try:
        _expect_number(L, eL, name=f"{name}: L", rtol=_RTOL, atol=1e-9, diagnose=diagnose)
    except core.CheckFailure as exc:
        if exc.diagnosis == "wrong-value":      # no catalogued mistake: try neighbouring formulas, then the property
            N, ny = np.shape(Y)
            said = cases.explain_factor(L, eL, {"N": N, "n_y": ny}, divisor="N", scalar=True)
            if said:
                core.fail(f"{name}: L is {float(L):.6g}, expected {eL:.6g}: {said} (the mean over the batch divides the "
                          f"sum of the N per-sample cross-entropies by N once)", "loss-wrong-divisor")
            _explain_first_rows(fn, Yhat, Y, L, name)
            _explain_earlier_size(fn, Y, L, eL, name)
            _explain_loss_formula(Yhat, Y, L, eL, name)
            _explain_wrong_classes(fn, Yhat, Y, L, name)
            _explain_batch_reduction(fn, Yhat, Y, L, eL, name)
        raise


def _explain_first_rows(fn, Yhat, Y, L, name) -> None:
    """L is the loss of the first k rows only (k = n_y: rows indexed with np.arange(Y.shape[1]); k = N - 1: a range
    stopping one short).  Told when the same rule gives the student's L on a second batch of other, pairwise
    different sizes (11 samples, 4 classes)."""
    N, ny = np.shape(Y)
    rules = {"n_y": lambda n, c: c, "N - 1": lambda n, c: n - 1}

    def first_rows(L, Yh, Y, k) -> bool:      # their mean, or their sum divided by N
        part = oracle_loss(Yh[:k], Y[:k])[0]
        return core.close(L, part, _RTOL, 1e-9) or core.close(L, part * k / len(Y), _RTOL, 1e-9)
    found = [rule for rule, k in rules.items() if 0 < k(N, ny) < N and first_rows(float(L), Yhat, Y, k(N, ny))]
    if not found:
        return
    q = core.rng("lab06.loss.first-rows")
    N2, ny2 = 11, 4
    Yh2, Y2 = oracle_softmax(q.normal(size=(N2, ny2)) * 2), _onehot(q, N2, ny2)
    try:
        L2 = float(fn(Yh2.copy(), Y2.copy())[0])
    except Exception:   # a probe that fails says nothing
        return
    for rule in found:
        k2 = rules[rule](N2, ny2)
        if first_rows(L2, Yh2, Y2, k2):
            k = rules[rule](N, ny)
            fix = ("index rows with np.arange(N) (N = Y.shape[0]), not np.arange(Y.shape[1])" if rule == "n_y"
                   else "every one of the N rows counts: range(N), not range(N - 1)")
            core.fail(f"{name}: L is {float(L):.6g}, the loss of the first {k} rows only (and likewise on a batch of "
                      f"{N2} samples and {ny2} classes: its first {k2} rows): only the first {rule} rows counted: "
                      f"{fix}", "loss-first-rows-only")


def _explain_earlier_size(fn, Y, L, eL, name) -> None:
    """Call order: L is the sum of the cross-entropies divided by n' != N, n' the batch size of an EARLIER case; told
    when a batch of a third size (3 samples) is divided by the same n' (the divisor kept between calls)."""
    N = int(np.shape(Y)[0])
    try:
        n1 = eL * N / float(L)
    except (TypeError, ValueError, ZeroDivisionError):
        return
    sizes = [int(np.shape(y)[0]) for _, y in _loss_inputs()]
    if abs(n1 - round(n1)) > 1e-6 * max(1.0, n1) or round(n1) == N or round(n1) not in sizes:
        return
    q = core.rng("lab06.loss.third")
    Yh3, Y3 = oracle_softmax(q.normal(size=(3, 5)) * 2), _onehot(q, 3, 5)
    try:
        L3 = float(fn(Yh3.copy(), Y3.copy())[0])
    except Exception:
        return
    e3 = oracle_loss(Yh3, Y3)[0]
    if core.close(L3, e3 * 3 / round(n1), 1e-6, 1e-9):
        core.fail(f"{name}: L is {float(L):.6g}, expected {eL:.6g}: the sum over the batch was divided by "
                  f"{round(n1)}, the batch size of an earlier call, not by this batch's N = {N} (a batch of 3 is "
                  f"divided by {round(n1)} too): the divisor is kept between calls (stored on the function, in a "
                  f"global or a default argument): state from an earlier call; divide by N = Y.shape[0] at every "
                  f"call", "batch-size-of-earlier-call")


def _loss_neighbours(Yh, Y):
    """(words, value) of formulas next to -mean(sum(Y log Yhat)): arguments swapped, another log, a large
    epsilon; with the usual clipping epsilons, since the student's is unknown."""
    def ce(P, Q, eps, log=np.log):
        with np.errstate(all="ignore"):
            return -float(np.mean(np.sum(P * log(np.clip(Q, eps, 1.0)), axis=1)))
    for eps in (1e-300, 1e-100, 1e-16, 1e-15, 1e-12, 1e-10, 1e-9, 1e-8, 1e-7, 1e-6, 1e-5):
        yield ("Y and Yhat are swapped (-sum y^ log y, a log of the one-hot labels): the cross-entropy is "
               "-sum y log y^, the labels outside the log", ce(Yh, Y, eps))
    for eps in (0.0, 1e-300, 1e-100, 1e-16, 1e-15, 1e-12, 1e-10, 1e-9, 1e-8, 1e-7, 1e-6, 1e-5):
        with np.errstate(all="ignore"):
            per_class = np.sum(Y * Yh, axis=0)
            value = -float(np.mean(np.log(np.maximum(per_class, eps) if eps else per_class)))
            added = -float(np.mean(np.log(per_class + eps)))
        for v in (value, added):
            yield ("the sum of Y * Yhat was taken over the batch axis (axis=0), which mixes the samples and leaves one "
                   "value per class: each sample's term is log of sum over the classes i of Y[n, i] Yhat[n, i], "
                   "axis=1", v)
    p_true = np.sum(Y * Yh, axis=1)
    yield ("the log is missing: your L is minus the mean probability of the true class, -mean(sum(Y * Yhat)); the "
           "cross-entropy is minus the mean of its LOG, -mean(sum(Y * log(Yhat), axis=1))", -float(np.mean(p_true)))
    yield ("your L is the multiclass hinge (SVM) loss, the mean over the samples of sum over the other classes of "
           "max(0, y^_j - y^_true + 1): the loss here is the cross-entropy, -mean(sum(Y * log(Yhat), axis=1))",
           float(np.mean(np.sum(np.maximum(0.0, Yh - p_true[:, None] + 1.0) * (1 - Y), axis=1))))
    for words, value in (("the sum over the classes", float(np.mean(np.sum((Yh - Y) ** 2, axis=1)))),
                         ("the mean over every entry", float(np.mean((Yh - Y) ** 2)))):
        yield (f"your L is a squared error between Yhat and Y ({words}): the loss here is the cross-entropy, "
               f"-mean(sum(Y * log(Yhat), axis=1))", value)

    yield "np.log1p(y^) = log(1 + y^) was used instead of np.log(y^)", ce(Y, Yh, 1e-300, np.log1p)
    yield "np.log2 instead of the natural logarithm np.log", ce(Y, Yh, 1e-300, np.log2)
    for eps in (1e-4, 1e-3, 1e-2, 0.05, 0.1):
        yield (f"the probabilities are clipped at {eps:g} before the log: an epsilon that large changes the loss "
               f"wherever the true class's probability is below it; clip at a tiny value (np.clip(Yhat, 1e-300, 1.0)), only to "
               f"avoid log(0)", ce(Y, Yh, eps))
    for eps in (1e-4, 1e-3, 1e-2, 0.05, 0.1):
        with np.errstate(all="ignore"):
            added = -float(np.mean(np.sum(Y * np.log(Yh + eps), axis=1)))
        yield (f"an epsilon of {eps:g} is added inside the log, log(Yhat + {eps:g}): an epsilon that large changes the "
               f"loss of every sample, not only of the probabilities near 0; add a tiny one (1e-8) or clip at a tiny "
               f"value (np.clip(Yhat, 1e-300, 1.0)), only to avoid log(0)", added)


def _explain_loss_formula(Yhat, Y, L, eL, name) -> None:
    for words, value in _loss_neighbours(np.asarray(Yhat, _f64), np.asarray(Y, _f64)):
        if math.isfinite(value) and core.close(L, value, _RTOL, 1e-9) and not core.close(value, eL, _RTOL, 1e-9):
            core.fail(f"{name}: L is {float(L):.6g}, expected {eL:.6g}: {words}", core.slug(words))
    if float(L) < 0:
        core.fail(f"{name}: L is {float(L):.6g}, expected {eL:.6g}: a cross-entropy is never negative (each term "
                  f"-log y^ of a probability y^ <= 1 is >= 0): L = -mean(sum(Y * log(Yhat), axis=1))",
                  "loss-negative")


def _explain_batch_reduction(fn, Yhat, Y, L, eL, name) -> None:
    """The batch's L is the mean of the samples' losses: when your loss is right on every sample alone, the mistake is
    in how the samples' losses are combined (another statistic than the mean, or samples mixed)."""
    N = np.shape(Y)[0]
    if N < 2:
        return
    singles = []
    for n in range(N):
        try:
            singles.append(float(fn(np.array(Yhat[n:n + 1]), np.array(Y[n:n + 1]))[0]))
        except Exception:   # a probe that fails says nothing
            return
    want = [oracle_loss(Yhat[n:n + 1], Y[n:n + 1])[0] for n in range(N)]
    ok = np.isclose(singles, want, rtol=_RTOL, atol=1e-9)
    p_true = np.sum(np.asarray(Yhat, _f64) * np.asarray(Y, _f64), axis=1)
    if ok.any() and not ok.all():
        high, low = float(p_true[~ok].min()), float(p_true[~ok].max())
        if float(p_true[ok].max()) < high:
            core.fail(f"{name}: L is {float(L):.6g}, expected {eL:.6g}: your loss is right for every sample whose true "
                      f"class has probability at most {float(p_true[ok].max()):.3g} and wrong for every one whose true "
                      f"class has {high:.3g} or more (tried one sample at a time): large probabilities are changed "
                      f"before the log (an upper clip bound below 1?); -log Yhat of the true class as it is",
                      "loss-wrong-for-large-probabilities")
        if float(p_true[ok].min()) > low:
            core.fail(f"{name}: L is {float(L):.6g}, expected {eL:.6g}: your loss is right for every sample whose true "
                      f"class has probability at least {float(p_true[ok].min()):.3g} and wrong for every one whose true "
                      f"class has {low:.3g} or less (tried one sample at a time): small probabilities are changed "
                      f"before the log (too large an epsilon or lower clip bound?)", "loss-wrong-for-small-probabilities")
    if ok.all():
        for stat, combined in (("mean", float(np.mean(p_true))), ("sum", float(np.sum(p_true)))):
            if combined > 0 and core.close(float(L), -math.log(combined), _RTOL, 1e-9):
                core.fail(f"{name}: L is {float(L):.6g}, expected {eL:.6g}, although your loss is right for each sample "
                          f"alone: L is -log of the {stat} over the batch of the true classes' probabilities, the log "
                          f"of a {stat} where the loss is the mean of the logs, L = -(1/N) sum_n log Yhat[n, true "
                          f"class]: take the log of each sample's probability first, then the mean",
                          f"loss-log-of-the-{stat}")
        _explain_samples_mixed(fn, Yhat, Y, L, eL, name)
        core.fail(f"{name}: L is {float(L):.6g}, expected {eL:.6g}, although your loss is right for each sample alone "
                  f"(a batch of one): the samples' losses are not combined by their mean over the batch, "
                  f"L = (1/N) sum_n (-sum_i Y[n, i] log Yhat[n, i]) (np.mean over axis 0 of the per-sample sums, not "
                  f"another statistic, and no sum across samples before the log)", "loss-batch-not-mean")


def _explain_samples_mixed(fn, Yhat, Y, L, eL, name) -> None:
    """The loss is right on each sample alone and wrong on the batch.  On a batch of k copies of one sample, ANY
    statistic of the per-sample losses (mean, median, max) is that sample's loss, and their sum k times it: an L that
    is neither, on two batches of copies of different sizes, shows that the samples' probabilities are changed by the
    other samples before the log (a normalisation or shift over the whole batch), not a wrong reduction."""
    Yh, Yo = np.asarray(Yhat), np.asarray(Y)
    single = oracle_loss(Yh[:1], Yo[:1])[0]
    seen = []
    for k in (4, 9):
        try:
            got = float(fn(np.repeat(Yh[:1], k, axis=0), np.repeat(Yo[:1], k, axis=0))[0])
        except Exception:   # a probe that fails says nothing
            return
        if core.close(got, single, _RTOL, 1e-9) or core.close(got, k * single, _RTOL, 1e-9) or \
                core.close(got, single / k, _RTOL, 1e-9):
            return          # a statistic of the per-sample losses (or one row's / N): the reduction's message stands
        seen.append((k, got))
    told = " and ".join(f"on {k} copies it is {got:.6g}" for k, got in seen)
    core.fail(f"{name}: L is {float(L):.6g}, expected {eL:.6g}, although your loss is right for each sample alone. On a "
              f"batch of copies of one sample, whose loss alone is {single:.6g}, L must be {single:.6g} whatever their "
              f"number; {told}: your samples are not independent: one sample's probabilities are changed by the "
              f"OTHER samples before the log (a normalisation, sum, max or shift over the whole batch, such as "
              f"Yhat / Yhat.sum() or Yhat.max() without axis=1); each row of Yhat is already a probability "
              f"distribution: take -log Yhat[n, true class] of each row as it is, then the mean over the batch",
              "loss-samples-mixed")


def _explain_wrong_classes(fn, Yhat, Y, L, name) -> None:
    """The cross-entropy of a one-hot label depends on the true class's probability only: spread the
    other classes' probability evenly (rows still sum to 1, the true class's probability unchanged) and
    see whether the student's L moves."""
    N, ny = Y.shape
    if ny < 3:
        return
    true = Y.astype(bool)
    spread = np.where(true, Yhat, ((1 - (Yhat * Y).sum(axis=1, keepdims=True)) / (ny - 1))).astype(Yhat.dtype)
    if np.allclose(spread, Yhat):
        return
    try:
        L2 = float(fn(spread, Y.copy())[0])
    except Exception:
        return
    if not core.close(L2, L, 1e-6, 1e-9):
        _explain_entries_read(fn, name, f"L changes ({L:.6g} -> {L2:.6g}) when only the probabilities of the wrong "
                                        f"classes change")
        core.fail(f"{name}: L changes ({L:.6g} -> {L2:.6g}) when only the probabilities of the wrong classes change: "
                  f"the cross-entropy of a one-hot label is -log of the true class's probability, "
                  f"-sum_i Y_i log Yhat_i; terms such as (1 - Y) log(1 - Yhat) (the binary cross-entropy) do not "
                  f"belong to it", "loss-depends-on-wrong-classes")


def _explain_entries_read(fn, name, head) -> None:
    """Which entries of Yhat the loss reads, one changed at a time on a 4 x 5 batch whose true classes are pairwise
    different: the true classes' columns of every row (Yhat[:, labels], an N x N block, where the rows' own entries
    Yhat[np.arange(N), labels] belong), or every entry (terms of the wrong classes)."""
    r = core.rng("lab06.loss-entries")
    N, ny = 4, 5
    labels = np.array([3, 0, 4, 1])
    Y = np.eye(ny)[labels]
    Yhat = oracle_softmax(r.normal(size=(N, ny)))
    try:
        base = float(fn(Yhat.copy(), Y.copy())[0])
        read = np.zeros((N, ny), bool)
        for i in range(N):
            for j in range(ny):
                moved = Yhat.copy()
                moved[i, j] *= 0.5
                read[i, j] = not core.close(float(fn(moved, Y.copy())[0]), base, 1e-9, 1e-12)
    except Exception:   # a probe that fails says nothing
        return
    block = np.zeros((N, ny), bool)
    block[:, labels] = True
    if np.array_equal(read, block):
        core.fail(f"{name}: {head}: changing one probability at a time on a batch of 4 rows with true classes "
                  f"{labels.tolist()}, your loss reads the true classes' columns in EVERY row (an N x N block, "
                  f"Yhat[:, labels], or the matrix product Y @ np.log(Yhat).T, which pairs every sample's label with "
                  f"every other sample's probabilities and so mixes the samples: only its diagonal belongs to the "
                  f"loss), not each row's own true class: index with the row numbers too, "
                  f"Yhat[np.arange(N), labels], or use -np.sum(Y * np.log(Yhat), axis=1)", "loss-reads-label-columns")
    if read.all():
        core.fail(f"{name}: {head}: changing one probability at a time, your loss reads every probability of every "
                  f"row, the wrong classes' too: the cross-entropy of a one-hot label is -log of the true class's "
                  f"probability, -sum_i Y_i log Yhat_i (terms such as (1 - Y) log(1 - Yhat), the binary "
                  f"cross-entropy, do not belong to it)", "loss-reads-every-class")


def _twice_loss_args() -> tuple:
    """The same (Yhat (7, 3), Y (7, 3)) at every call (drawn from a generator seeded by name)."""
    q = core.rng("lab06.loss.twice")
    return oracle_softmax(q.normal(size=(7, 3)) * 2), _onehot(q, 7, 3)


def loss_accuracy(fn):
    """Mean cross-entropy and accuracy (fraction) of a batch."""
    r = core.rng("lab06.loss")
    runs = []
    for Yhat, Y in _loss_inputs(r):
        N, ny = Y.shape
        special = "a batch of one sample" if N == 1 else "N == n_y" if N == ny else None
        runs.append((special, _loss_case(fn, Yhat, Y)))
    _with_memory_questions(fn, lambda: run_cases(runs), "loss_accuracy", _poisoned_loss_args,
                           "loss_accuracy(Yhat (7, 3), Y (7, 3))", _twice_loss_args, _loss_state)
    _loss_keeps_zero_probabilities(fn, r)
    _loss_small_probabilities(fn)
    _loss_large_batch(fn)
    _accuracy_ties(fn)


def _loss_state(fn, after_pass: bool) -> None:
    q = core.rng("lab06.loss.change")
    first = (oracle_softmax(q.normal(size=(9, 4)) * 2), _onehot(q, 9, 4))
    second = (oracle_softmax(q.normal(size=(9, 4)) * 2), _onehot(q, 9, 4))
    _state_kept(fn, "loss_accuracy", "loss_accuracy(Yhat (9, 4), Y (9, 4))", first, second, oracle_loss,
                after_pass=after_pass)
    _earlier_results(fn, "loss_accuracy", "loss_accuracy(Yhat (9, 4), Y (9, 4))",
                     [(oracle_softmax(q.normal(size=(9, 4)) * 2), _onehot(q, 9, 4)) for _ in range(3)], oracle_loss)


def _loss_inputs(r=None) -> list:
    """The cases' batches (Yhat, Y), drawn from ``r`` (the check's generator, which the later questions go on
    drawing from) or from a fresh one with the same draws."""
    r = core.rng("lab06.loss") if r is None else r
    batches = []
    for N, ny, dt in [(7, 3, _f64), (1, 2, _f64), (12, 10, _f64), (9, 4, np.float32), (25, 5, _f64),
                      (4, 4, _f64)]:
        Yhat = oracle_softmax(r.normal(size=(N, ny)) * 2).astype(dt)
        batches.append((Yhat, _onehot(r, N, ny, dt)))
    return batches


def _tied_batch(rows: list[list[float]], labels: list[int]) -> tuple[np.ndarray, np.ndarray]:
    Yhat = np.array(rows, dtype=_f64)
    return Yhat / Yhat.sum(axis=1, keepdims=True), np.eye(Yhat.shape[1])[labels]


def _accuracy_ties(fn) -> None:
    """Rows whose largest probability is shared by several classes (a uniform row, as an untrained model with equal
    scores gives): the docstring's prediction is np.argmax, the FIRST of the tied maxima.  Two batches of other,
    pairwise-different sizes; a row counted right whenever its class is among the maxima is said only when that rule
    gives the student's acc on both.  Exactly representable probabilities: the ties are exact."""
    batches = [_tied_batch([[1, 1, 1, 1], [3, 3, 1, 1], [1, 2, 2, 1], [1, 5, 1, 1], [4, 1, 2, 1]],
                           [2, 1, 1, 1, 3]),
               _tied_batch([[1, 1, 1], [2, 1, 2], [1, 1, 2], [2, 1, 1], [1, 1, 1], [2, 2, 1], [1, 3, 1]],
                           [1, 2, 2, 0, 0, 1, 0])]
    seen = []
    for Yhat, Y in batches:
        try:
            got = fn(Yhat.copy(), Y.copy())
            acc = float(got[1])
        except Exception:       # a call that fails here failed on the ordinary batches too
            return
        first = np.argmax(Yhat, axis=1) == np.argmax(Y, axis=1)
        among = (Yhat * Y).sum(axis=1) == Yhat.max(axis=1)
        seen.append((Yhat, Y, acc, float(first.mean()), float(among.mean()), among & ~first))
    wrong = [b for b in seen if not core.close(b[2], b[3], 0, 1e-9)]
    if not wrong:
        return
    Yhat, Y, acc, want, _, extra = wrong[0]
    name = f"loss_accuracy(Yhat {Yhat.shape}, Y {Y.shape}) on rows whose largest probability is shared by several classes"
    if all(core.close(b[2], b[4], 0, 1e-9) for b in seen):
        core.fail(f"{name}: acc is {acc:.6g}, expected {want:.6g} (and likewise on a second batch of "
                  f"{seen[1][0].shape[0]} rows and {seen[1][0].shape[1]} classes): your acc counts a row as right "
                  f"whenever its label's class is AMONG the tied maxima (rows {np.flatnonzero(extra).tolist()} here, "
                  f"e.g. {np.round(Yhat[int(np.flatnonzero(extra)[0])], 3).tolist()} with label class "
                  f"{int(np.argmax(Y[int(np.flatnonzero(extra)[0])]))}): the prediction of a row is np.argmax(Yhat[n]), "
                  f"the FIRST of tied maxima (the docstring); with your rule a uniform prediction, every class equal, "
                  f"would be 100 % accurate. acc = np.mean(np.argmax(Yhat, axis=1) == np.argmax(Y, axis=1))",
                  "acc-ties-counted-right")
    core.fail(f"{name}: acc is {acc:.6g}, expected {want:.6g}: with tied maxima the prediction of a row is "
              f"np.argmax(Yhat[n]), the FIRST of the tied classes (the docstring); your acc is right on untied rows",
              "acc-wrong-on-ties")


def _loss_small_probabilities(fn) -> None:
    """A true class predicted with probability 1e-5 (a confident wrong answer, common early in training): the loss
    is -log(1e-5) = 11.5.  A clip or an epsilon meant to avoid log(0) must stay far below such probabilities."""
    p = 1e-5
    Yhat = np.array([[p, 0.4 - p, 0.6], [0.3, p, 0.7 - p], [0.5 - p, 0.5, p]])
    Y = np.eye(3)
    try:
        got = fn(Yhat.copy(), Y.copy())
        L = float(got[0])
    except Exception:   # a loss that fails here failed on the ordinary batches too
        return
    want = -math.log(p)
    if not math.isfinite(L) or abs(L - want) <= 1e-2 * want:
        return
    floor = math.exp(-L) if L > 0 else None
    size = f" (your loss is -log of about {floor:.2g})" if floor else ""
    core.fail(f"loss_accuracy(Yhat (3, 3), Y (3, 3)) with the true class of every row predicted with probability "
              f"1e-05: L is {L:.6g}, expected -log(1e-05) = {want:.6g}{size}: the probabilities are changed before "
              f"the log by far more than needed: a clip or an epsilon that avoids log(0) must be tiny (np.clip(Yhat, "
              f"1e-300, 1.0), or 1e-12), or the loss of a confident wrong answer is capped", "loss-clips-too-much")


def _loss_large_batch(fn) -> None:
    """Property: the mean cross-entropy of a large batch (N in the hundreds to thousands, realistic probabilities) is
    the mean of the per-sample terms, a number of the size of one sample's.  The product of the N true-class
    probabilities underflows to 0 in float64 there (below 1e-308), so a loss built as the log of a product is inf,
    warns log(0), or is -log of a clip floor divided by N.  Asked on two batches of other sizes; the product reading
    is told when it gives the student's L (or the warning) on both, else what failed on which batch."""
    q = core.rng("lab06.loss.large")
    seen = []
    for N, ny in ((1500, 10), (640, 7)):
        Yhat, Y = oracle_softmax(q.normal(size=(N, ny)) * 1.5), _onehot(q, N, ny)
        eL = oracle_loss(Yhat, Y)[0]
        name = f"loss_accuracy(Yhat {Yhat.shape}, Y {Y.shape}) on a large batch"
        warned = None
        try:
            with core.numerics(name):
                got = fn(Yhat.copy(), Y.copy())
            L = float(got[0])
        except core.CheckFailure as exc:
            if exc.warning is None:
                return      # an error here: a loss that fails on large batches only is not told apart
            warned, L = exc.warning, float("nan")
        except Exception:   # a loss that fails here failed on the ordinary batches too
            return
        if warned is None and math.isfinite(L) and core.close(L, eL, 1e-6, 1e-9):
            return
        prod = float(np.prod(np.sum(Y * Yhat, axis=1)))
        floor = not math.isfinite(L) or (L > 0 and 1e-300 * 1e-24 <= math.exp(-L * N) <= 1e-280)
        seen.append((name, L, eL, warned, prod == 0.0 and floor, N))
    if not seen:
        return
    name, L, eL, warned, _, N = seen[0]
    said = f"numpy warned '{warned}'" if warned else f"L is {L:.6g}, expected {eL:.6g}"
    if len(seen) == 2 and all(s[4] for s in seen):
        core.fail(f"{name}: {said} (and likewise on a batch of {seen[1][5]} samples), "
                  f"while your loss is right on small batches: a product of many probabilities underflows to 0 in "
                  f"float64 (the product of these {N} true-class "
                  f"probabilities is below 1e-308), and log(0) is -inf: take the sum of the logs, not the log of the "
                  f"product: L = -np.mean(np.sum(Y * np.log(Yhat), axis=1))", "loss-product-underflows")
    core.fail(f"{name}: {said}, while your loss is right on the small batches: the mean over the batch must not "
              f"depend on N beyond the 1/N (a product over the samples underflows, a float32 sum loses digits, "
              f"an accumulator kept between rows?): L = -np.mean(np.sum(Y * np.log(Yhat), axis=1))",
              "loss-wrong-on-large-batch")


def _unguarded_log(name: str, warning: str) -> None:
    """The loss warned on probabilities exactly 0 that belong to classes other than the true one: the log was taken of
    them (np.log(Yhat) of the whole array, also inside np.where, which computes both branches first)."""
    said = "log(0) = -inf" if "log" in warning else "a NaN or inf (0 * log(0) = 0 * -inf is NaN)"
    core.fail(f"{name} is not numerically stable: numpy warned '{warning}': the probabilities that are 0 here all "
              f"belong to classes that are NOT the true one, yet your loss took their log ({said}); multiplying by "
              f"Y = 0 afterwards, or np.where(Y == 1, np.log(Yhat), 0), does not prevent it (np.where computes both "
              f"branches on the whole array first, and 0 * -inf is NaN). The lab asks to guard the logarithm: "
              f"np.log(np.clip(Yhat, 1e-300, 1.0)), or take the log of the true class's probability only",
              "loss-log-of-zero")


def _loss_keeps_zero_probabilities(fn, r) -> None:
    """Inputs not mutated, also when some probabilities are exactly 0 (an underflowed softmax, in classes that are
    not the true one): a fix-up written into the caller's Yhat (Yhat[Yhat == 0] = eps) shows only there.  The lab asks
    to guard the logarithm ("a probability that underflowed to 0 must not produce log(0)"; "the graders treat any
    warning as a failure"): a NumPy warning here, or an L that is not the oracle's (these zeros are not the true
    class's, so L is finite and well defined), is named.  A true class of probability 0 is not asked (its loss is
    infinite; a clip makes it a large number of the student's choosing)."""
    Yhat = oracle_softmax(r.normal(size=(6, 4)) * 2)
    Y = _onehot(r, 6, 4)
    truth = np.argmax(Y, axis=1)
    for i in range(0, 6, 2):
        Yhat[i, (truth[i] + 1) % 4] = 0.0
    Yhat /= Yhat.sum(axis=1, keepdims=True)         # still probabilities: every row sums to 1
    given_p, given_y = Yhat.copy(), Y.copy()
    name = "loss_accuracy(Yhat (6, 4), Y (6, 4)) with some probabilities exactly 0 (an underflowed softmax)"
    try:
        with core.numerics(name):
            got = fn(given_p, given_y)
    except core.CheckFailure as exc:
        if exc.warning is None:
            raise
        _unguarded_log(name, exc.warning)
    except Exception:   # a loss that fails on zeros is not judged here
        return
    for what, now, was in (("Yhat", given_p, Yhat), ("Y", given_y, Y)):
        if np.shape(now) == was.shape and np.array_equal(now, was):
            continue
        changed = int(np.sum(np.asarray(now) != was)) if np.shape(now) == was.shape else was.size
        core.fail(f"{name} modified its input {what} in place ({changed} of {was.size} entries changed): an assignment such as "
                  f"Yhat[Yhat == 0] = eps or Yhat += eps writes into the caller's array; use a new array "
                  f"(np.clip(Yhat, eps, 1) or np.maximum returns one)", "input-modified")
    try:
        L = float(got[0])
    except Exception:   # not a pair of numbers: named on the ordinary batches
        return
    eL = oracle_loss(Yhat, Y)[0]
    if not (math.isfinite(L) and core.close(L, eL, _RTOL, 1e-9)):
        core.fail(f"{name}: L is {L:.6g}, expected {eL:.6g}: the zero probabilities all belong to classes that are not "
                  f"the true one, so they add nothing to the cross-entropy (Y is 0 there); guard the logarithm so that "
                  f"they cannot turn the loss into NaN or inf: np.log(np.clip(Yhat, 1e-300, 1.0))", "loss-zero-probabilities")


# (N, n_x, n_h, n_y, dtype); the first has sizes pairwise different and != 1 (a shape slip such as 1 - Yhat ** 2
# for 1 - H ** 2 raises or is named there instead of broadcasting) and N/n_y = 7/3, not a common factor such as 2
# (with N/n_y = 2 a gradient doubled would be taken for grad_ytilde divided by n_y instead of N); the last has
# n_h == n_y (see the W_y diagnosis).
_BACKWARD_CASES = [
    (7, 5, 4, 3, _f64), (1, 3, 4, 2, _f64), (9, 2, 7, 4, _f64), (5, 4, 6, 3, np.float32), (3, 6, 5, 2, _f64),
    (7, 5, 3, 3, _f64), (6, 4, 4, 3, _f64)]      # n_h == n_y, then n_h == n_x (a grad_Wh transposed gives wrong values)

# Order matters: grad_bh is checked before grad_Wh and the "built from grad_h" diagnosis comes
# first, so a missing tanh derivative (wrong grad_bh too) and a grad_Wh built from grad_h (right
# grad_bh, same wrong grad_Wh) are told apart.  Each entry maps (N, n_y) to the oracle's flags, or to
# None where the mistake gives the right answer (a scale of 1) and so cannot be told apart.
_BACKWARD_MISTAKES = {
    "grad_Wh was built from grad_h instead of grad_htilde (apply the tanh derivative first)":
        lambda N, ny: dict(wh_from="h"),
    "the tanh derivative is missing in grad_htilde (Q17: grad_htilde = (W_y^T grad_ytilde) * (1 - h^2))":
        lambda N, ny: dict(tanh_deriv="none"),
    "tanh derivative written as 1 - htilde^2: it is 1 - tanh(htilde)^2 = 1 - h^2":
        lambda N, ny: dict(tanh_deriv="htilde"),
    "tanh derivative written as 1 - h: it is 1 - h^2 (the square is missing)": lambda N, ny: dict(tanh_deriv="1-h"),
    "tanh derivative written as (1 - h)^2: it is 1 - h^2": lambda N, ny: dict(tanh_deriv="(1-h)^2"),
    "the sigmoid's derivative h (1 - h) was used for tanh: tanh' = 1 - tanh^2, so grad_htilde = grad_h * (1 - h^2)":
        lambda N, ny: dict(tanh_deriv="sigmoid"),
    "operator precedence: grad_H * 1 - H ** 2 is (grad_H * 1) - H ** 2, the derivative subtracted instead of "
    "multiplied; write grad_H * (1 - H ** 2)": lambda N, ny: dict(tanh_deriv="precedence"),
    "tanh applied twice: the derivative was taken of h, which is already tanh(htilde) (1 - tanh(h)^2); "
    "it is 1 - h^2": lambda N, ny: dict(tanh_deriv="tanh(h)"),
    "the tanh derivative (1 - h^2) is multiplied in twice (once into grad_h = grad_Ytilde W_y, again into "
    "grad_htilde): grad_h = grad_Ytilde W_y has no derivative, grad_htilde = grad_h * (1 - h^2) has it once":
        lambda N, ny: dict(tanh_deriv="twice"),
    "the tanh derivative uses the first sample's h (H[0]) for every sample: each sample's row of grad_htilde "
    "takes its own h, grad_H * (1 - H ** 2) with the whole (N, n_h) array H":
        lambda N, ny: dict(tanh_deriv="first") if N > 1 else None,
    "W_y used instead of W_y^T: per sample grad_h = W_y^T grad_ytilde, i.e. grad_H = grad_Ytilde W_y in "
    "row form": lambda N, ny: dict(wy_transposed=False),
    "1/N applied twice (it belongs in grad_ytilde = (yhat - y)/N only)":
        lambda N, ny: dict(scale_wy=1.0 / N) if N > 1 else None,
    "1/N applied twice in grad_Wh (it belongs in grad_ytilde = (yhat - y)/N only)":
        lambda N, ny: dict(scale_wh=1.0 / N) if N > 1 else None,
    "1/N missing: the loss is the batch mean, so grad_ytilde = (yhat - y)/N":
        lambda N, ny: dict(scale_all=float(N)) if N > 1 else None,
    "grad_ytilde divided by the number of classes n_y (Y.shape[1]) instead of the batch size N (Y.shape[0])":
        lambda N, ny: dict(scale_all=N / ny) if N != ny else None,
    "grad_ytilde divided by N * n_y (Y.size): the loss averages over the N samples only (it sums over the "
    "classes), so grad_ytilde = (yhat - y)/N": lambda N, ny: dict(scale_all=1.0 / ny),
    "grad_ytilde computed from the logits ytilde instead of yhat (Q15: yhat - y)": lambda N, ny: dict(use_logits=True),
    "grad_ytilde multiplied again by the softmax derivative yhat * (1 - yhat): for the softmax followed by the "
    "cross-entropy the derivative with respect to ytilde is already (yhat - y)/N":
        lambda N, ny: dict(output_grad=lambda yh, y, n: (yh - y) * yh * (1 - yh) / n),
    "softmax applied again to outputs['yhat'] in backward: yhat is already the probabilities, "
    "grad_ytilde = (yhat - y)/N": lambda N, ny: dict(output_grad=lambda yh, y, n: (oracle_softmax(yh[None])[0] - y) / n),
    "the tanh derivative was taken with np.diag(1 - H ** 2): on a batch np.diag reads the diagonal of the (N, n_h) "
    "array (entry [j, j], sample j's unit j), so every sample gets that same factor; on a batch the derivative is "
    "elementwise, grad_Htilde = grad_H * (1 - H ** 2) (a diagonal matrix is the Jacobian of ONE sample)":
        lambda N, ny: dict(tanh_deriv="diag"),
    "grad_ytilde multiplied by a tanh derivative (1 - yhat^2): the output has no tanh; for the softmax followed by "
    "the cross-entropy the derivative with respect to ytilde is (yhat - y)/N":
        lambda N, ny: dict(output_grad=lambda yh, y, n: (yh - y) * (1 - yh ** 2) / n),
    "grad_Wy must use h = tanh(htilde), the layer's input, not the pre-activation htilde (Q16)":
        lambda N, ny: dict(wy_from="htilde"),
    "grad_ytilde is -y / yhat / N, the derivative of the loss with respect to yhat (the probabilities): backward "
    "needs it with respect to ytilde, the scores before the softmax; through the softmax's Jacobian it becomes "
    "grad_ytilde = (yhat - y) / N (Q15)":
        lambda N, ny: dict(output_grad=lambda yh, y, n: -y / yh / n),
    "the softmax's derivative was taken element by element (only the diagonal of its Jacobian, yhat (1 - yhat), as "
    "for a sigmoid) and applied to -y / yhat: the softmax mixes the classes (each output depends on every score); "
    "with the cross-entropy the whole Jacobian gives grad_ytilde = (yhat - y) / N (Q15)":
        lambda N, ny: dict(output_grad=lambda yh, y, n: -(1.0 - yh) * y / n),
    "the activation's derivative is a ReLU mask (grad_h kept where h > 0 and zeroed elsewhere, as in CS231n's "
    "two-layer net): this hidden layer is a tanh, whose derivative is 1 - h^2: grad_htilde = grad_h * (1 - h^2)":
        lambda N, ny: dict(tanh_deriv="relu"),
    "operator precedence: Yhat - Y / N divides only Y by N; write grad_ytilde = (Yhat - Y) / N":
        lambda N, ny: dict(output_grad=lambda yh, y, n: yh - y / n) if N > 1 else None,
}

_BACKWARD_HINT = ("W_y is (n_y, n_h): in row form grad_H = grad_Ytilde W_y (a matrix product, the transpose "
                  "of W_y^T grad_ytilde), grad_Wy = grad_Ytilde^T H has the shape of W_y (n_y, n_h), and "
                  "grad_Wh = grad_Htilde^T X has the shape of W_h, (n_h, n_x)")


#: Flags of the mistakes made in grad_ytilde itself: in the hidden layer's cell they apply only when the output
#: layer's gradients are wrong too (a factor 1/n_h in grad_h must not be named as grad_ytilde / n_y when n_h == n_y).
_OUTPUT_FLAGS = {"scale_all", "use_logits", "output_grad"}


def _diagnoses(params, outputs, Y, N, k, expected, output_right=False):
    diag = {}
    ny = np.shape(Y)[1]
    for message, flags_of in _BACKWARD_MISTAKES.items():
        flags = flags_of(N, ny)
        if flags is not None and not (output_right and _OUTPUT_FLAGS & set(flags)):
            diag[message] = (lambda flags=flags, k=k: oracle_backward(params, outputs, Y, **flags)[k])
    if not output_right:
        diag["sign error: the gradient is (yhat - y)/N, not (y - yhat)/N"] = -expected[k]
    return diag


_BROADCAST = re.compile(r"operands could not be broadcast together with shapes \(([\d, ]*)\) \(([\d, ]*)\)")


def _broadcast_hint(text: str, sizes) -> str | None:
    """An element-wise product of two arrays of different widths, their sizes named (N, n_x, n_h, n_y pairwise
    different and != 1 in the case that raised), or None when the message is not NumPy's broadcast error or a size
    is ambiguous."""
    m = _BROADCAST.search(text)
    N, nx, nh, ny = sizes
    names = {N: "N", nx: "n_x", nh: "n_h", ny: "n_y"}
    if m is None or len(names) < 4:
        return None
    shapes = [tuple(int(v) for v in g.split(",") if v.strip()) for g in m.groups()]
    if any(v not in names for shape in shapes for v in shape):
        return None
    shown = [f"({', '.join(names[v] for v in shape)})" for shape in shapes]
    head = (f"the line combines element by element an array of shape {shown[0]} and one of shape {shown[1]}, "
            f"which element-wise operations (+, -, *) cannot pair")
    if set(shown) != {"(N, n_h)", "(N, n_y)"}:
        return f"{head}; {_BACKWARD_HINT}"
    return (f"{head}; in grad_Htilde = grad_H * (1 - H ** 2) both are (N, n_h), H being the hidden layer's output: "
            f"an (N, n_y) array there (Yhat, Y or grad_Ytilde) belongs to the output layer")


def _explain_square_only(fn, keys, exc, sizes_differ: bool) -> None:
    """backward raised on sizes n_h != n_y: when it runs on a batch with n_h == n_y and its gradients there are
    exactly those of one catalogued mistake (W_y for W_y^T...), that mistake is the cause (the raise says where)."""
    if not sizes_differ:
        return
    r = core.rng("lab06.square-probe")
    N, nx, nh, ny = 5, 2, 3, 3
    params = _params(r, nx, nh, ny)
    X = r.normal(size=(N, nx))
    Y = _onehot(r, N, ny)
    _, outputs = oracle_forward(params, X)
    try:
        grads = fn(_copy_dict(params), _copy_dict(outputs), Y.copy())
        if not all(isinstance(grads.get(k), np.ndarray) for k in keys):
            return
    except Exception:
        return
    expected = oracle_backward(params, outputs, Y)
    if all(_near(grads[k], expected[k]) for k in keys):
        return
    for message, flags_of in _BACKWARD_MISTAKES.items():
        flags = flags_of(N, ny)
        if flags is None:
            continue
        wrong = oracle_backward(params, outputs, Y, **flags)
        if all(_near(grads[k], wrong[k]) for k in keys):
            core.fail(f"{exc}: on a batch with n_h == n_y = {nh} (N={N}, n_x={nx}) your backward runs, and its "
                      f"gradients are exactly those of this mistake: {message}", core.slug(message))


def _own_output_gradient(grads, outputs, params, N):
    """grad_Ytilde (N, n_y) read back from the student's grad_Wy = grad_Ytilde^T H, or None.

    Exact when H (N, n_h) has full row rank (N <= n_h): then H pinv(H) = I.
    """
    H = np.asarray(outputs["h"], dtype=_f64)
    gWy = grads.get("Wy") if isinstance(grads, dict) else None
    if not isinstance(gWy, np.ndarray) or gWy.shape != np.shape(params["Wy"]) or N > H.shape[1]:
        return None
    if np.linalg.matrix_rank(H) < N:
        return None
    G = (np.asarray(gWy, dtype=_f64) @ np.linalg.pinv(H)).T          # (N, n_y)
    rtol = 1e-4 if gWy.dtype.itemsize < 8 else 1e-6
    return G if np.allclose(G.T @ H, gWy, rtol=rtol, atol=rtol * 1e-2) else None


def _own_loss_gradient(loss_fn, params, outputs, Y, keys):
    """Finite differences of the student's own loss (on the reference softmax) for ``keys``, or None."""
    if loss_fn is None:
        return None
    X = np.asarray(outputs["X"], dtype=_f64)
    p64 = {k: np.asarray(v, dtype=_f64).copy() for k, v in params.items()}
    try:
        def loss(_v):
            yhat, _ = oracle_forward(p64, X)
            return float(core.call(loss_fn, yhat, np.asarray(Y, _f64), name="loss_accuracy")[0])
        return {k: core.numerical_gradient(loss, p64[k]) for k in keys}
    except (core.CheckFailure, TypeError, ValueError, IndexError):
        return None


def _backward_check(fn, keys, tag, loss_fn=None):
    r = core.rng(tag)
    runs = []
    for case_no, (N, nx, nh, ny, dt) in enumerate(_BACKWARD_CASES):
        params = _params(r, nx, nh, ny, dt)
        X = (r.normal(size=(N, nx))).astype(dt)
        Y = _onehot(r, N, ny, dt)
        special = "a batch of one sample" if N == 1 else "n_h == n_y" if nh == ny else "n_h == n_x" if nh == nx else None
        runs.append((special, _backward_case(fn, keys, loss_fn, params, X, Y, case_no == 0)))
    failed = None
    try:
        run_cases(runs)
    except core.CheckFailure as exc:
        failed = exc
    if failed is not None:      # asked outside the except clause: its message carries no comparison of a case
        if not _unimplemented_failure(failed):
            _backward_state(fn, False, keys)
            q = core.rng("lab06.backward.twice")
            params, X = _params(q, 5, 4, 3), q.normal(size=(7, 5))
            outputs, Y = oracle_forward(params, X)[1], _onehot(q, 7, 3)
            _expect_deterministic(fn, "backward", "backward(params, outputs, Y) with N=7, n_x=5, n_h=4, n_y=3",
                                  lambda: (_copy_dict(params), _copy_dict(outputs), Y.copy()),
                                  {"softmax": oracle_softmax})
        raise failed
    _results_kept(fn, "backward", _BACKWARD_TWICE, r)
    _backward_state(fn, True, keys)


def _square_backward_args(r):
    params, X = _params(r, 4, 4, 4), r.normal(size=(4, 4))
    return (params, oracle_forward(params, X)[1], _onehot(r, 4, 4)), ("params", "outputs", None)


def _backward_case(fn, keys, loss_fn, params, X, Y, finite_differences):
    def run():
        dt = X.dtype
        (N, nx), nh, ny = X.shape, params["Wh"].shape[0], Y.shape[1]
        hidden_part = "Wh" in keys
        _, outputs = oracle_forward(params, X)
        outputs = {k: v.astype(dt) for k, v in outputs.items()}
        p_before, o_before, Y_before = _copy_dict(params), _copy_dict(outputs), Y.copy()
        name = f"backward(params, outputs, Y) with N={N}, n_x={nx}, n_h={nh}, n_y={ny}, {np.dtype(dt).name}"
        try:
            grads = _call_with_shape_hint(fn, params, outputs, Y, name=name,
                                          hint=lambda text: _broadcast_hint(text, (N, nx, nh, ny)) or _BACKWARD_HINT)
        except core.CheckFailure as exc:
            if " raised " in str(exc) and _layer_of_line(core.raised_line(exc)) == ("output" if hidden_part else "hidden"):
                return      # the line that raised computes the other layer's gradients: judged in that layer's cell
            if " raised " in str(exc) and "not implemented" not in str(exc):
                _explain_dict_changed_on_square(fn, exc, "backward", _square_backward_args)
                _explain_label_index(exc, N, ny)
                _explain_n_by_n(fn, exc, (N, nx, nh, ny))
                _explain_outputs_exchanged(fn, params, outputs, Y, keys, exc)
                _explain_square_only(fn, keys, exc, nh != ny)
                _explain_matmul_sizes(fn, exc, (N, nx, nh, ny))
            raise
        _unchanged(p_before, params, "backward", "params")
        _unchanged(o_before, outputs, "backward", "outputs")
        _unchanged({"Y": Y_before}, {"Y": Y}, "backward", "the labels")
        _expect_dict(grads, keys, "backward (the grads dict)")
        expected = oracle_backward(params, outputs, Y)
        if all(_near(grads[k], expected[k]) for k in keys):
            if finite_differences:
                _finite_differences(grads, params, X, Y, keys)
            return
        if hidden_part:
            # The hidden formulas applied to the student's own output gradient: a mistake in
            # grad_ytilde is the output cell's, not this one's.
            G = _own_output_gradient(grads, outputs, params, N)
            if G is not None:
                own = oracle_backward(params, outputs, Y, gy=G)
                if all(_near(grads[k], own[k]) for k in keys):
                    return
            elif not all(_near(grads[k], expected[k]) for k in ("Wy", "by") if k in grads):
                return      # output gradient wrong and not readable here: judged on the other cases
        try:
            for k in keys:
                _judge_gradient(grads, k, params, outputs, Y, expected, name, loss_fn, fn)
        except core.CheckFailure as exc:
            _explain_zero_gradients(grads, keys, expected, name)
            if not hidden_part:
                _explain_class_reduction(fn, grads, keys, params, outputs, Y, expected, name)
            if exc.diagnosis in ("scaled", "backward-not-derivative-of-loss"):
                _explain_layer_scaled(grads, keys, expected, name, (N, nx, nh, ny), exc, fn, len(outputs))
                _explain_key_scaled(grads, keys, expected, name, (N, nx, nh, ny))
            if exc.diagnosis in cases.GENERIC_DIAGNOSES | {"scaled", "wrong-values", "backward-not-derivative-of-loss"}:
                _explain_mixed_samples(fn, grads, keys, params, outputs, Y, name, exc)
                if hidden_part:
                    _explain_hidden_factor(fn, name)
                else:
                    _explain_output_gradient(fn, name, exc)     # last: the readings above are more specific
            raise
    return run


def _explain_zero_gradients(grads, keys, expected, name) -> None:
    """Gradients returned all zero (np.zeros_like left from a skeleton) where the true gradient is not: said as an
    observation on this call, which keys and which layer, before any reading of a formula."""
    zero = [k for k in keys if k in grads and np.shape(grads[k]) == np.shape(expected[k])
            and not np.any(np.asarray(grads[k], dtype=_f64)) and np.any(expected[k])]
    if not zero:
        return
    layer = {"Wh": "hidden", "bh": "hidden", "Wy": "output", "by": "output"}
    layers = sorted({layer.get(k, "") for k in zero})
    which = f"the {layers[0]} layer's" if len(layers) == 1 and layers[0] else "these"
    listed = " and ".join(f"grads['{k}']" for k in zero)
    core.fail(f"{name}: {listed} {'is' if len(zero) == 1 else 'are'} all zero while the true gradient is not: "
              f"{which} gradients are not computed (all zero): an np.zeros_like(...) placeholder left in place, or "
              f"the result of the formula not stored in the returned dict", "gradients-all-zero")


def _explain_output_gradient(fn, name, exc) -> None:
    """With ONE sample grads['by'] is grad_ytilde itself (the bias gradient sums it over a batch of one): read it on
    such a call (n_x=3, n_h=4, n_y=5) and compare it with yhat - y; said only when they differ (else the mistake is
    after grad_ytilde).  The property told: each row of yhat - y sums to 0 over the classes."""
    r = core.rng("lab06.backward.one-sample")
    params = _params(r, 3, 4, 5)
    X, Y = r.normal(size=(1, 3)), _onehot(r, 1, 5)
    _, outputs = oracle_forward(params, X)
    try:
        got = fn(_copy_dict(params), _copy_dict(outputs), Y.copy())
        gy = np.asarray(got["by"], dtype=_f64).reshape(-1)
    except Exception:   # a probe that fails says nothing
        return
    want = (outputs["yhat"] - Y)[0]
    if gy.shape != want.shape or _near(gy, want):
        return
    c = float(gy @ want / (want @ want))
    if _near(gy, c * want):
        return      # yhat - y times a factor: the scale readings (1/N, 2, n_x) are the other explainers'
    fmt = lambda v: "[" + ", ".join(f"{x:.4g}" for x in v) + "]"
    with np.errstate(all="ignore"):
        e = np.exp(outputs["ytilde"][0])
    if _near(gy + Y[0], e) and not _near(e, outputs["yhat"][0]):
        core.fail(f"{exc}. On one sample (N=1, n_y=5) grads['by'] is grad_ytilde itself: yours is {fmt(gy)}, and "
                  f"yours + y is exp(ytilde) = {fmt(e)}, whose entries sum to {e.sum():.4g}, not 1: the yhat your "
                  f"backward uses is exp(ytilde) without the division by its row sum (not the softmax); use the "
                  f"stored probabilities outputs['yhat'] (or softmax(ytilde)): grad_ytilde = (yhat - y) / N",
                  "backward-yhat-not-normalised")
    sums = (f"; its entries sum to {gy.sum():.4g}, while yhat - y sums to 0 over the classes (both rows sum to 1): "
            f"through the softmax every score moves every probability, and its whole Jacobian, diag(yhat) minus the "
            f"OUTER product yhat yhat^T, applied to -y / yhat gives exactly yhat - y" if abs(gy.sum()) > 1e-6 else "")
    core.fail(f"{exc}. On one sample (N=1, n_y=5) grads['by'] is grad_ytilde itself: yours is {fmt(gy)}, expected "
              f"yhat - y = {fmt(want)}{sums}: for the softmax followed by the cross-entropy, grad_ytilde = "
              f"(yhat - y) / N", "output-gradient-not-yhat-minus-y")


def _explain_class_reduction(fn, grads, keys, params, outputs, Y, expected, name) -> None:
    """Output gradients that are all zero: each row of yhat - y sums to 0 (both rows sum to 1), so a sum or mean of
    yhat - y over the classes (axis=1) is 0 everywhere.  Confirmed on outputs whose yhat rows sum to 1/2 (the
    reduction is then not 0): the student's gradients are those of that reduction, broadcast over the classes."""
    gs = [np.asarray(grads[k], dtype=_f64) if isinstance(grads.get(k), np.ndarray) else None for k in keys]
    if any(g is None or g.shape != expected[k].shape or np.max(np.abs(g), initial=0.0) > 1e-9 * (1.0 + np.max(np.abs(
            expected[k]), initial=0.0)) for g, k in zip(gs, keys)) or \
            not any(np.any(expected[k]) for k in keys):
        return
    N = Y.shape[0]
    probe = _copy_dict(outputs)
    probe["yhat"] = outputs["yhat"] / 2
    try:
        got = fn(_copy_dict(params), _copy_dict(probe), Y.copy())
        got = {k: np.asarray(got[k], dtype=_f64) for k in keys}
    except Exception:   # a probe that fails says nothing
        got = None
    D = np.asarray(probe["yhat"], dtype=_f64) - np.asarray(Y, dtype=_f64)
    which = ""
    for label, G in (("mean", D.mean(axis=1, keepdims=True)), ("sum", D.sum(axis=1, keepdims=True))):
        for scale, per in ((1.0, ""), (1.0 / N, " / N")):
            want = oracle_backward(params, probe, Y, gy=np.broadcast_to(G * scale, D.shape))
            if got is not None and all(got[k].shape == want[k].shape and _near(got[k], want[k]) for k in keys):
                which = (f" (with yhat's rows summing to 1/2 instead of 1, your gradients are exactly those of "
                         f"grad_ytilde = the {label} of yhat - y over the classes{per}, the same number for every class)")
    listed = " and ".join(f"grads['{k}']" for k in keys)
    core.fail(f"{name}: {listed} are all zeros (up to rounding): your grad_ytilde reduces yhat - y over the classes (a sum or mean "
              f"over axis=1), which is 0 for every sample, since each row of yhat and each row of the one-hot y sums "
              f"to 1{which}; grad_ytilde keeps one entry per sample and class, (yhat - y) / N of shape (N, n_y), and "
              f"the 1/N averages over the batch (axis 0), not over the classes", "output-gradient-reduced-over-classes")


def _explain_hidden_factor(fn, name) -> None:
    """The factor the student's backward puts between grad_h and grad_htilde, read unit by unit on a batch of ONE
    sample: grad_h = grad_ytilde W_y is computed from the student's own grad_by (= grad_ytilde^T for one sample), and
    grad_htilde from their grad_Wh = grad_htilde^T x (or grad_bh = grad_htilde^T).  When the hidden formulas apply a
    factor other than tanh' = 1 - h^2 (a ReLU mask, a missing or another derivative), the failure says which factor,
    at which h, against 1 - h^2.  Says nothing when the factor is right (the mistake is elsewhere) or unreadable."""
    r = core.rng("lab06.hidden-factor")
    nx, nh, ny = 3, 6, 4
    params = _params(r, nx, nh, ny, scale=1.0)
    X = r.normal(size=(1, nx)) * 1.5
    Y = _onehot(r, 1, ny)
    _, outputs = oracle_forward(params, X)
    try:
        with np.errstate(all="ignore"):
            grads = fn(_copy_dict(params), _copy_dict(outputs), Y.copy())
        gby = np.asarray(grads["by"], dtype=_f64).reshape(-1)
        gWh = np.asarray(grads["Wh"], dtype=_f64)
        gbh = np.asarray(grads["bh"], dtype=_f64).reshape(-1)
    except Exception:
        return
    if gby.shape != (ny,) or gWh.shape != (nh, nx) or not np.isfinite(gby).all():
        return
    gh = gby @ params["Wy"]                                   # grad_h of their own grad_ytilde, (n_h,)
    x = X[0]
    ght = gWh @ x / float(x @ x)                              # grad_htilde read from grad_Wh = grad_htilde x^T
    if not np.allclose(np.outer(ght, x), gWh, rtol=1e-6, atol=1e-9):
        if gbh.shape != (nh,):
            return
        ght = gbh
    h = outputs["h"][0]
    use = np.abs(gh) > 1e-6 * max(float(np.abs(gh).max()), 1e-300)
    if not use.any() or not np.isfinite(ght).all():
        return
    factor = np.where(use, ght / np.where(use, gh, 1.0), np.nan)
    right = 1.0 - h ** 2
    if np.allclose(factor[use], right[use], rtol=1e-5, atol=1e-8):
        return      # the tanh derivative is applied right: the mistake is elsewhere
    named = {"1 (no derivative: grad_htilde = grad_h)": np.ones(nh),
             "0/1, a ReLU mask (1 where h > 0, 0 elsewhere): the derivative of ReLU, not of tanh":
                 (h > 0).astype(_f64),
             "1 - htilde^2 (the pre-activation instead of h)": 1.0 - outputs["htilde"][0] ** 2,
             "h (1 - h), the sigmoid's derivative": h * (1.0 - h),
             "1 - h (the square missing)": 1.0 - h,
             "(1 - h^2)^2 (the derivative applied twice)": right ** 2,
             "1 + h^2 (a sign slip)": 1.0 + h ** 2,
             "1 / cosh(htilde), sech without its square (tanh' = sech^2 = 1 - h^2)":
                 1.0 / np.cosh(outputs["htilde"][0])}
    what = next((words for words, f in named.items() if np.allclose(factor[use], f[use], rtol=1e-5, atol=1e-8)),
                None)
    shown = ", ".join(f"{v:.3g}" for v in factor[use][:4])
    at = ", ".join(f"{v:.3g}" for v in h[use][:4])
    want = ", ".join(f"{v:.3g}" for v in right[use][:4])
    core.fail(f"{name}: the hidden layer's gradients apply the wrong derivative of the activation: on one sample "
              f"(from your own grad_ytilde), grad_htilde / grad_h unit by unit is [{shown}] at h = [{at}]"
              + (f", which is {what}" if what else "")
              + f"; tanh's derivative gives 1 - h^2 = [{want}]: grad_Htilde = grad_H * (1 - H ** 2) with "
              f"grad_H = grad_Ytilde @ W_y", "hidden-activation-derivative")


def _n_by_n_shapes(text: str, N: int, ny: int) -> bool:
    """NumPy's broadcast error between an (N, N) and an (N, n_y) array (N != n_y)."""
    m = _BROADCAST.search(text)
    if m is None or N == ny:
        return False
    shapes = {tuple(int(v) for v in g.split(",") if v.strip()) for g in m.groups()}
    return shapes == {(N, N), (N, ny)}


def _explain_n_by_n(fn, exc: core.CheckFailure, sizes) -> None:
    """backward raised because an (N, N) array met an (N, n_y) one (N distinct from the other sizes): named when a
    second call, with other pairwise different sizes, raises the same way (an array of N columns where the n_y
    classes belong: np.eye(N) / np.identity(N) for the one-hot)."""
    N, nx, nh, ny = sizes
    if len({N, nx, nh, ny}) < 4 or not _n_by_n_shapes(str(exc), N, ny):
        return
    r = core.rng("lab06.n-by-n")
    N2, nx2, nh2, ny2 = 6, 2, 5, 4
    params, X = _params(r, nx2, nh2, ny2), r.normal(size=(N2, nx2))
    outputs, Y = oracle_forward(params, X)[1], _onehot(r, N2, ny2)
    try:
        fn(_copy_dict(params), _copy_dict(outputs), Y.copy())
    except Exception as again:
        if not _n_by_n_shapes(str(again), N2, ny2):
            return
    else:
        return
    head = str(exc).split(". Hint:", 1)[0]
    core.fail(f"{head}: an (N, N) = ({N}, {N}) array met an (N, n_y) = ({N}, {ny}) one, and again with N={N2}, "
              f"n_y={ny2} ({N2}, {N2}): something has N columns where the n_y classes belong, the size of np.eye(N) "
              f"or np.identity(N) (a one-hot has one column per class, np.eye(n_y)[labels]); Y is already the "
              f"one-hot labels (N, n_y): grad_Ytilde = (Yhat - Y) / N", "n-by-n-array")


def _explain_label_index(exc: core.CheckFailure, N: int, ny: int) -> None:
    """An IndexError of fancy indexing whose two index arrays have N and n_y entries: the sample indices
    (np.arange(N)) are paired with one label per class, labels taken along the wrong axis (Y.argmax(axis=0))."""
    text = str(exc)
    if " raised IndexError" in text and "arrays used as indices must be of integer (or boolean) type" in text:
        head = text.split(". Hint:", 1)[0]
        core.fail(f"{head}: a float array was used as an index: Y is one-hot, (N, n_y) = ({N}, {ny}) of 0.0 and 1.0, "
                  f"not a vector of integer labels, so it cannot index the classes (an integer-label recipe such "
                  f"as CS231n's dscores[np.arange(N), y] -= 1?). With one-hot Y, grad_Ytilde = (Yhat - Y) / N needs no "
                  f"indexing; the integer labels, if you want them, are Y.argmax(axis=1)", "one-hot-used-as-labels")
    found = re.search(r"indexing arrays could not be broadcast together with shapes \((\d+),\) \((\d+),\)", text)
    if " raised IndexError" not in text or not found or N == ny or \
            sorted(int(g) for g in found.groups()) != sorted((N, ny)):
        return
    head = text.split(". Hint:", 1)[0]
    core.fail(f"{head}: the two index arrays have {N} entries (one per sample) and {ny} (one per class): the labels "
              f"were taken along the wrong axis. Y is (N, n_y) = ({N}, {ny}), one row per sample, so the class of "
              f"each sample is Y.argmax(axis=1) (N entries); Y.argmax(axis=0) gives one entry per class. (With "
              f"one-hot Y, grad_Ytilde = (Yhat - Y) / N needs no indexing at all.)", "labels-wrong-axis")


_HIDDEN_TARGET = re.compile(r"htilde|tildeh|wh|bh|w1|b1|z1|hidden")
_OUTPUT_TARGET = re.compile(r"ytilde|tildey|yhat|wy|by|w2|b2|z2|loss")


def _layer_of_line(line: str) -> str:
    """Which layer's gradient the student's line that raised computes, from what it assigns: 'hidden' (grad_Htilde,
    dWh, db1...: Q17, after the output layer's, so those were already computed), 'output' (grad_Ytilde, grad_Wy,
    dW2...: Q15-Q16, which the hidden layer's gradients are built from, so a raise there is the output cell's), or ''
    (no assignment, both layers named, or neither)."""
    if "=" not in line or "==" in line.split("=")[0] + "=":
        return ""
    target = re.sub(r"[^a-z0-9]", "", line.split("=")[0].lower())
    hidden, output = bool(_HIDDEN_TARGET.search(target)), bool(_OUTPUT_TARGET.search(target))
    return "hidden" if hidden and not output else "output" if output and not hidden else ""


_MATMUL_SIZES = re.compile(r"matmul: .*\(size (\d+) is different from (\d+)\)")


def _matmul_sizes(text: str):
    """(rows of the right operand, columns of the left one) of a failed A @ B, from numpy's message, or None."""
    m = _MATMUL_SIZES.search(text)
    return (int(m.group(1)), int(m.group(2))) if m else None


def _explain_matmul_sizes(fn, exc, sizes) -> None:
    """backward raised in a matrix product A @ B: A's columns and B's rows, named by re-running on a batch whose
    sizes N, n_x, n_h, n_y are pairwise different and != 1 (the failing case may have equal sizes): which sizes met,
    and what that product is (two per-sample arrays multiplied with @ where * belongs; an array that keeps its size
    when the batch changes, so it does not come from the arguments)."""
    first = _matmul_sizes(str(exc))
    if first is None:
        return
    r = core.rng("lab06.matmul-probe")
    N, nx, nh, ny = 9, 2, 7, 4          # pairwise different, different from every _BACKWARD_CASES size set
    params = _params(r, nx, nh, ny)
    X = r.normal(size=(N, nx))
    Y = _onehot(r, N, ny)
    _, outputs = oracle_forward(params, X)
    try:
        fn(_copy_dict(params), _copy_dict(outputs), Y.copy())
        return
    except Exception as probe:
        second = _matmul_sizes(str(probe))
    if second is None:
        return
    names = {N: "N = 9 (one row per sample)", nx: "n_x = 2", nh: "n_h = 7", ny: "n_y = 4"}
    b_rows, a_cols = second
    head = (f"{str(exc).split('. Hint:')[0]}: a matrix product A @ B failed; on a batch with N = 9, n_x = 2, n_h = 7, "
            f"n_y = 4 it fails the same way, with A having {a_cols} columns and B {b_rows} rows")
    if b_rows not in names and b_rows == first[0] and b_rows not in sizes:
        core.fail(f"{head}: B has {b_rows} row(s) in both runs, while every batch array of this call (X, h, htilde, "
                  f"yhat, Y) has N rows: B does not come from the arguments (a variable of the notebook, such as an X "
                  f"of another cell, used inside backward?); read every array from outputs and params",
                  "array-from-outside-the-call")
    if b_rows == N and a_cols in (nh, nx, ny) and a_cols != N:
        core.fail(f"{head}: B's rows are {names[b_rows]}, A's columns {names[a_cols]}: B is a per-sample array (N rows), so this "
                  f"is @ between two per-sample arrays such as grad_H and (1 - H ** 2), where the elementwise product "
                  f"* belongs (grad_Htilde = grad_H * (1 - H ** 2)), or a transpose (.T) missing on A",
                  "matmul-of-per-sample-arrays")
    if (a_cols, b_rows) in ((1, N), (N, 1)):
        one = "A's columns" if a_cols == 1 else "B's rows"
        core.fail(f"{head}: {one} are 1 where the other side has {names[N]}: that operand is a per-sample array "
                  f"reduced over the batch before the product (a mean or sum over axis=0 with keepdims=True?), so "
                  f"it kept one row where N rows belong; grad_Ytilde = (Yhat - Y) / N (N, n_y) and grad_Htilde (N, n_h) "
                  f"keep one row per sample: only grad_W (through the matrix product) and grad_b sum over the batch",
                  "reduced-over-batch-too-early")
    if a_cols in names and b_rows in names:
        core.fail(f"{head}: A's columns are {names[a_cols]} and B's rows {names[b_rows]}; {_BACKWARD_HINT}",
                  "matmul-sizes")


def _explain_outputs_exchanged(fn, params, outputs, Y, keys, exc) -> None:
    """backward raised; with two cached arrays exchanged in the outputs dict it runs and gives the right gradients:
    it reads each of them where the other belongs (X, H = outputs["h"], outputs["X"])."""
    expected = oracle_backward(params, outputs, Y)
    names = list(outputs)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            if np.shape(outputs[a]) == np.shape(outputs[b]):
                continue
            swapped = {**outputs, a: outputs[b].copy(), b: outputs[a].copy()}
            try:
                got = fn(_copy_dict(params), swapped, Y.copy())
            except Exception:
                continue
            if isinstance(got, dict) and all(k in got and isinstance(got[k], np.ndarray)
                                             and got[k].shape == np.shape(expected[k]) and _near(got[k], expected[k])
                                             for k in keys):
                core.fail(f"{str(exc).split('. Hint:')[0]}: with outputs['{a}'] and outputs['{b}'] exchanged, your backward runs and gives the "
                          f"right gradients: it reads outputs['{a}'] where it needs outputs['{b}'] and the other way "
                          f"round (check the names when unpacking the outputs dict)", "outputs-read-exchanged")


_LAYER_LINES = {"Wh": "grad_h = grad_Ytilde W_y, the tanh derivative (1 - h^2) and grad_htilde",
                "Wy": "grad_ytilde = (yhat - y)/N"}


def _layer_factor(g, e, sizes) -> str | None:
    N, nx, nh, ny = sizes
    return cases.explain_factor(np.asarray(g, dtype=_f64), e, {"N": N, "n_x": nx, "n_h": nh, "n_y": ny}, divisor="N") \
        or cases.explain_factor(np.asarray(g, dtype=_f64), e, {"N": N, "n_h": nh, "n_y": ny})


def _confirm_layer_factor(fn, keys, sizes, k1, said, outputs_len) -> str:
    """A size named as the factor is said only when a second batch whose sizes all differ names the same size; a
    divisor that stays the same whatever the sizes (N taken from something else) is said as such."""
    N, nx, nh, ny = sizes
    sizes2 = (N + 4, nx + 3, nh + 2, ny + 1)
    r = core.rng("lab06.layer-factor")
    params = _params(r, sizes2[1], sizes2[2], sizes2[3])
    X = r.normal(size=(sizes2[0], sizes2[1]))
    Y = _onehot(r, sizes2[0], sizes2[3])
    outputs = oracle_forward(params, X)[1]
    expected = oracle_backward(params, outputs, Y)
    try:
        g = np.asarray(fn(_copy_dict(params), _copy_dict(outputs), Y.copy())[keys[0]], dtype=_f64)
    except Exception:   # a probe that fails says nothing
        g = None
    plain = f"your result is the expected one times {k1:.4g}"
    if g is None or g.shape != expected[keys[0]].shape:
        return plain
    e = expected[keys[0]]
    k2 = float(g.ravel() @ e.ravel() / (e.ravel() @ e.ravel()))
    if not _near(g, k2 * e):
        return plain
    again = _layer_factor(g, e, sizes2)
    if said and again and re.sub(r"[0-9.]+", "#", said) == re.sub(r"[0-9.]+", "#", again):
        return said
    c1, c2 = N / k1, sizes2[0] / k2
    if abs(c1 - c2) < 1e-6 * abs(c1) and abs(c1 - round(c1)) < 1e-6:
        also = (f" (len(outputs) = {outputs_len} is the number of entries of the outputs dict)"
                if round(c1) == outputs_len else "")
        return (f"your result is the expected one times N / {round(c1)} on a batch of N = {N} and on one of N = "
                f"{sizes2[0]} alike: you divided by {round(c1)} whatever the batch size, where the 1/N must use the "
                f"batch size N = Y.shape[0]{also}")
    return f"{plain}, and times {k2:.4g} on a second batch with N={sizes2[0]}, n_x={sizes2[1]}, n_h={sizes2[2]}, n_y={sizes2[3]}"


def _explain_layer_scaled(grads, keys, expected, name, sizes, exc, fn=None, outputs_len=5) -> None:
    """Both gradients of a layer off by the same factor: the factor is in the gradient of the pre-activation
    they are both built from (grad_htilde, grad_ytilde), not in either formula."""
    N, nx, nh, ny = sizes
    ks = []
    for k in keys:
        g, e = np.asarray(grads[k], dtype=_f64), expected[k]
        if g.shape != e.shape or not np.any(e):
            return
        ks.append(float(g.ravel() @ e.ravel() / (e.ravel() @ e.ravel())))
    if abs(ks[0]) < 1e-9 or abs(ks[0] - 1) < 1e-3 or any(abs(k - ks[0]) > 1e-6 * abs(ks[0]) for k in ks) or \
            not all(_near(np.asarray(grads[k], dtype=_f64), ks[0] * expected[k]) for k in keys):
        return
    said = _layer_factor(grads[keys[0]], expected[keys[0]], sizes)
    if fn is not None:
        said = _confirm_layer_factor(fn, keys, sizes, ks[0], said, outputs_len)
    layer = "Wh" if "Wh" in keys else "Wy"
    which = " and ".join(f"grads['{k}']" for k in keys)
    core.fail(f"{name}: {which} are both off by the same factor ({said}): the factor is in what both are built "
              f"from, {_LAYER_LINES[layer]}, not in grad_W or grad_b themselves (the 1/N belongs in grad_ytilde "
              f"only)", "layer-scaled")


def _explain_key_scaled(grads, keys, expected, name, sizes) -> None:
    """One gradient of the layer off by a ratio of the sizes while the other is right: the factor is in that
    gradient's own line (a mean where the batch sum belongs, a division by a size)."""
    N, nx, nh, ny = sizes
    wrong = [k for k in keys if not _near(grads[k], expected[k])]
    if len(wrong) != 1 or len(keys) < 2:
        return
    k = wrong[0]
    g = np.asarray(grads[k], dtype=_f64)
    said = cases.explain_factor(g, expected[k], {"N": N, "n_x": nx, "n_h": nh, "n_y": ny})
    if not said:
        return
    ratio = float(np.median(g[np.abs(expected[k]) > 1e-12] / expected[k][np.abs(expected[k]) > 1e-12]))
    if k[0] == "b" and abs(ratio * N - 1) < 1e-6:
        core.fail(f"{name}: grads['{k}'] is the expected one divided by N = {N}: a mean over the batch where the bias "
                  f"gradient sums the samples' contributions (np.sum(..., axis=0)); the 1/N is already in "
                  f"grad_ytilde = (yhat - y)/N ({said})", "bias-grad-mean")
    other = next(kk for kk in keys if kk != k)
    core.fail(f"{name}: grads['{k}'] is off by a factor while grads['{other}'] is right, so the factor is in the "
              f"line of grads['{k}'] alone: {said}", "grad-line-scaled")


def _explain_mixed_samples(fn, grads, keys, params, outputs, Y, name, exc) -> None:
    """The gradient of a mean over the batch is the mean of the per-sample gradients: when your backward is right
    on every sample alone but the batch is not their mean, a quantity mixes the samples (a reduction over the batch
    axis, axis 0, where each sample must keep its own values)."""
    N = Y.shape[0]
    if N < 2:
        return
    per = []
    for n in range(N):
        one = {k: np.array(v[n:n + 1]) for k, v in outputs.items()}
        try:
            g = fn(_copy_dict(params), one, np.array(Y[n:n + 1]))
        except Exception:
            return
        want = oracle_backward(params, one, Y[n:n + 1])
        if not isinstance(g, dict) or not all(k in g and _near(g[k], want[k]) for k in keys):
            return
        per.append({k: np.asarray(g[k], dtype=_f64) for k in keys})
    mean = {k: sum(p[k] for p in per) / N for k in keys}
    if all(_near(grads[k], mean[k]) for k in keys):
        return
    layer = "Wh" if "Wh" in keys else "Wy"
    wrong = [k for k in keys if not _near(grads[k], _oracle_grads(params, outputs, Y)[k])]
    where = (f"grads['{wrong[0]}'] is wrong and grads['{next(k for k in keys if k != wrong[0])}'] is right, so look "
             f"at the line of grads['{wrong[0]}']: {_GRAD_LINES[wrong[0]]}, summed over the samples by the matrix "
             f"product, not a product of sums" if len(wrong) == 1 and wrong[0][0] == "W" else
             f"look at {_LAYER_LINES[layer]}; only grad_W and grad_b sum over the batch")
    core.fail(f"{name}: right for each sample alone (a batch of one), but with N={N} samples your gradients are not "
              f"the mean of those per-sample gradients: some quantity mixes the samples, a mean or sum over the batch "
              f"axis (axis=0) taken before the end, where each sample must keep its own row ({where}) ({exc})",
              "samples-mixed")


def _oracle_grads(params, outputs, Y):
    return oracle_backward(params, outputs, Y)


_GRAD_LINES = {"Wy": "grad_Wy = grad_Ytilde^T H", "Wh": "grad_Wh = grad_Htilde^T X"}


def _explain_outer_of_batch(g, k, shape, N, params, outputs, Y, label) -> None:
    """A weight gradient of shape (N * rows, N * columns) equal to np.outer of the whole (N, rows) and (N, columns)
    arrays: np.outer flattens its arguments, so the per-sample formula grad_W = outer(grad, input) does not batch."""
    if N < 2 or k[0] != "W" or not isinstance(g, np.ndarray) or g.shape != (N * shape[0], N * shape[1]):
        return
    H, X = (np.asarray(outputs[key], dtype=_f64) for key in ("h", "X"))
    gy = (np.asarray(outputs["yhat"], dtype=_f64) - np.asarray(Y, dtype=_f64)) / N
    grad, inp, names = ((gy, H, ("grad_Ytilde", "H")) if k == "Wy" else
                        ((gy @ np.asarray(params["Wy"], dtype=_f64)) * (1 - H ** 2), X, ("grad_Htilde", "X")))
    if _near(g, np.outer(grad, inp)):
        core.fail(f"{label} has shape {g.shape} = (N * {shape[0]}, N * {shape[1]}) and equals np.outer({names[0]}, "
                  f"{names[1]}): np.outer flattens its arguments, so the per-sample outer product does not work on "
                  f"a batch; grad_{k} = {names[0]}.T @ {names[1]} sums the samples' outer products, shape {shape}",
                  "outer-of-batch")


def _explain_derivative_matmul(g, k, shape, N, params, outputs, Y, label) -> None:
    """A hidden gradient equal to what grad_Htilde = grad_H @ (1 - H ** 2).T (an (N, N) matrix) gives: the
    activation's derivative multiplied with a matrix product where the element-wise product belongs."""
    if N < 2 or N == shape[0] or not isinstance(g, np.ndarray) or g.shape == shape:
        return
    H, X = (np.asarray(outputs[key], dtype=_f64) for key in ("h", "X"))
    gy = (np.asarray(outputs["yhat"], dtype=_f64) - np.asarray(Y, dtype=_f64)) / N
    grad_H = gy @ np.asarray(params["Wy"], dtype=_f64)
    for M in (grad_H @ (1 - H ** 2).T, (1 - H ** 2) @ grad_H.T):
        made = M.T @ X if k == "Wh" else M.sum(axis=0, keepdims=True).T
        if _near(g, made) or _near(g, made.T):
            core.fail(f"{label} has shape {g.shape}: it is built from a grad_Htilde of shape {M.shape} = (N, N): "
                      f"tanh's derivative was applied with a matrix product (@, np.dot) where the element-wise "
                      f"product belongs; each unit's gradient is scaled by its own derivative, grad_Htilde = grad_H "
                      f"* (1 - H ** 2), shape (N, n_h)", "derivative-matrix-product")


def _explain_weight_decay(g, k, params, want, label) -> None:
    """A gradient that is the right one plus c * (its own parameter), c != 0 fitted by least squares: an L2 term
    (weight decay, reg * W) added to the cross-entropy's gradient."""
    W = np.asarray(params[k], dtype=_f64)
    if not isinstance(g, np.ndarray) or g.shape != W.shape or W.size < 2 or not np.any(W):
        return
    d = np.asarray(g, dtype=_f64) - np.asarray(want, dtype=_f64)
    c = float(np.sum(d * W) / np.sum(W * W))
    if abs(c) < 1e-12 or not _near(d, c * W, 1e-6, 1e-10):
        return
    core.fail(f"{label} is the right gradient plus {c:.4g} * params['{k}']: an L2 regularisation term (weight decay, "
              f"reg * W) was added; the lab's loss is the mean cross-entropy alone, with no penalty on the "
              f"weights: return its gradient only", "grad-weight-decay")


def _judge_gradient(grads, k, params, outputs, Y, expected, name, loss_fn, fn=None):
    N = Y.shape[0]
    shape = np.shape(params[k])
    g = grads[k]
    label = f"{name}: grads['{k}']"
    _explain_other_key(grads, k, expected, label)
    if isinstance(g, np.ndarray) and g.shape == shape[::-1] and shape[0] != shape[1]:
        core.fail(f"{label} has shape {g.shape}, the transpose of params['{k}'] "
                  f"{shape}: a gradient has the shape of its parameter "
                  + ("(grad_W = grad_pre-activation^T @ input)" if k[0] == "W" else
                     "(sum grad over the batch axis and keep a column)"), "grad-transposed")
    if k in ("Wh", "bh"):
        _explain_derivative_matmul(g, k, shape, N, params, outputs, Y, label)
    if isinstance(g, np.ndarray) and k[0] == "b" and g.shape != shape and N in g.shape:
        core.fail(f"{label} has shape {g.shape}: the bias gradient must be summed "
                  f"over the batch axis (axis=0 of the (N, n) gradient), expected shape {shape}",
                  "bias-grad-not-summed")
    if isinstance(g, np.ndarray) and k[0] == "W" and g.ndim == 2 and g.shape[0] == shape[0] and g.shape != shape:
        inputs = {"Wh": ("X", np.shape(outputs["X"])[1], "h or htilde", np.shape(outputs["h"])[1]),
                  "Wy": ("h", np.shape(outputs["h"])[1], "X", np.shape(outputs["X"])[1])}[k]
        if g.shape[1] == inputs[3] and inputs[1] != inputs[3]:
            core.fail(f"{label} has shape {g.shape} instead of {shape}: it was built with {inputs[2]} (N, {inputs[3]}) "
                      f"instead of the layer's input {inputs[0]} (N, {inputs[1]}): grad_W = grad_pre-activation^T @ "
                      f"input", "grad-w-from-wrong-input")
    _explain_outer_of_batch(g, k, shape, N, params, outputs, Y, label)
    if isinstance(g, (int, float, np.number)) or (isinstance(g, np.ndarray) and g.ndim == 0):
        total = float(np.sum(expected[k]))
        summed = (f" equal to the sum of every entry of the expected {shape} gradient ({total:.6g}): a sum without "
                  f"axis= adds up the samples AND the units" if core.close(float(g), total, 1e-5, 1e-8) else "")
        fix = ("sum over the batch axis only and keep a column, grad_Htilde.sum(axis=0, keepdims=True).T"
               if k == "bh" else "sum over the batch axis only and keep a column, grad_Ytilde.sum(axis=0, "
               "keepdims=True).T" if k == "by" else "grad_W = grad_pre-activation^T @ input, a matrix")
        core.fail(f"{label} is a single number ({core.describe(g)}){summed}; it must have the shape {shape} of "
                  f"params['{k}']: {fix}", "grad-is-a-scalar")
    core.expect_array(g, name=label, shape=shape, want=expected[k])
    if _near(g, expected[k]):
        return
    if isinstance(g, np.ndarray) and k[0] == "W" and shape[0] != shape[1] and \
            _near(g, np.ascontiguousarray(expected[k].T).reshape(shape)):
        core.fail(f"{label} has the shape {shape} of params['{k}'] but its entries are those of the transposed "
                  f"gradient {shape[::-1]} read out in another order: a reshape (or np.resize) of the "
                  f"{shape[::-1]} product input^T @ grad_pre-activation keeps the entries in memory order, it does "
                  f"not transpose; use .T, or build it directly: grad_W = grad_pre-activation^T @ input",
                  "grad-reshaped-not-transposed")
    if k == "bh" and "Wh" in grads and _near(grads["Wh"], expected["Wh"]) and \
            _near(g, oracle_backward(params, outputs, Y, bh_from="h")["bh"]):
        core.fail(f"{label}: grad_bh was built from grad_h instead of grad_htilde (apply the tanh "
                  f"derivative first, as for grad_Wh)", "bh-from-grad-h")
    _explain_weight_decay(g, k, params, expected[k], label)
    own_loss = _own_loss_gradient(loss_fn, params, outputs, Y, [k]) if k in ("Wy", "by") else None
    if own_loss is not None and not _near(own_loss[k], expected[k], 1e-6, 1e-8) \
            and _near(g, own_loss[k], 1e-4, 1e-6):
        core.fail(f"{label}: your gradient is the derivative of your own loss_accuracy, which is not "
                  f"the mean cross-entropy (see its cell): backward must differentiate the mean "
                  f"cross-entropy, grad_ytilde = (yhat - y)/N", "consistent-with-wrong-loss")
    consistent_loss = own_loss is not None and _near(own_loss[k], expected[k], 1e-6, 1e-8)
    try:
        output_right = k in ("Wh", "bh") and all(kk in grads and _near(grads[kk], expected[kk]) for kk in ("Wy", "by"))
        _expect_close(g, expected[k], name=label, diagnose=_diagnoses(params, outputs, Y, N, k, expected, output_right))
    except core.CheckFailure as exc:
        if exc.diagnosis in cases.GENERIC_DIAGNOSES | {"scaled", "diagonal-only", "sign-flipped", "transposed"}:
            _explain_intermediate(g, k, params, outputs, Y, label)
        if exc.diagnosis in cases.GENERIC_DIAGNOSES | {"scaled", "diagonal-only"}:
            _explain_sample_left_out(g, k, params, outputs, Y, label)
            if fn is not None:
                _explain_recomputed(fn, grads, k, params, outputs, Y, label)
        if consistent_loss and exc.diagnosis in cases.GENERIC_DIAGNOSES | {
                "scaled", "sign-flipped", "transposed", "diagonal-only"}:
            # No catalogued mistake matches: name the property that fails (the loss itself is right).
            core.fail(f"{label}: your backward is not the derivative of your loss_accuracy (which is right): "
                      f"{str(exc).split(': ', 1)[-1]}", "backward-not-derivative-of-loss")
        raise


#: Each gradient's own formula, in row form.
_OWN_FORMULA = {"Wy": "grad_Wy = grad_Ytilde^T H", "by": "grad_by = the sum of grad_Ytilde over the batch axis",
                "Wh": "grad_Wh = grad_Htilde^T X", "bh": "grad_bh = the sum of grad_Htilde (not grad_Ytilde) over the "
                "batch axis, as a column (n_h, 1)"}


def _explain_other_key(grads, k, expected, label) -> None:
    """grads[k] holds the right gradient of another parameter: the dict's keys were mixed up."""
    g = grads[k]
    if not isinstance(g, np.ndarray) or (g.shape == np.shape(expected[k]) and _near(g, expected[k])):
        return
    for other, want in expected.items():
        if other == k or g.shape != np.shape(want) or not _near(g, want):
            continue
        back = grads.get(other)
        swapped = isinstance(back, np.ndarray) and back.shape == np.shape(expected[k]) and _near(back, expected[k])
        if isinstance(back, np.ndarray) and back.shape == np.shape(want) and _near(back, want):
            # grads[other] is right too: not a key mix-up, the line of grads[k] computes other's gradient again
            core.fail(f"{label} equals grads['{other}'] (the gradient of {other}): the line computing grad_{k} "
                      f"repeats the formula of grad_{other} (a copy-paste?); {_OWN_FORMULA[k]}", "grad-copied-from-other")
        core.fail(f"{label} holds the gradient of {other}" + (f", and grads['{other}'] that of {k}: the two are "
                  f"stored under each other's key" if swapped else "") + "; return each gradient under its "
                  "parameter's name, {'Wh': grad_Wh, 'bh': grad_bh, 'Wy': grad_Wy, 'by': grad_by}",
                  "grads-under-other-key")


#: The layer's input each weight gradient is built from (grad_W = grad_pre-activation^T @ input) and its formula.
_LAYER_INPUT = {"Wy": ("h", "grad_Wy = grad_Ytilde^T H (Q16)"), "Wh": ("X", "grad_Wh = grad_Htilde^T X")}


def _explain_intermediate(g, k, params, outputs, Y, label) -> None:
    """grad_W = grad_pre-activation^T @ (the layer's input).  Which cached quantity was used in place of the input:
    every stored intermediate of the right shape, and each with tanh applied once more (an activation applied to
    a value that already is an activation), tried with the right grad_pre-activation."""
    if k not in _LAYER_INPUT:
        return
    right, formula = _LAYER_INPUT[k]
    G = oracle_backward(params, outputs, Y, gy=None)
    N = np.shape(Y)[0]
    Yh, Y64 = np.asarray(outputs["yhat"], _f64), np.asarray(Y, _f64)
    if k == "Wy":
        pre = (Yh - Y64) / N
    else:
        H = np.asarray(outputs["h"], _f64)
        pre = ((Yh - Y64) / N) @ np.asarray(params["Wy"], _f64) * (1 - H ** 2)
    if not np.allclose(pre.T @ np.asarray(outputs[right], _f64), G[k], rtol=1e-6, atol=1e-9):
        return
    candidates = []
    for q in OUTPUT_NAMES:
        Q = np.asarray(outputs[q], _f64)
        if q != right:
            candidates.append((f"outputs['{q}']", Q))
        candidates.append((f"tanh(outputs['{q}']), tanh applied once more to a stored value"
                           + (" (h already is tanh(htilde))" if q == "h" else ""), np.tanh(Q)))
    for words, Q in candidates:
        if Q.shape[0] != N or (pre.T @ Q).shape != np.shape(g):
            continue
        want = pre.T @ Q
        if _near(g, want) and not _near(want, G[k]):
            core.fail(f"{label} equals grad_pre-activation^T @ {words}, not @ outputs['{right}']: {formula} is built "
                      f"from the layer's input, outputs['{right}'] as forward stored it", "grad-w-from-wrong-intermediate")


def _explain_sample_left_out(g, k, params, outputs, Y, label) -> None:
    """The batch gradient is a sum of per-sample terms: one sample's term missing (a loop over range(N - 1),
    a slice [:-1] or [1:]) is named with the sample."""
    N = Y.shape[0]
    if N < 2:
        return
    _explain_one_sample(g, k, params, outputs, Y, label)
    for n in (N - 1, 0, *range(1, N - 1)):
        keep = np.arange(N) != n
        sub = {kk: (np.asarray(v)[keep] if np.ndim(v) == 2 and np.shape(v)[0] == N else v) for kk, v in outputs.items()}
        try:
            want = oracle_backward(params, sub, np.asarray(Y)[keep])[k] * (N - 1) / N
        except Exception:
            return
        if _near(g, want):
            which = "the last sample" if n == N - 1 else "the first sample" if n == 0 else f"sample {n}"
            core.fail(f"{label} is the sum over every sample but {which} (index {n} of N={N}): a loop over "
                      f"{'range(N - 1) or a slice [:-1]' if n == N - 1 else 'range(1, N) or a slice [1:]' if n == 0 else 'the samples skips one'}"
                      f" leaves its term out; grad_W sums grad_ytilde[n] h[n]^T over all N samples (or use the "
                      f"matrix product)", "sample-left-out")


def _explain_one_sample(g, k, params, outputs, Y, label) -> None:
    """The batch gradient sums N per-sample terms: a gradient that is one sample's term alone (an index [0] or
    [-1] where the sum over the batch axis belongs) is named with the sample."""
    N = Y.shape[0]
    pre = "ytilde" if k in ("Wy", "by") else "htilde"
    for n in (0, N - 1, *range(1, N - 1)):
        one = {kk: (np.asarray(v)[n:n + 1] if np.ndim(v) == 2 and np.shape(v)[0] == N else v)
               for kk, v in outputs.items()}
        try:
            term = oracle_backward(params, one, np.asarray(Y)[n:n + 1])[k]
        except Exception:
            return
        for scale, how in ((1.0 / N, ""), (1.0, " (and without the 1/N)")):
            want = term * scale
            if np.shape(g) == np.shape(want) and _near(g, want) and np.any(want):
                which = "the first sample" if n == 0 else "the last sample" if n == N - 1 else f"sample {n}"
                core.fail(f"{label} is the term of {which} alone (row {n} of N={N}){how}: the other samples' terms "
                          f"are missing; "
                          + ((f"sum the rows of grad_{pre} over the batch axis, grad_{k} = grad_{pre.capitalize()}"
                              f".sum(axis=0) (as a column)")
                             if k[0] == "b" else
                             "grad_W sums over all N samples: the matrix product grad_pre-activation^T @ input")
                          + f" (an index such as [{n if n < N - 1 else -1}] where the sum belongs?)",
                          "one-sample-only")


def _explain_recomputed(fn, grads, k, params, outputs, Y, label) -> None:
    """Given outputs, the gradients depend on params['Wy'] only (grad_H = grad_Ytilde W_y): if changing
    W_h, b_h or b_y moves grads[k], backward recomputed part of the forward pass from params instead of
    reading outputs, and got something other than forward's values."""
    r = np.random.default_rng(11)
    for name in ("Wh", "bh", "by"):
        changed = _copy_dict(params)
        changed[name] = changed[name] + r.normal(size=changed[name].shape).astype(changed[name].dtype)
        try:
            again = fn(changed, _copy_dict(outputs), Y.copy())[k]
        except Exception:
            return
        if not _near(again, grads[k]):
            core.fail(f"{label}: your gradient changes when params['{name}'] changes although outputs stay the same: "
                      f"backward recomputes part of the forward pass from params (e.g. h = tanh(X W_h^T) without "
                      f"b_h) instead of reading h, yhat and X from outputs, which holds forward's values",
                      "backward-recomputes-forward")


def _finite_differences(grads, params, X, Y, keys):
    """Centred finite differences of the float64 loss, independent of every formula above."""
    p64 = {k: np.asarray(v, dtype=_f64).copy() for k, v in params.items()}
    for k in keys:
        num = core.numerical_gradient(lambda _v: _ce_of_params(p64, X, Y), p64[k])
        err = core.relative_error(grads[k], num)
        if err > 1e-6:
            core.fail(f"backward: grads['{k}'] disagrees with finite differences of the loss "
                      f"(relative error {err:.2e})", "finite-differences")


def backward_output(fn, loss_accuracy=None):
    """Q15-Q16: grads of the output layer, W_y and b_y."""
    _backward_check(fn, ("Wy", "by"), "lab06.backward.output", loss_accuracy)


def backward_hidden(fn):
    """Q17: grads of the hidden layer, W_h and b_h (tanh derivative 1 - h^2, W_y^T)."""
    _backward_check(fn, ("bh", "Wh"), "lab06.backward.hidden")


def sgd(fn):
    """One SGD step: every parameter moves by exactly -eta * its gradient; grads untouched.

    grads comes with its keys in another order than params (a dict is looked up by key): a step that
    pairs the two dicts by position is named as such."""
    r = core.rng("lab06.sgd")
    for (nx, nh, ny, dt), eta in zip([(2, 3, 4, _f64), (5, 1, 2, _f64), (3, 6, 2, np.float32), (4, 7, 3, _f64)],
                                     [0.1, 0.5, 0.03, 1.7]):
        params = _params(r, nx, nh, ny, dt)
        grads = _params(r, nx, nh, ny, dt, scale=1.0)
        name = f"sgd(params, grads, eta={eta}) with n_x={nx}, n_h={nh}, n_y={ny}, {np.dtype(dt).name}"
        shuffled = {k: np.array(grads[k]) for k in reversed(PARAM_NAMES)}
        try:
            _sgd_case(fn, _copy_dict(params), shuffled, eta, name)
        except core.CheckFailure as exc:
            _explain_state(fn)
            _explain_eta_kept(fn, [0.1, 0.5, 0.03, 1.7])
            try:
                _sgd_case(fn, _copy_dict(params), _copy_dict(grads), eta, name)
            except core.CheckFailure:
                if exc.diagnosis in _UNNAMED:
                    _explain_first_row_skipped(fn, params, grads, eta, name)
                    _explain_step(fn, params, grads, eta, name, exc)
                raise exc from None
            core.fail(f"{name}: params and grads were paired by position (e.g. zip(params.values(), "
                      f"grads.values())): the two dicts have the same keys, not necessarily in the same order; "
                      f"update params[k] with grads[k] ({exc})", "paired-by-position")
    _sgd_zero_entries(fn)
    _sgd_small_gradients(fn)
    _sgd_non_contiguous(fn, r)
    _sgd_in_place(fn, r)
    _sgd_same_dict_twice(fn)


#: The check's driver, run in the kernel: steps on ONE dict, as a training loop makes them (params = sgd(params,
#: grads, eta)): after each call the dict's keys and the step each parameter took.
_SGD_TWICE = """
def sgd_twice(fn, params, steps):
    import numpy as np
    seen = []
    for grads, eta in steps:
        before = {k: np.array(v) for k, v in params.items()}
        got = fn(params, grads, eta)
        if isinstance(got, dict):
            params = got
        seen.append((sorted(str(k) for k in params),
                     {k: np.array(params[k], dtype=float) - before[k] for k in before
                      if k in params and np.shape(params[k]) == before[k].shape}))
    return seen
"""


def _sgd_same_dict_twice(fn) -> None:
    """State kept between calls in the params dict itself: three steps on ONE dict with other etas and gradients.
    After each, params holds exactly its parameters (a step counter or a velocity stored under a new key is trained
    by every loop that steps each entry, and is no parameter), and each step is exactly -eta * grads[k] of its own
    call (a learning rate decayed by a counter, a momentum, an eta kept from the first call).  Only a function that
    passed its cases (single calls on fresh dicts) gets here."""
    r = np.random.default_rng(21)
    nx, nh, ny = 3, 4, 2
    params = _params(r, nx, nh, ny)
    steps = [(_params(r, nx, nh, ny, scale=1.0), eta) for eta in (0.2, 0.05, 0.7)]
    try:
        seen = core.kernel_functions(_SGD_TWICE)["sgd_twice"](fn, _copy_dict(params), steps)
    except Exception:
        return                       # a call that raises on these inputs is named by the cases
    for i, ((keys, moved), (grads, eta)) in enumerate(zip(seen, steps)):
        call = f"sgd(params, grads, eta={eta}), call {i + 1} of {len(steps)} on the same params dict (n_x={nx}, " \
               f"n_h={nh}, n_y={ny})"
        extra = [k for k in keys if k not in PARAM_NAMES]
        if extra or sorted(PARAM_NAMES) != sorted(k for k in keys if k in PARAM_NAMES):
            core.fail(f"{call}: params now has the keys {keys}, not exactly {list(PARAM_NAMES)}: sgd added "
                      f"{extra} to the caller's dict (state kept between calls in params, such as a step counter): "
                      f"params holds the parameters only (a training loop steps every key of it); sgd updates "
                      f"the existing arrays, params[k] -= eta * grads[k], and keeps nothing", "params-keys-changed")
        bad = [k for k in PARAM_NAMES if k not in moved or not _near(moved[k], -eta * grads[k])]
        if bad:
            c = [float(-(moved[k].ravel() @ grads[k].ravel()) / (grads[k].ravel() @ grads[k].ravel()))
                 for k in bad if k in moved]
            how = f" (about {c[0]:.4g} * grad instead of {eta:g} * grad)" if c else ""
            core.fail(f"{call}: {', '.join(f'params[{k!r}]' for k in bad)} did not move by exactly -eta * grads[k]"
                      f"{how}, while single calls on fresh dicts are right: the step depends on earlier calls "
                      f"(state kept between calls: a step counter decaying eta, a momentum, an eta kept from the "
                      f"first call); every call moves by -eta * grads[k] with its own eta and grads",
                      "state-between-calls-same-dict")


def _sgd_zero_entries(fn) -> None:
    """Parameters holding exact zeros (the biases after init_params, some weights): every entry moves by
    -eta * its gradient, a zero one too.  Named only when, on two inputs of other, pairwise different sizes, the
    entries left unmoved are exactly the zero ones; another wrong step is named by the cases.  Only a function that
    passed its cases (on parameters without zeros) gets here."""
    unmoved = []
    for seed, (nx, nh, ny, eta) in enumerate([(3, 4, 2, 0.2), (5, 2, 6, 0.7)]):
        r = np.random.default_rng(100 + seed)
        params, grads = _params(r, nx, nh, ny), _params(r, nx, nh, ny, scale=1.0)
        params["bh"][:] = 0.0
        params["by"][:] = 0.0
        params["Wh"][0, :] = 0.0
        params["Wy"][:, -1] = 0.0
        name = f"sgd(params, grads, eta={eta}) with n_x={nx}, n_h={nh}, n_y={ny} and zero biases (as init_params gives)"
        try:
            got = fn(_copy_dict(params), _copy_dict(grads), eta)
            got = {k: np.asarray(got[k], dtype=_f64) for k in PARAM_NAMES}
        except Exception:
            return            # a call that raises on these inputs is named by the cases
        want = {k: params[k] - eta * grads[k] for k in PARAM_NAMES}
        wrong = {k: ~np.isclose(got[k], want[k], rtol=1e-6, atol=1e-9) for k in PARAM_NAMES
                 if got[k].shape == want[k].shape}
        if len(wrong) < len(PARAM_NAMES):
            return
        if not any(w.any() for w in wrong.values()):
            return
        if all(np.array_equal(w, params[k] == 0) for k, w in wrong.items()) and \
                all(np.array_equal(got[k][params[k] == 0], params[k][params[k] == 0]) for k in PARAM_NAMES):
            unmoved.append(name)
            continue
        bad = [k for k, w in wrong.items() if w.any()]
        core.fail(f"{name}: {', '.join(f'params[{k!r}]' for k in bad)} did not move by -eta * grads[k] (right on "
                  f"parameters without zeros): every entry takes the step params[k] -= eta * grads[k], whatever "
                  f"its value", "zero-entries-step")
    if len(unmoved) == 2:
        core.fail(f"{unmoved[0]}: the entries where the parameter is exactly 0 did not move (all the others did, "
                  f"on this call and on a second one with other sizes): the biases start at 0, so a step masked by "
                  f"the parameter's value (params[k] != 0, np.where(params[k], ...)) never trains them; every entry "
                  f"moves by -eta * its gradient: params[k] -= eta * grads[k]", "zero-entries-frozen")


def _sgd_small_gradients(fn) -> None:
    """Gradients whose entries span many orders of magnitude (1e-9 to 10, as late in training or for a rarely active
    unit): every entry moves by exactly -eta * its gradient, however small.  Entries left unmoved are named when, on
    two inputs of other, pairwise different sizes, they are exactly the entries of smallest gradient (a threshold
    masks them); any other wrong step there is said with the call.  Only a function that passed its cases gets here."""
    told = []
    for seed, (nx, nh, ny, eta) in enumerate([(4, 3, 2, 0.3), (2, 5, 6, 0.05)]):
        r = np.random.default_rng(300 + seed)
        params = _params(r, nx, nh, ny)
        grads = {k: r.normal(size=v.shape) * 10.0 ** r.uniform(-9, 1, size=v.shape) for k, v in params.items()}
        name = (f"sgd(params, grads, eta={eta}) with n_x={nx}, n_h={nh}, n_y={ny} and gradient entries from 1e-9 "
                f"to 10 in size")
        try:
            got = fn(_copy_dict(params), _copy_dict(grads), eta)
            got = {k: np.asarray(got[k], dtype=_f64) for k in PARAM_NAMES}
        except Exception:
            return            # a call that raises on these inputs is named by the cases
        if any(got[k].shape != params[k].shape for k in PARAM_NAMES):
            return
        step = {k: eta * grads[k] for k in PARAM_NAMES}
        wrong = {k: np.abs((params[k] - got[k]) - step[k]) > 1e-6 * np.abs(step[k]) + 4e-16 * np.abs(params[k])
                 for k in PARAM_NAMES}
        bad = [k for k in PARAM_NAMES if wrong[k].any()]
        if not bad:
            return
        g = np.concatenate([np.abs(grads[k]).ravel() for k in PARAM_NAMES])
        w = np.concatenate([wrong[k].ravel() for k in PARAM_NAMES])
        still = np.concatenate([(got[k] == params[k]).ravel() for k in PARAM_NAMES])
        if w.all() or not np.array_equal(w, still) or g[w].max() >= g[~w].min():
            core.fail(f"{name}: {', '.join(f'params[{k!r}]' for k in bad)} did not move by exactly -eta * grads[k] "
                      f"(right with gradients of about 1): every entry takes the step params[k] -= eta * grads[k], "
                      f"however small or large its gradient", "small-gradients-step")
        told.append((name, float(g[w].max()), float(g[~w].min())))
    if len(told) == 2:
        name, below, above = told[0]
        core.fail(f"{name}: the entries whose gradient is small (|g| up to {below:.2g}) did not move at all, every "
                  f"larger one did (here and on a second call with other sizes): the step skips small gradients (a "
                  f"threshold such as np.where(np.abs(g) > tol, g, 0), or a rounding); every entry moves by exactly "
                  f"-eta * its gradient, however small: params[k] -= eta * grads[k]", "small-gradients-skipped")


#: The check's driver, run in the kernel: the arrays the caller's dict held before the call, read after it (a
#: step that makes new arrays leaves them as they were, whatever dict it fills or returns).
_SGD_IN_PLACE = """
def sgd_in_place(fn, params, grads, eta):
    import numpy as np
    arrays = dict(params)
    fn(params, grads, eta)
    return {k: np.array(v) for k, v in arrays.items()}
"""


def _sgd_in_place(fn, r) -> None:
    """The arrays of params themselves move (the docstring and the notebook's conventions: parameter updates
    are made in place, so anything holding a parameter array, such as a model or an optimiser, sees the step).
    A step that builds new arrays (params[k] = params[k] - eta * g, a dict comprehension, dict.update) fills
    the dict with the right values and leaves the arrays it was given untouched.  Only a function that passed
    its cases (right values in the dict it fills or returns) gets here."""
    nx, nh, ny, eta = 4, 3, 5, 0.3
    params, grads = _params(r, nx, nh, ny), _params(r, nx, nh, ny, scale=1.0)
    try:
        arrays = core.kernel_functions(_SGD_IN_PLACE)["sgd_in_place"](fn, _copy_dict(params), _copy_dict(grads), eta)
    except Exception:
        return                       # a call that raises on these inputs is named by the cases
    stale = [k for k in PARAM_NAMES if np.array_equal(np.asarray(arrays.get(k)), params[k])]
    if stale:
        core.fail(f"sgd(params, grads, eta={eta}) with n_x={nx}, n_h={nh}, n_y={ny}: the arrays params held "
                  f"({', '.join(f'params[{k!r}]' for k in stale)}) still hold their old values: the step made new "
                  f"arrays (params[k] = params[k] - eta * grads[k], a new dict, dict.update) instead of updating "
                  f"the arrays themselves. Parameter updates are made in place (the notebook's conventions): "
                  f"params[k] -= eta * grads[k]", "not-in-place")


#: The check's driver, run in the kernel (arrays cross to it in C order): the parameters made Fortran-ordered
#: there, one call: the caller's dict after it, and the dict returned.
_SGD_FORTRAN = """
def sgd_fortran(fn, params, grads, eta):
    import numpy as np
    mine = {k: np.asfortranarray(v) for k, v in params.items()}
    got = fn(mine, grads, eta)
    out = [{k: np.array(v) for k, v in mine.items()}]
    if isinstance(got, dict):
        out.append({k: np.array(v) for k, v in got.items()})
    return out
"""


def _sgd_non_contiguous(fn, r) -> None:
    """Parameters that are not C-contiguous (Fortran order, as a transposed draw W.T gives): params (or the dict
    returned) must still hold theta - eta * grad.  ravel() / reshape(-1) / flatten() of such an array is a
    copy, so an update through them moves nothing.  Only a function that passed its cases gets here."""
    nx, nh, ny, eta = 3, 5, 2, 0.2
    params, grads = _params(r, nx, nh, ny), _params(r, nx, nh, ny, scale=1.0)
    name = (f"sgd(params, grads, eta={eta}) with n_x={nx}, n_h={nh}, n_y={ny}, float64, on weights that are not "
            f"C-contiguous (Fortran order, as a transposed array W.T is)")
    try:
        run = core.kernel_functions(_SGD_FORTRAN)["sgd_fortran"]
        seen = run(fn, _copy_dict(params), _copy_dict(grads), eta)
    except Exception:
        return                       # a call that raises on these inputs is named by the cases
    want = {k: params[k] - eta * grads[k] for k in PARAM_NAMES}
    # the caller's dict after the call, then the returned one (whether the arrays themselves moved is
    # _sgd_in_place's question)
    misses = [[k for k in PARAM_NAMES if np.shape(after.get(k)) != want[k].shape or not _near(after[k], want[k])]
              for after in seen]
    if not all(misses):
        return
    after, wrong = seen[0], misses[0]
    kept = [k for k in wrong if np.array_equal(after[k], params[k])]
    if kept == wrong:
        core.fail(f"{name}: the caller's arrays {', '.join(f'params[{k!r}]' for k in kept)} did "
                  f"not change, though they do when C-contiguous: the update went to a copy (ravel(), reshape(-1) or "
                  f"flatten() of an array that is not C-contiguous returns a copy, not a view): update each array "
                  f"itself in place, params[k] -= eta * grads[k]", "update-on-a-copy")
    k = wrong[0]
    _expect_close(after[k], want[k], name=f"{name}: the caller's params['{k}'] after the call")


def _explain_first_row_skipped(fn, params, grads, eta, name) -> None:
    """Every parameter's first row left as it was and every other row stepped right (checked on every parameter, the
    biases included): a loop over the rows, or a slice, that starts at 1."""
    p = _copy_dict(params)
    try:
        fn(p, _copy_dict(grads), eta)
    except Exception:   # a probe that fails says nothing
        return
    for k in PARAM_NAMES:
        before, after, g = (np.asarray(d[k], _f64) for d in (params, p, grads))
        if before.shape[0] < 2 or after.shape != before.shape or not np.array_equal(after[0], before[0]) \
                or not _near(after[1:], before[1:] - eta * g[1:]) or not np.any(g[0] != 0):
            return
    core.fail(f"{name}: the first row of every parameter is left as it was and every other row takes its step "
              f"-eta * grad: a loop over the rows (or a slice) starts at 1 instead of 0, e.g. range(1, len(p)); "
              f"update the whole array, params[k] -= eta * grads[k]", "first-row-skipped")


def _explain_every_gradient(step, params, grads, eta, name) -> None:
    """Each parameter moved by the sum of all the gradients of its shape (a loop over grads inside the loop over
    params), with at least one parameter sharing its shape with another."""
    same = {k: [j for j in PARAM_NAMES if np.shape(grads[j]) == np.shape(params[k])] for k in PARAM_NAMES}
    shared = [k for k in PARAM_NAMES if len(same[k]) > 1]
    if not shared or not all(_near(step[k], -eta * sum(np.asarray(grads[j], _f64) for j in same[k]))
                             for k in PARAM_NAMES):
        return
    k = shared[0]
    core.fail(f"{name}: params['{k}'] moved by -eta times the sum of " + " and ".join(f"grads['{j}']" for j in same[k])
              + ", every gradient of its shape: a loop over grads inside the loop over params applies each gradient "
              "to every parameter it fits; each parameter takes its own gradient only, params[k] -= eta * grads[k]",
              "every-gradient-applied")


def _explain_step(fn, params, grads, eta, name, exc) -> None:
    """The step is not -eta * grads and no catalogued slip matched: which elements are wrong (those with a large
    gradient: clipping), what the extra part is (a multiple of params: weight decay), else which argument the error
    comes from (isolate.explain_arguments: the step must not depend on params)."""
    try:
        got = fn(_copy_dict(params), _copy_dict(grads), eta)
        step = {k: np.asarray(got[k], _f64) - np.asarray(params[k], _f64) for k in PARAM_NAMES}
    except Exception:   # a probe that fails says nothing
        return
    _explain_every_gradient(step, params, grads, eta, name)
    g = np.concatenate([np.asarray(grads[k], _f64).ravel() for k in PARAM_NAMES])
    p = np.concatenate([np.asarray(params[k], _f64).ravel() for k in PARAM_NAMES])
    s = np.concatenate([step[k].ravel() for k in PARAM_NAMES])
    right = np.isclose(s, -eta * g, rtol=1e-4, atol=1e-7)
    if not right.all() and right.any():
        t = float(np.abs(g[~right]).min())
        if np.array_equal(~right, np.abs(g) >= t) and float(np.abs(g[right]).max()) < t:
            cap = np.abs(s[~right]) / eta
            capped = f", where the step is eta * {float(cap[0]):.4g} whatever the gradient" if np.allclose(cap, cap[0], rtol=1e-4) else ""
            small = float(np.abs(g[right]).max())
            core.fail(f"{name}: the step is right for every entry whose gradient is at most {small:.3g} in size and "
                      f"wrong for every entry whose gradient is {t:.3g} or more{capped}: the gradients were clipped (or "
                      f"capped). Plain SGD moves each entry by -eta * grads[k] as it is", "step-clipped")
    extra = s + eta * g
    if np.any(p) and np.any(extra):
        c = float(extra @ p / (p @ p))
        if c != 0 and np.allclose(extra, c * p, rtol=1e-4, atol=1e-9):
            core.fail(f"{name}: every entry moved by -eta * grads[k] plus an extra {c:.4g} * params[k]: a term "
                      f"proportional to the parameters themselves (weight decay) is not part of the plain SGD step "
                      f"params[k] -= eta * grads[k]", "step-has-params-term")
    try:
        doubled = fn(_copy_dict(params), {k: 2 * np.asarray(grads[k]) for k in PARAM_NAMES}, eta)
        s2 = np.concatenate([(np.asarray(doubled[k], _f64) - np.asarray(params[k], _f64)).ravel() for k in PARAM_NAMES])
    except Exception:   # a probe that fails says nothing
        s2 = None
    if s2 is not None and np.any(s) and np.allclose(s2, s, rtol=1e-6, atol=1e-12):
        core.fail(f"{name}: your step does not change when every gradient is doubled, while -eta * grads[k] doubles: "
                  f"the update uses the gradients' sign, or a normalised or capped version of them, instead of "
                  f"grads[k] itself; plain SGD is params[k] -= eta * grads[k]", "step-ignores-gradient-size")
    said = explain_formula("p - eta * g", {"p": p, "g": g, "eta": float(eta)}, p + s, rtol=1e-4, atol=1e-7,
                           what="new parameters")
    if said:
        core.fail(f"{name}: {said} (p = params[k], g = grads[k], for every k); plain SGD is params[k] -= eta * "
                  f"grads[k]", "sgd-formula-edit")
    shapes = {k: np.shape(params[k]) for k in PARAM_NAMES}

    def unflat(v):
        out, i = {}, 0
        for k in PARAM_NAMES:
            n = int(np.prod(shapes[k]))
            out[k] = np.asarray(v[i:i + n], dtype=params[k].dtype).reshape(shapes[k])
            i += n
        return out

    def student(pv, gv, e):
        res = fn(unflat(pv), unflat(gv), e)
        return np.concatenate([np.asarray(res[k], _f64).ravel() for k in PARAM_NAMES])

    def oracle(pv, gv, e):
        return pv - e * gv
    found = isolate.explain_arguments(student, oracle, {"params": p, "grads": g, "eta": float(eta)},
                                      rtol=1e-4, atol=1e-7, neutral={"eta": None}, tag=name)
    if found:
        core.fail(f"{name}: {found[0]} ({exc})", f"sgd-{found[1]}")


def _explain_eta_kept(fn, earlier: list[float]) -> None:
    """Call order: two calls with other learning rates (0.3, then 0.05) that both move every parameter by the same
    multiple c of its gradient, c being the eta of an earlier call and neither of theirs: eta kept between calls."""
    r = np.random.default_rng(12)
    params, grads = _params(r, 2, 3, 4), _params(r, 2, 3, 4, scale=1.0)
    factors = []
    for eta in (0.3, 0.05):
        try:
            got = fn(_copy_dict(params), _copy_dict(grads), eta)
            steps = {k: np.asarray(got[k], dtype=_f64) - params[k] for k in PARAM_NAMES}
        except Exception:
            return
        g = np.concatenate([grads[k].ravel() for k in PARAM_NAMES])
        st = np.concatenate([steps[k].ravel() for k in PARAM_NAMES])
        c = float(-(st @ g) / (g @ g))
        if not _near(st, -c * g):
            return
        factors.append(c)
    c = factors[0]
    if abs(factors[1] - c) <= 1e-6 * abs(c) and any(abs(c - e) <= 1e-6 * e for e in earlier) \
            and all(abs(c - e) > 1e-6 * e for e in (0.3, 0.05)):
        core.fail(f"sgd(params, grads, eta=0.3) and then sgd(params, grads, eta=0.05) both moved every parameter by "
                  f"-{c:g} * grad: {c:g} is the eta of an earlier call, not theirs: the learning rate is kept between "
                  f"calls (stored on the function, in a global or a default argument the first time): state from an "
                  f"earlier call; use the eta each call is given, params[k] -= eta * grads[k]", "eta-kept-between-calls")


def _explain_state(fn) -> None:
    """Two calls on identical arguments must do the same thing: a step that differs (or raises only once)
    depends on something kept from earlier calls (a global buffer, a default argument)."""
    r = np.random.default_rng(11)
    params, grads = _params(r, 2, 3, 4), _params(r, 2, 3, 4, scale=1.0)
    outcomes = []
    for _ in range(2):
        try:
            got = fn(_copy_dict(params), _copy_dict(grads), 0.1)
            outcomes.append({k: np.array(got[k], dtype=_f64) for k in PARAM_NAMES})
        except Exception as exc:
            outcomes.append(type(exc).__name__)
    a, b = outcomes
    same = (a == b) if isinstance(a, str) or isinstance(b, str) else all(np.array_equal(a[k], b[k]) for k in PARAM_NAMES)
    if not same:
        core.fail("sgd keeps state between calls: two calls with identical params, grads and eta gave different "
                  "results, so the step depends on earlier calls (a global or default-argument buffer, such as a "
                  "momentum velocity). Plain SGD uses its arguments only: params[k] -= eta * grads[k]",
                  "state-between-calls")


def _sgd_case(fn, params, grads, eta, name):
    g_before, p_before = _copy_dict(grads), _copy_dict(params)
    shapes = ", ".join(f"{k} {p_before[k].shape}" for k in PARAM_NAMES)
    got = _call_with_shape_hint(fn, params, grads, eta, name=name,
                                hint=f"each grads[k] has exactly the shape of params[k] ({shapes}): subtract it as it "
                                     f"is, params[k] -= eta * grads[k], without a transpose (.T) or a reshape")
    if any(not np.array_equal(grads[k], g_before[k]) for k in PARAM_NAMES) and \
            all(np.array_equal(params[k], p_before[k]) for k in PARAM_NAMES) and \
            (not isinstance(got, dict) or all(k in got and np.array_equal(np.asarray(got[k]), p_before[k])
                                              for k in PARAM_NAMES)):
        core.fail(f"{name}: grads changed and params did not: the update was applied to grads instead of params "
                  f"(the two arguments mixed up?); params[k] -= eta * grads[k], and grads is only read",
                  "updated-grads-not-params")
    _unchanged(g_before, grads, "sgd", "grads")
    _explain_returned_grads(got, params, p_before, g_before, eta, name)
    if got is None and any(not np.array_equal(params[k], p_before[k]) for k in PARAM_NAMES):
        core.fail(f"{name} returned None: update params in place *and* return it", "returned-none")
    _expect_dict(got, PARAM_NAMES, "sgd")
    moved = {k: not np.array_equal(np.asarray(got[k]), p_before[k]) for k in PARAM_NAMES}
    if not any(moved.values()):
        core.fail(f"{name}: the parameters did not change: update each array in place "
                  f"(params[k] -= eta * grads[k]) and return params", "params-unchanged")
    first = next(iter(params))
    if [k for k, m in moved.items() if m] == [first]:
        core.fail(f"{name}: only params['{first}'], the first parameter, was updated: is `return params` "
                  f"indented inside the loop (the function returns during the first iteration)?",
                  "only-first-updated")
    for k in PARAM_NAMES:
        core.expect_array(got[k], name=f"{name}: params['{k}']", shape=p_before[k].shape)
    flat_g = np.concatenate([g_before[k].astype(_f64).ravel() for k in PARAM_NAMES])
    flat_s = np.concatenate([(np.asarray(got[k], _f64) - p_before[k]).ravel() for k in PARAM_NAMES])
    c = float(flat_s @ flat_g / (flat_g @ flat_g))
    if abs(c + eta) > 1e-4 * eta and abs(c) > 1e-12 and _near(flat_s, c * flat_g) and \
            not _near(flat_s, -eta * flat_g):
        known = {eta: ("gradient ascent: the step is params - eta * grads", "uphill"),
                 -1.0: ("the learning rate eta is not used", "eta-ignored"),
                 -1.0 / eta: ("the gradient is divided by eta instead of multiplied", "divided-by-eta"),
                 -eta / len(PARAM_NAMES): (f"the step is also divided by the number of parameters, "
                                           f"len(params) = {len(PARAM_NAMES)}: each parameter takes the full step "
                                           f"-eta * grads[k], nothing is averaged over the parameters",
                                           "divided-by-parameter-count")}
        for coef, (message, diagnosis) in known.items():
            if abs(c - coef) <= 1e-6 * abs(coef):
                core.fail(f"{name}: {message}", diagnosis)
        _explain_norm_dependent(fn, p_before, g_before, eta, name, c)
        core.fail(f"{name}: every parameter moved by {c:.6g} * grad instead of -eta * grad = {-eta:g} * grad",
                  "step-scaled")
    if not _near(flat_s, -eta * flat_g):
        _explain_step_per_parameter(got, p_before, g_before, eta, name)
        _explain_each_step(got, p_before, g_before, eta, name)
    for k in PARAM_NAMES:
        p, g = p_before[k].astype(_f64), g_before[k].astype(_f64)
        _expect_close(got[k], p - eta * g, name=f"{name}: params['{k}']",
                      diagnose={"gradient ascent: the step is params - eta * grads": p + eta * g,
                                "the learning rate eta is not used": p - g,
                                f"params['{k}'] was not updated": p,
                                ("the new parameters are the step -eta * grads[k] alone: the old values were "
                                 "replaced instead of updated (`params[k] =- eta * grads[k]` is read by Python as "
                                 "`params[k] = -eta * grads[k]`; or the step was returned): write "
                                 "params[k] -= eta * grads[k]"): -eta * g,
                                "the gradient is divided by eta instead of multiplied": p - g / eta})


def _explain_norm_dependent(fn, p_before, g_before, eta, name, c) -> None:
    """The step's multiple of the gradient changes with the gradient's size: the same params with grads times 0.001
    and times 1000 (two more calls).  Named when the multiples of the three calls are not all equal (a clipping of
    the gradient norm, a normalised gradient)."""
    coefs = []
    for f in (1e-3, 1e3):
        g = {k: g_before[k] * f for k in PARAM_NAMES}
        try:
            got = fn(_copy_dict(p_before), _copy_dict(g), eta)
            st = np.concatenate([(np.asarray(got[k], _f64) - p_before[k]).ravel() for k in PARAM_NAMES])
        except Exception:
            return
        flat = np.concatenate([g[k].astype(_f64).ravel() for k in PARAM_NAMES])
        cf = float(st @ flat / (flat @ flat))
        if not _near(st, cf * flat):
            return
        coefs.append(cf)
    small, large = coefs
    if abs(small - c) <= 1e-4 * abs(c) and abs(large - c) <= 1e-4 * abs(c):
        return
    gnorm = float(np.sqrt(sum(np.sum(g_before[k].astype(_f64) ** 2) for k in PARAM_NAMES)))
    core.fail(f"{name}: every parameter moved by {c:.6g} * grad (gradient norm {gnorm:.3g}) instead of -eta * grad = "
              f"{-eta:g} * grad; with the same grads times 0.001 the step was {small:.6g} * grad, times 1000 "
              f"{large:.6g} * grad: your step depends on the gradient's norm (a clipping or a normalisation of the "
              f"gradients); plain SGD moves by -eta * grads[k] whatever their size", "step-depends-on-norm")


def _explain_returned_grads(got, params, p_before, g_before, eta, name) -> None:
    """What came back is the gradients dict (its values equal grads), while params was updated in place."""
    if not isinstance(got, dict) or not all(k in got for k in PARAM_NAMES):
        return
    if not all(np.shape(got[k]) == g_before[k].shape and np.array_equal(np.asarray(got[k]), g_before[k])
               for k in PARAM_NAMES):
        return
    done = all(_near(params[k], p_before[k].astype(_f64) - eta * g_before[k].astype(_f64)) for k in PARAM_NAMES)
    core.fail(f"{name} returned grads, not params: every array it returned equals the gradient"
              + (" (params itself was updated in place correctly)" if done else "")
              + ": end with `return params`", "returned-grads")


def _explain_each_step(got, p_before, g_before, eta, name) -> None:
    """What each wrong parameter's step is, when every one can be described: a multiple of -eta * grads[k] (none:
    not updated; two: updated twice) or the same number in every entry, -eta * grads[k].mean()."""
    notes = []
    for k in PARAM_NAMES:
        g = g_before[k].astype(_f64)
        step = np.asarray(got[k], _f64) - p_before[k].astype(_f64)
        if _near(step, -eta * g):
            continue
        if not np.any(step):
            notes.append(f"params['{k}'] was not updated")
            continue
        if g.size > 1 and np.ptp(g) > 0 and _near(step, np.full(g.shape, -eta * g.mean())):
            notes.append(f"params['{k}'] moved by the same number in every entry, -eta * grads['{k}'].mean() (one "
                         f"summary of the gradient instead of the whole array)")
            continue
        flat = g.ravel()
        c = float(step.ravel() @ flat / (flat @ flat)) if np.any(flat) else 0.0
        if not np.any(flat) or not _near(step, c * g):
            return      # a step that is not described here: the value check below says what it can
        times = c / -eta
        if abs(times - round(times)) > 1e-6:
            return      # a fractional multiple (a normalised or rescaled gradient): said by the checks below
        notes.append(f"params['{k}'] moved {times:.4g} times the step -eta * grads['{k}']"
                     + (" (updated twice: a copy-pasted line?)" if abs(times - 2) < 1e-6 else ""))
    if len(notes) == len(PARAM_NAMES) and all("grads['" + k + "'].mean()" in n for k, n in zip(PARAM_NAMES, notes)):
        notes = ["every parameter moved by the same number in all its entries, -eta * grads[k].mean() (one summary "
                 "of the gradient instead of the whole array)"]
    if notes:
        core.fail(f"{name}: " + "; ".join(notes) + ": every parameter takes exactly one step, "
                  "params[k] -= eta * grads[k], the whole array", "steps-per-parameter")


def _explain_step_per_parameter(got, p_before, g_before, eta, name) -> None:
    """Each parameter moved by a multiple of its own gradient, but the multiple changes from one parameter to the
    next: the learning rate was changed inside the loop (eta *= ..., eta -= ...)."""
    coefs = []
    for k in PARAM_NAMES:
        g = g_before[k].astype(_f64).ravel()
        s = (np.asarray(got[k], _f64) - p_before[k].astype(_f64)).ravel()
        if not np.any(g):
            return
        c = float(s @ g / (g @ g))
        if not _near(s, c * g):
            return
        coefs.append((k, c))
    if abs(coefs[0][1] + eta) > 1e-4 * eta or all(abs(c + eta) <= 1e-4 * eta for _, c in coefs) or \
            any(abs(c) <= 1e-4 * eta for _, c in coefs):      # a parameter left out: said by the value check
        return
    uphill = [k for k, c in coefs if abs(c - eta) <= 1e-4 * eta]
    if uphill and all(abs(abs(c) - eta) <= 1e-4 * eta for _, c in coefs):
        right = [k for k, _ in coefs if k not in uphill]
        listed = " and ".join(f"params['{k}']" for k in uphill)
        core.fail(f"{name}: {listed} moved by +eta * grad, up the gradient, while "
                  f"{' and '.join(f'params[{k!r}]' for k in right)} moved by -eta * grad as they should: the update "
                  f"of {listed} has the wrong sign (+= where -= belongs, in a branch or line of their own); every "
                  f"parameter takes the same step params[k] -= eta * grads[k]", "sign-flipped-for-some-parameters")
    said = ", ".join(f"params['{k}'] by {c / -eta:.4g} * (-eta * grad)" for k, c in coefs)
    kinds = {kind: {round(c / -eta, 4) for k, c in coefs if k[0] == kind} for kind in "Wb"}
    if all(len(v) == 1 for v in kinds.values()) and kinds["W"] != kinds["b"]:
        fw, fb = (next(iter(kinds[kind])) for kind in "Wb")
        core.fail(f"{name}: the biases take a different step from the weights ({said}): every weight moved by "
                  f"{fw:.4g} * eta times its gradient, every bias by {fb:.4g} * eta times its own: the step depends on "
                  f"the kind of parameter (a learning rate of its own for the biases, or a branch on the name?); "
                  f"every parameter, weight or bias, takes the same step params[k] -= eta * grads[k]",
                  "step-differs-biases-weights")
    core.fail(f"{name}: each parameter moved along its own gradient, but by a step size that changes from one "
              f"parameter to the next ({said}): the first one got eta, the later ones another value, so eta is "
              f"changed inside the loop (eta *= ... or eta -= ...); every parameter takes the same step "
              f"params[k] -= eta * grads[k]", "eta-changed-in-loop")
