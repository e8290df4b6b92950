"""Hidden checks of Lab 01 (model.py: Linear, ReLU, Sigmoid, MSELoss, SGD, Sequential; train_epoch).

Oracles are written independently of the reference solution: explicit sums with einsum,
``tanh`` for the sigmoid, finite differences for every gradient.  Mock layers, losses and
optimizers isolate each graded behaviour, so a bug in one class does not cost points in
the checks of another ("one mistake, one deduction"): ``linear_backward`` judges backward on
the cache ``self.x`` the docstring documents, ``train_epoch`` runs on a recording model, loss
and optimizer.

Beside the oracle every check verifies the specification's properties: shapes whose sizes
are pairwise different (plus a batch of one and an odd batch), float32 and float64 inputs,
inputs never modified, losses whose backward is the derivative of their own forward,
optimizers that move every parameter by exactly ``-lr * grad`` on the Parameter itself, and
training loops that draw a fresh permutation from the generator they are given, use every
sample once per epoch, keep each input with its target and keep the last partial batch.

Cases, named calls and tolerances come from ``cases`` (shared by every lab's checks).
"""
from __future__ import annotations

import re

import numpy as np

from . import core, isolate
from .cases import (
    SHAPE_HINT,
    attribute,
    call,
    diagnose_only,
    explain_batch_sum,
    explain_batches,
    explain_elementwise,
    explain_factor,
    explain_missing,
    explain_quantity,
    explain_redrawn,
    explain_slices,
    run_cases,
    same,
    same_batches_every_epoch,
    signature,
)
from .core import expect_array, expect_close, expect_scalar, fail, numerical_gradient
from .formula import explain_formula

#: Lab 01 asks for NumPy implementations: the sandboxed kernel refuses these while grading
#: (a lab rule, enforced by autograder/kernel/policy.py; the verdict never depends on it).
FORBIDDEN_IMPORTS = ("torch", "tensorflow", "jax", "autograd", "sklearn", "keras")

#: What each check verifies beside the oracle (graded function x property), for reports.
PROPERTIES = {
    "linear_forward": ("oracle", "pairwise-different sizes", "batch 1", "odd batch", "float32", "float64",
                       "input not modified", "square-only formulas named",
                       "bias added to every row (N == out)", "input cached in self.x (the output cached named)",
                      "the input a wrong answer comes from (isolate)", "self.x is the most recent input (two calls)",
                       "a Parameter object in arithmetic named", "parameters left unchanged by forward",
                       "how the wrong term is wrong (one entry of b everywhere) named",
                       "the cache keeps x's dtype (a float32 copy of float64 x named)"),
    "linear_backward": ("oracle", "finite differences", "reference cache (self.x)", "pairwise-different sizes",
                        "batch 1", "odd batch", "float32", "gradients accumulate", "grad_out not modified",
                        "samples missing from or repeated in the batch sums named", "dx reduced over the batch named",
                        "the input a wrong gradient depends on named (rows ignored, x in db)",
                        "nothing accumulated (code after return) named",
                        "weights left unchanged (dW added into W.data named)", "a ReLU mask in dx named",
                        "an elementwise x * grad_out summed over the batch named",
                        "grad_out divided by N in place named (the rule of the change said)",
                        "two rounds on one layer with different batch sizes (state kept from a call named)",
                        "np.outer of the batch (shape (N*in, N*out)) named",
                        "a penalty term c * W or c * sign(W) added to a gradient named (weight decay in backward)"),
    "relu": ("oracle", "finite differences of own forward", "batch 1", "odd batch", "float32",
             "input not modified", "most recent forward cached", "shape kept (boolean index named)",
             "wrong side of 0 and values at readable points named",
             "stale cache (filled on the first call only) named", "a factor of the batch sizes in backward named",
             "a constant local derivative (a batch reduction) named", "a mask from the first sample only named",
             "backward linear in grad_out (a fresh layer given -grad_out)",
             "whole rows or whole columns let through (a per-unit mask, any over the batch) named", "no upper bound (a clip at 6 named)",
             "float64 kept", "a second backward after one forward gives the same values",
             "look-alike activations named (softplus, ELU, SiLU, GELU, leaky)",
             "the same x twice on fresh layers before any reading (random numbers named)"),
    "sigmoid": ("oracle", "finite differences of own forward", "|x| = 1000 without overflow", "float32",
                "input not modified", "wrong side of 0 and values at readable points named",
                "cache per instance", "argument scaled inside the formula named",
                "stale cache (filled on the first call only) named", "a single edit of s(1 - s) named",
                "exp overflow in backward named",
                "a single edit of a forward branch named", "float64 tails exact (a clipped output named)",
                "operator precedence in the derivative named", "a factor of the batch sizes in backward named",
                "the derivative evaluated at grad_out named",
                "the overflow limit of the input dtype said",
                "a constant local derivative (a batch reduction) named", "float64 kept (a float32 sigmoid named)",
                "the logit (inverse) and tanh named", "a second backward after one forward gives the same values",
                "the same x twice on fresh layers before any reading (random numbers named)",
                "look-alike functions named (hard sigmoid, softsign)", "a derivative from a cache that is not the output (fresh layer read back)"),
    "mse_loss": ("oracle", "backward = derivative of own forward", "N != D (mean over N*D)", "batch 1",
                 "(N,) targets in forward and backward", "float32", "inputs not modified",
                 "most recent forward used", "cache per instance", "a wrong factor named with N and D",
                 "backward on the wrong cached quantity named", "float() of a one-axis mean named",
                 "a gradient right only for small residuals (clipped) named",
                 "a float returned, not a one-element array",
                 "right values in a flattened shape named",
                 "squares taken separately named",
                 "one loss object on batches of two sizes (a factor kept from an earlier call named)",
                 "a second backward that raises after one forward named (the cache cleared)",
                 "an (N,) target's gradient off by 1/N confirmed with another N (count N * N named)"),
    "sgd": ("exact step -lr*grad", "update reaches the Parameter", "grads untouched by step", "float32 and float64",
            "zero_grad resets to zeros of data's shape", "zero_grad leaves data", "repeated steps",
            "a rescaled step named by its factor", "a clipped gradient named",
            "step independent of p.data and of other entries (re-run probes)",
            "step proportional to the gradient (doubled-gradient probe)",
            "lr used (second-lr probe)", "p.grad updated instead of p.data named", "what zero_grad left named",
            "each parameter's own gradient (same-shape probe)",
            "one state shared between parameters named (another parameter's shape)",
            "zeros of the Parameter object named",
            "state changed by step() between calls named (lr decay, step counter)",
            "a transposed gradient named (square-parameter probe)", "zero_grad keeps the data's dtype",
            "a PyTorch method on a NumPy array named",
            "a per-entry normalised step (sign, RMSprop, Adam) named",
            "a step on gradients of norm about 100 (a norm clip named)",
            "zero_grad gives every parameter its own array (equal shapes, accumulated in place)"),
    "sequential": ("order of forward and backward", "each layer fed the previous output", "gradients chained",
                   "flat parameter list", "batch 1", "changing widths", "a layer without parameters run both ways",
                   "backward leaves the layer order", "a loop stopped early (return inside it) named",
                   "grad_out returned unchanged named", "a loop one layer short named",
                   "parameters in another order named",
                   "a parameter list that grows at every call named (second call)",
                   "missing parameters listed", "parameters() never called named",
                   "forward called in backward named", "layers returned instead of their Parameters named",
                   "parameters collected by class (no layer asked) named", "comprehension clauses out of order named",
                   "sum() of lists without a start named",
                   "dtypes passed on unchanged both ways (a float32 cast named)",
                   "an inner layer's gradient returned named (compared with every layer's backward)",
                   "layers naming their parameters gamma and beta asked too (a test of attribute names named)",
                   "a gradient changed between layers told (clipped to a range, scaled)"),
    "train_epoch": ("every sample once per epoch", "last partial batch kept", "(x, y) pairs intact",
                    "permutation drawn from the rng", "reproducible from the seed", "zero_grad before backward",
                    "one step per batch", "loss.backward fed to model.backward", "weighted epoch loss",
                    "a running (avg + loss) / 2 and a total reset in the loop named",
                    "batch size 1", "batch larger than N", "inputs not modified",
                    "overlapping batches and x.shape[1] used as N named", "loss gradient passed on unchanged",
                    "a second forward per batch after the step (a repeat before it passes),"
                    " batches from 1, a return inside the loop, N = x.size named",
                    "batches located as slices of the shuffled order", "an index range one short named",
                    "the size used as N confirmed by a replay",
                    "extra forwards on the whole x located", "a float returned, not a numpy array",
                    "the calls of a batch read when the step's gradient is wrong (loss backward before its forward named)",
                    "a permutation drawn per batch confirmed by a replay", "a slice start multiplied twice by batch_size told by batch_size 2",
                    "optimizer.lr left unchanged (lr 0.0037 and 0.37: a cap or floor seen)",
                    "batches by reshape / equal split named", "the last batch's loss uncounted named",
                    "N // batch_size equal pieces named",
                    "the offending row of a batch quoted (rows of zeros appended named)",
                    "samples fed one row at a time named", "flattened targets: np.take without axis or a reshape "
                    "to one column said",
                    "targets the model already fits (losses near 0): an epoch ending on a small loss named "
                    "(confirmed by targets far off)",
                    "samples sorted by target named (targets reversed)",
                    "a batch's targets in another order than its rows named (sorted indices)"),
}


# =============================================================================================
# Linear
# =============================================================================================

# (special, N, in, out): in == out first (so transposition mistakes give wrong *values* the
# diagnoses can name), a batch of one, then sizes that are pairwise different and odd batches.
LINEAR_CASES = [("in == out", 6, 5, 5), ("a batch of one sample", 1, 3, 4),
                (None, 5, 3, 4), (None, 8, 6, 2), (None, 7, 2, 9), ("N == out", 4, 3, 4)]


def _linear(Linear, n_in, n_out, r, dtype=np.float64):
    """A student Linear(n_in, n_out) whose parameters the check sets; returns (layer, W, b)."""
    layer = call(Linear, n_in, n_out, label="Linear", names=("in_features", "out_features"))
    what = f"Linear({n_in}, {n_out})"
    for attr, shape in (("W", (n_in, n_out)), ("b", (1, n_out))):
        p = attribute(layer, attr, what)
        if not hasattr(p, "data") or not hasattr(p, "grad"):
            fail(f"Linear must keep its parameters as Parameter objects in .{attr} (with .data and .grad)",
                 "linear-parameters-missing")
        got = expect_array(p.data, name=f"{what}.{attr}.data", shape=None)
        if tuple(got.shape) != shape:
            fail(f"{what}.{attr}.data has shape {tuple(got.shape)}, expected {shape}"
                 + (" (W is (in, out))" if attr == "W" else " (b is (1, out))"), "linear-parameter-shape")
    W = r.normal(size=(n_in, n_out)).astype(dtype)
    b = r.normal(size=(1, n_out)).astype(dtype)
    layer.W.data, layer.W.grad = W.copy(), np.zeros_like(W)
    layer.b.data, layer.b.grad = b.copy(), np.zeros_like(b)
    return layer, W, b


def _lin(a, w):
    """The oracle's matrix product, in float64 (einsum: no BLAS summation order in the comparison)."""
    return np.einsum("ij,jk->ik", np.asarray(a, dtype=np.float64), np.asarray(w, dtype=np.float64))


def _forward_case(Linear, r, n, i, o, dtype):
    def run():
        layer, W, b = _linear(Linear, i, o, r, dtype)
        x = r.normal(size=(n, i)).astype(dtype)
        label = f"Linear({i}, {o}).forward"
        try:
            y = call(layer.forward, x, label=label, names=("x",), want=lambda: _lin(x, W) + b.astype(np.float64),
                     hint=f"{SHAPE_HINT}; y = x @ W + b has shape (N, out) = ({n}, {o}) and b of shape (1, out) "
                          f"is added to every row as it is (not transposed)")
        except core.CheckFailure as exc:
            _parameter_in_arithmetic(exc)
            raise
        name = signature(label, ("x",), (x,))
        _parameters_kept(layer, W, b, name)
        if isinstance(y, np.ndarray) and tuple(y.shape) == (o, n) and n != o:
            fail(f"{name} returned shape {(o, n)}: rows are samples, y = x @ W + b has shape (N, out) = {(n, o)}",
                 "linear-forward-transposed-output")
        squeezed = tuple(d for d in (n, o) if d != 1)
        if isinstance(y, np.ndarray) and tuple(y.shape) == squeezed != (n, o):
            full = np.einsum("ni,io->no", x.astype(np.float64), W.astype(np.float64)) + b.astype(np.float64)
            if core.close(np.ravel(y), full.ravel(), 1e-4, 1e-6):
                fail(f"{name} returned the right values in shape {tuple(y.shape)} instead of (N, out) = {(n, o)}: "
                     f"the axis of size 1 was dropped (np.squeeze, .ravel() or .flatten() of the output?); keep "
                     f"(N, out) for every N and out, y = x @ W + b", "linear-forward-squeezed")
        y = expect_array(y, name=name, shape=(n, o), want=lambda: _lin(x, W) + b.astype(np.float64))
        xs, Ws, bs = (a.astype(np.float64) for a in (x, W, b))
        expected = np.einsum("ni,io->no", xs, Ws) + bs
        forward_wrong = {
            "the bias b is missing (y = x @ W + b)": lambda: xs @ Ws,
            "W is used transposed: y = x @ W with W of shape (in, out)": lambda: xs @ Ws.T + bs,
            "the bias is subtracted: y = x @ W + b": lambda: xs @ Ws - bs,
            "the bias is added as ONE number, the sum of its entries (b.sum()): b has shape (1, out) and output j "
            "gets its own b[0, j], y = x @ W + b": lambda: xs @ Ws + bs.sum() if o > 1 else None,
            "the bias is added as ONE number, the mean of its entries (b.mean()): b has shape (1, out) and output j "
            "gets its own b[0, j], y = x @ W + b": lambda: xs @ Ws + bs.mean() if o > 1 else None,
            "the bias is added as a column (b.T, one value per sample): b has shape (1, out) and is added "
            "to every row as it is, y = x @ W + b": lambda: xs @ Ws + bs.T if n == o else None,
            "the output is clipped at 0, np.maximum(x @ W + b, 0) (a ReLU inside the layer): Linear is affine, "
            "y = x @ W + b, negative outputs included; the ReLU is a layer of its own": lambda: np.maximum(expected, 0),
        }
        diagnose_only(y, expected, name=name, diagnose=forward_wrong, rtol=1e-5, atol=1e-7)
        if not core.close(y, expected, *core.dtype_tolerance(y, 1e-5, 1e-7, float(np.abs(expected).max()))):
            def student(xx, WW, bb):
                probe = call(Linear, i, o, label="Linear", names=("in_features", "out_features"))
                probe.W.data, probe.b.data = WW, bb
                return probe.forward(xx)
            said = isolate.explain_arguments(student, lambda xx, WW, bb: xx @ WW + bb, {"x": x, "W": W, "b": b},
                                             rtol=1e-4, atol=1e-6, tag="lab01.linear_forward")
            if said:
                fail(f"{name}: {said[0]} (y = x @ W + b)", said[1])
        expect_close(y, expected, name=name, diagnose=forward_wrong)
        _forward_cache(layer, x, y, name)
    return run


def _parameters_kept(layer, W, b, name: str) -> None:
    """Property: forward leaves the layer's parameters as they were (out = self.b.data; out += x @ W writes
    into the bias itself: the name out is the same array, not a copy)."""
    for attr, before in (("W", W), ("b", b)):
        now = np.asarray(getattr(layer, attr).data)
        if now.shape != before.shape or not np.array_equal(now, before):
            fail(f"{name} changed the layer's own {attr}.data (it must read the parameters, not write them): an "
                 f"in-place update such as out = self.{attr}.data; out += ... writes into the parameter itself "
                 f"(the name out refers to the same array, not a copy); compute a new array, "
                 f"y = x @ self.W.data + self.b.data", "linear-forward-modifies-parameters")


def _parameter_in_arithmetic(exc: core.CheckFailure) -> None:
    """A TypeError naming the Parameter class: the Parameter object itself (self.b) where its array
    (self.b.data) belongs."""
    text = str(exc)
    if (exc.diagnosis or "").startswith("raised-typeerror") and "'Parameter'" in text:
        fail(f"{text}: a Parameter object itself (self.W or self.b) was used in arithmetic; the numbers live in "
             f"its array, self.W.data and self.b.data (y = x @ self.W.data + self.b.data)", "parameter-object-in-arithmetic")


def _forward_cache(layer, x, y, name: str) -> None:
    """The documented cache: forward keeps its INPUT in self.x (backward computes dW = x.T @ grad_out)."""
    cached = attribute(layer, "x", f"the Linear layer after {name}")
    if cached is None and x.dtype != np.float64:
        try:                                    # the same input in float64: is the cache a matter of dtype?
            layer.forward(x.astype(np.float64))
            again = getattr(layer, "x", None)
        except Exception:
            again = None
        if again is not None and np.shape(again) == x.shape:
            fail(f"after {name}, self.x is None, but the same layer given the same x as float64 stores it: forward "
                 f"caches its input only for some dtypes (a test of x.dtype, or a cache kept only when x is float64), "
                 f"so a {x.dtype} batch leaves backward without its input, or with an earlier one. Cache every "
                 f"input as it comes, self.x = x, whatever its dtype", "linear-cache-depends-on-dtype")
    if cached is None:
        fail(f"after {name}, self.x is None: forward did not store its input on THIS layer (stored on the class, "
             f"Linear.x = x, in a global, under another name, or not at all?); forward must cache its input x in "
             f"self.x, the instance's own attribute, for backward (dW = x.T @ grad_out)", "linear-cache-missing")
    cached = np.asarray(cached)
    if cached.shape == x.shape and np.allclose(cached, x):
        if x.dtype == np.float64 and cached.dtype != np.float64 and cached.dtype.kind == "f":
            fail(f"after {name}, self.x is x converted to {cached.dtype}: the cache must keep the input as it came "
                 f"(self.x = x), float64 here; a {cached.dtype} copy rounds x to about 7 digits, so backward's "
                 f"dW = x.T @ grad_out loses the float64 precision the lab's gradient check expects (relative "
                 f"error 1e-8 or below)", "linear-cache-downcast")
        return
    if cached.shape == np.shape(y) and np.allclose(cached, y):
        fail(f"after {name}, self.x holds the layer's output y = x @ W + b, not its input x: cache the input "
             "(self.x = x), which backward needs for dW = x.T @ grad_out", "linear-cache-is-output")
    fail(f"after {name}, self.x must be the input x of shape {x.shape} (backward computes dW = x.T @ grad_out "
         f"from it), got {'shape ' + str(cached.shape) if cached.shape != x.shape else 'other values'}",
         "linear-cache-wrong")


def _latest_cache(Linear, r) -> None:
    """Property: self.x is the input of the MOST RECENT forward (a guard `if self.x is None` caches once)."""
    layer, _, _ = _linear(Linear, 3, 4, r)
    x1, x2 = r.normal(size=(5, 3)), r.normal(size=(5, 3))
    call(layer.forward, x1, label="Linear(3, 4).forward", names=("x",))
    call(layer.forward, x2, label="Linear(3, 4).forward", names=("x",))
    cached = attribute(layer, "x", "the Linear layer after two forward calls")
    if cached is not None and np.shape(cached) == x1.shape and np.allclose(cached, x1) and not np.allclose(x1, x2):
        fail("after two calls of Linear(3, 4).forward, self.x still holds the input of the FIRST call: backward "
             "would compute dW from a stale batch; store the input on every call (self.x = x, without an "
             "`if self.x is None` guard)", "linear-cache-stale")


#: Driver code run where the student's layer lives (core.kernel_functions): the arrays forward returned stay
#: there, so a later call that writes into one of them is seen (results cross to the check by copy).
_KEPT_OUTPUTS = """
_outs = []


def forward_kept(layer, x):
    y = layer.forward(x)
    changed = [k for k, (out, copy) in enumerate(_outs)
               if getattr(out, "shape", None) == getattr(copy, "shape", None) and bool((out != copy).any())]
    _outs.append((y, y.copy() if hasattr(y, "copy") else y))
    return y, changed


def set_in_place(p, value):
    p.data[...] = value
"""


def _repeated_forward(layer, label: str, inputs: list, oracle, before=None, stale=None) -> None:
    """Property of every layer: ONE instance, forward called again and again (the same shape, then another
    batch size), returns for each call the right values for the CURRENT input and parameters, and leaves the
    arrays it returned before as they were. Something kept from the first call (a buffer filled with out=, a
    cached copy of W) fails here and nowhere else, where each case uses a fresh instance.
    ``oracle(k, x)``: the expected output of call k; ``before(k, set_in_place)``: changes the layer before
    call k (returns how, in words); ``stale(k, x)``: the outputs with the parameters of calls 1 .. k."""
    fns = core.kernel_functions(_KEPT_OUTPUTS)
    forward, set_in_place = fns["forward_kept"], fns["set_in_place"]
    first = inputs[0].shape
    for k, x in enumerate(inputs):
        how = before(k, set_in_place) if before else ""
        name = signature(f"{label}.forward", ("x",), (x,))
        after = f"call {k + 1} of {name} on the same instance (call 1 had x of shape {first}{how})"
        try:
            y, changed = core.call(forward, layer, x, name=name)
        except core.CheckFailure as exc:
            if not k:
                raise
            fail(f"{after} raised: {exc}; the first call of a fresh instance works, so something forward keeps from "
                 f"its first call (an output buffer allocated once and filled with out=, an array or a copy of a "
                 f"parameter cached on self) does not fit this call: compute the output anew at every call",
                 "forward-state-from-first-call")
        if changed:
            fail(f"{after} changed the array that call {changed[0] + 1} returned: forward writes every output into "
                 f"one array kept on the layer (a buffer allocated on the first call and filled again, "
                 f"np.maximum(x, 0, out=self.buffer) or self.out[...] = ...), so a result the caller kept changes "
                 f"under it (and another batch size does not fit the buffer); return a new array at every call",
                 "forward-reuses-output-buffer")
        want = oracle(k, x)
        got = expect_array(y, name=after, shape=want.shape)
        if not core.close(got, want, 1e-6, 1e-9):
            for j, old in enumerate(stale(k, x) if stale else []):
                if core.close(got, old, 1e-6, 1e-9):
                    fail(f"{after}: your output is computed with W as it was at call {j + 1}: forward keeps a copy "
                         f"or a reference made on an earlier call (of W, W.T or a product; a name bound to the array "
                         f"W.data then was does not follow W.data = new_array) and reuses it, so it goes stale when "
                         f"the parameters change; read self.W.data and self.b.data at every call",
                         "forward-stale-parameter-copy")
            fail(f"{after} has wrong values though the first call of a fresh instance is right: forward keeps "
                 f"something from an earlier call (a cached array or buffer); compute the output from the current "
                 f"input and parameters at every call", "forward-state-from-first-call")


def _linear_follows_parameters(Linear, r) -> None:
    """One layer, forward three times: after W.data is changed in place, then W.data and b.data rebound to new
    arrays (as an optimiser and a student may do), with another batch size the last time."""
    layer, W, b = _linear(Linear, 3, 4, r)
    xs = [r.normal(size=(5, 3)), r.normal(size=(5, 3)), r.normal(size=(7, 3))]
    Ws = [W, r.normal(size=(3, 4)), r.normal(size=(3, 4))]
    bs = [b, b, r.normal(size=(1, 4))]

    def before(k, set_in_place):
        if k == 1:
            set_in_place(layer.W, Ws[1])
            return "; W.data changed in place since"
        if k == 2:
            layer.W.data, layer.b.data = Ws[2].copy(), bs[2].copy()
            return "; W.data and b.data replaced by new arrays since"
        return ""
    _repeated_forward(layer, "Linear(3, 4)", xs, lambda k, x: _lin(x, Ws[k]) + bs[k],
                      before, lambda k, x: [_lin(x, Ws[j]) + bs[k] for j in range(k)])


def linear_forward(Linear) -> None:
    r = core.rng("lab01.linear_forward")
    cases = [(s, _forward_case(Linear, r, n, i, o, np.float64)) for s, n, i, o in LINEAR_CASES]
    cases.append((None, _forward_case(Linear, r, 5, 3, 4, np.float32)))
    run_cases(cases, special_last=True)
    _latest_cache(Linear, r)
    _linear_follows_parameters(Linear, r)
    _forward_keeps_grads(Linear, r)


def _backward_case(Linear, r, n, i, o, dtype):
    def run():
        layer, W, b = _linear(Linear, i, o, r, dtype)
        x = r.normal(size=(n, i)).astype(dtype)
        g = r.normal(size=(n, o)).astype(dtype)
        # The cache: whatever the student's forward stores, plus the documented self.x (so a
        # wrong forward output cannot cost points here).
        try:
            call(layer.forward, x.copy(), label=f"Linear({i}, {o}).forward", names=("x",))
        except core.CheckFailure:
            pass
        layer.W.data, layer.b.data = W.copy(), b.copy()
        layer.W.grad, layer.b.grad = np.zeros_like(W), np.zeros_like(b)
        layer.x = x.copy()
        label = f"Linear({i}, {o}).backward"
        name = signature(label, ("grad_out",), (g,))
        outer = None
        try:
            dx = call(layer.backward, g, label=label, names=("grad_out",), want=lambda: _lin(g, W.T),
                      hint=f"{SHAPE_HINT}; dL/dx = grad_out @ W.T is (N, in) = ({n}, {i}), "
                           f"dW = x.T @ grad_out is (in, out) = ({i}, {o}), db sums grad_out over the batch axis 0 "
                           f"into b.grad of shape (1, out) = (1, {o})")
        except core.CheckFailure as exc:
            line = core.raised_line(exc)
            outer = _outer_flattened(str(exc).split(". ")[0] + (f" (raised at `{line}`)" if line else ""), None,
                                     n, i, o, f"W.grad after {name}")
            if outer is None and "modified its input argument #1" in str(exc) and n > 1 and f"every entry was divided by {n})" in str(exc):
                fail(f"{name} divided grad_out by N = {n} in place (grad_out /= N): the 1/N of the mean belongs in "
                     f"the loss backward only, so dW, db and dx all come out {n} times too small; and backward must "
                     f"not change the array it is given (the caller may still use it): {exc}",
                     "linear-backward-grad-out-divided-in-place")
            if outer is None and n > 1:
                _reduced_operand(line, layer.backward, n, i, o, name, exc)
            if outer is None:
                raise
        if outer is not None:       # outside the except: the raising call's comparison is no story for it
            fail(outer, "linear-dw-outer-flattens")
        if isinstance(dx, np.ndarray) and tuple(dx.shape) == (i, o) and (n, i) != (i, o):
            fail("Linear.backward must return dL/dx of shape (N, in), not the weight gradient dL/dW",
                 "linear-backward-returns-dw")
        if isinstance(dx, np.ndarray) and np.shape(dx) in ((1, i), (i,)) and n > 1:
            full = np.einsum("no,io->ni", g.astype(np.float64), W.astype(np.float64))
            for how, value in (("summed", full.sum(axis=0)), ("averaged", full.mean(axis=0))):
                if core.close(np.ravel(dx), value, 1e-4, 1e-6):
                    fail(f"dL/dx returned by {name} is {how} over the batch (shape {np.shape(dx)}): dL/dx has one "
                         f"row per sample, (N, in) = {(n, i)}, grad_out @ W.T; only the parameter gradients "
                         f"add up the samples", "linear-dx-reduced-over-batch")
        dx = expect_array(dx, name=f"dL/dx returned by {name}", shape=(n, i), want=lambda: _lin(g, W.T))
        _weights_kept(layer, W, b, x, g, name)
        gW, gb = layer.W.grad, layer.b.grad
        if np.shape(gW) == (o, i) and i != o:
            fail(f"W.grad has shape {(o, i)}: dW = x.T @ grad_out has shape (in, out) = {(i, o)} (wrong transpose)",
                 "linear-dw-transposed")
        outer = _outer_flattened("", gW, n, i, o, f"W.grad after {name}")
        if outer is not None:
            fail(outer, "linear-dw-outer-flattens")
        dW = expect_array(gW, name=f"W.grad after {name}", shape=(i, o))
        if np.shape(gb) == (n, o) and n != 1:
            fail(f"db must be summed over the batch axis: expected shape (1, {o}), got ({n}, {o})",
                 "linear-db-not-summed")
        if np.shape(gb) == (o,):
            fail(f"b.grad must keep the shape (1, {o}) of b.data: sum over the batch axis with keepdims=True "
                 f"(got shape ({o},))", "linear-db-keepdims")
        db = expect_array(gb, name=f"b.grad after {name}", shape=(1, o))
        xs, gs, Ws = (a.astype(np.float64) for a in (x, g, W))
        exp_dx = np.einsum("no,io->ni", gs, Ws)
        exp_dW = np.einsum("ni,no->io", xs, gs)
        exp_db = np.einsum("no->o", gs)[None, :]
        expect_close(dx, exp_dx, name=f"dL/dx returned by {name}", diagnose={
            "dx must be grad_out @ W.T (W is (in, out)); you used W without the transpose": lambda: gs @ Ws,
            "Linear.backward must return dL/dx, not the weight gradient dL/dW": lambda: exp_dW,
            "dx is scaled by 1/N: the 1/N belongs in the loss backward only": lambda: exp_dx / n,
            "dx uses W.grad instead of the weights W.data: dL/dx = grad_out @ W.data.T": lambda: gs @ exp_dW.T,
            "dx uses the (pseudo-)inverse of W, np.linalg.pinv(W), where its TRANSPOSE belongs: the chain rule "
            "through y = x @ W gives dL/dx = grad_out @ W.T": lambda: gs @ np.linalg.pinv(Ws),
            "dL/dx is masked by (x > 0), as in a ReLU: Linear has no activation, dL/dx = grad_out @ W.T with no "
            "mask": lambda: exp_dx * (xs > 0),
        })
        dW_wrong = {
            "dW must be x.T @ grad_out; you have the transpose wrong": lambda: exp_dW.T,
            "dW is scaled by 1/N: the 1/N belongs in the loss backward only": lambda: exp_dW / n,
            "dW = x.T @ grad_out adds one outer product per sample; the outer product of the sums over the "
            "batch (x.sum(0), grad_out.sum(0)) mixes the samples": lambda: np.outer(xs.sum(0), gs.sum(0)),
            "dW = x.T @ grad_out adds one outer product per sample; the outer product of the batch MEAN of x and "
            "the sum of grad_out over the batch (x.mean(axis=0) and grad_out.sum(axis=0)) mixes the samples: "
            "reduce over the batch only through the product itself": lambda: np.outer(xs.mean(0), gs.sum(0)) if n > 1 else None,
            "dW = x.T @ grad_out adds one outer product per sample; the outer product of the batch MEANS of x and "
            "grad_out mixes the samples (and divides by N twice): reduce over the batch only through the product "
            "itself": lambda: np.outer(xs.mean(0), gs.mean(0)) if n > 1 else None,
            "dW holds the ELEMENTWISE product x * grad_out summed over the batch, the same row added to every row "
            "of W.grad (only its diagonal is right): dW = x.T @ grad_out is a matrix product that pairs every "
            "input i with every output j": lambda: np.broadcast_to(np.einsum("ni,ni->i", xs, gs), (i, o))
            if i == o else None,
            "dW holds the ELEMENTWISE product x * grad_out summed over the batch as one column, (in, 1), added to "
            "every column of W.grad (only its diagonal is right; with in != out the product cannot even be "
            "formed): dW = x.T @ grad_out is a matrix product that pairs every input i with every output j":
                lambda: np.broadcast_to(np.einsum("ni,ni->i", xs, gs)[:, None], (i, o)) if i == o else None,
            DW_FROM_DX: lambda: xs.T @ (gs @ Ws.T) if i == o else None,
        }
        diagnose_only(dW, exp_dW, name=f"W.grad after {name}", diagnose=dW_wrong, rtol=1e-5, atol=1e-7)
        _penalty_term(dW, exp_dW, Ws, f"W.grad after {name}", "W")
        _nothing_added(dW, db, exp_dW, exp_db, dx, exp_dx, name)
        _per_sample_sum(dW, exp_dW, np.einsum("ni,no->nio", xs, gs), f"W.grad after {name}", "dW")
        _gradient_dependence(Linear, i, o, W, b, x, g, "W", dW, exp_dW, f"W.grad after {name}")
        expect_close(dW, exp_dW, name=f"W.grad after {name}", diagnose=dW_wrong)
        if x.dtype == np.float64:
            _float64_kept(dW, exp_dW, f"W.grad after {name}", "dW = x.T @ grad_out")
        db_wrong = {
            "db is averaged: sum grad_out over the batch axis (the 1/N lives in the loss)": lambda: exp_db / n,
            "db sums grad_out over the wrong axis: sum over the batch axis 0 (one value per output)":
                lambda: np.full((1, o), gs.sum()) if n == 1 else None,
            "every entry of db holds the batch sum of grad_out's FIRST column only (grad_out.sum(axis=0)[0] is one "
            "number, broadcast into all of b.grad): keep one sum per output, grad_out.sum(axis=0, keepdims=True)":
                lambda: np.full((1, o), gs[:, 0].sum()) if o > 1 else None,
            "db was computed from dL/dx = grad_out @ W.T (the gradient this layer passes back) instead of from "
            "grad_out (the gradient it received): db = grad_out.sum(axis=0, keepdims=True)":
                lambda: (gs @ Ws.T).sum(axis=0, keepdims=True) if i == o else None,
            f"b.grad is the batch MEAN of grad_out times out_features (your values are the expected ones times "
            f"out_features / N = {o}/{n}): the bias gradient is the column sum over the batch, "
            f"grad_out.sum(axis=0, keepdims=True), with no mean and no factor of the layer's size":
                lambda: exp_db * o / n if o != n and n > 1 else None,
        }
        diagnose_only(db, exp_db, name=f"b.grad after {name}", diagnose=db_wrong, rtol=1e-5, atol=1e-7)
        _penalty_term(db, exp_db, b.astype(np.float64), f"b.grad after {name}", "b")
        if not np.any(db) and np.any(exp_db):
            fail(f"b.grad after {name} is still all zeros, as it was before the call: backward never added db "
                 f"into b.grad (self.b.grad += grad_out.sum(axis=0, keepdims=True)); the line is missing, "
                 f"updates another array, or comes after a return", "linear-db-never-added")
        _per_sample_sum(db, exp_db, gs[:, None, :], f"b.grad after {name}", "db")
        _gradient_dependence(Linear, i, o, W, b, x, g, "b", db, exp_db, f"b.grad after {name}")
        expect_close(db, exp_db, name=f"b.grad after {name}", diagnose=db_wrong)
        # Finite differences of L = sum(g * forward(x)) (float64, independent of the oracle).
        def loss_x(xx):
            return float(np.sum(gs * (xx @ Ws + b.astype(np.float64))))
        expect_close(dx, numerical_gradient(loss_x, xs.copy()), name=f"dL/dx of {name} vs finite differences",
                     rtol=1e-5, atol=1e-6)
        # Gradients accumulate: a second backward adds the same amount again.
        _backward_again(layer.backward, (g,), f"{label} (second call)", ELEMENTWISE_HINT,
                        f"{label} called a second time after one forward (the same grad_out)")
        expect_close(layer.W.grad, 2 * exp_dW, name=f"W.grad after two calls of {name}", diagnose={
            "backward must add into W.grad (+=), not overwrite it; SGD.zero_grad resets it": lambda: exp_dW,
        })
        expect_close(layer.b.grad, 2 * exp_db, name=f"b.grad after two calls of {name}", diagnose={
            "backward must add into b.grad (+=), not overwrite it; SGD.zero_grad resets it": lambda: exp_db,
        })
    return run


DW_FROM_DX = ("dW was computed from dL/dx = grad_out @ W.T (the gradient this layer passes back to its input) "
              "instead of from grad_out (the gradient it received): dW = x.T @ grad_out, with grad_out as "
              "backward was given it (on a layer with in != out, x.T @ dx cannot even be added to W.grad)")


def _outer_flattened(text: str, gW, n: int, i: int, o: int, name: str) -> str | None:
    """np.outer flattens its arguments: np.outer(x, grad_out) of a batch is (N*in, N*out), every product of an
    entry of x with an entry of grad_out, samples mixed.  Said from W.grad's shape or from the shapes an
    exception names (an update += of W.grad of shape (in, out) with it raises)."""
    big = (n * i, n * o)
    if n < 2:
        return None
    shown = re.findall(r"\((\d+),\s*(\d+)\)", text)
    if not (np.shape(gW) == big or (text and tuple(map(str, big)) in shown)):
        return None
    return (f"{name}: an array of shape (N*in, N*out) = {big} appeared where dW of shape (in, out) = {(i, o)} "
         f"belongs{': ' + text if text else ''}. That is np.outer(x, grad_out) (or np.outer of "
         f"other (N, in) and (N, out) arrays): np.outer FLATTENS both arguments, so it multiplies every entry of "
         f"x with every entry of grad_out, across samples. It equals dW only for a batch of one sample; for N "
         f"samples dW adds the N per-sample outer products, dW = x.T @ grad_out (self.W.grad += self.x.T @ "
         f"grad_out)")


def _weights_kept(layer, W, b, x, g, name: str) -> None:
    """backward computes gradients only: the weights change in SGD.step. A W.data (or b.data) that moved
    is named, and what was added to it when that is the gradient itself."""
    for what, before, grad in (("W", W, np.einsum("ni,no->io", x.astype(np.float64), g.astype(np.float64))),
                               ("b", b, np.einsum("no->o", g.astype(np.float64))[None, :])):
        now = np.asarray(getattr(layer, what).data)
        if np.shape(now) != np.shape(before) or np.array_equal(now, before):
            continue
        added = now.astype(np.float64) - before.astype(np.float64)
        how = next((f" by {word} the gradient d{what}" for word, sign in (("adding", 1), ("subtracting", -1))
                    if core.close(added, sign * grad, *core.dtype_tolerance(now, 1e-5, 1e-7,
                                                                             float(np.abs(grad).max())))), "")
        fail(f"{name} changed {what}.data (the weights){how}: backward only accumulates the gradient into "
             f"{what}.grad (self.{what}.grad += ...); the weights change in SGD.step", "linear-backward-changes-weights")


def _param_grad(Linear, i, o, W, b, x, g, which: str) -> np.ndarray | None:
    """W.grad or b.grad of a fresh layer after one backward(g) on the cache self.x = x (float64), or None."""
    try:
        layer, _, _ = _linear(Linear, i, o, core.rng("lab01.dependence"), W.dtype)
        layer.W.data, layer.b.data = W.copy(), b.copy()
        layer.W.grad, layer.b.grad = np.zeros_like(W), np.zeros_like(b)
        layer.x = x.copy()
        call(layer.backward, g.copy(), label=f"Linear({i}, {o}).backward", names=("grad_out",))
        out = np.asarray(getattr(layer, which).grad, dtype=np.float64)
    except Exception:
        return None
    return out


def _gradient_dependence(Linear, i, o, W, b, x, g, which: str, got, expected, name: str) -> None:
    """Which input a wrong parameter gradient depends on, one input changed at a time (the cache x, then each
    row of x and of grad_out): db = grad_out summed over the batch must not change with x; dW and db must
    change with every row of grad_out (and dW with every row of x).  Said only when the change is confirmed."""
    if core.close(got, expected, *core.dtype_tolerance(got, 1e-5, 1e-7, float(np.abs(expected).max()))):
        return
    base = _param_grad(Linear, i, o, W, b, x, g, which)
    if base is None or base.shape != np.shape(expected) or not core.close(base, got, 1e-9, 1e-12):
        return                                   # not reproducible on a fresh layer: say nothing
    bump = np.arange(1, x.size + 1, dtype=np.float64).reshape(x.shape) % 7 * 0.5 + 1.0
    moved = _param_grad(Linear, i, o, W, b, (x + bump.astype(x.dtype)), g, which)
    gname = "dW = x.T @ grad_out" if which == "W" else "db = grad_out summed over the batch axis 0"
    if which == "b" and moved is not None and not core.close(moved, base, 1e-6, 1e-9):
        said = explain_quantity(got, {"self.x summed over the batch (x.sum(axis=0))": x.astype(np.float64).sum(0, keepdims=True),
                                      "self.x": x.astype(np.float64)})
        fail(f"{name}: b.grad changes when only the cached input self.x changes (same grad_out), but {gname} does "
             f"not involve x" + (f"; {said}: the input used where grad_out belongs" if said else ""),
             "gradient-depends-on-wrong-input")
    n = len(x)
    if n < 2:
        return
    for arr, label in ((g, "grad_out"), (x, "self.x")) if which == "W" else ((g, "grad_out"),):
        ignored = []
        for k in range(n):
            changed = arr.copy()
            changed[k] = changed[k] + np.asarray(1.0 + 0.5 * k, dtype=arr.dtype)
            out = _param_grad(Linear, i, o, W, b, changed if label == "self.x" else x, changed if label == "grad_out" else g, which)
            if out is not None and core.close(out, base, 1e-9, 1e-12):
                ignored.append(k)
        if ignored and len(ignored) < n:
            used = [k for k in range(n) if k not in ignored]
            fail(f"{name}: your {which}.grad does not change when row(s) {ignored} of {label} change: only row(s) "
                 f"{used} of {label} reach it, but {gname} adds every sample's contribution (a fixed index such as "
                 f"{label}[0] where {label}[i] belongs in a loop over the samples?)", "gradient-ignores-rows")


def _penalty_term(got, expected, P, name: str, which: str) -> None:
    """A parameter gradient off by c * P (L2 weight decay) or c * sign(P) (an L1 penalty) for one constant c at
    every entry (at least three entries, the parameter's pairwise different values): a regularisation term put
    in the layer's backward, where the docstring asks for dL/dP of the loss the layer is given."""
    g, e, P = (np.asarray(a, dtype=np.float64) for a in (got, expected, P))
    if g.shape != e.shape or e.shape != P.shape or P.size < 3 or core.close(g, e, 1e-5, 1e-7):
        return
    diff = g - e
    for basis, what in ((P, f"c * {which} with c = {{c:.3g}} (an L2 penalty, weight decay, whose gradient is "
                            f"proportional to {which})"),
                        (np.sign(P), f"c * sign({which}) with c = {{c:.3g}} (an L1 penalty)")):
        c = float(np.sum(diff * basis) / max(float(np.sum(basis * basis)), 1e-300))
        if c != 0 and core.close(diff, c * basis, 1e-5, 1e-9 * max(1.0, float(np.abs(e).max()))):
            fail(f"{name} holds the expected gradient plus an extra term {what.format(c=c)}: the layer's backward "
                 f"adds only the gradient of the loss it is given, x.T @ grad_out for W and the batch sum of grad_out "
                 f"for b; a regularisation term belongs in the loss or the optimizer, not in Linear.backward",
                 f"linear-d{which}-penalty-term")


def _nothing_added(dW, db, exp_dW, exp_db, dx, exp_dx, name: str) -> None:
    """W.grad (and b.grad) still the zeros they held before backward: nothing was added into them at all
    (not a loop missing samples: no line that adds ran, or it added to something else)."""
    untouched = [w for w, got, want in (("W.grad", dW, exp_dW), ("b.grad", db, exp_db))
                 if not np.any(got) and np.any(want)]
    if "W.grad" not in untouched:
        return
    dx_ok = core.close(dx, exp_dx, *core.dtype_tolerance(dx, 1e-5, 1e-7, float(np.abs(exp_dx).max())))
    fail(f"{' and '.join(untouched)} after {name} still hold{'s' if len(untouched) == 1 else ''} the zeros they held "
         f"before backward: nothing was added into {'it' if len(untouched) == 1 else 'them'}"
         + (" although the returned dL/dx is right: is the `return` placed before the lines that accumulate the "
            "gradients (a statement after `return` never runs)? or did you add into a copy or a local variable "
            "(np.add(self.W.grad, ...) without out= returns a NEW array and leaves W.grad as it was: "
            "self.W.grad += ... or np.add(..., out=self.W.grad))?"
            if dx_ok else ": self.W.grad += x.T @ grad_out must change the Parameter's own array"),
         "linear-grads-not-accumulated")


def _per_sample_sum(got, expected, per_sample, name: str, what: str) -> None:
    """A batch-summed gradient that misses (or repeats) some samples' contributions: say which."""
    if core.close(got, expected, *core.dtype_tolerance(got, 1e-5, 1e-7, float(np.abs(expected).max()))):
        return
    text = explain_batch_sum(got, expected, per_sample, what=what)
    if text:
        fail(f"{name}: {text}", "batch-sum-samples-missing")


def _float64_kept(got, want, name: str, what: str) -> None:
    """float64 inputs give float64 results: the lab's float64 gradient check promises a relative error of
    1e-8 or below, which a product rounded to float32 (about 1e-7) breaks.  A float64 product agrees with
    the oracle to about 1e-15; 1e-10 leaves a wide margin for any summation order."""
    g = np.asarray(got, dtype=np.float64)
    scale = float(np.abs(want).max())
    if scale == 0.0:
        return
    err = float(np.abs(g - want).max()) / scale
    if err > 1e-10:
        fail(f"{name} with float64 x and grad_out agrees with {what} only to {err:.1e} relative to its largest "
             f"entry, float32 precision (a float64 product agrees to about 1e-15): part of the computation ran "
             f"in float32 (an .astype(np.float32) or a float32 array on the way?). float64 inputs must stay "
             f"float64: the lab's float64 gradient check expects a relative error of 1e-8 or below",
             "float64-computed-in-float32")


def _reduced_operand(line: str, backward, n, i, o, name: str, exc) -> None:
    """The line that raised reduces grad_out (or the cached x) over the batch axis 0 (a .mean(axis=0) or
    .sum(axis=0), np.mean(..., axis=0)) inside a product with the other, which still has N rows: a shape
    error for every batch of more than one sample.  Read from the raising line's syntax tree."""
    import ast
    import inspect
    try:
        tree = ast.parse(line.strip())
    except SyntaxError:
        return
    try:
        gname = next(iter(inspect.signature(backward).parameters), None)
    except (TypeError, ValueError):       # a proxy of the student's method: any local array may be grad_out
        gname = None

    def operand(node) -> str | None:
        if isinstance(node, ast.Name) and node.id not in ("np", "numpy", "self"):
            return "grad_out" if node.id == gname or gname is None and "grad" in node.id else node.id
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self" \
                and node.attr == "x":
            return "x"
        return None

    def axis0(node: ast.Call, positional: int) -> bool:
        for kw in node.keywords:
            if kw.arg == "axis":
                return isinstance(kw.value, ast.Constant) and kw.value.value == 0
        arg = node.args[positional] if len(node.args) > positional else None
        return isinstance(arg, ast.Constant) and arg.value == 0

    if not any(isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult)
               or isinstance(node, ast.Attribute) and node.attr in ("dot", "matmul", "einsum")
               for node in ast.walk(tree)):
        return                            # no product on the line: another shape slip
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        how = node.func.attr
        if how not in ("mean", "sum", "average"):
            continue
        what = operand(node.func.value) if axis0(node, 0) else None          # grad_out.mean(axis=0)
        if what is None and node.args and axis0(node, 1):                    # np.mean(grad_out, axis=0)
            what = operand(node.args[0])
        if what is None:
            continue
        verb = "summed" if how == "sum" else "averaged"
        fail(f"{name} raised a shape error at `{line}`: {what} is {verb} over the batch (a batch mean, axis 0) "
             f"before the product, which leaves it one row while the other factor still has N = {n} rows. "
             f"dW = x.T @ grad_out, (in, N) @ (N, out) = ({i}, {o}), already adds up the samples' contributions "
             f"(the matrix product sums over the batch): use the whole grad_out and x, with no mean over the "
             f"batch (the 1/N of the loss is in grad_out already)", "linear-backward-batch-mean-operand")


def linear_backward(Linear) -> None:
    r = core.rng("lab01.linear_backward")
    cases = [(s, _backward_case(Linear, r, n, i, o, np.float64)) for s, n, i, o in LINEAR_CASES]
    cases.append((None, _backward_case(Linear, r, 5, 3, 4, np.float32)))
    run_cases(cases, special_last=True)
    _backward_twice(Linear, r)


def _backward_twice(Linear, r) -> None:
    """Property: one layer, two forward/backward rounds with DIFFERENT batch sizes; the second round's dx and
    the accumulated gradients must follow from that round's x and grad_out alone (nothing kept from the first
    call, such as a batch size or an array stored once)."""
    layer, W, b = _linear(Linear, 3, 4, r)
    rounds = [(r.normal(size=(5, 3)), r.normal(size=(5, 4))), (r.normal(size=(2, 3)), r.normal(size=(2, 4)))]
    dW, db = np.zeros_like(W), np.zeros_like(b)
    for k, (x, g) in enumerate(rounds):
        try:                              # the forward is judged in its own cell (a forward that touches the
            # grads too: _forward_keeps_grads), so the grads it may have changed are put back
            core.kernel_functions(_ZERO_GRADS)["forward_grads_restored"](layer, x.copy())
        except Exception:
            pass
        layer.W.data, layer.b.data, layer.x = W.copy(), b.copy(), x.copy()
        try:
            dx = call(layer.backward, g, label="Linear(3, 4).backward", names=("grad_out",))
        except core.CheckFailure:
            return                        # a raising backward is named by the cases above
        dW, db = dW + x.T @ g, db + g.sum(axis=0, keepdims=True)
        if k == 0:
            continue                      # the first round is judged by the cases above
        head = ("one Linear(3, 4), forward and backward with a batch of 5 rows, then again with a batch of "
                "2 rows (grads not reset in between, so they must hold the sum of both rounds)")
        tail = ("backward must compute everything from the grad_out it receives and the x of the most recent "
                "forward: nothing from an earlier call (a batch size, a mean or an array stored on self the first "
                "time) may enter it")
        for what, got, want in (("dx", dx, g @ W.T), ("W.grad", layer.W.grad, dW), ("b.grad", layer.b.grad, db)):
            if not isinstance(got, np.ndarray) or got.shape != want.shape:
                return                    # a shape slip the cases above name
            if not core.close(got, want, 1e-6, 1e-9):
                fail(f"{head}: after the second round {what} is wrong (largest error "
                     f"{float(np.max(np.abs(np.asarray(got, dtype=np.float64) - want))):.3g}): {tail}",
                     "linear-backward-state-kept")
    _grads_after_reset(layer, W, b, dW, db, r)


_ZERO_GRADS = """
def zero_grads_in_place(layer):
    layer.W.grad[...] = 0
    layer.b.grad[...] = 0


def grads_after_forward(layer, x):
    layer.W.grad[...] = 1.0
    layer.b.grad[...] = 1.0
    layer.forward(x)
    return layer.W.grad.copy(), layer.b.grad.copy()


def forward_grads_restored(layer, x):
    kept = [(p, p.grad, p.grad.copy()) for p in (layer.W, layer.b)]
    try:
        layer.forward(x)
    finally:
        for p, grad, copy in kept:
            p.grad = grad
            p.grad[...] = copy
"""


def _forward_keeps_grads(Linear, r) -> None:
    """State touched between calls: forward computes the output and caches x; it must leave W.grad and b.grad
    as they are (gradients accumulate across backward calls until SGD.zero_grad resets them)."""
    try:
        layer, _, _ = _linear(Linear, 3, 4, r)
    except core.CheckFailure:
        return                            # named by the cases above
    x = r.normal(size=(5, 3))
    try:
        gW, gb = core.kernel_functions(_ZERO_GRADS)["grads_after_forward"](layer, x)
    except Exception:
        return                            # a raising forward is named by the cases above
    if core.close(gW, np.ones_like(gW), 0, 0) and core.close(gb, np.ones_like(gb), 0, 0):
        return
    which = " and ".join(w for w, g in (("W.grad", gW), ("b.grad", gb)) if not core.close(g, np.ones_like(g), 0, 0))
    fail(f"one Linear(3, 4) with W.grad and b.grad set to ones, then Linear.forward(x of shape (5, 3)) alone: "
         f"{which} changed (no longer ones): forward reset W.grad (only zero_grad resets). Gradients accumulate "
         f"(+=) across backward calls until SGD.zero_grad resets them; forward computes the output and caches x "
         f"only", "forward-resets-grads")



def _grads_after_reset(layer, W, b, dW, db, r) -> None:
    """State kept between calls: after the grads are reset in place (what SGD.zero_grad does, p.grad[...] = 0) a
    new forward/backward round must leave in W.grad and b.grad that round's gradient alone (a running total kept
    on the layer and copied into the grads survives the reset)."""
    try:
        core.kernel_functions(_ZERO_GRADS)["zero_grads_in_place"](layer)
    except Exception:
        return                            # grads that are not arrays: named by the cases above
    x, g = r.normal(size=(4, 3)), r.normal(size=(4, 4))
    try:
        call(layer.forward, x.copy(), label="Linear(3, 4).forward", names=("x",))
    except core.CheckFailure:
        pass
    layer.W.data, layer.b.data, layer.x = W.copy(), b.copy(), x.copy()
    try:
        call(layer.backward, g, label="Linear(3, 4).backward", names=("grad_out",))
    except core.CheckFailure:
        return
    head = ("one Linear(3, 4), two forward/backward rounds, then the grads reset in place (W.grad[...] = 0, "
            "b.grad[...] = 0, as SGD.zero_grad does), then a third round with a batch of 4 rows")
    for what, got, want, old in (("W.grad", layer.W.grad, x.T @ g, dW), ("b.grad", layer.b.grad,
                                                                         g.sum(axis=0, keepdims=True), db)):
        if not isinstance(got, np.ndarray) or got.shape != want.shape or core.close(got, want, 1e-6, 1e-9):
            continue
        if core.close(got, want + old, 1e-6, 1e-9):
            fail(f"{head}: {what} holds the sum of all three rounds, the reset is lost: backward keeps its own "
                 f"running total between calls (state kept on the layer) and writes it into {what}; accumulate "
                 f"into the Parameter's grad itself ({what} += ...), so zero_grad can reset it",
                 "linear-backward-own-total")
        fail(f"{head}: {what} after the third round is not that round's gradient (largest error "
             f"{float(np.max(np.abs(np.asarray(got, dtype=np.float64) - want))):.3g}): backward adds this call's "
             f"gradient to {what} and keeps nothing else between calls", "linear-backward-after-reset")


# =============================================================================================
# ReLU and Sigmoid (forward and backward in one cell each)
# =============================================================================================

ELEMENTWISE_SHAPES = [(5, 3), (1, 6), (7, 2)]

ELEMENTWISE_HINT = ("a shape mismatch: an elementwise layer keeps the shape of x; backward multiplies grad_out "
                    "elementwise (*) by the derivative cached by forward, both of x's shape")


def _elementwise_inputs(r):
    for shape in ELEMENTWISE_SHAPES:
        x = r.normal(scale=2.0, size=shape)
        x[np.abs(x) < 1e-3] = 0.5  # stay away from the kink for finite differences
        yield x
    x = r.normal(scale=2.0, size=(3, 4)).astype(np.float32)
    x[np.abs(x) < 1e-3] = 0.5
    yield x


def _backward_verdict(layer_cls, label, x, g, dx, expected, name, diagnose, own_derivative=True,
                      formula=None):
    """Oracle first; when ``dx`` is wrong and no catalogued mistake matches, say whether it is at
    least the derivative of the student's own forward (float64 centred differences)."""
    tol = {"rtol": 1e-5, "atol": 1e-7}
    if core.close(dx, expected, *core.dtype_tolerance(dx, tol["rtol"], tol["atol"], float(np.abs(expected).max()))):
        return
    diagnose_only(dx, expected, name=name, diagnose=diagnose, **tol)
    _not_repeatable(layer_cls, label, x, name, backward=True)
    n, d = np.shape(x)
    factor = explain_factor(dx, expected, {"N": n, "D": d}) if n != d else None
    if factor and "(1)/(2)" not in factor and "(2)/(1)" not in factor:
        fail(f"{name}: {factor}: an activation's backward is grad_out times its local derivative, with no factor "
             f"of the batch sizes (the 1/N of the mean lives in the loss backward only)", "activation-backward-scaled")
    gs, got = np.asarray(g, dtype=np.float64), np.asarray(dx, dtype=np.float64)
    mask = np.abs(gs) > 1e-3
    if got.shape == gs.shape and int(mask.sum()) > 2:
        local, want = got[mask] / gs[mask], np.asarray(expected, dtype=np.float64)[mask] / gs[mask]
        if np.ptp(local) <= 1e-9 * max(1.0, float(np.abs(local).max())) and np.ptp(want) > 1e-3:
            fail(f"{name}: your local derivative (backward / grad_out) is the same number, {float(local[0]):.4g}, at "
                 f"every entry, but the derivative depends on each entry's own x: a value reduced over the batch (a "
                 f"mean, a sum, or one entry) where the elementwise array of derivatives belongs",
                 "activation-derivative-constant")
        _derivative_reduced(gs, got, np.asarray(expected, dtype=np.float64), mask, name)
    if own_derivative:
        fd_layer = call(layer_cls, label=f"{label}()", hint=ELEMENTWISE_HINT)

        def f(v):
            out = call(fd_layer.forward, v, label=f"{label}.forward", names=("x",), hint=ELEMENTWISE_HINT)
            return float(np.sum(g * np.asarray(out, dtype=np.float64)))

        num = numerical_gradient(f, x.astype(np.float64).copy())
        if not core.close(dx, num, 1e-4, 1e-6):
            analysis, _ = core.analyse_difference(dx, expected, tol["rtol"], tol["atol"])
            said = explain_formula(formula[0], formula[1], dx, rtol=1e-6, atol=1e-9, what="derivatives",
                                   outer=("grad_out",)) if formula else None
            if not said:                  # no single edit of the documented formula: is it linear in grad_out?
                _linear_in_grad_out(layer_cls, label, x, gs, got, expected, name)
            analysis = said or _explained(layer_cls, label, x, dx, expected, tol, backward=True) or analysis
            fail(f"{name} is not the derivative of your {label}.forward either: centred finite differences of "
                 f"your forward disagree with your backward; against the expected values: {analysis}",
                 "backward-not-derivative-of-forward")
    expect_close(dx, expected, name=name, **tol)


def _derivative_reduced(gs, got, expected, mask, name: str) -> None:
    """The local derivative (backward / grad_out) is the same in every row of a column (reduced over the
    batch axis 0) or in every column of a row (reduced over axis 1), where the right one is not: the
    derivative array was averaged or summed before the elementwise product with grad_out."""
    local = np.divide(got, gs, out=np.zeros_like(gs), where=mask)
    want = np.divide(expected, gs, out=np.zeros_like(gs), where=mask)
    for axis, where, who in ((0, "every row of a column", "samples (axis 0)"),
                             (1, "every column of a row", "outputs of each sample (axis 1)")):
        if local.shape[axis] < 2:
            continue
        flat, varies = True, False
        for k in range(local.shape[1 - axis]):
            m = mask.take(k, 1 - axis)
            a, b = local.take(k, 1 - axis)[m], want.take(k, 1 - axis)[m]
            if a.size >= 2:
                flat = flat and np.ptp(a) <= 1e-7 * max(1.0, float(np.abs(a).max()))
                varies = varies or np.ptp(b) > 1e-3
        if not (flat and varies):
            continue
        how = "reduced (a mean, a sum or one entry)"
        if mask.all():
            for verb, red in (("averaged", "mean"), ("summed", "sum")):
                if core.close(got, gs * getattr(want, red)(axis=axis, keepdims=True), 1e-5, 1e-8):
                    how = f"{verb} (.{red}(axis={axis}))"
                    break
        fail(f"{name}: your local derivative (backward / grad_out) is the same in {where}, but each entry's "
             f"derivative depends on that entry's own x: the derivative array was {how} over the {who} before "
             f"the product with grad_out. Keep it elementwise, one derivative per sample and entry, with no mean "
             f"or sum over the batch (the 1/N of the batch lives in the loss backward only)",
             "activation-derivative-reduced")


def _linear_in_grad_out(layer_cls, label, x, gs, got, expected, name) -> None:
    """An activation's backward is grad_out * f'(x): linear in grad_out. A fresh layer fed -grad_out must
    return -dx; when it does not, the backward depends on grad_out itself (a mask or a clip built from it)."""
    if got.shape != gs.shape:
        return
    layer = call(layer_cls, label=f"{label}()", hint=ELEMENTWISE_HINT)
    call(layer.forward, x, label=f"{label}.forward", names=("x",), hint=ELEMENTWISE_HINT)
    neg = call(layer.backward, (-gs).astype(x.dtype), label=f"{label}.backward", names=("grad_out",),
               hint=ELEMENTWISE_HINT)
    if not isinstance(neg, np.ndarray) or neg.shape != got.shape:
        return
    neg = np.asarray(neg, dtype=np.float64)
    if core.close(neg, -got, 1e-6, 1e-9):
        return
    want = np.asarray(expected, dtype=np.float64)
    detail = ""
    for sign, part in (("< 0", gs < 0), ("> 0", gs > 0)):
        lost = part & (np.abs(want) > 1e-9)
        if lost.any() and np.all(got[lost] == 0) and not np.all(got[~part & (np.abs(want) > 1e-9)] == 0):
            detail = f": it is 0 wherever grad_out {sign}, where the gradient must flow too"
            break
    fail(f"{name} is not linear in grad_out: a fresh {label} given the same x and -grad_out does not return "
         f"-dx{detail}. The backward of an activation is grad_out * f'(x), where the local derivative f'(x) "
         f"depends on the forward input x only: no mask, clip or max built from grad_out",
         "activation-backward-not-linear")


def _probe(layer_cls, label: str, backward: bool):
    """The student's forward (or derivative: backward with grad_out = 1) at an array of points."""
    def run(p):
        layer = layer_cls()
        y = layer.forward(p)
        return layer.backward(np.ones_like(p)) if backward else y
    return run


_ORACLES = {"ReLU": (lambda p: np.maximum(p, 0.0), lambda p: (p > 0) * 1.0),
            "Sigmoid": (lambda p: _sigmoid_oracle(p), lambda p: _sigmoid_oracle(p) * (1 - _sigmoid_oracle(p)))}


def _explained(layer_cls, label, x, got, expected, tol, *, backward: bool) -> str | None:
    """Which side of 0 is wrong, and the student's values at readable points (cases.explain_elementwise)."""
    rt, at = core.dtype_tolerance(got, tol["rtol"], tol["atol"], float(np.abs(expected).max()))
    return explain_elementwise(x, got, expected, rtol=rt, atol=at, probe=_probe(layer_cls, label, backward),
                               oracle=_ORACLES[label][1 if backward else 0],
                               what="derivatives (grad_out = 1)" if backward else "values")


def _not_repeatable(layer_cls, label: str, x, name: str, *, backward: bool) -> None:
    """Property of every layer of this lab: a fresh layer given the same input twice answers the same.  Asked
    after a wrong answer, before any reading of its values (a random answer fits readings by chance)."""
    run = _probe(layer_cls, label, backward)
    try:
        a, b = (np.asarray(run(np.array(x, copy=True)), dtype=np.float64) for _ in range(2))
    except Exception:
        return
    if a.shape != b.shape or not np.array_equal(a, b, equal_nan=True):
        what = "backward (grad_out = 1, after the same forward)" if backward else "forward"
        fail(f"{name}: two fresh {label} layers, {what} on exactly the same x, gave different results: your "
             f"{label} uses random numbers (a dropout mask, noise from np.random) or a value kept between calls "
             f"(a module-level variable, a class attribute); the layer must be a deterministic function of its "
             f"input", "layer-not-deterministic")


def _forward_verdict(layer_cls, label, x, y, expected, name, diagnose, branches=()) -> None:
    """``branches``: (formula, env, mask) of each np.where branch of the documented forward; the single
    edit of a branch's formula that gives the student's values there is quoted (formula.explain_formula)."""
    diagnose_only(y, expected, name=name, diagnose=diagnose, rtol=1e-5, atol=1e-7)
    if not core.close(y, expected, *core.dtype_tolerance(y, 1e-5, 1e-7, float(np.abs(expected).max()))):
        _not_repeatable(layer_cls, label, x, name, backward=False)
        text = _explained(layer_cls, label, x, y, expected, {"rtol": 1e-5, "atol": 1e-7}, backward=False)
        for formula, env, mask in branches:
            said = explain_formula(formula, env, y, rtol=1e-6, atol=1e-9, mask=mask, what="values there")
            if said and text:
                text = f"{text}; {said}"
                break
        if text:
            raise core.differs(y, expected, f"{name} has wrong values: {text}", "wrong-values-explained", name=name,
                               rtol=1e-5, atol=1e-7)
    expect_close(y, expected, name=name)


def _relu_case(ReLU, x, r):
    def run():
        layer = call(ReLU, label="ReLU()", hint=ELEMENTWISE_HINT)
        name = signature("ReLU.forward", ("x",), (x,))
        y = call(layer.forward, x, label="ReLU.forward", names=("x",), want=lambda: np.maximum(x.astype(np.float64), 0.0),
                 hint=None)
        if isinstance(y, np.ndarray) and y.dtype == bool:
            fail(f"{name} returned the boolean mask x > 0: return x where x > 0 and 0 elsewhere",
                 "relu-forward-returns-mask")
        xs = x.astype(np.float64)
        _reduced_max(y, xs, name)
        if isinstance(y, np.ndarray) and y.ndim == 1 and x.ndim == 2 and y.size == int((xs > 0).sum()) != x.size \
                and core.close(y, xs[xs > 0], 1e-5, 1e-7):
            fail(f"{name} returned a flat array of the {y.size} positive entries of x: boolean indexing x[mask] "
                 f"SELECTS the entries, it does not keep the shape; return an array of the shape {x.shape} with 0 "
                 f"where x <= 0, x * mask or np.maximum(x, 0)", "relu-forward-boolean-index")
        y = expect_array(y, name=name, shape=x.shape, want=lambda: np.maximum(xs, 0.0))
        _dtype_kept(y, x, name, "x", any_float=True)
        _forward_verdict(ReLU, "ReLU", xs, y, np.where(xs > 0, xs, 0.0), name, {
            "ReLU(x) = max(x, 0): the comparison is the wrong way round (you kept the negative values)":
                lambda: np.where(xs < 0, xs, 0.0),
            "ReLU(x) = max(x, 0), not |x|": lambda: np.abs(xs),
            **{f"your forward is {what}, another activation (not 0 where x < 0, or not x itself where x > 0): "
               f"ReLU is max(x, 0), exactly 0 for every x < 0 and x itself for x > 0 (np.maximum(x, 0))": value
               for what, value in _relu_lookalikes(xs).items()},
            "the mask comes from the first sample only (x[0] > 0, broadcast over every row): each entry needs "
            "its own mask, x > 0 over the whole array": lambda: xs * (xs[0] > 0) if len(xs) > 1 else None,
            "x is multiplied by a mask that is not 0 or 1: np.clip(x, 0, 1) is x itself between 0 and 1, so x * "
            "np.clip(x, 0, 1) squares x there (x**2 on (0, 1), right for x <= 0 and x >= 1). The mask must be "
            "0 or 1, self.mask = x > 0, and the output x * self.mask": lambda: xs * np.clip(xs, 0.0, 1.0),
            "x is multiplied by max(x, 0), not by a 0/1 mask: that squares every positive x. The mask must be "
            "0 or 1, self.mask = x > 0, and the output x * self.mask": lambda: xs * np.maximum(xs, 0.0),
        })
        g = r.normal(size=x.shape).astype(x.dtype)
        gs = g.astype(np.float64)
        bname = signature("ReLU.backward", ("grad_out",), (g,))
        dx = call(layer.backward, g, label="ReLU.backward", names=("grad_out",), hint=ELEMENTWISE_HINT,
                  want=lambda: gs * (xs > 0))
        if isinstance(dx, np.ndarray) and dx.ndim == 1 and x.ndim == 2 and dx.size == int((xs > 0).sum()) != x.size:
            fail(f"{bname} returned a flat array of {dx.size} entries, one per positive input: boolean indexing "
                 f"grad_out[mask] keeps only the selected entries; keep the shape {x.shape} with grad_out * mask "
                 f"or np.where(mask, grad_out, 0)", "boolean-index-flattens")
        dx = expect_array(dx, name=bname, shape=x.shape, want=lambda: gs * (xs > 0))
        _dtype_kept(dx, g, bname, "grad_out")
        relu_x = np.where(xs > 0, xs, 0.0)
        _mask_everywhere(layer, x, gs, dx, bname)
        _backward_verdict(ReLU, "ReLU", x, gs, dx, gs * (xs > 0), bname, {
            "the ReLU mask is the wrong way round: the gradient flows where x > 0": lambda: gs * (xs < 0),
            "the ReLU backward multiplies by the output; use the mask (x > 0) taken from the input":
                lambda: gs * relu_x,
            "the ReLU backward must multiply grad_out by the mask, not return the mask": lambda: (xs > 0) * 1.0,
            "the derivative is applied to the wrong quantity: ReLU backward masks grad_out where x > 0, it "
            "does not apply ReLU to grad_out": lambda: np.maximum(gs, 0.0),
            "the ReLU backward returns grad_out unchanged: multiply it by the mask x > 0": lambda: gs,
            "the mask comes from the first sample only (x[0] > 0, broadcast over every row): each entry needs "
            "its own mask, x > 0 over the whole array": lambda: gs * (xs[0] > 0) if len(xs) > 1 else None,
        })
    return run


def _relu_lookalikes(xs: np.ndarray) -> dict:
    """Other activations a ReLU forward is mistaken for, by name (values compared with the oracle's tolerance)."""
    sig = _sigmoid_oracle(xs)
    return {"softplus log(1 + exp(x)), a smooth approximation of ReLU": np.logaddexp(0.0, xs),
            "ELU (exp(x) - 1 where x < 0)": np.where(xs > 0, xs, np.expm1(np.minimum(xs, 0.0))),
            "SiLU / swish x * sigmoid(x)": xs * sig,
            "GELU": 0.5 * xs * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * (xs + 0.044715 * xs ** 3))),
            "the sigmoid 1 / (1 + exp(-x))": sig,
            "a leaky ReLU (0.01 x where x < 0)": np.where(xs > 0, xs, 0.01 * xs)}


def _sigmoid_lookalikes(xs: np.ndarray) -> dict:
    """Other functions a sigmoid forward is mistaken for, by name."""
    return {"the hard sigmoid clip(0.2 x + 0.5, 0, 1), a piecewise-linear approximation":
                np.clip(0.2 * xs + 0.5, 0.0, 1.0),
            "the hard sigmoid clip(x / 6 + 0.5, 0, 1) (PyTorch's hardsigmoid), a piecewise-linear approximation":
                np.clip(xs / 6.0 + 0.5, 0.0, 1.0),
            "the softsign x / (1 + |x|)": xs / (1.0 + np.abs(xs)),
            "a rescaled softsign 0.5 (1 + x / (1 + |x|))": 0.5 * (1.0 + xs / (1.0 + np.abs(xs))),
            "0.5 + arctan(x) / pi": 0.5 + np.arctan(xs) / np.pi,
            "ReLU max(x, 0)": np.maximum(xs, 0.0),
            "softplus log(1 + exp(x))": np.logaddexp(0.0, xs)}


def _cache_per_instance(layer_cls, label: str, r, derivative, what: str, attr: str) -> None:
    """backward uses what the most recent forward of the SAME instance cached: two instances
    interleaved (a cache on the class or in a global variable is shared by every instance)."""
    x1, x2, g = r.normal(size=(4, 3)), r.normal(size=(4, 3)), r.normal(size=(4, 3))
    # One instance alone first: a cache filled only on the first call (if self.mask is None: ...)
    # is stale, whatever the other instances do.
    c = call(layer_cls, label=f"{label}()", hint=ELEMENTWISE_HINT)
    call(c.forward, x2, label=f"{label}.forward", names=("x",), hint=ELEMENTWISE_HINT)
    call(c.forward, x1, label=f"{label}.forward", names=("x",), hint=ELEMENTWISE_HINT)
    d = call(c.backward, g, label=f"{label}.backward", names=("grad_out",), hint=ELEMENTWISE_HINT)
    if not core.close(d, g * derivative(x1), 1e-6, 1e-9) and core.close(d, g * derivative(x2), 1e-6, 1e-9):
        fail(f"{label}.backward used the {what} of the FIRST forward call, not of the most recent one (a single "
             f"instance, forward called twice): the cache is stale; recompute self.{attr} on every forward call "
             f"(no `if self.{attr} is None` guard)", "cache-stale")
    a, b = call(layer_cls, label=f"{label}()", hint=ELEMENTWISE_HINT), call(layer_cls, label=f"{label}()", hint=ELEMENTWISE_HINT)
    call(a.forward, x2, label=f"{label}.forward", names=("x",), hint=ELEMENTWISE_HINT)
    call(a.forward, x1, label=f"{label}.forward", names=("x",), hint=ELEMENTWISE_HINT)
    call(b.forward, x2, label=f"{label}.forward", names=("x",), hint=ELEMENTWISE_HINT)
    d = call(a.backward, g, label=f"{label}.backward", names=("grad_out",), hint=ELEMENTWISE_HINT)
    if not core.close(d, g * derivative(x1), 1e-6, 1e-9):
        shared = " (it used what another instance's forward stored)" if core.close(d, g * derivative(x2), 1e-6, 1e-9) else ""
        fail(f"{label}.backward must use the {what} of the most recent forward call of the same instance{shared}: "
             f"store it on self (self.{attr} = ...), not on the class ({label}.{attr} = ...) "
             f"or in a global variable shared by every layer", "cache-not-per-instance")


def _mask_everywhere(layer, x, gs, dx, bname: str) -> None:
    """grad_out came back unchanged: either backward ignores the mask or the mask forward stored is True
    everywhere. The documented cache self.mask tells which (read only when it exists)."""
    xs = x.astype(np.float64)
    if not (xs <= 0).any() or not core.close(dx, gs, 1e-6, 1e-9):
        return
    try:
        mask = layer.mask
    except Exception:
        mask = None
    if isinstance(mask, np.ndarray) and mask.shape == x.shape and np.all(mask[xs <= 0] != 0):
        fail(f"{bname} returns grad_out unchanged because the mask your forward stored, self.mask, is True (or "
             f"non-zero) also where x < 0: it is not x > 0 of the input (a mask taken with >= 0 from the clipped "
             f"output is True everywhere). Take it from the input: self.mask = x > 0",
             "relu-mask-true-everywhere")
    _whole_rows(layer, x.dtype, bname)
    fail(f"{bname} returns grad_out unchanged, also where x < 0 (the gradient must be 0 there): multiply "
         f"grad_out by the mask x > 0 that forward stored; if backward does, the mask forward stored is True "
         f"everywhere", "relu-backward-grad-out-unchanged")


def _whole_rows(layer, dtype, bname: str) -> None:
    """grad_out came back unchanged: a second input whose last rows are negative everywhere and whose first
    rows mix signs tells a backward that keeps or drops WHOLE rows (an index array of (row, column) pairs,
    np.argwhere(mask), used as g[idx] indexes rows) from one that ignores the mask. Its last column is negative
    everywhere and the others mix signs: a mask per unit (column), alive when x > 0 for ANY sample
    (mask.any(axis=0)), keeps or drops WHOLE columns."""
    n, d = 6, 4
    x2 = np.full((n, d), -1.0)
    x2[:3, :3] = [[1.0, -2.0, 0.5], [-0.5, 2.0, -1.5], [0.25, 1.5, -3.0]]
    x2 = x2.astype(dtype)
    g2 = (np.arange(n * d, dtype=np.float64).reshape(n, d) + 1.0).astype(dtype)
    try:
        call(layer.forward, x2, label="ReLU.forward", names=("x",))
        dx2 = call(layer.backward, g2, label="ReLU.backward", names=("grad_out",))
    except core.CheckFailure:
        return
    if not isinstance(dx2, np.ndarray) or dx2.shape != x2.shape:
        return
    dx2, gs2 = np.asarray(dx2, dtype=np.float64), g2.astype(np.float64)
    kept = [k for k in range(n) if core.close(dx2[k], gs2[k], 1e-6, 1e-9)]
    dropped = [k for k in range(n) if not np.any(dx2[k])]
    if len(kept) + len(dropped) == n and kept and dropped and any((x2[k] <= 0).any() for k in kept):
        fail(f"{bname} lets grad_out through by whole ROWS, not entry by entry: with an input whose rows 0-2 mix "
             f"signs and rows 3-5 are negative, your backward passed rows {kept} entirely (negative entries too) "
             f"and zeroed rows {dropped}. An array of (row, column) index PAIRS, such as np.argwhere(x > 0), used as "
             f"g[idx] indexes ROWS with every number it holds; keep the boolean mask itself, self.mask = x > 0, and "
             f"return grad_out * self.mask (np.nonzero(mask) gives a tuple that indexes entries)",
             "relu-backward-whole-rows")
    cols = [c for c in range(d) if core.close(dx2[:, c], gs2[:, c], 1e-6, 1e-9)]
    zeroed = [c for c in range(d) if not np.any(dx2[:, c])]
    if len(cols) + len(zeroed) == d and cols and zeroed and any((x2[:, c] <= 0).any() for c in cols):
        fail(f"{bname} lets grad_out through by whole COLUMNS (units), not entry by entry: with an input whose columns "
             f"0-2 mix signs and column 3 is negative for every sample, your backward passed columns {cols} entirely "
             f"(the samples where x < 0 too) and zeroed columns {zeroed}: a mask per unit, alive when x > 0 for ANY "
             f"sample (mask.any(axis=0), or a max over the batch), where each sample's entry needs its own mask. "
             f"Return grad_out * self.mask with self.mask = x > 0 of shape (N, D)", "relu-backward-whole-columns")


def _reduced_max(y, xs, name: str) -> None:
    """np.max(x, 0) reads as max(x, 0) but is the maximum along axis 0, one number per column."""
    if not isinstance(y, np.ndarray) or y.shape == xs.shape:
        return
    for how, value in (("np.max(x, 0) is the maximum of each COLUMN (axis 0)", xs.max(axis=0)),
                       ("np.max(x, 1) is the maximum of each ROW (axis 1)", xs.max(axis=1)),
                       ("np.max(x) is the largest entry of the whole array", xs.max())):
        if y.shape == np.shape(value) and core.close(y, value, 1e-6, 1e-9):
            fail(f"{name} returned shape {y.shape}: {how}, its second argument "
                 f"is an axis. ReLU is elementwise: np.maximum(x, 0) (with an m: the larger of x and 0 for every "
                 f"entry), or x * (x > 0)", "relu-np-max-reduces")


def _dtype_kept(got, x, name: str, what: str, *, any_float: bool = False) -> None:
    """An elementwise layer keeps the dtype of its input, as Linear and MSELoss do: the lab's float64 gradient
    check (relative error 1e-8 or below) needs float64 all the way.  A forward (``any_float``) keeps float32 too
    (the docstrings: same shape and dtype as x); a backward may upcast a float32 grad_out (a float64 mask)."""
    if not isinstance(got, np.ndarray) or got.dtype == x.dtype:
        return
    if x.dtype == np.float64:
        fail(f"{name} returned dtype {got.dtype} for a float64 {what}: an elementwise layer keeps the dtype of its "
             f"input (float64 in, float64 out, as Linear and MSELoss do; the lab's float64 gradient check needs "
             f"that precision): drop the .astype({got.dtype}) or the {got.dtype} array on the way",
             "elementwise-dtype-changed")
    if any_float and x.dtype == np.float32:
        fail(f"{name} returned dtype {got.dtype} for a float32 {what}: an elementwise layer returns the shape AND "
             f"dtype of its input (float32 in, float32 out): a conversion of x to {got.dtype} on the way (np.asarray("
             f"x, dtype=np.float64), x.astype(float), or a mask or constant array of dtype {got.dtype} multiplied "
             f"in) changes it; compute on x as given", "elementwise-dtype-upcast")


def _relu_derivative_unbounded(layer, x, name: str) -> None:
    """Property: ReLU's derivative is 1 for EVERY x > 0; after the forward on inputs far above 6, a backward
    whose derivative is 0 above some threshold (ReLU6's, (x > 0) & (x < 6)) is told with where it is cut off."""
    g = np.ones_like(x)
    try:
        dx = np.asarray(layer.backward(g.copy()), dtype=np.float64)
    except Exception:
        return                                  # the cases judge a raising backward
    want = (x > 0).astype(np.float64)
    if dx.shape != x.shape or core.close(dx, want, 1e-6, 1e-9):
        return
    ok = np.abs(dx - want) <= 1e-6
    cut = (x > 0) & ~ok
    if cut.any() and ((x > 0) & ok).any() and np.all(dx[cut] == 0) and float(x[(x > 0) & ok].max()) < float(x[cut].min()):
        fail(f"ReLU.backward(ones) after {name}: your derivative is 1 where 0 < x <= {float(x[(x > 0) & ok].max()):g} "
             f"but 0 at x = {np.unique(x[cut]).tolist()}: it is cut off above some threshold (the derivative of a ReLU "
             f"capped above, ReLU6 or a clip, (x > 0) & (x < 6)); ReLU has no upper bound, its derivative is 1 for "
             f"every x > 0: the mask x > 0", "relu-derivative-capped")


def _relu_unbounded(ReLU) -> None:
    """Property: ReLU has no upper bound; inputs far above 6 (the ordinary cases stay within a few units)
    tell a clip (ReLU6, np.clip(x, 0, c)) from max(x, 0)."""
    x = np.array([[-40.0, -7.0, -1.0, 0.5, 3.0, 7.0, 12.0, 40.0], [-3.0, 2.0, 6.5, 9.0, -0.25, 25.0, 1.5, 100.0]])
    want = np.maximum(x, 0.0)
    layer = call(ReLU, label="ReLU()", hint=ELEMENTWISE_HINT)
    name = signature("ReLU.forward", ("x",), (x,))
    y = call(layer.forward, x, label="ReLU.forward", names=("x",), want=want, hint=ELEMENTWISE_HINT)
    y = expect_array(y, name=name, shape=x.shape, want=want)
    ys = np.asarray(y, dtype=np.float64)
    if core.close(ys, want, 1e-6, 1e-9):
        _relu_derivative_unbounded(layer, x, name)
        return
    top = float(ys.max())
    if top < float(want.max()) and core.close(ys, np.minimum(want, top), 1e-6, 1e-9):
        big = x[0] > top
        fail(f"{name}: your output stops growing at {top:g}: at x = {np.round(x[0][big], 4).tolist()} it is "
             f"{np.round(ys[0][big], 4).tolist()}, but ReLU has no upper bound, max(x, 0) = x for every x > 0 "
             f"(np.clip(x, 0, {top:g}) is a capped ReLU such as ReLU6, another activation): use np.maximum(x, 0)",
             "relu-capped")
    _forward_verdict(ReLU, "ReLU", x, y, want, name, {})


def _backward_repeatable(layer_cls, label: str, attr: str, r) -> None:
    """Property: backward only reads what forward cached, so a second backward call with the same grad_out
    after one forward returns the same values (an in-place update of the cache, self.out *= ..., does not)."""
    x, g = r.normal(scale=2.0, size=(4, 3)), r.normal(size=(4, 3))
    layer = call(layer_cls, label=f"{label}()", hint=ELEMENTWISE_HINT)
    call(layer.forward, x, label=f"{label}.forward", names=("x",), hint=ELEMENTWISE_HINT)
    before = getattr(layer, attr, None)
    before = np.array(before, copy=True) if isinstance(before, np.ndarray) else None
    first = call(layer.backward, g.copy(), label=f"{label}.backward", names=("grad_out",), hint=ELEMENTWISE_HINT)
    after = getattr(layer, attr, None)
    second = _backward_again(layer.backward, (g.copy(),), f"{label}.backward", ELEMENTWISE_HINT,
                             f"{label}.backward called a second time after one forward (the same grad_out)")
    if not (isinstance(first, np.ndarray) and isinstance(second, np.ndarray)) or first.shape != second.shape:
        return
    if core.close(second, first, 1e-9, 1e-12):
        return
    changed = (before is not None and isinstance(after, np.ndarray) and after.shape == before.shape
               and not core.close(after, before, 1e-12, 1e-15))
    what = f": the first backward call changed self.{attr}, the array forward cached" if changed else \
        ": the first backward call changed what forward cached"
    fail(f"{label}.backward called twice after one forward, with the same grad_out, returned different values the "
         f"second time{what} (an in-place update such as self.{attr} *= ... or -=, or np.multiply(..., out=self.{attr})). "
         f"backward must leave the cache as forward stored it: compute the derivative into a new array "
         f"(grad_out * s * (1 - s))", "backward-modifies-cache")


def _elementwise_repeated(layer_cls, label: str, r, oracle) -> None:
    """_repeated_forward for an elementwise layer: one instance, (5, 3) twice, then (7, 3)."""
    layer = call(layer_cls, label=f"{label}()", hint=ELEMENTWISE_HINT)
    xs = [r.normal(scale=2.0, size=(5, 3)), r.normal(scale=2.0, size=(5, 3)), r.normal(scale=2.0, size=(7, 3))]
    _repeated_forward(layer, label, xs, lambda k, x: oracle(x))


def _backward_follows_latest_forward(layer_cls, label: str, r, derivative, attr: str) -> None:
    """State kept between calls: one instance, forward on an input with entries of both signs, then forward on an
    all-positive input of the same shape (a batch where nothing is clipped), then backward: the derivative is the
    one at the LATEST input (a cache refreshed only on some calls, e.g. after an early return, is a stale one)."""
    x1 = r.normal(scale=2.0, size=(5, 3))
    x1[0, 0], x1[1, 1] = -1.5, 1.5
    x2 = np.abs(r.normal(scale=2.0, size=(5, 3))) + 0.1
    g = r.normal(size=(5, 3))
    layer = call(layer_cls, label=f"{label}()", hint=ELEMENTWISE_HINT)
    call(layer.forward, x1, label=f"{label}.forward", names=("x",), hint=ELEMENTWISE_HINT)
    call(layer.forward, x2, label=f"{label}.forward", names=("x",), hint=ELEMENTWISE_HINT)
    want = g * derivative(x2)
    bname = (f"{label}.backward(grad_out of shape {g.shape}) after {label}.forward(x1 with entries of both signs) "
             f"then {label}.forward(x2 all positive, the same shape)")
    dx = call(layer.backward, g.copy(), label=f"{label}.backward", names=("grad_out",), hint=ELEMENTWISE_HINT)
    dx = expect_array(dx, name=bname, shape=g.shape)
    if core.close(dx, want, 1e-6, 1e-9):
        return
    if core.close(dx, g * derivative(x1), 1e-6, 1e-9):
        fail(f"{bname} returned the derivative at x1, the input of the EARLIER forward call: state from an earlier "
             f"call; forward must store its cache (self.{attr}) on every call, before any early return (an "
             f"all-positive batch still needs its own cache), and backward uses the latest one",
             "backward-stale-cache")
    expect_close(dx, want, name=bname + " (backward must use the cache of the latest forward)")


def _relu_at_zero(ReLU) -> None:
    """Property of the docstring: the derivative is taken as 0 at x == 0 (and ReLU(0) = 0): an input with
    exact zeros next to positive and negative entries (np.heaviside(x, 1), x >= 0 give 1 there)."""
    x = np.array([[0.0, 1.5, -2.0, 0.0], [-0.5, 0.0, 3.0, 0.0], [2.0, -1.0, 0.0, 0.25]])
    g = np.array([[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0], [9.0, 10.0, 11.0, 12.0]])
    layer = call(ReLU, label="ReLU()", hint=ELEMENTWISE_HINT)
    name = signature("ReLU.forward", ("x",), (x,))
    want = np.maximum(x, 0.0)
    y = call(layer.forward, x, label="ReLU.forward", names=("x",), want=want, hint=ELEMENTWISE_HINT)
    y = expect_array(y, name=name, shape=x.shape, want=want)
    expect_close(y, want, name=name)
    bname = signature("ReLU.backward", ("grad_out",), (g,))
    want_d = g * (x > 0)
    dx = call(layer.backward, g, label="ReLU.backward", names=("grad_out",), want=want_d, hint=ELEMENTWISE_HINT)
    dx = expect_array(dx, name=bname, shape=x.shape, want=want_d)
    d = np.asarray(dx, dtype=np.float64)
    zero = x == 0
    if core.close(d[~zero], want_d[~zero], 1e-6, 1e-9) and not core.close(d[zero], 0.0 * g[zero], 1e-6, 1e-9):
        at = [tuple(int(i) for i in k) for k in np.argwhere(zero)]
        fail(f"{bname} after ReLU.forward(x) with exact zeros in x (at {at}): the gradient there must be 0, the "
             f"derivative of ReLU is taken as 0 at x == 0 (the docstring), but your backward let grad_out through "
             f"(values {np.round(d[zero], 4).tolist()}; right everywhere else). The mask is x > 0, strictly "
             f"(np.heaviside(x, 1) or x >= 0 give 1 at 0)", "relu-derivative-at-zero")
    expect_close(dx, want_d, name=bname)


def relu(ReLU) -> None:
    r = core.rng("lab01.relu")
    run_cases([(None, _relu_case(ReLU, x, r)) for x in _elementwise_inputs(r)])
    _relu_unbounded(ReLU)
    _relu_at_zero(ReLU)
    _elementwise_repeated(ReLU, "ReLU", r, lambda x: np.maximum(x, 0.0))
    _cache_per_instance(ReLU, "ReLU", r, lambda x: (x > 0) * 1.0, "mask", "mask")
    _backward_repeatable(ReLU, "ReLU", "mask", r)
    _backward_follows_latest_forward(ReLU, "ReLU", r, lambda x: (x > 0) * 1.0, "mask")


def _sigmoid_oracle(x):
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(x, dtype=np.float64)))


def _sigmoid_case(Sigmoid, x, r, extreme):
    def run():
        layer = call(Sigmoid, label="Sigmoid()", hint=ELEMENTWISE_HINT)
        name = signature("Sigmoid.forward", ("x",), (x,))
        try:
            y = call(layer.forward, x, label="Sigmoid.forward", names=("x",), hint=None,
                     want=lambda: _sigmoid_oracle(x))
        except core.CheckFailure as exc:
            _sigmoid_overflow(exc, x)
            _sigmoid_inverse(exc, Sigmoid)
            raise
        try:
            y = expect_array(y, name=name, shape=x.shape, want=lambda: _sigmoid_oracle(x))
        except core.CheckFailure as exc:
            _sigmoid_inverse(exc, Sigmoid)
            raise
        _dtype_kept(y, x, name, "x", any_float=True)
        xs = x.astype(np.float64)
        s = _sigmoid_oracle(xs)
        e = np.exp(-np.abs(xs))
        _forward_verdict(Sigmoid, "Sigmoid", xs, y, s, name, {
            "sigmoid is 1 / (1 + exp(-x)); you computed 1 / (1 + exp(x))": lambda: _sigmoid_oracle(-xs),
            "your forward is tanh(x), another activation (values in (-1, 1), 0 at x = 0): the sigmoid is "
            "1 / (1 + exp(-x)), values in (0, 1), 0.5 at x = 0 (it equals (1 + tanh(x / 2)) / 2)": lambda: np.tanh(xs),
            **{f"your forward is {what}, not the sigmoid: the sigmoid is 1 / (1 + exp(-x)) at every x (smooth, "
               f"never exactly 0 or 1; with e = exp(-|x|): 1 / (1 + e) for x >= 0, e / (1 + e) for x < 0)": value
               for what, value in _sigmoid_lookalikes(xs).items()},
        }, branches=(("e / (1 + e)", {"e": e}, xs < 0), ("1 / (1 + e)", {"e": e}, xs >= 0)))
        if extreme and x.dtype == np.float64:
            _sigmoid_tails(y, s, xs, name)
        g = r.normal(size=x.shape).astype(x.dtype)
        gs = g.astype(np.float64)
        bname = signature("Sigmoid.backward", ("grad_out",), (g,))
        try:
            dx = call(layer.backward, g, label="Sigmoid.backward", names=("grad_out",), hint=None,
                      want=lambda: gs * s * (1 - s))
        except core.CheckFailure as exc:
            if exc.diagnosis == "not-numerically-stable":
                fail(f"{exc.headline}: the derivative is s * (1 - s) with the output s that forward "
                     f"cached (self.out), which needs no exp at all; an exp of the input in backward (np.exp(-x)) "
                     f"overflows for large |x|", "sigmoid-backward-overflow")
            raise
        _matrix_product(dx, gs, s * (1 - s), bname)
        dx = expect_array(dx, name=bname, shape=x.shape, want=lambda: gs * s * (1 - s))
        _dtype_kept(dx, g, bname, "grad_out")
        _cache_not_output(Sigmoid, x, xs, y, s, gs, dx, bname)
        ss = _sigmoid_oracle(s)
        _backward_verdict(Sigmoid, "Sigmoid", x, gs, dx, gs * s * (1 - s), bname, {
            "the sigmoid derivative must be sigma(x)(1 - sigma(x)) of the *output*, not x(1 - x) of the "
            "pre-activation": lambda: gs * xs * (1 - xs),
            "the sigmoid was applied twice: the derivative is s(1 - s) with the cached output s = sigmoid(x), "
            "not sigmoid(s)(1 - sigmoid(s))": lambda: gs * ss * (1 - ss),
            "the derivative was evaluated at grad_out, sigmoid(grad_out)(1 - sigmoid(grad_out)): backward must "
            "use the output s that forward cached (self.out); calling self.forward(grad_out) in backward recomputes "
            "the sigmoid of the gradient and overwrites that cache": lambda: gs * _sigmoid_oracle(gs) * (1 - _sigmoid_oracle(gs)),
            "the sigmoid derivative was applied twice (s(1-s) of s(1-s))":
                lambda: gs * (s * (1 - s)) * (1 - s * (1 - s)),
            "np.gradient(self.out, axis=1) takes differences between NEIGHBOURING entries of a row of the output "
            "array, not the derivative of each entry: sigma'(x) = s(1 - s), grad_out * s * (1 - s)":
                lambda: gs * np.gradient(s, axis=1) if s.ndim == 2 and s.shape[1] > 1 else None,
            "np.gradient(self.out, axis=0) takes differences between NEIGHBOURING samples of the output array, not "
            "the derivative of each entry: sigma'(x) = s(1 - s), grad_out * s * (1 - s)":
                lambda: gs * np.gradient(s, axis=0) if s.ndim == 2 and s.shape[0] > 1 else None,
            "backward must multiply the local derivative s(1 - s) by grad_out (chain rule)": lambda: s * (1 - s),
            "the derivative is s(1 - s): the (1 - s) factor is missing": lambda: gs * s,
            "operator precedence: grad_out * s - s**2 multiplies only s by grad_out and subtracts s**2 on its own; "
            "put the derivative in parentheses, grad_out * (s - s**2) = grad_out * s * (1 - s)": lambda: gs * s - s ** 2,
            "the derivative is s(1 - s), not s(s - 1): the sign is flipped": lambda: -gs * s * (1 - s),
        }, own_derivative=not extreme, formula=("grad_out * s * (1 - s)", {"grad_out": gs, "s": s}))
    return run


_CACHE_NAMES = ("out", "output", "s", "y", "sig", "sigmoid", "a", "act", "activation", "cache", "value")


def _cache_not_output(Sigmoid, x, xs, y, s, gs, dx, bname: str) -> None:
    """A wrong backward that is grad_out * c * (1 - c) for an array c the forward cached on self, where c is
    not the output forward returned: the derivative formula is right, the cached quantity is not.  Read
    back from a fresh layer right after its forward (a backward may overwrite the cache itself, by calling
    forward again) under the cache names students use, and confirmed on the backward's values."""
    want = gs * s * (1 - s)
    if not isinstance(dx, np.ndarray) or dx.shape != gs.shape or core.close(dx, want, 1e-5, 1e-7):
        return
    try:
        layer = Sigmoid()
        layer.forward(x.copy())
    except Exception:
        return
    for attr in _CACHE_NAMES:
        try:
            c = getattr(layer, attr)
        except Exception:
            continue
        if not isinstance(c, np.ndarray) or c.shape != xs.shape or c.dtype.kind not in "fc":
            continue
        c = c.astype(np.float64)
        if core.close(c, np.asarray(y, dtype=np.float64), 1e-6, 1e-9) or not core.close(dx, gs * c * (1 - c), 1e-5, 1e-7):
            continue
        what = explain_quantity(c, {"exp(-|x|)": np.exp(-np.abs(xs)), "exp(-x)": np.exp(-xs), "exp(x)": np.exp(xs),
                                    "x itself": xs, "1 + exp(-x)": 1 + np.exp(-xs), "1 + exp(-|x|)": 1 + np.exp(-np.abs(xs))})
        k = np.unravel_index(int(np.argmax(np.abs(c - s))), c.shape)
        held = f": {what.replace('your result is', f'self.{attr} holds')}" if what else ""
        fail(f"{bname} computes grad_out * s * (1 - s) from self.{attr}, but self.{attr} is not the output your "
             f"forward returned{held} (at x = {xs[k]:.4g} self.{attr} = {c[k]:.4g}, "
             f"the output is {float(np.asarray(y)[k]):.4g}). The derivative formula is right; the cached quantity is "
             f"not: cache the output itself in forward (self.out = the sigmoid values you return)",
             "sigmoid-cache-not-output")


def _matrix_product(dx, gs, local, bname: str) -> None:
    """grad_out @ (s(1 - s)).T (or its transpose): @ where the chain rule of an elementwise layer
    multiplies entry by entry."""
    if not isinstance(dx, np.ndarray) or dx.shape == gs.shape:
        return
    for how, value in (("grad_out @ (s * (1 - s)).T", gs @ local.T), ("(s * (1 - s)).T @ grad_out", local.T @ gs)):
        if dx.shape == value.shape and core.close(dx, value, 1e-5, 1e-8):
            fail(f"{bname} returned shape {dx.shape}, the matrix product {how}: an elementwise layer's backward "
                 f"multiplies entry by entry, grad_out * s * (1 - s) (with *, not @), and keeps grad_out's shape "
                 f"{gs.shape}", "sigmoid-backward-matrix-product")


def _sigmoid_overflow(exc: core.CheckFailure, x: np.ndarray) -> None:
    """An overflow in exp during forward: say at which |x| exp overflows in the input's dtype (a clip at
    +-500 is enough for float64 only) and how the documented formula avoids it."""
    found = re.match(r"(.*?numpy warned '[^']*overflow[^']*exp[^']*')", str(exc))
    if exc.diagnosis != "not-numerically-stable" or not found:
        return
    limit = float(np.log(np.finfo(x.dtype).max))
    fail(f"{found.group(1)}: in {x.dtype}, exp(t) overflows as soon as t > {limit:.1f}, and this input has "
         f"|x| up to {float(np.abs(x).max()):g} (a clip of x at +-500 still overflows in float32). Sigmoid needs no "
         f"exp of a positive number: with e = exp(-|x|) <= 1, sigmoid is 1 / (1 + e) for x >= 0 and e / (1 + e) "
         f"for x < 0", "not-numerically-stable")


def _sigmoid_inverse(exc: core.CheckFailure, Sigmoid) -> None:
    """NaN from the forward on ordinary inputs: is it the logit log(x / (1 - x)), the sigmoid's inverse
    (defined on (0, 1) only)? A second input inside (0, 1) tells."""
    head = re.match(r"(.*? contains NaN or inf)", str(exc))
    if not head:
        return
    p = np.array([[0.1, 0.25, 0.5, 0.75, 0.9]])
    try:
        got = np.asarray(_probe(Sigmoid, "Sigmoid", False)(p.copy()), dtype=np.float64)
    except Exception:
        return
    if got.shape == p.shape and core.close(got, np.log(p / (1 - p)), 1e-6, 1e-9):
        fail(f"{head.group(1)}: your forward is the logit log(x / (1 - x)) (scipy.special.logit), the INVERSE of "
             f"the sigmoid, defined for 0 < x < 1 only (at x = 0.1, 0.5, 0.9 it gives {np.round(got[0, [0, 2, 4]], 4).tolist()}): "
             f"the sigmoid is 1 / (1 + exp(-x)) (scipy.special.expit)", "sigmoid-is-logit")


def _sigmoid_tails(y, s, xs, name) -> None:
    """Property: in float64 the tails are exact to ~1e-16 (sigmoid(-30) = 9.4e-14, sigmoid(30) = 1 - 9.4e-14);
    an output held away from 0 and 1 is clipped (the absolute tolerance of the value check hides it)."""
    err = np.abs(np.asarray(y, dtype=np.float64) - s)
    tail = np.minimum(s, 1 - s)
    bad = (tail < 1e-6) & (err > 1e-12 + 1e-6 * tail)      # the far tails only (float32 rounding passes)
    if bad.any():
        i = np.unravel_index(int(np.argmax(np.where(bad, err, -1.0))), err.shape)
        fail(f"{name}: at x = {xs[i]:g} your output is {float(y[i]):.10g}, but sigmoid is {s[i]:.10g} there (float64 "
             f"holds it to ~1e-16): the output is clipped or held away from 0 and 1; sigmoid needs no clip (a clip "
             f"such as [1e-7, 1 - 1e-7] belongs to a log in a loss, not to the activation)", "sigmoid-tails-clipped")


def sigmoid(Sigmoid) -> None:
    r = core.rng("lab01.sigmoid")
    cases = [(None, _sigmoid_case(Sigmoid, x, r, False)) for x in _elementwise_inputs(r)]
    for dtype in (np.float64, np.float32):
        x = np.array([[-1000.0, -30.0, 0.0, 30.0, 1000.0], [-89.0, -5.0, 1e-3, 5.0, 89.0]], dtype=dtype)
        cases.append((None, _sigmoid_case(Sigmoid, x, r, True)))
    run_cases(cases)
    _elementwise_repeated(Sigmoid, "Sigmoid", r, _sigmoid_oracle)
    _cache_per_instance(Sigmoid, "Sigmoid", r, lambda x: _sigmoid_oracle(x) * (1 - _sigmoid_oracle(x)), "output", "out")
    _backward_repeatable(Sigmoid, "Sigmoid", "out", r)
    _backward_follows_latest_forward(Sigmoid, "Sigmoid", r,
                                     lambda x: _sigmoid_oracle(x) * (1 - _sigmoid_oracle(x)), "out")


# =============================================================================================
# MSELoss (forward and backward in one cell)
# =============================================================================================

# N != D everywhere but where D == 1, so averaging over N and over N*D give different values.
MSE_SHAPES = [(5, 3), (1, 4), (7, 2), (6, 1), (3, 5)]


MSE_HINT = ("a shape mismatch: pred and target are both (N, D); reshape the target to pred.shape (np.reshape(target, "
            "pred.shape): a (-1, 1) column fits D = 1 only)")


def _mse_reshape_as_transpose_value(pred, target):
    """The loss when the target is brought to pred's (N, D) shape by reshape(D, N).T (reshape is not a transpose)."""
    n, d = pred.shape
    t = np.reshape(target.astype(np.float64), (d, n)).T
    return float(np.mean((pred.astype(np.float64) - t) ** 2))


def _mse_reshape_transposed(MSELoss, pred, target, value, name):
    """Tell a reshape-then-transpose target only when it also fits a second, fresh case of other sizes."""
    n, d = pred.shape
    if n == d or min(n, d) < 2 or not core.close(value, _mse_reshape_as_transpose_value(pred, target), 1e-5, 1e-7):
        return
    r2 = np.random.default_rng(17)
    p2, t2 = r2.normal(size=(4, 7)), r2.normal(size=(4, 7))
    try:
        v2 = float(MSELoss().forward(p2, t2))
    except Exception:
        return
    if core.close(v2, _mse_reshape_as_transpose_value(p2, t2), 1e-5, 1e-7) and not core.close(
            v2, float(np.mean((p2 - t2) ** 2)), 1e-5, 1e-7):
        fail(f"{name} has wrong values: the target entries are paired with the wrong predictions, exactly as "
             f"np.reshape(target, (D, N)).T does (seen again on a fresh (4, 7) batch): reshape is not a transpose, "
             f"it refills the new shape in memory order. The target already has pred's shape (N, D) here; bring it "
             f"there with target = np.reshape(target, pred.shape) (no reversed shape, no .T)", "mse-reshape-transpose")


def _mse_case(MSELoss, r, n, d, dtype):
    def run():
        pred, target = r.normal(size=(n, d)).astype(dtype), r.normal(size=(n, d)).astype(dtype)
        loss_fn = call(MSELoss, label="MSELoss()", hint=MSE_HINT)
        name = signature("MSELoss.forward", ("pred", "target"), (pred, target))
        value = call(loss_fn.forward, pred, target, label="MSELoss.forward", names=("pred", "target"), hint=MSE_HINT,
                     want=lambda: float(np.mean((pred.astype(np.float64) - target.astype(np.float64)) ** 2)))
        if isinstance(value, np.ndarray) and value.size == 1 and value.ndim == pred.ndim:   # keepdims=True
            fail(f"{name} returned a numpy array of shape {value.shape}, not a float: the docstring asks for a "
                 f"float, float(np.mean((pred - target) ** 2)) (np.mean(..., keepdims=True) or an array "
                 f"expression keeps an array)", "mse-returns-array")
        raw, value = value, expect_scalar(value, name=name)
        diff = pred.astype(np.float64) - target.astype(np.float64)
        sq = np.einsum("nd,nd->", diff, diff)
        a = np.abs(diff)
        forward_diagnose = {
            "the loss must be the mean over the batch, not the sum": sq,
            "this is the Huber (smooth-L1) loss, mean(0.5 d**2 where |d| < 1, |d| - 0.5 elsewhere) with d = pred - "
            "target: quadratic only for small errors; the MSE squares every error, np.mean((pred - target) ** 2)":
                float(np.mean(np.where(a < 1.0, 0.5 * diff ** 2, a - 0.5))),
            "this is a Huber loss, mean(d**2 where |d| < 1, 2 |d| - 1 elsewhere) with d = pred - target: quadratic "
            "only for small errors; the MSE squares every error, np.mean((pred - target) ** 2)":
                float(np.mean(np.where(a < 1.0, diff ** 2, 2 * a - 1.0))),
            "the MSE averages the squared error: you averaged the absolute error": np.mean(np.abs(diff)),
            "mean(|pred - target|) ** 2 squares the mean absolute error: the MSE is the mean of the squared "
            "errors, np.mean((pred - target) ** 2) (square each entry, then average)": float(np.mean(np.abs(diff))) ** 2,
            "the loss averages over the N samples only: the MSE is the mean over every entry, N*D":
                sq / n if d > 1 else None,
            "the loss averages over the D outputs only: the MSE is the mean over every entry, N*D":
                sq / d if n > 1 else None,
            "this is the root of the mean squared error: the MSE has no square root": float(np.sqrt(sq / (n * d))),
            "the error is not squared: the MSE is mean((pred - target) ** 2)": float(np.mean(diff)),
            "np.mean(diff) ** 2 is the square of the mean error: the MSE is the mean of the squared errors, "
            "np.mean((pred - target) ** 2)": float(np.mean(diff)) ** 2,
            "the factor 1/2 does not belong to this loss: the MSE is mean((pred - target) ** 2)": sq / (2 * n * d),
            "you squared pred and target separately, mean(pred ** 2 - target ** 2): the square of a difference is "
            "not the difference of the squares ((p - t)**2 = p**2 - 2 p t + t**2); square the difference, "
            "np.mean((pred - target) ** 2)": float(np.mean(pred.astype(np.float64) ** 2 - target.astype(np.float64) ** 2)),
            "you squared pred and target separately, mean(pred ** 2 + target ** 2): the cross term -2 pred target "
            "is missing ((p - t)**2 = p**2 - 2 p t + t**2); square the difference, np.mean((pred - target) ** 2)":
                float(np.mean(pred.astype(np.float64) ** 2 + target.astype(np.float64) ** 2)),
            "np.var(pred - target) subtracts the mean error before squaring (the variance of the error, not the "
            "MSE): the MSE is np.mean((pred - target) ** 2)": float(np.var(diff)),
            "np.std(pred - target) is the standard deviation of the error, not the MSE: the MSE is "
            "np.mean((pred - target) ** 2)": float(np.std(diff)),
            "diff.T @ diff is the D x D matrix of products of output columns: its sum adds cross terms between "
            "different outputs. Square elementwise: the MSE is np.mean(diff ** 2) (diff * diff, not diff.T @ diff)":
                float(np.sum(diff.T @ diff)) / (n * d) if d > 1 else None,
            "diff @ diff.T is the N x N matrix of products of samples: its sum adds cross terms between different "
            "samples. Square elementwise: the MSE is np.mean(diff ** 2) (diff * diff, not diff @ diff.T)":
                float(np.sum(diff @ diff.T)) / (n * d) if n > 1 else None,
        }
        if not core.close(value, sq / (n * d), *core.dtype_tolerance(value, 1e-7, 1e-7, sq / (n * d))):
            diagnose_only(value, sq / (n * d), name=name, diagnose=forward_diagnose, rtol=1e-7, atol=1e-7)
            _mse_reshape_transposed(MSELoss, pred, target, value, name)
            _mse_forward_inconsistent(MSELoss, loss_fn, pred, target, value, name)
        expect_close(value, sq / (n * d), name=name, diagnose=forward_diagnose)
        if isinstance(raw, np.generic) and not isinstance(raw, float) or isinstance(raw, np.ndarray) and raw.ndim == 0:
            kind = (f"a 0-d numpy array ({raw.dtype})" if isinstance(raw, np.ndarray)
                    else f"{type(raw).__module__}.{type(raw).__name__}")
            fail(f"{name} returned {kind}, not a Python float: the docstring asks for a Python float; return "
                 f"float(np.mean((pred - target) ** 2)) (np.float32 is not a float to Python, and keeps only "
                 f"about 7 digits)", "mse-returns-not-float")
        bname = f"MSELoss.backward() after {name}"
        grad = call(loss_fn.backward, label="MSELoss.backward", hint=MSE_HINT, want=lambda: 2 * diff / (n * d))
        exact = 2 * diff / (n * d)
        _flattened_gradient(grad, exact, bname)
        grad = expect_array(grad, name=bname, shape=(n, d), want=exact)
        diagnose = {
            "the 1/N factor is missing from the MSE gradient": 2 * diff,
            "the 1/N factor is applied twice in the MSE gradient": 2 * diff / (n * d) ** 2,
            "the factor 2 of d/dp (p - t)^2 is missing": diff / (n * d),
            "the MSE gradient has the wrong sign: it is 2 (pred - target) / N": -exact,
            "the gradient is divided by N*D - 1 (size - 1, as for an unbiased variance): divide by N*D, the "
            "number of entries (pred.size)": 2 * diff / (n * d - 1) if n * d > 2 else None,
        }
        if d > 1:
            diagnose["the gradient is divided by N, but the loss averages over all N*D entries: divide by "
                     "N*D (the size of pred)"] = 2 * diff / n
        if n > 1:
            diagnose["the gradient is divided by D, but the loss averages over all N*D entries: divide by "
                     "N*D (the size of pred)"] = 2 * diff / d
        if not core.close(grad, exact, *core.dtype_tolerance(grad, 1e-5, 1e-8, float(np.abs(exact).max()))):
            diagnose_only(grad, exact, name=bname, diagnose=diagnose, rtol=1e-5, atol=1e-8)
            # Not a catalogued mistake: is it at least the derivative of the student's forward?
            fd_loss = call(MSELoss, label="MSELoss()", hint=MSE_HINT)
            t64 = target.astype(np.float64)

            def own(p):
                return expect_scalar(call(fd_loss.forward, p, t64, label="MSELoss.forward", names=("pred", "target"), hint=MSE_HINT),
                                     name=name)
            num = numerical_gradient(own, pred.astype(np.float64).copy())
            if not core.close(grad, num, 1e-4, 1e-7):
                analysis, analysis_id = core.analyse_difference(grad, exact, 1e-5, 1e-8)
                factor = explain_factor(grad, exact, {"N": n, "D": d}, divisor="N*D")
                if analysis_id == "scaled" and not factor:
                    analysis = _value_dependent_factor(MSELoss, pred, target, grad, exact, analysis)
                p64 = pred.astype(np.float64)
                quantity = explain_quantity(grad, {"(pred - target)**2": diff ** 2, "|pred - target|": np.abs(diff),
                                                   "pred": p64, "target": t64, "sign(pred - target)": np.sign(diff)})
                right = np.isclose(np.asarray(grad, dtype=np.float64), exact, rtol=1e-5, atol=1e-8)
                size = np.abs(diff)
                large = (right.any() and not right.all() and size[~right].min() > size[right].max())
                g64 = np.asarray(grad, dtype=np.float64)
                flat_rows = (d > 1 and g64.shape == exact.shape and core.close(g64, g64[:, :1] * np.ones((1, d)), 1e-9, 1e-12)
                             and not core.close(exact, exact[:, :1] * np.ones((1, d)), 1e-9, 1e-12))
                if flat_rows and not factor:
                    scale = explain_factor(g64[:, 0:1], exact.mean(axis=1, keepdims=True), {"N": n, "D": d}, divisor="N*D")
                    mean_said = (" (it is the row mean of the right gradient" + (f", {scale.split(': ', 1)[-1]}" if scale else "")
                                 + ")") if scale or core.close(g64[:, 0:1], exact.mean(axis=1, keepdims=True), 1e-5, 1e-8) else ""
                    analysis = (f"your gradient has the same value for every output of a sample (constant along axis 1 "
                                f"of each row){mean_said}: a mean or sum over axis=1 was taken before the gradient. "
                                f"Each of the N*D = {n * d} entries has its own derivative, 2 (pred - target) / (N*D), "
                                f"of the same shape {exact.shape} as pred")
                elif large and not factor:
                    analysis = (f"right for the {int(right.sum())} entries where |pred - target| <= "
                                f"{size[right].max():.3g}, wrong for all {int((~right).sum())} with a larger residual "
                                f"(the smallest {size[~right].min():.3g}): is the residual clipped or capped, as in a "
                                f"Huber loss? The gradient of mean((pred - target)**2) is 2 (pred - target) / (N*D) "
                                f"for every residual")
                elif factor:
                    analysis = (f"{factor}; the loss is the mean over all N*D = {n * d} entries, so its gradient "
                                f"is 2 (pred - target) / (N*D)")
                elif quantity:
                    analysis = (f"{quantity}: the gradient of mean((pred - target)**2) is 2 (pred - target) / (N*D), "
                                f"so backward uses another array than pred - target (did forward overwrite the "
                                f"array it cached, with np.square(..., out=...), **= or a reassignment, or cache "
                                f"the wrong one?)")
                fail(f"{bname} is not the derivative of your MSELoss.forward (your forward is right): "
                     f"{analysis}", "backward-not-derivative-of-forward")
            expect_close(grad, exact, name=bname)
        if dtype == np.float64 and np.asarray(grad).dtype != np.float64:
            fail(f"{bname} returned a {np.asarray(grad).dtype} array for float64 pred and target: the gradient "
                 f"lost float64 precision (an .astype(np.float32) on the difference cached in forward or in "
                 f"backward?). float64 inputs must stay float64: the lab's float64 gradient check expects a "
                 f"relative error of 1e-8 or below", "mse-gradient-downcast")
        _loss_precision(value, sq / (n * d), dtype, name)
    return run


def _value_dependent_factor(MSELoss, pred, target, grad, exact, analysis: str) -> str:
    """The gradient is the right one times a factor k that no size (N, D, 2) explains: a factor read from the
    VALUES? Asked again on the same shapes with the residuals doubled (a fresh loss): if k is 1 / (2 sqrt(MSE)) on
    both, backward is the derivative of the RMSE; if k changes, it depends on the values; told only then, with
    the sizes' hint dropped."""
    g64, e64 = np.asarray(grad, dtype=np.float64), np.asarray(exact, dtype=np.float64)
    mask = np.abs(e64) > 1e-12
    if mask.sum() < 2:
        return analysis
    k = float(np.median(g64[mask] / e64[mask]))
    t64 = target.astype(np.float64)
    diff = pred.astype(np.float64) - t64
    p2 = t64 + 2.0 * diff
    try:
        loss_fn = MSELoss()
        loss_fn.forward(p2, t64.copy())
        g2 = np.asarray(loss_fn.backward(), dtype=np.float64)
    except Exception:
        return analysis
    e2 = 4.0 * diff / diff.size
    if g2.shape != e2.shape:
        return analysis
    m2 = np.abs(e2) > 1e-12
    k2 = float(np.median(g2[m2] / e2[m2])) if m2.sum() > 1 else float("nan")
    if not (np.isfinite(k2) and core.close(g2, k2 * e2, 1e-6, 1e-10)):
        return analysis
    rmse, rmse2 = float(np.sqrt(np.mean(diff ** 2))), 2.0 * float(np.sqrt(np.mean(diff ** 2)))
    sizes = analysis.split("); ", 1)[-1]
    if core.close(k, 1 / (2 * rmse), 1e-4, 0) and core.close(k2, 1 / (2 * rmse2), 1e-4, 0):
        return (f"your result is the expected one divided by 2 sqrt(MSE) (times {k:.4g}; again with the residuals "
                f"doubled: times {k2:.4g}): the derivative of the RMSE, sqrt(mean((pred - target)**2)), not of the MSE "
                f"your forward returns; the gradient of mean((pred - target)**2) is 2 (pred - target) / (N*D); {sizes}")
    if abs(k2 - k) > 1e-4 * abs(k):
        return (f"your result is the expected one times {k:.4g}, and times {k2:.4g} with the residuals doubled: a "
                f"factor that changes with the values (not a size such as N or 2): a norm, a mean or the loss "
                f"itself multiplies or divides the gradient; {sizes}")
    return analysis


def _loss_precision(value, exact: float, dtype, name: str) -> None:
    """Property of every loss: float64 inputs give a float64-precision value (a float32 accumulation, such as
    np.mean(..., dtype=np.float32) or an .astype(np.float32) on the way, keeps about 7 digits only and spoils
    the lab's finite-difference gradient check)."""
    if dtype != np.float64 or core.close(value, exact, 1e-10, 1e-14):
        return
    fail(f"{name}: the loss is not computed at float64 precision (a float32 accumulation?): {float(value)!r} "
         f"differs from the exact {float(exact)!r} by a relative {abs(float(value) - exact) / max(abs(exact), 1e-300):.2g} "
         f"for float64 pred and target (float64 keeps ~1e-16): a finite-difference slope of such a loss is off "
         f"by percents. Keep every step in the inputs' dtype (no dtype=np.float32, no .astype(np.float32))",
         "loss-precision-lost")


def _mse_forward_inconsistent(MSELoss, loss_fn, pred, target, value, name: str) -> None:
    """A wrong forward value: is the student's backward (after this forward) the right MSE gradient while it is
    NOT the derivative of the student's own forward (centred finite differences)? Then forward computes another
    loss than the one backward differentiates: say so, with what the forward's values look like."""
    try:
        grad = call(loss_fn.backward, label="MSELoss.backward", hint=MSE_HINT)
    except core.CheckFailure:
        return
    n, d = np.shape(pred)
    p64, t64 = pred.astype(np.float64), target.astype(np.float64)
    exact = 2 * (p64 - t64) / (n * d)
    if not (isinstance(grad, np.ndarray) and grad.shape == exact.shape
            and core.close(grad, exact, *core.dtype_tolerance(grad, 1e-5, 1e-8, float(np.abs(exact).max())))):
        return
    fd_loss = call(MSELoss, label="MSELoss()", hint=MSE_HINT)

    def own(v):
        return expect_scalar(call(fd_loss.forward, v, t64, label="MSELoss.forward", names=("pred", "target"),
                                  hint=MSE_HINT), name=name)
    num = numerical_gradient(own, p64.copy())
    if core.close(num, exact, 1e-4, 1e-7):
        return                            # forward is off by a constant: its derivative is right
    # Told only for a smooth forward: its finite differences agree at two step sizes and vanish nowhere the
    # gradient does not (a rounded or stepwise value has no derivative to compare: the value analysis tells it).
    if np.count_nonzero(num == 0) > np.count_nonzero(exact == 0) or \
            not core.close(num, numerical_gradient(own, p64.copy(), eps=1e-4), 1e-3, 1e-6):
        return
    want = float(np.mean((p64 - t64) ** 2))
    fail(f"{name} has wrong values: {float(value):.6g} instead of np.mean((pred - target) ** 2) = {want:.6g}. Your "
         f"MSELoss.backward returns the right MSE gradient 2 (pred - target) / (N*D), but your backward is not the "
         f"derivative of your forward (centred finite differences of your forward disagree with it): the forward "
         f"computes another loss than the one backward differentiates. The MSE is the mean of the squared errors "
         f"over all N*D entries, float(np.mean((pred - target) ** 2))", "mse-forward-not-backward-loss")


def _flattened_gradient(grad, exact, bname: str) -> None:
    """Right numbers in the wrong shape: the array forward cached lost pred's shape (a squeeze, ravel or
    flatten of pred, target or their difference in forward), not a wrong formula in backward."""
    g = np.asarray(grad) if isinstance(grad, np.ndarray) else None
    if g is None or g.shape == exact.shape or g.size != exact.size or g.dtype.kind != "f":
        return
    if core.close(g.ravel(), exact.ravel(), *core.dtype_tolerance(g, 1e-5, 1e-8, float(np.abs(exact).max()))):
        fail(f"{bname} has the right values but the shape {g.shape} instead of pred's shape {exact.shape}: the "
             f"difference forward cached was flattened (np.squeeze, .ravel() or .flatten() of pred, target or "
             f"pred - target in forward); keep pred's shape, reshaping only the target: "
             f"target = np.reshape(target, pred.shape)", "mse-gradient-flattened")


def _mse_backward_depends_on_history(MSELoss, pred, target):
    """backward after two forward calls is wrong: is it right on a fresh loss given only the second batch?"""
    try:
        fresh = MSELoss()
        fresh.forward(pred, target)
        g = np.asarray(fresh.backward(), dtype=np.float64)
    except Exception:
        return
    if g.shape == pred.shape and core.close(g, 2 * (pred - target) / pred.size, 1e-5, 1e-7):
        fail(f"MSELoss.backward() after two forward calls has wrong values, yet a fresh MSELoss given only the second "
             f"{pred.shape} batch returns the right gradient: backward depends on earlier calls (a count, sum or "
             f"value kept and added up across calls). Use only this batch: 2 * self.diff / self.diff.size, with "
             f"self.diff stored (replaced, not accumulated) by the latest forward", "mse-backward-history")


def _mse_latest(MSELoss, r):
    def run():
        loss_fn = call(MSELoss, label="MSELoss()", hint=MSE_HINT)
        p1, t1, p2, t2 = (r.normal(size=(4, 3)) for _ in range(4))
        call(loss_fn.forward, p1, t1, label="MSELoss.forward", names=("pred", "target"), hint=MSE_HINT)
        call(loss_fn.forward, p2, t2, label="MSELoss.forward", names=("pred", "target"), hint=MSE_HINT)
        grad = expect_array(call(loss_fn.backward, label="MSELoss.backward", hint=MSE_HINT), name="MSELoss.backward()", shape=(4, 3))
        diagnose_only(grad, 2 * (p2 - t2) / 12, name="MSELoss.backward() after two forward calls", diagnose={
            "backward must use the batch of the most recent forward call (store it on self)": 2 * (p1 - t1) / 12,
        }, rtol=1e-5, atol=1e-7)
        if not core.close(grad, 2 * (p2 - t2) / 12, 1e-5, 1e-7):
            _mse_backward_depends_on_history(MSELoss, p2, t2)
        expect_close(grad, 2 * (p2 - t2) / 12, name="MSELoss.backward() after two forward calls")
        _mse_backward_again(loss_fn, grad, 2 * (p2 - t2) / 12)
        _mse_other_size(loss_fn, r)
        # ... of the same instance: a cache on the class (or a global) is shared by every loss object
        other = call(MSELoss, label="MSELoss()", hint=MSE_HINT)
        call(loss_fn.forward, p1, t1, label="MSELoss.forward", names=("pred", "target"), hint=MSE_HINT)
        call(other.forward, p2, t2, label="MSELoss.forward", names=("pred", "target"), hint=MSE_HINT)
        grad = expect_array(call(loss_fn.backward, label="MSELoss.backward", hint=MSE_HINT), name="MSELoss.backward()", shape=(4, 3))
        expect_close(grad, 2 * (p1 - t1) / 12, name="MSELoss.backward() of one loss object after another object's "
                                                    "forward", diagnose={
            "backward must use what the most recent forward of the SAME instance stored: store it on self "
            "(self.diff = ...), not on the class (MSELoss.diff = ...) or in a global variable": 2 * (p2 - t2) / 12,
        })
    return run


def _mse_forward_repeated(MSELoss, r):
    """Property of every forward of this lab (the layers ask it through _repeated_forward): ONE loss object,
    forward called again and again (the same shape, then another N and D), returns for each call the loss of
    THAT batch alone. A value kept from earlier calls (a running total, a running mean, a count on self) fails
    here and nowhere else, where each case uses a fresh object. A reading of what was kept is told only when
    it fits every later call (several calls, of pairwise different sizes)."""
    def run():
        loss_fn = call(MSELoss, label="MSELoss()", hint=MSE_HINT)
        shapes = [(4, 3), (4, 3), (6, 2), (3, 5)]
        batches = [(r.normal(size=s), r.normal(size=s)) for s in shapes]
        exact = [float(np.mean((p - t) ** 2)) for p, t in batches]
        got = []
        for p, t in batches:
            name = signature("MSELoss.forward", ("pred", "target"), (p, t))
            got.append(expect_scalar(call(loss_fn.forward, p, t, label="MSELoss.forward", names=("pred", "target"),
                                          hint=MSE_HINT), name=name))
        wrong = [k for k in range(len(got)) if not core.close(got[k], exact[k], 1e-6, 1e-9)]
        if not wrong or wrong[0] == 0:
            return              # the first call of a fresh object is judged by the other cases
        k = wrong[0]
        readings = {
            "the running MEAN of the losses of every call so far (a total and a count kept on self)":
                [float(np.mean(exact[:j + 1])) for j in range(len(exact))],
            "the running SUM of the losses of every call so far (a total kept on self and added to)":
                [float(np.sum(exact[:j + 1])) for j in range(len(exact))],
            "the loss of the PREVIOUS call (a value kept on self and returned before it is updated)":
                [float("nan")] + exact[:-1],
            "the loss of the FIRST call, every time (a value computed once and kept on self)":
                [exact[0]] * len(exact),
        }
        kept = next((what for what, vals in readings.items()
                     if all(core.close(got[j], vals[j], 1e-6, 1e-9) for j in range(k, len(got)))), None)
        calls = ", ".join(f"{s}" for s in shapes)
        said = (f": yours returned {kept}, on every call from call {k + 1} on" if kept else
                f" (yours {got[k]:.6g}, expected {exact[k]:.6g})")
        fail(f"call {k + 1} of MSELoss.forward on ONE loss object (batches of shapes {calls}, one after the "
             f"other) returned the wrong loss, though the first call of a fresh object is right{said}. forward "
             f"keeps something from earlier calls: the loss is that of the batch it is given alone, "
             f"np.mean((pred - target) ** 2) computed anew at every call (keep on self only what backward needs, "
             f"such as pred - target)", "mse-forward-state-between-calls")
    return run


def _mse_other_size(loss_fn, r) -> None:
    """The same loss object on a batch of another size: backward is dL/dpred for THIS batch, so its factor
    2 / size must come from this batch too (a value computed on an earlier call and kept is stale)."""
    p3, t3 = r.normal(size=(5, 2)), r.normal(size=(5, 2))
    name = signature("MSELoss.forward", ("pred", "target"), (p3, t3))
    call(loss_fn.forward, p3, t3, label="MSELoss.forward", names=("pred", "target"), hint=MSE_HINT)
    bname = (f"MSELoss.backward() after {name}, on a loss object used before on batches of shape (4, 3)")
    exact = 2 * (p3 - t3) / 10
    grad = expect_array(call(loss_fn.backward, label="MSELoss.backward", hint=MSE_HINT, want=exact), name=bname,
                        shape=(5, 2), want=exact)
    diagnose = {}
    for n_, d_ in ((4, 3), (4, 2), (5, 3)):     # N, D or both from the earlier (4, 3) batches
        what = ("2 / 12, the factor of the EARLIER (4, 3) batches" if (n_, d_) == (4, 3) else
                f"2 / ({n_} * {d_}), with the {'N = 4' if n_ == 4 else 'D = 3'} of the EARLIER (4, 3) batches")
        diagnose[f"a value from an earlier call was reused: your backward scales this (5, 2) batch by {what} (kept "
                 f"on self from the first call?); compute 2 / pred.size from the current batch at every "
                 f"call"] = 2 * (p3 - t3) / (n_ * d_)
    expect_close(grad, exact, name=bname, diagnose=diagnose)


def _backward_again(backward, args: tuple, label: str, hint: str, head: str):
    """The second backward call after one forward (a property of every backward of this lab: it only reads
    what forward cached).  The first call worked, so a raise now means the first one cleared or replaced that
    cache: said so, with the raise."""
    try:
        return call(backward, *args, label=label, names=("grad_out",)[:len(args)], hint=hint)
    except core.CheckFailure as exc:
        found = re.search(r" raised [A-Z][\w.]*: ", str(exc))
        if found is None:
            raise
        fail(f"{head} {str(exc)[found.start() + 1:].rstrip('.')}. The first call after that forward worked, so "
             f"your first backward call cleared or replaced what forward cached (an attribute set to None, deleted "
             f"or reassigned in backward). backward must only read the cache: the gradient is for the batch of the most recent forward, "
             f"however often it is asked", "backward-clears-cache")


def _mse_backward_again(loss_fn, first, exact) -> None:
    """The docstring: backward is dL/dpred "for the batch passed to the last forward", so a second
    backward() after the same forward gives the same gradient (the cache must not change)."""
    again = _backward_again(loss_fn.backward, (), "MSELoss.backward", MSE_HINT,
                            "MSELoss.backward() called a second time after the same forward")
    if isinstance(again, np.ndarray) and again.shape == exact.shape and core.close(again, exact, 1e-6, 1e-9):
        return
    name = "MSELoss.backward() called a second time after the same forward"
    factor = 2.0 / exact.size
    if isinstance(again, np.ndarray) and again.shape == exact.shape and core.close(again, exact * factor, 1e-6, 1e-9):
        fail(f"{name} returned {factor:.4g} times the first gradient: your backward scales the array forward "
             f"cached in place (self.diff *= 2 / size, or an out= argument), so every call changes the cache. "
             f"backward must leave what forward stored as it is (the docstring: dL/dpred for the batch of the "
             f"last forward): compute a new array, return 2 * self.diff / self.diff.size",
             "mse-backward-changes-cache")
    expect_close(again, exact, name=f"{name} (the docstring: dL/dpred for the batch of the last forward; "
                                    f"backward must not change what forward cached)")


def _mse_vector_target(MSELoss, r):
    def run():
        # (N,) targets against (N, 1) predictions must not broadcast to an (N, N) comparison.
        pred, target = r.normal(size=(7, 1)), r.normal(size=7)
        loss_fn = call(MSELoss, label="MSELoss()", hint=MSE_HINT)
        name = signature("MSELoss.forward", ("pred", "target"), (pred, target))
        value = expect_scalar(call(loss_fn.forward, pred, target, label="MSELoss.forward", names=("pred", "target"),
                                   hint=MSE_HINT), name=name)
        expect_close(value, np.mean((pred[:, 0] - target) ** 2), name=name, diagnose={
            "(N,) targets broadcast against (N, 1) predictions into an (N, N) matrix: reshape the target":
                np.mean((pred - target) ** 2),
        })
        bname = f"MSELoss.backward() after {name}"
        grad = call(loss_fn.backward, label="MSELoss.backward", hint=MSE_HINT)
        if isinstance(grad, np.ndarray) and grad.shape == (7, 7):
            fail(f"{bname} returned shape (7, 7): in backward the (N,) target broadcasts against the (N, 1) "
                 f"predictions into an (N, N) matrix; use the reshaped target (or the diff cached by forward)",
                 "mse-backward-target-broadcast")
        exact = 2 * (pred - target[:, None]) / 7
        if isinstance(grad, np.ndarray) and grad.shape == (7,) and core.close(grad, exact[:, 0], 1e-5, 1e-8):
            fail(f"{bname} has the right values but the shape (7,) of the TARGET instead of pred's shape (7, 1): "
                 f"in forward pred was brought to the target's shape (pred = np.reshape(pred, target.shape), "
                 f"np.squeeze(pred) or pred.ravel()), so the difference it cached lost pred's column; leave pred "
                 f"as it is and reshape the target instead, target = np.reshape(target, pred.shape)",
                 "mse-pred-reshaped")
        grad = expect_array(grad, name=bname, shape=(7, 1))
        if not core.close(grad, exact, 1e-7, 1e-5):
            _vector_target_divisor(MSELoss, grad, exact, bname)
        expect_close(grad, exact, name=bname)
    return run


def _vector_target_divisor(MSELoss, grad, exact, bname: str) -> None:
    """A gradient for (N,) targets off by a constant factor 1/N, read again with another N (the same factor
    1/N twice, N = 7 and 5): the count backward divides by is N * N, taken from the TARGET's shape ((N,) has
    N as its last axis, where pred's (N, 1) has 1)."""
    def factor(g, e):
        g, e = np.asarray(g, dtype=np.float64).ravel(), np.asarray(e, dtype=np.float64).ravel()
        c = float(g @ e / (e @ e))
        return c if core.close(g, c * e, 1e-6, 1e-9) else None
    c7 = factor(grad, exact)
    if c7 is None or not np.isclose(c7, 1 / 7, rtol=1e-6):
        return
    r = np.random.default_rng(17)
    pred, target = r.normal(size=(5, 1)), r.normal(size=5)
    try:
        loss_fn = MSELoss()
        loss_fn.forward(pred, target)
        c5 = factor(loss_fn.backward(), 2 * (pred - target[:, None]) / 5)
    except Exception:
        return
    if c5 is not None and np.isclose(c5, 1 / 5, rtol=1e-6):
        fail(f"{bname} is the expected gradient divided by N, for N = 7 and again for N = 5: "
             f"with an (N,) target your backward divides by N * N, a count taken from the TARGET's "
             f"shape (its last axis is N, where pred's (N, 1) has 1 output). The mean runs over the N * D entries "
             f"of pred: divide by pred.size (or by the size of the difference cached in forward, after the target "
             f"was reshaped to pred's shape)", "mse-vector-target-count")


def mse_loss(MSELoss) -> None:
    r = core.rng("lab01.mse")
    cases = [(None, _mse_case(MSELoss, r, n, d, np.float64)) for n, d in MSE_SHAPES]
    cases += [(None, _mse_case(MSELoss, r, 5, 3, np.float32)), (None, _mse_vector_target(MSELoss, r)),
              (None, _mse_latest(MSELoss, r)), (None, _mse_forward_repeated(MSELoss, r))]
    run_cases(cases)


# =============================================================================================
# SGD
# =============================================================================================

SGD_HINT = ("a shape mismatch: every p.grad has the shape of its own p.data; each parameter is updated with "
            "its own gradient, p.data -= self.lr * p.grad")

def _step_verdict(got, before, grad, lr: float, name: str, SGD=None) -> None:
    """A wrong update judged by its STEP (new - old) against -lr * grad: a factor written with the
    parameter's sizes (an extra average), or what the step looks like."""
    want = -lr * grad.astype(np.float64)
    step = got.astype(np.float64) - before.astype(np.float64)
    rt, at = core.dtype_tolerance(got, 1e-5, 1e-7, float(np.abs(before).max()) + 1.0)
    # A parameter keeps its dtype (a property, also when the step is right to float32's precision).
    if got.dtype != before.dtype and got.dtype.kind == "f" and got.dtype.itemsize < before.dtype.itemsize:
        fail(f"{name}: p.data was {before.dtype} before the step and is {got.dtype} after it: the update casts the "
             f"parameter to a less precise dtype (.astype({got.dtype}) or an array of that dtype assigned to p.data), "
             f"which loses precision at every step; update in place, p.data -= self.lr * p.grad", "sgd-step-downcast")
    if core.close(step, want, rt, at):
        return
    sizes = {"len(p.grad)": int(before.shape[0])} if before.ndim else {}
    sizes["p.grad.size"] = int(before.size)
    factor = explain_factor(step, want, sizes, rtol=max(rt, 1e-5), atol=at)
    if factor:
        fail(f"{name}: the step p_new - p_old should be exactly -lr * p.grad, and {factor.replace('your result', 'yours')}"
             f" (p.grad already is the gradient of the mean loss: do not average or rescale it in the optimizer)",
             "sgd-step-scaled")
    _step_capped(step, want, grad.astype(np.float64), lr, rt, at, name)
    if SGD is not None:
        _lr_unused(SGD, before, grad, lr, step, name)
        _lr_power(SGD, before, grad, lr, name)
        _step_dependence(SGD, before, grad, lr, name)
    analysis, _ = core.analyse_difference(step, want, rt, at)
    fail(f"{name}: the step p_new - p_old should be exactly -lr * p.grad; compared with it, your step: {analysis}",
         "sgd-step-wrong")


def _step_keeps_state(after, before, grads, taken, lr: float, k: int, step: int) -> None:
    """Step ``step`` (>= 2) of parameter k is wrong: is it -lr * grad plus beta times the step the same parameter
    took at the previous call (momentum, a velocity kept per parameter)? beta is fitted on parameter k and told
    only when the same beta fits EVERY parameter (other shapes, other gradients) on every entry."""
    def fit(j):
        want = -lr * grads[j].astype(np.float64)
        got = after[j].astype(np.float64) - before[j].astype(np.float64)
        prev = taken[j].ravel()
        if not np.any(prev):
            return None, got, want
        return float(np.dot(got.ravel() - want.ravel(), prev) / np.dot(prev, prev)), got, want
    beta, got, want = fit(k)
    if beta is None or abs(beta) < 1e-6:
        return
    for j in range(len(after)):
        b, g, w = fit(j)
        if b is None:
            continue
        rt, at = core.dtype_tolerance(after[j], 1e-5, 1e-7, float(np.abs(before[j]).max()) + 1.0)
        if not core.close(g, w + beta * taken[j], rt, at):
            return
    fail(f"parameter {k} (shape {before[k].shape}) after SGD.step() number {step}: the step p_new - p_old should be "
         f"exactly -lr * p.grad (the first step was), but yours is -lr * p.grad PLUS {beta:.4g} times the step the "
         f"same parameter took at the previous call, for every parameter: your step keeps a state between calls "
         f"(a momentum / velocity, v = {beta:.4g} * v + grad): plain SGD's step depends only on the current "
         f"gradient, p.data -= self.lr * p.grad", "sgd-step-momentum")


def _step_stale_gradient(after, before, grads, prev_grads, lr: float, k: int, step: int) -> None:
    """Step ``step`` (>= 2) of parameter k is wrong: is it -lr times the gradient of the PREVIOUS call, for every
    parameter (other shapes, other values)? The training loop rebinds p.grad (backward or zero_grad may assign a
    new array): a list of the grad arrays kept from an earlier call goes on reading the old ones."""
    def fits(j, g):
        rt, at = core.dtype_tolerance(after[j], 1e-5, 1e-7, float(np.abs(before[j]).max()) + 1.0)
        return core.close(after[j].astype(np.float64) - before[j].astype(np.float64),
                          -lr * np.asarray(g, dtype=np.float64), rt, at)
    if fits(k, grads[k]) or not all(fits(j, prev_grads[j]) and not fits(j, grads[j]) for j in range(len(after))):
        return
    fail(f"parameter {k} (shape {before[k].shape}) after SGD.step() number {step}: between the two steps every "
         f"p.grad was given a NEW array (p.grad = ..., as backward or zero_grad may do), and your step is -lr times "
         f"the gradient of the previous call, for every parameter: step() used the gradient array from an earlier "
         f"call (a list of the p.grad arrays kept from the first call: state kept between calls); read p.grad "
         f"from each Parameter at every step, for p in self.params: p.data -= self.lr * p.grad",
         "sgd-step-stale-grad")


def _tiny_gradients(SGD, r) -> None:
    """Every parameter takes the step -lr * p.grad however small p.grad is: a fresh SGD on three float64
    parameters, two of them with gradients of norm 1e-6 (other shapes) and one with an ordinary gradient. A
    threshold that skips 'converged' parameters (a norm test) leaves the small ones unmoved."""
    lr = 0.1
    shapes = [(3, 4), (5,), (2, 3)]
    grads = [r.normal(size=s) for s in shapes]
    for k in (0, 1):
        grads[k] *= 1e-6 / np.linalg.norm(grads[k])
    params = [core.kernel_object(data=r.normal(size=s), grad=g.copy()) for s, g in zip(shapes, grads)]
    before = [np.array(p.data, copy=True) for p in params]
    opt = call(SGD, params, lr, label="SGD", names=("params", "lr"), hint=SGD_HINT)
    call(opt.step, label="SGD.step", hint=SGD_HINT)
    after = [expect_array(p.data, name=f"parameter {k}'s data after SGD.step", shape=b.shape)
             for k, (p, b) in enumerate(zip(params, before))]
    still = [k for k in (0, 1) if same(after[k], before[k])]
    if still == [0, 1] and not same(after[2], before[2]):
        fail(f"SGD([p0, p1, p2], lr={lr}).step() with p0.grad and p1.grad of norm 1e-06 (shapes {shapes[0]} and "
             f"{shapes[1]}) and an ordinary p2.grad: p2 moved but p0 and p1 did not: parameters with a small "
             f"gradient were skipped (a threshold on the gradient's norm or size, 'converged'?); every parameter "
             f"takes the step -lr * p.grad, however small: p.data -= self.lr * p.grad", "sgd-step-skips-small-gradient")
    for k in (0, 1, 2):
        want = -lr * grads[k]
        at = 8 * float(np.finfo(np.float64).eps) * (float(np.abs(before[k]).max()) + 1.0)
        if not core.close(after[k] - before[k], want, 1e-4, at):
            name = (f"parameter {k} (shape {shapes[k]}, gradient of norm {float(np.linalg.norm(grads[k])):.3g}) "
                    f"after SGD.step() on a fresh SGD")
            _step_verdict(after[k], before[k], grads[k], lr, name)
            analysis, _ = core.analyse_difference(after[k] - before[k], want, 1e-4, at)
            fail(f"{name}: the step p_new - p_old should be exactly -lr * p.grad, however small p.grad is; "
                 f"compared with it, your step: {analysis}", "sgd-step-small-gradient-wrong")


def _one_step(SGD, data, grad, lr: float) -> np.ndarray:
    """The step p_new - p_old a fresh SGD([p], lr) takes on one parameter (float64)."""
    p = core.kernel_object(data=np.array(data, copy=True), grad=np.array(grad, copy=True))
    opt = call(SGD, [p], lr, label="SGD", names=("params", "lr"), hint=SGD_HINT)
    call(opt.step, label="SGD.step", hint=SGD_HINT)
    return np.asarray(p.data, dtype=np.float64) - np.asarray(data, dtype=np.float64)


def _step_dependence(SGD, data, grad, lr: float, name: str) -> None:
    """Which input a wrong step depends on, by re-running step with one input changed at a time: the step
    -lr * p.grad must not change with p.data, and the step of an entry depends on that entry's gradient only."""
    data, grad = np.asarray(data), np.asarray(grad)
    if data.size < 2:
        return
    base = _one_step(SGD, data, grad, lr)
    moved = _one_step(SGD, data * 1.5 + 1.0, grad, lr)
    tol = 64 * float(np.finfo(data.dtype if data.dtype.kind == "f" else np.float64).eps) * (1.5 * float(np.abs(data).max()) + 2)
    if not core.close(moved, base, 1e-9, tol):
        again = _one_step(SGD, data * 1.5 + 1.0, grad, lr)           # confirmed, not noise
        if core.close(again, moved, 1e-12, 1e-15):
            zero = _one_step(SGD, np.zeros_like(data), grad, lr)
            right_at_zero = core.close(zero, -lr * grad.astype(np.float64), 1e-5, 1e-9)
            fail(f"{name}: your step changes when only p.data changes (same p.grad): the step of plain SGD is "
                 f"-lr * p.grad, which does not involve p.data"
                 + (" (with p.data = 0 your step is right: a term in p.data, such as a weight decay lr * c * p.data, "
                    "is added to the update)" if right_at_zero else "") + "; remove every p.data from the step",
                 "sgd-step-depends-on-data")
    doubled = _one_step(SGD, data, 2 * grad, lr)
    if bool(np.any(base)) and not core.close(doubled, 2 * base, 1e-5, tol):
        mask = np.abs(base) > tol
        ratio = float(np.median(doubled[mask] / base[mask])) if mask.any() else float("nan")
        g64 = grad.astype(np.float64)
        nb, nd, ng = (float(np.linalg.norm(v)) for v in (base / lr, doubled / lr, g64))
        if abs(nb - nd) <= 1e-4 * nb and nb < ng * (1 - 1e-4) and core.close(base, -lr * g64 * (nb / ng), 1e-5, tol):
            fail(f"{name}: doubling p.grad multiplied your step by {ratio:.3g}, not by 2: your step is -lr * p.grad "
                 f"scaled down to a gradient of norm {nb:.4g} (p.grad's own norm is {ng:.4g}), whatever p.grad's "
                 f"size: the update clips (or normalises) the "
                 f"gradient's norm. Plain SGD is linear in the gradient, with no clipping or normalising: "
                 f"p.data -= self.lr * p.grad", "sgd-step-clips-norm")
        per_entry = ""
        live = mask & (np.abs(g64) > 1e-12)
        if live.sum() > 2 and abs(ratio - 1) < 1e-3:
            size = np.abs(base[live]) / lr
            if np.ptp(size) <= 1e-3 * float(size.max()) and np.all(np.sign(base[live]) == -np.sign(g64[live])):
                per_entry = (f": every entry moved by the same amount, {float(size.mean()):.4g} * lr, against the sign "
                             f"of its gradient, whatever its size: each entry of p.grad is divided by its own size "
                             f"(np.sign(p.grad), p.grad / |p.grad|, or p.grad / sqrt(a running mean of p.grad**2) as "
                             f"in RMSprop and Adam, another optimiser)")
        if not per_entry:
            ratio_text = core.ratio_spread(base, doubled, mask)
        else:
            ratio_text = f"{ratio:.3g}"
        fail(f"{name}: doubling p.grad multiplied your step by {ratio_text}, not by 2{per_entry}: the step -lr * p.grad is "
             f"proportional to the gradient (a normalisation of p.grad, such as / norm(p.grad) or / max|p.grad|, a clip "
             f"or a sign, in the update?); p.data -= lr * p.grad", "sgd-step-not-proportional")
    one = np.zeros_like(grad)
    one.flat[data.size // 2] = grad.flat[data.size // 2] if grad.flat[data.size // 2] else 1.0
    single = _one_step(SGD, data, one, lr)
    others = np.ones(data.shape, dtype=bool)
    others.flat[data.size // 2] = False
    if bool(np.any(np.abs(single[others]) > 1e-12)):
        fail(f"{name}: with p.grad non-zero at a single entry, your step also moved {int((np.abs(single[others]) > 1e-12).sum())}"
             f" of the other {int(others.sum())} entries: the step of an entry must depend on that entry's gradient "
             f"only (a mean, sum or norm of p.grad, such as p.grad.mean(), in the update?); p.data -= lr * p.grad",
             "sgd-step-mixes-entries")


def _other_gradient(SGD, lr: float, exc: core.CheckFailure) -> None:
    """Second probe of a step that raised on parameters of different shapes: with two parameters of ONE
    shape, does the second move by the first one's gradient?  Then each parameter is not updated with its
    own p.grad (self.params[0].grad, or a gradient variable left from another loop)."""
    r = core.rng("lab01.sgd.other")
    a, b = (core.kernel_object(data=r.normal(size=(3, 2)), grad=r.normal(size=(3, 2))) for _ in range(2))
    d0, g0 = np.array(b.data, copy=True), np.array(a.grad, copy=True)
    try:
        call(call(SGD, [a, b], lr, label="SGD", names=("params", "lr"), hint=SGD_HINT).step, label="SGD.step")
    except core.CheckFailure:
        return
    if core.close(np.asarray(b.data, dtype=np.float64) - d0, -lr * g0, 1e-6, 1e-9):
        raised = str(exc).split(". ")[0]        # the error itself, without the generic shape hint
        fail(f"{raised}. With two parameters of the same shape your step runs, and the second one moves by -lr times "
             f"the FIRST parameter's gradient: every parameter must be updated with its own gradient, "
             f"p.data -= lr * p.grad (self.params[0].grad where p.grad belongs?)", "sgd-step-other-gradient")


def _transposed_gradient(SGD, lr: float, exc: core.CheckFailure) -> None:
    """A step that raised on non-square parameters: with one SQUARE parameter it runs; does it move by
    -lr * p.grad.T?  Then the gradient is transposed in the update."""
    r = core.rng("lab01.sgd.transposed")
    a = core.kernel_object(data=r.normal(size=(3, 3)), grad=r.normal(size=(3, 3)))
    d0, g0 = np.array(a.data, copy=True), np.array(a.grad, copy=True)
    try:
        call(call(SGD, [a], lr, label="SGD", names=("params", "lr"), hint=SGD_HINT).step, label="SGD.step")
    except core.CheckFailure:
        return
    if core.close(np.asarray(a.data, dtype=np.float64) - d0, -lr * g0.T, 1e-6, 1e-9):
        raised = str(exc).split(". ")[0]
        fail(f"{raised}. With a square parameter your step runs and moves p.data by -lr * p.grad.T: the gradient "
             f"is transposed in the update; p.grad already has the shape of p.data, p.data -= lr * p.grad",
             "sgd-step-transposed-gradient")


def _array_method(exc: core.CheckFailure, label: str) -> None:
    """An AttributeError of a NumPy array: a method NumPy does not have, usually a PyTorch habit."""
    found = re.search(r"'numpy\.ndarray' object has no attribute '(\w+)'", str(exc))
    if not found:
        return
    attr = found.group(1)
    torch = attr.endswith("_") or attr in ("detach", "numpy", "item_", "zero", "data_ptr", "backward", "clone")
    fail(f"{str(exc).split('. ')[0]}. p.data and p.grad are NumPy arrays, and a NumPy array has no method "
         f"{attr}()" + (" (a PyTorch tensor method)" if torch else "") + f": in {label} use NumPy operations on "
         f"the array, such as p.grad[...] = 0 (or p.grad = np.zeros_like(p.data)) to reset and "
         f"p.data -= self.lr * p.grad to update", "numpy-array-has-no-method")


def _other_parameter_shape(exc: core.CheckFailure, shapes: list) -> None:
    """An in-place update of one parameter that met a value of ANOTHER parameter's shape (and not its own):
    something computed for one parameter reached the update of another (one buffer kept on self and
    shared by every parameter, such as a velocity)."""
    found = re.search(r"non-broadcastable output operand with shape \(([\d, ]*)\) doesn't match the broadcast "
                      r"shape \(([\d, ]*)\)", str(exc))
    if not found:
        return
    target, result = (tuple(int(d) for d in re.findall(r"\d+", m)) for m in found.groups())
    others = [k for k, s in enumerate(shapes) if tuple(s) == result and tuple(s) != target]
    if not others:
        return
    fail(f"{str(exc).split('. ')[0]}: the update of a parameter of shape {target} met a value of shape {result}, "
         f"the shape of parameter {others[0]}, not its own: something computed for one parameter reached another "
         f"one's update (one array kept on self, such as a velocity, shared by every parameter?); plain SGD keeps "
         f"no state: p.data -= self.lr * p.grad with each parameter's own grad", "sgd-step-state-shared")


def _update_into_grad(params, moved, before, grads, lr: float, step: int) -> None:
    """The parameters kept their values but some gradients changed: where did the update go? p.grad now
    holding p.data - lr * p.grad (np.add(p.data, -lr * p.grad, out=p.grad), p.grad[...] = ...) is the update
    written into the gradient; any other change of p.grad is told as such (which parameters, not a cause)."""
    if not moved:
        return
    rows = [(k, np.asarray(params[k].grad, dtype=np.float64), before[k].astype(np.float64) - lr * grads[k].astype(np.float64))
            for k in moved]
    if all(g.shape == w.shape and core.close(g, w, 1e-5, 1e-7) for _, g, w in rows):
        fail(f"the parameters did not change after SGD.step() number {step}, but p.grad of parameters {moved} now "
             f"holds p.data - lr * p.grad: the update was written into .grad, not .data (an out=p.grad, or "
             f"p.grad[...] = ... / p.grad = ...). step must update p.data in place and leave p.grad as it is: "
             f"p.data -= self.lr * p.grad", "sgd-step-result-into-grad")
    fail(f"the parameters did not change after SGD.step() number {step}, but the gradients of parameters {moved} "
         f"did: step changed p.grad instead of p.data; step must update p.data in place, p.data -= self.lr * "
         f"p.grad, and leave p.grad as it is (zero_grad resets it)", "sgd-step-changes-grad-not-data")


def _step_moves_later(SGD, lr: float, step: int) -> None:
    """A step() that left every parameter unchanged: ask a fresh SGD on new parameters (shapes (3, 4) and (5,))
    over three calls, each with new gradients. If some call moves the parameters, the update does reach them
    (not a rebinding): say which call moved and whether by -lr times the PREVIOUS call's gradients (one step
    late, state kept across calls). Silent when no call ever moves them (the caller tells the rebinding)."""
    r = np.random.default_rng(1601)
    shapes = [(3, 4), (5,)]
    params = [core.kernel_object(data=r.normal(size=s), grad=r.normal(size=s)) for s in shapes]
    try:
        opt = call(SGD, params, lr, label="SGD", names=("params", "lr"), hint=SGD_HINT)
        moves, grads = [], []
        for _ in range(3):
            g = [np.array(p.grad, dtype=np.float64, copy=True) for p in params]
            b = [np.array(p.data, dtype=np.float64, copy=True) for p in params]
            call(opt.step, label="SGD.step", hint=SGD_HINT)
            moves.append([np.asarray(p.data, dtype=np.float64) - b0 for p, b0 in zip(params, b)])
            grads.append(g)
            for p in params:
                p.grad = r.normal(size=np.shape(p.data))
    except (core.CheckFailure, ValueError, TypeError):
        return
    if any(m.shape != g.shape for ms, gs in zip(moves, grads) for m, g in zip(ms, gs)):
        return
    still = [c for c in range(3) if not any(np.any(m) for m in moves[c])]
    if len(still) == 3:
        return
    first = min(c for c in range(3) if c not in still)
    late = all(core.close(m, -lr * g, 1e-5, 1e-7) for c in range(1, 3) for m, g in zip(moves[c], grads[c - 1]))
    if late and 0 in still:
        fail(f"SGD.step() number {step} left every parameter unchanged; called three times on a fresh SGD with new "
             f"gradients before each call, the first call moved nothing and each later call moved the parameters by "
             f"-lr times the PREVIOUS call's gradients: your step uses the previous call's gradient, one step late "
             f"(gradients kept on self across calls and applied at the next call). Plain SGD keeps no state: each "
             f"call moves p.data by -lr * the current p.grad, p.data -= self.lr * p.grad", "sgd-step-one-late")
    fail(f"SGD.step() number {step} left every parameter unchanged, yet on a fresh SGD called three times with new "
         f"gradients, call {first + 1} moved them (calls {[c + 1 for c in still]} moved nothing): the update "
         f"does reach the parameters, but not at every call; step keeps something on self across calls. Each call "
         f"must move p.data by -lr * the current p.grad: p.data -= self.lr * p.grad", "sgd-step-skips-calls")


def _lr_unused(SGD, data, grad, lr: float, step, name: str) -> None:
    """Second probe of a wrong step: the same step with another lr means the learning rate is not self.lr
    (a number written in its place); say which step size it takes."""
    data, grad = np.asarray(data), np.asarray(grad)
    if not bool(np.any(step)):
        return
    other = _one_step(SGD, data, grad, 2.5 * lr)
    tol = 64 * float(np.finfo(np.float64).eps) * (float(np.abs(data).max()) + 1.0)
    if core.close(other, _one_step(SGD, data, grad, lr), 1e-9, tol):
        g = grad.astype(np.float64)
        mask = np.abs(g) > 1e-12
        k = float(np.median(-step[mask] / g[mask])) if mask.any() else float("nan")
        fixed = core.close(step, -k * g, 1e-5, tol)
        fail(f"{name}: your step is the same for lr = {lr:.4g} and lr = {2.5 * lr:.4g}: the learning rate given to "
             f"SGD(params, lr) is not used"
             + (f"; your step is -{k:.4g} * p.grad, a fixed learning rate {k:.4g} written in its place" if fixed else "")
             + ": p.data -= self.lr * p.grad", "sgd-lr-unused")


def _lr_power(SGD, data, grad, lr: float, name: str) -> None:
    """Second probe of a wrong step: doubling lr must double the step; a step that halves goes like 1/lr
    (p.grad / lr), one that quadruples like lr**2."""
    data, grad = np.asarray(data), np.asarray(grad)
    base = _one_step(SGD, data, grad, lr)
    if not bool(np.any(base)):
        return
    double = _one_step(SGD, data, grad, 2 * lr)
    tol = 64 * float(np.finfo(np.float64).eps) * (float(np.abs(data).max()) + 1.0)
    told = {0.5: "it halves: your step goes like 1 / lr, the gradient is DIVIDED by the learning rate (p.grad / lr)",
            4.0: "it quadruples: the learning rate enters twice (lr * lr * p.grad)"}
    for ratio, said in told.items():
        if core.close(double, ratio * base, 1e-6, tol):
            fail(f"{name}: doubling lr from {lr:.4g} to {2 * lr:.4g} must double the step, but {said}; the step is "
                 f"-lr * p.grad: p.data -= self.lr * p.grad", "sgd-step-lr-power")


def _step_capped(step, want, grad, lr: float, rt: float, at: float, name: str) -> None:
    """Right where |grad| is small, the same magnitude (with the right sign) wherever it is large: a clip."""
    bad = ~np.isclose(step, want, rtol=rt, atol=at)
    if not bad.any() or bad.all():
        return
    caps = np.abs(step[bad]) / lr
    c = float(caps.mean())
    if not (np.allclose(caps, c, rtol=1e-4) and np.all(np.sign(step[bad]) == np.sign(want[bad]))
            and np.all(np.abs(grad[bad]) > c) and np.all(np.abs(grad[~bad]) <= c * (1 + 1e-6))):
        return
    fail(f"{name}: the step p_new - p_old should be exactly -lr * p.grad; yours is right where |p.grad| <= {c:.4g} "
         f"and capped at lr * {c:.4g} wherever |p.grad| is larger: the gradient is clipped (np.clip(p.grad, "
         f"-{c:.4g}, {c:.4g})?); plain SGD uses p.grad as it is", "sgd-step-clipped")


def _lr_changed(opt, lr: float, step: int, after, before, grads) -> None:
    """A wrong step taken after the optimizer changed its own learning rate (a decay inside step()):
    the state the step reads, not its formula, is what changed."""
    if all(core.close(a, d0 - lr * g0, 1e-5, 1e-7) for a, d0, g0 in zip(after, before, grads)):
        return
    try:
        now = float(opt.lr)
    except Exception:      # no lr attribute, or not a number: nothing to say about it
        return
    if now == lr and step > 1:
        steps = [(a.astype(np.float64) - d0.astype(np.float64), -lr * g0.astype(np.float64))
                 for a, d0, g0 in zip(after, before, grads)]
        big = [(st[np.abs(w) > 1e-9], w[np.abs(w) > 1e-9]) for st, w in steps]
        ratios = np.concatenate([st / w for st, w in big if w.size]) if any(w.size for _, w in big) else np.array([])
        if ratios.size > 2:
            k = float(np.median(ratios))
            if k not in (0.0, 1.0) and all(core.close(st, k * w, 1e-5, 1e-7) for st, w in steps):
                fail(f"SGD.step() number {step}: step number 1 was exact, but this one is {k:.4g} times -lr * p.grad "
                     f"for every parameter, with the same self.lr: step() keeps something between calls that "
                     f"changes the step (a step counter such as lr / t, a decay); plain SGD takes the same rule at "
                     f"every call, p.data -= self.lr * p.grad", "sgd-step-state")
    if now != lr:
        fail(f"SGD.step() number {step}: self.lr is {now:.6g} after the call, but SGD was created with lr = {lr:.6g}: "
             f"step() changes the learning rate it reads (a decay such as self.lr *= 0.99 inside step), so every "
             f"later step is wrong; plain SGD keeps lr fixed, p.data -= self.lr * p.grad (a schedule belongs in "
             f"the training loop)", "sgd-step-changes-lr")


def _lr_read_each_step(opt, params, lr: float) -> None:
    """State kept between calls: a training loop's schedule sets optimizer.lr between steps; the next step must take
    the new value (p <- p - lr * dL/dp with the optimizer's lr of now, not one read on an earlier call)."""
    new_lr = lr * 0.37
    try:
        opt.lr = new_lr
    except Exception:        # an optimizer that refuses the attribute: nothing to ask here
        return
    grads = [np.array(p.grad, copy=True) for p in params]
    before = [np.array(p.data, copy=True) for p in params]
    call(opt.step, label="SGD.step", hint=SGD_HINT)
    for k, (p, d0, g0) in enumerate(zip(params, before, grads)):
        got = expect_array(p.data, name=f"parameter {k}'s data after SGD.step", shape=d0.shape)
        tol = (1e-5, 1e-7) if d0.dtype == np.float64 else (1e-4, 1e-5)
        if core.close(got, d0 - new_lr * g0, *tol):
            continue
        if core.close(got, d0 - lr * g0, *tol):
            fail(f"SGD.step() after optimizer.lr was set from {lr:.4g} to {new_lr:.4g} between two steps: parameter "
                 f"{k} moved by the OLD learning rate {lr:.4g}: step() used a value from an earlier call (state kept "
                 f"between calls, e.g. lr read once and stored); a schedule changes optimizer.lr between steps, so "
                 f"read self.lr at every step: p.data -= self.lr * p.grad", "sgd-lr-read-once")
        expect_close(got, d0 - new_lr * g0, name=f"parameter {k} (shape {d0.shape}) after SGD.step() with "
                                                 f"optimizer.lr set to {new_lr:.4g} between steps (the step must "
                                                 f"use the optimizer's lr of now)")


def sgd(SGD) -> None:
    r = core.rng("lab01.sgd")
    lr = float(r.uniform(0.05, 0.5))
    shapes = [(3, 4), (1, 4), (5,), (2, 3)]
    params = [core.kernel_object(data=r.normal(size=s), grad=r.normal(size=s)) for s in shapes]
    params.append(core.kernel_object(data=r.normal(size=(4, 2)).astype(np.float32),     # float32 too
                                     grad=r.normal(size=(4, 2)).astype(np.float32)))
    opt = call(SGD, params, lr, label="SGD", names=("params", "lr"), hint=SGD_HINT)
    taken: list = []                  # the steps p_new - p_old of the previous call, per parameter
    prev_grads: list = []             # the gradients of the previous call, per parameter
    for step in (1, 2, 3):
        # Copies: locally (outside the judge) p.data is the very array the student updates in place.
        grads = [np.array(p.grad, copy=True) for p in params]
        before = [np.array(p.data, copy=True) for p in params]
        try:
            call(opt.step, label="SGD.step", hint=SGD_HINT)
        except core.CheckFailure as exc:
            if (exc.diagnosis or "").startswith("raised-"):
                _other_gradient(SGD, lr, exc)
                _transposed_gradient(SGD, lr, exc)
                _other_parameter_shape(exc, [np.shape(p.data) for p in params])
                _array_method(exc, "SGD.step")
            raise
        after = [expect_array(p.data, name=f"parameter {k}'s data after SGD.step", shape=b.shape)
                 for k, (p, b) in enumerate(zip(params, before))]
        if all(same(a, b) for a, b in zip(after, before)):
            moved = [k for k, (p, g0) in enumerate(zip(params, grads)) if not same(np.asarray(p.grad), g0)]
            if moved and all(core.close(np.asarray(params[k].grad, dtype=np.float64),
                                        (1 - lr) * grads[k].astype(np.float64), 1e-5, 1e-7) for k in moved):
                fail("the parameters did not change after SGD.step(), but their gradients did: each p.grad became "
                     "p.grad - lr * p.grad; the update belongs to the data, p.data -= lr * p.grad",
                     "sgd-step-updates-grad")
            _update_into_grad(params, moved, before, grads, lr, step)
            _step_moves_later(SGD, lr, step)
            fail("the parameters did not change after SGD.step(): the update must reach each Parameter "
                 "(p.data -= lr * p.grad); assigning to a loop variable or a local copy "
                 "(p = p - ..., data = data - ...) changes nothing the caller sees", "sgd-step-no-change")
        _lr_changed(opt, lr, step, after, before, grads)
        for k, (got, d0, g0) in enumerate(zip(after, before, grads)):
            name = f"parameter {k} (shape {d0.shape}) after SGD.step() number {step}"
            if same(got, d0):
                fail(f"{name} did not change: every parameter takes a step", "sgd-parameter-skipped")
            wrong = {
                "the update has the wrong sign: gradient descent is p - lr * grad": d0 + lr * g0,
                "the learning rate is ignored": d0 - g0,
                "the step is taken twice (or lr doubled)": d0 - 2 * lr * g0,
                "the step uses the parameter's value instead of its gradient: p.data -= lr * p.grad": d0 - lr * d0,
            }
            diagnose_only(got, d0 - lr * g0, name=name, diagnose=wrong, rtol=1e-5, atol=1e-7)
            if taken:
                _step_keeps_state(after, before, grads, taken, lr, k, step)
                _step_stale_gradient(after, before, grads, prev_grads, lr, k, step)
            _step_verdict(got, d0, g0, lr, name, SGD)
            expect_close(got, d0 - lr * g0, name=name, diagnose=wrong)
            gk = expect_array(params[k].grad, name=f"parameter {k}'s grad after SGD.step", shape=g0.shape)
            if not np.any(gk) and np.any(g0):
                fail("SGD.step() reset the gradients to zero: step only updates each p.data; resetting the "
                     "grads is zero_grad's job (the training loop calls it)", "sgd-step-resets-grads")
            expect_close(gk, g0, name=f"parameter {k}'s grad after SGD.step (step must not change the grads; "
                                      f"zero_grad does that)")
        taken = [a.astype(np.float64) - b.astype(np.float64) for a, b in zip(after, before)]
        prev_grads = grads
        for p in params:                       # new gradients for the next step (the third: large ones)
            p.grad = (r.normal(size=np.shape(p.data)) * (1.0 if step == 1 else 40.0)).astype(np.asarray(p.data).dtype)
    _lr_read_each_step(opt, params, lr)
    _tiny_gradients(SGD, r)
    before = [np.array(p.data, copy=True) for p in params]
    old_grads = [np.array(p.grad, copy=True) for p in params]
    try:
        call(opt.zero_grad, label="SGD.zero_grad", hint=SGD_HINT)
    except core.CheckFailure as exc:
        _array_method(exc, "SGD.zero_grad")
        _zero_grad_some_ndim(SGD, exc, [np.shape(p.data) for p in params])
        raise
    for k, (p, d0) in enumerate(zip(params, before)):
        g = p.grad
        if not isinstance(g, np.ndarray):
            what = core.describe(g)
            if "ndarray" in what:        # an array that cannot come back as numbers: of Python objects
                try:
                    shape, kind = tuple(g.shape), str(g.dtype.kind)
                except Exception:
                    shape, kind = None, ""
                if kind == "O":
                    what = (f"an array of dtype object and shape {shape}"
                            + (", what np.zeros_like(p) makes of the Parameter object p itself: the zeros must "
                               "be np.zeros_like(p.data)" if shape == () else ""))
            fail(f"SGD.zero_grad must reset every grad to an array of zeros of the shape of data "
                 f"(parameter {k}'s grad became {what})", "zero-grad-not-an-array")
        if not same(p.data, d0):
            fail("SGD.zero_grad changed the parameters' data: it must reset the grads only",
                 "zero-grad-changed-data")
        if g.shape == d0.shape and g.dtype.kind == "f" and not np.all(np.isfinite(g)):
            # uninitialised memory (np.empty_like) may hold NaN or inf bit patterns: told as what it is
            fail(f"SGD.zero_grad must reset every gradient to zero: parameter {k}'s grad holds NaN or inf values "
                 f"({int(np.sum(~np.isfinite(g)))} of {g.size} entries) that were not its gradient: np.empty / "
                 f"np.empty_like do NOT fill with zeros, they leave whatever is in memory; use np.zeros_like(p.data) "
                 f"or p.grad[...] = 0", "zero-grad-not-reset")
        g = expect_array(g, name=f"parameter {k}'s grad after zero_grad", shape=d0.shape)
        if g.dtype.kind == "f" and d0.dtype.kind == "f" and g.dtype.itemsize < d0.dtype.itemsize:
            fail(f"SGD.zero_grad must reset every grad to zeros of its parameter's dtype: parameter {k} holds "
                 f"{d0.dtype} data, but its grad became {g.dtype} zeros (np.zeros(..., dtype={g.dtype})?): every "
                 f"gradient accumulated into it afterwards (p.grad += ...) is rounded to {g.dtype}, losing the "
                 f"precision of the {d0.dtype} data; use np.zeros_like(p.data) or p.grad[...] = 0",
                 "zero-grad-dtype")
        if np.any(g != 0):
            kept = same(g, old_grads[k])
            if kept:
                _detached(opt, params)
            _partial_reset(g, old_grads[k], k)
            fail("SGD.zero_grad must reset every gradient to zero: gradients would accumulate across steps"
                 + (f" (parameter {k}'s grad is unchanged)" if kept else
                    f" (parameter {k}'s grad holds non-zero values such as {', '.join(f'{float(v):.4g}' for v in g.ravel()[np.flatnonzero(g)[:3]])} "
                    f"that were not its gradient: np.empty / np.empty_like do NOT fill with zeros, they leave whatever "
                    f"is in memory; use np.zeros_like(p.data) or p.grad[...] = 0)"),
                 "zero-grad-not-reset")
    _zero_grad_after_rebind(opt, params, r)
    _grads_separate(SGD, r)
    _two_optimisers(SGD, r)
    _zero_gradient_first(SGD, r)


def _zero_grad_after_rebind(opt, params: list, r) -> None:
    """State kept between calls: after a first zero_grad, every p.grad is given a NEW array (p.grad = ..., as a
    backward may assign); the next zero_grad must reset those, not the arrays of its first call (a list of the
    grad arrays kept on self)."""
    for p in params:
        p.grad = r.normal(size=np.shape(p.data)).astype(np.asarray(p.data).dtype)
    try:
        call(opt.zero_grad, label="SGD.zero_grad", hint=SGD_HINT)
    except core.CheckFailure:
        return                                  # judged by the first zero_grad's questions
    left = [k for k, p in enumerate(params) if isinstance(p.grad, np.ndarray) and np.any(p.grad != 0)]
    if len(left) == len(params):
        fail(f"SGD.zero_grad() called a second time, after every p.grad was given a NEW array (p.grad = ..., as "
             f"backward may do), left all {len(params)} gradients as they were (the first call reset them): "
             f"zero_grad reset the gradient arrays of an earlier call (a list of the p.grad arrays kept from the first "
             f"call: state kept between calls); reach each Parameter's grad at every call, for p in self.params: "
             f"p.grad[...] = 0 (or p.grad = np.zeros_like(p.data))", "zero-grad-stale-grads")


_ACCUMULATE = """
def accumulate(params):
    for k, p in enumerate(params):
        p.grad += k + 1
"""


def _grads_separate(SGD, r) -> None:
    """After zero_grad every parameter owns its gradient array: a backward adds into each p.grad in place
    (W.grad += ...), so two parameters holding one array (equal shapes) would receive each other's gradient."""
    shapes = [(3, 2), (3, 2), (2,), (3, 2)]
    params = [core.kernel_object(data=r.normal(size=s), grad=r.normal(size=s)) for s in shapes]
    opt = call(SGD, params, 0.1, label="SGD", names=("params", "lr"), hint=SGD_HINT)
    call(opt.zero_grad, label="SGD.zero_grad", hint=SGD_HINT)
    if not all(isinstance(p.grad, np.ndarray) and np.shape(p.grad) == s and not np.any(p.grad)
               for p, s in zip(params, shapes)):
        return                      # judged by the main check
    core.kernel_functions(_ACCUMULATE)["accumulate"](params)
    got = [np.asarray(p.grad) for p in params]
    for k, g in enumerate(got):
        if g.shape == shapes[k] and not np.allclose(g, k + 1):
            others = [j for j in range(len(params)) if j != k and shapes[j] == shapes[k]]
            fail(f"after SGD.zero_grad on parameters of shapes {shapes}, adding k + 1 into each parameter k's grad in "
                 f"place (as a layer's backward does, p.grad += ...) left parameter {k}'s grad holding "
                 f"{float(np.ravel(g)[0]):g} instead of {k + 1}: parameters {[k] + others} share one gradient "
                 f"array, the same array was given to several parameters (one np.zeros made once, outside the "
                 f"loop), so each receives the others' gradients. Give every parameter its own zeros, "
                 f"p.grad = np.zeros_like(p.data) inside the loop, or reset in place, p.grad[...] = 0",
                 "zero-grad-shared-array")


def _zero_grad_some_ndim(SGD, exc: core.CheckFailure, shapes: list) -> None:
    """zero_grad raised: does it work when every parameter has the same number of dimensions? Then it handles
    only some numbers of dimensions (p.grad[:, :] = 0 fails on a 1-D bias); say which ones work."""
    if not (exc.diagnosis or "").startswith("raised-"):
        return
    r = np.random.default_rng(1803)
    works, fails = [], []
    for ndim in sorted({len(s) for s in shapes}):
        group = [s for s in shapes if len(s) == ndim]
        params = [core.kernel_object(data=r.normal(size=s), grad=r.normal(size=s)) for s in group]
        try:
            opt = call(SGD, params, 0.1, label="SGD", names=("params", "lr"), hint=SGD_HINT)
            call(opt.zero_grad, label="SGD.zero_grad", hint=SGD_HINT)
            ok = all(isinstance(p.grad, np.ndarray) and np.shape(p.grad) == s and not np.any(p.grad)
                     for p, s in zip(params, group))
        except core.CheckFailure:
            ok = False
        (works if ok else fails).append(ndim)
    if works and fails:
        fail(f"{str(exc).split('. This is')[0]}. SGD.zero_grad resets gradients of {' and '.join(f'{d}-D' for d in works)} parameters but raises "
             f"on {' and '.join(f'{d}-D' for d in fails)} ones (shapes {[s for s in shapes if len(s) in fails]}): an "
             f"index such as p.grad[:, :] assumes a number of dimensions; zero_grad must reset a gradient of ANY "
             f"number of dimensions (a bias is 1-D): p.grad[...] = 0, p.grad.fill(0) or "
             f"p.grad = np.zeros_like(p.data)", "zero-grad-some-ndim")


def _zero_gradient_first(SGD, r) -> None:
    """A parameter whose gradient is all zero (a layer that got no gradient this step) placed FIRST: step must
    still move every later parameter by -lr * its gradient. Confirmed with the zero gradient placed last."""
    lr = 0.3
    shapes = [(2, 3), (4,), (3, 2)]
    for zero_at in (0, len(shapes) - 1):
        params = [core.kernel_object(data=r.normal(size=s), grad=np.zeros(s) if k == zero_at else r.normal(size=s))
                  for k, s in enumerate(shapes)]
        before = [np.array(p.data, copy=True) for p in params]
        grads = [np.array(p.grad, copy=True) for p in params]
        opt = call(SGD, params, lr, label="SGD", names=("params", "lr"), hint=SGD_HINT)
        call(opt.step, label="SGD.step", hint=SGD_HINT)
        stuck = [k for k, (p, b, g) in enumerate(zip(params, before, grads))
                 if np.any(g) and same(np.asarray(p.data), b)]
        if zero_at == 0 and not stuck:
            return
        if zero_at == 0:
            first = stuck
            continue
        name = f"SGD.step() on parameters of shapes {shapes} whose parameter 0 has a gradient of all zeros"
        if not stuck:
            fail(f"{name}: parameters {first} (non-zero gradients, placed AFTER it) did not move, while with the "
                 f"zero gradient placed last every other parameter moved: the loop stops at a parameter whose "
                 f"gradient is zero (a return or break where continue, or nothing, belongs). Every parameter "
                 f"moves by -lr * its own gradient, p.data -= self.lr * p.grad (a zero gradient moves it by zero)",
                 "sgd-step-stops-at-zero-grad")
        fail(f"{name}: parameters {first} (non-zero gradients) did not move: every parameter moves by -lr * its "
             f"own gradient, p.data -= self.lr * p.grad", "sgd-step-zero-grad-stuck")


def _detached(opt, params: list) -> None:
    """zero_grad left a caller's grad as it was: does the optimizer still hold the caller's Parameters? A
    step after zero_grad that moves none of them means zero_grad replaced them with new objects."""
    before = [np.array(p.data, copy=True) for p in params]
    for p in params:
        p.grad = np.ones(np.shape(p.data), dtype=np.asarray(p.data).dtype)
    try:
        call(opt.step, label="SGD.step", hint=SGD_HINT)
    except core.CheckFailure:
        return
    if all(same(p.data, b) for p, b in zip(params, before)):
        fail("SGD.zero_grad left the caller's gradients as they were, and after it SGD.step() no longer moves the "
             "caller's parameters (their data stayed the same with grads of ones): zero_grad replaced the "
             "optimizer's Parameter objects with new ones (Parameter(p.data), copies, a new list of them), so "
             "the model's own Parameters are reset and updated no more. Keep the same objects and reset each "
             "gradient in place: for p in self.params: p.grad[...] = 0", "zero-grad-replaces-parameters")


def _two_optimisers(SGD, r) -> None:
    """Each optimiser keeps its own lr and parameters: SGD(params, lr) twice, then the FIRST steps."""
    lr_a, lr_b = 0.1, 0.5
    pa = core.kernel_object(data=r.normal(size=(3, 2)), grad=r.normal(size=(3, 2)))
    pb = core.kernel_object(data=r.normal(size=(2, 4)), grad=r.normal(size=(2, 4)))
    opt_a = call(SGD, [pa], lr_a, label="SGD", names=("params", "lr"), hint=SGD_HINT)
    call(SGD, [pb], lr_b, label="SGD", names=("params", "lr"), hint=SGD_HINT)
    da, ga, db = (np.array(a, copy=True) for a in (pa.data, pa.grad, pb.data))
    call(opt_a.step, label="SGD.step", hint=SGD_HINT)
    got_a, got_b = np.asarray(pa.data), np.asarray(pb.data)
    name = f"SGD([pa], lr={lr_a}) created before SGD([pb], lr={lr_b})"
    if core.close(got_a, da - lr_b * ga, 1e-5, 1e-7):
        fail(f"{name}: its step() moved pa with the SECOND optimiser's lr = {lr_b}, not its own {lr_a}: the "
             f"learning rate is stored on the class (SGD.lr = lr), which every optimiser shares; store it on the "
             f"instance, self.lr = lr", "sgd-lr-on-class")
    if same(got_a, da) and not same(got_b, db):
        fail(f"{name}: its step() updated pb, the second optimiser's parameter, and left its own pa unchanged: "
             f"the parameter list is stored on the class (SGD.params = ...), which every optimiser shares; store "
             f"it on the instance, self.params = list(params)", "sgd-params-on-class")
    expect_close(got_a, da - lr_a * ga, name=f"pa after step() of {name}")


def _partial_reset(g, old, k: int) -> None:
    """Some entries zeroed, the others still the old gradient: an index that selects part of the array."""
    zero = g == 0
    if not zero.any() or old.shape != g.shape or not np.array_equal(g[~zero], old[~zero]):
        return
    if g.ndim == 2 and len(g) > 1 and zero[0].all() and not zero[1:].all(axis=1).any():
        where = ("only its first row was reset: p.grad[0] = 0 sets row 0")
    else:
        where = (f"only {int(zero.sum())} of its {g.size} entries were reset: an index selects part of the array")
    fail(f"SGD.zero_grad must reset every gradient to zero: parameter {k}'s grad still holds the old gradient "
         f"outside the part that was reset ({where}); reset every entry, p.grad[...] = 0 or p.grad[:] = 0, or "
         f"p.grad = np.zeros_like(p.data)", "zero-grad-partial")


# =============================================================================================
# Sequential (on mock layers)
# =============================================================================================

class _Param:
    def __init__(self, data, grad):
        self.data, self.grad = data, grad


class _Affine:
    """A mock layer y = x @ A + 1 from width ``d_in`` to ``d_out`` that logs every call."""

    def __init__(self, name, A, log):
        self.name, self.A, self.log = name, A, log
        # W and b like a Linear layer's (code that asks hasattr(layer, "W") works on them too)
        self.W = _Param(np.full((1, 1), float(A.sum())), np.zeros((1, 1)))
        self.b = _Param(np.full((1, 1), 1.0 + float(A.sum())), np.zeros((1, 1)))
        self.received, self.dtypes, self.bdtypes = [], [], []    # dtypes of each argument, as it arrived
        self.asked = False       # parameters() called       # (kind, shape) of each call's argument

    def forward(self, x):
        self.dtypes.append(str(getattr(x, "dtype", type(x).__name__)))
        x = np.asarray(x, dtype=np.float64)
        self.log.append(("forward", self.name))
        self.received.append(("forward", x.shape, x.copy()))
        if x.ndim != 2 or x.shape[1] != self.A.shape[0]:
            return np.zeros((x.shape[0] if x.ndim else 1, self.A.shape[1]))
        return x @ self.A + 1.0

    def backward(self, g):
        self.bdtypes.append(str(getattr(g, "dtype", type(g).__name__)))
        g = np.asarray(g, dtype=np.float64)
        self.log.append(("backward", self.name))
        self.received.append(("backward", g.shape, g.copy()))
        if g.ndim != 2 or g.shape[1] != self.A.shape[1]:
            return np.zeros((g.shape[0] if g.ndim else 1, self.A.shape[0]))
        return g @ self.A.T

    def parameters(self):
        self.asked = True
        return [self.W, self.b]

    __call__ = forward


def _stopped_early(order: list, want: list) -> str:
    """What a proper beginning of the expected calls says: after the first layer only, a `return` inside the
    loop; all but the last layer, a loop range one short (the two differ with three layers)."""
    if len(order) > len(want) and order[:len(want)] == want:
        again = order[len(want):]
        return (f": every layer ran once in order, then {', '.join(again)} ran a second time after the loop: the "
                f"loop's last output is already the model's output (return x after the loop, not "
                f"layer.forward(x) again, which applies the last layer twice)")
    if not order or len(order) >= len(want) or order != want[:len(order)]:
        return ""
    if len(order) == 1:
        return (f": the loop stopped after {order[-1]}, so the later layers never ran (is the `return` indented "
                f"inside the loop? it must come after the loop)")
    if len(order) == len(want) - 1:
        return (f": every layer ran but the last one, {want[-1]}: the loop stops one layer early (self.layers[:-1] "
                f"or range(len(self.layers) - 1) where every layer belongs?)")
    return f": the loop stopped after {order[-1]}, so the later layers never ran"


def _how_changed(got: np.ndarray, want: np.ndarray) -> str:
    """What turns ``want`` into ``got`` (same shape), told from every entry: clipped to a range, scaled by one
    factor, or else where and by how much they differ."""
    g, w = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    lo, hi = float(g.min()), float(g.max())
    cut = (w > hi + 1e-9) | (w < lo - 1e-9)
    if cut.any() and core.close(g, np.clip(w, lo, hi), 1e-6, 1e-9):
        return (f": it is that gradient CLIPPED to [{lo:.4g}, {hi:.4g}] (np.clip): the entries inside the range are "
                f"right, the {int(cut.sum())} of {w.size} beyond it were cut to the bounds")
    big = np.abs(w) > 1e-9
    if big.sum() >= 2:
        k = float(np.median(g[big] / w[big]))
        if k != 0 and abs(k - 1) > 1e-6 and core.close(g, k * w, 1e-6, 1e-9):
            return f": it is that array times {k:.4g} (every entry scaled by the same factor)"
    analysis, _ = core.analyse_difference(g, w, 1e-6, 1e-9)
    return f" ({analysis})"


WIDTHS = (3, 5, 2, 4)          # pairwise different: a layer fed the wrong array is seen at once
SEQUENTIAL_HINT = ("a shape mismatch: forward feeds each layer the previous layer's output (first layer first) "
                   "and backward each layer the gradient the next layer returned (last layer first)")


def _sequential_case(Sequential, r, n):
    def run():
        log = []
        As = [r.normal(size=(a, b)) for a, b in zip(WIDTHS, WIDTHS[1:])]
        layers = [_Affine(f"layer{i}", A, log) for i, A in enumerate(As)]
        model = call(Sequential, *layers, label="Sequential", names=("layer0", "layer1", "layer2"), hint=SEQUENTIAL_HINT)
        x = r.normal(size=(n, WIDTHS[0]))
        name = signature("Sequential.forward", ("x",), (x,))
        y = call(model.forward, x, label="Sequential.forward", names=("x",), hint=SEQUENTIAL_HINT)
        order = [who for kind, who in log if kind == "forward"]
        if order != ["layer0", "layer1", "layer2"]:
            fail(f"{name} must call each layer's forward once, first layer first; called {order}"
                 + _stopped_early(order, ["layer0", "layer1", "layer2"]), "sequential-forward-order")
        h = x
        for i, layer in enumerate(layers):
            got = layer.received[0][2]
            if not same(got, h):
                if same(got, x):
                    fail(f"every layer must receive the previous layer's output, not the original input "
                         f"(layer {i} received x of shape {x.shape})", "sequential-forward-original-input")
                arrived = layer.dtypes[0] if layer.dtypes else "float64"
                if arrived != "float64" and got.shape == h.shape and core.close(got, h, 1e-3, 1e-3):
                    fail(f"{name}: layer {i} received a {arrived} array where "
                         + ("x itself (float64)" if i == 0 else f"layer {i - 1}'s float64 output")
                         + " belongs: your forward casts "
                         + ("the input" if i == 0 else "the activations")
                         + f" to {arrived} (np.asarray(x, dtype=...) or .astype), which drops the float64 "
                           f"precision a gradient check needs; pass each layer's input on as it is, "
                           f"x = layer.forward(x)", "sequential-forward-casts")
                what = "x itself" if i == 0 else f"layer {i - 1}'s output"
                fail(f"{name}: layer {i} received an array of shape {got.shape} that is not {what} (shape "
                     f"{h.shape}{')' + _how_changed(got, h) if got.shape == h.shape else ')'}: each layer must receive "
                     + ("x as it is" if i == 0 else "the previous layer's output unchanged"),
                     "sequential-forward-wrong-input")
            h = h @ layer.A + 1.0
        y = expect_array(y, name=name, shape=h.shape)
        expect_close(y, h, name=name)
        if y.dtype != h.dtype:
            fail(f"{name} returned a {y.dtype} array, but the last layer's output is {h.dtype}: your forward "
                 f"converts the result (an .astype or np.asarray(..., dtype=...)), which drops the float64 precision "
                 f"a gradient check needs; return the last layer's output as it is", "sequential-forward-casts")
        log.clear()
        g = r.normal(size=h.shape)
        bname = signature("Sequential.backward", ("grad_out",), (g,))
        dx = call(model.backward, g, label="Sequential.backward", names=("grad_out",), hint=SEQUENTIAL_HINT)
        order = [who for kind, who in log if kind == "backward"]
        if order != ["layer2", "layer1", "layer0"]:
            never = [w for w in ("layer2", "layer1", "layer0") if w not in order]
            forwards = [who for kind, who in log if kind == "forward"]
            if not order and forwards:
                fail(f"Sequential.backward must call the layers' backward in reverse order (last layer first), once "
                     f"each; it called no backward at all but the FORWARD of {', '.join(forwards)}: "
                     f"grad = layer.backward(grad), not layer.forward(grad)", "sequential-backward-calls-forward")
            extra = (f": the backward of {', '.join(never)} was never called (a loop that skips a layer, such as "
                     f"reversed(self.layers[1:]), or a `return` indented inside the loop?)" if never and order else
                     f": the backward of {', '.join(never)} was never called" if never else "")
            fail(f"Sequential.backward must call the layers' backward in reverse order (last layer first), "
                 f"once each; called {order}{extra}",
                 "sequential-backward-order")
        gi, returned = g, {}
        for i in (2, 1, 0):
            got = layers[i].received[-1][2]
            if not same(got, gi):
                arrived = layers[i].bdtypes[-1] if layers[i].bdtypes else "float64"
                if arrived != "float64" and got.shape == gi.shape and core.close(got, gi, 1e-3, 1e-3):
                    fail(f"{bname}: layer {i}'s backward received a {arrived} array where the float64 "
                         + ("grad_out" if i == 2 else f"gradient returned by layer {i + 1}") + f" belongs: your "
                         f"backward casts the gradients to {arrived}, which drops the float64 precision a gradient "
                         f"check needs; pass each gradient on as it is, grad_out = layer.backward(grad_out)",
                         "sequential-backward-casts")
                if got.shape == gi.shape:
                    fail(f"{bname}: each layer's backward must receive the gradient returned by the layer after it, "
                         f"unchanged: layer {i} received an array of the right shape {got.shape} that is not "
                         + ("grad_out itself" if i == 2 else f"what layer {i + 1}'s backward returned")
                         + _how_changed(got, gi) + ". Pass each result on as it is, grad_out = "
                           "layer.backward(grad_out), with nothing applied between the layers (no clip, scale or "
                           "activation: a gradient clip, if wanted, belongs in the optimizer, after the backward pass)",
                         "sequential-backward-gradient-changed")
                fail(f"each layer's backward must receive the gradient returned by the layer after it "
                     f"(layer {i} received an array of shape {got.shape}, expected {gi.shape})",
                     "sequential-backward-not-chained")
            gi = gi @ layers[i].A.T
            returned[i] = gi
        for i in (2, 1):         # the gradient of an inner layer's input, told by its values (every layer's differ)
            if isinstance(dx, np.ndarray) and dx.shape == returned[i].shape and same(dx, returned[i]):
                fail(f"{bname} returned an array of shape {dx.shape}, which is what layer {i}'s backward returned "
                     f"(the gradient of layer {i}'s input), not the first layer's: the result is dL/dx of shape "
                     f"{x.shape}, the gradient after EVERY layer's backward down to layer 0 (return the loop "
                     f"variable after the loop, not a gradient kept from an earlier step)",
                     "sequential-backward-returns-inner-gradient")
        if isinstance(dx, np.ndarray) and dx.shape == g.shape and same(dx, g):
            fail(f"{bname} returns its input grad_out unchanged: return what the first layer's backward returned "
                 f"(dL/dx of shape {x.shape}), the value the loop variable holds after the loop",
                 "sequential-backward-returns-input")
        dx = expect_array(dx, name=bname, shape=x.shape)
        expect_close(dx, gi, name=bname, diagnose={
            "backward must return the gradient of the first layer (dL/dx), not grad_out": g,
        })
        if dx.dtype != gi.dtype:
            fail(f"{bname} returned a {dx.dtype} array, but the first layer's backward returns {gi.dtype}: your "
                 f"backward converts the result, which drops the float64 precision a gradient check needs; return "
                 f"what the first layer's backward returned as it is", "sequential-backward-casts")
        # backward must leave the model as it was: a second forward still runs first layer first
        log.clear()
        call(model.forward, x, label="Sequential.forward", names=("x",), hint=SEQUENTIAL_HINT)
        again = [who for kind, who in log if kind == "forward"]
        if again != ["layer0", "layer1", "layer2"]:
            fail(f"after Sequential.backward, forward calls the layers in the order {again}: backward changed "
                 f"self.layers (list.reverse() reverses the list in place); iterate over reversed(self.layers) "
                 f"or self.layers[::-1]", "sequential-backward-reverses-layers")
        try:
            params = call(model.parameters, label="Sequential.parameters", hint=SEQUENTIAL_HINT)
        except core.CheckFailure as exc:
            if "not iterable" in str(exc) and not any(layer.asked for layer in layers):
                fail(f"{exc}: no layer's parameters() was ever called; `layer.parameters` without () is the method "
                     f"itself, which cannot be iterated or added to a list; call it, layer.parameters()",
                     "sequential-parameters-not-called")
            if re.search(r"unsupported operand type\(s\) for \+: 'int' and '(list|tuple)'", str(exc)):
                fail(f"{exc}: sum() starts from the number 0, so sum(lists) computes 0 + [first layer's list] and "
                     f"raises; sum needs the empty list as its start value, sum(lists, []), or build the flat "
                     f"list directly, [p for layer in self.layers for p in layer.parameters()]",
                     "sequential-parameters-sum-start")
            _parameters_are_copies(Sequential, str(exc).split(". This is")[0] + ". ")
            if not any(layer.asked for layer in layers) and (exc.diagnosis or "").startswith("raised-"):
                fail(f"{exc}. No layer's parameters() was called: Sequential.parameters must ask each layer for its "
                     f"own list, layer.parameters(), whatever the layer's class and however it stores its "
                     f"parameters (the layers here are modules of another class than Linear: reading their "
                     f"attributes, vars(layer), layer.__dict__, or testing isinstance / type(), does not work on "
                     f"them, nor on a nested Sequential): [p for layer in self.layers for p in layer.parameters()]",
                     "sequential-parameters-not-asked")
            raise
        if not isinstance(params, (list, tuple)):
            fail(f"Sequential.parameters must return a list, got {core.describe(params)}", "sequential-parameters")
        if any(isinstance(p, (list, tuple)) for p in params):
            fail("Sequential.parameters must return one flat list of Parameters, not a list of lists",
                 "sequential-parameters-nested")
        want = [(k, w, q) for k, layer in enumerate(layers) for w, q in (("W", layer.W), ("b", layer.b))]
        as_layers = [j for j, a in enumerate(params) if any(a is layer for layer in layers)]
        if as_layers:
            fail(f"Sequential.parameters returned layer objects (entries {as_layers[:6]} of your list are the layers "
                 f"themselves), not their Parameters: a layer holds W and b; return every layer's parameters, "
                 f"[p for layer in self.layers for p in layer.parameters()]", "sequential-parameters-layers")
        if len(params) == len(want) and any(a is not q for a, (_, _, q) in zip(params, want)):
            at = [next((k for k, _, q in want if a is q), None) for a in params]
            if sorted(k for k in at if k is not None) == [k for k, _, _ in want]:
                layer_order = list(dict.fromkeys(at))
                fail(f"Sequential.parameters returned every layer's parameters, but in the order of layers "
                     f"{layer_order}" + (" (last layer first: reversed)" if layer_order == list(range(len(layers)))[::-1]
                                         else "")
                     + f": return them first layer first, {list(range(len(layers)))} (an optimizer pairs them with "
                       f"its state by position)", "sequential-parameters-order")
        if len(params) == len(want) and all(isinstance(a, np.ndarray) for a in params):
            for attr in ("data", "grad"):
                if all(np.shape(a) == np.shape(getattr(q, attr)) and same(a, np.asarray(getattr(q, attr)))
                       for a, (_, _, q) in zip(params, want)):
                    fail(f"Sequential.parameters returned the right number of entries, but each one is the ARRAY "
                         f"p.{attr}, not the Parameter object p: an optimizer needs the objects, to read p.grad and "
                         f"update p.data in place; return [p for layer in self.layers for p in layer.parameters()]",
                         "sequential-parameters-arrays")
        if len(params) != len(want) or any(a is not q for a, (_, _, q) in zip(params, want)):
            missing = [(k, w) for k, w, q in want if not any(a is q for a in params)]
            kinds = {w for _, w in missing}
            detail = ""
            if missing and len(kinds) == 1 and len(missing) == len(layers):
                w = kinds.pop()
                detail = (f": yours returned {len(params)} of the {len(want)} (each layer holds W and b) and the "
                          f"{w} of EVERY layer is missing: keep all of layer.parameters(), not only the "
                          f"{'biases' if w == 'W' else 'weights'}")
            elif missing:
                detail = (f": yours returned {len(params)} of the {len(want)} (each layer holds W and b); missing: "
                          + ", ".join(f"layer {k}'s {w}" for k, w in missing[:6]))
            if len(params) > len(want):
                _parameters_grow(model, len(params))
            if missing and not any(layer.asked for layer in layers):
                detail += (". No layer's parameters() was called: ask every layer for its own, layer.parameters(), "
                           "whatever its class (the layers here are modules of another class than Linear: a test "
                           "of the class, isinstance or type(), or of the attribute names skips them)")
            _parameters_are_copies(Sequential, "")
            fail("Sequential.parameters must return every layer's parameters (the same objects, first layer "
                 "first)" + detail, "sequential-parameters")
    return run


_PARAMETERS_IDENTITY = """
def parameters_identity(Sequential):
    import numpy as np

    class Parameter:
        def __init__(self, data):
            self.data, self.grad = data, np.zeros_like(data)

    class Layer:
        def __init__(self, k):
            self.W, self.b = Parameter(np.full((2, 3), float(k))), Parameter(np.full((1, 3), k + 0.5))

        def forward(self, x):
            return x

        def backward(self, g):
            return g

        def parameters(self):
            return [self.W, self.b]

    layers = [Layer(1), Layer(2)]
    want = [p for layer in layers for p in layer.parameters()]
    got = list(Sequential(*layers).parameters())
    same_objects = [any(g is w for w in want) for g in got]
    values = [float(np.asarray(getattr(g, "data", np.nan)).ravel()[0]) for g in got]
    return len(got), same_objects, values, [float(w.data.ravel()[0]) for w in want]
"""


def _parameters_are_copies(Sequential, head: str) -> None:
    """Identity: on plain layers defined where student code runs, Sequential.parameters must return the layers'
    own Parameter objects (p is layer.W), not copies holding equal values: an optimiser updates the copies only."""
    try:
        n, same_objects, values, want = core.kernel_functions(_PARAMETERS_IDENTITY)["parameters_identity"](Sequential)
    except Exception:
        return
    if n == len(want) and not any(same_objects) and values == want:
        fail(f"{head}Sequential.parameters (two layers, each with parameters W and b) returned {n} Parameter objects "
             f"holding the right values but NOT the layers' own objects (p is not layer.W): copies (copy.deepcopy, "
             f"copy.copy, Parameter(p.data.copy())), so an optimiser stepping them never updates the model. Return "
             f"the objects themselves: [p for layer in self.layers for p in layer.parameters()]",
             "sequential-parameters-copies")


class _Holder:
    """A mock layer holding ``k`` parameters (for the order of Sequential.parameters)."""

    def __init__(self, params, names=("W", "b")):
        self.params = params
        if len(params) == 2:
            setattr(self, names[0], params[0])
            setattr(self, names[1], params[1])

    def parameters(self):
        return list(self.params)


def _parameters_grow(model, first: int) -> None:
    """Too many parameters: a second call that returns still more means a list kept between calls."""
    try:
        again = call(model.parameters, label="Sequential.parameters", hint=SEQUENTIAL_HINT)
    except core.CheckFailure:
        return
    if isinstance(again, (list, tuple)) and len(again) > first:
        fail(f"Sequential.parameters returned {first} entries, then {len(again)} when called again on the same "
             f"model: the list grows at every call (a list kept between calls, on the class, in a global or as a "
             f"default argument, and extended each time): build a new list inside parameters() at each call",
             "sequential-parameters-grows")


_STORED_LISTS = """
class StoredListLayer:
    def __init__(self, names):
        self.params = [type("P", (), {"name": n})() for n in names]
        self.W, self.b = self.params
    def forward(self, x):
        return x
    def backward(self, g):
        return g
    def parameters(self):
        return self.params


def stored_lists(Sequential):
    a, b = StoredListLayer(["a0", "a1"]), StoredListLayer(["b0", "b1"])
    model = Sequential(a, b)
    first = len(model.parameters())
    second = len(model.parameters())
    return first, second, len(a.params), len(b.params)
"""


_LAYERS_CHANGED = """
class CountingLayer:
    def __init__(self, name, log):
        self.name, self.log = name, log
    def forward(self, x):
        self.log.append(self.name + ".forward")
        return x
    __call__ = forward
    def backward(self, g):
        self.log.append(self.name + ".backward")
        return g
    def parameters(self):
        return []


def layers_changed(Sequential):
    import numpy as np
    log = []
    a, b, c = CountingLayer("a", log), CountingLayer("b", log), CountingLayer("c", log)
    model = Sequential(a, b)
    x = np.ones((2, 3))
    model.backward(model.forward(x))
    if not isinstance(getattr(model, "layers", None), list) or list(model.layers) != [a, b]:
        return None
    model.layers[1] = c
    del log[:]
    model.backward(model.forward(x))
    return list(log)
"""


def _layers_read_each_call(Sequential) -> None:
    """State kept between calls: forward and backward go through self.layers as it is NOW (a layer replaced in
    model.layers, e.g. re-initialised, is used from the next call on); an order computed on the first call
    (reversed(self.layers) kept on self) goes on calling the old layer.  Run where student code runs."""
    try:
        log = core.kernel_functions(_LAYERS_CHANGED)["layers_changed"](Sequential)
    except Exception:
        return                                  # a raising Sequential is named by the cases
    if log is None or log == ["a.forward", "c.forward", "c.backward", "a.backward"]:
        return
    stale = [e for e in log if e.startswith("b.")]
    fail(f"Sequential(a, b): after a forward/backward pass, model.layers[1] was replaced by a layer c; the next pass "
         f"called {log} instead of a.forward, c.forward, c.backward, a.backward"
         + (f": {' and '.join(sorted(set(stale)))} of the OLD layer b still ran, a list of layers kept from the first "
            f"call (state from an earlier call, e.g. a reversed copy of self.layers stored once)" if stale else "")
         + ": go through self.layers as it is at every call (for layer in reversed(self.layers))",
         "sequential-layers-kept")


def _layer_lists_untouched(Sequential) -> None:
    """State kept between calls: a layer whose parameters() returns the list it keeps (the docstring: whatever the
    layer's class) must find it unchanged after Sequential.parameters(), and two calls give the same count (a
    `params = first_layer.parameters(); params += ...` extends the layer's own list, which then grows each call).
    Run where student code runs, on two layers of a class defined there."""
    try:
        first, second, na, nb = core.kernel_functions(_STORED_LISTS)["stored_lists"](Sequential)
    except Exception:
        return                                  # a raising Sequential is named by the cases
    if (na, nb) == (2, 2) and first == second:
        return                                  # the count itself is judged by the cases
    if (na, nb) != (2, 2):
        fail(f"Sequential.parameters() changed the list a layer's parameters() returned (two layers whose "
             f"parameters() return the list they keep, 2 Parameters each: afterwards they hold {na} and {nb}; "
             f"model.parameters() gave {first}, then {second} entries): the list of the first layer was extended in "
             f"place (params = layers[0].parameters(); params += ... or .extend); build a NEW list, "
             f"[p for layer in self.layers for p in layer.parameters()]", "sequential-parameters-extends-layer-list")
    fail(f"Sequential.parameters() on two layers of 2 Parameters each gave {first}, then {second} entries: state "
         f"kept between calls; build a new list of every layer's parameters at each call",
         "sequential-parameters-grows")


_PARAMETERS_FOLLOW = """
class FollowParam:
    def __init__(self, name):
        self.name = name


class FollowLayer:
    def __init__(self, name):
        self.W, self.b = FollowParam(name + ".W"), FollowParam(name + ".b")
    def forward(self, x):
        return x
    def backward(self, g):
        return g
    def parameters(self):
        return [self.W, self.b]


def parameters_follow(Sequential):
    a, b, c = FollowLayer("a"), FollowLayer("b"), FollowLayer("c")
    model = Sequential(a, b)
    names = lambda ps: [getattr(p, "name", "?") for p in ps]
    first = names(model.parameters())
    a.W = FollowParam("a.W (new)")
    replaced = names(model.parameters())
    if not isinstance(getattr(model, "layers", None), list):
        return first, replaced, None
    model.layers.append(c)
    appended = names(model.parameters())
    return first, replaced, appended
"""


def _parameters_follow_layers(Sequential) -> None:
    """State kept between calls: parameters() lists the layers' parameters as they are NOW: a Parameter replaced
    in a layer (re-initialised: layer.W = Parameter(...)), or a layer appended to model.layers, is in the next
    call's list. A list computed on the first call and kept on self goes on returning the old objects. Run where
    student code runs (layers of a class defined there)."""
    try:
        first, replaced, appended = core.kernel_functions(_PARAMETERS_FOLLOW)["parameters_follow"](Sequential)
    except Exception:
        return                                  # a raising Sequential is named by the cases
    if first != ["a.W", "a.b", "b.W", "b.b"]:
        return                                  # the cases name a wrong list
    want_replaced = ["a.W (new)", "a.b", "b.W", "b.b"]
    want_appended = want_replaced + ["c.W", "c.b"]
    if replaced == want_replaced and appended in (None, want_appended):
        return
    kept = replaced == first and appended in (None, first)
    fail("Sequential(a, b).parameters() gave [a.W, a.b, b.W, b.b]; then "
         + (f"after a.W was replaced by a new Parameter (a layer re-initialised) it gave {replaced} instead of "
            f"{want_replaced}" if replaced != want_replaced else
            f"after a layer c was appended to model.layers it gave {appended} instead of {want_appended}")
         + (": the list of the FIRST call came back, a list kept between calls (state from an earlier call, stored "
            "on self or cached)" if kept else "")
         + ": build the list from self.layers at every call, [p for layer in self.layers for p in "
           "layer.parameters()]", "sequential-parameters-kept")


def _parameters_order_case(Sequential):
    def run():
        # Twelve layers holding none or two parameters: a collection that does not keep order (a set, a dict keyed
        # by hash) cannot give 16 objects back in their order except by a rare accident. Layers 3 and 9 name theirs
        # gamma and beta (as a normalisation layer does): the docstring asks for every layer's parameters() whatever
        # the layer's class, so a test of the attribute names (hasattr(layer, "W")) skips them.
        layers = [_Holder([_Param(np.full((1, 1), float(10 * i + j)), np.zeros((1, 1))) for j in range(2 * (i % 3 != 2))],
                          ("gamma", "beta") if i in (3, 9) else ("W", "b"))
                  for i in range(12)]
        model = call(Sequential, *layers, label="Sequential", names=tuple(f"layer{i}" for i in range(12)), hint=SEQUENTIAL_HINT)
        params = call(model.parameters, label="Sequential.parameters", hint=SEQUENTIAL_HINT)
        want = [p for layer in layers for p in layer.params]
        if not isinstance(params, (list, tuple)):
            return               # the main case names this
        skipped = [i for i, layer in enumerate(layers)
                   if layer.params and not any(p is q for p in params for q in layer.params)]
        if skipped and all(not hasattr(layers[i], "W") for i in skipped) and all(
                any(p is q for p in params) for layer in layers if hasattr(layer, "W") for q in layer.params):
            fail(f"Sequential.parameters left out every parameter of layers {skipped}, exactly the layers whose "
                 f"parameters are named otherwise than W and b (gamma and beta, as a normalisation layer names them), "
                 f"and kept those of every layer holding a W: a test of the attribute names (hasattr(layer, 'W'), "
                 f"layer.W / layer.b read directly) or of the class skips them. The docstring asks for each layer's "
                 f"own parameters(), whatever the layer's class: [p for layer in self.layers for p in "
                 f"layer.parameters()]", "sequential-parameters-by-attribute-name")
        if len(params) != len(want):
            firsts = [layer.params[0] for layer in layers if layer.params]
            only_first = len(params) == len(firsts) and all(a is b for a, b in zip(params, firsts))
            fail(f"Sequential.parameters returned {len(params)} parameters for 12 layers holding {len(want)} "
                 f"(none or two each)"
                 + (": only each layer's FIRST parameter; " if only_first else "; ")
                 + "it must return every parameter of every layer, in order: "
                   "for layer in self.layers: params.extend(layer.parameters())", "sequential-parameters-count")
        if any(a is not b for a, b in zip(params, want)):
            got = [float(p.data[0, 0]) if any(p is q for q in want) else None for p in params]
            fail(f"Sequential.parameters must return the parameters in order: the first layer's first, in each "
                 f"layer's own order (an optimizer pairs them with its state by position); got them in the "
                 f"order {got[:8]}... (ids 10*layer + index) instead of {[float(q.data[0, 0]) for q in want][:8]}..."
                 f" (a set or a dict does not keep this order: build a list)", "sequential-parameters-order")
    return run


class _Doubler:
    """A mock layer without parameters (like ReLU): y = 2 x + 0.5, dL/dx = 2 grad; logs every call."""

    def __init__(self, name, log):
        self.name, self.log = name, log

    def forward(self, x):
        self.log.append(("forward", self.name))
        return 2.0 * np.asarray(x, dtype=np.float64) + 0.5

    def backward(self, g):
        self.log.append(("backward", self.name))
        return 2.0 * np.asarray(g, dtype=np.float64)

    def parameters(self):
        return []

    __call__ = forward


def _parameterless_case(Sequential, r, n):
    """layer0 (parameters), layer1 (none, like a ReLU), layer2 (parameters): every layer runs both ways."""
    def run():
        log = []
        A0, A2 = r.normal(size=(WIDTHS[0], WIDTHS[1])), r.normal(size=(WIDTHS[1], WIDTHS[2]))
        layers = [_Affine("layer0", A0, log), _Doubler("layer1", log), _Affine("layer2", A2, log)]
        model = call(Sequential, *layers, label="Sequential", names=("layer0", "layer1", "layer2"), hint=SEQUENTIAL_HINT)
        x, g = r.normal(size=(n, WIDTHS[0])), r.normal(size=(n, WIDTHS[2]))
        for step, arg, name, must in (("forward", x, "x", "every layer must run"),
                                      ("backward", g, "grad_out", "the gradient must pass through every layer")):
            log.clear()
            call(getattr(model, step), arg, label=f"Sequential.{step}", names=(name,), hint=SEQUENTIAL_HINT)
            got = [who for k, who in log if k == step]
            if "layer1" not in got:
                fail(f"Sequential.{step} skipped a layer WITHOUT parameters: with layers [Linear-like, a layer whose "
                     f"parameters() is [] (like ReLU), Linear-like] it called the {step} of {got}; {must}, whether "
                     f"or not it holds parameters (no test of layer.parameters() in the loop)",
                     f"sequential-{step}-skips-parameterless")
    return run


def sequential(Sequential) -> None:
    r = core.rng("lab01.sequential")
    run_cases([(None, _sequential_case(Sequential, r, 7)), ("a batch of one sample", _sequential_case(Sequential, r, 1)),
               (None, _parameters_order_case(Sequential)), (None, _parameterless_case(Sequential, r, 6))])
    _layer_lists_untouched(Sequential)
    _parameters_follow_layers(Sequential)
    _layers_read_each_call(Sequential)


# =============================================================================================
# train_epoch (on a recording model, loss and optimizer)
# =============================================================================================

class _MockModel:
    """y = x @ w (w of shape (D, K)); logs every call, the rows it saw and the gradients it got."""

    def __init__(self, w, log):
        self.p = _Param(w.copy(), np.zeros(w.shape))
        self.log, self.seen, self.x = log, [], None
        self.grads_in = []

    def forward(self, x):
        x = np.asarray(x, dtype=np.float64)
        self.log.append("forward")
        self.seen.append(x.copy())
        self.x = x
        return x @ self.p.data

    def backward(self, g):
        self.log.append("backward")
        self.grads_in.append(g)
        g = np.asarray(g, dtype=np.float64) if isinstance(g, np.ndarray) else g
        if self.x is None or not isinstance(g, np.ndarray) or g.shape != (len(self.x), self.p.data.shape[1]):
            return np.zeros((0 if self.x is None else len(self.x), self.p.data.shape[0]))
        self.p.grad = self.p.grad + self.x.T @ g
        return g @ self.p.data.T

    def parameters(self):
        return [self.p]

    __call__ = forward


class _MockLoss:
    """Mean squared error that logs the batches and what its backward returned."""

    def __init__(self, log, lookup):
        self.log, self.lookup = log, lookup
        self.batches, self.targets_ok, self.returned, self.preds = [], [], [], []
        self.diff = None

    def forward(self, pred, target):
        self.log.append("loss")
        pred = np.asarray(pred, dtype=np.float64)
        target = np.asarray(target, dtype=np.float64)
        self.preds.append(pred.copy())
        if target.size != pred.size:          # recorded; the check names it (never an error here)
            self.targets_ok.append(target)
            self.diff = np.zeros_like(pred)
            self.batches.append((0.0, len(pred)))
            return 0.0
        target = target.reshape(pred.shape)
        self.targets_ok.append(target)
        self.diff = pred - target
        # an empty batch (a loop that slices past the end) is recorded and named by the check;
        # its mean would be NaN with a RuntimeWarning in the grader's log
        value = float(np.mean(self.diff ** 2)) if self.diff.size else float("nan")
        self.batches.append((value, len(pred)))
        return value

    def backward(self):
        self.log.append("loss.backward")
        out = 2 * self.diff / self.diff.size if self.diff is not None else np.zeros((0, 0))
        self.returned.append(out)
        return out

    __call__ = forward


class _MockSGD:
    """Records the gradient each step() sees; plain gradient descent."""

    def __init__(self, params, lr, log):
        self.params, self.lr, self.log = params, lr, log
        self.at_step, self.lrs = [], []

    def step(self):
        self.log.append("step")
        self.lrs.append(self.lr)
        for p in self.params:
            self.at_step.append(p.grad.copy())
            p.data = p.data - self.lr * p.grad

    def zero_grad(self):
        self.log.append("zero_grad")
        for p in self.params:
            p.grad = np.zeros_like(p.data)


def _epoch(train_epoch, x, y, batch, seed, w, label, lr=1e-2):
    """One call of the student's train_epoch on mocks; returns what the mocks recorded."""
    log = []
    ids = {tuple(row): i for i, row in enumerate(y.tolist())}
    model, loss_fn = _MockModel(w, log), _MockLoss(log, ids)
    opt = _MockSGD(model.parameters(), lr, log)
    given = (x.copy(), y.copy())           # the call may change x and y (core.call names it)
    try:
        value = call(train_epoch, model, loss_fn, opt, x, y, batch, np.random.default_rng(seed),
                     label="train_epoch", names=("model", "loss_fn", "optimizer", "x", "y", "batch_size", "rng"),
                     hint="an index mismatch: shuffle an array of N = len(x) indices (never x or y themselves) "
                          "and index x and y with it")
    except core.CheckFailure as exc:
        _index_past_n(exc, x, y, batch, seed)
        _batches_by_reshape(exc, len(x), batch)
        _batch_shape(model.seen, x, "x", "model.forward", label, raised=True)
        _data_changed(train_epoch, exc, *given, batch, seed, w, lr)
        raise
    _batch_shape(model.seen, x, "x", "model.forward", label)
    log = _drop_harmless_repeats(log, model, loss_fn)
    _batches_are_rows_of_x(model.seen, x, label)
    rows = [np.rint(s[:, 0]).astype(int) for s in model.seen]
    return {"value": value, "log": log, "rows": rows, "model": model, "loss": loss_fn, "opt": opt}


def _data_changed(train_epoch, exc: core.CheckFailure, x, y, batch, seed, w, lr) -> None:
    """train_epoch changed the caller's x or y: the epoch is run again on copies (which it may change) and the
    pairs property is asked there too, so that one message says both faults (x and y each shuffled in place by
    its own rng.shuffle: the caller's data changed AND every row's target replaced)."""
    found = re.search(r"modified its input argument #([45]) in place", str(exc))
    if not found:
        return
    what = "x" if found.group(1) == "4" else "y"
    log: list = []
    model, loss_fn = _MockModel(w, log), _MockLoss(log, {})
    try:
        train_epoch(model, loss_fn, _MockSGD(model.parameters(), lr, log), x.copy(), y.copy(), batch,
                    np.random.default_rng(seed))
    except Exception:                      # the in-place failure stands alone
        pass
    broken = 0
    for s, t in zip(model.seen, loss_fn.targets_ok):
        rows = np.rint(np.asarray(s, dtype=np.float64)[:, 0]).astype(int) if np.ndim(s) == 2 else None
        if rows is None or rows.min(initial=0) < 0 or rows.max(initial=0) >= len(y):
            continue
        want = y[rows].astype(np.float64)
        if np.shape(t) == want.shape and not core.close(t, want, 1e-6, 1e-6):
            broken += 1
    head = f"{exc.headline}" if getattr(exc, "headline", "") else str(exc)
    if broken:
        fail(f"{head}. Two faults: the caller's {what} was changed, and the targets given to the loss are not those "
             f"of the rows the model saw ({broken} of {len(model.seen)} batches): x and y shuffled separately (two "
             f"rng.shuffle calls, each in place) draw two different orders and break every (x, y) pair. Shuffle an "
             f"array of indices instead, order = rng.permutation(N), and index both with it, x[idx] and y[idx] "
             f"(which also leaves the caller's arrays untouched)", "inputs-shuffled-pairs-broken")
    fail(f"{head}: train_epoch must not change the caller's {what} (shuffle an array of indices, order = "
         f"rng.permutation(N), and index x[idx] and y[idx]; never rng.shuffle(x) or an in-place operation on the "
         f"arguments)", "train-epoch-modified-input")


def _batch_shape(seen: list, data: np.ndarray, what: str, where: str, label: str, raised: bool = False) -> None:
    """Property of a training loop: the batch handed to ``where`` has the shape of ``data[idx]`` (B rows, every
    column of ``data``). A batch of another shape is told with both shapes, and how its numbers come from
    ``data`` when they do (read on every entry of the batch, so a coincidence is out): the flattened array
    indexed (np.take without axis=, data.flat[idx]), or only some of the columns of the sampled rows."""
    d = data.shape[1:]
    for k, s in enumerate(seen):
        s = np.asarray(s)
        if s.ndim >= 1 and s.shape[1:] == d:
            continue
        rows = s.shape[0] if s.ndim else 1
        head = (f"{label}: batch {k} given to {where} has shape {s.shape}, but the sampled rows {what}[idx] of "
                f"{what} of shape {data.shape} have shape ({rows}, {', '.join(map(str, d))}) (every column of "
                f"{what}){' (the call then raised)' if raised else ''}")
        x64 = np.asarray(data, dtype=np.float64).reshape(len(data), -1)
        v = set(np.round(np.asarray(s, dtype=np.float64).ravel(), 12).tolist())
        flat, first = set(np.round(x64.ravel()[:len(data)], 12).tolist()), set(np.round(x64[:, 0], 12).tolist())
        if v and x64.shape[1] > 1 and v <= flat and not v <= first:
            fail(f"{head}: its numbers are single entries of the FLATTENED {what} ({what}.ravel()[idx], one number "
                 f"per index): {_flat_indexing(s, what)}, which is right only when {what} has one column; take "
                 f"whole rows, {what}[idx] or np.take({what}, idx, axis=0)", "batch-flat-indexed")
        if s.ndim == 2 and data.ndim == 2 and 0 < s.shape[1] < data.shape[1]:
            for j in range(data.shape[1] - s.shape[1] + 1):
                cols = x64[:, j:j + s.shape[1]]
                if all(any(np.allclose(row, c, rtol=0, atol=1e-12) for c in cols) for row in s):
                    which = f"column {j}" if s.shape[1] == 1 else f"columns {j}..{j + s.shape[1] - 1}"
                    fail(f"{head}: it holds only {which} of the sampled rows ({s.shape[1]} "
                         f"of {what}'s {data.shape[1]} columns): a split of a stacked array at a fixed column, or a "
                         f"slice {what}[idx, :{s.shape[1]}], is right only for {s.shape[1]} column(s); split at "
                         f"{what}.shape[1] and keep every column, {what}[idx]", "batch-columns-missing")
        fail(f"{head}: pass {what}[idx] whole, one batch of rows with every column", "batch-shape-wrong")


def _flat_indexing(got, what: str) -> str:
    """How a batch of single entries of the flattened array comes about: np.take without axis= or .flat; a
    column (B, 1) may also be the array reshaped to one column before indexing (the same numbers: both said)."""
    take = f"np.take({what}, idx) without axis= (or {what}.flat[idx]) indexes {what} as one long vector"
    if np.ndim(got) == 2 and np.shape(got)[1] == 1:
        return (f"{take}, and so does {what}[idx] after {what} was reshaped to ONE column ({what}.reshape(-1, 1) "
                f"makes it (N * columns, 1): keep {what} as it is)")
    return take


def _target_columns(t, want: np.ndarray, y: np.ndarray | None = None) -> None:
    """The targets given to the loss have another shape than y[idx]: say both shapes, and which columns of the
    sampled rows' targets they are when every entry says so (y[idx, 0] keeps one output of several)."""
    t = np.asarray(t, dtype=np.float64)
    if t.shape == want.shape:
        return
    head = (f"the targets given to the loss have shape {t.shape}, but the sampled rows' targets y[idx] have shape "
            f"{want.shape} (batch of {want.shape[0]} rows, {want.shape[1]} outputs each)")
    t2 = t.reshape(len(t), -1) if t.ndim and len(t) == len(want) else None
    if t2 is not None and t2.shape[1] < want.shape[1]:
        k = t2.shape[1]
        for j in range(want.shape[1] - k + 1):
            if core.close(t2, want[:, j:j + k], 1e-6, 1e-6):
                which = f"column {j}" if k == 1 else f"columns {j}..{j + k - 1}"
                fail(f"{head}: they are {which} of y[idx] only: you kept {k} output column(s) of {want.shape[1]} "
                     f"(y[idx, {j}] or a slice), which is right only for a single output; pass y[idx] whole",
                     "targets-columns-dropped")
    if y is not None and y.ndim == 2 and y.shape[1] > 1 and t.size:
        y64 = y.astype(np.float64)
        v = set(np.round(t.ravel(), 12).tolist())
        if v <= set(np.round(y64.ravel()[:len(y)], 12).tolist()) and not v <= set(np.round(y64[:, 0], 12).tolist()):
            fail(f"{head}: their numbers are single entries of the FLATTENED y (y.ravel()[idx], one number per "
                 f"index): {_flat_indexing(t, 'y')}, which is right only for one output; take whole rows, y[idx] "
                 f"or np.take(y, idx, axis=0)", "targets-flat-indexed")
    if t.size != want.size:
        fail(f"{head}: pass y[idx] whole, the targets of the rows given to the model", "targets-shape-wrong")


def _batches_are_rows_of_x(seen: list, x: np.ndarray, label: str) -> None:
    """Column 0 of x holds the row number, so a batch whose rows are not rows of x (x changed inside
    train_epoch) has no row numbers: name it here rather than read row numbers that do not exist."""
    n, d = x.shape
    x64 = x.astype(np.float64)
    for k, s in enumerate(seen):
        if s.ndim != 2 or s.shape[1] != d or not s.size:
            continue                        # other shapes: judged by the checks on the batches
        ids = np.rint(s[:, 0])
        if (np.all(ids >= 0) and np.all(ids < n) and core.close(s, x64[np.clip(ids, 0, n - 1).astype(int)],
                                                                   1e-6, 1e-6)):
            continue
        bad = np.array([not (0 <= i < n and core.close(row, x64[int(i)], 1e-6, 1e-6))
                        for i, row in zip(ids, s)])
        first = int(np.flatnonzero(bad)[0]) if bad.any() else 0
        if bad.any() and bad.sum() < len(s) and not np.any(s[bad]):
            m, total = int(bad.sum()), sum(len(b) for b in seen if b.ndim == 2)
            fail(f"{label}: batch {k} given to model.forward holds {m} row(s) of zeros (rows "
                 f"{np.flatnonzero(bad).tolist()[:6]} of the batch) besides {len(s) - m} sampled rows of x: rows of "
                 f"zeros appended (padding) to fill the batch up to batch_size; the model saw {total} rows in all "
                 f"for N = {n} (every batch's rows must add up to N). The last batch is simply smaller, "
                 f"x[order[start:start + batch_size]], with no padding", "batch-padded-with-zeros")
        said = (f"batch {k} given to model.forward holds rows that are not rows of x (its row {first} is "
                f"{np.array2string(s[first], precision=3)}, no row of x is)")
        if len(s) > 1 and np.allclose(s.mean(axis=0), 0, atol=1e-6) and np.allclose(s.std(axis=0), 1, atol=1e-3):
            said += (": every column of the batch has mean 0 and std 1, so your train_epoch standardises "
                     "the batch")
        fail(f"{label}: {said}. train_epoch must pass the sampled rows of x to the model as they are, "
             f"model.forward(x[idx]); preparing the inputs (scaling, standardising) is not its job",
             "batch-not-rows-of-x")


def _drop_harmless_repeats(log: list, model: "_MockModel", loss_fn: "_MockLoss") -> list:
    """A forward (or a loss) run again on the same batch with the same parameters, no step between,
    computes the same numbers again: wasteful, not wrong. Keep one record of each, so the checks
    below judge the epoch as the optimiser saw it (a repeat after a step still counts)."""
    keep, fi, li = [], 0, 0
    last_f = last_l = None
    for event in log:
        if event == "forward" and fi < len(model.seen):
            s = model.seen[fi]
            dup = last_f is not None and s.shape == last_f.shape and bool(np.array_equal(s, last_f))
            keep.append(not dup)
            last_f, fi = s, fi + 1
        elif event == "loss" and li < len(loss_fn.preds):
            cur = (loss_fn.preds[li], loss_fn.targets_ok[li])
            dup = last_l is not None and all(a.shape == b.shape and bool(np.array_equal(a, b))
                                             for a, b in zip(cur, last_l))
            keep.append(not dup)
            last_l, li = cur, li + 1
        else:
            keep.append(True)
            if event == "step":
                last_f = last_l = None
    if all(keep):
        return log
    f_keep = [k for e, k in zip(log, keep) if e == "forward"]
    l_keep = [k for e, k in zip(log, keep) if e == "loss"]
    model.seen = [v for v, k in zip(model.seen, f_keep) if k]
    for attr in ("preds", "targets_ok", "batches"):
        setattr(loss_fn, attr, [v for v, k in zip(getattr(loss_fn, attr), l_keep) if k])
    return [e for e, k in zip(log, keep) if k]


def _batch_pattern(rows: list, sizes: list, n: int, batch: int, seed: int) -> None:
    """Name the usual ways batches go wrong, each confirmed on the rows the model saw."""
    head = "every sample must be used exactly once per epoch"
    n_batches = -(-n // batch)
    if n_batches > 1 and len(rows) > 1 and all(len(b) == n and sorted(b.tolist()) == list(range(n)) for b in rows):
        fail(f"{head}: model.forward was given all {n} rows at every step ({len(rows)} calls with batch_size={batch}), "
             f"not the batch: model.forward(x[idx]) with the batch's indices", "forward-on-whole-data")
    dedup = [b for k, b in enumerate(rows) if k == 0 or b.tolist() != rows[k - 1].tolist()]
    if len(dedup) < len(rows) and sorted(np.concatenate(dedup).tolist()) == list(range(n)):
        fail(f"{head}: model.forward was called more than once in a row on the same batch ({len(rows)} forward "
             f"calls for {len(dedup)} batches): one forward per batch, and the epoch loss adds that forward's "
             f"loss * len(idx) (no second forward to recompute it)", "forward-repeated-per-batch")
    flat = np.concatenate(rows) if rows else np.array([], int)
    if len(rows) == 1 and n_batches > 1 and len(set(flat.tolist())) == len(flat):
        fail(f"{head}: only one batch of {sizes[0]} reached the model, then train_epoch returned ({n_batches} "
             f"batches expected): the loop stops after its first batch (a return or break inside the loop? "
             f"return after the loop)", "loop-stopped-early")
    if len(set(flat.tolist())) != len(flat):
        return
    missing = sorted(set(range(n)) - set(flat.tolist()))
    perm = np.random.default_rng(seed).permutation(n).tolist()
    k = len(missing)
    if k and sorted(perm[:k]) == missing and flat.tolist() == perm[k:]:
        fail(f"{head}: the first {k} shuffled sample{'s' if k > 1 else ''} never reached the model (the batches hold order[{k}:] "
             f"in order): the batches start at index 0, range(0, N, batch_size)", "first-samples-skipped")
    if k and k == n % batch and all(m == batch for m in sizes) and sorted(perm[-k:]) == missing:
        fail(f"{head}: the last, smaller batch of {k} sample{'s' if k > 1 else ''} was dropped (batch sizes {sizes}): keep it when "
             f"{batch} does not divide {n}", "last-batch-dropped")


def _sizes_explain_repeats(sizes: list, counts: np.ndarray, n: int, batch: int, head: str) -> None:
    """Repeated samples in batches of the wrong sizes: the batches are not the consecutive slices of one
    permutation (a slice or a padding slip), so the sizes, not a draw with replacement, are the cause."""
    expected = [min(batch, n - s) for s in range(0, n, batch)]
    if sizes == expected:
        return      # right sizes with repeats: indices drawn with replacement (the caller says so)
    repeated, never = int((counts > 1).sum()), int((counts == 0).sum())
    if n % batch and sizes[:-1] == expected[:-1] and sizes[-1] == batch:
        fail(f"{head}: the last batch holds {batch} rows, expected the {n % batch} remaining samples (batch sizes "
             f"{sizes}, expected {expected}): it was filled up to batch_size with samples already used "
             f"({repeated} repeated); the last batch is simply smaller, order[start:start + batch_size] with no "
             f"padding or wrap-around", "last-batch-padded")
    fail(f"{head}: the batches have sizes {sizes}, expected {expected} ({sum(sizes)} rows in all for N = {n}; "
         f"{repeated} samples used more than once, {never} never): they are not consecutive slices of one "
         f"permutation; take batch k as order[start:start + batch_size] for start in range(0, N, batch_size)",
         "batch-slices-wrong")


def _evaluation_passes(rec: dict, n: int, batch: int, label: str) -> None:
    """Before any diagnosis of overlapping or repeated batches: model.forward calls whose output never reaches
    a backward (no model.backward before the next model.forward or the end) are evaluation passes, not training
    batches. When the forwards that DO reach backward are a correct set of batches, say which calls were
    evaluation passes, and whether the returned loss holds their loss (compared with the epoch loss of the
    training batches alone)."""
    rows, log = rec["rows"], rec["log"]
    at = [i for i, e in enumerate(log) if e == "forward"]
    if len(at) != len(rows) or not at:
        return
    ends = at[1:] + [len(log)]
    trained = ["backward" in log[i + 1:j] for i, j in zip(at, ends)]
    evals = [k for k, t in enumerate(trained) if not t]
    train_rows = [rows[k] for k, t in enumerate(trained) if t]
    if not evals or not train_rows or sorted(np.concatenate(train_rows).tolist()) != list(range(n)):
        return
    if any(len(b) > batch for b in train_rows):
        return
    if any(k > 0 and rows[k].tolist() == rows[k - 1].tolist() for k in evals):
        return          # a batch's forward repeated (a loss recomputed on it): _batch_pattern says so
    first_t = min(k for k, t in enumerate(trained) if t)
    last_t = max(k for k, t in enumerate(trained) if t)
    where = sorted({"before the first batch" if k < first_t else "after the last batch" if k > last_t
                    else "between batches" for k in evals})
    sizes = [len(rows[k]) for k in evals]
    said = (f"{label}: the training batches (the model.forward calls followed by model.backward, sizes "
            f"{[len(b) for b in train_rows]}) use every sample once, but model.forward was ALSO called "
            f"{len(evals)} time(s) on {sizes} rows ({' and '.join(where)}) whose output never reached "
            f"model.backward (an evaluation pass, call(s) number {evals} of model.forward)")
    losses = rec["loss"].batches
    value = rec.get("value")
    extra = ""
    if len(losses) == len(rows) and isinstance(value, (int, float, np.floating)):
        good = sum(losses[k][0] * losses[k][1] for k, t in enumerate(trained) if t) / n
        more = sum(losses[k][0] * losses[k][1] for k in evals) / n
        if not np.isclose(float(value), good, rtol=1e-6, atol=1e-12) and \
                np.isclose(float(value), good + more, rtol=1e-6, atol=1e-12):
            extra = (f"; the returned loss {float(value):.6g} contains an extra full-data loss: it is the epoch loss "
                     f"of the training batches ({good:.6g}) plus the loss of that evaluation pass weighted by its "
                     f"rows / N")
    fail(f"{said}{extra}. An epoch is the batches only: the epoch loss is sum(loss * len(idx)) / N over the "
         f"batches' own forwards, with no extra forward on x", "evaluation-pass-in-epoch")


def _extra_whole_forwards(rows: list, log: list, n: int, batch: int) -> None:
    """Forwards on all N rows besides a correct set of batches: say where they sit among the calls
    (a logging or final forward on the whole x), not that samples were drawn with replacement."""
    whole = [k for k, b in enumerate(rows) if len(b) == n and sorted(b.tolist()) == list(range(n))]
    rest = [b for k, b in enumerate(rows) if k not in whole]
    if not whole or not rest or n <= batch or sorted(np.concatenate(rest).tolist()) != list(range(n)):
        return
    at = [i for i, e in enumerate(log) if e == "forward"]
    where = set()
    for k in whole:
        i = at[k] if k < len(at) else len(log)
        calls = ("forward", "backward", "step")
        before = next((e for e in reversed(log[:i]) if e in calls), None)
        after = next((e for e in log[i + 1:] if e in calls), None)
        where.add("between a batch's forward and its backward" if before == "forward" and after == "backward"
                  else "after the last batch" if "backward" not in log[i:] else "between batches")
    fail(f"every batch was used once, but model.forward was ALSO called {len(whole)} time(s) on all {n} rows of x "
         f"({' and '.join(sorted(where))}): a forward on the whole x "
         + ("overwrites the cache the next backward uses (the gradient is no longer the batch's); "
            if "between a batch's forward and its backward" in where else "is not part of an epoch; ")
         + "the epoch loss is sum(loss * len(idx)) / N over the batches' own forwards, with no extra forward",
         "extra-whole-forward")


def _index_past_n(exc: core.CheckFailure, x: np.ndarray, y: np.ndarray, batch: int, seed: int) -> None:
    """An IndexError on a row >= N: the number of samples was taken from something larger than len(x).
    Which size is named only when a permutation of that size from the same seed reproduces the index."""
    found = re.search(r"index (\d+) is out of bounds for axis 0 with size (\d+)", str(exc))
    if not found or int(found.group(2)) != len(x) or int(found.group(1)) < len(x):
        return
    k, n = int(found.group(1)), len(x)

    def first_past_n(m: int) -> int | None:
        perm = np.random.default_rng(seed).permutation(m)
        for s in range(0, m, batch):
            bad = perm[s:s + batch][perm[s:s + batch] >= n]
            if bad.size:
                return int(bad[0])
        return None
    candidates = (("x.size = N*D", x.size), ("y.size = N*(outputs)", y.size), ("x.shape[1]", x.shape[1]))
    sizes = [f"{w} = {v}" for w, v in candidates if v > k and v != n and first_past_n(v) == k][:1]
    fail(f"{str(exc).split('. This is')[0]} (as a row of x): train_epoch asked for row {k}, but x has only N = {n} rows; the number of "
         f"samples is N = len(x) = x.shape[0]" + (f" (not {sizes[0]})" if sizes else ""), "index-past-n")


def _batches_by_reshape(exc: core.CheckFailure, n: int, batch: int) -> None:
    """A reshape (or an equal split) of the N indices into batches of batch_size: it raises exactly when
    batch_size does not divide N, the case where the last batch is smaller.  Said when the failing size is N."""
    text = str(exc)
    reshaped = re.search(r"cannot reshape array of size (\d+) into shape \(([^)]*)\)", text)
    split = "array split does not result in an equal division" in text
    if reshaped:
        dims = [int(d) for d in re.findall(r"-?\d+", reshaped.group(2))]
        if int(reshaped.group(1)) != n or batch not in dims:
            return
        how = f"the N = {n} indices were reshaped into rows of batch_size = {batch} (order.reshape(-1, batch_size))"
    elif split:
        how = f"the N = {n} indices were cut into equal parts (np.split)"
    else:
        return
    if n % batch == 0:
        return
    fail(f"{text.split('. This is')[0]}: {how}, which works only when batch_size divides N; here N = {n} = "
         f"{n // batch} * {batch} + {n % batch}, so the last batch holds the {n % batch} remaining samples. Take the "
         f"batches as slices, idx = order[start:start + batch_size] for start in range(0, N, batch_size) (the last "
         f"slice is simply shorter; np.array_split also allows unequal parts)", "batches-by-reshape")


def _optimizer_settings_kept(opt: "_MockSGD", lr: float, label: str, sizes: list | None = None,
                             batch: int | None = None) -> None:
    """Property: one epoch changes the parameters (through step()), never the optimiser's settings: a lr
    changed inside train_epoch changes every later epoch too.  The lr each step() read is recorded; when
    the value after the call is the original one, the steps that ran with another lr are said (a lr scaled
    for one batch and restored), never "changed optimizer.lr"."""
    try:
        now = float(opt.lr)
    except Exception:
        now = None
    if now == lr and all(v == lr for v in opt.lrs):
        return
    used = [float(v) if isinstance(v, (int, float)) else None for v in opt.lrs]
    seen = sorted({v for v in used if v is not None})
    during = (f" (the steps ran with lr = {', '.join(f'{v:g}' for v in seen)})"
              if seen and seen != [lr] else "")
    if now == lr:
        per = ", ".join("?" if v is None else f"{v:g}" for v in used)
        odd = [k for k, v in enumerate(used) if v != lr]
        if sizes and batch and len(sizes) == len(used) and odd:
            ratios = [used[k] / lr if used[k] is not None else None for k in odd]
            if all(r is not None and np.isclose(r, sizes[k] / batch) for r, k in zip(ratios, odd)):
                which = "only the last batch" if odd == [len(used) - 1] else f"batches {odd}"
                fail(f"{label}: optimizer.step() ran with lr = {per} (one value per batch; batch sizes {sizes}): "
                     f"{which}, smaller than batch_size={batch}, ran with lr * len(batch) / batch_size, and the lr "
                     f"was restored afterwards. The loss is a MEAN over the batch, so every step, the last smaller "
                     f"batch too, uses optimizer.lr as it is: do not rescale the learning rate inside train_epoch",
                     "train-epoch-lr-scaled-per-batch")
        fail(f"{label}: optimizer.step() ran with lr = {per} (one value per batch), although optimizer.lr is {lr:g} "
             f"before and after the call: train_epoch changed the learning rate for some steps and restored it. "
             f"Every step uses optimizer.lr as it is; a learning-rate schedule, if any, belongs to the caller, "
             f"between epochs", "train-epoch-lr-changed-inside")
    after = f"{now:g}" if now is not None else core.describe(getattr(opt, "lr", None))
    fail(f"{label} changed optimizer.lr: it was {lr:g} when train_epoch was called and is {after} after it "
         f"returned{during}. One epoch must leave the optimiser's settings as they are (an optimizer.lr *= ... "
         f"or optimizer.lr = ... inside train_epoch changes the learning rate of every later epoch): a "
         f"learning-rate schedule, if any, belongs to the caller, between epochs", "train-epoch-changes-lr")


_CALL_NAMES = {"zero_grad": "optimizer.zero_grad()", "forward": "model.forward", "loss": "loss_fn.forward",
               "loss.backward": "loss_fn.backward()", "backward": "model.backward", "step": "optimizer.step()"}
_PER_BATCH = ("optimizer.zero_grad(), model.forward(x[idx]), loss_fn.forward(pred, y[idx]), "
              "model.backward(loss_fn.backward()), optimizer.step()")


def _call_order(log: list, k: int) -> None:
    """Batch k's step saw a wrong gradient: read the calls of that batch (after the previous step, up to its
    own) and name the first one out of order.  zero_grad is blamed only when it was not called before that
    batch's backward; otherwise the order that was called is said as it is."""
    steps = [i for i, e in enumerate(log) if e == "step"]
    if k >= len(steps):
        return
    calls = log[steps[k - 1] + 1 if k else 0:steps[k] + 1]
    said = ", ".join(_CALL_NAMES.get(c, c) for c in calls)
    first = {c: calls.index(c) for c in set(calls)}
    if "backward" not in first:
        return
    if "zero_grad" not in first or first["zero_grad"] > first["backward"]:
        return                                  # zero_grad missing before backward: the caller says so
    if "loss.backward" in first and first["loss.backward"] < first.get("loss", len(calls)):
        fail(f"in batch {k} the calls were: {said}. loss_fn.backward() came BEFORE loss_fn.forward of that batch, so "
             f"it returned the gradient of the loss it computed last, the PREVIOUS batch's: each batch runs "
             f"{_PER_BATCH}, in that order", "loss-backward-before-forward")
    if first["backward"] < first.get("forward", len(calls)):
        fail(f"in batch {k} the calls were: {said}. model.backward came BEFORE model.forward of that batch, so it "
             f"used the input cached by the previous forward: each batch runs {_PER_BATCH}, in that order",
             "backward-before-forward")
    fail(f"the gradient used by optimizer.step() in batch {k} is not that batch's gradient, although "
         f"optimizer.zero_grad() came before model.backward (the calls of that batch were: {said}): each batch "
         f"runs {_PER_BATCH}, and model.backward receives loss_fn.backward() of the same batch",
         "step-gradient-not-this-batch")


def _zero_grad_after_backward(log: list, k: int) -> bool:
    """In batch k's calls (after the previous step, up to its own), optimizer.zero_grad() comes after the last
    model.backward(): only then did zero_grad wipe the gradients step was about to use."""
    steps = [i for i, e in enumerate(log) if e == "step"]
    if k >= len(steps):
        return False
    calls = log[steps[k - 1] + 1 if k else 0:steps[k]]
    back = [i for i, c in enumerate(calls) if c == "backward"]
    return bool(back) and "zero_grad" in calls[back[-1]:]


def _loss_backward_first(log: list) -> None:
    """A backward count off by one because each batch backpropagates BEFORE its own loss.forward (the
    first batch has nothing to backpropagate yet): read in the calls of each batch."""
    steps = [i for i, e in enumerate(log) if e == "step"]
    for k, end in enumerate(steps):
        calls = log[steps[k - 1] + 1 if k else 0:end + 1]
        if "loss.backward" in calls and "loss" in calls and calls.index("loss.backward") < calls.index("loss"):
            said = ", ".join(_CALL_NAMES.get(c, c) for c in calls)
            none = "" if "backward" in log[:steps[0]] else "; batch 0 ran no backward at all"
            fail(f"in batch {k} the calls were: {said}. loss_fn.backward() came BEFORE loss_fn.forward of that "
                 f"batch, so it returned the gradient of the loss it computed last, the PREVIOUS batch's{none}: "
                 f"each batch runs {_PER_BATCH}, in that order", "loss-backward-before-forward")


def _train_case(train_epoch, r, n, batch, out, dtype, lr=1e-2, fitted=False):
    """``fitted``: targets the mock model already predicts up to 1e-3 (every batch loss near 0), so an epoch that
    ends on a small loss is seen."""
    def run():
        d = 3
        x = r.normal(size=(n, d)).astype(dtype)
        x[:, 0] = np.arange(n)                     # column 0 identifies the row
        y = np.stack([2.0 * np.arange(n) + 1, r.normal(size=n)], axis=1)[:, :out].astype(dtype)
        w = r.normal(size=(d, out)) * 0.01
        if fitted:
            y = (x.astype(np.float64) @ w + 1e-3 * r.normal(size=(n, out))).astype(dtype)
        label = (f"train_epoch(model, loss_fn, optimizer, x of shape {x.shape} {x.dtype}, "
                 f"y of shape {y.shape} {y.dtype}, batch_size={batch}, rng)")
        rec = _epoch(train_epoch, x, y, batch, 11, w, label, lr)
        rows, log = rec["rows"], rec["log"]
        sizes = [len(b) for b in rows]
        flat = np.concatenate(rows) if rows else np.array([], int)
        n_batches = -(-n // batch)
        def slices() -> None:
            """Last resort before a generic verdict on the batches: where they sit in the shuffled order."""
            said = explain_slices(rows, n, batch, np.random.default_rng(11).permutation(n))
            if said and "every slice after the first is empty" in said and batch > 2 and n > 8:
                # A second input separates the two slips: with batch_size = 2 a start multiplied twice by
                # batch_size still gives non-empty slices (order[4:6], ...), an end fixed at batch_size does not.
                try:
                    again = _epoch(train_epoch, x, y, 2, 11, w, label, lr)["rows"]
                except core.CheckFailure:
                    again = None
                other = explain_slices(again, n, 2, np.random.default_rng(11).permutation(n)) if again else None
                if other and "multiplied twice" in other:
                    said = other.replace("your batches are", "with batch_size=2 your batches are")
            if not said and sorted(flat.tolist()) != list(range(n)):
                said = explain_missing(flat, n)
            if said:
                fail(f"every sample must be used exactly once per epoch, in batches of batch_size={batch} (the last "
                     f"one smaller): {said}", "batch-slices")
        if 0 in sizes:
            if batch < n and flat.tolist() == np.random.default_rng(11).permutation(batch).tolist():
                fail(f"{label} used only {batch} of the {n} samples, in one batch, then passed empty batches "
                     f"(batch sizes {sizes}): the order holds batch_size = {batch} indices, the permutation "
                     f"rng.permutation(batch_size); shuffle all N indices, order = rng.permutation(N)",
                     "permutation-of-batch-size")
            slices()
            fail(f"{label} passed an empty batch to the model (batch sizes {sizes}): stop at N", "empty-batch")
        if sorted(flat.tolist()) != list(range(n)):
            _stops_on_small_loss(train_epoch, rec, x, y, w, batch, label, lr)
            _evaluation_passes(rec, n, batch, label)
            said = explain_batches(rows, n, batch, {"the number of columns x.shape[1]": d})
            if said:
                fail(f"every sample must be used exactly once per epoch: {said}", "batches-explained")
            _batch_pattern(rows, sizes, n, batch, 11)
            _extra_whole_forwards(rows, log, n, batch)
            slices()
            counts = np.bincount(flat, minlength=n) if flat.size else np.zeros(n, int)
            if len(flat) < n and counts.max(initial=0) <= 1:
                fail(f"every sample must be used exactly once per epoch: {n - len(flat)} of {n} samples never "
                     f"reached the model (batch sizes {sizes})", "samples-dropped")
            redrawn = explain_redrawn(rows, n, 11)
            if redrawn:
                fail(f"every sample must be used exactly once per epoch, but {int((counts > 1).sum())} samples were "
                     f"used more than once and {int((counts == 0).sum())} never: {redrawn}", "permutation-per-batch")
            _sizes_explain_repeats(sizes, counts, n, batch, "every sample must be used exactly once per epoch")
            fail(f"every sample must be used exactly once per epoch: {int((counts > 1).sum())} samples were "
                 f"used more than once and {int((counts == 0).sum())} never (batch sizes {sizes}; draw one "
                 f"permutation of the N indices, not indices with replacement)", "samples-repeated")
        if max(sizes) > batch or len(sizes) != n_batches:
            if len(sizes) == batch and sizes == [len(a) for a in np.array_split(np.arange(n), batch)]:
                fail(f"batches must hold batch_size={batch} rows (the last one fewer); got sizes {sizes}: the data "
                     f"was cut into batch_size = {batch} batches of about N / {batch} rows instead of batches of "
                     f"batch_size rows (np.array_split's second argument is the NUMBER of pieces): slice "
                     f"order[start:start + batch_size] for start in range(0, N, batch_size)",
                     "batch-count-is-batch-size")
            pieces = n // batch
            if pieces >= 1 and n % batch and sizes == [len(a) for a in np.array_split(np.arange(n), pieces)]:
                fail(f"batches must hold batch_size={batch} rows (the last one fewer); got sizes {sizes}: the data was "
                     f"cut into N // batch_size = {pieces} pieces of near-equal size (np.array_split(order, N // "
                     f"batch_size)), which spreads the {n % batch} remaining samples over the batches instead of "
                     f"keeping batches of batch_size rows and a smaller last one: slice order[start:start + "
                     f"batch_size] for start in range(0, N, batch_size)", "batches-equal-pieces")
            if batch > 1 and set(sizes) == {1} and len(sizes) == n:
                fail(f"batches must hold batch_size={batch} rows (the last one fewer); model.forward got all {n} "
                     f"samples ONE row at a time ({log.count('step')} optimizer.step() calls): a loop over the "
                     f"samples of each batch (for i in idx: ...), or batch_size not used, trains one sample per "
                     f"step. Pass each batch whole, model.forward(x[idx]), and take one step per batch",
                     "batch-one-row-at-a-time")
            fail(f"batches must hold batch_size={batch} rows (the last one fewer); got sizes {sizes}",
                 "batch-sizes")
        expected_sizes = [min(batch, n - s) for s in range(0, n, batch)]
        if sorted(sizes, reverse=True) != expected_sizes:
            split = (" (np.array_split(order, ceil(N / batch_size)) evens the sizes out: its second argument "
                     "is a number of pieces, not a size)"
                     if sizes == [len(a) for a in np.array_split(np.arange(n), n_batches)] else "")
            fail(f"batches must hold batch_size samples, the last one the rest: N = {n}, batch_size = {batch} must "
                 f"give batch sizes {expected_sizes}, the model saw {sizes}{split}; slice order[start:start + "
                 f"batch_size] for start in range(0, N, batch_size)", "batch-sizes-evened")
        # (x, y) pairs intact: the loss must see the targets of the rows the model saw.
        for b, t, p in zip(rows, rec["loss"].targets_ok, rec["loss"].preds):
            want = y[b].astype(np.float64)
            if t.shape != want.shape and want.ndim == 2 and want.shape[1] > 1 and np.ndim(t) == 1 \
                    and core.close(np.ravel(t), want.ravel(), 1e-6, 1e-6):
                both = (" (and the predictions)" if np.ndim(p) == 1 and np.size(p) == want.size else "")
                fail(f"the loss was given the batch's targets{both} flattened: shape {np.shape(t)} for a batch of "
                     f"{want.shape[0]} rows with {want.shape[1]} outputs each, (B, out) = {want.shape} "
                     f"(a .ravel(), .flatten() or reshape(-1) of y[idx] or of the model's output), which is right "
                     f"only for one output. Pass the model's (B, out) output and y[idx] unchanged: "
                     f"loss_fn.forward(model.forward(x[idx]), y[idx])", "loss-arguments-flattened")
            if t.shape != want.shape or not core.close(t, want, 1e-6, 1e-6):
                if p.size == want.size and core.close(p.reshape(want.shape), want, 1e-6, 1e-6):
                    fail("the loss was given (targets, predictions): its first argument held the targets of the "
                         "batch. The prediction comes first, loss_fn.forward(pred, y_batch); the order matters for "
                         "backward (the gradient is taken with respect to the first argument)", "loss-arguments-swapped")
                _target_columns(t, want, y)
                if t.shape == want.shape and want.ndim == 2 and len(b) > 1:
                    ours = np.lexsort(want.T[::-1])
                    if core.close(t[np.lexsort(t.T[::-1])], want[ours], 1e-6, 1e-6):
                        sorted_ids = core.close(t, y[np.sort(b)].astype(np.float64), 1e-6, 1e-6)
                        fail("the targets given to the loss are those of the batch's own rows, but in another order "
                             "than the rows the model saw"
                             + (": the order of the SORTED indices (y[np.sort(idx)] or y[sorted(idx)]) while x[idx] "
                                "keeps the shuffled order" if sorted_ids else "")
                             + ": each row's target must stay next to it; index x and y with the same index array, "
                               "x[idx] and y[idx]", "pairs-reordered-in-batch")
                fail("the targets given to the loss are not those of the sampled rows (the (x, y) pairs are broken): index x and y with "
                     "the same shuffled indices", "pairs-broken")
        # The order: shuffled, drawn from the rng passed in, reproducible from it.
        if n > 2 and batch < n and flat.tolist() == list(range(n)):
            _sorted_by_target(train_epoch, x, y, w, batch, label, lr)
            fail("the samples must be shuffled every epoch with the rng passed in (rng.permutation(N)); "
                 "they came in their original order", "not-shuffled")
        again = _epoch(train_epoch, x, y, batch, 11, w, label, lr)
        other = _epoch(train_epoch, x, y, batch, 12, w, label, lr)
        order = flat.tolist()
        if n > 2 and (np.concatenate(again["rows"]).tolist() if again["rows"] else []) != order:
            fail("the order is not reproducible from the rng: two generators with the same seed gave different "
                 "orders (draw the permutation from the rng argument, not from np.random)", "order-not-from-rng")
        # One batch holding all N rows may list them in any order (sorted indices are fine): the
        # order is then no property of the shuffle, as for "not-shuffled" above.
        if n > 2 and batch < n and (np.concatenate(other["rows"]).tolist() if other["rows"] else []) == order:
            fail("the order does not depend on the rng passed in: generators with different seeds gave the same "
                 "order (a fresh permutation must be drawn from rng at every epoch, not a fixed seed)",
                 "order-ignores-rng")
        same_batches_every_epoch(rows, other["rows"], n, batch, f"train_epoch(..., batch_size={batch}) on N = {n} samples")
        # The update loop.
        steps = log.count("step")
        if steps != n_batches:
            fail(f"optimizer.step() must be called once per batch: {steps} calls for {n_batches} batches",
                 "step-count")
        model, loss_fn, opt = rec["model"], rec["loss"], rec["opt"]
        _optimizer_settings_kept(opt, lr, label, sizes, batch)
        for k, g in enumerate(model.grads_in):
            if isinstance(g, np.ndarray) and k < len(loss_fn.returned) and not same(g, loss_fn.returned[k]):
                factor = explain_factor(g, loss_fn.returned[k], {"B": len(rows[k]) if k < len(rows) else 1, "N": n})
                if factor:
                    factor = factor.replace("your result is the expected one", "model.backward received loss_fn.backward()")
                    fail(f"model.backward must receive the gradient returned by loss_fn.backward() unchanged: {factor} "
                         f"(the loss backward already holds the 1/B of the mean: pass its result as it is)",
                         "backward-input-scaled")
            if not isinstance(g, np.ndarray) or k >= len(loss_fn.returned) or not same(g, loss_fn.returned[k]):
                fail("model.backward must receive the gradient returned by loss_fn.backward() (got "
                     f"{core.describe(g) if not isinstance(g, np.ndarray) else 'another array'})",
                     "backward-input")
        if len(model.grads_in) != n_batches:
            _loss_backward_first(log)
            fail(f"model.backward(loss_fn.backward()) must be called once per batch: {len(model.grads_in)} calls "
                 f"for {n_batches} batches", "backward-count")
        ws = w.copy()
        for k, b in enumerate(rows):
            xb = x[b].astype(np.float64)
            diff = xb @ ws - y[b].astype(np.float64).reshape(len(b), -1)
            fresh = xb.T @ (2 * diff / diff.size)
            seen = opt.at_step[k] if k < len(opt.at_step) else None
            if seen is None or not core.close(seen, fresh, 1e-6, 1e-9):
                i = log.index("step") if "step" in log else -1
                if i >= 0 and "backward" not in log[:i]:
                    fail("optimizer.step() was called before model.backward(): compute the gradients first",
                         "step-before-backward")
                if seen is not None and not np.any(seen) and np.any(fresh) and _zero_grad_after_backward(log, k):
                    fail("optimizer.step() saw gradients of zero: optimizer.zero_grad() was called between "
                         "model.backward() and optimizer.step(); call it before the forward/backward pass of "
                         "each batch", "zero-grad-before-step")
                _call_order(log, k)
                fail("the gradient used by optimizer.step() is not this batch's gradient alone: call "
                     "optimizer.zero_grad() before every backward pass (gradients accumulate in .grad)",
                     "zero-grad-missing")
            ws = ws - lr * fresh
        # The epoch's loss: batch losses weighted by batch size.
        if isinstance(rec["value"], np.ndarray):
            fail(f"the value returned by {label} is a numpy array of shape {rec['value'].shape}: the docstring asks "
                 f"for a float (return float(total / N); np.array(...) makes an array even of one number)",
                 "train-epoch-returns-array")
        if isinstance(rec["value"], np.floating) and rec["value"].dtype.itemsize < 8:
            fail(f"the value returned by {label} is a {type(rec['value']).__name__}, not a float (the docstring "
                 f"asks for a float): the epoch total was accumulated in {rec['value'].dtype} (total = "
                 f"np.{rec['value'].dtype}(0) or a {rec['value'].dtype} array's sum), so every batch loss added to it "
                 f"is rounded to {rec['value'].dtype}; start from total = 0.0 and return float(total / N)",
                 "train-epoch-low-precision-total")
        rec["value"] = expect_scalar(rec["value"], name=f"the value returned by {label}")
        batches = loss_fn.batches
        weighted = sum(v * m for v, m in batches) / max(sum(m for _, m in batches), 1)
        expect_close(rec["value"], weighted, name=f"the loss returned by {label}", diagnose={
            "return the epoch's mean loss: weight each batch loss by its batch size (the last batch is smaller)":
                lambda: float(np.mean([v for v, _ in batches])),
            "return the epoch's mean loss, not the last batch's loss": lambda: batches[-1][0],
            "return the epoch's mean loss, not the sum of the batch losses": lambda: sum(v for v, _ in batches),
            "return the epoch's mean loss, not the first batch's loss": lambda: batches[0][0],
            "the weighted sum of the batch losses is divided by the number of batches: divide by N":
                lambda: weighted * max(sum(m for _, m in batches), 1) / max(len(batches), 1),
            f"the last, smaller batch (of {n % batch} samples) is trained on but its loss is not counted: add "
            f"loss * len(idx) for every batch, the last one included, and divide by N":
                lambda: sum(v * m for v, m in batches if m == batch) / n
                if n % batch and len(batches) > 1 else None,
            f"the last, smaller batch (of {n % batch} samples) is trained on but its loss is left out of the mean: "
            f"add loss * len(idx) for every batch, the last one included, and divide by N":
                lambda: sum(v * m for v, m in batches if m == batch) / max(n - n % batch, 1)
                if n % batch and len(batches) > 1 else None,
            "each batch loss is weighted by batch_size, but the last batch is smaller: weight each batch loss "
            "by its own size (len(idx))": lambda: sum(v * batch for v, _ in batches) / n,
            "the weighted sum of the batch losses is not divided by N: return sum(loss * len(idx)) / N":
                lambda: weighted * n,
            "the epoch loss is divided by N twice (once inside the loop, total += loss * len(idx) / N, and again "
            "at the end, or twice at the end): add loss * len(idx) for each batch and divide the total by N once":
                lambda: weighted / n,
            f"the weighted sum of the batch losses is divided by {len(batches) - 1}, the index of the last batch, "
            f"instead of N = {n}: was the name holding N overwritten by a loop counter (for n, start in "
            f"enumerate(...) reuses n)? Divide by N = len(x)": lambda: weighted * n / (len(batches) - 1)
            if len(batches) > 2 and len(batches) - 1 != n else None,
            "the weighted sum of the batch losses is divided by (number of batches) * batch_size, as if the last "
            "batch were full: divide by N, the number of samples": lambda: weighted * n / (len(batches) * batch)
            if n % batch else None,
            "the epoch loss is a running average, avg = (avg + loss) / 2, which halves the weight of every earlier "
            "batch: return the mean over the samples, sum(loss * len(idx)) / N": lambda: _halving_average(batches),
            "only the last batch is left in the total: it is reset inside the loop (total = 0 indented under the "
            "for); set it to 0 once, before the loop": lambda: batches[-1][0] * batches[-1][1] / n
            if len(batches) > 1 else None,
        })
    return run


def _sorted_by_target(train_epoch, x, y, w, batch: int, label: str, lr: float) -> None:
    """The samples came in their original order, which the case's targets follow (increasing with the row):
    the same rows with the targets in reverse order tell a loop that sorts by target (then the rows come
    last first) from one that does not shuffle. Asked only after a failure."""
    y2 = y[::-1].copy()
    try:
        again = _epoch(train_epoch, x, y2, batch, 11, w, label, lr)["rows"]
    except core.CheckFailure:
        return
    flat = np.concatenate(again).tolist() if again else []
    if flat != list(range(len(x)))[::-1]:
        return
    fail(f"{label}: the samples came sorted by their target value (in the original order, whose targets increase "
         f"with the row, and last row first when the same rows get the targets in reverse order): sorting the "
         f"samples by y (np.argsort of the targets, an easy-first curriculum) undoes the shuffle. Every epoch uses "
         f"the order rng.permutation(N) as drawn", "order-sorted-by-target")


def _stops_on_small_loss(train_epoch, rec, x, y, w, batch: int, label: str, lr: float) -> None:
    """Property of a training loop: an epoch uses every sample exactly once whatever the losses. An epoch that
    used a proper prefix of its batches (no sample twice) is called again on the same rows with targets far off
    (large losses): when that call uses every sample, the epoch ended on a small loss (an early stop or a
    convergence test inside the loop). Asked only after a failure."""
    rows, n = rec["rows"], len(x)
    flat = np.concatenate(rows).tolist() if rows else []
    if not rows or len(flat) >= n or len(set(flat)) != len(flat):
        return
    try:
        far = _epoch(train_epoch, x, (y.astype(np.float64) + 50.0).astype(y.dtype), batch, 11, w, label, lr)
    except core.CheckFailure:
        return
    far_flat = np.concatenate(far["rows"]).tolist() if far["rows"] else []
    if sorted(far_flat) != list(range(n)):
        return
    losses = ", ".join(f"{v:.2g}" for v, _ in rec["loss"].batches)
    fail(f"{label} used only {len(flat)} of the {n} samples ({len(rows)} of the {-(-n // batch)} batches) when the "
         f"batch losses were small ({losses}), but every sample when the same rows had targets far off (large "
         f"losses): the epoch ends early on a small loss (a convergence test or early stop, break / return, inside "
         f"the loop). An epoch is one pass over every sample exactly once, whatever the losses; deciding to stop "
         f"training belongs to the caller, between epochs", "epoch-stops-on-small-loss")


def _halving_average(batches: list) -> float | None:
    """(avg + loss) / 2 over the batch losses, the first taken as it is."""
    if len(batches) < 3:
        return None
    avg = batches[0][0]
    for v, _ in batches[1:]:
        avg = (avg + v) / 2
    return avg


def train_epoch(train_epoch) -> None:
    r = core.rng("lab01.train_epoch")
    run_cases([
        (None, _train_case(train_epoch, r, 23, 5, 2, np.float64)),     # 4 full batches + one of 3
        # lr not round, below and above 0.01: an epoch that caps or floors optimizer.lr is seen
        (None, _train_case(train_epoch, r, 9, 4, 1, np.float32, 0.0037)),      # float32, one output
        ("batch_size = 1", _train_case(train_epoch, r, 7, 1, 2, np.float64)),
        ("batch_size > N", _train_case(train_epoch, r, 6, 10, 2, np.float64, 0.37)),   # one step: no divergence
        # targets the model already fits: every batch loss near 0 (an epoch ending on a small loss is seen)
        (None, _train_case(train_epoch, r, 17, 4, 1, np.float64, fitted=True)),
    ])
