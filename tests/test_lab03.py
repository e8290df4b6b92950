"""Lab 03 (activation functions): hidden checks, oracles, reference stability and the bug zoo."""
from __future__ import annotations

import math
import re
import warnings

import numpy as np
import pytest

from autograder import harness, zoo
from autograder.checks import core
from autograder.checks import lab03 as checks

LAB = "lab03-activations"
CLASSES = {  # check name -> class name in the notebook
    "sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "ReLU", "leaky_relu": "LeakyReLU", "elu": "ELU",
    "selu": "SELU", "softplus": "Softplus", "gelu": "GELU", "gelu_tanh": "GELUTanh", "silu": "SiLU",
}


# ---------------------------------------------------------------------------- oracles

@pytest.mark.parametrize("name", sorted(checks.SPECS))
def test_oracle_derivative_matches_finite_differences(name):
    spec = checks.SPECS[name]
    x = checks._away_from_kinks(np.random.default_rng(3), (40,), spec.kinks)
    h = 1e-6
    numeric = (checks._map(spec.f, x + h) - checks._map(spec.f, x - h)) / (2 * h)
    assert np.allclose(checks._map(spec.df, x), numeric, rtol=1e-6, atol=1e-8)


def test_oracles_at_known_values():
    assert checks._sig(0.0) == 0.5 and checks._sig(-1000.0) == 0.0 and checks._sig(1000.0) == 1.0
    assert math.isclose(checks._softplus(0.0), math.log(2.0))
    assert math.isclose(checks._gelu(1.0), 0.8413447460685429, rel_tol=1e-12)
    # the tanh form approximates the exact GELU to ~5e-4, not better (the checks tell them apart)
    diff = max(abs(checks._gelu(v) - checks._gelu_tanh(v)) for v in np.linspace(-5, 5, 1001))
    assert 1e-4 < diff < 1e-3
    # SELU: the published constants (Klambauer et al. 2017)
    assert math.isclose(checks.SELU_ALPHA, 1.6732632423543772) and math.isclose(checks.SELU_SCALE, 1.0507009873554805)


def test_softmax_oracles():
    rng = np.random.default_rng(0)
    z, g = rng.normal(size=(4, 5)), rng.normal(size=(4, 5))
    y = checks._softmax_oracle(z)
    assert np.allclose(y.sum(axis=1), 1.0) and (y > 0).all()
    numeric = core.numerical_gradient(lambda v: float(np.sum(checks._softmax_oracle(v) * g)), z.copy())
    assert np.allclose(checks._softmax_jvp_oracle(z, g), numeric, atol=1e-8)
    extreme = checks._softmax_oracle(np.array([[1000.0, -1000.0, 999.0]]))
    assert np.allclose(extreme, [[1 / (1 + math.exp(-1)), 0.0, 1 / (1 + math.exp(1))]])


@pytest.mark.parametrize("name", sorted(checks.SPECS))
def test_every_diagnosis_differs_from_the_right_answer(name):
    """A diagnosis equal to the expected values could never fire (or would fire on correct code)."""
    spec = checks.SPECS[name]
    x = checks._away_from_kinks(np.random.default_rng(5), (3, 4), spec.kinks)
    g = np.random.default_rng(6).normal(size=(3, 4))
    for message, wrong in spec.wrong_forward(x).items():
        assert not core.close(wrong, checks._map(spec.f, x), 1e-6, 1e-9), message
    for message, wrong in {**spec.wrong_backward(x, g), **checks._chain_rule(spec)(x, g)}.items():
        assert not core.close(wrong, g * checks._map(spec.df, x), 1e-6, 1e-9), message


# ------------------------------------------------------------ checks on the reference

def _all_checks():
    for name, cls in CLASSES.items():
        yield f"{name}_forward", cls
        yield f"{name}_backward", cls
    yield "softmax_forward", "Softmax"
    yield "softmax_backward", "Softmax"


@pytest.mark.parametrize("check, cls", list(_all_checks()))
def test_checks_accept_the_reference_silently(ns, check, cls):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        getattr(checks, check)(ns[cls])


def test_reference_is_stable_on_a_dense_grid(ns):
    """No warning, no NaN, dtype kept, for every layer on [-1000, 1000] in both precisions."""
    for dtype in (np.float32, np.float64):
        x = np.linspace(-1000.0, 1000.0, 20001, dtype=dtype).reshape(3, -1)
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            for cls in [*CLASSES.values(), "Softmax"]:
                layer = ns[cls]()
                y = layer.forward(x)
                d = layer.backward(np.ones_like(x))
                assert y.dtype == dtype and d.dtype == dtype, cls
                assert np.isfinite(y).all() and np.isfinite(d).all(), cls


def test_layers_follow_the_lab01_protocol(ns):
    for cls in [*CLASSES.values(), "Softmax"]:
        layer = ns[cls]()
        assert layer.parameters() == []
        assert isinstance(layer, ns["Activation"])


class _AlwaysEqual(np.ndarray):
    def __eq__(self, other):
        return np.ones(self.shape, dtype=bool)


def test_checks_reject_impostors(ns):
    class ReturnsList(ns["Activation"]):
        def forward(self, x):
            return ns["Sigmoid"]().forward(x).tolist()

    class ReturnsSubclass(ns["Activation"]):
        def forward(self, x):
            return ns["Sigmoid"]().forward(x).view(_AlwaysEqual)

    class Warns(ns["Activation"]):
        def forward(self, x):
            return 1 / (1 + np.exp(-x))

    for cls, phrase in [(ReturnsList, "must be a numpy.ndarray"), (ReturnsSubclass, "plain numpy.ndarray"),
                        (Warns, "numerically stable")]:
        with pytest.raises(core.CheckFailure, match=phrase):
            checks.sigmoid_forward(cls)


def test_checks_reject_a_wrong_kink_convention(ns):
    class ReLUOneAtZero(ns["ReLU"]):
        def backward(self, grad_out):
            return grad_out * (self.x >= 0)

    with pytest.raises(core.CheckFailure, match=r"ReLU'\(0\) = 0"):
        checks.relu_backward(ReLUOneAtZero)


# ----------------------------------------------------------------------- the harness

def test_solution_full_marks_and_named_mutants():
    """The direct harness: the reference at full marks, three issue mutants caught by name."""
    module = zoo.load(LAB)
    wanted = ["naive sigmoid 1/(1+exp(-x)) overflowing at x = -1000", "ELU derivative missing the +alpha term",
              "softmax over the wrong axis"]
    by_name = {m.name: m for m in module.MUTANTS}
    solution = harness.grade_direct(LAB)
    assert solution.score == solution.max_score == 22, solution.messages()
    for name in wanted:
        out = harness.grade_direct(LAB, (by_name[name],), label=name)
        assert out.score < out.max_score, name
        assert any(e.lower() in m.lower() for m in out.messages() for e in by_name[name].expect), out.messages()


def test_zoo_covers_the_issue():
    module = zoo.load(LAB)
    assert len(module.MUTANTS) >= 15 and len(module.VARIANTS) >= 5
    names = " | ".join(m.name for m in module.MUTANTS).lower()
    for required in ["1/(1+exp(x))", "applied to the activation twice", "relu derivative 1 at x < 0",
                     "leaky slope applied to the positive side", "elu derivative missing the +alpha",
                     "naive softplus", "gelu tanh approximation with a wrong constant",
                     "softmax over the wrong axis"]:
        assert required in names, required


# ------------------------------------------------------------------------ issue 15: properties

def test_backward_is_judged_on_its_own_forward_cache(ns):
    """One mistake, one deduction: a wrong forward whose backward applies the documented formula to
    the cached output fails the forward cell only."""
    class SELUNoScale(ns["SELU"]):
        def forward(self, x):
            self.x = x
            self.y = np.where(x > 0, x, self.ALPHA * np.expm1(np.minimum(x, 0)))
            return self.y

    with pytest.raises(core.CheckFailure, match="scale"):
        checks.selu_forward(SELUNoScale)
    checks.selu_backward(SELUNoScale)


def test_silu_and_softplus_are_judged_relative_to_the_students_sigmoid(ns):
    class WrongSigmoid(ns["Sigmoid"]):
        def forward(self, x):
            e = np.exp(-np.abs(x))
            self.y = np.where(x >= 0, e / (1 + e), 1 / (1 + e))      # sigmoid(-x)
            return self.y

    scope = dict(ns)
    scope["Sigmoid"] = WrongSigmoid
    import types
    silu = type("SiLU", (ns["SiLU"],), {"forward": types.FunctionType(ns["SiLU"].forward.__code__, scope)})
    softplus = type("Softplus", (ns["Softplus"],),
                    {"backward": types.FunctionType(ns["Softplus"].backward.__code__, scope)})
    with pytest.raises(core.CheckFailure, match="sign of the exponent"):
        checks.sigmoid_forward(WrongSigmoid)
    checks.silu_forward(silu, WrongSigmoid)
    checks.silu_backward(silu)
    checks.softplus_backward(softplus, WrongSigmoid)
    with pytest.raises(core.CheckFailure):
        checks.silu_forward(silu)          # without the student's Sigmoid the value is simply wrong


def test_float32_log_sum_exp_softmax_keeps_full_marks(ns):
    class LSESoftmax(ns["Softmax"]):
        def forward(self, z):
            m = z.max(axis=1, keepdims=True)
            self.y = np.exp(z - (m + np.log(np.exp(z - m).sum(axis=1, keepdims=True))))
            return self.y

    checks.softmax_forward(LSESoftmax)
    checks.softmax_backward(LSESoftmax)


def test_square_only_softmax_is_named(ns):
    class NoKeepdims(ns["Softmax"]):
        def forward(self, z):
            e = np.exp(z - z.max(axis=1, keepdims=True))
            self.y = e / e.sum(axis=1)
            return self.y

    with pytest.raises(core.CheckFailure, match="keepdims"):
        checks.softmax_forward(NoKeepdims)


def test_derivative_applied_to_the_wrong_quantity_is_named(ns):
    class ReLUTimesOutput(ns["ReLU"]):
        def backward(self, grad_out):
            return grad_out * np.maximum(self.x, 0)

    with pytest.raises(core.CheckFailure, match="applied to the wrong quantity"):
        checks.relu_backward(ReLUTimesOutput)


def test_zoo_has_the_issue_15_size():
    module = zoo.load(LAB)
    assert len(module.MUTANTS) >= 40 and len(module.VARIANTS) >= 10


def test_float32_promoted_by_a_numpy_scalar_is_named_with_its_cause(ns):
    class SELU64(ns["SELU"]):
        def forward(self, x):
            return np.float64(self.SCALE) * super().forward(x) / self.SCALE

    with pytest.raises(core.CheckFailure, match="promotes float32 to float64"):
        checks.selu_forward(SELU64)


def test_softmax_with_one_jacobian_for_every_row_is_named(ns):
    class FirstJacobian(ns["Softmax"]):
        def backward(self, grad_out):
            y0 = self.y[0]
            return grad_out @ (np.diag(y0) - np.outer(y0, y0))

    with pytest.raises(core.CheckFailure, match="Jacobian of the first sample"):
        checks.softmax_backward(FirstJacobian)


def test_the_wrong_term_of_a_derivative_formula_is_named(ns):
    """Issue 15, fourth round: the wrong term of the documented formula, quoted as code (formula.explain_formula),
    whatever the case's size (looked for on readable points with grad_out != 1)."""
    class TanhSquareOutside(ns["Tanh"]):
        def backward(self, grad_out):
            return grad_out * (1 - self.y) ** 2

    class GeluCdfForPdf(ns["GELU"]):
        def backward(self, grad_out):
            return grad_out * (self.cdf + self.x * self.cdf)

    class EluTimesAlpha(ns["ELU"]):
        def backward(self, grad_out):
            return np.where(self.x > 0, grad_out, grad_out * self.alpha * self.y)

    for check, cls, phrase in ((checks.tanh_backward, TanhSquareOutside, "computes `(1 - y) ** 2`"),
                               (checks.gelu_backward, GeluCdfForPdf, "computes `x * cdf`"),
                               (checks.elu_backward, EluTimesAlpha, "for x < 0 your results (g = grad_out) fit")):
        with pytest.raises(core.CheckFailure, match=re.escape(phrase)):
            check(cls)


def test_backward_that_writes_into_the_forward_input_is_named(ns):
    """Property: backward only reads the cache; forward keeps a reference to the caller's x (ReLU: self.x = x), so a
    clip in place in backward changes the caller's array although the gradient returned is right."""
    class ClippingReLU(ns["ReLU"]):
        def backward(self, grad_out):
            self.x[self.x < 0] = 0
            return grad_out * (self.x > 0)

    class OwnCopyReLU(ns["ReLU"]):
        def backward(self, grad_out):
            x = self.x.copy()
            x[x < 0] = 0
            return grad_out * (x > 0)

    with pytest.raises(core.CheckFailure, match="changed the array x that was handed to ReLU.forward") as info:
        checks.relu_backward(ClippingReLU)
    assert info.value.diagnosis == "backward-modifies-forward-input"
    checks.relu_backward(OwnCopyReLU)


def test_a_raising_sigmoid_costs_only_its_own_cells(ns):
    """Softplus and SiLU call Sigmoid() by name: with a Sigmoid that raises they are judged with the documented one
    lent into their globals, and pass when their own code is right."""
    class RaisingSigmoid(ns["Sigmoid"]):
        def forward(self, x):
            return math.exp(-abs(x))

    scope = dict(ns)
    scope["Sigmoid"] = RaisingSigmoid
    import types
    silu = type("SiLU", (ns["SiLU"],), {"forward": types.FunctionType(ns["SiLU"].forward.__code__, scope)})
    softplus = type("Softplus", (ns["Softplus"],),
                    {"backward": types.FunctionType(ns["Softplus"].backward.__code__, scope)})
    with pytest.raises(core.CheckFailure):
        checks.sigmoid_forward(RaisingSigmoid)
    checks.silu_forward(silu, RaisingSigmoid)
    checks.silu_backward(silu, RaisingSigmoid)
    checks.softplus_backward(softplus, RaisingSigmoid)
    assert scope["Sigmoid"] is RaisingSigmoid          # the lent Sigmoid is gone after the check


def test_a_sigmoid_writing_into_its_input_costs_only_its_own_cell(ns):
    """Round 15: a Sigmoid whose forward takes |x| in place (values right) loses sigmoid_forward only: its backward is
    judged after what forward wrote, and Softplus / SiLU, which call Sigmoid() by name, are judged with the documented
    Sigmoid lent in its place."""
    class AbsInPlaceSigmoid(ns["Sigmoid"]):
        def forward(self, x):
            positive = x >= 0
            np.abs(x, out=x)
            e = np.exp(-x)
            self.y = np.where(positive, 1 / (1 + e), e / (1 + e))
            return self.y

    scope = dict(ns)
    scope["Sigmoid"] = AbsInPlaceSigmoid
    import types
    silu = type("SiLU", (ns["SiLU"],), {"forward": types.FunctionType(ns["SiLU"].forward.__code__, scope)})
    softplus = type("Softplus", (ns["Softplus"],),
                    {"backward": types.FunctionType(ns["Softplus"].backward.__code__, scope)})
    with pytest.raises(core.CheckFailure, match="modified its input"):
        checks.sigmoid_forward(AbsInPlaceSigmoid)
    checks.sigmoid_backward(AbsInPlaceSigmoid)
    checks.silu_forward(silu, AbsInPlaceSigmoid)
    checks.silu_backward(silu, AbsInPlaceSigmoid)
    checks.softplus_backward(softplus, AbsInPlaceSigmoid)
    assert scope["Sigmoid"] is AbsInPlaceSigmoid


def test_a_derivative_at_a_rescaled_argument_is_named(ns):
    """Round 15: tanh'(x) = 4 sigma'(2x) fed the cached output y: the values are tanh'(y / 2), named as such."""
    class TanhFromSigmoid(ns["Tanh"]):
        def backward(self, grad_out):
            s = 1 / (1 + np.exp(-self.y))
            return grad_out * 4 * s * (1 - s)

    with pytest.raises(core.CheckFailure, match=r"your values are Tanh'\(y / 2\)"):
        checks.tanh_backward(TanhFromSigmoid)


def test_a_cache_without_the_layers_factor_is_read_in_its_parameters(ns):
    """Round 15: ELU caching expm1(x) without alpha: the derivative (1 / alpha) * y + alpha is said with 1 / alpha."""
    class ELUCacheWithoutAlpha(ns["ELU"]):
        def forward(self, x):
            self.x = x
            self.y = np.where(x > 0, x, np.expm1(np.minimum(x, 0)))
            return np.where(x > 0, x, self.alpha * self.y)

    with pytest.raises(core.CheckFailure, match="the output divided by alpha"):
        checks.elu_backward(ELUCacheWithoutAlpha)


def test_a_result_that_is_a_transform_of_the_expected_function_is_read(ns):
    """Round 15b: -softplus(-x) (log-sigmoid) is read as that transform; x * sigmoid(|x|) as odd where SiLU is not."""
    class LogSigmoid(ns["Softplus"]):
        def forward(self, x):
            self.x = x
            return -np.logaddexp(0, -x)

    with pytest.raises(core.CheckFailure, match=r"exactly -softplus\(-x\)"):
        checks.softplus_forward(LogSigmoid)

    class SiLUOfAbs(ns["SiLU"]):
        def forward(self, x):
            self.x = x
            self.s = 1 / (1 + np.exp(-np.abs(x)))
            return x * self.s

    with pytest.raises(core.CheckFailure, match=r"are odd \(f\(-x\) = -f\(x\)\)"):
        checks.silu_forward(SiLUOfAbs)


def test_a_rounded_output_is_read_only_on_the_decimal_grid():
    """Round 19: a value rounded to k decimals is read (float64 and float32); the exact values, a float32 copy of
    them and values off by a tolerance-sized error are not."""
    e = np.array([[0.0474258731775668, 0.2689414213699951, 0.7310585786300049, 0.9525741268224334]])
    assert checks._rounded_reading(np.round(e, 6), e) == 6
    assert checks._rounded_reading(np.round(e, 4).astype(np.float32), e) == 4
    assert checks._rounded_reading(e, e) is None
    assert checks._rounded_reading(e.astype(np.float32), e) is None
    assert checks._rounded_reading(e + 3e-7, e) is None
