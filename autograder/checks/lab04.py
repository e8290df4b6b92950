"""Hidden checks of Lab 04 (gradient descent and backpropagation in an L-layer network).

Conventions checked (rows are samples): X (m, n_0), W_l (n_{l-1}, n_l), b_l (1, n_l),
Z_l = A_{l-1} @ W_l + b_l, sigmoid output with the mean binary cross-entropy, and the
1/m applied once, in dZ_L = (A_L - Y) / m.

The oracles here are written independently of the reference solution: einsum instead of
matrix products, the sigmoid through tanh, the loss from the logits (softplus form),
finite differences for every parameter gradient, and plain gradient-descent loops for
training.  Every check raises :class:`core.CheckFailure` with a message that names the
mistake it most likely found; nothing is printed.
"""
from __future__ import annotations

import copy

import numpy as np

from . import core

ACTIVATIONS = ("sigmoid", "tanh", "relu")


# ----------------------------------------------------------------------------- oracles
def _sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


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
    return np.einsum("mi,io->mo", A, W) + b


def _forward(X, params, hidden):
    """List of per-layer (A_prev, W, b, Z, A) in float64."""
    L = len(params) // 2
    out, A = [], np.asarray(X, dtype=np.float64)
    for l in range(1, L + 1):
        W, b = params[f"W{l}"], params[f"b{l}"]
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


def _backward(layers, Y, hidden, top=None, at=3):
    """Analytic gradients {dW_l, db_l, dA_{l-1}}.

    For diagnoses: ``top`` rewrites dZ_L; ``at=4`` evaluates g' at the activation A of each
    hidden layer instead of its pre-activation Z (``at=3``).
    """
    L = len(layers)
    m = Y.shape[0]
    AL = layers[-1][4]
    dZ = (AL - Y) / m if top is None else top(AL, Y, m)
    g = {}
    for l in range(L, 0, -1):
        A_prev, W, b, Z, _ = layers[l - 1]
        g[f"dW{l}"] = np.einsum("mi,mo->io", A_prev, dZ)
        g[f"db{l}"] = np.einsum("mo->o", dZ)[None, :]
        g[f"dA{l - 1}"] = np.einsum("mo,io->mi", dZ, W)
        if l > 1:
            dZ = g[f"dA{l - 1}"] * _act_grad(layers[l - 2][at], hidden)
    return g


def _random_params(gen, dims, scale=1.0):
    p = {}
    for l in range(1, len(dims)):
        p[f"W{l}"] = scale * gen.standard_normal((dims[l - 1], dims[l])) / np.sqrt(dims[l - 1])
        p[f"b{l}"] = 0.3 * scale * gen.standard_normal((1, dims[l]))
    return p


def _gd(X, Y, params, lr, steps, hidden):
    """``steps`` full-batch gradient-descent steps (the oracle of train)."""
    params = copy.deepcopy(params)
    for _ in range(steps):
        g = _backward(_forward(X, params, hidden), Y, hidden)
        params = {k: v - lr * g["d" + k] for k, v in params.items()}
    return params


def _full_loss(X, Y, params, hidden):
    return _bce_logits(_logits_from(np.asarray(X, dtype=np.float64), params, hidden, 1), Y)


# ----------------------------------------------------------------------------- helpers
def _tuple(got, n, name, what):
    if not isinstance(got, (tuple, list)) or len(got) != n:
        core.fail(f"{name} must return {what}, got {type(got).__name__}"
                  + (f" of length {len(got)}" if isinstance(got, (tuple, list)) else ""))
    return got


def _same(a, b):
    return core.close(a, b, 1e-12, 0.0)


def _param_dict(got, dims, name):
    L = len(dims) - 1
    if got is None:
        core.fail(f"{name} returned None: return the parameters dict")
    if not isinstance(got, dict):
        core.fail(f"{name} must return a dict of parameters, got {type(got).__name__}")
    want = {f"{p}{l}" for l in range(1, L + 1) for p in "Wb"}
    if set(got) != want:
        core.fail(f"{name}: expected exactly the keys {sorted(want)}, got {sorted(map(str, got))}")
    for l in range(1, L + 1):
        core.expect_array(got[f"W{l}"], name=f"{name}['W{l}']", shape=(dims[l - 1], dims[l]))
        core.expect_array(got[f"b{l}"], name=f"{name}['b{l}']", shape=(1, dims[l]))
    return got


# ----------------------------------------------------------------------------- initialisation
def _expected_std(method, n_in, n_out):
    return {"random": 0.01, "xavier": np.sqrt(2.0 / (n_in + n_out)), "he": np.sqrt(2.0 / n_in)}[method]


def _std_diagnosis(method, n_in, n_out):
    wrong = {
        "he": {"He uses the fan-in: std = sqrt(2 / n_{l-1}), not sqrt(2 / n_l) (fan-out)": np.sqrt(2.0 / n_out),
               "He uses std = sqrt(2 / n_{l-1}); sqrt(1 / n_{l-1}) is LeCun/'Xavier' scaling": np.sqrt(1.0 / n_in),
               "2 / n_{l-1} is the variance: take its square root for the standard deviation": 2.0 / n_in},
        "xavier": {"Xavier/Glorot uses std = sqrt(2 / (n_{l-1} + n_l)), not sqrt(1 / n_{l-1})": np.sqrt(1.0 / n_in),
                   "Xavier/Glorot uses std = sqrt(2 / (n_{l-1} + n_l)), not the He formula sqrt(2 / n_{l-1})":
                       np.sqrt(2.0 / n_in),
                   "2 / (n_{l-1} + n_l) is the variance: take its square root": 2.0 / (n_in + n_out)},
        "random": {"small random weights are 0.01 * N(0, 1): the factor 0.01 is missing": 1.0},
    }
    return wrong[method]


def initialize_parameters(fn) -> None:
    """Keys, shapes, zero biases, zeros method, scale of each random method, seeding."""
    dims = [3, 5, 2, 1]
    for method in ("zeros", "random", "xavier", "he"):
        name = f"initialize_parameters({dims}, {method!r})"
        p = _param_dict(core.call(fn, list(dims), method, seed=4, name=name), dims, name)
        for l in range(1, len(dims)):
            if not _same(p[f"b{l}"], np.zeros((1, dims[l]))):
                core.fail(f"{name}: the biases must start at 0 (b{l} is not zero)")
            W = p[f"W{l}"]
            if method == "zeros":
                if not _same(W, np.zeros_like(W)):
                    core.fail(f"{name}: method 'zeros' must give all-zero weights (W{l} is not zero)")
            elif np.all(W == 0):
                core.fail(f"{name}: W{l} is all zero: zero initialisation keeps every hidden unit "
                          f"identical (the symmetry is never broken); draw random weights")
            elif np.unique(W).size < W.size:
                core.fail(f"{name}: W{l} has repeated values: every weight must be drawn independently "
                          f"(a constant initialisation keeps the units symmetric)")
    big = [400, 300, 250]
    for method in ("random", "xavier", "he"):
        name = f"initialize_parameters({big}, {method!r})"
        p = _param_dict(core.call(fn, list(big), method, seed=11, name=name), big, name)
        for l in (1, 2):
            n_in, n_out = big[l - 1], big[l]
            W = np.asarray(p[f"W{l}"], dtype=np.float64)
            std, want = float(W.std()), _expected_std(method, n_in, n_out)
            if abs(W.mean()) > 0.05 * want:
                core.fail(f"{name}: W{l} has mean {W.mean():.3g}; the weights must be centred on 0")
            if abs(std - want) > 0.04 * want:
                for message, wrong in _std_diagnosis(method, n_in, n_out).items():
                    if abs(std - wrong) <= 0.04 * wrong:
                        core.fail(f"{name}: {message} (W{l} has std {std:.4g}, expected {want:.4g})")
                core.fail(f"{name}: W{l} has standard deviation {std:.4g}, expected {want:.4g} "
                          f"for layer sizes n_{{l-1}}={n_in}, n_l={n_out}")
    # Seeding: reproducible, and the seed actually matters.
    a = core.call(fn, [4, 6, 1], "he", seed=1, name="initialize_parameters(..., seed=1)")
    b = core.call(fn, [4, 6, 1], "he", seed=1, name="initialize_parameters(..., seed=1)")
    c = core.call(fn, [4, 6, 1], "he", seed=2, name="initialize_parameters(..., seed=2)")
    for d in (a, b, c):
        _param_dict(d, [4, 6, 1], "initialize_parameters([4, 6, 1], 'he')")
    if not _same(a["W1"], b["W1"]):
        core.fail("initialize_parameters: the same seed must give the same weights "
                  "(draw them from np.random.default_rng(seed))")
    if _same(a["W1"], c["W1"]):
        core.fail("initialize_parameters: different seeds gave identical weights: the seed is ignored")


# ----------------------------------------------------------------------------- forward
def linear_forward(fn) -> None:
    gen = core.rng("lab04.linear_forward")
    for m, n_prev, n, dtype in [(5, 3, 4, np.float64), (1, 2, 3, np.float64), (4, 4, 4, np.float64),
                                (6, 5, 2, np.float32)]:
        A = gen.standard_normal((m, n_prev)).astype(dtype)
        W = gen.standard_normal((n_prev, n)).astype(dtype)
        b = gen.standard_normal((1, n)).astype(dtype)
        name = f"linear_forward(A_prev {A.shape}, W {W.shape}, b {b.shape})"
        out = _tuple(core.call(fn, A, W, b, name=name), 2, name, "(Z, linear_cache)")
        Z = core.expect_array(out[0], name=f"{name}: Z", shape=(m, n))
        want = _affine(A.astype(np.float64), W.astype(np.float64), b.astype(np.float64))
        tol = 1e-5 if dtype is np.float32 else 1e-10
        core.expect_close(Z, want, name=f"{name}: Z", rtol=tol, atol=tol, diagnose={
            "the bias b is not added (Z = A_prev @ W + b)": want - b,
        })
        cache = _tuple(out[1], 3, name, "linear_cache = (A_prev, W, b)")
        for got, ref, label in zip(cache, (A, W, b), ("A_prev", "W", "b")):
            core.expect_array(got, name=f"{name}: linear_cache {label}", shape=ref.shape, dtype=None)
            if not _same(got, ref):
                core.fail(f"{name}: linear_cache must be (A_prev, W, b) in that order; its {label} "
                          f"entry holds something else")


def activation_forward(fn) -> None:
    gen = core.rng("lab04.activation_forward")
    for kind in ACTIVATIONS:
        for shape in [(4, 3), (1, 5), (6, 1)]:
            Z = 2.0 * gen.standard_normal(shape)
            name = f"activation_forward(Z {shape}, {kind!r})"
            out = _tuple(core.call(fn, Z, kind, name=name), 2, name, "(A, activation_cache)")
            A = core.expect_array(out[0], name=f"{name}: A", shape=shape)
            want = _act(Z, kind)
            core.expect_close(A, want, name=f"{name}: A", rtol=1e-7, atol=1e-10, diagnose={
                "sigmoid is 1 / (1 + exp(-Z)): the sign in the exponent is wrong": 1.0 / (1.0 + np.exp(Z)),
                "ReLU is max(Z, 0), not max(Z, 1) or |Z|": np.abs(Z),
            })
            cache = core.expect_array(out[1], name=f"{name}: activation_cache", shape=shape)
            if not _same(cache, Z):
                if _same(cache, want):
                    core.fail(f"{name}: the activation cache must hold the pre-activation Z, not A: "
                              f"the backward pass evaluates g'(Z), so g' would be applied to the activation")
                core.fail(f"{name}: the activation cache must be the pre-activation Z")
    # Large |Z| must neither overflow nor produce NaN.
    Z = np.array([[-1000.0, -745.0, -40.0, 0.0], [40.0, 710.0, 745.0, 1000.0]])
    name = "activation_forward(Z with |Z| up to 1000, 'sigmoid')"
    out = _tuple(core.call(fn, Z, "sigmoid", name=name), 2, name, "(A, activation_cache)")
    A = core.expect_array(out[0], name=f"{name}: A", shape=Z.shape)
    core.expect_close(A, _sigmoid(Z), name=f"{name}: A", rtol=1e-9, atol=1e-12)


def model_forward(fn) -> None:
    gen = core.rng("lab04.model_forward")
    for dims, m, hidden in [([3, 4, 4, 1], 5, "relu"), ([2, 5, 3, 1], 1, "tanh"),
                            ([4, 3, 1], 6, "sigmoid"), ([3, 1], 4, "relu")]:
        params = _random_params(gen, dims, scale=1.5)
        X = gen.standard_normal((m, dims[0]))
        L = len(dims) - 1
        name = f"model_forward(X {X.shape}, layers {dims}, {hidden!r})"
        out = _tuple(core.call(fn, X, copy.deepcopy(params), hidden, name=name), 2, name, "(AL, caches)")
        layers = _forward(X, params, hidden)
        AL = core.expect_array(out[0], name=f"{name}: AL", shape=(m, 1))
        ZL = layers[-1][3]
        core.expect_close(AL, layers[-1][4], name=f"{name}: AL", rtol=1e-7, atol=1e-10, diagnose={
            "the output layer must use the sigmoid, not the hidden activation": _act(ZL, hidden),
            "the hidden layers must use hidden_activation (only the output layer is a sigmoid)":
                _forward(X, params, "sigmoid")[-1][4],
            "AL must be the output activation sigmoid(Z_L), not the pre-activation Z_L": ZL,
        })
        caches = out[1]
        if not isinstance(caches, (list, tuple)) or len(caches) != L:
            core.fail(f"{name}: caches must be a list with one entry per layer ({L}), got "
                      f"{type(caches).__name__}" + (f" of length {len(caches)}" if isinstance(caches, (list, tuple)) else ""))
        for l in range(1, L + 1):
            A_prev, W, b, Z, A = layers[l - 1]
            entry = _tuple(caches[l - 1], 2, f"{name}: caches[{l - 1}]", "(linear_cache, activation_cache)")
            lin = _tuple(entry[0], 3, f"{name}: caches[{l - 1}][0]", "the linear cache (A_prev, W, b)")
            got_A = core.expect_array(lin[0], name=f"{name}: caches[{l - 1}] A_prev", dtype=None)
            if not core.close(got_A, A_prev, 1e-7, 1e-10):
                hint = (" (it holds this layer's output A: caches from the wrong layer)"
                        if core.close(got_A, A, 1e-7, 1e-10) else "")
                core.fail(f"{name}: caches[{l - 1}] must hold layer {l}'s input A_{l - 1}{hint}")
            if not core.close(core.expect_array(lin[1], name=f"{name}: caches[{l - 1}] W", dtype=None), W, 0, 0):
                core.fail(f"{name}: caches[{l - 1}] must hold W{l} (caches from the wrong layer?)")
            got_Z = core.expect_array(entry[1], name=f"{name}: caches[{l - 1}] Z", dtype=None)
            if not core.close(got_Z, Z, 1e-7, 1e-10):
                hint = " (it holds A: cache the pre-activation Z)" if core.close(got_Z, A, 1e-7, 1e-10) else ""
                core.fail(f"{name}: caches[{l - 1}][1] must be layer {l}'s pre-activation Z_{l}{hint}")


def binary_cross_entropy(fn) -> None:
    gen = core.rng("lab04.bce")
    for m in (5, 1, 8):
        AL = gen.uniform(0.02, 0.98, size=(m, 1))
        Y = (gen.random((m, 1)) < 0.5).astype(np.float64)
        Y[0, 0] = 1.0
        name = f"binary_cross_entropy(AL {AL.shape}, Y {Y.shape})"
        got = core.expect_scalar(core.call(fn, AL, Y, name=name), name=name)
        terms = Y * np.log(AL) + (1 - Y) * np.log1p(-AL)
        want = -float(terms.sum()) / m
        core.expect_close(got, want, name=name, rtol=1e-7, atol=1e-10, diagnose={
            "the loss is the mean over the m samples, not the sum": m * want,
            "the minus sign is missing: the loss must be positive": -want,
            "both terms are needed: y log a + (1 - y) log(1 - a)": -float((Y * np.log(AL)).mean()),
        })
    # Saturated sigmoid outputs (exactly 0 or 1 in floating point): no log(0), no NaN.
    AL = np.array([[0.0], [1.0], [1.0], [0.0]])
    Y = np.array([[0.0], [1.0], [0.0], [1.0]])
    name = "binary_cross_entropy(AL containing exact 0 and 1, Y)"
    got = core.expect_scalar(core.call(fn, AL, Y, name=name), name=name)
    if got < 4.0:
        core.fail(f"{name} = {got:.3g}: two confidently wrong predictions must give a large loss "
                  f"(clip AL to [eps, 1 - eps] with a small eps such as 1e-12)")
    got = core.expect_scalar(core.call(fn, AL[:2], Y[:2], name=name), name=name)
    if got > 1e-5 or got < -1e-12:
        core.fail(f"{name}: perfect predictions must give a loss of (almost) 0, got {got:.3g}")


# ----------------------------------------------------------------------------- backward
def linear_backward(fn) -> None:
    gen = core.rng("lab04.linear_backward")
    # The square case comes first: there, using W instead of W.T gives wrong values, not an error.
    for k, (m, n_prev, n) in enumerate([(5, 4, 4), (6, 3, 2), (1, 4, 3), (3, 2, 5)]):
        A = gen.standard_normal((m, n_prev))
        W = gen.standard_normal((n_prev, n))
        b = gen.standard_normal((1, n))
        dZ = gen.standard_normal((m, n))
        name = f"linear_backward(dZ {dZ.shape}, cache with A_prev {A.shape}, W {W.shape})"
        cache = (A.copy(), W.copy(), b.copy())
        out = _tuple(core.call(fn, dZ, cache, name=name), 3, name, "(dA_prev, dW, db)")
        if not all(np.array_equal(c, o) for c, o in zip(cache, (A, W, b))):
            core.fail(f"{name} modified the arrays of linear_cache in place; work on new arrays")
        want_dA = np.einsum("mo,io->mi", dZ, W)
        want_dW = np.einsum("mi,mo->io", A, dZ)
        want_db = np.einsum("mo->o", dZ)[None, :]
        dA_prev = core.expect_array(out[0], name=f"{name}: dA_prev", shape=(m, n_prev))
        core.expect_close(dA_prev, want_dA, name=f"{name}: dA_prev", rtol=1e-7, atol=1e-10, diagnose={
            "dA_prev = dZ @ W.T: the transpose of W is missing": dZ @ W if n == n_prev else None,
            "dA_prev must not be divided by m (the 1/m is already in dZ)": want_dA / m,
        })
        dW_got = out[1]
        if isinstance(dW_got, np.ndarray) and dW_got.shape == (n, n_prev) and n != n_prev:
            core.fail(f"{name}: dW has shape {dW_got.shape} but must have the shape of W {(n_prev, n)}: "
                      f"dW = A_prev.T @ dZ")
        dW = core.expect_array(dW_got, name=f"{name}: dW", shape=(n_prev, n))
        core.expect_close(dW, want_dW, name=f"{name}: dW", rtol=1e-7, atol=1e-10, diagnose={
            "dW was divided by m again: the 1/m is applied twice (it belongs to dZ_L = (A_L - Y)/m only)":
                want_dW / m,
        })
        db_got = out[2]
        if isinstance(db_got, np.ndarray) and db_got.shape != (1, n):
            if db_got.shape == (m, n):
                core.fail(f"{name}: db must be summed over the batch axis: expected shape (1, {n}), "
                          f"got {db_got.shape} (the bias gradient is not summed)")
            if db_got.shape == (n,):
                core.fail(f"{name}: db must keep the shape (1, {n}) of b: sum with keepdims=True")
        db = core.expect_array(db_got, name=f"{name}: db", shape=(1, n))
        core.expect_close(db, want_db, name=f"{name}: db", rtol=1e-7, atol=1e-10, diagnose={
            "db is the sum of dZ over the batch axis; dividing by m applies the 1/m twice": want_db / m,
        })
        if k == 0:
            # Independent of the einsum oracle: centred finite differences of
            # f = sum(dZ * (A_prev W + b)), whose gradients are exactly dA_prev, dW, db.
            for got_g, x, label in ((dA_prev, A, "dA_prev"), (dW, W, "dW"), (db, b, "db")):
                fd = core.numerical_gradient(lambda _: float(np.sum(dZ * _affine(A, W, b))), x)
                core.expect_close(got_g, fd, name=f"{name}: {label} (finite differences)", rtol=1e-6, atol=1e-8)


def activation_backward(fn) -> None:
    gen = core.rng("lab04.activation_backward")
    for kind in ACTIVATIONS:
        for k, shape in enumerate([(4, 3), (1, 5), (6, 2)]):
            Z = 2.0 * gen.standard_normal(shape)
            Z[np.abs(Z) < 1e-3] = 0.5          # keep ReLU away from its kink
            dA = gen.standard_normal(shape)
            name = f"activation_backward(dA {shape}, Z {shape}, {kind!r})"
            want = dA * _act_grad(Z, kind)
            got = core.expect_array(core.call(fn, dA, Z, kind, name=name), name=name, shape=shape)
            s = _sigmoid(Z)
            core.expect_close(got, want, name=name, rtol=1e-7, atol=1e-10, diagnose={
                "sigmoid'(Z) = s (1 - s) with s = sigmoid(Z); Z * (1 - Z) is the formula in terms of the "
                "activation, applied here to the pre-activation Z": dA * Z * (1 - Z),
                "the derivative is evaluated at the activation sigmoid(Z) instead of at the pre-activation Z":
                    dA * _sigmoid(s) * (1 - _sigmoid(s)),
                "tanh'(Z) = 1 - tanh(Z)^2; 1 - Z^2 is the formula in terms of the activation, applied to "
                "the pre-activation Z": dA * (1 - Z ** 2),
                "chain rule: multiply the local derivative g'(Z) by the incoming gradient dA":
                    _act_grad(Z, kind),
            })
            if k == 0:   # independent of the oracle: finite differences of sum(dA * g(Z))
                fd = core.numerical_gradient(lambda z: float(np.sum(dA * _act(z, kind))), Z.copy())
                core.expect_close(got, fd, name=f"{name} (finite differences)", rtol=1e-6, atol=1e-8)


def model_backward(fn) -> None:
    gen = core.rng("lab04.model_backward")
    for dims, m, hidden in [([3, 4, 4, 1], 5, "relu"), ([2, 5, 3, 1], 1, "tanh"),
                            ([4, 3, 1], 6, "sigmoid"), ([3, 4, 4, 1], 4, "tanh")]:
        while True:   # ReLU kinks spoil finite differences: resample until every |Z| > 1e-3
            params = _random_params(gen, dims, scale=1.2)
            X = gen.standard_normal((m, dims[0]))
            layers = _forward(X, params, hidden)
            if min(np.abs(layer[3]).min() for layer in layers) > 1e-3:
                break
        Y = (gen.random((m, 1)) < 0.5).astype(np.float64)
        AL = layers[-1][4]
        caches = [((A_prev, W, b), Z) for A_prev, W, b, Z, _ in layers]
        L = len(dims) - 1
        name = f"model_backward(layers {dims}, m={m}, {hidden!r})"
        try:
            got = core.call(fn, AL, Y, copy.deepcopy(caches), hidden, name=name)
        except core.CheckFailure as exc:
            if " raised ValueError" in str(exc) and "mismatch" in str(exc):
                core.fail(f"{exc} -- a shape mismatch in the backward pass usually means a missing "
                          f"transpose (dA_prev = dZ @ W.T, dW = A_prev.T @ dZ) or caches from the wrong "
                          f"layer (layer l uses caches[l-1]); make linear_backward pass first")
            raise
        if not isinstance(got, dict):
            core.fail(f"{name} must return a dict of gradients, got {type(got).__name__}")

        # Expected values: finite differences of the loss (float64) for every W_l, b_l, A_l.
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
        ref = _backward(layers, Y, hidden)
        alternatives = {
            "the sign of the BCE gradient is flipped: dZ_L = (A_L - Y) / m":
                _backward(layers, Y, hidden, top=lambda a, y, mm: (y - a) / mm),
            "the 1/m is applied twice (dZ_L = (A_L - Y)/m already averages over the batch)":
                {k: v / m for k, v in ref.items()},
            "the 1/m is missing: dZ_L = (A_L - Y) / m for the mean loss":
                _backward(layers, Y, hidden, top=lambda a, y, mm: a - y),
            "the sigmoid derivative of the last layer is applied on top of dZ_L = (A_L - Y)/m, which "
            "already includes it (BCE + sigmoid simplification)":
                _backward(layers, Y, hidden, top=lambda a, y, mm: (a - y) / mm * a * (1 - a)),
            "the derivative of the hidden activation is evaluated at the activation A_{l-1} "
            "(the linear cache's A_prev) instead of the pre-activation Z_{l-1}":
                _backward(layers, Y, hidden, at=4),
        }
        keys = [k for l in range(L, 0, -1) for k in (f"dW{l}", f"db{l}", f"dA{l - 1}")]
        for key in keys:
            if key not in got:
                core.fail(f"{name}: grads has no key {key!r} (expected {keys})")
            shape = want[key].shape
            if key.startswith("db") and isinstance(got[key], np.ndarray) and got[key].shape == (m, shape[1]) \
                    and m > 1:
                core.fail(f"{name}: grads[{key!r}] must be summed over the batch axis: expected shape "
                          f"{shape}, got {got[key].shape}")
            core.expect_array(got[key], name=f"{name}: grads[{key!r}]", shape=shape)
        if not all(core.close(got[k], want[k], 1e-5, 1e-7) for k in keys):
            for message, alt in alternatives.items():
                differs = not all(core.close(alt[k], want[k], 1e-5, 1e-7) for k in keys)
                if differs and all(core.close(got[k], alt[k], 1e-6, 1e-9) for k in keys):
                    core.fail(f"{name}: {message}")
        # Layer by layer from the output down: name the first layer that goes wrong.
        for key in keys:
            l = int(key[2:]) if not key.startswith("dA") else int(key[2:]) + 1
            if not core.close(got[key], want[key], 1e-5, 1e-7):
                err = core.relative_error(got[key], want[key])
                core.fail(f"{name}: grads[{key!r}] disagrees with finite differences (relative error "
                          f"{err:.2g}) while every gradient above it is right: look at layer {l}: it must "
                          f"use caches[{l - 1}] (its own A_prev, W, b and Z) and, below the output, "
                          f"the derivative of hidden_activation at that layer's pre-activation Z")


def update_parameters(fn) -> None:
    gen = core.rng("lab04.update")
    for dims, lr in [([3, 4, 2], 0.37), ([2, 1], 1.5)]:
        params = _random_params(gen, dims)
        grads = {"d" + k: gen.standard_normal(v.shape) for k, v in params.items()}
        grads["dA0"] = gen.standard_normal((3, dims[0]))
        name = f"update_parameters(layers {dims}, learning_rate={lr})"
        got = _param_dict(core.call(fn, copy.deepcopy(params), copy.deepcopy(grads), lr, name=name),
                          dims, name)
        for key, value in params.items():
            want = value - lr * grads["d" + key]
            core.expect_close(got[key], want, name=f"{name}: {key}", rtol=1e-10, atol=1e-12, diagnose={
                "the parameters came back unchanged: the update was applied to a copy that was thrown "
                "away (return the updated values)": value,
                "the learning_rate is ignored: P <- P - learning_rate * dP": value - grads["d" + key],
                "the step goes uphill: subtract learning_rate * dP, do not add it": value + lr * grads["d" + key],
            })


def predict(fn) -> None:
    gen = core.rng("lab04.predict")
    for dims, m, hidden in [([2, 5, 1], 9, "relu"), ([3, 4, 1], 1, "tanh")]:
        while True:
            params = _random_params(gen, dims, scale=2.0)
            X = gen.standard_normal((m, dims[0]))
            AL = _forward(X, params, hidden)[-1][4]
            if np.abs(AL - 0.5).min() > 1e-3 and (m == 1 or 0 < (AL > 0.5).sum() < m):
                break
        name = f"predict(X {X.shape}, layers {dims}, {hidden!r})"
        got = core.call(fn, X, copy.deepcopy(params), hidden, name=name)
        if isinstance(got, np.ndarray) and got.shape == (m,) and m > 1:
            core.fail(f"{name}: keep the shape (m, 1) = {(m, 1)}, got {got.shape}")
        got = core.expect_array(got, name=name, shape=(m, 1), dtype=None)
        if got.dtype.kind not in "biuf":
            core.fail(f"{name} must contain numbers 0 and 1, got dtype {got.dtype}")
        values = got.astype(np.float64)
        if not np.all((values == 0) | (values == 1)):
            core.fail(f"{name} must return class labels 0 or 1, not probabilities: threshold AL at 0.5")
        core.expect_close(values, (AL > 0.5).astype(np.float64), name=name, rtol=0, atol=0, diagnose={
            "labels are inverted: 1 where AL > 0.5": (AL <= 0.5).astype(np.float64),
        })


# ----------------------------------------------------------------------------- training
def _history(hist, epochs, name):
    """Columns epoch / loss / accuracy of a DataFrame or a list of dicts, as float arrays."""
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
                  f"epoch, loss, accuracy; got {type(hist).__name__}")
    for col in ("epoch", "loss", "accuracy"):
        if col not in frame.columns:
            core.fail(f"{name}: history has no column {col!r} (columns: {list(map(str, frame.columns))})")
    if len(frame) != epochs + 1:
        core.fail(f"{name}: history must have epochs + 1 = {epochs + 1} rows (row 0 = before training), "
                  f"got {len(frame)}")
    out = {}
    for col in ("epoch", "loss", "accuracy"):
        try:
            out[col] = np.asarray(frame[col].to_numpy(), dtype=np.float64)
        except (TypeError, ValueError):
            core.fail(f"{name}: history column {col!r} must hold numbers")
        if not np.all(np.isfinite(out[col])):
            core.fail(f"{name}: history column {col!r} contains NaN or inf")
    if not np.array_equal(out["epoch"], np.arange(epochs + 1)):
        core.fail(f"{name}: history['epoch'] must be 0, 1, ..., {epochs}")
    return out


def _accuracy(X, Y, params, hidden):
    return float(np.mean((_forward(X, params, hidden)[-1][4] > 0.5) == (Y > 0.5)))


def _run_train(fn, X, Y, params, dims, name, **kwargs):
    given = copy.deepcopy(params)
    out = _tuple(core.call(fn, X, Y, given, name=name, **kwargs), 2, name, "(parameters, history)")
    if not _match(given, params, 0, 0):
        core.fail(f"{name} modified the initial parameters passed to it: train must work on a copy "
                  f"(the experiments reuse the same initial parameters for several runs)")
    return _param_dict(out[0], dims, f"{name}: parameters"), out[1]


def _match(got, want, rtol=1e-6, atol=1e-9):
    return all(core.close(got[k], want[k], rtol, atol) for k in want)


def _problem(tag, m, dims):
    gen = core.rng(tag)
    X = gen.standard_normal((m, dims[0]))
    Y = (X[:, :1] * X[:, 1:2] > 0).astype(np.float64)     # XOR of the signs: needs a hidden layer
    return X, Y, _random_params(gen, dims)


def train_full_batch(fn) -> None:
    """Full-batch training is exactly gradient descent: one step per epoch, loss going down."""
    dims, hidden = [2, 6, 1], "tanh"
    X, Y, params = _problem("lab04.train_full", 24, dims)
    for lr, epochs, batch_size in [(0.3, 8, None), (0.05, 3, None), (0.3, 8, 24)]:
        name = f"train(X {X.shape}, learning_rate={lr}, epochs={epochs}, batch_size={batch_size})"
        got, hist = _run_train(fn, X, Y, params, dims, name, learning_rate=lr, epochs=epochs,
                               batch_size=batch_size, hidden_activation=hidden, seed=3)
        hist = _history(hist, epochs, name)
        if _match(got, params, 0, 0):
            core.fail(f"{name} never changed the parameters: call update_parameters on every mini-batch "
                      f"(and keep working on the parameters it updated)")
        want = _gd(X, Y, params, lr, epochs, hidden)
        if not _match(got, want):
            diagnoses = {
                "the learning_rate argument is ignored": _gd(X, Y, params, 0.1, epochs, hidden),
                f"full batch means exactly one update per epoch ({epochs} in total)":
                    _gd(X, Y, params, lr, epochs - 1, hidden),
                f"full batch means exactly one update per epoch ({epochs} in total), not one more":
                    _gd(X, Y, params, lr, epochs + 1, hidden),
            }
            for message, alt in diagnoses.items():
                if _match(got, alt):
                    core.fail(f"{name}: {message}")
            core.fail(f"{name}: the parameters after training differ from {epochs} steps of gradient "
                      f"descent on the whole data set (shuffle X and Y with the same permutation; "
                      f"one update per epoch when batch_size is None or m)")
        losses = [_full_loss(X, Y, _gd(X, Y, params, lr, k, hidden), hidden) for k in range(epochs + 1)]
        if not hist["loss"][-1] < hist["loss"][0]:
            core.fail(f"{name}: the recorded loss did not go down ({hist['loss'][0]:.4g} -> "
                      f"{hist['loss'][-1]:.4g})")
        core.expect_close(hist["loss"], np.array(losses), name=f"{name}: history['loss']", rtol=1e-6,
                          atol=1e-9, diagnose={
                              "history['loss'] must be the loss on the whole data set *after* each "
                              "epoch, with row 0 before training": np.array(losses[:1] + losses[:-1]),
                          })
        accs = [_accuracy(X, Y, _gd(X, Y, params, lr, k, hidden), hidden) for k in range(epochs + 1)]
        core.expect_close(hist["accuracy"], np.array(accs), name=f"{name}: history['accuracy']",
                          rtol=1e-9, atol=1e-9, diagnose={
                              "accuracy is a fraction in [0, 1], not a percentage": 100 * np.array(accs),
                          })


def train_mini_batch(fn) -> None:
    """Mini-batches cover every sample once per epoch, the last one may be smaller, shuffled by seed."""
    dims, hidden = [2, 3, 1], "tanh"
    gen = core.rng("lab04.train_mini")
    params = _random_params(gen, dims)
    # (1) Ten copies of one sample: every mini-batch has the same gradient as the full batch,
    # so the result equals ceil(m / batch_size) * epochs plain gradient-descent steps.
    x = gen.standard_normal((1, 2))
    X, Y = np.repeat(x, 10, axis=0), np.ones((10, 1))
    for batch_size, epochs in [(4, 2), (1, 1), (5, 2)]:
        name = f"train(10 identical samples, batch_size={batch_size}, epochs={epochs})"
        got, hist = _run_train(fn, X, Y, params, dims, name, learning_rate=0.5, epochs=epochs,
                               batch_size=batch_size, hidden_activation=hidden, seed=0)
        _history(hist, epochs, name)
        steps = -(-10 // batch_size) * epochs
        if not _match(got, _gd(X[:1], Y[:1], params, 0.5, steps, hidden)):
            diagnoses = {
                "the last, smaller mini-batch is dropped: loop over range(0, m, batch_size)":
                    (10 // batch_size) * epochs,
                "only one update per epoch: loop over all the mini-batches of the epoch": epochs,
                "one update per sample regardless of batch_size": 10 * epochs,
            }
            for message, k in diagnoses.items():
                if k != steps and _match(got, _gd(X[:1], Y[:1], params, 0.5, k, hidden)):
                    core.fail(f"{name}: {message} (expected {steps} updates)")
            core.fail(f"{name}: expected exactly ceil(m / batch_size) = {-(-10 // batch_size)} updates "
                      f"per epoch, {steps} in all; the parameters do not match")
    # (2) Distinct samples, tiny learning rate: to first order one epoch moves the parameters by
    # -lr * sum over batches of the batch gradients = -lr * (m / k) * full gradient, whatever
    # the order, *if* every sample is used exactly once and X, Y are shuffled together.
    X, Y, params = _problem("lab04.train_cover", 12, dims)
    lr, k = 1e-5, 4
    name = f"train(X {X.shape}, learning_rate={lr}, epochs=1, batch_size={k})"
    got, hist = _run_train(fn, X, Y, params, dims, name, learning_rate=lr, epochs=1, batch_size=k,
                           hidden_activation=hidden, seed=5)
    _history(hist, 1, name)
    full = _backward(_forward(X, params, hidden), Y, hidden)
    for key in params:
        step = (np.asarray(got[key], dtype=np.float64) - params[key]) / lr
        if core.relative_error(step, -(12 / k) * full["d" + key]) > 2e-3:
            core.fail(f"{name}: after one epoch the parameters do not match mini-batches that use every "
                      f"sample exactly once: shuffle X and Y with the same permutation and visit every "
                      f"mini-batch of it")
    # (3) Shuffling: reproducible for a seed, different for another seed.
    runs = {}
    for seed in (1, 1, 2):
        name = f"train(X {X.shape}, learning_rate=0.5, epochs=3, batch_size={k}, seed={seed})"
        got, hist = _run_train(fn, X, Y, params, dims, name, learning_rate=0.5, epochs=3,
                               batch_size=k, hidden_activation=hidden, seed=seed)
        hist = _history(hist, 3, name)
        if not core.close(hist["loss"][-1], _full_loss(X, Y, got, hidden), 1e-6, 1e-9):
            core.fail(f"{name}: the last row of history['loss'] must be the loss of the returned "
                      f"parameters on the whole data set (not the loss of the last mini-batch)")
        if seed in runs:
            if not _match(got, runs[seed], 0, 0):
                core.fail(f"{name}: two runs with the same seed differ: draw the order from "
                          f"np.random.default_rng(seed) so that results are reproducible")
        runs[seed] = got
    if _match(runs[1], runs[2], 0, 0):
        core.fail("train: seeds 1 and 2 gave identical results with mini-batches: the data is not "
                  "shuffled (draw a new permutation of the rows at every epoch)")
