"""Hidden checks of Lab 08 (optimisers, dropout, batch normalisation, early stopping, schedules).

One function per graded cell.  Beside the oracles, the checks test the lab's specification:

* **optimisers** work on parameter objects created with :func:`core.kernel_object` (``data``,
  ``grad``, ``decay``), read back after every call: each parameter moves by exactly the rule's step,
  in place, ``p.grad`` is never changed, the dtype is kept (float32 and float64), the state is per
  parameter (two parameters of the same shape), the step counter counts ``step()`` calls, two
  optimisers do not share state, ``opt.lr`` is read at every step, ``zero_grad`` leaves zeros of each gradient's shape and dtype;
* **layers**: training and evaluation modes, inputs never modified, shapes with N and D pairwise
  different and different from 1, a batch of 1 and odd batches, float32 and float64.

One mistake, one deduction: a cell that builds on another graded piece is judged *relative* to the
student's own version of that piece: Nesterov against the student's heavy-ball velocity, SGD's L2
term against the student's SGD fed the regularised gradient, AdamW against the student's Adam, and
batch-norm backward on caches made by the oracle.

The oracles are float64 and written step by step from the papers' update rules (dictionaries of
state, explicit loops over steps and parameters), independently of the solution's in-place
vectorised code.  Gradients are checked against centred finite differences in float64.
"""
from __future__ import annotations

import contextlib
import itertools
import math
import re

import numpy as np

from . import core
from .cases import GENERIC_DIAGNOSES as _GENERIC
from .cases import explain_factor
from .core import expect_array, expect_close, expect_scalar, fail
from .formula import explain_formula
from .isolate import explain_arguments

#: The lab asks students to write the optimisers themselves.
FORBIDDEN_IMPORTS = ("torch", "tensorflow", "jax", "keras", "sklearn", "autograd", "optax")


def _diag_id(text: str) -> str:
    """A stable diagnosis id from a sentence: its words, lower case, joined by hyphens."""
    words = re.findall(r"[a-z]+", re.sub(r"\d+(\.\d+)?", " ", text.lower()))
    return "-".join(words)[:60].strip("-") or "unnamed"



def call(fn, *args, name, **kwargs):
    """core.call, with a stable diagnosis id on every failure (input modified, not implemented, raised)."""
    try:
        return core.call(fn, *args, name=name, **kwargs)
    except core.CheckFailure as exc:
        if exc.diagnosis:
            raise
        text = str(exc)
        said = core.CheckFailure(text, "input-modified" if "modified its input" in text else
                                 "not-implemented" if "not implemented" in text else "raised")
        said.compared = getattr(exc, "compared", None)      # want= given: the judge's one-change search applies
        raise said from None


# Original references, as in core (a submission may rebind numpy names).
_copy = np.copy
_float64 = np.float64
_isfinite = np.isfinite
_array_equal = np.array_equal

# Parameter shapes of the optimiser checks: every size differs from the others and from 1, except
# the bias's leading 1 (biases are (1, out)); the last parameter has the first one's shape, so an
# optimiser that keeps its state per shape instead of per parameter mixes them up.
SHAPES = [(7, 5), (1, 5), (5, 3), (7, 5)]
DECAY = [True, False, True, True]
#: Tolerances by dtype (parameters are O(1)): float64 tight; float32 a few hundred ulps relative and 64 ulps
#: absolute (core.dtype_tolerance's rule), what a numerically sound float32 implementation meets.
_EPS32 = float(np.finfo(np.float32).eps)
TOL = {np.float64: (1e-7, 1e-9), np.float32: (256 * _EPS32, 64 * _EPS32)}

#: What each check verifies beside the oracle (graded function x property), for reports.
PROPERTIES = {
    "zero_grad": ("every p.grad zero", "p.data zeroed instead named", "shape and dtype kept (float32 and float64)", "never None", "p.data untouched",
                  "parameters of different shapes and ranks (1-D, 2-D, 4-D)",
                  "the entries left non-zero named (p.grad[0] only)", "a skipped parameter named",
                  "skipped parameters said by their place (the last ones: the loop stops early; the first ones)",
                  "the optimiser's state (velocity lists, the step counter) left alone: momentum kept across zero_grad calls",
                  "uninitialised memory (np.empty_like) caught whatever fresh memory holds: parameters sharing a "
                  "shape get the memory the previous gradient freed"),
    "sgd_momentum": ("exact step over several steps", "in place (the parameter objects change)", "p.grad untouched",
                     "float32 and float64", "dtype kept", "self.lr read at every step",
                     "state per parameter (two of the same shape)", "state kept between steps",
                     "two optimisers independent", "velocity zero at the start when built with non-zero p.grad",
                     "state arrays of each parameter's own shape (raises only together: named)",
                     "float32-rounding-sized errors in float64 named (state kept in float32; every parameter checked)",
                     "wrong exactly for the parameters of one p.decay value named",
                     "one parameter that alone did not move named",
        "unchanged parameters with momentum 0: a step scaled by mu confirmed with momentum 0.5",
        "every move the rule's times a hyperparameter at each step (lr applied twice) named",
        "state read back after steps 1 and 2 (numbers instead of arrays; raw, doubled or lr-scaled velocity) named",
        "an L2 term applied with weight_decay = 0 read back (its coefficient; p.decay used as one named)",
        "Nesterov steps taken with nesterov=False named", "a state list longer than the parameters (shared by instances) named",
        "momentum under an lr schedule: the velocity kept across a change of lr (restarted at a change named; "
        "CS231n's v <- mu v + lr g accepted)", "every move the rule's times a power of t (lr / sqrt(t)) named",
        "a step whose gradients are all zero: the velocity decays, the parameters move (a skipped step named)",
        "state arrays of p.data's dtype after the float32 run (a float64 velocity named)"),
    "sgd_nesterov": ("exact step relative to the student's own heavy-ball velocity", "in place",
                     "step decomposed on the rule's terms (lr * g, lr * mu * v): sign / missing / factor named",
                     "float32 and float64", "terms fitted in the (g, v) and the CS231n (v, v_prev) forms, two wrong terms described",
        "Nesterov and heavy-ball steps both applied named",
        "one quantity (g, v, v_prev) substituted in one term of either form named",
        "a reading that fits one step only comes after the term decomposition, said as such"),
    "sgd_weight_decay": ("relative to the student's SGD fed g + lambda * theta",
                         "plain SGD step decomposed on lr * g and lr * lambda * theta", "p.decay respected",
                         "plain / momentum / Nesterov", "float32 and float64", "p.grad untouched", "p.decay test inverted named",
                         "an L2 term that is one number per parameter (the penalty's value) named",
                         "the L1 (sign) and 2 * lambda * theta penalty gradients read back and named"),
    "rmsprop": ("exact step", "state used before its update named", "eps outside the division named",
                "alpha and eps used (tiny gradients)", "state kept between steps",
                "self.lr read at every step", "in place", "p.grad untouched", "float32 and float64",
                "running average read back from the steps (weights of s and g**2 named)",
                "which hyperparameter's term is wrong (isolate on lr, eps)",
        "a denominator reduced to one number per parameter named", "the sign of g lost named",
        "'state not kept' only when a new optimiser's first step reproduces the step",
        "a state list of numbers instead of arrays named", "a bias-corrected running average (Adam's correction) named",
        "the (1 - alpha) factor missing on g**2 read back and named (before a reading that fits one step only)",
        "a step whose gradients are all zero: s decays (a skipped step named)",
        "state arrays of p.data's dtype after the float32 run (a float64 s named)"),
    "adam": ("exact step (Kingma & Ba)", "correction of v outside the root / raw g for m_hat named",
             "bias correction", "step counter counts step() calls",
             "state per parameter", "state kept between steps", "m and v separate", "coupled L2 only for p.decay",
             "defaults", "self.lr read at every step", "two optimisers independent", "in place",
             "p.grad untouched", "float32 and float64",
             "beta1 / beta2 mixed up named (right only when equal)", "beta and 1 - beta swapped named (right only at 0.5)",
             "step counter + 1 in the corrections named", "which hyperparameter's term is wrong (isolate on lr, eps)",
             "weight-decay term with zero gradients (built from p.grad named)", "p.decay test inverted named",
        "bias corrections read back from the steps and named (power missing, multiplied, none)",
        "folded form without the root of the v correction named (combined factor read back)",
        "the one place (of six) where beta1 and beta2 are mixed up named",
        "a moment overwritten at every step read back from the state named",
        "a step whose gradients are all zero: t advances, the step is taken (t not advanced / step skipped named)",
        "the averaged quantity of v read back from the steps ((g - m)**2, |g|, m**2) named",
        "steps scaled by a power of t (lr / sqrt(t)) named",
        "state arrays of p.data's dtype after the float32 run (float64 m or v named)",
        "the L1 (sign) and 2 * lambda * theta penalty gradients read back and named"),
    "adamw": ("relative to the student's own Adam", "decay times lr on theta before the step", "p.decay respected",
              "float32 and float64", "p.decay test inverted named",
        "a broken Adam that fails alone costs the adam cell only", "Adam's step missing named", "decay by p.grad named",
        "a constant lr * lambda subtracted named", "decay applied twice (decoupled and as L2) named",
        "the decay uses the current opt.lr under a schedule (the constructor's lr named)",
        "beta1 / beta2 / eps handed to Adam in another order or not at all (read back from the student's Adam) named",
        "a dtype change of the student's own Adam not charged to AdamW (values judged on the float64 run)",
        "every p.grad = 0: the decay alone moves the p.decay parameters (a decay that needs a gradient named)"),
    "dropout_forward": ("kept fraction 1 - p (statistical)", "(out, mask) order named", "a mask per sample named",
                        "scale 1 / (1 - p)", "one draw per activation",
                        "mask from the rng argument (reproducible from the seed)", "a fresh mask at every call",
                        "evaluation: out = x and mask = ones", "p = 0", "batch 1", "odd sizes", "float32 and float64",
                        "dtype kept", "input not modified", "one draw for the whole array named",
        "the evaluation mask's shape named", "out made with another draw than the mask returned named",
        "a kept fraction that does not depend on p (checked at a second p) named"),
    "dropout_backward": ("oracle dout * mask", "batch 1", "float32 and float64", "inputs not modified",
        "a division by the mask confirmed on a mask without zeros",
        "an array of a shape no argument has named (state from outside the call)",
        "a shape of a matrix product of the arguments (@ for *) named"),
    "batchnorm_train": ("oracle (column by column)", "statistics used read back from out and named",
                        "biased batch variance", "running statistics (momentum "
                        "convention)", "cache triple x_hat / gamma / inv_std", "another quantity cached (x, out, ...) named",
                        "N != D", "batch 1", "odd batch",
                        "float32 and float64", "dtype kept", "inputs not modified", "defaults",
                        "statistic of the running update read back and named", "cache without eps named (eps changed)",
                        "which input the error of out comes from (isolate: x, gamma, beta)",
        "variance formulas mean(x**2) - mean(x) and mean(x**2) read back and named",
        "the cache's three quantities in another order named",
        "inv_std from the running variance (updated or given) named"),
    "batchnorm_eval": ("running statistics used and returned unchanged", "batch 1", "float32 and float64",
                       "inputs not modified", "the mean and variance used read back and named (batch mean, eps missing)",
        "a numpy warning re-run with a positive running mean: statistics swapped confirmed"),
    "batchnorm_backward": ("finite differences of the forward", "dx decomposed on its three terms (sign / missing)",
                           "columns of dx sum to 0 and are orthogonal to x_hat", "caches made by the oracle", "N != D", "batch 1",
                           "batch 2", "float32 and float64", "dgamma and dbeta keep (1, D)", "dout not modified",
                           "the judge's one change for dgamma / dbeta confirmed on two other inputs (x_hat uncentred)",
                           "dgamma / dbeta factor of the sizes or per column (gamma, inv_std) named",
                           "one intermediate in place of another in a term of dx named",
                           "which input the error of dx comes from (isolate)",
        "a per-column factor on dx or on some terms named (inv_std twice, outside the bracket)", "terms divided by N*D named",
        "two intermediates exchanged between two terms of dx named", "float32 kept in dx, dgamma and dbeta",
        "dgamma / dbeta a number equal to the sum over every entry named (no axis)"),
    "early_stopping": ("initial state", "only the first epoch wrong named", "decision / best_loss / best_epoch after every epoch", "min_delta",
                       "min_delta absolute (losses far from 1)", "ties are not improvements", "patience 1 to 3",
                       "epoch counted only on improvements named", "best_loss never increases",
                       "a decision one epoch late (taken before the count is updated) named",
                       "best_loss stored at the first epoch",
                       "two readings that agree so far decided by the later epochs (count incremented after a reset)",
                       "instances sharing state (mutable default, class attribute) confirmed with two fresh stoppers",
                       "a reading the later epochs contradict is not named alone", "best_loss stored before the comparison named",
                       "a NaN loss at epoch 1 is no improvement (best_loss stays inf; epoch 1 always an improvement named)"),
    "step_decay": ("every epoch of three schedules",
                   "the default gamma (0.1)", "% or * for // named", "step_size 1", "constant amount vs constant factor named",
                   "a constant factor equal to an argument named", "one edit of the formula named",
        "a division by zero at epoch 0 named",
        "a catalogued mistake named only when it fits every case (round vs off by one)",
        "a pure function of its arguments (the epochs asked again in reverse order)"),
    "cosine_decay": ("every epoch 0 .. total_epochs", "lr_min", "mirror image (start and end swapped) named",
                     "the / 2 dividing the cosine only (parentheses) named",
                     "one edit of the formula named (the reading two wrong cases agree on: not one an argument 0 allows)"),
    "linear_warmup": ("every epoch", "warmup_epochs 1", "ramp start / slope / first epoch at lr0 described",
                      "whole multiples of lr0 (integer division) named", "one edit of the formula named"),
    "update_ratio": ("oracle (Frobenius norms)",
                     "matrix norms (spectral, nuclear, L1, inf) named", "float32 and float64", "a (1, D) weight", "inputs not modified",
                     "sign invariance (square of a sum named)", "shape invariance (per-axis norms named)",
                     "which input the error comes from (isolate: before, after)",
        "mean of entrywise relative changes named", "division inside the first norm (precedence) named",
        "sign dependence: a sum before squaring said only when the ratio of sums fits"),
}


# =============================================================================================
# Optimiser oracles (float64, explicit per-parameter state)
# =============================================================================================

def _f64(a):
    return np.asarray(a, dtype=_float64)


#: The coupled weight decay's term read back: the gradient of another penalty than (lambda/2)||theta||^2, asked of
#: every optimiser with a weight_decay argument (SGD, Adam) through one table: message -> ``penalty`` of the oracles.
PENALTY_READINGS = {
    "the weight-decay term added to the gradient is lambda * sign(theta), the gradient of the L1 penalty lambda * "
    "||theta||_1: L1 (sign) instead of the L2 gradient lambda * theta (the gradient of (lambda/2)||theta||^2): "
    "g <- p.grad + weight_decay * p.data": "l1",
    "the weight-decay term added to the gradient is 2 * lambda * theta, the gradient of lambda * ||theta||^2: the "
    "penalty is (lambda/2)||theta||^2, whose gradient is lambda * theta: g <- p.grad + weight_decay * p.data":
        "double",
}


def _penalty_gradient(theta, penalty=""):
    """The gradient of the weight-decay penalty divided by lambda: theta (the rule), or a mistake's."""
    return np.sign(theta) if penalty == "l1" else 2 * theta if penalty == "double" else theta


def _sgd(data0, grads, decay, lr, momentum=0.0, nesterov=False, weight_decay=0.0, *, sign=1.0,
         shared_by_shape=False, old_velocity=False, decay_all=False, decay_sign=1.0, decay_half=False,
         decay_outside=False, raw_lookahead=False, decay_on_grad=False, lr_in_velocity=False, lrs=None,
         dampened=False, v0=None, lr_decay=False, decay_square=False, clip=0.0, clip_norm=0.0,
         restart_on_lr=False, penalty="", decay_twice=""):
    """Parameters after every step of SGD (PyTorch's form); keyword flags reproduce mistakes; ``v0``: the
    velocities at the start (the rule's are zero); ``penalty``: a wrong penalty gradient (see PENALTY_READINGS)."""
    theta = [_f64(d).copy() for d in data0]
    state: dict = {} if v0 is None else {i: _f64(v).copy() for i, v in enumerate(v0)}
    out = []
    for t, step in enumerate(grads):
        eta = lrs[t] if lrs is not None else lr
        if restart_on_lr and t and lrs is not None and lrs[t] != lrs[t - 1]:
            state = {}                # the velocity zeroed when the learning rate changes (a mistake)
        for i, g in enumerate(step):
            g = raw = _f64(g)
            wd = weight_decay * (0.5 if decay_half else 1.0) * decay_sign
            applies = decay[i] or decay_all
            if applies and not decay_outside:
                g = g + wd * (raw if decay_on_grad else theta[i] ** 2 if decay_square else
                              _penalty_gradient(theta[i], penalty))
            if clip:                  # gradient clipping (a training-loop tool, not part of the optimiser)
                g = np.clip(g, -clip, clip)
            if clip_norm:             # clipped by its norm (per parameter)
                g = g / max(1.0, float(np.linalg.norm(g)) / clip_norm)
            key = theta[i].shape if shared_by_shape else i
            v_old = state.get(key, np.zeros_like(theta[i]))
            if lr_in_velocity:        # v <- mu v + lr g (CS231n's velocity), look-ahead written for PyTorch's v
                v = momentum * v_old + eta * sign * g
                state[key] = v
                theta[i] = theta[i] - (eta * (g + momentum * v) if nesterov else v)
                continue
            v = (eta if lr_decay else momentum) * v_old + (1.0 - momentum if dampened else 1.0) * sign * g
            state[key] = v
            direction = (raw if raw_lookahead else g) + momentum * (v_old if old_velocity else v) if nesterov else v
            if applies and decay_outside:
                direction = direction + wd * theta[i]
            new = theta[i] - eta * direction
            if applies and wd and decay_twice:      # a decoupled decay as well (on theta before / after the step)
                new = new - eta * wd * (theta[i] if decay_twice == "before" else new)
            theta[i] = new
        out.append([x.copy() for x in theta])
    return out


#: weight_decay used twice in one optimiser (SGD, Adam): the coupled L2 term AND a decoupled decay of the parameter.
DECAY_TWICE = ("weight decay applied TWICE: the L2 term lambda * theta is in the gradient (right) AND the parameter is "
               "decayed again in the update (p.data -= lr * lambda * p.data{when}, AdamW's decoupled form): "
               "this optimiser's weight_decay is the L2 term in the gradient only; remove the second decay")
DECAY_TWICE_KW = {DECAY_TWICE.format(when=" on theta before the step"): "before",
                  DECAY_TWICE.format(when=" after the step"): "after"}


STALE = ("the step uses the {state} from BEFORE this step's gradient was added: update the state first "
         "({update}), then step with the updated value{note}")
EXPLODES = " (at the first step the old state is 0, so the step divides by eps alone and explodes)"
EPS_AFTER = ("eps is subtracted from the parameter on its own: `a / b + eps` is (a / b) + eps (operator "
             "precedence); eps belongs inside the brackets of the denominator, {expr}")

STATE_AT_ONE = ("the {state} must start at ZERO (np.zeros_like(p.data)) for every parameter; it started at "
                "ones")


def _rmsprop(data0, grads, lr, alpha=0.99, eps=1e-8, *, swap_alpha=False, no_sqrt=False,
             eps_inside=False, stateless=False, start=0.0, lrs=None, stale=False, eps_after=False, centered=False,
             corrected=False, first_square=False, adagrad=False):
    theta = [_f64(d).copy() for d in data0]
    s = [np.full_like(x, start) for x in theta]
    mean_g = [np.zeros_like(x) for x in theta]       # centered RMSProp's running mean of g (a mistake here)
    out = []
    for t, step in enumerate(grads):
        eta = lrs[t] if lrs is not None else lr
        for i, g in enumerate(step):
            g = _f64(g)
            a = 1 - alpha if swap_alpha else alpha
            new_s = g ** 2 if first_square and t == 0 else a * s[i] + (1 - a) * g ** 2
            if adagrad:                      # Adagrad's sum of every squared gradient (not RMSProp)
                new_s = s[i] + g ** 2
            used = s[i] if stale else new_s
            if corrected:                    # Adam's bias correction carried over (not part of RMSProp)
                used = used / (1 - a ** (t + 1))
            s[i] = np.zeros_like(new_s) if stateless else new_s
            if centered:
                mean_g[i] = a * mean_g[i] + (1 - a) * g
                with np.errstate(invalid="ignore"):
                    used = new_s - mean_g[i] ** 2
            if eps_after:
                with np.errstate(divide="ignore", invalid="ignore"):
                    theta[i] = theta[i] - eta * g / np.sqrt(used) - eps
                continue
            with np.errstate(divide="ignore"):
                denom = used + eps if no_sqrt else (np.sqrt(used + eps) if eps_inside else np.sqrt(used) + eps)
            theta[i] = theta[i] - eta * g / denom
        out.append([x.copy() for x in theta])
    return out


def _adam(data0, grads, decay, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0, *,
          correct_m=True, correct_v=True, t_per_param=False, t_frozen=False, swap_betas=False,
          swap_weights=False, no_sqrt=False, decay_all=False, decoupled=False, shared_mv=False,
          store_m_hat=False, store_v_hat=False, pow_paren=False, eps_inside=False, stateless=False, lrs=None,
          raw_m=False, raw_v=False, root_outside=False, raw_step=False, eps_after=False, stale="",
          corr_betas=None, t_shift=0, v_max=False, first_full="", eps_hat=False, v_from_m=False,
          decay_preconditioned=False, t_skip_zero=False, nadam=False, adamax=False, penalty="", decay_twice=""):
    """Parameters after every step of Adam (Kingma & Ba, Algorithm 1) with optional coupled L2."""
    theta = [_f64(d).copy() for d in data0]
    m = [np.zeros_like(x) for x in theta]
    v = [np.zeros_like(x) for x in theta]
    b1, b2 = (beta2, beta1) if swap_betas else (beta1, beta2)     # the moments' decay rates
    count = skipped = 0
    out = []
    for t, step in enumerate(grads, start=1):
        eta = lrs[t - 1] if lrs is not None else lr
        if t_skip_zero and not any(np.any(g) for g in step):
            skipped += 1          # the counter not advanced on a step whose gradients are all zero (a mistake)
        t -= skipped if t_skip_zero else 0
        for i, g in enumerate(step):
            if t_per_param:
                count += 1
            tt = (1 if t_frozen else (count if t_per_param else t)) + t_shift
            g = raw = _f64(g)
            applies = decay[i] or decay_all
            if applies and weight_decay and not decoupled:
                g = g + weight_decay * _penalty_gradient(theta[i], penalty)
            gm, gv = (raw if raw_m else g), (raw if raw_v else g)
            if stateless:
                m[i], v[i] = np.zeros_like(m[i]), np.zeros_like(v[i])
            m_old, v_old = m[i], v[i]
            if swap_weights:                     # True: both moments; "m" or "v": that moment only
                m[i] = (1 - b1) * m[i] + b1 * g if swap_weights != "v" else b1 * m[i] + (1 - b1) * g
                v[i] = (1 - b2) * v[i] + b2 * g * g if swap_weights != "m" else b2 * v[i] + (1 - b2) * g * g
            elif shared_mv:                      # one array for both moments: v's update reads m's
                m[i] = b1 * m[i] + (1 - b1) * g
                m[i] = v[i] = b2 * m[i] + (1 - b2) * g * g
            else:
                m[i] = b1 * m[i] + (1 - b1) * gm
                v[i] = b2 * v[i] + (1 - b2) * (m[i] * m[i] if v_from_m else gv * gv)
                if t == 1 and "m" in first_full:     # the first step sets the moment to g (no zero start)
                    m[i] = gm.copy()
                if t == 1 and "v" in first_full:
                    v[i] = gv * gv
                if v_max:                        # AMSGrad's maximum kept on v itself
                    v[i] = np.maximum(v_old, v[i])
                if adamax:                       # AdaMax's infinity norm: u <- max(beta2 u, |g|)
                    v[i] = np.maximum(b2 * v_old, np.abs(gv))
            cb1, cb2 = corr_betas(beta1, beta2) if corr_betas else (beta1, beta2)   # the corrections' betas
            c1 = (1 - cb1) ** tt if pow_paren else 1 - cb1 ** tt
            c2 = (1 - cb2) ** tt if pow_paren else 1 - cb2 ** tt
            m_used = m_old if "m" in stale else m[i]
            v_used = v_old if "v" in stale else v[i]
            m_hat = m_used / c1 if correct_m else m_used
            v_hat = v_used / c2 if correct_v else v_used
            if store_m_hat:
                m[i] = m_hat
            if store_v_hat:
                v[i] = v_hat
            if shared_mv:
                v[i] = m[i]
            with np.errstate(invalid="ignore"):     # shared m and v can go negative: that mistake's NaN
                denom = v_hat + eps if no_sqrt else (np.sqrt(v_hat + eps) if eps_inside else np.sqrt(v_hat) + eps)
                if root_outside:
                    denom = np.sqrt(v[i]) / c2 + eps
                if eps_hat:                  # Kingma & Ba's "efficient" form: eps added to sqrt(v), not sqrt(v_hat)
                    denom = np.sqrt(v_hat) + eps / math.sqrt(c2)
                if adamax:                   # AdaMax: the step divides by u itself, no correction, no root
                    denom = v[i] + eps
            if nadam:                        # NAdam's look-ahead numerator
                m_hat = beta1 * m_hat + (1 - beta1) * g / c1
            new = theta[i] - eta * (g if raw_step else m_hat) / denom
            if eps_after:
                with np.errstate(divide="ignore", invalid="ignore"):
                    new = theta[i] - eta * m_hat / np.sqrt(v_hat) - eps
            if applies and weight_decay and decoupled:
                new = new - eta * weight_decay * theta[i] / (denom if decay_preconditioned else 1.0)
            if applies and weight_decay and decay_twice:   # the L2 term AND a decoupled decay (before / after)
                new = new - eta * weight_decay * (theta[i] if decay_twice == "before" else new)
            theta[i] = new
        out.append([x.copy() for x in theta])
    return out


# =============================================================================================
# Running an optimiser on parameter objects
# =============================================================================================

def _problem(r, dtype, steps, shapes=SHAPES, small=None):
    """Initial values and a gradient per step and parameter; parameter ``small`` gets tiny gradients."""
    data0 = [r.normal(size=s).astype(dtype) for s in shapes]
    grads = []
    for _ in range(steps):
        step = [r.normal(size=s) for s in shapes]
        if small is not None:
            step[small] = step[small] * 1e-5
        grads.append([g.astype(dtype) for g in step])
    return data0, grads


def _params(data0, decay=DECAY):
    return [core.kernel_object(data=_copy(d), grad=np.zeros_like(d), decay=bool(f)) for d, f in zip(data0, decay)]


def _read(p, i, dtype, shape, what, data=None):
    """p.data (or ``data``, already read) read back and validated: array, shape, the parameter's own dtype."""
    got = expect_array(p.data if data is None else data, name=f"{what}: parameter {i}'s data", shape=shape, dtype="float", finite=False)
    if got.dtype != np.dtype(dtype):
        fail(f"{what}: parameter {i} was {np.dtype(dtype)} and is now {got.dtype}: a parameter keeps its "
             f"dtype (state from np.zeros_like(p.data), p.data -= ... in place, Python numbers for "
             f"the hyper-parameters)", "dtype-not-kept")
    if not bool(_isfinite(got).all()):
        fail(f"{what}: parameter {i} contains NaN or inf after the step", "parameter-not-finite")
    return got


_NUMERIC_HINTS = (
    ("divide by zero", "a division by zero: Adam's bias correction divides by 1 - beta**t, which is 0 "
                       "when the step counter is still 0: increment t BEFORE using it (t = 1 at the first step)"),
    ("sqrt", "a square root of a negative number: the second moment must average the SQUARED gradient "
             "(g * g), which is never negative"),
)


def _step(opt, what):
    """opt.step(), with numerical failures turned into the mistake that usually causes them."""
    try:
        return call(opt.step, name=f"{what}: step()")
    except core.CheckFailure as exc:
        text = str(exc)
        adam = what.startswith("Adam")     # only Adam has a bias correction that can be 0
        if "ZeroDivisionError" in text and adam:
            fail(f"{text}: {_NUMERIC_HINTS[0][1]}", "step-counter-zero")
        if "AttributeError" not in text and re.search(r"'(KernelObject|SimpleNamespace|types\.SimpleNamespace)'",
                                                          text):
            fail(f"{text}: step() used a PARAMETER object (the objects of self.params, with .data, .grad, .decay) "
                 f"where a state array (a velocity, a running average, a moment: np.ndarray) belongs: in a loop over "
                 f"zip(self.params, <state list>) the names come in that order, the parameter first, "
                 f"`for p, s in zip(self.params, self.square_avg)`; were the two names swapped?",
                 "parameter-used-as-state-array")
        found = re.search(r"'numpy\.ndarray' object has no attribute '(decay|grad|data)'", text)
        if found and "AttributeError" in text:
            fail(f"{text}: step() used a state ARRAY (a velocity or moment, a plain np.ndarray) where a parameter "
                 f"belongs (p.{found.group(1)} is an attribute of the parameter objects of self.params only): in a "
                 f"loop over zip(self.params, self.velocity) the names come in that order, the parameter first, "
                 f"`for p, v in zip(self.params, self.velocity)`; were the two names swapped?",
                 "state-array-used-as-parameter")
        if "numerically stable" in text:
            for (needle, hint), diagnosis in zip(_NUMERIC_HINTS, ("step-counter-zero", "second-moment-negative")):
                if needle in text and (adam or diagnosis != "step-counter-zero"):
                    fail(f"{exc.headline}: {hint}", diagnosis)
        raise


STATE_PER_PARAMETER = ("each parameter needs its own state array, of ITS shape and dtype: build the list with one "
                       "new array per parameter, [np.zeros_like(p.data) for p in params] "
                       "([np.zeros_like(params[0].data)] * n repeats ONE array, of the first parameter's shape)")


def _step_checked(opt, what, make, data0, grads, decay):
    """_step; when it raises with several parameters of different shapes while the same optimiser
    steps each of them alone, the state is not kept per parameter (one array shared, or its shape)."""
    try:
        return _step(opt, what)
    except core.CheckFailure as exc:
        shapes = [tuple(np.shape(d)) for d in data0]
        _matrix_square(exc, make, data0, decay, what)
        if str(exc.diagnosis).startswith("raised") and len(set(shapes)) > 1 and \
                _steps_alone(make, data0, grads, decay):
            fail(f"{exc}: step() works on each parameter alone and raises with parameters of shapes "
                 f"{', '.join(map(str, shapes))} together: {STATE_PER_PARAMETER}", "state-not-per-parameter")
        raise


def _matrix_square(exc, make, data0, decay, what) -> None:
    """A step that raises a broadcast or matmul error whose shapes are those of g @ g.T or g.T @ g for a
    non-square parameter g of shape (m, n) ((m, m) or (n, n) beside (m, n)), or a matmul of g with itself ((m, n)
    @ (m, n)), while the same optimiser steps square parameters without raising (a second input, every shape
    square): the square of the gradient (RMSProp's s, Adam's v...) is a matrix product.  Asked of every
    optimiser through _step_checked."""
    text = str(exc).split(" (raised at")[0]
    if "broadcast" not in text and "matmul" not in text:
        return
    quoted = {tuple(int(v) for v in re.findall(r"\d+", g)) for g in re.findall(r"\(([\d,\s]+)\)", text)}
    core_dims = re.search(r"size (\d+) is different from (\d+)", text)
    found = None
    for shape in {tuple(np.shape(d)) for d in data0}:
        if len(shape) != 2 or shape[0] == shape[1]:
            continue
        m, n = shape
        if "broadcast" in text and shape in quoted and ((m, m) in quoted or (n, n) in quoted):
            found = (shape, (m, m) if (m, m) in quoted else (n, n))
        elif "matmul" in text and core_dims and {int(core_dims.group(1)), int(core_dims.group(2))} == {m, n}:
            found = (shape, None)
        if found:
            break
    if found is None:
        return
    r = core.rng("lab08.matrix-square")
    square = [r.normal(size=(k, k)).astype(np.asarray(data0[0]).dtype) for k in (3, 4)]
    try:
        params = _params(square, [False, False])
        opt = call(make, params, name=f"{what} [square parameters]")
        for _ in range(2):
            _set_grads(params, [r.normal(size=d.shape).astype(d.dtype) for d in square])
            _step(opt, f"{what} [square parameters]")
    except core.CheckFailure as again:
        if "numerically stable" not in str(again):    # a warning (sqrt of a negative entry) is no raise
            return
    (m, n), product = found
    said = (f"{product} is the shape of g @ g.T (or g.T @ g) for a gradient g of shape {(m, n)}" if product else
            f"a matrix product of g with itself needs its columns to match its rows: {n} columns, {m} rows")
    fail(f"{exc}: step() raises with a parameter of shape {(m, n)} and runs (raises no error) with square parameters (3 x 3, 4 x 4): "
         f"{said}: a square of the gradient is elementwise (g * g or g ** 2, np.square(g)), not the matrix product @ "
         f"(which for a square g runs and gives other numbers, even negative ones): every entry's running average of squares uses that "
         f"entry's gradient alone", "gradient-squared-by-matmul")


def _held_state(opt, names) -> dict:
    """The optimiser's per-parameter state lists under ``names`` (plain copies; absent names left out)."""
    out = {}
    for name in names:
        try:
            held = getattr(opt, name, None)
            if held is not None:
                out[name] = [np.array(e) if np.ndim(e) else e for e in held]      # copies: arrays change in place
        except (core.CheckFailure, TypeError, ValueError):
            continue
    return out


def _state_probe(make, data0, grads, what, exc, rules, decay=DECAY, values=True) -> None:
    """Which STATE a failed step got wrong: build the optimiser on fresh parameters, read its per-parameter state
    lists (``rules``: name -> (the rule in words, the rule's state after step 1 per parameter, {reading: state})) right
    after construction and after step 1. A list holding numbers instead of one array per parameter (the state is
    then rebound, never stored), or a state after step 1 equal to a reading (and not to the rule) names the line."""
    try:
        params = _params(data0, decay)
        opt = call(make, params, name=what)
        one_pass = _state_one_pass(opt, rules)
        held0 = _held_state(opt, rules)
        _set_grads(params, grads[0])
        _step(opt, what)
        held1 = _held_state(opt, rules)
        held2 = {}
        if len(grads) > 1:
            _set_grads(params, grads[1])
            _step(opt, what)
            held2 = _held_state(opt, rules)
    except core.CheckFailure:
        return
    if one_pass:
        name, kind = one_pass
        _fail_one_pass(exc, name, kind, len(data0))
    shapes = [np.shape(d) for d in data0]
    for name, (rule, want, readings) in rules.items():
        h0, h1 = held0.get(name), held1.get(name)
        if h0 is not None and len(h0) > len(shapes):
            fail(f"{str(exc).split(': parameter')[0]}: right after construction, self.{name} holds {len(h0)} entries for "
                 f"{len(shapes)} parameters: the list is not this optimiser's own, it keeps the entries of optimisers "
                 f"built before (a class attribute `{name} = []` shared by every instance and extended in __init__, or "
                 f"a list reused across optimisers), so zip(self.params, self.{name}) pairs the parameters with "
                 f"another optimiser's state; create a new list in __init__, self.{name} = [np.zeros_like(p.data) "
                 f"for p in self.params]", "state-list-shared")
        if h0 is None or len(h0) != len(shapes):
            continue
        number = next((i for i, (e, sh) in enumerate(zip(h0, shapes)) if np.ndim(e) == 0 and sh != ()), None)
        if number is not None:
            kept = h1 is not None and len(h1) == len(h0) and np.ndim(h1[number]) == 0 and h1[number] == h0[number]
            value = repr(float(h0[number])) if np.isreal(h0[number]) else repr(h0[number])
            fail(f"{what}: self.{name}[{number}] is {value}, a number, not an array of parameter {number}'s "
                 f"shape {shapes[number]}{' (and still ' + value + ' after step 1)' if kept else ''}: "
                 f"updating a number in place is impossible (`s *= alpha` or `v *= mu` on a number makes a NEW number "
                 f"bound to the loop's local name), so the state is never stored between steps; create one array per "
                 f"parameter in __init__, [np.zeros_like(p.data) for p in self.params], and update those arrays in "
                 f"place", "state-not-arrays")
        _state_starts_at_zero(what, name, rule, h0, shapes)
        if not values or h1 is None or len(h1) != len(shapes) or any(np.shape(e) != sh for e, sh in zip(h1, shapes)):
            continue
        got = [np.asarray(e, _float64) for e in h1]
        rtol, atol = TOL[np.float64]
        if all(core.close(g, w, rtol, atol) for g, w in zip(got, want)):
            _state_overwritten(what, exc, name, rule, want, held2.get(name), grads, data0)
            continue                    # this state is right after step 1
        for reading, value in readings.items():
            if all(core.close(g, w, rtol, atol) for g, w in zip(got, value)):
                head = str(exc).split(": parameter")[0]
                fail(f"{head}: self.{name} after step 1 holds {reading}, where the rule gives {rule} (read back from "
                     f"your optimiser's state on fresh parameters)", "state-" + _diag_id(reading)[:40])


def _state_starts_at_zero(what, name, rule, held0, shapes) -> None:
    """Every optimiser's per-parameter state is zero at the start (the docstrings): read right after construction,
    before any step, a state array holding something else (eps 'to avoid a division by zero', ones) is told."""
    if any(np.shape(e) != sh for e, sh in zip(held0, shapes)):
        return
    try:
        arrays = [np.asarray(e, _float64) for e in held0]
    except (TypeError, ValueError):
        return
    bad = next((i for i, a in enumerate(arrays) if a.size and np.any(a != 0)), None)
    if bad is None:
        return
    a = arrays[bad]
    filled = f"holds {float(a.flat[0]):.4g} in every entry" if np.all(a == a.flat[0]) else \
        f"holds non-zero entries (largest |entry| {float(np.max(np.abs(a))):.4g})"
    fail(f"{what}: wrong steps, and right after construction, before any step, self.{name}[{bad}] {filled}: {name} does not start at "
         f"zero; the state must start at zero ({rule}, from {name} = 0: after step 1 it holds the new gradient's term "
         f"alone); "
         f"a non-zero start is not needed to avoid a division by zero (eps in the denominator does that): "
         f"self.{name} = [np.zeros_like(p.data) for p in self.params]", "state-not-zero-at-start")


#: Kernel-side probe: which of an optimiser's state attributes are one-pass iterators (a generator expression,
#: map, zip, filter, iter(...)): iterating one uses it up, so a zip over it in step() is empty from the second step.
_ONE_PASS = '''
def one_pass(opt, names):
    out = {}
    for name in list(names) + sorted(vars(opt)):
        held = getattr(opt, name, None)
        try:
            if held is not None and iter(held) is held:
                out[name] = type(held).__name__
        except TypeError:
            pass
    return out
'''


def _fail_one_pass(exc: BaseException, name: str, kind: str, count: int) -> None:
    """The failed step ``exc`` explained by optimiser state that is a one-pass iterator (``self.<name>``)."""
    head = str(exc).split(": parameter")[0].split(": the parameters did not change")[0]
    fail(f"{head}: right after construction, self.{name} is a {kind} (a one-pass iterator), not a list of "
         f"{count} arrays shaped like each p.data: the optimiser state is a generator, used up after the "
         f"first step (the loop of step() over zip(self.params, self.{name}) consumes it, and from the second "
         f"step on the zip is empty, so nothing moves); build a LIST in __init__, self.{name} = "
         f"[np.zeros_like(p.data) for p in self.params] (square brackets, not parentheses)",
         "state-one-pass-iterator")


def _state_one_pass(opt, rules):
    """(name, type) of the first per-parameter state held in a one-pass iterator right after construction (the
    first step() uses it up: zip(self.params, self.m) is then empty, and from the second step on nothing moves)."""
    try:
        found = dict(core.kernel_functions(_ONE_PASS)["one_pass"](opt, list(rules)))
    except Exception:   # a probe that fails says nothing
        return None
    return next(iter(found.items()), None)


def _one_pass_state(make, data0, what, exc) -> None:
    """Asked first after a failed step: an optimiser attribute (its state) that is a one-pass iterator right after
    construction explains any later reading (nothing moves from the second step on, whatever the rule)."""
    try:
        opt = call(make, _params(data0), name=what)
    except core.CheckFailure:
        return
    found = _state_one_pass(opt, ())
    if found:
        name, kind = found
        _fail_one_pass(exc, name, kind, len(data0))
    _state_form(opt, data0, what)


#: Kernel-side probe: the optimiser's state under the usual names right after construction that is not a list of
#: one entry per parameter: (name, "array", shape) for one array, (name, "list", length) for another length.
_STATE_FORM = '''
def state_form(opt, names, n):
    import numpy as np
    out = []
    for name in names:
        held = getattr(opt, name, None)
        if isinstance(held, np.ndarray):
            out.append((name, "array", tuple(int(k) for k in held.shape)))
        elif isinstance(held, list) and len(held) != n:
            out.append((name, "list", len(held)))
    return out
'''


def _state_form(opt, data0, what) -> None:
    """Every optimiser's per-parameter state is a list of one array per parameter, shaped like its p.data (the
    docstrings): read right after construction, a state that is ONE array (the last parameter's shape: assigned in
    a loop over the parameters, each pass rebinding it) or a list of another length is told."""
    try:
        found = [tuple(f) for f in core.kernel_functions(_STATE_FORM)["state_form"](opt, list(_STATE_NAMES),
                                                                                    len(data0))]
    except Exception:   # a probe that fails says nothing
        return
    shapes = [tuple(np.shape(d)) for d in data0]
    for name, kind, size in found:
        if kind == "array":
            last = size == shapes[-1] and shapes.count(size) == 1
            fail(f"{what}: right after construction (before any step), self.{name} is ONE array of shape {size}"
                 f"{', the LAST parameter' + chr(39) + 's shape' if last else ''}, not a list of {len(shapes)} arrays, "
                 f"one per parameter shaped like its p.data {shapes}: the state is per parameter"
                 + (f" (assigned inside a loop over the parameters in __init__? each pass rebinds self.{name} and the "
                    f"last one stays)" if last else "")
                 + f"; build the whole list at once: self.{name} = [np.zeros_like(p.data) for p in self.params]",
                 "state-one-array")
        if kind == "list" and size < len(shapes):
            fail(f"{what}: right after construction (before any step), self.{name} holds {size} entries for "
                 f"{len(shapes)} parameters: the state is per parameter, one array shaped like each p.data; "
                 f"self.{name} = [np.zeros_like(p.data) for p in self.params]", "state-list-short")


#: Kernel-side probe: the optimiser's per-parameter state (any attribute that is a list, tuple or dict of as many
#: entries as parameters, holding arrays) whose arrays do not have the dtype and shape of their parameter's p.data.
_STATE_DTYPES = '''
def state_dtypes(opt, params):
    import numpy as np
    out = []
    n = len(params)
    for name, held in sorted(vars(opt).items()):
        if isinstance(held, dict):
            held = list(held.values())
        if not isinstance(held, (list, tuple)) or len(held) != n or n == 0:
            continue
        if not any(isinstance(e, np.ndarray) for e in held):
            continue
        for i, (e, p) in enumerate(zip(held, params)):
            d = np.asarray(p.data)
            if isinstance(e, np.ndarray) and e.shape == d.shape and e.dtype != d.dtype:
                out.append((name, i, str(e.dtype), str(d.dtype), tuple(d.shape)))
                break
    return out
'''


def _state_dtype(opt, params, what) -> None:
    """Asked after a float32 run whose values passed (one kernel call): every state array the docstring describes
    ("an array of the shape and dtype of p.data") has its parameter's dtype."""
    try:
        found = list(core.kernel_functions(_STATE_DTYPES)["state_dtypes"](opt, list(params)))
    except Exception:   # a probe that fails says nothing
        return
    if found:
        name, i, got, want, shape = found[0]
        fail(f"{what}: after the steps, self.{name}[{i}] (the state of parameter {i}, shape {shape}) is an array of "
             f"dtype {got}, where p.data is {want}: the docstring asks for state of the shape and dtype of p.data "
             f"(np.zeros_like(p.data), without a dtype= argument; dtype=float means float64); the values passed, "
             f"but a {got} state doubles the memory and turns every update into {got} arithmetic",
             "state-dtype-not-kept")


_IN_PLACE = '''
def step_in_place(opt, params):
    held = [p.data for p in params]
    opt.step()
    return [p.data is a for p, a in zip(params, held)]
'''


def _in_place(make, data0, grads, what, decay=DECAY) -> None:
    """Asked of every optimiser (the conventions: step() "updates every p.data in place"; a model's layers hold the
    arrays themselves): one step on fresh parameters, then is each p.data still the array it held before the step?
    A step that rebinds p.data (p.data = p.data - ...) gives right values on the parameter object while the array a
    layer holds never moves.  Cheap: one step."""
    params = _params(data0, decay)
    opt = call(make, params, name=what)
    _set_grads(params, grads[0])
    try:
        kept = [bool(k) for k in core.kernel_functions(_IN_PLACE)["step_in_place"](opt, params)]
    except Exception:   # a step that raises is judged by the cases
        return
    rebound = [i for i, k in enumerate(kept) if not k]
    if not rebound:
        return
    decayed = [i for i, f in enumerate(decay) if f]
    where = (" (only the parameters with p.decay = True: the weight-decay line rebinds)"
             if rebound == decayed and len(decayed) < len(kept) else "")
    fail(f"{what}: step() did not update p.data in place: after one step, p.data of parameter"
         f"{'s' if len(rebound) > 1 else ''} {', '.join(map(str, rebound))} is a NEW array{where}: an assignment "
         f"p.data = ... rebinds the attribute, so the array the parameter held before the step (the one a model's "
         f"layer holds) never moves; change that array itself: p.data -= ... (or p.data *= ..., p.data[...] = ...)",
         "step-not-in-place")


def _steps_alone(make, data0, grads, decay) -> bool:
    for i, d in enumerate(data0):
        try:
            params = _params([d], [decay[i]])
            opt = call(make, params, name="optimiser [one parameter]")
            _set_grads(params, [grads[0][i]])
            _step(opt, "optimiser [one parameter]")
        except core.CheckFailure:
            return False
    return True


def _set_grads(params, step):
    core.scatter(params, "grad", [_copy(g) for g in step])     # one request for all parameters


def _collect(params, step, what, dtype):
    """The parameters after a step, with the properties every step must keep (grad, dtype, finite)."""
    datas = core.gather(params, "data")       # the parameters are kernel objects: one request each list
    for i, held in enumerate(core.gather(params, "grad")):
        grad = expect_array(held, name=f"{what}: parameter {i}'s grad after step()", shape=step[i].shape,
                            dtype=None, finite=False)
        if not core.close(grad, step[i], 0, 0):
            fail(f"{what}: step() changed p.grad of parameter {i}: step must only read the gradient "
                 f"(careful: `g = p.grad` then `g += ...` writes into p.grad; write g = p.grad + ...)", "step-changed-grad")
    return [np.array(_read(p, i, dtype, step[i].shape, what, datas[i])) for i, p in enumerate(params)]


def _coefficient_words(name, c, hyper) -> str | None:
    """How a term's fitted coefficient ``c`` differs from the rule's 1, in words (None when it is 1)."""
    if abs(c - 1) <= 1e-4:
        return None
    if abs(c + 1) < 1e-4:
        return f"the term {name} has the wrong sign"
    if abs(c) < 1e-4:
        return f"the term {name} is missing"
    if abs(c - 2) < 1e-4:
        return f"the term {name} is counted twice"
    for label, h in (hyper or {}).items():
        if h and abs(c / h - 1) < 1e-4:
            return f"the term {name} is multiplied by {label} = {h:g} once more than the rule says"
        if h and abs(c * h - 1) < 1e-4:
            return f"the term {name} is divided by {label} = {h:g}"
        if h and abs(c - (1 + h)) < 1e-4:
            return f"the term {name} is multiplied by (1 + {label}) = {1 + h:g}"
    return f"the term {name} is {c:.4g} times what the rule says"


def _decompose(got, before, terms, hyper) -> str | None:
    """Write the student's moves (theta before - theta after, every step and parameter) as a combination
    of the rule's terms (``terms(k, i, theta_before)``: name -> the term's share of the move); when the
    combination explains every move exactly, say which terms' coefficients are not 1 (sign, missing, twice,
    an extra factor that equals a hyperparameter).  ``terms`` may be a tuple of such functions (the same
    rule written with other terms, e.g. Nesterov with v and v_prev): the first one that explains the moves
    with the fewest wrong terms is used."""
    found = []
    for fn in (terms if isinstance(terms, tuple) else (terms,)):
        wrong = _fit_terms(got, before, fn)
        if wrong:
            said = [_coefficient_words(n, c, hyper) for n, c in wrong]
            if not any(w.endswith("times what the rule says") for w in said):
                break       # every coefficient has a plain reading: these are the student's terms
            found.append(said)
    else:
        if not found:
            return None
        said = min(found, key=len)
    rest = "every other term of the rule is right" if len(said) == 1 else "your moves are exactly this combination"
    return f"{' and '.join(said)} ({rest})"


def _fit_terms(got, before, terms) -> list | None:
    """The terms whose least-squares coefficient is not 1, when the fit explains every move exactly."""
    rows, target = [], []
    names = None
    for k, step in enumerate(got):
        for i, value in enumerate(step):
            parts = terms(k, i, _f64(before[k][i]))
            names = names or list(parts)
            rows.append(np.stack([_f64(parts[n]).ravel() for n in names], axis=1))
            target.append((_f64(before[k][i]) - _f64(value)).ravel())
    if not names:
        return None
    A, y = np.concatenate(rows), np.concatenate(target)
    if not (np.isfinite(A).all() and np.isfinite(y).all()):
        return None
    coef, *_ = np.linalg.lstsq(A, y, rcond=None)
    if np.linalg.matrix_rank(A) < len(names) or not core.close(A @ coef, y, 1e-5, 1e-9 * max(1.0, float(np.abs(y).max()))):
        return None
    wrong = [(n, float(c)) for n, c in zip(names, coef) if abs(c - 1) > 1e-4]
    return wrong if 0 < len(wrong) <= 2 else None


def _decay_branch(got, expected, dtype, decay) -> str:
    """' (only the parameters with p.decay False are wrong ...)' when the wrong parameters are exactly those of
    one p.decay value (the branch of the other value is right), else ''."""
    if decay is None or len(decay) != len(got[0]):
        return ""
    rtol, atol = TOL[dtype]
    wrong = {i for step, want in zip(got, expected) for i, (g, w) in enumerate(zip(step, want))
             if not core.close(g, w, rtol, atol)}
    for flag in (False, True):
        those = {i for i, f in enumerate(decay) if bool(f) == flag}
        if wrong and wrong == those and len(those) < len(decay):
            return (f" (only the parameters with p.decay {flag}, {sorted(those)}, are wrong; those with p.decay "
                    f"{not flag} are right: the code path taken when p.decay is {flag} differs from the rule)")
    return ""


def _float32_rounding(value, want, dtype) -> bool:
    """A float64 run whose errors are of the size of float32 rounding (a few float32 ulps of the values)."""
    if np.dtype(dtype) != np.float64:
        return False
    err = float(np.max(np.abs(_f64(value) - want)))
    scale = float(np.max(np.abs(want))) or 1.0
    return 0 < err <= 8 * _EPS32 * scale


def _judge(got, before, expected, what, dtype, diagnose, terms=None, hyper=None, decay=None, fresh=None, grads=None,
           lrs=None):
    try:
        _judge_steps(got, before, expected, what, dtype, diagnose, terms, hyper, fresh, grads, lrs)
    except core.CheckFailure as exc:
        # Rounding-sized errors can leave a small parameter exact by chance: no branch read from them.
        branch = "" if exc.diagnosis == "state-in-float32" else _decay_branch(got, expected, dtype, decay)
        if branch:
            raise core.CheckFailure(f"{exc}{branch}", exc.diagnosis) from None
        raise


def _judge_steps(got, before, expected, what, dtype, diagnose, terms=None, hyper=None, fresh=None, grads=None,
                 lrs=None):
    """Compare the student's parameters after every step with ``expected``; name the first mismatch.

    ``got[k][i]`` is parameter i after step k, ``before[k][i]`` before it.  A diagnosis whose
    trajectory explains every step wins over one that only explains the step that went wrong (two
    mistakes can coincide at the first step and part later).  ``fresh(k)``, when given, is what a NEW
    optimiser does in one step from the parameters and gradients of step k (confirms "state not kept").
    """
    rtol, atol = TOL[dtype]
    for k, step in enumerate(got):
        for i, value in enumerate(step):
            want = expected[k][i]
            if core.close(value, want, rtol, atol):
                continue
            if k > 0:       # a step that did not move after steps that did: a reading of every step goes first
                for msg, wrong in diagnose.items():
                    if all(core.close(g, w, rtol, atol) for gs, ws in zip(got, wrong) for g, w in zip(gs, ws)):
                        fail(f"{what}: parameter {i} after step {k + 1}: {msg}", _diag_id(msg.split(":")[0]))
            if core.close(value, before[k][i], 0, 0) and not core.close(want, before[k][i], rtol, atol):
                moved = [j for j in range(len(step)) if not core.close(step[j], before[k][j], 0, 0)]
                if moved:
                    fail(f"{what}: parameter {i} did not change at all at step {k + 1} while parameter"
                         f"{'s' if len(moved) > 1 else ''} {moved} did: the update of this parameter is skipped or "
                         f"its step is 0 (a branch that gives it a zero gradient or no update?)", "parameter-not-moved")
                fail(f"{what}: the parameters did not change after step(): update p.data in place "
                     f"(p.data -= ...); rebinding a local name (theta = theta - ...) changes nothing",
                     "parameters-unchanged")
            for msg, wrong in diagnose.items():
                if all(core.close(g, w, rtol, atol) for gs, ws in zip(got, wrong) for g, w in zip(gs, ws)):
                    fail(f"{what}: parameter {i} after step {k + 1}: {msg}", _diag_id(msg.split(":")[0]))
            partial = None
            for msg, wrong in diagnose.items():     # explains the step that went wrong only
                if core.close(value, wrong[k][i], rtol, atol):
                    parted = next((j for j in range(k + 1, len(got)) if not all(
                        core.close(g, w, rtol, atol) for g, w in zip(got[j], wrong[j]))), None)
                    if parted is None:
                        fail(f"{what}: parameter {i} after step {k + 1}: {msg}", _diag_id(msg.split(":")[0]))
                    partial = partial or (
                        f"{what}: parameter {i} after step {k + 1}: {msg} (at step {k + 1} your step is exactly this "
                        f"one; from step {parted + 1} on it differs from this one too: that reading explains step "
                        f"{k + 1} only)", _diag_id(msg.split(":")[0]))
            named = _decompose(got, before, terms, hyper) if terms is not None else None
            if named:           # a reading of every step beats one that fits this step only
                fail(f"{what}: parameter {i} after step {k + 1}: {named}", "step-term-wrong")
            if partial:         # a reading of one step only: the checks' readers of every step go first
                said = core.CheckFailure(*partial)
                said.partial = True     # type: ignore[attr-defined]
                raise said
            _scaled_moves(got, before, expected, what, rtol, atol, lrs, hyper)
            if grads is not None:
                _one_scale(value, before[k][i], want, grads[0][k][i], grads[1], what, i, k)
                _sign_lost(value, before[k][i], want, grads[0][k][i], what, i, k)
            analysis, diagnosis = core.analyse_difference(value, want, *core.dtype_tolerance(value, rtol, atol))
            if abs(float(np.mean(_f64(value) - want))) > 0 and hyper:
                offset = _f64(value) - want
                if core.close(offset, np.full_like(offset, offset.mean()), 1e-3, 1e-12):
                    c = -float(offset.mean())
                    for label, h in {**hyper, "lr * eps": hyper.get("lr", 0) * hyper.get("eps", 0)}.items():
                        if h and abs(c / h - 1) < 1e-3:
                            fail(f"{what}: parameter {i} after step {k + 1}: every entry moved by {label} = {h:g} "
                                 f"more than the rule says, the same for all: {label} is subtracted on its own, "
                                 f"outside the step (operator precedence: a / b + {label} is (a / b) + {label}; "
                                 f"put the denominator in brackets)", "constant-term-outside")
            if _float32_rounding(value, want, dtype) and all(
                    core.close(g, w, rtol, atol) or _float32_rounding(g, w, dtype)
                    for gs, ws in zip(got, expected) for g, w in zip(gs, ws)):   # every parameter, every step
                fail(f"{what}: parameter {i} after step {k + 1} is off by float32 rounding only (largest error "
                     f"{float(np.max(np.abs(_f64(value) - want))):.3g}, a few float32 ulps) in a float64 run: some "
                     f"state or intermediate is kept in float32 (np.zeros(shape, dtype=np.float32), an "
                     f".astype(np.float32)); create the state with np.zeros_like(p.data) so it has the "
                     f"parameter's dtype", "state-in-float32")
            if k > 0:       # every parameter was right after the earlier steps
                if _restarts(fresh, k, step, rtol, atol):
                    fail(f"{what}: step {k + 1} is exactly the FIRST step a new optimiser takes from the same "
                         f"parameters and gradients: what step() keeps between calls (velocity, running averages, "
                         f"step counter) is not kept: it is re-created or reset at every call, or updated on a "
                         f"local name only (v = mu * v + g rebinds; v *= mu; v += g, or storing the new value back "
                         f"in the list, keeps it)", "state-not-kept")
                # says where (from step 2 on), not what: the judge's one-change search may add the line
                raise core.differs(value, want, f"{what}: parameter {i} is right after step 1 and wrong after step "
                                   f"{k + 1}: the part of the rule that only matters from step 2 on (the velocity "
                                   f"or running averages carried over, the step counter) differs from the rule; "
                                   f"{analysis}", "state-between-steps", name=f"{what}: parameter {i} after step "
                                   f"{k + 1}", rtol=rtol, atol=atol)
            if i > 0 and all(core.close(step[j], expected[k][j], rtol, atol) for j in range(i)):
                raise core.differs(value, want, f"{what}: parameter{'s 0 to ' + str(i - 1) if i > 1 else ' 0'} moved "
                                   f"as expected and parameter {i} did not (after step 1): each parameter has its "
                                   f"own state and its own p.decay; {analysis}", "one-parameter-wrong",
                                   name=f"{what}: parameter {i} after step {k + 1}", rtol=rtol, atol=atol)
            raise core.differs(value, want, f"{what}: parameter {i} after step {k + 1} has wrong values: {analysis}",
                               diagnosis, name=f"{what}: parameter {i} after step {k + 1}", rtol=rtol, atol=atol)


def _scaled_moves(got, before, expected, what, rtol, atol, lrs, hyper):
    """Every move (theta before - theta after, every parameter) is the rule's move times one number per step,
    and that number is a hyperparameter at every step (the learning rate of that step, mu...) or its inverse:
    that factor is applied once too often (or too few times) in the update."""
    ratios = []
    for k, step in enumerate(got):
        mine = np.concatenate([(_f64(b) - _f64(v)).ravel() for b, v in zip(before[k], step)])
        rule = np.concatenate([(_f64(b) - _f64(w)).ravel()
                               for b, w in zip(expected[k - 1] if k else before[0], expected[k])])
        norm = float(rule @ rule)
        if not norm or not np.isfinite(mine).all():
            return
        c = float(mine @ rule) / norm
        if not core.close(mine, c * rule, 1e-6, 1e-12 * max(1.0, float(np.abs(rule).max()))):
            return
        ratios.append(c)
    labels = {"lr": list(lrs) if lrs is not None else [hyper["lr"]] * len(ratios) if hyper and "lr" in hyper else None,
              **{label: [h] * len(ratios) for label, h in (hyper or {}).items() if label != "lr"}}
    for label, values in labels.items():
        if not values or not all(values):
            continue
        for power, how in ((1, "multiplied by {0} once more than the rule says ({0} applied twice, e.g. v += lr * g "
                               "and then theta -= lr * v)"), (-1, "divided by {0} (a factor {0} missing)")):
            if all(abs(c / h ** power - 1) < 1e-6 for c, h in zip(ratios, values)):
                fail(f"{what}: every step of every parameter is the rule's step {how.format(label)}: your moves are "
                     f"exactly {label}{'' if power == 1 else ' ** -1'} times the rule's at each step "
                     f"({', '.join(f'{c:.4g}' for c in ratios)})", "step-scaled-by-hyperparameter")
    if len(ratios) >= 3 and abs(ratios[0] - 1) < 1e-6:      # right at step 1, then scaled by a power of t
        for power, form in ((-0.5, "1 / sqrt(t)"), (-1, "1 / t"), (0.5, "sqrt(t)"), (1, "t")):
            if all(abs(c / (t + 1) ** power - 1) < 1e-6 for t, c in enumerate(ratios)):
                fail(f"{what}: every step of every parameter is the rule's step multiplied by {form}, with t the step "
                     f"number (your moves are {', '.join(f'{c:.4g}' for c in ratios)} times the rule's at steps 1, "
                     f"2, 3, ...): the step size decays (or grows) with t, as in lr / sqrt(t) (a schedule of the "
                     f"paper's convergence analysis); the rule's step size is lr at every step (a schedule, when "
                     f"there is one, sets opt.lr from outside)", "step-scaled-by-power-of-t")


def _one_scale(value, before, want, g, lr, what, i, k):
    """The move of every entry is the same multiple of its gradient where the rule's is not (an adaptive
    optimiser whose per-entry denominator became one number)."""
    g = _f64(g)
    big = np.abs(g) > 1e-3 * float(np.abs(g).max() or 1.0)
    if big.sum() < 3:
        return
    move, rule = (_f64(before) - _f64(value))[big] / g[big], (_f64(before) - want)[big] / g[big]
    if not np.isfinite(move).all() or not core.close(move, np.full_like(move, move.mean()), 1e-6, 1e-12):
        return
    if core.close(rule, np.full_like(rule, rule.mean()), 1e-3, 0) or abs(float(move.mean()) / lr - 1) < 1e-6:
        return              # the rule's move is proportional to g too, or the denominator is missing (lr * g)
    fail(f"{what}: parameter {i} after step {k + 1}: every entry moved by the same multiple of its own gradient "
         f"(theta - theta_new = {float(move.mean()):.4g} * g), while the rule divides each entry by its own "
         f"sqrt of the running average of g**2 (element-wise): that average, or the denominator, has become one "
         f"number for the whole parameter (np.mean, np.sum or a norm of g**2?); keep it an array of the "
         f"parameter's shape, s = alpha * s + (1 - alpha) * g * g", "denominator-one-number")


def _sign_lost(value, before, want, g, what, i, k):
    """Every entry moved by the rule's amount, but in the wrong direction exactly where the gradient is negative."""
    move, rule, g = _f64(before) - _f64(value), _f64(before) - _f64(want), _f64(g)
    neg = g < 0
    if not neg.any() or neg.all() or not core.close(np.abs(move), np.abs(rule), 1e-6, 1e-12):
        return
    if core.close(move[~neg], rule[~neg], 1e-6, 1e-12) and core.close(move[neg], -rule[neg], 1e-6, 1e-12):
        fail(f"{what}: parameter {i} after step {k + 1}: every entry moved by the right AMOUNT, but where the gradient "
             f"is negative it moved the wrong way: the sign of g is lost in the step (np.abs(g), or sqrt(g**2), in the "
             f"numerator); the step is lr * g / (...), with g's sign", "step-sign-lost")


def _restarts(fresh, k, step, rtol, atol) -> bool:
    """True when a new optimiser's first step from step k's parameters gives exactly the student's step k."""
    if fresh is None:
        return False
    try:
        again = fresh(k)
    except core.CheckFailure:
        return False
    return all(core.close(a, g, rtol, atol) for a, g in zip(again, step))


def _run(make, data0, grads, expected, what, dtype, diagnose=None, decay=DECAY, lrs=None, terms=None, hyper=None,
         adaptive_lr=None, grad0=None, state_dtype=True):
    """Build the student's optimiser on fresh parameter objects, step through ``grads``, judge.
    ``adaptive_lr``: the lr of an optimiser that divides each entry by its own denominator (RMSProp, Adam).
    ``grad0``: gradients the parameters already hold when the optimiser is built (a previous batch's)."""
    params = _params(data0, decay)
    if grad0 is not None:
        _set_grads(params, grad0)
    opt = call(make, params, name=what)
    got, before = [], []
    for k, step in enumerate(grads):
        if lrs is not None:
            opt.lr = lrs[k]
        before.append([np.array(d) for d in core.gather(params, "data")])
        _set_grads(params, step)
        _step_checked(opt, what, make, data0, grads, decay)
        got.append(_collect(params, step, what, dtype))

    def fresh(k):       # only asked after a failure: costs nothing for correct code
        ps = _params([b.astype(dtype) for b in before[k]], decay)
        opt = call(make, ps, name=what)
        if lrs is not None:
            opt.lr = lrs[k]
        _set_grads(ps, grads[k])
        _step(opt, what)
        return _collect(ps, grads[k], what, dtype)
    try:
        _judge(got, before, expected, what, dtype, diagnose or {}, terms, hyper, decay, fresh,
               None if adaptive_lr is None else (grads, adaptive_lr), lrs)
    except core.CheckFailure as exc:
        if _generic_step(exc):
            _step_counter(opt, len(grads), what)
        raise
    if state_dtype and np.dtype(dtype) != np.float64:
        _state_dtype(opt, params, what)


def _gradient_coefficients(make, data0, grads, lr, mu, what) -> None:
    """Heavy-ball momentum's step k moves the parameters by lr * sum_j mu**(k - j) * g_j.  Read back from the
    student's own steps (every parameter's entries together, least squares over g_1 .. g_k): when each step is
    exactly such a combination but its coefficients differ from mu**(k - j), they are quoted beside the rule's."""
    try:
        traj = _trajectory(make, data0, grads, what)
    except core.CheckFailure:
        return
    flat = lambda arrays: np.concatenate([_f64(a).ravel() for a in arrays])
    prev, rows = flat(data0), []
    gs = np.stack([flat(g) for g in grads], axis=1)
    for k, step in enumerate(traj):
        now = flat(step)
        u = (prev - now) / lr
        prev = now
        c, *_ = np.linalg.lstsq(gs[:, :k + 1], u, rcond=None)
        if not core.close(gs[:, :k + 1] @ c, u, 1e-7, 1e-10):
            return
        rows.append(c)
    rule = [[mu ** (k - j) for j in range(k + 1)] for k in range(len(rows))]
    if all(core.close(c, np.array(w), 1e-6, 1e-9) for c, w in zip(rows, rule)):
        return
    k = next(i for i, (c, w) in enumerate(zip(rows, rule)) if not core.close(c, np.array(w), 1e-6, 1e-9))
    shown = lambda v: "[" + ", ".join(f"{x:.4g}" for x in v) + "]"
    fail(f"{what}: read back from your steps, step {k + 1} moves the parameters by lr times a sum of the gradients "
         f"g_1 .. g_{k + 1} with coefficients {shown(rows[k])} (step 1: {shown(rows[0])}), where the rule (v = "
         f"momentum * v + g, p -= lr * v) has momentum ** (k - j) = {shown(rule[k])}: the velocity's update differs "
         f"from the rule (a factor (1 - momentum) on g, a bias correction, or a coefficient that changes with the "
         f"step?)", "momentum-coefficients-read-back")


def _step_counter(opt, k, what) -> None:
    """Asked after a failure of an optimiser that keeps Adam's state (m, v and the step counter t of the
    docstring, 0 before the first step and incremented once per step() call): t after k step() calls is k."""
    t = getattr(opt, "t", None)
    if not (hasattr(opt, "m") and hasattr(opt, "v")) or isinstance(t, bool) or not isinstance(t, (int, np.integer)):
        return
    if int(t) != k:
        how = f" ({int(t) // k} per call: advanced in two places, e.g. in a subclass's step and in Adam's?)" \
            if int(t) % k == 0 and int(t) > k else ""
        fail(f"{what}: after {k} step() calls your "
             f"opt.t is {int(t)}{how}: the step counter t goes up by exactly 1 per step() call (0 before the first "
             f"step), and the bias corrections use it: 1 - beta1 ** t, 1 - beta2 ** t", "step-counter-wrong")


def _moves(trajectory, data0):
    """True when every step of a reference trajectory changed the parameters (it can serve as one)."""
    prev = [_f64(d) for d in data0]
    for step in trajectory:
        if all(core.close(a, b, 0, 0) for a, b in zip(step, prev)):
            return False
        prev = step
    return True


def _trajectory(make, data0, grads, what, decay=DECAY):
    """The student's own parameters after every step (for checks judged relative to them)."""
    params = _params(data0, decay)
    opt = call(make, params, name=what)
    out = []
    for step in grads:
        _set_grads(params, step)
        _step(opt, what)
        out.append([np.array(expect_array(d, name=f"{what}: parameter data", shape=np.shape(g)),
                             dtype=_float64)          # a copy: p.data changes in place at the next step
                    for d, g in zip(core.gather(params, "data"), step)])
    return out


# =============================================================================================
# zero_grad
# =============================================================================================

def _zeroed_part(zeroed) -> str:
    """Which part of an array was zeroed, as the index that selects it: 'only p.grad[0] (the first index of axis
    0) is 0', or how many entries."""
    for axis in range(zeroed.ndim):
        moved = np.moveaxis(zeroed, axis, 0)
        rows = [k for k in range(moved.shape[0]) if bool(moved[k].all())]
        if rows and all(not bool(moved[k].any()) for k in range(moved.shape[0]) if k not in rows):
            index = ", ".join([":"] * axis + [str(rows[0]) if len(rows) == 1 else f"{rows}"])
            return (f"only p.grad[{index}] is 0 ({'the first' if rows == [0] else 'the last' if rows == [moved.shape[0] - 1] else 'some'} "
                    f"{'index' if len(rows) == 1 else 'indices'} of axis {axis}): an index where the whole array belongs")
    return (f"{int(zeroed.sum())} of its {zeroed.size} entries are 0, scattered in no whole row or column (a "
            f"condition on the values, or memory nobody wrote, as np.empty / np.empty_like give?)")


def _skipped_parameters(params, grads) -> None:
    """Every parameter either fully zeroed or left exactly as it was: which ones the loop skipped, said by their
    place in the list (the last ones: a range stopping early; the first ones: a range or slice starting late)."""
    held = [None if p.grad is None else np.asarray(p.grad) for p in params]
    if any(h is None or h.shape != g.shape for h, g in zip(held, grads)):
        return
    kept = [i for i, (h, g) in enumerate(zip(held, grads)) if _array_equal(h, g)]
    zeroed = [i for i, h in enumerate(held) if not h.any()]
    n = len(params)
    if not kept or not zeroed or len(kept) + len(zeroed) != n:
        return
    k = len(kept)
    if n > 2 and zeroed == [n - 1]:
        fail(f"zero_grad must set EVERY p.grad to zero: only the LAST of the {n} parameters was zeroed, parameters "
             f"{kept} kept their gradients untouched: the zeroing line runs once, after the loop, on the last "
             f"parameter the loop variable held (indent it into the loop body: for p in self.params: "
             f"p.grad[...] = 0)", "zero-grad-after-loop")
    if n > 2 and zeroed == [0]:
        fail(f"zero_grad must set EVERY p.grad to zero: only the FIRST of the {n} parameters was zeroed, parameters "
             f"{kept} kept their gradients untouched: the loop ends after its first pass (a return or break inside "
             f"the loop body?); for p in self.params: p.grad[...] = 0 visits every parameter",
             "zero-grad-first-only")
    where = (f"the last {'one' if k == 1 else f'{k}'} of the {n} parameters: the loop stops early "
             f"(range(len(self.params) - 1), self.params[:-1] or an index off by one?)" if kept == list(range(n - k, n))
             else f"the first {'one' if k == 1 else f'{k}'} of the {n} parameters: the loop starts late "
             f"(self.params[1:], range(1, ...)?)" if kept == list(range(k))
             else "the loop skips some parameters (a step in the range, a condition on the parameter?)")
    fail(f"zero_grad must set EVERY p.grad to zero: parameter{'s' if k > 1 else ''} {kept} kept {'their' if k > 1 else 'its'} "
         f"gradient{'s' if k > 1 else ''} untouched while {zeroed} were zeroed: {where}; for p in self.params: "
         f"p.grad[...] = 0 visits every parameter", "zero-grad-skips-a-parameter")


def _uninitialised(grad, old, i, others=()) -> None:
    """Entries that are neither 0 nor the old gradient, and no one number or one factor of the old gradient
    either: values nobody wrote, the memory np.empty / np.empty_like hand out (what it holds varies by run)."""
    g, o = np.asarray(grad, np.float64), np.asarray(old, np.float64)
    if g.shape != o.shape:
        return
    stray = (g != 0) & (g != o)
    if not bool(stray.any()):
        return
    vals, base = g[stray], o[stray]
    with np.errstate(all="ignore"):
        c = float(np.median(vals / base)) if np.all(base != 0) else 0.0
        scaled = abs(c) > 1e-12 and core.close(vals, c * base, 1e-9, 0)
    if bool(np.isfinite(vals).all()) and (np.unique(vals).size == 1 or scaled):
        return                      # a constant or a scaled gradient: a rule, not leftover memory
    k = tuple(int(v) for v in np.argwhere(stray)[0])
    reused = next((j for j, other in enumerate(others) if j != i and np.shape(other) == g.shape
                   and bool(np.array_equal(np.asarray(other, np.float64), g))), None)
    whose = (f" (they are exactly parameter {reused}'s old gradient: the new array got the memory that gradient "
             f"had just freed)" if reused is not None else "")
    fail(f"zero_grad must set EVERY entry of p.grad to zero: parameter {i} (shape {g.shape}) holds "
         f"{int(stray.sum())} of {g.size} values that are neither 0 nor its old gradient (e.g. {g[k]:.3g} at index "
         f"{k} where the old gradient was {o[k]:.3g}){whose}: memory nobody wrote, what np.empty / np.empty_like "
         f"give (they allocate without setting any value, so the contents change from run to run); use "
         f"np.zeros_like(p.data) or p.grad[...] = 0", "zero-grad-uninitialised")


def zero_grad(Optimizer):
    r = core.rng("lab08.zero_grad")
    for dtype in (np.float64, np.float32):
        # Parameters of every rank: a (1, D) and a (D,) bias, a matrix, a conv kernel (4-D), a scalar-like (1,);
        # then two more of the first one's shape: an array allocated without values (np.empty_like) for one of
        # them reuses the memory just freed by the previous gradient of that size, so it holds non-zero values
        # whatever the allocator had before (the first one's uninitialised memory may happen to be zeros)
        shapes = [(3, 5), (1, 5), (5, 2), (6,), (4, 3, 2, 2), (1,), (3, 5), (3, 5)]
        data0, (grads,) = _problem(r, dtype, 1, shapes=shapes)
        # Decay flags alternate: the flag is weight decay's business, and every gradient is reset whatever it says.
        flags = [i % 2 == 0 for i in range(len(shapes))]
        params = [core.kernel_object(data=_copy(d), grad=_copy(g), decay=f) for d, g, f in zip(data0, grads, flags)]
        opt = call(Optimizer, params, 0.1, name="Optimizer(params, lr=0.1)")
        try:
            call(opt.zero_grad, name="Optimizer.zero_grad()")
        except core.CheckFailure as exc:
            if "indices" in str(exc) or "index" in str(exc):
                fail(f"{exc}: zero_grad must work for parameters of ANY number of axes (here {shapes}: a bias "
                     f"(D,), a matrix, a conv kernel (C_out, C_in, KH, KW)); p.grad[:, :] assumes 2-D, "
                     f"p.grad[...] = 0 zeroes an array of any shape", "zero-grad-assumes-rank")
            raise
        left = [i for i, p in enumerate(params) if p.grad is not None and bool(np.asarray(p.grad).any())]
        for flag in (True, False):
            if left and left == [i for i, f in enumerate(flags) if f == flag]:
                fail(f"zero_grad reset only the parameters with p.decay {not flag}: the gradients of parameters {left} "
                     f"(p.decay {flag}) are untouched. Every gradient is reset, whatever the decay flag (that flag "
                     f"only says which parameters weight decay shrinks): for p in self.params: p.grad[...] = 0",
                     "zero-grad-by-decay-flag")
        _skipped_parameters(params, grads)
        for i, (p, d) in enumerate(zip(params, data0)):
            if p.grad is None:
                fail("zero_grad set p.grad to None (PyTorch's set_to_none): in this lab zero_grad keeps p.grad an "
                     "array of zeros of the shape and dtype of p.data (p.grad[...] = 0), because the backward "
                     "passes ADD into it (p.grad += ...)", "zero-grad-none")
            try:
                # finite=False: memory np.empty hands out may hold NaN or inf; _uninitialised names it below
                grad = expect_array(p.grad, name=f"parameter {i}'s grad after zero_grad()", shape=d.shape,
                                    dtype=None, finite=False)
            except core.CheckFailure as exc:
                try:
                    kind, held_shape = str(p.grad.dtype), tuple(p.grad.shape)
                except (AttributeError, TypeError, ValueError, core.CheckFailure):
                    kind, held_shape = "", None
                if kind == "object" or "ObjectDType" in kind:      # a dtype read across the kernel: its proxy
                    made = (" (np.zeros_like(p) of the PARAMETER object p, not of its array p.data, gives "
                            "exactly this: numpy sees one Python object, array(0, dtype=object))"
                            if held_shape == () else "")
                    fail(f"zero_grad left parameter {i}'s grad an array of dtype object and shape {held_shape}"
                         f"{made}, where an array of "
                         f"zeros of p.data's shape {d.shape} and dtype belongs: build it from the parameter's "
                         f"ARRAY, np.zeros_like(p.data), or zero the gradient in place, p.grad[...] = 0",
                         "zero-grad-object-array")
                fail(f"{exc}: zero_grad must leave p.grad an array of the shape of p.data "
                     f"(p.grad[...] = 0, or np.zeros_like(p.data)), not a number or None", "zero-grad-not-array")
            if grad.dtype != np.dtype(dtype):
                fail(f"zero_grad turned a {np.dtype(dtype)} gradient into {grad.dtype}: keep the dtype "
                     f"(p.grad[...] = 0 or np.zeros_like(p.grad))", "zero-grad-dtype")
            if bool((grad != 0).any()) and not _array_equal(expect_array(p.data, name=f"parameter {i}'s data"), d):
                fail(f"zero_grad changed p.data of parameter {i} and left p.grad as it was: it must zero the "
                     f"GRADIENT, p.grad[...] = 0, and never touch p.data (the values being learnt)",
                     "zero-grad-zeroed-data")
            _uninitialised(grad, grads[i], i, grads)
            zeroed = grad == 0
            if bool(zeroed.any()) and bool((~zeroed).any()) and grad.ndim:
                fail(f"zero_grad must set EVERY entry of p.grad to zero: parameter {i} (shape {grad.shape}) was zeroed "
                     f"only in part: {_zeroed_part(zeroed)}; p.grad[...] = 0 (or p.grad.fill(0)) zeroes every entry "
                     f"whatever the shape", "zero-grad-partly")
            later = [j for j, q in enumerate(params) if j > i and not bool(np.asarray(q.grad).any())]
            if bool((grad != 0).all()) and later:
                fail(f"zero_grad must set EVERY p.grad to zero: parameter {i} was not zeroed at all while parameters "
                     f"{later} were: the loop skips parameter {i} (self.params[1:], range(1, ...) or an index off by "
                     f"one?); for p in self.params: p.grad[...] = 0", "zero-grad-skips-a-parameter")
            if bool((grad != 0).any()):
                untouched = all(q.grad is not None and _array_equal(np.asarray(q.grad), g) for q, g in zip(params, grads))
                fail(f"zero_grad must set EVERY p.grad to zero: parameter {i} still has non-zero "
                     f"gradients{' (every p.grad is exactly as it was: nothing was written into them)' if untouched else ''} "
                     f"(write into p.grad itself, e.g. p.grad[...] = 0; rebinding a local name, or zeroing a COPY "
                     f"of the gradient (p.grad.copy(), np.array(p.grad)), changes nothing)", "zero-grad-not-zero")
            if not _array_equal(expect_array(p.data, name=f"parameter {i}'s data"), d):
                fail("zero_grad must not change p.data", "zero-grad-changed-data")
    _zero_sum_gradients(Optimizer)
    _state_kept(Optimizer, r)
    _zero_grad_any_rank(Optimizer)


def _zero_grad_any_rank(Optimizer) -> None:
    """p.data has ANY shape (the Parameter docstring): a 0-d parameter (shape (), a learnt scalar) beside a 1-D and a
    2-D one; zero_grad resets each gradient to zeros of its shape and dtype."""
    grads = [np.array(1.5), np.array([2.0, -1.0, 0.5]), np.array([[1.0, -2.0], [3.0, 0.25]])]
    shapes = [g.shape for g in grads]
    params = [core.kernel_object(data=np.ones_like(g), grad=g.copy(), decay=True) for g in grads]
    opt = call(Optimizer, params, 0.1, name="Optimizer(params, lr=0.1)")
    try:
        call(opt.zero_grad, name=f"Optimizer.zero_grad() with parameters of shapes {shapes}")
    except core.CheckFailure as exc:
        if "index" in str(exc):
            fail(f"{exc}: p.data (and p.grad) may have ANY shape, a 0-d array (shape (), a scalar parameter) too: "
                 f"p.grad[:] = 0 needs an axis; p.grad[...] = 0 (or p.grad.fill(0), or np.zeros_like(p.data)) "
                 f"works for every shape", "zero-grad-assumes-rank")
        raise
    for i, (p, g) in enumerate(zip(params, grads)):
        held = p.grad
        if not isinstance(held, np.ndarray) or held.shape != g.shape or held.dtype != g.dtype or bool(held.any()):
            fail(f"zero_grad with parameters of shapes {shapes} (a 0-d one first): parameter {i}'s grad is "
                 f"{held!r} after zero_grad(), where zeros of shape {g.shape} and dtype {g.dtype} belong: p.grad[...] "
                 f"= 0 works for every shape, 0-d too", "zero-grad-any-rank")


def _zero_sum_gradients(Optimizer) -> None:
    """Every gradient is reset whatever its values: gradients whose entries sum to 0 (and average 0) without being
    0, of two different shapes, beside an ordinary one. Only those two left as they were: the reset is skipped on a
    test of the values (if p.grad.sum(): ..., if p.grad.mean() != 0: ...)."""
    grads = [np.array([1.5, -0.5, -1.0, 0.0]), np.arange(1.0, 16.0).reshape(3, 5),
             np.array([[2.0, -2.0, 0.25], [-0.25, 1.0, -1.0]])]
    params = [core.kernel_object(data=np.ones_like(g), grad=g.copy(), decay=True) for g in grads]
    opt = call(Optimizer, params, 0.1, name="Optimizer(params, lr=0.1)")
    call(opt.zero_grad, name="Optimizer.zero_grad()")
    held = [None if p.grad is None else np.asarray(p.grad, np.float64) for p in params]
    kept = [i for i, (h, g) in enumerate(zip(held, grads)) if h is not None and h.shape == g.shape and
            bool(np.array_equal(h, g))]
    if kept == [0, 2] and held[1] is not None and not bool(held[1].any()):
        fail(f"zero_grad must set EVERY p.grad to zero, whatever its values: the gradients {grads[0].tolist()} and "
             f"{grads[2].tolist()} (entries summing to 0, not all 0; parameters 0 and 2 of shapes {grads[0].shape} and "
             f"{grads[2].shape}) were left as they were, while parameter 1's gradient (sum 120) was zeroed: the reset "
             f"is skipped on a test of the values (`if p.grad.sum():`, `if p.grad.mean() != 0:`?); a gradient whose "
             f"entries sum to 0 is not a zero gradient: reset every one, p.grad[...] = 0, with no condition",
             "zero-grad-skips-zero-sum")
    for i, h in enumerate(held):
        if h is None or h.shape != grads[i].shape or bool(h.any()):
            fail(f"zero_grad must set EVERY p.grad to zero: with the gradients {[g.tolist() for g in grads]}, "
                 f"parameter {i}'s gradient is {None if h is None else h.tolist()} after zero_grad() (an array of "
                 f"zeros of the shape {grads[i].shape} belongs)", "zero-grad-not-zero")


# Names a subclass commonly gives its per-parameter state (the lab's text says "velocity"; PyTorch's and the
# textbooks' names), and the step counter: zero_grad, inherited by every optimiser, must leave them all alone.
_STATE_NAMES = ("velocity", "velocities", "v", "m", "s", "state", "moments", "buf", "exp_avg", "exp_avg_sq",
                "square_avg", "cache")


def _state_kept(Optimizer, r) -> None:
    """zero_grad resets p.grad only: an optimiser's state (velocities, moments, the step counter), which a training
    loop keeps across its zero_grad() calls, is untouched. The state is set on a base Optimizer under the usual
    names, so a zero_grad that also resets a subclass's state (hasattr/getattr on 'velocity') shows here."""
    shapes = [(3, 5), (1, 5), (6,)]
    data0, (grads,) = _problem(r, np.float64, 1, shapes=shapes)
    params = [core.kernel_object(data=_copy(d), grad=_copy(g), decay=True) for d, g in zip(data0, grads)]
    opt = call(Optimizer, params, 0.1, name="Optimizer(params, lr=0.1)")
    state = {name: [r.standard_normal(s) + 2.0 for s in shapes] for name in _STATE_NAMES}
    for name, arrays in state.items():
        setattr(opt, name, [a.copy() for a in arrays])
    opt.t = 3
    call(opt.zero_grad, name="Optimizer.zero_grad()")
    for name, arrays in state.items():
        held = getattr(opt, name, None)
        same = held is not None and len(held) == len(arrays) and all(
            np.shape(h) == a.shape and _array_equal(np.asarray(h), a) for h, a in zip(held, arrays))
        if not same:
            fail(f"zero_grad changed self.{name}, an optimiser's state (the check gave a base Optimizer a list "
                 f"self.{name} of non-zero arrays, one per parameter, as a subclass keeps its velocities or moments): "
                 f"zero_grad resets p.grad ONLY. A training loop calls zero_grad before every backward pass, so "
                 f"resetting the state there wipes the momentum at every step: the state starts at zero in "
                 f"__init__ and carries over from one step to the next", "zero-grad-resets-state")
    if getattr(opt, "t", None) != 3:
        fail("zero_grad changed self.t, the step counter (the check set it to 3): zero_grad resets p.grad ONLY; the "
             "counter counts the calls to step() over the whole run (Adam's bias corrections need it), a training "
             "loop calls zero_grad before every backward pass", "zero-grad-resets-state")


# =============================================================================================
# SGD
# =============================================================================================

def _clipped(run) -> dict:
    """The gradient clipped elementwise (np.clip) to a usual threshold before SGD's update."""
    return {f"the gradient is clipped to [-{c:g}, {c:g}] (np.clip) before the update: entries with large gradients "
            f"move too little. Gradient clipping is not part of SGD's rule (a training loop may clip, the optimiser "
            f"does not): use p.grad as it is (v <- mu * v + g; with momentum 0, theta <- theta - lr * g)": run(clip=c)
            for c in (0.5, 1.0, 2.0)} | {
        f"the gradient is rescaled to norm at most {c:g} (clipping by the norm) before the update: large gradients "
        f"move too little. Gradient clipping is not part of SGD's rule (a training loop may clip, the optimiser does "
        f"not): use p.grad as it is (v <- mu * v + g; with momentum 0, theta <- theta - lr * g)": run(clip_norm=c)
        for c in (1.0, 5.0)}


def _sgd_diagnoses(data0, grads, decay, lr, momentum, **kw):
    run = lambda **extra: _sgd(data0, grads, decay, lr, momentum, **{**kw, **extra})
    out = {
        "momentum with the wrong sign: v <- mu * v + g, then theta <- theta - lr * v (a descent step)":
            run(sign=-1.0),
        "the optimiser state must be kept per PARAMETER: two parameters of the same shape share one "
        "velocity (use a list aligned with self.params, not a dict keyed by shape)": run(shared_by_shape=True),
    }
    out.update(_clipped(run))
    if momentum:
        out["momentum is ignored, or the velocity is not kept between steps: it must accumulate past "
            "gradients, v <- mu * v + g, updated in place (v *= mu; v += g) or stored back in the list; "
            "`v = mu * v + g` only rebinds a local name"] = \
            _sgd(data0, grads, decay, lr, 0.0, **kw)
        out["the velocity is decayed with 1 - mu instead of mu: v <- mu * v + g"] = \
            _sgd(data0, grads, decay, lr, 1.0 - momentum, **kw)
        if abs(lr - momentum) > 1e-3:
            out[LR_DECAY] = run(lr_decay=True)
        out["the gradient enters the velocity scaled by 1 - mu (an exponential average, PyTorch's dampening): "
            "in this lab v <- mu * v + g adds the WHOLE gradient (v *= mu; v += g)"] = run(dampened=True)
        if not kw.get("nesterov"):
            out["with nesterov=False (the default) your steps are NESTEROV's, theta <- theta - lr * (g + mu * v): "
                "the look-ahead branch runs although nesterov is False (is the branch tested on self.momentum, or on "
                "something else that is true, instead of self.nesterov?); plain momentum steps theta <- theta - "
                "lr * v"] = run(nesterov=True)
    return out


UNDECAYED = ("with the default momentum 0 the velocity keeps every past gradient: v is never multiplied by mu, "
             "or it is decayed with 1 - mu instead of mu; the rule is v <- mu * v + g (v *= mu; v += g)")


def _which_decay(SGD, r, exc):
    """With momentum 0, 'never decayed' and 'decayed with 1 - mu' coincide: a run with mu = 0.7 tells them apart."""
    data0, grads = _problem(r, np.float64, 3)
    lr, mu = 0.07, 0.7
    try:
        got = _trajectory(lambda ps: SGD(ps, lr, momentum=mu), data0, grads, f"SGD(params, lr={lr}, momentum={mu})")
    except core.CheckFailure:
        return
    same = lambda ref: all(core.close(g, w, *TOL[np.float64]) for gs, ws in zip(got, ref)
                           for g, w in zip(gs, ws))
    head = str(exc).split(": with the default momentum")[0]
    if same(_sgd(data0, grads, DECAY, lr, 1.0)):
        fail(f"{head}: the velocity is never multiplied by mu: v accumulates every past gradient (the same with "
             f"momentum {mu}); the rule is v <- mu * v + g, so v *= mu comes before v += g", "velocity-never-decayed")
    if same(_sgd(data0, grads, DECAY, lr, 1.0 - mu)):
        fail(f"{head}: the velocity is decayed with 1 - mu instead of mu (with momentum {mu} it kept {1 - mu:g} of "
             f"itself): v <- mu * v + g", "the-velocity-is-decayed-with-mu-instead-of-mu")


LR_DECAY = ("the velocity is multiplied by the learning rate where the momentum belongs: your v follows "
            "v <- lr * v + g; the rule is v <- mu * v + g (self.momentum, 0 by default, so plain SGD keeps no velocity)")


def _wrong_default(make, documented: dict, signature: str, r, exc) -> None:
    """After a failing run that leaves arguments at their defaults: the student's steps with every documented
    default passed explicitly, then with all but one passed; the one whose omission changes the steps has a
    wrong default (confirmed against the student's own code, whatever its rule)."""
    data0, grads = _problem(r, np.float64, 3, small=2)
    try:
        given = _trajectory(lambda ps: make(ps, **documented), data0, grads, "probe")
        left = _trajectory(lambda ps: make(ps), data0, grads, "probe")
    except core.CheckFailure:
        return

    def same(a, b):
        return all(core.close(x, y, 1e-12, 0) for sa, sb in zip(a, b) for x, y in zip(sa, sb))

    if same(given, left):
        return
    for name, value in documented.items():
        others = {k: v for k, v in documented.items() if k != name}
        try:
            alone = _trajectory(lambda ps: make(ps, **others), data0, grads, "probe")
        except core.CheckFailure:
            continue
        if not same(alone, given):
            fail(f"{str(exc).split(': parameter')[0]}: your steps change when {name} is left at its default and "
                 f"not when {name}={value!r} is passed: the default value of {name} must be {value!r}, as in the "
                 f"signature {signature}", "wrong-default")


def _fresh_after_another(make, oracle, what, r) -> None:
    """A second optimiser built on the SAME parameter objects after a first one has stepped them must start fresh:
    its first step is that of a new optimiser (state zero, step counter 0) from the parameters' current values. The
    state belongs to the optimiser (lists on self, aligned with self.params), not to the parameter objects. When the
    second optimiser's step is the one the first would have taken next, the state was carried on the parameters."""
    data0, grads = _problem(r, np.float64, 3, shapes=[(3, 4), (1, 4), (2, 3)])
    params = _params(data0, DECAY[:3])
    first = call(make, params, name=what)
    for step in grads[:2]:
        _set_grads(params, step)
        _step(first, what)
    now = [np.array(expect_array(p.data, name=f"{what}: parameter data", shape=np.shape(d), finite=False),
                    dtype=_float64)         # a copy: p.data changes in place at the next step
           for p, d in zip(params, data0)]
    second = call(make, params, name=f"{what}, a second optimiser on the same parameters")
    _set_grads(params, grads[2])
    _step(second, f"{what}, a second optimiser on the same parameters")
    got = [_f64(expect_array(p.data, name=f"{what}: parameter data", shape=np.shape(d), finite=False))
           for p, d in zip(params, data0)]
    fresh = oracle(now, [grads[2]], DECAY[:3])[-1]
    rtol, atol = TOL[np.float64]
    if all(core.close(g, w, rtol, atol) for g, w in zip(got, fresh)):
        return
    head = (f"{what}: a SECOND optimiser built on the same parameter objects after 2 steps of a first one (shapes "
            f"{[tuple(np.shape(d)) for d in data0]}): its first step is not that of a new optimiser")
    try:        # the same values in NEW parameter objects: right there, so the state travels with the objects
        new = _trajectory(make, now, [grads[2]], f"{what}, new parameter objects", decay=DECAY[:3])[-1]
    except core.CheckFailure:
        new = None
    if new is not None and all(core.close(g, w, rtol, atol) for g, w in zip(new, fresh)):
        fail(f"{head}, while a new optimiser on NEW parameter objects with the same values steps right: the state "
             f"(velocities, moments) is kept on the parameter objects (p.m, setattr, hasattr(p, ...)), so a second "
             f"optimiser inherits the first one's; it belongs to each optimiser: lists on self built in __init__, "
             f"[np.zeros_like(p.data) for p in self.params], aligned with self.params", "state-on-parameters")
    fail(f"{head} (state zero and step counter 0, from the parameters' current values): keep the state on the "
         f"optimiser (lists on self built in __init__), not on the parameter objects or the class",
         "state-not-fresh")


def _kinds_of_state(make, oracle, what) -> None:
    """Asked of every optimiser with state, after its main cases: parameters of any shape, and a second optimiser
    on the same parameters starts fresh. oracle(data0, grads, decay) -> parameters after every step."""
    _any_rank_params(make, oracle, what)
    _fresh_after_another(make, oracle, what, core.rng("lab08.fresh-optimiser"))


def _any_rank_params(make, oracle, what) -> None:
    """Parameters of any shape: a 0-d one (a scalar array, a learnt temperature) beside a 1-D and a 2-D one; two
    steps must follow the rule for each."""
    data0 = [np.array(0.7), np.array([0.5, -1.0, 2.0]), np.array([[1.0, -0.5], [0.25, 2.0]])]
    grads = [[np.array(0.3), np.array([0.2, -0.4, 0.1]), np.array([[0.5, 0.1], [-0.3, 0.2]])],
             [np.array(-0.6), np.array([0.1, 0.3, -0.2]), np.array([[-0.1, 0.4], [0.2, -0.5]])]]
    decay = [True, False, True]
    shapes = [d.shape for d in data0]
    label = f"{what} with parameters of shapes {shapes} (a 0-d one first)"
    try:
        got = _trajectory(make, data0, grads, label, decay=decay)
    except core.CheckFailure as exc:
        if "index" in str(exc):
            fail(f"{exc}: parameters may have ANY shape, a 0-d array (shape ()) too: index with p.data[...] (or "
                 f"no index at all: in-place operators p.data -= ..., v *= mu), never [:] or [:, :], which need "
                 f"an axis", "optimiser-any-rank")
        raise
    want = oracle(data0, grads, decay)
    rtol, atol = TOL[np.float64]
    for k, (gs, ws) in enumerate(zip(got, want)):
        for i, (g, w) in enumerate(zip(gs, ws)):
            if not core.close(g, w, rtol, atol):
                fail(f"{label}: parameter {i} (shape {shapes[i]}) after step {k + 1} is {np.round(g, 6).tolist()}, "
                     f"expected {np.round(w, 6).tolist()}: the rule applies to parameters of every shape",
                     "optimiser-any-rank-values")


def sgd_momentum(SGD):
    r = core.rng("lab08.sgd_momentum")
    for dtype in (np.float64, np.float32):
        # Plain SGD (momentum left at its default 0), with the learning rate changed between steps:
        # step() must read self.lr at every call (a schedule sets it).
        data0, grads = _problem(r, dtype, 3)
        lrs = [0.3, 0.1, 0.05]
        try:
            _run(lambda ps: SGD(ps, 0.3), data0, grads, _sgd(data0, grads, DECAY, 0.3, lrs=lrs),
                 f"SGD(params, lr) ({np.dtype(dtype)})", dtype, lrs=lrs, diagnose={
                     "the update has the wrong sign: gradient descent is theta - lr * grad":
                         _sgd(data0, grads, DECAY, 0.3, sign=-1.0, lrs=lrs),
                     "step() must use the current self.lr (a schedule changes it between steps), not the "
                     "value given to the constructor": _sgd(data0, grads, DECAY, 0.3),
                     UNDECAYED: _sgd(data0, grads, DECAY, 0.3, 1.0, lrs=lrs),
                     LR_DECAY: _sgd(data0, grads, DECAY, 0.3, lrs=lrs, lr_decay=True),
                     **_clipped(lambda **kw: _sgd(data0, grads, DECAY, 0.3, lrs=lrs, **kw)),
                 })
        except core.CheckFailure as exc:
            _one_pass_state(lambda ps: SGD(ps, 0.3), data0, f"SGD(params, lr) ({np.dtype(dtype)})", exc)
            if exc.diagnosis == _diag_id(UNDECAYED.split(":")[0]):
                _which_decay(SGD, r, exc)
            if exc.diagnosis == "parameters-unchanged":
                _still_with_momentum_zero(SGD, r, exc, dtype)
            if _generic_step(exc):
                _hyper_ignored(lambda **h: (lambda ps: SGD(ps, h["lr"], momentum=h["momentum"])),
                               lambda d, g, **h: _sgd(d, g, DECAY, h["lr"], h["momentum"]),
                               {"lr": 0.3, "momentum": 0.0}, ("momentum",), exc, r)
                _unasked_decay(lambda ps: SGD(ps, 0.3), data0, grads, f"SGD(params, lr) ({np.dtype(dtype)})", exc,
                               0.3, lrs=lrs)
                _wrong_default(lambda ps, **kw: SGD(ps, 0.3, **kw), {"momentum": 0.0, "nesterov": False,
                               "weight_decay": 0.0}, "SGD(params, lr, momentum=0.0, nesterov=False, weight_decay=0.0)",
                               r, exc)
            raise
        # Momentum, several steps, constant learning rate.
        data0, grads = _problem(r, dtype, 4)
        lr, mu = 0.07, 0.7
        what = f"SGD(params, lr={lr}, momentum={mu}) ({np.dtype(dtype)})"
        try:
            _run(lambda ps: SGD(ps, lr, momentum=mu), data0, grads, _sgd(data0, grads, DECAY, lr, mu), what, dtype,
                 diagnose=_sgd_diagnoses(data0, grads, DECAY, lr, mu))
        except core.CheckFailure as exc:
            _one_pass_state(lambda ps: SGD(ps, lr, momentum=mu), data0, what, exc)
            if _generic_step(exc):
                _stored_chain(lambda ps: SGD(ps, lr, momentum=mu), data0, grads, what, exc, ("velocity",) + _STATE_NAMES,
                              lambda prev, g: mu * prev + g, {
                                  "lr * v, the step itself (the velocity scaled by the learning rate in place)": (
                                      lambda raw, t: lr * raw, "lr was multiplied into the stored velocity (v *= lr), "
                                      "so every later step scales the old velocity by lr again; keep v = mu * v + g "
                                      "in self.velocity and move by lr * v, p.data -= lr * v")})
                _hyper_ignored(lambda **h: (lambda ps: SGD(ps, h["lr"], momentum=h["momentum"])),
                               lambda d, g, **h: _sgd(d, g, DECAY, h["lr"], h["momentum"]),
                               {"lr": lr, "momentum": mu}, ("momentum",), exc, r)
                _gradient_coefficients(lambda ps: SGD(ps, lr, momentum=mu), data0, grads, lr, mu, what)
                _unasked_decay(lambda ps: SGD(ps, lr, momentum=mu), data0, grads, what, exc, lr, mu)
            # a named failure keeps its name unless the state is not even arrays (values=False)
            _state_probe(lambda ps: SGD(ps, lr, momentum=mu), data0, grads, what, exc,
                         _velocity_rules(data0, grads, lr, mu, 0.0), values=_generic_step(exc))
            raise
    _momentum_lr_changes(SGD, r)
    _zero_gradient_step(lambda ps: SGD(ps, 0.07, momentum=0.7), lambda d, g: _sgd(d, g, DECAY, 0.07, 0.7), r,
                        "SGD(params, lr=0.07, momentum=0.7)", "velocity",
                        "the velocity decays (v <- mu * v + 0) and the parameters move by lr * v")
    # Two optimisers stepped in turn must not interfere (state on the instance, not the class).
    data0, grads = _problem(r, np.float64, 3)
    data1, grads1 = _problem(r, np.float64, 3)
    _interleaved(lambda ps: SGD(ps, 0.05, momentum=0.8), (data0, grads), (data1, grads1),
                 lambda d, g: _sgd(d, g, DECAY, 0.05, 0.8), "SGD(momentum=0.8)")
    # Built while p.grad still holds an old batch's gradient: the velocity starts at zero all the same.
    data0, grads = _problem(r, np.float64, 3)
    old = [r.normal(size=np.shape(d)) for d in data0]
    lr, mu = 0.07, 0.7
    _run(lambda ps: SGD(ps, lr, momentum=mu), data0, grads, _sgd(data0, grads, DECAY, lr, mu),
         f"SGD(params, lr={lr}, momentum={mu}) built while p.grad holds an earlier gradient", np.float64, grad0=old,
         diagnose={"the velocity must start at ZERO (np.zeros_like(p.data)), as the docstring says: your steps are "
                   "those of a velocity started at the gradient p.grad held when SGD was built (p.grad.copy() in "
                   "__init__; an optimiser is often built while p.grad still holds an earlier gradient)":
                       _sgd(data0, grads, DECAY, lr, mu, v0=old)})
    _in_place(lambda ps: SGD(ps, 0.07, momentum=0.7), *_problem(core.rng("lab08.in-place"), np.float64, 1),
              "SGD(params, lr=0.07, momentum=0.7)")
    _in_place(lambda ps: SGD(ps, 0.07), *_problem(core.rng("lab08.in-place"), np.float64, 1), "SGD(params, lr=0.07)")
    _kinds_of_state(lambda ps: SGD(ps, 0.07, momentum=0.7), lambda d, g, f: _sgd(d, g, f, 0.07, 0.7),
                    "SGD(params, lr=0.07, momentum=0.7)")


def _momentum_lr_changes(SGD, r) -> None:
    """Momentum under a learning-rate schedule (opt.lr set between steps, kept for two steps, then changed): the
    velocity is the optimiser's memory of past gradients and lives on across a change of the rate. Both usual
    conventions are right: v <- mu v + g, theta -= lr v (the text's), and v <- mu v + lr g, theta -= v (CS231n's,
    which carries the old rate in v: the two differ only once the rate changes)."""
    data0, grads = _problem(r, np.float64, 5)
    lr, mu, lrs = 0.07, 0.7, [0.07, 0.07, 0.03, 0.03, 0.05]
    what = f"SGD(params, lr={lr}, momentum={mu}), opt.lr set to {', '.join(map(str, lrs))} before steps 1 to {len(lrs)}"
    make = lambda ps: SGD(ps, lr, momentum=mu)
    cs231n = _sgd(data0, grads, DECAY, lr, mu, lrs=lrs, lr_in_velocity=True)
    try:
        _run(make, data0, grads, _sgd(data0, grads, DECAY, lr, mu, lrs=lrs), what, np.float64, lrs=lrs, diagnose={
            "the velocity restarts from ZERO whenever the learning rate changes (your steps are those of a velocity "
            "zeroed at every step where opt.lr differs from the step before, and kept while it stays the same): the "
            "velocity is the memory of past gradients, it does not depend on lr; keep it across a change of the "
            "learning rate (a schedule sets opt.lr between steps)":
                _sgd(data0, grads, DECAY, lr, mu, lrs=lrs, restart_on_lr=True),
            "step() must use the current self.lr (a schedule changes it between steps), not the value given to "
            "the constructor": _sgd(data0, grads, DECAY, lr, mu)})
    except core.CheckFailure:
        got = _trajectory(_make_lrs(make, lrs), data0, grads, what)
        if all(core.close(g, w, *TOL[np.float64]) for gs, ws in zip(got, cs231n) for g, w in zip(gs, ws)):
            return                      # CS231n's convention (v <- mu v + lr g): right too
        raise


def _make_lrs(make, lrs):
    """A constructor whose optimiser sets its own lr to lrs[k] before its k-th step (for _trajectory)."""
    def build(ps):
        opt = make(ps)
        return _LrSchedule(opt, lrs)
    return build


class _LrSchedule:
    """Steps an optimiser with opt.lr = lrs[k] before its k-th step."""

    def __init__(self, opt, lrs):
        self.opt, self.lrs, self.k = opt, list(lrs), 0

    def step(self):
        self.opt.lr = self.lrs[self.k]
        self.k += 1
        return self.opt.step()


def _unasked_decay(make, data0, grads, what, exc, lr, mu=0.0, nesterov=False, lrs=None) -> None:
    """weight_decay is 0 (given or left at its default), yet the parameters with p.decay move exactly as under an
    L2 term c * theta added to the gradient: the coefficient c is read from the first step and confirmed on every
    step. c = 1 is p.decay itself (True counts as 1) used as the coefficient."""
    dtype = np.asarray(data0[0]).dtype
    params = _params(data0)
    try:
        opt = call(make, params, name=what)
        got = []
        for k, step in enumerate(grads):
            if lrs is not None:
                opt.lr = lrs[k]
            _set_grads(params, step)
            _step(opt, what)
            got.append([np.array(expect_array(d, name=f"{what}: parameter data", shape=np.shape(g)), dtype=_float64)
                        for d, g in zip(core.gather(params, "data"), step)])
    except core.CheckFailure:
        return
    eta = (lrs[0] if lrs is not None else lr) * ((1 + mu) if nesterov else 1.0)
    num = den = 0.0
    for i, f in enumerate(DECAY):
        if f:
            theta = _f64(data0[i])
            extra = (theta - got[0][i]) / eta - _f64(grads[0][i])
            num, den = num + float((extra * theta).sum()), den + float((theta * theta).sum())
    c = num / den if den else 0.0
    if not np.isfinite(c) or abs(c) < 1e-6:
        return
    if abs(c - round(c)) < 1e-4:
        c = float(round(c))
    rtol, atol = TOL[dtype.type]
    want = _sgd(data0, grads, DECAY, lr, mu, nesterov, weight_decay=c, lrs=lrs)
    if not all(core.close(g, w, rtol, atol) for gs, ws in zip(got, want) for g, w in zip(gs, ws)):
        return
    how = ("p.decay is a flag, True or False (True counts as 1 in arithmetic), that says WHETHER the L2 term "
           "applies; its coefficient is self.weight_decay: g = p.grad + self.weight_decay * p.data if p.decay "
           "else p.grad" if c == 1 else "the coefficient of the L2 term is self.weight_decay, 0 here")
    fail(f"{str(exc).split(': parameter')[0]}: weight_decay is 0 here, yet the parameters with p.decay True moved "
         f"exactly as under an L2 term {c:g} * theta added to their gradient (those with p.decay False are right): "
         f"{how}", "decay-without-weight-decay")


def _still_with_momentum_zero(SGD, r, exc, dtype):
    """Plain SGD (momentum 0) left the parameters unchanged: one step with momentum 0.5 on fresh objects
    tells a step multiplied by mu (zero when mu = 0) from an update that never reaches p.data."""
    data0, grads = _problem(r, dtype, 2)
    lr, mu = 0.3, 0.5
    what = f"SGD(params, lr={lr}, momentum={mu}) ({np.dtype(dtype)})"
    try:
        params = _params(data0)
        opt = call(SGD, params, lr, momentum=mu, name=what)
        _set_grads(params, grads[0])
        _step(opt, what)
        got = _collect(params, grads[0], what, dtype)
        _set_grads(params, grads[1])
        _step(opt, what)
        got2 = _collect(params, grads[1], what, dtype)
    except core.CheckFailure:
        return
    rtol, atol = TOL[dtype]
    head = str(exc).split(": the parameters")[0]
    if all(core.close(g, d, 0, 0) for g, d in zip(got, data0)):
        stale = [_f64(d) - lr * mu * _f64(g) for d, g in zip(data0, grads[0])]
        if all(core.close(g, w, rtol, atol) for g, w in zip(got2, stale)):     # second probe: step 2 is mu * g1
            fail(f"{head}: the parameters did not move at step 1, and with momentum={mu} step 2 is lr * mu * "
                 f"(step 1's gradient): " + STALE.format(state="velocity", update="v *= mu; v += g",
                                                         note="; with momentum 0 the step is then always 0"),
                 "stale-velocity")
        return      # nothing moves with momentum either: the default story stands
    scaled = [_f64(d) - lr * mu * _f64(g) for d, g in zip(data0, grads[0])]
    if all(core.close(g, w, rtol, atol) for g, w in zip(got, scaled)):
        fail(f"{head}: the parameters did not change after step() with the default momentum 0; with "
             f"momentum={mu} they move, and the first step is lr * mu * g: "
             f"the gradient is multiplied by mu (v += g then v *= mu, or v = mu * (v + g)), so with the default "
             f"momentum 0 the step is 0; decay the velocity BEFORE adding the gradient: v = mu * v + g, "
             f"then theta -= lr * v", "momentum-scales-gradient")
    fail(f"{head}: the parameters did not change after step() with the default "
         f"momentum 0, but they do move with momentum={mu} (on fresh parameters): the step is 0 only when "
         f"momentum is 0: plain SGD is theta -= lr * g (with v = mu * v + g, v = g when mu = 0)",
         "unchanged-only-momentum-zero")


def _interleaved(make, first, second, oracle, what):
    """Two optimisers built one after the other and stepped in turn: each must follow its oracle."""
    (d0, g0), (d1, g1) = first, second
    p0, p1 = _params(d0), _params(d1)
    o0, o1 = call(make, p0, name=what), call(make, p1, name=what)
    e0, e1 = oracle(d0, g0), oracle(d1, g1)
    for k in range(len(g0)):
        for params, opt, grads, expected in ((p0, o0, g0, e0), (p1, o1, g1, e1)):
            _set_grads(params, grads[k])
            _step(opt, what)
            for i, p in enumerate(params):
                got = _read(p, i, np.float64, grads[k][i].shape, what)
                if not core.close(got, expected[k][i], *TOL[np.float64]):
                    fail(f"{what}: two optimisers stepped in turn interfere with each other: keep the "
                         f"state and the step counter on the instance (self.m = [...], self.t in "
                         f"__init__), never on the class (Adam.t, a list defined in the class body)", "optimisers-share-state")


def sgd_nesterov(SGD):
    """Judged relative to the student's own heavy-ball velocity (SGD with nesterov=False)."""
    r = core.rng("lab08.sgd_nesterov")
    lr, mu = 0.06, 0.65
    for dtype in (np.float64, np.float32):
        data0, grads = _problem(r, dtype, 4)
        what = f"SGD(params, lr={lr}, momentum={mu}, nesterov=True) ({np.dtype(dtype)})"
        try:
            heavy = _trajectory(lambda ps: SGD(ps, lr, momentum=mu), data0, grads, "SGD(momentum) [reference]")
        except core.CheckFailure:
            heavy = None
        if heavy is None or not _moves(heavy, data0):
            heavy = _sgd(data0, grads, DECAY, lr, mu)     # their momentum is broken: the oracle's
        # The student's velocity after each step: theta_{t-1} - theta_t = lr * v_t.
        prev = [_f64(d) for d in data0]
        velocity = []
        for after in heavy:
            velocity.append([(b - a) / lr for b, a in zip(prev, after)])
            prev = after
        expected, ignored, lr_inside = [], [], []
        theta = [_f64(d) for d in data0]
        th_i, th_l, th_b = list(theta), list(theta), list(theta)
        both = []
        for k, step in enumerate(grads):
            g = [_f64(x) for x in step]
            theta = [x - lr * (gi + mu * vi) for x, gi, vi in zip(theta, g, velocity[k])]
            th_i = [x - lr * vi for x, vi in zip(th_i, velocity[k])]
            th_l = [x - lr * (gi + mu * lr * vi) for x, gi, vi in zip(th_l, g, velocity[k])]
            expected.append(theta)
            ignored.append(th_i)
            lr_inside.append(th_l)
            th_b = [x - lr * (gi + mu * vi) - lr * vi for x, gi, vi in zip(th_b, g, velocity[k])]
            both.append(th_b)
        # (the look-ahead with the OLD velocity, g + mu * v_old, is the heavy-ball step again)
        substituted = _nesterov_substitutions(data0, grads, velocity, lr, mu)
        try:
            _nesterov_run(SGD, data0, grads, expected, what, dtype, lr, mu, ignored, lr_inside, both, substituted,
                          velocity)
        except core.CheckFailure as exc:
            _one_pass_state(lambda ps: SGD(ps, lr, momentum=mu, nesterov=True), data0, what, exc)
            if _generic_step(exc) or exc.diagnosis.startswith("in-nesterov-s-step"):
                _unasked_decay(lambda ps: SGD(ps, lr, momentum=mu, nesterov=True), data0, grads, what, exc, lr, mu,
                               nesterov=True)
            if _generic_step(exc):
                _state_probe(lambda ps: SGD(ps, lr, momentum=mu, nesterov=True), data0, grads, what, exc,
                             _velocity_rules(data0, grads, lr, mu, 0.0))
            raise
    _in_place(lambda ps: SGD(ps, lr, momentum=mu, nesterov=True), *_problem(core.rng("lab08.in-place"), np.float64, 1),
              f"SGD(params, lr={lr}, momentum={mu}, nesterov=True)")
    _nesterov_momentum_zero(SGD)


def _nesterov_momentum_zero(SGD):
    """momentum is in [0, 1) whatever nesterov says: with momentum 0 Nesterov's step, theta - lr * (g + 0 * v), is
    plain SGD's; a constructor or step that refuses it (a guard copied from PyTorch) rejects a valid call."""
    r = core.rng("lab08.sgd_nesterov.mu0")
    data0, grads = _problem(r, np.float64, 2)
    lr = 0.07
    what = f"SGD(params, lr={lr}, momentum=0.0, nesterov=True) (float64)"
    try:
        _run(lambda ps: SGD(ps, lr, momentum=0.0, nesterov=True), data0, grads, _sgd(data0, grads, DECAY, lr), what,
             np.float64)
    except core.CheckFailure as exc:
        if " raised " in str(exc):
            fail(f"{exc}: momentum is in [0, 1) with either form, so SGD(params, lr, momentum=0.0, nesterov=True) is a "
                 f"valid call: nesterov with momentum 0 is plain SGD (theta <- theta - lr * (g + 0 * v) = theta - lr * "
                 f"g): do not raise", "nesterov-momentum-zero-raises")
        raise core.with_note(exc, "with momentum 0 Nesterov's step is plain SGD's, theta <- theta - lr * g") from exc


def _nesterov_run(SGD, data0, grads, expected, what, dtype, lr, mu, ignored, lr_inside, both, substituted, velocity):
        _run(lambda ps: SGD(ps, lr, momentum=mu, nesterov=True), data0, grads, expected, what, dtype, diagnose={
            "nesterov=True makes no difference: Nesterov's step is theta <- theta - lr * (g + mu * v) with "
            "v the velocity JUST updated (g + mu * v_old is plain momentum again)": ignored,
            "your velocity already holds the learning rate (v <- mu * v + lr * g), so lr * (g + mu * v) multiplies "
            "the velocity term by lr twice: with that velocity Nesterov's step is theta <- theta - lr * g - mu * v "
            "(or keep v <- mu * v + g and theta <- theta - lr * (g + mu * v))": lr_inside,
            "both steps are taken: the Nesterov step lr * (g + mu * v) AND the heavy-ball step lr * v (every step "
            "is exactly their sum): with nesterov=True only the Nesterov step is applied (an `else` missing?)": both,
            **substituted,
        }, terms=(lambda k, i, theta: {"lr * g": lr * _f64(grads[k][i]),
                                       "lr * mu * v (the look-ahead)": lr * mu * velocity[k][i]},
                  # the same rule in CS231n's form: lr * ((1 + mu) * v - mu * v_prev)
                  lambda k, i, theta: {"lr * (1 + mu) * v": lr * (1 + mu) * velocity[k][i],
                                       "- lr * mu * v_prev (v before this step's update)":
                                           -lr * mu * (velocity[k - 1][i] if k else 0 * velocity[k][i])}),
           hyper={"lr": lr, "mu": mu})


# Nesterov's step in its two usual forms, each a sum of terms over the quantities g, v (the velocity just
# updated) and v_prev (the velocity before this step): (form, {slot: (factor, quantity)}).
NESTEROV_FORMS = (("lr * (g + mu * v)", {"g": (1.0, "g"), "mu * v": ("mu", "v")}),
                  ("lr * ((1 + mu) * v - mu * v_prev) (CS231n's form)",
                   {"(1 + mu) * v": ("1 + mu", "v"), "- mu * v_prev": ("-mu", "v_prev")}))
NESTEROV_QUANTITIES = {"g": "the gradient g", "v": "the velocity v just updated",
                       "v_prev": "the velocity v_prev from before this step"}


def _nesterov_substitutions(data0, grads, velocity, lr, mu):
    """Trajectories of Nesterov's step with ONE quantity of one term replaced by another (g where v_prev
    belongs...): a mistake nobody listed is named by the term and the quantity it uses."""
    factor = {1.0: 1.0, "mu": mu, "1 + mu": 1 + mu, "-mu": -mu}
    out = {}
    for form, slots in NESTEROV_FORMS:
        for slot, (_, right) in slots.items():
            for other in NESTEROV_QUANTITIES:
                if other == right:
                    continue
                theta = [_f64(d) for d in data0]
                traj = []
                for k, step in enumerate(grads):
                    q = {"g": [_f64(x) for x in step], "v": velocity[k],
                         "v_prev": velocity[k - 1] if k else [0 * v for v in velocity[k]]}
                    moves = [sum(factor[c] * q[other if name == slot else qn][i] for name, (c, qn) in slots.items())
                             for i in range(len(theta))]
                    theta = [x - lr * m for x, m in zip(theta, moves)]
                    traj.append(theta)
                out[f"in Nesterov's step written as {form}, the term {slot} uses {NESTEROV_QUANTITIES[other]} where "
                    f"{NESTEROV_QUANTITIES[right]} belongs (every other term is right)"] = traj
    return out


DECAY_INVERTED = ("the p.decay test is inverted: weight decay is applied to the parameters with p.decay False and "
                  "not to those with p.decay True (`if not p.decay`, or the two branches swapped)")


def _decay_reaches_nesterov(SGD, data0, grads, lr, wd) -> bool:
    """The student's Nesterov step with and without weight decay differ: the L2 term is used somewhere."""
    try:
        runs = [_trajectory(lambda ps, w=w: SGD(ps, lr, momentum=0.5, nesterov=True, weight_decay=w), data0, grads[:1],
                            "SGD [weight-decay probe]") for w in (wd, 0.0)]
    except core.CheckFailure:
        return False
    return not all(core.close(a, b, 0, 0) for a, b in zip(runs[0][0], runs[1][0]))


def _state_overwritten(what, exc, name, rule, first, held2, grads, data0) -> None:
    """Right after step 1, and after step 2 equal to step 1's formula applied to step 2's gradient alone (the state
    started again from 0): the old value is overwritten instead of carried over. The step-1 state is a function of
    g1 with state 0; read as the ratio state1 / f(g1), it is recomputed for g2 elementwise where both are defined."""
    if held2 is None or len(held2) != len(first) or len(grads) < 2:
        return
    got = [np.asarray(e, _float64) for e in held2]
    if any(g.shape != np.shape(d) for g, d in zip(got, data0)):
        return
    rtol, atol = TOL[np.float64]
    g1, g2 = [_f64(g) for g in grads[0]], [_f64(g) for g in grads[1]]
    for power in (1, 2):        # a first moment (or velocity) follows g, a second moment g**2
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = [f / g ** power for f, g in zip(first, g1)]
        fresh = [r * g ** power for r, g in zip(ratio, g2)]
        if all(np.isfinite(r).all() for r in ratio) and all(core.close(a, b, rtol, atol) for a, b in zip(got, fresh)) \
                and not all(core.close(a, b, rtol, atol) for a, b in zip(first, fresh)):
            head = str(exc).split(": parameter")[0]
            fail(f"{head}: self.{name} is right after step 1 but after step 2 holds only step 2's own term (what "
                 f"step 1 would give for that gradient from a zero state): the old value is overwritten (`{name}[...] "
                 f"= ...` or a fresh array) instead of carried over; {rule}: decay the old value and add the new term "
                 f"in place", "state-overwritten")


def _velocity_rules(data0, grads, lr, mu, wd):
    """SGD's velocity after step 1 from v = 0 (v = g, g = p.grad + lambda * theta for decayed parameters), and the
    velocities a few mistakes leave there."""
    raw = [_f64(g) for g in grads[0]]
    g = [r + wd * _f64(d) * f for r, d, f in zip(raw, data0, DECAY)]
    readings = {"the velocity updated TWICE in one step, (1 + mu) * g (v = mu * v + g runs a second time, e.g. "
                "again in the nesterov branch)": [(1 + mu) * x for x in g],
                "lr * g: the learning rate is inside the velocity (theta -= lr * v then applies it twice)":
                    [lr * x for x in g]}
    if wd:
        readings["p.grad, the raw gradient: the L2 term is left out of what the velocity adds; v = mu * v + g with "
                 "g = p.grad + lambda * theta (the regularised gradient)"] = raw
    return {"velocity": ("v = mu * v + g, that is v = g after the first step (v starts at 0)", g, readings)}


def sgd_weight_decay(SGD):
    """L2 coupled with the gradient, judged relative to the student's SGD fed g + lambda * theta."""
    r = core.rng("lab08.sgd_weight_decay")
    for dtype in (np.float64, np.float32):
        for lr, mu, wd, nest in ((0.05, 0.0, 0.3, False), (0.04, 0.75, 0.2, False), (0.03, 0.6, 0.25, True)):
            data0, grads = _problem(r, dtype, 4)
            flag = ", nesterov=True" if nest else ""
            what = f"SGD(params, lr={lr}, momentum={mu}{flag}, weight_decay={wd}) ({np.dtype(dtype)})"
            test_params = _params(data0)
            ref_params = _params(data0)
            opt = call(lambda ps: SGD(ps, lr, momentum=mu, nesterov=nest, weight_decay=wd), test_params, name=what)
            ref = call(lambda ps: SGD(ps, lr, momentum=mu, nesterov=nest), ref_params,
                       name=f"SGD(momentum={mu}{flag}) [reference]")
            wrong = {
                "weight decay applied to a parameter with decay=False (a bias): only parameters with "
                "p.decay get the L2 term": dict(decay_all=True),
                "the L2 term has the wrong sign: the gradient of (lambda/2)||theta||^2 is +lambda * theta":
                    dict(decay_sign=-1.0),
                "the gradient of (lambda/2)||theta||^2 is lambda * theta, not lambda * theta / 2":
                    dict(decay_half=True),
                "L2 regularisation is ADDED TO THE GRADIENT (coupled) before the momentum, "
                "g <- g + lambda * theta; it was applied outside the velocity": dict(decay_outside=True),
                "weight_decay is ignored: add lambda * theta to the gradient of the parameters with p.decay":
                    dict(decay_all=False, decay_sign=0.0),
                "the L2 term is lambda times the PARAMETER, lambda * p.data (the gradient of (lambda/2)||theta||^2), "
                "not lambda * p.grad": dict(decay_on_grad=True),
                "the L2 term added to the gradient is lambda * theta**2: it is the penalty's DERIVATIVE, lambda * "
                "theta (the gradient of (lambda/2) * theta**2)": dict(decay_square=True),
                **{msg: dict(penalty=kind) for msg, kind in PENALTY_READINGS.items()},
                **{msg: dict(decay_twice=kind) for msg, kind in DECAY_TWICE_KW.items()},
            }
            if nest:
                wrong["with nesterov=True the look-ahead uses the regularised gradient too: theta <- theta - "
                      "lr * (g + mu * v) with g = p.grad + lambda * theta (the raw p.grad leaves the weight decay "
                      "out of it)"] = dict(raw_lookahead=True)
            diagnose = {msg: _sgd(data0, grads, DECAY, lr, mu, nest, weight_decay=wd, **kw)
                        for msg, kw in wrong.items()}
            diagnose[DECAY_INVERTED] = _sgd(data0, grads, [not f for f in DECAY], lr, mu, nest, weight_decay=wd)
            oracle = _sgd(data0, grads, DECAY, lr, mu, nest, weight_decay=wd)
            use_oracle = False      # set when the student's own SGD (the reference) fails
            got, before, expected = [], [], []
            for k, step in enumerate(grads):
                before.append([np.array(p.data) for p in test_params])
                expected.append(oracle[k])
                if not use_oracle:
                    try:
                        theta_ref = [_f64(expect_array(p.data, name="SGD [reference] data")) for p in ref_params]
                        _set_grads(ref_params, [(_f64(g) + wd * th).astype(dtype) if f else g
                                                for g, th, f in zip(step, theta_ref, DECAY)])
                        _step(ref, "SGD [reference]")
                        expected[k] = [np.array(expect_array(p.data, name="SGD [reference] data"), dtype=_float64)
                                       for p in ref_params]
                    except core.CheckFailure:
                        use_oracle = True
                _set_grads(test_params, step)
                _step_checked(opt, what, lambda ps: SGD(ps, lr, momentum=mu, nesterov=nest, weight_decay=wd),
                              data0, grads, DECAY)
                got.append(_collect(test_params, step, what, dtype))
            plain = (lambda k, i, theta: {"lr * g (the gradient)": lr * _f64(grads[k][i]),
                                          "lr * lambda * theta (the L2 term)": lr * wd * theta * DECAY[i]}) \
                if mu == 0 else None
            try:
                _judge(got, before, expected, what, dtype, diagnose, plain, {"lr": lr, "lambda": wd})
            except core.CheckFailure as exc:
                _one_pass_state(lambda ps: SGD(ps, lr, momentum=mu, nesterov=nest, weight_decay=wd), data0, what,
                                exc)
                if _generic_step(exc):
                    _decay_term_uniform(got, before, grads, lr * ((1 + mu) if nest else 1.0), wd, what, exc)
                # "ignored" is confirmed first: an L2 term that does reach some step (Nesterov's) is not ignored,
                # it is left out of the velocity
                if _generic_step(exc) or "weight-decay-is-ignored" in str(exc.diagnosis) and \
                        _decay_reaches_nesterov(SGD, data0, grads, lr, wd):
                    _state_probe(lambda ps: SGD(ps, lr, momentum=mu, nesterov=nest, weight_decay=wd), data0, grads,
                                 what, exc, _velocity_rules(data0, grads, lr, mu, wd))
                raise
    _in_place(lambda ps: SGD(ps, 0.05, weight_decay=0.3), *_problem(core.rng("lab08.in-place"), np.float64, 1),
              "SGD(params, lr=0.05, weight_decay=0.3)")


# =============================================================================================
# RMSProp, Adam, AdamW
# =============================================================================================

def _decay_term_uniform(got, before, grads, eta, wd, what, exc) -> None:
    """The L2 part of the first step (the move beyond lr * g) is one number for all the entries of each decayed
    parameter, where the rule's, lr * lambda * theta, follows each entry: a scalar (the penalty's value, a norm)
    was added to the gradient where its derivative lambda * theta belongs."""
    said = []
    for i, f in enumerate(DECAY):
        theta = _f64(before[0][i])
        extra = (theta - _f64(got[0][i])) / eta - _f64(grads[0][i])
        if not f or theta.size < 2:
            continue
        if not core.close(extra, np.full_like(extra, float(extra.mean())), 1e-6, 1e-12) or \
                core.close(extra, wd * theta, 1e-6, 1e-12) or abs(float(extra.mean())) < 1e-12:
            return
        c = float(extra.mean())
        sq = float((theta ** 2).sum())
        named = next((text for value, text in ((wd * sq, "lambda * sum(theta**2), the penalty itself"),
                                               (wd * sq / 2, "(lambda/2) * sum(theta**2), the penalty itself"),
                                               (wd * math.sqrt(sq), "lambda * ||theta||"))
                      if abs(c / value - 1) < 1e-6), None)
        said.append((i, f"{c:.4g}{' = ' + named if named else ''} for parameter {i}"))
    if said:
        others = [i for i, _ in said[1:]]
        likewise = f", likewise for parameters {others}" if others else ""
        fail(f"{str(exc).split(': parameter')[0]}: the L2 term your step adds to the gradient is ONE number for all "
             f"the entries of a parameter ({said[0][1]}{likewise}), where the rule adds lambda * theta, entry by entry: the "
             f"gradient of the penalty (lambda/2) * sum(theta**2) is lambda * theta (an array of theta's shape), not "
             f"the penalty's value", "decay-term-one-number")


def _rmsprop_recurrence(RMSProp, exc, r, lr, alpha, eps):
    """Read the running average s back from the student's moves (move = lr * g / (sqrt(s) + eps), so
    s = (lr * g / move - eps) ** 2), fit s_t = a * s_(t-1) + b * g_t**2 and compare a, b with alpha, 1 - alpha.
    When g**2 does not fit, the usual other averaged quantities (p.data**2, |g|) are tried with the rule's weights."""
    data0, grads = _problem(r, np.float64, 4)
    try:
        got = _trajectory(lambda ps: RMSProp(ps, lr, alpha=alpha, eps=eps), data0, grads, "probe")
    except core.CheckFailure:
        return
    quantities = {"g**2": lambda g, th: g ** 2,
                  "p.data**2, the square of the PARAMETER values (p.data * p.data where p.grad * p.grad belongs)":
                      lambda g, th: th ** 2,
                  "|g|, the absolute gradient (not squared)": lambda g, th: np.abs(g)}
    fitted = {}
    for name, quantity in quantities.items():
        rows, target = [], []
        prev_theta, prev_s = [_f64(d) for d in data0], [np.zeros_like(_f64(d)) for d in data0]
        for step, after in zip(grads, got):
            new_s = []
            for i, g in enumerate(step):
                g, move = _f64(g), prev_theta[i] - _f64(after[i])
                with np.errstate(divide="ignore", invalid="ignore"):
                    s_now = (lr * g / move - eps) ** 2
                ok = (np.abs(g) > 0.1) & (np.abs(move) > 1e-12) & np.isfinite(s_now)
                rows.append(np.stack([prev_s[i][ok], quantity(g, prev_theta[i])[ok]], axis=1))
                target.append(s_now[ok])
                new_s.append(np.where(np.isfinite(s_now), s_now, 0.0))
            prev_theta, prev_s = [_f64(a) for a in after], new_s
        A, y = np.concatenate(rows), np.concatenate(target)
        if len(y) < 10:
            return
        (a, b), *_ = np.linalg.lstsq(A, y, rcond=None)
        if core.close(A @ [a, b], y, 1e-6, 1e-12):
            fitted[name] = (a, b)
    if "g**2" not in fitted:
        for name, (a, b) in fitted.items():
            if abs(a - alpha) < 1e-6 and abs(b - (1 - alpha)) < 1e-6:
                fail(f"{str(exc).split(': parameter')[0]}: read back from your steps (every entry, 4 steps), your s is "
                     f"the running average of {name}: s <- alpha * s + (1 - alpha) * g**2, the squared GRADIENT "
                     f"p.grad", "rmsprop-s-averages-" + _diag_id(name.split(",")[0].split(" (")[0])[:20])
        return                               # not a running average of g**2 at all: nothing to read
    a, b = fitted["g**2"]
    head = str(exc).split(": parameter")[0]
    rule = f"s <- alpha * s + (1 - alpha) * g**2 with alpha = {alpha:g}"
    if abs(a - 1) < 1e-6 and abs(b - (1 - alpha)) < 1e-6:
        fail(f"{head}: read back from your steps, your s follows s <- s + {b:.4g} * g**2: the old average is never "
             f"multiplied by alpha, so s keeps growing (s *= alpha is missing); {rule}", "rmsprop-s-never-decayed")
    if abs(a - alpha) < 1e-6 and abs(b - 1) < 1e-6:
        fail(f"{head}: read back from your steps, your s follows s <- {a:.4g} * s + g**2: the factor (1 - alpha) on "
             f"g**2 is missing (s += g * g where s += (1 - alpha) * g * g belongs), so s is a leaky SUM of the squared "
             f"gradients, about 1 / (1 - alpha) times too large, not their running average; {rule}",
             "rmsprop-one-minus-alpha-missing")
    if abs(a - alpha) > 1e-6 or abs(b - (1 - alpha)) > 1e-6:
        fail(f"{head}: read back from your steps, your s follows s <- {a:.4g} * s + {b:.4g} * g**2: the "
             f"{'old average' if abs(a - alpha) > 1e-6 else 'new g**2'} has the wrong weight; {rule}",
             "rmsprop-s-wrong-weights")


def rmsprop(RMSProp):
    r = core.rng("lab08.rmsprop")
    for dtype in (np.float64, np.float32):
        data0, grads = _problem(r, dtype, 4, small=2)     # parameter 2: tiny gradients, eps matters
        lr, alpha, eps = 0.02, 0.8, 1e-6
        what = f"RMSProp(params, lr={lr}, alpha={alpha}, eps={eps}) ({np.dtype(dtype)})"
        try:
            _rmsprop_main(RMSProp, data0, grads, lr, alpha, eps, what, dtype)
        except core.CheckFailure as exc:
            _one_pass_state(lambda ps: RMSProp(ps, lr, alpha=alpha, eps=eps), data0, what, exc)
            s1 = [(1 - alpha) * _f64(g) ** 2 for g in grads[0]]
            if _generic_step(exc):
                _stored_chain(lambda ps: RMSProp(ps, lr, alpha=alpha, eps=eps), _problem(core.rng("lab08.rms.state"),
                              np.float64, 2)[0], _problem(core.rng("lab08.rms.state"), np.float64, 2)[1], what, exc,
                              _STATE_NAMES, lambda prev, g: alpha * prev + (1 - alpha) * g ** 2, {
                                  "the square ROOT of the running average, sqrt(s)": (
                                      lambda raw, t: np.sqrt(raw), "the root was written back into the state (s[...] = "
                                      "np.sqrt(s)), so the next step averages roots with squares; keep s itself, the "
                                      "average of g**2, and take the root into a local, p -= lr * g / (np.sqrt(s) + eps)"),
                                  "the denominator sqrt(s) + eps": (
                                      lambda raw, t: np.sqrt(raw) + eps, "the denominator was written back into the "
                                      "state; keep s itself, the average of g**2, and compute np.sqrt(s) + eps into a "
                                      "local"),
                              })
            _state_probe(lambda ps: RMSProp(ps, lr, alpha=alpha, eps=eps), data0, grads, what, exc,
                         {name: ("s = alpha * s + (1 - alpha) * g**2", s1, {}) for name in _STATE_NAMES},
                         values=_generic_step(exc))
            if _generic_step(exc):
                _hyper_ignored(lambda **h: (lambda ps: RMSProp(ps, h["lr"], alpha=h["alpha"], eps=h["eps"])),
                               lambda d, g, **h: _rmsprop(d, g, h["lr"], h["alpha"], h["eps"]),
                               {"lr": lr, "alpha": alpha, "eps": eps}, ("alpha",), exc, r)
                _rmsprop_recurrence(RMSProp, exc, r, lr, alpha, eps)
                _isolate_hyper(lambda **h: (lambda ps: RMSProp(ps, h["lr"], alpha=h["alpha"], eps=h["eps"])),
                               lambda d, g, **h: _rmsprop(d, g, h["lr"], h["alpha"], h["eps"]),
                               {"lr": lr, "alpha": alpha, "eps": eps}, ("lr", "eps"), exc, r)
            raise
        _rmsprop_defaults(RMSProp, r, dtype)
    _zero_gradient_step(lambda ps: RMSProp(ps, 0.02, alpha=0.8, eps=1e-6), lambda d, g: _rmsprop(d, g, 0.02, 0.8, 1e-6),
                        r, "RMSProp(params, lr=0.02, alpha=0.8, eps=1e-6)", "running average s",
                        "s decays (s <- alpha * s + 0), so the next steps are larger", adaptive_lr=0.02)
    _in_place(lambda ps: RMSProp(ps, 0.02, alpha=0.8, eps=1e-6), *_problem(core.rng("lab08.in-place"), np.float64, 1),
              "RMSProp(params, lr=0.02, alpha=0.8, eps=1e-6)")
    _kinds_of_state(lambda ps: RMSProp(ps, 0.02, alpha=0.8, eps=1e-6), lambda d, g, f: _rmsprop(d, g, 0.02, 0.8, 1e-6),
                    "RMSProp(params, lr=0.02, alpha=0.8, eps=1e-6)")


def _rmsprop_main(RMSProp, data0, grads, lr, alpha, eps, what, dtype):
    _run(lambda ps: RMSProp(ps, lr, alpha=alpha, eps=eps), data0, grads, _rmsprop(data0, grads, lr, alpha, eps),
         what, dtype, diagnose={
             "alpha weights the OLD average: s <- alpha * s + (1 - alpha) * g**2":
                 _rmsprop(data0, grads, lr, alpha, eps, swap_alpha=True),
             "the step divides by the SQUARE ROOT of the running average: g / (sqrt(s) + eps)":
                 _rmsprop(data0, grads, lr, alpha, eps, no_sqrt=True),
             "eps is added to sqrt(s), outside the square root: g / (sqrt(s) + eps)":
                 _rmsprop(data0, grads, lr, alpha, eps, eps_inside=True),
             "eps is ignored: use the eps given to the constructor": _rmsprop(data0, grads, lr, alpha, 1e-8),
             "alpha is ignored: use the alpha given to the constructor": _rmsprop(data0, grads, lr, 0.99, eps),
             "the running average s is not kept between steps: update it in place (s *= alpha; s += ...) or "
             "store it back in the list; `s = alpha * s + ...` only rebinds a local name":
                 _rmsprop(data0, grads, lr, alpha, eps, stateless=True),
             STATE_AT_ONE.format(state="running average s"): _rmsprop(data0, grads, lr, alpha, eps, start=1.0),
             STALE.format(state="running average s", update="s <- alpha * s + (1 - alpha) * g**2", note=EXPLODES):
                 _rmsprop(data0, grads, lr, alpha, eps, stale=True),
             EPS_AFTER.format(expr="lr * g / (sqrt(s) + eps)"): _rmsprop(data0, grads, lr, alpha, eps, eps_after=True),
             "these are the steps of CENTERED RMSProp (TensorFlow's centered=True, PyTorch's centered): it also keeps "
             "a running mean of g, mean_g, and divides by sqrt(s - mean_g**2); this lab's RMSProp divides by sqrt(s) + eps "
             "with s <- alpha * s + (1 - alpha) * g**2 alone (no running mean of g)":
                 _rmsprop(data0, grads, lr, alpha, eps, centered=True),
             "the running average is bias-corrected, s / (1 - alpha**t), as Adam corrects its moments: RMSProp has "
             "no bias correction and no step counter; it divides by sqrt(s) + eps with s itself (s starts at 0, so "
             "its first steps are larger than Adam's, by design)":
                 _rmsprop(data0, grads, lr, alpha, eps, corrected=True),
             "the first step sets s = g**2 (a special start instead of the running average from zero): s starts at "
             "0 and EVERY step, the first one too, does s = alpha * s + (1 - alpha) * g**2, so after step 1 s is "
             "(1 - alpha) * g**2 (no special case for the first step; its steps are larger than with s = g**2)":
                 _rmsprop(data0, grads, lr, alpha, eps, first_square=True),
             "these are ADAGRAD's steps: your s is the SUM of every squared gradient, s <- s + g**2, so it only grows "
             "and the steps shrink for ever (alpha is not used); RMSProp keeps a running AVERAGE that forgets the old "
             "gradients: s <- alpha * s + (1 - alpha) * g**2":
                 _rmsprop(data0, grads, lr, alpha, eps, adagrad=True),
         }, hyper={"lr": lr, "eps": eps, "alpha": alpha}, adaptive_lr=lr)


def _rmsprop_defaults(RMSProp, r, dtype):
    # Defaults, and the learning rate changed between steps.
    data0, grads = _problem(r, dtype, 3)
    lrs = [1e-2, 3e-3, 1e-3]
    try:
        _rmsprop_default_run(RMSProp, data0, grads, lrs, dtype)
    except core.CheckFailure as exc:
        if _generic_step(exc):
            _wrong_default(lambda ps, **kw: RMSProp(ps, 1e-2, **kw), {"alpha": 0.99, "eps": 1e-8},
                           "RMSProp(params, lr, alpha=0.99, eps=1e-8)", r, exc)
        raise


def _rmsprop_default_run(RMSProp, data0, grads, lrs, dtype):
    _run(lambda ps: RMSProp(ps, 1e-2), data0, grads, _rmsprop(data0, grads, 1e-2, lrs=lrs),
         f"RMSProp(params, lr) ({np.dtype(dtype)})", dtype, lrs=lrs, diagnose={
             "step() must use the current self.lr (a schedule changes it between steps)":
                 _rmsprop(data0, grads, 1e-2),
             **{f"the steps are those of alpha = {a:g}: the default alpha must be 0.99 (RMSProp(params, lr, "
                f"alpha=0.99, eps=1e-8))": _rmsprop(data0, grads, 1e-2, alpha=a, lrs=lrs) for a in (0.9, 0.999, 0.95)}})


SHARED_MOMENTS = ("m and v are the same arrays (self.m = self.v = [...] makes ONE list): create two separate "
                  "lists of zeros")


#: Kernel-side probe: how Adam's two moment lists are held right after construction.
_MOMENTS_HELD = '''
def moments_held(opt):
    import numpy as np
    m, v = getattr(opt, "m", None), getattr(opt, "v", None)
    if not isinstance(m, list) or not isinstance(v, list):
        return "unknown"
    if m is v:
        return "same-list"
    try:
        return "shared-arrays" if any(np.shares_memory(a, b) for a, b in zip(m, v)) else "separate"
    except Exception:
        return "unknown"
'''


def _moments_said(Adam, hyper) -> str:
    """What makes ONE array serve as both moments, read from a fresh optimiser: self.m and self.v one list (or
    sharing arrays), or two separate lists (then step() pairs a parameter with the same moment twice)."""
    try:
        opt = call(Adam, _params([np.zeros((2, 3)), np.zeros(3)], [True, False]), **hyper, name="Adam")
        held = str(core.kernel_functions(_MOMENTS_HELD)["moments_held"](opt))
    except Exception:   # a probe that fails says nothing
        held = "unknown"
    if held == "separate":
        return ("one array serves as both moments in step(), although self.m and self.v are two separate lists "
                "of zeros: the loop of step() takes the same list twice (zip(self.params, self.m, self.m)?) or "
                "binds v to m's array, so v is never updated; each moment is updated in its own array: "
                "for p, m, v in zip(self.params, self.m, self.v)")
    return SHARED_MOMENTS


def _adam_diagnoses(data0, grads, decay, **hyper):
    run = lambda **kw: _adam(data0, grads, decay, **hyper, **kw)
    out = {
        "the second moment averages the square of the FIRST MOMENT (m * m): it averages the square of the "
        "gradient, v <- beta2 * v + (1 - beta2) * g * g (g**2, not m**2)": run(v_from_m=True),
        "the bias correction is missing: m_hat = m / (1 - beta1**t), v_hat = v / (1 - beta2**t)":
            run(correct_m=False, correct_v=False),
        "the bias correction of the first moment is missing: m_hat = m / (1 - beta1**t)": run(correct_m=False),
        "the bias correction of the second moment is missing: v_hat = v / (1 - beta2**t)": run(correct_v=False),
        "the step counter must count calls to step(), once per step for all parameters (it was "
        "incremented once per parameter)": run(t_per_param=True),
        "the bias corrections keep their first-step values (1 - beta1, 1 - beta2) at every step: either the step "
        "counter never increases or the power is missing; the corrections are 1 - beta1**t and 1 - beta2**t with "
        "t = 1 at the first step, 2 at the second, ...": run(t_frozen=True),
        "the bias corrections use the step counter plus one (1 - beta1**(t + 1)): t is 1 at the first step, so the "
        "first corrections are 1 - beta1 and 1 - beta2 (t incremented twice, or t + 1 in the power)": run(t_shift=1),
        "your denominator is sqrt(v) / (1 - beta2**t): the bias correction of v belongs INSIDE the square root, "
        "sqrt(v / (1 - beta2**t)) (or the correction is squared, (1 - beta2**t)**2, which gives the same "
        "steps)": run(root_outside=True),
        "the step uses the raw gradient g where the rule has the first moment: theta <- theta - lr * m_hat / "
        "(sqrt(v_hat) + eps), with m_hat = m / (1 - beta1**t) (at the first step m_hat = g, so only later "
        "steps differ)": run(raw_step=True),
        EPS_AFTER.format(expr="lr * m_hat / (sqrt(v_hat) + eps)"): run(eps_after=True),
        STALE.format(state="second moment v", update="v <- beta2 * v + (1 - beta2) * g**2", note=EXPLODES): run(stale="v"),
        STALE.format(state="first moment m", update="m <- beta1 * m + (1 - beta1) * g",
                     note=" (at the first step the old m is 0: the parameters do not move)"): run(stale="m"),
        STALE.format(state="moments m and v", update="m <- beta1 * m + (1 - beta1) * g, same for v",
                     note=""): run(stale="mv"),
        "beta1 belongs to the first moment m and beta2 to the second moment v (they are swapped)":
            run(swap_betas=True),
        "the second moment's bias correction uses beta1: v_hat = v / (1 - beta2**t) (beta2, the decay rate of v), "
        "m_hat = m / (1 - beta1**t)": run(corr_betas=lambda b1, b2: (b1, b1)),
        "the first moment's bias correction uses beta2: m_hat = m / (1 - beta1**t) (beta1, the decay rate of m), "
        "v_hat = v / (1 - beta2**t)": run(corr_betas=lambda b1, b2: (b2, b2)),
        "the bias corrections' betas are swapped: m_hat = m / (1 - beta1**t), v_hat = v / (1 - beta2**t) (each "
        "moment is corrected with its own decay rate)": run(corr_betas=lambda b1, b2: (b2, b1)),
        "beta weights the OLD average: m <- beta1 * m + (1 - beta1) * g (same for v)": run(swap_weights=True),
        "the weights of the first moment are swapped: your m follows m <- (1 - beta1) * m + beta1 * g; beta1 weights "
        "the OLD m: m <- beta1 * m + (1 - beta1) * g": run(swap_weights="m"),
        "v never decreases: your v follows v <- max(v, beta2 * v + (1 - beta2) * g**2) (AMSGrad's maximum); Adam's "
        "v is the plain running average v <- beta2 * v + (1 - beta2) * g**2": run(v_max=True),
        "your steps are NAdam's (Dozat 2016): its look-ahead numerator beta1 * m_hat + (1 - beta1) * g / (1 - "
        "beta1**t) where Adam's step has m_hat = m / (1 - beta1**t) alone: theta <- theta - lr * m_hat / "
        "(sqrt(v_hat) + eps)": run(nadam=True),
        "your steps are AdaMax's (Kingma & Ba, section 7): the second moment is u <- max(beta2 * u, |g|) and the step "
        "divides by u; Adam's v is the running average of the SQUARED gradient, v <- beta2 * v + (1 - beta2) * g**2, "
        "and the step divides by sqrt(v / (1 - beta2**t)) + eps": run(adamax=True),
        "the weights of the second moment are swapped: your v follows v <- (1 - beta2) * v + beta2 * g**2; beta2 "
        "weights the OLD v: v <- beta2 * v + (1 - beta2) * g**2": run(swap_weights="v"),
        "the step divides by the SQUARE ROOT of v_hat: m_hat / (sqrt(v_hat) + eps)": run(no_sqrt=True),
        "eps is added to sqrt(v_hat), outside the square root: m_hat / (sqrt(v_hat) + eps)": run(eps_inside=True),
        "eps is added to sqrt(v), the UNCORRECTED second moment (Kingma & Ba's 'efficient' form, lr_t = lr * "
        "sqrt(1 - beta2**t) / (1 - beta1**t) and lr_t * m / (sqrt(v) + eps), is another rule: it rescales eps by "
        "sqrt(1 - beta2**t)); this lab's rule adds eps to sqrt(v_hat): lr * m_hat / (sqrt(v_hat) + eps)":
            run(eps_hat=True),
        "the bias correction is 1 - beta1**t (beta to the power t, subtracted from 1), not (1 - beta1)**t":
            run(pow_paren=True),
        SHARED_MOMENTS: run(shared_mv=True),
        "m_hat was written back into m (m /= 1 - beta1**t): m keeps the uncorrected average, the corrected "
        "m_hat = m / (1 - beta1**t) is a separate array": run(store_m_hat=True),
        "v_hat was written back into v (v /= 1 - beta2**t): v keeps the uncorrected average, the corrected "
        "v_hat = v / (1 - beta2**t) is a separate array": run(store_v_hat=True),
        "the moments are not kept between steps: update m and v in place (m *= beta1; m += ...) or store them "
        "back in their lists; `m = beta1 * m + ...` only rebinds a local name": run(stateless=True),
        **{f"the first step sets {what} (a special start instead of the running average from zero): the moments "
           f"start at 0 and EVERY step, the first one too, does m <- beta1 * m + (1 - beta1) * g and v <- beta2 * v + "
           f"(1 - beta2) * g**2; the bias correction then makes up for the zero start": run(first_full=key)
           for key, what in (("m", "m = g"), ("v", "v = g**2"), ("mv", "m = g and v = g**2"))},
        **{f"the first step sets {what} and the bias correction of {which} is left out: the two agree at the first "
           f"step (m_hat = g, v_hat = g**2 there) and differ from step 2 on, where the correction divides by 1 - "
           f"beta**t and yours no longer does; the moments start at 0, EVERY step does m <- beta1 * m + (1 - beta1) "
           f"* g and v <- beta2 * v + (1 - beta2) * g**2, and the step uses m_hat = m / (1 - beta1**t), v_hat = v / "
           f"(1 - beta2**t)": run(first_full=key, correct_m="m" not in key, correct_v="v" not in key)
           for key, what, which in (("m", "m = g", "m"), ("v", "v = g**2", "v"),
                                    ("mv", "m = g and v = g**2", "both moments"))},
    }
    if hyper.get("weight_decay"):
        out["weight decay applied to a parameter with decay=False (a bias): only parameters with p.decay "
            "get the L2 term"] = run(decay_all=True)
        out["Adam's weight_decay is the L2 term ADDED TO THE GRADIENT before the moments (coupled); "
            "the decoupled form is AdamW's"] = run(decoupled=True)
        out["weight_decay is ignored: add lambda * theta to the gradient of the parameters with p.decay"] = \
            _adam(data0, grads, decay, **{**hyper, "weight_decay": 0.0})
        out[DECAY_INVERTED] = _adam(data0, grads, [not f for f in decay], **hyper)
        out["the L2 term must reach BOTH moments: compute g = p.grad + lambda * theta once and use it in m and "
            "in v (m was fed the raw p.grad)"] = run(raw_m=True)
        out["the L2 term must reach BOTH moments: compute g = p.grad + lambda * theta once and use it in m and "
            "in v (v was fed the raw p.grad)"] = run(raw_v=True)
        out.update({msg: run(decay_twice=kind) for msg, kind in DECAY_TWICE_KW.items()})
    return out


def _generic_step(exc) -> bool:
    """A failure of an optimiser's step that names no mistake (only the values, or when the state goes wrong)."""
    return exc.diagnosis in _GENERIC or exc.diagnosis in ("state-between-steps", "one-parameter-wrong") or \
        getattr(exc, "partial", False)      # a reading that explains one step only


def _adam_places(data0, grads, decay, lr, beta1, beta2, eps, weight_decay=0.0, *, place=None):
    """Adam (coupled L2) with the OTHER beta used at one ``place`` of the rule: "m *= beta1",
    "m += (1 - beta1) * g", "v *= beta2", "v += (1 - beta2) * g * g", "1 - beta1 ** t", "1 - beta2 ** t"."""
    other = {beta1: beta2, beta2: beta1}
    at = {k: (other[b] if k == place else b) for k, b in (("m *= beta1", beta1), ("m += (1 - beta1) * g", beta1),
                                                            ("v *= beta2", beta2), ("v += (1 - beta2) * g * g", beta2),
                                                            ("1 - beta1 ** t", beta1), ("1 - beta2 ** t", beta2))}
    theta = [_f64(d).copy() for d in data0]
    m, v = [np.zeros_like(x) for x in theta], [np.zeros_like(x) for x in theta]
    out = []
    for t, step in enumerate(grads, start=1):
        for i, g in enumerate(step):
            g = _f64(g) + (weight_decay * theta[i] if decay[i] and weight_decay else 0.0)
            m[i] = at["m *= beta1"] * m[i] + (1 - at["m += (1 - beta1) * g"]) * g
            v[i] = at["v *= beta2"] * v[i] + (1 - at["v += (1 - beta2) * g * g"]) * g * g
            m_hat, v_hat = m[i] / (1 - at["1 - beta1 ** t"] ** t), v[i] / (1 - at["1 - beta2 ** t"] ** t)
            with np.errstate(invalid="ignore", divide="ignore"):
                theta[i] = theta[i] - lr * m_hat / (np.sqrt(v_hat) + eps)
        out.append([x.copy() for x in theta])
    return out


ADAM_PLACES = ("m *= beta1", "m += (1 - beta1) * g", "v *= beta2", "v += (1 - beta2) * g * g", "1 - beta1 ** t",
               "1 - beta2 ** t")


def _equal_hyper_probe(make, oracle, hyper, pair, values, exc, r, rule, places=None):
    """Which arguments are mixed up: the same steps with the two hyperparameters of ``pair`` set EQUAL (at two
    different values): when the student's optimiser is then right both times (and wrong with them different),
    one of them is used where the other belongs."""
    data0, grads = _problem(r, np.float64, 4)
    for value in values:
        h = dict(hyper, **{name: value for name in pair})
        try:
            got = _trajectory(make(**h), data0, grads, "probe")
        except core.CheckFailure:
            return
        want = oracle(data0, grads, **h)
        if not all(core.close(g, w, *TOL[np.float64]) for gs, ws in zip(got, want) for g, w in zip(gs, ws)):
            return
    a, b = pair
    if places is not None:       # which place of the rule uses the other one: the student's steps on the same problem
        try:
            got = _trajectory(make(**hyper), data0, grads, "probe")
        except core.CheckFailure:
            got = None
        fits = [] if got is None else [
            where for where, traj in places(data0, grads, hyper).items()
            if all(core.close(g, w, *TOL[np.float64]) for gs, ws in zip(got, traj) for g, w in zip(gs, ws))]
        if len(fits) == 1:
            used = b if a in fits[0] else a
            fail(f"{str(exc).split(': parameter')[0]}: {a} and {b} are mixed up in ONE place: {fits[0]} uses {used} "
                 f"(your steps are exactly the rule's with {used} there and nowhere else; the error disappears "
                 f"whenever {a} == {b}); {rule}", f"{a}-{b}-mixed-up-in-one-place")
    fail(f"{str(exc).split(': parameter')[0]}: the error disappears whenever {a} == {b} (tried with both {values[0]:g}, "
         f"then both {values[1]:g}): {a} and {b} are mixed up somewhere, one is used where the other belongs; {rule}",
         f"{a}-{b}-mixed-up")


def _isolate_hyper(make, oracle, hyper, names, exc, r):
    """isolate.py on hyperparameters: the steps (moves of every parameter) recomputed with one of ``names`` set to
    0 or moved; 'becomes right when eps = 0' puts the mistake in the term with eps. ``names`` must be safe to
    perturb (lr, eps); lr is never zeroed (no step at all is trivially right)."""
    data0, grads = _problem(r, np.float64, 3)

    def moves(trajectory):
        prev, out = [_f64(d) for d in data0], []
        for step in trajectory:
            out += [p - _f64(a) for p, a in zip(prev, step)]
            prev = [_f64(a) for a in step]
        return out

    def student(*values):
        h = dict(hyper, **dict(zip(names, values)))
        return moves(_trajectory(make(**h), data0, grads, "probe"))

    def expected(*values):
        return moves(oracle(data0, grads, **dict(hyper, **dict(zip(names, values)))))
    found = explain_arguments(student, expected, {k: float(hyper[k]) for k in names}, rtol=TOL[np.float64][0],
                              atol=TOL[np.float64][1], neutral={"lr": None}, tag="lab08-hyper")
    if found:
        fail(f"{str(exc).split(': parameter')[0]}: {found[0]}", "hyper-" + found[1])


USUAL_RATES = (0.9, 0.99, 0.999, 0.95, 0.5, 0.8, 0.0)


def _hyper_ignored(make, oracle, hyper, names, exc, r):
    """A rate the constructor is given must change the steps: the same problem run with each of ``names`` at its
    value and at half of it (pairwise different); identical steps say step() never reads it. The usual value
    written in its place is named only when the steps are exactly the rule's with that value (confirmed on both
    runs: the steps did not change)."""
    data0, grads = _problem(r, np.float64, 4)
    for name in names:
        values = (hyper[name], hyper[name] / 2 if hyper[name] else 0.5)
        try:
            runs = [_trajectory(make(**dict(hyper, **{name: v})), data0, grads, "probe") for v in values]
        except core.CheckFailure:
            continue
        if not all(np.array_equal(a, b) for xs, ys in zip(*runs) for a, b in zip(xs, ys)):
            continue
        used = next((c for c in USUAL_RATES if all(core.close(g, w, *TOL[np.float64]) for gs, ws in zip(
            runs[0], oracle(data0, grads, **dict(hyper, **{name: c}))) for g, w in zip(gs, ws))), None)
        fail(f"{str(exc).split(': parameter')[0]}: your steps are exactly the same with {name}={values[0]} and "
             f"{name}={values[1]}: step() never reads the {name} given to the constructor (self.{name})"
             + (f"; they are the rule's steps with {name}={used}: the number {used} is written where self.{name} "
                f"belongs" if used is not None else ": a number written where self." + name + " belongs?"),
             "hyper-not-read")


def _complement_probe(make, oracle, hyper, name, exc, r, rule):
    """A decay rate h and its complement 1 - h swapped somewhere: the error disappears at h = 0.5 (where they are
    equal) and only there (h = 0.6 is still wrong)."""
    data0, grads = _problem(r, np.float64, 4)

    def right(value):
        h = dict(hyper, **{name: value})
        try:
            got = _trajectory(make(**h), data0, grads, "probe")
        except core.CheckFailure:
            return None
        want = oracle(data0, grads, **h)
        return all(core.close(g, w, *TOL[np.float64]) for gs, ws in zip(got, want) for g, w in zip(gs, ws))
    if right(0.5) and right(0.6) is False:
        fail(f"{str(exc).split(': parameter')[0]}: the error disappears when {name} = 0.5, where {name} and "
             f"1 - {name} are equal (and comes back at {name} = 0.6): {name} and 1 - {name} are swapped somewhere; "
             f"{rule}", f"{name}-complement-swapped")


def _zero_gradient_probe(make, oracle, exc, r):
    """Steps with every p.grad = 0: only the weight-decay term moves the parameters with p.decay. When the
    oracle's move and the student's do not, the student's weight-decay term vanishes with the gradient."""
    data0 = [r.normal(size=shape) for shape in SHAPES]
    grads = [[np.zeros(shape) for shape in SHAPES] for _ in range(2)]
    try:
        got = _trajectory(make, data0, grads, "probe")
    except core.CheckFailure:
        return
    want = oracle(data0, grads)
    decayed = [i for i, f in enumerate(DECAY) if f]
    if all(core.close(got[-1][i], data0[i], 0, 0) for i in decayed) and \
            not any(core.close(want[-1][i], data0[i], 1e-9, 1e-12) for i in decayed):
        fail(f"{str(exc).split(': parameter')[0]}: with every p.grad = 0 the parameters with p.decay did not move, "
             f"but the L2 term lambda * theta alone must move them: your weight-decay term vanishes with the gradient "
             f"(built from p.grad instead of p.data, theta?); g = p.grad + lambda * p.data for p.decay",
             "weight-decay-from-gradient")


def adam(Adam):
    r = core.rng("lab08.adam")
    hyper = dict(lr=0.05, beta1=0.8, beta2=0.95, eps=1e-6)
    try:
        _adam_cases(Adam, r, hyper)
    except core.CheckFailure as exc:
        _one_pass_state(lambda ps: Adam(ps, **hyper), _problem(core.rng("lab08.adam.state"), np.float64, 1)[0],
                        "Adam(params, lr=0.05, beta1=0.8, beta2=0.95, eps=1e-6) (float64)", exc)
        if exc.diagnosis == "second-moment-negative":      # a NaN may hide another mistake: look closer
            _adam_positive_probe(Adam, hyper)
            # small betas keep 1 - beta * t (and the like) positive for 5 steps: the corrections read back
            _corrections_read_back(Adam, dict(hyper, beta1=0.15, beta2=0.1), exc, r,
                                   head=f"{str(exc).split(': a square root')[0]}: a square root of a negative number, and with beta1=0.15, "
                                        f"beta2=0.1 (no NaN)")
        if exc.diagnosis == _diag_id(SHARED_MOMENTS.split(":")[0]) and _moments_said(Adam, hyper) != SHARED_MOMENTS:
            fail(f"{str(exc).split(': parameter')[0]}: {_moments_said(Adam, hyper)}", "adam-one-moment-twice")
        data0, grads = _problem(core.rng("lab08.adam.state"), np.float64, 2)
        if _generic_step(exc):
            _hyper_ignored(lambda **h: (lambda ps: Adam(ps, **h)), lambda d, g, **h: _adam(d, g, DECAY, **h), hyper,
                           ("beta1", "beta2"), exc, r)
            _corrected_state(lambda ps: Adam(ps, **hyper), data0, grads, "Adam(params, lr=0.05, beta1=0.8, "
                             "beta2=0.95, eps=1e-6) (float64)", exc, hyper)
        b1, b2 = hyper["beta1"], hyper["beta2"]
        m1, v1 = [(1 - b1) * _f64(g) for g in grads[0]], [(1 - b2) * _f64(g) ** 2 for g in grads[0]]
        _state_probe(lambda ps: Adam(ps, **hyper), data0, grads, "Adam(params, lr=0.05, beta1=0.8, beta2=0.95, "
                     "eps=1e-6) (float64)", exc, {"m": ("m = beta1 * m + (1 - beta1) * g", m1, {}),
                                                  "v": ("v = beta2 * v + (1 - beta2) * g**2", v1, {})},
                     values=_generic_step(exc))
        raise


def _states_after_two_steps(make, data0, grads, what, names) -> list | None:
    """The optimiser's state (its attributes ``names``) read back after steps 1 and 2 on fresh parameters, or None
    when a step fails (its own message stands)."""
    try:
        params = _params(data0)
        opt = call(make, params, name=what)
        held = []
        for step in grads[:2]:
            _set_grads(params, step)
            _step(opt, what)
            held.append(_held_state(opt, names))
    except core.CheckFailure:
        return None
    return held


def _stored_chain(make, data0, grads, what, exc, names, update, readings) -> None:
    """Asked of every optimiser with state after a failed step: a DERIVED quantity written back into the state.  The
    state read back after steps 1 and 2 on fresh parameters (under the first of ``names`` it has) is compared with
    the chain stored_t = derive(update(stored_{t-1}, g_t), t) of each reading (``readings``: label -> (derive,
    advice)); told when a reading fits both steps and the rule's own state (derive = identity) does not."""
    held = _states_after_two_steps(make, data0, grads, what, names)
    if held is None:
        return
    name = next((n for n in names if all(n in h for h in held)), None)
    if name is None:
        return
    got = [[np.asarray(a, _float64) for a in h[name]] for h in held]
    shapes = [np.shape(d) for d in data0]
    if any(len(g) != len(shapes) or any(np.shape(a) != sh for a, sh in zip(g, shapes)) for g in got):
        return
    rtol, atol = TOL[np.float64]

    def chain(derive):
        stored = [np.zeros(sh) for sh in shapes]
        out = []
        for t, step in enumerate(grads[:2], 1):
            stored = [derive(update(a, _f64(g)), t) for a, g in zip(stored, step)]
            out.append(stored)
        return out

    fits = lambda values: all(core.close(a, b, rtol, atol) for g, v in zip(got, values) for a, b in zip(g, v))
    if fits(chain(lambda raw, t: raw)):
        return
    for label, (derive, advice) in readings.items():
        if fits(chain(derive)):
            head = str(exc).split(": parameter")[0]
            fail(f"{head}: after steps 1 and 2 (read back from your optimiser on fresh parameters), self.{name} holds "
                 f"{label}: {advice}", "derived-state-stored")


def _corrected_state(make, data0, grads, what, exc, hyper) -> None:
    """Asked of every optimiser whose moments are bias-corrected (Adam; AdamW through it): the state read back after
    steps 1 and 2 on fresh parameters.  Equal at both steps to the chain in which each step's correction is written
    into the state (s = (beta * s + (1 - beta) * g) / (1 - beta**t), stored) -> the correction was applied in place;
    the rule keeps the raw average and corrects into a local."""
    betas = {"m": (hyper["beta1"], 1, "beta1"), "v": (hyper["beta2"], 2, "beta2")}
    held = _states_after_two_steps(make, data0, grads, what, betas)
    if held is None:
        return
    rtol, atol = TOL[np.float64]
    found = []
    for name, (beta, power, label) in betas.items():
        raw = [np.zeros_like(_f64(d)) for d in data0]
        chain = [np.zeros_like(_f64(d)) for d in data0]
        ok = True
        for t, step in enumerate(grads[:2], 1):
            g = [_f64(x) ** power for x in step]
            raw = [beta * a + (1 - beta) * x for a, x in zip(raw, g)]
            chain = [(beta * a + (1 - beta) * x) / (1 - beta ** t) for a, x in zip(chain, g)]
            got = held[t - 1].get(name)
            if got is None or len(got) != len(chain) or any(np.shape(a) != np.shape(c) for a, c in zip(got, chain)):
                ok = False
                break
            got = [np.asarray(a, _float64) for a in got]
            if not all(core.close(a, c, rtol, atol) for a, c in zip(got, chain)) or \
                    (t == 2 and all(core.close(a, w, rtol, atol) for a, w in zip(got, raw))):
                ok = False
                break
        if ok:
            found.append((name, label))
    if not found:
        return
    names = " and ".join(f"self.{n}" for n, _ in found)
    fixes = ", ".join(f"{n}_hat = {n} / (1 - {lab}**t)" for n, lab in found)
    head = str(exc).split(": parameter")[0]
    fail(f"{head}: after steps 1 and 2 (read back from your optimiser on fresh parameters), {names} "
         f"{'hold' if len(found) > 1 else 'holds'} the bias-CORRECTED moment{'s' if len(found) > 1 else ''}: the bias "
         f"correction was written into the stored state (an in-place {found[0][0]} /= 1 - {found[0][1]}**t), so the "
         f"next step averages from the corrected value; keep the raw moments in {names} and correct into locals, "
         f"{fixes}", "bias-correction-stored")


def _adam_positive_probe(Adam, hyper):
    """Adam fed positive gradients only (no square root of a negative number can occur): names the
    mistake that made the second moment negative when it is not a missing square."""
    r = core.rng("lab08.adam.positive")
    data0 = [r.normal(size=s) for s in ((4, 3), (2, 5))]
    grads = [[r.uniform(0.2, 2.0, d.shape) for d in data0] for _ in range(3)]
    try:
        got = _trajectory(lambda ps: Adam(ps, **hyper), data0, grads, "Adam [positive gradients]", decay=[True, True])
    except core.CheckFailure:
        return
    want = _adam(data0, grads, [True, True], **hyper, shared_mv=True)
    if all(core.close(g, w, *TOL[np.float64]) for gs, ws in zip(got, want) for g, w in zip(gs, ws)):
        said = _moments_said(Adam, hyper)
        fail(f"Adam(params, lr=0.05, beta1=0.8, beta2=0.95, eps=1e-6): the square root of a negative v: {said}",
             "adam-shared-moments" if said == SHARED_MOMENTS else "adam-one-moment-twice")


def _corrections_read_back(Adam, hyper, exc, r, head=None):
    """Adam's move is lr * (m / c1) / (sqrt(v / c2) + eps): with the rule's m and v, move * sqrt(v) * a + move *
    eps = lr * m * b is LINEAR in a = 1 / sqrt(c2) and b = 1 / c1, so the corrections the student's code used at
    each step can be read back from its moves (when m and v are the rule's, the fit is exact) and compared with
    1 - beta**t.  Said only when the fit is exact and some step's correction differs."""
    lr, b1, b2, eps = hyper["lr"], hyper["beta1"], hyper["beta2"], hyper["eps"]
    data0, grads = _problem(r, np.float64, 5)
    try:
        got = _trajectory(lambda ps: Adam(ps, **hyper), data0, grads, "Adam [corrections]")
    except core.CheckFailure:
        return
    theta = [_f64(d) for d in data0]
    m = [np.zeros_like(x) for x in theta]
    v = [np.zeros_like(x) for x in theta]
    read = []
    for t, step in enumerate(grads, start=1):
        rows, rhs = [], []
        for i, g in enumerate(step):
            g = _f64(g)
            m[i] = b1 * m[i] + (1 - b1) * g
            v[i] = b2 * v[i] + (1 - b2) * g * g
            move = theta[i] - got[t - 1][i]
            rows.append(np.stack([(move * np.sqrt(v[i])).ravel(), (-lr * m[i]).ravel()], axis=1))
            rhs.append((-move * eps).ravel())
            theta[i] = got[t - 1][i]
        A, y = np.concatenate(rows), np.concatenate(rhs)
        (a, b), *_ = np.linalg.lstsq(A, y, rcond=None)
        if not (np.isfinite([a, b]).all() and a > 0 and b != 0) or not core.close(A @ [a, b], y, 1e-6, 1e-12):
            return                          # the moves are not of Adam's form with the rule's m and v
        read.append((1 / b, 1 / a ** 2))
    rule = [(1 - b1 ** t, 1 - b2 ** t) for t in range(1, len(read) + 1)]
    # With a small eps only the combined factor sqrt(c2) / c1 of the folded form is well determined.
    combined = [math.sqrt(c2) / c1 for c1, c2 in read]
    if all(abs(x / (w2 / w1) - 1) < 1e-4 for x, (w1, w2) in zip(combined, rule)) and \
            not all(abs(x / (math.sqrt(w2) / w1) - 1) < 1e-4 for x, (w1, w2) in zip(combined, rule)):
        fail(f"{str(exc).split(': parameter')[0]}: m and v are right (read back from your steps), and your steps are "
             f"lr * (1 - beta2**t) / (1 - beta1**t) * m / (sqrt(v) + eps): the square root of the v correction is "
             f"missing; the folded form is lr * sqrt(1 - beta2**t) / (1 - beta1**t) * m / (sqrt(v) + eps), "
             f"from v_hat = v / (1 - beta2**t) under the root", "adam-folded-sqrt-missing")
    said = []
    for k, (name, beta) in enumerate((("m", "beta1"), ("v", "beta2"))):
        yours, want = [c[k] for c in read], [c[k] for c in rule]
        if all(abs(x / w - 1) < 1e-4 for x, w in zip(yours, want)):
            continue
        bv = b1 if k == 0 else b2
        ratio = yours[0] / want[0]
        if all(abs(x / w / ratio - 1) < 1e-4 for x, w in zip(yours, want)):
            # a correction off by one constant factor at every step is also a moment scaled by its inverse
            _moment_scaled(Adam, hyper, exc, head, name, beta, bv, 1 / ratio)
        forms = {f"1 - {beta} at every step (the power t is missing)": [1 - bv] * len(want),
                 f"1 / (1 - {beta}**t) (the moment is MULTIPLIED by 1 - {beta}**t instead of divided by it)":
                     [1 / w for w in want],
                 "1 (no correction)": [1.0] * len(want),
                 f"1 - {beta} * t (a * where the rule has the power **; it is negative once {beta} * t > 1"
                 + (", and the square root of v_hat then meets a negative number)" if k else ")"):
                     [1 - bv * t for t in range(1, len(want) + 1)],
                 f"(1 - {beta})**t": [(1 - bv) ** t for t in range(1, len(want) + 1)]}
        form = next((f for f, vals in forms.items() if all(abs(x / w - 1) < 1e-4 for x, w in zip(yours, vals))),
                    None)
        values = ", ".join(f"{x:.4g}" for x in yours[:4])
        rule_values = ", ".join(f"{w:.4g}" for w in want[:4])
        said.append(f"the bias correction of {name} your code divides by is "
                    f"{form + ' = ' if form else ''}{values}, ... at steps 1, 2, 3, ... where the rule has "
                    f"1 - {beta}**t = {rule_values}, ...")
    if said:
        fail(f"{head or str(exc).split(': parameter')[0]}: m and v are right (read back from your steps), and "
             f"{'; and '.join(said)}: m_hat = m / (1 - beta1**t), v_hat = v / (1 - beta2**t) with t = 1, 2, 3, ...",
             "adam-corrections-read-back")


def _moment_scaled(Adam, hyper, exc, head, name, beta, bv, scale) -> None:
    """The steps read back as the rule's with the correction of ``name`` off by one constant factor at every step:
    the same steps come from that moment itself scaled by ``scale`` with the rule's correction.  The optimiser's own
    state (self.m / self.v, or PyTorch's names) after two steps tells which; when it cannot be read, both are said."""
    names = ("m", "exp_avg", "m_list", "first_moment") if name == "m" else ("v", "exp_avg_sq", "v_list",
                                                                             "second_moment")
    data0, grads = _problem(core.rng("lab08.adam.scaled"), np.float64, 2)
    b1, b2 = hyper["beta1"], hyper["beta2"]
    rule = [np.zeros_like(_f64(d)) for d in data0]
    for step in grads:
        rule = [(b1 * x + (1 - b1) * _f64(g)) if name == "m" else (b2 * x + (1 - b2) * _f64(g) ** 2)
                for x, g in zip(rule, step)]
    held = None
    try:
        params = _params(data0)
        opt = call(lambda ps: Adam(ps, **hyper), params, name="Adam [state]")
        for step in grads:
            _set_grads(params, step)
            _step(opt, "Adam [state]")
        held = next((h for h in _held_state(opt, names).values()
                     if len(h) == len(rule) and all(np.shape(e) == np.shape(w) for e, w in zip(h, rule))), None)
    except core.CheckFailure:
        pass
    hint = (f" ({scale:.4g} = {beta}: the new gradient is added BEFORE {name} is decayed, {name} += (1 - {beta}) * "
            f"...; {name} *= {beta}, which multiplies it by {beta} once more)" if abs(scale / bv - 1) < 1e-6 else
            f" ({scale:.4g} = 1 / (1 - {beta}): the (1 - {beta}) factor of the new term is missing?)"
            if abs(scale * (1 - bv) - 1) < 1e-6 else "")
    rule_text = (f"{name} <- {beta} * {name} + (1 - {beta}) * " + ("g" if name == "m" else "g**2"))
    lead = f"{head or str(exc).split(': parameter')[0]}: "
    if held is not None:
        got = [np.asarray(e, _float64) for e in held]
        if all(core.close(g, scale * w, 1e-9, 1e-12) for g, w in zip(got, rule)) and abs(scale - 1) > 1e-6:
            fail(f"{lead}self.{name} (read from your optimiser after two steps) is {scale:.4g} times the rule's "
                 f"{name} at every entry{hint}: {rule_text}, in that order (decay, then add); the bias correction "
                 f"that follows is right", f"adam-{name}-scaled")
        if all(core.close(g, w, 1e-9, 1e-12) for g, w in zip(got, rule)):
            return      # the moment is the rule's: the correction is what differs (said by the caller)
    fail(f"{lead}your steps are those of {name}_hat = {name} / (1 - {beta}**t) times {scale:.4g} at every step: "
         f"either {name} itself is {scale:.4g} times the rule's{hint} or its bias correction is divided by "
         f"{scale:.4g}; check {rule_text} first, then {name}_hat = {name} / (1 - {beta}**t)", f"adam-{name}-hat-scaled")


def _second_moment_read_back(Adam, hyper, exc, r) -> None:
    """With the rule's m and bias corrections, Adam's move lr * m_hat / (sqrt(v_hat) + eps) gives v back at every
    entry and step: v = c2 * (lr * m_hat / move - eps)**2. Compared with the running average (beta2, from 0) of each
    usual candidate for the averaged quantity; named when one fits every step and the rule's g**2 does not."""
    lr, b1, b2, eps = hyper["lr"], hyper["beta1"], hyper["beta2"], hyper["eps"]
    data0, grads = _problem(r, np.float64, 5)
    try:
        got = _trajectory(lambda ps: Adam(ps, **hyper), data0, grads, "Adam [second moment]")
    except core.CheckFailure:
        return
    candidates = {
        "(g - m)**2, the squared deviation of g from the NEW first moment (AdaBelief's 'belief' term)":
            lambda g, m_new, m_old: (g - m_new) ** 2,
        "(g - m)**2, the squared deviation of g from the first moment of the step before":
            lambda g, m_new, m_old: (g - m_old) ** 2,
        "|g|, the absolute value of the gradient (not squared)": lambda g, m_new, m_old: np.abs(g),
        "m**2, the squared first moment": lambda g, m_new, m_old: m_new ** 2,
        "g**2": lambda g, m_new, m_old: g * g,
    }
    theta = [_f64(d) for d in data0]
    m = [np.zeros_like(x) for x in theta]
    avg = {name: [np.zeros_like(x) for x in theta] for name in candidates}
    fits = dict.fromkeys(candidates, True)
    for t, step in enumerate(grads, start=1):
        c1, c2 = 1 - b1 ** t, 1 - b2 ** t
        for i, g in enumerate(step):
            g = _f64(g)
            m_old, m[i] = m[i], b1 * m[i] + (1 - b1) * g
            move = theta[i] - got[t - 1][i]
            theta[i] = got[t - 1][i]
            ok = np.abs(move) > 1e-9
            if ok.sum() < 3:
                return
            with np.errstate(divide="ignore", invalid="ignore"):
                v_read = c2 * (lr * (m[i] / c1)[ok] / move[ok] - eps) ** 2
            for name, rule in candidates.items():
                avg[name][i] = b2 * avg[name][i] + (1 - b2) * rule(g, m[i], m_old)
                fits[name] = fits[name] and core.close(v_read, avg[name][i][ok], 1e-6, 1e-12)
    if fits.pop("g**2"):
        return
    named = [name for name, fit in fits.items() if fit]
    if named:
        fail(f"{str(exc).split(': parameter')[0]}: m and the bias corrections are right (read back from your steps), "
             f"and your second moment v averages {named[0]}: Adam's v is the running average of the SQUARED "
             f"GRADIENT, v <- beta2 * v + (1 - beta2) * g * g", "adam-second-moment-of-another-quantity")


def _adam_cases(Adam, r, hyper):
    for dtype in (np.float64, np.float32):
        data0, grads = _problem(r, dtype, 5, small=2)
        what = f"Adam(params, lr=0.05, beta1=0.8, beta2=0.95, eps=1e-6) ({np.dtype(dtype)})"
        try:
            _run(lambda ps: Adam(ps, **hyper), data0, grads, _adam(data0, grads, DECAY, **hyper), what, dtype,
                 diagnose=_adam_diagnoses(data0, grads, DECAY, **hyper), adaptive_lr=hyper["lr"])
        except core.CheckFailure as exc:
            if _generic_step(exc):
                make = lambda **h: (lambda ps: Adam(ps, **h))
                oracle = lambda d, g, **h: _adam(d, g, DECAY, **h)
                _equal_hyper_probe(make, oracle, hyper, ("beta1", "beta2"), (0.8, 0.95), exc, r,
                                   "beta1 belongs to m (m *= beta1 and its correction 1 - beta1**t), beta2 to v "
                                   "(v *= beta2 and 1 - beta2**t)",
                                   places=lambda d, g, h: {f"`{p}`": _adam_places(d, g, DECAY, place=p, **h)
                                                           for p in ADAM_PLACES})
                for beta, moment in (("beta2", "v <- beta2 * v + (1 - beta2) * g**2"),
                                     ("beta1", "m <- beta1 * m + (1 - beta1) * g")):
                    _complement_probe(make, oracle, hyper, beta, exc, r, moment)
                _isolate_hyper(make, oracle, hyper, ("lr", "eps"), exc, r)
                _corrections_read_back(Adam, hyper, exc, r)
                _second_moment_read_back(Adam, hyper, exc, r)
            raise
        # L2 coupled with the gradient, only for p.decay.
        data0, grads = _problem(r, dtype, 4)
        wd = dict(hyper, weight_decay=0.3)
        try:
            _run(lambda ps: Adam(ps, **wd), data0, grads, _adam(data0, grads, DECAY, **wd),
                 f"Adam(..., weight_decay=0.3) ({np.dtype(dtype)})", dtype,
                 diagnose={**_adam_diagnoses(data0, grads, DECAY, **wd),
                           **{msg: _adam(data0, grads, DECAY, **wd, penalty=kind)
                              for msg, kind in PENALTY_READINGS.items()}})
        except core.CheckFailure as exc:
            if _generic_step(exc):
                _zero_gradient_probe(lambda ps: Adam(ps, **wd), lambda d, g: _adam(d, g, DECAY, **wd), exc, r)
            raise
    _adam_zero_gradient_step(Adam, r, hyper)
    # Defaults (lr=1e-3, betas 0.9 and 0.999, eps 1e-8) and a learning rate changed between steps; parameter 2's
    # gradients are tiny (sqrt(v_hat) about 1e-5), so the default eps shows in its steps.
    data0, grads = _problem(r, np.float64, 4, small=2)
    lrs = [1e-3, 5e-3, 2e-3, 1e-3]
    try:
        _adam_default_run(Adam, data0, grads, lrs)
    except core.CheckFailure as exc:
        if _generic_step(exc):
            _wrong_default(lambda ps, **kw: Adam(ps, **kw), {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8,
                           "weight_decay": 0.0}, "Adam(params, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, "
                           "weight_decay=0.0)", r, exc)
        raise
    # Two Adams built one after the other and stepped in turn (same shapes: shared state would mix).
    first, second = _problem(r, np.float64, 3), _problem(r, np.float64, 3)
    _interleaved(lambda ps: Adam(ps, **hyper), first, second, lambda d, g: _adam(d, g, DECAY, **hyper),
                 "Adam, two optimisers")
    _in_place(lambda ps: Adam(ps, **hyper), *_problem(core.rng("lab08.in-place"), np.float64, 1),
              "Adam(params, lr=0.05, beta1=0.8, beta2=0.95, eps=1e-6)")
    _kinds_of_state(lambda ps: Adam(ps, **hyper), lambda d, g, f: _adam(d, g, f, **hyper),
                    "Adam(params, lr=0.05, beta1=0.8, beta2=0.95, eps=1e-6)")


def _adam_default_run(Adam, data0, grads, lrs) -> None:
    _run(lambda ps: Adam(ps), data0, grads, _adam(data0, grads, DECAY, lrs=lrs), "Adam(params)", np.float64,
         lrs=lrs, diagnose={**_adam_diagnoses(data0, grads, DECAY, lrs=lrs),
                            "step() must use the current self.lr (a schedule changes it between steps)":
                                _adam(data0, grads, DECAY),
                            **{f"the steps are those of eps = {e:g}: the default eps must be 1e-8 (Adam(params, "
                               f"lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8))": _adam(data0, grads, DECAY, eps=e, lrs=lrs)
                               for e in (1e-7, 1e-6, 1e-10, 0.0)}})


def _adam_zero_gradient_step(Adam, r, hyper) -> None:
    """A step whose gradients are all zero (a batch that does not reach these parameters, a frozen layer) is a step
    like any other: the moments decay, the step counter advances and the parameters still move (m is not 0)."""
    data0, grads = _problem(r, np.float64, 4)
    grads[1] = [np.zeros_like(g) for g in grads[1]]
    what = "Adam(params, lr=0.05, beta1=0.8, beta2=0.95, eps=1e-6), every gradient 0 at step 2 (float64)"
    _run(lambda ps: Adam(ps, **hyper), data0, grads, _adam(data0, grads, DECAY, **hyper), what, np.float64,
         adaptive_lr=hyper["lr"], diagnose={
             **_adam_diagnoses(data0, grads, DECAY, **hyper),
             "the step counter t did not advance at the step whose gradients are all zero (your steps are those of "
             "a t that counts only steps with some nonzero gradient): t counts calls to step(), every one of them; a "
             "step with g = 0 still decays m and v and moves the parameters by the momentum in m":
                 _adam(data0, grads, DECAY, **hyper, t_skip_zero=True),
             "the step whose gradients are all zero was skipped (the parameters, the moments and the step counter "
             "are as if step() had not been called): a step with g = 0 is a step like any other: t advances, m and "
             "v decay (m <- beta1 * m, v <- beta2 * v) and the parameters move by the momentum in m":
                 _adam_skipping(data0, grads, hyper)})


def _adam_skipping(data0, grads, hyper):
    """Adam that ignores a step whose gradients are all zero (the parameters stay; nothing is updated)."""
    return _skipping(lambda d, g: _adam(d, g, DECAY, **hyper), data0, grads)


ZERO_STEP_SKIPPED = ("the step whose gradients are all zero was skipped (the parameters and the {state} are as if "
                     "step() had not been called): a step with g = 0 is a step like any other: {rule}")


def _zero_gradient_step(make, oracle, r, what, state, rule, **run) -> None:
    """A step whose gradients are all zero (a batch that does not reach these parameters, a frozen layer) is a step
    like any other: the state decays and, with momentum, the parameters still move. Skipping it is named."""
    data0, grads = _problem(r, np.float64, 4)
    grads[1] = [np.zeros_like(g) for g in grads[1]]
    _run(make, data0, grads, oracle(data0, grads), f"{what}, every gradient 0 at step 2 (float64)", np.float64,
         diagnose={ZERO_STEP_SKIPPED.format(state=state, rule=rule): _skipping(oracle, data0, grads)}, **run)


def _skipping(oracle, data0, grads):
    """The oracle's parameters when every step whose gradients are all zero is ignored (nothing updated)."""
    kept = [k for k, step in enumerate(grads) if any(np.any(g) for g in step)]
    moved = oracle(data0, [grads[k] for k in kept])
    out, last = [], [_f64(d) for d in data0]
    for k in range(len(grads)):
        if k in kept:
            last = moved[kept.index(k)]
        out.append([x.copy() for x in last])
    return out


#: The Adam of the notebook's text (its rule and its docstring's state: m, v per parameter, a step counter t),
#: lent to the student's Adam class while AdamW is judged when their own Adam does not follow the rule: AdamW then
#: earns or loses its cell on what it adds itself, and Adam's mistake costs the Adam cell only.
_DOCUMENTED_ADAM = '''
def adam_init(self, params, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0):
    import numpy as np
    self.params = list(params)
    self.lr = lr
    self.beta1, self.beta2, self.eps, self.weight_decay = beta1, beta2, eps, weight_decay
    self.t = 0
    self.m = [np.zeros_like(p.data) for p in self.params]
    self.v = [np.zeros_like(p.data) for p in self.params]

def adam_step(self):
    import numpy as np
    self.t += 1
    c1, c2 = 1 - self.beta1 ** self.t, 1 - self.beta2 ** self.t
    for p, m, v in zip(self.params, self.m, self.v):
        g = p.grad + self.weight_decay * p.data if p.decay else p.grad
        m *= self.beta1
        m += (1 - self.beta1) * g
        v *= self.beta2
        v += (1 - self.beta2) * g * g
        p.data -= self.lr * (m / c1) / (np.sqrt(v / c2) + self.eps)
'''


def _adam_follows_rule(Adam, hyper) -> bool:
    """The student's Adam alone gives the rule's parameters over a few steps (float64; cheap)."""
    data0, grads = _problem(core.rng("lab08.adamw.own-adam"), np.float64, 3)
    try:
        got = _trajectory(lambda ps: Adam(ps, **hyper), data0, grads, "Adam [reference for AdamW]")
    except core.CheckFailure:
        return False
    want = _adam(data0, grads, DECAY, **hyper)
    rtol, atol = TOL[np.float64]
    if not all(core.close(g, w, rtol, atol) for gs, ws in zip(got, want) for g, w in zip(gs, ws)):
        return False
    try:        # an Adam that rebinds p.data is judged in adam: AdamW is then judged with the documented one
        _in_place(lambda ps: Adam(ps, **hyper), data0, grads, "Adam [reference for AdamW]")
    except core.CheckFailure:
        return False
    return True


@contextlib.contextmanager
def _documented_adam(Adam):
    """While the block runs, the student's Adam class has the documented __init__ and step (restored after)."""
    lent = core.kernel_functions(_DOCUMENTED_ADAM)
    own = {name: core.gather([Adam], name)[0] for name in ("__init__", "step")}
    try:
        core.scatter([Adam], "__init__", [lent["adam_init"]])
        core.scatter([Adam], "step", [lent["adam_step"]])
        yield
    finally:
        for name, fn in own.items():
            core.scatter([Adam], name, [fn])


def adamw(AdamW, Adam):
    """Decoupled weight decay, judged relative to the student's own Adam (AdamW reuses it); when their Adam does not
    follow the rule (judged in its own cell), relative to the documented Adam lent to their Adam class instead."""
    hyper = dict(lr=0.05, beta1=0.8, beta2=0.95, eps=1e-6)
    if _adam_follows_rule(Adam, hyper):
        _adamw_judged(AdamW, Adam)
        return
    if not core.judged_again(lambda: _adamw_judged(AdamW, Adam), _documented_adam(Adam),
                             "your AdamW was judged with the documented Adam in place of yours, whose steps differ "
                             "from the rule: see the Adam cell"):
        _adamw_judged(AdamW, Adam)      # nothing could be lent: judged on their own Adam


def _adamw_judged(AdamW, Adam):
    r = core.rng("lab08.adamw")
    hyper = dict(lr=0.05, beta1=0.8, beta2=0.95, eps=1e-6)
    lam = 0.3
    for dtype in (np.float64, np.float32):
        data0, grads = _problem(r, dtype, 4)
        broken = None
        try:    # the student's Adam steps (no decay): AdamW must add exactly the decoupled decay to them
            reference = _trajectory(lambda ps: Adam(ps, **hyper), data0, grads, "Adam [reference for AdamW]")
            if not _moves(reference, data0):
                reference = _adam(data0, grads, DECAY, **hyper)     # their Adam changes nothing: the oracle's
        except core.CheckFailure as exc:
            broken = exc
            grads = [[np.zeros_like(g) for g in step] for step in grads]   # any Adam moves nothing then
            reference = [[_f64(d) for d in data0] for _ in grads]
        expected, coupled_like, no_lr, decay_all, after = [], [], [], [], []
        prev_ref = [_f64(d) for d in data0]
        th = [list(prev_ref) for _ in range(9)]
        inverted, decay_only, grad_decay = [], [], []
        shrunk, constant = [], []
        theta = list(prev_ref)
        for k in range(len(grads)):
            delta = [a - b for a, b in zip(reference[k], prev_ref)]
            prev_ref = reference[k]
            theta = [x - (hyper["lr"] * lam * x if f else 0) + d for x, d, f in zip(theta, delta, DECAY)]
            th[0] = [x - (lam * x if f else 0) + d for x, d, f in zip(th[0], delta, DECAY)]
            th[1] = [x - hyper["lr"] * lam * x + d for x, d in zip(th[1], delta)]
            th[2] = [(x + d) * (1 - hyper["lr"] * lam if f else 1) for x, d, f in zip(th[2], delta, DECAY)]
            th[3] = [x + d for x, d in zip(th[3], delta)]
            th[4] = [x * (hyper["lr"] * lam if f else 1) + d for x, d, f in zip(th[4], delta, DECAY)]
            shrunk.append(th[4])
            th[5] = [x - (hyper["lr"] * lam * x if not f else 0) + d for x, d, f in zip(th[5], delta, DECAY)]
            inverted.append(th[5])
            th[6] = [x - (hyper["lr"] * lam * x if f else 0) for x, f in zip(th[6], DECAY)]
            decay_only.append(th[6])
            th[7] = [x - (hyper["lr"] * lam * _f64(g) if f else 0) + d for x, g, d, f in zip(th[7], grads[k], delta, DECAY)]
            grad_decay.append(th[7])
            th[8] = [x - (hyper["lr"] * lam if f else 0) + d for x, d, f in zip(th[8], delta, DECAY)]
            constant.append(th[8])
            expected.append(theta)
            no_lr.append(th[0])
            decay_all.append(th[1])
            after.append(th[2])
            coupled_like.append(th[3])
        what = f"AdamW(params, lr=0.05, beta1=0.8, beta2=0.95, eps=1e-6, weight_decay={lam}) ({np.dtype(dtype)})"
        ignored = {}        # the decay with another lambda than the one given (the argument ignored)
        for other in (1e-2, 1e-4, 5e-4, 1e-3):
            theta, prev, ignored[other] = [_f64(d) for d in data0], [_f64(d) for d in data0], []
            for k in range(len(grads)):
                theta = [x - (hyper["lr"] * other * x if f else 0) + a - b
                         for x, a, b, f in zip(theta, reference[k], prev, DECAY)]
                prev = reference[k]
                ignored[other].append(theta)
        bias_lr, theta, prev = [], [_f64(d) for d in data0], [_f64(d) for d in data0]
        for k in range(len(grads)):     # the decay scaled by Adam's bias-corrected step size (a mistake)
            lr_t = hyper["lr"] * np.sqrt(1 - hyper["beta2"] ** (k + 1)) / (1 - hyper["beta1"] ** (k + 1))
            theta = [x - (lr_t * lam * x if f else 0) + a - b for x, a, b, f in zip(theta, reference[k], prev, DECAY)]
            prev = reference[k]
            bias_lr.append(theta)
        try:
            _adamw_run(AdamW, lam, hyper, data0, grads, expected, what, dtype, no_lr, decay_all, after,
                       coupled_like, shrunk, inverted, decay_only, grad_decay, constant, ignored, bias_lr,
                       flipped=_decayed(reference, data0, hyper["lr"], -lam),
                       l1=_decayed(reference, data0, hyper["lr"], lam, l1=True))
        except core.CheckFailure as exc:
            unwritten = (exc.diagnosis or "").endswith("not-implemented")
            if broken is not None and not unwritten and (
                    exc.diagnosis == broken.diagnosis or _crashes(exc) and _crashes(broken)):
                continue        # the student's Adam alone fails the same way: judged (and deducted) in adam
            if exc.diagnosis == "dtype-not-kept" and dtype != np.float64 and broken is None and \
                    _adam_changes_dtype(Adam, hyper, data0, grads[0]):
                continue        # Adam's own step changes the dtype (judged in adam); AdamW's values were judged
                # on the float64 run against the student's own Adam, and its schedule follows it
            if _generic_step(exc) and broken is None:
                _adamw_decay_factor(AdamW, hyper, exc, r)
                _adamw_hyper_passed(AdamW, Adam, lam, hyper, data0, grads, dtype, exc)
            # (an AdamW that cannot run because Adam is still a stub earns nothing: a blank
            # submission scores 0 here as everywhere)
            raise
        if dtype == np.float64 and broken is None:
            _adamw_schedule(AdamW, Adam, lam, hyper, data0, grads)
            _adamw_zero_gradient(AdamW, Adam, lam, hyper, r)
            _in_place(lambda ps: AdamW(ps, weight_decay=lam, **hyper), data0, grads,
                      f"AdamW(params, lr=0.05, beta1=0.8, beta2=0.95, eps=1e-6, weight_decay={lam})")


def _adamw_decay_factor(AdamW, hyper, exc, r) -> None:
    """After a failure: one step with every p.grad = 0 (Adam's own step is then 0), so a parameter with p.decay is
    multiplied by 1 - lr * lambda and nothing else.  Asked with two pairs (lr, lambda); when the student's step is
    a multiplication by one number in both, that number is told next to 1 - lr * lambda, and a reading of it
    (a precedence slip, lr or lambda alone) only when the same formula gives both numbers."""
    forms = {
        "(1 - lr) * lambda (the parentheses around 1 - lr: 1 - lr * lambda multiplies first)":
            lambda lr, lam: (1 - lr) * lam,
        "lr * lambda (the decay term itself, where theta - lr * lambda * theta belongs)": lambda lr, lam: lr * lam,
        "1 - lambda (the learning rate left out of the decay)": lambda lr, lam: 1 - lam,
        "1 - lr (lambda left out of the decay)": lambda lr, lam: 1 - lr,
        "1 + lr * lambda (the decay added: its sign is flipped)": lambda lr, lam: 1 + lr * lam,
        "(1 - lr * lambda) ** 2 (the decay applied twice per step)": lambda lr, lam: (1 - lr * lam) ** 2,
    }
    found = []
    for lr, lam in ((hyper["lr"], 0.3), (0.1, 0.2)):
        data0 = [r.normal(size=shape) + 3.0 for shape in SHAPES]        # no entry near 0: ratios are read safely
        grads = [[np.zeros(shape) for shape in SHAPES]]
        try:
            got = _trajectory(lambda ps, lr=lr, lam=lam: AdamW(ps, lr=lr, beta1=hyper["beta1"], beta2=hyper["beta2"],
                                                             eps=hyper["eps"], weight_decay=lam), data0, grads, "")
        except core.CheckFailure:
            return
        if not all(core.close(got[0][i], data0[i], 0, 1e-12) for i, f in enumerate(DECAY) if not f):
            return                  # the parameters without p.decay move too: not a decay factor alone
        ratios = np.concatenate([(got[0][i] / data0[i]).ravel() for i, f in enumerate(DECAY) if f])
        c = float(ratios[0])
        if not core.close(ratios, np.full_like(ratios, c), 1e-9, 1e-12):
            return
        found.append((lr, lam, c))
    if all(core.close(c, 1 - lr * lam, 1e-9, 1e-12) for lr, lam, c in found):
        return                      # the decay alone is right: the failure lies elsewhere
    said = "; ".join(f"with lr = {lr}, lambda = {lam}: your factor {c:.6g}, expected 1 - lr * lambda = "
                     f"{1 - lr * lam:.6g}" for lr, lam, c in found)
    reading = next((name for name, form in forms.items()
                    if all(core.close(c, form(lr, lam), 1e-9, 1e-12) for lr, lam, c in found)), None)
    fail(f"{exc}. With every p.grad = 0 (Adam's own step is then 0) one AdamW step multiplies each parameter with "
         f"p.decay by a single number, where theta <- theta - lr * lambda * theta = (1 - lr * lambda) * theta "
         f"belongs: {said}" + (f": your factor is {reading}" if reading else
                               ": look at the line of the decoupled decay"), "adamw-decay-factor")


def _adamw_zero_gradient(AdamW, Adam, lam, hyper, r) -> None:
    """Every p.grad = 0 on a fresh AdamW: Adam's own step is then 0 (m = 0), so only the decoupled decay moves the
    parameters with p.decay, by theta <- (1 - lr * lambda) * theta at every step: it does not depend on the gradient.
    Judged only when the student's Adam leaves the parameters exactly in place on zero gradients (else adam says why)."""
    data0 = [r.normal(size=shape) for shape in SHAPES]
    grads = [[np.zeros(shape) for shape in SHAPES] for _ in range(2)]
    expected, theta = [], [_f64(d) for d in data0]
    for _ in grads:
        theta = [x - hyper["lr"] * lam * x if f else x for x, f in zip(theta, DECAY)]
        expected.append(theta)
    what = (f"AdamW(params, lr=0.05, beta1=0.8, beta2=0.95, eps=1e-6, weight_decay={lam}), every p.grad = 0 "
            f"(Adam's own step is then 0) (float64)")
    make = lambda ps: AdamW(ps, **hyper, weight_decay=lam)
    try:
        got = _trajectory(make, data0, grads, what)
    except core.CheckFailure:
        if not _adam_still(Adam, hyper, data0, grads):
            return              # the student's Adam fails on zero gradients alone: judged (and deducted) in adam
        raise
    rtol, atol = TOL[np.float64]
    if all(core.close(g, w, rtol, atol) for gs, ws in zip(got, expected) for g, w in zip(gs, ws)):
        return
    if not _adam_still(Adam, hyper, data0, grads):
        return                  # the student's Adam moves on zero gradients: judged in adam
    decayed = [i for i, f in enumerate(DECAY) if f]
    if all(core.close(got[-1][i], data0[i], 0, 0) for i in decayed):
        fail(f"{what}: the parameters with p.decay did not move: the decoupled decay theta <- theta - lr * lambda * "
             f"theta does not depend on the gradient (a condition on p.grad, or a decay computed from it, skips it "
             f"when the gradient is 0); apply it to every parameter with p.decay at every step, whatever its "
             f"gradient", "adamw-decay-needs-gradient")
    _run(make, data0, grads, expected, what, np.float64)


def _adam_still(Adam, hyper, data0, grads) -> bool:
    """The student's Adam alone runs on these (zero) gradients and leaves every parameter exactly where it was."""
    try:
        still = _trajectory(lambda ps: Adam(ps, **hyper), data0, grads, "Adam [reference for AdamW]")
    except core.CheckFailure:
        return False
    return all(core.close(g, d, 0, 0) for g, d in zip(still[-1], data0))


def _adam_changes_dtype(Adam, hyper, data0, step) -> bool:
    """One step of the student's Adam alone turns a parameter into another dtype."""
    params = _params(data0)
    try:
        opt = call(lambda ps: Adam(ps, **hyper), params, name="Adam [reference for AdamW]")
        _set_grads(params, step)
        _step(opt, "Adam [reference for AdamW]")
        return any(np.asarray(d).dtype != np.asarray(d0).dtype for d, d0 in zip(core.gather(params, "data"), data0))
    except core.CheckFailure:
        return False


def _decayed(reference, data0, lr, lam, l1=False):
    """AdamW's parameters from Adam's steps ``reference`` (the moves of an Adam run) and the decoupled decay
    (``l1``: the decay of the L1 penalty, lr * lambda * sign(theta), a mistake)."""
    theta, prev, out = [_f64(d) for d in data0], [_f64(d) for d in data0], []
    for step in reference:
        theta = [x - (lr * lam * (np.sign(x) if l1 else x) if f else 0) + _f64(a) - b
                 for x, a, b, f in zip(theta, step, prev, DECAY)]
        prev = [_f64(a) for a in step]
        out.append(theta)
    return out


def _adamw_hyper_passed(AdamW, Adam, lam, hyper, data0, grads, dtype, exc) -> None:
    """AdamW's steps are the student's Adam's with beta1, beta2, eps permuted or left at Adam's defaults (plus the
    decay): AdamW hands its arguments on to Adam (super().__init__) in another order, or not at all."""
    try:
        mine = _trajectory(lambda ps: AdamW(ps, weight_decay=lam, **hyper), data0, grads, "AdamW")
    except core.CheckFailure:
        return
    rtol, atol = TOL[dtype]
    names = ("beta1", "beta2", "eps")
    defaults = {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8}
    readings = []
    for perm in itertools.permutations(range(3)):
        alt = {**hyper, **{n: hyper[names[j]] for n, j in zip(names, perm)}}
        moved = [n for n in names if alt[n] != hyper[n]]
        if moved:
            readings.append((alt, f"your AdamW steps are those of Adam with {', '.join(f'{n}={alt[n]:g}' for n in moved)} "
                                  f"(plus the decay), where {', '.join(f'{n}={hyper[n]:g}' for n in moved)} were given: "
                                  f"AdamW hands these arguments on to Adam in the wrong order; pass them by name, "
                                  f"super().__init__(params, lr=lr, beta1=beta1, beta2=beta2, eps=eps, weight_decay=0.0)"))
    for n in names:
        readings.append(({**hyper, n: defaults[n]},
                         f"your AdamW steps are those of Adam with {n}={defaults[n]:g}, Adam's default (plus the decay), "
                         f"where {n}={hyper[n]:g} was given: AdamW does not hand {n} on to Adam; pass every argument "
                         f"on, super().__init__(params, lr, beta1, beta2, eps, weight_decay=0.0)"))
    head = str(exc).split(": parameter")[0]
    for alt, message in readings:
        try:
            reference = _trajectory(lambda ps, alt=alt: Adam(ps, **alt), data0, grads, "Adam [reference for AdamW]")
        except core.CheckFailure:
            continue
        want = _decayed(reference, data0, hyper["lr"], lam)
        if all(core.close(g, w, rtol, atol) for gs, ws in zip(mine, want) for g, w in zip(gs, ws)):
            fail(f"{head}: {message}", "adamw-arguments-to-adam")


def _adamw_schedule(AdamW, Adam, lam, hyper, data0, grads):
    """A schedule changes opt.lr between steps: the decay must use the current lr, relative to the student's own
    Adam stepped with the same schedule (its own handling of opt.lr is judged in adam, not here)."""
    lrs = [0.05, 0.01, 0.08, 0.02][:len(grads)]
    params = _params(data0)
    opt = call(lambda ps: Adam(ps, **hyper), params, name="Adam [reference for AdamW]")
    reference = []
    for k, step in enumerate(grads):
        opt.lr = lrs[k]
        _set_grads(params, step)
        _step(opt, "Adam [reference for AdamW]")
        reference.append([np.array(expect_array(d, name="Adam [reference for AdamW]: parameter data",
                                                shape=np.shape(g)), dtype=_float64)
                          for d, g in zip(core.gather(params, "data"), step)])
    if not _moves(reference, data0):
        return          # their Adam moves nothing under a schedule: nothing to compare the decay with
    expected, saved = [], []
    theta, kept, prev = [_f64(d) for d in data0], [_f64(d) for d in data0], [_f64(d) for d in data0]
    for k in range(len(grads)):
        delta = [a - b for a, b in zip(reference[k], prev)]
        prev = reference[k]
        theta = [x - (lrs[k] * lam * x if f else 0) + d for x, d, f in zip(theta, delta, DECAY)]
        kept = [x - (hyper["lr"] * lam * x if f else 0) + d for x, d, f in zip(kept, delta, DECAY)]
        expected.append(theta)
        saved.append(kept)
    what = (f"AdamW(params, lr=0.05, beta1=0.8, beta2=0.95, eps=1e-6, weight_decay={lam}) with opt.lr set to "
            f"{', '.join(map(str, lrs))} before the steps")
    _run(lambda ps: AdamW(ps, weight_decay=lam, **hyper), data0, grads, expected, what, np.float64, lrs=lrs,
         diagnose={"the decoupled decay ignores a changed opt.lr: it uses the lr given to the constructor (kept "
                   "from __init__); a schedule sets self.lr between steps, so the decay multiplies by the "
                   "current self.lr": saved})


def _adamw_both(data0, grads, lam, lr, beta1, beta2, eps):
    """AdamW's decoupled decay followed by an Adam step that ALSO adds lambda * theta to the gradient."""
    theta = [_f64(d) for d in data0]
    m, v, out = [0 * x for x in theta], [0 * x for x in theta], []
    for t, step in enumerate(grads, 1):
        theta = [x - lr * lam * x if f else x for x, f in zip(theta, DECAY)]
        for i, (g, f) in enumerate(zip(step, DECAY)):
            g = _f64(g) + (lam * theta[i] if f else 0)
            m[i] = beta1 * m[i] + (1 - beta1) * g
            v[i] = beta2 * v[i] + (1 - beta2) * g * g
            theta[i] = theta[i] - lr * (m[i] / (1 - beta1 ** t)) / (np.sqrt(v[i] / (1 - beta2 ** t)) + eps)
        out.append(list(theta))
    return out


def _adamw_step_in_loop(data0, grads, lam, lr, beta1, beta2, eps):
    """AdamW whose Adam step (super().step()) sits INSIDE the loop over the parameters: after each parameter's
    decay, a full Adam step of every parameter (one per parameter, the step counter advancing each time)."""
    theta = [_f64(d) for d in data0]
    m, v, t, out = [0 * x for x in theta], [0 * x for x in theta], 0, []
    for step in grads:
        for j, f in enumerate(DECAY):
            if f:
                theta[j] = theta[j] - lr * lam * theta[j]
            t += 1
            for i, g in enumerate(step):
                g = _f64(g)
                m[i] = beta1 * m[i] + (1 - beta1) * g
                v[i] = beta2 * v[i] + (1 - beta2) * g * g
                theta[i] = theta[i] - lr * (m[i] / (1 - beta1 ** t)) / (np.sqrt(v[i] / (1 - beta2 ** t)) + eps)
        out.append(list(theta))
    return out


def _crashes(exc) -> bool:
    """A failure that is a raised exception or a numerical warning, not a wrong value."""
    text = str(exc)
    return "not numerically stable" in text or " raised " in text or "NaN or inf" in text


def _adamw_run(AdamW, lam, hyper, data0, grads, expected, what, dtype, no_lr, decay_all, after, coupled_like,
               shrunk, inverted, decay_only, grad_decay, constant, ignored, bias_lr, flipped=None, l1=None):
        _run(lambda ps: AdamW(ps, weight_decay=lam, **hyper), data0, grads, expected, what, dtype, diagnose={
            "the decoupled decay is scaled by Adam's bias-corrected step size, lr * sqrt(1 - beta2**t) / (1 - "
            "beta1**t), where the plain learning rate belongs: the bias corrections belong to the moments m and v "
            "only; the decay is theta <- theta - lr * lambda * theta": bias_lr,
            **{f"the decay uses lambda = {other:g} where weight_decay={lam} was given: the weight_decay argument is "
               f"ignored (a constant written in the step, or the default); decay with the value given to the "
               f"constructor, self.decoupled_weight_decay": traj for other, traj in ignored.items()},
            "only the decoupled decay moved the parameters: Adam's step is missing (call super().step(), or "
            "Adam.step(self), besides the decay)": decay_only,
            "the decoupled decay uses the gradient (lr * lambda * p.grad): it shrinks the parameter itself, "
            "theta <- theta - lr * lambda * theta": grad_decay,
            "the decoupled decay is multiplied by the learning rate: theta <- theta - lr * lambda * theta":
                no_lr,
            "weight decay applied to a parameter with decay=False (a bias): only parameters with p.decay "
            "are decayed": decay_all,
            "the decay must use theta BEFORE the step (decay first, then Adam's step); it was applied to "
            "the updated parameters": after,
            "the decoupled weight decay is missing: AdamW subtracts lr * lambda * theta from every "
            "parameter with p.decay, besides Adam's step": coupled_like,
            "the L2 term went through Adam's moments (coupled weight decay): AdamW decays theta "
            "directly and leaves the gradient alone": _adam(data0, grads, DECAY, **hyper, weight_decay=lam),
            "theta was multiplied BY lr * lambda (p.data *= lr * lambda): the decay SUBTRACTS lr * lambda * theta, "
            "theta <- theta * (1 - lr * lambda)": shrunk,
            DECAY_INVERTED: inverted,
            "the decoupled decay has the wrong sign: it ADDS lr * lambda * theta, so the weights grow; weight decay "
            "shrinks them towards 0: theta <- theta - lr * lambda * theta (p.data -= ..., not +=)": flipped,
            "the decoupled decay subtracts lr * lambda * sign(theta) (the L1 penalty's gradient): weight decay is "
            "proportional to the parameter itself, theta <- theta - lr * lambda * theta": l1,
            "the weight decay is applied TWICE: decoupled (theta -= lr * lambda * theta) AND as Adam's L2 term in "
            "the gradient (self.weight_decay set to lambda before Adam's step, or lambda passed on to Adam's "
            "constructor): AdamW keeps Adam's weight_decay at 0 and decays theta directly only":
                _adamw_both(data0, grads, lam, **hyper),
            "the decoupled decay subtracts lr * lambda, the same amount from every entry: it is proportional to "
            "the parameter, theta <- theta - lr * lambda * theta": constant,
            "Adam's step runs once PER PARAMETER: super().step() is inside the loop over the parameters (indented "
            "one level too deep); decay every parameter in the loop, then call super().step() once, after it":
                _adamw_step_in_loop(data0, grads, lam, **hyper),
            "the decoupled decay is divided by Adam's denominator sqrt(v_hat) + eps (preconditioned like the "
            "gradient step): decoupled means NOT divided by it: theta <- theta - lr * lambda * theta, the same "
            "relative shrink for every entry, besides Adam's step":
                _adam(data0, grads, DECAY, **hyper, weight_decay=lam, decoupled=True, decay_preconditioned=True),
        }, state_dtype=False)       # Adam's state (inherited) is judged by Adam's cells


# =============================================================================================
# Dropout
# =============================================================================================

def _nonzero_inputs(r, shape, dtype):
    return (r.uniform(0.5, 2.0, shape) * r.choice([-1.0, 1.0], shape)).astype(dtype)


def _dropout_result(res, x, what, training=True):
    try:
        out, mask = res
    except (TypeError, ValueError):
        fail(f"{what} must return the pair (out, mask)", "wrong-return-tuple")
    n, d = x.shape
    if n > 1 and tuple(np.shape(out)) == (n, 1) and tuple(np.shape(mask)) == x.shape:
        fail(f"{what}: the mask returned first has shape (N, 1) = {(n, 1)}: return (out, mask) in this order, "
             f"and draw one random number per ACTIVATION, rng.random(x.shape)", "dropout-per-sample-mask")
    if n > 1 and tuple(np.shape(mask)) == (n, 1):
        fail(f"{what}: the mask has shape (N, 1) = {(n, 1)}: one draw per SAMPLE keeps or drops a whole row; "
             f"draw one random number per activation, rng.random(x.shape) of shape (N, D) = {x.shape}",
             "dropout-per-sample-mask")
    out = expect_array(out, name=f"{what}: out", shape=x.shape)
    if mask is None:        # a plain returned value (None comes back as itself), not a student object
        fail(f"{what}: out is returned but the mask is None: return the mask too, an array of x's shape {x.shape} "
             f"(all ones when nothing is dropped, p == 0 or training=False): dropout_backward multiplies dout by "
             f"it", "dropout-mask-none")
    _boolean_mask(out, mask, x, what)
    mask = expect_array(mask, name=f"{what}: mask", shape=None)
    if tuple(mask.shape) == x.shape:
        xs, first = _f64(x), _f64(out)
        if core.close(_f64(mask), xs * first, 1e-6, 1e-9) and not core.close(first, _f64(mask), 1e-6, 1e-9):
            fail(f"{what}: the two values are returned in the wrong order: the function returns (out, mask), "
                 f"out = x * mask first, the mask second", "dropout-returns-swapped")
    if not training and tuple(mask.shape) != x.shape:
        fail(f"{what}: the mask returned in evaluation mode has shape {tuple(mask.shape)}, not the shape of x "
             f"{x.shape}: with training=False nothing is drawn and the mask is all ones of x's shape "
             f"(np.ones_like(x)), so that dropout_backward can multiply dout by it", "dropout-eval-mask-shape")
    if n > 1 and tuple(mask.shape) in ((d,), (1, d)):
        fail(f"{what}: every sample got the same mask (shape {tuple(mask.shape)}): draw one random "
             f"number per activation, shape (N, D) = {x.shape}", "dropout-one-mask-per-batch")
    mask = expect_array(mask, name=f"{what}: mask", shape=x.shape)
    if core.close(_f64(mask), _f64(out), 0, 0) and bool(((_f64(mask) != 0) & (_f64(x) != 1)).any()):
        fail(f"{what}: the mask returned is equal to out, entry for entry (where units are kept x is not 1, so "
             f"out = x * mask cannot equal the mask): the mask's memory holds the output: out was written into the mask (an "
             f"out=mask argument, np.multiply(x, mask, out=mask), or mask *= x), or one array was returned twice; "
             f"keep the mask as drawn (0 or 1 / (1 - p)) and compute out = x * mask in a new array",
             "dropout-mask-holds-out")
    if out.dtype != x.dtype and mask.dtype == x.dtype:
        # the mask returned is cast already: what made out float64 is another factor of its product
        fail(f"{what}: out is {out.dtype} for a {x.dtype} input, while the mask you return is {mask.dtype} (cast "
             f"already): out is computed from something other than that mask, a {out.dtype} array or scalar (the "
             f"boolean draw divided by (1 - p), an uncast rng.random draw, a np.float64 scale): compute out = x * mask "
             f"with the mask you return, so that a float32 network stays float32", "dropout-out-dtype-not-from-mask")
    for name, arr in (("out", out), ("mask", mask)):
        if arr.dtype != x.dtype:
            fail(f"{what}: {name} is {arr.dtype} for a {x.dtype} input: give the mask the dtype of x "
                 f"(rng.random returns float64: .astype(x.dtype)), so that a float32 network stays float32", "dtype-not-kept")
    return out, mask


def _boolean_mask(out, mask, x, what) -> None:
    """A boolean mask of x's shape returned beside out: the kept entries' out / x, one number c, tells whether out
    was scaled (c = 1 / (1 - p): the mask returned is not the one applied) or not."""
    try:
        held = np.asarray(mask)
    except (TypeError, ValueError):
        return
    if held.dtype != np.bool_ or held.shape != x.shape:
        return
    xs, got = _f64(x), _f64(out)
    keep = held & (xs != 0)
    if not keep.any() or not core.close(got[~held], np.zeros(int((~held).sum())), 0, 0):
        return
    ratio = got[keep] / xs[keep]
    c = float(ratio[0])
    if not core.close(ratio, np.full_like(ratio, c), 1e-6, 1e-9):
        return
    applied = (f"out is x * mask * {c:.6g} (the kept entries scaled by {c:.6g}): the mask you returned is not the one "
               f"you applied" if abs(c - 1) > 1e-6 else "out is x where mask is True and 0 elsewhere")
    fail(f"{what}: the mask returned is BOOLEAN (True/False, the keep test itself) and {applied}; return the mask "
         f"out was computed with, a float array in x's dtype with values 0 and 1 / (1 - p) (out == x * mask): "
         f"dropout_backward multiplies dout by it, dx = dout * mask", "dropout-boolean-mask")




def _results_kept(fn, what, first, second, outputs) -> None:
    """Property of every graded function: what one call returned is the caller's, and a later call (same shapes,
    new values: ``first`` then ``second``, the argument tuples, fresh arrays each) neither writes into it nor returns
    the same memory.  An output buffer kept between calls (a module-level array, a default argument, an attribute
    of the function) passes every single call and breaks a network holding two layers' results at once.  Run in the
    kernel, where the first call's arrays are the student's own.  Cheap: two calls, after the cases passed.
    ``outputs``: the names of the returned arrays, in order (nested tuples flattened)."""
    found = core.results_between_calls(fn, first, second) or []     # numbered in the walk's order
    changed = [k for k, r in enumerate(found) if r.changed]
    hit = [k for k, r in enumerate(found) if r.changed or r.shared]
    if not hit:
        return
    names = " and ".join(outputs[k] if k < len(outputs) else f"array {k}" for k in hit)
    fail(f"{what}, called twice with the same shapes and new values: the {names} the first call returned "
         f"{'was overwritten by' if changed else 'shares its memory with the result of'} the second call (both calls "
         f"return the same array): the result is written into a buffer kept between calls (a module-level array "
         f"filled in place, a default argument, an attribute set once), so a caller holding the first result (a "
         f"network keeps each layer's output and cache for the backward pass) sees it change; create the result "
         f"anew in every call", "result-buffer-shared-between-calls")


def _after_change(fn, what, args, labels, oracle, pick, r) -> None:
    """Property of every graded function, asked as a training loop calls it: the same arrays (``labels``: argument
    index -> name) changed IN PLACE between two calls (a new batch written into x's buffer, new gradients in dout);
    the second result (``pick``: the arrays compared, from what the function returned) must be ``oracle``'s on the
    new values.  A result equal to the oracle's on the OLD values is state kept between calls (a cache keyed on
    id(x) or on the shapes).  Cheap: two calls, after the cases passed."""
    changed = tuple(r.normal(size=np.shape(a)).astype(np.asarray(a).dtype) if k in labels else None
                    for k, a in enumerate(args))
    new = tuple(c if c is not None else a for a, c in zip(args, changed))
    args = tuple(np.copy(a) if isinstance(a, np.ndarray) else a for a in args)    # the old values, kept here
    try:
        gots = [np.ravel(np.asarray(g, dtype=_float64)) for g in pick(core.result_after_change(
            fn, tuple(np.copy(a) if isinstance(a, np.ndarray) else a for a in args), changed))]
    except Exception:       # a raise, or a result of another form: the cases ask that
        return
    fits = lambda value: len(gots) == len(value) and all(
        g.size == np.size(w) and core.close(g, np.ravel(np.asarray(w, dtype=_float64)), 1e-7, 1e-10)
        for g, w in zip(gots, value))
    if fits(oracle(*new)):
        return
    old = fits(oracle(*args))
    stale = [label for k, label in labels.items() if not old and fits(oracle(*[args[j] if j == k else a
                                                                               for j, a in enumerate(new)]))]
    if not old and not stale:       # a second input: a fresh call on copies of the new values, nothing changed
        try:
            fresh = [np.ravel(np.asarray(g, dtype=_float64)) for g in pick(core.call(
                fn, *(np.copy(a) if isinstance(a, np.ndarray) else a for a in new), name=what))]
        except Exception:
            fresh = None
        if fresh is not None and len(fresh) == len(gots) and all(
                f.shape == g.shape and core.close(g, f, 1e-12, 0) for f, g in zip(fresh, gots)):
            return      # the same as a fresh call: nothing is kept between calls (the values are the cases' matter)
    said = ("returned the result for the values of the FIRST call" if old else
            f"returned the result for the first call's {' and '.join(stale)} (the new values of the others)" if stale
            else "returned neither the result for the new values nor the one for the old ones")
    fail(f"{what} called twice on THE SAME arrays, {' and '.join(labels.values())} changed in place between the "
         f"calls (as a training loop does: a new batch written into x's buffer, new gradients in dout): the second "
         f"call {said}: your function returned a result computed from the values of an earlier call: state kept "
         f"between calls (a cache keyed on id(x) or on the shapes, a value kept from the first call, a module-level "
         f"variable); compute everything from the arguments' values at every call",
         "stale-after-in-place-change" if old or stale else "state-between-calls-in-place")


def dropout_forward(dropout_forward):
    r = core.rng("lab08.dropout_forward")
    cases = [((300, 47), 0.3, np.float64), ((211, 53), 0.65, np.float32), ((1, 29), 0.4, np.float64),
             ((37, 23), 0.0, np.float32)]
    for shape, p, dtype in cases:
        x = _nonzero_inputs(r, shape, dtype)
        what = f"dropout_forward(x {shape} {np.dtype(dtype)}, p={p}, training=True)"
        out, mask = _dropout_result(call(dropout_forward, x, p, True, np.random.default_rng(11), name=what), x, what)
        rtol = 1e-6 if dtype == np.float64 else 1e-5
        scale = 1.0 / (1.0 - p)
        kept = mask != 0
        if not core.close(mask[kept], np.full(int(kept.sum()), scale), rtol, 0):
            if p and core.close(mask[kept], np.ones(int(kept.sum())), rtol, 0) and \
                    core.close(out, x.astype(_float64) * kept * scale, rtol, 0):
                fail(f"{what}: out is right but the returned mask is the unscaled 0/1 keep mask: return "
                     f"mask = keep / (1 - p) and out = x * mask; dropout_backward multiplies dout by this mask, "
                     f"so it must carry the 1 / (1 - p) too", "dropout-mask-unscaled")
            values = np.unique(np.round(mask[kept].astype(_float64), 6))[:4]
            for wrong, message in ((1.0, "the kept activations are not rescaled: inverted dropout divides them "
                                         "by 1 - p (mask = keep / (1 - p)), so that E[out] = x"),
                                   (1.0 - p, "the kept activations are multiplied by 1 - p: inverted dropout "
                                             "DIVIDES them by 1 - p"),
                                   (1.0 / p if p else math.inf, "the kept activations are divided by p: p is "
                                                                "the probability of DROPPING, divide by 1 - p")):
                if core.close(mask[kept], np.full(int(kept.sum()), wrong), rtol, 0):
                    fail(f"{what}: {message}", _diag_id(message.split(":")[0]))
            fail(f"{what}: every kept unit's mask value must be 1 / (1 - p) = {scale:.6g}; found {values}", "dropout-wrong-scale")
        _out_from_another_mask(out, x, mask, scale, rtol, what)
        expect_close(out, x.astype(_float64) * mask, name=f"{what}: out (must be x * mask)", rtol=rtol, atol=0,
                     diagnose={} if not p else {
            f"out is x * mask / (1 - p): the kept activations are divided by 1 - p TWICE (your returned mask already "
            f"holds 1 / (1 - p) = {scale:.4g}, and out divides once more): out = x * mask, with the mask that carries "
            f"the scaling": lambda: x.astype(_float64) * mask * scale,
            "out is x * mask * (1 - p): the 1 / (1 - p) the mask carries is undone in out (the kept activations "
            "come out unscaled): out = x * mask": lambda: x.astype(_float64) * mask * (1 - p),
        })
        if x.size >= 5000:
            frac, sd = float(kept.mean()), math.sqrt(p * (1 - p) / x.size)
            off = abs(frac - (1 - p)) > 6 * sd + 1e-3
            if off and abs(frac - p) <= 6 * sd + 1e-3:
                fail(f"{what}: {frac:.3f} of the units were kept: p is the probability of DROPPING a unit, "
                     f"each unit is kept with probability 1 - p = {1 - p:g}", "dropout-keeps-with-p")
            if off and (kept.all() or not kept.any()):
                fail(f"{what}: {'every' if kept.all() else 'no'} unit was kept, all together (expected about "
                     f"1 - p = {1 - p:g} of them, each on its own draw): the mask comes from ONE random number "
                     f"for the whole array (rng.random() without a shape); draw one per unit: "
                     f"rng.random(x.shape) >= p", "dropout-one-draw")
            # the structure of the mask before its rate: rows (or columns) all alike come from too few draws, and
            # the fraction kept then varies with the few draws made
            if bool((mask == mask[:1]).all()):
                fail(f"{what}: every sample got the same mask (its {x.shape[0]} rows are identical"
                     f"{f', {frac:.3f} of the units kept' if off else ''}): one draw per feature shared by the "
                     f"batch; draw one random number per activation, rng.random(x.shape), shape (N, D), not (D,)",
                     "dropout-one-mask-per-batch")
            if bool((mask == mask[:, :1]).all()):
                fail(f"{what}: all the units of a sample are kept or dropped together: draw one random "
                     f"number per activation, shape (N, D)", "dropout-one-draw-per-sample")
            if off:
                _normal_draws(dropout_forward, r, what, frac, p, x.size)
                _rate_ignores_p(dropout_forward, r, what, frac, p, x.size)
                fail(f"{what}: {frac:.3f} of the units were kept, expected about 1 - p = {1 - p:g}", "dropout-wrong-rate")
            _counts_binomial(kept, p, what)
        if p == 0.0 and not core.close(out, x, 0, 0):
            fail(f"{what}: with p = 0 nothing may be dropped or rescaled", "dropout-p-zero")
    # Reproducible from the rng argument; a fresh mask at every call.
    x = _nonzero_inputs(r, (40, 31), np.float64)
    what = "dropout_forward(x (40, 31), p=0.5, training=True)"
    a = _dropout_result(call(dropout_forward, x, 0.5, True, np.random.default_rng(3), name=what), x, what)[1]
    b = _dropout_result(call(dropout_forward, x, 0.5, True, np.random.default_rng(3), name=what), x, what)[1]
    if not core.close(a, b, 0, 0):
        fail(f"{what}: two calls with generators seeded alike gave different masks: draw the mask from "
             f"the rng argument (rng.random(x.shape)), not from np.random", "dropout-not-from-rng")
    rng = np.random.default_rng(4)
    a = _dropout_result(call(dropout_forward, x, 0.5, True, rng, name=what), x, what)[1]
    b = _dropout_result(call(dropout_forward, x, 0.5, True, rng, name=what), x, what)[1]
    if core.close(a, b, 0, 0):
        fail(f"{what}: two successive calls dropped exactly the same units: draw a new mask at every call", "dropout-same-mask-every-call")
    # Evaluation mode: the identity.
    for shape, p, dtype in (((23, 41), 0.3, np.float64), ((1, 17), 0.6, np.float32), ((9, 13), 0.5, np.float64)):
        x = _nonzero_inputs(r, shape, dtype)
        what = f"dropout_forward(x {shape} {np.dtype(dtype)}, p={p}, training=False)"
        out, mask = _dropout_result(call(dropout_forward, x, p, False, np.random.default_rng(5), name=what), x, what,
                                    training=False)
        if bool((out == 0).any()):
            fail(f"{what}: dropout is active in evaluation mode: with training=False nothing is dropped "
                 f"(out = x)", "dropout-active-in-evaluation")
        expect_close(out, x, name=f"{what}: out", rtol=1e-6, atol=0, diagnose={
            "in evaluation mode out = x: inverted dropout already divided by 1 - p during training, so "
            "nothing is rescaled at evaluation": x.astype(_float64) * (1 - p),
            "evaluation mode must not rescale: out = x": x.astype(_float64) / (1 - p),
        })
        scaled = {f"the mask in evaluation mode is 1 / (1 - p) = {1 / (1 - p):.4g} everywhere (the training mode's "
                  f"scale of a kept unit): in evaluation mode nothing is dropped or rescaled, the mask is all ONES (the "
                  f"backward multiplies dout by it, so a scaled mask scales the gradient)": np.full(shape, 1 / (1 - p)),
                  f"the mask in evaluation mode is 1 - p = {1 - p:.4g} everywhere: in evaluation mode nothing is "
                  f"dropped or rescaled, the mask is all ONES": np.full(shape, 1 - p)}
        try:
            expect_close(mask, np.ones(shape), name=f"{what}: mask (ones in evaluation mode)", rtol=0, atol=0,
                         diagnose=scaled)
        except core.CheckFailure as exc:
            if str(exc.diagnosis).startswith("the-mask-in-evaluation-mode"):
                fail(str(exc), "dropout-eval-mask-scaled")
            raise
    k = core.rng("lab08.dropout_forward.kept")
    _results_kept(dropout_forward, "dropout_forward(x (12, 7) float64, p=0.4, training=True)",
                  *[(_nonzero_inputs(k, (12, 7), np.float64), 0.4, True, np.random.default_rng(seed)) for seed in (5, 6)],
                  ("out", "mask"))


def _counts_binomial(kept, p, what) -> None:
    """Each unit is kept on its own draw, so the number kept in a row (a sample) varies from row to row as a
    binomial, variance D p (1 - p); likewise down a column.  A spread far below that (a quarter of it: about nine
    standard deviations of the sample variance over these hundreds of rows) means the count was fixed."""
    n, d = kept.shape
    for axis, count, where, of in ((1, d, "sample (row)", "units"), (0, n, "unit (column)", "samples")):
        counts = kept.sum(axis=axis)
        expected = count * p * (1 - p)
        if len(counts) < 100 or expected < 2 or float(np.var(counts)) >= 0.25 * expected:
            continue
        said = (f"every {where} keeps exactly {int(counts[0])} of its {count} {of}" if counts.min() == counts.max()
                else f"the number kept per {where} hardly varies (from {int(counts.min())} to {int(counts.max())} "
                     f"of {count}, variance {float(np.var(counts)):.3g})")
        fail(f"{what}: {said}, where independent draws make that number vary from one {where.split(' ')[0]} to the "
             f"next (a binomial: variance about {count} * p * (1 - p) = {expected:.3g}): each unit is dropped on its "
             f"own draw with probability p, keep = rng.random(x.shape) >= p; a fixed count (a permutation, "
             f"rng.choice(..., replace=False), the k smallest draws) is not dropout's rule",
             "dropout-fixed-count-per-" + ("row" if axis == 1 else "column"))


def _out_from_another_mask(out, x, mask, scale, rtol, what) -> None:
    """out is itself a dropout of x (every entry 0 or x / (1 - p)) and so is the mask, but they drop different
    units: out was made with one draw and the mask returned comes from another (or the reverse)."""
    x64, o64 = _f64(x), _f64(out)
    dropped = o64 == 0
    if not bool((dropped | np.isclose(o64, x64 * scale, rtol=rtol, atol=0)).all()):
        return
    n_diff = int((dropped != (mask == 0)).sum())
    if n_diff:
        fail(f"{what}: out is a dropout of x (each entry 0 or x / (1 - p)) and the mask is one too, but they drop "
             f"different units ({n_diff} of {x.size} differ): out is not x * the mask you return. The mask returned "
             f"must be the one applied to x: draw ONCE, keep = rng.random(x.shape) >= p, mask = keep / (1 - p), "
             f"out = x * mask (dropout_backward multiplies dout by the returned mask: a second draw sends gradient "
             f"through units that were dropped)", "dropout-mask-not-applied")


def _rate_ignores_p(dropout_forward, r, what, frac, p, size) -> None:
    """The kept fraction is the same at a second, distant p: p does not enter the draw."""
    x, q = _nonzero_inputs(r, (211, 53), np.float64), (0.65 if abs(p - 0.65) > 0.2 else 0.1)
    try:
        mask = _dropout_result(call(dropout_forward, x, q, True, np.random.default_rng(13), name=what), x, what)[1]
    except core.CheckFailure:
        return
    second = float((mask != 0).mean())
    if abs(second - frac) <= 6 * math.sqrt(0.25 / x.size) + 6 * math.sqrt(0.25 / size) + 1e-3:
        fail(f"{what}: {frac:.3f} of the units were kept, expected about 1 - p = {1 - p:g}; at p = {q} "
             f"{second:.3f} were kept (expected {1 - q:g}): the fraction kept does not depend on p, so p does not "
             f"enter the draw (a coin flip such as rng.integers(0, 2), or a fixed threshold?); keep = "
             f"rng.random(x.shape) >= p keeps each unit with probability 1 - p", "dropout-rate-ignores-p")


def _normal_draws(dropout_forward, r, what, frac, p, size) -> None:
    """A kept fraction of 1 - Phi(p) (Phi the standard normal CDF) instead of 1 - p, at p and again at a second p:
    the draws are standard normal (randn) where the rule compares uniform draws in [0, 1) with p."""
    phi = lambda z: 0.5 * (1 + math.erf(z / math.sqrt(2)))
    near = lambda f, q, size: abs(f - (1 - phi(q))) <= 6 * math.sqrt(q * (1 - q) / size) + 1e-3
    x, q = _nonzero_inputs(r, (211, 53), np.float64), (0.65 if abs(p - 0.65) > 0.1 else 0.3)
    if not near(frac, p, size):
        return
    try:
        mask = _dropout_result(call(dropout_forward, x, q, True, np.random.default_rng(12), name=what), x, what)[1]
    except core.CheckFailure:
        return
    second = float((mask != 0).mean())
    if near(second, q, x.size):
        fail(f"{what}: {frac:.3f} of the units were kept, expected about 1 - p = {1 - p:g}; at p = {q} {second:.3f} were "
             f"kept: both are the fraction of STANDARD NORMAL draws >= p (1 - Phi(p) = {1 - phi(p):.3f} and "
             f"{1 - phi(q):.3f}): the mask is drawn with rng.standard_normal (randn) where uniform draws in [0, 1) "
             f"are needed, keep = rng.random(x.shape) >= p", "dropout-normal-draws")


def dropout_backward(dropout_backward):
    r = core.rng("lab08.dropout_backward")
    for shape, p, dtype in (((9, 4), 0.3, np.float64), ((1, 6), 0.5, np.float32), ((13, 7), 0.7, np.float64)):
        keep = r.random(shape) >= p
        mask = (keep / (1 - p)).astype(dtype)
        dout = r.normal(size=shape).astype(dtype)
        what = f"dropout_backward(dout {shape} {np.dtype(dtype)}, mask)"
        try:
            got = expect_array(call(dropout_backward, dout, mask, name=what), name=what, shape=shape)
        except core.CheckFailure as exc:
            if exc.diagnosis == "not-numerically-stable":
                _dropout_backward_warned(dropout_backward, exc, r, what)
            _foreign_shape(exc, {"dout": shape, "mask": shape}, probe=lambda names: _transposed_probe(dropout_backward, r))
            _product_shape(exc, {"dout": shape, "mask": shape}, "dx = dout * mask")
            raise
        if got.dtype != dout.dtype:
            fail(f"{what}: dx is {got.dtype} for {np.dtype(dtype)} dout and mask: dx keeps the dtype of dout (a float32 "
                 f"network stays float32, a float64 one float64): dout * mask already has it; a cast (.astype) or a "
                 f"buffer of another dtype changes it", "dtype-not-kept")
        d64 = dout.astype(_float64)
        expect_close(got, d64 * mask, name=what, rtol=1e-6, atol=1e-7, diagnose={
            "the gradient must go through the same mask as the forward pass: dx = dout * mask": d64,
            "the mask already holds the 1 / (1 - p) scaling: multiply by it as it is": d64 * keep,
            "the 1 / (1 - p) is applied twice: the mask already holds it": d64 * mask / (1 - p),
            "the entries where dout is NEGATIVE send nothing back (a mask dout > 0, as in ReLU's backward, or a "
            "max(dout, 0)): a backward is linear in dout; dx = dout * mask whatever the sign of dout":
                np.maximum(d64, 0) * mask,
            "the sign of dout is lost (abs, or a square root of a square): dx = dout * mask, with dout's sign":
                np.abs(d64) * mask,
        })
    _dropout_backward_mixed_dtypes(dropout_backward, r)
    k = core.rng("lab08.dropout_backward.kept")
    _results_kept(dropout_backward, "dropout_backward(dout (12, 7) float64, mask)",
                  *[(k.normal(size=(12, 7)), (k.random((12, 7)) >= 0.4) / 0.6) for _ in range(2)], ("dx",))
    _after_change(dropout_backward, "dropout_backward(dout (12, 7) float64, mask)",
                  (k.normal(size=(12, 7)), (k.random((12, 7)) >= 0.4) / 0.6), {0: "dout"},
                  lambda d, m: [_f64(d) * _f64(m)], lambda got: [got], k)


def _dropout_backward_mixed_dtypes(dropout_backward, r) -> None:
    """The docstring: dx has the dtype of DOUT. Asked with a float64 dout and a float32 mask (dout * mask is then
    float64 by NumPy's promotion; the other way round it would need a cast the docstring does not ask for)."""
    for d_dtype, m_dtype in ((np.float64, np.float32),):
        keep = r.random((6, 5)) >= 0.4
        mask = (keep / 0.6).astype(m_dtype)
        dout = r.normal(size=(6, 5)).astype(d_dtype)
        what = f"dropout_backward(dout (6, 5) {np.dtype(d_dtype)}, mask (6, 5) {np.dtype(m_dtype)})"
        got = expect_array(call(dropout_backward, dout, mask, name=what), name=what, shape=(6, 5))
        if got.dtype != dout.dtype:
            said = (f"the MASK's dtype ({np.dtype(m_dtype)}): the result is cast to mask.dtype (or built in a buffer "
                    f"like the mask)" if got.dtype == mask.dtype else f"{got.dtype}")
            fail(f"{what}: dx is {got.dtype}, expected {np.dtype(d_dtype)}: the docstring says dx has the dtype of "
                 f"dout; yours has {said}: cast to dout.dtype (dout * mask.astype(dout.dtype)), not to the mask's",
                 "dtype-of-mask-not-dout")
        expect_close(got, dout.astype(_float64) * mask.astype(_float64), name=what, rtol=1e-5, atol=1e-6)


def _foreign_shape(exc, shapes: dict, probe=None) -> None:
    """A broadcast error naming a shape no argument has: the array came from outside the call.  When that shape
    is an argument's with its two axes swapped, ``probe(names)`` (square arguments, where a transpose raises
    nothing) says which argument was transposed, or None."""
    text = str(exc)
    if "broadcast" not in text:
        return
    found = [tuple(int(v) for v in m.split(",") if v.strip()) for m in re.findall(r"\(([\d,]+)\)", text.split(" (called")[0])]
    foreign = [f for f in found if f and f not in shapes.values()]
    flipped = [k for k, v in shapes.items() if foreign and len(v) == 2 and v != v[::-1] and foreign[0] == v[::-1]]
    if flipped and probe is not None:
        said = probe(flipped)
        if said:
            fail(f"{text}: an array of shape {foreign[0]}, the shape {shapes[flipped[0]]} of {' and '.join(flipped)} "
                 f"with its two axes swapped, took part: {said}", "argument-transposed")
    if foreign:
        args = ", ".join(f"{k} {v}" for k, v in shapes.items())
        fail(f"{text}: an array of shape {foreign[0]} took part, and no argument has that shape ({args}): it does not "
             f"come from this call's arguments (a module-level variable, or a value kept from an earlier call?); "
             f"compute from the arguments only: dx = dout * mask", "array-from-outside-the-call")


def _transposed_probe(dropout_backward, r) -> str | None:
    """dropout_backward on SQUARE dout and mask (no shape error possible): the result dout * mask.T (or dout.T *
    mask) says which argument the code transposes."""
    keep = r.random((6, 6)) >= 0.4
    mask, dout = keep / 0.6, r.normal(size=(6, 6))
    try:
        got = _f64(expect_array(call(dropout_backward, dout, mask, name="dropout_backward"), name="dx", shape=(6, 6)))
    except core.CheckFailure:
        return None
    for name, value in (("mask", dout * mask.T), ("dout", dout.T * mask), ("the product", (dout * mask).T)):
        if core.close(got, value, 1e-9, 1e-12) and not core.close(value, dout * mask, 1e-9, 1e-12):
            return (f"on square dout and mask (6 x 6, where a transpose raises nothing) your result is exactly "
                    f"{'dout * mask.T' if name == 'mask' else 'dout.T * mask' if name == 'dout' else '(dout * mask).T'}"
                    f": {name} is transposed (.T); dout and mask have the same shape (N, D), entry (n, j) of dx is "
                    f"dout[n, j] * mask[n, j]: dx = dout * mask, nothing transposed")
    return None


def _product_shape(exc, shapes: dict, rule: str) -> None:
    """A wrong shape that is the shape of a MATRIX product of two arguments ((N, D) @ (D, N) -> (N, N)), where
    the rule multiplies them entry by entry: @ (or np.dot) written for *."""
    m = re.search(r"expected shape \(([\d, ]+)\), got \(([\d, ]+)\)", str(exc))
    if not m:
        return
    got = tuple(int(v) for v in m.group(2).split(",") if v.strip())
    for a, sa in shapes.items():
        for b, sb in shapes.items():
            if a == b or len(sa) != 2 or len(sb) != 2 or got in shapes.values():
                continue
            for product, shape in ((f"{a} @ {b}.T", (sa[0], sb[0])), (f"{a}.T @ {b}", (sa[1], sb[1]))):
                if got == shape:
                    fail(f"{exc}: {got} is the shape of the matrix product {product} (np.dot / @ multiplies rows by "
                         f"columns and sums), where the rule multiplies entry by entry ({rule}: * keeps the shape "
                         f"{sa})", "matrix-product-for-elementwise")


def _dropout_backward_warned(dropout_backward, exc, r, what):
    """A NumPy warning in dropout_backward (it needs no exp, log or root): re-run on a mask without
    zeros; a result dout / mask there confirms the division by the mask."""
    warned = f"'{exc.warning}'"
    dout = r.normal(size=(5, 3))
    mask = r.uniform(1.2, 3.0, (5, 3))
    try:
        got = expect_array(call(dropout_backward, dout, mask, name=what), name=what, shape=(5, 3))
    except core.CheckFailure:
        got = None
    if got is not None and core.close(got, dout / mask, 1e-6, 1e-9):
        fail(f"{what}: numpy warned {warned}: dropout_backward divides dout by the mask (on a mask without zeros "
             f"it returns dout / mask), and the mask is 0 at every dropped unit; the mask already holds the "
             f"1 / (1 - p) scaling: dx = dout * mask", "dropout-backward-divides-by-mask")
    fail(f"{what}: numpy warned {warned} (a division by zero or an invalid operation; the mask is 0 at every "
         f"dropped unit): dropout_backward needs no division: dx = dout * mask", "dropout-backward-warned")


# =============================================================================================
# Batch normalisation
# =============================================================================================

def _bn_oracle(x, gamma, beta, rm, rv, training, momentum, eps, *, eps_outside=False, ddof=0, axis=0,
               running_in_training=False, swap=False, momentum_swapped=False, running_std=False,
               batch_in_eval=False, update_in_eval=False, running_ddof=None, std_as_var=False):
    """Batch norm, one feature (column) at a time, float64; flags reproduce mistakes."""
    x = _f64(x)
    n, d = x.shape
    out = np.empty_like(x)
    new_rm, new_rv = _f64(rm).copy(), _f64(rv).copy()
    xhat = np.empty_like(x)
    inv = np.empty((1, d))
    cols = range(d)
    if axis == 1:       # statistics over the features of each sample (a layer norm, not a batch norm)
        mean_r = x.mean(axis=1, keepdims=True)
        var_r = x.var(axis=1, keepdims=True)
        return (_f64(gamma) * (x - mean_r) / np.sqrt(var_r + eps) + _f64(beta)), new_rm, new_rv, None
    for j in cols:
        col = x[:, j]
        batch_mean = sum(col) / n
        sq = sum((c - batch_mean) ** 2 for c in col)
        batch_var = sq / (n - ddof) if n - ddof > 0 else math.nan
        if std_as_var:
            batch_var = math.sqrt(batch_var)
        use_batch = (training and not running_in_training) or (not training and batch_in_eval)
        mean, var = (batch_mean, batch_var) if use_batch else (float(rm[0, j]), float(rv[0, j]))
        scale = 1.0 / (math.sqrt(var) + eps) if eps_outside else 1.0 / math.sqrt(var + eps)
        g, b = (float(beta[0, j]), float(gamma[0, j])) if swap else (float(gamma[0, j]), float(beta[0, j]))
        xhat[:, j] = (col - mean) * scale
        out[:, j] = g * xhat[:, j] + b
        inv[0, j] = scale
        if training or update_in_eval:
            m_new, m_old = (1 - momentum, momentum) if momentum_swapped else (momentum, 1 - momentum)
            r_var = sq / (n - running_ddof) if running_ddof is not None and n > running_ddof else batch_var
            new_rm[0, j] = m_old * float(rm[0, j]) + m_new * batch_mean
            new_rv[0, j] = m_old * float(rv[0, j]) + m_new * (math.sqrt(r_var) if running_std else r_var)
    return out, new_rm, new_rv, (xhat, _f64(gamma), inv)


def _bn_inputs(r, n, d, dtype):
    """Columns with different means and scales; column 0 nearly constant, so eps matters."""
    scales = r.uniform(0.5, 3.0, d)
    scales[0] = 0.01
    x = r.normal(r.normal(0, 2, d), scales, (n, d))
    gamma = r.uniform(0.5, 2.0, (1, d)) * r.choice([-1, 1], (1, d))
    beta = r.normal(0, 1, (1, d))
    rm = r.normal(0, 1, (1, d))
    rv = r.uniform(0.2, 3.0, (1, d))
    rv[0, 0] = 5e-4
    return [a.astype(dtype) for a in (x, gamma, beta, rm, rv)]


def _bn_result(res, n, d, what, x_dtype):
    try:
        out, rm, rv, cache = res
    except (TypeError, ValueError):
        fail(f"{what} must return the 4-tuple (out, running_mean, running_var, cache)", "wrong-return-tuple")
    out = expect_array(out, name=f"{what}: out", shape=(n, d))
    if out.dtype != x_dtype:
        fail(f"{what}: out is {out.dtype} for {x_dtype} inputs: keep the dtype of x (Python numbers "
             f"keep it; np.float64 scalars turn float32 arrays into float64)", "dtype-not-kept")
    return out, rm, rv, cache


def _running(rm, rv, d, what):
    return (expect_array(rm, name=f"{what}: running_mean", shape=(1, d)),
            expect_array(rv, name=f"{what}: running_var", shape=(1, d)))


def _bn_out_close(out, want, what, rtol, atol, mk, default_eps):
    expect_close(out, want[0], name=f"{what}: out", rtol=rtol, atol=atol, diagnose={
        "eps goes INSIDE the square root: x_hat = (x - mean) / sqrt(var + eps)": lambda: mk(eps_outside=True)()[0],
        "use the biased batch variance (divide by N, np.var's default), as the lab states":
            lambda: mk(ddof=1)()[0],
        "the statistics are taken over the wrong axis: batch norm averages each feature over the BATCH "
        "(axis=0, keepdims=True)": lambda: mk(axis=1)()[0],
        "training mode normalises with the BATCH statistics, not the running ones":
            lambda: mk(running_in_training=True)()[0],
        "gamma scales and beta shifts: out = gamma * x_hat + beta (they are swapped)": lambda: mk(swap=True)()[0],
        "eps is ignored: use the eps argument": default_eps,
        "the standard deviation was used as the variance (x.std instead of x.var): x_hat = (x - mean) / "
        "sqrt(var + eps) with var the mean of the squared deviations": lambda: mk(std_as_var=True)()[0],
    })


def _bn_statistics_used(exc, out, x, gamma, beta, rm, rv, momentum, eps, training=True):
    """Batch norm's out is an affine function of each column of x: read back the mean and variance the code
    normalised with (x_hat = (out - beta) / gamma = (x - mean) / sqrt(var + eps)) and say what they are."""
    x, out, gamma, beta = _f64(x), _f64(out), _f64(gamma), _f64(beta)
    n, d = x.shape
    if n < 2 or out.shape != x.shape or not np.isfinite(out).all():
        return
    mean0, var0 = (x.mean(0), x.var(0)) if training else (_f64(rm)[0], _f64(rv)[0])
    x_hat = (x - mean0) / np.sqrt(var0 + eps)
    if core.close(out, x_hat, 1e-6, 1e-8) and not core.close(gamma * x_hat + beta, x_hat, 1e-6, 1e-8):
        head = str(exc).split(" has wrong values")[0]
        fail(f"{head}: out is exactly x_hat = (x - mean) / sqrt(var + eps), with gamma and beta never applied"
             f"{' in evaluation mode' if not training else ''}: out = gamma * x_hat + beta in both modes",
             "bn-gamma-beta-missing")
    if core.close(out, gamma * x + beta, 1e-6, 1e-8) and not core.close(x, (x - x.mean(0)) / x.std(0), 1e-3, 1e-3):
        head = str(exc).split(" has wrong values")[0]
        fail(f"{head}: out is exactly gamma * x + beta: x itself is scaled and shifted where the normalised "
             f"x_hat = (x - mean) / sqrt(var + eps) belongs; out = gamma * x_hat + beta", "bn-raw-x-scaled")
    mean, var = np.empty(d), np.empty(d)
    for j in range(d):
        xh = (out[:, j] - beta[0, j]) / gamma[0, j]
        A = np.stack([x[:, j], np.ones(n)], axis=1)
        (a, c), *_ = np.linalg.lstsq(A, xh, rcond=None)
        if not core.close(A @ [a, c], xh, 1e-6, 1e-8) or abs(a) < 1e-12:
            return                                  # not a per-feature affine map: nothing to read back
        mean[j], var[j] = -c / a, 1 / a ** 2 - eps
    bm, bv = x.mean(0), x.var(0)
    means = {"the batch mean": bm, "the running mean passed in": _f64(rm)[0],
             "x.mean() over ALL entries (no axis)": np.full(d, x.mean()),
             "the running mean after this batch's update": (1 - momentum) * _f64(rm)[0] + momentum * bm,
             "the batch MEDIAN (np.median, the middle value) where the batch MEAN belongs": np.median(x, 0)}
    variances = {"the biased batch variance": bv, "the running variance passed in": _f64(rv)[0],
                 "the variance over ALL entries of x (no axis)": np.full(d, ((x - bm) ** 2).mean()),
                 "x.var() over ALL entries (no axis)": np.full(d, x.var()),
                 "mean(x**2) - mean(x), the mean not squared (the variance is mean(x**2) - mean(x)**2)":
                     (x ** 2).mean(0) - bm,
                 "mean(x**2), the mean not subtracted (the variance is mean((x - mean)**2))": (x ** 2).mean(0),
                 "the running variance after this batch's update": (1 - momentum) * _f64(rv)[0] + momentum * bv,
                 "mean((x - running_mean)**2), the squared deviations from the running mean passed in (the "
                 "variance is taken around the BATCH mean it is normalised with)":
                     ((x - _f64(rm)[0]) ** 2).mean(0),
                 "the mean squared deviation from that median": ((x - np.median(x, 0)) ** 2).mean(0)}
    if not training:    # x_hat = (x - mean) / sqrt(var + eps): read back "var" is what was put beside eps
        variances.update({"the running variance without eps (eps missing from sqrt(running_var + eps))":
                          _f64(rv)[0] - eps, "the running variance with eps added twice": _f64(rv)[0] + eps})
    m_name = next((k for k, v in means.items() if core.close(mean, v, 1e-5, 1e-7)), None)
    v_name = next((k for k, v in variances.items() if core.close(var, v, 1e-4, 1e-6)), None)
    if not training and m_name and v_name and (m_name, v_name) != ("the running mean passed in",
                                                                   "the running variance passed in"):
        head = str(exc).split(" has wrong values")[0]
        fail(f"{head} normalises x with {m_name} and {v_name}; in evaluation mode it normalises with the "
             f"running statistics passed in, as they are: (x - running_mean) / sqrt(running_var + eps)",
             "bn-eval-normalised-with-wrong-statistics")
    if training and m_name == "the batch mean" and v_name and v_name.startswith("mean(x**2)"):
        head = str(exc).split(" has wrong values")[0]
        fail(f"{head}: out normalises x with the batch mean and, as its variance, {v_name}",
             "bn-variance-formula")
    if training and m_name == "the batch mean" and v_name is None:
        _bn_scale_power(exc, 1 / np.sqrt(var + eps), bv, eps)
    if training and m_name and v_name and (m_name, v_name) != ("the batch mean", "the biased batch variance"):
        head = str(exc).split(" has wrong values")[0]
        fail(f"{head}: out normalises x with {m_name} and {v_name}; in training mode it normalises with the "
             f"statistics of THIS batch (its mean and biased variance over axis 0); the running statistics are "
             f"only updated (and returned) for evaluation", "bn-normalised-with-wrong-statistics")


def _bn_scale_power(exc, scale, var, eps):
    """x_hat = (x - mean) * scale is centred right and scaled wrong: read the power p with scale = (var + eps)**p
    per feature (the rule: p = -1/2) and name it when every feature agrees (a second reading on each column)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        power = np.log(scale) / np.log(var + eps)
    if len(power) < 2 or not np.isfinite(power).all() or np.ptp(power) > 1e-6 or abs(power[0] + 0.5) < 1e-6:
        return
    p = float(power[0])
    said = {-1.0: "1 / (var + eps): the square root is missing", 0.5: "sqrt(var + eps): it multiplies by the "
            "standard deviation instead of dividing", 1.0: "var + eps: it multiplies by the variance",
            -0.25: "(var + eps) ** -0.25: a square root taken twice"}
    name = next((v for k, v in said.items() if abs(p - k) < 1e-6), f"(var + eps) ** {p:.4g}")
    head = str(exc).split(" has wrong values")[0]
    fail(f"{head}: out is centred with the batch mean, as it should be, but each feature is scaled by {name} "
         f"(read back from your out, the same power of var + eps for every feature); x_hat = (x - mean) / sqrt(var "
         f"+ eps), so inv_std = 1 / np.sqrt(var + eps)", "bn-scale-power")


def _running_close(got, want, k, label, what, rtol, atol, mk, x, gamma, beta, rm, rv, eps, momentum):
    def other(when=""):
        return (f"{label} is updated from the OTHER running statistic ({'running_var' if k == 1 else 'running_mean'}"
                f"{when} in place of {label}: a copy-paste slip?): {label} <- (1 - momentum) * {label} + "
                f"momentum * {'mean' if k == 1 else 'var'}")
    expect_close(got, want[k], name=f"{what}: {label}", rtol=rtol, atol=atol, diagnose={
        "momentum is the weight of the NEW batch statistic: running <- (1 - momentum) * running "
        "+ momentum * batch (PyTorch's convention)": lambda: mk(momentum_swapped=True)()[k],
        "running_var averages the batch VARIANCE, not the standard deviation": lambda: mk(running_std=True)()[k],
        "running_var averages the batch standard deviation sqrt(var + eps) (the normaliser's root): it averages the "
        "batch VARIANCE var itself, running_var <- (1 - momentum) * running_var + momentum * var (no eps, no root)":
            lambda: (1 - momentum) * _f64(rv) + momentum * np.sqrt(_f64(x).var(axis=0, keepdims=True) + eps)
            if k == 2 else want[k] + np.nan,
        "running_var is updated with the same biased batch variance (divide by N) that normalises x":
            lambda: mk(running_ddof=1)()[k],
        "momentum is ignored: use the momentum argument": lambda: _bn_oracle(x, gamma, beta, rm, rv, True, 0.1, eps)[k],
        f"{label} is the batch's own {'mean' if k == 1 else 'variance'}: the running statistic was replaced, not "
        f"blended; it is a running average that keeps most of its old value, {label} <- (1 - momentum) * {label} + "
        f"momentum * {'mean' if k == 1 else 'var'}": lambda: _bn_oracle(x, gamma, beta, rm, rv, True, 1.0, eps)[k],
        other(): lambda: _bn_oracle(x, gamma, beta, rv, rm, True, momentum, eps)[k],
        other(", the one just updated,"): lambda: _bn_oracle(x, gamma, beta, *(
            (want[2], rv) if k == 1 else (rm, want[1])), True, momentum, eps)[k],
    })


def _running_swapped(new_rm, new_rv, want_rm, want_rv, what, rtol, atol):
    """Both running statistics came back, each equal to the other's expected value: the return order."""
    if core.close(new_rm, want_rv, rtol, atol) and core.close(new_rv, want_rm, rtol, atol) and \
            not core.close(want_rm, want_rv, rtol, atol):
        fail(f"{what}: the running statistics come back in the wrong ORDER: the second value returned equals the "
             f"expected running_var and the third the expected running_mean; return (out, running_mean, "
             f"running_var, cache)", "bn-running-swapped")


def _running_readback(exc, got, running, momentum, x, label, eps):
    """running = (1 - momentum) * running + momentum * s: read back the statistic s the code used and say what it
    is (one number for every feature: a statistic over ALL of x; or another per-feature statistic)."""
    s = (_f64(got) - (1 - momentum) * _f64(running)) / momentum
    x = _f64(x)
    n, d = x.shape
    if n < 2 or not np.isfinite(s).all():
        return
    candidates = {"x.mean() over ALL entries (no axis)": x.mean(), "x.var() over ALL entries (no axis)": x.var(),
                  "the batch mean per feature": x.mean(0), "the biased batch variance per feature": x.var(0),
                  "the unbiased batch variance per feature (ddof=1)": x.var(0, ddof=1),
                  "the batch standard deviation per feature": x.std(0), "the batch variance + eps": x.var(0) + eps,
                  "the mean over the features of each sample (axis=1)": None,
                  "the mean of the NORMALISED batch x_hat (0 for every feature: the mean is taken after "
                  "normalising)": np.zeros(d),
                  "the variance of the NORMALISED batch x_hat (about 1 for every feature: the variance is taken "
                  "after normalising)": x.var(0) / (x.var(0) + eps)}
    head = str(exc).split(" has wrong values")[0]
    want = "the batch mean per feature" if label == "running_mean" else "the biased batch variance per feature"
    for name, value in candidates.items():
        if value is None or name == want:
            continue
        scale = 1e-9 * max(1.0, float(np.abs(x).max()))     # an x_hat mean is 0 up to rounding of x's size
        if core.close(s, np.broadcast_to(value, s.shape), 1e-6, scale):
            fail(f"{head}: {label} was updated with {name}, not with {want} (x.{'mean' if 'mean' in want else 'var'}"
                 f"(axis=0, keepdims=True)): read back from your result, (running_new - (1 - momentum) * running) / "
                 f"momentum = {np.array2string(s.ravel()[:4], precision=4)}...", "bn-running-wrong-statistic")
    if d > 1 and core.close(s, np.full_like(s, s.mean()), 1e-9, 1e-12) and \
            abs(float(s.mean())) > 1e-6 * max(1.0, float(np.abs(x).max())):
        # one number for every feature, and not the 0 of a centred or normalised batch (said above)
        fail(f"{head}: {label} was updated with ONE number for every feature ({float(s.mean()):.6g}): a statistic "
             f"over all of x (no axis), where each feature needs its own batch statistic (axis=0, keepdims=True)",
             "bn-running-one-number")


def _running_coefficients(batchnorm_forward, exc, k, label, momentum, eps) -> None:
    """Fit the returned running statistic as a * running + b * batch statistic (least squares over the features) on
    two calls of pairwise different sizes; told only when both calls give the same a and b, and they are not the
    rule's (1 - momentum, momentum)."""
    r = core.rng("lab08.bn-running-fit")
    fits, shapes = [], []
    for n, d in ((10, 6), (7, 9)):
        x, gamma, beta, rm, rv = _bn_inputs(r, n, d, np.float64)
        try:
            res = list(batchnorm_forward(x, gamma, beta, rm.copy(), rv.copy(), True, momentum, eps))
            got = _f64(res[k]).reshape(-1)
        except Exception:       # the student's code: any failure means no reading
            return
        if got.shape != (d,) or not np.isfinite(got).all():
            return
        running = (rm if k == 1 else rv).reshape(-1)
        batch = x.mean(0) if k == 1 else x.var(0)
        design = np.stack([running, batch], axis=1)
        (a, b), *_ = np.linalg.lstsq(design, got, rcond=None)
        if not core.close(design @ np.array([a, b]), got, 1e-9, 1e-12):
            return
        fits.append((float(a), float(b)))
        shapes.append((n, d))
    (a, b), (a2, b2) = fits
    if not (np.isclose(a, a2, rtol=1e-6, atol=1e-9) and np.isclose(b, b2, rtol=1e-6, atol=1e-9)):
        return
    if np.isclose(a, 1 - momentum, atol=1e-9) and np.isclose(b, momentum, atol=1e-9):
        return
    stat = "mean" if k == 1 else "var"
    sign = (": the batch term has the wrong SIGN (running - momentum * (batch - running) is (1 + momentum) * "
            "running - momentum * batch; the incremental form is running + momentum * (batch - running))"
            if np.isclose(b, -momentum, atol=1e-9) else "")
    head = str(exc).split(" has wrong values")[0]
    fail(f"{head}: read back from two calls (x of shapes {shapes[0]} and {shapes[1]}, momentum={momentum}), your "
         f"{label} is {a:.6g} * {label} {'-' if b < 0 else '+'} {abs(b):.6g} * batch {stat}, where the rule has {1 - momentum:.6g} * {label} + "
         f"{momentum:.6g} * batch {stat} ((1 - momentum) * running + momentum * batch){sign}",
         "bn-running-coefficients")


def _float32_sized(value, want) -> bool:
    """A float64 value whose error is larger than float64 arithmetic leaves (1e-9 of the largest value) and
    within a few float32 ulps: the size of a trip through float32."""
    try:
        value, want = _f64(value), _f64(want)
    except (TypeError, ValueError):
        return False
    if value.shape != want.shape or not want.size or not np.isfinite(value).all():
        return False
    err, scale = float(np.max(np.abs(value - want))), float(np.max(np.abs(want))) or 1.0
    return 1e-9 * scale < err <= 8 * _EPS32 * scale


def _rounded_twice(rounded, name: str) -> None:
    """Told when two float64 cases (other sizes) both have float32-sized errors in the same output (``rounded``:
    (call, outputs with such errors) per float64 case): a second input confirms it is no coincidence."""
    for label in (rounded[0][1] if len(rounded) > 1 else []):
        seen = [what for what, labels in rounded if label in labels]
        if len(seen) > 1:
            fail(f"{seen[0]}: {label} is off by float32 rounding only (errors of a few float32 ulps, larger than "
                 f"float64 arithmetic leaves), here and in {seen[1]}: values pass through float32 somewhere (an "
                 f".astype(np.float32), a float32 buffer, np.float32 constants); keep the dtype of the inputs at "
                 f"every step", "precision-float32-inside")


def batchnorm_train(batchnorm_forward):
    r = core.rng("lab08.batchnorm_train")
    rounded: list = []
    cases = [((9, 4), np.float64, 0.1, 1e-5, True), ((6, 11), np.float64, 0.25, 1e-3, False),
             ((13, 7), np.float32, 0.2, 1e-3, False), ((1, 5), np.float64, 0.3, 1e-3, False)]
    for (n, d), dtype, momentum, eps, defaults in cases:
        x, gamma, beta, rm, rv = _bn_inputs(r, n, d, dtype)
        what = f"batchnorm_forward(x {(n, d)} {np.dtype(dtype)}, training=True" + \
               ("" if defaults else f", momentum={momentum}, eps={eps}") + ")"
        args = (x, gamma, beta, rm, rv, True) + (() if defaults else (momentum, eps))
        out, new_rm, new_rv, cache = _bn_result(call(batchnorm_forward, *args, name=what), n, d, what, dtype)
        rtol, atol = (1e-6, 1e-8) if dtype == np.float64 else (1e-4, 1e-5)
        want = _bn_oracle(x, gamma, beta, rm, rv, True, momentum, eps)
        mk = lambda **kw: (lambda: _bn_oracle(x, gamma, beta, rm, rv, True, momentum, eps, **kw))
        try:
            _bn_out_close(out, want, what, rtol, atol, mk, lambda: _bn_oracle(x, gamma, beta, rm, rv, True, momentum,
                                                                              1e-5)[0])
        except core.CheckFailure as exc:
            if defaults and exc.diagnosis in _GENERIC:
                _bn_default_eps(batchnorm_forward, args, want, what, momentum, eps, rtol, atol)
            if exc.diagnosis in _GENERIC:
                _bn_statistics_used(exc, out, x, gamma, beta, rm, rv, momentum, eps)
                _isolate(lambda x_, g_, b_: list(batchnorm_forward(x_, g_, b_, rm, rv, True, momentum, eps))[0],
                         lambda x_, g_, b_: _bn_oracle(x_, g_, b_, rm, rv, True, momentum, eps)[0],
                         {"x": x, "gamma": gamma, "beta": beta}, str(exc).split(" has wrong values")[0], rtol, atol)
            raise
        new_rm, new_rv = _running(new_rm, new_rv, d, what)
        if core.close(new_rm, rm, 0, 0) and core.close(new_rv, rv, 0, 0):
            fail(f"{what}: training mode must return UPDATED running statistics "
                 f"((1 - momentum) * running + momentum * batch statistic); they came back unchanged", "bn-running-not-updated")
        for got, k, label in ((new_rm, 1, "running_mean"), (new_rv, 2, "running_var")):
            try:
                _running_close(got, want, k, label, what, rtol, atol, mk, x, gamma, beta, rm, rv, eps, momentum)
            except core.CheckFailure as exc:
                _running_swapped(new_rm, new_rv, want[1], want[2], what, rtol, atol)
                if defaults:
                    _bn_default_momentum(batchnorm_forward, args, want, what, momentum, eps, rtol, atol)
                if exc.diagnosis in _GENERIC:
                    _running_readback(exc, got, rm if k == 1 else rv, momentum, x, label, eps)
                    _running_coefficients(batchnorm_forward, exc, k, label, momentum, eps)
                raise
        try:
            x_hat, g_cache, inv_std = cache
        except (TypeError, ValueError):
            fail(f"{what}: cache must be the triple (x_hat, gamma, inv_std) the docstring describes", "bn-cache-layout")
        _bn_cache_permuted((x_hat, g_cache, inv_std), want[3], what, rtol, atol)
        x64 = _f64(x)
        mu, var64 = x64.mean(axis=0, keepdims=True), x64.var(axis=0, keepdims=True)
        # The forward's other quantities: a cache entry equal to one of them names what was cached instead.
        known = {"x, the input": x64, "x - mean (centred, not yet divided by the standard deviation)": x64 - mu,
                 "out = gamma * x_hat + beta, the output": _f64(want[0]), "beta": _f64(beta), "the batch mean": mu,
                 "the batch variance": var64}
        for got, ref, label, shape in ((x_hat, want[3][0], "x_hat", (n, d)), (g_cache, want[3][1], "gamma", (1, d)),
                                       (inv_std, want[3][2], "inv_std = 1 / sqrt(var + eps)", (1, d))):
            got = expect_array(got, name=f"{what}: cache's {label}", shape=shape)
            if not core.close(got, ref, rtol, atol):
                for name, value in known.items():
                    if value.shape == got.shape and not core.close(value, ref, rtol, atol) and \
                            core.close(got, value, rtol, atol):
                        fail(f"{what}: cache = (x_hat, gamma, inv_std), and its {label.split(' =')[0]} holds "
                             f"{name}: you cached {name.split(',')[0].split(' (')[0]}, not "
                             f"{label.split(' =')[0]}; the backward pass reads these three exactly",
                             "bn-cache-wrong-quantity")
            try:
                expect_close(got, ref, name=f"{what}: cache's {label} (cache = (x_hat, gamma, inv_std))",
                             rtol=rtol, atol=atol, diagnose={
                                 "the cache holds the standard deviation sqrt(var + eps), not its inverse inv_std = "
                                 "1 / sqrt(var + eps)": lambda ref=ref: 1 / ref,
                                 "the cache holds the variance, not inv_std = 1 / sqrt(var + eps)":
                                     lambda ref=ref: 1 / ref ** 2 - eps,
                                 "the cache's inv_std is 1 / sqrt(running_var + eps) with the UPDATED running "
                                 "variance (the one this call returns): the cache holds the statistics the output was "
                                 "normalised with, in training mode the BATCH variance: inv_std = 1 / sqrt(var + eps)":
                                     lambda: 1 / np.sqrt(_f64(want[2]) + eps),
                                 "the cache's inv_std is 1 / sqrt(running_var + eps) with the running variance given "
                                 "to the call: the cache holds the statistics the output was normalised with, in "
                                 "training mode the BATCH variance: inv_std = 1 / sqrt(var + eps)":
                                     lambda: 1 / np.sqrt(_f64(rv) + eps),
                             } if label.startswith("inv_std") else {})
            except core.CheckFailure as exc:
                if exc.diagnosis in _GENERIC:
                    index = ("x_hat", "gamma", "inv_std").index(label.split(" ")[0])
                    _cache_uses_eps(batchnorm_forward, exc, (x, gamma, beta, rm, rv, True, momentum), eps, index,
                                    label.split(" =")[0])
                raise
        if dtype == np.float64:        # right to the cases' tolerance: are the float64 values float64-precise?
            rounded.append((what, [label for label, got, ref in (("out", out, want[0]), ("running_mean", new_rm, want[1]),
                                                                 ("running_var", new_rv, want[2]),
                                                                 ("the cache's inv_std", inv_std, want[3][2]))
                                   if _float32_sized(got, ref)]))
    _rounded_twice(rounded, "batchnorm_forward")
    _bn_zero_running(batchnorm_forward, r)
    _bn_beta_additive(batchnorm_forward, r, True)
    _bn_large_mean(batchnorm_forward, core.rng("lab08.batchnorm_train.shift"))
    k = core.rng("lab08.batchnorm_train.kept")
    _results_kept(batchnorm_forward, "batchnorm_forward(x (9, 4) float64, training=True)",
                  *[(*_bn_inputs(k, 9, 4, np.float64), True) for _ in range(2)],
                  ("out", "running_mean", "running_var", "cache's x_hat", "cache's gamma", "cache's inv_std"))
    _after_change(batchnorm_forward, "batchnorm_forward(x (9, 4) float64, training=True)",
                  (*_bn_inputs(k, 9, 4, np.float64), True), {0: "x", 1: "gamma", 2: "beta"},
                  lambda x, g, b, rm, rv, t: list(_bn_oracle(x, g, b, rm, rv, True, 0.1, 1e-5)[:3]),
                  lambda got: list(got)[:3], k)


def _bn_used_variance(batchnorm_forward, x, momentum, eps, what):
    """The batch variance a training call used, read back twice: from the cache's inv_std (1 / sqrt(var + eps))
    and from running_var given zeros (momentum * var).  The failure instead when the call raised or warned (a
    negative variance under the square root), None when its result cannot be read."""
    n, d = x.shape
    ones, zeros = np.ones((1, d), x.dtype), np.zeros((1, d), x.dtype)
    try:
        res = list(call(batchnorm_forward, x, ones, zeros, zeros, zeros, True, momentum, eps, name=what))
    except core.CheckFailure as exc:
        return exc
    except (TypeError, ValueError):
        return None
    try:
        inv = _f64(expect_array(res[3][2], name=f"{what}: cache's inv_std", shape=(1, d)))
        rv = _f64(expect_array(res[2], name=f"{what}: running_var", shape=(1, d)))
    except (core.CheckFailure, TypeError, IndexError, ValueError):
        return None
    with np.errstate(all="ignore"):
        return 1 / inv ** 2 - eps, rv / momentum


def _bn_large_mean(batchnorm_forward, r) -> None:
    """A property of the variance: adding a constant to a column leaves it unchanged.  Asked in float32 with column
    means near 1000 and standard deviations near 1 (the sum of squares is near 1e6 * N; float32 keeps ~7 digits):
    the centred two-pass variance is right to ~1e-6 there, E[x^2] - E[x]^2 is off by several per cent or negative
    (catastrophic cancellation).  Told with the same columns centred near 0 as the second input."""
    n, d, momentum, eps = 64, 4, 0.5, 1e-5
    centred = r.normal(0, 1, (n, d)) * r.uniform(0.8, 1.5, d)
    centred -= centred.mean(axis=0)
    shift = np.array([1000.0, 2000.0, 500.0, 1500.0])
    x = (centred + shift).astype(np.float32)
    what = (f"batchnorm_forward(x {(n, d)} float32 with column means {shift.tolist()} and standard deviations near 1, "
            f"gamma = 1, beta = 0, running statistics zeros, training=True, momentum={momentum}, eps={eps:g})")
    used = _bn_used_variance(batchnorm_forward, x, momentum, eps, what)
    if used is None:
        return
    want = _f64(x).var(axis=0, keepdims=True)
    shown = lambda a: f"[{', '.join(f'{v:.6g}' for v in np.ravel(a))}]"
    if isinstance(used, core.CheckFailure):
        head = f"{used} (the batch variances are {shown(want)})"
    else:
        bad = [(label, v) for label, v in zip(("the cache's inv_std", "running_var"), used)
               if not core.close(v, want, 1e-3, 0)]
        if not bad:
            return
        label, got = bad[0]
        with np.errstate(all="ignore"):
            err = float(np.nanmax(np.abs(got / want - 1))) if not np.isnan(got).all() else math.nan
        head = (f"{what}: the batch variance read back from {label} is {shown(got)} where {shown(want)} belongs"
                + (f" (relative error up to {err:.2g})" if math.isfinite(err) else ""))
    low = (x - x.mean(axis=0, dtype=np.float64)).astype(np.float32)      # the same columns, means near 0
    again = _bn_used_variance(batchnorm_forward, low, momentum, eps, what)
    at_zero = isinstance(again, tuple) and all(core.close(v, _f64(low).var(axis=0, keepdims=True), 1e-4, 1e-6)
                                               for v in again)
    if at_zero:
        fail(f"{head}, and with the same columns shifted to means near 0 it is right: your batch variance depends on "
             f"a constant added to a column; a variance does not. The usual cause: E[x^2] - E[x]^2 subtracts two "
             f"numbers near 1e6 that agree in their leading digits, and float32 keeps about 7 of them (catastrophic "
             f"cancellation, even a negative variance); compute the variance from the centred values, ((x - mean) ** 2).mean(axis=0) (or "
             f"x.var(axis=0))", "bn-variance-not-shift-invariant")
    fail(f"{head}: the variance must be right whatever the mean of the column; compute it from the centred values, "
         f"((x - mean) ** 2).mean(axis=0)", "bn-variance-large-mean")


def _bn_beta_additive(batchnorm_forward, r, training: bool) -> None:
    """beta is a shift: out(beta) - out(beta = 0) is beta in every row, whatever beta is.  Asked with a beta whose
    entries sum to 0 (not all 0), so that code adding beta only for some values of it (a test on beta.sum(),
    beta.mean() or the like) is seen."""
    x, gamma, _, rm, rv = _bn_inputs(r, 8, 4, np.float64)
    beta = np.array([[0.75, -0.75, 1.5, -1.5]])          # exactly summing to 0 in every order of addition
    what = (f"batchnorm_forward(x (8, 4) float64, beta = {beta.tolist()} (its entries sum to 0), "
            f"training={training}, momentum=0.1, eps=1e-5)")
    res = call(batchnorm_forward, x, gamma, beta, rm, rv, training, 0.1, 1e-5, name=what)
    out = expect_array(list(res)[0], name=f"{what}: out", shape=x.shape)
    want = _bn_oracle(x, gamma, beta, rm, rv, training, 0.1, 1e-5)[0]
    if core.close(out, want, 1e-6, 1e-8):
        return
    unshifted = _bn_oracle(x, gamma, np.zeros_like(beta), rm, rv, training, 0.1, 1e-5)[0]
    if core.close(out, unshifted, 1e-6, 1e-8):
        fail(f"{what}: out(beta) - out(beta = 0) must be beta in every row; yours is 0 everywhere: beta is not added "
             f"for this beta, while it is for the other calls' betas: add beta whatever its values (no test on beta "
             f"such as `if beta.sum() != 0` or `if beta.mean()`: a shift can sum to 0 without being 0)",
             "bn-beta-skipped-for-some-beta")
    expect_close(out, want, name=f"{what}: out", rtol=1e-6, atol=1e-8)


def _bn_default_momentum(batchnorm_forward, args, want, what, momentum, eps, rtol, atol) -> None:
    """The running statistics are wrong when momentum is left to its default and right when the documented
    value is passed: the default in the signature is wrong (a second call separates it from the update rule)."""
    try:
        res = list(call(batchnorm_forward, *args, momentum, name=what))
        rm, rv = _f64(expect_array(res[1], name="running_mean")), _f64(expect_array(res[2], name="running_var"))
    except (core.CheckFailure, TypeError, IndexError):
        return
    if rm.shape == want[1].shape and rv.shape == want[2].shape and core.close(rm, want[1], rtol, atol) and \
            core.close(rv, want[2], rtol, atol):
        fail(f"{what}: the running statistics are wrong with the default momentum and right when momentum="
             f"{momentum} is passed: the default value of momentum in your signature is wrong; it must be "
             f"{momentum}, as documented (batchnorm_forward(x, gamma, beta, running_mean, running_var, training, "
             f"momentum={momentum}, eps={eps:g}); momentum is the weight of the NEW batch statistic, PyTorch's "
             f"convention)", "bn-default-momentum")


def _bn_default_eps(batchnorm_forward, args, want, what, momentum, eps, rtol, atol) -> None:
    """out is wrong when eps is left to its default and right when the documented value is passed."""
    try:
        out = _f64(expect_array(list(call(batchnorm_forward, *args, momentum, eps, name=what))[0], name="out"))
    except (core.CheckFailure, TypeError, IndexError):
        return
    if out.shape == want[0].shape and core.close(out, want[0], rtol, atol):
        fail(f"{what}: out is wrong with the default eps and right when eps={eps:g} is passed: the default value of "
             f"eps in your signature is wrong; it must be {eps:g}, as documented (batchnorm_forward(x, gamma, beta, "
             f"running_mean, running_var, training, momentum={momentum}, eps={eps:g}))", "bn-default-eps")


def _bn_zero_running(batchnorm_forward, r) -> None:
    """Running statistics at their initial values, mean 0 and variance 1 (a new layer's, np.zeros / np.ones):
    the first update follows the same rule as every other, (1 - momentum) * 0 + momentum * mean."""
    n, d, momentum, eps = 8, 5, 0.1, 1e-5
    x, gamma, beta, _rm, _rv = _bn_inputs(r, n, d, _float64)
    rm, rv = np.zeros((1, d)), np.ones((1, d))
    what = (f"batchnorm_forward(x {(n, d)} float64, running_mean = zeros, running_var = ones (a new layer's), "
            f"training=True, momentum={momentum}, eps={eps:g})")
    res = _bn_result(call(batchnorm_forward, x, gamma, beta, rm, rv, True, momentum, eps, name=what), n, d, what,
                     _float64)
    new_rm, new_rv = _running(res[1], res[2], d, what)
    want = _bn_oracle(x, gamma, beta, rm, rv, True, momentum, eps)
    x64 = _f64(x)
    for got, k, label, stat, batch in ((new_rm, 1, "running_mean", "mean", x64.mean(0, keepdims=True)),
                                       (new_rv, 2, "running_var", "variance", x64.var(0, keepdims=True))):
        expect_close(got, want[k], name=f"{what}: {label}", rtol=1e-6, atol=1e-8, diagnose={
            f"{label} came back as the batch's own {stat}, while with nonzero running statistics your update is "
            f"right: running statistics at their initial values were REPLACED by the batch's (a first batch "
            f"treated specially, e.g. `if not running_mean.any()`) instead of updated; the rule is the same at the "
            f"first step as at every other, {label} <- (1 - momentum) * {label} + momentum * batch {stat} "
            f"(from zeros: momentum * mean)": batch,
        })


def _bn_cache_permuted(held, want, what, rtol, atol) -> None:
    """The cache holds x_hat, gamma and inv_std, all three right, in another order."""
    names = ("x_hat", "gamma", "inv_std")
    try:
        held = [np.asarray(h, dtype=_float64) for h in held]
    except (TypeError, ValueError, core.CheckFailure):
        return
    for perm in itertools.permutations(range(3)):
        if perm != (0, 1, 2) and all(h.shape == np.shape(want[j]) and core.close(h, want[j], rtol, atol)
                                     for h, j in zip(held, perm)):
            fail(f"{what}: the cache holds ({', '.join(names[j] for j in perm)}): the right three quantities in "
                 f"another order; the cache is (x_hat, gamma, inv_std), in this order, the order in which "
                 f"batchnorm_backward unpacks it (x_hat, gamma, inv_std = cache)", "bn-cache-order")


def _cache_uses_eps(batchnorm_forward, exc, args, eps, index, label):
    """The cached quantity called again with another eps: the oracle's changes (column 0 is nearly constant, so
    eps matters there); a student's that does not change does not use eps."""
    def cached(e):
        res = call(batchnorm_forward, *args, e, name="batchnorm_forward")
        return _f64(expect_array(list(res)[3][index], name=f"cache's {label}"))
    try:
        a, b = cached(eps), cached(100 * eps)
    except (core.CheckFailure, TypeError, IndexError):
        return
    want_a = _bn_oracle(*args, eps)[3][index]
    want_b = _bn_oracle(*args, 100 * eps)[3][index]
    if core.close(a, b, 1e-12, 0) and not core.close(want_a, want_b, 1e-6, 0):
        fail(f"{str(exc).split(' has wrong values')[0]}: your cached {label} does not change when eps changes (eps "
             f"{eps:g} and {100 * eps:g} give the same values), while the batch normalises with var + eps: eps is "
             f"missing from {label} (inv_std = 1 / sqrt(var + eps), the same inv_std that normalises x)",
             "bn-cache-without-eps")


def batchnorm_eval(batchnorm_forward):
    r = core.rng("lab08.batchnorm_eval")
    for (n, d), dtype in (((8, 3), np.float64), ((1, 6), np.float64), ((11, 5), np.float32), ((5, 9), np.float64)):
        x, gamma, beta, rm, rv = _bn_inputs(r, n, d, dtype)
        eps, momentum = 1e-3, 0.2
        what = f"batchnorm_forward(x {(n, d)} {np.dtype(dtype)}, training=False)"
        try:
            res = call(batchnorm_forward, x, gamma, beta, rm, rv, False, momentum, eps, name=what)
        except core.CheckFailure as exc:
            if exc.diagnosis == "not-numerically-stable":
                _bn_eval_warned(batchnorm_forward, exc, r, what)
            raise
        out, new_rm, new_rv, _ = _bn_result(res, n, d, what, dtype)
        rtol, atol = (1e-6, 1e-8) if dtype == np.float64 else (1e-4, 1e-5)
        new_rm, new_rv = _running(new_rm, new_rv, d, what)
        if not (core.close(new_rm, rm, 0, 0) and core.close(new_rv, rv, 0, 0)):
            _running_swapped(new_rm, new_rv, rm, rv, what, rtol, atol)
            fail(f"{what}: the running statistics must not change in evaluation mode (return them as "
                 f"they were given)", "bn-running-changed-in-evaluation")
        want = _bn_oracle(x, gamma, beta, rm, rv, False, momentum, eps)[0]
        try:
            _bn_eval_close(out, want, what, rtol, atol, x, gamma, beta, rm, rv, momentum, eps)
        except core.CheckFailure as exc:
            if exc.diagnosis in _GENERIC or exc.diagnosis == "per-column-offset":
                _bn_statistics_used(exc, out, x, gamma, beta, rm, rv, momentum, eps, training=False)
            raise
    _bn_eval_initial(batchnorm_forward, r)
    _bn_beta_additive(batchnorm_forward, r, False)


def _bn_eval_initial(batchnorm_forward, r) -> None:
    """Evaluation with the running statistics at their initial values (mean 0, variance 1: a layer evaluated
    before any training step) normalises with them all the same: x / sqrt(1 + eps), then gamma and beta."""
    n, d, eps = 6, 4, 1e-5
    x, gamma, beta, _rm, _rv = _bn_inputs(r, n, d, _float64)
    rm, rv = np.zeros((1, d)), np.ones((1, d))
    what = f"batchnorm_forward(x {(n, d)} float64, running_mean = zeros, running_var = ones (a new layer's), training=False)"
    out, new_rm, new_rv, _ = _bn_result(call(batchnorm_forward, x, gamma, beta, rm, rv, False, 0.1, eps, name=what),
                                        n, d, what, _float64)
    new_rm, new_rv = _running(new_rm, new_rv, d, what)
    if not (core.close(new_rm, rm, 0, 0) and core.close(new_rv, rv, 0, 0)):
        fail(f"{what}: the running statistics changed: in evaluation mode they are returned as they were given, "
             f"also at their initial values (zeros and ones are statistics like any other, not 'not yet set')",
             "bn-eval-initial-running-changed")
    expect_close(out, _bn_oracle(x, gamma, beta, rm, rv, False, 0.1, eps)[0], name=f"{what}: out", rtol=1e-6,
                 atol=1e-8, diagnose={
                     "with running statistics at their initial values your code normalises with the BATCH's (a "
                     "special case such as `if not running_mean.any()`): evaluation mode always normalises with the "
                     "running statistics passed in, zeros and ones included: (x - 0) / sqrt(1 + eps)":
                         lambda: _bn_oracle(x, gamma, beta, rm, rv, True, 0.1, eps)[0],
                 })


def _bn_eval_warned(batchnorm_forward, exc, r, what):
    """A NumPy warning in evaluation mode, where the only root is sqrt(running_var + eps) of a positive
    running_var: re-run with a positive running mean and compare with the statistics swapped."""
    warned = f"'{exc.warning}'"
    x, gamma, beta, rm, rv = _bn_inputs(r, 7, 4, np.float64)
    rm = np.abs(rm) + 0.5
    eps = 1e-3
    try:
        out = _bn_result(call(batchnorm_forward, x, gamma, beta, rm, rv, False, 0.2, eps, name=what), 7, 4, what,
                         np.float64)[0]
    except core.CheckFailure:
        out = None
    swapped = _bn_oracle(x, gamma, beta, rv, rm, False, 0.2, eps)[0]
    if out is not None and core.close(out, swapped, 1e-6, 1e-8):
        fail(f"{what}: numpy warned {warned}: the running mean and the running variance are swapped (with a "
             f"positive running_mean your out is (x - running_var) / sqrt(running_mean + eps), scaled and "
             f"shifted), and running_mean can be negative: out = gamma * (x - running_mean) / "
             f"sqrt(running_var + eps) + beta", "bn-eval-running-swapped")
    fail(f"{what}: numpy warned {warned} on inputs where running_var + eps, the only quantity under a square "
         f"root in evaluation mode, is positive (running_mean has entries of both signs): out = gamma * "
         f"(x - running_mean) / sqrt(running_var + eps) + beta", "bn-eval-warned")


def _bn_eval_close(out, want, what, rtol, atol, x, gamma, beta, rm, rv, momentum, eps):
        expect_close(out, want, name=f"{what}: out", rtol=rtol, atol=atol, diagnose={
            "evaluation mode must normalise with the RUNNING statistics, not the batch statistics":
                lambda: _bn_oracle(x, gamma, beta, rm, rv, False, momentum, eps, batch_in_eval=True)[0],
            "eps goes INSIDE the square root: (x - running_mean) / sqrt(running_var + eps)":
                lambda: _bn_oracle(x, gamma, beta, rm, rv, False, momentum, eps, eps_outside=True)[0],
            "gamma scales and beta shifts: out = gamma * x_hat + beta (they are swapped)":
                lambda: _bn_oracle(x, gamma, beta, rm, rv, False, momentum, eps, swap=True)[0],
            "running_var is a variance: divide by sqrt(running_var + eps), not by running_var + eps":
                lambda: _f64(gamma) * (_f64(x) - _f64(rm)) / (_f64(rv) + eps) + _f64(beta),
            "running_var is squared (running_var ** 2: the stored value read as a standard deviation): it is "
            "already the variance: divide by sqrt(running_var + eps)":
                lambda: _f64(gamma) * (_f64(x) - _f64(rm)) / np.sqrt(_f64(rv) ** 2 + eps) + _f64(beta),
        })


def _bn_grads(x_hat, gamma, inv_std, dout):
    """Closed form of the backward pass (float64): see the report, eq. bn_dx."""
    n = dout.shape[0]
    dbeta = dout.sum(axis=0, keepdims=True)
    dgamma = (dout * x_hat).sum(axis=0, keepdims=True)
    return gamma * inv_std / n * (n * dout - dbeta - x_hat * dgamma), dgamma, dbeta


def _reduced_to_a_number(got, total, name, shape, summand) -> None:
    """A number where an array of ``shape`` belongs, equal to the sum of EVERY entry of the expected array: the sum
    ran over every axis (no axis given), where it belongs over the batch axis only."""
    if isinstance(got, (np.ndarray, list, tuple)) and np.ndim(got) > 0 or isinstance(got, (bool, np.bool_)):
        return
    try:
        value = float(got)
    except (TypeError, ValueError):
        return
    if math.isfinite(value) and abs(value - float(total)) <= 1e-4 * max(1.0, abs(float(total))):
        fail(f"{name} must be an array of shape {shape}, got the number {value:.6g}, which is the sum of {summand} "
             f"over EVERY entry: the sum ran over all axes (no axis given, .sum() or np.sum(...)); sum over the batch "
             f"axis only, keeping a row per parameter: ({summand}).sum(axis=0, keepdims=True)", "summed-over-every-axis")


def batchnorm_backward(batchnorm_backward):
    r = core.rng("lab08.batchnorm_backward")
    rounded: list = []
    for (n, d), dtype in (((9, 4), np.float64), ((6, 11), np.float64), ((13, 7), np.float32), ((1, 5), np.float64),
                          ((2, 3), np.float64)):
        x, gamma, beta, rm, rv = _bn_inputs(r, n, d, np.float64)
        eps = 1e-3
        dout = r.normal(size=(n, d))
        _, _, _, (x_hat, g64, inv_std) = _bn_oracle(x, gamma, beta, rm, rv, True, 0.1, eps)
        # The truth, by centred finite differences of the forward pass (float64).
        loss = lambda: float((dout * _bn_oracle(x, gamma, beta, rm, rv, True, 0.1, eps)[0]).sum())
        num = [core.numerical_gradient(lambda _: loss(), a) for a in (x, gamma, beta)]
        cache = tuple(a.astype(dtype) for a in (x_hat, g64, inv_std))
        what = f"batchnorm_backward(dout {(n, d)} {np.dtype(dtype)}, cache)"
        # handed as a list (unpacks as the tuple does): the kernel mirrors back what the call did to a list's
        # arrays, so a backward that writes into its cache shows here
        kept_cache, lent = [_copy(a) for a in cache], list(cache)
        res = call(batchnorm_backward, dout.astype(dtype), lent, name=what)
        _bn_cache_untouched(lent, kept_cache, what)
        try:
            dx, dgamma, dbeta = res
        except (TypeError, ValueError):
            fail(f"{what} must return the triple (dx, dgamma, dbeta)", "wrong-return-tuple")
        sums = {"dgamma": (dout * x_hat).sum(), "dbeta": dout.sum()}
        for got, label in ((dgamma, "dgamma"), (dbeta, "dbeta")):
            _reduced_to_a_number(got, sums[label], f"{what}: {label}", (1, d), "dout" if label == "dbeta" else
                                 "dout * x_hat")
            got = expect_array(got, name=f"{what}: {label}", shape=None)
            if got.shape == (n, d) and n > 1:
                fail(f"{what}: {label} must be summed over the batch axis: expected shape (1, {d}), got {got.shape}", "bn-param-grad-not-summed")
            if got.shape == (d,):
                fail(f"{what}: {label} must keep the shape (1, {d}) of its parameter (keepdims=True)", "bn-param-grad-keepdims")
        dx = expect_array(dx, name=f"{what}: dx", shape=(n, d))
        dgamma = expect_array(dgamma, name=f"{what}: dgamma", shape=(1, d))
        dbeta = expect_array(dbeta, name=f"{what}: dbeta", shape=(1, d))
        rtol, atol = (1e-5, 1e-6) if dtype == np.float64 else (1e-3, 1e-4)
        c = (x_hat, g64, inv_std)
        _bn_cache_order(dx, dgamma, dbeta, c, dout, what, rtol, atol)
        db, dg = dout.sum(0, keepdims=True), (dout * x_hat).sum(0, keepdims=True)
        for got, want, label, diagnose in (
                (dbeta, num[2], "dbeta", {"dbeta and dgamma are swapped: dbeta = sum(dout), dgamma = sum(dout * x_hat)": dg}),
                (dgamma, num[1], "dgamma", {
                    "dbeta and dgamma are swapped: dbeta = sum(dout), dgamma = sum(dout * x_hat)": db,
                    "dgamma is sum over the batch of dout * x_hat (the normalised input, not x)":
                        (dout * x).sum(0, keepdims=True),
                    "dgamma is 0 in every column (to rounding): x_hat sums to 0 over the batch (it is centred), so "
                    "anything that sums x_hat before multiplying, such as dout.sum(0) * x_hat.sum(0), gives 0 (as "
                    "does a dgamma left at zeros); dgamma sums the PRODUCT: (dout * x_hat).sum(axis=0, keepdims=True)":
                        np.zeros_like(dg)})):
            try:
                expect_close(got, want, name=f"{what}: {label}", rtol=rtol, atol=atol, diagnose=diagnose)
            except core.CheckFailure as exc:
                if not exc.others:      # the judge's one change must fix other inputs too (sizes, x_hat uncentred)
                    exc.others = _bn_param_grad_others(batchnorm_backward, label)
                if exc.diagnosis in _GENERIC or exc.diagnosis == "scaled":
                    _bn_param_grad_factor(exc, got, want, label, {"N": n, "D": d},
                                          {"gamma": g64, "inv_std": inv_std, "1 / gamma": 1 / g64,
                                           "sqrt(var + eps) = 1 / inv_std": 1 / inv_std})
                raise
        try:
            expect_close(dx, num[0], name=f"{what}: dx", rtol=rtol, atol=atol, diagnose={
                "the backward pass is missing the terms that come from the batch mean and variance: both "
                "depend on every x_n (dx is not just dout * gamma * inv_std)": dout * g64 * inv_std,
                "the term that comes from the batch variance is missing (- x_hat * sum(dout * x_hat) / N)":
                    g64 * inv_std * (dout - db / n),
                "the term that comes from the batch mean is missing (- sum(dout) / N)":
                    g64 * inv_std * (dout - x_hat * dg / n),
                "gamma is missing from dx: out = gamma * x_hat + beta, so dL/dx_hat = gamma * dout":
                    _bn_grads(x_hat, np.ones_like(g64), inv_std, dout)[0],
                "the 1/N of the batch mean is missing in dx": _bn_grads(*c, dout)[0] * n,
                "D, the number of features (dout.shape[1]), was used where N, the batch size (dout.shape[0]), belongs":
                    g64 * inv_std / d * (d * dout - db - x_hat * dg),
            })
        except core.CheckFailure as exc:
            if exc.diagnosis in _GENERIC:
                _bn_dx_terms(dx, num[0], dout, x_hat, g64, inv_std, what, rtol, atol, isolate=lambda: _isolate(
                    lambda d, xh, g, s_: list(batchnorm_backward(d, (xh, g, s_)))[0],
                    lambda d, xh, g, s_: _bn_grads(xh, g, s_, d)[0],
                    {"dout": dout, "x_hat": x_hat, "gamma": g64, "inv_std": inv_std}, f"{what}: dx", rtol, atol))
            raise
        kept = [(label, arr.dtype) for label, arr in (("dx", dx), ("dgamma", dgamma), ("dbeta", dbeta))
                if arr.dtype != np.dtype(dtype)]
        if kept:
            fail(f"{what}: {', '.join(f'{label} is {dt}' for label, dt in kept)} for {np.dtype(dtype)} inputs: the "
                 f"gradients keep the dtype of dout and the cache (a float32 network stays float32): Python numbers "
                 f"keep it, while a NumPy float64 scalar (np.float64(n), np.sqrt of a Python number) or a float64 "
                 f"temporary not cast back turns float32 arrays into float64", "dtype-not-kept")
        if dtype == np.float64:        # right to the finite differences' tolerance: float64-precise too?
            rounded.append((what, [label for label, got, ref in zip(("dx", "dgamma", "dbeta"), (dx, dgamma, dbeta),
                                                                    _bn_grads(*c, dout)) if _float32_sized(got, ref)]))
    _rounded_twice(rounded, "batchnorm_backward")
    k = core.rng("lab08.batchnorm_backward.kept")
    twice = []
    for _ in range(2):
        x, gamma, beta, rm, rv = _bn_inputs(k, 9, 4, np.float64)
        twice.append((k.normal(size=(9, 4)), _bn_oracle(x, gamma, beta, rm, rv, True, 0.1, 1e-3)[3]))
    _results_kept(batchnorm_backward, "batchnorm_backward(dout (9, 4) float64, cache)", *twice,
                  ("dx", "dgamma", "dbeta"))
    _after_change(batchnorm_backward, "batchnorm_backward(dout (9, 4) float64, cache)", twice[0], {0: "dout"},
                  lambda d, cache: list(_bn_grads(*cache, _f64(d))), lambda got: list(got), k)


def _bn_cache_untouched(cache, kept, what) -> None:
    """The backward pass reads its cache and leaves it as it was: the layer of Part 4 keeps the cache, and a
    second backward through the same cache (a gradient check, a second loss) must find x_hat, gamma and inv_std
    unchanged. An in-place operator on an unpacked entry (x_hat *= ..., x_hat -= ...) writes into the cache."""
    for label, arr, before in zip(("x_hat", "gamma", "inv_std"), cache, kept):
        if not _array_equal(arr, before):
            fail(f"{what} modified its cache in place: {label} (cache entry {('x_hat', 'gamma', 'inv_std').index(label)})"
                 f" changed{core.changed_words(before, arr)}. The backward pass must leave the cache as it was (the "
                 f"layer keeps it; a second backward through it must see the same {label}): an in-place operator on "
                 f"an unpacked entry ({label} *= ..., {label} -= ...) writes into the cache; compute a new array "
                 f"instead ({label} * ...)", "bn-backward-modifies-cache")


def _bn_cache_order(dx, dgamma, dbeta, cache, dout, what, rtol, atol) -> None:
    """All three gradients exactly the rule's computed from the cache's entries in another order: the cache was
    unpacked in the wrong order (said with the line the code behaves as)."""
    got = (dx, dgamma, dbeta)
    if all(core.close(g, w, rtol, atol) for g, w in zip(got, _bn_grads(*cache, dout))):
        return
    names = ("x_hat", "gamma", "inv_std")
    for perm in itertools.permutations(range(3)):     # the variable names[k] holds cache[perm[k]]
        if perm == (0, 1, 2):
            continue
        try:
            with np.errstate(all="ignore"):
                alt = _bn_grads(cache[perm[0]], cache[perm[1]], cache[perm[2]], dout)
        except ValueError:
            continue
        if all(np.shape(a) == np.shape(g) and core.close(g, a, rtol, atol) for g, a in zip(got, alt)):
            order = ", ".join(names[perm.index(j)] for j in range(3))
            fail(f"{what}: dx, dgamma and dbeta are exactly those of the rule with the cache unpacked as `{order} = "
                 f"cache`: batchnorm_forward's cache is (x_hat, gamma, inv_std), in that order: "
                 f"x_hat, gamma, inv_std = cache", "bn-cache-unpacked-order")


def _bn_param_grad_others(batchnorm_backward, label) -> list:
    """Asked after a dgamma or dbeta failure only: the same parameter gradient on two other inputs of other,
    pairwise different sizes (one from a real forward cache, one whose x_hat is NOT centred: dgamma = sum(dout *
    x_hat) and dbeta = sum(dout) hold for any cache), handed to the judge as the failure's other cases, so a
    change of the student's code that fits the first input by coincidence (x_hat sums to 0 over the batch, so
    `dout * gamma` -> `dout + gamma` leaves dgamma right there) is not told."""
    r = core.rng("lab08.batchnorm_backward.others")
    out = []
    for (n, d), centred in (((5, 6), True), ((7, 3), False)):
        x, gamma, beta, rm, rv = _bn_inputs(r, n, d, np.float64)
        if centred:
            x_hat, g64, inv_std = _bn_oracle(x, gamma, beta, rm, rv, True, 0.1, 1e-3)[3]
        else:
            x_hat, g64, inv_std = r.normal(0.7, 1.3, (n, d)), gamma, r.uniform(0.5, 2.0, (1, d))
        dout = r.normal(size=(n, d))
        want = (dout * x_hat).sum(0, keepdims=True) if label == "dgamma" else dout.sum(0, keepdims=True)
        try:
            res = call(batchnorm_backward, dout, [x_hat.copy(), g64.copy(), inv_std.copy()],
                       name=f"batchnorm_backward(dout {(n, d)} float64, cache)")
            got = res[1 if label == "dgamma" else 2]
        except (core.CheckFailure, TypeError, IndexError, KeyError):
            continue
        out.append(core.Compared(got, want, 1e-5, 1e-6, f"batchnorm_backward(dout {(n, d)}, cache): {label}"))
    return out


def _bn_param_grad_factor(exc, got, want, label, sizes, quantities):
    """dgamma or dbeta off by a factor: a ratio of the sizes (a mean where the rule sums: 1/N), or, column by
    column, one of the layer's (1, D) quantities (gamma applied to dout before summing)."""
    head = str(exc).split(" has wrong values")[0]
    factor = explain_factor(got, want, sizes)
    if factor:
        mean = " (a mean over the batch where the rule SUMS over it)" if "(1)/(N)" in factor else ""
        fail(f"{head}: {factor}{mean}; {label} sums over the batch axis 0, keepdims=True", "bn-param-grad-factor")
    g, e = _f64(got), _f64(want)
    for name, q in quantities.items():
        q = _f64(q)
        if g.shape == e.shape == q.shape and not core.close(q, np.full_like(q, q.mean()), 1e-6, 0) and \
                core.close(g, e * q, 1e-6, 1e-9):
            fail(f"{head}: {label} is the expected one multiplied by {name}, column by column: {label} is a sum over "
                 f"the batch of dout{' * x_hat' if label == 'dgamma' else ''} alone; {name} belongs to another part of "
                 f"the backward pass (gamma multiplies dout only on the way to dx: dL/dx_hat = gamma * dout)",
                 "bn-param-grad-times-quantity")


def _isolate(student, oracle, args, head, rtol, atol, neutral=None):
    """Which input a generic failure comes from (checks/isolate.py), said after ``head``; nothing when no
    experiment localises it."""
    found = explain_arguments(student, oracle, args, rtol=rtol, atol=atol, neutral=neutral, tag="lab08")
    if found:
        fail(f"{head}: {found[0]}", found[1])


def _bn_dx_terms(dx, want, dout, x_hat, gamma, inv_std, what, rtol, atol, isolate=None):
    """dx = gamma * inv_std / N * (N * dout - sum(dout) - x_hat * sum(dout * x_hat)): when dx is wrong, first the
    two properties every batch-norm dx has (adding a constant to a column of x, or scaling it, does not change
    the output: each column of dx sums to 0 and is orthogonal to x_hat), then which of the three terms is off."""
    g = _f64(dx)
    if g.shape != want.shape or core.close(g, want, rtol, atol) or g.shape[0] < 2 or not np.isfinite(g).all():
        return None
    n = g.shape[0]
    scale = atol + rtol * float(np.abs(want).max())
    db, dg = dout.sum(0, keepdims=True), (dout * x_hat).sum(0, keepdims=True)
    parts = {"N * dout": n * dout, "- sum(dout) (the batch-mean term)": -np.broadcast_to(db, dout.shape),
             "- x_hat * sum(dout * x_hat) (the batch-variance term)": -x_hat * dg}
    # one intermediate used in place of another inside one term (dbeta where dgamma belongs, ...)
    swaps = [("- x_hat * sum(dout * x_hat) (the batch-variance term)", -x_hat * db,
              "sum(dout) (dbeta) is used where sum(dout * x_hat) (dgamma) belongs"),
             ("- sum(dout) (the batch-mean term)", -np.broadcast_to(dg, dout.shape),
              "sum(dout * x_hat) (dgamma) is used where sum(dout) (dbeta) belongs"),
             ("- x_hat * sum(dout * x_hat) (the batch-variance term)", -x_hat * (dout * x_hat).sum(1, keepdims=True),
              "sum(dout * x_hat) is taken over the features (axis 1) instead of the batch (axis 0)"),
             ("- sum(dout) (the batch-mean term)", -np.broadcast_to(dout.sum(1, keepdims=True), dout.shape),
              "sum(dout) is taken over the features (axis 1) instead of the batch (axis 0)")]
    for term, replacement, said in swaps:
        if core.close(g, want + gamma * inv_std / n * (replacement - parts[term]), rtol, atol):
            fail(f"{what}: dx: in the term {term}, {said} (every other term is right); dx = gamma * inv_std / N * "
                 f"(N * dout - sum(dout) - x_hat * sum(dout * x_hat)), sums over the batch axis 0", "bn-dx-term-swapped")
    for (t1, r1, s1), (t2, r2, s2) in itertools.combinations(swaps, 2):      # both terms, one slip each
        if t1 != t2 and core.close(g, want + gamma * inv_std / n * (r1 - parts[t1] + r2 - parts[t2]), rtol, atol):
            fail(f"{what}: dx: in the term {t1}, {s1}, AND in the term {t2}, {s2} (N * dout is "
                 f"right); dx = gamma * inv_std / N * (N * dout - sum(dout) - "
                 f"x_hat * sum(dout * x_hat)), sums over the batch axis 0", "bn-dx-terms-exchanged")
    A = np.stack([(gamma * inv_std / n * v).ravel() for v in parts.values()], axis=1)
    coef, *_ = np.linalg.lstsq(A, g.ravel(), rcond=None)
    if core.close(A @ coef, g.ravel(), rtol, atol):
        wrong = [(k, float(c)) for k, c in zip(parts, coef) if abs(c - 1) > 1e-3]
        d = g.shape[1]

        def how(c):
            return ("has the wrong sign" if abs(c + 1) < 1e-3 else "is missing" if abs(c) < 1e-3 else
                    "is divided by N * D (dout.size) instead of N, the batch size dout.shape[0]"
                    if d > 1 and abs(c * d - 1) < 1e-3 else f"is {c:.4g} times what it should be")
        if 0 < len(wrong) <= 2:
            said = " and ".join(f"the term {k} {how(c)}" for k, c in wrong)
            fail(f"{what}: dx: {said}; dx = gamma * inv_std / N * (N * dout - sum(dout) - x_hat * "
                 f"sum(dout * x_hat)), sums over the batch axis 0 "
                 f"({'every other term is right' if len(wrong) == 1 else 'the term N * dout is right'})",
                 "bn-dx-term-wrong")
    if n >= 3:      # column by column: one term whose factor differs per column (outside the bracket?)
        factors = {"1 / (gamma * inv_std)": 1 / (gamma * inv_std), "1 / inv_std": 1 / inv_std, "1 / gamma": 1 / gamma,
                   "gamma * inv_std": gamma * inv_std}
        coefs = []
        for j in range(g.shape[1]):
            Aj = np.stack([(gamma[0, j] * inv_std[0, j] / n * v[:, j]) for v in parts.values()], axis=1)
            cj, *_ = np.linalg.lstsq(Aj, g[:, j], rcond=None)
            if np.linalg.matrix_rank(Aj) < 3 or not core.close(Aj @ cj, g[:, j], rtol, atol):
                coefs = None
                break
            coefs.append(cj)
        if coefs:
            coefs = np.array(coefs)                          # (D, 3)
            names = list(parts)
            right = [k for k in range(3) if core.close(coefs[:, k], np.ones(len(coefs)), 1e-4, 1e-6)]
            off = [k for k in range(3) if k not in right]
            for label, f in factors.items():
                f = _f64(f).ravel()
                if 0 < len(off) < 3 and not core.close(f, np.full_like(f, f.mean()), 1e-6, 0) and \
                        all(core.close(coefs[:, k], f, 1e-4, 1e-8) for k in off):
                    terms = " and ".join(f"the term {names[k]}" for k in off)
                    fail(f"{what}: dx: {terms} {'is' if len(off) == 1 else 'are'} multiplied by {label} compared "
                         f"with the rule (the other {'terms are' if len(off) == 1 else 'term is'} right): "
                         f"{'it stands' if len(off) == 1 else 'they stand'} outside the bracket (or the factor is "
                         f"put on one term only) where dx = gamma * inv_std / N * (N * dout - sum(dout) - x_hat * "
                         f"sum(dout * x_hat)) multiplies all three terms by the same gamma * inv_std / N",
                         "bn-dx-term-outside")
    for name, q, said in (("inv_std", inv_std, "inv_std is applied once more than the rule says"),
                          ("1 / inv_std = sqrt(var + eps)", 1 / inv_std, "inv_std is missing"),
                          ("gamma", gamma, "gamma is applied once more than the rule says"),
                          ("1 / gamma", 1 / gamma, "gamma is missing")):
        q = np.broadcast_to(_f64(q), g.shape)
        if not core.close(q, np.full_like(q, q.mean()), 1e-6, 0) and core.close(g, want * q, rtol, atol):
            fail(f"{what}: dx is the right gradient multiplied by {name}, column by column: {said} "
                 f"(dx = gamma * inv_std / N * (N * dout - sum(dout) - x_hat * "
                 f"sum(dout * x_hat)): gamma and inv_std appear once each)", "bn-dx-times-quantity")
    if isolate is not None:
        isolate()
    analyse = core.analyse_difference(g, want, rtol, atol)[0]
    col_sum = np.abs(g.sum(axis=0)).max()
    col_dot = np.abs((g * x_hat).sum(axis=0)).max()
    if col_sum > n * scale or col_dot > n * scale:
        fail(f"{what}: dx has wrong values, and it breaks a property every batch-norm gradient has: "
             + ("each column of dx must sum to 0 over the batch (adding a constant to a feature does not change "
                "the normalised output), yours sums to up to " + f"{col_sum:.3g}" if col_sum > n * scale else
                "each column of dx must be orthogonal to x_hat (scaling a feature does not change the normalised "
                "output), yours is not") +
             ": the two terms that make it so are the mean term - sum(dout) / N and the variance term - x_hat * "
             "sum(dout * x_hat) / N, both sums over the batch (axis 0, keepdims=True) multiplied by the same "
             f"gamma * inv_std as dout; {analyse}", "bn-dx-property")
    return None


# =============================================================================================
# Early stopping
# =============================================================================================

def _stopping(losses, patience, min_delta, *, strict=True, reset=True, vs_last=False, use_delta=True,
              off_by_one=False, zero_based=False, best_always_min=False, relative=False, count_improvements=False,
              count_every_epoch=False, best_first=False, maximise=False, stale=False, near_uncounted=False):
    """(decision, best_loss, best_epoch) after every call, with optional mistakes (``maximise``: the monitored
    value maximised, an accuracy's rule: a larger loss is an improvement, best starts at -inf)."""
    if maximise:
        flipped = _stopping([-v for v in losses], patience, min_delta, strict=strict, reset=reset, vs_last=vs_last,
                            use_delta=use_delta, off_by_one=off_by_one, zero_based=zero_based)
        return [(stop, -best, epoch) for stop, best, epoch in flipped]
    best, best_epoch, bad, last, out, improvements = math.inf, 0, 0, math.inf, [], 0
    for epoch, loss in enumerate(losses, start=1):
        before = bad            # ``stale``: the decision read from the count before this epoch's update
        if best_first:          # the best stored before the comparison: nothing can beat it any more
            best = min(best, loss)
        ref = last if vs_last else best
        delta = min_delta if use_delta else 0.0
        if relative:
            delta = best * min_delta if best != math.inf else 0.0
        better = loss < ref - delta if strict else loss <= ref - delta
        if better:
            bad = 0 if reset else bad
        if (not better or count_every_epoch) and not (near_uncounted and not loss > ref):
            bad += 1        # ``near_uncounted``: only a loss ABOVE the best counts (if / elif val_loss > best)
        if loss < best - delta if strict else loss <= best - delta:
            improvements += 1
            best, best_epoch = loss, improvements if count_improvements else epoch - 1 if zero_based else epoch
        elif best_always_min:
            best = min(best, loss)
        last = loss
        stop = (before if stale else bad) > patience if off_by_one else (before if stale else bad) >= patience
        out.append((stop, best, best_epoch))
    return out


def _stopper_rest(stopper, losses, k, what):
    """The student's states for the epochs after epoch k + 1 (to see whether only that epoch went wrong), or None."""
    rest = []
    try:
        for loss in losses[k + 1:]:
            got = core.call(stopper.step, loss, name=f"{what}.step({loss})")
            rest.append((bool(got), float(expect_scalar(stopper.best_loss, name="best_loss")),
                         int(expect_scalar(stopper.best_epoch, name="best_epoch"))))
    except core.CheckFailure:
        return None
    return rest


def _instances_share(EarlyStopping, what, state, want):
    """A new stopper wrong at its very first epoch while the first stopper made was right: two fresh stoppers,
    the first stepped three times; when the second's first epoch then depends on them, the instances share
    their state (a mutable default argument, a list or counter on the class)."""
    try:
        first = call(EarlyStopping, 2, 0.0, name="EarlyStopping(patience=2)")
        second = call(EarlyStopping, 2, 0.0, name="EarlyStopping(patience=2)")
        epochs = []
        for _ in range(2):
            for loss in (5.0, 6.0, 7.0):
                call(first.step, loss, name=f"EarlyStopping(patience=2).step({loss})")
            call(second.step, 5.0, name="EarlyStopping(patience=2).step(5.0)")
            epochs.append(int(expect_scalar(second.best_epoch, name="best_epoch")))
    except core.CheckFailure:
        return
    if epochs[0] != 1:
        fail(f"{what}: a NEW EarlyStopping is wrong at its very first epoch ({state} where {want} belongs), and two "
             f"stoppers interfere: after 3 calls to one stopper's step, another new stopper's first step gives "
             f"best_epoch {epochs[0]} instead of 1: the instances share their state (a mutable default argument "
             f"such as def __init__(self, patience, min_delta=0.0, history=[]), or a list or counter defined on the "
             f"class): create the state in __init__, self.history = [] / self.epoch = 0", "stoppers-share-state")


def _is_inf(value) -> bool:
    try:
        return float(value) == math.inf
    except (TypeError, ValueError):
        return False


def _nan_only_first(EarlyStopping, patience, min_delta, what) -> bool:
    """A stopper wrong on a NaN at epoch 1 that handles a NaN at epoch 2 right (losses [1.0, nan])."""
    try:
        stopper = call(EarlyStopping, patience, min_delta, name=what)
        call(stopper.step, 1.0, name=f"{what}.step(1.0)")
        call(stopper.step, math.nan, name=f"{what}.step(nan)")
        best, epoch = float(expect_scalar(stopper.best_loss, name="best_loss")), \
            int(expect_scalar(stopper.best_epoch, name="best_epoch"))
    except (core.CheckFailure, TypeError, ValueError):
        return False
    return best == 1.0 and epoch == 1


MAXIMISED = ("a LARGER loss was counted as an improvement (val_loss > best_loss + min_delta, the rule for a monitored "
             "value that is maximised, such as an accuracy: Keras' mode='max'): a loss improves when it is LOWER, "
             "val_loss < best_loss - min_delta, and best_loss starts at inf")


def _larger_loss_improves(EarlyStopping, patience, min_delta) -> bool:
    """A second input for the 'maximised' reading: a fresh stopper fed a RISING pair of losses (the second larger
    by far more than min_delta) keeps the larger one as best_loss at epoch 2."""
    try:
        stopper = call(EarlyStopping, patience, min_delta, name="EarlyStopping")
        for loss in (1.0, 3.0 + 10 * min_delta):
            call(stopper.step, loss, name=f"EarlyStopping.step({loss})")
        return float(expect_scalar(stopper.best_loss, name="best_loss")) == 3.0 + 10 * min_delta and \
            int(expect_scalar(stopper.best_epoch, name="best_epoch")) == 2
    except Exception:       # a stopper that cannot answer confirms nothing
        return False


def early_stopping(EarlyStopping):
    sequences = [
        ([1.0, 0.9, 0.95, 0.85, 0.86, 0.87, 0.88, 0.80, 0.81, 0.82, 0.83], 3, 0.0),
        ([2.0, 1.5, 1.6, 1.4, 1.45, 1.3, 1.35, 1.32, 1.31, 1.33, 1.36], 2, 0.0),
        ([1.0, 0.97, 0.96, 0.90, 0.89, 0.88, 0.87, 0.80, 0.79, 0.78], 2, 0.05),
        ([0.5, 0.5, 0.4, 0.4, 0.4, 0.4, 0.3], 3, 0.0),          # ties are not improvements
        ([3.0, 2.0, 1.0, 1.5, 0.9, 1.2, 1.3, 1.4, 1.5], 1, 0.0),
        ([10.0, 9.9, 9.8, 9.7, 9.75, 9.72, 9.71], 2, 0.05),     # losses far from 1: min_delta is absolute
        ([1.0, 1.1, 1.2, 1.3, 0.9, 1.0, 1.1, 1.2, 1.3], 4, 0.0),  # an improvement after 3 misses: count back to 0
        ([1.0, 0.8, math.nan, 0.9, 0.7, math.nan, math.nan], 3, 0.0),   # NaN (a diverged epoch): no improvement
        ([math.nan, 1.2, 1.1, 1.15, 1.0, 1.05, 1.06], 2, 0.0),  # ... not even at epoch 1: best_loss stays inf
        ([1.0, math.nan, math.nan], 2, 0.0),                    # NaN epochs alone reach patience: they count
        ([3.0, 2.5, math.nan, 2.7, math.nan, 2.6], 3, 0.0),
        ([0.7345128, 0.6781234, 0.69, 0.6523719, 0.65238, 0.6601], 2, 0.0),   # losses with many digits
    ]
    mistakes = {
        "patience is off by one: stop as soon as the number of epochs without improvement REACHES "
        "patience (>=)": dict(off_by_one=True),
        "the count of epochs without improvement must restart from 0 after an improvement": dict(reset=False),
        "the count grows at EVERY epoch, improvements included: after an improvement it is 1 where it must be 0 "
        "(it is restarted at 1 instead of 0, or set to 0 and then incremented: a += 1 outside the else); an "
        "improvement sets the count to 0, and count + 1 happens only on an epoch without improvement":
            dict(count_every_epoch=True),
        "compare with the BEST loss so far, not with the previous epoch's": dict(vs_last=True),
        "an improvement must beat the best loss by more than min_delta (val_loss < best_loss - min_delta)":
            dict(use_delta=False),
        "a loss equal to the best is not an improvement: val_loss < best_loss - min_delta (strict)": dict(strict=False),
        "epochs are counted from 1: the first call to step is epoch 1": dict(zero_based=True),
        "best_epoch counts the improvements: yours is the number of improvements so far (best_epoch += 1 on each, "
        "or an epoch counter that advances only on an improvement), where best_epoch is the NUMBER of the epoch of the best loss, counting every "
        "call to step from 1; advance the epoch counter at EVERY call (epoch += 1 before the comparison) and store "
        "best_epoch = epoch on an improvement": dict(count_improvements=True),
        "best_loss changes only on an improvement (val_loss < best_loss - min_delta): a loss lower by less "
        "than min_delta is not an improvement and leaves best_loss as it was": dict(best_always_min=True),
        MAXIMISED: dict(maximise=True),
        "a loss within min_delta of the best must count: an epoch that does not improve by more than min_delta is "
        "an epoch without improvement: a loss below (or equal to) best_loss by min_delta or less is no "
        "improvement, and your stopper did not count it either (only a loss ABOVE the best counts: an if / elif "
        "val_loss > best_loss where an if / else belongs)":
            dict(near_uncounted=True),
        "your decision lags one epoch: step returns True one epoch after the count of epochs without improvement "
        "reached patience (the decision is taken from the count BEFORE this epoch's loss updates it, e.g. stop = "
        "count >= patience computed first); update the count with this epoch's loss, then return count >= patience":
            dict(stale=True),
        "min_delta is an absolute amount of loss: an improvement is val_loss < best_loss - min_delta, not "
        "val_loss < best_loss * (1 - min_delta)": dict(relative=True),
        "best_loss is updated BEFORE the comparison (best_loss = min(best_loss, val_loss) first): then val_loss < "
        "best_loss - min_delta is never true, no epoch counts as an improvement and best_epoch stays 0; compare "
        "with the best loss of the EARLIER epochs, then store the new loss only on an improvement":
            dict(best_first=True),
    }
    stopped = []
    for index, (losses, patience, min_delta) in enumerate(sequences):
        what = f"EarlyStopping(patience={patience}" + (f", min_delta={min_delta}" if min_delta else "") + ")"
        stopper = call(EarlyStopping, patience, min_delta, name=what)
        if not (stopper.best_loss == math.inf and stopper.best_epoch == 0):
            fail(f"{what}: before the first step best_loss must be inf (math.inf) and best_epoch 0",
                 "stopper-initial-state")
        want = _stopping(losses, patience, min_delta)
        wrong = {msg: _stopping(losses, patience, min_delta, **kw) for msg, kw in mistakes.items()}
        maximised = wrong[MAXIMISED]
        seen = []
        for k, loss in enumerate(losses):
            got = call(stopper.step, loss, name=f"{what}.step({loss})")
            if not isinstance(got, (bool, np.bool_)):
                fail(f"{what}.step must return True or False, got {got!r:.60}", "stopper-not-bool")
            if stopper.best_loss == math.inf and want[k][1] != math.inf:
                fail(f"{what}, losses {losses[:k + 1]}: best_loss is still inf after epoch {k + 1}: every loss beats "
                     f"inf, so the first epoch is an improvement and its loss must be stored, best_loss = val_loss "
                     f"(the improvement branch does not store it)", "stopper-best-loss-not-stored")
            try:
                nan_stored = math.isnan(loss) and math.isnan(float(stopper.best_loss))
            except (TypeError, ValueError):
                nan_stored = False
            state = (bool(got), math.nan if nan_stored else math.inf if want[k][1] == math.inf and _is_inf(
                         stopper.best_loss) else expect_scalar(stopper.best_loss, name=f"{what}.best_loss"),
                     int(expect_scalar(stopper.best_epoch, name=f"{what}.best_epoch")))
            seen.append(state)
            if k > 0 and state[1] > seen[-2][1] and state != want[k]:
                fail(f"{what}, losses {losses[:k + 1]}: best_loss went UP from {seen[-2][1]!r} to {state[1]!r} after "
                     f"epoch {k + 1}: the best loss so far can only decrease; a loss above the best is never an "
                     f"improvement (the test is val_loss < best_loss - min_delta: a loss LOWER than the best by more "
                     f"than min_delta; no abs(), no !=)", "stopper-best-loss-increased")
            if state != want[k] and math.isnan(loss):
                told = ("stored NaN as best_loss" if math.isnan(state[1]) else
                        f"set best_epoch to {state[2]}" if state[2] != want[k][2] else
                        "stopped" if state[0] else "did not count it as an epoch without improvement")
                if k == 0 and _nan_only_first(EarlyStopping, patience, min_delta, what):
                    fail(f"{what}, losses {losses[:1]}: the first epoch's loss is NaN and your stopper {told}, while a "
                         f"NaN at a later epoch is handled right: epoch 1 is treated as an improvement whatever its "
                         f"loss (a special case for the first call, `self.epoch == 1 or ...`, or best_loss set to the "
                         f"first loss): a NaN loss is never an improvement, at epoch 1 too (NaN < inf is False): "
                         f"best_loss stays inf, best_epoch 0, and the count becomes 1; compare every epoch, the "
                         f"first one included, with val_loss < best_loss - min_delta. Expected (stop, best_loss, "
                         f"best_epoch) = {want[k]}, got {state}", "stopper-first-epoch-always-improves")
                fail(f"{what}, losses {losses[:k + 1]}: epoch {k + 1}'s loss is NaN and your stopper {told}: a NaN "
                     f"loss (a diverged epoch) is never an improvement: val_loss < best_loss - min_delta is False for "
                     f"NaN (every comparison with NaN is False), so it counts as an epoch without improvement and "
                     f"leaves best_loss and best_epoch as they are; a test written the other way round (not val_loss "
                     f">= ..., or an if on the no-improvement case with the improvement in the else) turns NaN into "
                     f"an improvement. Expected (stop, best_loss, best_epoch) = {want[k]}, got {state}",
                     "stopper-nan-loss")
            if state != want[k]:
                _best_loss_altered(what, losses, k, state, want[k])
                if k == 0 and index > 0:
                    _instances_share(EarlyStopping, what, state, want[k])
                words = [f"{label} should be {w!r}, got {g!r}" for label, w, g in
                         zip(("step's decision", "best_loss", "best_epoch"), want[k], state) if w != g]
                rest = _stopper_rest(stopper, losses, k, what)
                if rest is not None and k == 0 and len(want) > 2 and rest[:len(want) - 1] == want[1:]:
                    fail(f"{what}, losses {losses[:1]}: after epoch 1, {'; '.join(words)}, and every later epoch is "
                         f"right: the first call to step is handled on its own (an early return?); it is epoch 1 and "
                         f"its loss beats inf, so it is an improvement like any other: best_loss = val_loss, "
                         f"best_epoch = 1", "stopper-first-epoch")
                fits = [msg for msg, traj in wrong.items() if traj[:k + 1] == seen]
                if rest is not None:        # the later epochs decide: a reading they contradict is not the student's
                    confirmed = [msg for msg in fits if wrong[msg][:k + 1 + len(rest)] == seen + rest]
                    fits = confirmed or (fits if len(fits) > 1 else [])
                for msg in fits:
                    if wrong[msg] is maximised and not _larger_loss_improves(EarlyStopping, patience, min_delta):
                        continue        # a prefix that fits by coincidence: a rising sequence did not confirm it
                    fail(f"{what}, losses {losses[:k + 1]}: {msg}", _diag_id(msg.split(":")[0]))
                _restarted_after_improvement(what, losses, k, seen, want, patience)
                _best_moved_within_delta(what, losses, k, seen, want, min_delta)
                fail(f"{what}, losses {losses[:k + 1]}: after epoch {k + 1}, {'; '.join(words)} "
                     f"(an improvement is val_loss < best_loss - min_delta; it resets the count; stop once "
                     f"the count reaches patience). Expected (stop, best_loss, best_epoch) "
                     f"= {want[k]}, got {state}", "stopper-wrong-state")
            if want[k][0]:
                stopped.append((stopper, losses[:k + 1], want[k], patience, what))
                break
    for args in stopped:        # asked once every sequence passed: its own mistakes are named first
        _after_stop(*args)


def _best_loss_altered(what, losses, k, state, want) -> None:
    """A property of the rule: best_loss IS the loss of the best epoch, exactly (later epochs compare with it).
    Told when best_epoch is right and best_loss is within 1e-3 (relative) of that loss but not equal to it; the
    digits it was rounded to, or float32, are named only when they reproduce it."""
    got, right = state[1], want[1]
    if state[2] != want[2] or got == right or not (math.isfinite(got) and math.isfinite(right)) \
            or abs(got - right) > 1e-3 * max(1.0, abs(right)):
        return
    how = next((f" (it equals the loss rounded to {d} decimals)" for d in range(1, 10) if got == round(right, d)),
               " (it equals the loss cast to float32)" if got == float(np.float32(right)) else "")
    fail(f"{what}, losses {losses[:k + 1]}: after epoch {k + 1}, best_loss is {got!r}, close to but not equal to the "
         f"loss of the best epoch (epoch {want[2]}), {right!r}{how}: best_loss holds that loss itself, exactly "
         f"(later epochs compare with it: val_loss < best_loss - min_delta); store best_loss = float(val_loss), not "
         f"a rounded or lower-precision copy", "stopper-best-loss-altered")


def _restarted_after_improvement(what, losses, k, seen, want, patience) -> None:
    """A property of the rule: after an improvement the stopper needs `patience` more epochs without improvement.
    Told when every earlier epoch was right, no NaN is involved, an improvement came after epochs without one,
    and the stopper stopped at a NaN-free epoch fewer than `patience` epochs after that improvement."""
    if seen[:k] != want[:k] or not seen[k][0] or want[k][0] or any(math.isnan(v) for v in losses[:k + 1]):
        return
    best = want[k][2]
    earlier = [w[2] for w in want[:best - 1]]
    if best < 2 or not earlier or best - earlier[-1] < 2 or k + 1 - best >= patience:
        return
    fail(f"{what}, losses {losses[:k + 1]}: your stopper stopped at epoch {k + 1}, {k + 1 - best} epoch(s) after the "
         f"improvement at epoch {best}, which came after {best - 1 - earlier[-1]} epoch(s) without improvement; "
         f"patience={patience} epochs without improvement are needed AFTER the improvement: the count of epochs "
         f"without improvement must restart from 0 after an improvement (part of the earlier count was kept: not "
         f"reset, or decreased instead of set to 0)", "stopper-count-not-restarted")


def _best_moved_within_delta(what, losses, k, seen, want, min_delta) -> None:
    """A property of the rule, asked of the epoch that went wrong: a loss below best_loss by LESS than min_delta
    is no improvement, so best_loss and best_epoch stay where the earlier epochs left them.  Told only when the
    earlier epochs were right (the best the stopper held is the rule's) and this epoch moved best_loss and/or
    best_epoch to this loss / this epoch where the rule keeps them."""
    if k == 0 or not min_delta or seen[:k] != want[:k]:
        return
    loss, (_stop, prev_best, prev_epoch) = losses[k], want[k - 1]
    if math.isnan(loss) or not prev_best - min_delta <= loss < prev_best:
        return
    _stop_got, best, epoch = seen[k]
    moved = [part for part, ok in ((f"best_loss to {best!r}", best == loss and best != prev_best),
                                   (f"best_epoch to {epoch}", epoch == k + 1 and epoch != prev_epoch)) if ok]
    if not moved or (best != prev_best and best != loss) or (epoch != prev_epoch and epoch != k + 1):
        return
    fail(f"{what}, losses {losses[:k + 1]}: epoch {k + 1}'s loss {loss!r} is below best_loss {prev_best!r} by less "
         f"than min_delta = {min_delta!r} ({loss!r} >= {prev_best!r} - {min_delta!r}), so it is NOT an improvement, "
         f"and your stopper moved {' and '.join(moved)}: best_loss and best_epoch change only on an improvement, "
         f"val_loss < best_loss - min_delta, the same test that resets the count (a plain val_loss < best_loss "
         f"test for the best and min_delta for the count?). Expected (stop, best_loss, best_epoch) = {want[k]}, got "
         f"{seen[k]}", "stopper-best-moved-within-delta")


def _after_stop(stopper, losses, state, patience, what) -> None:
    """Property of every stopper (the docstring: True at the epoch the count reaches patience and at every later
    epoch until one improves): patience + 1 worse epochs, then a NaN one, after the first True; cheap: a few calls,
    asked of each sequence.  The decisions over those epochs tell a count reset when stopping (False patience - 1
    times, then True) from a stop said once only (False ever after)."""
    stop, best, epoch = state
    later = [best + 1.0 + 0.1 * i for i in range(patience + 1)] + [math.nan]
    got = []
    for loss in later:
        got.append(bool(call(stopper.step, loss, name=f"{what}.step({loss})")))
        try:
            now = (float(expect_scalar(stopper.best_loss, name="best_loss")),
                   int(expect_scalar(stopper.best_epoch, name="best_epoch")))
        except core.CheckFailure:
            now = (best, epoch)      # the sequence itself judged these
        kept = now == (best, epoch)
        if got[-1] and kept:
            continue
        seq = losses + later[:len(got)]
        if math.isnan(loss):        # every worse epoch before it said stop: the NaN epoch is what differs
            told = "stored NaN as best_loss" if math.isnan(now[0]) else (
                f"set best_epoch to {now[1]}" if now[1] != epoch else "returned False (it was counted as an improvement)")
            fail(f"{what}, losses {seq}: epoch {len(seq)}'s loss is NaN and your stopper {told}, after stopping at "
                 f"epoch {len(losses)} and saying stop at every later worse epoch: a NaN loss (a diverged epoch) is "
                 f"never an improvement: val_loss < best_loss - min_delta is False for NaN, so it counts as an epoch "
                 f"without improvement (step returns True again) and leaves best_loss and best_epoch as they are",
                 "stopper-nan-loss")
        if not kept:
            fail(f"{what}, losses {seq}: best_loss / best_epoch changed to {now} although no epoch improved since "
                 f"epoch {epoch} (every later loss is worse than {best!r}): they change only on an improvement, "
                 f"val_loss < best_loss - min_delta", "stopper-best-changed-without-improvement")
        rest = []
        for more in later[len(got):-1]:
            try:
                rest.append(bool(call(stopper.step, more, name=f"{what}.step({more})")))
            except core.CheckFailure:
                break
        decisions = got + rest
        reading = ""
        if patience > 1 and decisions[:patience] == [False] * (patience - 1) + [True]:
            reading = (f": your stopper says stop again only every {patience} epochs (False for {patience - 1}, then "
                       f"True): the count of epochs without improvement is set back to 0 when step signals stop")
        elif len(decisions) == patience + 1 and not any(decisions):
            reading = (f": your stopper said stop at epoch {len(losses)} only and False at each of the "
                       f"{len(decisions)} worse epochs after it: a test count == patience (where count >= patience "
                       f"belongs), or a flag that says stop once")
        fail(f"{what}, losses {seq}: step returned False at epoch {len(seq)}, {len(got)} epoch"
             f"{'s' if len(got) > 1 else ''} after it first returned True (epoch {len(losses)}), and no epoch "
             f"improved since{reading}: as the docstring says, step returns True at the epoch the count reaches "
             f"patience and at every later epoch until one improves; the count restarts only on an improvement "
             f"(a training loop that keeps calling step must keep hearing stop)", "stopper-after-stop")


# =============================================================================================
# Learning-rate schedules and the update-to-weight ratio
# =============================================================================================

def _schedule_relations(name, args, epochs, got, want, rule="the rule"):
    """Relations between a wrong schedule and the rule that name the mistake whatever the schedule: a mirror
    image (start and end values swapped), whole multiples of lr0 (integer division), a sequence that changes
    by a constant AMOUNT where the rule multiplies by a constant FACTOR."""
    same = lambda a, b: math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    head = f"{name} with arguments {args}"
    lr0 = float(args[0])
    digits = next((d for d in range(11) if all(same(a, round(b, d)) for a, b in zip(got, want))), None)
    if digits is not None:
        lost = next(((e, b, a) for e, a, b in zip(epochs, got, want) if not same(a, b)), None)
        fail(f"{head}: your rates are the rule's ROUNDED to {digits} decimal{'s' if digits != 1 else ''} (at epoch "
             f"{lost[0]} the rule gives {lost[1]!r}, you return {lost[2]!r}): a round(..., {digits}) (or a "
             f"formatting to a fixed precision) loses the small rates late in training; return the rate unrounded",
             "schedule-rounded")
    total = got[0] + want[0]
    if len(got) > 2 and not same(got[0], want[0]) and all(same(a + b, total) for a, b in zip(got, want)):
        backwards = len(got) == len(epochs) and list(epochs) == list(range(len(epochs))) and \
            all(same(a, b) for a, b in zip(got, want[::-1]))
        fail(f"{head}: your schedule is the rule upside down: it goes from {got[0]:.6g} to {got[-1]:.6g} where the "
             f"rule goes from {want[0]:.6g} to {want[-1]:.6g}: "
             + ("it runs backwards in time (epochs counted from the end, such as total_epochs - epoch, where the "
                "rule has epoch), or the start and end values lr0 and lr_min are swapped" if backwards else
                "the start and end values (lr0 and lr_min?) are swapped in the formula"), "schedule-mirrored")
    if lr0 and all(same(a, lr0 * math.floor(b / lr0 + 1e-9)) for a, b in zip(got, want)):
        fail(f"{head}: your rate is always a whole multiple of lr0 ({sorted(set(round(a / lr0) for a in got))} x lr0) "
             f"where the rule has fractions of it: an integer division // (or int()) where the rule divides with /",
             "schedule-integer-division")
    plateaus = [v for k, v in enumerate(got) if k == 0 or not same(v, got[k - 1])]
    wanted = [v for k, v in enumerate(want) if k == 0 or not same(v, want[k - 1])]
    steps = [b - a for a, b in zip(plateaus, plateaus[1:])]
    geometric = all(b and same(a / b, wanted[1] / wanted[0]) for b, a in zip(wanted, wanted[1:])) \
        if len(wanted) >= 2 and wanted[0] else False
    if len(steps) >= 2 and all(same(st, steps[0]) for st in steps) and steps[0] and len(wanted) >= 3 \
            and not same(wanted[1] - wanted[0], wanted[2] - wanted[1]) and not geometric:
        moves = [b - a for a, b in zip(wanted, wanted[1:])]
        fail(f"{head}: your rate changes by the same AMOUNT ({steps[0]:+.6g}) each time it changes: a straight line "
             f"(a LINEAR decay) from {got[0]:.6g} to {got[-1]:.6g}; the rule's changes are not equal (from "
             f"{moves[0]:+.6g} to {min(moves, key=abs) if moves[0] == max(moves, key=abs) else max(moves, key=abs):+.6g}"
             f"): its curve is {rule}", "schedule-linear")
    if len(steps) >= 2 and all(same(st, steps[0]) for st in steps) and steps[0] and len(wanted) >= 3 \
            and not same(wanted[1] - wanted[0], wanted[2] - wanted[1]):
        fail(f"{head}: your rate changes by the same AMOUNT ({steps[0]:+.6g}) each time it changes, where the rule "
             f"multiplies it by the same FACTOR ({wanted[1] / wanted[0]:.6g}): a * where the rule has a power **?",
             "schedule-arithmetic-not-geometric")


def _changes(values) -> list:
    """The successive distinct values of a schedule (its plateaus, in epoch order)."""
    same = lambda a, b: math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return [v for k, v in enumerate(values) if k == 0 or not same(v, values[k - 1])]


def _schedule_geometric(name, oracle, runs, rule) -> None:
    """Asked of every schedule: each CHANGE of the rate the same factor times the one before (a geometric,
    exponential curve, possibly approaching some floor) where the rule's changes are not (a linear ramp or decay adds
    the same amount, a cosine neither).  Told only when every wrong case with four plateaus or more shows one
    constant ratio of consecutive changes, and at least two such cases agree (ratios of the student's own rates,
    not a slope read off two epochs)."""
    same = lambda a, b: math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    seen = []
    for args, epochs, got in runs:
        want = [oracle(e, *args) for e in epochs]
        if all(same(a, b) for a, b in zip(got, want)):
            continue
        mine, rules = _changes(got), _changes(want)
        if len(mine) < 4 or len(rules) < 3:
            continue
        steps = [b - a for a, b in zip(mine, mine[1:])]
        moves = [b - a for a, b in zip(rules, rules[1:])]
        if any(st == 0 for st in steps[:-1]):
            return
        ratios = [b / a for a, b in zip(steps, steps[1:])]
        if not all(same(q, ratios[0]) for q in ratios) or same(ratios[0], 1.0) or ratios[0] <= 0:
            return          # (a negative ratio is an oscillation, not a geometric curve)
        if len(moves) >= 2 and moves[0] and all(a and same(b / a, moves[1] / moves[0]) for a, b in zip(moves, moves[1:])) \
                and not all(same(m, moves[0]) for m in moves):
            return          # the rule is geometric too: another factor is another reading
        pure = all(a and same(b / a, ratios[0]) for a, b in zip(mine, mine[1:]))
        seen.append((args, mine, ratios[0], moves[0] if all(same(m, moves[0]) for m in moves) else None, pure))
    if len(seen) < 2:
        return
    args, mine, q, step, pure = seen[0]
    others = "; ".join(f"{a}: x{r:.4g}" for a, _m, r, _s, _p in seen[1:])
    linear = all(x[3] is not None for x in seen)
    values = f"{', '.join(f'{v:.6g}' for v in mine[:6])}{', ...' if len(mine) > 6 else ''}"
    said = (f"your rate is MULTIPLIED by the same factor ({q:.4g}) each time it changes ({values})" if pure else
            f"each change of your rate is {q:.4g} times the one before ({values})")
    fail(f"{name} with arguments {args}: {said}, a geometric (exponential) curve, and so in the other cases ({others}); "
         + (f"the rule ADDS the same amount each time ({step:+.6g} here): its curve is {rule}; a power (** epoch) or "
            f"a repeated * where the rule's term is linear in the epoch" if linear else
            f"the rule's changes are not in a constant ratio: its curve is {rule}"),
         "schedule-geometric-not-linear" if linear else "schedule-geometric")


def _schedule_factor(name, args, names, got, want) -> None:
    """Every epoch's rate is the rule's times the same constant, and that constant is one of the arguments (or
    its inverse): one factor of that argument too many (or too few) in the formula."""
    ratios = [a / b for a, b in zip(got, want) if b]
    if len(ratios) < 3 or not all(math.isclose(q, ratios[0], rel_tol=1e-9) for q in ratios) or \
            math.isclose(ratios[0], 1.0, rel_tol=1e-9):
        return
    k = ratios[0]
    for label, value in zip(names, args):
        if value in (0, 1):
            continue
        for power, how in ((1, "one factor {0} too many"), (-1, "one factor {0} too few (a division by {0})")):
            if math.isclose(k, value ** power, rel_tol=1e-9):
                fail(f"{name} with arguments {args}: your rate is exactly {label} = {value:g} "
                     f"{'times' if power == 1 else 'divided by'} the rule's at EVERY epoch: "
                     f"{how.format(label)} in your formula (where {label} is raised to a power, the exponent is "
                     f"one too {'large' if power == 1 else 'small'})", "schedule-factor-of-an-argument")


def _schedule_constant(name, oracle, runs, rule) -> None:
    """The student's rate never changes with the epoch, in EVERY case where the rule's does (at least two such
    cases, with other arguments): the part of the formula that depends on the epoch never takes effect.  The
    constant is named (the rule's first or last rate, lr0) only when it is that in every such case."""
    same = lambda a, b: math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    moving = [(args, epochs, got, [oracle(e, *args) for e in epochs]) for args, epochs, got in runs]
    moving = [m for m in moving if len(m[1]) > 2 and not all(same(w, m[3][0]) for w in m[3])]
    if len(moving) < 2 or not all(all(same(g, m[2][0]) for g in m[2]) for m in moving):
        return
    readings = (("the rule's rate at the first epoch", lambda a, w: w[0]),
                ("lr0", lambda a, w: float(a[0])),
                ("the rule's rate at the last epoch asked", lambda a, w: w[-1]))
    which = next((label for label, value in readings
                  if all(same(m[2][0], value(m[0], m[3])) for m in moving)), None)
    args, epochs, got, want = moving[0]
    fail(f"{name} with arguments {args}: your rate is {got[0]:.6g} at EVERY epoch {list(epochs)}"
         f"{' (' + which + ')' if which else ''}, and it is constant in every case with other arguments too, "
         f"where the rule's rate changes (here from {want[0]:.6g} at epoch {epochs[0]} to {want[-1]:.6g} at epoch "
         f"{epochs[-1]}): the part of your formula that depends on epoch never takes effect (a min() / max() that "
         f"always picks the same side, a factor or division placed outside it, or epoch not used?); the rule is "
         f"{rule}", "schedule-constant")


def _schedule_shifted(name, oracle, runs, rule) -> None:
    """Every wrong rate is the rule's at the NEIGHBOURING epoch (epoch - 1 or epoch + 1), in every case: the epochs
    are counted from another start.  Asked both ways, on every case (a shift that fits one case only is not said)."""
    for shift, words in ((-1, "one epoch late: your rate at every epoch e is the rule's rate at epoch e - 1 (epochs "
                               "counted from 1? the first epoch is epoch 0, and it uses the rule at 0)"),
                         (1, "one epoch early: your rate at every epoch e is the rule's rate at epoch e + 1 (epoch + 1 "
                             "used where epoch belongs? the first epoch is epoch 0, and it uses the rule at 0)")):
        fits, wrong = True, None
        for args, epochs, got in runs:
            try:
                moved = [oracle(e + shift, *args) for e in epochs]
            except (ZeroDivisionError, ValueError, OverflowError):
                fits = False
                break
            right = all(math.isclose(a, oracle(e, *args), rel_tol=1e-9, abs_tol=1e-12) for e, a in zip(epochs, got))
            if not all(math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12) for a, b in zip(got, moved)):
                fits = False
                break
            if not right and wrong is None:
                wrong = (args, epochs, got)
        if fits and wrong is not None:
            args, epochs, got = wrong
            k = next(i for i, e in enumerate(epochs) if not math.isclose(got[i], oracle(e, *args), rel_tol=1e-9,
                                                                           abs_tol=1e-12))
            fail(f"{name}(epoch={epochs[k]}, {', '.join(map(str, args))}) returned {got[k]:.6g}, the rule's rate at "
                 f"epoch {epochs[k] + shift} ({oracle(epochs[k], *args):.6g} belongs at epoch {epochs[k]}): {words}; "
                 f"the rule is {rule}", "schedule-epoch-shifted")


def _schedule_offset(name, oracle, runs, rule, inverse) -> None:
    """Every rate is the rule's at epoch + c, one constant c (a fraction of an epoch, or several epochs) in every
    case: the rule is evaluated at a moved epoch.  ``inverse(rate, *args)``: the real epoch at which the rule gives
    that rate (None outside its range).  c is read from one wrong rate and must then reproduce every rate of every
    case (an offset that fits one case, or that grows with the epoch, as a wrong period does, is not said)."""
    same = lambda a, b: math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    offsets = []
    for args, epochs, got in runs:
        for e, a in zip(epochs, got):
            if same(a, oracle(e, *args)):
                continue
            try:
                t = inverse(a, *args)
            except (ValueError, ZeroDivisionError, OverflowError):
                t = None
            if t is not None and not same(t, e):
                offsets.append(t - e)
    for c in offsets[:3]:
        try:
            fits = all(same(a, oracle(e + c, *args)) for args, epochs, got in runs for e, a in zip(epochs, got))
        except (ValueError, ZeroDivisionError, OverflowError):
            fits = False
        if not fits or abs(c) < 1e-6:
            continue
        args, epochs, got = next((a, e, g) for a, e, g in runs if not all(same(x, oracle(k, *a)) for k, x in zip(e, g)))
        k = next(i for i, e in enumerate(epochs) if not same(got[i], oracle(e, *args)))
        c = round(c, 6)
        moved = "an epoch plus a fraction, such as the middle of the epoch" if c % 1 else \
            "the epoch counted from another start"
        fail(f"{name}(epoch={epochs[k]}, {', '.join(map(str, args))}) returned {got[k]:.6g}, expected "
             f"{oracle(epochs[k], *args):.6g}: every rate you return, in every case, is the rule's rate at epoch + "
             f"{c:g} (your rate at epoch e is the rule's at e {'+' if c > 0 else '-'} {abs(c):g}): the rule is "
             f"evaluated at a moved epoch ({moved}); "
             f"the rule takes epoch itself, {rule}", "schedule-epoch-offset")


def _floor_division(name, formula, oracle, names, runs, rule) -> None:
    """The rule with ONE of its true divisions (/) turned into an integer division (//) explains every epoch of every
    case: an integer division where / belongs (also what `pi * epoch // total_epochs` is: (pi * epoch) // total,
    the operators read from left to right)."""
    import ast
    tree = ast.parse(formula, mode="eval")
    divisions = [n for n in ast.walk(tree) if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Div)]
    for node in divisions:
        node.op = ast.FloorDiv()
        text = ast.unparse(node)
        code = compile(ast.fix_missing_locations(tree), "<rule>", "eval")
        node.op = ast.Div()
        fits = True
        for args, epochs, got in runs:
            env = {"cos": math.cos, "min": min, "pi": math.pi,
                   **dict(zip(names, _oracle_args(oracle, args)))}
            try:
                values = [eval(code, {"__builtins__": {}}, {**env, "epoch": e}) for e in epochs]
            except (ZeroDivisionError, ValueError, OverflowError, TypeError, NameError):
                fits = False
                break
            if not all(math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12) for a, b in zip(got, values)):
                fits = False
                break
        if fits:
            fail(f"{name}: every rate you return is the rule's with `{text.replace('//', '/')}` computed as "
                 f"`{text}`: an integer division (//) where / belongs (// rounds down to a whole number; a true "
                 f"division keeps the fraction); the rule is {rule}", "schedule-integer-division")


def _mistake_fits(wrong, args, epochs, got) -> bool:
    try:
        values = [wrong(e, *args) for e in epochs]
    except (ZeroDivisionError, ValueError, OverflowError):
        return False
    return all(math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12) for a, b in zip(got, values))


def _formula_term(formula, oracle, names, args, epochs, got) -> str | None:
    """The one edit of the rule that explains every epoch of one case (None when there is none)."""
    env = {"epoch": np.array(list(epochs), dtype=_float64), "cos": np.cos, "min": np.minimum,
           **{label: np.full(len(epochs), float(v)) for label, v in zip(names, _oracle_args(oracle, args))}}
    return explain_formula(formula, env, np.array(got, dtype=_float64), rtol=1e-9, atol=1e-12, what="rates")


def _schedule_term_zero(fn, name, oracle, args, epochs, names, rule) -> None:
    """A schedule wrong on a case with an additive argument (lr_min) other than 0: the same case with that argument
    0 (every other argument kept).  Right there, at every epoch, while the rule's values there are not all 0: the
    mistake is in the term that uses it (two inputs that differ only in it separate it from the rest)."""
    for i, label in enumerate(names):
        if i == 0 or i >= len(args) or label != "lr_min" or not args[i]:
            continue
        zeroed = tuple(0.0 if j == i else a for j, a in enumerate(args))
        try:
            want = [oracle(e, *zeroed) for e in epochs]
            got = [float(expect_scalar(call(fn, e, *zeroed, name=name), name=name)) for e in epochs]
        except (core.CheckFailure, ZeroDivisionError, TypeError, ValueError):
            continue
        if any(want) and all(math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12) for a, b in zip(got, want)):
            fail(f"{name} with arguments {args}: wrong at some epochs, and right at every epoch with {label} = 0 (the "
                 f"other arguments kept): the mistake is in the term that uses {label}; the rule is {rule}",
                 "schedule-term-of-argument")


def _low_precision(calls, answers, got, want, rule) -> None:
    """Asked of every function that returns one float (schedules, ratios) once its values are wrong: values that
    agree with the rule to single precision (~7 digits) and no further were computed or returned in float32; the
    type of the answer is named when it is a numpy float narrower than float64."""
    pairs = [(c, a, b) for c, a, b in zip(calls, got, want) if not math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)]
    if not pairs or not all(math.isclose(a, b, rel_tol=2e-6, abs_tol=1e-12) for a, b in zip(got, want)):
        return
    narrow = sorted({type(x).__name__ for x in answers if isinstance(x, np.floating) and np.dtype(type(x)).itemsize < 8})
    call_text, a, b = pairs[0]
    said = (f"your function returns {' and '.join('numpy.' + t for t in narrow)}, not a Python float" if narrow else
            "a float32 (or lower precision) step inside your computation")
    fail(f"{call_text} returned {a!r}, expected {b!r}: your values agree with {rule} to about 7 significant digits "
         f"only, the precision of float32 ({len(pairs)} of {len(got)} values differ beyond that): {said}; compute in "
         f"float64 (Python floats, math.*) and return a float, as the docstring says", "float-returned-in-float32")


def _schedule(fn, cases, oracle, mistakes, name, rule, explain=None, names=(), formula=None, inverse=None):
    runs, raised, answers = [], [], []
    for args, epochs in cases:       # every case first (a mistake may fit one case by coincidence), failures in order
        got = []
        try:
            for e in epochs:
                try:
                    answer = call(fn, e, *args, name=f"{name}({e}, {', '.join(map(str, args))})",
                                  want=lambda e=e, args=args: oracle(e, *args))
                except core.CheckFailure as exc:
                    if "ZeroDivisionError" in str(exc) and e == 0 and 0 not in args:
                        fail(f"{exc}: a division by zero, and the only argument that is 0 here is epoch: the rule, "
                             f"{rule}, never divides by epoch (are two arguments swapped, epoch in a denominator?)",
                             "schedule-divides-by-epoch")
                    raise
                answers.append(answer)
                got.append(expect_scalar(answer, name=f"{name}({e}, ...)"))
        except core.CheckFailure as exc:
            raised.append(exc)
            break
        runs.append((args, epochs, got))
    if not raised:
        _schedule_pure(fn, name, runs)
    for args, epochs, got in runs:
        want = [oracle(e, *args) for e in epochs]
        if all(math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12) for a, b in zip(got, want)):
            continue
        _low_precision([f"{name}(epoch={e}, {', '.join(map(str, a))})" for a, es, _g in runs for e in es], answers,
                       [g for _a, _e, gs in runs for g in gs], [oracle(e, *a) for a, es, _g in runs for e in es], rule)
        _schedule_earlier_calls(fn, name, oracle, runs, rule)
        # two catalogued mistakes may coincide on one case (round(e / 3) == (e + 1) // 3): the one that fits
        # EVERY case is the student's; one that fits this case only is said only when it is the only one
        here = [msg for msg, wrong in mistakes.items() if _mistake_fits(wrong, args, epochs, got)]
        everywhere = [msg for msg in here if all(_mistake_fits(mistakes[msg], a, e, g) for a, e, g in runs)]
        if everywhere or len(here) == 1:
            msg = (everywhere or here)[0]
            fail(f"{name} with arguments {args}: {msg}", _diag_id(msg.split(":")[0]))
        _schedule_shifted(name, oracle, runs, rule)
        if inverse is not None:
            _schedule_offset(name, oracle, runs, rule, inverse)
        if formula:
            _floor_division(name, formula, oracle, names, runs, rule)
        _schedule_relations(name, args, epochs, got, want, rule)
        _schedule_factor(name, args, names, got, want)
        _schedule_constant(name, oracle, runs, rule)     # more specific readings (//, factors, shifts) first
        if formula:       # one edit of the rule explains every epoch: quote it when two wrong cases agree on it
            wrong = [(a, _formula_term(formula, oracle, names, a, e, g)) for a, e, g in runs
                     if not all(math.isclose(x, oracle(k, *a), rel_tol=1e-9, abs_tol=1e-12) for k, x in zip(e, g))]
            texts = [t for _a, t in wrong if t]
            best = max(texts, key=texts.count, default=None)   # the first of the most frequent readings
            if best and texts.count(best) >= min(2, len(wrong)):
                where = next(a for a, t in wrong if t == best)
                fail(f"{name} with arguments {where}: {best}", "schedule-formula-term")
        _schedule_geometric(name, oracle, runs, rule)       # after the one-edit readings of the formula
        _schedule_term_zero(fn, name, oracle, args, epochs, names, rule)     # after the one-edit readings
        ok = [math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12) for a, b in zip(got, want)]
        k = ok.index(False)
        where = [e for e, good in zip(epochs, ok) if not good]
        pattern = (f"wrong from epoch {where[0]} on" if all(not good for good in ok[k:]) else
                   f"wrong at epochs {where[:6]}")
        shape = explain(args, list(epochs), got) if explain else None
        fail(f"{name}(epoch={epochs[k]}, {', '.join(map(str, args))}) returned {got[k]:.6g}, expected {want[k]:.6g}: "
             f"right at epochs {[e for e, good in zip(epochs, ok) if good][:6]}, {pattern}"
             f"{'; ' + shape if shape else ''}; the rule is {rule}",
             "schedule-shape-described" if shape else "schedule-wrong-values")
    if raised:
        raise raised[0]


def _schedule_earlier_calls(fn, name, oracle, runs, rule) -> None:
    """State kept between calls, asked of every schedule once a case is wrong: each wrong rate of a case is the
    rate the student's function returned for the SAME epoch in an earlier case with other arguments (a cache or
    memo keyed on the epoch alone, a value kept from the first call).  Told when every wrong epoch of the case
    (two at least) fits, and confirmed on a fresh call: the same epoch with a new lr0 still gives the earlier
    rate where the rule's is another."""
    same = lambda u, v: math.isclose(u, v, rel_tol=1e-9, abs_tol=1e-12)
    for i, (args, epochs, got) in enumerate(runs):
        wrong = [(e, g) for e, g in zip(epochs, got) if not same(g, oracle(e, *args))]
        if not wrong:
            continue
        earlier = {}
        for a, es, gs in runs[:i]:
            for e, g in zip(es, gs):
                earlier.setdefault(e, (a, g))
        stale = [(e, g, earlier[e][0]) for e, g in wrong if e in earlier and earlier[e][0] != args
                 and same(g, earlier[e][1])]
        if len(wrong) < 2 or len(stale) != len(wrong):
            return
        e, g, before = stale[0]
        fresh = (round(float(args[0]) * 1.37 + 0.011, 6),) + tuple(args[1:])
        try:
            again = expect_scalar(call(fn, e, *fresh, name=f"{name}({e}, {', '.join(map(str, fresh))})"),
                                  name=f"{name}({e}, ...)")
        except core.CheckFailure:
            return
        if not same(again, g) or same(again, oracle(e, *fresh)):
            return
        fail(f"{name}(epoch={e}, {', '.join(map(str, args))}) returned {g:.6g}, expected {oracle(e, *args):.6g}: it "
             f"is the rate your function returned for epoch {e} in an earlier call with other arguments "
             f"({', '.join(map(str, before))}), and so at every wrong epoch of this case ({[w[0] for w in wrong][:6]}); "
             f"with lr0 = {fresh[0]} it still returns {again:.6g}: your function returned a result computed from the "
             f"values of an earlier call: state kept between calls (a cache or memo keyed on the epoch alone, a "
             f"global or attribute set by the first call); a schedule is a pure function of ALL its arguments: "
             f"compute the rate from them at every call, {rule}", "schedule-earlier-call")
    return


def _schedule_pure(fn, name, runs) -> None:
    """A schedule is a function of its arguments: the same call gives the same rate whatever was called before it
    (a trainer may ask for any epoch, twice, or resume mid-run). Each case's epochs asked again in reverse order
    must give the rates they gave in order."""
    for args, epochs, got in runs:
        for e, first in reversed(list(zip(epochs, got))):
            try:
                again = expect_scalar(call(fn, e, *args, name=f"{name}({e}, {', '.join(map(str, args))})"),
                                      name=f"{name}({e}, ...)")
            except core.CheckFailure:
                return
            if not math.isclose(again, first, rel_tol=1e-12, abs_tol=1e-15):
                fail(f"{name}({e}, {', '.join(map(str, args))}) returned {first:.6g} when the epochs were asked in "
                     f"order 0, 1, 2, ... and {again:.6g} when the same call was made again later, after other calls: "
                     f"your function keeps state between calls (a global, a default list, an attribute "
                     f"updated at each call), so its answer depends on the calls made before it; a schedule is a "
                     f"pure function of its arguments: compute the rate from epoch alone, as in the rule",
                     "schedule-keeps-state")


def _oracle_args(oracle, args) -> tuple:
    """args completed with the oracle's defaults (cosine_decay's lr_min = 0 when it is not given)."""
    import inspect
    params = list(inspect.signature(oracle).parameters.values())[1:]
    return tuple(args) + tuple(p.default for p in params[len(args):])


def _warmup_shape(args, epochs, got) -> str | None:
    """Where the student's ramp starts, how fast it climbs and when it first reaches lr0, against the rule."""
    lr0, w = args
    ramp_ok = all(math.isclose(v, lr0 * (e + 1) / w, rel_tol=1e-9) for e, v in zip(epochs, got) if e < w)
    after = [(e, v) for e, v in zip(epochs, got) if e >= w]
    if ramp_ok and after and any(not math.isclose(v, lr0, rel_tol=1e-9) for _e, v in after):
        e, v = next((e, v) for e, v in after if not math.isclose(v, lr0, rel_tol=1e-9))
        trend = ("falls below lr0: a DECAY follows your warm-up" if all(x <= lr0 * (1 + 1e-9) for _e, x in after)
                 else "leaves lr0")
        return (f"your warm-up ramp is right, but after it (epoch >= warmup_epochs = {w}) your rate {trend} "
                f"({v:.6g} = {v / lr0:.4g} * lr0 at epoch {e}); after the warm-up the rate stays lr0, constant "
                f"(lr0 * min(1, (epoch + 1) / warmup_epochs))")
    reach = next((e for e, v in zip(epochs, got) if v >= lr0 * (1 - 1e-9)), None)
    ramp = [v for e, v in zip(epochs, got) if reach is None or e <= reach]
    rises = [(b - a) / lr0 for a, b in zip(ramp, ramp[1:])]
    if rises and all(math.isclose(d, rises[0], rel_tol=1e-9, abs_tol=1e-12) for d in rises):
        climb = f"climbs by {rises[0]:.3g} * lr0 per epoch"
    elif rises:      # unequal steps: no slope is told (a slope read off two epochs would describe a line)
        climb = f"climbs by UNEQUAL steps ({', '.join(f'{d:.3g}' for d in rises[:5])} * lr0)"
    else:
        climb = "does not climb"
    return (f"your rate is {got[0] / lr0:.3g} * lr0 at epoch 0 (expected lr0 / warmup_epochs = {1 / w:.3g} * lr0), "
            f"{climb} (expected equal steps of 1 / warmup_epochs = {1 / w:.3g} * lr0) and first reaches "
            f"lr0 at epoch {reach} (expected warmup_epochs - 1 = {w - 1})")


def _cosine_shape(args, epochs, got) -> str | None:
    """Read the student's factor f = (rate - lr_min) / (lr0 - lr_min) back as a cosine of an angle LINEAR in the
    epoch: a bare cos(a * epoch + b) or the rule's (1 + cos(a * epoch + b)) / 2 with another angle; said with the
    angle in units of pi * epoch / total_epochs."""
    lr0, total = float(args[0]), float(args[1])
    lo = float(args[2]) if len(args) > 2 else 0.0
    if lr0 == lo or len(got) < 4:
        return None
    f = np.array([(g - lo) / (lr0 - lo) for g in got])
    e = np.array(list(epochs), dtype=_float64)
    for form, inner in (("cos(A)", f), ("(1 + cos(A)) / 2", 2 * f - 1)):
        if np.any(np.abs(inner) > 1 + 1e-9):
            continue
        theta = np.arccos(np.clip(inner, -1.0, 1.0))
        a, b = np.polyfit(e, theta, 1)
        if not np.allclose(a * e + b, theta, rtol=0, atol=1e-6) or abs(a) < 1e-9:
            continue
        c = a * total / math.pi
        angle = (f"{c:.4g} * pi * epoch / total_epochs" + (f" + {b:.4g}" if abs(b) > 1e-6 else ""))
        rule = "(1 + cos(pi * epoch / total_epochs)) / 2, from 1 at epoch 0 to 0 at epoch total_epochs"
        if form == "cos(A)":
            return (f"your factor (rate - lr_min) / (lr0 - lr_min) is exactly cos({angle}) at every epoch, a bare "
                    f"cosine, where the rule's factor is {rule} (the cosine shifted up by 1 and halved: half a "
                    f"period of it)")
        return (f"your factor (rate - lr_min) / (lr0 - lr_min) is exactly (1 + cos({angle})) / 2 at every epoch: "
                f"the rule's form with another angle; the angle is pi * epoch / total_epochs")
    return None


def step_decay(step_decay):
    _schedule(step_decay, [((0.5, 3, 0.2), range(11)), ((0.1, 4, 0.5), range(13)), ((1.0, 1, 0.7), range(5)),
                           ((0.37, 2, 0.33), range(11))],     # rates with many decimals: a rounding shows
              lambda e, lr0, s, g: lr0 * g ** math.floor(e / s), {
                  "off by one epoch: epochs 0 .. step_size - 1 use lr0, the first decay comes at epoch step_size":
                      lambda e, lr0, s, g: lr0 * g ** ((e + 1) // s),
                  "off by one epoch: the first decay comes at epoch step_size, not step_size + 1":
                      lambda e, lr0, s, g: lr0 * g ** max(0, (e - 1) // s),
                  "the exponent is the integer division epoch // step_size (the rate drops in steps)":
                      lambda e, lr0, s, g: lr0 * g ** (e / s),
                  "the exponent is epoch // step_size (how many whole step_size periods have passed), not "
                  "epoch % step_size (the remainder, which starts again at 0 every step_size epochs)":
                      lambda e, lr0, s, g: lr0 * g ** (e % s),
                  "the exponent is epoch // step_size (an integer division), not epoch * step_size":
                      lambda e, lr0, s, g: lr0 * g ** (e * s),
                  "the rate decays by gamma at every epoch: only every step_size epochs":
                      lambda e, lr0, s, g: lr0 * g ** e,
                  "the exponent is rounded UP (math.ceil(epoch / step_size) decays already at epoch 1): it is "
                  "rounded down, epoch // step_size, so epochs 0 .. step_size - 1 keep lr0":
                      lambda e, lr0, s, g: lr0 * g ** math.ceil(e / s),
                  "the exponent is rounded to the NEAREST integer (round(epoch / step_size)): it is rounded down, "
                  "epoch // step_size":
                      lambda e, lr0, s, g: lr0 * g ** round(e / s),
                  "** and * bind tighter than //: lr0 * gamma ** epoch // step_size is (lr0 * gamma ** epoch) "
                  "// step_size; put the exponent in parentheses, gamma ** (epoch // step_size)":
                      lambda e, lr0, s, g: lr0 * g ** e // s,
              }, "step_decay", "lr0 * gamma ** (epoch // step_size)", names=("lr0", "step_size", "gamma"),
              formula="lr0 * gamma ** (epoch // step_size)")
    _schedule_default(step_decay, "step_decay", (0.4, 2), "gamma", 0.1, range(7))


def _schedule_default(fn, name, args, param, value, epochs) -> None:
    """The documented default of the last parameter: fn called without it gives the rates of fn called with
    ``param=value`` given (the other checks pass it explicitly, so a wrong default shows only here)."""
    for e in epochs:
        given = expect_scalar(call(fn, e, *args, value, name=f"{name}({e}, {', '.join(map(str, args))}, {value})"),
                              name=f"{name}({e}, ...)")
        try:
            left = call(fn, e, *args, name=f"{name}({e}, {', '.join(map(str, args))})")
        except core.CheckFailure as exc:
            fail(f"{name}({e}, {', '.join(map(str, args))}) called without {param} raised "
                 f"({str(exc).split(': ', 1)[-1][:120]}) and works with {param}={value!r} given: the default value of "
                 f"{param} must be {value!r}, as in the signature ({param}={value!r})", "wrong-default")
        left = expect_scalar(left, name=f"{name}({e}, ...)")
        if not math.isclose(left, given, rel_tol=1e-9, abs_tol=1e-12):
            fail(f"{name}({e}, {', '.join(map(str, args))}) called without {param} returned {left:.6g} and "
                 f"{given:.6g} with {param}={value!r} given: the default value of {param} must be {value!r}, as in "
                 f"the signature ({param}={value!r})", "wrong-default")


#: Other curves from lr0 to lr_min over total_epochs, each read against the cosine rule at every case (a quarter
#: cosine and a straight line are told by _cosine_shape).
_COSINE_SHAPES = {
    "a QUARTER period of a sine, lr_min + (lr0 - lr_min) * (1 - sin(pi / 2 * epoch / total_epochs))":
        lambda e, lr0, T, lo=0.0: lo + (lr0 - lo) * (1 - math.sin(math.pi / 2 * e / T)),
}


def cosine_decay(cosine_decay):
    _schedule(cosine_decay, [((0.1, 10), range(11)), ((0.5, 7, 0.05), range(8)), ((1.0, 20, 0.1), range(21))],
              lambda e, lr0, T, lo=0.0: lo + 0.5 * (lr0 - lo) * (1 + math.cos(math.pi * e / T)), {
                  "off by one epoch: epoch 0 uses lr0 (cos(0) = 1)":
                      lambda e, lr0, T, lo=0.0: lo + 0.5 * (lr0 - lo) * (1 + math.cos(math.pi * (e + 1) / T)),
                  "the cosine runs over total_epochs, reaching lr_min at epoch total_epochs, not total_epochs - 1":
                      lambda e, lr0, T, lo=0.0: lo + 0.5 * (lr0 - lo) * (1 + math.cos(math.pi * e / (T - 1))),
                  "the factor is (1 + cos(pi * epoch / T)) / 2: the 1/2 is missing":
                      lambda e, lr0, T, lo=0.0: lo + (lr0 - lo) * (1 + math.cos(math.pi * e / T)),
                  "lr_min is ignored: the rate goes from lr0 down to lr_min":
                      lambda e, lr0, T, lo=0.0: 0.5 * lr0 * (1 + math.cos(math.pi * e / T)),
                  "the angle uses an integer division: epoch // total_epochs is 0 until the last epoch, so the "
                  "rate stays lr0; the angle is pi * epoch / total_epochs, a true division":
                      lambda e, lr0, T, lo=0.0: lo + 0.5 * (lr0 - lo) * (1 + math.cos(math.pi * (e // T))),
                  "the angle is in degrees (180 * epoch / total_epochs): math.cos takes RADIANS, the angle is "
                  "pi * epoch / total_epochs":
                      lambda e, lr0, T, lo=0.0: lo + 0.5 * (lr0 - lo) * (1 + math.cos(180 * e / T)),
                  "the angle is pi * epoch / total_epochs (pi is missing)":
                      lambda e, lr0, T, lo=0.0: lo + 0.5 * (lr0 - lo) * (1 + math.cos(e / T)),
                  "the / 2 divides only the cosine (1 + cos(...) / 2): the factor is (1 + cos(pi * epoch / "
                  "total_epochs)) / 2, with parentheses around 1 + cos(...)":
                      lambda e, lr0, T, lo=0.0: lo + (lr0 - lo) * (1 + math.cos(math.pi * e / T) / 2),
                  "the schedule restarts at epoch total_epochs: your rate is lr0 again there (epoch % "
                  "total_epochs, SGDR's warm restart?); the rule has no restart, it reaches lr_min at epoch "
                  "total_epochs":
                      lambda e, lr0, T, lo=0.0: lo + 0.5 * (lr0 - lo) * (1 + math.cos(math.pi * (e % T) / T)),
                  "the cosine's amplitude is lr0 - lr_min: lr_min + (lr0 - lr_min) * (1 + cos(pi * epoch / T)) / 2 "
                  "(lr_min added to the whole lr0 curve starts above lr0)":
                      lambda e, lr0, T, lo=0.0: lo + 0.5 * lr0 * (1 + math.cos(math.pi * e / T)),
                  **{f"the curve has another shape: yours is {shape}, from lr0 down to lr_min, not the rule's: the cosine decay is HALF a "
                     f"period of a cosine, lr_min + (lr0 - lr_min) * (1 + cos(pi * epoch / total_epochs)) / 2, flat at "
                     f"both ends (the angle runs from 0 to pi, and 1 + cos is halved)": curve
                     for shape, curve in _COSINE_SHAPES.items()},
              }, "cosine_decay", "lr_min + (lr0 - lr_min) * (1 + cos(pi * epoch / total_epochs)) / 2",
              explain=_cosine_shape, names=("lr0", "total_epochs", "lr_min"),
              formula="lr_min + (lr0 - lr_min) * (1 + cos(pi * epoch / total_epochs)) / 2",
              inverse=_cosine_epoch)


def _cosine_epoch(rate, lr0, T, lo=0.0):
    """The epoch in [0, T] at which the cosine rule gives ``rate`` (None outside [lr_min, lr0])."""
    u = 2 * (rate - lo) / (lr0 - lo) - 1
    return T * math.acos(u) / math.pi if -1 <= u <= 1 else None


def linear_warmup(linear_warmup):
    _schedule(linear_warmup, [((0.4, 4), range(8)), ((0.01, 5), range(9)), ((2.0, 3), range(6)), ((0.3, 1), range(3))],
              lambda e, lr0, w: lr0 * min(1.0, (e + 1) / w), {
                  "off by one epoch: the first epoch (e = 0) already trains at lr0 / warmup_epochs, never at 0":
                      lambda e, lr0, w: lr0 * min(1.0, e / w),
                  "off by one epoch: the full rate is reached at epoch warmup_epochs - 1 (lr0 * (e + 1) / W)":
                      lambda e, lr0, w: lr0 * min(1.0, (e + 1) / (w + 1)),
                  "the warm-up must stop at lr0: the rate stays at lr0 after warmup_epochs":
                      lambda e, lr0, w: lr0 * (e + 1) / w,
                  "the warm-up lasts epochs 0 .. warmup_epochs - 1 (epoch < warmup_epochs, not <=): at epoch "
                  "warmup_epochs the rate is lr0, never more":
                      lambda e, lr0, w: lr0 * (e + 1) / w if e <= w else lr0,
              }, "linear_warmup", "lr0 * (epoch + 1) / warmup_epochs while epoch < warmup_epochs, then lr0",
              explain=_warmup_shape, names=("lr0", "warmup_epochs"),
              formula="min(lr0, lr0 * (epoch + 1) / warmup_epochs)",
              inverse=lambda rate, lr0, w: rate * w / lr0 - 1 if 0 < rate < lr0 else None)


def update_ratio(update_ratio):
    r = core.rng("lab08.update_ratio")
    for shape, dtype, scale in (((7, 5), np.float64, 1e-3), ((1, 9), np.float32, 1e-2), ((13, 3), np.float64, 0.2)):
        before = r.normal(size=shape).astype(dtype)
        after = (before + scale * r.normal(size=shape)).astype(dtype)
        b, a = before.astype(_float64), after.astype(_float64)
        got = expect_scalar(call(update_ratio, before, after, name="update_ratio",
                                 want=lambda a=after, b=before: float(np.linalg.norm(_f64(a) - _f64(b)) /
                                                                      np.linalg.norm(_f64(b)))), name="update_ratio")
        num = math.sqrt(float(((a - b) ** 2).sum()))
        den = math.sqrt(float((b ** 2).sum()))
        rtol = 1e-9 if dtype == np.float64 else 1e-3
        try:
            _update_ratio_case(got, num, den, a, b, shape, rtol)
        except core.CheckFailure as exc:
            if exc.diagnosis in _GENERIC:
                _ratio_rounded(update_ratio, exc, got, num / den, dtype)
                _ratio_precision(update_ratio, exc, r)
                _ratio_invariances(update_ratio, exc, r)
                _isolate(lambda b_, a_: update_ratio(b_, a_), lambda b_, a_: float(np.linalg.norm(_f64(a_) - _f64(b_)) /
                                                                                  np.linalg.norm(_f64(b_))),
                         {"before": before, "after": after}, str(exc).split(" has wrong values")[0], rtol, 1e-12,
                         neutral={"before": None})
            raise
    k = core.rng("lab08.update_ratio.kept")
    before = k.normal(size=(6, 5))
    _after_change(update_ratio, "update_ratio(before (6, 5), after)", (before, before + 0.1 * k.normal(size=(6, 5))),
                  {0: "before", 1: "after"}, lambda b, a: [float(np.linalg.norm(_f64(a) - _f64(b)) /
                                                                 np.linalg.norm(_f64(b)))], lambda got: [got], k)


def _ratio_rounded(update_ratio, exc, got, want, dtype) -> None:
    """A float64 ratio off by float32 rounding only, confirmed on two more float64 inputs of other shapes."""
    if dtype != np.float64 or not _float32_sized(got, want):
        return
    q = core.rng("lab08.update_ratio.rounded")
    for shape in ((4, 9), (11,)):
        before = q.normal(size=shape)
        after = before + 0.05 * q.normal(size=shape)
        try:
            again = float(expect_scalar(call(update_ratio, before, after, name="update_ratio"), name="update_ratio"))
        except core.CheckFailure:
            return
        if not _float32_sized(again, float(np.linalg.norm(after - before) / np.linalg.norm(before))):
            return
    fail(f"{str(exc).split(' has wrong values')[0]}: your ratio is off by float32 rounding only ({got!r} where "
         f"{want!r} belongs), and so it is on float64 arrays of shapes (4, 9) and (11,): the value passes through "
         f"float32 somewhere (np.float32(...), an .astype(np.float32)); compute in float64 and return a Python float",
         "ratio-float32-inside")


def _ratio_precision(update_ratio, exc, r):
    """float64 arrays with a tiny update (ratio about 1e-7): a ratio computed in float32 loses the update.  Told
    when the student's result is the float32 one there AND right on float64 arrays whose values are exact in
    float32 (a second input that separates precision from a wrong formula)."""
    head = str(exc).split(" has wrong values")[0]
    before = r.normal(size=(6, 4))
    after = before + 1e-7 * r.normal(size=(6, 4))
    exact_b = r.normal(size=(5, 3)).astype(np.float32)
    exact_a = (exact_b + (0.1 * r.normal(size=(5, 3))).astype(np.float32)).astype(_float64)
    exact_b = exact_b.astype(_float64)
    ratio = lambda b, a: float(expect_scalar(call(update_ratio, b, a, name="update_ratio"), name="update_ratio"))
    true = lambda b, a: float(np.linalg.norm(a - b) / np.linalg.norm(b))
    b32, a32 = before.astype(np.float32), after.astype(np.float32)
    low = float(np.linalg.norm(a32 - b32) / np.linalg.norm(b32))
    try:
        tiny, exact = ratio(before, after), ratio(exact_b, exact_a)
    except core.CheckFailure:
        return
    want = true(before, after)
    if (not math.isclose(tiny, want, rel_tol=1e-3) and math.isclose(tiny, low, rel_tol=1e-3)
            and math.isclose(exact, true(exact_b, exact_a), rel_tol=1e-5)):
        fail(f"{head}: on float64 arrays with a tiny update (ratio {want:.4g}) your ratio is {tiny:.4g}, the value "
             f"computed in float32 ({low:.4g}), while on float64 arrays whose values are exact in float32 it is right: "
             f"precision is lost: a float32 cast (.astype(np.float32), or a float32 buffer) of before / after; "
             f"compute in the dtype of the inputs (float64 stays float64)", "ratio-precision-lost")


def _ratio_invariances(update_ratio, exc, r):
    """Two things a ratio of Frobenius norms never depends on: the signs of the entries (each is squared) and
    the shape of the arrays (every entry counts alike). A student's ratio that changes with either says which
    part of the norm is wrong."""
    head = str(exc).split(" has wrong values")[0]
    before = r.normal(size=(6, 4))
    after = before + 0.1 * r.normal(size=(6, 4))
    ratio = lambda b, a: float(expect_scalar(call(update_ratio, b, a, name="update_ratio"), name="update_ratio"))
    want = float(np.linalg.norm(after - before) / np.linalg.norm(before))
    try:
        base = ratio(before, after)
        signs = r.choice([-1.0, 1.0], size=before.shape)
        flipped = ratio(before * signs, before * signs + (after - before) * signs[::-1, ::-1])
        column = ratio(before.reshape(-1, 1), after.reshape(-1, 1))
        row = ratio(before.reshape(1, -1), after.reshape(1, -1))
        moved = ratio(before, before + (after - before)[::-1, ::-1])
    except core.CheckFailure:
        return
    same = lambda u, v: math.isclose(u, v, rel_tol=1e-9, abs_tol=1e-15)
    if not same(base, flipped):
        d = after - before
        summed = (abs(float(d.sum())) / abs(float(before.sum())), float(d.sum()) ** 2 / float(before.sum()) ** 2,
                  float(d.sum()) / float(before.sum()))
        cause = ("; your ratio is the one of the plain sums of the entries: the norm squares EACH entry and then "
                 "sums, sqrt(sum(d ** 2)); a sum taken before squaring lets signs cancel"
                 if any(same(base, v) for v in summed) else
                 ": a norm squares EACH entry before summing, so its value never depends on signs; a quantity in your "
                 "formula combines entries of before and after (or of after - before) with each other before "
                 "squaring them (a bracket in the wrong place, a sum before squaring, before and after mixed inside "
                 "one norm?)")
        fail(f"{head}: your ratio changes when the signs of some entries of before and after - before are flipped "
             f"({base:.6g} -> {flipped:.6g}), which leaves ||after - before|| and ||before|| unchanged{cause}",
             "ratio-depends-on-signs")
    if same(base, flipped) and same(base, column) and same(base, row) and not same(base, moved):
        d = after - before
        entrywise = {"||(after - before) / before||, the norm of the entrywise relative change (after / before - 1)":
                     float(np.linalg.norm(d / before)),
                     "the mean of |after - before| / |before| over the entries": float(np.mean(np.abs(d / before)))}
        said = next((f": yours is {label}" for label, v in entrywise.items() if same(base, v)), "")
        fail(f"{head}: your ratio changes when the entries of after - before are moved to other positions "
             f"({base:.6g} -> {moved:.6g}), which leaves ||after - before|| and ||before|| unchanged: your formula "
             f"relates each entry of the change to the same entry of before{said}; the update ratio compares the "
             f"two whole-array norms, np.linalg.norm(after - before) / np.linalg.norm(before)",
             "ratio-entrywise")
    if not (same(base, column) and same(base, row)):
        axis = ("a column (axis=0)" if same(column, want) else "a row (axis=1)" if same(row, want) else "an axis")
        fail(f"{head}: your ratio changes when the same arrays are reshaped (as one column: {column:.6g}, as one row: "
             f"{row:.6g}, as {before.shape}: {base:.6g}); the Frobenius norm counts every entry alike, whatever the "
             f"shape: the norm is taken along {axis} and the per-{'column' if 'column' in axis else 'row' if 'row' in axis else 'slice'} "
             f"norms combined; use np.linalg.norm(a) with no axis (or sqrt((a ** 2).sum()))", "ratio-depends-on-shape")


def _update_ratio_case(got, num, den, a, b, shape, rtol):
    expect_close(got, num / den, name=f"update_ratio(before {shape}, after)", rtol=rtol, atol=0, diagnose={
        "the ratio is inverted: ||after - before|| / ||before||": den / num,
        "the ratio of the norms of the whole arrays, ||after - before|| / ||before||, not the mean of the entrywise "
        "relative changes |after - before| / |before|": float(np.mean(np.abs(a - b) / np.abs(b))),
        "use the norms (square roots of the sums of squares), not the sums of squares":
            float(((a - b) ** 2).sum() / (b ** 2).sum()),
        "divide by the norm of the weights BEFORE the step": num / math.sqrt(float((a ** 2).sum())),
        "operator precedence: the division by ||before|| is INSIDE the first norm, and there `after - before / "
        "norm(before)` divides only before (/ binds tighter than -); close the first norm's bracket before "
        "dividing: np.linalg.norm(after - before) / np.linalg.norm(before)":
            math.sqrt(float(((a - b / den) ** 2).sum())),
        "the ratio of the Frobenius norms of the whole arrays, not of their mean absolute values":
            float(np.abs(a - b).mean() / np.abs(b).mean()),
        "the ratio of standard deviations (np.std / a centred norm): std subtracts each array's mean before "
        "squaring; the norm squares the entries as they are, sqrt((a ** 2).sum()) (np.linalg.norm)":
            float(np.std(a - b) / np.std(b)),
        "the norms are taken of the centred arrays (their mean subtracted first): the norm squares the entries as "
        "they are, np.linalg.norm(after - before) / np.linalg.norm(before)":
            math.sqrt(float(((a - b - (a - b).mean()) ** 2).sum())) / math.sqrt(float(((b - b.mean()) ** 2).sum())),
        "the norm of the DIFFERENCE, ||after - before||, not the difference of the norms "
        "(||after|| - ||before||)": (math.sqrt(float((a ** 2).sum())) - den) / den,
        "the norm is the square root of the sum of squares over the whole array, not the largest "
        "absolute value": float(np.abs(a - b).max() / np.abs(b).max()),
        **{f"the norm is the Frobenius norm, the square root of the sum of squares of all entries "
           f"(np.linalg.norm(a) with no ord), not the {label} (np.linalg.norm(a, ord={o!r}) of a matrix)":
           float(np.linalg.norm(a - b, ord=o) / np.linalg.norm(b, ord=o))
           for o, label in ((2, "spectral norm, its largest singular value"),
                            ("nuc", "nuclear norm, the sum of its singular values"),
                            (1, "largest column sum of absolute values"),
                            (np.inf, "largest row sum of absolute values"))},
    })
