"""The report's derivations, checked numerically and against the labs' reference solutions.

Every numbered equation of ``report/sections/derivations.tex`` is encoded once in
``report/formulas.py`` (function named after the label, docstring quoting the LaTeX).  Here:

* the report and ``formulas.py`` quote the same LaTeX, label by label, in both directions;
* each gradient formula equals centred finite differences in float64 on random, non-square
  shapes (``autograder.checks.core.numerical_gradient``), and each closed form equals its
  definition;
* the reference solutions of the labs that exist (Lab 01's layers, Lab 03's activations,
  Lab 06's forward/backward, Lab 08's optimisers, dropout and batch normalisation) agree with the
  same formulas.  Labs whose folder does not exist
  yet are not collected; a lab folder that exists but lacks a documented name fails.
"""
from __future__ import annotations

import importlib.util
import inspect
import json
import math
import re
import sys

import numpy as np
import pytest

from autograder.checks.core import numerical_gradient
from autograder.paths import ROOT, SOLUTIONS

REPORT = ROOT / "report"
DERIVATIONS = REPORT / "sections" / "derivations.tex"


def _load_formulas():
    spec = importlib.util.spec_from_file_location("report_formulas", REPORT / "formulas.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


F = _load_formulas()
FORMULAS = {name: fn for name, fn in vars(F).items()
            if inspect.isfunction(fn) and not name.startswith("_") and fn.__module__ == F.__name__}

RTOL, ATOL = 1e-6, 1e-8


def assert_close(got, want, what, rtol=RTOL, atol=ATOL):
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    assert got.shape == want.shape, f"{what}: shape {got.shape}, expected {want.shape}"
    err = float(np.max(np.abs(got - want))) if got.size else 0.0
    assert np.allclose(got, want, rtol=rtol, atol=atol), f"{what}: largest difference {err:.3g}"


def rng(tag: str) -> np.random.Generator:
    return np.random.default_rng(sum(ord(c) * 31 ** i for i, c in enumerate(tag)) % 2**32)


def onehot(r, N, K):
    Y = np.zeros((N, K))
    Y[np.arange(N), r.integers(0, K, size=N)] = 1.0
    return Y


def away_from_kinks(r, shape, scale=2.0, gap=1e-2):
    """Random inputs with |z| >= gap, so that finite differences never straddle a kink."""
    z = r.normal(size=shape) * scale
    return np.where(np.abs(z) < gap, np.sign(z + 1e-300) * gap * 3, z)


# Non-square shapes, batch 1 and > 1.
SHAPES = [(5, 3, 4), (1, 4, 2), (7, 2, 6)]   # (N, in, out)


# ====================================================================== report <-> formulas.py

def _equations(tex: str) -> dict[str, str]:
    """label -> body (white space collapsed) of every ``\\begin{equation} ... \\label{eq:..}``."""
    found = {}
    for m in re.finditer(r"\\begin\{equation\}(.*?)\\label\{eq:([^}]*)\}\s*\\end\{equation\}", tex, re.S):
        label = m.group(2)
        assert label not in found, f"label eq:{label} is defined twice in {DERIVATIONS.name}"
        found[label] = " ".join(m.group(1).split())
    return found


def _quoted_latex(fn) -> str:
    doc = inspect.getdoc(fn) or ""
    lines = [line for line in doc.splitlines() if line.strip().startswith("LaTeX:")]
    assert len(lines) == 1, f"formulas.{fn.__name__}: the docstring needs exactly one 'LaTeX:' line"
    return " ".join(lines[0].split("LaTeX:", 1)[1].split())


def test_every_derivation_is_encoded_and_every_formula_is_in_the_report():
    labels = set(_equations(DERIVATIONS.read_text()))
    assert len(labels) >= 50, f"only {len(labels)} numbered equations found in {DERIVATIONS}"
    assert labels - set(FORMULAS) == set(), f"equations of the report without a function in formulas.py: {sorted(labels - set(FORMULAS))}"
    assert set(FORMULAS) - labels == set(), f"functions of formulas.py without an equation in the report: {sorted(set(FORMULAS) - labels)}"


@pytest.mark.parametrize("name", sorted(FORMULAS))
def test_docstring_quotes_the_equation_of_the_report(name):
    equations = _equations(DERIVATIONS.read_text())
    assert name in equations, f"no equation labelled eq:{name} in {DERIVATIONS}"
    assert _quoted_latex(FORMULAS[name]) == equations[name], (
        f"formulas.{name} quotes\n  {_quoted_latex(FORMULAS[name])}\nbut the report has\n  {equations[name]}")


def test_issue_list_of_derivations_is_covered():
    """The derivations the course promises (issue 8, point 2), by label."""
    required = {"linear_dW", "linear_db", "linear_dX", "mse", "mse_grad", "sigmoid_grad", "tanh_grad",
                "relu_grad", "leaky_relu_grad", "elu_grad", "softplus_grad", "gelu_grad", "gelu_tanh_grad",
                "softmax_jacobian", "ce_logsumexp", "ce_grad", "ce_grad_batch", "rdfia_grad_ytilde",
                "rdfia_grad_Wy", "rdfia_grad_by", "rdfia_grad_htilde", "rdfia_grad_Wh", "rdfia_grad_bh",
                "bce_grad", "bce_grad_batch", "cost_naive", "cost_backprop"}
    assert required <= set(FORMULAS), f"missing: {sorted(required - set(FORMULAS))}"
    text = DERIVATIONS.read_text()
    for constant in (r"\sqrt{2/\pi}", "0.044715", "1-\\vect{h}\\had\\vect{h}", "N\\cdot d"):
        assert constant in text, f"the report should state {constant}"


def test_lab07_derivations_are_covered():
    """The derivations Lab 07 promises (issue 18): the convolution backward, also as a correlation
    with the flipped kernel, and the pooling gradient."""
    required = {"conv_output_size", "conv_forward", "conv_db", "conv_dW", "conv_dX", "conv_dX_flipped",
                "maxpool_forward", "maxpool_grad"}
    assert required <= set(FORMULAS), f"missing: {sorted(required - set(FORMULAS))}"
    assert "flipped" in DERIVATIONS.read_text() and "col2im" in DERIVATIONS.read_text()


# ====================================================================== linear layer

@pytest.mark.parametrize("N,d_in,d_out", SHAPES)
def test_linear_layer_gradients_match_finite_differences(N, d_in, d_out):
    r = rng(f"linear{N}{d_in}{d_out}")
    X, W, b = r.normal(size=(N, d_in)), r.normal(size=(d_in, d_out)), r.normal(size=(1, d_out))
    G = r.normal(size=(N, d_out))               # upstream gradient: L = sum(G * Y)
    assert_close(F.linear_forward(X, W, b), X @ W + b, "linear_forward")
    loss = lambda: float((G * F.linear_forward(X, W, b)).sum())
    assert_close(F.linear_dW(X, G), numerical_gradient(lambda _: loss(), W), "dW = X^T G")
    assert_close(F.linear_db(G), numerical_gradient(lambda _: loss(), b), "db = 1^T G")
    assert_close(F.linear_dX(G, W), numerical_gradient(lambda _: loss(), X), "dX = G W^T")
    assert F.linear_dW(X, G).shape == W.shape and F.linear_db(G).shape == b.shape


# ====================================================================== losses

@pytest.mark.parametrize("N,d", [(6, 1), (4, 3), (1, 5)])
def test_mse_is_a_mean_over_all_entries_and_its_gradient(N, d):
    r = rng(f"mse{N}{d}")
    Yhat, Y = r.normal(size=(N, d)), r.normal(size=(N, d))
    assert F.mse(Yhat, Y) == pytest.approx(float(np.mean((Yhat - Y) ** 2)), rel=1e-12)
    assert_close(F.mse_grad(Yhat, Y), numerical_gradient(lambda A: F.mse(A, Y), Yhat), "MSE gradient 2/(Nd)")


# ====================================================================== activations

ACTIVATIONS = {  # name: (forward, derivative)
    "sigmoid": (F.sigmoid, F.sigmoid_grad),
    "tanh": (F.tanh, F.tanh_grad),
    "relu": (F.relu, F.relu_grad),
    "leaky_relu": (lambda z: F.leaky_relu(z, 0.1), lambda z: F.leaky_relu_grad(z, 0.1)),
    "elu": (lambda z: F.elu(z, 0.7), lambda z: F.elu_grad(z, 0.7)),
    "selu": (F.selu, F.selu_grad),
    "softplus": (F.softplus, F.softplus_grad),
    "gelu": (F.gelu, F.gelu_grad),
    "gelu_tanh": (F.gelu_tanh, F.gelu_tanh_grad),
    "silu": (F.silu, F.silu_grad),
}


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_derivative_matches_finite_differences(name):
    f, fprime = ACTIVATIONS[name]
    z = away_from_kinks(rng(name), (4, 3))
    numeric = numerical_gradient(lambda a: float(np.sum(f(a))), z)  # element-wise f: d sum f / dz = f'(z)
    assert_close(fprime(z), numeric, f"{name}'")
    G = rng(name + "G").normal(size=z.shape)
    assert_close(F.act_backward(G, fprime(z)), numerical_gradient(lambda a: float(np.sum(G * f(a))), z),
                 f"{name} backward G * f'(Z)")


def test_activation_definitions():
    z = np.linspace(-6, 6, 241)
    assert_close(F.sigmoid(z), 1 / (1 + np.exp(-z)), "sigmoid")
    assert_close(F.tanh(z), np.tanh(z), "tanh from exponentials")
    assert_close(F.tanh(z), 2 * F.sigmoid(2 * z) - 1, "tanh = 2 sigma(2z) - 1")
    assert_close(F.softplus(z), np.log1p(np.exp(z)), "stable softplus")
    neg = z <= 0
    assert_close(F.elu_grad(z, 0.7)[neg], F.elu(z, 0.7)[neg] + 0.7, "ELU' = ELU + alpha for z <= 0")
    assert_close(F.selu(z), F.SELU_LAMBDA * np.where(z > 0, z, F.SELU_ALPHA * (np.exp(z) - 1)), "SELU")
    assert F.sigmoid_grad(0.0) == pytest.approx(0.25) and np.all(F.sigmoid_grad(z) <= 0.25)
    for big in (-1000.0, 1000.0):       # the stable forms never overflow
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            for f, _ in (ACTIVATIONS[k] for k in ("sigmoid", "softplus", "elu", "selu", "silu", "gelu")):
                assert np.isfinite(f(np.array([big]))).all()


def test_gelu_tanh_approximation_constants_as_stated():
    """The report says: slopes agree at 0 and the gap stays below 4.8e-4, largest near |z| = 2.7."""
    assert F.GELU_TANH_SCALE == pytest.approx(np.sqrt(2 / np.pi), rel=1e-15) and F.GELU_TANH_CUBIC == 0.044715
    assert F.gelu_tanh_grad(0.0) == pytest.approx(F.gelu_grad(0.0)) == pytest.approx(0.5)
    z = np.linspace(-10, 10, 200001)
    gap = np.abs(F.gelu(z) - F.gelu_tanh(z))
    assert 4.0e-4 < gap.max() < 4.8e-4
    assert abs(abs(z[np.argmax(gap)]) - 2.7) < 0.1
    wrong_constant = 0.5 * z * (1 + np.tanh(np.sqrt(2 / np.pi) * (z + 0.0447 * z ** 3)))
    assert np.abs(wrong_constant - F.gelu_tanh(z)).max() > 1e-6


# ====================================================================== softmax and cross-entropy

@pytest.mark.parametrize("K", [2, 5])
def test_softmax_jacobian_matches_finite_differences(K):
    r = rng(f"jac{K}")
    z = r.normal(size=K) * 2
    p = F.softmax(z[None, :])[0]
    numeric = np.stack([numerical_gradient(lambda a, i=i: F.softmax(a[None, :])[0, i], z) for i in range(K)])
    assert_close(F.softmax_jacobian(p), numeric, "J = diag(p) - p p^T")
    assert_close(F.softmax_jacobian_entries(p), numeric, "dp_i/dz_j = p_i (delta_ij - p_j)")
    assert_close(F.softmax_jacobian(p) @ np.ones(K), np.zeros(K), "rows of J sum to 0")


@pytest.mark.parametrize("N,K", [(5, 3), (1, 4), (3, 7)])
def test_softmax_jvp_matches_finite_differences(N, K):
    r = rng(f"jvp{N}{K}")
    Z, D = r.normal(size=(N, K)) * 2, r.normal(size=(N, K))
    numeric = numerical_gradient(lambda A: float(np.sum(D * F.softmax(A))), Z)
    assert_close(F.softmax_jvp(F.softmax(Z), D), numeric, "softmax backward")
    assert_close(F.softmax(Z + 1000.0), F.softmax(Z), "softmax is shift invariant and stable", atol=1e-12)


@pytest.mark.parametrize("N,K", [(6, 3), (1, 10), (4, 2)])
def test_cross_entropy_logsumexp_and_gradients(N, K):
    r = rng(f"ce{N}{K}")
    Yt, Y = r.normal(size=(N, K)) * 3, onehot(r, N, K)
    assert_close(F.ce_logsumexp(Yt, Y), F.ce(F.softmax(Yt), Y), "log-sum-exp form = -sum y log softmax")
    for n in range(N):  # per sample: gradient of l_n w.r.t. its own logits
        numeric = numerical_gradient(lambda a: float(F.ce_logsumexp(a[None, :], Y[n:n + 1])[0]), Yt[n].copy())
        assert_close(F.ce_grad(F.softmax(Yt[n:n + 1]), Y[n:n + 1])[0], numeric, "grad = yhat - y")
    batch = numerical_gradient(lambda A: float(np.mean(F.ce_logsumexp(A, Y))), Yt)
    assert_close(F.ce_grad_batch(F.softmax(Yt), Y), batch, "batch mean: (Yhat - Y)/N")
    # Uniform prediction: loss ln K (the sanity check quoted in the report).
    assert_close(F.ce_logsumexp(np.zeros((N, K)), Y), np.full(N, np.log(K)), "initial loss ln K")
    # Stable from the logits where the naive log(softmax) is not.
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        assert np.isfinite(F.ce_logsumexp(Yt * 1000, Y)).all()


@pytest.mark.parametrize("N,K", [(5, 3), (2, 10)])
def test_mse_on_softmax_gradient(N, K):
    r = rng(f"msesm{N}{K}")
    Yt, Y = r.normal(size=(N, K)) * 2, onehot(r, N, K)
    # Lab 02's loss: squared distance per sample (summed over the K classes), mean over the batch = K * mse.
    numeric = numerical_gradient(lambda A: K * F.mse(F.softmax(A), Y), Yt)
    assert_close(F.mse_softmax_grad(F.softmax(Yt), Y), numeric, "MSE on softmax, w.r.t. logits")
    # The report's argument: confidently wrong => MSE gradient vanishes, CE gradient does not.
    wrong = np.full((1, K), -20.0)
    wrong[0, (np.argmax(Y[0]) + 1) % K] = 20.0
    P = F.softmax(wrong)
    assert np.abs(F.mse_softmax_grad(P, Y[:1])).max() < 1e-8
    assert np.abs(F.ce_grad_batch(P, Y[:1])).max() > 0.99


@pytest.mark.parametrize("N", [1, 7])
def test_binary_cross_entropy_with_sigmoid(N):
    r = rng(f"bce{N}")
    z, y = r.normal(size=(N, 1)) * 2, r.integers(0, 2, size=(N, 1)).astype(float)
    assert_close(F.bce_logits(z, y), F.bce(F.sigmoid(z), y), "BCE from logits = softplus(z) - y z")
    numeric = numerical_gradient(lambda a: float(np.mean(F.bce(F.sigmoid(a), y))), z)
    assert_close(F.bce_grad_batch(F.sigmoid(z), y), numeric, "batch BCE gradient (yhat - y)/N")
    single = numerical_gradient(lambda a: float(F.bce(F.sigmoid(a), y[:1])[0, 0]), z[:1].copy())
    assert_close(F.bce_grad(F.sigmoid(z[:1]), y[:1]), single, "dl/dz = yhat - y")
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        assert np.isfinite(F.bce_logits(np.array([[-1000.0], [1000.0]]), np.array([[1.0], [0.0]]))).all()


# ====================================================================== RDFIA (Lab 06)

def rdfia_params(r, nx, nh, ny):
    """Parameters in the lab's layout: W_h (n_h, n_x), b_h (n_h, 1), W_y (n_y, n_h), b_y (n_y, 1)."""
    return {"Wh": r.normal(size=(nh, nx)) * 0.5, "bh": r.normal(size=(nh, 1)) * 0.5,
            "Wy": r.normal(size=(ny, nh)) * 0.5, "by": r.normal(size=(ny, 1)) * 0.5}


def rdfia_forward(p, X):
    """Batched row form of the report (eq:notation_rdfia_rows)."""
    Ht = X @ p["Wh"].T + p["bh"].T
    H = np.tanh(Ht)
    Yt = H @ p["Wy"].T + p["by"].T
    return {"X": X, "htilde": Ht, "h": H, "ytilde": Yt, "yhat": F.softmax(Yt)}


def rdfia_loss(p, X, Y):
    return float(np.mean(F.ce_logsumexp(rdfia_forward(p, X)["ytilde"], Y)))


def rdfia_batch_grads(p, X, Y):
    out = rdfia_forward(p, X)
    Gy = F.rdfia_batch_ytilde(out["yhat"], Y)
    Gh = F.rdfia_batch_htilde(Gy, p["Wy"], out["h"])
    return {"Wy": F.rdfia_batch_Wy(Gy, out["h"]), "by": F.rdfia_batch_by(Gy),
            "Wh": F.rdfia_batch_Wh(Gh, X), "bh": F.rdfia_batch_bh(Gh)}


@pytest.mark.parametrize("nx,nh,ny", [(3, 4, 2), (2, 5, 3)])
def test_rdfia_per_sample_gradients_q15_to_q17(nx, nh, ny):
    r = rng(f"rdfia1{nx}{nh}{ny}")
    p = rdfia_params(r, nx, nh, ny)
    x, y = r.normal(size=(nx, 1)), onehot(r, 1, ny).T          # column vectors
    X, Y = x.T, y.T
    out = rdfia_forward(p, X)
    h, yhat = out["h"].T, out["yhat"].T
    g_yt = F.rdfia_grad_ytilde(yhat, y)
    numeric_yt = numerical_gradient(lambda a: float(F.ce_logsumexp(a.T, Y)[0]), out["ytilde"].T.copy())
    assert_close(g_yt, numeric_yt, "Q15 grad_ytilde = yhat - y")
    g_ht = F.rdfia_grad_htilde(p["Wy"], g_yt, h)
    numeric = {k: numerical_gradient(lambda _: rdfia_loss(p, X, Y), p[k]) for k in p}
    assert_close(F.rdfia_grad_Wy(g_yt, h), numeric["Wy"], "Q16 grad_Wy")
    assert_close(F.rdfia_grad_by(g_yt), numeric["by"], "Q16 grad_by")
    assert_close(F.rdfia_grad_Wh(g_ht, x), numeric["Wh"], "Q17 grad_Wh")
    assert_close(F.rdfia_grad_bh(g_ht), numeric["bh"], "Q17 grad_bh")
    # grad_h: perturb h itself (the loss as a function of h).
    h_var = h.copy()
    numeric_h = numerical_gradient(
        lambda a: float(F.ce_logsumexp((p["Wy"] @ a + p["by"]).T, Y)[0]), h_var)
    assert_close(F.rdfia_grad_h(p["Wy"], g_yt), numeric_h, "Q17 grad_h = W_y^T grad_ytilde")


@pytest.mark.parametrize("N,nx,nh,ny", [(6, 3, 4, 2), (1, 2, 5, 3), (9, 4, 3, 5)])
def test_rdfia_batched_gradients_with_one_over_n(N, nx, nh, ny):
    r = rng(f"rdfiaN{N}{nx}{nh}{ny}")
    p, X, Y = rdfia_params(r, nx, nh, ny), r.normal(size=(N, nx)), onehot(r, N, ny)
    grads = rdfia_batch_grads(p, X, Y)
    for k in p:
        assert grads[k].shape == p[k].shape, f"grad {k} has shape {grads[k].shape}, parameter {p[k].shape}"
        assert_close(grads[k], numerical_gradient(lambda _: rdfia_loss(p, X, Y), p[k]), f"batched grad {k}")
    # The batch formulas are the sums of the per-sample ones divided by N.
    out = rdfia_forward(p, X)
    per_sample = np.zeros_like(p["Wh"])
    for n in range(N):
        g_yt = F.rdfia_grad_ytilde(out["yhat"][n:n + 1].T, Y[n:n + 1].T)
        per_sample += F.rdfia_grad_Wh(F.rdfia_grad_htilde(p["Wy"], g_yt, out["h"][n:n + 1].T), X[n:n + 1].T)
    assert_close(grads["Wh"], per_sample / N, "batched grad_Wh = mean of per-sample grad_Wh")


def test_dropping_the_tanh_factor_is_detected():
    """The widely circulated Q17 (no 1 - h^2) must fail the same finite-difference check."""
    r = rng("rdfia-drop")
    p, X, Y = rdfia_params(r, 3, 4, 2), r.normal(size=(5, 3)), onehot(r, 5, 2)
    out = rdfia_forward(p, X)
    Gy = F.rdfia_batch_ytilde(out["yhat"], Y)
    numeric = numerical_gradient(lambda _: rdfia_loss(p, X, Y), p["Wh"])
    assert_close(F.rdfia_batch_Wh(F.rdfia_batch_htilde(Gy, p["Wy"], out["h"]), X), numeric, "correct Q17")
    for wrong in (Gy @ p["Wy"], (Gy @ p["Wy"]) * (1 - out["htilde"] ** 2)):  # factor dropped / 1 - htilde^2
        assert not np.allclose(F.rdfia_batch_Wh(wrong, X), numeric, rtol=1e-3, atol=1e-6)


# ====================================================================== cost of differentiation

class Counter:
    def __init__(self):
        self.products = 0

    def mm(self, a, b):
        self.products += 1
        return a @ b


def _chain(Ws, X):
    A, Zs, As = X, [], [X]
    for W in Ws:
        Z = A @ W
        A = np.tanh(Z)
        Zs.append(Z)
        As.append(A)
    return Zs, As


def _delta_top(Zs, R):
    return R * (1 - np.tanh(Zs[-1]) ** 2)        # L = sum(R * A_D)


def grads_naive(Ws, X, R, c: Counter):
    """Each layer's gradient from the output down, recomputing the shared products."""
    Zs, As = _chain(Ws, X)
    D, grads = len(Ws), []
    for layer in range(D):
        delta = _delta_top(Zs, R)
        for k in range(D - 1, layer, -1):
            delta = c.mm(delta, Ws[k].T) * (1 - np.tanh(Zs[k - 1]) ** 2)
        grads.append(c.mm(As[layer].T, delta))
    return grads


def grads_backprop(Ws, X, R, c: Counter):
    Zs, As = _chain(Ws, X)
    D, grads = len(Ws), [None] * len(Ws)
    delta = _delta_top(Zs, R)
    for layer in range(D - 1, -1, -1):
        grads[layer] = c.mm(As[layer].T, delta)
        if layer > 0:
            delta = c.mm(delta, Ws[layer].T) * (1 - np.tanh(Zs[layer - 1]) ** 2)
    return grads


@pytest.mark.parametrize("D", [1, 2, 3, 5, 8])
def test_cost_of_naive_differentiation_and_backprop(D):
    r = rng(f"cost{D}")
    n, N = 3, 4
    Ws = [r.normal(size=(n, n)) * 0.8 for _ in range(D)]
    X, R = r.normal(size=(N, n)), r.normal(size=(N, n))
    naive, bp = Counter(), Counter()
    g_naive, g_bp = grads_naive(Ws, X, R, naive), grads_backprop(Ws, X, R, bp)
    assert naive.products == F.cost_naive(D) == D * (D + 1) // 2
    assert bp.products == F.cost_backprop(D)
    for a, b in zip(g_naive, g_bp):
        assert_close(a, b, "naive and back-propagated gradients")
    if D <= 3:
        loss = lambda: float(np.sum(R * _chain(Ws, X)[1][-1]))
        for W, g in zip(Ws, g_bp):
            assert_close(g, numerical_gradient(lambda _: loss(), W), "backprop against finite differences")
    assert F.cost_naive(20) / F.cost_backprop(20) == pytest.approx(5.4, abs=0.05)   # numbers in the report
    assert F.cost_naive(100) / F.cost_backprop(100) == pytest.approx(25, abs=0.5)


# ====================================================================== optimisers (Lab 08)

def test_momentum_recursion_unrolled_and_steady_state():
    r = rng("momentum")
    grads = [r.normal(size=(3, 4)) for _ in range(7)]
    theta, v = r.normal(size=(3, 4)), np.zeros((3, 4))
    path = theta.copy()
    for t, g in enumerate(grads, start=1):
        theta, v = F.momentum_step(theta, v, g, 0.1, 0.8)
        assert_close(v, F.momentum_unrolled(grads[:t], 0.8), f"v_{t} = sum mu^(t-k) g_k")
        path = path - 0.1 * F.momentum_unrolled(grads[:t], 0.8)
    assert_close(theta, path, "theta_t = theta_0 - eta * sum of the velocities")
    g, v = r.normal(size=5), np.zeros(5)
    for t in range(1, 60):
        v = F.momentum_step(np.zeros(5), v, g, 0.1, 0.9)[1]
        assert_close(v, F.momentum_constant(g, 0.9, t), f"constant gradient, t = {t}")
    assert_close(F.momentum_constant(g, 0.9, 500), g / (1 - 0.9), "limit g / (1 - mu) = 10 g")


def test_nesterov_is_sutskever_look_ahead_with_the_stored_point_changed():
    """Sutskever's form (gradient at phi + mu u) and eq:nesterov_step give the same points."""
    r = rng("nesterov")
    A = r.normal(size=(4, 4))
    A = A @ A.T + np.eye(4)                        # a convex quadratic f = theta^T A theta / 2 - b^T theta
    b = r.normal(size=4)
    grad = lambda x: A @ x - b
    lr, mu = 0.05, 0.9
    phi, u = r.normal(size=4), np.zeros(4)
    theta, v = phi.copy(), np.zeros(4)             # theta_0 = phi_0 + mu u_0 = phi_0
    for _ in range(25):
        u = mu * u - lr * grad(phi + mu * u)
        phi = phi + u
        theta, v = F.nesterov_step(theta, v, grad(theta), lr, mu)
        assert_close(theta, phi + mu * u, "stored point = Sutskever's look-ahead point")
        assert_close(v, -u / lr, "v = -u / eta")
    # With the OLD velocity the step is the heavy-ball one (the report's remark).
    g, v_old = r.normal(size=4), r.normal(size=4)
    v_new = mu * v_old + g
    assert_close(g + mu * v_old, v_new, "g + mu v_old = v_t: heavy ball")


def test_l2_gradient_and_sgd_weight_decay():
    r = rng("l2")
    theta, g = r.normal(size=(4, 3)), r.normal(size=(4, 3))
    numeric = numerical_gradient(lambda t: 0.5 * 0.3 * float(np.sum(t ** 2)), theta.copy())
    assert_close(F.l2_grad(theta, 0.3), numeric, "d/dtheta lambda/2 ||theta||^2 = lambda theta")
    assert_close(F.sgd_weight_decay(theta, g, 0.1, 0.3), theta - 0.1 * (g + F.l2_grad(theta, 0.3)),
                 "SGD on the L2 loss = shrink by (1 - eta lambda), then the step")


def test_adam_bias_correction():
    r = rng("adam")
    b1, b2 = 0.9, 0.999
    grads = [r.normal(size=(2, 3)) for _ in range(6)]
    m, v = np.zeros((2, 3)), np.zeros((2, 3))
    for t, g in enumerate(grads, start=1):
        m, v = F.adam_moments(m, v, g, b1, b2)
        assert_close(m, F.adam_m_unrolled(grads[:t], b1), f"m_{t} unrolled")
    # A constant gradient: m_t = (1 - beta1^t) g exactly, so m_hat = g and v_hat = g^2 at every step.
    g, m, v = r.normal(size=5), np.zeros(5), np.zeros(5)
    for t in range(1, 30):
        m, v = F.adam_moments(m, v, g, b1, b2)
        assert_close(m, F.adam_bias(g, b1, t), f"m_{t} = (1 - beta1^t) g")
        m_hat, v_hat = F.adam_correction(m, v, b1, b2, t)
        assert_close(m_hat, g, "m_hat = g")
        assert_close(v_hat, g * g, "v_hat = g^2")
    # Random gradients with a constant expectation: the average m_t over many runs.
    mean, t, runs = 0.7, 4, 200000
    samples = rng("adam-mc").normal(mean, 1.0, size=(runs, t))
    m_t = F.adam_m_unrolled(list(samples.T), b1)
    sd = math.sqrt((1 - b1) ** 2 * sum(b1 ** (2 * (t - k)) for k in range(1, t + 1)) / runs)
    assert abs(m_t.mean() - F.adam_bias(mean, b1, t)) < 5 * sd, "E[m_t] = (1 - beta1^t) E[g]"
    assert abs(m_t.mean() - mean) > 20 * sd, "without the correction the average is biased"


def test_adam_first_step_and_uncorrected_factor():
    r = rng("adam-first")
    theta, g = r.normal(size=(3, 2)), r.normal(size=(3, 2))
    m, v = F.adam_moments(np.zeros_like(g), np.zeros_like(g), g, 0.8, 0.95)
    m_hat, v_hat = F.adam_correction(m, v, 0.8, 0.95, 1)
    assert_close(F.adam_step(theta, m_hat, v_hat, 0.01, 1e-8) - theta, F.adam_first_step(g, 0.01, 1e-8),
                 "the first step moves each coordinate by about eta")
    m, v = F.adam_moments(np.zeros_like(g), np.zeros_like(g), g, 0.9, 0.999)
    assert_close(m / np.sqrt(v), F.adam_uncorrected(g, 0.9, 0.999), "uncorrected first step / eta")
    assert float(np.abs(F.adam_uncorrected(g, 0.9, 0.999)).max()) == pytest.approx(3.1623, abs=1e-4)


def test_adamw_is_adam_plus_the_decay_of_the_old_parameters():
    r = rng("adamw")
    theta, m_hat, v_hat = r.normal(size=(3, 4)), r.normal(size=(3, 4)), r.uniform(0.1, 2, (3, 4))
    adam = F.adam_step(theta, m_hat, v_hat, 0.01, 1e-8)
    assert_close(F.adamw_step(theta, m_hat, v_hat, 0.01, 1e-8, 0.0), adam, "lambda = 0: Adam")
    assert_close(F.adamw_step(theta, m_hat, v_hat, 0.01, 1e-8, 0.3), adam - 0.01 * 0.3 * theta,
                 "minus eta lambda theta_{t-1}")


# ====================================================================== inverted dropout (Lab 08)

@pytest.mark.parametrize("p", [0.2, 0.5, 0.75])
def test_dropout_expectation_variance_and_backward(p):
    r = rng(f"dropout{p}")
    x = r.normal(size=(4, 5))
    assert_close(F.dropout_expectation(x, p), x, "E[out] = x (inverted dropout)")
    outcomes = [(1 - p, F.dropout_forward(x, np.ones_like(x), p)), (p, F.dropout_forward(x, np.zeros_like(x), p))]
    variance = sum(w * (o - x) ** 2 for w, o in outcomes)
    assert_close(F.dropout_variance(x, p), variance, "Var[out] = p / (1 - p) x^2")
    masks = r.random((20000,) + x.shape) >= p              # Monte Carlo, as the lab draws them
    samples = F.dropout_forward(x, masks, p)
    assert np.abs(samples.mean(axis=0) - x).max() < 6 * np.sqrt(F.dropout_variance(x, p).max() / 20000)
    keep, G = (r.random(x.shape) >= p).astype(float), r.normal(size=x.shape)
    numeric = numerical_gradient(lambda a: float(np.sum(G * F.dropout_forward(a, keep, p))), x.copy())
    assert_close(F.dropout_backward(G, keep, p), numeric, "backward through the same mask")


# ====================================================================== batch normalisation (Lab 08)

@pytest.mark.parametrize("N,D", [(7, 3), (2, 5), (11, 4)])
def test_batchnorm_gradients_match_finite_differences(N, D):
    r = rng(f"bn{N}{D}")
    eps = 1e-3
    X = r.normal(size=(N, D)) * r.uniform(0.5, 3, D) + r.normal(size=D)
    gamma, beta, G = r.normal(size=(1, D)), r.normal(size=(1, D)), r.normal(size=(N, D))
    assert_close(F.bn_mean(X), X.mean(axis=0, keepdims=True), "mean")
    assert_close(F.bn_var(X), X.var(axis=0, keepdims=True), "biased variance")
    loss = lambda: float(np.sum(G * F.bn_forward(X, gamma, beta, eps)))
    Xhat, s = F.bn_xhat(X, eps), 1 / np.sqrt(F.bn_var(X) + eps)
    assert_close(F.bn_dbeta(G), numerical_gradient(lambda _: loss(), beta), "dbeta = 1^T G")
    assert_close(F.bn_dgamma(G, Xhat), numerical_gradient(lambda _: loss(), gamma), "dgamma = 1^T (G . Xhat)")
    dx = F.bn_dx(G, Xhat, gamma, s)
    assert_close(dx, numerical_gradient(lambda _: loss(), X), "dX, the three paths")
    J = F.bn_jacobian(X, eps)
    for j in range(D):
        numeric = np.stack([numerical_gradient(lambda a: F.bn_xhat(a, eps)[m, j], X.copy())[:, j] for m in range(N)])
        assert_close(J[j], numeric, f"d xhat_m / d x_n, feature {j}")
        assert_close(dx[:, j], J[j].T @ (gamma[0, j] * G[:, j]), "dX = J^T (gamma G)")
    # The two checks of the report.
    assert_close(dx.sum(axis=0), np.zeros(D), "sum_n dL/dX_n = 0")
    stretch = gamma * s * eps / (F.bn_var(X) + eps) * F.bn_dgamma(G, Xhat)
    assert_close((dx * Xhat).sum(axis=0, keepdims=True), stretch, "sum_n dL/dX_n Xhat_n")
    # Without the mean and variance paths: the evaluation-mode gradient, which is wrong here.
    assert not np.allclose(gamma * s * G, dx, atol=1e-6)


def test_batchnorm_evaluation_mode_is_affine_per_sample():
    r = rng("bn-eval")
    X, gamma, beta = r.normal(size=(5, 3)), r.normal(size=(1, 3)), r.normal(size=(1, 3))
    rm, rv = r.normal(size=(1, 3)), r.uniform(0.5, 2, (1, 3))
    Y = F.bn_eval(X, gamma, beta, rm, rv, 1e-5)
    assert_close(F.bn_eval(X[2:3], gamma, beta, rm, rv, 1e-5), Y[2:3], "a batch of one gives the same row")
    # With the batch's own statistics as running statistics, evaluation equals training mode.
    assert_close(F.bn_eval(X, gamma, beta, F.bn_mean(X), F.bn_var(X), 1e-5), F.bn_forward(X, gamma, beta, 1e-5),
                 "running = batch statistics")


# ====================================================================== convolution and pooling (Lab 07)

# (N, C_in, Hp, Wp, C_out, KH, KW, stride): overlapping and tiling windows, non-square kernels.
CONV_SHAPES = [(2, 3, 7, 6, 4, 3, 3, 1), (1, 2, 8, 7, 3, 3, 2, 2), (3, 1, 9, 10, 2, 2, 2, 2)]


def test_conv_output_size_counts_the_window_positions():
    for n in range(1, 12):
        for k in range(1, n + 3):
            for s in (1, 2, 3):
                for p in (0, 1, 2):
                    if k <= n + 2 * p:
                        assert F.conv_output_size(n, k, s, p) == len(range(0, n + 2 * p - k + 1, s))


@pytest.mark.parametrize("N,C,Hp,Wp,O,KH,KW,s", CONV_SHAPES)
def test_conv_gradients_match_finite_differences(N, C, Hp, Wp, O, KH, KW, s):
    r = rng(f"conv{N}{C}{Hp}{Wp}{O}{KH}{KW}{s}")
    Xp, W, b = r.normal(size=(N, C, Hp, Wp)), r.normal(size=(O, C, KH, KW)), r.normal(size=O)
    Y = F.conv_forward(Xp, W, b, s)
    assert Y.shape == (N, O, F.conv_output_size(Hp, KH, s, 0), F.conv_output_size(Wp, KW, s, 0))
    G = r.normal(size=Y.shape)                  # upstream gradient: L = sum(G * Y)
    loss = lambda: float((G * F.conv_forward(Xp, W, b, s)).sum())
    assert_close(F.conv_db(G), numerical_gradient(lambda _: loss(), b), "db = sum over n, i, j of G")
    assert_close(F.conv_dW(G, Xp, s, KH, KW), numerical_gradient(lambda _: loss(), W), "dW = corr(Xp, G)")
    dXp = F.conv_dX(G, W, s, Hp, Wp)
    assert_close(dXp, numerical_gradient(lambda _: loss(), Xp), "dXp: windows scattered back and added")
    assert_close(F.conv_dX_flipped(G, W, s, Hp, Wp), dXp, "dXp = full correlation with the flipped kernel")
    # The report's warning: without the flip the full correlation is wrong.
    assert not np.allclose(F.conv_dX_flipped(G, W[:, :, ::-1, ::-1], s, Hp, Wp), dXp)


def test_conv_forward_is_an_im2col_matrix_product():
    r = rng("im2col")
    Xp, W, b, s = r.normal(size=(2, 3, 6, 7)), r.normal(size=(4, 3, 3, 2)), r.normal(size=4), 2
    Y = F.conv_forward(Xp, W, b, s)
    H_out, W_out = Y.shape[2:]
    cols = np.stack([Xp[:, :, i * s:i * s + 3, j * s:j * s + 2].reshape(2, -1)
                     for i in range(H_out) for j in range(W_out)], axis=2)      # (N, C*KH*KW, positions)
    Y_mat = np.einsum("ok,nkp->nop", W.reshape(4, -1), cols) + b[None, :, None]
    assert_close(Y_mat.reshape(Y.shape), Y, "one matrix product with the windows as columns")


@pytest.mark.parametrize("N,C,H,W,k,s", [(2, 3, 6, 8, 2, 2), (1, 2, 7, 5, 3, 2), (3, 1, 5, 6, 2, 1)])
def test_maxpool_gradient_matches_finite_differences(N, C, H, W, k, s):
    r = rng(f"pool{N}{C}{H}{W}{k}{s}")
    X = r.permutation(N * C * H * W).reshape(N, C, H, W) / 10.0    # distinct values: no ties
    G = r.normal(size=F.maxpool_forward(X, k, s).shape)
    numeric = numerical_gradient(lambda A: float(np.sum(G * F.maxpool_forward(A, k, s))), X)
    assert_close(F.maxpool_grad(G, X, k, s), numeric, "dX: each window's G to its maximum, summed")
    # Each window sends its whole gradient to one input.
    assert_close(F.maxpool_grad(np.ones_like(G), X, k, s).sum(), float(G.size), "one unit per window")


def test_maxpool_gradient_at_a_tie_goes_to_one_entry():
    X = np.zeros((1, 1, 2, 2))                 # four tied maxima, as after a ReLU
    dX = F.maxpool_grad(np.ones((1, 1, 1, 1)), X, 2, 2)
    assert dX.sum() == 1.0 and np.count_nonzero(dX) == 1 and dX[0, 0, 0, 0] == 1.0


# ====================================================================== the labs' reference solutions

def _lab_present(lab: str) -> bool:
    return (SOLUTIONS / lab).is_dir()


def _namespace(lab: str) -> dict:
    notebook = SOLUTIONS / lab / f"{lab}.ipynb"
    if not notebook.exists():
        pytest.fail(f"{lab}: the lab folder exists but {notebook.relative_to(ROOT)} does not")
    from autograder.harness import solution_namespace
    return solution_namespace(lab)


def _require(ns: dict, lab: str, names: tuple[str, ...]):
    missing = [n for n in names if n not in ns]
    if missing:
        pytest.fail(f"{lab}: the reference solution does not define {missing} "
                    f"(the report's cross-check expects these names, see tests/test_derivations.py)")
    return [ns[n] for n in names]


def _lab01_model():
    path = SOLUTIONS / "lab01-regression" / "model.py"
    if not path.exists():
        pytest.fail(f"lab01-regression: the lab folder exists but {path.relative_to(ROOT)} does not")
    spec = importlib.util.spec_from_file_location("lab01_model_for_report", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return vars(module)


LAB_CROSS_CHECKS = [lab for lab in ("lab01-regression", "lab03-activations", "lab06-rdfia", "lab07-cnn",
                                    "lab08-optimisation")
                    if _lab_present(lab)]


def _only(lab):
    """Define a cross-check only when its lab folder exists.

    A lab that has not been written yet contributes no test at all (rather than a skip that
    could be read as a pass); the tests that exist are listed by ``pytest -v``.
    """
    def decorate(fn):
        if lab not in LAB_CROSS_CHECKS:
            return None
        return pytest.mark.parametrize("lab", [lab])(fn)
    return decorate


@_only("lab01-regression")
@pytest.mark.parametrize("N,d_in,d_out", SHAPES)
def test_lab01_linear_backward_matches_report(lab, N, d_in, d_out):
    Linear, = _require(_lab01_model(), lab, ("Linear",))
    r = rng(f"lab01lin{N}{d_in}{d_out}")
    layer = Linear(d_in, d_out)
    layer.W.data = r.normal(size=(d_in, d_out))
    layer.b.data = r.normal(size=(1, d_out))
    X, G = r.normal(size=(N, d_in)), r.normal(size=(N, d_out))
    W_before = np.array(layer.W.grad, dtype=float) if layer.W.grad is not None else np.zeros((d_in, d_out))
    b_before = np.array(layer.b.grad, dtype=float) if layer.b.grad is not None else np.zeros((1, d_out))
    assert_close(layer.forward(X), F.linear_forward(X, layer.W.data, layer.b.data), f"{lab} Linear.forward")
    dX = layer.backward(G)
    assert_close(dX, F.linear_dX(G, layer.W.data), f"{lab} Linear.backward return value (eq:linear_dX)")
    assert_close(layer.W.grad - W_before, F.linear_dW(X, G), f"{lab} Linear W.grad (eq:linear_dW)")
    assert_close(layer.b.grad - b_before, F.linear_db(G), f"{lab} Linear b.grad (eq:linear_db)")


@_only("lab01-regression")
@pytest.mark.parametrize("cls,formula", [("ReLU", "relu"), ("Sigmoid", "sigmoid")])
def test_lab01_activations_match_report(lab, cls, formula):
    Layer, = _require(_lab01_model(), lab, (cls,))
    r = rng(f"lab01{cls}")
    z = away_from_kinks(r, (5, 3))
    z[0, 0] = 0.0                                  # the kink: both use f'(0) = 0 for ReLU
    G = r.normal(size=z.shape)
    layer = Layer()
    assert_close(layer.forward(z), getattr(F, formula)(z), f"{lab} {cls}.forward")
    assert_close(layer.backward(G), F.act_backward(G, getattr(F, formula + "_grad")(z)), f"{lab} {cls}.backward")


@_only("lab01-regression")
@pytest.mark.parametrize("N,d", [(6, 1), (4, 3)])
def test_lab01_mse_matches_report(lab, N, d):
    MSELoss, = _require(_lab01_model(), lab, ("MSELoss",))
    r = rng(f"lab01mse{N}{d}")
    pred, target = r.normal(size=(N, d)), r.normal(size=(N, d))
    loss = MSELoss()
    assert float(loss.forward(pred, target)) == pytest.approx(F.mse(pred, target), rel=1e-12)
    assert_close(loss.backward(), F.mse_grad(pred, target), f"{lab} MSELoss.backward (eq:mse_grad, 2/(N d))")


LAB03_LAYERS = {  # class name: (constructor kwargs, formula forward, formula derivative)
    "Sigmoid": ({}, F.sigmoid, F.sigmoid_grad),
    "Tanh": ({}, np.tanh, F.tanh_grad),
    "ReLU": ({}, F.relu, F.relu_grad),
    "LeakyReLU": ({"slope": 0.1}, lambda z: F.leaky_relu(z, 0.1), lambda z: F.leaky_relu_grad(z, 0.1)),
    "ELU": ({"alpha": 0.7}, lambda z: F.elu(z, 0.7), lambda z: F.elu_grad(z, 0.7)),
    "SELU": ({}, F.selu, F.selu_grad),
    "Softplus": ({}, F.softplus, F.softplus_grad),
    "GELU": ({}, F.gelu, F.gelu_grad),
    "GELUTanh": ({}, F.gelu_tanh, F.gelu_tanh_grad),
    "SiLU": ({}, F.silu, F.silu_grad),
}


@_only("lab03-activations")
def test_lab03_activation_layers_match_report(lab):
    ns = _namespace(lab)
    classes = _require(ns, lab, tuple(LAB03_LAYERS) + ("Softmax",))
    r = rng("lab03")
    z = away_from_kinks(r, (6, 4), scale=3.0)
    z[0, :] = 0.0                                   # the kinks: the lab's conventions are the report's
    G = r.normal(size=z.shape)
    for (name, (kwargs, f, fprime)), Layer in zip(LAB03_LAYERS.items(), classes):
        layer = Layer(**kwargs)
        assert_close(layer.forward(z.copy()), f(z), f"{lab} {name}.forward")
        assert_close(layer.backward(G.copy()), F.act_backward(G, fprime(z)), f"{lab} {name}.backward")
    softmax_layer = classes[-1]()
    P = softmax_layer.forward(z.copy())
    assert_close(P, F.softmax(z), f"{lab} Softmax.forward")
    assert_close(softmax_layer.backward(G.copy()), F.softmax_jvp(F.softmax(z), G), f"{lab} Softmax.backward (eq:softmax_jvp)")


@_only("lab06-rdfia")
@pytest.mark.parametrize("N,nx,nh,ny", [(6, 3, 4, 2), (1, 2, 5, 3)])
def test_lab06_forward_backward_match_report(lab, N, nx, nh, ny):
    ns = _namespace(lab)
    forward, backward = _require(ns, lab, ("forward", "backward"))
    r = rng(f"lab06{N}{nx}{nh}{ny}")
    p, X, Y = rdfia_params(r, nx, nh, ny), r.normal(size=(N, nx)), onehot(r, N, ny)
    yhat, outputs = forward({k: v.copy() for k, v in p.items()}, X.copy())
    want = rdfia_forward(p, X)
    for k in ("htilde", "h", "ytilde", "yhat"):
        assert_close(outputs[k], want[k], f"{lab} forward: outputs['{k}']")
    assert_close(yhat, want["yhat"], f"{lab} forward: yhat")
    grads = backward({k: v.copy() for k, v in p.items()}, {k: np.copy(v) for k, v in outputs.items()}, Y.copy())
    expected = rdfia_batch_grads(p, X, Y)
    for k in ("Wy", "by", "Wh", "bh"):
        assert_close(np.asarray(grads[k]), expected[k], f"{lab} backward: grads['{k}'] (eq:rdfia_batch_{k})")


def _cell_defining(lab: str, name: str) -> str:
    """The source of the code cell of ``lab``'s notebook that defines function ``name``."""
    cells = json.loads((SOLUTIONS / lab / f"{lab}.ipynb").read_text(encoding="utf-8"))["cells"]
    found = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"
             and f"def {name}(" in "".join(c["source"])]
    if len(found) != 1:
        pytest.fail(f"{lab}: expected one code cell defining {name}(), found {len(found)}")
    return found[0]


@pytest.mark.parametrize("N,K", [(5, 3), (2, 10), (1, 4)])
def test_lab02_mse_on_softmax_matches_report(N, K):
    """The report's eq:mse_softmax_grad is the gradient Lab 02's study of the MSE uses (same 2/N)."""
    lab = "lab02-ffnn-mnist"
    ns = _namespace(lab)
    source = _cell_defining(lab, "mse_softmax_backward")
    head = source[:source.index("\n\n\ndef train_with")]     # the two loss functions, not the study
    exec(compile(head, f"{lab}: mse_softmax cell", "exec"), ns)
    r = rng(f"lab02msesm{N}{K}")
    logits, y = r.normal(size=(N, K)) * 2, r.integers(0, K, size=N)
    Y = np.eye(K)[y]
    got = ns["mse_softmax_backward"](ns["softmax"](logits), y)
    assert_close(got, F.mse_softmax_grad(F.softmax(logits), Y), "Lab 02 mse_softmax_backward = eq:mse_softmax_grad")
    numeric = numerical_gradient(lambda A: ns["mse_softmax_loss"](A, y), logits.copy())
    assert_close(got, numeric, "Lab 02 mse_softmax_backward = finite differences of its loss")


@_only("lab08-optimisation")
@pytest.mark.parametrize("N,D", [(7, 3), (1, 4), (10, 6)])
def test_lab08_batchnorm_matches_report(lab, N, D):
    forward, backward = _require(_namespace(lab), lab, ("batchnorm_forward", "batchnorm_backward"))
    r = rng(f"lab08bn{N}{D}")
    X, gamma, beta, G = r.normal(size=(N, D)), r.normal(size=(1, D)), r.normal(size=(1, D)), r.normal(size=(N, D))
    rm, rv = r.normal(size=(1, D)), r.uniform(0.5, 2, (1, D))
    out, new_rm, new_rv, cache = forward(X, gamma, beta, rm, rv, True, 0.1, 1e-3)
    assert_close(out, F.bn_forward(X, gamma, beta, 1e-3), f"{lab} batchnorm_forward, training (eq:bn_forward)")
    assert_close(new_rm, 0.9 * rm + 0.1 * F.bn_mean(X), f"{lab} running mean")
    assert_close(new_rv, 0.9 * rv + 0.1 * F.bn_var(X), f"{lab} running variance")
    dx, dgamma, dbeta = backward(G, cache)
    Xhat, s = F.bn_xhat(X, 1e-3), 1 / np.sqrt(F.bn_var(X) + 1e-3)
    assert_close(dx, F.bn_dx(G, Xhat, gamma, s), f"{lab} batchnorm_backward dx (eq:bn_dx)")
    assert_close(dgamma, F.bn_dgamma(G, Xhat), f"{lab} dgamma (eq:bn_dgamma)")
    assert_close(dbeta, F.bn_dbeta(G), f"{lab} dbeta (eq:bn_dbeta)")
    out_eval = forward(X, gamma, beta, rm, rv, False, 0.1, 1e-3)[0]
    assert_close(out_eval, F.bn_eval(X, gamma, beta, rm, rv, 1e-3), f"{lab} evaluation mode (eq:bn_eval)")


@_only("lab08-optimisation")
def test_lab08_optimisers_match_report(lab):
    import types
    SGD, Adam, AdamW = _require(_namespace(lab), lab, ("SGD", "Adam", "AdamW"))
    r = rng("lab08opt")
    theta0, grads = r.normal(size=(3, 4)), [r.normal(size=(3, 4)) for _ in range(5)]
    for make, nesterov in ((lambda ps: SGD(ps, 0.1, momentum=0.8), False),
                           (lambda ps: SGD(ps, 0.1, momentum=0.8, nesterov=True), True)):
        p = types.SimpleNamespace(data=theta0.copy(), grad=np.zeros((3, 4)), decay=True)
        opt, theta, v = make([p]), theta0.copy(), np.zeros((3, 4))
        for g in grads:
            p.grad = g.copy()
            opt.step()
            theta, v = (F.nesterov_step if nesterov else F.momentum_step)(theta, v, g, 0.1, 0.8)
            assert_close(p.data, theta, f"{lab} SGD(nesterov={nesterov}) (eq:momentum_step / eq:nesterov_step)")
    for cls, lam in ((Adam, 0.0), (AdamW, 0.2)):
        p = types.SimpleNamespace(data=theta0.copy(), grad=np.zeros((3, 4)), decay=True)
        opt, theta = cls([p], 0.01, 0.8, 0.95, 1e-7, weight_decay=lam), theta0.copy()
        m, v = np.zeros((3, 4)), np.zeros((3, 4))
        for t, g in enumerate(grads, start=1):
            p.grad = g.copy()
            opt.step()
            m, v = F.adam_moments(m, v, g, 0.8, 0.95)
            m_hat, v_hat = F.adam_correction(m, v, 0.8, 0.95, t)
            theta = F.adamw_step(theta, m_hat, v_hat, 0.01, 1e-7, lam)
            assert_close(p.data, theta, f"{lab} {cls.__name__} (eq:adam_step, eq:adamw_step)")


@_only("lab08-optimisation")
def test_lab08_dropout_matches_report(lab):
    forward, backward = _require(_namespace(lab), lab, ("dropout_forward", "dropout_backward"))
    r = rng("lab08drop")
    x, G = r.normal(size=(6, 5)), r.normal(size=(6, 5))
    out, mask = forward(x, 0.3, True, np.random.default_rng(0))
    keep = (mask != 0).astype(float)
    assert_close(out, F.dropout_forward(x, keep, 0.3), f"{lab} dropout_forward (eq:dropout_forward)")
    assert_close(backward(G, mask), F.dropout_backward(G, keep, 0.3), f"{lab} dropout_backward (eq:dropout_backward)")


def _pad(x, p):
    return np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))


@_only("lab07-cnn")
@pytest.mark.parametrize("N,C,H,W,O,KH,KW,s,p", [(2, 3, 6, 5, 4, 3, 3, 1, 1), (1, 2, 7, 8, 3, 3, 2, 2, 2),
                                                 (3, 1, 8, 6, 2, 2, 2, 2, 0)])
def test_lab07_conv_matches_report(lab, N, C, H, W, O, KH, KW, s, p):
    ns = _namespace(lab)
    forward, backward = _require(ns, lab, ("conv2d_forward", "conv2d_backward"))
    r = rng(f"lab07conv{N}{C}{H}{W}{O}{KH}{KW}{s}{p}")
    x, w, b = r.normal(size=(N, C, H, W)), r.normal(size=(O, C, KH, KW)), r.normal(size=O)
    Y = F.conv_forward(_pad(x, p), w, b, s)
    assert_close(forward(x.copy(), w.copy(), b.copy(), s, p), Y, f"{lab} conv2d_forward (eq:conv_forward)")
    G = r.normal(size=Y.shape)
    dx, dw, db = backward(G.copy(), x.copy(), w.copy(), s, p)
    dXp = F.conv_dX(G, w, s, H + 2 * p, W + 2 * p)
    assert_close(dx, dXp[:, :, p:p + H, p:p + W], f"{lab} conv2d_backward dx (eq:conv_dX, padding cropped)")
    assert_close(dw, F.conv_dW(G, _pad(x, p), s, KH, KW), f"{lab} conv2d_backward dw (eq:conv_dW)")
    assert_close(db, F.conv_db(G), f"{lab} conv2d_backward db (eq:conv_db)")


@_only("lab07-cnn")
@pytest.mark.parametrize("N,C,H,W,k,s", [(2, 3, 6, 8, 2, 2), (1, 2, 7, 5, 3, 2)])
def test_lab07_maxpool_matches_report(lab, N, C, H, W, k, s):
    ns = _namespace(lab)
    forward, backward = _require(ns, lab, ("maxpool2d_forward", "maxpool2d_backward"))
    r = rng(f"lab07pool{N}{C}{H}{W}{k}{s}")
    X = r.permutation(N * C * H * W).reshape(N, C, H, W) / 10.0
    P = F.maxpool_forward(X, k, s)
    assert_close(forward(X.copy(), k, s), P, f"{lab} maxpool2d_forward (eq:maxpool_forward)")
    G = r.normal(size=P.shape)
    assert_close(backward(G.copy(), X.copy(), k, s), F.maxpool_grad(G, X, k, s),
                 f"{lab} maxpool2d_backward (eq:maxpool_grad)")
