"""Small synthetic data sets for the labs: seeded, float64 inputs, documented shapes.

Every generator takes a ``seed`` and draws from its own ``numpy.random.default_rng(seed)``,
so the same call always returns the same data and never disturbs the global NumPy state.
Rows are samples: inputs are ``(N, features)``.

* :func:`cubic`: 1-D regression, ``y = x**3 + noise`` (Lab 01).
* :func:`xor`: the four XOR points (a single linear layer cannot fit them).
* :func:`circles`, :func:`moons`, :func:`spirals`: 2-D classification sets whose decision
  boundaries are visibly non-linear (plot them with :func:`nnlab.plotting.plot_decision_boundary`).
* :func:`train_val_split`: a seeded random split into training and validation sets.
"""
from __future__ import annotations

import numpy as np

__all__ = ["cubic", "xor", "circles", "moons", "spirals", "train_val_split"]


def _check_count(name: str, n: int, minimum: int = 1) -> int:
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)) or n < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {n!r}")
    return int(n)


def _check_noise(noise: float) -> float:
    noise = float(noise)
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(f"noise must be a finite number >= 0, got {noise!r}")
    return noise


def cubic(n: int = 300, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Noisy cubic regression data.

    ``x`` is drawn uniformly on ``[-2, 2]`` (unsorted) and ``y = x**3 + e`` with
    ``e ~ N(0, noise**2)``.

    Returns:
        x: ``(n, 1)`` float64 inputs.
        y: ``(n, 1)`` float64 targets.
    """
    n = _check_count("n", n)
    noise = _check_noise(noise)
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2.0, 2.0, size=(n, 1))
    y = x ** 3 + noise * rng.standard_normal((n, 1))
    return x, y


def xor() -> tuple[np.ndarray, np.ndarray]:
    """The XOR truth table.

    Returns:
        X: ``(4, 2)`` float64, the points (0,0), (0,1), (1,0), (1,1).
        y: ``(4, 1)`` float64 in {0, 1}: 1 when exactly one input is 1.
    """
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([[0.0], [1.0], [1.0], [0.0]])
    return X, y


def circles(n: int = 500, noise: float = 0.05, factor: float = 0.5,
            seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two concentric circles: class 0 on the unit circle, class 1 on radius ``factor``.

    Points are evenly spread in angle, jittered by Gaussian noise of std ``noise`` on each
    coordinate, then shuffled. Class 0 gets ``n // 2`` points, class 1 the rest.

    Returns:
        X: ``(n, 2)`` float64 points.
        y: ``(n,)`` int64 labels in {0, 1}.
    """
    n = _check_count("n", n, minimum=2)
    noise = _check_noise(noise)
    if not 0 < factor < 1:
        raise ValueError(f"factor (inner radius / outer radius) must be in (0, 1), got {factor!r}")
    rng = np.random.default_rng(seed)
    n_out = n // 2
    n_in = n - n_out
    # endpoint=False so that angle 0 and 2*pi do not put two points on the same spot
    t_out = np.linspace(0.0, 2 * np.pi, n_out, endpoint=False)
    t_in = np.linspace(0.0, 2 * np.pi, n_in, endpoint=False)
    X = np.concatenate([np.c_[np.cos(t_out), np.sin(t_out)],
                        factor * np.c_[np.cos(t_in), np.sin(t_in)]])
    y = np.concatenate([np.zeros(n_out, dtype=np.int64), np.ones(n_in, dtype=np.int64)])
    X = X + noise * rng.standard_normal(X.shape)
    order = rng.permutation(n)
    return X[order], y[order]


def moons(n: int = 500, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles ("moons").

    Class 0 is the upper half of the unit circle, class 1 the lower half shifted by
    ``(1, 0.5)`` (so the two interlock); Gaussian noise of std ``noise`` is added to every
    coordinate and the points are shuffled. Class 0 gets ``n // 2`` points, class 1 the rest.

    Returns:
        X: ``(n, 2)`` float64 points (roughly within x in [-1, 2], y in [-0.5, 1]).
        y: ``(n,)`` int64 labels in {0, 1}.
    """
    n = _check_count("n", n, minimum=2)
    noise = _check_noise(noise)
    rng = np.random.default_rng(seed)
    n_a = n // 2
    n_b = n - n_a
    t_a = np.linspace(0.0, np.pi, n_a)
    t_b = np.linspace(0.0, np.pi, n_b)
    X = np.concatenate([np.c_[np.cos(t_a), np.sin(t_a)],
                        np.c_[1.0 - np.cos(t_b), 0.5 - np.sin(t_b)]])
    y = np.concatenate([np.zeros(n_a, dtype=np.int64), np.ones(n_b, dtype=np.int64)])
    X = X + noise * rng.standard_normal(X.shape)
    order = rng.permutation(n)
    return X[order], y[order]


def spirals(n_per_class: int = 100, n_classes: int = 3, noise: float = 0.2,
            seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved spiral arms, one per class (the classic CS231n toy problem).

    Arm ``k`` has radius growing linearly from 0 to 1 while its angle sweeps 4 radians from
    ``4k``; ``noise`` is the std of Gaussian noise added to the *angle*. Shuffled.

    Returns:
        X: ``(n_per_class * n_classes, 2)`` float64 points inside the unit disc (up to noise).
        y: ``(n_per_class * n_classes,)`` int64 labels in ``{0, ..., n_classes - 1}``.
    """
    n_per_class = _check_count("n_per_class", n_per_class)
    n_classes = _check_count("n_classes", n_classes, minimum=2)
    noise = _check_noise(noise)
    rng = np.random.default_rng(seed)
    r = np.linspace(0.0, 1.0, n_per_class)
    X = np.empty((n_per_class * n_classes, 2))
    y = np.repeat(np.arange(n_classes, dtype=np.int64), n_per_class)
    for k in range(n_classes):
        t = np.linspace(4.0 * k, 4.0 * (k + 1), n_per_class) + noise * rng.standard_normal(n_per_class)
        X[k * n_per_class:(k + 1) * n_per_class] = np.c_[r * np.sin(t), r * np.cos(t)]
    order = rng.permutation(len(y))
    return X[order], y[order]


def train_val_split(X: np.ndarray, y: np.ndarray, val_fraction: float = 0.1,
                    seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Randomly split samples (rows) into a training and a validation set.

    Args:
        X: ``(N, ...)`` inputs; y: ``(N, ...)`` targets (labels ``(N,)`` or ``(N, k)``).
        val_fraction: share of the samples that goes to validation, in ``[0, 1)``;
            the validation set has ``round(N * val_fraction)`` samples.
        seed: seed of the shuffle.

    Returns:
        ``(X_tr, y_tr, X_val, y_val)``: copies (fancy indexing), rows kept together, the
        two sets disjoint and together holding every sample exactly once.
    """
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim == 0 or y.ndim == 0 or len(X) != len(y):
        raise ValueError(f"X and y must have the same number of rows, got shapes {X.shape} and {y.shape}")
    if not 0 <= val_fraction < 1:
        raise ValueError(f"val_fraction must be in [0, 1), got {val_fraction!r}")
    n = len(X)
    n_val = int(round(n * val_fraction))
    order = np.random.default_rng(seed).permutation(n)
    val, tr = order[:n_val], order[n_val:]
    return X[tr], y[tr], X[val], y[val]
