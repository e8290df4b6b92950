"""Lab 04 (gradient descent and backpropagation): checks, oracles, zoo and notebook facts.

Fast on purpose (a few seconds): the full mutation run is `make mutants`; here a handful of
mutants and variants go through the real harness so that a broken link between the notebook,
the checks and the zoo shows up in `make test` too.
"""
from __future__ import annotations

import contextlib
import copy
import io
import re

import numpy as np
import pytest

from autograder import harness, notebooks, zoo
from autograder.checks import core
from autograder.checks import lab04 as checks
from autograder.judge.declarations import declared_checks

LAB = "lab04-gd-backprop"

# check name -> the solution function it grades
CHECKS = {
    "initialize_parameters": "initialize_parameters", "linear_forward": "linear_forward",
    "activation_forward": "activation_forward", "model_forward": "model_forward",
    "binary_cross_entropy": "binary_cross_entropy", "linear_backward": "linear_backward",
    "activation_backward": "activation_backward", "model_backward": "model_backward",
    "update_parameters": "update_parameters", "predict": "predict",
    "train_full_batch": "train", "train_mini_batch": "train",
}


def _declared(nb) -> dict[str, tuple[str, ...]]:
    """check name -> the notebook names its hidden-test line hands over (the graded function first)."""
    return {c.name: c.args for calls in declared_checks(nb).values() for c in calls}


@pytest.fixture(scope="module")
def sol(ns):
    """The reference solution (conftest's ns, under this module's historical name)."""
    return ns


# ----------------------------------------------------------------------------- checks vs reference
@pytest.mark.parametrize("check", sorted(CHECKS))
def test_reference_passes_silently(sol, nb, check):
    args = _declared(nb)[check]
    assert args[0] == CHECKS[check], "the graded function comes first in the hidden-test line"
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        getattr(checks, check)(*(sol[a] for a in args))
    assert out.getvalue() == "" and err.getvalue() == "", "checks must never print"


def test_every_graded_cell_calls_its_check(nb):
    called = set()
    for cell in nb.cells:
        m = notebooks.nbgrader_meta(cell)
        if notebooks.is_graded_test(cell):
            assert m["grade_id"].startswith("lab04_test_")
            assert notebooks.BEGIN_HIDDEN in cell.source
            name = m["grade_id"].removeprefix("lab04_test_")
            assert f"_checks.{name}(" in cell.source
            called.add(name)
    assert called == set(CHECKS)


def test_notebook_structure(nb):
    ids = [c.id for c in nb.cells]
    assert len(ids) == len(set(ids)) and all(i.startswith("lab04-") for i in ids)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    graded = notebooks.graded_cells(nb)
    assert sum(g["points"] for g in graded if g["auto"]) == 23
    assert sum(g["points"] for g in graded if not g["auto"]) == 6
    assert len({g["grade_id"] for g in graded}) == len(graded)
    assert any(notebooks.is_setup(c) for c in nb.cells)
    # every solution cell keeps its signature and docstring outside the solution region
    for cell in nb.cells:
        if cell.cell_type == "code" and notebooks.is_solution(cell):
            stub = notebooks.stub_solutions(cell.source)
            assert "def " in stub and '"""' in stub and "raise NotImplementedError()" in stub
            docstring = stub.split('"""')[1]
            assert re.search(r"\((m|1|n_[\w{}-]+), ", docstring) or "same shape" in docstring, \
                f"the docstring must state shapes: {stub[:60]!r}"


# ----------------------------------------------------------------------------- oracles
def test_backward_oracle_matches_finite_differences():
    gen = np.random.default_rng(0)
    for dims, hidden in [([3, 4, 2, 1], "tanh"), ([2, 5, 1], "sigmoid"), ([3, 3, 1], "relu")]:
        params = checks._random_params(gen, dims)
        X = gen.standard_normal((5, dims[0]))
        Y = (gen.random((5, 1)) < 0.5).astype(float)
        grads = checks._backward(checks._forward(X, params, hidden), Y, hidden)
        for key, value in params.items():
            trial = dict(params)

            def f(v, key=key):
                trial[key] = v
                return checks._full_loss(X, Y, trial, hidden)
            fd = core.numerical_gradient(f, value.copy())
            assert core.relative_error(grads["d" + key], fd) < 1e-7, (dims, hidden, key)
        fd = core.numerical_gradient(lambda x: checks._full_loss(x, Y, params, hidden), X.copy())
        assert core.relative_error(grads["dA0"], fd) < 1e-7


def test_oracle_sigmoid_and_loss_are_stable():
    z = np.array([-1000.0, -40.0, 0.0, 40.0, 1000.0])
    with np.errstate(all="raise", under="ignore"):
        s = checks._sigmoid(z)
        loss = checks._bce_logits(z[:, None], np.array([[0.0], [1.0], [1.0], [0.0], [1.0]]))
    assert s[0] == 0.0 and s[-1] == 1.0 and s[2] == 0.5
    # per sample: 0, 40, ln 2, 40, 0 (softplus(40) - 0 = 40 + log1p(e^-40))
    assert loss == pytest.approx((80 + np.log(2)) / 5, rel=1e-12)


def test_reference_matches_oracle_training(sol):
    X, Y, params = checks._problem("test", 16, [2, 5, 1])
    got, hist = sol["train"](X, Y, copy.deepcopy(params), learning_rate=0.2, epochs=6,
                             hidden_activation="tanh")
    want = checks._gd(X, Y, params, 0.2, 6, "tanh")
    assert all(np.allclose(got[k], want[k], rtol=1e-10, atol=1e-12) for k in want)
    assert list(hist.columns[:3]) == ["epoch", "loss", "accuracy"] and len(hist) == 7


# ----------------------------------------------------------------------------- lab facts
def test_zero_initialisation_is_stuck_at_ln2(sol):
    from nnlab import datasets
    X, Y = datasets.xor()
    p = sol["initialize_parameters"]([2, 4, 1], "zeros")
    for act in ("tanh", "relu", "sigmoid"):
        AL, caches = sol["model_forward"](X, p, act)
        grads = sol["model_backward"](AL, Y, caches, act)
        assert sol["binary_cross_entropy"](AL, Y) == pytest.approx(np.log(2), abs=1e-15)
        assert all(np.all(grads["d" + k] == 0) for k in p), act
    _, hist = sol["train"](X, Y, p, learning_rate=0.5, epochs=50, hidden_activation="tanh")
    assert np.allclose(hist["loss"], np.log(2), rtol=0, atol=1e-15)


def test_xor_reaches_full_accuracy_with_the_notebook_settings(sol):
    from nnlab import datasets
    X, Y = datasets.xor()
    p0 = sol["initialize_parameters"]([2, 4, 1], "xavier", seed=0)
    _, hist = sol["train"](X, Y, p0, learning_rate=0.5, epochs=1000, hidden_activation="tanh")
    assert hist["accuracy"].iloc[-1] >= 0.99 and hist["loss"].iloc[-1] < 0.05


def test_constant_initialisation_keeps_units_identical(sol):
    from nnlab import datasets
    X, Y = datasets.xor()
    p = {k: np.full_like(v, 0.5) for k, v in sol["initialize_parameters"]([2, 4, 1], "zeros").items()}
    p, hist = sol["train"](X, Y, p, learning_rate=0.5, epochs=300, hidden_activation="tanh")
    assert np.allclose(p["W1"], p["W1"][:, :1]) and hist["accuracy"].iloc[-1] <= 0.75
    # a network whose output is monotone in x1 + x2 cannot beat 3/4 * H(2/3) on XOR
    assert hist["loss"].min() > 0.75 * -(2 / 3 * np.log(2 / 3) + 1 / 3 * np.log(1 / 3)) - 1e-9


# ----------------------------------------------------------------------------- cheat resistance
class _AlwaysEqual(np.ndarray):
    def __eq__(self, other):
        return np.ones(np.shape(self), dtype=bool)


def test_array_lookalikes_are_rejected(sol):
    def sneaky_linear_forward(A, W, b):
        Z, cache = sol["linear_forward"](A, W, b)
        return np.zeros_like(Z).view(_AlwaysEqual), cache

    with pytest.raises(core.CheckFailure, match="subclass"):
        checks.linear_forward(sneaky_linear_forward)

    def mutating_update(parameters, grads, learning_rate):
        return sol["update_parameters"](parameters, grads, learning_rate)

    checks.update_parameters(mutating_update)      # in-place or not, a correct update passes


def test_a_train_that_only_uses_the_first_batch_is_caught(sol):
    def lazy_train(X, Y, parameters, learning_rate=0.1, epochs=100, batch_size=None,
                   hidden_activation="relu", seed=0, progress_bar=False):
        size = X.shape[0] if batch_size is None else batch_size
        k = -(-X.shape[0] // size)
        params, hist = sol["train"](X[:size], Y[:size], parameters, learning_rate, epochs * k,
                                    None, hidden_activation, seed)
        return params, hist.iloc[: epochs + 1]

    with pytest.raises(core.CheckFailure, match="exactly once"):
        checks.train_mini_batch(lazy_train)


# ----------------------------------------------------------------------------- one mistake, one deduction
def test_batches_of_the_reference_train_are_read_back(sol):
    """The one-hot problem reveals exactly the mini-batches of rng.permutation(m), epoch by epoch."""
    m, k = checks._ONEHOT_M, checks._ONEHOT_K
    first, second = checks._onehot_batches(sol["train"], 7, "train")
    rng = np.random.default_rng(7)
    for got in (first, second):
        order = rng.permutation(m)
        assert got == [sorted(order[i:i + k].tolist()) for i in range(0, m, k)]


def test_a_train_sampling_with_replacement_is_named(sol):
    def with_replacement(X, Y, parameters, learning_rate=0.1, epochs=100, batch_size=None,
                         hidden_activation="relu", seed=0, progress_bar=False):
        rng = np.random.default_rng(seed)
        p = {key: v.copy() for key, v in parameters.items()}
        size = X.shape[0] if batch_size is None else batch_size
        for _ in range(epochs):
            order = rng.integers(0, X.shape[0], size=X.shape[0])
            for first in range(0, X.shape[0], size):
                idx = order[first:first + size]
                AL, caches = sol["model_forward"](X[idx], p, hidden_activation)
                p = sol["update_parameters"](p, sol["model_backward"](AL, Y[idx], caches, hidden_activation),
                                             learning_rate)
        _, hist = sol["train"](X, Y, parameters, learning_rate, epochs, batch_size, hidden_activation, seed)
        return p, hist

    with pytest.raises(core.CheckFailure, match="exactly once"):
        checks._mini_batch_order(with_replacement, checks._REF)


def _namespace_with(**replacements):
    ns = harness.solution_namespace(LAB)
    ns.update(replacements)
    return ns


def test_composites_pass_on_a_wrong_building_block_but_not_with_a_wrong_loop():
    ns = _namespace_with()
    good_lf = ns["linear_forward"]
    ns["linear_forward"] = lambda A, W, b: (A @ W, (A, W, b))          # the bias forgotten
    with pytest.raises(core.CheckFailure):
        checks.model_forward(ns["model_forward"])                         # alone: wrong values
    checks.model_forward(ns["model_forward"], ns["linear_forward"], ns["activation_forward"])
    checks.predict(ns["predict"], ns["model_forward"])

    def wrong_loop(X, parameters, hidden_activation="relu"):
        AL, caches = ns["model_forward"](X, parameters, hidden_activation)
        return AL * 0.5, caches
    with pytest.raises(core.CheckFailure):
        checks.model_forward(wrong_loop, ns["linear_forward"], ns["activation_forward"])
    ns["linear_forward"] = good_lf


def test_train_is_judged_on_its_own_loop_when_a_building_block_is_wrong():
    ns = _namespace_with()
    good_update = ns["update_parameters"]

    def update_ignoring_lr(parameters, grads, learning_rate):
        return good_update(parameters, grads, 0.1)
    ns["update_parameters"] = update_ignoring_lr
    parts = [ns[n] for n in ("model_forward", "model_backward", "update_parameters", "binary_cross_entropy")]
    with pytest.raises(core.CheckFailure):
        checks.train_full_batch(ns["train"])                  # without its building blocks: wrong values
    checks.train_full_batch(ns["train"], *parts)
    checks.train_mini_batch(ns["train"], *parts)


def test_train_is_judged_with_the_reference_blocks_when_its_own_raise():
    """Every run of train raises inside a block (here a loss right only for m = 1): the loop is judged with the
    reference blocks lent by name into train's globals for that check (a right loop passes: the block pays in its
    own cell only; a wrong loop fails, saying so), and the student's blocks are back afterwards."""
    ns = _namespace_with()

    def bce_without_mean(AL, Y, eps=1e-12):           # .item() of the (m, 1) losses: right for m = 1 only
        A = np.clip(AL, eps, 1.0 - eps)
        return -(Y * np.log(A) + (1.0 - Y) * np.log(1.0 - A)).item()
    ns["binary_cross_entropy"] = bce_without_mean
    own = {n: ns[n] for n in ("model_forward", "model_backward", "update_parameters", "binary_cross_entropy")}
    parts = list(own.values())
    checks.train_mini_batch(ns["train"], *parts)
    checks.train_full_batch(ns["train"], *parts)
    assert all(ns[n] is f for n, f in own.items())
    exec("def train_ignoring_lr(X, Y, parameters, learning_rate=0.1, **kwargs):\n"     # a loop calling the blocks
         "    return train(X, Y, parameters, 0.1, **kwargs)\n", ns)                     # by name, as train does
    for check in (checks.train_full_batch, checks.train_mini_batch):
        with pytest.raises(core.CheckFailure) as failure:
            check(ns["train_ignoring_lr"], *parts)
        assert "judged with the reference building blocks in place of your own" in str(failure.value), \
            str(failure.value)
        assert "raised ValueError" in str(failure.value)
    assert all(ns[n] is f for n, f in own.items())


def test_float32_building_blocks_pass(sol):
    ns = _namespace_with()
    ns["linear_forward"] = lambda A, W, b: (A.astype(np.float32) @ W.astype(np.float32) + b.astype(np.float32),
                                            (A, W, b))
    checks.linear_forward(ns["linear_forward"])
    checks.model_forward(ns["model_forward"], ns["linear_forward"], ns["activation_forward"])
    parts = [ns[n] for n in ("model_forward", "model_backward", "update_parameters", "binary_cross_entropy")]
    checks.train_full_batch(ns["train"], *parts)
    checks.train_mini_batch(ns["train"], *parts)


# ----------------------------------------------------------------------------- harness + zoo
def _pick(items, names):
    chosen = [p for p in items if p.name in names]
    assert len(chosen) == len(names)
    return chosen


def test_selected_mutants_are_caught_and_named():
    module = zoo.load(LAB)
    assert len(module.MUTANTS) >= 40 and len(module.VARIANTS) >= 10
    for patch in _pick(module.MUTANTS, ["dA_prev computed with W instead of W.T",
                                        "last, smaller mini-batch dropped"]):
        out = harness.grade_direct(LAB, (patch,), label=patch.name)
        assert out.score < out.max_score
        assert any(e.lower() in m.lower() for m in out.messages() for e in patch.expect), out.messages()


def test_solution_and_a_variant_get_full_marks():
    module = zoo.load(LAB)
    for patches in [(), tuple(_pick(module.VARIANTS, ["out-of-place parameter update (a new dict)"]))]:
        out = harness.grade_direct(LAB, patches)
        assert out.score == out.max_score == 23, out.messages()


# ----------------------------------------------------------------------------- issue 15: properties and diagnoses
def test_bce_right_only_for_one_sample_is_named():
    def targets_reversed(AL, Y):          # no catalogued diagnosis; right when m = 1 only
        Y = Y[::-1]
        return float(-np.mean(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)))

    with pytest.raises(core.CheckFailure, match="passed for a batch of one sample") as info:
        checks.binary_cross_entropy(targets_reversed)
    assert info.value.diagnosis == "right-only-for-one-sample"


def test_model_backward_names_a_factor_on_every_gradient(sol):
    def scaled(AL, Y, caches, hidden_activation="relu"):
        return {k: 3.0 * v for k, v in sol["model_backward"](AL, Y, caches, hidden_activation).items()}

    with pytest.raises(core.CheckFailure, match="every gradient is 3 times") as info:
        checks.model_backward(scaled, sol["linear_backward"], sol["activation_backward"], sol["binary_cross_entropy"])
    assert info.value.diagnosis == "grads-scaled"


def test_update_names_a_layer_index_off_by_one():
    def next_layer(parameters, grads, learning_rate):          # dW2 has another shape than W1
        for l in range(1, len(parameters) // 2 + 1):
            parameters[f"W{l}"] -= learning_rate * grads[f"dW{l + 1}"]
        return parameters

    def layer_zero(parameters, grads, learning_rate):          # grads has no 'dW0'
        for l in range(len(parameters) // 2):
            parameters[f"W{l + 1}"] -= learning_rate * grads[f"dW{l}"]
        return parameters

    for wrong, diagnosis in ((next_layer, "update-wrong-gradient"), (layer_zero, "layer-index-off-by-one")):
        with pytest.raises(core.CheckFailure, match="off by one") as info:
            checks.update_parameters(wrong)
        assert info.value.diagnosis == diagnosis


def test_initialisation_reseeded_per_layer_is_named(sol):
    def reseeded(layer_dims, method="he", seed=0):
        p = {}
        for l in range(1, len(layer_dims)):
            one = sol["initialize_parameters"]([layer_dims[l - 1], layer_dims[l]], method, seed)
            p[f"W{l}"], p[f"b{l}"] = one["W1"], one["b1"]
        return p

    with pytest.raises(core.CheckFailure, match="re-created from the seed for every layer"):
        checks.initialize_parameters(reseeded)


def test_fourth_round_properties_are_named(sol):
    """Issue 15, fourth round: the layers left out of an update, a hidden layer's activation read from its own
    cache, the wrong term of the loss and of dZ, history seconds from a raw clock."""
    def skips_last(parameters, grads, learning_rate):
        for l in range(1, len(parameters) // 2):
            for p in "Wb":
                parameters[f"{p}{l}"] -= learning_rate * grads[f"d{p}{l}"]
        return parameters

    def sign_slip(AL, Y, eps=1e-12):
        A = np.clip(AL, eps, 1 - eps)
        return float(-np.mean(Y * np.log(A) - (1 - Y) * np.log(1 - A)))

    def precedence(dA, activation_cache, activation):
        if activation == "tanh":
            return dA * 1.0 - np.tanh(activation_cache) ** 2
        return sol["activation_backward"](dA, activation_cache, activation)

    def last_hidden_sigmoid(X, parameters, hidden_activation="relu"):
        L, A, caches = len(parameters) // 2, X, []
        for l in range(1, L + 1):
            Z, lin = sol["linear_forward"](A, parameters[f"W{l}"], parameters[f"b{l}"])
            A, Z = sol["activation_forward"](Z, hidden_activation if l < L - 1 else "sigmoid")
            caches.append((lin, Z))
        return A, caches

    for run, diagnosis, phrase in (
            (lambda: checks.update_parameters(skips_last), "layers-not-updated", "stops one early"),
            (lambda: checks.binary_cross_entropy(sign_slip), "bce-wrong-term", "wrong for y = 0"),
            (lambda: checks.activation_backward(precedence), "wrong-term", "computes `dA * 1 - tanh(Z) ** 2`"),
            (lambda: checks.model_forward(last_hidden_sigmoid, sol["linear_forward"], sol["activation_forward"]),
             "hidden-activation", "off by one")):
        with pytest.raises(core.CheckFailure, match=re.escape(phrase)) as info:
            run()
        assert info.value.diagnosis == diagnosis


def test_activation_backward_is_judged_with_the_documented_sigmoid_when_the_helper_is_wrong():
    """A sigmoid helper that raises (math.exp) is charged in activation_forward's cell only: activation_backward,
    which calls sigmoid by name, is judged with the documented one lent into its globals, and still fails on a
    mistake of its own."""
    import math
    ns = _namespace_with()
    ns["sigmoid"] = lambda Z: 1.0 / (1.0 + math.exp(-Z))
    own = ns["sigmoid"]
    with pytest.raises(core.CheckFailure, match="a function of the math module"):
        checks.activation_forward(ns["activation_forward"], ns["sigmoid"])
    checks.activation_backward(ns["activation_backward"], ns["sigmoid"])
    assert ns["sigmoid"] is own
    exec("def backward_tanh_wrong(dA, activation_cache, activation):\n"
         "    if activation == 'tanh':\n"
         "        return dA * (1.0 - np.tanh(activation_cache))\n"
         "    return activation_backward(dA, activation_cache, activation)\n", ns)
    with pytest.raises(core.CheckFailure, match="judged with the documented sigmoid"):
        checks.activation_backward(ns["backward_tanh_wrong"], ns["sigmoid"])
    assert ns["sigmoid"] is own


def test_round_15_wrong_causes_are_not_told(sol):
    """An activation applied to X before the loop is named (not 'W1 unused'); a swapped (history, parameters) pair
    is named from the results' types."""
    def model_forward_on_gx(X, parameters, hidden_activation="relu"):
        return sol["model_forward"](np.maximum(X, 0), parameters, hidden_activation)

    with pytest.raises(core.CheckFailure, match=r"AL is the network's output on relu\(X\)") as info:
        checks.model_forward(model_forward_on_gx)
    assert info.value.diagnosis == "activation-on-input"

    def swapped_train(*args, **kwargs):
        parameters, history = sol["train"](*args, **kwargs)
        return history, parameters

    with pytest.raises(core.CheckFailure, match=r"returned \(history, parameters\)") as info:
        checks.train_full_batch(swapped_train)
    assert info.value.diagnosis == "return-order"


def test_round_15b_second_inputs_separate_the_causes(sol):
    """A loop bound of len(parameters) is told only when a 1-layer network updates right; keys added to the
    parameters dict are named in model_forward's cell; gradients filed under reversed layer numbers are named."""
    def bound_counts_arrays(parameters, grads, learning_rate):
        for l in range(1, len(parameters)):
            parameters[f"W{l}"] -= learning_rate * grads[f"dW{l}"]
            parameters[f"b{l}"] -= learning_rate * grads[f"db{l}"]
        return parameters

    with pytest.raises(core.CheckFailure, match=r"len\(parameters\) // 2") as info:
        checks.update_parameters(bound_counts_arrays)
    assert info.value.diagnosis == "loop-bound-counts-arrays"

    def one_past(parameters, grads, learning_rate):                 # off by one on every network: not that reading
        for l in range(1, len(parameters) // 2 + 2):
            parameters[f"W{l}"] -= learning_rate * grads[f"dW{l}"]
            parameters[f"b{l}"] -= learning_rate * grads[f"db{l}"]
        return parameters

    with pytest.raises(core.CheckFailure) as info:
        checks.update_parameters(one_past)
    assert info.value.diagnosis != "loop-bound-counts-arrays"

    def keeps_activations(X, parameters, hidden_activation="relu"):
        AL, caches = sol["model_forward"](X, parameters, hidden_activation)
        parameters["AL"] = AL
        return AL, caches

    with pytest.raises(core.CheckFailure, match=r"added keys to parameters \('AL'\)") as info:
        checks.model_forward(keeps_activations)
    assert info.value.diagnosis == "mutated-input-keys-added"

    def reversed_numbering(AL, Y, caches, hidden_activation="relu"):
        grads = sol["model_backward"](AL, Y, caches, hidden_activation)
        L = len(caches)
        return {**grads, **{f"d{p}{k}": grads[f"d{p}{L + 1 - k}"] for k in range(1, L + 1) for p in "Wb"}}

    with pytest.raises(core.CheckFailure, match="layer numbering is reversed") as info:
        checks.model_backward(reversed_numbering)
    assert info.value.diagnosis == "layer-numbering-reversed"


def test_a_per_sample_function_that_reads_the_batch_is_named(sol):
    """Round 16: sample i's output depends on row i alone (asked after a wrong result, confirmed on the row alone)."""
    def standardised(X, parameters, hidden_activation="relu"):
        X = (X - X.mean(axis=0)) / (X.std(axis=0) + 1e-8)
        return sol["model_forward"](X, parameters, hidden_activation)

    with pytest.raises(core.CheckFailure, match="depends on the other rows of the batch") as info:
        checks.model_forward(standardised)
    assert info.value.diagnosis == "depends-on-other-rows"


def test_clipped_normal_draws_are_named(sol):
    def clipped(layer_dims, method="he", seed=0):
        params = sol["initialize_parameters"](layer_dims, method, seed=seed)
        return {k: (np.clip(v, -2 * v.std(), 2 * v.std()) if k.startswith("W") and v.std() > 0 else v)
                for k, v in params.items()}

    with pytest.raises(core.CheckFailure, match="clipped") as info:
        checks.initialize_parameters(clipped)
    assert info.value.diagnosis == "weights-clipped-draws"


def test_momentum_is_read_from_successive_steps_only_when_it_fits():
    """Round 19: train's full-batch steps fitted to -a lr g_t + beta delta_(t-1): plain gradient descent is not
    read (beta = 0), a velocity is (beta and a told)."""
    from autograder.checks import core
    from autograder.checks import lab04 as checks
    gen = np.random.default_rng(0)
    dims, hidden, lr = [2, 3, 1], "tanh", 0.3
    params = checks._random_params(gen, dims)
    X, Y = gen.standard_normal((8, 2)), (gen.random((8, 1)) > 0.5).astype(float)

    def trained(beta, a=1.0):
        def run(n):
            p, v = checks._copy_params(params), None
            for _ in range(n):
                AL, caches = checks._REF.forward(X, p, hidden)
                g = checks._REF.backward(AL, Y, caches, hidden)
                step = {k: -a * lr * g["d" + k] for k in p}
                v = step if v is None else {k: step[k] + beta * v[k] for k in p}
                p = {k: p[k] + v[k] for k in p}
            return p
        return run
    checks._step_carries_over(trained(0.0), checks._REF, X, Y, params, lr, hidden, "train")
    with pytest.raises(core.CheckFailure, match=r"momentum.*0\.9 \* \(the previous update\)"):
        checks._step_carries_over(trained(0.9), checks._REF, X, Y, params, lr, hidden, "train")
    with pytest.raises(core.CheckFailure, match=r"0\.5 \* learning_rate \* gradient"):
        checks._step_carries_over(trained(0.5, 0.5), checks._REF, X, Y, params, lr, hidden, "train")


def test_sigmoid_form_is_said_only_when_it_fits_other_numbers():
    def probe(z):
        return 2.0 * checks._sigmoid(2.0 * z - 1.0)
    with pytest.raises(core.CheckFailure, match=r"your A is 2 \* sigmoid\(2 \* Z - 1\)"):
        checks._name_sigmoid_form(probe, "tanh", np.float64, "t")
    checks._name_sigmoid_form(np.tanh, "tanh", np.float64, "t")            # the documented form: nothing said
    checks._name_sigmoid_form(lambda z: z ** 3, "tanh", np.float64, "t")   # no sigmoid form: nothing said


def test_std_readings_are_told_only_when_every_layer_fits():
    dims = [400, 300, 250]
    he = [np.sqrt(2.0 / 400), np.sqrt(2.0 / 300)]
    assert checks._every_layer_fits([s ** 2 for s in he], dims, lambda a, b: np.sqrt(2.0 / a) ** 2, False)
    assert checks._every_layer_fits([s ** 0.5 for s in he], dims, lambda a, b: np.sqrt(2.0 / a) ** 0.5, False)
    # a constant (the square root of 'random''s 0.01) cannot be confirmed by layers of other sizes
    assert not checks._every_layer_fits([0.1, 0.1], dims, lambda a, b: 0.01 ** 0.5, False)
    assert not checks._every_layer_fits([he[0] ** 0.5, 0.3], dims, lambda a, b: np.sqrt(2.0 / a) ** 0.5, False)


def test_round_22_weight_decay_and_the_unindexed_side_are_named(sol):
    """Round 22: a step with a term proportional to the parameter is named weight decay (not the plain update, not
    a returned step); a train that leaves X in its original order while Y is indexed names X, and the other way
    round names Y."""
    def decayed(parameters, grads, learning_rate):
        for key in parameters:
            parameters[key] -= learning_rate * (grads["d" + key] + 0.01 * parameters[key])
        return parameters

    with pytest.raises(core.CheckFailure, match="weight decay") as info:
        checks.update_parameters(decayed)
    assert info.value.diagnosis == "weight-decay"
    checks.update_parameters(sol["update_parameters"])

    def x_unindexed(X, Y, parameters, learning_rate=0.1, epochs=100, batch_size=None, hidden_activation="relu",
                    seed=0, progress_bar=False):
        m, parameters = X.shape[0], {k: v.copy() for k, v in parameters.items()}
        size, rng = m if batch_size is None else batch_size, np.random.default_rng(seed)
        for _ in range(epochs):
            order = rng.permutation(m)
            for first in range(0, m, size):
                idx = order[first:first + size]
                AL, caches = model_forward(X[first:first + size], parameters, hidden_activation)  # noqa: F821
                grads = model_backward(AL, Y[idx], caches, hidden_activation)  # noqa: F821
                parameters = update_parameters(parameters, grads, learning_rate)  # noqa: F821
        return parameters, None

    side = checks._unindexed_side(x_unindexed, 13, None)
    assert side is not None and "X is not indexed with the permutation" in side
    assert checks._unindexed_side(sol["train"], 13, None) is None
