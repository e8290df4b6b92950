"""Lab 08 (optimisation and generalisation): checks, oracles, zoo, notebook facts, a full run.

Fast tests use the direct harness and the reference solution's namespace. The slow ones execute the
solution notebook top to bottom at the students' budget (the setting `make figures` and CI use) and
check what the lab teaches in that run; the numbers its model answers quote are checked against the
same run by their result markers (autograder/quotes.py, tests/test_report.py).
"""
from __future__ import annotations

import json
import math
import re
import types

import numpy as np
import pytest
from zoo_asserts import assert_caught_and_named

from autograder import harness, notebooks, zoo
from autograder.checks import core
from autograder.checks import lab08 as checks

LAB = "lab08-optimisation"


def _params(data, decay=None):
    decay = decay or [True] * len(data)
    return [types.SimpleNamespace(data=d.copy(), grad=np.zeros_like(d), decay=f) for d, f in zip(data, decay)]


def _run(opt, params, grads):
    out = []
    for step in grads:
        for p, g in zip(params, step):
            p.grad = g.copy()
        opt.step()
        out.append([p.data.copy() for p in params])
    return out


def _close(a, b, tol=1e-10):
    return all(np.allclose(x, y, rtol=tol, atol=tol) for xs, ys in zip(a, b) for x, y in zip(xs, ys))


# ---------------------------------------------------------------------------- grading

def test_solution_full_marks():
    out = harness.grade_direct(LAB)
    assert out.max_score == 22 and out.score == out.max_score, out.messages()


@pytest.mark.parametrize("name", [
    "Adam without bias correction",
    "Adam step counter starting at 0 (incremented after use)",
    "Adam second moment without the square",
    "dropout active in evaluation mode",
    "batch norm uses batch statistics in evaluation",
    "batch norm backward without the mean and variance terms",
    "batch norm updates the running statistics in evaluation",
    "SGD weight decay applied to biases too",
    "momentum with the wrong sign (v -= g)",
    "step decay off by one epoch",
    # issue 15's held-out probe: optimiser state, in-place updates, a NaN that hid the real mistake
    "SGD velocity rebound to a new local array (never stored)",
    "Adam m and v are the same list (self.m = self.v = [...])",
    "Nesterov look-ahead with the raw gradient (weight decay left out)",
    "batch norm backward with N read from the feature axis",
    # the third held-out round: state arrays not per parameter, a ramp described, lr inside the velocity
    "SGD velocity list built by list multiplication (one array shared)",
    "warm-up reaches lr0 one epoch late (epoch / (warmup_epochs - 1))",
    "SGD lr folded into the velocity (v = mu v + lr g; theta -= v)",
    "early stopping min_delta as a relative threshold",
    "dropout returns the unscaled keep mask (scaling only in out)",
])
def test_checks_reject_and_name_mutants(name):
    assert_caught_and_named(LAB, name)


def test_zoo_size_and_the_issue_s_mutants():
    module = zoo.load(LAB)
    # (sizes: tests/test_mutants.py)
    names = " | ".join(m.name.lower() for m in module.MUTANTS)
    for wanted in ("without bias correction", "step counter starting at 0", "second moment without the square",
                   "not rescaled", "active in evaluation", "batch statistics in evaluation",
                   "without the mean and variance terms", "running statistics in evaluation",
                   "weight decay applied to biases", "momentum with the wrong sign", "off by one epoch"):
        assert wanted in names, wanted


def test_state_lost_between_steps_is_named_whatever_the_optimiser():
    """An optimiser right at step 1 and wrong later is told that its state is not kept between steps
    (the fallback when no catalogued diagnosis matches)."""
    class Forgetful:            # RMSProp with a running average that restarts every other step
        def __init__(self, params, lr, alpha=0.99, eps=1e-8):
            self.params, self.lr, self.alpha, self.eps, self.calls = list(params), lr, alpha, eps, 0
            self.s = [np.zeros_like(p.data) for p in self.params]

        def step(self):
            self.calls += 1
            for i, p in enumerate(self.params):
                if self.calls % 3 == 0:
                    self.s[i] = np.zeros_like(p.data)
                self.s[i] = self.alpha * self.s[i] + (1 - self.alpha) * p.grad * p.grad
                p.data -= self.lr * p.grad / (np.sqrt(self.s[i]) + self.eps)

    with pytest.raises(core.CheckFailure, match="kept between steps|between calls") as info:
        checks.rmsprop(Forgetful)
    # step 3 restarts the average: it is exactly a new optimiser's first step, which is confirmed and said
    assert info.value.diagnosis == "state-not-kept"


def test_optimiser_checks_hand_students_kernel_objects_only(ns, monkeypatch):
    """Parameters given to student optimisers are created with core.kernel_object (the judge's rule)."""
    made = []

    def kernel_object(**attrs):
        obj = types.SimpleNamespace(**attrs)
        made.append(obj)
        return obj

    monkeypatch.setattr(core, "kernel_object", kernel_object)
    seen = []

    def spy(cls):
        def make(params, *args, **kwargs):
            seen.extend(params)
            return cls(params, *args, **kwargs)
        return make

    checks.zero_grad(spy(ns["Optimizer"]))
    checks.sgd_momentum(spy(ns["SGD"]))
    checks.sgd_nesterov(spy(ns["SGD"]))
    checks.sgd_weight_decay(spy(ns["SGD"]))
    checks.rmsprop(spy(ns["RMSProp"]))
    checks.adam(spy(ns["Adam"]))
    checks.adamw(spy(ns["AdamW"]), spy(ns["Adam"]))
    assert seen and all(any(p is m for m in made) for p in seen)


# ---------------------------------------------------------------------------- oracles

def test_optimiser_oracles_agree_with_the_reference(ns):
    r = np.random.default_rng(0)
    shapes, decay = checks.SHAPES, checks.DECAY
    data = [r.normal(size=s) for s in shapes]
    grads = [[r.normal(size=s) for s in shapes] for _ in range(5)]
    SGD, RMSProp, Adam, AdamW = ns["SGD"], ns["RMSProp"], ns["Adam"], ns["AdamW"]
    cases = [
        (lambda ps: SGD(ps, 0.1, momentum=0.8), checks._sgd(data, grads, decay, 0.1, 0.8)),
        (lambda ps: SGD(ps, 0.1, momentum=0.8, nesterov=True), checks._sgd(data, grads, decay, 0.1, 0.8, True)),
        (lambda ps: SGD(ps, 0.1, momentum=0.5, weight_decay=0.2),
         checks._sgd(data, grads, decay, 0.1, 0.5, weight_decay=0.2)),
        (lambda ps: RMSProp(ps, 0.01, alpha=0.9, eps=1e-6), checks._rmsprop(data, grads, 0.01, 0.9, 1e-6)),
        (lambda ps: Adam(ps, 0.01, 0.8, 0.95, 1e-7, weight_decay=0.1),
         checks._adam(data, grads, decay, 0.01, 0.8, 0.95, 1e-7, 0.1)),
        (lambda ps: AdamW(ps, 0.01, 0.8, 0.95, 1e-7, weight_decay=0.1),
         checks._adam(data, grads, decay, 0.01, 0.8, 0.95, 1e-7, 0.1, decoupled=True)),
    ]
    for make, expected in cases:
        params = _params(data, decay)
        assert _close(_run(make(params), params, grads), expected)


def test_adam_oracle_first_step_and_steady_state():
    """Adam's defining facts: the first step moves every coordinate by lr; the bias correction is exact."""
    r = np.random.default_rng(1)
    data, g = [r.normal(size=(3, 4))], r.normal(size=(3, 4))
    first = checks._adam(data, [[g]], [True], lr=0.01)[0][0]
    assert np.allclose(data[0] - first, 0.01 * np.sign(g), rtol=1e-6)
    # A constant gradient: the corrected m_hat is exactly g at every step, so every step is lr * g/(|g| + eps).
    many = checks._adam(data, [[g]] * 6, [True], lr=0.01)
    steps = np.diff([data[0]] + [s[0] for s in many], axis=0)
    assert np.allclose(steps, -0.01 * np.sign(g), rtol=1e-6)
    uncorrected = checks._adam(data, [[g]], [True], lr=0.01, correct_m=False, correct_v=False)[0][0]
    assert np.allclose(data[0] - uncorrected, 0.01 * 0.1 / math.sqrt(0.001) * np.sign(g), rtol=1e-3)


def test_a_step_is_decomposed_on_the_rule_s_terms():
    r = np.random.default_rng(3)
    g = [[r.normal(size=(3, 2))] for _ in range(3)]
    v = [[r.normal(size=(3, 2))] for _ in range(3)]
    before = [[r.normal(size=(3, 2))] for _ in range(3)]
    terms = lambda k, i, theta: {"lr * g": 0.1 * g[k][i], "lr * mu * v": 0.1 * 0.5 * v[k][i]}
    flipped = [[b[0] - 0.1 * g[k][0] + 0.05 * v[k][0]] for k, b in enumerate(before)]
    assert "lr * mu * v has the wrong sign" in checks._decompose(flipped, before, terms, {"lr": 0.1})
    extra = [[b[0] - 0.1 * g[k][0] - 0.1 * 0.05 * v[k][0]] for k, b in enumerate(before)]
    assert "multiplied by lr = 0.1 once more" in checks._decompose(extra, before, terms, {"lr": 0.1})
    other = [[b[0] - 0.3 * g[k][0] ** 2] for k, b in enumerate(before)]
    assert checks._decompose(other, before, terms, {"lr": 0.1}) is None


def test_schedule_relations_name_the_mistake():
    epochs = list(range(8))
    want = [0.4 * min(1.0, (e + 1) / 4) for e in epochs]
    with pytest.raises(core.CheckFailure, match="integer division"):
        checks._schedule_relations("linear_warmup", (0.4, 4), epochs, [0.4 * min(1, (e + 1) // 4) for e in epochs],
                                   want)
    with pytest.raises(core.CheckFailure, match="upside down"):
        checks._schedule_relations("linear_warmup", (0.4, 4), epochs, [0.4 - w for w in want], want)
    checks._schedule_relations("linear_warmup", (0.4, 4), epochs, [w * 1.1 for w in want], want)   # nothing to say


def test_wrong_parameters_of_one_decay_value_and_float32_rounding_are_told_apart():
    r = np.random.default_rng(3)
    want = [[r.normal(size=s) for s in checks.SHAPES]]
    only_no_decay = [[w + (0 if d else 0.5) for w, d in zip(want[0], checks.DECAY)]]
    assert "p.decay False, [1]" in checks._decay_branch(only_no_decay, want, np.float64, checks.DECAY)
    one = [[w + (0.5 if i == 0 else 0) for i, w in enumerate(want[0])]]     # parameter 0 alone: no decay pattern
    assert checks._decay_branch(one, want, np.float64, checks.DECAY) == ""
    w = want[0][0]
    assert checks._float32_rounding(w.astype(np.float32).astype(np.float64), w, np.float64)
    assert not checks._float32_rounding(w + 1e-3, w, np.float64)
    assert not checks._float32_rounding(w.astype(np.float32), w, np.float32)      # a float32 run: nothing to say


def test_optimiser_diagnoses_differ_from_the_right_answer():
    r = np.random.default_rng(2)
    data = [r.normal(size=s) for s in checks.SHAPES]
    grads = [[r.normal(size=s) for s in checks.SHAPES] for _ in range(4)]
    right = checks._sgd(data, grads, checks.DECAY, 0.1, 0.7)
    for msg, wrong in checks._sgd_diagnoses(data, grads, checks.DECAY, 0.1, 0.7).items():
        assert not _close(wrong, right, 1e-6), msg
    hyper = dict(lr=0.05, beta1=0.8, beta2=0.95, eps=1e-6, weight_decay=0.3)
    right = checks._adam(data, grads, checks.DECAY, **hyper)
    for msg, wrong in checks._adam_diagnoses(data, grads, checks.DECAY, **hyper).items():
        assert not _close(wrong, right, 1e-6), msg


def test_batchnorm_oracle_agrees_with_the_reference_and_finite_differences(ns):
    r = np.random.default_rng(3)
    for n, d in [(9, 4), (1, 5), (6, 11)]:
        x, gamma, beta, rm, rv = checks._bn_inputs(r, n, d, np.float64)
        for training in (True, False):
            want = checks._bn_oracle(x, gamma, beta, rm, rv, training, 0.2, 1e-3)
            got = ns["batchnorm_forward"](x, gamma, beta, rm, rv, training, 0.2, 1e-3)
            for a, b in zip(got[:3], want[:3]):
                assert np.allclose(a, b, rtol=1e-10, atol=1e-12)
        cache = checks._bn_oracle(x, gamma, beta, rm, rv, True, 0.1, 1e-3)[3]
        dout = r.normal(size=(n, d))
        closed = checks._bn_grads(*cache, dout)
        loss = lambda: float((dout * checks._bn_oracle(x, gamma, beta, rm, rv, True, 0.1, 1e-3)[0]).sum())
        for got, wrt in zip(closed, (x, gamma, beta)):
            assert np.allclose(got, core.numerical_gradient(lambda _: loss(), wrt), rtol=1e-5, atol=1e-7)
        for got, want in zip(ns["batchnorm_backward"](dout, cache), closed):
            assert np.allclose(got, want, rtol=1e-10, atol=1e-12)


def test_early_stopping_oracle_agrees_with_the_reference(ns):
    r = np.random.default_rng(4)
    for patience, min_delta in [(1, 0.0), (3, 0.0), (2, 0.05)]:
        losses = list(np.round(1 + np.cumsum(r.normal(-0.02, 0.05, 30)), 3))
        stopper = ns["EarlyStopping"](patience, min_delta)
        got = []
        for loss in losses:
            stop = stopper.step(loss)
            got.append((stop, stopper.best_loss, stopper.best_epoch))
        assert got == checks._stopping(losses, patience, min_delta)


def test_schedule_oracles_at_known_values(ns):
    assert ns["step_decay"](9, 1.0, 3, 0.5) == 0.125
    assert ns["cosine_decay"](0, 0.3, 7) == pytest.approx(0.3)
    assert ns["cosine_decay"](7, 0.3, 7, 0.01) == pytest.approx(0.01)
    assert [ns["linear_warmup"](e, 1.0, 2) for e in range(4)] == [0.5, 1.0, 1.0, 1.0]


# ---------------------------------------------------------------------------- the notebook

def test_notebook_structure(nb):
    ids = [c.get("id") for c in nb.cells]
    assert all(ids) and len(set(ids)) == len(ids)
    graded = notebooks.graded_cells(nb)
    assert all(g["grade_id"].startswith("lab08_") for g in graded)
    assert sum(g["points"] for g in graded if g["auto"]) == 22
    assert sum(1 for g in graded if not g["auto"]) == 4
    source = "\n".join(c.source for c in nb.cells)
    for figure in ("schedules", "optimizers", "lr_sensitivity", "overfitting", "batchnorm", "lr_range_test",
                   "update_ratios"):
        assert f'LAB_ID, "{figure}")' in source
    assert 'mnist.load("fashion", "train")' in source
    notation = next(c.source for c in nb.cells if c.source.startswith("## Notation and conventions"))
    for rule in ("in place", "per parameter", "p.decay", "zero_grad", "step counter"):
        assert rule in notation, rule


def test_test_cells_only_use_setup_and_solution_names(nb):
    cells = notebooks.harness_cells(nb)
    assert [c.role for c in cells].count("test") == 17
    for c in cells:
        if c.role == "test":
            for forbidden in ("X_pool", "X_val", "mlp", "train", "Linear", "BatchNorm1d", "runs"):
                assert not re.search(rf"(?<![\w.]){forbidden}\b", c.source), (c.grade_id, forbidden)


@pytest.fixture(scope="module")
def fresh_results():
    """The results a top-to-bottom run of the solution notebook saves (students' budget).

    The run is the report's own (``make figures``: autograder.figures, cached by input hash), so
    this module and test_report's quoted-numbers test share one run of this notebook: conftest.py
    puts both modules on the same xdist worker.
    """
    from autograder import figures
    failed = [o for o in figures.ensure([LAB], quiet=True) if o.error]
    assert not failed, [(o.lab, o.error) for o in failed]
    assert figures.up_to_date(LAB)
    return json.loads((figures.REPORT / "results" / f"{LAB}.json").read_text()), figures.REPORT


@pytest.mark.slow
def test_notebook_runs_top_to_bottom_and_saves_figures_and_results(fresh_results):
    results, report_dir = fresh_results
    for name in ("schedules", "optimizers", "lr_sensitivity", "overfitting", "batchnorm", "lr_range_test",
                 "update_ratios"):
        assert (report_dir / "figures" / LAB / f"{name}.pdf").is_file(), name
    assert results["dataset"] == "Fashion-MNIST" and results["n_train"] == 10000
    # What the lab teaches must hold in the run: over-fitting, and the regularisers narrowing the gap.
    assert results["overfit_none_train_acc"] > 0.98 and results["overfit_none_gap"] > 0.1
    assert results["overfit_none_val_loss"] > results["overfit_none_best_val_loss"] + 0.1
    assert results["overfit_l2_gap"] < results["overfit_none_gap"]
    assert results["overfit_dropout_gap"] < results["overfit_none_gap"]
    assert results["early_best_epoch"] < results["early_stopped_at"] < results["epochs_overfit"]
    assert results["bn_std_last_without"] < 0.1 * results["bn_std_first_without"]
    assert results["bn_with_lr0.1_val_acc"] > results["bn_without_lr0.1_val_acc"] + 0.3
    assert results["tiny_first_perfect_step"] is not None and results["tiny_final_loss"] < 0.01
    assert 1e-4 < results["ratio_suggested_layer1"] < 1e-2
    assert all(results[f"val_acc_{k}"] > 0.8 for k in ("sgd", "momentum", "nesterov", "rmsprop", "adam"))


def test_the_part_of_a_gradient_left_non_zero_is_named():
    zeroed = np.zeros((3, 5), dtype=bool)
    zeroed[0] = True
    assert "only p.grad[0] is 0 (the first index of axis 0)" in checks._zeroed_part(zeroed)
    zeroed = np.zeros((3, 5), dtype=bool)
    zeroed[:, -1] = True
    assert "p.grad[:, 4]" in checks._zeroed_part(zeroed)


def test_a_schedule_off_by_a_constant_factor_equal_to_an_argument_is_named():
    args, names = (0.5, 3, 0.2), ("lr0", "step_size", "gamma")
    want = [0.5 * 0.2 ** (e // 3) for e in range(7)]
    with pytest.raises(core.CheckFailure) as info:
        checks._schedule_factor("step_decay", args, names, [w * 0.2 for w in want], want)
    assert "one factor gamma too many" in str(info.value)
    checks._schedule_factor("step_decay", args, names, [w * 0.37 for w in want], want)   # no argument: silent


@pytest.mark.parametrize("ratio, phrase", [
    (lambda b, a: float(abs(np.sum(a - b)) / abs(np.sum(b))), "signs of some entries"),
    (lambda b, a: float(np.linalg.norm(a - b, axis=0).sum() / np.linalg.norm(b, axis=0).sum()), "along a column"),
])
def test_a_norm_that_depends_on_signs_or_shape_is_named(ratio, phrase):
    exc = core.CheckFailure("update_ratio(before (7, 5), after) has wrong values: ...", "wrong-values")
    with pytest.raises(core.CheckFailure) as info:
        checks._ratio_invariances(ratio, exc, np.random.default_rng(0))
    assert phrase in str(info.value)
    checks._ratio_invariances(lambda b, a: float(np.linalg.norm(a - b) / np.linalg.norm(b)), exc,
                              np.random.default_rng(0))


def test_state_list_of_numbers_is_named_from_the_optimiser_state():
    """RMSProp whose state list holds Python floats: `s *= alpha` rebinds a local float, the average is never
    stored; the message reads self.square_avg back and says it holds numbers, not arrays."""
    class FloatState:
        def __init__(self, params, lr, alpha=0.99, eps=1e-8):
            self.params, self.lr, self.alpha, self.eps = list(params), lr, alpha, eps
            self.square_avg = [0.0] * len(self.params)

        def step(self):
            for p, s in zip(self.params, self.square_avg):
                s *= self.alpha
                s += (1 - self.alpha) * p.grad * p.grad
                p.data -= self.lr * p.grad / (np.sqrt(s) + self.eps)

    with pytest.raises(core.CheckFailure, match=r"self.square_avg\[0\] is 0.0, a number") as info:
        checks.rmsprop(FloatState)
    assert info.value.diagnosis == "state-not-arrays"


def test_batchnorm_scale_read_back_as_a_power_of_the_variance():
    """x_hat = (x - mean) / (var + eps) (the square root missing): read back as the power -1 of var + eps."""
    var = np.array([0.5, 2.0, 3.0])
    exc = core.CheckFailure("batchnorm_forward(...): out has wrong values: ...", "wrong-values")
    with pytest.raises(core.CheckFailure, match="the square root is missing") as info:
        checks._bn_scale_power(exc, 1 / (var + 1e-5), var, 1e-5)
    assert info.value.diagnosis == "bn-scale-power"
    checks._bn_scale_power(exc, 1 / np.sqrt(var + 1e-5), var, 1e-5)      # the rule's own scale: nothing said


def test_state_overwritten_at_every_step_is_named_from_the_state():
    """Adam whose first moment is overwritten at every step (m[...] = (1 - beta1) * g): right after step 1, and
    after step 2 its self.m holds only step 2's own term; the message reads the state back and says so."""
    class Overwrite:
        def __init__(self, params, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0):
            self.params, self.lr, self.beta1, self.beta2 = list(params), lr, beta1, beta2
            self.eps, self.weight_decay, self.t = eps, weight_decay, 0
            self.m = [np.zeros_like(p.data) for p in self.params]
            self.v = [np.zeros_like(p.data) for p in self.params]

        def step(self):
            self.t += 1
            c1, c2 = 1 - self.beta1 ** self.t, 1 - self.beta2 ** self.t
            for p, m, v in zip(self.params, self.m, self.v):
                g = p.grad + self.weight_decay * p.data if p.decay else p.grad
                m[...] = (1 - self.beta1) * g
                v *= self.beta2
                v += (1 - self.beta2) * g * g
                p.data -= self.lr * (m / c1) / (np.sqrt(v / c2) + self.eps)

    with pytest.raises(core.CheckFailure, match="self.m is right after step 1 but after step 2") as info:
        checks.adam(Overwrite)
    assert info.value.diagnosis == "state-overwritten"


def test_zero_grad_by_uninitialised_memory_is_caught_even_when_fresh_memory_is_zero():
    """np.empty_like may hand out zeroed memory (fresh pages): the check must not depend on that luck. Emulated:
    the first array of each shape comes back zeroed, the others are np.empty_like; the parameters that share a
    shape get the memory the previous gradient of that shape just freed (its non-zero values)."""
    class Optimizer:
        def __init__(self, params, lr):
            self.params, self.lr = list(params), lr

        def zero_grad(self):
            seen = set()
            for p in self.params:
                key = (p.grad.shape, p.grad.dtype)
                p.grad = np.empty_like(p.grad) if key in seen else np.zeros_like(p.grad)
                seen.add(key)

    with pytest.raises(core.CheckFailure) as info:
        checks.zero_grad(Optimizer)
    assert info.value.diagnosis in ("zero-grad-uninitialised", "zero-grad-not-zero"), info.value


def test_zero_grad_by_uninitialised_memory_holding_nan_or_inf_is_named_as_uninitialised():
    """The memory np.empty hands out may hold NaN or inf bit patterns: named as uninitialised memory, not as an
    overflow (the zoo's np.empty zero_grad mutants once got the NaN message, depending on the memory)."""
    for bad in (np.nan, np.inf):
        class Optimizer:
            def __init__(self, params, lr):
                self.params, self.lr = list(params), lr

            def zero_grad(self, bad=bad):
                for p in self.params:
                    p.grad = np.zeros_like(p.grad)
                    p.grad.reshape(-1)[-1] = bad

        with pytest.raises(core.CheckFailure) as info:
            checks.zero_grad(Optimizer)
        assert info.value.diagnosis == "zero-grad-uninitialised", info.value
        assert "np.empty / np.empty_like" in str(info.value)


def test_dropout_count_per_row_must_vary_as_a_binomial():
    """Independent draws make the number kept per sample vary (variance D p (1 - p)); a fixed count is named."""
    r = np.random.default_rng(0)
    checks._counts_binomial(r.random((300, 47)) >= 0.3, 0.3, "dropout")          # Bernoulli: nothing said
    fixed = np.ones((300, 47), dtype=bool)
    for row in fixed:
        row[r.permutation(47)[:14]] = False
    with pytest.raises(core.CheckFailure) as failure:
        checks._counts_binomial(fixed, 0.3, "dropout")
    assert failure.value.diagnosis == "dropout-fixed-count-per-row" and "exactly 33 of its 47" in str(failure.value)


def test_cosine_schedule_read_back_as_a_cosine_of_a_linear_angle():
    epochs = range(11)
    quarter = [0.1 * math.cos(math.pi * e / 20) for e in epochs]
    assert "cos(0.5 * pi * epoch / total_epochs) at every epoch, a bare cosine" in checks._cosine_shape((0.1, 10), epochs,
                                                                                                      quarter)
    double = [0.05 * (1 + math.cos(2 * math.pi * e / 10)) for e in range(6)]
    assert "(1 + cos(2 * pi * epoch / total_epochs)) / 2" in checks._cosine_shape((0.1, 10), range(6), double)
    assert checks._cosine_shape((0.1, 10), epochs, [0.1 - 0.01 * e for e in epochs]) is None   # linear: no cosine


def test_round15_oracle_flags_reduce_to_the_rule_where_they_should():
    """The mistake flags of round 15 change nothing where their condition never arises."""
    r = np.random.default_rng(15)
    data0, grads = checks._problem(r, np.float64, 4)
    same = lambda a, b: all(np.allclose(x, y, rtol=0, atol=0) for xs, ys in zip(a, b) for x, y in zip(xs, ys))
    lrs = [0.1] * 4
    assert same(checks._sgd(data0, grads, checks.DECAY, 0.1, 0.7, lrs=lrs, restart_on_lr=True),
                checks._sgd(data0, grads, checks.DECAY, 0.1, 0.7, lrs=lrs))
    hyper = dict(lr=0.05, beta1=0.8, beta2=0.95, eps=1e-6)
    assert same(checks._adam(data0, grads, checks.DECAY, **hyper, t_skip_zero=True),
                checks._adam(data0, grads, checks.DECAY, **hyper))
    assert same(checks._adam_skipping(data0, grads, hyper), checks._adam(data0, grads, checks.DECAY, **hyper))
    zeroed = [grads[0], [np.zeros_like(g) for g in grads[1]], *grads[2:]]
    assert not same(checks._adam(data0, zeroed, checks.DECAY, **hyper, t_skip_zero=True),
                    checks._adam(data0, zeroed, checks.DECAY, **hyper))


def test_steps_scaled_by_a_power_of_t_are_named():
    r = np.random.default_rng(16)
    data0, grads = checks._problem(r, np.float64, 4)
    want = checks._sgd(data0, grads, checks.DECAY, 0.1)
    before, got, prev = [], [], [np.asarray(d, np.float64) for d in data0]
    for k, step in enumerate(want):
        before.append(prev)
        got.append([p - (p0 - w) / np.sqrt(k + 1) for p, p0, w in zip(prev, (want[k - 1] if k else data0), step)])
        prev = got[-1]
    with pytest.raises(core.CheckFailure, match=r"multiplied by 1 / sqrt\(t\)"):
        checks._scaled_moves(got, before, want, "SGD", 1e-7, 1e-9, None, {"lr": 0.1})


def test_a_number_equal_to_the_sum_over_every_axis_is_named():
    with pytest.raises(core.CheckFailure, match="over EVERY entry"):
        checks._reduced_to_a_number(np.float64(3.5), 3.5, "dgamma", (1, 4), "dout * x_hat")
    checks._reduced_to_a_number(np.ones((1, 4)), 4.0, "dgamma", (1, 4), "dout * x_hat")     # an array: not said


def test_round16c_penalty_and_stale_readings_differ_from_the_rule_only_where_they_should():
    """The penalty readings change nothing without weight decay and differ from the rule with it; the stale
    early-stopping reading is the rule's decisions one epoch late."""
    r = np.random.default_rng(161)
    data0, grads = checks._problem(r, np.float64, 3)
    same = lambda a, b: all(np.allclose(x, y, rtol=0, atol=0) for xs, ys in zip(a, b) for x, y in zip(xs, ys))
    for kind in checks.PENALTY_READINGS.values():
        assert same(checks._sgd(data0, grads, checks.DECAY, 0.1, 0.5, penalty=kind),
                    checks._sgd(data0, grads, checks.DECAY, 0.1, 0.5))
        assert not same(checks._sgd(data0, grads, checks.DECAY, 0.1, 0.5, weight_decay=0.3, penalty=kind),
                        checks._sgd(data0, grads, checks.DECAY, 0.1, 0.5, weight_decay=0.3))
        assert not same(checks._adam(data0, grads, checks.DECAY, weight_decay=0.3, penalty=kind),
                        checks._adam(data0, grads, checks.DECAY, weight_decay=0.3))
    losses = [1.0, 0.9, 0.95, 0.85, 0.86, 0.87, 0.88, 0.89]
    rule, stale = checks._stopping(losses, 3, 0.0), checks._stopping(losses, 3, 0.0, stale=True)
    assert [s for s, _, _ in stale[1:]] == [s for s, _, _ in rule[:-1]]
    assert [s[1:] for s in stale] == [s[1:] for s in rule]


def test_round16c_state_of_another_dtype_is_named():
    """An optimiser whose state is float64 for float32 parameters fails after its values passed."""
    class Held:
        def __init__(self, params):
            self.params, self.lr = params, 0.1
            self.velocity = [np.zeros_like(p.data, dtype=float) for p in params]

    params = _params([np.ones((3, 2), np.float32), np.ones(4, np.float32)])
    with pytest.raises(core.CheckFailure, match=r"self.velocity\[0\].*dtype float64, where p.data is float32"):
        checks._state_dtype(Held(params), params, "SGD(params, lr) (float32)")
    right = Held(params)
    right.velocity = [np.zeros_like(p.data) for p in params]
    checks._state_dtype(right, params, "SGD(params, lr) (float32)")


# ---------------------------------------------------------------------------- round 17b (r17l)

def test_a_second_optimiser_on_the_same_parameters_starts_fresh(ns):
    """State kept on the parameter objects is named only when new objects with the same values step right."""
    Adam = ns["Adam"]
    checks._fresh_after_another(lambda ps: Adam(ps, lr=0.05), lambda d, g, f: checks._adam(d, g, f, lr=0.05),
                                "Adam", np.random.default_rng(0))

    class OnParameters(Adam):
        def step(self):
            for p in self.params:
                if not hasattr(p, "m1"):
                    p.m1 = np.zeros_like(p.data)
                p.m1 *= 0.9
                p.m1 += p.grad
                p.data -= 0.05 * p.m1

    with pytest.raises(core.CheckFailure) as caught:
        checks._fresh_after_another(OnParameters, lambda d, g, f: checks._sgd(d, g, f, 0.05, 0.9), "SGD-like",
                                    np.random.default_rng(0))
    assert caught.value.diagnosis == "state-on-parameters"


def test_running_statistics_fitted_on_two_calls(ns):
    """a * running + b * batch read back on two calls of different sizes; the rule's (1 - m, m) says nothing."""
    bn = ns["batchnorm_forward"]
    exc = core.CheckFailure("batchnorm_forward(...): running_mean has wrong values", "wrong-values")
    checks._running_coefficients(bn, exc, 1, "running_mean", 0.1, 1e-5)

    def slipped(x, gamma, beta, rm, rv, training, momentum=0.1, eps=1e-5):
        out, _rm, rv2, cache = bn(x, gamma, beta, rm, rv, training, momentum, eps)
        return out, rm - momentum * (x.mean(0, keepdims=True) - rm), rv2, cache

    with pytest.raises(core.CheckFailure, match="wrong SIGN"):
        checks._running_coefficients(slipped, exc, 1, "running_mean", 0.1, 1e-5)


def test_round18_a_schedule_memoised_on_the_epoch_is_named():
    from autograder.checks import lab08 as checks08
    memo: dict = {}
    rule = lambda e, lr0, T, lo=0.0: lo + 0.5 * (lr0 - lo) * (1 + math.cos(math.pi * e / T))
    stale = lambda e, *args: memo.setdefault(e, rule(e, *args))
    runs = [((a, T), range(6), [stale(e, a, T) for e in range(6)]) for a, T in ((0.1, 10), (0.5, 7))]
    with pytest.raises(core.CheckFailure) as caught:
        checks08._schedule_earlier_calls(stale, "cosine_decay", rule, runs, "the rule")
    assert caught.value.diagnosis == "schedule-earlier-call" and "earlier call" in str(caught.value)
    runs = [((a, T), range(6), [rule(e, a, T) for e in range(6)]) for a, T in ((0.1, 10), (0.5, 7))]
    checks08._schedule_earlier_calls(rule, "cosine_decay", rule, runs, "the rule")


def test_a_gradient_squared_by_a_matrix_product_is_named_for_any_optimiser():
    """RMSProp whose running average adds g @ g.T: it raises on a non-square parameter and steps square ones; the
    check names the elementwise square (asked in _step_checked, so of every optimiser)."""
    class MatrixSquare:
        def __init__(self, params, lr, alpha=0.99, eps=1e-8):
            self.params, self.lr, self.alpha, self.eps = list(params), lr, alpha, eps
            self.s = [np.zeros_like(p.data) for p in self.params]

        def step(self):
            for p, s in zip(self.params, self.s):
                s *= self.alpha
                s += (1 - self.alpha) * p.grad @ p.grad.T
                p.data -= self.lr * p.grad / (np.sqrt(np.abs(s)) + self.eps)

    with pytest.raises(core.CheckFailure, match="elementwise") as info:
        checks.rmsprop(MatrixSquare)
    assert info.value.diagnosis == "gradient-squared-by-matmul"
