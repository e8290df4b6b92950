"""Lab 02 (feed-forward network on MNIST): checks, zoo and notebook facts. Fast (no real data)."""
from __future__ import annotations

import math

import numpy as np
import pytest
from zoo_asserts import assert_caught_and_named

from autograder import harness, notebooks, zoo
from autograder.checks import core
from autograder.checks import lab02 as checks

LAB = "lab02-ffnn-mnist"


def test_solution_full_marks():
    out = harness.grade_direct(LAB)
    assert out.max_score >= 18 and out.score == out.max_score, out.messages()


@pytest.mark.parametrize("name", [
    "softmax without max subtraction (NaN for logits near 1000)",
    "max subtracted globally instead of per row",
    "ReLU derivative from the post-activation with >=",
    "validation data leaking into training",
])
def test_checks_reject_and_name_mutants(name):
    assert_caught_and_named(LAB, name)


def test_zoo_size():
    module = zoo.load(LAB)
    assert len(module.MUTANTS) >= 20 and len(module.VARIANTS) >= 5


def test_oracles_agree_with_reference(ns):
    r = np.random.default_rng(0)
    z = r.normal(0, 3, (7, 10))
    y = r.integers(0, 10, 7)
    assert np.allclose(ns["softmax"](z), checks._softmax(z))
    assert math.isclose(ns["cross_entropy"](z, y), checks._ce(z, y), rel_tol=1e-12)
    p = checks._random_params(r, 12, 9, 10)
    X = r.normal(size=(5, 12))
    logits, cache = ns["forward"](p, X)
    assert np.allclose(logits, checks._forward(p, X)[0])
    G = r.normal(size=(5, 10))
    grads = ns["backward"](p, cache, G)
    want = checks._probe_grads(p, X, G)
    assert all(np.allclose(grads[k], want[k]) for k in p)


def test_array_impostor_fails_the_checks():
    class AlwaysEqual(np.ndarray):
        def __eq__(self, other):
            return np.ones(np.shape(self), bool)

    def softmax(z):
        return np.zeros_like(z).view(AlwaysEqual)

    with pytest.raises(core.CheckFailure, match="plain numpy.ndarray"):
        checks.softmax(softmax)


def test_initial_loss_is_ln10(ns):
    """The notebook's visible sanity check: an untrained network guesses (loss ~ ln 10)."""
    r = np.random.default_rng(3)
    X = ns["normalize"](r.integers(0, 256, (500, 28, 28)).astype(np.uint8))
    params = ns["init_params"](784, 128, 10, np.random.default_rng(0))
    loss = ns["cross_entropy"](ns["forward"](params, X)[0], r.integers(0, 10, 500))
    assert abs(loss - math.log(10)) < 0.4


def test_reference_is_float32_end_to_end(ns):
    params = ns["init_params"](784, 32, 10, np.random.default_rng(0))
    X = ns["normalize"](np.zeros((4, 28, 28), np.uint8))
    logits, cache = ns["forward"](params, X)
    grads = ns["backward"](params, cache, ns["softmax_cross_entropy_backward"](ns["softmax"](logits),
                                                                               np.arange(4)))
    assert logits.dtype == np.float32 and all(g.dtype == np.float32 for g in grads.values())


def test_notebook_structure(nb):
    ids = [c.get("id") for c in nb.cells]
    assert all(ids) and len(set(ids)) == len(ids)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    graded = notebooks.graded_cells(nb)
    assert all(g["grade_id"].startswith("lab02_") for g in graded)
    assert len({g["grade_id"] for g in graded}) == len(graded)
    assert sum(1 for g in graded if not g["auto"]) >= 2          # written answers
    source = "\n".join(c.source for c in nb.cells)
    for figure in ("curves", "confusion", "weights", "mse_vs_ce"):
        assert f'LAB_ID, "{figure}")' in source
    for key in ("dataset", "test_accuracy", "epochs", "seconds_per_epoch"):
        assert f'"{key}"' in source
    assert "load_digits_or_fashion" in source and "Fashion-MNIST" in source


def test_test_cells_only_use_setup_and_solution_names(nb):
    """Graded cells must run in the harness, which skips data and training cells."""
    cells = notebooks.harness_cells(nb)
    assert [c.role for c in cells].count("test") >= 14
    for c in cells:
        if c.role == "test":
            for forbidden in ("X_tr", "y_tr", "X_val", "X_test", "train_images", "HIDDEN", "params["):
                assert forbidden not in c.source, (c.grade_id, forbidden)


# ------------------------------------------------------------------------ issue 15: properties

def _with(ns, **replaced):
    """The reference train_epoch / fit whose helpers are replaced (their globals are a copy of ns)."""
    import types
    scope = dict(ns)
    scope.update(replaced)
    return {name: types.FunctionType(ns[name].__code__, scope, name, ns[name].__defaults__)
            for name in ("train_epoch", "fit")}, scope


def _helpers(scope):
    return [scope[k] for k in ("iterate_minibatches", "forward", "backward", "softmax", "cross_entropy",
                               "softmax_cross_entropy_backward", "sgd_update", "accuracy")]


def test_train_epoch_and_fit_are_judged_relative_to_the_students_helpers(ns):
    """One mistake, one deduction: a wrong forward fails forward's cell only."""
    def forward_without_relu(params, X):
        Z1 = X @ params["W1"] + params["b1"]
        return Z1 @ params["W2"] + params["b2"], (X, Z1, Z1)

    with pytest.raises(core.CheckFailure, match="ReLU is missing"):
        checks.forward(forward_without_relu)
    fns, scope = _with(ns, forward=forward_without_relu)
    checks.train_epoch(fns["train_epoch"], *_helpers(scope))
    scope["train_epoch"] = fns["train_epoch"]
    checks.fit(fns["fit"], fns["train_epoch"], forward_without_relu, scope["cross_entropy"], scope["accuracy"])


def test_train_epoch_mistake_named_with_correct_helpers(ns):
    def unweighted(params, X, y, lr, batch_size, rng):
        losses, accs = [], []
        for xb, yb in ns["iterate_minibatches"](X, y, batch_size, rng):
            logits, cache = ns["forward"](params, xb)
            losses.append(ns["cross_entropy"](logits, yb))
            accs.append(ns["accuracy"](logits, yb))
            grads = ns["backward"](params, cache, ns["softmax_cross_entropy_backward"](ns["softmax"](logits), yb))
            ns["sgd_update"](params, grads, lr)
        return float(np.mean(losses)), float(np.mean(accs))

    with pytest.raises(core.CheckFailure, match="not weighted by the batch sizes"):
        checks.train_epoch(unweighted, *_helpers(ns))


def test_backward_is_judged_on_a_reference_cache(ns):
    calls = []

    def backward(params, cache, dlogits):
        calls.append(len(cache))
        return ns["backward"](params, cache, dlogits)

    checks.backward(backward)
    assert set(calls) == {3}


def test_float32_log_sum_exp_softmax_keeps_full_marks():
    """Issue 15's rejected answer: softmax through log-sum-exp in float32 at logits of +-1000."""
    def softmax(z):
        z = np.asarray(z, dtype=np.float32)
        m = z.max(axis=1, keepdims=True)
        return np.exp(z - (m + np.log(np.exp(z - m).sum(axis=1, keepdims=True))))

    checks.softmax(softmax)


def test_softmax_without_keepdims_is_named():
    def softmax(z):
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1)

    with pytest.raises(core.CheckFailure, match="keepdims"):
        checks.softmax(softmax)


def test_loss_gradient_of_another_loss_is_named(ns):
    def mse_gradient(probs, y):
        return 2 * (probs - ns["one_hot"](y, probs.shape[1])) / probs.shape[0]

    with pytest.raises(core.CheckFailure, match="squared error"):
        checks.softmax_cross_entropy_backward(mse_gradient, ns["one_hot"])


def test_sgd_update_rebinding_is_named():
    def sgd_update(params, grads, lr):
        for name, p in params.items():
            p = p - lr * grads[name]
        return params

    with pytest.raises(core.CheckFailure, match="did not change"):
        checks.sgd_update(sgd_update)


def test_minibatches_from_a_fixed_seed_are_named():
    def iterate_minibatches(X, y, batch_size, rng):
        order = np.random.default_rng(0).permutation(len(X))
        for start in range(0, len(X), batch_size):
            idx = order[start:start + batch_size]
            yield X[idx], y[idx]

    with pytest.raises(core.CheckFailure, match="ignores the rng"):
        checks.iterate_minibatches(iterate_minibatches)


def test_zoo_has_the_issue_15_size():
    module = zoo.load(LAB)
    assert len(module.MUTANTS) >= 40 and len(module.VARIANTS) >= 10


# ---------------------------------------------------------------------------- second held-out round (issue 15)

def test_sgd_update_pairing_by_position_is_named():
    """backward fills its dict last layer first: an update that zips the values pairs W1 with W2's gradient."""
    def sgd_update(params, grads, lr):
        for p, g in zip(params.values(), grads.values()):
            p -= lr * g
        return params

    with pytest.raises(core.CheckFailure, match="pairs them by position"):
        checks.sgd_update(sgd_update)


def test_backward_that_modifies_the_cache_is_named(ns):
    def backward(params, cache, dlogits):
        grads = ns["backward"](params, cache, dlogits)
        cache[2][cache[2] > 0] = 1.0            # the cached A1 turned into the ReLU mask
        return grads

    with pytest.raises(core.CheckFailure, match="modified the cached A1"):
        checks.backward(backward)


def test_relu_in_place_on_z1_is_named():
    def forward(params, X):
        Z1 = X @ params["W1"] + params["b1"]
        A1 = np.maximum(Z1, 0, out=Z1)
        return A1 @ params["W2"] + params["b2"], (X, Z1, A1)

    with pytest.raises(core.CheckFailure, match="ReLU was applied in place"):
        checks.forward(forward)


# ------------------------------------------------------------------------ round 13: held-out properties

def test_transposed_cache_is_named_by_its_shape():
    """Column-per-sample convention: right logits, transposed Z1 and A1 in the cache."""
    def forward(params, X):
        Z1 = params["W1"].T @ X.T + params["b1"].T
        A1 = np.maximum(Z1, 0)
        return (params["W2"].T @ A1 + params["b2"].T).T, (X, Z1, A1)

    with pytest.raises(core.CheckFailure, match="holds the right values transposed") as info:
        checks.forward(forward)
    assert info.value.diagnosis == "forward-cache-shape"


def test_padded_last_batch_is_told_by_the_sizes():
    def iterate_minibatches(X, y, batch_size, rng):
        order = rng.permutation(len(X))
        order = np.resize(order, -(-len(order) // batch_size) * batch_size)
        for start in range(0, len(order), batch_size):
            idx = order[start:start + batch_size]
            yield X[idx], y[idx]

    with pytest.raises(core.CheckFailure, match="filled up to batch_size") as info:
        checks.iterate_minibatches(iterate_minibatches)
    assert info.value.diagnosis == "last-batch-padded"


def test_f1_is_judged_against_the_students_own_precision_and_recall():
    def precision_recall_f1(cm):
        tp = np.diag(cm).astype(np.float64)
        predicted, actual = cm.sum(axis=0), cm.sum(axis=1)
        precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
        recall = np.divide(tp, actual, out=np.zeros_like(tp), where=actual > 0)
        return precision, recall, 2 * precision * recall / np.maximum(precision + recall, 1)

    with pytest.raises(core.CheckFailure, match="instead of P \\+ R") as info:
        checks.precision_recall_f1(precision_recall_f1)
    assert info.value.diagnosis == "prf-f1-denominator"


def test_a_ratio_guarded_by_another_denominator_is_named():
    """where=actual > 0 on the precision: an empty column warns, an empty row does not."""
    def precision_recall_f1(cm):
        tp = np.diag(cm).astype(np.float64)
        predicted, actual = cm.sum(axis=0), cm.sum(axis=1)
        precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=actual > 0)
        recall = np.divide(tp, actual, out=np.zeros_like(tp), where=actual > 0)
        both = precision + recall
        return precision, recall, np.divide(2 * precision * recall, both, out=np.zeros_like(tp), where=both > 0)

    with pytest.raises(core.CheckFailure, match="the 0/0 is the precision's") as info:
        checks.precision_recall_f1(precision_recall_f1)
    assert info.value.diagnosis == "prf-precision-unguarded"


# ---------------------------------------------------------------------------- round 13, independent measurement

@pytest.mark.parametrize("name", [
    "M13 softmax shifted by the row maximum of |z|",
    "max subtracted globally instead of per row",          # the lone row near -1000 passes: the global words stay
    "M13 loss gradient one_hot(y, y.max() + 1)",
    "M13 iterate_minibatches rng.permutation(y)",
    "M13 fit range(1, epochs) (one epoch short)",
    "one_hot sized by the number of distinct labels",      # the check's own hint wins over the general index words
])
def test_round13_independent_findings_are_named(name):
    assert_caught_and_named(LAB, name)


def test_one_hot_with_an_extra_axis_is_named():
    def one_hot(y, num_classes=10):
        return np.eye(num_classes, dtype=np.float32)[y[:, None]]

    with pytest.raises(core.CheckFailure, match="extra axis of length 1") as info:
        checks.one_hot(one_hot)
    assert info.value.diagnosis == "one-hot-extra-axis"


def test_worded_index_errors_still_count_as_raised():
    exc = core.CheckFailure("f(x) raised IndexError: index 9 is out of bounds for axis 0 with size 7. Likely cause: "
                            "...", "index-out-of-bounds")
    assert checks._raised(exc)
    assert not checks._raised(core.CheckFailure("f(x) has wrong values", "wrong-values"))


def test_precision_on_a_row_normalised_matrix_is_named():
    """Round 15: the three class counts run as independent cases (a one-change story must fit them all), and
    a precision computed on the row-normalised confusion matrix is named as such."""
    def precision_recall_f1(cm):
        cm = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1)
        tp = np.diag(cm).astype(np.float64)
        predicted, actual = cm.sum(axis=0), cm.sum(axis=1)
        precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
        recall = np.divide(tp, actual, out=np.zeros_like(tp), where=actual > 0)
        both = precision + recall
        return precision, recall, np.divide(2 * precision * recall, both, out=np.zeros_like(tp), where=both > 0)

    with pytest.raises(core.CheckFailure, match="the precision was computed on the confusion matrix normalised per row"):
        checks.precision_recall_f1(precision_recall_f1)


# ---------------------------------------------------------------------------- round 15b, independent measurement

@pytest.mark.parametrize("name", [
    "R15b loss gradient: the 1/N applied only to the true-class entries (d[rows, y] = (p - 1) / N)",
    "R15b forward standardises Z1 over the batch before the ReLU (batch-norm habit)",
    "R15b backward ReLU mask from the first sample (Z1[0] > 0) for every row",
    "R15b sgd_update clips each gradient to norm 5 (RNN habit)",
    "R15b fit shuffles X_val with the training generator (val pairs broken, shuffling draws consumed)",
])
def test_round15b_findings_are_named(name):
    assert_caught_and_named(LAB, name)


def test_train_epoch_is_judged_with_the_reference_minibatches_when_the_students_break_their_contract(ns):
    """Float labels from iterate_minibatches cost its own cell only: the loop is judged with the reference one,
    and a mistake of the loop itself is still named."""
    def float_labels(X, y, batch_size, rng):
        order = rng.permutation(X.shape[0])
        for start in range(0, X.shape[0], batch_size):
            idx = order[start:start + batch_size]
            yield X[idx], y[idx].astype(np.float32)

    with pytest.raises(core.CheckFailure, match="y_batch is float32"):
        checks.iterate_minibatches(float_labels)
    fns, scope = _with(ns, iterate_minibatches=float_labels)
    checks.train_epoch(fns["train_epoch"], *_helpers(scope))
    assert scope["iterate_minibatches"] is float_labels          # lent for the check only

    def unweighted(params, X, y, lr, batch_size, rng):
        losses, accs = [], []
        for xb, yb in iterate_minibatches(X, y, batch_size, rng):  # noqa: F821 - the lent global
            logits, cache = scope["forward"](params, xb)
            losses.append(scope["cross_entropy"](logits, yb))
            accs.append(scope["accuracy"](logits, yb))
            grads = scope["backward"](params, cache, scope["softmax_cross_entropy_backward"](scope["softmax"](logits), yb))
            scope["sgd_update"](params, grads, lr)
        return float(np.mean(losses)), float(np.mean(accs))
    import types
    loop = types.FunctionType(unweighted.__code__, scope, "train_epoch", None, unweighted.__closure__)
    with pytest.raises(core.CheckFailure, match="judged with the reference iterate_minibatches"):
        checks.train_epoch(loop, *_helpers(scope))


def test_one_hot_rows_sharing_one_list_are_named():
    def one_hot(y, num_classes=10):
        Y = [[0.0] * num_classes] * y.shape[0]
        for i, label in enumerate(y):
            Y[i][label] = 1.0
        return np.array(Y, dtype=np.float32)

    with pytest.raises(core.CheckFailure, match="all the rows are ONE list or array") as info:
        checks.one_hot(one_hot)
    assert info.value.diagnosis == "one-hot-every-row-gets-every-label"


def test_float16_answers_get_no_float16_tolerance():
    assert checks._floored(np.zeros(2, np.float16)) == np.float32
    assert checks._floored(np.zeros(2, np.float64)) == np.float64

    def softmax(z):
        e = np.exp((z - z.max(axis=1, keepdims=True)).astype(np.float16))
        return e / e.sum(axis=1, keepdims=True)

    with pytest.raises(core.CheckFailure, match="right only to float16 precision"):
        checks.softmax(softmax)


def test_batches_read_from_the_flattened_x():
    X = np.arange(12.0).reshape(4, 3) + 0.5
    assert "FLATTENED X" in checks._batch_reading(X.ravel()[[2, 0]].reshape(2, 1), X)
    assert "only 2 of X's 3 columns" in checks._batch_reading(X[[3, 1], :2], X)
    assert checks._batch_reading(X[[3, 1]] * 7, X) == ""


@pytest.mark.parametrize("name", [
    "R16 precision/recall with fp and fn taken as whole column / row sums (tp counted twice)",
    "R16 train_epoch differentiates a sigmoid (one-vs-all) loss while measuring softmax cross-entropy",
])
def test_round16_findings_are_named(name):
    assert_caught_and_named(LAB, name)


@pytest.mark.parametrize("name", [
    "R16b train_epoch adds L2 weight decay 5e-4 to every gradient",
    "R16b confusion_matrix counts the sorted labels (pairs broken)",
])
def test_round16b_readings_are_named(name):
    assert_caught_and_named(LAB, name)


def test_confusion_pairs_broken_is_told_only_for_right_marginals():
    y_true, y_pred = np.array([0, 1, 2, 2, 1, 0]), np.array([1, 1, 2, 0, 2, 0])
    want = np.zeros((3, 3), int)
    np.add.at(want, (y_true, y_pred), 1)
    checks._pairs_broken(None, want, y_true, y_pred, 3, want, "cm")          # right: silent
    checks._pairs_broken(None, want + 1, y_true, y_pred, 3, want, "cm")      # marginals wrong: silent
    broken = np.zeros((3, 3), int)
    np.add.at(broken, (np.sort(y_true), np.sort(y_pred)), 1)
    with pytest.raises(core.CheckFailure, match="not paired"):
        checks._pairs_broken(lambda t, p, c: broken, broken, y_true, y_pred, 3, want, "cm")


@pytest.mark.parametrize("name", [
    "R18a-01 one_hot caches an identity matrix on the function at the first call (stale for another num_classes)",
    "R18a-04 init_params memoised with functools.lru_cache (every call returns the same arrays)",
    "R18a-09 precision and recall share one zeros out= buffer (recall overwrites precision)",
    "R18a-x2 forward keeps Z1 per id(X) (stale once X is refilled in place)",
])
def test_round18_state_between_calls_is_named(name):
    assert_caught_and_named(LAB, name)
