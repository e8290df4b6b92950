"""The building blocks of every hidden check reject what they must, before comparing values."""
import contextlib

import numpy as np
import pytest

from autograder.checks import cases, core, formula
from autograder.checks.core import CheckFailure


class AlwaysEqual:
    """A result that claims to equal anything."""
    shape = (2, 2)
    dtype = np.dtype(float)

    def __eq__(self, other):
        return True

    def __array__(self, dtype=None, copy=None):
        return np.zeros((2, 2))


class Sub(np.ndarray):
    pass


@pytest.mark.parametrize("bad, phrase", [
    (AlwaysEqual(), "must be a numpy.ndarray"),
    (np.zeros((2, 2)).view(Sub), "plain numpy.ndarray"),
    (None, "return"),
    ([[0.0, 0.0], [0.0, 0.0]], "must be a numpy.ndarray"),
    (np.zeros((2, 2), dtype=int), "floating-point dtype"),
    (np.zeros((2, 3)), "expected shape (2, 2)"),
    (np.full((2, 2), np.nan), "NaN or inf"),
])
def test_expect_array_rejects_before_values(bad, phrase):
    with pytest.raises(CheckFailure, match=phrase.replace("(", r"\(").replace(")", r"\)")):
        core.expect_array(bad, name="out", shape=(2, 2))


def test_expect_array_concrete_dtype_object_is_exact():
    # np.dtype("float64") == "float" is True: a dtype object must still mean that exact dtype
    with pytest.raises(core.CheckFailure, match="must have dtype float64, got float32"):
        core.expect_array(np.ones((2, 2), dtype=np.float32), name="y", dtype=np.dtype(np.float64))
    with pytest.raises(core.CheckFailure, match="must have dtype int64, got int32"):
        core.expect_array(np.ones(2, dtype=np.int32), name="k", dtype=np.dtype(np.int64))
    assert core.expect_array(np.ones(2), name="y", dtype=np.dtype(np.float64)).dtype == np.float64


def test_expect_array_accepts_float32_and_float64():
    for dtype in (np.float32, np.float64):
        assert core.expect_array(np.ones((2, 2), dtype=dtype), name="x", shape=(2, 2)).dtype == dtype


def test_expect_close_names_the_diagnosed_mistake():
    expected = np.arange(6.0).reshape(2, 3)
    with pytest.raises(CheckFailure, match="forgot the sum"):
        core.expect_close(expected * 2, expected, name="db", diagnose={"forgot the sum": expected * 2})
    with pytest.raises(CheckFailure, match="largest error"):
        core.expect_close(expected + 1, expected, name="db", diagnose={"other": expected * 3})
    core.expect_close(expected + 1e-9, expected, name="db")


def test_expect_scalar():
    assert core.expect_scalar(np.float32(2.5), name="loss") == 2.5
    assert core.expect_scalar(np.array([[3.0]]), name="loss") == 3.0
    for bad, phrase in [(np.ones(3), "average"), (True, "boolean"), (float("nan"), "nan"), ("1", "number")]:
        with pytest.raises(CheckFailure, match=phrase):
            core.expect_scalar(bad, name="loss")


def test_numerical_gradient_matches_analytic():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(3, 4))
    x = rng.normal(size=(4, 2))
    f = lambda v: float(np.sum(np.tanh(A @ v)))
    analytic = A.T @ (1 - np.tanh(A @ x) ** 2)
    assert core.relative_error(core.numerical_gradient(f, x.copy()), analytic) < 1e-8


def test_call_detects_in_place_mutation_and_names_exceptions():
    def mutates(a):
        a[0] = 99.0
        return a
    with pytest.raises(CheckFailure, match="modified its input argument #1 in place"):
        core.call(mutates, np.zeros(3), name="f")
    with pytest.raises(CheckFailure, match=r"1 of 3 entries changed, e.g. at index \(0,\) 0 became 99\)") as info:
        core.call(mutates, np.zeros(3), name="f")
    assert info.value.diagnosis is None          # lab06 tells this failure by its missing id
    with pytest.raises(CheckFailure, match="not implemented yet"):
        core.call(lambda: (_ for _ in ()).throw(NotImplementedError()), name="f")
    with pytest.raises(CheckFailure, match="raised ZeroDivisionError"):
        core.call(lambda: 1 / 0, name="f")


def test_numerics_turns_warnings_into_a_named_failure(capsys):
    with pytest.raises(CheckFailure, match="not numerically stable"):
        core.call(lambda x: np.exp(x), np.array([1000.0]), name="softmax")
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("fn, told, not_told", [
    (lambda x: np.exp(x), "subtract the maximum", "log(0)"),
    (lambda x: np.log(x - 2000.0), "log of a negative number", "subtract the maximum"),
    (lambda x: np.log(x * 0.0), "log(0) was taken", "subtract the maximum"),
    (lambda x: (x * 0.0) / (x * 0.0), "0/0 or inf/inf", "subtract the maximum"),
    (lambda x: x * 1e308, "larger than the dtype can hold", "subtract the maximum"),
])
def test_a_numerical_warning_tells_its_own_story(fn, told, not_told):
    """Each warning gets the hint its operation explains: 0/0 in a division is not a missing max subtraction."""
    with pytest.raises(CheckFailure, match="not numerically stable") as info:
        core.call(fn, np.array([1000.0]), name="f")
    assert told in str(info.value) and not_told not in str(info.value)
    assert info.value.diagnosis == "not-numerically-stable"


def test_checks_survive_a_patched_numpy(monkeypatch):
    """A submission that rebinds numpy functions cannot make a wrong value pass."""
    monkeypatch.setattr(np, "allclose", lambda *a, **k: True)
    monkeypatch.setattr(np, "isfinite", lambda x: np.ones(np.shape(x), dtype=bool))
    with pytest.raises(CheckFailure):
        core.expect_close(np.ones(3), np.zeros(3), name="x")
    with pytest.raises(CheckFailure, match="NaN"):
        core.expect_array(np.full(2, np.nan), name="x")


def test_rng_is_deterministic_per_tag():
    assert core.rng("a").normal() == core.rng("a").normal()
    assert core.rng("a").normal() != core.rng("b").normal()


def _relations():
    r = np.random.default_rng(7)
    e = r.standard_normal((5, 4))
    row, col = r.uniform(1.5, 3.0, (5, 1)), r.uniform(1.5, 3.0, (1, 4))
    return e, {
        "transposed": (None, None), "sign-flipped": (-e, e), "scaled": (3 * e, e),
        "offset": (e + 0.25, e), "all-zero": (np.zeros_like(e), e), "squared": (e * e, e),
        "square-root": (np.sqrt(np.abs(e)), np.abs(e)), "complement": (1 - e, e),
        "zeroed-entries": (np.where(e > 0.3, 0.0, e), e), "per-row-offset": (e + row, e),
        "per-column-offset": (e + col, e), "per-row-scale": (e * row, e), "per-column-scale": (e * col, e),
        "rows-permuted": (e[[1, 0, 2, 4, 3]], e), "some-rows": (np.where(np.arange(5)[:, None] == 2, e + 1, e), e),
        "wrong-values": (e + r.standard_normal(e.shape), e),
    }


@pytest.mark.parametrize("relation", [k for k in _relations()[1] if k != "transposed"])
def test_the_fallback_analysis_names_the_relation(relation):
    """Issue 15: when no catalogued diagnosis matches, the difference itself is described."""
    got, expected = _relations()[1][relation]
    sentence, diagnosis = core.analyse_difference(got, expected, 1e-6, 1e-9)
    assert diagnosis == relation, sentence
    assert "largest error" in sentence


def test_the_fallback_analysis_names_a_transpose_and_a_diagonal_only_formula():
    e = np.random.default_rng(3).standard_normal((4, 4))
    assert core.analyse_difference(e.T, e, 1e-6, 1e-9)[1] == "transposed"
    assert core.analyse_difference(np.diag(np.diag(e)), e, 1e-6, 1e-9)[1] == "diagonal-only"


def test_broadcast_and_einsum_errors_are_explained():
    """A raw NumPy shape error, explained: which axes met (cases.call appends this)."""
    text = "operands could not be broadcast together with shapes (4,3,6,5,1,1) (3,1,1) "
    assert "meet the last 3 axes" in cases.explain_broadcast(text)
    text = ("operands could not be broadcast together with remapped shapes [original->remapped]: "
            "(4,7)->(4,7,newaxis,newaxis,newaxis) (7,3,1,1)->(3,1,1,7) ")
    assert "size 7" in cases.explain_broadcast(text) and "size 3" in cases.explain_broadcast(text)
    assert cases.explain_broadcast("index 3 is out of bounds") is None


def test_a_broadcast_error_in_a_named_call_says_which_axes_met():
    def add_bias(x, b):
        return x + b        # b of shape (N,) where (1, D) belongs
    with pytest.raises(CheckFailure) as info:
        cases.call(add_bias, np.ones((5, 3)), np.ones(5), label="Layer.forward", names=("x", "b"))
    text = str(info.value)
    assert "Layer.forward(x of shape (5, 3) float64, b of shape (5,) float64)" in text
    assert "the last 1 axis of the array of shape (5, 3)" in text and info.value.diagnosis == "raised-broadcast"


def test_the_fallback_analysis_names_values_rounded_to_integers():
    """Issue 15 (fourth held-out round): int() of a number, // or an integer dtype is named as such; a
    result that is merely zero is still "all zeros", and whole-number expectations are not affected."""
    e = np.array([[1.75, -2.5], [3.25, 0.4]])
    for rounded in (np.trunc(e), np.floor(e), np.round(e)):
        sentence, diagnosis = core.analyse_difference(rounded, e, 1e-6, 1e-9)
        assert diagnosis == "rounded-to-integers" and "whole numbers" in sentence, sentence
    assert core.analyse_difference(np.array([1.0]), np.array([1.75]), 1e-6, 1e-9)[1] == "rounded-to-integers"
    assert core.analyse_difference(np.zeros(2), np.array([0.5, 0.25]), 1e-6, 1e-9)[1] == "all-zero"
    assert core.analyse_difference(np.array([2.0, 3.0]), np.array([1.0, 2.0]), 1e-6, 1e-9)[1] != "rounded-to-integers"


def test_a_wrong_shape_says_when_it_is_the_transpose_or_a_dropped_dimension():
    with pytest.raises(CheckFailure) as info:
        core.expect_array(np.zeros((4, 5)), name="h", shape=(5, 4))
    assert "the transpose of the expected shape" in str(info.value) and info.value.diagnosis == "shape-transposed"
    with pytest.raises(CheckFailure) as info:
        core.expect_array(np.zeros(3), name="grad_b", shape=(3, 1))
    assert "a 1-d array where a column" in str(info.value) and info.value.diagnosis == "shape-flattened"
    with pytest.raises(CheckFailure) as info:       # any other shape: the message and id as before
        core.expect_array(np.zeros((2, 2)), name="x", shape=(3, 1))
    assert str(info.value) == "x: expected shape (3, 1), got (2, 2)" and info.value.diagnosis is None


def test_a_factor_between_two_single_numbers_is_named_only_with_the_sizes():
    said = cases.explain_factor(2 / 3, 2 / 7, {"N": 7, "n_y": 3}, divisor="N", scalar=True)
    assert said is not None and "you divided by n_y = 3 where the expected result divides by N = 7" in said
    assert cases.explain_factor(0.61, 0.29, {"N": 7, "n_y": 3}, divisor="N", scalar=True) is None
    assert cases.explain_factor(2 / 3, 2 / 7, {"N": 7, "n_y": 3}, divisor="N") is None   # default: arrays only
def test_the_fallback_analysis_names_an_index_off_by_one():
    """Round 4: values moved by one place along an axis (labels 1-based, a loop starting at 1) are named."""
    e = np.eye(7)[[3, 0, 6, 2, 5]]
    sentence, diagnosis = core.analyse_difference(np.roll(e, -1, axis=1), e, 1e-6, 1e-9)
    assert diagnosis == "shifted" and "shifted by 1 place(s) along axis 1 (columns)" in sentence
    assert core.analyse_difference(np.ones((4, 4)) * 2, np.ones((4, 4)), 1e-6, 1e-9)[1] != "shifted"


def test_a_wrong_shape_says_which_axis_was_reduced_or_that_it_is_transposed():
    with pytest.raises(CheckFailure, match="a sum or mean over axis 1 where axis 0 belongs"):
        core.expect_array(np.zeros((5, 1)), name="db", shape=(1, 6))
    with pytest.raises(CheckFailure, match="the axes reversed"):
        core.expect_array(np.zeros((4, 3)), name="dW", shape=(3, 4))


def test_case_explanations_of_round_4():
    """In-place updates of the wrong shape, a scaled argument, the wrong cached quantity, batches that
    overlap or cover the number of columns, one sample's contribution only."""
    text = "non-broadcastable output operand with shape (1,5) doesn't match the broadcast shape (5,5)"
    assert "in-place update" in cases.explain_broadcast(text) and "(1, 5)" in cases.explain_broadcast(text)

    def sigmoid(v):
        return 0.5 * (1 + np.tanh(0.5 * v))
    x = np.linspace(-3, 3, 12).reshape(3, 4)
    said = cases.explain_elementwise(x, sigmoid(2 * x), sigmoid(x), rtol=1e-6, atol=1e-9,
                                     probe=lambda p: sigmoid(2 * p), oracle=sigmoid)
    assert "evaluated at 2*x" in said
    d = np.random.default_rng(0).normal(size=(4, 3))
    assert cases.explain_quantity(0.5 * d ** 2, {"diff": d, "diff**2": d ** 2}) == "your result is 0.5 x diff**2"
    assert cases.explain_quantity(d + 1, {"diff": d}) is None
    order = np.random.default_rng(1).permutation(11)
    overlapping = [order[s:s + 5] for s in range(0, 11, 4)]
    assert "share samples" in cases.explain_batches(overlapping, 11, 4)
    assert "x.shape[1] = 3" in cases.explain_batches([order[:3]], 11, 4, {"x.shape[1]": 3})
    assert cases.explain_batches([order[s:s + 4] for s in range(0, 11, 4)], 11, 4, {"x.shape[1]": 3}) is None
    per = np.random.default_rng(2).normal(size=(4, 3, 5))
    assert "sample 0 only" in cases.explain_batch_sum(per[0], per.sum(0), per)
_X = np.array([-3.0, -2.0, -1.3, -0.7, -0.3, 0.4, 0.8, 1.5, 2.2, 3.0])
_S = 1 / (1 + np.exp(-_X))
_T = np.tanh(_X)


@pytest.mark.parametrize("formulas, env, got, phrase", [
    # a quantity for another, a sign in one place, an exponent moved, a power changed, parentheses missing,
    # a factor moved into / out of a function's argument, abs(x) for x, a function replaced everywhere
    ("s * (1 + x * (1 - s))", {"x": _X, "s": _S}, _S * (1 + _X * (1 - _X)), "the term `1 - s` is wrong there (your code computes `1 - x`"),
    ("s * (1 + x * (1 - s))", {"x": _X, "s": _S}, _S * (1 + _X * (1 + _S)), "computes `1 + s`"),
    ("1 - y ** 2", {"x": _X, "y": _T}, (1 - _T) ** 2, "computes `(1 - y) ** 2`"),
    ("tanh(x + 0.04 * x ** 3)", {"x": _X}, np.tanh(_X + 0.04 * _X ** 2), "the term `x ** 3` is wrong there (your code computes `x ** 2`"),
    ("g * (1 - y ** 2)", {"g": _S, "y": _T}, _S * 1 - _T ** 2, "computes `g * 1 - y ** 2`"),
    ("0.5 * exp(x / 2)", {"x": _X}, 0.5 * np.exp(_X) / 2, "computes `exp(x) / 2`"),
    ("0.7 * expm1(x)", {"x": _X}, np.expm1(0.7 * _X), "computes `expm1(0.7 * x)`"),
    ("sig(x)", {"x": _X, "sig": lambda v: 1 / (1 + np.exp(-v))}, 1 / (1 + np.exp(-np.abs(_X))), "computes `abs(x)`"),
    ("x / sm(x ** 2) + sm(x)", {"x": _X, "mx": np.max, "sm": np.sum},
     _X / np.max(_X ** 2) + np.max(_X), "computes `mx` in its place everywhere"),
])
def test_explain_formula_names_the_wrong_term(formulas, env, got, phrase):
    text = formula.explain_formula(formulas, env, got, rtol=1e-9, atol=1e-12, what="values")
    assert text is not None and phrase in text, text


def test_explain_formula_says_nothing_when_right_ambiguous_or_unrelated():
    env = {"x": _X, "s": _S}
    right = _S * (1 + _X * (1 - _S))
    assert formula.explain_formula("s * (1 + x * (1 - s))", env, right) is None
    assert formula.explain_formula("s * (1 + x * (1 - s))", env, np.cos(_X)) is None   # no single edit fits
    # a mask judges one branch only; equivalent spellings are tried in turn
    got = np.where(_X < 0, 2 * _S, right)
    text = formula.explain_formula(["s + x * s * (1 - s)", "s * (1 + x * (1 - s))"], env, got, mask=_X > 0)
    assert text is None


def test_numerical_gradient_at_a_sample_of_entries_matches_the_full_one():
    rng = np.random.default_rng(3)
    x, a = rng.normal(size=(30, 7)), rng.normal(size=(30, 7))

    def f(v):
        return float(np.sum(a * v ** 3))
    where, values = core.numerical_gradient_at(f, x.copy(), 50)
    assert where.size == 50 and len(set(where.tolist())) == 50
    assert core.relative_error(values, (3 * a * x ** 2).reshape(-1)[where]) < 1e-8
    full = core.numerical_gradient(f, x.copy()).reshape(-1)
    assert np.allclose(values, full[where], rtol=0, atol=1e-12)


@pytest.mark.parametrize("body, diagnosis, phrase", [
    (lambda x: max(x, 0), "array-truth-value", "np.maximum(x, 0)"),
    (lambda x: __import__("math").exp(x), "array-to-scalar", "np.exp"),
    (lambda x: 1 - x ^ 2, "xor-for-power", "y ** 2"),
    (lambda x: np.divide(x, 3.0, out=x.astype(np.int64)), "float-into-integer-array", "astype(float)"),
    (lambda x: x * undefined_notebook_name, "undefined-name", "what forward stored on self"),  # noqa: F821
    (lambda x: x.max(axis=1).max(axis=2), "axis-out-of-bounds", "removes its axis"),
    (lambda x: [].append(*x[0]), "append-for-extend", ".extend(items)"),
    (lambda x: x[np.arange(x.shape[0] + 1)], "index-out-of-bounds", "run from 0 to n - 1"),
    (lambda x: (7).permutation(x.shape[0]), "number-for-generator", "np.random.default_rng(seed)"),
])
def test_call_names_common_exception_slips(body, diagnosis, phrase):
    """cases.call turns a raw exception of a common slip into the slip in words (general, any lab)."""
    with pytest.raises(CheckFailure) as info:
        cases.call(body, np.ones((2, 3)), label="Act.forward", names=("x",))
    assert info.value.diagnosis == diagnosis and phrase in str(info.value) and "raised" in str(info.value)


def test_a_local_read_before_assignment_is_named():
    def forward(x):
        if x.sum() < 0:
            out = x
        return out
    with pytest.raises(CheckFailure) as info:
        cases.call(forward, np.ones((2, 3)), label="Act.forward", names=("x",))
    assert info.value.diagnosis == "unbound-local" and "only in one branch of an if" in str(info.value)


def test_matmul_mismatch_named_only_in_elementwise_functions():
    text = "matmul: Input operand 1 has a mismatch in its core dimension 0 (size 1 is different from 5)"
    assert cases.explain_exception(text, elementwise=True)[1] == "matmul-for-elementwise"
    assert cases.explain_exception(text) is None
    assert cases.explain_exception("index 3 is out of bounds") is None
    dot = "shapes (1,5) and (1,5) not aligned: 5 (dim 1) != 1 (dim 0)"      # np.dot's wording
    assert cases.explain_exception(dot, elementwise=True)[1] == "matmul-for-elementwise"
    assert cases.explain_exception(dot) is None


def test_diagonal_only_not_said_when_whole_rows_are_right():
    """Rows 0-2 right, rows 3-5 wrong (a loop over the wrong range): not 'right on the diagonal only'."""
    e = np.arange(1.0, 19.0).reshape(6, 3)
    g = e.copy()
    g[3:] = 100.0
    said, diagnosis = core.analyse_difference(g, e, 1e-6, 1e-9)
    assert diagnosis != "diagonal-only"
    g = np.full((4, 4), 50.0)
    np.fill_diagonal(g, np.diag(e[:4, :3].repeat(2, axis=1)[:, :4]))
    e4 = e[:4, :3].repeat(2, axis=1)[:, :4]
    assert core.analyse_difference(g, e4, 1e-6, 1e-9)[1] == "diagonal-only"


def test_formula_names_a_parameter_dropped_from_a_sum():
    """y + 1 where y + alpha belongs (alpha forgotten in one place): named as the term `alpha`."""
    rng = np.random.default_rng(3)
    y, g = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    env = {"y": y, "g": g, "alpha": np.full((3, 4), 0.7)}
    said = formula.explain_formula("g * (y + alpha)", env, g * (y + 1), outer=("g",))
    assert said is not None and "`y + 1`" in said and "or an expression equal to it" in said


def test_formula_names_missing_parentheses_around_an_integer_division():
    """`n + 2 * pad - k // stride + 1` where `(n + 2 * pad - k) // stride + 1` belongs: // binds like /."""
    n, k = np.array([28.0, 7, 10, 11, 13]), np.array([3.0, 3, 3, 5, 4])
    stride, pad = np.array([1.0, 2, 3, 3, 4]), np.array([1.0, 1, 0, 2, 1])
    env = {"n": n, "k": k, "stride": stride, "pad": pad}
    said = formula.explain_formula("(n + 2 * pad - k) // stride + 1", env, n + 2 * pad - k // stride + 1)
    assert said is not None and "`n + 2 * pad - k // stride`" in said, said


def test_formula_names_a_scalar_parameter_dropped_or_rounded():
    rng = np.random.default_rng(4)
    y, g, x = rng.normal(size=(3, 4)), rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    said = formula.explain_formula("g * (y + alpha)", {"y": y, "g": g, "alpha": 0.7}, g * (y + 1), outer=("g",))
    assert said is not None and "`y + 1`" in said
    said = formula.explain_formula("scale * x", {"x": x, "scale": 1.0507009873554805}, 1.05 * x)
    assert said is not None and "`1.05 * x`" in said


def test_float_of_a_vector_is_said_as_a_reduction_over_one_axis_not_as_a_shape_mismatch():
    def loss(a):
        return float(np.mean(a ** 2, axis=0))
    with pytest.raises(CheckFailure) as err:
        cases.call(loss, np.ones((4, 3)), label="loss", names=("a",))
    assert err.value.diagnosis == "array-to-scalar"
    assert "reduce over every entry" in str(err.value) and "This is a shape mismatch" not in str(err.value)
    assert cases.call(lambda a: float(np.mean(a ** 2)), np.ones((4, 3)), label="loss", names=("a",)) == 1.0


def test_formula_prefers_a_dropped_term_to_an_invented_factor():
    """exp(z - m) / sum(exp(z)) equals exp(z - 2m) / sum(exp(z - m)): the shift missing from the denominator
    (a term dropped) is said, not a made-up factor 2 in the numerator."""
    z = np.array([[1.0, 2.0, 3.0, -1.0], [0.5, -0.2, 1.1, 0.3]])
    row = lambda f: (lambda a: f(a, axis=1, keepdims=True))
    env = {"z": z, "max_axis1": row(np.max), "sum_axis1": row(np.sum)}
    got = np.exp(z - z.max(axis=1, keepdims=True)) / np.exp(z).sum(axis=1, keepdims=True)
    said = formula.explain_formula("exp(z - max_axis1(z)) / sum_axis1(exp(z - max_axis1(z)))", env, got)
    assert said is not None and "the term `z - max_axis1(z)` is wrong" in said and "sum_axis1(exp(z))" in said, said


def test_formula_names_a_two_argument_function_forgotten():
    """maximum(x, 0) written x: the function of several arguments forgotten is an edit too."""
    said = formula.explain_formula("maximum(x, 0) + log1p(exp(-abs(x)))", {"x": _X},
                                   _X + np.log1p(np.exp(-np.abs(_X))), mask=_X < 0)
    assert said is not None and "the term `maximum(x, 0)` is wrong" in said and "computes `x`" in said, said


def test_formula_ignores_edits_that_overflow():
    """An edit that only fits because exp overflowed (inf in a denominator gives 0) is not an explanation."""
    z = np.array([[1.0, 2.0, 3.0, 300.0]])
    row = lambda f: (lambda a: f(a, axis=1, keepdims=True))
    env = {"z": z, "max_axis1": row(np.max), "sum_axis1": row(np.sum)}
    said = formula.explain_formula("exp(z - max_axis1(z)) / sum_axis1(exp(z - max_axis1(z)))", env, np.zeros((1, 4)))
    assert said is None or "**" not in said, said


def test_call_names_a_math_range_error():
    """math.exp of a large number raises OverflowError('math range error'): named as such."""
    import math
    with pytest.raises(CheckFailure) as info:
        cases.call(lambda x: np.vectorize(lambda v: 1 / (1 + math.exp(-v)))(x), np.array([[-1000.0, 0.0]]),
                   label="Sigmoid.forward", names=("x",))
    assert info.value.diagnosis == "math-range-error" and "exp(-|x|)" in str(info.value)


def test_formula_names_a_reused_subexpression_edited_everywhere():
    """e = exp(z / m) computed once and used in the numerator and the denominator: one edit, said everywhere."""
    z = np.array([[1.0, 2.0, 3.0, -1.0], [0.5, -0.2, 1.1, 0.3]])
    row = lambda f: (lambda a: f(a, axis=1, keepdims=True))
    env = {"z": z, "max_axis1": row(np.max), "sum_axis1": row(np.sum)}
    e = np.exp(z / z.max(axis=1, keepdims=True))
    said = formula.explain_formula("exp(z - max_axis1(z)) / sum_axis1(exp(z - max_axis1(z)))", env,
                                   e / e.sum(axis=1, keepdims=True))
    assert said is not None and "computes `z / max_axis1(z)` in its place everywhere" in said, said


def test_round6_slices_missing_edge_batch_axis_and_special_last():
    order = np.random.default_rng(0).permutation(12)
    batches = [order[0:5], order[5:5], order[10:5]]
    said = cases.explain_slices(batches, 12, 5, order)
    assert "order[0:5], an empty slice" in said and "order[start:batch_size]" in said
    assert cases.explain_slices([order[0:5], order[5:10], order[10:12]], 12, 5, order) is None
    said = cases.explain_slices([order[0:4], order[5:9], order[10:12]], 12, 5, order)
    assert "batch 0, order[0:4] where order[0:5] belongs" in said
    assert "range(N - 1)" in cases.explain_missing(np.random.default_rng(0).permutation(9), 10)
    assert cases.explain_missing(np.arange(10), 10) is None
    with pytest.raises(CheckFailure, match="batch axis 0 was reduced"):
        core.expect_array(np.zeros((1, 4)), name="out", shape=(5, 4))

    def special():
        core.fail("named on the special shape", "special-diagnosis")

    def ordinary():
        core.fail("named on an ordinary shape", "ordinary-diagnosis")
    with pytest.raises(CheckFailure, match="special shape"):
        cases.run_cases([("N == C", special), (None, ordinary)])
    with pytest.raises(CheckFailure, match="ordinary shape"):
        cases.run_cases([("N == C", special), (None, ordinary)], special_last=True)
    # right batches followed by an empty one are left to the caller ("empty batch"); single samples locate nothing
    assert cases.explain_slices([order[0:5], order[5:10], order[10:12], order[12:12]], 12, 5, order) is None
    assert cases.explain_slices([order[k:k + 1] for k in range(12)][::-1], 12, 1, order) is None


def test_an_exception_without_shape_words_is_not_called_a_shape_mismatch():
    """The call's signature names the arguments' shapes: only the exception's own text decides."""
    def lookup(x):
        raise KeyError("W3")
    with pytest.raises(CheckFailure) as info:
        cases.call(lookup, np.ones((2, 3)), label="forward", names=("x",))
    assert "shape mismatch" not in str(info.value) and "of shape (2, 3)" in str(info.value)

    def misaligned(x):
        return x @ x
    with pytest.raises(CheckFailure) as info:
        cases.call(misaligned, np.ones((2, 3)), label="forward", names=("x",))
    assert "shape mismatch" in str(info.value)


def test_elementwise_argument_readings_of_round_7():
    """f(|x|) for f(x) is said as the sign lost on the x < 0 side; for a function with f(kx) = k f(x)
    (ReLU) the argument reading says it equals a factor on the output (no exp/tanh to blame)."""
    def sigmoid(v):
        return 0.5 * (1 + np.tanh(0.5 * v))
    x = np.linspace(-3, 3, 12).reshape(3, 4)
    said = cases.explain_elementwise(x, sigmoid(np.abs(x)), sigmoid(x), rtol=1e-6, atol=1e-9,
                                     probe=lambda p: sigmoid(np.abs(p)), oracle=sigmoid)
    assert "evaluated at |x|" in said

    def relu(v):
        return np.maximum(v, 0.0)
    said = cases.explain_elementwise(x, 2 * relu(x), relu(x), rtol=1e-6, atol=1e-9,
                                     probe=lambda p: 2 * relu(p), oracle=relu)
    assert "times 2" in said and "exp/tanh" not in said and "same as its output times 2" in said


@pytest.mark.parametrize("factor, shape, phrase, diagnosis", [
    (1 / 5, (5, 3), "times 0.2, that is divided by N = 5, the number of samples (axis 0 of (5, 3)): one division by N too many",
     "scaled-by-n"),
    (5.0, (5, 3), "multiplied by N = 5, the number of samples", "scaled-by-n"),
    (1 / 3, (5, 3), "divided by 3, the size of axis 1 of (5, 3) (not the samples)", "scaled-by-size"),
    (1 / 15, (5, 3), "divided by 15, the number of entries of (5, 3) (N * D, not N)", "scaled-by-size"),
])
def test_a_factor_that_is_a_size_of_the_call_is_named(factor, shape, phrase, diagnosis):
    want = np.random.default_rng(0).normal(size=shape) + 2.0
    with pytest.raises(CheckFailure) as info:
        core.expect_close(want * factor, want, name=f"f(x of shape {shape} float64)")
    assert phrase in str(info.value) and info.value.diagnosis == diagnosis, str(info.value)


def test_a_factor_of_a_square_input_is_not_given_a_size():
    """(4, 4): N and D are both 4, so 'divided by N' could as well be 'by D': the plain factor is said."""
    want = np.random.default_rng(1).normal(size=(4, 4)) + 2.0
    with pytest.raises(CheckFailure) as info:
        core.expect_close(want / 4, want, name="f(x of shape (4, 4) float64)")
    assert info.value.diagnosis == "scaled" and "times 0.25" in str(info.value)


def test_a_batch_size_shared_by_two_arrays_is_still_n_and_other_axes_zero_are_not():
    want = np.random.default_rng(2).normal(size=(3, 4)) + 2.0
    name = "conv(dout of shape (5, 4) float64, w of shape (2, 3, 6, 7))"
    with pytest.raises(CheckFailure) as info:
        core.expect_close(want / 5, want, name=name)
    assert "divided by N = 5, the number of samples (axis 0 of (5, 4))" in str(info.value)
    with pytest.raises(CheckFailure) as info:
        core.expect_close(want * 2, want, name=name)
    assert "multiplied by 2, the size of axis 0 of (2, 3, 6, 7) (not the samples)" in str(info.value)


def test_elementwise_wrong_only_at_the_last_position_is_named_as_a_position():
    """A loop over the entries that stops one early: the last entry is wrong whatever value it holds (confirmed
    by swapping values), so the message names the position, not a branch of the formula."""
    def skip_last(x):
        out = np.tanh(x).ravel().copy()
        out[-1] = 0.0
        return out.reshape(x.shape)
    x = np.array([[-1.5, 0.7, -0.2], [1.1, -0.9, 0.4], [-2.0, 0.3, -0.6]])
    said = cases.explain_elementwise(x, skip_last(x), np.tanh(x), rtol=1e-9, atol=1e-12, probe=skip_last,
                                     oracle=np.tanh)
    assert said and "except at the last entry" in said and "(2, 2)" in said
    # wrong for x < 0 wherever those values sit: a branch of the formula, not a position
    def neg_wrong(x):
        return np.where(x < 0, 2 * np.tanh(x), np.tanh(x))
    x = np.array([[0.5, 0.7, 0.2], [1.1, 0.9, 0.4], [1.3, 0.3, -0.6]])
    said = cases.explain_elementwise(x, neg_wrong(x), np.tanh(x), rtol=1e-9, atol=1e-12, probe=neg_wrong,
                                     oracle=np.tanh)
    assert said is None or "except at the last entry" not in said


def test_round_9_rounded_values_named():
    """A value rounded (or truncated) to k decimals is said as such (never for 0 decimals, which floor and
    integer division diagnoses own)."""
    e = np.array([0.123456789, 2.718281828])
    said, diagnosis = core.analyse_difference(np.round(e, 4), e, 1e-7, 1e-9)
    assert diagnosis == "rounded" and "rounded to 4 decimals" in said
    e = np.array([0.6666666, 2.7189])
    said, diagnosis = core.analyse_difference(np.trunc(e * 1e3) / 1e3, e, 1e-7, 1e-9)
    assert diagnosis == "rounded" and "truncated to 3 decimals" in said
    assert core.analyse_difference(np.floor(e), e, 1e-7, 1e-9)[1] != "rounded"
    assert core.analyse_difference(e * 1.5, e, 1e-7, 1e-9)[1] == "scaled"


def test_a_factor_is_not_read_from_a_single_ratio():
    """"Times k" needs two non-zero expected entries: with one (a per-class precision where only one class
    is ever predicted) any wrong value is some multiple of it, so the factor would be a guess."""
    e = np.array([0.0, 0.75, 0.0])
    assert core.analyse_difference(np.array([0.0, 0.3, 0.0]), e, 1e-7, 1e-9)[1] != "scaled"
    assert core.analyse_difference(np.array([0.0, 0.3, 0.2]), np.array([0.0, 0.6, 0.4]), 1e-7, 1e-9)[1] == "scaled"


def test_round_9_broadcast_to_and_missing_keys_explained():
    """np.broadcast_to's error is read; a KeyError names the keys of the call's dicts."""
    text = ("f(x) raised ValueError: operands could not be broadcast together with remapped shapes "
            "[original->remapped]: (7,)  and requested shape (7,1)")
    assert "reshape them (np.reshape(a, (7, 1)))" in cases.explain_broadcast(text)

    def update(params, grads, lr):
        for k in params:
            params[k] -= lr * grads["d" + k]
    with pytest.raises(CheckFailure, match=r"looked up the key 'dW'.*grads has the keys \['W', 'b'\]") as info:
        cases.call(update, {"W": np.ones(2), "b": np.ones(1)}, {"W": np.ones(2), "b": np.ones(1)}, 0.1,
                   label="update", names=("params", "grads", "lr"))
    assert info.value.diagnosis == "raised-keyerror"


def test_round_9_permutation_per_batch_confirmed_by_replay():
    """Batches that are slices of a new permutation each are named only when the replay reproduces them."""
    g = np.random.default_rng(7)
    batches = [g.permutation(10)[s:s + 4] for s in (0, 4, 8)]
    assert "NEW permutation" in cases.explain_redrawn(batches, 10, 7)
    order = np.random.default_rng(7).permutation(10)
    assert cases.explain_redrawn([order[0:4], order[4:8], order[8:]], 10, 7) is None
    with pytest.raises(CheckFailure, match=r"right only for such shapes") as info:
        cases.run_cases([("N == C", lambda: None), (None, lambda: core.fail("f(x) has wrong values"))])
    assert info.value.diagnosis == "right-only-for-special-shapes"


def test_a_float16_answer_is_not_given_float16_tolerances():
    """float32 answers get float32 tolerances; float16 is no dtype a lab asks for: named, not passed."""
    want = np.random.default_rng(3).normal(size=(4, 3))
    core.expect_close(want.astype(np.float32), want, name="f")
    with pytest.raises(CheckFailure) as info:
        core.expect_close(want.astype(np.float16), want, name="f")
    assert info.value.diagnosis == "low-precision-dtype" and "float16 precision" in str(info.value)


def test_explain_formula_names_a_term_off_by_a_constant_factor():
    # no single edit gives pdf * pi ** 1.5: the factor is fitted and checked on every entry, the term said
    pdf = np.exp(-0.5 * _X ** 2) / np.sqrt(2 * np.pi)
    env = {"x": _X, "cdf": _S, "pdf": pdf}
    text = formula.explain_formula("cdf + x * pdf", env, _S + np.pi ** 1.5 * _X * pdf, rtol=1e-9, atol=1e-12,
                                   scaled=True)
    assert text is not None and "`x * pdf` multiplied by 5.568 (= pi ** 1.5)" in text, text
    # only when asked (other callers keep their answers), and never a parameter of env (said elsewhere)
    assert formula.explain_formula("cdf + x * pdf", env, _S + np.pi ** 1.5 * _X * pdf, rtol=1e-9, atol=1e-12) is None
    assert formula.explain_formula("cdf + x * pdf", {**env, "k": np.pi ** 1.5}, _S + np.pi ** 1.5 * _X * pdf,
                                   rtol=1e-9, atol=1e-12, scaled=True) is None
    # the whole formula scaled is not a term's factor (the difference analysis says it)
    assert formula.explain_formula("cdf + x * pdf", env, 3 * (_S + _X * pdf), rtol=1e-9, atol=1e-12,
                                   scaled=True) is None


def test_explain_elementwise_locates_a_wrong_interval_only_when_asked():
    def leaky(v, t=0.0):
        return np.where(v > t, v, 0.2 * v)
    x = np.array([[-2.0, -0.5, 0.1, 0.15, 1.0, 2.5]])
    said = cases.explain_elementwise(x, leaky(x, 0.2), leaky(x), rtol=1e-6, atol=1e-9, interval=True,
                                     probe=lambda p: leaky(p, 0.2), oracle=leaky)
    assert said is not None and "wrong only for 0 < x < 0.2" in said and "switches branch at x = 0.2" in said, said
    capped = cases.explain_elementwise(x, np.clip(x, 0, 1), np.maximum(x, 0), rtol=1e-6, atol=1e-9, interval=True,
                                       probe=lambda p: np.clip(p, 0, 1), oracle=lambda p: np.maximum(p, 0))
    assert capped is not None and "wrong only for x > 1" in capped and "constant (1)" in capped, capped
    # a whole side of 0 is the side analysis' story; without interval=True nothing changes
    side = cases.explain_elementwise(x, 2 * np.maximum(x, 0), np.maximum(x, 0), rtol=1e-6, atol=1e-9, interval=True,
                                     probe=lambda p: 2 * np.maximum(p, 0), oracle=lambda p: np.maximum(p, 0))
    assert side is not None and "wrong only" not in side
    plain = cases.explain_elementwise(x, leaky(x, 0.2), leaky(x), rtol=1e-6, atol=1e-9,
                                      probe=lambda p: leaky(p, 0.2), oracle=leaky)
    assert plain is None or "wrong only" not in plain


def test_round_10_an_in_place_change_says_its_rule():
    """A scaling (or shift) done in place on an argument is said, not only that entries changed."""
    def divides(a):
        a /= 5
        return a
    with pytest.raises(CheckFailure, match=r"every entry was divided by 5\)"):
        core.call(divides, np.arange(1.0, 7.0).reshape(2, 3), name="f")

    def row_max(a):
        a -= a.max(axis=1, keepdims=True)
        return a
    with pytest.raises(CheckFailure, match=r"each row was shifted by its own constant"):
        core.call(row_max, np.random.default_rng(0).normal(size=(3, 4)), name="f")


def test_round_10_special_shapes_claim_refuted_by_an_ordinary_pass():
    """'Right only for such shapes' is not said when an ordinary case passed too."""
    with pytest.raises(CheckFailure) as info:
        cases.run_cases([("N == C", lambda: None), (None, lambda: None),
                         (None, lambda: core.fail("f(x) has wrong values"))])
    assert "right only for such shapes" not in str(info.value)


def test_a_wrong_elementwise_function_is_named_when_it_is_a_textbook_one():
    """checks/lookalike.py: the student's values equal one catalogue function at points on both sides of 0."""
    from autograder.checks import lookalike
    relu = lambda x: np.maximum(x, 0.0)
    assert lookalike.name_function(lambda x: np.log1p(np.exp(x)), relu).startswith("softplus")
    assert "hard sigmoid clip" in lookalike.name_function(lambda x: np.clip(0.2 * x + 0.5, 0, 1), relu)
    tanh_grad = lambda x: 1 - np.tanh(x) ** 2
    assert "the sigmoid's derivative formula applied to tanh's output" in \
        lookalike.name_function(lambda x: np.tanh(x) * (1 - np.tanh(x)), tanh_grad)
    assert lookalike.name_function(relu, relu) is None                               # right: nothing to name
    assert lookalike.name_function(lambda x: np.maximum(x, 0.0) * 1.5, relu) is None  # no textbook function
    assert lookalike.name_function(lambda x: np.full_like(x, np.nan), relu) is None
    assert lookalike.name_function(lambda x: 1 / 0, relu) is None                    # a probe that raises


def test_a_single_number_where_an_array_belongs_is_read_as_a_reduction_over_every_axis():
    want = np.array([[1.0, 2.0, 3.5]])
    with pytest.raises(core.CheckFailure) as info:
        core.expect_array(np.float64(6.5), name="dgamma", shape=(1, 3), want=want)
    assert "got numpy.float64: it equals the sum of every entry" in str(info.value)
    assert info.value.diagnosis == "reduced-over-every-axis"
    with pytest.raises(core.CheckFailure) as info:
        core.expect_array(np.float64(6.5 / 3), name="db", shape=(1, 3), want=lambda: want)
    assert "the mean of every entry" in str(info.value)
    with pytest.raises(core.CheckFailure) as info:      # another number: the plain message only
        core.expect_array(np.float64(6.4), name="dgamma", shape=(1, 3), want=want)
    assert str(info.value) == "dgamma must be a numpy.ndarray, got numpy.float64"
    with pytest.raises(core.CheckFailure) as info:      # equal to an entry as well: no story
        core.expect_array(3.0, name="dgamma", shape=(1, 3), want=np.array([[3.0, 0.0, 0.0]]))
    assert "every entry" not in str(info.value)


def _uses_helper(x):
    return helper(x) + 1    # noqa: F821 - lent by the test (core.lent_globals)


def test_judged_again_lends_restores_and_notes_the_failure():
    """core.judged_again: the lent name is seen inside the check and gone after it, a pass is True, a failure is raised
    again with the note after its message and its comparison kept, and a lending that cannot start is False."""
    def check():
        if _uses_helper(1) != 3:
            failure = core.CheckFailure("wrong value", "some-id")
            failure.where = " (raised at `line` in f)"
            raise failure
    assert core.judged_again(check, core.lent_globals(_uses_helper, {"helper": lambda x: 2 * x}), "unused")
    assert "helper" not in _uses_helper.__globals__
    with pytest.raises(core.CheckFailure) as info:
        core.judged_again(check, core.lent_globals(_uses_helper, {"helper": lambda x: x}), "judged with the lent helper")
    assert str(info.value) == "wrong value (judged with the lent helper)"
    assert info.value.diagnosis == "some-id" and info.value.where == " (raised at `line` in f)"
    assert "helper" not in _uses_helper.__globals__

    @contextlib.contextmanager
    def unlendable():
        raise RuntimeError("cannot lend")
        yield
    assert core.judged_again(check, unlendable(), "unused") is False


_BUFFER = np.zeros((2, 3))


def _into_buffer(x):
    np.multiply(x, 2.0, out=_BUFFER)
    return _BUFFER, (x, x + 1.0)


def test_results_between_calls_sees_a_buffer_kept_between_calls():
    """core.results_between_calls: a result written into a module-level buffer is changed and shared by the second
    call, the argument handed back is marked as the caller's own, a fresh result is neither; a raise is None."""
    first, second = (np.ones((2, 3)),), (np.full((2, 3), 5.0),)
    found = core.results_between_calls(_into_buffer, first, second)
    assert [r.path for r in found] == [(0,), (1, 0), (1, 1)]
    assert found[0].changed and found[0].shared and not found[0].is_input
    assert found[1].is_input and not found[1].changed and not found[1].shared
    assert not found[2].changed and not found[2].shared
    bare = core.results_between_calls(lambda x: x * 2.0, first, second)
    assert [(r.path, r.changed, r.shared) for r in bare] == [((), False, False)]
    assert core.results_between_calls(lambda x: 1 / 0, first, second) is None


def test_result_after_change_sees_a_cache_keyed_on_the_array():
    """core.result_after_change: the second call on the same array, changed in place, must see the new values; a
    cache keyed on id(x) returns the first call's result, a fresh computation does not; None leaves an argument."""
    memo: dict = {}

    def cached(x, k):
        return memo.setdefault(id(x), x * k)

    x, changed = np.ones((2, 3)), np.full((2, 3), 4.0)
    assert np.array_equal(core.result_after_change(cached, (x, 2.0), (changed, None)), np.full((2, 3), 2.0))
    y = np.ones((2, 3))
    assert np.array_equal(core.result_after_change(lambda a, k: a * k, (y, 2.0), (changed, None)), 2 * changed)
    assert np.array_equal(y, changed)
