"""Plots the labs keep needing: learning curves, decision boundaries, image grids, confusion matrices,
and the one matplotlib style of the course.

Functions that draw into one set of axes take ``ax=None`` (a new figure is created when
omitted) and return the ``Axes``; :func:`image_grid` returns the ``Figure``. Pass either to
:func:`nnlab.report.save_figure`.

Importing this module applies :data:`STYLE` (:func:`use_style`): every lab imports it, so every
figure of the course has the same fonts. Figures are meant to be drawn at the size they are printed
at in the report, at most :data:`PRINT_WIDTH` inches wide; :func:`nnlab.report.save_figure` shrinks a
wider figure to that width (text keeps its size in points), so a font of 9 pt is 9 pt in the PDF.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

import numpy as np

__all__ = ["plot_curves", "plot_decision_boundary", "image_grid", "plot_confusion", "use_style", "STYLE",
           "PRINT_WIDTH"]

#: Widest figure of the report, in inches (the text width of an A4 page with 2.5 cm margins is 6.3 in).
PRINT_WIDTH = 6.2

#: The course's matplotlib style: sizes in points, for figures printed at their own size.
STYLE = {
    "figure.figsize": (5.0, 3.3),
    "figure.dpi": 100,
    "font.size": 9,
    "axes.titlesize": 9.5,
    "axes.labelsize": 9,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 8,
    "legend.title_fontsize": 8,
    "figure.titlesize": 10,
    "lines.linewidth": 1.4,
    "lines.markersize": 4,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "legend.framealpha": 0.85,
    "pdf.fonttype": 42,
}


def use_style() -> None:
    """Apply :data:`STYLE` to matplotlib (done once when this module is imported)."""
    import matplotlib
    matplotlib.rcParams.update(STYLE)


def _axes(ax, figsize=(6, 4)):
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt
    _, ax = plt.subplots(figsize=figsize)
    return ax


def plot_curves(curves, ax=None, logy: bool = False, xlabel: str = "epoch", ylabel: str = "loss"):
    """One line per curve, e.g. training and validation loss per epoch.

    Args:
        curves: ``{label: sequence of values}`` (x = 0, 1, 2, ...; a ``pandas.Series`` uses its
            index) or a ``pandas.DataFrame`` (one line per column, x = the index).
        ax: axes to draw into (a new figure when ``None``).
        logy: logarithmic y axis (losses often span decades).

    Returns:
        The ``Axes``, with a legend.
    """
    import pandas as pd

    ax = _axes(ax)
    if isinstance(curves, pd.DataFrame):
        items = [(str(col), curves[col]) for col in curves.columns]
    elif isinstance(curves, Mapping):
        items = list(curves.items())
    else:
        raise TypeError(f"curves must be a dict of label -> values or a DataFrame, got {type(curves).__name__}")
    if not items:
        raise ValueError("curves is empty: nothing to plot")
    for label, values in items:
        if isinstance(values, pd.Series):
            x, y = np.asarray(values.index), np.asarray(values, dtype=float)
        else:
            y = np.asarray(values, dtype=float).reshape(-1)
            x = np.arange(len(y))
        ax.plot(x, y, label=str(label), marker="." if len(y) <= 30 else None)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, alpha=0.3)
    ax.legend()
    return ax


def _class_colors(n: int):
    import matplotlib.pyplot as plt
    cmap = plt.get_cmap("tab10" if n <= 10 else "tab20")
    return [cmap(i % cmap.N) for i in range(n)]


def plot_decision_boundary(predict: Callable[[np.ndarray], np.ndarray], X: np.ndarray, y: np.ndarray,
                           ax=None, resolution: int = 200):
    """Colour the plane by the model's prediction and scatter the data on top.

    Args:
        predict: maps ``(M, 2)`` float64 points to ``(M,)`` class labels (integers) or scores
            (floats). Scores are drawn as shades with the decision line at 0.5 when they lie in
            [0, 1] (probabilities), else at 0 (logits). ``(M, 1)`` outputs are accepted.
        X: ``(N, 2)`` data points; y: ``(N,)`` integer labels (``(N, 1)`` accepted).
        resolution: grid points per axis (``resolution**2`` predictions in one call).

    Returns:
        The ``Axes``.
    """
    from matplotlib.colors import ListedColormap

    X = np.asarray(X, dtype=np.float64)
    labels = np.asarray(y).reshape(-1)
    if X.ndim != 2 or X.shape[1] != 2 or len(X) != len(labels):
        raise ValueError(f"X must be (N, 2) and y (N,), got {X.shape} and {np.shape(y)}")
    ax = _axes(ax, figsize=(5, 5))
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = 0.1 * np.maximum(hi - lo, 1e-9)
    gx = np.linspace(lo[0] - pad[0], hi[0] + pad[0], resolution)
    gy = np.linspace(lo[1] - pad[1], hi[1] + pad[1], resolution)
    xx, yy = np.meshgrid(gx, gy)
    grid = np.c_[xx.ravel(), yy.ravel()]
    z = np.asarray(predict(grid))
    if z.shape not in ((len(grid),), (len(grid), 1)):
        raise ValueError(f"predict must return ({len(grid)},) labels or scores for a ({len(grid)}, 2) "
                         f"input, got shape {z.shape}")
    z = z.reshape(xx.shape)
    classes = np.unique(labels).astype(int)
    is_labels = z.dtype.kind in "biu" or bool(np.all(np.isfinite(z)) and np.all(z == np.round(z)))
    n_colors = int(max(classes.max(initial=0), z.max() if is_labels else 1)) + 1
    colors = _class_colors(n_colors)
    if is_labels:
        levels = np.arange(n_colors + 1) - 0.5
        ax.contourf(xx, yy, z, levels=levels, cmap=ListedColormap(colors), alpha=0.3)
    else:
        threshold = 0.5 if z.min() >= 0 and z.max() <= 1 else 0.0
        ax.contourf(xx, yy, z, levels=20, cmap="RdBu_r", alpha=0.4)
        if z.min() < threshold < z.max():
            ax.contour(xx, yy, z, levels=[threshold], colors="k", linewidths=1.5)
    for c in classes:
        mask = labels == c
        ax.scatter(X[mask, 0], X[mask, 1], s=15, color=colors[c], edgecolors="k", linewidths=0.4,
                   label=f"class {c}")
    ax.set_xlim(gx[0], gx[-1])
    ax.set_ylim(gy[0], gy[-1])
    ax.set_aspect("equal", adjustable="box")
    ax.legend(loc="best", fontsize="small")
    return ax


def image_grid(images: np.ndarray, titles: Sequence[str] | None = None, ncols: int = 8):
    """Show images (e.g. MNIST digits) in a grid, grey levels, no axes.

    Args:
        images: ``(K, 28, 28)`` (or ``(K, H, W)``; flat ``(K, H*W)`` square images are reshaped).
        titles: ``K`` strings shown above the images (e.g. predicted / true labels).
        ncols: images per row.

    Returns:
        The ``Figure`` (``ceil(K / ncols)`` rows; unused cells are hidden).
    """
    import matplotlib.pyplot as plt

    images = np.asarray(images)
    if images.ndim == 2:
        side = math.isqrt(images.shape[1])
        if side * side != images.shape[1]:
            raise ValueError(f"flat images must be square (H*W = side**2), got {images.shape[1]} pixels")
        images = images.reshape(len(images), side, side)
    if images.ndim != 3 or len(images) == 0:
        raise ValueError(f"images must be (K, H, W) with K >= 1, got shape {images.shape}")
    if titles is not None and len(titles) != len(images):
        raise ValueError(f"{len(titles)} titles for {len(images)} images")
    k = len(images)
    ncols = max(1, min(ncols, k))
    nrows = math.ceil(k / ncols)
    side = min(1.3, PRINT_WIDTH / ncols)          # the grid fits the printed width
    fig, axes = plt.subplots(nrows, ncols, figsize=(side * ncols, (side + 0.25) * nrows), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if i < k:
            ax.imshow(images[i], cmap="gray_r", interpolation="nearest")
            if titles is not None:
                ax.set_title(str(titles[i]), fontsize=7)
    fig.tight_layout()
    return fig


def plot_confusion(cm: np.ndarray, class_names: Sequence[str], ax=None):
    """Confusion matrix as a heat map with the value written in each cell.

    Args:
        cm: ``(C, C)`` counts (or rates), rows = true class, columns = predicted class.
        class_names: ``C`` names for the ticks (e.g. ``nnlab.mnist.CLASS_NAMES[kind]``).

    Returns:
        The ``Axes``.
    """
    cm = np.asarray(cm)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1] or cm.shape[0] != len(class_names):
        raise ValueError(f"cm must be (C, C) with C = len(class_names) = {len(class_names)}, got {cm.shape}")
    ax = _axes(ax, figsize=(6, 5))
    image = ax.imshow(cm, cmap="Blues")
    ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    integral = cm.dtype.kind in "biu" or bool(np.all(cm == np.round(cm)))
    vmax = float(cm.max()) if cm.size else 0.0
    for (i, j), value in np.ndenumerate(cm):
        text = f"{int(value)}" if integral else f"{value:.2f}"
        ax.text(j, i, text, ha="center", va="center", fontsize=7,
                color="white" if value > 0.5 * vmax else "black")
    ticks = np.arange(len(class_names))
    ax.set_xticks(ticks, [str(c) for c in class_names], rotation=45, ha="right")
    ax.set_yticks(ticks, [str(c) for c in class_names])
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    return ax


use_style()
