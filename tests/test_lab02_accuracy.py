"""Lab 02 accuracy targets of the reference solution, on real data.

* digits: the real MNIST test split: train on its first 8000 images, evaluate on the 2000
  held-out ones (>= 94 %). The MNIST *training* images are not needed, so the test runs where
  only the test split is at hand.
* Fashion-MNIST, full size: 60000 training images (10 % held out for validation, as in the
  notebook), 10000 test images (>= 87 %).

The data is found the one documented way (tests/real_data.py: ``$NNLAB_MNIST_DIR`` /
``$NNLAB_FASHION_MNIST_DIR``, Debian's Fashion-MNIST package, or the ``data/`` cache that
``make data`` fills). Without it a test is skipped with that command; under CI (``CI=true``,
set by .ci/run) it fails instead. Training uses the notebook's settings and runs
single-threaded BLAS when threadpoolctl is installed (pytest-xdist runs several workers on
few cores). Each test takes seconds.
"""
from __future__ import annotations

from contextlib import nullcontext

import numpy as np
import pytest
import real_data

from nnlab import mnist

LAB = "lab02-ffnn-mnist"
HIDDEN, LR, BATCH, EPOCHS, LR_DECAY = 128, 0.2, 64, 10, 0.8    # the notebook's section 4.1

pytestmark = pytest.mark.slow


def _one_thread():
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def _train(ns, X_tr, y_tr, X_val, y_val, epochs=EPOCHS):
    params = ns["init_params"](X_tr.shape[1], HIDDEN, 10, np.random.default_rng(0))
    with _one_thread():
        history = ns["fit"](params, X_tr, y_tr, X_val, y_val, epochs, LR, BATCH, seed=0, lr_decay=LR_DECAY)
    return params, history


def test_mnist_heldout_part_of_the_test_split(ns):
    folder = real_data.require("mnist", "test")
    images, labels = mnist.load("mnist", "test", data_dir=folder)
    X, y = ns["normalize"](images), labels.astype(np.int64)
    X_tr, y_tr, X_held, y_held = X[:8000], y[:8000], X[8000:], y[8000:]
    params, history = _train(ns, X_tr, y_tr, X_held, y_held)
    acc = ns["accuracy"](ns["forward"](params, X_held)[0], y_held)
    assert history["train_loss"].iloc[-1] < history["train_loss"].iloc[0]
    assert acc >= 0.94, f"MNIST held-out accuracy {acc:.4f} < 0.94"


def test_fashion_mnist_full_size(ns):
    train_dir, test_dir = real_data.require("fashion", "train"), real_data.require("fashion", "test")
    images, labels = mnist.load("fashion", "train", data_dir=train_dir)
    test_images, test_labels = mnist.load("fashion", "test", data_dir=test_dir)
    X, y = ns["normalize"](images), labels.astype(np.int64)
    order = np.random.default_rng(0).permutation(len(X))
    val, tr = order[:6000], order[6000:]
    params, history = _train(ns, X[tr], y[tr], X[val], y[val])
    acc = ns["accuracy"](ns["forward"](params, ns["normalize"](test_images))[0], test_labels.astype(np.int64))
    assert history["val_acc"].iloc[-1] >= 0.86
    assert acc >= 0.87, f"Fashion-MNIST test accuracy {acc:.4f} < 0.87"
