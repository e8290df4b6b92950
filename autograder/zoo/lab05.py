"""Bug zoo of Lab 05: mistakes people make writing a scalar autograd engine, and correct variants."""
from . import Mutant, Variant

_DFS = """        topo, visited = [], set()
        stack = [(self, False)]
        while stack:
            node, parents_done = stack.pop()
            if parents_done:
                topo.append(node)
                continue
            if node in visited:
                continue
            visited.add(node)
            stack.append((node, True))
            for parent in node._prev:
                if parent not in visited:
                    stack.append((parent, False))
"""

_RECURSIVE = """        topo, visited = [], set()

        def build_topo(v):
            if v not in visited:
                visited.add(v)
                for parent in v._prev:
                    build_topo(parent)
                topo.append(v)
        build_topo(self)
"""

_KAHN = """        # Kahn's algorithm on the reversed graph: count how many consumers each node has
        # and release a node once all of them have been processed.
        consumers, seen, stack = {}, {self}, [self]
        while stack:
            node = stack.pop()
            for parent in node._prev:
                consumers[parent] = consumers.get(parent, 0) + 1
                if parent not in seen:
                    seen.add(parent)
                    stack.append(parent)
        order, ready = [], [self]
        while ready:
            node = ready.pop()
            order.append(node)
            for parent in node._prev:
                consumers[parent] -= 1
                if consumers[parent] == 0:
                    ready.append(parent)
        topo = order[::-1]
"""

_TANH = """        t = math.tanh(self.data)
        out = Value(t, (self,), "tanh")

        def _backward():
            self.grad += (1 - t ** 2) * out.grad
        out._backward = _backward
        return out
"""

MUTANTS = [
    # --- the classic: the closure attaches itself, from inside itself
    Mutant("_backward assigned inside its own closure (__mul__)",
           old="            other.grad += self.data * out.grad\n        out._backward = _backward",
           new="            other.grad += self.data * out.grad\n            out._backward = _backward",
           expect="indented inside _backward"),
    Mutant("_backward assigned inside its own closure (__add__)",
           old="            other.grad += out.grad\n        out._backward = _backward",
           new="            other.grad += out.grad\n            out._backward = _backward",
           expect="indented inside _backward"),
    # --- local derivatives
    Mutant("= instead of += in gradient accumulation",
           old="            self.grad += out.grad\n            other.grad += out.grad",
           new="            self.grad = out.grad\n            other.grad = out.grad",
           expect="must accumulate with +="),
    Mutant("mul forgets the chain rule (out.grad)",
           old="            self.grad += other.data * out.grad\n            other.grad += self.data * out.grad",
           new="            self.grad += other.data\n            other.grad += self.data",
           expect="chain rule"),
    Mutant("mul gradients swapped",
           old="            self.grad += other.data * out.grad\n            other.grad += self.data * out.grad",
           new="            self.grad += self.data * out.grad\n            other.grad += other.data * out.grad",
           expect="gradients are swapped"),
    Mutant("mul does not wrap plain numbers",
           old='        other = other if isinstance(other, Value) else Value(other)\n'
               '        out = Value(self.data * other.data, (self, other), "*")',
           new='        out = Value(self.data * other.data, (self, other), "*")',
           expect="must be wrapped in a Value"),
    Mutant("power rule off by one",
           old="k * self.data ** (k - 1) * out.grad", new="k * self.data ** k * out.grad",
           expect="power rule off by one"),
    Mutant("tanh derivative uses the input",
           old="(1 - t ** 2) * out.grad", new="(1 - self.data ** 2) * out.grad",
           expect="tanh derivative must use the output"),
    Mutant("tanh derivative 1 - t",
           old="(1 - t ** 2) * out.grad", new="(1 - t) * out.grad",
           expect="not 1 - t"),
    Mutant("exp derivative uses the input",
           old="self.grad += out.data * out.grad", new="self.grad += self.data * out.grad",
           expect="exp derivative"),
    Mutant("relu derivative lets every gradient through",
           old="self.grad += (out.data > 0) * out.grad", new="self.grad += out.grad",
           expect="relu derivative"),
    Mutant("log derivative divides by the output",
           old="out.grad / self.data", new="out.grad / out.data",
           expect="log derivative"),
    # --- derived and reflected operators
    Mutant("__sub__ with swapped operands",
           old="return self + (-other)", new="return other + (-self)",
           expect="swapped operands in __sub__"),
    Mutant("__rsub__ with swapped operands",
           old="return other + (-self)", new="return self - other",
           expect="__rsub__ swapped"),
    Mutant("__rtruediv__ with swapped operands",
           old="return other * self ** -1", new="return self / other",
           expect="__rtruediv__ swapped"),
    # --- backward()
    Mutant("no topological order (forward instead of reverse)",
           old="for node in reversed(topo):", new="for node in topo:",
           expect="outputs first"),
    Mutant("no visited set (nodes processed once per path)",
           old="            if node in visited:\n                continue\n", new="",
           expect="more than once"),
    Mutant("self.grad = 1 seed missing",
           old="        self.grad += 1.0\n", new="",
           expect="seed"),
    Mutant("recursive topological sort",
           old=_DFS, new=_RECURSIVE,
           expect="recursion limit"),
    Mutant("interior grads not reset (repeated backward doubles counts)",
           old="            if node._prev:\n                node.grad = 0.0",
           new="            if node._prev:\n                pass",
           expect="interior node"),
    # --- modules and training
    Mutant("parameters missing biases",
           old="return self.w + [self.b]", new="return self.w",
           expect="missing the bias"),
    Mutant("neuron forgets its activation",
           old="            return z.tanh()", new="            return z",
           expect="forgot its activation"),
    Mutant("MLP always returns a list",
           old="return x[0] if len(x) == 1 else x", new="return x",
           expect="single Value"),
    Mutant("zero_grad zeroes the data",
           old="p.grad = 0.0", new="p.data = 0.0",
           expect="not p.data"),
    Mutant("MSE summed instead of averaged",
           old="for p, t in zip(preds, targets)) / len(preds)", new="for p, t in zip(preds, targets))",
           expect="mean over the batch"),
    Mutant("gradients not reset between steps",
           old="    model.zero_grad()\n    loss = mse_loss", new="    loss = mse_loss",
           expect="not reset between steps"),
    Mutant("gradient ascent",
           old="p.data -= lr * p.grad", new="p.data += lr * p.grad",
           expect="goes uphill"),
]

VARIANTS = [
    Variant("np.tanh instead of math.tanh", old="t = math.tanh(self.data)", new="t = np.tanh(self.data)"),
    Variant("tanh composed from exp, + and /", old=_TANH,
            new="        e2 = (2 * self).exp()\n        return (e2 - 1) / (e2 + 1)\n"),
    Variant("_prev as a tuple", old="self._prev = set(_children)", new="self._prev = tuple(_children)"),
    Variant("Kahn's algorithm instead of depth-first search", old=_DFS, new=_KAHN),
    Variant("seed with self.grad = 1", old="        self.grad += 1.0\n", new="        self.grad = 1\n"),
    Variant("__sub__ as its own operation",
            old="return self + (-other)",
            new="other = other if isinstance(other, Value) else Value(other)\n"
                "        out = Value(self.data - other.data, (self, other), '-')\n\n"
                "        def _backward():\n"
                "            self.grad += out.grad\n"
                "            other.grad -= out.grad\n"
                "        out._backward = _backward\n"
                "        return out"),
    Variant("__truediv__ as its own operation",
            old="return self * other ** -1",
            new="other = other if isinstance(other, Value) else Value(other)\n"
                "        out = Value(self.data / other.data, (self, other), '/')\n\n"
                "        def _backward():\n"
                "            self.grad += out.grad / other.data\n"
                "            other.grad -= out.grad * self.data / other.data ** 2\n"
                "        out._backward = _backward\n"
                "        return out"),
    Variant("negation as its own operation", old="return self * -1",
            new="out = Value(-self.data, (self,), 'neg')\n\n"
                "        def _backward():\n"
                "            self.grad -= out.grad\n"
                "        out._backward = _backward\n"
                "        return out"),
    Variant("relu with max()", old="Value(self.data if self.data > 0 else 0.0, (self,), \"relu\")",
            new="Value(max(0.0, self.data), (self,), \"relu\")"),
    Variant("integer zero in zero_grad", old="p.grad = 0.0", new="p.grad = 0"),
    Variant("neuron with an explicit loop",
            old="z = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)",
            new="z = self.b\n        for i in range(len(self.w)):\n            z = z + self.w[i] * x[i]"),
    Variant("train_step with an out-of-place update and a hand-written mean",
            old="    loss = mse_loss([model(x) for x in xs], ys)\n    loss.backward()\n"
                "    for p in model.parameters():\n        p.data -= lr * p.grad",
            new="    loss = sum((model(x) - y) ** 2 for x, y in zip(xs, ys)) * (1.0 / len(xs))\n"
                "    loss.backward()\n    for p in model.parameters():\n        p.data = p.data - lr * p.grad"),
]
