"""Hidden checks of Lab 02 (feed-forward network on MNIST, NumPy).

One function per graded behaviour; each takes the student's function(s) and raises
:class:`core.CheckFailure` with a message naming the likely mistake.  The oracles here are
written independently of the solution: loops or einsum instead of broadcasting, explicit
log-sum-exp in float64, and centred finite differences for every gradient.

One mistake, one deduction: ``backward`` is judged on a reference cache ``(X, Z1, A1)`` (the
format the forward docstring fixes), never on the student's forward; ``train_epoch`` and
``fit`` receive the student's helpers and are judged *relative to them*: a replay of the epoch
with the student's own forward, loss, backward and update (or with the reference ones) must
give what the student's loop gave, so a wrong helper costs its own cell only.

Beside the oracle every check verifies the specification's properties: sizes N, D, C and the
hidden width pairwise different and != 1, a batch of one and odd batches, float32 and float64
inputs, inputs never modified, every sample once per epoch in a permutation drawn from the
generator passed in, (x, y) pairs intact, the last partial batch kept, updates that reach the
caller's parameters.  Tolerances follow the answer's dtype and the conditioning (logits of
+-1000 in float32 carry a relative error of about 1000 * eps).
"""
from __future__ import annotations

import inspect
import re
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from . import core, isolate
from .cases import (
    SHAPE_HINT,
    call,
    diagnose_only,
    explain_batches,
    explain_elementwise,
    explain_factor,
    explain_missing,
    explain_redrawn,
    explain_slices,
    run_cases,
    same,
    same_batches_every_epoch,
    signature,
    tolerance,
)
from .core import expect_array, expect_close, expect_scalar, fail

# Original references, as in core (a submission may rebind numpy names).
_array_equal = np.array_equal
_float64 = np.float64

# Shape hints per function (SHAPE_HINT speaks of W and transposes: for the layers only).
ONE_HOT_HINT = "a shape mismatch: the one-hot matrix is (N, num_classes), Y[np.arange(N), y] = 1"
CE_HINT = ("a shape mismatch: logits are (N, C) and y is (N,); a per-sample quantity is a reduction over axis 1 "
           "(keepdims=True where it meets the (N, C) logits) and the true-class logits are logits[np.arange(N), y]")
INIT_HINT = "a shape mismatch: W1 is (n_in, n_hidden), b1 (1, n_hidden), W2 (n_hidden, n_out), b2 (1, n_out)"
SGD_UPDATE_HINT = ("a shape mismatch: params[k] and grads[k] have the same shape for every key k; each parameter "
                   "is updated with the gradient of the same key")
MINIBATCH_HINT = "a shape mismatch: X is (N, d) and y is (N,); index both with the same array of row indices"
PRF_HINT = ("a shape mismatch: cm is (C, C) and each result has one value per class, (C,): the predicted counts "
            "sum cm over axis 0, the actual counts over axis 1")

#: What each check verifies beside the oracle (graded function x property), for reports.
PROPERTIES = {
    "normalize": ("oracle", "float32 output", "H != W", "batch 1", "input not modified",
                  "a dark batch (max < 255): scaled by 255, not by images.max()",
                  "a standardisation on top of x / 255 named (mean, std)",
                  "a divisor computed from the images named", "per-pixel standardisation named",
                  "each image scaled by its own range or maximum named", "pixels binarised at 128 named"),
    "one_hot": ("oracle", "N != C", "batch 1", "absent classes", "int32 labels", "default num_classes",
                "a (C, N) matrix reshaped to (N, C) named",
                "input not modified", "one 1 in every row", "float32 dtype",
                "an extra axis of length 1 (labels as a column) named",
                "a constant off-label value named", "one column too many or too few named"),
    "softmax": ("oracle", "N != C", "batch 1", "odd batch", "logits of +-1000 (float64, float32)",
                "rows on different scales", "float32", "input not modified", "dtype/conditioning tolerance",
                "shift invariance (diagnosis)", "rows sum to 1 (diagnosis)",
                "a row from -1000 to +1000 (shift by the max, not the mean)",
                "per-sample values laid out as a row (or (N,)) named, with both causes",
                "a shift larger than the row maximum (max of |z|) told from a global one by a lone row near -1000",
                "look-alike sigmoid named", "each row's order kept (increasing in each logit)"),
    "cross_entropy": ("oracle", "N != C", "batch 1", "float32", "int32 labels", "margin-1000 logits",
                      "uniform logits = ln C", "inputs not modified", "depends on the labels (diagnosis)",
                      "shift invariance (diagnosis)", "rows on very different scales (rows independent)",
                      "rows alone vs the batch (rows independent) named", "label smoothing (eps = 0.1) named",
                      "a size not taken from the arguments (one_hot's default 10) named",
                      "one term averaged and the other summed named",
                      "ordinary shapes reported first",
                      "axis roles in exceptions named (reduction over axis 0, index arrays of length C)",
                      "the log taken before the row sum named",
                      "the normaliser missing or replaced by the row max named"),
    "softmax_cross_entropy_backward": ("oracle", "finite differences of the reference loss", "N != C",
                                       "batch 1", "float32", "input not modified", "rows sum to 0 (diagnosis)", "the one-hot of the argmax named",
                                       "precedence (only one term divided by N) named",
                                       "one_hot's own crash not charged",
                                       "a factor named with N and C (ordinary shapes first)",
                                       "one_hot's wrong shape not charged", "a label used as a row index named",
                                       "a one-hot sized by y.max() + 1 named",
                                       "label entries and the other entries compared apart (which part is wrong)"),
    "init_params": ("shapes", "float32", "zero biases", "He scale for W1, LeCun for W2 (the rule used named)",
                    "centred", "drawn from the rng",
                    "a zero scale (integer division) confirmed at fan-in 2 named",
                    "an uncentred draw read on two sizes (std given as the mean; all >= 0) named"),
    "forward": ("oracle", "cache (X, Z1, A1)", "pairwise-different sizes", "batch 1", "odd batch", "float32",
                "inputs not modified", "batch axis reduced named",
                "the same call twice (random numbers named)", "logits from Z1 beside a right cache named",
               "the input a wrong answer comes from (isolate)",
                "a hidden activation other than ReLU explained as a function of Z1",
                "logits shifted by the row maximum or mean named",
                "a transposed cache item (column-per-sample convention) named by its shape",
                "float64 kept in the cache (X cast to float32 named)",
                "rows independent: forward(X[:1]) is row 0 of forward(X) (samples mixed named)"),
    "backward": ("oracle", "finite differences", "reference cache", "pairwise-different sizes", "batch 1",
                 "dA1 through pinv(W2) or W2 untransposed named (read back from dW1)",
                 "float32", "inputs not modified (params, cache, dlogits)", "mask applied after X.T @ dA1 named",
                 "a comparison's booleans used as the mask named",
                "the input a wrong answer comes from (isolate)",
                 "one weight written for another and an extra c * W term measured (isolate)",
                 "gradients stored under each other's keys named (ordinary shapes first)",
                 "a bias gradient summed over the units (one value per sample) named",
                 "np.outer of the batch (shape (N*rows, N*cols)) named",
                 "the batch gradient is the sum of per-sample gradients (samples mixed named)"),
    "sgd_update": ("exact step", "update reaches the caller's dict", "returns params", "grads not modified",
                   "float32 and float64 kept (any dtype change named)", "a step rounded to float16 named",
                   "grads matched by name (keys in another order)",
                   "every key updated (the ones left named)",
                   "step independent of params and of other entries (re-run probes)",
                   "step proportional to the gradient (doubled-gradient probe)", "a constant factor on the step named",
                   "an array of a shape no argument has (state kept between calls) named",
                   "a key no dict argument has named with the keys",
                   "gradients of norm about 100 (a norm clip or normalisation named)"),
    "accuracy": ("oracle", "N == C and N != C", "batch 1", "float32 scores", "int32 labels",
                 "scores favouring the label give 1, never the label 0 (diagnosis)", "a top-2 count named (probe)",
                 "max compared instead of argmax (second probe)", "error rate (1 - accuracy) named (second probe)",
                 "smallest score taken (second probe)", "a 0.5 threshold on the true-class score (second probe)",
                 "ordinary shapes reported first",
                 "a mean of per-class accuracies named", "C > 10 (a class count written into the code named)",
                 "y.argmax() of integer labels confirmed by a probe",
                 "an entry-wise match of one-hot rows (1 - 2 (1 - acc) / C) named"),
    "iterate_minibatches": ("every sample once", "last partial batch kept", "no empty batch", "(X, y) pairs",
                            "a batch's labels in another order than its rows named (sorted indices)",
                            "permutation drawn from the rng", "reproducible from the seed", "batch size 1",
                            "batch larger than N", "N rows, not the columns, shuffled", "overlapping batches named",
                            "batch_size batches instead of batches of batch_size named",
                            "X or y batches sharing one refilled buffer named",
                            "batches located as slices of the shuffled order", "an index range one short named",
                            "a single batch (yield after the loop) named", "order inside one batch not judged",
                            "batches not fixed blocks of the original order",
                            "blocks of consecutive samples whose order is shuffled named",
                            "a permutation drawn per batch confirmed by a replay",
                            "repeats in batches of the wrong sizes told by the sizes (a padded last batch named)",
                            "an order built from the label values told by y = arange(N)",
                            "batches by reshape / equal split / N // batch_size equal pieces named",
                            "the dtypes of X and y kept (labels stay integers)"),
    "train_epoch": ("replay with the student's helpers or the reference", "params updated", "weighted loss",
                    "weighted accuracy", "measured before the update", "loss on the logits", "lr not rescaled",
                    "(loss, accuracy) order", "batch size 1", "float32",
                    "a tiny lr barely moves params (diagnosis)",
                    "labels already fitted (losses near 0): an epoch stopping on a small loss named (confirmed with "
                    "labels the network gets wrong)",
                    "loss / accuracy of the whole X at every batch named (confirmed by a second batch size)",
                    "the batch's labels in the loss gradient (diagnosis)",
                    "a helper breaking its return contract not charged", "sgd_update's wrong return value not charged",
                    "a missing 1/N in the loss gradient named",
                    "loss weighted by the nominal batch_size named",
                    "forward on the whole X and probabilities given to backward confirmed by a replay",
                    "total divided by the last batch's size named", "batch_size ignored (one full batch) named",
                    "accuracy measured after the update named",
                    "batches not given as arrays by iterate_minibatches not charged",
                    "batches weighted by the feature count xb.shape[1] named",
                    "accuracy weighted by the nominal batch_size named",
                    "the last batch's lr scaled by len(xb) / batch_size named", "accuracy of the hidden layer named",
                    "two updates per batch confirmed by a replay",
                    "judged with the reference iterate_minibatches lent when the student's breaks its contract",
                    "judged with the reference forward lent when the student's is not deterministic, and with the "
                    "reference sgd_update when the student's keeps state (no longer excused)",
                    "one sgd_update per batch (counted with a lent sgd_update)"),
    "fit": ("judged with the reference forward lent when the student's is not deterministic",
            "no validation leak", "lr schedule", "generator created once", "reproducible from the seed",
            "every epoch run on labels already fitted (a stop on a small loss named)",
            "history format", "history values", "relative to the student's train_epoch",
            "validation measured after the epoch", "validation figures against training labels named",
            "geometric schedule over 3 epochs",
            "schedule judged against a replay of the student's train_epoch",
            "a divergence of the student's train_epoch not charged",
            "train_loss and train_acc as the student's train_epoch returned them (swap named)",
            "val_loss on softmax(logits) named",
            "3 epochs replayed with the student's train_epoch (a compounded decay named)",
            "each column holds its own quantity (mislabelled columns named)",
            "one history row per epoch (a loop one epoch short named)",
            "early stopping confirmed by a run with more epochs",
            "the training generator feeds train_epoch only (extra draws in fit confirmed by a replay)"),
    "confusion_matrix": ("oracle", "duplicates counted", "absent classes", "batch 1", "inputs not modified",
                         "integer dtype", "counts above 255 (a too narrow integer dtype named)",
                         "bins from the labels present (histogram2d without range) named",
                         "first or last sample not counted named",
                         "(y_true, y_true) or (y_pred, y_pred) index pair named",
                         "only the first k samples counted named"),
    "precision_recall_f1": ("oracle", "0/0 defined as 0", "inputs not modified", "a wrong denominator named",
                            "the trace as every class's numerator named",
                            "a row or column max as true positives named (confirmed on a second matrix)", "f1 from macro averages named",
                            "f1 dividing by a zero ratio named (tp = 0 probe)",
                            "f1 = 2PR / (P + R) of the student's own P and R (the denominator used named)",
                            "false positives or negatives as the denominator named",
                            "the unguarded ratio of a 0/0 told apart (empty-column and empty-row probes)",
                            "other means (geometric, IoU, min, max, no factor 2) named",
                            "a constant added to the denominator named (from the implied denominators)"),
}


# ---------------------------------------------------------------------------------------------
# Oracles (float64, independent formulations)
# ---------------------------------------------------------------------------------------------

def _floored(got):
    """The answer's dtype for cases.tolerance, float16 floored at float32 (as core.dtype_tolerance does): no
    function of this lab asks for less than float32, so a float16 answer fails and core.expect_close names it
    ("right only to float16 precision") instead of passing under a float16 tolerance."""
    dtype = np.asarray(got).dtype
    return np.float32 if dtype.kind == "f" and dtype.itemsize < 4 else dtype


def _low_precision(got, want, name: str) -> None:
    """A float16 answer right to float16's precision is named as such BEFORE any property is read from its
    rounded values (rows summing to 0 or 1 only to about 3 digits would be blamed on the formula)."""
    dtype = np.asarray(got).dtype
    if dtype.kind != "f" or dtype.itemsize >= 4 or np.shape(got) != np.shape(want):
        return
    eps = float(np.finfo(dtype).eps)
    w = np.asarray(want, dtype=_float64)
    scale = float(np.abs(w).max()) if w.size else 1.0
    if not core.close(got, w, 256 * 1.2e-7, 64 * 1.2e-7 * max(scale, 1.0)) and \
            core.close(got, w, 256 * eps, 64 * eps * max(scale, 1.0)):
        fail(f"{name} is right only to {dtype} precision (about {int(-np.log10(eps))} decimal digits): the result, "
             f"or an array it is computed from, was cast to {dtype}; keep float32 or float64", "low-precision-dtype")


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


def _lent_forward(params, X):
    """forward as documented (lent to train_epoch and fit when the student's answers the same call differently):
    (logits, (X, Z1, A1)) in the dtype of the data."""
    Z1 = X @ params["W1"] + params["b1"]
    A1 = np.maximum(Z1, 0)
    return A1 @ params["W2"] + params["b2"], (X, Z1, A1)


def _forward_random(forward) -> str | None:
    """Property of every graded function of lab02: the same call gives the same result.  Two calls of the
    student's forward on copies of the same (params, X): what differs, in words, or None (same, or a crash:
    judged in forward's own cell).  Asked only after a failure."""
    g = np.random.default_rng(17)
    p = _random_params(g, 6, 16, 4)
    X = g.normal(0, 1, (9, 6))
    outs = []
    for _ in range(2):
        try:
            with core.numerics("forward"):
                out = forward(_copy_params(p), X.copy())
            outs.append(np.array(out[0], dtype=_float64))
        except Exception:
            return None
    if outs[0].shape == outs[1].shape and np.array_equal(outs[0], outs[1], equal_nan=True):
        return None
    bad = int(np.sum(outs[0] != outs[1])) if outs[0].shape == outs[1].shape else outs[0].size
    return (f"returns different logits on two calls with the same params and X (of shape {X.shape}, "
            f"{bad} of {outs[0].size} entries differ)")


def _probe_grads(p, X, G, *, mask="z>0", db="sum", scale=1.0, dW2_from="A1", db1_from="dZ1", W2T=True):
    """Analytic gradients of sum(G * logits(p, X)) (G plays dlogits), with optional mistakes."""
    _, Z1, A1 = _forward(p, X)
    G = np.asarray(G, _float64) * scale
    W2 = np.asarray(p["W2"], _float64)
    dW2 = np.einsum("nh,no->ho", {"A1": A1, "Z1": Z1}[dW2_from], G)
    dA1 = np.einsum("no,ho->nh", G, W2) if W2T else G @ W2
    m = ((Z1 > 0).mean(axis=0, keepdims=True) if mask == "batch-mean" else
         {"z>0": Z1 > 0, "a>=0": A1 >= 0, "none": np.ones_like(Z1, bool), "grad>0": dA1 > 0, "a": A1,
          "sigmoid'": A1 * (1 - A1), "tanh'": 1 - A1 ** 2}[mask])
    dZ1 = dA1 * m
    dW1 = np.einsum("ni,nh->ih", np.asarray(X, _float64), dZ1)
    db1 = (dZ1 if db1_from == "dZ1" else dA1).sum(0, keepdims=True)
    if db == "sum":
        return {"W1": dW1, "b1": db1, "W2": dW2, "b2": G.sum(0, keepdims=True)}
    return {"W1": dW1, "b1": dZ1, "W2": dW2, "b2": G}


def _random_params(r, n_in, n_hidden, n_out, dtype=_float64):
    return {"W1": r.normal(0, 1 / np.sqrt(n_in), (n_in, n_hidden)).astype(dtype),
            "b1": r.normal(0, 0.3, (1, n_hidden)).astype(dtype),
            "W2": r.normal(0, 1 / np.sqrt(n_hidden), (n_hidden, n_out)).astype(dtype),
            "b2": r.normal(0, 0.3, (1, n_out)).astype(dtype)}


def _labels(r, n, c):
    return r.integers(0, c, n)


def _raised(exc: core.CheckFailure) -> bool:
    """The failure is an exception of the student's code: "raised-..." ids, and those cases.call words with
    an id of their own ("index-out-of-bounds", "undefined-name", ...), whose message still quotes the raise."""
    return (exc.diagnosis or "").startswith("raised-") or re.search(r" raised [\w.]+: ", str(exc)) is not None


def _copy_params(p):
    return {k: np.array(v, copy=True) for k, v in p.items()}


def _which_input(student, oracle, args: dict, got, want, name: str, tag: str) -> None:
    """After the catalogued diagnoses: which input a wrong answer comes from (isolate.explain_arguments,
    each input switched off or perturbed in turn); fails with its sentence when it has one."""
    tol = core.dtype_tolerance(got, 1e-5, 1e-7, float(np.abs(want).max()) if np.size(want) else 1.0)
    if core.close(got, want, *tol):
        return
    said = isolate.explain_arguments(student, oracle, args, rtol=max(tol[0], 1e-5), atol=max(tol[1], 1e-7), tag=tag)
    if said:
        fail(f"{name}: {said[0]}", said[1])


def _backward_oracle(k: str):
    """The documented backward as a function of its inputs (the weights and the cache), for isolate."""
    def grads(W1, b1, W2, b2, X, Z1, A1, dlogits):
        dZ1 = (dlogits @ W2.T) * (Z1 > 0)
        return {"W2": A1.T @ dlogits, "b2": dlogits.sum(0, keepdims=True), "W1": X.T @ dZ1,
                "b1": dZ1.sum(0, keepdims=True)}[k]
    return grads


def _unchanged(before: dict, after: dict, name: str, what: str) -> None:
    """A dict of arrays handed to student code must come back untouched."""
    for k, v in before.items():
        if k not in after or not same(after[k], v):
            fail(f"{name} modified {what}['{k}'] in place: it must not change its inputs (work on new arrays)",
                 "modified-input")


# ---------------------------------------------------------------------------------------------
# Data helpers
# ---------------------------------------------------------------------------------------------

def _columns_counted_from(one_hot, k: int, y, c: int, name: str) -> None:
    """A one-hot matrix with k != num_classes columns, where k is N (len(y)) or y.max() + 1: which one is read
    on a second call whose N, y.max() + 1 and num_classes are pairwise different (7, 3 and 5), and told only
    when both calls agree; otherwise nothing is said here."""
    y2 = np.array([0, 1, 2, 1, 0, 2, 1], dtype=y.dtype)
    try:
        k2 = np.shape(one_hot(y2, 5))
    except Exception:
        k2 = None
    k2 = k2[1] if k2 is not None and len(k2) == 2 and k2[0] == 7 else None
    head = f"{name} has {k} columns: it must have num_classes = {c} columns, one per class, whatever labels occur"
    if k == len(y) and k2 == 7:
        fail(f"{head}; yours has as many columns as there are SAMPLES, N = len(y) (also one_hot(y of 7 labels "
             f"0..2, num_classes = 5) has 7 columns): the number of samples and the number of classes are mixed "
             f"up (np.eye(len(y))[y] or np.zeros((N, N))); the matrix is (N, num_classes): "
             f"np.eye(num_classes)[y] or np.zeros((len(y), num_classes))", "one-hot-columns-from-n")
    if k == int(y.max()) + 1 and k2 == 3:
        fail(f"{head} (use the num_classes argument, not y.max() + 1: also one_hot(y of 7 labels 0..2, num_classes "
             f"= 5) has 3 columns, the largest label of the batch plus 1)", "one-hot-ignores-num-classes")
    # no reading confirmed on the second call: the later questions (a column too many or too few) or the shape
    # check say what is wrong


def _one_hot_case(one_hot, r, n, c, *, absent=False, dtype=np.int64):
    def run():
        y = _labels(r, n, c - 1 if absent else c).astype(dtype)
        if not absent:
            y[0] = c - 1                       # the last class is reachable
        name = signature("one_hot", ("y", "num_classes"), (y, c))
        got = call(one_hot, y, c, label="one_hot", names=("y", "num_classes"), want=lambda: _onehot(y, c),
                   hint=f"a label outside the matrix: the one-hot matrix must be (N, num_classes) = {(n, c)}, "
                        f"num_classes columns whatever labels occur: Y[np.arange(N), y] = 1")
        if isinstance(got, np.ndarray) and got.ndim == 2 and got.shape[0] == n and got.shape[1] != c \
                and got.shape[1] in (n, int(y.max()) + 1):
            _columns_counted_from(one_hot, got.shape[1], y, c, name)
        if isinstance(got, np.ndarray) and got.shape == (c, n) and c != n:
            fail(f"{name} returned shape {(c, n)}: one row per sample, (N, num_classes) = {(n, c)}",
                 "one-hot-transposed")
        if isinstance(got, np.ndarray) and got.ndim == 2 and got.shape[0] == n and got.shape[1] == 10 and c != 10:
            fail(f"{name} has 10 columns whatever num_classes is: num_classes = {c} was given, so the matrix is "
                 f"(N, num_classes) = {(n, c)}; use the argument, not the default 10 (np.zeros((N, num_classes)))",
                 "one-hot-num-classes-fixed")
        if isinstance(got, np.ndarray) and got.ndim == 3 and got.shape in ((n, 1, c), (1, n, c)) \
                and same(got.reshape(n, c), _onehot(y, c)):
            fail(f"{name} returned shape {got.shape}, the right rows with an extra axis of length 1: indexing with "
                 f"the labels as a column (y.reshape(-1, 1) or y[:, None], shape (N, 1)) keeps that axis, "
                 f"np.eye(C)[labels] has shape labels.shape + (C,); index with the flat labels y of shape (N,), "
                 f"which gives (N, num_classes) = {(n, c)}", "one-hot-extra-axis")
        if isinstance(got, np.ndarray) and got.ndim == 2 and got.shape[0] == n and abs(got.shape[1] - c) == 1:
            k = got.shape[1]
            first = got[:, :min(k, c)].astype(_float64)
            if same(first, _onehot(y, c)[:, :min(k, c)]) and (k < c or not np.any(got[:, c:])):
                fail(f"{name} has {k} columns, num_classes {'+' if k > c else '-'} {abs(k - c)}: the one-hot matrix "
                     f"is (N, num_classes) = {(n, c)}, one column per class 0 .. num_classes - 1 "
                     + ("(the extra columns are all 0: a + 1 in np.zeros((N, num_classes + 1)) or np.eye(num_classes + 1)?)"
                        if k > c else "(the columns of the last classes are missing: a - 1 in the size?)"),
                     "one-hot-columns-off")
        _size_one_axes_dropped(got, (n, c), (y,), lambda v: np.eye(c)[v], name)
        got = expect_array(got, name=name, shape=(n, c))
        if ((got == 0) | (got == 1)).all() and (got.sum(axis=1) <= 1).all() and (got.sum(axis=1) == 0).any():
            empty = np.flatnonzero(got.sum(axis=1) == 0)
            fail(f"{name}: rows {empty[:6].tolist()} of the {n} have no 1 at all"
                 + (" (the last rows: does a loop stop early, range(N - 1)?)" if empty[-1] == n - 1 else "")
                 + ": every row i needs its 1 at column y[i]", "one-hot-rows-without-one")
        if not ((got == 0) | (got == 1)).all() or not (got.sum(axis=1) == 1).all():
            rows = np.zeros((n, c))
            rows[y[y < n]] = 1.0
            if int(y.max()) < n and same(got, rows):
                fail(f"{name}: Y[y] = 1 sets whole ROWS (row number y[i], every column) instead of one entry per "
                     f"sample: index the row AND the column, Y[np.arange(N), y] = 1", "one-hot-whole-rows")
            if same(got, _onehot(y, c) * y[:, None]):
                fail(f"{name} writes the label value y[i] at (i, y[i]) instead of 1 (Y[np.arange(N), y] = y): the "
                     f"entry of the true class is 1, Y[np.arange(N), y] = 1", "one-hot-label-value")
            _leftover_entries(got, y, name)
            union = np.zeros(c)
            union[np.unique(y)] = 1.0
            if n > 1 and len(np.unique(y)) > 1 and all(same(row, union) for row in got):
                fail(f"{name} must put exactly one 1 per row, but every row is the same, with a 1 at every label of "
                     f"the batch ({int(union.sum())} ones per row): each 1 reached EVERY row. Either the 1s were set "
                     f"in whole columns (Y[:, y] = 1 puts a 1 in column y[i] of every row), or all the rows are ONE "
                     f"list or array, so setting row i's entry sets it in every row ([[0] * C] * N repeats one list "
                     f"N times); give each row its own storage, Y = np.zeros((N, C)), and set one entry per row, "
                     f"Y[np.arange(N), y] = 1", "one-hot-every-row-gets-every-label")
            if n != c and same(got, _onehot(y, c).T.reshape(n, c)):
                fail(f"{name} is the (C, N) = {(c, n)} one-hot matrix (1 at [y[i], i]) RESHAPED to (N, C): reshape "
                     f"keeps the numbers in memory order, it does not transpose, so the 1s land in the wrong rows and "
                     f"columns (right only when N == C). Build the (N, C) matrix directly, Y = np.zeros((N, C)); "
                     f"Y[np.arange(N), y] = 1 (or use .T, not reshape, to transpose)", "one-hot-transposed-by-reshape")
            fail(f"{name} must put exactly one 1 per row (at column y[i]) and 0 elsewhere; "
                 f"row sums are {got.sum(axis=1)[:5]}: check the indexing Y[np.arange(N), y] = 1",
                 "one-hot-not-one-per-row")
        expect_close(got, _onehot(y, c), name=name, atol=0, rtol=0,
                     diagnose={"the 1s are in the wrong place: row i must have its 1 in column y[i]": None})
        if got.dtype != np.float32:
            fail(f"{name} has the right 0s and 1s but dtype {got.dtype}: the docstring asks for float32 (np.zeros "
                 f"makes float64 unless told dtype=np.float32; np.eye too); float64 one-hot rows turn the float32 "
                 f"arithmetic of the network into float64", "one-hot-dtype")
    return run


def _not_zeroed(Y, y) -> bool:
    """Every (i, y[i]) holds its 1 and other entries are neither 0 nor 1: a matrix never filled with zeros."""
    n = len(y)
    rest = np.array(Y, dtype=_float64)
    if not np.all(rest[np.arange(n), y] == 1):
        return False
    rest[np.arange(n), y] = 0
    return bool(np.any((rest != 0) & (rest != 1)))


def _leftover_entries(got, y, name) -> None:
    """Every (i, y[i]) holds its 1, other entries hold values that are neither 0 nor 1: the matrix was never
    filled with zeros (the indexing is right)."""
    n = len(y)
    if not _not_zeroed(got, y):      # 0s and 1s only: a wrong index (whole columns...), said below
        return
    rest = np.array(got, dtype=_float64)
    rest[np.arange(n), y] = 0
    bad = np.flatnonzero(rest.ravel() != 0)
    odd = rest.ravel()[(rest.ravel() != 0) & (rest.ravel() != 1)]
    off = np.ones(rest.shape, bool)
    off[np.arange(n), y] = False
    values = np.unique(rest[off])
    if values.size == 1 and off.sum() > 1:
        v = float(values[0])
        fail(f"{name}: every row has its 1 at column y[i] (the indexing is right), but all the other entries are "
             f"{v:g}, not 0" + (" (a +-1 coding, as for an SVM or a tanh output?)" if v == -1 else "")
             + ": a one-hot row is 1 at the label and 0 everywhere else, so softmax - one_hot is the gradient; "
               "start from np.zeros((N, num_classes), dtype=np.float32), then set the 1s", "one-hot-off-value")
    fail(f"{name}: every row has its 1 at column y[i] (the indexing is right), but {bad.size} of the other "
         f"{rest.size - n} entries are not 0 (for example {odd[:3].tolist()}): the matrix was never filled with "
         f"zeros (np.empty and np.empty_like leave whatever is in memory); start from "
         f"np.zeros((N, num_classes), dtype=np.float32), then set the 1s", "one-hot-not-zeroed")


_FUNCTION_STATE = """
def function_state(fn):
    return sorted(k for k in getattr(fn, "__dict__", {}) if not k.startswith("__"))


def clear_function_state(fn):
    for k in [k for k in getattr(fn, "__dict__", {}) if not k.startswith("__")]:
        delattr(fn, k)
"""


def _fresh_cases(fn, label: str, cases: list, **kw) -> None:
    """run_cases, and after a failure one more question of every graded function (state kept between calls): does
    the function hold attributes that its calls set on itself (one_hot.eye, backward.W2T, an N kept from the first
    batch)?  Then every case is run again on the function stripped of them: when each case passes that way, the
    failure came from an earlier call (another num_classes, batch size or W2), and that is what is said, not the
    guess the later case's values suggest.  No cost on a passing submission."""
    try:
        run_cases(cases, **kw)
    except core.CheckFailure as exc:
        _state_from_earlier_call(fn, label, cases, exc)
        raise


def _state_from_earlier_call(fn, label: str, cases: list, exc: core.CheckFailure) -> None:
    try:
        state = core.kernel_functions(_FUNCTION_STATE)
        names = list(state["function_state"](fn))
    except Exception:
        return
    if not names:
        return
    for _, case in cases:
        try:
            state["clear_function_state"](fn)
            case()
        except Exception:
            return                       # wrong on a fresh function too: the case's own message stands
    attrs = ", ".join(f"{label}.{n}" for n in names)
    fail(f"{label} keeps state between calls on the function itself ({attrs}, set by an earlier call and used "
         f"again): every case is right when {label} starts without it, but a call after earlier calls with other "
         f"sizes or values is wrong (state from an earlier call: a num_classes, a batch size N or an array kept from "
         f"the first call). Compute everything from THIS call's arguments; keep nothing on the function",
         "state-on-function")


_RESULTS_TWICE = """
def results_twice(fn, first, second):
    import numpy as np
    def arrays(v, path):
        if isinstance(v, (tuple, list)):
            return [a for k, u in enumerate(v) for a in arrays(u, path + [k])]
        if isinstance(v, dict):
            return [a for k, u in v.items() for a in arrays(u, path + [k])]
        return [(path, v)] if isinstance(v, np.ndarray) and v.size else []
    def own(v, args):
        return any(v is a for a in args) or any(isinstance(a, dict) and any(v is u for u in a.values()) for a in args)
    got = [(p, v) for p, v in arrays(fn(*first), []) if not own(v, first)]
    within = [(p, q) for i, (p, v) in enumerate(got) for q, u in got[i + 1:] if np.shares_memory(v, u)]
    kept = [v.copy() for _, v in got]
    later = [v for _, v in arrays(fn(*second), [])]
    between = [p for (p, v), c in zip(got, kept)
               if v.shape != c.shape or not np.array_equal(v, c, equal_nan=True) or any(np.shares_memory(v, u) for u in later)]
    return within, between
"""


_BOTH_AFTER_CHANGE = """
def both_after_change(fn, args, changed):
    import copy

    import numpy as np
    first = copy.deepcopy(fn(*args))
    for a, v in zip(args, changed):
        if v is not None:
            a[...] = v
    second = copy.deepcopy(fn(*args))
    fresh = fn(*(np.array(a, copy=True) if isinstance(a, np.ndarray) else a for a in args))
    return first, second, fresh
"""


def _follows_new_values(fn, label: str, args: tuple, changed: tuple, oracle: Callable, pick=None,
                        confirmed_only: bool = False) -> None:
    """State kept between calls (core.result_after_change): the same arrays changed in place between two calls, as a
    training loop does; the second result must be the oracle's on the NEW values.  Equal to the oracle on the OLD
    values: a result kept from the earlier call (a cache keyed on id(x) or on the shape, a memo on the function)."""
    new = tuple(a if c is None else c for a, c in zip(args, changed))
    try:
        before, got, fresh = core.kernel_functions(_BOTH_AFTER_CHANGE)["both_after_change"](
            fn, tuple(np.array(a, copy=True) if isinstance(a, np.ndarray) else a for a in args), changed)
        if pick is not None:
            before, got, fresh = pick(before), pick(got), pick(fresh)
        got = np.asarray(got, dtype=_float64)
        before, fresh = np.asarray(before, dtype=_float64), np.asarray(fresh, dtype=_float64)
    except Exception:
        return                         # a raising call or another return type: the cases name it
    want, old = np.asarray(oracle(*new), dtype=_float64), np.asarray(oracle(*args), dtype=_float64)
    if got.shape != want.shape or core.close(got, want, 1e-4, 1e-6):
        return
    # The first call's own result again, though the values changed (and the oracle's changed): layout-proof
    # (a cache keyed on id(x) may already hit on the FIRST call, with values of an array freed long before).
    # Confirmed by a call on fresh copies of the same values answering otherwise (a function that ignores its
    # input answers the same to both).
    again = before.shape == got.shape and np.array_equal(before, got) and not core.close(want, old, 1e-4, 1e-6) \
        and (fresh.shape != got.shape or not core.close(fresh, got, 1e-4, 1e-6))
    if again or core.close(got, old, 1e-4, 1e-6):
        fail(f"{label}: called a second time on THE SAME arrays after their values were changed in place (as a "
             f"training loop does), it returned a result computed from the values of an earlier call: state kept "
             f"between calls (a cache keyed on the array or its shape, a memo on the function); compute the result "
             f"from the values the arrays hold now", "result-from-earlier-call")
    if confirmed_only:
        return                         # asked after a failed case: a plain wrong answer is the case's to name
    try:                               # confirmed: a FRESH call on copies of the new values is right
        fresh = fn(*(np.array(a, copy=True) if isinstance(a, np.ndarray) else a for a in new))
        fresh = np.asarray(pick(fresh) if pick is not None else fresh, dtype=_float64)
    except Exception:
        fresh = None
    if fresh is None or fresh.shape != want.shape or not core.close(fresh, want, 1e-4, 1e-6):
        fail(f"{label}: wrong values on these inputs, called on fresh arrays too (so no state kept between calls): "
             f"compare your result with the docstring's formula on a small case", "wrong-on-other-values")
    fail(f"{label}: called a second time on THE SAME arrays after their values were changed in place, it returned "
         f"wrong values (each fresh call was right): state kept between calls; compute the result from the values "
         f"the arrays hold now", "result-after-change")


def _results_kept(fn, label: str, first: tuple, second: tuple, parts: dict) -> None:
    """Property of every graded function of lab02 (state kept between calls, output buffers): two calls with the
    same shapes and new values; no two arrays returned by one call share memory (precision and recall written
    into one out= buffer), and nothing the first call returned is overwritten by, or returned again by, the second
    (a buffer kept on the function or the module).  ``parts``: the name of each returned position (a path of
    indices or keys, as a tuple) in words.  Arrays that ARE arguments (forward's cache holds X) are the caller's."""
    try:
        within, between = core.kernel_functions(_RESULTS_TWICE)["results_twice"](fn, first, second)
    except Exception:
        return                  # a raising call is named by the cases
    def said(path) -> str:
        return parts.get(tuple(path), f"the result at {list(path)}")
    if within:
        a, b = within[0]
        fail(f"{label}: {said(a)} and {said(b)} returned by ONE call are the same array (they share memory): the "
             f"second is written into the buffer of the first (one out= array, or a view of it, used for both), so "
             f"the first holds the second's values; give each result its own new array", "results-share-memory")
    if between:
        fail(f"{label}, called twice with the same shapes and new values: {said(between[0])} returned by the first "
             f"call was overwritten by the second call (or is its result again): a buffer kept between calls (on the "
             f"function, a module-level array, out=..., a default argument); a caller holding the first result "
             f"(a cache kept for backward, a list of batch outputs) sees it change; create every result anew in "
             f"each call", "result-buffer-shared-between-calls")


def one_hot(one_hot):
    r = core.rng("lab02.one_hot")
    _fresh_cases(one_hot, "one_hot", [
        (None, _one_hot_case(one_hot, r, 7, 10)),
        ("a batch of one sample", _one_hot_case(one_hot, r, 1, 10)),
        (None, _one_hot_case(one_hot, r, 12, 3)),
        (None, _one_hot_case(one_hot, r, 5, 6, absent=True)),
        (None, _one_hot_case(one_hot, r, 9, 4, dtype=np.int32)),
    ])
    got = call(one_hot, np.array([3, 0]), label="one_hot", names=("y",), hint=ONE_HOT_HINT)
    expect_array(got, name="one_hot(y of shape (2,)) with the default num_classes", shape=(2, 10))
    _results_kept(one_hot, "one_hot(y, 4)", (np.array([0, 3, 1]), 4), (np.array([2, 2, 0]), 4), {(): "the matrix"})
    _follows_new_values(one_hot, "one_hot(y of shape (3,), 4)", (np.array([0, 3, 1]), 4), (np.array([2, 2, 0]), None),
                        _onehot)


def _normalize_case(normalize, r, n, h, w, top=255):
    def run():
        images = r.integers(0, top + 1, (n, h, w)).astype(np.uint8)
        images[0, 0, 0], images[0, 0, 1] = 0, top     # both ends of the range are present
        name = signature("normalize", ("images",), (images,))
        try:
            got = call(normalize, images, label="normalize", names=("images",),
                       want=lambda: images.reshape(len(images), -1) / 255.0,
                       hint="a shape mismatch: images are (N, H, W): flatten each image into one row, images.reshape(N, -1)")
        except core.CheckFailure as exc:
            warned = re.match(r"(.*?numpy warned '[^']*divide[^']*')", str(exc))
            if exc.diagnosis == "not-numerically-stable" and warned:
                fail(f"{warned.group(1)}: normalize divided by a quantity computed from the images that is 0 here "
                     f"(a standard deviation or a range over {'a batch of one image' if n == 1 else 'the batch'} is "
                     f"0 for a pixel that does not vary); the docstring scales by the constant 255 (images / 255), "
                     f"which maps 0..255 onto [0, 1] for every batch", "normalize-divides-by-data")
            raise
        if isinstance(got, np.ndarray):
            if got.shape == (n, h, w):
                fail(f"{name} returned shape {got.shape}: flatten each image into one row of H*W = {h * w} "
                     f"pixels, (N, H*W) = {(n, h * w)}", "normalize-not-flattened")
            if got.ndim == 1 and got.size == n * h * w and n > 1:
                fail(f"{name} returned one long vector of shape {got.shape}: flatten each image separately, "
                     f"images.reshape(N, -1) of shape {(n, h * w)}", "normalize-flattened-whole-batch")
            if got.shape == (h * w, n) and n != h * w:
                fail(f"{name} returned shape {got.shape}: one ROW per image, (N, H*W) = {(n, h * w)}",
                     "normalize-transposed")
        _size_one_axes_dropped(got, (n, h * w), (images,), lambda im: im.reshape(im.shape[0], -1) / 255.0, name)
        got = expect_array(got, name=name, dtype=np.float32, shape=(n, h * w),
                           want=lambda: images.reshape(n, -1) / 255.0)
        exact = images.reshape(n, -1).astype(_float64)
        wrong = {
            "the pixels were cast to a signed 8-bit integer (np.int8) before the division: values above 127 wrap "
            "around to negative numbers; cast to float first, images.astype(np.float32) / 255":
                images.reshape(n, -1).astype(np.int8).astype(_float64) / 255.0,
            "divide by 255 (the largest pixel value), not 256: pixels must map onto [0, 1] exactly":
                exact / 256.0,
            "every value is 0 or 1: the pixels were binarised at the middle gray (x >= 128 or x > 127, the same as "
            "np.round(x / 255)); normalize keeps every gray level, images.astype(np.float32) / 255":
                (exact >= 128).astype(_float64),
            "the pixels are not normalised: divide by 255 to map 0..255 onto [0, 1]": exact,
            "the pixels are not normalised: divide by 255 to map 0..255 onto [0, 1] "
            "(standardising to zero mean is not what is asked)": lambda: (exact - exact.mean()) / exact.std(),
            "the pixels of each image are out of order: images.reshape(N, -1) keeps each image's rows "
            "one after the other (a transpose or order='F' scrambles them)":
                lambda: images.transpose(0, 2, 1).reshape(n, -1).astype(_float64) / 255.0,
            f"divide by 255 (the largest possible pixel value), not by the largest pixel of this batch "
            f"(images.max() = {top}): a dark batch must stay dark, every image is scaled the same way":
                exact / top if top != 255 else None,
            "each pixel is standardised over the batch ((X - X.mean(axis=0)) / X.std(axis=0)): normalize only divides "
            "by 255, which maps 0..255 onto [0, 1] (no mean subtracted, no std divided)":
                lambda: (exact - exact.mean(axis=0)) / exact.std(axis=0) if n > 1 and exact.std(axis=0).all() else None,
            "divide by 255, not by the range of this batch (min-max scaling): every image is scaled the same way":
                lambda: (exact - exact.min()) / (exact.max() - exact.min()) if top != 255 else None,
            "each image is min-max scaled by its OWN range, (x - x.min()) / (x.max() - x.min()) per row: divide "
            "every pixel by the constant 255, so that all images are scaled the same way (an image whose pixels "
            "do not reach 0 and 255 comes out wrong)": lambda: _per_image(exact, True),
            "each image is divided by its OWN largest pixel (x / x.max() per row): divide every pixel by the "
            "constant 255, so that all images are scaled the same way (an image whose brightest pixel is below "
            "255 comes out too bright)": lambda: _per_image(exact, False),
        }
        diagnose_only(got, exact / 255.0, name=name, rtol=1e-6, atol=1e-7, diagnose=wrong)
        _affine_of_expected(got, exact / 255.0, name)
        expect_close(got, exact / 255.0, name=name, rtol=1e-6, atol=1e-7, diagnose=wrong)
    return run


def _softmax_last_axis(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _size_one_axes_dropped(got, shape: tuple, args: tuple, oracle: Callable, name: str) -> None:
    """A result of the wrong shape for an input with an axis of size 1 (a batch of one): is it the right function
    of the input with its size-1 axes removed (np.squeeze, or an indexing that drops the axis)? Asked of every
    function of the lab that takes a batch, where a batch of one comes back in another shape."""
    if not isinstance(got, np.ndarray) or got.shape == shape or not any(1 in np.shape(a) for a in args):
        return
    try:
        with np.errstate(all="ignore"):
            squeezed = np.asarray(oracle(*(np.squeeze(a) if isinstance(a, np.ndarray) else a for a in args)),
                                  dtype=_float64)
    except Exception:
        return
    if squeezed.shape != got.shape or not core.close(got, squeezed, 1e-5, 1e-6):
        return
    sizes = ", ".join(str(np.shape(a)) for a in args if isinstance(a, np.ndarray))
    fail(f"{name} returned shape {got.shape}, expected {shape}: your result is the right one for the input with its "
         f"size-1 axes removed ({sizes} -> {', '.join(str(np.squeeze(a).shape) for a in args if isinstance(a, np.ndarray))}): "
         f"the batch axis of size 1 was dropped (np.squeeze? or an index such as [0]); a batch of one sample "
         f"keeps its batch axis: do not squeeze, use the shapes as given", "batch-axis-squeezed")


def _per_image(x, shift: bool):
    """Each row scaled by its own range (shift) or its own maximum; None where one of them is 0."""
    lo = x.min(axis=1, keepdims=True) if shift else np.zeros((len(x), 1))
    span = x.max(axis=1, keepdims=True) - lo
    return (x - lo) / span if span.all() else None


_PIXEL_FACTORS = (
    (1 / 255, "the pixels were divided by 255 twice (x / 255 / 255: a second division of an array already "
              "scaled to [0, 1]); divide once, images.astype(np.float32) / 255", "normalize-divided-twice"),
    (255.0, "the pixels were not divided by 255 (or multiplied back by 255): normalize maps 0..255 onto [0, 1], "
            "images.astype(np.float32) / 255", "normalize-not-divided"),
)


def _pixel_factor(a: float, name: str) -> None:
    """Your values are a * (x / 255) exactly: a factor read against the known constants of the scaling."""
    for factor, words, diagnosis in _PIXEL_FACTORS:
        if abs(a / factor - 1) < 1e-4:
            fail(f"{name} has wrong values: yours are {a:.6g} times x / 255 on every pixel: {words}", diagnosis)


def _affine_of_expected(got, want, name: str) -> None:
    """The answer is a * expected + b exactly (a standardisation on top of x / 255): say with which mean
    and standard deviation, (x / 255 - mean) / std."""
    g, w = np.asarray(got, dtype=_float64).ravel(), np.asarray(want, dtype=_float64).ravel()
    if w.std() == 0 or core.close(g, w, 1e-5, 1e-6):
        return
    a, b = np.polyfit(w, g, 1)
    if abs(b) < 1e-4 and np.allclose(a * w, g, rtol=1e-5, atol=1e-7):
        _pixel_factor(float(a), name)
    if abs(a) < 1e-6 or abs(b) < 1e-4 or not np.allclose(a * w + b, g, rtol=1e-5, atol=1e-5):
        return      # b = 0: a plain factor, which core.analyse_difference names
    mean, std = -b / a, 1 / a
    if a < 0:       # a standard deviation is never negative: the scale flips the pixels
        if core.close(a, -1.0, 1e-5, 1e-6) and core.close(b, 1.0, 1e-5, 1e-6):
            fail(f"{name} has wrong values: yours are 1 - x / 255 exactly, the pixels inverted (black and white "
                 f"swapped): normalize maps 0 to 0 and 255 to 1, x / 255", "normalize-inverted")
        fail(f"{name} has wrong values: yours are {a:.4g} * (x / 255) + {b:.4g} exactly, a NEGATIVE scale that "
             f"flips the order of the pixels (bright becomes dark): normalize maps 0 to 0 and 255 to 1, x / 255",
             "normalize-flipped")
    fail(f"{name} has wrong values: yours are (x / 255 - {mean:.4g}) / {std:.4g} exactly, a standardisation with "
         f"mean {mean:.4g} and standard deviation {std:.4g} on top of x / 255: normalize only divides by 255, "
         f"which maps the pixels onto [0, 1] (no mean subtracted, no std divided)", "normalize-standardised")


def normalize(normalize):
    r = core.rng("lab02.normalize")
    _fresh_cases(normalize, "normalize", [("square images (H == W)", _normalize_case(normalize, r, 5, 28, 28)),
               ("a batch of one image", _normalize_case(normalize, r, 1, 28, 28)),
               (None, _normalize_case(normalize, r, 3, 4, 6)),
               (None, _normalize_case(normalize, r, 7, 5, 3)),
               (None, _normalize_case(normalize, r, 4, 6, 5, top=200))],   # a dark batch: no pixel at 255
              special_last=True)   # a shape slip on a square image is named by a case with H != W first
    g = core.rng("lab02.normalize.twice")
    _results_kept(normalize, "normalize(images of shape (3, 4, 5) uint8)",
                  *((g.integers(0, 256, (3, 4, 5)).astype(np.uint8),) for _ in range(2)), {(): "X"})
    _follows_new_values(normalize, "normalize(images of shape (3, 4, 5) uint8)",
                        (g.integers(0, 256, (3, 4, 5)).astype(np.uint8),),
                        (g.integers(0, 256, (3, 4, 5)).astype(np.uint8),),
                        lambda im: im.reshape(len(im), -1).astype(_float64) / 255.0)


# ---------------------------------------------------------------------------------------------
# Softmax and the loss
# ---------------------------------------------------------------------------------------------

SOFTMAX_HINT = ("divide each row by its own sum: e.sum(axis=1, keepdims=True) has shape (N, 1) and broadcasts "
                "over the C columns (without keepdims the (N,) sums line up with the columns; the same holds for "
                "the row maximum, z.max(axis=1, keepdims=True))")


def _numerical(name_hint):
    """Append ``name_hint`` to a failure that is about overflow (a warning or a NaN), nothing else."""
    def wrap(thunk):
        try:
            return thunk()
        except core.CheckFailure as exc:
            text = str(exc)
            if "numerically stable" in text or "NaN or inf" in text:
                hint = name_hint() if callable(name_hint) else name_hint
                raise core.CheckFailure(f"{text}. {hint}", exc.diagnosis) from None
            raise
    return wrap


def _softmax_case(softmax, z, hint=None, diagnose=True):
    def run():
        name = signature("softmax", ("z",), (z,))
        n, c = z.shape

        def go():
            try:
                got = call(softmax, z, label="softmax", names=("z",), hint=SOFTMAX_HINT, want=lambda: _softmax(z))
            except core.CheckFailure as exc:
                _axis_roles(exc, n, c, "z", labels=False)
                raise
            _size_one_axes_dropped(got, z.shape, (z,), _softmax_last_axis, name)
            return expect_array(got, name=name, shape=z.shape)
        got = _numerical(hint)(go) if hint else go()
        if n > 1 and core.close(got.sum(axis=0), np.ones(c), 1e-5, 1e-5) \
                and not core.close(got.sum(axis=1), np.ones(n), 1e-5, 1e-5):
            fail("softmax is normalised over the wrong axis: the columns sum to 1, but each ROW "
                 "(sample) must; use axis=1 with keepdims=True", "softmax-wrong-axis")
        zs = z.astype(_float64)
        scale = float(np.abs(zs).max())
        wrong = {}
        if diagnose:
            e = np.exp(zs - zs.max())
            er = np.exp(zs - zs.max(axis=1, keepdims=True))
            wrong = {
                "normalised over the wrong axis: each ROW (sample) must sum to 1, use axis=1":
                    lambda: e / e.sum(axis=0, keepdims=True),
                "divided by the sum over the whole batch: normalise each row (axis=1, keepdims=True)":
                    lambda: e / e.sum(),
                f"each row is divided by the sums of the rows laid out as a row (1, N), one per column: keepdims=True "
                f"is missing (or the (N, 1) sums were transposed, .T); {SOFTMAX_HINT}":
                    lambda: (er / er.sum(axis=1)[None, :]) if n == c else None,
                "exp(z - max) is not normalised: divide each row by its sum": lambda: np.exp(zs - zs.max(1, keepdims=True)),
                "the numerator is shifted by the row maximum but the denominator is not: exp(z - max) / "
                "sum(exp(z)) is off by the factor exp(max) per row; divide e = exp(z - max) by e's OWN row sum, "
                "e / e.sum(axis=1, keepdims=True)":
                    lambda: er / np.exp(zs).sum(axis=1, keepdims=True),
                "these are log-probabilities: softmax returns exp(z - max) / sum(exp(z - max))":
                    lambda: zs - _logsumexp(zs)[:, None],
                "this is the elementwise sigmoid 1 / (1 + exp(-z)), each entry on its own (the rows do not sum to "
                "1): softmax normalises each ROW, exp(z - max) / exp(z - max).sum(axis=1, keepdims=True)":
                    lambda: 0.5 * (1.0 + np.tanh(0.5 * zs)),
                "the row maximum is subtracted without keepdims=True: z.max(axis=1) has shape (N,) and lines up "
                "with the columns; use z.max(axis=1, keepdims=True)":
                    lambda: (np.exp(zs - zs.max(axis=1)[None, :])
                             / np.exp(zs - zs.max(axis=1)[None, :]).sum(axis=1, keepdims=True)) if n == c else None,
                "subtract the maximum of each ROW (axis=1): the maximum of each column changes the probabilities":
                    lambda: (np.exp(zs - zs.max(axis=0, keepdims=True))
                             / np.exp(zs - zs.max(axis=0, keepdims=True)).sum(axis=1, keepdims=True)),
            }
        tol = tolerance(z.dtype, _floored(got), scale=scale, rtol=1e-6, atol=1e-9)
        _low_precision(got, _softmax(zs), name)
        diagnose_only(got, _softmax(zs), name=name, diagnose=wrong, **tol)
        if not core.close(got, _softmax(zs), *core.dtype_tolerance(got, tol["rtol"], tol["atol"])):
            _output_clipped(got, _softmax(zs), name, "softmax", "the exact probabilities: every row sums to 1, and "
                            "an entry whose exp underflows is 0")
            _rows_sum_to_one(got, _softmax(zs), name)
            _order_kept(got, zs, name)
            _shift_invariance(softmax, z, got, name)
        expect_close(got, _softmax(zs), name=name, diagnose=wrong, **tol)
    return run


def _output_clipped(got, want, name: str, what: str, exact: str) -> None:
    """Property of an output clipped to [lo, hi]: right at every entry whose expected value lies inside
    [lo, hi] (lo, hi: the smallest and largest values returned), and exactly lo (or hi) at EVERY entry whose
    expected value lies outside. Asked after a failure; one entry outside is not enough (a coincidence)."""
    g, w = np.asarray(got, dtype=_float64), np.asarray(want, dtype=_float64)
    if g.shape != w.shape or not np.isfinite(g).all():
        return
    lo, hi = float(g.min()), float(g.max())
    below, above = w < lo - 1e-12 * max(1.0, abs(lo)), w > hi + 1e-12 * max(1.0, abs(hi))
    inside = ~(below | above)
    if int(below.sum() + above.sum()) < 2 or not lo < hi:
        return
    if not (np.all(g[below] == lo) and np.all(g[above] == hi)
            and (not inside.any() or core.close(g[inside], w[inside], 1e-6, 1e-12))):
        return
    bounds = " and ".join(s for s in ((f"raised to {lo:.3g} at the {int(below.sum())} entries expected below it "
                                       f"(down to {float(w[below].min()):.3g})" if below.any() else ""),
                                      (f"lowered to {hi:.10g} at the {int(above.sum())} entries expected above it"
                                       if above.any() else "")) if s)
    fail(f"{name}: every entry expected between your smallest and largest values is right, but yours are "
         f"{bounds}. The output is "
         f"clipped (np.clip or np.maximum / np.minimum with an epsilon): {what} returns {exact}; an epsilon "
         f"against log(0) belongs in the loss, not in {what}'s output", f"{what}-output-clipped")


def _order_kept(got, zs, name) -> None:
    """Property: softmax is increasing in each logit, so within a row a larger logit gets a larger probability.
    Values that break the order come from a function of z that is not increasing (a square, an absolute value)
    where exp belongs."""
    g = np.asarray(got, dtype=_float64)
    if g.shape != zs.shape or not np.isfinite(g).all():
        return
    for i in range(len(zs)):
        order = np.argsort(zs[i], kind="stable")
        vals = g[i][order]
        drop = np.flatnonzero(np.diff(vals) < -1e-6 * max(1.0, float(np.abs(vals).max())))
        if drop.size:
            a, b = order[drop[0]], order[drop[0] + 1]
            fail(f"{name}: softmax keeps the order of each row (a larger logit gets a larger probability), but in "
                 f"row {i} your value at z = {zs[i, b]:.4g} is {g[i, b]:.4g}, smaller than {g[i, a]:.4g} at the "
                 f"smaller z = {zs[i, a]:.4g}: the probabilities come from a function of z that is not increasing "
                 f"(a square or an absolute value?); softmax uses exp, exp(z - max) / exp(z - max).sum(axis=1, "
                 f"keepdims=True)", "softmax-order-broken")


def _rows_sum_to_one(got, want, name) -> None:
    """Property in plain words: every row of softmax sums to 1; rows right up to their own factor were
    divided by something else than their own sum."""
    g = np.asarray(got, dtype=_float64)
    sums = g.sum(axis=1)
    if core.close(sums, np.ones_like(sums), 1e-5, 1e-6):
        return
    with np.errstate(all="ignore"):
        k = sums[:, None]
        proportional = bool(np.isfinite(k).all()) and bool((k != 0).all()) and core.close(g / k, want, 1e-5, 1e-7)
    if proportional and core.close(g, want / np.linalg.norm(want, axis=1, keepdims=True), 1e-5, 1e-7):
        fail(f"{name}: each row of softmax must sum to 1, yours sum to {np.round(sums[:4], 4).tolist()}"
             f"{'...' if len(sums) > 4 else ''}: each row was divided by its Euclidean length "
             f"(np.linalg.norm(e, axis=1), the square root of the sum of squares), not by its sum; divide by the "
             f"row's sum, e / e.sum(axis=1, keepdims=True)", "softmax-divided-by-norm")
    if proportional:
        fail(f"{name}: each row of softmax must sum to 1, yours sum to {np.round(sums[:4], 4).tolist()}"
             f"{'...' if len(sums) > 4 else ''} (right up to a factor per row): divide each row by its OWN sum, "
             f"e / e.sum(axis=1, keepdims=True), not by a sum over the whole batch or over another axis",
             "softmax-rows-not-normalised")


def _shift_invariance(softmax, z, got, name) -> None:
    """Property in plain words: softmax(z - c) = softmax(z) for any per-row constant c."""
    shifted = (z - z.max(axis=1, keepdims=True)).astype(z.dtype)
    try:
        mine = np.asarray(softmax(shifted), dtype=_float64)
    except Exception:
        return
    want = _softmax(z.astype(_float64))
    g = np.asarray(got, dtype=_float64)
    if mine.shape == g.shape and core.close(mine, g, 1e-9, 1e-15):
        return      # your softmax IS shift-invariant (the same output for z and z - max): the shift is not to blame
    if mine.shape == z.shape and core.close(mine, want, 1e-5, 1e-7):
        fail(f"{name} has wrong values, but your softmax of the same logits minus each row's maximum is right: "
             f"softmax must not change when a constant is added to a row (softmax(z) = softmax(z - c)); subtract "
             f"each row's maximum, z - z.max(axis=1, keepdims=True), instead of clipping or rescaling the logits",
             "softmax-not-shift-invariant")


def softmax(softmax):
    r = core.rng("lab02.softmax")
    big = "Logits near 1000 overflow exp: subtract each row's maximum before exp (numerically stable softmax)"
    global_rows = ("Rows on different scales (one near +1000, one near -1000): subtract the maximum of each row "
                   "(axis=1, keepdims=True), not the global maximum, so that no row underflows to 0/0")
    lone = -1000.0 + r.normal(0, 2, (1, 5))

    def rows() -> str:
        """A second input tells the two shifts apart: one row near -1000 alone, whose global maximum is its
        own maximum (a global shift passes it; a shift larger than the row's maximum does not)."""
        try:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                mine = np.asarray(softmax(lone.copy()), dtype=_float64)
        except Exception:
            mine = None
        if mine is not None and mine.shape == lone.shape and core.close(mine, _softmax(lone), 1e-6, 1e-9):
            return global_rows
        return ("Even ONE row near -1000 given alone fails (its global maximum is its own maximum): the value "
                "subtracted is not the row's maximum of z itself but something larger (the maximum of |z| or of "
                "-z?), which pushes a negative row further down, to exp(-2000) = 0 and then 0/0; subtract "
                "z.max(axis=1, keepdims=True), the signed maximum, so the largest exponent of each row is exactly 0")
    cases = [("N == C", _softmax_case(softmax, r.normal(0, 3, (10, 10)))),
             ("a batch of one sample", _softmax_case(softmax, r.normal(0, 3, (1, 10)))),
             (None, _softmax_case(softmax, r.normal(0, 3, (6, 4)))),
             (None, _softmax_case(softmax, r.normal(0, 3, (3, 7)))),
             (None, _softmax_case(softmax, r.normal(0, 3, (5, 9)).astype(np.float32)))]
    _fresh_cases(softmax, "softmax", cases, special_last=True)       # a shape slip is named on an N != C case first
    g = core.rng("lab02.softmax.twice")
    _results_kept(softmax, "softmax(z of shape (5, 4))", *((g.normal(0, 1, (5, 4)),) for _ in range(2)), {(): "P"})
    _follows_new_values(softmax, "softmax(z of shape (5, 4))", (g.normal(0, 1, (5, 4)),), (g.normal(0, 1, (5, 4)),),
                        _softmax)
    spread = ("A row spread wide (one logit near +1000, another near -1000): subtract each row's MAXIMUM, which "
              "makes every exponent <= 0; a shift by the row's mean, a chosen entry (z[:, :1], z[:, -1:]) or another "
              "value below the maximum leaves exponents near +1000 that overflow")
    wide = r.normal(0, 2, (4, 6))
    wide[:, 0] += 1000.0
    wide[:, 3] -= 1000.0
    chosen = ("A row spread wide whose maximum is NOT in column 0 (e.g. [-1000, 0, 1000]): shift by the row "
              "maximum, not a chosen entry (z[:, :1], z[:, 0:1] or another fixed column leaves exponents near "
              "+2000 that overflow): e = np.exp(z - z.max(axis=1, keepdims=True))")
    inner = r.normal(0, 2, (4, 6))
    inner[:, 0] -= 1000.0
    inner[np.arange(4), [5, 2, 4, 1]] += 1000.0
    extreme = [1000.0 + r.normal(0, 2, (5, 6)),
               np.vstack([1000.0 + r.normal(0, 2, (2, 5)), -1000.0 + r.normal(0, 2, (2, 5))]), wide, inner]
    for z, hint in zip(extreme, (big, rows, spread, chosen)):
        for dtype in (np.float64, np.float32):
            _softmax_case(softmax, z.astype(dtype), hint=hint, diagnose=False)()


CE_CASES = [("N == C", 10, 10), ("a batch of one sample", 1, 10), (None, 8, 10), (None, 5, 3), (None, 7, 4)]


def _ce_case(cross_entropy, r, n, c, dtype=np.float64, ydtype=np.int64):
    def run():
        z = r.normal(0, 2, (n, c)).astype(dtype)
        y = _labels(r, n, c).astype(ydtype)
        name = signature("cross_entropy", ("logits", "y"), (z, y))
        try:
            got = call(cross_entropy, z, y, label="cross_entropy", names=("logits", "y"), want=lambda: _ce(z, y),
                       hint="a shape or index mismatch: pick each row's true-class entry with p[np.arange(N), y] (y holds integer "
                            "labels, not one-hot rows)")
        except core.CheckFailure as exc:
            _foreign_size(exc, {"N": n, "C": c}, "logits")
            _axis_roles(exc, n, c, "logits")
            _helper_default_classes(exc, "cross_entropy", c)
            raise
        raw, got = got, expect_scalar(got, name=name)
        zs = z.astype(_float64)
        per = _logsumexp(zs) - zs[np.arange(n), y]
        p = _softmax(zs)
        logp = np.log(p)
        true_z = zs[np.arange(n), y]
        ce_wrong = {
            "the normaliser is missing: you returned the mean of -z[y] alone, but -log softmax(z)[y] = "
            "logsumexp(z) - z[y]; the logsumexp term log(sum(exp(z))) of each row (computed stably as m + "
            "log(sum(exp(z - m))) with m the row maximum) must be there too": float(np.mean(-true_z)),
            "the logsumexp is replaced by the row maximum m alone (the log term is missing): logsumexp(z) = m + "
            "log(sum(exp(z - m))), where the max is only the shift that keeps exp from overflowing; the loss is "
            "the mean of logsumexp(z) - z[y]": float(np.mean(zs.max(axis=1) - true_z)) if c > 1 else None,
            "the row maximum m is subtracted inside the logsumexp but not added back: logsumexp(z) = m + "
            "log(sum(exp(z - m))); the loss is the mean of logsumexp(z) - z[y]":
                float(np.mean(np.log(np.exp(zs - zs.max(axis=1, keepdims=True)).sum(axis=1)) - true_z)),
            "summed over the batch instead of averaged: the loss is the MEAN over the N samples": per.sum(),
            "the sign is flipped: cross-entropy is -log p[y], a positive number": -per.mean(),
            "softmax applied twice: cross_entropy receives logits, take log-softmax of them once":
                lambda: _ce(_softmax(zs), y),
            # with one sample, / (N*C) and / C coincide: said only where the data tell them apart
            "averaged over all N*C entries instead of over the N samples": per.sum() / (n * c) if n != 1 else None,
            "divided by the number of classes C = logits.shape[1] instead of the number of samples "
            "N = logits.shape[0]: the loss is the mean over the N rows": per.sum() / c if n not in (1, c) else None,
            "the true logit is read with row and column swapped: logits[y, np.arange(N)] takes row y[i], column i; "
            "each row's own true-class logit is logits[np.arange(N), y]":
                lambda: float(np.mean(per + zs[np.arange(n), y] - zs[y, np.arange(n)]))
                if n > 1 and n <= c and int(y.max()) < n else None,
            "uses log of all probabilities weighted by the wrong labels: pick the TRUE class y[i] of each row":
                lambda: float(np.mean(-logp[np.arange(n), y[::-1]])) if n > 1 else None,
            "p[:, y] picks the columns y of EVERY row (an (N, N) block): pick one entry per row with "
            "p[np.arange(N), y]": lambda: float(np.mean(-logp[:, y])) if n > 1 else None,
            "the loss uses the predicted class (the largest probability), not the true label y":
                lambda: float(np.mean(-logp.max(axis=1))),
            "the log is missing: cross-entropy is the mean of -log p[y]": lambda: float(np.mean(-p[np.arange(n), y])),
            "the log and the mean are swapped: this is -log of the batch MEAN of the true-class probabilities, "
            "-log(mean(p[i, y[i]])); cross-entropy is the mean over the samples of -log p[i, y[i]], each row's log "
            "taken first, np.mean(log_norm - true_logit)":
                lambda: float(-np.log(np.mean(p[np.arange(n), y]))) if n > 1 else None,
            "-log p is summed over every class: only the true class y[i] counts":
                lambda: float(np.mean(-logp.sum(axis=1))),
            "y holds integer labels, not one-hot rows: y * log(p) broadcasts the labels over the classes; pick "
            "each row's true class with log_p[np.arange(N), y]":
                lambda: float(-np.mean(np.sum(y[None, :] * logp, axis=1))) if n == c else None,
            "one term is averaged over the batch and the other summed (the mean of the logsumexp terms minus the "
            "SUM of the true-class logits): average both, np.mean(log_norm - true_logit)":
                lambda: float(_logsumexp(zs).mean() - zs[np.arange(n), y].sum()) if n > 1 else None,
            "one term is averaged over the batch and the other summed (the SUM of the logsumexp terms minus the "
            "mean of the true-class logits): average both, np.mean(log_norm - true_logit)":
                lambda: float(_logsumexp(zs).sum() - zs[np.arange(n), y].mean()) if n > 1 else None,
            "the true-class logit is taken from the FLATTENED logits (np.take(z, y) or z.flat[y] picks entry y[i] of "
            "row 0 for every sample): each row i needs its own z[i, y[i]], z[np.arange(N), y]":
                lambda: float(np.mean(_logsumexp(zs).reshape(-1) - zs.ravel()[y])) if n > 1 else None,
            "the true-class log-probability is taken from the FLATTENED array (np.take(log_p, y) or log_p.flat[y] "
            "picks entry y[i] of row 0 for every sample): each row i needs its own log_p[i, y[i]], "
            "log_p[np.arange(N), y]": lambda: float(-np.mean(logp.ravel()[y])) if n > 1 else None,
            "the logsumexp shift m is the maximum over axis 0 (one per column, across the samples), so a row's loss "
            "depends on the other rows: each row is shifted by its OWN maximum, m = logits.max(axis=1, keepdims=True)":
                lambda: _ce_column_max(zs, y) if n > 1 else None,
            "the log is taken before the row sum: np.log(np.exp(z - m)).sum(axis=1) is just the sum of z - m; the "
            "logsumexp is m + np.log(np.exp(z - m).sum(axis=1)), the sum INSIDE the log (check the parentheses)":
                lambda: float(np.mean(zs.max(axis=1) + (zs - zs.max(axis=1, keepdims=True)).sum(axis=1)
                                      - zs[np.arange(n), y])) if c > 1 else None,
            "the log is taken before the row sum: np.log(np.exp(z)).sum(axis=1) is just the sum of z; the "
            "logsumexp is log(sum(exp(z))), the sum INSIDE the log (check the parentheses)":
                lambda: float(np.mean(zs.sum(axis=1) - zs[np.arange(n), y])) if c > 1 else None,
            "the log is base 10 (np.log10): cross-entropy uses the natural log, np.log": _ce(zs, y) / np.log(10),
            "the log is base 2 (np.log2): cross-entropy uses the natural log, np.log": _ce(zs, y) / np.log(2),
            "label smoothing with eps = 0.1 (0.9 on the true class, 0.1 spread over all classes): the loss to "
            "return is plain cross-entropy, the mean of -log p[y] with the one-hot target":
                lambda: 0.9 * _ce(zs, y) + 0.1 * float(np.mean(_logsumexp(zs).reshape(-1) - zs.mean(axis=1))),
        }
        tol = tolerance(dtype, scale=float(np.abs(zs).max()), rtol=1e-5, atol=1e-9)
        diagnose_only(got, _ce(zs, y), name=name, diagnose=ce_wrong, **tol)
        if c > 1 and not core.close(got, _ce(zs, y), *core.dtype_tolerance(got, tol["rtol"], tol["atol"])):
            y2 = ((y + 1) % c).astype(y.dtype)
            try:
                other = float(cross_entropy(z, y2))
            except Exception:
                other = None
            if other is not None and abs(other - got) <= 1e-12 + 1e-9 * abs(got) and abs(_ce(zs, y2) - _ce(zs, y)) > 1e-6:
                fail(f"{name} does not depend on the labels y (other labels give the same {got:.4g}): the loss is "
                     f"the mean of -log p[i, y[i]], the probability of each row's TRUE class", "cross-entropy-ignores-labels")
            _ce_shift_property(cross_entropy, z, y, got, name, tol)
            if n > 1:
                _rows_alone(cross_entropy, z, y, per, {"rtol": max(tol["rtol"], 1e-6), "atol": max(tol["atol"], 1e-7)},
                            name)
        expect_close(got, _ce(zs, y), name=name, diagnose=ce_wrong, **tol)
        if isinstance(raw, np.generic) and not isinstance(raw, float) or isinstance(raw, np.ndarray) and raw.ndim == 0:
            kind = (f"a 0-d numpy array ({raw.dtype})" if isinstance(raw, np.ndarray)
                    else f"{type(raw).__module__}.{type(raw).__name__}")
            fail(f"{name} returned {kind}, not a Python float: the docstring asks for a Python float; return "
                 f"float(np.mean(...)) (np.float32 is not a float to Python, and keeps only about 7 digits)",
                 "cross-entropy-returns-not-float")
    return run


def _ce_column_max(z, y) -> float:
    """The logsumexp trick written with the column maxima (axis=0): m[:, 0] + log(sum(exp(z - m)))."""
    m = z.max(axis=0, keepdims=True)
    return float(np.mean(m[:, 0] + np.log(np.exp(z - m).sum(axis=1)) - z[np.arange(len(y)), y]))


def _foreign_size(exc: core.CheckFailure, sizes: dict, what: str) -> None:
    """A broadcast error between arrays one of which has a size that no input has: the size was written
    into the code (a default such as one_hot's num_classes=10, a literal 784 or 10), not computed from
    the arguments.  Said only when the inputs' sizes do not contain it."""
    import re
    text = str(exc)
    found = re.search(r"broadcast together with shapes ((?:\([0-9, ]*\) ?)+)", text)
    if not found:
        return
    shapes = [tuple(int(v) for v in t.split(",") if v.strip()) for t in re.findall(r"\(([0-9, ]*)\)", found.group(1))]
    known = set(sizes.values()) | {1}
    foreign = sorted({d for shape in shapes for d in shape if d not in known})
    if len(foreign) != 1:
        return
    k = foreign[0]
    given = ", ".join(f"{name} = {v}" for name, v in sizes.items())
    default = (" such as one_hot(y) without num_classes, whose default is 10 classes: pass the number of "
               "columns of the " + what + f", one_hot(y, {what}.shape[1])") if k == 10 else ""
    fail(f"{text.split(' This is ')[0].rstrip(' .')}. An array of size {k} along one axis appears, but the inputs "
         f"have {given}: a size not taken from the arguments{default}", "foreign-size")


def _axis_roles(exc: core.CheckFailure, n: int, c: int, what: str, labels: bool = True) -> None:
    """An exception of a function of an (N, C) array and N labels, with N != C, read for the roles of the two
    axes: a broadcast of a C-vector against an N-vector (a reduction over the batch axis 0 where one per row
    belongs), or an index error where a label indexes the rows or a sample index the columns."""
    text = str(exc)
    if n == c or not _raised(exc):
        return
    head = text.split(". ")[0]
    shapes = re.search(r"could not be broadcast together with shapes \(([\d, ]*)\) \(([\d, ]*)\)", text)
    if shapes and "indexing arrays" in text:
        sizes = {tuple(int(d) for d in re.findall(r"\d+", m)) for m in shapes.groups()}
        if sizes == {(c,), (n,)}:
            fail(f"{head}: the two index arrays of a[rows, y] have C = {c} and N = {n} entries: one row index per "
                 f"label is needed, rows = np.arange(N) (N = {what}.shape[0] = {n}), not an index over the C "
                 f"classes; pick each row's true class with p[np.arange(N), y]", "index-arrays-mismatch")
        return
    if shapes:
        sizes = {tuple(int(d) for d in re.findall(r"\d+", m)) for m in shapes.groups()}
        if sizes in ({(n, c), (n,)}, {(n, c), (1, n)}):
            laid = ("(N,) without keepdims" if (n,) in sizes
                    else "a row (1, N) (a transpose .T of the (N, 1) column, or [None, :]?)")
            if labels and (n,) in sizes:
                laid = ("(N,): either the labels y themselves (y holds integer labels, not one-hot rows: pick each "
                        "row's true class with [np.arange(N), y]) or a per-sample reduction without keepdims")
            fail(f"{head}: values with one entry per SAMPLE (N = {n}) met the (N, C) = ({n}, {c}) array as {laid}; "
                 f"broadcasting lines shapes up from the LAST axis, so they stand against the C = {c} columns. A "
                 f"per-sample value must be a column (N, 1): keepdims=True, no transpose "
                 f"({what}.max(axis=1, keepdims=True), e.sum(axis=1, keepdims=True))", "per-sample-values-as-a-row")
        if sizes in ({(c,), (n,)}, {(1, c), (n,)}, {(c,), (n, 1)}):
            fail(f"{head}: a quantity with one value per CLASS (C = {c} values: a max, sum or logsumexp of {what} "
                 f"over axis 0, the batch axis) met one with one value per SAMPLE (N = {n}): per-sample quantities "
                 f"reduce over axis 1, the classes ({what}.max(axis=1, keepdims=True), .sum(axis=1))",
                 "reduced-over-batch-axis")
    index = re.search(r"index (\d+) is out of bounds for axis (\d) with size (\d+)", text)
    if index:
        k, axis, size = (int(v) for v in index.groups())
        if axis == 0 and size == n and n <= k < c:
            fail(f"{head}: row {k} was asked of an array with N = {n} rows, and {k} is a class label (labels go up "
                 f"to C - 1 = {c - 1}): a label was used as a ROW index (row and column swapped, a[y, np.arange(N)]?); rows are samples and a "
                 f"label picks the column, a[np.arange(N), y]", "label-as-row-index")
        if axis == 1 and size == c and c <= k < n:
            fail(f"{head}: column {k} was asked of an array with C = {c} columns, and {k} is a sample index (rows "
                 f"go up to N - 1 = {n - 1}): a sample index was used as a COLUMN index; a[np.arange(N), y] takes "
                 f"row i and column y[i]", "sample-as-column-index")


def _ce_shift_property(cross_entropy, z, y, got: float, name: str, tol: dict) -> None:
    """Adding a constant to every logit of a row changes nothing (logsumexp(z + c) - (z[y] + c)): a
    wrong loss that moves with the shift has a term that handles the row maximum on one side only."""
    shift = np.random.default_rng(len(y) * 100 + z.shape[1]).uniform(1.0, 4.0, (len(y), 1)).astype(z.dtype)
    try:
        other = float(cross_entropy(z + shift, y))
    except Exception:
        return
    rt, at = tol["rtol"], tol["atol"] + 64 * float(np.finfo(z.dtype).eps) * float(np.abs(z + shift).max())
    if abs(other - got) > at + rt * abs(got):
        moved = float(shift.mean())
        # one term that moves with its row's shift and one that does not: the change is +-mean(shift) exactly
        one_term = abs(abs(other - got) - moved) <= 1e-6 * max(1.0, moved) + at
        cause = ("one term of yours moves and the other does not (the row maximum m subtracted in one term only? "
                 "logsumexp(z) = m + log(sum(exp(z - m))) and z[y] is taken from the logits themselves)" if one_term
                 else "your two terms do not both come from the same row's logits (each row i must use its own "
                      "logsumexp(z[i]) and its own z[i, y[i]])")
        fail(f"{name} changes when a constant is added to every logit of a row (by {other - got:.4g} for shifts of "
             f"{moved:.4g} on average): -log softmax(z)[y] = logsumexp(z) - z[y] does not, because both terms move "
             f"with the shift; {cause}", "cross-entropy-not-shift-invariant")


def _rows_alone(cross_entropy, z, y, per, tol, name, context="") -> None:
    """Second probe of a wrong batch loss: each row alone.  When every row alone gives its own loss, the batch's
    rows depend on each other: a maximum or a sum over the whole batch where one per row belongs."""
    alone = []
    for i in range(len(y)):
        try:
            alone.append(expect_scalar(call(cross_entropy, z[i:i + 1], y[i:i + 1], label="cross_entropy",
                                            names=("logits", "y"), hint=CE_HINT), name=name))
        except core.CheckFailure:
            return
    if core.close(np.array(alone), per, tol["rtol"], tol["atol"]):
        fail(f"{name}: every row alone gives the right loss, but the rows together do not{context}: a row's result "
             f"depends on the other rows; a maximum or a sum over the whole batch (logits.max(), .sum() without axis) "
             f"or over the samples (axis=0, one value per column) where one per row belongs (axis=1, keepdims=True)",
             "rows-not-independent")


def _ce_scales_case(cross_entropy, r):
    """Rows on very different scales (offsets from -600 to +600): each row's loss is its own logsumexp minus
    its true logit, whatever the other rows hold.  When the batch fails but every row alone is right, a row
    depends on the others (a maximum or sum over the whole batch where one per row belongs)."""
    def run():
        z = r.normal(0, 2, (5, 4)) + np.array([[600.0], [-600.0], [0.0], [300.0], [-300.0]])
        y = _labels(r, 5, 4)
        name = signature("cross_entropy", ("logits", "y"), (z, y))
        per = _logsumexp(z) - z[np.arange(5), y]
        tol = tolerance(np.float32, scale=float(np.abs(z).max()), rtol=1e-6, atol=1e-9)   # float32 code is sound too
        failure, got = None, None
        try:
            got = expect_scalar(call(cross_entropy, z, y, label="cross_entropy", names=("logits", "y"), hint=CE_HINT), name=name)
            if core.close(got, per.mean(), tol["rtol"], tol["atol"]):
                return
        except core.CheckFailure as exc:
            if not (_raised(exc) or exc.diagnosis == "not-numerically-stable"):
                raise                                  # a wrong type or shape: said as it is
            failure = exc
        _rows_alone(cross_entropy, z, y, per, tol, name, " (their logits lie on very different scales, from -600 to "
                    "+600)")
        if failure is not None:
            raise failure
        expect_close(got, per.mean(), name=name, **tol)
    return run


def _ce_unlikely_case(cross_entropy, r):
    """Unlikely true classes: each row's true logit lies 9 to 12 below the row maximum (true-class probability
    1e-4 to 6e-6, losses 9 to 12), still far above any documented clamp of the probabilities (<= 1e-6). An
    epsilon added inside the log, -log(p + eps), is off there; told when the rows asked alone give one and the
    same eps (other probabilities, batch of one)."""
    def run():
        n, c = 6, 5
        z = r.normal(0, 1, (n, c))
        y = _labels(r, n, c)
        gaps = np.linspace(9.0, 12.0, n)
        z[np.arange(n), y] = np.where(np.arange(c)[None, :] == y[:, None], -np.inf, z).max(axis=1) - gaps
        name = signature("cross_entropy", ("logits", "y"), (z, y)) + " with unlikely true classes (the true logit 9 to 12 below the row maximum)"
        per = _logsumexp(z) - z[np.arange(n), y]
        tol = {"rtol": 1e-6, "atol": 1e-7}
        got = expect_scalar(call(cross_entropy, z, y, label="cross_entropy", names=("logits", "y"), hint=CE_HINT),
                            name=name)
        if core.close(got, per.mean(), **tol):
            return
        alone = []
        for i in range(n):
            try:
                alone.append(float(cross_entropy(z[i:i + 1], y[i:i + 1])))
            except Exception:
                break
        ps = np.exp(-per)
        if len(alone) == n and all(np.isfinite(alone)) and float(np.mean(alone)) < per.mean():
            eps = np.exp(-np.array(alone)) - ps
            if np.all(eps > 0) and np.ptp(np.log(eps)) < 0.01 and core.close(got, float(np.mean(alone)), 1e-6, 1e-9):
                e = float(np.exp(np.mean(np.log(eps))))
                fail(f"{name} gave {got:.6g}, expected {per.mean():.6g}: each row alone gives -log(p + {e:.3g}) with p "
                     f"its true-class probability (the same {e:.3g} on all {n} rows, p from {ps.min():.2g} to "
                     f"{ps.max():.2g}): an epsilon is added inside the log, so the loss is capped near -log(eps) = "
                     f"{-np.log(e):.3g} and is too small wherever p is not much larger than eps. Compute the loss from "
                     f"the logits, logsumexp(z) - z[y] (no epsilon needed)", "cross-entropy-epsilon-in-log")
        expect_close(got, per.mean(), name=name, **tol)
    return run


def cross_entropy(cross_entropy):
    r = core.rng("lab02.cross_entropy")
    cases = [(s, _ce_case(cross_entropy, r, n, c)) for s, n, c in CE_CASES]
    cases += [(None, _ce_case(cross_entropy, r, 6, 5, np.float32)),
              (None, _ce_case(cross_entropy, r, 9, 4, ydtype=np.int32)), (None, _ce_scales_case(cross_entropy, r)),
              (None, _ce_unlikely_case(cross_entropy, r))]
    _fresh_cases(cross_entropy, "cross_entropy", cases, special_last=True)
    # Extreme logits: the true class's probability underflows to 0 in float64.
    z = np.zeros((4, 10))
    z[:, 0] = 1000.0
    y = np.array([0, 3, 5, 9])
    hint = ("With logits like [1000, 0, ...] softmax rounds the other probabilities to exactly 0 "
            "and log(0) = -inf: compute the loss from the logits as logsumexp(z) - z[y] "
            "(or clamp the probabilities before the log)")
    name = signature("cross_entropy", ("logits", "y"), (z, y))
    got = _numerical(hint)(lambda: expect_scalar(call(cross_entropy, z, y, label="cross_entropy",
                                                      names=("logits", "y"), hint=CE_HINT), name=name))
    # A clamp of the probabilities at eps <= 1e-6 (Keras uses 1e-7) still gives >= 0.75 * ln(1e6) ~ 10.4.
    if got < 10:
        fail(f"{name} with a confident wrong prediction (logit margin 1000) gave {got:.3g}: "
             f"it must be very large (the exact value is {_ce(z, y):.1f}). {hint}", "cross-entropy-clamped-too-early")
    # The largest logit elsewhere than column 0, the first logit far below: the shift must be the row maximum.
    z = np.zeros((3, 5))
    z[:, 0] = -1000.0
    z[np.arange(3), [4, 2, 1]] = 1000.0
    y = np.array([1, 3, 4])
    z[np.arange(3), y] = 999.0          # a moderate loss: a documented clamp of the probabilities is not reached
    name = signature("cross_entropy", ("logits", "y"), (z, y))
    chosen = ("rows spread wide whose maximum is NOT in column 0 (e.g. [-1000, 0, 1000]): shift by the row "
              "maximum, not a chosen entry (z[:, :1] or another fixed column overflows exp): logsumexp(z) = m + "
              "log(sum(exp(z - m))) with m = z.max(axis=1, keepdims=True)")
    got = _numerical(chosen)(lambda: expect_scalar(call(cross_entropy, z, y, label="cross_entropy",
                                                        names=("logits", "y"), hint=CE_HINT), name=name))
    # logits of size 1000: a float32 computation (spacing 6e-5 there) is accepted
    expect_close(got, _ce(z, y), name=name, rtol=1e-5, atol=1e-3)
    # Uniform logits: the loss of a guess is ln C.
    z = np.zeros((3, 10), np.float32)
    got = expect_scalar(call(cross_entropy, z, np.array([1, 2, 3]), label="cross_entropy", names=("logits", "y"), hint=CE_HINT),
                        name="cross_entropy(all-zero logits)")
    expect_close(got, np.log(10), name="cross_entropy(all-zero float32 logits of shape (3, 10))",
                 rtol=1e-5, atol=1e-6)


def _sce_case(fn, one_hot, r, n, c, dtype=np.float64):
    def run():
        z = r.normal(0, 2, (n, c))
        y = _labels(r, n, c)
        probs = _softmax(z).astype(dtype)
        name = signature("softmax_cross_entropy_backward", ("probs", "y"), (probs, y))
        Y = _onehot(y, c)

        def own_one_hot():
            try:
                return np.asarray(one_hot(y, c), dtype=_float64)
            except Exception:
                return None
        named = None
        try:
            got = call(fn, probs, y, label="softmax_cross_entropy_backward", names=("probs", "y"),
                       want=lambda: (probs.astype(_float64) - Y) / n,
                       hint="a shape mismatch: the gradient has the shape of probs, (N, C): (probs - one_hot(y)) / N")
        except core.CheckFailure as exc:
            # Relative to the student's one_hot: when their one_hot(y, C) itself raises the same error, the
            # crash belongs to one_hot (judged in its own cell), before any reading of the traceback.
            try:
                one_hot(y, c)
            except Exception as inner:
                if core.error_kind(inner) != "NotImplementedError" and \
                        f"raised {core.error_kind(inner)}: {inner}" in str(exc).split(". This is")[0]:
                    return
            _axis_roles(exc, n, c, "probs")
            k = int(y.max()) + 1
            mine = own_one_hot() if k != c else None
            if k != c and _raised(exc) and f"({n},{k})" in str(exc).replace(" ", "") \
                    and not (mine is not None and mine.shape == (n, k)):     # else their one_hot's own slip
                # said outside this except block: the raising call's comparison is not searched for a change
                # (`+ 1` -> `+ 2` fits where C happens to be y.max() + 2, a coincidence, not the slip)
                named = (f"{name}: a one-hot matrix of shape {(n, k)} met probs of shape {(n, c)}: its number of "
                         f"columns, {k}, is y.max() + 1, the largest label of THIS batch plus 1, but a batch need not "
                         f"contain the last class; the one-hot must have as many columns as probs, "
                         f"one_hot(y, probs.shape[1]), num_classes = C = {c} whatever labels occur")
            if named is None:
                if _raised(exc) and c != 10 and f"({n},10)" in str(exc).replace(" ", ""):
                    own = own_one_hot()
                    if own is not None and own.shape == (n, 10):
                        return      # their one_hot ignores num_classes even when given it: judged in one_hot's cell
                    fail(f"{name}: one_hot(y) without num_classes has 10 columns, but probs has C = {c}: "
                         f"use one_hot(y, probs.shape[1])", "sce-backward-one-hot-default-classes")
                # Relative to the student's one_hot: when (probs - their one_hot(y)) fails the same way,
                # the crash belongs to one_hot (judged in its own cell).
                try:
                    one_hot(y, c)
                except Exception as inner:      # their one_hot itself raises the same error (judged in its cell)
                    if core.error_kind(inner) != "NotImplementedError" and \
                            f"raised {core.error_kind(inner)}: {inner}" in str(exc).split(". This is")[0]:
                        return
                own = own_one_hot()
                if _raised(exc) and own is not None and not same(own, Y):
                    try:
                        _ = probs.astype(_float64) - own
                    except Exception as inner:
                        if f"raised {core.error_kind(inner)}: {inner}" in str(exc).split(". This is")[0]:
                            return
                raise
        if named is not None:
            fail(named, "sce-backward-classes-from-labels")
        if isinstance(got, np.ndarray) and got.shape == (c,) and n > 1:
            fail(f"{name} returned shape {(c,)}: return one row per sample, (N, C) = {(n, c)} (the 1/N divides, "
                 f"it does not average the rows away)", "sce-backward-averaged-rows")
        own = own_one_hot()
        if own is not None and isinstance(got, np.ndarray) and not (own.shape == Y.shape and same(own, Y)):
            try:
                relative = (probs.astype(_float64) - own) / n
            except Exception:
                relative = None
            if relative is not None and relative.shape == got.shape and core.close(got, relative, 1e-4, 1e-7):
                return               # right with the student's one_hot, which is judged in its own cell
        _size_one_axes_dropped(got, (n, c), (probs, y),
                               lambda q, v: (q - np.eye(c)[v]) / (q.shape[0] if q.ndim > 1 else 1), name)
        got = expect_array(got, name=name, shape=(n, c))
        ps = probs.astype(_float64)
        zs = np.log(np.maximum(ps, 1e-300))                  # logits whose softmax is exactly probs
        numeric = core.numerical_gradient(lambda zz: _ce(zz, y), zs.copy())
        want = (ps - Y) / n
        tol = tolerance(dtype, _floored(got), rtol=1e-5, atol=1e-7)
        _low_precision(got, want, name)
        if not core.close(got, want, *core.dtype_tolerance(got, tol["rtol"], tol["atol"])):
            # Judged relative to the student's one_hot: (probs - your one_hot(y)) / N is right here.
            own = own_one_hot()
            if own is not None and own.shape == (n, c) and not core.close(own, Y, 0, 0) \
                    and core.close(got, (ps - own) / n, *core.dtype_tolerance(got, tol["rtol"], tol["atol"])):
                return
            if own is not None and own.shape == (n, c) and _not_zeroed(own, y):
                return      # their one_hot leaves memory garbage (np.empty), different in every call made
                            # inside their backward: judged in one_hot's cell
        sce_wrong = {
            "the 1/N is missing: the loss is a mean, so dlogits = (probs - one_hot(y)) / N": ps - Y,
            "the 1/N is applied twice: divide (probs - one_hot(y)) by N once": (ps - Y) / n ** 2,
            "the labels are not one-hot encoded: subtract one_hot(y) (N, C), not the integer labels":
                (ps - y[:, None]) / n,
            "softmax applied twice: the input is already probabilities, do not softmax it again":
                lambda: (_softmax(ps) - Y) / n,
            "the one-hot of the PREDICTED class (probs.argmax(axis=1)) is subtracted instead of the one-hot of the "
            "true labels y: dlogits = (probs - one_hot(y)) / N": (ps - _onehot(ps.argmax(axis=1), c)) / n,
            "the sign is flipped: dL/dz = (p - y) / N, not (y - p) / N": (Y - ps) / n,
            "this is the gradient of the squared error ||p - y||^2, not of cross-entropy: dL/dz = (p - y) / N":
                2 * (ps - Y) / n,
            "this is dL/dprobs (-y / p / N), the gradient with respect to the probabilities: return the "
            "gradient with respect to the logits, (p - y) / N": lambda: -Y / np.maximum(ps, 1e-300) / n,
            "the softmax derivative is applied again on top of (p - y): for softmax followed by cross-entropy "
            "the Jacobian is already folded into (p - y) / N": (ps - Y) * ps * (1 - ps) / n,
            "yours is (probs - one_hot(y)) / N multiplied entrywise by probs: a factor of the softmax derivative "
            "(dp/dz = p * (...)) applied again on top of (p - y) / N; for softmax followed by cross-entropy the "
            "softmax Jacobian is already folded into (probs - one_hot(y)) / N, return it as it is":
                ps * (ps - Y) / n,
            "yours is (probs - one_hot(y)) / N multiplied entrywise by (1 - probs): a factor of the softmax "
            "derivative (dp/dz = p * (1 - p) on the diagonal) applied again on top of (p - y) / N; return "
            "(probs - one_hot(y)) / N as it is": (1 - ps) * (ps - Y) / n,
            "the softmax derivative is applied twice: (probs - one_hot(y)) / N is already dL/dlogits (the softmax "
            "Jacobian is folded into it), and yours is that gradient pushed through the softmax Jacobian again, "
            "probs * (g - sum(g * probs, axis=1)); return (probs - one_hot(y)) / N as it is":
                lambda: ps * ((ps - Y) / n - np.sum((ps - Y) / n * ps, axis=1, keepdims=True)),
            "divided by C (the number of classes) instead of N (the batch size)": (ps - Y) / c if c != n else None,
            "every entry is rounded down to a whole number: a floor division // (or int()) where / belongs, "
            "(probs - one_hot(y)) / N": np.floor((ps - Y) / n) if n > 1 else None,
            "only one_hot(y) is divided by N (operator precedence: probs - one_hot(y) / N): put the whole "
            "difference in parentheses, (probs - one_hot(y)) / N": ps - Y / n if n > 1 else None,
            "only probs is divided by N (operator precedence: probs / N - one_hot(y)): put the whole "
            "difference in parentheses, (probs - one_hot(y)) / N": ps / n - Y if n > 1 else None,
        }
        diagnose_only(got, want, name=name, diagnose=sce_wrong, **tol)
        _label_entries_apart(got, want, ps, n, name, tol)
        rows = got.astype(_float64).sum(axis=1) * n
        if n > 1 and not core.close(got, want, *core.dtype_tolerance(got, tol["rtol"], tol["atol"])) \
                and not core.close(rows, np.zeros(n), 1e-4, 1e-4):
            fail(f"{name}: each row of dlogits must sum to 0 (the probabilities sum to 1, minus a single 1 at the "
                 f"label), but N times your rows sum to {np.round(rows[:5], 3).tolist()}: subtract 1 once per row, "
                 f"at (i, y[i]) (g[np.arange(N), y] -= 1; g[:, y] -= 1 hits whole columns)", "sce-rows-not-zero-sum")
        factor = explain_factor(got, want, {"N": n, "C": c}, divisor="N") if n != c else None
        if factor and not core.close(got, want, *core.dtype_tolerance(got, tol["rtol"], tol["atol"])):
            fail(f"{name}: {factor}: the loss is the mean over the N samples, so dlogits = (probs - one_hot(y)) / N",
                 "sce-backward-factor")
        expect_close(got, want, name=name, diagnose=sce_wrong, **tol)
        # The reference gradient is the derivative of the mean cross-entropy (guards the oracle).
        if dtype == np.float64 and not core.close((ps - Y) / n, numeric, 1e-4, 1e-6):
            fail("internal check error: oracle and finite differences disagree")
    return run


def _label_entries_apart(got, want, ps, n: int, name: str, tol: dict) -> None:
    """The label entries (i, y[i]) and the other entries compared apart: right at the labels and wrong
    everywhere else (or the reverse) says which part of (probs - one_hot(y)) / N the code mishandles."""
    g = np.asarray(got, dtype=_float64)
    lab = np.isclose(want * n - ps, -1.0)          # where one_hot(y) is 1
    if n < 2 or g.shape != want.shape or not lab.any() or lab.all():
        return
    rt, at = core.dtype_tolerance(got, tol["rtol"], tol["atol"])
    right_lab, right_other = core.close(g[lab], want[lab], rt, at), core.close(g[~lab], want[~lab], rt, at)
    if right_lab == right_other:
        return
    part = ~lab if right_lab else lab
    w, v = want[part], g[part]
    off = (v - w) * n
    if right_lab and np.allclose(off, np.round(off), atol=1e-4) and np.any(np.round(off)):
        return      # whole 1s subtracted off the labels (g[:, y] -= 1, probs - 1): the rows-sum reading says so
    big = np.abs(w) > 10 * at
    k = float(np.median(v[big] / w[big])) if big.any() else float("nan")
    scaled = bool(np.isfinite(k)) and core.close(v, k * w, rt, at)
    if right_lab:
        detail = (f"there yours are N = {n} times the expected, probs without the 1/N: the 1/N is applied only at the "
                  f"label entries" if scaled and abs(k - n) <= 1e-4 * n else
                  f"there yours are {k:.4g} times the expected" if scaled else
                  f"largest error {float(np.abs(v - w).max()):.3g}")
        fail(f"{name}: right at the label entries (i, y[i]), wrong at every other entry ({detail}): every entry of "
             f"the gradient is divided by N, dlogits = (probs - one_hot(y)) / N (subtract 1 at the labels, then "
             f"divide the WHOLE array by N)", "sce-backward-wrong-off-labels")
    detail = ("there yours are probs / N: the 1 of the label is not subtracted" if core.close(v, ps[part] / n, rt, at)
              else f"there yours are {k:.4g} times the expected" if scaled
              else f"largest error {float(np.abs(v - w).max()):.3g}")
    fail(f"{name}: right at every entry but the label entries (i, y[i]), wrong there ({detail}): subtract 1 once per "
         f"row, at (i, y[i]), and divide the whole difference by N: (probs - one_hot(y)) / N "
         f"(g[np.arange(N), y] -= 1; g[:, y] -= 1 hits whole columns)", "sce-backward-wrong-at-labels")


def softmax_cross_entropy_backward(fn, one_hot):
    """Judged relative to the student's one_hot (the docstring writes the gradient with it)."""
    r = core.rng("lab02.sce_backward")
    _fresh_cases(fn, "softmax_cross_entropy_backward", [
               ("N == C", _sce_case(fn, one_hot, r, 10, 10)), ("a batch of one sample", _sce_case(fn, one_hot, r, 1, 10)),
               (None, _sce_case(fn, one_hot, r, 6, 10)), (None, _sce_case(fn, one_hot, r, 4, 3)),
               (None, _sce_case(fn, one_hot, r, 7, 5)), (None, _sce_case(fn, one_hot, r, 5, 8, np.float32))],
              special_last=True)
    g = core.rng("lab02.sce_backward.twice")
    draws = [_softmax(g.normal(0, 1, (5, 4))) for _ in range(4)]

    def between_calls() -> None:
        _results_kept(fn, "softmax_cross_entropy_backward(probs of shape (5, 4), y)",
                      *((P, np.array([0, 3, 1, 2, 1])) for P in draws[:2]), {(): "dlogits"})
        _follows_new_values(fn, "softmax_cross_entropy_backward(probs of shape (5, 4), y)",
                            (draws[2], np.array([0, 3, 1, 2, 1])), (draws[3], np.array([2, 0, 0, 3, 1])),
                            lambda P, y: (P - _onehot(y, 4)) / len(y))
    broken = _one_hot_broken(one_hot)
    # Their one_hot answers wrong (judged in its own cell): the state questions are asked with the reference
    # one_hot lent in its place, so that mistake costs its own cell only.
    if not broken or not core.judged_again(
            between_calls, core.lent_globals(fn, {"one_hot": _lent_one_hot}),
            f"judged with the reference one_hot in place of yours, which {broken}: see its own cell"):
        between_calls()


def _lent_one_hot(y, num_classes=10):
    """one_hot as documented (lent in place of a student's broken one)."""
    return _onehot(np.asarray(y), int(num_classes))


def _one_hot_broken(one_hot) -> str | None:
    """What the student's one_hot gets wrong on two small label vectors, or None when it answers right."""
    for y, c in ((np.array([0, 3, 1, 2, 1]), 4), (np.array([2, 0, 0, 3, 1]), 4), (np.array([1, 0, 2]), 5)):
        try:
            got = np.asarray(one_hot(np.array(y, copy=True), c), dtype=_float64)
        except Exception:
            return f"raises on one_hot(y of shape {y.shape}, {c})"
        if got.shape != (len(y), c) or not core.close(got, _onehot(y, c), 0, 0):
            return f"answers wrong on one_hot(y of shape {y.shape}, {c})"
    return None


# ---------------------------------------------------------------------------------------------
# The network
# ---------------------------------------------------------------------------------------------

def _not_centred(init_params, label: str, k: str, w, gain: float) -> None:
    """Weights whose mean is not 0: what their distribution is, read on this call and confirmed on a second
    size (mean and std of every (n_in, n_hidden, n_out) tried); said plainly when no reading fits both."""
    fan = {"W1": 0, "W2": 1}[k]
    mean, std = float(w.mean()), float(w.std())

    def std_as_mean(v, fan_in) -> bool:      # rng.normal(std, size=...): mean = the documented std, std = 1
        want = float(np.sqrt(gain / fan_in))
        m, sd = float(v.mean()), float(v.std())
        return abs(m - want) <= 5 / np.sqrt(v.size) + 0.05 * want and abs(sd - 1.0) <= 0.1

    def non_negative(v) -> bool:
        return bool(v.min() >= 0)

    seen = []
    for dims in [(784, 256, 10), (40, 300, 7)]:
        try:
            q = init_params(*dims, np.random.default_rng(6))
            seen.append((np.asarray(q[k], dtype=_float64), dims[fan]))
        except Exception:
            seen = []
            break
    said = f"{label}: {k} has mean {mean:.3g} (std {std:.3g}): weights must be centred on 0"
    if len(seen) == 2 and all(std_as_mean(v, f) for v, f in seen):
        fail(f"{said}. On two sizes your {k} has mean sqrt({gain:g} / fan_in) ({', '.join(f'{float(v.mean()):.3g}' for v, _ in seen)}) "
             f"and std 1: the std was given as rng.normal's FIRST argument, which is the mean (loc); the std is the "
             f"second, scale: rng.normal(0.0, std, size=...) or rng.standard_normal(size) * std",
             "init-params-std-as-mean")
    if len(seen) == 2 and all(non_negative(v) for v, _ in seen):
        fail(f"{said}: on two sizes every entry is >= 0 (from {float(w.min()):.3g} to {float(w.max()):.3g}), a "
             f"draw such as rng.random or rng.uniform(0, ...); draw them from a zero-mean normal, "
             f"rng.standard_normal(size) * std", "init-params-not-centred")
    fail(f"{said} (draw them from a zero-mean normal, rng.standard_normal(size) * std)", "init-params-not-centred")


def init_params(init_params):
    keys = ("W1", "b1", "W2", "b2")
    scales = []              # judged once the grossly wrong scales (too large, too small) had their say
    piled: dict = {"W1": [], "W2": []}   # per weight and size: how many entries sit exactly at the largest |w|
    for n_in, n_h, n_out in [(784, 256, 10), (40, 300, 7)]:
        shapes = {"W1": (n_in, n_h), "b1": (1, n_h), "W2": (n_h, n_out), "b2": (1, n_out)}
        label = f"init_params({n_in}, {n_h}, {n_out}, rng)"
        p = call(init_params, n_in, n_h, n_out, np.random.default_rng(5), label="init_params",
                 names=("n_in", "n_hidden", "n_out", "rng"), hint=INIT_HINT)
        if not isinstance(p, dict) or set(p) != set(keys):
            fail(f"{label} must return a dict with the keys {keys}, got "
                 f"{sorted(p) if isinstance(p, dict) else core.describe(p)}", "init-params-keys")
        for k in keys:
            expect_array(p[k], name=f"{label}['{k}']", dtype=np.float32, shape=shapes[k])
        for k in ("b1", "b2"):
            if np.any(p[k] != 0):
                fail(f"{label}: the biases start at zero ({k} is not all zeros)", "init-params-bias")
        for k, fan_in, fan_out, gain, rule in [("W1", n_in, n_h, 2.0, "the He std sqrt(2 / n_in) (a ReLU follows)"),
                                               ("W2", n_h, n_out, 1.0, "the LeCun std sqrt(1 / n_hidden) (no ReLU follows)")]:
            w = p[k].astype(_float64)
            std = float(w.std())
            if std == 0:
                _zero_scale(init_params, label, k, p[k], gain, rule, fan_in)
                fail(f"{label}: {k} is all zeros (or constant): every hidden unit would compute "
                     f"the same thing forever (symmetry); draw random weights", "init-params-constant")
            if abs(float(w.mean())) > 4 * std / np.sqrt(w.size) + 1e-12:
                _not_centred(init_params, label, k, w, gain)
            low = 0.8 * min(np.sqrt(1 / fan_in), np.sqrt(2 / (fan_in + fan_out)))
            high = 1.25 * np.sqrt(2 / fan_in)
            if std > high:
                fail(f"{label}: {k} has std {std:.3g}, too large for fan-in {fan_in}: the docstring asks for {k} "
                     f"{rule} = {np.sqrt(gain / fan_in):.3g}", "init-params-too-large")
            if std < low:
                fail(f"{label}: {k} has std {std:.3g}, too small for fan-in {fan_in} (signals "
                     f"vanish): the docstring asks for {k} {rule} = {np.sqrt(gain / fan_in):.3g}"
                     + (" (is the square root missing? that gives " + f"{gain / fan_in:.3g})"
                        if abs(std / (gain / fan_in) - 1) < 0.2 else
                        " (a fixed scale such as 0.01 ignores the fan-in: compute the std from it)"
                        if abs(std / 0.01 - 1) < 0.2 else ""), "init-params-too-small")
            scales.append((label, k, std, fan_in, gain, rule, {"n_in": n_in, "n_hidden": n_h, "n_out": n_out}))
            edge = float(np.abs(w).max())
            piled[k].append((label, int(np.sum(np.abs(w) == edge)), w.size, edge, edge / np.sqrt(gain / fan_in)))
    _weights_clipped(piled)
    for scale in scales:
        _init_scale(*scale)
    # Reproducible through rng, and actually drawn from it.
    a, b, c = (call(init_params, 30, 20, 5, np.random.default_rng(s), label="init_params",
                    names=("n_in", "n_hidden", "n_out", "rng"), hint=INIT_HINT) for s in (7, 7, 8))
    if not _array_equal(a["W1"], b["W1"]) or _array_equal(a["W1"], c["W1"]):
        fail("init_params must draw its weights from the rng argument (same rng seed -> same "
             "weights, different seed -> different weights), not from np.random directly", "init-params-rng")
    _init_draws_again(init_params)


def _weights_clipped(piled: dict) -> None:
    """A normal draw has ONE largest |w|; clipped weights (np.clip(W, -c, c)) pile a share of their entries up at
    exactly +-c. Told when it holds on both sizes asked (other shapes, other fans-in)."""
    for k, seen in piled.items():
        if len(seen) == 2 and all(count >= max(5, 0.002 * size) for _, count, size, _, _ in seen):
            label, count, size, edge, in_std = seen[0]
            fail(f"{label}: {count} of the {size} entries of {k} ({100 * count / size:.2g} %) equal +-{edge:.4g} "
                 f"exactly, the largest |{k}| ({in_std:.3g} times the docstring's std), and so on the second size "
                 f"({seen[1][1]} of {seen[1][2]}): a normal draw has one largest value, so the weights were clipped "
                 f"(np.clip at +-{in_std:.2g} std, a truncated-normal habit); draw them from the normal as they "
                 f"come, rng.standard_normal(size) * std, without clipping", "init-params-clipped")


_INIT_TWICE = """
def init_twice(fn, seed):
    import numpy as np
    g = np.random.default_rng(seed)
    first = fn(30, 20, 5, g)
    second = fn(30, 20, 5, g)
    same = [k for k in ("W1", "W2") if isinstance(first, dict) and isinstance(second, dict) and k in first
            and k in second and np.shape(first[k]) == np.shape(second[k]) and np.array_equal(first[k], second[k])]
    return same
"""


def _init_draws_again(init_params) -> None:
    """State kept between calls (generators): two calls with ONE generator draw new weights the second time, as
    the generator has moved on (two networks initialised from one rng must differ); the same weights again mean a
    result kept between calls (a cache, functools.lru_cache) or a generator re-made from a fixed seed inside.
    Both calls run where student code runs, with one generator object (arguments otherwise cross by copy)."""
    try:
        same = core.kernel_functions(_INIT_TWICE)["init_twice"](init_params, 11)
    except Exception:
        return                     # a raising init_params is named by the cases above
    if same:
        fail(f"init_params(30, 20, 5, rng) called twice with the SAME generator returned the same {same[0]} "
             f"both times: the second call must draw new numbers from rng (a generator moves on with every draw); "
             f"a result kept between calls (a cache such as functools.lru_cache, a dict stored on the function) or "
             f"a generator re-made from a fixed seed inside init_params gives the same weights again",
             "init-params-same-draw")


def _zero_scale(init_params, label: str, k: str, w, gain: float, rule: str, fan_in: int) -> None:
    """Second probe of all-zero weights: with fan-in 2 the docstring's scale is sqrt(gain / 2) and an
    integer division gain // 2 is not 0. Random weights there mean the draw is right and the scale is 0."""
    if np.any(np.asarray(w) != 0):
        return
    try:
        small = call(init_params, 2, 3, 2, np.random.default_rng(5), label="init_params",
                     names=("n_in", "n_hidden", "n_out", "rng"), hint=INIT_HINT)
        small = np.asarray(small[k], dtype=_float64)
    except Exception:
        return
    if small.size > 1 and float(small.std()) > 0:
        fail(f"{label}: {k} is all zeros, yet init_params(2, 3, 2, rng) gives random {k}: the weights are drawn, but "
             f"their scale is 0 for fan-in {fan_in} (integer division? {int(gain)} // {fan_in} = 0; write "
             f"{int(gain)} / {fan_in}); the docstring asks for {k} {rule} = {np.sqrt(gain / fan_in):.3g}",
             "init-params-zero-scale")


def _init_scale(label: str, k: str, std: float, fan_in: int, gain: float, rule: str, sizes: dict) -> None:
    """The docstring fixes each weight's scale: a std that matches another rule (written with the
    function's own arguments) is named."""
    want = np.sqrt(gain / fan_in)
    if 0.9 < std / want < 1.1:          # thousands of draws: the sample std is within 2 % of the true one
        return
    known = {}
    names = list(sizes)
    for i, a in enumerate(names):
        for top in (1, 2):
            known[f"sqrt({top} / {a})"] = np.sqrt(top / sizes[a])
        for b in names[i + 1:]:
            known[f"sqrt(2 / ({a} + {b})) (Xavier/Glorot)"] = np.sqrt(2 / (sizes[a] + sizes[b]))
    close = [f"{rule_name} = {value:.3g}" for rule_name, value in known.items() if 0.97 < std / value < 1.03]
    fail(f"{label}: {k} has std {std:.3g}" + (f", which is {close[0]}" if close else "")
         + f"; the docstring asks for {k} {rule} = {want:.3g} (fan_in = {fan_in})", "init-params-scale")


def _check_params_dict(p, like, name):
    if not isinstance(p, dict) or set(p) != set(like):
        fail(f"{name} must return a dict with the keys {sorted(like)}, got "
             f"{sorted(p) if isinstance(p, dict) else core.describe(p)}", "params-dict-keys")
    for k, v in like.items():
        got = p[k]
        if k.startswith("b") and isinstance(got, np.ndarray) and got.ndim == 2 and got.shape[1:] == v.shape[1:] \
                and got.shape[0] > 1:
            fail(f"{name}['{k}'] must be summed over the batch axis: expected shape {v.shape}, got {got.shape}",
                 "bias-gradient-not-summed")
        if k.startswith("b") and isinstance(got, np.ndarray) and got.shape == v.shape[1:]:
            fail(f"{name}['{k}']: expected shape {v.shape}, got {got.shape} (sum with keepdims=True)",
                 "bias-gradient-keepdims")
        if k.startswith("W") and isinstance(got, np.ndarray) and got.shape == v.shape[::-1] and v.shape[0] != v.shape[1]:
            fail(f"{name}['{k}'] has shape {got.shape}: the gradient of {k} has the shape of {k}, {v.shape} "
                 f"(a transpose is wrong)", "weight-gradient-transposed")
        expect_array(got, name=f"{name}['{k}']", shape=v.shape)


# (special, N, n_in, n_hidden, n_out)
NET_CASES = [("n_in == n_hidden == n_out", 5, 6, 6, 6), ("a batch of one sample", 1, 784, 16, 10),
             (None, 5, 12, 8, 4), (None, 9, 6, 20, 10), (None, 7, 3, 5, 2)]


def _forward_case(forward, r, n, n_in, n_h, n_out, dtype=_float64, x_scale=1.0):
    def run():
        p = _random_params(r, n_in, n_h, n_out, dtype)
        X = r.normal(0, x_scale, (n, n_in)).astype(dtype)
        before = _copy_params(p)
        name = signature("forward", ("params", "X"), (p, X))
        out = call(forward, p, X, label="forward", names=("params", "X"),
                   hint=f"{SHAPE_HINT}: Z1 = X @ W1 + b1 is (N, n_hidden), logits = A1 @ W2 + b2 is (N, n_out)")
        _unchanged(before, p, name, "params")
        if not isinstance(out, tuple) or len(out) != 2:
            fail(f"{name} must return a pair (logits, cache)", "forward-not-a-pair")
        try:
            logits = expect_array(out[0], name=f"the logits of {name}", shape=(n, n_out))
        except core.CheckFailure as exc:
            if exc.diagnosis == "shape-batch-axis-reduced":       # named: wins over a degenerate case's guess
                fail(str(exc), "forward-batch-axis-reduced")
            raise
        pw = {k: v.astype(_float64) for k, v in p.items()}
        want, Z1, A1 = _forward(pw, X)
        cache = out[1]
        no_relu = _forward(pw, X, relu=False)[0]
        if isinstance(cache, (tuple, list)) and len(cache) == 3 and isinstance(cache[2], np.ndarray) \
                and cache[2].shape == A1.shape and core.close(cache[2], A1, 1e-5, 1e-7) \
                and not core.close(Z1, A1, 1e-5, 1e-7) and core.close(logits, no_relu, 1e-5, 1e-7):
            fail(f"the logits of {name} are Z1 @ W2 + b2: your cache holds the right A1 = ReLU(Z1), but the logits "
                 f"are computed from the pre-activation Z1; logits = A1 @ W2 + b2", "forward-logits-from-z1")
        Xs = X.astype(_float64)
        forward_wrong = {
            "forward must return the logits, without softmax (the loss applies softmax itself; "
            "applying it here means softmax is applied twice)": lambda: _softmax(want),
            "the ReLU is missing on the hidden layer": lambda: _forward(pw, X, relu=False)[0],
            "a bias is missing (add b2 to the logits)": lambda: want - pw["b2"],
            "b1 is added to the logits where b2 belongs: logits = A1 @ W2 + b2":
                lambda: want - pw["b2"] + pw["b1"] if n_h == n_out else None,
            "a bias is missing (add b1 to the hidden layer)":
                lambda: _forward({**pw, "b1": np.zeros_like(pw["b1"])}, X)[0],
            "the ReLU is applied to the logits too: the output layer is linear": lambda: np.maximum(want, 0),
            "each row of logits is shifted by its maximum (logits - logits.max(axis=1, keepdims=True)): forward "
            "returns the raw logits A1 @ W2 + b2; the shift by the row maximum belongs inside softmax and "
            "logsumexp, which forward does not apply": lambda: want - want.max(axis=1, keepdims=True),
            "each row of logits is shifted by its mean (logits - logits.mean(axis=1, keepdims=True)): forward "
            "returns the raw logits A1 @ W2 + b2": lambda: want - want.mean(axis=1, keepdims=True),
            "a weight matrix is used transposed: Z1 = X @ W1 with W1 of shape (n_in, n_hidden)":
                lambda: _forward({**pw, "W1": pw["W1"].T}, X)[0] if n_in == n_h else None,
            "a weight matrix is used transposed: logits = A1 @ W2 with W2 of shape (n_hidden, n_out)":
                lambda: _forward({**pw, "W2": pw["W2"].T}, X)[0] if n_h == n_out else None,
        }
        forward_wrong["X was divided by 255 inside forward: forward takes X as it is given (the images are scaled "
                      "once, by normalize, before the network sees them): Z1 = X @ W1 + b1 on X itself"] = \
            lambda: _forward(pw, Xs / 255.0)[0]
        diagnose_only(logits, want, name=f"the logits of {name}", diagnose=forward_wrong, rtol=1e-6, atol=1e-8)
        if not core.close(logits, want, 1e-6, 1e-8):
            _hidden_activation(cache, logits, pw, Z1, A1, name)
            _input_rescaled(cache, logits, pw, Xs, name)
            _rows_independent(forward, p, X, logits, want, name)
        _which_input(lambda W1, b1, W2, b2, X: forward({"W1": W1, "b1": b1, "W2": W2, "b2": b2}, X)[0],
                     lambda W1, b1, W2, b2, X: _forward({"W1": W1, "b1": b1, "W2": W2, "b2": b2}, X)[0],
                     {**p, "X": X}, logits, want, f"the logits of {name}", "lab02.forward")
        expect_close(logits, want, name=f"the logits of {name}", diagnose=forward_wrong, rtol=1e-6, atol=1e-8)
        cache = out[1]
        fmt = "the tuple (X, Z1, A1) of the input, the pre-activation X @ W1 + b1 and ReLU(Z1), as the docstring fixes"
        if not isinstance(cache, (tuple, list)) or len(cache) != 3:
            n_items = len(cache) if isinstance(cache, (tuple, list)) else core.describe(cache)
            fail(f"the cache of {name} must be {fmt} (got {n_items}{' items' if isinstance(n_items, int) else ''})",
                 "forward-cache-format")
        for item, label in zip(cache, ("X", "Z1", "A1")):
            if dtype == _float64 and isinstance(item, np.ndarray) and item.dtype.kind == "f" and item.dtype != _float64:
                fail(f"the cache of {name}: item {label} has dtype {item.dtype}, but X and the params are float64: "
                     f"forward converted {'X' if label == 'X' else 'a value on the way'} to {item.dtype} (an "
                     f".astype({item.dtype})?), which rounds it to about 7 digits; forward computes in the dtype of "
                     f"its inputs and caches X itself", "forward-dtype-changed")
        for item, want_item, label in zip(cache, (Xs, Z1, A1), ("X", "Z1", "A1")):
            if not isinstance(item, np.ndarray) or item.shape != want_item.shape \
                    or not core.close(item, want_item, *core.dtype_tolerance(item, 1e-6, 1e-8, 10.0)):
                if label == "Z1" and isinstance(item, np.ndarray) and core.close(item, A1, 1e-5, 1e-7) \
                        and isinstance(cache[2], np.ndarray) and core.close(cache[2], Z1, 1e-5, 1e-7):
                    fail(f"the cache of {name} has Z1 and A1 swapped: it must be {fmt}", "forward-cache-order")
                if label == "Z1" and isinstance(item, np.ndarray) and core.close(item, A1, 1e-5, 1e-7) \
                        and not core.close(Z1, A1, 1e-5, 1e-7):
                    fail(f"the cache of {name}: its second item, Z1, equals ReLU(Z1) = A1 (the logits are right): "
                         f"either A1 was written in Z1's place in the cache, (X, A1, A1), or the ReLU was applied in "
                         f"place on Z1 (np.maximum(Z1, 0, out=Z1) or Z1[Z1 < 0] = 0), which destroys the "
                         f"pre-activation; the cache must be (X, Z1, A1) with Z1 = X @ W1 + b1 before the ReLU and A1 "
                         f"a new array", "forward-relu-in-place")
                if label == "A1" and isinstance(item, np.ndarray) and core.close(item, Z1, 1e-5, 1e-7) \
                        and not core.close(Z1, A1, 1e-5, 1e-7):
                    fail(f"the cache of {name}: its A1 equals Z1, the pre-activation: the third item must be the "
                         f"activation A1 = ReLU(Z1) (return logits, (X, Z1, A1))", "forward-cache-a1-is-z1")
                if isinstance(item, np.ndarray) and item.shape != want_item.shape:
                    transposed = item.shape == want_item.shape[::-1] and \
                        core.close(item.T, want_item, *core.dtype_tolerance(item, 1e-6, 1e-8, 10.0))
                    fail(f"the cache of {name}: item {label} has shape {item.shape}, expected {want_item.shape}"
                         + (f" = (N, {'n_in' if label == 'X' else 'n_hidden'}); it holds the right values transposed: "
                            f"rows are samples throughout (Z1 = X @ W1 + b1), so the cache keeps ({label} of shape "
                            f"{want_item.shape}), not its transpose (a column-per-sample convention, W.T @ X.T, "
                            f"gives the right logits once transposed but a transposed cache)" if transposed else
                            f"; the cache must be {fmt}"), "forward-cache-shape")
                fail(f"the cache of {name}: item {label} is wrong; the cache must be {fmt}", "forward-cache-values")
    return run


def _rows_independent(forward, p, X, logits, want, name) -> None:
    """Property: each sample's logits depend on that sample only, so forward(params, X[:1]) is row 0 of
    forward(params, X).  A wrong batch whose rows change with the other rows mixes samples (a mean, std,
    max or sum over the batch axis)."""
    n = len(X)
    if n < 2:
        return
    try:
        alone = call(forward, _copy_params(p), X[:1].copy(), label="forward", names=("params", "X"))
        alone = np.asarray(alone[0], dtype=_float64)
    except Exception:
        return
    got = np.asarray(logits, dtype=_float64)
    tol = core.dtype_tolerance(logits, 1e-6, 1e-8, float(np.abs(want).max()) + 1.0)
    if alone.shape != (1, got.shape[1]) or core.close(alone[0], got[0], *tol):
        return
    right_alone = core.close(alone[0], want[0], *tol)
    fail(f"the logits of {name}: your forward mixes samples of the batch: forward(params, X[:1]) gives for "
         f"sample 0 the logits {np.round(alone[0, :4], 4).tolist()}, but row 0 of forward(params, X) on the whole "
         f"batch is {np.round(got[0, :4], 4).tolist()}"
         + (" (right on its own, wrong in the batch)" if right_alone else "")
         + ": each sample's logits must depend on that sample only; a statistic over the batch axis (a mean, std, "
           "max or sum over axis 0, such as standardising Z1 over the batch) does not belong in forward: "
           "Z1 = X @ W1 + b1, A1 = ReLU(Z1), logits = A1 @ W2 + b2", "forward-mixes-samples")


def _input_rescaled(cache, logits, pw, Xs, name) -> None:
    """Wrong logits that are the right network applied to k * X, with the cached X equal to k * X: forward
    rescaled (or standardised by a constant) its input before using it."""
    if not (isinstance(cache, (tuple, list)) and cache and isinstance(cache[0], np.ndarray)
            and cache[0].shape == Xs.shape) or not np.any(Xs):
        return
    mine = cache[0].astype(_float64)
    at = np.unravel_index(np.argmax(np.abs(Xs)), Xs.shape)
    k = float(mine[at] / Xs[at])
    if abs(k - 1) < 1e-6 or not core.close(mine, k * Xs, 1e-6, 1e-9) \
            or not core.close(logits, _forward(pw, mine)[0], 1e-5, 1e-7):
        return
    fail(f"the logits of {name} are those of the network applied to {k:.6g} * X, and your cache holds that rescaled "
         f"X (the cache must hold the X that was passed in): forward changed its input before using it"
         + (" (X / 255: the images are scaled once, by normalize, before forward)" if abs(k * 255 - 1) < 1e-6 else "")
         + "; forward takes X as it is given: Z1 = X @ W1 + b1", "forward-input-rescaled")


def _hidden_activation(cache, logits, pw, Z1, A1, name) -> None:
    """Wrong logits computed consistently from a cached A1 that is not ReLU(Z1) (the Z1 right): the
    activation function is the mistake; say how it differs from max(Z1, 0) as a function of Z1."""
    if not (isinstance(cache, (tuple, list)) and len(cache) == 3 and isinstance(cache[1], np.ndarray)
            and isinstance(cache[2], np.ndarray) and cache[2].shape == A1.shape and cache[1].shape == Z1.shape):
        return
    mine = cache[2].astype(_float64)
    if not core.close(cache[1], Z1, 1e-5, 1e-7) or core.close(mine, A1, 1e-5, 1e-7) \
            or not core.close(logits, mine @ pw["W2"] + pw["b2"], 1e-5, 1e-7):
        return
    cap = float(mine.max())
    above = Z1 > cap + 1e-6
    if cap > 0 and int(above.sum()) > 1 and core.close(mine, np.clip(Z1, 0, cap), 1e-5, 1e-7):
        fail(f"the logits of {name} are computed from a hidden activation A1 that is not ReLU(Z1) = np.maximum(Z1, "
             f"0) but ReLU(Z1) capped at {cap:.6g}: "
             f"right wherever Z1 <= {cap:.6g}, but the {int(above.sum())} entries where Z1 is larger (up to "
             f"{float(Z1.max()):.3g}) give A1 = {cap:.6g}: the activation is clipped at {cap:.6g} (np.clip(Z1, 0, "
             f"{cap:.6g}), ReLU6 or np.minimum); ReLU has no upper bound, A1 = np.maximum(Z1, 0)",
             "forward-activation-capped")
    said = explain_elementwise(Z1, mine, A1, rtol=1e-5, atol=1e-7, what="values of A1")
    z = Z1.ravel()
    pick = np.argsort(z)[np.linspace(0, z.size - 1, 6).astype(int)]
    fail(f"the logits of {name} are computed from a hidden activation A1 that is not ReLU(Z1) = np.maximum(Z1, 0)"
         f"{': ' + said.replace('x < 0', 'Z1 < 0').replace('x > 0', 'Z1 > 0') if said else ''}; at Z1 = "
         f"{np.round(z[pick], 3).tolist()} your A1 = {np.round(mine.ravel()[pick], 3).tolist()}, expected "
         f"{np.round(A1.ravel()[pick], 3).tolist()}", "forward-hidden-activation")


def forward(forward):
    r = core.rng("lab02.forward")
    cases = [(s, _forward_case(forward, r, *dims)) for s, *dims in NET_CASES]
    cases.append((None, _forward_case(forward, r, 7, 30, 16, 10, np.float32)))
    # large pre-activations (Z1 up to about +-30): a ReLU capped above (ReLU6, a clip) shows only there
    cases.append(("large pre-activations (X of std 12)", _forward_case(forward, r, 6, 8, 10, 3, x_scale=12.0)))
    try:
        _fresh_cases(forward, "forward", cases, special_last=True)
    except core.CheckFailure:
        g = core.rng("lab02.forward.twice")
        first, second = ((_random_params(g, 6, 5, 4), g.normal(0, 1, (7, 6))) for _ in range(2))
        _follows_new_values(forward, "forward(params, X of shape (7, 6))", first, (None, second[1]),
                            lambda p, X: _forward(p, X)[0], pick=lambda out: out[0], confirmed_only=True)
        random = _forward_random(forward)
        if random is None:
            raise
        fail(f"forward {random}: it is not deterministic (random numbers inside it, such as a dropout mask or "
             f"noise from np.random). forward must be a pure function of params and X: Z1 = X @ W1 + b1, "
             f"A1 = ReLU(Z1), logits = A1 @ W2 + b2, nothing random", "forward-not-deterministic")
    g = core.rng("lab02.forward.twice")
    first, second = ((_random_params(g, 6, 5, 4), g.normal(0, 1, (7, 6))) for _ in range(2))
    _results_kept(forward, "forward(params, X)", first, second,
                  {(0,): "the logits", (1, 0): "the cache's X", (1, 1): "the cache's Z1", (1, 2): "the cache's A1"})
    p1, X1 = first
    _follows_new_values(forward, "forward(params, X of shape (7, 6))", (p1, X1), (None, second[1]),
                        lambda p, X: _forward(p, X)[0], pick=lambda out: out[0])


# Finite differences cost two forward passes per entry: a parameter larger than this is witnessed on
# this many random entries (the full 12,544 of the MNIST-sized W1 cost 0.4 s of every graded run).
_FD_ENTRIES = 400


def _mask_after_product(exc: core.CheckFailure, n: int, n_in: int, n_h: int, n_out: int) -> None:
    """A broadcast error between a weight-gradient shape (in, out) and an activation shape (N, out):
    the ReLU mask (N, hidden) multiplied into X.T @ dA1 (in, hidden) or A1.T @ dlogits: precedence."""
    found = re.search(r"shapes \((\d+),\s*(\d+)\)\s*\((\d+),\s*(\d+)\)", str(exc))
    if not found or n == n_in:
        return
    a, b = (int(found.group(1)), int(found.group(2))), (int(found.group(3)), int(found.group(4)))
    if {a, b} == {(n_in, n_h), (n, n_h)}:
        fail(f"{str(exc).split('. ')[0]}: an (in, hidden) = {(n_in, n_h)} weight gradient was multiplied element by "
             f"element by an (N, hidden) = {(n, n_h)} array: the ReLU mask (Z1 > 0) is applied after X.T @ dA1 "
             f"(X.T @ dA1 * (Z1 > 0) multiplies the product, @ and * go left to right); mask first, "
             f"dZ1 = dA1 * (Z1 > 0), then dW1 = X.T @ dZ1", "backward-mask-after-product")


def _integer_gradient(grads, pw, X, Z1, A1, G, name) -> None:
    """A bias gradient of integers or booleans: a comparison's True/False summed where floats belong.  Which
    comparison is said when the sums of one of them over the batch reproduce it."""
    b1 = grads.get("b1") if isinstance(grads, dict) else None
    if not isinstance(b1, np.ndarray) or b1.dtype.kind not in "biu":
        return
    dA1 = np.asarray(G, _float64) @ pw["W2"].T
    for text, m in (("dA1 * Z1 > 0", dA1 * Z1 > 0), ("dA1 * A1 > 0", dA1 * A1 > 0), ("dA1 > 0", dA1 > 0),
                    ("Z1 > 0", Z1 > 0)):
        if b1.shape == (1, m.shape[1]) and np.array_equal(b1, m.sum(axis=0, keepdims=True)):
            fail(f"{name}['b1'] holds integers, the counts of True in `{text}` over the batch: dZ1 became a True/False "
                 f"array because a comparison binds after * and @ (`{text}` means `({text[:-4]}) > 0`); "
                 f"parenthesise the mask: dZ1 = dA1 * (Z1 > 0)", "backward-comparison-precedence")
    fail(f"{name}['b1'] has dtype {b1.dtype}: a gradient is a float array; integers or booleans come from a "
         f"comparison (True/False) used as a value: check the parentheses of the ReLU mask, dA1 * (Z1 > 0)",
         "backward-integer-gradient")


def _swapped_keys(grads, want, name) -> None:
    """Two gradients stored under each other's names (compared by value with the reference)."""
    if not isinstance(grads, dict):
        return
    keys = [k for k in want if k in grads]
    for i, a in enumerate(keys):
        for b in keys[i + 1:]:
            if want[a].shape != want[b].shape and core.close(grads[a], want[b], 1e-5, 1e-7) \
                    and core.close(grads[b], want[a], 1e-5, 1e-7):
                fail(f"{name}: grads['{a}'] holds the gradient of {b} and grads['{b}'] that of {a} (the values are "
                     f"right, the keys swapped): store each gradient under its parameter's name",
                     "backward-keys-swapped")


def _backward_case(backward, r, n, n_in, n_h, n_out, dtype=_float64, x_scale=1.0):
    def run():
        p = _random_params(r, n_in, n_h, n_out, dtype)
        X = r.normal(0, x_scale, (n, n_in)).astype(dtype)
        G = (r.normal(0, 1, (n, n_out)) / n).astype(dtype)     # plays dlogits (already divided by N)
        pw = {k: v.astype(_float64) for k, v in p.items()}
        _, Z1, A1 = _forward(pw, X)
        cache = (X.copy(), Z1.astype(dtype), A1.astype(dtype))   # the reference cache (X, Z1, A1)
        before = _copy_params(p)
        name = signature("backward", ("params", "cache", "dlogits"), (p, cache, G))
        lent = [a.copy() for a in cache]      # a list: in-place changes to its arrays come back to the judge
        try:
            grads = call(backward, p, lent, G, label="backward", names=("params", "cache", "dlogits"),
                         hint=f"{SHAPE_HINT}: dW2 = A1.T @ dlogits, dA1 = dlogits @ W2.T, dW1 = X.T @ dZ1")
        except core.CheckFailure as exc:
            _mask_after_product(exc, n, n_in, n_h, n_out)
            raise
        _unchanged(before, p, name, "params")
        _integer_gradient(grads, pw, X, Z1, A1, G, name)
        for item, orig, what in zip(lent, cache, ("X", "Z1", "A1")):
            if not same(item, orig):
                fail(f"{name} modified the cached {what} in place (e.g. {what}[{what} > 0] = 1 to build the ReLU "
                     f"mask): backward must not change its inputs; build the mask as a new array, "
                     f"dZ1 = dA1 * (Z1 > 0)", "backward-modified-cache")
        Xs, Gs = X.astype(_float64), G.astype(_float64)
        want = _probe_grads(pw, Xs, Gs)
        _swapped_keys(grads, want, name)
        _bias_over_units(grads, pw, Xs, Gs, name)
        _outer_of_batch(grads, pw, Xs, name)
        _check_params_dict(grads, p, name)
        for k in ("W2", "b2", "W1", "b1"):
            # Finite differences of the probe sum(G * logits), float64, as an independent witness.
            def f(v, k=k):
                q = dict(pw)
                q[k] = v
                return float(np.sum(Gs * _forward(q, Xs)[0]))
            if pw[k].size <= _FD_ENTRIES:
                numeric = core.numerical_gradient(f, pw[k].copy())
                if not core.close(want[k], numeric, 1e-5, 1e-7):     # guards the oracle itself
                    fail(f"internal check error: oracle and finite differences disagree on {k}")
            else:   # the 784 x 16 W1 of a batch of one: the witness on a random sample of its entries
                where, sampled = core.numerical_gradient_at(f, pw[k].copy(), _FD_ENTRIES)
                if not core.close(want[k].reshape(-1)[where], sampled, 1e-5, 1e-7):
                    fail(f"internal check error: oracle and finite differences disagree on {k}")
                numeric = want[k]

            def wrong(k=k, **kw):
                return lambda: _probe_grads(pw, Xs, Gs, **kw)[k]
            backward_wrong = {
                # (first: when W1 passed, a b1 equal to the sum of dA1 is this mistake, not a missing mask)
                "db1 must be the sum of dZ1 (after the ReLU mask), not of dA1": wrong(db1_from="dA1"),
                "the ReLU derivative is wrong: it is 1 where the activation is > 0 and 0 elsewhere "
                "(A1 >= 0 is true everywhere after a ReLU)": wrong(mask="a>=0"),
                "the ReLU derivative is missing in backward": wrong(mask="none"),
                "the ReLU derivative is applied to the wrong quantity: mask dA1 where Z1 > 0 (the forward "
                "input of the ReLU), not where the gradient dA1 > 0": wrong(mask="grad>0"),
                "the ReLU derivative is applied to the wrong quantity: multiply dA1 by the 0/1 mask Z1 > 0, "
                "not by the activation A1": wrong(mask="a"),
                "the hidden layer's derivative is the SIGMOID's, A1 * (1 - A1): the hidden activation is a ReLU, "
                "whose derivative is the 0/1 mask Z1 > 0, dZ1 = dA1 * (Z1 > 0)": wrong(mask="sigmoid'"),
                "the hidden layer's derivative is the TANH's, 1 - A1**2: the hidden activation is a ReLU, whose "
                "derivative is the 0/1 mask Z1 > 0, dZ1 = dA1 * (Z1 > 0)": wrong(mask="tanh'"),
                "the ReLU mask is averaged over the batch ((Z1 > 0).mean(axis=0): one fraction per hidden unit, the "
                "same for every sample): each sample's derivative is its own 0/1 mask, dZ1 = dA1 * (Z1 > 0), with "
                "no mean over the samples": wrong(mask="batch-mean") if n > 1 else None,
                "dW2 must use the activation A1 (after the ReLU), not the pre-activation Z1 (if your dW2 line "
                "reads A1.T @ dlogits, the name A1 holds Z1: the cache is (X, Z1, A1) in this order, unpack it as "
                "X, Z1, A1 = cache)": wrong(dW2_from="Z1"),
                "dA1 = dlogits @ W2.T: W2 is used without the transpose":
                    (wrong(W2T=False) if n_h == n_out else None),
                "the 1/N is applied twice: dlogits is already divided by N, do not divide again in backward":
                    wrong(scale=1 / n),
                "the gradient is N times too large: did you multiply by N?": wrong(scale=n),
                f"the gradient of {k} is transposed": want[k].T if want[k].shape[0] == want[k].shape[-1] else None,
            }
            diagnose_only(grads[k], numeric, name=f"{name}['{k}']", diagnose=backward_wrong, rtol=1e-5, atol=1e-7)
            if not core.close(grads[k], numeric, *core.dtype_tolerance(grads[k], 1e-5, 1e-7, 10.0)):
                _samples_mixed(backward, p, cache, G, grads, want, name)     # after the catalogued readings
            _which_input(lambda W1, b1, W2, b2, X, Z1, A1, dlogits, k=k:
                         backward({"W1": W1, "b1": b1, "W2": W2, "b2": b2}, [X, Z1, A1], dlogits)[k],
                         _backward_oracle(k), {**p, "X": cache[0], "Z1": cache[1], "A1": cache[2], "dlogits": G},
                         grads[k], numeric, f"{name}['{k}']", "lab02.backward")
            if k == "W1" and not core.close(grads[k], numeric, *core.dtype_tolerance(grads[k], 1e-5, 1e-7, 10.0)):
                _dz1_read_back(grads[k], pw, Xs, Gs, Z1, name)      # after the readings of which input is wrong
            expect_close(grads[k], numeric, name=f"{name}['{k}']", rtol=1e-5, atol=1e-7, diagnose=backward_wrong)
    return run


def _dz1_read_back(dW1, pw, Xs, Gs, Z1, name) -> None:
    """dW1 = X.T @ dZ1: with N <= n_in (X.T of full column rank) the student's dZ1 is read back from their dW1
    exactly. It is judged apart where the unit is on (Z1 > 0: dZ1 = dA1) and off (Z1 <= 0: dZ1 = 0), and
    what stands where it is wrong is said (a value of the cache there, or the largest error)."""
    n, n_in = Xs.shape
    g = np.asarray(dW1, dtype=_float64)
    if n > n_in or g.shape != (n_in, Z1.shape[1]) or np.linalg.matrix_rank(Xs) < n:
        return
    dz = np.linalg.lstsq(Xs.T, g, rcond=None)[0]
    if not core.close(Xs.T @ dz, g, 1e-8, 1e-10):
        return
    dA1 = Gs @ pw["W2"].T
    on = Z1 > 0
    tol = (1e-3, 1e-5) if g.dtype == np.float32 or np.asarray(dW1).dtype == np.float32 else (1e-5, 1e-7)
    if not on.any() or on.all():
        return
    right_on, zero_off = core.close(dz[on], dA1[on], *tol), core.close(dz[~on], 0.0 * dz[~on], *tol)
    if right_on and not zero_off:
        there = next((f": yours holds {what} there" for what, v in
                      (("Z1 itself (np.where(Z1 > 0, dA1, Z1)?)", Z1), ("dA1 (the mask is not applied there)", dA1),
                       ("-dA1", -dA1)) if core.close(dz[~on], v[~on], *tol)), "")
        fail(f"{name}['W1']: the dZ1 behind your dW1 = X.T @ dZ1 (read back from it) is right where the unit is "
             f"on (Z1 > 0), but not 0 where it is off (Z1 <= 0){there}. The ReLU passes no gradient where it is "
             f"off: dZ1 = dA1 * (Z1 > 0), 0 at every entry where Z1 <= 0", "backward-relu-off-not-zero")
    if zero_off and not right_on:
        ok = np.abs(dz - dA1) <= tol[1] + tol[0] * np.abs(dA1)
        zero = np.abs(dz) <= tol[1] + tol[0] * np.abs(dA1)
        cut = on & ~ok
        if cut.any() and (on & ok).any() and zero[cut].all() and float(Z1[on & ok].max()) < float(Z1[cut].min()):
            lo, hi = float(Z1[on & ok].max()), float(Z1[cut].min())
            fail(f"{name}['W1'] (large pre-activations, Z1 up to {float(Z1.max()):.3g}): the dZ1 behind your dW1 = "
                 f"X.T @ dZ1 (read back from it) is right where 0 < Z1 <= {lo:.3g} and 0 where Z1 >= {hi:.3g}: the "
                 f"derivative is cut off above some threshold between them (the derivative of a ReLU capped above, "
                 f"ReLU6 or a clip, (Z1 > 0) & (Z1 < 6)); ReLU has no upper bound and its derivative is 1 for EVERY "
                 f"Z1 > 0: dZ1 = dA1 * (Z1 > 0)", "backward-relu-derivative-capped")
        a, b = dz[on], dA1[on]
        k = float(a @ b / (b @ b)) if float(b @ b) > 0 else float("nan")
        there = (f" (yours is {k:.4g} times dA1 there)" if np.isfinite(k) and core.close(a, k * b, *tol) else "")
        W2 = np.asarray(pw["W2"], dtype=_float64)
        for what, M in (("the pseudo-inverse np.linalg.pinv(W2)", np.linalg.pinv(W2)),
                        ("W2 itself without the transpose", W2 if W2.shape[0] == W2.shape[1] else None)):
            if not there and M is not None and core.close(a, (Gs @ M)[on], *tol):
                there = f" (yours is dlogits @ M there, with M = {what}: the chain rule through A1 @ W2 takes W2.T)"
        fail(f"{name}['W1']: the dZ1 behind your dW1 = X.T @ dZ1 (read back from it) is 0 where the unit is off "
             f"(Z1 <= 0), as it must be, but wrong where it is on (Z1 > 0){there}: there dZ1 = dA1 = dlogits @ W2.T, "
             f"the gradient passed through unchanged (the ReLU's derivative is 1 there)", "backward-relu-on-wrong")


def _samples_mixed(backward, p, cache, G, grads, want, name) -> None:
    """Property: the gradient of a batch is the sum of its samples' gradients (the loss is a sum over the
    samples; dlogits already carries the 1/N).  When backward run on each sample alone adds up to the right
    gradient but the batch's is wrong, one sample's values reach another sample's gradient."""
    n = len(G)
    if n < 2:
        return
    total = {k: np.zeros(np.shape(v)) for k, v in want.items()}
    try:
        for i in range(n):
            one = call(backward, _copy_params(p), [np.array(a[i:i + 1]) for a in cache], G[i:i + 1].copy(),
                       label="backward", names=("params", "cache", "dlogits"))
            for k in total:
                total[k] = total[k] + np.asarray(one[k], dtype=_float64)
    except Exception:
        return
    tol = {k: core.dtype_tolerance(grads[k], 1e-5, 1e-7, 10.0) for k in want}
    if not all(core.close(total[k], want[k], *tol[k]) for k in want):
        return
    k = next(k for k in ("W1", "b1", "W2", "b2") if not core.close(grads[k], want[k], *tol[k]))
    g, w = np.asarray(grads[k], dtype=_float64), want[k]
    big = np.abs(w) > 10 * tol[k][1]
    if big.any():
        c = float(np.median(g[big] / w[big]))
        if core.close(g, c * w, *tol[k]):
            return          # a constant factor (a 1/N too many, a mean for a sum): not a mixing of samples
    fail(f"{name}['{k}']: your backward mixes samples of the batch: run on each of the {n} samples alone, it "
         f"gives gradients that add up to the right ones, but on the whole batch '{k}' is wrong, so one sample's "
         f"values change another sample's gradient (a mask, a row or a statistic of Z1, A1 or dlogits taken from "
         f"one sample, such as Z1[0], or over the batch axis, applied to every row?): every per-sample quantity "
         f"keeps its N rows, dZ1 = dA1 * (Z1 > 0), and only dW = X.T @ dZ and db = dZ.sum(axis=0) add over the "
         f"samples", "backward-mixes-samples")


def _outer_of_batch(grads, pw, Xs, name) -> None:
    """np.outer flattens its arguments: np.outer(A1, dlogits) of a batch is (N*H, N*C), every product across
    samples, where dW2 = A1.T @ dlogits is (H, C).  Said from the weight gradient's shape."""
    n = len(Xs)
    if not isinstance(grads, dict) or n < 2:
        return
    for k, a, b in (("W2", "A1", "dlogits"), ("W1", "X", "dZ1")):
        rows, cols = pw[k].shape
        got = grads.get(k)
        if isinstance(got, np.ndarray) and got.shape == (n * rows, n * cols):
            fail(f"{name}['{k}'] has shape (N*{rows}, N*{cols}) = {got.shape}, expected {(rows, cols)}: that is "
                 f"np.outer({a}, {b}) (or np.outer of other (N, .) arrays): np.outer FLATTENS both arguments, so it "
                 f"multiplies every entry of {a} with every entry of {b}, across samples. It equals d{k} only for a "
                 f"batch of one sample; for N samples d{k} adds the N per-sample outer products, {a}.T @ {b}",
                 "backward-outer-flattens")


def _bias_over_units(grads, pw, Xs, Gs, name) -> None:
    """A bias gradient summed over axis 1 (the units of each sample: one value per sample) where the batch
    axis 0 belongs: said from its shape and values (any layout of the N per-sample sums)."""
    if not isinstance(grads, dict):
        return
    _, Z1, _ = _forward(pw, Xs)
    dZ1 = (Gs @ pw["W2"].T) * (Z1 > 0)
    n = len(Xs)
    for k, d, src, units in (("b2", Gs, "dlogits", "classes"), ("b1", dZ1, "dZ1", "hidden units")):
        got = grads.get(k)
        width = d.shape[1]
        if not isinstance(got, np.ndarray) or got.size != n or n == width or got.shape == (1, width):
            continue
        if core.close(np.ravel(got).astype(_float64), d.sum(axis=1), 1e-5, 1e-7):
            fail(f"{name}['{k}'] has shape {got.shape}, one value per SAMPLE: a sum of {src} over axis 1 where "
                 f"axis 0 belongs (axis 1 adds the {units} of each sample). A bias is shared by the samples, so "
                 f"its gradient sums over the batch axis 0, one value per unit: {src}.sum(axis=0, keepdims=True) "
                 f"of shape (1, {width})", "backward-bias-summed-over-units")


def _backward_at_zero(backward) -> None:
    """Property of the notebook's text: the ReLU derivative is 1[Z1 > 0], so 0 where Z1 == 0. Integer X, W1
    and b1 give exact zeros in Z1; a mask Z1 >= 0 (or np.heaviside(Z1, 1)) lets dA1 through there."""
    X = np.array([[1.0, 0.0, -1.0], [0.0, 1.0, 1.0], [-1.0, 1.0, 0.0], [1.0, 1.0, 1.0], [0.0, -1.0, 1.0]])
    p = {"W1": np.array([[1.0, -1.0, 0.0, 1.0], [0.0, 1.0, -1.0, 1.0], [1.0, 0.0, 1.0, -1.0]]),
         "b1": np.array([[0.0, 1.0, -1.0, 0.0]]),
         "W2": np.array([[0.5, -1.0], [1.5, 0.25], [-0.75, 1.0], [2.0, -0.5]]), "b2": np.array([[0.1, -0.2]])}
    G = np.array([[0.3, -0.1], [0.2, 0.4], [-0.5, 0.1], [0.6, -0.3], [-0.2, 0.7]]) / 5
    _, Z1, A1 = _forward(p, X)
    name = signature("backward", ("params", "cache", "dlogits"), (p, (X, Z1, A1), G))
    grads = call(backward, {k: v.copy() for k, v in p.items()}, [X.copy(), Z1.copy(), A1.copy()], G.copy(),
                 label="backward", names=("params", "cache", "dlogits"))
    want = _probe_grads(p, X, G)
    if not isinstance(grads, dict):
        return
    for k in ("W1", "b1"):
        got = grads.get(k)
        if not isinstance(got, np.ndarray) or got.shape != want[k].shape or core.close(got, want[k], 1e-6, 1e-9):
            continue
        zeros = [tuple(int(i) for i in z) for z in np.argwhere(Z1 == 0)]
        dz = (G @ p["W2"].T) * (Z1 >= 0)
        if core.close(got, (X.T @ dz if k == "W1" else dz.sum(0, keepdims=True)), 1e-6, 1e-9):
            fail(f"{name} with exact zeros in Z1 (at {zeros}): d{k} lets dA1 through where Z1 == 0, but the ReLU "
                 f"derivative is 1[Z1 > 0], 0 at Z1 == 0: the mask is Z1 > 0, strictly (Z1 >= 0 or "
                 f"np.heaviside(Z1, 1) give 1 there)", "relu-derivative-at-zero")
        expect_close(got, want[k], name=f"{name}['{k}'] (Z1 with exact zeros at {zeros})")


def backward(backward):
    r = core.rng("lab02.backward")
    cases = [(s, _backward_case(backward, r, *dims)) for s, *dims in NET_CASES]
    cases.append((None, _backward_case(backward, r, 5, 8, 6, 4, np.float32)))
    # large pre-activations (Z1 up to about +-30): a ReLU derivative cut off above (ReLU6's) shows only there
    cases.append(("large pre-activations (X of std 12)", _backward_case(backward, r, 6, 8, 10, 3, x_scale=12.0)))
    _fresh_cases(backward, "backward", cases, special_last=True)
    _backward_at_zero(backward)
    _backward_same_shapes(backward)


def _backward_same_shapes(backward) -> None:
    """State kept between calls: two calls with the SAME shapes and new values (as a training loop makes, W2 updated
    between batches): the second call's gradients follow from its own params, cache and dlogits (a transposed W2
    kept from the first call, or any array kept by shape, is stale), and the first call's grads are not overwritten."""
    g = core.rng("lab02.backward.twice")
    runs = []
    for _ in range(2):
        p, X = _random_params(g, 6, 5, 4), g.normal(0, 1, (7, 6))
        _, Z1, A1 = _forward(p, X)
        runs.append((p, (X, Z1, A1), g.normal(0, 1, (7, 4)) / 7))
    names = ("params", "cache", "dlogits")
    grads = [call(backward, _copy_params(p), list(c), G, label="backward", names=names) for p, c, G in runs]
    (p1, _, _), (p2, (X2, _, _), G2) = runs
    want = _probe_grads(p2, X2, G2)
    got = grads[1]
    if not isinstance(got, dict) or set(got) != set(want):
        return                                  # the cases name a dict of other keys
    bad = [k for k in ("W1", "b1", "W2", "b2") if not (isinstance(got[k], np.ndarray) and got[k].shape == want[k].shape
                                                       and core.close(got[k], want[k], 1e-6, 1e-9))]
    if not bad:
        _results_kept(backward, "backward(params, cache, dlogits)", runs[0], runs[1],
                      {(k,): f"grads['{k}']" for k in ("W1", "b1", "W2", "b2")})
        return
    head = (f"backward called twice with the same shapes (W1 (6, 5), W2 (5, 4), a batch of 7) and new values: the "
            f"second call's grads['{bad[0]}'] is wrong")
    stale = _probe_grads({**p2, "W2": p1["W2"]}, X2, G2)
    if core.close(got["W1"], stale["W1"], 1e-6, 1e-9):
        fail(f"{head}, and it is what the FIRST call's W2 gives: state from an earlier call (W2, or W2.T, kept from "
             f"the first call on the function or the module); a training loop changes W2 between batches, so read "
             f"params['W2'] at every call: dA1 = dlogits @ params['W2'].T", "backward-stale-weights")
    fail(f"{head} (each case alone was right): state from an earlier call; compute every gradient from THIS "
         f"call's params, cache and dlogits, keep nothing between calls", "backward-state-between-calls")


def _sgd_case(sgd_update, r, n_in, n_h, n_out, lr, dtype, gscale=1.0):
    def run():
        p = _random_params(r, n_in, n_h, n_out, dtype)
        g = _random_params(r, n_in, n_h, n_out, dtype)
        g = {k: (v * gscale).astype(v.dtype) for k, v in g.items()}   # large gradients: the step stays linear
        g = {k: g[k] for k in ("W2", "b2", "W1", "b1")}   # the order backward fills them: last layer first
        before, gbefore = _copy_params(p), _copy_params(g)
        name = signature("sgd_update", ("params", "grads", "lr"), (p, g, lr))
        by_position = ("sgd_update must pair each parameter with the gradient of the same name, params[name] -= "
                       "lr * grads[name]: it pairs them by position (zip of the values), and grads may list its keys "
                       "in another order (backward fills them last layer first)")
        try:
            out = call(sgd_update, p, g, lr, label="sgd_update", names=("params", "grads", "lr"), hint=SGD_UPDATE_HINT)
        except core.CheckFailure as exc:
            if _raised(exc):
                q, h = _copy_params(before), {k: gbefore[k].copy() for k in before}
                try:
                    call(sgd_update, q, h, lr, label="sgd_update", names=("params", "grads", "lr"), hint=SGD_UPDATE_HINT)
                except core.CheckFailure:
                    _foreign_shape(exc, [a.shape for a in (*before.values(), *gbefore.values())])
                    raise exc from None
                fail(f"{name} raised an error that disappears when grads lists its keys in the order of params: "
                     f"{by_position}", "sgd-update-by-position")
            raise
        positional = dict(zip(before, gbefore.values()))
        if all(before[k].shape == positional[k].shape for k in before) and not all(same(p[k], before[k]) for k in p) \
                and all(core.close(p[k], before[k] - lr * positional[k], 1e-5, 1e-6) for k in before):
            fail(f"{name}: {by_position}", "sgd-update-by-position")
        changed = [k for k in gbefore if k in g and not same(g[k], gbefore[k])]
        if changed and all(same(p[k], before[k]) for k in before if k in p) and all(
                np.shape(g[k]) == before[k].shape and
                core.close(g[k], before[k].astype(_float64) - lr * gbefore[k].astype(_float64), 1e-5, 1e-6)
                for k in changed):
            fail(f"{name}: the parameters did not change, but grads {changed} now hold params - lr * grads: the "
                 f"update was written into grads, not into params (an out=g, or g[...] = ...): update the "
                 f"parameters in place, params[name] -= lr * grads[name], and leave grads as they are",
                 "sgd-update-result-into-grads")
        _unchanged(gbefore, g, name, "grads")
        if set(p) != set(before):
            fail(f"{name} changed the keys of params: it must update each parameter", "sgd-update-keys")
        if all(same(p[k], before[k]) for k in before):
            if isinstance(out, dict) and set(out) == set(before) and \
                    all(core.close(out[k], before[k] - lr * g[k], 1e-4, 1e-6) for k in before):
                fail(f"{name} returned updated arrays but left params unchanged: update the caller's parameters "
                     f"in place (params[name] -= lr * grads[name]) and return params", "sgd-update-not-in-place")
            fail(f"the parameters did not change after {name}: the update must reach the dict's arrays "
                 f"(params[name] -= lr * grads[name]); assigning to a loop variable "
                 f"(for name, p in params.items(): p = p - ...) changes nothing the caller sees",
                 "sgd-update-no-change")
        _check_params_dict(p, before, f"params after {name}")
        moved = [k for k in g if k in p and not same(p[k], before[k])]
        still = [k for k in before if k not in moved]
        if moved and still:
            early = (f" (only the first key of grads, {moved[0]!r}: is the `return params` indented inside the loop? "
                     f"it must come after it)" if moved == [next(iter(g))] else "")
            fail(f"params[{still[0]!r}] after {name}: '{still[0]}' was not updated (every parameter, biases included, "
                 f"takes a step); only {moved} changed{early}", "sgd-update-some-keys")
        if not all(isinstance(p[k], np.ndarray) and p[k].shape == before[k].shape and core.close(
                p[k], before[k].astype(_float64) - lr * g[k].astype(_float64), 1e-5, 1e-6) for k in before):
            _update_dependence(sgd_update, before, gbefore, lr, name)
        for k in before:
            want = before[k].astype(_float64) - lr * g[k].astype(_float64)
            got = expect_array(p[k], name=f"params['{k}'] after {name}", shape=before[k].shape)
            if got.dtype != before[k].dtype:
                fail(f"params['{k}'] after {name} became {got.dtype}: {before[k].dtype} parameters must stay "
                     f"{before[k].dtype}, an update keeps each parameter's dtype (an .astype() or np.float32(...) in the update converts it; "
                     f"params[name] -= lr * grads[name] updates the array as it is)", "sgd-update-dtype")
            _step_factor(got, before[k], g[k], lr, f"params['{k}'] after {name}")
            expect_close(got, want, name=f"params['{k}'] after {name}", rtol=1e-5, atol=1e-6, diagnose={
                "the sign is flipped: gradient DEScent subtracts lr * grad": before[k] + lr * g[k],
                f"'{k}' was not updated (every parameter, biases included, takes a step)": before[k],
                "the learning rate is not applied": before[k] - g[k],
                "the step is taken twice (or lr doubled)": before[k] - 2 * lr * g[k],
                "the step lr * grads[name] is rounded to float16 (about 3 significant digits) before it is "
                "subtracted: keep the dtype of the arrays, params[name] -= lr * grads[name]":
                    lambda k=k: before[k] - (lr * g[k]).astype(np.float16),
            })
        if not isinstance(out, dict) or set(out) != set(before) or \
                not all(core.close(out[k], p[k], 0, 0) for k in before):
            fail(f"{name} must return params (the updated dict), got "
                 f"{core.describe(out) if not isinstance(out, dict) else 'another dict'}", "sgd-update-return")
    return run


def _foreign_shape(exc: core.CheckFailure, shapes) -> None:
    """A broadcast error naming an array shape that no argument of the call has: the array came from
    outside the call (state kept between calls), not from a transpose of the arguments."""
    import re
    text = str(exc)
    found = re.search(r"broadcast together with shapes ((?:\([0-9, ]*\) ?)+)", text)
    if not found:
        return
    named = [tuple(int(v) for v in t.split(",") if v.strip()) for t in re.findall(r"\(([0-9, ]*)\)", found.group(1))]
    foreign = [t for t in named if t not in set(shapes)]
    if not foreign:
        return
    head = text.split(" This is ")[0].split(". two arrays of shapes")[0].rstrip(" .")
    fail(f"{head}. No array passed to this call has the shape {foreign[0]}: the update combines the gradients "
         f"with something kept from outside the call (state from an earlier call in a module-level dict or a "
         f"default argument, such as a momentum buffer, or a global array); sgd_update is plain SGD with no "
         f"state: params[name] -= lr * grads[name]", "sgd-update-foreign-array")


def _step_factor(got, before, grad, lr: float, name: str) -> None:
    """A step (new - old) that is a constant multiple k of -lr * grad: say k, and lr itself when k == lr."""
    step = np.asarray(got, dtype=_float64) - before.astype(_float64)
    want = -lr * grad.astype(_float64)
    rt, at = core.dtype_tolerance(got, 1e-5, 1e-6, float(np.abs(before).max()) + 1.0)
    mask = np.abs(want) > 10 * at
    if core.close(step, want, rt, at) or int(mask.sum()) < 2:
        return
    k = float(np.median(step[mask] / want[mask]))
    if k in (0.0, 1.0) or not core.close(step, k * want, rt, at):
        return
    if any(abs(k - c) <= 1e-4 * abs(c) for c in (-1.0, 2.0, 1.0 / lr)):
        return          # sign flipped, step doubled, lr not applied: named by the catalogue below
    if abs(k - lr) <= 1e-4 * lr:
        fail(f"{name}: your step is lr * lr * grads[name] (the learning rate {lr:g} applied twice): "
             f"params[name] -= lr * grads[name]", "sgd-update-lr-twice")
    if abs(k * lr * lr - 1) <= 1e-4:
        fail(f"{name}: your step is grads[name] / lr, {k:.4g} = 1 / lr**2 times -lr * grads[name]: the gradient is "
             f"DIVIDED by the learning rate {lr:g}; it is multiplied by it: params[name] -= lr * grads[name]",
             "sgd-update-divided-by-lr")
    fail(f"{name}: your step is {k:.4g} times -lr * grads[name] (a missing or extra factor in the update): "
         f"params[name] -= lr * grads[name]", "sgd-update-step-scaled")


def _one_update(sgd_update, params, grads, lr) -> dict | None:
    """The steps (new - old, float64) one sgd_update call takes on copies of params and grads, or None."""
    q, h = _copy_params(params), _copy_params(grads)
    try:
        call(sgd_update, q, h, lr, label="sgd_update", names=("params", "grads", "lr"), hint=SGD_UPDATE_HINT)
    except core.CheckFailure:
        return None
    try:
        return {k: np.asarray(q[k], _float64) - np.asarray(params[k], _float64) for k in params}
    except Exception:
        return None


def _value_clip(base, doubled, g, lr: float, tol: float) -> float | None:
    """The bound c when both steps (on g and on 2 g) are exactly -lr * np.clip(grad, -c, c), with some entries
    clipped and some not: a clip read from the steps and confirmed on both gradients."""
    if base.shape != g.shape or doubled.shape != g.shape:
        return None
    pairs = ((base, g), (doubled, 2 * g))
    wrong = [~np.isclose(step, -lr * grad, rtol=1e-5, atol=tol) for step, grad in pairs]
    clipped = np.concatenate([np.abs(step[w]) for (step, _), w in zip(pairs, wrong)])
    if clipped.size == 0 or all(w.all() for w in wrong):
        return None
    c = float(np.mean(clipped)) / lr
    if not c > 0:
        return None
    for step, grad in pairs:
        if not np.allclose(step, -lr * np.clip(grad, -c, c), rtol=1e-4, atol=tol):
            return None
    return c


def _lr_argument_used(sgd_update, before, grads, lr: float, base, tol: float, name: str) -> None:
    """Property of every step of this lab (sgd_update, train_epoch, fit ask it): the step scales with the lr
    given. The same call with lr * 10 must take another step; the same step means the lr argument is unused."""
    other = _one_update(sgd_update, before, grads, 10 * lr)
    if other is None or not any(bool(np.any(np.abs(base[k]) > tol)) for k in before):
        return
    if all(core.close(base[k], -grads[k].astype(_float64), 1e-5, tol) for k in before):
        return      # the step is -grads itself, lr not applied: named by the catalogue
    if all(core.close(other[k], base[k], 1e-9, tol) for k in before):
        fail(f"{name}: with lr = {lr:g} and with lr = {10 * lr:g} your update takes exactly the same step: "
             f"sgd_update does not use its lr argument (a learning rate from elsewhere, a global LR or a number "
             f"written in); the step is -lr * grads[name] with the lr given, params[name] -= lr * grads[name]",
             "sgd-update-lr-argument-unused")


def _update_dependence(sgd_update, before, grads, lr, name) -> None:
    """Which input a wrong update depends on, one input changed at a time: the step -lr * grads[k] must not
    change with params, and the step of an entry depends on that entry's gradient only."""
    base = _one_update(sgd_update, before, grads, lr)
    moved = _one_update(sgd_update, {k: (v * 1.5 + 1).astype(v.dtype) for k, v in before.items()}, grads, lr)
    if base is None or moved is None or any(base[k].shape != before[k].shape for k in before):
        return
    eps = max(float(np.finfo(v.dtype).eps) if v.dtype.kind == "f" else 0.0 for v in before.values()) or 2e-16
    tol = 64 * eps * (1.5 * max(float(np.abs(v).max()) for v in before.values()) + 2)
    # Every probe below compares calls: they mean something only if the same inputs give the same step.
    again = _one_update(sgd_update, before, grads, lr)
    if again is not None and not all(core.close(again[k], base[k], 1e-9, tol) for k in before):
        fail(f"{name}: two calls with exactly the same params, grads and lr took different steps: sgd_update keeps "
             f"something between calls (a module-level counter or variable, a mutable default argument, an "
             f"attribute set on the function) that changes the step; the step is -lr * grads[name], every time",
             "sgd-update-keeps-state")
    if not all(core.close(moved[k], base[k], 1e-9, tol) for k in before):
        zero = _one_update(sgd_update, {k: np.zeros_like(v) for k, v in before.items()}, grads, lr)
        right_at_zero = zero is not None and all(
            core.close(zero[k], -lr * grads[k].astype(_float64), 1e-5, 1e-6) for k in before)
        fail(f"{name}: your step changes when only params change (same grads): the step of gradient descent is "
             f"-lr * grads[name], which does not involve the parameters"
             + (" (with all parameters 0 your step is right: a term in params, such as a weight decay "
                "lr * c * params[name], is added to the update)" if right_at_zero else "")
             + "; params[name] -= lr * grads[name]", "sgd-update-depends-on-params")
    doubled = _one_update(sgd_update, before, {k: (2 * v).astype(v.dtype) for k, v in grads.items()}, lr)
    if doubled is not None and all(bool(np.any(base[k])) for k in before) \
            and not all(core.close(doubled[k], 2 * base[k], 1e-5, tol) for k in before):
        k = next(k for k in before if not core.close(doubled[k], 2 * base[k], 1e-5, tol))
        mask = np.abs(base[k]) > tol
        ratio = float(np.median(doubled[k][mask] / base[k][mask])) if mask.any() else float("nan")
        nb, nd = float(np.linalg.norm(base[k])) / lr, float(np.linalg.norm(doubled[k])) / lr
        ng = float(np.linalg.norm(grads[k].astype(_float64)))
        if abs(nb - nd) <= 1e-4 * nb and nb < ng * (1 - 1e-4) and core.close(base[k], -lr * grads[k] * (nb / ng),
                                                                           1e-5, tol):
            fail(f"{name}: doubling every gradient multiplied your step of '{k}' by {ratio:.3g}, not by 2: your step "
                 f"is -lr * grads['{k}'] scaled down to a gradient of norm {nb:.4g} (the gradient's own norm is "
                 f"{ng:.4g}), whatever the gradient's size: the update clips (or normalises) the gradient's norm. "
                 f"sgd_update is plain SGD, linear in the "
                 f"gradient, with no clipping or normalising: params[name] -= lr * grads[name]",
                 "sgd-update-clips-norm")
        g64 = grads[k].astype(_float64)
        cap = _value_clip(base[k], doubled[k], g64, lr, tol)
        if cap is not None:
            fail(f"{name}: your step of '{k}' is -lr * grads['{k}'] where |grad| <= {cap:.4g} and exactly "
                 f"lr * {cap:.4g} wherever |grad| is larger, on these gradients and on twice them: every gradient "
                 f"entry is clipped to [-{cap:.4g}, {cap:.4g}] (np.clip(g, -{cap:.4g}, {cap:.4g})). sgd_update is "
                 f"plain SGD, linear in the gradient, with no clipping: params[name] -= lr * grads[name]",
                 "sgd-update-clips-values")
        fail(f"{name}: doubling every gradient multiplied your step of '{k}' by {core.ratio_spread(base[k], doubled[k], mask)}"
             f", not by 2: the step -lr * grads[name] is proportional to the gradient (a normalisation of the "
             f"gradient, such as / norm or / max|g|, a clip or a sign, in the update?); params[name] -= lr * grads[name]",
             "sgd-update-not-proportional")
    _lr_argument_used(sgd_update, before, grads, lr, base, tol, name)
    single = {k: np.zeros_like(v) for k, v in grads.items()}
    k0 = next(k for k in ("W1", "W2", "b1", "b2") if k in single and single[k].size > 1)
    single[k0].flat[0] = 1.0
    one = _one_update(sgd_update, before, single, lr)
    if one is None:
        return
    stray = sum(int((np.abs(v) > 1e-12).sum()) for v in one.values()) - int(abs(one[k0].flat[0]) > 1e-12)
    if stray > 0:
        fail(f"{name}: with grads non-zero at a single entry ({k0}[0, 0]), your update also moved {stray} other "
             f"entries: the step of an entry must depend on that entry's gradient only (a mean, sum or norm of the "
             f"gradients in the update?); params[name] -= lr * grads[name]", "sgd-update-mixes-entries")


def sgd_update(sgd_update):
    r = core.rng("lab02.sgd_update")
    _fresh_cases(sgd_update, "sgd_update", [(None, _sgd_case(sgd_update, r, 5, 4, 3, 0.1, np.float32)),
               (None, _sgd_case(sgd_update, r, 7, 2, 10, 0.5, np.float32)),
               (None, _sgd_case(sgd_update, r, 3, 6, 5, 0.05, np.float64)),
               (None, _sgd_case(sgd_update, r, 4, 5, 3, 0.01, np.float64, gscale=25.0))])  # large gradients
    _sgd_other_keys(sgd_update, r)
    _sgd_zero_gradient_first(sgd_update, r)
    _sgd_small_gradients(sgd_update, r)
    _sgd_same_dict_twice(sgd_update, r)


def _sgd_small_gradients(sgd_update, r) -> None:
    """Every entry moves by -lr * its gradient however small the gradient is: float64 params, grads['W1'] and
    grads['b1'] of norm 1e-6 (two shapes), the others ordinary. A threshold that skips 'converged' parameters (a
    norm test) leaves the small ones unmoved."""
    shapes = {"W1": (4, 3), "b1": (1, 3), "W2": (3, 2), "b2": (1, 2)}
    lr = 0.1
    p = {k: r.normal(size=s) for k, s in shapes.items()}
    g = {k: r.normal(size=s) for k, s in shapes.items()}
    for k in ("W1", "b1"):
        g[k] *= 1e-6 / np.linalg.norm(g[k])
    before, gbefore = _copy_params(p), _copy_params(g)
    name = f"sgd_update(float64 params, grads whose W1 and b1 have norm 1e-06, lr = {lr})"
    try:
        call(sgd_update, p, g, lr, label="sgd_update", names=("params", "grads", "lr"), hint=SGD_UPDATE_HINT)
    except core.CheckFailure:
        return                          # the cases judge a raising call
    if not all(isinstance(p.get(k), np.ndarray) and p[k].shape == s for k, s in shapes.items()):
        return                          # the cases judge the shapes
    still = [k for k in ("W1", "b1") if same(p[k], before[k])]
    if still == ["W1", "b1"] and not any(same(p[k], before[k]) for k in ("W2", "b2")):
        fail(f"{name}: W2 and b2 moved but W1 and b1, whose gradients are small (norm 1e-06), did not: parameters "
             f"with a small gradient were skipped (a threshold on the gradient's norm or size, 'converged'?); every "
             f"parameter takes the step -lr * grads[name], however small: params[name] -= lr * grads[name]",
             "sgd-update-skips-small-gradient")
    for k in shapes:
        step, want = p[k] - before[k], -lr * gbefore[k]
        at = 8 * float(np.finfo(np.float64).eps) * (float(np.abs(before[k]).max()) + 1.0)
        if not core.close(step, want, 1e-4, at):
            analysis, _ = core.analyse_difference(step, want, 1e-4, at)
            fail(f"params['{k}'] after {name}: the step params_new - params_old should be exactly -lr * "
                 f"grads['{k}'] (norm {float(np.linalg.norm(gbefore[k])):.3g}), however small; compared with it, "
                 f"your step: {analysis}", "sgd-update-small-gradient-wrong")


def _sgd_zero_gradient_first(sgd_update, r) -> None:
    """A gradient of all zeros placed FIRST (a unit that got no gradient this batch): every later entry must
    still move by -lr * its gradient. Confirmed with the zero gradient placed last."""
    shapes = {"W1": (4, 3), "b1": (1, 3), "W2": (3, 2), "b2": (1, 2)}
    stuck_first: list = []
    for zero in ("W1", "b2"):
        p = {k: r.normal(size=s) for k, s in shapes.items()}
        g = {k: np.zeros(s) if k == zero else r.normal(size=s) for k, s in shapes.items()}
        before = _copy_params(p)
        try:
            out = call(sgd_update, p, g, 0.1, label="sgd_update", names=("params", "grads", "lr"),
                       hint=SGD_UPDATE_HINT)
        except core.CheckFailure:
            return                      # the cases judge a raising call
        got = out if isinstance(out, dict) and all(k in out for k in shapes) else p
        stuck = [k for k in shapes if k != zero and same(np.asarray(got[k]), before[k])]
        if zero == "W1" and not stuck:
            return
        if zero == "W1":
            stuck_first = stuck
            continue
        name = "sgd_update(params and grads W1, b1, W2, b2 whose grads['W1'] is all zeros, lr = 0.1)"
        if not stuck:
            fail(f"{name} left {', '.join(stuck_first)} (non-zero gradients, AFTER W1) unchanged, while with the zero "
                 f"gradient placed last every other entry moved: the loop stops at a gradient of zeros (a return or "
                 f"break where continue, or nothing, belongs). Every entry moves by -lr * its own gradient: "
                 f"params[name] -= lr * g for every name (a zero gradient moves it by zero)",
                 "sgd-update-stops-at-zero-grad")
        fail(f"{name} left {', '.join(stuck_first)} (non-zero gradients) unchanged: every entry moves by -lr * its "
             f"own gradient, params[name] -= lr * g", "sgd-update-zero-grad-stuck")


def _sgd_other_keys(sgd_update, r) -> None:
    """Property of the docstring: params and grads are ANY dicts with the same keys (a deeper network, other
    names), not only W1, b1, W2, b2: every key must be updated and no other name looked up."""
    shapes = {"W1": (4, 3), "b1": (1, 3), "W2": (3, 3), "b2": (1, 3), "W3": (3, 2), "b3": (1, 2)}
    for keys in (tuple(shapes), ("weight", "bias")):
        sh = shapes if keys[0] == "W1" else {"weight": (4, 2), "bias": (1, 2)}
        p = {k: r.normal(size=sh[k]) for k in keys}
        g = {k: r.normal(size=sh[k]) for k in keys}
        before, lr = _copy_params(p), 0.1
        what = "a three-layer network (W1, b1, W2, b2, W3, b3)" if keys[0] == "W1" else "keys 'weight' and 'bias'"
        name = f"sgd_update(params and grads with {what}, lr = {lr})"
        tail = ("the docstring promises dicts with the same keys, any keys: loop over the dict itself, for name, g "
                "in grads.items(): params[name] -= lr * g, not over a fixed list of names")
        try:
            call(sgd_update, p, g, lr, label="sgd_update", names=("params", "grads", "lr"), hint=SGD_UPDATE_HINT)
        except core.CheckFailure as exc:
            if _raised(exc) and "KeyError" in str(exc):
                fail(f"{name} raised KeyError: it looks up a name the dicts do not hold ({str(exc).split(': ', 1)[-1][:120]}); "
                     f"{tail}", "sgd-update-fixed-keys")
            raise
        missed = [k for k in keys if k in p and same(p[k], before[k])]
        if missed and len(missed) < len(keys):
            fail(f"{name} left {', '.join(missed)} unchanged while it updated the others: {tail}",
                 "sgd-update-fixed-keys")
        for k in keys:
            expect_close(p.get(k), before[k] - lr * g[k], name=f"params[{k!r}] after {name}", rtol=1e-6, atol=1e-9)


def _accuracy_case(accuracy, r, n, c, dtype=np.float64, ydtype=np.int64):
    def run():
        scores = r.normal(0, 1, (n, c)).astype(dtype)
        y = _labels(r, n, c).astype(ydtype)
        pred = scores.argmax(axis=1)
        y[: n // 2] = pred[: n // 2]                  # about half right, so the value tells
        name = signature("accuracy", ("scores", "y"), (scores, y))
        try:
            got = call(accuracy, scores, y, label="accuracy", names=("scores", "y"),
                       want=lambda: float(np.mean(scores.argmax(axis=1) == y)),
                       hint="a shape or index mismatch: take the largest score of each ROW, scores.argmax(axis=1) "
                            "of shape (N,), and compare it with y")
        except core.CheckFailure as exc:
            _helper_default_classes(exc, "accuracy", c)
            raise
        got = expect_scalar(got, name=name)
        want = sum(int(np.argmax(scores[i]) == y[i]) for i in range(n)) / n
        diagnose = {"the number of correct predictions is not divided by N: return a fraction in [0, 1]": want * n,
                    "return a fraction in [0, 1], not a percentage": want * 100,
                    "this is the mean of the per-class accuracies (each class's share of right predictions, averaged "
                    "over the classes: a balanced or macro accuracy): accuracy is the share of the N samples whose "
                    "argmax is y, np.mean(scores.argmax(axis=1) == y), every sample counting once":
                        lambda: float(np.mean([np.mean(pred[y == k] == k) for k in np.unique(y)])),
                    "the fraction is rounded down to a whole number (an integer division // or int() of the "
                    "fraction): it is 1 when every prediction is right and 0 otherwise; divide with /":
                        lambda: 0.0 if _rounds_down(accuracy, dtype) else None,
                    "the SMALLEST score of each row is taken (argmin, or argsort(...)[:, 0], which sorts in "
                    "ascending order): the prediction is the largest, scores.argmax(axis=1)":
                        lambda: float(np.mean(scores.argmin(axis=1) == y)) if _takes_smallest(accuracy, dtype) else None,
                    "accuracy counts the rows whose true-class score is above 0.5 (a binary-classification threshold): "
                    "with C classes the prediction is the class of the largest score, scores.argmax(axis=1), compared "
                    "with y": lambda: float(np.mean(scores[np.arange(n), y] > 0.5)) if _thresholds(accuracy, dtype)
                    else None,
                    "argmax without axis returns one index for the whole array: take scores.argmax(axis=1)":
                        lambda: float(np.mean(np.argmax(scores) == y)) if _flat_argmax(accuracy, dtype) else None,
                    "the number of correct predictions is divided by N*C (scores.size): divide by N, the number "
                    "of samples": want / c if c > 1 else None,
                    "the number of correct predictions is divided by C = scores.shape[1] (the number of classes) "
                    "instead of N = scores.shape[0] (the number of samples)": want * n / c if c != n else None,
                    "this is a TOP-2 accuracy: a sample counts as right when its label is among the two largest "
                    "scores; the prediction is the single largest, np.mean(scores.argmax(axis=1) == y)":
                        lambda: float(np.mean([y[i] in np.argsort(scores[i])[-2:] for i in range(n)]))
                        if c > 2 and _top_two(accuracy, dtype) else None,
                    "y holds integer labels, not one-hot rows: y.argmax() makes ONE number of them (the position "
                    "of the largest label), which every prediction is compared with; compare the predictions with "
                    "y itself, np.mean(scores.argmax(axis=1) == y)":
                        lambda: float(np.mean(pred == int(np.argmax(y)))) if n > 1 and _argmax_of_labels(accuracy, dtype)
                        else None,
                    "compare the predicted class (argmax of each row) with y, not the scores themselves":
                        lambda: float(np.mean(scores == y[:, None])) if n > 1 else None}
        diagnose["this is the share of matching ENTRIES of the one-hot prediction and one_hot(y) (N*C entries, a wrong "
                 "row costing only 2 of its C): 1 - 2 (1 - accuracy) / C; accuracy counts whole rows, the share of "
                 "samples whose argmax is y, np.mean(scores.argmax(axis=1) == y)"] = 1 - 2 * (1 - want) / c if c > 2 else None
        if n == c:
            diagnose["argmax over the wrong axis: take the largest score of each ROW (axis=1)"] = \
                float(np.mean(scores.argmax(axis=0) == y))
        diagnose["this is the share of WRONG predictions (1 - accuracy): count the rows where the argmax equals y "
                 "(==, not !=)"] = lambda: 1 - want if abs(want - 0.5) > 1e-9 and _counts_wrong(accuracy, dtype) else None
        if not core.close(got, want, 1e-9, 1e-12) and core.close(got, float(np.mean(scores.max(axis=1) == y)), 1e-9, 1e-12):
            _accuracy_max_probe(accuracy, dtype)
        diagnose_only(got, want, name=name, rtol=1e-9, atol=1e-12, diagnose=diagnose)
        if not core.close(got, want, 1e-9, 1e-12):
            _accuracy_extremes(accuracy, y, c, dtype)
        expect_close(got, want, name=name, rtol=1e-9, atol=1e-12, diagnose=diagnose)
    return run


def _helper_default_classes(exc: core.CheckFailure, who: str, c: int) -> None:
    """one_hot called without num_classes from another graded function: its default 10 columns where the data
    have c classes. Told by an index error raised inside one_hot (a label >= 10), or by a shape error raised on a
    line that calls one_hot with one argument ((N, 10) met (N, c))."""
    text, where, seen = str(exc), "", exc
    for _ in range(20):                      # the raising line travels on the chain of re-raised failures
        if seen is None or where:
            break
        where, seen = getattr(seen, "where", "") or "", seen.__context__
    if c == 10 or not where:
        return
    found = re.search(r"index (\d+) is out of bounds for axis 1 with size 10\b", text)
    line = core.raised_line(exc)
    inside = found is not None and where.endswith(" in one_hot)")
    on_line = re.search(r"\bone_hot\(\s*[^,()]+\)", line) is not None and re.search(r"\b10\)", text) is not None
    if not (inside or on_line):
        return
    said = (f"label {found.group(1)} has no column" if inside else
            f"its (N, 10) rows do not match the (N, {c}) arrays they are combined with")
    fail(f"{core.located(exc).split('. This is ')[0]}. {who} calls one_hot without num_classes: one_hot made its "
         f"default 10 columns, but these data have C = {c} classes, so {said}. Pass the number of classes on, "
         f"one_hot(y, C) with C the number of columns of the scores (scores.shape[1])"
         + ("; accuracy needs no one-hot rows at all: compare the predicted classes with the integer labels, "
            "np.mean(scores.argmax(axis=1) == y)" if who == "accuracy" else ""),
         f"{who}-one-hot-default-classes")


def _accuracy_on(accuracy, scores, y, dtype) -> float | None:
    try:
        return float(accuracy(scores.astype(dtype), y))
    except Exception:
        return None


def _probe_scores():
    """Second-probe scores (6, 4): the largest entry at the label, the smallest at (label + 1) % 4,
    the other entries between; every entry above 0.5 and the rows' largest entries at different flat positions."""
    y = np.array([0, 1, 2, 3, 1, 2])
    scores = np.full((6, 4), 2.0) + 0.1 * np.arange(6)[:, None]
    scores[np.arange(6), y] = 5.0 + np.arange(6)
    scores[np.arange(6), (y + 1) % 4] = 1.0
    return scores, y


def _top_two(accuracy, dtype) -> bool:
    """Second probe: every label at the SECOND largest score gives 1 with a top-2 count (0 with accuracy),
    every label at the third largest 0."""
    scores = np.array([[0.0, 3.0, 2.0, 1.0], [1.0, 0.0, 3.0, 2.0], [3.0, 2.0, 0.0, 1.0], [2.0, 1.0, 0.0, 3.0]])
    second, third = np.array([2, 3, 1, 0]), np.array([3, 0, 3, 1])
    return _accuracy_on(accuracy, scores, second, dtype) == 1.0 and _accuracy_on(accuracy, scores, third, dtype) == 0.0


def _takes_smallest(accuracy, dtype) -> bool:
    """Second probe: argmin at (label + 1) % 4 everywhere, then the label moved onto the argmin."""
    scores, y = _probe_scores()
    return _accuracy_on(accuracy, scores, y, dtype) == 0.0 and \
        _accuracy_on(accuracy, scores, (y + 1) % 4, dtype) == 1.0


def _thresholds(accuracy, dtype) -> bool:
    """Second probe: every true-class score above 0.5 gives 1 whether the predictions are right or wrong,
    and all right with every score below 0.5 gives 0."""
    scores, y = _probe_scores()
    return _accuracy_on(accuracy, scores, (y + 2) % 4, dtype) == 1.0 and \
        _accuracy_on(accuracy, scores, y, dtype) == 1.0 and _accuracy_on(accuracy, scores - 10.0, y, dtype) == 0.0


def _flat_argmax(accuracy, dtype) -> bool:
    """Second probe: all right (1 expected); a flat argmax finds one index, matching at most the label it equals."""
    scores, y = _probe_scores()
    got = _accuracy_on(accuracy, scores, y, dtype)
    return got is not None and abs(got - float(np.mean(np.argmax(scores) == y))) < 1e-9


def _counts_wrong(accuracy, dtype) -> bool:
    """Second probe: every prediction right gives 0, every one wrong gives 1."""
    scores, y = _probe_scores()
    return _accuracy_on(accuracy, scores, y, dtype) == 0.0 and _accuracy_on(accuracy, scores, (y + 2) % 4, dtype) == 1.0


def _rounds_down(accuracy, dtype) -> bool:
    """Second probe: 1 on a batch all right and 0 on one half right is a fraction rounded down."""
    y = np.array([0, 1, 2, 1])
    right = np.full((4, 3), -1.0)
    right[np.arange(4), y] = 1.0
    half = right.copy()
    half[:2] = np.roll(right[:2], 1, axis=1)      # the largest score moved off the label
    try:
        return float(accuracy(right.astype(dtype), y)) == 1.0 and float(accuracy(half.astype(dtype), y)) == 0.0
    except Exception:
        return False


def _argmax_of_labels(accuracy, dtype) -> bool:
    """Second probe: scores whose argmax is always the label, labels whose argmax (position 3, label 3) is
    one of them: a comparison with y.argmax() gives the share of samples of that label, 0.2, not 1."""
    y = np.array([2, 0, 1, 3, 1])
    scores = np.zeros((5, 4))
    scores[np.arange(5), y] = 1.0
    got = _accuracy_on(accuracy, scores, y, dtype)
    return got is not None and abs(got - 0.2) < 1e-9


def _accuracy_max_probe(accuracy, dtype) -> None:
    """Second probe: scores whose largest VALUE equals the label, at another column. A comparison of
    scores.max(axis=1) with y scores 1 there, the argmax 0."""
    y = np.array([0, 1, 2, 3, 1, 2])
    scores = np.full((6, 4), -1.0)
    scores[np.arange(6), (y + 1) % 4] = y
    try:
        got = float(accuracy(scores.astype(dtype), y))
    except Exception:
        return
    if abs(got - 1.0) < 1e-9:
        fail("accuracy compares the largest score itself with y (scores.max(axis=1) == y): for scores whose "
             "largest value equals the label but sits in another column it gave 1, expected 0; compare the "
             "POSITION of the largest score, scores.argmax(axis=1), with y", "accuracy-max-not-argmax")


def _accuracy_extremes(accuracy, y, c, dtype) -> None:
    """Properties in plain words: scores that always favour the label give 1, never the label give 0."""
    n = len(y)
    for label, scores, want in (("always the label", 5.0 * _onehot(y, c), 1.0),
                                ("never the label", -5.0 * _onehot(y, c), 0.0)):
        if c < 2:
            continue
        try:
            got = float(accuracy(scores.astype(dtype), y))
        except Exception:
            return
        if abs(got - want) > 1e-9:
            table = float(np.mean(y[:, None] == y[None, :]))
            extra = (" (comparing the (N,) predictions with an (N, 1) column of labels broadcasts to an (N, N) "
                     "table of every pair: keep both 1-D)" if n > 1 and want == 1.0 and abs(got - table) < 1e-9 else "")
            if not extra and want == 1.0 and c > 10 and abs(got - float(np.mean(y < 10))) < 1e-9 and (y >= 10).any():
                extra = (f" (with C = {c} classes, exactly the rows whose label is 10 or more are counted wrong: the "
                         f"code uses only 10 classes, a size written into it (scores[:, :10], one_hot's default "
                         f"num_classes=10?); take every column of scores)")
            fail(f"accuracy(scores whose largest entry is {label}, y) gave {got:.4g}, not {want:g}: compare "
                 f"scores.argmax(axis=1) with y element by element and average{extra}", "accuracy-property")


def accuracy(accuracy):
    r = core.rng("lab02.accuracy")
    _fresh_cases(accuracy, "accuracy", [("N == C", _accuracy_case(accuracy, r, 10, 10)), (None, _accuracy_case(accuracy, r, 7, 3)),
               ("a batch of one sample", _accuracy_case(accuracy, r, 1, 10)),
               (None, _accuracy_case(accuracy, r, 50, 10)),
               (None, _accuracy_case(accuracy, r, 9, 4, np.float32, np.int32)),
               (None, _accuracy_case(accuracy, r, 13, 12))], special_last=True)   # C > 10: no size hard-coded
    _accuracy_ties(accuracy)
    g = core.rng("lab02.accuracy.twice")
    y = np.array([0, 1, 2, 3, 0, 1, 2, 3])
    _follows_new_values(accuracy, "accuracy(scores of shape (8, 4), y)", (g.normal(0, 1, (8, 4)), y),
                        (_onehot(y, 4) * 3 + g.normal(0, 0.1, (8, 4)), None),
                        lambda z, t: float(np.mean(np.argmax(z, axis=1) == t)))


def _accuracy_ties(accuracy) -> None:
    """Property of the docstring: the predicted class is the row's argmax, the FIRST largest score on a tie (all-zero
    logits of an untrained network tie on every row). Rows whose true class ties for the max at a later column are
    wrong; counting them right (score of y == the row max) gives 1.0 to an all-zero network."""
    scores = np.array([[0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [1.0, 3.0, 3.0, -1.0], [2.0, 0.5, 2.0, 2.0],
                       [0.2, 0.1, 0.9, 0.3], [0.0, 0.0, 0.0, 0.0]])
    y = np.array([2, 0, 2, 3, 2, 3])
    want = float(np.mean(scores.argmax(axis=1) == y))          # rows 1, 4 right: 2 / 6
    name = "accuracy(scores of shape (6, 4) with tied maxima (all-zero rows, two equal largest scores), y)"
    got = expect_scalar(call(accuracy, scores, y, label="accuracy", names=("scores", "y")), name=name)
    # asked again on the same tied scores: a tie broken at random agrees with argmax only now and then
    again = [got]
    for _ in range(7):
        try:
            again.append(float(accuracy(scores.copy(), y.copy())))
        except Exception:
            break
    if len(set(again)) > 1:
        fail(f"{name} gave {sorted(set(round(v, 6) for v in again))} on {len(again)} calls with the SAME scores and "
             f"labels: accuracy is not deterministic; on a tie the prediction is the row's argmax, the FIRST largest "
             f"score, not one picked at random (noise added to the scores, np.random in a tie-break): "
             f"np.mean(scores.argmax(axis=1) == y)", "accuracy-ties-random")
    if abs(got - want) < 1e-9:
        return
    tied = float(np.mean(scores[np.arange(len(y)), y] == scores.max(axis=1)))
    if abs(got - tied) < 1e-9:
        fail(f"{name} gave {got:.4g}, not {want:.4g}: a row counts as right when the true class TIES for the largest "
             f"score (score of y == the row max); the docstring's prediction is the row's argmax, the first largest "
             f"score on a tie (an all-zero network would score 1.0 your way): "
             f"np.mean(scores.argmax(axis=1) == y)", "accuracy-ties")
    expect_close(got, want, name=name + " (the prediction is scores.argmax(axis=1): the first largest on a tie)")


# ---------------------------------------------------------------------------------------------
# Training
# ---------------------------------------------------------------------------------------------

def _batches(fn, X, y, bs, seed, name):
    """The student's batches for one epoch (a generator or any iterable), as a list of pairs.

    X and y must come out unchanged once the batches are consumed: a generator changes them only
    while it runs (the judge mirrors such later changes onto the arrays handed over)."""
    X_before, y_before = X.copy(), y.copy()
    gen = call(fn, X, y, bs, np.random.default_rng(seed), label="iterate_minibatches",
               names=("X", "y", "batch_size", "rng"), hint=MINIBATCH_HINT)
    try:
        with core.numerics(f"iterating over {name}"):
            batches = list(gen)
    except core.CheckFailure:
        raise
    except NotImplementedError:
        fail("iterate_minibatches is not implemented yet (it raised NotImplementedError)")
    except TypeError as exc:
        fail(f"iterating over {name} raised TypeError: {exc} (iterate_minibatches must be a generator, "
             f"use `yield`, or return an iterable of batches)", "raised-typeerror")
    except Exception as exc:
        _order_from_labels(fn, X, y, bs, seed, name, exc)
        _reshaped_order(exc, len(X), bs, name)
        fail(f"iterating over {name} raised {core.error_kind(exc)}: {exc}", "raised-" + core.error_kind(exc).lower())
    changed = [a for a, now, was in (("X", X, X_before), ("y", y, y_before)) if not same(now, was)]
    if changed:
        fail(f"{name} modified {' and '.join(changed)} in place while yielding its batches (the caller's "
             f"data must come out unchanged: shuffle an array of indices and index X and y with it, never "
             f"shuffle X or y themselves)", "input-modified")
    _returned_one_pair(batches, X, bs, name)
    for b in batches:
        if not isinstance(b, (tuple, list)) or len(b) != 2:
            fail(f"{name} must yield pairs (X_batch, y_batch), got {core.describe(b)}", "minibatches-not-pairs")
    return batches


def _reshaped_order(exc: Exception, n: int, bs: int, name: str) -> None:
    """The N indices reshaped into rows of batch_size, or split into equal parts: both raise exactly when
    batch_size does not divide N, the case where the last batch is smaller."""
    text = str(exc)
    reshaped = re.search(r"cannot reshape array of size (\d+) into shape \(([^)]*)\)", text)
    if reshaped and int(reshaped.group(1)) == n and bs in [int(d) for d in re.findall(r"-?\d+", reshaped.group(2))]:
        how = f"the N = {n} indices were reshaped into rows of batch_size = {bs} (order.reshape(-1, batch_size))"
    elif "array split does not result in an equal division" in text:
        how = f"the N = {n} indices were cut into equal parts (np.split)"
    else:
        return
    if n % bs == 0:
        return
    fail(f"iterating over {name} raised {core.error_kind(exc)}: {text}: {how}, which works only when batch_size "
         f"divides N; here N = {n} = {n // bs} * {bs} + {n % bs}, so the last batch holds the {n % bs} remaining "
         f"samples. Yield slices, order[start:start + batch_size] for start in range(0, N, batch_size) (the last "
         f"slice is simply shorter)", "minibatches-by-reshape")


def _order_from_labels(fn, X, y, bs, seed, name, exc: Exception) -> None:
    """An index error while iterating: a second input tells whether the order is built from the VALUES of y.
    With labels equal to the positions, y = arange(N), a permutation of y is a permutation of the indices:
    when that input runs and covers every row once, the shuffle reads y where the sample indices belong."""
    if not isinstance(exc, IndexError):
        return
    n = len(y)
    y2 = np.arange(n).astype(y.dtype)
    try:
        with np.errstate(all="ignore"):
            got = list(fn(X.copy(), y2, bs, np.random.default_rng(seed)))
        rows = np.concatenate([np.asarray(b[1]).ravel() for b in got])
    except Exception:
        return
    if sorted(rows.tolist()) == list(range(n)):
        fail(f"iterating over {name} raised IndexError: {exc}. Your order depends on the VALUES of y: the same "
             f"call with the labels y = np.arange(N) (each label equal to its row number) runs and uses every row "
             f"once, so the shuffled indices are built from y (rng.permutation(y)?); the labels are not row "
             f"numbers: permute the sample indices, order = rng.permutation(N) with N = X.shape[0]",
             "minibatch-order-from-labels")


def _returned_one_pair(batches, X, bs, name) -> None:
    """What came back is ONE pair (X_batch, y_batch), not pairs: a `return` where `yield` belongs."""
    if len(batches) != 2 or not all(isinstance(a, np.ndarray) for a in batches):
        return
    xb, yb = batches
    if xb.ndim == 2 and xb.shape[1] == X.shape[1] and yb.ndim == 1 and len(xb) == len(yb) <= bs:
        fail(f"{name} returned ONE pair (X_batch, y_batch) of {len(xb)} rows instead of producing every batch: "
             f"`return` ends the function at the first batch; `yield X[idx], y[idx]` inside the loop makes it a "
             f"generator of all the batches", "minibatches-returned-one-pair")


def _batch_reading(xb, X) -> str:
    """How a batch of the wrong shape comes from X, read on every one of its entries (X's entries are all
    different): single entries of the FLATTENED X (np.take without axis=, X.flat[idx]), or some columns only."""
    X = np.asarray(X, dtype=_float64)
    v = set(np.round(np.asarray(xb, dtype=_float64).ravel(), 9).tolist())
    if not v or X.ndim != 2 or X.shape[1] < 2:
        return ""
    flat, first = set(np.round(X.ravel()[:len(X)], 9).tolist()), set(np.round(X[:, 0], 9).tolist())
    if v <= flat and not v <= first:
        return (": its numbers are single entries of the FLATTENED X (X.ravel()[idx], one number per index): "
                "np.take(X, idx) without axis= (or X.flat[idx]) indexes X as one long vector, which is right only "
                "when X has one column; take whole rows, X[idx] or np.take(X, idx, axis=0)")
    xb = np.asarray(xb, dtype=_float64)
    if xb.ndim == 2 and 0 < xb.shape[1] < X.shape[1]:
        for j in range(X.shape[1] - xb.shape[1] + 1):
            cols = set(map(tuple, np.round(X[:, j:j + xb.shape[1]], 9).tolist()))
            if set(map(tuple, np.round(xb, 9).tolist())) <= cols:
                return (f": it holds only {xb.shape[1]} of X's {X.shape[1]} columns of the sampled rows (from column "
                        f"{j}): a slice or a split at a fixed column is right only for that many features; keep "
                        f"every column, X[idx]")
    return ""


def _order(batches, d, X=None):
    """Row ids of the batches (column 0 of X is 10 * id) and the sizes; validates each batch."""
    seen, seen_y, sizes = [], [], []
    for xb, yb in batches:
        xb = expect_array(xb, name="X_batch", dtype=None)
        yb = expect_array(yb, name="y_batch", dtype=None)
        if xb.ndim != 2 or xb.shape[1] != d or yb.shape != (xb.shape[0],):
            swapped = xb.ndim == 1 and yb.ndim == 2 and yb.shape == (len(xb), d)
            if not swapped and xb.ndim < 2 and xb.size == max(yb.size, 1) * d and (d == 1 or yb.size <= 1):
                fail(f"a batch must be X_batch (B, {d}) and y_batch (B,), got {xb.shape} and {yb.shape}: a dimension "
                     f"of size 1 was dropped ({'a batch of one row' if yb.size <= 1 else ''}"
                     f"{' and ' if yb.size <= 1 and d == 1 else ''}{'d == 1' if d == 1 else ''}): np.squeeze, "
                     f".ravel() or an integer index removes it. Yield X[idx], y[idx] with idx an array of indices, "
                     f"unchanged: (B, d) and (B,) even when B == 1 or d == 1", "minibatches-dimension-dropped")
            said = "" if swapped or X is None else _batch_reading(xb, X)
            if said:
                fail(f"a batch must be X_batch (B, {d}) and y_batch (B,), got {xb.shape} and {yb.shape}{said}",
                     "minibatches-flat-or-columns")
            fail(f"a batch must be X_batch (B, {d}) and y_batch (B,), got {xb.shape} and {yb.shape}"
                 + (": the pair comes out as (y_batch, X_batch); yield X[idx], y[idx] in that order" if swapped
                    else ""), "minibatches-batch-shape")
        sizes.append(len(xb))
        seen.extend(np.rint(xb[:, 0] / 10).astype(int).tolist())
        seen_y.extend(yb.tolist())
    return seen, seen_y, sizes


def _minibatch_case(fn, r, n, d, bs):
    def run():
        ids = np.arange(n)
        X = ids[:, None] * 10.0 + np.arange(d)[None, :] / 10   # the row says which sample it is
        y = ids * 3 + 1
        seed = int(r.integers(1 << 30))
        name = f"iterate_minibatches(X of shape {X.shape}, y of shape {y.shape}, batch_size={bs}, rng)"
        batches = _batches(fn, X, y, bs, seed, name)
        seen, seen_y, sizes = _order(batches, d, X)
        expected_sizes = [bs] * (n // bs) + ([n % bs] if n % bs else [])
        if len(sizes) == 1 and len(expected_sizes) > 1 and sizes[0] < n:
            perm = np.random.default_rng(seed).permutation(n)
            where = ("the LAST batch of the shuffled order" if sorted(seen) == sorted(perm[-sizes[0]:].tolist())
                     else "the first batch of the shuffled order" if sorted(seen) == sorted(perm[:sizes[0]].tolist())
                     else f"{sizes[0]} samples")
            fail(f"{name} yielded a single batch ({where}) where {len(expected_sizes)} batches belong: the `yield` "
                 f"must be inside the loop over the batches (indented under the for, one batch per step; a yield after "
                 f"the loop gives only the last batch)", "minibatches-single-batch")
        if len(seen) < n and len(seen) == d and d != n and sorted(seen) == list(range(d)):
            fail(f"{name} yielded {len(seen)} samples in all, the number of columns X.shape[1] = {d}, not the "
                 f"N = {n} rows: shuffle the row indices, rng.permutation(X.shape[0]) (rows are samples)",
                 "minibatches-wrong-axis")
        def slices() -> None:
            """Last resort before a generic verdict on the batches: where they sit in the shuffled order."""
            parts = np.split(np.asarray(seen, int), np.cumsum(sizes)[:-1]) if sizes else []
            said = explain_slices(parts, n, bs, np.random.default_rng(seed).permutation(n))
            if not said and sorted(seen) != list(range(n)):
                said = explain_missing(seen, n)
            if said:
                fail(f"{name} must yield every sample exactly once, in batches of batch_size={bs} (the last one "
                     f"smaller): {said}", "batch-slices")
        if 0 in sizes:
            slices()
            fail(f"{name} yielded an empty batch (sizes {sizes}): stop the loop at N", "empty-batch")
        if sorted(seen) != list(range(n)):
            _shared_buffer(seen, seen_y, sizes, n, name)
            said = explain_batches(np.split(np.asarray(seen, int), np.cumsum(sizes)[:-1]), n, bs)
            if said:
                fail(f"{name} must yield every sample exactly once per epoch: {said}", "batches-explained")
            counts = np.bincount(np.asarray(seen, int), minlength=n) if seen else np.zeros(n, int)
            if len(seen) < n and counts.max(initial=0) <= 1 and len(seen) != n - n % bs:
                slices()
            if len(seen) < n and counts.max(initial=0) <= 1:
                fail(f"{name} dropped samples: {n - len(seen)} of {n} never appear "
                     f"(keep the last, smaller batch when {bs} does not divide {n})", "samples-dropped")
            redrawn = explain_redrawn(np.split(np.asarray(seen, int), np.cumsum(sizes)[:-1]), n, seed)
            if redrawn:
                fail(f"{name} must yield every sample exactly once per epoch: {redrawn}", "permutation-per-batch")
            if sizes != expected_sizes:     # wrong sizes: the slicing, not a draw with replacement
                repeated, never = int((counts > 1).sum()), int((counts == 0).sum())
                if n % bs and sizes[:-1] == expected_sizes[:-1] and sizes[-1] == bs:
                    fail(f"{name} must yield every sample exactly once per epoch: the last batch holds {bs} rows, "
                         f"expected the {n % bs} remaining samples (batch sizes {sizes}, expected {expected_sizes}): "
                         f"it was filled up to batch_size with samples already yielded ({repeated} repeated); the "
                         f"last batch is simply smaller, order[start:start + batch_size] with no padding or "
                         f"wrap-around", "last-batch-padded")
                fail(f"{name} must yield every sample exactly once per epoch: the batches have sizes {sizes}, "
                     f"expected {expected_sizes} ({sum(sizes)} rows in all for N = {n}; {repeated} samples "
                     f"repeated, {never} never yielded): they are not consecutive slices of one permutation; "
                     f"yield order[start:start + batch_size] for start in range(0, N, batch_size)",
                     "batch-slices-wrong")
            fail(f"{name} must yield every sample exactly once per epoch: "
                 f"{int((counts > 1).sum())} samples were repeated and {int((counts == 0).sum())} "
                 f"never appear (shuffle with a permutation, do not draw indices with replacement)",
                 "samples-repeated")
        if sizes != expected_sizes and len(sizes) == len(expected_sizes) \
                and sizes == [len(a) for a in np.array_split(np.arange(n), len(sizes))]:
            fail(f"{name}: batches must hold batch_size samples, the last one the rest: N = {n}, batch_size = {bs} "
                 f"must give batch sizes {expected_sizes}, got {sizes}: the right NUMBER of batches, but "
                 f"np.array_split(order, ceil(N / batch_size)) evens their sizes out (np.array_split's second "
                 f"argument is the NUMBER of pieces, not a size); slice order[start:start + batch_size] for start in range(0, N, "
                 f"batch_size)", "batch-sizes-evened")
        if sizes != expected_sizes and len(sizes) == bs and sizes == [len(a) for a in np.array_split(np.arange(n), bs)]:
            fail(f"{name}: batch sizes {sizes}, expected {expected_sizes}: the data was cut into batch_size = {bs} "
                 f"batches instead of batches of batch_size rows (np.array_split's second argument is the NUMBER of "
                 f"pieces): slice order[start:start + batch_size] for start in range(0, N, batch_size)",
                 "batch-count-is-batch-size")
        pieces = -(-n // bs) - (1 if n % bs else 0)          # N // batch_size, the number of FULL batches
        if sizes != expected_sizes and pieces >= 1 and len(sizes) == pieces and \
                sizes == [len(a) for a in np.array_split(np.arange(n), pieces)]:
            fail(f"{name}: batch sizes {sizes}, expected {expected_sizes}: the data was cut into N // batch_size = "
                 f"{pieces} pieces of near-equal size (np.array_split(order, N // batch_size)), which spreads the "
                 f"{n % bs} remaining samples over the batches instead of keeping batches of batch_size rows and a "
                 f"smaller last one: slice order[start:start + batch_size] for start in range(0, N, batch_size)",
                 "minibatches-equal-pieces")
        if sizes != expected_sizes:
            blocks = np.split(np.asarray(seen, int), np.cumsum(sizes)[:-1])
            if sorted(sizes) == sorted(expected_sizes) and max(sizes) > 1 and all(
                    sorted(b.tolist()) == list(range(int(b.min()), int(b.min()) + len(b))) for b in blocks):
                fail(f"{name}: batch sizes {sizes}, and every batch is a block of consecutive samples of the original "
                     f"order (for example samples {sorted(blocks[0].tolist())}): only the order of the blocks is "
                     f"shuffled, so the same samples share a batch at every epoch: draw ONE permutation of all N "
                     f"indices, rng.permutation(N), and slice it into batches of batch_size (the last one smaller)",
                     "minibatches-blocks-shuffled")
            fail(f"{name}: batch sizes {sizes}, expected {expected_sizes} (batches of batch_size, the last "
                 f"one smaller and kept)", "batch-sizes")
        if seen_y != [3 * i + 1 for i in seen]:
            _shared_buffer(seen, seen_y, sizes, n, name)
            _labels_reordered(seen, seen_y, sizes, name)
            fail(f"{name}: X_batch and y_batch are not aligned: the targets are not those of the sampled rows "
                 f"(index X and y with the same shuffled indices)", "pairs-broken")
        if n > 2:
            starts = np.cumsum([0] + sizes[:-1])
            parts = np.split(np.asarray(seen, int), np.cumsum(sizes)[:-1])
            if len(sizes) > 1 and max(sizes) > 1 and seen != sorted(seen) and \
                    all(sorted(b.tolist()) == list(range(s0, s0 + len(b))) for b, s0 in zip(parts, starts)):
                fail(f"{name}: each batch holds consecutive samples of the original order (batch 0 is samples "
                     f"0..{sizes[0] - 1}, batch 1 the next {sizes[1]}, ...), shuffled only inside the batch: the "
                     f"batches themselves are always the same; draw ONE permutation of all N indices, "
                     f"rng.permutation(N), and slice it into batches", "minibatches-shuffled-within-batches")
            if len(sizes) > 1 and max(sizes) > 1 and seen != sorted(seen) and \
                    all(sorted(b.tolist()) == list(range(int(b.min()), int(b.min()) + len(b))) for b in parts):
                fail(f"{name}: every batch is a block of consecutive samples of the original order (for example "
                     f"samples {sorted(parts[0].tolist())}); only the order of the blocks (or the order inside "
                     f"them) is shuffled, so the same samples share a batch at every epoch: draw ONE permutation of "
                     f"all N indices, rng.permutation(N), and slice it into batches", "minibatches-blocks-shuffled")
            if seen == sorted(seen) and len(sizes) > 1:   # one batch: its inner order says nothing
                fail(f"{name} does not shuffle: the samples come out in their original order "
                     f"(draw a permutation from rng)", "not-shuffled")
            again, _, _ = _order(_batches(fn, X, y, bs, seed, name), d)
            if again != seen:
                fail(f"{name} is not reproducible from the rng: two generators with the same seed gave "
                     f"different orders (draw the permutation from the rng argument, not from np.random)",
                     "order-not-from-rng")
            other, _, other_sizes = _order(_batches(fn, X, y, bs, seed + 1, name), d)
            if other == seen and len(sizes) > 1:      # one batch: its inner order says nothing
                fail(f"{name} ignores the rng: generators with different seeds gave the same order (a fresh "
                     f"permutation must be drawn from rng at every epoch, not from a fixed seed)",
                     "order-ignores-rng")
            same_batches_every_epoch(np.split(np.asarray(seen, int), np.cumsum(sizes)[:-1]),
                                     np.split(np.asarray(other, int), np.cumsum(other_sizes)[:-1]), n, bs, name)
        _rows_unchanged(batches, X, y, name)
    return run


def _rows_unchanged(batches, X, y, name) -> None:
    """The batches are X's own samples: X[idx], same values, same dtype (a cast is the caller's choice);
    y's integer labels stay integers (they index arrays: one_hot, probs[np.arange(B), y_batch])."""
    for _, yb in batches:
        yb = np.asarray(yb)
        if y.dtype.kind in "iu" and yb.dtype.kind not in "iu":
            fail(f"{name}: y_batch is {yb.dtype} while y holds {y.dtype} integer labels: the batches must keep the "
                 f"dtypes of the inputs (yield X[idx], y[idx] unchanged). Labels converted to float "
                 f"(.astype(np.float32), np.float32(...), or a batch built in a float array) cannot index arrays "
                 f"any more: one_hot(y_batch) and probs[np.arange(B), y_batch] raise IndexError",
                 "minibatches-labels-not-integer")
    for xb, _ in batches:
        xb = np.asarray(xb)
        rows = X[np.rint(xb[:, 0] / 10).astype(int)]
        if xb.dtype != X.dtype or not np.array_equal(xb, rows):
            cast = f"X_batch is {xb.dtype} while X is {X.dtype}: " if xb.dtype != X.dtype else ""
            fail(f"{name}: {cast}the batches must be X's own rows, unchanged (yield X[idx], y[idx]): the samples "
                 f"were converted or altered on the way (an .astype(...) on X_batch?); a cast is the caller's "
                 f"choice (normalize already returns float32)", "minibatches-rows-altered")


def _shared_buffer(seen, seen_y, sizes, n, name) -> None:
    """One side (labels or images) covers every sample once but the other does not, and on that side
    different batches hold the SAME samples in the same positions: every batch yielded on that side is a
    view of one array that each later batch refills (a preallocated buffer), so a caller who keeps the
    batches sees only the last contents."""
    ids_y = [int(round((v - 1) / 3)) for v in seen_y]
    if len(sizes) < 2:
        return
    for good, bad, what, other in ((ids_y, seen, "X_batch", "y_batch"), (seen, ids_y, "y_batch", "X_batch")):
        if sorted(good) != list(range(n)) or sorted(bad) == list(range(n)):
            continue
        parts = np.split(np.asarray(bad, int), np.cumsum(sizes)[:-1])
        shared = [k for k in range(len(parts) - 1)
                  if len(parts[k]) and (lambda m: parts[k][:m].tolist() == parts[-1][:m].tolist())(
                      min(len(parts[k]), len(parts[-1])))]
        if len(shared) == len(parts) - 1:
            src = "X" if what == "X_batch" else "y"
            fail(f"{name}: {other} covers every sample once, but every {what} you yielded holds the samples of the "
                 f"LAST batch (batches 0..{len(parts) - 2} start with the same ones as the last): the arrays yielded "
                 f"are views of ONE array that each batch refills (a preallocated buffer written with buf[...] = "
                 f"{src}[idx]), so batches kept by the caller change under it; yield a new array per batch, "
                 f"{src}[idx]", "minibatches-shared-buffer")


def iterate_minibatches(fn):
    r = core.rng("lab02.minibatches")
    run_cases([(None, _minibatch_case(fn, r, 23, 3, 5)), (None, _minibatch_case(fn, r, 20, 2, 4)),
               ("batch_size > N", _minibatch_case(fn, r, 7, 4, 10)),
               ("batch_size = 1", _minibatch_case(fn, r, 9, 1, 1))])


class _Crash(Exception):
    """A helper of the student raised while the check replayed an epoch with it."""

    def __init__(self, helper, kind, message):
        super().__init__(f"{helper} raised {kind}: {message}")
        self.helper, self.kind, self.message = helper, kind, message


def _helper(name, fn, *args):
    """Call a student helper during a replay; its exception or numpy warning becomes a _Crash."""
    try:
        with core.numerics(name):
            return fn(*args)
    except core.CheckFailure as exc:          # a numpy warning raised by the helper
        text = str(exc)
        start = text.find("numpy warned '")
        message = text[start + 14:text.find("'", start + 14)] if start >= 0 else text
        raise _Crash(name, "warning", message) from None
    except Exception as exc:
        raise _Crash(name, core.error_kind(exc), str(exc)) from None


def _crashes_alike(failure: core.CheckFailure, replay: Callable[[], Any], helper: str | None = None) -> bool:
    """Does ``replay`` (a call through the student's helpers, with a misuse the check suspects) crash exactly
    as the graded call did?  ``helper``: only a crash inside that helper counts.  One question behind every
    "fails exactly so when ..." reading: it is told only when the misused call reproduces the crash."""
    try:
        replay()
    except _Crash as crash:
        return (helper is None or crash.helper == helper) and _same_failure(failure, crash)
    return False


def _same_failure(failure: core.CheckFailure, crash: _Crash | None) -> bool:
    """Did a call of the student's loop fail exactly the way a replay with their helper failed?"""
    if crash is None or crash.kind == "NotImplementedError" or not crash.message:
        return False
    text = str(failure)
    if crash.kind == "warning":
        return f"numpy warned '{crash.message}'" in text
    return f"raised {crash.kind}: {crash.message}" in text   # core.call may add the line that raised


class _Helpers:
    """The student's functions train_epoch calls (the check replays an epoch with them)."""

    def __init__(self, minibatches, forward, backward, softmax, cross_entropy, sce_backward, sgd_update, accuracy,
                 one_hot=None):
        self.minibatches, self.forward, self.backward = minibatches, forward, backward
        self.softmax, self.cross_entropy, self.sce_backward = softmax, cross_entropy, sce_backward
        self.sgd_update, self.accuracy, self.one_hot = sgd_update, accuracy, one_hot


def _keeps_state(sgd_update, params, lr) -> bool:
    """Does the student's sgd_update take different steps on the same (params, grads, lr) twice (a
    module-level counter, a mutable default)?  Then a replay of the epoch with it cannot match the
    loop's own run, and the loop is not to blame."""
    grads = {k: np.full_like(np.asarray(v, dtype=_float64), 0.5) for k, v in params.items()}
    steps = []
    for _ in range(2):
        q = _copy_params(params)
        try:
            with core.numerics("sgd_update"):
                sgd_update(q, _copy_params(grads), lr)
        except Exception:   # a crash is judged in sgd_update's own cell (unless it comes from a stale state)
            return _stale_grads(sgd_update, params, lr) == "the first call's gradients"
        steps.append(q)
    if not all(core.close(steps[0][k], steps[1][k], 1e-12, 1e-15) for k in params):
        return True
    return _stale_grads(sgd_update, params, lr) is not None


_UPDATE_TWICE = """
def update_twice(fn, params, g1, g2, lr):
    import numpy as np
    kept = []                # dicts kept alive: a new dict never reuses the id of one tried before
    for _ in range(5):
        p = {k: np.array(v, copy=True) for k, v in params.items()}
        kept.append(p)
        try:
            fn(p, {k: np.array(v, copy=True) for k, v in g1.items()}, lr)
        except Exception:
            continue
        mid = {k: np.array(v, copy=True) for k, v in p.items()}
        fn(p, {k: np.array(v, copy=True) for k, v in g2.items()}, lr)
        return mid, {k: np.array(v, copy=True) for k, v in p.items()}
    raise RuntimeError("sgd_update raised")
"""


def _stale_grads(sgd_update, params, lr) -> str | None:
    """State kept between calls: ONE params dict updated twice, as a training loop does, with new grads dicts the
    second time; the second step must be -lr * the NEW grads. Both calls run where student code runs (one dict
    object: a cache keyed on it, in a default argument or a global, shows only so). Returns what the second step
    was when it is wrong ("the first call's gradients" or "wrong"), None when right."""
    p = {k: np.asarray(v, dtype=_float64).copy() for k, v in params.items()}
    g1 = {k: np.full_like(v, 0.5) for k, v in p.items()}
    g2 = {k: np.linspace(-1.0, 1.0, v.size).reshape(v.shape) for k, v in p.items()}
    try:
        with core.numerics("sgd_update"):
            mid, end = core.kernel_functions(_UPDATE_TWICE)["update_twice"](sgd_update, p, g1, g2, lr)
        ok = all(core.close(np.asarray(end[k], dtype=_float64), np.asarray(mid[k], dtype=_float64) - lr * g2[k],
                            1e-9, 1e-12) for k in p)
    except Exception:
        return None                     # a crash is judged in sgd_update's own cell
    if ok:
        return None
    old = all(core.close(np.asarray(end[k], dtype=_float64), np.asarray(mid[k], dtype=_float64) - lr * g1[k],
                         1e-9, 1e-12) for k in p)
    return "the first call's gradients" if old else "wrong"


def _sgd_same_dict_twice(sgd_update, r) -> None:
    """The question of _stale_grads asked in sgd_update's own cell, told when the second step is the first
    call's (state from an earlier call)."""
    params = _random_params(r, 4, 3, 2)
    seen = _stale_grads(sgd_update, params, 0.1)
    if seen == "the first call's gradients":
        fail("sgd_update(params, grads, lr = 0.1) called twice on the SAME params dict, as a training loop does, with "
             "a new grads dict the second time: the second step was -lr times the FIRST call's gradients: sgd_update "
             "used the gradients of an earlier call (state kept between calls: a cache keyed on params, a mutable "
             "default argument or a global); update from THIS call's grads, params[name] -= lr * grads[name]",
             "sgd-update-stale-grads")


#: Gradients of OTHER losses than the softmax cross-entropy train_epoch measures (a loop whose backward pass
#: is not the derivative of its loss): mistake -> what that gradient is, in words.
_OTHER_LOSSES = {
    "sigmoid-loss": "(sigmoid(logits) - one_hot(yb)) / N, the gradient of a per-class sigmoid (one-vs-all, binary "
                    "cross-entropy) loss",
    "mse-probs": "2 * (softmax(logits) - one_hot(yb)) / (N * C) passed on as dlogits, the gradient of a squared error "
                 "on the probabilities (without the softmax's own derivative)",
    "mse-logits": "2 * (logits - one_hot(yb)) / (N * C), the gradient of a squared error on the logits",
}


def _other_loss_gradient(logits, labels, mistake):
    z = np.asarray(logits, dtype=_float64)
    n, c = z.shape
    Y = _onehot(labels, c)
    if mistake == "sigmoid-loss":
        return ((0.5 * (1.0 + np.tanh(0.5 * z)) - Y) / n).astype(np.asarray(logits).dtype)
    if mistake == "mse-probs":
        return (2.0 * (_softmax(z) - Y) / (n * c)).astype(np.asarray(logits).dtype)
    return (2.0 * (z - Y) / (n * c)).astype(np.asarray(logits).dtype)


def _replay(h, p, X, y, lr, bs, seed, own, mistake=None):
    """An epoch replayed with the student's helpers (own=True) or the oracles, on the student's batches.

    ``mistake`` replays a catalogued mistake of the loop itself ("logits-as-probs": the loss
    gradient fed the logits instead of softmax(logits); "softmax-twice": fed softmax(softmax(logits));
    "lr-over-batch": each step taken with
    lr / batch size; "no-mean": with lr * batch size, the same update as a loss gradient without
    its 1/N).  Returns (final params, batch records)."""
    q = _copy_params(p)
    batches = _helper("iterate_minibatches", lambda: list(h.minibatches(X.copy(), y.copy(), bs, np.random.default_rng(seed))))
    rec = []
    for b, (xb, yb) in enumerate(batches):
        if isinstance(mistake, tuple) and mistake[0] == "first" and b >= mistake[1]:
            break                           # the epoch stopped after its first mistake[1] batches
        xb, yb = np.asarray(xb), np.asarray(yb)
        step = lr / max(len(xb), 1) if mistake == "lr-over-batch" else lr * len(xb) if mistake == "no-mean" else lr
        if mistake == "batch-share":
            step = lr * len(xb) / max(len(X), 1)
        if mistake == "batch-fraction":
            step = lr * len(xb) / max(bs, 1)
        if mistake == "double-step":        # the same gradient applied twice per batch
            step = 2 * lr
        if isinstance(mistake, tuple) and mistake[0] == "lr-decay":      # lr * d**(b + offset) at batch b
            step = lr * mistake[1] ** (b + mistake[2])
        before_q = _copy_params(q)
        if mistake == "whole-X":
            if len(xb) != len(X):
                raise _Crash("train_epoch", "replay", "the whole X does not fit the batch labels")
            xb = np.asarray(X)
        if own:
            logits, cache = _own_forward(h, q, xb)
            ce = _helper("cross_entropy", h.cross_entropy, logits, yb)
            acc = _helper("accuracy", h.accuracy, logits, yb)
            probs = logits if mistake == "logits-as-probs" else _helper("softmax", h.softmax, logits)
            if mistake == "softmax-twice":
                probs = _helper("softmax", h.softmax, probs)
            labels = y if mistake == "whole-y" and len(y) == len(yb) else yb
            dlogits = probs if mistake == "probs-as-grad" else _other_loss_gradient(logits, labels, mistake) \
                if mistake in _OTHER_LOSSES else \
                _helper("softmax_cross_entropy_backward", h.sce_backward, probs, labels)
            grads = (_helper("backward", h.backward, q, dlogits, cache) if mistake == "backward-swapped" else
                     _helper("backward", h.backward, q, cache, dlogits))
            if isinstance(mistake, tuple) and mistake[0] == "decay" and isinstance(grads, dict):
                grads = _decayed(grads, q, mistake)
            before = _copy_params(q)
            ret = _helper("sgd_update", h.sgd_update, q, grads, step)
            if (mistake == "use-return" or all(same(q[k], before[k]) for k in q)) and isinstance(ret, dict):
                q.update(ret)
            after = _own_forward(h, q, xb)[0]
            ce_after = _helper("cross_entropy", h.cross_entropy, after, yb)
            acc_after = _helper("accuracy", h.accuracy, after, yb)
            logits = np.asarray(logits, dtype=_float64)
        else:
            logits = _forward(q, xb)[0]
            ce = acc = None
            probs = logits if mistake == "logits-as-probs" else _softmax(logits)
            if mistake == "softmax-twice":
                probs = _softmax(probs)
            labels = y if mistake == "whole-y" and len(y) == len(yb) else yb
            g = _probe_grads(q, xb, probs if mistake == "probs-as-grad" else
                             _other_loss_gradient(logits, labels, mistake) if mistake in _OTHER_LOSSES else
                             (probs - _onehot(labels, logits.shape[1])) / len(xb))
            if isinstance(mistake, tuple) and mistake[0] == "decay":
                g = _decayed(g, q, mistake)
            q = {k: (q[k] - step * g[k]).astype(q[k].dtype) for k in q}
            if mistake == "two-steps":       # a second forward, backward and update on the same batch
                l2 = _forward(q, xb)[0]
                g = _probe_grads(q, xb, (_softmax(l2) - _onehot(labels, l2.shape[1])) / len(xb))
                q = {k: (q[k] - step * g[k]).astype(q[k].dtype) for k in q}
            after = _forward(q, xb)[0]
            ce_after = _ce(after, yb) if len(yb) else np.nan
            acc_after = float(np.mean(after.argmax(1) == yb)) if len(yb) else np.nan
        try:
            ce_sm = _ce(_softmax(logits), yb) if logits.ndim == 2 and logits.shape[0] == len(yb) > 0 else np.nan
        except Exception:
            ce_sm = np.nan
        try:
            ce_o = _ce(logits, yb) if logits.ndim == 2 and logits.shape[0] == len(yb) > 0 else np.nan
            acc_o = float(np.mean(logits.argmax(1) == yb)) if logits.ndim == 2 and len(yb) else np.nan
        except Exception:
            ce_o = acc_o = np.nan
        try:        # the hidden layer's values, for an accuracy measured on a cache item instead of the logits
            _, z1b, a1b = _forward({k: np.asarray(v, dtype=_float64) for k, v in before_q.items()}, xb)
            acc_hidden = [float(np.mean(v.argmax(1) == yb)) for v in (a1b, z1b)] if len(yb) else []
        except Exception:
            acc_hidden = []
        rec.append({"n": len(xb), "ce": ce, "acc": acc, "ce_o": ce_o, "acc_o": acc_o, "ce_after": ce_after,
                    "acc_after": acc_after, "ce_sm": ce_sm, "acc_hidden": acc_hidden})
    return q, rec


def _own_forward(h, q, xb):
    out = _helper("forward", h.forward, q, xb)
    if not isinstance(out, tuple) or len(out) != 2:
        raise _Crash("forward", "TypeError", "forward did not return (logits, cache)")
    return out


def _reproducible(h, X, y, bs, seed):
    """Do two generators with the same seed give the student's iterate_minibatches the same batches?"""
    try:
        a = _helper("iterate_minibatches", lambda: list(h.minibatches(X.copy(), y.copy(), bs, np.random.default_rng(seed))))
        b = _helper("iterate_minibatches", lambda: list(h.minibatches(X.copy(), y.copy(), bs, np.random.default_rng(seed))))
    except _Crash:
        return True
    return len(a) == len(b) and all(same(np.asarray(u[0]), np.asarray(v[0])) for u, v in zip(a, b))


def _weighted(rec, key, n):
    vals = [r[key] for r in rec]
    if any(v is None for v in vals):
        return None
    try:
        return sum(float(v) * r["n"] for v, r in zip(vals, rec)) / n
    except (TypeError, ValueError):
        return None


def _small_lr_property(train_epoch, before, X, y, bs, seed, name) -> None:
    """Property in plain words: with a tiny learning rate an epoch barely moves the parameters (every
    change an epoch makes is an sgd_update step lr * grad)."""
    q = _copy_params(before)
    try:
        train_epoch(q, X, y, 1e-9, bs, np.random.default_rng(seed))
    except Exception:
        return
    moved = {k: float(np.max(np.abs(np.asarray(q[k], dtype=_float64) - before[k])))
             for k in before if k in q and np.shape(q[k]) == before[k].shape}
    worst = max(moved, key=moved.get, default=None)
    if worst is not None and moved[worst] > 1e-4:
        q2 = _copy_params(before)
        try:
            train_epoch(q2, X, y, 1e-3, bs, np.random.default_rng(seed))
            ignored = all(k in q2 and same(q2[k], q[k]) for k in q)
        except Exception:
            ignored = False
        if ignored:
            fail(f"{name.replace('lr=', 'lr=1e-9 (instead of ').replace(', batch_size', '), batch_size', 1)} "
                 f"changed params['{worst}'] by up to {moved[worst]:.3g}, and with lr=1e-3 it ends at exactly the "
                 f"same parameters: your train_epoch does not use its lr argument (with a tiny learning rate an "
                 f"epoch must barely move the parameters). Either the update uses a learning rate from elsewhere "
                 f"(a global LR or a number written in), or it has no lr at all (params replaced by the gradients, "
                 f"sgd_update left out); pass the lr given to train_epoch on to sgd_update(params, grads, lr)",
                 "train-epoch-lr-argument-unused")
        fail(f"{name.replace('lr=', 'lr=1e-9 (instead of ').replace(', batch_size', '), batch_size', 1)} "
             f"changed params['{worst}'] by up to {moved[worst]:.3g}: with a tiny learning rate an epoch must "
             f"barely move the parameters, every change being an sgd_update step lr * grad (are params replaced "
             f"by the gradients, or updated without lr?)", "train-epoch-update-not-scaled-by-lr")


def _contract_broken(h, p, X, y, lr) -> str | None:
    """The first helper of train_epoch that breaks its RETURN CONTRACT (a type or a shape, not values) on
    reference inputs: sgd_update must return the dict, cross_entropy and accuracy one number, forward the
    pair (logits, cache)...  A loop written on that contract then fails through the helper, which is
    judged in its own cell.  A helper still raising NotImplementedError is not excused."""
    q = _copy_params(p)
    xb, yb = X[:3].copy(), y[:3].copy()
    ids = np.arange(len(xb))
    logits = _forward(q, xb)[0]
    probs = _softmax(logits)
    dlogits = (probs - _onehot(yb, logits.shape[1])) / len(yb)
    grads = _probe_grads(q, xb, dlogits)

    def scalar(v):
        return np.ndim(v) == 0 and not isinstance(v, (dict, list, tuple, str)) and v is not None
    def pairs(v):       # every batch a pair (X_batch (B, d), y_batch (B,))
        return isinstance(v, list) and len(v) > 0 and all(
            isinstance(b, (tuple, list)) and len(b) == 2 and isinstance(b[0], np.ndarray)
            and isinstance(b[1], np.ndarray) and np.ndim(b[0]) == 2 and np.ndim(b[1]) == 1
            and np.shape(b[0])[0] == np.shape(b[1])[0] for b in v)
    checks = [
        # distinct labels here (iterate_minibatches does not read them): any pair broken shows
        ("iterate_minibatches", lambda: list(h.minibatches(xb.copy(), ids.copy(), 2, np.random.default_rng(0))),
         lambda v: pairs(v) and _partition(v, xb, ids)),
        ("forward", lambda: h.forward(_copy_params(q), xb.copy()),
         lambda v: isinstance(v, (tuple, list)) and len(v) == 2 and np.shape(v[0]) == logits.shape),
        ("cross_entropy", lambda: h.cross_entropy(logits.copy(), yb.copy()), scalar),
        ("accuracy", lambda: h.accuracy(logits.copy(), yb.copy()), scalar),
        ("softmax", lambda: h.softmax(logits.copy()), lambda v: np.shape(v) == logits.shape),
        ("softmax_cross_entropy_backward", lambda: h.sce_backward(probs.copy(), yb.copy()),
         lambda v: np.shape(v) == logits.shape),
        ("sgd_update", lambda: h.sgd_update(_copy_params(q), {k: g.copy() for k, g in grads.items()}, lr),
         lambda v: isinstance(v, dict) and set(v) == set(q)),
    ]
    for helper, thunk, ok in checks:
        try:
            with core.numerics(helper):
                value = thunk()
        except NotImplementedError:
            return None
        except Exception:
            return helper
        if not ok(value):
            return helper
        if helper in ("softmax", "softmax_cross_entropy_backward") and not _same_again(thunk, value):
            return helper   # different values on the same input (np.empty inside): no replay can match
    return None


def _same_again(thunk, value) -> bool:
    """Does a second call on the same input give the same array (a pure function of its input)?"""
    try:
        with core.numerics("again"):
            again = thunk()
        return np.array_equal(np.asarray(again), np.asarray(value), equal_nan=True)
    except Exception:
        return True


def _partition(batches, X, y) -> bool:
    """Do the (X_batch row, label) pairs, taken together, hold every (row of X, y) pair exactly once (the
    iterate_minibatches contract)?  Checked only when a loop fails, so a broken generator is judged in
    its own cell."""
    try:
        rows = np.concatenate([np.column_stack([np.asarray(b[0], dtype=_float64), np.asarray(b[1], dtype=_float64)])
                               for b in batches])
    except Exception:
        return False
    want = np.column_stack([np.asarray(X, dtype=_float64), np.asarray(y, dtype=_float64)])
    if rows.shape != want.shape:
        return False
    key = lambda a: np.lexsort(a.T[::-1])
    return bool(np.array_equal(rows[key(rows)], want[key(want)]))


def _train_epoch_case(train_epoch, h, r, n, n_in, n_h, n_out, bs, lr, dtype, fitted=False):
    """``fitted``: labels the network already predicts with wide margins (every batch loss near 0), so a loop
    that stops on a small loss is seen."""
    def run():
        p = _random_params(r, n_in, n_h, n_out, dtype)
        X = r.normal(0, 1, (n, n_in)).astype(dtype)
        y = _labels(r, n, n_out)
        if fitted:
            y = _forward(p, X)[0].argmax(1)
            for scale in 1.25 ** np.arange(1, 60):       # margins wide enough for a mean loss below 5e-4
                q = {**p, "W2": (p["W2"] * scale).astype(dtype), "b2": (p["b2"] * scale).astype(dtype)}
                if _ce(_forward(q, X)[0], y) < 5e-4:
                    break
            p.update(q)
        try:
            judge(p, X, y)
        except Exception:       # a CheckFailure, or a value of theirs the check could not use
            if _contract_broken(h, p, X, y, lr) is not None:
                return      # the loop fails through a helper that breaks its contract (judged in its own cell)
            if _garbage_one_hot(h.one_hot):
                return      # the loss gradient goes through a one_hot of memory garbage (judged in its cell)
            raise

    def judge(p, X, y):
        seed = 3
        name = (f"train_epoch(params {{W1 {(n_in, n_h)}, b1 {(1, n_h)}, W2 {(n_h, n_out)}, b2 {(1, n_out)}}} "
                f"{np.dtype(dtype)}, X of shape {X.shape}, y of shape {y.shape}, lr={lr}, batch_size={bs}, rng)")
        replays, crash = {}, None
        for own in (True, False):
            try:
                replays[own] = _replay(h, p, X, y, lr, bs, seed, own)
            except _Crash as exc:
                crash = crash or exc
        before = _copy_params(p)
        try:
            out = call(train_epoch, p, X, y, lr, bs, np.random.default_rng(seed), label="train_epoch",
                       names=("params", "X", "y", "lr", "batch_size", "rng"), hint=None)
        except core.CheckFailure as exc:
            if _same_failure(exc, crash):
                return      # it stopped exactly where a replay with the student's own helpers stops
            _backward_arguments_swapped(exc, h, p, X, y, lr, bs, seed, name)
            _minibatches_arguments_swapped(exc, h, X, y, bs, seed)
            if crash is not None and True not in replays:
                fail(f"{exc}. (train_epoch calls {crash.helper}, and a replay of the epoch with your "
                     f"{crash.helper} fails too: {crash}; fix {crash.helper} first)", "train-epoch-helper-fails")
            if "modified its input argument" in str(exc) and _modifies_data(
                    lambda Xc, yc: list(h.minibatches(Xc, yc, bs, np.random.default_rng(seed))), X, y):
                return      # their iterate_minibatches changes the data (judged in its own cell)
            _data_modified(exc)
            raise
        if not isinstance(out, tuple) or len(out) != 2:
            fail(f"{name} must return the pair (mean loss, accuracy), got {core.describe(out)}",
                 "train-epoch-return")
        loss = expect_scalar(out[0], name=f"the loss returned by {name}")
        acc = expect_scalar(out[1], name=f"the accuracy returned by {name}")
        if not replays:
            fail(f"{name} cannot be judged: replaying its epoch failed ({crash})", "train-epoch-helper-fails")
        if not _reproducible(h, X, y, bs, seed):
            # Their iterate_minibatches ignores the rng (judged in its own cell): no replay can follow
            # the loop, so only what does not depend on the order is checked.
            if all(same(p[k], before[k]) for k in p):
                fail(f"{name} did not update params", "train-epoch-params-unchanged")
            if not 0 <= acc <= 1 or not loss > 0:
                fail(f"{name} returned loss {loss:.4g} and accuracy {acc:.4g}: a mean cross-entropy (> 0) and a "
                     f"fraction in [0, 1] are expected", "train-epoch-value")
            return
        if all(same(p[k], before[k]) for k in p):
            own_q = replays.get(True, (None,))[0]
            if own_q is None or not all(same(own_q[k], before[k]) for k in before):
                for own in replays:
                    _epoch_stopped_early(train_epoch, h, p, before, X, y, lr, bs, seed, own, name)
                fail(f"{name} did not update params: the dict it is given must hold the trained "
                     f"parameters afterwards (sgd_update after every batch); a new dict bound to the name params "
                     f"inside train_epoch (params = {{...}} or params = sgd_update(...) returning a new dict) leaves "
                     f"the caller's dict unchanged: update it in place, params.update(...) or params[k] -= ...",
                     "train-epoch-params-unchanged")
        # Which replay does the student's loop follow? (the one with their helpers, or the reference)
        match = None
        for own in (True, False):
            if own in replays and all(core.close(p[k], replays[own][0][k],
                                                 *core.dtype_tolerance(p[k], 1e-5, 1e-7, 10.0)) for k in p):
                match = own
                break
        if match is None and True in replays and all(same(p[k], before[k]) for k in p):
            match = True          # their sgd_update returns new arrays and their loop keeps the caller's dict
        if match is None and True in replays:
            # A loop that stores what sgd_update returns (params.update(sgd_update(...))) follows their
            # sgd_update's return value: when that is wrong (judged in sgd_update's cell), so are the params.
            try:
                q = _replay(h, before, X, y, lr, bs, seed, True, "use-return")[0]
            except _Crash:
                q = None
            if q is not None and all(k in q and np.shape(q[k]) == np.shape(p[k]) and core.close(
                    p[k], q[k], *core.dtype_tolerance(p[k], 1e-5, 1e-7, 10.0)) for k in p):
                return
        if match is None:
            for own in replays:
                for mistake, seed_used, message in (
                        ("logits-as-probs", seed, "softmax_cross_entropy_backward takes probabilities: pass it "
                                                  "softmax(logits), not the logits"),
                        ("softmax-twice", seed, "softmax is applied twice before the loss gradient: "
                                                "softmax_cross_entropy_backward was given softmax(softmax(logits)); "
                                                "pass it softmax(logits) once (probabilities squashed again lose "
                                                "their contrast)"),
                        ("lr-over-batch", seed, "the learning rate is divided by the batch size: the 1/N of the mean "
                                                "already lives in the loss gradient, pass lr itself to sgd_update"),
                        ("no-mean", seed, "every update is len(batch) times the replay's: the loss gradient misses "
                                          "the 1/N of the mean (dlogits = (softmax(logits) - one_hot(yb)) / N, what "
                                          "softmax_cross_entropy_backward returns), or lr is multiplied by the "
                                          "batch size"),
                        ("batch-share", seed, "every update is the replay's times the batch's share len(xb) / N "
                                              "(the loss gradient dlogits, or lr, was scaled by len(xb) / N): "
                                              "softmax_cross_entropy_backward already divides by the batch size, so "
                                              "pass its dlogits and lr to backward and sgd_update unchanged"),
                        ("batch-fraction", seed, "the learning rate of the last, smaller batch is scaled by its "
                                                 "share len(xb) / batch_size (or its loss gradient is): the 1/len(xb) "
                                                 "of the mean already makes a small batch's gradient an average, so "
                                                 "every batch, the last one too, is updated with lr itself"),
                        (None, 0, "pass the rng train_epoch receives to iterate_minibatches (the batches must "
                                  "come from that generator, not from a new one)"),
                        ("probs-as-grad", seed, "backward was given the probabilities softmax(logits) as its "
                                                "gradient: pass it dlogits = softmax_cross_entropy_backward(softmax("
                                                "logits), yb), the gradient of the loss"),
                        ("double-step", seed, "every update is twice the replay's: the batch's gradient is "
                                              "applied twice (sgd_update and a second update by hand, or sgd_update "
                                              "called twice, or lr doubled): one update per batch, "
                                              "sgd_update(params, grads, lr) once"),
                        ("two-steps", seed, "each batch is trained on twice (forward, backward and update run two "
                                            "times per batch, the second time from the updated params): one "
                                            "forward, one backward and one sgd_update per batch"),
                        ("whole-X", seed, "forward was run on the whole X, not on the batch xb: its logits are in "
                                          "the original row order while the labels yb are the shuffled batch's "
                                          "(logits, cache = forward(params, xb))"),
                        *((m, seed, f"the gradient you backpropagate is not that of the loss you measure: the loop "
                                    f"measures the softmax cross-entropy, but your updates follow dlogits = {what}; "
                                    f"the gradient given to backward must be the derivative of the measured loss, "
                                    f"softmax_cross_entropy_backward(softmax(logits), yb) = (softmax(logits) - "
                                    f"one_hot(yb)) / N") for m, what in _OTHER_LOSSES.items()),
                        ("whole-y", seed, "the loss gradient got the labels y of the whole data set, not the batch's "
                                          "labels yb: softmax_cross_entropy_backward(softmax(logits), yb) (y only fits "
                                          "when one batch holds all N samples, and even then in another order)")):
                    try:
                        q = _replay(h, before, X, y, lr, bs, seed_used, own, mistake)[0]
                    except _Crash:
                        continue
                    if all(core.close(p[k], q[k], *core.dtype_tolerance(p[k], 1e-5, 1e-7, 10.0)) for k in p):
                        fail(f"params after {name}: {message}", "train-epoch-" + (mistake or "rng"))
                _other_batch_size(h, p, before, X, y, lr, bs, seed, own, name)
                _epoch_stopped_early(train_epoch, h, p, before, X, y, lr, bs, seed, own, name)
                _one_update_per_epoch(h, p, before, X, y, lr, bs, seed, name)
                _lr_changes(h, p, before, X, y, lr, bs, seed, own, name)
                _weight_decay(h, p, before, X, y, lr, bs, seed, own, name)
                try:
                    q = _replay(h, before, X, y, lr, n, seed, own)[0]
                except _Crash:
                    continue
                if all(core.close(p[k], q[k], *core.dtype_tolerance(p[k], 1e-5, 1e-7, 10.0)) for k in p):
                    fail(f"params after {name} are those of ONE update on the whole data set: batch_size is ignored; "
                         f"take the batches from iterate_minibatches(X, y, batch_size, rng), one update per batch",
                         "train-epoch-full-batch")
            _small_lr_property(train_epoch, before, X, y, bs, seed, name)
            if _keeps_state(h.sgd_update, before, lr):
                # their sgd_update answers the same call differently: no replay can match; the loop is judged
                # again with the reference sgd_update lent (train_epoch's _lent_on_failure)
                fail(f"params after {name} differ from a replay of the epoch, and your sgd_update takes different "
                     f"steps on the same call twice", "train-epoch-stateful-sgd-update")
            _update_count(train_epoch, before, X, y, lr, bs, seed, name)
            ref = replays.get(True) or replays.get(False)
            k = next((k for k in p if not core.close(p[k], ref[0][k], 1e-5, 1e-7)), "W1")
            analysis, _ = core.analyse_difference(p[k], ref[0][k], 1e-5, 1e-7)
            fail(f"params['{k}'] after {name} differ from a replay of the epoch (the same batches from "
                 f"iterate_minibatches with the same rng; forward, loss gradient, backward and sgd_update on "
                 f"each batch in turn, one update per batch): {analysis}", "train-epoch-params")
        rec = replays[match][1]
        keys = ("ce", "ce_o") if match else ("ce_o",)
        losses = [v for v in (_weighted(rec, k, n) for k in keys) if v is not None]
        accs = [v for v in (_weighted(rec, k, n) for k in (("acc", "acc_o") if match else ("acc_o",))) if v is not None]
        seen = sum(r["n"] for r in rec)
        if seen != n and seen:
            losses += [v * n / seen for v in losses]
            accs += [v * n / seen for v in accs]
        if not any(core.close(loss, v, 1e-6, 1e-9) for v in losses) and any(core.close(loss, v, 1e-6, 1e-9) for v in accs) \
                and any(core.close(acc, v, 1e-6, 1e-9) for v in losses):
            fail(f"{name} returns (accuracy, loss): return the pair in the order (mean loss, accuracy)",
                 "train-epoch-return-order")
        denominators = _denominator_readings(X, bs, rec)
        for value, values, index, what in ((loss, losses, 0, "loss"), (acc, accs, 1, "accuracy")):
            if not any(core.close(value, v, 1e-6, 1e-9) for v in values):
                _measured_on_whole_set(train_epoch, h, before, X, y, lr, bs, seed, value, index, what, name)
        _expect_any(loss, losses, f"the loss returned by {name}", {
            **{f"the epoch's total (batch losses weighted by their sizes) is divided by {how}, instead of by N = "
               f"X.shape[0] = {n}, the number of samples": [v * n / k for v in losses] for how, k in denominators},
            "every batch was measured with the parameters of the START of the epoch (all batches measured in a "
            "first pass, then trained in a second?): measure each batch right before its own update, in the same "
            "pass, on the logits its gradient comes from": _measured_at_start(h, before, X, y, bs, seed),
            "cross_entropy takes the logits: you passed softmax(logits), so softmax is applied twice in the loss":
                [v for v in [_weighted(rec, "ce_sm", n)] if v is not None],
            "the mean of the batch losses is not weighted by the batch sizes (the last batch is "
            "smaller): add loss * batch_size and divide by N": [float(np.mean([r[k] for r in rec])) for k in keys
                                                                 if rec and all(r[k] is not None for r in rec)],
            "the losses are summed, not averaged over the N samples": [v * n for v in losses],
            "the batch losses are added without their batch sizes and then divided by N: add "
            "loss * xb.shape[0] for each batch, then divide by N":
                [float(sum(r[k] for r in rec) / n) for k in keys if rec and n and all(r[k] is not None for r in rec)],
            "each batch loss is weighted by batch_size, but the last batch is smaller: weight it by its own size, "
            "xb.shape[0]": [float(sum(r[k] for r in rec) * bs / n) for k in keys
                            if rec and all(r[k] is not None for r in rec)],
            "the epoch's total is divided by the size of the LAST batch (xb.shape[0] after the loop) instead of "
            "by N = X.shape[0]": [v * n / rec[-1]["n"] for v in losses if rec and rec[-1]["n"] not in (0, n)],
            f"every batch loss is weighted by the same number, {X.shape[1]} = xb.shape[1], the number of FEATURES "
            f"(columns): weight each batch by its number of samples, xb.shape[0] (rows are samples)":
                [float(sum(r[k] for r in rec) * X.shape[1] / n) for k in keys
                 if rec and X.shape[1] not in (bs, 1) and all(r[k] is not None for r in rec)],
            "return the mean loss of the epoch, not the last batch's loss": [float(rec[-1][k]) for k in keys
                                                                              if rec and rec[-1][k] is not None],
            "measure each batch's loss before its update, on the logits the gradient comes from (you measured "
            "it after sgd_update)": [v for v in [_weighted(rec, "ce_after", n)] if v is not None],
        })
        _expect_any(acc, accs, f"the accuracy returned by {name}", {
            **{f"the epoch's count of correct predictions is divided by {how}, instead of by N = X.shape[0] = "
               f"{n}, the number of samples": [v * n / k for v in accs] for how, k in denominators},
            "the batch accuracies are not weighted by the batch sizes (the last batch is smaller)":
                [float(np.mean([r[k] for r in rec])) for k in (("acc", "acc_o") if match else ("acc_o",))
                 if rec and all(r[k] is not None for r in rec)],
            "return a fraction of correct predictions (divide by N)": [v * n for v in accs],
            "the batch accuracies are added without their batch sizes and then divided by N: add "
            "accuracy * xb.shape[0] for each batch (its number of correct predictions), then divide by N":
                [float(sum(r[k] for r in rec) / n) for k in (("acc", "acc_o") if match else ("acc_o",))
                 if rec and n and all(r[k] is not None for r in rec)],
            "each batch accuracy is weighted by batch_size, but the last batch is smaller: weight it by its own "
            "size, xb.shape[0]": [float(sum(r[k] for r in rec) * bs / n) for k in (("acc", "acc_o") if match
                                                                                  else ("acc_o",))
                                  if rec and all(r[k] is not None for r in rec)],
            f"every batch accuracy is weighted by the same number, {X.shape[1]} = xb.shape[1], the number of "
            f"FEATURES (columns): weight each batch by its number of samples, xb.shape[0] (rows are samples)":
                [float(sum(r[k] for r in rec) * X.shape[1] / n) for k in (("acc", "acc_o") if match else ("acc_o",))
                 if rec and X.shape[1] not in (bs, 1) and all(r[k] is not None for r in rec)],
            "measure each batch's accuracy before its update, on the logits the gradient comes from (you measured "
            "it after sgd_update)": [v for v in [_weighted(rec, "acc_after", n)] if v is not None],
            "the accuracy is measured on the hidden layer (the argmax of A1 or Z1, an item of forward's cache), not "
            "on the network's output: accuracy(logits, yb) with the logits forward returns":
                [float(sum(r["n"] * r["acc_hidden"][j] for r in rec) / n) for j in (0, 1)
                 if rec and n and all(len(r["acc_hidden"]) == 2 for r in rec)],
        })
    return run


def _backward_arguments_swapped(exc, h, p, X, y, lr, bs, seed, name) -> None:
    """The loop fails exactly as a replay that calls backward(params, dlogits, cache) fails."""
    if _crashes_alike(exc, lambda: _replay(h, p, X, y, lr, bs, seed, True, "backward-swapped"), "backward"):
        fail(f"{exc}. A replay of the epoch that calls backward(params, dlogits, cache) fails in exactly this "
             f"way: the last two arguments of backward are swapped; its signature is backward(params, cache, "
             f"dlogits)", "train-epoch-backward-arguments-swapped")


def _one_update_per_epoch(h, p, before, X, y, lr, bs, seed, name) -> None:
    """The params are the start's minus lr times the SUM (or the mean) of every batch's gradient, all taken at
    the start: the gradients were collected over the epoch and applied in one update at its end."""
    try:
        batches = _helper("iterate_minibatches",
                          lambda: list(h.minibatches(X.copy(), y.copy(), bs, np.random.default_rng(seed))))
    except _Crash:
        return
    if len(batches) < 2:
        return
    q0 = {k: np.asarray(v, dtype=_float64) for k, v in before.items()}
    total = {k: np.zeros_like(v) for k, v in q0.items()}
    for xb, yb in batches:
        xb, yb = np.asarray(xb, dtype=_float64), np.asarray(yb)
        logits = _forward(q0, xb)[0]
        g = _probe_grads(q0, xb, (_softmax(logits) - _onehot(yb, logits.shape[1])) / max(len(xb), 1))
        total = {k: total[k] + g[k] for k in total}
    for how, scale in (("summed", 1.0), ("averaged", 1.0 / len(batches))):
        if all(core.close(p[k], q0[k] - lr * scale * total[k], *core.dtype_tolerance(p[k], 1e-5, 1e-7, 10.0))
               for k in p):
            fail(f"params after {name} took ONE update per epoch, with the gradients of all {len(batches)} batches "
                 f"{how} and applied at the end (every batch's gradient taken at the starting params): mini-batch "
                 f"SGD updates after EVERY batch, so the next batch's gradient is taken at the updated params: "
                 f"sgd_update(params, grads, lr) inside the loop, once per batch", "train-epoch-one-update")


def _labels_reordered(seen: list, seen_y: list, sizes: list, name: str) -> None:
    """Within every batch, the labels are those of the batch's own samples but in another order (read from the
    label value 3 i + 1 of sample i): sorted indices (y[np.sort(idx)]), or another order of the same set."""
    start, how = 0, set()
    for size in sizes:
        idx, lab = seen[start:start + size], seen_y[start:start + size]
        start += size
        try:
            owners = [(int(v) - 1) // 3 if v == int(v) and (int(v) - 1) % 3 == 0 else None for v in lab]
        except (TypeError, ValueError, OverflowError):
            return
        if None in owners or sorted(owners) != sorted(idx):
            return
        if owners != idx:
            how.add("sorted" if owners == sorted(idx) else "other")
    if not how:
        return
    fail(f"{name}: X_batch and y_batch are not aligned: every y_batch holds the labels of its batch's own samples, but "
         + ("in the order of the SORTED indices (y[np.sort(idx)] or y[sorted(idx)]) while X_batch keeps the shuffled "
            "order" if how == {"sorted"} else "in another order than the rows of X_batch")
         + ": sample i's label must stay next to sample i; index X and y with the same index array, "
           "X[idx], y[idx]", "pairs-reordered-in-batch")


def _minibatches_arguments_swapped(exc, h, X, y, bs, seed) -> None:
    """The loop fails exactly as the student's iterate_minibatches fails when called with batch_size and rng
    swapped, iterate_minibatches(X, y, rng, batch_size)."""
    if _crashes_alike(exc, lambda: _helper("iterate_minibatches",
                                           lambda: list(h.minibatches(X, y, np.random.default_rng(seed), bs)))):
        fail(f"{core.located(exc).split('. Likely cause')[0]}. Your iterate_minibatches fails exactly so when it is "
             f"called with batch_size and rng swapped, iterate_minibatches(X, y, rng, batch_size): train_epoch "
             f"must pass them in the order of its signature, iterate_minibatches(X, y, batch_size, rng)",
             "train-epoch-minibatches-arguments-swapped")


def _replay_matches(h, p, before, X, y, lr, bs, seed, own, mistake=None) -> bool:
    try:
        q = _replay(h, before, X, y, lr, bs, seed, own, mistake)[0]
    except _Crash:
        return False
    return all(k in q and np.shape(q[k]) == np.shape(p[k]) and
               core.close(p[k], q[k], *core.dtype_tolerance(p[k], 1e-5, 1e-7, 10.0)) for k in p)


def _other_batch_size(h, p, before, X, y, lr, bs, seed, own, name) -> None:
    """The params are those of the same epoch in batches of another size (confirmed by a replay)."""
    n = len(X)
    for b in dict.fromkeys((n // bs, bs - 1, bs + 1, bs // 2, 2 * bs, 1)):
        if 1 <= b < n and b != bs and _replay_matches(h, p, before, X, y, lr, b, seed, own):
            why = (f" ({n} // {bs} = {b} counts the full batches: it is not a batch size)" if b == n // bs else "")
            fail(f"params after {name} are those of an epoch in batches of {b} rows, not of batch_size = {bs}"
                 f"{why}: pass batch_size itself to iterate_minibatches(X, y, batch_size, rng)",
                 "train-epoch-other-batch-size")


def _epoch_stopped_early(train_epoch, h, p, before, X, y, lr, bs, seed, own, name) -> None:
    """Property of a training loop: an epoch uses every batch whatever the losses. The params are those after
    only the first k batches (confirmed by a replay); the loop is then called again on the same X with labels the
    network gets wrong (large losses): when that epoch is a full one, the loop stops on a small loss."""
    n_batches = -(-len(X) // bs)
    k = next((k for k in range(n_batches) if _replay_matches(h, p, before, X, y, lr, bs, seed, own, ("first", k))),
             None)
    if k is None:
        return
    try:
        rec = _replay(h, before, X, y, lr, bs, seed, own)[1]
        losses = ", ".join(f"{float(r['ce_o']):.2g}" for r in rec[:k + 1])
        far = (np.asarray(y) + 1) % int(np.asarray(before["W2"]).shape[1])
        q = _copy_params(before)
        train_epoch(q, X.copy(), far.copy(), lr, bs, np.random.default_rng(seed))
    except Exception:
        return
    if not _replay_matches(h, q, before, X, far, lr, bs, seed, own):
        return              # it stops whatever the losses: not this reading (named elsewhere)
    fail((f"params after {name} are those after only the first {k} of the {n_batches} batches (the losses of the "
          f"first {k + 1} batches were {losses})" if k else
          f"params after {name} are unchanged, as if no batch had been trained on (the first batch's loss was "
          f"{losses})") + ": with labels the network gets wrong (large losses) the same call trained on every batch, "
                          "so the loop ends early on a small loss (a convergence test or early stop, break / return, "
                          "inside the loop). An epoch is one pass over every batch of iterate_minibatches, whatever the losses; deciding to stop "
           "training belongs to the caller, between epochs", "train-epoch-stops-early")


def _decayed(grads, q, mistake):
    """The gradients plus an L2 / weight-decay term c * param (mistake = ("decay", c, weights_only))."""
    c, weights_only = mistake[1], mistake[2]
    return {k: (np.asarray(g) + c * np.asarray(q[k]) if k in q and not (weights_only and k.startswith("b")) else g)
            for k, g in grads.items()}


def _weight_decay(h, p, before, X, y, lr, bs, seed, own, name) -> None:
    """Params off the replay by an extra term proportional to the params in each gradient (L2 regularisation /
    weight decay). The coefficient c is fitted by regressing the difference from the replay on the change a
    small decay makes to the replay, then CONFIRMED: a replay with that c (on every parameter, or on the
    weights only) must give the student's params on every entry."""
    keys = sorted(p)
    try:
        q0 = _replay(h, before, X, y, lr, bs, seed, own)[0]
    except _Crash:
        return
    if any(k not in q0 or np.shape(q0[k]) != np.shape(p[k]) for k in keys):
        return
    diff = np.concatenate([(np.asarray(p[k], dtype=_float64) - np.asarray(q0[k], dtype=_float64)).ravel() for k in keys])
    if not np.any(diff):
        return
    probe = 1e-3
    for weights_only in (False, True):
        try:
            q1 = _replay(h, before, X, y, lr, bs, seed, own, ("decay", probe, weights_only))[0]
        except _Crash:
            return
        direction = np.concatenate([(np.asarray(q1[k], dtype=_float64) - np.asarray(q0[k], dtype=_float64)).ravel()
                                    for k in keys])
        if not np.any(direction):
            continue
        c = probe * float(np.dot(diff, direction) / np.dot(direction, direction))
        if not np.isfinite(c) or c == 0:
            continue
        c = float(f"{c:.3g}")
        if _replay_matches(h, p, before, X, y, lr, bs, seed, own, ("decay", c, weights_only)):
            which = "every weight matrix (not the biases)" if weights_only else "every parameter"
            fail(f"params after {name} differ from a replay of the epoch (the same batches, one update per batch) "
                 f"exactly as if an extra L2 / weight-decay term c * param with c = {c:.3g} was added to the "
                 f"gradients of {which} (grads[k] + {c:.3g} * params[k]; confirmed by a replay with that term): "
                 f"train_epoch must update with the gradients backward returns for the cross-entropy loss, "
                 f"sgd_update(params, grads, lr), with no regularisation term", "train-epoch-weight-decay")


_UPDATES: list = []      # the calls of _counted_sgd_update (lent to the student's train_epoch by _update_count)


def _lent_sgd_update(params, grads, lr):
    """sgd_update as documented (lent to train_epoch when the student's keeps state between calls)."""
    for k, g in grads.items():
        params[k] -= lr * g
    return params


def _counted_sgd_update(params, grads, lr):
    """sgd_update as documented, counting its calls (lent to train_epoch after a failure)."""
    _UPDATES.append(sorted(grads))
    return _lent_sgd_update(params, grads, lr)


_BACKWARDS: list = []      # the gradients returned by _recording_backward (lent by _update_late)
_APPLIED: list = []        # the gradients given to _recording_sgd_update


def _recording_backward(params, cache, dlogits):
    """backward as documented (lent with _lent_forward), keeping a copy of every result."""
    X, Z1, A1 = (np.asarray(a, _float64) for a in cache)
    G = np.asarray(dlogits, _float64)
    dZ1 = (G @ np.asarray(params["W2"], _float64).T) * (Z1 > 0)
    grads = {"W1": X.T @ dZ1, "b1": dZ1.sum(axis=0, keepdims=True),
             "W2": A1.T @ G, "b2": G.sum(axis=0, keepdims=True)}
    _BACKWARDS.append({key: v.copy() for key, v in grads.items()})
    return grads


def _recording_sgd_update(params, grads, lr):
    """sgd_update as documented, keeping a copy of the gradients of every call."""
    _APPLIED.append(({key: np.array(v, dtype=_float64, copy=True) for key, v in grads.items()}, len(_BACKWARDS)))
    return _lent_sgd_update(params, grads, lr)


def _update_late(train_epoch, before, X, y, lr, bs, seed, name, n_batches) -> None:
    """One update fewer than batches: with the documented forward, backward and sgd_update lent (recording what
    they return and receive), is update j given the gradients of batch j while batch j + 1 was already computed,
    i.e. each batch's update applied after the NEXT batch's backward (the last batch's never)? Confirmed on every
    update of the epoch."""
    _BACKWARDS.clear()
    _APPLIED.clear()
    try:
        with core.lent_globals(train_epoch, {"sgd_update": _recording_sgd_update, "backward": _recording_backward,
                                             "forward": _lent_forward}):
            train_epoch(_copy_params(before), X.copy(), y.copy(), lr, bs, np.random.default_rng(seed))
    except Exception:
        return
    if len(_BACKWARDS) != n_batches or len(_APPLIED) != n_batches - 1:
        return
    if all(seen == j + 2 and set(a) == set(b) and all(core.close(a[key], b[key], 1e-6, 1e-9) for key in a)
           for j, ((a, seen), b) in enumerate(zip(_APPLIED, _BACKWARDS))):
        fail(f"{name} called sgd_update {n_batches - 1} times for {n_batches} batches, and update j applied the "
             f"gradients of batch j only after batch j + 1's forward and backward: every update is one batch LATE "
             f"(the gradients kept in a variable and applied at the next batch), and the last batch's gradients are "
             f"never applied. Update right after each batch's backward: params = sgd_update(params, grads, lr) in "
             f"the same iteration", "train-epoch-update-late")


def _update_count(train_epoch, before, X, y, lr, bs, seed, name) -> None:
    """Property of a training loop: one parameter update per batch.  The student's loop is run again with a
    counting sgd_update lent in place of theirs; a count other than the number of batches is said (updates
    skipped, gradients summed over several batches, an update per sample or an extra one)."""
    n_batches = -(-len(X) // bs)
    _UPDATES.clear()
    try:
        with core.lent_globals(train_epoch, {"sgd_update": _counted_sgd_update}):
            train_epoch(_copy_params(before), X.copy(), y.copy(), lr, bs, np.random.default_rng(seed))
    except Exception:
        return
    k = len(_UPDATES)
    if k == n_batches - 1 and n_batches > 2:
        _update_late(train_epoch, before, X, y, lr, bs, seed, name, n_batches)
    if 0 < k != n_batches:
        why = ("gradients summed over several batches, or updates skipped?" if k < n_batches else
               "an update per sample, or an extra one?")
        fail(f"{name} called sgd_update {k} time{'s' if k != 1 else ''} for {n_batches} batches (N = {len(X)}, "
             f"batch_size = {bs}): train_epoch takes ONE update per batch, sgd_update(params, grads, lr) with that "
             f"batch's gradients right after its backward pass ({why})",
             "train-epoch-update-count")


def _lr_changes(h, p, before, X, y, lr, bs, seed, own, name) -> None:
    """The learning rate shrinks from batch to batch (lr *= d in the loop; confirmed by a replay)."""
    if -(-len(X) // bs) < 2:
        return
    for d in (0.99, 0.95, 0.9, 0.5):
        for offset in (0, 1):
            if _replay_matches(h, p, before, X, y, lr, bs, seed, own, ("lr-decay", d, offset)):
                first = "lr" if offset == 0 else f"lr * {d}"
                fail(f"params after {name} are those of an epoch whose learning rate shrinks from batch to batch: "
                     f"the first update uses {first}, each next one {d} times the previous (lr *= {d} inside the "
                     f"loop?). train_epoch takes every step with the lr it is given; a decay of the learning "
                     f"rate belongs to fit, once per epoch", "train-epoch-lr-changes")


def _modifies_data(consume, X, y) -> bool:
    """Does the student's own building block, run to the end on copies of X and y, change them?
    (Then a training function that calls it changes the data through it: not its own mistake.)"""
    Xc, yc = X.copy(), y.copy()
    try:
        consume(Xc, yc)
    except Exception:     # a failing helper is judged in its own cell
        return False
    return not (same(Xc, X) and same(yc, y))


def _data_modified(exc: core.CheckFailure) -> None:
    """A training function changed the caller's data: say where it may happen (a generator such as
    iterate_minibatches changes the arrays while train_epoch consumes it, so only this cell sees it)."""
    text = str(exc)
    if "modified its input argument" in text and "argument #1 " not in text:
        fail(f"{text} (the data must come out of training unchanged, also inside iterate_minibatches: shuffle an "
             f"array of indices, never X or y themselves)", exc.diagnosis)


def _denominator_readings(X, bs: int, rec: list) -> list:
    """Other denominators an epoch mean may have been divided by: each told only where it differs from N and
    from every other candidate (so the ratio reading names one quantity only)."""
    n, d, nb = len(X), X.shape[1], len(rec)
    cands = [(f"X.shape[1] = {d}, the number of FEATURES (columns)", d), (f"the number of batches, {nb}", nb),
             (f"batch_size = {bs}", bs)]
    sizes = [k for _, k in cands]
    return [(how, k) for how, k in cands if k > 0 and k != n and sizes.count(k) == 1]


def _whole_set_readings(h, before, X, y, lr, bs: int, seed: int, index: int) -> dict:
    """Readings of an epoch's loss (index 0) or accuracy (1) measured on the WHOLE training set (X, y) at every
    batch, before or after its update, then averaged over the batches (weighted by their sizes, or not) or the
    last one kept: reading -> value. The epoch is replayed on the student's batches with the reference forward
    and gradients."""
    try:
        batches = [(np.asarray(xb), np.asarray(yb)) for xb, yb in
                   h.minibatches(X.copy(), y.copy(), bs, np.random.default_rng(seed))]
        q = {k: np.asarray(v, dtype=_float64) for k, v in before.items()}
        Xs, ys = np.asarray(X, dtype=_float64), np.asarray(y)

        def measure(params):
            z = _forward(params, Xs)[0]
            return _ce(z, ys) if index == 0 else float(np.mean(z.argmax(1) == ys))
        at = {"before": [], "after": []}
        for xb, yb in batches:
            at["before"].append(measure(q))
            logits = _forward(q, xb)[0]
            g = _probe_grads(q, xb, (_softmax(logits) - _onehot(yb, logits.shape[1])) / max(len(xb), 1))
            q = {k: q[k] - lr * g[k] for k in q}
            at["after"].append(measure(q))
        sizes = np.array([len(yb) for _, yb in batches], dtype=_float64)
    except Exception:
        return {}
    if len(batches) < 2:
        return {}
    out = {}
    for when, vals in at.items():
        v = np.array(vals)
        out[f"{when} each batch's update, averaged over the batches weighted by their sizes"] = float(v @ sizes / len(X))
        out[f"{when} each batch's update, averaged over the batches"] = float(v.mean())
        out[f"{when} the last batch's update"] = float(v[-1])
    return out


def _measured_on_whole_set(train_epoch, h, before, X, y, lr, bs: int, seed: int, got: float, index: int,
                           what: str, name: str) -> None:
    """The epoch's loss or accuracy measured on the whole training set at every batch (forward(params, X)),
    where each batch is measured on its own logits: told only when the same reading also fits a second call with
    another batch size. Asked only after the value failed."""
    first = _whole_set_readings(h, before, X, y, lr, bs, seed, index)
    fits = [k for k, v in first.items() if core.close(got, v, 1e-6, 1e-9)]
    if not fits:
        return
    bs2 = bs + 3 if bs + 3 < len(X) else max(bs - 3, 2)
    try:
        out = train_epoch(_copy_params(before), X.copy(), y.copy(), lr, bs2, np.random.default_rng(seed))
        again = float(tuple(out)[index])
    except Exception:
        return
    second = _whole_set_readings(h, before, X, y, lr, bs2, seed, index)
    fits = [k for k in fits if k in second and core.close(again, second[k], 1e-6, 1e-9)]
    if not fits:
        return
    fn = "cross_entropy(forward(params, X)[0], y)" if index == 0 else "accuracy(forward(params, X)[0], y)"
    own = "cross_entropy(logits, yb)" if index == 0 else "accuracy(logits, yb)"
    fail(f"the {what} returned by {name} is the {what} of the WHOLE training set X, measured {fits[0]} "
         f"({fn} inside the loop; the same reading fits a second call with batch_size={bs2}): the epoch's {what} is "
         f"measured on each batch's own logits, {own} with the logits forward gave for xb, before its update, "
         f"weighted by the batch's size and divided by N", f"train-epoch-{'loss' if index == 0 else 'accuracy'}"
                                                            f"-on-whole-set")


def _measured_at_start(h, before, X, y, bs: int, seed: int) -> list:
    """The epoch's mean loss with every batch measured at the epoch-start parameters (a first pass that
    measures, a second that trains)."""
    try:
        batches = list(h.minibatches(X.copy(), y.copy(), bs, np.random.default_rng(seed)))
        q = {k: np.asarray(v, dtype=_float64) for k, v in before.items()}
        total = sum(_ce(_forward(q, np.asarray(xb))[0], np.asarray(yb)) * len(yb) for xb, yb in batches)
        return [float(total / len(X))]
    except Exception:
        return []


def _expect_any(got, candidates, name, diagnose,
                how="each batch measured before its update, weighted by its size, divided by N"):
    """``got`` must equal one of ``candidates`` (the judge accepts the student's helpers' values too)."""
    if any(core.close(got, c, 1e-6, 1e-9) for c in candidates):
        return
    for message, values in diagnose.items():
        if any(core.close(got, v, 1e-6, 1e-9) for v in values):
            fail(f"{name}: {message}", "-".join(w.strip(",.:()") for w in message.lower().split()[:8]))
    want = candidates[0] if candidates else float("nan")
    if "acc" in name and any(c and core.close(got, 100.0 * c, 1e-6, 1e-9) for c in candidates):
        fail(f"{name} is {got:.6g}, expected {want:.6g}: yours is exactly 100 times the expected value, the accuracy "
             f"returned as a percentage. Return the fraction of correct predictions in [0, 1] (correct / N), "
             f"without the factor 100", "accuracy-as-percentage")
    raise core.differs(got, want, f"{name} is {got:.6g}, expected {want:.6g} ({how})", "train-epoch-value",
                       name=name, rtol=1e-6, atol=1e-9)


def _garbage_one_hot(one_hot) -> bool:
    """Does the student's one_hot leave memory garbage outside the 1s (np.empty)?  Its values then differ
    from call to call, so no replay of a loop that uses it can match: the loop is not to blame (one_hot's
    cell judges it).  Asked only after a failure; several sizes, since garbage can happen to be zeros."""
    if one_hot is None:
        return False
    for n, c in ((7, 10), (23, 4), (64, 10)):
        y = np.arange(n) % c
        try:
            Y = np.asarray(one_hot(y, c))
        except Exception:
            return False
        if Y.shape == (n, c) and _not_zeroed(Y, y):
            return True
    return False


def train_epoch(train_epoch, iterate_minibatches, forward, backward, softmax, cross_entropy,
                softmax_cross_entropy_backward, sgd_update, accuracy, one_hot=None):
    """Judged relative to the student's helpers: a wrong helper costs its own cell only."""
    _lent_on_failure(lambda lent: _train_epoch_judged(
        train_epoch, iterate_minibatches, lent.get("forward", forward), backward, softmax, cross_entropy,
        softmax_cross_entropy_backward, lent.get("sgd_update", sgd_update), accuracy, one_hot),
        train_epoch, {"forward": forward, "sgd_update": sgd_update}, "your loop")


def _train_epoch_judged(train_epoch, iterate_minibatches, forward, backward, softmax, cross_entropy,
                        softmax_cross_entropy_backward, sgd_update, accuracy, one_hot=None):
    r = core.rng("lab02.train_epoch")
    broken = _minibatches_broken(iterate_minibatches)
    h = _Helpers(_lent_iterate_minibatches if broken else iterate_minibatches, forward, backward, softmax,
                 cross_entropy, softmax_cross_entropy_backward, sgd_update, accuracy, one_hot)

    def cases():
        run_cases([(None, _train_epoch_case(train_epoch, h, r, 23, 6, 5, 4, 8, 0.5, _float64)),
                   (None, _train_epoch_case(train_epoch, h, r, 10, 3, 7, 10, 10, 0.1, _float64)),
                   ("batch_size = 1", _train_epoch_case(train_epoch, h, r, 5, 4, 3, 6, 1, 0.2, _float64)),
                   (None, _train_epoch_case(train_epoch, h, r, 9, 5, 6, 3, 4, 0.3, np.float32)),
                   # labels already fitted with wide margins: every batch loss near 0
                   (None, _train_epoch_case(train_epoch, h, r, 13, 4, 6, 3, 4, 0.2, _float64, fitted=True))])
    if not broken:
        cases()
        return
    # Their iterate_minibatches breaks its contract (judged in its own cell): the loop is judged with the
    # reference one lent in its place, so that mistake costs its own cell only.
    if not core.judged_again(cases, core.lent_globals(train_epoch, {"iterate_minibatches": _lent_iterate_minibatches}),
                             f"your loop was judged with the reference iterate_minibatches in place of yours, which "
                             f"{broken}: see its own cell"):
        cases()     # nothing could be lent: judged with their own


_SOFTMAX_STATE = """
def softmax_keeps_state(fn):
    import numpy as np
    h = getattr(fn, "__globals__", {}).get("softmax")
    if not callable(h):
        return 0
    def ref(v):
        e = np.exp(v - v.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    def right(got, v):
        return got.shape == v.shape and np.allclose(got, ref(v), rtol=1e-4, atol=1e-6)
    z = np.random.default_rng(0).normal(size=(5, 4))
    try:
        first = np.asarray(h(z), dtype=float)
        was = z.copy()
        z[...] = np.random.default_rng(1).normal(size=(5, 4))
        got = np.asarray(h(z), dtype=float)
    except Exception:
        return 0
    if right(first, was) and right(got, z):
        return 0
    # the same result again for new values (kept from an earlier call), or a result an earlier call left for an
    # id this array reuses: either way a wrong answer, paid in softmax's own cell
    return 1 if right(first, was) or np.array_equal(got, first) or first.shape != was.shape else 2
"""


def _softmax_keeps_state(fn) -> int:
    """0 when the softmax a loop ``fn`` calls by name (in its globals) is right on an array and on the same array
    changed in place; 1 when it keeps state between calls (the same result for new values, or an earlier call's
    result of another shape for an id this array reuses: a memo keyed on id(z)); 2 when it is wrong otherwise.
    Either way softmax is judged in its own cell and the loop with the reference softmax lent.  Asked only after
    the loop failed."""
    try:
        return int(core.kernel_functions(_SOFTMAX_STATE)["softmax_keeps_state"](fn))
    except Exception:
        return 0


def _forward_state_kept(forward) -> str | None:
    """forward's own questions of state kept between calls (judged in its cell), asked again after a loop's
    failure: what it does wrong, in words, or None."""
    g = core.rng("lab02.forward.twice")
    first, second = ((_random_params(g, 6, 5, 4), g.normal(0, 1, (7, 6))) for _ in range(2))
    try:
        _results_kept(forward, "forward", first, second, {})
        _follows_new_values(forward, "forward", (first[0], first[1]), (None, second[1]),
                            lambda p, X: _forward(p, X)[0], pick=lambda out: out[0], confirmed_only=True)
    except core.CheckFailure as exc:
        return ("keeps state between calls (a result overwritten by a later call, or computed from an earlier "
                "call's values)" if exc.diagnosis in ("result-buffer-shared-between-calls", "result-from-earlier-call")
                else None)
    return None


_GLOBAL_NAMED = """
def global_named(fn, name):
    f = getattr(fn, "__globals__", {}).get(name)
    return f if callable(f) else None
"""


def _global_named(fn, name: str):
    """The student's function ``name`` as ``fn``'s module sees it (a helper its callees call by name), or None."""
    try:
        return core.kernel_functions(_GLOBAL_NAMED)["global_named"](fn, name)
    except Exception:
        return None


def _lent_on_failure(judge: Callable[[dict], None], fn, helpers: dict, who: str) -> None:
    """``judge({})``; after a failure, the student's helpers of ``helpers`` (name -> their function) that answer
    the same call differently (forward with random numbers, sgd_update with state kept between calls: judged in
    their own cells; no replay of a loop that calls them can match) are lent as the reference ones, to the check
    (``judge(lent)``) and in ``fn``'s globals, and the cell is judged again: their mistake costs their cell only."""
    try:
        judge({})
    except core.CheckFailure:
        said, lent = [], {}
        if "forward" in helpers:
            random = _forward_state_kept(helpers["forward"]) or _forward_random(helpers["forward"])
            if random is not None:
                lent["forward"] = _lent_forward
                said.append(f"the reference forward in place of yours, which {random}")
        kept = _softmax_keeps_state(fn)
        if kept:
            lent["softmax"] = _softmax
            said.append("the reference softmax in place of yours, which " + (
                "returns a result computed from an earlier call's values when called again on an array changed in "
                "place (state kept between calls)" if kept == 1 else "gives wrong probabilities"))
        sgd = helpers.get("sgd_update") or _global_named(fn, "sgd_update")   # fit reaches it through train_epoch
        if sgd is not None and _keeps_state(sgd, _random_params(np.random.default_rng(3), 5, 4, 3), 0.1):
            lent["sgd_update"] = _lent_sgd_update
            said.append("the reference sgd_update in place of yours, which takes different steps on the same "
                        "(params, grads, lr) twice (state kept between calls)")
        if not lent or not core.judged_again(
                lambda: judge(lent), core.lent_globals(fn, lent),
                f"{who} was judged with {' and with '.join(said)}: see {' and '.join(lent)}'s own cell"):
            raise


def _lent_iterate_minibatches(X, y, batch_size, rng):
    """iterate_minibatches as documented (lent to train_epoch when the student's breaks its contract): the
    batches of one permutation drawn from rng, as a list (it crosses to the kernel by copy)."""
    X, y = np.asarray(X), np.asarray(y)
    order = rng.permutation(X.shape[0])
    return [(X[order[s:s + batch_size]], y[order[s:s + batch_size]]) for s in range(0, X.shape[0], batch_size)]


def _minibatches_broken(fn) -> str | None:
    """What breaks the iterate_minibatches contract on a small input, or None: it must run, yield pairs that
    hold every (row, label) once, keep the dtypes of X and y, and draw its order from the rng."""
    X = np.arange(14, dtype=_float64).reshape(7, 2) / 4
    y = np.array([3, 0, 2, 1, 1, 0, 2], dtype=np.int64)

    def batches(seed):
        with core.numerics("iterate_minibatches"):
            return list(fn(X.copy(), y.copy(), 3, np.random.default_rng(seed)))
    try:
        got = batches(5)
    except NotImplementedError:
        return None         # not written yet: the loop's own failure says so
    except Exception as exc:
        return f"raises {core.error_kind(exc)}"
    if not all(isinstance(b, (tuple, list)) and len(b) == 2 and isinstance(b[0], np.ndarray)
               and isinstance(b[1], np.ndarray) for b in got):
        return "does not yield pairs of arrays (X_batch, y_batch)"
    if any(b[1].dtype.kind not in "iu" for b in got):
        return "yields labels that are not integers"
    if any(b[0].dtype != X.dtype for b in got):
        return "changes the dtype of X"
    if not (all(np.ndim(b[0]) == 2 and np.ndim(b[1]) == 1 and len(b[0]) == len(b[1]) for b in got)
            and _partition(got, X, y)):
        return "does not yield every (row, label) pair exactly once"
    try:
        again = batches(5)
    except Exception:
        return "raises on a second call"
    if len(again) != len(got) or not all(same(np.asarray(a[0]), np.asarray(b[0])) for a, b in zip(again, got)):
        return "does not draw its order from the rng"
    return None


def fit(fit, train_epoch, forward, cross_entropy, accuracy, one_hot=None):
    """Judged relative to the student's train_epoch, forward, cross_entropy and accuracy."""
    _lent_on_failure(lambda lent: _fit_judged(fit, train_epoch, lent.get("forward", forward), cross_entropy,
                                              accuracy, one_hot), fit, {"forward": forward}, "fit")


def _fit_judged(fit, train_epoch, forward, cross_entropy, accuracy, one_hot=None):
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
    args = (X_tr, y_tr, X_val, y_val)
    names = ("params", "X_tr", "y_tr", "X_val", "y_val", "epochs", "lr", "batch_size")
    label = f"fit(params, X_tr of shape {X_tr.shape}, y_tr, X_val of shape {X_val.shape}, y_val, epochs, lr, batch_size"

    def run_fit(q, epochs, lr=0.3, **kw):
        """The student's fit; when it crashes where their own train_epoch or helpers crash, the
        crash is not fit's mistake: the cell is not failed for it (raises _Credit)."""
        start = _copy_params(q)
        try:
            return call(fit, q, *args, epochs, lr, 7, label="fit", names=names, hint=None, **kw)
        except core.CheckFailure as exc:
            if "modified its input argument" in str(exc) and _modifies_data(
                    lambda Xc, yc: train_epoch(_copy_params(q), Xc, yc, 0.3, 7, np.random.default_rng(0)), X_tr, y_tr):
                raise _Credit() from None   # their train_epoch changes the data (judged in its own cell)
            _data_modified(exc)
            if not (_raised(exc) or exc.diagnosis == "not-numerically-stable"):
                raise
            def every_epoch():      # their train_epoch over the same epochs: a divergence of theirs is not fit's
                g, w = np.random.default_rng(kw.get("seed", 0)), _copy_params(start)
                for e in range(1, epochs + 1):
                    train_epoch(w, X_tr, y_tr, 0.3 * kw.get("lr_decay", 1.0) ** (e - 1), 7, g)
            probes = [("train_epoch", every_epoch),
                      ("train_epoch", lambda: train_epoch(_copy_params(q), X_tr, y_tr, 0.3, 7,
                                                          np.random.default_rng(kw.get("seed", 0)))),
                      ("forward", lambda: forward(_copy_params(q), X_val)),
                      ("cross_entropy", lambda: cross_entropy(forward(_copy_params(q), X_val)[0], y_val)),
                      ("accuracy", lambda: accuracy(forward(_copy_params(q), X_val)[0], y_val))]
            if any(_crashes_alike(exc, lambda helper=helper, probe=probe: _helper(helper, probe))
                   for helper, probe in probes):
                raise _Credit() from None
            if _crashes_alike(exc, lambda: _helper(      # the same crash when train_epoch gets batch_size and lr swapped
                    "train_epoch", lambda: train_epoch(_copy_params(q), X_tr, y_tr, 7, 0.3,
                                                       np.random.default_rng(kw.get("seed", 0))))):
                fail(f"{exc}. Your train_epoch fails exactly so when it is called with batch_size and lr "
                     f"swapped, train_epoch(params, X_tr, y_tr, batch_size, lr, rng): fit must pass them in "
                     f"the order of train_epoch's signature, train_epoch(params, X_tr, y_tr, lr, batch_size, rng)",
                     "fit-train-epoch-arguments-swapped")
            for helper in ("accuracy", "cross_entropy"):    # the same crash when forward's whole tuple is passed
                fn = accuracy if helper == "accuracy" else cross_entropy
                if _crashes_alike(exc, lambda helper=helper, fn=fn: _helper(
                        helper, lambda: fn(forward(_copy_params(q), X_val), y_val))):
                    fail(f"{exc}. Your {helper} fails exactly so when it is given the whole tuple that forward "
                         f"returns, {helper}(forward(params, X), y): forward returns (logits, cache), a tuple; "
                         f"unpack it and pass the logits only, logits, _ = forward(params, X_val); "
                         f"{helper}(logits, y_val)", "fit-forward-tuple-passed")
            # The same crash when the validation metrics pair the logits of one set with the labels of the other
            # (N_tr != N_val, so the shapes disagree): name the set, not the broadcast error.
            for helper, fn in (("cross_entropy", cross_entropy), ("accuracy", accuracy)):
                for inputs, labels, wrong in ((X_tr, y_val, "the training inputs X_tr"),
                                              (X_val, y_tr, "the validation inputs with the training labels y_tr")):
                    if _crashes_alike(exc, lambda helper=helper, fn=fn, inputs=inputs, labels=labels: _helper(
                            helper, lambda: fn(forward(_copy_params(q), inputs)[0], labels))):
                        fail(f"{exc}. Your {helper} fails exactly so when the validation metrics are computed on "
                             f"{wrong} ({X_tr.shape[0]} training and {X_val.shape[0]} validation samples): measure "
                             f"on the validation set, val_logits, _ = forward(params, X_val); "
                             f"{helper}(val_logits, y_val)", "fit-validation-on-training-set")
            raise

    def epoch(q, lr, rng):
        """One epoch of the student's own train_epoch (None when it crashes: then fit is judged less)."""
        try:
            train_epoch(q, X_tr, y_tr, lr, 7, rng)
        except Exception:
            return None
        return q

    def checks():
        hist = run_fit(p, 3, seed=1)
        _epoch_count(hist, 3, lambda e: run_fit(_copy_params(before), e, seed=1))
        _fit_stops_on_small_loss(fit, hist, before, X_tr, X_val, 3)
        own1 = epoch(_copy_params(before), 0.3, np.random.default_rng(1))
        own2 = epoch(_copy_params(before), 0.3, np.random.default_rng(1))
        trains = own1 is not None and not all(same(own1[k], before[k]) for k in before)
        # Replays of the student's train_epoch only mean something when it is reproducible from the rng.
        replayable = trains and own2 is not None and all(same(own1[k], own2[k]) for k in own1)
        if trains and np.array_equal(p["W1"][: d // 2], before["W1"][: d // 2]):
            fail(f"{label}) did not update params in place (the model must be trained on the dict it is given)",
                 "fit-params-unchanged")
        own_changes_val_rows = own1 is not None and not np.array_equal(own1["W1"][d // 2:], before["W1"][d // 2:])
        # Training on validation images moves those rows by finite steps; NaN there comes from non-finite
        # arithmetic elsewhere (0 * inf: a helper returning memory garbage), not from a leak.
        leaked_rows = np.asarray(p["W1"][d // 2:], dtype=_float64)
        if trains and not own_changes_val_rows and not np.array_equal(leaked_rows, before["W1"][d // 2:]) \
                and np.isfinite(leaked_rows).all():
            fail("validation data leaked into training: the weights of pixels that only validation "
                 "images use have changed; train on (X_tr, y_tr) only and use (X_val, y_val) only to measure",
                 "fit-validation-leak")
        # The schedule: epoch e uses lr * lr_decay**(e - 1). With lr_decay = 0 the second epoch
        # takes no step, so two epochs must end where one epoch (same seed) ends.
        q1, q2, q3, q4 = (_copy_params(before) for _ in range(4))
        run_fit(q1, 1, seed=2)
        run_fit(q2, 2, seed=2, lr_decay=0.0)
        run_fit(q3, 2, seed=2, lr_decay=0.5)
        q5 = _copy_params(before)
        run_fit(q5, 3, seed=2, lr_decay=0.5)
        if replayable:
            first = epoch(_copy_params(before), 0.3, np.random.default_rng(2))
            # a parameter the student's own epoch moves (their sgd_update may skip some: judged in its cell)
            key = next((k for k in ("W2", "W1", "b2", "b1") if first is not None and not same(first[k], before[k])), "W2")
            q1b = _copy_params(before)
            run_fit(q1b, 1, seed=2)
            if not all(same(q1[k], q1b[k]) for k in q1):
                fail("fit is not reproducible: two runs with the same seed trained to different parameters; shuffle "
                     "with np.random.default_rng(seed) (not an unseeded generator or np.random)",
                     "fit-not-reproducible")
            if np.array_equal(q2[key], before[key]):
                fail("fit: the first epoch must use lr itself (epoch e uses lr * lr_decay**(e - 1), "
                     "so lr_decay only acts from the second epoch on)", "fit-lr-first-epoch")
            still = epoch(_copy_params(before), 0.0, np.random.default_rng(2))
            lr0_is_identity = still is not None and all(same(still[k], before[k]) for k in before)

            def replay(epochs, decay):
                """Their train_epoch over the epochs with the documented schedule and one generator."""
                g, w = np.random.default_rng(2), _copy_params(before)
                for e in range(1, epochs + 1):
                    if epoch(w, 0.3 * decay ** (e - 1), g) is None:
                        return None
                return w

            def as_replayed(q, epochs, decay) -> bool:
                w = replay(epochs, decay)
                return w is not None and all(core.close(q[k], w[k], 1e-9, 1e-12) for k in q)
            def schedule_ok() -> bool:       # only asked when a verdict would fail: no cost on the passing path
                if as_replayed(q2, 2, 0.0) and as_replayed(q3, 2, 0.5) and as_replayed(q5, 3, 0.5):
                    return True
                _extra_draws()
                _earlier_epoch_kept()
                return False

            def _extra_draws() -> None:
                """Property: the generator made from seed feeds train_epoch only.  Two epochs whose run is
                reproduced by their train_epoch once fit takes a permutation of M numbers from the SAME
                generator after each epoch: fit draws from it outside train_epoch."""
                qq = _copy_params(before)
                run_fit(qq, 2, seed=2)
                for m, what in ((n_val, "len(X_val)"), (n_tr, "len(X_tr)")):
                    g, w = np.random.default_rng(2), _copy_params(before)
                    for _ in range(2):
                        if epoch(w, 0.3, g) is None:
                            return
                        g.permutation(m)
                    if not all(core.close(qq[k], w[k], 1e-9, 1e-12) for k in qq):
                        continue
                    val = ""
                    try:
                        h1 = run_fit(_copy_params(before), 1, seed=2)
                        q1v = _copy_params(before)
                        run_fit(q1v, 1, seed=2)
                        lg = _forward(q1v, X_val)[0]
                        if not core.close(float(h1["val_loss"].iloc[-1]), _ce(lg, y_val), 1e-6, 1e-9):
                            val = (", and the history's val_loss is not that of forward(params, X_val) against "
                                   "y_val: the validation pairs (X_val[i], y_val[i]) were broken by shuffling X_val "
                                   "alone")
                    except Exception:
                        pass
                    fail(f"fit draws from the training generator outside train_epoch: your run of 2 epochs is "
                         f"exactly that of your train_epoch when, after each epoch, fit takes a permutation of "
                         f"{m} = {what} numbers from the same generator np.random.default_rng(seed) (a shuffle "
                         f"of the {'validation' if m == n_val else 'training'} data in fit?){val}. That shifts "
                         f"every later epoch's batches. The generator is train_epoch's alone, and the validation set "
                         f"needs no shuffling: measure forward(params, X_val) against y_val as they are",
                         "fit-draws-from-training-generator")

            def _history_describes_final(epochs, decay) -> bool:
                """The history's last val_loss is that of the params fit leaves: then an epoch that changed
                nothing is the schedule's doing (a rate decayed to 0), not params put back at the end."""
                qq = _copy_params(before)
                try:
                    last = float(run_fit(qq, epochs, seed=2, lr_decay=decay)["val_loss"].iloc[-1])
                except Exception:
                    return True
                values = [_ce(_forward(qq, X_val)[0], y_val)]
                try:
                    values.append(float(cross_entropy(forward(_copy_params(qq), X_val)[0], y_val)))
                except Exception:
                    pass
                return any(core.close(last, v, 1e-6, 1e-9) for v in values)

            def _earlier_epoch_kept() -> None:
                """fit's final params are those an EARLIER epoch of the documented schedule left (a best-epoch
                copy restored at the end, a return inside the loop): said before any schedule story."""
                for q, epochs, decay in ((q3, 2, 0.5), (q5, 3, 0.5), (q2, 2, 0.0)):
                    if as_replayed(q, epochs, decay):
                        continue
                    kept = next((e for e in range(1, epochs) if as_replayed(q, e, decay)), None)
                    if kept is not None and not _history_describes_final(epochs, decay):
                        fail(f"fit(..., epochs={epochs}, lr_decay={decay}) left params as they were after epoch {kept}, "
                             f"not after the last epoch {epochs} (your own train_epoch replayed with the documented "
                             f"schedule lr * lr_decay**(e - 1) gives exactly your params after epoch {kept}): fit "
                             f"updates params in place through every epoch and leaves them as the last epoch made "
                             f"them; a copy of the best (or an earlier) epoch's parameters put back at the end, or a "
                             f"return inside the loop, makes the history's last row describe other parameters",
                             "fit-earlier-epoch-params")
            if lr0_is_identity and (not core.close(q2[key], q1[key], 1e-9, 1e-12)
                                    or core.close(q3[key], q1[key], 1e-9, 1e-12)) and not schedule_ok():
                fail("fit ignores or misapplies lr_decay: epoch e must train with lr * lr_decay**(e - 1)",
                     "fit-lr-decay")
            if lr0_is_identity and core.close(q3[key], q1[key], 1e-9, 1e-12) is False \
                    and all(core.close(q5[k], q3[k], 1e-9, 1e-12) for k in q5) and not schedule_ok():
                fail("fit: with lr_decay = 0.5 the third epoch took no step (3 epochs end where 2 end), but epoch 3 "
                     "must train with lr * 0.5**2 = lr / 4: the rate decays geometrically, lr * lr_decay**(e - 1), "
                     "never to 0 (a linear decrease such as lr * (1 - (1 - lr_decay) * (e - 1)) reaches 0 at epoch 3)",
                     "fit-lr-schedule-not-geometric")
            if lr0_is_identity and first is not None and all(core.close(q1[k], first[k], 1e-9, 1e-12) for k in q1):
                _decay_any_value(run_fit, before, epoch)
            if first is not None and not all(core.close(q1[k], first[k], 1e-9, 1e-12) for k in q1):
                q6 = _copy_params(before)
                run_fit(q6, 1, lr=0.03, seed=2)
                if all(same(q6[k], q1[k]) for k in q1):
                    fail("fit(..., epochs=1, lr=0.3) and fit(..., epochs=1, lr=0.03) with the same seed train to "
                         "exactly the same parameters: fit does not use its lr argument (a learning rate from "
                         "elsewhere, a global LR or a number written in); epoch e trains with lr * lr_decay**(e - 1) "
                         "from the lr given, train_epoch(params, X_tr, y_tr, lr * lr_decay ** (e - 1), batch_size, "
                         "rng)", "fit-lr-argument-unused")
                fail("fit with epochs=1 does not match one call of your train_epoch with lr and "
                     "np.random.default_rng(seed): shuffle with the generator made from seed", "fit-first-epoch")
            # One generator for the whole run: the second epoch continues the first one's random stream.
            run_fit(q4, 2, seed=2)
            g = np.random.default_rng(2)
            g.permutation(n_tr)                       # what one epoch of the reference draws
            continued = epoch(_copy_params(first), 0.3, g) if first is not None else None
            restarted = epoch(_copy_params(first), 0.3, np.random.default_rng(2)) if first is not None else None
            if continued is not None and restarted is not None \
                    and not all(core.close(continued[k], restarted[k], 1e-9, 1e-12) for k in continued) \
                    and all(core.close(q4[k], restarted[k], 1e-9, 1e-12) for k in q4) \
                    and not all(core.close(q4[k], continued[k], 1e-9, 1e-12) for k in q4):
                fail("fit shuffles every epoch in the same order: create the generator np.random.default_rng(seed) "
                     "once, before the epoch loop, and pass the same one to every epoch", "fit-same-order-every-epoch")
            if lr0_is_identity and first is not None and all(core.close(q1[k], first[k], 1e-9, 1e-12) for k in q1) \
                    and not as_replayed(q5, 3, 0.5):
                _extra_draws()
                _schedule_named(q5, before, epoch)
        import pandas as pd
        if not isinstance(hist, pd.DataFrame):
            fail(f"fit must return a pandas DataFrame (the history), got {core.describe(hist)}", "fit-history-type")
        cols = {"train_loss", "train_acc", "val_loss", "val_acc"}
        if not cols <= set(hist.columns) or len(hist) != 3:
            fail(f"the history must have one row per epoch (3 here) and the columns {sorted(cols)}, "
                 f"got {len(hist)} rows and {list(hist.columns)}", "fit-history-format")
        if list(hist.index) != [1, 2, 3]:
            fail(f"the history must be indexed by epoch 1, 2, 3 (got {list(hist.index)[:5]}): "
                 f"set_index('epoch') with epochs counted from 1", "fit-history-index")
        # The last epoch's validation figures: measured on the validation set after the epoch, with the
        # reference functions or the student's own.
        logits = _forward(p, X_val)[0]
        acc_want = [float(np.mean(logits.argmax(1) == y_val))]
        loss_want = [_ce(logits, y_val)]
        try:
            own_logits = forward(p, X_val)[0]
            acc_want.append(float(accuracy(own_logits, y_val)))
            loss_want.append(float(cross_entropy(own_logits, y_val)))
        except Exception:
            pass
        early = ("the validation figures are measured before the epoch's training (on the parameters of the previous "
                 "epoch): call forward(params, X_val) after train_epoch in each epoch")
        prev_acc, prev_loss = [], []
        if not all(any(core.close(float(hist[col].iloc[-1]), v, 1e-6, 1e-9) for v in want) for col, want in
                   (("val_acc", acc_want), ("val_loss", loss_want))):
            prev = _copy_params(before)
            run_fit(prev, 2, seed=1)                  # the same run, stopped one epoch earlier
            prev_logits = _forward(prev, X_val)[0]
            prev_acc, prev_loss = [float(np.mean(prev_logits.argmax(1) == y_val))], [_ce(prev_logits, y_val)]
        # The initial parameters' figures in EVERY row: the validation logits were computed once, before the loop.
        init_logits = _forward(before, X_val)[0]
        init_acc, init_loss = float(np.mean(init_logits.argmax(1) == y_val)), _ce(init_logits, y_val)
        once = ("val_acc and val_loss are those of the INITIAL parameters in every epoch's row: forward(params, "
                "X_val) was computed once, before the loop over the epochs; compute it in each epoch, after "
                "train_epoch")
        stale = all(core.close(float(v), init_acc, 1e-6, 1e-9) for v in hist["val_acc"]) and \
            all(core.close(float(v), init_loss, 1e-6, 1e-9) for v in hist["val_loss"])
        if prev_acc or prev_loss:                 # a validation figure is wrong: is it another column's?
            _columns_mislabelled(hist, p, replay_run, {"val_acc": acc_want, "val_loss": loss_want})
            _val_batch_means(fit, hist, p, before, X_tr, y_tr, X_val, y_val)
        _expect_any(float(hist["val_acc"].iloc[-1]), acc_want, "history val_acc of the last epoch", {
            once: [init_acc] if stale else [],
            "val_acc was measured on the training set": [float(np.mean(_forward(p, X_tr)[0].argmax(1) == y_tr))],
            "val_acc compares the predictions on X_val with training labels: use y_val":
                [float(np.mean(logits.argmax(1) == y_tr[:len(y_val)]))],
            early: prev_acc,
        }, how="the predictions of forward(params, X_val) compared with y_val, after the epoch's training")
        _expect_any(float(hist["val_loss"].iloc[-1]), loss_want,
                    "history val_loss of the last epoch (measured on the validation set after the epoch)", {
                        once: [init_loss] if stale else [],
                        "val_loss was measured on the training set": [_ce(_forward(p, X_tr)[0], y_tr)],
                        "val_loss uses training labels with the validation logits: use y_val":
                            [_ce(logits, y_tr[:len(y_val)])],
                        "val_loss was computed on softmax(logits): cross_entropy takes the LOGITS (it applies the "
                        "softmax itself), so the softmax is applied twice": [_ce(_softmax(logits), y_val)],
                        early: prev_loss,
                    }, how="the cross-entropy of forward(params, X_val) against y_val, after the epoch's training")
        _train_columns(hist, p, replay_run)
        _every_row_measured(hist, p, before, lambda q, e: run_fit(q, e, seed=1), forward, cross_entropy, accuracy,
                            X_val, y_val)

    def replay_run(every=False):
        """The run of hist (3 epochs, seed 1) with the student's train_epoch: (final params, last return),
        or with ``every`` (final params, the list of every epoch's return)."""
        g, w, outs = np.random.default_rng(1), _copy_params(before), []
        for _ in range(3):
            try:
                outs.append(train_epoch(w, X_tr, y_tr, 0.3, 7, g))
            except Exception:
                return None, None
        return w, (outs if every else outs[-1])

    try:
        checks()
    except _Credit:
        return
    except core.CheckFailure:
        if _garbage_one_hot(one_hot):
            return      # their train_epoch goes through a one_hot of memory garbage (judged in its cell)
        raise


def _fit_stops_on_small_loss(fit, hist, before, X_tr, X_val, epochs: int) -> None:
    """Property of the docstring ("Train for `epochs` epochs"): one history row per epoch whatever the losses. A
    fit that gave ``epochs`` rows on the case is called again on labels the network already predicts with wide
    margins (every loss near 0); fewer rows there is a loop that stops on a small loss. Cheap: one fit of
    ``epochs`` epochs on 30 samples."""
    import pandas as pd
    if not isinstance(hist, pd.DataFrame) or len(hist) != epochs:
        return
    q = _copy_params(before)
    y_tr, y_val = _forward(q, X_tr)[0].argmax(1), _forward(q, X_val)[0].argmax(1)
    for scale in 1.25 ** np.arange(1, 60):       # margins wide enough for a mean loss below 5e-4
        w = {**q, "W2": q["W2"] * scale, "b2": q["b2"] * scale}
        if _ce(_forward(w, X_tr)[0], y_tr) < 5e-4:
            break
    try:
        small = fit(w, X_tr.copy(), y_tr, X_val.copy(), y_val, epochs, 0.3, 7, seed=1)
    except Exception:
        return
    if not isinstance(small, pd.DataFrame) or len(small) >= epochs:
        return
    losses = ", ".join(f"{float(v):.2g}" for v in small["train_loss"]) if "train_loss" in small.columns else ""
    fail(f"fit(..., epochs = {epochs}) gave {epochs} history rows on data it gets wrong, but only {len(small)} on labels "
         f"the network already predicts (every loss near 0" + (f": train_loss {losses}" if losses else "") + "): the "
         "loop stops on a small loss (a break or return once the loss is below a threshold). The docstring asks for "
         "`epochs` epochs and one history row for each, whatever the losses: no early stopping",
         "fit-stops-on-small-loss")


def _epoch_count(hist, epochs: int, rerun=None) -> None:
    """One history row per epoch: a history one row short (or long) with the epoch numbers counted from 1
    is a loop over the wrong range, said before a run with epochs = 1 crashes on an empty history.  A short
    history is first re-asked with more epochs (``rerun(epochs)``, the same seed): a loop that stops at the
    same epoch whatever ``epochs`` is stops on a condition (early stopping), not on its range."""
    import pandas as pd
    if not isinstance(hist, pd.DataFrame) or len(hist) == epochs:
        return
    numbers = list(hist["epoch"]) if "epoch" in hist.columns else list(hist.index)
    if 0 < len(hist) < epochs and rerun is not None:
        try:
            other = rerun(epochs + 2)
        except Exception:
            other = None
        again = list(other["epoch"]) if isinstance(other, pd.DataFrame) and "epoch" in other.columns else \
            list(other.index) if isinstance(other, pd.DataFrame) else None
        if again is not None and again == numbers and numbers == list(range(1, len(hist) + 1)):
            said = ""
            worse = []
            for col, what, moved, sign in (("val_loss", "loss", "rose", 1), ("val_acc", "accuracy", "fell", -1)):
                if col not in hist.columns or len(hist) < 2:
                    continue
                v = [float(a) for a in hist[col]]
                if sign * (v[-1] - v[-2]) > 0:
                    worse.append((col, f"the validation {what} {moved} ({v[-2]:.4g} -> {v[-1]:.4g})"))
            if worse:
                said = (f": in the last epoch it ran {' and '.join(w for _, w in worse)}, so the loop stops when "
                        f"{' or '.join(c for c, _ in worse)} gets worse (early stopping)")
            fail(f"fit(..., epochs = {epochs}) trained {len(hist)} epochs, and fit(..., epochs = {epochs + 2}) with the "
                 f"same seed also {len(other)} (history epochs {numbers}): the loop stops on a condition, whatever "
                 f"epochs is{said or ' (a break or return inside the loop)'}. The docstring asks for `epochs` epochs "
                 f"and one history row for each: no early stopping", "fit-stops-early")
    if abs(len(hist) - epochs) != 1:
        return
    if len(hist) == epochs - 1:
        fail(f"fit(..., epochs = {epochs}) trained {len(hist)} epochs (history epochs {numbers}): the loop stops one "
             f"short; range(1, epochs) ends at epochs - 1, so run for e in range(1, epochs + 1)", "fit-epoch-count")
    fail(f"fit(..., epochs = {epochs}) trained {len(hist)} epochs (history epochs {numbers}): one too many; "
         f"run for e in range(1, epochs + 1), epochs numbered from 1", "fit-epoch-count")


def _decay_any_value(run_fit, before, epoch) -> None:
    """Property of the docstring's formula: epoch e trains with lr * lr_decay**(e - 1) for EVERY lr_decay (a value
    above 1, a warm-up, included): fit(epochs=2, lr=0.1, lr_decay=1.5) ends where the student's own train_epoch
    with 0.1 then 0.15 (one generator) ends."""
    def replayed(rates):
        g, w = np.random.default_rng(2), _copy_params(before)
        for rate in rates:
            if epoch(w, rate, g) is None:
                return None
        return w
    q = _copy_params(before)
    run_fit(q, 2, lr=0.1, seed=2, lr_decay=1.5)
    want = replayed((0.1, 0.15))
    if want is None or all(core.close(q[k], want[k], 1e-9, 1e-12) for k in q):
        return
    plain = replayed((0.1, 0.1))
    if plain is not None and all(core.close(q[k], plain[k], 1e-9, 1e-12) for k in q):
        fail("fit(..., epochs=2, lr=0.1, lr_decay=1.5) trained both epochs with lr = 0.1: lr_decay is applied only "
             "for some values (a condition such as lr_decay < 1), but the docstring's rate is lr * "
             "lr_decay**(e - 1) for every lr_decay, so epoch 2 trains with 0.1 * 1.5 = 0.15", "fit-lr-decay-condition")
    # Neither replay: another mistake of fit (draws outside train_epoch, ...), which the later questions name.


def _schedule_named(q, before, epoch) -> None:
    """Property: three epochs with lr = 0.3 and lr_decay = 0.5 end where three calls of the student's own
    train_epoch with 0.3, 0.15, 0.075 (one generator) end.  When they do not, the rates that reproduce the
    run are looked for among the usual slips, each confirmed by a replay; otherwise the property is said."""
    def ends_like(rates) -> bool:
        g, w = np.random.default_rng(2), _copy_params(before)
        for rate in rates:
            if epoch(w, rate, g) is None:
                return False
        return all(core.close(q[k], w[k], 1e-9, 1e-12) for k in q)
    slips = {
        (0.3, 0.15, 0.0375): "lr itself was overwritten with the decayed rate and decayed again (lr = lr * "
                             "lr_decay ** (epoch - 1) compounds: epoch 3 used lr * 0.5**3): keep lr as given and "
                             "compute each epoch's rate from it, epoch_lr = lr * lr_decay ** (epoch - 1)",
        (0.3, 0.15, 0.15): "the decay was applied once only (epoch 3 used the rate of epoch 2)",
        (0.3, 0.3, 0.15): "the decay starts one epoch late (epoch 2 still used lr)",
    }
    for rates, said in slips.items():
        if ends_like(rates):
            fail(f"fit(epochs=3, lr=0.3, lr_decay=0.5) trained its epochs with the rates {list(rates)}, not "
                 f"lr * lr_decay**(e - 1) = [0.3, 0.15, 0.075]: {said}", "fit-lr-schedule")
    fail("fit(epochs=3, lr=0.3, lr_decay=0.5) does not end where three calls of your train_epoch with the rates "
         "0.3, 0.15, 0.075 and one generator np.random.default_rng(seed) end: epoch e trains once with "
         "lr * lr_decay**(e - 1)", "fit-lr-schedule")


def _columns_mislabelled(hist, p, replay_run, want: dict) -> None:
    """Property: each history column holds its own quantity. A column whose last value is wrong but equals
    what ANOTHER column should hold is mislabelled (values and column names paired in different orders)."""
    want = dict(want)
    w, out = replay_run()
    if w is not None and isinstance(out, tuple) and len(out) == 2 \
            and all(core.close(p[k], w[k], 1e-9, 1e-12) for k in p):
        try:
            want["train_loss"], want["train_acc"] = [float(out[0])], [float(out[1])]
        except (TypeError, ValueError):
            pass
    try:
        last = {c: float(hist[c].iloc[-1]) for c in want}
    except (KeyError, TypeError, ValueError, IndexError):
        return

    def holds(c, o):
        return any(core.close(last[c], v, 1e-6, 1e-9) for v in want[o])
    wrong = [c for c in want if not holds(c, c)]
    moved = {c: [o for o in want if o != c and holds(c, o)] for c in wrong}
    if not wrong or not all(len(m) == 1 for m in moved.values()):
        return
    said = ", ".join(f"{c} holds the value of {m[0]} ({last[c]:.6g})" for c, m in moved.items())
    fail(f"history's last row: {said}: the columns are mislabelled, each value sits under another column's "
         f"name (a DataFrame built from tuples or lists whose order differs from the columns= list?); name each "
         f"value where it is made, rows.append({{'epoch': e, 'train_loss': ..., 'train_acc': ..., "
         f"'val_loss': ..., 'val_acc': ...}})", "fit-columns-mislabelled")


def _column_copied(hist, wrong: list) -> None:
    """A column known wrong equal to another column on every row (a copy-paste of the variable): said by
    name."""
    names = [c for c in ("train_loss", "train_acc", "val_loss", "val_acc") if c in hist.columns]
    if len(hist) < 2:
        return
    try:
        cols = {c: np.asarray(hist[c], dtype=_float64) for c in names}
    except (TypeError, ValueError):
        return
    for c in names:
        for o in names:
            if c in wrong and o not in wrong and o != c and c.split("_")[1] != o.split("_")[1] and np.array_equal(cols[c], cols[o]):
                kind = "loss" if o.endswith("loss") else "accuracy"
                fail(f"history column {c} equals column {o} on every epoch ({cols[c][:3].round(6).tolist()}...): "
                     f"{c} holds the {kind} values ({o}: the same variable written under two names, "
                     f"\"{c}\": {o}?); each column holds its own value: train_loss, train_acc = train_epoch(...) "
                     f"and val_loss, val_acc from the validation pass", "fit-column-copied")


def _train_columns(hist, p, replay_run) -> None:
    """Property: the last row's train_loss and train_acc are what the student's train_epoch returned in
    the last epoch (asked only when the run is reproduced by their train_epoch with the same generator)."""
    w, out = replay_run()
    if w is None or not isinstance(out, tuple) or len(out) != 2 \
            or not all(core.close(p[k], w[k], 1e-9, 1e-12) for k in p):
        return
    try:
        loss, acc = float(out[0]), float(out[1])
        got_loss, got_acc = float(hist["train_loss"].iloc[-1]), float(hist["train_acc"].iloc[-1])
    except (TypeError, ValueError):
        return
    if core.close(got_loss, loss, 1e-6, 1e-9) and core.close(got_acc, acc, 1e-6, 1e-9):
        _train_rows(hist, replay_run)
        return
    if core.close(got_loss, acc, 1e-6, 1e-9) and core.close(got_acc, loss, 1e-6, 1e-9):
        fail(f"history train_loss of the last epoch is {got_loss:.6g} and train_acc {got_acc:.6g}: the two are "
             f"swapped; train_epoch returns the pair (mean loss, accuracy) = ({loss:.6g}, {acc:.6g}), in that order "
             f"(train_loss, train_acc = train_epoch(...))", "fit-train-columns-swapped")
    _column_copied(hist, [c for c, g, w in (("train_loss", got_loss, loss), ("train_acc", got_acc, acc))
                          if not core.close(g, w, 1e-6, 1e-9)])
    fail(f"history train_loss, train_acc of the last epoch are ({got_loss:.6g}, {got_acc:.6g}), expected "
         f"({loss:.6g}, {acc:.6g}): the pair (mean loss, accuracy) your train_epoch returned in that epoch",
         "fit-train-columns")


def _train_rows(hist, replay_run) -> None:
    """Property: row e's train_loss and train_acc are what the student's train_epoch returned in epoch e (the
    last row is judged before, on the same replay)."""
    _, outs = replay_run(every=True)
    try:
        pairs = [(float(o[0]), float(o[1])) for o in outs]
        rows = [(float(hist["train_loss"].iloc[j]), float(hist["train_acc"].iloc[j])) for j in range(len(pairs))]
    except (TypeError, ValueError, IndexError, KeyError):
        return

    def same_pair(a, b) -> bool:
        return core.close(a[0], b[0], 1e-6, 1e-9) and core.close(a[1], b[1], 1e-6, 1e-9)
    for j, (row, pair) in enumerate(zip(rows, pairs)):
        if same_pair(row, pair):
            continue
        copied = all(same_pair(r_, pairs[-1]) for r_ in rows)
        why = (": every row holds the LAST epoch's pair, written into the rows after the loop" if copied else "")
        fail(f"the history's row for epoch {j + 1} has train_loss {row[0]:.6g} and train_acc {row[1]:.6g}, but "
             f"your train_epoch returned ({pair[0]:.6g}, {pair[1]:.6g}) in epoch {j + 1} (replayed with the same "
             f"generator){why}; each row holds what its own epoch's train_epoch returned",
             "fit-train-row-not-its-epoch")


def _unweighted(q, X, y, bs: int) -> tuple[float, float]:
    """(val_acc, val_loss) as the unweighted mean of the figures of batches of bs rows."""
    parts = [(float(np.mean(_forward(q, X[s:s + bs])[0].argmax(1) == y[s:s + bs])), _ce(_forward(q, X[s:s + bs])[0], y[s:s + bs]))
             for s in range(0, len(X), bs)]
    return float(np.mean([a for a, _ in parts])), float(np.mean([v for _, v in parts]))


def _val_batch_means(fit, hist, p, before, X_tr, y_tr, X_val, y_val, bs: int = 7) -> None:
    """Wrong validation figures: are they the UNWEIGHTED mean of per-batch figures (the validation set measured
    in batches of batch_size, the last one smaller, each batch's mean counted alike)? Told when both figures fit it,
    and again on a validation set of another size (another last batch), one epoch."""
    acc, loss = _unweighted(p, X_val, y_val, bs)
    if not (core.close(float(hist["val_acc"].iloc[-1]), acc, 1e-6, 1e-9)
            and core.close(float(hist["val_loss"].iloc[-1]), loss, 1e-6, 1e-9)):
        return
    m = len(X_val) - 2 if (len(X_val) - 2) % bs else len(X_val) - 3
    q = _copy_params(before)
    try:
        h2 = fit(q, X_tr, y_tr, X_val[:m], y_val[:m], 1, 0.3, bs, seed=1)
        got2 = float(h2["val_acc"].iloc[-1]), float(h2["val_loss"].iloc[-1])
    except Exception:
        return
    acc2, loss2 = _unweighted({k: np.asarray(v, dtype=_float64) for k, v in q.items()}, X_val[:m], y_val[:m], bs)
    if not (core.close(got2[0], acc2, 1e-6, 1e-9) and core.close(got2[1], loss2, 1e-6, 1e-9)):
        return
    last, last2 = len(X_val) % bs or bs, m % bs or bs
    fail(f"history val_acc and val_loss of the last epoch are {float(hist['val_acc'].iloc[-1]):.6g} and "
         f"{float(hist['val_loss'].iloc[-1]):.6g}: both are the UNWEIGHTED mean of the figures of the validation set "
         f"taken in batches of batch_size = {bs} ({len(X_val)} samples: the last batch holds {last}; again with "
         f"{m} samples, last batch {last2}): a batch mean counted as much as a full batch's weights its samples "
         f"more. val_loss and val_acc are the mean over ALL M validation samples: measure forward(params, X_val) "
         f"on the whole set, or weight each batch's mean by its size and divide by M", "fit-val-batch-means-unweighted")


def _every_row_measured(hist, p, before, rerun, forward, cross_entropy, accuracy, X_val, y_val) -> None:
    """Property: row e of the history holds the validation figures of the parameters as epoch e left them
    (the last row is judged before). The same run stopped after e epochs (fit with epochs=e, the same seed)
    gives those parameters; the reference functions and the student's own are both accepted."""
    def figures(q):
        logits = _forward(q, X_val)[0]
        acc, loss = [float(np.mean(logits.argmax(1) == y_val))], [_ce(logits, y_val)]
        try:
            own = forward(_copy_params(q), X_val)[0]
            acc.append(float(accuracy(own, y_val)))
            loss.append(float(cross_entropy(own, y_val)))
        except Exception:
            pass
        return acc, loss

    def holds(row, acc, loss) -> bool:
        return any(core.close(float(hist["val_acc"].iloc[row]), v, 1e-6, 1e-9) for v in acc) and \
            any(core.close(float(hist["val_loss"].iloc[row]), v, 1e-6, 1e-9) for v in loss)
    epochs = len(hist)
    again = _copy_params(before)
    try:
        rerun(again, epochs)
    except core.CheckFailure:
        return
    if not all(k in again and same(again[k], p[k]) for k in p):
        return      # the run is not reproduced (a helper keeps state or draws unseeded: judged in its cell)
    for e in range(1, epochs):
        q = _copy_params(before)
        try:
            rerun(q, e)
        except core.CheckFailure:
            return              # a shorter run that fails is judged by the other questions
        acc, loss = figures(q)
        if holds(e - 1, acc, loss):
            continue
        last_acc, last_loss = figures(p)
        if all(holds(j, last_acc, last_loss) for j in range(epochs)):
            fail(f"the history's rows 1..{epochs} all hold the validation figures of the parameters after the LAST "
                 f"epoch (val_loss {float(hist['val_loss'].iloc[0]):.6g} in every row), but row {e} must describe "
                 f"the parameters as epoch {e} left them (fit run with epochs={e} and the same seed ends there, "
                 f"with val_loss {loss[0]:.6g}): the validation set was measured once, after the loop, and copied "
                 f"into every row; measure forward(params, X_val) against y_val inside the loop, after each "
                 f"epoch's train_epoch", "fit-val-measured-once")
        got_acc, got_loss = float(hist["val_acc"].iloc[e - 1]), float(hist["val_loss"].iloc[e - 1])
        fail(f"the history's row for epoch {e} has val_loss {got_loss:.6g} and val_acc {got_acc:.6g}, but the "
             f"parameters as epoch {e} left them (fit run with epochs={e} and the same seed ends there) give "
             f"val_loss {loss[0]:.6g} and val_acc {acc[0]:.6g}: every row describes the parameters right after its "
             f"own epoch; measure forward(params, X_val) against y_val in each epoch, after train_epoch",
             "fit-val-row-not-its-epoch")


class _Credit(Exception):
    """fit crashed exactly where the student's own train_epoch or helpers crash (judged there)."""


# ---------------------------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------------------------

def _confusion_case(confusion_matrix, r, n, c, absent=False, agree=0.6):
    def run():
        y_true = _labels(r, n, c - 1 if absent else c)
        y_pred = np.where(r.random(n) < agree, y_true, _labels(r, n, c - 1 if absent else c))
        name = signature("confusion_matrix", ("y_true", "y_pred", "num_classes"), (y_true, y_pred, c))
        got = call(confusion_matrix, y_true, y_pred, c, label="confusion_matrix",
                   names=("y_true", "y_pred", "num_classes"), want=lambda: _onehot(y_true, c).T @ _onehot(y_pred, c),
                   hint=f"a shape mismatch: the matrix is (num_classes, num_classes) = {(c, c)} even when the largest "
                        f"classes do not occur in y_true or y_pred (np.bincount needs minlength=num_classes**2)")
        if isinstance(got, np.ndarray) and got.ndim == 2 and got.shape != (c, c) and got.shape[0] == got.shape[1]:
            fail(f"{name} has shape {got.shape}: it must be (num_classes, num_classes) = {(c, c)} whatever "
                 f"classes occur (use the num_classes argument)", "confusion-num-classes")
        got = expect_array(got, name=name, dtype=None, shape=(c, c))
        if not (np.issubdtype(got.dtype, np.integer) or np.all(got == np.round(got))):
            fail(f"{name} must hold counts (integers)", "confusion-not-counts")
        if not np.issubdtype(got.dtype, np.integer):
            fail(f"{name} has dtype {got.dtype}: the docstring asks for integer counts (np.zeros((C, C)) is float64 "
                 f"unless given dtype=int)", "confusion-not-integer")
        want = np.zeros((c, c), int)
        for t, q in zip(y_true, y_pred):
            want[t, q] += 1
        if want.max() > np.iinfo(got.dtype).max:
            fail(f"{name} has dtype {got.dtype}, which holds counts up to {np.iinfo(got.dtype).max} only, and a count "
                 f"here is {int(want.max())}: larger counts wrap around; count in a wide integer type "
                 f"(dtype=np.int64 or int)", "confusion-dtype-overflows")
        once = np.zeros((c, c), int)
        once[y_true, y_pred] = 1
        for k, which in ((n - 1, "the last"), (0, "the first")):
            if n > 2 and isinstance(got, np.ndarray) and got.shape == want.shape:
                left = want.copy()
                left[y_true[k], y_pred[k]] -= 1
                if np.array_equal(got, left):
                    fail(f"{name}: every sample is counted but {which} one (sample {k}, true {y_true[k]}, predicted "
                         f"{y_pred[k]}): a loop over the samples must visit all N = {n} of them (range(N), not "
                         f"range(N - 1) or range(1, N))", "confusion-sample-missing")
        _counted_prefix(got, y_true, y_pred, c, want, name)
        _pairs_broken(confusion_matrix, got, y_true, y_pred, c, want, name)
        wrong = {
            "rows and columns are swapped: cm[i, j] counts TRUE class i predicted as j (rows = truth)":
                want.T,
            "repeated (true, predicted) pairs are counted once: cm[y_true, y_pred] += 1 does not "
            "accumulate duplicates; use np.add.at or a loop": once,
            "the counts are normalised: return the raw counts": lambda: want / max(n, 1),
            "only the diagonal is filled, with how often each class occurs in y_true: every sample is counted at "
            "(y_true, y_true); the index pair is (y_true, y_pred), np.add.at(cm, (y_true, y_pred), 1)":
                np.diag(np.bincount(y_true, minlength=c)),
            "only the diagonal is filled, with how often each class occurs in y_pred: every sample is counted at "
            "(y_pred, y_pred); the index pair is (y_true, y_pred), np.add.at(cm, (y_true, y_pred), 1)":
                np.diag(np.bincount(y_pred, minlength=c)),
            "whole ROWS are counted: row k grows by one in every column each time k occurs in y_true or y_pred. "
            "The index [y_true, y_pred] is a list, which NumPy reads as ONE array of row numbers; index with a "
            "tuple, np.add.at(cm, (y_true, y_pred), 1)": lambda: _list_index_counts(y_true, y_pred, c),
            "the bins are spread between the smallest and the largest label that occur, not one per class 0.."
            "num_classes-1 (np.histogram2d without range=[[0, C], [0, C]]?): every class needs its own row and "
            "column, also the classes absent from y_true or y_pred":
                lambda: np.histogram2d(y_true, y_pred, bins=c)[0],
        }
        diagnose_only(got, want, name=name, diagnose=wrong, rtol=0, atol=0)
        _labels_shifted(confusion_matrix, got, want, name)
        _diagonal_apart(got, want, y_true, y_pred, name)
        _counted_once(got, want, y_true, y_pred, c, name)
        expect_close(got, want, name=name, atol=0, rtol=0, diagnose=wrong)
    return run


def _counted_once(got, want, y_true, y_pred, c: int, name: str) -> None:
    """Property: every sample is counted exactly once, so cm.sum() == N; a total that differs is told with
    the cell-wise reading it matches (| or ^ of the two conditions in place of &)."""
    n = len(y_true)
    if got.shape != want.shape or np.array_equal(got, want) or int(np.sum(got)) == n:
        return
    t, q = np.bincount(y_true, minlength=c), np.bincount(y_pred, minlength=c)
    either = t[:, None] + q[None, :] - want
    how = ""
    if np.array_equal(got, either):
        how = (": cell cm[t, p] holds the samples with y_true == t OR y_pred == p (| in place of &); it must "
               "count the samples with y_true == t AND y_pred == p, each sample in one cell")
    elif np.array_equal(got, either - want):
        how = (": cell cm[t, p] holds the samples with exactly one of y_true == t, y_pred == p (^ or != in "
               "place of &); it must count those with both")
    fail(f"{name}: the counts add up to {int(np.sum(got))}, but there are N = {n} samples: every sample counted "
         f"exactly once, in the one cell cm[y_true[i], y_pred[i]] of its pair{how}", "confusion-total-not-n")


def _labels_shifted(confusion_matrix, got, want, name: str) -> None:
    """Every count sits one row and one column too early (label - 1, with -1 wrapping to the last class): tell it
    only when a second call with other sizes shows the same shift."""
    if got.shape != want.shape or np.array_equal(got, want):
        return
    for shift, how in ((-1, "label - 1: the labels are already 0-based (0..num_classes-1), do not subtract 1 (class 0 "
                                 "then lands at index -1, the last row and column)"),
                       (1, "label + 1: the labels are already 0-based (0..num_classes-1), do not add 1")):
        if not np.array_equal(got, np.roll(want, (shift, shift), axis=(0, 1))):
            continue
        r2 = np.random.default_rng(23)
        t2 = r2.integers(0, 6, size=23)
        p2 = np.where(r2.random(23) < 0.5, t2, r2.integers(0, 6, size=23))
        w2 = np.zeros((6, 6), int)
        np.add.at(w2, (t2, p2), 1)
        try:
            g2 = np.asarray(confusion_matrix(t2, p2, 6))
        except Exception:
            return
        if g2.shape == (6, 6) and np.array_equal(g2, np.roll(w2, (shift, shift), axis=(0, 1))):
            fail(f"{name} has wrong values: every count sits at row and column (true, predicted) shifted by {shift} "
                 f"(seen again on a fresh call with 23 samples, 6 classes), as when each index is {how}. "
                 f"cm[i, j] counts true class i predicted as j, np.add.at(cm, (y_true, y_pred), 1)",
                 "confusion-labels-shifted")


def _pairs_broken(confusion_matrix, got, y_true, y_pred, c: int, want, name: str) -> None:
    """Right marginals, wrong cells: every sample's true class is counted in its row and every predicted class in
    its column, but not together. The pairing is a property: permuting y_true and y_pred TOGETHER must leave
    the matrix unchanged; counts of the two arrays each sorted separately are named."""
    if not (isinstance(got, np.ndarray) and got.shape == (c, c) and len(y_true) > 1) or np.array_equal(got, want):
        return
    g = np.asarray(got)
    if np.array_equal(g, np.asarray(want).T):
        return                      # rows and columns swapped: named by the caller's diagnoses
    if not (np.array_equal(g.sum(axis=1), np.bincount(y_true, minlength=c))
            and np.array_equal(g.sum(axis=0), np.bincount(y_pred, minlength=c))):
        return
    perm = np.random.default_rng(len(y_true)).permutation(len(y_true))
    try:
        again = np.asarray(confusion_matrix(y_true[perm].copy(), y_pred[perm].copy(), c))
    except Exception:
        again = None
    order = "" if again is None or again.shape != g.shape else (
        "; permuting y_true and y_pred together (the same pairs in another order) changed your matrix, which must "
        "not depend on the order of the samples" if not np.array_equal(again, g) else "")
    sorted_pairs = np.zeros((c, c), int)
    np.add.at(sorted_pairs, (np.sort(y_true), np.sort(y_pred)), 1)
    how = (": your counts are exactly those of np.sort(y_true) against np.sort(y_pred), each array sorted on its "
           "own, which breaks the pairs" if np.array_equal(g, sorted_pairs) else
           " (the two arrays sorted, shuffled or reordered separately?)")
    fail(f"{name}: the row sums are right (how often each class occurs in y_true) and so are the column sums (how "
         f"often each class is predicted), but the cells are wrong: y_true[i] is not paired with y_pred[i]{how}"
         f"{order}. cm[t, p] counts the samples i with y_true[i] == t AND y_pred[i] == p, for the same i: "
         f"np.add.at(cm, (y_true, y_pred), 1)", "confusion-pairs-broken")


def _diagonal_apart(got, want, y_true, y_pred, name: str) -> None:
    """The diagonal (samples predicted right, y_true == y_pred) and the off-diagonal cells (samples predicted
    wrong) judged apart: one part right and the other wrong says which samples the code mishandles, with the
    trace against the number of correct predictions."""
    g, w = np.asarray(got), np.asarray(want)
    if g.shape != w.shape or g.ndim != 2 or g.shape[0] < 2 or np.array_equal(g, w):
        return
    diag = np.eye(g.shape[0], dtype=bool)
    right_diag, right_off = np.array_equal(g[diag], w[diag]), np.array_equal(g[~diag], w[~diag])
    hits = int(np.sum(y_true == y_pred))
    if right_off and not right_diag:
        how = (": the diagonal is all 0, the correctly classified samples are not counted at all (a condition "
               "y_true != y_pred, or a loop that skips them?)" if not g[diag].any() else "")
        fail(f"{name}: every off-diagonal cell (the misclassified samples) is right, but the diagonal is not: its "
             f"sum, the trace, is {int(g[diag].sum())} where {hits} samples have y_true[i] == y_pred[i]{how}. Every "
             f"sample adds one count at (y_true[i], y_pred[i]), the correct ones on the diagonal: "
             f"np.add.at(cm, (y_true, y_pred), 1)", "confusion-diagonal-wrong")
    if right_diag and not right_off and g[diag].any():
        how = (": the off-diagonal cells are all 0, the misclassified samples are not counted at all"
               if not g[~diag].any() else "")
        fail(f"{name}: the diagonal (the {hits} samples predicted right) is right, but the off-diagonal cells (the "
             f"{len(y_true) - hits} samples predicted wrong) are not: they hold {int(g[~diag].sum())} counts where "
             f"{len(y_true) - hits} belong{how}. Every sample adds one count at (y_true[i], y_pred[i]): "
             f"np.add.at(cm, (y_true, y_pred), 1)", "confusion-off-diagonal-wrong")


def _counted_prefix(got, y_true, y_pred, c: int, want, name: str) -> None:
    """Only the first k samples counted (a loop over the wrong range): the counts of y_true[:k], y_pred[:k]."""
    n = len(y_true)
    if n < 3 or not isinstance(got, np.ndarray) or got.shape != want.shape or int(got.sum()) >= n:
        return
    k = int(got.sum())
    part = np.zeros((c, c), int)
    np.add.at(part, (y_true[:k], y_pred[:k]), 1)
    if k < 1 or not np.array_equal(got, part):
        return
    why = (f": the loop runs over range(num_classes) = range({c}), the classes, where it must run over the samples"
           if k == c else f" (k = {k})")
    fail(f"{name} counts only the first {k} of the N = {n} samples{why}; every sample adds one count at "
         f"(y_true[i], y_pred[i]): for i in range(len(y_true)), or np.add.at(cm, (y_true, y_pred), 1)",
         "confusion-first-samples-only")


def _list_index_counts(y_true, y_pred, c):
    out = np.zeros((c, c), int)
    np.add.at(out, np.array([y_true, y_pred]), 1)
    return out


def confusion_matrix(confusion_matrix):
    r = core.rng("lab02.confusion")
    _fresh_cases(confusion_matrix, "confusion_matrix", [(None, _confusion_case(confusion_matrix, r, 40, 4)),
               ("a single sample", _confusion_case(confusion_matrix, r, 1, 10)),
               (None, _confusion_case(confusion_matrix, r, 200, 10)),
               (None, _confusion_case(confusion_matrix, r, 13, 5, absent=True)),
               # counts above 255 (the docstring's integers have no upper bound): a uint8 matrix wraps
               ("counts above 255", _confusion_case(confusion_matrix, r, 900, 3, agree=0.9))])
    g = core.rng("lab02.confusion.twice")
    _results_kept(confusion_matrix, "confusion_matrix(y_true, y_pred, 4)",
                  *((g.integers(0, 4, 9), g.integers(0, 4, 9), 4) for _ in range(2)), {(): "cm"})


def _denominator(got, want, tp, label: str, name: str, candidates: dict) -> None:
    """A ratio TP / d with another denominator d: say which one was used and which one is meant."""
    if core.close(got, want, 1e-9, 1e-12):
        return
    right = "the PREDICTED counts (column sums)" if label == "precision" else "the TRUE counts (row sums)"
    g = np.asarray(got, dtype=_float64)
    base = candidates.get("the PREDICTED counts (column sums, cm.sum(axis=0))" if label == "precision"
                          else "the TRUE counts (row sums, cm.sum(axis=1))")
    live = (g > 0) & (tp > 0)
    if base is not None and g.shape == tp.shape and live.sum() >= 2:
        extra = tp[live] / g[live] - base[live]
        k = float(np.median(extra))
        if abs(k) > 1e-6 and np.ptp(extra) <= 1e-6 * max(1.0, float(np.abs(base).max())):
            fail(f"the {label} returned by {name} divides the true positives by {right} {'+' if k > 0 else '-'} "
                 f"{abs(k):.4g} at every class (a smoothing term or a guard against 0 added to the denominator): the "
                 f"{label} of class k is cm[k, k] divided by {right} of class k exactly, defined as 0 where that count is 0 "
                 f"(np.divide(..., out=np.zeros_like(...), where=count > 0))", f"prf-{label}-denominator-shifted")
    for what, d in candidates.items():
        ratio = np.divide(tp, d, out=np.zeros_like(tp), where=d > 0)
        if not core.close(ratio, want, 1e-9, 1e-12) and core.close(np.asarray(got, dtype=_float64), ratio, 1e-9, 1e-12):
            fail(f"the {label} returned by {name} divides the true positives by {what}: the {label} of class k "
                 f"divides cm[k, k] by {right} of class k", f"prf-{label}-denominator")


def _f1_divides_by_ratio(fn, c: int, exc: core.CheckFailure) -> None:
    """A warning on a matrix with NO empty row or column, only a class that is never predicted right
    (tp = 0: precision = recall = 0 with non-zero denominators): then no precision or recall divides
    by 0, and the division by zero is f1's, by a ratio that is 0 (2 / (1/p + 1/r))."""
    probe = np.full((c, c), 2, dtype=np.int64) + 5 * np.eye(c, dtype=np.int64)
    probe[0, 0] = 0
    try:
        with core.numerics("precision_recall_f1"):
            fn(probe)
    except core.CheckFailure as again:
        if "numerically stable" in str(again):
            fail(f"{str(exc).split('. A class that')[0]}. A matrix with no empty row or column warns too, as soon as "
                 f"one class has no correct prediction (tp = 0, so its precision and recall are 0 with non-zero "
                 f"denominators): the division by zero is in f1, by p + r (or by p and r, as 2 / (1/p + 1/r) does), "
                 f"which are 0 for such a class; write f1 = 2 * p * r / (p + r), with np.divide(..., where=(p + r) > 0, "
                 f"out=np.zeros_like(p)) for the classes where p + r = 0 (repairing the result afterwards, "
                 f"np.nan_to_num(f1) or f1[np.isnan(f1)] = 0, gives the right values but still computes 0/0, which "
                 f"warns; the division must not happen, or be wrapped in np.errstate(invalid='ignore'))",
                 "prf-f1-divides-by-ratio")
    except Exception:       # any other failure of the probe says nothing about f1
        return


def _unguarded_ratio(fn, c: int, exc: core.CheckFailure) -> None:
    """Two matrices that separate the causes of a 0/0: one with a single empty COLUMN (a class never
    predicted: the precision's denominator is 0), one with a single empty ROW (a class never present: the
    recall's). When exactly one of them warns, that ratio's division is not guarded by its own denominator."""
    def warns(probe) -> bool | None:
        try:
            with core.numerics("precision_recall_f1"):
                fn(probe)
        except core.CheckFailure as again:
            return "numerically stable" in str(again)
        except Exception:
            return None
        return False
    base = np.full((c, c), 2, dtype=np.int64) + 5 * np.eye(c, dtype=np.int64)
    column, row = base.copy(), base.copy()
    column[:, 0] = 0                          # class 0 present, never predicted
    row[0, :] = 0                             # class 0 predicted, never present
    in_column, in_row = warns(column), warns(row)
    if in_column is None or in_row is None or in_column == in_row:
        return
    which, empty, den, axis = (("precision", "never predicted (an empty COLUMN of cm)", "predicted", 0) if in_column
                               else ("recall", "never present (an empty ROW of cm)", "actual", 1))
    fail(f"{str(exc).split('. A class that')[0]}. A matrix where one class is {empty} warns, and the matrix with the "
         f"other kind of empty class does not: the 0/0 is the {which}'s, whose denominator {den} = cm.sum(axis={axis}) "
         f"is 0 for that class, and that division is not guarded by its own denominator (a where= that tests "
         f"another array?); np.divide(tp, {den}, out=np.zeros_like(tp), where={den} > 0)", f"prf-{which}-unguarded")


#: Numerators a precision or recall is computed from in place of the true positives np.diag(cm).
_NUMERATORS = {
    "the largest count of each ROW (cm.max(axis=1): the most frequent prediction of each true class, right only "
    "where that is the class itself)": lambda m: m.max(axis=1),
    "the largest count of each COLUMN (cm.max(axis=0): the most frequent true class of each prediction, right only "
    "where that is the class itself)": lambda m: m.max(axis=0),
    "the anti-diagonal (np.fliplr(cm).diagonal(), cm[k, C-1-k])": lambda m: np.fliplr(m).diagonal(),
    "the trace for every class (np.trace(cm) or cm.trace(), the sum of the WHOLE diagonal: one number, the true positives of "
    "all classes together)": lambda m: np.full(len(m), np.trace(m)),
}


def _implied_numerator(fn, cm, label: str):
    """(numerators implied by the student's ratio, the mask where they are read) on ``cm``: ratio times its
    denominator, where the denominator is not 0. None when the call fails or returns another shape."""
    try:
        out = fn(cm.copy())
        got = np.asarray(tuple(out)[0 if label == "precision" else 1], dtype=_float64)
    except Exception:
        return None
    d = cm.sum(axis=0 if label == "precision" else 1).astype(_float64)
    if got.shape != d.shape:
        return None
    return got * d, d > 0


def _numerator_reading(fn, got, want, label: str, cm, name: str) -> None:
    """The ratio's numerator is not the diagonal: the numerators the student used (ratio times the right
    denominator) are read on the case and on a second matrix of another size whose diagonal is the largest count
    of no row and no column; a reading told must fit both (the first matrix alone may fit by coincidence)."""
    g = np.asarray(got, dtype=_float64)
    if g.shape != want.shape or core.close(g, want, 1e-9, 1e-12):
        return
    c = cm.shape[0]
    cm = np.asarray(cm)
    second = np.random.default_rng(20).integers(4, 12, (7 if c != 7 else 6,) * 2)
    np.fill_diagonal(second, np.arange(1, second.shape[0] + 1) % 3 + 1)
    second[0, 0] = 13                              # one class whose diagonal IS its row's and column's largest count
    tp = np.diag(cm).astype(_float64)
    for what, reading in _NUMERATORS.items():
        fits = True
        for m, first in ((cm, True), (second, False)):
            implied = (g * cm.sum(axis=0 if label == "precision" else 1), cm.sum(axis=0 if label == "precision" else 1) > 0) \
                if first else _implied_numerator(fn, m, label)
            if implied is None:
                fits = False
                break
            num, live = implied
            r = reading(m).astype(_float64)
            diag = np.diag(m).astype(_float64)
            if not live.any() or not np.allclose(num[live], r[live], rtol=1e-9, atol=1e-9) \
                    or np.allclose(r[live], diag[live]):
                fits = False
                break
        if fits:
            fail(f"the {label} returned by {name} uses as true positives {what}: on this matrix and on a second "
                 f"one of another size its {label} is that count divided by the "
                 + ("PREDICTED counts (column sums)" if label == "precision" else "TRUE counts (row sums)")
                 + f". The true positives of class k are cm[k, k] alone, the diagonal np.diag(cm) (here "
                   f"{tp.astype(int).tolist()}), whatever the largest count of the row or column",
                 f"prf-{label}-numerator-not-diagonal")


_SINGLE_NUMBER_OUT = re.compile(r"output operand with shape \(\) doesn't match the broadcast shape \((\d+),\)")


def _single_number_out(fn, exc: core.CheckFailure, c: int) -> None:
    """The call raised because an out= array has shape () where the ratio has one entry per class: the array
    it copies (np.zeros_like(tp)) is a single number.  Confirmed on a second, diagonal matrix of another size
    (the same failure, with that size); the name is read from the raising line's out=np.zeros_like(NAME)."""
    found = _SINGLE_NUMBER_OUT.search(str(exc))
    if not found or int(found.group(1)) != c:
        return
    k = 6 if c != 6 else 5
    try:
        fn(np.diag(np.arange(2, k + 2)))
    except Exception as again:                     # the student's exception is the answer
        confirmed = _SINGLE_NUMBER_OUT.search(str(again))
        if not confirmed or int(confirmed.group(1)) != k:
            return
    else:
        return
    line = core.raised_line(exc)
    named = re.search(r"\bout\s*=\s*(?:np\.)?(?:zeros_like|empty_like|ones_like|full_like)\(\s*(\w+)", line)
    what = f"`{named.group(1)}`" if named else "the array given as out="
    try:
        source = inspect.getsource(fn)
    except (OSError, TypeError):
        source = ""
    trace = (" (np.trace(cm) sums the whole diagonal into one number)" if "trace" in source else
             " (a sum, such as np.trace(cm) or cm.diagonal().sum(), is one number)")
    fail(f"precision_recall_f1(cm of shape ({c}, {c})) and (cm of shape ({k}, {k})) raised at `{line.strip()}`: "
         f"{what} is a single number, shape (){trace}, where the ratio has one entry per class, shape (C,): the "
         f"true positives are one count per class, the diagonal np.diag(cm), each divided by its own class's count",
         "prf-tp-single-number")


def _overwritten_tp(got, want, prec, rec, row, col, label: str, name: str) -> None:
    """One ratio is the OTHER ratio divided by its own counts: the first division wrote its result into tp
    (np.divide(tp, ..., out=tp), tp /= ...), so the second one divided the first ratio, not tp."""
    first, counts, other = (prec, row, "precision") if label == "recall" else (rec, col, "recall")
    alias = np.divide(first, counts, out=np.zeros_like(first), where=counts > 0)
    g = np.asarray(got, dtype=_float64)
    if core.close(g, want, 1e-9, 1e-12) or core.close(alias, want, 1e-9, 1e-12) or not core.close(g, alias, 1e-9, 1e-12):
        return
    fail(f"the {label} returned by {name} is the {other} divided by the counts: the true positives tp were "
         f"overwritten by the {other} before the {label} was computed (np.divide(tp, ..., out=tp) or tp /= ... "
         f"writes the result into tp itself); give each ratio its own output array, "
         f"out=np.zeros_like(tp)", f"prf-{label}-from-overwritten-tp")


def precision_recall_f1(fn):
    r = core.rng("lab02.prf")
    # Three independent cases: a one-change story must fit them all (a change that fixes one class count by
    # coincidence is not told), and the first named failure among them wins.
    g = core.rng("lab02.prf.twice")
    twice = tuple((g.integers(0, 20, (4, 4)) + np.diag(g.integers(5, 40, 4)),) for _ in range(2))
    parts = {(0,): "the precision", (1,): "the recall", (2,): "the F1"}
    try:
        _fresh_cases(fn, "precision_recall_f1", [(None, _prf_case(fn, r, c)) for c in (4, 10, 3)])
    except core.CheckFailure:
        _results_kept(fn, "precision_recall_f1(cm of shape (4, 4))", *twice, parts)
        raise
    _results_kept(fn, "precision_recall_f1(cm of shape (4, 4))", *twice, parts)


def _prf_case(fn, r, c: int):
    cm = r.integers(0, 20, (c, c)) + np.diag(r.integers(5, 40, c))
    cm[:, 1] = 0                       # class 1 never predicted: precision 0, not 0/0
    cm[1, 1] = 0
    cm[2, :] = 0                       # class 2 never present: recall 0

    def run():
        name = signature("precision_recall_f1", ("cm",), (cm,))
        hint = ("A class that is never predicted (a zero column) or never present (a zero "
                "row) gives 0/0: define that ratio as 0 (np.divide with where= and out=)")
        try:
            out = _numerical(hint)(lambda cm=cm: call(fn, cm, label="precision_recall_f1", names=("cm",), hint=PRF_HINT))
        except core.CheckFailure as exc:
            if "numerically stable" in str(exc):
                _f1_divides_by_ratio(fn, c, exc)
                _unguarded_ratio(fn, c, exc)
            _single_number_out(fn, exc, c)
            raise
        # Three (C,) arrays in any sequence that unpacks like the documented triple (a list, or a
        # stacked (3, C) array: `precision, recall, f1 = precision_recall_f1(cm)` works for each).
        if isinstance(out, list) or (isinstance(out, np.ndarray) and out.ndim == 2 and out.shape[0] == 3):
            out = tuple(out)
        if not isinstance(out, tuple) or len(out) != 3:
            fail(f"{name} must return the triple (precision, recall, f1)", "prf-return")
        tp = np.array([cm[i, i] for i in range(c)], float)
        col = np.array([sum(cm[:, j]) for j in range(c)], float)
        row = np.array([sum(cm[i, :]) for i in range(c)], float)
        prec = np.array([tp[i] / col[i] if col[i] else 0.0 for i in range(c)])
        rec = np.array([tp[i] / row[i] if row[i] else 0.0 for i in range(c)])
        f1 = np.array([2 * a * b / (a + b) if a + b else 0.0 for a, b in zip(prec, rec)])
        normalised = _prf_on_normalised(cm, prec, rec)
        for label, got, want, other in zip(("precision", "recall", "f1"), out, (prec, rec, f1), (rec, prec, f1)):
            got = expect_array(got, name=f"the {label} returned by {name}", shape=(c,))
            if label != "f1" and not core.close(got, other, 1e-9, 1e-12):     # swapped: named below
                _denominator(got, want, tp, label, name, {
                    "the TRUE counts (row sums, cm.sum(axis=1))": row, "the PREDICTED counts (column sums, "
                    "cm.sum(axis=0))": col, "the total count cm.sum()": np.full(c, float(cm.sum())),
                    "the number of correct predictions (the trace)": np.full(c, tp.sum()),
                    "the number of classes": np.full(c, float(c)),
                    "the FALSE POSITIVES (column sums minus the diagonal, predicted - tp)": col - tp,
                    "the FALSE NEGATIVES (row sums minus the diagonal, actual - tp)": row - tp,
                    "tp + the column sums (tp + fp with fp taken as the whole column sum: the column sum "
                    "cm.sum(axis=0) already contains tp, so tp is counted twice; fp = column sum - tp)": col + tp,
                    "tp + the row sums (tp + fn with fn taken as the whole row sum: the row sum cm.sum(axis=1) "
                    "already contains tp, so tp is counted twice; fn = row sum - tp)": row + tp})
            if label != "f1":
                _numerator_reading(fn, got, want, label, cm, name)
                _overwritten_tp(got, want, prec, rec, row, col, label, name)
            zero = {"precision": col == 0, "recall": row == 0, "f1": (prec + rec) == 0}[label]
            bad = ~np.isclose(np.asarray(got, dtype=_float64), want, rtol=1e-9, atol=1e-12)
            if bad.any() and not (bad & ~zero).any():
                fail(f"the {label} returned by {name} is right except for the classes {np.flatnonzero(bad).tolist()}, "
                     f"exactly those whose denominator is 0 (where the ratio is defined as 0), where yours hold "
                     f"{np.round(np.asarray(got, dtype=_float64)[bad], 4).tolist()}: np.divide(..., where=...) leaves "
                     f"the skipped entries uninitialised (whatever was in memory) unless you also pass "
                     f"out=np.zeros_like(...)", f"prf-{label}-zero-denominator")
            if label == "f1":
                for one, other_name, arr in (("recall", "precision", rec), ("precision", "recall", prec)):
                    if not core.close(arr, f1, 1e-9, 1e-12) and core.close(np.asarray(got, dtype=_float64), arr,
                                                                           1e-9, 1e-12):
                        fail(f"the f1 returned by {name} equals the {one}: the {other_name} is not used (a name "
                             f"written twice, such as 2 * {one} * {one} / ({one} + {one})?); "
                             f"f1 = 2 * precision * recall / (precision + recall)", "prf-f1-one-ratio")
            if label == "f1":
                _f1_lookalike(np.asarray(got, dtype=_float64), prec, rec, tp, row, col, f1, name)
                _f1_denominator(np.asarray(got, dtype=_float64), prec, rec, f1, name)
            if label != "f1":
                _one_value_for_all(np.asarray(got, dtype=_float64), want, tp, prec if label == "precision" else rec,
                                   float(cm.sum()), label, name)
            expect_close(got, want, name=f"the {label} returned by {name}", rtol=1e-9, atol=1e-12, diagnose={
                "precision and recall are swapped: precision divides by the PREDICTED counts "
                "(column sums), recall by the TRUE counts (row sums)": other,
                "f1 is the harmonic mean 2PR/(P+R), not the arithmetic mean": (prec + rec) / 2,
                "the ratios are percentages: return fractions in [0, 1]": want * 100,
                "the numerator is the total number of correct predictions (cm.trace()) for every class: the true "
                "positives of class k are cm[k, k] alone (np.diag(cm))":
                    None if label == "f1" else np.divide(tp.sum(), col if label == "precision" else row,
                                                         out=np.zeros(c), where=(col if label == "precision" else row) > 0),
                "f1 is computed from the MACRO averages of precision and recall (one value for every class): f1 is "
                "per class, 2 * precision[k] * recall[k] / (precision[k] + recall[k])":
                    None if label != "f1" else np.full(c, 2 * prec.mean() * rec.mean() / (prec.mean() + rec.mean())),
                **{what: value[label] for what, value in normalised.items()},
            })

    return run

def _prf_on_normalised(cm, prec, rec) -> dict:
    """precision, recall and f1 computed on a confusion matrix normalised per row or per column (the
    normalised matrix a plot shows) instead of on the counts: message -> {label: value} (None where that
    label comes out right)."""
    cm = np.asarray(cm, dtype=np.float64)
    out = {}
    for axis, what, kept in ((1, "per row (cm / cm.sum(axis=1, keepdims=True): each TRUE class's row sums to 1)",
                              "recall"),
                             (0, "per column (cm / cm.sum(axis=0, keepdims=True): each PREDICTED class's column sums "
                                 "to 1)", "precision")):
        sums = cm.sum(axis=axis, keepdims=True)
        m = np.divide(cm, sums, out=np.zeros_like(cm), where=sums > 0)
        tp, col, row = np.diag(m), m.sum(axis=0), m.sum(axis=1)
        p = np.divide(tp, col, out=np.zeros_like(tp), where=col > 0)
        q = np.divide(tp, row, out=np.zeros_like(tp), where=row > 0)
        f = np.divide(2 * p * q, p + q, out=np.zeros_like(tp), where=(p + q) > 0)
        wrong = "precision" if kept == "recall" else "recall"
        if core.close(p if wrong == "precision" else q, prec if wrong == "precision" else rec, 1e-9, 1e-12):
            continue
        out[f"the {wrong} was computed on the confusion matrix normalised {what}, not on the COUNTS: "
            f"normalising rescales each {'row' if axis == 1 else 'column'} differently, so the "
            f"{'column' if axis == 1 else 'row'} sums are no longer the {'predicted' if axis == 1 else 'true'} counts "
            f"(the {kept} alone survives it). Compute all three from cm itself: precision = np.diag(cm) / "
            f"cm.sum(axis=0), recall = np.diag(cm) / cm.sum(axis=1)"] = {"precision": p, "recall": q, "f1": f}
    return out


def _one_value_for_all(got, want, tp, ratio, total: float, label: str, name: str) -> None:
    """The same number at every class where the per-class ratios differ: an average over the classes (micro:
    the pooled counts tp.sum() / cm.sum(), which is the accuracy; macro: the mean of the per-class ratios) in
    place of the per-class array the docstring asks for."""
    if got.shape != want.shape or np.ptp(want) <= 1e-9 or np.ptp(got) > 1e-12 * max(1.0, float(np.abs(got).max())):
        return
    what = "one number"
    for how, value in ((f"the MICRO average, tp.sum() / cm.sum() = {tp.sum() / total:.4g} (the pooled counts of every "
                        f"class: with each sample in one row and one column, that is the accuracy)", tp.sum() / total),
                       (f"the MACRO average, the mean of the per-class {label}s = {ratio.mean():.4g}", ratio.mean())):
        if abs(float(got[0]) - value) <= 1e-9 * max(1.0, abs(value)):
            what = how
            break
    fail(f"the {label} returned by {name} holds the same value, {float(got[0]):.4g}, for every class: {what}. The "
         f"docstring asks for one {label} PER CLASS, each class k from its own counts: "
         + ("cm[k, k] / column k's sum (np.diag(cm) / cm.sum(axis=0))" if label == "precision" else
            "cm[k, k] / row k's sum (np.diag(cm) / cm.sum(axis=1))")
         + f", 0 where that sum is 0 (expected {np.round(want, 4).tolist()})", f"prf-{label}-averaged-over-classes")


def _f1_lookalike(got, prec, rec, tp, row, col, f1, name: str) -> None:
    """Another mean of precision and recall, or another overlap score, in place of f1 (named by its values at
    every class)."""
    if got.shape != f1.shape or core.close(got, f1, 1e-9, 1e-12):
        return
    union = row + col - tp
    others = {
        "the GEOMETRIC mean sqrt(P * R)": np.sqrt(prec * rec),
        "the IoU (Jaccard index) tp / (predicted + actual - tp), which equals f1 / (2 - f1)":
            np.divide(tp, union, out=np.zeros_like(tp), where=union > 0),
        "the product P * R": prec * rec,
        "the smaller of P and R": np.minimum(prec, rec),
        "the larger of P and R": np.maximum(prec, rec),
        "P * R / (P + R), half of f1 (the factor 2 is missing)": np.divide(prec * rec, prec + rec,
                                                                          out=np.zeros_like(prec), where=prec + rec > 0),
    }
    for what, value in others.items():
        if not core.close(value, f1, 1e-9, 1e-12) and core.close(got, value, 1e-9, 1e-12):
            fail(f"the f1 returned by {name} is {what}, not f1: f1 is the HARMONIC mean of precision and recall, "
                 f"2 * P * R / (P + R) (= 2 tp / (predicted + actual)), per class, 0 where P + R = 0",
                 "prf-f1-other-mean")


def _f1_denominator(got, prec, rec, f1, name: str) -> None:
    """Wrong f1 entries whose numerator is 2PR: the denominator the student divided by, at a class where it
    is not precision + recall (a guard such as max(P + R, 1) or P + R + 1 in the wrong place)."""
    if got.shape != f1.shape or not np.all(np.isfinite(got)) or core.close(got, f1, 1e-9, 1e-12):
        return
    for other in ((prec + rec) / 2, f1 * 100, np.full_like(f1, 2 * prec.mean() * rec.mean() / max(prec.mean() + rec.mean(), 1e-300))):
        if core.close(got, other, 1e-9, 1e-12):
            return                        # a catalogued mistake: named by the diagnosis that follows
    pos = f1 > 0
    if pos.any() and np.ptp(got[pos] / f1[pos]) <= 1e-9 * max(1.0, float(np.abs(got[pos] / f1[pos]).max())):
        return                            # one factor everywhere: the comparison names it (times 0.5, ...)
    bad = ~np.isclose(got, f1, rtol=1e-9, atol=1e-12) & (prec * rec > 0) & (got != 0)
    if not bad.any() or (~np.isclose(got, f1, rtol=1e-9, atol=1e-12) & ~bad).any():
        return
    k = int(np.flatnonzero(bad)[0])
    used = 2 * prec[k] * rec[k] / got[k]
    fail(f"the f1 returned by {name} is wrong at the classes {np.flatnonzero(bad).tolist()}: at class {k}, precision "
         f"= {prec[k]:.4g} and recall = {rec[k]:.4g}, so f1 = 2 * P * R / (P + R) = {f1[k]:.4g}, but yours is "
         f"{got[k]:.4g}: it divides 2 * P * R by {used:.4g} instead of P + R = {prec[k] + rec[k]:.4g}. Divide by "
         f"P + R itself, and define f1 as 0 only where P + R = 0 (np.divide(..., out=np.zeros_like(...), "
         f"where=P + R > 0))", "prf-f1-denominator")
