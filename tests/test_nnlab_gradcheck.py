"""nnlab.gradcheck on functions whose gradients are known in closed form."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nnlab.gradcheck import check_gradients, numerical_gradient, relative_error


def test_numerical_gradient_of_known_functions():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4))
    before = x.copy()
    np.testing.assert_allclose(numerical_gradient(lambda v: np.sum(v ** 2), x), 2 * x, atol=1e-8)
    np.testing.assert_array_equal(x, before)  # restored exactly
    A = rng.standard_normal((4, 4))
    v = rng.standard_normal(4)
    # f(v) = v^T A v  ->  (A + A^T) v
    np.testing.assert_allclose(numerical_gradient(lambda z: z @ A @ z, v), (A + A.T) @ v, atol=1e-7)
    # f(x) = log(sum(exp(x)))  ->  softmax(x); a closure reading x works because x is perturbed in place
    w = rng.standard_normal(5)
    grad = numerical_gradient(lambda _: np.log(np.exp(w).sum()), w)
    np.testing.assert_allclose(grad, np.exp(w) / np.exp(w).sum(), atol=1e-8)
    assert grad.dtype == np.float64 and grad.shape == w.shape


def test_numerical_gradient_on_views_and_scalars():
    base = np.arange(12.0).reshape(3, 4)
    view = base[:, ::2]  # non-contiguous
    np.testing.assert_allclose(numerical_gradient(lambda v: np.sum(np.sin(v)), view), np.cos(view), atol=1e-8)
    s = np.array(0.7)
    np.testing.assert_allclose(numerical_gradient(lambda v: float(v) ** 3, s), 3 * 0.7 ** 2, atol=1e-8)


def test_numerical_gradient_rejects_non_float64_and_non_scalar():
    with pytest.raises(TypeError, match="float64"):
        numerical_gradient(np.sum, np.ones(3, dtype=np.float32))
    with pytest.raises(TypeError, match="float64"):
        numerical_gradient(np.sum, [1.0, 2.0])
    x = np.ones(3)
    with pytest.raises(ValueError, match="scalar"):
        numerical_gradient(lambda v: v * 2, x)
    np.testing.assert_array_equal(x, np.ones(3))  # restored even though f raised


def test_relative_error():
    a = np.array([1.0, 2.0, -3.0])
    assert relative_error(a, a) == 0.0
    assert relative_error(a, -a) == pytest.approx(1.0)
    assert relative_error(np.zeros(2), np.zeros(2)) == 0.0
    assert relative_error(a, a + 1e-6) == pytest.approx(1e-6 / 6.0, rel=1e-5)  # max|a-b| / max(|a|+|b|)
    with pytest.raises(ValueError, match="shapes"):
        relative_error(np.zeros(2), np.zeros(3))


def _linear_mse():
    """Loss 0.5 * mean ||X W + b - Y||^2 over the batch, with its gradient written by hand."""
    rng = np.random.default_rng(1)
    X, Y = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    params = {"W": rng.standard_normal((3, 2)), "b": rng.standard_normal((1, 2))}

    def loss(p):
        return 0.5 * np.mean(np.sum((X @ p["W"] + p["b"] - Y) ** 2, axis=1))

    R = (X @ params["W"] + params["b"] - Y) / len(X)
    return loss, params, {"W": X.T @ R, "b": R.sum(axis=0, keepdims=True)}


def test_check_gradients_accepts_a_correct_gradient(capsys):
    loss, params, grads = _linear_mse()
    W_before = params["W"].copy()
    table = check_gradients(loss, params, grads)
    assert isinstance(table, pd.DataFrame)
    assert list(table.index) == ["W", "b"]
    assert list(table.columns) == ["shape", "max_abs_error", "relative_error", "ok"]
    assert table.loc["W", "shape"] == (3, 2) and table.loc["b", "shape"] == (1, 2)
    assert table["ok"].all()
    assert (table["relative_error"] < 1e-7).all()
    np.testing.assert_array_equal(params["W"], W_before)
    out = capsys.readouterr().out
    assert "relative_error" in out and "W" in out


def test_check_gradients_flags_wrong_gradients(capsys):
    loss, params, grads = _linear_mse()
    wrong = dict(grads, b=grads["b"] * 3.0)  # e.g. a wrong 1/N scale on db
    table = check_gradients(loss, params, wrong, verbose=False)
    assert capsys.readouterr().out == ""
    assert bool(table.loc["W", "ok"]) and not bool(table.loc["b", "ok"])
    assert table.loc["b", "relative_error"] > 0.1
    transposed = dict(grads, W=grads["W"].T.copy().reshape(3, 2))  # right numbers, wrong layout
    assert not check_gradients(loss, params, transposed, verbose=False).loc["W", "ok"]
    nan = dict(grads, W=np.full((3, 2), np.nan))
    assert not check_gradients(loss, params, nan, verbose=False).loc["W", "ok"]


def test_check_gradients_closure_style_and_errors():
    loss, params, grads = _linear_mse()
    table = check_gradients(lambda _: loss(params), params, grads, verbose=False)
    assert table["ok"].all()
    with pytest.raises(ValueError, match="shape"):
        check_gradients(loss, params, dict(grads, b=grads["b"].ravel()), verbose=False)
    with pytest.raises(ValueError, match="same names"):
        check_gradients(loss, params, {"W": grads["W"]}, verbose=False)
