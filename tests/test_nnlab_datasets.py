"""nnlab.datasets: shapes, dtypes, seeding and the geometry each generator promises."""
from __future__ import annotations

import numpy as np
import pytest

from nnlab import datasets


def test_cubic_matches_the_brief():
    x, y = datasets.cubic()
    assert x.shape == (300, 1) and y.shape == (300, 1)
    assert x.dtype == np.float64 and y.dtype == np.float64
    assert x.min() >= -2 and x.max() <= 2
    assert x.min() < -1.9 and x.max() > 1.9  # covers the interval
    residual = y - x ** 3
    assert abs(residual.mean()) < 0.03
    assert 0.08 < residual.std() < 0.12  # noise std 0.1
    x0, y0 = datasets.cubic(n=50, noise=0.0, seed=3)
    np.testing.assert_allclose(y0, x0 ** 3)


def test_cubic_is_seeded_and_leaves_global_state_alone():
    np.random.seed(123)
    before = np.random.rand()
    np.random.seed(123)
    a = datasets.cubic(seed=5)
    assert np.random.rand() == before
    b = datasets.cubic(seed=5)
    c = datasets.cubic(seed=6)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])


def test_xor():
    X, y = datasets.xor()
    assert X.shape == (4, 2) and y.shape == (4, 1)
    assert X.dtype == np.float64 and y.dtype == np.float64
    np.testing.assert_array_equal(y[:, 0], np.logical_xor(X[:, 0], X[:, 1]).astype(float))
    assert len({tuple(r) for r in X}) == 4


def test_circles():
    X, y = datasets.circles(n=501, noise=0.0, factor=0.3, seed=1)
    assert X.shape == (501, 2) and y.shape == (501,)
    assert X.dtype == np.float64 and np.issubdtype(y.dtype, np.integer)
    np.testing.assert_array_equal(np.bincount(y), [250, 251])
    radius = np.linalg.norm(X, axis=1)
    np.testing.assert_allclose(radius[y == 0], 1.0)
    np.testing.assert_allclose(radius[y == 1], 0.3)
    assert len(np.unique(X.round(9), axis=0)) == 501  # no duplicated points
    Xn, yn = datasets.circles(seed=1)  # noise 0.05 per coordinate
    assert 0.02 < np.linalg.norm(Xn[yn == 0], axis=1).std() < 0.08
    assert (y[:50] == 0).any() and (y[:50] == 1).any()  # shuffled, not sorted by class


def test_moons():
    X, y = datasets.moons(n=400, noise=0.0, seed=2)
    assert X.shape == (400, 2) and y.shape == (400,)
    np.testing.assert_array_equal(np.bincount(y), [200, 200])
    np.testing.assert_allclose(np.linalg.norm(X[y == 0], axis=1), 1.0)
    np.testing.assert_allclose(np.linalg.norm(X[y == 1] - [1.0, 0.5], axis=1), 1.0)
    assert (X[y == 0, 1] >= -1e-12).all() and (X[y == 1, 1] <= 0.5 + 1e-12).all()
    a, b = datasets.moons(seed=7), datasets.moons(seed=7)
    np.testing.assert_array_equal(a[0], b[0])


def test_spirals():
    X, y = datasets.spirals(n_per_class=50, n_classes=4, noise=0.0, seed=0)
    assert X.shape == (200, 2) and y.shape == (200,)
    assert X.dtype == np.float64 and np.issubdtype(y.dtype, np.integer)
    np.testing.assert_array_equal(np.bincount(y), [50] * 4)
    assert np.linalg.norm(X, axis=1).max() <= 1 + 1e-12
    # noise-free points lie on their arm: radius r at angle 4 * (label + r)
    r = np.linalg.norm(X, axis=1)
    on = r > 1e-9
    angle = np.arctan2(X[on, 0], X[on, 1])
    off = np.angle(np.exp(1j * (angle - 4.0 * (y[on] + r[on]))))  # wrapped to (-pi, pi]
    np.testing.assert_allclose(off, 0.0, atol=1e-9)
    Xs, ys = datasets.spirals()
    assert Xs.shape == (300, 2) and set(np.unique(ys)) == {0, 1, 2}


def test_train_val_split():
    X = np.arange(40, dtype=float).reshape(20, 2)
    y = np.arange(20)
    X_tr, y_tr, X_val, y_val = datasets.train_val_split(X, y, val_fraction=0.25, seed=3)
    assert X_tr.shape == (15, 2) and X_val.shape == (5, 2) and y_tr.shape == (15,) and y_val.shape == (5,)
    np.testing.assert_array_equal(X_tr[:, 0] // 2, y_tr)  # rows stay together
    np.testing.assert_array_equal(X_val[:, 0] // 2, y_val)
    assert sorted(np.concatenate([y_tr, y_val]).tolist()) == list(range(20))
    assert not np.array_equal(y_tr, np.arange(15))  # shuffled
    again = datasets.train_val_split(X, y, val_fraction=0.25, seed=3)
    np.testing.assert_array_equal(again[3], y_val)
    Y = np.eye(20)[:, :3]
    _, Y_tr, _, Y_val = datasets.train_val_split(X, Y)
    assert Y_tr.shape == (18, 3) and Y_val.shape == (2, 3)
    with pytest.raises(ValueError, match="same number of rows"):
        datasets.train_val_split(X, y[:-1])
    with pytest.raises(ValueError, match="val_fraction"):
        datasets.train_val_split(X, y, val_fraction=1.0)


def test_invalid_arguments():
    with pytest.raises(ValueError):
        datasets.cubic(n=0)
    with pytest.raises(ValueError):
        datasets.cubic(noise=-1)
    with pytest.raises(ValueError):
        datasets.circles(factor=1.5)
    with pytest.raises(ValueError):
        datasets.spirals(n_classes=1)
