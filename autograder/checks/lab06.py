"""Hidden checks of Lab 06 (RDFIA, "Introduction to neural networks").

Convention of the lab (RDFIA notation, rows are samples):

    X (N, n_x),  W_h (n_h, n_x),  b_h (n_h, 1),  W_y (n_y, n_h),  b_y (n_y, 1)
    H~ = X W_h^T + b_h^T (N, n_h),  H = tanh(H~),  Y~ = H W_y^T + b_y^T (N, n_y),  Y^ = softmax(Y~)
    loss = mean over the batch of the cross-entropy; the 1/N appears in grad_Y~ = (Y^ - Y) / N only.

The oracles below are written per sample with column vectors (the RDFIA formulas as printed,
h~ = W_h x + b_h), not in the batched form the students write, and gradients are additionally
compared with centred finite differences in float64.  Nothing here prints or warns.
"""
from __future__ import annotations

import math

import numpy as np

from . import core

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
                   softmax_axis=1):
    """Per-sample column-vector forward pass; keyword flags produce known mistakes."""
    X = np.asarray(X, dtype=_f64)
    Wh, bh, Wy, by = (np.asarray(params[k], dtype=_f64) for k in PARAM_NAMES)
    Wh_used = Wh if transpose_wh else Wh.T      # "X @ Wh" is the per-sample product with Wh^T
    rows = {k: [] for k in ("htilde", "h", "ytilde")}
    for x in X:
        ht = Wh_used @ x + (bh[:, 0] if bias else 0.0)
        h = act(ht)
        yt = Wy @ h + (by[:, 0] if bias else 0.0)
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
                    scale_wy=1.0, scale_all=1.0, use_logits=False):
    """Per-sample RDFIA formulas (column vectors), summed over the batch.

    grad_y~ = (y^ - y)/N,  grad_Wy = grad_y~ h^T,  grad_by = grad_y~,
    grad_h~ = (W_y^T grad_y~) * (1 - h^2),  grad_Wh = grad_h~ x^T,  grad_bh = grad_h~.
    Keyword flags reproduce the catalogued mistakes (for diagnoses).
    """
    Wy = np.asarray(params["Wy"], dtype=_f64)
    X, Ht, H, Yt, Yh = (np.asarray(outputs[k], dtype=_f64) for k in ("X", "htilde", "h", "ytilde", "yhat"))
    Y = np.asarray(Y, dtype=_f64)
    N = X.shape[0]
    g = {k: np.zeros(np.shape(params[k]), dtype=_f64) for k in PARAM_NAMES}
    for n in range(N):
        gy = ((Yt[n] if use_logits else Yh[n]) - Y[n]) / N * scale_all
        g["Wy"] += np.outer(gy, H[n]) * scale_wy
        g["by"][:, 0] += gy
        gh = (Wy.T @ gy) if wy_transposed else (Wy @ gy)
        deriv = {"h": 1.0 - H[n] ** 2, "htilde": 1.0 - Ht[n] ** 2, "none": 1.0}[tanh_deriv]
        ght = gh * deriv
        g["Wh"] += np.outer(ght if wh_from == "htilde" else gh, X[n])
        g["bh"][:, 0] += ght
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
    for k, v in before.items():
        if k in after and not (isinstance(after[k], np.ndarray) and after[k].shape == v.shape
                               and np.array_equal(after[k], v)):
            core.fail(f"{fn_name} modified {what}['{k}'] in place; it must only read it")


def _call_with_shape_hint(fn, *args, name, hint):
    """core.call, adding a hint to shape errors (a matmul of the wrong orientation raises)."""
    try:
        return core.call(fn, *args, name=name)
    except core.CheckFailure as exc:
        text = str(exc)
        if "raised ValueError" in text and ("mismatch" in text or "shape" in text or "broadcast" in text):
            core.fail(f"{text}. Hint: {hint}")
        raise


def _expect_dict(got, keys, name):
    if got is None:
        core.fail(f"{name} returned None: did you forget a `return` statement?")
    if not isinstance(got, dict):
        core.fail(f"{name} must return a dict, got {type(got).__name__}")
    missing = [k for k in keys if k not in got]
    if missing:
        core.fail(f"{name} is missing the key(s) {missing} (expected exactly {list(keys)})")
    return got


# --------------------------------------------------------------------------- checks
def softmax(fn):
    """Row-wise softmax: values, shape, dtype, stability with huge logits, no input mutation."""
    r = core.rng("lab06.softmax")
    cases = [r.normal(size=(1, 3)) * 2, r.normal(size=(5, 7)) * 3, r.normal(size=(6, 2)),
             (r.normal(size=(3, 4)) * 2).astype(np.float32),
             # huge logits: exp overflows without the max shift; a max over the whole
             # matrix (not per row) makes the second row underflow to 0/0
             np.array([[1000.0, 1001.0, 999.0], [-1000.0, -1001.0, -1002.0]])]
    for Z in cases:
        got = core.call(fn, Z, name="softmax")
        core.expect_array(got, name="softmax(Z)", shape=Z.shape)
        expected = oracle_softmax(Z)
        tol = 1e-5 if Z.dtype == np.float32 else 1e-9
        core.expect_close(got, expected, name=f"softmax(Z) for Z of shape {Z.shape}", rtol=tol, atol=tol,
                          diagnose={"normalised over the wrong axis (use axis=1: one distribution "
                                    "per row/sample, and keepdims=True)": lambda Z=Z: oracle_softmax(Z, axis=0),
                                    "not normalised (divide by the row sum)": lambda Z=Z: np.exp(
                                        Z - Z.max(axis=1, keepdims=True))})


def init_params(fn):
    """Shapes (n_h, n_x) / (n_h, 1) / (n_y, n_h) / (n_y, 1), zero biases, N(0, 0.3^2) weights."""
    seed = int(core.rng("lab06.init").integers(2**31))
    for nx, nh, ny in [(2, 5, 3), (1, 1, 1), (7, 4, 10)]:
        got = core.call(fn, nx, nh, ny, np.random.default_rng(seed), name="init_params")
        _expect_dict(got, PARAM_NAMES, "init_params")
        want = {"Wh": (nh, nx), "bh": (nh, 1), "Wy": (ny, nh), "by": (ny, 1)}
        for k, shape in want.items():
            v = got[k]
            if isinstance(v, np.ndarray) and v.shape == shape[::-1] and shape[0] != shape[1]:
                core.fail(f"init_params: params['{k}'] has shape {v.shape}, the transpose of {shape}. "
                          f"RDFIA convention: W_h is (n_h, n_x) and W_y is (n_y, n_h) (they act on column "
                          f"vectors, h~ = W_h x + b_h) and biases are columns (n, 1)")
            core.expect_array(v, name=f"init_params: params['{k}'] (n_x={nx}, n_h={nh}, n_y={ny})",
                              shape=shape)
        for k in ("bh", "by"):
            if np.any(got[k] != 0):
                core.fail(f"init_params: the biases must be initialised to zero (params['{k}'] is not)")
    # Statistics on a large draw: std 0.3 (not the variance 0.09, not 1), mean 0, Gaussian tails.
    got = core.call(fn, 300, 200, 150, np.random.default_rng(seed), name="init_params")
    _expect_dict(got, PARAM_NAMES, "init_params")
    for k in ("Wh", "Wy"):
        w = core.expect_array(got[k], name=f"init_params: params['{k}']").astype(_f64).ravel()
        std, mean = float(w.std()), float(w.mean())
        if abs(std - 1.0) < 0.05:
            core.fail(f"init_params: params['{k}'] has standard deviation {std:.3f}: weights are N(0, 1); "
                      f"the practical draws them from N(0, 0.3^2), i.e. multiply by 0.3")
        if abs(std - 0.09) < 0.01:
            core.fail(f"init_params: params['{k}'] has standard deviation {std:.3f}: 0.3^2 = 0.09 is the "
                      f"variance; the standard deviation must be 0.3")
        if abs(std - 0.3) > 0.015:
            core.fail(f"init_params: params['{k}'] has standard deviation {std:.3f}; expected 0.3 "
                      f"(weights ~ N(0, 0.3^2))")
        if abs(mean) > 0.01:
            core.fail(f"init_params: params['{k}'] has mean {mean:.3f}; expected 0 (weights ~ N(0, 0.3^2))")
        tail = float(np.mean(np.abs(w) > 0.6))   # beyond 2 sigma: 4.6 % for a Gaussian, 0 for U(-a, a)
        if not 0.03 < tail < 0.065:
            core.fail(f"init_params: params['{k}'] does not look Gaussian ({100 * tail:.1f} % of the weights "
                      f"beyond 2 standard deviations, 4.6 % expected): use a normal distribution, "
                      f"not a uniform one")


def forward(fn):
    """Forward pass: every stored intermediate, against a per-sample oracle."""
    r = core.rng("lab06.forward")
    # The first case has n_x == n_h (and n_h == n_y) so that a missing transpose gives wrong
    # values instead of a shape error, which lets the message name it.
    cases = [(5, 4, 4, 4, _f64), (1, 2, 3, 2, _f64), (8, 6, 5, 10, _f64), (4, 3, 5, 2, np.float32)]
    hint = ("W_h is (n_h, n_x) and W_y is (n_y, n_h): in the batched form H~ = X W_h^T + b_h^T "
            "and Y~ = H W_y^T + b_y^T")
    for N, nx, nh, ny, dt in cases:
        params = _params(r, nx, nh, ny, dt)
        X = (r.normal(size=(N, nx)) * 1.5).astype(dt)
        before = _copy_dict(params)
        got = _call_with_shape_hint(fn, params, X, name="forward", hint=hint)
        _unchanged(before, params, "forward", "params")
        if not isinstance(got, tuple) or len(got) != 2:
            core.fail("forward must return a pair (yhat, outputs)")
        yhat, outputs = got
        _expect_dict(outputs, OUTPUT_NAMES, "forward (the outputs dict)")
        exp_yhat, exp = oracle_forward(params, X)
        tol = 1e-4 if dt == np.float32 else 1e-9
        wrong = {
            "softmax applied twice (Y^ = softmax(softmax(Y~)))": lambda: oracle_forward(params, X, softmax_twice=True)[1],
            "W_h used without transpose: H~ = X W_h^T + b_h^T since W_h is (n_h, n_x)":
                lambda: oracle_forward(params, X, transpose_wh=False)[1],
            "the sigmoid was used instead of tanh": lambda: oracle_forward(
                params, X, act=lambda z: 1 / (1 + np.exp(-z)))[1],
            "the tanh activation is missing (h = h~)": lambda: oracle_forward(params, X, act=lambda z: z)[1],
            "the biases are missing": lambda: oracle_forward(params, X, bias=False)[1],
            "softmax normalised over the wrong axis (one distribution per row)":
                lambda: oracle_forward(params, X, softmax_axis=0)[1],
        }
        shape = {"X": (N, nx), "htilde": (N, nh), "h": (N, nh), "ytilde": (N, ny), "yhat": (N, ny)}
        for k in OUTPUT_NAMES:
            core.expect_array(outputs[k], name=f"forward: outputs['{k}']", shape=shape[k])
            core.expect_close(outputs[k], exp[k], name=f"forward: outputs['{k}'] (N={N}, n_x={nx}, n_h={nh}, "
                              f"n_y={ny})", rtol=tol, atol=tol,
                              diagnose={m: (lambda f=f, k=k: f()[k]) for m, f in wrong.items()})
        core.expect_array(yhat, name="forward: the returned yhat", shape=(N, ny))
        core.expect_close(yhat, exp_yhat, name="forward: the returned yhat (must equal outputs['yhat'])",
                          rtol=tol, atol=tol)


def loss_accuracy(fn):
    """Mean cross-entropy and accuracy (fraction) of a batch."""
    r = core.rng("lab06.loss")
    for N, ny, dt in [(7, 3, _f64), (1, 2, _f64), (12, 10, _f64), (9, 4, np.float32), (25, 5, _f64)]:
        Yhat = oracle_softmax(r.normal(size=(N, ny)) * 2).astype(dt)
        Y = _onehot(r, N, ny, dt)
        got = core.call(fn, Yhat, Y, name="loss_accuracy")
        if not isinstance(got, tuple) or len(got) != 2:
            core.fail("loss_accuracy must return a pair (L, acc)")
        L = core.expect_scalar(got[0], name="loss_accuracy: L")
        acc = core.expect_scalar(got[1], name="loss_accuracy: acc")
        eL, eacc = oracle_loss(Yhat, Y)
        Yh64 = Yhat.astype(_f64)
        tol = 1e-5 if dt == np.float32 else 1e-9
        core.expect_close(L, eL, name=f"loss_accuracy: L (N={N}, n_y={ny})", rtol=tol, atol=tol, diagnose={
            "the loss is summed over the batch; it must be the mean (1/N)": eL * N,
            "the one-hot labels are ignored (sum over classes of -log y^ instead of -log y^ of the true class)":
                lambda: -np.mean(np.sum(np.log(Yh64), axis=1)),
            "averaged over the classes too: average over the N samples only": eL / ny,
            "softmax applied twice (yhat is already a probability vector)":
                lambda: oracle_loss(oracle_softmax(Yh64), Y)[0],
            "sign error: the cross-entropy is -sum y log y^": -eL,
        })
        core.expect_close(acc, eacc, name=f"loss_accuracy: acc (N={N}, n_y={ny})", rtol=0, atol=1e-9, diagnose={
            "accuracy must be a fraction in [0, 1], not a percentage": 100 * eacc,
            "this is the error rate (1 - accuracy)": 1 - eacc,
            "argmax over the wrong axis (axis=1: the class of each sample)":
                lambda: float(np.mean(np.argmax(Yh64, axis=0) == np.argmax(Y, axis=0))),
        })


_BACKWARD_CASES = [  # (N, n_x, n_h, n_y, dtype); the first has n_h == n_y (see the W_y diagnosis)
    (6, 5, 3, 3, _f64), (1, 3, 4, 2, _f64), (9, 2, 7, 4, _f64), (5, 4, 6, 3, np.float32)]

# Order matters: grad_bh is checked before grad_Wh and the "built from grad_h" diagnosis comes
# first, so a missing tanh derivative (wrong grad_bh too) and a grad_Wh built from grad_h (right
# grad_bh, same wrong grad_Wh) are told apart.
_BACKWARD_MISTAKES = {
    "grad_Wh was built from grad_h instead of grad_htilde (apply the tanh derivative first)":
        dict(wh_from="h"),
    "the tanh derivative is missing in grad_htilde (Q17: grad_htilde = (W_y^T grad_ytilde) * (1 - h^2))":
        dict(tanh_deriv="none"),
    "tanh derivative written as 1 - htilde^2: it is 1 - tanh(htilde)^2 = 1 - h^2":
        dict(tanh_deriv="htilde"),
    "W_y used instead of W_y^T: per sample grad_h = W_y^T grad_ytilde, i.e. grad_H = grad_Ytilde W_y in "
    "row form": dict(wy_transposed=False),
    "1/N applied twice (it belongs in grad_ytilde = (yhat - y)/N only)": dict(scale_wy=None),
    "1/N missing: the loss is the batch mean, so grad_ytilde = (yhat - y)/N": dict(scale_all=None),
    "grad_ytilde computed from the logits ytilde instead of yhat (Q15: yhat - y)": dict(use_logits=True),
}


def _backward_check(fn, keys, tag):
    r = core.rng(tag)
    hint = ("W_y is (n_y, n_h): in row form grad_H = grad_Ytilde W_y (the transpose of W_y^T grad_ytilde) "
            "and grad_Wh = grad_Htilde^T X has the shape of W_h, (n_h, n_x)")
    for case_no, (N, nx, nh, ny, dt) in enumerate(_BACKWARD_CASES):
        params = _params(r, nx, nh, ny, dt)
        X = (r.normal(size=(N, nx))).astype(dt)
        Y = _onehot(r, N, ny, dt)
        _, outputs = oracle_forward(params, X)
        outputs = {k: v.astype(dt) for k, v in outputs.items()}
        p_before, o_before, Y_before = _copy_dict(params), _copy_dict(outputs), Y.copy()
        grads = _call_with_shape_hint(fn, params, outputs, Y, name="backward", hint=hint)
        _unchanged(p_before, params, "backward", "params")
        _unchanged(o_before, outputs, "backward", "outputs")
        _unchanged({"Y": Y_before}, {"Y": Y}, "backward", "the labels")
        _expect_dict(grads, keys, "backward (the grads dict)")
        expected = oracle_backward(params, outputs, Y)
        tol = 1e-4 if dt == np.float32 else 1e-9
        for k in keys:
            shape = np.shape(params[k])
            g = grads[k]
            if isinstance(g, np.ndarray) and g.shape == shape[::-1] and shape[0] != shape[1]:
                core.fail(f"backward: grads['{k}'] has shape {g.shape}, the transpose of params['{k}'] "
                          f"{shape}: a gradient has the shape of its parameter "
                          + ("(grad_W = grad_pre-activation^T @ input)" if k[0] == "W" else
                             "(sum grad over the batch axis and keep a column)"))
            if isinstance(g, np.ndarray) and k[0] == "b" and g.shape != shape and N in g.shape:
                core.fail(f"backward: grads['{k}'] has shape {g.shape}: the bias gradient must be summed "
                          f"over the batch axis, expected shape {shape}")
            core.expect_array(g, name=f"backward: grads['{k}'] (N={N}, n_x={nx}, n_h={nh}, n_y={ny})",
                              shape=shape)
            diag = {}
            for message, flags in _BACKWARD_MISTAKES.items():
                if flags.get("scale_wy", 1) is None:
                    flags = dict(scale_wy=1.0 / N)
                    if N == 1:
                        continue
                if flags.get("scale_all", 1) is None:
                    flags = dict(scale_all=float(N))
                    if N == 1:
                        continue
                diag[message] = (lambda flags=flags, k=k: oracle_backward(params, outputs, Y, **flags)[k])
            diag["sign error: the gradient is (yhat - y)/N, not (y - yhat)/N"] = -expected[k]
            core.expect_close(g, expected[k], name=f"backward: grads['{k}'] (N={N}, n_x={nx}, n_h={nh}, "
                              f"n_y={ny})", rtol=tol, atol=tol, diagnose=diag)
        if case_no == 0:
            # Centred finite differences of the float64 loss, independent of every formula above.
            p64 = {k: np.asarray(v, dtype=_f64).copy() for k, v in params.items()}
            for k in keys:
                num = core.numerical_gradient(lambda _v, k=k: _ce_of_params(p64, X, Y), p64[k])
                err = core.relative_error(grads[k], num)
                if err > 1e-6:
                    core.fail(f"backward: grads['{k}'] disagrees with finite differences of the loss "
                              f"(relative error {err:.2e})")


def backward_output(fn):
    """Q15-Q16: grads of the output layer, W_y and b_y."""
    _backward_check(fn, ("Wy", "by"), "lab06.backward.output")


def backward_hidden(fn):
    """Q17: grads of the hidden layer, W_h and b_h (tanh derivative 1 - h^2, W_y^T)."""
    _backward_check(fn, ("bh", "Wh"), "lab06.backward.hidden")


def sgd(fn):
    """One SGD step: returns params - eta * grads for every parameter, grads untouched."""
    r = core.rng("lab06.sgd")
    for (nx, nh, ny, dt), eta in zip([(2, 3, 4, _f64), (5, 1, 2, _f64), (3, 6, 2, np.float32)], [0.1, 0.5, 0.03]):
        params = _params(r, nx, nh, ny, dt)
        grads = _params(r, nx, nh, ny, dt, scale=1.0)
        g_before, p_before = _copy_dict(grads), _copy_dict(params)
        got = core.call(fn, params, grads, eta, name="sgd")
        _unchanged(g_before, grads, "sgd", "grads")
        _expect_dict(got, PARAM_NAMES, "sgd")
        tol = 1e-6 if dt == np.float32 else 1e-12
        for k in PARAM_NAMES:
            core.expect_array(got[k], name=f"sgd: params['{k}']", shape=p_before[k].shape)
            p, g = p_before[k].astype(_f64), g_before[k].astype(_f64)
            core.expect_close(got[k], p - eta * g, name=f"sgd: params['{k}'] (eta={eta})", rtol=tol, atol=tol,
                              diagnose={"gradient ascent: the step is params - eta * grads": p + eta * g,
                                        "the learning rate eta is not used": p - g,
                                        f"params['{k}'] was not updated": p,
                                        "returned the step instead of the updated parameters": -eta * g})
