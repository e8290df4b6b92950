"""Hidden checks of Lab 03 (activation functions as layers).

One check per graded behaviour: ``<name>_forward(cls)`` and ``<name>_backward(cls)`` for each
activation class the students write.  Each check

* instantiates the class (with non-default hyper-parameters where it has some),
* checks ``parameters()`` is an empty list (the Lab 01 layer protocol),
* compares against an oracle written independently of the solution: plain Python ``math``
  evaluated element by element (and explicit Jacobians for softmax),
* uses random inputs of several shapes (batch 1 and > 1, non-square, 3-D for the
  elementwise functions) in float64 and float32 (dtype must be preserved),
* feeds extreme inputs (up to +-1000) where any naive ``exp`` overflows,
* compares ``backward`` with centred finite differences of ``forward`` (float64, away from
  kinks) and checks the documented convention *at* the kinks,
* checks that ``backward`` uses the input of the most recent ``forward`` of *that* instance.

Failure messages name the likely mistake (``diagnose=``).  Nothing here prints or warns.
"""
from __future__ import annotations

import contextlib
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np

from . import core
from . import formula as _formula
from .cases import call, diagnose_only, explain_elementwise, explain_factor, run_cases, signature, tolerance
from .formula import explain_formula

# ----------------------------------------------------------------------------- oracles
# Scalar formulas in plain Python floats, evaluated element by element: a formulation
# independent of any vectorised NumPy solution.  Each branch avoids math.exp of a large
# positive number (math.exp raises OverflowError instead of returning inf).

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
GELU_K = math.sqrt(2.0 / math.pi)
GELU_C = 0.044715


def _sig(v: float) -> float:
    if v >= 0:
        return 1.0 / (1.0 + math.exp(-v))
    e = math.exp(v)
    return e / (1.0 + e)


def _softplus(v: float) -> float:
    return max(v, 0.0) + math.log1p(math.exp(-abs(v)))


def _elu(v: float, alpha: float) -> float:
    return v if v > 0 else alpha * math.expm1(v)


def _delu(v: float, alpha: float) -> float:
    return 1.0 if v > 0 else alpha * math.exp(v)


def _gelu(v: float) -> float:
    return 0.5 * v * math.erfc(-v / math.sqrt(2.0))


def _dgelu(v: float) -> float:
    return 0.5 * math.erfc(-v / math.sqrt(2.0)) + v * math.exp(-0.5 * v * v) / math.sqrt(2.0 * math.pi)


def _gelu_tanh(v: float, k: float = GELU_K, c: float = GELU_C) -> float:
    return 0.5 * v * (1.0 + math.tanh(k * (v + c * v ** 3)))


def _dgelu_tanh(v: float, k: float = GELU_K, c: float = GELU_C, three: float = 3.0, kd: float | None = None) -> float:
    """``kd``: the factor of the inner derivative (sqrt(2/pi) unless a mistake drops it)."""
    t = math.tanh(k * (v + c * v ** 3))
    return 0.5 * (1.0 + t) + 0.5 * v * (1.0 - t * t) * (k if kd is None else kd) * (1.0 + three * c * v * v)


def _map(fn: Callable[[float], float], x: np.ndarray) -> np.ndarray:
    """Apply a scalar formula to every element (float64 result, same shape)."""
    flat = [fn(float(v)) for v in np.asarray(x, dtype=np.float64).reshape(-1)]
    return np.array(flat, dtype=np.float64).reshape(np.shape(x))


# ------------------------------------------------------------------ elementwise specs

@dataclass(frozen=True)
class Spec:
    """What the checks need to know about one elementwise activation."""
    label: str                                   # how messages name the layer
    make: Callable[[type], object]               # instantiate with the hyper-parameters under test
    f: Callable[[float], float]                  # oracle value
    df: Callable[[float], float]                 # oracle derivative (documented value at kinks)
    kinks: tuple = ()                            # points where f is not differentiable
    kink_rule: str = ""                          # the documented convention, for messages
    # x (float64) -> {message: wrong forward value}; (x, g) -> {message: wrong backward value}
    wrong_forward: Callable[[np.ndarray], dict] = field(default=lambda x: {})
    wrong_backward: Callable[[np.ndarray, np.ndarray], dict] = field(default=lambda x, g: {})
    # (x, y) -> f'(x) written, as the docstring does, with what forward cached (its output y): a
    # backward is judged relative to its own forward's cache when that forward is wrong.
    df_y: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None


def _chain_rule(spec: Spec):
    """Backward that forgot grad_out: returns f'(x) instead of grad_out * f'(x)."""
    return lambda x, g: {"backward must multiply the local derivative by grad_out (chain rule)":
                         _map(spec.df, x)}


SLOPE = 0.2        # non-default LeakyReLU slope used by the checks
ALPHA = 0.7        # non-default ELU alpha used by the checks


def _s(x):
    return _map(_sig, x)


def _ratio(y, x):
    """y / x where x is away from 0 (the cached factor of x * factor); NaN near 0 (not judged there)."""
    with np.errstate(all="ignore"):
        return np.where(np.abs(x) > 1e-3, y / np.where(x == 0, 1.0, x), np.nan)


def _gelu_tanh_df_y(x, y):
    t = 2 * _ratio(y, x) - 1
    du = GELU_K * (1 + 3 * GELU_C * x * x)
    return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du


SPECS: dict[str, Spec] = {}

#: The range of f'(x) over all x (a property any derivative formula must respect; rounded outwards).
DF_RANGE = {"sigmoid": (0.0, 0.25, "[0, 1/4]"), "tanh": (0.0, 1.0, "[0, 1]"), "relu": (0.0, 1.0, "{0, 1}"),
            "leaky_relu": (SLOPE, 1.0, f"{{slope = {SLOPE}, 1}}"), "elu": (0.0, 1.0, "[0, 1] (alpha < 1 here)"),
            "selu": (0.0, SELU_SCALE * SELU_ALPHA, "[0, scale*alpha ~ 1.758]"),
            "softplus": (0.0, 1.0, "[0, 1] (it is sigmoid(x))"), "gelu": (-0.129, 1.129, "[-0.129, 1.129]"),
            "gelu_tanh": (-0.129, 1.129, "[-0.129, 1.129]"), "silu": (-0.0999, 1.0999, "[-0.0999, 1.0999]")}

SPECS["sigmoid"] = Spec(
    "Sigmoid", lambda cls: cls(), _sig, lambda v: _sig(v) * (1 - _sig(v)),
    wrong_forward=lambda x: {
        "you computed 1/(1+exp(x)) = sigmoid(-x): the sign of the exponent is wrong, "
        "sigmoid(x) = 1/(1+exp(-x))": _s(-x)},
    wrong_backward=lambda x, g: {
        "the sigmoid was applied twice: the derivative is y*(1-y) with the cached output "
        "y = sigmoid(x), not sigmoid(y)*(1-sigmoid(y))": g * _s(_s(x)) * (1 - _s(_s(x))),
        "the derivative is y*(1-y) with the output y = sigmoid(x), not x*(1-x) with the input":
            g * x * (1 - x),
        "the derivative is y*(1-y): the (1-y) factor is missing": g * _s(x),
        "parentheses are missing: grad_out * y * (1 - y) is not grad_out*y - y**2": g * _s(x) - _s(x) ** 2,
    },
    df_y=lambda x, y: y * (1 - y))

SPECS["tanh"] = Spec(
    "Tanh", lambda cls: cls(), math.tanh, lambda v: 1 - math.tanh(v) ** 2,
    wrong_backward=lambda x, g: {
        "tanh'(x) = 1 - tanh(x)**2: the square is missing": g * (1 - np.tanh(x)),
        "tanh'(x) = 1 - y**2 with the output y = tanh(x), not 1 - x**2 with the input":
            g * (1 - x ** 2),
        "tanh was applied twice: the derivative is 1 - y**2 with the cached output y, not 1 - tanh(y)**2":
            g * (1 - np.tanh(np.tanh(x)) ** 2),
    },
    df_y=lambda x, y: 1 - y ** 2)

SPECS["relu"] = Spec(
    "ReLU", lambda cls: cls(), lambda v: max(v, 0.0), lambda v: 1.0 if v > 0 else 0.0,
    kinks=(0.0,), kink_rule="ReLU'(0) = 0 (the derivative is 1 only for x > 0)",
    wrong_forward=lambda x: {"ReLU(x) = max(x, 0), not |x|": np.abs(x)},
    wrong_backward=lambda x, g: {
        "ReLU'(x) must be 0 for x < 0 (your derivative is 1 at x < 0)": g,
        "the ReLU derivative mask is inverted (1 at x < 0, 0 at x > 0)": g * (x < 0),
        "the derivative is applied to the wrong quantity: ReLU backward multiplies grad_out by the 0/1 mask "
        "x > 0, not by the output y = max(x, 0)": g * np.maximum(x, 0),
        "the derivative is applied to the wrong quantity: mask grad_out where x > 0, do not apply ReLU to "
        "grad_out": np.maximum(g, 0),
        "every row is masked with the FIRST sample's mask (self.x[:1] > 0 or self.x[0] > 0): each sample's "
        "gradient passes where its own x > 0, grad_out * (self.x > 0)":
            (g * (x[:1] > 0)) if x.ndim == 2 and x.shape[0] > 1 else None,
    },
    df_y=lambda x, y: (y > 0) * 1.0)

SPECS["leaky_relu"] = Spec(
    f"LeakyReLU(slope={SLOPE})", lambda cls: cls(slope=SLOPE),
    lambda v: v if v > 0 else SLOPE * v, lambda v: 1.0 if v > 0 else SLOPE,
    kinks=(0.0,), kink_rule=f"LeakyReLU'(0) = slope (= {SLOPE} here): the derivative is 1 only for x > 0",
    wrong_forward=lambda x: {
        "the slope is applied to the positive side: LeakyReLU(x) = x for x > 0 and slope*x "
        "for x <= 0": np.where(x > 0, SLOPE * x, x),
        "the slope parameter is ignored (hard-coded 0.01?): use self.slope":
            np.where(x > 0, x, 0.01 * x),
        "for x <= 0 your values are x / slope: LeakyReLU multiplies by the slope there, slope * x (dividing "
        "instead gives 1/slope**2 times the expected value)": np.where(x > 0, x, x / SLOPE),
    },
    wrong_backward=lambda x, g: {
        "the slope is applied to the positive side: the derivative is 1 for x > 0 and "
        "slope for x <= 0": g * np.where(x > 0, SLOPE, 1.0),
        "the slope parameter is ignored (hard-coded 0.01?): use self.slope":
            g * np.where(x > 0, 1.0, 0.01),
        "LeakyReLU'(x) for x < 0 is the slope, not 0 (that is ReLU; or the slope was written into an integer "
        "array, such as (x > 0).astype(int), where 0.2 becomes 0: build the derivative as floats)": g * (x > 0),
    },
    df_y=lambda x, y: np.where(y > 0, 1.0, SLOPE))

SPECS["elu"] = Spec(
    f"ELU(alpha={ALPHA})", lambda cls: cls(alpha=ALPHA),
    lambda v: _elu(v, ALPHA), lambda v: _delu(v, ALPHA),
    kinks=(0.0,), kink_rule=f"ELU'(0) = alpha (= {ALPHA} here), the left derivative: 1 only for x > 0",
    wrong_forward=lambda x: {
        "ELU(x) = alpha*(exp(x)-1) for x <= 0: the -1 is missing": np.where(x > 0, x, ALPHA * np.exp(np.minimum(x, 0))),
        "the alpha parameter is ignored: use self.alpha": _map(lambda v: _elu(v, 1.0), x),
        "the np.where branches are swapped: for x < 0 your values are x (the x > 0 branch) and for x > 0 they are "
        "alpha * (exp(min(x, 0)) - 1) = 0 (the x <= 0 branch); np.where(cond, value where cond holds, value "
        "elsewhere): np.where(x > 0, x, alpha * (exp(x) - 1))":
            np.where(x < 0, x, ALPHA * np.expm1(np.minimum(x, 0))),
        "the np.where branches are swapped: for x < 0 your values are x (the x > 0 branch) and for x > 0 they are "
        "alpha * (exp(x) - 1) (the x <= 0 branch); np.where(cond, value where cond holds, value elsewhere): "
        "np.where(x > 0, x, alpha * (exp(x) - 1))":
            np.where(x < 0, x, ALPHA * np.expm1(x)),
    },
    wrong_backward=lambda x, g: {
        "the ELU derivative for x <= 0 is alpha*exp(x) = y + alpha: the +alpha term is missing":
            g * _map(lambda v: 1.0 if v > 0 else _elu(v, ALPHA), x),
        "the ELU derivative for x <= 0 is alpha*exp(x), not exp(x) (alpha is missing)":
            g * np.where(x > 0, 1.0, np.exp(np.minimum(x, 0))),
        "the derivative is applied to the wrong quantity: for x <= 0 it is alpha*exp(x) of the input x "
        "(= y + alpha), not alpha*exp(y) of the output":
            g * np.where(x > 0, 1.0, ALPHA * np.exp(_map(lambda v: _elu(v, ALPHA), x))),
        "y + alpha is the ELU derivative for x <= 0 only: for x > 0 the derivative is 1 (choose with "
        "np.where(x > 0, ...))": g * (_map(lambda v: _elu(v, ALPHA), x) + ALPHA),
    },
    df_y=lambda x, y: np.where(x > 0, 1.0, y + ALPHA))

SPECS["selu"] = Spec(
    "SELU", lambda cls: cls(),
    lambda v: SELU_SCALE * _elu(v, SELU_ALPHA), lambda v: SELU_SCALE * _delu(v, SELU_ALPHA),
    kinks=(0.0,), kink_rule="SELU'(0) = scale*alpha (the left derivative): scale only for x > 0",
    wrong_forward=lambda x: {
        "the SELU scale (lambda ~ 1.0507) is missing: SELU(x) = scale * ELU_alpha(x)":
            _map(lambda v: _elu(v, SELU_ALPHA), x),
        "the SELU constants are swapped: scale ~ 1.0507 multiplies everything, alpha ~ 1.6733 "
        "sits inside the exponential branch": _map(lambda v: SELU_ALPHA * _elu(v, SELU_SCALE), x),
    },
    wrong_backward=lambda x, g: {
        "the SELU scale (lambda ~ 1.0507) is missing from the derivative: on this input every x > 0, where "
        "SELU'(x) = scale, and your backward returns grad_out unchanged (a forgotten scale, or a shortcut for "
        "all-positive inputs that returns grad_out)":
            g if (x > 0).all() else None,
        "the SELU scale (lambda ~ 1.0507) is missing from the derivative":
            g * _map(lambda v: _delu(v, SELU_ALPHA), x),
        "for x <= 0 the SELU derivative is y + scale*alpha with y the SELU output, but your backward used the "
        "ELU value before the scale (y / scale): cache the scaled output, or use scale*alpha*exp(x)":
            g * _map(lambda v: SELU_SCALE if v > 0 else _elu(v, SELU_ALPHA) + SELU_SCALE * SELU_ALPHA, x),
        "for x <= 0 the SELU derivative is scale*alpha*exp(x) = y + scale*alpha: the scale is "
        "missing from the +alpha term": g * _map(
            lambda v: SELU_SCALE if v > 0 else SELU_SCALE * _elu(v, SELU_ALPHA) + SELU_ALPHA, x),
    },
    df_y=lambda x, y: np.where(x > 0, SELU_SCALE, y + SELU_SCALE * SELU_ALPHA))

SPECS["softplus"] = Spec(
    "Softplus", lambda cls: cls(), _softplus, _sig,
    wrong_forward=lambda x: {
        "softplus(x) = log(1 + exp(x)) = np.logaddexp(0, x): the first argument of logaddexp is the exponent 0 "
        "(exp(0) = 1), not 1: you computed log(e + exp(x))": np.logaddexp(1.0, x),
        "your values are softplus(x) - log(2) at every x (a constant offset of -0.6931): softplus(x) = "
        "log(1 + exp(x)) with nothing subtracted, so softplus(0) = log(2), not 0":
            _map(_softplus, x) - math.log(2.0),
        "these are base-2 values: np.logaddexp2(0, x) = log2(1 + 2**x) (base-2 log and power); softplus is the "
        "natural-log np.logaddexp(0, x) = log(1 + exp(x))": np.logaddexp2(0.0, x),
        "your values are log2(1 + exp(x)), softplus divided by ln 2 (times 1.443): a base-2 log (np.log2) where "
        "the natural log np.log belongs": _map(_softplus, x) / math.log(2.0)},
    wrong_backward=lambda x, g: {
        "softplus'(x) = sigmoid(x), not sigmoid(-x): check the sign": g * _s(-x),
        "softplus'(x) = sigmoid(x), not softplus(x)": g * _map(_softplus, x),
    })

def _dsigmoid_gelu(x):
    """The derivative of the sigmoid approximation of GELU, x * sigmoid(1.702 x)."""
    s = _s(1.702 * x)
    return s + 1.702 * x * s * (1 - s)


#: erf arguments written instead of x/sqrt(2): (how, the factor on x, what slip gives it).
_GELU_ERF_ARGUMENTS = (
    ("x/2", 0.5, " (sqrt(2) written as 2?)"),
    ("x", 1.0, " (the 1/sqrt(2) is missing)"),
    ("x/4", 0.25, ": x / 2 ** 1 / 2 is (x / 2) / 2 = x/4, since ** binds tighter than / and the division runs left "
                  "to right; write x / math.sqrt(2) or x / 2 ** 0.5"),
    ("x/(2 sqrt(2))", 0.5 / math.sqrt(2.0), ": the argument is divided by 2 once too often"),
)

SPECS["gelu"] = Spec(
    "GELU", lambda cls: cls(), _gelu, _dgelu,
    wrong_forward=lambda x: {
        **{f"the Gaussian CDF is 0.5*(1 + erf(x/sqrt(2))): the erf argument must be x/sqrt(2), not {arg}{why}":
           _map(lambda v, c=c: 0.5 * v * (1 + math.erf(v * c)), x) for arg, c, why in _GELU_ERF_ARGUMENTS},
        "this is the tanh approximation; GELU is the exact form x*Phi(x) with erf":
            _map(_gelu_tanh, x),
        "your values are x * sigmoid(1.702 x), the sigmoid approximation of GELU: GELU is the exact form "
        "x*Phi(x) with Phi(x) = 0.5*(1 + erf(x/sqrt(2)))": x * _s(1.702 * x),
        "the erf argument is written the wrong way round, sqrt(2)/x: Phi(x) = 0.5*(1 + erf(x/sqrt(2)))":
            _map(lambda v: 0.5 * v * (1 + math.erf(math.sqrt(2.0) / v)) if v != 0 else 0.0, x),
    },
    wrong_backward=lambda x, g: {
        "the product rule's factors are swapped: GELU'(x) = Phi(x) + x*phi(x), not x*Phi(x) + phi(x)":
            g * _map(lambda v: 0.5 * v * math.erfc(-v / math.sqrt(2.0)) + math.exp(-0.5 * v * v) / math.sqrt(2 * math.pi), x),
        "product rule: GELU'(x) = Phi(x) + x*phi(x); the x*phi(x) term is missing":
            g * _map(lambda v: 0.5 * math.erfc(-v / math.sqrt(2.0)), x),
        "this is the derivative of the tanh approximation; GELU needs the exact Phi(x) + x*phi(x)":
            g * _map(_dgelu_tanh, x),
        "this is the derivative of the sigmoid approximation x*sigmoid(1.702 x), s + 1.702 x s (1 - s) with "
        "s = sigmoid(1.702 x); GELU needs the exact Phi(x) + x*phi(x)": g * _dsigmoid_gelu(x),
        "Phi(x) = 0.5*(1 + erf(x/sqrt(2))), but the Phi your backward uses is erf(x/sqrt(2)) alone (the "
        "0.5*(1 + ...) is missing, in the cdf the forward caches?)":
            g * _map(lambda v: math.erf(v / math.sqrt(2.0)) + v * math.exp(-0.5 * v * v) / math.sqrt(2 * math.pi), x),
        "phi(x) = exp(-x**2 / 2) / sqrt(2 pi): the normalisation 1 / sqrt(2 pi) is missing":
            g * _map(lambda v: 0.5 * math.erfc(-v / math.sqrt(2.0)) + v * math.exp(-0.5 * v * v), x),
        "phi(x) = exp(-x**2 / 2) / sqrt(2 pi): the 1/2 in the exponent is missing":
            g * _map(lambda v: 0.5 * math.erfc(-v / math.sqrt(2.0)) + v * math.exp(-v * v) / math.sqrt(2 * math.pi), x),
    },
    df_y=lambda x, y: _ratio(y, x) + x * np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi))

SPECS["gelu_tanh"] = Spec(
    "GELUTanh", lambda cls: cls(), _gelu_tanh, _dgelu_tanh,
    wrong_forward=lambda x: {
        "wrong constant: the tanh argument is sqrt(2/pi)*(x + 0.044715*x**3), and the square "
        "root of 2/pi is missing": _map(lambda v: _gelu_tanh(v, k=2 / math.pi), x),
        "wrong constant: the factor is sqrt(2/pi) ~ 0.798, not sqrt(2*pi)":
            _map(lambda v: _gelu_tanh(v, k=math.sqrt(2 * math.pi)), x),
        "wrong constant: the cubic coefficient is 0.044715":
            _map(lambda v: _gelu_tanh(v, c=0.44715), x),
        "this is the exact erf form; GELUTanh is the tanh approximation": _map(_gelu, x),
        "your values are x * sigmoid(1.702 x), the sigmoid approximation of GELU: GELUTanh is the tanh "
        "approximation 0.5*x*(1 + tanh(sqrt(2/pi)*(x + 0.044715*x**3)))": x * _s(1.702 * x),
        "a parenthesis slip: GELUTanh(x) = 0.5*x*(1 + tanh(u)), not 0.5*(x + tanh(u))":
            _map(lambda v: 0.5 * (v + math.tanh(GELU_K * (v + GELU_C * v ** 3))), x),
        "a parenthesis slip in u: u = sqrt(2/pi) * (x + 0.044715 * x**3), with the cube inside the bracket; yours "
        "is sqrt(2/pi) * (x + 0.044715) * x**3 (the bracket closed before * x**3)":
            _map(lambda v: 0.5 * v * (1 + math.tanh(GELU_K * (v + GELU_C) * v ** 3)), x),
    },
    wrong_backward=lambda x, g: {
        "the derivative of the inner cubic x + 0.044715*x**3 is 1 + 3*0.044715*x**2: the "
        "factor 3 is missing": g * _map(lambda v: _dgelu_tanh(v, three=1.0), x),
        "the derivative of tanh(u) is 1 - tanh(u)**2 at the inner u = sqrt(2/pi)*(x + 0.044715*x**3), but your "
        "backward uses 1 - tanh(x)**2: use the tanh(u) that forward computed (cached on self)":
            g * _map(lambda v: 0.5 * (1.0 + math.tanh(GELU_K * (v + GELU_C * v ** 3)))
                     + 0.5 * v * (1.0 - math.tanh(v) ** 2) * GELU_K * (1.0 + 3.0 * GELU_C * v * v), x),
        "wrong constant in the derivative: sqrt(2/pi) multiplies the inner derivative":
            g * _map(lambda v: _dgelu_tanh(v, k=1.0), x),
        "wrong constant in the derivative: du/dx = sqrt(2/pi) * (1 + 3*0.044715*x**2), the factor "
        "sqrt(2/pi) is missing": g * _map(lambda v: _dgelu_tanh(v, kd=1.0), x),
        "the derivative of tanh(u) is 1 - tanh(u)**2: the square is missing":
            g * _map(lambda v: 0.5 * (1 + math.tanh(GELU_K * (v + GELU_C * v ** 3)))
                     + 0.5 * v * (1 - math.tanh(GELU_K * (v + GELU_C * v ** 3))) * GELU_K * (1 + 3 * GELU_C * v * v), x),
        "product rule: the 0.5*x*(1 - tanh(u)**2)*u' term is missing":
            g * _map(lambda v: 0.5 * (1 + math.tanh(GELU_K * (v + GELU_C * v ** 3))), x),
        "this is the derivative of the sigmoid approximation x*sigmoid(1.702 x), s + 1.702 x s (1 - s) with "
        "s = sigmoid(1.702 x); GELUTanh is the tanh approximation: differentiate 0.5*x*(1 + tanh(u))":
            g * _dsigmoid_gelu(x),
    },
    df_y=lambda x, y: _gelu_tanh_df_y(x, y))

SPECS["silu"] = Spec(
    "SiLU", lambda cls: cls(), lambda v: v * _sig(v),
    lambda v: _sig(v) * (1 + v * (1 - _sig(v))),
    wrong_forward=lambda x: {"SiLU(x) = x * sigmoid(x), not sigmoid(x)": _s(x),
                             "your values are x * sigmoid(1.702 x), the sigmoid approximation of GELU: SiLU(x) = "
                             "x * sigmoid(x), with no factor inside the sigmoid": x * _s(1.702 * x)},
    wrong_backward=lambda x, g: {
        "product rule: SiLU'(x) = sigmoid(x) + x*sigmoid(x)*(1 - sigmoid(x)); the second "
        "term is missing": g * _s(x),
        "product rule: SiLU'(x) = sigmoid(x) + x*sigmoid'(x); the sigmoid(x) term is missing":
            g * x * _s(x) * (1 - _s(x)),
        "SiLU'(x) = s + x*s*(1 - s) with s = sigmoid(x): the factor x multiplies s*(1 - s), not s":
            g * (x * _s(x) + _s(x) * (1 - _s(x))),
    },
    df_y=lambda x, y: _ratio(y, x) * (1 + x * (1 - _ratio(y, x))))

#: The documented formulas in Python, over the quantities a student's code has at hand (the input x, the
#: output y, grad_out g, and per activation s = sigmoid(x), cdf, pdf, t = tanh(u), du...), by branch (None:
#: every x; equivalent ways of writing one are tried in turn).  A wrong value no catalogued diagnosis names
#: is named by the one edit of a formula that reproduces it (formula.explain_formula): the wrong term.
NEG, POS = "x < 0", "x > 0"
FORMULAS: dict[str, dict[str, dict[str | None, tuple[str, ...]]]] = {
    # the stable branches as students write them (e = exp(-|x|)) are looked at side by side
    "sigmoid": {"f": {None: ("1 / (1 + exp(-x))",), NEG: ("exp(x) / (1 + exp(x))",)},
                "df": {None: ("g * y * (1 - y)", "g * e / (1 + e) ** 2")}},
    "tanh": {"f": {None: ("tanh(x)",)}, "df": {None: ("g * (1 - y ** 2)",)}},
    "leaky_relu": {"f": {NEG: ("slope * x",), POS: ("x",)}, "df": {NEG: ("g * slope",)}},
    "elu": {"f": {NEG: ("alpha * (exp(x) - 1)", "alpha * expm1(x)")},
            "df": {NEG: ("g * (y + alpha)", "g * alpha * exp(x)")}},
    "selu": {"f": {NEG: ("scale * alpha * (exp(x) - 1)", "scale * (alpha * expm1(x))"), POS: ("scale * x",)},
             "df": {NEG: ("g * (y + scale * alpha)", "g * scale * alpha * exp(x)", "g * scale * (y / scale + alpha)"),
                    POS: ("g * scale",)}},
    "softplus": {"f": {None: ("log(1 + exp(x))", "log1p(exp(x))", "maximum(x, 0) + log1p(exp(-abs(x)))")},
                 "df": {None: ("g * s", "g * sigmoid(x)", "g / (1 + exp(-x))", "g * exp(x) / (1 + exp(x))")}},
    "gelu": {"f": {None: ("x * 0.5 * (1 + erf(x / sqrt(2)))", "x * cdf")},
             "df": {None: ("g * (cdf + x * pdf)", "g * (cdf + x * exp(-x ** 2 / 2) / sqrt(2 * pi))",
                           "g * (0.5 * (1 + erf(x / sqrt(2))) + x * pdf)")}},
    "gelu_tanh": {"f": {None: ("0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x ** 3)))", "0.5 * x * (1 + t)")},
                  "df": {None: ("g * (0.5 * (1 + t) + 0.5 * x * (1 - t ** 2) * du)",
                                # t = tanh(u) written out: a tanh of another argument (tanh(x)) is named there
                                "g * (0.5 * (1 + tanh(u)) + 0.5 * x * (1 - tanh(u) ** 2) * du)",
                                "g * (0.5 * (1 + t) + 0.5 * x * (1 - t ** 2) * sqrt(2 / pi) * (1 + 3 * 0.044715 * x ** 2))")}},
    "silu": {"f": {None: ("x * s",)},
             "df": {None: ("g * s * (1 + x * (1 - s))", "g * (s + x * s * (1 - s))", "g * (y + s * (1 - y))",
                           "g * (s + x * sigmoid_prime_of(s))")}},
    "softmax": {"f": {None: ("exp(z - max_axis1(z)) / sum_axis1(exp(z - max_axis1(z)))",)},
                "df": {None: ("y * (g - sum_axis1(g * y))", "y * g - y * sum_axis1(g * y)")}},
}
_erf = np.vectorize(math.erf, otypes=[np.float64])


def _quantities(key: str, xs: np.ndarray) -> dict:
    """What the formulas of ``key`` name, computed from the input (float64)."""
    if key == "softmax":
        col = lambda f: (lambda a: f(a, axis=0, keepdims=True))
        row = lambda f: (lambda a: f(a, axis=1, keepdims=True))
        # e: the unnormalised exponentials a forward may have cached in place of y (which intermediate)
        return {"z": xs, "y": _softmax_oracle(xs), "e": np.exp(xs - xs.max(axis=1, keepdims=True)),
                "max_axis1": row(np.max), "sum_axis1": row(np.sum), "mean_axis1": row(np.mean),
                "max_axis0": col(np.max), "sum_axis0": col(np.sum), "max_all": np.max, "sum_all": np.sum}
    q = {"x": xs, "y": _map(SPECS[key].f, xs)}
    u = GELU_K * (xs + GELU_C * xs ** 3)
    extra = {"leaky_relu": lambda: {"slope": SLOPE}, "elu": lambda: {"alpha": ALPHA},
             "selu": lambda: {"alpha": SELU_ALPHA, "scale": SELU_SCALE},
             "softplus": lambda: {"sigmoid": _s, "s": _s(xs)},
             "gelu": lambda: {"erf": _erf, "cdf": 0.5 * (1 + _erf(xs / math.sqrt(2))),
                              "pdf": np.exp(-0.5 * xs * xs) / math.sqrt(2 * math.pi)},
             "gelu_tanh": lambda: {"t": np.tanh(u), "u": u, "du": GELU_K * (1 + 3 * GELU_C * xs * xs)},
             "silu": lambda: {"s": _s(xs), "sigmoid_prime_of": lambda a: a * (1 - a)},
             "sigmoid": lambda: {"e": np.exp(-np.abs(xs))}}
    return {**q, **extra.get(key, dict)()}


def _swapped_branches(key: str, run, which: str = "df") -> str | None:
    """Second question on a wrong backward of a two-branch activation (ELU, SELU, LeakyReLU...): is it the
    documented derivative with its two branches exchanged (np.where(x > 0, <x < 0 side>, <x > 0 side>)), each
    side's spelling of FORMULAS evaluated on the other side's x?  ``run(x, grad_out)`` -> the student's backward;
    told only when it fits both sets of readable points (TERM_X and TERM_X2) and differs from the right one."""
    sides = FORMULAS.get(key, {}).get(which, {})
    if NEG not in sides or None in sides:
        return None
    negs, poss = sides[NEG], sides.get(POS, ("g" if which == "df" else "x",))
    fits = None
    for xs, gs in ((TERM_X, TERM_G), (TERM_X2, TERM_G2)):
        try:
            with np.errstate(all="ignore"):
                got = np.asarray(run(xs.copy(), gs.copy()), dtype=np.float64)
        except Exception:
            return None
        env = {"exp": np.exp, "expm1": np.expm1, **_quantities(key, xs), "g": gs}
        if which == "f":
            env.pop("y", None)          # a forward does not have its own output at hand
        ok = set()
        for neg in negs:
            for pos in poss:
                try:
                    with np.errstate(all="ignore"):
                        value = np.where(xs > 0, eval(neg, {"__builtins__": {}}, env),
                                         eval(pos, {"__builtins__": {}}, env))
                except Exception:
                    continue
                if value.shape == got.shape and core.close(got, value, 1e-6, 1e-9):
                    ok.add((neg, pos))
        fits = ok if fits is None else fits & ok
        if not fits:
            return None
    neg, pos = sorted(fits)[0]
    return (f"your results are the documented {'derivative' if which == 'df' else 'formula'} with its two branches swapped: for x > 0 they are the "
            f"x < 0 side's `{neg}`, and for x < 0 the x > 0 side's `{pos}` (on two sets of points): np.where(cond, "
            f"a, b) gives a where cond holds: np.where(x > 0, <the x > 0 side>, <the x < 0 side>)")


#: What a name of FORMULAS that is not in the docstring stands for, said after a reading that shows it.
_GLOSSARY = {"e": "e = exp(-|x|), the exponential a stable sigmoid computes",
             "sigmoid_prime_of": "sigmoid_prime_of(a) = a * (1 - a), the sigmoid's derivative written with the "
                                 "sigmoid's value a: it must be given s = sigmoid(x)",
             "du": "du = du/dx = sqrt(2/pi) * (1 + 3 * 0.044715 * x**2)"}


def _glossed(text: str | None) -> str | None:
    """``text`` with the meaning of each name of :data:`_GLOSSARY` it shows inside `backquotes`."""
    if not text:
        return text
    shown = " ".join(re.findall(r"`([^`]*)`", text))
    said = [v for k, v in _GLOSSARY.items() if re.search(rf"\b{k}\b", shown)]
    return text + (f" ({'; '.join(said)})" if said else "")


def _wrong_term(key: str, which: str, xs: np.ndarray, got, rtol: float, atol: float, what: str,
                gs: np.ndarray | None = None) -> str | None:
    """The term of the documented formula (f or df) that the student's values get wrong, or None."""
    if key not in FORMULAS:
        return None
    env = {**_quantities(key, xs), **({"g": gs} if gs is not None else {})}
    if which == "f":
        env.pop("y", None)          # a forward computes y: its own output is not a quantity it has at hand
    if key == "softmax" and gs is not None:      # the softmax evaluated at grad_out in place of y
        env["softmax_of_grad_out"] = _softmax_oracle(gs)
    for side, formulas in FORMULAS[key].get(which, {}).items():
        mask = None if side is None else (xs < 0 if side == NEG else xs > 0)
        try:
            text = explain_formula(formulas, env, got, rtol=rtol, atol=atol, mask=mask, what=what, outer=("g",),
                                   scaled=True)
        except Exception:       # a formula the quantities cannot evaluate says nothing about the student
            text = None
        if text:
            return _glossed((f"for {side} " if side else "") + text)
    return None


#: Readable points on both sides of 0 (no kink) and an upstream gradient that is not 1 (so that a grad_out
#: misplaced in a formula shows): where the wrong term of an elementwise formula is looked for.
TERM_X = np.array([[-3.0, -2.2, -1.5, -1.0, -0.6, -0.3, 0.25, 0.5, 0.9, 1.4, 2.1, 3.0]])
TERM_G = np.array([[0.7, -1.3, 1.1, 0.4, -0.8, 1.6, 0.9, -0.5, 1.2, -1.1, 0.6, 1.4]])


def _term_on_probe(key: str, which: str, run, what: str) -> str | None:
    """The wrong term, from the student's function ``run(x, grad_out)`` on TERM_X (float64)."""
    try:
        got = np.asarray(run(TERM_X.copy(), TERM_G.copy()), dtype=np.float64)
    except Exception:
        return None
    if got.shape != TERM_X.shape or not bool(np.isfinite(got).all()):
        return None
    rt, at = _tol(np.float64)["rtol"], _tol(np.float64)["atol"]
    return _wrong_term(key, which, TERM_X, got, rt, at, what, TERM_G if which == "df" else None)


# ------------------------------------------------------------------------ inputs

# Sizes pairwise different and != 1, a batch of one, an odd batch and a 3-D input.
ELEMENTWISE_SHAPES = core.shapes((1, 5), (7, 3), (2, 3, 4), (5, 9))
# The first case has N != C, both != 1, so that a slip between the batch and class axes raises or is named
# there; N == C comes last, as a special case.
SOFTMAX_SHAPES = core.shapes((6, 3), (3, 7), (1, 4), (5, 9), (4, 4))
EXTREMES = np.array([-1000.0, -710.0, -100.0, -89.0, -30.0, -1.0, -0.0, 0.0,
                     1.0, 30.0, 89.0, 100.0, 710.0, 1000.0])
DTYPES = (np.float64, np.float32)


def _tol(*dtypes, scale: float = 1.0) -> dict:
    """Tolerance of a result computed in the least precise of ``dtypes`` (oracle in float64): the
    relative part grows with the inputs' magnitude ``scale`` (exp(x) of an x rounded to eps*|x|)."""
    rel = tolerance(*dtypes, scale=scale, rtol=1e-6, atol=1e-9)
    return {"rtol": rel["rtol"], "atol": tolerance(*dtypes, rtol=1e-6, atol=1e-9)["atol"]}


def _away_from_kinks(rng: np.random.Generator, shape, kinks) -> np.ndarray:
    """N(0, 2.5^2) samples pushed at least 0.05 away from each kink (finite differences stay valid)."""
    x = rng.normal(0.0, 2.5, shape)
    for k in kinks:
        near = np.abs(x - k) < 0.05
        x[near] = k + np.where(x[near] >= k, 0.05, -0.05) + x[near] - k
    return x


def _make(spec_or_label, make, cls):
    try:
        return make(cls)
    except Exception as exc:
        core.fail(f"creating {spec_or_label} raised {core.error_kind(exc)}: {exc}", "raised-" + core.error_kind(exc).lower())


def _check_parameters(layer, label: str) -> None:
    params = call(layer.parameters, label=f"{label}.parameters")
    if not isinstance(params, list) or len(params) != 0:
        core.fail(f"{label}.parameters() must return an empty list: an activation has no "
                  f"trainable parameters (got {params!r:.60})", "activation-parameters")


PROMOTION_HINT = ("a NumPy float64 scalar or array (np.sqrt(2), np.float64(0.5), a mask cast with .astype(np.float64), "
                  "np.where(cond, 1.0, 0.2), a boolean mask times a Python float such as (x < 0) * 0.2, or an "
                  "output array created by np.zeros(shape) or np.empty(shape) and filled in a loop, or a math "
                  "function applied entry by entry with np.vectorize(math.erf) or a list comprehension: it returns "
                  "Python floats, so the array built from them is float64) promotes float32 to float64; use Python "
                  "floats (math.sqrt(2)) on float arrays, NumPy / SciPy functions that act on the whole array "
                  "(scipy.special.erf), np.zeros_like(x), or cast with x.dtype")


def _flattened_by_mask(got, like, name: str) -> None:
    """Property in plain words: an elementwise function keeps the shape; a flat result with fewer entries
    is what a boolean mask used as an index gives (grad_out[x > 0] selects and flattens)."""
    if isinstance(got, np.ndarray) and got.ndim == 1 and like.ndim > 1 and 0 < got.size < like.size:
        core.fail(f"{name}: expected shape {like.shape}, got the flat {got.shape}: a boolean mask used as an index "
                  f"(a[mask]) selects the entries where it is True and flattens them; keep the shape with "
                  f"a * mask or np.where(mask, a, 0)", "boolean-index-flattens")


def _promoted(got, want) -> bool:
    return isinstance(got, np.ndarray) and got.dtype == np.float64 and np.dtype(want) == np.float32


DOWNCAST_HINT = ("a float64 input must give a float64 output: a cast such as .astype(np.float32), .astype(np.float16) "
                 "or dtype=np.float32 throws digits away (float64 keeps about 16 significant digits, float32 about 7, "
                 "float16 about 3); keep x's dtype (no cast, or .astype(x.dtype))")


def _downcast(got, want) -> bool:
    return isinstance(got, np.ndarray) and got.dtype != np.dtype(want) and got.dtype.kind == "f" \
        and got.dtype.itemsize < np.dtype(want).itemsize


def _forward(layer, x, label: str, want=None) -> np.ndarray:
    """``want``: the oracle's output (a callable: computed only after a failure), for the judge's search of the
    one change that makes a raising forward, or one of the wrong shape, give it."""
    try:
        y = call(layer.forward, x, label=f"{label}.forward", names=("x",), hint=None, elementwise=True, want=want)
    except core.CheckFailure as exc:
        if exc.diagnosis == "not-numerically-stable":
            _name_inverse_function(exc, f"{label}.forward")
            _name_log_of_zero(exc, layer)
            _name_non_finite_at_zero(exc, layer, label, "forward")
        raise
    name = signature(f"{label}.forward", ("x",), (x,))
    _name_method_returned(y, layer, name)
    _flattened_by_mask(y, x, name)
    if _promoted(y, x.dtype) and y.shape == x.shape:
        core.fail(f"{name} must have dtype float32, got float64: {PROMOTION_HINT}", "float32-promoted")
    if _downcast(y, x.dtype) and y.shape == x.shape:
        core.fail(f"{name} must have dtype {x.dtype}, got {y.dtype}: {DOWNCAST_HINT}", "float64-downcast")
    return core.expect_array(y, name=name, shape=x.shape, dtype=x.dtype, want=want)


#: NumPy's inverse functions, their function and the domain outside which they give NaN or inf.
_INVERSES = {"arctanh": ("tanh", "-1 < x < 1"), "arcsin": ("sin", "-1 <= x <= 1"),
             "arccos": ("cos", "-1 <= x <= 1"), "arccosh": ("cosh", "x >= 1")}
_INVERSE_WARNING = re.compile(r"encountered in (arctanh|arcsin|arccos|arccosh)$")


def _name_inverse_function(exc, where: str) -> None:
    """A warning raised inside an inverse function (arctanh, arcsin...) is no stability problem: none of this lab's
    activations or derivatives uses one, and each is defined on a bounded domain only, so the code called the
    inverse where the function itself belongs (np.arctanh for np.tanh, an autocomplete slip)."""
    warned = str(getattr(exc, "warning", "") or "")
    hit = _INVERSE_WARNING.search(warned)
    if not hit:
        return
    inverse = hit.group(1)
    base, domain = _INVERSES[inverse]
    core.fail(f"{where}: numpy warned '{warned}': your code calls np.{inverse}, the INVERSE function of {base} "
              f"(defined only for {domain}; outside it np.{inverse} gives NaN or inf). This is the wrong function, "
              f"not a numerical-stability problem: no activation of this lab needs np.{inverse}; did you mean "
              f"np.{base}?", "inverse-function-called")


_LOG_OF_ZERO = re.compile(r"divide by zero encountered in (log1p|log2|log10|log)\b")
_LOG1P_PROBE = np.array([[-0.75, -0.5, -0.25, -0.1]])


def _name_log_of_zero(exc, layer) -> None:
    """NumPy reports log(0) as 'divide by zero ... in log': nothing was divided. When a fresh forward on
    -1 < x < 0 (no warning there) gives c * log1p(x) for one constant c, log1p stands where expm1 belongs."""
    hit = _LOG_OF_ZERO.search(str(getattr(exc, "warning", "") or ""))
    if not hit:
        return
    fn = hit.group(1)
    where = "log1p(-1) = log(1 + (-1)) = -inf" if fn == "log1p" else f"{fn}(0) = -inf"
    head = (f"{exc.headline}: numpy words the logarithm of 0 as 'divide by zero' ({where}); nothing was divided, "
            f"your formula takes np.{fn} of an argument that reaches 0")
    try:
        with np.errstate(all="ignore"):
            got = np.asarray(layer.forward(_LOG1P_PROBE.copy()), dtype=np.float64).reshape(-1)
    except Exception:
        got = None
    if fn == "log1p" and got is not None and got.shape == (_LOG1P_PROBE.size,) and np.isfinite(got).all():
        base = np.log1p(_LOG1P_PROBE.reshape(-1))
        c = float(got[0] / base[0])
        if c > 0 and np.allclose(got, c * base, rtol=1e-4, atol=1e-7):
            xs = ", ".join(f"{v:g}" for v in _LOG1P_PROBE.reshape(-1))
            core.fail(f"{head}. Your values for x < 0 are {c:.4g} * log1p(x) (confirmed at x = {xs}): np.log1p stands "
                      f"where np.expm1 belongs (np.expm1(x) = exp(x) - 1, np.log1p(x) = log(1 + x))",
                      "log1p-for-expm1")
    core.fail(f"{head} (an exponential or a plain value may be what the formula wants there)", "log-of-zero")


def _cache_forward(layer, x, label: str):
    """The student's forward, called only to fill the cache a backward check needs: whatever it
    returns (or raises) is judged in the forward's own cell. Returns its output or None."""
    try:
        y = layer.forward(x.copy())     # warnings too are the forward cell's business
    except Exception:
        return None
    return y if isinstance(y, np.ndarray) and y.shape == x.shape else None


def _prime(layer, x, label):
    """:func:`_cache_forward`, also saying whether the forward raised (then the cache a backward needs may be
    missing: what the backward does next is not its own mistake)."""
    try:
        y = layer.forward(x.copy())
    except Exception:
        return None, True
    return (y if isinstance(y, np.ndarray) and y.shape == x.shape else None), False


def _prime_seen(layer, x):
    """:func:`_prime`, also returning the array handed to forward as forward left it (a forward that writes into
    its input, np.logaddexp(0, x, out=x), leaves its output where its cache of x should be: judged in its own
    cell, so the backward is judged on what that cache holds)."""
    given = x.copy()
    try:
        y = layer.forward(given)
    except Exception:
        return None, True, given
    return (y if isinstance(y, np.ndarray) and y.shape == x.shape else None), False, given


def _helper_promotes(helper, x) -> bool:
    """Does the student's Sigmoid turn a float32 ``x`` into float64 (judged in its own cell)?"""
    if helper is None or np.dtype(x.dtype) != np.float32:
        return False
    try:
        s = helper().forward(x.copy())
    except Exception:
        return False
    return isinstance(s, np.ndarray) and s.dtype == np.float64


def _excused_promotion(exc: core.CheckFailure, helper, x) -> bool:
    """A float32 -> float64 failure explained by the student's Sigmoid alone (one mistake, one deduction)."""
    return (exc.diagnosis or "").endswith("float32-promoted") and _helper_promotes(helper, x)


def _forward_is_wrong(y, raised: bool, x, want) -> bool:
    """The student's forward on ``x`` raised, returned no usable array, changed the dtype or has wrong values
    (judged in the forward's own cell)."""
    if raised or y is None or y.dtype != x.dtype or _non_finite(y):
        return True
    return not core.close(y, want, **_tol(x.dtype, y.dtype, scale=float(np.abs(x).max()) if x.size else 1.0))


def _backward_after(layer, g, label, y, forward_wrong: bool, hint: str | None = None, defer: list | None = None,
                    want=None):
    """:func:`_backward`, or None when it fails on the state a wrong forward left (a missing attribute, a
    shape error, a warning on garbage values): that is charged in the forward's cell, not here. A backward
    that is not written yet still fails."""
    try:
        return _backward(layer, g, label, y, hint=hint, defer=defer, want=want)
    except core.CheckFailure as exc:
        if not forward_wrong or "not implemented" in str(exc):
            raise
        return None


def _name_other_instance(exc, layer, label: str) -> None:
    """An AttributeError on an object of ANOTHER class than the layer judged (``'ELU' object has no attribute
    'x'`` in SELU.backward): the attribute is missing on a helper instance whose forward never ran, not on
    this layer (whose forward did run); the stock hint "forward must store on self" would blame the layer."""
    if exc.diagnosis != "raised-attributeerror":
        return
    text = str(exc)
    found = re.search(r"AttributeError: '(\w+)' object has no attribute '(\w+)'", text)
    own = core.describe(layer).rsplit(".", 1)[-1]
    if not found or found.group(1) == own:
        return
    other, attr = found.groups()
    head = text.split(". forward must store on self")[0]
    an = "an" if other[0] in "AEIOU" else "a"
    core.fail(f"{head}. The object without {attr!r} is {an} {other}, not this {own} layer: {an} {other} instance whose "
              f"forward never ran (such as a fresh {other}(...) made inside backward) has no {attr!r} yet. "
              f"Use the state this layer's forward stored: call backward on the same {other} instance whose forward "
              f"ran, or compute the derivative from what {own}.forward keeps on self", "other-instance-backward")


def _name_transposed_operand(exc, g, label: str) -> None:
    """An elementwise backward that raised "could not be broadcast together with shapes (a,b) (b,a)", one of
    them grad_out's (a != b): one factor was transposed; every factor of grad_out * f'(x) has x's shape."""
    if label == "Softmax" or exc.diagnosis != "raised-valueerror" or np.ndim(g) != 2 or g.shape[0] == g.shape[1]:
        return
    hit = re.search(r"broadcast together with shapes \((\d+),(\d+)\) \((\d+),(\d+)\)", str(exc))
    if not hit:
        return
    a, b = (int(hit.group(1)), int(hit.group(2))), (int(hit.group(3)), int(hit.group(4)))
    if a != b[::-1] or tuple(g.shape) not in (a, b):
        return
    core.fail(f"{exc}. The two operands have transposed shapes, {a} and {b}: a .T (or a transpose) where none "
              f"belongs: the backward of an elementwise function is grad_out * f'(x), where f'(x) has x's shape "
              f"{tuple(g.shape)}, like grad_out; with N == C the transpose would give wrong values instead of this "
              f"error", "elementwise-transposed")


def _name_matmul_over_samples(exc, g, label: str) -> None:
    """Softmax.backward raised numpy's matmul core-dimension mismatch between grad_out's N and C (N != C): a
    matrix product paired the classes of one operand with grad_out's first axis, the N samples.  Both usual
    shapes of it are named, the stack of per-sample Jacobians (N, C, C) @ grad_out and y @ grad_out."""
    if label != "Softmax" or exc.diagnosis != "raised-valueerror" or np.ndim(g) != 2:
        return
    n, c = g.shape
    hit = re.search(r"matmul: Input operand 1 has a mismatch in its core dimension 0.*\(size (\d+) is different "
                    r"from (\d+)\)", str(exc))
    if n == c or not hit or {int(hit.group(1)), int(hit.group(2))} != {n, c}:
        return
    head = str(exc).split(". This is ", 1)[0]         # the stock hint blames another product
    core.fail(f"{head}. A matrix product (@, np.matmul) paired the classes of its left operand with the FIRST axis "
              f"of its right one, here the {n} samples of grad_out ({n}, {c}) instead of its {c} classes: @ treats "
              f"a 2-D right operand as ONE matrix, even after a stack of per-sample Jacobians J of shape ({n}, {c}, "
              f"{c}). Multiply each sample's Jacobian by its own row of grad_out, np.einsum('nij,nj->ni', J, "
              f"grad_out) or (J @ grad_out[:, :, None])[:, :, 0], or without any Jacobian, y * (grad_out - "
              f"sum(grad_out * y, axis=1, keepdims=True))", "matmul-over-samples")


class _DerivativeStub:
    """Stands in for the provided Activation.derivative(x) on a layer: records its calls, returns ones."""

    def __init__(self):
        self.calls = 0

    def __call__(self, x):
        self.calls += 1
        return np.ones(np.shape(x))


def _name_derivative_recursion(exc, layer, g, label: str) -> None:
    """A RecursionError in backward, confirmed as backward calling self.derivative (whose provided version
    runs forward and then backward): with derivative replaced by a stub, backward returns and the stub ran."""
    if exc.diagnosis != "raised-recursionerror":
        return
    stub = _DerivativeStub()
    try:
        layer.derivative = stub
        layer.backward(np.array(g, copy=True))
    except Exception:
        return
    if not stub.calls:
        return
    core.fail(f"{exc}. Your {label}.backward calls self.derivative, and the provided derivative(x) runs forward(x) "
              f"and then backward(ones): each calls the other without end (with derivative replaced by a stand-in, "
              f"your backward returns). Compute f'(x) inside backward from what forward stored on self",
              "backward-calls-derivative")


def _non_finite(y) -> bool:
    """A forward's output (None when unusable) holding NaN or inf."""
    return y is not None and not bool(np.isfinite(np.asarray(y, dtype=np.float64)).all())


def _per_sample_matrices(d, g, y, label: str, name: str) -> None:
    """Property: backward returns an array of grad_out's shape (N, C).  An (N, C, C) answer holds one C x C matrix
    per sample: said as the Jacobians only when each matrix is confirmed to be diag(y_i) - y_i y_i^T (Softmax) or
    diag(f'(x_i)) (elementwise: a diagonal matrix) on the student's own cached output."""
    if not isinstance(d, np.ndarray) or np.ndim(g) != 2 or d.shape != (*g.shape, g.shape[1]):
        return
    n, c = g.shape
    head = (f"{name}: expected shape {g.shape}, got {d.shape}: one {c} x {c} matrix per sample")
    tail = (f"backward returns the vector-Jacobian product, grad_out times the Jacobian, of grad_out's shape "
            f"{g.shape}, never the Jacobian itself")
    dd = np.asarray(d, dtype=np.float64)
    if label == "Softmax" and isinstance(y, np.ndarray) and y.shape == g.shape:
        ys = y.astype(np.float64)
        jac = np.stack([np.diag(r) - np.outer(r, r) for r in ys])
        if core.close(dd, jac, 1e-5, 1e-7):
            core.fail(f"{head}, and each is the sample's Jacobian diag(y) - y y^T: {tail}: "
                      f"y * (grad_out - sum(grad_out * y, axis=1, keepdims=True))", "returned-jacobian")
    elif label != "Softmax" and c > 1 and np.allclose(dd * (1 - np.eye(c)), 0.0):
        core.fail(f"{head}, each diagonal (the elementwise Jacobian diag(f'(x))): {tail}: grad_out * f'(x) entry "
                  f"by entry", "returned-jacobian")
    core.fail(f"{head} (a Jacobian, or a product broadcast over a new axis, e.g. y[:, :, None] * ...): {tail}",
              "per-sample-matrices")


#: Two probe batches with x = 0 at different places, and one without 0 (pairwise different sizes).
_ZERO_PROBES = (np.array([[-1.5, -0.5, 0.0, 0.5, 1.5], [0.0, 2.0, -2.0, 0.0, 1.0]]),
                np.array([[0.7, 0.0, -1.2], [0.0, 0.0, 2.5], [-0.3, 1.1, 0.0]]))
_NO_ZERO_PROBE = np.array([[-1.5, -0.5, 0.25, 0.5], [1.5, -2.0, 2.0, -0.75]])


def _name_non_finite_at_zero(exc, layer, label: str, method: str = "backward") -> None:
    """A forward or backward that warned: where are its values NaN or inf?  When they are so exactly where x == 0, on two probe
    batches with the zeros at other places, and a batch without 0 gives no NaN, a quantity that is 0 at x = 0 was
    divided by (x itself, or an output y = x * ... divided back by x)."""
    if label == "Softmax":
        return

    def bad_where(x):
        with np.errstate(all="ignore"):
            y = layer.forward(x.copy())
            d = np.asarray(layer.backward(np.ones_like(x)) if method == "backward" else y, dtype=np.float64)
        return None if d.shape != x.shape else ~np.isfinite(d)
    try:
        masks = [bad_where(x) for x in _ZERO_PROBES]
        clean = bad_where(_NO_ZERO_PROBE)
    except Exception:
        return
    if clean is None or clean.any() or any(m is None or not np.array_equal(m, x == 0) for m, x in zip(masks, _ZERO_PROBES)):
        return
    failure = core.CheckFailure(
        f"{exc}; your {method}'s values are NaN or inf exactly where x = 0 (on two batches with zeros at different "
        f"places, and finite on a batch without 0): something is divided by x, or by a quantity that is 0 at x = 0"
        + (" (such as s = y / x recovered from the output): store in forward what backward needs (self.s) instead of "
           "dividing it back out" if method == "backward" else ": write the formula without that division"),
        "nan-at-zero")
    failure.warning, failure.headline = getattr(exc, "warning", None), getattr(exc, "headline", str(exc))
    raise failure from None


#: Kernel-side: the attributes of a layer that hold a method or builtin (a call's parentheses forgotten).
_METHODS_ON = """
def methods_on(layer):
    import types
    kinds = (types.MethodType, types.BuiltinMethodType, types.BuiltinFunctionType)
    d = getattr(layer, "__dict__", {})
    return [(k, getattr(v, "__name__", "?")) for k, v in sorted(d.items()) if isinstance(v, kinds)]
"""


def _name_method_returned(y, layer, name: str) -> None:
    """forward returned a method or builtin (y.copy without its parentheses): say so, and which attribute of self
    holds one too."""
    if isinstance(y, np.ndarray) or not re.search(r"method|builtin_function", core.describe(y)):
        return
    try:
        found = list(core.kernel_functions(_METHODS_ON)["methods_on"](layer))
    except Exception:
        found = []
    where = "".join(f"; self.{attr} holds the method {meth} too (y.{meth} instead of y.{meth}()?)"
                    for attr, meth in found[:1])
    core.fail(f"{name} must return an array, got {core.describe(y)}: a method itself, not its result: a call's "
              f"parentheses are missing{where}", "method-returned-not-array")


def _name_method_cached(exc, layer, label: str) -> None:
    """A TypeError naming a method or builtin inside backward: an attribute forward left on self holds a
    method (y.copy without its parentheses) rather than an array; named only when such an attribute is there."""
    text = str(exc)
    if "raised TypeError" not in text or not re.search(r"method|function", text):
        return
    try:
        found = list(core.kernel_functions(_METHODS_ON)["methods_on"](layer))
    except Exception:
        return
    for attr, meth in found[:1]:
        core.fail(f"{text}. After forward, self.{attr} holds the method {meth}, not an array: a call's "
                  f"parentheses are missing where forward stores it (e.g. y.{meth} instead of y.{meth}()); "
                  f"store the array itself", "method-cached-not-array")


#: Kernel-side: the shapes of the arrays a layer keeps on self (what forward cached for backward).
_ARRAYS_ON = """
def array_shapes_on(layer):
    import numpy as np
    d = getattr(layer, "__dict__", {})
    return [(k, tuple(v.shape)) for k, v in sorted(d.items()) if isinstance(v, np.ndarray)]
"""


def _name_reshaped_cache(exc, layer, g, label: str) -> None:
    """backward raised numpy's broadcast error between grad_out's shape and another one: the array forward stored
    on self with that other shape is named (read from the layer after the call, not guessed): a cache of another
    shape than x (x.ravel(), x.flatten(), x[0], a reshape) cannot meet grad_out elementwise."""
    if exc.diagnosis != "raised-valueerror" or np.ndim(g) < 1:
        return
    hit = re.search(r"broadcast together with shapes ((?:\([\d,]*\) ?)+)", str(exc))
    shapes = [tuple(int(v) for v in re.findall(r"\d+", t)) for t in re.findall(r"\(([\d,]*)\)", hit.group(1))] if hit else []
    if len(shapes) < 2:
        return
    try:
        found = list(core.kernel_functions(_ARRAYS_ON)["array_shapes_on"](layer))
    except Exception:
        return
    other = [sh for sh in shapes if sh != tuple(g.shape)]
    hits = [(k, tuple(sh)) for k, sh in found if tuple(sh) in other and tuple(sh) != tuple(g.shape)]
    if not hits:
        return
    k, sh = hits[0]
    how = (" (the same number of entries: a flattened or reshaped copy, x.ravel(), x.flatten() or .reshape(-1))"
           if int(np.prod(sh)) == g.size else "")
    head = str(exc).split(". ", 1)[0] if ". " in str(exc) else str(exc)
    core.fail(f"{head}. After forward(x of shape {tuple(g.shape)}), self.{k} has shape {sh}, not x's shape "
              f"{tuple(g.shape)}{how}: what forward stores for backward must keep x's shape, so that it meets "
              f"grad_out {tuple(g.shape)} entry by entry; store x (or the value computed from it) as it is",
              "cache-shape-differs")


def _backward(layer, g, label: str, y=None, hint: str | None = None, defer: list | None = None,
              want=None) -> np.ndarray:
    """The student's backward; its dtype must be grad_out's (or follow a cache of another dtype that a
    wrong forward left: judged in the forward's cell).  ``defer``: a wrong dtype is appended to it instead of
    raised, so that the caller compares the values first (a wrong dtype is often the side effect of a wrong
    formula: np.where(x > 0, 1, 0) for grad_out * (x > 0))."""
    name = signature(f"{label}.backward", ("grad_out",), (g,))
    try:
        d = call(layer.backward, g, label=f"{label}.backward", names=("grad_out",), hint=hint,
                 elementwise=label != "Softmax", want=want)
    except core.CheckFailure as exc:
        if exc.diagnosis == "not-numerically-stable":
            _name_inverse_function(exc, f"{label}.backward")
            _name_non_finite_at_zero(exc, layer, label)
        _name_method_cached(exc, layer, label)
        _name_other_instance(exc, layer, label)
        _name_derivative_recursion(exc, layer, g, label)
        _name_transposed_operand(exc, g, label)
        _name_matmul_over_samples(exc, g, label)
        _name_reshaped_cache(exc, layer, g, label)
        raise
    _flattened_by_mask(d, g, name)
    _per_sample_matrices(d, g, y, label, name)
    d = core.expect_array(d, name=name, shape=g.shape, dtype=None, want=want)
    allowed = {np.dtype(g.dtype)}
    if y is not None and y.dtype != g.dtype:
        allowed.add(np.result_type(g.dtype, y.dtype))
    if d.dtype not in allowed:
        try:
            if _promoted(d, g.dtype):
                core.fail(f"{name} must have dtype float32, got float64: {PROMOTION_HINT}", "float32-promoted")
            core.fail(f"{name} must have dtype {g.dtype}, got {d.dtype}", "wrong-dtype")
        except core.CheckFailure as exc:
            if defer is None:
                raise
            defer.append(exc)
    return d


# --------------------------------------------------------------- elementwise checks

def _relative_to(helper, label):
    """The student's Sigmoid (when a layer reuses it): values computed with it, or None."""
    if helper is None:
        return None

    def sigmoid(x):
        try:
            layer = helper()
            y = layer.forward(x)
        except Exception:
            return None
        return np.asarray(y, dtype=np.float64) if isinstance(y, np.ndarray) and y.shape == x.shape else None
    return sigmoid


def _same_warning(failure: core.CheckFailure, probe) -> bool:
    """Does ``probe`` (the student's Sigmoid on the same input) warn exactly as ``failure`` reports?"""
    text = str(failure)
    if " raised " in text and "numpy warned '" not in text:
        try:                   # an exception raised inside the student's Sigmoid on the same input
            probe()
        except Exception as exc:
            return f" raised {core.error_kind(exc)}: {exc}" in text
        return False
    if "numpy warned '" not in text:
        return False
    try:
        with core.numerics("Sigmoid.forward"):
            probe()
    except core.CheckFailure as inner:
        mine = str(inner)
        return mine[mine.find("numpy warned '"):] .split("'")[1] == text[text.find("numpy warned '"):].split("'")[1]
    except Exception:
        return False
    return False


def _stale_output(make, label: str, shape=(3, 4)) -> None:
    """Property: a second forward call on new data of the same shape gives a new output (a forward that
    computes only on its first call, `if not hasattr(self, 'y')`, returns the first result forever)."""
    rng = core.rng(f"lab03:{label}:stale")
    x1, x2 = rng.normal(0.0, 2.0, shape), rng.normal(0.0, 2.0, shape)
    try:
        layer = make()
        y1 = np.array(layer.forward(x1.copy()), dtype=np.float64)
        y2 = np.array(layer.forward(x2.copy()), dtype=np.float64)
        y2_fresh = np.array(make().forward(x2.copy()), dtype=np.float64)
    except Exception:
        return                         # raising or odd outputs: the cases judge them
    if y1.shape == y2.shape == shape and np.array_equal(y1, y2) and not np.array_equal(y2_fresh, y1):
        core.fail(f"{label}.forward returned the output of its first call again when called on new data (a fresh "
                  f"{label} gives another result for the same data): compute and store the output on every call, "
                  f"not only when nothing is cached yet (no `if not hasattr(self, ...)` / `if self.y is None`)",
                  "stale-forward-output")


#: Kernel-side driver: a layer's forward (or backward after one forward) called twice with the same shapes and new
#: values; the first call's result stays in the kernel (results cross to the judge by copy, so a later call that
#: writes into it, or returns it again, is only seen there).
_CALL_TWICE = """
def call_twice(layer, method, x, first, second):
    import numpy as np
    if method == "backward":
        layer.forward(x)
    fn = getattr(layer, method)
    a = fn(first)
    if not isinstance(a, np.ndarray):
        return False, False
    kept = np.array(a, copy=True)
    b = fn(second)
    changed = a.shape != kept.shape or not np.array_equal(a, kept, equal_nan=True)
    shared = isinstance(b, np.ndarray) and a.size > 0 and np.shares_memory(a, b)
    return bool(changed), bool(shared)
"""


def _results_kept(make, label: str, method: str, seed: str, shape=(3, 4)) -> None:
    """Property of every forward and backward: what one call returned is the caller's, and a later call of the same
    instance (same shapes, new values) neither writes into it nor returns the same memory.  An output buffer kept
    on self between calls (np.maximum(x, 0, out=self._out)) passes every single call and breaks a network that
    holds two layers' outputs at once.  Cheap: two calls on a (3, 4) batch."""
    rng = core.rng(f"lab03:{label}:{method}:results-kept:{seed}")
    x, first, second = (rng.normal(0.0, 2.0, shape) for _ in range(3))
    if method == "forward":
        x = None
    try:
        run = core.kernel_functions(_CALL_TWICE)["call_twice"]
        with np.errstate(all="ignore"):
            changed, shared = run(make(), method, x, first, second)
    except Exception:     # a call that raises on these inputs is named by the cases
        return
    if not (changed or shared):
        return
    arg = "grad_out" if method == "backward" else "x"
    after = " after one forward" if method == "backward" else ""
    core.fail(f"{label}.{method} called twice on the same instance{after} ({arg} of shape {shape}, new values the "
              f"second time): the array the first call returned "
              f"{'was overwritten by' if changed else 'shares its memory with the result of'} the second call: the "
              f"result is written into a buffer kept between calls (an array kept on self or at module level and "
              f"filled in place, out=self.buffer), so a caller holding the first result (a network keeps every "
              f"layer's output for the backward pass) sees it change; create the result anew in every call",
              "result-buffer-shared-between-calls")


#: Kernel-side driver: calls of one instance in turn (forward / backward, each on a copy of its argument), the
#: results as float64 arrays, and after every call the layer's settings (the scalar attributes it had when made:
#: slope, alpha, ALPHA, SCALE...) as they are now.  Stops at the first call that raises.
_ONE_INSTANCE = """
def one_instance(layer, steps):
    import numpy as np
    def scalar(v):
        return isinstance(v, (bool, int, float, np.generic)) and not isinstance(v, np.ndarray)
    names = sorted(k for k in set(vars(layer)) | {k for c in type(layer).__mro__ for k in vars(c)}
                   if not k.startswith("_"))
    start = {}
    for k in names:
        try:
            v = getattr(layer, k)
        except Exception:
            continue
        if scalar(v):
            start[k] = float(v)
    def now():
        out = {}
        for k in start:
            v = getattr(layer, k, None)
            if scalar(v):
                out[k] = float(v)
            elif isinstance(v, np.ndarray):
                out[k] = "an array of shape " + str(tuple(v.shape))
            else:
                out[k] = type(v).__name__
        return out
    results = []
    last = {}
    for method, arg in steps:
        name = method[:-5] if method.endswith("_same") else method
        if method.endswith("_same") and name in last:
            given = last[name]
            given[...] = arg
        else:
            given = arg.copy()
        last[name] = given
        try:
            r = np.array(getattr(layer, name)(given), dtype=np.float64)
        except Exception as exc:
            results.append((None, type(exc).__name__ + ": " + str(exc), now()))
            break
        results.append((r, None, now()))
    return start, results
"""


def _run_one_instance(make, steps):
    """(settings when made, [(result or None, error or None, settings after the call)]) or None."""
    try:
        run = core.kernel_functions(_ONE_INSTANCE)["one_instance"]
        with np.errstate(all="ignore"):
            return run(make(), steps)
    except Exception:
        return None


def _settings_changed(start: dict, after: dict) -> str:
    """The settings a call changed, in words ('' when none)."""
    said = []
    for k, v in start.items():
        w = after.get(k, v)
        if isinstance(w, float) and (w == v or (math.isnan(w) and math.isnan(v))):
            continue
        said.append(f"self.{k} was {v:.6g} and is now {w:.6g}" if isinstance(w, float) else
                    f"self.{k} was {v:.6g} and is now {w}")
    return "; ".join(said)


def _first_wrong(results, expected, scale: float):
    """Index of the first call whose result raised, has another shape or other values (None: all right)."""
    tol = _tol(np.float64, scale=scale)
    for i, want in enumerate(expected):
        if i >= len(results):
            return None
        got, err, _ = results[i]
        if err is not None or got.shape != want.shape or not core.close(got, want, **tol):
            return i
    return None


def _one_instance_inputs(label: str, kinks, kind: str):
    """x1, x2 of one shape with other values (x2 has other signs at some places), x3 of another shape, x4 of x3's
    shape (written into x3's very array: a training loop updates its arrays in place); grads alike."""
    rng = core.rng(f"lab03:{label}:{kind}:one-instance")
    xs = [_away_from_kinks(rng, s, kinks) for s in ((2, 3), (2, 3), (4, 5), (4, 5))]
    xs[1][0] = -xs[0][0]               # the signs of the first row flipped: another branch at each place
    xs[3][0] = -xs[2][0]
    gs = [rng.normal(0.0, 1.0, x.shape) for x in xs]
    return xs, gs


def _one_instance_steps(kind: str, xs, gs, f, jvp):
    """[(method, argument, x of the most recent forward, x of the forward before it, expected)]; the last forward
    (and backward) writes its values into the array the previous call got."""
    steps = []
    for k, (x, g) in enumerate(zip(xs, gs)):
        same = "_same" if k == len(xs) - 1 else ""
        prev = xs[k - 1] if k else None
        steps.append(("forward" + same, x, x, prev, f(x)))
        if kind == "backward":
            steps.append(("backward" + same, g, x, prev, jvp(x, g)))
    return steps


def _calls_on_one_instance(make, label: str, kind: str, f, jvp, kinks=(), helper=None) -> None:
    """Property of every layer: one instance called again and again (a network reuses its layers every step) gives
    on each call what a fresh instance gives: forward on the call's own x; backward the derivative at the most
    recent forward's x.  Four forward calls (kind "forward") or four forward/backward pairs (kind "backward"):
    x1, x2 of the same shape (other values, other signs), x3 of another shape, then x4 written into x3's very
    array (a cache keyed on the array, id(x), keeps x3's result).  Told only when the first call is right (a wrong
    formula is judged by the cases) and a fresh instance is right on the same input, with the settings (the scalar
    attributes the layer had when made) that a call changed; a backward whose next forward is wrong is named only
    when forward called again and again without backward is right.  ``helper``: the student's Sigmoid, used by
    this layer: when it fails the same question it is judged in its own cells."""
    xs, gs = _one_instance_inputs(label, kinks, kind)
    scale = max(float(np.abs(x).max()) for x in xs)
    tol = _tol(np.float64, scale=scale)
    steps = _one_instance_steps(kind, xs, gs, f, jvp)
    got = _run_one_instance(make, [(m, a) for m, a, *_ in steps])
    if got is None:
        return
    start, results = got
    i = _first_wrong(results, [e for *_, e in steps], scale)
    if i is None or i < (1 if kind == "forward" else 2):
        return                                        # the first call (pair) wrong: the cases judge it
    if helper is not None:
        sig = _one_instance_steps("backward", xs, gs, lambda x: _map(_sig, x),
                                  lambda x, g: g * _map(lambda v: _sig(v) * (1 - _sig(v)), x))
        ran = _run_one_instance(helper, [(m, a) for m, a, *_ in sig])
        if ran is None or _first_wrong(ran[1], [e for *_, e in sig], scale) is not None:
            return                                    # the student's Sigmoid (judged there)
    method, arg, x, prev, want = steps[i]
    base = method.replace("_same", "")
    alone = [("forward", x, x, None, f(x))] + ([("backward", arg, x, None, want)] if base == "backward" else [])
    fresh = _run_one_instance(make, [(m, a) for m, a, *_ in alone])
    if fresh is None or _first_wrong(fresh[1], [e for *_, e in alone], scale) is not None:
        return                                        # a fresh instance is wrong there too: the cases judge it
    got_i, err, after = results[i]
    changed = _settings_changed(start, after)
    culprit = next((steps[k][0].replace("_same", "") for k in range(i + 1)
                    if _settings_changed(start, results[k][2])), None)
    what = (f"raised {err}" if err is not None else
            f"returned an array of shape {got_i.shape}" if got_i.shape != want.shape else "gave wrong values")
    where = (f"x of shape {x.shape}" if base == "forward" else f"grad_out of shape {arg.shape}, after forward on "
             f"x of shape {x.shape}")
    before = ("after forward and backward calls on other inputs" if kind == "backward" else
              "after forward calls on other inputs")
    refill = (" (the new values written into the same array the previous call got, as a training loop updates "
              "its arrays in place)" if method.endswith("_same") else "")
    head = (f"one {label} called again and again (as a network calls each layer at every step): {label}.{base}"
            f"({where}) {what} {before}{refill}, while a fresh {label} is right on the same input (and the first "
            f"call was right)")
    if kind == "backward" and base == "forward":
        plain = _one_instance_steps("forward", xs, gs, f, jvp)
        ran = _run_one_instance(make, [(m, a) for m, a, *_ in plain])
        if ran is None or _first_wrong(ran[1], [e for *_, e in plain], scale) is not None:
            return                                    # forward alone is wrong on later calls: its own cell
        core.fail(f"{head}: {label}.backward changed the layer's state, so the next forward is wrong"
                  + (f" ({changed})" if changed else "") + ": backward must only read what forward stored and leave "
                  f"the layer's settings as they are (keep the derivative in a local variable, not in self."
                  f"{next((k for k in start if _settings_changed({k: start[k]}, after)), 'slope')})",
                  "backward-changes-layer-state")
    if err is None and prev is not None and got_i.shape == want.shape and prev.shape == want.shape:
        earlier = f(prev) if base == "forward" else jvp(prev, arg)
        if core.close(got_i, earlier, **tol):
            said = ("the output for the PREVIOUS call's x" if base == "forward" else
                    "grad_out times the derivative at the PREVIOUS forward's input")
            core.fail(f"{head}: your {base} returned {said}: returned a result computed from the values of an "
                      f"earlier call: state kept between calls (a value computed once, `if not hasattr(self, ...)`, "
                      f"kept on self or keyed on the array / its id or shape) is stale for later inputs: compute "
                      f"from the current call's arguments and what the most recent forward stored, in every call",
                      "backward-stale-state" if base == "backward" else "forward-stale-state")
    who = f"{label}.{culprit}" if culprit else "an earlier call"
    core.fail(f"{head}: state from an earlier call"
              + (f": {who} changed the layer's settings ({changed}); keep hyper-parameters and constants as they "
                 f"were made (use a local variable: alpha = self.ALPHA * self.SCALE, not self.ALPHA = ...)"
                 if changed else ": something kept on self (or at module level) between calls is reused; compute "
                 "from the arguments of the current call and what the most recent forward stored"),
              "forward-changes-layer-state" if culprit == "forward" else "state-between-calls")


#: Kernel-side: the layer's settings (its scalar attributes, on the instance or the class) and a subclass whose
#: forward puts them back after the student's forward ran (so backward is judged as if forward left them alone).
_SETTINGS_KEPT = """
def settings_of(layer):
    import numpy as np
    names = set(vars(layer)) | {k for c in type(layer).__mro__ for k in vars(c)}
    out = {}
    for k in sorted(names):
        if k.startswith("_"):
            continue
        try:
            v = getattr(layer, k)
        except Exception:
            continue
        if isinstance(v, (bool, int, float, np.generic)) and not isinstance(v, np.ndarray):
            out[k] = v
    return out


def forward_changes_settings(layer, x):
    before = settings_of(layer)
    layer.forward(x)
    after = {k: getattr(layer, k, None) for k in before}
    return any(type(after[k]) is not type(v) or after[k] != v for k, v in before.items())


def settings_kept(cls):
    class Kept(cls):
        def forward(self, x):
            saved = settings_of(self)
            y = super().forward(x)
            for k, v in saved.items():
                setattr(self, k, v)
            return y
    Kept.__name__, Kept.__qualname__ = cls.__name__, cls.__qualname__
    return Kept
"""


def _backward_judged_on(cls, spec: Spec, label: str):
    """The class backward is judged on: ``cls`` itself, or, when one forward call changes the layer's settings
    (self.ALPHA = self.ALPHA * self.SCALE: judged in forward's cell, _calls_on_one_instance), a subclass whose
    forward puts the settings back, so that mistake does not cost backward's cells too."""
    try:
        fns = core.kernel_functions(_SETTINGS_KEPT)
        x = np.array([[-1.5, -0.5, 0.5, 2.0]])
        with np.errstate(all="ignore"):
            if fns["forward_changes_settings"](spec.make(cls), x):
                return fns["settings_kept"](cls)
    except Exception:
        pass
    return cls


#: Instances besides the checks' own (non-default) ones: the documented defaults, and a hyper-parameter on the
#: other side of 1 (alpha > 1, where max(x, alpha*(exp(x) - 1)) is no longer ELU).  name -> [(label, make,
#: oracle, parameter, documented value or None)].
OTHER_INSTANCES = {
    "leaky_relu": [("LeakyReLU()", lambda cls: cls(), lambda v: v if v > 0 else 0.01 * v, "slope", 0.01)],
    "elu": [("ELU()", lambda cls: cls(), lambda v: _elu(v, 1.0), "alpha", 1.0),
            ("ELU(alpha=2.5)", lambda cls: cls(alpha=2.5), lambda v: _elu(v, 2.5), "alpha", None)],
}


def _other_instances(cls, tag: str) -> None:
    """The documented default hyper-parameter and one on the other side of 1: the negative side of x measured
    (the slope or alpha actually used) and compared with the documented one."""
    x = np.array([[-3.0, -1.0, -0.5, -0.1, 0.5, 2.0]])
    neg = x < 0
    for label, make, oracle, param, default in OTHER_INSTANCES.get(tag, ()):
        layer = _make(label, make, cls)
        y = _forward(layer, x.copy(), label)
        want = _map(oracle, x)
        if core.close(y, want, 1e-6, 1e-9):
            continue
        name = signature(f"{label}.forward", ("x",), (x,))
        ys = np.asarray(y, np.float64)
        basis = x if param == "slope" else np.expm1(x)
        used = ys[neg] / basis[neg]
        if default is not None and core.close(ys[~neg], x[~neg], 1e-6, 1e-9) and np.ptp(used) < 1e-6:
            core.fail(f"{name}: for x < 0 it uses {param} = {used[0]:.4g}, but the documented default is "
                      f"{param}={default} (def __init__(self, {param}={default})): {label} must behave as "
                      f"{label[:-1]}{param}={default})", f"default-{param}")
        if tag == "elu" and core.close(ys, np.maximum(x, 2.5 * np.expm1(np.minimum(x, 0))), 1e-6, 1e-9):
            core.fail(f"{name}: your values equal max(x, alpha*(exp(x) - 1)): for alpha > 1 that maximum is x, "
                      f"not alpha*(exp(x) - 1), just left of 0 (at x = -0.1 you return -0.1, expected "
                      f"{_elu(-0.1, 2.5):.4g}): choose the branch by the sign of x, np.where(x > 0, x, "
                      f"alpha * (exp(x) - 1)), not by which value is larger", "elu-maximum")
        said = explain_elementwise(x, ys, want, rtol=1e-6, atol=1e-9, what="values",
                                   probe=lambda p: _make(label, make, cls).forward(p),
                                   oracle=lambda p: _map(oracle, p))
        core.fail(f"{name} has wrong values" + (f": {said}" if said else
                  f": at x = {x.ravel().tolist()} your values are {np.round(ys.ravel(), 4).tolist()}, expected "
                  f"{np.round(want.ravel(), 4).tolist()}"), "other-instance-wrong")


def _cache_on_every_path(cls, spec: Spec, label: str) -> None:
    """Property: a fresh layer's backward works after a forward whose inputs are all of one sign (a forward that
    returns early on such inputs, before storing its cache, leaves backward nothing to read)."""
    mixed = np.array([[-1.5, -0.5, 0.5, 2.0]])

    def backward_after(x):
        layer = _make(label, spec.make, cls)
        layer.forward(x.copy())
        return layer.backward(np.ones_like(x))
    for what, x in (("all > 0", np.array([[0.5, 1.0, 2.0, 3.0]])), ("all < 0", np.array([[-3.0, -2.0, -1.0, -0.5]]))):
        try:
            backward_after(x)
            continue
        except Exception as exc:          # the student's code raised: confirmed below on mixed signs
            err = exc
        try:
            backward_after(mixed)         # the same backward works when the inputs have both signs
            primed = _make(label, spec.make, cls)
            primed.forward(mixed.copy())  # ... and after x on an instance that already has a cache: the
            primed.forward(x.copy())      # backward itself handles one-sign inputs, only the cache was missing
            primed.backward(np.ones_like(x))
        except Exception:
            return
        core.fail(f"a fresh {label} whose forward got an input with entries {what} (x = {x.ravel().tolist()}) "
                  f"cannot run backward: backward raised {core.error_kind(err)}: {err} (after a forward on inputs of "
                  f"both signs it works). Your forward skips storing what backward needs on that path (an early "
                  f"return before self.x = x?): store the cache on every path", "cache-not-stored-on-every-path")


def _changed_by_other_instances(cls, spec: Spec, label: str, tag: str, x, tol) -> None:
    """After a failure of the layer made at the start of the check (other instances were made since): a fresh
    layer right on the same input means the old one changed; confirmed when making another instance changes an
    existing one's output (a hyper-parameter stored on the class, ELU.alpha = alpha, is shared by all)."""
    others = OTHER_INSTANCES.get(tag, ())
    if not others:
        return
    try:
        fresh = np.asarray(_make(label, spec.make, cls).forward(x.copy()), dtype=np.float64)
    except Exception:
        return
    if fresh.shape != x.shape or not core.close(fresh, _map(spec.f, x.astype(np.float64)), **tol):
        return                                   # a fresh layer is wrong too: not a matter of instances
    try:
        a = _make(label, spec.make, cls)
        before = np.asarray(a.forward(TERM_X.copy()), dtype=np.float64)
        other_label, make, *_ = others[-1]
        make(cls)
        after = np.asarray(a.forward(TERM_X.copy()), dtype=np.float64)
    except Exception:
        return
    if before.shape == after.shape == TERM_X.shape and not core.close(after, before, 1e-9, 1e-12):
        param = others[-1][3]
        core.fail(f"creating {other_label} changed an existing {label}: its forward at x = {TERM_X.ravel().tolist()} "
                  f"gave {np.round(before.ravel(), 4).tolist()} before and {np.round(after.ravel(), 4).tolist()} "
                  f"after. The {param} lives on the class, shared by every instance (the last one made wins): "
                  f"store it on the instance, self.{param} = {param}, not {label.split('(')[0]}.{param} = {param}",
                  f"{param}-shared-by-instances")
    core.fail(f"the {label} made at the start of the check gives wrong values on inputs up to +-1000, while a fresh "
              f"{label} is right on the same input: something (other instances made since, or earlier calls) changed "
              f"the old one; keep each instance's hyper-parameters and state on self", "instance-state-changed")


def check_forward(cls, spec: Spec, tag: str, helper=None) -> None:
    """``helper``: the student's Sigmoid when this layer may reuse it (SiLU): a wrong Sigmoid is
    judged in its own cells, so x * your_sigmoid(x) is accepted here."""
    rng = core.rng(f"lab03:{tag}:forward")
    label = spec.label
    layer = _make(label, spec.make, cls)
    _check_parameters(layer, label)
    _stale_output(lambda: _make(label, spec.make, cls), label)
    _results_kept(lambda: _make(label, spec.make, cls), label, "forward", tag)
    _calls_on_one_instance(lambda: _make(label, spec.make, cls), label, "forward",
                           lambda x: _map(spec.f, x), lambda x, g: g * _map(spec.df, x), spec.kinks, helper)
    own_sigmoid = _relative_to(helper, label)
    memo: dict = {}          # what is found once for every case (the wrong term on the probe points)
    # reference points, then random inputs of several shapes, float64 then float32
    cases = [np.array([[-3.0, -1.0, -0.5, 0.25, 1.0, 2.0]])]
    cases += [rng.normal(0.0, 3.0, shape) for shape in ELEMENTWISE_SHAPES]

    def case(x):
        def run():
            try:
                y = _forward(layer, x, label, want=lambda: _map(spec.f, x.astype(np.float64)).astype(x.dtype))
            except core.CheckFailure as exc:
                if _excused_promotion(exc, helper, x):
                    return           # the student's Sigmoid promotes float32 (judged there)
                _assumes_2d(exc, lambda: _make(label, spec.make, cls).forward(_to_2d(x).copy()),
                            lambda: _map(spec.f, _to_2d(x)), x, label, "forward", "x")
                raise
            xs = x.astype(np.float64)
            tol = _tol(x.dtype, y.dtype, scale=float(np.abs(xs).max()))
            if own_sigmoid is not None:
                s = own_sigmoid(x)
                if s is not None and not core.close(s, _s(xs), **tol) and core.close(y, xs * s, **tol):
                    return
            expected = _map(spec.f, xs)
            name = signature(f"{label}.forward", ("x",), (x,))
            wrong = not core.close(y, expected, **tol)
            if wrong:
                _output_readings(name, "forward", y, expected, x,
                                 lambda p, _: _make(label, spec.make, cls).forward(p),
                                 lambda p, _: _map(spec.f, p))
                _forward_not_elementwise(cls, spec, label)
            diagnose_only(y, expected, name=name, diagnose={**spec.wrong_forward(xs),
                                                            **_generic_forward(spec, xs, others=wrong)}, **tol)
            _explain(y, expected, xs, name, tol, probe=lambda p: _make(label, spec.make, cls).forward(p),
                     oracle=lambda p: _map(spec.f, p), what="values", key=tag, which="f", memo=memo)
            core.expect_close(y, expected, name=name, **tol)
        return run
    run_cases([(None, case(x64.astype(dtype))) for x64 in cases for dtype in DTYPES])
    _cache_on_every_path(cls, spec, label)
    _other_instances(cls, tag)
    # extreme inputs: no overflow warning, no NaN, still the right values
    for dtype in DTYPES:
        x = EXTREMES.astype(dtype).reshape(2, -1)
        try:
            y = _forward(layer, x, label)
        except core.CheckFailure as exc:
            if helper is not None and _same_warning(exc, lambda x=x: helper().forward(x)):
                continue             # the overflow happens in the student's Sigmoid (judged there)
            if _excused_promotion(exc, helper, x):
                continue             # the student's Sigmoid promotes float32 (judged there)
            if helper is not None and "modified its input" in str(exc) \
                    and _helper_modifies(helper, EXTREMES.astype(dtype).reshape(2, -1)):
                continue             # the student's Sigmoid writes into its input (judged there)
            if exc.diagnosis == "not-numerically-stable":
                xs = EXTREMES.astype(dtype).reshape(2, -1)
                _overflow_discarded(exc, lambda xs=xs: _make(label, spec.make, cls).forward(xs.copy()),
                                    _map(spec.f, xs.astype(np.float64)), _tol(dtype, scale=1000.0))
            raise
        xs = x.astype(np.float64)
        tol = _tol(dtype, y.dtype, scale=1000.0)
        if own_sigmoid is not None:
            s = own_sigmoid(x)
            if s is not None and not core.close(s, _s(xs), **tol) and core.close(y, xs * s, **tol):
                continue
        try:
            core.expect_close(y, _map(spec.f, xs),
                              name=f"{label}.forward on inputs up to +-1000 ({np.dtype(dtype).name})", **tol)
        except core.CheckFailure:
            _changed_by_other_instances(cls, spec, label, tag, x, tol)
            raise


#: A second input for the output readings (pairwise-different sizes from the cases', no kink, no zero) and an
#: upstream gradient for it.
_READING_X = np.array([[-2.35, -1.45, -0.65, 0.15, 0.95], [1.85, -0.35, 2.65, -1.15, 0.55],
                       [-0.85, 1.35, -1.95, 0.45, 2.15]])
_READING_G = np.array([[0.55, -1.25, 0.85, 1.45, -0.35], [-0.95, 0.25, 1.15, -0.65, 0.75],
                       [1.35, -0.45, -1.05, 0.65, 0.3]])


def _grid(a: np.ndarray) -> int | None:
    """The fewest decimals k (1..10) such that every value of ``a`` is a multiple of 10**-k (up to the
    precision of ``a``'s dtype), or None."""
    eps = 4 * float(np.finfo(a.dtype).eps) if a.dtype.kind == "f" else 0.0
    v = np.asarray(a, dtype=np.float64)
    if v.size == 0 or not np.isfinite(v).all():
        return None
    for k in range(1, 11):
        r = v * 10.0 ** k
        slack = eps * float(np.abs(r).max()) + 1e-6
        if slack > 0.05:
            return None        # the dtype's precision no longer tells a grid of 10**-k from any value
        if np.all(np.abs(r - np.round(r)) <= slack):
            return k
    return None


def _rounded_reading(got, expected) -> int | None:
    """k when ``got`` is ``expected`` rounded to k decimals: on the grid of 10**-k, within half a step of it,
    and not equal to it (the expected values themselves are not on that grid)."""
    k = _grid(got)
    if k is None or (k > 8 and got.dtype == np.float32):
        return None
    e = np.asarray(expected, dtype=np.float64)
    ek = _grid(np.asarray(expected))
    if ek is not None and ek <= k:
        return None
    gap = np.abs(np.asarray(got, dtype=np.float64) - e)
    return k if gap.max() <= 0.5 * 10.0 ** -k * (1 + 1e-6) + 1e-12 and gap.max() > 0 else None


def _output_readings(name: str, method: str, got, expected, given, probe, oracle) -> None:
    """General questions of any wrong output of a layer (forward and backward of every activation and Softmax),
    each told only when a second input (:data:`_READING_X`, other sizes) gives the same reading:
    (1) the output is the input returned unchanged (x from forward, grad_out from backward: the identity);
    (2) the output is the expected one rounded to k decimals (np.round(y, 6) to match printed values).
    ``given``: the array the identity would return (x or grad_out); ``probe(x, g)``: the student's output on
    a fresh instance, ``oracle(x, g)``: the expected one."""
    try:
        with np.errstate(all="ignore"):
            mine2 = np.asarray(probe(_READING_X.copy(), _READING_G.copy()))
            want2 = np.asarray(oracle(_READING_X.copy(), _READING_G.copy()), dtype=np.float64)
    except Exception:
        return
    if mine2.shape != want2.shape or mine2.dtype.kind != "f":
        return
    given2 = _READING_G if method == "backward" else _READING_X
    arg = "grad_out" if method == "backward" else "x"
    got = np.asarray(got)
    if got.shape == given.shape and np.array_equal(got, given) and not core.close(expected, given, 1e-6, 1e-9) \
            and np.array_equal(mine2, given2) and not core.close(want2, given2, 1e-6, 1e-9):
        what = ("it must multiply grad_out by the softmax Jacobian: J^T grad_out = y * (grad_out - sum(grad_out * "
                "y, axis=1, keepdims=True)) (returning grad_out is the shortcut of softmax followed by "
                "cross-entropy, which that loss's backward takes, not this layer)"
                if method == "backward" and name.startswith("Softmax") else
                "it must multiply grad_out by the derivative: dL/dx = grad_out * f'(x)" if method == "backward"
                else "it must apply the activation")
        core.fail(f"{name}: {method} returns {arg} unchanged (the identity; on two inputs of other shapes): {what}",
                  f"{method}-returns-input")
    if got.dtype.kind == "f" and got.shape == np.shape(expected):
        k = _rounded_reading(got, expected)
        if k is not None and _rounded_reading(mine2, want2) == k:
            core.fail(f"{name}: your output is rounded: every value is a multiple of 1e-{k} and within "
                      f"{0.5 * 10.0 ** -k:.0e} of the expected one (on two inputs): np.round(..., {k}) (or a "
                      f"format such as f'{{v:.{k}f}}') throws precision away; return the full-precision values "
                      f"(expected values are printed rounded for display only)", "output-rounded")


def _assumes_2d(exc: core.CheckFailure, run2, want2, x: np.ndarray, label: str, method: str, arg: str) -> None:
    """A raw exception on an input that is not 2-D: the same values as a 2-D array (run2, judged against
    want2) give the right result, so the code assumes 2-D input (einsum 'ij', x.shape[1], a loop over two
    indices...).  An elementwise activation must accept any shape."""
    if " raised " not in str(exc) or x.ndim == 2:
        return
    try:
        with np.errstate(all="ignore"):
            y2 = np.asarray(run2(), dtype=np.float64)
            w2 = np.asarray(want2(), dtype=np.float64)
    except Exception:
        return
    if y2.shape != w2.shape or not core.close(y2, w2, 1e-6, 1e-9):
        return
    shape2 = x.reshape(-1, x.shape[-1]).shape if x.ndim > 2 else x.reshape(1, -1).shape
    core.fail(f"{label}.{method}({arg} of shape {x.shape}) raised: an elementwise activation must accept any shape: "
              f"your code assumes 2-D input (the same values as a {shape2} array give the right result; look for "
              f"einsum subscripts such as 'ij', x.shape[1], two nested loops or a .T): write it with elementwise "
              f"operations that work on any shape. {exc}", "assumes-2d-input")


def _to_2d(a: np.ndarray) -> np.ndarray:
    return a.reshape(-1, a.shape[-1]) if a.ndim > 2 else a.reshape(1, -1)


def _forward_not_elementwise(cls, spec: Spec, label: str) -> None:
    """Property: an elementwise forward gives entry (i, j) from x[i, j] alone. On a (3, 4) probe batch of positive
    entries, one entry is made negative: no other entry of the output may move. A whole-array `if` (if x.min() < 0,
    if (x < 0).any()) or a normalisation over the array moves them all."""
    i, j = 1, 2
    x0 = np.abs(COUPLING_X)
    x1 = x0.copy()
    x1[i, j] = -1.3
    try:
        y0, y1 = (np.asarray(_make(label, spec.make, cls).forward(v.copy()), dtype=np.float64) for v in (x0, x1))
    except Exception:
        return
    if y0.shape != x0.shape or y1.shape != x0.shape or not (np.isfinite(y0).all() and np.isfinite(y1).all()):
        return
    others = np.ones(x0.shape, dtype=bool)
    others[i, j] = False
    moved = others & ~np.isclose(y0, y1, rtol=1e-9, atol=1e-12)
    if not moved.any():
        return
    a, b = (int(v) for v in np.argwhere(moved)[0])
    whole = (" Typically one test on the whole array chooses the formula for EVERY entry: a "
             "Python `if` on an array condition (if x.min() < 0, if (x < 0).any(), if x.sum() ...) picks one branch for "
             "the whole array; choose per entry with np.where(x > 0, ..., ...)")
    core.fail(f"{label}.forward is not elementwise: on a (3, 4) batch of positive x, making only x[{i}, {j}] negative "
              f"(-1.3) changed {int(moved.sum())} other entries of your output (y[{a}, {b}] went from "
              f"{y0[a, b]:.4g} to {y1[a, b]:.4g}, its x[{a}, {b}] = {x0[a, b]:.4g} unchanged): each output entry must "
              f"depend on its own input entry only.{whole}", "forward-not-elementwise")


def _overflow_discarded(exc, run, want, tol) -> None:
    """A warning whose values are right nevertheless: the overflow happened in an intermediate that never reaches
    the result (confirmed by the values of a second call), typically the branch np.where discards."""
    try:
        with np.errstate(all="ignore"):
            y = np.asarray(run(), dtype=np.float64)
    except Exception:
        return
    if y.shape != want.shape or not np.isfinite(y).all() or not core.close(y, want, **tol):
        return
    warned = str(getattr(exc, "warning", "") or "")
    if re.search(r"overflow encountered in (cosh|sinh)$", warned):
        # no discarded branch: cosh(x) itself overflows to inf for |x| above ~710, and 1 / inf = 0 is right
        core.fail(f"{exc.headline}. Your values are right nevertheless: {warned.rsplit(' ', 1)[-1]}(x) grows like "
                  f"exp(|x|) and overflows to inf for |x| above about 710 (89 in float32), where 1 / inf = 0 happens "
                  f"to be the right limit; write the derivative without it: sech(u)**2 = 1 - tanh(u)**2 (np.tanh "
                  f"saturates at +-1 without overflowing; for Tanh itself that is 1 - y**2 with the output forward "
                  f"cached)",
                  "overflow-in-cosh")
    core.fail(f"{exc.headline}. Your values are right nevertheless: the overflow happened in an intermediate that does not "
              f"reach the result, typically a branch of np.where (np.where computes BOTH branches on every element, "
              f"so exp(x) also runs at x = 1000 where the other branch is chosen): give each branch only inputs it "
              f"can take, e.g. exp(-|x|) or exp(np.minimum(x, 0))", "overflow-in-discarded-branch")


def _helper_modifies(helper, x) -> bool:
    """Does the student's Sigmoid change the array it is given (np.clip(x, ..., out=x))?"""
    given = np.array(x, copy=True)
    try:
        helper().forward(given)
    except Exception:
        return False
    return not np.array_equal(given, x)


def _generic_forward(spec: Spec, xs: np.ndarray, others: bool = True) -> dict:
    """Mistakes any elementwise forward can make (not catalogued per activation); ``others``: also another
    activation of the lab (only worth computing once the values are known to be wrong)."""
    return {
        "the sign of x is flipped inside the formula: you computed f(-x)": lambda: _map(spec.f, -xs),
        "the result has the wrong sign: you computed -f(x)": lambda: -_map(spec.f, xs),
        "the activation was applied twice: f(f(x))": lambda: _map(spec.f, _map(spec.f, xs)),
        **{_other_activation(spec, other): (lambda other=other: _map(other.f, xs))
           for other in SPECS.values() if other is not spec and others},
    }


def _other_activation(spec: Spec, other: Spec) -> str:
    """Values equal to another activation's: when the two agree on one side of 0, the other side's branch is
    where the slip is (the forward need not be a copy)."""
    same = np.isclose(_map(spec.f, TERM_X), _map(other.f, TERM_X), rtol=1e-9, atol=1e-12)[0]
    for side, mask, opposite in (("x > 0", TERM_X[0] > 0, "x < 0"), ("x < 0", TERM_X[0] < 0, "x > 0")):
        if same[mask].all() and not same[~mask].any():
            return (f"your values are those of {other.label}, not {spec.label}: right for {side}, but for {opposite} "
                    f"you return what {other.label} gives there (look at the {opposite} branch of your formula, e.g. "
                    f"np.maximum where np.minimum belongs)")
    return f"this is {other.label}, not {spec.label} (a forward copied from another activation?)"


#: The derivatives written with the output y alone, as the docstrings write them.
_DF_Y_WORDS = {"Sigmoid": "y * (1 - y)", "Tanh": "1 - y**2"}


#: Arguments a derivative may be evaluated at instead of x, as functions of (x, y = f(x)).
_ARGUMENTS = {"y / 2": lambda x, y: y / 2, "2 * y": lambda x, y: 2 * y, "x / 2": lambda x, y: x / 2,
              "2 * x": lambda x, y: 2 * x}


def _wrong_argument(spec: Spec, xs: np.ndarray, gs: np.ndarray, d: np.ndarray, rtol: float, atol: float) -> str | None:
    """Fallback question when no term of the documented formula explains a wrong backward: are the values f' at a
    rescaled argument (an identity such as tanh'(x) = 4 sigmoid'(2x) or sigmoid'(x) = tanh'(x/2) / 4 fed with the
    wrong quantity: the cached output y, or x where 2x belongs)?"""
    expected = gs * _map(spec.df, xs)
    y = _map(spec.f, xs)
    for arg, q in _ARGUMENTS.items():
        with np.errstate(all="ignore"):
            value = gs * _map(spec.df, q(xs, y))
        if core.close(d, value, rtol, atol) and not core.close(value, expected, rtol, atol):
            at = "the output y = f(x)" if "y" in arg else "the input x"
            return (f"the derivative is evaluated at the wrong quantity: your values are {spec.label}'({arg}) "
                    f"(grad_out times f' at {arg}, with {at}), not {spec.label}'(x): the argument of f' must be the "
                    f"input x itself (an identity such as tanh'(x) = 4 * sigmoid'(2x) or sigmoid'(x) = "
                    f"tanh'(x / 2) / 4 used with {'the output' if 'y' in arg else 'a rescaled x'} where its own "
                    f"argument belongs?)")
    return None


def _generic_backward(spec: Spec, xs: np.ndarray, gs: np.ndarray) -> dict:
    """Mistakes any elementwise backward can make: the derivative of the wrong quantity, the chain rule
    written as a sum, the activation instead of its derivative."""
    return {
        "the derivative is evaluated at the output y = f(x) instead of the input x: f'(x), not f'(y)":
            lambda: gs * _map(spec.df, _map(spec.f, xs)),
        "the derivative is evaluated at grad_out instead of the input x: dL/dx = grad_out * f'(x)":
            lambda: _map(spec.df, gs),
        "the chain rule multiplies: dL/dx = grad_out * f'(x), not grad_out + f'(x)": lambda: gs + _map(spec.df, xs),
        "backward multiplies grad_out by the activation f(x) instead of its derivative f'(x)":
            lambda: gs * _map(spec.f, xs),
        # the local derivative reduced over the batch (one row of derivatives broadcast to every sample)
        **({"the local derivative f'(x) is averaged over the batch (a mean over axis 0, the samples): it is "
            "elementwise, one value per entry of x, dL/dx = grad_out * f'(x)":
            lambda: gs * _map(spec.df, xs).mean(axis=0, keepdims=True),
            "the local derivative f'(x) is summed over the batch (a sum over axis 0, the samples): it is "
            "elementwise, one value per entry of x, dL/dx = grad_out * f'(x)":
            lambda: gs * _map(spec.df, xs).sum(axis=0, keepdims=True)} if xs.ndim == 2 and xs.shape[0] > 1 else {}),
        # another activation's derivative written with the output y, applied to THIS layer's output
        **{f"{spec.label}.backward uses {_DF_Y_WORDS[other.label]}, the derivative of {other.label} written with its "
           f"output y (a backward copied from {other.label}?): with y = {spec.label}(x), the derivative of {spec.label} "
           f"is {_DF_Y_WORDS.get(spec.label, 'the one documented for it')}":
           (lambda other=other: gs * other.df_y(xs, _map(spec.f, xs)))
           for other in (SPECS["sigmoid"], SPECS["tanh"]) if other is not spec},
        # another activation's derivative (a class copied from another one and not adapted)
        **{f"this is the derivative of {other.label}, not of {spec.label} (a backward copied from another "
           f"activation?)": (lambda other=other: gs * _map(other.df, xs))
           for other in SPECS.values() if other is not spec},
    }


def _explain(got, expected, xs, name, tol, *, probe, oracle, what, prefix="has wrong values: ",
             diagnosis="wrong-values-explained", key=None, which="f", memo: dict | None = None) -> None:
    """Fail with a case-based explanation (the wrong term of the documented formula, which side of 0,
    values at readable points) when one exists."""
    rt, at = core.dtype_tolerance(got, tol["rtol"], tol["atol"], float(np.abs(expected).max()) if expected.size else 1.0)
    if core.close(got, expected, rt, at):
        return
    if key and memo is not None and "term" not in memo:      # the probe does not depend on the case
        memo["term"] = (_swapped_branches(key, lambda p, _: probe(p), which)
                        or _term_on_probe(key, which, lambda p, _: probe(p), what))
    on_probe = memo.get("term") if memo is not None else (_term_on_probe(key, which, lambda p, _: probe(p), what)
                                                          if key else None)
    term = (on_probe or _wrong_term(key, which, xs, got, rt, at, what)) if key else None
    text = explain_elementwise(xs, got, expected, rtol=rt, atol=at, probe=probe, oracle=oracle, what=what,
                               interval=True)
    constant = None
    if key and which == "f" and ".forward" in name:       # the same formula with another constant
        if memo is not None and "constant" not in memo:
            memo["constant"] = _constant_reading(key, probe)
        constant = memo.get("constant") if memo is not None else _constant_reading(key, probe)
    if term:
        core.fail(f"{name} {prefix}{'; '.join(filter(None, (term, constant, text)))}", "wrong-term")
    if constant:
        core.fail(f"{name} {prefix}{'; '.join(filter(None, (constant, text)))}", "wrong-constant")
    layer = name.split(".", 1)[0]
    reading = _transformed_reading(probe, oracle, what,
                                   layer.lower() if ".forward" in name and layer.isidentifier() else "f")
    if not reading and ".forward" in name and (not text or " times" not in text):
        reading = _slope_at_large_x(probe, oracle, what)
    if reading:
        text = f"{reading}; {text}" if text else reading
    if text:
        failure = core.differs(got, expected, f"{name} {prefix}{text}", diagnosis, name=name, rtol=rt, atol=at)
        failure.others = _wide_range_case(probe, oracle, name, rt, at)
        raise failure


def _erfinv(t: float) -> float:
    """The inverse of math.erf on (-1, 1), by Newton's method (no SciPy in the grader)."""
    z = 0.0
    for _ in range(100):
        step = (math.erf(z) - t) / (2.0 / math.sqrt(math.pi) * math.exp(-z * z))
        z -= step
        if abs(step) <= 1e-15 * max(1.0, abs(z)):
            break
    return z


def _fit_gelu(x, y):
    t = 2.0 * y / x - 1.0
    ok = (x != 0) & (np.abs(t) < 1 - 1e-9) & (np.abs(x) <= 3.5)
    if ok.sum() < 4:
        return None
    k = np.array([xv / _erfinv(float(tv)) for xv, tv in zip(x[ok], t[ok])])
    return {"k": float(np.median(k))}


def _fit_gelu_tanh(x, y):
    t = 2.0 * y / x - 1.0
    ok = (x != 0) & (np.abs(t) < 1 - 1e-9)
    if ok.sum() < 4:
        return None
    u = np.arctanh(t[ok]) / x[ok]                # = K + K c x**2
    slope, intercept = np.polyfit(x[ok] ** 2, u, 1)
    return {"K": float(intercept), "c": float(slope / intercept)} if intercept else None


def _fit_negative_side(x, y, basis):
    neg = x < 0
    return float(np.median(y[neg] / basis(x[neg]))) if neg.sum() >= 2 else None


def _fit_selu(x, y):
    pos = x > 0
    product = _fit_negative_side(x, y, np.expm1)
    if pos.sum() < 2 or product is None:
        return None
    scale = float(np.median(y[pos] / x[pos]))
    return {"SCALE": scale, "ALPHA": product / scale} if scale else None


#: Layers whose documented formula has constants: (fit the constants from (x, y), rebuild y from them, the
#: documented constants, how each is written in the formula).
_CONSTANT_FAMILIES = {
    "gelu": (_fit_gelu, lambda x, c: 0.5 * x * (1 + np.vectorize(math.erf)(x / c["k"])), {"k": math.sqrt(2)},
             {"k": "the erf argument is x / sqrt(2) = x / {want}, where yours is x / {got}"}),
    "gelu_tanh": (_fit_gelu_tanh, lambda x, c: 0.5 * x * (1 + np.tanh(c["K"] * (x + c["c"] * x ** 3))),
                  {"K": GELU_K, "c": GELU_C},
                  {"K": "the factor sqrt(2/pi) = {want} before (x + 0.044715 x**3), where yours is {got}",
                   "c": "the cubic coefficient is {want} (0.044715 * x**3), where yours is {got}"}),
    "selu": (_fit_selu, lambda x, c: c["SCALE"] * np.where(x > 0, x, c["ALPHA"] * np.expm1(np.minimum(x, 0))),
             {"SCALE": SELU_SCALE, "ALPHA": SELU_ALPHA},
             {"SCALE": "SCALE = {want} where yours reads {got}", "ALPHA": "ALPHA = {want} where yours reads {got}"}),
    "elu": (lambda x, y: (lambda a: None if a is None else {"alpha": a})(_fit_negative_side(x, y, np.expm1)),
            lambda x, c: np.where(x > 0, x, c["alpha"] * np.expm1(np.minimum(x, 0))), {"alpha": ALPHA},
            {"alpha": "alpha (= {want} for this instance, self.alpha) where yours reads {got}"}),
    "leaky_relu": (lambda x, y: (lambda a: None if a is None else {"slope": a})(
                       _fit_negative_side(x, y, lambda v: v)),
                   lambda x, c: np.where(x > 0, x, c["slope"] * x), {"slope": SLOPE},
                   {"slope": "the slope (= {want} for this instance, self.slope) where yours reads {got}"}),
}


def _constant_reading(key: str, probe) -> str | None:
    """Second question on a wrong forward of a layer whose documented formula has constants (GELU's erf scale,
    GELUTanh's sqrt(2/pi) and 0.044715, SELU's SCALE and ALPHA, ELU's alpha, LeakyReLU's slope): is it the SAME
    formula with other constants?  The constants are fitted on one set of points and the formula so rebuilt must
    give the student's values at every point of two sets (pairwise different); named only then, with the constants
    read, where they differ from the documented ones."""
    family = _CONSTANT_FAMILIES.get(key)
    if family is None or probe is None:
        return None
    fit, build, documented, words = family
    runs = []
    for xs in _REFLECT_POINTS:
        try:
            with np.errstate(all="ignore"):
                runs.append((xs.ravel(), np.asarray(probe(xs.copy()), dtype=np.float64).ravel()))
        except Exception:
            return None
    if any(y.shape != x.shape or not np.isfinite(y).all() for x, y in runs):
        return None
    try:
        with np.errstate(all="ignore"):
            consts = fit(*runs[0])
            if not consts or not all(math.isfinite(v) for v in consts.values()):
                return None
            if not all(core.close(build(x, consts), y, 1e-6, 1e-9) for x, y in runs):
                return None
    except (ValueError, ZeroDivisionError, OverflowError, FloatingPointError, np.linalg.LinAlgError):
        return None
    wrong = [(n, v) for n, v in consts.items() if abs(v - documented[n]) > 1e-5 * abs(documented[n])]
    if not wrong or any(abs(v + documented[n]) <= 1e-5 * abs(documented[n]) for n, v in wrong):
        return None      # a sign slip, not a constant: other readings say it
    if not wrong:
        return None

    def shown(n: str, v: float) -> str:
        # The constant read is the documented one times / divided by ANOTHER constant of the formula that is right
        # (SELU's ALPHA read as ALPHA * SCALE): that other constant is applied twice, or divided out, there.
        for o, c in documented.items():
            if o == n or o in dict(wrong):
                continue
            for value, how in ((documented[n] * c, f"{n} * {o}: {o} is applied twice there (once with {n}, once "
                                                   f"around the whole formula)"),
                               (documented[n] / c, f"{n} / {o}: that term is divided by {o}")):
                if abs(v - value) <= 1e-5 * abs(value):
                    return f"{v:.6g} = {how}"
        named = next((f" = {label}" for label, c in _NAMED_FACTORS.items() if abs(v - c) <= 1e-5 * c), "")
        return f"{v:.6g}{named}"
    said = "; ".join(words[n].format(want=f"{documented[n]:.6g}", got=shown(n, v)) for n, v in wrong)
    return (f"your values are exactly the documented formula with another constant (read from your values at "
            f"every point of two sets): a constant of the formula differs: {said}")


#: Points of a wider range than the cases' (|x| up to 30): the one change the judge proposes must fix these too, so
#: an edit that fits the case only by its range (a cap moved from 6 to 7 above the case's largest x) is not told.
_WIDE_POINTS = np.array([[-30.0, -9.0, -2.5, 2.5, 9.0, 30.0]])


def _wide_range_case(probe, oracle, name, rt, at) -> list:
    """The student's values on :data:`_WIDE_POINTS` as a second comparison (core.CheckFailure.others), when they
    are wrong there too; nothing when they cannot be computed."""
    if probe is None or oracle is None:
        return []
    try:
        with np.errstate(all="ignore"):
            mine = np.asarray(probe(_WIDE_POINTS.copy()), dtype=np.float64)
            want = np.asarray(oracle(_WIDE_POINTS.copy()), dtype=np.float64)
    except Exception:
        return []
    if mine.shape != want.shape or not np.isfinite(want).all() or core.close(mine, want, rt, at):
        return []
    return [core.Compared(mine, want, rt, at, f"{name} at x = {_WIDE_POINTS.ravel().tolist()}")]


#: Constants a misplaced factor usually is (a / sqrt(2) outside erf's parentheses, a 0.5 twice...).
_NAMED_FACTORS = {"1/sqrt(2)": 1 / math.sqrt(2), "sqrt(2)": math.sqrt(2), "1/2": 0.5, "2": 2.0,
                  "1/sqrt(2*pi)": 1 / math.sqrt(2 * math.pi), "sqrt(2*pi)": math.sqrt(2 * math.pi),
                  "sqrt(2/pi)": math.sqrt(2 / math.pi), "sqrt(pi/2)": math.sqrt(math.pi / 2), "1/4": 0.25}


def _slope_at_large_x(probe, oracle, what: str) -> str | None:
    """Second question on a wrong forward whose expected f grows like c x for large x (ReLU, ELU, GELU, SiLU,
    softplus, SELU...): does the student's grow like c' x with another c' (the same ratio f(x)/x at x = 20, 25,
    30 and 40)?  Then a constant factor multiplies what should tend to c x: the part that should reach 1 for
    large x (a cdf, a sigmoid) does not."""
    if probe is None or oracle is None:
        return None
    xs = np.array([[20.0, 25.0, 30.0, 40.0]])
    try:
        with np.errstate(all="ignore"):
            mine = np.asarray(probe(xs.copy()), dtype=np.float64) / xs
            want = np.asarray(oracle(xs.copy()), dtype=np.float64) / xs
    except Exception:
        return None
    if mine.shape != xs.shape or want.shape != xs.shape or not (np.isfinite(mine).all() and np.isfinite(want).all()):
        return None
    rm, rw = float(mine[0, 0]), float(want[0, 0])
    if not (np.allclose(mine, rm, rtol=1e-9, atol=0) and np.allclose(want, rw, rtol=1e-9, atol=0)) or rw == 0 \
            or abs(rm - rw) <= 1e-6 * abs(rw) or rm == 0:
        return None
    k = rm / rw
    named = next((f" = {label}" for label, c in _NAMED_FACTORS.items() if abs(k - c) <= 1e-9 * c), "")
    return (f"for large x your {what} grow like {rm:.6g} x where the expected ones grow like {rw:.6g} x (the same "
            f"ratio f(x) / x at x = 20, 25, 30 and 40): there your {what} are {k:.6g}{named} times the expected "
            f"ones, so a constant factor multiplies what should tend to {rw:.6g} x: the part of the formula that "
            f"should reach 1 for large x (a cdf, a sigmoid) does not; is a factor outside the parentheses it "
            f"belongs in?")


#: Readable points, symmetric about 0, for the reflection readings (two sets: one match is not a reading).
_REFLECT_POINTS = (np.array([[-3.0, -1.0, -0.5, 0.5, 1.0, 3.0]]), np.array([[-2.3, -1.7, -0.2, 0.2, 1.7, 2.3]]))


def _transformed_reading(probe, oracle, what: str, f: str = "f") -> str | None:
    """Second question on a wrong elementwise result, independent of the function: is it a simple transform of
    the expected f (-f(-x), f(-x), -f(x), f(x) - x, f(x) + x) at every point of two symmetric sets, or is it odd
    (or even) when f is not, its x < 0 values the x > 0 ones reflected: x enters through |x| where its sign
    matters.  Each reading must hold on both sets and differ from f there."""
    if probe is None or oracle is None:
        return None
    runs = []
    for xs in _REFLECT_POINTS:
        try:
            with np.errstate(all="ignore"):
                mine = np.asarray(probe(xs.copy()), dtype=np.float64)
                want = np.asarray(oracle(xs.copy()), dtype=np.float64)
                flip = np.asarray(oracle(-xs), dtype=np.float64)
                mine_flip = np.asarray(probe(-xs.copy()), dtype=np.float64)
        except Exception:
            return None
        if not all(a.shape == xs.shape and bool(np.isfinite(a).all()) for a in (mine, want, flip, mine_flip)):
            return None
        runs.append((xs, mine, want, flip, mine_flip))

    def holds(fn) -> bool:
        return all(core.close(mine, fn(xs, want, flip), 1e-6, 1e-9) and not core.close(want, fn(xs, want, flip),
                                                                                          1e-6, 1e-9)
                   for xs, mine, want, flip, _ in runs)
    for label, fn in ((f"-{f}(-x): both the argument's and the result's sign are flipped (the expected function "
                       f"reflected through the origin)", lambda x, w, v: -v),
                      (f"{f}(-x): the argument's sign is flipped", lambda x, w, v: v),
                      (f"-{f}(x): the result's sign is flipped", lambda x, w, v: -w),
                      (f"{f}(x) - x: an extra `- x`", lambda x, w, v: w - x),
                      (f"{f}(x) + x: an extra `+ x`", lambda x, w, v: w + x)):
        if holds(fn):
            formula, why = label.split(": ", 1)
            return f"at every point tried your {what} are exactly {formula}, with {f} the expected function: {why}"
    for kind, sign in (("odd (f(-x) = -f(x))", -1.0), ("even (f(-x) = f(x))", 1.0)):
        if all(core.close(mf, sign * mine, 1e-9, 1e-12) and not core.close(flip, sign * want, 1e-6, 1e-9)
               for _, mine, want, flip, mf in runs):
            return (f"your {what} are {kind} while the expected ones are not: for x < 0 they are the x > 0 ones "
                    f"reflected, so x reaches your formula through |x| (np.abs) somewhere where its sign matters "
                    f"(a stable form keeps a separate branch for x < 0)")
    return None


def _linear_in_grad_out(cls, spec: Spec, label: str, x, g, d) -> None:
    """Property: dL/dx = grad_out * f'(x) is linear in grad_out (grad_out times -2 gives the result times -2)."""
    layer = _make(label, spec.make, cls)
    _cache_forward(layer, x, label)
    try:
        d2 = layer.backward(-2 * g)
    except Exception:
        return
    if not isinstance(d2, np.ndarray) or d2.shape != d.shape:
        return
    d2s, ds = d2.astype(np.float64), d.astype(np.float64)
    tol = _tol(x.dtype, d.dtype)
    rt, at = core.dtype_tolerance(d, tol["rtol"], tol["atol"], float(np.abs(ds).max()))
    if bool(np.isfinite(d2s).all()) and not core.close(d2s, -2 * ds, rt, at):
        _nonlinear_branch(cls, spec, label)
        term = _term_on_probe(next((k for k, v in SPECS.items() if v is spec), ""), "df",
                              lambda p, gp: _backward_on(cls, spec, label, p, gp), "results (g = grad_out)")
        if term:
            core.fail(f"{label}.backward is not proportional to grad_out (multiplying grad_out by -2 must multiply "
                      f"dL/dx = grad_out * f'(x) by -2): {term}", "backward-not-linear-in-grad-out")
        _term_without_grad_out(cls, spec, label)
        _branch_from_grad_out(cls, spec, label)
        core.fail(f"{label}.backward is not proportional to grad_out: multiplying grad_out by -2 must multiply "
                  f"dL/dx = grad_out * f'(x) by -2 (f'(x) depends on the input x only: is something computed from "
                  f"grad_out, such as a mask, a sign or a function of it, or is grad_out added instead of multiplied?)",
                  "backward-not-linear-in-grad-out")


def _backward_on(cls, spec: Spec, label: str, x: np.ndarray, g: np.ndarray):
    layer = _make(label, spec.make, cls)
    layer.forward(x)
    return layer.backward(g)


def _backward_values(cls, spec: Spec, label: str, x: np.ndarray, g: np.ndarray) -> np.ndarray | None:
    """The student's backward on (x, g) as float64, or None when it raises or returns another shape."""
    try:
        d = np.asarray(_backward_on(cls, spec, label, x.copy(), g.copy()), dtype=np.float64)
    except Exception:
        return None
    return d if d.shape == x.shape and bool(np.isfinite(d).all()) else None


#: What a term added without grad_out may be, as a function of x (the spec's f and f' are used).
def _loose_terms(spec: Spec, x: np.ndarray) -> dict:
    fx = _map(spec.f, x)
    with np.errstate(all="ignore"):
        ratio = np.where(x != 0, fx / np.where(x != 0, x, 1.0), np.nan)
    return {"the input x": x, "the forward's value f(x)": fx, "the local derivative f'(x)": _map(spec.df, x),
            "f(x) / x (the factor forward multiplies x by, e.g. s = sigmoid(x) in SiLU)": ratio,
            "1": np.ones_like(x)}


def _term_without_grad_out(cls, spec: Spec, label: str) -> None:
    """Second question when backward is not proportional to grad_out: what it returns for grad_out = 0 (it
    must be 0). A non-zero answer is a term added without the factor grad_out; it is named when it is one of
    the quantities at hand on two different inputs."""
    xs = (TERM_X, TERM_X * 1.7)
    outs = [_backward_values(cls, spec, label, x, np.zeros_like(x)) for x in xs]
    if any(o is None for o in outs) or all(np.abs(o).max() <= 1e-12 for o in outs):
        return
    for what in _loose_terms(spec, TERM_X):
        if all(core.close(o, _loose_terms(spec, x)[what], 1e-6, 1e-9) for o, x in zip(outs, xs)
               if bool(np.isfinite(_loose_terms(spec, x)[what]).all())) \
                and all(bool(np.isfinite(_loose_terms(spec, x)[what]).all()) for x in xs):
            core.fail(f"{label}.backward with grad_out = 0 returns {what} instead of 0: that term of your formula is "
                      f"added without the factor grad_out (e.g. `... + s` where `grad_out * s` belongs, or a "
                      f"product rule whose second term lost grad_out); every term of dL/dx = grad_out * f'(x) is "
                      f"multiplied by grad_out", "term-without-grad-out")
    core.fail(f"{label}.backward with grad_out = 0 returns non-zero values ({_fmt_list(outs[0])} at x = "
              f"{_fmt_list(TERM_X)}) instead of 0: some term of your formula is added without the factor "
              f"grad_out", "term-without-grad-out")


def _branch_from_grad_out(cls, spec: Spec, label: str) -> None:
    """Second question: is the branch chosen by the sign of grad_out instead of x? Your values equal
    grad_out * f'(grad_out) (np.maximum(g, slope * g), a mask g > 0) on two inputs whose signs differ from
    grad_out's."""
    for x in (TERM_X, TERM_X * 1.7):
        g = np.roll(TERM_G, 1) * np.where(np.arange(x.size).reshape(x.shape) % 2 == 0, 1.0, -1.0)
        d = _backward_values(cls, spec, label, x, g)
        want = g * _map(spec.df, g)
        if d is None or not core.close(d, want, 1e-6, 1e-9) or core.close(want, g * _map(spec.df, x), 1e-6, 1e-9):
            return
    core.fail(f"{label}.backward chooses its branch by the sign of grad_out, not of x: your results are "
              f"grad_out * f'(grad_out) (as np.maximum(grad_out, slope * grad_out) or a mask grad_out > 0 gives): "
              f"the branch, and f', depend on the input x only: np.where(x > 0, grad_out, ... * grad_out)",
              "branch-from-grad-out")


def _fmt_list(a) -> str:
    return "[" + ", ".join(f"{v:.4g}" for v in np.ravel(a)[:6]) + "]"


def _nonlinear_branch(cls, spec: Spec, label: str) -> None:
    """Which elements are not proportional to grad_out, on the readable probe points (both sides of 0): when
    they are exactly one side of 0 (one np.where branch), name that branch, and say whether grad_out is
    missing there (the result does not move at all when grad_out is multiplied by -2)."""
    def backward(g, x=TERM_X):
        layer = _make(label, spec.make, cls)
        layer.forward(x.copy())
        return np.asarray(layer.backward(g.copy()), dtype=np.float64)
    try:
        d, d2 = backward(TERM_G), backward(-2 * TERM_G)
    except Exception:
        return
    if d.shape != TERM_X.shape or d2.shape != TERM_X.shape or not bool(np.isfinite(d).all() and np.isfinite(d2).all()):
        return
    xs, rtol, atol = TERM_X, 1e-6, 1e-9
    bad = ~(np.abs(d2 - (-2 * d)) <= atol + rtol * np.abs(2 * d))
    for side, mask in (("x > 0", xs > 0), ("x < 0", xs < 0)):
        other = ~mask & (xs != 0)
        if not bad[other].any() and bad[mask].all() and mask.sum() >= 2 and other.sum() >= 2:
            still = bool(np.all(np.abs(d2[mask] - d[mask]) <= atol + rtol * np.abs(d[mask])))
            what = (_constant_branch(backward, spec, side, mask, d) if still else
                    "is not proportional to grad_out (something there is computed from grad_out or added to it "
                    "instead of multiplying it)")
            opposite = "x < 0" if side == "x > 0" else "x > 0"
            core.fail(f"{label}.backward is proportional to grad_out for {opposite}, but for {side} your result "
                      f"{what}; dL/dx = grad_out * f'(x) on both sides",
                      "branch-not-linear-in-grad-out")


def _constant_branch(backward, spec: Spec, side: str, mask, d) -> str:
    """A branch of backward that ignores grad_out: what it returns instead, when that is confirmed on a second
    input (the input x itself, the forward's value f(x) or the local derivative f'(x) alone), else where and
    what it returns."""
    def fits(values, xs, which) -> bool:
        want = {"x": xs, "f(x)": _map(spec.f, xs), "f'(x)": _map(spec.df, xs)}[which]
        return bool(np.all(np.abs(values - want[mask]) <= 1e-9 + 1e-6 * np.abs(want[mask])))
    x2 = TERM_X * 1.7                   # the second input: the same signs, other values
    try:
        d_other = backward(TERM_G, x2)
    except Exception:
        d_other = None
    stories = {
        "x": "returns the input x itself (as in np.where(x > 0, grad_out, x)): that branch must be grad_out * f'(x)",
        "f(x)": "returns the forward's value f(x) (as in np.where(x > 0, grad_out, y)): that branch must be "
                "grad_out * f'(x)",
        "f'(x)": "returns the local derivative alone: grad_out is missing in that branch (e.g. np.where(x > 0, 1, "
                 "...) instead of np.where(x > 0, grad_out, ...))",
    }
    for which, story in stories.items():
        if fits(d[mask], TERM_X, which) and d_other is not None and d_other.shape == TERM_X.shape \
                and fits(d_other[mask], x2, which):
            return f"does not change when grad_out changes: it {story}"
    return (f"does not change when grad_out changes: at x = {TERM_X[mask].tolist()} it returns "
            f"{np.round(d[mask], 4).tolist()} whatever grad_out is, expected grad_out * f'(x) = "
            f"{np.round((TERM_G * _map(spec.df, TERM_X))[mask], 4).tolist()}")


#: A derivative that reuses the student's Sigmoid, from x and s = that Sigmoid's output (``helper`` below).
_DF_FROM_SIGMOID = {"softplus": lambda x, s: s, "silu": lambda x, s: s * (1 + x * (1 - s))}


#: Modified copies of the input a forward may store in place of x, by how they read.
_INPUT_TRANSFORMS = (("np.minimum(x, 0)", lambda x: np.minimum(x, 0)), ("np.maximum(x, 0)", lambda x: np.maximum(x, 0)),
                     ("np.abs(x)", np.abs), ("-x", np.negative))


#: Driver code run where the student's layer lives: the arrays it keeps on self, by attribute name.
_ARRAY_STATE = ("def array_state(obj):\n"
                "    return {k: v for k, v in vars(obj).items() if type(v).__name__ == 'ndarray'}\n")


def _cache_state(cls, spec: Spec, label: str, x, g, name: str) -> None:
    """Properties of what forward keeps on self, asked after a wrong backward (confirmed on the student's own
    layer, not read from the values): (a) every float array forward stores has at least the input's precision (a
    cache cast to float32 leaves float32 rounding in a float64 backward); (b) backward leaves those arrays as
    forward stored them (a backward that calls forward again, forward(x + h) - forward(x - h), or writes into the
    cache, moves them)."""
    x = np.asarray(x)
    if x.dtype.kind != "f":
        return
    layer = _make(label, spec.make, cls)
    try:
        state = core.kernel_functions(_ARRAY_STATE)["array_state"]
        with np.errstate(all="ignore"):
            layer.forward(x.copy())
            before = {k: np.array(v, copy=True) for k, v in state(layer).items()}
            layer.backward(g.copy())
            after = state(layer)
    except Exception:
        return
    if not isinstance(before, dict) or not isinstance(after, dict):
        return
    low = [k for k, v in before.items() if v.dtype.kind == "f" and v.dtype.itemsize < x.dtype.itemsize]
    if low:
        k = low[0]
        core.fail(f"{name} is not accurate to {x.dtype} precision: after forward on a {x.dtype} x, self.{k} is "
                  f"stored as {before[k].dtype} (so backward computes with {before[k].dtype} rounding, a relative "
                  f"error near {float(np.finfo(before[k].dtype).eps):.1g}): keep the cache in the input's dtype "
                  f"(no .astype({before[k].dtype.name}) or np.{before[k].dtype.name}(...) on what forward stores)",
                  "cache-lower-precision")
    for k, v in before.items():
        w = after.get(k)
        if not isinstance(w, np.ndarray) or (w.shape == v.shape and np.array_equal(w, v, equal_nan=True)):
            continue
        near = w.shape == v.shape and v.dtype.kind == "f" and bool(
            np.all(np.abs(w.astype(np.float64) - v) <= 1e-3 * (1 + np.abs(v.astype(np.float64)))))
        step = float(np.max(np.abs(w.astype(np.float64) - v))) if near else 0.0
        how = (f"it now holds values within {step:.2g} of the old ones, as if forward ran again at x + h or x - h: "
               f"numerical differentiation inside backward (forward(x + h) - forward(x - h)) overwrites the cache "
               f"and is not accurate (in float32 above all); write the derivative's formula with the cached values"
               if near else "backward must only read the cache: compute into new arrays")
        core.fail(f"{name}: {label}.backward changed self.{k}, which forward stored for it{core.changed_words(v, w)}: "
                  f"{how}", "backward-changes-cache")


def _cached_input_modified(cls, spec: Spec, label: str, x, g, expected, name: str, tol, known_only: bool = False) -> None:
    """Property: backward reads the input x that forward cached. After a fresh forward(x), each attribute the
    layer keeps that has x's shape and is not x itself (nor the output) is set to x, and backward is asked
    again: when it then gives the right derivative, the stored array is a modified copy of x (np.minimum(x, 0)
    kept for the exp branch) that backward reads as the input. Confirmed by that second call, not by a formula
    that happens to fit the values."""
    if label == "Softmax" or np.ndim(x) != 2:
        return
    layer = _make(label, spec.make, cls)
    try:
        y = layer.forward(x.copy())
        state = core.kernel_functions(_ARRAY_STATE)["array_state"](layer)
    except Exception:
        return
    if not isinstance(state, dict):
        return
    for attr, value in state.items():
        if not isinstance(value, np.ndarray) or value.shape != x.shape or value.dtype.kind != "f":
            continue
        if np.array_equal(value, x) or (isinstance(y, np.ndarray) and np.array_equal(value, y)):
            continue
        try:
            setattr(layer, attr, x.copy())
            again = np.asarray(layer.backward(g.copy()), dtype=np.float64)
        except Exception:
            continue
        finally:
            setattr(layer, attr, value)
        if again.shape != x.shape or not core.close(again, expected, **tol):
            continue
        xs = x.astype(np.float64)
        how = next((text for text, t in _INPUT_TRANSFORMS if np.array_equal(value.astype(np.float64), t(xs))), None)
        if known_only and how is None:
            continue             # another quantity under x's name: the readings of backward name it first
        what = f"{how}, not x" if how else "a modified copy of x, not x itself"
        core.fail(f"{name} is wrong because of what {label}.forward caches: self.{attr} holds {what}, and backward "
                  f"reads it as the input x (with self.{attr} set to x itself, your backward gives the right "
                  f"derivative). Cache the input unchanged for backward (self.{attr} = x) and keep any clipped or "
                  f"transformed copy in a separate variable", "cached-input-modified")


def _one_side_everywhere(spec: Spec, x, g) -> dict:
    """Every piecewise activation (one kink at 0, its derivative written with np.where on the sign of x): the
    derivative of ONE side applied on both sides (np.where forgotten, or both branches the same formula).  Each
    reading is the right derivative on one side and the other branch's formula on the other side."""
    if spec.df_y is None or tuple(spec.kinks) != (0.0,):
        return {}
    xs = np.asarray(x, dtype=np.float64)
    y = _map(spec.f, xs)
    right = g * spec.df_y(xs, y)
    out = {}
    for side, other, value in [("x > 0", "x <= 0", -1.0), ("x <= 0", "x > 0", 1.0)]:
        alt = g * spec.df_y(np.full_like(xs, value), y)
        here = xs > 0 if side == "x > 0" else xs < 0
        if not here.any() or np.allclose(alt[here], right[here], rtol=1e-6, atol=1e-9):
            continue               # no point on this side, or the two formulas agree there: nothing to tell apart
        if np.allclose(alt, g, rtol=1e-9, atol=1e-12) or not np.any(alt):
            continue               # grad_out unchanged, or zeros: said in those words by the generic readings
        out[f"for {side} your derivatives follow the {other} formula (the other branch's, written with the output "
            f"y): the {side} branch uses the {other} formula, so np.where(x > 0, ..., ...) is missing (or both of "
            f"its branches hold the same formula)"] = alt
    return out


def check_backward(cls, spec: Spec, tag: str, helper=None) -> None:
    """Judged on the student's own forward cache: when that forward is wrong (its own cell), the
    docstring's derivative written with the cached output is accepted too.  ``helper``: the
    student's Sigmoid when the derivative reuses it (Softplus)."""
    rng = core.rng(f"lab03:{tag}:backward")
    label = spec.label
    cls = _backward_judged_on(cls, spec, label)
    wrong = lambda x, g: {**spec.wrong_backward(x, g), **_chain_rule(spec)(x, g)}
    own_sigmoid = _relative_to(helper, label)
    _calls_on_one_instance(lambda: _make(label, spec.make, cls), label, "backward",
                           lambda x: _map(spec.f, x), lambda x, g: g * _map(spec.df, x), spec.kinks, helper)

    def alternatives(x, xs, gs, y, given=None):
        """Backward values right relative to the student's forward cache or Sigmoid (``given``: the input array as
        the student's forward left it; changed when that forward wrote into it)."""
        alts = []
        if given is not None and given.shape == x.shape and not np.array_equal(given, x, equal_nan=True):
            alts.append(gs * _map(spec.df, given.astype(np.float64)))
        if y is not None and spec.df_y is not None:
            ys = y.astype(np.float64)
            if not core.close(ys, _map(spec.f, xs), **_tol(x.dtype, y.dtype)):
                alts.append(gs * spec.df_y(xs, ys))
        if own_sigmoid is not None:
            s = own_sigmoid(x)
            if s is not None and not core.close(s, _s(xs), **_tol(x.dtype)):
                alts.append(gs * _DF_FROM_SIGMOID[tag](xs, s))
        return alts

    def helper_tol(x, tol):
        """``tol`` widened to the precision of the student's Sigmoid output (a float16 sigmoid, judged in its
        own cell, leaves float16 rounding in every value computed from it)."""
        if helper is None:
            return tol
        try:
            s = helper().forward(x.copy())
        except Exception:
            return tol
        if not isinstance(s, np.ndarray) or s.dtype.kind != "f" or s.dtype.itemsize >= np.dtype(x.dtype).itemsize:
            return tol
        low = _tol(s.dtype, scale=float(np.abs(x).max()) if x.size else 1.0)
        return {k: max(tol[k], low[k]) for k in tol}

    def accepted(d, alts, tol):
        for alt in alts:
            finite = np.isfinite(alt)
            if finite.any() and core.close(d[finite], alt[finite], **tol):
                return True
        return False

    # 1. against the oracle derivative, random shapes, float64 and float32
    def case(x, g):
        def run():
            layer = _make(label, spec.make, cls)
            y, raised, given = _prime_seen(layer, x)
            if _non_finite(y):
                return  # NaN/inf cached by a wrong forward: judged in the forward's cell
            xs, gs = x.astype(np.float64), g.astype(np.float64)
            forward_wrong = _forward_is_wrong(y, raised, x, _map(spec.f, xs))
            pending: list = []       # a wrong dtype: said after the values (it may come from a wrong formula)
            try:
                d = _backward_after(layer, g, label, y, forward_wrong, defer=pending,
                                    want=None if forward_wrong else
                                    lambda: (gs * _map(spec.df, xs)).astype(g.dtype))
            except core.CheckFailure as exc:
                _assumes_2d(exc, lambda: _backward_on(cls, spec, label, _to_2d(x), _to_2d(g)),
                            lambda: _to_2d(gs) * _map(spec.df, _to_2d(xs)), x, label, "backward", "grad_out")
                raise
            if d is None:
                return
            if pending and _excused_promotion(pending[0], helper, x):
                pending.clear()      # the student's Sigmoid promotes float32 (judged there)
            if d.dtype.kind != "f":
                d = d.astype(np.float64)     # an integer or bool answer: its values are judged first
            # a forward that changed the dtype (its own cell) leaves a cache of that precision
            tol = _tol(x.dtype, d.dtype, *((y.dtype,) if y is not None else ()), scale=float(np.abs(xs).max()))
            expected = gs * _map(spec.df, xs)
            if core.close(d, expected, *core.dtype_tolerance(d, tol["rtol"], tol["atol"], float(np.abs(expected).max()))) \
                    or accepted(d, alternatives(x, xs, gs, y, given), helper_tol(x, tol)):
                wrong_dtype.extend(pending[:1])      # values right: the dtype alone (after the kink cases)
                return
            name = signature(f"{label}.backward", ("grad_out",), (g,))
            try:
                _cache_state(cls, spec, label, x, g, name)
                _cached_input_modified(cls, spec, label, x, g, expected, name, tol, known_only=True)
                diagnose_only(d, expected, name=name, diagnose={**wrong(xs, gs), **_generic_backward(spec, xs, gs),
                                                          **_one_side_everywhere(spec, xs, gs)},
                              **tol)
                _output_readings(name, "backward", d, expected, g, lambda p, gp: _backward_on(cls, spec, label, p, gp),
                                 lambda p, gp: gp * _map(spec.df, p))
                _linear_in_grad_out(cls, spec, label, x, g, d)
                _not_own_derivative(cls, spec, label, xs, gs, d, expected, name, tol, memo)
                _cached_input_modified(cls, spec, label, x, g, expected, name, tol)
                core.expect_close(d, expected, name=name, **tol)
            except core.CheckFailure as exc:
                if pending:
                    raise _also(exc, pending[0]) from None
                raise
        return run

    wrong_dtype: list = []

    memo: dict = {}          # what is found once for every case (the wrong term on the probe points)
    cases = []
    for shape in ELEMENTWISE_SHAPES:
        x64 = _away_from_kinks(rng, shape, spec.kinks)
        g64 = rng.normal(0.0, 1.0, shape)
        cases += [(None, case(x64.astype(dtype), g64.astype(dtype))) for dtype in DTYPES]
    run_cases(cases)
    # 2. at the kinks (a dtype that is wrong while the values above are right is said after them)
    try:
        _kinks(cls, spec, label)
    except core.CheckFailure as exc:
        if wrong_dtype:
            raise _also(exc, wrong_dtype[0]) from None
        raise
    if wrong_dtype:
        raise wrong_dtype[0]
    # 3. extreme inputs: finite, right values, no warning
    for dtype in DTYPES:
        x = EXTREMES.astype(dtype).reshape(2, -1)
        g = np.ones_like(x)
        layer = _make(label, spec.make, cls)
        y, raised, given = _prime_seen(layer, x)
        if _non_finite(y):
            continue  # NaN/inf cached by a wrong forward: judged in the forward's cell
        xs = x.astype(np.float64)
        try:
            d = _backward_after(layer, g, label, y, _forward_is_wrong(y, raised, x, _map(spec.f, xs)))
        except core.CheckFailure as exc:
            if helper is not None and _same_warning(exc, lambda x=x: helper().forward(x)):
                continue             # the overflow happens in the student's Sigmoid (judged there)
            if _excused_promotion(exc, helper, x):
                continue             # the student's Sigmoid promotes float32 (judged there)
            if exc.diagnosis == "not-numerically-stable":
                def again(x=x, g=g):
                    fresh = _make(label, spec.make, cls)
                    fresh.forward(x.copy())
                    return fresh.backward(g.copy())
                _overflow_discarded(exc, again, _map(spec.df, xs), _tol(dtype, scale=1000.0))
            raise
        if d is None:
            continue
        tol = _tol(dtype, d.dtype, *((y.dtype,) if y is not None else ()), scale=1000.0)
        if accepted(d, alternatives(x, xs, np.ones_like(xs), y, given), helper_tol(x, tol)):
            continue
        core.expect_close(d, _map(spec.df, xs),
                          name=f"{label}.backward on inputs up to +-1000 ({np.dtype(dtype).name})", **tol)
    _backward_twice(cls, spec, label, _away_from_kinks(rng, (3, 4), spec.kinks), rng.normal(0.0, 1.0, (3, 4)))
    _results_kept(lambda: _make(label, spec.make, cls), label, "backward", tag)
    keep = core.rng(f"lab03:{tag}:backward-keeps-inputs")
    _backward_keeps_inputs(lambda: _make(label, spec.make, cls), label, keep.normal(0.0, 2.5, (3, 4)),
                           keep.normal(0.0, 1.0, (3, 4)))
    # 4. the cache: the most recent forward of *this* instance
    x1, x2 = _away_from_kinks(rng, (2, 3), spec.kinks), _away_from_kinks(rng, (2, 3), spec.kinks)
    g = rng.normal(0.0, 1.0, (2, 3))
    a, b = _make(label, spec.make, cls), _make(label, spec.make, cls)
    _cache_forward(a, x2, label)
    y1, raised, given1 = _prime_seen(a, x1)
    _cache_forward(b, x2, label)
    # a forward that is wrong on x1 (a stale cache, say) is judged in its own cell
    d = _backward_after(a, g, label, y1, _forward_is_wrong(y1, raised, x1, _map(spec.f, x1)))
    if d is None:
        return
    # the precision of what was cached (a forward that casts to float32 is judged in its own cell)
    tol = _tol(np.float64, d.dtype, *((y1.dtype,) if y1 is not None else ()), scale=float(np.abs(x1).max()))
    if core.close(d, g * _map(spec.df, x1), **tol) or accepted(d, alternatives(x1, x1, g, y1, given1),
                                                                helper_tol(x1, tol)):
        return
    _stale_cache(label, d, g * _map(spec.df, x1),
                 [g * _map(spec.df, x2)] + ([g * spec.df_y(x2, _map(spec.f, x2))] if spec.df_y else []), tol)


def _kinks(cls, spec: Spec, label: str) -> None:
    """The backward at the kinks: the documented convention (both +0.0 and -0.0)."""
    if not spec.kinks:
        return
    x = np.array([[spec.kinks[0], -0.0]])      # only the kink: elsewhere the random cases judge
    g = np.array([[1.0, 2.0]])
    layer = _make(label, spec.make, cls)
    y, raised = _prime(layer, x, label)
    try:
        d = _backward_after(layer, g, label, y, _forward_is_wrong(y, raised, x, _map(spec.f, x)))
    except core.CheckFailure as exc:
        if exc.diagnosis in ("not-numerically-stable", "nan-at-zero") \
                and "divide" in str(getattr(exc, "warning", "") or exc):
            core.fail(f"{str(exc).split('; your backward')[0]}. This input holds only the kink x = 0 (and -0.0), "
                      f"where every other input of this check passed: your derivative divides by a quantity that "
                      f"is 0 at the kink (such as f(x) / x: 0 / 0 = nan there); "
                      f"the documented convention is {spec.kink_rule}: build the derivative from a comparison "
                      f"with 0 (x > 0), not from a ratio", "kink-divides-by-zero")
        raise
    if d is not None and not core.close(d, g * _map(spec.df, x), 1e-9, 1e-12):
        if spec.df_y is not None and y is not None and _forward_is_wrong(y, raised, x, _map(spec.f, x)):
            try:    # the documented derivative in terms of the output, at YOUR forward's output (judged there)
                own = g * np.asarray(spec.df_y(x, np.asarray(y, dtype=np.float64)), dtype=np.float64)
            except Exception:
                own = None
            if own is not None and own.shape == d.shape and core.close(d, own, 1e-9, 1e-12):
                return
        _kink_depends_on_others(cls, spec, label, float(d[0, 0]))
        core.fail(f"{label}.backward at the kink x = 0 returned {d[0, 0]:g} for grad_out = 1: "
                  f"the documented convention is {spec.kink_rule}", "kink-convention")


def _also(failure: core.CheckFailure, dtype_failure: core.CheckFailure) -> core.CheckFailure:
    """``failure`` (wrong values) with the wrong dtype said after it: one message for both defects."""
    text = str(dtype_failure)
    both = core.CheckFailure(f"{failure}. Also: {text}", failure.diagnosis)
    for key, value in vars(failure).items():    # the comparison, the warning, the student's line
        setattr(both, key, value)
    return both


def _kink_depends_on_others(cls, spec: Spec, label: str, at_kink: float) -> None:
    """Elementwise: the derivative at x = 0 cannot depend on the other entries. Confirmed by a second batch where
    the kink sits among negative and positive inputs (a branch on the whole array, `if not (x < 0).any(): return
    grad_out`, gives the right value there)."""
    x = np.array([[spec.kinks[0], -1.5, 2.0]])
    g = np.ones_like(x)
    try:
        layer = _make(label, spec.make, cls)
        layer.forward(x.copy())
        d = np.asarray(layer.backward(g.copy()), dtype=np.float64)
    except Exception:
        return
    want = _map(spec.df, x)
    if d.shape != x.shape or not core.close(d, want, 1e-9, 1e-12):
        return
    core.fail(f"{label}.backward at the kink x = 0 returned {at_kink:g} for grad_out = 1 when every input is >= 0, but "
              f"the right {want[0, 0]:g} when a negative input is in the same batch: each entry's derivative depends "
              f"on its own x only, so a branch on the whole array (an early `return grad_out` when no x < 0, say) "
              f"is wrong; the documented convention is {spec.kink_rule}", "kink-depends-on-batch")


def _backward_twice(cls, spec: Spec, label: str, x: np.ndarray, g: np.ndarray) -> None:
    """Property: backward uses what the most recent forward cached and leaves it as it is, so a second backward
    after the same forward gives the same values (`self.y *= 1 - self.y` turns the cache into the derivative)."""
    layer = _make(label, spec.make, cls)
    y, raised, _ = _prime_seen(layer, x)
    expected = g * _map(spec.df, x)
    if raised or y is None or _forward_is_wrong(y, raised, x, _map(spec.f, x)):
        return                   # judged in the forward's cell
    try:
        with np.errstate(all="ignore"):
            first = np.asarray(layer.backward(g.copy()), dtype=np.float64)
            second = np.asarray(layer.backward(g.copy()), dtype=np.float64)
    except Exception:
        return                   # the cases above name the error
    tol = _tol(np.float64, scale=float(np.abs(x).max()))
    if first.shape != x.shape or not core.close(first, expected, **tol) or second.shape != x.shape \
            or core.close(second, expected, **tol):
        return
    core.fail(f"{label}.backward called twice after one forward gives different values the second time (right the "
              f"first time, largest change {float(np.max(np.abs(second - first))):.3g}): backward changed what forward "
              f"cached (an in-place update such as self.y *= 1 - self.y writes into the cache); backward must leave "
              f"the cache as forward left it: compute into a new array (y * (1 - y))", "backward-changes-cache")


#: The check's driver, run where the student's layer lives: forward keeps a reference to the very x handed over,
#: so a later in-place write into that cache (in backward) reaches x and is mirrored onto the check's copy.
_FORWARD_THEN_BACKWARD = """
def forward_then_backward(layer, x, grad_out):
    y = layer.forward(x)
    kept = y.copy() if hasattr(y, "copy") else None
    after_forward = x.copy()
    layer.backward(grad_out)
    return kept, y, after_forward
"""


def _backward_keeps_inputs(make, label: str, x: np.ndarray, g: np.ndarray) -> None:
    """Property: backward only reads what forward cached.  forward may keep a reference to the caller's x (self.x = x)
    and return its cache itself (return self.y): an in-place write into either in backward (self.x[self.x < 0] = 0,
    self.y *= 1 - self.y) then changes the caller's arrays, the previous layer's output or the next layer's input,
    even when the gradient it returns is right.  Judged on one forward then one backward, run in the kernel."""
    try:
        run = core.kernel_functions(_FORWARD_THEN_BACKWARD)["forward_then_backward"]
        layer = make()
        given = x.copy()
        with np.errstate(all="ignore"):
            kept, y, after_forward = run(layer, given, g.copy())
    except Exception:
        return                       # a forward or backward that raises is named by the cases
    if isinstance(after_forward, np.ndarray) and after_forward.shape == x.shape:
        x = after_forward            # forward itself wrote into x (its own cell): backward is judged from there
    if given.shape == x.shape and not np.array_equal(given, x, equal_nan=True):
        core.fail(f"{label}.backward changed the array x that was handed to {label}.forward{core.changed_words(x, given)}: "
                  f"forward keeps a reference to the caller's array (self.x = x stores that array, not a copy), so an "
                  f"in-place write into the cache in backward (self.x[self.x < 0] = 0, self.x *= ..., np.maximum(self.x, "
                  f"0, out=self.x)) modifies the caller's x, the previous layer's output, even though the gradient "
                  f"returned is right: backward must only read the cache; compute into a new array (grad_out * "
                  f"(self.x > 0))", "backward-modifies-forward-input")
    if isinstance(kept, np.ndarray) and isinstance(y, np.ndarray) and kept.shape == y.shape \
            and not np.array_equal(kept, y, equal_nan=True):
        core.fail(f"{label}.backward changed the output y that {label}.forward returned{core.changed_words(kept, y)}: "
                  f"forward returned its own cache (return self.y), so an in-place write into that cache in backward "
                  f"(self.y *= 1 - self.y, self.y[...] = ...) modifies the caller's array, the next layer's input: "
                  f"backward must only read the cache; compute into a new array", "backward-modifies-forward-output")


def _stale_cache(label: str, d, expected, others, tol) -> None:
    """Backward after forward(x2) on instance b, then forward(x1) on instance a: a's backward must use x1.
    Named 'not per instance' only when confirmed (it equals the derivative at b's x2); else where it differs."""
    if any(core.close(d, o, **tol) for o in others):
        core.fail(f"{label}.backward must use what the most recent forward call of the same "
                  f"instance cached (store it on self, not on the class or in a global): after a.forward(x1) and "
                  f"b.forward(x2), a.backward used x2", "cache-not-per-instance")
    core.fail(f"{label}.backward after a.forward(x1) on one instance and b.forward(x2) on another gives values "
              f"that are neither the derivative at x1 nor at x2 (largest error "
              f"{float(np.max(np.abs(np.asarray(d, np.float64) - expected))):.3g}): store on self what "
              f"backward needs from the most recent forward call", "cache-after-two-instances")


#: What a forward computes on the way to its output y, that it may cache in y's place (backward from the cache).
_INTERMEDIATES = {"e = exp(-|x|)": lambda x, y: np.exp(-np.abs(x)), "exp(-x)": lambda x, y: np.exp(-x),
                  "exp(x)": lambda x, y: np.exp(x), "1 + exp(-|x|)": lambda x, y: 1 + np.exp(-np.abs(x)),
                  "the input x": lambda x, y: x, "1 - y": lambda x, y: 1 - y}


def _name_cached_intermediate(cls, spec, label, xs, gs, d, name, rt, at) -> None:
    """Forward right, backward wrong, and the backward is the documented formula from the cached output y
    evaluated with another quantity of the forward in y's place: named when it fits this case and, second
    probe, a fresh layer on readable points."""
    if spec.df_y is None:
        return
    with np.errstate(all="ignore"):
        fits = [(what, q) for what, q in _INTERMEDIATES.items()
                if core.close(d, gs * spec.df_y(xs, q(xs, _map(spec.f, xs))), rt, at)]
    again = _backward_values(cls, spec, label, TERM_X, TERM_G) if fits else None   # the second input
    if again is None:
        return
    for what, q in fits:
        with np.errstate(all="ignore"):
            want = TERM_G * spec.df_y(TERM_X, q(TERM_X, _map(spec.f, TERM_X)))
        if core.close(again, want, 1e-6, 1e-9):
            core.fail(f"{name} is wrong while your {label}.forward is right: your backward is the docstring's "
                      f"derivative written with the cached output y, computed with {what} in place of y "
                      f"(on two inputs): forward stores {what} on self where backward needs the output y it returns "
                      f"(self.y = y, not an intermediate)", "cached-intermediate")


#: A second set of readable points (pairwise different from TERM_X) for the readings of backward's cached input.
TERM_X2 = np.array([[-2.6, -1.2, -0.4, 0.35, 0.8, 1.9, 2.7]])
TERM_G2 = np.array([[1.3, -0.6, 0.9, 1.7, -1.4, 0.5, 0.8]])
#: What forward may have left under the name of its input x (the other quantities of _quantities).
_IN_PLACE_OF_X = {"y": "the output y = f(x)", "s": "s = sigmoid(x)", "cdf": "the cdf Phi(x)", "pdf": "the pdf phi(x)",
                  "t": "t = tanh(u)", "u": "u"}


#: The constants a scaled cache is tried with: the usual factors and multiples of 0.05 (positive: a sign slip is
#: told by the term readings).
_SCALES = tuple(dict.fromkeys([*_NAMED_FACTORS.values(), *(k / 20 for k in range(1, 61) if k != 20)]))


def _name_scaled_input(cls, spec, key, label, name) -> None:
    """Forward right, backward wrong: is backward the documented derivative with the input x read as c * x (one
    constant c != 1), and with it the inner functions backward recomputes from it (pdf, s, t...), the others
    (cached by forward) at their right values?  Forward stored a scaled input (self.x = x / sqrt(2), the argument
    of an inner function).  Named when one (c, quantities) fits every point of two sets."""
    formulas = [f for f in FORMULAS.get(key, {}).get("df", {}).get(None, ()) if re.search(r"\bx\b", f)]
    if not formulas or spec.label == "Softmax":
        return
    sets = []
    for xs, gs in ((TERM_X, TERM_G), (TERM_X2, TERM_G2)):
        got = _backward_values(cls, spec, label, xs, gs)
        if got is None:
            return
        sets.append((xs, gs, got))
    inner = [k for k, v in _quantities(key, TERM_X).items() if k not in ("x", "y") and isinstance(v, np.ndarray)]
    subsets = list(dict.fromkeys([(), tuple(inner), *((k,) for k in inner)]))
    parsed = [(f, _formula._parse(f)) for f in formulas]
    for c in _SCALES:
        for keys in subsets:
            for f, tree in parsed:
                ok = True
                for xs, gs, got in sets:
                    env = {**_quantities(key, xs), "g": gs}
                    with np.errstate(all="ignore"):
                        scaled = _quantities(key, c * xs)
                        value = _formula._evaluate(tree, {**env, "x": c * xs, **{k: scaled[k] for k in keys}})
                    right = _formula._evaluate(tree, env)
                    if value is None or value.shape != got.shape or not core.close(got, value, 1e-6, 1e-9) \
                            or (right is not None and core.close(value, right, 1e-6, 1e-9)):
                        ok = False
                        break
                if ok:
                    factor = next((f" = {k}" for k, v in _NAMED_FACTORS.items() if abs(c - v) <= 1e-9 * v), "")
                    also = f" (and {', '.join(keys)} computed from it)" if keys else ""
                    core.fail(f"{name} is wrong while your {label}.forward is right: backward is evaluated at a scaled "
                              f"x: your backward is the docstring's derivative `{f}` with x read as {c:.6g}{factor} * "
                              f"x{also}, every other quantity right (on two sets of points): forward stores a scaled "
                              f"input for backward (e.g. self.x = x / sqrt(2), the argument of an inner function): "
                              f"store x itself, self.x = x, and compute the scaled argument where it is used",
                              "backward-at-scaled-input")


def _name_input_replaced(cls, spec, key, label, name) -> None:
    """Forward right, backward wrong: is backward the documented derivative, written with x and the forward's other
    quantities (s, cdf, t...), evaluated with another of those quantities in x's place -- forward left, e.g., its
    output under self.x (self.x = x * s)?  Named when it holds on two sets of readable points, each formula's
    other quantities at their right values."""
    formulas = [f for f in FORMULAS.get(key, {}).get("df", {}).get(None, ()) if re.search(r"\bx\b", f)]
    if not formulas or spec.label == "Softmax":
        return
    fits = None
    for xs, gs in ((TERM_X, TERM_G), (TERM_X2, TERM_G2)):
        got = _backward_values(cls, spec, label, xs, gs)
        if got is None:
            return
        env = {**_quantities(key, xs), "g": gs}
        ok = set()
        # the inner functions of x (s, cdf, pdf, t...) computed from the cached OUTPUT y, x itself right
        at_y = _quantities(key, env["y"])
        inner = [k for k in at_y if k not in ("x", "y") and isinstance(at_y[k], np.ndarray)]
        for keys in dict.fromkeys([tuple(inner), *((k,) for k in inner)]) if inner else ():
            for f in formulas:
                value = _formula._evaluate(_formula._parse(f), {**env, **{k: at_y[k] for k in keys}})
                if value is not None and value.shape == got.shape and core.close(got, value, 1e-6, 1e-9):
                    ok.add(("inner-of-y:" + ", ".join(keys), f))
        for q in _IN_PLACE_OF_X:
            if not isinstance(env.get(q), np.ndarray):
                continue
            for f in formulas:
                value = _formula._evaluate(_formula._parse(f), {**env, "x": env[q]})
                if value is not None and value.shape == got.shape and core.close(got, value, 1e-6, 1e-9):
                    ok.add((q, f))
        fits = ok if fits is None else fits & ok
        if not fits:
            return
    q, f = sorted(fits)[0]
    if q.startswith("inner-of-y:"):
        inner = q.split(":", 1)[1]
        core.fail(f"{name} is wrong while your {label}.forward is right: your backward is the docstring's derivative "
                  f"`{f}` with {inner} computed from the cached OUTPUT y = f(x) instead of the input x (x itself "
                  f"right; on two sets of points): {inner} is a function of x (e.g. s = sigmoid(x)), not of y: "
                  f"compute it from self.x, or cache it in forward where x is at hand", "inner-of-output")
    core.fail(f"{name} is wrong while your {label}.forward is right: your backward is the docstring's derivative "
              f"`{f}` evaluated with {_IN_PLACE_OF_X[q]} in place of the input x (every other quantity right; on two "
              f"sets of points): where backward reads x it finds {_IN_PLACE_OF_X[q]}: forward stored that under the "
              f"input's name (self.x = ... overwritten?): keep the input itself, self.x = x, and the other "
              f"quantities under their own names", "input-cache-replaced")


def _not_own_derivative(cls, spec, label, xs, gs, d, expected, name, tol, memo: dict | None = None):
    """Fallback diagnosis: is the wrong backward at least the derivative of the student's own forward?"""
    fd_layer = _make(label, spec.make, cls)

    def f(v):
        out = call(fd_layer.forward, v, label=f"{label}.forward", names=("x",), hint=None)
        return float(np.sum(gs * np.asarray(out, dtype=np.float64)))
    try:
        numeric = core.numerical_gradient(f, xs.copy())
    except core.CheckFailure:
        return
    analysis, _ = core.analyse_difference(d, expected, tol["rtol"], tol["atol"])
    key = next((k for k, v in SPECS.items() if v is spec), "softmax")
    rt, at = core.dtype_tolerance(d, tol["rtol"], tol["atol"], float(np.abs(expected).max()) if expected.size else 1.0)
    if spec.label == "Softmax":
        term = _wrong_term(key, "df", xs, d, rt, at, "results (g = grad_out)", gs)
    else:           # on a dozen readable points, both sides of 0, whatever the size of this case
        def backward_at(p, gp):
            layer = _make(label, spec.make, cls)
            layer.forward(p)
            return layer.backward(gp)
        memo = {} if memo is None else memo
        if "term" not in memo:                   # the probe does not depend on the case
            memo["term"] = (_swapped_branches(key, backward_at)
                            or _term_on_probe(key, "df", backward_at, "results (g = grad_out)"))
        term = memo["term"] or _wrong_term(key, "df", xs, d, rt, at, "results (g = grad_out)", gs)
    if spec.label != "Softmax":      # elementwise: which side of 0, and f'(x) at readable points
        def probe(p):
            layer = _make(label, spec.make, cls)
            layer.forward(p)
            return layer.backward(np.ones_like(p))
        # every row computed: a row loop that stops early leaves rows of zeros (a batch of one: all of it)
        _rows_not_written(probe, lambda p: _map(spec.df, p), f"{label}.backward (grad_out = 1)", "grad_out",
                          no_loop="grad_out * f'(x) on the whole array at once")
        explained = explain_elementwise(xs, d, expected, rtol=tol["rtol"], atol=tol["atol"], probe=probe,
                                        oracle=lambda p: _map(spec.df, p), what="derivatives f'(x) (grad_out = 1)",
                                        interval=True)
        analysis = explained or analysis
        stray = _hyper_parameter_factor(spec, probe) or _affine_in_output(spec, probe)
        # the fitted story first (it says what to change), then the range property it breaks
        analysis = "; ".join(filter(None, (stray, _derivative_out_of_range(spec, probe), analysis)))
    coupling = _grad_out_coupling(cls, spec, label)
    if coupling:
        analysis = f"{coupling}; {analysis}"
    elif spec.label == "Softmax":
        analysis = "; ".join(filter(None, (_SOFTMAX_NOT_LINEAR if not _softmax_backward_linear(cls) else
                                           _softmax_rows_sum(cls, spec, label), analysis)))
    rest = analysis              # what follows the reading, when one is told first
    if term:
        analysis = f"{term}; {analysis}"
    elif spec.label == "Softmax" and d.ndim == 2:       # a stray factor, written with the batch's sizes
        said = explain_factor(d, expected, {"N": d.shape[0], "C": d.shape[1]}, rtol=rt, atol=at)
        if said:
            analysis = f"{said}; {analysis}"
    elif d.ndim == 2:           # elementwise: a factor that is a size of the batch (a 1/N from the loss's mean)
        said = explain_factor(d, expected, {"N": d.shape[0], "D": d.shape[1]}, rtol=rt, atol=at)
        if said and ("N" in said.split(" with ")[0] or "D" in said.split(" with ")[0]):
            analysis = (f"{said} (N = number of rows of grad_out, D = its columns): an elementwise backward is "
                        f"grad_out * f'(x) entry by entry, with no 1/N or other batch-size factor (the mean over "
                        f"the batch belongs to the loss, and grad_out already carries it); {analysis}")
    if core.close(d, numeric, 1e-4, 1e-6) and not core.close(numeric, expected, 1e-4, 1e-6):
        core.fail(f"{name} is the derivative of your {label}.forward, but that forward is wrong (see its own "
                  f"cell); against the expected derivative: {analysis}", "backward-follows-wrong-forward")
    argument = None if term or spec.label == "Softmax" else _wrong_argument(spec, xs, gs, d, rt, at)
    if argument:                 # confirmed on a second input, the readable points
        again = _backward_values(cls, spec, label, TERM_X, TERM_G)
        argument = argument if again is not None and _wrong_argument(spec, TERM_X, TERM_G, again, 1e-6, 1e-9) \
            == argument else None
    if core.close(numeric, expected, 1e-4, 1e-6):
        _name_input_replaced(cls, spec, key, label, name)
        if not term and not argument:       # a term of the formula or f' at a rescaled argument says more
            _name_scaled_input(cls, spec, key, label, name)
        if not term or "in its place everywhere" in term:     # a quantity cached in y's place: say so
            _name_cached_intermediate(cls, spec, label, xs, gs, d, name, rt, at)
        if argument:
            core.fail(f"{name}: {argument}", "derivative-at-wrong-argument")
        # forward right, no term of the formula explains it: backward, or what forward stored for it.  A reading
        # of the wrong term is said first (it says what to change), the general words after it.
        lead, tail = (f": {term}. So ", f"; against the expected derivative: {rest}") if term else \
            (": ", f"; against the expected derivative: {analysis}")
        core.fail(f"{name} is wrong while your {label}.forward is right (centred finite differences of your forward "
                  f"give the expected derivative){lead}the mistake is in backward's formula or in what forward "
                  f"stores on self for backward (a cached quantity that is not the one forward computes with, e.g. "
                  f"without a factor, or before a function is applied){tail}",
                  "backward-not-derivative-of-forward")
    if argument:
        core.fail(f"{name}: {argument}", "derivative-at-wrong-argument")
    core.fail(f"{name} is not the derivative of your {label}.forward either (centred finite differences "
              f"of your forward disagree with your backward); against the expected derivative: {analysis}",
              "backward-not-derivative-of-forward")


#: A (3, 4) probe batch away from every kink, and an upstream gradient for it.
COUPLING_X = np.array([[-1.3, 0.4, 2.1, -0.7], [0.9, -2.2, 0.3, 1.6], [-0.2, 1.1, -1.8, 0.6]])
COUPLING_G = np.array([[0.5, -1.2, 0.8, 1.5], [-0.3, 0.9, 1.1, -0.6], [1.4, 0.2, -0.9, 0.7]])


def _backward_on(cls, spec, label, x, g):
    layer = _make(label, spec.make, cls)
    layer.forward(x.copy())
    return np.asarray(layer.backward(g.copy()), dtype=np.float64)


#: Further probe batches for the coupling question when the (3, 4) one raises or changes shape: a square batch
#: (a product such as y @ y.T fits only N == C) and a single row (it fits (1, 1) too).
COUPLING_MORE = (
    (np.vstack([COUPLING_X, [[1.7, -0.5, -1.1, 0.2]]]), np.vstack([COUPLING_G, [[-0.8, 0.6, 1.3, -1.1]]]), 1, 2),
    (COUPLING_X[1:2], COUPLING_G[1:2], 0, 2),
)


def _grad_out_coupling(cls, spec, label) -> str | None:
    """:func:`_grad_out_coupling_on` on the (3, 4) probe batch; when backward raises there (or returns another
    shape), on a square (4, 4) batch and on a single row, said with the batch that raised."""
    said = _grad_out_coupling_on(cls, spec, label, COUPLING_X, COUPLING_G, 1, 2)
    if said != "":
        return said
    for x, g, i, j in COUPLING_MORE:
        more = _grad_out_coupling_on(cls, spec, label, x, g, i, j)
        if more:
            return f"your backward fails on a {COUPLING_X.shape} batch (raises or returns another shape), and {more}"
        if more is None:
            return None
    return None


def _grad_out_coupling_on(cls, spec, label, X0, G0, i, j) -> str | None:
    """Property in plain words: entry (i, j) of backward's result depends on grad_out[i, j] alone (elementwise
    activations), or on sample i's row of grad_out alone (softmax). One entry of grad_out is changed on a (3, 4)
    probe batch and the entries of the result that moved are named: a whole row (combined over axis=1), a whole
    column (over the batch, axis=0), everything, or other samples' rows."""
    g2, x2 = G0.copy(), X0.copy()
    g2[i, j] += 1.0
    x2[i, j] += 0.5
    try:
        d0, d1, d2 = (_backward_on(cls, spec, label, x, g) for x, g in ((X0, G0), (X0, g2), (x2, G0)))
    except Exception:
        return ""
    if any(d.shape != X0.shape for d in (d0, d1, d2)):
        return ""
    allowed = np.zeros(X0.shape, dtype=bool)
    if spec.label == "Softmax":
        allowed[i, :] = True
    else:
        allowed[i, j] = True
    moves = ((f"grad_out[{i}, {j}]", ~np.isclose(d1, d0, rtol=1e-9, atol=1e-12)),
             (f"the input x[{i}, {j}]", ~np.isclose(d2, d0, rtol=1e-9, atol=1e-12)))
    hit = next(((what, moved) for what, moved in moves if (moved & ~allowed).any()), None)
    if hit is None:
        return None
    changed, moved = hit
    change = f"changing {changed} alone (on a {X0.shape} batch) moved your result"
    if spec.label == "Softmax":
        rows = sorted({int(r) for r in np.flatnonzero((moved & ~allowed).any(axis=1))})
        return (f"{change} in the rows of other samples ({rows}): your backward mixes samples (a sum over axis 0 "
                f"or over the whole batch, or a product such as grad_out @ y.T, which is (N, N)); sample i's dL/dz "
                f"uses only its own rows of grad_out and y: y * (g - sum(g * y, axis=1, keepdims=True))")
    others = moved & ~allowed
    cols = [int(c) for c in np.flatnonzero(others[i])]
    rows = [int(r) for r in np.flatnonzero(others[:, j])]
    if moved.all():
        where = "everywhere: the whole array is combined (a sum or mean with no axis)"
    elif not others[np.arange(len(moved)) != i].any():
        where = ((f"across its whole row {i}" if moved[i, :].all() else f"in its row {i} at columns {cols}")
                 + ": the entries of a sample are combined (a sum or mean over axis=1, or a matrix product)")
    elif not others[:, np.arange(moved.shape[1]) != j].any():
        where = ((f"down its whole column {j}" if moved[:, j].all() else f"in its column {j} at rows {rows}")
                 + ": the samples of the batch are combined (a sum or mean over axis=0, or a matrix product)")
    elif moved.shape[0] == moved.shape[1] and moved[i, :].all() and moved[:, i].all() \
            and not np.delete(np.delete(others, i, axis=0), i, axis=1).any():
        where = (f"in its whole row {i} and column {i} (a square batch): a matrix product of the batch with its "
                 f"own transpose (such as y @ y.T, (N, N), which fits only N == C or one row) where an elementwise "
                 f"product (y * y, y ** 2) belongs")
    else:
        where = (f"at {int(others.sum())} other entries, e.g. "
                 f"{tuple(int(v) for v in np.argwhere(others)[0])}")
    return (f"{change} {where}; an activation acts entry by entry, so dL/dx = grad_out * f'(x) elementwise "
            f"(entry (i, j) uses grad_out[i, j] and x[i, j] only)")


def _softmax_rows_sum(cls, spec, label) -> str | None:
    """Property in plain words: each row of softmax's dL/dz sums to 0 (adding a constant to a row of logits
    changes nothing). Said, with the row sums, when the student's backward breaks it on the probe batch."""
    try:
        d = _backward_on(cls, spec, label, COUPLING_X, COUPLING_G)
    except Exception:
        return None
    if d.shape != COUPLING_X.shape:
        return None
    sums = d.sum(axis=1)
    if np.allclose(sums, 0.0, atol=1e-9):
        return None
    cached = _softmax_cached_other(cls, spec, label) or _softmax_subtracted_term(cls, spec, label)
    if cached:
        return cached
    return (f"each row of dL/dz must sum to 0 (softmax ignores a constant added to a row of z), yours sum to "
            f"{np.round(sums, 4).tolist()} on a {COUPLING_X.shape} batch: with y the softmax output, the term "
            f"subtracted from y * grad_out must be y * sum(grad_out * y, axis=1, keepdims=True), which cancels each "
            f"row's sum exactly (look at that term, and at what forward stores for backward: it must be y itself)")


def _softmax_cached_other(cls, spec, label) -> str | None:
    """Reading confirmed on two batches of different shapes: backward is the right formula
    c * (g - sum(g * c, axis=1)) with c another quantity of forward in place of the output y (log y, z, exp(z),
    exp(z - max)): forward caches that quantity, not the softmax output."""
    def soft(z):
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    readings = {
        "the log-probabilities log y (log-softmax)": lambda z: np.log(soft(z)),
        "the input z (the logits)": lambda z: z,
        "the unnormalised exp(z)": np.exp,
        "the shifted exponentials exp(z - max(z)) before the division by their row sum":
            lambda z: np.exp(z - z.max(axis=1, keepdims=True)),
    }
    gen = np.random.default_rng(1603)
    batches = [(COUPLING_X, COUPLING_G)]
    z2 = gen.standard_normal((2, 5))
    batches.append((z2, gen.standard_normal((2, 5))))
    runs = _backward_runs(cls, spec, label, batches)
    if runs is None:
        return None
    for what, c_of in readings.items():
        if all(np.allclose(d, c_of(x) * (g - (g * c_of(x)).sum(axis=1, keepdims=True)), rtol=1e-6, atol=1e-9)
               for x, g, d in runs):
            return (f"your backward is the softmax formula y * (grad_out - sum(grad_out * y, axis=1)) with y replaced "
                    f"by {what} (on a (3, 4) and a (2, 5) batch): forward caches {what}, not the softmax output: "
                    f"store the y that forward returns and use it in backward")
    return None


def _backward_runs(cls, spec, label, batches) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]] | None:
    """(x, grad_out, dx) of a fresh layer's forward then backward on each (x, grad_out) of ``batches``; None when a
    call raises or dx has not x's shape (the cases name those)."""
    runs = []
    for x, g in batches:
        try:
            d = _backward_on(cls, spec, label, x, g)
        except Exception:
            return None
        if d.shape != x.shape:
            return None
        runs.append((x, g, d))
    return runs


def _softmax_subtracted_term(cls, spec, label) -> str | None:
    """Reading confirmed on two batches of different shapes: backward is y * (grad_out - c) with y the softmax
    output and c ONE number per row (c = grad_out - dL/dz / y is constant along every row), but c is not the
    dot product g . y = sum(grad_out * y, axis=1): c is named when it is a known row statistic of grad_out."""
    def soft(z):
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    gen = np.random.default_rng(1604)
    batches = [(COUPLING_X, COUPLING_G), (gen.standard_normal((2, 5)), gen.standard_normal((2, 5)))]
    stats = {
        "the row mean of grad_out, grad_out.mean(axis=1)": lambda g, y: g.mean(axis=1),
        "the row sum of grad_out without the weights y, grad_out.sum(axis=1)": lambda g, y: g.sum(axis=1),
        "the row maximum of grad_out": lambda g, y: g.max(axis=1),
        "the mean of grad_out * y over the row (a mean where the sum belongs)": lambda g, y: (g * y).mean(axis=1),
        "the sum of grad_out * y over the batch's COLUMNS (axis=0) where each row's own sum belongs":
            lambda g, y: (g * y).sum(axis=0)[: g.shape[0]] if g.shape[1] >= g.shape[0] else None,
    }
    found = _backward_runs(cls, spec, label, batches)
    if found is None or not all(np.isfinite(d).all() for _, _, d in found):
        return None
    runs = []
    for x, g, d in found:
        y = soft(x)
        c = g - d / y
        if not np.allclose(c, c[:, :1], rtol=1e-6, atol=1e-9):
            return None
        runs.append((g, y, c[:, 0]))
    if all(np.allclose(c, (g * y).sum(axis=1), rtol=1e-6, atol=1e-9) for g, y, c in runs):
        return None
    for what, stat in stats.items():
        vals = [stat(g, y) for g, y, _ in runs]
        if all(v is not None and v.shape == c.shape and np.allclose(c, v, rtol=1e-6, atol=1e-9)
               for v, (_, _, c) in zip(vals, runs)):
            return (f"your backward is y * (grad_out - c) with c one number per row, but your c is {what} (on a "
                    f"(3, 4) and a (2, 5) batch): c must be the dot product g . y = sum(grad_out * y, axis=1, "
                    f"keepdims=True) of each row, the y-weighted sum that makes each row of dL/dz sum to 0")
    return (f"your backward is y * (grad_out - c) with c one number per row (on a (3, 4) and a (2, 5) batch), but "
            f"your c ({np.round(runs[0][2], 4).tolist()} on the first) is not the dot product g . y = sum(grad_out "
            f"* y, axis=1, keepdims=True) of each row ({np.round((runs[0][0] * runs[0][1]).sum(axis=1), 4).tolist()})")


#: The hyper-parameters of each parametrised activation as the checks set them (for naming a stray factor).
HYPER = {"leaky_relu": {"slope": SLOPE}, "elu": {"alpha": ALPHA},
         "selu": {"scale": SELU_SCALE, "alpha": SELU_ALPHA, "scale * alpha": SELU_SCALE * SELU_ALPHA}}


def _probe_derivative(spec: Spec, probe):
    """The student's derivative (grad_out = 1) at TERM_X, the documented one, and where they agree entry by entry;
    None when the probe raises or gives another shape or a non-finite value."""
    try:
        got = np.asarray(probe(TERM_X.copy()), dtype=np.float64)
    except Exception:
        return None
    want = _map(spec.df, TERM_X)
    if got.shape != want.shape or not bool(np.isfinite(got).all()):
        return None
    return got, want, np.abs(got - want) <= 1e-9 + 1e-6 * np.abs(want)


def _hyper_parameter_factor(spec: Spec, probe) -> str | None:
    """Property in plain words: on one side of 0 the derivative (grad_out = 1) is the expected one times a
    hyper-parameter of the layer (alpha, slope, scale) while the other side is right: the parameter is
    applied on the side where it does not belong."""
    key = next((k for k, v in SPECS.items() if v is spec), None)
    probed = _probe_derivative(spec, probe) if key in HYPER else None
    if probed is None:
        return None
    got, want, close = probed
    for side, mask in (("x > 0", TERM_X > 0), ("x < 0", TERM_X < 0)):
        if close[~mask].all() and not close[mask].any() and bool((np.abs(want[mask]) > 1e-9).all()):
            ratio = got[mask] / want[mask]
            for name, value in HYPER[key].items():
                if np.allclose(ratio, value, rtol=1e-6, atol=0) or np.allclose(ratio, 1 / value, rtol=1e-6, atol=0):
                    if np.allclose(ratio, value, rtol=1e-6, atol=0):
                        return (f"for {side} your derivative is the expected one multiplied by {name} (= "
                                f"{value:.4g}) and the other side is right: an extra factor {name} in the {side} "
                                f"branch of the derivative")
                    return (f"for {side} your derivative is the expected one divided by {name} (= {value:.4g}) and "
                            f"the other side is right: the {side} branch of the derivative lacks the factor {name} "
                            f"(or divides by it)")
    return None


#: Activations whose derivative on the x <= 0 side is documented as y + constant (y the cached output).
_AFFINE_IN_Y = {"elu": "ELU'(x) = alpha * exp(x) = y + alpha", "selu": "SELU'(x) = scale * alpha * exp(x) = y + scale * alpha"}


def _affine_in_output(spec: Spec, probe) -> str | None:
    """Property in plain words: on the x < 0 side (the other side right) the derivative (grad_out = 1) is an
    exact affine function p * y + q of the output y = f(x) at every probe point, with other p, q than the
    documented y + constant: which coefficient is wrong, in the layer's own hyper-parameters."""
    key = next((k for k, v in SPECS.items() if v is spec), None)
    probed = _probe_derivative(spec, probe) if key in _AFFINE_IN_Y else None
    if probed is None:
        return None
    got, want, close = probed
    neg = TERM_X < 0
    if not close[~neg].all() or close[neg].all():
        return None
    y = _map(spec.f, TERM_X)[neg]
    basis = np.stack([y, np.ones_like(y)], axis=1)
    (p, q), *_ = np.linalg.lstsq(basis, got[neg], rcond=None)
    (p0, q0), *_ = np.linalg.lstsq(basis, want[neg], rcond=None)
    if not np.allclose(basis @ [p, q], got[neg], rtol=1e-6, atol=1e-9):
        return None
    names = {"1": 1.0, **HYPER[key], **{f"(1 / {n})": 1 / h for n, h in HYPER[key].items()}}

    def words(v: float) -> str:
        return next((n for n, h in names.items() if abs(v - h) <= 1e-6 * abs(h)), f"{v:.4g}")
    mine, right = f"{words(p)} * y + {words(q)}", f"{words(p0)} * y + {words(q0)}"
    mine, right = mine.replace("1 * y", "y"), right.replace("1 * y", "y")
    extra = ""
    output = {"elu": "alpha * (exp(x) - 1)", "selu": "scale * alpha * (exp(x) - 1)"}[key]
    if abs(p0 - 1.0) <= 1e-9 and words(p).startswith("(1 / ") and abs(q - q0) <= 1e-6 * max(1.0, abs(q0)):
        h = words(p)[5:-1]
        extra = (f": the y your backward uses is the output divided by {h} (the value before forward multiplies it "
                 f"by {h}): what forward caches for backward lacks the {h} of the output y = {output}; cache the "
                 f"output itself (self.y = the value forward returns)")
    elif abs(p0 - 1.0) <= 1e-9 and words(p) != f"{p:.4g}" and abs(p - 1.0) > 1e-6:
        extra = f": y = {output} already contains {words(p)}, so it is not multiplied by {words(p)} again"
    return (f"for x < 0 your derivative is exactly {mine} in terms of the output y = f(x) (at every probe point, "
            f"and the x > 0 side is right), but there {_AFFINE_IN_Y[key]}, i.e. {right}{extra}")


def _derivative_out_of_range(spec: Spec, probe) -> str | None:
    """Property in plain words: f'(x) of this activation stays within a known range for every x."""
    key = next((k for k, v in SPECS.items() if v is spec), None)
    if key not in DF_RANGE:
        return None
    lo, hi, words = DF_RANGE[key]
    points = np.array([[-6.0, -3.0, -1.0, -0.5, 0.5, 1.0, 3.0, 6.0]])
    try:
        got = np.asarray(probe(points), dtype=np.float64)
    except Exception:
        return None
    if got.shape != points.shape or not bool(np.isfinite(got).all()):
        return None
    bad = np.flatnonzero((got[0] < lo - 1e-9) | (got[0] > hi + 1e-9))
    if not bad.size:
        return None
    i = int(bad[np.argmax(np.abs(got[0, bad]))])
    return (f"{spec.label}'(x) lies in {words} for every x, but with grad_out = 1 your backward gives "
            f"{got[0, i]:.4g} at x = {points[0, i]:g}")


class _LentSigmoidLayer:
    """The documented Sigmoid layer, lent by name to a class whose code calls Sigmoid() when the student's own Sigmoid
    cannot run (see _judged_with_lent_sigmoid): it stays in the judge, student code calling it calls back."""

    def forward(self, x):
        x = np.asarray(x)
        self.y = _s(x).astype(x.dtype if x.dtype.kind == "f" else np.float64)
        return self.y

    def backward(self, grad_out):
        return grad_out * self.y * (1 - self.y)

    def parameters(self):
        return []

    def __call__(self, x):
        return self.forward(x)


def _lent_sigmoid(*args, **kwargs):
    """Stands for the class Sigmoid in the student's namespace: Sigmoid() makes a documented Sigmoid layer."""
    return _LentSigmoidLayer()


_SIGMOID_PROBES = (COUPLING_X, EXTREMES.reshape(2, -1))


def _sigmoid_fault(sigmoid) -> str | None:
    """What the student's Sigmoid does wrong on plain inputs, in a few words (judged in Sigmoid's own cells), or None:
    it raises, warns, writes into its input, returns no array of the input's shape and dtype, or wrong values
    (float64 and float32, ordinary and +-1000 inputs)."""
    for dtype in DTYPES:
        for probe in _SIGMOID_PROBES:
            x = probe.astype(dtype)
            given = x.copy()
            try:
                with core.numerics("Sigmoid.forward"):
                    y = sigmoid().forward(given)
            except core.CheckFailure:
                return "warns (not numerically stable)"
            except Exception:
                return "raises"
            if given.shape != x.shape or not np.array_equal(given, x):
                return "writes into its input x"
            if not isinstance(y, np.ndarray) or y.shape != x.shape:
                return "returns no array of its input's shape"
            if y.dtype != x.dtype:
                return f"turns {np.dtype(dtype).name} into {y.dtype}"
            if not core.close(y, _s(x.astype(np.float64)), **_tol(dtype)):
                return "has wrong values"
    return None


def _judged_with_lent_sigmoid(run, cls, sigmoid) -> None:
    """``run(sigmoid)`` judges a class that uses the student's Sigmoid (Softplus, SiLU).  When it fails and the
    student's Sigmoid itself is wrong on plain inputs (it raises, warns, writes into its input, changes the dtype or
    the values: judged in Sigmoid's cells), the class is judged again with the documented Sigmoid lent by name into
    its globals (core.lent_globals): one mistake costs the cells of the class it is in; this class still earns or
    loses its cell on its own code.  Nothing runs unless the first judgement failed."""
    try:
        run(sigmoid)
    except core.CheckFailure as exc:
        fault = _sigmoid_fault(sigmoid) if sigmoid is not None else None
        if fault is None:
            raise
        if not core.judged_again(lambda: run(None), _sigmoid_lent_to(cls),
                                 f"judged with the documented Sigmoid in place of your Sigmoid class, which {fault}: "
                                 f"see Sigmoid's cells"):
            raise exc from None


@contextlib.contextmanager
def _sigmoid_lent_to(cls) -> Iterator[None]:
    """The documented Sigmoid in the globals of cls's forward and backward (one namespace in a notebook: lent
    twice, restored in reverse order)."""
    with contextlib.ExitStack() as lending:
        for method in (cls.forward, cls.backward):
            lending.enter_context(core.lent_globals(method, {"Sigmoid": _lent_sigmoid}))
        yield


def _pair(name: str, helper: bool = False):
    spec = SPECS[name]

    def forward(cls, sigmoid=None) -> None:
        _judged_with_lent_sigmoid(lambda s: check_forward(cls, spec, name, s), cls, sigmoid)

    def backward(cls, sigmoid=None) -> None:
        _judged_with_lent_sigmoid(lambda s: check_backward(cls, spec, name, s), cls, sigmoid)

    forward.__name__, backward.__name__ = f"{name}_forward", f"{name}_backward"
    forward.__doc__ = f"{spec.label}.forward: values, dtype/shape, extremes, parameters() == []."
    backward.__doc__ = f"{spec.label}.backward: oracle, own forward's cache, kinks, extremes, cache."
    return forward, backward


sigmoid_forward, sigmoid_backward = _pair("sigmoid")
tanh_forward, tanh_backward = _pair("tanh")
relu_forward, relu_backward = _pair("relu")
leaky_relu_forward, leaky_relu_backward = _pair("leaky_relu")
elu_forward, elu_backward = _pair("elu")
selu_forward, selu_backward = _pair("selu")
softplus_forward, softplus_backward = _pair("softplus")
gelu_forward, gelu_backward = _pair("gelu")
gelu_tanh_forward, gelu_tanh_backward = _pair("gelu_tanh")
silu_forward, silu_backward = _pair("silu")

_ONE_INSTANCE_PROPERTY = ("one instance called again and again (x1, x2 of one shape, x3 of another, x4 written into "
                          "x3's array): each call right as on a fresh instance; a setting a call changed (self.alpha, "
                          "self.slope) or the previous call's result named")
_LENT_SIGMOID_PROPERTY = ("judged with the documented Sigmoid lent when the student's Sigmoid is wrong (raises, warns, "
                          "writes into x, changes the dtype or the values: not charged here)")

#: What each check verifies beside the oracle (graded function x property), for reports.
PROPERTIES = {
    **{f"{n}_forward": ("oracle", "pairwise-different sizes", "batch 1", "odd batch", "3-D input", "float32",
                        "float64", "dtype kept (float64 not downcast)", "input not modified",
                        "|x| = 1000 without overflow", "a second call on new data gives a new output",
                        "shape kept (a flattening boolean index named)",
                        "parameters() == []", "generic f(-x), -f(x), f(f(x)) named",
                        "another activation named (a forward copied from another class)",
                        "wrong side of 0 and values at readable points named",
                        "a wrong interval that is not a whole side of 0 located (threshold, cap) on a dense grid")
                        + (("wrong term of the documented formula named",) if "f" in FORMULAS.get(n, {}) else ())
                        + (("relative to the student's Sigmoid (its float32 -> float64 promotion judged there)",)
                           if n == "silu" else ())
                        + (("documented default hyper-parameter (the one used named)",) if n in OTHER_INSTANCES else ())
                        + ("an overflow whose values are right nevertheless named (np.where's discarded branch)",)
                        + (("alpha > 1 (max(x, alpha*(exp(x) - 1)) named)",) if n == "elu" else ())
                        + ((_LENT_SIGMOID_PROPERTY,) if n in ("softplus", "silu") else ())
                        + (_ONE_INSTANCE_PROPERTY,)
       for n in SPECS},
    **{f"{n}_backward": ("oracle", "pairwise-different sizes", "batch 1", "odd batch", "float32", "float64",
                         "dtype kept (said after wrong values, kinks included, when both are wrong)",
                         "grad_out not modified", "shape kept (a flattening boolean index named)",
                         "not charged where its own forward is wrong (judged on that forward's cache)")
       + (("own forward's cache (df from the cached output)",) if spec.df_y is not None else
          ("relative to the student's Sigmoid",))
       + ("finite differences of own forward (diagnosis)", "linear in grad_out (grad_out * -2)",
          "f'(x) within its known range (diagnosis)",
          "generic wrong quantities named (f'(y), f'(grad_out), grad_out + f', grad_out * f)",
          "f' at a rescaled argument named (y / 2, 2y, x / 2, 2x: an identity fed the wrong quantity)",
          "grad_out missing in one np.where branch named (linearity per side of 0)",
          "another activation's derivative named (a backward copied from another class)",
          "a hyper-parameter (alpha, slope, scale) on the wrong side of 0 named",
          "wrong side of 0 and values at readable points named",
          "elementwise: entry (i, j) uses grad_out[i, j] and x[i, j] only (a combined row, column or batch named)",
          "wrong only at some positions (a loop that stops early) named, confirmed by swapping values",
          "every row computed (a row loop that stops early named, batch 1 included)",
          "an overflow whose values are right nevertheless named (np.where's discarded branch)")
       + (("wrong term of the documented formula named",) if "df" in FORMULAS.get(n, {}) else ())
       + (("kink convention (+0.0 and -0.0)",) if spec.kinks else ())
       + ("|x| = 1000", "most recent forward of this instance",
          "a second backward after one forward gives the same values (cache left as forward left it)",
          "a forward that writes into its input judged there (backward judged on the cache it left)",
          "forward right, backward wrong: backward's formula or forward's cache named",
          "backward at grad_out = 0 is 0 (a term without grad_out named, confirmed on a second x)",
          "branch chosen by x, not by the sign of grad_out (confirmed on two inputs)",
          "a wrong interval that is not a whole side of 0 located (threshold, cap) on a dense grid",
          "one term off by a constant factor named (fitted, not a hyper-parameter)",
          "backward leaves the x handed to forward and the y forward returned unchanged (forward then backward "
          "run in the kernel; forward's own writes into x judged in its cell)",
          "another activation's derivative written with y (y * (1 - y), 1 - y**2) named")
       + ((_LENT_SIGMOID_PROPERTY,) if n in ("softplus", "silu") else ())
       + (("a division by 0 at the kink named (f(x) / x)",) if spec.kinks else ())
       + ("NaN or inf exactly where x = 0 named (two batches with zeros at other places, none without 0)",
          "a float array forward keeps of lower precision than x named; backward leaves forward's cache unchanged "
          "(numerical differentiation by forward(x + h) named)",
          "an (N, D, D) answer named (the Jacobians, confirmed diagonal / diag(y) - y y^T)",
          "two calls on one instance: the first result is not overwritten by, nor shares memory with, the second")
       + (("a float32 -> float64 promotion by the student's Sigmoid judged there",) if spec.df_y is None else
          ("forward right, backward from a cached intermediate (e = exp(-|x|) for y) named, confirmed on a "
           "second input",))
       + (_ONE_INSTANCE_PROPERTY, "judged with forward's settings put back when one forward call changes them "
          "(judged in forward's cell)")
       for n, spec in SPECS.items()},
    "softmax_forward": ("oracle", "N == C and N != C", "batch 1", "float32", "logits of +-1000",
                        "dtype kept (float64 not downcast)", "input not modified",
                        "a second call on new data gives a new output", "wrong term of the documented formula named",
                        "keepdims missing in the row max named", "row loop over the classes named",
                        "every row computed (a row loop that stops early or starts late named)",
                        "N > C: a row loop over range(C) named", "logits clipped instead of shifted named", _ONE_INSTANCE_PROPERTY),
    "softmax_backward": ("oracle (explicit Jacobian)", "own forward's cache", "finite differences of own forward "
                         "(diagnosis)", "N == C and N != C", "batch 1", "float32", "dtype kept", "logits of +-1000",
                         "grad_out not modified", "most recent forward of this instance",
                         "not charged where its own forward is wrong (judged on that forward's cache)",
                         "wrong term of the documented formula named",
                         "cached intermediate named (e = exp(z - max) or softmax(grad_out) used for y)",
                         "every row computed (a row loop that stops early or starts late named)",
                        "N > C: a row loop over range(C) named",
                        "each sample uses its own rows only (samples mixed named)",
                        "per-sample Jacobian read back (unit grad_out, N != C; y - grad_out, a term without "
                        "grad_out, y y^T as a scalar named, confirmed on two logit rows)",
                         "backward leaves the z handed to forward and the y forward returned unchanged",
                         "log-softmax's backward g - y * sum(g) named", _ONE_INSTANCE_PROPERTY),
}


# ------------------------------------------------------------------------ softmax

def _softmax_oracle(z: np.ndarray) -> np.ndarray:
    """Row by row with Python floats: y_ij = exp(z_ij - max_i) / sum_k exp(z_ik - max_i)."""
    out = np.empty(z.shape, dtype=np.float64)
    for i, row in enumerate(np.asarray(z, dtype=np.float64).tolist()):
        m = max(row)
        e = [math.exp(v - m) for v in row]
        s = math.fsum(e)
        out[i] = [v / s for v in e]
    return out


def _softmax_jvp_oracle(z: np.ndarray, g: np.ndarray) -> np.ndarray:
    """dL/dz per row as J^T g with the explicit Jacobian J = diag(y) - y y^T."""
    return _jvp_from_y(_softmax_oracle(z), g)


def _jvp_from_y(y: np.ndarray, g: np.ndarray) -> np.ndarray:
    out = np.empty(y.shape, dtype=np.float64)
    for i in range(y.shape[0]):
        J = np.diag(y[i]) - np.outer(y[i], y[i])
        out[i] = J.T @ np.asarray(g[i], dtype=np.float64)
    return out


def _softmax_axis0(z: np.ndarray) -> np.ndarray:
    return _softmax_oracle(np.asarray(z, dtype=np.float64).T).T


SOFTMAX_JVP_HINT = ("a shape mismatch: the dot product g . y is one number per sample, sum(grad_out * y, axis=1, "
                    "keepdims=True) of shape (N, 1) (grad_out @ y.T is (N, N): every pair of samples)")
ROW_MAX_HINT = ("subtract each ROW's own maximum, z.max(axis=1, keepdims=True), before exp (exp of a logit above "
                "about 709 overflows; one maximum for the whole batch is not enough either: rows far below it "
                "become exp(-large) = 0, and 0/0 = NaN)")

SOFTMAX_HINT = ("a shape mismatch: each ROW is shifted by its own maximum and normalised by its own sum, "
                "z.max(axis=1, keepdims=True) and e.sum(axis=1, keepdims=True) have shape (N, 1) (without "
                "keepdims the (N,) maxima or sums line up with the columns)")


def _softmax_forward_call(layer, z, label: str, hint: str | None, want=None):
    """The student's Softmax.forward; a numerical warning comes with the row-maximum advice.  ``want``: the oracle's
    output (a callable), for the judge's search of the one change that makes a raising forward give it."""
    try:
        return call(layer.forward, z, label=f"{label}.forward", names=("z",), hint=hint, want=want)
    except core.CheckFailure as exc:
        if exc.diagnosis == "not-numerically-stable":
            raise core.CheckFailure(f"{exc}; {ROW_MAX_HINT}", exc.diagnosis) from None
        raise


#: Probe batches (rows of pairwise-different logits) for the row-by-row property below.
ROW_PROBES = (np.array([[0.5, -1.0, 2.0, 0.0, 1.5], [1.0, 0.3, -2.0, 0.7, -0.4], [-0.6, 2.2, 0.1, -1.3, 0.9],
                        [1.7, -0.2, 0.4, 1.1, -1.8]]),
              np.array([[0.2, 1.4, -0.9, 0.6, -1.5], [-1.1, 0.8, 1.9, -0.3, 0.05]]))


def _probe_g(p: np.ndarray) -> np.ndarray:
    """An upstream gradient for a probe batch: readable, not constant along a row."""
    return np.cos(np.arange(p.size, dtype=np.float64) * 1.3).reshape(p.shape) + 0.25


def _softmax_backward_at(cls, p: np.ndarray):
    layer = cls()
    layer.forward(p.copy())
    return layer.backward(_probe_g(p))


def _softmax_term_on_probe(cls) -> str | None:
    """The wrong term of the forward formula, from the student's Softmax on ROW_PROBES[0] (4 rows, 5 classes)."""
    p = ROW_PROBES[0]
    try:
        got = np.asarray(cls().forward(p.copy()), dtype=np.float64)
    except Exception:
        return None
    if got.shape != p.shape or not bool(np.isfinite(got).all()) or core.close(got, _softmax_oracle(p), 1e-6, 1e-9):
        return None
    return _wrong_term("softmax", "f", p, got, 1e-6, 1e-9, "values")


def _row_verdicts(run, oracle, probes):
    """[(probe, result, which rows are right)] of ``run`` against ``oracle`` on each probe batch, or None when a
    probe raises or gives another shape (another mistake: the other diagnoses judge it)."""
    verdicts = []
    for p in probes:
        try:
            got = np.asarray(run(p.copy()), dtype=np.float64)
        except Exception:
            return None
        want = oracle(p)
        if got.shape != want.shape:
            return None
        verdicts.append((p, got, np.array([core.close(got[i], want[i], 1e-6, 1e-9) for i in range(len(p))])))
    return verdicts


def _rows_not_written(run, oracle, call: str, arg: str, no_loop: str = "axis=1, keepdims=True") -> None:
    """Property in plain words: every row (sample) of the result is computed.  On two probe batches (4 and 2
    rows), when the other rows are right and the same rows at the start or the end are all zeros (never
    written), name the loop over the rows that starts late or stops early."""
    verdicts = _row_verdicts(run, oracle, ROW_PROBES)
    if verdicts is None:
        return
    found = []
    for p, got, right in verdicts:
        zero = np.array([not row.any() for row in got])
        if right.all() or not (right | zero).all():
            return                                   # another mistake: the other diagnoses judge it
        missing = np.flatnonzero(~right)
        n = len(p)
        if list(missing) == list(range(n - len(missing), n)):
            found.append(("last", len(missing), n))
        elif list(missing) == list(range(len(missing))):
            found.append(("first", len(missing), n))
        else:
            return
    if len({(f[0], f[1]) for f in found}) != 1:
        return                                       # not the same rows left out on both probes
    end, k, _ = found[0]
    rows = "row" if k == 1 else f"{k} rows"
    loop = (f"range({arg}.shape[0] - {k})" if end == "last" else f"range({k}, {arg}.shape[0])")
    core.fail(f"{call} leaves the {end} {rows} of the batch all zeros (never computed) while the other rows are "
              f"right (seen on batches of 4 and of 2 rows): the loop over the rows "
              f"{'stops early' if end == 'last' else 'starts late'} ({loop}?); loop over every row, "
              f"range({arg}.shape[0]), or use no loop ({no_loop})",
              "rows-not-written")


COLUMN_PROBES = (np.array([[0.5, -1.0, 2.0], [1.0, 0.3, -2.0], [-0.6, 2.2, 0.1], [1.7, -0.2, 0.4], [0.9, 1.1, -1.8]]),
                 np.array([[0.2, 1.4], [-1.1, 0.8], [1.9, -0.3], [0.05, 0.6], [-0.9, -1.5], [1.2, 0.1], [0.4, -0.7]]))


def _rows_by_columns(run, oracle, call: str, arg: str) -> None:
    """Property in plain words: every row is computed, also when the batch has more rows N than classes C.  On
    (5, 3) and (7, 2) probes, when exactly the first C rows are right, the loop over the rows runs over the
    number of columns (range(C), shape[1]) instead of the samples."""
    verdicts = _row_verdicts(run, oracle, COLUMN_PROBES)
    if verdicts is None:
        return
    for p, _got, right in verdicts:
        if list(np.flatnonzero(right)) != list(range(p.shape[1])):
            return
    core.fail(f"{call} is right in the first C rows only (C = the number of classes; seen on batches of 5 x 3 and "
              f"7 x 2): the loop over the samples runs over range(C), {arg}.shape[1], instead of range(N), "
              f"{arg}.shape[0] (or use no loop: axis=1, keepdims=True)", "rows-loop-over-columns")


def softmax_forward(cls) -> None:
    """Softmax.forward: rows are samples, values, dtype/shape, extremes, parameters() == []."""
    rng = core.rng("lab03:softmax:forward")
    label = "Softmax"
    layer = _make(label, lambda c: c(), cls)
    _check_parameters(layer, label)
    _stale_output(lambda: _make(label, lambda c: c(), cls), label)
    _results_kept(lambda: _make(label, lambda c: c(), cls), label, "forward", "softmax")
    _calls_on_one_instance(lambda: _make(label, lambda c: c(), cls), label, "forward", _softmax_oracle,
                           _softmax_jvp_oracle)
    drawn = [rng.normal(0.0, 3.0, s) for s in SOFTMAX_SHAPES]
    cases = drawn[:1] + [np.array([[1.0, 2.0, 3.0, -1.0]])] + drawn[1:]

    def case(z):
        def run():
            try:
                y = _softmax_forward_call(layer, z, label, SOFTMAX_HINT,
                                          want=lambda: _softmax_oracle(z.astype(np.float64)).astype(z.dtype))
            except core.CheckFailure as exc:
                n, c = z.shape
                if "IndexError" in str(exc) and f"axis 0 with size {n}" in str(exc) and c > n:
                    raise core.CheckFailure(
                        f"{signature(f'{label}.forward', ('z',), (z,))} raised IndexError: a loop over the rows "
                        f"(samples) indexed row {n} of a batch of {n}: it runs over range(z.shape[1]) = range({c}), "
                        f"the classes; the rows are range(z.shape[0]) (or no loop: z.max(axis=1, keepdims=True))",
                        "row-loop-over-classes") from None
                raise
            name = signature(f"{label}.forward", ("z",), (z,))
            if _promoted(y, z.dtype) and y.shape == z.shape:
                core.fail(f"{name} must have dtype float32, got float64: {PROMOTION_HINT}", "float32-promoted")
            if _downcast(y, z.dtype) and y.shape == z.shape:
                core.fail(f"{name} must have dtype {z.dtype}, got {y.dtype}: {DOWNCAST_HINT}", "float64-downcast")
            y = core.expect_array(y, name=name, shape=z.shape, dtype=z.dtype)
            zs = z.astype(np.float64)
            n, c = z.shape
            er = np.exp(zs - zs.max(axis=1, keepdims=True))
            tol = _tol(z.dtype, y.dtype, scale=float(np.abs(zs).max()))
            if not core.close(y, _softmax_oracle(z), **tol):
                _output_readings(name, "forward", y, _softmax_oracle(zs), z,
                                 lambda p, _: _make(label, lambda c: c(), cls).forward(p),
                                 lambda p, _: _softmax_oracle(p))
                _rows_not_written(lambda p: _make(label, lambda c: c(), cls).forward(p), _softmax_oracle,
                                  f"{label}.forward", "z")
                _rows_by_columns(lambda p: _make(label, lambda c: c(), cls).forward(p), _softmax_oracle,
                                 f"{label}.forward", "z")
            diagnose_only(y, _softmax_oracle(z), name=name, **tol, diagnose={
                                  "softmax normalised over the wrong axis: rows are samples, "
                                  "normalise over axis=1 (the classes of each sample)": _softmax_axis0(z),
                                  "softmax returned exp(z) without dividing by the row sum":
                                      np.exp(np.minimum(zs, 700)),
                                  "each row must be divided by its own sum, but your entry (i, j) is divided by "
                                  "the sum of row j: the (N,) row sums are lined up with the columns (e.sum(axis=1) "
                                  "without keepdims=True, or an einsum or index that pairs the row sums with the "
                                  "class index j, e.g. 'ij,j->ij'); divide by e.sum(axis=1, keepdims=True), of "
                                  "shape (N, 1)":
                                      (er / er.sum(axis=1)[None, :]) if n == c else None,
                                  "keepdims=True is missing in z.max(axis=1): the (N,) row maxima are subtracted "
                                  "from the columns (with N != C the shapes do not even fit); subtract "
                                  "z.max(axis=1, keepdims=True), of shape (N, 1)":
                                      _softmax_oracle(zs - zs.max(axis=1)[None, :]) if n == c else None,
                                  "divided by the sum over the whole batch: normalise each row by its own sum, "
                                  "e.sum(axis=1, keepdims=True)": er / er.sum(),
                                  "divided by the sum over the whole batch (e / e.sum()): normalise each row by "
                                  "its own sum, e.sum(axis=1, keepdims=True)":
                                      np.exp(zs - zs.max()) / np.exp(zs - zs.max()).sum(),
                                  "the row sum misses the last class (e[:, :-1].sum(...)): divide by the sum over "
                                  "all C classes, e.sum(axis=1, keepdims=True)":
                                      (er / er[:, :-1].sum(axis=1, keepdims=True)) if c > 1 else None,
                                  "the row sum misses the first class (e[:, 1:].sum(...)): divide by the sum over "
                                  "all C classes, e.sum(axis=1, keepdims=True)":
                                      (er / er[:, 1:].sum(axis=1, keepdims=True)) if c > 1 else None,
                                  "each row is divided by its L2 norm (np.linalg.norm), so its squares sum to 1: "
                                  "softmax divides by the row's plain sum, e.sum(axis=1, keepdims=True), so that "
                                  "each row of probabilities sums to 1":
                                      er / np.linalg.norm(er, axis=1, keepdims=True),
                                  "your rows are exp(z - max(z)), shifted but never normalised (divided by the row "
                                  "max exp(0) = 1, or by nothing): each row of probabilities must sum to 1, so "
                                  "divide by the row SUM, e.sum(axis=1, keepdims=True)":
                                      er,
                                  "these are log-probabilities: softmax returns exp(z - max) / sum(exp(z - max))":
                                      zs - np.log(er.sum(axis=1, keepdims=True)) - zs.max(axis=1, keepdims=True),
                              })
            expected = _softmax_oracle(z)
            rt, at = core.dtype_tolerance(y, tol["rtol"], tol["atol"], float(np.abs(expected).max()))
            if not core.close(y, expected, rt, at):
                _name_normaliser_by_column(y, zs, name, rt, at)
                # first on a batch of several rows with pairwise-different logits (on one row, a reduction over
                # axis 0 is the identity, and edits that differ in general fit alike), then on this case
                term = _softmax_term_on_probe(cls) or _wrong_term("softmax", "f", zs, y, rt, at, "values")
                if term:
                    core.fail(f"{name} has wrong values: {term}", "wrong-term")
            core.expect_close(y, expected, name=name, **tol)
        return run
    run_cases([("N == C" if z.shape[0] == z.shape[1] else None, case(z.astype(dtype)))
               for z in cases for dtype in DTYPES])
    for dtype in DTYPES:
        z = np.array([[1000.0, -1000.0, 0.0, 999.0],
                      [-1000.0, -1000.0, -1000.0, -1000.0],
                      [-1000.0, 1000.0, 710.0, -710.0]], dtype=dtype)
        y = _softmax_forward_call(layer, z, label, None)
        name = f"{label}.forward on logits up to +-1000 ({np.dtype(dtype).name})"
        if _promoted(y, z.dtype) and y.shape == z.shape:
            core.fail(f"{name} must have dtype float32, got float64: {PROMOTION_HINT}", "float32-promoted")
        y = core.expect_array(y, name=name, shape=z.shape, dtype=z.dtype)
        tol = _tol(dtype, y.dtype, scale=1000.0)
        if not core.close(y, _softmax_oracle(z), **tol):
            _name_clipped_logits(y, z, name, tol)
        core.expect_close(y, _softmax_oracle(z), name=name, **tol)


def _name_normaliser_by_column(y, zs, name, rtol, atol) -> None:
    """Property of a square batch (N == C): entry (i, j) is exp(z_ij) times a factor that depends on the
    column j only, and that factor is 1 / (sum of row j): each row's normaliser (a sum, a max, a
    log-sum-exp, of shape (N,)) was lined up with the columns instead of the rows, whatever function made
    it.  With N != C the same code raises a broadcast error, with one row it is right."""
    n, c = zs.shape
    if n != c or n < 2:
        return
    with np.errstate(all="ignore"):
        ratio = np.asarray(y, dtype=np.float64) / np.exp(zs)
    if not np.isfinite(ratio).all():
        return
    by_column = np.broadcast_to(ratio.mean(axis=0, keepdims=True), ratio.shape)
    row_sums = np.exp(zs).sum(axis=1)
    if core.close(ratio, by_column, max(rtol, 1e-6), 0.0) and core.close(ratio[0], 1.0 / row_sums, max(rtol, 1e-6), 0.0) \
            and not core.close(ratio, np.broadcast_to(1.0 / row_sums[:, None], ratio.shape), max(rtol, 1e-6), 0.0):
        core.fail(f"{name} has wrong values: entry (i, j) is exp(z[i, j]) divided by the sum of ROW j, not of row "
                  f"i: a per-row quantity of shape (N,) (a row maximum, sum or log-sum-exp computed with axis=1 "
                  f"but without keepdims=True) was lined up with the columns; keep it as a column (N, 1), "
                  f"keepdims=True or [:, None] (with N != C the shapes do not even fit; with one row it is right)",
                  "row-normaliser-by-column")


def _name_clipped_logits(y, z, name, tol) -> None:
    """Right on ordinary logits (the cases above passed) but wrong at +-1000: when the result is the softmax of
    the logits clipped to [-c, c], say so (clipping changes the differences between logits; the shift by the row
    maximum does not)."""
    zs = np.asarray(z, dtype=np.float64)
    for c in (500.0, 700.0, 709.0, 100.0, 88.0, 80.0, 50.0, 30.0, 20.0):
        if core.close(y, _softmax_oracle(np.clip(zs, -c, c)), **tol):
            core.fail(f"{name}: your result is the softmax of the logits clipped to [-{c:g}, {c:g}]: a clip changes "
                      f"the differences between the logits of a row (1000 and 999 both become {c:g}, so they get "
                      f"equal probabilities, where 1000 should get e times the probability of 999); subtract each row's maximum instead, "
                      f"z - z.max(axis=1, keepdims=True), which leaves the result unchanged and keeps exp <= 1",
                      "softmax-clipped-logits")


#: Two logit rows for reading a student's per-sample Jacobian back (C = 4 classes, distinct probabilities).
_JAC_ROWS = (np.array([0.3, -1.2, 0.8, 0.1]), np.array([-0.5, 1.1, 0.2, -1.4]))


def _read_jacobian(cls, z0: np.ndarray):
    """The student's backward as grad_out -> dL/dz for one sample: a batch of C + 1 copies of z0 (N != C) with
    grad_out = the unit vectors and a zero row; returns (y, offset = result at grad_out = 0, M with
    M[j] = result at e_j - offset), or None when backward mixes rows or fails."""
    c = z0.size
    Z = np.tile(z0, (c + 1, 1))
    G = np.vstack([np.eye(c), np.zeros((1, c))])
    try:
        layer = cls()
        layer.forward(Z.copy())
        out = np.asarray(layer.backward(G.copy()), dtype=np.float64)
    except Exception:
        return None
    if out.shape != Z.shape or not bool(np.isfinite(out).all()):
        return None
    y = _softmax_oracle(z0[None, :])[0]
    return y, out[c], out[:c] - out[c]


_SOFTMAX_NOT_LINEAR = ("your backward is not proportional to grad_out: on logits (2, 4) with grad_out G and then "
                       "-2 G, the second result is not -2 times the first (backward is J^T grad_out, J = diag(y) - "
                       "y y^T depends on the logits only), while grad_out = 0 gives 0: grad_out enters a product with "
                       "itself or with a function of it (look for a factor grad_out outside a bracket that already "
                       "holds sum(grad_out * y), or a power or abs of grad_out): the result is y * (grad_out - "
                       "sum(grad_out * y, axis=1, keepdims=True))")


def _softmax_backward_linear(cls) -> bool:
    """Softmax.backward(G) and backward(-2 G) on the same logits (two samples, C = 4): the second is -2 times the
    first (J^T grad_out is linear in grad_out).  True when it holds or cannot be asked (a call fails), and when
    grad_out = 0 does not give 0 (a term without grad_out: said by its own reading)."""
    Z = np.vstack(_JAC_ROWS)
    G = np.array([[0.7, -0.4, 1.3, -0.9], [-1.1, 0.5, 0.2, 0.8]])
    outs = []
    for g in (G, -2 * G):
        try:
            layer = cls()
            layer.forward(Z.copy())
            outs.append(np.asarray(layer.backward(g.copy()), dtype=np.float64))
        except Exception:
            return True
    try:
        layer = cls()
        layer.forward(Z.copy())
        zero = np.asarray(layer.backward(np.zeros_like(G)), dtype=np.float64)
    except Exception:
        return True
    if any(o.shape != Z.shape or not np.isfinite(o).all() for o in (*outs, zero)):
        return True
    return core.close(outs[1], -2 * outs[0], 1e-6, 1e-9) or not core.close(zero, 0 * zero, 1e-9, 1e-12)


def _softmax_jacobian_story(cls, label: str, name: str) -> None:
    """General question for a wrong softmax backward: read the student's Jacobian back (unit grad_out), split it
    into what it returns for grad_out = 0 and its linear part, and say how each differs from
    J = diag(y) - y y^T, confirmed on a second logit row before anything is said."""
    reads = [_read_jacobian(cls, z0) for z0 in _JAC_ROWS]
    if any(r is None for r in reads):
        return

    def holds(test) -> bool:
        return all(test(y, off, M) for y, off, M in reads)

    def near(a, b) -> bool:
        return core.close(a, b, 1e-6, 1e-9)
    right = holds(lambda y, off, M: near(M, np.diag(y) - np.outer(y, y)))
    zero = holds(lambda y, off, M: near(off, 0 * y))
    if right and zero:
        return                               # per sample right: the mistake is elsewhere (rows, shapes)
    start = f"{name}: read back sample by sample (grad_out = each unit vector e_j, then 0), "
    if not zero:
        offsets = {"y, the softmax output": lambda y: y, "-y": lambda y: -y, "1": lambda y: np.ones_like(y)}
        said = next((k for k, f in offsets.items() if holds(lambda y, off, M, f=f: near(off, f(y)))), None)
        linear = ("and its part proportional to grad_out is right" if right else
                  "and adds -grad_out" if holds(lambda y, off, M: near(M, -np.eye(y.size))) else
                  "and its part proportional to grad_out is wrong too")
        if said == "y, the softmax output" and linear == "and adds -grad_out":
            core.fail(start + "your backward returns y - grad_out: that is the gradient of the cross-entropy "
                      "through the softmax, p - onehot, with grad_out in the place of the targets; "
                      "Softmax.backward alone returns J^T grad_out = y * (grad_out - sum(grad_out * y, axis=1, "
                      "keepdims=True)), 0 when grad_out = 0", "softmax-backward-is-ce-gradient")
        core.fail(start + f"with grad_out = 0 your backward returns {said or 'non-zero values'} instead of 0 "
                  f"({linear}): a term is added without the factor grad_out; the result is J^T grad_out, "
                  f"J = diag(y) - y y^T", "term-without-grad-out")
    if not _softmax_backward_linear(cls):
        return                  # the readings below assume a linear backward: judged after the other readings
    # linear in grad_out but the Jacobian differs: where and how
    if holds(lambda y, off, M: near(M - np.diag(y), np.full_like(M, -(y @ y)))):
        core.fail(start + "your Jacobian is diag(y) - sum(y**2) in every entry: the outer product y y^T was "
                  "computed as the scalar y @ y (np.dot or @ of two 1-D vectors is their dot product): use "
                  "np.outer(y, y) for y_i y_j, or better the product y * (g - sum(g * y)) without J",
                  "outer-product-as-scalar")
    if holds(lambda y, off, M: near(M - np.diag(np.diag(M)), np.zeros_like(M)) and not near(M, 0 * M)):
        core.fail(start + "your Jacobian is diagonal: the term - y y^T (every class's output depends on every "
                  "logit) is missing: J = diag(y) - y y^T", "jacobian-diagonal-only")


def _softmax_backward_on(cls, z, g):
    layer = cls()
    layer.forward(z.copy())
    return layer.backward(g.copy())


def softmax_backward(cls) -> None:
    """Softmax.backward: the Jacobian-vector product, against explicit Jacobians, judged on the
    student's own forward cache (y) when that forward is wrong."""
    rng = core.rng("lab03:softmax:backward")
    label = "Softmax"
    _calls_on_one_instance(lambda: _make(label, lambda c: c(), cls), label, "backward", _softmax_oracle,
                           _softmax_jvp_oracle)

    def case(z, g):
        def run():
            layer = _make(label, lambda c: c(), cls)
            y, raised = _prime(layer, z, label)
            if _non_finite(y):
                return  # NaN/inf cached by a wrong forward: judged in the forward's cell
            zs, gs = z.astype(np.float64), g.astype(np.float64)
            d = _backward_after(layer, g, label, y, _forward_is_wrong(y, raised, z, _softmax_oracle(zs)),
                                hint=SOFTMAX_JVP_HINT)
            if d is None:
                return
            tol = _tol(z.dtype, d.dtype, *((y.dtype,) if y is not None else ()), scale=float(np.abs(zs).max()))
            expected = _softmax_jvp_oracle(zs, gs)
            if core.close(d, expected, *core.dtype_tolerance(d, tol["rtol"], tol["atol"], float(np.abs(expected).max()))):
                return
            if y is not None and not core.close(y, _softmax_oracle(zs), **tol) \
                    and core.close(d, _jvp_from_y(y.astype(np.float64), gs), **tol):
                return          # right relative to the cached (wrong) forward output
            yo = _softmax_oracle(zs)
            name = signature(f"{label}.backward", ("grad_out",), (g,))
            _output_readings(name, "backward", d, expected, g, lambda p, gp: _softmax_backward_on(cls, p, gp),
                             _softmax_jvp_oracle)
            _rows_not_written(lambda p: _softmax_backward_at(cls, p), lambda p: _softmax_jvp_oracle(p, _probe_g(p)),
                              f"{label}.backward", "grad_out")
            _rows_by_columns(lambda p: _softmax_backward_at(cls, p), lambda p: _softmax_jvp_oracle(p, _probe_g(p)),
                             f"{label}.backward", "grad_out")
            n, c = z.shape
            diagnose_only(d, expected, name=name, **tol, diagnose={
                "softmax backward used only the diagonal of the Jacobian, y*(1-y)*g; "
                "the full product is y * (g - sum(g*y, axis=1))": yo * (1 - yo) * gs,
                "the sum in the softmax Jacobian-vector product must run over axis=1 "
                "(the classes of each sample), not over the batch":
                    yo * (gs - (gs * yo).sum(axis=0, keepdims=True)),
                "the softmax Jacobian-vector product is y * (g - sum(g*y, axis=1)): "
                "the factor y in front is missing": gs - (gs * yo).sum(axis=1, keepdims=True),
                "this is the backward of log-softmax, g - y * sum(g, axis=1) (the Jacobian of log y = z - "
                "logsumexp(z)), not of softmax: the softmax Jacobian-vector product is y * (g - sum(g * y, axis=1, "
                "keepdims=True))": gs - yo * gs.sum(axis=1, keepdims=True),
                "backward must multiply by grad_out: the result is J^T grad_out":
                    _softmax_jvp_oracle(zs, np.ones_like(gs)),
                "the per-sample sums sum(g*y, axis=1) line up with the columns (entry (i, j) uses the sum of "
                "sample j): keep them a column of shape (N, 1), keepdims=True and no transpose of it (without "
                "keepdims, or with a .T, the sums form a row (N,) or (1, N))":
                    (yo * (gs - (gs * yo).sum(axis=1)[None, :])) if n == c else None,
                "this is J @ g with J = diag(y) - y y^T of the wrong sign: the product is "
                "y * (g - sum(g*y, axis=1))": -expected,
                "sum(g*y) runs over the whole batch: sum each row over its classes, axis=1 with keepdims=True":
                    yo * (gs - (gs * yo).sum()),
                "the dot product g . y is taken per sample, sum(g*y, axis=1, keepdims=True) of shape (N, 1); "
                "grad_out @ y.T is an (N, N) matrix that mixes every pair of samples":
                    (yo * (gs - gs @ yo.T)) if n == c else None,
                "each sample has its own Jacobian diag(y_i) - y_i y_i^T: the Jacobian of the first sample was used "
                "for every row": gs @ (np.diag(yo[0]) - np.outer(yo[0], yo[0])) if n > 1 else None,
            })
            _softmax_jacobian_story(cls, label, name)
            _not_own_derivative(cls, _SOFTMAX_SPEC, label, zs, gs, d, expected, name, tol)
            if not _softmax_backward_linear(cls):
                core.fail(f"{name}: {_SOFTMAX_NOT_LINEAR}", "softmax-backward-not-linear")
            core.expect_close(d, expected, name=name, **tol)
        return run

    cases = []
    for shape in SOFTMAX_SHAPES:
        z64, g64 = rng.normal(0.0, 2.0, shape), rng.normal(0.0, 1.0, shape)
        cases += [("N == C" if shape[0] == shape[1] else None, case(z64.astype(dt), g64.astype(dt))) for dt in DTYPES]
    run_cases(cases)
    # extremes and the cache
    for dtype in DTYPES:
        z = np.array([[1000.0, -1000.0, 0.0, 999.0], [-1000.0, 1000.0, 710.0, -710.0]], dtype=dtype)
        g = np.array([[1.0, -2.0, 0.5, 3.0], [0.0, 1.0, -1.0, 2.0]], dtype=dtype)
        layer = _make(label, lambda c: c(), cls)
        y, raised = _prime(layer, z, label)
        if _non_finite(y):
            continue  # NaN/inf cached by a wrong forward: judged in the forward's cell
        zs, gs = z.astype(np.float64), g.astype(np.float64)
        d = _backward_after(layer, g, label, y, _forward_is_wrong(y, raised, z, _softmax_oracle(zs)))
        if d is None:
            continue
        tol = _tol(dtype, d.dtype, *((y.dtype,) if y is not None else ()), scale=1000.0)
        if y is not None and not core.close(y, _softmax_oracle(zs), **tol) \
                and core.close(d, _jvp_from_y(y.astype(np.float64), gs), **tol):
            continue
        core.expect_close(d, _softmax_jvp_oracle(zs, gs),
                          name=f"{label}.backward on logits up to +-1000 ({np.dtype(dtype).name})", **tol)
    keep = core.rng("lab03:softmax:backward-keeps-inputs")
    _backward_keeps_inputs(lambda: _make(label, lambda c: c(), cls), label, keep.normal(0.0, 2.0, (3, 4)),
                           keep.normal(0.0, 1.0, (3, 4)))
    _results_kept(lambda: _make(label, lambda c: c(), cls), label, "backward", "softmax")
    z1, z2, g = rng.normal(size=(2, 3)), rng.normal(size=(2, 3)), rng.normal(size=(2, 3))
    a, b = _make(label, lambda c: c(), cls), _make(label, lambda c: c(), cls)
    _cache_forward(a, z2, label)
    y1, raised = _prime(a, z1, label)
    _cache_forward(b, z2, label)
    d = _backward_after(a, g, label, y1, _forward_is_wrong(y1, raised, z1, _softmax_oracle(z1)))
    ok = d is None or core.close(d, _softmax_jvp_oracle(z1, g), **_tol(np.float64)) or (
        y1 is not None and core.close(d, _jvp_from_y(y1.astype(np.float64), g), **_tol(np.float64)))
    if not ok:
        core.fail(f"{label}.backward must use what the most recent forward call of the same "
                  f"instance cached (store it on self, not on the class or in a global)", "cache-not-per-instance")


_SOFTMAX_SPEC = Spec("Softmax", lambda cls: cls(), lambda v: v, lambda v: 1.0)
