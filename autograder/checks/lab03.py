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

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from . import core

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


def _dgelu_tanh(v: float, k: float = GELU_K, c: float = GELU_C, three: float = 3.0) -> float:
    t = math.tanh(k * (v + c * v ** 3))
    return 0.5 * (1.0 + t) + 0.5 * v * (1.0 - t * t) * k * (1.0 + three * c * v * v)


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


def _chain_rule(spec: Spec):
    """Backward that forgot grad_out: returns f'(x) instead of grad_out * f'(x)."""
    return lambda x, g: {"backward must multiply the local derivative by grad_out (chain rule)":
                         _map(spec.df, x)}


SLOPE = 0.2        # non-default LeakyReLU slope used by the checks
ALPHA = 0.7        # non-default ELU alpha used by the checks


def _s(x):
    return _map(_sig, x)


SPECS: dict[str, Spec] = {}

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
    })

SPECS["tanh"] = Spec(
    "Tanh", lambda cls: cls(), math.tanh, lambda v: 1 - math.tanh(v) ** 2,
    wrong_backward=lambda x, g: {
        "tanh'(x) = 1 - tanh(x)**2: the square is missing": g * (1 - np.tanh(x)),
        "tanh'(x) = 1 - y**2 with the output y = tanh(x), not 1 - x**2 with the input":
            g * (1 - x ** 2),
    })

SPECS["relu"] = Spec(
    "ReLU", lambda cls: cls(), lambda v: max(v, 0.0), lambda v: 1.0 if v > 0 else 0.0,
    kinks=(0.0,), kink_rule="ReLU'(0) = 0 (the derivative is 1 only for x > 0)",
    wrong_forward=lambda x: {"ReLU(x) = max(x, 0), not |x|": np.abs(x)},
    wrong_backward=lambda x, g: {
        "ReLU'(x) must be 0 for x < 0 (your derivative is 1 at x < 0)": g,
        "the ReLU derivative mask is inverted (1 at x < 0, 0 at x > 0)": g * (x < 0),
    })

SPECS["leaky_relu"] = Spec(
    f"LeakyReLU(slope={SLOPE})", lambda cls: cls(slope=SLOPE),
    lambda v: v if v > 0 else SLOPE * v, lambda v: 1.0 if v > 0 else SLOPE,
    kinks=(0.0,), kink_rule=f"LeakyReLU'(0) = slope (= {SLOPE} here): the derivative is 1 only for x > 0",
    wrong_forward=lambda x: {
        "the slope is applied to the positive side: LeakyReLU(x) = x for x > 0 and slope*x "
        "for x <= 0": np.where(x > 0, SLOPE * x, x),
        "the slope parameter is ignored (hard-coded 0.01?): use self.slope":
            np.where(x > 0, x, 0.01 * x),
    },
    wrong_backward=lambda x, g: {
        "the slope is applied to the positive side: the derivative is 1 for x > 0 and "
        "slope for x <= 0": g * np.where(x > 0, SLOPE, 1.0),
        "the slope parameter is ignored (hard-coded 0.01?): use self.slope":
            g * np.where(x > 0, 1.0, 0.01),
        "LeakyReLU'(x) for x < 0 is the slope, not 0 (that is ReLU)": g * (x > 0),
    })

SPECS["elu"] = Spec(
    f"ELU(alpha={ALPHA})", lambda cls: cls(alpha=ALPHA),
    lambda v: _elu(v, ALPHA), lambda v: _delu(v, ALPHA),
    kinks=(0.0,), kink_rule=f"ELU'(0) = alpha (= {ALPHA} here), the left derivative: 1 only for x > 0",
    wrong_forward=lambda x: {
        "ELU(x) = alpha*(exp(x)-1) for x <= 0: the -1 is missing": np.where(x > 0, x, ALPHA * np.exp(np.minimum(x, 0))),
        "the alpha parameter is ignored: use self.alpha": _map(lambda v: _elu(v, 1.0), x),
    },
    wrong_backward=lambda x, g: {
        "the ELU derivative for x <= 0 is alpha*exp(x) = y + alpha: the +alpha term is missing":
            g * _map(lambda v: 1.0 if v > 0 else _elu(v, ALPHA), x),
        "the ELU derivative for x <= 0 is alpha*exp(x), not exp(x) (alpha is missing)":
            g * np.where(x > 0, 1.0, np.exp(np.minimum(x, 0))),
    })

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
        "the SELU scale (lambda ~ 1.0507) is missing from the derivative":
            g * _map(lambda v: _delu(v, SELU_ALPHA), x),
        "for x <= 0 the SELU derivative is scale*alpha*exp(x) = y + scale*alpha: the scale is "
        "missing from the +alpha term": g * _map(
            lambda v: SELU_SCALE if v > 0 else SELU_SCALE * _elu(v, SELU_ALPHA) + SELU_ALPHA, x),
    })

SPECS["softplus"] = Spec(
    "Softplus", lambda cls: cls(), _softplus, _sig,
    wrong_backward=lambda x, g: {
        "softplus'(x) = sigmoid(x), not sigmoid(-x): check the sign": g * _s(-x),
        "softplus'(x) = sigmoid(x), not softplus(x)": g * _map(_softplus, x),
    })

SPECS["gelu"] = Spec(
    "GELU", lambda cls: cls(), _gelu, _dgelu,
    wrong_forward=lambda x: {
        "the Gaussian CDF is 0.5*(1 + erf(x/sqrt(2))): the erf argument must be x/sqrt(2), not x/2":
            _map(lambda v: 0.5 * v * (1 + math.erf(v / 2)), x),
        "the Gaussian CDF is 0.5*(1 + erf(x/sqrt(2))): the erf argument must be x/sqrt(2), not x":
            _map(lambda v: 0.5 * v * (1 + math.erf(v)), x),
        "this is the tanh approximation; GELU is the exact form x*Phi(x) with erf":
            _map(_gelu_tanh, x),
    },
    wrong_backward=lambda x, g: {
        "product rule: GELU'(x) = Phi(x) + x*phi(x); the x*phi(x) term is missing":
            g * _map(lambda v: 0.5 * math.erfc(-v / math.sqrt(2.0)), x),
        "this is the derivative of the tanh approximation; GELU needs the exact Phi(x) + x*phi(x)":
            g * _map(_dgelu_tanh, x),
    })

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
    },
    wrong_backward=lambda x, g: {
        "the derivative of the inner cubic x + 0.044715*x**3 is 1 + 3*0.044715*x**2: the "
        "factor 3 is missing": g * _map(lambda v: _dgelu_tanh(v, three=1.0), x),
        "wrong constant in the derivative: sqrt(2/pi) multiplies the inner derivative":
            g * _map(lambda v: _dgelu_tanh(v, k=1.0), x),
        "product rule: the 0.5*x*(1 - tanh(u)**2)*u' term is missing":
            g * _map(lambda v: 0.5 * (1 + math.tanh(GELU_K * (v + GELU_C * v ** 3))), x),
    })

SPECS["silu"] = Spec(
    "SiLU", lambda cls: cls(), lambda v: v * _sig(v),
    lambda v: _sig(v) * (1 + v * (1 - _sig(v))),
    wrong_forward=lambda x: {"SiLU(x) = x * sigmoid(x), not sigmoid(x)": _s(x)},
    wrong_backward=lambda x, g: {
        "product rule: SiLU'(x) = sigmoid(x) + x*sigmoid(x)*(1 - sigmoid(x)); the second "
        "term is missing": g * _s(x),
        "product rule: SiLU'(x) = sigmoid(x) + x*sigmoid'(x); the sigmoid(x) term is missing":
            g * x * _s(x) * (1 - _s(x)),
    })

# ------------------------------------------------------------------------ inputs

ELEMENTWISE_SHAPES = core.shapes((1, 5), (7, 3), (2, 3, 4))
SOFTMAX_SHAPES = core.shapes((6, 3), (1, 4), (3, 7))
EXTREMES = np.array([-1000.0, -710.0, -100.0, -89.0, -30.0, -1.0, -0.0, 0.0,
                     1.0, 30.0, 89.0, 100.0, 710.0, 1000.0])
DTYPES = (np.float64, np.float32)


def _tol(dtype) -> dict:
    """Comparison tolerance for results computed in ``dtype`` (oracle in float64)."""
    return {"rtol": 1e-6, "atol": 1e-9} if dtype == np.float64 else {"rtol": 2e-5, "atol": 2e-6}


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
    except Exception as exc:  # report, don't crash
        core.fail(f"creating {spec_or_label} raised {type(exc).__name__}: {exc}")


def _check_parameters(layer, label: str) -> None:
    params = core.call(layer.parameters, name=f"{label}.parameters()")
    if type(params) is not list or len(params) != 0:
        core.fail(f"{label}.parameters() must return an empty list: an activation has no "
                  f"trainable parameters (got {params!r:.60})")


def _forward(layer, x, label: str) -> np.ndarray:
    y = core.call(layer.forward, x, name=f"{label}.forward")
    return core.expect_array(y, name=f"{label}.forward(x) for x of dtype {x.dtype}",
                             shape=x.shape, dtype=x.dtype)


def _backward(layer, g, label: str) -> np.ndarray:
    d = core.call(layer.backward, g, name=f"{label}.backward")
    return core.expect_array(d, name=f"{label}.backward(grad_out) for grad_out of dtype {g.dtype}",
                             shape=g.shape, dtype=g.dtype)


# --------------------------------------------------------------- elementwise checks

def check_forward(cls, spec: Spec, tag: str) -> None:
    rng = core.rng(f"lab03:{tag}:forward")
    label = spec.label
    layer = _make(label, spec.make, cls)
    _check_parameters(layer, label)
    # reference points, then random inputs of several shapes, float64 then float32
    cases = [np.array([[-3.0, -1.0, -0.5, 0.25, 1.0, 2.0]])]
    cases += [rng.normal(0.0, 3.0, shape) for shape in ELEMENTWISE_SHAPES]
    for x64 in cases:
        for dtype in DTYPES:
            x = x64.astype(dtype)
            y = _forward(layer, x, label)
            xs = x.astype(np.float64)
            core.expect_close(y, _map(spec.f, xs), name=f"{label}.forward ({dtype.__name__})",
                              diagnose=spec.wrong_forward(xs), **_tol(dtype))
    # extreme inputs: no overflow warning, no NaN, still the right values
    for dtype in DTYPES:
        x = EXTREMES.astype(dtype).reshape(2, -1)
        y = _forward(layer, x, f"{label} on inputs up to +-1000")
        core.expect_close(y, _map(spec.f, x.astype(np.float64)),
                          name=f"{label}.forward on inputs up to +-1000 ({dtype.__name__})", **_tol(dtype))


def check_backward(cls, spec: Spec, tag: str) -> None:
    rng = core.rng(f"lab03:{tag}:backward")
    label = spec.label
    wrong = lambda x, g: {**spec.wrong_backward(x, g), **_chain_rule(spec)(x, g)}
    # 1. against the oracle derivative, random shapes, float64 and float32
    for shape in ELEMENTWISE_SHAPES:
        x64 = _away_from_kinks(rng, shape, spec.kinks)
        g64 = rng.normal(0.0, 1.0, shape)
        for dtype in DTYPES:
            x, g = x64.astype(dtype), g64.astype(dtype)
            layer = _make(label, spec.make, cls)
            _forward(layer, x, label)
            d = _backward(layer, g, label)
            xs, gs = x.astype(np.float64), g.astype(np.float64)
            core.expect_close(d, gs * _map(spec.df, xs), name=f"{label}.backward ({dtype.__name__})",
                              diagnose=wrong(xs, gs), **_tol(dtype))
    # 2. against centred finite differences of the student's own forward (float64)
    x = _away_from_kinks(rng, (3, 4), spec.kinks)
    g = rng.normal(0.0, 1.0, (3, 4))
    fd_layer = _make(label, spec.make, cls)

    def loss(v):
        return float(np.sum(np.asarray(fd_layer.forward(v), dtype=np.float64) * g))

    numeric = core.call(core.numerical_gradient, loss, x.copy(), name=f"{label}.forward")
    layer = _make(label, spec.make, cls)
    _forward(layer, x, label)
    d = _backward(layer, g, label)
    if core.relative_error(d, numeric) > 1e-6:
        core.fail(f"{label}.backward does not match centred finite differences of {label}.forward "
                  f"(relative error {core.relative_error(d, numeric):.2g}): forward and backward "
                  f"disagree about the derivative")
    # 3. at the kinks: the documented convention (both +0.0 and -0.0)
    if spec.kinks:
        x = np.array([[spec.kinks[0], -0.0, 1.5, -1.5]])
        g = np.array([[1.0, 2.0, 1.0, 1.0]])
        layer = _make(label, spec.make, cls)
        _forward(layer, x, label)
        d = _backward(layer, g, label)
        if not core.close(d, g * _map(spec.df, x), 1e-9, 1e-12):
            core.fail(f"{label}.backward at the kink x = 0 returned {d[0, 0]:g} for grad_out = 1: "
                      f"the documented convention is {spec.kink_rule}")
    # 4. extreme inputs: finite, right values, no warning
    for dtype in DTYPES:
        x = EXTREMES.astype(dtype).reshape(2, -1)
        g = np.ones_like(x)
        layer = _make(label, spec.make, cls)
        _forward(layer, x, f"{label} on inputs up to +-1000")
        d = _backward(layer, g, f"{label} on inputs up to +-1000")
        core.expect_close(d, _map(spec.df, x.astype(np.float64)),
                          name=f"{label}.backward on inputs up to +-1000 ({dtype.__name__})", **_tol(dtype))
    # 5. the cache: the most recent forward of *this* instance
    x1, x2 = _away_from_kinks(rng, (2, 3), spec.kinks), _away_from_kinks(rng, (2, 3), spec.kinks)
    g = rng.normal(0.0, 1.0, (2, 3))
    a, b = _make(label, spec.make, cls), _make(label, spec.make, cls)
    _forward(a, x2, label)
    _forward(a, x1, label)
    _forward(b, x2, label)
    d = _backward(a, g, label)
    if not core.close(d, g * _map(spec.df, x1), **_tol(np.float64)):
        core.fail(f"{label}.backward must use what the most recent forward call of the same "
                  f"instance cached (store it on self, not on the class or in a global)")


def _pair(name: str):
    spec = SPECS[name]

    def forward(cls) -> None:
        check_forward(cls, spec, name)

    def backward(cls) -> None:
        check_backward(cls, spec, name)

    forward.__name__, backward.__name__ = f"{name}_forward", f"{name}_backward"
    forward.__doc__ = f"{spec.label}.forward: values, dtype/shape, extremes, parameters() == []."
    backward.__doc__ = f"{spec.label}.backward: oracle, finite differences, kinks, extremes, cache."
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
    y = _softmax_oracle(z)
    out = np.empty(z.shape, dtype=np.float64)
    for i in range(z.shape[0]):
        J = np.diag(y[i]) - np.outer(y[i], y[i])
        out[i] = J.T @ np.asarray(g[i], dtype=np.float64)
    return out


def _softmax_axis0(z: np.ndarray) -> np.ndarray:
    return _softmax_oracle(np.asarray(z, dtype=np.float64).T).T


def softmax_forward(cls) -> None:
    """Softmax.forward: rows are samples, values, dtype/shape, extremes, parameters() == []."""
    rng = core.rng("lab03:softmax:forward")
    label = "Softmax"
    layer = _make(label, lambda c: c(), cls)
    _check_parameters(layer, label)
    cases = [np.array([[1.0, 2.0, 3.0, -1.0]])] + [rng.normal(0.0, 3.0, s) for s in SOFTMAX_SHAPES]
    for z64 in cases:
        for dtype in DTYPES:
            z = z64.astype(dtype)
            y = _forward(layer, z, label)
            core.expect_close(y, _softmax_oracle(z), name=f"{label}.forward ({dtype.__name__})", **_tol(dtype),
                              diagnose={
                                  "softmax normalised over the wrong axis: rows are samples, "
                                  "normalise over axis=1 (the classes of each sample)": _softmax_axis0(z),
                                  "softmax returned exp(z) without dividing by the row sum":
                                      np.exp(np.minimum(z.astype(np.float64), 700)),
                              })
    for dtype in DTYPES:
        z = np.array([[1000.0, -1000.0, 0.0, 999.0],
                      [-1000.0, -1000.0, -1000.0, -1000.0],
                      [-1000.0, 1000.0, 710.0, -710.0]], dtype=dtype)
        y = _forward(layer, z, f"{label} on logits up to +-1000")
        core.expect_close(y, _softmax_oracle(z), name=f"{label}.forward on logits up to +-1000 "
                          f"({dtype.__name__}): subtract the row maximum before exp", **_tol(dtype))


def softmax_backward(cls) -> None:
    """Softmax.backward: the Jacobian-vector product, against explicit Jacobians and finite differences."""
    rng = core.rng("lab03:softmax:backward")
    label = "Softmax"
    for shape in SOFTMAX_SHAPES:
        z64, g64 = rng.normal(0.0, 2.0, shape), rng.normal(0.0, 1.0, shape)
        for dtype in DTYPES:
            z, g = z64.astype(dtype), g64.astype(dtype)
            layer = _make(label, lambda c: c(), cls)
            _forward(layer, z, label)
            d = _backward(layer, g, label)
            zs, gs = z.astype(np.float64), g.astype(np.float64)
            y = _softmax_oracle(zs)
            core.expect_close(d, _softmax_jvp_oracle(zs, gs), name=f"{label}.backward ({dtype.__name__})",
                              **_tol(dtype), diagnose={
                                  "softmax backward used only the diagonal of the Jacobian, y*(1-y)*g; "
                                  "the full product is y * (g - sum(g*y, axis=1))": y * (1 - y) * gs,
                                  "the sum in the softmax Jacobian-vector product must run over axis=1 "
                                  "(the classes of each sample), not over the batch":
                                      y * (gs - (gs * y).sum(axis=0, keepdims=True)),
                                  "the softmax Jacobian-vector product is y * (g - sum(g*y, axis=1)): "
                                  "the factor y in front is missing": gs - (gs * y).sum(axis=1, keepdims=True),
                                  "backward must multiply by grad_out: the result is J^T grad_out":
                                      _softmax_jvp_oracle(zs, np.ones_like(gs)),
                              })
    # finite differences of the student's own forward, float64
    z, g = rng.normal(0.0, 2.0, (3, 4)), rng.normal(0.0, 1.0, (3, 4))
    fd_layer = _make(label, lambda c: c(), cls)

    def loss(v):
        return float(np.sum(np.asarray(fd_layer.forward(v), dtype=np.float64) * g))

    numeric = core.call(core.numerical_gradient, loss, z.copy(), name=f"{label}.forward")
    layer = _make(label, lambda c: c(), cls)
    _forward(layer, z, label)
    d = _backward(layer, g, label)
    if core.relative_error(d, numeric) > 1e-6:
        core.fail(f"{label}.backward does not match centred finite differences of {label}.forward "
                  f"(relative error {core.relative_error(d, numeric):.2g})")
    # extremes and the cache
    for dtype in DTYPES:
        z = np.array([[1000.0, -1000.0, 0.0, 999.0], [-1000.0, 1000.0, 710.0, -710.0]], dtype=dtype)
        g = np.array([[1.0, -2.0, 0.5, 3.0], [0.0, 1.0, -1.0, 2.0]], dtype=dtype)
        layer = _make(label, lambda c: c(), cls)
        _forward(layer, z, f"{label} on logits up to +-1000")
        d = _backward(layer, g, f"{label} on logits up to +-1000")
        core.expect_close(d, _softmax_jvp_oracle(z.astype(np.float64), g.astype(np.float64)),
                          name=f"{label}.backward on logits up to +-1000 ({dtype.__name__})", **_tol(dtype))
    z1, z2, g = rng.normal(size=(2, 3)), rng.normal(size=(2, 3)), rng.normal(size=(2, 3))
    a, b = _make(label, lambda c: c(), cls), _make(label, lambda c: c(), cls)
    _forward(a, z2, label)
    _forward(a, z1, label)
    _forward(b, z2, label)
    d = _backward(a, g, label)
    if not core.close(d, _softmax_jvp_oracle(z1, g), **_tol(np.float64)):
        core.fail(f"{label}.backward must use what the most recent forward call of the same "
                  f"instance cached (store it on self, not on the class or in a global)")
