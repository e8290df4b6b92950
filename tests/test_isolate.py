"""autograder.checks.isolate: which input a wrong answer comes from, found by experiment."""
import numpy as np
import pytest

from autograder.checks import isolate

TOL = dict(rtol=1e-9, atol=1e-12)


def _affine():
    g = np.random.default_rng(3)
    return {"x": g.normal(size=(5, 4)), "W": g.normal(size=(4, 4)), "b": g.normal(size=4)}


def oracle(x, W, b):
    return x @ W + b


def test_correct_code_gets_no_sentence():
    assert isolate.explain_arguments(oracle, oracle, _affine(), **TOL) is None


def test_a_term_counted_twice_is_located():
    words, diagnosis = isolate.explain_arguments(lambda x, W, b: x @ W + 2 * b, oracle, _affine(), **TOL)
    assert diagnosis == "wrong-term-b"
    assert "b = 0" in words and "term that uses b" in words


def test_a_transposed_product_is_located_in_the_product_term():
    words, diagnosis = isolate.explain_arguments(lambda x, W, b: x @ W.T + b, oracle, _affine(), **TOL)
    assert diagnosis == "wrong-term-x-W", words


def test_a_forgotten_input_is_named_unused():
    words, diagnosis = isolate.explain_arguments(lambda x, W, b: x @ W, oracle, _affine(), **TOL)
    assert diagnosis == "input-unused-b"
    assert "does not change when b changes" in words


def test_a_hard_coded_scalar_is_named_unused():
    def step(p, g, lr):
        return p - lr * g
    args = {"p": np.ones(3), "g": np.arange(3.0), "lr": 0.1}
    words, diagnosis = isolate.explain_arguments(lambda p, g, lr: p - 0.01 * g, step, args, **TOL)
    assert diagnosis == "input-unused-lr", words


def test_an_input_used_where_it_does_not_belong_is_named():
    def loss(pred, target, weight):
        return np.mean((pred - target) ** 2)
    g = np.random.default_rng(0)
    args = {"pred": g.normal(size=6), "target": g.normal(size=6), "weight": g.normal(size=6)}
    words, diagnosis = isolate.explain_arguments(lambda p, t, w: np.mean(w * (p - t) ** 2), loss, args, **TOL)
    assert diagnosis == "input-spurious-weight", words


def test_a_neutral_value_other_than_zero_and_a_skipped_input():
    def bn(x, gamma, beta):
        return gamma * x + beta
    args = {"x": np.arange(4.0), "gamma": np.full(4, 2.0), "beta": np.ones(4)}
    wrong = lambda x, gamma, beta: gamma * x * gamma + beta
    words, diagnosis = isolate.explain_arguments(wrong, bn, args, neutral={"gamma": np.ones(4), "beta": None}, **TOL)
    assert diagnosis == "wrong-term-x-gamma" and "gamma = 1" in words, words


@pytest.mark.parametrize("student", [
    lambda x, W, b: (_ for _ in ()).throw(ValueError("boom")),   # raises: nothing to say
    lambda x, W, b: "not numbers",
])
def test_a_probe_that_cannot_run_says_nothing(student):
    assert isolate.explain_arguments(student, oracle, _affine(), **TOL) is None


def test_a_mutating_student_does_not_spoil_the_probes():
    def mutating(x, W, b):
        b *= 2.0          # mutates its input, and counts b twice
        return x @ W + b
    args = _affine()
    before = {k: v.copy() for k, v in args.items()}
    found = isolate.explain_arguments(mutating, oracle, args, **TOL)
    assert found is not None and found[1] == "wrong-term-b"
    assert all(np.array_equal(args[k], before[k]) for k in args)


def test_tuples_of_outputs_are_all_compared():
    def backward(x, W, g):
        return g @ W.T, x.T @ g
    gen = np.random.default_rng(1)
    args = {"x": gen.normal(size=(5, 3)), "W": gen.normal(size=(3, 4)), "g": gen.normal(size=(5, 4))}
    words, diagnosis = isolate.explain_arguments(lambda x, W, g: (g @ W.T, x.T @ g * 2), backward, args, **TOL)
    assert diagnosis == "wrong-term-x" or diagnosis.startswith("wrong-term"), words


def test_one_input_written_for_another_is_named():
    """An unused input whose place another input of the same shape took: both named."""
    g = np.random.default_rng(5)
    args = {"A": g.normal(size=(4, 4)), "B": g.normal(size=(4, 4)), "x": g.normal(size=(3, 4))}
    words, diagnosis = isolate.explain_arguments(lambda A, B, x: x @ A.T, lambda A, B, x: x @ B.T, args, **TOL)
    assert diagnosis == "input-unused-B"
    assert "computed with A where B belongs" in words


def test_an_extra_term_in_a_spurious_input_is_measured():
    """A spurious input added as a multiple of itself (weight decay on a gradient): the factor is said."""
    g = np.random.default_rng(6)
    args = {"G": g.normal(size=(4, 3)), "W": g.normal(size=(4, 3))}
    words, diagnosis = isolate.explain_arguments(lambda G, W: 2 * G + 1e-3 * W, lambda G, W: 2 * G, args, **TOL)
    assert diagnosis == "input-spurious-W"
    assert "plus 0.001 * W exactly" in words
    words, _ = isolate.explain_arguments(lambda G, W: 2 * G + W ** 2, lambda G, W: 2 * G, args, **TOL)
    assert "exactly" not in words             # not a multiple of W: no factor claimed


def test_state_kept_between_calls_is_named_before_any_other_probe():
    """A mutable default that accumulates: each call differs, so 'which input' would be noise."""
    def student(x, W, b, _seen=[]):  # noqa: B006 - the mistake under test
        _seen.append(1)
        return x @ W + b * (1 + len(_seen))
    words, diagnosis = isolate.explain_arguments(student, oracle, _affine(), **TOL)
    assert diagnosis == "not-repeatable"
    assert "same inputs gave different results" in words and "mutable default argument" in words


def test_a_deterministic_mistake_is_not_called_state():
    words, diagnosis = isolate.explain_arguments(lambda x, W, b: x @ W - b, oracle, _affine(), **TOL)
    assert diagnosis != "not-repeatable" and "same inputs" not in words


def test_round_10_the_wrong_term_says_how_it_is_wrong():
    """A term that is one entry of its input everywhere is said as such (y = x @ W + b[0, 0])."""
    r = np.random.default_rng(4)
    args = {"x": r.normal(size=(5, 3)), "W": r.normal(size=(3, 4)), "b": r.normal(size=(1, 4))}
    said = isolate.explain_arguments(lambda x, W, b: x @ W + b[0, 0], lambda x, W, b: x @ W + b, args,
                                     rtol=1e-6, atol=1e-9)
    assert said is not None and said[1] == "wrong-term-b"
    assert "single number b[0, 0]" in said[0]
