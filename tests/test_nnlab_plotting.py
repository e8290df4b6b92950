"""nnlab.plotting draws what it says (Agg backend, no display)."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PathCollection
from matplotlib.image import AxesImage

from nnlab import plotting


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_plot_curves_from_dict():
    ax = plotting.plot_curves({"train": [3.0, 2.0, 1.5], "val": np.array([3.5, 2.5, 2.0, 1.9])}, logy=True)
    lines = ax.get_lines()
    assert len(lines) == 2
    assert [l.get_label() for l in lines] == ["train", "val"]
    np.testing.assert_array_equal(lines[1].get_xdata(), [0, 1, 2, 3])
    np.testing.assert_array_equal(lines[1].get_ydata(), [3.5, 2.5, 2.0, 1.9])
    assert ax.get_yscale() == "log"
    assert ax.get_xlabel() == "epoch" and ax.get_ylabel() == "loss"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["train", "val"]


def test_plot_curves_from_dataframe_into_given_axes():
    fig, (left, right) = plt.subplots(1, 2)
    df = pd.DataFrame({"acc": [0.5, 0.7, 0.8], "val_acc": [0.4, 0.6, 0.7]}, index=[10, 20, 30])
    ax = plotting.plot_curves(df, ax=right, xlabel="step", ylabel="accuracy")
    assert ax is right and len(left.get_lines()) == 0
    assert len(right.get_lines()) == 2
    np.testing.assert_array_equal(right.get_lines()[0].get_xdata(), [10, 20, 30])
    assert right.get_yscale() == "linear" and right.get_xlabel() == "step"
    series = pd.Series([1.0, 0.5], index=[5, 9])
    np.testing.assert_array_equal(plotting.plot_curves({"s": series}).get_lines()[0].get_xdata(), [5, 9])
    with pytest.raises(ValueError):
        plotting.plot_curves({})


def test_decision_boundary_with_labels():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (60, 2))
    y = (X[:, 0] > 0).astype(int)
    calls = []

    def predict(P):
        calls.append(P.shape)
        return (P[:, 0] > 0).astype(int)

    ax = plotting.plot_decision_boundary(predict, X, y, resolution=50)
    assert calls == [(2500, 2)]  # one call on the whole grid
    scatters = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert len(scatters) == 2  # one per class
    assert sum(len(s.get_offsets()) for s in scatters) == 60
    # the grid covers the data with a margin
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    assert x0 < X[:, 0].min() and x1 > X[:, 0].max() and y0 < X[:, 1].min() and y1 > X[:, 1].max()
    filled = [c for c in ax.collections if not isinstance(c, PathCollection)]
    assert filled, "the predicted regions are drawn"


def test_decision_boundary_with_scores_draws_the_decision_line():
    X = np.array([[-1.0, -1.0], [1.0, 1.0], [-1.0, 1.0], [1.0, -1.0]])
    y = np.array([0, 1, 0, 1])
    probs = lambda P: 1 / (1 + np.exp(-3 * P[:, :1]))  # (M, 1) probabilities
    ax = plotting.plot_decision_boundary(probs, X, y, resolution=40)
    line_sets = [c for c in ax.collections if hasattr(c, "levels") and not c.filled]
    assert len(line_sets) == 1 and list(line_sets[0].levels) == [0.5]
    # the 0.5 contour of sigmoid(3 x) is the vertical line x = 0
    vertices = np.concatenate([p.vertices for p in line_sets[0].get_paths() if len(p.vertices)])
    np.testing.assert_allclose(vertices[:, 0], 0.0, atol=1e-9)
    logits = plotting.plot_decision_boundary(lambda P: 3 * P[:, 0] - 0.5, X, y, resolution=40)
    assert [list(c.levels) for c in logits.collections if hasattr(c, "levels") and not c.filled] == [[0.0]]
    with pytest.raises(ValueError, match="predict must return"):
        plotting.plot_decision_boundary(lambda P: P, X, y)


def test_image_grid():
    images = np.random.default_rng(0).integers(0, 256, (10, 28, 28), dtype=np.uint8)
    fig = plotting.image_grid(images, titles=[f"#{i}" for i in range(10)], ncols=4)
    assert len(fig.axes) == 12  # 3 rows x 4 columns
    shown = [ax for ax in fig.axes if ax.images]
    assert len(shown) == 10
    np.testing.assert_array_equal(shown[3].images[0].get_array(), images[3])
    assert shown[3].get_title() == "#3"
    assert not any(ax.axison for ax in fig.axes)
    fig2 = plotting.image_grid(images[:3].reshape(3, 784))
    assert len([ax for ax in fig2.axes if ax.images]) == 3 and len(fig2.axes) == 3
    with pytest.raises(ValueError, match="titles"):
        plotting.image_grid(images, titles=["a"])


def test_plot_confusion():
    cm = np.array([[5, 1, 0], [2, 7, 1], [0, 0, 9]])
    ax = plotting.plot_confusion(cm, ["a", "b", "c"])
    images = [a for a in ax.get_children() if isinstance(a, AxesImage)]
    assert len(images) == 1
    np.testing.assert_array_equal(images[0].get_array(), cm)
    texts = [t.get_text() for t in ax.texts]
    assert len(texts) == 9 and texts[:3] == ["5", "1", "0"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
    assert ax.get_xlabel() == "predicted" and ax.get_ylabel() == "true"
    rates = plotting.plot_confusion(cm / cm.sum(axis=1, keepdims=True), ["a", "b", "c"])
    assert rates.texts[0].get_text() == "0.83"
    with pytest.raises(ValueError):
        plotting.plot_confusion(cm, ["a", "b"])
