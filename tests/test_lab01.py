"""Lab 01 (model.py and train_epoch): the hidden checks' properties, helpers and named diagnoses.

The checks run here in-process on the reference (no judge: ``core`` falls back to local calls),
and on small hand-written wrong classes that each break one property of the specification.
"""
from __future__ import annotations

import sys
import warnings

import numpy as np
import pytest
from zoo_asserts import assert_caught_and_named

from autograder import harness, zoo
from autograder.checks import cases, core
from autograder.checks import lab01 as checks

LAB = "lab01-regression"


@pytest.fixture(scope="module")
def ns():
    names = harness.solution_namespace(LAB)
    # The solution's model.py must not stay imported: the harness forks children that import the
    # (patched) model.py of their own scratch folder.
    sys.modules.pop("model", None)
    return names


# ------------------------------------------------------------------------ shared helpers

def test_signature_names_the_call_and_its_shapes():
    text = checks.signature("Linear.forward", ("x",), (np.zeros((5, 3), np.float32),))
    assert text == "Linear.forward(x of shape (5, 3) float32)"
    assert "batch_size = 4" in checks.signature("f", ("x", "batch_size"), (np.zeros(2), 4))


def test_call_wraps_a_shape_error_with_the_call_and_a_hint():
    def forward(x):
        return x @ np.ones((4, 2))

    with pytest.raises(core.CheckFailure) as info:
        checks.call(forward, np.zeros((5, 3)), label="Linear.forward", names=("x",))
    text = str(info.value)
    assert text.startswith("Linear.forward(x of shape (5, 3) float64) raised ValueError")
    assert "shape mismatch" in text and info.value.diagnosis == "raised-valueerror"


def test_run_cases_prefers_a_named_mistake_and_names_special_shapes():
    def generic():
        core.fail("wrong values", "wrong-values")

    def named():
        core.fail("db is averaged", "db-averaged")

    with pytest.raises(core.CheckFailure, match="db is averaged"):
        checks.run_cases([(None, generic), (None, named)])
    with pytest.raises(core.CheckFailure, match="passed for in == out") as info:
        checks.run_cases([("in == out", lambda: None), (None, generic)])
    assert info.value.diagnosis == "right-only-for-special-shapes"
    checks.run_cases([("in == out", lambda: None), (None, lambda: None)])


def test_tolerance_follows_the_least_precise_dtype_and_the_magnitude():
    t64 = cases.tolerance(np.float64, scale=1000.0)
    t32 = cases.tolerance(np.float64, np.float32, scale=1000.0)
    assert t64["rtol"] == 1e-6
    assert t32["rtol"] > 1e-3 > cases.tolerance(np.float32)["rtol"]


# ------------------------------------------------------------------------ checks on the reference

@pytest.mark.parametrize("check, name", [("linear_forward", "Linear"), ("linear_backward", "Linear"),
                                         ("relu", "ReLU"), ("sigmoid", "Sigmoid"), ("mse_loss", "MSELoss"),
                                         ("sgd", "SGD"), ("sequential", "Sequential"),
                                         ("train_epoch", "train_epoch")])
def test_checks_accept_the_reference_silently(ns, check, name):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        getattr(checks, check)(ns[name])


def test_solution_full_marks():
    out = harness.grade_direct(LAB)
    assert out.max_score == 17 and out.score == out.max_score, out.messages()


# ------------------------------------------------------------------------ properties, one by one

def test_linear_backward_is_judged_on_the_documented_cache(ns):
    """A wrong forward output (bias missing) must not cost the backward cell."""
    class NoBias(ns["Linear"]):
        def forward(self, x):
            self.x = x
            return x @ self.W.data

    checks.linear_backward(NoBias)
    with pytest.raises(core.CheckFailure, match="bias b is missing"):
        checks.linear_forward(NoBias)


def test_linear_transposed_forward_is_named(ns):
    class Transposed(ns["Linear"]):
        def forward(self, x):
            self.x = x
            return x @ self.W.data.T + self.b.data

    with pytest.raises(core.CheckFailure, match="W is used transposed"):
        checks.linear_forward(Transposed)


def test_sgd_that_rebinds_is_named(ns):
    class Rebinding(ns["SGD"]):
        def step(self):
            for p in self.params:
                p = p.data - self.lr * p.grad

    with pytest.raises(core.CheckFailure, match="did not change after SGD.step") as info:
        checks.sgd(Rebinding)
    assert info.value.diagnosis == "sgd-step-no-change"


def test_mse_averaged_over_n_is_told_apart_from_n_times_d(ns):
    class OverN(ns["MSELoss"]):
        def backward(self):
            return 2.0 * self.diff / len(self.diff)

    with pytest.raises(core.CheckFailure, match="divided by N, but the loss averages over all N\\*D"):
        checks.mse_loss(OverN)


def test_an_inconsistent_loss_pair_is_named(ns):
    class AbsBackward(ns["MSELoss"]):
        def backward(self):
            return np.sign(self.diff) / self.diff.size

    with pytest.raises(core.CheckFailure, match="not the derivative of your MSELoss.forward") as info:
        checks.mse_loss(AbsBackward)
    assert info.value.diagnosis == "backward-not-derivative-of-forward"


def _train_epoch(shuffle):
    def train_epoch(model, loss_fn, optimizer, x, y, batch_size, rng):
        n = len(x)
        order, y_order = shuffle(rng, n)
        total = 0.0
        for start in range(0, n, batch_size):
            idx, idy = order[start:start + batch_size], y_order[start:start + batch_size]
            optimizer.zero_grad()
            loss = loss_fn.forward(model.forward(x[idx]), y[idy])
            model.backward(loss_fn.backward())
            optimizer.step()
            total += loss * len(idx)
        return total / n
    return train_epoch


def test_train_epoch_properties():
    def right(rng, n):
        p = rng.permutation(n)
        return p, p

    checks.train_epoch(_train_epoch(right))
    cases = [
        (lambda rng, n: (rng.permutation(n), rng.permutation(n)), "not those of the sampled rows"),
        (lambda rng, n: (np.random.default_rng(0).permutation(n),) * 2, "does not depend on the rng"),
        (lambda rng, n: (np.arange(n),) * 2, "shuffled every epoch"),
    ]
    for shuffle, phrase in cases:
        with pytest.raises(core.CheckFailure, match=phrase):
            checks.train_epoch(_train_epoch(shuffle))


# ------------------------------------------------------------------------ the zoo

def test_zoo_size_and_sources():
    module = zoo.load(LAB)
    assert len(module.MUTANTS) >= 40 and len(module.VARIANTS) >= 10
    names = {m.name for m in module.MUTANTS}
    for required in ("SGD step rebinds the loop variable", "MSE gradient divided by N instead of N*D",
                     "x and y shuffled with different permutations", "sigmoid derivative applied to sigmoid of the output"):
        assert required in names


@pytest.mark.parametrize("name", ["SGD step updates a local copy (parameters unchanged)",
                                  "bias gradient summed over the feature axis",
                                  "MSE backward of another loss (the absolute error)"])
def test_issue_mutants_are_caught_by_name(name):
    mutant = next(m for m in zoo.load(LAB).MUTANTS if m.name == name)
    out = harness.grade_direct(LAB, (mutant,), label=name)
    assert out.score < out.max_score
    assert any(e.lower() in m.lower() for m in out.messages() for e in mutant.expect), out.messages()


def test_float32_sigmoid_on_float64_input_is_named():
    # Round 13: an elementwise layer keeps float64 as Linear and MSELoss do (the lab's float64 gradient
    # check); a Sigmoid computed in float32 was a variant before, it is a catalogued mistake now.
    mutant = next(m for m in zoo.load(LAB).MUTANTS if m.name.startswith("M13 Sigmoid computed in float32"))
    out = harness.grade_direct(LAB, (mutant,), label=mutant.name)
    assert out.score < out.max_score
    assert any("returned dtype float32 for a float64 x" in m for m in out.messages()), out.messages()


# ---------------------------------------------------------------------------- second held-out round (issue 15)

def test_zero_grad_between_backward_and_step_is_named():
    def train_epoch(model, loss_fn, optimizer, x, y, batch_size, rng):
        n, order, total = len(x), rng.permutation(len(x)), 0.0
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            loss = loss_fn.forward(model.forward(x[idx]), y[idx])
            model.backward(loss_fn.backward())
            optimizer.zero_grad()
            optimizer.step()
            total += loss * len(idx)
        return total / n

    with pytest.raises(core.CheckFailure, match="zero_grad\\(\\) was called between"):
        checks.train_epoch(train_epoch)


def test_sequential_backward_reversing_the_layer_list_is_named(ns):
    class Reversing(ns["Sequential"]):
        def backward(self, grad_out):
            self.layers.reverse()
            for layer in self.layers:
                grad_out = layer.backward(grad_out)
            return grad_out

    with pytest.raises(core.CheckFailure, match="reverses the list in place"):
        checks.sequential(Reversing)


# ------------------------------------------------------------------------ round 13: held-out properties

def test_relu_backward_must_be_linear_in_grad_out(ns):
    """A mask built from grad_out as well as x: named by the -grad_out probe, not as a wrong branch."""
    class SignMask(ns["ReLU"]):
        def backward(self, grad_out):
            return grad_out * (self.mask & (grad_out > 0))

    with pytest.raises(core.CheckFailure, match="is not linear in grad_out") as info:
        checks.relu(SignMask)
    assert info.value.diagnosis == "activation-backward-not-linear"


def test_linear_backward_keeps_no_state_between_calls(ns):
    """A batch size stored on the first backward: caught by a second round with another batch size."""
    class FirstN(ns["Linear"]):
        def backward(self, grad_out):
            self.n = getattr(self, "n", len(grad_out))
            self.W.grad += self.x.T @ grad_out
            self.b.grad += grad_out.mean(axis=0, keepdims=True) * self.n
            return grad_out @ self.W.data.T

    with pytest.raises(core.CheckFailure, match="after the second round b.grad is wrong") as info:
        checks.linear_backward(FirstN)
    assert info.value.diagnosis == "linear-backward-state-kept"


def test_linear_forward_cache_keeps_the_dtype(ns):
    class Float32Cache(ns["Linear"]):
        def forward(self, x):
            self.x = x.astype(np.float32)
            return x @ self.W.data + self.b.data

    with pytest.raises(core.CheckFailure, match="converted to float32") as info:
        checks.linear_forward(Float32Cache)
    assert info.value.diagnosis == "linear-cache-downcast"


def test_sgd_transposed_gradient_and_array_methods_are_named(ns):
    class Transposed(ns["SGD"]):
        def step(self):
            for p in self.params:
                p.data -= self.lr * p.grad.T

    class TorchHabit(ns["SGD"]):
        def zero_grad(self):
            for p in self.params:
                p.grad.zero_()

    with pytest.raises(core.CheckFailure, match="moves p.data by -lr \\* p.grad.T") as info:
        checks.sgd(Transposed)
    assert info.value.diagnosis == "sgd-step-transposed-gradient"
    with pytest.raises(core.CheckFailure, match="has no method zero_\\(\\)") as info:
        checks.sgd(TorchHabit)
    assert info.value.diagnosis == "numpy-array-has-no-method"


# ---------------------------------------------------------------------------- round 13, independent measurement

def test_slices_starting_at_start_times_batch_size_are_named():
    order = np.random.default_rng(0).permutation(23)
    batches = [order[s * 2:(s + 1) * 2] if s * 2 < 23 else order[0:0] for s in range(0, 23, 2)]
    said = cases.explain_slices(batches, 23, 2, order)
    assert said is not None and "multiplied twice" in said
    ends = [order[0:5]] + [order[0:0]] * 4           # ambiguous at batch_size 5: said as before
    assert "every slice after the first is empty" in cases.explain_slices(ends, 23, 5, order)


def test_comprehension_clauses_in_the_wrong_order_are_named():
    # the kernel quotes the raising line (core.raised_at); the name is bound by a LATER for clause
    text = ("Sequential.parameters() raised NameError: name 'layer' is not defined (raised at "
            "`return [p for p in layer.parameters() for layer in self.layers]` in parameters)")
    said = cases._comprehension_order(text)
    assert said is not None and said[1] == "comprehension-clause-order" and "left to right" in said[0]
    other = "f() raised NameError: name 'layer' is not defined (raised at `return layer.forward(x)` in f)"
    assert cases._comprehension_order(other) is None


def test_relu_and_sigmoid_keep_float64():
    class ReLU32:
        def forward(self, x):
            self.mask = x > 0
            return (x * self.mask).astype(np.float32)

        def backward(self, grad_out):
            return grad_out * self.mask

    with pytest.raises(core.CheckFailure, match="returned dtype float32 for a float64 x"):
        checks.relu(ReLU32)


def test_loss_backward_before_forward_is_not_blamed_on_zero_grad():
    """Round 15: step saw zero gradients because loss_fn.backward() ran before loss_fn.forward (no
    gradient yet); zero_grad sits before backward, so the call order is named, not zero_grad."""
    def train_epoch(model, loss_fn, optimizer, x, y, batch_size, rng):
        n, order, total = len(x), rng.permutation(len(x)), 0.0
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            optimizer.zero_grad()
            pred = model.forward(x[idx])
            model.backward(loss_fn.backward())
            loss = loss_fn.forward(pred, y[idx])
            optimizer.step()
            total += loss * len(idx)
        return total / n

    with pytest.raises(core.CheckFailure) as info:
        checks.train_epoch(train_epoch)
    assert info.value.diagnosis == "loss-backward-before-forward"


def test_sgd_step_divided_by_lr_is_named(ns):
    class Divided(ns["SGD"]):
        def step(self):
            for p in self.params:
                p.data -= p.grad / self.lr

    with pytest.raises(core.CheckFailure, match="DIVIDED by the learning rate") as info:
        checks.sgd(Divided)
    assert info.value.diagnosis == "sgd-step-lr-power"


def test_zero_grad_replacing_the_parameters_is_named(ns):
    Parameter = ns["Parameter"]

    class Rebuilding(ns["SGD"]):
        def zero_grad(self):
            self.params = [Parameter(p.data) for p in self.params]

    with pytest.raises(core.CheckFailure) as info:
        checks.sgd(Rebuilding)
    assert info.value.diagnosis == "zero-grad-replaces-parameters"


# ---------------------------------------------------------------------------- round 15b, independent measurement

@pytest.mark.parametrize("name", [
    "R15b MSE backward scale 2/size cached on the first call only (stale for other batch sizes)",
    "R15b zero_grad gives every same-shaped parameter one shared zeros array",
    "R15b Sequential.forward casts the input to float32",
    "R15b train_epoch pads the last batch with zero rows (fixed batch shape)",
    "R15b SGD step clips each gradient to norm 5",
])
def test_round15b_findings_are_named(name):
    assert_caught_and_named(LAB, name)


def test_state_kept_from_a_layers_first_call_is_named(ns):
    """Round 16: one instance, forward called again (W changed in place, then rebound; another batch size)."""
    class StaleCopy(ns["Linear"]):
        def forward(self, x):
            self.x = x
            if getattr(self, "_Wt", None) is None:
                self._Wt = np.ascontiguousarray(self.W.data.T)
            return x @ self._Wt.T + self.b.data

    with pytest.raises(core.CheckFailure) as info:
        checks.linear_forward(StaleCopy)
    assert info.value.diagnosis == "forward-stale-parameter-copy"

    class Buffered(ns["ReLU"]):
        def forward(self, x):
            self.mask = x > 0
            if getattr(self, "buf", None) is None:
                self.buf = np.empty_like(x)
            np.maximum(x, 0, out=self.buf)
            return self.buf

    with pytest.raises(core.CheckFailure, match="changed the array that call 1 returned") as info:
        checks.relu(Buffered)
    assert info.value.diagnosis == "forward-reuses-output-buffer"


def test_sgd_momentum_is_read_from_the_previous_step(ns):
    class Momentum(ns["SGD"]):
        def step(self):
            if not hasattr(self, "v"):
                self.v = [np.zeros_like(p.data) for p in self.params]
            for p, v in zip(self.params, self.v):
                v *= 0.9
                v += p.grad
                p.data -= self.lr * v

    with pytest.raises(core.CheckFailure, match="PLUS 0.9 times the step") as info:
        checks.sgd(Momentum)
    assert info.value.diagnosis == "sgd-step-momentum"


def test_batch_shapes_in_train_epoch_are_read():
    x = np.arange(12.0).reshape(4, 3)
    with pytest.raises(core.CheckFailure, match="FLATTENED x"):
        checks._batch_shape([x.ravel()[[2, 0]].reshape(2, 1)], x, "x", "model.forward", "train_epoch")
    with pytest.raises(core.CheckFailure, match="only column 0"):
        checks._batch_shape([x[[3, 1], :1]], x, "x", "model.forward", "train_epoch")
    checks._batch_shape([x[[3, 1]]], x, "x", "model.forward", "train_epoch")       # whole rows: silent
    y = np.arange(8.0).reshape(4, 2)
    with pytest.raises(core.CheckFailure, match="column 0 of y\\[idx\\] only"):
        checks._target_columns(y[[2, 0], 0], y[[2, 0]])


@pytest.mark.parametrize("name", [
    "R16 ReLU forward writes into a buffer preallocated on the first call (np.maximum out=)",
    "R16 train_epoch targets y[idx, 0] (first output column only)",
])
def test_round16_findings_are_named(name):
    assert_caught_and_named(LAB, name)


@pytest.mark.parametrize("name", [
    "R16b SGD step applies the previous call's gradients (one step late)",
    "R16b SGD step writes p - lr * g into the gradient (np.add out=p.grad)",
    "R16b MSE forward is the mean cubed error (backward still 2 diff / size)",
])
def test_round16b_readings_are_named(name):
    assert_caught_and_named(LAB, name)


@pytest.mark.parametrize("name", [
    "R18a-01 SGD step reads self.lr once on its first call (later changes to optimizer.lr ignored)",
    "R18a-12 ReLU forward returns x untouched when every entry is positive (mask not refreshed)",
    "R18a-15 Linear backward keeps its own running dW total on the layer (zero_grad cannot reset it)",
])
def test_round18_state_between_calls_is_named(name):
    assert_caught_and_named(LAB, name)
