"""Lab 01 bug zoo: realistic mistakes in model.py and train_epoch, and correct alternatives."""
from pathlib import Path

from . import Mutant, Variant

M = "model.py"
_SRC = (Path(__file__).resolve().parents[2] / "solutions/lab01-regression/model.py").read_text()
_MSE_SPAN = _SRC[_SRC.index("        self.diff = pred - target\n"):
                 _SRC.index("return 2.0 * self.diff / self.diff.size") + len("return 2.0 * self.diff / self.diff.size")]

MUTANTS = [
    Mutant("bias gradient not summed over the batch",
           "self.b.grad += grad_out.sum(axis=0, keepdims=True)", "self.b.grad = self.b.grad + grad_out",
           file=M, expect="summed over the batch axis"),
    Mutant("bias gradient averaged instead of summed",
           "self.b.grad += grad_out.sum(axis=0, keepdims=True)", "self.b.grad += grad_out.mean(axis=0, keepdims=True)",
           file=M, expect="db is averaged"),
    Mutant("missing 1/N in the MSE gradient",
           "return 2.0 * self.diff / self.diff.size", "return 2.0 * self.diff", file=M, expect="1/N factor is missing"),
    Mutant("doubled 1/N in the MSE gradient",
           "return 2.0 * self.diff / self.diff.size", "return 2.0 * self.diff / self.diff.size / self.diff.size",
           file=M, expect="applied twice"),
    Mutant("factor 2 dropped from the MSE gradient",
           "return 2.0 * self.diff / self.diff.size", "return self.diff / self.diff.size",
           file=M, expect="factor 2"),
    Mutant("MSE summed instead of averaged",
           "return float(np.mean(self.diff ** 2))", "return float(np.sum(self.diff ** 2))",
           file=M, expect="mean over the batch"),
    Mutant("wrong transpose in dW",
           "self.W.grad += self.x.T @ grad_out", "self.W.grad += grad_out.T @ self.x",
           file=M, expect="transpose wrong"),
    Mutant("wrong transpose in dx",
           "return grad_out @ self.W.data.T", "return grad_out @ self.W.data", file=M, expect="without the transpose"),
    Mutant("backward returns the weight gradient instead of dL/dx",
           "return grad_out @ self.W.data.T", "return self.x.T @ grad_out", file=M, expect="not the weight gradient"),
    Mutant("1/N applied in the Linear backward",
           "self.W.grad += self.x.T @ grad_out", "self.W.grad += self.x.T @ grad_out / len(self.x)",
           file=M, expect="1/N belongs in the loss backward"),
    Mutant("gradients overwritten instead of accumulated",
           "self.W.grad += self.x.T @ grad_out", "self.W.grad = self.x.T @ grad_out",
           file=M, expect="add into W.grad"),
    Mutant("bias forgotten in the forward pass",
           "return x @ self.W.data + self.b.data", "return x @ self.W.data", file=M, expect="bias b is missing"),
    Mutant("ReLU mask taken from the output",
           "        return grad_out * self.mask\n", "        return grad_out * self.out\n", file=M,
           also=[("self.mask = x > 0\n", "self.mask = x > 0\n        self.out = np.maximum(x, 0)\n")],
           expect="multiplies by the output"),
    Mutant("ReLU mask with the wrong inequality",
           "self.mask = x > 0", "self.mask = x < 0", file=M, expect=("wrong way round", "ReLU.forward(x) has wrong values")),
    Mutant("ReLU forward modifies its input in place",
           "self.mask = x > 0\n        return x * self.mask", "self.mask = x > 0\n        x[~self.mask] = 0\n        return x",
           file=M, expect="modified its input"),
    Mutant("sigmoid derivative from the pre-activation",
           "return grad_out * self.out * (1.0 - self.out)", "return grad_out * self.x * (1.0 - self.x)", file=M,
           also=[("e = np.exp(-np.abs(x))", "self.x = x\n        e = np.exp(-np.abs(x))")],
           expect="pre-activation"),
    Mutant("naive sigmoid that overflows",
           "e = np.exp(-np.abs(x))  # never overflows: the exponent is <= 0\n        self.out = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))",
           "self.out = 1.0 / (1.0 + np.exp(-x))", file=M, expect="numerically stable"),
    Mutant("sigmoid with the sign of the exponent flipped",
           "self.out = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))",
           "self.out = np.where(x >= 0, e / (1.0 + e), 1.0 / (1.0 + e))", file=M, expect="1 / (1 + exp(x))"),
    Mutant("(N,) targets broadcast against (N, 1) predictions",
           "        target = np.reshape(target, pred.shape)\n", "", file=M, expect="broadcast"),
    Mutant("update with + instead of -",
           "p.data -= self.lr * p.grad", "p.data += self.lr * p.grad", file=M, expect="wrong sign"),
    Mutant("learning rate ignored",
           "p.data -= self.lr * p.grad", "p.data -= p.grad", file=M, expect="learning rate is ignored"),
    Mutant("zero_grad that does not reset",
           "p.grad[...] = 0.0", "p.grad = p.grad", file=M, expect="accumulate across steps"),
    Mutant("Sequential backward in forward order",
           "for layer in reversed(self.layers):", "for layer in self.layers:", file=M, expect="reverse order"),
    Mutant("Sequential forward feeds every layer the original input",
           "            x = layer.forward(x)\n        return x", "            out = layer.forward(x)\n        return out",
           file=M, expect="previous layer's output"),
    Mutant("Sequential.parameters keeps only the last layer's",
           "return [p for layer in self.layers for p in layer.parameters()]", "return self.layers[-1].parameters()",
           file=M, expect="every layer's parameters"),
    Mutant("gradients accumulated across steps (no zero_grad in the loop)",
           "        optimizer.zero_grad()\n", "", expect="zero_grad() before every backward"),
    Mutant("last partial batch dropped",
           "for start in range(0, n, batch_size):", "for start in range(0, n - batch_size + 1, batch_size):",
           expect="exactly once per epoch"),
    Mutant("no shuffling",
           "order = rng.permutation(n)", "order = np.arange(n)", expect="shuffled every epoch"),
    Mutant("epoch loss is the last batch's loss",
           "    return total / n\n", "    return loss\n", expect="not the last batch"),
    # --- issue 15: mistakes reported in public threads (sources named) and new properties --------------
    # Optimisers that rebind instead of updating (cf. "writing v = momentum*v + g rebinds the local
    # name and leaves the caller's buffer untouched", prof.lexailabs.com sgd-momentum-step).
    Mutant("SGD step updates a local copy (parameters unchanged)",
           "p.data -= self.lr * p.grad", "data = p.data\n            data = data - self.lr * p.grad",
           file=M, expect="did not change"),
    Mutant("SGD step rebinds the loop variable",
           "p.data -= self.lr * p.grad", "p = p.data - self.lr * p.grad", file=M, expect="did not change"),
    Mutant("zero_grad sets grad to the scalar 0",
           "p.grad[...] = 0.0", "p.grad = 0", file=M, expect="array of zeros"),
    Mutant("zero_grad resets the data instead of the grad",
           "p.grad[...] = 0.0", "p.data[...] = 0.0", file=M, expect="changed the parameters' data"),
    # Linear: square-only formulas (cf. UFLDL-tutorial PR #2: a bug hidden because two sizes coincided).
    Mutant("Linear forward with W transposed",
           "return x @ self.W.data + self.b.data", "return x @ self.W.data.T + self.b.data",
           file=M, expect="W is used transposed"),
    Mutant("bias gradient summed over the feature axis",
           "self.b.grad += grad_out.sum(axis=0, keepdims=True)", "self.b.grad += grad_out.sum(axis=1, keepdims=True)",
           file=M, expect="wrong axis"),
    Mutant("dx computed from W.grad instead of W.data",
           "return grad_out @ self.W.data.T", "return grad_out @ self.W.grad.T",
           file=M, expect="uses W.grad instead of the weights"),
    # ReLU backward applied to the wrong quantity (cf. deep-learning-from-scratch PR #43, relu_grad).
    Mutant("ReLU backward applies ReLU to the gradient",
           "return grad_out * self.mask", "return np.maximum(grad_out, 0)", file=M,
           expect="applied to the wrong quantity"),
    Mutant("ReLU backward forgets the mask",
           "return grad_out * self.mask", "return grad_out", file=M, expect="returns grad_out unchanged"),
    Mutant("ReLU forward returns the mask",
           "return x * self.mask", "return self.mask", file=M, expect="boolean mask"),
    Mutant("ReLU mask stored on the class",
           "self.mask = x > 0", "ReLU.mask = x > 0", file=M, expect="same instance"),
    # Sigmoid derivative on the wrong quantity (UFLDL-tutorial PR #2: a{n+1} * (1 - a{n})).
    Mutant("sigmoid derivative applied to sigmoid of the output",
           "return grad_out * self.out * (1.0 - self.out)",
           "s = 1.0 / (1.0 + np.exp(-self.out))\n        return grad_out * s * (1.0 - s)",
           file=M, expect="applied twice"),
    Mutant("sigmoid backward forgets grad_out",
           "return grad_out * self.out * (1.0 - self.out)", "return self.out * (1.0 - self.out)",
           file=M, expect="chain rule"),
    Mutant("sigmoid derivative without the (1 - s) factor",
           "return grad_out * self.out * (1.0 - self.out)", "return grad_out * self.out",
           file=M, expect="(1 - s) factor is missing"),
    # Multi-output MSE: averaging over N versus N*D (issue 15: tested where the two differ).
    Mutant("MSE averaged over the N samples only",
           "return float(np.mean(self.diff ** 2))", "return float(np.sum(self.diff ** 2) / len(self.diff))",
           file=M, expect="averages over the N samples only"),
    Mutant("MSE gradient divided by N instead of N*D",
           "return 2.0 * self.diff / self.diff.size", "return 2.0 * self.diff / len(self.diff)",
           file=M, expect="divided by N, but the loss averages"),
    Mutant("MSE gradient with the wrong sign",
           "return 2.0 * self.diff / self.diff.size", "return -2.0 * self.diff / self.diff.size",
           file=M, expect="wrong sign"),
    Mutant("MSE backward of another loss (the absolute error)",
           "return 2.0 * self.diff / self.diff.size", "return np.sign(self.diff) / self.diff.size",
           file=M, expect="not the derivative of your MSELoss.forward"),
    Mutant("MSE computed as the root mean squared error",
           "return float(np.mean(self.diff ** 2))", "return float(np.sqrt(np.mean(self.diff ** 2)))",
           file=M, expect="square root"),
    Mutant("MSE forward subtracts the target from pred in place",
           "self.diff = pred - target", "pred -= target\n        self.diff = pred", file=M,
           expect="modified its input"),
    Mutant("MSE with a 1/2 factor",
           "return float(np.mean(self.diff ** 2))", "return float(0.5 * np.mean(self.diff ** 2))",
           file=M, also=[("return 2.0 * self.diff / self.diff.size", "return self.diff / self.diff.size")],
           expect="1/2 does not belong"),
    # Sequential
    Mutant("Sequential backward does not chain the gradients",
           "grad_out = layer.backward(grad_out)", "layer.backward(grad_out)", file=M,
           expect="gradient returned by the layer after it"),
    Mutant("Sequential.parameters returns a list of lists",
           "return [p for layer in self.layers for p in layer.parameters()]",
           "return [layer.parameters() for layer in self.layers]", file=M, expect="flat list"),
    Mutant("Sequential forward applies the layers last first",
           "        for layer in self.layers:\n            x = layer.forward(x)",
           "        for layer in reversed(self.layers):\n            x = layer.forward(x)", file=M,
           expect="first layer first"),
    # train_epoch: shuffling (issue 15; cf. keras-io PR #1872, VILA PR #123, dlio_benchmark PR #169).
    Mutant("x and y shuffled with different permutations",
           "loss = loss_fn.forward(model.forward(x[idx]), y[idx])",
           "loss = loss_fn.forward(model.forward(x[idx]), y[rng.permutation(n)[start:start + batch_size]])",
           expect="not those of the sampled rows"),
    Mutant("a fixed seed instead of the rng passed in",
           "order = rng.permutation(n)", "order = np.random.default_rng(0).permutation(n)",
           expect="does not depend on the rng"),
    Mutant("shuffled with the global np.random",
           "order = rng.permutation(n)", "order = np.random.permutation(n)", expect="not reproducible from the rng"),
    Mutant("batches drawn with replacement",
           "order = rng.permutation(n)", "order = rng.integers(0, n, n)", expect="more than once"),
    Mutant("x shuffled in place",
           "order = rng.permutation(n)", "rng.shuffle(x)\n    order = np.arange(n)", expect="modified its input"),
    Mutant("model.backward given the loss value",
           "model.backward(loss_fn.backward())", "model.backward(loss)",
           expect="gradient returned by loss_fn.backward()"),
    Mutant("optimizer.step before model.backward",
           "        model.backward(loss_fn.backward())\n        optimizer.step()\n",
           "        optimizer.step()\n        model.backward(loss_fn.backward())\n",
           expect="step() was called before"),
    Mutant("only full batches (range(n // batch_size))",
           "for start in range(0, n, batch_size):",
           "for start in range(0, (n // batch_size) * batch_size, batch_size):", expect="the last, smaller batch of 3 samples was dropped"),
    Mutant("epoch loss: unweighted mean of the batch losses",
           "total += loss * len(idx)", "total += loss * n / -(-n // batch_size)",
           expect="weight each batch loss by its batch size"),
    Mutant("epoch loss: sum of the batch losses",
           "total += loss * len(idx)", "total += loss", also=[("return total / n", "return total")],
           expect="not the sum of the batch losses"),
    # --- issue 15, second held-out round (probe first, then catalogued) ------------------------------
    # Training loop: the same order every epoch, targets unpaired, batches too big, the epoch loss; zero_grad
    # anywhere but between backward and step (cf. velog.io @rhss10 'optimizer.zero_grad는 어디에').
    Mutant("same permutation every epoch (order cached per N)",
           "order = rng.permutation(n)", "order = train_epoch.__dict__.setdefault(('order', n), rng.permutation(n))",
           expect="fresh permutation must be drawn from rng at every epoch"),
    Mutant("targets taken by slice position, not by the shuffled indices",
           "loss = loss_fn.forward(model.forward(x[idx]), y[idx])",
           "loss = loss_fn.forward(model.forward(x[idx]), y[start:start + batch_size])",
           expect="not those of the sampled rows"),
    Mutant("np.array_split into n // batch_size batches (batches too big)",
           "    for start in range(0, n, batch_size):\n        idx = order[start:start + batch_size]\n",
           "    for idx in np.array_split(order, max(n // batch_size, 1)):\n", expect="batches must hold batch_size="),
    Mutant("epoch loss weighted by the nominal batch_size",
           "total += loss * len(idx)", "total += loss * batch_size", expect="weighted by batch_size, but the last"),
    Mutant("epoch loss not divided by N",
           "    return total / n\n", "    return total\n", expect="not divided by N"),
    Mutant("zero_grad between backward and step (step sees zeros)",
           "        optimizer.zero_grad()\n        loss = ", "        loss = ",
           also=[("        model.backward(loss_fn.backward())\n",
                  "        model.backward(loss_fn.backward())\n        optimizer.zero_grad()\n")],
           expect="zero_grad() was called between model.backward() and optimizer.step()"),
    Mutant("model.backward given the method loss_fn.backward",
           "model.backward(loss_fn.backward())", "model.backward(loss_fn.backward)",
           expect="gradient returned by loss_fn.backward()"),
    # Losses: the square of the mean, per-sample losses, a backward that broadcasts an (N,) target.
    Mutant("MSE forward returns the per-sample losses",
           "return float(np.mean(self.diff ** 2))", "return np.mean(self.diff ** 2, axis=1)", file=M,
           expect="must be a scalar"),
    Mutant("MSE as the square of the mean error",
           "return float(np.mean(self.diff ** 2))", "return float(np.mean(self.diff) ** 2)", file=M,
           expect="square of the mean error"),
    Mutant("MSE backward from the raw (N,) target (broadcasts to (N, N))",
           "target = np.reshape(target, pred.shape)\n        self.diff = pred - target",
           "self.pred, self.target = pred, target\n        self.diff = pred - np.reshape(target, pred.shape)", file=M,
           also=[("return 2.0 * self.diff / self.diff.size", "return 2.0 * (self.pred - self.target) / self.pred.size")],
           expect="in backward the (N,) target broadcasts"),
    # Optimiser: a parameter skipped, grads reset by step, zero_grad stopping after the first parameter.
    Mutant("SGD step skips the last parameter",
           "for p in self.params:\n            p.data -= self.lr * p.grad",
           "for p in self.params[:-1]:\n            p.data -= self.lr * p.grad", file=M, expect="every parameter takes a step"),
    Mutant("SGD step also resets the gradients",
           "p.data -= self.lr * p.grad", "p.data -= self.lr * p.grad\n            p.grad[...] = 0.0", file=M,
           expect="SGD.step() reset the gradients"),
    Mutant("zero_grad returns after the first parameter",
           "p.grad[...] = 0.0", "p.grad[...] = 0.0\n            return", file=M, expect="reset every gradient to zero"),
    # Layers: shapes where N == out, sums taken before the product, inputs mutated, overflow, sign.
    Mutant("bias transposed in the forward pass",
           "return x @ self.W.data + self.b.data", "return x @ self.W.data + self.b.data.T", file=M,
           expect="bias is added as a column"),
    Mutant("dW as the outer product of the batch sums",
           "self.W.grad += self.x.T @ grad_out", "self.W.grad += np.outer(self.x.sum(axis=0), grad_out.sum(axis=0))",
           file=M, expect="outer product of the sums over the batch"),
    Mutant("ReLU backward zeroes grad_out in place",
           "return grad_out * self.mask", "grad_out[~self.mask] = 0\n        return grad_out", file=M,
           expect="modified its input"),
    Mutant("sigmoid backward recomputes a naive sigmoid of the input",
           "return grad_out * self.out * (1.0 - self.out)",
           "s = 1.0 / (1.0 + np.exp(-self.x))\n        return grad_out * s * (1.0 - s)", file=M,
           also=[("e = np.exp(-np.abs(x))", "self.x = x\n        e = np.exp(-np.abs(x))")], expect="numerically stable"),
    Mutant("sigmoid derivative with the sign flipped, s(s - 1)",
           "return grad_out * self.out * (1.0 - self.out)", "return grad_out * self.out * (self.out - 1.0)", file=M,
           expect="not s(s - 1)"),
    # Sequential: the layer list reversed in place by backward, a forward without return.
    Mutant("Sequential.backward reverses self.layers in place",
           "        for layer in reversed(self.layers):\n            grad_out = layer.backward(grad_out)",
           "        self.layers.reverse()\n        for layer in self.layers:\n            grad_out = layer.backward(grad_out)",
           file=M, expect="list.reverse() reverses the list in place"),
    Mutant("Sequential.forward without return",
           "            x = layer.forward(x)\n        return x", "            x = layer.forward(x)", file=M,
           expect="forget a `return`"),
    # --- issue 15, third held-out round (probe first on the unchanged checks, then catalogued) ---------------
    Mutant("dW accumulated in a per-sample loop that skips the last sample",
           "self.W.grad += self.x.T @ grad_out",
           "for i in range(len(self.x) - 1):\n            self.W.grad += np.outer(self.x[i], grad_out[i])",
           file=M, expect='contributions of sample(s)'),
    Mutant("MSE gradient divided by N*N",
           "return 2.0 * self.diff / self.diff.size", "return 2.0 * self.diff / (self.diff.shape[0] * self.diff.shape[0])",
           file=M, expect='you divided by N*N'),
    Mutant("MSE forward is the mean absolute error",
           "return float(np.mean(self.diff ** 2))", "return float(np.mean(np.abs(self.diff)))", file=M, expect='averaged the absolute error'),
    Mutant("ReLU backward with a boolean index (flattened)",
           "return grad_out * self.mask", "return grad_out[self.mask]", file=M, expect='boolean indexing'),
    Mutant("sigmoid negative branch copy-pasted (1/(1+e) on both sides)",
           "self.out = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))",
           "self.out = np.where(x >= 0, 1.0 / (1.0 + e), 1.0 / (1.0 + e))", file=M, expect='wrong for x < 0'),
    Mutant("SGD step uses data instead of grad",
           "p.data -= self.lr * p.grad", "p.data -= self.lr * p.data", file=M, expect='instead of its gradient'),
    Mutant("zero_grad with a 1-D zeros array",
           "p.grad[...] = 0.0", "p.grad = np.zeros(len(p.data))", file=M, expect='grad after zero_grad: expected shape'),
    Mutant("Sequential.parameters through a set (order lost)",
           "return [p for layer in self.layers for p in layer.parameters()]",
           "return list({p for layer in self.layers for p in layer.parameters()})", file=M,
           expect=('first layer first', 'parameters in order')),
    Mutant("Sequential.backward skips the first layer",
           "for layer in reversed(self.layers):", "for layer in reversed(self.layers[1:]):", file=M, expect='was never called'),
    Mutant("batches of batch_size - 1 (slice off by one)",
           "idx = order[start:start + batch_size]", "idx = order[start:start + batch_size - 1]", expect=('never reached the model', 'order[0:4] where order[0:5] belongs')),
    Mutant("optimizer.step forgotten",
           "        optimizer.step()\n", "", expect='must be called once per batch'),
    Mutant("permutation redrawn for every batch",
           "        idx = order[start:start + batch_size]\n",
           "        idx = rng.permutation(n)[start:start + batch_size]\n", expect='used more than once'),
    Mutant("MSE target reshaped to a column (right only for D = 1)",
           "target = np.reshape(target, pred.shape)", "target = np.reshape(target, (-1, 1))", file=M, expect='a (-1, 1) column fits D = 1 only'),
    Mutant("bias gradient summed over every entry (a scalar)",
           "self.b.grad += grad_out.sum(axis=0, keepdims=True)", "self.b.grad += grad_out.sum()", file=M, expect='wrong axis'),
    # --- issue 15, fourth held-out round (probe first on the unchanged checks, then catalogued) --------------
    Mutant("dx by einsum with W's letters swapped (right only for square W)",
           "return grad_out @ self.W.data.T", "return np.einsum('no,oi->ni', grad_out, self.W.data)", file=M,
           expect="without the transpose"),
    Mutant("db from the first sample only",
           "self.b.grad += grad_out.sum(axis=0, keepdims=True)", "self.b.grad += grad_out[:1]", file=M,
           expect=("contribution of sample 0 only", "only row(s) [0] of grad_out reach it")),
    Mutant("db summed with keepdims, then transposed (a column)",
           "self.b.grad += grad_out.sum(axis=0, keepdims=True)", "self.b.grad += grad_out.sum(axis=0, keepdims=True).T",
           file=M, expect="in-place update (+=, -=, *=) of an array of shape (1, 4)"),
    Mutant("ReLU forward leaks 0.01 x on the negative side",
           "return x * self.mask", "return np.where(self.mask, x, 0.01 * x)", file=M, expect=("wrong for x < 0", "leaky ReLU")),
    Mutant("Sigmoid output cached on the class (shared by every instance)",
           "self.out = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))\n        return self.out",
           "Sigmoid.out = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))\n        return Sigmoid.out", file=M,
           expect="same instance"),
    Mutant("sigmoid through tanh without the inner 1/2",
           "e = np.exp(-np.abs(x))  # never overflows: the exponent is <= 0\n        self.out = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))",
           "self.out = 0.5 * (1.0 + np.tanh(x))", file=M, expect="evaluated at 2*x instead of x"),
    Mutant("MSE forward squares the cached diff in place (backward sees the squared error)",
           "self.diff = pred - target\n        return float(np.mean(self.diff ** 2))",
           "self.diff = pred - target\n        np.square(self.diff, out=self.diff)\n        return float(np.mean(self.diff))",
           file=M, expect="x (pred - target)**2"),
    Mutant("MSE diff as target - pred (backward sign)",
           "self.diff = pred - target", "self.diff = target - pred", file=M, expect="wrong sign"),
    Mutant("SGD step divides the gradient by its length",
           "p.data -= self.lr * p.grad", "p.data -= self.lr * p.grad / len(p.grad)", file=M,
           expect="(1)/(len(p.grad))"),
    Mutant("SGD step replaces the list entries (self.params[i] = ...)",
           "for p in self.params:\n            p.data -= self.lr * p.grad",
           "for i, p in enumerate(self.params):\n            self.params[i] = p.data - self.lr * p.grad", file=M,
           expect="did not change"),
    Mutant("Sequential forward returns inside the loop",
           "            x = layer.forward(x)\n        return x", "            x = layer.forward(x)\n            return x",
           file=M, expect="the loop stopped after layer0"),
    Mutant("zero_grad called once before the loop",
           "        optimizer.zero_grad()\n        loss = ", "        loss = ",
           also=[("    total = 0.0\n", "    total = 0.0\n    optimizer.zero_grad()\n")], expect="zero_grad() before every"),
    Mutant("n taken from the number of features (len(x[0]))",
           "n = len(x)", "n = len(x[0])", expect="the number of columns x.shape[1]"),
    Mutant("inclusive slice end (batches overlap by one)",
           "idx = order[start:start + batch_size]", "idx = order[start:start + batch_size + 1]",
           expect="consecutive batches share samples"),
    Mutant("model.backward given loss_fn.backward() / len(idx)",
           "model.backward(loss_fn.backward())", "model.backward(loss_fn.backward() / len(idx))",
           expect="= (1)/(B)"),
    # --- issue 15, fifth held-out round ---------------------------------------------------------------------
    Mutant("Linear caches its output instead of its input",
           "self.x = x\n        return x @ self.W.data + self.b.data",
           "out = x @ self.W.data + self.b.data\n        self.x = out\n        return out", file=M, expect="holds the layer's output"),
    Mutant("dx summed over the batch (keepdims)",
           "return grad_out @ self.W.data.T", "return (grad_out @ self.W.data.T).sum(axis=0, keepdims=True)",
           file=M, expect="summed over the batch (shape"),
    Mutant("ReLU mask computed only on the first call (stale mask)",
           "self.mask = x > 0\n        return x * self.mask",
           "if getattr(self, 'mask', None) is None:\n            self.mask = x > 0\n        return np.maximum(x, 0)",
           file=M, expect="the cache is stale"),
    Mutant("'stable' sigmoid with np.where on both full branches (still overflows)",
           "e = np.exp(-np.abs(x))  # never overflows: the exponent is <= 0\n        self.out = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))",
           "self.out = np.where(x >= 0, 1.0 / (1.0 + np.exp(-x)), np.exp(x) / (1.0 + np.exp(x)))", file=M, expect="numerically stable"),
    Mutant("sigmoid backward with grad_out and out mixed up in (1 - .)",
           "return grad_out * self.out * (1.0 - self.out)", "return grad_out * self.out * (1.0 - grad_out)",
           file=M, expect="not the derivative of your Sigmoid.forward"),
    Mutant("MSE mean over axis 0 (per-output loss; float() fails for D > 1)",
           "return float(np.mean(self.diff ** 2))", "return float(np.mean(self.diff ** 2, axis=0))", file=M, expect="reduce over every entry"),
    Mutant("MSE gradient divided by D (shape[1]) instead of N*D",
           "return 2.0 * self.diff / self.diff.size", "return 2.0 * self.diff / self.diff.shape[1]", file=M, expect="the gradient is divided by D"),
    Mutant("MSE backward returns the mean gradient (a scalar)",
           "return 2.0 * self.diff / self.diff.size", "return 2.0 * np.mean(self.diff)", file=M, expect="must be a numpy.ndarray"),
    Mutant("SGD step clips the gradient to [-1, 1]",
           "p.data -= self.lr * p.grad", "p.data -= self.lr * np.clip(p.grad, -1.0, 1.0)", file=M, expect="the gradient is clipped"),
    Mutant("zero_grad sets grad to None (PyTorch set_to_none)",
           "p.grad[...] = 0.0", "p.grad = None", file=M, expect="array of zeros"),
    Mutant("zero_grad makes integer zeros",
           "p.grad[...] = 0.0", "p.grad = np.zeros_like(p.data, dtype=int)", file=M, expect="floating-point dtype"),
    Mutant("Sequential.backward returns the incoming gradient",
           "        for layer in reversed(self.layers):\n            grad_out = layer.backward(grad_out)\n        return grad_out",
           "        g = grad_out\n        for layer in reversed(self.layers):\n            g = layer.backward(g)\n        return grad_out",
           file=M, expect="returns its input grad_out unchanged"),
    Mutant("train_epoch: n = x.size (right only for one feature)",
           "n = len(x)", "n = x.size", expect="the number of samples is N = len(x)"),
    Mutant("train_epoch: batches start at 1 (first shuffled sample never used)",
           "for start in range(0, n, batch_size):", "for start in range(1, n, batch_size):", expect="the batches start at index 0"),
    Mutant("train_epoch: return inside the loop (one batch per epoch)",
           "        total += loss * len(idx)\n    return total / n\n",
           "        total += loss * len(idx)\n        return total / n\n", expect="the loop stops after its first batch"),
    Mutant("train_epoch: epoch loss recomputed after the step",
           "        total += loss * len(idx)\n",
           "        total += loss_fn.forward(model.forward(x[idx]), y[idx]) * len(idx)\n", expect="more than once in a row on the same batch"),
    # --- issue 15, sixth held-out round (measured first, then named by general probes) ------------------
    Mutant("dW loop pairs every sample with grad_out[0]",
           "self.W.grad += self.x.T @ grad_out",
           "for i in range(len(self.x)):\n            self.W.grad += np.outer(self.x[i], grad_out[0])", file=M, expect='only row(s) [0] of grad_out reach it'),
    Mutant("db sums the cached input x instead of grad_out",
           "self.b.grad += grad_out.sum(axis=0, keepdims=True)", "self.b.grad += self.x.sum(axis=0, keepdims=True)", file=M, expect='does not involve x'),
    Mutant("ReLU backward leaks 0.01 on the negative side (forward plain ReLU)",
           "return grad_out * self.mask", "return np.where(self.mask, grad_out, 0.01 * grad_out)", file=M, expect='right for x > 0 but wrong for x < 0'),
    Mutant("sigmoid backward missing parentheses (s * 1 - s)",
           "return grad_out * self.out * (1.0 - self.out)", "return grad_out * self.out * 1.0 - self.out", file=M, expect='`grad_out * s * 1 - s`'),
    Mutant("sigmoid derivative recomputed as exp(-x)/(1+exp(-x))**2 (overflows)",
           "return grad_out * self.out * (1.0 - self.out)", "e = np.exp(-self.x)\n        return grad_out * e / (1.0 + e) ** 2", file=M,
           also=[("e = np.exp(-np.abs(x))", "self.x = x\n        e = np.exp(-np.abs(x))")], expect='needs no exp at all'),
    Mutant("MSE backward from sqrt of the cached squared error (sign lost)",
           "self.diff = pred - target\n        return float(np.mean(self.diff ** 2))",
           "self.diff = (pred - target) ** 2\n        return float(np.mean(self.diff))", file=M,
           also=[("return 2.0 * self.diff / self.diff.size", "return 2.0 * np.sqrt(self.diff) / self.diff.size")], expect='x |pred - target|'),
    Mutant("SGD step with weight decay 1e-3",
           "p.data -= self.lr * p.grad", "p.data -= self.lr * (p.grad + 1e-3 * p.data)", file=M, expect='changes when only p.data changes'),
    Mutant("SGD step with the mean gradient",
           "p.data -= self.lr * p.grad", "p.data -= self.lr * p.grad.mean()", file=M, expect='with p.grad non-zero at a single entry'),
    Mutant("Sequential forward skips the last layer (self.layers[:-1])",
           "        for layer in self.layers:\n            x = layer.forward(x)",
           "        for layer in self.layers[:-1]:\n            x = layer.forward(x)", file=M, expect='the loop stops one layer early'),
    Mutant("Sequential.parameters last layer first",
           "return [p for layer in self.layers for p in layer.parameters()]",
           "return [p for layer in reversed(self.layers) for p in layer.parameters()]", file=M, expect='last layer first: reversed'),
    Mutant("train_epoch slice order[start:batch_size]",
           "idx = order[start:start + batch_size]", "idx = order[start:batch_size]", expect='every slice after the first is empty'),
    Mutant("train_epoch permutation of n - 1",
           "order = rng.permutation(n)", "order = rng.permutation(n - 1)", expect='the last index N - 1 = 22 never appears'),
    Mutant("train_epoch x indexed twice through the permutation",
           "loss = loss_fn.forward(model.forward(x[idx]), y[idx])",
           "loss = loss_fn.forward(model.forward(x[order][idx]), y[idx])", expect='not those of the sampled rows'),
    Mutant("train_epoch n = y.size",
           "n = len(x)", "n = y.size", expect='(not y.size'),
    # named on first sight by the general probes above (written after them, never measured before)
    Mutant("SGD step normalised by the gradient norm", "p.data -= self.lr * p.grad",
           "p.data -= self.lr * p.grad / np.linalg.norm(p.grad)", file=M, expect='doubling p.grad multiplied your step by'),
    Mutant("SGD step with an L1 penalty sign(p.data)", "p.data -= self.lr * p.grad",
           "p.data -= self.lr * (p.grad + 0.01 * np.sign(p.data))", file=M, expect='changes when only p.data changes'),
    Mutant("dW loop uses self.x[0] for every sample", "self.W.grad += self.x.T @ grad_out",
           "for i in range(len(self.x)):\n            self.W.grad += np.outer(self.x[0], grad_out[i])", file=M, expect='only row(s) [0] of self.x reach it'),
    Mutant("train_epoch slices shifted by one", "idx = order[start:start + batch_size]",
           "idx = order[start + 1:start + batch_size + 1]", expect='the batches start at index 0'),
    Mutant("sigmoid backward (1 + s) for (1 - s)", "return grad_out * self.out * (1.0 - self.out)",
           "return grad_out * self.out * (1.0 + self.out)", file=M, expect='your code computes `1 + s`'),
    # which input a wrong answer comes from (checks/isolate.py, wired into the fallback)
    Mutant("Linear forward adds the bias twice", "return x @ self.W.data + self.b.data", "return x @ self.W.data + 2 * self.b.data", file=M, expect='becomes right when b = 0'),
    Mutant("Linear forward squares x", "return x @ self.W.data + self.b.data", "return (x * x) @ self.W.data + self.b.data", file=M, expect='the term that uses x and W'),
    # Held-out measurement after round 6 (a fresh helper): uncaught, and a correct variant that lost points
    # because a grader mock's missing attribute reached student code as RuntimeError.
    Mutant("Sequential.parameters keeps each layer's first parameter only",
           "return [p for layer in self.layers for p in layer.parameters()]",
           "return [layer.parameters()[0] for layer in self.layers if layer.parameters()]",
           file=M, expect=("only each layer's FIRST parameter", "the b of EVERY layer is missing")),
    Mutant("train_epoch runs the model on the whole x at every step (was called 'forward repeated')",
           "loss = loss_fn.forward(model.forward(x[idx]), y[idx])", "loss = loss_fn.forward(model.forward(x)[idx], y[idx])",
           expect="was given all"),
    Mutant("train_epoch gives the loss (targets, predictions) (was called 'pairs broken')",
           "loss = loss_fn.forward(model.forward(x[idx]), y[idx])", "loss = loss_fn.forward(y[idx], model.forward(x[idx]))",
           expect="the loss was given (targets, predictions)"),
    # --- issue 15, round 7: the round-6 measurement's mistakes and a fresh held-out set ---
    Mutant('Linear forward never caches x (self.x stays None)', 'self.x = x\n        return x @ self.W.data + self.b.data', 'return x @ self.W.data + self.b.data', expect='self.x is None', file='model.py'),
    Mutant('Linear caches x in a module-level global', 'self.x = x\n        return x @ self.W.data + self.b.data', 'global _LAST_X\n        _LAST_X = x\n        return x @ self.W.data + self.b.data', expect='self.x is None', file='model.py', also=[('self.W.grad += self.x.T @ grad_out', 'self.W.grad += _LAST_X.T @ grad_out')]),
    Mutant('Linear forward adds the sum of the bias (a scalar)', 'return x @ self.W.data + self.b.data', 'return x @ self.W.data + self.b.data.sum()', expect='the sum of its entries', file='model.py'),
    Mutant('dW accumulated with -= (sign slip)', 'self.W.grad += self.x.T @ grad_out', 'self.W.grad -= self.x.T @ grad_out', expect='wrong sign everywhere', file='model.py'),
    Mutant('dx returned transposed (W @ grad_out.T)', 'return grad_out @ self.W.data.T', 'return self.W.data @ grad_out.T', expect='the transpose of the expected shape', file='model.py'),
    Mutant('ReLU forward (x + |x|) without the /2', 'self.mask = x > 0\n        return x * self.mask', 'self.mask = x > 0\n        return x + np.abs(x)', expect='the expected ones times 2', file='model.py'),
    Mutant('ReLU backward returns the mask (grad_out forgotten)', 'return grad_out * self.mask', 'return self.mask * 1.0', expect='not return the mask', file='model.py'),
    Mutant('ReLU forward cast to int', 'return x * self.mask', 'return (x * self.mask).astype(int)', expect='floating-point dtype', file='model.py'),
    Mutant('Sigmoid backward with the tanh derivative (1 - s**2)', 'return grad_out * self.out * (1.0 - self.out)', 'return grad_out * (1.0 - self.out ** 2)', expect='(1 + s) * (1 - s)', file='model.py'),
    Mutant('Sigmoid forward e = exp(-x) instead of exp(-|x|)', 'e = np.exp(-np.abs(x))  # never overflows: the exponent is <= 0', 'e = np.exp(-x)', expect='evaluated at |x|', file='model.py'),
    Mutant('Sigmoid backward multiplies grad_out in place', 'return grad_out * self.out * (1.0 - self.out)', 'grad_out *= self.out * (1.0 - self.out)\n        return grad_out', expect='modified its input', file='model.py'),
    Mutant('MSE gradient divided by size - 1', 'return 2.0 * self.diff / self.diff.size', 'return 2.0 * self.diff / (self.diff.size - 1)', expect='N*D - 1', file='model.py'),
    Mutant('MSE forward as np.var of the difference', 'return float(np.mean(self.diff ** 2))', 'return float(np.var(self.diff))', expect='np.var', file='model.py'),
    Mutant('SGD step with a hard-coded lr = 0.01', 'p.data -= self.lr * p.grad', 'p.data -= 0.01 * p.grad', expect='a fixed learning rate 0.01', file='model.py'),
    Mutant('zero_grad with np.empty_like', 'p.grad[...] = 0.0', 'p.grad = np.empty_like(p.data)', expect='np.empty_like do NOT fill', file='model.py'),
    Mutant('Sequential.parameters returns only the weights W', 'return [p for layer in self.layers for p in layer.parameters()]', "return [layer.W for layer in self.layers if hasattr(layer, 'W')]", expect='the b of EVERY layer is missing', file='model.py'),
    Mutant('Sequential.backward returns inside the loop', '            grad_out = layer.backward(grad_out)\n        return grad_out', '            grad_out = layer.backward(grad_out)\n            return grad_out', expect='`return` indented inside the loop', file='model.py'),
    Mutant('train_epoch calls model.backward twice', '        model.backward(loss_fn.backward())\n', '        model.backward(loss_fn.backward())\n        model.backward(loss_fn.backward())\n', expect='must be called once per batch'),
    Mutant('train_epoch rng.permutation(x) shuffles the rows of x, y unshuffled', '    for start in range(0, n, batch_size):\n        idx = order[start:start + batch_size]\n        optimizer.zero_grad()\n        loss = loss_fn.forward(model.forward(x[idx]), y[idx])', '    xs = rng.permutation(x)\n    for start in range(0, n, batch_size):\n        idx = order[start:start + batch_size]\n        optimizer.zero_grad()\n        loss = loss_fn.forward(model.forward(xs[start:start + batch_size]), y[start:start + batch_size])', expect='not those of the sampled rows'),
    Mutant('Linear forward adds the Parameter object b (not b.data)', 'return x @ self.W.data + self.b.data', 'return x @ self.W.data + self.b', expect='a Parameter object itself', file='model.py'),
    Mutant('Linear caches x only on the first forward (if self.x is None)', 'self.x = x\n        return x @ self.W.data + self.b.data', 'if self.x is None:\n            self.x = x\n        return x @ self.W.data + self.b.data', expect='still holds the input of the FIRST call', file='model.py'),
    Mutant('Linear.backward returns dx before accumulating the gradients', '        self.W.grad += self.x.T @ grad_out\n        self.b.grad += grad_out.sum(axis=0, keepdims=True)\n        return grad_out @ self.W.data.T', '        return grad_out @ self.W.data.T\n        self.W.grad += self.x.T @ grad_out\n        self.b.grad += grad_out.sum(axis=0, keepdims=True)', expect='is the `return` placed before', file='model.py'),
    Mutant('Sigmoid as exp(x) / (1 + exp(x)) (overflows for large x)', 'e = np.exp(-np.abs(x))  # never overflows: the exponent is <= 0\n        self.out = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))', 'self.out = np.exp(x) / (1.0 + np.exp(x))', expect='overflow encountered in exp', file='model.py'),
    Mutant('SGD step subtracts from p.grad instead of p.data', 'p.data -= self.lr * p.grad', 'p.grad -= self.lr * p.grad', expect='but their gradients did', file='model.py'),
    Mutant('Sequential.parameters extends with the method (no call)', 'return [p for layer in self.layers for p in layer.parameters()]', 'params = []\n        for layer in self.layers:\n            params += layer.parameters\n        return params', expect="no layer's parameters() was ever called", file='model.py'),
    Mutant('train_epoch range(n // batch_size + 1) batches (empty batch when divisible)', '    for start in range(0, n, batch_size):\n        idx = order[start:start + batch_size]', '    for i in range(n // batch_size + 1):\n        idx = order[i * batch_size:(i + 1) * batch_size]', expect='passed an empty batch'),
    Mutant("train_epoch returns total / len(idx) (last batch's size)", '    return total / n', '    return total / len(idx)', expect='not divided by N'),
    Mutant('train_epoch optimizer.zero_grad without parentheses', '        optimizer.zero_grad()\n', '        optimizer.zero_grad\n', expect='call optimizer.zero_grad() before every backward'),
    # --- issue 15, round 7: a second fresh set, measured after the general fixes ---
    Mutant('Sigmoid negative branch e / (1 - e) (typo)', 'self.out = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))', 'self.out = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 - e))', expect='your code computes `1 - e`', file='model.py'),
    Mutant('MSE backward transposed diff', 'return 2.0 * self.diff / self.diff.size', 'return 2.0 * self.diff.T / self.diff.size', expect='the transpose of the expected shape', file='model.py'),
    Mutant("SGD step uses the first parameter's grad", 'for p in self.params:\n            p.data -= self.lr * p.grad', 'for p in self.params:\n            p.data -= self.lr * self.params[0].grad', expect="the FIRST parameter's gradient", file='model.py'),
    Mutant('train_epoch divides by n / batch_size (unweighted count of batches)', '        total += loss * len(idx)\n    return total / n', '        total += loss\n    return total / (n / batch_size)', expect='weight each batch loss by its own size'),
    # --- issue 15, round 8: the round-7 measurement's mistakes ---
    Mutant('MSE backward clips the residual to [-1, 1] (Huber-style)', 'return 2.0 * self.diff / self.diff.size', 'return 2.0 * np.clip(self.diff, -1.0, 1.0) / self.diff.size', expect='clipped or capped', file=M),
    Mutant('train_epoch logs the full-data loss between forward and backward (cache overwritten)', '        model.backward(loss_fn.backward())\n', '        grad = loss_fn.backward()\n        full_pred = model.forward(x)  # for logging\n        model.backward(grad)\n', expect='overwrites the cache'),
    Mutant('Sequential.backward calls layer.forward on the gradient (copy-paste)', '            grad_out = layer.backward(grad_out)\n        return grad_out', '            grad_out = layer.forward(grad_out)\n        return grad_out', expect='not layer.forward(grad)', file=M),
    Mutant('Sigmoid output clipped to [1e-7, 1 - 1e-7] (BCE habit)', 'self.out = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))', 'self.out = np.clip(np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)), 1e-7, 1 - 1e-7)', expect='held away from 0 and 1', file=M),
    Mutant('train_epoch returns a 0-d numpy array (np.array(total / n))', '    return total / n', '    return np.array(total / n)', expect='asks for a float'),
    Mutant('Sigmoid backward precedence grad_out * s - s**2', 'return grad_out * self.out * (1.0 - self.out)', 'return grad_out * self.out - self.out ** 2', expect='operator precedence', file=M),
    Mutant('train_epoch returns the loss of a final forward on the whole data set', '    return total / n', '    return float(loss_fn.forward(model.forward(x), y))', expect='(after the last batch)'),
    Mutant("MSE backward divides by a sample count accumulated over calls",
           old=_MSE_SPAN,
           new=_MSE_SPAN.replace("        self.diff = pred - target\n",
                                 "        self.diff = pred - target\n        self.seen = getattr(self, 'seen', 0) + self.diff.size\n")
                        .replace("return 2.0 * self.diff / self.diff.size", "return 2.0 * self.diff / self.seen"),
           file=M, expect="backward depends on earlier calls"),
    Mutant("MSE target reshaped to pred.shape reversed then transposed",
           old="target = np.reshape(target, pred.shape)", new="target = np.reshape(target, pred.shape[::-1]).T",
           file=M, expect="reshape is not a transpose"),
]

VARIANTS = [
    Variant("np.dot instead of @", "return x @ self.W.data + self.b.data", "return np.dot(x, self.W.data) + self.b.data", file=M),
    Variant("bias gradient as a ones-vector product",
            "self.b.grad += grad_out.sum(axis=0, keepdims=True)", "self.b.grad += np.ones((1, len(grad_out))) @ grad_out", file=M),
    Variant("out-of-place SGD update", "p.data -= self.lr * p.grad", "p.data = p.data - self.lr * p.grad", file=M),
    Variant("zero_grad with fresh arrays", "p.grad[...] = 0.0", "p.grad = np.zeros_like(p.data)", file=M),
    Variant("sigmoid through tanh",
            "e = np.exp(-np.abs(x))  # never overflows: the exponent is <= 0\n        self.out = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))",
            "self.out = 0.5 * (1.0 + np.tanh(0.5 * x))", file=M),
    Variant("MSE gradient with explicit N and D",
            "return 2.0 * self.diff / self.diff.size", "n, d = self.diff.shape\n        return (2.0 / (n * d)) * self.diff", file=M),
    Variant("target reshaped only when needed",
            "target = np.reshape(target, pred.shape)", "target = target.reshape(-1, 1) if target.ndim == 1 else target", file=M),
    Variant("Sequential.parameters with a loop",
            "return [p for layer in self.layers for p in layer.parameters()]",
            "params = []\n        for layer in self.layers:\n            params.extend(layer.parameters())\n        return params", file=M),
    Variant("train_epoch averaging with np.average",
            "total = 0.0", "losses, sizes = [], []",
            also=[("total += loss * len(idx)", "losses.append(loss)\n        sizes.append(len(idx))"),
                  ("return total / n", "return float(np.average(losses, weights=sizes))")]),
    # --- issue 15: more correct answers, float32 ones included ------------------------------------
    Variant("zero_grad after step (end of the loop body)",
            "        optimizer.zero_grad()\n        loss = ", "        loss = ",
            also=[("        optimizer.step()\n", "        optimizer.step()\n        optimizer.zero_grad()\n")]),
    Variant("bias gradient summed without keepdims (+= broadcasts into (1, out))",
            "self.b.grad += grad_out.sum(axis=0, keepdims=True)", "self.b.grad += grad_out.sum(axis=0)", file=M),
    # ("sigmoid computed in float32" was a variant: since round 13 an elementwise layer keeps float64, as
    # Linear and MSELoss do; it is a mutant below, M13.)
    Variant("naive sigmoid on clipped inputs",
            "e = np.exp(-np.abs(x))  # never overflows: the exponent is <= 0\n        self.out = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))",
            "self.out = 1.0 / (1.0 + np.exp(-np.clip(x, -80, 80)))  # exp(80) fits in float32", file=M),
    Variant("sigmoid via scipy.special.expit",
            "e = np.exp(-np.abs(x))  # never overflows: the exponent is <= 0\n        self.out = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))",
            "from scipy.special import expit\n        self.out = expit(x)", file=M),
    Variant("MSE with np.square", "return float(np.mean(self.diff ** 2))",
            "return float(np.square(self.diff).mean())", file=M),
    Variant("MSE backward from the cached pred and target",
            "self.diff = pred - target", "self.pred, self.target = pred, target\n        self.diff = pred - target",
            file=M, also=[("return 2.0 * self.diff / self.diff.size",
                           "return 2.0 * (self.pred - self.target) / self.pred.size")]),
    Variant("Linear backward with einsum",
            "self.W.grad += self.x.T @ grad_out", "self.W.grad += np.einsum('ni,no->io', self.x, grad_out)", file=M),
    Variant("Linear forward with np.matmul and a flat bias",
            "return x @ self.W.data + self.b.data", "return np.matmul(x, self.W.data) + self.b.data.ravel()", file=M),
    Variant("ReLU backward with np.where", "return grad_out * self.mask",
            "return np.where(self.mask, grad_out, 0.0)", file=M),
    Variant("SGD with np.subtract(out=)", "p.data -= self.lr * p.grad",
            "np.subtract(p.data, self.lr * p.grad, out=p.data)", file=M),
    Variant("zero_grad with fill", "p.grad[...] = 0.0", "p.grad.fill(0.0)", file=M),
    Variant("Sequential backward with an index loop",
            "        for layer in reversed(self.layers):\n            grad_out = layer.backward(grad_out)",
            "        for i in range(len(self.layers) - 1, -1, -1):\n            grad_out = self.layers[i].backward(grad_out)",
            file=M),
    Variant("train_epoch with np.array_split",
            "    for start in range(0, n, batch_size):\n        idx = order[start:start + batch_size]\n",
            "    for idx in np.array_split(order, range(batch_size, n, batch_size)):\n"),
    Variant("train_epoch shuffles an index array with rng.shuffle",
            "order = rng.permutation(n)", "order = np.arange(n)\n    rng.shuffle(order)"),
    # --- issue 15, second held-out round ----------------------------------------------------------------
    Variant("order with rng.choice without replacement", "order = rng.permutation(n)",
            "order = rng.choice(n, size=n, replace=False)"),
    Variant("order from a child generator seeded by rng", "order = rng.permutation(n)",
            "order = np.random.default_rng(rng.integers(2**63)).permutation(n)"),
    Variant("model and loss called through __call__",
            "loss = loss_fn.forward(model.forward(x[idx]), y[idx])", "loss = loss_fn(model(x[idx]), y[idx])"),
    Variant("shuffled copies sliced in order",
            "    for start in range(0, n, batch_size):\n        idx = order[start:start + batch_size]\n"
            "        optimizer.zero_grad()\n        loss = loss_fn.forward(model.forward(x[idx]), y[idx])",
            "    xs, ys = x[order], y[order]\n    for start in range(0, n, batch_size):\n"
            "        idx = order[start:start + batch_size]\n        optimizer.zero_grad()\n"
            "        loss = loss_fn.forward(model.forward(xs[start:start + batch_size]), ys[start:start + batch_size])"),
    Variant("zero_grad with *= 0", "p.grad[...] = 0.0", "p.grad *= 0.0", file=M),
    Variant("forward via transposes", "return x @ self.W.data + self.b.data",
            "return (self.W.data.T @ x.T).T + self.b.data", file=M),
    Variant("MSE via the norm", "return float(np.mean(self.diff ** 2))",
            "return float(np.linalg.norm(self.diff) ** 2 / self.diff.size)", file=M),
    Variant("sigmoid derivative as y - y**2", "return grad_out * self.out * (1.0 - self.out)",
            "return grad_out * (self.out - self.out ** 2)", file=M),
    Variant("dx with einsum", "return grad_out @ self.W.data.T",
            "return np.einsum('no,io->ni', grad_out, self.W.data)", file=M),
    # --- issue 15, third held-out round (probe first on the unchanged checks, then catalogued) ---------------
    Variant("dW by a per-sample outer-product loop",
            "self.W.grad += self.x.T @ grad_out",
            "for xi, gi in zip(self.x, grad_out):\n            self.W.grad += np.outer(xi, gi)", file=M),
    Variant("MSE forward with einsum",
            "return float(np.mean(self.diff ** 2))",
            "return float(np.einsum('ij,ij->', self.diff, self.diff) / self.diff.size)", file=M),
    Variant("sigmoid as exp(min(x,0)) / (1 + exp(-|x|))",
            "self.out = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))",
            "self.out = np.exp(np.minimum(x, 0)) / (1.0 + e)", file=M),
    Variant("train_epoch with a while loop",
            "    for start in range(0, n, batch_size):\n        idx = order[start:start + batch_size]\n",
            "    start = 0\n    while start < n:\n        idx = order[start:start + batch_size]\n        start += batch_size\n"),
    Variant("SGD writes through data[...]", "p.data -= self.lr * p.grad",
            "p.data[...] = p.data - self.lr * p.grad", file=M),
    Variant("Linear backward rebinds W.grad to the sum",
            "self.W.grad += self.x.T @ grad_out", "self.W.grad = self.W.grad + self.x.T @ grad_out", file=M),
    Variant("ReLU backward with a mask cast to grad_out's dtype",
            "return grad_out * self.mask", "return grad_out * self.mask.astype(grad_out.dtype)", file=M),
    # --- issue 15, fourth held-out round ------------------------------------------------------------------
    Variant("forward with an in-place bias add", "return x @ self.W.data + self.b.data",
            "y = x @ self.W.data\n        y += self.b.data\n        return y", file=M),
    Variant("dW as (grad_out.T @ x).T", "self.W.grad += self.x.T @ grad_out", "self.W.grad += (grad_out.T @ self.x).T",
            file=M),
    Variant("ReLU caching x, clip forward, heaviside backward",
            "self.mask = x > 0\n        return x * self.mask", "self.x = x.copy()\n        return np.clip(x, 0, None)",
            file=M, also=[("return grad_out * self.mask", "return grad_out * np.heaviside(self.x, 0.0)")]),
    Variant("MSE gradient scale precomputed in forward",
            "self.diff = pred - target", "self.diff = pred - target\n        self.scale = 2.0 / pred.size", file=M,
            also=[("return 2.0 * self.diff / self.diff.size", "return self.scale * self.diff")]),
    Variant("train_epoch with a batch counter and min()",
            "    for start in range(0, n, batch_size):\n        idx = order[start:start + batch_size]\n",
            "    for b in range(-(-n // batch_size)):\n        idx = order[b * batch_size:min((b + 1) * batch_size, n)]\n"),
    Variant("Sequential.parameters with sum(..., [])",
            "return [p for layer in self.layers for p in layer.parameters()]",
            "return sum((layer.parameters() for layer in self.layers), [])", file=M),
    Variant("sigmoid via exp(-logaddexp(0, -x))",
            "e = np.exp(-np.abs(x))  # never overflows: the exponent is <= 0\n        self.out = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))",
            "self.out = np.exp(-np.logaddexp(0, -x))", file=M),
    # --- issue 15, fifth held-out round ---------------------------------------------------------------------
    Variant("ReLU caching the output, mask out > 0 in backward",
            "self.mask = x > 0\n        return x * self.mask", "self.out = np.maximum(x, 0.0)\n        return self.out", file=M,
            also=[("return grad_out * self.mask", "return grad_out * (self.out > 0)")]),
    Variant("MSE with np.subtract and vdot",
            "target = np.reshape(target, pred.shape)\n        self.diff = pred - target\n        return float(np.mean(self.diff ** 2))",
            "self.diff = np.subtract(pred, np.asarray(target).reshape(pred.shape))\n        return float(np.vdot(self.diff, self.diff) / "
            "self.diff.size)", file=M),
    Variant("Sequential forward with functools.reduce",
            "        for layer in self.layers:\n            x = layer.forward(x)\n        return x",
            "        import functools\n        return functools.reduce(lambda h, layer: layer.forward(h), self.layers, x)", file=M),
    Variant("train_epoch pairs shuffled copies by zip of np.split chunks",
            "    for start in range(0, n, batch_size):\n        idx = order[start:start + batch_size]\n        optimizer.zero_grad()\n      "
            "  loss = loss_fn.forward(model.forward(x[idx]), y[idx])",
            "    cuts = np.arange(batch_size, n, batch_size)\n    for xb, yb in zip(np.split(x[order], cuts), np.split(y[order], cuts)):\n  "
            "      idx = xb\n        optimizer.zero_grad()\n        loss = loss_fn.forward(model.forward(xb), yb)"),
    Variant("Linear backward with np.dot and np.add.reduce",
            "        self.b.grad += grad_out.sum(axis=0, keepdims=True)\n        return grad_out @ self.W.data.T",
            "        self.b.grad += np.add.reduce(grad_out, axis=0)[None, :]\n        return np.dot(grad_out, self.W.data.T)", file=M),
    Variant("sigmoid as exp(x - logaddexp(0, x))",
            "e = np.exp(-np.abs(x))  # never overflows: the exponent is <= 0\n        self.out = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))",
            "self.out = np.exp(x - np.logaddexp(0.0, x))", file=M),
    # --- issue 15, sixth held-out round ---------------------------------------------------------------------
    Variant("naive sigmoid under np.errstate(over='ignore')",
            "e = np.exp(-np.abs(x))  # never overflows: the exponent is <= 0\n        self.out = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))",
            "with np.errstate(over='ignore'):\n            self.out = 1.0 / (1.0 + np.exp(-x))", file=M),
    Variant("MSE as the mean of the row means",
            "return float(np.mean(self.diff ** 2))", "return float(np.mean(np.mean(self.diff ** 2, axis=1)))", file=M),
    Variant("zero_grad with p.grad[:] = 0", "p.grad[...] = 0.0", "p.grad[:] = 0", file=M),
    Variant("dW via np.add(out=)", "self.W.grad += self.x.T @ grad_out",
            "np.add(self.W.grad, self.x.T @ grad_out, out=self.W.grad)", file=M),
    Variant("train_epoch iterating a generator of index slices",
            "    for start in range(0, n, batch_size):\n        idx = order[start:start + batch_size]\n",
            "    for idx in (order[i:i + batch_size] for i in range(0, n, batch_size)):\n"),
    Variant("Sequential backward over self.layers[::-1]",
            "for layer in reversed(self.layers):", "for layer in self.layers[::-1]:", file=M),
    Variant("ReLU forward with np.where on the mask", "return x * self.mask", "return np.where(self.mask, x, 0.0)", file=M),
    Variant("Sequential.parameters skipping layers marked frozen (getattr with a default)",
            "return [p for layer in self.layers for p in layer.parameters()]",
            "return [p for layer in self.layers if not getattr(layer, 'frozen', False) for p in layer.parameters()]",
            file=M),
    Variant("Sequential.parameters asking hasattr first",
            "return [p for layer in self.layers for p in layer.parameters()]",
            "return [p for layer in self.layers if hasattr(layer, 'parameters') for p in layer.parameters()]",
            file=M),
    # --- issue 15, round 7: the round-6 measurement's mistakes and a fresh held-out set ---
    Variant('Linear caches x.T, backward uses it', 'self.x = x\n        return x @ self.W.data + self.b.data', 'self.x = x\n        self.xT = x.T\n        return x @ self.W.data + self.b.data', file='model.py', also=[('self.W.grad += self.x.T @ grad_out', 'self.W.grad += self.xT @ grad_out')]),
    Variant('db via np.add.at with zero row indices', 'self.b.grad += grad_out.sum(axis=0, keepdims=True)', 'np.add.at(self.b.grad, np.zeros(len(grad_out), dtype=int), grad_out)', file='model.py'),
    Variant('ReLU forward as (x + |x|) / 2', 'self.mask = x > 0\n        return x * self.mask', 'self.mask = x > 0\n        return (x + np.abs(x)) / 2', file='model.py'),
    Variant('MSE backward with np.multiply and np.prod(shape)', 'return 2.0 * self.diff / self.diff.size', 'return np.multiply(self.diff, 2.0 / np.prod(self.diff.shape))', file='model.py'),
    Variant('Sigmoid via np.piecewise', 'e = np.exp(-np.abs(x))  # never overflows: the exponent is <= 0\n        self.out = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))', 'self.out = np.piecewise(x, [x >= 0, x < 0], [lambda v: 1.0 / (1.0 + np.exp(-v)), lambda v: np.exp(v) / (1.0 + np.exp(v))])', file='model.py'),
    Variant('SGD step with np.copyto', 'p.data -= self.lr * p.grad', 'np.copyto(p.data, p.data - self.lr * p.grad)', file='model.py'),
    Variant('Sigmoid derivative cached in forward', 'self.out = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))\n        return self.out', 'self.out = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))\n        self.dsig = self.out * (1.0 - self.out)\n        return self.out', file='model.py', also=[('return grad_out * self.out * (1.0 - self.out)', 'return grad_out * self.dsig')]),
    Variant("Sequential.forward via getattr(layer, 'forward', layer)", '            x = layer.forward(x)\n        return x', "            x = getattr(layer, 'forward', layer)(x)\n        return x", file='model.py'),
    Variant('Sequential.forward through layer(x) (__call__)', '            x = layer.forward(x)\n        return x', '            x = layer(x)\n        return x', file='model.py'),
    Variant('Linear caches a copy of x', 'self.x = x\n        return x @ self.W.data + self.b.data', 'self.x = x.copy()\n        return x @ self.W.data + self.b.data', file='model.py'),
    Variant('MSE with diff = target - pred and backward -2 diff / size', '        self.diff = pred - target\n        return float(np.mean(self.diff ** 2))', '        self.diff = target - pred\n        return float(np.mean(self.diff ** 2))', file='model.py', also=[('return 2.0 * self.diff / self.diff.size', 'return -2.0 * self.diff / self.diff.size')]),
    Variant('train_epoch counts seen samples itself', '    total = 0.0\n', '    total, seen = 0.0, 0\n', also=[('        total += loss * len(idx)\n    return total / n', '        total += loss * len(idx)\n        seen += len(idx)\n    return total / seen')]),
    Variant('Sigmoid caches 1/(1+exp(-|x|)) for backward (s(1-s) is symmetric in x)', 'self.out = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))\n        return self.out', 'self.out = 1.0 / (1.0 + e)\n        return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))', file='model.py'),
    # --- issue 15, round 7: a second fresh set, measured after the general fixes ---
    Variant('db as mean * N', 'self.b.grad += grad_out.sum(axis=0, keepdims=True)', 'self.b.grad += grad_out.mean(axis=0, keepdims=True) * len(grad_out)', file='model.py'),
]

# --- issue 15, round 9 (r9a): the held-out measurement's mistakes and variants ---
MUTANTS += [
    Mutant('Linear forward accumulates into the bias array (out = self.b.data; out += x @ W)', 'return x @ self.W.data + self.b.data', 'out = self.b.data\n        out += x @ self.W.data\n        return out', file='model.py', expect="changed the layer's own b.data"),
    Mutant("Linear backward dW by einsum without '->' (letters nk,nj: output sorted, transposed)", 'self.W.grad += self.x.T @ grad_out', "self.W.grad += np.einsum('nk,nj', self.x, grad_out)", file='model.py', expect='transpose wrong'),
    Mutant('Linear backward dW as the batch sum of x * grad_out (1-feature habit)', 'self.W.grad += self.x.T @ grad_out', 'self.W.grad += np.sum(self.x * grad_out, axis=0, keepdims=True)', file='model.py', expect='ELEMENTWISE product'),
    Mutant('ReLU derivative as np.sign(x) (-1 on the negative side)', '        return grad_out * self.mask\n', '        return grad_out * np.sign(self.x)\n', file='model.py', also=(('self.mask = x > 0\n', 'self.mask = x > 0\n        self.x = x\n'),), expect='wrong for x < 0'),
    Mutant('Sigmoid backward divides by the batch size (1/N in an activation)', 'return grad_out * self.out * (1.0 - self.out)', 'return grad_out * self.out * (1.0 - self.out) / len(grad_out)', file='model.py', expect='(1)/(N)'),
    Mutant('Sigmoid forward clips x in place to [-500, 500] then naive formula', 'e = np.exp(-np.abs(x))  # never overflows: the exponent is <= 0\n        self.out = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))', 'np.clip(x, -500, 500, out=x)\n        self.out = 1.0 / (1.0 + np.exp(-x))', file='model.py', expect='still overflows in float32'),
    Mutant('MSE forward rounds the loss to 4 decimals', 'return float(np.mean(self.diff ** 2))', 'return round(float(np.mean(self.diff ** 2)), 4)', file='model.py', expect='rounded to 4 decimals'),
    Mutant('MSE target via np.broadcast_to(target, pred.shape) (fails for (N,) targets)', 'target = np.reshape(target, pred.shape)', 'target = np.broadcast_to(target, pred.shape)', file='model.py', expect='np.broadcast_to turns'),
    Mutant('SGD step with momentum 0.9 in one velocity shared by every parameter', '        for p in self.params:\n            p.data -= self.lr * p.grad\n', "        for p in self.params:\n            self.v = 0.9 * getattr(self, 'v', 0.0) + p.grad\n            p.data -= self.lr * self.v\n", file='model.py', expect='the shape of parameter 0, not its own'),
    Mutant('zero_grad np.zeros_like(p) (the Parameter, not its array)', 'p.grad[...] = 0.0', 'p.grad = np.zeros_like(p)', file='model.py', expect='np.zeros_like(p.data)'),
    Mutant('Sequential.parameters returns the layers that have parameters', 'return [p for layer in self.layers for p in layer.parameters()]', 'return [layer for layer in self.layers if layer.parameters()]', file='model.py', expect='returned layer objects'),
    Mutant('train_epoch range(n // batch_size + 1) batches (an empty last batch when B divides N)', '    for start in range(0, n, batch_size):\n        idx = order[start:start + batch_size]', '    for i in range(n // batch_size + 1):\n        idx = order[i * batch_size:(i + 1) * batch_size]', expect='empty batch'),
    Mutant('train_epoch backward before the loss forward (gradient of the previous batch)', '        loss = loss_fn.forward(model.forward(x[idx]), y[idx])\n        model.backward(loss_fn.backward())\n', '        pred = model.forward(x[idx])\n        if start > 0:\n            model.backward(loss_fn.backward())\n        loss = loss_fn.forward(pred, y[idx])\n        if start == 0:\n            model.backward(loss_fn.backward())\n', expect='came BEFORE loss_fn.forward'),
]
VARIANTS += [
    Variant('dx via (W @ grad_out.T).T', 'return grad_out @ self.W.data.T', 'return (self.W.data @ grad_out.T).T', file='model.py'),
    Variant("dW by einsum without '->' (letters ni,no sort right)", 'self.W.grad += self.x.T @ grad_out', "self.W.grad += np.einsum('ni,no', self.x, grad_out)", file='model.py'),
    Variant('zero_grad as p.grad = p.grad * 0', 'p.grad[...] = 0.0', 'p.grad = p.grad * 0', file='model.py'),
    Variant('sigmoid by boolean-mask branches into np.empty_like', 'e = np.exp(-np.abs(x))  # never overflows: the exponent is <= 0\n        self.out = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))', 'out = np.empty_like(x)\n        pos = x >= 0\n        out[pos] = 1.0 / (1.0 + np.exp(-x[pos]))\n        ex = np.exp(x[~pos])\n        out[~pos] = ex / (1.0 + ex)\n        self.out = out', file='model.py'),
    Variant('train_epoch with an inner generator of index batches', '    for start in range(0, n, batch_size):\n        idx = order[start:start + batch_size]\n', '    def batches():\n        for s in range(0, n, batch_size):\n            yield order[s:s + batch_size]\n    for idx in batches():\n'),
]

# --- issue 15, round 9 (r9a): the second held-out set's mistakes and variants ---
MUTANTS += [
    Mutant("Linear backward dx by einsum('no,oi->ni') (W's letters for (out, in))", 'return grad_out @ self.W.data.T', "return np.einsum('no,oi->ni', grad_out, self.W.data)", file='model.py', expect='you used W without the transpose'),
    Mutant('MSE forward returns a (1, 1) array (np.mean keepdims=True, no float())', 'return float(np.mean(self.diff ** 2))', 'return np.mean(self.diff ** 2, keepdims=True)', file='model.py', expect='not a float'),
    Mutant('SGD step updates every other parameter (self.params[::2])', '        for p in self.params:\n            p.data -= self.lr * p.grad\n', '        for p in self.params[::2]:\n            p.data -= self.lr * p.grad\n', file='model.py', expect='did not change: every parameter takes a step'),
    Mutant('Sequential.forward skips the first layer (self.layers[1:])', '        for layer in self.layers:\n            x = layer.forward(x)\n        return x', '        for layer in self.layers[1:]:\n            x = layer.forward(x)\n        return x', file='model.py', expect='first layer first'),
    Mutant("train_epoch gives the loss the whole y (y[order]) instead of the batch's targets", 'loss = loss_fn.forward(model.forward(x[idx]), y[idx])', 'loss = loss_fn.forward(model.forward(x[idx]), y[order][:len(idx)])', expect='not those of the sampled rows'),
    Mutant('Sigmoid backward with the mean output of the batch (s.mean())', 'return grad_out * self.out * (1.0 - self.out)', 's = self.out.mean()\n        return grad_out * s * (1.0 - s)', file='model.py', expect='the same number'),
]
VARIANTS += [
    Variant('ReLU backward with np.heaviside(x, 0)', '        return grad_out * self.mask\n', '        return grad_out * np.heaviside(self.x, 0.0)\n', file='model.py', also=(('self.mask = x > 0\n', 'self.mask = x > 0\n        self.x = x\n'),)),
    Variant('train_epoch iterates the batches last first', '    for start in range(0, n, batch_size):\n', '    for start in reversed(range(0, n, batch_size)):\n'),
]

# Round 9 measurement (lead): a parameter cast to a less precise dtype by the update; sorted batch indices
# (one batch of all N rows may come in any order).
MUTANTS += [
    Mutant("M9 SGD step casts p.data to float32 before the update",
           "        for p in self.params:\n            p.data -= self.lr * p.grad\n",
           "        for p in self.params:\n            p.data = p.data.astype(np.float32)\n            p.data -= self.lr * p.grad\n",
           file=M, expect="was float64 before the step and is float32 after it"),
    Mutant("M9 SGD step casts p.data to float16 before the update",
           "        for p in self.params:\n            p.data -= self.lr * p.grad\n",
           "        for p in self.params:\n            p.data = p.data.astype(np.float16)\n            p.data -= self.lr * p.grad\n",
           file=M, expect="was float64 before the step and is float16 after it"),
]
VARIANTS += [
    Variant("M9 train_epoch sorts each batch's indices", "        idx = order[start:start + batch_size]\n",
            "        idx = np.sort(order[start:start + batch_size])\n"),
]

# Round 9 measurement, fix 2 (f9a): weights changed by backward, a ReLU mask in Linear, the first
# sample's mask, a parameter list that grows, the epoch loss halved or reset in the loop.
MUTANTS += [
    Mutant("M9b Linear backward adds dW into W.data instead of W.grad",
           "self.W.grad += self.x.T @ grad_out", "self.W.data += self.x.T @ grad_out",
           file=M, expect="changed W.data (the weights) by adding the gradient dW"),
    Mutant("M9b Linear backward multiplies dx by the ReLU mask of its input (x > 0)",
           "return grad_out @ self.W.data.T", "return (grad_out @ self.W.data.T) * (self.x > 0)",
           file=M, expect="Linear has no activation"),
    Mutant("M9b ReLU mask from the first sample only (x[0] > 0)",
           "self.mask = x > 0", "self.mask = x[0] > 0", file=M, expect="first sample only"),
    Mutant("M9b Sequential.parameters accumulates into a class-level list (grows every call)",
           "return [p for layer in self.layers for p in layer.parameters()]",
           "Sequential._all = getattr(Sequential, '_all', [])\n        for layer in self.layers:\n"
           "            Sequential._all.extend(layer.parameters())\n        return Sequential._all",
           file=M, expect="the list grows at every call"),
    Mutant("M9b train_epoch epoch loss as a running average (avg + loss) / 2",
           "        total += loss * len(idx)\n    return total / n",
           "        total = loss if start == 0 else (total + loss) / 2\n    return total",
           expect="running average"),
    Mutant("M9b train_epoch total reset inside the loop (indentation)",
           "    for start in range(0, n, batch_size):\n        idx = order[start:start + batch_size]\n",
           "    for start in range(0, n, batch_size):\n        total = 0.0\n        idx = order[start:start + batch_size]\n",
           expect="only the last batch is left in the total"),
]

# Round 10 held-out measurement (r10a): how the wrong term is wrong, an input rescaled in place,
# a derivative at the wrong quantity, right values in a flattened shape, optimizer state changed by
# step(), parameters collected by class, np.array_split's count; a second forward per batch is fine.
MUTANTS += [
    Mutant("R10 Linear forward adds only the first bias entry b[0, 0]",
           "return x @ self.W.data + self.b.data", "return x @ self.W.data + self.b.data[0, 0]",
           file=M, expect="single number b[0, 0]"),
    Mutant("R10 Linear backward divides grad_out in place by N first",
           "        self.W.grad += self.x.T @ grad_out\n",
           "        grad_out /= len(grad_out)\n        self.W.grad += self.x.T @ grad_out\n",
           file=M, expect="divided grad_out by N"),
    Mutant("R10 Sigmoid backward recomputes s = self.forward(grad_out) (sigmoid of the gradient)",
           "return grad_out * self.out * (1.0 - self.out)",
           "s = self.forward(grad_out)\n        return grad_out * s * (1.0 - s)", file=M, expect="evaluated at grad_out"),
    Mutant("R10 MSE squeezes pred and target (backward (N,) for D = 1)",
           "target = np.reshape(target, pred.shape)", "pred, target = np.squeeze(pred), np.squeeze(target)",
           file=M, expect="right values but the shape"),
    Mutant("R10 SGD step decays its learning rate by 0.99 at every call",
           "        for p in self.params:\n            p.data -= self.lr * p.grad\n",
           "        for p in self.params:\n            p.data -= self.lr * p.grad\n        self.lr *= 0.99\n",
           file=M, expect="changes the learning rate it reads"),
    Mutant("R10 Sequential.parameters only from Linear layers (isinstance)",
           "return [p for layer in self.layers for p in layer.parameters()]",
           "return [p for layer in self.layers if isinstance(layer, Linear) for p in (layer.W, layer.b)]",
           file=M, expect="No layer's parameters() was called"),
    Mutant("R10 train_epoch np.array_split(order, batch_size) (batch_size batches)",
           "    for start in range(0, n, batch_size):\n        idx = order[start:start + batch_size]\n",
           "    for idx in np.array_split(order, batch_size):\n", expect="NUMBER of pieces"),
]
VARIANTS += [
    Variant("R10 train_epoch order = np.argsort(rng.random(n))", "order = rng.permutation(n)",
            "order = np.argsort(rng.random(n))"),
    Variant("R10 train_epoch logs the loss from its own forward, then a second forward for backward",
            "        loss = loss_fn.forward(model.forward(x[idx]), y[idx])\n        model.backward(loss_fn.backward())\n",
            "        xb, yb = x[idx], y[idx]\n        loss = loss_fn.forward(model.forward(xb), yb)\n"
            "        loss_fn.forward(model.forward(xb), yb)\n        model.backward(loss_fn.backward())\n"),
]
MUTANTS += [
    Mutant("R10b SGD step with lr / t (a step counter on the optimizer)",
           "        for p in self.params:\n            p.data -= self.lr * p.grad\n",
           "        self.t = getattr(self, 't', 0) + 1\n        for p in self.params:\n"
           "            p.data -= self.lr / self.t * p.grad\n", file=M, expect="keeps something between calls"),
]
MUTANTS += [
    Mutant("R10c Sequential.backward skips layers without parameters (a ReLU never backpropagated)",
           "        for layer in reversed(self.layers):\n            grad_out = layer.backward(grad_out)",
           "        for layer in reversed(self.layers):\n            if layer.parameters():\n"
           "                grad_out = layer.backward(grad_out)", file=M, expect="backward skipped a layer WITHOUT parameters"),
    Mutant("R10c Sequential.forward skips layers without parameters",
           "        for layer in self.layers:\n            x = layer.forward(x)\n        return x",
           "        for layer in self.layers:\n            if layer.parameters():\n                x = layer.forward(x)\n        return x",
           file=M, expect="forward skipped a layer WITHOUT parameters"),
]
MUTANTS += [
    Mutant("R10c Linear backward db is grad_out.sum(axis=0)[0] (the first column's sum everywhere)",
           "self.b.grad += grad_out.sum(axis=0, keepdims=True)", "self.b.grad += grad_out.sum(axis=0)[0]",
           file=M, expect="FIRST column only"),
    Mutant("R10c train_epoch divides by the padded count ceil(N / B) * B",
           "    return total / n\n", "    return total / (-(-n // batch_size) * batch_size)\n",
           expect="as if the last batch were full"),
]
MUTANTS += [
    Mutant("R11 MSE backward scales the cached diff in place (a second backward() differs)",
           "        return 2.0 * self.diff / self.diff.size\n",
           "        self.diff *= 2.0 / self.diff.size\n        return self.diff\n", file=M,
           expect="scales the array forward cached in place"),
    Mutant("R11 MSE forward as sum(diff.T @ diff) / size (cross terms between outputs)",
           "        return float(np.mean(self.diff ** 2))\n",
           "        return float(np.sum(self.diff.T @ self.diff) / self.diff.size)\n", file=M,
           expect="matrix of products of output columns"),
    Mutant("R11 train_epoch standardises each batch before the model",
           "        loss = loss_fn.forward(model.forward(x[idx]), y[idx])\n",
           "        xb = x[idx]\n        xb = (xb - xb.mean(axis=0)) / (xb.std(axis=0) + 1e-8)\n"
           "        loss = loss_fn.forward(model.forward(xb), y[idx])\n", expect="your train_epoch standardises the batch"),
    Mutant("R11 Linear forward clips its output at 0 (a ReLU inside Linear)",
           "        return x @ self.W.data + self.b.data\n",
           "        return np.maximum(x @ self.W.data + self.b.data, 0.0)\n", file=M, expect="a ReLU inside the layer"),
    Mutant("R11 Linear backward returns dx before the bias line (b.grad never updated)",
           "        self.b.grad += grad_out.sum(axis=0, keepdims=True)\n        return grad_out @ self.W.data.T\n",
           "        return grad_out @ self.W.data.T\n        self.b.grad += grad_out.sum(axis=0, keepdims=True)\n",
           file=M, expect="never added db into b.grad"),
    Mutant("R11 ReLU forward with np.max(x, 0) (a column max)",
           "        return x * self.mask\n", "        return np.max(x, 0)\n", file=M, expect="its second argument is an axis"),
    Mutant("R11 zero_grad resets the first row only (p.grad[0] = 0)",
           "            p.grad[...] = 0.0\n", "            p.grad[0] = 0.0\n", file=M, expect="only its first row was reset"),
    Mutant("R11 train_epoch order = rng.permutation(batch_size)",
           "    order = rng.permutation(n)\n", "    order = rng.permutation(batch_size)\n",
           expect="the permutation rng.permutation(batch_size)"),
    Mutant("R11 ReLU mask taken with >= 0 from the clipped output (True everywhere)",
           "        self.mask = x > 0\n        return x * self.mask\n",
           "        out = x.copy()\n        out[out < 0] = 0\n        self.mask = out >= 0\n        return out\n", file=M,
           expect="is True (or non-zero) also where x < 0"),
    Mutant("R11 train_epoch reuses n as the batch counter (total divided by the last batch index)",
           "    for start in range(0, n, batch_size):\n        idx = order[start:start + batch_size]\n",
           "    for n, start in enumerate(range(0, n, batch_size)):\n        idx = order[start:start + batch_size]\n",
           expect="the index of the last batch"),
]
MUTANTS += [
    Mutant("R12 Linear backward dW product computed in float32 (x and grad_out downcast)",
           "self.W.grad += self.x.T @ grad_out",
           "self.W.grad += self.x.T.astype(np.float32) @ grad_out.astype(np.float32)", file=M,
           expect="float64 inputs must stay float64"),
    Mutant("R12 MSE caches the difference as float32 (astype)",
           "self.diff = pred - target", "self.diff = (pred - target).astype(np.float32)", file=M,
           expect="returned a float32 array for float64 pred and target"),
    Mutant("R12 SGD stores lr on the class (SGD.lr = lr: shared by every optimiser)",
           "        self.params = list(params)\n        self.lr = lr",
           "        self.params = list(params)\n        SGD.lr = lr", file=M,
           expect="stored on the class (SGD.lr = lr)"),
    Mutant("R12 Linear backward dx through the pseudo-inverse of W (np.linalg.pinv) instead of W.T",
           "return grad_out @ self.W.data.T", "return grad_out @ np.linalg.pinv(self.W.data)", file=M,
           expect="(pseudo-)inverse of W"),
    Mutant("R12 Linear forward squeezes its output ((N,) for one output feature)",
           "return x @ self.W.data + self.b.data", "return (x @ self.W.data + self.b.data).squeeze()", file=M,
           expect="the axis of size 1 was dropped"),
    Mutant("R12 ReLU forward returns x[self.mask] (boolean index: a 1-D array of the positive entries)",
           "        self.mask = x > 0\n        return x * self.mask",
           "        self.mask = x > 0\n        return x[self.mask]", file=M, expect="boolean indexing x[mask]"),
    Mutant("R12 Sigmoid backward with np.gradient(self.out, axis=1) (differences along the row)",
           "return grad_out * self.out * (1.0 - self.out)", "return grad_out * np.gradient(self.out, axis=1)", file=M,
           expect="NEIGHBOURING entries of a row"),
    Mutant("R12 MSE reshapes pred to the target's shape instead of target to pred's",
           "target = np.reshape(target, pred.shape)", "pred = np.reshape(pred, np.shape(target))", file=M,
           expect="pred was brought to the target's shape"),
    Mutant("R12 Sequential.parameters returns the arrays p.data instead of the Parameter objects",
           "return [p for layer in self.layers for p in layer.parameters()]",
           "return [p.data for layer in self.layers for p in layer.parameters()]", file=M,
           expect="is the ARRAY p.data"),
]

# --- issue 15, round 13 held-out probes (measured on the unchanged checks first, then catalogued) ---
MUTANTS += [
    Mutant('R13 Linear backward also takes an SGD step on W (lr 0.01)',
           '        return grad_out @ self.W.data.T\n',
           '        dx = grad_out @ self.W.data.T\n        self.W.data -= 0.01 * self.W.grad\n        return dx\n', file='model.py',
           expect='changed W.data (the weights)'),
    Mutant('R13 Linear forward caches x as float32 (save memory)',
           '        self.x = x\n        return x @ self.W.data + self.b.data',
           '        self.x = x.astype(np.float32)\n        return x @ self.W.data + self.b.data', file='model.py',
           expect='self.x is x converted to float32'),
    Mutant('R13 Linear backward divides dx by N',
           '        return grad_out @ self.W.data.T\n',
           '        return grad_out @ self.W.data.T / len(grad_out)\n', file='model.py',
           expect='dx is scaled by 1/N'),
    Mutant('R13 ReLU mask x != 0 (negative inputs pass the gradient)',
           'self.mask = x > 0\n        return x * self.mask',
           'self.mask = x != 0\n        return np.maximum(x, 0)', file='model.py',
           expect='is True (or non-zero) also where x < 0'),
    Mutant('R13 Sigmoid clips x to [-10, 10] then the naive formula',
           '        e = np.exp(-np.abs(x))  # never overflows: the exponent is <= 0\n        self.out = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))\n',
           '        self.out = 1.0 / (1.0 + np.exp(-np.clip(x, -10, 10)))\n', file='model.py',
           expect='`np.clip(x, -10, 10)` should be just `x`'),
    Mutant('R13 MSE reshapes the difference instead of the target',
           '        target = np.reshape(target, pred.shape)\n        self.diff = pred - target\n',
           '        self.diff = np.reshape(pred - target, pred.shape)\n', file='model.py',
           expect='reshape the target to pred.shape'),
    Mutant('R13 MSE flattens pred and target (backward (N*D,))',
           '        target = np.reshape(target, pred.shape)\n        self.diff = pred - target\n',
           '        self.diff = pred.ravel() - target.ravel()\n', file='model.py',
           expect='the difference forward cached was flattened'),
    Mutant('R13 MSE caches the difference only on the first call',
           '        self.diff = pred - target\n        return float(np.mean(self.diff ** 2))',
           "        if not hasattr(self, 'diff'):\n            self.diff = pred - target\n        return float(np.mean(self.diff ** 2))", file='model.py',
           expect='backward must use the batch of the most recent forward call'),
    Mutant('R13 SGD step with p.grad.T',
           'p.data -= self.lr * p.grad',
           'p.data -= self.lr * p.grad.T', file='model.py',
           expect='the gradient is transposed in the update'),
    Mutant('R13 zero_grad calls p.grad.zero_() (PyTorch habit)',
           'p.grad[...] = 0.0',
           'p.grad.zero_()', file='model.py',
           expect='a NumPy array has no method zero_()'),
    Mutant('R13 Sequential.backward without return',
           '            grad_out = layer.backward(grad_out)\n        return grad_out\n',
           '            grad_out = layer.backward(grad_out)\n', file='model.py',
           expect='returned None'),
    Mutant('R13 Sequential.forward returns the list of activations',
           '        for layer in self.layers:\n            x = layer.forward(x)\n        return x\n',
           '        outs = []\n        for layer in self.layers:\n            x = layer.forward(x)\n            outs.append(x)\n        return outs\n', file='model.py',
           expect='must be a numpy.ndarray, got list'),
    Mutant('R13 train_epoch range(0, n - batch_size, batch_size) (last batch always dropped)',
           'for start in range(0, n, batch_size):',
           'for start in range(0, n - batch_size, batch_size):',
           expect='the last, smaller batch of'),
    Mutant('R13 train_epoch slices order[start::batch_size]',
           'idx = order[start:start + batch_size]',
           'idx = order[start::batch_size]',
           expect='they are not consecutive slices of one permutation'),
    Mutant('R13 train_epoch one optimizer step at the end of the epoch (full-batch in disguise)',
           '        optimizer.zero_grad()\n        loss = loss_fn.forward(model.forward(x[idx]), y[idx])\n        model.backward(loss_fn.backward())\n        optimizer.step()\n        total += loss * len(idx)\n    return total / n',
           '        loss = loss_fn.forward(model.forward(x[idx]), y[idx])\n        model.backward(loss_fn.backward())\n        total += loss * len(idx)\n    optimizer.step()\n    optimizer.zero_grad()\n    return total / n',
           expect='optimizer.step() must be called once per batch'),
    Mutant('R13 train_epoch returns total // n (floor division)',
           'return total / n',
           'return total // n',
           expect='rounded to whole numbers'),
    Mutant('R13 ReLU backward uses a mask recomputed from grad_out and x (grad_out > 0)',
           '        return grad_out * self.mask\n',
           '        return grad_out * (self.mask & (grad_out > 0))\n', file='model.py',
           expect='is not linear in grad_out'),
    Mutant('R13 Linear backward db uses the mean times batch_size of the first forward (N cached once)',
           '        self.b.grad += grad_out.sum(axis=0, keepdims=True)\n',
           "        self.n = getattr(self, 'n', len(grad_out))\n        self.b.grad += grad_out.mean(axis=0, keepdims=True) * self.n\n", file='model.py',
           expect='after the second round b.grad is wrong'),
]
VARIANTS += [
    Variant('R13 Sigmoid negative branch as 1 - 1/(1+e)',
            'self.out = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))',
            'self.out = np.where(x >= 0, 1.0 / (1.0 + e), 1.0 - 1.0 / (1.0 + e))', file='model.py'),
    Variant('R13 Sigmoid backward from the cached e = exp(-|x|)',
            '        return grad_out * self.out * (1.0 - self.out)\n',
            '        return grad_out * self.e / (1.0 + self.e) ** 2\n', file='model.py', also=[('        e = np.exp(-np.abs(x))  # never', '        e = self.e = np.exp(-np.abs(x))  # never')]),
    Variant('R13 Linear backward dW via np.tensordot',
            'self.W.grad += self.x.T @ grad_out',
            'self.W.grad += np.tensordot(self.x, grad_out, axes=(0, 0))', file='model.py'),
    Variant('R13 MSE target reshape(pred.shape[0], -1)',
            'target = np.reshape(target, pred.shape)',
            'target = target.reshape(pred.shape[0], -1)', file='model.py'),
    Variant('R13 zero_grad with fresh np.zeros(p.data.shape)',
            'p.grad[...] = 0.0',
            'p.grad = np.zeros(p.data.shape)', file='model.py'),
    Variant('R13 train_epoch wraps rng in np.random.default_rng(rng)',
            'order = rng.permutation(n)',
            'order = np.random.default_rng(rng).permutation(n)'),
    Variant('R13 Sequential.parameters deduplicated by id (shared layers once)',
            '        return [p for layer in self.layers for p in layer.parameters()]\n',
            '        seen = {}\n        for layer in self.layers:\n            for p in layer.parameters():\n                seen.setdefault(id(p), p)\n        return list(seen.values())\n', file='model.py'),
    Variant('R13 train_epoch losses in a list, np.dot with batch sizes',
            '    total = 0.0\n',
            '    losses, sizes = [], []\n', also=[('        total += loss * len(idx)\n    return total / n', '        losses.append(loss); sizes.append(len(idx))\n    return float(np.dot(losses, sizes) / n)')]),
]

# --- issue 15, round 13 second fresh set (measured after the round-13 fixes, then catalogued) ---
MUTANTS += [
    Mutant('R13b Linear backward np.add without out= (dW discarded)',
           'self.W.grad += self.x.T @ grad_out',
           'np.add(self.W.grad, self.x.T @ grad_out)', file='model.py',
           expect='np.add(self.W.grad, ...) without out= returns a NEW array'),
    Mutant('R13b SGD step with p.grad.sum(axis=0)',
           'p.data -= self.lr * p.grad',
           'p.data -= self.lr * p.grad.sum(axis=0)', file='model.py',
           expect='your step also moved 2 of the other'),
    Mutant('R13b zero_grad makes float32 zeros',
           'p.grad[...] = 0.0',
           'p.grad = np.zeros(p.data.shape, dtype=np.float32)', file='model.py',
           expect="must reset every grad to zeros of its parameter's dtype"),
    Mutant('R13b Sequential.parameters returns a generator',
           '        return [p for layer in self.layers for p in layer.parameters()]\n',
           '        return (p for layer in self.layers for p in layer.parameters())\n', file='model.py',
           expect='must return a list, got builtins.generator'),
    Mutant('R13b train_epoch never calls model.backward',
           '        model.backward(loss_fn.backward())\n',
           '        loss_fn.backward()\n',
           expect='must be called once per batch: 0 calls'),
]
VARIANTS += [
    Variant('R13b Linear forward with einsum',
            'return x @ self.W.data + self.b.data',
            "return np.einsum('ni,io->no', x, self.W.data) + self.b.data", file='model.py'),
    Variant('R13b ReLU mask with np.greater',
            'self.mask = x > 0\n        return x * self.mask',
            'self.mask = np.greater(x, 0)\n        return np.where(self.mask, x, 0.0)', file='model.py'),
    Variant('R13b train_epoch batches through np.take',
            'loss = loss_fn.forward(model.forward(x[idx]), y[idx])',
            'loss = loss_fn.forward(model.forward(np.take(x, idx, axis=0)), np.take(y, idx, axis=0))'),
]

# --- issue 15, round 13 independent measurement (m13a), fixed and catalogued ---
MUTANTS += [
    Mutant('M13 ReLU6: np.clip(x, 0, 6) for ReLU',
           'return x * self.mask', 'return np.clip(x, 0, 6)', file='model.py',
           expect='your output stops growing at 6'),
    Mutant('M13 ReLU forward returns float32 for float64 input',
           'return x * self.mask', 'return (x * self.mask).astype(np.float32)', file='model.py',
           expect='returned dtype float32 for a float64 x'),
    Mutant('M13 Sigmoid computed in float32 for float64 input (was a variant)',
           'e = np.exp(-np.abs(x))  # never overflows: the exponent is <= 0',
           'x = np.asarray(x, dtype=np.float32)\n        e = np.exp(-np.abs(x))', file='model.py',
           expect='returned dtype float32 for a float64 x'),
    Mutant('M13 Sigmoid backward updates self.out in place',
           'return grad_out * self.out * (1.0 - self.out)',
           'self.out *= 1.0 - self.out\n        return grad_out * self.out', file='model.py',
           expect='the first backward call changed self.out'),
    Mutant('M13 Sigmoid via scipy.special.logit',
           'e = np.exp(-np.abs(x))  # never overflows: the exponent is <= 0\n        self.out = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))',
           'from scipy.special import logit\n        self.out = logit(x)', file='model.py',
           expect='your forward is the logit'),
    Mutant('M13 Sigmoid forward returns np.tanh(x)',
           'self.out = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))',
           'self.out = np.tanh(x)', file='model.py',
           expect='your forward is tanh(x)'),
    Mutant('M13 Sequential.parameters comprehension clauses swapped',
           'return [p for layer in self.layers for p in layer.parameters()]',
           'return [p for p in layer.parameters() for layer in self.layers]', file='model.py',
           expect="the comprehension's for clauses run left to right"),
    Mutant('M13 train_epoch slices order[start * B:(start + 1) * B]',
           'idx = order[start:start + batch_size]',
           'idx = order[start * batch_size:(start + 1) * batch_size]',
           expect='it is multiplied twice'),
]

# --- issue 15, round 13e second fresh set (measured after the m13a fixes, then catalogued) ---
MUTANTS += [
    Mutant('R13e dW as the outer product of the mean input and the summed gradient',
           'self.W.grad += self.x.T @ grad_out',
           'self.W.grad += self.x.mean(axis=0, keepdims=True).T @ grad_out.sum(axis=0, keepdims=True)', file='model.py',
           expect='the outer product of the batch MEAN of x'),
    Mutant('R13e Sequential.backward index loop stops before layer 0',
           '        for layer in reversed(self.layers):\n            grad_out = layer.backward(grad_out)\n        return grad_out',
           '        for i in range(len(self.layers) - 1, 0, -1):\n            grad_out = self.layers[i].backward(grad_out)\n        return grad_out',
           file='model.py', expect='the backward of layer0 was never called'),
    Mutant('R13e Sigmoid backward uses grad_out in place of the cached output',
           'return grad_out * self.out * (1.0 - self.out)', 'return grad_out * (1.0 - grad_out)', file='model.py',
           expect='is not linear in grad_out'),
]
VARIANTS += [
    Variant('R13e SGD step writes through p.data[:]', 'p.data -= self.lr * p.grad',
            'p.data[:] = p.data - self.lr * p.grad', file='model.py'),
    Variant('R13e Sigmoid np.where(x > 0) (both branches equal at 0)',
            'self.out = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))',
            'self.out = np.where(x > 0, 1.0 / (1.0 + e), e / (1.0 + e))', file='model.py'),
    Variant('R13e train_epoch calls model(x) and loss_fn(pred, y)',
            'loss = loss_fn.forward(model.forward(x[idx]), y[idx])', 'loss = loss_fn(model(x[idx]), y[idx])'),
]

# --- issue 15, round 14 held-out set (helper a), catalogued after the fixes (helper e) ---
MUTANTS += [
    Mutant('R14e x1 Linear.backward computes dx but never returns it', '        return grad_out @ self.W.data.T\n', '        dx = grad_out @ self.W.data.T\n', file='model.py', expect='forget a `return`'),
    Mutant('R14e x2 dW via np.outer(self.x, grad_out) on whole arrays (flattened)', 'self.W.grad += self.x.T @ grad_out', 'self.W.grad += np.outer(self.x, grad_out)', file='model.py', expect='np.outer FLATTENS'),
    Mutant('R14e x3 Linear forward adds the bias to the input before the product', 'return x @ self.W.data + self.b.data', 'return (x + self.b.data) @ self.W.data', file='model.py', expect='the term that uses b'),
    Mutant('R14e x4 ReLU forward is softplus log(1 + exp(x))', '        return x * self.mask\n', '        return np.log1p(np.exp(x))\n', file='model.py', expect='softplus'),
    Mutant('R14e x5 ReLU forward is ELU (exp(x) - 1 on the negative side)', '        return x * self.mask\n', '        return np.where(self.mask, x, np.exp(x) - 1.0)\n', file='model.py', expect='ELU (exp(x) - 1 where x < 0)'),
    Mutant('R14e x6 Sigmoid forward is the hard sigmoid clip(0.2 x + 0.5, 0, 1)', '        self.out = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))\n', '        self.out = np.clip(0.2 * x + 0.5, 0.0, 1.0)\n', file='model.py', expect='hard sigmoid clip(0.2 x + 0.5'),
    Mutant('R14e x7 Sigmoid caches e = exp(-|x|) as self.out (backward from the wrong quantity)', '        self.out = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))\n        return self.out\n', '        self.out = e\n        return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))\n', file='model.py', expect='self.out holds exp(-|x|)'),
    Mutant('R14e x8 MSE forward as mean(pred**2 - target**2) (algebra slip)', 'return float(np.mean(self.diff ** 2))', 'return float(np.mean(pred ** 2 - target ** 2))', file='model.py', expect='squared pred and target separately'),
    Mutant('R14e x9 SGD step is RMSprop (per-parameter running mean of g**2)', '        for p in self.params:\n            p.data -= self.lr * p.grad\n', "        if not hasattr(self, 'sq'):\n            self.sq = [np.zeros_like(p.data) for p in self.params]\n        for p, s in zip(self.params, self.sq):\n            s *= 0.9\n            s += 0.1 * p.grad ** 2\n            p.data -= self.lr * p.grad / (np.sqrt(s) + 1e-8)\n", file='model.py', expect='divided by its own size'),
    Mutant('R14e x10 zero_grad skips the last parameter (range(len - 1))', '        for p in self.params:\n            p.grad[...] = 0.0\n', '        for i in range(len(self.params) - 1):\n            self.params[i].grad[...] = 0.0\n', file='model.py', expect='zero_grad must reset every gradient'),
    Mutant('R14e x11 Sequential.forward only through the first and last layer', '        for layer in self.layers:\n            x = layer.forward(x)\n        return x\n', '        return self.layers[-1].forward(self.layers[0].forward(x))\n', file='model.py', expect="must call each layer's forward once"),
    Mutant('R14e x12 Sequential.parameters via sum() without a start list (TypeError)', 'return [p for layer in self.layers for p in layer.parameters()]', 'return sum(layer.parameters() for layer in self.layers)', file='model.py', expect='sum() starts from the number 0'),
    Mutant('R14e x13 train_epoch halves optimizer.lr at the end of each epoch', '    return total / n\n', '    optimizer.lr *= 0.5\n    return total / n\n', expect='changed optimizer.lr'),
    Mutant('R14e x14 train_epoch calls optimizer.step() twice per batch', '        optimizer.step()\n        total +=', '        optimizer.step()\n        optimizer.step()\n        total +=', expect='must be called once per batch'),
    Mutant('R14e x15 train_epoch batches via order.reshape(-1, batch_size) (fails unless B divides N)', '    for start in range(0, n, batch_size):\n        idx = order[start:start + batch_size]\n', '    for idx in order.reshape(-1, batch_size):\n', expect='reshaped into rows of batch_size'),
    Mutant('R14e x16 train_epoch counts the loss of full batches only (last partial batch trained, not counted)', '        total += loss * len(idx)\n', '        if len(idx) == batch_size:\n            total += loss * len(idx)\n', expect='is trained on but its loss is not counted'),
]
VARIANTS += [
    Variant('R14e x-v1 MSE forward returns np.mean(...).item()', 'return float(np.mean(self.diff ** 2))', 'return np.mean(self.diff ** 2).item()', file='model.py'),
    Variant('R14e x-v2 MSE target via np.resize(target, pred.shape)', 'target = np.reshape(target, pred.shape)', 'target = np.resize(target, pred.shape)', file='model.py'),
    Variant('R14e x-v3 Sequential.backward via functools.reduce over reversed layers', '        for layer in reversed(self.layers):\n            grad_out = layer.backward(grad_out)\n        return grad_out\n', '        import functools\n        return functools.reduce(lambda g, layer: layer.backward(g), reversed(self.layers), grad_out)\n', file='model.py'),
    Variant('R14e x-v4 SGD step casts the step to the parameter dtype (float32-careful)', '            p.data -= self.lr * p.grad\n', '            p.data -= (self.lr * p.grad).astype(p.data.dtype, copy=False)\n', file='model.py'),
    Variant('R14e x-v5 Linear backward computes dx first, then the parameter gradients', '        self.W.grad += self.x.T @ grad_out\n        self.b.grad += grad_out.sum(axis=0, keepdims=True)\n        return grad_out @ self.W.data.T\n', '        dx = grad_out @ self.W.data.T\n        self.W.grad += self.x.T @ grad_out\n        self.b.grad += grad_out.sum(axis=0, keepdims=True)\n        return dx\n', file='model.py'),
    Variant('R14e x-v6 train_epoch collects weighted batch losses and sums them with math.fsum', '    total = 0.0\n', '    import math\n    total_parts = []\n', also=(('        total += loss * len(idx)\n    return total / n\n', '        total_parts.append(loss * len(idx))\n    return math.fsum(total_parts) / n\n'),)),
]
# the same classes of mistake elsewhere in the lab (helper e)
MUTANTS += [
    Mutant('R14e ReLU forward is SiLU x * sigmoid(x)', '        return x * self.mask\n',
           '        return x / (1.0 + np.exp(-x))\n', file='model.py', expect='SiLU'),
    Mutant("R14e Sigmoid forward is PyTorch's hardsigmoid clip(x / 6 + 0.5)",
           '        self.out = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))\n',
           '        self.out = np.clip(x / 6.0 + 0.5, 0.0, 1.0)\n', file='model.py', expect="PyTorch's hardsigmoid"),
    Mutant('R14e Sigmoid forward is a rescaled softsign 0.5 (1 + x / (1 + |x|))',
           '        self.out = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))\n',
           '        self.out = 0.5 * (1.0 + x / (1.0 + np.abs(x)))\n', file='model.py', expect='rescaled softsign'),
    Mutant('R14e Sigmoid caches the denominator 1 + exp(-|x|) as self.out',
           '        self.out = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))\n        return self.out\n',
           '        self.out = 1.0 + e\n        return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))\n',
           file='model.py', expect='self.out holds 1 + exp(-|x|)'),
    Mutant('R14e MSE forward as mean(pred**2) - mean(target**2)',
           'return float(np.mean(self.diff ** 2))', 'return float(np.mean(pred ** 2) - np.mean(target ** 2))',
           file='model.py', expect='squared pred and target separately'),
    Mutant('R14e dW assigned as np.outer(self.x, grad_out) (shape (N*in, N*out))',
           'self.W.grad += self.x.T @ grad_out', 'self.W.grad = np.outer(self.x, grad_out)',
           file='model.py', expect='np.outer FLATTENS'),
    Mutant('R14e Sequential.parameters via functools.reduce(operator.add) without a start list',
           'return [p for layer in self.layers for p in layer.parameters()]',
           'return sum((layer.parameters() for layer in self.layers))',
           file='model.py', expect='sum() starts from the number 0'),
    Mutant('R14e train_epoch decays optimizer.lr after every step',
           '        optimizer.step()\n        total +=', '        optimizer.step()\n        optimizer.lr *= 0.9\n        total +=',
           expect='changed optimizer.lr'),
    Mutant('R14e train_epoch batches via np.split(order, n // batch_size)',
           '    for start in range(0, n, batch_size):\n        idx = order[start:start + batch_size]\n',
           '    for idx in np.split(order, max(n // batch_size, 1)):\n',
           expect='cut into equal parts (np.split)'),
    Mutant('R14e train_epoch averages the full batches only (last batch left out of the mean)',
           '        total += loss * len(idx)\n    return total / n\n',
           '        if len(idx) == batch_size:\n            total += loss * len(idx)\n    return total / (n - n % batch_size if n >= batch_size else n)\n',
           expect='is trained on but its loss is left out of the mean'),
]
MUTANTS += [
    Mutant('R14e MSE forward as the square of the mean absolute error',
           'return float(np.mean(self.diff ** 2))', 'return float(np.mean(np.abs(self.diff)) ** 2)',
           file='model.py', expect='squares the mean absolute error'),
]
MUTANTS += [
    Mutant('R14e train_epoch batches via np.array_split(order, n // batch_size)',
           '    for start in range(0, n, batch_size):\n        idx = order[start:start + batch_size]\n',
           '    for idx in np.array_split(order, max(n // batch_size, 1)):\n',
           expect='pieces of near-equal size'),
]

# --- issue 15, round 14 (m14i held-out probes, now catalogued: no longer held out) ---------------------------
MUTANTS += [
    Mutant("R14m dW from the batch-averaged grad_out (x.T @ grad_out.mean(axis=0, keepdims=True))",
           "self.W.grad += self.x.T @ grad_out",
           "self.W.grad += self.x.T @ grad_out.mean(axis=0, keepdims=True)", file=M, expect="averaged over the batch"),
    Mutant("R14m dW from the batch-averaged x (x.mean(axis=0, keepdims=True).T @ grad_out)",
           "self.W.grad += self.x.T @ grad_out",
           "self.W.grad += self.x.mean(axis=0, keepdims=True).T @ grad_out", file=M, expect="x is averaged over the batch"),
    Mutant("R14m dW from np.sum(grad_out, axis=0) in np.dot",
           "self.W.grad += self.x.T @ grad_out",
           "self.W.grad += np.dot(self.x.T, np.sum(grad_out, axis=0, keepdims=True))", file=M,
           expect="grad_out is summed over the batch"),
    Mutant("R14m Sigmoid backward with the derivative averaged over the batch",
           "return grad_out * self.out * (1.0 - self.out)",
           "return grad_out * (self.out * (1.0 - self.out)).mean(axis=0)", file=M,
           expect="averaged (.mean(axis=0)) over the samples"),
    Mutant("R14m Sigmoid backward with the derivative averaged over each row",
           "return grad_out * self.out * (1.0 - self.out)",
           "return grad_out * (self.out * (1.0 - self.out)).mean(axis=1, keepdims=True)", file=M,
           expect="averaged (.mean(axis=1)) over the outputs"),
    Mutant("R14m ReLU backward with the mask averaged over the batch",
           "return grad_out * self.mask", "return grad_out * self.mask.mean(axis=0)", file=M,
           expect="the same in every row of a column"),
    Mutant("R14m MSE forward returns np.float32",
           "return float(np.mean(self.diff ** 2))", "return np.float32(np.mean(self.diff ** 2))", file=M,
           expect="not a Python float"),
    Mutant("R14m MSE forward returns a 0-d array",
           "return float(np.mean(self.diff ** 2))", "return np.asarray(np.mean(self.diff ** 2))", file=M,
           expect="not a Python float"),
    Mutant("R14m train_epoch ravels predictions and targets (right only for one output)",
           "loss = loss_fn.forward(model.forward(x[idx]), y[idx])",
           "loss = loss_fn.forward(model.forward(x[idx]).ravel(), y[idx].ravel())",
           expect="flattened"),
]
VARIANTS += [
    Variant("R14m MSE forward returns np.float64(...) (a float subclass)",
            "return float(np.mean(self.diff ** 2))", "return np.float64(np.mean(self.diff ** 2))", file=M),
    Variant("R14m dW as a sum of per-sample outer products via einsum",
            "self.W.grad += self.x.T @ grad_out", "self.W.grad += np.einsum('ni,no->io', self.x, grad_out)", file=M),
]
MUTANTS += [
    Mutant("R14m ReLU mask as np.clip(x, 0, 1) (x**2 on (0, 1))",
           "self.mask = x > 0\n        return x * self.mask",
           "self.mask = np.clip(x, 0, 1)\n        return x * self.mask", file=M, expect="not 0 or 1"),
    Mutant("R14m ReLU forward x * np.maximum(x, 0)",
           "return x * self.mask", "return x * np.maximum(x, 0)", file=M, expect="squares every positive x"),
]
# --- issue 15, round 15: the held-out measurement's mistakes (helper a), each named by a general question ---
MUTANTS += [
    Mutant("R15 Linear backward dW from dx instead of grad_out (x.T @ dx)",
           "        self.W.grad += self.x.T @ grad_out\n        self.b.grad += grad_out.sum(axis=0, keepdims=True)\n"
           "        return grad_out @ self.W.data.T\n",
           "        dx = grad_out @ self.W.data.T\n        self.W.grad += self.x.T @ dx\n"
           "        self.b.grad += grad_out.sum(axis=0, keepdims=True)\n        return dx\n",
           file=M, expect="dW was computed from dL/dx"),
    Mutant("R15 Linear backward db from dx instead of grad_out",
           "        self.b.grad += grad_out.sum(axis=0, keepdims=True)\n        return grad_out @ self.W.data.T\n",
           "        dx = grad_out @ self.W.data.T\n        self.b.grad += dx.sum(axis=0, keepdims=True)\n        return dx\n",
           file=M, expect="db was computed from dL/dx"),
    Mutant("R15 ReLU caches np.argwhere(x > 0) and indexes with it (rows, not entries)",
           "        self.mask = x > 0\n        return x * self.mask\n",
           "        self.idx = np.argwhere(x > 0)\n        return np.maximum(x, 0)\n",
           file=M, also=[("        return grad_out * self.mask\n",
                          "        g = np.zeros_like(grad_out)\n        g[self.idx] = grad_out[self.idx]\n        return g\n")],
           expect="by whole ROWS"),
    Mutant("R15 SGD step divides the gradient by lr",
           "p.data -= self.lr * p.grad", "p.data -= p.grad / self.lr", file=M, expect="DIVIDED by the learning rate"),
    Mutant("R15 SGD step with lr squared",
           "p.data -= self.lr * p.grad", "p.data -= self.lr * self.lr * p.grad", file=M, expect="enters twice"),
    Mutant("R15 zero_grad rebuilds the Parameters (optimizer detached from the model)",
           "        for p in self.params:\n            p.grad[...] = 0.0\n",
           "        self.params = [Parameter(p.data) for p in self.params]\n",
           file=M, expect="replaced the optimizer's Parameter objects"),
    Mutant("R15 train_epoch takes the loss gradient before the loss forward (one batch late)",
           "        loss = loss_fn.forward(model.forward(x[idx]), y[idx])\n        model.backward(loss_fn.backward())\n",
           "        pred = model.forward(x[idx])\n        model.backward(loss_fn.backward())\n"
           "        loss = loss_fn.forward(pred, y[idx])\n",
           expect="loss_fn.backward() came BEFORE loss_fn.forward"),
    Mutant("R15 train_epoch divides the epoch loss by n twice",
           "        total += loss * len(idx)\n", "        total += loss * len(idx) / n\n", expect="divided by N twice"),
    Mutant("R15 Sequential.parameters from vars(layer) filtered by isinstance Parameter (skips any layer that "
           "does not keep its Parameters as attributes)",
           "        return [p for layer in self.layers for p in layer.parameters()]\n",
           "        return [v for layer in self.layers for v in vars(layer).values() if isinstance(v, Parameter)]\n",
           file=M, expect="No layer's parameters() was called"),
]
VARIANTS += [
    Variant("R15 ReLU caching np.nonzero(x > 0) indices",
            "        self.mask = x > 0\n        return x * self.mask\n",
            "        self.idx = np.nonzero(x > 0)\n        return np.maximum(x, 0)\n",
            file=M, also=[("        return grad_out * self.mask\n",
                           "        g = np.zeros_like(grad_out)\n        g[self.idx] = grad_out[self.idx]\n        return g\n")]),
    Variant("R15 zero_grad with p.grad -= p.grad", "            p.grad[...] = 0.0\n", "            p.grad -= p.grad\n", file=M),
    Variant("R15 Linear backward via an augmented ones column (db from the last row)",
            "        self.W.grad += self.x.T @ grad_out\n        self.b.grad += grad_out.sum(axis=0, keepdims=True)\n",
            "        xa = np.hstack([self.x, np.ones((len(self.x), 1))])\n        g = xa.T @ grad_out\n"
            "        self.W.grad += g[:-1]\n        self.b.grad += g[-1:]\n", file=M),
    Variant("R15 SGD step as p.data -= p.grad * self.lr", "p.data -= self.lr * p.grad", "p.data -= p.grad * self.lr", file=M),
]

# --- issue 15, round 15b: the held-out measurement's (helper i) mistakes, fixed ---
MUTANTS += [
    Mutant("R15b MSE backward scale 2/size cached on the first call only (stale for other batch sizes)",
           "        return 2.0 * self.diff / self.diff.size\n",
           "        if not hasattr(self, 'scale'):\n            self.scale = 2.0 / self.diff.size\n"
           "        return self.scale * self.diff\n",
           file=M, expect="a value from an earlier call was reused"),
    Mutant("R15b zero_grad gives every same-shaped parameter one shared zeros array",
           "        for p in self.params:\n            p.grad[...] = 0.0\n",
           "        z = np.zeros_like(self.params[0].data)\n        for p in self.params:\n"
           "            p.grad = z if p.grad.shape == z.shape else np.zeros_like(p.data)\n",
           file=M, expect="share one gradient array"),
    Mutant("R15b Sequential.forward casts the input to float32",
           "        for layer in self.layers:\n            x = layer.forward(x)\n        return x\n",
           "        x = np.asarray(x, dtype=np.float32)\n        for layer in self.layers:\n"
           "            x = layer.forward(x)\n        return x\n",
           file=M, expect="your forward casts the input to float32"),
    Mutant("R15b Sequential.backward casts the gradient to float32",
           "        for layer in reversed(self.layers):\n            grad_out = layer.backward(grad_out)\n",
           "        for layer in reversed(self.layers):\n            grad_out = layer.backward(grad_out.astype(np.float32))\n",
           file=M, expect="your backward casts the gradients to float32"),
    Mutant("R15b train_epoch pads the last batch with zero rows (fixed batch shape)",
           "        idx = order[start:start + batch_size]\n        optimizer.zero_grad()\n"
           "        loss = loss_fn.forward(model.forward(x[idx]), y[idx])\n",
           "        idx = order[start:start + batch_size]\n        optimizer.zero_grad()\n"
           "        xb, yb = x[idx], y[idx]\n        if len(idx) < batch_size:\n"
           "            pad = batch_size - len(idx)\n"
           "            xb = np.vstack([xb, np.zeros((pad,) + x.shape[1:])])\n"
           "            yb = np.vstack([yb, np.zeros((pad,) + y.shape[1:])])\n"
           "        loss = loss_fn.forward(model.forward(xb), yb)\n",
           expect="rows of zeros appended (padding)"),
]
VARIANTS += [
    Variant("R15b MSE backward computes its scale from the current batch on every call",
            "        return 2.0 * self.diff / self.diff.size\n",
            "        self.scale = 2.0 / self.diff.size\n        return self.scale * self.diff\n", file=M),
    Variant("R15b Sequential.forward through np.asarray(x) (no dtype)",
            "        for layer in self.layers:\n            x = layer.forward(x)\n        return x\n",
            "        x = np.asarray(x)\n        for layer in self.layers:\n            x = layer.forward(x)\n        return x\n",
            file=M),
]
# the same classes in the lab's other functions
MUTANTS += [
    Mutant("R15b SGD step clips each gradient to norm 5",
           "        for p in self.params:\n            p.data -= self.lr * p.grad\n",
           "        for p in self.params:\n            n = np.linalg.norm(p.grad)\n"
           "            g = p.grad * (5.0 / n) if n > 5.0 else p.grad\n            p.data -= self.lr * g\n",
           file=M, expect="clips (or normalises) the gradient's norm"),
    Mutant("R15b MSE backward keeps N from the first call (2 * diff / (N_first * D))",
           "        return 2.0 * self.diff / self.diff.size\n",
           "        if not hasattr(self, 'n'):\n            self.n = self.diff.shape[0]\n"
           "        return 2.0 * self.diff / (self.n * self.diff.shape[1])\n",
           file=M, expect="with the N = 4 of the EARLIER (4, 3) batches"),
    Mutant("R15b Sequential.forward converts its output to float32",
           "            x = layer.forward(x)\n        return x\n",
           "            x = layer.forward(x)\n        return x.astype(np.float32)\n",
           file=M, expect="your forward converts the result"),
]

# Round 16 (held-out set a16, now catalogued): state kept from a layer's first call, batch / target shapes
# in train_epoch, an optimiser step that keeps a state.
_R16_TE_BODY = """    n = len(x)
    order = rng.permutation(n)
    total = 0.0
    for start in range(0, n, batch_size):
        idx = order[start:start + batch_size]
        optimizer.zero_grad()
        loss = loss_fn.forward(model.forward(x[idx]), y[idx])
        model.backward(loss_fn.backward())
        optimizer.step()
        total += loss * len(idx)
    return total / n"""
MUTANTS += [
    Mutant("R16 Linear forward caches a contiguous copy of W.T on the first call (stale after W changes)",
           "self.x = x\n        return x @ self.W.data + self.b.data",
           "self.x = x\n        if getattr(self, '_Wt', None) is None:\n            self._Wt = np.ascontiguousarray(self.W.data.T)\n"
           "        return x @ self._Wt.T + self.b.data",
           file=M, expect="computed with W as it was at call 1"),
    Mutant("R16 Linear forward caches x @ W for the first input's shape (rebinding W.data goes unseen)",
           "self.x = x\n        return x @ self.W.data + self.b.data",
           "self.x = x\n        if getattr(self, '_W', None) is None:\n            self._W = self.W.data\n"
           "        return x @ self._W + self.b.data",
           file=M, expect="computed with W as it was at call 2"),
    Mutant("R16 ReLU forward writes into a buffer preallocated on the first call (np.maximum out=)",
           "self.mask = x > 0\n        return x * self.mask",
           "self.mask = x > 0\n        if getattr(self, 'buf', None) is None:\n            self.buf = np.empty_like(x)\n"
           "        np.maximum(x, 0, out=self.buf)\n        return self.buf",
           file=M, expect="changed the array that call 1 returned"),
    Mutant("R16 Sigmoid forward fills a buffer kept from the first call (self.out[...] = ...)",
           "        self.out = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))\n        return self.out",
           "        if getattr(self, 'out', None) is None or self.out.shape != x.shape:\n"
           "            self.out = np.empty_like(x)\n"
           "        self.out[...] = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))\n        return self.out",
           file=M, expect="changed the array that call 1 returned"),
    Mutant("R16 train_epoch batches via np.take without axis, reshaped to (B, -1)",
           "loss = loss_fn.forward(model.forward(x[idx]), y[idx])",
           "xb = np.take(x, idx).reshape(len(idx), -1)\n        yb = np.take(y, idx).reshape(len(idx), -1)\n"
           "        loss = loss_fn.forward(model.forward(xb), yb)",
           expect="single entries of the FLATTENED x"),
    Mutant("R16 train_epoch targets y[idx, 0] (first output column only)",
           "loss = loss_fn.forward(model.forward(x[idx]), y[idx])",
           "loss = loss_fn.forward(model.forward(x[idx]), y[idx, 0])",
           expect="they are column 0 of y[idx] only"),
    Mutant("R16 train_epoch shuffles a stacked [x | y] copy, split at column 1",
           _R16_TE_BODY,
           "    n = len(x)\n    data = np.hstack([x, y])\n    rng.shuffle(data)\n    total = 0.0\n"
           "    for start in range(0, n, batch_size):\n"
           "        xb, yb = data[start:start + batch_size, :1], data[start:start + batch_size, 1:]\n"
           "        optimizer.zero_grad()\n        loss = loss_fn.forward(model.forward(xb), yb)\n"
           "        model.backward(loss_fn.backward())\n        optimizer.step()\n        total += loss * len(xb)\n"
           "    return total / n",
           expect="it holds only column 0 of the sampled rows"),
    Mutant("R16 SGD step with per-parameter momentum 0.9",
           "for p in self.params:\n            p.data -= self.lr * p.grad",
           "if not hasattr(self, 'velocity'):\n            self.velocity = [np.zeros_like(p.data) for p in self.params]\n"
           "        for p, v in zip(self.params, self.velocity):\n            v *= 0.9\n            v += p.grad\n"
           "            p.data -= self.lr * v",
           file=M, expect="PLUS 0.9 times the step the same parameter took at the previous call"),
    Mutant("R16 SGD step with a velocity that lags (v = 0.5 * v - lr * grad, p += v)",
           "for p in self.params:\n            p.data -= self.lr * p.grad",
           "if not hasattr(self, 'v'):\n            self.v = [np.zeros_like(p.data) for p in self.params]\n"
           "        for p, v in zip(self.params, self.v):\n            v *= 0.5\n            v -= self.lr * p.grad\n"
           "            p.data += v",
           file=M, expect="PLUS 0.5 times the step"),
]
VARIANTS += [
    Variant("R16 ReLU forward through np.maximum with a fresh out= array each call",
            "self.mask = x > 0\n        return x * self.mask",
            "self.mask = x > 0\n        out = np.empty_like(x)\n        np.maximum(x, 0, out=out)\n        return out",
            file=M),
    Variant("R16 Linear forward reads W through a local name each call",
            "self.x = x\n        return x @ self.W.data + self.b.data",
            "self.x = x\n        W, b = self.W.data, self.b.data\n        return np.dot(x, W) + b", file=M),
    Variant("R16 train_epoch shuffles a stacked [x | y] copy, split at x.shape[1]",
            _R16_TE_BODY,
            "    n, d = x.shape\n    data = np.hstack([x, y])\n    rng.shuffle(data)\n    total = 0.0\n"
            "    for start in range(0, n, batch_size):\n"
            "        xb, yb = data[start:start + batch_size, :d], data[start:start + batch_size, d:]\n"
            "        optimizer.zero_grad()\n        loss = loss_fn.forward(model.forward(xb), yb)\n"
            "        model.backward(loss_fn.backward())\n        optimizer.step()\n        total += loss * len(xb)\n"
            "    return total / n"),
]
MUTANTS += [
    Mutant("R16 train_epoch targets via np.take without axis (flat indices), reshaped to (B, -1)",
           "loss = loss_fn.forward(model.forward(x[idx]), y[idx])",
           "yb = np.take(y, idx).reshape(len(idx), -1)\n        loss = loss_fn.forward(model.forward(x[idx]), yb)",
           expect="single entries of the FLATTENED y"),
]
# Round 16b (held-out probes i16-01, -05, -07, now catalogued): a step that moves nothing at its first call
# asked over three calls on a fresh SGD; the update written into .grad; a forward that is another loss than
# the one backward differentiates.
MUTANTS += [
    Mutant("R16b SGD step applies the previous call's gradients (one step late)",
           "            p.data -= self.lr * p.grad\n",
           "            pass\n        prev = getattr(self, 'prev', None)\n        self.prev = [p.grad.copy() for p in self.params]\n"
           "        for p, g in zip(self.params, prev or []):\n            p.data -= self.lr * g\n",
           file=M, expect="previous call's gradient"),
    Mutant("R16b SGD step skips its first call (a step counter started at 0)",
           "            p.data -= self.lr * p.grad\n",
           "            if getattr(self, 't', 0) > 0:\n                p.data -= self.lr * p.grad\n        self.t = getattr(self, 't', 0) + 1\n",
           file=M, expect="not at every call"),
    Mutant("R16b SGD step writes p - lr * g into the gradient (np.add out=p.grad)",
           "            p.data -= self.lr * p.grad\n", "            np.add(p.data, -self.lr * p.grad, out=p.grad)\n",
           file=M, expect="written into .grad, not .data"),
    Mutant("R16b SGD step scales the gradient in place instead of the data (p.grad *= 1 - lr)",
           "            p.data -= self.lr * p.grad\n", "            p.grad *= 1.0 - self.lr\n",
           file=M, expect="their gradients did"),
    Mutant("R16b MSE forward is the Huber loss (backward still 2 diff / size)",
           "return float(np.mean(self.diff ** 2))",
           "a = np.abs(self.diff)\n        return float(np.mean(np.where(a < 1.0, 0.5 * self.diff ** 2, a - 0.5)))",
           file=M, expect="Huber"),
    Mutant("R16b MSE forward is the mean cubed error (backward still 2 diff / size)",
           "return float(np.mean(self.diff ** 2))", "return float(np.mean(np.abs(self.diff) ** 3))",
           file=M, expect="your backward is not the derivative of your forward"),
]
VARIANTS += [
    Variant("R16b SGD step via np.subtract(out=p.data)",
            "            p.data -= self.lr * p.grad\n", "            np.subtract(p.data, self.lr * p.grad, out=p.data)\n",
            file=M),
]
MUTANTS += [
    Mutant("R16b Sequential.forward applies the last layer a second time after the loop",
           "            x = layer.forward(x)\n        return x\n", "            x = layer.forward(x)\n        return layer.forward(x)\n",
           file=M, expect="applies the last layer twice"),
]
# Round 16c (held-out probes m16q lab01 q06, q08, q13, now catalogued): the documented derivative at x == 0
# asked on exact zeros; the lr each step() read (scaled for one batch and restored); model.forward calls whose
# output never reaches backward told apart from training batches before any overlap diagnosis.
MUTANTS += [
    Mutant("R16c ReLU mask by np.heaviside(x, 1) (derivative 1 at x == 0)",
           "        self.mask = x > 0\n", "        self.mask = np.heaviside(x, 1.0)\n",
           file=M, expect="derivative of ReLU is taken as 0 at x == 0"),
    # Was a Variant until round 16c: the docstring takes the derivative as 0 at x == 0, which a >= mask is not.
    Mutant("R16c ReLU via np.maximum and a >= mask (derivative 1 at x == 0)",
           "self.mask = x > 0\n        return x * self.mask", "self.mask = x >= 0\n        return np.maximum(x, 0.0)",
           file=M, expect="derivative of ReLU is taken as 0 at x == 0"),
    Mutant("R16c train_epoch scales optimizer.lr by the batch fill for the last batch, then restores it",
           "        optimizer.step()\n        total += loss * len(idx)\n",
           "        lr0 = optimizer.lr\n        optimizer.lr = lr0 * len(idx) / batch_size\n        optimizer.step()\n"
           "        optimizer.lr = lr0\n        total += loss * len(idx)\n",
           expect=("only the last batch", "lr * len(batch) / batch_size")),
    Mutant("R16c train_epoch doubles optimizer.lr for the first batch, then restores it",
           "        optimizer.step()\n        total += loss * len(idx)\n",
           "        lr0 = optimizer.lr\n        optimizer.lr = lr0 * (2.0 if start == 0 else 1.0)\n        optimizer.step()\n"
           "        optimizer.lr = lr0\n        total += loss * len(idx)\n",
           expect="changed the learning rate for some steps and restored it"),
    Mutant("R16c train_epoch adds a full-data loss pass into the total before training",
           "    n = len(x)\n    order = rng.permutation(n)\n    total = 0.0\n",
           "    n = len(x)\n    order = rng.permutation(n)\n    total = loss_fn.forward(model.forward(x), y) * n\n",
           expect=("never reached model.backward", "contains an extra full-data loss")),
]
MUTANTS += [
    Mutant("R16c MSE backward averages the error over the outputs first (right only for D = 1)",
           "        return 2.0 * self.diff / self.diff.size\n",
           "        n = self.diff.shape[0]\n        return 2.0 * self.diff.mean(axis=1, keepdims=True) / n * np.ones_like(self.diff)\n",
           file=M, expect="the same value for every output of a sample"),
    Mutant("R16c Linear backward db as the batch mean times the number of outputs",
           "        self.b.grad += grad_out.sum(axis=0, keepdims=True)\n",
           "        self.b.grad += grad_out.mean(axis=0, keepdims=True) * grad_out.shape[1]\n",
           file=M, expect="batch MEAN of grad_out times out_features"),
]
# Round 17 (m17a): train_epoch is run with an lr that is not 0.01 (0.0037 and 0.37), so a cap or floor of
# optimizer.lr left in place is seen.
MUTANTS += [
    Mutant("R17 train_epoch caps optimizer.lr at 0.01 and leaves it capped",
           "    n = len(x)\n    order = rng.permutation(n)",
           "    optimizer.lr = min(optimizer.lr, 0.01)\n    n = len(x)\n    order = rng.permutation(n)",
           expect="changed optimizer.lr: it was 0.37"),
    Mutant("R17 train_epoch floors optimizer.lr at 0.01 and leaves it so",
           "    n = len(x)\n    order = rng.permutation(n)",
           "    optimizer.lr = max(optimizer.lr, 0.01)\n    n = len(x)\n    order = rng.permutation(n)",
           expect="changed optimizer.lr: it was 0.0037"),
]
MUTANTS += [
    Mutant("R17 train_epoch reshapes y to one column at the top (right only for one output)",
           "    n = len(x)\n    order = rng.permutation(n)",
           "    y = y.reshape(-1, 1)\n    n = len(x)\n    order = rng.permutation(n)",
           expect="after y was reshaped to ONE column"),
]
# Round 17 (m17a): a second backward() after one forward that raises is named (the first call cleared the cache),
# for every backward asked twice (MSELoss, ReLU, Sigmoid).
MUTANTS += [
    Mutant("R17 MSE backward frees its cache (self.diff = None)",
           "return 2.0 * self.diff / self.diff.size",
           "g = 2.0 * self.diff / self.diff.size\n        self.diff = None\n        return g",
           file=M, expect="cleared or replaced what forward cached"),
    Mutant("R17 ReLU backward deletes its mask",
           "        return grad_out * self.mask\n",
           "        g = grad_out * self.mask\n        del self.mask\n        return g\n",
           file=M, expect="cleared or replaced what forward cached"),
    Mutant("R17 Sigmoid backward frees self.out",
           "        return grad_out * self.out * (1.0 - self.out)\n",
           "        g = grad_out * self.out * (1.0 - self.out)\n        self.out = None\n        return g\n",
           file=M, expect="cleared or replaced what forward cached"),
]
# Round 17 (m17a): Sequential.backward's result compared with every layer's backward return.
MUTANTS += [
    Mutant("R17 Sequential.backward returns the gradient below the last layer only (grads[1])",
           "        for layer in reversed(self.layers):\n            grad_out = layer.backward(grad_out)\n        return grad_out",
           "        grads = [grad_out]\n        for layer in reversed(self.layers):\n            grads.append(layer.backward(grads[-1]))\n"
           "        return grads[1]",
           file=M, expect="which is what layer 2's backward returned"),
    Mutant("R17 Sequential.backward returns the gradient of the second layer's input (grads[-2])",
           "        for layer in reversed(self.layers):\n            grad_out = layer.backward(grad_out)\n        return grad_out",
           "        grads = [grad_out]\n        for layer in reversed(self.layers):\n            grads.append(layer.backward(grads[-1]))\n"
           "        return grads[-2]",
           file=M, expect="which is what layer 1's backward returned"),
]
VARIANTS += [
    Variant("R17 Sequential.backward keeps every gradient and returns the last one",
            "        for layer in reversed(self.layers):\n            grad_out = layer.backward(grad_out)\n        return grad_out",
            "        grads = [grad_out]\n        for layer in reversed(self.layers):\n            grads.append(layer.backward(grads[-1]))\n"
            "        return grads[-1]", file=M),
]
_MSE_BODY = """        target = np.reshape(target, pred.shape)
        self.diff = pred - target
        return float(np.mean(self.diff ** 2))
        ### END SOLUTION

    def backward(self) -> np.ndarray:
        \"\"\"dL/dpred: (N, D), for the batch passed to the last ``forward``.\"\"\"
        ### BEGIN SOLUTION
        return 2.0 * self.diff / self.diff.size"""
# Round 17 (m17a): an (N,) target's gradient off by 1/N is read again with another N (the count N * N taken from
# the target's shape).
MUTANTS += [
    Mutant("R17 MSE gradient count from the target's last axis (N * N for (N,) targets)",
           _MSE_BODY, _MSE_BODY.replace("        target = np.reshape", "        self.count = pred.shape[0] * "
                                        "np.shape(target)[-1]\n        target = np.reshape")
           .replace("self.diff / self.diff.size", "self.diff / self.count"),
           file=M, expect="your backward divides by N * N"),
    Mutant("R17 MSE gradient count len(target) * target.shape[-1]",
           _MSE_BODY, _MSE_BODY.replace("        target = np.reshape", "        self.count = len(target) * "
                                        "np.shape(target)[-1]\n        target = np.reshape")
           .replace("self.diff / self.diff.size", "self.diff / self.count"),
           file=M, expect="your backward divides by N * N"),
]
MUTANTS += [
    Mutant("R17 train_epoch takes one SGD step per sample inside each batch (online SGD)",
           """        optimizer.zero_grad()
        loss = loss_fn.forward(model.forward(x[idx]), y[idx])
        model.backward(loss_fn.backward())
        optimizer.step()
        total += loss * len(idx)""",
           """        for i in idx:
            optimizer.zero_grad()
            loss = loss_fn.forward(model.forward(x[i:i + 1]), y[i:i + 1])
            model.backward(loss_fn.backward())
            optimizer.step()
            total += loss""",
           expect="ONE row at a time"),
    Mutant("R17 Linear caches x on the class (Linear.x = x)",
           "        self.x = x\n        return x @ self.W.data + self.b.data",
           "        Linear.x = x\n        return x @ self.W.data + self.b.data",
           file=M, expect="stored on the class"),
]
# Round 17: a wrong elementwise layer is first asked the same input twice on fresh layers (a random answer fits any
# reading of its values by chance).
MUTANTS += [
    Mutant("R17 ReLU forward with inverted dropout 0.5 in the mask (global np.random)",
           "        self.mask = x > 0\n        return x * self.mask",
           "        self.mask = (x > 0) * (np.random.rand(*x.shape) > 0.5) / 0.5\n        return x * self.mask",
           file=M, expect="gave different results: your ReLU uses random numbers"),
    Mutant("R17 Sigmoid forward adds noise to x",
           "e = np.exp(-np.abs(x))", "x = x + 0.01 * np.random.randn(*x.shape)\n        e = np.exp(-np.abs(x))",
           file=M, expect="gave different results: your Sigmoid uses random numbers"),
]
MUTANTS += [
    Mutant("R17 Linear backward frees self.x",
           "        return grad_out @ self.W.data.T",
           "        dx = grad_out @ self.W.data.T\n        self.x = None\n        return dx",
           file=M, expect="cleared or replaced what forward cached"),
]
# Round 17b: one loss object, forward called on batches of other sizes in turn: each value is that batch's alone.
MUTANTS += [
    Mutant("R17b MSE forward returns the running mean over every call so far",
           """        self.diff = pred - target
        return float(np.mean(self.diff ** 2))""",
           """        self.diff = pred - target
        self.calls = getattr(self, "calls", 0) + 1
        self.avg = getattr(self, "avg", 0.0) + (np.mean(self.diff ** 2) - getattr(self, "avg", 0.0)) / self.calls
        return float(self.avg)""",
           file=M, expect="the running MEAN of the losses of every call so far"),
    Mutant("R17b MSE forward adds every call's loss to a total kept on self",
           """        self.diff = pred - target
        return float(np.mean(self.diff ** 2))""",
           """        self.diff = pred - target
        self.total = getattr(self, "total", 0.0) + float(np.mean(self.diff ** 2))
        return self.total""",
           file=M, expect="the running SUM of the losses"),
]
VARIANTS += [
    Variant("R17b MSE forward counts its calls on self (the value itself is this batch's)",
            """        self.diff = pred - target
        return float(np.mean(self.diff ** 2))""",
            """        self.diff = pred - target
        self.calls = getattr(self, "calls", 0) + 1
        return float(np.mean(self.diff ** 2))""",
            file=M),
]


# Round 18 (m18a held-out probes, fixed): state kept between calls.
_R18A_TE_LOOP = """    for start in range(0, n, batch_size):
        idx = order[start:start + batch_size]
        optimizer.zero_grad()
        loss = loss_fn.forward(model.forward(x[idx]), y[idx])
        model.backward(loss_fn.backward())
        optimizer.step()
        total += loss * len(idx)
    return total / n"""
MUTANTS += [
    Mutant("R18a-01 SGD step reads self.lr once on its first call (later changes to optimizer.lr ignored)",
           old="""        for p in self.params:
            p.data -= self.lr * p.grad""",
           new="""        if not hasattr(self, "_lr0"):
            self._lr0 = self.lr          # read the step size once
        for p in self.params:
            p.data -= self._lr0 * p.grad""",
           file=M, expect='state kept between calls, e.g. lr read once'),
    Mutant("R18a-03 train_epoch accumulates the epoch loss in np.float32 (returns np.float32)",
           old="    total = 0.0\n",
           new="    total = np.float32(0.0)\n", expect='the epoch total was accumulated in float32'),
    Mutant("R18a-05 Sequential.parameters extends the first layer's own list in place (aliasing)",
           old="        return [p for layer in self.layers for p in layer.parameters()]",
           new="""        params = self.layers[0].parameters()
        for layer in self.layers[1:]:
            params += layer.parameters()      # += extends the first layer's list object
        return params""",
           file=M, expect="changed the list a layer's parameters() returned"),
    Mutant("R18a-08 Linear backward dW = (x * grad_out).sum(0)[:, None] (right only for one output)",
           old="        self.W.grad += self.x.T @ grad_out",
           new="        self.W.grad += (self.x * grad_out).sum(axis=0)[:, None]",
           file=M, expect='summed over the batch as one column'),
    Mutant("R18a-12 ReLU forward returns x untouched when every entry is positive (mask not refreshed)",
           old="""        self.mask = x > 0
        return x * self.mask""",
           new="""        if np.all(x > 0):
            return x                         # nothing to clip
        self.mask = x > 0
        return x * self.mask""",
           file=M, expect='returned the derivative at x1, the input of the EARLIER forward call'),
    Mutant("R18a-13 MSE stores the element count only on the (N,)-target branch (stale/missing for (N, D) targets)",
           old="""        target = np.reshape(target, pred.shape)
        self.diff = pred - target
        return float(np.mean(self.diff ** 2))""",
           new="""        if target.ndim == 1:
            target = target.reshape(pred.shape)
            self.size = pred.size
        self.diff = pred - target
        return float(np.mean(self.diff ** 2))""",
           also=[("return 2.0 * self.diff / self.diff.size", "return 2.0 * self.diff / self.size")],
           file=M, expect='backward reads self.size, which forward did not set on this call'),
    Mutant("R18a-14 Sequential.backward builds the reversed layer list once (layers added later never backpropagated)",
           old="""        for layer in reversed(self.layers):
            grad_out = layer.backward(grad_out)
        return grad_out""",
           new="""        if not hasattr(self, "_rev"):
            self._rev = self.layers[::-1]      # reverse once
        for layer in self._rev:
            grad_out = layer.backward(grad_out)
        return grad_out""",
           file=M, expect='a list of layers kept from the first call'),
    Mutant("R18a-15 Linear backward keeps its own running dW total on the layer (zero_grad cannot reset it)",
           old="        self.W.grad += self.x.T @ grad_out",
           new="""        self.dW_total = getattr(self, "dW_total", 0.0) + self.x.T @ grad_out
        self.W.grad[...] = self.dW_total""",
           file=M, expect='backward keeps its own running total between calls'),
]
VARIANTS += [
    Variant("R18a-v1 Sigmoid forward by boolean-indexed branches (CS231n style)",
            old="""        e = np.exp(-np.abs(x))  # never overflows: the exponent is <= 0
        self.out = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
        return self.out""",
            new="""        out = np.empty_like(x, dtype=np.result_type(x, np.float32))
        pos = x >= 0
        out[pos] = 1.0 / (1.0 + np.exp(-x[pos]))
        ex = np.exp(x[~pos])
        out[~pos] = ex / (1.0 + ex)
        self.out = out
        return out""",
            file=M),
    Variant("R18a-v2 SGD step through a per-parameter step buffer kept on the optimizer",
            old="""        for p in self.params:
            p.data -= self.lr * p.grad""",
            new="""        bufs = self.__dict__.setdefault("_bufs", {})
        for p in self.params:
            buf = bufs.get(id(p))
            if buf is None or buf.shape != p.data.shape:
                buf = bufs[id(p)] = np.empty_like(p.data)
            np.multiply(p.grad, self.lr, out=buf)
            p.data -= buf""",
            file=M),
    Variant("R18a-v3 MSE forward as a loop over rows of squared norms",
            old="        return float(np.mean(self.diff ** 2))",
            new="""        total = 0.0
        for row in self.diff:
            total += float(row @ row)
        return total / self.diff.size""",
            file=M),
    Variant("R18a-v4 Linear backward dW via np.tensordot over the batch axis",
            old="        self.W.grad += self.x.T @ grad_out",
            new="        self.W.grad += np.tensordot(self.x, grad_out, axes=(0, 0))",
            file=M),
    Variant("R18a-v5 train_epoch consumes the shuffled order with a while loop",
            old=_R18A_TE_LOOP,
            new="""    while order.size:
        idx, order = order[:batch_size], order[batch_size:]
        optimizer.zero_grad()
        pred = model.forward(x[idx])
        loss = loss_fn.forward(pred, y[idx])
        model.backward(loss_fn.backward())
        optimizer.step()
        total += loss * idx.size
    return total / n"""),
]
MUTANTS += [
    Mutant("R18e-1 train_epoch shuffles the order of fixed consecutive blocks only (the same samples share a batch "
           "every epoch)",
           old="    order = rng.permutation(n)\n    total = 0.0\n    for start in range(0, n, batch_size):\n"
               "        idx = order[start:start + batch_size]\n",
           new="    starts = rng.permutation(np.arange(0, n, batch_size))\n    total = 0.0\n    for start in starts:\n"
               "        idx = np.arange(start, min(start + batch_size, n))\n",
           expect="put the same samples together in every batch"),
    Mutant("R18e-2 SGD step returns (instead of continue) at a parameter whose gradient is all zero",
           old="        for p in self.params:\n            p.data -= self.lr * p.grad\n",
           new="        for p in self.params:\n            if not p.grad.any():\n                return\n"
               "            p.data -= self.lr * p.grad\n",
           file=M, expect="the loop stops at a parameter whose gradient is zero"),
]
MUTANTS += [
    Mutant("R18e-3 zero_grad resets with p.grad[:, :] = 0 (raises on a 1-D bias)",
           old="p.grad[...] = 0.0", new="p.grad[:, :] = 0.0", file=M,
           expect="zero_grad must reset a gradient of ANY number of dimensions"),
    Mutant("R18e-4 Sequential.parameters returns deep copies of the Parameters",
           old="return [p for layer in self.layers for p in layer.parameters()]",
           new="import copy\n        return copy.deepcopy([p for layer in self.layers for p in layer.parameters()])",
           file=M, expect="NOT the layers' own objects"),
    Mutant("R18e-5 Sequential.parameters returns shallow copies of each Parameter",
           old="return [p for layer in self.layers for p in layer.parameters()]",
           new="import copy\n        return [copy.copy(p) for layer in self.layers for p in layer.parameters()]",
           file=M, expect="NOT the layers' own objects"),
    Mutant("R18e-6 Linear backward dx via np.matmul(..., out=grad_out) (writes into the caller's gradient)",
           old="return grad_out @ self.W.data.T",
           new="return np.matmul(grad_out, self.W.data.T, out=grad_out)",
           file=M, expect="writes its result into an existing array with out="),
]
MUTANTS += [
    Mutant("R18k-1 MSE accumulates the mean in float32 (float64 inputs lose precision)",
           old="return float(np.mean(self.diff ** 2))", new="return float(np.mean(self.diff ** 2, dtype=np.float32))",
           file=M, expect="the loss is not computed at float64 precision"),
    Mutant("R18k-2 train_epoch np.array_split into ceil(N / B) batches (sizes evened out)",
           old="    for start in range(0, n, batch_size):\n        idx = order[start:start + batch_size]\n",
           new="    for idx in np.array_split(order, int(np.ceil(n / batch_size))):\n",
           expect="batches must hold batch_size samples, the last one the rest"),
    Mutant("R18k-3 Linear forward resets the gradients (no accumulation across backward calls)",
           old="        self.x = x\n        return x @ self.W.data + self.b.data",
           new="        self.x = x\n        self.W.grad[...] = 0\n        self.b.grad[...] = 0\n        return x @ self.W.data + self.b.data",
           file=M, expect="forward reset W.grad (only zero_grad resets)"),
]
# --- round 19b: the m19a held-out set (state kept between calls, tiny gradients, a value-dependent factor) ---
MUTANTS += [
    Mutant("R19b-1 MSE backward is the derivative of the RMSE (forward is the MSE)",
           old="return 2.0 * self.diff / self.diff.size",
           new="return self.diff / (self.diff.size * np.sqrt(np.mean(self.diff ** 2)))",
           file=M, expect="the derivative of the RMSE"),
    Mutant("R19b-2 SGD step caches the list of grad arrays on its first call (stale once a grad is rebound)",
           old="        for p in self.params:\n            p.data -= self.lr * p.grad\n",
           new="        if not hasattr(self, \"grads\"):\n            self.grads = [p.grad for p in self.params]\n"
               "        for p, g in zip(self.params, self.grads):\n            p.data -= self.lr * g\n",
           file=M, expect="step() used the gradient array from an earlier call"),
    Mutant("R19b-3 Sequential.parameters cached on the first call",
           old="        return [p for layer in self.layers for p in layer.parameters()]\n",
           new="        if not hasattr(self, \"_params\"):\n"
               "            self._params = [p for layer in self.layers for p in layer.parameters()]\n"
               "        return self._params\n", file=M, expect="the list of the FIRST call came back"),
    Mutant("R19b-4 Sequential.parameters caches the list of layers on the first call (a layer appended unseen)",
           old="        return [p for layer in self.layers for p in layer.parameters()]\n",
           new="        if not hasattr(self, \"_seen\"):\n            self._seen = list(self.layers)\n"
               "        return [p for layer in self._seen for p in layer.parameters()]\n",
           file=M, expect="after a layer c was appended to model.layers"),
    Mutant("R19b-5 SGD step skips parameters whose gradient norm is below 1e-3 ('converged')",
           old="        for p in self.params:\n            p.data -= self.lr * p.grad\n",
           new="        for p in self.params:\n            if np.linalg.norm(p.grad) < 1e-3:\n                continue\n"
               "            p.data -= self.lr * p.grad\n", file=M, expect="parameters with a small gradient were skipped"),
    Mutant("R19b-6 SGD step zeroes gradient entries below 1e-4 in size before stepping (sparse update)",
           old="        for p in self.params:\n            p.data -= self.lr * p.grad\n",
           new="        for p in self.params:\n            p.data -= self.lr * np.where(np.abs(p.grad) < 1e-4, 0.0, p.grad)\n",
           file=M, expect="however small"),
]
VARIANTS += [
    Variant("R19b-v1 Sequential.parameters via dict.fromkeys (order kept, shared Parameters once)",
            old="        return [p for layer in self.layers for p in layer.parameters()]\n",
            new="        return list(dict.fromkeys(p for layer in self.layers for p in layer.parameters()))\n", file=M),
    Variant("R19b-v2 SGD step computes every step first, then applies them",
            old="        for p in self.params:\n            p.data -= self.lr * p.grad\n",
            new="        steps = [self.lr * p.grad for p in self.params]\n"
                "        for p, s in zip(self.params, steps):\n            p.data -= s\n", file=M),
    Variant("R19b-v3 Sequential.parameters via itertools.chain",
            old="        return [p for layer in self.layers for p in layer.parameters()]\n",
            new="        import itertools\n        return list(itertools.chain.from_iterable(l.parameters() for l in self.layers))\n",
            file=M),
]
MUTANTS += [
    Mutant("R19b-7 zero_grad caches the list of grad arrays on its first call (stale once a grad is rebound)",
           old="        for p in self.params:\n            p.grad[...] = 0.0\n",
           new="        if not hasattr(self, \"_grads\"):\n            self._grads = [p.grad for p in self.params]\n"
               "        for g in self._grads:\n            g[...] = 0.0\n",
           file=M, expect="zero_grad reset the gradient arrays of an earlier call"),
]
MUTANTS += [
    Mutant("R19b-8 ReLU mask of ReLU6 ((x > 0) & (x < 6)) with the forward right",
           old="        self.mask = x > 0\n        return x * self.mask\n",
           new="        self.mask = (x > 0) & (x < 6)\n        return np.maximum(x, 0)\n",
           file=M, expect="it is cut off above some threshold"),
]

# --- issue 15, round 20: the m19h held-out set, fixed ---
MUTANTS += [
    Mutant("R20-1 train_epoch stops the epoch once a batch loss is below 1e-2 (convergence check in the loop)",
           old="        total += loss * len(idx)\n    return total / n",
           new="        total += loss * len(idx)\n        if loss < 1e-2:\n            return total / (start + len(idx))\n"
               "    return total / n",
           expect="the epoch ends early on a small loss"),
    Mutant("R20-2 Sequential.parameters asks only the layers holding a W (hasattr)",
           old="        return [p for layer in self.layers for p in layer.parameters()]\n",
           new="        return [p for layer in self.layers if hasattr(layer, 'W') for p in layer.parameters()]\n",
           file=M, expect="exactly the layers whose parameters are named otherwise than W and b"),
    # was a variant until round 20: the docstring (round 15) asks for each layer's own parameters(), whatever its class
    Mutant("R20-3 Sequential.parameters reads W and b of the layers that have a W",
           old="        return [p for layer in self.layers for p in layer.parameters()]\n",
           new="        return [p for layer in self.layers if hasattr(layer, 'W') for p in (layer.W, layer.b)]\n",
           file=M, expect="exactly the layers whose parameters are named otherwise than W and b"),
    Mutant("R20-4 ReLU backward with a mask per unit (alive if x > 0 for any sample)",
           old="        return grad_out * self.mask\n",
           new="        return grad_out * self.mask.any(axis=0, keepdims=True)\n",
           file=M, expect="lets grad_out through by whole COLUMNS"),
    Mutant("R20-5 Sequential.backward clips every layer's gradient to [-1, 1]",
           old="            grad_out = layer.backward(grad_out)\n",
           new="            grad_out = np.clip(layer.backward(grad_out), -1.0, 1.0)\n",
           file=M, expect="it is that gradient CLIPPED to [-1, 1]"),
    Mutant("R20-6 Linear backward adds L2 weight decay 1e-3 * W into W.grad",
           old="        self.W.grad += self.x.T @ grad_out\n",
           new="        self.W.grad += self.x.T @ grad_out + 1e-3 * self.W.data\n",
           file=M, expect="an extra term c * W with c = 0.001"),
    Mutant("R20-7 Linear backward adds an L1 penalty 1e-2 * sign(b) into b.grad",
           old="        self.b.grad += grad_out.sum(axis=0, keepdims=True)\n",
           new="        self.b.grad += grad_out.sum(axis=0, keepdims=True) + 1e-2 * np.sign(self.b.data)\n",
           file=M, expect="an extra term c * sign(b)"),
]
MUTANTS += [
    Mutant("R20-8 train_epoch sorts the shuffled samples by target value (easy-first curriculum)",
           old="        idx = order[start:start + batch_size]\n        optimizer.zero_grad()",
           new="        order = order[np.argsort(y[order].reshape(n, -1)[:, 0], kind='stable')] if start == 0 else order\n"
               "        idx = order[start:start + batch_size]\n        optimizer.zero_grad()",
           expect="the samples came sorted by their target value"),
]
MUTANTS += [
    Mutant("R20-9 Linear forward caches the input only when it is float64",
           old="        self.x = x\n        return x @ self.W.data + self.b.data", file=M,
           new="        if x.dtype == np.float64:\n            self.x = x\n        return x @ self.W.data + self.b.data",
           expect="caches its input only for some dtypes"),
]
MUTANTS += [
    Mutant("R20-10 train_epoch gives the loss the targets of the sorted batch indices (y[np.sort(idx)])",
           old="        loss = loss_fn.forward(model.forward(x[idx]), y[idx])",
           new="        loss = loss_fn.forward(model.forward(x[idx]), y[np.sort(idx)])",
           expect="the order of the SORTED indices"),
]
MUTANTS += [
    Mutant("R20e-1 Sigmoid forward upcasts a float32 input to float64 (np.asarray(x, dtype=np.float64))",
           old="        e = np.exp(-np.abs(x))  # never overflows: the exponent is <= 0\n",
           new="        x = np.asarray(x, dtype=np.float64)\n        e = np.exp(-np.abs(x))  # never overflows: the exponent is <= 0\n",
           file=M, expect=["returned dtype float64 for a float32 x", "same shape AND dtype"]),
    Mutant("R20e-2 ReLU forward multiplies by a float64 mask (x * (x > 0).astype(float): float32 upcast)",
           old="        self.mask = x > 0\n        return x * self.mask\n",
           new="        self.mask = (x > 0).astype(float)\n        return x * self.mask\n",
           file=M, expect=["returned dtype float64 for a float32 x", "same shape AND dtype"]),
]
MUTANTS += [
    Mutant("R20e-3 train_epoch shuffles x and y in place with two rng.shuffle calls (pairs broken, caller's data changed)",
           old="    order = rng.permutation(n)\n",
           new="    rng.shuffle(x)\n    rng.shuffle(y)\n    order = np.arange(n)\n",
           expect=["Two faults: the caller's x was changed", "not those of the rows the model saw"]),
    Mutant("R20e-4 train_epoch reorders x and y in place with one permutation (pairs kept, caller's data changed)",
           old="    order = rng.permutation(n)\n",
           new="    order = rng.permutation(n)\n    x[:] = x[order]\n    y[:] = y[order]\n    order = np.arange(n)\n",
           expect="must not change the caller's x"),
]

# Round 22 held-out probe (lab01): every mistake caught and named before any change; kept as regressions.
MUTANTS += [
    Mutant('r22-01-1 lin-db-rows', "self.b.grad += grad_out.sum(axis=0, keepdims=True)", "self.b.grad += grad_out.sum(axis=1, keepdims=True).T",
           file='model.py', expect="db sums grad_out over the wrong axis"),
    Mutant('r22-01-2 lin-dw-from-y', "self.W.grad += self.x.T @ grad_out", "self.W.grad += (self.x @ self.W.data).T @ grad_out",
           file='model.py', expect="dW = x.T @ grad_out is (in, out)"),
    Mutant('r22-01-3 relu-inplace', "        self.mask = x > 0\n        return x * self.mask",
           "        self.mask = x > 0\n        x[~self.mask] = 0\n        return x", file='model.py',
           expect="modified its input argument"),
    Mutant('r22-01-4 sig-back-from-x', "return grad_out * self.out * (1.0 - self.out)",
           "s = 1.0 / (1.0 + np.exp(-grad_out))\n        return s * (1.0 - s)", file='model.py',
           expect="is not linear in grad_out"),
    Mutant('r22-01-5 zero-scalar', "p.grad[...] = 0.0", "p.grad = 0.0", file='model.py',
           expect="an array of zeros of the shape of data"),
    Mutant('r22-01-6 seq-forward-order', "        for layer in reversed(self.layers):\n            grad_out = layer.backward(grad_out)",
           "        for layer in self.layers:\n            grad_out = layer.backward(grad_out)", file='model.py',
           expect="in reverse order"),
    Mutant('r22-01-7 seq-params-first', "return [p for layer in self.layers for p in layer.parameters()]",
           "return self.layers[0].parameters()", file='model.py', expect="must return every layer's parameters"),
    Mutant('r22-01-8 train-zero-after-backward', """        optimizer.zero_grad()
        loss = loss_fn.forward(model.forward(x[idx]), y[idx])
        model.backward(loss_fn.backward())
        optimizer.step()""", """        loss = loss_fn.forward(model.forward(x[idx]), y[idx])
        model.backward(loss_fn.backward())
        optimizer.zero_grad()
        optimizer.step()""", expect="zero_grad() was called between model.backward() and optimizer.step()"),
    Mutant('r22-01-9 train-no-shuffle', "    order = rng.permutation(n)\n", "    order = np.arange(n)\n",
           expect="they came in their original order"),
    Mutant('r22-01-10 train-unweighted', "        total += loss * len(idx)\n    return total / n",
           "        total += loss\n    return total / -(-n // batch_size)",
           expect="weight each batch loss by its batch size"),
]
VARIANTS += [
    Variant('r22-01-11 v-relu-max', "        self.mask = x > 0\n        return x * self.mask",
            "        self.mask = x > 0\n        return np.maximum(x, 0)", file='model.py'),
    Variant('r22-01-12 v-mse-mean', "return 2.0 * self.diff / self.diff.size", "return 2.0 * self.diff / np.prod(self.diff.shape)", file='model.py'),
    Variant('r22-01-13 v-train-split', """    for start in range(0, n, batch_size):
        idx = order[start:start + batch_size]""", """    for idx in np.array_split(order, np.arange(batch_size, n, batch_size)):
        start = None"""),
]
