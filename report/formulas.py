r"""Every formula derived in the report, once, as NumPy code (float64).

One public function per numbered equation of ``sections/derivations.tex``: the function
``linear_dW`` is the equation labelled ``eq:linear_dW``, and the ``LaTeX:`` line of its
docstring is that equation's body, character for character up to white space.
``tests/test_derivations.py`` checks both facts, checks every function against centred
finite differences, and checks the labs' reference solutions against the same functions, so
the report, this file and the labs cannot drift apart.  Edit an equation and its function
together.

Shapes follow the report (``sections/notation.tex``): rows are samples, ``X`` is ``(N, in)``,
``W`` is ``(in, out)``, ``b`` is ``(1, out)``; the RDFIA functions (``rdfia_*``) use the
column-vector notation of Lab 06 for one sample and the stacked-rows form for batches.

Private helpers start with an underscore; constants are upper case.
"""
from __future__ import annotations

import math

import numpy as np
from scipy.special import erf as _erf

#: SELU constants (Klambauer et al., 2017), to double precision.
SELU_LAMBDA = 1.0507009873554804934193349852946
SELU_ALPHA = 1.6732632423543772848170429916717
#: The constants of GELU's tanh approximation.
GELU_TANH_SCALE = math.sqrt(2.0 / math.pi)
GELU_TANH_CUBIC = 0.044715


def _f64(*arrays):
    out = tuple(np.asarray(a, dtype=np.float64) for a in arrays)
    return out[0] if len(out) == 1 else out


# ------------------------------------------------------------------ the linear layer

def linear_forward(X, W, b):
    r"""Linear layer, entry by entry: ``X`` (N, in), ``W`` (in, out), ``b`` (1, out) -> (N, out).

    LaTeX: Z_{nj} = \sum_{k} X_{nk}W_{kj} + b_{j}
    """
    X, W, b = _f64(X, W, b)
    return np.einsum("nk,kj->nj", X, W) + b.reshape(1, -1)


def linear_dW(X, G):
    r"""Weight gradient: ``X`` (N, in), upstream ``G`` (N, out) -> (in, out).

    LaTeX: \pd{L}{\mat{W}} = \mat{X}\T\mat{G}
    """
    X, G = _f64(X, G)
    return X.T @ G


def linear_db(G):
    r"""Bias gradient: upstream ``G`` (N, out) -> (1, out), the column sums.

    LaTeX: \pd{L}{\vect{b}} = \ones_N\T\mat{G}
    """
    G = _f64(G)
    return np.ones((1, G.shape[0])) @ G


def linear_dX(G, W):
    r"""Input gradient: upstream ``G`` (N, out), ``W`` (in, out) -> (N, in).

    LaTeX: \pd{L}{\mat{X}} = \mat{G}\mat{W}\T
    """
    G, W = _f64(G, W)
    return G @ W.T


# ------------------------------------------------------------------ losses

def mse(Yhat, Y):
    r"""Mean squared error over all N*d entries: ``Yhat``, ``Y`` (N, d) -> float.

    LaTeX: L_{\text{MSE}} = \frac{1}{Nd}\sum_{n=1}^{N}\sum_{j=1}^{d}(\hat Y_{nj}-Y_{nj})^2
    """
    Yhat, Y = _f64(Yhat, Y)
    N, d = Yhat.shape
    return float(((Yhat - Y) ** 2).sum() / (N * d))


def mse_grad(Yhat, Y):
    r"""Gradient of :func:`mse` with respect to ``Yhat``: (N, d) -> (N, d).

    LaTeX: \pd{L_{\text{MSE}}}{\Yhat} = \frac{2}{Nd}(\Yhat-\mat{Y})
    """
    Yhat, Y = _f64(Yhat, Y)
    N, d = Yhat.shape
    return 2.0 / (N * d) * (Yhat - Y)


# ------------------------------------------------------------------ activations

def act_backward(G, fprime_Z):
    r"""Backward pass of an element-wise activation: ``G`` and ``f'(Z)`` of the same shape.

    LaTeX: \pd{L}{\mat{Z}} = \mat{G}\had f'(\mat{Z})
    """
    G, fprime_Z = _f64(G, fprime_Z)
    return G * fprime_Z


def sigmoid(z):
    r"""Logistic sigmoid, evaluated stably (never exp of a large positive number).

    LaTeX: \sigma(z) = \frac{1}{1+e^{-z}}
    """
    z = _f64(z)
    e = np.exp(-np.abs(z))  # in (0, 1]: no overflow
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_grad(z):
    r"""Derivative of the sigmoid.

    LaTeX: \sigma'(z) = \sigma(z)\bigl(1-\sigma(z)\bigr)
    """
    s = sigmoid(z)
    return s * (1.0 - s)


def tanh(z):
    r"""Hyperbolic tangent from its definition (for moderate ``z``; the labs use ``np.tanh``).

    LaTeX: \tanh(z) = \frac{e^{z}-e^{-z}}{e^{z}+e^{-z}}
    """
    z = _f64(z)
    return (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z))


def tanh_grad(z):
    r"""Derivative of tanh.

    LaTeX: \tanh'(z) = 1-\tanh^2(z)
    """
    return 1.0 - np.tanh(_f64(z)) ** 2


def relu(z):
    r"""Rectified linear unit.

    LaTeX: \relu(z) = \max(0,z)
    """
    return np.maximum(0.0, _f64(z))


def relu_grad(z):
    r"""Derivative of ReLU, with the convention ReLU'(0) = 0.

    LaTeX: \relu'(z) = \ind{z>0}
    """
    return (_f64(z) > 0).astype(np.float64)


def leaky_relu(z, alpha=0.01):
    r"""Leaky ReLU with slope ``alpha`` (0 < alpha < 1) on the negative side.

    LaTeX: f_\alpha(z) = \max(z,\alpha z)
    """
    z = _f64(z)
    return np.maximum(z, alpha * z)


def leaky_relu_grad(z, alpha=0.01):
    r"""Derivative of leaky ReLU.

    LaTeX: f_\alpha'(z) = \ind{z>0}+\alpha\,\ind{z\le 0}
    """
    z = _f64(z)
    return np.where(z > 0, 1.0, alpha)


def elu(z, alpha=1.0):
    r"""Exponential linear unit (exp of min(z, 0) so that large inputs never overflow).

    LaTeX: \mathrm{ELU}_\alpha(z) = z\,\ind{z>0}+\alpha(e^{z}-1)\,\ind{z\le 0}
    """
    z = _f64(z)
    return np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0.0)))


def elu_grad(z, alpha=1.0):
    r"""Derivative of ELU (equals ELU(z) + alpha for z <= 0).

    LaTeX: \mathrm{ELU}_\alpha'(z) = \ind{z>0}+\alpha e^{z}\,\ind{z\le 0}
    """
    z = _f64(z)
    return np.where(z > 0, 1.0, alpha * np.exp(np.minimum(z, 0.0)))


def selu(z):
    r"""Scaled ELU with the self-normalising constants :data:`SELU_LAMBDA`, :data:`SELU_ALPHA`.

    LaTeX: \mathrm{SELU}(z) = \lambda\,\mathrm{ELU}_\alpha(z)
    """
    return SELU_LAMBDA * elu(z, SELU_ALPHA)


def selu_grad(z):
    r"""Derivative of SELU.

    LaTeX: \mathrm{SELU}'(z) = \lambda\,\ind{z>0}+\lambda\alpha e^{z}\,\ind{z\le 0}
    """
    z = _f64(z)
    return np.where(z > 0, SELU_LAMBDA, SELU_LAMBDA * SELU_ALPHA * np.exp(np.minimum(z, 0.0)))


def softplus(z):
    r"""Softplus, evaluated in the stable form max(z, 0) + log(1 + exp(-|z|)).

    LaTeX: \softplus(z) = \log(1+e^{z})
    """
    z = _f64(z)
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


def softplus_grad(z):
    r"""Derivative of softplus: the sigmoid.

    LaTeX: \softplus'(z) = \sigma(z)
    """
    return sigmoid(z)


def _Phi(z):
    return 0.5 * (1.0 + _erf(z / math.sqrt(2.0)))


def _phi(z):
    return np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)


def gelu(z):
    r"""GELU, exact form with the error function.

    LaTeX: \mathrm{GELU}(z) = z\,\Phi(z) = \frac{z}{2}\Bigl(1+\erf\bigl(z/\sqrt{2}\bigr)\Bigr)
    """
    z = _f64(z)
    return 0.5 * z * (1.0 + _erf(z / math.sqrt(2.0)))


def gelu_grad(z):
    r"""Derivative of the exact GELU.

    LaTeX: \mathrm{GELU}'(z) = \Phi(z)+z\,\varphi(z)
    """
    z = _f64(z)
    return _Phi(z) + z * _phi(z)


def _gelu_u(z):
    return GELU_TANH_SCALE * (z + GELU_TANH_CUBIC * z ** 3)


def gelu_tanh(z):
    r"""GELU, tanh approximation with u(z) = sqrt(2/pi) (z + 0.044715 z^3).

    LaTeX: \mathrm{GELU}_{\tanh}(z) = \frac{z}{2}\bigl(1+\tanh u(z)\bigr)
    """
    z = _f64(z)
    return 0.5 * z * (1.0 + np.tanh(_gelu_u(z)))


def gelu_tanh_grad(z):
    r"""Derivative of the tanh approximation of GELU (0.134145 = 3 * 0.044715).

    LaTeX: \mathrm{GELU}_{\tanh}'(z) = \frac{1}{2}\bigl(1+\tanh u\bigr)+\frac{z}{2}\bigl(1-\tanh^{2}u\bigr)\sqrt{2/\pi}\,\bigl(1+0.134145\,z^{2}\bigr)
    """
    z = _f64(z)
    t = np.tanh(_gelu_u(z))
    return 0.5 * (1.0 + t) + 0.5 * z * (1.0 - t ** 2) * GELU_TANH_SCALE * (1.0 + 3 * GELU_TANH_CUBIC * z ** 2)


def silu(z):
    r"""SiLU / Swish.

    LaTeX: \mathrm{SiLU}(z) = z\,\sigma(z)
    """
    z = _f64(z)
    return z * sigmoid(z)


def silu_grad(z):
    r"""Derivative of SiLU.

    LaTeX: \mathrm{SiLU}'(z) = \sigma(z)\bigl(1+z(1-\sigma(z))\bigr)
    """
    z = _f64(z)
    s = sigmoid(z)
    return s * (1.0 + z * (1.0 - s))


# ------------------------------------------------------------------ softmax and cross-entropy

def softmax(Z):
    r"""Row-wise softmax of scores ``Z`` (N, K) -> (N, K), after subtracting each row's maximum.

    LaTeX: p_i = \softmax(\vect{z})_i = \frac{e^{z_i}}{\sum_{k=1}^{K}e^{z_k}}
    """
    Z = _f64(Z)
    E = np.exp(Z - Z.max(axis=-1, keepdims=True))
    return E / E.sum(axis=-1, keepdims=True)


def softmax_jacobian_entries(p):
    r"""Jacobian of the softmax of one vector, entry by entry: ``p`` (K,) -> (K, K).

    LaTeX: \pd{p_i}{z_j} = p_i(\delta_{ij}-p_j)
    """
    p = _f64(p)
    K = p.shape[0]
    J = np.empty((K, K))
    for i in range(K):
        for j in range(K):
            J[i, j] = p[i] * ((1.0 if i == j else 0.0) - p[j])
    return J


def softmax_jacobian(p):
    r"""Jacobian of the softmax of one vector in matrix form: ``p`` (K,) -> (K, K).

    LaTeX: \mat{J} = \diag(\vect{p})-\vect{p}\vect{p}\T
    """
    p = _f64(p)
    return np.diag(p) - np.outer(p, p)


def softmax_jvp(P, D):
    r"""Softmax backward for a batch: ``P`` = softmax(Z) and upstream ``D`` = dL/dP, both (N, K).

    LaTeX: \pd{L}{\mat{Z}} = \mat{P}\had\bigl(\mat{D}-(\mat{D}\had\mat{P})\ones_K\ones_K\T\bigr)
    """
    P, D = _f64(P, D)
    K = P.shape[1]
    return P * (D - (D * P) @ np.ones((K, 1)) @ np.ones((1, K)))


def ce(Yhat, Y):
    r"""Cross-entropy of each sample from probabilities: ``Yhat``, ``Y`` (N, K) -> (N,).

    LaTeX: \ell = -\sum_{i} y_i\log\hat y_i
    """
    Yhat, Y = _f64(Yhat, Y)
    return -(Y * np.log(Yhat)).sum(axis=1)


def ce_logsumexp(Ytilde, Y):
    r"""Cross-entropy of each sample from the logits (log-sum-exp form): (N, K) -> (N,).

    LaTeX: \ell = -\sum_i y_i\tilde y_i+\log\sum_j e^{\tilde y_j}
    """
    Ytilde, Y = _f64(Ytilde, Y)
    m = Ytilde.max(axis=1, keepdims=True)
    lse = m[:, 0] + np.log(np.exp(Ytilde - m).sum(axis=1))
    return -(Y * Ytilde).sum(axis=1) + lse


def ce_grad(Yhat, Y):
    r"""Gradient of one sample's cross-entropy with respect to its logits (rows independent).

    LaTeX: \nabla_{\ytil}\,\ell = \yhat-\vect{y}
    """
    Yhat, Y = _f64(Yhat, Y)
    return Yhat - Y


def ce_grad_batch(Yhat, Y):
    r"""Gradient of the batch-mean cross-entropy with respect to the logits: (N, K) -> (N, K).

    LaTeX: \pd{L}{\Ytil} = \frac{1}{N}(\Yhat-\mat{Y})
    """
    Yhat, Y = _f64(Yhat, Y)
    return (Yhat - Y) / Yhat.shape[0]


def mse_softmax_grad(Yhat, Y):
    r"""Gradient w.r.t. the logits of the squared distance between softmax outputs and targets
    (summed over the K classes, mean over the N samples: Lab 02's MSE on softmax).

    LaTeX: \pd{L}{\Ytil} = \Yhat\had\bigl(\mat{D}-(\mat{D}\had\Yhat)\ones_K\ones_K\T\bigr),\quad \mat{D} = \frac{2}{N}(\Yhat-\mat{Y})
    """
    Yhat, Y = _f64(Yhat, Y)
    N, K = Yhat.shape
    D = 2.0 / N * (Yhat - Y)
    return Yhat * (D - (D * Yhat) @ np.ones((K, 1)) @ np.ones((1, K)))


# ------------------------------------------------------------------ binary cross-entropy

def bce(yhat, y):
    r"""Binary cross-entropy of each sample from probabilities (element-wise).

    LaTeX: \ell = -\bigl(y\log\hat y+(1-y)\log(1-\hat y)\bigr)
    """
    yhat, y = _f64(yhat, y)
    return -(y * np.log(yhat) + (1.0 - y) * np.log(1.0 - yhat))


def bce_grad(yhat, y):
    r"""Gradient of one sample's BCE with respect to its logit, with yhat = sigmoid(z).

    LaTeX: \pd{\ell}{z} = \hat y-y
    """
    yhat, y = _f64(yhat, y)
    return yhat - y


def bce_grad_batch(yhat, y):
    r"""Gradient of the batch-mean BCE with respect to the logits ``z`` (N, 1).

    LaTeX: \pd{L}{\vect{z}} = \frac{1}{N}(\hat{\vect{y}}-\vect{y})
    """
    yhat, y = _f64(yhat, y)
    return (yhat - y) / yhat.shape[0]


def bce_logits(z, y):
    r"""Binary cross-entropy of each sample from its logit (finite for every z).

    LaTeX: \ell = \softplus(z)-yz
    """
    z, y = _f64(z, y)
    return softplus(z) - y * z


# ------------------------------------------------------------------ RDFIA, one sample (columns)

def rdfia_grad_ytilde(yhat, y):
    r"""Q15: gradient w.r.t. the output pre-activation; ``yhat``, ``y`` (n_y, 1).

    LaTeX: \nabla_{\ytil}\,\ell = \yhat-\vect{y}
    """
    yhat, y = _f64(yhat, y)
    return yhat - y


def rdfia_grad_Wy(g_ytilde, h):
    r"""Q16: output weights; ``g_ytilde`` (n_y, 1), ``h`` (n_h, 1) -> (n_y, n_h).

    LaTeX: \nabla_{\mat{W}_y}\ell = (\nabla_{\ytil}\ell)\,\vect{h}\T
    """
    g_ytilde, h = _f64(g_ytilde, h)
    return g_ytilde @ h.T


def rdfia_grad_by(g_ytilde):
    r"""Q16: output bias; ``g_ytilde`` (n_y, 1) -> (n_y, 1).

    LaTeX: \nabla_{\vect{b}_y}\ell = \nabla_{\ytil}\ell
    """
    return _f64(g_ytilde).copy()


def rdfia_grad_h(Wy, g_ytilde):
    r"""Q17: hidden activations; ``Wy`` (n_y, n_h), ``g_ytilde`` (n_y, 1) -> (n_h, 1).

    LaTeX: \nabla_{\vect{h}}\ell = \mat{W}_y\T\,\nabla_{\ytil}\ell
    """
    Wy, g_ytilde = _f64(Wy, g_ytilde)
    return Wy.T @ g_ytilde


def rdfia_grad_htilde(Wy, g_ytilde, h):
    r"""Q17: hidden pre-activation, with the tanh factor (1 - h^2); -> (n_h, 1).

    LaTeX: \nabla_{\htil}\ell = \bigl(\mat{W}_y\T\nabla_{\ytil}\ell\bigr)\had\bigl(1-\vect{h}\had\vect{h}\bigr)
    """
    Wy, g_ytilde, h = _f64(Wy, g_ytilde, h)
    return (Wy.T @ g_ytilde) * (1.0 - h * h)


def rdfia_grad_Wh(g_htilde, x):
    r"""Q17: hidden weights; ``g_htilde`` (n_h, 1), ``x`` (n_x, 1) -> (n_h, n_x).

    LaTeX: \nabla_{\mat{W}_h}\ell = (\nabla_{\htil}\ell)\,\vect{x}\T
    """
    g_htilde, x = _f64(g_htilde, x)
    return g_htilde @ x.T


def rdfia_grad_bh(g_htilde):
    r"""Q17: hidden bias; ``g_htilde`` (n_h, 1) -> (n_h, 1).

    LaTeX: \nabla_{\vect{b}_h}\ell = \nabla_{\htil}\ell
    """
    return _f64(g_htilde).copy()


# ------------------------------------------------------------------ RDFIA, batch (rows)

def rdfia_batch_ytilde(Yhat, Y):
    r"""Gradient of the batch-mean loss w.r.t. the logits; ``Yhat``, ``Y`` (N, n_y).

    LaTeX: \mat{G}_{\ytil} = \frac{1}{N}(\Yhat-\mat{Y})
    """
    Yhat, Y = _f64(Yhat, Y)
    return (Yhat - Y) / Yhat.shape[0]


def rdfia_batch_Wy(G_ytilde, H):
    r"""Output weights; ``G_ytilde`` (N, n_y), ``H`` (N, n_h) -> (n_y, n_h), the shape of W_y.

    LaTeX: \nabla_{\mat{W}_y}L = \mat{G}_{\ytil}\T\mat{H}
    """
    G_ytilde, H = _f64(G_ytilde, H)
    return G_ytilde.T @ H


def rdfia_batch_by(G_ytilde):
    r"""Output bias; ``G_ytilde`` (N, n_y) -> (n_y, 1), a column like b_y.

    LaTeX: \nabla_{\vect{b}_y}L = \mat{G}_{\ytil}\T\ones_N
    """
    G_ytilde = _f64(G_ytilde)
    return G_ytilde.T @ np.ones((G_ytilde.shape[0], 1))


def rdfia_batch_htilde(G_ytilde, Wy, H):
    r"""Hidden pre-activation; ``G_ytilde`` (N, n_y), ``Wy`` (n_y, n_h), ``H`` (N, n_h) -> (N, n_h).

    LaTeX: \mat{G}_{\htil} = \bigl(\mat{G}_{\ytil}\mat{W}_y\bigr)\had\bigl(1-\mat{H}\had\mat{H}\bigr)
    """
    G_ytilde, Wy, H = _f64(G_ytilde, Wy, H)
    return (G_ytilde @ Wy) * (1.0 - H * H)


def rdfia_batch_Wh(G_htilde, X):
    r"""Hidden weights; ``G_htilde`` (N, n_h), ``X`` (N, n_x) -> (n_h, n_x), the shape of W_h.

    LaTeX: \nabla_{\mat{W}_h}L = \mat{G}_{\htil}\T\mat{X}
    """
    G_htilde, X = _f64(G_htilde, X)
    return G_htilde.T @ X


def rdfia_batch_bh(G_htilde):
    r"""Hidden bias; ``G_htilde`` (N, n_h) -> (n_h, 1), a column like b_h.

    LaTeX: \nabla_{\vect{b}_h}L = \mat{G}_{\htil}\T\ones_N
    """
    G_htilde = _f64(G_htilde)
    return G_htilde.T @ np.ones((G_htilde.shape[0], 1))


# ------------------------------------------------------------------ cost of differentiation

def cost_naive(D):
    r"""Matrix products to differentiate a D-layer chain layer by layer, from the output each time.

    LaTeX: C_{\text{naive}}(D) = \sum_{\ell=1}^{D}(D-\ell+1) = \frac{D(D+1)}{2}
    """
    return D * (D + 1) // 2


def cost_backprop(D):
    r"""Matrix products of back-propagation through a D-layer chain.

    LaTeX: C_{\text{backprop}}(D) = 2D-1
    """
    return 2 * D - 1


# ------------------------------------------------------------------ optimisers (Lab 08)

def momentum_step(theta, v, g, lr, mu):
    r"""One heavy-ball step; every argument has the shape of the parameter. Returns (theta, v).

    LaTeX: \vect{v}_t = \mu\vect{v}_{t-1}+\vect{g}_t,\qquad \theta_t = \theta_{t-1}-\eta\,\vect{v}_t
    """
    theta, v, g = _f64(theta, v, g)
    v = mu * v + g
    return theta - lr * v, v


def momentum_unrolled(grads, mu):
    r"""The velocity after the gradients ``grads`` (a list g_1 .. g_t), from v_0 = 0.

    LaTeX: \vect{v}_t = \sum_{k=1}^{t}\mu^{t-k}\vect{g}_k
    """
    t = len(grads)
    return sum(mu ** (t - k) * _f64(g) for k, g in enumerate(grads, start=1))


def momentum_constant(g, mu, t):
    r"""The velocity after t steps of the constant gradient g.

    LaTeX: \vect{v}_t = \frac{1-\mu^{t}}{1-\mu}\,\vect{g}
    """
    return (1 - mu ** t) / (1 - mu) * _f64(g)


def nesterov_step(theta, v, g, lr, mu):
    r"""One step of Nesterov momentum in PyTorch's form. Returns (theta, v).

    LaTeX: \theta_t = \theta_{t-1}-\eta\,(\vect{g}_t+\mu\vect{v}_t)
    """
    theta, v, g = _f64(theta, v, g)
    v = mu * v + g
    return theta - lr * (g + mu * v), v


def l2_grad(theta, lam):
    r"""Gradient of the penalty (lambda / 2) ||theta||^2, shape of theta.

    LaTeX: \pd{}{\theta}\,\frac{\lambda}{2}\lVert\theta\rVert^2 = \lambda\,\theta
    """
    return lam * _f64(theta)


def sgd_weight_decay(theta, g, lr, lam):
    r"""One plain SGD step on the L2-regularised loss: a shrink, then the gradient step.

    LaTeX: \theta_t = (1-\eta\lambda)\,\theta_{t-1}-\eta\,\vect{g}_t
    """
    theta, g = _f64(theta, g)
    return (1 - lr * lam) * theta - lr * g


def adam_moments(m, v, g, beta1, beta2):
    r"""Adam's running averages of the gradient and of its square. Returns (m, v).

    LaTeX: \vect{m}_t = \beta_1\vect{m}_{t-1}+(1-\beta_1)\vect{g}_t,\qquad \vect{v}_t = \beta_2\vect{v}_{t-1}+(1-\beta_2)\,\vect{g}_t\had\vect{g}_t
    """
    m, v, g = _f64(m, v, g)
    return beta1 * m + (1 - beta1) * g, beta2 * v + (1 - beta2) * g * g


def adam_m_unrolled(grads, beta1):
    r"""Adam's first moment after the gradients ``grads`` (g_1 .. g_t), from m_0 = 0.

    LaTeX: \vect{m}_t = (1-\beta_1)\sum_{k=1}^{t}\beta_1^{t-k}\vect{g}_k
    """
    t = len(grads)
    return (1 - beta1) * sum(beta1 ** (t - k) * _f64(g) for k, g in enumerate(grads, start=1))


def adam_bias(expected_g, beta1, t):
    r"""The expectation of m_t when every gradient has the expectation ``expected_g``.

    LaTeX: \mathbb{E}[\vect{m}_t] = (1-\beta_1^{t})\,\mathbb{E}[\vect{g}]
    """
    return (1 - beta1 ** t) * _f64(expected_g)


def adam_correction(m, v, beta1, beta2, t):
    r"""Bias-corrected moments at step t (t = 1 at the first step). Returns (m_hat, v_hat).

    LaTeX: \hat{\vect{m}}_t = \frac{\vect{m}_t}{1-\beta_1^{t}},\qquad \hat{\vect{v}}_t = \frac{\vect{v}_t}{1-\beta_2^{t}}
    """
    m, v = _f64(m, v)
    return m / (1 - beta1 ** t), v / (1 - beta2 ** t)


def adam_step(theta, m_hat, v_hat, lr, eps):
    r"""Adam's update from the corrected moments.

    LaTeX: \theta_t = \theta_{t-1}-\eta\,\frac{\hat{\vect{m}}_t}{\sqrt{\hat{\vect{v}}_t}+\varepsilon}
    """
    theta, m_hat, v_hat = _f64(theta, m_hat, v_hat)
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps)


def adam_first_step(g1, lr, eps):
    r"""The change of the parameters at Adam's first step (any betas).

    LaTeX: \theta_1-\theta_0 = -\eta\,\frac{\vect{g}_1}{\lvert\vect{g}_1\rvert+\varepsilon}
    """
    g1 = _f64(g1)
    return -lr * g1 / (np.abs(g1) + eps)


def adam_uncorrected(g1, beta1, beta2):
    r"""m_1 / sqrt(v_1) without the bias correction (eps = 0): the uncorrected first step over lr.

    LaTeX: \frac{\vect{m}_1}{\sqrt{\vect{v}_1}} = \frac{1-\beta_1}{\sqrt{1-\beta_2}}\,\frac{\vect{g}_1}{\lvert\vect{g}_1\rvert}
    """
    g1 = _f64(g1)
    return (1 - beta1) / math.sqrt(1 - beta2) * g1 / np.abs(g1)


def adamw_step(theta, m_hat, v_hat, lr, eps, lam):
    r"""AdamW: Adam's step plus the decay of the parameters before the step.

    LaTeX: \theta_t = \theta_{t-1}-\eta\left(\frac{\hat{\vect{m}}_t}{\sqrt{\hat{\vect{v}}_t}+\varepsilon}+\lambda\,\theta_{t-1}\right)
    """
    theta, m_hat, v_hat = _f64(theta, m_hat, v_hat)
    return theta - lr * (m_hat / (np.sqrt(v_hat) + eps) + lam * theta)


# ------------------------------------------------------------------ inverted dropout (Lab 08)

def dropout_forward(x, r, p):
    r"""Inverted dropout with the keep indicators ``r`` (0 or 1, shape of x).

    LaTeX: \text{out}_j = x_j\,\frac{r_j}{1-p},\qquad r_j\sim\text{Bernoulli}(1-p)
    """
    x, r = _f64(x, r)
    return x * r / (1 - p)


def dropout_expectation(x, p):
    r"""E[out] by enumerating the two outcomes of each unit (kept with probability 1 - p).

    LaTeX: \mathbb{E}[\text{out}_j] = (1-p)\,\frac{x_j}{1-p}+p\cdot 0 = x_j
    """
    x = _f64(x)
    return (1 - p) * dropout_forward(x, np.ones_like(x), p) + p * dropout_forward(x, np.zeros_like(x), p)


def dropout_variance(x, p):
    r"""Var[out] of inverted dropout for a fixed input.

    LaTeX: \operatorname{Var}[\text{out}_j] = \frac{x_j^2}{(1-p)^2}\,(1-p)-x_j^2 = \frac{p}{1-p}\,x_j^2
    """
    return p / (1 - p) * _f64(x) ** 2


def dropout_backward(G, r, p):
    r"""Backward pass of inverted dropout with the mask of the forward pass; G (N, D) -> (N, D).

    LaTeX: \pd{L}{\mat{X}} = \mat{G}\had\mat{M},\qquad M_{nj} = \frac{r_{nj}}{1-p}
    """
    G, r = _f64(G, r)
    return G * r / (1 - p)


# ------------------------------------------------------------------ batch normalisation (Lab 08)

def bn_mean(X):
    r"""Batch mean of every feature: ``X`` (N, D) -> (1, D).

    LaTeX: \mu_j = \frac{1}{N}\sum_{n=1}^{N}X_{nj}
    """
    X = _f64(X)
    return X.sum(axis=0, keepdims=True) / X.shape[0]


def bn_var(X):
    r"""Biased batch variance of every feature: ``X`` (N, D) -> (1, D).

    LaTeX: \sigma_j^2 = \frac{1}{N}\sum_{n=1}^{N}(X_{nj}-\mu_j)^2
    """
    X = _f64(X)
    return ((X - bn_mean(X)) ** 2).sum(axis=0, keepdims=True) / X.shape[0]


def bn_xhat(X, eps):
    r"""Standardised batch: ``X`` (N, D) -> (N, D).

    LaTeX: \hat X_{nj} = \frac{X_{nj}-\mu_j}{\sqrt{\sigma_j^2+\varepsilon}}
    """
    X = _f64(X)
    return (X - bn_mean(X)) / np.sqrt(bn_var(X) + eps)


def bn_forward(X, gamma, beta, eps):
    r"""Batch normalisation in training mode: ``X`` (N, D), ``gamma``, ``beta`` (1, D) -> (N, D).

    LaTeX: Y_{nj} = \gamma_j\hat X_{nj}+\beta_j
    """
    gamma, beta = _f64(gamma, beta)
    return gamma * bn_xhat(X, eps) + beta


def bn_dbeta(G):
    r"""Gradient of the shift: ``G`` (N, D) -> (1, D).

    LaTeX: \pd{L}{\vect{\beta}} = \ones_N\T\mat{G}
    """
    G = _f64(G)
    return np.ones((1, G.shape[0])) @ G


def bn_dgamma(G, Xhat):
    r"""Gradient of the scale: ``G``, ``Xhat`` (N, D) -> (1, D).

    LaTeX: \pd{L}{\vect{\gamma}} = \ones_N\T(\mat{G}\had\hat{\mat{X}})
    """
    G, Xhat = _f64(G, Xhat)
    return np.ones((1, G.shape[0])) @ (G * Xhat)


def bn_jacobian(X, eps):
    r"""d Xhat[m, j] / d X[n, j] for every feature: ``X`` (N, D) -> (D, N, N) indexed [j, m, n].

    LaTeX: \pd{\hat X_{mj}}{X_{nj}} = s_j\Bigl(\delta_{mn}-\frac{1}{N}-\frac{\hat X_{mj}\hat X_{nj}}{N}\Bigr)
    """
    X = _f64(X)
    n = X.shape[0]
    s = 1.0 / np.sqrt(bn_var(X) + eps)[0]
    Xhat = bn_xhat(X, eps)
    return np.stack([s[j] * (np.eye(n) - 1.0 / n - np.outer(Xhat[:, j], Xhat[:, j]) / n) for j in range(X.shape[1])])


def bn_dx(G, Xhat, gamma, s):
    r"""Gradient of the input in training mode: ``G``, ``Xhat`` (N, D); ``gamma``, ``s`` (1, D) -> (N, D).

    LaTeX: \pd{L}{X_{nj}} = \frac{\gamma_js_j}{N}\Bigl(NG_{nj}-\sum_{m}G_{mj}-\hat X_{nj}\sum_{m}G_{mj}\hat X_{mj}\Bigr)
    """
    G, Xhat, gamma, s = _f64(G, Xhat, gamma, s)
    n = G.shape[0]
    return gamma * s / n * (n * G - G.sum(axis=0, keepdims=True) - Xhat * (G * Xhat).sum(axis=0, keepdims=True))


def bn_eval(X, gamma, beta, running_mean, running_var, eps):
    r"""Batch normalisation in evaluation mode, with the running statistics (1, D): (N, D) -> (N, D).

    LaTeX: Y_{nj} = \gamma_j\frac{X_{nj}-\bar\mu_j}{\sqrt{\bar\sigma_j^2+\varepsilon}}+\beta_j
    """
    X, gamma, beta, running_mean, running_var = _f64(X, gamma, beta, running_mean, running_var)
    return gamma * (X - running_mean) / np.sqrt(running_var + eps) + beta


# ------------------------------------------------------------------ convolution and pooling (Lab 07)
# Arrays are channels first: X (N, C_in, H, W), W (C_out, C_in, KH, KW), b (C_out,). ``Xp`` is the
# zero-padded input; s the stride. Written entry by entry (loops), as the equations read.

def conv_output_size(n, k, s, p):
    r"""Number of window positions along an axis of length ``n`` (window ``k``, stride ``s``, padding ``p``).

    LaTeX: n_{\text{out}} = \left\lfloor\frac{n+2p-k}{s}\right\rfloor+1
    """
    return (n + 2 * p - k) // s + 1


def conv_forward(Xp, W, b, s):
    r"""Cross-correlation of the padded input: ``Xp`` (N, C_in, Hp, Wp) -> (N, C_out, H_out, W_out).

    LaTeX: Y_{n,o,i,j} = b_{o} + \sum_{c,u,v} W_{o,c,u,v}\,X^{p}_{n,c,is+u,js+v}
    """
    Xp, W, b = _f64(Xp, W, b)
    KH, KW = W.shape[2:]
    H_out, W_out = conv_output_size(Xp.shape[2], KH, s, 0), conv_output_size(Xp.shape[3], KW, s, 0)
    Y = np.empty((Xp.shape[0], W.shape[0], H_out, W_out))
    for i in range(H_out):
        for j in range(W_out):
            Y[:, :, i, j] = np.einsum("ncuv,ocuv->no", Xp[:, :, i * s:i * s + KH, j * s:j * s + KW], W) + b
    return Y


def conv_db(G):
    r"""Bias gradient: ``G`` (N, C_out, H_out, W_out) -> (C_out,), summed over the batch and positions.

    LaTeX: \pd{L}{b_{o}} = \sum_{n,i,j} G_{n,o,i,j}
    """
    return _f64(G).sum(axis=(0, 2, 3))


def conv_dW(G, Xp, s, KH, KW):
    r"""Kernel gradient: a cross-correlation of the padded input with ``G`` -> (C_out, C_in, KH, KW).

    LaTeX: \pd{L}{W_{o,c,u,v}} = \sum_{n,i,j} G_{n,o,i,j}\,X^{p}_{n,c,is+u,js+v}
    """
    G, Xp = _f64(G, Xp)
    dW = np.zeros((G.shape[1], Xp.shape[1], KH, KW))
    for u in range(KH):
        for v in range(KW):
            window = Xp[:, :, u:u + s * G.shape[2]:s, v:v + s * G.shape[3]:s]     # (N, C_in, H_out, W_out)
            dW[:, :, u, v] = np.einsum("noij,ncij->oc", G, window)
    return dW


def conv_dX(G, W, s, Hp, Wp):
    r"""Gradient of the padded input, every window's contribution scattered back -> (N, C_in, Hp, Wp).

    LaTeX: \pd{L}{X^{p}_{n,c,y,x}} = \sum_{o}\sum_{i,u:\,is+u=y}\;\sum_{j,v:\,js+v=x} G_{n,o,i,j}\,W_{o,c,u,v}
    """
    G, W = _f64(G, W)
    KH, KW = W.shape[2:]
    dXp = np.zeros((G.shape[0], W.shape[1], Hp, Wp))
    for i in range(G.shape[2]):
        for j in range(G.shape[3]):
            dXp[:, :, i * s:i * s + KH, j * s:j * s + KW] += np.einsum("no,ocuv->ncuv", G[:, :, i, j], W)
    return dXp


def conv_dX_flipped(G, W, s, Hp, Wp):
    r"""The same gradient as a full cross-correlation of the spread-out ``G`` with the flipped kernel.

    LaTeX: \pd{L}{X^{p}_{n,c,y,x}} = \sum_{o,u,v}\tilde G_{n,o,y+u,x+v}\,\tilde W_{c,o,u,v}
    """
    G, W = _f64(G, W)
    KH, KW = W.shape[2:]
    Gt = np.zeros((G.shape[0], G.shape[1], Hp + KH - 1, Wp + KW - 1))
    Gt[:, :, KH - 1:KH - 1 + s * G.shape[2]:s, KW - 1:KW - 1 + s * G.shape[3]:s] = G
    Wt = W[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)              # (C_in, C_out, KH, KW), rotated 180 degrees
    dXp = np.zeros((G.shape[0], W.shape[1], Hp, Wp))
    for y in range(Hp):
        for x in range(Wp):
            dXp[:, :, y, x] = np.einsum("nouv,couv->nc", Gt[:, :, y:y + KH, x:x + KW], Wt)
    return dXp


def maxpool_forward(X, k, s):
    r"""Max over each ``k`` x ``k`` window (stride ``s``), channel by channel -> (N, C, H_out, W_out).

    LaTeX: P_{n,c,i,j} = \max_{0\le u,v<k} X_{n,c,is+u,js+v}
    """
    X = _f64(X)
    H_out, W_out = conv_output_size(X.shape[2], k, s, 0), conv_output_size(X.shape[3], k, s, 0)
    P = np.empty(X.shape[:2] + (H_out, W_out))
    for i in range(H_out):
        for j in range(W_out):
            P[:, :, i, j] = X[:, :, i * s:i * s + k, j * s:j * s + k].max(axis=(2, 3))
    return P


def maxpool_grad(G, X, k, s):
    r"""Each window's gradient routed to its (first) maximum, summed over overlapping windows.

    LaTeX: \pd{L}{X_{n,c,y,x}} = \sum_{i,j} G_{n,c,i,j}\,\ind{(y,x) = (is+u^{*}_{ncij},\,js+v^{*}_{ncij})}
    """
    G, X = _f64(G, X)
    dX = np.zeros_like(X)
    for n in range(X.shape[0]):
        for c in range(X.shape[1]):
            for i in range(G.shape[2]):
                for j in range(G.shape[3]):
                    u, v = np.unravel_index(np.argmax(X[n, c, i * s:i * s + k, j * s:j * s + k]), (k, k))
                    dX[n, c, i * s + u, j * s + v] += G[n, c, i, j]
    return dX
