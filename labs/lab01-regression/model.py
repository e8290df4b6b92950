"""Lab 01: the building blocks of a neural network, from scratch in NumPy.

Conventions (the whole course uses them):

* rows are samples: a batch ``x`` has shape ``(N, in_features)``;
* a linear layer computes ``y = x @ W + b`` with ``W`` of shape ``(in, out)`` and ``b`` of
  shape ``(1, out)``;
* ``forward`` caches what ``backward`` needs; ``backward(grad_out)`` receives
  ``dL/d(output)`` and returns ``dL/d(input)``, and *adds* parameter gradients into
  ``Parameter.grad`` (as PyTorch does), so an optimizer must call ``zero_grad()`` between
  steps;
* losses are means; the ``1/N`` appears in the loss backward only.

Fill in every region marked ``# YOUR CODE HERE``.  Do not change signatures.
"""
from __future__ import annotations

import numpy as np


class Parameter:
    """A trainable array ``data`` and the gradient ``grad`` of the loss with respect to it.

    ``grad`` always has the shape of ``data``.
    """

    def __init__(self, data: np.ndarray):
        self.data = np.array(data, dtype=np.float64)
        self.grad = np.zeros_like(self.data)

    def __repr__(self) -> str:
        return f"Parameter(shape={self.data.shape})"


class Module:
    """Base class: a differentiable function of a batch."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def parameters(self) -> list[Parameter]:
        """The trainable parameters of this module (none by default)."""
        return []

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.forward(x)


def init_weight(in_features: int, out_features: int, method: str = "he",
                std: float = 0.01, rng: np.random.Generator | None = None) -> np.ndarray:
    """A weight matrix of shape ``(in_features, out_features)`` drawn from a zero-mean normal.

    method: ``"normal"`` (standard deviation ``std``; the brief uses 0.01), ``"xavier"``
    (variance 2 / (in + out)) or ``"he"`` (variance 2 / in, suited to ReLU).
    """
    rng = rng if rng is not None else np.random.default_rng()
    scale = {"normal": std,
             "xavier": np.sqrt(2.0 / (in_features + out_features)),
             "he": np.sqrt(2.0 / in_features)}[method]
    return rng.normal(0.0, scale, size=(in_features, out_features))


class Linear(Module):
    """Fully connected layer ``y = x @ W + b``.

    Parameters: ``W`` of shape ``(in_features, out_features)``, ``b`` of shape
    ``(1, out_features)``, initialised by :func:`init_weight` and zeros.
    """

    def __init__(self, in_features: int, out_features: int, init: str = "he",
                 std: float = 0.01, rng: np.random.Generator | None = None):
        self.W = Parameter(init_weight(in_features, out_features, init, std, rng))
        self.b = Parameter(np.zeros((1, out_features)))
        self.x = None  # the input cached by forward

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x: (N, in_features) -> y: (N, out_features).  Cache ``x`` in ``self.x`` for backward."""
        # YOUR CODE HERE
        raise NotImplementedError()

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """grad_out: (N, out_features), the gradient dL/dy, for the input ``self.x`` of the last forward.

        Adds dL/dW (in_features, out_features) to ``W.grad`` and dL/db (1, out_features) to
        ``b.grad``; returns dL/dx of shape (N, in_features).
        """
        # YOUR CODE HERE
        raise NotImplementedError()

    def parameters(self) -> list[Parameter]:
        return [self.W, self.b]


class ReLU(Module):
    """Elementwise ``max(x, 0)``; its derivative is taken as 0 at ``x == 0``."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x: (N, D) -> (N, D), same shape and dtype as ``x``.  Must not modify ``x``."""
        # YOUR CODE HERE
        raise NotImplementedError()

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """grad_out: (N, D) -> dL/dx: (N, D)."""
        # YOUR CODE HERE
        raise NotImplementedError()


class Sigmoid(Module):
    """Elementwise ``1 / (1 + exp(-x))``, without overflow for any float input."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x: (N, D) -> (N, D), same shape and dtype as ``x``, values in [0, 1].  No overflow warning
        even for |x| = 1000."""
        # YOUR CODE HERE
        raise NotImplementedError()

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """grad_out: (N, D) -> dL/dx: (N, D), using sigma'(x) = sigma(x) (1 - sigma(x))."""
        # YOUR CODE HERE
        raise NotImplementedError()


class MSELoss:
    """Mean squared error, averaged over every entry: ``mean((pred - target) ** 2)``."""

    def forward(self, pred: np.ndarray, target: np.ndarray) -> float:
        """pred: (N, D); target: (N, D), or (N,) when D == 1 (reshape it: broadcasting a (N,)
        target against (N, 1) predictions would silently compare every pair).  Returns a Python float
        (float(...): a numpy float32 scalar or a 0-d array is not one).
        """
        # YOUR CODE HERE
        raise NotImplementedError()

    def backward(self) -> np.ndarray:
        """dL/dpred: (N, D), for the batch passed to the last ``forward``."""
        # YOUR CODE HERE
        raise NotImplementedError()

    def __call__(self, pred: np.ndarray, target: np.ndarray) -> float:
        return self.forward(pred, target)


class SGD:
    """Plain gradient descent: ``p <- p - lr * dL/dp`` for every parameter."""

    def __init__(self, params: list[Parameter], lr: float):
        self.params = list(params)
        self.lr = lr

    def step(self) -> None:
        """Update every parameter's ``data`` with its ``grad``."""
        # YOUR CODE HERE
        raise NotImplementedError()

    def zero_grad(self) -> None:
        """Reset every parameter's ``grad`` to zeros (same shape as ``data``)."""
        # YOUR CODE HERE
        raise NotImplementedError()


class Sequential(Module):
    """Layers applied one after the other: ``Sequential(Linear(1, 64), ReLU(), Linear(64, 1))``."""

    def __init__(self, *layers: Module):
        self.layers = list(layers)

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x: (N, in of the first layer) -> (N, out of the last layer)."""
        # YOUR CODE HERE
        raise NotImplementedError()

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """grad_out: dL/d(output) -> dL/d(input), through the layers in reverse order."""
        # YOUR CODE HERE
        raise NotImplementedError()

    def parameters(self) -> list[Parameter]:
        """Every layer's parameters, first layer first, as each layer's own ``parameters()`` lists them
        (whatever the layer's class)."""
        # YOUR CODE HERE
        raise NotImplementedError()
