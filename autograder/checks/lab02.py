"""Hidden checks of Lab 02 (feed-forward network on MNIST, NumPy).

One function per graded behaviour; each takes the student's function(s) and raises
:class:`core.CheckFailure` with a message naming the likely mistake.  The oracles here are
written independently of the solution: loops or einsum instead of broadcasting, explicit
log-sum-exp in float64, and centred finite differences for every gradient.
"""
from __future__ import annotations

import numpy as np

from . import core
from .core import expect_array, expect_close, expect_scalar, fail

# Original references, as in core (a submission may rebind numpy names).
_array_equal = np.array_equal
_float64 = np.float64


# ---------------------------------------------------------------------------------------------
# Oracles (float64, independent formulations)
# ---------------------------------------------------------------------------------------------

def _softmax(z):
    z = np.asarray(z, dtype=_float64)
    out = np.empty_like(z)
    for i, row in enumerate(z):
        e = np.exp(row - row.max())
        out[i] = e / e.sum()
    return out


def _logsumexp(z):
    z = np.asarray(z, dtype=_float64)
    m = z.max(axis=1)
    return m + np.log(np.einsum("ij->i", np.exp(z - m[:, None])))


def _ce(z, y):
    z = np.asarray(z, dtype=_float64)
    return float(np.mean(_logsumexp(z) - z[np.arange(len(y)), y]))


def _onehot(y, c):
    out = np.zeros((len(y), c))
    for i, k in enumerate(y):
        out[i, int(k)] = 1.0
    return out


def _forward(p, X, relu=True):
    Z1 = np.einsum("ni,ih->nh", np.asarray(X, _float64), np.asarray(p["W1"], _float64)) + p["b1"]
    A1 = np.where(Z1 > 0, Z1, 0.0) if relu else Z1
    return np.einsum("nh,ho->no", A1, np.asarray(p["W2"], _float64)) + p["b2"], Z1, A1


def _probe_grads(p, X, G, *, mask="z>0", db="sum", scale=1.0):
    """Analytic gradients of sum(G * logits(p, X)) (G plays dlogits), with optional mistakes."""
    logits, Z1, A1 = _forward(p, X)
    G = np.asarray(G, _float64) * scale
    dW2 = np.einsum("nh,no->ho", A1, G)
    dA1 = np.einsum("no,ho->nh", G, np.asarray(p["W2"], _float64))
    m = {"z>0": Z1 > 0, "a>=0": A1 >= 0, "none": np.ones_like(Z1, bool)}[mask]
    dZ1 = dA1 * m
    dW1 = np.einsum("ni,nh->ih", np.asarray(X, _float64), dZ1)
    if db == "sum":
        return {"W1": dW1, "b1": dZ1.sum(0, keepdims=True), "W2": dW2, "b2": G.sum(0, keepdims=True)}
    return {"W1": dW1, "b1": dZ1, "W2": dW2, "b2": G}


def _random_params(r, n_in, n_hidden, n_out, dtype=_float64):
    return {"W1": r.normal(0, 1 / np.sqrt(n_in), (n_in, n_hidden)).astype(dtype),
            "b1": r.normal(0, 0.3, (1, n_hidden)).astype(dtype),
            "W2": r.normal(0, 1 / np.sqrt(n_hidden), (n_hidden, n_out)).astype(dtype),
            "b2": r.normal(0, 0.3, (1, n_out)).astype(dtype)}


def _labels(r, n, c):
    return r.integers(0, c, n)


def _copy_params(p):
    return {k: core._copy(v) for k, v in p.items()}


# ---------------------------------------------------------------------------------------------
# Data helpers
# ---------------------------------------------------------------------------------------------

def one_hot(one_hot):
    r = core.rng("lab02.one_hot")
    for n, c in [(7, 10), (1, 10), (12, 3)]:
        y = _labels(r, n, c)
        y[0] = c - 1                       # the last class must be reachable
        got = core.call(one_hot, y, c, name="one_hot")
        got = expect_array(got, name="one_hot", shape=(n, c))
        if not ((got == 0) | (got == 1)).all() or not (got.sum(axis=1) == 1).all():
            fail("one_hot must put exactly one 1 per row (at column y[i]) and 0 elsewhere; "
                 f"row sums are {got.sum(axis=1)[:5]}: check the indexing Y[np.arange(N), y] = 1")
        expect_close(got, _onehot(y, c), name="one_hot", atol=0,
                     diagnose={"the 1s are in the wrong place: row i must have its 1 in column y[i]": None})
    got = core.call(one_hot, np.array([3, 0]), name="one_hot (default num_classes)")
    expect_array(got, name="one_hot(y) with the default num_classes", shape=(2, 10))


def normalize(normalize):
    r = core.rng("lab02.normalize")
    for n, h, w in [(5, 28, 28), (1, 28, 28), (3, 4, 6)]:
        images = r.integers(0, 256, (n, h, w)).astype(np.uint8)
        images[0, 0, 0], images[0, 0, 1] = 0, 255     # both ends of the range are present
        got = core.call(normalize, images, name="normalize")
        got = expect_array(got, name="normalize", dtype=np.float32, shape=(n, h * w))
        exact = images.reshape(n, -1).astype(_float64)
        expect_close(got, exact / 255.0, name="normalize", rtol=1e-6, atol=1e-7, diagnose={
            "divide by 255 (the largest pixel value), not 256: pixels must map onto [0, 1] exactly":
                exact / 256.0,
            "the pixels are not normalised: divide by 255 to map 0..255 onto [0, 1]": exact,
            "the pixels are not normalised: divide by 255 to map 0..255 onto [0, 1] "
            "(standardising to zero mean is not what is asked)": lambda: (exact - exact.mean()) / exact.std(),
        })


# ---------------------------------------------------------------------------------------------
# Softmax and the loss
# ---------------------------------------------------------------------------------------------

def _call_case(fn, args, name, hint):
    """core.call, with ``hint`` appended when the failure is a numerical one."""
    try:
        return core.call(fn, *args, name=name)
    except core.CheckFailure as exc:
        msg = str(exc)
        if "numerically stable" in msg or "NaN or inf" in msg:
            fail(f"{msg}. {hint}")
        raise


def _finite(got, name, hint):
    try:
        return expect_array(got, name=name, shape=None)
    except core.CheckFailure as exc:
        fail(f"{exc}. {hint}")


def softmax(softmax):
    r = core.rng("lab02.softmax")
    for n, c in [(6, 4), (1, 10), (10, 10), (3, 7)]:
        z = r.normal(0, 3, (n, c))
        got = expect_array(core.call(softmax, z, name="softmax"), name="softmax", shape=(n, c))
        if n > 1 and core.close(got.sum(axis=0), np.ones(c), 1e-6, 1e-6) \
                and not core.close(got.sum(axis=1), np.ones(n), 1e-6, 1e-6):
            fail("softmax is normalised over the wrong axis: the columns sum to 1, but each ROW "
                 "(sample) must; use axis=1 with keepdims=True")
        e = np.exp(z - z.max())
        expect_close(got, _softmax(z), name="softmax", rtol=1e-6, atol=1e-9, diagnose={
            "normalised over the wrong axis: each ROW (sample) must sum to 1, use axis=1":
                e / e.sum(axis=0, keepdims=True),
            "divided by the sum over the whole batch: normalise each row (axis=1, keepdims=True)":
                e / e.sum(),
        })
    # Large logits: exp(1000) overflows unless something is subtracted first.
    z = 1000.0 + r.normal(0, 2, (5, 6))
    got = _call_case(softmax, (z,), "softmax",
                     "Logits near 1000 overflow exp: subtract each row's maximum before exp "
                     "(numerically stable softmax)")
    got = _finite(expect_array(got, name="softmax", shape=z.shape, finite=False), "softmax",
                  "Logits near 1000 overflow exp: subtract each row's maximum (numerically stable softmax)")
    expect_close(got, _softmax(z), name="softmax(logits near 1000)", rtol=1e-6, atol=1e-9)
    # Rows on very different scales: a global maximum underflows the low rows to 0/0.
    z = np.vstack([1000.0 + r.normal(0, 2, (2, 5)), -1000.0 + r.normal(0, 2, (2, 5))])
    hint = ("Rows on different scales (one near +1000, one near -1000): subtract the maximum "
            "of each row (axis=1, keepdims=True), not the global maximum, so that no row "
            "underflows to 0/0")
    got = _call_case(softmax, (z,), "softmax", hint)
    got = _finite(expect_array(got, name="softmax", shape=z.shape, finite=False), "softmax", hint)
    expect_close(got, _softmax(z), name="softmax(rows near +1000 and -1000)", rtol=1e-6, atol=1e-9,
                 diagnose={hint: lambda: np.zeros_like(z)})
    # float32 in, probabilities out (any float dtype), rows sum to 1.
    z = r.normal(0, 2, (4, 10)).astype(np.float32)
    got = expect_array(core.call(softmax, z, name="softmax"), name="softmax(float32 logits)", shape=z.shape)
    expect_close(got, _softmax(z), name="softmax(float32 logits)", rtol=1e-4, atol=1e-6)


def cross_entropy(cross_entropy):
    r = core.rng("lab02.cross_entropy")
    for n, c in [(8, 10), (1, 10), (5, 3)]:
        z = r.normal(0, 2, (n, c))
        y = _labels(r, n, c)
        got = expect_scalar(core.call(cross_entropy, z, y, name="cross_entropy"), name="cross_entropy")
        per = _logsumexp(z) - z[np.arange(n), y]
        p = _softmax(z)
        expect_close(got, _ce(z, y), name="cross_entropy", rtol=1e-6, atol=1e-9, diagnose={
            "summed over the batch instead of averaged: the loss is the MEAN over the N samples":
                per.sum(),
            "the sign is flipped: cross-entropy is -log p[y], a positive number": -per.mean(),
            "softmax applied twice: cross_entropy receives logits, take log-softmax of them once":
                lambda: _ce(_softmax(z), y),
            "averaged over all N*C entries instead of over the N samples": per.sum() / (n * c),
            "uses log of all probabilities weighted by the wrong labels: pick the TRUE class y[i] of each row":
                lambda: float(np.mean(-np.log(p[np.arange(n), y[::-1]]))),
        })
    # Extreme logits: the true class's probability underflows to 0 in float64.
    z = np.zeros((4, 10))
    z[:, 0] = 1000.0
    y = np.array([0, 3, 5, 9])
    hint = ("With logits like [1000, 0, ...] softmax rounds the other probabilities to exactly 0 "
            "and log(0) = -inf: compute the loss from the logits as logsumexp(z) - z[y] "
            "(or clamp the probabilities before the log)")
    got = _call_case(cross_entropy, (z, y), "cross_entropy", hint)
    try:
        got = expect_scalar(got, name="cross_entropy")
    except core.CheckFailure as exc:
        fail(f"{exc}. {hint}")
    if got < 20:
        fail(f"cross_entropy with a confident wrong prediction (logit margin 1000) gave {got:.3g}: "
             f"it must be very large (the exact value is {_ce(z, y):.1f}). {hint}")
    # Uniform logits: the loss of a guess is ln C.
    got = expect_scalar(core.call(cross_entropy, np.zeros((3, 10), np.float32), np.array([1, 2, 3]),
                                  name="cross_entropy"), name="cross_entropy")
    expect_close(got, np.log(10), name="cross_entropy(all-zero logits)", rtol=1e-5, atol=1e-6)


def softmax_cross_entropy_backward(fn):
    r = core.rng("lab02.sce_backward")
    for n, c in [(6, 10), (1, 10), (4, 3)]:
        z = r.normal(0, 2, (n, c))
        y = _labels(r, n, c)
        probs = _softmax(z)
        got = core.call(fn, probs, y, name="softmax_cross_entropy_backward")
        got = expect_array(got, name="softmax_cross_entropy_backward", shape=(n, c))
        numeric = core.numerical_gradient(lambda zz: _ce(zz, y), z.copy())
        Y = _onehot(y, c)
        expect_close(got, numeric, name="softmax_cross_entropy_backward", rtol=1e-5, atol=1e-7, diagnose={
            "the 1/N is missing: the loss is a mean, so dlogits = (probs - one_hot(y)) / N":
                probs - Y,
            "the 1/N is applied twice: divide (probs - one_hot(y)) by N once": (probs - Y) / n ** 2,
            "the labels are not one-hot encoded: subtract one_hot(y) (N, C), not the integer labels":
                (probs - y[:, None]) / n,
            "softmax applied twice: the input is already probabilities, do not softmax it again":
                lambda: (_softmax(probs) - Y) / n,
            "the sign is flipped: dL/dz = (p - y) / N, not (y - p) / N": (Y - probs) / n,
        })


# ---------------------------------------------------------------------------------------------
# The network
# ---------------------------------------------------------------------------------------------

def init_params(init_params):
    keys = ("W1", "b1", "W2", "b2")
    for n_in, n_h, n_out in [(784, 256, 10), (40, 300, 7)]:
        shapes = {"W1": (n_in, n_h), "b1": (1, n_h), "W2": (n_h, n_out), "b2": (1, n_out)}
        p = core.call(init_params, n_in, n_h, n_out, np.random.default_rng(5), name="init_params")
        if not isinstance(p, dict) or set(p) != set(keys):
            fail(f"init_params must return a dict with the keys {keys}, got "
                 f"{sorted(p) if isinstance(p, dict) else core._describe(p)}")
        for k in keys:
            expect_array(p[k], name=f"init_params()['{k}']", dtype=np.float32, shape=shapes[k])
        for k in ("b1", "b2"):
            if np.any(p[k] != 0):
                fail(f"init_params: the biases start at zero ({k} is not all zeros)")
        for k, fan_in, fan_out in [("W1", n_in, n_h), ("W2", n_h, n_out)]:
            w = p[k].astype(_float64)
            std = float(w.std())
            if std == 0:
                fail(f"init_params: {k} is all zeros (or constant): every hidden unit would compute "
                     f"the same thing forever (symmetry); draw random weights")
            low = 0.8 * min(np.sqrt(1 / fan_in), np.sqrt(2 / (fan_in + fan_out)))
            high = 1.25 * np.sqrt(2 / fan_in)
            if std > high:
                fail(f"init_params: {k} has std {std:.3g}, too large for fan-in {fan_in}: scale it "
                     f"like He (sqrt(2/fan_in) = {np.sqrt(2 / fan_in):.3g}) or Xavier/Glorot")
            if std < low:
                fail(f"init_params: {k} has std {std:.3g}, too small for fan-in {fan_in} (signals "
                     f"vanish): use He sqrt(2/fan_in) = {np.sqrt(2 / fan_in):.3g} or Xavier/Glorot "
                     f"(is a square root missing?)")
            if abs(float(w.mean())) > 4 * std / np.sqrt(w.size) + 1e-12:
                fail(f"init_params: {k} has mean {float(w.mean()):.3g}: weights must be centred on 0")
    # Reproducible through rng, and actually drawn from it.
    a = core.call(init_params, 30, 20, 5, np.random.default_rng(7), name="init_params")
    b = core.call(init_params, 30, 20, 5, np.random.default_rng(7), name="init_params")
    c = core.call(init_params, 30, 20, 5, np.random.default_rng(8), name="init_params")
    if not _array_equal(a["W1"], b["W1"]) or _array_equal(a["W1"], c["W1"]):
        fail("init_params must draw its weights from the rng argument (same rng seed -> same "
             "weights, different seed -> different weights), not from np.random directly")


def _check_params_dict(p, like, name):
    if not isinstance(p, dict) or set(p) != set(like):
        fail(f"{name} must return a dict with the keys {sorted(like)}, got "
             f"{sorted(p) if isinstance(p, dict) else core._describe(p)}")
    for k, v in like.items():
        got = p[k]
        if k.startswith("b") and isinstance(got, np.ndarray) and got.ndim == 2 and got.shape[1:] == v.shape[1:] \
                and got.shape[0] > 1:
            fail(f"{name}['{k}'] must be summed over the batch axis: expected shape {v.shape}, got {got.shape}")
        if k.startswith("b") and isinstance(got, np.ndarray) and got.shape == v.shape[1:]:
            fail(f"{name}['{k}']: expected shape {v.shape}, got {got.shape} (sum with keepdims=True)")
        expect_array(got, name=f"{name}['{k}']", shape=v.shape)


def forward(forward):
    r = core.rng("lab02.forward")
    for n, n_in, n_h, n_out in [(5, 12, 8, 4), (1, 784, 16, 10), (9, 6, 20, 10)]:
        p = _random_params(r, n_in, n_h, n_out)
        X = r.normal(0, 1, (n, n_in))
        out = core.call(forward, p, X, name="forward")
        if not isinstance(out, tuple) or len(out) != 2:
            fail("forward must return a pair (logits, cache)")
        logits = expect_array(out[0], name="forward logits", shape=(n, n_out))
        want, Z1, _ = _forward(p, X)
        expect_close(logits, want, name="forward logits", rtol=1e-6, atol=1e-8, diagnose={
            "forward must return the logits, without softmax (the loss applies softmax itself; "
            "applying it here means softmax is applied twice)": lambda: _softmax(want),
            "the ReLU is missing on the hidden layer": lambda: _forward(p, X, relu=False)[0],
            "a bias is missing (add b1 to the hidden layer and b2 to the logits)":
                lambda: want - p["b2"],
        })
    # float32 parameters and inputs stay usable (no error, close values).
    p = _random_params(r, 30, 16, 10, np.float32)
    X = r.random((7, 30)).astype(np.float32)
    logits = expect_array(core.call(forward, p, X, name="forward")[0], name="forward logits (float32)",
                          shape=(7, 10))
    expect_close(logits, _forward(p, X)[0], name="forward logits (float32)", rtol=1e-4, atol=1e-5)


def backward(forward, backward):
    r = core.rng("lab02.backward")
    for n, n_in, n_h, n_out in [(6, 5, 7, 3), (1, 4, 6, 10), (4, 9, 3, 10)]:
        p = _random_params(r, n_in, n_h, n_out)
        X = r.normal(0, 1, (n, n_in))
        G = r.normal(0, 1, (n, n_out)) / n            # plays dlogits (already divided by N)
        logits, cache = core.call(forward, p, X, name="forward")
        if not core.close(logits, _forward(p, X)[0], 1e-6, 1e-8):
            fail("backward cannot be checked: forward returns wrong logits (fix forward first)")
        grads = core.call(backward, p, cache, G, name="backward")
        _check_params_dict(grads, p, "backward")
        want = _probe_grads(p, X, G)
        for k in ("W2", "b2", "W1", "b1"):
            # Finite differences of the probe sum(G * logits), float64, as an independent witness.
            def f(v, k=k):
                q = dict(p)
                q[k] = v
                return float(np.sum(G * _forward(q, X)[0]))
            numeric = core.numerical_gradient(f, p[k].copy())
            if not core.close(want[k], numeric, 1e-5, 1e-7):     # guards the oracle itself
                fail(f"internal check error: oracle and finite differences disagree on {k}")
            expect_close(grads[k], numeric, name=f"backward()['{k}']", rtol=1e-5, atol=1e-7, diagnose={
                "the ReLU derivative is wrong: it is 1 where the activation is > 0 and 0 elsewhere "
                "(A1 >= 0 is true everywhere after a ReLU)":
                    lambda k=k: _probe_grads(p, X, G, mask="a>=0")[k],
                "the ReLU derivative is missing in backward": lambda k=k: _probe_grads(p, X, G, mask="none")[k],
                "the 1/N is applied twice: dlogits is already divided by N, do not divide again in backward":
                    lambda k=k: _probe_grads(p, X, G, scale=1 / n)[k],
                "the gradient is N times too large: did you multiply by N?":
                    lambda k=k: _probe_grads(p, X, G, scale=n)[k],
            })


def sgd_update(sgd_update):
    r = core.rng("lab02.sgd_update")
    for n_in, n_h, n_out, lr in [(5, 4, 3, 0.1), (7, 2, 10, 0.5)]:
        p = _random_params(r, n_in, n_h, n_out, np.float32)
        g = _random_params(r, n_in, n_h, n_out, np.float32)
        before = _copy_params(p)
        out = core.call(sgd_update, p, g, lr, name="sgd_update")
        _check_params_dict(out, before, "sgd_update")
        for k in before:
            want = before[k].astype(_float64) - lr * g[k].astype(_float64)
            expect_array(out[k], name=f"sgd_update()['{k}']", dtype=np.float32, shape=before[k].shape)
            expect_close(out[k], want, name=f"sgd_update()['{k}']", rtol=1e-5, atol=1e-6, diagnose={
                "the sign is flipped: gradient DEScent subtracts lr * grad": before[k] + lr * g[k],
                f"'{k}' was not updated (every parameter, biases included, takes a step)": before[k],
                "the learning rate is not applied": before[k] - g[k],
            })


def accuracy(accuracy):
    r = core.rng("lab02.accuracy")
    for n, c in [(10, 10), (7, 3), (1, 10), (50, 10)]:
        scores = r.normal(0, 1, (n, c))
        y = _labels(r, n, c)
        pred = scores.argmax(axis=1)
        y[: n // 2] = pred[: n // 2]                  # about half right, so the value tells
        got = expect_scalar(core.call(accuracy, scores, y, name="accuracy"), name="accuracy")
        want = sum(int(np.argmax(scores[i]) == y[i]) for i in range(n)) / n
        diagnose = {"the number of correct predictions is not divided by N: return a fraction in [0, 1]":
                    want * n}
        if n == c:
            diagnose["argmax over the wrong axis: take the largest score of each ROW (axis=1)"] = \
                float(np.mean(scores.argmax(axis=0) == y))
        expect_close(got, want, name="accuracy", rtol=1e-9, atol=1e-12, diagnose=diagnose)


# ---------------------------------------------------------------------------------------------
# Training
# ---------------------------------------------------------------------------------------------

def iterate_minibatches(fn):
    r = core.rng("lab02.minibatches")
    orders = []
    for n, d, bs in [(23, 3, 5), (20, 2, 4), (7, 4, 10), (9, 1, 1)]:
        ids = np.arange(n)
        X = ids[:, None] * 10.0 + np.arange(d)[None, :] / 10   # the row says which sample it is
        y = ids * 3 + 1
        gen = core.call(fn, X, y, bs, np.random.default_rng(int(r.integers(1 << 30))),
                        name="iterate_minibatches")
        try:
            with core.numerics("iterate_minibatches"):
                batches = list(gen)
        except core.CheckFailure:
            raise
        except NotImplementedError:
            fail("iterate_minibatches is not implemented yet (it raised NotImplementedError)")
        except TypeError:
            fail("iterate_minibatches must be a generator (use `yield`) or return an iterable of batches")
        except Exception as exc:
            fail(f"iterate_minibatches raised {type(exc).__name__}: {exc}")
        seen, seen_y, sizes = [], [], []
        for b in batches:
            if not isinstance(b, tuple) or len(b) != 2:
                fail("iterate_minibatches must yield pairs (X_batch, y_batch)")
            xb = expect_array(b[0], name="X_batch", dtype=None)
            yb = expect_array(b[1], name="y_batch", dtype=None)
            if xb.ndim != 2 or xb.shape[1] != d or yb.shape != (xb.shape[0],):
                fail(f"a batch must be X_batch (B, {d}) and y_batch (B,), got {xb.shape} and {yb.shape}")
            sizes.append(len(xb))
            seen.extend(np.rint(xb[:, 0] / 10).astype(int).tolist())
            seen_y.extend(yb.tolist())
        expected_sizes = [bs] * (n // bs) + ([n % bs] if n % bs else [])
        if sorted(seen) != list(range(n)):
            counts = np.bincount(np.asarray(seen, int), minlength=n) if seen else np.zeros(n, int)
            if len(seen) < n and counts.max(initial=0) <= 1:
                fail(f"iterate_minibatches dropped samples: {n - len(seen)} of {n} never appear "
                     f"(keep the last, smaller batch when {bs} does not divide {n})")
            fail(f"iterate_minibatches must yield every sample exactly once per epoch: "
                 f"{int((counts > 1).sum())} samples were repeated and {int((counts == 0).sum())} "
                 f"never appear (shuffle with a permutation, do not draw indices with replacement)")
        if sizes != expected_sizes:
            fail(f"batch sizes {sizes}: expected {expected_sizes} (batches of batch_size, the last "
                 f"one smaller and kept)")
        if seen_y != [3 * i + 1 for i in seen]:
            fail("X_batch and y_batch are not aligned: each label must stay with its image "
                 "(index X and y with the same shuffled indices)")
        orders.append(seen)
    if all(o == sorted(o) for o in orders[:2]):
        fail("iterate_minibatches does not shuffle: the samples come out in their original order "
             "(draw a permutation from rng)")


def train_epoch(train_epoch, iterate_minibatches):
    r = core.rng("lab02.train_epoch")
    for n, n_in, n_h, n_out, bs, lr in [(23, 6, 5, 4, 8, 0.5), (10, 3, 7, 10, 10, 0.1)]:
        p = _random_params(r, n_in, n_h, n_out)
        X = r.normal(0, 1, (n, n_in))
        y = _labels(r, n, n_out)
        # The oracle replays the same batches (same seed) with float64 oracle maths.
        q = _copy_params(p)
        batches = list(iterate_minibatches(X, y, bs, np.random.default_rng(3)))
        losses, correct, batch_losses = 0.0, 0.0, []
        for xb, yb in batches:
            logits, _, _ = _forward(q, xb)
            batch_losses.append(_ce(logits, yb))
            losses += batch_losses[-1] * len(xb)
            correct += float(np.sum(logits.argmax(1) == yb))
            g = _probe_grads(q, xb, (_softmax(logits) - _onehot(yb, n_out)) / len(xb))
            q = {k: q[k] - lr * g[k] for k in q}
        before = _copy_params(p)
        out = core.call(train_epoch, p, X, y, lr, bs, np.random.default_rng(3), name="train_epoch")
        if not isinstance(out, tuple) or len(out) != 2:
            fail("train_epoch must return the pair (mean loss, accuracy)")
        loss = expect_scalar(out[0], name="train_epoch loss")
        acc = expect_scalar(out[1], name="train_epoch accuracy")
        if all(_array_equal(p[k], before[k]) for k in p):
            fail("train_epoch did not update params: the dict it is given must hold the trained "
                 "parameters afterwards (sgd_update after every batch)")
        for k in q:
            expect_close(p[k], q[k], name=f"params['{k}'] after train_epoch (replayed with the same batches)",
                         rtol=1e-5, atol=1e-7)
        expect_close(loss, losses / n, name="train_epoch loss", rtol=1e-6, atol=1e-9, diagnose={
            "the mean of the batch losses is not weighted by the batch sizes (the last batch is "
            "smaller): add loss * batch_size and divide by N": float(np.mean(batch_losses)),
            "the losses are summed, not averaged over the N samples": losses,
        })
        expect_close(acc, correct / n, name="train_epoch accuracy", rtol=1e-6, atol=1e-9)


def fit(fit):
    r = core.rng("lab02.fit")
    n_tr, n_val, d, n_h, c = 30, 12, 8, 6, 3
    # Training images use only the first half of the pixels and validation images only the
    # second half, so the first-layer rows of those pixels get exactly zero gradient unless
    # validation samples are trained on.
    X_tr = np.zeros((n_tr, d))
    X_tr[:, : d // 2] = r.random((n_tr, d // 2))
    X_val = np.zeros((n_val, d))
    X_val[:, d // 2:] = r.random((n_val, d // 2))
    y_tr, y_val = _labels(r, n_tr, c), _labels(r, n_val, c)
    p = _random_params(r, d, n_h, c)
    before = _copy_params(p)
    hist = core.call(fit, p, X_tr, y_tr, X_val, y_val, 3, 0.3, 7, seed=1, name="fit")
    if np.array_equal(p["W1"][: d // 2], before["W1"][: d // 2]):
        fail("fit did not update params in place (the model must be trained on the dict it is given)")
    if not np.array_equal(p["W1"][d // 2:], before["W1"][d // 2:]):
        fail("validation data leaked into training: the weights of pixels that only validation "
             "images use have changed; train on (X_tr, y_tr) only and use (X_val, y_val) only to measure")
    # The schedule: epoch e uses lr * lr_decay**(e - 1). With lr_decay = 0 the second epoch
    # takes no step, so two epochs must end where one epoch (same seed) ends.
    q1, q2, q3 = _copy_params(before), _copy_params(before), _copy_params(before)
    core.call(fit, q1, X_tr, y_tr, X_val, y_val, 1, 0.3, 7, seed=2, name="fit")
    core.call(fit, q2, X_tr, y_tr, X_val, y_val, 2, 0.3, 7, seed=2, lr_decay=0.0, name="fit")
    core.call(fit, q3, X_tr, y_tr, X_val, y_val, 2, 0.3, 7, seed=2, lr_decay=0.5, name="fit")
    if np.array_equal(q2["W2"], before["W2"]):
        fail("fit: the first epoch must use lr itself (epoch e uses lr * lr_decay**(e - 1), "
             "so lr_decay only acts from the second epoch on)")
    if not core.close(q2["W2"], q1["W2"], 1e-9, 1e-12) or core.close(q3["W2"], q1["W2"], 1e-9, 1e-12):
        fail("fit ignores or misapplies lr_decay: epoch e must train with lr * lr_decay**(e - 1)")
    import pandas as pd
    if not isinstance(hist, pd.DataFrame):
        fail(f"fit must return a pandas DataFrame (the history), got {core._describe(hist)}")
    cols = {"train_loss", "train_acc", "val_loss", "val_acc"}
    if not cols <= set(hist.columns) or len(hist) != 3:
        fail(f"the history must have one row per epoch (3 here) and the columns {sorted(cols)}, "
             f"got {len(hist)} rows and {list(hist.columns)}")
    logits = _forward(p, X_val)[0]
    expect_close(float(hist["val_acc"].iloc[-1]), float(np.mean(logits.argmax(1) == y_val)),
                 name="history val_acc of the last epoch", rtol=1e-9, atol=1e-9)
    expect_close(float(hist["val_loss"].iloc[-1]), _ce(logits, y_val),
                 name="history val_loss of the last epoch (measured on the validation set after the epoch)",
                 rtol=1e-6, atol=1e-9, diagnose={
                     "val_loss was measured on the training set":
                         lambda: _ce(_forward(p, X_tr)[0], y_tr)})


# ---------------------------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------------------------

def confusion_matrix(confusion_matrix):
    r = core.rng("lab02.confusion")
    for n, c in [(40, 4), (1, 10), (200, 10)]:
        y_true = _labels(r, n, c)
        y_pred = np.where(r.random(n) < 0.6, y_true, _labels(r, n, c))
        got = core.call(confusion_matrix, y_true, y_pred, c, name="confusion_matrix")
        got = expect_array(got, name="confusion_matrix", dtype=None, shape=(c, c))
        if not (np.issubdtype(got.dtype, np.integer) or np.all(got == np.round(got))):
            fail("confusion_matrix must hold counts (integers)")
        want = np.zeros((c, c), int)
        for t, q in zip(y_true, y_pred):
            want[t, q] += 1
        once = np.zeros((c, c), int)
        once[y_true, y_pred] = 1
        expect_close(got, want, name="confusion_matrix", atol=0, rtol=0, diagnose={
            "rows and columns are swapped: cm[i, j] counts TRUE class i predicted as j (rows = truth)":
                want.T,
            "repeated (true, predicted) pairs are counted once: cm[y_true, y_pred] += 1 does not "
            "accumulate duplicates; use np.add.at or a loop": once,
        })


def precision_recall_f1(fn):
    r = core.rng("lab02.prf")
    for c in (4, 10):
        cm = r.integers(0, 20, (c, c)) + np.diag(r.integers(5, 40, c))
        cm[:, 1] = 0                       # class 1 never predicted: precision 0, not 0/0
        cm[1, 1] = 0
        cm[2, :] = 0                       # class 2 never present: recall 0
        out = _call_case(fn, (cm,), "precision_recall_f1",
                         "A class that is never predicted (a zero column) or never present (a zero "
                         "row) gives 0/0: define that ratio as 0 (np.divide with where= and out=)")
        if not isinstance(out, tuple) or len(out) != 3:
            fail("precision_recall_f1 must return the triple (precision, recall, f1)")
        tp = np.array([cm[i, i] for i in range(c)], float)
        col = np.array([sum(cm[:, j]) for j in range(c)], float)
        row = np.array([sum(cm[i, :]) for i in range(c)], float)
        prec = np.array([tp[i] / col[i] if col[i] else 0.0 for i in range(c)])
        rec = np.array([tp[i] / row[i] if row[i] else 0.0 for i in range(c)])
        f1 = np.array([2 * a * b / (a + b) if a + b else 0.0 for a, b in zip(prec, rec)])
        names = ("precision", "recall", "f1")
        for name, got, want, other in zip(names, out, (prec, rec, f1), (rec, prec, f1)):
            got = expect_array(got, name=name, shape=(c,))
            expect_close(got, want, name=name, rtol=1e-9, atol=1e-12, diagnose={
                "precision and recall are swapped: precision divides by the PREDICTED counts "
                "(column sums), recall by the TRUE counts (row sums)": other,
                "f1 is the harmonic mean 2PR/(P+R), not the arithmetic mean": (prec + rec) / 2,
            })
