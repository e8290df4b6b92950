"""Lab 02 (feed-forward network on MNIST): checks, zoo and notebook facts. Fast (no real data)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from autograder import harness, notebooks, zoo
from autograder.checks import core
from autograder.checks import lab02 as checks
from autograder.paths import source_notebook

LAB = "lab02-ffnn-mnist"


@pytest.fixture(scope="module")
def ns():
    return harness.solution_namespace(LAB)


@pytest.fixture(scope="module")
def nb():
    return notebooks.read(source_notebook(LAB))


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
    mutant = next(m for m in zoo.load(LAB).MUTANTS if m.name == name)
    out = harness.grade_direct(LAB, (mutant,), label=name)
    assert out.score < out.max_score
    assert any(e.lower() in m.lower() for m in out.messages() for e in mutant.expect), out.messages()


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
