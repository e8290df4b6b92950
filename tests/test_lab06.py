"""Lab 06 (RDFIA): hidden checks, oracles, zoo and the source notebook's structure."""
from __future__ import annotations

import math

import numpy as np
import pytest

from autograder import harness, notebooks
from autograder.checks import core
from autograder.checks import lab06 as checks
from autograder.judge.declarations import declared_checks
from autograder.paths import source_notebook
from autograder.zoo import lab06 as zoo

LAB = "lab06-rdfia"
CHECKS = ("softmax", "init_params", "forward", "loss_accuracy", "backward_output", "backward_hidden", "sgd")
# The mistakes the issue names explicitly: each must be in the zoo (and the zoo run catches them).
NAMED_IN_ISSUE = ("tanh derivative dropped", "softmax applied twice", "built from grad_h", "W_y instead of W_y^T",
                  "1/N applied twice", "one-hot labels ignored", "1 - htilde^2")


@pytest.fixture(scope="module")
def ref():
    return harness.solution_namespace(LAB)


def _declared(check):
    """The notebook names the hidden-test line of ``check`` hands over (the graded function first)."""
    nb = notebooks.read(source_notebook(LAB))
    return next(c.args for calls in declared_checks(nb).values() for c in calls if c.name == check)


@pytest.mark.parametrize("check", CHECKS)
def test_checks_accept_reference(check, ref):
    args = _declared(check)
    assert args[0] == check.replace("_output", "").replace("_hidden", "")
    getattr(checks, check)(*(ref[a] for a in args))


def test_oracle_backward_matches_finite_differences():
    r = np.random.default_rng(0)
    params = checks._params(r, 3, 4, 2)
    X = r.normal(size=(5, 3))
    Y = checks._onehot(r, 5, 2)
    _, outputs = checks.oracle_forward(params, X)
    analytic = checks.oracle_backward(params, outputs, Y)
    for k in checks.PARAM_NAMES:
        num = core.numerical_gradient(lambda _v: checks._ce_of_params(params, X, Y), params[k])
        assert core.relative_error(analytic[k], num) < 1e-7, k


def test_oracle_forward_matches_batched_formula(ref):
    r = np.random.default_rng(1)
    params, X = checks._params(r, 4, 3, 5), r.normal(size=(6, 4))
    yhat, outs = checks.oracle_forward(params, X)
    H = np.tanh(X @ params["Wh"].T + params["bh"].T)
    S = H @ params["Wy"].T + params["by"].T
    assert np.allclose(outs["h"], H) and np.allclose(yhat, np.exp(S) / np.exp(S).sum(1, keepdims=True))


def test_mistake_free_oracles_differ_from_each_diagnosis():
    """Every diagnosed mistake produces a different gradient (else its message could never fire)."""
    r = np.random.default_rng(2)
    params = checks._params(r, 3, 3, 3)
    X, Y = r.normal(size=(4, 3)), checks._onehot(r, 4, 3)
    _, outputs = checks.oracle_forward(params, X)
    good = checks.oracle_backward(params, outputs, Y)
    for flags in (dict(tanh_deriv="none"), dict(tanh_deriv="htilde"), dict(wh_from="h"),
                  dict(wy_transposed=False), dict(use_logits=True)):
        bad = checks.oracle_backward(params, outputs, Y, **flags)
        assert not np.allclose(bad["Wh"], good["Wh"]), flags


def test_initial_circles_loss_is_ln2(ref):
    from nnlab import datasets
    X, y = datasets.circles(n=500, noise=0.05, factor=0.5, seed=0)
    params = ref["init_params"](2, 10, 2, np.random.default_rng(0))
    L, acc = ref["loss_accuracy"](ref["forward"](params, X)[0], np.eye(2)[y])
    assert abs(L - math.log(2)) < 0.05 and 0.3 < acc < 0.7


class AlwaysEqual(np.ndarray):
    def __eq__(self, other):
        return np.ones(np.shape(self), dtype=bool)


def test_checks_reject_array_subclass_and_none(ref):
    def sneaky_softmax(Z):
        return ref["softmax"](Z).view(AlwaysEqual)
    with pytest.raises(core.CheckFailure, match="plain numpy.ndarray"):
        checks.softmax(sneaky_softmax)
    with pytest.raises(core.CheckFailure, match="returned None"):
        checks.sgd(lambda p, g, eta: None)


def test_sgd_must_update_the_given_arrays_in_place():
    """The notebook's conventions: parameter updates are made in place.  A step that fills the dict with new
    arrays (right values) is named as such; np.subtract(..., out=) on each array is in place."""
    def out_of_place_sgd(params, grads, eta):
        return {k: params[k] - eta * grads[k] for k in params}

    def rebinding_sgd(params, grads, eta):
        for k in params:
            params[k] = params[k] - eta * grads[k]
        return params
    for fn in (out_of_place_sgd, rebinding_sgd):
        with pytest.raises(core.CheckFailure, match="still hold their old values") as info:
            checks.sgd(fn)
        assert info.value.diagnosis == "not-in-place"

    def subtract_out_sgd(params, grads, eta):
        for k in params:
            np.subtract(params[k], eta * grads[k], out=params[k])
        return params
    checks.sgd(subtract_out_sgd)


def test_checks_accept_other_correct_formulations(ref):

    def einsum_forward(p, X):   # a different but correct formulation (the checks include float32 cases)
        Ht = np.einsum("nx,hx->nh", X, p["Wh"]) + p["bh"][:, 0]
        H = np.tanh(Ht)
        Yt = np.einsum("nh,yh->ny", H, p["Wy"]) + p["by"][:, 0]
        Yhat = ref["softmax"](Yt)
        return Yhat, {"X": X, "htilde": Ht, "h": H, "ytilde": Yt, "yhat": Yhat}
    checks.forward(einsum_forward)


def test_checks_name_the_write_up_mistake(ref):
    """The circulated Q17 write-up (no tanh derivative) is caught with a message naming it."""
    def backward_without_tanh_derivative(params, outputs, Y):
        grads = dict(ref["backward"](params, outputs, Y))
        N = Y.shape[0]
        grad_Htilde = (outputs["yhat"] - Y) / N @ params["Wy"]
        grads["Wh"] = grad_Htilde.T @ outputs["X"]
        grads["bh"] = grad_Htilde.sum(axis=0, keepdims=True).T
        return grads
    checks.backward_output(backward_without_tanh_derivative)      # the output layer is still right
    with pytest.raises(core.CheckFailure, match="tanh derivative is missing"):
        checks.backward_hidden(backward_without_tanh_derivative)


def test_one_mistake_one_deduction(ref):
    """forward is judged around the student's own softmax; the hidden gradients around their own
    output gradient (a sign error in grad_ytilde costs the output cell only)."""
    def softmax_over_columns(Z):
        E = np.exp(Z - Z.max(axis=0, keepdims=True))
        return E / E.sum(axis=0, keepdims=True)

    def forward_with(sm):
        def forward(p, X):
            Ht = X @ p["Wh"].T + p["bh"].T
            H = np.tanh(Ht)
            Yt = H @ p["Wy"].T + p["by"].T
            Yhat = sm(Yt)
            return Yhat, {"X": X, "htilde": Ht, "h": H, "ytilde": Yt, "yhat": Yhat}
        return forward
    with pytest.raises(core.CheckFailure):
        checks.softmax(softmax_over_columns)
    with pytest.raises(core.CheckFailure):
        checks.forward(forward_with(softmax_over_columns))               # without its softmax: wrong
    checks.forward(forward_with(softmax_over_columns), softmax_over_columns)

    def backward_sign_flipped(params, outputs, Y):
        flipped = dict(outputs, yhat=2 * Y - outputs["yhat"])         # grad_ytilde = (y - yhat)/N
        return ref["backward"](params, flipped, Y)
    with pytest.raises(core.CheckFailure, match="sign error"):
        checks.backward_output(backward_sign_flipped, ref["loss_accuracy"])
    checks.backward_hidden(backward_sign_flipped)


def test_backward_consistent_with_a_wrong_loss_is_named(ref):
    def loss_summed(Yhat, Y):
        return float(-np.sum(Y * np.log(Yhat))), ref["loss_accuracy"](Yhat, Y)[1]

    def backward_summed(params, outputs, Y):
        return ref["backward"](params, dict(outputs, yhat=Y + (outputs["yhat"] - Y) * Y.shape[0]), Y)
    with pytest.raises(core.CheckFailure, match="derivative of your own loss_accuracy"):
        checks.backward_output(backward_summed, loss_summed)


def test_softmax_underflow_and_overflow_are_told_apart():
    def global_shift(Z):
        E = np.exp(Z - Z.max())
        return E / E.sum(axis=1, keepdims=True)

    def no_shift(Z):
        E = np.exp(Z)
        return E / E.sum(axis=1, keepdims=True)
    with pytest.raises(core.CheckFailure, match="own"):
        checks.softmax(global_shift)
    with pytest.raises(core.CheckFailure, match="overflowed"):
        checks.softmax(no_shift)


def test_float32_implementations_pass(ref):
    def softmax32(Z):
        Z = np.asarray(Z, dtype=np.float32)
        m = Z.max(axis=1, keepdims=True)
        return np.exp(Z - m - np.log(np.exp(Z - m).sum(axis=1, keepdims=True)))
    checks.softmax(softmax32)

    def backward32(params, outputs, Y):
        return {k: v.astype(np.float32) for k, v in ref["backward"](params, outputs, Y).items()}
    checks.backward_output(backward32, ref["loss_accuracy"])
    checks.backward_hidden(backward32)


def test_zoo_covers_the_issue():
    names = [m.name for m in zoo.MUTANTS]
    for phrase in NAMED_IN_ISSUE:
        assert any(phrase in n for n in names), phrase
    assert len(zoo.MUTANTS) >= 40 and len(zoo.VARIANTS) >= 10


# A few through the harness here (the whole zoo runs in `make mutants`).
@pytest.mark.parametrize("mutant", [m for m in zoo.MUTANTS if any(p in m.name for p in NAMED_IN_ISSUE[:5:2])],
                         ids=lambda m: m.name[:40])
def test_issue_mutants_caught_and_named(mutant):
    out = harness.grade_direct(LAB, (mutant,), label=mutant.name)
    assert out.score < out.max_score
    assert any(e.lower() in m.lower() for m in out.messages() for e in mutant.expect), out.messages()


def test_solution_full_marks():
    out = harness.grade_direct(LAB)
    assert out.max_score == 12 and out.score == out.max_score, out.messages()


def test_notebook_structure():
    nb = notebooks.read(source_notebook(LAB))
    answers = [c for c in nb.cells if c.cell_type == "markdown" and notebooks.nbgrader_meta(c).get("grade")]
    assert len(answers) == 17
    for c in answers:
        m = notebooks.nbgrader_meta(c)
        assert m["solution"] and m["points"] > 0 and m["grade_id"].startswith("lab06_answer_q")
        # the whole answer (model answer and rubric) is inside the solution region: nothing survives the release
        assert c.source.startswith(notebooks.BEGIN_SOLUTION) and c.source.endswith(notebooks.END_SOLUTION)
        assert "Rubric" in c.source
    tests = [c for c in nb.cells if notebooks.is_graded_test(c)]
    assert sorted(notebooks.nbgrader_meta(c)["grade_id"] for c in tests) == sorted(f"lab06_test_{k}" for k in CHECKS)
    for c in tests:   # hidden checks never survive stripping
        assert "autograder" not in notebooks.strip_hidden(c.source)
    ids = [c.get("id") for c in nb.cells]
    assert len(set(ids)) == len(ids) and all(ids)


# --------------------------------------------------------------------------- issue 15: properties and diagnoses
def test_properties_table_lists_every_graded_check():
    assert set(checks.PROPERTIES) == set(CHECKS)
    assert all(props for props in checks.PROPERTIES.values())


def test_float32_log_sum_exp_softmax_of_huge_scores_passes():
    """The issue's case: a sound float32 softmax through log-sum-exp at scores of +-1000 is only good to
    about eps32 * 1000; the tolerance follows the dtype and the size of the scores."""
    def softmax_lse32(Z):
        Z = np.asarray(Z, dtype=np.float32)
        m = Z.max(axis=1, keepdims=True)
        return np.exp(Z - (m + np.log(np.exp(Z - m).sum(axis=1, keepdims=True))))
    checks.softmax(softmax_lse32)


def _failure(check, *args) -> core.CheckFailure:
    with pytest.raises(core.CheckFailure) as info:
        check(*args)
    assert info.value.diagnosis, str(info.value)          # every failure has a stable id
    return info.value


@pytest.mark.parametrize("divisor,phrase", [("n_y", "divided by the number of classes n_y"),
                                            ("size", "divided by N * n_y")])
def test_multi_output_averaging_is_named(ref, divisor, phrase):
    """1/N, 1/n_y and 1/(N n_y) coincide on no case where N != n_y: the message names the divisor used."""
    def backward(params, outputs, Y):
        grads = ref["backward"](params, outputs, Y)
        scale = Y.shape[0] / (Y.shape[1] if divisor == "n_y" else Y.size)
        return {k: v * scale for k, v in grads.items()}
    assert phrase in str(_failure(checks.backward_output, backward, ref["loss_accuracy"]))


def test_sgd_pairing_by_position_is_named():
    def sgd(params, grads, eta):
        for p, g in zip(params.values(), grads.values()):
            p -= eta * g
        return params
    exc = _failure(checks.sgd, sgd)
    assert exc.diagnosis == "paired-by-position", str(exc)


def test_derivative_of_the_wrong_quantity_is_named():
    """1 - tanh(h)^2: the tanh derivative taken of h, which is already tanh(htilde)."""
    def backward_twice(params, outputs, Y):
        gY = (outputs["yhat"] - Y) / Y.shape[0]
        gHt = (gY @ params["Wy"]) * (1 - np.tanh(outputs["h"]) ** 2)
        return {"Wy": gY.T @ outputs["h"], "by": gY.sum(0, keepdims=True).T,
                "Wh": gHt.T @ outputs["X"], "bh": gHt.sum(0, keepdims=True).T}
    assert "tanh applied twice" in str(_failure(checks.backward_hidden, backward_twice))


def test_a_reduction_without_keepdims_is_named_right_only_for_one_row():
    def softmax(Z):
        E = np.exp(Z - Z.max(axis=1))
        return E / E.sum(axis=1, keepdims=True)
    assert "keepdims" in str(_failure(checks.softmax, softmax))


@pytest.mark.parametrize("line, layer", [
    ("grad_Htilde = grad_H * (1 - H ^ 2)", "hidden"), ("dWh = dZ1.T @ X", "hidden"), ("db1 = dz1.sum(0)", "hidden"),
    ("grad_Wy = grad_Ytilde.T @ H", "output"), ("dW2 = dZ2.T @ A1", "output"), ("grad_Ytilde = (Yhat - Y) / N", "output"),
    ("grad_H = grad_Ytilde @ params['Wy']", ""), ("return {'Wh': gWh, 'Wy': gWy}", ""), ("gWh, gWy = f(x)", ""),
])
def test_layer_of_a_raising_line(line, layer):
    """A raise in backward is charged to the layer whose gradient the raising line assigns (one cell, not both)."""
    assert checks._layer_of_line(line) == layer


def _backward_with_hidden_factor(factor):
    """The reference backward with ``factor(h, htilde)`` in place of tanh' = 1 - h^2."""
    def backward(params, outputs, Y):
        gY = (outputs["yhat"] - Y) / Y.shape[0]
        gHt = (gY @ params["Wy"]) * factor(outputs["h"], outputs["htilde"])
        return {"Wy": gY.T @ outputs["h"], "by": gY.sum(0, keepdims=True).T,
                "Wh": gHt.T @ outputs["X"], "bh": gHt.sum(0, keepdims=True).T}
    return backward


def test_the_hidden_derivative_is_read_unit_by_unit():
    """A factor between grad_h and grad_htilde other than 1 - h^2 is shown unit by unit (and named when it is a
    known one); the right factor says nothing."""
    checks._explain_hidden_factor(_backward_with_hidden_factor(lambda h, ht: 1 - h ** 2), "backward")
    with pytest.raises(core.CheckFailure, match="sech without its square"):
        checks._explain_hidden_factor(_backward_with_hidden_factor(lambda h, ht: 1 / np.cosh(ht)), "backward")
    exc = _failure(checks._explain_hidden_factor, _backward_with_hidden_factor(lambda h, ht: 1 / (1 + h ** 2)), "b")
    assert exc.diagnosis == "hidden-activation-derivative" and "1 - h^2 = [" in str(exc)


def test_each_row_of_the_accuracy_is_judged_alone():
    """argmin for argmax is named from the rows counted right, each row given alone; a right accuracy passes."""
    r = np.random.default_rng(3)
    Yhat = checks.oracle_softmax(r.normal(size=(8, 4)) * 2)
    Y = np.eye(4)[r.integers(0, 4, size=8)]

    def with_pick(pick):
        return lambda P, T: (0.0, float(np.mean(pick(P, axis=1) == np.argmax(T, axis=1))))
    checks._explain_acc_rows(with_pick(np.argmax), Yhat, Y, "acc")
    assert "np.argmin" in str(_failure(checks._explain_acc_rows, with_pick(np.argmin), Yhat, Y, "acc"))


def test_output_gradients_reduced_over_the_classes_are_named(ref):
    """Every row of yhat - y sums to 0, so a mean over the classes gives all-zero gradients: named (the check used to
    divide by that zero factor and raise ZeroDivisionError itself)."""
    def backward(params, outputs, Y):
        grads = ref["backward"](params, outputs, Y)
        G = (outputs["yhat"] - Y).mean(axis=1, keepdims=True) + 0 * Y
        return {**grads, "Wy": G.T @ outputs["h"], "by": G.sum(axis=0, keepdims=True).T}
    with pytest.raises(core.CheckFailure, match="reduces yhat - y over the classes") as caught:
        checks.backward_output(backward, ref["loss_accuracy"])
    assert caught.value.diagnosis == "output-gradient-reduced-over-classes"


def test_a_step_up_the_gradient_for_some_parameters_is_a_sign_flip(ref):
    def sgd(params, grads, eta):
        for name in params:
            params[name] += (eta if name.startswith("b") else -eta) * grads[name]
        return params
    with pytest.raises(core.CheckFailure, match="moved by \\+eta \\* grad, up the gradient") as caught:
        checks.sgd(sgd)
    assert caught.value.diagnosis == "sign-flipped-for-some-parameters"


def test_results_shared_between_calls_and_keys_added_are_named(ref):
    """Round 15: a forward that keeps its outputs in a dict shared by every call (a mutable default argument), or that
    adds a key to the caller's params, is named; the reference passes both properties."""
    softmax = ref["softmax"]

    def shared(params, X, cache={}):  # noqa: B006 - the mistake under test
        Htilde = X @ params["Wh"].T + params["bh"].T
        H = np.tanh(Htilde)
        Ytilde = H @ params["Wy"].T + params["by"].T
        cache.update({"X": X, "htilde": Htilde, "h": H, "ytilde": Ytilde, "yhat": softmax(Ytilde)})
        return cache["yhat"], cache

    def keyed(params, X):
        yhat, outputs = ref["forward"](params, X)
        params["cache"] = outputs
        return yhat, outputs

    checks._results_kept(ref["forward"], "forward", checks._FORWARD_TWICE, np.random.default_rng(0))
    with pytest.raises(core.CheckFailure, match="mutable default argument") as exc:
        checks._results_kept(shared, "forward", checks._FORWARD_TWICE, np.random.default_rng(0))
    assert exc.value.diagnosis == "results-shared-between-calls"
    with pytest.raises(core.CheckFailure, match=r"forward added params\['cache'\]"):
        checks.forward(keyed, softmax)


def test_a_log_of_the_zero_probabilities_is_named(ref):
    """Round 15: exact zeros in the wrong classes must give no log(0) warning (the notebook asks to guard the log)."""
    def unguarded(Yhat, Y):
        L = -np.mean(np.sum(np.where(Y == 1, np.log(Yhat), 0.0), axis=1))
        return float(L), float(np.mean(np.argmax(Yhat, axis=1) == np.argmax(Y, axis=1)))

    checks._loss_keeps_zero_probabilities(ref["loss_accuracy"], np.random.default_rng(0))
    with pytest.raises(core.CheckFailure, match="np.where computes both branches"):
        checks._loss_keeps_zero_probabilities(unguarded, np.random.default_rng(0))


@pytest.mark.filterwarnings("ignore:'where' used without 'out'")
def test_a_loss_reading_uninitialised_memory_is_named():
    """np.log(..., where=) without out= leaves entries uninitialised: the loss is asked right after arrays of NaN and
    of 0 were freed, and a result that differs between the two is named (round 17c)."""
    def loss(Yhat, Y):
        L = -np.mean(np.sum(Y * np.log(Yhat, where=Y > 0), axis=1))
        return float(L), float(np.mean(np.argmax(Yhat, axis=1) == np.argmax(Y, axis=1)))
    with pytest.raises(core.CheckFailure) as e:
        checks.loss_accuracy(loss)
    assert e.value.diagnosis == "reads-uninitialised-memory"


def test_probabilities_are_asked_to_float64_precision(ref):
    """A softmax (or a forward) whose probabilities are rounded to 6 decimals passes the float32-precision cases; the
    tiny probabilities of scores spread far apart name it, in the cell of the function that rounds (round 17c)."""
    def rounded(Z):
        return np.round(ref["softmax"](Z), 6)
    with pytest.raises(core.CheckFailure) as e:
        checks.softmax(rounded)
    assert e.value.diagnosis == "softmax-imprecise"

    def forward(params, X):
        yhat, outputs = ref["forward"](params, X)
        outputs["yhat"] = yhat = yhat.round(6)
        return yhat, outputs
    with pytest.raises(core.CheckFailure) as e:
        checks.forward(forward, ref["softmax"])
    assert e.value.diagnosis == "forward-yhat-imprecise"
    # a rounding softmax costs the softmax cell only: forward calling it is not blamed
    fresh = harness.solution_namespace(LAB)
    fresh["softmax"] = rounded
    fresh["forward"].__globals__["softmax"] = rounded
    checks.forward(fresh["forward"], rounded)


def test_samples_mixed_before_the_log_are_told_from_a_wrong_reduction():
    def loss(Yhat, Y):
        Yhat = Yhat / Yhat.sum()
        L = -np.mean(np.sum(Y * np.log(np.clip(Yhat, 1e-300, 1.0)), axis=1))
        return float(L), float(np.mean(np.argmax(Yhat, axis=1) == np.argmax(Y, axis=1)))
    with pytest.raises(core.CheckFailure) as e:
        checks.loss_accuracy(loss)
    assert e.value.diagnosis == "loss-samples-mixed"


def test_a_loss_from_a_product_of_probabilities_is_named_on_a_large_batch(ref):
    """Round 19: -log of the product of the true-class probabilities is right on small batches and underflows on a
    large one (inf, or a clip floor): named on two large batches; the solution passes the same question."""
    checks._loss_large_batch(ref["loss_accuracy"])

    def product(Yhat, Y):
        L = -np.log(max(np.prod(np.sum(Y * Yhat, axis=1)), 1e-300)) / len(Y)
        return float(L), float(np.mean(np.argmax(Yhat, axis=1) == np.argmax(Y, axis=1)))
    with pytest.raises(core.CheckFailure) as e:
        checks.loss_accuracy(product)
    assert e.value.diagnosis == "loss-product-underflows"


def test_an_output_not_computed_from_the_stored_intermediate_is_named(ref):
    """Round 19: ytilde computed from a second hidden layer without b_h (outputs['h'] right) is named by what it
    ignores although the stored h moves with it."""
    def forward(params, X):
        yhat, outputs = ref["forward"](params, X)
        outputs["ytilde"] = np.tanh(X @ params["Wh"].T) @ params["Wy"].T + params["by"].T
        outputs["yhat"] = yhat = ref["softmax"](outputs["ytilde"])
        return yhat, outputs
    with pytest.raises(core.CheckFailure) as e:
        checks.forward(forward, ref["softmax"])
    assert e.value.diagnosis == "not-from-stored-intermediate" and "without b_h" in str(e.value)


def test_dict_with_wrong_keys_says_which_keys_it_has():
    """Round 22c: a returned dict with renamed keys is told with the shared wording (core.keys_message): the keys it
    has, the keys expected, and a case change or a gradient prefix paired with the key it spells."""
    said = core.keys_message({"X": 1, "htilde": 2, "H": 3, "ytilde": 4, "yhat": 5}, checks.OUTPUT_NAMES, "forward")
    assert said is not None and "the returned dict has the keys ['X', 'htilde', 'H', 'ytilde', 'yhat']" in said
    assert "'H' is there where 'h' is expected (keys are case-sensitive)" in said and "is missing the key(s)" in said
    said = core.keys_message({"dWh": 1, "grad_bh": 2, "Wy": 3, "by": 4}, checks.PARAM_NAMES, "backward")
    assert "'dWh' is there where 'Wh' is expected" in said and "the prefix 'grad_'" in said
    assert "the keys are fixed by the lab" in core.keys_message({"W1": 1, "b1": 2, "W2": 3, "b2": 4},
                                                               checks.PARAM_NAMES, "init_params")
    assert core.keys_message({"Wh": 1, "bh": 2, "Wy": 3, "by": 4, "t": 0}, checks.PARAM_NAMES, "sgd") is None
    with pytest.raises(core.CheckFailure, match="without their names: the caller reads them by key"):
        checks._expect_dict((1, 2, 3, 4), ("Wy", "by"), "backward (the grads dict)")
