"""Hidden checks of Lab 01 (model.py: Linear, ReLU, Sigmoid, MSELoss, SGD, Sequential; train_epoch).

Oracles are written independently of the reference solution: explicit sums with einsum,
``tanh`` for the sigmoid, finite differences for every gradient.  Mock layers and
optimizers isolate each graded behaviour, so a bug in one class does not cost points in
the checks of another.
"""
from __future__ import annotations

import numpy as np

from . import core
from .core import call, expect_array, expect_close, expect_scalar, fail, numerical_gradient

#: Lab 01 asks for NumPy implementations: the sandboxed kernel refuses these while grading
#: (a lab rule, enforced by autograder/kernel/policy.py; the verdict never depends on it).
FORBIDDEN_IMPORTS = ("torch", "tensorflow", "jax", "autograd", "sklearn", "keras")

# (N, in, out): a square case first (so transposition mistakes give wrong *values* that the
# diagnoses can name), then batch size 1, then non-square batches.
LINEAR_SHAPES = [(5, 4, 4), (1, 3, 7), (8, 6, 2), (3, 2, 5)]
ELEMENTWISE_SHAPES = [(4, 3), (1, 6), (7, 2)]


def _linear(Linear, n_in, n_out, r, dtype=np.float64):
    layer = call(Linear, n_in, n_out, name=f"Linear({n_in}, {n_out})")
    for attr, shape in (("W", (n_in, n_out)), ("b", (1, n_out))):
        p = getattr(layer, attr, None)
        if p is None or not hasattr(p, "data") or not hasattr(p, "grad"):
            fail(f"Linear must keep its parameters as Parameter objects in .{attr}")
        expect_array(p.data, name=f"Linear({n_in}, {n_out}).{attr}.data", shape=shape)
        p.data = r.normal(size=shape).astype(dtype)
        p.grad = np.zeros(shape)
    return layer


def linear_forward(Linear) -> None:
    r = core.rng("lab01.linear_forward")
    for n, i, o in LINEAR_SHAPES:
        layer = _linear(Linear, i, o, r)
        W, b = layer.W.data.copy(), layer.b.data.copy()
        x = r.normal(size=(n, i))
        y = expect_array(call(layer.forward, x, name="Linear.forward"), name="Linear.forward(x)", shape=(n, o))
        expected = np.einsum("ni,io->no", x, W) + b
        expect_close(y, expected, name="Linear.forward(x)", diagnose={
            "the bias b is missing (y = x @ W + b)": lambda: x @ W,
            "W is used transposed: y = x @ W with W of shape (in, out)": lambda: x @ W.T + b,
        })
    # float32 in, float32 parameters: any floating result of the right value is fine.
    layer = _linear(Linear, 3, 2, r, np.float32)
    x = r.normal(size=(4, 3)).astype(np.float32)
    y = expect_array(call(layer.forward, x, name="Linear.forward"), name="Linear.forward(float32 x)", shape=(4, 2))
    expect_close(y, x.astype(np.float64) @ layer.W.data + layer.b.data, name="Linear.forward(float32 x)", rtol=1e-4, atol=1e-5)


def linear_backward(Linear) -> None:
    r = core.rng("lab01.linear_backward")
    for n, i, o in LINEAR_SHAPES:
        layer = _linear(Linear, i, o, r)
        W = layer.W.data.copy()
        x = r.normal(size=(n, i))
        g = r.normal(size=(n, o))
        call(layer.forward, x, name="Linear.forward")
        dx = call(layer.backward, g, name="Linear.backward")
        if isinstance(dx, np.ndarray) and dx.shape == (i, o) and (n, i) != (i, o):
            fail("Linear.backward must return dL/dx of shape (N, in), not the weight gradient dL/dW")
        dx = expect_array(dx, name="Linear.backward (dL/dx)", shape=(n, i))
        if np.shape(layer.W.grad) == (o, i) and i != o:
            fail(f"W.grad has shape {(o, i)}: dW = x.T @ grad_out has shape (in, out) = {(i, o)} (wrong transpose)")
        dW = expect_array(layer.W.grad, name="W.grad after backward", shape=(i, o))
        if np.shape(layer.b.grad) == (n, o) and n != 1:
            fail(f"db must be summed over the batch axis: expected shape (1, {o}), got ({n}, {o})")
        db = expect_array(layer.b.grad, name="b.grad after backward", shape=(1, o))
        exp_dx = np.einsum("no,io->ni", g, W)
        exp_dW = np.einsum("ni,no->io", x, g)
        exp_db = np.einsum("no->o", g)[None, :]
        expect_close(dx, exp_dx, name="dL/dx returned by Linear.backward", diagnose={
            "dx must be grad_out @ W.T (W is (in, out)); you used W without the transpose": lambda: g @ W,
            "Linear.backward must return dL/dx, not the weight gradient dL/dW": lambda: exp_dW,
        })
        expect_close(dW, exp_dW, name="W.grad", diagnose={
            "dW must be x.T @ grad_out; you have the transpose wrong": lambda: exp_dW.T,
            "dW is scaled by 1/N: the 1/N belongs in the loss backward only": lambda: exp_dW / n,
        })
        expect_close(db, exp_db, name="b.grad", diagnose={
            "db is averaged: sum grad_out over the batch axis (the 1/N lives in the loss)": lambda: exp_db / n,
        })
        # Finite differences of L = sum(g * forward(x)) against the three gradients.
        def loss_x(xx):
            return float(np.sum(g * (xx @ W + layer.b.data)))
        expect_close(dx, numerical_gradient(loss_x, x.copy()), name="dL/dx vs finite differences", rtol=1e-5, atol=1e-6)
        # Gradients accumulate: a second backward adds the same amount again.
        call(layer.backward, g, name="Linear.backward (second call)")
        expect_close(layer.W.grad, 2 * exp_dW, name="W.grad after two backward calls", diagnose={
            "backward must add into W.grad (+=), not overwrite it; SGD.zero_grad resets it": lambda: exp_dW,
        })
        expect_close(layer.b.grad, 2 * exp_db, name="b.grad after two backward calls", diagnose={
            "backward must add into b.grad (+=), not overwrite it; SGD.zero_grad resets it": lambda: exp_db,
        })


def _elementwise_cases(r):
    for shape in ELEMENTWISE_SHAPES:
        x = r.normal(scale=2.0, size=shape)
        x[np.abs(x) < 1e-3] = 0.5  # stay away from the kink for finite differences
        yield x


def relu(ReLU) -> None:
    r = core.rng("lab01.relu")
    for x in _elementwise_cases(r):
        layer = call(ReLU, name="ReLU()")
        y = expect_array(call(layer.forward, x, name="ReLU.forward"), name="ReLU.forward(x)", shape=x.shape)
        expect_close(y, np.where(x > 0, x, 0.0), name="ReLU.forward(x)")
        g = r.normal(size=x.shape)
        dx = expect_array(call(layer.backward, g, name="ReLU.backward"), name="ReLU.backward", shape=x.shape)
        relu_x = np.where(x > 0, x, 0.0)
        expect_close(dx, g * (x > 0), name="ReLU.backward", diagnose={
            "the ReLU mask is the wrong way round: the gradient flows where x > 0": lambda: g * (x < 0),
            "the ReLU backward multiplies by the output; use the mask (x > 0) taken from the input": lambda: g * relu_x,
            "the ReLU backward must multiply grad_out by the mask, not return the mask": lambda: (x > 0) * 1.0,
        })
        num = numerical_gradient(lambda xx: float(np.sum(g * np.maximum(xx, 0))), x.copy())
        expect_close(dx, num, name="ReLU.backward vs finite differences", rtol=1e-5, atol=1e-6)


def _sigmoid_oracle(x):
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(x, dtype=np.float64)))


def sigmoid(Sigmoid) -> None:
    r = core.rng("lab01.sigmoid")
    cases = list(_elementwise_cases(r)) + [np.array([[-1000.0, -30.0, 0.0, 30.0, 1000.0]])]
    for x in cases:
        layer = call(Sigmoid, name="Sigmoid()")
        y = expect_array(call(layer.forward, x, name="Sigmoid.forward"), name="Sigmoid.forward(x)", shape=x.shape)
        s = _sigmoid_oracle(x)
        expect_close(y, s, name="Sigmoid.forward(x)", diagnose={
            "sigmoid is 1 / (1 + exp(-x)); you computed 1 / (1 + exp(x))": lambda: _sigmoid_oracle(-x),
        })
        g = r.normal(size=x.shape)
        dx = expect_array(call(layer.backward, g, name="Sigmoid.backward"), name="Sigmoid.backward", shape=x.shape)
        expect_close(dx, g * s * (1 - s), name="Sigmoid.backward", diagnose={
            "the sigmoid derivative must be sigma(x)(1 - sigma(x)) of the *output*, not x(1 - x) of the pre-activation":
                lambda: g * x * (1 - x),
            "the sigmoid derivative was applied twice (to its own output)":
                lambda: g * (s * (1 - s)) * (1 - s * (1 - s)),
        })
        if np.abs(x).max() < 100:
            num = numerical_gradient(lambda xx: float(np.sum(g * _sigmoid_oracle(xx))), x.copy())
            expect_close(dx, num, name="Sigmoid.backward vs finite differences", rtol=1e-5, atol=1e-7)


def mse_loss(MSELoss) -> None:
    r = core.rng("lab01.mse")
    for n, d in [(6, 1), (1, 3), (5, 2)]:
        pred, target = r.normal(size=(n, d)), r.normal(size=(n, d))
        loss_fn = call(MSELoss, name="MSELoss()")
        value = expect_scalar(call(loss_fn.forward, pred, target, name="MSELoss.forward"), name="MSELoss.forward")
        diff = pred - target
        expect_close(value, np.einsum("nd,nd->", diff, diff) / (n * d), name="MSELoss.forward", diagnose={
            "the loss must be the mean over the batch, not the sum": np.sum(diff ** 2),
            "the MSE averages the squared error: you averaged the absolute error": np.mean(np.abs(diff)),
        })
        grad = expect_array(call(loss_fn.backward, name="MSELoss.backward"), name="MSELoss.backward()", shape=(n, d))
        exact = 2 * diff / (n * d)
        expect_close(grad, exact, name="MSELoss.backward()", diagnose={
            "the 1/N factor is missing from the MSE gradient": 2 * diff,
            "the 1/N factor is applied twice in the MSE gradient": 2 * diff / (n * d) ** 2,
            "the factor 2 of d/dp (p - t)^2 is missing": diff / (n * d),
            "the MSE gradient has the wrong sign: it is 2 (pred - target) / N": -exact,
        })
        num = numerical_gradient(lambda p: float(np.mean((p - target) ** 2)), pred.copy())
        expect_close(grad, num, name="MSELoss.backward vs finite differences", rtol=1e-5, atol=1e-8)
    # (N,) targets against (N, 1) predictions must not broadcast to an (N, N) comparison.
    pred, target = r.normal(size=(7, 1)), r.normal(size=7)
    loss_fn = call(MSELoss, name="MSELoss()")
    value = expect_scalar(call(loss_fn.forward, pred, target, name="MSELoss.forward"), name="MSELoss.forward with (N,) targets")
    expect_close(value, np.mean((pred[:, 0] - target) ** 2), name="MSELoss.forward with (N,) targets", diagnose={
        "(N,) targets broadcast against (N, 1) predictions into an (N, N) matrix: reshape the target":
            np.mean((pred - target) ** 2),
    })


class _Param:
    def __init__(self, data, grad):
        self.data, self.grad = data, grad


def sgd(SGD) -> None:
    r = core.rng("lab01.sgd")
    lr = float(r.uniform(0.05, 0.5))
    shapes = [(3, 4), (1, 4), (5,)]
    params = [core.kernel_object(data=r.normal(size=s), grad=r.normal(size=s)) for s in shapes]
    before = [(p.data.copy(), p.grad.copy()) for p in params]
    opt = call(SGD, params, lr, name="SGD(params, lr)")
    call(opt.step, name="SGD.step")
    for k, (p, (d0, g0)) in enumerate(zip(params, before)):
        got = expect_array(p.data, name=f"parameter {k} after step", shape=d0.shape)
        expect_close(got, d0 - lr * g0, name=f"parameter {k} after SGD.step", diagnose={
            "the update has the wrong sign: gradient descent is p - lr * grad": d0 + lr * g0,
            "the learning rate is ignored": d0 - g0,
        })
        expect_close(p.grad, g0, name=f"parameter {k}'s grad after step (step must not change grads)")
    call(opt.zero_grad, name="SGD.zero_grad")
    for k, p in enumerate(params):
        grad = expect_array(p.grad, name=f"parameter {k}'s grad after zero_grad", shape=p.data.shape)
        if np.any(grad != 0):
            fail("SGD.zero_grad must reset every gradient to zero: gradients would accumulate across steps")


class _Recorder:
    """A mock layer: scales by ``k`` and records the order of calls."""

    def __init__(self, k, log, name):
        self.k, self.log, self.name = k, log, name
        self.p = _Param(np.full((1, 1), k), np.zeros((1, 1)))

    def forward(self, x):
        self.log.append(("forward", self.name))
        return x * self.k + 1.0

    def backward(self, g):
        self.log.append(("backward", self.name))
        return g * self.k

    def parameters(self):
        return [self.p]

    __call__ = forward


def sequential(Sequential) -> None:
    r = core.rng("lab01.sequential")
    log = []
    ks = [2.0, -3.0, 0.5]
    layers = [_Recorder(k, log, f"layer{i}") for i, k in enumerate(ks)]
    model = call(Sequential, *layers, name="Sequential(...)")
    x = r.normal(size=(4, 1))
    y = expect_array(call(model.forward, x, name="Sequential.forward"), name="Sequential.forward(x)", shape=(4, 1))
    expected = x
    for k in ks:
        expected = expected * k + 1.0
    expect_close(y, expected, name="Sequential.forward(x)", diagnose={
        "the layers must be applied first to last": lambda: (((x * ks[2] + 1) * ks[1] + 1) * ks[0] + 1),
        "every layer must receive the previous layer's output, not the original input": lambda: x * ks[-1] + 1.0,
    })
    log.clear()
    g = r.normal(size=(4, 1))
    dx = expect_array(call(model.backward, g, name="Sequential.backward"), name="Sequential.backward(g)", shape=(4, 1))
    order = [name for kind, name in log if kind == "backward"]
    if order != ["layer2", "layer1", "layer0"]:
        fail(f"Sequential.backward must call the layers' backward in reverse order (last layer first); called {order}")
    expect_close(dx, g * np.prod(ks), name="Sequential.backward(g)",
                 diagnose={"each layer's backward must receive the gradient returned by the layer after it": g * ks[0]})
    params = call(model.parameters, name="Sequential.parameters")
    if not isinstance(params, (list, tuple)):
        fail(f"Sequential.parameters must return a list, got {type(params).__name__}")
    if len(params) != len(layers) or any(a is not b.p for a, b in zip(params, layers)):
        fail("Sequential.parameters must return every layer's parameters (the same objects, first layer first)")


class _MockModel:
    """y = x @ w (w of shape (D, 1)) that logs every call and the rows it saw."""

    def __init__(self, d, log):
        self.p = _Param(np.zeros((d, 1)), np.zeros((d, 1)))
        self.log, self.seen = log, []

    def forward(self, x):
        self.log.append("forward")
        self.seen.append(x.copy())
        self.x = x
        return x @ self.p.data

    def backward(self, g):
        self.log.append("backward")
        self.p.grad += self.x.T @ g
        return g @ self.p.data.T

    def parameters(self):
        return [self.p]

    __call__ = forward


class _MockLoss:
    def __init__(self, log):
        self.log, self.batches = log, []

    def forward(self, pred, target):
        self.log.append("loss")
        self.diff = pred - target.reshape(pred.shape)
        value = float(np.mean(self.diff ** 2))
        self.batches.append((value, len(pred)))
        return value

    def backward(self):
        return 2 * self.diff / self.diff.size

    __call__ = forward


class _MockSGD:
    def __init__(self, params, lr, log):
        self.params, self.lr, self.log = params, lr, log

    def step(self):
        self.log.append("step")
        for p in self.params:
            p.data = p.data - self.lr * p.grad

    def zero_grad(self):
        self.log.append("zero_grad")
        for p in self.params:
            p.grad = np.zeros_like(p.data)


def train_epoch(train_epoch) -> None:
    r = core.rng("lab01.train_epoch")
    n, d, batch = 23, 3, 5          # 23 = 4 full batches + one partial batch of 3
    x = r.normal(size=(n, d))
    x[:, 0] = np.arange(n)          # column 0 identifies the row
    w_true = r.normal(size=(d, 1))
    y = x @ w_true
    log = []
    model, loss_fn = _MockModel(d, log), _MockLoss(log)
    opt = _MockSGD(model.parameters(), 1e-3, log)
    losses = []
    for epoch in range(2):
        model.seen.clear()
        loss_fn.batches.clear()
        value = expect_scalar(call(train_epoch, model, loss_fn, opt, x, y, batch, np.random.default_rng(epoch),
                                   name="train_epoch"), name="train_epoch(...)")
        losses.append(value)
        rows = np.concatenate([s[:, 0] for s in model.seen]) if model.seen else np.array([])
        sizes = [len(s) for s in model.seen]
        if sorted(rows.tolist()) != list(range(n)):
            fail(f"every sample must be used exactly once per epoch (last partial batch included); "
                 f"saw {len(rows)} rows for N={n}, batch sizes {sizes}")
        if max(sizes) > batch or len(sizes) != -(-n // batch):
            fail(f"batches must hold batch_size={batch} rows (the last one fewer); got sizes {sizes}")
        weighted = sum(v * m for v, m in loss_fn.batches) / max(sum(m for _, m in loss_fn.batches), 1)
        expect_close(value, weighted, name="the loss returned by train_epoch", diagnose={
            "return the epoch's mean loss: weight each batch loss by its batch size":
                lambda: np.mean([v for v, _ in loss_fn.batches]),
            "return the epoch's mean loss, not the last batch's loss": lambda: loss_fn.batches[-1][0],
        })
        if epoch == 0:
            first_order = rows.copy()
        elif np.array_equal(rows, first_order) or np.array_equal(rows, np.arange(n)):
            fail("the samples must be shuffled every epoch with the rng passed in (rng.permutation(N))")
    steps = [e for e in log if e in ("zero_grad", "backward", "step")]
    for i, e in enumerate(steps):
        if e == "backward" and (i == 0 or steps[i - 1] != "zero_grad"):
            fail("gradients accumulated across steps: call optimizer.zero_grad() before every backward pass")
    if steps.count("step") != 2 * -(-n // batch):
        fail(f"optimizer.step() must be called once per batch: {steps.count('step')} calls for {2 * -(-n // batch)} batches")
    if not losses[1] < losses[0]:
        fail(f"the training loss did not decrease over two epochs ({losses[0]:.4g} -> {losses[1]:.4g})")
