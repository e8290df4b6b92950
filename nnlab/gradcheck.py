"""Gradient checking: compare an analytic gradient with centred finite differences.

Typical use, after writing a backward pass::

    params = {"W": W, "b": b}                      # float64 arrays
    grads = {"W": dW, "b": db}                     # what your backward pass returned
    check_gradients(lambda p: loss(X, p["W"], p["b"], Y), params, grads)

Each entry of every parameter is nudged by ``+eps`` and ``-eps`` *in place* (then restored)
and the loss re-evaluated: ``(f(x + eps) - f(x - eps)) / (2 eps)`` approximates the partial
derivative with an error of order ``eps**2``. In float64 with ``eps = 1e-6`` a correct
gradient gives a relative error around 1e-8 or smaller; a wrong one is usually above 1e-3.
Kinks (ReLU at 0, max) can cause isolated larger errors. Checking costs two loss
evaluations per parameter entry, so use a tiny network and batch.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

__all__ = ["numerical_gradient", "relative_error", "check_gradients"]


def _require_float64(x, name: str) -> np.ndarray:
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        got = x.dtype if isinstance(x, np.ndarray) else type(x).__name__
        raise TypeError(f"{name} must be a float64 numpy array (finite differences need double "
                        f"precision and are applied in place), got {got}; "
                        f"convert it with np.asarray({name}, dtype=np.float64)")
    return x


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Centred finite-difference gradient of the scalar function ``f`` at ``x``.

    Args:
        f: called as ``f(x)``; must return a scalar (Python float, 0-d or size-1 array).
        x: float64 array of any shape. It is perturbed *in place* one entry at a time and
            restored afterwards, so ``f`` may read ``x`` through a closure instead of its argument.
        eps: step size.

    Returns:
        float64 array of the same shape as ``x``: ``df/dx``.
    """
    _require_float64(x, "x")
    grad = np.zeros(x.shape, dtype=np.float64)
    for idx in np.ndindex(x.shape):  # works for views and non-contiguous arrays too
        old = x[idx]
        try:
            x[idx] = old + eps
            f_plus = _scalar(f(x))
            x[idx] = old - eps
            f_minus = _scalar(f(x))
        finally:
            x[idx] = old  # restore exactly, even if f raised
        grad[idx] = (f_plus - f_minus) / (2.0 * eps)
    return grad


def _scalar(value) -> float:
    arr = np.asarray(value, dtype=np.float64)
    if arr.size != 1:
        raise ValueError(f"the function must return a scalar (the loss), got an array of shape {arr.shape}")
    return float(arr.reshape(()))


def relative_error(a, b) -> float:
    """``max|a - b| / max(|a| + |b|)``, a scale-free distance between two arrays.

    0 for identical arrays, 1 when they have opposite signs; ``1e-12`` guards the
    denominator so that two zero arrays give 0.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: {a.shape} vs {b.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b)) / max(float(np.max(np.abs(a) + np.abs(b))), 1e-12))


def check_gradients(f: Callable[[Mapping[str, np.ndarray]], float], params: Mapping[str, np.ndarray],
                    analytic: Mapping[str, np.ndarray], eps: float = 1e-6, tol: float = 1e-6,
                    verbose: bool = True):
    """Compare analytic gradients with finite differences, one row per parameter.

    Args:
        f: the loss as a function of the parameters, called as ``f(params)`` while the arrays
            in ``params`` are perturbed in place (it may ignore its argument and read the arrays
            through a closure). Returns a scalar.
        params: name -> float64 array (e.g. ``{"W": (in, out), "b": (1, out)}``).
        analytic: name -> gradient of the loss with respect to that parameter, same shape.
        eps: finite-difference step.
        tol: a parameter is ``ok`` when its relative error is below ``tol``.
        verbose: print the table.

    Returns:
        ``pandas.DataFrame`` indexed by parameter name with columns ``shape``,
        ``max_abs_error``, ``relative_error`` and ``ok``.
    """
    import pandas as pd

    missing = set(params) ^ set(analytic)
    if missing:
        raise ValueError(f"params and analytic must have the same names; not in both: {sorted(missing)}")
    rows = []
    for name, value in params.items():
        _require_float64(value, f"params[{name!r}]")
        grad = np.asarray(analytic[name], dtype=np.float64)
        if grad.shape != value.shape:
            raise ValueError(f"analytic[{name!r}] has shape {grad.shape} but params[{name!r}] has shape "
                             f"{value.shape}: a gradient has the shape of its parameter")
        numeric = numerical_gradient(lambda _x: f(params), value, eps)
        with np.errstate(invalid="ignore"):
            abs_err = float(np.max(np.abs(grad - numeric))) if grad.size else 0.0
        rel = relative_error(grad, numeric)
        ok = bool(np.isfinite(rel) and rel < tol)
        rows.append({"parameter": name, "shape": tuple(value.shape), "max_abs_error": abs_err,
                     "relative_error": rel, "ok": ok})
    table = pd.DataFrame(rows, columns=["parameter", "shape", "max_abs_error", "relative_error", "ok"])
    table = table.set_index("parameter")
    if verbose:
        with pd.option_context("display.float_format", "{:.2e}".format):
            print(table.to_string())
    return table
